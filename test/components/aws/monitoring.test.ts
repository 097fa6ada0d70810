import * as assert from "assert";
import { AwsAlarmTopic, AwsAppAlarms } from "../../../components/aws/monitoring";
import { planComponent, type Plan } from "../../harness";
import { hasResource, spec } from "../../harness/spec";
import { AWS_CONFIG, loadSystem } from "./helpers";

describe("aws alarms (CloudWatch → SNS)", function () {
    let plan: Plan, quiet: Plan;
    before(async () => {
        // A small inline spec (test/harness/spec.ts) holding every value the alarms are checked against.
        const mdc = spec("mdc-tts")
            .service("backend", { replicas: { min: 2, max: 10 }, autoscaling: { cpuPercent: 70, memoryPercent: 80 } })
            .service("frontend", { port: 8080 })
            .service("worker", { kind: "worker", command: ["work"], replicas: { min: 2, max: 6 }, autoscaling: { cpuPercent: 70 } })
            .monitoring({ errorRatePercent: 5, p99LatencyMs: 1000 });
        const { system, settings } = loadSystem(mdc.build());
        plan = await planComponent(() => {
            const topic = new AwsAlarmTopic("alarms", { system, settings: { ...settings, alarmEmail: "ops@example.com" } });
            new AwsAppAlarms("app", {
                system,
                alarmTopicArn: topic.topicArn,
                loadBalancerArnSuffix: "app/mdc/abc",
                targetGroupArnSuffixes: { backend: "targetgroup/backend/1", frontend: "targetgroup/frontend/2" },
                clusterName: "mdc-tts-prod",
                serviceNames: { backend: "backend-svc", worker: "worker-svc" },
            });
        }, AWS_CONFIG);
        quiet = await planComponent(() => new AwsAlarmTopic("alarms", { system, settings: { ...settings, alarmEmail: "" } }), AWS_CONFIG);
    });
    const alarm = (name: string) => plan.ofType("aws:cloudwatch/metricAlarm:MetricAlarm").find((a) => a.inputs.name === `mdc-tts-${name}`)!;

    it("encrypts the alarm topic with a rotating customer key, TLS only, and subscribes the configured e-mail", () => {
        const topic = plan.one("aws:sns/topic:Topic", "alarms");
        const key = plan.one("aws:kms/key:Key", "alarms-key");
        assert.strictEqual(key.inputs.enableKeyRotation, true);
        assert.strictEqual(topic.inputs.kmsMasterKeyId, `arn:aws:kms:us-east-1:123456789012:key/${key.name}`);
        const services = JSON.parse(key.inputs.policy)
            .Statement.filter((s: any) => s.Action.includes("kms:GenerateDataKey*"))
            .flatMap((s: any) => [s.Principal.Service].flat());
        assert.deepStrictEqual(services.sort(), ["backup.amazonaws.com", "cloudwatch.amazonaws.com", "events.amazonaws.com"]);
        const policy = JSON.parse(plan.one("aws:sns/topicPolicy:TopicPolicy", "alarms").inputs.policy);
        assert.ok(policy.Statement.some((s: any) => s.Effect === "Deny" && s.Condition?.Bool?.["aws:SecureTransport"] === "false"));
        const sub = plan.one("aws:sns/topicSubscription:TopicSubscription", "alarms");
        assert.deepStrictEqual([sub.inputs.protocol, sub.inputs.endpoint], ["email", "ops@example.com"]);
        assert.strictEqual(quiet.ofType("aws:sns/topicSubscription:TopicSubscription").length, 0);
    });

    it("HighErrorRate: 5xx responses over requests above the spec's 5 % for 5 minutes", () => {
        const a = hasResource(plan, "aws:cloudwatch/metricAlarm:MetricAlarm", {
            name: "mdc-tts-alb-5xx-rate",
            threshold: 5,
            comparisonOperator: "GreaterThanThreshold",
        });
        const expr = a.inputs.metricQueries.find((q: any) => q.returnData).expression;
        assert.strictEqual(expr, "100 * (FILL(target5xx, 0) + FILL(elb5xx, 0)) / requests");
        const metrics = Object.fromEntries(a.inputs.metricQueries.filter((q: any) => q.metric).map((q: any) => [q.id, q.metric]));
        assert.strictEqual(metrics.target5xx.metricName, "HTTPCode_Target_5XX_Count");
        assert.strictEqual(metrics.requests.metricName, "RequestCount");
        assert.strictEqual(metrics.requests.period, 300);
        assert.deepStrictEqual(metrics.requests.dimensions, { LoadBalancer: "app/mdc/abc" });
    });

    it("p99 latency above the spec's 1000 ms, and unhealthy targets per target group", () => {
        const p99 = alarm("alb-p99-latency");
        assert.strictEqual(p99.inputs.extendedStatistic, "p99");
        assert.strictEqual(p99.inputs.threshold, 1);
        for (const svc of ["backend", "frontend"]) {
            const a = alarm(`${svc}-unhealthy-targets`);
            assert.strictEqual(a.inputs.metricName, "UnHealthyHostCount");
            assert.deepStrictEqual(a.inputs.dimensions, {
                LoadBalancer: "app/mdc/abc",
                TargetGroup: `targetgroup/${svc}/${svc === "backend" ? 1 : 2}`,
            });
        }
    });

    it("ECS services at their autoscaling ceiling with CPU or memory above target", () => {
        const cpu = alarm("backend-cpu-at-ceiling");
        assert.strictEqual(cpu.inputs.metricQueries.find((q: any) => q.returnData).expression, "IF(tasks >= 10 AND usage > 70, 1, 0)");
        const mem = alarm("backend-memory-at-ceiling");
        assert.strictEqual(mem.inputs.metricQueries.find((q: any) => q.returnData).expression, "IF(tasks >= 10 AND usage > 80, 1, 0)");
        assert.ok(
            alarm("worker-cpu-at-ceiling")
                .inputs.metricQueries.find((q: any) => q.returnData)
                .expression.includes("tasks >= 6"),
        );
        for (const a of plan.ofType("aws:cloudwatch/metricAlarm:MetricAlarm")) {
            assert.deepStrictEqual(a.inputs.alarmActions, ["arn:aws:sns:us-east-1:123456789012:topic/alarms"], a.name);
            assert.strictEqual(a.inputs.tags.tier, "monitoring");
        }
    });
});
