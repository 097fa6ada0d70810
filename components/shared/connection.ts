/**
 * How a service finds the datastores it `uses`, the same on every platform: which environment
 * variables it gets (DATABASE_URL, REDIS_URL, BROKER_URL, STORAGE_BUCKET, ...) and how the URLs
 * are spelled. Credentials only ever travel inside secret Outputs.
 */
import * as pulumi from "@pulumi/pulumi";
import type { Service, System } from "../../model";

/** The four kinds of datastore a spec declares. */
export type DatastoreKind = "database" | "cache" | "queue" | "bucket";

/** One environment variable a service receives for a datastore. */
export interface ConnectionVariable {
    /** Environment variable name, e.g. DATABASE_URL or DB_URL. */
    variable: string;
    /** The datastore's name in the spec. */
    datastore: string;
    kind: DatastoreKind;
    /** Carries credentials: must come from the platform's secret mechanism. */
    secret: boolean;
}

/** Default ports of the engines tierform runs. */
export const DEFAULT_PORTS = { postgres: 5432, mysql: 3306, mongodb: 27017, redis: 6379, amqp: 5672, s3: 9000 } as const;

/** Which kind of datastore `name` is in `system`, or undefined. */
export function datastoreKind(system: System, name: string): DatastoreKind | undefined {
    if (name in system.databases) return "database";
    if (name in system.caches) return "cache";
    if (name in system.queues) return "queue";
    if (name in system.buckets) return "bucket";
    return undefined;
}

const upper = (name: string) => name.toUpperCase().replace(/-/g, "_");

/**
 * The connection variables of `service`: for every datastore it uses, `<NAME>_URL` (buckets:
 * `<NAME>_BUCKET`), plus the conventional alias for the first of its kind: DATABASE_URL
 * (postgres/mysql), MONGODB_URI, REDIS_URL, BROKER_URL, STORAGE_BUCKET.
 */
export function connectionVariables(system: System, service: Service): ConnectionVariable[] {
    const out: ConnectionVariable[] = [];
    const aliased = new Set<string>();
    const add = (variable: string, datastore: string, kind: DatastoreKind, secret: boolean) => {
        if (!out.some((v) => v.variable === variable)) out.push({ variable, datastore, kind, secret });
    };
    for (const name of service.uses) {
        const kind = datastoreKind(system, name);
        if (!kind) continue;
        let alias: string;
        if (kind === "database") alias = system.databases[name].engine === "mongodb" ? "MONGODB_URI" : "DATABASE_URL";
        else if (kind === "cache") alias = "REDIS_URL";
        else if (kind === "queue") alias = "BROKER_URL";
        else alias = "STORAGE_BUCKET";
        const secret = kind !== "bucket";
        add(kind === "bucket" ? `${upper(name)}_BUCKET` : `${upper(name)}_URL`, name, kind, secret);
        if (!aliased.has(alias)) {
            aliased.add(alias);
            add(alias, name, kind, secret);
        }
    }
    return out;
}

/** Where and as whom to connect. */
export interface Endpoint {
    host: pulumi.Input<string>;
    port: pulumi.Input<number>;
    username?: pulumi.Input<string>;
    password?: pulumi.Input<string>;
    /** Database name (databases) or logical DB index (redis). */
    database?: pulumi.Input<string>;
    /** Require TLS on the wire. */
    tls?: boolean;
}

const enc = (v: string | undefined) => encodeURIComponent(v ?? "");

/** A database URL for `engine` (postgresql://, mysql://, mongodb://), always a secret. */
export function databaseUrl(engine: "postgres" | "mysql" | "mongodb", e: Endpoint): pulumi.Output<string> {
    return pulumi.secret(
        pulumi.all([e.host, e.port, e.username, e.password, e.database]).apply(([host, port, user, password, db]) => {
            const auth = user ? `${enc(user)}:${enc(password)}@` : "";
            if (engine === "postgres") return `postgresql://${auth}${host}:${port}/${db ?? ""}?sslmode=${e.tls ? "require" : "prefer"}`;
            if (engine === "mysql") return `mysql://${auth}${host}:${port}/${db ?? ""}${e.tls ? "?ssl-mode=REQUIRED" : ""}`;
            return `mongodb://${auth}${host}:${port}/${db ?? ""}?authSource=admin${e.tls ? "&tls=true" : ""}`;
        }),
    );
}

/**
 * A Redis URL, always a secret. With TLS: `rediss://…?ssl_cert_reqs=required`, the parameter
 * redis-py reads (`redis.connection.parse_url`) and Celery demands of every `rediss://` broker or
 * backend URL ("A rediss:// URL must have parameter ssl_cert_reqs"), verifying the server's
 * certificate; without TLS the URL is unchanged.
 */
export function redisUrl(e: Endpoint): pulumi.Output<string> {
    return pulumi.secret(
        pulumi.all([e.host, e.port, e.username, e.password, e.database]).apply(([host, port, user, password, db]) => {
            const auth = password ? `${enc(user)}:${enc(password)}@` : "";
            return `${e.tls ? "rediss" : "redis"}://${auth}${host}:${port}/${db ?? "0"}${e.tls ? "?ssl_cert_reqs=required" : ""}`;
        }),
    );
}

/** An AMQP URL (amqps:// with TLS), always a secret. */
export function amqpUrl(e: Endpoint): pulumi.Output<string> {
    return pulumi.secret(
        pulumi.all([e.host, e.port, e.username, e.password]).apply(
            ([host, port, user, password]) => `${e.tls ? "amqps" : "amqp"}://${enc(user)}:${enc(password)}@${host}:${port}/`,
        ),
    );
}
