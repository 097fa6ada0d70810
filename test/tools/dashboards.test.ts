/**
 * The Grafana dashboards generated from the plan (components/shared/dashboards.ts) and the alert
 * catalogue's rules (components/shared/alert-rules.ts), against real tools:
 *
 * - every preset's dashboard, staging's and dev's, type-checks against Grafana's published
 *   dashboard types (`@grafana/schema` 13.2.3, dist/types/raw/dashboard/x/types.gen.d.ts
 *   `Dashboard`) with the TypeScript compiler: an unknown key, a missing required one or a wrong
 *   type is an error (seen failing on a broken dashboard below);
 * - every staging panel query and every rule runs in `promtool test rules` against synthetic series
 *   that carry exactly the labels their exporters emit (alert-rules.ts METRIC_LABELS): each panel
 *   query returns data (`absent(...)` is empty), and the catalogue's alerts stay quiet on a healthy
 *   system and fire, with their subject's label, on a broken one.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as ts from "typescript";
import { stringify } from "yaml";
import { METRIC_LABELS, promContext, renderAlertRules } from "../../components/shared/alert-rules";
import { renderDashboard, type DashboardJson } from "../../components/shared/dashboards";
import { routeNames, type PromContext } from "../../components/shared/promql";
import { loadStack } from "../../model";
import { planSystem, type SystemPlan } from "../../plan";
import { stackConfig } from "../harness";
import { requireTool, runTool } from "../harness/tools";
import { PRESETS, stagingSystemPlan } from "../components/kubernetes/fixtures";

const TYPES = path.resolve(__dirname, "../../node_modules/@grafana/schema/dist/types/raw/dashboard/x/types.gen");

/**
 * TypeScript's diagnostics for each set of dashboards in `sets`, each set its own module checked as
 * `satisfies Dashboard`, one line per diagnostic. The sets are modules of one program, so the
 * standard library and Grafana's types are read and bound once for all of them; a diagnostic with
 * no file counts against every set.
 */
function typeErrors(sets: Record<string, Record<string, unknown>>, dir: string): Record<string, string[]> {
    const files = Object.entries(sets).map(([set, dashboards]) => {
        const file = path.join(dir, `${set}.ts`);
        const body = Object.entries(dashboards)
            .map(([name, d], i) => `// ${name}\nexport const d${i} = ${JSON.stringify(d, null, 1)} satisfies Dashboard;`)
            .join("\n");
        fs.writeFileSync(file, `import type { Dashboard } from ${JSON.stringify(TYPES)};\n${body}\n`);
        return [set, file] as const;
    });
    const program = ts.createProgram(
        files.map(([, file]) => file),
        {
            strict: true,
            noEmit: true,
            skipLibCheck: true,
            types: [],
            lib: ["lib.es2022.d.ts"],
            target: ts.ScriptTarget.ES2022,
        },
    );
    const diagnostics = ts.getPreEmitDiagnostics(program);
    return Object.fromEntries(
        files.map(([set, file]) => [
            set,
            diagnostics
                .filter((d) => !d.file || path.resolve(d.file.fileName) === file)
                .map((d) => `${d.file ? path.basename(d.file.fileName) : ""}: ${ts.flattenDiagnosticMessageText(d.messageText, " ")}`),
        ]),
    );
}

/** A series of `metric` with exactly the labels METRIC_LABELS says it carries. */
function series(metric: string, labels: Record<string, string>): string {
    const known = METRIC_LABELS[metric];
    assert.ok(known, `${metric}: not in METRIC_LABELS`);
    const full = Object.fromEntries(known.labels.map((l) => [l, labels[l] ?? `${l}-x`]));
    return `${metric}{${Object.entries(full)
        .map(([k, v]) => `${k}="${v}"`)
        .join(",")}}`;
}

const KSM = { service: "kube-state-metrics", endpoint: "http", job: "kube-state-metrics", instance: "10.0.0.9:8080" };

/**
 * Synthetic series for every signal of every row of `plan`, one-minute samples for an hour:
 * healthy (no 5xx, fast answers, every replica ready) or broken (10 % 5xx, a slow p99, nothing ready).
 */
function syntheticSeries(plan: SystemPlan, ctx: PromContext, broken: boolean): { series: string; values: string }[] {
    const out: { series: string; values: string }[] = [];
    const add = (metric: string, labels: Record<string, string>, values: string) => out.push({ series: series(metric, labels), values });
    const podOf = (kind: string, name: string) => (kind === "deployment" ? `${name}-7d9f8c6b5-x2x4z` : `${name}-1`);
    for (const row of plan.observability.rows) {
        const name = row.subject.name;
        const deployment = row.subject.kind === "service" && ctx.kinds[name] !== "scheduler";
        const pod = podOf(deployment ? "deployment" : "statefulset", name);
        const cadvisor = { namespace: ctx.namespace, pod, container: name, service: "kubelet", job: "kubelet", cpu: "total" };
        add("container_cpu_usage_seconds_total", cadvisor, "0+30x60");
        add("container_memory_working_set_bytes", cadvisor, "268435456x60");
        add("kube_pod_container_status_restarts_total", { ...KSM, namespace: ctx.namespace, pod, container: name }, "0x60");
        const ready = broken ? "0x60" : `${plan.services[name]?.replicas.max ?? 1}x60`;
        if (row.subject.kind === "service") {
            for (const route of routeNames(ctx.routes, name)) {
                const envoy = { envoy_cluster_name: `httproute/${ctx.namespace}/${route}/rule/0`, namespace: "envoy-gateway-system" };
                add("envoy_cluster_upstream_rq_total", envoy, "0+600x60");
                add("envoy_cluster_upstream_rq_xx", { ...envoy, envoy_response_code_class: "5" }, broken ? "0+60x60" : "0x60");
                add("envoy_cluster_upstream_rq_xx", { ...envoy, envoy_response_code_class: "2" }, broken ? "0+540x60" : "0+600x60");
                // Response times in ms: healthy all under 100 ms; broken 5 % between 1 and 2.5 s (p99 about 2.2 s).
                const buckets: [string, string][] = broken
                    ? [
                          ["100", "0+540x60"],
                          ["1000", "0+570x60"],
                          ["2500", "0+600x60"],
                          ["+Inf", "0+600x60"],
                      ]
                    : [
                          ["100", "0+600x60"],
                          ["1000", "0+600x60"],
                          ["2500", "0+600x60"],
                          ["+Inf", "0+600x60"],
                      ];
                for (const [le, values] of buckets) add("envoy_cluster_upstream_rq_time_bucket", { ...envoy, le }, values);
            }
            if (deployment) {
                add("kube_deployment_status_replicas_available", { ...KSM, namespace: ctx.namespace, deployment: name }, ready);
                add(
                    "kube_deployment_spec_replicas",
                    { ...KSM, namespace: ctx.namespace, deployment: name },
                    `${plan.services[name].replicas.max}x60`,
                );
            } else
                add(
                    "kube_statefulset_status_replicas_ready",
                    { ...KSM, namespace: ctx.namespace, statefulset: name },
                    broken ? "0x60" : "1x60",
                );
            continue;
        }
        const postgres = ctx.engines[name] === "postgres";
        const instances = row.subject.kind === "database" ? 1 + (plan.datastores[name].spec as { readReplicas?: number }).readReplicas! : 1;
        if (postgres) {
            for (let i = 1; i <= instances; i++) {
                const monitor = { namespace: ctx.namespace, pod: `${name}-${i}`, container: "postgres", endpoint: "metrics" };
                add("cnpg_collector_up", { ...monitor, cluster: name }, broken ? "0x60" : "1x60");
                add("cnpg_backends_total", { ...monitor, datname: ctx.databaseNames[name], state: "active" }, "3x60");
                add("cnpg_pg_stat_database_xact_commit", { ...monitor, datname: ctx.databaseNames[name] }, "0+600x60");
            }
        } else
            add(
                "kube_statefulset_status_replicas_ready",
                { ...KSM, namespace: ctx.namespace, statefulset: name },
                broken ? "0x60" : "1x60",
            );
        if (row.subject.kind === "database") {
            const cron = { ...KSM, namespace: ctx.namespace, cronjob: `${name}-backup-full` };
            add("kube_cronjob_created", cron, "0x60");
            // The last success a minute ago (healthy); a broken system's last success is 30 days old.
            add("kube_cronjob_status_last_successful_time", cron, broken ? "-2592000x60" : "0+60x60");
            if (ctx.restoreTestSeconds[name] !== undefined && ctx.engines[name] !== "mongodb") {
                // The restore test CronJob (components/kubernetes/restore-test.ts): passed a minute ago, or 30 days ago.
                const restore = { ...KSM, namespace: ctx.namespace, cronjob: `${name}-restore-test` };
                add("kube_cronjob_created", restore, "0x60");
                add("kube_cronjob_status_last_successful_time", restore, broken ? "-2592000x60" : "0+60x60");
            }
        }
    }
    return out;
}

describe("dashboards and alert queries against Grafana's schema and promtool", function () {
    this.timeout(120000);
    let dir: string;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "tierform-dashboards-"));
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    const staging = (preset: string) => {
        const plan = stagingSystemPlan(preset);
        const ctx = promContext(plan, preset);
        return { plan, ctx, dashboard: renderDashboard(plan, { metrics: ctx }) };
    };

    it("every preset's dashboard, on staging and on dev, type-checks against @grafana/schema's Dashboard; a broken one does not", () => {
        const dashboards: Record<string, DashboardJson> = {};
        for (const preset of PRESETS) {
            dashboards[`${preset} staging`] = staging(preset).dashboard;
            const dev = loadStack(stackConfig({ stack: "dev", system: preset, config: { "tierform:observability": true } }));
            dashboards[`${preset} dev`] = renderDashboard(planSystem(dev.system, "docker"), {});
        }
        // The same check on three defects: a key Grafana does not know, a wrong type, a missing required key.
        const good = dashboards["mdc-tts staging"];
        const { schemaVersion: _gone, ...noVersion } = good;
        const { presets, defects: errors } = typeErrors(
            {
                presets: dashboards,
                defects: {
                    unknown: { ...good, panelz: [] },
                    wrongType: { ...good, panels: [{ ...good.panels[1], gridPos: { h: "8", w: 6, x: 0, y: 0 } }] },
                    missing: noVersion,
                },
            },
            dir,
        );
        assert.deepEqual(presets, []);
        assert.equal(errors.length, 3, errors.join("\n"));
        assert.match(errors.join("\n"), /panelz/);
        assert.match(errors.join("\n"), /schemaVersion/);
    });

    it("one row per service and datastore, a panel per signal the platform measures, logs everywhere, traces per service", () => {
        const { plan, dashboard } = staging("mdc-tts");
        const rows = dashboard.panels.filter((p) => p.type === "row").map((p) => p.title);
        assert.deepEqual(
            rows,
            plan.observability.rows.map((r) => r.title),
        );
        assert.equal(dashboard.panels.filter((p) => p.type === "logs").length, rows.length);
        assert.equal(dashboard.panels.filter((p) => p.type === "table").length, Object.keys(plan.services).length);
        const ids = dashboard.panels.map((p) => p.id);
        assert.equal(new Set(ids).size, ids.length, "panel ids unique");
        const dev = loadStack(stackConfig({ stack: "dev", system: "mdc-tts", config: { "tierform:observability": true } }));
        const devBoard = renderDashboard(planSystem(dev.system, "docker"), {});
        assert.deepEqual(
            devBoard.panels.filter((p) => p.type === "row").map((p) => p.title),
            rows,
            "dev shows the same rows (logs and traces; no Prometheus there)",
        );
        assert.equal(devBoard.panels.filter((p) => p.type === "timeseries").length, 0);
    });

    for (const preset of PRESETS) {
        it(`${preset}: every panel query returns data and every catalogue alert is quiet when healthy and fires when broken (promtool test rules)`, function () {
            const bin = requireTool(this, "promtool", "prometheus");
            const { plan, ctx, dashboard } = staging(preset);
            const rulesFile = path.join(dir, `${preset}.rules.yaml`);
            fs.writeFileSync(rulesFile, stringify(renderAlertRules(plan, { namespace: preset }), { lineWidth: 0 }));
            const queries = dashboard.panels.flatMap((p) =>
                p.datasource?.type === "prometheus" ? (p.targets ?? []).map((t) => ({ title: p.title, expr: String(t.expr) })) : [],
            );
            assert.ok(queries.length >= plan.observability.rows.length * 3, `${queries.length} panel queries`);
            const catalogue = renderAlertRules(plan, { namespace: preset }).groups.find((g) => g.name.endsWith(".catalogue"))!.rules;
            const firing = (broken: boolean, alertname: string) =>
                broken
                    ? catalogue.filter((r) => r.alert === alertname).map((r) => ({ exp_labels: r.labels, exp_annotations: r.annotations }))
                    : [];
            const names = [...new Set(catalogue.map((r) => r.alert!))];
            const test = (broken: boolean) => ({
                interval: "1m",
                input_series: syntheticSeries(plan, ctx, broken),
                promql_expr_test: broken ? [] : queries.map((q) => ({ expr: `absent(${q.expr})`, eval_time: "40m", exp_samples: [] })),
                alert_rule_test: names.map((alertname) => ({ eval_time: "40m", alertname, exp_alerts: firing(broken, alertname) })),
            });
            const file = path.join(dir, `${preset}.test.yaml`);
            fs.writeFileSync(
                file,
                stringify({ rule_files: [rulesFile], evaluation_interval: "1m", tests: [test(false), test(true)] }, { lineWidth: 0 }),
            );
            const result = runTool(bin, ["test", "rules", file]);
            assert.ok(result.ok, result.output);
            assert.ok(
                names.includes("HighErrorRatio") && names.includes("DatastoreNotReady") && names.includes("BackupMissing"),
                names.join(", "),
            );
        });
    }
});
