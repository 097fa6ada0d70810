/**
 * The rollout model (model/rollout.ts) and its plan (plan/rollout.ts): the loader refuses a
 * rollout no platform could run, one line naming the spec path; the plan resolves the defaults
 * once (steps, pauses, the analysis from the system's monitoring thresholds) and carries, per
 * platform, the schedule that really runs, whose departures from the spec join the plan's
 * approximations.
 */
import { strict as assert } from "assert";
import { loadStack } from "../../model";
import { planSystem, scheduleLines } from "../../plan";
import { ecsHooks } from "../../plan/support/aws";
import { rolloutRefusal, stackConfig } from "../harness";
import { spec } from "../harness/spec";

const system = (preset: string, stack = "staging") => loadStack(stackConfig({ stack, system: preset })).system;

describe("rollout model and plan", () => {
    it("refuses a rollout no platform can run with one line naming the spec path", () => {
        const refused = (rollout: Record<string, unknown>): string => rolloutRefusal("rollouts", rollout);
        assert.match(
            refused({ strategy: "blueGreen", steps: [{ weight: 100 }] }),
            /services\.web\.rollout\.steps: only a canary has steps/,
        );
        assert.match(
            refused({ strategy: "canary", steps: [{ weight: 25 }, { weight: 5 }, { weight: 100 }] }),
            /services\.web\.rollout\.steps\[1\]: weights must rise: 5 follows 25/,
        );
        assert.match(
            refused({ strategy: "canary", canarySteps: [5, 50] }),
            /rollout\.canarySteps: the last step must send all traffic \(100\)/,
        );
        assert.match(
            refused({
                strategy: "canary",
                steps: [
                    { weight: 50, pause: "5m" },
                    { weight: 100, pause: "5m" },
                ],
            }),
            /rollout\.steps\[1\]\.pause: the last step \(100\) ends the rollout/,
        );
        assert.match(refused({ strategy: "canary", prePromotion: [{ command: ["true"] }] }), /rollout\.prePromotion: only a blueGreen/);
        assert.match(
            refused({ strategy: "rolling", analysis: { errorRatePercent: 1 } }),
            /rollout\.analysis: a rolling update has no steps/,
        );
        assert.match(
            refused({ strategy: "canary", steps: [{ weight: 10, pause: "5 minutes" }, { weight: 100 }] }),
            /pause.*duration such as/,
        );
        assert.match(
            refused({ strategy: "canary", canarySteps: [10, 100], steps: [{ weight: 100 }] }),
            /rollout\.canarySteps: give steps or canarySteps, not both/,
        );
    });

    it("resolves Asset Management's canary 5 → 25 → 50 → 100 with its pauses and analysis, and the blue-green's migration and smoke test", () => {
        const plan = planSystem(system("asset-management"), "kubernetes");
        const canary = plan.services.frontend.rollout;
        assert.deepEqual(canary.steps, [
            { weight: 5, pauseSeconds: 300 },
            { weight: 25, pauseSeconds: 300 },
            { weight: 50, pauseSeconds: 600 },
            { weight: 100, pauseSeconds: 0 },
        ]);
        assert.deepEqual(canary.analysis, {
            errorRatePercent: 1,
            latencyPercentile: 99,
            latencyMs: 1000,
            intervalSeconds: 60,
            failuresToAbort: 2,
        });
        const blueGreen = plan.services.api.rollout;
        assert.deepEqual(blueGreen.migration, ["npx", "prisma", "migrate", "deploy"]);
        assert.equal(blueGreen.prePromotion.length, 1);
        assert.equal(blueGreen.prePromotion[0].from, "services.api.rollout.prePromotion[0]");
        assert.equal(blueGreen.bakeSeconds, 600);
        assert.deepEqual(blueGreen.steps, []);
    });

    it("takes the analysis bounds from the system's monitoring thresholds when the spec gives none, and keeps canarySteps working", () => {
        const file = spec("defaults")
            .service("web", { rollout: { strategy: "canary", canarySteps: [20, 100] } })
            .monitoring({ errorRatePercent: 3, p99LatencyMs: 800 })
            .build();
        const r = planSystem(loadStack(stackConfig({ stack: "staging", system: file })).system, "kubernetes").services.web.rollout;
        assert.deepEqual(r.steps, [
            { weight: 20, pauseSeconds: 300 },
            { weight: 100, pauseSeconds: 0 },
        ]);
        assert.equal(r.analysis?.errorRatePercent, 3);
        assert.equal(r.analysis?.latencyMs, 800);
    });

    it("gives an unrouted service no analysis: there is no traffic to shift", () => {
        const file = spec("unrouted")
            .service("web")
            .service("jobs", { kind: "worker", port: undefined, rollout: { strategy: "canary", canarySteps: [10, 100] } })
            .build();
        const r = planSystem(loadStack(stackConfig({ stack: "prod", system: file })).system, "aws").services.jobs.rollout;
        assert.equal(r.routed, false);
        assert.equal(r.analysis, undefined);
        assert.equal(r.schedule.runner, "an ECS ROLLING deployment");
        assert.match(r.schedule.approximations.join("\n"), /canary rolls: the edge does not route the service/);
    });

    it("prints each platform's schedule and lists where it departs from the spec among the plan's approximations", () => {
        const prod = planSystem(system("asset-management", "prod"), "aws");
        const preview =
            "preview: the new set takes the test listener's traffic, production stays on the old: 0 % of traffic; gate: a GET of the health path through the test listener answers 2xx (lifecycle hook at POST_TEST_TRAFFIC_SHIFT, 3 tries)";
        assert.deepEqual(scheduleLines(prod.services.frontend.rollout), [
            "services.frontend.rollout (canary): an ECS CANARY deployment",
            "  1. new set started: 0 % of traffic; gate: task health",
            `  2. ${preview}`,
            "  3. canary: 5 % of traffic, 5m; gate: task health (circuit breaker) and the rollback alarms (5xx share, latency per target group)",
            "  4. all traffic, old set kept: 100 % of traffic, 15m; gate: task health (circuit breaker) and the rollback alarms (5xx share, latency per target group)",
            "  on failure: ECS shifts all traffic back to the old task set (an alarm, a failed hook or the circuit breaker)",
        ]);
        // The blue/green api: the migration as the lifecycle hook's one-off task before any new task, the preview check, the switch.
        assert.deepEqual(scheduleLines(prod.services.api.rollout), [
            "services.api.rollout (blueGreen): an ECS BLUE_GREEN deployment",
            "  1. migrate: one task of the new revision (lifecycle hook at PRE_SCALE_UP), before any new task: 0 % of traffic; gate: the task's command exits 0, else ECS rolls back",
            "  2. green set in the alternate target group: 0 % of traffic; gate: task health",
            `  3. ${preview}`,
            "  4. prePromotion: smoke-1, each one task of the new revision against PREVIEW_URL (the same hook): 0 % of traffic; gate: the task's command exits 0, else ECS rolls back",
            "  5. switch, blue kept: 100 % of traffic, 10m; gate: task health (circuit breaker) and the rollback alarms (5xx share, latency per target group)",
            "  on failure: ECS shifts all traffic back to the old task set (an alarm, a failed hook or the circuit breaker)",
        ]);
        const approximations = prod.approximations.join("\n");
        assert.doesNotMatch(approximations, /promotion checks are not run|does not deploy/);
        assert.match(
            approximations,
            /services\.api\.rollout: prePromotion \(smoke-1\) runs in the lifecycle hook's security group, not the service's/,
        );
        assert.ok(
            prod.approximations.includes(
                "services.frontend.rollout: steps 5 → 25 → 50 → 100 run as 5 → 100 (an ECS canary has one step); the later steps' pauses become the bake after the shift, 15m",
            ),
        );
        const dev = planSystem(system("asset-management", "dev"), "docker");
        assert.deepEqual(scheduleLines(dev.services.frontend.rollout).slice(0, 3), [
            "services.frontend.rollout (canary): new containers beside the old ones; the edge's switch step walks the weights with nginx split_clients and reloads",
            "  1. new set beside the old one: 0 % of traffic; gate: the new containers' health checks (`wait`)",
            "  2. canary: 5 % of traffic, 5m; gate: nginx -t, then the edge serves the new configuration (reload)",
        ]);
        assert.match(
            dev.approximations.join("\n"),
            /services\.api\.rollout: no bake: the old set is deleted as soon as the edge has switched/,
        );
        assert.match(dev.approximations.join("\n"), /services\.frontend\.rollout: no analysis: no controller judges the steps on Docker/);
    });

    it("on prod a blue-green's postPromotion commands run as lifecycle-hook tasks after the switch, before the bake; a rolling service has no hook", () => {
        const file = spec("verified")
            .service("web", {
                migrate: { command: ["./migrate"] },
                rollout: {
                    strategy: "blueGreen",
                    bake: "20m",
                    postPromotion: [{ command: ["./verify", "orders"] }, { command: ["./verify", "pay"] }],
                },
            } as never)
            .service("plain")
            .build();
        const prod = planSystem(loadStack(stackConfig({ stack: "prod", system: file })).system, "aws");
        const web = prod.services.web.rollout;
        assert.deepEqual(ecsHooks(web), [
            { stage: "PRE_SCALE_UP", tasks: [{ name: "migrate", command: ["./migrate"] }] },
            { stage: "POST_TEST_TRAFFIC_SHIFT", preview: true },
            {
                stage: "POST_PRODUCTION_TRAFFIC_SHIFT",
                tasks: [
                    { name: "verify-1", command: ["./verify", "orders"] },
                    { name: "verify-2", command: ["./verify", "pay"] },
                ],
            },
        ]);
        assert.deepEqual(
            web.schedule.steps.map((s) => [s.what.split(":")[0].split(",")[0], s.weight, s.holdSeconds]),
            [
                ["migrate", 0, 0],
                ["green set in the alternate target group", 0, 0],
                ["preview", 0, 0],
                ["switch", 100, 0],
                ["postPromotion", 100, 0],
                ["bake", 100, 1200],
            ],
        );
        assert.deepEqual(ecsHooks(prod.services.plain.rollout), []);
    });
});
