/**
 * What each platform honours of the spec: per feature, `full`, `approximated` (built differently,
 * with what changes said) or `unsupported` (refused before any resource is registered). The plan
 * prints every approximation a spec meets on its platform; the parity test
 * (test/plan/parity.test.ts) allows a difference between platforms only where this table declares
 * one. Each platform declares its own column, its service rendering and what it does with every
 * spec field in its own module, plan/support/<platform>.ts; this file says where each feature sits
 * in a spec and composes the columns.
 */
import { PLATFORMS, type Platform, type Problem, type System } from "../model";
import { aws } from "./support/aws";
import { docker } from "./support/docker";
import { eksFeatures, eksRolloutSchedule } from "./support/eks";
import { kubernetes } from "./support/kubernetes";
import { FEATURE_IDS, type FeatureId, type PlatformKnowledge, type ServiceRendering, type Support } from "./support/types";

export * from "./support/types";

/** Every platform's knowledge of itself, by platform: a new platform adds its module here (the compiler asks for it). */
export const KNOWLEDGE: Record<Platform, PlatformKnowledge> = { docker, kubernetes, aws };

/**
 * A placement that mixes platforms (`tierform:placement`): its title, the platform whose plan it
 * renders (datastores, engines, connection transport) and its own column of every feature.
 */
export interface PlacementKnowledge {
    /** How the placement is written in messages ("EKS with AWS managed data"). */
    title: string;
    /** The platform whose plan the placement renders. */
    platform: Platform;
    /** The platform whose adapter runs the services there: their rollout schedule is its own. */
    compute: Platform;
    /** Its support of every feature (plan/support/eks.ts composes it from the platforms' columns). */
    features: Record<FeatureId, Support>;
    /** The rollout schedule its services run (the compute platform's, as the placement's edge changes it). */
    rolloutSchedule: PlatformKnowledge["rolloutSchedule"];
}

/** One of the placements ({@link PLACEMENTS}). */
export type Placement = "eks";

/** Every placement that mixes platforms, by its `tierform:placement` value. */
export const PLACEMENTS: Record<Placement, PlacementKnowledge> = {
    eks: {
        title: "EKS with AWS managed data",
        platform: "aws",
        compute: "kubernetes",
        features: eksFeatures,
        rolloutSchedule: eksRolloutSchedule,
    },
};

/** A spec feature some platform does not honour in full. */
export interface Feature {
    /** Short id, e.g. "autoscaling". */
    id: string;
    /** The spec paths in `system` that use the feature (empty: not used). */
    usedAt(system: System): string[];
    /** Support per platform. */
    support: Record<Platform, Support>;
}

/** Where a feature sits in a spec (one per id of FEATURE_IDS: the compiler checks); its support comes from each platform's module. */
interface FeatureDefinition {
    /**
     * The schema fields the feature is about, keyed as the platforms' field notes are
     * (`service.replicas`): the spec reference's note of each must agree with the feature's level
     * on every platform (test/standards/spec-reference.test.ts).
     */
    fields: string[];
    /** The spec paths in `system` that use the feature (empty: not used). */
    usedAt(system: System): string[];
}

const services = (system: System) => Object.values(system.services);

/** Where each feature sits in a spec: the spec paths a system uses it at, and the schema fields it is about. */
const DEFINITIONS: Record<FeatureId, FeatureDefinition> = {
    autoscaling: {
        fields: ["service.autoscaling"],
        usedAt: (s) =>
            services(s)
                .filter((v) => v.kind !== "scheduler" && v.replicas.max > v.replicas.min)
                .map((v) => `services.${v.name}.replicas`),
    },
    "scale-to-zero": {
        fields: ["service.replicas"],
        usedAt: (s) =>
            services(s)
                .filter((v) => v.kind !== "scheduler" && v.replicas.min === 0)
                .map((v) => `services.${v.name}.replicas.min`),
    },
    "read-replicas": {
        fields: ["database.readReplicas"],
        usedAt: (s) =>
            Object.values(s.databases)
                .filter((d) => d.readReplicas > 0)
                .map((d) => `databases.${d.name}.readReplicas`),
    },
    "cache-cluster": {
        fields: ["cache.cluster", "cache.shards"],
        usedAt: (s) =>
            Object.values(s.caches)
                .filter((c) => c.cluster || c.shards > 1)
                .map((c) => `caches.${c.name}.cluster`),
    },
    "bucket-tiers": {
        fields: ["bucket.lifecycle", "bucket.purpose"],
        usedAt: (s) =>
            Object.values(s.buckets)
                .filter((b) => b.lifecycle.length > 0)
                .map((b) => `buckets.${b.name}.lifecycle`),
    },
    cdn: {
        fields: ["edge.cdn"],
        usedAt: (s) => (s.edge.cdn ? ["edge.cdn"] : []),
    },
    waf: {
        fields: ["edge.waf"],
        usedAt: (s) => (s.edge.waf ? ["edge.waf"] : []),
    },
    "egress-ports": {
        fields: ["egress.ports"],
        usedAt: (s) =>
            services(s)
                .filter((v) => v.egress.internet)
                .map((v) => `services.${v.name}.egress.ports`),
    },
    "point-in-time": {
        fields: ["backup.pointInTime"],
        usedAt: (s) =>
            Object.values(s.databases)
                .filter((d) => d.backup.pointInTime)
                .map((d) => `databases.${d.name}.backup.pointInTime`),
    },
    "cross-region": {
        fields: ["recovery.crossRegion"],
        usedAt: (s) => (s.recovery.crossRegion ? ["recovery.crossRegion"] : []),
    },
    "datastore-tls": {
        fields: ["service.clients"],
        usedAt: (s) =>
            services(s)
                .filter((v) => v.uses.some((u) => u in s.databases || u in s.caches))
                .map((v) => `services.${v.name}.uses`),
    },
    "image-build": {
        fields: ["service.build"],
        usedAt: (s) =>
            services(s)
                .filter((v) => v.build)
                .map((v) => `services.${v.name}.build`),
    },
    "entrypoint-with-credentials": {
        fields: ["service.command"],
        usedAt: (s) =>
            services(s)
                .filter((v) => v.command && (v.secrets.length > 0 || v.uses.length > 0))
                .map((v) => `services.${v.name}.command`),
    },
    "traffic-shifting": {
        fields: [
            "rollout.strategy",
            "rollout.maxSurge",
            "rollout.maxUnavailable",
            "rollout.canarySteps",
            "canaryStep.weight",
            "canaryStep.pause",
            "rolloutHook.command",
            "rollout.bake",
            "rolloutPreview.allowCidrs",
            "rollout.onFailure",
            "rolloutAnalysis.errorRatePercent",
            "rolloutAnalysis.latencyMs",
            "rolloutAnalysis.latencyPercentile",
            "rolloutAnalysis.interval",
            "rolloutAnalysis.failuresToAbort",
            "rolloutAnalysis.query",
        ],
        usedAt: (s) =>
            services(s)
                .filter((v) => v.rollout.strategy !== "rolling")
                .map((v) => `services.${v.name}.rollout.strategy`),
    },
    "storage-size": {
        fields: ["database.storageGb", "fileShare.sizeGb"],
        usedAt: (s) => [
            ...Object.values(s.databases).map((d) => `databases.${d.name}.storageGb`),
            ...Object.values(s.fileShares).map((f) => `fileShares.${f.name}.sizeGb`),
        ],
    },
    "backup-archive": {
        fields: ["backup.archive"],
        usedAt: (s) =>
            Object.values(s.databases)
                .filter((d) => d.backup.archive)
                .map((d) => `databases.${d.name}.backup.archive`),
    },
    "queue-semantics": {
        fields: ["queue.fifo", "queue.visibilityTimeoutSeconds", "queue.maxReceiveCount", "queue.retentionDays"],
        usedAt: (s) => Object.values(s.queues).map((q) => `queues.${q.name}`),
    },
    alerting: {
        fields: ["monitoring.errorRatePercent", "monitoring.p99LatencyMs", "monitoring.slowQueryCommitsPerSecond"],
        usedAt: () => ["monitoring"],
    },
    "recovery-time": {
        fields: ["recovery.rtoHours"],
        usedAt: (s) => (s.recovery.rtoHours < 24 ? ["recovery.rtoHours"] : []),
    },
    "body-size-limit": {
        fields: ["edge.maxBodyMb"],
        usedAt: () => ["edge.maxBodyMb"],
    },
    "private-routes": {
        fields: ["route.allowCidrs"],
        usedAt: (s) => s.edge.routes.flatMap((r, i) => (r.allowCidrs ? [`edge.routes[${i}].allowCidrs`] : [])),
    },
    "egress-closed": {
        fields: ["egress.internet"],
        usedAt: (s) =>
            services(s)
                .filter((v) => !v.egress.internet)
                .map((v) => `services.${v.name}.egress.internet`),
    },
    "cache-persistence": {
        fields: ["cache.persistence"],
        usedAt: (s) =>
            Object.values(s.caches)
                .filter((c) => c.persistence === "aof")
                .map((c) => `caches.${c.name}.persistence`),
    },
    "cache-memory": {
        fields: ["cache.maxMemoryMb"],
        usedAt: (s) =>
            Object.values(s.caches)
                .filter((c) => c.maxMemoryMb !== undefined)
                .map((c) => `caches.${c.name}.maxMemoryMb`),
    },
    "database-parameters": {
        fields: ["database.parameters"],
        usedAt: (s) =>
            Object.values(s.databases)
                .filter((d) => d.engine === "mongodb" && Object.keys(d.parameters).length > 0)
                .map((d) => `databases.${d.name}.parameters`),
    },
    "request-timeout": {
        fields: ["traffic.timeoutSeconds"],
        usedAt: (s) => trafficAt(s, "timeoutSeconds"),
    },
    retries: {
        fields: ["retries.attempts", "retries.on", "retries.budgetPercent"],
        usedAt: (s) => trafficAt(s, "retries", (v) => v.traffic!.retries.attempts > 0),
    },
    "outlier-detection": {
        fields: ["outlierDetection.consecutiveFailures", "outlierDetection.ejectSeconds", "outlierDetection.maxEjectedPercent"],
        usedAt: (s) => trafficAt(s, "outlierDetection"),
    },
    "circuit-breaking": {
        fields: ["traffic.maxConcurrentRequests"],
        usedAt: (s) => trafficAt(s, "maxConcurrentRequests"),
    },
    "service-rate-limit": {
        fields: ["traffic.rateLimitPerMinute"],
        usedAt: (s) => trafficAt(s, "rateLimitPerMinute", (v) => v.traffic!.rateLimitPerMinute !== undefined),
    },
    tracing: {
        fields: ["traces.enabled", "traces.sampleRatio"],
        // On unless the spec turns it off: the services' SDKs export spans wherever the platform runs a collector.
        usedAt: (s) => (s.observability.traces.enabled ? ["observability.traces"] : []),
    },
};

/** The spec paths `services.<n>.traffic.<field>` of the services with a traffic policy (that `when` accepts). */
function trafficAt(s: System, field: string, when: (v: System["services"][string]) => boolean = () => true): string[] {
    return services(s)
        .filter((v) => v.traffic !== undefined && when(v))
        .map((v) => `services.${v.name}.traffic.${field}`);
}

/** Every feature whose support differs between platforms, each platform's column from its own module. */
export const FEATURES: (Feature & { fields: string[] })[] = FEATURE_IDS.map((id) => ({
    id,
    ...DEFINITIONS[id],
    support: Object.fromEntries(PLATFORMS.map((p) => [p, KNOWLEDGE[p].features[id]])) as Record<Platform, Support>,
}));

/** The features a system uses on a platform, split by support level, with the spec paths. */
export function supportOf(
    system: System,
    platform: Platform,
    features: Feature[] = FEATURES,
    placement?: Placement,
): { feature: Feature; paths: string[]; support: Support }[] {
    return features
        .map((feature) => ({
            feature,
            paths: feature.usedAt(system),
            support: placement ? PLACEMENTS[placement].features[feature.id as FeatureId] : feature.support[platform],
        }))
        .filter((f) => f.paths.length > 0);
}

/** What `platform` (or `placement`) cannot build of `system`: one spec error per use of an unsupported feature. */
export function unsupportedProblems(system: System, platform: Platform, features: Feature[] = FEATURES, placement?: Placement): Problem[] {
    return supportOf(system, platform, features, placement)
        .filter((f) => f.support.level === "unsupported")
        .flatMap((f) =>
            f.paths.map((where) => ({
                where,
                message: `${f.feature.id} is not supported on ${platform}${f.support.how ? `: ${f.support.how}` : ""}`,
            })),
        );
}

/** One line per approximated feature the system uses on `platform` (or `placement`): what it builds instead. */
export function approximations(system: System, platform: Platform, features: Feature[] = FEATURES, placement?: Placement): string[] {
    return supportOf(system, platform, features, placement)
        .filter((f) => f.support.level === "approximated")
        .map((f) => `${f.feature.id} (${f.paths.join(", ")}): ${f.support.how ?? "approximated"}`);
}

/** The rendering of each platform (plan/support/<platform>.ts). */
export const RENDERING: Record<Platform, ServiceRendering> = Object.fromEntries(
    PLATFORMS.map((p) => [p, KNOWLEDGE[p].rendering]),
) as Record<Platform, ServiceRendering>;
