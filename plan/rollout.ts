/**
 * The rollout plan of a service: what its spec's `rollout` asks (strategy, canary steps with their
 * pauses, blue-green hooks and bake, the analysis that judges each step, the failure action), with
 * every default resolved once — and the schedule the platform really runs, from the platform's own
 * module (`rolloutSchedule` in plan/support/<platform>.ts), with every place it departs from the
 * spec. This module is the one place that computes both; platforms render `plan.rollout`, and
 * `npm run plan` (and `pulumi up`) print the schedule ({@link scheduleLines}).
 *
 * Defaults: a canary without steps runs 10 % then 100 %; a step without a pause holds 5 minutes;
 * the analysis bounds are the system's own alert thresholds (`monitoring.errorRatePercent`,
 * `monitoring.p99LatencyMs`), measured every minute, aborting after two failures. A canary or
 * blue-green of a service the edge does not route (a worker, an unrouted web service) has no
 * traffic to shift: its intent says `routed: false`, and each platform rolls it.
 */
import { canaryStepsOf, durationSeconds, type Platform, type Service, type System } from "../model";
import { cidrIntersection } from "../conventions/network";
import { KNOWLEDGE, PLACEMENTS, type Placement } from "./support";
import { formatSeconds } from "./support/rollout-text";
import type { RolloutHookPlan, RolloutIntent, RolloutSchedule } from "./support/types";

export { analysisText, formatSeconds, replacementBatch } from "./support/rollout-text";

export type { EdgePreviewPlan, RolloutAnalysisPlan, RolloutHookPlan, RolloutIntent, RolloutSchedule, ScheduleStep } from "./support/types";

/** A service's rollout: the intent, and the schedule its platform runs. */
export interface RolloutPlan extends RolloutIntent {
    /** What the platform really runs. */
    schedule: RolloutSchedule;
}

/** The platform-neutral intent of `service`'s rollout, defaults resolved. */
export function rolloutIntent(system: System, service: Service): RolloutIntent {
    const r = service.rollout;
    const routed =
        service.kind === "web" && service.port !== undefined && system.edge.routes.some((route) => route.service === service.name);
    const shifts = routed && r.strategy !== "rolling";
    const preview =
        r.strategy === "blueGreen" && routed && r.preview ? previewIntent(system, service.name, r.preview.allowCidrs) : undefined;
    const hooks = (list: { command: string[] }[], key: string, prefix: string): RolloutHookPlan[] =>
        r.strategy === "blueGreen"
            ? list.map((h, i) => ({
                  name: `${prefix}-${i + 1}`,
                  command: [...h.command],
                  from: `services.${service.name}.rollout.${key}[${i}]`,
              }))
            : [];
    const a = r.analysis;
    return {
        service: service.name,
        strategy: r.strategy,
        routed,
        rolling: { maxSurge: r.maxSurge, maxUnavailable: r.maxUnavailable },
        steps: r.strategy === "canary" ? canaryStepsOf(r) : [],
        ...(service.migrate ? { migration: [...service.migrate.command] } : {}),
        prePromotion: hooks(r.prePromotion, "prePromotion", "smoke"),
        postPromotion: hooks(r.postPromotion, "postPromotion", "verify"),
        bakeSeconds: r.strategy === "blueGreen" ? durationSeconds(r.bake) : 0,
        ...(shifts
            ? {
                  analysis: {
                      errorRatePercent: a?.errorRatePercent ?? system.monitoring.errorRatePercent,
                      latencyPercentile: a?.latencyPercentile ?? 99,
                      latencyMs: a?.latencyMs ?? system.monitoring.p99LatencyMs,
                      intervalSeconds: durationSeconds(a?.interval ?? "1m"),
                      failuresToAbort: a?.failuresToAbort ?? 2,
                      ...(a?.query ? { query: { ...a.query } } : {}),
                  },
              }
            : {}),
        onFailure: r.onFailure,
        ...(preview ? { preview } : {}),
    };
}

/**
 * Where a blue-green's preview is opened at the edge, for the ranges `allowCidrs`: the service's routes without an
 * allow-list, to those ranges; its allow-listed routes only to the addresses in both lists (every one of the routes'
 * lists). Both may be empty (every route allow-listed, no range in both lists): the platforms then say it opens nothing.
 */
function previewIntent(system: System, service: string, allowCidrs: string[]): RolloutIntent["preview"] {
    const own = system.edge.routes.filter((route) => route.service === service);
    const paths = own.filter((route) => !route.allowCidrs).map((route) => route.path);
    const listed = own.filter((route) => route.allowCidrs);
    const both = listed.reduce((ranges, route) => cidrIntersection(route.allowCidrs!, ranges), allowCidrs);
    const restricted = listed.length > 0 && both.length > 0 ? { paths: listed.map((route) => route.path), allowCidrs: both } : undefined;
    return { allowCidrs: [...allowCidrs], paths, ...(restricted ? { restricted } : {}) };
}

/** The rollout plan of `service` on `platform` (or `placement`): its intent and the schedule the platform runs. */
export function planRollout(system: System, service: Service, platform: Platform, placement?: Placement): RolloutPlan {
    const intent = rolloutIntent(system, service);
    return { ...intent, schedule: (placement ? PLACEMENTS[placement] : KNOWLEDGE[platform]).rolloutSchedule(intent) };
}

/**
 * The schedule as printed lines: a heading naming the service, the runner and the spec's strategy,
 * then one line per step (weight, hold, gate) and the failure action. What the plan prints for
 * every service whose rollout is not a plain rolling update.
 */
export function scheduleLines(plan: RolloutPlan): string[] {
    const s = plan.schedule;
    return [
        `services.${plan.service}.rollout (${plan.strategy}): ${s.runner}`,
        ...s.steps.map(
            (step, i) =>
                `  ${i + 1}. ${step.what}: ${step.weight} % of traffic${step.holdSeconds > 0 ? `, ${formatSeconds(step.holdSeconds)}` : ""}; gate: ${step.gate}`,
        ),
        `  on failure: ${s.onFailure}`,
    ];
}
