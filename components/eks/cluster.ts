/**
 * The EKS cluster of the EKS placement (tierform:placement eks): EKS Auto Mode, created with the
 * provider's `aws.eks.Cluster` directly, and a `kubernetes.Provider` that reaches it.
 *
 * - **Auto Mode** rather than managed node groups with Karpenter: AWS runs the node autoscaler
 *   (Karpenter), the VPC CNI with its network policy engine, CoreDNS, kube-proxy, the EBS CSI
 *   driver, the Pod Identity agent and the load balancer controller as parts of the cluster, on
 *   Bottlerocket-based nodes it patches and replaces at most every 21 days, with IMDSv2 required at
 *   hop limit 1 (https://docs.aws.amazon.com/eks/latest/userguide/auto-security.html). Nothing of
 *   that is a Helm release or an add-on version tierform would have to pin and upgrade. Enabling it
 *   takes `computeConfig`, `kubernetesNetworkConfig.elasticLoadBalancing` and
 *   `storageConfig.blockStorage` all true and `bootstrapSelfManagedAddons` false (the provider's
 *   docs of `aws.eks.Cluster`, @pulumi/aws 7.48 eks/cluster.d.ts).
 * - **`aws.eks.Cluster` rather than `@pulumi/eks`**: @pulumi/aws is installed already; `@pulumi/eks`
 *   would add a package (and its own provider binary) for what three roles and one resource say.
 * - **Version** from the lifecycle table ({@link EKS_KUBERNETES_VERSION}, conventions/lifecycle.ts),
 *   standard support only (`upgradePolicy.supportType: STANDARD`: no silent extended-support bill).
 * - **Closed by default**: the API endpoint is private to the VPC unless `tierform:clusterApiCidrs`
 *   names the ranges that may reach it over the internet; Kubernetes Secrets are envelope-encrypted
 *   with a customer-managed KMS key; every control-plane log type goes to a log group the program
 *   creates first (KMS, the profile's retention: `/aws/eks/<cluster>/cluster`, the name EKS writes
 *   to, https://docs.aws.amazon.com/eks/latest/userguide/control-plane-logs.html); access through
 *   EKS access entries only (`authenticationMode: API`); deletion protection where the profile asks.
 */
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { SystemFacts } from "../../plan";
import { EKS_KUBERNETES_VERSION } from "../../conventions/lifecycle";
import { awsTags, resourceName } from "../shared/naming";
import { awsPlace, managedPolicyArn, policyJson } from "../aws/common";
import { AwsKms } from "../aws/kms";

/** Every control-plane log type EKS can export (https://docs.aws.amazon.com/eks/latest/userguide/control-plane-logs.html). */
export const CONTROL_PLANE_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"];

/**
 * The managed policies of the cluster role of an Auto Mode cluster, and its trust (`sts:AssumeRole`
 * and `sts:TagSession` for eks.amazonaws.com): https://docs.aws.amazon.com/eks/latest/userguide/auto-cluster-iam-role.html.
 */
const CLUSTER_ROLE_POLICIES = [
    "AmazonEKSClusterPolicy",
    "AmazonEKSComputePolicy",
    "AmazonEKSBlockStoragePolicy",
    "AmazonEKSLoadBalancingPolicy",
    "AmazonEKSNetworkingPolicy",
];
/** The managed policies of the node role of Auto Mode nodes: https://docs.aws.amazon.com/eks/latest/userguide/auto-create-node-role.html. */
const NODE_ROLE_POLICIES = ["AmazonEKSWorkerNodeMinimalPolicy", "AmazonEC2ContainerRegistryPullOnly"];

/** Arguments of {@link EksCluster}. */
export interface EksClusterArgs {
    /** What the cluster reads of the system (names, tags, profile, log retention): its plan. */
    system: SystemFacts;
    /** Subnets of the control plane's network interfaces and of the nodes: the network's private subnets. */
    subnetIds: pulumi.Input<string>[];
    /** KMS key of the control-plane log group. */
    logsKmsKeyArn: pulumi.Input<string>;
    /**
     * Ranges that may reach the API endpoint over the internet (`tierform:clusterApiCidrs`).
     * @default [] (the endpoint is private to the VPC)
     */
    publicAccessCidrs?: string[];
}

/** An EKS Auto Mode cluster and the provider that reaches it. Type token `tierform:eks:Cluster`. */
export class EksCluster extends pulumi.ComponentResource {
    /** The cluster. */
    readonly cluster: aws.eks.Cluster;
    /** A Kubernetes provider for the cluster (credentials from `aws eks get-token` at deploy time: no static key). */
    readonly provider: k8s.Provider;
    /** The security group EKS creates for the control plane and Auto Mode's nodes (and so the pods). */
    readonly clusterSecurityGroupId: pulumi.Output<string>;
    /** The cluster's name. */
    readonly name: pulumi.Output<string>;

    constructor(name: string, args: EksClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("tierform:eks:Cluster", name, {}, opts);
        const { system } = args;
        const child = { parent: this };
        const place = awsPlace(child);
        const clusterName = resourceName([system.name, system.environment]);
        const tags = awsTags(system, "service");

        const trust = (service: string, actions: string[]) =>
            policyJson([{ Effect: "Allow", Principal: { Service: service }, Action: actions }]);
        const clusterRole = new aws.iam.Role(
            `${name}-role`,
            { assumeRolePolicy: trust("eks.amazonaws.com", ["sts:AssumeRole", "sts:TagSession"]), tags },
            child,
        );
        const clusterPolicies = CLUSTER_ROLE_POLICIES.map(
            (p) =>
                new aws.iam.RolePolicyAttachment(
                    `${name}-role-${p}`,
                    { role: clusterRole.name, policyArn: managedPolicyArn(place.partition, p) },
                    child,
                ),
        );
        const nodeRole = new aws.iam.Role(
            `${name}-node-role`,
            { assumeRolePolicy: trust("ec2.amazonaws.com", ["sts:AssumeRole"]), tags },
            child,
        );
        const nodePolicies = NODE_ROLE_POLICIES.map(
            (p) =>
                new aws.iam.RolePolicyAttachment(
                    `${name}-node-role-${p}`,
                    { role: nodeRole.name, policyArn: managedPolicyArn(place.partition, p) },
                    child,
                ),
        );

        // Envelope encryption of Kubernetes Secrets: the cluster role uses the key through IAM (the key
        // policy delegates to the account's IAM policies), https://docs.aws.amazon.com/eks/latest/userguide/envelope-encryption.html.
        const secretsKey = new AwsKms(`${name}-secrets-key`, { system, purpose: "eks-secrets" }, child);
        const keyUse = new aws.iam.RolePolicy(
            `${name}-role-secrets-key`,
            {
                role: clusterRole.name,
                policy: policyJson([
                    {
                        Sid: "EnvelopeEncryptionOfKubernetesSecrets",
                        Effect: "Allow",
                        Action: ["kms:Encrypt", "kms:Decrypt", "kms:DescribeKey", "kms:CreateGrant"],
                        Resource: secretsKey.arn,
                    },
                ]),
            },
            child,
        );
        const logGroup = new aws.cloudwatch.LogGroup(
            `${name}-control-plane-logs`,
            {
                name: `/aws/eks/${clusterName}/cluster`,
                retentionInDays: system.observability.logRetentionDays,
                kmsKeyId: args.logsKmsKeyArn,
                tags: awsTags(system, "monitoring"),
            },
            child,
        );

        const cidrs = args.publicAccessCidrs ?? [];
        this.cluster = new aws.eks.Cluster(
            name,
            {
                name: clusterName,
                version: EKS_KUBERNETES_VERSION,
                roleArn: clusterRole.arn,
                vpcConfig: {
                    subnetIds: args.subnetIds,
                    endpointPrivateAccess: true,
                    endpointPublicAccess: cidrs.length > 0,
                    ...(cidrs.length > 0 ? { publicAccessCidrs: cidrs } : {}),
                },
                accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: true },
                bootstrapSelfManagedAddons: false,
                computeConfig: { enabled: true, nodePools: ["general-purpose", "system"], nodeRoleArn: nodeRole.arn },
                kubernetesNetworkConfig: { elasticLoadBalancing: { enabled: true } },
                storageConfig: { blockStorage: { enabled: true } },
                encryptionConfig: { resources: ["secrets"], provider: { keyArn: secretsKey.arn } },
                enabledClusterLogTypes: CONTROL_PLANE_LOG_TYPES,
                upgradePolicy: { supportType: "STANDARD" },
                deletionProtection: system.profile.deletionProtection,
                tags,
            },
            {
                parent: this,
                dependsOn: [...clusterPolicies, ...nodePolicies, keyUse, logGroup],
                ...(system.profile.deletionProtection ? { protect: true } : {}),
            },
        );
        this.name = this.cluster.name;
        this.clusterSecurityGroupId = this.cluster.vpcConfig.clusterSecurityGroupId;

        // The kubeconfig names no credential: `aws eks get-token` signs a token with the deployer's own
        // AWS identity at each call (https://docs.aws.amazon.com/eks/latest/userguide/create-kubeconfig.html).
        const kubeconfig = pulumi
            .all([this.cluster.name, this.cluster.endpoint, this.cluster.certificateAuthority.data, place.region])
            .apply(([cluster, endpoint, ca, region]) =>
                JSON.stringify({
                    apiVersion: "v1",
                    kind: "Config",
                    clusters: [{ name: cluster, cluster: { server: endpoint, "certificate-authority-data": ca } }],
                    contexts: [{ name: cluster, context: { cluster, user: cluster } }],
                    "current-context": cluster,
                    users: [
                        {
                            name: cluster,
                            user: {
                                exec: {
                                    apiVersion: "client.authentication.k8s.io/v1beta1",
                                    command: "aws",
                                    args: ["eks", "get-token", "--cluster-name", cluster, "--region", region, "--output", "json"],
                                },
                            },
                        },
                    ],
                }),
            );
        this.provider = new k8s.Provider(`${name}-k8s`, { kubeconfig: pulumi.secret(kubeconfig), enableServerSideApply: true }, child);
        this.registerOutputs({ name: this.name });
    }
}
