/**
 * The EKS placement (`tierform:placement: eks`, Pulumi.prod-eks.yaml): every preset plans on it —
 * one whole-program run each, which the offline engine refuses on any engine rule it breaks — with
 * no mandatory violation of policies/config/prod-eks.json, its services as Deployments on an EKS
 * Auto Mode cluster and its datastores on AWS's managed services; no static AWS key anywhere; every
 * credential a pod reads comes from a Secrets Manager secret the plan creates (External Secrets), every
 * AWS permission through a Pod Identity role scoped to the pod's own ServiceAccount; the load
 * balancer's target groups hold the routed services' pods; every type it plans has a row in
 * policies/COVERAGE.md; and the services are in Istio's ambient mesh as on staging, with the load
 * balancer (outside the mesh) admitted in plain text on exactly the ports its target groups reach.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { loadStack, presetNames } from "../../model";
import { runPolicyReport } from "../../scripts/offline/policy-report";
import { engineProblems } from "../../scripts/offline/engine-rules";
import { awsOutputs } from "../../scripts/offline/mock-outputs/aws";
import { planComponent, planStack, stackConfig, type Plan, type PlannedResource } from "../harness";
import { spec } from "../harness/spec";
import { planSystem } from "../../plan";
import { createClusterRules } from "../../components/eks/network";
import { podSpecOf } from "../../policies/readers/kubernetes";
import { AMBIENT_LABEL, HBONE_PORT, KUBELET_PROBE_SOURCE } from "../../components/kubernetes/mesh";
import { K8S_ANNOTATION } from "../../conventions/labels";
import { indexRun } from "../../scripts/offline/engine-rules";
import { Rollout } from "@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1/Rollout";
import { AnalysisTemplate } from "@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1/AnalysisTemplate";
import { ScaledObject } from "@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject";
import { TriggerAuthentication } from "@kubernetes-models/keda/keda.sh/v1alpha1/TriggerAuthentication";

const ROOT = path.join(__dirname, "..", "..");
const COVERED = new Set(
    [...fs.readFileSync(path.join(ROOT, "policies", "COVERAGE.md"), "utf8").matchAll(/^\| `([^`]+)`/gm)].map((m) => m[1]),
);

const importEsm = new Function("specifier", "return import(specifier)") as (specifier: string) => Promise<any>;
const json = (v: unknown) => (typeof v === "string" ? JSON.parse(v) : v);
/** The ARN the offline run gave `r` (its mock outputs, in the stack's region). */
const arnOf = (r: PlannedResource): string => awsOutputs(r.type, r.name, r.inputs, "us-east-1")!.arn;
/** The object as the API server would receive it, from the recorded inputs. */
const manifest = (r: PlannedResource) => ({ ...r.inputs, metadata: r.inputs.metadata, spec: r.inputs.spec });

/** The CIDR blocks of the plan's subnets of one tier (`subnet-tier` tag), in zone order. */
const subnetCidrs = (plan: Plan, tier: string): string[] =>
    plan
        .ofType("aws:ec2/subnet:Subnet")
        .filter((s) => s.inputs.tags["subnet-tier"] === tier)
        .sort((a, b) => a.name.localeCompare(b.name))
        .map((s) => s.inputs.cidrBlock);

/** The plan of `preset` on prod-eks, or the refusal's message. */
async function planEks(preset: string): Promise<Plan | string> {
    try {
        return await planStack({ stack: "prod-eks", system: preset });
    } catch (e) {
        return String((e as Error).message ?? e);
    }
}

describe("the EKS placement (prod-eks): every preset on an EKS cluster with AWS managed data", function () {
    this.timeout(120000);

    for (const preset of presetNames()) {
        it(`${preset}: plans with no engine problem, no mandatory violation, every type covered`, async function () {
            const plan = await planEks(preset);
            if (typeof plan === "string") assert.fail(`${preset} is refused on the EKS placement: ${plan}`);
            assert.deepStrictEqual(engineProblems(plan.run), []);
            const report = runPolicyReport(plan.run, "prod-eks");
            assert.deepStrictEqual(
                report.violations
                    .filter((v) => v.level === "mandatory")
                    .map((v) => `${v.policy} · ${v.resource ?? "(stack)"}: ${v.message}`),
                [],
            );
            const uncovered = [
                ...new Set(plan.resources.filter((r) => r.custom && /^(aws|kubernetes):/.test(r.type)).map((r) => r.type)),
            ].filter((t) => !COVERED.has(t));
            assert.deepStrictEqual(uncovered, [], "types without a row in policies/COVERAGE.md");
            // Compute on the cluster, never on ECS.
            assert.strictEqual(plan.ofType("aws:eks/cluster:Cluster").length, 1);
            assert.deepStrictEqual(plan.ofType("aws:ecs/service:Service"), []);
            assert.ok(plan.ofType("kubernetes:apps/v1:Deployment").length + plan.ofType("kubernetes:apps/v1:StatefulSet").length > 0);
        });
    }

    it("mealkitz keeps its data on RDS, ElastiCache, SQS and S3, none of it in the cluster", async () => {
        const plan = (await planEks("mealkitz")) as Plan;
        for (const t of [
            "aws:rds/instance:Instance",
            "aws:elasticache/replicationGroup:ReplicationGroup",
            "aws:sqs/queue:Queue",
            "aws:s3/bucket:Bucket",
            "aws:cloudfront/distribution:Distribution",
            "aws:wafv2/webAcl:WebAcl",
        ])
            assert.ok(plan.ofType(t).length > 0, `no ${t}`);
        assert.deepStrictEqual(plan.ofType("kubernetes:postgresql.cnpg.io/v1:Cluster"), []);
        assert.deepStrictEqual(plan.ofType("kubernetes:apps/v1:StatefulSet"), [], "no datastore (or anything else) as a StatefulSet");
    });

    it("no static AWS key: no IAM access key, no key variable, every pod credential from a Secrets Manager secret of the plan", async () => {
        const plan = (await planEks("mealkitz")) as Plan;
        assert.deepStrictEqual(plan.ofType("aws:iam/accessKey:AccessKey"), []);
        for (const r of plan.resources)
            assert.doesNotMatch(JSON.stringify(r.inputs), /AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|aws_access_key/i, `${r.type} ${r.name}`);
        const secretArns = new Set(plan.ofType("aws:secretsmanager/secret:Secret").map(arnOf));
        const externals = plan.ofType("kubernetes:external-secrets.io/v1:ExternalSecret");
        assert.ok(externals.length > 0);
        for (const e of externals) {
            const spec = e.inputs.spec;
            assert.strictEqual(spec.target.name, e.inputs.metadata.name);
            for (const d of spec.data) {
                assert.ok(secretArns.has(d.remoteRef.key), `${e.name}: ${d.secretKey} reads ${d.remoteRef.key}, not a secret of the plan`);
                assert.match(d.remoteRef.property, /^(url(_[a-z0-9_-]+)?|password|authToken)$/, `${e.name}: ${d.secretKey}`);
            }
        }
        // The controller reads exactly those secrets.
        const eso = plan.ofType("aws:iam/rolePolicy:RolePolicy").find((p) => p.name.includes("external-secrets"))!;
        const read = json(eso.inputs.policy).Statement.find((s: any) => s.Sid === "ReadThisSystemsConnectionSecrets");
        assert.deepStrictEqual(
            new Set(read.Resource),
            new Set(externals.flatMap((e) => e.inputs.spec.data.map((d: any) => d.remoteRef.key))),
        );
    });

    it("Pod Identity: each role is taken only by its association's ServiceAccount, which the service's pods run as", async () => {
        const plan = (await planEks("mealkitz")) as Plan;
        const associations = plan.ofType("aws:eks/podIdentityAssociation:PodIdentityAssociation");
        assert.ok(associations.length > 1);
        const roles = plan.ofType("aws:iam/role:Role");
        const deployments = plan.ofType("kubernetes:apps/v1:Deployment");
        for (const a of associations) {
            const role = roles.find((r) => arnOf(r) === a.inputs.roleArn)!;
            assert.ok(role, `${a.name}: its role`);
            const [statement] = json(role.inputs.assumeRolePolicy).Statement;
            assert.deepStrictEqual(statement.Principal, { Service: "pods.eks.amazonaws.com" });
            assert.strictEqual(statement.Condition.StringEquals["aws:RequestTag/kubernetes-namespace"], a.inputs.namespace);
            assert.strictEqual(statement.Condition.StringEquals["aws:RequestTag/kubernetes-service-account"], a.inputs.serviceAccount);
            // The External Secrets controller's and the collectors' pods come from their charts (components/eks/secrets.ts, traces.ts, logs.ts).
            if (["external-secrets", "monitoring", "argo-rollouts", "log-collector"].includes(a.inputs.namespace)) continue;
            const d = deployments.find((x) => x.inputs.metadata.name === a.inputs.serviceAccount)!;
            assert.strictEqual(d.inputs.spec.template.spec.serviceAccountName, a.inputs.serviceAccount);
        }
    });

    it("the load balancer's target groups hold the routed services' pods (one TargetGroupBinding per group, ip targets)", async () => {
        const plan = (await planEks("mealkitz")) as Plan;
        const bindings = plan.ofType("kubernetes:eks.amazonaws.com/v1:TargetGroupBinding");
        const groups = new Map(plan.ofType("aws:lb/targetGroup:TargetGroup").map((g) => [arnOf(g), g]));
        // Every route's service is bound: mealkitz routes five services.
        assert.deepStrictEqual(
            new Set(bindings.map((b) => b.inputs.spec.serviceRef.name)),
            new Set(["order", "user", "payment", "delivery", "notification"]),
        );
        const services = plan.ofType("kubernetes:core/v1:Service");
        for (const b of bindings) {
            assert.strictEqual(b.inputs.spec.targetType, "ip");
            const group = groups.get(b.inputs.spec.targetGroupARN)!;
            assert.ok(group, `${b.name}: a target group of the plan`);
            assert.strictEqual(group.inputs.targetType, "ip");
            assert.strictEqual(group.inputs.port, b.inputs.spec.serviceRef.port);
            const svc = services.find((s) => s.inputs.metadata.name === b.inputs.spec.serviceRef.name)!;
            assert.ok(svc, b.name);
            assert.strictEqual(svc.inputs.spec.ports[0].port, b.inputs.spec.serviceRef.port);
        }
    });

    it("progressive delivery: the placement installs Argo Rollouts before any Rollout; canary by pod share, blue-green by the bound Service, judged by the target group's CloudWatch metrics", async () => {
        const plan = (await planEks("mealkitz")) as Plan;
        const index = indexRun(plan.resources);
        const named = (kind: string, name: string) =>
            plan.resources.find((r) => r.inputs?.kind === kind && r.inputs.metadata?.name === name)!;
        // The controller: one release, without the staging plugin, its ServiceAccount the one Pod Identity lets read CloudWatch.
        const [release] = plan.ofType("kubernetes:helm.sh/v3:Release").filter((r) => r.inputs.chart === "argo-rollouts");
        assert.ok(release, "an Argo Rollouts release");
        assert.strictEqual(plan.ofType("kubernetes:helm.sh/v3:Release").filter((r) => r.inputs.chart === "argo-rollouts").length, 1);
        const values = release.inputs.values;
        assert.strictEqual(values.controller.trafficRouterPlugins, undefined, "no traffic-router plugin");
        assert.deepStrictEqual(values.controller.extraEnv, [{ name: "AWS_REGION", value: "us-east-1" }]);
        const association = plan
            .ofType("aws:eks/podIdentityAssociation:PodIdentityAssociation")
            .find((a) => a.inputs.namespace === release.inputs.namespace)!;
        assert.strictEqual(association.inputs.serviceAccount, values.serviceAccount.name);
        assert.ok(index.dependsOn(release, association.urn), "the controller starts once its credentials exist");
        const role = plan.ofType("aws:iam/role:Role").find((r) => arnOf(r) === association.inputs.roleArn)!;
        const policy = plan
            .ofType("aws:iam/rolePolicy:RolePolicy")
            .find((p) => p.inputs.role === role.inputs.name || p.parent === role.parent)!;
        assert.deepStrictEqual(
            json(policy.inputs.policy).Statement.flatMap((st: any) => st.Action),
            ["cloudwatch:GetMetricData"],
        );
        // Every Argo Rollouts object waits for the release that brings its CRDs, and is valid against them.
        const argo = plan.resources.filter((r) => r.type.startsWith("kubernetes:argoproj.io/"));
        assert.ok(argo.length >= 5);
        for (const r of argo) {
            assert.ok(index.dependsOn(r, release.urn) || r.inputs.kind === "AnalysisTemplate", `${r.name} waits for the CRDs`);
            (r.inputs.kind === "Rollout" ? new Rollout(manifest(r) as never) : new AnalysisTemplate(manifest(r) as never)).validate();
        }
        const targets = new Map(
            plan.ofType("kubernetes:eks.amazonaws.com/v1:TargetGroupBinding").map((b) => [b.inputs.spec.serviceRef.name, b]),
        );
        const groups = new Map(plan.ofType("aws:lb/targetGroup:TargetGroup").map((g) => [arnOf(g), g]));
        // What CloudWatch names each: the ARN suffix AWS computes (the offline run's mock outputs).
        const suffix = (r: PlannedResource) => awsOutputs(r.type, r.name, r.inputs, "us-east-1")!.arnSuffix;
        // order: a canary with no router and no stable Service, so the bound Service keeps both sets of pods.
        const order = named("Rollout", "order").inputs.spec.strategy.canary;
        assert.strictEqual(order.trafficRouting, undefined);
        assert.strictEqual(order.stableService, undefined, "a stableService would narrow the bound Service to the old pods");
        assert.strictEqual(order.canaryService, undefined);
        assert.strictEqual(named("Service", "order-canary"), undefined);
        // payment: a blue-green whose active Service is the one its target group is bound to.
        const payment = named("Rollout", "payment").inputs.spec.strategy.blueGreen;
        assert.strictEqual(payment.activeService, targets.get("payment")!.inputs.spec.serviceRef.name);
        assert.ok(named("Service", payment.previewService));
        const [alb] = plan.ofType("aws:lb/loadBalancer:LoadBalancer").filter((l) => !l.inputs.internal);
        for (const service of ["order", "payment"]) {
            const template = named("AnalysisTemplate", `${service}-analysis`).inputs.spec;
            const group = groups.get(targets.get(service)!.inputs.spec.targetGroupARN)!;
            for (const metric of template.metrics) {
                const queries = metric.provider.cloudWatch.metricDataQueries;
                assert.deepStrictEqual(queries.filter((q: any) => q.returnData).length, 1, `${service}/${metric.name}: one result`);
                for (const q of queries.filter((x: any) => x.metricStat)) {
                    const dims = Object.fromEntries(q.metricStat.metric.dimensions.map((d: any) => [d.name, d.value]));
                    assert.strictEqual(dims.TargetGroup, suffix(group), `${service}/${metric.name}: its own target group`);
                    assert.strictEqual(dims.LoadBalancer, suffix(alb), `${service}/${metric.name}: the load balancer`);
                }
            }
        }
        // The promotion checks reach the preview: the Jobs' pods, enrolled in the mesh as their own ServiceAccount (which
        // payment's AuthorizationPolicy admits: the mesh test below), match a NetworkPolicy rule to payment's port and HBONE's.
        const job = named("AnalysisTemplate", "payment-pre-promotion").inputs.spec.metrics[0].provider.job.spec.template;
        assert.strictEqual(job.spec.serviceAccountName, "payment-rollout-check");
        assert.ok(named("ServiceAccount", "payment-rollout-check"));
        const check = job.metadata.labels;
        assert.strictEqual(check["istio.io/dataplane-mode"], "ambient");
        const ingress = named("NetworkPolicy", "allow-payment").inputs.spec.ingress as any[];
        assert.ok(
            ingress.some((r) =>
                r.from.some(
                    (f: any) =>
                        f.podSelector &&
                        !f.namespaceSelector &&
                        Object.entries(f.podSelector.matchLabels).every(([k, v]) => check[k] === v),
                ),
            ),
            "the promotion checks reach payment",
        );
        assert.ok(
            ingress.some(
                (r) =>
                    r.ports.some((p: any) => p.port === HBONE_PORT) &&
                    r.from.some(
                        (f: any) => f.podSelector?.matchLabels?.["app.kubernetes.io/instance"] === check["app.kubernetes.io/instance"],
                    ),
            ),
            "tunnelled, on HBONE's port",
        );
    });

    it("request-rate autoscaling: KEDA installed by the placement, each ScaledObject reads its own target group's requests per target in CloudWatch", async () => {
        // The scaler's metadata keys and which it requires, as KEDA 2.20.2 (the pinned chart's app) parses them:
        // kedacore/keda v2.20.2 pkg/scalers/aws_cloudwatch_scaler.go, awsCloudwatchMetadata (no `optional`/`default`: required).
        const SCALER_KEYS = [
            ...["namespace", "metricName", "dimensionName", "dimensionValue", "expression", "targetMetricValue"],
            ...["activationTargetMetricValue", "minMetricValue", "ignoreNullValues", "metricCollectionTime", "metricStat"],
            ...["metricUnit", "metricStatPeriod", "metricEndTimeOffset", "awsAccountId", "awsRegion", "awsEndpoint", "identityOwner"],
        ];
        const REQUIRED = ["targetMetricValue", "minMetricValue", "awsRegion"];
        const mealkitz = (await planEks("mealkitz")) as Plan;
        assert.deepStrictEqual(
            mealkitz.ofType("kubernetes:helm.sh/v3:Release").filter((r) => r.inputs.chart === "keda"),
            [],
            "no KEDA where no service scales on requests",
        );
        // mdc-tts's backend and frontend roll as Deployments; Asset Management's api and frontend run on Argo Rollouts.
        for (const [preset, kind] of [
            ["mdc-tts", "Deployment"],
            ["asset-management", "Rollout"],
        ]) {
            const plan = (await planEks(preset)) as Plan;
            const index = indexRun(plan.resources);
            const { system } = loadStack(stackConfig({ stack: "prod-eks", system: preset }));
            const scaled = Object.values(system.services)
                .filter((s) => s.autoscaling?.requestsPerMinute)
                .map((s) => s.name)
                .sort();
            assert.ok(scaled.length >= 2, `${preset}: its services that scale on requests`);
            // KEDA: one release, its operator's ServiceAccount the one Pod Identity gives a CloudWatch reader's role.
            const releases = plan.ofType("kubernetes:helm.sh/v3:Release").filter((r) => r.inputs.chart === "keda");
            assert.strictEqual(releases.length, 1, `${preset}: a KEDA release`);
            const [release] = releases;
            assert.strictEqual(release.inputs.version, "2.20.2");
            const association = plan
                .ofType("aws:eks/podIdentityAssociation:PodIdentityAssociation")
                .find((a) => a.inputs.namespace === release.inputs.namespace)!;
            assert.ok(association, `${preset}: a Pod Identity association in KEDA's namespace`);
            assert.strictEqual(association.inputs.serviceAccount, release.inputs.values.serviceAccount.operator.name);
            assert.ok(index.dependsOn(release, association.urn), "the operator starts once its credentials exist");
            const role = plan.ofType("aws:iam/role:Role").find((r) => arnOf(r) === association.inputs.roleArn)!;
            const policies = plan.ofType("aws:iam/rolePolicy:RolePolicy").filter((p) => p.parent === role.parent);
            assert.deepStrictEqual(
                policies.flatMap((p) => json(p.inputs.policy).Statement.flatMap((st: any) => st.Action)),
                ["cloudwatch:GetMetricData"],
                "the scaler's one call, nothing more",
            );
            assert.deepStrictEqual(
                plan.ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment").filter((a) => a.parent === role.parent),
                [],
            );
            // The TriggerAuthentication: the operator's own identity (KEDA 2.20 CRD: provider aws, identityOwner keda|workload).
            const [auth] = plan.ofType("kubernetes:keda.sh/v1alpha1:TriggerAuthentication");
            new TriggerAuthentication(manifest(auth) as never).validate();
            // @kubernetes-models/keda 0.4.2 predates identityOwner; the pinned 2.20.2 CRD (config/crd/bases/
            // keda.sh_triggerauthentications.yaml, podIdentity) has it, so the API server keeps it rather than pruning it.
            const CRD_POD_IDENTITY = [
                "externalID",
                "identityAuthorityHost",
                "identityId",
                "identityOwner",
                "identityTenantId",
                "provider",
                "roleArn",
            ];
            assert.deepStrictEqual(
                Object.keys(auth.inputs.spec.podIdentity).filter((k) => !CRD_POD_IDENTITY.includes(k)),
                [],
            );
            assert.deepStrictEqual(auth.inputs.spec, { podIdentity: { provider: "aws", identityOwner: "keda" } });
            assert.ok(index.dependsOn(auth, release.urn), "the TriggerAuthentication waits for KEDA's CRDs");
            // One ScaledObject per such service, on its workload, and no HPA of tierform's beside it (KEDA makes its own).
            const objects = plan.ofType("kubernetes:keda.sh/v1alpha1:ScaledObject");
            assert.deepStrictEqual(objects.map((o) => o.inputs.metadata.name).sort(), scaled);
            const hpaTargets = plan
                .ofType("kubernetes:autoscaling/v2:HorizontalPodAutoscaler")
                .map((h) => `${h.inputs.spec.scaleTargetRef.kind}/${h.inputs.spec.scaleTargetRef.name}`);
            const groups = new Map(plan.ofType("aws:lb/targetGroup:TargetGroup").map((g) => [arnOf(g), g]));
            const bindings = plan.ofType("kubernetes:eks.amazonaws.com/v1:TargetGroupBinding");
            for (const o of objects) {
                const name = o.inputs.metadata.name;
                new ScaledObject(manifest(o) as never).validate();
                const spec = o.inputs.spec;
                assert.strictEqual(spec.scaleTargetRef.kind, kind, `${preset}/${name}: scales its ${kind}`);
                assert.ok(
                    plan.resources.some((r) => r.inputs?.kind === kind && r.inputs.metadata?.name === spec.scaleTargetRef.name),
                    `${preset}/${name}: its target exists`,
                );
                assert.ok(!hpaTargets.includes(`${kind}/${spec.scaleTargetRef.name}`), `${preset}/${name}: no second HPA on it`);
                assert.ok(index.dependsOn(o, release.urn) && index.dependsOn(o, auth.urn), `${preset}/${name}: waits for KEDA`);
                const [trigger, ...rest] = spec.triggers;
                assert.deepStrictEqual(
                    rest.map((t: any) => [t.type, t.metricType, t.metadata.value]),
                    [
                        ["cpu", "Utilization", "70"],
                        ["memory", "Utilization", "80"],
                    ],
                );
                assert.strictEqual(trigger.type, "aws-cloudwatch");
                // Per target already: a Value target (an AverageValue one would divide by the replicas again).
                assert.strictEqual(trigger.metricType, "Value");
                assert.strictEqual(trigger.useCachedMetrics, true, "read at KEDA's poll, not at every HPA sync");
                assert.strictEqual(trigger.authenticationRef.name, auth.inputs.metadata.name);
                const m = trigger.metadata;
                assert.deepStrictEqual(
                    Object.keys(m).filter((k) => !SCALER_KEYS.includes(k)),
                    [],
                    `${preset}/${name}: keys the scaler reads`,
                );
                assert.deepStrictEqual(
                    REQUIRED.filter((k) => m[k] === undefined),
                    [],
                    `${preset}/${name}: the keys the scaler requires`,
                );
                // RequestCountPerTarget's only statistic is Sum, "the average not the sum": per 60 s, requests per target per minute.
                assert.deepStrictEqual(
                    [m.namespace, m.metricName, m.metricStat, m.metricStatPeriod, m.targetMetricValue, m.awsRegion],
                    ["AWS/ApplicationELB", "RequestCountPerTarget", "Sum", "60", "1000", "us-east-1"],
                );
                assert.strictEqual(
                    Number(m.metricCollectionTime) % Number(m.metricStatPeriod),
                    0,
                    "collection time a multiple of the period",
                );
                // Its own target group: the one bound to its Service, as CloudWatch names it (the mock run's ARN suffix).
                const binding = bindings.find((b) => b.inputs.spec.serviceRef.name === name)!;
                const group = groups.get(binding.inputs.spec.targetGroupARN)!;
                assert.strictEqual(m.dimensionName, "TargetGroup");
                assert.strictEqual(m.dimensionValue, awsOutputs(group.type, group.name, group.inputs, "us-east-1")!.arnSuffix);
            }
        }
    });

    it("the services' traffic policy at the edge, as on ECS: the load balancer's idle timeout, each target group's anomaly mitigation, the WAF's per-service rate rules", async () => {
        // plan/support/eks.ts takes these features from the aws column: the AWS edge renders them on both placements.
        const eks = (await planEks("mealkitz")) as Plan;
        const ecs = await planStack({ stack: "prod", system: "mealkitz" });
        const edge = (p: Plan) => ({
            idleTimeout: p.ofType("aws:lb/loadBalancer:LoadBalancer").map((l) => l.inputs.idleTimeout),
            wafRules: p.ofType("aws:wafv2/webAcl:WebAcl").map((a) => (a.inputs.rules ?? []).map((r: any) => r.name)),
            algorithms: Object.fromEntries(
                p
                    .ofType("aws:lb/targetGroup:TargetGroup")
                    .filter((g) => g.inputs.tags?.role !== "alternate")
                    .map((g) => [g.inputs.tags?.service ?? g.name, g.inputs.loadBalancingAlgorithmType]),
            ),
        });
        assert.ok(edge(ecs).wafRules.flat().includes("rate-limit-payment"), "payment's own rate rule on ECS");
        assert.deepStrictEqual(edge(eks), edge(ecs));
    });

    it("no ECS leftovers: no task security group, no alternate target group, no traffic-shift role", async () => {
        const plan = (await planEks("mealkitz")) as Plan;
        const leftovers = (p: Plan) => ({
            taskGroups: p.ofType("aws:ec2/securityGroup:SecurityGroup").filter((g) => /-network-svc-/.test(g.name)).length,
            alternates: p.ofType("aws:lb/targetGroup:TargetGroup").filter((g) => g.inputs.tags?.role === "alternate").length,
            shiftRoles: p.ofType("aws:iam/role:Role").filter((r) => r.name.endsWith("-traffic-shift")).length,
            rulesNamingTaskGroups: [
                ...p.ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"),
                ...p.ofType("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"),
            ].filter((r) => /-svc-/.test(r.name)).length,
        });
        assert.deepStrictEqual(leftovers(plan), { taskGroups: 0, alternates: 0, shiftRoles: 0, rulesNamingTaskGroups: 0 });
        // One target group per routed service, each bound to its pods; every forwarding rule sends to one group.
        assert.strictEqual(
            plan.ofType("aws:lb/targetGroup:TargetGroup").length,
            plan.ofType("kubernetes:eks.amazonaws.com/v1:TargetGroupBinding").length,
        );
        for (const r of plan.ofType("aws:lb/listenerRule:ListenerRule"))
            assert.ok(
                r.inputs.actions.every((a: any) => a.type !== "forward" || a.targetGroupArn),
                `${r.name}: weighted forward`,
            );
    });

    it("the ambient mesh: pods enrolled, STRICT mTLS but on each routed port the load balancer reaches, Istio's agents apart, the restricted profile kept", async () => {
        const plan = (await planEks("mealkitz")) as Plan;
        const kind = (k: string) => plan.resources.filter((r) => r.custom && r.inputs?.kind === k);
        const named = (k: string, n: string) => kind(k).find((r) => r.inputs.metadata.name === n)!;
        const publicSubnets = subnetCidrs(plan, "public");
        // Every Istio object validates against its CRD schema (@kubernetes-models/istio, as on staging).
        for (const r of [...kind("PeerAuthentication"), ...kind("AuthorizationPolicy")]) {
            const { apiVersion, kind: k, metadata, spec } = r.inputs;
            const Model = (await importEsm(`@kubernetes-models/istio/${apiVersion}/${k}`))[k];
            new Model({ apiVersion, kind: k, metadata, spec }).validate();
        }
        assert.deepStrictEqual(named("PeerAuthentication", "default").inputs.spec, { mtls: { mode: "STRICT" } });
        // The load balancer's targets: each routed service's port, which alone admits plain text, from the public subnets only.
        const bindings = plan.ofType("kubernetes:eks.amazonaws.com/v1:TargetGroupBinding");
        const deployments = plan.ofType("kubernetes:apps/v1:Deployment");
        for (const b of bindings) {
            const service: string = b.inputs.spec.serviceRef.name;
            const port = String(b.inputs.spec.serviceRef.port);
            const labels = deployments.find((d) => d.inputs.metadata.name === service)!.inputs.spec.template.metadata.labels;
            assert.ok(
                Object.entries(AMBIENT_LABEL).every(([k, v]) => labels[k] === v),
                `${service}: its pods are in the mesh`,
            );
            const exception = named("PeerAuthentication", `mesh-${service}-edge`).inputs;
            assert.deepStrictEqual(exception.spec.mtls, { mode: "STRICT" });
            assert.deepStrictEqual(
                exception.spec.portLevelMtls,
                { [port]: { mode: "PERMISSIVE" } },
                `${service}: plain text on its target port only`,
            );
            assert.ok(
                Object.entries(exception.spec.selector.matchLabels).every(([k, v]) => labels[k] === v),
                `${service}: selects its pods`,
            );
            assert.match(exception.metadata.annotations[K8S_ANNOTATION.meshPlaintextReason], /load balancer/);
            const policy = named("AuthorizationPolicy", `mesh-${service}`).inputs.spec;
            // A blue-green's promotion checks (enrolled Jobs, their own ServiceAccount) by their mTLS identity.
            const checks = named("ServiceAccount", `${service}-rollout-check`);
            assert.deepStrictEqual(policy.rules, [
                {
                    from: [{ source: { namespaces: ["monitoring"] } }, { source: { ipBlocks: publicSubnets } }],
                    to: [{ operation: { ports: [port] } }],
                },
                ...(checks
                    ? [
                          {
                              from: [{ source: { principals: [`cluster.local/ns/mealkitz/sa/${service}-rollout-check`] } }],
                              to: [{ operation: { ports: [port] } }],
                          },
                      ]
                    : []),
            ]);
            // The NetworkPolicy admits Prometheus's tunnel (HBONE) and the kubelet's probes, SNATed by istio-cni.
            const ingress = named("NetworkPolicy", `allow-${service}`).inputs.spec.ingress as any[];
            const prometheus = ingress.find(
                (r) => r.from[0].namespaceSelector?.matchLabels["kubernetes.io/metadata.name"] === "monitoring",
            );
            assert.ok(
                prometheus.ports.some((p: any) => p.port === HBONE_PORT),
                `${service}: Prometheus's tunnelled scrapes`,
            );
            assert.ok(
                ingress.some((r) => r.from[0].ipBlock?.cidr === KUBELET_PROBE_SOURCE && r.ports.some((p: any) => String(p.port) === port)),
                `${service}: the kubelet's probes`,
            );
        }
        assert.strictEqual(kind("PeerAuthentication").length, 1 + bindings.length, "one exception per routed service, none else");
        // Istio's node agents run privileged in istio-system, which says why; the system's namespace stays restricted.
        const istio = named("Namespace", "istio-system").inputs.metadata;
        assert.strictEqual(istio.labels["pod-security.kubernetes.io/enforce"], "privileged");
        assert.match(istio.annotations[K8S_ANNOTATION.podSecurityException], /CNI/);
        assert.strictEqual(named("Namespace", "mealkitz").inputs.metadata.labels["pod-security.kubernetes.io/enforce"], "restricted");
        const releases = plan.ofType("kubernetes:helm.sh/v3:Release").filter((r) => r.inputs.namespace === "istio-system");
        assert.deepStrictEqual(releases.map((r) => r.inputs.name).sort(), ["istio-base", "istio-cni", "istiod", "ztunnel"]);
        for (const r of releases) assert.strictEqual(r.inputs.createNamespace, false, `${r.inputs.name}: into the namespace above`);
        for (const w of [...deployments, ...plan.ofType("kubernetes:batch/v1:Job")]) {
            const pod = podSpecOf(w.type, w.inputs);
            for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
                assert.notStrictEqual(c.name, "istio-init", `${w.inputs.metadata.name}: a sidecar's init container`);
                assert.deepStrictEqual(
                    c.securityContext?.capabilities?.add ?? [],
                    [],
                    `${w.inputs.metadata.name}/${c.name} adds capabilities`,
                );
            }
        }
    });

    it("the plain-text path to a routed port: from the load balancers' subnets only (public; private for a private route), never the VPC", async () => {
        const plan = (await planEks("auromart")) as Plan;
        const vpcCidr: string = plan.ofType("aws:ec2/vpc:Vpc")[0].inputs.cidrBlock;
        const [publicSubnets, privateSubnets] = [subnetCidrs(plan, "public"), subnetCidrs(plan, "private")];
        assert.strictEqual(publicSubnets.length, 3, "one public subnet per zone");
        const named = (k: string, n: string) =>
            plan.resources.find((r) => r.custom && r.inputs?.kind === k && r.inputs.metadata.name === n)!;
        // auromart: web behind the internet-facing load balancer (/), admin behind the internal one only (/admin with allowCidrs).
        const expected: Record<string, string[]> = { web: publicSubnets, admin: privateSubnets };
        for (const [service, cidrs] of Object.entries(expected)) {
            const port = 8000;
            // The mesh: the routed port's AuthorizationPolicy admits plain text from those blocks (and Prometheus's namespace).
            const policy = named("AuthorizationPolicy", `mesh-${service}`).inputs.spec;
            assert.deepStrictEqual(
                policy.rules,
                [
                    {
                        from: [{ source: { namespaces: ["monitoring"] } }, { source: { ipBlocks: cidrs } }],
                        to: [{ operation: { ports: [String(port)] } }],
                    },
                ],
                `${service}: the mesh's plain-text sources`,
            );
            // The NetworkPolicy: every ipBlock admitted on the port is one of those blocks, or the kubelet's probes.
            const ingress = named("NetworkPolicy", `allow-${service}`).inputs.spec.ingress as any[];
            const fromBlocks = ingress
                .filter((r) => r.ports.some((p: any) => p.port === port))
                .flatMap((r) => r.from.map((f: any) => f.ipBlock?.cidr))
                .filter((c) => c !== undefined);
            assert.deepStrictEqual(
                fromBlocks.sort(),
                [...cidrs, KUBELET_PROBE_SOURCE].sort(),
                `${service}: the NetworkPolicy's address sources`,
            );
            assert.ok(!fromBlocks.includes(vpcCidr), `${service}: not from the whole VPC`);
        }
        // The VPC layer: the cluster security group admits the port from the load balancers' groups only, by reference.
        const [eksCluster] = plan.ofType("aws:eks/cluster:Cluster");
        const clusterGroup = awsOutputs(eksCluster.type, eksCluster.name, eksCluster.inputs, "us-east-1")!.vpcConfig.clusterSecurityGroupId;
        const intoPods = plan
            .ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
            .filter((r) => r.inputs.securityGroupId === clusterGroup);
        const groups = new Map(
            plan.ofType("aws:ec2/securityGroup:SecurityGroup").map((g) => [awsOutputs(g.type, g.name, g.inputs, "us-east-1")!.id, g]),
        );
        assert.deepStrictEqual(
            intoPods
                .map((r) => [
                    groups.get(r.inputs.referencedSecurityGroupId)?.name.replace(/^.*-network-/, ""),
                    r.inputs.fromPort,
                    r.inputs.cidrIpv4,
                ])
                .sort(),
            [
                ["alb", 8000, undefined],
                ["alb-internal", 8000, undefined],
            ],
        );
    });

    it("the cluster security group admits each load balancer on the ports of the services its routes reach, by reference, and no other", async () => {
        // web behind the internet-facing load balancer on 8080, admin behind the internal one only on 9000.
        const file = spec("lbports")
            .service("web", { port: 8080 })
            .service("admin", { port: 9000 })
            .route("/", "web")
            .route("/admin", "admin", { allowCidrs: ["10.8.0.0/16"] })
            .build();
        const { system } = loadStack(stackConfig({ stack: "prod-eks", system: file }));
        const plan = planSystem(system, "aws", "eks");
        const rules = await planComponent(() =>
            createClusterRules(
                "pods",
                {
                    plan,
                    clusterSecurityGroupId: "sg-cluster",
                    datastoreSecurityGroupIds: {},
                    loadBalancerSecurityGroupIds: { public: "sg-alb", internal: "sg-alb-internal" },
                },
                {},
            ),
        );
        const seen = (type: string, lb: (r: PlannedResource) => string) =>
            rules
                .ofType(type)
                .map((r) => `${lb(r)} ${r.inputs.fromPort}-${r.inputs.toPort}`)
                .sort();
        const into = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
        const out = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule";
        assert.deepStrictEqual(
            rules.ofType(into).map((r) => r.inputs.securityGroupId),
            ["sg-cluster", "sg-cluster"],
        );
        assert.deepStrictEqual(
            seen(into, (r) => r.inputs.referencedSecurityGroupId),
            ["sg-alb 8080-8080", "sg-alb-internal 9000-9000"],
        );
        assert.deepStrictEqual(
            seen(out, (r) => r.inputs.securityGroupId),
            ["sg-alb 8080-8080", "sg-alb-internal 9000-9000"],
        );
        assert.ok(rules.ofType(out).every((r) => r.inputs.referencedSecurityGroupId === "sg-cluster"));
    });

    it("AWS's APIs inside the VPC: an interface endpoint per API the nodes and pods call, private DNS, admitting only the cluster security group", async () => {
        // What each preset's traffic calls: Pod Identity (eks-auth), External Secrets (secretsmanager) and the node log collector
        // (logs) always; X-Ray while traces are on (every preset); CloudWatch metrics (monitoring) where Argo Rollouts or KEDA reads
        // them (all but auromart); SQS with a queue (asset-management, mealkitz); EFS and ECR (the
        // EFS CSI add-on's images) with a share (auromart).
        const expected: Record<string, string[]> = {
            "asset-management": ["eks-auth", "logs", "monitoring", "secretsmanager", "sqs", "xray"],
            auromart: ["ecr.api", "ecr.dkr", "eks-auth", "elasticfilesystem", "logs", "secretsmanager", "xray"],
            "hld-platform": ["eks-auth", "logs", "monitoring", "secretsmanager", "xray"],
            "mdc-tts": ["eks-auth", "logs", "monitoring", "secretsmanager", "xray"],
            mealkitz: ["eks-auth", "logs", "monitoring", "secretsmanager", "sqs", "xray"],
        };
        assert.deepStrictEqual(Object.keys(expected).sort(), [...presetNames()].sort(), "every preset");
        for (const [preset, services] of Object.entries(expected)) {
            const plan = (await planEks(preset)) as Plan;
            const out = (r: PlannedResource) => awsOutputs(r.type, r.name, r.inputs, "us-east-1")!;
            const [vpc] = plan.ofType("aws:ec2/vpc:Vpc");
            const [eksCluster] = plan.ofType("aws:eks/cluster:Cluster");
            const privateSubnets = new Set(
                plan
                    .ofType("aws:ec2/subnet:Subnet")
                    .filter((s) => s.inputs.tags["subnet-tier"] === "private")
                    .map((s) => out(s).id),
            );
            const endpoints = plan.ofType("aws:ec2/vpcEndpoint:VpcEndpoint").filter((e) => e.inputs.vpcEndpointType === "Interface");
            assert.deepStrictEqual(
                endpoints.map((e) => String(e.inputs.serviceName).replace(/^com\.amazonaws\.us-east-1\./, "")).sort(),
                services,
                `${preset}: the interface endpoints`,
            );
            const groups = new Set(endpoints.flatMap((e) => e.inputs.securityGroupIds as string[]));
            assert.strictEqual(groups.size, 1, `${preset}: one security group for the endpoints`);
            for (const e of endpoints) {
                assert.strictEqual(e.inputs.privateDnsEnabled, true, `${e.name}: the service's own name resolves to it`);
                assert.strictEqual(e.inputs.vpcId, out(vpc).id);
                assert.deepStrictEqual(new Set(e.inputs.subnetIds), privateSubnets, `${e.name}: in the private subnets, beside the nodes`);
            }
            // Private DNS needs both VPC attributes (the engine rule aws-vpc-endpoint-private-dns refuses it otherwise).
            assert.strictEqual(vpc.inputs.enableDnsHostnames, true);
            assert.strictEqual(vpc.inputs.enableDnsSupport, true);
            // The endpoints' group admits HTTPS from the cluster security group (nodes and pods), and nothing else.
            const [group] = groups;
            const ingress = plan
                .ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
                .filter((r) => r.inputs.securityGroupId === group);
            assert.deepStrictEqual(
                ingress.map((r) => [r.inputs.referencedSecurityGroupId, r.inputs.fromPort, r.inputs.toPort, r.inputs.cidrIpv4]),
                [[out(eksCluster).vpcConfig.clusterSecurityGroupId, 443, 443, undefined]],
                `${preset}: HTTPS from the cluster security group only`,
            );
            // S3 stays on the gateway endpoint; the NAT gateways stay for what has no endpoint (images outside ECR, spec egress).
            assert.strictEqual(
                plan.ofType("aws:ec2/vpcEndpoint:VpcEndpoint").filter((e) => e.inputs.vpcEndpointType === "Gateway").length,
                1,
            );
            assert.ok(plan.ofType("aws:ec2/natGateway:NatGateway").length > 0);
        }
    });

    it("auromart: its file share on EFS through the EFS CSI add-on (Pod Identity), a StorageClass on the share's file system, the pods' claim of that class", async () => {
        const plan = (await planEks("auromart")) as Plan;
        const [fs] = plan.ofType("aws:efs/fileSystem:FileSystem");
        assert.ok(fs, "the share's file system");
        const fsId = awsOutputs(fs.type, fs.name, fs.inputs, "us-east-1")!.id;
        // The add-on, its controller's role trusted by that one ServiceAccount, with the driver's managed policy.
        const [addon] = plan.ofType("aws:eks/addon:Addon");
        assert.strictEqual(addon.inputs.addonName, "aws-efs-csi-driver");
        assert.match(addon.inputs.addonVersion, /^v\d+\.\d+\.\d+-eksbuild\.\d+$/);
        const [association] = addon.inputs.podIdentityAssociations;
        assert.strictEqual(association.serviceAccount, "efs-csi-controller-sa");
        const role = plan.ofType("aws:iam/role:Role").find((r) => arnOf(r) === association.roleArn)!;
        const tags = json(role.inputs.assumeRolePolicy).Statement[0].Condition.StringEquals;
        assert.strictEqual(tags["aws:RequestTag/kubernetes-namespace"], "kube-system");
        assert.strictEqual(tags["aws:RequestTag/kubernetes-service-account"], "efs-csi-controller-sa");
        const attached = plan.ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment").filter((a) => a.name.includes("efs-csi"));
        assert.deepStrictEqual(
            attached.map((a) => a.inputs.policyArn.replace(/^arn:[^:]+/, "arn")),
            ["arn:iam::aws:policy/service-role/AmazonEFSCSIDriverPolicy"],
            "the driver's managed policy",
        );
        // The StorageClass provisions access points on that file system; the claim names it; the web pods mount the claim.
        const [sc] = plan.ofType("kubernetes:storage.k8s.io/v1:StorageClass");
        assert.strictEqual(sc.inputs.provisioner, "efs.csi.aws.com");
        assert.strictEqual(sc.inputs.parameters.provisioningMode, "efs-ap");
        assert.strictEqual(sc.inputs.parameters.fileSystemId, fsId);
        const [claim] = plan.ofType("kubernetes:core/v1:PersistentVolumeClaim");
        assert.deepStrictEqual(claim.inputs.spec.accessModes, ["ReadWriteMany"]);
        assert.strictEqual(claim.inputs.spec.storageClassName, sc.inputs.metadata.name);
        const mounting = plan
            .ofType("kubernetes:apps/v1:Deployment")
            .filter((d) =>
                (d.inputs.spec.template.spec.volumes ?? []).some(
                    (v: any) => v.persistentVolumeClaim?.claimName === claim.inputs.metadata.name,
                ),
            );
        assert.deepStrictEqual(mounting.map((d) => d.inputs.metadata.name).sort(), ["admin", "web"]);
        // The mount targets admit NFS from the cluster's nodes, where the driver mounts.
        const nfs = plan.ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter((r) => r.inputs.fromPort === 2049);
        const [eksCluster] = plan.ofType("aws:eks/cluster:Cluster");
        assert.strictEqual(nfs.length, 1);
        assert.strictEqual(
            nfs[0].inputs.referencedSecurityGroupId,
            awsOutputs(eksCluster.type, eksCluster.name, eksCluster.inputs, "us-east-1")!.vpcConfig.clusterSecurityGroupId,
        );
        // AWS Backup takes the file system.
        const selections = plan.ofType("aws:backup/selection:Selection");
        assert.ok(
            selections.some((sel) => (sel.inputs.resources ?? []).includes(awsOutputs(fs.type, fs.name, fs.inputs, "us-east-1")!.arn)),
            "the file system in a backup selection",
        );
    });
});
