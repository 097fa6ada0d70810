/**
 * The observability plan (plan/observability.ts) on AWS, beside the alarms of monitoring.ts and the
 * datastores': what CloudWatch makes of the services' logs. Reads the plan only.
 *
 * - **Error lines**: a metric filter on each service's log group counting the plan's error lines
 *   ({@link errorLinePattern}) into the system's namespace (`tierform/<system>-<environment>`), one
 *   metric per service (`<service>-error-log-lines`: a metric filter's dimensions are fields of the
 *   log event, not constants — PutMetricFilter, MetricTransformation `dimensions` — so the service is
 *   in the metric's name); 0 for every other line that arrives.
 * - **The catalogue's alarms** (plan/observability.ts `alerts`) no other AWS component renders, each
 *   named by its alert in its description's first word, at the plan's threshold, window and duration
 *   ({@link catalogueAlarms}): ErrorLogs (the services' error lines summed), HighErrorRatio and
 *   HighLatencyP99 per routed service (its target groups' 5xx share, the worst p99), and
 *   ReplicasUnavailable or SchedulerNotRunning per service (Container Insights' running tasks).
 * - **Saved Logs Insights queries** ({@link LOG_QUERIES}), one per kind for the whole system, over
 *   every service's log group. The load balancers' access logs are in S3 (edge/logs.ts), which Logs
 *   Insights does not read, so the slowest requests are read from the services' own JSON lines.
 *
 * - **The dashboard** (`<system>-<environment>`), one per system: a row per row of the plan, a
 *   graph per signal CloudWatch has a metric for ({@link dashboardBody}), each metric's dimensions the
 *   resource identifiers the alarms already use, handed in resolved (the load balancer's and target
 *   groups' ARN suffixes, the ECS cluster and service names, each datastore's own `cloudWatch`
 *   binding), and for a datastore what its catalogue alarms read ({@link alertedGraph}); the row names the signals
 *   CloudWatch has none for.
 *
 * The EKS placement (components/eks/logs.ts) renders the same component over its pods' log groups, one per service as
 * on ECS, with `compute: "eks"`: no ECS or Container Insights metric exists there, so its service rows graph the load
 * balancer's healthy targets (the ready pods each target group holds) for the replicas and name CPU, memory and restarts
 * as the cluster's Prometheus's, and the pods' availability alerts are the cluster's PrometheusRule's
 * ({@link EKS_SATURATION}).
 *
 * Query definitions and dashboards carry no key: CloudWatch Logs keeps the query text itself (PutQueryDefinition
 * and PutDashboard have no KMS parameter); the log groups they read are encrypted with the stack's logs key.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AlertPlan, ErrorLinePlan, RowPlan, SignalId, SystemPlan } from "../../plan";
import { EKS_SATURATION } from "../../plan/support/eks";
import { resourceName } from "../shared/naming";
import { awsPlace } from "./common";
import type { AwsDatastoreMetrics } from "./contract";
import { dataAlarm, READINESS_METRICS, XACT_COMMIT_COUNTER, type AlarmSpec } from "./monitoring";

/** `[Ee][Rr][Rr][Oo][Rr]`: a word in any case, as a character class per letter (the filter-pattern regex has no case flag). */
const anyCase = (word: string) => [...word].map((c) => (/[a-z]/i.test(c) ? `[${c.toUpperCase()}${c.toLowerCase()}]` : c)).join("");

/**
 * The plan's error lines as a regular expression both CloudWatch Logs filter patterns (between `%`)
 * and Logs Insights (between `/`) accept: a key ending in `level` followed within 4 characters (the
 * `":"` of JSON, `=` of logfmt, `": "`) by one of the levels in any case, or one of the words as
 * written. The filter-pattern regex admits letters, digits, `:_#=@/;,-` and the operators
 * `^$?[]{}|\*+.`, and no parentheses (CloudWatch Logs User Guide, "Filter pattern syntax for metric
 * filters, subscription filters, filter log events, and Live Tail", Supported regular expressions:
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html), so
 * every alternative is spelled out.
 */
export function errorLineRegex(lines: ErrorLinePlan): string {
    return [...lines.levels.map((l) => `[Ll]evel.{1,4}${anyCase(l)}`), ...lines.words].join("|");
}

/** The metric filter pattern of the plan's error lines: {@link errorLineRegex} as a regex pattern (`%...%`). */
export const errorLinePattern = (lines: ErrorLinePlan) => `%${errorLineRegex(lines)}%`;

/** The namespace of the system's own metrics (what its metric filters count). */
export const metricNamespace = (plan: Pick<SystemPlan, "name" | "environment">) =>
    `tierform/${resourceName([plan.name, plan.environment])}`;

/** The metric of a service's error lines in {@link metricNamespace}. */
export const errorLinesMetric = (service: string) => `${service}-error-log-lines`;

/** `@log` is `<account>:<log group>`, and a service's group ends in its name (service.ts): its last segment. */
const SERVICE_OF_LOG = "parse @log /(?<service>[^\\/]+)$/";

/** A saved query's text, from the plan's error lines. */
type LogQuery = (lines: ErrorLinePlan) => string;

/**
 * The saved Logs Insights queries of a system, by kind, over every service's log group (the console
 * asks for the time range: the last hour is its default). Logs Insights query syntax:
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_QuerySyntax.html (`parse` with a
 * named-group regex, `stats ... by`, `coalesce`, `ispresent`, `#` comments). Each event's service is the last segment of
 * its group's name ({@link SERVICE_OF_LOG}), on ECS and on the EKS placement alike.
 */
export const LOG_QUERIES: Record<"errors-by-service" | "slowest-requests" | "tail", LogQuery> = {
    "errors-by-service": (lines) =>
        [
            "fields @timestamp, @log, @message",
            `filter @message like /${errorLineRegex(lines)}/`,
            SERVICE_OF_LOG,
            "stats count(*) as errors, latest(@message) as last by service",
            "sort errors desc",
        ].join("\n| "),
    // The services' JSON lines with a duration field (Logs Insights discovers JSON fields): the access logs are in S3.
    "slowest-requests": () =>
        [
            "fields @timestamp, @log, coalesce(duration_ms, response_time_ms, latency_ms) as ms, @message",
            "filter ispresent(ms)",
            SERVICE_OF_LOG,
            "sort ms desc",
            "limit 50",
        ].join("\n| "),
    tail: () =>
        [
            '# one service: add | filter service = "<name>"',
            ["fields @timestamp, @log, @message", SERVICE_OF_LOG, "sort @timestamp desc", "limit 200"].join("\n| "),
        ].join("\n"),
};

/** Arguments of {@link AwsObservability}. */
export interface AwsObservabilityArgs {
    /** The system's plan: its name, environment and observability plan. */
    plan: SystemPlan;
    /** The log group of each service, by service name (service.ts). */
    logGroups: Record<string, pulumi.Input<string>>;
    /** SNS topic every alarm notifies. */
    alarmTopicArn: pulumi.Input<string>;
    /**
     * Where the services run: `ecs`, ECS services (their ECS and Container Insights metrics); `eks`, the EKS placement's
     * pods, which publish neither ({@link EKS_SATURATION}). @default "ecs"
     */
    compute?: Compute;
    /** The ECS cluster's name (the ECS and Container Insights metrics' `ClusterName`); on EKS the cluster's (unused by any metric). */
    clusterName: pulumi.Input<string>;
    /** Each service's ECS service name (`ServiceName`), by service name; none on EKS. */
    serviceNames: Record<string, pulumi.Input<string>>;
    /** Each routed service's load balancer and target groups (ARN suffixes, as the alarms name them), by service name. @default {} */
    targets?: Record<string, ServiceTargets<pulumi.Input<string>>>;
    /** Each datastore's CloudWatch metrics (its binding's `cloudWatch`), by datastore name. @default {} */
    datastores?: Record<string, AwsDatastoreMetrics>;
}

/** Where a routed service's requests pass: its load balancer and target groups (a blue/green service's two), as ARN suffixes. */
export interface ServiceTargets<T = string> {
    /** `app/<name>/<id>`. */
    loadBalancer: T;
    /** `targetgroup/<name>/<id>` of each. */
    targetGroups: T[];
}

/** What runs the services: ECS services, or the EKS placement's pods. */
export type Compute = "ecs" | "eks";

/** What the edge gives a routed service (components/aws/service.ts `AwsServiceLoadBalancer`): its target group, load balancer and a traffic shift's alternate group. */
interface EdgeTarget {
    targetGroupArnSuffix: pulumi.Input<string>;
    loadBalancerArnSuffix: pulumi.Input<string>;
    trafficShift?: { alternateTargetGroupArnSuffix: pulumi.Input<string> };
}

/** Each routed service's load balancer and target groups (a blue/green service's two), from the edge's targets by service. */
export function routedTargets(targets: Record<string, EdgeTarget>): Record<string, ServiceTargets<pulumi.Input<string>>> {
    return Object.fromEntries(
        Object.entries(targets).map(([k, t]) => [
            k,
            {
                loadBalancer: t.loadBalancerArnSuffix,
                targetGroups: [t.targetGroupArnSuffix, ...(t.trafficShift ? [t.trafficShift.alternateTargetGroupArnSuffix] : [])],
            },
        ]),
    );
}

/** The dashboard's resource identifiers, resolved. */
export interface DashboardSources {
    /** What runs the services. @default "ecs" */
    compute?: Compute;
    /** The region of every metric. */
    region: string;
    /** The ECS cluster's name. */
    clusterName: string;
    /** ECS service names by service. */
    serviceNames: Record<string, string>;
    /** Load balancer and target groups by routed service. */
    targets: Record<string, ServiceTargets>;
    /** Namespace and dimension sets by datastore. */
    datastores: Record<string, DatastoreSources>;
    /** Log group names by service. */
    logGroups: Record<string, string>;
}

/** A datastore's metrics, resolved (contract.ts `AwsDatastoreMetrics`): namespace and dimension sets, its instances, Performance Insights resource and backup vault. */
export interface DatastoreSources {
    /** `AWS/RDS`, `AWS/DocDB`, `AWS/ElastiCache`, `AWS/SQS`. */
    namespace: string;
    /** Each instance's, node's or queue's dimensions. */
    dimensions: Record<string, string>[];
    /** Each instance's dimensions where `dimensions` names the cluster. @default `dimensions` */
    instances?: Record<string, string>[];
    /** The primary's DbiResourceId. @default none */
    perfInsightsResourceId?: string;
    /** The AWS Backup vault of its recovery points. @default none */
    backupVaultName?: string;
}

/** The load balancers' namespace. */
const ELB = "AWS/ApplicationELB";

/** At most this many metrics in one alarm's metric math, with the expression the tenth item (as cache.ts does). */
const METRICS_PER_ALARM = 9;

/** The error-line filters, their alarm and the saved queries of a system. Type token `tierform:aws:Observability`. */
export class AwsObservability extends pulumi.ComponentResource {
    /** The metric filters, by service name. */
    readonly errorFilters: Record<string, aws.cloudwatch.LogMetricFilter> = {};
    /** The system's dashboard. */
    readonly dashboard: aws.cloudwatch.Dashboard;

    constructor(name: string, args: AwsObservabilityArgs, opts?: pulumi.ComponentResourceOptions) {
        super("tierform:aws:Observability", name, {}, opts);
        const { plan } = args;
        const o = plan.observability;
        const namespace = metricNamespace(plan);
        const services = Object.keys(args.logGroups);
        for (const service of services) {
            this.errorFilters[service] = new aws.cloudwatch.LogMetricFilter(
                `${name}-${service}-error-lines`,
                {
                    name: `${service}-error-lines`,
                    logGroupName: args.logGroups[service],
                    pattern: errorLinePattern(o.errorLines),
                    metricTransformation: { namespace, name: errorLinesMetric(service), value: "1", defaultValue: "0", unit: "Count" },
                },
                { parent: this },
            );
        }
        catalogueAlarms(this, args, namespace);

        const logGroupNames = services.map((s) => args.logGroups[s]);
        for (const [kind, query] of Object.entries(LOG_QUERIES))
            new aws.cloudwatch.QueryDefinition(
                `${name}-${kind}`,
                {
                    name: `tierform/${resourceName([plan.name, plan.environment])}/${kind}`,
                    queryString: query(o.errorLines),
                    logGroupNames,
                },
                { parent: this },
            );

        const sources = pulumi.output({
            compute: args.compute ?? "ecs",
            region: awsPlace({ parent: this }).region,
            clusterName: args.clusterName,
            serviceNames: args.serviceNames,
            targets: args.targets ?? {},
            datastores: args.datastores ?? {},
            logGroups: args.logGroups,
        }) as pulumi.Output<DashboardSources>;
        const dashboardName = resourceName([plan.name, plan.environment], 255);
        this.dashboard = new aws.cloudwatch.Dashboard(
            `${name}-dashboard`,
            { dashboardName, dashboardBody: sources.apply((s) => JSON.stringify(dashboardBody(plan, s))) },
            { parent: this },
        );
        this.registerOutputs({ dashboardName });
    }
}

/** The alarm's comparison, threshold and periods of a catalogue alert: its window is the period, its duration the periods to breach. */
export function alarmOf(a: AlertPlan): Pick<AlarmSpec, "alarmDescription" | "comparisonOperator" | "threshold" | "evaluationPeriods"> {
    return {
        alarmDescription: `${a.id}: ${a.summary}`,
        comparisonOperator: a.comparison === ">" ? "GreaterThanThreshold" : "LessThanThreshold",
        threshold: a.threshold,
        evaluationPeriods: Math.max(1, Math.round(a.forMinutes / a.windowMinutes)),
    };
}

/**
 * The catalogue's alerts this file renders (the others: HighErrorRate in monitoring.ts, RestoreTestFailed in backup.ts; the
 * rest are plan/support/aws.ts `telemetry.unrendered`). Each alarm's metrics are the ones the dashboard graphs for its signal.
 */
function catalogueAlarms(parent: pulumi.Resource, args: AwsObservabilityArgs, namespace: string): void {
    const { plan, alarmTopicArn: topic } = args;
    const alarm = (id: string, spec: AlarmSpec) => dataAlarm(parent, plan, "monitoring", id, topic, spec);
    for (const a of plan.observability.alerts) {
        const service = a.subject.name;
        const period = a.windowMinutes * 60;
        const t = args.targets?.[service];
        const groups = t ? t.targetGroups.map((tg) => ({ LoadBalancer: t.loadBalancer, TargetGroup: tg })) : [];
        switch (a.id) {
            case "ErrorLogs":
                errorLogsAlarms(a, Object.keys(args.logGroups), (id, spec) => alarm(id, spec), namespace);
                break;
            case "HighErrorRatio": {
                if (groups.length === 0) break;
                const sum = (p: string) => `SUM([${groups.map((_, i) => `FILL(${p}${i}, 0)`).join(", ")}])`;
                alarm(`${service}-error-ratio`, {
                    ...alarmOf(a),
                    // CloudWatch's share is in percent, as the system's alb-5xx-rate alarm (monitoring.ts).
                    threshold: a.threshold * 100,
                    metricQueries: [
                        ...groups.flatMap((d, i) => [
                            {
                                id: `x${i}`,
                                metric: { namespace: ELB, metricName: "HTTPCode_Target_5XX_Count", dimensions: d, period, stat: "Sum" },
                                returnData: false,
                            },
                            {
                                id: `r${i}`,
                                metric: { namespace: ELB, metricName: "RequestCount", dimensions: d, period, stat: "Sum" },
                                returnData: false,
                            },
                        ]),
                        { id: "ratio", expression: `100 * ${sum("x")} / ${sum("r")}`, label: "target 5xx (%)", returnData: true },
                    ],
                });
                break;
            }
            case "HighLatencyP99":
                if (groups.length === 0) break;
                alarm(`${service}-p99-latency`, {
                    ...alarmOf(a),
                    metricQueries: [
                        ...groups.map((d, i) => ({
                            id: `p${i}`,
                            metric: { namespace: ELB, metricName: "TargetResponseTime", dimensions: d, period, stat: "p99" },
                            returnData: false,
                        })),
                        { id: "worst", expression: "MAX(METRICS())", label: "p99 (worst target group)", returnData: true },
                    ],
                });
                break;
            case "ReplicasUnavailable":
            case "SchedulerNotRunning":
                // On EKS the cluster's PrometheusRule renders them (components/eks/parts.ts clusterAlertsPlan).
                if ((args.compute ?? "ecs") !== "ecs") break;
                alarm(`${service}-running-tasks`, {
                    ...alarmOf(a),
                    namespace: "ECS/ContainerInsights",
                    metricName: "RunningTaskCount",
                    dimensions: { ClusterName: args.clusterName, ServiceName: args.serviceNames[service] },
                    statistic: "Minimum",
                    period,
                    // Container Insights reports every service each minute while the cluster has it on (system.ts): no report is no task.
                    treatMissingData: "breaching",
                });
                break;
        }
    }
}

/** ErrorLogs: the error lines of every service summed over the alert's window (one alarm per 9 services). */
function errorLogsAlarms(alert: AlertPlan, services: string[], alarm: (id: string, spec: AlarmSpec) => void, namespace: string): void {
    for (let chunk = 0; chunk * METRICS_PER_ALARM < services.length; chunk++) {
        const part = services.slice(chunk * METRICS_PER_ALARM, (chunk + 1) * METRICS_PER_ALARM);
        const suffix = services.length > METRICS_PER_ALARM ? `-${chunk + 1}` : "";
        alarm(`error-logs${suffix}`, {
            ...alarmOf(alert),
            alarmDescription: `${alert.id}: ${alert.summary}${suffix ? ` (${part.join(", ")})` : ""}`,
            metricQueries: [
                ...part.map((service, i) => ({
                    id: `s${i}`,
                    metric: { namespace, metricName: errorLinesMetric(service), period: alert.windowMinutes * 60, stat: "Sum" },
                    returnData: false,
                })),
                { id: "errors", expression: "SUM(FILL(METRICS(), 0))", label: "error log lines", returnData: true },
            ],
        });
    }
}

/** One metric of a graph: namespace, name, dimension name/value pairs, then its rendering options; or `[{ expression }]`. */
export type MetricLine = (string | MetricOptions)[];

/** A metric's or an expression's rendering options in a graph (Dashboard Body Structure and Syntax: "Metric Widget: Format for Each Metric in the Array"). */
export interface MetricOptions {
    /** Metric math: an expression over the graph's other metrics' ids. */
    expression?: string;
    /** Id an expression refers to (starts with a lower-case letter). */
    id?: string;
    /** Legend. */
    label?: string;
    /** Statistic (`Sum`, `Average`, `Maximum`, `Minimum`, `p99`). */
    stat?: string;
    /** false: fetched for an expression, not drawn. */
    visible?: boolean;
    /** Seconds per data point, where the graph's would split a metric published hourly. @default the graph's */
    period?: number;
}

/** One widget of a dashboard body. */
export interface DashboardWidget {
    /** `metric` or `text`. */
    type: "metric" | "text" | "log";
    /** Column, 0-23. */
    x: number;
    /** Row, from 0. */
    y: number;
    /** Columns, 1-24. */
    width: number;
    /** Rows. */
    height: number;
    /** A metric widget's graph, a text widget's `markdown`, a log widget's Logs Insights `query`. */
    properties: Record<string, unknown>;
}

/** A dashboard body (`PutDashboard` DashboardBody, parsed). */
export interface DashboardBody {
    /** Time range shown first. */
    start: string;
    /** `auto`: each graph's period follows the time range. */
    periodOverride: "auto" | "inherit";
    /** Every widget, top to bottom. */
    widgets: DashboardWidget[];
}

/** One graph before layout. */
interface Graph {
    title: string;
    metrics: MetricLine[];
}

/** A metric line: namespace, name, each dimension's name and value, and its options if any. */
const line = (namespace: string, metricName: string, dimensions: Record<string, string>, options: MetricOptions = {}): MetricLine => [
    namespace,
    metricName,
    ...Object.entries(dimensions).flat(),
    ...(Object.keys(options).length > 0 ? [options] : []),
];

/** `targetgroup/<name>/<id>` → `<name>`, a graph's legend. */
const groupName = (suffix: string) => suffix.split("/")[1] ?? suffix;

/**
 * The graphs of a service's row: its error lines, the edge's metrics per target group, and ECS's and Container Insights'
 * (on EKS the target groups' healthy targets for the replicas, {@link EKS_SATURATION}).
 */
function serviceGraph(plan: SystemPlan, s: DashboardSources, service: string, signal: SignalId): Graph | undefined {
    const t = s.targets[service];
    const groups = t ? t.targetGroups.map((tg) => ({ LoadBalancer: t.loadBalancer, TargetGroup: tg })) : [];
    const ecs = { ClusterName: s.clusterName, ServiceName: s.serviceNames[service] ?? service };
    const graph = (title: string, metrics: MetricLine[]) => (metrics.length > 0 ? { title, metrics } : undefined);
    switch (signal) {
        case "error-logs":
            return graph("Error log lines", [line(metricNamespace(plan), errorLinesMetric(service), {}, { stat: "Sum" })]);
        case "requests":
            return graph(
                "Requests (per period)",
                groups.map((d) => line(ELB, "RequestCount", d, { stat: "Sum", label: groupName(d.TargetGroup) })),
            );
        case "error-ratio":
            return graph(
                "Target 5xx (% of requests)",
                groups.flatMap((d, i) => [
                    line(ELB, "HTTPCode_Target_5XX_Count", d, { id: `x${i}`, stat: "Sum", visible: false }),
                    line(ELB, "RequestCount", d, { id: `r${i}`, stat: "Sum", visible: false }),
                    [{ expression: `100 * FILL(x${i}, 0) / r${i}`, id: `e${i}`, label: `5xx % ${groupName(d.TargetGroup)}` }],
                ]),
            );
        case "latency":
            return graph(
                "Target response time (s)",
                groups.flatMap((d) =>
                    ["p50", "p95", "p99"].map((p) =>
                        line(ELB, "TargetResponseTime", d, { stat: p, label: `${p} ${groupName(d.TargetGroup)}` }),
                    ),
                ),
            );
        case "replicas":
            if (s.compute === "eks")
                return graph(
                    "Healthy targets (ready pods the load balancer holds)",
                    groups.map((d) => line(ELB, "HealthyHostCount", d, { stat: "Minimum", label: groupName(d.TargetGroup) })),
                );
            break;
    }
    if (s.compute === "eks") return undefined;
    switch (signal) {
        case "cpu":
            return graph("CPU (% of the tasks' reservation)", [line("AWS/ECS", "CPUUtilization", ecs, { stat: "Average" })]);
        case "memory":
            return graph("Memory (% of the tasks' reservation)", [line("AWS/ECS", "MemoryUtilization", ecs, { stat: "Average" })]);
        case "replicas":
            return graph("Running / desired tasks", [
                line("ECS/ContainerInsights", "RunningTaskCount", ecs, { stat: "Average", label: "running" }),
                line("ECS/ContainerInsights", "DesiredTaskCount", ecs, { stat: "Average", label: "desired" }),
            ]);
        default:
            return undefined;
    }
}

/**
 * A datastore's metrics per signal, by namespace: what AWS publishes for the plan's signal (the
 * metric name and statistic), over each of the datastore's dimension sets.
 */
const DATASTORE_METRICS: Record<string, Partial<Record<SignalId, { title: string; metric: string; stat: string }>>> = {
    "AWS/RDS": {
        connections: { title: "Connections", metric: "DatabaseConnections", stat: "Maximum" },
        cpu: { title: "CPU (%)", metric: "CPUUtilization", stat: "Average" },
        memory: { title: "Freeable memory (bytes)", metric: "FreeableMemory", stat: "Minimum" },
    },
    "AWS/DocDB": {
        connections: { title: "Connections", metric: "DatabaseConnections", stat: "Maximum" },
        cpu: { title: "CPU (%)", metric: "CPUUtilization", stat: "Average" },
        memory: { title: "Freeable memory (bytes)", metric: "FreeableMemory", stat: "Minimum" },
    },
    "AWS/ElastiCache": {
        cpu: { title: "Engine CPU (%)", metric: "EngineCPUUtilization", stat: "Average" },
        memory: { title: "Memory used (% of maxmemory)", metric: "DatabaseMemoryUsagePercentage", stat: "Average" },
    },
    "AWS/SQS": {
        "queue-depth": {
            title: "Messages waiting (queue, dead-letter queue)",
            metric: "ApproximateNumberOfMessagesVisible",
            stat: "Maximum",
        },
    },
};

/** What a kind shows beyond the plan's signals, where the managed service's own limit is the one to watch. */
const DATASTORE_EXTRAS: Record<string, { title: string; metric: string; stat: string; first?: boolean }[]> = {
    "AWS/RDS": [{ title: "Free storage (bytes)", metric: "FreeStorageSpace", stat: "Minimum" }],
    "AWS/ElastiCache": [{ title: "Evictions", metric: "Evictions", stat: "Sum" }],
    // The queue's own oldest message (not the dead-letter queue's).
    "AWS/SQS": [{ title: "Oldest message (s)", metric: "ApproximateAgeOfOldestMessage", stat: "Maximum", first: true }],
};

/**
 * The graphs of a datastore's signals that the catalogue's alarms read (monitoring.ts AwsDatastoreAlarms, backup.ts): the
 * instances reporting their readiness metric each minute, a PostgreSQL primary's commits per second (Performance
 * Insights), and the AWS Backup and restore-test jobs completed per hour in its vault for its resource type. CloudWatch
 * has no metric of a recovery point's age: the backup graph shows the completed jobs whose absence BackupMissing counts.
 */
function alertedGraph(plan: SystemPlan, ds: DatastoreSources, name: string, signal: SignalId): Graph | undefined {
    const type = plan.backups.find((b) => b.database === name)?.restoreTest.aws.resourceType;
    const backup = (metric: string) =>
        ds.backupVaultName && type
            ? [line("AWS/Backup", metric, { BackupVaultName: ds.backupVaultName, ResourceType: type }, { stat: "Sum", period: 3600 })]
            : [];
    switch (signal) {
        case "up": {
            const metric = READINESS_METRICS[ds.namespace];
            if (!metric) return undefined;
            const instances = ds.instances ?? ds.dimensions;
            return {
                title: `Instances reporting ${metric} (samples per minute)`,
                metrics: instances.map((d) => line(ds.namespace, metric, d, { stat: "SampleCount", period: 60 })),
            };
        }
        case "commits":
            return ds.perfInsightsResourceId
                ? {
                      title: "Commits per second (primary, Performance Insights)",
                      metrics: [
                          [
                              {
                                  expression: `DB_PERF_INSIGHTS('RDS', '${ds.perfInsightsResourceId}', '${XACT_COMMIT_COUNTER}')`,
                                  id: "commits",
                                  label: "xact_commit per second",
                              },
                          ],
                      ],
                  }
                : undefined;
        case "backup-age": {
            const metrics = backup("NumberOfBackupJobsCompleted");
            return metrics.length > 0 ? { title: `AWS Backup jobs completed per hour (${type}, the vault)`, metrics } : undefined;
        }
        case "restore-test": {
            const metrics = backup("NumberOfRestoreJobsCompleted");
            return metrics.length > 0 ? { title: `Restore tests completed per hour (${type}, the vault)`, metrics } : undefined;
        }
        default:
            return undefined;
    }
}

/** The graphs of a row, and the titles of its signals CloudWatch has no metric for. */
function rowGraphs(plan: SystemPlan, s: DashboardSources, row: RowPlan): { graphs: Graph[]; missing: string[] } {
    const graphs: Graph[] = [];
    const missing: string[] = [];
    const ds = row.subject.kind === "service" ? undefined : s.datastores[row.subject.name];
    for (const signal of row.signals) {
        let g: Graph | undefined;
        if (row.subject.kind === "service") g = serviceGraph(plan, s, row.subject.name, signal.id);
        else if (ds) {
            const m = DATASTORE_METRICS[ds.namespace]?.[signal.id];
            if (m) g = { title: m.title, metrics: ds.dimensions.map((d) => line(ds.namespace, m.metric, d, { stat: m.stat })) };
            else g = alertedGraph(plan, ds, row.subject.name, signal.id);
        }
        if (g) graphs.push(g);
        else missing.push(signal.title);
    }
    for (const e of (ds && DATASTORE_EXTRAS[ds.namespace]) || [])
        graphs.push({
            title: e.title,
            metrics: (e.first ? ds!.dimensions.slice(0, 1) : ds!.dimensions).map((d) => line(ds!.namespace, e.metric, d, { stat: e.stat })),
        });
    return { graphs, missing };
}

/** Graphs per line of the dashboard's 24 columns. */
const GRAPH_WIDTH = 6;
const GRAPH_HEIGHT = 6;

/**
 * The dashboard body of `plan` with its resources' identifiers `s` (Dashboard Body Structure and
 * Syntax: https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html):
 * a title, the saved errors-by-service query over every service's log group as a table (a log widget:
 * `SOURCE '<group>' | ...`), then per row of the plan a text header naming the row (and the signals
 * CloudWatch has no metric for) and its graphs, four to a line.
 */
export function dashboardBody(plan: SystemPlan, s: DashboardSources): DashboardBody {
    const widgets: DashboardWidget[] = [
        {
            type: "text",
            x: 0,
            y: 0,
            width: 24,
            height: 2,
            properties: {
                markdown: `# ${plan.name} (${plan.environment})\nGenerated by tierform from the system's plan; a change made here is overwritten by the next update.`,
            },
        },
    ];
    const groups = Object.values(s.logGroups);
    if (groups.length > 0)
        widgets.push({
            type: "log",
            x: 0,
            y: 2,
            width: 24,
            height: 6,
            properties: {
                title: "Error log lines by service (the dashboard's time range)",
                region: s.region,
                view: "table",
                query: [...groups.map((g) => `SOURCE '${g}'`), LOG_QUERIES["errors-by-service"](plan.observability.errorLines)].join(" | "),
            },
        });
    let y = groups.length > 0 ? 8 : 2;
    for (const row of plan.observability.rows) {
        const { graphs, missing } = rowGraphs(plan, s, row);
        const eks = s.compute === "eks" && row.subject.kind === "service" ? ` On EKS: ${EKS_SATURATION}.` : "";
        const note = missing.length > 0 ? `\nNo CloudWatch metric for: ${missing.join(", ")}.${eks}` : "";
        widgets.push({ type: "text", x: 0, y, width: 24, height: 2, properties: { markdown: `## ${row.title}${note}` } });
        y += 2;
        graphs.forEach((g, i) => {
            const x = (i % (24 / GRAPH_WIDTH)) * GRAPH_WIDTH;
            if (i > 0 && x === 0) y += GRAPH_HEIGHT;
            widgets.push({
                type: "metric",
                x,
                y,
                width: GRAPH_WIDTH,
                height: GRAPH_HEIGHT,
                properties: { title: g.title, view: "timeSeries", stacked: false, region: s.region, period: 300, metrics: g.metrics },
            });
        });
        if (graphs.length > 0) y += GRAPH_HEIGHT;
    }
    return { start: "-PT6H", periodOverride: "auto", widgets };
}
