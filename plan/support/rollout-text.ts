/**
 * Words the platforms' rollout schedules share (plan/support/<platform>.ts `rolloutSchedule`), so
 * every platform prints a duration and an analysis the same way; and the replacement batch of a
 * rollout that no traffic shift runs, which Kubernetes' schedule prints and its Deployment applies.
 */
import type { RolloutIntent } from "./types";

/** `300` → `5m`, `90` → `90s`, `3600` → `1h`. */
export function formatSeconds(seconds: number): string {
    if (seconds > 0 && seconds % 3600 === 0) return `${seconds / 3600}h`;
    if (seconds > 0 && seconds % 60 === 0) return `${seconds / 60}m`;
    return `${seconds}s`;
}

/** The analysis in one phrase: `5xx ≤ 1 %, p99 ≤ 500 ms (every 1m, abort after 2 failures)`; `none` without one. */
export function analysisText(intent: Pick<RolloutIntent, "analysis">): string {
    const a = intent.analysis;
    if (!a) return "none";
    const query = a.query ? `, your query ≤ ${a.query.max}` : "";
    const failures = `${a.failuresToAbort} failure${a.failuresToAbort === 1 ? "" : "s"}`;
    return `5xx ≤ ${a.errorRatePercent} %, p${a.latencyPercentile} ≤ ${a.latencyMs} ms${query} (every ${formatSeconds(a.intervalSeconds)}, abort after ${failures})`;
}

/**
 * The batch a Deployment's rolling update replaces replicas in when no traffic shift runs the
 * rollout (Kubernetes without Argo Rollouts for it, or a service the edge does not route): a
 * blue-green surges a whole second set of replicas, a canary its first step's weight, both with
 * none unavailable; a rolling update its own batch (replicas).
 */
export function replacementBatch(intent: Pick<RolloutIntent, "strategy" | "steps" | "rolling">): {
    maxSurge: number | string;
    maxUnavailable: number;
} {
    if (intent.strategy === "blueGreen") return { maxSurge: "100%", maxUnavailable: 0 };
    if (intent.strategy === "canary") return { maxSurge: `${intent.steps[0]?.weight ?? 10}%`, maxUnavailable: 0 };
    return { maxSurge: intent.rolling.maxSurge, maxUnavailable: intent.rolling.maxUnavailable };
}

/** The steps of a plain rolling update in batches of `batch` (the intent's own by default), the same words on every platform. */
export function rollingSteps(
    intent: RolloutIntent,
    gate: string,
    batch: { maxSurge: number | string; maxUnavailable: number } = intent.rolling,
): { what: string; weight: number; holdSeconds: number; gate: string }[] {
    return [
        ...(intent.migration ? [{ what: "migrate", weight: 0, holdSeconds: 0, gate: "exit 0" }] : []),
        {
            what: `replace replicas (surge ${batch.maxSurge}, unavailable ${batch.maxUnavailable})`,
            weight: 100,
            holdSeconds: 0,
            gate,
        },
    ];
}
