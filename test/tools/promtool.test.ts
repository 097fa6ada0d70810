/**
 * The alert rules tierform renders (components/shared/alert-rules.ts) pass the real
 * `promtool check rules` for every preset, and `promtool test rules` proves the seed's
 * HighErrorRate and DatabaseSlowQueries fire (and stay quiet) on synthetic series.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { METRIC_LABELS, renderAlertRulesYaml } from "../../components/shared/alert-rules";
import { requireTool, runTool } from "../harness/tools";
import { PRESETS, stagingStack, stagingSystemPlan } from "../components/kubernetes/fixtures";
import { planSystem } from "../../plan";

describe("promtool on the rendered alert rules", function () {
    this.timeout(60000);
    let dir: string;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "tierform-promtool-"));
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    for (const preset of PRESETS) {
        it(`${preset}: promtool check rules passes`, function () {
            const promtool = requireTool(this, "promtool", "prometheus");
            const { system } = stagingStack(preset);
            const file = path.join(dir, `${preset}.rules.yaml`);
            fs.writeFileSync(file, renderAlertRulesYaml(planSystem(system, "kubernetes"), { namespace: system.name }));
            const result = runTool(promtool, ["check", "rules", file]);
            assert.ok(result.ok, result.output);
            assert.match(result.output, /SUCCESS: \d+ rules found/);
        });
    }

    it("promtool rejects a broken rule (the check is live)", function () {
        const promtool = requireTool(this, "promtool", "prometheus");
        const file = path.join(dir, "broken.yaml");
        fs.writeFileSync(
            file,
            stringify({ groups: [{ name: "x", rules: [{ alert: "Broken", expr: "rate(http_requests_total[5m] > 1" }] }] }),
        );
        assert.equal(runTool(promtool, ["check", "rules", file]).ok, false);
    });

    it("asset-management: HighErrorRate and DatabaseSlowQueries fire as the seed means them", function () {
        const promtool = requireTool(this, "promtool", "prometheus");
        const { system } = stagingStack("asset-management");
        const rules = path.join(dir, "asset.rules.yaml");
        fs.writeFileSync(rules, renderAlertRulesYaml(planSystem(system, "kubernetes"), { namespace: "asset-management" }));
        const test = {
            rule_files: [rules],
            evaluation_interval: "1m",
            tests: [
                {
                    interval: "1m",
                    input_series: [
                        // 0.1 errors/s on the API (above 0.05), none on the frontend.
                        { series: 'http_requests_total{status="500",service="api",namespace="asset-management"}', values: "0+6x20" },
                        { series: 'http_requests_total{status="500",service="frontend",namespace="asset-management"}', values: "0x20" },
                        {
                            series: 'cnpg_pg_stat_database_xact_commit{datname="asset_management",namespace="asset-management"}',
                            values: "2000x20",
                        },
                    ],
                    alert_rule_test: [
                        {
                            eval_time: "10m",
                            alertname: "HighErrorRate",
                            exp_alerts: [
                                {
                                    exp_labels: { severity: "critical", status: "500", service: "api", namespace: "asset-management" },
                                    exp_annotations: { summary: "High error rate detected" },
                                },
                            ],
                        },
                        {
                            eval_time: "10m",
                            alertname: "DatabaseSlowQueries",
                            exp_alerts: [
                                {
                                    exp_labels: { severity: "warning", datname: "asset_management", namespace: "asset-management" },
                                    exp_annotations: { summary: "Database experiencing slow queries" },
                                },
                            ],
                        },
                        { eval_time: "1m", alertname: "DatabaseSlowQueries", exp_alerts: [] },
                    ],
                },
            ],
        };
        const file = path.join(dir, "asset.test.yaml");
        fs.writeFileSync(file, stringify(test));
        const result = runTool(promtool, ["test", "rules", file]);
        assert.ok(result.ok, result.output);
    });

    it("mdc-tts: PostgresBaseBackupMissing is quiet on a fresh cluster until its first base backup was due, then fires when none is newer than the gap plus an hour", function () {
        const promtool = requireTool(this, "promtool", "prometheus");
        const rules = path.join(dir, "mdc-backup.rules.yaml");
        fs.writeFileSync(rules, renderAlertRulesYaml(stagingSystemPlan("mdc-tts"), { namespace: "mdc-tts" }));
        // The plugin's series holds the UNIX time of the newest base backup (0 before the first); kube-state-metrics' kube_pod_created
        // the instance pod's creation time. Both with exactly the labels they carry (METRIC_LABELS). Evaluated at 26h30m; the gap is 25 h.
        const podMonitor =
            'namespace="mdc-tts",pod="db-1",container="postgres",endpoint="metrics",job="mdc-tts/db",instance="10.244.1.7:9187"';
        const ksm = 'service="kube-state-metrics",endpoint="http",job="kube-state-metrics",instance="10.244.0.9:8080"';
        const test = (backup: string, createdAt: number, exp_alerts: unknown[]) => ({
            interval: "10m",
            input_series: [
                { series: `barman_cloud_cloudnative_pg_io_last_available_backup_timestamp{${podMonitor}}`, values: backup },
                { series: `kube_pod_created{namespace="mdc-tts",pod="db-1",uid="0f4c",${ksm}}`, values: `${createdAt}x160` },
            ],
            alert_rule_test: [{ eval_time: "26h30m", alertname: "PostgresBaseBackupMissing", exp_alerts }],
        });
        const missing = [
            {
                exp_labels: { severity: "critical", database: "db" },
                exp_annotations: { summary: "No base backup of PostgreSQL db in its WAL archive for more than 25 hours" },
            },
        ];
        const file = path.join(dir, "mdc-backup.test.yaml");
        fs.writeFileSync(
            file,
            stringify({
                rule_files: [rules],
                evaluation_interval: "10m",
                tests: [
                    // A fresh cluster, created 6.5 h before: no backup yet, and none was due yet.
                    test("0x160", 20 * 3600, []),
                    // Created at the start: its first backup was due within 24 h and never came.
                    test("0x160", 60, missing),
                    // One base backup at 1 h, none after: 25.5 h old.
                    test("0x5 3600x155", 60, missing),
                    // A base backup every 10 minutes.
                    test("0+600x160", 60, []),
                ],
            }),
        );
        const result = runTool(promtool, ["test", "rules", file]);
        assert.ok(result.ok, result.output);
    });

    it("mdc-tts: SchedulerNotRunning fires when beat has no ready replica, and only then", function () {
        const promtool = requireTool(this, "promtool", "prometheus");
        const rules = path.join(dir, "mdc.rules.yaml");
        fs.writeFileSync(rules, renderAlertRulesYaml(stagingSystemPlan("mdc-tts"), { namespace: "mdc-tts" }));
        const ready = (values: string) => ({
            series: 'kube_statefulset_status_replicas_ready{namespace="mdc-tts",statefulset="beat"}',
            values,
        });
        const test = (values: string, exp_alerts: unknown[]) => ({
            interval: "1m",
            input_series: [ready(values)],
            alert_rule_test: [{ eval_time: "15m", alertname: "SchedulerNotRunning", exp_alerts }],
        });
        const file = path.join(dir, "mdc.test.yaml");
        const down = [
            {
                exp_labels: { severity: "critical", service: "beat" },
                exp_annotations: { summary: "Scheduler beat is not running: periodic tasks are not being sent" },
            },
        ];
        fs.writeFileSync(
            file,
            stringify({ rule_files: [rules], evaluation_interval: "1m", tests: [test("0x20", down), test("1x20", [])] }),
        );
        const result = runTool(promtool, ["test", "rules", file]);
        assert.ok(result.ok, result.output);
    });

    it("mdc-tts: DatastoreNotReady (PostgreSQL) and BackupMissing fire on series that carry exactly their exporters' labels (METRIC_LABELS)", function () {
        const promtool = requireTool(this, "promtool", "prometheus");
        const { system } = stagingStack("mdc-tts");
        const rules = path.join(dir, "mdc-real.rules.yaml");
        fs.writeFileSync(rules, renderAlertRulesYaml(planSystem(system, "kubernetes"), { namespace: "mdc-tts" }));
        // A series with every label the table says its metric carries, and no other.
        const series = (metric: string, labels: Record<string, string>) => {
            assert.deepEqual(Object.keys(labels).sort(), [...METRIC_LABELS[metric].labels].sort(), `${metric}: exactly its labels`);
            return `${metric}{${Object.entries(labels)
                .map(([k, v]) => `${k}="${v}"`)
                .join(",")}}`;
        };
        const instances = 1 + system.databases.db.readReplicas;
        const podMonitor = (pod: string) => ({
            namespace: "mdc-tts",
            pod,
            container: "postgres",
            endpoint: "metrics",
            job: "mdc-tts/db",
            instance: `10.244.1.${pod.slice(-1)}:9187`,
        });
        const up = (pod: string, values: string) => ({
            series: series("cnpg_collector_up", { cluster: "db", ...podMonitor(pod) }),
            values,
        });
        const ksm = { service: "kube-state-metrics", endpoint: "http", job: "kube-state-metrics", instance: "10.244.0.9:8080" };
        const cron = (values: string) => ({
            series: series("kube_cronjob_status_last_successful_time", { cronjob: "db-backup-full", namespace: "mdc-tts", ...ksm }),
            values,
        });
        // The CronJob's creation time: the age before its first success (kube-state-metrics has no last-successful series then).
        const created = (at: number) => ({
            series: series("kube_cronjob_created", { cronjob: "db-backup-full", namespace: "mdc-tts", ...ksm }),
            values: `${at}x160`,
        });
        const pods = Array.from({ length: instances }, (_, i) => `db-${i + 1}`);
        const test = (input_series: unknown[], alertname: string, eval_time: string, exp_alerts: unknown[]) => ({
            interval: "10m",
            input_series,
            alert_rule_test: [{ eval_time, alertname, exp_alerts }],
        });
        const degraded = [
            {
                exp_labels: { severity: "critical", database: "db" },
                exp_annotations: { summary: `database db has fewer than ${instances} ready instance${instances > 1 ? "s" : ""}` },
            },
        ];
        const missing = [
            {
                exp_labels: { severity: "critical", database: "db" },
                exp_annotations: { summary: "No successful backup of db for more than 25 hours" },
            },
        ];
        const file = path.join(dir, "mdc-real.test.yaml");
        fs.writeFileSync(
            file,
            stringify({
                rule_files: [rules],
                evaluation_interval: "10m",
                tests: [
                    test([up(pods[0], "0x10"), ...pods.slice(1).map((p) => up(p, "1x10"))], "DatastoreNotReady", "1h", degraded),
                    test(
                        pods.map((p) => up(p, "1x10")),
                        "DatastoreNotReady",
                        "1h",
                        [],
                    ),
                    test([created(60), cron("0x160")], "BackupMissing", "26h30m", missing),
                    test([created(60), cron("0+600x160")], "BackupMissing", "26h30m", []),
                    // A fresh deployment (created 6.5 h before the evaluation): no success yet, none due yet.
                    test([created(20 * 3600)], "BackupMissing", "26h30m", []),
                    // Created at the start and never succeeded: the first backup was due within 24 h.
                    test([created(60)], "BackupMissing", "26h30m", missing),
                ],
            }),
        );
        const result = runTool(promtool, ["test", "rules", file]);
        assert.ok(result.ok, result.output);
    });

    it("mdc-tts: RestoreTestFailed fires on a restore test failed since the last pass, or none passed in 27 hours, and only then", function () {
        const promtool = requireTool(this, "promtool", "prometheus");
        const rules = path.join(dir, "mdc-restore.rules.yaml");
        fs.writeFileSync(rules, renderAlertRulesYaml(stagingSystemPlan("mdc-tts"), { namespace: "mdc-tts" }));
        const ksm = { service: "kube-state-metrics", endpoint: "http", job: "kube-state-metrics", instance: "10.244.0.9:8080" };
        const series = (metric: string, labels: Record<string, string>, values: string) => {
            assert.deepEqual(
                Object.keys({ ...labels, ...ksm }).sort(),
                [...METRIC_LABELS[metric].labels].sort(),
                `${metric}: exactly its labels`,
            );
            const all = { ...labels, ...ksm } as Record<string, string>;
            return {
                series: `${metric}{${Object.keys(all)
                    .map((k) => `${k}="${all[k]}"`)
                    .join(",")}}`,
                values,
            };
        };
        const ns = { namespace: "mdc-tts" };
        const created = series("kube_cronjob_created", { ...ns, cronjob: "db-restore-test" }, "60x200");
        // The CronJob's last pass at 2 h (7200 s), in every sample from then on.
        const passed = series("kube_cronjob_status_last_successful_time", { ...ns, cronjob: "db-restore-test" }, "_x12 7200x188");
        const job = (name: string, at: number, failed: number) => [
            series("kube_job_created", { ...ns, job_name: name }, `${at}x200`),
            series("kube_job_status_failed", { ...ns, job_name: name, reason: "BackoffLimitExceeded" }, `${failed}x200`),
        ];
        const firing = [
            {
                exp_labels: { severity: "critical", database: "db" },
                exp_annotations: { summary: "The restore test of db failed, or none passed for 27 hours" },
            },
        ];
        const test = (input_series: unknown[], eval_time: string, exp_alerts: unknown[]) => ({
            interval: "10m",
            input_series,
            alert_rule_test: [{ eval_time, alertname: "RestoreTestFailed", exp_alerts }],
        });
        const file = path.join(dir, "mdc-restore.test.yaml");
        fs.writeFileSync(
            file,
            stringify({
                rule_files: [rules],
                evaluation_interval: "10m",
                tests: [
                    // A run failed at 3 h, after the pass at 2 h: fires.
                    test([created, passed, ...job("db-restore-test-1", 10800, 1)], "4h", firing),
                    // The failed run was before the pass: quiet.
                    test([created, passed, ...job("db-restore-test-1", 3600, 1)], "4h", []),
                    // No failure, the last pass 2 h ago at most 25 h ago: quiet; 28 h after it: fires.
                    test([created, passed], "26h", []),
                    test([created, passed], "30h", firing),
                    // Never passed: quiet until 27 h after the CronJob's creation, then fires.
                    test([created], "20h", []),
                    test([created], "28h", firing),
                ],
            }),
        );
        const result = runTool(promtool, ["test", "rules", file]);
        assert.ok(result.ok, result.output);
    });
});
