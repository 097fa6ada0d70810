/**
 * Kubernetes (staging stack) policies: pod security (Checkov CKV_K8S_*, Polaris, kube-score),
 * resources and probes, the edge's TLS, headers and rate limit (Gateway API, Envoy Gateway), namespaces under restricted Pod
 * Security, autoscaler and disruption-budget sanity, backup CronJobs and CloudNativePG backups.
 */
import {
    checkScalingBounds,
    containersOf,
    K8S_LONG_RUNNING,
    K8S_WORKLOADS,
    podSpecOf,
    resourcePolicy,
    retentionDays,
    scalingBoundsSchema,
    setting,
} from "./util";
import type { ReportViolation } from "@pulumi/policy";
import { K8S_ANNOTATION } from "../../conventions/labels";

/** The edge's Gateway API objects (Envoy Gateway implements them). */
const GATEWAY = "kubernetes:gateway.networking.k8s.io/v1:Gateway";
const HTTPROUTE = "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute";
const BACKEND_TRAFFIC_POLICY = "kubernetes:gateway.envoyproxy.io/v1alpha1:BackendTrafficPolicy";
const SERVICE = "kubernetes:core/v1:Service";
const NAMESPACE = "kubernetes:core/v1:Namespace";
const HPA = ["kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "kubernetes:autoscaling/v1:HorizontalPodAutoscaler"];
const PDB = "kubernetes:policy/v1:PodDisruptionBudget";
const CRONJOB = "kubernetes:batch/v1:CronJob";
/** CloudNativePG's Cluster custom resource. */
export const CNPG_CLUSTER = "kubernetes:postgresql.cnpg.io/v1:Cluster";
/** The Barman Cloud plugin's object store (WAL archive and base backups of the clusters that name it). */
export const BARMAN_OBJECT_STORE = "kubernetes:barmancloud.cnpg.io/v1:ObjectStore";

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
    sources: [
        "Checkov CKV_K8S_23",
        "Checkov CKV_K8S_40",
        "Polaris runAsRootAllowed",
        "kube-score container-security-context-user-group-id",
    ],
    container: (c, at, report, pod) => {
        const sc = { ...(pod.securityContext ?? {}), ...(c.securityContext ?? {}) };
        if (sc.runAsUser === 0) report(`${at} runs as uid 0`);
        else if (sc.runAsNonRoot !== true && !(Number(sc.runAsUser) > 0))
            report(`${at} may run as root (set runAsNonRoot: true and a runAsUser)`);
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
    sources: [
        "Checkov CKV_K8S_28",
        "Checkov CKV_K8S_37",
        "Checkov CKV_K8S_39",
        "Polaris dangerousCapabilities",
        "Polaris insecureCapabilities",
    ],
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
    sources: [
        "Checkov CKV_K8S_17",
        "Checkov CKV_K8S_18",
        "Checkov CKV_K8S_19",
        "Checkov CKV_K8S_26",
        "Polaris hostNetworkSet",
        "Polaris hostPIDSet",
        "Polaris hostIPCSet",
        "Polaris hostPortSet",
    ],
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
    description: "Workloads, Services, Gateways, HTTPRoutes, Secrets and policies live in the system's namespace, never in 'default'.",
    group: "security",
    platforms: ["kubernetes"],
    checklist: ["network-segmentation"],
    sources: ["Checkov CKV_K8S_21"],
    types: [
        ...K8S_WORKLOADS,
        SERVICE,
        GATEWAY,
        HTTPROUTE,
        "kubernetes:core/v1:Secret",
        "kubernetes:core/v1:ConfigMap",
        PDB,
        ...HPA,
        "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    ],
    validate: (props, args, report) => {
        const ns = props.metadata?.namespace ?? args.provider?.props?.namespace;
        if (!ns || ns === "default")
            report(`${args.type.split(":").pop()} is in the ${ns ? "'default'" : "provider's default"} namespace; set metadata.namespace`);
    },
});

const serviceTypeSchema = {
    properties: { allowedTypes: setting.strings(["ClusterIP"], "Service types allowed; the Gateway is the only public entry.") },
};

/** Services stay inside the cluster. */
export const k8sServiceType = resourcePolicy({
    name: "k8s-service-type",
    description:
        "Services are ClusterIP: NodePort and LoadBalancer services would open a public entry that bypasses the Gateway's TLS, headers and rate limit; no Service sets spec.externalIPs, which makes every node accept (and can intercept) traffic for those addresses (CVE-2020-8554).",
    group: "security",
    platforms: ["kubernetes"],
    checklist: ["mdc-firewall-rules", "port-restrictions"],
    sources: ["kube-score service-type", "Kubernetes CVE-2020-8554 (DenyServiceExternalIPs)"],
    types: [SERVICE],
    configSchema: serviceTypeSchema,
    validate: (props, args, report, { allowedTypes }) => {
        const t = props.spec?.type ?? "ClusterIP";
        if (!allowedTypes.includes(t)) report(`Service type is ${t}`);
        // Kubernetes advises denying externalIPs (CVE-2020-8554, kubernetes/kubernetes#97076); the DenyServiceExternalIPs admission plugin does it.
        const external: string[] = props.spec?.externalIPs ?? [];
        if (external.length > 0)
            report(`Service sets externalIPs ${external.join(", ")}; nodes would accept traffic for them outside the Gateway`);
    },
});

/** An HTTPRoute rule that sends traffic to a backend (rather than only redirecting). */
const serves = (rule: any) => (rule?.backendRefs ?? []).length > 0;
/** An HTTPRoute attached to a plain-HTTP listener (by section name "http"). */
const onHttpListener = (props: any) => (props.spec?.parentRefs ?? []).some((p: any) => p.sectionName === "http");

/** The Gateway terminates TLS; plain HTTP only redirects. */
export const k8sGatewayTls = resourcePolicy({
    name: "k8s-gateway-tls",
    description:
        "Every Gateway has an HTTPS listener that terminates TLS with a certificate Secret (cert-manager or given), every hostname it serves over HTTP it also serves over HTTPS, and an HTTPRoute on a plain-HTTP listener only redirects (no backendRefs).",
    group: "security",
    platforms: ["kubernetes"],
    checklist: ["mdc-ssl-certificates", "https-enforcement", "encryption-in-transit"],
    sources: ["seed 004 HTTPS enforcement", "Gateway API GatewayTLSConfig"],
    types: [GATEWAY, HTTPROUTE],
    validate: (props, args, report) => {
        if (args.type === HTTPROUTE) {
            if (onHttpListener(props) && (props.spec?.rules ?? []).some(serves))
                report("HTTPRoute serves backends on the plain-HTTP listener; attach it to the HTTPS listener and redirect HTTP");
            return;
        }
        const listeners: any[] = props.spec?.listeners ?? [];
        const https = listeners.filter((l) => l.protocol === "HTTPS");
        if (https.length === 0) return report("Gateway has no HTTPS listener");
        for (const l of https) {
            if (l.tls?.mode === "Passthrough") report(`listener '${l.name}' passes TLS through instead of terminating it`);
            else if ((l.tls?.certificateRefs ?? []).length === 0) report(`listener '${l.name}' has no tls.certificateRefs`);
        }
        const secured = new Set(https.map((l) => l.hostname ?? "*"));
        for (const l of listeners.filter((x) => x.protocol === "HTTP"))
            if (!secured.has(l.hostname ?? "*") && !secured.has("*"))
                report(`host ${l.hostname ?? "(any)"} is served over HTTP but not HTTPS`);
    },
});

const headersSchema = {
    properties: {
        requiredHeaders: setting.strings(
            ["X-Frame-Options", "X-Content-Type-Options", "Strict-Transport-Security"],
            "Response headers every served route rule must set.",
        ),
    },
};

/** Served routes set security headers. */
export const k8sGatewayHeaders = resourcePolicy({
    name: "k8s-gateway-security-headers",
    description:
        "Every HTTPRoute rule that serves a backend sets the security headers (X-Frame-Options, X-Content-Type-Options, Strict-Transport-Security) with a ResponseHeaderModifier filter.",
    group: "security",
    platforms: ["kubernetes"],
    checklist: ["mdc-security-headers"],
    sources: ["seed 001 security headers", "OWASP Secure Headers", "Gateway API HTTPHeaderFilter"],
    types: [HTTPROUTE],
    configSchema: headersSchema,
    validate: (props, _args, report, { requiredHeaders }) => {
        (props.spec?.rules ?? []).forEach((rule: any, i: number) => {
            if (!serves(rule)) return;
            const set = (rule.filters ?? [])
                .filter((f: any) => f.type === "ResponseHeaderModifier")
                .flatMap((f: any) => [...(f.responseHeaderModifier?.set ?? []), ...(f.responseHeaderModifier?.add ?? [])]);
            const names = new Set(set.map((h: any) => String(h.name).toLowerCase()));
            const missing = requiredHeaders.filter((h) => !names.has(h.toLowerCase()));
            if (missing.length > 0) report(`rule ${i} does not set ${missing.join(", ")}`);
        });
    },
});

/** The edge's traffic policy limits each client. */
export const k8sGatewayRateLimit = resourcePolicy({
    name: "k8s-gateway-rate-limit",
    description:
        "Every Envoy Gateway BackendTrafficPolicy with a rate limit counts per client: a rule selecting each distinct client address (sourceCIDR type Distinct) with a positive limit; a local limit, which cannot count per client, does not qualify. That every Gateway has one is public-entry-tls-waf's check.",
    group: "security",
    platforms: ["kubernetes"],
    checklist: ["mdc-rate-limiting", "mdc-ddos-protection"],
    sources: ["seed 001 checklist 'Rate limiting enabled'", "Envoy Gateway global rate limit (sourceCIDR Distinct)"],
    types: [BACKEND_TRAFFIC_POLICY],
    validate: (props, _args, report) => {
        const rules: any[] = props.spec?.rateLimit?.global?.rules ?? [];
        const perClient = rules.some(
            (r) => (r.clientSelectors ?? []).some((c: any) => c.sourceCIDR?.type === "Distinct") && Number(r.limit?.requests) > 0,
        );
        if (!perClient)
            report(
                "BackendTrafficPolicy has no per-client rate limit (a global rule with sourceCIDR type Distinct and limit.requests > 0)",
            );
    },
});

const pssSchema = {
    properties: { levels: setting.strings(["restricted"], "Accepted Pod Security enforce levels.") },
};

/** Namespaces enforce restricted Pod Security. */
export const k8sPodSecurity = resourcePolicy({
    name: "k8s-namespace-pod-security",
    description:
        "Every Namespace the program creates enforces the restricted Pod Security Standard (label pod-security.kubernetes.io/enforce), unless its tierform.io/pod-security-exception annotation says why not (the node log collector's hostPath).",
    group: "security",
    platforms: ["kubernetes"],
    checklist: ["non-root"],
    sources: ["Kubernetes Pod Security Standards", "ARCHITECTURE network tier"],
    types: [NAMESPACE],
    configSchema: pssSchema,
    validate: (props, args, report, { levels }) => {
        const level = props.metadata?.labels?.["pod-security.kubernetes.io/enforce"];
        const why = props.metadata?.annotations?.[K8S_ANNOTATION.podSecurityException];
        // An exception names its reason in a sentence; a lower level without one is refused.
        if (typeof why === "string" && why.trim().length >= 30 && level !== undefined) return;
        if (!levels.includes(level)) report(`Namespace enforces Pod Security '${level ?? "(none)"}'; expected ${levels.join(" or ")}`);
    },
});

/** Requests and limits. */
export const k8sResources = podPolicy({
    name: "k8s-resources",
    description: "Every container requests and limits CPU and memory.",
    group: "reliability",
    checklist: ["replicas-and-probes"],
    sources: [
        "Checkov CKV_K8S_10",
        "Checkov CKV_K8S_11",
        "Checkov CKV_K8S_12",
        "Checkov CKV_K8S_13",
        "Polaris cpuRequestsMissing/memoryLimitsMissing",
        "kube-score container-resources",
    ],
    container: (c, at, report) => {
        for (const kind of ["requests", "limits"])
            for (const r of ["cpu", "memory"]) if (c.resources?.[kind]?.[r] === undefined) report(`${at} has no ${r} ${kind}`);
    },
});

/** Probes. */
export const k8sProbes = podPolicy({
    name: "k8s-probes",
    description: "Every long-running container (Deployment, StatefulSet, DaemonSet) has a readiness and a liveness probe.",
    group: "reliability",
    checklist: ["replicas-and-probes"],
    sources: [
        "Checkov CKV_K8S_8",
        "Checkov CKV_K8S_9",
        "Polaris livenessProbeMissing",
        "Polaris readinessProbeMissing",
        "kube-score pod-probes",
        "seed 002 (liveness /health, readiness /ready)",
    ],
    types: K8S_LONG_RUNNING,
    container: (c, at, report, _pod, init) => {
        if (init) return;
        if (!c.livenessProbe) report(`${at} has no livenessProbe`);
        if (!c.readinessProbe) report(`${at} has no readinessProbe`);
    },
});

const hpaSchema = scalingBoundsSchema("minReplicas", "maxReplicas");

/** KEDA's ScaledObject: it creates and owns an HPA, so its bounds are judged like one. */
const SCALED_OBJECT = "kubernetes:keda.sh/v1alpha1:ScaledObject";

/** HPA bounds. */
export const k8sHpaBounds = resourcePolicy({
    name: "k8s-hpa-bounds",
    description:
        "Every HorizontalPodAutoscaler and KEDA ScaledObject keeps at least two replicas, has min ≤ max, a max within a sane ratio of the min, and at least one metric or trigger (a ScaledObject's minReplicaCount defaults to 0 and its maxReplicaCount to 100).",
    group: "reliability",
    platforms: ["kubernetes"],
    checklist: ["autoscaling-bounds", "replicas-and-probes"],
    sources: [
        "seed 001 autoscaling (2-10)",
        "seed 002 HPA (3-10)",
        "kube-score horizontalpodautoscaler-has-target",
        "KEDA ScaledObject spec",
    ],
    types: [...HPA, SCALED_OBJECT],
    configSchema: hpaSchema,
    validate: (props, args, report, cfg) => {
        const keda = args.type === SCALED_OBJECT;
        const names = keda ? { min: "minReplicaCount", max: "maxReplicaCount" } : { min: "minReplicas", max: "maxReplicas" };
        const min = Number(keda ? (props.spec?.minReplicaCount ?? 0) : (props.spec?.minReplicas ?? 1));
        const max = Number(keda ? (props.spec?.maxReplicaCount ?? 100) : props.spec?.maxReplicas);
        checkScalingBounds(min, max, names, { floor: cfg.minReplicas, maxRatio: cfg.maxRatio }, report);
        if (keda && (props.spec?.triggers ?? []).length === 0) report("ScaledObject has no triggers");
        if (args.type.includes("/v2:") && (props.spec?.metrics ?? []).length === 0) report("HPA has no metrics");
        if (!props.spec?.scaleTargetRef?.name) report(`${keda ? "ScaledObject" : "HPA"} has no scaleTargetRef`);
    },
});

/** PDBs that allow voluntary evictions. */
export const k8sPdbAllowsEviction = resourcePolicy({
    name: "k8s-pdb-sane",
    description:
        "Every PodDisruptionBudget sets minAvailable or maxUnavailable and still allows an eviction (not maxUnavailable 0 nor minAvailable 100%), so node drains work.",
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
    description:
        "CronJobs (backups) never run concurrently (concurrencyPolicy Forbid), have a startingDeadlineSeconds, and keep failed-job history for diagnosis.",
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

/** The Barman Cloud plugin entry of a Cluster that archives its WAL (`spec.plugins[]` with `isWALArchiver`), if any. */
export function barmanArchiver(clusterProps: any): { name: string; parameters?: Record<string, string> } | undefined {
    return (clusterProps?.spec?.plugins ?? []).find(
        (p: any) => /barman/i.test(p?.name ?? "") && p?.isWALArchiver === true && p?.enabled !== false,
    );
}

/**
 * CloudNativePG clusters back up and keep enough instances. The backup target is the Barman Cloud
 * plugin archiving WAL (its retention is on the `ObjectStore`, which this policy also checks: the
 * plugin moved `retentionPolicy` there — plugin-barman-cloud web/docs/migration.md), or the
 * in-tree `backup.barmanObjectStore` (deprecated, removed in operator 1.31) or volume snapshots
 * with `backup.retentionPolicy`.
 */
export const k8sCnpgCluster = resourcePolicy({
    name: "k8s-cnpg-cluster",
    description:
        "Every CloudNativePG Cluster has a backup target (the Barman Cloud plugin as WAL archiver, the in-tree barmanObjectStore, or volume snapshots), enough instances, and TLS left on (no ssl off in postgresql.parameters); the retentionPolicy (the plugin's ObjectStore's, else the Cluster's backup section's) keeps at least the configured days.",
    group: "reliability",
    platforms: ["kubernetes"],
    checklist: ["backups", "encryption-in-transit"],
    sources: ["CloudNativePG backup docs", "plugin-barman-cloud docs (migration, usage)", "seed 001/003 backup retention"],
    types: [CNPG_CLUSTER, BARMAN_OBJECT_STORE],
    configSchema: cnpgSchema,
    validate: (props, args, report, cfg) => {
        const s = props.spec ?? {};
        const keep = (policy: unknown, where: string) => {
            const days = retentionDays(policy as string | undefined);
            if (!(days !== undefined && days >= cfg.minRetentionDays))
                report(`${where} retentionPolicy is ${policy ?? "unset"}; keep at least ${cfg.minRetentionDays}d`);
        };
        if (args.type === BARMAN_OBJECT_STORE) return keep(s.retentionPolicy, "ObjectStore");
        const backup = s.backup;
        const plugin = barmanArchiver(props);
        if (!plugin && !backup?.barmanObjectStore && !backup?.volumeSnapshot)
            report(
                "Cluster has no backup target (spec.plugins[] barman-cloud.cloudnative-pg.io with isWALArchiver, spec.backup.barmanObjectStore or volumeSnapshot)",
            );
        else if (!plugin) keep(backup?.retentionPolicy, "backup");
        if (Number(s.instances ?? 1) < cfg.minInstances) report(`instances ${s.instances ?? 1} is below ${cfg.minInstances}`);
        if (String(s.postgresql?.parameters?.ssl ?? "on").toLowerCase() === "off") report("postgresql ssl is off");
    },
});

/** The node label whose values are availability zones (Kubernetes well-known labels). */
const ZONE_KEY = "topology.kubernetes.io/zone";

/** Whether a pod spec spreads its replicas over zones: a topology spread constraint or a pod anti-affinity term on the zone label. */
function spreadsOverZones(pod: any): boolean {
    const spread = (pod?.topologySpreadConstraints ?? []).some((t: any) => t?.topologyKey === ZONE_KEY);
    const anti = pod?.affinity?.podAntiAffinity ?? {};
    const terms = [
        ...(anti.requiredDuringSchedulingIgnoredDuringExecution ?? []),
        ...(anti.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((t: any) => t?.podAffinityTerm),
    ];
    return spread || terms.some((t: any) => t?.topologyKey === ZONE_KEY);
}

const failoverSchema = { properties: { minInstances: setting.integer(2, "Fewest instances of a datastore (2 for a failover).", 1) } };

/**
 * Datastores fail over across zones: what the report's "Multi-AZ datastores and failover" row reads
 * on Kubernetes. A StatefulSet whose pods are not an application's (`app.kubernetes.io/component`
 * other than `service`) holds data; so does every CloudNativePG Cluster.
 */
export const k8sDatastoreFailover = resourcePolicy({
    name: "k8s-datastore-failover",
    description:
        "Every datastore survives the loss of a zone: a StatefulSet that is not an application's (pod label app.kubernetes.io/component other than service) runs at least two replicas spread over topology.kubernetes.io/zone (a topology spread constraint or a pod anti-affinity term); a CloudNativePG Cluster runs at least two instances with affinity.topologyKey topology.kubernetes.io/zone (CloudNativePG's default, kubernetes.io/hostname, spreads over nodes only). Staging's self-run MySQL, MongoDB, Redis, RabbitMQ and object store run one replica, so the report's 'Multi-AZ datastores' row is FAIL (advisory) there.",
    group: "reliability",
    platforms: ["kubernetes"],
    checklist: ["high-availability"],
    sources: [
        "seed 002/003 'Multi-AZ datastores and failover'",
        "kube-score statefulset-has-host-podantiaffinity",
        "CloudNativePG docs: Scheduling (affinity.topologyKey) and Replication",
        "Kubernetes well-known label topology.kubernetes.io/zone",
    ],
    types: ["kubernetes:apps/v1:StatefulSet", CNPG_CLUSTER],
    configSchema: failoverSchema,
    validate: (props, args, report, { minInstances }) => {
        const s = props.spec ?? {};
        if (args.type === CNPG_CLUSTER) {
            const n = Number(s.instances ?? 1);
            if (n < minInstances) report(`Cluster runs ${n} instance(s); a failover needs ${minInstances}`);
            const zoned = (s.affinity?.enablePodAntiAffinity !== false && s.affinity?.topologyKey === ZONE_KEY) || spreadsOverZones(s);
            if (!zoned)
                report(
                    `instances are not spread over zones (affinity.topologyKey is ${s.affinity?.topologyKey ?? "kubernetes.io/hostname (default)"})`,
                );
            return;
        }
        const pod = podSpecOf(args.type, props) ?? {};
        const component = s.template?.metadata?.labels?.["app.kubernetes.io/component"];
        if (component === "service") args.notApplicable("an application's StatefulSet, not a datastore");
        const n = Number(s.replicas ?? 1);
        if (n < minInstances) report(`StatefulSet runs ${n} replica(s); a failover needs ${minInstances}`);
        if (!spreadsOverZones(pod))
            report("replicas are not spread over zones (no topologySpreadConstraints or podAntiAffinity on topology.kubernetes.io/zone)");
    },
});

/**
 * Connection URLs a Secret hands to apps: which scheme or parameter encrypts them, in every client
 * dialect components/shared/connection.ts spells. Redis (`rediss`), AMQP (`amqps`), MongoDB
 * (`tls=true`/`ssl=true`), MySQL (`ssl-mode`/`ssl_mode` REQUIRED or stricter, a CA `ssl_ca`,
 * mysql2's `ssl={...}`, Prisma's `sslcert`/`sslaccept`) and PostgreSQL (`sslmode`, or asyncpg's
 * `ssl`, require or stricter).
 */
function unencryptedConnection(url: string): string | undefined {
    const m = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url);
    if (!m) return undefined;
    const scheme = m[1].toLowerCase();
    const query = url.includes("?") ? url.slice(url.indexOf("?") + 1).toLowerCase() : "";
    if (scheme === "redis" || scheme === "amqp") return `${scheme}:// (use ${scheme === "redis" ? "rediss" : "amqps"}://)`;
    if (scheme.startsWith("mongodb") && !/(^|&)(tls|ssl)=true/.test(query)) return "mongodb:// without tls=true";
    if (
        scheme.startsWith("mysql") &&
        !/(^|&)(ssl[-_]?mode=(required|verify_ca|verify_identity)|ssl_ca=|ssl=|sslcert=|sslaccept=)/.test(query)
    )
        return "mysql:// without ssl-mode=REQUIRED";
    if (scheme.startsWith("postgres") && !/(^|&)(sslmode|ssl)=(require|verify-ca|verify-full)/.test(query))
        return "postgresql:// without sslmode=require";
    return undefined;
}

/** Datastore connections are encrypted. */
export const k8sDatastoreTls = resourcePolicy({
    name: "k8s-datastore-tls",
    description:
        "Every datastore connection URL a Secret hands to apps is encrypted (rediss://, amqps://, MongoDB tls=true, MySQL ssl-mode=REQUIRED, PostgreSQL sslmode=require). Staging's self-run Redis, MySQL, MongoDB and RabbitMQ are reached in plain text, so the report says FAIL for 'TLS for all traffic' there (advisory: staging carries no production data).",
    group: "security",
    platforms: ["kubernetes"],
    checklist: ["encryption-in-transit"],
    sources: ["seed 003 'TLS for all traffic, database connection encryption'"],
    types: ["kubernetes:core/v1:Secret"],
    validate: (props, _args, report) => {
        for (const [key, value] of Object.entries({ ...(props.stringData ?? {}) })) {
            if (typeof value !== "string") continue;
            const problem = unencryptedConnection(value);
            if (problem) report(`${key} connects over ${problem}`);
        }
    },
});

const INGRESS = "kubernetes:networking.k8s.io/v1:Ingress";
const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";

/** Inputs of a networking.k8s.io/v1 Ingress that the Ingress policies read. */
interface IngressProps {
    metadata?: { annotations?: Record<string, string> };
    spec?: { tls?: { hosts?: string[]; secretName?: string }[]; rules?: { host?: string }[] };
}

/** An Ingress a user adds beside the Gateway terminates TLS for every host it serves. */
export const k8sIngressTls = resourcePolicy({
    name: "k8s-ingress-tls",
    description:
        "Every Ingress (the program's edge is a Gateway; this judges one a user adds) has spec.tls with a certificate Secret, and every host its rules serve is listed in a tls entry.",
    group: "security",
    platforms: ["kubernetes"],
    checklist: ["https-enforcement", "encryption-in-transit"],
    sources: ["Polaris tlsSettingsMissing"],
    types: [INGRESS],
    validate: (props: IngressProps, _args, report) => {
        const tls = props.spec?.tls ?? [];
        if (tls.length === 0) return report("Ingress has no spec.tls; it serves plain HTTP");
        for (const [i, t] of tls.entries()) if (!t.secretName) report(`spec.tls[${i}] names no secretName`);
        const covered = new Set(tls.flatMap((t) => t.hosts ?? []));
        for (const host of (props.spec?.rules ?? []).map((r) => r.host).filter((h): h is string => !!h))
            if (!covered.has(host)) report(`host ${host} is not in any spec.tls[].hosts; it is served without TLS`);
    },
});

/**
 * ingress-nginx snippet annotations splice raw nginx configuration into the controller, whose
 * service account reads every Secret (CVE-2021-25742, kubernetes/ingress-nginx#7837; CVE-2023-5043
 * for configuration-snippet). Checkov CKV_K8S_153 flags snippets; this refuses any `*-snippet`.
 */
export const k8sIngressNoSnippets = resourcePolicy({
    name: "k8s-ingress-no-snippets",
    description:
        "No Ingress carries an ingress-nginx snippet annotation (nginx.ingress.kubernetes.io/configuration-snippet, server-snippet, auth-snippet or any *-snippet): they inject raw nginx configuration into a controller that can read every Secret (CVE-2021-25742).",
    group: "security",
    platforms: ["kubernetes"],
    checklist: [],
    sources: ["Checkov CKV_K8S_153", "ingress-nginx CVE-2021-25742"],
    types: [INGRESS],
    validate: (props: IngressProps, _args, report) => {
        for (const key of Object.keys(props.metadata?.annotations ?? {}))
            if (/^nginx\.ingress\.kubernetes\.io\/[a-z-]*snippet$/.test(key)) report(`annotation ${key} injects raw nginx configuration`);
    },
});

/** A NetworkPolicy rule (ingress or egress) as the policies read it. */
interface NetworkPolicyRule {
    from?: Record<string, unknown>[];
    to?: Record<string, unknown>[];
    ports?: unknown[];
}

/**
 * A NetworkPolicy rule without peers (`{}`, or only ports) admits every source or destination, in
 * and outside the cluster, and policies are additive: one such rule undoes the namespace's
 * default-deny for the pods it selects. So does a peer `{}` or `namespaceSelector: {}` alone.
 */
const allowAllSchema = {
    properties: {
        publicEntryNamespaces: setting.strings(
            ["envoy-gateway-system"],
            "Namespaces whose pods take traffic from anywhere (the Gateway's proxies; the program's OPERATOR_NAMESPACES.envoyGateway): ingress rules there may name no peers.",
        ),
    },
};

/** No NetworkPolicy rule allows every peer (an empty peer, no `from`/`to`, or a bare `namespaceSelector: {}`); ingress in the public entry namespaces is exempt. */
export const k8sNetworkPolicyNoAllowAll = resourcePolicy({
    name: "k8s-network-policy-no-allow-all",
    description:
        "No NetworkPolicy rule allows every peer: each ingress rule names `from` and each egress rule names `to` peers, none of them an empty peer or a bare `namespaceSelector: {}`; an allow-all rule would undo the default-deny for the pods it selects. Ingress in the Gateway's own namespace (the public entry) is exempt.",
    group: "security",
    platforms: ["kubernetes"],
    checklist: ["network-segmentation"],
    sources: ["NSA/CISA Kubernetes Hardening Guidance (default-deny, no allow-all policy)", "Kubernetes NetworkPolicy 'allow all' example"],
    types: [NETWORK_POLICY],
    configSchema: allowAllSchema,
    validate: (props, args, report, { publicEntryNamespaces }) => {
        const ns: string | undefined = props.metadata?.namespace ?? args.provider?.props?.namespace;
        const check = (dir: "ingress" | "egress", key: "from" | "to") => {
            for (const [i, rule] of ((props.spec?.[dir] ?? []) as NetworkPolicyRule[]).entries()) {
                const peers = rule[key] ?? [];
                const where = `spec.${dir}[${i}]`;
                if (peers.length === 0)
                    report(`${where} has no ${key} peers: it allows every ${dir === "ingress" ? "source" : "destination"}`);
                for (const [j, peer] of peers.entries()) {
                    const keys = Object.keys(peer ?? {});
                    const nsAll =
                        keys.length === 1 && keys[0] === "namespaceSelector" && Object.keys(peer.namespaceSelector ?? {}).length === 0;
                    if (keys.length === 0 || nsAll) report(`${where}.${key}[${j}] selects every pod of every namespace`);
                }
            }
        };
        if (!ns || !publicEntryNamespaces.includes(ns)) check("ingress", "from");
        check("egress", "to");
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
    k8sGatewayTls,
    k8sGatewayHeaders,
    k8sGatewayRateLimit,
    k8sPodSecurity,
    k8sResources,
    k8sProbes,
    k8sHpaBounds,
    k8sPdbAllowsEviction,
    k8sCronJobSafe,
    k8sCnpgCluster,
    k8sDatastoreFailover,
    k8sDatastoreTls,
    k8sIngressTls,
    k8sIngressNoSnippets,
    k8sNetworkPolicyNoAllowAll,
];
