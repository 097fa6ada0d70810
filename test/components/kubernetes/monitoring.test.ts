import { strict as assert } from "assert";
import { renderAlertRules } from "../../../components/shared/alert-rules";
import { objects, stagingPlan, stagingStack, stagingSystemPlan } from "./fixtures";
import { planSystem } from "../../../plan";

describe("kubernetes monitoring", () => {
    it("alerts when a backup is older than its longest schedule gap plus an hour", () => {
        const { system } = stagingStack("auromart");
        const rules = renderAlertRules(planSystem(system, "kubernetes"), { namespace: "auromart" }).groups.flatMap((g) => g.rules);
        const missing = rules.find((r) => r.alert === "BackupMissing")!;
        assert.match(missing.expr, /> 25200$/, "6-hourly incrementals: 6 h + 1 h");
        assert.ok(!rules.some((r) => r.alert === "DatabaseSlowQueries"), "the seed's rule is PostgreSQL's");
        assert.match(rules.find((r) => r.alert === "DatastoreNotReady")!.expr, /statefulset="db"/);
    });

    it("watches a scheduler as the StatefulSet it is, not as a Deployment", () => {
        const { system } = stagingStack("mdc-tts");
        const rules = renderAlertRules(planSystem(system, "kubernetes"), { namespace: "mdc-tts" }).groups.flatMap((g) => g.rules);
        assert.match(
            rules.find((r) => r.alert === "SchedulerNotRunning")!.expr,
            /sum\(kube_statefulset_status_replicas_ready\{namespace="mdc-tts",statefulset="beat"\}\) < 1/,
        );
        const deployments = rules.filter((r) => r.alert === "ReplicasUnavailable");
        assert.deepEqual(
            deployments.map((r) => r.labels?.service),
            ["backend", "frontend", "worker"],
        );
        assert.ok(
            deployments.every((r) => /kube_deployment_status_replicas_available\{namespace="mdc-tts",deployment="[a-z]+"\}/.test(r.expr)),
        );
        const none = renderAlertRules(stagingSystemPlan("mealkitz"), { namespace: "m" }).groups.flatMap((g) => g.rules);
        assert.ok(!none.some((r) => r.alert === "SchedulerNotRunning"), "no scheduler, no rule");
    });

    it("takes thresholds from the spec", () => {
        const { system } = stagingStack("asset-management", {
            "tierform:overrides": { monitoring: { errorRatePercent: 2, p99LatencyMs: 500 } },
        });
        const rules = renderAlertRules(planSystem(system, "kubernetes"), { namespace: "x" }).groups.flatMap((g) => g.rules);
        assert.match(rules.find((r) => r.alert === "HighErrorRate")!.expr, /> 0\.02$/);
        assert.match(rules.find((r) => r.alert === "HighLatencyP99")!.expr, /> 0\.5$/);
    });

    it("creates no prometheus-operator object when the CRDs are absent", async () => {
        const plan = await stagingPlan("mealkitz", { "tierform:monitoringCrds": "false" });
        assert.equal(objects(plan, "ServiceMonitor").length + objects(plan, "PrometheusRule").length, 0);
        assert.equal(objects(plan, "Cluster")[0].inputs.spec.monitoring.enablePodMonitor, false);
        const on = await stagingPlan("mealkitz");
        assert.equal(objects(on, "ServiceMonitor").length, 5);
        assert.equal(objects(on, "PrometheusRule").length, 1);
    });
});
