/**
 * The services' logs on the EKS placement: the pods write stdout and stderr to their node's /var/log/pods, which kubelet
 * rotates away; a node log collector ships the system namespace's files to a CloudWatch Logs group of the system's, where
 * they are kept `observability.logRetentionDays` (the plan's) under the placement's logs key, as the ECS services' are
 * (components/aws/service.ts), and counted by a metric filter behind the ErrorLogs alarm.
 *
 * The collector is staging's (components/kubernetes/observability.ts `otelLogsValues`: the opentelemetry-collector chart
 * as a DaemonSet with its `logsCollection` and `kubernetesAttributes` presets, release `otel-logs`, in its own namespace
 * `log-collector` with the privileged Pod Security exception for its read-only hostPath), with Loki's exporter swapped for
 * `awscloudwatchlogs`, as traces.ts swaps Tempo for `awsxray`. The exporter (opentelemetry-collector-contrib
 * exporter/awscloudwatchlogsexporter, in the contrib image the chart runs; collector 0.153.0 of the pinned chart 0.158.3):
 * - `log_group_name`: the group this file creates ({@link eksPodLogGroupName});
 * - `log_stream_name`: {@link EKS_LOG_STREAM}, one stream per pod named after its service. The exporter resolves the
 *   placeholders `{ServiceName}` and `{PodName}` from the record's resource attributes `ServiceName` (or `service.name`)
 *   and `PodName` (or `pod`) (util.go `patternKeyToAttributeMap`, `replacePatternWithAttrValue`, `isPatternValid`: no
 *   other placeholder; added by open-telemetry/opentelemetry-collector-contrib#37297, merged 2025); an unresolved one
 *   becomes `undefined`. The chart writes the value through `toYaml`, which quotes a string starting with `{` (unquoted
 *   in a hand-written file it would be a YAML map, contrib issue #46202). The filelog receiver's container parser sets
 *   `k8s.pod.name` from the log's path and the k8sattributes processor sets `component` from the pod's
 *   `app.kubernetes.io/name` label (staging's extraction), so a `resource` processor copies them to those keys;
 * - `raw_log: true`: the event is the log line alone (exporter.go `logToCWLog`: the body as a string), not the JSON
 *   wrapper of body, attributes and resource, so a filter pattern and Logs Insights read the service's own line. With
 *   it the exporter (logToCWLog, in the versions read) also honours an embedded-metric-format line's own
 *   `_aws.LogGroupName` (or `log_group_name`): a pod writing one names another group, which the role below cannot write
 *   to, so that event is refused, not misfiled;
 * - `region`: the stack's (the exporter takes it from the config when the credential chain gives none).
 * Only the system namespace's files are read: the filelog receiver's `include` names `/var/log/pods/<namespace>_*`
 * (kubelet's `<namespace>_<pod>_<uid>` directories), and the logs pipeline has no other receiver.
 *
 * What the exporter calls (internal/aws/cwlogs cwlog_client.go): PutLogEvents, and on ResourceNotFound CreateLogStream;
 * CreateLogGroup and PutRetentionPolicy only when the group itself is missing. The group is the program's, so the role
 * (EKS Pod Identity for the chart's ServiceAccount `log-collector/otel-logs`, identity.ts) may only put events and create
 * streams in it: a deleted group is an error in the collector's log, never a new group without the key and the retention.
 * Nothing calls DescribeLogStreams, so it is not granted.
 *
 * The group also gets the ECS services' saved Logs Insights queries (errors by service, slowest requests, tail), each
 * event's service read from its stream's name ({@link SERVICE_OF_STREAM}).
 *
 * The key: the placement's logs key admits CloudWatch Logs for every log group of the account in its region
 * (components/aws/kms.ts, `kms:EncryptionContext:aws:logs:arn` like `log-group:*`), this one included.
 */
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PINS } from "../../conventions/pins";
import type { AlertPlan, SystemPlan } from "../../plan";
import { alarmOf, errorLinePattern, LOG_QUERIES, metricNamespace } from "../aws/observability";
import { dataAlarm } from "../aws/monitoring";
import { LOG_COLLECTOR_NAMESPACE, logCollectorNamespace, otelLogsValues } from "../kubernetes/observability";
import { LOG_LABELS } from "../shared/dashboards";
import { awsTags, resourceName } from "../shared/naming";
import { podIdentityRelease } from "./identity";

/** The node log collector's release and ServiceAccount (the chart's fullname, `fullnameOverride` of otelLogsValues), in its namespace. */
export const EKS_LOG_COLLECTOR = { release: "otel-logs", serviceAccount: "otel-logs", namespace: LOG_COLLECTOR_NAMESPACE } as const;

/** The log group of the system's pods on EKS: `/tierform/<system>-<environment>/eks-pods` (the ECS services' groups end in their service's name). */
export const eksPodLogGroupName = (plan: Pick<SystemPlan, "name" | "environment">) =>
    `/tierform/${resourceName([plan.name, plan.environment])}/eks-pods`;

/** One stream per pod, under its service's name (the exporter's placeholders; see the module doc). */
export const EKS_LOG_STREAM = "{ServiceName}/{PodName}";

/** The service of an event in Logs Insights: its stream is `<service>/<pod>` ({@link EKS_LOG_STREAM}), so the first segment. */
export const SERVICE_OF_STREAM = "parse @logStream /^(?<service>[^\\/]+)\\//";

/** The metric of the system's error lines (all its services: one group), in the system's namespace (components/aws/observability.ts). */
export const EKS_ERROR_LINES_METRIC = "error-log-lines";

/** The log actions the collector's role has on its group (see the module doc). */
export const LOG_WRITE_ACTIONS = ["logs:CreateLogStream", "logs:PutLogEvents"];

/** The collector's values on EKS: staging's node log collector, the system namespace's pod logs to CloudWatch Logs in `region`. */
export function eksLogsValues(args: { namespace: string; logGroupName: string; region: pulumi.Input<string> }): Record<string, unknown> {
    const staging = otelLogsValues() as { config: { processors: Record<string, unknown> } };
    return {
        ...staging,
        serviceAccount: { create: true, name: EKS_LOG_COLLECTOR.serviceAccount },
        config: {
            // The preset's filelog receiver (include /var/log/pods/*/*/*.log): the chart merges this over it, the list replaced.
            receivers: { filelog: { include: [`/var/log/pods/${args.namespace}_*/*/*.log`] } },
            processors: {
                ...staging.config.processors,
                "resource/cloudwatch": {
                    attributes: [
                        { key: "ServiceName", from_attribute: LOG_LABELS.component, action: "upsert" },
                        { key: "PodName", from_attribute: "k8s.pod.name", action: "upsert" },
                    ],
                },
            },
            exporters: {
                awscloudwatchlogs: {
                    region: args.region,
                    log_group_name: args.logGroupName,
                    log_stream_name: EKS_LOG_STREAM,
                    raw_log: true,
                },
            },
            service: {
                pipelines: {
                    // The preset appends filelog to the receivers and puts k8sattributes before the processors.
                    logs: {
                        receivers: ["filelog"],
                        processors: ["memory_limiter", "resource/cloudwatch", "batch"],
                        exporters: ["awscloudwatchlogs"],
                    },
                },
            },
        },
    };
}

/** Arguments of {@link EksPodLogs}. */
export interface EksPodLogsArgs {
    /** The system's plan: its name, environment, log retention, error lines and the ErrorLogs alert. */
    plan: SystemPlan;
    /** The namespace the system's pods run in: the only one whose logs are shipped. */
    namespace: string;
    /** The cluster's name and ARN (the Pod Identity association). */
    cluster: { name: pulumi.Input<string>; arn: pulumi.Input<string> };
    /** The stack's region: where the exporter sends. */
    region: pulumi.Input<string>;
    /** The placement's logs key (its policy admits CloudWatch Logs, components/aws/kms.ts). */
    logsKey: { arn: pulumi.Input<string> };
    /** The topic the ErrorLogs alarm notifies. */
    alarmTopic: { topicArn: pulumi.Input<string> };
}

/**
 * The system's pod logs in CloudWatch Logs: the group, the node log collector shipping to it with its Pod Identity, and the
 * ErrorLogs metric filter and alarm, and the ECS services' saved Logs Insights queries over the group (components/aws/observability.ts
 * `LOG_QUERIES`, each event's service read from its stream's name). Type token `tierform:eks:PodLogs`.
 */
export class EksPodLogs extends pulumi.ComponentResource {
    /** The pods' log group. */
    readonly logGroup: aws.cloudwatch.LogGroup;
    /** The collector's Helm release. */
    readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: EksPodLogsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("tierform:eks:PodLogs", name, {}, opts);
        const { plan } = args;
        const child = { parent: this };
        const o = plan.observability;
        this.logGroup = new aws.cloudwatch.LogGroup(
            `${name}-group`,
            {
                name: eksPodLogGroupName(plan),
                retentionInDays: o.logRetentionDays,
                kmsKeyId: args.logsKey.arn,
                tags: awsTags(plan, "service"),
            },
            child,
        );
        const namespace = logCollectorNamespace(`${name}-namespace`, child);
        this.release = podIdentityRelease(this, name, {
            system: plan,
            cluster: args.cluster,
            release: EKS_LOG_COLLECTOR.release,
            chart: PINS.otelCollectorChart,
            namespace: EKS_LOG_COLLECTOR.namespace,
            serviceAccount: EKS_LOG_COLLECTOR.serviceAccount,
            statements: [
                {
                    Sid: "PodLogsToTheSystemsGroup",
                    Effect: "Allow",
                    Action: LOG_WRITE_ACTIONS,
                    Resource: [this.logGroup.arn, pulumi.interpolate`${this.logGroup.arn}:log-stream:*`],
                },
            ],
            values: eksLogsValues({ namespace: args.namespace, logGroupName: eksPodLogGroupName(plan), region: args.region }),
            createNamespace: false,
            dependsOn: [namespace, this.logGroup],
        }).release;
        errorLines(this, name, plan, this.logGroup, args.alarmTopic.topicArn);
        for (const [kind, query] of Object.entries(LOG_QUERIES))
            new aws.cloudwatch.QueryDefinition(
                `${name}-${kind}`,
                {
                    name: `tierform/${resourceName([plan.name, plan.environment])}/${kind}`,
                    queryString: query(o.errorLines, SERVICE_OF_STREAM),
                    logGroupNames: [this.logGroup.name],
                },
                child,
            );
        this.registerOutputs({ logGroupName: this.logGroup.name });
    }
}

/**
 * The plan's error lines in the pods' group: a metric filter counting them (components/aws/observability.ts
 * `errorLinePattern`, the ECS services' pattern: with `raw_log` the event is the line itself) into {@link EKS_ERROR_LINES_METRIC},
 * and the ErrorLogs alarm on its sum over the alert's window, at the plan's threshold and duration.
 */
function errorLines(
    parent: pulumi.Resource,
    name: string,
    plan: SystemPlan,
    group: aws.cloudwatch.LogGroup,
    topicArn: pulumi.Input<string>,
): void {
    const namespace = metricNamespace(plan);
    new aws.cloudwatch.LogMetricFilter(
        `${name}-error-lines`,
        {
            name: "error-lines",
            logGroupName: group.name,
            pattern: errorLinePattern(plan.observability.errorLines),
            metricTransformation: { namespace, name: EKS_ERROR_LINES_METRIC, value: "1", defaultValue: "0", unit: "Count" },
        },
        { parent },
    );
    const alert: AlertPlan | undefined = plan.observability.alerts.find((a) => a.id === "ErrorLogs");
    if (!alert) return;
    dataAlarm(parent, plan, "monitoring", "error-logs", topicArn, {
        ...alarmOf(alert),
        namespace,
        metricName: EKS_ERROR_LINES_METRIC,
        statistic: "Sum",
        period: alert.windowMinutes * 60,
    });
}
