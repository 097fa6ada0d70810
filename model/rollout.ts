/**
 * How a service's new versions roll out (`services.<n>.rollout`): rolling, canary with weighted
 * steps and pauses, or blue-green with a preview and pre- and post-promotion steps; the analysis
 * that judges each step from the edge's own metrics (optionally a query of the user's), and what
 * happens when it fails. The seeds ask for it: Asset Management (003) a canary of 5 → 25 → 50 →
 * 100 % with monitoring between steps and a blue-green switch after a migration with rollback to
 * blue; MealKitz (002) canary, blue-green and rollback; HLD (004) both with automated rollback.
 *
 * This file holds only the spec (zod); plan/rollout.ts computes what each platform really runs.
 * The rules one field cannot check alone (steps only on a canary, rising weights ending at 100,
 * hooks only on a blue-green, ...) are refined here, so a bad rollout is one line naming its path.
 */
import { z } from "zod";
import { cidrProblem } from "../conventions/network";

const percent = z.number().int().min(1).max(100);

/** A duration: a whole number of seconds, minutes or hours (`30s`, `5m`, `1h`), at most 24 hours. */
export const duration = z.string().superRefine((d, ctx) => {
    if (!/^[1-9][0-9]*(s|m|h)$/.test(d)) ctx.addIssue({ code: "custom", message: "must be a duration such as '30s', '5m' or '1h'" });
    else if (durationSeconds(d) > 86400) ctx.addIssue({ code: "custom", message: "must be at most 24 hours" });
});

/** Seconds of a {@link duration} (`5m` → 300). */
export function durationSeconds(d: string): number {
    const n = Number(d.slice(0, -1));
    return n * { s: 1, m: 60, h: 3600 }[d.slice(-1) as "s" | "m" | "h"];
}

/** One canary step: a share of the traffic, held for a while. */
export const canaryStep = z.strictObject({
    /**
     * Percent of the service's traffic the new version takes at this step; the steps' weights rise and the last is 100.
     */
    weight: percent,
    /**
     * How long the step holds, its analysis running, before the next one; the last step (100) ends the rollout and takes none.
     * @default "5m" (none on the last step)
     */
    pause: duration.optional(),
});

/** A command run once per rollout, in the service's image with its variables, that must exit 0. */
export const rolloutHook = z.strictObject({
    /**
     * The argv to run (e.g. a smoke test against the preview, `PREVIEW_URL`).
     */
    command: z.array(z.string()).min(1),
});

/**
 * Who may see a blue-green's new version through the edge before the switch. Staging (Kubernetes) only: there the
 * preview is otherwise reached inside the cluster only; prod's test listener admits the NAT addresses only, and dev's
 * nginx edge has its own preview port.
 */
export const rolloutPreview = z.strictObject({
    /**
     * The client address ranges (CIDR) allowed to reach the new version through the edge, by the request header
     * `x-tierform-preview: 1` on the service's own routes (a route with its own `allowCidrs` only to the addresses in both
     * lists); every other client with that header gets 403.
     */
    allowCidrs: z
        .array(
            z.string().superRefine((value, ctx) => {
                const message = cidrProblem(value);
                if (message) ctx.addIssue({ code: "custom", message });
            }),
        )
        .min(1, "list at least one CIDR, or leave preview out to keep the preview inside the cluster"),
});

/** What judges each step of a canary and a blue-green's preview and promotion. */
export const rolloutAnalysis = z.strictObject({
    /**
     * Most percent of the new version's requests the edge may answer 5xx in one measurement.
     * @default the system's `monitoring.errorRatePercent`
     */
    errorRatePercent: z.number().min(0.1).max(100).optional(),
    /**
     * Most response time, in milliseconds, at `latencyPercentile` of the new version's requests as the edge measures them.
     * @default the system's `monitoring.p99LatencyMs`
     */
    latencyMs: z.number().int().min(1).optional(),
    /**
     * The percentile `latencyMs` bounds.
     * @default 99
     */
    latencyPercentile: z.union([z.literal(50), z.literal(90), z.literal(95), z.literal(99)]).default(99),
    /**
     * Time between measurements (and the window each one covers).
     * @default "1m"
     */
    interval: duration.default("1m"),
    /**
     * Failed measurements that abort the rollout.
     * @default 2
     */
    failuresToAbort: z.number().int().min(1).max(10).default(2),
    /**
     * A check of your own, beside the edge's: a query whose result must stay at or below `max`.
     * @default none
     * @property prometheus A PromQL expression with one result (Kubernetes; `{{service}}` and `{{namespace}}` are replaced).
     * @default none
     * @property cloudwatch A CloudWatch metric math expression (AWS).
     * @default none
     * @property max The largest value that passes.
     */
    query: z
        .strictObject({ prometheus: z.string().min(1).optional(), cloudwatch: z.string().min(1).optional(), max: z.number() })
        .optional(),
});

/** How new versions roll out. */
export const rollout = z
    .strictObject({
        /**
         * `rolling` replaces replicas a few at a time; `blueGreen` starts a full new set beside the old, checks it, and switches all traffic at once; `canary` shifts traffic to the new set step by step (`steps`), judged by `analysis`.
         * @default "rolling"
         */
        strategy: z.enum(["rolling", "blueGreen", "canary"]).default("rolling"),
        /**
         * Replicas started above the desired count during a rolling update.
         * @default 1
         */
        maxSurge: z.number().int().min(0).default(1),
        /**
         * Replicas that may be unavailable during a rolling update.
         * @default 0
         */
        maxUnavailable: z.number().int().min(0).default(0),
        /**
         * Canary traffic steps in percent (each held for the default pause), a shorthand of `steps`; give one or the other.
         * @default [10, 100]
         */
        canarySteps: z.array(percent).min(1).optional(),
        /**
         * Canary steps with their pauses, e.g. `[{weight: 5, pause: 5m}, {weight: 25, pause: 5m}, {weight: 50, pause: 10m}, {weight: 100}]`.
         * @default `canarySteps`, each held 5 minutes
         */
        steps: z.array(canaryStep).min(1).optional(),
        /**
         * Blue-green: commands run against the new set before it takes traffic (a smoke test); the service's `migrate` runs first, before the new set starts.
         * @default []
         */
        prePromotion: z.array(rolloutHook).default([]),
        /**
         * Blue-green: commands run once the new set has all the traffic, while the old set is still kept; one that fails rolls back.
         * @default []
         */
        postPromotion: z.array(rolloutHook).default([]),
        /**
         * Blue-green: a route to the new set at the edge before the switch, for the clients it allows (staging); see the preview fields.
         * @default none: the preview is reached inside the cluster only (the `<service>-preview` Service)
         */
        preview: rolloutPreview.optional(),
        /**
         * Blue-green: how long the old set is kept after the switch (analysis still running), so rolling back is one switch.
         * @default "10m"
         */
        bake: duration.default("10m"),
        /**
         * The analysis of a canary's steps and of a blue-green's preview and bake; see the analysis fields.
         * @default the system's `monitoring` thresholds on the edge's metrics, every minute, aborting after 2 failures
         */
        analysis: rolloutAnalysis.optional(),
        /**
         * What a failed analysis or hook does: `abort` sends all traffic back to the old version and scales the new one down.
         * @default "abort"
         */
        onFailure: z.enum(["abort"]).default("abort"),
    })
    .superRefine((r, ctx) => {
        const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: "custom", path, message });
        if (r.strategy !== "canary") {
            if (r.steps) issue(["steps"], `only a canary has steps; strategy is ${r.strategy}`);
            if (r.canarySteps) issue(["canarySteps"], `only a canary has steps; strategy is ${r.strategy}`);
        }
        if (r.strategy !== "blueGreen") {
            if (r.prePromotion.length > 0)
                issue(["prePromotion"], `only a blueGreen rollout has promotion steps; strategy is ${r.strategy}`);
            if (r.postPromotion.length > 0)
                issue(["postPromotion"], `only a blueGreen rollout has promotion steps; strategy is ${r.strategy}`);
            if (r.preview) issue(["preview"], `only a blueGreen rollout has a preview; strategy is ${r.strategy}`);
        }
        if (r.strategy === "rolling" && r.analysis)
            issue(["analysis"], "a rolling update has no steps to analyse; use canary or blueGreen");
        if (r.steps && r.canarySteps) issue(["canarySteps"], "give steps or canarySteps, not both");
        const weights = r.steps?.map((s) => s.weight) ?? r.canarySteps;
        const key = r.steps ? "steps" : "canarySteps";
        if (weights) {
            weights.forEach((w, i) => {
                if (i > 0 && w <= weights[i - 1]) issue([key, i], `weights must rise: ${w} follows ${weights[i - 1]}`);
            });
            if (weights[weights.length - 1] !== 100)
                issue([key], `the last step must send all traffic (100), not ${weights[weights.length - 1]}`);
        }
        const last = r.steps?.[r.steps.length - 1];
        if (last?.pause !== undefined)
            issue(["steps", r.steps!.length - 1, "pause"], "the last step (100) ends the rollout; it has no pause");
    });

/** A rollout spec as parsed (defaults applied). */
export type RolloutSpec = z.output<typeof rollout>;

/** The rollout every service has unless its spec gives one. */
export const DEFAULT_ROLLOUT = { strategy: "rolling", maxSurge: 1, maxUnavailable: 0 } as const;

/** Pause of a canary step that gives none: long enough for five one-minute measurements. */
export const DEFAULT_STEP_PAUSE = "5m";

/** A canary's steps from either spelling (`steps`, or `canarySteps` each held {@link DEFAULT_STEP_PAUSE}); [10, 100] when it gives neither. */
export function canaryStepsOf(r: Pick<RolloutSpec, "steps" | "canarySteps">): { weight: number; pauseSeconds: number }[] {
    const given = r.steps ?? (r.canarySteps ?? [10, 100]).map((weight) => ({ weight, pause: undefined }));
    return given.map((s, i) => ({
        weight: s.weight,
        pauseSeconds: i === given.length - 1 ? 0 : durationSeconds(s.pause ?? DEFAULT_STEP_PAUSE),
    }));
}
