/**
 * What AWS (the `prod` stack) builds of a spec, in one place: its column of every feature
 * whose support differs between platforms (composed into `FEATURES` by plan/support.ts: printed as
 * approximations, refused where unsupported, held to the plan by the parity test), how it renders a
 * service plan, and what it does with each spec field — its column of docs/spec-reference.md
 * (`npm run docs:spec`), checked against the features by test/standards/spec-reference.test.ts.
 */
import { formatSeconds, rollingSteps } from "./rollout-text";
import { approximated, ignored, type PlatformKnowledge, type RolloutIntent, type RolloutSchedule } from "./types";

/** AWS's support, rendering and spec-field notes. */
export const aws: PlatformKnowledge = {
    title: "AWS",
    features: {
        tracing: {
            level: "full",
            how: "OTLP/HTTP to an AWS Distro for OpenTelemetry collector beside the application in each task (a non-essential sidecar, localhost:4318), on to AWS X-Ray",
        },
        autoscaling: { level: "full", how: "Application Auto Scaling target tracking over the range" },
        "scale-to-zero": { level: "full", how: "desiredCount 0 until a target tracking policy scales out" },
        "read-replicas": { level: "full", how: "RDS read replicas (PostgreSQL, MySQL); DocumentDB replica instances" },
        "cache-cluster": { level: "full", how: "ElastiCache cluster mode with the spec's shards" },
        "bucket-tiers": { level: "full", how: "S3 lifecycle transitions (Standard-IA, Glacier Flexible Retrieval, Deep Archive)" },
        cdn: { level: "full", how: "CloudFront in front of the load balancer" },
        waf: { level: "full", how: "AWS WAF managed rule groups on the load balancer (and CloudFront)" },
        "egress-ports": { level: "full", how: "security-group egress on the listed ports only" },
        "point-in-time": { level: "full", how: "RDS automated backups / AWS Backup continuous backups" },
        "cross-region": { level: "full", how: "cross-region replica or backup copies in tierform:drRegion" },
        "datastore-tls": {
            level: "full",
            how: "every client's URL encrypts and verifies the server in its own dialect: RDS and DocumentDB against the Amazon RDS CA bundle the image carries, ElastiCache against the system trust store",
        },
        "image-build": { level: "approximated", how: "deploys `image` from its registry: build and push it first" },
        "entrypoint-with-credentials": {
            level: "full",
            how: "container command (the image's ENTRYPOINT stays); credentials as ECS secrets",
        },
        "traffic-shifting": {
            level: "approximated",
            how: "ECS blue/green, canary or linear deployments on two target groups, rolled back by CloudWatch alarms at the system's monitoring thresholds",
        },
        "storage-size": { level: "approximated", how: "RDS allocated storage; DocumentDB and EFS grow elastically" },
        "backup-archive": { level: "full", how: "AWS Backup weekly and monthly rules with cold storage" },
        "queue-semantics": { level: "full", how: "SQS with a dead-letter queue" },
        alerting: {
            level: "approximated",
            how: "CloudWatch alarms from the plan's alert catalogue: the error rate and p99 latency of the load balancer and of each routed service's target groups, running tasks, error log lines, failed restore tests; a database or cache not ready (its RDS or DocumentDB instances, its ElastiCache nodes, each counted ready in a minute it reported its connections; an ElastiCache cluster of more than 9 nodes is watched on its first 9; a queue has no instances and no such alarm); slowQueryCommitsPerSecond against each RDS PostgreSQL primary's commits per second (Performance Insights' db.Transactions.xact_commit through CloudWatch's DB_PERF_INSIGHTS: a rate, where the seed's rule reads the counter; replicas' commits are not counted); no AWS Backup job completed within a database's backup age (counted per vault and resource type, at most 7 days, and firing on a new stack until its first backup completes)",
        },
        "recovery-time": { level: "approximated", how: "informational: nothing is sized from it (the plan checks the RPO only)" },
        "body-size-limit": {
            level: "approximated",
            how: "an ALB has no body limit; the WAF's 8 KB body rule only counts, so larger bodies pass to the app",
        },
        "private-routes": {
            level: "approximated",
            how: "served by an internal load balancer at internal.<domain>, reached over a VPN, Direct Connect or peering; the internet-facing load balancer answers 403",
        },
        "egress-closed": {
            level: "approximated",
            how: "Fargate pulls images and fetches secrets through the task's own interface: TCP 443 out stays open unless all the service's images are in the account's ECR in the stack's region, it has no writablePaths and traces are off (busybox and the ADOT collector come from ECR Public through the account's pull-through cache, whose first pull of an image downloads it from ECR Public over the internet); then VPC endpoints",
        },
        "cache-persistence": {
            level: "approximated",
            how: "ElastiCache has no AOF: daily snapshots kept the backup retention, and a replica in another zone in prod",
        },
        "cache-memory": {
            level: "approximated",
            how: "the node type (by the profile's data size) sets the memory; maxMemoryMb is not applied",
        },
        "database-parameters": { level: "approximated", how: "an RDS parameter group; DocumentDB ignores them" },
        "request-timeout": {
            level: "approximated",
            how: "the ALB's idle timeout (the longest wait for data on a connection, one per load balancer): the longest timeoutSeconds of the services, at least 60 s",
        },
        retries: { level: "approximated", how: "none: an ALB does not retry a request (it answers 502 or 504); clients retry" },
        "outlier-detection": {
            level: "approximated",
            how: "the target group's automatic target weights (anomaly mitigation on weighted_random): the ALB sends less traffic to a target whose errors stand out, by its own thresholds, not the spec's",
        },
        "circuit-breaking": {
            level: "approximated",
            how: "none: an ALB has no limit on requests in flight; the WAF's rate rules and autoscaling bound the load",
        },
        "service-rate-limit": {
            level: "approximated",
            how: "a WAF rate-based rule per client address scoped to the service's route prefixes (starts-with, so `/api` also counts `/apix`; a `/` route counts every request), at least 10 a minute",
        },
    },
    rendering: {
        minAtLeastOne: false,
        autoscales: true,
        separateReadiness: true,
        processCheckFallback: false,
        bucketVariables: { plain: [], secret: [] },
        // Every client of an internet-facing ALB arrives from a public address, so an allow-list of
        // private ranges never matches there: the public ALB answers 403, an internal ALB serves the route.
        privateRoutes: "internal-load-balancer",
        traffic: {
            timeout: "load-balancer-idle",
            retries: "none",
            retryBudget: false,
            outlierDetection: "anomaly-mitigation",
            circuitBreaker: false,
            rateLimit: "path-prefix",
        },
    },
    telemetry: {
        // The ADOT collector sidecar of each task (components/aws/service/tracing.ts): the task's containers share its network
        // namespace (awsvpc), so the application reaches it on localhost.
        otlpEndpoint: "http://localhost:4318",
        unrendered: {
            "DatastoreNotReady:queue":
                "SQS has no instances to be ready: AWS runs the queue and publishes no availability metric for it; the queue's own alarms (its oldest message's age, the dead-letter queue's depth, components/aws/queue.ts) stand in",
        },
    },
    fields: {
        "observability.logRetentionDays": "The CloudWatch Logs groups' `retentionInDays`.",
        "traces.enabled":
            "`OTEL_TRACES_EXPORTER=otlp` to `http://localhost:4318` for every service, where an AWS Distro for OpenTelemetry collector runs in each task (a non-essential sidecar; the task grows by its 256 MiB) and sends the spans to X-Ray with the task role's X-Ray write actions; false: no sidecar and `OTEL_SDK_DISABLED=true`.",
        "traces.sampleRatio": "`OTEL_TRACES_SAMPLER_ARG` with `OTEL_TRACES_SAMPLER=parentbased_traceidratio` for every service.",
        "egress.internet": approximated(
            "Fargate pulls images and fetches secrets through the task's own interface, so a service keeps TCP 443 out to 0.0.0.0/0 unless all its images are in the account's ECR in the stack's region, it has no `writablePaths` and traces are off (`observability.traces.enabled`): busybox (the writable paths' ownership step, the `provided` health tool) and the ADOT collector come from ECR Public through the account's pull-through cache, whose first pull of an image downloads its layers from ECR Public over the internet (later pulls stay on the endpoints); then it reaches ECR, CloudWatch Logs, Secrets Manager (and SQS) through interface endpoints and S3 through the gateway endpoint, and nothing on the internet (the plan warns which images keep 443 open). `true` adds `ports` other than 443.",
        ),
        "egress.ports": "One security-group egress rule to 0.0.0.0/0 per port other than 443 (443 is always open, see `internet`).",
        "mount.path":
            "The share's EFS file system mounted over TLS through an access point per directory, created owned by the service's `runAsUser`; NFS is open only from the services that mount the share.",
        "mount.share": "The share's EFS file system, reached through an access point owned by the service's `runAsUser` (see `path`).",
        "mount.subPath":
            "The access point's directory, `/data/<subPath>` on the file system, created owned by the service's `runAsUser`; deeper than 3 directories or over 100 characters in all is refused (EFS's access-point path limits).",
        "probe.path":
            "Liveness: the ECS container health check by the service's `healthTool`, with the canonical Host. Readiness (else liveness, else `/`): the load balancer's target-group health check, which cannot set a Host header.",
        "probe.initialDelaySeconds":
            "The container health check's `startPeriod` (at most 300); the ECS service's health-check grace period is the larger of the two probes' delays plus 30 s (routed services).",
        "probe.periodSeconds": "The container health check's and the target group's interval, clamped to 5-300.",
        "probe.timeoutSeconds": "The container health check's timeout (2-60) and the target group's (2-120, below the interval).",
        "probe.failureThreshold": "The container health check's retries (1-10) and the target group's unhealthy threshold (2-10).",
        "service.image": "The task definition's image; ECS must be able to pull it (public, or in the account's ECR).",
        "service.build": ignored("ECS pulls `image`, so build and push it yourself."),
        "service.kind":
            "An ECS Fargate service each; a routed web service gets a target group; a scheduler deploys 0 %/100 % (the old task stops before the new one starts).",
        "service.description": ignored("documentation only."),
        "service.port": "The container port, the target group's port and the one port the load balancer's security group may reach.",
        "service.command":
            "The container definition's `command`: replaces the image's CMD; the image's ENTRYPOINT, if any, still runs first.",
        "service.replicas": "The ECS service's desired count is `min`; application autoscaling between `min` and `max` when `max` > `min`.",
        "service.autoscaling":
            "Target-tracking policies on ECS CPU and memory utilisation and the load balancer's requests per target (routed services only); CPU 70 % only when no target is given.",
        "service.health":
            "The liveness probe or `command` becomes the container health check; the readiness probe is the load balancer's health check.",
        "service.healthTool":
            "The container health check runs the tool (CMD form); `provided` adds a non-essential `health-tools` container that copies busybox into a task volume before the application starts; `none` leaves only the load balancer's target check (routed services) and ECS's watch of the main process.",
        "service.resources": "The smallest Fargate task size that fits; a size no Fargate task has is refused before anything is built.",
        "service.uses":
            "The variables through ECS `secrets` (Secrets Manager); security-group rules to each datastore's port; the task role may use exactly these queues and buckets.",
        "service.clients":
            "Encrypted and verified: RDS and DocumentDB against the Amazon RDS CA bundle the image must carry at /etc/ssl/certs/rds-global-bundle.pem (`<NAME>_CA_FILE`, named in every PostgreSQL URL; NODE_EXTRA_CA_CERTS for mysql2), ElastiCache against the system trust store.",
        "service.env": "The container definition's `environment`.",
        "service.secrets": "In Secrets Manager (KMS-encrypted), injected through the container's ECS `secrets`.",
        "rollout.strategy":
            "ECS ROLLING, BLUE_GREEN or CANARY/LINEAR deployments; blueGreen and canary need a routed web service with exactly one route (others roll), and keep the old set for a 10-minute bake. The new set first takes the traffic of a test listener of its own (a port of the load balancer that only the VPC's NAT addresses reach), where the system's lifecycle-hook Lambda GETs its health path before production shifts.",
        "rollout.maxSurge": "The ECS deployment's maximum percent, (min + maxSurge) / min (rolling only).",
        "rollout.maxUnavailable": "The ECS deployment's minimum healthy percent, (min - maxUnavailable) / min (rolling only).",
        "rollout.canarySteps": approximated(
            "Evenly spaced steps (25, 50, 75, 100) become a LINEAR deployment; any other list a CANARY deployment at its first step, then 100 %.",
        ),
        "canaryStep.weight": approximated(
            "Evenly spaced weights (25, 50, 75, 100) become a LINEAR deployment; any other list a CANARY deployment at its first weight, then 100 %.",
        ),
        "canaryStep.pause": ignored("every step bakes 10 minutes."),
        "rolloutHook.command": approximated(
            "One-off tasks of the new revision (the application container, its command replaced), one after another, from the system's lifecycle-hook Lambda, a failure rolling back: prePromotion at POST_TEST_TRAFFIC_SHIFT, after the hook's GET of the health path through the test listener, with PREVIEW_URL (the test listener: https://<domain>:<port>, origin.<domain> behind a CDN) and PREVIEW_HOST, in the hook's security group (the test listener and the internet through NAT, no datastore); postPromotion at POST_PRODUCTION_TRAFFIC_SHIFT in the service's own.",
        ),
        "rollout.bake": ignored("ECS keeps the old set 10 minutes."),
        "rolloutPreview.allowCidrs": ignored("the preview is the test listener, which admits the VPC's NAT addresses only."),
        "rollout.onFailure":
            "ECS rolls back (all traffic to the old task set) when a rollback alarm fires or the tasks never turn healthy (circuit breaker).",
        "rolloutAnalysis.errorRatePercent": ignored("the rollback alarms take the system's `monitoring.errorRatePercent`."),
        "rolloutAnalysis.latencyMs": ignored("the rollback alarms take the system's `monitoring.p99LatencyMs`."),
        "rolloutAnalysis.latencyPercentile": ignored("see `errorRatePercent`."),
        "rolloutAnalysis.interval": ignored("see `errorRatePercent`."),
        "rolloutAnalysis.failuresToAbort": ignored("see `errorRatePercent`."),
        "rolloutAnalysis.query": ignored("see `errorRatePercent`."),
        "service.migrate":
            "A non-essential `migrate` container in every task; the application starts after it exits 0, so it runs at every task start and must be idempotent and tolerate a concurrent run; the ECS services of the other services on the same database are created and updated only once this one is steady. A blue/green or canary deployment also runs it once, as a one-off task of the new revision, from the lifecycle-hook Lambda at PRE_SCALE_UP, before any new task starts; a failure rolls back.",
        "service.writablePaths":
            "A task volume per path, handed to `runAsUser` by a short-lived `volume-permissions` container before the application starts.",
        "service.runAsUser": "The container definition's `user` (uid:gid).",
        "backup.schedule": "An AWS Backup plan rule (`scheduled`); a daily schedule also sets the RDS/DocumentDB backup window.",
        "backup.incrementalSchedule": "A second AWS Backup rule (`incremental`); RDS snapshots after the first are incremental.",
        "backup.retentionDays": "The backup rules' `deleteAfter`; RDS and DocumentDB automated backups keep at most 35 days of it.",
        "backup.pointInTime": "An AWS Backup `continuous` rule (at most 35 days) beside RDS's own automated backups.",
        "backup.archive":
            "Weekly and monthly AWS Backup rules; monthly copies move to cold storage after 30 days where the resource type supports it.",
        "database.engine": "postgres and mysql: Amazon RDS; mongodb: Amazon DocumentDB (MongoDB-compatible).",
        "database.version": "RDS `engineVersion`; for DocumentDB the nearest DocumentDB version that implements at least that MongoDB API.",
        "database.databaseName": "The RDS instance's `dbName` (DocumentDB creates it on first write).",
        "database.username": "The RDS master username (DocumentDB master user); the password is generated and kept in Secrets Manager.",
        "database.storageGb": approximated(
            "RDS `allocatedStorage`, autoscaling up to twice as much; an alarm below 10 % free. DocumentDB ignores it (its storage grows by itself).",
        ),
        "database.readReplicas":
            "RDS read replicas of the same class (Multi-AZ where the profile is); DocumentDB instances in the cluster.",
        "database.parameters": approximated(
            "An RDS parameter group (memory sizes checked against the instance class); DocumentDB ignores them.",
        ),
        "cache.engine": "An ElastiCache replication group.",
        "cache.version": "The replication group's engine version and parameter-group family.",
        "cache.persistence": approximated(
            "ElastiCache offers no AOF; every cache gets daily snapshots kept the profile's backup retention, and a replica in another zone in prod. The same eviction rule (parameter group `maxmemory-policy`).",
        ),
        "cache.cluster": "Cluster mode enabled with `shards` node groups, the configuration endpoint as REDIS_URL.",
        "cache.shards": "The number of node groups when `cluster` is on; unused without it.",
        "cache.maxMemoryMb": ignored("the node type (by the profile's data size) sets the memory."),
        "queue.fifo": "An SQS FIFO queue (and dead-letter queue) with content-based deduplication.",
        "queue.visibilityTimeoutSeconds": "The SQS queue's visibility timeout.",
        "queue.maxReceiveCount": "The redrive policy's `maxReceiveCount` to the queue's dead-letter queue.",
        "queue.retentionDays": "The SQS queue's message retention (the dead-letter queue keeps 14 days).",
        "bucket.purpose":
            "`static` buckets are served by CloudFront when `edge.cdn` is on; `backups` buckets are always versioned; cold tiers of `backups` and `archive` go to GLACIER, others to GLACIER_IR.",
        "bucket.versioned": "S3 versioning; old versions expire after 30 days (or the profile's backup retention, if longer).",
        "bucket.lifecycle":
            "S3 lifecycle transitions: warm to STANDARD_IA (30 days or more), cold to GLACIER_IR or GLACIER (see `purpose`), archive to DEEP_ARCHIVE.",
        "bucket.expireAfterDays": "An S3 lifecycle expiry rule, after the last transition.",
        "fileShare.sizeGb": ignored("an EFS file system (encrypted with its own key, protected, in AWS Backup) grows elastically."),
        "route.path": "A load-balancer listener rule (path and path/*), longest path first; `/` is the default action.",
        "route.service": "The service's target group; a blue/green or canary service must have exactly one route.",
        "route.allowCidrs": approximated(
            "served by an internal load balancer in the private subnets at `internal.<domain>` (HTTPS on 443 from these ranges only, reached over a VPN, Direct Connect or peering); the internet-facing load balancer answers the path 403. Refused together with `edge.cdn`.",
        ),
        "edge.domain":
            "Required (or `tierform:certificateArn`): the ACM certificate, the Route 53 alias records and CloudFront's alias; the hosted zone must exist.",
        "edge.tls": "Must stay true (false is refused): an HTTPS listener with TLS 1.2+; HTTP redirects.",
        "edge.cdn":
            "A CloudFront distribution with its own WAF web ACL and the security headers; the load balancer then accepts only CloudFront (origin secret header, prefix list). Needs `domain`.",
        "edge.waf":
            "Must stay true (false is refused): a regional WAFv2 web ACL on the load balancer with the per-client rate rule and three AWS managed rule groups, logged to CloudWatch.",
        "edge.securityHeaders":
            "With `cdn`: CloudFront's response headers policy (every header). Without: only what the load balancer can set (X-Frame-Options, X-Content-Type-Options, Content-Security-Policy); the others are not sent.",
        "edge.hstsMaxAgeSeconds": "The load balancer's HSTS header, and CloudFront's with `cdn`.",
        "edge.rateLimitPerMinute":
            "A WAF rate-based rule per client IP over 60 s (at least 10); behind CloudFront, CloudFront's ACL counts the client address.",
        "edge.maxBodyMb": ignored("the load balancer has no body limit, and the WAF's body-size rule is set to count only."),
        "recovery.rpoMinutes":
            "Checked against what the backups achieve (point-in-time recovery reaches 5 minutes); the DR replica's lag alarm fires at half of it (at most 300 s).",
        "recovery.rtoHours": ignored("nothing is sized from it (the plan checks the RPO only)."),
        "recovery.crossRegion":
            "A DR site in `tierform:drRegion` (required): a KMS key, an isolated VPC, an alarm topic, a cross-region RDS read replica per PostgreSQL/MySQL database and backup copies into a vault there; DocumentDB gets backup copies only; caches, queues and buckets are not copied. Without it, prod still copies backups to a vault in `tierform:drRegion` when that is set.",
        "monitoring.errorRatePercent": "A CloudWatch alarm on the load balancer's 5xx rate.",
        "monitoring.p99LatencyMs": "A CloudWatch alarm on the load balancer's p99 target response time (15 minutes).",
        "monitoring.slowQueryCommitsPerSecond": approximated(
            "The DatabaseSlowQueries CloudWatch alarm of each RDS PostgreSQL database: its primary's committed transactions per second (Performance Insights' counter `db.Transactions.xact_commit`, which CloudWatch reads with `DB_PERF_INSIGHTS`), averaged over 5 minutes, above this value. A rate, where the Kubernetes rule compares the seed's counter as written; the read replicas' commits are not counted.",
        ),
        "systemSpec.name": "Prefix of every name and identifier (RDS, ElastiCache, SQS, S3, IAM) and the `system` tag.",
        "systemSpec.description": ignored("documentation only."),
        "traffic.timeoutSeconds": approximated(
            "The load balancer's `idle_timeout` (the longest wait for data on a connection, one for every service): the longest `timeoutSeconds`, at least 60.",
        ),
        "traffic.maxConcurrentRequests": ignored("an ALB has no limit on requests in flight."),
        "traffic.rateLimitPerMinute": approximated(
            "A WAF rate-based rule per client address (at least 10) scoped to the service's route path prefixes, on each web ACL.",
        ),
        "retries.attempts": ignored("an ALB does not retry."),
        "retries.on": ignored(),
        "retries.budgetPercent": ignored(),
        "outlierDetection.consecutiveFailures": approximated(
            "The target group's anomaly mitigation (automatic target weights, `weighted_random`), with the ALB's own thresholds.",
        ),
        "outlierDetection.ejectSeconds": ignored(),
        "outlierDetection.maxEjectedPercent": ignored(),
    },
    rolloutSchedule: ecsSchedule,
};

/** Minutes ECS keeps the old set after a canary's or linear deployment's last shift when the spec gives no pause to use. */
const ECS_BAKE_MINUTES = 10;

/**
 * The ECS deployment that runs a routed blue/green or canary rollout (components/aws/service.ts
 * renders it into `deploymentConfiguration`), computed once for the component and the printed
 * schedule. ECS shifts traffic in one canary step or in equal linear steps
 * (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CanaryConfiguration.html,
 * API_LinearConfiguration.html), so:
 * - blue/green → BLUE_GREEN, the old set kept for the spec's `bake`;
 * - evenly spaced canary weights (25 → 50 → 75 → 100) → LINEAR, each step held for the longest of their pauses;
 * - any other canary (5 → 25 → 50 → 100) → CANARY at the first weight for its pause, then all
 *   traffic, the old set kept for the sum of the later pauses — the same time under the alarms'
 *   watch as the spec's schedule, one weight instead of three.
 * Times are whole minutes (ECS takes minutes), rounded up.
 */
export interface EcsDeployment {
    strategy: "BLUE_GREEN" | "CANARY" | "LINEAR";
    /** CANARY: the canary's share; LINEAR: each step's share. */
    percent?: number;
    /** CANARY: minutes the canary holds; LINEAR: minutes each step holds. */
    stepMinutes?: number;
    /** Minutes ECS keeps the old set once the new one has all the traffic (alarms still watched). */
    bakeMinutes: number;
}

const minutesOf = (seconds: number) => Math.max(0, Math.ceil(seconds / 60));

/** The ECS deployment of a routed blue/green or canary rollout (see {@link EcsDeployment}); undefined for a rolling or unrouted one. */
export function ecsDeployment(intent: RolloutIntent): EcsDeployment | undefined {
    if (!intent.routed || intent.strategy === "rolling") return undefined;
    if (intent.strategy === "blueGreen") return { strategy: "BLUE_GREEN", bakeMinutes: minutesOf(intent.bakeSeconds) };
    const weights = intent.steps.map((s) => s.weight);
    const pauses = intent.steps.slice(0, -1).map((s) => s.pauseSeconds);
    const first = weights[0];
    const linear = weights.length > 2 && first >= 3 && weights.every((p, i) => p === Math.min(100, first * (i + 1)));
    if (linear) {
        const step = minutesOf(Math.max(...pauses));
        return { strategy: "LINEAR", percent: first, stepMinutes: step, bakeMinutes: step };
    }
    if (weights.length === 1) return { strategy: "CANARY", percent: 10, stepMinutes: ECS_BAKE_MINUTES, bakeMinutes: ECS_BAKE_MINUTES };
    const later = pauses.slice(1).reduce((a, b) => a + b, 0);
    return {
        strategy: "CANARY",
        percent: first,
        stepMinutes: minutesOf(pauses[0]),
        bakeMinutes: later > 0 ? minutesOf(later) : ECS_BAKE_MINUTES,
    };
}

/** Where an ECS lifecycle hook runs in a shifting deployment (components/aws/rollout-hook.ts: one Lambda function per system). */
export type EcsHookStage = "PRE_SCALE_UP" | "POST_TEST_TRAFFIC_SHIFT" | "POST_PRODUCTION_TRAFFIC_SHIFT";

/**
 * One lifecycle hook of a shifting service's ECS deployment (ECS developer guide, "Lambda hooks
 * for Amazon ECS service deployments": the stages, and IN_PROGRESS / SUCCEEDED / FAILED, FAILED
 * rolling back): the tasks it runs, one after another, as the new revision's task definition with the
 * application container's command replaced — or the preview check through the test listener.
 */
export interface EcsHook {
    /** The deployment stage: PRE_SCALE_UP (no new task yet), POST_TEST_TRAFFIC_SHIFT (the new set takes the test listener's traffic), POST_PRODUCTION_TRAFFIC_SHIFT (it takes all traffic, the old set still kept). */
    stage: EcsHookStage;
    /** Commands run as one-off tasks of the new revision, in order; each must exit 0. @default none */
    tasks?: { name: string; command: string[] }[];
    /** Whether the hook GETs the service's health path through the test listener and needs 2xx. @default false */
    preview?: boolean;
}

/**
 * The lifecycle hooks of a shifting service's deployment (none for a rolling or unrouted one): the
 * migration at PRE_SCALE_UP, before any task of the new revision starts; the preview check at
 * POST_TEST_TRAFFIC_SHIFT, when the test listener sends the new set its test traffic and production
 * still goes to the old, then a blue-green's prePromotion commands against it (`PREVIEW_URL`); its
 * postPromotion commands at POST_PRODUCTION_TRAFFIC_SHIFT, before the bake.
 */
export function ecsHooks(intent: RolloutIntent): EcsHook[] {
    if (!ecsDeployment(intent)) return [];
    return [
        ...(intent.migration ? [{ stage: "PRE_SCALE_UP" as const, tasks: [{ name: "migrate", command: [...intent.migration] }] }] : []),
        {
            stage: "POST_TEST_TRAFFIC_SHIFT",
            preview: true,
            ...(intent.prePromotion.length > 0
                ? { tasks: intent.prePromotion.map((h) => ({ name: h.name, command: [...h.command] })) }
                : {}),
        },
        ...(intent.postPromotion.length > 0
            ? [
                  {
                      stage: "POST_PRODUCTION_TRAFFIC_SHIFT" as const,
                      tasks: intent.postPromotion.map((h) => ({ name: h.name, command: [...h.command] })),
                  },
              ]
            : []),
    ];
}

/** Tries of the preview check before it fails the deployment, and the seconds between them (rollout-hook/handler.js). */
export const ECS_PREVIEW_ATTEMPTS = 3;

/** The ECS deployment as the schedule that runs (see {@link ecsDeployment}), with where it departs from the spec. */
function ecsSchedule(intent: RolloutIntent): RolloutSchedule {
    const gate = "task health (circuit breaker) and the rollback alarms (5xx share, latency per target group)";
    const d = ecsDeployment(intent);
    const migrateContainer = {
        what: "migrate (a container in every task, before the application)",
        weight: 0,
        holdSeconds: 0,
        gate: "exit 0",
    };
    const hookGate = "the task's command exits 0, else ECS rolls back";
    const migrate = !intent.migration
        ? []
        : d
          ? [
                {
                    what: "migrate: one task of the new revision (lifecycle hook at PRE_SCALE_UP), before any new task",
                    weight: 0,
                    holdSeconds: 0,
                    gate: hookGate,
                },
            ]
          : [migrateContainer];
    const preview = {
        what: "preview: the new set takes the test listener's traffic, production stays on the old",
        weight: 0,
        holdSeconds: 0,
        gate: `a GET of the health path through the test listener answers 2xx (lifecycle hook at POST_TEST_TRAFFIC_SHIFT, ${ECS_PREVIEW_ATTEMPTS} tries)`,
    };
    const onFailure = "ECS shifts all traffic back to the old task set (an alarm, a failed hook or the circuit breaker)";
    if (!d)
        return {
            runner: "an ECS ROLLING deployment",
            steps: rollingSteps(intent, "task health (circuit breaker)"),
            onFailure: "the circuit breaker rolls back to the last completed deployment",
            approximations:
                intent.strategy === "rolling"
                    ? []
                    : [`${intent.strategy} rolls: the edge does not route the service, so there is no traffic to shift`],
        };
    const a = intent.analysis!;
    const period = Math.max(60, Math.ceil(a.intervalSeconds / 60) * 60);
    const common = [
        ...(intent.preview
            ? [
                  "rollout.preview is not used: the test listener, the preview on ECS, admits the VPC's NAT addresses only (the lifecycle hook's checks)",
              ]
            : []),
        ...(intent.migration
            ? [
                  "the migrate container also stays in every task, so each new task runs the (idempotent) migration again before the application",
              ]
            : []),
        ...(intent.prePromotion.length > 0
            ? [
                  `prePromotion (${intent.prePromotion.map((h) => h.name).join(", ")}) runs in the lifecycle hook's security group, not the service's: PREVIEW_URL (the test listener) and the internet through NAT, no datastore`,
              ]
            : []),
        ...(period !== a.intervalSeconds
            ? [
                  `the analysis measures every ${formatSeconds(period)} (ALB metrics have one-minute periods), not ${formatSeconds(a.intervalSeconds)}`,
              ]
            : []),
        ...(a.query && !a.query.cloudwatch ? ["the analysis query has no `cloudwatch` expression: only the edge's metrics judge it"] : []),
    ];
    const bake = d.bakeMinutes * 60;
    const post = intent.postPromotion;
    if (d.strategy === "BLUE_GREEN")
        return {
            runner: "an ECS BLUE_GREEN deployment",
            steps: [
                ...migrate,
                { what: "green set in the alternate target group", weight: 0, holdSeconds: 0, gate: "task health" },
                preview,
                ...(intent.prePromotion.length > 0
                    ? [
                          {
                              what: `prePromotion: ${intent.prePromotion.map((h) => h.name).join(", ")}, each one task of the new revision against PREVIEW_URL (the same hook)`,
                              weight: 0,
                              holdSeconds: 0,
                              gate: hookGate,
                          },
                      ]
                    : []),
                ...(post.length > 0
                    ? [
                          { what: "switch", weight: 100, holdSeconds: 0, gate },
                          {
                              what: `postPromotion: ${post.map((h) => h.name).join(", ")}, each one task of the new revision (lifecycle hook at POST_PRODUCTION_TRAFFIC_SHIFT)`,
                              weight: 100,
                              holdSeconds: 0,
                              gate: hookGate,
                          },
                          { what: "bake, blue kept", weight: 100, holdSeconds: bake, gate },
                      ]
                    : [{ what: "switch, blue kept", weight: 100, holdSeconds: bake, gate }]),
            ],
            onFailure,
            approximations: [...(bake !== intent.bakeSeconds ? [`the bake is ${formatSeconds(bake)} (whole minutes)`] : []), ...common],
        };
    const weights = intent.steps.map((s) => s.weight);
    const shown =
        d.strategy === "LINEAR"
            ? weights.map((w) => ({
                  what: w === 100 ? "all traffic, old set kept" : "linear step",
                  weight: w,
                  holdSeconds: w === 100 ? bake : d.stepMinutes! * 60,
              }))
            : [
                  { what: "canary", weight: d.percent!, holdSeconds: d.stepMinutes! * 60 },
                  { what: "all traffic, old set kept", weight: 100, holdSeconds: bake },
              ];
    return {
        runner: d.strategy === "LINEAR" ? `an ECS LINEAR deployment, ${d.percent} % a step` : "an ECS CANARY deployment",
        steps: [
            ...migrate,
            { what: "new set started", weight: 0, holdSeconds: 0, gate: "task health" },
            preview,
            ...shown.map((s) => ({ ...s, gate })),
        ],
        onFailure,
        approximations: [
            ...(d.strategy === "CANARY" && weights.length > 2
                ? [
                      `steps ${weights.join(" → ")} run as ${d.percent} → 100 (an ECS canary has one step); the later steps' pauses become the bake after the shift, ${formatSeconds(bake)}`,
                  ]
                : []),
            ...(d.strategy === "LINEAR" && new Set(intent.steps.slice(0, -1).map((s) => s.pauseSeconds)).size > 1
                ? [`every linear step holds ${formatSeconds(d.stepMinutes! * 60)} (ECS has one step time), the longest of the pauses`]
                : []),
            ...common,
        ],
    };
}
