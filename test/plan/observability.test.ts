/**
 * The observability plan (plan/observability.ts): log retention from the profile or the spec, the
 * OTEL_* variables every service receives on each platform, the dashboard rows and the alert
 * catalogue. Loaded through the real loader with small inline specs (test/harness/spec.ts).
 */
import { strict as assert } from "assert";
import { loadStack, type Platform } from "../../model";
import { KNOWLEDGE, planSystem, unrenderedWhy } from "../../plan";
import { platformProblems } from "../../deploy";
import { planStack, problemsOf, stackConfig } from "../harness";
import { clusterAlertsPlan } from "../../components/eks/parts";
import { spec } from "../harness/spec";

const STACKS: Record<string, Platform> = { dev: "docker", staging: "kubernetes", prod: "aws" };

/** The overrides of the one small prod run: the spec's retention, and traces off (the untraced tasks' test reads it too). */
const PROD_UNTRACED = { observability: { logRetentionDays: 731, traces: { enabled: false } } };

const small = () =>
    spec("obs")
        .service("web", { env: { OTEL_SERVICE_NAME: "storefront" } })
        .service("worker", { kind: "worker" })
        .postgres("db")
        .build();

function planOf(stack: string, system: string, config: Record<string, unknown> = {}, overrides?: Record<string, unknown>) {
    const loaded = loadStack(stackConfig({ stack, system, config, overrides }));
    return planSystem(loaded.system, STACKS[stack]);
}

describe("plan: observability", () => {
    it("keeps logs for the profile's days (7, 30, 365) unless the spec says, and samples 1, 1, 0.1 of new traces", () => {
        const file = small();
        const days = Object.keys(STACKS).map((stack) => planOf(stack, file).observability.logRetentionDays);
        assert.deepEqual(days, [7, 30, 365]);
        const ratios = Object.keys(STACKS).map((stack) => planOf(stack, file).observability.traces.sampleRatio);
        assert.deepEqual(ratios, [1, 1, 0.1]);
        const set = planOf("prod", file, {}, { observability: { logRetentionDays: 731, traces: { sampleRatio: 0.25 } } }).observability;
        assert.equal(set.logRetentionDays, 731);
        assert.equal(set.traces.sampleRatio, 0.25);
    });

    it("prod keeps every CloudWatch log group for the spec's days, not the profile's (the resources, not only the plan)", async () => {
        const plan = await planStack({ stack: "prod", system: small(), overrides: PROD_UNTRACED });
        const groups = plan.ofType("aws:cloudwatch/logGroup:LogGroup");
        assert.ok(groups.length >= 3, `log groups: ${groups.map((g) => g.name)}`);
        const wrong = groups.filter((g) => g.inputs.retentionInDays !== 731).map((g) => `${g.name}: ${g.inputs.retentionInDays}`);
        assert.deepEqual(wrong, [], "every log group keeps 731 days");
    });

    it("prod with traces off: no task runs the ADOT collector, no task role may write to X-Ray, every SDK is disabled (the resources)", async () => {
        const plan = await planStack({ stack: "prod", system: small(), overrides: PROD_UNTRACED });
        const tasks = plan.ofType("aws:ecs/taskDefinition:TaskDefinition");
        assert.equal(tasks.length, 2);
        for (const t of tasks) {
            const defs = JSON.parse(t.inputs.containerDefinitions);
            assert.ok(!defs.some((c: { image: string }) => c.image.includes("aws-otel-collector")), t.name);
            const env = Object.fromEntries(defs[0].environment.map((e: { name: string; value: string }) => [e.name, e.value]));
            assert.equal(env.OTEL_SDK_DISABLED, "true", t.name);
            assert.equal(env.OTEL_EXPORTER_OTLP_ENDPOINT, undefined, t.name);
        }
        // The sizes of the spec (prod's default 1 vCPU / 2 GiB), not grown by a collector's memory.
        assert.deepEqual(
            tasks.map((t) => `${t.inputs.cpu}/${t.inputs.memory}`),
            ["1024/2048", "1024/2048"],
        );
        assert.ok(!JSON.stringify(plan.ofType("aws:iam/rolePolicy:RolePolicy").map((p) => p.inputs.policy)).includes("xray:"));
    });

    it("refuses a retention CloudWatch Logs would refuse, in one line naming the spec path", () => {
        const problems = problemsOf(stackConfig({ stack: "dev", system: small(), overrides: { observability: { logRetentionDays: 10 } } }));
        assert.equal(problems.length, 1);
        assert.match(problems[0].where, /observability\.logRetentionDays/);
        assert.match(problems[0].message, /must be one of the periods CloudWatch Logs accepts: 1, 3, 5, 7, 14, 30/);
    });

    it("gives every service the OTEL_* variables pointing at its platform's collector; the spec's env wins for a name it gives", () => {
        for (const stack of ["staging", "prod"]) {
            const plan = planOf(stack, small());
            const v = plan.services.worker.variables.plain;
            assert.equal(v.OTEL_SERVICE_NAME, "worker");
            assert.equal(v.OTEL_EXPORTER_OTLP_ENDPOINT, KNOWLEDGE[STACKS[stack]].telemetry.otlpEndpoint);
            assert.equal(v.OTEL_EXPORTER_OTLP_PROTOCOL, "http/protobuf");
            assert.equal(v.OTEL_RESOURCE_ATTRIBUTES, `service.namespace=obs,deployment.environment.name=${stack}`);
            assert.equal(v.OTEL_TRACES_SAMPLER, "parentbased_traceidratio");
            assert.equal(v.OTEL_TRACES_SAMPLER_ARG, stack === "prod" ? "0.1" : "1");
            assert.equal(v.OTEL_TRACES_EXPORTER, "otlp");
            assert.equal(plan.services.web.variables.plain.OTEL_SERVICE_NAME, "storefront");
            assert.deepEqual(
                plan.observability.variables.worker,
                Object.fromEntries(Object.entries(v).filter(([k]) => k.startsWith("OTEL_"))),
            );
        }
        // Prod: the ADOT collector beside the application in its task; no service has the SDK disabled.
        for (const s of Object.values(planOf("prod", small()).services)) {
            assert.equal(s.variables.plain.OTEL_EXPORTER_OTLP_ENDPOINT, "http://localhost:4318", s.name);
            assert.equal(s.variables.plain.OTEL_SDK_DISABLED, undefined, s.name);
        }
        // Traces off: nothing to export (no collector on prod at all), so the SDK is off on every platform.
        for (const stack of ["staging", "prod"]) {
            const off = planOf(stack, small(), {}, { observability: { traces: { enabled: false } } });
            assert.deepEqual(off.observability.variables.worker, { OTEL_SDK_DISABLED: "true" }, stack);
            assert.equal(off.services.worker.variables.plain.OTEL_EXPORTER_OTLP_ENDPOINT, undefined, stack);
        }
    });

    it("prod refuses a traced service on a port of the ADOT collector beside it, in one line naming the spec path; traces off or EKS accept it", () => {
        const file = spec("obs").service("web", { port: 4318 }).build();
        const problems = (stack: string, overrides?: Record<string, unknown>) =>
            // Only the services' (a spec file on prod also lacks an alarm subscriber and a real domain).
            platformProblems(loadStack(stackConfig({ stack, system: file, ...(overrides ? { overrides } : {}) }))).filter((p) =>
                p.where.startsWith("services."),
            );
        const refused = problems("prod");
        assert.deepEqual(
            refused.map((p) => p.where),
            ["services.web.port"],
        );
        assert.match(refused[0].message, /4318 is a port of the ADOT trace collector in the same ECS task/);
        assert.deepEqual(problems("prod", { observability: { traces: { enabled: false } } }), []);
        assert.deepEqual(problems("prod-eks"), []);
    });

    it("the EKS placement plans for aws but its pods export to the cluster's collector, the address staging's pods use", () => {
        const loaded = loadStack(stackConfig({ stack: "prod-eks", system: small() }));
        const plan = planSystem(loaded.system, "aws", "eks");
        assert.equal(plan.observability.otlpEndpoint, KNOWLEDGE.kubernetes.telemetry.otlpEndpoint);
        for (const s of Object.values(plan.services))
            assert.equal(s.variables.plain.OTEL_EXPORTER_OTLP_ENDPOINT, "http://otel-collector.monitoring.svc.cluster.local:4318", s.name);
        // Its printed approximations no longer claim the SDKs are disabled: tracing is full on the placement.
        assert.ok(!plan.approximations.some((a) => a.startsWith("tracing")), plan.approximations.join("\n"));
    });

    it("on dev, without tierform:observability no collector runs: the SDK is switched off; with it the collector's alias, and its ports may not collide", () => {
        assert.deepEqual(planOf("dev", small()).observability.variables.worker, { OTEL_SDK_DISABLED: "true" });
        const on = planOf("dev", small(), { "tierform:observability": true });
        assert.equal(on.observability.pipeline, true);
        assert.equal(on.services.worker.variables.plain.OTEL_EXPORTER_OTLP_ENDPOINT, "http://otel-collector:4318");
        assert.equal(on.services.worker.variables.plain.OTEL_SDK_DISABLED, undefined);
        // The profile's containers exist (components/docker/observability.ts): the switch is accepted, and refused only where its two host ports collide.
        const stack = loadStack(stackConfig({ stack: "dev", system: small(), config: { "tierform:observability": true } }));
        assert.deepEqual(platformProblems(stack), []);
        const clash = loadStack(
            stackConfig({ stack: "dev", system: small(), config: { "tierform:observability": true, "tierform:grafanaPort": "24224" } }),
        );
        assert.deepEqual(
            platformProblems(clash).map((p) => p.where),
            ["tierform:grafanaPort"],
        );
    });

    it("a row per service and datastore; the edge's signals only for a routed service; one alert list", () => {
        const plan = planOf("staging", small());
        assert.deepEqual(
            plan.observability.rows.map((r) => [r.title, r.signals.map((s) => s.id).join(",")]),
            [
                ["service web (web)", "requests,error-ratio,latency,cpu,memory,replicas,restarts,error-logs"],
                ["service worker (worker)", "cpu,memory,replicas,restarts,error-logs"],
                ["database db (postgres)", "up,connections,commits,backup-age,restore-test,cpu,memory"],
            ],
        );
        assert.deepEqual(
            plan.observability.alerts.map(
                (a) => `${a.id} ${a.subject.kind} ${a.subject.name} ${a.comparison} ${a.threshold} for ${a.forMinutes}m`,
            ),
            [
                "HighErrorRate system obs > 0.05 for 2m",
                "ErrorLogs system obs > 20 for 5m",
                "HighErrorRatio service web > 0.05 for 5m",
                "HighLatencyP99 service web > 1 for 15m",
                "ReplicasUnavailable service web < 2 for 10m",
                "ReplicasUnavailable service worker < 1 for 10m",
                "DatastoreNotReady database db < 1 for 5m",
                "DatabaseSlowQueries database db > 1000 for 5m",
                "BackupMissing database db > 90000 for 10m",
                "RestoreTestFailed database db < 1 for 0m",
            ],
        );
    });
});

/**
 * Alert parity: each platform renders the plan's catalogue — every alert, by its name, subject and
 * threshold — except those its plan/support/<platform>.ts `telemetry.unrendered` declares, read back
 * from what the program registered (the PrometheusRule on staging, the CloudWatch alarms on prod).
 */
describe("plan: the alert catalogue on every platform", () => {
    const file = () =>
        spec("alerts").service("web").service("beat", { kind: "scheduler" }).postgres("db").redis("cache").queue("jobs").build();

    it("staging: the PrometheusRule holds exactly the catalogue's alerts, each with its subject's label and the plan's threshold and duration", async () => {
        const system = file();
        const plan = planOf("staging", system);
        const registered = await planStack({ stack: "staging", system });
        const rule = registered.resources.find((r) => r.type === "kubernetes:monitoring.coreos.com/v1:PrometheusRule")!;
        const rules: { alert?: string; expr: string; for?: string; labels?: Record<string, string> }[] = rule.inputs.spec.groups
            .filter((g: { name: string }) => !g.name.endsWith(".kubernetes") && !g.name.endsWith(".recording"))
            .flatMap((g: { rules: unknown[] }) => g.rules);
        const expected = plan.observability.alerts.filter((a) => !(a.id in KNOWLEDGE.kubernetes.telemetry.unrendered));
        assert.deepEqual(
            rules
                .map((r) => {
                    const { severity, ...subject } = r.labels ?? {};
                    const named = Object.entries(subject).map(([k, v]) => ` ${k}=${v}`);
                    return `${r.alert} ${severity}${named.join("")} for ${r.for} ${/[<>] (\S+)$/.exec(r.expr)?.[1]}`;
                })
                .sort(),
            expected
                .map((a) => {
                    const subject =
                        a.subject.kind === "system" || a.id === "DatabaseSlowQueries" ? "" : ` ${a.subject.kind}=${a.subject.name}`;
                    return `${a.id} ${a.severity}${subject} for ${a.forMinutes}m ${a.threshold}`;
                })
                .sort(),
        );
    });

    for (const stack of ["prod", "prod-eks"])
        it(`${stack}: every alert AWS renders is a CloudWatch alarm whose description starts with its name, at the plan's threshold${stack === "prod-eks" ? "; the pods' availability is the cluster's PrometheusRule's" : ""}`, async () => {
            const system = file();
            const plan = planOf("prod", system);
            const registered = await planStack({ stack, system });
            const alarms = registered.resources.filter((r) => r.type === "aws:cloudwatch/metricAlarm:MetricAlarm");
            // On EKS the cluster's PrometheusRule renders the pods' availability (components/eks/parts.ts clusterAlertsPlan).
            const cluster = new Set(
                stack === "prod-eks" ? clusterAlertsPlan(plan).observability.alerts.map((a) => `${a.id} ${a.subject.name}`) : [],
            );
            if (stack === "prod-eks") {
                assert.ok(cluster.size > 0);
                const rule = registered.resources.find((r) => r.type === "kubernetes:monitoring.coreos.com/v1:PrometheusRule")!;
                const rules = rule.inputs.spec.groups.flatMap(
                    (g: { rules: { alert?: string; labels?: Record<string, string> }[] }) => g.rules,
                );
                for (const key of cluster) {
                    const [id, subject] = key.split(" ");
                    assert.ok(
                        rules.some(
                            (r: { alert?: string; labels?: Record<string, string> }) =>
                                r.alert === id && Object.values(r.labels ?? {}).includes(subject),
                        ),
                        `${key}: a rule`,
                    );
                }
            }
            const rendered = plan.observability.alerts.filter(
                (a) => unrenderedWhy("aws", a) === undefined && !cluster.has(`${a.id} ${a.subject.name}`),
            );
            assert.ok(rendered.length > 0);
            for (const a of rendered) {
                // One alarm per alert, named by the alert, about its subject (a service's or datastore's name in its description).
                const named = alarms.filter((r) => String(r.inputs.alarmDescription ?? "").startsWith(`${a.id}:`));
                const mine =
                    a.subject.kind === "system"
                        ? named
                        : named.filter((r) => new RegExp(`\\b${a.subject.name}\\b`).test(r.inputs.alarmDescription));
                assert.equal(mine.length, 1, `${a.id} ${a.subject.kind} ${a.subject.name}: ${mine.length} alarms`);
                const alarm = mine[0].inputs;
                if (a.signal === "backup-age") {
                    // A backup's age is no metric: no job completed (threshold 1) in hourly periods covering the plan's age.
                    assert.equal(alarm.threshold, 1, a.id);
                    const period =
                        alarm.period ?? alarm.metricQueries.find((q: { metric?: { period: number } }) => q.metric)!.metric.period;
                    const range = period * alarm.evaluationPeriods;
                    assert.ok(range >= a.threshold && range < a.threshold + 3600, `${a.id}: ${range} s against ${a.threshold} s`);
                }
                // CloudWatch's error rate is in percent (100 * 5xx / requests), the plan's a share.
                else assert.equal(alarm.threshold, a.signal === "error-ratio" ? a.threshold * 100 : a.threshold, a.id);
            }
            const ids = new Set(rendered.map((a) => a.id));
            for (const id of ids)
                assert.equal(
                    alarms.filter((r) => String(r.inputs.alarmDescription ?? "").startsWith(`${id}:`)).length,
                    rendered.filter((a) => a.id === id).length,
                    `${id}: as many alarms as alerts`,
                );
            for (const a of plan.observability.alerts.filter((x) => unrenderedWhy("aws", x) !== undefined))
                assert.ok(
                    !alarms.some((r) =>
                        String(r.inputs.alarmDescription ?? "").startsWith(`${a.id}: ${a.subject.kind} ${a.subject.name} `),
                    ),
                    `${a.id} of ${a.subject.kind} ${a.subject.name} is rendered: drop it from unrendered`,
                );
        });

    it("ErrorLogs means the same on ECS and on the EKS placement: one alarm summing one error-line metric per service, each a filter's on that service's own log group", async () => {
        const system = file();
        const plan = planOf("prod", system);
        const services = Object.keys(plan.services).sort();
        const alert = plan.observability.alerts.find((a) => a.id === "ErrorLogs")!;
        for (const stack of ["prod", "prod-eks"]) {
            const registered = await planStack({ stack, system });
            const filters = registered.resources.filter((r) => r.type === "aws:cloudwatch/logMetricFilter:LogMetricFilter");
            const groups = registered.resources.filter((r) => r.type === "aws:cloudwatch/logGroup:LogGroup");
            // Each filter's metric, by the service whose group it reads (the group's `service` tag).
            const metricOf: Record<string, string> = {};
            for (const f of filters) {
                const group = groups.find((g) => g.inputs.name === f.inputs.logGroupName)!;
                const service = group.inputs.tags?.service;
                assert.ok(service && !(service in metricOf), `${stack}: ${f.inputs.logGroupName} is one service's group`);
                metricOf[service] = `${f.inputs.metricTransformation.namespace} ${f.inputs.metricTransformation.name}`;
            }
            assert.deepEqual(Object.keys(metricOf).sort(), services, `${stack}: a filter per service`);
            assert.equal(new Set(Object.values(metricOf)).size, services.length, `${stack}: a metric per service`);
            const alarms = registered.resources.filter(
                (r) => r.type === "aws:cloudwatch/metricAlarm:MetricAlarm" && String(r.inputs.alarmDescription).startsWith("ErrorLogs:"),
            );
            assert.equal(alarms.length, 1, stack);
            const read = (alarms[0].inputs.metricQueries as { metric?: { namespace: string; metricName: string; period: number } }[])
                .filter((q) => q.metric)
                .map((q) => `${q.metric!.namespace} ${q.metric!.metricName}`);
            assert.deepEqual(read.sort(), Object.values(metricOf).sort(), `${stack}: the alarm sums every service's metric`);
            assert.equal(alarms[0].inputs.threshold, alert.threshold, stack);
        }
    });
});
