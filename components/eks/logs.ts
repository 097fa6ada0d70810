/**
 * The services' logs on the EKS placement: the pods write stdout and stderr to their node's /var/log/pods, which kubelet
 * rotates away; a node log collector ships the system namespace's files to CloudWatch Logs, a group per service as on ECS
 * (components/aws/service.ts), kept `observability.logRetentionDays` (the plan's) under the placement's logs key; the ECS
 * services' observability (components/aws/observability.ts: an error-line metric filter per service's group, ErrorLogs on
 * their sum, the saved Logs Insights queries, the dashboard) then reads them as it reads ECS's ({@link createEksObservability}).
 *
 * Why a group per service: ErrorLogs means the same on both (a metric per service, summed), and a metric filter reads only
 * an event's message. It cannot select on the stream (PutMetricFilter's `fieldSelectionCriteria` and
 * `emitSystemFieldDimensions` know the system fields `@aws.account` and `@aws.region` only: CloudWatch Logs API Reference,
 * PutMetricFilter), and its dimensions come from fields of a JSON or space-delimited event ("Publishing dimensions with
 * metrics from values in JSON or space-delimited log events"), which the service's own line, sent raw, does not carry.
 *
 * The collector is staging's (components/kubernetes/observability.ts `otelLogsValues`: the opentelemetry-collector chart
 * as a DaemonSet with its `logsCollection` and `kubernetesAttributes` presets, release `otel-logs`, in its own namespace
 * `log-collector` with the privileged Pod Security exception for its read-only hostPath), with Loki's exporter swapped for
 * `awscloudwatchlogs`, as traces.ts swaps Tempo for `awsxray`. The exporter (opentelemetry-collector-contrib
 * exporter/awscloudwatchlogsexporter, in the contrib image the chart runs; collector 0.153.0 of the pinned chart 0.158.3):
 * - `log_group_name`: {@link EKS_LOG_GROUP}, the service's group ({@link eksPodLogGroupName}, each created here), and
 *   `log_stream_name`: {@link EKS_LOG_STREAM}, one stream per pod. The exporter resolves the placeholders `{ServiceName}`
 *   and `{PodName}` in both (util.go `getLogInfo`, `patternKeyToAttributeMap`, `replacePatternWithAttrValue`,
 *   `isPatternValid`: no other placeholder; added by open-telemetry/opentelemetry-collector-contrib#37297, merged 2025)
 *   from the record's resource attributes `ServiceName` (or `service.name`) and `PodName` (or `pod`); an unresolved one
 *   becomes `undefined`. The chart writes the values through `toYaml`, which quotes a string with `{` (unquoted in a
 *   hand-written file one starting with it would be a YAML map, contrib issue #46202). The filelog receiver's container
 *   parser sets `k8s.pod.name` from the log's path, which a `resource` processor copies to `PodName`; the k8sattributes
 *   processor sets `component` from the pod's `app.kubernetes.io/name` label (staging's extraction), and a `transform`
 *   processor (OTTL, resource context: opentelemetry-collector-contrib processor/transformprocessor) sets `ServiceName`
 *   to the service a component belongs to (its Deployment's pods, its migration Job's `<service>-migrate` and its
 *   promotion checks' `<service>-rollout-check`), every other pod to {@link OTHER_PODS}, whose group is created too, so
 *   no pod of the namespace names a group the role cannot write to;
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
 * CreateLogGroup and PutRetentionPolicy only when the group itself is missing. The groups are the program's, so the role
 * (EKS Pod Identity for the chart's ServiceAccount `log-collector/otel-logs`, identity.ts) may only put events and create
 * streams in them: a deleted group is an error in the collector's log, never a new group without the key and the retention.
 * Nothing calls DescribeLogStreams, so it is not granted.
 *
 * The key: the placement's logs key admits CloudWatch Logs for every log group of the account in its region
 * (components/aws/kms.ts, `kms:EncryptionContext:aws:logs:arn` like `log-group:*`), this one included.
 */
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PINS } from "../../conventions/pins";
import type { SystemPlan } from "../../plan";
import { AwsObservability, routedTargets, type AwsObservabilityArgs } from "../aws/observability";
import { LOG_COLLECTOR_NAMESPACE, logCollectorNamespace, otelLogsValues } from "../kubernetes/observability";
import { LOG_LABELS } from "../shared/dashboards";
import { awsTags, resourceName } from "../shared/naming";
import { podIdentityRelease } from "./identity";

/** The node log collector's release and ServiceAccount (the chart's fullname, `fullnameOverride` of otelLogsValues), in its namespace. */
export const EKS_LOG_COLLECTOR = { release: "otel-logs", serviceAccount: "otel-logs", namespace: LOG_COLLECTOR_NAMESPACE } as const;

/**
 * The log group of a service's pods on EKS: `/tierform/<system>-<environment>/eks-pods/<service>` (ending in the service's
 * name, as the ECS services' groups do, which the saved queries read the service from).
 */
export const eksPodLogGroupName = (plan: Pick<SystemPlan, "name" | "environment">, service: string) =>
    `/tierform/${resourceName([plan.name, plan.environment])}/eks-pods/${service}`;

/** The `ServiceName` of a pod of the namespace that belongs to no service: no service is named so (spec names are `a-z0-9-`). */
export const OTHER_PODS = "_other";

/** The exporter's group: the record's service's ({@link eksPodLogGroupName} with the exporter's placeholder; see the module doc). */
export const eksLogGroupPattern = (plan: Pick<SystemPlan, "name" | "environment">) => eksPodLogGroupName(plan, "{ServiceName}");

/** One stream per pod in its service's group (the exporter's placeholder; see the module doc). */
export const EKS_LOG_STREAM = "{PodName}";

/** The components whose pods log into a service's group: its own pods, its migration Job's and its promotion checks' (components/kubernetes). */
export const serviceComponents = (service: string) => [service, `${service}-migrate`, `${service}-rollout-check`];

/** The OTTL statements (resource context) that set `ServiceName` to the service of the record's `component`, else {@link OTHER_PODS}. */
export function serviceNameStatements(services: string[]): string[] {
    const component = `attributes["${LOG_LABELS.component}"]`;
    return [
        `set(attributes["ServiceName"], "${OTHER_PODS}")`,
        ...services.map(
            (s) =>
                `set(attributes["ServiceName"], "${s}") where ${serviceComponents(s)
                    .map((c) => `${component} == "${c}"`)
                    .join(" or ")}`,
        ),
    ];
}

/** The log actions the collector's role has on its group (see the module doc). */
export const LOG_WRITE_ACTIONS = ["logs:CreateLogStream", "logs:PutLogEvents"];

/** The collector's values on EKS: staging's node log collector, the system namespace's pod logs to their services' CloudWatch Logs groups in `region`. */
export function eksLogsValues(args: {
    namespace: string;
    logGroupName: string;
    services: string[];
    region: pulumi.Input<string>;
}): Record<string, unknown> {
    const staging = otelLogsValues() as { config: { processors: Record<string, unknown> } };
    return {
        ...staging,
        serviceAccount: { create: true, name: EKS_LOG_COLLECTOR.serviceAccount },
        config: {
            // The preset's filelog receiver (include /var/log/pods/*/*/*.log): the chart merges this over it, the list replaced.
            receivers: { filelog: { include: [`/var/log/pods/${args.namespace}_*/*/*.log`] } },
            processors: {
                ...staging.config.processors,
                "resource/cloudwatch": { attributes: [{ key: "PodName", from_attribute: "k8s.pod.name", action: "upsert" }] },
                "transform/service": { log_statements: [{ context: "resource", statements: serviceNameStatements(args.services) }] },
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
                        processors: ["memory_limiter", "resource/cloudwatch", "transform/service", "batch"],
                        exporters: ["awscloudwatchlogs"],
                    },
                },
            },
        },
    };
}

/** Arguments of {@link EksPodLogs}. */
export interface EksPodLogsArgs {
    /** The system's plan: its name, environment, services and log retention. */
    plan: SystemPlan;
    /** The namespace the system's pods run in: the only one whose logs are shipped. */
    namespace: string;
    /** The cluster's name and ARN (the Pod Identity association). */
    cluster: { name: pulumi.Input<string>; arn: pulumi.Input<string> };
    /** The stack's region: where the exporter sends. */
    region: pulumi.Input<string>;
    /** The placement's logs key (its policy admits CloudWatch Logs, components/aws/kms.ts). */
    logsKey: { arn: pulumi.Input<string> };
}

/**
 * The system's pod logs in CloudWatch Logs: a group per service and one for the namespace's other pods, and the node log
 * collector shipping to them with its Pod Identity. Type token `tierform:eks:PodLogs`.
 */
export class EksPodLogs extends pulumi.ComponentResource {
    /** Each service's log group, by service name. */
    readonly logGroups: Record<string, aws.cloudwatch.LogGroup> = {};
    /** The collector's Helm release. */
    readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: EksPodLogsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("tierform:eks:PodLogs", name, {}, opts);
        const { plan } = args;
        const child = { parent: this };
        const services = Object.keys(plan.services);
        const group = (key: string, service: string) =>
            new aws.cloudwatch.LogGroup(
                key,
                {
                    name: eksPodLogGroupName(plan, service),
                    retentionInDays: plan.observability.logRetentionDays,
                    kmsKeyId: args.logsKey.arn,
                    tags: { ...awsTags(plan, "service"), ...(service === OTHER_PODS ? {} : { service }) },
                },
                child,
            );
        for (const service of services) this.logGroups[service] = group(`${name}-${service}-group`, service);
        // The pre-existing logical name: the system's one group became the other pods' (a replacement: its name changed).
        const others = group(`${name}-group`, OTHER_PODS);
        const groups = [...Object.values(this.logGroups), others];
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
                    Resource: groups.flatMap((g) => [g.arn, pulumi.interpolate`${g.arn}:log-stream:*`]),
                },
            ],
            values: eksLogsValues({ namespace: args.namespace, logGroupName: eksLogGroupPattern(plan), services, region: args.region }),
            createNamespace: false,
            dependsOn: [namespace, ...groups],
        }).release;
        this.registerOutputs({ logGroupNames: Object.fromEntries(Object.entries(this.logGroups).map(([k, g]) => [k, g.name])) });
    }
}

/**
 * The ECS services' observability over the pods' groups (components/aws/observability.ts `AwsObservability`, `compute: "eks"`):
 * an error-line metric filter per service's group and ErrorLogs on their sum, HighErrorRatio and HighLatencyP99 on each
 * routed service's target groups, the saved Logs Insights queries, and the dashboard (its saturation: `EKS_SATURATION`).
 */
export function createEksObservability(
    name: string,
    args: Pick<AwsObservabilityArgs, "plan" | "alarmTopicArn" | "clusterName" | "datastores"> & {
        logs: EksPodLogs;
        targets: Parameters<typeof routedTargets>[0];
    },
    opts: pulumi.ComponentResourceOptions,
): AwsObservability {
    const { logs, targets, ...rest } = args;
    return new AwsObservability(
        name,
        {
            ...rest,
            compute: "eks",
            logGroups: Object.fromEntries(Object.entries(logs.logGroups).map(([k, g]) => [k, g.name])),
            serviceNames: {},
            targets: routedTargets(targets),
        },
        opts,
    );
}
