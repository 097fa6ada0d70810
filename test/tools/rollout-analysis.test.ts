/**
 * The analysis queries of a staging rollout (components/kubernetes/rollout.ts `analysisMetrics`, the
 * metrics of the AnalysisTemplate Argo Rollouts runs) on the real `promtool test rules`: each
 * metric's query and success condition become an alert that fires exactly when Argo Rollouts would
 * count the measurement failed — the condition false, or no result at all (`absent(...)`) — and the
 * series are Envoy's own statistics as the edge's PodMonitor scrapes them every 15 s: series that
 * must pass (a healthy canary, no traffic) and series that must abort (5xx above the bound, a slow
 * tail, nothing scraped), with another route's errors that must not count.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { loadStack } from "../../model";
import { planSystem } from "../../plan";
import { analysisMetrics } from "../../components/kubernetes/rollout";
import { requireTool, runTool } from "../harness/tools";
import { stackConfig } from "../harness";

const NAMESPACE = "asset-management";
const CLUSTER = `httproute/${NAMESPACE}/edge-frontend/rule/0`;
/** Envoy's default histogram buckets (ms) up to the ones the series use. */
const BUCKETS = ["100", "250", "1000", "2500", "5000", "+Inf"];

/** Counter values every 15 s for 20 minutes, rising by `perScrape`. */
const counter = (perScrape: number) => `0+${perScrape}x80`;

/** Series of the frontend's route: `total` and `errors` requests per scrape, and per-bucket cumulative counts per scrape. */
function routeSeries(total: number, errors: number | undefined, buckets: number[]): { series: string; values: string }[] {
    return [
        { series: `envoy_cluster_upstream_rq_total{envoy_cluster_name="${CLUSTER}"}`, values: counter(total) },
        ...(errors !== undefined
            ? [
                  {
                      series: `envoy_cluster_upstream_rq_xx{envoy_cluster_name="${CLUSTER}",envoy_response_code_class="5"}`,
                      values: counter(errors),
                  },
              ]
            : []),
        ...BUCKETS.map((le, i) => ({
            series: `envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name="${CLUSTER}",le="${le}"}`,
            values: counter(buckets[i]),
        })),
    ];
}

describe("rollout analysis queries on promtool: pass and abort", function () {
    this.timeout(60000);
    let dir: string;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "tierform-rollout-promtool-"));
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    const { system } = loadStack(stackConfig({ stack: "staging", system: "asset-management" }));
    const rollout = planSystem(system, "kubernetes").services.frontend.rollout;
    const metrics = analysisMetrics(rollout.analysis!, "frontend", NAMESPACE, ["edge-frontend"]) as {
        name: string;
        successCondition: string;
        provider: { prometheus: { query: string } };
    }[];

    /** An alert per metric that fires when Argo Rollouts counts the measurement failed. */
    function rulesFile(): string {
        const rules = metrics.map((m) => {
            const bound = /^result\[0\] <= (.+)$/.exec(m.successCondition)![1];
            return { alert: `fails-${m.name}`, expr: `absent((${m.provider.prometheus.query}) <= ${bound})` };
        });
        const file = path.join(dir, "rollout.rules.yaml");
        fs.writeFileSync(file, stringify({ groups: [{ name: "rollout-analysis", rules }] }));
        return file;
    }

    /** The metrics that fail at 10 minutes on `series`, by promtool. */
    function failing(promtool: string, series: { series: string; values: string }[], expected: string[]): void {
        const test = {
            rule_files: [rulesFile()],
            evaluation_interval: "15s",
            tests: [
                {
                    interval: "15s",
                    input_series: series,
                    alert_rule_test: metrics.map((m) => ({
                        eval_time: "10m",
                        alertname: `fails-${m.name}`,
                        exp_alerts: expected.includes(m.name) ? [{ exp_labels: {} }] : [],
                    })),
                },
            ],
        };
        const file = path.join(dir, "rollout.test.yaml");
        fs.writeFileSync(file, stringify(test));
        const result = runTool(promtool, ["test", "rules", file]);
        assert.ok(result.ok, `${expected.join(", ") || "nothing"} should fail:\n${result.output}`);
    }

    it("renders the plan's bounds: 5xx ≤ 1 % and p99 ≤ 1000 ms for Asset Management's canary", () => {
        assert.deepEqual(
            metrics.map((m) => [m.name, m.successCondition]),
            [
                ["error-rate", "result[0] <= 0.01"],
                ["latency-p99", "result[0] <= 1000"],
            ],
        );
    });

    it("a healthy step passes: 0.2 % 5xx, p99 about 230 ms; another route's errors do not count", function () {
        const promtool = requireTool(this, "promtool", "prometheus");
        const otherRoute = {
            series: `envoy_cluster_upstream_rq_xx{envoy_cluster_name="httproute/${NAMESPACE}/edge-api/rule/0",envoy_response_code_class="5"}`,
            values: counter(900),
        };
        // 100 requests/s, 0.2/s answered 5xx; 1400 of 1500 within 100 ms, all within 250 ms.
        failing(promtool, [...routeSeries(1500, 3, [1400, 1500, 1500, 1500, 1500, 1500]), otherRoute], []);
    });

    it("no traffic passes (nothing to judge), but no 5xx series yet is counted as none", function () {
        const promtool = requireTool(this, "promtool", "prometheus");
        failing(promtool, routeSeries(0, undefined, [0, 0, 0, 0, 0, 0]), []);
        failing(promtool, routeSeries(1500, undefined, [1400, 1500, 1500, 1500, 1500, 1500]), []);
    });

    it("aborts on 2 % 5xx, on a slow tail (10 % above 2.5 s), and when nothing is scraped", function () {
        const promtool = requireTool(this, "promtool", "prometheus");
        failing(promtool, routeSeries(1500, 30, [1400, 1500, 1500, 1500, 1500, 1500]), ["error-rate"]);
        failing(promtool, routeSeries(1500, 3, [1200, 1300, 1350, 1350, 1500, 1500]), ["latency-p99"]);
        const unrelated = {
            series: `envoy_cluster_upstream_rq_total{envoy_cluster_name="httproute/${NAMESPACE}/edge-api/rule/0"}`,
            values: counter(1500),
        };
        failing(promtool, [unrelated], ["error-rate", "latency-p99"]);
    });
});
