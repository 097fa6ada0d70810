/**
 * The cluster operators the staging stack needs, installed from their pinned Helm charts when
 * their switch is on ({@link operatorsToInstall}), else prerequisites the cluster must already
 * have, in the namespaces of {@link OPERATOR_NAMESPACES} (the NetworkPolicies admit traffic from
 * those namespaces). Only what the system uses is installed ({@link neededOperators}):
 *
 * | operator | chart | needed for |
 * | --- | --- | --- |
 * | Envoy Gateway | oci://docker.io/envoyproxy/gateway-helm {@link CHARTS} (with the Gateway API CRDs) | the edge Gateway, HTTPRoutes and policies |
 * | cert-manager | jetstack/cert-manager | the edge Certificate/Issuer; the Barman Cloud plugin's mTLS certificates |
 * | CloudNativePG | cnpg/cloudnative-pg | PostgreSQL `Cluster`/`ScheduledBackup` |
 * | Barman Cloud plugin | cnpg/plugin-barman-cloud | the `ObjectStore` of each PostgreSQL cluster: WAL archive, base backups, recovery |
 * | KEDA | kedacore/keda | request-rate autoscaling (`ScaledObject`) |
 * | kube-prometheus-stack | prometheus-community/kube-prometheus-stack | ServiceMonitor/PrometheusRule (only with `monitoringCrds`), the request-rate signal |
 * | metrics-server | metrics-server/metrics-server (kube-system) | the `metrics.k8s.io` API every CPU/memory HPA and KEDA cpu/memory trigger reads |
 * | Argo Rollouts | argo/argo-rollouts with the Gateway API traffic-router plugin | canary and blue-green rollouts (rollout.ts) |
 * | Loki, Tempo, OpenTelemetry Collector (gateway; DaemonSet in log-collector) | grafana/loki, grafana-community/tempo, open-telemetry/opentelemetry-collector | logs, traces and the services' OTLP, with `monitoringCrds` (observability.ts) |
 * | Istio (ambient) | istio/base, istiod, cni, ztunnel (istio-system) | the mesh (`tierform:mesh`): mutual TLS, authorization, L4 telemetry (mesh.ts) |
 *
 * With Envoy Gateway, tierform also creates the GatewayClass {@link GATEWAY_CLASS} and the Redis
 * its rate-limit service counts in (per-client limits are global rate limits in Envoy Gateway);
 * a cluster that runs Envoy Gateway already needs both (see {@link envoyGatewayValues}).
 *
 * They are cluster-wide singletons: one stack per cluster installs each; other stacks on the same
 * cluster leave its switch off.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type * as k8sTypes from "@pulumi/kubernetes/types/input";
import { K8S_ANNOTATION } from "../../conventions/labels";
import type { SystemPlan } from "../../plan";
import { datastoreImage } from "../shared/images";
import { PINS } from "../../conventions/pins";
import {
    grafanaValues,
    LOG_COLLECTOR_NAMESPACE,
    logCollectorNamespace,
    lokiValues,
    otelGatewayValues,
    otelLogsValues,
    tempoValues,
} from "./observability";
import { OPERATOR_NAMESPACES } from "./context";
import { restrictedContainer, restrictedPodSpec } from "./pods";
import { ENVOY_GATEWAY_CONTROLLER, GATEWAY_CLASS } from "./edge";
import { AMBIENT_LABEL } from "./mesh";
import type { PlatformSettings } from "../../plan";

/**
 * Pinned charts (versions from the pin table, {@link PINS}) and the namespace each is installed
 * in. Envoy Gateway's chart is published to oci://docker.io/envoyproxy/gateway-helm with the git
 * tag as version.
 */
export const CHARTS = {
    envoyGateway: {
        chart: `oci://${PINS.envoyGatewayChart.packageName}`,
        version: PINS.envoyGatewayChart.value,
        repo: undefined,
        namespace: OPERATOR_NAMESPACES.envoyGateway,
    },
    certManager: {
        chart: PINS.certManagerChart.packageName,
        version: PINS.certManagerChart.value,
        repo: PINS.certManagerChart.registryUrl,
        namespace: OPERATOR_NAMESPACES.certManager,
    },
    cnpg: {
        chart: PINS.cnpgChart.packageName,
        version: PINS.cnpgChart.value,
        repo: PINS.cnpgChart.registryUrl,
        namespace: OPERATOR_NAMESPACES.cnpg,
    },
    /**
     * CloudNativePG's Barman Cloud plugin: "must be installed in the same namespace as the
     * CloudNativePG operator" and needs cert-manager for the operator ↔ plugin mTLS (its chart
     * creates an Issuer and two Certificates) — plugin-barman-cloud v0.14.0 web/docs/installation.mdx,
     * web/docs/intro.md "Requirements"; charts plugin-barman-cloud-v0.7.0 templates/*-certificate.yaml.
     */
    barmanCloud: {
        chart: PINS.barmanCloudPluginChart.packageName,
        version: PINS.barmanCloudPluginChart.value,
        repo: PINS.barmanCloudPluginChart.registryUrl,
        namespace: OPERATOR_NAMESPACES.cnpg,
    },
    keda: {
        chart: PINS.kedaChart.packageName,
        version: PINS.kedaChart.value,
        repo: PINS.kedaChart.registryUrl,
        namespace: OPERATOR_NAMESPACES.keda,
    },
    kubePrometheusStack: {
        chart: PINS.kubePrometheusStackChart.packageName,
        version: PINS.kubePrometheusStackChart.value,
        repo: PINS.kubePrometheusStackChart.registryUrl,
        namespace: OPERATOR_NAMESPACES.monitoring,
    },
    /**
     * metrics-server serves `metrics.k8s.io`, which every CPU/memory HPA and KEDA's cpu/memory
     * triggers read; neither kind nor EKS ships it (k3s and minikube's addon do: leave
     * `installMetricsServer` off there, a second one would fight over the APIService).
     */
    /**
     * Argo Rollouts, with its Gateway API traffic-router plugin copied in by an init container from
     * the plugin's pinned image (plugin docs/installation.md "Installing the plugin via init
     * containers"); {@link argoRolloutsValues}.
     */
    argoRollouts: {
        chart: PINS.argoRolloutsChart.packageName,
        version: PINS.argoRolloutsChart.value,
        repo: PINS.argoRolloutsChart.registryUrl,
        namespace: OPERATOR_NAMESPACES.argoRollouts,
    },
    metricsServer: {
        chart: PINS.metricsServerChart.packageName,
        version: PINS.metricsServerChart.value,
        repo: PINS.metricsServerChart.registryUrl,
        namespace: "kube-system",
    },
    /**
     * Istio in ambient mode, four charts of one release installed in order (istio.io docs
     * ambient/install/helm): `base` (CRDs), `istiod` and `cni` with `profile: ambient`, `ztunnel`
     * (the per-node L4 proxy that carries the mesh's mutual TLS). The node agents are privileged and
     * live in istio-system; the application pods get no sidecar and no init container.
     */
    istioBase: {
        chart: PINS.istioBaseChart.packageName,
        version: PINS.istioBaseChart.value,
        repo: PINS.istioBaseChart.registryUrl,
        namespace: OPERATOR_NAMESPACES.istio,
    },
    istiod: {
        chart: PINS.istiodChart.packageName,
        version: PINS.istiodChart.value,
        repo: PINS.istiodChart.registryUrl,
        namespace: OPERATOR_NAMESPACES.istio,
    },
    istioCni: {
        chart: PINS.istioCniChart.packageName,
        version: PINS.istioCniChart.value,
        repo: PINS.istioCniChart.registryUrl,
        namespace: OPERATOR_NAMESPACES.istio,
    },
    ztunnel: {
        chart: PINS.ztunnelChart.packageName,
        version: PINS.ztunnelChart.value,
        repo: PINS.ztunnelChart.registryUrl,
        namespace: OPERATOR_NAMESPACES.istio,
    },
    loki: {
        chart: PINS.lokiChart.packageName,
        version: PINS.lokiChart.value,
        repo: PINS.lokiChart.registryUrl,
        namespace: OPERATOR_NAMESPACES.monitoring,
    },
    tempo: {
        chart: PINS.tempoChart.packageName,
        version: PINS.tempoChart.value,
        repo: PINS.tempoChart.registryUrl,
        namespace: OPERATOR_NAMESPACES.monitoring,
    },
    /** The OpenTelemetry Collector gateway (release `otel-collector`) the services export to. */
    otelCollector: {
        chart: PINS.otelCollectorChart.packageName,
        version: PINS.otelCollectorChart.value,
        repo: PINS.otelCollectorChart.registryUrl,
        namespace: OPERATOR_NAMESPACES.monitoring,
    },
    /** The node log collector (release `otel-logs`), a DaemonSet in its own privileged namespace. */
    otelLogs: {
        chart: PINS.otelCollectorChart.packageName,
        version: PINS.otelCollectorChart.value,
        repo: PINS.otelCollectorChart.registryUrl,
        namespace: LOG_COLLECTOR_NAMESPACE,
    },
} as const;

/** The release name of each operator whose chart name is not its release's (two collectors from one chart). */
const RELEASE_NAMES: Partial<Record<keyof typeof CHARTS, string>> = { otelCollector: "otel-collector", otelLogs: "otel-logs" };

/** The Istio charts, in install order. */
export const ISTIO_CHARTS = ["istioBase", "istiod", "istioCni", "ztunnel"] as const;

/** An operator tierform can install. */
export type Operator = keyof typeof CHARTS;

/** The Prometheus the request-rate trigger queries: kube-prometheus-stack's Service (release `kube-prometheus-stack`). */
export const PROMETHEUS_URL = `http://kube-prometheus-stack-prometheus.${OPERATOR_NAMESPACES.monitoring}.svc.cluster.local:9090`;

/** The Redis of Envoy Gateway's rate-limit service (in its namespace). */
export const RATE_LIMIT_REDIS = {
    name: "ratelimit-redis",
    port: 6379,
    url: `ratelimit-redis.${OPERATOR_NAMESPACES.envoyGateway}.svc.cluster.local:6379`,
};

/** What the operators a system needs depend on: its plan's services, datastores, edge and observability. */
export type OperatorNeeds = Pick<SystemPlan, "name" | "services" | "datastores" | "edge" | "observability">;

/** True when a service of `system` scales on its request rate: its plan's scaling signals name `requestsPerMinute` (a replica range and the spec's target). */
export function scalesOnRequests(system: Pick<SystemPlan, "services">): boolean {
    return Object.values(system.services).some((s) => s.scaling.requestsPerMinute !== undefined);
}

/**
 * True when a service of `system` scales on CPU or memory: an HPA (always on a resource metric:
 * CPU 70 % when the spec gives no target) or a KEDA ScaledObject with a cpu/memory trigger. Both
 * read the `metrics.k8s.io` API of metrics-server; without it the HPA reports
 * `FailedGetResourceMetric` and never scales (keda.sh/docs/2.16/scalers/cpu "Prerequisites": "KEDA uses standard cpu and memory metrics from the Kubernetes Metrics Server, which is not installed by default on … EKS").
 */
export function scalesOnResources(system: Pick<SystemPlan, "services">): boolean {
    return Object.values(system.services).some((s) => s.scaling.cpuPercent !== undefined || s.scaling.memoryPercent !== undefined);
}

/**
 * The operators `system` uses: Envoy Gateway (the edge), cert-manager when the edge has TLS and a
 * domain (its Certificate) or a database is PostgreSQL (the Barman Cloud plugin's certificates),
 * CloudNativePG and its Barman Cloud plugin when a database is PostgreSQL, KEDA when a service
 * scales on requests, kube-prometheus-stack when `monitoringCrds` is on (ServiceMonitor,
 * PrometheusRule, CloudNativePG's PodMonitor, the edge's request metrics), metrics-server when a
 * service scales on CPU or memory ({@link scalesOnResources}).
 */
export function neededOperators(system: OperatorNeeds, settings: PlatformSettings): Operator[] {
    const needed: Operator[] = [];
    if (settings.monitoringCrds) needed.push("kubePrometheusStack");
    const postgres = Object.values(system.datastores).some((d) => d.kind === "database" && d.engine === "postgres");
    if ((system.edge.tls && system.edge.domain) || postgres) needed.push("certManager");
    if (postgres) needed.push("cnpg", "barmanCloud");
    if (scalesOnRequests(system)) needed.push("keda");
    if (scalesOnResources(system)) needed.push("metricsServer");
    if (rollsOut(system)) needed.push("argoRollouts");
    if (settings.monitoringCrds) needed.push("loki", "tempo", "otelCollector", "otelLogs");
    needed.push("envoyGateway");
    if (settings.mesh) needed.push(...ISTIO_CHARTS);
    return needed;
}

/**
 * The operators this stack installs: the needed ones whose switch is on. `tierform:installOperators`
 * turns on all; `installEnvoyGateway`, `installCertManager`, `installCloudNativePg`, `installKeda`
 * `installPrometheusStack`, `installMetricsServer` and `installArgoRollouts` turn on one each, so a cluster that already runs Envoy Gateway and
 * cert-manager can get only CloudNativePG from tierform. `installCloudNativePg` installs the
 * operator with its Barman Cloud plugin (the backups need both; the plugin needs cert-manager,
 * installed by `installCertManager` or already on the cluster).
 */
export function operatorsToInstall(system: OperatorNeeds, settings: PlatformSettings): Operator[] {
    const all = settings.installOperators;
    const switches: Record<Operator, boolean> = {
        envoyGateway: all || settings.installEnvoyGateway,
        certManager: all || settings.installCertManager,
        cnpg: all || settings.installCloudNativePg,
        barmanCloud: all || settings.installCloudNativePg,
        keda: all || settings.installKeda,
        kubePrometheusStack: all || settings.installPrometheusStack,
        metricsServer: all || settings.installMetricsServer,
        argoRollouts: all || settings.installArgoRollouts,
        istioBase: all || settings.installIstio,
        istiod: all || settings.installIstio,
        istioCni: all || settings.installIstio,
        ztunnel: all || settings.installIstio,
        loki: all || settings.installObservability,
        tempo: all || settings.installObservability,
        otelCollector: all || settings.installObservability,
        otelLogs: all || settings.installObservability,
    };
    return neededOperators(system, settings).filter((o) => switches[o]);
}

/** Values of the KEDA release: the operator's metrics scraped by kube-prometheus-stack where `monitoringCrds` installs it. */
export function kedaValues(monitoring: boolean): Record<string, unknown> {
    return { prometheus: { operator: { enabled: monitoring, serviceMonitor: { enabled: monitoring } } } };
}

/**
 * The operators `system` needs that this stack does not install: prerequisites the cluster must
 * already run (printed by the offline plan, scripts/offline/prerequisites.ts).
 */
export function prerequisiteOperators(system: OperatorNeeds, settings: PlatformSettings): Operator[] {
    const installed = new Set(operatorsToInstall(system, settings));
    return neededOperators(system, settings).filter((o) => !installed.has(o));
}

/**
 * Values of the Envoy Gateway release: the rate-limit service counts in {@link RATE_LIMIT_REDIS}
 * (docs: tasks/traffic/global-rate-limit, `config.envoyGateway.rateLimit.backend`).
 */
export function envoyGatewayValues(): Record<string, unknown> {
    return { config: { envoyGateway: { rateLimit: { backend: { type: "Redis", redis: { url: RATE_LIMIT_REDIS.url } } } } } };
}

/**
 * Values of the Barman Cloud plugin release: the pinned plugin and sidecar images (the chart's
 * `image`/`sidecarImage` registry, repository and tag — charts plugin-barman-cloud-v0.7.0
 * values.yaml, templates/deployment.yaml and configmap.yaml `SIDECAR_IMAGE`), and limits for the
 * plugin's container (the chart sets none; it already runs non-root with a read-only root).
 */
export function barmanCloudValues(): Record<string, unknown> {
    const image = (pin: typeof PINS.barmanCloudPlugin | typeof PINS.barmanCloudSidecar) => {
        const [registry, ...repository] = pin.packageName.split("/");
        return { registry, repository: repository.join("/"), tag: pin.value };
    };
    return {
        image: image(PINS.barmanCloudPlugin),
        sidecarImage: image(PINS.barmanCloudSidecar),
        resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
    };
}

/**
 * Values of the metrics-server release: the chart's defaults (non-root, read-only root, requests
 * 100m/200Mi — charts/metrics-server/values.yaml) plus a memory limit. Kubelet TLS stays verified: a cluster whose kubelets serve
 * self-signed certificates (kind) needs `--kubelet-insecure-tls`, which tierform never sets for it.
 */
export function metricsServerValues(): Record<string, unknown> {
    return { resources: { requests: { cpu: "100m", memory: "200Mi" }, limits: { memory: "400Mi" } } };
}

/** True when a routed service of `system` rolls out as a canary or blue-green, which Argo Rollouts runs (rollout.ts): its plan's rollout says so. */
export function rollsOut(system: Pick<SystemPlan, "services">): boolean {
    return Object.values(system.services).some((s) => s.rollout.routed && s.rollout.strategy !== "rolling");
}

/** The name Argo Rollouts knows the Gateway API traffic-router plugin by (plugin docs/installation.md). */
export const GATEWAY_API_PLUGIN = "argoproj-labs/gatewayAPI";

/** Where the controller finds the Gateway API plugin: an emptyDir the init container fills. */
const PLUGIN_DIR = "/plugins";

/**
 * Values of the Argo Rollouts release: the Gateway API traffic-router plugin
 * ({@link GATEWAY_API_PLUGIN}) copied from its pinned image into an emptyDir by an init container
 * running as the image's user 999 under the restricted profile, and loaded from there
 * (`file://`, so the controller downloads nothing at start; argo-helm charts/argo-rollouts
 * values.yaml `controller.trafficRouterPlugins`, `initContainers`, `volumes`); the chart's
 * Gateway API RBAC (`providerRBAC.providers.gatewayAPI`, on by default) lets the plugin update
 * HTTPRoutes; limits for the controller (the chart sets none); the chart's pod and container
 * security contexts already meet the restricted profile (runAsNonRoot, no privilege escalation,
 * all capabilities dropped, read-only root, seccomp RuntimeDefault). The dashboard stays off.
 */
export function argoRolloutsValues(gatewayApi = true): Record<string, unknown> {
    const resources = { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } };
    // Without HTTPRoutes to weight (the EKS placement, whose edge is the AWS load balancer) the controller needs no plugin.
    if (!gatewayApi)
        return {
            controller: { resources },
            providerRBAC: { enabled: true, providers: { gatewayAPI: false } },
            dashboard: { enabled: false },
        };
    const plugin = PINS.argoRolloutsGatewayApiPlugin;
    const binary = "rollouts-plugin-trafficrouter-gatewayapi";
    return {
        controller: {
            initContainers: [
                restrictedContainer(
                    999,
                    999,
                    { cpu: 0.1, memoryMb: 64 },
                    {
                        name: "copy-gateway-api-plugin",
                        image: `${plugin.packageName}:${plugin.value}`,
                        command: ["cp", `/bin/${binary}`, `${PLUGIN_DIR}/`],
                        volumeMounts: [{ name: "gateway-api-plugin", mountPath: PLUGIN_DIR }],
                    },
                ),
            ],
            trafficRouterPlugins: [{ name: GATEWAY_API_PLUGIN, location: `file://${PLUGIN_DIR}/${binary}` }],
            volumes: [{ name: "gateway-api-plugin", emptyDir: { sizeLimit: "100Mi" } }],
            volumeMounts: [{ name: "gateway-api-plugin", mountPath: PLUGIN_DIR }],
            resources,
        },
        providerRBAC: { enabled: true, providers: { gatewayAPI: true } },
        dashboard: { enabled: false },
    };
}

/** Arguments of {@link KubernetesOperators}. */
export interface KubernetesOperatorsArgs {
    /** The system's plan: what its operators are needed for. */
    system: OperatorNeeds;
    /** The stack's settings. */
    settings: PlatformSettings;
}

/** Helm releases of the operators to install (none by default: they are prerequisites). */
export class KubernetesOperators extends pulumi.ComponentResource {
    /** The releases by operator; an operator left out is a prerequisite. */
    readonly byName: Partial<Record<Operator, k8s.helm.v3.Release>> = {};
    /** What tierform adds to an installed operator (Envoy Gateway's GatewayClass and rate-limit Redis). */
    readonly extras: pulumi.Resource[] = [];

    constructor(name: string, args: KubernetesOperatorsArgs, opts?: pulumi.ComponentResourceOptions) {
        // The prerequisites with their charts, as the component's inputs: the offline engine's rule
        // kubernetes-custom-resource-crd-installed accepts their CRDs on a cluster the run does not create.
        const prerequisites = prerequisiteOperators(args.system, args.settings).map((o) => ({
            operator: o,
            chart: CHARTS[o].chart,
            repo: CHARTS[o].repo,
        }));
        super("tierform:kubernetes:Operators", name, { prerequisites }, opts);
        const { system, settings } = args;
        const install = new Set(operatorsToInstall(system, settings));
        const monitoring = settings.monitoringCrds;
        const values: Record<Operator, Record<string, unknown>> = {
            kubePrometheusStack: {
                prometheus: {
                    prometheusSpec: {
                        serviceMonitorSelectorNilUsesHelmValues: false,
                        podMonitorSelectorNilUsesHelmValues: false,
                        ruleSelectorNilUsesHelmValues: false,
                        // In the mesh, so its scrapes reach the services over mutual TLS (their peer authentication is STRICT).
                        ...(settings.mesh ? { podMetadata: { labels: AMBIENT_LABEL } } : {}),
                    },
                },
                grafana: grafanaValues(),
            },
            certManager: { crds: { enabled: true }, prometheus: { servicemonitor: { enabled: monitoring } } },
            cnpg: { monitoring: { podMonitorEnabled: monitoring } },
            barmanCloud: barmanCloudValues(),
            keda: kedaValues(monitoring),
            envoyGateway: envoyGatewayValues(),
            metricsServer: metricsServerValues(),
            argoRollouts: argoRolloutsValues(),
            istioBase: {},
            istiod: { profile: "ambient" },
            istioCni: { profile: "ambient" },
            ztunnel: {},
            loki: lokiValues(system.observability.logRetentionDays),
            tempo: tempoValues(system.observability.logRetentionDays),
            otelCollector: otelGatewayValues(),
            otelLogs: otelLogsValues(),
        };
        const logNamespace = install.has("otelLogs") ? logCollectorNamespace(`${name}-log-collector`, { parent: this }) : undefined;
        const meshNamespace = install.has("istioCni") ? istioNamespace(`${name}-istio-system`, { parent: this }) : undefined;
        // kube-prometheus-stack first: the others create ServiceMonitors/PodMonitors when monitoring is on.
        // The Barman Cloud plugin after CloudNativePG and cert-manager (its Issuer and Certificates).
        // Istio's charts in their order (base's CRDs, istiod, the CNI node agent, ztunnel), before the workloads they carry.
        const order = [
            ...ISTIO_CHARTS,
            "kubePrometheusStack",
            "certManager",
            "cnpg",
            "barmanCloud",
            "keda",
            "envoyGateway",
            "metricsServer",
            "argoRollouts",
            "loki",
            "tempo",
            "otelCollector",
            "otelLogs",
        ] as const;
        for (const key of order) {
            if (!install.has(key)) continue;
            const c = CHARTS[key];
            const istio = (ISTIO_CHARTS as readonly string[]).includes(key);
            const prom = key === "kubePrometheusStack" || istio ? undefined : this.byName.kubePrometheusStack;
            const previous = istio ? ISTIO_CHARTS[ISTIO_CHARTS.indexOf(key as (typeof ISTIO_CHARTS)[number]) - 1] : undefined;
            const after: pulumi.Resource[] =
                key === "barmanCloud"
                    ? [this.byName.cnpg, this.byName.certManager].filter((r) => r !== undefined)
                    : previous && this.byName[previous]
                      ? [this.byName[previous]]
                      : [];
            if (key === "otelLogs") after.push(logNamespace!, ...[this.byName.loki].filter((r) => r !== undefined));
            if (istio && meshNamespace) after.push(meshNamespace);
            if (key === "otelCollector") after.push(...[this.byName.tempo].filter((r) => r !== undefined));
            // Istio's charts are released under the names its docs use (istio-base, istiod, istio-cni, ztunnel).
            const release =
                RELEASE_NAMES[key] ??
                (istio && !c.chart.startsWith("istio") && c.chart !== "ztunnel" ? `istio-${c.chart}` : c.chart.split("/").pop()!);
            this.byName[key] = new k8s.helm.v3.Release(
                `${name}-${release}`,
                {
                    name: release,
                    chart: c.chart,
                    version: c.version,
                    ...(c.repo ? { repositoryOpts: { repo: c.repo } } : {}),
                    namespace: c.namespace,
                    createNamespace: key !== "otelLogs" && !(istio && meshNamespace),
                    atomic: true,
                    timeout: 600,
                    values: values[key],
                },
                { parent: this, dependsOn: [...(prom ? [prom] : []), ...after] },
            );
        }
        if (neededOperators(system, settings).includes("metricsServer") && !install.has("metricsServer"))
            pulumi.log.info(
                `${system.name}: CPU/memory autoscaling (HPAs, KEDA cpu/memory triggers) needs metrics-server on the cluster; ` +
                    "set tierform:installMetricsServer (or installOperators) unless it has one (k3s, minikube's addon, the EKS add-on)",
            );
        const eg = this.byName.envoyGateway;
        if (eg) this.extras.push(...envoyGatewayExtras(name, this, eg));
        this.registerOutputs({});
    }

    /** The releases the objects of `operators` wait for (nothing for a prerequisite). */
    releases(...operators: Operator[]): pulumi.Resource[] {
        return [
            ...operators.flatMap((o) => (this.byName[o] ? [this.byName[o]] : [])),
            ...(operators.includes("envoyGateway") ? this.extras : []),
        ];
    }
}

/**
 * Why istio-system enforces Pod Security `privileged`: the istio-cni node agent mounts the node's CNI directories
 * (hostPath), which baseline forbids, so "the namespace where the CNI DaemonSet will be deployed needs to enforce the
 * privileged policy" (istio.io docs setup/additional-setup/pod-security-admission); ambient's ztunnel beside it adds
 * Linux capabilities (NET_ADMIN among them: the ztunnel chart's templates/daemonset.yaml) to open its sockets inside
 * each pod's network namespace, which restricted forbids. The application namespaces keep restricted: ambient injects
 * nothing into their pods.
 */
export const ISTIO_POD_SECURITY_EXCEPTION =
    "Istio's CNI node agent mounts the node's CNI directories (hostPath) and ztunnel adds capabilities (NET_ADMIN) to redirect each ambient pod's traffic, which baseline and restricted forbid; only Istio runs here.";

/** istio-system, created before Istio's charts when tierform installs them, enforcing `privileged` with its reason ({@link ISTIO_POD_SECURITY_EXCEPTION}). */
export function istioNamespace(name: string, opts: pulumi.CustomResourceOptions): k8s.core.v1.Namespace {
    return new k8s.core.v1.Namespace(
        name,
        {
            metadata: {
                name: OPERATOR_NAMESPACES.istio,
                labels: { "pod-security.kubernetes.io/enforce": "privileged", "pod-security.kubernetes.io/enforce-version": "latest" },
                annotations: { [K8S_ANNOTATION.podSecurityException]: ISTIO_POD_SECURITY_EXCEPTION },
            },
        },
        opts,
    );
}

/**
 * The pods of Envoy Gateway's rate-limit service, the only client of {@link RATE_LIMIT_REDIS}: the
 * labels Envoy Gateway gives its `envoy-ratelimit` Deployment (envoyproxy/gateway
 * internal/infrastructure/kubernetes/ratelimit/testdata/deployments/*.yaml, `rateLimitLabels()`).
 */
export const RATE_LIMIT_PODS = {
    "app.kubernetes.io/name": "envoy-ratelimit",
    "app.kubernetes.io/component": "ratelimit",
    "app.kubernetes.io/managed-by": "envoy-gateway",
};

/**
 * Why the rate-limit Redis runs one replica (the `tierform.io/singleton` annotation the
 * `min-replicas` policy honours): Envoy Gateway's global rate limit is "a shared rate limit … across
 * all the instances of Envoy proxies" (docs tasks/traffic/global-rate-limit) because every
 * rate-limit replica counts in one Redis; two independent Redis pods behind one Service would each
 * hold part of a client's count, so a client would get up to twice its limit. Losing the pod loses
 * a minute of counters, and while it restarts the limit is not enforced (a BackendTrafficPolicy's
 * `rateLimit.failClosed` defaults to false: traffic passes), so it is no outage of the edge.
 */
export const RATE_LIMIT_REDIS_SINGLETON_REASON =
    "one shared counter store: two Redis replicas would split each client's count and double its limit";

/**
 * Envoy Gateway's cluster-wide companions: the GatewayClass {@link GATEWAY_CLASS} of its
 * controller, the Redis its rate-limit service counts in (one replica by design, see
 * {@link RATE_LIMIT_REDIS_SINGLETON_REASON}; no persistence: counters of a minute; non-root,
 * read-only root, restricted PSA), and the namespace's NetworkPolicies ({@link envoyGatewayNetworkPolicies}).
 */
function envoyGatewayExtras(name: string, parent: pulumi.Resource, release: k8s.helm.v3.Release): pulumi.Resource[] {
    const ns = OPERATOR_NAMESPACES.envoyGateway;
    const opts = { parent, dependsOn: [release] };
    const labels = { "app.kubernetes.io/name": RATE_LIMIT_REDIS.name, "app.kubernetes.io/managed-by": "tierform" };
    const gatewayClass = new k8s.apiextensions.CustomResource(
        `${name}-gatewayclass`,
        {
            apiVersion: "gateway.networking.k8s.io/v1",
            kind: "GatewayClass",
            metadata: { name: GATEWAY_CLASS },
            spec: { controllerName: ENVOY_GATEWAY_CONTROLLER },
        },
        opts,
    );
    const redis = new k8s.apps.v1.Deployment(
        `${name}-${RATE_LIMIT_REDIS.name}`,
        {
            metadata: {
                name: RATE_LIMIT_REDIS.name,
                namespace: ns,
                labels,
                annotations: { [K8S_ANNOTATION.singleton]: "true", "tierform.io/singleton-reason": RATE_LIMIT_REDIS_SINGLETON_REASON },
            },
            spec: {
                replicas: 1,
                // Never two counter stores at once, not even during a roll-out.
                strategy: { type: "Recreate" },
                selector: { matchLabels: labels },
                template: {
                    metadata: { labels },
                    spec: restrictedPodSpec(999, 1000, {
                        containers: [
                            restrictedContainer(
                                999,
                                1000,
                                { cpu: 0.1, memoryMb: 128 },
                                {
                                    name: "redis",
                                    image: datastoreImage("redis", "7"),
                                    args: [
                                        "--port",
                                        String(RATE_LIMIT_REDIS.port),
                                        "--save",
                                        "",
                                        "--appendonly",
                                        "no",
                                        "--maxmemory",
                                        "96mb",
                                        "--maxmemory-policy",
                                        "allkeys-lru",
                                    ],
                                    ports: [{ name: "redis", containerPort: RATE_LIMIT_REDIS.port }],
                                    readinessProbe: { tcpSocket: { port: "redis" }, periodSeconds: 5 },
                                    livenessProbe: { tcpSocket: { port: "redis" }, periodSeconds: 10 },
                                    volumeMounts: [{ name: "data", mountPath: "/data" }],
                                },
                            ),
                        ],
                        volumes: [{ name: "data", emptyDir: { sizeLimit: "64Mi" } }],
                    }),
                },
            },
        },
        opts,
    );
    const service = new k8s.core.v1.Service(
        `${name}-${RATE_LIMIT_REDIS.name}`,
        {
            metadata: { name: RATE_LIMIT_REDIS.name, namespace: ns, labels },
            spec: { type: "ClusterIP", selector: labels, ports: [{ name: "redis", port: RATE_LIMIT_REDIS.port, targetPort: "redis" }] },
        },
        opts,
    );
    const policies = Object.entries(envoyGatewayNetworkPolicies(labels)).map(
        ([policyName, spec]) =>
            new k8s.networking.v1.NetworkPolicy(
                `${name}-${policyName}`,
                { metadata: { name: policyName, namespace: ns, labels: { "app.kubernetes.io/managed-by": "tierform" } }, spec },
                opts,
            ),
    );
    return [gatewayClass, redis, service, ...policies];
}

/**
 * The NetworkPolicies tierform puts in Envoy Gateway's namespace when it installs Envoy Gateway
 * (pure; keyed by object name):
 *
 * - `default-deny-ingress`: nothing reaches a pod of the namespace unless a policy admits it;
 * - `allow-ratelimit-redis`: the rate-limit Redis ({@link RATE_LIMIT_REDIS}, pods `redisLabels`)
 *   admits only the rate-limit service ({@link RATE_LIMIT_PODS}) on its port, and sends nothing
 *   (Egress with no rule);
 * - `allow-envoy-gateway`: every other pod of the namespace — the ones the chart and its controller
 *   own: the controller (xDS, Wasm cache, webhook, metrics), the rate-limit service and the Envoy
 *   proxies that serve the Gateway to the internet — keeps the ingress it had before, from anywhere:
 *   their ports are Envoy Gateway's to choose (a proxy listens on the Gateway's ports + 10000 when
 *   below 1024) and change between releases, and a wrong guess here would take the edge down.
 *   Tightening them is Envoy Gateway's own configuration, not tierform's.
 */
export function envoyGatewayNetworkPolicies(redisLabels: Record<string, string>): Record<string, k8sTypes.networking.v1.NetworkPolicySpec> {
    return {
        "default-deny-ingress": { podSelector: {}, policyTypes: ["Ingress"] },
        "allow-ratelimit-redis": {
            podSelector: { matchLabels: redisLabels },
            policyTypes: ["Ingress", "Egress"],
            ingress: [
                { from: [{ podSelector: { matchLabels: RATE_LIMIT_PODS } }], ports: [{ port: RATE_LIMIT_REDIS.port, protocol: "TCP" }] },
            ],
        },
        "allow-envoy-gateway": {
            podSelector: {
                matchExpressions: [{ key: "app.kubernetes.io/name", operator: "NotIn", values: [redisLabels["app.kubernetes.io/name"]] }],
            },
            policyTypes: ["Ingress"],
            ingress: [{}],
        },
    };
}
