/**
 * Reads and validates a policy pack config file (the `--policy-pack-config` JSON), against the
 * policies' names and their config schemas, so a typo or a wrong type fails with a clear message
 * instead of silently using a default. Used by the offline report and its tests; constructs no pack.
 */
import * as fs from "fs";
import * as path from "path";
import type { EnforcementLevel } from "@pulumi/policy";
import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import { allPolicies } from "./rules";
import { schemaDefaults } from "./rules/util";

/** The enforcement levels a config may name. */
export const LEVELS: EnforcementLevel[] = ["advisory", "mandatory", "remediate", "disabled"];

/**
 * A config file failed validation; `problems` holds one message per problem. It is bad input, not
 * a bug: its `stack` is only its message, so even a caller that prints the stack shows no trace.
 */
export class PolicyConfigError extends Error {
    constructor(
        readonly source: string,
        readonly problems: string[],
    ) {
        super(`invalid policy config ${source}:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
        this.name = "PolicyConfigError";
        this.stack = `${this.name}: ${this.message}`;
    }
}

/** What one policy runs with. */
export interface ResolvedPolicyConfig {
    enforcementLevel: EnforcementLevel;
    /** The schema's defaults with the file's values over them. */
    config: Record<string, unknown>;
}

/** The directory of the shipped per-stack configs. */
export const CONFIG_DIR = path.join(__dirname, "config");

function typeOf(v: unknown): string {
    if (v === null) return "null";
    if (Array.isArray(v)) return "array";
    if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
    return typeof v;
}

function checkValue(where: string, value: unknown, schema: PolicyConfigJSONSchema, problems: string[]) {
    const actual = typeOf(value);
    if (schema.type) {
        const allowed = Array.isArray(schema.type) ? schema.type : [schema.type];
        const ok = allowed.some((t) => t === actual || (t === "number" && actual === "integer"));
        if (!ok) {
            problems.push(`${where} must be ${allowed.join(" or ")}, got ${actual} ${JSON.stringify(value)}`);
            return;
        }
    }
    if (schema.enum && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value)))
        problems.push(`${where} must be one of ${schema.enum.map((e) => JSON.stringify(e)).join(", ")}`);
    if (typeof value === "number") {
        if (schema.minimum !== undefined && value < schema.minimum)
            problems.push(`${where} must be at least ${schema.minimum}, got ${value}`);
        if (schema.maximum !== undefined && value > schema.maximum)
            problems.push(`${where} must be at most ${schema.maximum}, got ${value}`);
    }
    if (Array.isArray(value) && schema.items && typeof schema.items === "object" && !Array.isArray(schema.items)) {
        value.forEach((v, i) => checkValue(`${where}[${i}]`, v, schema.items as PolicyConfigJSONSchema, problems));
    }
    if (actual === "object" && value && typeof schema.additionalProperties === "object") {
        for (const [k, v] of Object.entries(value)) checkValue(`${where}.${k}`, v, schema.additionalProperties, problems);
    }
}

function closest(name: string, candidates: string[]): string | undefined {
    const dist = (a: string, b: string) => {
        const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
        for (let j = 1; j <= b.length; j++) d[0][j] = j;
        for (let i = 1; i <= a.length; i++)
            for (let j = 1; j <= b.length; j++)
                d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        return d[a.length][b.length];
    };
    const best = candidates.map((c) => [c, dist(name, c)] as const).sort((x, y) => x[1] - y[1])[0];
    return best && best[1] <= Math.max(3, Math.floor(name.length / 3)) ? best[0] : undefined;
}

/**
 * Validate a parsed config object and resolve every policy's level and config.
 * Throws PolicyConfigError listing every problem.
 */
export function resolvePolicyConfig(raw: unknown, source = "(inline)"): Map<string, ResolvedPolicyConfig> {
    const problems: string[] = [];
    if (typeof raw !== "object" || raw === null || Array.isArray(raw))
        throw new PolicyConfigError(source, [`the config must be a JSON object of policy name → level or settings, got ${typeOf(raw)}`]);
    const byName = new Map(allPolicies.map((p) => [p.name, p]));
    const names = [...byName.keys()];
    const entries = raw as Record<string, unknown>;
    const levelOf = (where: string, v: unknown): EnforcementLevel | undefined => {
        if (v === undefined) return undefined;
        if (typeof v === "string" && (LEVELS as string[]).includes(v)) return v as EnforcementLevel;
        problems.push(`${where} must be one of ${LEVELS.join(", ")}, got ${JSON.stringify(v)}`);
        return undefined;
    };
    let all: EnforcementLevel | undefined;
    if ("all" in entries) {
        const v = entries.all;
        if (typeof v === "object" && v !== null && !Array.isArray(v)) {
            for (const k of Object.keys(v)) if (k !== "enforcementLevel") problems.push(`"all" only takes enforcementLevel, not '${k}'`);
            all = levelOf(`"all".enforcementLevel`, (v as Record<string, unknown>).enforcementLevel);
        } else all = levelOf(`"all"`, v);
    }
    const explicit = new Map<string, { level?: EnforcementLevel; props: Record<string, unknown> }>();
    for (const [name, value] of Object.entries(entries)) {
        if (name === "all") continue;
        const policy = byName.get(name);
        if (!policy) {
            const hint = closest(name, names);
            problems.push(
                `unknown policy '${name}'${hint ? ` (did you mean '${hint}'?)` : ""}; see policies/README.md for the ${names.length} policy names`,
            );
            continue;
        }
        if (typeof value === "string") {
            explicit.set(name, { level: levelOf(`'${name}'`, value), props: {} });
            continue;
        }
        if (typeof value !== "object" || value === null || Array.isArray(value)) {
            problems.push(`'${name}' must be an enforcement level or an object of settings, got ${typeOf(value)}`);
            continue;
        }
        const { enforcementLevel, ...props } = value as Record<string, unknown>;
        const schema = policy.configSchema;
        for (const [k, v] of Object.entries(props)) {
            const prop = schema?.properties?.[k];
            if (!prop || typeof prop !== "object") {
                const known = Object.keys(schema?.properties ?? {});
                problems.push(
                    `'${name}' has no setting '${k}'${known.length ? `; its settings are ${known.join(", ")}` : "; it takes only enforcementLevel"}`,
                );
                continue;
            }
            checkValue(`'${name}'.${k}`, v, prop, problems);
        }
        for (const req of schema?.required ?? [])
            if (!(req in props) && schemaDefaults(schema)[req] === undefined) problems.push(`'${name}' requires setting '${req}'`);
        explicit.set(name, { level: levelOf(`'${name}'.enforcementLevel`, enforcementLevel), props });
    }
    if (problems.length > 0) throw new PolicyConfigError(source, problems);
    const resolved = new Map<string, ResolvedPolicyConfig>();
    for (const p of allPolicies) {
        const e = explicit.get(p.name);
        resolved.set(p.name, {
            enforcementLevel: e?.level ?? all ?? p.enforcementLevel ?? "advisory",
            config: { ...schemaDefaults(p.configSchema), ...(e?.props ?? {}) },
        });
    }
    return resolved;
}

/** Read and validate `policies/config/<stack>.json` (or a path to a JSON file). */
export function loadPolicyConfig(stackOrFile: string): Map<string, ResolvedPolicyConfig> {
    const file = stackOrFile.endsWith(".json") ? stackOrFile : path.join(CONFIG_DIR, `${stackOrFile}.json`);
    if (!fs.existsSync(file)) {
        const stacks = fs
            .readdirSync(CONFIG_DIR)
            .filter((f) => f.endsWith(".json"))
            .map((f) => f.replace(/\.json$/, ""));
        throw new PolicyConfigError(file, [`no policy config for '${stackOrFile}'; shipped configs: ${stacks.join(", ")}`]);
    }
    let raw: unknown;
    try {
        raw = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch (err) {
        throw new PolicyConfigError(file, [`not valid JSON: ${(err as Error).message}`]);
    }
    return resolvePolicyConfig(raw, path.relative(process.cwd(), file) || file);
}
