/**
 * What Docker (the `dev` stack) builds of a spec, in one place: its column of every feature
 * whose support differs between platforms (composed into `FEATURES` by plan/support.ts: printed as
 * approximations, refused where unsupported, held to the plan by the parity test), how it renders a
 * service plan, and what it does with each spec field — its column of docs/spec-reference.md
 * (`npm run docs:spec`), checked against the features by test/standards/spec-reference.test.ts.
 */
import { ALERT_IDS } from "../alerts";
import { formatSeconds, rollingSteps } from "./rollout-text";
import { approximated, ignored, type PlatformKnowledge, type RolloutIntent, type RolloutSchedule } from "./types";

/** Docker's support, rendering and spec-field notes. */
export const docker: PlatformKnowledge = {
    title: "Docker",
    features: {
        tracing: {
            level: "full",
            how: "the OpenTelemetry Collector container of the observability profile (tierform:observability); without it the SDKs are disabled",
        },
        autoscaling: {
            level: "approximated",
            how: "runs replicas.min containers (at least one) and never scales; no autoscaler on a single Docker engine",
        },
        "scale-to-zero": { level: "approximated", how: "runs one container" },
        "read-replicas": { level: "approximated", how: "the primary alone serves reads (dev)" },
        "cache-cluster": { level: "approximated", how: "one Redis node" },
        "bucket-tiers": { level: "approximated", how: "SeaweedFS keeps every object in one tier; expireAfterDays still applies" },
        cdn: { level: "approximated", how: "no CDN: the edge serves every request itself" },
        waf: { level: "approximated", how: "no firewall rules: nginx rate limits and body size only (dev)" },
        "egress-ports": {
            level: "approximated",
            how: "the service joins an egress network; Docker cannot filter outbound ports, so every port is open",
        },
        "point-in-time": { level: "approximated", how: "scheduled dumps only (dev)" },
        "cross-region": { level: "approximated", how: "one engine, one place: backups stay on the local volume" },
        "datastore-tls": {
            level: "approximated",
            how: "databases and caches are reached in plain text on the private data network (dev): no TLS, no server verification",
        },
        "image-build": { level: "full", how: "docker build of the context, tagged `image`" },
        "entrypoint-with-credentials": {
            level: "approximated",
            how: "credentials arrive as a file read by tierform's with-secrets wrapper, which then runs the command: the image's ENTRYPOINT is skipped",
        },
        "traffic-shifting": { level: "approximated", how: "containers are replaced one by one by Pulumi; no traffic split" },
        "storage-size": { level: "approximated", how: "named volumes grow until the host's disk is full" },
        "backup-archive": { level: "approximated", how: "no weekly or monthly copies: dumps are kept retentionDays" },
        "queue-semantics": {
            level: "approximated",
            how: "a RabbitMQ broker: fifo, visibilityTimeoutSeconds, maxReceiveCount and retentionDays are not enforced by it",
        },
        alerting: { level: "approximated", how: "no alerts on dev: health checks and logs only" },
        "recovery-time": { level: "approximated", how: "informational: nothing is sized from it (the plan checks the RPO only)" },
        "body-size-limit": { level: "full", how: "nginx client_max_body_size" },
        "private-routes": { level: "full", how: "nginx allow lines and deny all at the edge" },
        "egress-closed": { level: "full", how: "the service's containers sit on internal networks only" },
        "cache-persistence": { level: "full", how: "redis.conf appendonly or save snapshots" },
        "cache-memory": { level: "full", how: "Redis maxmemory" },
        "database-parameters": { level: "full", how: "server flags on the database container" },
        "request-timeout": {
            level: "approximated",
            how: "nginx proxy_read_timeout (the longest wait between two reads from the replica, not a deadline for the whole request) and proxy_next_upstream_timeout (the window retries must start in), both timeoutSeconds",
        },
        retries: {
            level: "approximated",
            how: "nginx proxy_next_upstream (connect-failure and reset: `error`; gateway-error: http_502, http_503, http_504; 5xx: also http_500, not 501 or 505 and above) with proxy_next_upstream_tries; a request already sent is retried only if idempotent (not POST, PATCH); no budget across requests",
        },
        "outlier-detection": {
            level: "approximated",
            how: "a failed request moves on to the next replica, but none is ejected: the edge resolves the service's name per request through Docker's DNS, and nginx keeps no failure state (max_fails) for such names",
        },
        "circuit-breaking": { level: "full", how: "nginx limit_conn on a zone per service: requests in flight above the limit get 503" },
        "service-rate-limit": { level: "full", how: "nginx limit_req on a zone per service and client address" },
    },
    rendering: {
        minAtLeastOne: true,
        autoscales: false,
        separateReadiness: false,
        processCheckFallback: false,
        bucketVariables: {
            plain: ["S3_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_REGION"],
            secret: ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"],
        },
        privateRoutes: "public-edge-allow-list",
        traffic: {
            timeout: "read-and-retry-window",
            retries: "conditions",
            retryBudget: false,
            outlierDetection: "next-replica",
            circuitBreaker: true,
            rateLimit: "per-route",
        },
    },
    telemetry: {
        // The collector container of the observability profile (tierform:observability), by its alias on the telemetry network.
        otlpEndpoint: "http://otel-collector:4318",
        unrendered: Object.fromEntries(
            ALERT_IDS.map((id) => [id, "the dev stack evaluates no alerts (feature alerting): its dashboards show the signals"]),
        ),
    },
    fields: {
        "observability.logRetentionDays":
            "Loki's `retention_period` in the observability profile (`tierform:observability`); without it the containers' json-file logs rotate by size.",
        "traces.enabled":
            "`OTEL_TRACES_EXPORTER=otlp` (false: `OTEL_SDK_DISABLED=true`) for every service with the observability profile (`tierform:observability`); without it `OTEL_SDK_DISABLED=true`.",
        "traces.sampleRatio":
            "`OTEL_TRACES_SAMPLER_ARG` with `OTEL_TRACES_SAMPLER=parentbased_traceidratio`, with the observability profile.",
        "egress.internet":
            "The service's containers join the system's non-internal `egress` network; without it they sit on internal networks only.",
        "egress.ports": approximated(
            "Plain Docker cannot restrict outbound ports, so an opted-in service reaches any port (label `tierform.egress` says so).",
        ),
        "mount.path": "The share's named volume (one per share and sub-path) mounted read-write at the path.",
        "mount.share":
            "The share's volume, handed to the service's `runAsUser` by a one-shot ownership step; every service mounting one share must run as the same user (refused otherwise).",
        "mount.subPath":
            "A volume of its own per sub-path (Docker 20.10 volumes have no sub-paths), so two services see the same files only through the same `share` and `subPath`.",
        "probe.path":
            "The container's one health check probes the liveness path, else the readiness path, from inside the container by the service's `healthTool`, with the system's canonical Host.",
        "probe.initialDelaySeconds": "The health check's `startPeriod`.",
        "probe.periodSeconds": "The health check's `interval`.",
        "probe.timeoutSeconds": "The probe command's own timeout; the health check's `timeout` is one second more.",
        "probe.failureThreshold": "The health check's `retries`.",
        "service.image": "Pulled by its pinned reference, or the tag given to the image built from `build`.",
        "service.build": "Built by the Docker provider on `pulumi up` (not on preview), never pushed.",
        "service.kind": "A scheduler is exactly one container; web services answer on the app network under their name, for the edge.",
        "service.description": ignored("documentation only."),
        "service.port": "The port the edge proxies to on the app network; never published on the host.",
        "service.command": approximated(
            "With credentials (`uses` or `secrets`) the command is required: the with-secrets wrapper takes the ENTRYPOINT's place and execs this argv; without credentials it replaces the image's CMD.",
        ),
        "service.replicas": approximated(
            "`min` containers (at least one; a scheduler exactly one); `max` is ignored, Docker does not autoscale.",
        ),
        "service.autoscaling": ignored("Docker does not autoscale; the service runs `replicas.min` containers."),
        "service.health":
            "One check per container: the liveness probe (web services) or `command`, else none (Docker still restarts a container that exits).",
        "service.healthTool":
            "The container's HEALTHCHECK runs the tool (CMD form, no shell); `provided` copies busybox from the pinned busybox image into a `health-tools` volume once per system; `none` leaves the container without a health check (Docker still restarts it when it exits).",
        "service.resources": "The container's CPU and memory limits.",
        "service.uses":
            "The connection strings in the container's secrets file; the container joins the data network and starts once those datastores are healthy (and the bucket setup has run, with keys limited to its buckets).",
        "service.clients": approximated(
            "Plain text on the private data network: PostgreSQL URLs say `sslmode=disable` (`ssl=disable`), which node-postgres needs to connect without TLS; the others carry no TLS parameters.",
        ),
        "service.env":
            "The container's environment (visible in `docker inspect`); a name the platform also sets (e.g. S3_ENDPOINT_URL) takes the spec's value.",
        "service.secrets": "In the container's secrets file (mode 0400), exported by the with-secrets wrapper: never in `docker inspect`.",
        "rollout.strategy": ignored("Docker re-creates the containers on an update, there is no rolling controller."),
        "rollout.maxSurge": ignored("see `strategy`."),
        "rollout.maxUnavailable": ignored("see `strategy`."),
        "rollout.canarySteps": ignored("see `strategy`."),
        "canaryStep.weight": ignored("see `rollout.strategy`."),
        "canaryStep.pause": ignored("see `rollout.strategy`."),
        "rolloutHook.command": ignored("see `rollout.strategy`."),
        "rollout.bake": ignored("see `strategy`."),
        "rolloutPreview.allowCidrs": ignored("the edge sends nothing to the new set before the switch."),
        "rollout.onFailure": ignored("see `strategy`: a failed update leaves what Pulumi created."),
        "rolloutAnalysis.errorRatePercent": ignored("see `rollout.strategy`."),
        "rolloutAnalysis.latencyMs": ignored("see `rollout.strategy`."),
        "rolloutAnalysis.latencyPercentile": ignored("see `rollout.strategy`."),
        "rolloutAnalysis.interval": ignored("see `rollout.strategy`."),
        "rolloutAnalysis.failuresToAbort": ignored("see `rollout.strategy`."),
        "rolloutAnalysis.query": ignored("see `rollout.strategy`."),
        "service.migrate":
            "A one-shot container with the replicas' environment and credentials, run before the replicas (re)start; a non-zero exit fails `pulumi up`; the other services' containers on the same database wait for its exit 0 (label `tierform.after.migrate-<service>`).",
        "service.writablePaths":
            "A tmpfs per path, owned by `runAsUser` (over a directory the image has, the tmpfs takes that directory's mode: a root-owned 0755 `/run` is writable because the uid owns it).",
        "service.runAsUser": "The container's `user` (uid:gid); a file share's volume is owned by it.",
        "backup.schedule":
            "The backup container's schedule loop runs a logical dump (pg_dump, mysqldump, mongodump) at these times into its backups volume.",
        "backup.incrementalSchedule":
            "A second schedule in the loop: a full dump labelled `incremental` (logical dumps have no incremental mode).",
        "backup.retentionDays": "Dumps older than this are pruned from the backups volume.",
        "backup.pointInTime": ignored(
            "dumps only, so data since the last dump is lost (for PostgreSQL the loader's RPO check accepts `pointInTime: true` in place of frequent dumps, which Docker does not honour).",
        ),
        "backup.archive": ignored("no archival copies."),
        "database.engine": "The engine's official image, pinned per version (`components/shared/images.ts`).",
        "database.version": "Selects the pinned image.",
        "database.databaseName": "Created by the image's first start only (POSTGRES_DB, MYSQL_DATABASE, MONGO_INITDB_DATABASE).",
        "database.username": "Created by the image's first start only, with a generated password handed over as a file.",
        "database.storageGb": ignored("the data volume grows on the host's disk."),
        "database.readReplicas": ignored("one server container."),
        "database.parameters": "Server flags (`-c key=value`, `--key=value`); memory settings also raise the container's memory limit.",
        "cache.engine": "The official Redis image.",
        "cache.version": "Selects the pinned image.",
        "cache.persistence":
            "redis.conf `appendonly yes` (aof) or `save` snapshots (rdb). On every platform a full cache follows one rule (plan/service.ts `evictionPolicy`): `none` evicts only keys with a TTL (`volatile-lru`), aof and rdb refuse writes (`noeviction`).",
        "cache.cluster": ignored("one Redis node."),
        "cache.shards": ignored(),
        "cache.maxMemoryMb": "Redis `maxmemory`.",
        "queue.fifo": ignored("a RabbitMQ broker, where the application declares its queues."),
        "queue.visibilityTimeoutSeconds": approximated("Recorded as a label only; the application sets it on its queues."),
        "queue.maxReceiveCount": approximated("Recorded as a label only; the application sets it on its queues."),
        "queue.retentionDays": approximated("Recorded as a label only; the application sets it on its queues."),
        "bucket.purpose": ignored("every bucket is the same in the local object store."),
        "bucket.versioned": "S3 versioning on the SeaweedFS bucket.",
        "bucket.lifecycle": ignored("the local store has one tier."),
        "bucket.expireAfterDays": "An S3 lifecycle expiry rule, enforced by SeaweedFS's lifecycle worker.",
        "fileShare.sizeGb": ignored("volumes grow on the host's disk."),
        "route.path": "An nginx `location`, longest prefix first.",
        "route.service": "The upstream: every replica answering to the service's name on the app network.",
        "route.allowCidrs": "nginx `allow` lines and `deny all`.",
        "edge.domain": "The nginx server name and the self-signed certificate's name; the Host every health check presents.",
        "edge.tls": "A self-signed certificate; HTTP answers 301 to HTTPS.",
        "edge.cdn": ignored("no CDN on a local stack."),
        "edge.waf": ignored("nginx has no WAF here."),
        "edge.securityHeaders": "nginx `add_header ... always`.",
        "edge.hstsMaxAgeSeconds": "nginx's Strict-Transport-Security header (includeSubDomains) on HTTPS responses.",
        "edge.rateLimitPerMinute": "nginx `limit_req` per client address, with a burst of a tenth.",
        "edge.maxBodyMb": "nginx `client_max_body_size`.",
        "recovery.rpoMinutes":
            "A label on the backup container; backups further apart than this are refused when the spec is loaded (unless `pointInTime` on PostgreSQL).",
        "recovery.rtoHours": ignored("nothing is sized from it (the plan checks the RPO only)."),
        "recovery.crossRegion": ignored("one host."),
        "monitoring.errorRatePercent": ignored("no alerting on dev."),
        "monitoring.p99LatencyMs": ignored("no alerting on dev."),
        "monitoring.slowQueryCommitsPerSecond": ignored("no alerting on dev."),
        "systemSpec.name": "Prefix of container, network and volume names (`<name>-<part>`).",
        "systemSpec.description": ignored("documentation only."),
        "traffic.timeoutSeconds": approximated(
            "nginx `proxy_read_timeout` (the longest wait between two reads from a replica) and `proxy_next_upstream_timeout` (the window retries must start in) in the service's locations.",
        ),
        "traffic.maxConcurrentRequests":
            "nginx `limit_conn` on the service's own zone in its locations: requests in flight above it get 503.",
        "traffic.rateLimitPerMinute":
            "nginx `limit_req` on the service's own zone (per client address) in its locations, beside the edge's.",
        "retries.attempts": "nginx `proxy_next_upstream_tries` (attempts + 1).",
        "retries.on": approximated(
            "nginx `proxy_next_upstream`: connect-failure and reset are `error`, gateway-error `http_502 http_503 http_504`, 5xx also `http_500`; a request already sent is retried only if idempotent.",
        ),
        "retries.budgetPercent": ignored(
            "nginx has no retry budget across requests; the tries and the timeout bound each request's retries.",
        ),
        "outlierDetection.consecutiveFailures": ignored(
            "the edge resolves service names per request (Docker's DNS), and nginx keeps no failure state for them: a failed request moves on to the next replica, none is ejected.",
        ),
        "outlierDetection.ejectSeconds": ignored(),
        "outlierDetection.maxEjectedPercent": ignored(),
    },
    rolloutSchedule: dockerSchedule,
};

/**
 * What runs a rollout on Docker (components/docker/rollout.ts): a routed blue/green or canary
 * service's new version is a new set of containers (a new colour) beside the old one, and the
 * edge's switch step moves the traffic by reloading nginx; `pulumi up` deletes the old set last.
 * Everything else re-creates the containers.
 */
function dockerSchedule(intent: RolloutIntent): RolloutSchedule {
    const onFailure =
        "`pulumi up` fails before the old set is deleted; the edge keeps the configuration it serves (no automatic switch back)";
    if (!intent.routed || intent.strategy === "rolling")
        return {
            runner: "Pulumi re-creates the containers",
            steps: rollingSteps(intent, "the container health check").map((s) =>
                s.what.startsWith("replace") ? { ...s, what: "re-create the containers, each deleted before its successor starts" } : s,
            ),
            onFailure: "`pulumi up` fails; nothing shifts back",
            approximations:
                intent.strategy === "rolling"
                    ? []
                    : [`${intent.strategy} becomes a re-creation of the containers: the edge does not route the service`],
        };
    const migrate = intent.migration ? [{ what: "migrate (one-shot container)", weight: 0, holdSeconds: 0, gate: "exit 0" }] : [];
    const start = { what: "new set beside the old one", weight: 0, holdSeconds: 0, gate: "the new containers' health checks (`wait`)" };
    const reload = "nginx -t, then the edge serves the new configuration (reload)";
    const remove = { what: "old set deleted", weight: 100, holdSeconds: 0, gate: "end of the update" };
    const common = [
        ...(intent.analysis ? ["no analysis: no controller judges the steps on Docker (health checks and nginx -t only)"] : []),
        ...(intent.prePromotion.length + intent.postPromotion.length > 0 ? ["the promotion checks are not run on Docker"] : []),
        ...(intent.preview ? ["rollout.preview is not used: the edge sends nothing to the new set before the switch"] : []),
    ];
    if (intent.strategy === "blueGreen")
        return {
            runner: "new containers beside the old ones, then an nginx reload of the edge (the edge's switch step)",
            steps: [...migrate, start, { what: "switch", weight: 100, holdSeconds: 0, gate: reload }, remove],
            onFailure,
            approximations: [
                ...(intent.bakeSeconds > 0 ? [`no bake: the old set is deleted as soon as the edge has switched`] : []),
                ...common,
            ],
        };
    return {
        runner: "new containers beside the old ones; the edge's switch step walks the weights with nginx split_clients and reloads",
        steps: [
            ...migrate,
            start,
            ...intent.steps.map((s) => ({
                what: s.weight === 100 ? "switch" : "canary",
                weight: s.weight,
                holdSeconds: s.pauseSeconds,
                gate: reload,
            })),
            remove,
        ],
        onFailure,
        approximations: [
            `each weight is held for its pause inside \`pulumi up\` (${intent.steps.map((s) => `${s.weight} %${s.pauseSeconds ? ` ${formatSeconds(s.pauseSeconds)}` : ""}`).join(" → ")}); nothing but the step advances it`,
            "the first deployment of a canary has no old set to split with: it switches at once",
            ...common,
        ],
    };
}
