/**
 * The shape of a platform's knowledge (plan/support/<platform>.ts): what it honours of each feature
 * whose support differs between platforms, how it renders a service plan, and what it does with
 * each spec field. plan/support.ts composes the platforms' modules; nothing here names a platform.
 */

/** How well a platform honours a feature. */
export type SupportLevel = "full" | "approximated" | "unsupported";

/** One platform's support of one feature. */
export interface Support {
    /** full, approximated or unsupported. */
    level: SupportLevel;
    /** What the platform builds instead, or why it cannot (shown with approximations and refusals). */
    how?: string;
}

/** The features whose support differs between platforms; each platform module must declare every one (the compiler checks). */
export const FEATURE_IDS = [
    "autoscaling",
    "scale-to-zero",
    "read-replicas",
    "cache-cluster",
    "bucket-tiers",
    "cdn",
    "waf",
    "egress-ports",
    "point-in-time",
    "cross-region",
    "datastore-tls",
    "image-build",
    "entrypoint-with-credentials",
    "traffic-shifting",
    "storage-size",
    "backup-archive",
    "queue-semantics",
    "alerting",
    "recovery-time",
    "body-size-limit",
    "private-routes",
    "egress-closed",
    "cache-persistence",
    "cache-memory",
    "database-parameters",
    "request-timeout",
    "retries",
    "outlier-detection",
    "circuit-breaking",
    "service-rate-limit",
    "tracing",
] as const;

/** One of {@link FEATURE_IDS}. */
export type FeatureId = (typeof FEATURE_IDS)[number];

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
    /** How the edge renders a service's traffic plan (plan/traffic.ts): what test/plan/traffic-parity.test.ts reads back. */
    traffic: TrafficRendering;
}

/** How a platform's edge renders the parts of a traffic plan (each named in its features' `how`). */
export interface TrafficRendering {
    /**
     * `request`: a deadline for the whole request, retries included; `read-and-retry-window`: the
     * longest wait between two reads from the replica, and the window retries must start in;
     * `load-balancer-idle`: one idle timeout for the whole load balancer, the longest of its services'.
     */
    timeout: "request" | "read-and-retry-window" | "load-balancer-idle";
    /** `conditions`: the attempts on the plan's conditions; `none`: no retries at the edge. */
    retries: "conditions" | "none";
    /** The retry budget across requests is rendered (else only each request's attempts and deadline bound retries). */
    retryBudget: boolean;
    /** `thresholds`: ejection after the plan's failures, for its time, up to its share; `next-replica`: a failed request moves on, nothing is ejected; `anomaly-mitigation`: the load balancer's own outlier weighting. */
    outlierDetection: "thresholds" | "next-replica" | "anomaly-mitigation";
    /** The concurrency limit (circuit breaker) is rendered. */
    circuitBreaker: boolean;
    /** `per-route`: the service's limit on its routes; `path-prefix`: a rule counting requests whose path starts with a route's prefix. */
    rateLimit: "per-route" | "path-prefix";
}

/** How a platform carries the observability plan (plan/observability.ts). */
export interface TelemetryRendering {
    /**
     * Where a service's OpenTelemetry SDK exports (OTLP over HTTP): the platform's collector as the
     * service reaches it. @default none: the platform runs no collector, and every service gets
     * `OTEL_SDK_DISABLED=true` (an SDK exporting to nothing retries, logs errors and drops every span)
     */
    otlpEndpoint?: string;
    /**
     * Alerts of the catalogue (plan/observability.ts `AlertId`) the platform does not render, each with why: the only ones the
     * parity test lets it leave out. Keyed by the alert's id, or by `<id>:<subject kind>` (e.g. `DatastoreNotReady:queue`) for
     * one kind's alerts (plan/observability.ts `unrenderedWhy`).
     */
    unrendered: Record<string, string>;
}

/** How far a platform builds what a spec field asks: a feature's levels, plus `ignored` (the platform does nothing with it). */
export type NoteLevel = SupportLevel | "ignored";

/** What a platform does with a spec field, at a level the reference shows ("Approximated: ...", "Ignored: ...", "Not built: ..."). */
export interface FieldNote {
    /** How far the platform builds it. */
    level: NoteLevel;
    /** What it builds (or, where ignored, why nothing); empty for a bare "Ignored.". */
    text: string;
}

/** A field the platform builds as asked: its note as a plain sentence. */
export type FieldEntry = string | FieldNote;

/** The platform builds the field differently: `text` says how. */
export const approximated = (text: string): FieldNote => ({ level: "approximated", text });
/** The platform does nothing with the field: `text` says why, or what happens instead. */
export const ignored = (text = ""): FieldNote => ({ level: "ignored", text });
/** The platform cannot build the field: a spec that uses it is refused (a feature of FEATURE_IDS must say so). */
export const unsupported = (text: string): FieldNote => ({ level: "unsupported", text });

/** The level and text of a field entry. */
export const fieldNote = (entry: FieldEntry): FieldNote => (typeof entry === "string" ? { level: "full", text: entry } : entry);

/** What one platform knows of itself: everything a new platform declares in its own module. */
export interface PlatformKnowledge {
    /** How the platform is written in docs ("Kubernetes"). */
    title: string;
    /** Its support of every feature whose support differs between platforms. */
    features: Record<FeatureId, Support>;
    /** How it renders a service plan where it cannot follow it to the letter. */
    rendering: ServiceRendering;
    /** How it carries the observability plan: the collector's address, the alerts it cannot render. */
    telemetry: TelemetryRendering;
    /**
     * What it does with each spec field, keyed `<schema object>.<field>` as in model/schema.ts
     * (`service.replicas`, `service.rollout.strategy`, `systemSpec.name`): its column of
     * docs/spec-reference.md. A field holding another documented object has no entry (its fields do).
     */
    fields: Record<string, FieldEntry>;
    /** The rollout this platform really runs for a service's rollout intent (plan/rollout.ts calls it once per service). */
    rolloutSchedule: (intent: RolloutIntent) => RolloutSchedule;
}

/** A command run once in a rollout, in the service's image with its variables; it must exit 0. */
export interface RolloutHookPlan {
    /** The step's name (`smoke-1`, `verify-1`). */
    name: string;
    /** argv. */
    command: string[];
    /** The spec path it comes from (`services.api.rollout.prePromotion[0]`). */
    from: string;
}

/** What judges a rollout's steps: bounds on the edge's own metrics of the new version, and optionally a query of the user's. */
export interface RolloutAnalysisPlan {
    /** Most percent of the new version's requests answered 5xx in one measurement. */
    errorRatePercent: number;
    /** The percentile whose response time is bounded. */
    latencyPercentile: 50 | 90 | 95 | 99;
    /** Most milliseconds at that percentile. */
    latencyMs: number;
    /** Seconds between measurements, and the window each covers. */
    intervalSeconds: number;
    /** Failed measurements that abort the rollout. */
    failuresToAbort: number;
    /** The user's own check: a query per platform whose value must stay at or below `max`. */
    query?: { prometheus?: string; cloudwatch?: string; max: number };
}

/**
 * What a service's rollout asks, platform-neutral (plan/rollout.ts computes it once from the spec):
 * each platform's {@link PlatformKnowledge.rolloutSchedule} turns it into what really runs.
 */
export interface RolloutIntent {
    /** The service's name. */
    service: string;
    /** The spec's strategy. */
    strategy: "rolling" | "blueGreen" | "canary";
    /** Whether there is traffic to shift: a web service the edge routes. A canary or blue-green of any other service rolls. */
    routed: boolean;
    /** The rolling update's batch: replicas above the desired count, and replicas that may be missing. */
    rolling: { maxSurge: number; maxUnavailable: number };
    /** A canary's steps (weights rising to 100; the last holds 0 s); empty for the other strategies. */
    steps: { weight: number; pauseSeconds: number }[];
    /** The service's `migrate` command, run before the new version starts (every strategy). */
    migration?: string[];
    /** Blue-green: checks of the new set before it takes traffic (after the migration). */
    prePromotion: RolloutHookPlan[];
    /** Blue-green: checks once the new set has all the traffic, while the old set is kept. */
    postPromotion: RolloutHookPlan[];
    /** Blue-green: seconds the old set is kept after the switch. */
    bakeSeconds: number;
    /** The analysis of each step (canary) or of the preview and the bake (blue-green); absent for a rolling update or an unrouted service. */
    analysis?: RolloutAnalysisPlan;
    /** What a failed analysis or check does: abort, all traffic back to the old version. */
    onFailure: "abort";
    /**
     * A routed blue-green's preview for clients outside the cluster: who may reach it through the edge (`rollout.preview`), on
     * which of the service's route paths (those without an allow-list; the allow-listed ones to the ranges in both lists).
     * @default absent: no preview through the edge
     */
    preview?: { allowCidrs: string[]; paths: string[]; restricted?: RestrictedPreview };
}

/** One step of the schedule a platform really runs. */
export interface ScheduleStep {
    /** What happens ("migrate", "canary", "preview", "switch", "bake"). */
    what: string;
    /** Percent of the traffic the new version takes during the step. */
    weight: number;
    /** Seconds the step holds at least; 0: it moves on as soon as its gate passes. */
    holdSeconds: number;
    /** What must pass before the next step ("analysis", "exit 0", "health checks"). */
    gate: string;
}

/** The rollout a platform really runs for a service: its runner, its steps and gates, what a failure does, and where it departs from the spec. */
export interface RolloutSchedule {
    /** What runs it ("Argo Rollouts canary", "ECS CANARY deployment", "Pulumi re-creates the containers"). */
    runner: string;
    /** The steps, in order. */
    steps: ScheduleStep[];
    /** What a failed gate does. */
    onFailure: string;
    /** Where the schedule departs from the spec's rollout, one line each (printed with the plan's approximations). */
    approximations: string[];
    /**
     * How Argo Rollouts runs it, where it does (components/kubernetes/rollout.ts renders this, nothing else decides it).
     * @default absent: no Argo Rollouts (a Deployment's rolling update, ECS, Docker)
     */
    argo?: ArgoRunner;
}

/** How Argo Rollouts moves traffic and measures a rollout on a cluster. */
export interface ArgoRunner {
    /**
     * How a canary's weight reaches the requests: `httpRouteWeights`, the edge's HTTPRoutes weighted by the Gateway API
     * traffic-router plugin (staging); `podShare`, no router: the new pods' share of the replicas behind the one Service the
     * load balancer targets (EKS, whose edge is the AWS load balancer). A blue-green switches Services either way.
     */
    traffic: "httpRouteWeights" | "podShare";
    /**
     * Where the analysis reads the service's requests: `envoyPrometheus`, the edge's Envoy statistics in Prometheus
     * (staging); `albCloudWatch`, the target group's metrics of the AWS load balancer in CloudWatch (EKS).
     */
    metrics: "envoyPrometheus" | "albCloudWatch";
    /**
     * A blue-green's preview at the edge (staging): an HTTPRoute on the edge's Gateway to the preview Service for requests
     * with the header, restricted to the client ranges (components/kubernetes/preview.ts renders it).
     * @default absent: the preview is reached inside the cluster only
     */
    preview?: EdgePreviewPlan;
}

/** How a blue-green's new version is reached through the edge before the switch, and by whom. */
export interface EdgePreviewPlan {
    /** The request header (lower case) that selects the preview on the service's own routes. */
    header: string;
    /** Its value. */
    value: string;
    /** The client address ranges allowed; every other client with the header is refused (403). */
    allowCidrs: string[];
    /** The path prefixes previewed to `allowCidrs`: the service's edge routes without an allow-list of their own (may be none). */
    paths: string[];
    /**
     * The service's allow-listed routes, previewed only to the addresses both in `allowCidrs` and in their lists.
     * @default absent: no allow-listed route, or no address in both lists
     */
    restricted?: RestrictedPreview;
}

/** A blue-green's allow-listed routes as its preview takes them: their paths, and the ranges in both lists. */
export interface RestrictedPreview {
    /** The path prefixes of the service's allow-listed routes. */
    paths: string[];
    /** The ranges in both `rollout.preview.allowCidrs` and the routes' `allowCidrs`. */
    allowCidrs: string[];
}
