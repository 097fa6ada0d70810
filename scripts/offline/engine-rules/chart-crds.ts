/**
 * Which CustomResourceDefinitions each pinned Helm chart installs, for the engine rule
 * `kubernetes-custom-resource-crd-installed` (kubernetes.ts): a custom resource is accepted only
 * once its CRD is on the cluster, and a Helm release of the run is one of the things that put it
 * there. One entry per chart pin of conventions/pins.ts, read at the pinned version (`version`;
 * test/offline/engine-rules.test.ts fails when a pin moves and its entry does not, so a chart bump
 * re-reads its CRDs). A chart whose entry lists no kind installs no CRD an object of tierform uses.
 *
 * How Helm installs them decides when a release does not: CRDs in a chart's `crds/` directory are
 * installed unless the release sets `skipCrds` (https://helm.sh/docs/chart_best_practices/custom_resource_definitions/,
 * "Method 1"); CRDs among its templates are rendered like any template, behind the chart's own
 * switch (`gate`, with the chart's default).
 */
import { PINS } from "../../../conventions/pins";

/** Where a chart keeps its CRDs: Helm's `crds/` directory, or its templates behind a values switch. */
export type CrdPlacement = { dir: "crds" } | { dir: "templates"; gate: { paths: readonly string[]; default: boolean } };

/** The CRDs one chart installs at its pinned version. */
export interface ChartCrds {
    /** The chart version the kinds were read at (must equal the pin's). */
    version: string;
    /** Every CRD it installs, as `<group>/<Kind>`. */
    kinds: readonly string[];
    /** How Helm installs them (absent: the chart installs no CRD tierform's objects use). */
    placement?: CrdPlacement;
    /** Where the kinds were read: repository, path, tag. */
    source: string;
}

/** The pin keys of the charts. */
export type ChartPin = { [K in keyof typeof PINS]: (typeof PINS)[K]["kind"] extends "chart" ? K : never }[keyof typeof PINS];

const group = (g: string, ...kinds: string[]) => kinds.map((k) => `${g}/${k}`);

/** The table: chart pin → the CRDs the chart installs. */
export const CHART_CRDS: Record<ChartPin, ChartCrds> = {
    envoyGatewayChart: {
        version: "v1.9.0",
        kinds: [
            ...group(
                "gateway.networking.k8s.io",
                "GatewayClass",
                "Gateway",
                "HTTPRoute",
                "GRPCRoute",
                "ReferenceGrant",
                "BackendTLSPolicy",
                "TCPRoute",
                "TLSRoute",
                "UDPRoute",
            ),
            ...group(
                "gateway.envoyproxy.io",
                "Backend",
                "BackendTrafficPolicy",
                "ClientTrafficPolicy",
                "EnvoyExtensionPolicy",
                "EnvoyPatchPolicy",
                "EnvoyProxy",
                "HTTPRouteFilter",
                "SecurityPolicy",
            ),
        ],
        placement: { dir: "crds" },
        source: "envoyproxy/gateway v1.9.0 charts/gateway-helm/crds/gatewayapi-crds.yaml (the Gateway API CRDs) and crds/generated/gateway.envoyproxy.io_*.yaml",
    },
    certManagerChart: {
        version: "v1.21.1",
        kinds: [
            ...group("cert-manager.io", "Certificate", "CertificateRequest", "Issuer", "ClusterIssuer"),
            ...group("acme.cert-manager.io", "Order", "Challenge"),
        ],
        placement: { dir: "templates", gate: { paths: ["crds.enabled", "installCRDs"], default: false } },
        source: "cert-manager/cert-manager v1.21.1 deploy/charts/cert-manager/templates/crd-*.yaml (rendered with crds.enabled, default false, or the older installCRDs)",
    },
    cnpgChart: {
        version: "0.29.0",
        kinds: group(
            "postgresql.cnpg.io",
            "Backup",
            "Cluster",
            "ClusterImageCatalog",
            "Database",
            "ImageCatalog",
            "Pooler",
            "Publication",
            "ScheduledBackup",
            "Subscription",
        ),
        placement: { dir: "templates", gate: { paths: ["crds.create"], default: true } },
        source: "cloudnative-pg/charts cloudnative-pg-v0.29.0 charts/cloudnative-pg/templates/crds/crds.yaml (behind crds.create, default true)",
    },
    barmanCloudPluginChart: {
        version: "0.7.0",
        kinds: group("barmancloud.cnpg.io", "ObjectStore"),
        placement: { dir: "templates", gate: { paths: ["crds.create"], default: true } },
        source: "cloudnative-pg/charts plugin-barman-cloud-v0.7.0 charts/plugin-barman-cloud/templates/crds/crds.yaml (behind crds.create, default true)",
    },
    kedaChart: {
        version: "2.20.2",
        kinds: [
            ...group("keda.sh", "ScaledObject", "ScaledJob", "TriggerAuthentication", "ClusterTriggerAuthentication"),
            ...group("eventing.keda.sh", "CloudEventSource", "ClusterCloudEventSource"),
        ],
        placement: { dir: "templates", gate: { paths: ["crds.install"], default: true } },
        source: "kedacore/charts v2.20.2 keda/templates/crds/crd-*.yaml (behind crds.install, default true)",
    },
    kubePrometheusStackChart: {
        version: "88.5.3",
        kinds: group(
            "monitoring.coreos.com",
            "Alertmanager",
            "AlertmanagerConfig",
            "PodMonitor",
            "Probe",
            "Prometheus",
            "PrometheusAgent",
            "PrometheusRule",
            "ScrapeConfig",
            "ServiceMonitor",
            "ThanosRuler",
        ),
        placement: { dir: "crds" },
        source: "prometheus-community/helm-charts kube-prometheus-stack-88.5.3 charts/kube-prometheus-stack/charts/crds/crds/crd-*.yaml (the crds subchart, condition crds.enabled, default true)",
    },
    otelCollectorChart: {
        version: "0.158.3",
        kinds: [],
        source: "open-telemetry/opentelemetry-helm-charts charts/opentelemetry-collector (no crds/, no CRD template)",
    },
    lokiChart: { version: "6.29.0", kinds: [], source: "grafana/loki production/helm/loki (no CRD tierform's objects use)" },
    tempoChart: { version: "1.26.2", kinds: [], source: "grafana-community/helm-charts charts/tempo (no crds/, no CRD template)" },
    argoRolloutsChart: {
        version: "2.41.0",
        kinds: group("argoproj.io", "Rollout", "AnalysisTemplate", "ClusterAnalysisTemplate", "AnalysisRun", "Experiment"),
        placement: { dir: "templates", gate: { paths: ["installCRDs"], default: true } },
        source: "argoproj/argo-helm argo-rollouts-2.41.0 charts/argo-rollouts/templates/crds/{rollout,analysis-template,cluster-analysis-template,analysis-run,experiment}-crd.yaml (behind installCRDs, default true)",
    },
    metricsServerChart: {
        version: "3.13.1",
        kinds: [],
        source: "kubernetes-sigs/metrics-server charts/metrics-server (serves metrics.k8s.io through an APIService, no CRD)",
    },
    externalSecretsChart: {
        version: "2.10.0",
        kinds: group("external-secrets.io", "ExternalSecret", "SecretStore", "ClusterSecretStore", "ClusterExternalSecret", "PushSecret"),
        placement: { dir: "templates", gate: { paths: ["installCRDs"], default: true } },
        source: "external-secrets/external-secrets helm-chart-2.10.0 deploy/charts/external-secrets/templates/crds/*.yaml (behind installCRDs, default true)",
    },
    istioBaseChart: {
        version: "1.31.1",
        kinds: [
            ...group("security.istio.io", "AuthorizationPolicy", "PeerAuthentication", "RequestAuthentication"),
            ...group(
                "networking.istio.io",
                "DestinationRule",
                "EnvoyFilter",
                "Gateway",
                "ProxyConfig",
                "ServiceEntry",
                "Sidecar",
                "VirtualService",
                "WorkloadEntry",
                "WorkloadGroup",
            ),
            ...group("telemetry.istio.io", "Telemetry"),
            ...group("extensions.istio.io", "WasmPlugin"),
        ],
        placement: { dir: "templates", gate: { paths: ["base.enableCRDTemplates"], default: true } },
        source: "istio/istio 1.31.1 manifests/charts/base/templates/crds.yaml (files/crd-all.gen.yaml behind base.enableCRDTemplates, default true: Istio self-manages its CRDs as templates)",
    },
    istiodChart: {
        version: "1.31.1",
        kinds: [],
        source: "istio/istio manifests/charts/istio-control/istio-discovery (the CRDs are base's)",
    },
    istioCniChart: { version: "1.31.1", kinds: [], source: "istio/istio manifests/charts/istio-cni (no CRD)" },
    ztunnelChart: { version: "1.31.1", kinds: [], source: "istio/istio manifests/charts/ztunnel (no CRD)" },
};

/** The value at a dotted `path` of Helm values, if set. */
function valueAt(values: unknown, path: string): unknown {
    let v: unknown = values;
    for (const key of path.split(".")) v = v !== null && typeof v === "object" ? (v as Record<string, unknown>)[key] : undefined;
    return v;
}

/** The chart pin a Helm release installs (its chart, without `oci://`, and repository), if pinned. */
export function chartPinOf(chart: unknown, repo: unknown): ChartPin | undefined {
    const name = String(chart ?? "").replace(/^oci:\/\//, "");
    return (Object.keys(CHART_CRDS) as ChartPin[]).find((k) => {
        const pin = PINS[k] as { packageName: string; registryUrl?: string };
        return pin.packageName === name && (pin.registryUrl === undefined || repo === undefined || pin.registryUrl === repo);
    });
}

/** The CRDs (`<group>/<Kind>`) a Helm release's inputs install: its chart's, unless `skipCrds` or the chart's switch turns them off. */
export function releaseCrds(inputs: Record<string, any>): readonly string[] {
    const pin = chartPinOf(inputs.chart, inputs.repositoryOpts?.repo);
    const entry = pin ? CHART_CRDS[pin] : undefined;
    if (!entry?.placement) return [];
    if (entry.placement.dir === "crds") return inputs.skipCrds === true ? [] : entry.kinds;
    const set = entry.placement.gate.paths.map((p) => valueAt(inputs.values, p)).find((v) => v !== undefined);
    return (set === undefined ? entry.placement.gate.default : set !== false) ? entry.kinds : [];
}

/** The charts (pin keys) whose table entry lists `kind` (`<group>/<Kind>`). */
export function chartsShipping(kind: string): ChartPin[] {
    return (Object.keys(CHART_CRDS) as ChartPin[]).filter((k) => CHART_CRDS[k].kinds.includes(kind));
}
