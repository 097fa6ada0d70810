/**
 * The dev observability profile (`tierform:observability`, issue 23) as the dev plan renders it:
 * the four parts, closed by default, configured from the plan; every long-running container of
 * the system logging to the collector; the services on the telemetry network; the dashboard the
 * same as the plan's; the policy pack content. The log path itself runs on a real Docker daemon in
 * test/docker-engine/log-forward.test.ts.
 */
import * as assert from "assert";
import { parse } from "yaml";
import { planStack, type Plan } from "../../harness";
import type { PlannedResource } from "../../../scripts/offline/engine";
import { runPolicyReport } from "../../../scripts/offline/policy-report";
import { imageOf } from "../../../conventions/pins";
import { DATASOURCE_UIDS, renderDashboard } from "../../../components/shared/dashboards";
import { loadStack } from "../../../model";
import { planSystem } from "../../../plan";
import { stackConfig } from "../../harness";

const CONTAINER = "docker:index/container:Container";
const SYSTEM = "mdc-tts";
const ON = { stack: "dev", system: SYSTEM, config: { "tierform:observability": "true" } };

const label = (r: PlannedResource, key: string): string | undefined =>
    (r.inputs.labels ?? []).find((l: { label: string }) => l.label === key)?.value;
const role = (plan: Plan, name: string) =>
    plan.ofType(CONTAINER).find((c) => label(c, "tierform.tier") === "monitoring" && label(c, "tierform.role") === name)!;
/** The content of `file` uploaded by the config-files step of the part `name`. */
function uploaded(plan: Plan, name: string, file: string): string {
    const step = plan.ofType(CONTAINER).find((c) => c.name.endsWith(`-observability-${name}-config-files`));
    assert.ok(step, `no config-files step for ${name}`);
    const u = (step.inputs.uploads as { file: string; content: string }[]).find((x) => x.file.endsWith(`/${file}`));
    assert.ok(u, `${name} has no ${file}: ${step.inputs.uploads.map((x: { file: string }) => x.file).join(", ")}`);
    return u.content;
}

describe("docker: the observability profile (tierform:observability)", function () {
    this.timeout(60_000);

    it("runs the collector, Loki, Tempo and Grafana: pinned, non-root, limited; only Grafana and the Forward port published, on 127.0.0.1", async () => {
        const plan = await planStack(ON);
        const parts = { collector: "otelCollectorContrib", loki: "loki", tempo: "tempo", grafana: "grafana" } as const;
        for (const [name, pin] of Object.entries(parts)) {
            const c = role(plan, name);
            assert.ok(c, `no ${name} container`);
            assert.equal(plan.one("docker:index/remoteImage:RemoteImage", `observability-${name}-image`).inputs.name, imageOf(pin));
            assert.doesNotMatch(String(c.inputs.user), /^(0|root)(:|$)/);
            assert.equal(c.inputs.readOnly, true);
            assert.ok(c.inputs.memory > 0);
            assert.equal(c.inputs.logDriver, "json-file", `${name}'s own log stays local (no loop through the collector)`);
        }
        const published = plan
            .ofType(CONTAINER)
            .filter((c) => label(c, "tierform.tier") === "monitoring")
            .flatMap((c) =>
                (c.inputs.ports ?? []).map((p: { internal: number; external: number; ip: string }) => ({
                    name: label(c, "tierform.role"),
                    ...p,
                })),
            );
        assert.deepEqual(published.map((p) => `${p.name} ${p.ip}:${p.external}->${p.internal}`).sort(), [
            "collector 127.0.0.1:24224->24224",
            "grafana 127.0.0.1:3000->3000",
        ]);
    });

    it("every long-running container of the system logs to the collector; one-shot steps keep their local log", async () => {
        const plan = await planStack(ON);
        const system = plan.ofType(CONTAINER).filter((c) => label(c, "tierform.tier") !== "monitoring");
        const longRunning = system.filter((c) => c.inputs.restart !== "no");
        assert.ok(longRunning.length >= 5, `only ${longRunning.length} long-running containers`);
        for (const c of longRunning) {
            assert.equal(c.inputs.logDriver, "fluentd", `${c.name} logs locally`);
            assert.equal(c.inputs.logOpts["fluentd-address"], "tcp://127.0.0.1:24224");
            assert.equal(c.inputs.logOpts["fluentd-async"], "true");
            assert.match(c.inputs.logOpts.labels, /tierform\.service/);
        }
        for (const c of system.filter((c) => c.inputs.restart === "no")) assert.equal(c.inputs.logDriver, "json-file", c.name);
        // Off, nothing changes: every container keeps Docker's json-file driver.
        const off = await planStack({ stack: "dev", system: SYSTEM });
        assert.ok(off.ofType(CONTAINER).every((c) => c.inputs.logDriver === "json-file"));
        assert.ok(!off.ofType(CONTAINER).some((c) => label(c, "tierform.tier") === "monitoring"));
    });

    it("the services reach the collector by the name their OTEL_EXPORTER_OTLP_ENDPOINT gives, on the internal telemetry network", async () => {
        const plan = await planStack(ON);
        const telemetry = plan.ofType("docker:index/network:Network").find((n) => n.name.endsWith("-observability-telemetry"))!;
        assert.equal(telemetry.inputs.internal, true);
        const collector = role(plan, "collector");
        const onTelemetry = (c: PlannedResource) =>
            (c.inputs.networksAdvanced ?? []).find((n: { name: string }) => n.name === telemetry.inputs.name);
        assert.deepEqual(onTelemetry(collector).aliases, ["otel-collector"]);
        const replicas = plan.ofType(CONTAINER).filter((c) => label(c, "tierform.replica") !== undefined);
        assert.ok(replicas.length > 0);
        for (const r of replicas) {
            const endpoint = (r.inputs.envs as string[]).find((e) => e.startsWith("OTEL_EXPORTER_OTLP_ENDPOINT="));
            assert.equal(endpoint, "OTEL_EXPORTER_OTLP_ENDPOINT=http://otel-collector:4318", r.name);
            assert.ok(onTelemetry(r), `${r.name} is not on the telemetry network`);
        }
    });

    it("configures the parts from the plan: retention, the collector's pipelines, Grafana's data sources and the plan's dashboard", async () => {
        const plan = await planStack(ON);
        const stack = loadStack(stackConfig(ON));
        const sys = planSystem(stack.system, "docker");
        const days = sys.observability.logRetentionDays;
        const loki = parse(uploaded(plan, "loki", "loki.yaml"));
        assert.equal(loki.limits_config.retention_period, `${days * 24}h`);
        assert.equal(loki.compactor.retention_enabled, true);
        assert.deepEqual(loki.limits_config.otlp_config.resource_attributes.attributes_config[0].attributes, ["system", "component"]);
        assert.equal(parse(uploaded(plan, "tempo", "tempo.yaml")).compactor.compaction.block_retention, `${days * 24}h`);
        const collector = parse(uploaded(plan, "collector", "collector.yaml"));
        assert.deepEqual(collector.service.pipelines.logs.receivers, ["fluentforward"]);
        assert.deepEqual(collector.service.pipelines.logs.exporters, ["otlphttp/loki"]);
        assert.deepEqual(collector.service.pipelines.traces.exporters, ["otlp/tempo"]);
        assert.deepEqual(collector.processors["groupbyattrs/components"].keys, ["system", "component"]);
        const sources = parse(uploaded(plan, "grafana", "datasources/tierform.yaml"));
        assert.deepEqual(
            sources.datasources.map((d: { uid: string }) => d.uid),
            [DATASOURCE_UIDS.loki, DATASOURCE_UIDS.tempo],
        );
        assert.deepEqual(JSON.parse(uploaded(plan, "grafana", `${SYSTEM}.json`)), JSON.parse(JSON.stringify(renderDashboard(sys, {}))));
    });

    it("the policy pack finds no mandatory violation on the dev stack with the profile", async () => {
        const plan = await planStack(ON);
        const report = runPolicyReport(plan.run, "dev");
        const mandatory = report.violations.filter((v) => v.level === "mandatory");
        assert.deepEqual(
            mandatory.map((v) => `${v.policy}: ${v.urn}: ${v.message}`),
            [],
        );
    });
});
