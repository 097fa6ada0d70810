/**
 * The observability spec (`observability:` of a system spec): how long logs are kept and whether
 * and how much the services' requests are traced. Alert thresholds stay in `monitoring`; what is
 * collected, shown and alerted on per service and tier is the plan's (plan/observability.ts).
 */
import { z } from "zod";

/**
 * The retention periods, in days, CloudWatch Logs accepts (PutRetentionPolicy `retentionInDays`:
 * "Valid values are: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827,
 * 2192, 2557, 2922, 3288, and 3653", CloudWatch Logs API Reference). Every stack takes one of these,
 * so a spec that plans on dev also plans on prod.
 */
export const LOG_RETENTION_DAYS = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** Traces: every service exports spans over OTLP to the platform's collector. */
export const traces = z.strictObject({
    /**
     * Give every service the `OTEL_*` variables that make an OpenTelemetry SDK export its spans; false sets `OTEL_SDK_DISABLED=true` (the SDK exports nothing else).
     * @default true
     */
    enabled: z.boolean().default(true),
    /**
     * Share of new traces sampled, 0 to 1 (`OTEL_TRACES_SAMPLER=parentbased_traceidratio`, `OTEL_TRACES_SAMPLER_ARG`): a request whose caller sampled it is always kept.
     * @default set by the environment profile: 1 on dev and staging, 0.1 on prod
     */
    sampleRatio: z.number().min(0).max(1).optional(),
});

/** Logs, metrics and traces of the system. */
export const observability = z.strictObject({
    /**
     * Days the platform's log store keeps the services' and datastores' logs: one of CloudWatch Logs' periods (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653).
     * @default set by the environment profile: 7 on dev, 30 on staging, 365 on prod
     * @caution Lowering it deletes every log line older than the new value at the store's next compaction (Loki) or CloudWatch's next sweep.
     * @cost CloudWatch Logs stores at $0.03 per GB-month (us-east-1), on top of $0.50 per GB ingested: a year of 1 GB a day is about $5.50 a month more per month kept.
     */
    logRetentionDays: z
        .number()
        .int()
        .refine((d) => (LOG_RETENTION_DAYS as readonly number[]).includes(d), {
            message: `must be one of the periods CloudWatch Logs accepts: ${LOG_RETENTION_DAYS.join(", ")}`,
        })
        .optional(),
    /**
     * Traces; see the traces fields.
     * @default on, at the profile's sampling ratio
     */
    traces: traces.default({ enabled: true }),
});

/** The observability spec as parsed. */
export type ObservabilitySpec = z.output<typeof observability>;

/** The observability of a resolved system: every default filled. */
export interface Observability {
    /** Days logs are kept. */
    logRetentionDays: number;
    /** Traces on or off, and the share of new traces sampled. */
    traces: { enabled: boolean; sampleRatio: number };
    /**
     * The platform runs the telemetry pipeline (collector, log store, trace store, Grafana) the
     * services send to: always on Kubernetes and AWS, on Docker with `tierform:observability`.
     */
    pipeline: boolean;
}

/** Resolve `spec` with the profile's defaults; `pipeline` as {@link Observability.pipeline}. */
export function resolveObservability(
    spec: ObservabilitySpec | undefined,
    profile: { logRetentionDays: number; traceSampleRatio: number },
    pipeline: boolean,
): Observability {
    return {
        logRetentionDays: spec?.logRetentionDays ?? profile.logRetentionDays,
        traces: { enabled: spec?.traces.enabled ?? true, sampleRatio: spec?.traces.sampleRatio ?? profile.traceSampleRatio },
        pipeline,
    };
}
