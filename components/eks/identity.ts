/**
 * How pods of the EKS placement reach AWS without a static key: EKS Pod Identity. Each service
 * whose datastores give IAM statements (S3 objects, SQS messages, the keys behind them, RDS IAM
 * authentication: the AWS provisioners' `taskPolicyStatements`, the same the ECS task role gets)
 * runs under a ServiceAccount of its own, associated with a role of its own.
 *
 * Pod Identity rather than IRSA: no OIDC provider per cluster to create and trust, a trust policy
 * that names one service principal (`pods.eks.amazonaws.com`) instead of the cluster's issuer URL,
 * and the agent is part of Auto Mode (https://docs.aws.amazon.com/eks/latest/userguide/pod-identities.html,
 * "Overview of EKS Pod Identity" / comparison with IRSA). The role's trust is scoped to exactly one
 * ServiceAccount of one namespace of one cluster: EKS Pod Identity tags the session with
 * `kubernetes-namespace`, `kubernetes-service-account` and `eks-cluster-arn`
 * (https://docs.aws.amazon.com/eks/latest/userguide/pod-id-abac.html), which the trust's
 * conditions require, so the role cannot be taken through another association.
 */
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { SystemFacts } from "../../plan";
import { awsTags, kubernetesLabels, resourceName } from "../shared/naming";
import { policyJson } from "../aws/common";
import type { Pin } from "../../conventions/pins";

/** The service principal of EKS Pod Identity. */
export const POD_IDENTITY_PRINCIPAL = "pods.eks.amazonaws.com";

/**
 * The trust policy of a role that exactly one ServiceAccount (`namespace`/`serviceAccount`) of
 * cluster `clusterArn` takes through EKS Pod Identity (see the module doc).
 */
export function podIdentityTrust(clusterArn: pulumi.Input<string>, namespace: string, serviceAccount: string): pulumi.Output<string> {
    return policyJson([
        {
            Sid: "OneServiceAccountOfThisCluster",
            Effect: "Allow",
            Principal: { Service: POD_IDENTITY_PRINCIPAL },
            Action: ["sts:AssumeRole", "sts:TagSession"],
            Condition: {
                StringEquals: {
                    "aws:RequestTag/eks-cluster-arn": clusterArn,
                    "aws:RequestTag/kubernetes-namespace": namespace,
                    "aws:RequestTag/kubernetes-service-account": serviceAccount,
                },
            },
        },
    ]);
}

/** Arguments of {@link EksPodIdentity}. */
export interface EksPodIdentityArgs {
    /** The system's names (the role's tags, the ServiceAccount's labels): the resolved system or its plan. */
    system: SystemFacts;
    /** The cluster's name and ARN. */
    cluster: { name: pulumi.Input<string>; arn: pulumi.Input<string> };
    /** The namespace of the ServiceAccount. */
    namespace: string;
    /** The ServiceAccount's name. */
    serviceAccount: string;
    /** The role's permissions. */
    statements: pulumi.Input<aws.iam.PolicyStatement>[];
    /**
     * Create the ServiceAccount (false where a Helm chart creates it, External Secrets').
     * @default true
     */
    createServiceAccount?: boolean;
}

/** A ServiceAccount, its role and the Pod Identity association between them. Type token `tierform:eks:PodIdentity`. */
export class EksPodIdentity extends pulumi.ComponentResource {
    /** The role the ServiceAccount's pods receive. */
    readonly role: aws.iam.Role;
    /** The association (what a pod must wait for: its credentials exist only once it does). */
    readonly association: aws.eks.PodIdentityAssociation;
    /** The ServiceAccount, where this component created it. */
    readonly serviceAccount?: k8s.core.v1.ServiceAccount;

    constructor(name: string, args: EksPodIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
        super("tierform:eks:PodIdentity", name, {}, opts);
        const { system } = args;
        const child = { parent: this };
        const tags = awsTags(system, "service");
        this.role = new aws.iam.Role(
            `${name}-role`,
            { assumeRolePolicy: podIdentityTrust(args.cluster.arn, args.namespace, args.serviceAccount), tags },
            child,
        );
        new aws.iam.RolePolicy(`${name}-role-access`, { role: this.role.name, policy: policyJson(args.statements) }, child);
        if (args.createServiceAccount !== false) {
            this.serviceAccount = new k8s.core.v1.ServiceAccount(
                resourceName([name, "sa"]),
                {
                    metadata: {
                        name: args.serviceAccount,
                        namespace: args.namespace,
                        labels: kubernetesLabels(system, args.serviceAccount, "service"),
                    },
                    // Pod Identity's webhook mounts its own projected token; the API token stays unmounted.
                    automountServiceAccountToken: false,
                },
                child,
            );
        }
        this.association = new aws.eks.PodIdentityAssociation(
            `${name}-association`,
            {
                clusterName: args.cluster.name,
                namespace: args.namespace,
                serviceAccount: args.serviceAccount,
                roleArn: this.role.arn,
                tags,
            },
            child,
        );
        this.registerOutputs({});
    }
}

/** Arguments of {@link podIdentityRelease}. */
export interface PodIdentityReleaseArgs {
    /** The resolved system (names, tags). */
    system: EksPodIdentityArgs["system"];
    /** The cluster's name and ARN. */
    cluster: EksPodIdentityArgs["cluster"];
    /** The release's name. */
    release: string;
    /** The pinned chart (conventions/pins.ts). */
    chart: Pin;
    /** The namespace of the release and of the ServiceAccount its chart creates. */
    namespace: string;
    /** The ServiceAccount the chart creates (its values name it), which the role is associated with. */
    serviceAccount: string;
    /** The role's permissions. */
    statements: pulumi.Input<aws.iam.PolicyStatement>[];
    /** The chart's values. */
    values: pulumi.Input<Record<string, unknown>>;
    /**
     * Whether the release creates its namespace.
     * @default true
     */
    createNamespace?: boolean;
    /**
     * What the release waits for besides the association.
     * @default []
     */
    dependsOn?: pulumi.Resource[];
}

/**
 * A pinned chart whose pods reach AWS through EKS Pod Identity, under `parent`: `<name>-identity`, the role for the
 * ServiceAccount the chart creates, and `<name>-release`, which waits for the association (the pods' credentials exist
 * only once it does). The placement's controllers are installed this way: External Secrets, the trace and log collectors,
 * Argo Rollouts, KEDA.
 */
export function podIdentityRelease(
    parent: pulumi.Resource,
    name: string,
    args: PodIdentityReleaseArgs,
): { identity: EksPodIdentity; release: k8s.helm.v3.Release } {
    const identity = new EksPodIdentity(
        `${name}-identity`,
        {
            system: args.system,
            cluster: args.cluster,
            namespace: args.namespace,
            serviceAccount: args.serviceAccount,
            createServiceAccount: false,
            statements: args.statements,
        },
        { parent },
    );
    const release = new k8s.helm.v3.Release(
        `${name}-release`,
        {
            name: args.release,
            chart: args.chart.packageName,
            version: args.chart.value,
            repositoryOpts: { repo: args.chart.registryUrl },
            namespace: args.namespace,
            createNamespace: args.createNamespace ?? true,
            atomic: true,
            timeout: 600,
            values: args.values,
        },
        { parent, dependsOn: [identity.association, ...(args.dependsOn ?? [])] },
    );
    return { identity, release };
}
