/**
 * EKS (the EKS placement, components/eks/, and clusters or node groups a user adds): the API
 * endpoint private or limited to named ranges, Kubernetes Secrets envelope-encrypted with KMS,
 * every control-plane log type exported, nodes that require IMDSv2 with a hop limit of 1 (so pods
 * cannot take the node's role from the instance metadata service), and Pod Identity roles that only
 * one ServiceAccount of one namespace can take.
 */
import { resourcePolicy } from "./util";

const EKS_CLUSTER = "aws:eks/cluster:Cluster";
const EKS_NODE_GROUP = "aws:eks/nodeGroup:NodeGroup";
const LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";
const IAM_ROLE = "aws:iam/role:Role";

/** Every control-plane log type (https://docs.aws.amazon.com/eks/latest/userguide/control-plane-logs.html). */
export const EKS_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"];

/** The API endpoint is private, or public only to named ranges. */
export const awsEksEndpointAccess = resourcePolicy({
    name: "aws-eks-endpoint-access",
    description:
        "An EKS cluster's Kubernetes API endpoint is private to the VPC, or public only to named address ranges (publicAccessCidrs without 0.0.0.0/0 or ::/0).",
    group: "security",
    platforms: ["aws"],
    checklist: ["network-segmentation", "port-restrictions"],
    sources: ["Checkov CKV_AWS_38", "Checkov CKV_AWS_39"],
    types: [EKS_CLUSTER],
    validate: (props, _args, report) => {
        const vpc = props.vpcConfig ?? {};
        // EKS's default is a public endpoint open to 0.0.0.0/0 (vpcConfig.endpointPublicAccess defaults to true).
        if (vpc.endpointPublicAccess === false) return;
        const cidrs: string[] = vpc.publicAccessCidrs ?? [];
        if (cidrs.length === 0) report("the API endpoint is public to every address (endpointPublicAccess without publicAccessCidrs)");
        for (const c of cidrs) if (c === "0.0.0.0/0" || c === "::/0") report(`the API endpoint is public to ${c}`);
    },
});

/** Kubernetes Secrets encrypted with a KMS key. */
export const awsEksSecretsEncryption = resourcePolicy({
    name: "aws-eks-secrets-encryption",
    description:
        "An EKS cluster envelope-encrypts Kubernetes Secrets with a KMS key (encryptionConfig resources 'secrets', provider.keyArn).",
    group: "security",
    platforms: ["aws"],
    checklist: ["encryption-at-rest", "mdc-secrets-in-vault"],
    sources: ["Checkov CKV_AWS_58"],
    types: [EKS_CLUSTER],
    validate: (props, _args, report) => {
        const e = props.encryptionConfig;
        if (!e || !(e.resources ?? []).includes("secrets")) report("encryptionConfig does not encrypt 'secrets'");
        else if (!e.provider?.keyArn) report("encryptionConfig names no KMS key (provider.keyArn)");
    },
});

/** Every control-plane log type exported. */
export const awsEksControlPlaneLogging = resourcePolicy({
    name: "aws-eks-control-plane-logging",
    description: `An EKS cluster exports every control-plane log type to CloudWatch Logs (${EKS_LOG_TYPES.join(", ")}): the audit log is the record of who did what to the cluster.`,
    group: "security",
    platforms: ["aws"],
    checklist: ["mdc-monitoring-alerts"],
    sources: ["Checkov CKV_AWS_37"],
    types: [EKS_CLUSTER],
    validate: (props, _args, report) => {
        const on: string[] = props.enabledClusterLogTypes ?? [];
        const missing = EKS_LOG_TYPES.filter((t) => !on.includes(t));
        if (missing.length) report(`control-plane log types not exported: ${missing.join(", ")}`);
    },
});

/**
 * Nodes require IMDSv2 at hop limit 1. Auto Mode's nodes do by themselves ("IMDSv2 enforced with hop
 * limit 1", https://docs.aws.amazon.com/eks/latest/userguide/auto-security.html), so the policy
 * judges what a user adds: a managed node group runs its launch template's settings, and without one
 * EKS's own default template, whose hop limit of 2 lets pods reach the node's credentials
 * (https://docs.aws.amazon.com/eks/latest/userguide/launch-templates.html); a launch template must
 * require tokens and keep the hop limit at 1.
 */
export const awsEksNodeImdsv2 = resourcePolicy({
    name: "aws-eks-node-imdsv2",
    description:
        "EKS nodes require IMDSv2 with a hop limit of 1, so no pod reads the node role's credentials: a managed node group names a launch template, and every launch template sets metadataOptions httpTokens 'required' and httpPutResponseHopLimit 1 (Auto Mode nodes do so by themselves).",
    group: "security",
    platforms: ["aws"],
    checklist: ["network-segmentation"],
    sources: ["Checkov CKV_AWS_79", "Checkov CKV_AWS_341"],
    types: [EKS_NODE_GROUP, LAUNCH_TEMPLATE],
    validate: (props, args, report) => {
        if (args.type === EKS_NODE_GROUP) {
            const t = props.launchTemplate;
            if (!t || !(t.id || t.name)) report("the node group names no launch template: EKS's default one leaves IMDS hop limit 2");
            return;
        }
        const m = props.metadataOptions ?? {};
        if (m.httpTokens !== "required") report("metadataOptions.httpTokens is not 'required' (IMDSv1 answers)");
        if (m.httpPutResponseHopLimit === undefined || Number(m.httpPutResponseHopLimit) > 1)
            report(
                `metadataOptions.httpPutResponseHopLimit is ${m.httpPutResponseHopLimit ?? "unset (EKS's default 2)"}: pods reach the node's IMDS`,
            );
    },
});

/**
 * A role EKS Pod Identity gives to pods is scoped to one ServiceAccount of one namespace: its trust
 * requires the session tags Pod Identity sets (https://docs.aws.amazon.com/eks/latest/userguide/pod-id-abac.html);
 * without them any association of any cluster in the account can hand the role to any pod.
 */
export const awsEksPodIdentityScoped = resourcePolicy({
    name: "aws-eks-pod-identity-scoped",
    description:
        "A role trusted by EKS Pod Identity (pods.eks.amazonaws.com) requires, in its trust's StringEquals, the session tags kubernetes-namespace, kubernetes-service-account and eks-cluster-arn: one ServiceAccount of one cluster takes it.",
    group: "security",
    platforms: ["aws"],
    checklist: ["mdc-secrets-in-vault"],
    sources: ["AWS EKS Pod Identity session tags (pod-id-abac)", "Checkov CKV_AWS_60 (intent: trust restricted)"],
    types: [IAM_ROLE],
    validate: (props, _args, report) => {
        let doc: any = props.assumeRolePolicy;
        try {
            if (typeof doc === "string") doc = JSON.parse(doc);
        } catch {
            return;
        }
        const statements: any[] = [doc?.Statement ?? []].flat();
        for (const s of statements) {
            const principals = [s?.Principal?.Service ?? []].flat();
            if (s?.Effect !== "Allow" || !principals.includes("pods.eks.amazonaws.com")) continue;
            const eq = s.Condition?.StringEquals ?? {};
            const missing = ["kubernetes-namespace", "kubernetes-service-account", "eks-cluster-arn"].filter(
                (t) => typeof eq[`aws:RequestTag/${t}`] !== "string" || eq[`aws:RequestTag/${t}`] === "",
            );
            if (missing.length) report(`its Pod Identity trust does not require the session tag(s) ${missing.join(", ")}`);
        }
    },
});

/** The EKS policies. */
export const awsEksPolicies = [
    awsEksEndpointAccess,
    awsEksSecretsEncryption,
    awsEksControlPlaneLogging,
    awsEksNodeImdsv2,
    awsEksPodIdentityScoped,
];
