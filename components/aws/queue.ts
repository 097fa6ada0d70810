/**
 * A message queue as Amazon SQS: encrypted with the customer key, a dead-letter queue that takes
 * messages after `maxReceiveCount` receives (and accepts redrives only from its own queue), alarms
 * on the oldest message's age and on any message in the dead-letter queue, and a queue policy that
 * admits only the services that use the queue.
 *
 * Who may use the queue: the task role ARNs are the app tier's, created after the data tier, so
 * the policy cannot list them. Access is granted on the identity side (each using service's task
 * role gets `taskPolicyStatements` naming this queue and its key), and the queue policy denies
 * (1) any request without TLS, (2) any principal of another account, and (3) the message actions
 * to any principal not tagged as one of this system's services (`aws:PrincipalTag/system` and
 * `aws:PrincipalTag/tier` = service, the tags every task role carries). A grant on a role alone
 * would not do, since an administrator's `sqs:*` would also read the messages.
 *
 * Celery: the MDC preset keeps Celery's broker on Redis (ElastiCache), as its seed runs it:
 * Celery's SQS transport has no result backend, no `celery inspect`/remote control and no
 * broadcast queues, which the MDC worker and scheduler use, and the cache is there anyway.
 * SQS is for the specs that declare `queues` (MealKitz's events, Asset Management's jobs).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { DatastoreSpecs, SystemFacts } from "../../plan";
import { awsTags, resourceName } from "../shared/naming";
import { dataAlarm } from "./monitoring";
import { awsPlace, connectionSecret, denyInsecureTransport, policyJson } from "./common";

/** Arguments of {@link AwsQueue}. */
export interface AwsQueueArgs {
    /** The system's facts (names, tags, deletion protection, the principal tag of its services). */
    system: SystemFacts;
    /** The resolved queue spec. */
    queue: DatastoreSpecs["queue"];
    /** Customer KMS key for server-side encryption. */
    kmsKeyArn: pulumi.Input<string>;
    /** SNS topic the alarms notify. */
    alarmTopicArn: pulumi.Input<string>;
    /**
     * Age of the oldest message, in seconds, above which consumers are deemed stuck.
     * @default max(900, 4 × visibility timeout)
     */
    maxMessageAgeSeconds?: number;
}

/** Actions a service needs to produce and consume messages. */
export const QUEUE_MESSAGE_ACTIONS = [
    "sqs:SendMessage",
    "sqs:ReceiveMessage",
    "sqs:DeleteMessage",
    "sqs:ChangeMessageVisibility",
    "sqs:GetQueueAttributes",
    "sqs:GetQueueUrl",
];

/** An SQS queue with its dead-letter queue, policy and alarms. */
export class AwsQueue extends pulumi.ComponentResource {
    readonly queue: aws.sqs.Queue;
    readonly deadLetterQueue: aws.sqs.Queue;
    readonly url: pulumi.Output<string>;
    readonly arn: pulumi.Output<string>;
    /**
     * Secret with the queue's `url` (and `deadLetterQueueUrl`): the connection variables of a queue
     * are secrets on every platform (an AMQP URL carries a password), so services read the SQS URL
     * the same way, through ECS `secrets`. Access itself is the task role's.
     */
    readonly secret: aws.secretsmanager.Secret;

    constructor(name: string, args: AwsQueueArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("tierform:aws:Queue", name, {}, opts);
        const { system, queue: q } = args;
        const tags = awsTags(system, "queue");
        const suffix = q.fifo ? ".fifo" : "";
        const base = resourceName([system.name, system.environment, q.name], 70);
        const sse = { kmsMasterKeyId: args.kmsKeyArn, kmsDataKeyReusePeriodSeconds: 300 };

        this.deadLetterQueue = new aws.sqs.Queue(
            `${name}-dlq`,
            { name: `${base}-dlq${suffix}`, fifoQueue: q.fifo, messageRetentionSeconds: 14 * 86400, ...sse, tags },
            { parent: this, protect: system.profile.deletionProtection },
        );
        this.queue = new aws.sqs.Queue(
            name,
            {
                name: `${base}${suffix}`,
                fifoQueue: q.fifo,
                contentBasedDeduplication: q.fifo ? true : undefined,
                visibilityTimeoutSeconds: q.visibilityTimeoutSeconds,
                messageRetentionSeconds: q.retentionDays * 86400,
                receiveWaitTimeSeconds: 20,
                ...sse,
                redrivePolicy: this.deadLetterQueue.arn.apply((arn) =>
                    JSON.stringify({ deadLetterTargetArn: arn, maxReceiveCount: q.maxReceiveCount }),
                ),
                tags,
            },
            { parent: this, protect: system.profile.deletionProtection },
        );
        new aws.sqs.RedriveAllowPolicy(
            `${name}-dlq`,
            {
                queueUrl: this.deadLetterQueue.url,
                redriveAllowPolicy: this.queue.arn.apply((arn) => JSON.stringify({ redrivePermission: "byQueue", sourceQueueArns: [arn] })),
            },
            { parent: this },
        );
        const place = awsPlace({ parent: this });
        const messageActions = [
            "sqs:SendMessage",
            "sqs:ReceiveMessage",
            "sqs:DeleteMessage",
            "sqs:ChangeMessageVisibility",
            "sqs:PurgeQueue",
        ];
        const denyOtherAccounts = (arn: pulumi.Input<string>): aws.iam.PolicyStatement => ({
            Sid: "DenyOtherAccounts",
            Effect: "Deny",
            Principal: "*",
            Action: "sqs:*",
            Resource: arn,
            Condition: { StringNotEquals: { "aws:PrincipalAccount": place.accountId } },
        });
        new aws.sqs.QueuePolicy(
            name,
            {
                queueUrl: this.queue.url,
                policy: policyJson([
                    denyInsecureTransport("sqs:*", [this.queue.arn]),
                    denyOtherAccounts(this.queue.arn),
                    {
                        Sid: "DenyMessagesToPrincipalsOfOtherSystems",
                        Effect: "Deny",
                        Principal: "*",
                        Action: messageActions,
                        Resource: this.queue.arn,
                        Condition: { StringNotEquals: { "aws:PrincipalTag/system": system.name } },
                    },
                    {
                        Sid: "DenyMessagesToPrincipalsOtherThanServices",
                        Effect: "Deny",
                        Principal: "*",
                        Action: messageActions,
                        Resource: this.queue.arn,
                        Condition: { StringNotEquals: { "aws:PrincipalTag/tier": "service" } },
                    },
                ]),
            },
            { parent: this },
        );
        new aws.sqs.QueuePolicy(
            `${name}-dlq`,
            {
                queueUrl: this.deadLetterQueue.url,
                policy: policyJson([
                    denyInsecureTransport("sqs:*", [this.deadLetterQueue.arn]),
                    denyOtherAccounts(this.deadLetterQueue.arn),
                ]),
            },
            { parent: this },
        );
        this.url = this.queue.url;
        this.arn = this.queue.arn;
        this.secret = connectionSecret(this, name, {
            system,
            datastore: q.name,
            description: "SQS queue URL (keys url, deadLetterQueueUrl)",
            kmsKeyArn: args.kmsKeyArn,
            value: pulumi.all([this.queue.url, this.deadLetterQueue.url]).apply(([url, dlq]) => ({ url, deadLetterQueueUrl: dlq })),
        });

        const maxAge = args.maxMessageAgeSeconds ?? Math.max(900, 4 * q.visibilityTimeoutSeconds);
        dataAlarm(this, system, "queue", `${q.name}-oldest-message`, args.alarmTopicArn, {
            alarmDescription: `${q.name}: oldest message older than ${maxAge} s (consumers stuck or too few)`,
            namespace: "AWS/SQS",
            metricName: "ApproximateAgeOfOldestMessage",
            dimensions: { QueueName: this.queue.name },
            statistic: "Maximum",
            period: 300,
            evaluationPeriods: 1,
            comparisonOperator: "GreaterThanThreshold",
            threshold: maxAge,
        });
        dataAlarm(this, system, "queue", `${q.name}-dlq-depth`, args.alarmTopicArn, {
            alarmDescription: `${q.name}: messages in the dead-letter queue (failed ${q.maxReceiveCount} times)`,
            namespace: "AWS/SQS",
            metricName: "ApproximateNumberOfMessagesVisible",
            dimensions: { QueueName: this.deadLetterQueue.name },
            statistic: "Maximum",
            period: 300,
            evaluationPeriods: 1,
            comparisonOperator: "GreaterThanThreshold",
            threshold: 0,
        });
        this.registerOutputs({ url: this.url, arn: this.arn, deadLetterQueueUrl: this.deadLetterQueue.url });
    }
}
