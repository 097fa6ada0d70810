/**
 * The PromQL of each signal of the observability plan (plan/observability.ts `SignalId`) on the
 * staging Prometheus, for one subject (a service or a datastore) in one namespace: what the
 * Grafana dashboards plot (dashboards.ts) and what the alerts compare (alert-rules.ts), so a panel
 * and the alert on it read the same series. Only metrics that Prometheus really scrapes there are
 * used, each listed with the labels it carries in alert-rules.ts `METRIC_LABELS`:
 *
 * - the edge: Envoy Gateway's proxies (`/stats/prometheus`, scraped by the edge's PodMonitor,
 *   components/kubernetes/edge.ts); a route rule's cluster is `httproute/<ns>/<route>/rule/<n>`
 *   (envoyproxy/gateway internal/gatewayapi helpers.go irRouteDestinationName). Envoy's
 *   `upstream_rq_time` is in milliseconds (envoyproxy.io docs, cluster manager statistics).
 * - the platform: kube-state-metrics (Deployments, StatefulSets, restarts) and the kubelet's
 *   cAdvisor (`container_cpu_usage_seconds_total`, `container_memory_working_set_bytes`), both
 *   scraped by kube-prometheus-stack.
 * - the tiers: CloudNativePG's exporter (`cnpg_collector_up`, `cnpg_backends_total`,
 *   `cnpg_pg_stat_database_xact_commit`) and kube-state-metrics' CronJob series for the dumps.
 *   Redis, MySQL, MongoDB and RabbitMQ run without an exporter on staging: their rows show
 *   readiness, CPU and memory, from kube-state-metrics and cAdvisor.
 */
import type { AlertSubject, RoutePlan, SignalId } from "../../plan";

/** What the queries of a system need to know: its namespace, routes, service kinds and datastores. */
export interface PromContext {
    /** The namespace the system runs in. */
    namespace: string;
    /** The edge's routes (each service's HTTPRoutes). */
    routes: RoutePlan[];
    /** Each service's kind, by name: a scheduler is a StatefulSet, the others Deployments. */
    kinds: Record<string, "web" | "worker" | "scheduler">;
    /** Each datastore's engine, by name (postgres runs as a CloudNativePG Cluster, the others as StatefulSets). */
    engines: Record<string, string>;
    /** Each PostgreSQL database's database name (`datname`), by datastore name. */
    databaseNames: Record<string, string>;
    /** Seconds without a passed restore test after which a database's restore test counts as failed, by datastore name (plan/backup.ts). */
    restoreTestSeconds: Record<string, number>;
}

/** A string as a PromQL double-quoted literal's content. */
export const quoted = (s: string) => s.replace(/\\/g, "\\\\").replace(/"/g, '\\"');
/** Names as a regex alternation, each escaped. */
export const alternation = (names: string[]) => names.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|");

/** The HTTPRoute names the edge sends `service`'s traffic through (components/kubernetes/edge.ts httpRouteName). */
export function routeNames(routes: RoutePlan[], service: string): string[] {
    return [
        ...new Set(
            routes.filter((r) => r.service === service).map((r) => (r.allowCidrs ? `edge-${service}-restricted` : `edge-${service}`)),
        ),
    ];
}

/** The Envoy cluster selector of `service`'s route rules. */
function clusters(ctx: PromContext, service: string): string {
    return `envoy_cluster_name=~"httproute/${quoted(ctx.namespace)}/(${alternation(routeNames(ctx.routes, service))})/rule/[0-9]+"`;
}

/** The pods of a subject: a Deployment's `<name>-<template hash>-<suffix>`, a StatefulSet's or CloudNativePG Cluster's `<name>-<ordinal>`. */
function pods(ctx: PromContext, subject: AlertSubject): string {
    const deployment = subject.kind === "service" && ctx.kinds[subject.name] !== "scheduler";
    const name = alternation([subject.name]);
    return `namespace="${quoted(ctx.namespace)}",pod=~"${deployment ? `${name}-[a-z0-9]+-[a-z0-9]+` : `${name}-[0-9]+`}"`;
}

/** The cAdvisor selector of a subject's containers (not the pod's own cgroup, `container=""`, nor the pause container). */
const containers = (ctx: PromContext, subject: AlertSubject) => `${pods(ctx, subject)},container!="",container!="POD"`;

/** One query of a signal: its PromQL and the legend of its series. */
export interface SignalQuery {
    /** PromQL. */
    expr: string;
    /** Legend (Grafana `legendFormat`). */
    legend: string;
}

/**
 * The queries of `signal` for `subject` over `windowMinutes` (a rate's range); several for a
 * signal with several series (latency: p50, p95, p99). Empty where staging has no metric for it.
 */
export function signalQueries(ctx: PromContext, signal: SignalId, subject: AlertSubject, windowMinutes = 5): SignalQuery[] {
    const w = `${windowMinutes}m`;
    const ns = `namespace="${quoted(ctx.namespace)}"`;
    const name = quoted(subject.name);
    switch (signal) {
        case "requests":
            return [{ expr: `sum(rate(envoy_cluster_upstream_rq_total{${clusters(ctx, subject.name)}}[${w}]))`, legend: "requests/s" }];
        case "error-ratio":
            return [
                {
                    expr: `sum(rate(envoy_cluster_upstream_rq_xx{${clusters(ctx, subject.name)},envoy_response_code_class="5"}[${w}])) / sum(rate(envoy_cluster_upstream_rq_total{${clusters(ctx, subject.name)}}[${w}]))`,
                    legend: "5xx share",
                },
            ];
        case "latency":
            return [0.5, 0.95, 0.99].map((q) => ({
                expr: `histogram_quantile(${q}, sum by (le) (rate(envoy_cluster_upstream_rq_time_bucket{${clusters(ctx, subject.name)}}[${w}]))) / 1000`,
                legend: `p${Math.round(q * 100)}`,
            }));
        case "cpu":
            return [{ expr: `sum(rate(container_cpu_usage_seconds_total{${containers(ctx, subject)}}[${w}]))`, legend: "cores" }];
        case "memory":
            return [{ expr: `sum(container_memory_working_set_bytes{${containers(ctx, subject)}})`, legend: "working set" }];
        case "replicas":
            return ctx.kinds[subject.name] === "scheduler"
                ? [{ expr: `sum(kube_statefulset_status_replicas_ready{${ns},statefulset="${name}"})`, legend: "ready" }]
                : [
                      { expr: `sum(kube_deployment_status_replicas_available{${ns},deployment="${name}"})`, legend: "ready" },
                      { expr: `sum(kube_deployment_spec_replicas{${ns},deployment="${name}"})`, legend: "desired" },
                  ];
        case "restarts":
            return [
                {
                    expr: `sum(increase(kube_pod_container_status_restarts_total{${pods(ctx, subject)}}[1h]))`,
                    legend: "restarts in the last hour",
                },
            ];
        case "up":
            return ctx.engines[subject.name] === "postgres"
                ? [{ expr: `sum(cnpg_collector_up{${ns},cluster="${name}"})`, legend: "instances up" }]
                : [{ expr: `sum(kube_statefulset_status_replicas_ready{${ns},statefulset="${name}"})`, legend: "instances ready" }];
        case "connections":
            return ctx.engines[subject.name] === "postgres"
                ? [{ expr: `sum(cnpg_backends_total{${pods(ctx, subject)}})`, legend: "backends" }]
                : [];
        case "commits":
            return ctx.databaseNames[subject.name]
                ? [
                      {
                          expr: `sum(rate(cnpg_pg_stat_database_xact_commit{${pods(ctx, subject)},datname="${quoted(ctx.databaseNames[subject.name])}"}[${w}]))`,
                          legend: "commits/s",
                      },
                  ]
                : [];
        case "backup-age": {
            const cronJobs = `${ns},cronjob=~"${alternation([subject.name])}-backup-.*"`;
            return [
                {
                    expr: `time() - (max(kube_cronjob_status_last_successful_time{${cronJobs}}) or max(kube_cronjob_created{${cronJobs}}))`,
                    legend: "since the last dump",
                },
            ];
        }
        case "restore-test": {
            // The restore test CronJob (components/kubernetes/restore-test.ts): 0 when a run failed since the last pass, or none
            // passed within its window (counted from the CronJob's creation before the first), else 1.
            const cron = `${ns},cronjob="${name}-restore-test"`;
            const jobs = `${ns},job_name=~"${alternation([subject.name])}-restore-test-.*"`;
            const lastPass = `max(kube_cronjob_status_last_successful_time{${cron}})`;
            const failedSincePass = `max(kube_job_status_failed{${jobs}} > 0 and on(namespace, job_name) (kube_job_created{${jobs}} > scalar(${lastPass} or vector(0))))`;
            const stale = `time() - (${lastPass} or max(kube_cronjob_created{${cron}})) > bool ${ctx.restoreTestSeconds[subject.name]}`;
            return [{ expr: `1 - ((${failedSincePass} > bool 0) or (${stale}))`, legend: "passed" }];
        }
        case "cache-memory":
        case "queue-depth":
        // Logs are Loki's on staging (LogQL, not PromQL): the row's Logs panel shows the lines.
        case "error-logs":
            return [];
    }
}
