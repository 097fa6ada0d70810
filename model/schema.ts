/**
 * The platform-neutral system model. A spec names *what* a system needs (services, datastores,
 * edge, recovery objectives); the platform components under `components/` decide *how* to build it.
 *
 * Every object is strict: an unknown key is an error, so a typo never passes silently.
 * Fields a spec leaves out are filled by the environment profile (`profiles.ts`), not here,
 * except where a default is the same in every environment.
 */
import { z } from "zod";
import { cronProblem } from "./cron";

/** DNS-label-safe identifier: lower-case letters, digits and dashes, starting with a letter. */
export const identifier = z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,39}$/, "must be 1-40 characters of a-z, 0-9 and '-', starting with a letter");

/** True when an image reference carries a tag other than `latest`, or a digest. */
export function isPinnedImage(ref: string): boolean {
    if (/@sha256:[a-f0-9]{64}$/.test(ref)) return true;
    const lastSegment = ref.split("/").pop() ?? "";
    const colon = lastSegment.lastIndexOf(":");
    if (colon < 0) return false;
    const tag = lastSegment.slice(colon + 1);
    return tag.length > 0 && tag !== "latest";
}

/** A container image pinned to a tag or digest. `latest` and untagged references are refused. */
export const image = z
    .string()
    .min(1)
    .refine(isPinnedImage, {
        message: "image must be pinned to a tag or digest (e.g. 'nginx:1.27.3' or 'repo@sha256:<64 hex>'); untagged and ':latest' images are not allowed",
    });

const cron = z.string().superRefine((value, ctx) => {
    const problem = cronProblem(value);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
});

const percent = z.number().int().min(1).max(100);
const tcpPort = z.number().int().min(1).max(65535);

/**
 * Outbound access of a service beyond the system's own datastores. Closed by default: a service
 * reaches only what it `uses`. Defaults: no internet; ports [443] once `internet` is on.
 */
export const egress = z.strictObject({
    /**
     * Open connections to the public internet (payment gateways, SMTP, webhooks) on `ports`; never
     * to private, link-local or cluster address ranges. @default false
     */
    internet: z.boolean().default(false),
    /** TCP ports the service may reach on the internet. @default [443] */
    ports: z.array(tcpPort).min(1, "list at least one port, e.g. [443]").default([443]),
});

/** A mount of a file share into a service's containers. */
export const mount = z.strictObject({
    /** Absolute path inside the container, e.g. /app/invoices. */
    path: z.string().regex(/^\/[A-Za-z0-9._/-]*[A-Za-z0-9._-]$/, "must be an absolute path such as '/app/invoices'"),
    /** The file share (a key of `fileShares`). */
    share: identifier,
    /** A directory inside the share to mount instead of its root. @default the share's root */
    subPath: z.string().regex(/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/, "must be a relative path such as 'invoices'").refine((p) => !p.split("/").includes(".."), "must not contain '..'").optional(),
});

/** An HTTP probe. Defaults: initialDelaySeconds 10, periodSeconds 10, timeoutSeconds 3, failureThreshold 3. */
export const probe = z.strictObject({
    path: z.string().startsWith("/", "must start with '/'"),
    initialDelaySeconds: z.number().int().min(0).default(10),
    periodSeconds: z.number().int().min(1).default(10),
    timeoutSeconds: z.number().int().min(1).default(3),
    failureThreshold: z.number().int().min(1).default(3),
});

/** An application service: an HTTP server (`web`), a background `worker`, or a `scheduler` that must never run twice. */
export const service = z.strictObject({
    /** Pinned container image. */
    image,
    /** Build the image from a local Dockerfile instead (Docker platform only); `image` is then the tag given to the build. */
    build: z.strictObject({ context: z.string().min(1), dockerfile: z.string().optional() }).optional(),
    /** web (default): receives HTTP traffic on `port`; worker: no port; scheduler: no port, at most one replica. */
    kind: z.enum(["web", "worker", "scheduler"]).default("web"),
    description: z.string().optional(),
    /** Container port; required for `web` services. */
    port: z.number().int().min(1).max(65535).optional(),
    /** Command (argv) overriding the image's default. */
    command: z.array(z.string()).optional(),
    /** Replica range; the environment profile fills it when absent. */
    replicas: z.strictObject({ min: z.number().int().min(0, "must be 0 or more"), max: z.number().int().min(1, "must be 1 or more") }).optional(),
    /** Autoscaling targets; any omitted target is not used. */
    autoscaling: z
        .strictObject({ cpuPercent: percent.optional(), memoryPercent: percent.optional(), requestsPerMinute: z.number().int().min(1).optional() })
        .optional(),
    /**
     * Health checks: HTTP liveness and readiness probes for web services, and `command`, an exec
     * check (argv run inside the container, exit 0 = healthy) for services without HTTP, such as
     * a Celery worker. Without either, a worker is only checked for a live main process.
     */
    health: z
        .strictObject({ liveness: probe.optional(), readiness: probe.optional(), command: z.array(z.string()).min(1).optional() })
        .optional(),
    /** CPU (cores) and memory (MiB) per replica; the profile fills it when absent. */
    resources: z.strictObject({ cpu: z.number().positive().max(16), memoryMb: z.number().int().min(64).max(122880) }).optional(),
    /** Datastores (databases, caches, queues, buckets) this service connects to, by name. */
    uses: z.array(identifier).default([]),
    /** Plain, non-secret environment variables. */
    env: z.record(z.string().regex(/^[A-Z_][A-Z0-9_]*$/, "environment variable names are A-Z, 0-9 and '_'"), z.string()).default({}),
    /** Names of environment variables whose values are generated secrets (random.RandomPassword), e.g. SECRET_KEY. */
    secrets: z.array(z.string().regex(/^[A-Z_][A-Z0-9_]*$/)).default([]),
    /** How new versions roll out. Defaults: rolling, maxSurge 1, maxUnavailable 0. */
    rollout: z
        .strictObject({
            strategy: z.enum(["rolling", "blueGreen", "canary"]).default("rolling"),
            maxSurge: z.number().int().min(0).default(1),
            maxUnavailable: z.number().int().min(0).default(0),
            /** Canary traffic steps in percent, e.g. [5, 25, 50, 100]. */
            canarySteps: z.array(percent).optional(),
        })
        .default({ strategy: "rolling", maxSurge: 1, maxUnavailable: 0 }),
    /** A one-off command run before a new version takes traffic (e.g. database migrations). */
    migrate: z.strictObject({ command: z.array(z.string()).min(1) }).optional(),
    /** Paths that must stay writable under a read-only root filesystem, private to each replica and lost on restart. Default: ["/tmp"]. */
    writablePaths: z.array(z.string().startsWith("/")).default(["/tmp"]),
    /** File shares mounted into every replica (shared between replicas and services, kept across restarts). @default [] */
    mounts: z.array(mount).default([]),
    /** Outbound access beyond its datastores. @default no internet */
    egress: egress.default({ internet: false, ports: [443] }),
    /** Numeric user the container runs as (never 0). Default 10001. */
    runAsUser: z.number().int().min(1, "containers never run as root (uid 0)").default(10001),
});

/** Backup policy of a datastore. Defaults: daily at 02:00, point-in-time recovery off; retention from the profile. */
export const backup = z.strictObject({
    schedule: cron.default("0 2 * * *"),
    /** A second, more frequent schedule (e.g. AuroMart's 6-hourly incrementals). */
    incrementalSchedule: cron.optional(),
    retentionDays: z.number().int().min(1, "a backup retention of less than 1 day keeps nothing").max(36500).optional(),
    pointInTime: z.boolean().default(false),
    /** Long-term archival copies, e.g. Asset Management's weekly and monthly backups. */
    archive: z.strictObject({ weeklyRetentionDays: z.number().int().min(7).optional(), monthlyRetentionDays: z.number().int().min(30).optional() }).optional(),
});

/** A relational or document database. */
export const database = z.strictObject({
    engine: z.enum(["postgres", "mysql", "mongodb"]),
    /** Major (or major.minor) engine version, e.g. "14", "8.0", "7.0". */
    version: z.string().regex(/^\d+(\.\d+)?$/, "must be a version number such as '14' or '8.0'"),
    /** Database name created for the application. Default: the datastore's key with '-' replaced by '_'. */
    databaseName: z.string().regex(/^[a-z_][a-z0-9_]*$/).optional(),
    /** Application user. Default: 'app'. */
    username: z.string().regex(/^[a-z_][a-z0-9_]*$/).default("app"),
    storageGb: z.number().int().min(1).max(65536).default(20),
    readReplicas: z.number().int().min(0).max(5).default(0),
    /** Engine parameters (e.g. PostgreSQL's shared_buffers), applied on every platform. */
    parameters: z.record(z.string(), z.union([z.string(), z.number()])).default({}),
    backup: backup.default({ schedule: "0 2 * * *", pointInTime: false }),
});

/** A cache. */
export const cache = z.strictObject({
    engine: z.enum(["redis"]),
    version: z.string().regex(/^\d+(\.\d+)?$/, "must be a version number such as '7'"),
    /** none (default), aof (append-only file) or rdb (snapshots). */
    persistence: z.enum(["none", "aof", "rdb"]).default("none"),
    /** Sharded Redis cluster (cluster mode). Default false. */
    cluster: z.boolean().default(false),
    shards: z.number().int().min(1).max(500).default(1),
    maxMemoryMb: z.number().int().min(16).optional(),
});

/** A message queue. Defaults: standard (not FIFO), 30 s visibility, 5 receives before the dead-letter queue, 4 days retention. */
export const queue = z.strictObject({
    fifo: z.boolean().default(false),
    visibilityTimeoutSeconds: z.number().int().min(0).max(43200).default(30),
    maxReceiveCount: z.number().int().min(1).max(1000).default(5),
    retentionDays: z.number().int().min(1).max(14).default(4),
});

/** Object storage. Defaults: versioned, private, no lifecycle. */
export const bucket = z.strictObject({
    purpose: z.enum(["media", "static", "documents", "backups", "archive"]),
    versioned: z.boolean().default(true),
    /** Move objects to cheaper tiers as they age (hot → warm → cold). */
    lifecycle: z.array(z.strictObject({ afterDays: z.number().int().min(1), tier: z.enum(["warm", "cold", "archive"]) })).default([]),
    expireAfterDays: z.number().int().min(1).optional(),
});

/**
 * Shared file storage: a POSIX directory tree that every replica of every service mounting it
 * sees, kept across restarts and re-deploys (AuroMart's uploads, invoices and reports). Defaults:
 * 10 GiB.
 */
export const fileShare = z.strictObject({
    /** Capacity in GiB, where the platform provisions a size (Kubernetes claims); elastic elsewhere. @default 10 */
    sizeGb: z.number().int().min(1).max(65536).default(10),
});

const route = z.strictObject({
    path: z.string().regex(/^\/[A-Za-z0-9._~\-/]*$/, "must start with '/' and hold only URL path characters"),
    service: identifier,
    /** Only these CIDRs may reach the route (e.g. an admin interface). Default: everyone. */
    allowCidrs: z.array(z.string()).optional(),
});

/** Security headers the edge adds to every response (the seeds' headers). */
export const DEFAULT_SECURITY_HEADERS: Record<string, string> = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "X-XSS-Protection": "1; mode=block",
    "Referrer-Policy": "strict-origin-when-cross-origin",
};

/** The single public entry point. */
export const edge = z.strictObject({
    /** Public DNS name. Without it, the platform's own address (localhost, load balancer DNS) is used. */
    domain: z.string().regex(/^[a-z0-9.-]+\.[a-z]{2,}$/, "must be a DNS name such as 'api.example.com'").optional(),
    /** TLS termination at the edge. Default true. */
    tls: z.boolean().default(true),
    /** A CDN in front of the load balancer where the platform has one. Default false. */
    cdn: z.boolean().default(false),
    /** A web application firewall where the platform has one. Default true. */
    waf: z.boolean().default(true),
    /** Headers added to every response. Default: DEFAULT_SECURITY_HEADERS. */
    securityHeaders: z.record(z.string().regex(/^[A-Za-z][A-Za-z0-9-]*$/), z.string()).default(DEFAULT_SECURITY_HEADERS),
    /** HTTP Strict Transport Security max-age in seconds; 0 turns it off. Default one year. */
    hstsMaxAgeSeconds: z.number().int().min(0).default(31536000),
    /** Requests per minute per client IP. Default 600. */
    rateLimitPerMinute: z.number().int().min(1).default(600),
    /** Largest request body in MiB. Default 10. */
    maxBodyMb: z.number().int().min(1).max(1024).default(10),
    routes: z.array(route).min(1, "the edge needs at least one route"),
});

/** Recovery objectives. Defaults: RPO 24 h, RTO 24 h, no cross-region copy. */
export const recovery = z.strictObject({
    rpoMinutes: z.number().int().min(1).default(1440),
    rtoHours: z.number().min(0.25).default(24),
    crossRegion: z.boolean().default(false),
});

/** Alert thresholds. Defaults: 5 % errors (the seeds' HighErrorRate), p99 1000 ms. */
export const monitoring = z.strictObject({
    errorRatePercent: z.number().min(0.1).max(100).default(5),
    p99LatencyMs: z.number().int().min(1).default(1000),
    /** Commits per second above which DatabaseSlowQueries fires (the Asset Management seed's rule). */
    slowQueryCommitsPerSecond: z.number().int().min(1).default(1000),
});

/** The schema of a system spec (a systems/*.yaml file): unknown keys rejected, schema defaults applied. */
export const systemSpec = z.strictObject({
    name: identifier,
    description: z.string().optional(),
    edge,
    services: z.record(identifier, service).refine((s) => Object.keys(s).length > 0, "a system needs at least one service"),
    databases: z.record(identifier, database).default({}),
    caches: z.record(identifier, cache).default({}),
    queues: z.record(identifier, queue).default({}),
    buckets: z.record(identifier, bucket).default({}),
    /** Shared file trees services mount (`services.<name>.mounts`). @default {} */
    fileShares: z.record(identifier, fileShare).default({}),
    recovery: recovery.default({ rpoMinutes: 1440, rtoHours: 24, crossRegion: false }),
    monitoring: monitoring.default({ errorRatePercent: 5, p99LatencyMs: 1000, slowQueryCommitsPerSecond: 1000 }),
});

/** A spec as written in YAML (input). */
export type SystemSpecInput = z.input<typeof systemSpec>;
/** A spec after parsing: schema defaults applied, profile defaults not yet. */
export type SystemSpec = z.output<typeof systemSpec>;
/** A service of a parsed spec. */
export type ServiceSpec = SystemSpec["services"][string];
/** A database of a parsed spec. */
export type DatabaseSpec = SystemSpec["databases"][string];
/** A cache of a parsed spec. */
export type CacheSpec = SystemSpec["caches"][string];
/** A queue of a parsed spec. */
export type QueueSpec = SystemSpec["queues"][string];
/** A bucket of a parsed spec. */
export type BucketSpec = SystemSpec["buckets"][string];
/** A file share of a parsed spec. */
export type FileShareSpec = SystemSpec["fileShares"][string];
/** An HTTP health probe of a parsed spec. */
export type ProbeSpec = z.output<typeof probe>;
