/**
 * The EKS placement (`tierform:placement: eks` on an aws stack): a composition of the two
 * platforms' parts, not a fork of either. In order of need:
 *
 * - the AWS parts as the aws platform builds them: provider with default tags, KMS keys, network
 *   (VPC, subnets, the load balancers' and datastores' security groups), alarm topic, and the data
 *   tier through the AWS provisioners (RDS or DocumentDB, ElastiCache, SQS, S3: components/aws/provisioners.ts);
 * - the EKS Auto Mode cluster (cluster.ts) and a Kubernetes provider from it;
 * - the security group rules and NetworkPolicy flows between its pods and the AWS parts (network.ts);
 * - the Kubernetes adapter's namespace (restricted Pod Security, default-deny NetworkPolicies) and
 *   services (Deployments, HPAs or KEDA ScaledObjects on the target group's requests (scaling.ts), PDBs, migration Jobs) from the plan, their credentials from
 *   Secrets Manager through External Secrets (secrets.ts) and their AWS access through EKS Pod
 *   Identity (identity.ts);
 * - the services' trace collector: the Kubernetes adapter's OpenTelemetry Collector gateway, exporting to X-Ray (traces.ts);
 * - the pods' logs: the Kubernetes adapter's node log collector, shipping the namespace's pod logs to a CloudWatch Logs group
 *   with the plan's retention and the logs key, its error lines counted for the ErrorLogs alarm (logs.ts);
 * - the AWS edge (ALB with ACM TLS, WAF, CloudFront where the spec asks), its target groups filled
 *   with the routed services' pods by TargetGroupBindings of Auto Mode's load balancer controller (edge.ts).
 */
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { Problem } from "../../conventions/problems";
import type { PlatformSettings } from "../../plan";
import { buildOrder, exportsTraces, type SystemPlan } from "../../plan";
import type { PlatformSystem, PlatformSystemArgs, SystemOutputs } from "../contract";
import type { PlatformModule } from "../platform";
import { datastoreOutputs } from "../shared/binding";
import { MANAGED_BY } from "../shared/naming";
import { awsEdgeArgs, awsProblems, awsWarnings } from "../aws/system";
import { AwsAlarmTopic, AwsAppAlarms, AwsDatastoreAlarms, datastoreMetrics } from "../aws/monitoring";
import { createDataTier } from "../aws/data";
import type { AwsDatastoreBinding } from "../aws/contract";
import { AwsEdge } from "../aws/edge";
import { AwsKms } from "../aws/kms";
import { AwsNetwork } from "../aws/network";
import { AwsFileShares } from "../aws/files";
import { KubernetesFileShares } from "../kubernetes/files";
import { EksFileShares } from "./files";
import { selectorOf, type KubeContext } from "../kubernetes/context";
import { createMesh } from "../kubernetes/mesh";
import { KubernetesMonitoring } from "../kubernetes/monitoring";
import { KubernetesNamespace } from "../kubernetes/namespace";
import { ISTIO_CHARTS, KubernetesOperators } from "../kubernetes/operators";
import { checkedBy, runsOnArgo } from "../kubernetes/rollout";
import { createAppSecrets } from "../kubernetes/secrets";
import { KubernetesService } from "../kubernetes/service";
import { imageProblems } from "../shared/images";
import { EksCluster } from "./cluster";
import { createEksEndpoints } from "./endpoints";
import { bindTargetGroups } from "./edge";
import { EksPodIdentity, type EksPodIdentityArgs } from "./identity";
import { EksRollouts } from "./rollouts";
import { EksKeda } from "./scaling";
import { createClusterRules, eksFlows, loadBalancerCidrs, type LoadBalancerSubnets } from "./network";
import { EksExternalSecrets } from "./secrets";
import { EksTraceCollector } from "./traces";
import { EksPodLogs } from "./logs";

/**
 * What the EKS placement cannot build, one problem per spec path: what AWS refuses of the spec (its network, edge,
 * data, file-share and recovery checks) and the images' problems. File shares are EFS through the EFS CSI add-on (files.ts).
 */
export function eksProblems(plan: SystemPlan, settings: PlatformSettings): Problem[] {
    return [...awsProblems(plan, settings, settings.awsRegion, false), ...imageProblems(plan)];
}

/**
 * Why a routed service's port admits plain text in the mesh on EKS (its workload PeerAuthentication, mesh.ts): the AWS
 * load balancer is the edge and is outside the mesh; its target groups reach the pods' addresses over HTTP from its
 * nodes in its subnets, and the service's AuthorizationPolicy and NetworkPolicy admit that port from those subnets' blocks
 * only (network.ts loadBalancerSources, which says what else lives there).
 */
export const EKS_EDGE_PLAINTEXT =
    "the AWS load balancer (outside the mesh) reaches this port over HTTP from its subnets (the public ones; the private ones too for a route with allowCidrs, whose internal load balancer lives there); every other port of the pod accepts only mutual TLS";

/** The alerts of the catalogue Prometheus evaluates on the cluster: the pods' own availability. */
const CLUSTER_ALERTS: ReadonlySet<string> = new Set(["ReplicasUnavailable", "SchedulerNotRunning"]);

/**
 * The plan the Kubernetes adapter's monitoring renders on EKS: the pods' availability alerts only.
 * The datastores are AWS's and alarm in CloudWatch (their provisioners), and so do the edge's error
 * and latency alerts (the load balancer's metrics, AwsAppAlarms); the adapter's rules for them read
 * Envoy Gateway's and CloudNativePG's series, which nothing produces there.
 */
export function clusterAlertsPlan(plan: SystemPlan): SystemPlan {
    return {
        ...plan,
        datastores: {},
        backups: [],
        observability: { ...plan.observability, alerts: plan.observability.alerts.filter((a) => CLUSTER_ALERTS.has(a.id)) },
    };
}

/**
 * What a real deployment of the EKS placement needs that the plan cannot check: AWS's warnings
 * (a placeholder domain, no alarm subscriber) but the one about Fargate's task network interface,
 * which no pod has (its egress is the namespace's NetworkPolicies, network.ts).
 */
export function eksWarnings(plan: SystemPlan, settings: PlatformSettings): string[] {
    return awsWarnings(plan, settings).filter((w) => !w.startsWith(FARGATE_EGRESS_WARNING));
}
/** How AWS's warning about Fargate's open HTTPS egress begins (components/aws/system.ts awsWarnings). */
const FARGATE_EGRESS_WARNING = "tierform: egress.internet is false, but HTTPS (443) to the internet stays open";

/** The AWS file shares (components/aws/files.ts) with the cluster's nodes as their only clients; none without a mount. */
function shareFileSystems(
    name: string,
    plan: SystemPlan,
    network: AwsNetwork,
    clusterSecurityGroupId: pulumi.Input<string>,
    opts: pulumi.ComponentResourceOptions,
): AwsFileShares | undefined {
    if (!Object.values(plan.services).some((s) => s.mounts.length > 0)) return undefined;
    const { vpcId, privateSubnetIds } = network;
    return new AwsFileShares(name, { plan, vpcId, privateSubnetIds, serviceSecurityGroupIds: {}, clusterSecurityGroupId }, opts);
}

/**
 * The shares' claims on EKS: the EFS CSI add-on and a StorageClass per share on the AWS file systems (files.ts), and
 * the Kubernetes adapter's ReadWriteMany claims naming them (components/kubernetes/files.ts).
 */
function mountShares(
    name: string,
    ctx: KubeContext,
    efs: AwsFileShares,
    cluster: { name: pulumi.Input<string>; arn: pulumi.Input<string> },
    opts: pulumi.ComponentResourceOptions,
): Record<string, k8s.core.v1.PersistentVolumeClaim> {
    const drivers = new EksFileShares(
        `${name}-efs`,
        {
            system: ctx.system,
            cluster,
            fileSystemIds: Object.fromEntries(Object.entries(efs.fileSystems).map(([share, fs]) => [share, fs.id])),
            dependsOn: efs.mountTargets,
        },
        opts,
    );
    return new KubernetesFileShares(`${name}-claims`, { ctx, storageClasses: drivers.storageClasses }, { ...opts, dependsOn: [drivers] })
        .claims;
}

/**
 * The staging mesh (components/kubernetes/mesh.ts) on the cluster: the same objects, with the load balancer as an edge
 * outside the mesh that reaches each routed service's port over HTTP from its subnets ({@link EKS_EDGE_PLAINTEXT}).
 */
function createEksMesh(
    ctx: KubeContext,
    args: { plan: SystemPlan; lbSubnets: LoadBalancerSubnets; operators: KubernetesOperators; built: Record<string, KubernetesService> },
    opts: { parent: pulumi.Resource; provider: k8s.Provider },
): void {
    const routed = new Set(args.plan.routes.map((r) => r.service));
    createMesh(
        ctx,
        {
            services: Object.values(args.plan.services).map((s) => ({
                name: s.name,
                selector: selectorOf(ctx.system, s.name),
                ...(routed.has(s.name) && s.port ? { routedPort: s.port } : {}),
                ...checkedBy(ctx, s.rollout),
            })),
            scrapedByPrometheus: ctx.settings.monitoringCrds,
            edge: { kind: "outside", cidrs: loadBalancerCidrs(args.plan, args.lbSubnets), reason: EKS_EDGE_PLAINTEXT },
            dependsOn: [
                ...args.operators.releases(...ISTIO_CHARTS),
                ...Object.values(args.built).flatMap((b) => (b.service ? [b.service] : [])),
            ],
            monitorDependsOn: args.operators.releases("kubePrometheusStack", ...ISTIO_CHARTS),
        },
        opts,
    );
}

/** A Pod Identity per service whose datastores give it IAM statements (the ECS task role's), by service name (identity.ts). */
function serviceIdentities(
    name: string,
    args: {
        plan: SystemPlan;
        cluster: EksPodIdentityArgs["cluster"];
        namespace: string;
        bindings: Record<string, AwsDatastoreBinding>;
    },
    opts: pulumi.ComponentResourceOptions,
): Record<string, EksPodIdentity> {
    const identities: Record<string, EksPodIdentity> = {};
    for (const svc of Object.values(args.plan.services)) {
        const statements = [...new Set(svc.uses)].flatMap((u) => args.bindings[u]?.taskPolicyStatements ?? []);
        if (statements.length === 0) continue;
        identities[svc.name] = new EksPodIdentity(
            `${name}-${svc.name}-identity`,
            { system: args.plan, cluster: args.cluster, namespace: args.namespace, serviceAccount: svc.name, statements },
            opts,
        );
    }
    return identities;
}

/** Every service on an EKS cluster, every datastore on AWS. Type token `tierform:eks:System`. */
export class EksSystem extends pulumi.ComponentResource implements PlatformSystem {
    readonly outputs: SystemOutputs;

    constructor(name: string, args: PlatformSystemArgs, opts?: pulumi.ComponentResourceOptions) {
        super("tierform:eks:System", name, {}, opts);
        const { settings, plan } = args;
        const region = settings.awsRegion;
        const provider = new aws.Provider(
            `${name}-aws`,
            {
                ...(region ? { region } : {}),
                defaultTags: { tags: { system: plan.name, environment: plan.environment, "managed-by": MANAGED_BY } },
            },
            { parent: this },
        );
        const child = { parent: this, providers: [provider] };

        // ---------- AWS: keys, network, alarms, data tier (the aws platform's own parts) ----------
        const logsKey = new AwsKms(`${name}-logs-key`, { system: plan, purpose: "logs", services: ["logs"] }, child);
        const network = new AwsNetwork(
            `${name}-network`,
            {
                plan,
                vpcId: settings.vpcId || undefined,
                azCount: settings.azCount,
                singleNatGateway: settings.singleNatGateway,
                taskSecurityGroups: false, // the pods carry the cluster's security group (network.ts)
            },
            child,
        );
        const alarmTopic = new AwsAlarmTopic(`${name}-alarms`, { system: plan, settings }, child);
        // ---------- the cluster ----------
        const eks = new EksCluster(
            `${name}-eks`,
            { system: plan, subnetIds: network.privateSubnetIds, logsKmsKeyArn: logsKey.arn, publicAccessCidrs: settings.clusterApiCidrs },
            child,
        );
        // AWS's APIs inside the VPC: an interface endpoint for each the nodes and pods call (endpoints.ts).
        createEksEndpoints(`${name}-endpoints`, { plan, settings, network, clusterSecurityGroupId: eks.clusterSecurityGroupId }, child);
        // File shares: the AWS provisioner's EFS file systems, mounted by the cluster's nodes (files.ts).
        const efs = shareFileSystems(`${name}-files`, plan, network, eks.clusterSecurityGroupId, child);
        const [cdnDistributionArn, resolveCdnDistributionArn] = pulumi.deferredOutput<string>();
        const bindings = createDataTier(
            {
                plan,
                settings,
                network: network.info,
                alarmTopicArn: alarmTopic.topicArn,
                logsKmsKeyArn: logsKey.arn,
                ...(plan.edge.cdn ? { cdnDistributionArn } : {}),
                fileSystemArns: Object.values(efs?.fileSystems ?? {}).map((fs) => fs.arn),
            },
            child,
        );

        const cluster = { name: eks.name, arn: eks.cluster.arn };
        const kube = { parent: this, providers: [provider, eks.provider] };
        const regionName = aws.getRegionOutput({}, { parent: this, provider }).region;

        // ---------- between the pods and AWS ----------
        createClusterRules(
            `${name}-pods`,
            {
                plan,
                clusterSecurityGroupId: eks.clusterSecurityGroupId,
                datastoreSecurityGroupIds: network.datastoreSecurityGroupIds,
                loadBalancerSecurityGroupIds: { public: network.albSecurityGroupId, internal: network.internalAlbSecurityGroupId },
            },
            { parent: this, provider },
        );
        // Auto Mode enforces NetworkPolicies once this ConfigMap enables its controller (https://docs.aws.amazon.com/eks/latest/userguide/auto-net-pol.html).
        const policyEngine = new k8s.core.v1.ConfigMap(
            `${name}-network-policy-engine`,
            {
                metadata: { name: "amazon-vpc-cni", namespace: "kube-system" },
                data: { "enable-network-policy-controller": "true" },
            },
            { parent: this, provider: eks.provider },
        );

        // ---------- identities: a role per service that reaches AWS APIs ----------
        const namespaceName = settings.namespace || plan.name;
        const identities = serviceIdentities(name, { plan, cluster, namespace: namespaceName, bindings }, kube);

        // ---------- the Kubernetes adapter's namespace and services ----------
        // The load balancers' nodes: the internet-facing one's in the public subnets, the internal one's in the private ones.
        const lbSubnets = { public: network.subnetCidrs("public"), private: network.subnetCidrs("private") };
        const flows = eksFlows(plan, network.vpcCidr, lbSubnets, new Set(Object.keys(identities)), settings.mesh);
        const ns = new KubernetesNamespace(
            `${name}-namespace`,
            { system: plan, settings, name: namespaceName, flows },
            { ...kube, dependsOn: [policyEngine] },
        );
        const ctx: KubeContext = { system: plan, settings, namespaceName, namespace: ns.name };
        // The cluster's own parts the adapter's pods need (Auto Mode has none of them), from the adapter's pinned charts: metrics-server
        // for the HPAs, kube-prometheus-stack for the ServiceMonitors and PrometheusRule, Istio ambient with tierform:mesh (mesh.ts).
        const operators = new KubernetesOperators(
            `${name}-operators`,
            {
                system: plan,
                // Argo Rollouts is the placement's own (rollouts.ts), without the staging plugin.
                settings: {
                    ...settings,
                    installPrometheusStack: true,
                    installMetricsServer: true,
                    installIstio: settings.mesh,
                    installArgoRollouts: false,
                    installKeda: false, // the placement's own too (scaling.ts), with its operator's Pod Identity
                },
            },
            kube,
        );
        // Canaries and blue-greens: Argo Rollouts with a CloudWatch reader's Pod Identity, where the plan runs any on it.
        const rollouts = Object.values(plan.services).some((s) => runsOnArgo(s.rollout))
            ? new EksRollouts(`${name}-rollouts`, { system: plan, cluster, region: regionName }, kube)
            : undefined;
        // Request-rate autoscaling: KEDA with a CloudWatch reader's Pod Identity, where a service scales on requests (scaling.ts).
        const keda = Object.values(plan.services).some((s) => s.scaling.requestsPerMinute !== undefined)
            ? new EksKeda(`${name}-keda`, { ctx, cluster, region: regionName }, kube)
            : undefined;
        // The services' traces: the cluster's collector gateway, on to X-Ray (traces.ts), while traces are on.
        if (exportsTraces(plan, "kubernetes"))
            new EksTraceCollector(
                `${name}-traces`,
                { system: plan, cluster, region: regionName, dependsOn: operators.releases("kubePrometheusStack") },
                kube,
            );
        new EksPodLogs(`${name}-logs`, { plan, namespace: namespaceName, cluster, region: regionName, logsKey, alarmTopic }, kube);
        const claims = efs ? mountShares(name, ctx, efs, cluster, kube) : {};
        const secrets = new EksExternalSecrets(
            `${name}-external-secrets`,
            { system: plan, cluster, namespace: ns.name, region: regionName, bindings },
            kube,
        );

        // Encrypted at rest by the cluster's KMS key (envelope encryption, cluster.ts).
        const appSecretDeps = createAppSecrets(ctx, plan.appSecrets, { parent: this, provider: eks.provider });

        // ---------- the edge: the AWS load balancer, WAF and CDN (before the services: their rollouts' analysis reads its target groups) ----------
        const edge = new AwsEdge(
            `${name}-edge`,
            // One target group per routed service, which its TargetGroupBinding fills: no ECS deployment shifts traffic.
            { ...awsEdgeArgs({ plan, settings, network, logsKmsKeyArn: logsKey.arn, bindings }), shiftTraffic: false },
            child,
        );
        if (edge.distributionArn) resolveCdnDistributionArn(edge.distributionArn);
        const services: Record<string, string> = {};
        const built: Record<string, KubernetesService> = {};
        for (const service of buildOrder(plan)) {
            const identity = identities[service.name];
            const s = new KubernetesService(
                `${name}-svc-${service.name}`,
                {
                    ctx,
                    plan: plan.services[service.name],
                    bindings,
                    aws: { region: regionName, ...(identity ? { serviceAccountName: service.name } : {}) },
                    syncedConnections: (parent, secretName, refs) => secrets.connections(parent, secretName, refs),
                    ...(rollouts ? { rolloutDependsOn: [rollouts.release] } : {}),
                    ...keda?.serviceArgs(plan.services[service.name], edge.targets[service.name]?.targetGroupArnSuffix),
                    ...(edge.targets[service.name]
                        ? {
                              targetGroup: {
                                  targetGroup: edge.targets[service.name].targetGroupArnSuffix,
                                  loadBalancer: edge.targets[service.name].loadBalancerArnSuffix,
                              },
                          }
                        : {}),
                    dependsOn: [
                        ...appSecretDeps,
                        ...(identity ? [identity.association, ...(identity.serviceAccount ? [identity.serviceAccount] : [])] : []),
                        ...plan.services[service.name].afterMigrationsOf.map((m) => built[m].migration!),
                        ...service.mounts.map((m) => claims[m.share]),
                    ],
                },
                kube,
            );
            built[service.name] = s;
            services[service.name] = s.address;
        }

        // ---------- the mesh: Istio ambient, as on staging, with the load balancer outside it ----------
        if (settings.mesh) createEksMesh(ctx, { plan, lbSubnets, operators, built }, { parent: this, provider: eks.provider });

        // ---------- the pods as the load balancer's targets ----------
        bindTargetGroups(`${name}-edge`, { ctx, targets: edge.targets, services: built }, { parent: this, provider: eks.provider });

        // ---------- alarms and alerts ----------
        // CloudWatch: the load balancer's 5XX rate and p99, each target group's health (the datastores alarm in their provisioners).
        new AwsAppAlarms(
            `${name}-app-alarms`,
            {
                plan,
                alarmTopicArn: alarmTopic.topicArn,
                loadBalancerArnSuffix: edge.loadBalancerArnSuffix,
                targetGroupArnSuffixes: Object.fromEntries(Object.entries(edge.targets).map(([k, t]) => [k, t.targetGroupArnSuffix])),
                targetGroupLoadBalancers: Object.fromEntries(
                    Object.entries(edge.targets).flatMap(([k, t]) =>
                        t.loadBalancerArnSuffix === edge.loadBalancerArnSuffix ? [] : [[k, t.loadBalancerArnSuffix]],
                    ),
                ),
                clusterName: eks.name,
            },
            child,
        );
        // CloudWatch: the catalogue's datastore alerts (readiness, commits, backups) on the AWS datastores, as on ECS.
        new AwsDatastoreAlarms(
            `${name}-datastore-alarms`,
            { plan, alarmTopicArn: alarmTopic.topicArn, datastores: datastoreMetrics(bindings) },
            child,
        );
        // Prometheus: the services' metrics and the pods' availability. The datastores are AWS's, not the cluster's: the
        // adapter's rules see a system without them (their alarms are CloudWatch's, above).
        new KubernetesMonitoring(
            `${name}-monitoring`,
            {
                ctx,
                plan: clusterAlertsPlan(plan),
                dependsOn: [
                    ...operators.releases("kubePrometheusStack"),
                    ...Object.values(built).flatMap((b) => (b.service ? [b.service] : [])),
                ],
            },
            kube,
        );

        this.outputs = {
            publicUrl: edge.publicUrl,
            services,
            datastores: datastoreOutputs(bindings),
            platform: {
                albDnsName: edge.albDnsName,
                ...(edge.cloudFrontDomain ? { cloudFrontDomain: edge.cloudFrontDomain } : {}),
                clusterName: eks.name,
                namespace: ns.name,
                vpcId: network.vpcId,
                alarmTopicArn: alarmTopic.topicArn,
            },
        };
        this.registerOutputs({ publicUrl: this.outputs.publicUrl, platform: this.outputs.platform });
    }
}

/** The EKS placement: its system component, what it refuses and warns about (see deploy.ts). */
export const platform: PlatformModule = {
    System: EksSystem,
    problems: (plan, settings) => eksProblems(plan, settings),
    warnings: (plan, settings) => eksWarnings(plan, settings),
};
