/**
 * Each datastore's contract, computed once for a platform: its engine, version, size, port, the
 * variables a consumer gets (plan/bindings.ts), what a consumer waits for, and a database's backup
 * plan. What differs by kind is one table, {@link DATASTORE_KINDS}, keyed so that the compiler
 * refuses a kind without an entry: a new kind must say its spec group, engine, port, conventional
 * alias and discrete parts instead of silently taking another kind's (a bucket's `STORAGE_BUCKET`,
 * MongoDB's port, no security-group port). The platforms' provisioners
 * (components/<platform>/provisioners.ts) create each datastore from its entry here.
 */
import type { Bucket, Cache, Client, Database, DATASTORE_GROUPS, DatastoreGroup, Platform, Queue, System } from "../model";
import { planBackup, type BackupPlan } from "./backup";
import { ENGINE_PORTS } from "../conventions/ports";
import { transportFor, type Transport } from "./transport";

/** The four kinds of datastore a spec declares. */
export type DatastoreKind = "database" | "cache" | "queue" | "bucket";

/** True when `A` and `B` are the same union. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** The model's datastore groups (model/schema.ts `DATASTORE_GROUPS`, which the loader and profile walk) are exactly these kinds': a kind missing there, or one there without a contract here, does not compile. */
const GROUPS_ARE_THE_KINDS: Same<DatastoreKind, keyof typeof DATASTORE_GROUPS> = true;
void GROUPS_ARE_THE_KINDS;

/**
 * What one connection variable holds: the URL in its client's dialect, one discrete part of the
 * connection, the CA bundle path under a name a client library reads itself (NODE_EXTRA_CA_CERTS
 * for mysql2 and ioredis), or a bucket's name.
 */
export type ConnectionPart = "url" | "host" | "port" | "user" | "password" | "database" | "caFile" | "bucket";

/** One environment variable a service receives for a datastore (named by plan/bindings.ts `connectionVariables`). */
export interface ConnectionVariable {
    /** Environment variable name, e.g. DATABASE_URL or DB_URL. */
    variable: string;
    /** The datastore's name in the spec. */
    datastore: string;
    kind: DatastoreKind;
    /** What it holds. */
    part: ConnectionPart;
    /** The client whose dialect a `url` is spelled in (`services.<n>.clients`). */
    client?: Client;
    /** Carries credentials: must come from the platform's secret mechanism. */
    secret: boolean;
}

/** The spec entry of each kind, with every default resolved. */
export interface DatastoreSpecs {
    database: Database;
    cache: Cache;
    queue: Queue;
    bucket: Bucket;
}

export { ENGINE_PORTS };

/** What a consumer of a datastore waits for: the server healthy, a one-shot setup step (buckets created), or nothing (a managed API). */
export type Readiness = "server" | "setup" | "none";

/** What every datastore of one kind has in common, per platform where it differs. */
export interface KindContract<K extends DatastoreKind> {
    /** The spec's group of this kind (`databases`, `caches`, ...): the first part of its spec paths. */
    group: DatastoreGroup<K>;
    /** The datastores of this kind in `system`, by name. */
    specs(system: System): Record<string, DatastoreSpecs[K]>;
    /** The engine that serves it on `platform`: `postgres`, `redis`, `rabbitmq`, `sqs`, `seaweedfs`, `s3`, ... */
    engine(spec: DatastoreSpecs[K], platform: Platform): string;
    /** The port consumers connect to on `platform`; undefined where it is reached over the platform's HTTPS APIs (SQS, S3). */
    port(spec: DatastoreSpecs[K], platform: Platform): number | undefined;
    /** The engine's version from the spec; undefined where the platform's service has none to choose. */
    version(spec: DatastoreSpecs[K]): string | undefined;
    /** Its size from the spec. */
    size(spec: DatastoreSpecs[K]): { storageGb?: number; memoryMb?: number };
    /** The conventional variable the first datastore of this kind a service uses also fills (DATABASE_URL, REDIS_URL, ...). */
    alias(spec: DatastoreSpecs[K]): string;
    /** Its own variable's suffix: `<NAME>_URL`, or `<NAME>_BUCKET` for a name that is no URL. */
    ownSuffix: "URL" | "BUCKET";
    /** Which discrete parts (`<NAME>_HOST`, `_PORT`, `_USER`, `_PASSWORD`, `_NAME`) a consumer gets besides the URL; none for URLs that carry everything. */
    parts: ("HOST" | "PORT" | "USER" | "PASSWORD" | "NAME")[];
    /** What a consumer waits for on `platform`. */
    readiness(platform: Platform): Readiness;
}

/** The contract of every kind (see the module doc): the compiler refuses a {@link DatastoreKind} without one. */
export const DATASTORE_KINDS: { readonly [K in DatastoreKind]: KindContract<K> } = {
    database: {
        group: "databases",
        specs: (s) => s.databases,
        engine: (db) => db.engine,
        port: (db) => ENGINE_PORTS[db.engine],
        version: (db) => db.version,
        size: (db) => ({ storageGb: db.storageGb }),
        alias: (db) => (db.engine === "mongodb" ? "MONGODB_URI" : "DATABASE_URL"),
        ownSuffix: "URL",
        parts: ["HOST", "PORT", "USER", "PASSWORD", "NAME"],
        readiness: (platform) => (platform === "aws" ? "none" : "server"),
    },
    cache: {
        group: "caches",
        specs: (s) => s.caches,
        engine: () => "redis",
        port: () => ENGINE_PORTS.redis,
        version: (c) => c.version,
        size: (c) => (c.maxMemoryMb !== undefined ? { memoryMb: c.maxMemoryMb } : {}),
        alias: () => "REDIS_URL",
        ownSuffix: "URL",
        parts: ["HOST", "PORT", "PASSWORD"],
        readiness: (platform) => (platform === "aws" ? "none" : "server"),
    },
    queue: {
        group: "queues",
        specs: (s) => s.queues,
        engine: (_q, platform) => (platform === "aws" ? "sqs" : "rabbitmq"),
        port: (_q, platform) => (platform === "aws" ? undefined : ENGINE_PORTS.amqp),
        version: () => undefined,
        size: () => ({}),
        alias: () => "BROKER_URL",
        ownSuffix: "URL",
        parts: [],
        readiness: (platform) => (platform === "aws" ? "none" : "server"),
    },
    bucket: {
        group: "buckets",
        specs: (s) => s.buckets,
        engine: (_b, platform) => (platform === "aws" ? "s3" : "seaweedfs"),
        port: (_b, platform) => (platform === "aws" ? undefined : ENGINE_PORTS.s3),
        version: () => undefined,
        size: () => ({}),
        alias: () => "STORAGE_BUCKET",
        ownSuffix: "BUCKET",
        parts: [],
        readiness: (platform) => (platform === "aws" ? "none" : "setup"),
    },
};

/** Every kind, in the order a platform creates them: the table's order (databases first). */
export const DATASTORE_KIND_ORDER = Object.keys(DATASTORE_KINDS) as readonly DatastoreKind[];

/** One datastore of kind `K` and its spec entry. */
export type DatastoreOf<K extends DatastoreKind> = { kind: K; spec: DatastoreSpecs[K] };
/** One datastore of any kind, narrowed by `kind`. */
export type AnyDatastore = { [K in DatastoreKind]: DatastoreOf<K> }[DatastoreKind];

function lookup<K extends DatastoreKind>(kind: K, system: System, name: string): DatastoreOf<K> | undefined {
    const specs = DATASTORE_KINDS[kind].specs(system);
    return name in specs ? { kind, spec: specs[name] } : undefined;
}

/** Datastore `name`'s kind and spec entry in `system`, or undefined. */
export function datastoreOf(system: System, name: string): AnyDatastore | undefined {
    for (const kind of DATASTORE_KIND_ORDER) {
        const found = lookup(kind, system, name);
        if (found) return found as AnyDatastore;
    }
    return undefined;
}

/** The conventional alias (DATABASE_URL, MONGODB_URI, REDIS_URL, ...) of datastore `d`'s kind. */
export function aliasOf<K extends DatastoreKind>(d: DatastoreOf<K>): string {
    return DATASTORE_KINDS[d.kind].alias(d.spec);
}

/** The port consumers of datastore `d` connect to on `platform`, or undefined where it is reached over the platform's HTTPS APIs. */
export function portOf<K extends DatastoreKind>(d: DatastoreOf<K>, platform: Platform): number | undefined {
    return DATASTORE_KINDS[d.kind].port(d.spec, platform);
}

function ofKind<K extends DatastoreKind>(kind: K, system: System): DatastoreOf<K>[] {
    return Object.values(DATASTORE_KINDS[kind].specs(system)).map((spec) => ({ kind, spec }));
}

/** Every datastore of `system` in creation order: its databases, caches, queues, then buckets, each in spec order. */
export function datastoresOf(system: System): AnyDatastore[] {
    return DATASTORE_KIND_ORDER.flatMap((kind) => ofKind(kind, system) as AnyDatastore[]);
}

/** One datastore of kind `K` as every platform builds it (see the module doc). */
export interface DatastorePlanOf<K extends DatastoreKind> {
    /** Its name in the spec. */
    name: string;
    /** database, cache, queue or bucket. */
    kind: K;
    /** The services that use it. */
    usedBy: string[];
    /** The engine that serves it on the plan's platform (postgres, redis, rabbitmq, sqs, seaweedfs, s3, ...). */
    engine: string;
    /** The engine's version from the spec; absent for queues and buckets. */
    version?: string;
    /** The port consumers connect to; absent where it is reached over the platform's HTTPS APIs (SQS, S3). */
    port?: number;
    /** Its size from the spec: storage (databases), memory (caches, where the spec gives one). */
    size: { storageGb?: number; memoryMb?: number };
    /** Every variable a service using it receives for it on the plan's platform (plan/bindings.ts), once per name. */
    variables: ConnectionVariable[];
    /** What a consumer waits for. */
    readiness: Readiness;
    /** How the connection to it is secured on the plan's platform (plan/transport.ts): the URLs its platform spells say so. */
    transport: Transport;
    /** Its spec entry, every default resolved. */
    spec: DatastoreSpecs[K];
    /** A database's backups (plan/backup.ts); absent for the other kinds. */
    backup: K extends "database" ? BackupPlan : undefined;
}

/** One datastore of any kind, narrowed by `kind`. */
export type DatastorePlan = { [K in DatastoreKind]: DatastorePlanOf<K> }[DatastoreKind];

/** What {@link planDatastores} reads of a service's plan (plan/service.ts `ServicePlan`): its name and connection variables. */
export interface ServiceConnections {
    /** The service's name. */
    name: string;
    /** Its variables; only the connection variables are read. */
    variables: { connections: ConnectionVariable[] };
}

function planOne<K extends DatastoreKind>(
    d: DatastoreOf<K>,
    platform: Platform,
    services: Record<string, ServiceConnections>,
): DatastorePlanOf<K> {
    const contract: KindContract<K> = DATASTORE_KINDS[d.kind];
    const users = Object.values(services).filter((s) => s.variables.connections.some((v) => v.datastore === d.spec.name));
    const variables = users
        .flatMap((s) => s.variables.connections)
        .filter((v, i, all) => v.datastore === d.spec.name && all.findIndex((w) => w.variable === v.variable) === i);
    const version = contract.version(d.spec);
    const port = portOf(d, platform);
    const engine = contract.engine(d.spec, platform);
    return {
        name: d.spec.name,
        kind: d.kind,
        usedBy: users.map((s) => s.name),
        engine,
        ...(version !== undefined ? { version } : {}),
        ...(port !== undefined ? { port } : {}),
        size: contract.size(d.spec),
        variables,
        readiness: contract.readiness(platform),
        transport: transportFor({ kind: d.kind, engine, name: d.spec.name }, platform),
        spec: d.spec,
        backup: (d.kind === "database" ? planBackup(d.spec as Database) : undefined) as DatastorePlanOf<K>["backup"],
    };
}

/**
 * The plan of every datastore of `system` on `platform`, by name in creation order; `services` are
 * the services' plans, whose connection variables name what each datastore gives.
 */
export function planDatastores(
    system: System,
    platform: Platform,
    services: Record<string, ServiceConnections>,
): Record<string, DatastorePlan> {
    return Object.fromEntries(datastoresOf(system).map((d) => [d.spec.name, planOne(d, platform, services) as DatastorePlan]));
}
