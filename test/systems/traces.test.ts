/**
 * Traces on prod, read from what the whole program registers for MealKitz (the cached runs other
 * files plan too): on ECS every task runs the ADOT collector beside the application, pinned by tag
 * and digest, non-essential, and the task role may write to X-Ray and nothing more for it; on the
 * EKS placement every pod exports to the cluster's collector gateway, its NetworkPolicy admits that
 * flow, and the gateway sends to X-Ray under a Pod Identity role with the same actions. Traces off on
 * prod: test/plan/observability.test.ts.
 */
import { rolloutCheckAccount } from "../../components/kubernetes/rollout";
import { strict as assert } from "assert";
import { eksFlows } from "../../components/eks/network";
import { OTEL_GATEWAY } from "../../components/kubernetes/network";
import { loadStack } from "../../model";
import { planSystem } from "../../plan";
import { engineProblems } from "../../scripts/offline/engine-rules";
import { planStack, stackConfig, type Plan, type PlannedResource } from "../harness";

/** AWSXrayWriteOnlyAccess (v2), https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSXrayWriteOnlyAccess.html, Resource "*". */
const XRAY_WRITE_ACTIONS = [
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
    "xray:GetSamplingStatisticSummaries",
];

const json = (v: unknown) => (typeof v === "string" ? JSON.parse(v) : v);
const list = (v: unknown): string[] => (Array.isArray(v) ? v : v === undefined ? [] : [v as string]);
const envOf = (c: { environment?: { name: string; value: string }[] }) =>
    Object.fromEntries((c.environment ?? []).map((e) => [e.name, e.value]));

/** The statements of a task role's inline policy (service/roles.ts names it as the role). */
function statementsOf(plan: Plan, role: PlannedResource): { Sid?: string; Action: string | string[]; Resource: string | string[] }[] {
    return plan
        .ofType("aws:iam/rolePolicy:RolePolicy")
        .filter((p) => p.name === role.name)
        .flatMap((p) => json(p.inputs.policy).Statement);
}

describe("traces on prod (MealKitz): ECS with the ADOT sidecar, EKS through the cluster's collector, both into X-Ray", function () {
    this.timeout(120000);

    it("ECS: every task runs the pinned ADOT collector beside the application, which exports to it on localhost", async () => {
        const plan = await planStack({ stack: "prod", system: "mealkitz" });
        const tasks = plan.ofType("aws:ecs/taskDefinition:TaskDefinition");
        assert.ok(tasks.length >= 5);
        for (const task of tasks) {
            const [app, ...helpers] = json(task.inputs.containerDefinitions);
            const collectors = helpers.filter((c: { image: string }) => c.image.includes("aws-otel-collector"));
            assert.equal(collectors.length, 1, task.name);
            const adot = collectors[0];
            // Through the account's pull-through cache for ECR Public (components/aws/image-cache.ts), tag and digest as pinned.
            assert.match(
                adot.image,
                /^123456789012\.dkr\.ecr\.us-east-1\.amazonaws\.com\/mealkitz-prod-ecr-public\/aws-observability\/aws-otel-collector:v\d+\.\d+\.\d+@sha256:[0-9a-f]{64}$/,
            );
            assert.equal(adot.essential, false, "a dead collector must not stop the application's task");
            assert.deepEqual(adot.command, ["--config=/etc/ecs/ecs-xray.yaml"]);
            assert.equal(adot.user, "4317:4317");
            assert.equal(adot.readonlyRootFilesystem, true);
            assert.deepEqual(adot.linuxParameters.capabilities.drop, ["ALL"]);
            assert.deepEqual(adot.healthCheck.command, ["CMD", "/healthcheck"]);
            assert.equal(adot.portMappings, undefined, "reached on localhost only");
            assert.equal(adot.logConfiguration.options["awslogs-group"], app.logConfiguration.options["awslogs-group"]);
            assert.equal(adot.logConfiguration.options["awslogs-stream-prefix"], adot.name);
            // The application exports to it, sampled as the plan says, and starts after it.
            const env = envOf(app);
            assert.equal(env.OTEL_EXPORTER_OTLP_ENDPOINT, "http://localhost:4318", task.name);
            assert.equal(env.OTEL_TRACES_EXPORTER, "otlp");
            assert.equal(env.OTEL_TRACES_SAMPLER, "parentbased_traceidratio");
            assert.equal(env.OTEL_TRACES_SAMPLER_ARG, "0.1");
            assert.equal(env.OTEL_SDK_DISABLED, undefined);
            assert.ok(
                app.dependsOn.some(
                    (d: { containerName: string; condition: string }) => d.containerName === adot.name && d.condition === "START",
                ),
            );
            // The task holds the collector's memory on top of the application's 2 GiB.
            assert.ok(Number(task.inputs.memory) >= 2048 + adot.memory, `${task.name}: ${task.inputs.memory}`);
        }
        assert.deepEqual(engineProblems(plan.run), []);
    });

    it("ECS: each task role may use exactly the X-Ray write actions, on '*' as X-Ray requires, and no other statement is that wide", async () => {
        const plan = await planStack({ stack: "prod", system: "mealkitz" });
        const roles = plan.ofType("aws:iam/role:Role").filter((r) => r.name.endsWith("-task"));
        assert.ok(roles.length >= 5);
        for (const role of roles) {
            const statements = statementsOf(plan, role);
            const xray = statements.filter((s) => list(s.Action).some((a) => a.startsWith("xray:")));
            assert.equal(xray.length, 1, role.name);
            assert.deepEqual([...list(xray[0].Action)].sort(), [...XRAY_WRITE_ACTIONS].sort(), role.name);
            assert.deepEqual(list(xray[0].Resource), ["*"]);
            const wide = statements.filter((s) => s !== xray[0] && list(s.Resource).includes("*"));
            assert.deepEqual(wide, [], role.name);
        }
    });

    it("EKS: every pod exports to the cluster's collector, its NetworkPolicy admits 4318 there, the collector sends to X-Ray as its own Pod Identity", async () => {
        const plan = await planStack({ stack: "prod-eks", system: "mealkitz" });
        const deployments = plan.ofType("kubernetes:apps/v1:Deployment");
        assert.ok(deployments.length >= 5);
        const policies = plan.ofType("kubernetes:networking.k8s.io/v1:NetworkPolicy");
        for (const d of deployments) {
            const app = d.inputs.spec.template.spec.containers[0];
            const env = Object.fromEntries((app.env ?? []).map((e: { name: string; value?: string }) => [e.name, e.value]));
            assert.equal(env.OTEL_EXPORTER_OTLP_ENDPOINT, "http://otel-collector.monitoring.svc.cluster.local:4318", d.name);
            assert.equal(env.OTEL_SDK_DISABLED, undefined, d.name);
            const labels = d.inputs.spec.template.metadata.labels;
            const egress = policies
                .filter((p) => Object.entries(p.inputs.spec.podSelector.matchLabels ?? {}).every(([k, v]) => labels[k] === v))
                .flatMap((p) => p.inputs.spec.egress ?? []);
            const toCollector = egress.filter(
                (e: any) =>
                    e.ports?.some((p: { port: number }) => p.port === 4318) &&
                    e.to?.some(
                        (t: any) =>
                            t.namespaceSelector?.matchLabels?.["kubernetes.io/metadata.name"] === "monitoring" &&
                            t.podSelector?.matchLabels?.["app.kubernetes.io/instance"] === "otel-collector",
                    ),
            );
            assert.equal(toCollector.length, 1, `${d.name}: egress to the collector on 4318`);
        }
        const release = plan
            .ofType("kubernetes:helm.sh/v3:Release")
            .find((r) => r.inputs.name === "otel-collector" && r.inputs.namespace === "monitoring");
        assert.ok(release, "the collector gateway's release");
        assert.deepEqual(release.inputs.values.config.service.pipelines.traces.exporters, ["awsxray"]);
        assert.equal(release.inputs.values.serviceAccount.name, "otel-collector");
        const association = plan
            .ofType("aws:eks/podIdentityAssociation:PodIdentityAssociation")
            .find((a) => a.inputs.namespace === "monitoring" && a.inputs.serviceAccount === "otel-collector");
        assert.ok(association, "a Pod Identity association for the collector's ServiceAccount");
        const access = plan
            .ofType("aws:iam/rolePolicy:RolePolicy")
            .find((p) => p.name === association.name.replace(/-association$/, "-role-access"));
        assert.ok(access);
        assert.deepEqual(
            json(access.inputs.policy).Statement.map((s: { Action: string[]; Resource: string }) => [
                [...list(s.Action)].sort(),
                s.Resource,
            ]),
            [[[...XRAY_WRITE_ACTIONS].sort(), "*"]],
        );
        assert.deepEqual(engineProblems(plan.run), []);
    });

    it("EKS (Asset Management, whose api migrates) with traces off: no flow to the collector, and every pod's SDK disabled (exportsTraces also decides the release: components/eks/parts.ts)", () => {
        const flows = (enabled: boolean) => {
            const { system } = loadStack(
                stackConfig({ stack: "prod-eks", system: "asset-management", overrides: { observability: { traces: { enabled } } } }),
            );
            const plan = planSystem(system, "aws", "eks");
            return {
                plan,
                toCollector: eksFlows(plan, "10.0.0.0/16", { public: [], private: [] }, new Set()).filter((f) => f.to === OTEL_GATEWAY),
            };
        };
        const on = flows(true);
        // Every service, every migration Job and every blue-green's promotion checks: they run with the service's variables, so their SDK exports too.
        const migrating = Object.values(loadStack(stackConfig({ stack: "prod-eks", system: "asset-management" })).system.services).filter(
            (s) => s.migrate,
        );
        assert.ok(migrating.length > 0, "Asset Management's api migrates");
        assert.deepEqual(
            on.toCollector.map((f) => f.from.component).sort(),
            [
                ...Object.keys(on.plan.services),
                ...migrating.map((s) => `${s.name}-migrate`),
                ...Object.values(on.plan.services).flatMap((s) => rolloutCheckAccount(s.rollout) ?? []),
            ].sort(),
        );
        const off = flows(false);
        assert.deepEqual(off.toCollector, []);
        for (const s of Object.values(off.plan.services)) assert.equal(s.variables.plain.OTEL_SDK_DISABLED, "true", s.name);
    });
});
