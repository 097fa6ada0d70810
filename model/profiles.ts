/**
 * Environment profiles: what dev, staging and prod fill in where a spec is silent, and the
 * environment-wide switches (multi-AZ, deletion protection, sizes) every platform reads.
 */
import { resolveObservability, type Observability } from "./observability";
import { DATASTORE_GROUPS } from "./schema";
import type {
    BucketSpec,
    CacheSpec,
    DatabaseSpec,
    DatastoreGroup,
    FileShareSpec,
    ProbeSpec,
    QueueSpec,
    ServiceSpec,
    SystemSpec,
} from "./schema";

/** The environment profiles (`tierform:environment`). */
export const ENVIRONMENTS = ["dev", "staging", "prod"] as const;
/** One of {@link ENVIRONMENTS}. */
export type Environment = (typeof ENVIRONMENTS)[number];

/** Abstract instance size; each platform maps it to its own classes (e.g. db.t4g.medium). */
export type Size = "small" | "medium" | "large";

/** What an environment fills in where a spec is silent, and its environment-wide switches. */
export interface Profile {
    environment: Environment;
    /** Replica range of a web service whose spec gives none. */
    webReplicas: { min: number; max: number };
    /** CPU (cores) and memory (MiB) of a service whose spec gives none. */
    serviceResources: { cpu: number; memoryMb: number };
    /**
     * CPU and memory of a `scheduler` (one process that only enqueues work, e.g. Celery beat) whose
     * spec gives none. @default serviceResources
     */
    schedulerResources?: { cpu: number; memoryMb: number };
    /** Backup retention where a spec gives none. */
    backupRetentionDays: number;
    /** Log retention of the platform's log store where the spec gives none (`observability.logRetentionDays`). */
    logRetentionDays: number;
    /** Share of new traces sampled where the spec gives none (`observability.traces.sampleRatio`). */
    traceSampleRatio: number;
    /** Datastores span availability zones / nodes. */
    multiAz: boolean;
    /** Stateful resources refuse deletion and are `protect`ed in Pulumi. */
    deletionProtection: boolean;
    /** Datastore instance size. */
    dataSize: Size;
    /** Debug switches (DEBUG=true and the like) are allowed. */
    debugAllowed: boolean;
}

/** The profile of each environment. */
export const PROFILES: Record<Environment, Profile> = {
    dev: {
        environment: "dev",
        webReplicas: { min: 1, max: 2 },
        serviceResources: { cpu: 0.25, memoryMb: 256 },
        backupRetentionDays: 3,
        logRetentionDays: 7,
        traceSampleRatio: 1,
        multiAz: false,
        deletionProtection: false,
        dataSize: "small",
        debugAllowed: true,
    },
    staging: {
        environment: "staging",
        webReplicas: { min: 2, max: 4 },
        serviceResources: { cpu: 0.5, memoryMb: 512 },
        backupRetentionDays: 7,
        logRetentionDays: 30,
        traceSampleRatio: 1,
        multiAz: false,
        deletionProtection: false,
        dataSize: "medium",
        debugAllowed: false,
    },
    prod: {
        environment: "prod",
        webReplicas: { min: 2, max: 6 },
        serviceResources: { cpu: 1, memoryMb: 2048 },
        // A scheduler only enqueues: a quarter vCPU and 512 MiB (Fargate's 256/512 size) instead of 1 vCPU / 2 GiB.
        schedulerResources: { cpu: 0.25, memoryMb: 512 },
        backupRetentionDays: 30,
        logRetentionDays: 365,
        traceSampleRatio: 0.1,
        multiAz: true,
        deletionProtection: true,
        dataSize: "large",
        debugAllowed: false,
    },
};

/** A service with every optional field resolved. */
export interface Service extends Omit<ServiceSpec, "replicas" | "resources" | "health"> {
    name: string;
    replicas: { min: number; max: number };
    resources: { cpu: number; memoryMb: number };
    health: { liveness?: ProbeSpec; readiness?: ProbeSpec; command?: string[] };
}

/** A database with its name, `databaseName` (default: its name with `_` for `-`) and backup retention (the spec's, at least the profile's) resolved. */
export interface Database extends Omit<DatabaseSpec, "databaseName" | "backup"> {
    name: string;
    databaseName: string;
    backup: DatabaseSpec["backup"] & { retentionDays: number };
}
/** A cache with its name. */
export interface Cache extends CacheSpec {
    name: string;
}
/** A queue with its name. */
export interface Queue extends QueueSpec {
    name: string;
}
/** A bucket with its name. */
export interface Bucket extends BucketSpec {
    name: string;
}

/** A file share with its name. */
export interface FileShare extends FileShareSpec {
    name: string;
}

/** Every datastore group of the spec ({@link DATASTORE_GROUPS}), each entry with its name. */
type NamedDatastores = { [G in DatastoreGroup]: Record<string, SystemSpec[G][string] & { name: string }> };

/**
 * The profile as a resolved system carries it: its log retention and trace sampling are only
 * defaults, resolved with the spec's values into {@link System.observability}, so nothing can read
 * the default where the spec set its own (prod's CloudWatch log groups did: 365 days whatever
 * `observability.logRetentionDays` said).
 */
export type SystemProfile = Omit<Profile, "logRetentionDays" | "traceSampleRatio">;

/** The fully resolved system every platform builds from: a datastore group the profile does not resolve further is its entries named. */
export interface System
    extends Omit<SystemSpec, "services" | DatastoreGroup | "fileShares" | "observability">, Omit<NamedDatastores, "databases"> {
    environment: Environment;
    /** Log retention and tracing: the spec's values, else the profile's. */
    observability: Observability;
    profile: SystemProfile;
    services: Record<string, Service>;
    databases: Record<string, Database>;
    fileShares: Record<string, FileShare>;
}

/**
 * Fill what the spec leaves out from the environment's profile. `maxReplicas` (from
 * `tierform:maxReplicas`, 0 = none) caps every replica range, e.g. to keep a laptop responsive.
 * `pipeline`: the platform runs the telemetry pipeline ({@link Observability.pipeline}).
 */
export function applyProfile(spec: SystemSpec, environment: Environment, maxReplicas = 0, pipeline = true): System {
    const profile = PROFILES[environment];
    const cap = (n: number) => (maxReplicas > 0 ? Math.min(n, maxReplicas) : n);
    const mapValues = <T, R>(record: Record<string, T>, fn: (value: T, name: string) => R): Record<string, R> =>
        Object.fromEntries(Object.entries(record).map(([k, v]) => [k, fn(v, k)]));

    const services = mapValues(spec.services, (s, name): Service => {
        const range = s.replicas ?? (s.kind === "web" ? profile.webReplicas : { min: 1, max: 1 });
        const min = cap(range.min);
        return {
            ...s,
            name,
            replicas: { min, max: Math.max(min, cap(range.max)) },
            resources: s.resources ?? (s.kind === "scheduler" ? profile.schedulerResources : undefined) ?? profile.serviceResources,
            health: s.health ?? {},
        };
    });
    const databases = mapValues(spec.databases, (d, name): Database => ({
        ...d,
        name,
        databaseName: d.databaseName ?? name.replace(/-/g, "_"),
        // The profile's retention is a floor on every platform (30 days in prod, what the prod policy pack
        // checks on RDS, DocumentDB and AWS Backup): a seed's "14 days" (MealKitz, HLD) is a minimum to
        // keep, not a promise to delete on day 15.
        backup: {
            ...d.backup,
            retentionDays: Math.max(d.backup.retentionDays ?? profile.backupRetentionDays, profile.backupRetentionDays),
        },
    }));
    // Every datastore group named, the databases then resolved further (above).
    const named = Object.fromEntries(
        Object.values(DATASTORE_GROUPS).map((g) => [
            g,
            mapValues(spec[g] as Record<string, object>, (entry, name) => ({ ...entry, name })),
        ]),
    ) as NamedDatastores;
    const { logRetentionDays: _logs, traceSampleRatio: _traces, ...systemProfile } = profile;
    return {
        ...spec,
        environment,
        profile: systemProfile,
        observability: resolveObservability(spec.observability, profile, pipeline),
        services,
        ...named,
        databases,
        fileShares: mapValues(spec.fileShares, (f, name) => ({ ...f, name })),
    };
}
