/**
 * Readers of Kubernetes's provider-shaped inputs (workloads' pod specs and labels, selectors,
 * namespaces): one module per platform, shared by the policy rules (policies/rules/, through
 * util.ts) and by the tests that read a plan back (test/plan/facts.ts), so each resource shape is
 * read one way.
 */

/** Workload kinds that carry a pod template. */
export const K8S_WORKLOADS = [
    "kubernetes:apps/v1:Deployment",
    "kubernetes:apps/v1:StatefulSet",
    "kubernetes:apps/v1:DaemonSet",
    "kubernetes:apps/v1:ReplicaSet",
    "kubernetes:batch/v1:Job",
    "kubernetes:batch/v1:CronJob",
    "kubernetes:core/v1:Pod",
];
/** Workloads that run continuously (probes, replicas, PDBs make sense). */
export const K8S_LONG_RUNNING = ["kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:StatefulSet", "kubernetes:apps/v1:DaemonSet"];

/** The pod spec of a workload, wherever its kind keeps it. */
export function podSpecOf(type: string, props: any): any {
    if (type === "kubernetes:core/v1:Pod") return props?.spec;
    if (type === "kubernetes:batch/v1:CronJob") return props?.spec?.jobTemplate?.spec?.template?.spec;
    return props?.spec?.template?.spec;
}

/** Labels of a workload's pod template (what Services, NetworkPolicies and PDBs select). */
export function podLabelsOf(type: string, props: any): Record<string, string> {
    if (type === "kubernetes:core/v1:Pod") return props?.metadata?.labels ?? {};
    if (type === "kubernetes:batch/v1:CronJob") return props?.spec?.jobTemplate?.spec?.template?.metadata?.labels ?? {};
    return props?.spec?.template?.metadata?.labels ?? {};
}

/** Every container of a pod spec, init containers included, with its kind. */
export function containersOf(pod: any): Array<{ c: any; init: boolean }> {
    return [
        ...(Array.isArray(pod?.initContainers) ? pod.initContainers : []).map((c: any) => ({ c, init: true })),
        ...(Array.isArray(pod?.containers) ? pod.containers : []).map((c: any) => ({ c, init: false })),
    ];
}

/** True when a label selector (`matchLabels` and simple `matchExpressions`) selects `labels`; an empty selector selects all. */
export function selects(selector: any, labels: Record<string, string>): boolean {
    if (!selector) return false;
    const match = selector.matchLabels ?? {};
    if (!Object.entries(match).every(([k, v]) => labels[k] === v)) return false;
    for (const e of Array.isArray(selector.matchExpressions) ? selector.matchExpressions : []) {
        const has = e.key in labels;
        const values: string[] = e.values ?? [];
        if (e.operator === "In" && !(has && values.includes(labels[e.key]))) return false;
        if (e.operator === "NotIn" && has && values.includes(labels[e.key])) return false;
        if (e.operator === "Exists" && !has) return false;
        if (e.operator === "DoesNotExist" && has) return false;
    }
    return true;
}

/** The namespace of a Kubernetes object: its metadata, else its provider's default, else "default". */
export function namespaceOf(r: { props: any; provider?: { props: any } }): string {
    return r.props?.metadata?.namespace ?? r.provider?.props?.namespace ?? "default";
}
