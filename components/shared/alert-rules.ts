/**
 * Prometheus alerting rules of a system, as plain data (no Pulumi): the Kubernetes platform puts
 * them in a prometheus-operator `PrometheusRule`; test/tools/promtool.test.ts checks them with the
 * real `promtool check rules`.
 *
 * - The seeds' rules, as the Asset Management seed writes them, thresholds from `system.monitoring`:
 *   `HighErrorRate` (`rate(http_requests_total{status=~"5.."}[5m]) > errorRatePercent/100`, for
 *   2m, critical) and, per PostgreSQL database, `DatabaseSlowQueries`
 *   (`pg_stat_database_xact_commit{datname="<db>"} > slowQueryCommitsPerSecond`, for 5m,
 *   warning). With the defaults they are the seed's text exactly. Note the seed's semantics: the
 *   first compares a per-second rate of 5xx responses (not a ratio) and the second a counter; they
 *   are kept verbatim, and `HighErrorRatio` and `HighLatencyP99` below state the intent exactly.
 * - A recording rule `pg_stat_database_xact_commit` from CloudNativePG's
 *   `cnpg_pg_stat_database_xact_commit`, so the seed's expression finds its series on CNPG.
 * - Availability, from kube-state-metrics: a Deployment with unavailable replicas, a scheduler
 *   (one-replica StatefulSet) not running, a crash-looping pod, a StatefulSet (datastore) not
 *   ready, a failed backup Job, and a backup that has not succeeded within its schedule's longest
 *   gap plus an hour (counted from the CronJob's creation until its first success).
 * - Per PostgreSQL database, `PostgresBaseBackupMissing`: no base backup available in the WAL
 *   archive within the schedule's longest gap plus an hour (counted from the oldest instance pod's
 *   creation until the first base backup), from the Barman Cloud plugin's
 *   `barman_cloud_cloudnative_pg_io_last_available_backup_timestamp` (exposed by the instance's
 *   exporter; it replaces `cnpg_collector_last_available_backup_timestamp` of the in-tree
 *   backups — plugin-barman-cloud v0.14.0 web/docs/observability.md, web/docs/migration.md step 5),
 *   selected by the Cluster's instance pods: the metric carries no `cluster` label.
 * - {@link METRIC_LABELS}: the labels each selected metric really carries, with its source.
 */
import { stringify } from "yaml";
import { KNOWLEDGE, type AlertPlan, type SystemPlan } from "../../plan";
import { alternation, quoted, signalQueries, type PromContext } from "./promql";

/** Labels Prometheus adds to every series of a prometheus-operator `ServiceMonitor` target (pkg/prometheus/promcfg.go, generateServiceMonitorConfig: relabelings to namespace, service, pod, container, endpoint; job; instance). */
const SERVICE_MONITOR_TARGET = ["namespace", "service", "pod", "container", "endpoint", "job", "instance"];
/** Labels Prometheus adds to every series of a `PodMonitor` target (promcfg.go generatePodMonitorConfig: namespace, pod, container, endpoint; job; instance). */
const POD_MONITOR_TARGET = ["namespace", "pod", "container", "endpoint", "job", "instance"];
/**
 * kube-state-metrics is scraped with `honorLabels: true` by kube-prometheus-stack, so its own
 * `namespace`/`pod`/`container` labels (the object's) win over the target's.
 */
const KSM_TARGET = ["service", "endpoint", "job", "instance"];
/** The kubelet's cAdvisor endpoint is scraped with `honorLabels: true` by kube-prometheus-stack (its kubelet ServiceMonitor), plus the target's service, endpoint, job, instance, node and metrics_path. */
const KUBELET_TARGET = ["service", "endpoint", "job", "instance", "node", "metrics_path"];

/**
 * Every metric a rule of {@link renderAlertRules} selects, with the labels its series really
 * carry (the exporter's own plus its scrape target's) and where that is written. A rule may only
 * filter, group or template on these (test/shared/alert-labels.test.ts holds every rule to it).
 */
export const METRIC_LABELS: Record<string, { labels: string[]; source: string }> = {
    http_requests_total: {
        labels: ["status", ...SERVICE_MONITOR_TARGET],
        source: "the service's own /metrics (the application contract: the seed's rule counts by `status`), scraped by tierform's ServiceMonitor",
    },
    http_request_duration_seconds_bucket: {
        labels: ["le", "status", ...SERVICE_MONITOR_TARGET],
        source: "the service's own /metrics (a Prometheus histogram: `le`), scraped by tierform's ServiceMonitor",
    },
    cnpg_pg_stat_database_xact_commit: {
        labels: ["datname", ...POD_MONITOR_TARGET],
        source: "CloudNativePG config/manager/default-monitoring.yaml query pg_stat_database (datname: LABEL, xact_commit: COUNTER), prefix cnpg_; CloudNativePG's PodMonitor",
    },
    pg_stat_database_xact_commit: {
        labels: ["datname", ...POD_MONITOR_TARGET],
        source: "this file's recording rule over cnpg_pg_stat_database_xact_commit (keeps its labels)",
    },
    cnpg_collector_up: {
        labels: ["cluster", ...POD_MONITOR_TARGET],
        source: "CloudNativePG pkg/management/postgres/webserver/metricserver/pg_collector.go PostgreSQLUp: GaugeVec{cluster} = the Cluster's name; CloudNativePG's PodMonitor",
    },
    barman_cloud_cloudnative_pg_io_last_available_backup_timestamp: {
        labels: [...POD_MONITOR_TARGET],
        source: "plugin-barman-cloud v0.14.0 internal/cnpgi/instance/metrics.go: Define/Collect give FqName and Value only (no labels; 0 before the first backup), exposed by the instance's exporter; CloudNativePG's PodMonitor. No `cluster` label: select the Cluster's pods (`<cluster>-<n>`, CloudNativePG pkg/specs GetInstanceName)",
    },
    envoy_cluster_upstream_rq_total: {
        labels: ["envoy_cluster_name", ...POD_MONITOR_TARGET],
        source: "Envoy's cluster statistic upstream_rq_total (envoyproxy.io docs: configuration/upstream/cluster_manager/cluster_stats), the cluster name extracted as envoy_cluster_name (Envoy's default tag extractors, source/common/config/well_known_names.cc); the edge's PodMonitor on /stats/prometheus",
    },
    envoy_cluster_upstream_rq_xx: {
        labels: ["envoy_cluster_name", "envoy_response_code_class", ...POD_MONITOR_TARGET],
        source: "Envoy's upstream_rq_<N>xx, the class extracted as envoy_response_code_class (well_known_names.cc RESPONSE_CODE_CLASS); the edge's PodMonitor",
    },
    envoy_cluster_upstream_rq_time_bucket: {
        labels: ["envoy_cluster_name", "le", ...POD_MONITOR_TARGET],
        source: "Envoy's upstream_rq_time histogram, milliseconds (cluster_stats); the edge's PodMonitor",
    },
    container_cpu_usage_seconds_total: {
        labels: ["container", "pod", "namespace", "id", "image", "name", "cpu", ...KUBELET_TARGET],
        source: "cAdvisor via the kubelet's /metrics/cadvisor (google/cadvisor docs/storage/prometheus.md: container_cpu_usage_seconds_total), scraped by kube-prometheus-stack's kubelet ServiceMonitor (honorLabels: its own namespace/pod/container win)",
    },
    container_memory_working_set_bytes: {
        labels: ["container", "pod", "namespace", "id", "image", "name", ...KUBELET_TARGET],
        source: "cAdvisor docs/storage/prometheus.md: container_memory_working_set_bytes; kube-prometheus-stack's kubelet ServiceMonitor",
    },
    kube_deployment_status_replicas_available: {
        labels: ["deployment", "namespace", ...KSM_TARGET],
        source: "kube-state-metrics docs/metrics/workload/deployment-metrics.md (v2.20)",
    },
    kube_deployment_spec_replicas: {
        labels: ["deployment", "namespace", ...KSM_TARGET],
        source: "kube-state-metrics docs/metrics/workload/deployment-metrics.md (v2.20)",
    },
    kube_pod_container_status_restarts_total: {
        labels: ["container", "pod", "namespace", "uid", ...KSM_TARGET],
        source: "kube-state-metrics docs/metrics/workload/pod-metrics.md (v2.20)",
    },
    cnpg_backends_total: {
        labels: ["datname", "usename", "application_name", "state", ...POD_MONITOR_TARGET],
        source: "CloudNativePG config/manager/default-monitoring.yaml query backends (datname, usename, application_name, state: LABEL; total: GAUGE), prefix cnpg_; CloudNativePG's PodMonitor",
    },
    kube_deployment_status_replicas_unavailable: {
        labels: ["deployment", "namespace", ...KSM_TARGET],
        source: "kube-state-metrics docs/metrics/workload/deployment-metrics.md (v2.20)",
    },
    kube_statefulset_status_replicas_ready: {
        labels: ["statefulset", "namespace", ...KSM_TARGET],
        source: "kube-state-metrics docs/metrics/workload/statefulset-metrics.md (v2.20)",
    },
    kube_statefulset_replicas: {
        labels: ["statefulset", "namespace", ...KSM_TARGET],
        source: "kube-state-metrics docs/metrics/workload/statefulset-metrics.md (v2.20)",
    },
    kube_pod_container_status_waiting_reason: {
        labels: ["container", "pod", "namespace", "reason", "uid", ...KSM_TARGET],
        source: "kube-state-metrics docs/metrics/workload/pod-metrics.md (v2.20)",
    },
    kube_job_status_failed: {
        labels: ["job_name", "namespace", "reason", ...KSM_TARGET],
        source: "kube-state-metrics docs/metrics/workload/job-metrics.md (v2.20)",
    },
    kube_job_created: {
        labels: ["job_name", "namespace", ...KSM_TARGET],
        source: "kube-state-metrics docs/metrics/workload/job-metrics.md (v2.20): the Job's creation time (internal/store/job.go)",
    },
    kube_cronjob_status_last_successful_time: {
        labels: ["cronjob", "namespace", ...KSM_TARGET],
        source: "kube-state-metrics docs/metrics/workload/cronjob-metrics.md (v2.20); internal/store/cronjob.go emits it only once status.lastSuccessfulTime is set",
    },
    kube_cronjob_created: {
        labels: ["cronjob", "namespace", ...KSM_TARGET],
        source: "kube-state-metrics docs/metrics/workload/cronjob-metrics.md (v2.20): the CronJob's creation time",
    },
    kube_pod_created: {
        labels: ["namespace", "pod", "uid", ...KSM_TARGET],
        source: "kube-state-metrics docs/metrics/workload/pod-metrics.md (v2.20): the pod's creation time",
    },
};

/** One Prometheus rule: an alert or a recording rule. */
export interface AlertRule {
    /** Alert name (alerting rules). */
    alert?: string;
    /** Series name (recording rules). */
    record?: string;
    /** PromQL expression. */
    expr: string;
    /** How long the condition holds before the alert fires. */
    for?: string;
    /** Labels added to the alert (severity). */
    labels?: Record<string, string>;
    /** Summary shown to whoever is paged. */
    annotations?: Record<string, string>;
}

/** A named group of rules, evaluated together. */
export interface RuleGroup {
    /** Group name, unique in the rule file. */
    name: string;
    /** Evaluation interval; the Prometheus global one when absent. */
    interval?: string;
    /** The rules. */
    rules: AlertRule[];
}

/** How rules are rendered for one deployment of the system. */
export interface AlertRuleOptions {
    /** The namespace the system runs in; every rule is scoped to it. */
    namespace: string;
}

/** The queries' context of `plan` in `namespace` (promql.ts). */
export function promContext(plan: SystemPlan, namespace: string): PromContext {
    const databases = Object.values(plan.datastores).flatMap((d) => (d.kind === "database" ? [d] : []));
    return {
        namespace,
        routes: plan.routes,
        kinds: Object.fromEntries(Object.values(plan.services).map((s) => [s.name, s.kind])),
        engines: Object.fromEntries(Object.values(plan.datastores).map((d) => [d.name, d.engine])),
        databaseNames: Object.fromEntries(databases.filter((d) => d.engine === "postgres").map((d) => [d.name, d.spec.databaseName])),
        restoreTestSeconds: Object.fromEntries(plan.backups.map((b) => [b.database, b.restoreTest.maxAgeSeconds])),
    };
}

/** One alert of the plan's catalogue as a Prometheus rule: its signal's query (promql.ts), compared to the threshold. */
function catalogueRule(ctx: PromContext, a: AlertPlan): AlertRule {
    const labels: Record<string, string> = {
        severity: a.severity,
        ...(a.subject.kind === "system" ? {} : { [a.subject.kind]: a.subject.name }),
    };
    const base = { alert: a.id, for: `${a.forMinutes}m`, labels, annotations: { summary: a.summary } };
    switch (a.id) {
        case "HighErrorRate":
            // The seed's expression verbatim: a per-second rate of 5xx responses of the services' own counters, not a share.
            return {
                ...base,
                expr: `rate(http_requests_total{status=~"5.."}[${a.windowMinutes}m]) > ${a.threshold}`,
                labels: { severity: a.severity },
            };
        case "DatabaseSlowQueries":
            // The seed's expression verbatim (its counter against a number), on this file's recording rule.
            return {
                ...base,
                expr: `pg_stat_database_xact_commit{datname="${quoted(ctx.databaseNames[a.subject.name])}"} > ${a.threshold}`,
                labels: { severity: a.severity },
            };
        case "HighLatencyP99": {
            const p99 = signalQueries(ctx, "latency", a.subject, a.windowMinutes).find((q) => q.legend === "p99")!;
            return { ...base, expr: `${p99.expr} > ${a.threshold}` };
        }
        default: {
            const [first] = signalQueries(ctx, a.signal, a.subject, a.windowMinutes);
            return { ...base, expr: `${first.expr} ${a.comparison} ${a.threshold}` };
        }
    }
}

/**
 * The rule groups of `plan` (see the module doc): the recording rule, the plan's alert catalogue
 * (`<system>.seed` holds the seed's two rules, `<system>.catalogue` the others), and the alerts only
 * Kubernetes has (`<system>.kubernetes`: crash loops, failed backup Jobs, a missing base backup in
 * the WAL archive).
 */
export function renderAlertRules(plan: SystemPlan, opts: AlertRuleOptions): { groups: RuleGroup[] } {
    const ctx = promContext(plan, opts.namespace);
    const ns = quoted(opts.namespace);
    const alerts = plan.observability.alerts.filter((a) => !(a.id in KNOWLEDGE.kubernetes.telemetry.unrendered));
    const isSeed = (a: AlertPlan) => a.id === "HighErrorRate" || a.id === "DatabaseSlowQueries";
    const postgres = Object.values(plan.datastores).filter((d) => d.kind === "database" && d.engine === "postgres");
    const databases = Object.values(plan.datastores).filter((d) => d.kind === "database");
    const recording: AlertRule[] =
        postgres.length > 0
            ? [{ record: "pg_stat_database_xact_commit", expr: `cnpg_pg_stat_database_xact_commit{namespace="${ns}"}` }]
            : [];

    const kubernetes: AlertRule[] = [
        {
            alert: "PodCrashLooping",
            expr: `max_over_time(kube_pod_container_status_waiting_reason{namespace="${ns}",reason="CrashLoopBackOff"}[5m]) >= 1`,
            for: "15m",
            labels: { severity: "critical" },
            annotations: { summary: "Pod {{ $labels.pod }} ({{ $labels.container }}) is crash looping" },
        },
    ];
    for (const db of postgres) {
        const gapSeconds = db.backup!.maxAgeSeconds;
        const instances = `namespace="${ns}",pod=~"${alternation([db.name])}-[0-9]+"`;
        kubernetes.push({
            alert: "PostgresBaseBackupMissing",
            // The plugin's metric has no cluster label (METRIC_LABELS): the Cluster's instance pods are <db>-<n>. It is 0 until
            // the first base backup; until then the age counts from the oldest instance pod's creation, so a fresh cluster is quiet
            // until its first scheduled backup was due (the gap) plus the hour, and one whose first backup never comes alerts.
            expr: `time() - (max(barman_cloud_cloudnative_pg_io_last_available_backup_timestamp{${instances}} > 0) or min(kube_pod_created{${instances}})) > ${gapSeconds}`,
            for: "10m",
            labels: { severity: "critical", database: db.name },
            annotations: {
                summary: `No base backup of PostgreSQL ${db.name} in its WAL archive for more than ${Math.round(gapSeconds / 3600)} hours`,
            },
        });
    }
    if (databases.length > 0)
        kubernetes.push({
            alert: "BackupJobFailed",
            expr: `kube_job_status_failed{namespace="${ns}",job_name=~"(${alternation(databases.map((d) => d.name))})-backup-.*"} > 0`,
            for: "1m",
            labels: { severity: "critical" },
            annotations: { summary: "Backup job {{ $labels.job_name }} failed" },
        });
    const groups: RuleGroup[] = [
        { name: `${plan.name}.seed`, rules: alerts.filter(isSeed).map((a) => catalogueRule(ctx, a)) },
        { name: `${plan.name}.catalogue`, rules: alerts.filter((a) => !isSeed(a)).map((a) => catalogueRule(ctx, a)) },
        { name: `${plan.name}.kubernetes`, rules: kubernetes },
    ];
    if (recording.length > 0) groups.unshift({ name: `${plan.name}.recording`, rules: recording });
    return { groups };
}

/** The rules as a Prometheus rule file (YAML), e.g. for `promtool check rules`. */
export function renderAlertRulesYaml(plan: SystemPlan, opts: AlertRuleOptions): string {
    return stringify(renderAlertRules(plan, opts), { lineWidth: 0 });
}
