/**
 * What each platform honours of the spec, declared in one table: per feature, `full`,
 * `approximated` (built differently, with what changes said) or `unsupported` (refused before any
 * resource is registered). The plan prints every approximation a spec meets on its platform; the
 * parity test (test/plan/parity.test.ts) allows a difference between platforms only where this
 * table declares one.
 */
import type { Platform, Problem, System } from "../model";

/** How well a platform honours a feature. */
export type SupportLevel = "full" | "approximated" | "unsupported";

/** One platform's support of one feature. */
export interface Support {
    /** full, approximated or unsupported. */
    level: SupportLevel;
    /** What the platform builds instead, or why it cannot (shown with approximations and refusals). */
    how?: string;
}

/** A spec feature some platform does not honour in full. */
export interface Feature {
    /** Short id, e.g. "autoscaling". */
    id: string;
    /** The spec paths in `system` that use the feature (empty: not used). */
    usedAt(system: System): string[];
    /** Support per platform. */
    support: Record<Platform, Support>;
}

const services = (system: System) => Object.values(system.services);

/** Every feature whose support differs between platforms. */
export const FEATURES: Feature[] = [
    {
        id: "autoscaling",
        usedAt: (s) =>
            services(s)
                .filter((v) => v.kind !== "scheduler" && v.replicas.max > v.replicas.min)
                .map((v) => `services.${v.name}.replicas`),
        support: {
            docker: {
                level: "approximated",
                how: "runs replicas.min containers (at least one) and never scales; no autoscaler on a single Docker engine",
            },
            kubernetes: { level: "full", how: "HorizontalPodAutoscaler (CPU/memory) or a KEDA ScaledObject (requests) over the range" },
            aws: { level: "full", how: "Application Auto Scaling target tracking over the range" },
        },
    },
    {
        id: "scale-to-zero",
        usedAt: (s) =>
            services(s)
                .filter((v) => v.kind !== "scheduler" && v.replicas.min === 0)
                .map((v) => `services.${v.name}.replicas.min`),
        support: {
            docker: { level: "approximated", how: "runs one container" },
            kubernetes: { level: "approximated", how: "keeps one replica (HPA minReplicas is at least 1)" },
            aws: { level: "full", how: "desiredCount 0 until a target tracking policy scales out" },
        },
    },
    {
        id: "read-replicas",
        usedAt: (s) =>
            Object.values(s.databases)
                .filter((d) => d.readReplicas > 0)
                .map((d) => `databases.${d.name}.readReplicas`),
        support: {
            docker: { level: "approximated", how: "the primary alone serves reads (dev)" },
            kubernetes: {
                level: "approximated",
                how: "PostgreSQL: CloudNativePG replicas behind <db>-ro; MySQL and MongoDB run one instance (their replicas need an operator)",
            },
            aws: { level: "full", how: "RDS read replicas (PostgreSQL, MySQL); DocumentDB replica instances" },
        },
    },
    {
        id: "cache-cluster",
        usedAt: (s) =>
            Object.values(s.caches)
                .filter((c) => c.cluster || c.shards > 1)
                .map((c) => `caches.${c.name}.cluster`),
        support: {
            docker: { level: "approximated", how: "one Redis node" },
            kubernetes: { level: "approximated", how: "one Redis node (a sharded cluster needs an operator's bootstrap)" },
            aws: { level: "full", how: "ElastiCache cluster mode with the spec's shards" },
        },
    },
    {
        id: "bucket-tiers",
        usedAt: (s) =>
            Object.values(s.buckets)
                .filter((b) => b.lifecycle.length > 0)
                .map((b) => `buckets.${b.name}.lifecycle`),
        support: {
            docker: { level: "approximated", how: "SeaweedFS keeps every object in one tier; expireAfterDays still applies" },
            kubernetes: { level: "approximated", how: "SeaweedFS keeps every object in one tier; expireAfterDays still applies" },
            aws: { level: "full", how: "S3 lifecycle transitions (Standard-IA, Glacier Flexible Retrieval, Deep Archive)" },
        },
    },
    {
        id: "cdn",
        usedAt: (s) => (s.edge.cdn ? ["edge.cdn"] : []),
        support: {
            docker: { level: "approximated", how: "no CDN: the edge serves every request itself" },
            kubernetes: { level: "approximated", how: "no CDN: the Gateway serves every request itself" },
            aws: { level: "full", how: "CloudFront in front of the load balancer" },
        },
    },
    {
        id: "waf",
        usedAt: (s) => (s.edge.waf ? ["edge.waf"] : []),
        support: {
            docker: { level: "approximated", how: "no firewall rules: nginx rate limits and body size only (dev)" },
            kubernetes: { level: "full", how: "Coraza with the OWASP Core Rule Set in Envoy Gateway, blocking" },
            aws: { level: "full", how: "AWS WAF managed rule groups on the load balancer (and CloudFront)" },
        },
    },
    {
        id: "egress-ports",
        usedAt: (s) =>
            services(s)
                .filter((v) => v.egress.internet)
                .map((v) => `services.${v.name}.egress.ports`),
        support: {
            docker: {
                level: "approximated",
                how: "the service joins an egress network; Docker cannot filter outbound ports, so every port is open",
            },
            kubernetes: { level: "full", how: "NetworkPolicy egress to the internet on the listed ports only" },
            aws: { level: "full", how: "security-group egress on the listed ports only" },
        },
    },
    {
        id: "point-in-time",
        usedAt: (s) =>
            Object.values(s.databases)
                .filter((d) => d.backup.pointInTime)
                .map((d) => `databases.${d.name}.backup.pointInTime`),
        support: {
            docker: { level: "approximated", how: "scheduled dumps only (dev)" },
            kubernetes: {
                level: "approximated",
                how: "PostgreSQL: continuous WAL archiving (CloudNativePG); MySQL and MongoDB: scheduled dumps only",
            },
            aws: { level: "full", how: "RDS automated backups / AWS Backup continuous backups" },
        },
    },
    {
        id: "cross-region",
        usedAt: (s) => (s.recovery.crossRegion ? ["recovery.crossRegion"] : []),
        support: {
            docker: { level: "approximated", how: "one engine, one place: backups stay on the local volume" },
            kubernetes: { level: "approximated", how: "backups go to tierform:s3Endpoint (off the cluster when set); no second region" },
            aws: { level: "full", how: "cross-region replica or backup copies in tierform:drRegion" },
        },
    },
    {
        id: "datastore-tls",
        usedAt: (s) =>
            services(s)
                .filter((v) => v.uses.some((u) => u in s.databases || u in s.caches))
                .map((v) => `services.${v.name}.uses`),
        support: {
            docker: {
                level: "approximated",
                how: "databases and caches are reached in plain text on the private data network (dev): no TLS, no server verification",
            },
            kubernetes: {
                level: "approximated",
                how: "PostgreSQL is encrypted and verified against CloudNativePG's CA (its <db>-ca Secret's ca.crt mounted into the pods); MySQL, MongoDB and Redis in plain text",
            },
            aws: {
                level: "full",
                how: "every client's URL encrypts and verifies the server in its own dialect: RDS and DocumentDB against the Amazon RDS CA bundle the image carries, ElastiCache against the system trust store",
            },
        },
    },
    {
        id: "image-build",
        usedAt: (s) =>
            services(s)
                .filter((v) => v.build)
                .map((v) => `services.${v.name}.build`),
        support: {
            docker: { level: "full", how: "docker build of the context, tagged `image`" },
            kubernetes: { level: "approximated", how: "deploys `image` from its registry: build and push it first" },
            aws: { level: "approximated", how: "deploys `image` from its registry: build and push it first" },
        },
    },
    {
        id: "entrypoint-with-credentials",
        usedAt: (s) =>
            services(s)
                .filter((v) => v.command && (v.secrets.length > 0 || v.uses.length > 0))
                .map((v) => `services.${v.name}.command`),
        support: {
            docker: {
                level: "approximated",
                how: "credentials arrive as a file read by tierform's with-secrets wrapper, which then runs the command: the image's ENTRYPOINT is skipped",
            },
            kubernetes: { level: "full", how: "container args (the image's ENTRYPOINT stays); credentials by secretKeyRef" },
            aws: { level: "full", how: "container command (the image's ENTRYPOINT stays); credentials as ECS secrets" },
        },
    },
    {
        id: "traffic-shifting",
        usedAt: (s) =>
            services(s)
                .filter((v) => v.rollout.strategy !== "rolling")
                .map((v) => `services.${v.name}.rollout.strategy`),
        support: {
            docker: { level: "approximated", how: "containers are replaced one by one by Pulumi; no traffic split" },
            kubernetes: {
                level: "approximated",
                how: "a surge of new pods before any old one goes (blue/green: maxSurge 100 %; canary: the first step); traffic-weighted steps need Argo Rollouts or Flagger",
            },
            aws: { level: "full", how: "ECS blue/green, canary or linear deployments on two target groups" },
        },
    },
    {
        id: "storage-size",
        usedAt: (s) => [
            ...Object.values(s.databases).map((d) => `databases.${d.name}.storageGb`),
            ...Object.values(s.fileShares).map((f) => `fileShares.${f.name}.sizeGb`),
        ],
        support: {
            docker: { level: "approximated", how: "named volumes grow until the host's disk is full" },
            kubernetes: { level: "full", how: "PersistentVolumeClaim requests of that size" },
            aws: { level: "approximated", how: "RDS allocated storage; DocumentDB and EFS grow elastically" },
        },
    },
    {
        id: "backup-archive",
        usedAt: (s) =>
            Object.values(s.databases)
                .filter((d) => d.backup.archive)
                .map((d) => `databases.${d.name}.backup.archive`),
        support: {
            docker: { level: "approximated", how: "no weekly or monthly copies: dumps are kept retentionDays" },
            kubernetes: { level: "approximated", how: "no weekly or monthly copies: dumps are kept retentionDays" },
            aws: { level: "full", how: "AWS Backup weekly and monthly rules with cold storage" },
        },
    },
    {
        id: "queue-semantics",
        usedAt: (s) => Object.values(s.queues).map((q) => `queues.${q.name}`),
        support: {
            docker: {
                level: "approximated",
                how: "a RabbitMQ broker: fifo, visibilityTimeoutSeconds, maxReceiveCount and retentionDays are not enforced by it",
            },
            kubernetes: {
                level: "approximated",
                how: "a RabbitMQ broker: fifo, visibilityTimeoutSeconds, maxReceiveCount and retentionDays are not enforced by it",
            },
            aws: { level: "full", how: "SQS with a dead-letter queue" },
        },
    },
    {
        id: "alerting",
        usedAt: () => ["monitoring"],
        support: {
            docker: { level: "approximated", how: "no alerts on dev: health checks and logs only" },
            kubernetes: { level: "full", how: "PrometheusRules (needs the prometheus-operator CRDs)" },
            aws: {
                level: "approximated",
                how: "CloudWatch alarms on error rate and p99 latency; slowQueryCommitsPerSecond has no CloudWatch metric and is not alarmed",
            },
        },
    },
    {
        id: "recovery-time",
        usedAt: (s) => (s.recovery.rtoHours < 24 ? ["recovery.rtoHours"] : []),
        support: {
            docker: { level: "approximated", how: "informational: nothing is sized from it (the plan checks the RPO only)" },
            kubernetes: { level: "approximated", how: "informational: nothing is sized from it (the plan checks the RPO only)" },
            aws: { level: "approximated", how: "informational: nothing is sized from it (the plan checks the RPO only)" },
        },
    },
    {
        id: "body-size-limit",
        usedAt: () => ["edge.maxBodyMb"],
        support: {
            docker: { level: "full", how: "nginx client_max_body_size" },
            kubernetes: { level: "full", how: "Envoy Gateway's request buffer limit" },
            aws: {
                level: "approximated",
                how: "an ALB has no body limit; the WAF's 8 KB body rule only counts, so larger bodies pass to the app",
            },
        },
    },
];

/** The features a system uses on a platform, split by support level, with the spec paths. */
export function supportOf(
    system: System,
    platform: Platform,
    features: Feature[] = FEATURES,
): { feature: Feature; paths: string[]; support: Support }[] {
    return features
        .map((feature) => ({ feature, paths: feature.usedAt(system), support: feature.support[platform] }))
        .filter((f) => f.paths.length > 0);
}

/** What `platform` cannot build of `system`: one spec error per use of an unsupported feature. */
export function unsupportedProblems(system: System, platform: Platform, features: Feature[] = FEATURES): Problem[] {
    return supportOf(system, platform, features)
        .filter((f) => f.support.level === "unsupported")
        .flatMap((f) =>
            f.paths.map((where) => ({
                where,
                message: `${f.feature.id} is not supported on ${platform}${f.support.how ? `: ${f.support.how}` : ""}`,
            })),
        );
}

/** One line per approximated feature the system uses on `platform`: what the platform builds instead. */
export function approximations(system: System, platform: Platform, features: Feature[] = FEATURES): string[] {
    return supportOf(system, platform, features)
        .filter((f) => f.support.level === "approximated")
        .map((f) => `${f.feature.id} (${f.paths.join(", ")}): ${f.support.how ?? "approximated"}`);
}

/**
 * How a platform renders a service plan where it cannot follow it to the letter: the differences
 * the parity test (test/plan/parity.test.ts) allows, and no others.
 */
export interface ServiceRendering {
    /** Runs at least one replica even where the plan's minimum is 0. */
    minAtLeastOne: boolean;
    /** Scales between min and max; false: runs the minimum, fixed. */
    autoscales: boolean;
    /** Has a readiness check apart from the liveness check; false: one check serves both. */
    separateReadiness: boolean;
    /** A worker or scheduler without a check gets a check that its main process is alive. */
    processCheckFallback: boolean;
    /** Variables the platform's object-store binding adds for a service that uses a bucket: plain and secret names. */
    bucketVariables: { plain: string[]; secret: string[] };
    /** Where a private route (`allowCidrs`) reaches its service: the public edge's allow-list, or an internal load balancer (the public edge refuses it). */
    privateRoutes: "public-edge-allow-list" | "internal-load-balancer";
}

/** The rendering of each platform. */
export const RENDERING: Record<Platform, ServiceRendering> = {
    docker: {
        minAtLeastOne: true,
        autoscales: false,
        separateReadiness: false,
        processCheckFallback: false,
        bucketVariables: {
            plain: ["S3_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_REGION"],
            secret: ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"],
        },
        privateRoutes: "public-edge-allow-list",
    },
    kubernetes: {
        minAtLeastOne: true,
        autoscales: true,
        separateReadiness: true,
        processCheckFallback: true,
        bucketVariables: {
            plain: ["S3_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_REGION"],
            secret: ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"],
        },
        privateRoutes: "public-edge-allow-list",
    },
    aws: {
        minAtLeastOne: false,
        autoscales: true,
        separateReadiness: true,
        processCheckFallback: false,
        bucketVariables: { plain: [], secret: [] },
        // Every client of an internet-facing ALB arrives from a public address, so an allow-list of
        // private ranges never matches there: the public ALB answers 403, an internal ALB serves the route.
        privateRoutes: "internal-load-balancer",
    },
};
