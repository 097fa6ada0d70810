/**
 * Kubernetes RBAC, service accounts and pod host paths users add beside the program's workloads
 * (issue 16). Public rules: Checkov CKV_K8S_27/41/42/49/155/156/157/158 (bridgecrewio/checkov
 * `checkov/kubernetes/checks/resource/k8s/*.py`) and Polaris clusterrolebindingClusterAdmin,
 * rolebindingClusterAdminClusterRole, clusterrolePodExecAttach, rolePodExecAttach,
 * automountServiceAccountToken, hostPathSet (FairwindsOps/polaris `pkg/config/checks/*.yaml`).
 */
import { K8S_WORKLOADS, podSpecOf, resourcePolicy, setting } from "./util";

const ROLE = "kubernetes:rbac.authorization.k8s.io/v1:Role";
const CLUSTER_ROLE = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole";
const ROLE_BINDING = "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding";
const CLUSTER_ROLE_BINDING = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding";
const SERVICE_ACCOUNT = "kubernetes:core/v1:ServiceAccount";

/** Object metadata, as much as these policies read. */
interface Metadata {
    name?: string;
    namespace?: string;
}
/** One RBAC policy rule. */
interface PolicyRule {
    apiGroups?: string[];
    resources?: string[];
    verbs?: string[];
    nonResourceURLs?: string[];
}
/** Inputs of Role / ClusterRole. */
interface RoleProps {
    metadata?: Metadata;
    rules?: PolicyRule[];
}
/** One binding subject. */
interface Subject {
    kind?: string;
    name?: string;
    namespace?: string;
}
/** Inputs of RoleBinding / ClusterRoleBinding. */
interface BindingProps {
    metadata?: Metadata;
    roleRef?: { apiGroup?: string; kind?: string; name?: string };
    subjects?: Subject[];
}
/** Inputs of ServiceAccount. */
interface ServiceAccountProps {
    metadata?: Metadata;
    automountServiceAccountToken?: boolean;
}

const exemptSchema = {
    properties: {
        exemptNamePrefixes: setting.strings(["system:"], "Object names (Kubernetes' own bootstrap objects) the policy leaves alone."),
    },
};
const exempt = (name: string | undefined, prefixes: string[]) => !!name && prefixes.some((p) => name.startsWith(p));

/** No binding hands out cluster-admin. */
export const k8sNoClusterAdminBinding = resourcePolicy({
    name: "k8s-no-cluster-admin-binding",
    description: "No RoleBinding or ClusterRoleBinding binds the cluster-admin ClusterRole (to a service account, user or group).",
    group: "security",
    platforms: ["kubernetes"],
    sources: ["Polaris clusterrolebindingClusterAdmin", "Polaris rolebindingClusterAdminClusterRole"],
    types: [ROLE_BINDING, CLUSTER_ROLE_BINDING],
    configSchema: exemptSchema,
    validate: (props: BindingProps, _args, report, { exemptNamePrefixes }) => {
        if (exempt(props.metadata?.name, exemptNamePrefixes)) return;
        if (props.roleRef?.kind === "ClusterRole" && props.roleRef.name === "cluster-admin") {
            const who = (props.subjects ?? []).map((s) => `${s.kind} ${s.namespace ? `${s.namespace}/` : ""}${s.name}`).join(", ");
            report(`binds cluster-admin to ${who || "its subjects"}`);
        }
    },
});

/** Verbs that let a holder grant itself more. */
const ESCALATING: Array<{ resources: string[]; verbs: string[]; apiGroups?: string[]; why: string }> = [
    { resources: ["rolebindings", "clusterrolebindings"], verbs: ["bind"], why: "may bind roles it does not hold (CKV_K8S_157)" },
    { resources: ["roles", "clusterroles"], verbs: ["escalate"], why: "may escalate roles (CKV_K8S_158)" },
    { resources: ["users", "groups", "serviceaccounts"], verbs: ["impersonate"], why: "may impersonate" },
    { resources: ["pods/exec", "pods/attach"], verbs: ["create", "get"], why: "may exec/attach into pods (Polaris rolePodExecAttach)" },
    {
        resources: ["validatingwebhookconfigurations", "mutatingwebhookconfigurations"],
        verbs: ["create", "update", "patch"],
        why: "controls admission webhooks (CKV_K8S_155)",
    },
    {
        resources: ["certificatesigningrequests/approval"],
        verbs: ["update", "patch"],
        why: "may approve certificate signing requests (CKV_K8S_156)",
    },
];

/** Roles grant named verbs on named resources. */
export const k8sRbacLeastPrivilege = resourcePolicy({
    name: "k8s-rbac-least-privilege",
    description:
        'Roles and ClusterRoles name their verbs, resources and API groups (no "*") and grant none of the escalating permissions: bind, escalate, impersonate, pods/exec or pods/attach, admission webhook writes, CSR approval.',
    group: "security",
    platforms: ["kubernetes"],
    sources: [
        "Checkov CKV_K8S_49",
        "Checkov CKV_K8S_155",
        "Checkov CKV_K8S_156",
        "Checkov CKV_K8S_157",
        "Checkov CKV_K8S_158",
        "Polaris clusterrolePodExecAttach",
        "Polaris rolePodExecAttach",
    ],
    types: [ROLE, CLUSTER_ROLE],
    configSchema: exemptSchema,
    validate: (props: RoleProps, _args, report, { exemptNamePrefixes }) => {
        if (exempt(props.metadata?.name, exemptNamePrefixes)) return;
        (props.rules ?? []).forEach((rule, i) => {
            const at = `rules[${i}]`;
            for (const field of ["verbs", "resources", "apiGroups"] as const)
                if ((rule[field] ?? []).includes("*")) report(`${at}.${field} contains "*" (CKV_K8S_49)`);
            const verbs = rule.verbs ?? [];
            const resources = rule.resources ?? [];
            for (const e of ESCALATING) {
                const onResource = resources.some((r) => e.resources.includes(r));
                const withVerb = verbs.includes("*") || verbs.some((v) => e.verbs.includes(v));
                if (onResource && withVerb) report(`${at} ${e.why}`);
            }
        });
    },
});

/** Default service accounts are not used and do not mount tokens. */
export const k8sDefaultServiceAccount = resourcePolicy({
    name: "k8s-default-service-account",
    description:
        "A namespace's default ServiceAccount does not automount its token (automountServiceAccountToken: false) and no RoleBinding or ClusterRoleBinding grants it anything.",
    group: "security",
    platforms: ["kubernetes"],
    sources: ["Checkov CKV_K8S_41", "Checkov CKV_K8S_42", "Polaris automountServiceAccountToken"],
    types: [SERVICE_ACCOUNT, ROLE_BINDING, CLUSTER_ROLE_BINDING],
    validate: (props: ServiceAccountProps & BindingProps, args, report) => {
        if (args.type === SERVICE_ACCOUNT) {
            if (props.metadata?.name === "default" && props.automountServiceAccountToken !== false)
                report("the default ServiceAccount automounts its token (set automountServiceAccountToken: false)");
            return;
        }
        for (const s of props.subjects ?? [])
            if (s.kind === "ServiceAccount" && s.name === "default")
                report(`grants ${props.roleRef?.name ?? "a role"} to the default ServiceAccount${s.namespace ? ` of ${s.namespace}` : ""}`);
    },
});

/** A pod volume, as much as the policy reads. */
interface PodVolume {
    name?: string;
    hostPath?: { path?: string };
}

/** No hostPath volumes. */
export const k8sNoHostPath = resourcePolicy({
    name: "k8s-no-host-path",
    description:
        "No workload of any kind (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, Pod) mounts a hostPath volume; the container runtime socket least of all.",
    group: "security",
    platforms: ["kubernetes"],
    sources: ["Checkov CKV_K8S_27", "Polaris hostPathSet"],
    types: K8S_WORKLOADS,
    validate: (props, args, report) => {
        const pod = (podSpecOf(args.type, props) ?? {}) as { volumes?: PodVolume[] };
        for (const v of pod.volumes ?? []) {
            if (!v.hostPath) continue;
            const socket = /(docker|containerd|crio)\.sock$/.test(v.hostPath.path ?? "");
            report(`volume '${v.name}' mounts host path ${v.hostPath.path}${socket ? " (the container runtime socket)" : ""}`);
        }
    },
});

/** The policies of this module. */
export const kubernetesRbacPolicies = [k8sNoClusterAdminBinding, k8sRbacLeastPrivilege, k8sDefaultServiceAccount, k8sNoHostPath];
