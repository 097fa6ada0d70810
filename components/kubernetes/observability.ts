/**
 * Observability on Kubernetes, from the plan (plan/observability.ts):
 *
 * - the system's Grafana dashboard (components/shared/dashboards.ts) as a ConfigMap labelled
 *   `grafana_dashboard: "1"` in the system's namespace, which the dashboard sidecar of
 *   kube-prometheus-stack's Grafana provisions (values {@link grafanaValues}: every namespace searched,
 *   the Loki and Tempo data sources with the uids the dashboards name);
 * - with `tierform:installObservability` (or `installOperators`), the parts operators.ts installs:
 *   Loki (logs, retention `observability.logRetentionDays`), Tempo (traces), an OpenTelemetry
 *   Collector gateway that receives the services' OTLP (the `OTEL_EXPORTER_OTLP_ENDPOINT` of
 *   plan/support/kubernetes.ts) and forwards spans to Tempo, and an OpenTelemetry Collector
 *   DaemonSet in its own namespace {@link LOG_COLLECTOR_NAMESPACE} that reads every node's pod logs
 *   (`/var/log/pods`, a hostPath) and ships them to Loki's OTLP endpoint with the labels `system`
 *   and `component` (the pods' app.kubernetes.io/part-of and name labels) the dashboards query.
 *
 * Why these parts (maintenance checked 2026-12-07 with the research tools): the OpenTelemetry
 * Collector (CNCF; chart 0.158.3 / collector 0.153.0) is the trace gateway anyway, and its filelog
 * receiver with the chart's `logsCollection` preset makes it the node log collector too — one
 * binary and one configuration language on every platform (the dev profile runs the same), where
 * Grafana Alloy (Grafana's successor of Promtail and Grafana Agent) or Fluent Bit would be a second
 * agent. Loki (chart 6.29.0, Loki 3.4.2) over OpenSearch: it indexes labels, not the text, so one
 * replica on a filesystem volume holds weeks of a staging system's logs in little memory, ingests OTLP
 * natively, and Grafana queries it beside Prometheus; OpenSearch's full-text index needs a JVM
 * cluster sized in GiB. Tempo (single binary, chart 1.26.2 from grafana-community/helm-charts, where
 * Grafana moved it; Tempo 2.10.0) over Jaeger v2: the same Grafana, TraceQL in the dashboards.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { SystemPlan } from "../../plan";
import { promContext } from "../shared/alert-rules";
import { DATASOURCE_UIDS, LOG_LABELS, lokiLimits, renderDashboard } from "../shared/dashboards";

/** The namespace of the node log collector: its pods mount the node's /var/log/pods (hostPath), which only the `privileged` Pod Security level admits (baseline forbids hostPath volumes). */
export const LOG_COLLECTOR_NAMESPACE = "log-collector";

/** Where the parts run (the monitoring namespace, kube-prometheus-stack's) and how the others reach them. */
export const OBSERVABILITY_SERVICES = {
    loki: "http://loki.monitoring.svc.cluster.local:3100",
    tempoQuery: "http://tempo.monitoring.svc.cluster.local:3200",
    tempoOtlp: "tempo.monitoring.svc.cluster.local:4317",
};

/** The gateway collector's pods (the opentelemetry-collector chart's selector labels: name, instance = the release). */
export const OTEL_GATEWAY_PODS = { "app.kubernetes.io/name": "opentelemetry-collector", "app.kubernetes.io/instance": "otel-collector" };

/** The OTLP/HTTP port the services export to (plan/support/kubernetes.ts `telemetry.otlpEndpoint`). */
export const OTLP_HTTP_PORT = 4318;

/** kube-prometheus-stack's `grafana` values: the dashboard sidecar searches every namespace; Loki and Tempo as data sources with the dashboards' uids. */
export function grafanaValues(): Record<string, unknown> {
    return {
        sidecar: { dashboards: { enabled: true, label: "grafana_dashboard", labelValue: "1", searchNamespace: "ALL" } },
        additionalDataSources: [
            { name: "Loki", type: "loki", uid: DATASOURCE_UIDS.loki, access: "proxy", url: OBSERVABILITY_SERVICES.loki },
            { name: "Tempo", type: "tempo", uid: DATASOURCE_UIDS.tempo, access: "proxy", url: OBSERVABILITY_SERVICES.tempoQuery },
        ],
    };
}

/**
 * Loki in one binary on a filesystem volume (chart 6.x `deploymentMode: SingleBinary`, the other
 * targets at 0 replicas), retention by its compactor, OTLP ingestion with `system` and `component`
 * indexed as labels (limits_config.otlp_config: Loki docs, "Ingesting logs to Loki using OpenTelemetry Collector").
 */
export function lokiValues(retentionDays: number): Record<string, unknown> {
    return {
        deploymentMode: "SingleBinary",
        loki: {
            auth_enabled: false,
            commonConfig: { replication_factor: 1 },
            storage: { type: "filesystem" },
            schemaConfig: {
                configs: [
                    {
                        from: "2024-01-01",
                        store: "tsdb",
                        object_store: "filesystem",
                        schema: "v13",
                        index: { prefix: "loki_index_", period: "24h" },
                    },
                ],
            },
            limits_config: lokiLimits(retentionDays),
            compactor: { retention_enabled: true, delete_request_store: "filesystem" },
        },
        singleBinary: { replicas: 1, persistence: { enabled: true, size: "20Gi" }, resources: { limits: { memory: "1Gi" } } },
        read: { replicas: 0 },
        write: { replicas: 0 },
        backend: { replicas: 0 },
        gateway: { enabled: false },
        chunksCache: { enabled: false },
        resultsCache: { enabled: false },
        lokiCanary: { enabled: false },
        test: { enabled: false },
    };
}

/** Tempo in one binary: OTLP in (gRPC 4317 from the gateway), blocks kept as long as the logs. */
export function tempoValues(retentionDays: number): Record<string, unknown> {
    return {
        tempo: {
            retention: `${retentionDays * 24}h`,
            receivers: { otlp: { protocols: { grpc: { endpoint: "0.0.0.0:4317" } } } },
            resources: { limits: { memory: "1Gi" } },
        },
        persistence: { enabled: true, size: "10Gi" },
    };
}

/** The gateway collector: OTLP/HTTP from the services, spans batched to Tempo. */
export function otelGatewayValues(): Record<string, unknown> {
    return {
        mode: "deployment",
        fullnameOverride: "otel-collector",
        image: { repository: "otel/opentelemetry-collector-contrib" },
        resources: { limits: { memory: "512Mi" } },
        config: {
            exporters: { "otlp/tempo": { endpoint: OBSERVABILITY_SERVICES.tempoOtlp, tls: { insecure: true } } },
            service: { pipelines: { traces: { receivers: ["otlp"], processors: ["memory_limiter", "batch"], exporters: ["otlp/tempo"] } } },
        },
    };
}

/** The node log collector: a DaemonSet with the chart's logsCollection (filelog on /var/log/pods) and kubernetesAttributes presets, to Loki over OTLP. */
export function otelLogsValues(): Record<string, unknown> {
    return {
        mode: "daemonset",
        fullnameOverride: "otel-logs",
        image: { repository: "otel/opentelemetry-collector-contrib" },
        presets: { logsCollection: { enabled: true }, kubernetesAttributes: { enabled: true } },
        resources: { limits: { memory: "256Mi" } },
        config: {
            processors: {
                k8sattributes: {
                    extract: {
                        labels: [
                            { tag_name: LOG_LABELS.system, key: "app.kubernetes.io/part-of", from: "pod" },
                            { tag_name: LOG_LABELS.component, key: "app.kubernetes.io/name", from: "pod" },
                        ],
                    },
                },
            },
            exporters: { "otlphttp/loki": { endpoint: `${OBSERVABILITY_SERVICES.loki}/otlp` } },
            service: { pipelines: { logs: { exporters: ["otlphttp/loki"] } } },
        },
    };
}

/** The node log collector's namespace, labelled for the `privileged` Pod Security level (see {@link LOG_COLLECTOR_NAMESPACE}). */
export function logCollectorNamespace(name: string, opts: pulumi.CustomResourceOptions): k8s.core.v1.Namespace {
    return new k8s.core.v1.Namespace(
        name,
        {
            metadata: {
                name: LOG_COLLECTOR_NAMESPACE,
                labels: {
                    "pod-security.kubernetes.io/enforce": "privileged",
                    "pod-security.kubernetes.io/enforce-version": "latest",
                },
                annotations: {
                    "tierform.io/pod-security-exception":
                        "The node log collector mounts the node's /var/log/pods read-only (hostPath), which baseline and restricted forbid; nothing else runs here.",
                },
            },
        },
        opts,
    );
}

/** Arguments of {@link KubernetesDashboards}. */
export interface KubernetesDashboardsArgs {
    /** The system's plan: its rows, signals and routes. */
    plan: SystemPlan;
    /** The namespace the system runs in (the dashboard's queries and the ConfigMap's place). */
    namespace: pulumi.Input<string>;
    /** The namespace's name as a plain string (for the PromQL). */
    namespaceName: string;
    /** Labels of the ConfigMap (the system's). */
    labels: Record<string, string>;
}

/** The system's Grafana dashboard as a ConfigMap the Grafana sidecar provisions. Type token `tierform:kubernetes:Dashboards`. */
export class KubernetesDashboards extends pulumi.ComponentResource {
    constructor(name: string, args: KubernetesDashboardsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("tierform:kubernetes:Dashboards", name, {}, opts);
        const dashboard = renderDashboard(args.plan, { metrics: promContext(args.plan, args.namespaceName) });
        new k8s.core.v1.ConfigMap(
            `${name}-dashboard`,
            {
                metadata: {
                    name: `${args.plan.name}-dashboard`,
                    namespace: args.namespace,
                    labels: { ...args.labels, grafana_dashboard: "1" },
                },
                data: { [`${args.plan.name}.json`]: JSON.stringify(dashboard) },
            },
            { parent: this },
        );
        this.registerOutputs({});
    }
}
