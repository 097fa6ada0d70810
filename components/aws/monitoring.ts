/**
 * Monitoring on AWS: the alarm topic every alarm notifies (SNS, KMS-encrypted, TLS-only, e-mail
 * subscription from `tierform:alarmEmail`), the application alarms (ALB error rate and p99
 * latency — the seeds' HighErrorRate —, target health, ECS services pinned at their autoscaling
 * ceiling), and `dataAlarm`, which the datastore components use for their own alarms (RDS,
 * ElastiCache, SQS, AWS Backup).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { System } from "../../model";
import { awsTags, resourceName, type Tier } from "../shared/naming";
import { awsPlace, denyInsecureTransport, policyJson } from "./common";
import { AwsKms } from "./kms";
import type { PlatformSettings, SystemFacts } from "../../plan";

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
    /** The resolved system (names and tags of the topic and its default key). */
    system: System;
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

/** Arguments of {@link AwsAppAlarms}. */
export interface AwsAppAlarmsArgs {
    /** Thresholds come from `system.monitoring` (errorRatePercent, p99LatencyMs) and each service's autoscaling. */
    system: System;
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
        const { system, alarmTopicArn: topic } = args;
        const alarm = (id: string, spec: AlarmSpec) => this.alarms.push(dataAlarm(this, system, "monitoring", id, topic, spec));
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
                alarmDescription: `HighErrorRate: more than ${system.monitoring.errorRatePercent}% of requests answered 5xx over 5 minutes`,
                comparisonOperator: "GreaterThanThreshold",
                threshold: system.monitoring.errorRatePercent,
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
                alarmDescription: `p99 target response time above ${system.monitoring.p99LatencyMs} ms for 15 minutes`,
                namespace: "AWS/ApplicationELB",
                metricName: "TargetResponseTime",
                dimensions: { LoadBalancer: lb },
                extendedStatistic: "p99",
                period: 300,
                evaluationPeriods: 3,
                comparisonOperator: "GreaterThanThreshold",
                threshold: system.monitoring.p99LatencyMs / 1000,
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
            const spec = system.services[service];
            if (!spec) continue;
            const dimensions = { ClusterName: args.clusterName, ServiceName: serviceName };
            const targets: [string, string, number][] = [
                ["cpu", "CPUUtilization", spec.autoscaling?.cpuPercent ?? 80],
                ["memory", "MemoryUtilization", spec.autoscaling?.memoryPercent ?? 80],
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
