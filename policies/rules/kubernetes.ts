/**
 * Kubernetes (staging stack) policies: pod security (Checkov CKV_K8S_*, Polaris, kube-score),
 * resources and probes, the Ingress's TLS, headers and rate limit, namespaces under restricted Pod
 * Security, autoscaler and disruption-budget sanity, backup CronJobs and CloudNativePG backups.
 */
import { checkScalingBounds, containersOf, K8S_LONG_RUNNING, K8S_WORKLOADS, podSpecOf, resourcePolicy, retentionDays, scalingBoundsSchema, setting } from "./util";
import type { ReportViolation } from "@pulumi/policy";

const INGRESS = "kubernetes:networking.k8s.io/v1:Ingress";
const SERVICE = "kubernetes:core/v1:Service";
const NAMESPACE = "kubernetes:core/v1:Namespace";
const HPA = ["kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "kubernetes:autoscaling/v1:HorizontalPodAutoscaler"];
const PDB = "kubernetes:policy/v1:PodDisruptionBudget";
const CRONJOB = "kubernetes:batch/v1:CronJob";
/** CloudNativePG's Cluster custom resource. */
export const CNPG_CLUSTER = "kubernetes:postgresql.cnpg.io/v1:Cluster";

/** Where a container sits, for messages: "container 'api'" or "init container 'migrate'". */
const where = (c: any, init: boolean) => `${init ? "init container" : "container"} '${c.name}'`;

/**
 * Declare a policy over workloads' pod specs: `pod` checks the pod spec once, `container` checks
 * every container (init containers included) with the pod spec beside it.
 */
function podPolicy(def: {
    name: string;
    description: string;
    group: "security" | "reliability";
    checklist?: string[];
    sources: string[];
    types?: string[];
    pod?: (pod: any, report: ReportViolation) => void;
    container?: (c: any, where: string, report: ReportViolation, pod: any, init: boolean) => void;
}) {
    return resourcePolicy({
        name: def.name,
        description: def.description,
        group: def.group,
        platforms: ["kubernetes"],
        checklist: def.checklist,
        sources: def.sources,
        types: def.types ?? K8S_WORKLOADS,
        validate: (props, args, report) => {
            const pod = podSpecOf(args.type, props) ?? {};
            def.pod?.(pod, report);
            if (def.container) for (const { c, init } of containersOf(pod)) def.container(c, where(c, init), report, pod, init);
        },
    });
}

/** Containers run as non-root. */
export const k8sRunAsNonRoot = podPolicy({
    name: "k8s-run-as-non-root",
    description: "Every container runs as non-root: runAsNonRoot true (pod or container) or a non-zero runAsUser, and never runAsUser 0.",
    group: "security",
    checklist: ["non-root"],
    sources: ["Checkov CKV_K8S_23", "Checkov CKV_K8S_40", "Polaris runAsRootAllowed", "kube-score container-security-context-user-group-id"],
    container: (c, at, report, pod) => {
        const sc = { ...(pod.securityContext ?? {}), ...(c.securityContext ?? {}) };
        if (sc.runAsUser === 0) report(`${at} runs as uid 0`);
        else if (sc.runAsNonRoot !== true && !(Number(sc.runAsUser) > 0)) report(`${at} may run as root (set runAsNonRoot: true and a runAsUser)`);
    },
});

/** No privilege escalation. */
export const k8sNoPrivilegeEscalation = podPolicy({
    name: "k8s-no-privilege-escalation",
    description: "Every container sets allowPrivilegeEscalation: false.",
    group: "security",
    sources: ["Checkov CKV_K8S_20", "Polaris privilegeEscalationAllowed", "Pod Security restricted"],
    container: (c, at, report) => {
        if (c.securityContext?.allowPrivilegeEscalation !== false) report(`${at} does not set allowPrivilegeEscalation: false`);
    },
});

/** No privileged containers. */
export const k8sNoPrivileged = podPolicy({
    name: "k8s-no-privileged",
    description: "No container runs privileged.",
    group: "security",
    sources: ["Checkov CKV_K8S_16", "Polaris privileged", "kube-score container-security-context-privileged"],
    container: (c, at, report) => {
        if (c.securityContext?.privileged === true) report(`${at} is privileged`);
    },
});

/** Read-only root filesystems. */
export const k8sReadOnlyRoot = podPolicy({
    name: "k8s-read-only-root-fs",
    description: "Every container mounts its root filesystem read-only (writable paths as emptyDir volumes).",
    group: "security",
    sources: ["Checkov CKV_K8S_22", "Polaris notReadOnlyRootFilesystem", "kube-score container-security-context-readonlyrootfilesystem"],
    container: (c, at, report) => {
        if (c.securityContext?.readOnlyRootFilesystem !== true) report(`${at} does not set readOnlyRootFilesystem: true`);
    },
});

/** Capabilities dropped. */
export const k8sDropCapabilities = podPolicy({
    name: "k8s-drop-capabilities",
    description: "Every container drops ALL capabilities and adds back none but NET_BIND_SERVICE.",
    group: "security",
    sources: ["Checkov CKV_K8S_28", "Checkov CKV_K8S_37", "Checkov CKV_K8S_39", "Polaris dangerousCapabilities", "Polaris insecureCapabilities"],
    container: (c, at, report) => {
        const caps = c.securityContext?.capabilities ?? {};
        if (!(caps.drop ?? []).map((x: string) => x.toUpperCase()).includes("ALL")) report(`${at} does not drop ALL capabilities`);
        for (const a of caps.add ?? []) if (String(a).toUpperCase() !== "NET_BIND_SERVICE") report(`${at} adds capability ${a}`);
    },
});

/** Seccomp RuntimeDefault. */
export const k8sSeccomp = podPolicy({
    name: "k8s-seccomp",
    description: "Pods run with the RuntimeDefault (or Localhost) seccomp profile, as restricted Pod Security requires.",
    group: "security",
    sources: ["Checkov CKV_K8S_31", "Pod Security restricted"],
    container: (c, at, report, pod) => {
        const profile = c.securityContext?.seccompProfile?.type ?? pod.securityContext?.seccompProfile?.type;
        if (profile !== "RuntimeDefault" && profile !== "Localhost") report(`${at} has no RuntimeDefault seccomp profile`);
    },
});

/** Host namespaces, host ports and hostPath volumes. */
export const k8sHostIsolation = podPolicy({
    name: "k8s-host-isolation",
    description: "Pods share no host namespace (hostNetwork, hostPID, hostIPC), bind no hostPort and mount no hostPath volume.",
    group: "security",
    checklist: ["network-segmentation"],
    sources: ["Checkov CKV_K8S_17", "Checkov CKV_K8S_18", "Checkov CKV_K8S_19", "Checkov CKV_K8S_26", "Polaris hostNetworkSet", "Polaris hostPIDSet", "Polaris hostIPCSet", "Polaris hostPortSet"],
    pod: (pod, report) => {
        for (const k of ["hostNetwork", "hostPID", "hostIPC"]) if (pod[k] === true) report(`pod sets ${k}`);
        for (const v of pod.volumes ?? []) if (v.hostPath) report(`volume '${v.name}' mounts host path ${v.hostPath.path}`);
    },
    container: (c, at, report) => {
        for (const port of c.ports ?? []) if (port.hostPort) report(`${at} binds hostPort ${port.hostPort}`);
    },
});

/** No service account token unless needed. */
export const k8sServiceAccountToken = podPolicy({
    name: "k8s-service-account-token",
    description: "Pods do not mount a service account token (automountServiceAccountToken: false): the apps never call the Kubernetes API.",
    group: "security",
    sources: ["Checkov CKV_K8S_38"],
    pod: (pod, report) => {
        if (pod.automountServiceAccountToken !== false) report("pod spec does not set automountServiceAccountToken: false");
    },
});

/** Objects live in a named namespace. */
export const k8sNamespace = resourcePolicy({
    name: "k8s-namespace",
    description: "Workloads, Services, Ingresses, Secrets and policies live in the system's namespace, never in 'default'.",
    group: "security",
    platforms: ["kubernetes"],
    checklist: ["network-segmentation"],
    sources: ["Checkov CKV_K8S_21"],
    types: [...K8S_WORKLOADS, SERVICE, INGRESS, "kubernetes:core/v1:Secret", "kubernetes:core/v1:ConfigMap", PDB, ...HPA, "kubernetes:networking.k8s.io/v1:NetworkPolicy"],
    validate: (props, args, report) => {
        const ns = props.metadata?.namespace ?? args.provider?.props?.namespace;
        if (!ns || ns === "default") report(`${args.type.split(":").pop()} is in the ${ns ? "'default'" : "provider's default"} namespace; set metadata.namespace`);
    },
});

const serviceTypeSchema = {
    properties: { allowedTypes: setting.strings(["ClusterIP"], "Service types allowed; the Ingress is the only public entry.") },
};

/** Services stay inside the cluster. */
export const k8sServiceType = resourcePolicy({
    name: "k8s-service-type",
    description: "Services are ClusterIP: NodePort and LoadBalancer services would open a public entry that bypasses the Ingress's TLS, headers and rate limit.",
    group: "security",
    platforms: ["kubernetes"],
    checklist: ["mdc-firewall-rules", "port-restrictions"],
    sources: ["kube-score service-type"],
    types: [SERVICE],
    configSchema: serviceTypeSchema,
    validate: (props, args, report, { allowedTypes }) => {
        const t = props.spec?.type ?? "ClusterIP";
        if (!allowedTypes.includes(t)) report(`Service type is ${t}`);
    },
});

const annotations = (props: any): Record<string, string> => props.metadata?.annotations ?? {};

/** Ingress terminates TLS and redirects. */
export const k8sIngressTls = resourcePolicy({
    name: "k8s-ingress-tls",
    description: "Every Ingress terminates TLS for each of its hosts with a certificate secret (cert-manager or given) and does not turn off the HTTP→HTTPS redirect.",
    group: "security",
    platforms: ["kubernetes"],
    checklist: ["mdc-ssl-certificates", "https-enforcement", "encryption-in-transit"],
    sources: ["seed 004 HTTPS enforcement", "Checkov CKV_K8S (ingress TLS, intent)"],
    types: [INGRESS],
    validate: (props, _args, report) => {
        const tls: any[] = props.spec?.tls ?? [];
        if (tls.length === 0) return report("Ingress has no spec.tls");
        for (const t of tls) if (!t.secretName) report("an spec.tls entry has no secretName");
        const tlsHosts = new Set(tls.flatMap((t) => t.hosts ?? []));
        for (const r of props.spec?.rules ?? []) if (r.host && !tlsHosts.has(r.host)) report(`host ${r.host} is not covered by spec.tls`);
        const a = annotations(props);
        for (const k of ["nginx.ingress.kubernetes.io/ssl-redirect", "nginx.ingress.kubernetes.io/force-ssl-redirect"]) if (a[k] === "false") report(`${k} is "false"`);
    },
});

const headersSchema = {
    properties: {
        headerAnnotations: setting.strings(["nginx.ingress.kubernetes.io/configuration-snippet", "nginx.ingress.kubernetes.io/custom-headers", "traefik.ingress.kubernetes.io/router.middlewares"], "Annotations that can carry response headers."),
    },
};

/** Ingress sets security headers. */
export const k8sIngressHeaders = resourcePolicy({
    name: "k8s-ingress-security-headers",
    description:
        "Every Ingress adds security headers: a configuration snippet naming X-Frame-Options, X-Content-Type-Options and Strict-Transport-Security, a custom-headers ConfigMap, or a Traefik headers middleware.",
    group: "security",
    platforms: ["kubernetes"],
    checklist: ["mdc-security-headers"],
    sources: ["seed 001 security headers", "OWASP Secure Headers"],
    types: [INGRESS],
    configSchema: headersSchema,
    validate: (props, args, report, { headerAnnotations }) => {
        const a = annotations(props);
        const present = headerAnnotations.filter((k) => a[k]);
        if (present.length === 0) return report(`Ingress sets no security headers (annotate with one of ${headerAnnotations.join(", ")})`);
        const snippet = a["nginx.ingress.kubernetes.io/configuration-snippet"];
        if (present.length === 1 && snippet) {
            for (const h of ["X-Frame-Options", "X-Content-Type-Options", "Strict-Transport-Security"]) if (!snippet.includes(h)) report(`configuration-snippet does not set ${h}`);
        }
    },
});

const rateSchema = {
    properties: {
        rateAnnotations: setting.strings(["nginx.ingress.kubernetes.io/limit-rpm", "nginx.ingress.kubernetes.io/limit-rps", "traefik.ingress.kubernetes.io/router.middlewares"], "Annotations that set a per-client rate limit."),
    },
};

/** Ingress rate-limits. */
export const k8sIngressRateLimit = resourcePolicy({
    name: "k8s-ingress-rate-limit",
    description: "Every Ingress limits the request rate per client (ingress-nginx limit-rpm/limit-rps, or a Traefik rate-limit middleware).",
    group: "security",
    platforms: ["kubernetes"],
    checklist: ["mdc-rate-limiting", "mdc-ddos-protection"],
    sources: ["seed 001 checklist 'Rate limiting enabled'"],
    types: [INGRESS],
    configSchema: rateSchema,
    validate: (props, args, report, { rateAnnotations }) => {
        const a = annotations(props);
        if (!rateAnnotations.some((k) => a[k] && !(Number(a[k]) <= 0))) report("Ingress has no rate limit annotation");
    },
});

const pssSchema = {
    properties: { levels: setting.strings(["restricted"], "Accepted Pod Security enforce levels.") },
};

/** Namespaces enforce restricted Pod Security. */
export const k8sPodSecurity = resourcePolicy({
    name: "k8s-namespace-pod-security",
    description: "Every Namespace the program creates enforces the restricted Pod Security Standard (label pod-security.kubernetes.io/enforce).",
    group: "security",
    platforms: ["kubernetes"],
    checklist: ["non-root"],
    sources: ["Kubernetes Pod Security Standards", "ARCHITECTURE network tier"],
    types: [NAMESPACE],
    configSchema: pssSchema,
    validate: (props, args, report, { levels }) => {
        const level = props.metadata?.labels?.["pod-security.kubernetes.io/enforce"];
        if (!levels.includes(level)) report(`Namespace enforces Pod Security '${level ?? "(none)"}'; expected ${levels.join(" or ")}`);
    },
});

/** Requests and limits. */
export const k8sResources = podPolicy({
    name: "k8s-resources",
    description: "Every container requests and limits CPU and memory.",
    group: "reliability",
    checklist: ["replicas-and-probes"],
    sources: ["Checkov CKV_K8S_10", "Checkov CKV_K8S_11", "Checkov CKV_K8S_12", "Checkov CKV_K8S_13", "Polaris cpuRequestsMissing/memoryLimitsMissing", "kube-score container-resources"],
    container: (c, at, report) => {
        for (const kind of ["requests", "limits"]) for (const r of ["cpu", "memory"]) if (c.resources?.[kind]?.[r] === undefined) report(`${at} has no ${r} ${kind}`);
    },
});

/** Probes. */
export const k8sProbes = podPolicy({
    name: "k8s-probes",
    description: "Every long-running container (Deployment, StatefulSet, DaemonSet) has a readiness and a liveness probe.",
    group: "reliability",
    checklist: ["replicas-and-probes"],
    sources: ["Checkov CKV_K8S_8", "Checkov CKV_K8S_9", "Polaris livenessProbeMissing", "Polaris readinessProbeMissing", "kube-score pod-probes", "seed 002 (liveness /health, readiness /ready)"],
    types: K8S_LONG_RUNNING,
    container: (c, at, report, _pod, init) => {
        if (init) return;
        if (!c.livenessProbe) report(`${at} has no livenessProbe`);
        if (!c.readinessProbe) report(`${at} has no readinessProbe`);
    },
});

const hpaSchema = scalingBoundsSchema("minReplicas", "maxReplicas");

/** HPA bounds. */
export const k8sHpaBounds = resourcePolicy({
    name: "k8s-hpa-bounds",
    description: "Every HorizontalPodAutoscaler keeps at least two replicas, has minReplicas ≤ maxReplicas, a max within a sane ratio of the min, and at least one metric.",
    group: "reliability",
    platforms: ["kubernetes"],
    checklist: ["autoscaling-bounds", "replicas-and-probes"],
    sources: ["seed 001 autoscaling (2-10)", "seed 002 HPA (3-10)", "kube-score horizontalpodautoscaler-has-target"],
    types: HPA,
    configSchema: hpaSchema,
    validate: (props, args, report, cfg) => {
        const names = { min: "minReplicas", max: "maxReplicas" };
        checkScalingBounds(Number(props.spec?.minReplicas ?? 1), Number(props.spec?.maxReplicas), names, { floor: cfg.minReplicas, maxRatio: cfg.maxRatio }, report);
        if (args.type.includes("/v2:") && (props.spec?.metrics ?? []).length === 0) report("HPA has no metrics");
        if (!props.spec?.scaleTargetRef?.name) report("HPA has no scaleTargetRef");
    },
});

/** PDBs that allow voluntary evictions. */
export const k8sPdbAllowsEviction = resourcePolicy({
    name: "k8s-pdb-sane",
    description: "Every PodDisruptionBudget sets minAvailable or maxUnavailable and still allows an eviction (not maxUnavailable 0 nor minAvailable 100%), so node drains work.",
    group: "reliability",
    platforms: ["kubernetes"],
    checklist: ["replicas-and-probes"],
    sources: ["kube-score poddisruptionbudget-has-policy"],
    types: [PDB],
    validate: (props, _args, report) => {
        const s = props.spec ?? {};
        if (s.minAvailable === undefined && s.maxUnavailable === undefined) report("PDB sets neither minAvailable nor maxUnavailable");
        if (s.maxUnavailable === 0 || s.maxUnavailable === "0%") report("maxUnavailable 0 blocks every eviction");
        if (s.minAvailable === "100%") report("minAvailable 100% blocks every eviction");
        if (!s.selector) report("PDB has no selector");
    },
});

/** CronJobs never overlap and have a deadline. */
export const k8sCronJobSafe = resourcePolicy({
    name: "k8s-cronjob-safe",
    description: "CronJobs (backups) never run concurrently (concurrencyPolicy Forbid), have a startingDeadlineSeconds, and keep failed-job history for diagnosis.",
    group: "reliability",
    platforms: ["kubernetes"],
    checklist: ["backups"],
    sources: ["kube-score cronjob-has-deadline", "Kubernetes CronJob best practice"],
    types: [CRONJOB],
    validate: (props, _args, report) => {
        const s = props.spec ?? {};
        if (s.concurrencyPolicy !== "Forbid") report(`concurrencyPolicy is ${s.concurrencyPolicy ?? "Allow (default)"}; use Forbid`);
        if (!(Number(s.startingDeadlineSeconds) > 0)) report("no startingDeadlineSeconds");
        if (s.failedJobsHistoryLimit === 0) report("failedJobsHistoryLimit 0 discards failed runs");
    },
});

const cnpgSchema = {
    properties: {
        minRetentionDays: setting.integer(7, "Smallest backup retention in days.", 1),
        minInstances: setting.integer(1, "Smallest number of PostgreSQL instances (2+ for failover).", 1),
    },
};

/** CloudNativePG clusters back up and keep enough instances. */
export const k8sCnpgCluster = resourcePolicy({
    name: "k8s-cnpg-cluster",
    description:
        "Every CloudNativePG Cluster has a backup target (barmanObjectStore, a backup plugin, or volume snapshots) with a retentionPolicy of at least the configured days, enough instances, and TLS left on (no ssl off in postgresql.parameters).",
    group: "reliability",
    platforms: ["kubernetes"],
    checklist: ["backups", "high-availability", "encryption-in-transit"],
    sources: ["CloudNativePG backup docs", "seed 001/003 backup retention"],
    types: [CNPG_CLUSTER],
    configSchema: cnpgSchema,
    validate: (props, args, report, cfg) => {
        const s = props.spec ?? {};
        const backup = s.backup;
        const hasTarget = !!(backup?.barmanObjectStore || backup?.volumeSnapshot || (s.plugins ?? []).some((p: any) => /barman/i.test(p.name ?? "")));
        if (!hasTarget) report("Cluster has no backup target (spec.backup.barmanObjectStore, volumeSnapshot or a barman-cloud plugin)");
        const days = retentionDays(backup?.retentionPolicy);
        if (hasTarget && !(days !== undefined && days >= cfg.minRetentionDays)) report(`backup retentionPolicy is ${backup?.retentionPolicy ?? "unset"}; keep at least ${cfg.minRetentionDays}d`);
        if (Number(s.instances ?? 1) < cfg.minInstances) report(`instances ${s.instances ?? 1} is below ${cfg.minInstances}`);
        if (String(s.postgresql?.parameters?.ssl ?? "on").toLowerCase() === "off") report("postgresql ssl is off");
    },
});

/** The Kubernetes resource policies. */
export const kubernetesPolicies = [
    k8sRunAsNonRoot,
    k8sNoPrivilegeEscalation,
    k8sNoPrivileged,
    k8sReadOnlyRoot,
    k8sDropCapabilities,
    k8sSeccomp,
    k8sHostIsolation,
    k8sServiceAccountToken,
    k8sNamespace,
    k8sServiceType,
    k8sIngressTls,
    k8sIngressHeaders,
    k8sIngressRateLimit,
    k8sPodSecurity,
    k8sResources,
    k8sProbes,
    k8sHpaBounds,
    k8sPdbAllowsEviction,
    k8sCronJobSafe,
    k8sCnpgCluster,
];
