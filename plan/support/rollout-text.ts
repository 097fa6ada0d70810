/**
 * Words the platforms' rollout schedules share (plan/support/<platform>.ts `rolloutSchedule`), so
 * every platform prints a duration and an analysis the same way.
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

/** The steps of a plain rolling update, the same words on every platform. */
export function rollingSteps(intent: RolloutIntent, gate: string): { what: string; weight: number; holdSeconds: number; gate: string }[] {
    return [
        ...(intent.migration ? [{ what: "migrate", weight: 0, holdSeconds: 0, gate: "exit 0" }] : []),
        {
            what: `replace replicas (surge ${intent.rolling.maxSurge}, unavailable ${intent.rolling.maxUnavailable})`,
            weight: 100,
            holdSeconds: 0,
            gate,
        },
    ];
}
