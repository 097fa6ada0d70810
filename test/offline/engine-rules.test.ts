/**
 * The offline engine refuses what the real engine refuses: every rule of
 * scripts/offline/engine-rules fires on a bad case and stays silent on a good one (cases/), a
 * rule without cases fails the coverage test, and a run that breaks a rule fails as `pulumi up`
 * would, naming the resource, the field, the rule and its source.
 */
import * as assert from "assert";
import * as docker from "@pulumi/docker";
import { runOffline } from "../../scripts/offline/engine";
import { ENGINE_RULES, EngineRefusal, engineProblems } from "../../scripts/offline/engine-rules";
import type { EngineRuleCase } from "./helpers";
import { PINS } from "../../conventions/pins";
import { CHARTS } from "../../components/kubernetes/operators";
import { CHART_CRDS, chartPinOf, type ChartPin } from "../../scripts/offline/engine-rules/chart-crds";
import { awsRuleCases } from "./cases/aws";
import { dockerRuleCases } from "./cases/docker";
import { kubernetesRuleCases } from "./cases/kubernetes";

const CASES: EngineRuleCase[] = [...dockerRuleCases, ...kubernetesRuleCases, ...awsRuleCases];
const ruleById = new Map(ENGINE_RULES.map((r) => [r.id, r]));

describe("engine rules (what the real engine refuses, offline)", () => {
    for (const c of CASES) {
        describe(c.rule, () => {
            const rule = ruleById.get(c.rule);
            it("is a rule with a source", () => {
                assert.ok(rule, `no engine rule '${c.rule}'`);
                assert.ok(rule.source.length > 10, "names its source");
            });
            it("stays silent on the good case", () => {
                assert.deepStrictEqual(engineProblems({ resources: c.good }, [rule!]), []);
            });
            for (const b of c.bad) {
                it(`fires: ${b.why}`, () => {
                    const problems = engineProblems({ resources: b.resources }, [rule!]);
                    assert.ok(problems.length > 0, `${c.rule} stayed silent on: ${b.why}`);
                    if (b.expect)
                        assert.ok(
                            problems.some((p) => b.expect!.test(p.message)),
                            `${JSON.stringify(problems.map((p) => p.message))} do not match ${b.expect}`,
                        );
                });
            }
        });
    }

    it("coverage: every rule has a good case and at least one bad case; ids are unique", () => {
        const ids = ENGINE_RULES.map((r) => r.id);
        assert.deepStrictEqual(
            ids.filter((id, i) => ids.indexOf(id) !== i),
            [],
            "duplicate rule ids",
        );
        const covered = new Set(CASES.filter((c) => c.bad.length > 0).map((c) => c.rule));
        assert.deepStrictEqual(
            ids.filter((id) => !covered.has(id)),
            [],
            "rules without cases",
        );
    });

    it("the chart → CRD table of kubernetes-custom-resource-crd-installed is read at each chart's pinned version", () => {
        const charts = Object.entries(PINS).filter(([, pin]) => pin.kind === "chart");
        assert.deepStrictEqual(
            charts.filter(([key, pin]) => CHART_CRDS[key as ChartPin]?.version !== pin.value).map(([key, pin]) => `${key} ${pin.value}`),
            [],
            "chart pins whose CRDs were not read at the pinned version (scripts/offline/engine-rules/chart-crds.ts)",
        );
        // Every release the operators install is recognised by its chart and repository.
        for (const c of Object.values(CHARTS)) assert.ok(chartPinOf(c.chart, c.repo), `no table entry for ${c.chart}`);
    });

    it("a run that breaks a rule fails as the real update would, naming the resource, the field, the rule and its source", async () => {
        let error: unknown;
        try {
            await runOffline({
                program: () => {
                    new docker.Container("bad-name", { name: "shop:web", image: "nginx:1.27.3" });
                    return {};
                },
            });
        } catch (err) {
            error = err;
        }
        assert.ok(error instanceof EngineRefusal, `expected an EngineRefusal, got ${String(error)}`);
        assert.match(error.message, /docker:index\/container:Container bad-name: name: 'shop:web' does not match/);
        assert.match(error.message, /rule docker-name-characters; source: moby daemon\/names\/names\.go/);
        // The same program with the rules off registers (the check is the rules, not the mocks).
        const run = await runOffline({
            program: () => new docker.Container("bad-name", { name: "shop:web", image: "nginx:1.27.3" }) && {},
            engineRules: false,
        });
        assert.ok(run.resources.some((r) => r.name === "bad-name"));
    });
});
