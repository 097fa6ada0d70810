/**
 * Monitoring on AWS: the alarm topic every alarm notifies (SNS, KMS-encrypted, TLS-only, e-mail
 * subscription from `tierform:alarmEmail`), the application alarms (ALB error rate and p99
 * latency — the seeds' HighErrorRate —, target health, ECS services pinned at their autoscaling
 * ceiling), the catalogue's datastore alerts (DatastoreNotReady, DatabaseSlowQueries, BackupMissing:
 * {@link AwsDatastoreAlarms}, from the plan), and `dataAlarm`, which the datastore components use for
 * their own alarms (RDS, ElastiCache, SQS, AWS Backup).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { awsTags, resourceName, type Tier } from "../shared/naming";
import { awsPlace, denyInsecureTransport, policyJson } from "./common";
import { AwsKms } from "./kms";
import type { AlertPlan, PlatformSettings, SystemFacts, SystemPlan } from "../../plan";
import type { AwsDatastoreMetrics } from "./contract";

/** One CloudWatch alarm, without the parts `dataAlarm` fills (name, actions, tags). */
export type AlarmSpec = Omit<aws.cloudwatch.MetricAlarmArgs, "name" | "alarmActions" | "okActions" | "tags">;

/**
 * A CloudWatch alarm named `<system>-<id>` that notifies `topicArn` on ALARM and OK, parented to
 * `parent`. Missing data is not breaching unless the spec says otherwise (an idle queue or a
 * quiet night is not an incident).
 */
export function dataAlarm(
    parent: pulumi.Resource,
    system: SystemFacts,
    tier: Tier,
    id: string,
    topicArn: pulumi.Input<string>,
    spec: AlarmSpec,
): aws.cloudwatch.MetricAlarm {
    const name = resourceName([system.name, id], 255);
    return new aws.cloudwatch.MetricAlarm(
        name,
        {
            name,
            treatMissingData: "notBreaching",
            ...spec,
            alarmActions: [topicArn],
            okActions: [topicArn],
            tags: awsTags(system, tier),
        },
        { parent },
    );
}

/** Arguments of {@link AwsAlarmTopic}. */
export interface AwsAlarmTopicArgs {
    /** The system's facts (names and tags of the topic and its default key). */
    system: SystemFacts;
    /** `alarmEmail` subscribes an e-mail address (confirmed by the recipient); empty: no subscription. */
    settings: PlatformSettings;
    /**
     * KMS key that encrypts the topic. Its policy must let cloudwatch.amazonaws.com,
     * events.amazonaws.com and backup.amazonaws.com use it (an `AwsKms` key with `services: ["alarms"]` does).
     * @default a new `AwsKms` key for the alarms
     */
    kmsKeyArn?: pulumi.Input<string>;
}

/** The SNS topic every alarm of the system notifies. */
export class AwsAlarmTopic extends pulumi.ComponentResource {
    readonly topic: aws.sns.Topic;
    readonly topicArn: pulumi.Output<string>;
    /** The key encrypting the topic. */
    readonly kmsKeyArn: pulumi.Output<string>;

    constructor(name: string, args: AwsAlarmTopicArgs, opts: pulumi.ComponentResourceOptions = {}) {
        // Its own type token (it shared tierform:aws:Monitoring with AwsAppAlarms); the alias keeps existing stacks in place.
        super("tierform:aws:AlarmTopic", name, {}, { ...opts, aliases: [...(opts.aliases ?? []), { type: "tierform:aws:Monitoring" }] });
        const { system, settings } = args;
        this.kmsKeyArn = args.kmsKeyArn
            ? pulumi.output(args.kmsKeyArn)
            : new AwsKms(`${name}-key`, { system, purpose: "alarms", services: ["alarms"] }, { parent: this }).arn;
        this.topic = new aws.sns.Topic(
            name,
            {
                name: resourceName([system.name, system.environment, "alarms"], 256),
                kmsMasterKeyId: this.kmsKeyArn,
                tags: awsTags(system, "monitoring"),
            },
            { parent: this },
        );
        const place = awsPlace({ parent: this });
        new aws.sns.TopicPolicy(
            name,
            {
                arn: this.topic.arn,
                policy: policyJson([
                    // CloudWatch alarms send aws:SourceAccount with their SNS actions (CloudWatch User Guide, "Notify users on
                    // alarm changes", Amazon SNS confused-deputy prevention:
                    // https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Notify_Users_Alarm_Changes.html).
                    {
                        Sid: "CloudWatchAlarmsOfThisAccountPublish",
                        Effect: "Allow",
                        Principal: { Service: "cloudwatch.amazonaws.com" },
                        Action: "sns:Publish",
                        Resource: this.topic.arn,
                        Condition: { StringEquals: { "aws:SourceAccount": place.accountId } },
                    },
                    // EventBridge and AWS Backup: their documented topic policies carry no source condition
                    // (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-sns-permissions,
                    // https://docs.aws.amazon.com/aws-backup/latest/devguide/backup-notifications.html); a key they do not
                    // send would drop every notification silently. The topic is reachable only by its ARN from this account's rules and vaults.
                    {
                        Sid: "EventBridgeAndBackupPublish",
                        Effect: "Allow",
                        Principal: { Service: ["events.amazonaws.com", "backup.amazonaws.com"] },
                        Action: "sns:Publish",
                        Resource: this.topic.arn,
                    },
                    {
                        Sid: "AccountManagesTopic",
                        Effect: "Allow",
                        Principal: { AWS: pulumi.interpolate`arn:${place.partition}:iam::${place.accountId}:root` },
                        Action: [
                            "sns:Publish",
                            "sns:Subscribe",
                            "sns:GetTopicAttributes",
                            "sns:SetTopicAttributes",
                            "sns:ListSubscriptionsByTopic",
                        ],
                        Resource: this.topic.arn,
                    },
                    denyInsecureTransport("sns:Publish", [this.topic.arn]),
                ]),
            },
            { parent: this },
        );
        if (settings.alarmEmail) {
            new aws.sns.TopicSubscription(
                name,
                { topic: this.topic.arn, protocol: "email", endpoint: settings.alarmEmail },
                { parent: this },
            );
        }
        this.topicArn = this.topic.arn;
        this.registerOutputs({ topicArn: this.topicArn });
    }
}

/** What the edge gives the application alarms: its load balancer and each routed service's target groups (AwsEdge's `targets`). */
interface AlarmedEdge {
    loadBalancerArnSuffix: pulumi.Input<string>;
    targets: Record<
        string,
        {
            targetGroupArnSuffix: pulumi.Input<string>;
            loadBalancerArnSuffix: pulumi.Input<string>;
            trafficShift?: { alternateTargetGroupArnSuffix: pulumi.Input<string> };
        }
    >;
}

/**
 * The load balancer and target groups of {@link AwsAppAlarmsArgs} from the edge, for the aws platform and the EKS placement
 * alike: each routed service's target group (and a traffic shift's alternate, as `<service>-alternate`), and the internal
 * load balancer of a target group that is on it.
 */
export function edgeAlarmTargets(
    edge: AlarmedEdge,
): Pick<AwsAppAlarmsArgs, "loadBalancerArnSuffix" | "targetGroupArnSuffixes" | "targetGroupLoadBalancers"> {
    const targets = Object.entries(edge.targets);
    return {
        loadBalancerArnSuffix: edge.loadBalancerArnSuffix,
        targetGroupArnSuffixes: Object.fromEntries(
            targets.flatMap(([k, t]) => [
                [k, t.targetGroupArnSuffix],
                ...(t.trafficShift ? [[`${k}-alternate`, t.trafficShift.alternateTargetGroupArnSuffix]] : []),
            ]),
        ),
        targetGroupLoadBalancers: Object.fromEntries(
            targets.flatMap(([k, t]) => (t.loadBalancerArnSuffix === edge.loadBalancerArnSuffix ? [] : [[k, t.loadBalancerArnSuffix]])),
        ),
    };
}

/** Arguments of {@link AwsAppAlarms}. */
export interface AwsAppAlarmsArgs {
    /** The system's plan: the thresholds of `monitoring` (errorRatePercent, p99LatencyMs), each service's replica range and scaling targets. */
    plan: SystemPlan;
    /** SNS topic every alarm notifies. */
    alarmTopicArn: pulumi.Input<string>;
    /**
     * ARN suffix of the Application Load Balancer (`app/<name>/<id>`, `lb.LoadBalancer.arnSuffix`).
     * @default no load-balancer alarms
     */
    loadBalancerArnSuffix?: pulumi.Input<string>;
    /**
     * ARN suffix of each routed service's target group (`lb.TargetGroup.arnSuffix`) by service name.
     * @default {} (no target-health alarms)
     */
    targetGroupArnSuffixes?: Record<string, pulumi.Input<string>>;
    /**
     * The load balancer (ARN suffix) of a target group in `targetGroupArnSuffixes` that is not on
     * `loadBalancerArnSuffix`'s, by the same key: the internal load balancer's target groups.
     * @default {} (every target group is on `loadBalancerArnSuffix`)
     */
    targetGroupLoadBalancers?: Record<string, pulumi.Input<string>>;
    /** ECS cluster name. */
    clusterName: pulumi.Input<string>;
    /**
     * ECS service name of each spec service (`ecs.Service.name`) by service name.
     * @default {} (no ECS alarms)
     */
    serviceNames?: Record<string, pulumi.Input<string>>;
}

/**
 * Application alarms: ALB 5xx rate above `monitoring.errorRatePercent` (the seeds' HighErrorRate:
 * 5xx responses over requests, 5 minutes), ALB p99 target response time above
 * `monitoring.p99LatencyMs`, unhealthy targets per target group, and each ECS service running at
 * its replica ceiling while its CPU or memory stays above the autoscaling target — the point where
 * autoscaling can no longer help.
 */
export class AwsAppAlarms extends pulumi.ComponentResource {
    readonly alarms: aws.cloudwatch.MetricAlarm[] = [];

    constructor(name: string, args: AwsAppAlarmsArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("tierform:aws:AppAlarms", name, {}, { ...opts, aliases: [...(opts.aliases ?? []), { type: "tierform:aws:Monitoring" }] });
        const { plan, alarmTopicArn: topic } = args;
        const alarm = (id: string, spec: AlarmSpec) => this.alarms.push(dataAlarm(this, plan, "monitoring", id, topic, spec));
        const lb = args.loadBalancerArnSuffix;
        if (lb) {
            const albMetric = (metricName: string) => ({
                namespace: "AWS/ApplicationELB",
                metricName,
                dimensions: { LoadBalancer: lb },
                period: 300,
                stat: "Sum",
            });
            alarm("alb-5xx-rate", {
                alarmDescription: `HighErrorRate: more than ${plan.monitoring.errorRatePercent}% of requests answered 5xx over 5 minutes`,
                comparisonOperator: "GreaterThanThreshold",
                threshold: plan.monitoring.errorRatePercent,
                evaluationPeriods: 1,
                metricQueries: [
                    { id: "target5xx", metric: albMetric("HTTPCode_Target_5XX_Count"), returnData: false },
                    { id: "elb5xx", metric: albMetric("HTTPCode_ELB_5XX_Count"), returnData: false },
                    { id: "requests", metric: albMetric("RequestCount"), returnData: false },
                    {
                        id: "errorrate",
                        expression: "100 * (FILL(target5xx, 0) + FILL(elb5xx, 0)) / requests",
                        label: "5xx rate (%)",
                        returnData: true,
                    },
                ],
            });
            alarm("alb-p99-latency", {
                alarmDescription: `p99 target response time above ${plan.monitoring.p99LatencyMs} ms for 15 minutes`,
                namespace: "AWS/ApplicationELB",
                metricName: "TargetResponseTime",
                dimensions: { LoadBalancer: lb },
                extendedStatistic: "p99",
                period: 300,
                evaluationPeriods: 3,
                comparisonOperator: "GreaterThanThreshold",
                threshold: plan.monitoring.p99LatencyMs / 1000,
            });
            for (const [service, tg] of Object.entries(args.targetGroupArnSuffixes ?? {})) {
                alarm(`${service}-unhealthy-targets`, {
                    alarmDescription: `${service}: at least one target failing its health check for 3 minutes`,
                    namespace: "AWS/ApplicationELB",
                    metricName: "UnHealthyHostCount",
                    dimensions: { LoadBalancer: args.targetGroupLoadBalancers?.[service] ?? lb, TargetGroup: tg },
                    statistic: "Maximum",
                    period: 60,
                    evaluationPeriods: 3,
                    comparisonOperator: "GreaterThanThreshold",
                    threshold: 0,
                });
            }
        }
        for (const [service, serviceName] of Object.entries(args.serviceNames ?? {})) {
            const spec = plan.services[service];
            if (!spec) continue;
            const dimensions = { ClusterName: args.clusterName, ServiceName: serviceName };
            // The autoscaler's own targets (service/scaling.ts reads the same plan); 80 % where it follows none.
            const targets: [string, string, number][] = [
                ["cpu", "CPUUtilization", spec.scaling.cpuPercent ?? 80],
                ["memory", "MemoryUtilization", spec.scaling.memoryPercent ?? 80],
            ];
            for (const [id, metricName, target] of targets) {
                alarm(`${service}-${id}-at-ceiling`, {
                    alarmDescription: `${service}: ${spec.replicas.max} tasks (the autoscaling ceiling) and ${id} above ${target}% for 15 minutes`,
                    comparisonOperator: "GreaterThanOrEqualToThreshold",
                    threshold: 1,
                    evaluationPeriods: 3,
                    metricQueries: [
                        {
                            id: "tasks",
                            metric: {
                                namespace: "ECS/ContainerInsights",
                                metricName: "RunningTaskCount",
                                dimensions,
                                period: 300,
                                stat: "Average",
                            },
                            returnData: false,
                        },
                        {
                            id: "usage",
                            metric: { namespace: "AWS/ECS", metricName, dimensions, period: 300, stat: "Average" },
                            returnData: false,
                        },
                        {
                            id: "atceiling",
                            expression: `IF(tasks >= ${spec.replicas.max} AND usage > ${target}, 1, 0)`,
                            label: `${id} at ceiling`,
                            returnData: true,
                        },
                    ],
                });
            }
        }
        this.registerOutputs({ alarmCount: this.alarms.length });
    }
}

/** Arguments of {@link AwsDatastoreAlarms}. */
export interface AwsDatastoreAlarmsArgs {
    /** The system's plan: its name and environment, the alert catalogue (`observability.alerts`) and each database's backups. */
    plan: SystemPlan;
    /** SNS topic every alarm notifies. */
    alarmTopicArn: pulumi.Input<string>;
    /** Each datastore's CloudWatch metrics (its binding's `cloudWatch`, provisioners.ts), by datastore name. */
    datastores: Record<string, AwsDatastoreMetrics>;
}

/** Each datastore's CloudWatch metrics (its binding's `cloudWatch`), by datastore name: what the alarms and the dashboard read. */
export function datastoreMetrics(bindings: Record<string, { cloudWatch?: AwsDatastoreMetrics }>): Record<string, AwsDatastoreMetrics> {
    return Object.fromEntries(Object.entries(bindings).flatMap(([k, b]) => (b.cloudWatch ? [[k, b.cloudWatch]] : [])));
}

/** At most this many metrics in one alarm's metric math, with the expression the tenth (as cache.ts and observability.ts do). */
const METRICS_PER_ALARM = 9;

/**
 * Per namespace, the per-instance metric whose data points stop when an instance stops serving, read as a SampleCount:
 * - RDS: "Amazon RDS automatically sends metrics to CloudWatch every minute for each active database" (RDS User Guide,
 *   "Monitoring tools for Amazon RDS"); `DatabaseConnections` per DBInstanceIdentifier
 *   (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-metrics.html). An instance stopped, rebooting, failing over or
 *   replaced for longer than the alert's duration sends none; an engine that hangs while its host reports is not seen.
 * - DocumentDB: `DatabaseConnections`, "the number of connections (active and idle) open on an instance taken at a one-minute
 *   frequency", per DBInstanceIdentifier (https://docs.aws.amazon.com/documentdb/latest/developerguide/cloud_watch.html).
 * - ElastiCache: `CurrConnections`; "with the exception of ReplicationLag and EngineCPUUtilization, these metrics are derived
 *   from the Redis OSS info command. Each metric is calculated at the cache node level"
 *   (https://docs.aws.amazon.com/AmazonElastiCache/latest/red-ug/CacheMetrics.Redis.html), so a node whose engine does not
 *   answer INFO reports none.
 * CloudWatch's guide names the case: a metric stops reporting when a server goes down; for one that reports continuously,
 * treat missing data as breaching (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarms-and-missing-data.html).
 */
export const READINESS_METRICS: Record<string, string> = {
    "AWS/RDS": "DatabaseConnections",
    "AWS/DocDB": "DatabaseConnections",
    "AWS/ElastiCache": "CurrConnections",
};

/** The Performance Insights counter of PostgreSQL's committed transactions per second (`pg_stat_database.xact_commit`), averaged over the period. */
export const XACT_COMMIT_COUNTER = "db.Transactions.xact_commit.avg";

/** CloudWatch's longest evaluation range for periods of an hour or more (PutMetricAlarm: Period x EvaluationPeriods at most 604,800 s). */
const MAX_HOURLY_PERIODS = 168;

/** One alarm of a datastore: its id (`<system>-<id>`), its tier's tag, and the alarm. */
interface DatastoreAlarm {
    id: string;
    tier: Tier;
    spec: AlarmSpec;
}

/** `how`, after the alert's subject where its summary does not name it (DatabaseSlowQueries keeps the seed's words). */
const subjectAnd = (a: AlertPlan, how: string) =>
    new RegExp(`\\b${a.subject.name}\\b`).test(a.summary) ? how : `${a.subject.kind} ${a.subject.name}: ${how}`;

/** The alarm's comparison and description of a catalogue alert, as observability.ts `alarmOf` writes them (the name first). */
const described = (a: AlertPlan, how: string) => ({
    alarmDescription: `${a.id}: ${a.summary} (${subjectAnd(a, how)})`,
    comparisonOperator: a.comparison === ">" ? "GreaterThanThreshold" : "LessThanThreshold",
    threshold: a.threshold,
});

/**
 * DatastoreNotReady: fewer than the plan's ready instances, each instance counted ready in a minute when it reported its
 * {@link READINESS_METRICS} metric (SampleCount above 0), for the alert's duration; no data at all breaches. At most
 * {@link METRICS_PER_ALARM} instances (an ElastiCache cluster of more nodes is watched on its first nine).
 */
function notReadyAlarm(a: AlertPlan, m: AwsDatastoreMetrics): DatastoreAlarm | undefined {
    const metricName = READINESS_METRICS[m.namespace];
    if (!metricName) return undefined;
    const instances = (m.instances ?? m.dimensions).slice(0, METRICS_PER_ALARM);
    const period = a.windowMinutes * 60;
    return {
        id: `${a.subject.name}-not-ready`,
        tier: a.subject.kind === "cache" ? "cache" : "database",
        spec: {
            ...described(a, `instances reporting ${metricName} to ${m.namespace} each minute`),
            evaluationPeriods: Math.max(1, Math.round(a.forMinutes / a.windowMinutes)),
            treatMissingData: "breaching",
            metricQueries: [
                ...instances.map((dimensions, i) => ({
                    id: `i${i}`,
                    metric: { namespace: m.namespace, metricName, dimensions, period, stat: "SampleCount" },
                    returnData: false,
                })),
                {
                    id: "ready",
                    expression: instances.map((_, i) => `IF(FILL(i${i}, 0) > 0, 1, 0)`).join(" + "),
                    label: "ready instances",
                    returnData: true,
                },
            ],
        },
    };
}

/**
 * DatabaseSlowQueries on RDS PostgreSQL: the primary's committed transactions per second, Performance Insights' counter
 * `db.Transactions.xact_commit` ("Commits per second", pg_stat_database's xact_commit: RDS User Guide, "Performance Insights
 * counters for Amazon RDS for PostgreSQL", USER_PerfInsights_Counters), read by CloudWatch's `DB_PERF_INSIGHTS` metric math
 * function, which names the instance by its DbiResourceId, not its identifier (CloudWatch User Guide, "Create an alarm on
 * Performance Insights counter metrics from an AWS database"; https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/creating_alarms.html),
 * averaged over the alert's window. The instances have Performance Insights on (database.ts), which in Database Insights'
 * Standard mode is what collects the counter metrics (USER_PerfInsights.Enabling). No data does not page: DatastoreNotReady
 * watches the instance.
 */
function slowQueriesAlarm(a: AlertPlan, m: AwsDatastoreMetrics): DatastoreAlarm | undefined {
    if (m.namespace !== "AWS/RDS" || m.perfInsightsResourceId === undefined) return undefined;
    return {
        id: `${a.subject.name}-slow-queries`,
        tier: "database",
        spec: {
            ...described(a, "the primary's commits per second, Performance Insights' db.Transactions.xact_commit"),
            evaluationPeriods: Math.max(1, Math.round(a.forMinutes / a.windowMinutes)),
            treatMissingData: "notBreaching",
            metricQueries: [
                {
                    id: "commits",
                    expression: pulumi.interpolate`DB_PERF_INSIGHTS('RDS', '${m.perfInsightsResourceId}', '${XACT_COMMIT_COUNTER}')`,
                    period: a.windowMinutes * 60,
                    label: "commits per second",
                    returnData: true,
                },
            ],
        },
    };
}

/**
 * An alarm on AWS Backup's jobs: fewer than one job of `metricName` in the vault (for the resource type, where given) in each
 * of `hours` hourly periods (AWS Backup Developer Guide, "Monitoring AWS Backup metrics with CloudWatch",
 * https://docs.aws.amazon.com/aws-backup/latest/devguide/cloudwatch.html: NumberOfBackupJobsCreated by BackupVaultName,
 * NumberOfBackupJobsCompleted and NumberOfRestoreJobsCompleted by BackupVaultName and ResourceType). The count is absent in
 * an hour without such jobs. Read as it is, with missing data breaching, CloudWatch counts any real data point of its
 * evaluation range, which reaches back further than the evaluation periods by a length it does not publish ("any real data
 * points in the evaluation range, no matter when they were reported, are included in the evaluation": CloudWatch User
 * Guide, "How alarm state is evaluated when data is missing",
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarms-and-missing-data.html), so a job older than `hours`
 * kept the alarm OK. `FILL(jobs, 0)` makes every hour a data point (metric math FILL,
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html): exactly the last `hours` hours
 * are judged (test/offline/alarms-on-series.test.ts). Counted per vault (and type), not per database. BackupMissing
 * ({@link backupMissingAlarm}), RestoreTestFailed and backup-jobs-not-started (backup.ts) are this alarm.
 */
export function backupJobsAlarm(args: {
    /** The alarm's description, its alert's name first. */
    alarmDescription: string;
    /** The jobs counted. */
    metricName: "NumberOfBackupJobsCreated" | "NumberOfBackupJobsCompleted" | "NumberOfRestoreJobsCompleted";
    /** The vault the jobs run in. */
    vaultName: pulumi.Input<string>;
    /** The resource type (`RDS`, `Aurora`, `DocumentDB`). @default every type (the vault's count) */
    resourceType?: string;
    /** Hourly periods without a job before it fires, at most {@link MAX_HOURLY_PERIODS}. */
    hours: number;
}): AlarmSpec {
    const dimensions = { BackupVaultName: args.vaultName, ...(args.resourceType ? { ResourceType: args.resourceType } : {}) };
    return {
        alarmDescription: args.alarmDescription,
        evaluationPeriods: args.hours,
        datapointsToAlarm: args.hours,
        comparisonOperator: "LessThanThreshold",
        threshold: 1,
        treatMissingData: "breaching",
        metricQueries: [
            {
                id: "jobs",
                metric: { namespace: "AWS/Backup", metricName: args.metricName, dimensions, period: 3600, stat: "Sum" },
                returnData: false,
            },
            { id: "hourly", expression: "FILL(jobs, 0)", label: `${args.metricName} per hour, 0 without one`, returnData: true },
        ],
    };
}

/**
 * BackupMissing: no AWS Backup job of the database's resource type completed in its vault within the plan's age
 * ({@link backupJobsAlarm} on NumberOfBackupJobsCompleted), at most {@link MAX_HOURLY_PERIODS} hours.
 */
function backupMissingAlarm(a: AlertPlan, m: AwsDatastoreMetrics, plan: SystemPlan): DatastoreAlarm | undefined {
    const backup = plan.backups.find((b) => b.database === a.subject.name);
    if (m.backupVaultName === undefined || !backup) return undefined;
    const resourceType = backup.restoreTest.aws.resourceType;
    const hours = Math.min(MAX_HOURLY_PERIODS, Math.ceil(a.threshold / 3600));
    return {
        id: `${a.subject.name}-backup-missing`,
        tier: "backup",
        spec: backupJobsAlarm({
            alarmDescription: `${a.id}: ${a.summary} (${subjectAnd(a, `no ${resourceType} backup job completed in the vault in ${hours} hours, counted per vault and resource type`)})`,
            metricName: "NumberOfBackupJobsCompleted",
            vaultName: m.backupVaultName,
            resourceType,
            hours,
        }),
    };
}

/**
 * The catalogue's datastore alerts on AWS, from the plan (plan/observability.ts `alerts`), each named by its alert in its
 * description's first word: DatastoreNotReady per database and cache ({@link notReadyAlarm}; a queue has no instances,
 * plan/support/aws.ts), DatabaseSlowQueries per RDS PostgreSQL database ({@link slowQueriesAlarm}) and BackupMissing per
 * database backed up by AWS Backup ({@link backupMissingAlarm}). Both the ECS system and the EKS placement create it.
 * Type token `tierform:aws:DatastoreAlarms`.
 */
export class AwsDatastoreAlarms extends pulumi.ComponentResource {
    readonly alarms: aws.cloudwatch.MetricAlarm[] = [];

    constructor(name: string, args: AwsDatastoreAlarmsArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("tierform:aws:DatastoreAlarms", name, {}, opts);
        const { plan } = args;
        for (const a of plan.observability.alerts) {
            const m = args.datastores[a.subject.name];
            if (a.subject.kind === "system" || a.subject.kind === "service" || !m) continue;
            const alarm =
                a.id === "DatastoreNotReady"
                    ? notReadyAlarm(a, m)
                    : a.id === "DatabaseSlowQueries"
                      ? slowQueriesAlarm(a, m)
                      : a.id === "BackupMissing"
                        ? backupMissingAlarm(a, m, plan)
                        : undefined;
            if (alarm) this.alarms.push(dataAlarm(this, plan, alarm.tier, alarm.id, args.alarmTopicArn, alarm.spec));
        }
        this.registerOutputs({ alarmCount: this.alarms.length });
    }
}
