/**
 * What the Kubernetes API server, the Pulumi Kubernetes provider's await logic and the operators
 * refuse or break, checked offline. See `index.ts`.
 */
import { PINS } from "../../../conventions/pins";
import type { PlannedResource } from "../records";
import { CHART_CRDS, chartPinOf, chartsShipping, releaseCrds } from "./chart-crds";
import type { EngineRule, Finding, RunIndex } from "./rule";

const JOB = "kubernetes:batch/v1:Job";
const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const STATEFULSET = "kubernetes:apps/v1:StatefulSet";
const SECRET = "kubernetes:core/v1:Secret";
const PROVIDER = "pulumi:providers:kubernetes";
const CNPG_CLUSTER = "kubernetes:postgresql.cnpg.io/v1:Cluster";
const BARMAN_OBJECT_STORE = "kubernetes:barmancloud.cnpg.io/v1:ObjectStore";
const WORKLOADS = [JOB, DEPLOYMENT, STATEFULSET];
/** TargetGroupBinding of the AWS Load Balancer Controller and of EKS Auto Mode's. */
const TARGET_GROUP_BINDINGS = ["kubernetes:elbv2.k8s.aws/v1beta1:TargetGroupBinding", "kubernetes:eks.amazonaws.com/v1:TargetGroupBinding"];

/** Istio's PeerAuthentication, as the mesh registers it (components/kubernetes/mesh.ts). */
const PEER_AUTHENTICATIONS = [
    "kubernetes:security.istio.io/v1beta1:PeerAuthentication",
    "kubernetes:security.istio.io/v1:PeerAuthentication",
];

/**
 * The API groups Kubernetes itself serves ("core" is the legacy group of `v1`): the table of
 * https://kubernetes.io/docs/reference/kubernetes-api/group-versions/ (Kubernetes v1.34). Every
 * other group is served by a CustomResourceDefinition (or an aggregated APIService).
 */
export const BUILT_IN_API_GROUPS: ReadonlySet<string> = new Set([
    "core",
    "admissionregistration.k8s.io",
    "apiextensions.k8s.io",
    "apiregistration.k8s.io",
    "apps",
    "authentication.k8s.io",
    "authorization.k8s.io",
    "autoscaling",
    "batch",
    "certificates.k8s.io",
    "coordination.k8s.io",
    "discovery.k8s.io",
    "events.k8s.io",
    "flowcontrol.apiserver.k8s.io",
    "internal.apiserver.k8s.io",
    "networking.k8s.io",
    "node.k8s.io",
    "policy",
    "rbac.authorization.k8s.io",
    "resource.k8s.io",
    "scheduling.k8s.io",
    "storage.k8s.io",
    "storagemigration.k8s.io",
]);

/** Type-token groups of the Kubernetes provider that are no API objects: Helm releases and charts, YAML and kustomize components. */
const PROVIDER_GROUPS = new Set(["helm.sh", "yaml", "kustomize"]);

/** The API group of a `kubernetes:<group>/<version>:<Kind>` token, if it is one. */
function tokenGroup(type: string): string | undefined {
    return /^kubernetes:([^/:]+)\/[^:]+:[A-Za-z]+$/.exec(type)?.[1];
}

/** True for the type token of a Kubernetes object whose group is neither built in nor the provider's own. */
export function isCustomResourceType(type: string): boolean {
    const g = tokenGroup(type);
    return g !== undefined && !BUILT_IN_API_GROUPS.has(g) && !PROVIDER_GROUPS.has(g);
}

const SCALED_OBJECT = "kubernetes:keda.sh/v1alpha1:ScaledObject";
const HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler";
/** The HPA annotation that makes KEDA's webhook ignore it, and the ScaledObject annotation that takes an HPA over (scaledobject_types.go). */
const KEDA_HPA_OWNERSHIP = "validations.keda.sh/hpa-ownership";
const KEDA_TRANSFER_HPA = "scaledobject.keda.sh/transfer-hpa-ownership";
const CRD = "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition";
const HELM_RELEASE = "kubernetes:helm.sh/v3:Release";
const EKS_CLUSTER = "aws:eks/cluster:Cluster";
/** The component that installs the operators and declares the rest prerequisites (components/kubernetes/operators.ts). */
const OPERATORS = "tierform:kubernetes:Operators";

/**
 * The CRDs EKS Auto Mode serves on every cluster it runs (`<group>/<Kind>`): its load balancer
 * controller's TargetGroupBinding (https://docs.aws.amazon.com/eks/latest/userguide/auto-multi-cluster-target-groups.html:
 * "in the eks.amazonaws.com/v1 API group instead of elbv2.k8s.aws/v1beta1") and IngressClassParams
 * (https://docs.aws.amazon.com/eks/latest/userguide/auto-configure-alb.html), its NodeClass
 * (https://docs.aws.amazon.com/eks/latest/userguide/create-node-class.html) and Karpenter's NodePool
 * (https://docs.aws.amazon.com/eks/latest/userguide/create-node-pool.html, `karpenter.sh/v1`).
 */
export const EKS_AUTO_MODE_CRDS: readonly string[] = [
    "eks.amazonaws.com/TargetGroupBinding",
    "eks.amazonaws.com/IngressClassParams",
    "eks.amazonaws.com/NodeClass",
    "karpenter.sh/NodePool",
];

/** The URN of the provider a resource is registered with ("<urn>::<id>"), if an explicit one. */
function providerUrn(r: PlannedResource): string | undefined {
    return r.provider ? r.provider.slice(0, r.provider.lastIndexOf("::")) : undefined;
}

/** The EKS cluster this run creates that `r`'s provider reaches (its kubeconfig), if any: a cluster with nothing on it before the run. */
function createdCluster(r: PlannedResource, run: RunIndex): PlannedResource | undefined {
    const provider = providerUrn(r) ? run.byUrn(providerUrn(r)!) : undefined;
    return provider ? run.ofType(EKS_CLUSTER).find((c) => run.dependsOn(provider, c.urn)) : undefined;
}

/** A chart as a finding names it: its package and pinned version. */
const chartName = (pin: keyof typeof CHART_CRDS) => `${PINS[pin].packageName} ${PINS[pin].value}`;

/** The pod spec of a Job, Deployment or StatefulSet as recorded. */
function podSpec(r: PlannedResource): any {
    return r.inputs?.spec?.template?.spec ?? {};
}

/** Every container of a pod spec (init containers first), with its field path. */
function containers(r: PlannedResource): { c: any; path: string }[] {
    const pod = podSpec(r);
    return [
        ...(pod.initContainers ?? []).map((c: any, i: number) => ({ c, path: `spec.template.spec.initContainers[${i}]` })),
        ...(pod.containers ?? []).map((c: any, i: number) => ({ c, path: `spec.template.spec.containers[${i}]` })),
    ];
}

/** The Secrets (same namespace) a workload reads by secretKeyRef, envFrom or volume. */
function referencedSecrets(r: PlannedResource, run: RunIndex): PlannedResource[] {
    const ns = r.inputs?.metadata?.namespace;
    const names = new Set<string>();
    for (const { c } of containers(r)) {
        for (const e of c.env ?? []) if (e.valueFrom?.secretKeyRef?.name) names.add(e.valueFrom.secretKeyRef.name);
        for (const e of c.envFrom ?? []) if (e.secretRef?.name) names.add(e.secretRef.name);
    }
    for (const v of podSpec(r).volumes ?? []) if (v.secret?.secretName) names.add(v.secret.secretName);
    return run.ofType(SECRET).filter((s) => s.inputs?.metadata?.namespace === ns && names.has(s.inputs?.metadata?.name));
}

/** Whether a path of `r`'s inputs was a Pulumi secret (the path itself or a parent of it). */
function isSecret(r: PlannedResource, path: string): boolean {
    return r.secretPaths.some((p) => p === "(root)" || p === path || path.startsWith(`${p}.`) || path.startsWith(`${p}[`));
}

/** `user:password@` in a URL: a connection string with credentials. */
const URL_WITH_CREDENTIALS = /[a-z][a-z0-9+.-]*:\/\/[^\s/:@]*:[^\s/@]+@/i;

/**
 * Django's host check (`django.http.request.validate_host`): a pattern matches the host exactly
 * (case-insensitive), `.example.com` matches the domain and its subdomains, `*` matches anything.
 * https://docs.djangoproject.com/en/5.2/ref/settings/#allowed-hosts
 */
export function djangoAllows(allowedHosts: string[], host: string): boolean {
    const h = host.toLowerCase().replace(/:\d+$/, "").replace(/\.$/, "");
    return allowedHosts.some((raw) => {
        const p = raw.trim().toLowerCase();
        if (p === "*") return true;
        if (p.startsWith(".")) return h === p.slice(1) || h.endsWith(p);
        return h === p;
    });
}

/** The memory limit of a container in bytes, if any ("512Mi", "1Gi", "536870912"). */
function memoryLimitBytes(c: any): number | undefined {
    const q = c.resources?.limits?.memory;
    if (q === undefined) return undefined;
    const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(String(q));
    if (!m) return undefined;
    const f: Record<string, number> = { Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4, k: 1e3, M: 1e6, G: 1e9, T: 1e12 };
    return Number(m[1]) * (m[2] ? f[m[2]] : 1);
}

/** Envoy Gateway's SecurityPolicy and the Gateway API objects it targets. */
const SECURITY_POLICY = "kubernetes:gateway.envoyproxy.io/v1alpha1:SecurityPolicy";
const POLICY_TARGETS: Record<string, string> = {
    HTTPRoute: "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute",
    Gateway: "kubernetes:gateway.networking.k8s.io/v1:Gateway",
};

/** Every Kubernetes rule. */
export const KUBERNETES_RULES: EngineRule[] = [
    {
        // An object's name is unique per kind in its namespace ("Each object in your cluster has a Name that is unique for
        // that type of resource", kubernetes.io docs concepts/overview/working-with-objects/names): the API server answers
        // a second create 409 AlreadyExists, and the provider's Create fails with it. Two resources of one run on one cluster
        // with the same kind, namespace and name (a service named `api-preview` beside blue-green `api`'s preview Service
        // and route) are one object: the second is refused; with one logical name too, Pulumi refuses the duplicate URN
        // first (pkg/resource/deploy "Duplicate resource URN").
        id: "kubernetes-object-name-unique",
        types: (t) => t.startsWith("kubernetes:") && !t.endsWith("Patch") && t !== HELM_RELEASE && !t.startsWith("kubernetes:yaml"),
        outcome: "refused",
        source: "https://kubernetes.io/docs/concepts/overview/working-with-objects/names/; k8s.io/apimachinery pkg/api/errors NewAlreadyExists (409); pulumi-kubernetes provider/pkg/await/await.go Creation",
        check(r, run): Finding[] {
            const name = r.inputs?.metadata?.name;
            if (typeof name !== "string") return [];
            const ns = r.inputs?.metadata?.namespace;
            const twin = run
                .ofType(r.type)
                .find(
                    (o) =>
                        o !== r &&
                        o.inputs?.metadata?.name === name &&
                        o.inputs?.metadata?.namespace === ns &&
                        providerUrn(o) === providerUrn(r),
                );
            return twin
                ? [
                      {
                          field: "metadata.name",
                          message:
                              twin.urn === r.urn
                                  ? `'${name}' is registered twice with one URN: Pulumi refuses the duplicate URN (and the API server a second object of that name)`
                                  : `'${name}' is also the name of ${twin.name} (same kind${ns ? ` in namespace ${ns}` : ""}): the API server refuses the second (AlreadyExists)`,
                      },
                  ]
                : [];
        },
    },
    {
        // Envoy Gateway resolves a SecurityPolicy's targetRefs in the policy's own namespace (a targetRef has no namespace:
        // LocalPolicyTargetReferenceWithSectionName; a `namespace` key is pruned by the API server's structural schema). A
        // target it does not find is skipped without an error ("Route not found ... It's not an error", return nil, nil),
        // so the route the policy was to restrict (an allow-list, a blue-green's preview) stays open to every client; and a
        // second SecurityPolicy on a route another already targets is Conflicted ("another SecurityPolicy has already
        // attached to it") and not applied.
        id: "kubernetes-envoy-security-policy-target",
        types: [SECURITY_POLICY],
        outcome: "broken",
        source: "envoyproxy/gateway v1.9.0 internal/gatewayapi/securitypolicy.go (resolveSecurityPolicyRouteTargetRef, resolveSecurityPolicyGatewayTargetRef); api/v1alpha1/securitypolicy_types.go PolicyTargetReferences (gwapiv1.LocalPolicyTargetReferenceWithSectionName)",
        check(r, run): Finding[] {
            const ns = r.inputs?.metadata?.namespace;
            const out: Finding[] = [];
            (r.inputs?.spec?.targetRefs ?? []).forEach((t: Record<string, any>, i: number) => {
                const field = `spec.targetRefs[${i}]`;
                if (t.namespace !== undefined)
                    out.push({
                        field: `${field}.namespace`,
                        message: `'${t.namespace}' is not a field of a policy target (the API server prunes it): Envoy Gateway looks in the policy's namespace ${ns}`,
                    });
                const type = POLICY_TARGETS[t.kind];
                if (!type) return;
                const found = run.ofType(type).some((o) => o.inputs?.metadata?.name === t.name && o.inputs?.metadata?.namespace === ns);
                if (!found)
                    out.push({
                        field: `${field}.name`,
                        message: `names ${t.kind} '${t.name}', which this run does not create in ${ns}: Envoy Gateway skips the policy, and what it was to restrict stays open`,
                    });
                const rival = run
                    .ofType(SECURITY_POLICY)
                    .find(
                        (o) =>
                            o.urn !== r.urn &&
                            o.inputs?.metadata?.namespace === ns &&
                            (o.inputs?.spec?.targetRefs ?? []).some((u: any) => u.kind === t.kind && u.name === t.name && !u.sectionName),
                    );
                if (rival && !t.sectionName)
                    out.push({
                        field: `${field}.name`,
                        message: `${t.kind} '${t.name}' is also the target of SecurityPolicy '${rival.inputs?.metadata?.name}': Envoy Gateway applies one (Conflicted)`,
                    });
            });
            return out;
        },
    },
    {
        // A backendRef to a Service that does not exist is invalid, and the requests the rule would send there get 500
        // (Gateway API HTTPRouteRule.BackendRefs: "When a HTTPBackendRef is invalid, 500 status codes MUST be returned");
        // the Service is looked up in the route's namespace when the ref names none. A run that creates no Service in that
        // namespace built the edge alone (a component test) and is not judged.
        id: "kubernetes-httproute-backend-service",
        types: [POLICY_TARGETS.HTTPRoute],
        outcome: "broken",
        source: "kubernetes-sigs/gateway-api apis/v1/httproute_types.go (HTTPRouteRule.BackendRefs, HTTPBackendRef); envoyproxy/gateway internal/gatewayapi/route.go (ResolvedRefs BackendNotFound)",
        check(r, run): Finding[] {
            const ns = r.inputs?.metadata?.namespace;
            const services = run.ofType("kubernetes:core/v1:Service").filter((s) => s.inputs?.metadata?.namespace === ns);
            if (services.length === 0) return [];
            const out: Finding[] = [];
            (r.inputs?.spec?.rules ?? []).forEach((rule: Record<string, any>, i: number) =>
                (rule.backendRefs ?? []).forEach((b: Record<string, any>, j: number) => {
                    if ((b.kind ?? "Service") !== "Service" || (b.group ?? "") !== "" || (b.namespace ?? ns) !== ns) return;
                    const service = services.find((s) => s.inputs?.metadata?.name === b.name);
                    const field = `spec.rules[${i}].backendRefs[${j}]`;
                    if (!service)
                        out.push({
                            field: `${field}.name`,
                            message: `names Service '${b.name}', which this run does not create in ${ns}: its requests get 500`,
                        });
                    else if (!(service.inputs?.spec?.ports ?? []).some((p: any) => p.port === b.port))
                        out.push({
                            field: `${field}.port`,
                            message: `${b.port} is not a port of Service '${b.name}': its requests get 500`,
                        });
                }),
            );
            return out;
        },
    },
    {
        // Argo Rollouts validates a Rollout's strategy in its controller, not at admission: the API
        // server accepts the object, the controller marks it InvalidSpec and never rolls it out
        // (pkg/apis/rollouts/validation/validation.go v1.9.1: ValidateRolloutStrategy "Multiple
        // Strategies can not be listed"; ValidateRolloutStrategyBlueGreen, DuplicatedServicesBlueGreenMessage;
        // ValidateRolloutStrategyCanary: DuplicatedServicesCanaryMessage, InvalidTrafficRoutingMessage,
        // InvalidStepMessage, InvalidSetWeightMessage "between 0 and 100", InvalidDurationMessage).
        id: "kubernetes-argo-rollout-strategy",
        types: ["kubernetes:argoproj.io/v1alpha1:Rollout"],
        outcome: "broken",
        source: "argoproj/argo-rollouts v1.9.1 pkg/apis/rollouts/validation/validation.go (ValidateRolloutStrategy, ValidateRolloutStrategyBlueGreen, ValidateRolloutStrategyCanary)",
        check(r): Finding[] {
            const strategy = r.inputs?.spec?.strategy ?? {};
            const out: Finding[] = [];
            const { canary, blueGreen } = strategy;
            if (canary && blueGreen)
                out.push({ field: "spec.strategy", message: "lists canary and blueGreen: multiple strategies can not be listed" });
            if (blueGreen && blueGreen.activeService === blueGreen.previewService)
                out.push({
                    field: "spec.strategy.blueGreen.previewService",
                    message: `'${blueGreen.previewService}' is also the active service; two different services are required`,
                });
            if (canary) {
                if (canary.stableService !== undefined && canary.stableService === canary.canaryService)
                    out.push({
                        field: "spec.strategy.canary.canaryService",
                        message: `'${canary.canaryService}' is also the stable service; two different services are required`,
                    });
                if (canary.trafficRouting && (!canary.stableService || !canary.canaryService))
                    out.push({ field: "spec.strategy.canary.trafficRouting", message: "needs both canaryService and stableService" });
                (canary.steps ?? []).forEach((step: Record<string, any>, i: number) => {
                    const kinds = [
                        "experiment",
                        "setWeight",
                        "setCanaryScale",
                        "plugin",
                        "pause",
                        "analysis",
                        "setHeaderRoute",
                        "setMirrorRoute",
                    ].filter((k) => step[k] !== undefined);
                    if (kinds.length !== 1)
                        out.push({
                            field: `spec.strategy.canary.steps[${i}]`,
                            message: `sets ${kinds.join(", ") || "nothing"}: a step sets exactly one of experiment, setWeight, setCanaryScale, plugin, pause`,
                        });
                    if (step.setWeight !== undefined && (step.setWeight < 0 || step.setWeight > 100))
                        out.push({
                            field: `spec.strategy.canary.steps[${i}].setWeight`,
                            message: `${step.setWeight}: a weight is between 0 and 100`,
                        });
                    const d = step.pause?.duration;
                    if (d !== undefined && !/^[1-9][0-9]*(s|m|h)?$/.test(String(d)))
                        out.push({
                            field: `spec.strategy.canary.steps[${i}].pause.duration`,
                            message: `'${d}': a pause lasts more than 0 (e.g. 300s, 5m)`,
                        });
                });
            }
            return out;
        },
    },
    {
        // The Barman Cloud plugin reads the ObjectStore a Cluster names (`parameters.barmanObjectName`
        // of `spec.plugins[]` and `externalClusters[].plugin`) in the Cluster's own namespace
        // (internal/cnpgi/operator/config/config.go GetBarmanObjectKey: Namespace = the Cluster's);
        // a name with no ObjectStore there leaves WAL archiving (and a recovery) failing, and the
        // Cluster, awaited with pulumi.com/waitFor, never Ready. The Cluster must also depend on it,
        // or it is created first and its first archive attempts fail.
        id: "kubernetes-cnpg-plugin-object-store",
        types: [CNPG_CLUSTER],
        outcome: "broken",
        source: "cloudnative-pg/plugin-barman-cloud v0.14.0 internal/cnpgi/operator/config/config.go (GetBarmanObjectKey, GetRecoveryBarmanObjectKey: the Cluster's namespace), web/docs/usage.md",
        check(r, run): Finding[] {
            const ns = r.inputs?.metadata?.namespace;
            const refs: { field: string; plugin: any }[] = [
                ...(r.inputs?.spec?.plugins ?? []).map((plugin: any, i: number) => ({ field: `spec.plugins[${i}]`, plugin })),
                ...(r.inputs?.spec?.externalClusters ?? []).map((e: any, i: number) => ({
                    field: `spec.externalClusters[${i}].plugin`,
                    plugin: e?.plugin,
                })),
            ];
            const out: Finding[] = [];
            for (const { field, plugin } of refs) {
                const name = plugin?.parameters?.barmanObjectName;
                if (!/barman/i.test(plugin?.name ?? "") || name === undefined) continue;
                const store = run
                    .ofType(BARMAN_OBJECT_STORE)
                    .find((o) => o.inputs?.metadata?.name === name && o.inputs?.metadata?.namespace === ns);
                if (!store)
                    out.push({
                        field: `${field}.parameters.barmanObjectName`,
                        message: `names ObjectStore '${name}', which this run does not create in namespace ${ns}`,
                    });
                else if (!run.dependsOn(r, store.urn))
                    out.push({
                        field: `${field}.parameters.barmanObjectName`,
                        message: `names ObjectStore '${name}' but the Cluster does not depend on it, so it may be created first`,
                    });
            }
            return out;
        },
    },
    {
        // Pulumi awaits built-in kinds (a Job until it completes, a Deployment until its pods are
        // ready) but counts a custom resource as ready as soon as the API server accepts it, unless
        // it carries `pulumi.com/waitFor` (pulumi-kubernetes ≥ 4.18.0, CHANGELOG: "Pulumi's current
        // behavior, without this feature enabled, is to assume some resources are immediately
        // available, which can cause downstream resources to fail"). A Job or workload that uses a
        // CloudNativePG Cluster therefore starts while the operator still pulls images and runs
        // initdb: it must depend on the Cluster, and the Cluster must carry the annotation.
        id: "kubernetes-await-operator-datastore",
        types: WORKLOADS,
        outcome: "broken",
        source: "pulumi-kubernetes CHANGELOG 4.18.0 (pulumi.com/waitFor; custom resources are otherwise not awaited), https://www.pulumi.com/registry/packages/kubernetes/api-docs/batch/v1/job/ (Job await)",
        check(r, run): Finding[] {
            const ns = r.inputs?.metadata?.namespace;
            const text = JSON.stringify([r.inputs?.spec, ...referencedSecrets(r, run).map((s) => s.inputs?.stringData ?? s.inputs?.data)]);
            const out: Finding[] = [];
            for (const cluster of run.ofType(CNPG_CLUSTER).filter((c) => c.inputs?.metadata?.namespace === ns)) {
                const name = cluster.inputs?.metadata?.name;
                if (!new RegExp(`\\b${name}-r[wo]\\b`).test(text)) continue;
                if (!run.dependsOn(r, cluster.urn))
                    out.push({
                        field: "(resource)",
                        message: `uses the CloudNativePG Cluster '${name}' (${name}-rw/-ro) but does not depend on it, so it starts before the database exists`,
                    });
                else if (!cluster.inputs?.metadata?.annotations?.["pulumi.com/waitFor"]) {
                    out.push({
                        field: "(resource)",
                        message: `waits for the CloudNativePG Cluster '${name}', which has no pulumi.com/waitFor annotation: Pulumi counts it ready when accepted, before initdb`,
                    });
                }
            }
            return out;
        },
    },
    {
        // The kubelet sends an HTTP probe with the pod IP as Host unless httpHeaders sets one
        // (https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/#http-probes);
        // Django answers a Host outside ALLOWED_HOSTS with 400 (DisallowedHost,
        // https://docs.djangoproject.com/en/5.2/ref/settings/#allowed-hosts), so the probe never passes.
        id: "kubernetes-probe-host-rejected",
        types: WORKLOADS,
        outcome: "broken",
        source: "Django docs settings ALLOWED_HOSTS (400 on other hosts); Kubernetes docs 'Configure Liveness, Readiness and Startup Probes' (HTTP probes send the pod IP as Host unless httpHeaders sets it)",
        check(r): Finding[] {
            const out: Finding[] = [];
            for (const { c, path } of containers(r)) {
                const env = (c.env ?? []).find((e: any) => e.name === "ALLOWED_HOSTS" && typeof e.value === "string");
                if (!env) continue;
                const allowed = String(env.value)
                    .split(",")
                    .filter((h) => h.trim() !== "");
                for (const kind of ["livenessProbe", "readinessProbe", "startupProbe"]) {
                    const get = c[kind]?.httpGet;
                    if (!get) continue;
                    const host = (get.httpHeaders ?? []).find((h: any) => String(h.name).toLowerCase() === "host")?.value ?? get.host;
                    if (host === undefined ? !allowed.includes("*") : !djangoAllows(allowed, host)) {
                        out.push({
                            field: `${path}.${kind}.httpGet`,
                            message: `sends Host '${host ?? "<pod IP>"}', which ALLOWED_HOSTS (${allowed.join(",")}) rejects with 400; set httpHeaders Host to an allowed host`,
                        });
                    }
                }
            }
            return out;
        },
    },
    {
        // Without maxmemory Redis uses memory without bound on 64-bit systems
        // (https://redis.io/docs/latest/develop/reference/eviction/: "maxmemory 0 ... no memory
        // limits"); under a container limit the kernel OOM-kills it, and an AOF larger than the
        // limit then crash-loops on replay.
        id: "kubernetes-redis-memory-bound",
        types: [DEPLOYMENT, STATEFULSET],
        outcome: "broken",
        source: "Redis docs 'Key eviction' (maxmemory 0 = no limit on 64-bit), https://redis.io/docs/latest/develop/reference/eviction/",
        check(r): Finding[] {
            const out: Finding[] = [];
            for (const { c, path } of containers(r)) {
                const argv = [...(c.command ?? []), ...(c.args ?? [])].map(String);
                if (!argv.some((a) => /(^|[\s/])redis-server(\s|$)/.test(a))) continue;
                const limit = memoryLimitBytes(c);
                if (limit === undefined) continue;
                const i = argv.indexOf("--maxmemory");
                const bound = i >= 0 ? argv[i + 1] : undefined;
                if (!bound || /^0([kmg]b?)?$/i.test(bound))
                    out.push({
                        field: `${path}.args`,
                        message: `runs redis-server under a ${Math.round(limit / 1048576)} MiB limit without --maxmemory; set it below the limit (75 %)`,
                    });
            }
            return out;
        },
    },
    {
        // What is not a Pulumi secret is written in the clear into the state and the plan's JSON
        // (scripts/plan.ts writes the redacted inputs; scripts/offline/engine.ts redacts only
        // secrets): Secret values, a kubeconfig (cluster credentials), a connection URL with a
        // password in an environment variable.
        id: "kubernetes-secret-in-clear",
        types: [SECRET, PROVIDER, ...WORKLOADS],
        outcome: "leaks",
        source: "Pulumi docs 'Secrets' (only values marked secret are encrypted in state and masked in output), https://www.pulumi.com/docs/iac/concepts/secrets/; scripts/offline/engine.ts split()",
        check(r): Finding[] {
            const out: Finding[] = [];
            if (r.type === PROVIDER) {
                if (r.inputs?.kubeconfig && !isSecret(r, "kubeconfig"))
                    out.push({ field: "kubeconfig", message: "the kubeconfig (cluster credentials) is not a Pulumi secret" });
                return out;
            }
            if (r.type === SECRET) {
                for (const key of ["stringData", "data"]) {
                    for (const k of Object.keys(r.inputs?.[key] ?? {}))
                        if (!isSecret(r, `${key}.${k}`))
                            out.push({
                                field: `${key}.${k}`,
                                message: "is not a Pulumi secret, so the plan's JSON and the state hold it in the clear",
                            });
                }
                return out;
            }
            for (const { c, path } of containers(r)) {
                (c.env ?? []).forEach((e: any, i: number) => {
                    if (typeof e.value === "string" && URL_WITH_CREDENTIALS.test(e.value))
                        out.push({
                            field: `${path}.env[${i}]`,
                            message: `${e.name} holds a connection string with credentials in the clear; pass it by secretKeyRef`,
                        });
                });
            }
            return out;
        },
    },
    {
        // The AWS Load Balancer Controller (and EKS Auto Mode's, which serves the same CRD under
        // eks.amazonaws.com) admits one TargetGroupBinding per target group ("TargetGroup %v is
        // already bound to TargetGroupBinding %v") and a nodeSelector only with instance targets
        // (webhooks/elbv2/targetgroupbinding_validator.go checkExistingTargetGroups, checkNodeSelector);
        // it registers pod IPs in an ip target group, which RegisterTargets refuses in an instance one
        // (API_TargetDescription: Id is an instance ID for the instance type), and it resolves the pods
        // through the Service and port the binding names (pkg/backend/endpoint_resolver.go).
        id: "kubernetes-lbc-target-group-binding",
        types: TARGET_GROUP_BINDINGS,
        outcome: "refused",
        source: "kubernetes-sigs/aws-load-balancer-controller webhooks/elbv2/targetgroupbinding_validator.go (checkExistingTargetGroups, checkNodeSelector), pkg/backend/endpoint_resolver.go; https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_TargetDescription.html",
        check(r, run): Finding[] {
            const spec = r.inputs?.spec ?? {};
            const ns = r.inputs?.metadata?.namespace;
            const out: Finding[] = [];
            const twin = run
                .ofType(r.type)
                .concat(TARGET_GROUP_BINDINGS.filter((t) => t !== r.type).flatMap((t) => run.ofType(t)))
                .find((o) => o.urn !== r.urn && o.inputs?.spec?.targetGroupARN === spec.targetGroupARN);
            if (twin && spec.targetGroupARN !== undefined)
                out.push({ field: "spec.targetGroupARN", message: `is already bound by TargetGroupBinding '${twin.name}'` });
            if (spec.targetType === "ip" && spec.nodeSelector)
                out.push({ field: "spec.nodeSelector", message: "is set with targetType ip (only instance targets select nodes)" });
            const group = r.dependencies.map((u) => run.byUrn(u)).find((d) => d?.type === "aws:lb/targetGroup:TargetGroup");
            if (group && spec.targetType && group.inputs?.targetType && group.inputs.targetType !== spec.targetType)
                out.push({
                    field: "spec.targetType",
                    message: `is ${spec.targetType}, but target group '${group.name}' takes ${group.inputs.targetType} targets`,
                });
            const ref = spec.serviceRef ?? {};
            const service = run
                .ofType("kubernetes:core/v1:Service")
                .find((s) => s.inputs?.metadata?.name === ref.name && s.inputs?.metadata?.namespace === ns);
            if (!service)
                out.push({
                    field: "spec.serviceRef.name",
                    message: `names Service '${ref.name}', which this run does not create in ${ns}`,
                });
            else if (!(service.inputs?.spec?.ports ?? []).some((p: any) => p.port === ref.port || p.name === ref.port))
                out.push({ field: "spec.serviceRef.port", message: `${ref.port} is not a port of Service '${ref.name}'` });
            return out;
        },
    },
    {
        // istiod's validating webhook (istio/istio pkg/config/validation/validation.go, ValidatePeerAuthentication):
        // port-level mTLS only on a workload policy (a selector with labels: "mesh/namespace peer authentication cannot
        // have port level mTLS"), at least one port when the map is there, every port in 1..65535.
        id: "kubernetes-istio-peer-authentication",
        types: PEER_AUTHENTICATIONS,
        outcome: "refused",
        source: "istio/istio pkg/config/validation/validation.go (ValidatePeerAuthentication), served by istiod's validating webhook",
        check(r): Finding[] {
            const spec = r.inputs?.spec ?? {};
            const ports = spec.portLevelMtls;
            if (ports === undefined) return [];
            const out: Finding[] = [];
            if (Object.keys(spec.selector?.matchLabels ?? {}).length === 0)
                out.push({
                    field: "spec.portLevelMtls",
                    message: "is set on a mesh/namespace policy (no selector labels): port-level mTLS needs a workload selector",
                });
            if (Object.keys(ports).length === 0)
                out.push({ field: "spec.portLevelMtls", message: "is empty: if defined, it must name at least one port" });
            for (const port of Object.keys(ports))
                if (!/^\d+$/.test(port) || Number(port) < 1 || Number(port) > 65535)
                    out.push({ field: `spec.portLevelMtls.${port}`, message: `port ${port} is not in 1..65535` });
            return out;
        },
    },
    {
        // KEDA's validating webhook (kedacore/keda v2.20.2 apis/keda/v1alpha1/scaledobject_webhook.go, validateWorkload)
        // refuses a ScaledObject whose workload something else scales: another ScaledObject on the same kind and name
        // ("is already managed by the ScaledObject", verifyScaledObjects) or an HPA in its namespace on it that the
        // ScaledObject does not own ("is already managed by the hpa", verifyHpas) unless the HPA carries
        // `validations.keda.sh/hpa-ownership: "false"` or the ScaledObject takes it over by name
        // (`scaledobject.keda.sh/transfer-hpa-ownership` with `advanced.horizontalPodAutoscalerConfig.name`); and a name,
        // or the name of the HPA it makes (`keda-hpa-<name>` unless configured, getHpaName), longer than 63 characters
        // (verifyName: both are label values). An HPA of the run is one KEDA's webhook finds if the ScaledObject is
        // created after it, and one the HPA controller fights KEDA's over otherwise.
        id: "kubernetes-keda-scaled-object",
        types: [SCALED_OBJECT],
        outcome: "refused",
        source: "kedacore/keda v2.20.2 apis/keda/v1alpha1/scaledobject_webhook.go (verifyScaledObjects, verifyHpas, verifyName, getHpaName)",
        check(r, run): Finding[] {
            const spec = r.inputs?.spec ?? {};
            const meta = r.inputs?.metadata ?? {};
            const out: Finding[] = [];
            const hpaName = spec.advanced?.horizontalPodAutoscalerConfig?.name || `keda-hpa-${meta.name}`;
            if (String(meta.name).length > 63)
                out.push({ field: "metadata.name", message: `'${meta.name}' is ${String(meta.name).length} characters; the limit is 63` });
            else if (hpaName.length > 63)
                out.push({ field: "spec.advanced", message: `the HPA name '${hpaName}' is ${hpaName.length} characters; the limit is 63` });
            const group = (apiVersion: unknown) => (String(apiVersion).includes("/") ? String(apiVersion).split("/")[0] : "");
            const target = spec.scaleTargetRef ?? {};
            const sameTarget = (o: PlannedResource) => {
                const ref = o.inputs?.spec?.scaleTargetRef ?? {};
                return (
                    o.urn !== r.urn &&
                    providerUrn(o) === providerUrn(r) &&
                    o.inputs?.metadata?.namespace === meta.namespace &&
                    group(ref.apiVersion) === group(target.apiVersion) &&
                    ref.kind === target.kind &&
                    ref.name === target.name
                );
            };
            const workload = `${target.kind} '${target.name}'`;
            for (const o of run.ofType(SCALED_OBJECT).filter(sameTarget))
                out.push({
                    field: "spec.scaleTargetRef",
                    message: `${workload} is already managed by the ScaledObject '${o.inputs.metadata.name}'`,
                });
            const transfers = meta.annotations?.[KEDA_TRANSFER_HPA] === "true";
            for (const h of run.ofType(HPA).filter(sameTarget)) {
                const name = h.inputs?.metadata?.name;
                if (h.inputs?.metadata?.annotations?.[KEDA_HPA_OWNERSHIP] === "false" || (transfers && name === hpaName)) continue;
                out.push({ field: "spec.scaleTargetRef", message: `${workload} is already managed by the hpa '${name}'` });
            }
            return out;
        },
    },
    {
        // The API server serves a custom resource only once its CustomResourceDefinition is
        // established; until then the RESTMapper answers "no matches for kind ... ensure CRDs are
        // installed first" (k8s.io/apimachinery pkg/api/meta NoKindMatchError). The Pulumi provider
        // skips the dry run of a kind it does not find at preview (pulumi-kubernetes v4.32.0
        // provider/pkg/provider/provider.go Create: `skipPreview := ... !k.gvkExists(newInputs)`),
        // so a preview passes, and refuses it at `up` after retrying the create 5 times, 1 s
        // doubling, about half a minute (provider/pkg/await/await.go Creation, retry.SleepingRetry
        // ... WithMaxRetries(5).WithBackoffFactor(2)): "Verify that any required CRDs have been
        // created". So every custom resource needs its CRD from a Helm release of this run that it
        // waits for (chart-crds.ts), a CustomResourceDefinition of this run it waits for, EKS Auto
        // Mode (on the Auto Mode cluster this run creates), or, on a cluster this run does not
        // create, an operator the stack declares a prerequisite (KubernetesOperators' inputs; a run
        // without that component, one component built alone, declares nothing about such a cluster).
        id: "kubernetes-custom-resource-crd-installed",
        types: isCustomResourceType,
        outcome: "refused",
        source: "k8s.io/apimachinery pkg/api/meta NoKindMatchError; pulumi-kubernetes v4.32.0 provider/pkg/provider/provider.go Create (gvkExists skips the preview; 'Verify that any required CRDs have been created'), provider/pkg/await/await.go Creation (5 retries, 1 s doubling); https://kubernetes.io/docs/reference/kubernetes-api/group-versions/",
        check(r, run): Finding[] {
            const apiVersion = String(r.inputs?.apiVersion ?? r.type.split(":")[1]);
            const kind = String(r.inputs?.kind ?? r.type.split(":")[2]);
            const group = apiVersion.includes("/") ? apiVersion.slice(0, apiVersion.indexOf("/")) : "core";
            if (BUILT_IN_API_GROUPS.has(group)) return [];
            const crdKind = `${group}/${kind}`;
            const onCluster = (o: PlannedResource) => providerUrn(o) === providerUrn(r);
            // What this run installs the CRD with (on the object's cluster): the object must wait for one of them.
            const installers = [
                ...run.ofType(CRD).filter((c) => onCluster(c) && c.inputs?.spec?.group === group && c.inputs?.spec?.names?.kind === kind),
                ...run.ofType(HELM_RELEASE).filter((h) => onCluster(h) && releaseCrds(h.inputs ?? {}).includes(crdKind)),
            ];
            if (installers.length > 0) {
                if (installers.some((i) => run.dependsOn(r, i.urn))) return [];
                const first = installers[0];
                const what =
                    first.type === CRD
                        ? `CustomResourceDefinition '${first.name}'`
                        : `Helm release '${first.name}' (${first.inputs?.chart} ${first.inputs?.version})`;
                return [
                    {
                        field: "kind",
                        message: `${apiVersion} ${kind}: its CRD comes from ${what}, which this object does not depend on: at the first \`pulumi up\` on an empty cluster it is created before its CRD and refused`,
                    },
                ];
            }
            const cluster = createdCluster(r, run);
            if (cluster && cluster.inputs?.computeConfig?.enabled === true && EKS_AUTO_MODE_CRDS.includes(crdKind)) return [];
            const declared = run
                .ofType(OPERATORS)
                .flatMap((o) => (o.inputs?.prerequisites ?? []) as { operator: string; chart: string; repo?: string }[])
                .filter((p) => {
                    const pin = chartPinOf(p.chart, p.repo);
                    return pin !== undefined && CHART_CRDS[pin].kinds.includes(crdKind);
                });
            // A cluster this run does not create holds what the stack declares (its operators' prerequisites);
            // a run that declares nothing (one component, built alone) says nothing of it, so only its own releases and CRDs are judged.
            if (!cluster && (declared.length > 0 || run.ofType(OPERATORS).length === 0)) return [];
            const charts = chartsShipping(crdKind);
            const provide = charts.length
                ? `install the chart that ships it (${charts.map(chartName).join(" or ")}) as a Helm release this object depends on`
                : "register its CustomResourceDefinition (no pinned chart ships it)";
            const why = cluster
                ? `this run creates the cluster (${cluster.type} '${cluster.name}'), so nothing is installed on it before \`pulumi up\`` +
                  (declared.length ? `: the prerequisite ${declared.map((p) => p.operator).join(", ")} cannot be there` : "")
                : "no Helm release or CustomResourceDefinition of this run installs it and no operator the stack declares a prerequisite ships it";
            return [{ field: "kind", message: `${apiVersion} ${kind}: no CRD ${crdKind} on the cluster: ${why}; ${provide}` }];
        },
    },
];
