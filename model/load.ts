/**
 * From the stack's raw configuration to a validated, resolved {@link System} and its
 * {@link Settings}. Every problem found is reported at once, each naming its config key or
 * spec path; nothing here registers a resource.
 */
import * as fs from "fs";
import * as path from "path";
import { z } from "zod";
import { LineCounter, parseDocument, type Document } from "yaml";
import { CONFIG_KEYS, platformOfKey, PROVIDER_NAMESPACES, providerConfigKeys, type ConfigKey, type Settings } from "./config";
import {
    AWS_BACKUP_MIN_INTERVAL_MINUTES,
    CONTINUOUS_BACKUP_MINUTES,
    cronProblem,
    maxGapMinutes,
    minGapMinutes,
    restrictsBothDays,
} from "../conventions/cron";
import { SpecError, type Problem } from "./errors";
import { applyProfile, type System } from "./profiles";
import { CLIENTS, DATASTORE_GROUPS, systemSpec, type ClientEngine } from "./schema";
import { SUPPORTED_VERSIONS } from "./versions";
import { plaintextSecretProblem } from "../conventions/secrets";
import { backupIntervalProblems, debugSwitchProblems, policyFloorProblems } from "./floors";
import { HOME_VARIABLES, writablePathsOf } from "../conventions/writable";

/** The project root (where Pulumi.yaml and systems/ live). */
export const PROJECT_ROOT = path.resolve(__dirname, "..");
/** Where the shipped presets live (systems/). */
export const PRESET_DIR = path.join(PROJECT_ROOT, "systems");

/** Names of the shipped presets (systems/*.yaml). */
export function presetNames(): string[] {
    return fs
        .readdirSync(PRESET_DIR)
        .filter((f) => f.endsWith(".yaml"))
        .map((f) => f.replace(/\.yaml$/, ""))
        .sort();
}

/** What {@link loadStack} returns: the parsed settings and the resolved system. */
export interface LoadedStack {
    settings: Settings;
    system: System;
    /** Where the spec came from (preset file or user file). */
    source: string;
    /**
     * Where spec path `p` is, as a {@link Problem}'s `where`: `tierform:overrides <path>`, or
     * `<file>:<line> <path>`. For checks the loader's caller runs on the resolved system (plan/validate.ts).
     */
    locate(p: SpecPath): string;
}

/** A path into the spec, e.g. `["services", "backend", "env", "HOME"]`. */
export type SpecPath = ReadonlyArray<PropertyKey>;
type Path = SpecPath;
const dotted = (p: Path) =>
    p
        .map((k) =>
            typeof k === "number" ? `[${k}]` : /^[A-Za-z0-9_-]+$/.test(String(k)) ? `.${String(k)}` : `[${JSON.stringify(String(k))}]`,
        )
        .join("")
        .replace(/^\./, "") || "(root)";

function isPlainObject(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Objects merge key by key; arrays and scalars in `over` replace; `null` removes the key. */
export function deepMerge(base: unknown, over: unknown): unknown {
    if (!isPlainObject(base) || !isPlainObject(over)) return over === undefined ? base : over;
    const out: Record<string, unknown> = { ...base };
    for (const [k, v] of Object.entries(over)) {
        if (v === null) delete out[k];
        else out[k] = deepMerge(base[k], v);
    }
    return out;
}

function valueAt(root: unknown, p: Path): unknown {
    let cur: unknown = root;
    for (const k of p) {
        if (cur === null || typeof cur !== "object") return undefined;
        cur = (cur as Record<PropertyKey, unknown>)[k];
    }
    return cur;
}

/** The keys a (possibly wrapped) zod object schema allows at `p`, for "allowed: ..." hints. */
function allowedKeysAt(schema: z.ZodType, p: Path): string[] {
    let cur: z.ZodType | undefined = schema;
    const unwrap = (s: z.ZodType): z.ZodType => {
        const def = (s as unknown as { def: { type: string; innerType?: z.ZodType; in?: z.ZodType } }).def;
        if (def.type === "default" || def.type === "optional" || def.type === "nullable" || def.type === "prefault")
            return unwrap(def.innerType!);
        if (def.type === "pipe") return unwrap(def.in!);
        return s;
    };
    for (const k of p) {
        if (!cur) return [];
        const u = unwrap(cur) as unknown as {
            def: { type: string; shape?: Record<string, z.ZodType>; valueType?: z.ZodType; element?: z.ZodType };
        };
        if (u.def.type === "object") cur = u.def.shape?.[String(k)];
        else if (u.def.type === "record") cur = u.def.valueType;
        else if (u.def.type === "array") cur = u.def.element;
        else return [];
    }
    if (!cur) return [];
    const u = unwrap(cur) as unknown as { def: { type: string; shape?: Record<string, unknown> } };
    return u.def.type === "object" ? Object.keys(u.def.shape ?? {}) : [];
}

/** Edit distance between two short names (for "did you mean"). */
function distance(a: string, b: string): number {
    const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
    for (let j = 1; j <= b.length; j++) d[0][j] = j;
    for (let i = 1; i <= a.length; i++)
        for (let j = 1; j <= b.length; j++)
            d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    return d[a.length][b.length];
}

/** " did you mean 'x'?" when one of `known` is close to `name` (at most 2 edits, or a third of its length), else "". */
export function didYouMean(name: string, known: string[]): string {
    const scored = known.map((k) => ({ k, d: distance(name.toLowerCase(), k.toLowerCase()) })).sort((x, y) => x.d - y.d);
    const best = scored[0];
    return best && best.d > 0 && best.d <= Math.max(2, Math.floor(name.length / 3)) ? `; did you mean '${best.k}'?` : "";
}

/** What a config value must be, in words, for the schema of `name`. */
function expectedInWords(name: ConfigKey): string | undefined {
    const schema = CONFIG_KEYS[name].schema as z.ZodType;
    const def = (
        schema as unknown as {
            def: { type: string; checks?: { _zod: { def: { check: string; value?: number; format?: string } } }[]; options?: z.ZodType[] };
        }
    ).def;
    if (def.type === "number") {
        const min = def.checks?.find((c) => c._zod.def.check === "greater_than")?._zod.def.value;
        const max = def.checks?.find((c) => c._zod.def.check === "less_than")?._zod.def.value;
        return min !== undefined && max !== undefined ? `a whole number from ${min} to ${max}` : "a whole number";
    }
    if (name === "edgeBindAddress") return "an IPv4 or IPv6 address, e.g. 127.0.0.1";
    if (name === "alarmEmail") return "an e-mail address (or empty)";
    if (def.type === "union" && name.startsWith("install")) return "true or false";
    return undefined;
}

/** A zod type name in words ("number" → "a number"). */
function inWords(expected: string): string {
    const words: Record<string, string> = {
        number: "a number",
        int: "a whole number",
        string: "a string (text)",
        boolean: "true or false",
        array: "a list",
        object: "a mapping of keys to values",
        record: "a mapping of keys to values",
    };
    return words[expected] ?? expected;
}

/** Turn one zod issue into a readable message that says what is allowed. */
function describeIssue(issue: z.core.$ZodIssue, input: unknown, schema: z.ZodType): { path: Path; message: string }[] {
    const received = valueAt(input, issue.path);
    switch (issue.code) {
        case "unrecognized_keys": {
            const allowed = allowedKeysAt(schema, issue.path);
            return issue.keys.map((key) => ({
                path: [...issue.path, key],
                message: `unknown key '${key}'${allowed.length ? `; allowed: ${allowed.join(", ")}` : ""}${didYouMean(key, allowed)}`,
            }));
        }
        case "invalid_value":
            return [{ path: issue.path, message: `'${String(received)}' is not allowed; allowed: ${issue.values.map(String).join(", ")}` }];
        case "invalid_type":
            return [
                {
                    path: issue.path,
                    message:
                        received === undefined
                            ? `is required (${inWords(issue.expected)})`
                            : `expected ${inWords(issue.expected)}, got ${JSON.stringify(received)}`,
                },
            ];
        case "invalid_key":
            // A record's key failed its own check: say what the key must be.
            return [{ path: issue.path, message: issue.issues.map((i) => i.message).join("; ") }];
        case "too_small":
        case "too_big":
            return [{ path: issue.path, message: `${JSON.stringify(received)}: ${issue.message.replace(/^Too (small|big): /, "")}` }];
        default:
            return [{ path: issue.path, message: issue.message }];
    }
}

/** Relations one field cannot check alone: names that must exist, ranges, duplicates, RPO. */
export function crossCheck(raw: unknown): { path: Path; message: string }[] {
    const out: { path: Path; message: string }[] = [];
    if (!isPlainObject(raw)) return out;
    const services = isPlainObject(raw.services) ? raw.services : {};
    const kinds = Object.values(DATASTORE_GROUPS);
    const owner = new Map<string, string>();
    for (const kind of kinds) {
        const group = isPlainObject(raw[kind]) ? (raw[kind] as Record<string, unknown>) : {};
        for (const name of Object.keys(group)) {
            const prior = owner.get(name);
            if (prior)
                out.push({ path: [kind, name], message: `the name '${name}' is already used in ${prior}; datastore names must be unique` });
            else owner.set(name, kind);
        }
    }
    const declared = [...owner.keys()];
    const shares = isPlainObject(raw.fileShares) ? raw.fileShares : {};
    for (const name of Object.keys(shares)) {
        const prior = owner.get(name);
        if (prior)
            out.push({
                path: ["fileShares", name],
                message: `the name '${name}' is already used in ${prior}; datastore and file share names must be unique`,
            });
    }
    for (const [name, svc] of Object.entries(services)) {
        if (!isPlainObject(svc)) continue;
        const r = svc.replicas;
        if (isPlainObject(r) && typeof r.min === "number" && typeof r.max === "number" && r.min > r.max) {
            out.push({ path: ["services", name, "replicas"], message: `min (${r.min}) is greater than max (${r.max})` });
        }
        const kind = svc.kind ?? "web";
        if (kind === "web" && svc.port === undefined)
            out.push({
                path: ["services", name, "port"],
                message: "a web service needs a port (1-65535); use kind: worker for a service without one",
            });
        if (kind === "scheduler" && isPlainObject(r) && typeof r.max === "number" && r.max > 1) {
            out.push({
                path: ["services", name, "replicas", "max"],
                message: `a scheduler never runs twice at once; max must be 1, got ${r.max}`,
            });
        }
        const writable = Array.isArray(svc.writablePaths) ? svc.writablePaths : [];
        const mounted = new Map<string, number>();
        (Array.isArray(svc.mounts) ? svc.mounts : []).forEach((m, i) => {
            if (!isPlainObject(m)) return;
            if (typeof m.share === "string" && !(m.share in shares)) {
                out.push({
                    path: ["services", name, "mounts", i, "share"],
                    message: `'${m.share}' is not a declared file share; declared: ${Object.keys(shares).join(", ") || "(none; add it under fileShares)"}`,
                });
            }
            if (typeof m.path !== "string") return;
            const prior = mounted.get(m.path);
            if (prior !== undefined)
                out.push({ path: ["services", name, "mounts", i, "path"], message: `'${m.path}' is already mounted by mounts[${prior}]` });
            else mounted.set(m.path, i);
            if (writable.includes(m.path))
                out.push({
                    path: ["services", name, "mounts", i, "path"],
                    message: `'${m.path}' is also in writablePaths; a path is either private scratch space (writablePaths) or a shared mount, not both`,
                });
        });
        const health = isPlainObject(svc.health) ? svc.health : {};
        if (health.command !== undefined && (health.liveness !== undefined || health.readiness !== undefined)) {
            out.push({
                path: ["services", name, "health", "command"],
                message:
                    "give either HTTP probes (liveness/readiness, for a web service) or a command (an exec check, for a service without HTTP), not both",
            });
        }
        const env = isPlainObject(svc.env) ? svc.env : {};
        (Array.isArray(svc.secrets) ? svc.secrets : []).forEach((secret, i) => {
            if (typeof secret === "string" && secret in env) {
                out.push({
                    path: ["services", name, "secrets", i],
                    message: `'${secret}' is also set in env; a variable is either a plain value (env) or a generated secret (secrets), not both`,
                });
            }
        });
        // The spec may move HOME and the caches (its env wins over conventions/writable.ts homeVariables), but only to a writable path.
        const paths = writablePathsOf({ writablePaths: Array.isArray(svc.writablePaths) ? svc.writablePaths.map(String) : ["/tmp"] });
        for (const v of HOME_VARIABLES) {
            const value = env[v];
            if (typeof value === "string" && !paths.some((p) => value === p || value.startsWith(`${p.replace(/\/$/, "")}/`)))
                out.push({
                    path: ["services", name, "env", v],
                    message: `'${value}' is not on a writable path (the root filesystem is read-only); writable: ${paths.join(", ") || "(none: writablePaths is [])"}; leave ${v} out (it is ${v === "HOME" || v === "TMPDIR" ? "/tmp" : "under /tmp/.cache"}) or add the path to writablePaths`,
                });
        }
        const autoscaling = isPlainObject(svc.autoscaling) ? svc.autoscaling : {};
        const routes = isPlainObject(raw.edge) && Array.isArray(raw.edge.routes) ? raw.edge.routes : [];
        if (autoscaling.requestsPerMinute !== undefined && !routes.some((r) => isPlainObject(r) && r.service === name)) {
            out.push({
                path: ["services", name, "autoscaling", "requestsPerMinute"],
                message: `requests are counted at the edge and no edge.routes entry goes to '${name}'; route it, or scale on cpuPercent/memoryPercent`,
            });
        }
        // The traffic policy is applied where the service is reached: at the edge (model/traffic.ts).
        if (svc.traffic !== undefined && !routes.some((r) => isPlainObject(r) && r.service === name)) {
            out.push({
                path: ["services", name, "traffic"],
                message: `is applied where the edge reaches the service and no edge.routes entry goes to '${name}'; route it, or leave traffic out`,
            });
        }
        if (Array.isArray(svc.uses)) {
            svc.uses.forEach((u, i) => {
                if (typeof u === "string" && !owner.has(u)) {
                    out.push({
                        path: ["services", name, "uses", i],
                        message: `'${u}' is not a declared datastore; declared: ${declared.join(", ") || "(none)"}`,
                    });
                }
            });
        }
        const clients = isPlainObject(svc.clients) ? svc.clients : {};
        const uses = Array.isArray(svc.uses) ? svc.uses : [];
        for (const [store, client] of Object.entries(clients)) {
            const engine = datastoreEngine(raw, store);
            if (!uses.includes(store)) {
                out.push({
                    path: ["services", name, "clients", store],
                    message: `'${store}' is not in services.${name}.uses (${uses.join(", ") || "none"}); name a client only for a datastore the service uses`,
                });
            } else if (engine === undefined) {
                out.push({
                    path: ["services", name, "clients", store],
                    message: `'${store}' is a queue or bucket: clients are chosen for databases and caches only`,
                });
            } else if (
                typeof client === "string" &&
                Object.values(CLIENTS).some((names) => (names as readonly string[]).includes(client)) && // an unknown name: the schema says so
                !(CLIENTS[engine] as readonly string[]).includes(client)
            ) {
                out.push({
                    path: ["services", name, "clients", store],
                    message: `'${client}' does not speak ${engine}; for '${store}' use one of: ${CLIENTS[engine].join(", ")}`,
                });
            }
        }
    }
    const edge = isPlainObject(raw.edge) ? raw.edge : {};
    const seen = new Map<string, number>();
    (Array.isArray(edge.routes) ? edge.routes : []).forEach((route, i) => {
        if (!isPlainObject(route)) return;
        const target = route.service;
        if (typeof target === "string") {
            const svc = services[target];
            if (!isPlainObject(svc))
                out.push({
                    path: ["edge", "routes", i, "service"],
                    message: `'${target}' is not a service; services: ${Object.keys(services).join(", ")}`,
                });
            else if ((svc.kind ?? "web") !== "web")
                out.push({
                    path: ["edge", "routes", i, "service"],
                    message: `'${target}' is a ${String(svc.kind)}; only web services take routes`,
                });
        }
        if (typeof route.path === "string") {
            const normalized = route.path.replace(/\/+$/, "") || "/";
            const prior = seen.get(normalized);
            if (prior !== undefined)
                out.push({
                    path: ["edge", "routes", i, "path"],
                    message: `'${route.path}' is already routed by edge.routes[${prior}]; each path goes to one service`,
                });
            else seen.set(normalized, i);
        }
    });
    for (const group of ["databases", "caches"] as const) {
        const entries = isPlainObject(raw[group]) ? (raw[group] as Record<string, unknown>) : {};
        for (const [name, store] of Object.entries(entries)) {
            if (!isPlainObject(store) || typeof store.engine !== "string" || typeof store.version !== "string") continue;
            const versions = SUPPORTED_VERSIONS[store.engine as keyof typeof SUPPORTED_VERSIONS];
            if (versions && !versions.includes(store.version)) {
                out.push({
                    path: [group, name, "version"],
                    message: `${store.engine} '${store.version}' is not supported; supported: ${versions.join(", ")}`,
                });
            }
        }
    }
    out.push(...backupScheduleProblems(raw));
    return out;
}

/**
 * Backup schedules and recovery objectives that some platform cannot honour, checked on every stack
 * (a spec that plans on dev must not first fail on prod or staging):
 * - a schedule restricting both day-of-month and day-of-week (cron runs it on either day; AWS
 *   Backup's cron(...) takes one of them, the other '?');
 * - a schedule that runs more often than hourly: AWS Backup refuses a rule whose jobs are less
 *   than {@link AWS_BACKUP_MIN_INTERVAL_MINUTES} minutes apart;
 * - an RPO under {@link CONTINUOUS_BACKUP_MINUTES} minutes with point-in-time recovery, the best a
 *   continuous backup reaches (WAL archive timeout, AWS's point-in-time granularity);
 * - backups further apart than the RPO. `pointInTime` stands in for frequent dumps only on
 *   PostgreSQL: on Kubernetes (and Docker) MySQL and MongoDB have dumps only, so their dumps must
 *   meet the RPO themselves (DocumentDB also reaches the DR region only through them).
 */
export function backupScheduleProblems(raw: Record<string, unknown>): { path: Path; message: string }[] {
    const out: { path: Path; message: string }[] = [];
    const recovery = isPlainObject(raw.recovery) ? raw.recovery : {};
    const rpo = typeof recovery.rpoMinutes === "number" ? recovery.rpoMinutes : 1440;
    const databases = isPlainObject(raw.databases) ? raw.databases : {};
    let pointInTimeRpo = false;
    for (const [name, db] of Object.entries(databases)) {
        if (!isPlainObject(db)) continue;
        const b = isPlainObject(db.backup) ? db.backup : {};
        const given: [string, unknown][] = [
            ["schedule", b.schedule ?? "0 2 * * *"],
            ["incrementalSchedule", b.incrementalSchedule],
        ];
        for (const [key, expr] of given) {
            if (typeof expr !== "string" || cronProblem(expr)) continue; // an invalid cron expression is reported by the schema
            const at: Path = ["databases", name, "backup", key];
            if (restrictsBothDays(expr))
                out.push({
                    path: at,
                    message: `'${expr}' restricts both day-of-month and day-of-week, which cron reads as either day and AWS Backup refuses (its schedules take one of them); restrict one and leave the other '*'`,
                });
            const every = minGapMinutes(expr);
            if (every !== undefined && every < AWS_BACKUP_MIN_INTERVAL_MINUTES)
                out.push({
                    path: at,
                    message: `'${expr}' runs every ${every} minutes; AWS Backup refuses backup jobs less than ${AWS_BACKUP_MIN_INTERVAL_MINUTES} minutes apart; run it at most hourly${db.engine === "postgres" ? ", and set pointInTime: true for a tighter recovery point" : ""}`,
                });
        }
        if (b.pointInTime === true && rpo < CONTINUOUS_BACKUP_MINUTES) pointInTimeRpo = true;
        if (b.pointInTime === true && db.engine === "postgres") continue;
        const schedules = given.map(([, e]) => e).filter((e): e is string => typeof e === "string");
        const gap = maxGapMinutes(...schedules);
        if (gap === undefined || gap <= rpo) continue;
        const dumpsOnly =
            b.pointInTime === true
                ? `pointInTime does not stand in for them (${String(db.engine)} has dumps only on Kubernetes and Docker); `
                : "";
        const fix =
            db.engine === "postgres"
                ? "schedule them more often or set pointInTime: true"
                : rpo < AWS_BACKUP_MIN_INTERVAL_MINUTES
                  ? `${dumpsOnly}no backup of ${String(db.engine)} runs more often than every ${AWS_BACKUP_MIN_INTERVAL_MINUTES} minutes (AWS Backup's least interval): raise recovery.rpoMinutes to ${AWS_BACKUP_MIN_INTERVAL_MINUTES} or more`
                  : `${dumpsOnly}schedule them at least every ${rpo} minutes (an incrementalSchedule)`;
        out.push({
            path: ["databases", name, "backup"],
            message: `backups run up to ${gap} minutes apart but recovery.rpoMinutes is ${rpo}; ${fix}`,
        });
    }
    if (pointInTimeRpo)
        out.push({
            path: ["recovery", "rpoMinutes"],
            message: `${rpo} is below ${CONTINUOUS_BACKUP_MINUTES}, the least point-in-time recovery reaches (PostgreSQL's WAL archive timeout; AWS's point-in-time granularity); set ${CONTINUOUS_BACKUP_MINUTES} or more`,
        });
    return out;
}

/** The client engine of datastore `name` in a raw spec: a database's engine, `redis` for a cache, else undefined. */
function datastoreEngine(raw: Record<string, unknown>, name: string): ClientEngine | undefined {
    const dbs = isPlainObject(raw.databases) ? raw.databases : {};
    const db = dbs[name];
    if (isPlainObject(db) && typeof db.engine === "string" && db.engine in CLIENTS) return db.engine as ClientEngine;
    if (isPlainObject(raw.caches) && name in raw.caches) return "redis";
    return undefined;
}

/**
 * What the managed services refuse of a datastore's names and size, checked on every stack (a spec
 * that plans on dev must not first fail on prod): RDS CreateDBInstance `MasterUsername` (PostgreSQL
 * 1-63, MySQL 1-16 letters, digits or '_', starting with a letter), `DBName` (PostgreSQL 1-63, MySQL
 * 1-64, starting with a letter), `AllocatedStorage` (gp3: 20-65536 GiB for MySQL and PostgreSQL);
 * DocumentDB CreateDBCluster `MasterUsername` (1-63 letters or digits, starting with a letter).
 */
export function providerLimitProblems(raw: unknown): { path: Path; message: string }[] {
    const out: { path: Path; message: string }[] = [];
    const databases = isPlainObject(raw) && isPlainObject(raw.databases) ? raw.databases : {};
    const limits: Record<string, { user: RegExp; userRule: string; dbMax: number; service: string }> = {
        postgres: { user: /^[a-z][a-z0-9_]{0,62}$/, userRule: "1-63 of a-z, 0-9 and '_'", dbMax: 63, service: "RDS for PostgreSQL" },
        mysql: { user: /^[a-z][a-z0-9_]{0,15}$/, userRule: "1-16 of a-z, 0-9 and '_'", dbMax: 64, service: "RDS for MySQL" },
        mongodb: { user: /^[a-z][a-z0-9]{0,62}$/, userRule: "1-63 of a-z and 0-9 (no '_')", dbMax: 63, service: "Amazon DocumentDB" },
    };
    for (const [name, db] of Object.entries(databases)) {
        if (!isPlainObject(db) || typeof db.engine !== "string" || !(db.engine in limits)) continue;
        const limit = limits[db.engine];
        if (typeof db.username === "string" && !limit.user.test(db.username))
            out.push({
                path: ["databases", name, "username"],
                message: `'${db.username}' is refused by ${limit.service} (the prod stack): a master user name is ${limit.userRule}, starting with a letter`,
            });
        if (
            db.engine !== "mongodb" &&
            typeof db.databaseName === "string" &&
            !(/^[a-z]/.test(db.databaseName) && db.databaseName.length <= limit.dbMax)
        )
            out.push({
                path: ["databases", name, "databaseName"],
                message: `'${db.databaseName}' is refused by ${limit.service} (the prod stack): a database name is 1-${limit.dbMax} characters starting with a letter`,
            });
        if (db.engine !== "mongodb" && typeof db.storageGb === "number" && db.storageGb < 20)
            out.push({
                path: ["databases", name, "storageGb"],
                message: `${db.storageGb} is refused by ${limit.service} (the prod stack): gp3 storage is 20-65536 GiB; give 20 or more`,
            });
    }
    return out;
}

/**
 * Bucket lifecycles S3 refuses (PutBucketLifecycleConfiguration), checked on every stack: a
 * transition to STANDARD_IA (`warm`) before 30 days, and an expiry on or before the last
 * transition (S3: "'Days' in the Expiration action ... must be greater than 'Days' in the
 * Transition action"). The AWS platform's own check (components/aws/object-store.ts) stays behind it.
 */
export function bucketLifecycleProblems(raw: unknown): { path: Path; message: string }[] {
    const out: { path: Path; message: string }[] = [];
    const buckets = isPlainObject(raw) && isPlainObject(raw.buckets) ? raw.buckets : {};
    for (const [name, bucket] of Object.entries(buckets)) {
        if (!isPlainObject(bucket) || !Array.isArray(bucket.lifecycle)) continue;
        let last: number | undefined;
        bucket.lifecycle.forEach((t, i) => {
            if (!isPlainObject(t) || typeof t.afterDays !== "number") return;
            last = Math.max(last ?? 0, t.afterDays);
            if (t.tier === "warm" && t.afterDays < 30)
                out.push({
                    path: ["buckets", name, "lifecycle", i, "afterDays"],
                    message: `${t.afterDays}: S3 moves objects to warm storage (STANDARD_IA) after 30 days at the earliest (prod refuses less); give 30 or more`,
                });
        });
        if (typeof bucket.expireAfterDays === "number" && last !== undefined && bucket.expireAfterDays <= last)
            out.push({
                path: ["buckets", name, "expireAfterDays"],
                message: `${bucket.expireAfterDays} is not after the last lifecycle transition (${last} days), which S3 refuses on prod; expire after more than ${last} days`,
            });
    }
    return out;
}

/**
 * A credential written into a service's plain `env` (a name like DB_PASSWORD, or a URL with a
 * password): refused on every stack, before anything is planned or written, with the one fix.
 * The same reading as the `no-plaintext-secrets` policy (conventions/secrets.ts), which stays as
 * a second line of defence over what the platforms render.
 */
export function plainCredentialProblems(raw: unknown): { path: Path; message: string }[] {
    const out: { path: Path; message: string }[] = [];
    const services = isPlainObject(raw) && isPlainObject(raw.services) ? raw.services : {};
    for (const [name, svc] of Object.entries(services)) {
        const env = isPlainObject(svc) && isPlainObject(svc.env) ? svc.env : {};
        for (const [variable, value] of Object.entries(env)) {
            const problem = plaintextSecretProblem(variable, value);
            if (!problem) continue;
            const fix = /inside a URL/.test(problem)
                ? `name the datastore in services.${name}.uses (its URL comes with a generated password), or move ${variable} to services.${name}.secrets`
                : `move ${variable} to services.${name}.secrets (a generated value, kept secret on every platform)`;
            out.push({ path: ["services", name, "env", variable], message: `${problem.replace(`${variable} `, "")}; ${fix}` });
        }
    }
    return out;
}

/** A service's local `build` must point at a directory (and Dockerfile) that exist, relative to `cwd`. */
function buildContextProblems(raw: unknown, cwd: string): { path: Path; message: string }[] {
    const services = isPlainObject(raw) && isPlainObject(raw.services) ? raw.services : {};
    const out: { path: Path; message: string }[] = [];
    for (const [name, svc] of Object.entries(services)) {
        const build = isPlainObject(svc) && isPlainObject(svc.build) ? svc.build : undefined;
        if (!build || typeof build.context !== "string") continue;
        const context = path.resolve(cwd, build.context);
        if (!fs.existsSync(context) || !fs.statSync(context).isDirectory()) {
            out.push({
                path: ["services", name, "build", "context"],
                message: `'${build.context}' is not a directory (resolved to ${context})`,
            });
            continue;
        }
        const dockerfile = typeof build.dockerfile === "string" ? build.dockerfile : "Dockerfile";
        if (!fs.existsSync(path.resolve(context, dockerfile))) {
            out.push({ path: ["services", name, "build", "dockerfile"], message: `'${dockerfile}' does not exist in ${context}` });
        }
    }
    return out;
}

/**
 * The largest spec file read: 1 MiB, about 270 times the largest preset (mdc-tts, 3.9 KB). A spec
 * of 60 MB used to take 31 s and 2.3 GB of memory before any check ran; nothing a system needs
 * comes near the limit, so a file over it is not a spec (a log, a dump, a wrong path).
 */
export const MAX_SPEC_BYTES = 1024 * 1024;

/**
 * The most aliases (`*name`) a spec may resolve. The yaml library's own guard (`maxAliasCount`,
 * default 100) throws a bare "Excessive alias count" without the file; the presets use none.
 */
const MAX_ALIASES = 100;

/** Why `bytes` are not YAML text, or undefined: NUL bytes (binary, images) or invalid UTF-8. */
function notText(bytes: Buffer): string | undefined {
    if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return "a PNG image";
    if (bytes.includes(0)) return "a binary file (it holds NUL bytes)";
    try {
        new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch {
        return "not UTF-8 text";
    }
    return undefined;
}

/**
 * Parse a YAML file into its plain value, reporting (one line each, naming the file) a missing
 * file, a directory, a file over {@link MAX_SPEC_BYTES}, binary content, a syntax error with its
 * line, an alias bomb and a document that is not a mapping.
 */
/**
 * What each spec text parsed to, by the text: the tests load the same presets thousands of times
 * (about 6 s of CPU in `npm test` before it was kept). Read-only: a spec's value is read from the
 * document afresh at each load.
 */
const specDocuments = new Map<string, { doc: Document; lines: LineCounter }>();

function parseSpecText(text: string): { doc: Document; lines: LineCounter } {
    let parsed = specDocuments.get(text);
    if (!parsed) {
        const lines = new LineCounter();
        parsed = { doc: parseDocument(text, { lineCounter: lines, prettyErrors: true }), lines };
        specDocuments.set(text, parsed);
    }
    return parsed;
}

function readYaml(file: string, label: string): { doc?: Document; lines?: LineCounter; value?: unknown; problems: Problem[] } {
    const refuse = (message: string) => ({ problems: [{ where: label, message }] });
    if (!fs.existsSync(file))
        return { problems: [{ where: "tierform:system", message: `the spec file '${label}' does not exist (looked for ${file})` }] };
    const stat = fs.statSync(file);
    if (stat.isDirectory()) return refuse(`is a directory; give a spec file (.yaml) or a preset name`);
    if (!stat.isFile()) return refuse(`is not a regular file; give a spec file (.yaml) or a preset name`);
    if (stat.size > MAX_SPEC_BYTES)
        return refuse(`is ${(stat.size / 1024 / 1024).toFixed(1)} MiB; a spec file is at most 1 MiB (the presets are under 4 KB)`);
    let bytes: Buffer;
    try {
        bytes = fs.readFileSync(file);
    } catch (err) {
        return refuse(`cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    const binary = notText(bytes);
    if (binary) return refuse(`is ${binary}, not a YAML spec`);
    const { doc, lines } = parseSpecText(bytes.toString("utf8"));
    if (doc.errors.length > 0) {
        const e = doc.errors[0];
        const more =
            doc.errors.length > 1 ? ` (and ${doc.errors.length - 1} more YAML error${doc.errors.length > 2 ? "s" : ""} after it)` : "";
        return {
            problems: [
                {
                    where: `${label}:${e.linePos?.[0].line ?? "?"}`,
                    message: `YAML does not parse: ${e.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "")}${more}`,
                },
            ],
        };
    }
    let value: unknown;
    try {
        value = doc.toJS({ maxAliasCount: MAX_ALIASES });
    } catch (err) {
        return refuse(
            `expands its YAML aliases (*name) more than ${MAX_ALIASES} times, a resource-exhaustion pattern; write the values out (${(err as Error).message})`,
        );
    }
    if (!isPlainObject(value))
        return refuse(
            `is not a spec: its YAML is ${value === null || value === undefined ? "empty" : Array.isArray(value) ? "a list" : `a ${typeof value}`}, a spec is a mapping with name, edge and services`,
        );
    return { doc, lines, value, problems: [] };
}

/** Where a spec path points: the overrides, or a line of the spec file. */
function locate(p: Path, label: string, doc: Document | undefined, lines: LineCounter | undefined, overrides: unknown): string {
    if (valueAt(overrides, p) !== undefined) return `tierform:overrides ${dotted(p)}`;
    for (let n = p.length; n >= 0 && doc && lines; n--) {
        const node = doc.getIn(p.slice(0, n) as unknown[], true) as { range?: [number, number, number] } | undefined;
        if (node?.range) return `${label}:${lines.linePos(node.range[0]).line} ${dotted(p)}`;
    }
    return `${label} ${dotted(p)}`;
}

function parseConfig(raw: Record<string, string>): { settings: Partial<Settings>; problems: Problem[] } {
    const problems: Problem[] = [];
    const settings: Record<string, unknown> = {};
    const known = Object.keys(CONFIG_KEYS);
    for (const key of Object.keys(raw)) {
        const [ns, name] = key.split(":");
        if (ns === "tierform" && !known.includes(name)) {
            problems.push({
                where: key,
                message: `unknown configuration key; known keys: ${known.map((k) => `tierform:${k}`).join(", ")}${didYouMean(name ?? "", known).replace(/'([^']+)'/, "'tierform:$1'")}`,
            });
        }
        // A typo in a provider's key (aws:regoin) is otherwise ignored by the provider, which then
        // falls back to its default (us-east-1, the current kubeconfig context).
        const providerKeys = (PROVIDER_NAMESPACES as readonly string[]).includes(ns) ? providerConfigKeys(ns) : undefined;
        if (providerKeys && name !== undefined && !providerKeys.includes(name)) {
            const hint = didYouMean(name, providerKeys).replace(/'([^']+)'/, `'${ns}:$1'`);
            problems.push({
                where: key,
                message: `not a configuration key of the ${ns} provider${hint || `; its keys: ${providerKeys.map((k) => `${ns}:${k}`).join(", ") || "(none)"}`}`,
            });
        }
    }
    for (const [name, spec] of Object.entries(CONFIG_KEYS) as [ConfigKey, (typeof CONFIG_KEYS)[ConfigKey]][]) {
        const text = raw[`tierform:${name}`];
        let value: unknown = spec.default;
        if (text !== undefined) {
            value = text;
            if (name === "overrides") {
                try {
                    value = JSON.parse(text);
                } catch {
                    problems.push({
                        where: "tierform:overrides",
                        message: "must be an object of spec fields (YAML/JSON), e.g. {services: {web: {image: 'repo:1.2.3'}}}",
                    });
                    continue;
                }
            } else if (Array.isArray(spec.default)) {
                // A list key: Pulumi stores a YAML list as its JSON text; a comma-separated string is accepted too.
                value = text.trim().startsWith("[")
                    ? tryJson(text)
                    : text
                          .split(",")
                          .map((v) => v.trim())
                          .filter(Boolean);
            }
        }
        const result = (spec.schema as z.ZodType).safeParse(value);
        if (result.success) settings[name] = result.data;
        else {
            const issue = result.error.issues[0];
            const allowed = issue.code === "invalid_value" ? `; allowed: ${issue.values.map(String).join(", ")}` : "";
            const message =
                issue.code === "invalid_value"
                    ? `'${String(value)}' is not allowed${allowed}`
                    : `${JSON.stringify(value)} is not ${expectedInWords(name) ? `${expectedInWords(name)}.` : `valid: ${issue.message}.`} ${spec.description}`;
            problems.push({ where: `tierform:${name}`, message });
        }
    }
    // A key of another platform set to anything but its default has no effect here: refuse it
    // rather than let it look applied. (Pulumi passes the defaults Pulumi.yaml declares, so a key
    // that is present is not necessarily set.)
    const platform = settings.platform as string | undefined;
    for (const name of Object.keys(CONFIG_KEYS) as ConfigKey[]) {
        const owner = platformOfKey(name);
        const set = raw[`tierform:${name}`] !== undefined && JSON.stringify(settings[name]) !== JSON.stringify(CONFIG_KEYS[name].default);
        if (owner && platform && owner !== platform && set) {
            const who = owner === "aws" ? "an AWS" : `a ${owner}`;
            problems.push({
                where: `tierform:${name}`,
                message: `is ${who} setting and has no effect on a ${platform} stack; remove it, or set tierform:platform: ${owner}`,
            });
        }
    }
    return { settings: settings as Partial<Settings>, problems };
}

/** `text` parsed as JSON, or `text` itself where it does not parse (the schema then names what is wrong). */
function tryJson(text: string): unknown {
    try {
        return JSON.parse(text);
    } catch {
        return text;
    }
}

/**
 * Load and validate the stack: config keys, the system spec (preset or file), the overrides,
 * the cross-field checks, then the environment profile. Throws {@link SpecError} listing every
 * problem; returns a valid spec. What only the plan can tell (a variable set twice, an unknown
 * `${...}` reference) its caller checks next, before any resource: plan/validate.ts `checkPlan`.
 */
export function loadStack(rawConfig: Record<string, string>, cwd: string = PROJECT_ROOT): LoadedStack {
    const { settings, problems } = parseConfig(rawConfig);
    const systemRef = settings.system ?? (rawConfig["tierform:system"] || CONFIG_KEYS.system.default);
    const isFile = /\.ya?ml$/.test(systemRef) || systemRef.includes("/");
    let file: string;
    let label: string;
    if (isFile) {
        file = path.resolve(cwd, systemRef);
        label = systemRef;
    } else {
        const presets = presetNames();
        if (!presets.includes(systemRef)) {
            problems.push({
                where: "tierform:system",
                message: `'${systemRef}' is not a preset; presets: ${presets.join(", ")} (or give a path to a .yaml spec)${didYouMean(systemRef, presets)}`,
            });
            throw new SpecError(problems);
        }
        file = path.join(PRESET_DIR, `${systemRef}.yaml`);
        label = `systems/${systemRef}.yaml`;
    }
    const { doc, lines, value, problems: yamlProblems } = readYaml(file, label);
    problems.push(...yamlProblems);
    if (!doc || yamlProblems.length > 0) throw new SpecError(problems);

    const overrides = settings.overrides ?? {};
    const merged = deepMerge(value, overrides);
    const parsed = systemSpec.safeParse(merged);
    const specProblems = [
        ...(parsed.success ? [] : parsed.error.issues.flatMap((i) => describeIssue(i, merged, systemSpec))),
        ...crossCheck(merged),
        ...providerLimitProblems(merged),
        ...bucketLifecycleProblems(merged),
        ...plainCredentialProblems(merged),
        ...buildContextProblems(merged, cwd),
    ];
    // The spec file must plan on every stack; the overrides belong to this stack alone.
    if (parsed.success)
        specProblems.push(
            ...policyFloorProblems(value),
            ...debugSwitchProblems(value),
            ...backupIntervalProblems(value),
            ...debugSwitchProblems(overrides, settings.environment),
        );
    for (const p of specProblems) problems.push({ where: locate(p.path, label, doc, lines, overrides), message: p.message });
    if (problems.length > 0 || !parsed.success) throw new SpecError(problems);

    const full: Settings = { ...(settings as Settings), ...(rawConfig["aws:region"] ? { awsRegion: rawConfig["aws:region"] } : {}) };
    const system = applyProfile(parsed.data, full.environment, full.maxReplicas, full.platform !== "docker" || full.observability);
    return { settings: full, system, source: label, locate: (p) => locate(p, label, doc, lines, overrides) };
}
