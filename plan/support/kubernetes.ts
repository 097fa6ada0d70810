/**
 * What Kubernetes (the `staging` stack) builds of a spec, in one place: its column of every feature
 * whose support differs between platforms (composed into `FEATURES` by plan/support.ts: printed as
 * approximations, refused where unsupported, held to the plan by the parity test), how it renders a
 * service plan, and what it does with each spec field — its column of docs/spec-reference.md
 * (`npm run docs:spec`), checked against the features by test/standards/spec-reference.test.ts.
 */
import { analysisText, replacementBatch, rollingSteps } from "./rollout-text";
import { approximated, ignored, type PlatformKnowledge, type RolloutIntent, type RolloutSchedule } from "./types";

/** Kubernetes's support, rendering and spec-field notes. */
export const kubernetes: PlatformKnowledge = {
    title: "Kubernetes",
    features: {
        tracing: { level: "full", how: "OTLP/HTTP to the OpenTelemetry Collector gateway in monitoring, on to Tempo" },
        autoscaling: { level: "full", how: "HorizontalPodAutoscaler (CPU/memory) or a KEDA ScaledObject (requests) over the range" },
        "scale-to-zero": { level: "approximated", how: "keeps one replica (HPA minReplicas is at least 1)" },
        "read-replicas": {
            level: "approximated",
            how: "PostgreSQL: CloudNativePG replicas behind <db>-ro; MySQL and MongoDB run one instance (their replicas need an operator)",
        },
        "cache-cluster": { level: "approximated", how: "one Redis node (a sharded cluster needs an operator's bootstrap)" },
        "bucket-tiers": { level: "approximated", how: "SeaweedFS keeps every object in one tier; expireAfterDays still applies" },
        cdn: { level: "approximated", how: "no CDN: the Gateway serves every request itself" },
        waf: { level: "full", how: "Coraza with the OWASP Core Rule Set in Envoy Gateway, blocking" },
        "egress-ports": { level: "full", how: "NetworkPolicy egress to the internet on the listed ports only" },
        "point-in-time": {
            level: "approximated",
            how: "PostgreSQL: continuous WAL archiving (CloudNativePG); MySQL and MongoDB: scheduled dumps only",
        },
        "cross-region": { level: "approximated", how: "backups go to tierform:s3Endpoint (off the cluster when set); no second region" },
        "datastore-tls": {
            level: "approximated",
            how: "PostgreSQL is encrypted and verified against CloudNativePG's CA (its <db>-ca Secret's ca.crt mounted into the pods); MySQL, MongoDB and Redis in plain text",
        },
        "image-build": { level: "approximated", how: "deploys `image` from its registry: build and push it first" },
        "entrypoint-with-credentials": { level: "full", how: "container args (the image's ENTRYPOINT stays); credentials by secretKeyRef" },
        "traffic-shifting": {
            level: "approximated",
            how: "Argo Rollouts runs a routed service's canary (HTTPRoute weights) or blue-green (preview and active Services); the analysis sees each route's stable and canary traffic together, and the preview is reached in the cluster only unless rollout.preview opens it at the edge (by header, to listed client ranges)",
        },
        "storage-size": { level: "full", how: "PersistentVolumeClaim requests of that size" },
        "backup-archive": { level: "approximated", how: "no weekly or monthly copies: dumps are kept retentionDays" },
        "queue-semantics": {
            level: "approximated",
            how: "a RabbitMQ broker: fifo, visibilityTimeoutSeconds, maxReceiveCount and retentionDays are not enforced by it",
        },
        alerting: { level: "full", how: "PrometheusRules (needs the prometheus-operator CRDs)" },
        "recovery-time": { level: "approximated", how: "informational: nothing is sized from it (the plan checks the RPO only)" },
        "body-size-limit": { level: "full", how: "Envoy Gateway's request buffer limit" },
        "private-routes": { level: "full", how: "an HTTPRoute of its own with a SecurityPolicy allowing only these client addresses" },
        "egress-closed": { level: "full", how: "NetworkPolicies admit only the service's own datastores" },
        "cache-persistence": { level: "full", how: "redis.conf appendonly or save snapshots on a volume claim" },
        "cache-memory": { level: "full", how: "Redis maxmemory" },
        "database-parameters": {
            level: "approximated",
            how: "CloudNativePG postgresql.parameters or a MySQL conf.d file; MongoDB's parameters are ignored",
        },
        "request-timeout": {
            level: "full",
            how: "Envoy Gateway BackendTrafficPolicy timeout.http.requestTimeout on the service's HTTPRoutes",
        },
        retries: {
            level: "full",
            how: "Envoy Gateway BackendTrafficPolicy retry (numRetries, retryOn triggers) with circuitBreaker.retryBudget",
        },
        "outlier-detection": {
            level: "full",
            how: "Envoy Gateway BackendTrafficPolicy healthCheck.passive (consecutive 5xx and connection failures, baseEjectionTime, maxEjectionPercent)",
        },
        "circuit-breaking": {
            level: "full",
            how: "Envoy Gateway BackendTrafficPolicy circuitBreaker (maxParallelRequests, maxPendingRequests, maxConnections) of the edge's one Envoy proxy",
        },
        "service-rate-limit": {
            level: "full",
            how: "a second global rate-limit rule per distinct client address in the service's BackendTrafficPolicy",
        },
    },
    rendering: {
        minAtLeastOne: true,
        autoscales: true,
        separateReadiness: true,
        processCheckFallback: true,
        bucketVariables: {
            plain: ["S3_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_REGION"],
            secret: ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"],
        },
        privateRoutes: "public-edge-allow-list",
        traffic: {
            timeout: "request",
            retries: "conditions",
            retryBudget: true,
            outlierDetection: "thresholds",
            circuitBreaker: true,
            rateLimit: "per-route",
        },
    },
    telemetry: {
        // The OpenTelemetry Collector (gateway) in the monitoring namespace: components/kubernetes/observability.ts.
        otlpEndpoint: "http://otel-collector.monitoring.svc.cluster.local:4318",
        unrendered: {
            ErrorLogs:
                "the services' logs are in Loki, and a PrometheusRule cannot count log lines (that is a Loki ruler rule in LogQL, which the program does not configure): the dashboard's Logs panel shows them",
        },
    },
    fields: {
        "observability.logRetentionDays":
            "Loki's `limits_config.retention_period` (the compactor deletes older chunks) for the system's namespace.",
        "traces.enabled":
            "`OTEL_TRACES_EXPORTER=otlp` (false: `OTEL_SDK_DISABLED=true`) for every service; spans reach Tempo through the OpenTelemetry Collector.",
        "traces.sampleRatio": "`OTEL_TRACES_SAMPLER_ARG` with `OTEL_TRACES_SAMPLER=parentbased_traceidratio` for every service.",
        "egress.internet": "A NetworkPolicy egress rule to 0.0.0.0/0 except private, link-local and cluster ranges, on `ports` only.",
        "egress.ports": "The ports of the NetworkPolicy's internet egress rule.",
        "mount.path": "The share's ReadWriteMany claim mounted at the path.",
        "mount.share": "The share's ReadWriteMany claim `share-<share>` of `tierform:sharedStorageClass`.",
        "mount.subPath": "The volume mount's `subPath` inside the one claim.",
        "probe.path": "An `httpGet` liveness or readiness probe on the `http` port with the canonical Host header.",
        "probe.initialDelaySeconds": "The probe's `initialDelaySeconds`.",
        "probe.periodSeconds": "The probe's `periodSeconds`.",
        "probe.timeoutSeconds": "The probe's `timeoutSeconds`.",
        "probe.failureThreshold": "The probe's `failureThreshold`.",
        "service.image": "The container image of the Deployment (StatefulSet for a scheduler).",
        "service.build": ignored("the cluster pulls `image`, so build and push it yourself."),
        "service.kind":
            "web: a Deployment and a ClusterIP Service; worker: a Deployment; scheduler: a one-replica StatefulSet (never two pods at once).",
        "service.description": ignored("documentation only."),
        "service.port": "The container port `http` and the ClusterIP Service's port.",
        "service.command": "The container's `args`: replaces the image's CMD, its ENTRYPOINT still runs first (as on AWS).",
        "service.replicas": approximated(
            "`min` replicas, with a HorizontalPodAutoscaler (or KEDA ScaledObject) from max(1, `min`) to `max` when `max` > `min`; a scheduler is always one.",
        ),
        "service.autoscaling":
            "An autoscaling/v2 HPA on the CPU and memory targets given (CPU 70 % only when no target is given); with `requestsPerMinute`, a KEDA ScaledObject with a Prometheus trigger on the edge's request rate plus the CPU and memory targets given. A request target alone scales on requests alone, as on AWS. The loader refuses `requestsPerMinute` on a service no edge route reaches.",
        "service.health":
            "The HTTP probes as liveness and readiness probes (web services); `command` as an exec liveness and readiness probe; a worker or scheduler with neither gets a check that its PID 1 is alive.",
        "service.healthTool":
            "Not needed: the kubelet's own HTTP probe sends the request, with the Host header, and needs no tool in the image.",
        "service.resources": "Requests equal to limits.",
        "service.uses":
            "The variables by `secretKeyRef` to the service's `<service>-connections` Secret; NetworkPolicies admit exactly these flows.",
        "service.clients": approximated(
            "PostgreSQL encrypted and verified against CloudNativePG's CA, projected from its `<db>-ca` Secret into the pods at /etc/tierform/ca/<db>/ca.crt (`<NAME>_CA_FILE`), each URL naming its own cluster's CA; the other datastores in plain text.",
        ),
        "service.env": "Plain `env` values of the container.",
        "service.secrets": "In the system's `app-secrets` Secret, by `secretKeyRef`.",
        "rollout.strategy": approximated(
            "A routed service's canary or blueGreen runs as an Argo Rollouts `Rollout` (workloadRef to the Deployment; HTTPRoute weights through the Gateway API plugin for a canary, the active/preview Services for a blue-green); an unrouted one rolls as a RollingUpdate surge (no traffic to shift).",
        ),
        "rollout.maxSurge": "The Deployment's `rollingUpdate.maxSurge` (rolling only).",
        "rollout.maxUnavailable": "The Deployment's `rollingUpdate.maxUnavailable` (rolling only).",
        "rollout.canarySteps": "`setWeight` steps of the Rollout, each followed by a 5-minute `pause`.",
        "canaryStep.weight": "A `setWeight` step: the Gateway API plugin sets the HTTPRoutes' canary backend to that weight.",
        "canaryStep.pause": "A `pause` step of that duration, the background analysis running.",
        "rolloutHook.command":
            "A Job (an AnalysisTemplate with the `job` provider) in the service's image and environment plus `PREVIEW_URL`, the preview Service; the NetworkPolicy lets it reach the service's port.",
        "rollout.bake": "The Rollout's `scaleDownDelaySeconds`: the old pods stay while the post-promotion analysis runs.",
        "rolloutPreview.allowCidrs":
            "An HTTPRoute `edge-<service>-preview` on the service's own paths for requests with the header `x-tierform-preview: 1`, to the preview Service, and a SecurityPolicy that denies every other client address; its allow-listed paths in `edge-<service>-preview-restricted`, to the addresses in both lists.",
        "rollout.onFailure":
            "Argo Rollouts aborts: all traffic back to the stable pods (canary weight 0, or the active Service back to the old pods), the new ones scaled down.",
        "rolloutAnalysis.errorRatePercent": approximated(
            "An AnalysisTemplate metric on Envoy's 5xx share of the service's HTTPRoute rules (Prometheus); the rule's stable and canary requests are counted together.",
        ),
        "rolloutAnalysis.latencyMs": approximated("The same, on Envoy's `upstream_rq_time` histogram at the percentile."),
        "rolloutAnalysis.latencyPercentile": "The `histogram_quantile` of the latency metric.",
        "rolloutAnalysis.interval": "Each metric's `interval`, and the rate window (at least 60 s).",
        "rolloutAnalysis.failuresToAbort": "Each metric's `failureLimit` (one less: Argo fails the run when failures exceed it).",
        "rolloutAnalysis.query":
            "A third metric with the `prometheus` query (`{{service}}`, `{{namespace}}` replaced); `cloudwatch` is AWS's.",
        "service.migrate":
            "A Job named by a hash of image and command (so each version migrates once), which the Deployment and the workloads of the other services on the same database wait for.",
        "service.writablePaths": "An emptyDir per path (1 GiB limit).",
        "service.runAsUser": "The pod's `runAsUser` and `runAsGroup`, with `runAsNonRoot`.",
        "backup.schedule":
            "A backup CronJob running the same dump; for PostgreSQL also a CloudNativePG ScheduledBackup (base backup to object storage).",
        "backup.incrementalSchedule": "A second CronJob, with its own backups volume: a full dump labelled `incremental`.",
        "backup.retentionDays": "Dumps older than this are pruned; CloudNativePG's retention policy for base backups and WAL.",
        "backup.pointInTime": approximated(
            "CloudNativePG archives PostgreSQL WAL continuously whatever it says; MySQL and MongoDB have dumps only, as on Docker.",
        ),
        "backup.archive": ignored("no archival copies."),
        "database.engine": "postgres: a CloudNativePG `Cluster`; mysql and mongodb: a one-replica StatefulSet of the official image.",
        "database.version": "Selects the CloudNativePG operand image (postgres) or the pinned image.",
        "database.databaseName": "CloudNativePG's `bootstrap.initdb` database; the image's first start for mysql and mongodb.",
        "database.username": "The CloudNativePG app user (basic-auth Secret); the image's first start for mysql and mongodb.",
        "database.storageGb": "The size of the PersistentVolumeClaim (CloudNativePG storage) in `tierform:storageClass`.",
        "database.readReplicas": approximated(
            "postgres: CloudNativePG instances (1 + readReplicas, a `-ro` Service, automatic failover, a PodDisruptionBudget); mysql and mongodb: ignored, one replica.",
        ),
        "database.parameters": approximated(
            "CloudNativePG `postgresql.parameters` or a MySQL `conf.d` file; memory settings raise the pod's memory. Ignored for mongodb.",
        ),
        "cache.engine": "A one-replica StatefulSet of the official Redis image.",
        "cache.version": "Selects the pinned image.",
        "cache.persistence": "The same `appendonly` and `save` settings; `none` gets no volume claim. The same eviction rule.",
        "cache.cluster": ignored("one Redis node (a Redis Cluster needs an operator)."),
        "cache.shards": ignored(),
        "cache.maxMemoryMb": "Redis `maxmemory`.",
        "queue.fifo": ignored("a RabbitMQ broker, where the application declares its queues."),
        "queue.visibilityTimeoutSeconds": ignored("the application sets it on its queues."),
        "queue.maxReceiveCount": ignored("the application sets it on its queues."),
        "queue.retentionDays": ignored("the application sets it on its queues."),
        "bucket.purpose": "A `backups` bucket also receives the databases' WAL archive, base backups and off-site dumps.",
        "bucket.versioned":
            "S3 versioning on the SeaweedFS bucket (set by the bucket Job; with `tierform:s3Endpoint` the bucket is yours to configure).",
        "bucket.lifecycle": ignored("the object store has one tier."),
        "bucket.expireAfterDays": "An S3 lifecycle expiry rule, enforced by SeaweedFS's lifecycle worker.",
        "fileShare.sizeGb": "The ReadWriteMany claim's requested size (`tierform:sharedStorageClass`).",
        "route.path": "A PathPrefix rule of the service's HTTPRoute.",
        "route.service": "The HTTPRoute's backend, the service's ClusterIP Service.",
        "route.allowCidrs": "An HTTPRoute of its own with a SecurityPolicy allowing only these client addresses.",
        "edge.domain": "The HTTPS listener's host name and the cert-manager certificate's name; required while `tls` is on.",
        "edge.tls": "An HTTPS listener with a cert-manager certificate (self-signed issuer), TLS 1.2 or newer; HTTP redirects.",
        "edge.cdn": ignored("a CDN in front of the cluster is outside the program."),
        "edge.waf": "Coraza with the OWASP Core Rule Set as an Envoy Wasm extension, blocking (`SecRuleEngine On`).",
        "edge.securityHeaders": "A ResponseHeaderModifier filter on every route rule.",
        "edge.hstsMaxAgeSeconds": "A Strict-Transport-Security response header while `tls` is on.",
        "edge.rateLimitPerMinute": "An Envoy Gateway global rate limit per distinct client address, counted in the rate-limit Redis.",
        "edge.maxBodyMb": "The BackendTrafficPolicy's `requestBuffer.limit`.",
        "recovery.rpoMinutes": "An annotation on the backup CronJobs and the CloudNativePG cluster.",
        "recovery.rtoHours": ignored("nothing is sized from it (the plan checks the RPO only)."),
        "recovery.crossRegion": approximated("Backups go to `tierform:s3Endpoint` (off the cluster when set); no second region."),
        "monitoring.errorRatePercent": "The PrometheusRule's HighErrorRate and HighErrorRatio alerts (with `tierform:monitoringCrds`).",
        "monitoring.p99LatencyMs": "The PrometheusRule's HighLatencyP99 alert.",
        "monitoring.slowQueryCommitsPerSecond": "The PrometheusRule's DatabaseSlowQueries alert per PostgreSQL database.",
        "systemSpec.name": "The namespace (unless `tierform:namespace`) and the prefix of bucket names.",
        "systemSpec.description": ignored("documentation only."),
        "traffic.timeoutSeconds": "The service's BackendTrafficPolicy (on its HTTPRoutes) `timeout.http.requestTimeout`.",
        "traffic.maxConcurrentRequests":
            "The BackendTrafficPolicy's `circuitBreaker` `maxParallelRequests`, `maxPendingRequests` and `maxConnections`.",
        "traffic.rateLimitPerMinute": "A second global rule of the BackendTrafficPolicy, per distinct client address, beside the edge's.",
        "retries.attempts": "The BackendTrafficPolicy's `retry.numRetries`.",
        "retries.on": "The BackendTrafficPolicy's `retry.retryOn.triggers` (Envoy's triggers of the same names).",
        "retries.budgetPercent": "The BackendTrafficPolicy's `circuitBreaker.retryBudget` (percent, at least 3 retries).",
        "outlierDetection.consecutiveFailures":
            "The BackendTrafficPolicy's `healthCheck.passive` `consecutive5XxErrors` and `consecutiveLocalOriginFailures`.",
        "outlierDetection.ejectSeconds": "The passive health check's `baseEjectionTime`.",
        "outlierDetection.maxEjectedPercent": "The passive health check's `maxEjectionPercent`.",
    },
    rolloutSchedule: argoSchedule,
};

/**
 * The schedule Argo Rollouts runs (components/kubernetes/rollout.ts): a canary's setWeight/pause
 * steps under a background analysis, or a blue-green's preview, pre-promotion checks, switch and
 * bake; a rolling update (or a canary or blue-green of an unrouted service) as a RollingUpdate.
 */
function argoSchedule(intent: RolloutIntent): RolloutSchedule {
    const migrate = intent.migration
        ? [{ what: "migrate (a Job, before the new pods start)", weight: 0, holdSeconds: 0, gate: "exit 0" }]
        : [];
    if (!intent.routed || intent.strategy === "rolling") {
        const batch = replacementBatch(intent);
        return {
            runner: "a Deployment rolling update",
            steps: rollingSteps(intent, "readiness probes", batch),
            onFailure: "the rollout stops with the old pods serving; nothing shifts back",
            approximations:
                intent.strategy === "rolling"
                    ? []
                    : [
                          `${intent.strategy} rolls with a ${batch.maxSurge} surge: the edge does not route the service, so there is no traffic to shift`,
                      ],
        };
    }
    const gate = analysisText(intent);
    if (intent.strategy === "canary") {
        const first = intent.steps[0].weight;
        const caught = intent.analysis ? Math.min(100, Math.round((intent.analysis.errorRatePercent / first) * 1000) / 10) : undefined;
        return {
            runner: "Argo Rollouts canary, HTTPRoute weights through the Gateway API plugin",
            argo: { traffic: "httpRouteWeights", metrics: "envoyPrometheus" },
            steps: [
                ...migrate,
                ...intent.steps.map((s) => ({
                    what: s.weight === 100 ? "promote: all traffic, the old pods scaled down" : "canary",
                    weight: s.weight,
                    holdSeconds: s.pauseSeconds,
                    gate: s.weight === 100 ? "readiness probes" : `readiness probes and the analysis: ${gate}`,
                })),
            ],
            onFailure: "abort: all traffic back to the stable pods, the canary scaled down",
            approximations: caught
                ? [
                      `each step is judged on the route's whole traffic (Envoy Gateway counts a rule's backends as one cluster): at ${first} % a canary is caught once more than ${caught} % of its own requests fail`,
                  ]
                : [],
        };
    }
    const checks = (hooks: { name: string }[]) => (hooks.length > 0 ? ` and ${hooks.map((h) => h.name).join(", ")} exit 0` : "");
    const p = intent.preview;
    const preview =
        p && (p.paths.length > 0 || p.restricted)
            ? {
                  ...PREVIEW_HEADER,
                  allowCidrs: [...p.allowCidrs],
                  paths: [...p.paths],
                  ...(p.restricted ? { restricted: { paths: [...p.restricted.paths], allowCidrs: [...p.restricted.allowCidrs] } } : {}),
              }
            : undefined;
    return {
        runner: "Argo Rollouts blue-green, the active and preview Services",
        argo: { traffic: "httpRouteWeights", metrics: "envoyPrometheus", ...(preview ? { preview } : {}) },
        steps: [
            ...migrate,
            {
                what: preview
                    ? `preview: the new pods beside the old, through the preview Service and the edge (header ${PREVIEW_HEADER.header}: ${PREVIEW_HEADER.value}, from ${preview.allowCidrs.join(", ")})`
                    : "preview: the new pods beside the old, through the preview Service",
                weight: 0,
                holdSeconds: 0,
                gate: `readiness probes${checks(intent.prePromotion)}`,
            },
            {
                what: "switch: the active Service to the new pods, the old kept",
                weight: 100,
                holdSeconds: intent.bakeSeconds,
                gate: `the analysis: ${gate}${checks(intent.postPromotion)}`,
            },
        ],
        onFailure: "abort: the active Service back to the old pods (kept for the bake)",
        approximations: [previewApproximation(intent, preview !== undefined)],
    };
}

/**
 * The request header that selects a blue-green's preview at the edge (components/kubernetes/preview.ts): a header on the
 * service's own routes, not a hostname of its own, because it needs no DNS record and no certificate name (a route whose
 * hostname no listener of the Gateway covers is not attached: Gateway API `HTTPRoute.spec.hostnames`), and it works on an
 * edge without a domain too.
 */
export const PREVIEW_HEADER = { header: "x-tierform-preview", value: "1" } as const;

/** Where a blue-green's preview is reached: through the edge (`atEdge`, with `rollout.preview`) or in the cluster only. */
export function previewApproximation(intent: RolloutIntent, atEdge: boolean): string {
    const p = intent.preview;
    if (atEdge && p) {
        const where = [
            ...(p.paths.length > 0 ? [`on ${p.paths.join(", ")} from rollout.preview.allowCidrs`] : []),
            ...(p.restricted
                ? [`on the allow-listed ${p.restricted.paths.join(", ")} only from ${p.restricted.allowCidrs.join(", ")} (in both lists)`]
                : []),
        ];
        return `the preview is reached through the edge with the header ${PREVIEW_HEADER.header}: ${PREVIEW_HEADER.value}, ${where.join(", and ")}; other clients sending it get 403, and an allow-listed route is previewed only to addresses in both lists`;
    }
    if (p && p.paths.length === 0 && !p.restricted)
        return "the preview is reached in the cluster only (the preview Service): rollout.preview opens nothing, every route of the service has its own allowCidrs and none of its ranges is in both lists";
    return p
        ? "the preview is reached in the cluster only (the preview Service), not through the edge: rollout.preview is not used here"
        : "the preview is reached in the cluster only (the preview Service), not through the edge (rollout.preview.allowCidrs opens it at the edge, by header)";
}
