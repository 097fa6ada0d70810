/**
 * The observability plan (plan/observability.ts) on AWS, beside the alarms of monitoring.ts and the
 * datastores': what CloudWatch makes of the services' logs. Reads the plan only.
 *
 * - **Error lines**: a metric filter on each service's log group counting the plan's error lines
 *   ({@link errorLinePattern}) into the system's namespace (`tierform/<system>-<environment>`), one
 *   metric per service (`<service>-error-log-lines`: a metric filter's dimensions are fields of the
 *   log event, not constants — PutMetricFilter, MetricTransformation `dimensions` — so the service is
 *   in the metric's name); 0 for every other line that arrives.
 * - **ErrorLogs**, the catalogue's alarm on them: the sum over the services above its threshold.
 * - **Saved Logs Insights queries** ({@link LOG_QUERIES}), one per kind for the whole system, over
 *   every service's log group. The load balancers' access logs are in S3 (edge/logs.ts), which Logs
 *   Insights does not read, so the slowest requests are read from the services' own JSON lines.
 *
 * Query definitions carry no key: CloudWatch Logs keeps the query text itself (PutQueryDefinition
 * has no KMS parameter); the log groups they read are encrypted with the stack's logs key.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AlertPlan, ErrorLinePlan, SystemPlan } from "../../plan";
import { resourceName } from "../shared/naming";
import { dataAlarm } from "./monitoring";

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

/**
 * The saved Logs Insights queries of a system, by kind, over every service's log group (the console
 * asks for the time range: the last hour is its default). Logs Insights query syntax:
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_QuerySyntax.html (`parse` with a
 * named-group regex, `stats ... by`, `coalesce`, `ispresent`, `#` comments).
 */
export const LOG_QUERIES: Record<"errors-by-service" | "slowest-requests" | "tail", (lines: ErrorLinePlan) => string> = {
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
}

/** At most this many metrics in one alarm's metric math, with the expression the tenth item (as cache.ts does). */
const METRICS_PER_ALARM = 9;

/** The error-line filters, their alarm and the saved queries of a system. Type token `tierform:aws:Observability`. */
export class AwsObservability extends pulumi.ComponentResource {
    /** The metric filters, by service name. */
    readonly errorFilters: Record<string, aws.cloudwatch.LogMetricFilter> = {};

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
        const alert = o.alerts.find((a) => a.id === "ErrorLogs");
        if (alert) errorLogsAlarms(this, plan, alert, namespace, services, args.alarmTopicArn);

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
        this.registerOutputs({});
    }
}

/** The catalogue's ErrorLogs: the error lines of every service summed over the alert's window (one alarm per 9 services). */
function errorLogsAlarms(
    parent: pulumi.Resource,
    plan: SystemPlan,
    alert: AlertPlan,
    namespace: string,
    services: string[],
    topic: pulumi.Input<string>,
): void {
    for (let chunk = 0; chunk * METRICS_PER_ALARM < services.length; chunk++) {
        const part = services.slice(chunk * METRICS_PER_ALARM, (chunk + 1) * METRICS_PER_ALARM);
        const suffix = services.length > METRICS_PER_ALARM ? `-${chunk + 1}` : "";
        dataAlarm(parent, plan, "monitoring", `error-logs${suffix}`, topic, {
            alarmDescription: `${alert.id}: ${alert.summary}${suffix ? ` (${part.join(", ")})` : ""}`,
            comparisonOperator: alert.comparison === ">" ? "GreaterThanThreshold" : "LessThanThreshold",
            threshold: alert.threshold,
            evaluationPeriods: Math.max(1, Math.round(alert.forMinutes / alert.windowMinutes)),
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
