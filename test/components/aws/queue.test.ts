import * as assert from "assert";
import type { Plan } from "../../harness";
import { planData, type DataPlan } from "./data-helpers";

const QUEUE = "aws:sqs/queue:Queue";

describe("aws queue (SQS)", function () {
    let mk: DataPlan, plan: Plan;
    before(async () => {
        mk = await planData("mealkitz");
        plan = mk.plan;
    });

    it("encrypts MealKitz's events queue and its dead-letter queue with the customer key, with the spec's timings", () => {
        const q = plan.one(QUEUE, "mealkitz-events");
        const dlq = plan.one(QUEUE, "mealkitz-events-dlq");
        for (const r of [q, dlq]) {
            assert.match(r.inputs.kmsMasterKeyId, /mealkitz-data$/);
            assert.strictEqual(r.inputs.kmsDataKeyReusePeriodSeconds, 300);
        }
        assert.strictEqual(q.inputs.visibilityTimeoutSeconds, 60);
        assert.strictEqual(q.inputs.messageRetentionSeconds, 4 * 86400);
        assert.strictEqual(dlq.inputs.messageRetentionSeconds, 14 * 86400);
    });

    it("moves a message to the DLQ after 5 receives, and the DLQ takes redrives only from its queue", () => {
        const q = plan.one(QUEUE, "mealkitz-events");
        assert.deepStrictEqual(JSON.parse(q.inputs.redrivePolicy), {
            deadLetterTargetArn: "arn:aws:sqs:us-east-1:123456789012:mealkitz-prod-events-dlq",
            maxReceiveCount: 5,
        });
        const allow = plan.one("aws:sqs/redriveAllowPolicy:RedriveAllowPolicy", "mealkitz-events-dlq");
        assert.deepStrictEqual(JSON.parse(allow.inputs.redriveAllowPolicy), {
            redrivePermission: "byQueue",
            sourceQueueArns: ["arn:aws:sqs:us-east-1:123456789012:mealkitz-prod-events"],
        });
    });

    it("has a queue policy denying non-TLS requests, other accounts, and message actions to anything but this system's services", () => {
        const policy = JSON.parse(plan.one("aws:sqs/queuePolicy:QueuePolicy", "mealkitz-events").inputs.policy);
        const sid = (s: string) => policy.Statement.find((x: any) => x.Sid === s);
        assert.deepStrictEqual(sid("DenyInsecureTransport").Condition, { Bool: { "aws:SecureTransport": "false" } });
        assert.strictEqual(sid("DenyInsecureTransport").Effect, "Deny");
        assert.deepStrictEqual(sid("DenyOtherAccounts").Condition, { StringNotEquals: { "aws:PrincipalAccount": "123456789012" } });
        assert.deepStrictEqual(sid("DenyMessagesToPrincipalsOfOtherSystems").Condition, {
            StringNotEquals: { "aws:PrincipalTag/system": "mealkitz" },
        });
        assert.deepStrictEqual(sid("DenyMessagesToPrincipalsOtherThanServices").Condition, {
            StringNotEquals: { "aws:PrincipalTag/tier": "service" },
        });
        assert.ok(!policy.Statement.some((s: any) => s.Effect === "Allow" && s.Principal === "*"), "no public allow");
    });

    it("grants the using services' task roles only this queue and its key, and gives them the URL through ECS secrets", () => {
        const b = mk.bindings.events;
        assert.deepStrictEqual(Object.keys(b.secrets).sort(), ["BROKER_URL", "EVENTS_URL"]);
        assert.match(String(b.secrets.EVENTS_URL), /^arn:aws:secretsmanager:.*mealkitz-events:url::$/);
        const [messages, kms] = b.taskPolicyStatements as any[];
        assert.strictEqual(messages.Resource, "arn:aws:sqs:us-east-1:123456789012:mealkitz-prod-events");
        assert.ok(messages.Action.includes("sqs:SendMessage") && messages.Action.includes("sqs:ReceiveMessage"));
        assert.ok(!messages.Action.some((a: string) => a.includes("*")));
        assert.match(kms.Resource, /mealkitz-data$/);
        assert.strictEqual(b.outputs.endpoint, "https://sqs.us-east-1.amazonaws.com/123456789012/mealkitz-prod-events");
    });

    it("alarms on the oldest message's age and on any message in the DLQ", () => {
        const alarm = (n: string) => plan.ofType("aws:cloudwatch/metricAlarm:MetricAlarm").find((a) => a.inputs.name === n)!;
        const age = alarm("mealkitz-events-oldest-message");
        assert.strictEqual(age.inputs.metricName, "ApproximateAgeOfOldestMessage");
        assert.strictEqual(age.inputs.threshold, 900);
        const dlq = alarm("mealkitz-events-dlq-depth");
        assert.strictEqual(dlq.inputs.metricName, "ApproximateNumberOfMessagesVisible");
        assert.deepStrictEqual(dlq.inputs.dimensions, { QueueName: "mealkitz-prod-events-dlq" });
        assert.strictEqual(dlq.inputs.threshold, 0);
        assert.strictEqual(dlq.inputs.comparisonOperator, "GreaterThanThreshold");
    });
});
