/**
 * The parts of a system on the EKS placement, in the order `EksSystem` builds them in one loop over
 * the plan (issue 26): the AWS parts as the aws platform builds them (the logs' KMS key, the network,
 * the alarm topic), the EKS Auto Mode cluster with its Kubernetes provider (cluster.ts), AWS's API
 * endpoints in the VPC (endpoints.ts), the EFS file systems where a service mounts a share, the data
 * tier through the AWS provisioners (components/aws/data.ts), the region's name, the security group
 * rules between the pods and the AWS parts (network.ts), Auto Mode's NetworkPolicy engine, the
 * services' Pod Identities (identity.ts), the Kubernetes adapter's namespace with the placement's
 * flows, the cluster's operators, Argo Rollouts, KEDA (scaling.ts) and the trace collector (traces.ts)
 * where the plan needs them, the pods' logs (logs.ts: a group per service), the shares' claims (files.ts), External Secrets
 * (secrets.ts), the application secrets, the AWS edge (before the services: their rollouts' analysis
 * and request scaling read its target groups), each service in {@link buildOrder}, the mesh with
 * `tierform:mesh`, the TargetGroupBindings (edge.ts), the CloudWatch alarms, the ECS services' observability over the
 * pods' groups (error-line filters, ErrorLogs, the plan's dashboard: logs.ts) and the cluster's monitoring.
 *
 * A part's builder reads the plan entry it is given and what the parts before it made
 * ({@link EksBuilt}); the registry {@link EKS_BUILDERS} is keyed by {@link EksPart}, so a part
 * without a builder does not compile.
 */
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { buildOrder, exportsTraces, type PlatformSettings, type ServicePlan, type SystemPlan } from "../../plan";
import { awsEdgeArgs } from "../aws/system";
import { AwsAlarmTopic, AwsAppAlarms, AwsDatastoreAlarms, datastoreMetrics, edgeAlarmTargets } from "../aws/monitoring";
import { createDataTier } from "../aws/data";
import type { AwsDatastoreBinding } from "../aws/contract";
import { AwsEdge } from "../aws/edge";
import { AwsFileShares } from "../aws/files";
import { AwsKms } from "../aws/kms";
import { AwsNetwork } from "../aws/network";
import { selectorOf, type KubeContext } from "../kubernetes/context";
import { KubernetesFileShares } from "../kubernetes/files";
import { createMesh } from "../kubernetes/mesh";
import { KubernetesMonitoring } from "../kubernetes/monitoring";
import { KubernetesNamespace } from "../kubernetes/namespace";
import { ISTIO_CHARTS, KubernetesOperators } from "../kubernetes/operators";
import { checkedBy, runsOnArgo } from "../kubernetes/rollout";
import { createAppSecrets } from "../kubernetes/secrets";
import { KubernetesService } from "../kubernetes/service";
import { EksCluster } from "./cluster";
import { bindTargetGroups } from "./edge";
import { createEksEndpoints } from "./endpoints";
import { EksFileShares } from "./files";
import { EksPodIdentity } from "./identity";
import { createEksObservability, EksPodLogs } from "./logs";
import { createClusterRules, eksFlows, loadBalancerCidrs, type LoadBalancerSubnets } from "./network";
import { EksRollouts } from "./rollouts";
import { EksKeda } from "./scaling";
import { EksExternalSecrets } from "./secrets";
import { EksTraceCollector } from "./traces";

/** One part of the system, with the plan entry it is built from. */
export type EksPart =
    | { part: "logs-key" }
    | { part: "network" }
    | { part: "alarm-topic" }
    | { part: "cluster" }
    | { part: "endpoints" }
    | { part: "file-systems" }
    | { part: "data-tier" }
    | { part: "region" }
    | { part: "cluster-rules" }
    | { part: "policy-engine" }
    | { part: "identities" }
    | { part: "namespace" }
    | { part: "operators" }
    | { part: "rollouts" }
    | { part: "keda" }
    | { part: "traces" }
    | { part: "pod-logs" }
    | { part: "share-claims" }
    | { part: "external-secrets" }
    | { part: "app-secrets" }
    | { part: "edge" }
    | { part: "service"; service: ServicePlan }
    | { part: "mesh" }
    | { part: "target-groups" }
    | { part: "app-alarms" }
    | { part: "datastore-alarms" }
    | { part: "observability" }
    | { part: "monitoring" };

/**
 * The parts of `plan` on the EKS placement in the order they are built, each after what it reads
 * (see the module doc): the EFS file systems and their claims only where a service mounts a share,
 * Argo Rollouts only where a service's rollout runs on it, KEDA only where a service scales on
 * requests, the trace collector only while the plan exports traces, the mesh only with
 * `tierform:mesh` (`settings.mesh`); the services in {@link buildOrder} (a migration before what waits for it).
 */
export function eksParts(plan: SystemPlan, settings: PlatformSettings): EksPart[] {
    const services = Object.values(plan.services);
    const shares = services.some((s) => s.mounts.length > 0);
    const argo = services.some((s) => runsOnArgo(s.rollout));
    const requestScaling = services.some((s) => s.scaling.requestsPerMinute !== undefined);
    const when = (needed: boolean, part: EksPart): EksPart[] => (needed ? [part] : []);
    return [
        { part: "logs-key" },
        { part: "network" },
        { part: "alarm-topic" },
        { part: "cluster" },
        { part: "endpoints" },
        ...when(shares, { part: "file-systems" }),
        { part: "data-tier" },
        { part: "region" },
        { part: "cluster-rules" },
        { part: "policy-engine" },
        { part: "identities" },
        { part: "namespace" },
        { part: "operators" },
        ...when(argo, { part: "rollouts" }),
        ...when(requestScaling, { part: "keda" }),
        ...when(exportsTraces(plan, "kubernetes"), { part: "traces" }),
        { part: "pod-logs" },
        ...when(shares, { part: "share-claims" }),
        { part: "external-secrets" },
        { part: "app-secrets" },
        { part: "edge" },
        ...buildOrder(plan).map((service): EksPart => ({ part: "service", service })),
        ...when(settings.mesh, { part: "mesh" }),
        { part: "target-groups" },
        { part: "app-alarms" },
        { part: "datastore-alarms" },
        { part: "observability" },
        { part: "monitoring" },
    ];
}

/** What the parts built so far made, and what every builder reads. Each optional field is set by the part of its name. */
export interface EksBuilt {
    /** The system component's name: children are named `<name>-<part>`. */
    name: string;
    /** The system's plan. */
    plan: SystemPlan;
    /** The stack's settings (region, VPC, namespace, mesh, ...). */
    settings: PlatformSettings;
    /** The system component, every part's parent. */
    parent: pulumi.ComponentResource;
    /** The AWS provider with the system's default tags, every AWS part's provider. */
    provider: aws.Provider;
    /** The KMS key of the cluster's secrets, the logs and the load balancer's access logs. */
    logsKey?: AwsKms;
    /** The VPC, its subnets and the load balancers' and datastores' security groups. */
    network?: AwsNetwork;
    /** The SNS topic every CloudWatch alarm notifies. */
    alarmTopic?: AwsAlarmTopic;
    /** The EKS Auto Mode cluster and its Kubernetes provider. */
    cluster?: EksCluster;
    /** The EFS file systems of the shares, when a service mounts one. */
    fileSystems?: AwsFileShares;
    /** The CloudFront distribution's ARN, which the data tier's bucket policies read and the edge resolves (with a CDN). */
    cdnDistributionArn?: pulumi.Output<string>;
    /** Resolves {@link EksBuilt.cdnDistributionArn} once the edge has made the distribution. */
    resolveCdnDistributionArn?: (arn: pulumi.Output<string>) => void;
    /** What each AWS datastore gives the services that use it, once the data tier is built. */
    bindings?: Record<string, AwsDatastoreBinding>;
    /** The stack's region's name (a lookup, no resource), for the cluster's add-ons. */
    region?: pulumi.Output<string>;
    /** Auto Mode's NetworkPolicy engine switch (a ConfigMap), which the namespace waits for. */
    policyEngine?: k8s.core.v1.ConfigMap;
    /** A Pod Identity per service whose datastores give it IAM statements, by service name. */
    identities?: Record<string, EksPodIdentity>;
    /** The load balancers' subnets (public; private for the internal one), which the flows and the mesh admit. */
    lbSubnets?: LoadBalancerSubnets;
    /** The Kubernetes adapter's namespace. */
    namespace?: KubernetesNamespace;
    /** The namespace and system, as every Kubernetes part reads them. */
    ctx?: KubeContext;
    /** The cluster's operators' Helm releases (metrics-server, kube-prometheus-stack, Istio with the mesh). */
    operators?: KubernetesOperators;
    /** The pods' log groups (a group per service) and their collector. */
    podLogs?: EksPodLogs;
    /** Argo Rollouts, when a service's rollout runs on it. */
    rollouts?: EksRollouts;
    /** KEDA, when a service scales on requests. */
    keda?: EksKeda;
    /** Each share's ReadWriteMany claim, by share (empty without a mount). */
    claims: Record<string, k8s.core.v1.PersistentVolumeClaim>;
    /** External Secrets, which syncs the services' credentials from Secrets Manager. */
    externalSecrets?: EksExternalSecrets;
    /** The application secrets every service waits for. */
    appSecrets?: pulumi.Resource[];
    /** The AWS edge: load balancers, target groups, WAF, CDN. */
    edge?: AwsEdge;
    /** The services built so far, by name, in {@link buildOrder}. */
    services: Record<string, KubernetesService>;
}

/** Nothing built yet of `plan`'s system `name`, under `parent`, on AWS through `provider`. */
export function nothingBuilt(
    name: string,
    plan: SystemPlan,
    settings: PlatformSettings,
    parent: pulumi.ComponentResource,
    provider: aws.Provider,
): EksBuilt {
    return { name, plan, settings, parent, provider, claims: {}, services: {} };
}

/** Builds part `P` into `built`. */
export type EksBuilder<P extends EksPart["part"]> = (part: Extract<EksPart, { part: P }>, built: EksBuilt) => void;

/** The optional fields of {@link EksBuilt}: what a part makes. */
type Made = { [K in keyof EksBuilt]-?: undefined extends EksBuilt[K] ? K : never }[keyof EksBuilt];

/** What an earlier part made into `built.key`: a part read before it was built is a wrong order in {@link eksParts}. */
function need<K extends Made>(built: EksBuilt, key: K): NonNullable<EksBuilt[K]> {
    const v = built[key];
    if (v === undefined) throw new Error(`EKS parts: ${key} is read before it is built (eksParts)`);
    return v as NonNullable<EksBuilt[K]>;
}

/** An AWS part's options: the system's child, on the AWS provider. */
const awsOpts = (b: EksBuilt) => ({ parent: b.parent, providers: [b.provider] });
/** A part on the cluster that may create AWS resources too: both providers. */
const kubeOpts = (b: EksBuilt) => ({ parent: b.parent, providers: [b.provider, need(b, "cluster").provider] });
/** A Kubernetes object's options: the system's child, on the cluster's provider. */
const clusterOpts = (b: EksBuilt) => ({ parent: b.parent, provider: need(b, "cluster").provider });
/** The cluster as its add-ons' Pod Identities name it. */
const clusterRef = (b: EksBuilt) => ({ name: need(b, "cluster").name, arn: need(b, "cluster").cluster.arn });

/** Every part's builder (see the module doc). */
export const EKS_BUILDERS: { readonly [P in EksPart["part"]]: EksBuilder<P> } = {
    "logs-key": (_part, b) => {
        b.logsKey = new AwsKms(`${b.name}-logs-key`, { system: b.plan, purpose: "logs", services: ["logs"] }, awsOpts(b));
    },
    network: (_part, b) => {
        b.network = new AwsNetwork(
            `${b.name}-network`,
            {
                plan: b.plan,
                vpcId: b.settings.vpcId || undefined,
                azCount: b.settings.azCount,
                singleNatGateway: b.settings.singleNatGateway,
                taskSecurityGroups: false, // the pods carry the cluster's security group (network.ts)
            },
            awsOpts(b),
        );
    },
    "alarm-topic": (_part, b) => {
        b.alarmTopic = new AwsAlarmTopic(`${b.name}-alarms`, { system: b.plan, settings: b.settings }, awsOpts(b));
    },
    cluster: (_part, b) => {
        b.cluster = new EksCluster(
            `${b.name}-eks`,
            {
                system: b.plan,
                subnetIds: need(b, "network").privateSubnetIds,
                logsKmsKeyArn: need(b, "logsKey").arn,
                publicAccessCidrs: b.settings.clusterApiCidrs,
            },
            awsOpts(b),
        );
    },
    // AWS's APIs inside the VPC: an interface endpoint for each the nodes and pods call (endpoints.ts).
    endpoints: (_part, b) => {
        const args = {
            plan: b.plan,
            settings: b.settings,
            network: need(b, "network"),
            clusterSecurityGroupId: need(b, "cluster").clusterSecurityGroupId,
        };
        createEksEndpoints(`${b.name}-endpoints`, args, awsOpts(b));
    },
    // File shares: the AWS provisioner's EFS file systems (components/aws/files.ts), with the cluster's nodes as their only clients.
    "file-systems": (_part, b) => {
        const { vpcId, privateSubnetIds } = need(b, "network");
        b.fileSystems = new AwsFileShares(
            `${b.name}-files`,
            {
                plan: b.plan,
                vpcId,
                privateSubnetIds,
                serviceSecurityGroupIds: {},
                clusterSecurityGroupId: need(b, "cluster").clusterSecurityGroupId,
            },
            awsOpts(b),
        );
    },
    // The datastores through the AWS provisioners (components/aws/provisioners.ts); the CDN's ARN comes from the edge, later.
    "data-tier": (_part, b) => {
        const [cdnDistributionArn, resolve] = pulumi.deferredOutput<string>();
        b.cdnDistributionArn = cdnDistributionArn;
        b.resolveCdnDistributionArn = resolve;
        b.bindings = createDataTier(
            {
                plan: b.plan,
                settings: b.settings,
                network: need(b, "network").info,
                alarmTopicArn: need(b, "alarmTopic").topicArn,
                logsKmsKeyArn: need(b, "logsKey").arn,
                ...(b.plan.edge.cdn ? { cdnDistributionArn } : {}),
                fileSystemArns: Object.values(b.fileSystems?.fileSystems ?? {}).map((fs) => fs.arn),
            },
            awsOpts(b),
        );
    },
    region: (_part, b) => {
        b.region = aws.getRegionOutput({}, { parent: b.parent, provider: b.provider }).region;
    },
    // The security group rules between the pods and the datastores and load balancers (network.ts).
    "cluster-rules": (_part, b) => {
        const network = need(b, "network");
        createClusterRules(
            `${b.name}-pods`,
            {
                plan: b.plan,
                clusterSecurityGroupId: need(b, "cluster").clusterSecurityGroupId,
                datastoreSecurityGroupIds: network.datastoreSecurityGroupIds,
                loadBalancerSecurityGroupIds: { public: network.albSecurityGroupId, internal: network.internalAlbSecurityGroupId },
            },
            { parent: b.parent, provider: b.provider },
        );
    },
    // Auto Mode enforces NetworkPolicies once this ConfigMap enables its controller (https://docs.aws.amazon.com/eks/latest/userguide/auto-net-pol.html).
    "policy-engine": (_part, b) => {
        b.policyEngine = new k8s.core.v1.ConfigMap(
            `${b.name}-network-policy-engine`,
            {
                metadata: { name: "amazon-vpc-cni", namespace: "kube-system" },
                data: { "enable-network-policy-controller": "true" },
            },
            clusterOpts(b),
        );
    },
    // A Pod Identity per service whose datastores give it IAM statements (the ECS task role's), by service name (identity.ts).
    identities: (_part, b) => {
        const bindings = need(b, "bindings");
        const namespace = namespaceNameOf(b);
        b.identities = {};
        for (const svc of Object.values(b.plan.services)) {
            const statements = [...new Set(svc.uses)].flatMap((u) => bindings[u]?.taskPolicyStatements ?? []);
            if (statements.length === 0) continue;
            b.identities[svc.name] = new EksPodIdentity(
                `${b.name}-${svc.name}-identity`,
                { system: b.plan, cluster: clusterRef(b), namespace, serviceAccount: svc.name, statements },
                kubeOpts(b),
            );
        }
    },
    // The Kubernetes adapter's namespace (restricted Pod Security, default-deny NetworkPolicies) with the placement's flows (network.ts).
    namespace: (_part, b) => {
        const network = need(b, "network");
        // The load balancers' nodes: the internet-facing one's in the public subnets, the internal one's in the private ones.
        b.lbSubnets = { public: network.subnetCidrs("public"), private: network.subnetCidrs("private") };
        const identified = new Set(Object.keys(need(b, "identities")));
        const flows = eksFlows(b.plan, network.vpcCidr, b.lbSubnets, identified, b.settings.mesh);
        const namespaceName = namespaceNameOf(b);
        b.namespace = new KubernetesNamespace(
            `${b.name}-namespace`,
            { system: b.plan, settings: b.settings, name: namespaceName, flows },
            { ...kubeOpts(b), dependsOn: [need(b, "policyEngine")] },
        );
        b.ctx = { system: b.plan, settings: b.settings, namespaceName, namespace: b.namespace.name };
    },
    // The cluster's own parts the adapter's pods need (Auto Mode has none of them), from the adapter's pinned charts: metrics-server
    // for the HPAs, kube-prometheus-stack for the ServiceMonitors and PrometheusRule, Istio ambient with tierform:mesh (mesh.ts).
    operators: (_part, b) => {
        b.operators = new KubernetesOperators(
            `${b.name}-operators`,
            {
                system: b.plan,
                // Argo Rollouts is the placement's own (rollouts.ts), without the staging plugin.
                settings: {
                    ...b.settings,
                    installPrometheusStack: true,
                    installMetricsServer: true,
                    installIstio: b.settings.mesh,
                    installArgoRollouts: false,
                    installKeda: false, // the placement's own too (scaling.ts), with its operator's Pod Identity
                },
            },
            kubeOpts(b),
        );
    },
    // Canaries and blue-greens: Argo Rollouts with a CloudWatch reader's Pod Identity.
    rollouts: (_part, b) => {
        b.rollouts = new EksRollouts(
            `${b.name}-rollouts`,
            { system: b.plan, cluster: clusterRef(b), region: need(b, "region") },
            kubeOpts(b),
        );
    },
    // Request-rate autoscaling: KEDA with a CloudWatch reader's Pod Identity (scaling.ts).
    keda: (_part, b) => {
        b.keda = new EksKeda(`${b.name}-keda`, { ctx: need(b, "ctx"), cluster: clusterRef(b), region: need(b, "region") }, kubeOpts(b));
    },
    // The services' traces: the cluster's collector gateway, on to X-Ray (traces.ts).
    traces: (_part, b) => {
        new EksTraceCollector(
            `${b.name}-traces`,
            {
                system: b.plan,
                cluster: clusterRef(b),
                region: need(b, "region"),
                dependsOn: need(b, "operators").releases("kubePrometheusStack"),
            },
            kubeOpts(b),
        );
    },
    // The pods' logs to a CloudWatch Logs group per service, read as ECS's are by the observability part (logs.ts).
    "pod-logs": (_part, b) => {
        b.podLogs = new EksPodLogs(
            `${b.name}-logs`,
            {
                plan: b.plan,
                namespace: namespaceNameOf(b),
                cluster: clusterRef(b),
                region: need(b, "region"),
                logsKey: need(b, "logsKey"),
            },
            kubeOpts(b),
        );
    },
    // The shares' claims: the EFS CSI add-on and a StorageClass per share on the file systems (files.ts), and the
    // Kubernetes adapter's ReadWriteMany claims naming them (components/kubernetes/files.ts).
    "share-claims": (_part, b) => {
        const ctx = need(b, "ctx");
        const efs = need(b, "fileSystems");
        const drivers = new EksFileShares(
            `${b.name}-efs`,
            {
                system: ctx.system,
                cluster: clusterRef(b),
                fileSystemIds: Object.fromEntries(Object.entries(efs.fileSystems).map(([share, fs]) => [share, fs.id])),
                dependsOn: efs.mountTargets,
            },
            kubeOpts(b),
        );
        b.claims = new KubernetesFileShares(
            `${b.name}-claims`,
            { ctx, storageClasses: drivers.storageClasses },
            { ...kubeOpts(b), dependsOn: [drivers] },
        ).claims;
    },
    // The services' credentials from Secrets Manager (secrets.ts).
    "external-secrets": (_part, b) => {
        b.externalSecrets = new EksExternalSecrets(
            `${b.name}-external-secrets`,
            {
                system: b.plan,
                cluster: clusterRef(b),
                namespace: need(b, "namespace").name,
                region: need(b, "region"),
                bindings: need(b, "bindings"),
            },
            kubeOpts(b),
        );
    },
    // Encrypted at rest by the cluster's KMS key (envelope encryption, cluster.ts).
    "app-secrets": (_part, b) => {
        b.appSecrets = createAppSecrets(need(b, "ctx"), b.plan.appSecrets, clusterOpts(b));
    },
    // The AWS load balancer, WAF and CDN, with one target group per routed service, which its TargetGroupBinding
    // fills: no ECS deployment shifts traffic. Its CDN's ARN resolves the data tier's.
    edge: (_part, b) => {
        const args = awsEdgeArgs({
            plan: b.plan,
            settings: b.settings,
            network: need(b, "network"),
            logsKmsKeyArn: need(b, "logsKey").arn,
            bindings: need(b, "bindings"),
        });
        b.edge = new AwsEdge(`${b.name}-edge`, { ...args, shiftTraffic: false }, awsOpts(b));
        if (b.edge.distributionArn) need(b, "resolveCdnDistributionArn")(b.edge.distributionArn);
    },
    // A service as the Kubernetes adapter builds it, its AWS access through its Pod Identity, after its migrations and claims.
    service: ({ service }, b) => {
        const plan = b.plan.services[service.name];
        const identity = need(b, "identities")[service.name];
        const target = need(b, "edge").targets[service.name];
        const secrets = need(b, "externalSecrets");
        b.services[service.name] = new KubernetesService(
            `${b.name}-svc-${service.name}`,
            {
                ctx: need(b, "ctx"),
                plan,
                bindings: need(b, "bindings"),
                aws: { region: need(b, "region"), ...(identity ? { serviceAccountName: service.name } : {}) },
                syncedConnections: (parent, secretName, refs) => secrets.connections(parent, secretName, refs),
                ...(b.rollouts ? { rolloutDependsOn: [b.rollouts.release] } : {}),
                ...b.keda?.serviceArgs(plan, target?.targetGroupArnSuffix),
                ...(target
                    ? { targetGroup: { targetGroup: target.targetGroupArnSuffix, loadBalancer: target.loadBalancerArnSuffix } }
                    : {}),
                dependsOn: [
                    ...need(b, "appSecrets"),
                    ...(identity ? [identity.association, ...(identity.serviceAccount ? [identity.serviceAccount] : [])] : []),
                    ...plan.afterMigrationsOf.map((m) => b.services[m].migration!),
                    ...service.mounts.map((m) => b.claims[m.share]),
                ],
            },
            kubeOpts(b),
        );
    },
    // The staging mesh (components/kubernetes/mesh.ts) on the cluster: the same objects, with the load balancer as an edge
    // outside the mesh that reaches each routed service's port over HTTP from its subnets ({@link EKS_EDGE_PLAINTEXT}).
    mesh: (_part, b) => {
        const ctx = need(b, "ctx");
        const operators = need(b, "operators");
        const routed = new Set(b.plan.routes.map((r) => r.service));
        createMesh(
            ctx,
            {
                services: Object.values(b.plan.services).map((s) => ({
                    name: s.name,
                    selector: selectorOf(ctx.system, s.name),
                    ...(routed.has(s.name) && s.port ? { routedPort: s.port } : {}),
                    ...checkedBy(ctx, s.rollout),
                })),
                scrapedByPrometheus: ctx.settings.monitoringCrds,
                edge: { kind: "outside", cidrs: loadBalancerCidrs(b.plan, need(b, "lbSubnets")), reason: EKS_EDGE_PLAINTEXT },
                dependsOn: [...operators.releases(...ISTIO_CHARTS), ...serviceObjects(b)],
                monitorDependsOn: operators.releases("kubePrometheusStack", ...ISTIO_CHARTS),
            },
            clusterOpts(b),
        );
    },
    // The pods as the load balancer's targets (edge.ts).
    "target-groups": (_part, b) => {
        bindTargetGroups(`${b.name}-edge`, { ctx: need(b, "ctx"), targets: need(b, "edge").targets, services: b.services }, clusterOpts(b));
    },
    // CloudWatch: the load balancer's 5XX rate and p99, each target group's health (the datastores alarm in their provisioners).
    "app-alarms": (_part, b) => {
        const edge = need(b, "edge");
        new AwsAppAlarms(
            `${b.name}-app-alarms`,
            {
                plan: b.plan,
                alarmTopicArn: need(b, "alarmTopic").topicArn,
                ...edgeAlarmTargets(edge),
                clusterName: need(b, "cluster").name,
            },
            awsOpts(b),
        );
    },
    // CloudWatch: the catalogue's datastore alerts (readiness, commits, backups) on the AWS datastores, as on ECS.
    "datastore-alarms": (_part, b) => {
        new AwsDatastoreAlarms(
            `${b.name}-datastore-alarms`,
            { plan: b.plan, alarmTopicArn: need(b, "alarmTopic").topicArn, datastores: datastoreMetrics(need(b, "bindings")) },
            awsOpts(b),
        );
    },
    // CloudWatch: ECS's observability over the pods' groups: error-line filters, ErrorLogs, HighErrorRatio and HighLatencyP99 per
    // routed service, the saved queries and the plan's dashboard (logs.ts, components/aws/observability.ts).
    observability: (_part, b) => {
        createEksObservability(
            `${b.name}-observability`,
            {
                plan: b.plan,
                alarmTopicArn: need(b, "alarmTopic").topicArn,
                clusterName: need(b, "cluster").name,
                datastores: datastoreMetrics(need(b, "bindings")),
                logs: need(b, "podLogs"),
                targets: need(b, "edge").targets,
            },
            awsOpts(b),
        );
    },
    // Prometheus: the services' metrics and the pods' availability. The datastores are AWS's, not the cluster's: the
    // adapter's rules see a system without them (their alarms are CloudWatch's, above).
    monitoring: (_part, b) => {
        new KubernetesMonitoring(
            `${b.name}-monitoring`,
            {
                ctx: need(b, "ctx"),
                plan: clusterAlertsPlan(b.plan),
                dependsOn: [...need(b, "operators").releases("kubePrometheusStack"), ...serviceObjects(b)],
            },
            kubeOpts(b),
        );
    },
};

/** Build `part` into `built` with its builder. */
export function buildPart(part: EksPart, built: EksBuilt): void {
    const builder = EKS_BUILDERS[part.part] as (p: EksPart, b: EksBuilt) => void;
    builder(part, built);
}

/** The namespace the system's objects live in: `tierform:namespace`, else the system's name. */
const namespaceNameOf = (b: EksBuilt) => b.settings.namespace || b.plan.name;

/** The built services' ClusterIP Services (a worker has none). */
const serviceObjects = (b: EksBuilt) => Object.values(b.services).flatMap((s) => (s.service ? [s.service] : []));

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
