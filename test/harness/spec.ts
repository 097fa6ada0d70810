/**
 * Small inline specs for tests, as CDK's tests build a stack from minimal inputs: a test names the
 * few fields its assertion is about and the builder fills in what the schema requires, so editing a
 * preset (systems/*.yaml) no longer ripples into tests that only needed "some PostgreSQL" or "a web
 * service behind a route".
 *
 *     const file = spec().service("api", { uses: ["db"] }).postgres("db", { storageGb: 50 }).build();
 *     loadSystem(file)  /  planStack({ stack: "prod", system: file })  /  planData(file)
 *
 * Every spec gets an edge domain (`<name>.example.com`) and, without routes, `/` to its first web
 * service, so it plans on every stack. `build()` writes the spec as a YAML file (named by its content, in the OS temp directory) and
 * returns its path, which every loader entry point takes where it takes a preset name: the spec
 * passes the real loader, its checks and the environment profile, exactly as a user's file does.
 * {@link hasResource} is CDK's `hasResourceProperties`: some resource of a type whose inputs
 * contain the given ones.
 */
import { strict as assert } from "assert";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import type { z } from "zod";
import type { bucket, cache, database, edge, fileShare, monitoring, queue, recovery, service, SystemSpecInput } from "../../model/schema";
import type { Plan, PlannedResource } from "./index";

type Fields<T extends z.ZodType> = Partial<z.input<T>>;

/** A pinned placeholder image per service name: never pulled by the offline plan. */
const imageOf = (name: string) => `ghcr.io/tierform-test/${name}:1.0.0`;

/** Builds a spec from a few fields; see the file's header. */
export class SpecBuilder {
    private readonly value: SystemSpecInput & { databases: object; caches: object; queues: object; buckets: object; fileShares: object };

    constructor(name: string) {
        this.value = {
            name,
            // Kubernetes needs a domain while TLS is on; prod plans offline with a placeholder (it warns).
            edge: { domain: `${name}.example.com`, routes: [] },
            services: {},
            databases: {},
            caches: {},
            queues: {},
            buckets: {},
            fileShares: {},
        };
    }

    /**
     * A service: by default a web service on port 8000 with a pinned placeholder image and an HTTP
     * liveness probe (`/healthz`). Worker and scheduler kinds get no port and no probe.
     */
    service(name: string, fields: Fields<typeof service> = {}): this {
        const web = (fields.kind ?? "web") === "web";
        this.value.services[name] = {
            image: imageOf(name),
            ...(web ? { port: 8000, health: { liveness: { path: "/healthz" } } } : {}),
            ...fields,
        } as z.input<typeof service>;
        return this;
    }

    /** An edge route of `path` to `service` (without any, `build()` routes `/` to the first web service). */
    route(routePath: string, serviceName: string, fields: { allowCidrs?: string[] } = {}): this {
        this.value.edge.routes.push({ path: routePath, service: serviceName, ...fields });
        return this;
    }

    /** Edge fields other than routes (domain, cdn, waf, ...). */
    edge(fields: Omit<Fields<typeof edge>, "routes">): this {
        Object.assign(this.value.edge, fields);
        return this;
    }

    private database(engine: "postgres" | "mysql" | "mongodb", version: string, name: string, fields: Fields<typeof database>): this {
        this.value.databases[name as never] = { engine, version, ...fields } as never;
        return this;
    }

    /** A PostgreSQL database (version 16 unless given). */
    postgres(name: string, fields: Fields<typeof database> = {}): this {
        return this.database("postgres", "16", name, fields);
    }

    /** A MySQL database (version 8.0 unless given). */
    mysql(name: string, fields: Fields<typeof database> = {}): this {
        return this.database("mysql", "8.0", name, fields);
    }

    /** A MongoDB database (version 7.0 unless given). */
    mongodb(name: string, fields: Fields<typeof database> = {}): this {
        return this.database("mongodb", "7.0", name, fields);
    }

    /** A Redis cache (version 7 unless given). */
    redis(name: string, fields: Fields<typeof cache> = {}): this {
        this.value.caches[name as never] = { engine: "redis", version: "7", ...fields } as never;
        return this;
    }

    /** A queue. */
    queue(name: string, fields: Fields<typeof queue> = {}): this {
        this.value.queues[name as never] = { ...fields } as never;
        return this;
    }

    /** A bucket of `purpose`. */
    bucket(name: string, purpose: z.input<typeof bucket>["purpose"], fields: Fields<typeof bucket> = {}): this {
        this.value.buckets[name as never] = { purpose, ...fields } as never;
        return this;
    }

    /** A file share. */
    fileShare(name: string, fields: Fields<typeof fileShare> = {}): this {
        this.value.fileShares[name as never] = { ...fields } as never;
        return this;
    }

    /** Recovery objectives. */
    recovery(fields: Fields<typeof recovery>): this {
        this.value.recovery = { ...(this.value.recovery as object), ...fields };
        return this;
    }

    /** Alert thresholds. */
    monitoring(fields: Fields<typeof monitoring>): this {
        this.value.monitoring = { ...(this.value.monitoring as object), ...fields };
        return this;
    }

    /** The spec as a plain object (what `build()` writes). */
    toSpec(): SystemSpecInput {
        // A JSON copy: a field set to undefined (`edge({ domain: undefined })`) is left out.
        const spec = JSON.parse(JSON.stringify(this.value)) as SystemSpecInput;
        if (spec.edge.routes.length === 0) {
            const web = Object.entries(spec.services).find(([, s]) => (s.kind ?? "web") === "web");
            if (web) spec.edge.routes.push({ path: "/", service: web[0] });
        }
        return spec;
    }

    /** Write the spec to a YAML file named by its content and return the path (give it where a preset name goes). */
    build(): string {
        const text = stringify(this.toSpec());
        const file = path.join(os.tmpdir(), `tierform-spec-${createHash("sha256").update(text).digest("hex").slice(0, 16)}.yaml`);
        if (!fs.existsSync(file)) fs.writeFileSync(file, text);
        return file;
    }
}

/** Start a spec for a system named `name` (default `shop`). */
export const spec = (name = "shop") => new SpecBuilder(name);

/** Whether `actual` contains `expected`: every key of an expected object, every element of an expected array in order, equal leaves. */
export function contains(actual: unknown, expected: unknown): boolean {
    if (expected instanceof RegExp) return typeof actual === "string" && expected.test(actual);
    if (Array.isArray(expected))
        return Array.isArray(actual) && actual.length === expected.length && expected.every((e, i) => contains(actual[i], e));
    if (expected !== null && typeof expected === "object")
        return (
            actual !== null &&
            typeof actual === "object" &&
            Object.entries(expected).every(([k, v]) => contains((actual as Record<string, unknown>)[k], v))
        );
    return Object.is(actual, expected);
}

/**
 * The one resource of `type` whose inputs contain `props` (CDK's `hasResourceProperties`; a RegExp
 * matches a string input); fails listing the candidates' inputs when none or several match.
 */
export function hasResource(plan: Plan, type: string, props: Record<string, unknown>): PlannedResource {
    const candidates = plan.ofType(type);
    const found = candidates.filter((r) => contains(r.inputs, props));
    if (found.length === 1) return found[0];
    assert.fail(
        `expected one ${type} with ${JSON.stringify(props)}, found ${found.length} of ${candidates.length}:\n` +
            candidates.map((r) => `  ${r.name}: ${JSON.stringify(r.inputs).slice(0, 400)}`).join("\n"),
    );
}
