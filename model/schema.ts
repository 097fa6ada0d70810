/**
 * The platform-neutral system model. A spec names *what* a system needs (services, datastores,
 * edge, recovery objectives); the platform components under `components/` decide *how* to build it.
 *
 * Every object is strict: an unknown key is an error, so a typo never passes silently.
 * Fields a spec leaves out are filled by the environment profile (`profiles.ts`), not here,
 * except where a default is the same in every environment.
 *
 * Every field carries a doc comment, the source of `docs/spec-reference.md` (`npm run docs:spec`,
 * `scripts/spec-reference.ts`; `test/standards/spec-reference.test.ts` holds the two in step):
 * one sentence, then these tags —
 * - `@default <value>`: what an optional or defaulted field is when the spec leaves it out
 *   ("set by the environment profile" where `profiles.ts` fills it);
 * - `@caution`: where a change replaces a resource or loses data;
 * - `@cost`: what an expensive prod choice costs;
 * - `@property <key> <sentence>`: documents a key of an inline object written on one line; the
 *   tags after it, up to the next `@property`, belong to that key, and it shares the field's
 *   platform notes.
 * What each platform does with a field is not written here but by the platform itself, in
 * `plan/support/<platform>.ts` (`fields`, keyed `<object>.<field>`, e.g. `egress.internet`), beside
 * its support of each feature; the test checks every field has a note per platform and that the
 * notes agree with the features. A field whose value is another documented object (e.g. `edge`,
 * `backup`) leaves the platform notes to that object's fields.
 */
import { z } from "zod";
import { cronProblem } from "../conventions/cron";
import { isPinnedImage } from "../conventions/images";
import { cidrProblem, dnsNameProblem } from "../conventions/network";
import { observability } from "./observability";
import { rollout } from "./rollout";
import { traffic } from "./traffic";

/** DNS-label-safe identifier: lower-case letters, digits and dashes, starting with a letter. */
export const identifier = z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, "must be 1-40 characters of a-z, 0-9 and '-', starting with a letter");

export { isPinnedImage } from "../conventions/images";

/** A container image pinned to a tag or digest. `latest` and untagged references are refused. */
export const image = z.string().min(1).refine(isPinnedImage, {
    message:
        "image must be pinned to a tag or digest (e.g. 'nginx:1.27.3' or 'repo@sha256:<64 hex>'); untagged and ':latest' images are not allowed",
});

const cron = z.string().superRefine((value, ctx) => {
    const problem = cronProblem(value);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
});

const percent = z.number().int().min(1).max(100);
const tcpPort = z.number().int().min(1).max(65535);

/** A string checked by a convention that says why a value is refused (conventions/network.ts). */
const checked = (problem: (value: string) => string | undefined) =>
    z.string().superRefine((value, ctx) => {
        const message = problem(value);
        if (message) ctx.addIssue({ code: "custom", message });
    });

/** An IPv4 or IPv6 range in CIDR notation with its host bits zero (what nginx, Envoy Gateway and AWS all accept). */
const cidr = checked(cidrProblem);

/** An absolute path inside a container, not `/` itself: what Docker, Kubernetes `mountPath` and ECS `containerPath` all accept. */
const containerPath = z.string().regex(/^\/[A-Za-z0-9._/-]*[A-Za-z0-9._-]$/, "must be an absolute path such as '/app/invoices' (not '/')");

/**
 * Outbound access of a service beyond the system's own datastores. Closed by default: a service
 * reaches only what it `uses`. Defaults: no internet; ports [443] once `internet` is on.
 */
export const egress = z.strictObject({
    /**
     * Open connections to the public internet (payment gateways, SMTP, webhooks) on `ports`; never
     * to private, link-local or cluster address ranges.
     * @default false
     */
    internet: z.boolean().default(false),
    /**
     * TCP ports the service may reach on the internet while `internet` is on.
     * @default [443]
     */
    ports: z.array(tcpPort).min(1, "list at least one port, e.g. [443]").default([443]),
});

/** A mount of a file share into a service's containers. */
export const mount = z.strictObject({
    /**
     * Absolute path inside the container, e.g. /app/invoices.
     */
    path: containerPath,
    /**
     * The file share to mount, a key of `fileShares`.
     * @caution Pointing a mount at another share shows the containers that share's files; the old share's files stay where they were.
     */
    share: identifier,
    /**
     * A directory inside the share to mount instead of its root.
     * @default the share's root
     * @caution On Docker a new sub-path is a new, empty volume: files written under the old one stay in the old volume.
     */
    subPath: z
        .string()
        .regex(/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/, "must be a relative path such as 'invoices'")
        .refine((p) => !p.split("/").includes(".."), "must not contain '..'")
        .optional(),
});

/**
 * An HTTP probe of a web service, on its `port`. Used as `health.liveness` (is the process alive)
 * and `health.readiness` (may it take traffic).
 */
export const probe = z.strictObject({
    /**
     * Path requested on the service's port; a 2xx or 3xx answer is healthy.
     */
    path: z
        .string()
        .regex(
            /^\/[A-Za-z0-9._~\-/?=&%]*$/,
            "must start with '/' and hold only URL path and query characters (A-Z a-z 0-9 . _ ~ - / ? = & %)",
        ),
    /**
     * Seconds after the container starts before the first probe.
     * @default 10
     */
    initialDelaySeconds: z.number().int().min(0).default(10),
    /**
     * Seconds between probes.
     * @default 10
     */
    periodSeconds: z.number().int().min(1).default(10),
    /**
     * Seconds a probe may take before it counts as failed.
     * @default 3
     */
    timeoutSeconds: z.number().int().min(1).default(3),
    /**
     * Consecutive failures before the container counts as unhealthy (liveness: restarted; readiness: taken out of traffic).
     * @default 3
     */
    failureThreshold: z.number().int().min(1).default(3),
});

/**
 * The client libraries tierform spells a connection URL for, by the engine they talk to. Each reads
 * its URL differently (the parsers are cited in components/shared/connection.ts), so one URL cannot
 * serve them all:
 * - postgres `libpq`: libpq's URI (psycopg2, psycopg 3, Django, node-postgres `pg`, `asyncpg.connect(dsn)`, SQLAlchemy's default psycopg2 dialect);
 *   `sqlalchemy-asyncpg`: SQLAlchemy with asyncpg (`postgresql+asyncpg://`, which rejects `sslmode`); `prisma`: Prisma's schema engine and its runtime.
 * - mysql `sqlalchemy-mysqldb`: SQLAlchemy with mysqlclient (`mysql://`, its default MySQL driver); `sqlalchemy-pymysql`: SQLAlchemy with PyMySQL;
 *   `mysql2`: Node's mysql2; `prisma`: Prisma.
 * - mongodb `mongodb`: the official drivers' connection string (pymongo, the Node driver).
 * - redis (caches) `redis-py`: redis-py, Celery's broker and result backend; `ioredis`: Node's ioredis.
 */
export const CLIENTS = {
    postgres: ["libpq", "sqlalchemy-asyncpg", "prisma"],
    mysql: ["sqlalchemy-mysqldb", "sqlalchemy-pymysql", "mysql2", "prisma"],
    mongodb: ["mongodb"],
    redis: ["redis-py", "ioredis"],
} as const;

/** An engine a client is chosen for. */
export type ClientEngine = keyof typeof CLIENTS;

/** A client library whose URL dialect tierform spells. */
export type Client = (typeof CLIENTS)[ClientEngine][number];

/** The client assumed where a service names none: libpq for PostgreSQL, SQLAlchemy with mysqlclient for MySQL, the MongoDB drivers, redis-py. */
export const DEFAULT_CLIENT: Record<ClientEngine, Client> = {
    postgres: "libpq",
    mysql: "sqlalchemy-mysqldb",
    mongodb: "mongodb",
    redis: "redis-py",
};

const clientNames = [...new Set(Object.values(CLIENTS).flat())] as [Client, ...Client[]];

/** An application service: an HTTP server (`web`), a background `worker`, or a `scheduler` that must never run twice. */
export const service = z.strictObject({
    /**
     * Pinned container image (a tag other than `latest`, or a digest).
     */
    image,
    /**
     * Build the image from a local Dockerfile instead of pulling it; `image` is then the tag given to the build.
     * @default none: the image is pulled
     * @property context Directory sent to the build, relative to where Pulumi runs; checked to exist when the spec is loaded.
     * @property dockerfile The Dockerfile inside `context`.
     * @default "Dockerfile"
     */
    build: z.strictObject({ context: z.string().min(1), dockerfile: z.string().optional() }).optional(),
    /**
     * What the service is: `web` receives HTTP traffic on `port`, `worker` has no port, `scheduler` has no port and never runs twice.
     * @default "web"
     * @caution On Kubernetes, turning a service into a scheduler or back replaces its Deployment by a StatefulSet (or the reverse): its pods are re-created.
     */
    kind: z.enum(["web", "worker", "scheduler"]).default("web"),
    /**
     * A note for people reading the spec.
     * @default none
     */
    description: z.string().optional(),
    /**
     * Container port the service listens on; required for `web` services.
     * @default none (a web service without one is refused)
     */
    port: z.number().int().min(1).max(65535).optional(),
    /**
     * Command (argv) to run instead of the image's default process.
     * @default the image's ENTRYPOINT and CMD
     */
    command: z.array(z.string()).optional(),
    /**
     * Replica range: `min` replicas always run; autoscaling may add replicas up to `max`.
     * @default set by the environment profile: a web service 1-2 on dev (the dev stack also caps every range at 2, `tierform:maxReplicas`), 2-4 on staging, 2-6 on prod; a worker or scheduler 1-1
     * @cost Every AWS task bills its Fargate size for as long as it runs (see `resources`), so `min` sets the floor of the monthly bill.
     * @property min Replicas that always run (0 or more). The spec file is checked against every stack's policies at load: an autoscaled service (`max` > `min`) needs `min` of at least the `k8s-hpa-bounds` / `aws-autoscaling-bounds` floor, and a web service at least the `min-replicas` floor, where those policies are mandatory (2 on staging and prod, `policies/config/`).
     * @property max Most replicas autoscaling may run (1 or more, at least `min`; exactly 1 for a scheduler; at most the autoscaling policies' `maxRatio`, 10, times `min`).
     */
    replicas: z
        .strictObject({ min: z.number().int().min(0, "must be 0 or more"), max: z.number().int().min(1, "must be 1 or more") })
        .optional(),
    /**
     * Autoscaling targets; a target left out is not used.
     * @default none: where `replicas` lets the service scale, CPU 70 %
     * @property cpuPercent Average CPU utilisation (percent of the requested CPU) to hold.
     * @default not used
     * @property memoryPercent Average memory utilisation (percent of the memory limit) to hold.
     * @default not used
     * @property requestsPerMinute Requests per minute per replica to hold.
     * @default not used
     */
    autoscaling: z
        .strictObject({
            cpuPercent: percent.optional(),
            memoryPercent: percent.optional(),
            requestsPerMinute: z.number().int().min(1).optional(),
        })
        .optional(),
    /**
     * Health checks: HTTP liveness and readiness probes for web services, or `command`, an exec
     * check (argv run inside the container, exit 0 = healthy) for services without HTTP, such as
     * a Celery worker; the loader refuses both kinds on one service. One given HTTP probe stands
     * for the other; an exec check serves as both with one set of timings (every 30 s, 20 s to
     * answer, 3 failures, after 30 s) on every platform.
     * @default none: a worker or scheduler is only checked for a live main process
     * @property liveness HTTP probe: is the process alive (see the probe's fields).
     * @default none
     * @property readiness HTTP probe: may the replica take traffic (see the probe's fields).
     * @default none
     * @property command Exec check: argv run inside the container, exit code 0 = healthy.
     * @default none
     */
    health: z
        .strictObject({ liveness: probe.optional(), readiness: probe.optional(), command: z.array(z.string()).min(1).optional() })
        .optional(),
    /**
     * What runs the HTTP health check inside the container (see docs/image-contract.md): `provided`, a static busybox `wget` tierform mounts read-only at /run/tierform-tools/busybox (the image needs nothing, not even a shell); `wget`, `curl`, `python3` or `node`, a tool the image has on its PATH; `none`, no check inside the container. Every check sends the system's canonical Host (`edge.domain`).
     * @default "provided"
     */
    healthTool: z.enum(["provided", "wget", "curl", "python3", "node", "none"]).default("provided"),
    /**
     * CPU (cores) and memory (MiB) of each replica.
     * @default set by the environment profile: 0.25 CPU / 256 MiB on dev, 0.5 / 512 on staging, 1 / 2048 on prod (a prod scheduler 0.25 / 512)
     * @cost On AWS each task bills its Fargate size: $0.04048 per vCPU-hour and $0.004445 per GB-hour (us-east-1, x86), about $36 a month for 1 vCPU / 2 GiB and $9 for 0.25 vCPU / 512 MiB.
     * @property cpu CPU cores (up to 16).
     * @property memoryMb Memory in MiB (64-122880).
     */
    resources: z.strictObject({ cpu: z.number().positive().max(16), memoryMb: z.number().int().min(64).max(122880) }).optional(),
    /**
     * Datastores (databases, caches, queues, buckets) this service connects to, by name; it gets `<NAME>_URL` (buckets: `<NAME>_BUCKET`) and DATABASE_URL, MONGODB_URI, REDIS_URL, BROKER_URL or STORAGE_BUCKET for the first of each kind.
     * @default []
     */
    uses: z.array(identifier).default([]),
    /**
     * The client library the service reaches each datastore with, by datastore name (only names in `uses`; a database's or cache's engine must fit the client):
     * `<NAME>_URL` and its alias (DATABASE_URL, REDIS_URL, ...) are spelled in that client's dialect, with TLS and server verification the way it reads them.
     * PostgreSQL: `libpq` (psycopg2, psycopg 3, Django, node-postgres, asyncpg), `sqlalchemy-asyncpg`, `prisma`; MySQL: `sqlalchemy-mysqldb`, `sqlalchemy-pymysql`,
     * `mysql2`, `prisma`; MongoDB: `mongodb`; Redis: `redis-py` (also Celery), `ioredis`.
     * Every client also gets the discrete parts `<NAME>_HOST`, `<NAME>_PORT`, `<NAME>_USER`, `<NAME>_PASSWORD`, `<NAME>_NAME` (a cache: host, port, password) and, where the server is verified against a CA bundle, `<NAME>_CA_FILE`.
     * @default per engine: `libpq` (PostgreSQL), `sqlalchemy-mysqldb` (MySQL), `mongodb`, `redis-py` (caches)
     */
    clients: z.record(identifier, z.enum(clientNames)).default({}),
    /**
     * Plain, non-secret environment variables; never a credential (see `secrets`), never a debug switch (DEBUG=true, FLASK_DEBUG=1, NODE_ENV=development, ...: staging and prod refuse it, policy `debug-disabled`; the dev stack may set one in its `tierform:overrides`).
     * A value may refer to the system's own names instead of copying them (resolved once by the plan, the same on every platform; an unknown reference is refused):
     * `${edge.domain}` (the canonical host: `edge.domain`, else `localhost`), `${edge.url}` (`https://<edge.domain>`, `http://` when `edge.tls` is false),
     * `${routes.<path>.url}` (a route's public URL, e.g. `${routes./api.url}`), `${services.<name>.url}` (a routed service's public URL: its first route's);
     * the URLs need `edge.domain` and name it on dev too, where the Docker edge listens on the stack's `publicUrl` output (e.g. https://localhost:8443), so a browser there reaches them only through a hosts-file entry and that port; `$${` is a literal `${`. There is no internal address of a service: the Kubernetes NetworkPolicies and the AWS security groups admit no traffic from one service to another, so services call each other through the edge.
     * @default {}
     */
    env: z.record(z.string().regex(/^[A-Z_][A-Z0-9_]*$/, "environment variable names are A-Z, 0-9 and '_'"), z.string()).default({}),
    /**
     * Names of environment variables whose values are generated secrets (random.RandomPassword), e.g. SECRET_KEY; one value per name, shared by every service listing it.
     * @default []
     */
    secrets: z.array(z.string().regex(/^[A-Z_][A-Z0-9_]*$/)).default([]),
    /**
     * How new versions roll out: rolling, canary steps or blue-green, the analysis that judges them and what a failure does; see the rollout fields (model/rollout.ts).
     * @default rolling, maxSurge 1, maxUnavailable 0
     */
    rollout: rollout.prefault({}),
    /**
     * A one-off command run before a new version takes traffic (e.g. database migrations); it must exit 0. Every other service using a database this service uses waits for it too (a Celery worker, an admin app; a service with its own `migrate` waits only for those before it in the spec).
     * @default none
     * @property command The argv to run, in the service's image.
     */
    migrate: z.strictObject({ command: z.array(z.string()).min(1) }).optional(),
    /**
     * Paths that must stay writable under the read-only root filesystem, private to each replica and lost on restart (stock `nginx:alpine` needs `/run` and `/var/cache/nginx`: docs/image-contract.md). `/tmp` is always added (HOME, TMPDIR and the caches live there: docs/image-contract.md), unless the list is empty: `[]` makes a container with nothing writable and no HOME.
     * @default ["/tmp"]
     */
    writablePaths: z.array(containerPath).default(["/tmp"]),
    /**
     * File shares mounted into every replica (shared between replicas and services, kept across restarts); see the mount's fields.
     * @default []
     */
    mounts: z.array(mount).default([]),
    /**
     * Outbound access beyond the service's datastores; see the egress fields.
     * @default no internet
     */
    egress: egress.default({ internet: false, ports: [443] }),
    /**
     * Numeric user (and group) the container runs as; never 0.
     * @default 10001
     */
    runAsUser: z.number().int().min(1, "containers never run as root (uid 0)").default(10001),
    /**
     * The web service's traffic policy (request timeout, retries, outlier detection, circuit breaker, rate limit); see the traffic fields. Only for a web service an edge route reaches.
     * @default none: the platform's own timeouts and no retries, ejection, circuit breaker or service rate limit
     */
    traffic: traffic.optional(),
});

/** Backup policy of a database. */
export const backup = z.strictObject({
    /**
     * When full backups run: a five-field cron expression in UTC, at most hourly (AWS Backup refuses jobs less than 60 minutes apart), restricting day-of-month or day-of-week but not both (AWS schedules take one of them).
     * @default "0 2 * * *"
     */
    schedule: cron.default("0 2 * * *"),
    /**
     * A second, more frequent schedule (e.g. AuroMart's 6-hourly incrementals), held to the same rules as `schedule`.
     * @default none
     */
    incrementalSchedule: cron.optional(),
    /**
     * Days a backup is kept; the environment profile's retention is a floor on every platform (a
     * seed's 14 days is kept 30 on prod).
     * @default set by the environment profile: 3 on dev, 7 on staging, 30 on prod
     */
    retentionDays: z.number().int().min(1, "a backup retention of less than 1 day keeps nothing").max(36500).optional(),
    /**
     * Point-in-time recovery: restore to any moment within the retention, not only to a backup. For PostgreSQL it stands in for frequent dumps in the RPO check (continuous on Kubernetes and AWS); MySQL and MongoDB dumps must meet the RPO themselves (dumps only on Kubernetes and Docker).
     * @default false
     */
    pointInTime: z.boolean().default(false),
    /**
     * Long-term archival copies, e.g. Asset Management's weekly and monthly backups.
     * @default none
     * @property weeklyRetentionDays Days a weekly copy is kept (7 or more).
     * @default no weekly copies
     * @property monthlyRetentionDays Days a monthly copy is kept (30 or more).
     * @default no monthly copies
     */
    archive: z
        .strictObject({
            weeklyRetentionDays: z.number().int().min(7).optional(),
            monthlyRetentionDays: z.number().int().min(30).optional(),
        })
        .optional(),
});

/** A relational or document database. */
export const database = z.strictObject({
    /**
     * The database engine.
     * @caution Changing it replaces the database with an empty one on every platform (RDS's `engine` forces a new instance): migrate the data yourself.
     */
    engine: z.enum(["postgres", "mysql", "mongodb"]),
    /**
     * Major (or major.minor) engine version with a pinned image: postgres 14, 15, 16, 17 or 18, mysql 8.0 or 8.4, mongodb 7.0 or 8.0 (the lines of `conventions/pins.ts` ENGINE_LINES).
     * @caution A new major version is refused by RDS and DocumentDB unless major upgrades are allowed (`AllowMajorVersionUpgrade`, which this program does not set), and a version change waits for the maintenance window (no `applyImmediately`). On Docker (and MySQL or MongoDB on Kubernetes) it is a new server image on the old data directory, and PostgreSQL refuses to start on a data directory of another major version; for PostgreSQL on Kubernetes follow CloudNativePG's major-upgrade methods (https://cloudnative-pg.io/documentation/current/postgres_upgrades). Otherwise dump and restore; never go back down.
     * @cost An RDS version past its standard support runs on paid RDS Extended Support, billed per vCPU-hour (the plan warns).
     */
    version: z.string().regex(/^\d+(\.\d+)?$/, "must be a version number such as '14' or '8.0'"),
    /**
     * Name of the database created for the application.
     * @default the datastore's key with '-' replaced by '_'
     * @caution Changing it replaces the RDS instance (`db_name` forces a new resource) and, on Docker and Kubernetes, points the services at a database the first start never created.
     */
    databaseName: z
        .string()
        .regex(/^[a-z_][a-z0-9_]*$/)
        .optional(),
    /**
     * The application user, who owns the database.
     * @default "app"
     * @caution Changing it replaces the RDS instance (`username` forces a new resource) and, on Docker and Kubernetes, leaves the services with a user the first start never created.
     */
    username: z
        .string()
        .regex(/^[a-z_][a-z0-9_]*$/)
        .default("app"),
    /**
     * Storage in GiB.
     * @default 20
     * @caution Storage can grow but never shrink in place: RDS refuses a smaller size, and a claim cannot shrink.
     */
    storageGb: z.number().int().min(1).max(65536).default(20),
    /**
     * Read-only replicas of the database, for read scaling and failover.
     * @default 0
     * @cost Each AWS replica is another instance of the primary's class, Multi-AZ in prod: every replica costs about as much as the primary.
     */
    readReplicas: z.number().int().min(0).max(5).default(0),
    /**
     * Engine parameters, e.g. PostgreSQL's shared_buffers or MySQL's innodb_buffer_pool_size.
     * @default {}
     */
    parameters: z
        .record(
            z.string().regex(/^[A-Za-z][A-Za-z0-9_.-]*$/, "a parameter name is letters, digits, '_', '.' and '-', starting with a letter"),
            z.union([z.string().regex(/^[\x20-\x7e]*$/, "a parameter value is printable ASCII on one line"), z.number()]),
        )
        .default({}),
    /**
     * The database's backup policy; see the backup fields.
     * @default daily at 02:00, no point-in-time recovery
     */
    backup: backup.default({ schedule: "0 2 * * *", pointInTime: false }),
});

/** A cache. */
export const cache = z.strictObject({
    /**
     * The cache engine.
     */
    engine: z.enum(["redis"]),
    /**
     * Major (or major.minor) Redis version with a pinned image: 6 or 7.
     */
    version: z.string().regex(/^\d+(\.\d+)?$/, "must be a version number such as '7'"),
    /**
     * `none` keeps data in memory only, `aof` logs every write (append-only file), `rdb` takes snapshots.
     * @default "none"
     * @caution On Kubernetes switching to or from `none` adds or removes the data volume, so the StatefulSet is replaced and the cached data is lost.
     */
    persistence: z.enum(["none", "aof", "rdb"]).default("none"),
    /**
     * A sharded Redis Cluster (cluster mode); clients then need a cluster-aware Redis client.
     * @default false
     */
    cluster: z.boolean().default(false),
    /**
     * Shards (node groups) of a cluster.
     * @default 1
     * @cost Each shard is a primary node plus, in prod (Multi-AZ), a replica: 2 nodes per shard.
     */
    shards: z.number().int().min(1).max(500).default(1),
    /**
     * Memory Redis may use for data, in MiB.
     * @default 75 % of the container's memory limit
     */
    maxMemoryMb: z.number().int().min(16).optional(),
});

/** A message queue. */
export const queue = z.strictObject({
    /**
     * First-in-first-out delivery with deduplication instead of a standard queue.
     * @default false
     * @caution On AWS the queue's name gains `.fifo`, so a new queue replaces the old one: messages still in it are lost.
     */
    fifo: z.boolean().default(false),
    /**
     * Seconds a received message stays hidden from other consumers before it is delivered again.
     * @default 30
     */
    visibilityTimeoutSeconds: z.number().int().min(0).max(43200).default(30),
    /**
     * Receives after which a message moves to the dead-letter queue.
     * @default 5
     */
    maxReceiveCount: z.number().int().min(1).max(1000).default(5),
    /**
     * Days an unconsumed message is kept.
     * @default 4
     */
    retentionDays: z.number().int().min(1).max(14).default(4),
});

/** Object storage. */
export const bucket = z.strictObject({
    /**
     * What the bucket holds: `media`, `static`, `documents`, `backups` or `archive`.
     */
    purpose: z.enum(["media", "static", "documents", "backups", "archive"]),
    /**
     * Keep every version of an object, so an overwrite or delete can be undone.
     * @default true
     */
    versioned: z.boolean().default(true),
    /**
     * Move objects to cheaper storage tiers as they age (hot → warm → cold → archive).
     * @default []
     * @property afterDays Days after an object's creation when it moves.
     * @property tier `warm`, `cold` or `archive`.
     */
    lifecycle: z.array(z.strictObject({ afterDays: z.number().int().min(1), tier: z.enum(["warm", "cold", "archive"]) })).default([]),
    /**
     * Days after which objects (and their old versions) are deleted.
     * @default never
     * @caution Lowering it deletes every object older than the new value at the next lifecycle run, on every platform.
     */
    expireAfterDays: z.number().int().min(1).optional(),
});

/**
 * Shared file storage: a POSIX directory tree that every replica of every service mounting it
 * sees, kept across restarts and re-deploys (AuroMart's uploads, invoices and reports).
 */
export const fileShare = z.strictObject({
    /**
     * Capacity in GiB, where the platform provisions a size.
     * @default 10
     */
    sizeGb: z.number().int().min(1).max(65536).default(10),
});

/** A route of the edge: requests under `path` go to a web service. */
const route = z.strictObject({
    /**
     * URL path prefix, e.g. /api; `/` catches everything no longer path matches.
     */
    path: z.string().regex(/^\/[A-Za-z0-9._~\-/]*$/, "must start with '/' and hold only URL path characters"),
    /**
     * The web service (with a port) that serves the path.
     */
    service: identifier,
    /**
     * Only these CIDRs may reach the route (e.g. an admin interface): IPv4 or IPv6 ranges with their host bits zero (`10.0.0.0/8`, `203.0.113.7/32`), the form nginx, Envoy Gateway and AWS all accept; at least one.
     * @default everyone
     */
    allowCidrs: z.array(cidr).min(1, "list at least one CIDR, or leave allowCidrs out to let everyone reach the route").optional(),
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
    /**
     * Public DNS name of the system, in lower case: labels of 1-63 characters of a-z, 0-9 and '-' (not at either end), 253 characters in all (RFC 1123, ACM).
     * @default none: the platform's own address (localhost, the load balancer's DNS name)
     * @caution On AWS a new domain requests new certificates and records; clients of the old name stop reaching the system.
     */
    domain: checked(dnsNameProblem).optional(),
    /**
     * Terminate TLS at the edge and redirect HTTP to HTTPS.
     * @default true
     */
    tls: z.boolean().default(true),
    /**
     * A CDN in front of the load balancer where the platform has one.
     * @default false
     * @cost Adds a second WAF web ACL (us-east-1, CLOUDFRONT scope) beside the regional one: each is $5 a month plus $1 per rule (4 rules here) and $0.60 per million requests, and a request through CloudFront is inspected by both; CloudFront bills its data transfer and requests on top.
     */
    cdn: z.boolean().default(false),
    /**
     * A web application firewall where the platform has one.
     * @default true
     * @cost A web ACL is $5 a month plus $1 per rule (4 here) plus $0.60 per million requests (AWS WAF pricing, the same in every region); see `cdn` for the second one.
     */
    waf: z.boolean().default(true),
    /**
     * Headers added to every response.
     * @default the seeds' headers: X-Frame-Options DENY, X-Content-Type-Options nosniff, X-XSS-Protection "1; mode=block", Referrer-Policy strict-origin-when-cross-origin
     */
    securityHeaders: z
        .record(
            z.string().regex(/^[A-Za-z][A-Za-z0-9-]*$/, "a header name is letters, digits and '-', starting with a letter"),
            z
                .string()
                .regex(/^[\x20-\x7e]*$/, "a header value is printable ASCII on one line")
                .refine((v) => !/["\\$]/.test(v), {
                    message: "a header value may not contain double quotes, backslashes or '$' (nginx's add_header takes it quoted)",
                }),
        )
        .default(DEFAULT_SECURITY_HEADERS),
    /**
     * HTTP Strict Transport Security max-age in seconds; 0 turns the header off.
     * @default 31536000 (one year)
     */
    hstsMaxAgeSeconds: z.number().int().min(0).default(31536000),
    /**
     * Requests per minute allowed per client IP address; more are refused (Docker 503, Kubernetes 429, AWS 403).
     * @default 600
     */
    rateLimitPerMinute: z.number().int().min(1).default(600),
    /**
     * Largest request body in MiB; larger requests get 413.
     * @default 10
     */
    maxBodyMb: z.number().int().min(1).max(1024).default(10),
    /**
     * Path routes to web services, at least one; see the route fields.
     */
    routes: z.array(route).min(1, "the edge needs at least one route"),
});

/** Recovery objectives. */
export const recovery = z.strictObject({
    /**
     * Recovery point objective: the most data, in minutes before a failure, the system may lose; 5 or more with `pointInTime` (what a continuous backup reaches). Backups must also run at least daily, unless `pointInTime` on PostgreSQL: staging and prod refuse a longer interval (policies `datastore-backups`, `aws-backup-plan`).
     * @default 1440 (24 hours)
     */
    rpoMinutes: z.number().int().min(1).default(1440),
    /**
     * Recovery time objective: how long, in hours, restoring the system may take.
     * @default 24
     */
    rtoHours: z.number().min(0.25).default(24),
    /**
     * Keep a copy of the data in a second region.
     * @default false
     * @cost A second region: one more single-AZ instance of each RDS database's class, a VPC with flow logs, a KMS key, a second backup vault's storage, and the cross-region transfer of the replication stream and backup copies.
     */
    crossRegion: z.boolean().default(false),
});

/** Alert thresholds. */
export const monitoring = z.strictObject({
    /**
     * Percent of requests answered 5xx above which HighErrorRate fires.
     * @default 5
     */
    errorRatePercent: z.number().min(0.1).max(100).default(5),
    /**
     * p99 response time, in milliseconds, above which an alert fires.
     * @default 1000
     */
    p99LatencyMs: z.number().int().min(1).default(1000),
    /**
     * Commits per second of a PostgreSQL database above which DatabaseSlowQueries fires (the Asset Management seed's rule).
     * @default 1000
     */
    slowQueryCommitsPerSecond: z.number().int().min(1).default(1000),
});

/**
 * The schema of a system spec (a systems/*.yaml file): unknown keys rejected, schema defaults applied.
 * @cost On prod (AWS) the network spans 3 availability zones with a NAT gateway in each (the profile is Multi-AZ): $0.045 an hour (about $33 a month) per gateway plus $0.045 per GB processed in us-east-1, about $99 a month before traffic. S3 traffic takes a free gateway endpoint; interface endpoints (ECR, CloudWatch Logs, Secrets Manager, SQS: about $7.30 a month per endpoint and zone) are built only for services with `egress.internet: false` whose images are all in ECR in the stack's region; other AWS API calls pass the NAT gateways.
 * @cost Multi-AZ in prod: every RDS instance runs a standby in a second zone, which AWS prices at about twice a single-AZ instance; every ElastiCache shard gets a replica node; DocumentDB gets one more instance.
 */
export const systemSpec = z.strictObject({
    /**
     * The system's name: the prefix of every resource name, the Kubernetes namespace and AWS identifiers.
     * @caution Renaming a system renames every resource: data volumes, databases, caches, queues and buckets are replaced by new, empty ones.
     */
    name: identifier,
    /**
     * A note for people reading the spec.
     * @default none
     */
    description: z.string().optional(),
    /** The single public entry point; see the edge fields. */
    edge,
    /**
     * The application services, by name (1-40 characters of a-z, 0-9 and '-'); see the service fields.
     * @caution A service's name is part of its resource names: renaming one replaces its containers, Deployment or ECS service.
     */
    services: z.record(identifier, service).refine((s) => Object.keys(s).length > 0, "a system needs at least one service"),
    /**
     * Databases by name; see the database fields.
     * @default {}
     * @caution A database's name is part of its resource names (volume, CloudNativePG cluster, RDS identifier): renaming one replaces it with an empty database.
     */
    databases: z.record(identifier, database).default({}),
    /**
     * Caches by name; see the cache fields.
     * @default {}
     * @caution A cache's name is part of its resource names: renaming one replaces it, empty.
     */
    caches: z.record(identifier, cache).default({}),
    /**
     * Message queues by name; see the queue fields.
     * @default {}
     * @caution A queue's name is part of its resource names: renaming one replaces it, and messages in the old one are lost.
     */
    queues: z.record(identifier, queue).default({}),
    /**
     * Buckets by name; see the bucket fields.
     * @default {}
     * @caution A bucket's name is part of its real name (`<system>-<bucket>`; on AWS a name prefix): renaming one creates a new, empty bucket.
     */
    buckets: z.record(identifier, bucket).default({}),
    /**
     * Shared file trees services mount (`services.<name>.mounts`), by name; see the file share fields.
     * @default {}
     * @caution A share's name is part of its volume or claim name: renaming one gives the services a new, empty share.
     */
    fileShares: z.record(identifier, fileShare).default({}),
    /**
     * Recovery objectives; see the recovery fields.
     * @default RPO 24 h, RTO 24 h, no cross-region copy
     */
    recovery: recovery.default({ rpoMinutes: 1440, rtoHours: 24, crossRegion: false }),
    /**
     * Alert thresholds; see the monitoring fields.
     * @default 5 % errors (the seeds' HighErrorRate), p99 1000 ms, 1000 commits per second
     */
    monitoring: monitoring.default({ errorRatePercent: 5, p99LatencyMs: 1000, slowQueryCommitsPerSecond: 1000 }),
    /**
     * Log retention and traces; see the observability fields.
     * @default the profile's log retention, traces on at the profile's sampling ratio
     */
    observability: observability.default({ traces: { enabled: true } }),
});

/** A spec as written in YAML (input). */
export type SystemSpecInput = z.input<typeof systemSpec>;
/** A spec after parsing: schema defaults applied, profile defaults not yet. */
export type SystemSpec = z.output<typeof systemSpec>;
/**
 * The spec's group of each datastore kind: the one list of them the model keeps. The loader's
 * cross-checks (datastore names unique across groups) and the profile (each entry named) walk it;
 * plan/datastores.ts `DATASTORE_KINDS` gives each kind its contract and fails to compile unless its
 * kinds are exactly these.
 */
export const DATASTORE_GROUPS = { database: "databases", cache: "caches", queue: "queues", bucket: "buckets" } as const satisfies Record<
    string,
    keyof SystemSpec
>;
/** The spec group of datastore kind `K` (`databases`, `caches`, ...). */
export type DatastoreGroup<K extends keyof typeof DATASTORE_GROUPS = keyof typeof DATASTORE_GROUPS> = (typeof DATASTORE_GROUPS)[K];
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
/** What runs a service's HTTP health check inside its container (`services.<n>.healthTool`). */
export type HealthTool = ServiceSpec["healthTool"];
