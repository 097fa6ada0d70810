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
import { planBackup } from "../../plan";
import type { System } from "../../model";

/** Labels Prometheus adds to every series of a prometheus-operator `ServiceMonitor` target (pkg/prometheus/promcfg.go, generateServiceMonitorConfig: relabelings to namespace, service, pod, container, endpoint; job; instance). */
const SERVICE_MONITOR_TARGET = ["namespace", "service", "pod", "container", "endpoint", "job", "instance"];
/** Labels Prometheus adds to every series of a `PodMonitor` target (promcfg.go generatePodMonitorConfig: namespace, pod, container, endpoint; job; instance). */
const POD_MONITOR_TARGET = ["namespace", "pod", "container", "endpoint", "job", "instance"];
/**
 * kube-state-metrics is scraped with `honorLabels: true` by kube-prometheus-stack, so its own
 * `namespace`/`pod`/`container` labels (the object's) win over the target's.
 */
const KSM_TARGET = ["service", "endpoint", "job", "instance"];

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
    /** The namespace the system runs in; availability rules are scoped to it. */
    namespace: string;
}

const q = (s: string) => s.replace(/\\/g, "\\\\").replace(/"/g, '\\"');
const alternation = (names: string[]) => names.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|");

/** The rule groups of `system` (see the module doc). */
export function renderAlertRules(system: System, opts: AlertRuleOptions): { groups: RuleGroup[] } {
    const m = system.monitoring;
    const ns = q(opts.namespace);
    const postgres = Object.values(system.databases).filter((d) => d.engine === "postgres");
    const seed: AlertRule[] = [
        {
            alert: "HighErrorRate",
            expr: `rate(http_requests_total{status=~"5.."}[5m]) > ${m.errorRatePercent / 100}`,
            for: "2m",
            labels: { severity: "critical" },
            annotations: { summary: "High error rate detected" },
        },
        ...postgres.map((db): AlertRule => ({
            alert: "DatabaseSlowQueries",
            expr: `pg_stat_database_xact_commit{datname="${q(db.databaseName)}"} > ${m.slowQueryCommitsPerSecond}`,
            for: "5m",
            labels: { severity: "warning" },
            annotations: { summary: "Database experiencing slow queries" },
        })),
        {
            alert: "HighErrorRatio",
            expr: `sum by (service) (rate(http_requests_total{namespace="${ns}",status=~"5.."}[5m])) / sum by (service) (rate(http_requests_total{namespace="${ns}"}[5m])) > ${m.errorRatePercent / 100}`,
            for: "5m",
            labels: { severity: "critical" },
            annotations: { summary: `More than ${m.errorRatePercent}% of requests to {{ $labels.service }} fail` },
        },
        {
            alert: "HighLatencyP99",
            expr: `histogram_quantile(0.99, sum by (service, le) (rate(http_request_duration_seconds_bucket{namespace="${ns}"}[5m]))) > ${m.p99LatencyMs / 1000}`,
            for: "10m",
            labels: { severity: "warning" },
            annotations: { summary: `p99 latency of {{ $labels.service }} above ${m.p99LatencyMs} ms` },
        },
    ];
    const recording: AlertRule[] =
        postgres.length > 0
            ? [{ record: "pg_stat_database_xact_commit", expr: `cnpg_pg_stat_database_xact_commit{namespace="${ns}"}` }]
            : [];

    const services = Object.values(system.services);
    const deployments = services.filter((s) => s.kind !== "scheduler").map((s) => s.name);
    const schedulers = services.filter((s) => s.kind === "scheduler").map((s) => s.name);
    const statefulSets = [
        ...Object.values(system.databases)
            .filter((d) => d.engine !== "postgres")
            .map((d) => d.name),
        ...Object.keys(system.caches),
        ...Object.keys(system.queues),
    ];
    const availability: AlertRule[] = [];
    if (deployments.length > 0) {
        availability.push({
            alert: "DeploymentReplicasUnavailable",
            expr: `kube_deployment_status_replicas_unavailable{namespace="${ns}",deployment=~"${alternation(deployments)}"} > 0`,
            for: "10m",
            labels: { severity: "warning" },
            annotations: { summary: "Deployment {{ $labels.deployment }} has {{ $value }} unavailable replicas" },
        });
    }
    if (schedulers.length > 0) {
        availability.push({
            alert: "SchedulerNotRunning",
            expr: `kube_statefulset_status_replicas_ready{namespace="${ns}",statefulset=~"${alternation(schedulers)}"} < 1`,
            for: "10m",
            labels: { severity: "critical" },
            annotations: { summary: "Scheduler {{ $labels.statefulset }} is not running: periodic tasks are not being sent" },
        });
    }
    availability.push({
        alert: "PodCrashLooping",
        expr: `max_over_time(kube_pod_container_status_waiting_reason{namespace="${ns}",reason="CrashLoopBackOff"}[5m]) >= 1`,
        for: "15m",
        labels: { severity: "critical" },
        annotations: { summary: "Pod {{ $labels.pod }} ({{ $labels.container }}) is crash looping" },
    });
    if (statefulSets.length > 0) {
        availability.push({
            alert: "DatastoreNotReady",
            expr: `kube_statefulset_status_replicas_ready{namespace="${ns}",statefulset=~"${alternation(statefulSets)}"} < kube_statefulset_replicas{namespace="${ns}",statefulset=~"${alternation(statefulSets)}"}`,
            for: "5m",
            labels: { severity: "critical" },
            annotations: { summary: "Datastore {{ $labels.statefulset }} is not ready" },
        });
    }
    for (const db of postgres) {
        const gapSeconds = planBackup(db).maxAgeSeconds;
        const instances = `namespace="${ns}",pod=~"${alternation([db.name])}-[0-9]+"`;
        availability.push({
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
        availability.push({
            alert: "PostgresClusterDegraded",
            expr: `sum(cnpg_collector_up{namespace="${ns}",cluster="${q(db.name)}"}) < ${1 + db.readReplicas}`,
            for: "5m",
            labels: { severity: "critical" },
            annotations: { summary: `PostgreSQL cluster ${db.name} has fewer than ${1 + db.readReplicas} healthy instances` },
        });
    }
    const databases = Object.values(system.databases);
    if (databases.length > 0) {
        availability.push({
            alert: "BackupJobFailed",
            expr: `kube_job_status_failed{namespace="${ns}",job_name=~"(${alternation(databases.map((d) => d.name))})-backup-.*"} > 0`,
            for: "1m",
            labels: { severity: "critical" },
            annotations: { summary: "Backup job {{ $labels.job_name }} failed" },
        });
        for (const db of databases) {
            const gapSeconds = planBackup(db).maxAgeSeconds;
            const cronJobs = `namespace="${ns}",cronjob=~"${alternation([db.name])}-backup-.*"`;
            availability.push({
                alert: "BackupMissing",
                // kube-state-metrics has no last-successful series before a CronJob's first success: the age then counts from
                // the CronJob's creation, so a fresh deployment is quiet until its first backup was due plus the hour, and a
                // first backup that never succeeds alerts.
                expr: `time() - (max(kube_cronjob_status_last_successful_time{${cronJobs}}) or max(kube_cronjob_created{${cronJobs}})) > ${gapSeconds}`,
                for: "10m",
                labels: { severity: "critical", database: db.name },
                annotations: { summary: `No successful backup of ${db.name} for more than ${Math.round(gapSeconds / 3600)} hours` },
            });
        }
    }
    const groups: RuleGroup[] = [{ name: `${system.name}.seed`, rules: seed }];
    if (recording.length > 0) groups.unshift({ name: `${system.name}.recording`, rules: recording });
    groups.push({ name: `${system.name}.availability`, rules: availability });
    return { groups };
}

/** The rules as a Prometheus rule file (YAML), e.g. for `promtool check rules`. */
export function renderAlertRulesYaml(system: System, opts: AlertRuleOptions): string {
    return stringify(renderAlertRules(system, opts), { lineWidth: 0 });
}
