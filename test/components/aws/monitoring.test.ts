import * as assert from "assert";
import { AwsAlarmTopic, AwsAppAlarms } from "../../../components/aws/monitoring";
import { planSystem } from "../../../plan";
import { planComponent, planStack, type Plan } from "../../harness";
import { hasResource, spec } from "../../harness/spec";
import { AWS_CONFIG, loadSystem } from "./helpers";

describe("aws alarms (CloudWatch → SNS)", function () {
    let plan: Plan, quiet: Plan;
    let scaling: Record<string, { cpuPercent?: number }>;
    before(async () => {
        // A small inline spec (test/harness/spec.ts) holding every value the alarms are checked against.
        const mdc = spec("mdc-tts")
            .service("backend", { replicas: { min: 2, max: 10 }, autoscaling: { cpuPercent: 70, memoryPercent: 80 } })
            .service("frontend", { port: 8080 })
            .service("worker", { kind: "worker", command: ["work"], replicas: { min: 2, max: 6 }, autoscaling: { cpuPercent: 70 } })
            // A range without targets: the autoscaler follows the plan's default CPU target.
            .service("jobs", { kind: "worker", command: ["jobs"], replicas: { min: 2, max: 4 } })
            .monitoring({ errorRatePercent: 5, p99LatencyMs: 1000 });
        const { system, settings } = loadSystem(mdc.build());
        const systemPlan = planSystem(system, "aws");
        scaling = Object.fromEntries(Object.values(systemPlan.services).map((s) => [s.name, s.scaling]));
        plan = await planComponent(() => {
            const topic = new AwsAlarmTopic("alarms", { system, settings: { ...settings, alarmEmail: "ops@example.com" } });
            new AwsAppAlarms("app", {
                plan: systemPlan,
                alarmTopicArn: topic.topicArn,
                loadBalancerArnSuffix: "app/mdc/abc",
                targetGroupArnSuffixes: { backend: "targetgroup/backend/1", frontend: "targetgroup/frontend/2" },
                clusterName: "mdc-tts-prod",
                serviceNames: { backend: "backend-svc", worker: "worker-svc", jobs: "jobs-svc" },
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
        // The autoscaler's own target (service/scaling.ts reads the same plan), not a fixed 80 %.
        assert.strictEqual(scaling.jobs.cpuPercent, 70);
        assert.strictEqual(
            alarm("jobs-cpu-at-ceiling").inputs.metricQueries.find((q: any) => q.returnData).expression,
            "IF(tasks >= 4 AND usage > 70, 1, 0)",
        );
        for (const a of plan.ofType("aws:cloudwatch/metricAlarm:MetricAlarm")) {
            assert.deepStrictEqual(a.inputs.alarmActions, ["arn:aws:sns:us-east-1:123456789012:topic/alarms"], a.name);
            assert.strictEqual(a.inputs.tags.tier, "monitoring");
        }
    });
});

/**
 * The catalogue's datastore alerts on AWS (monitoring.ts AwsDatastoreAlarms), read from the whole program's run of a small
 * inline spec on prod and on the EKS placement: each alarm's metric, dimensions (the registered instances', nodes', Performance
 * Insights resource's and vault's own values), statistic, threshold and missing-data treatment.
 */
describe("aws datastore alarms from the plan: DatastoreNotReady, DatabaseSlowQueries, BackupMissing", function () {
    const system = spec("dsa")
        .service("web")
        .postgres("orders", { readReplicas: 1 })
        // A monthly full backup (point-in-time recovery keeps the RPO): its backup age is longer than CloudWatch evaluates.
        .postgres("ledger", { backup: { schedule: "0 2 1 * *", pointInTime: true } })
        .mongodb("docs")
        .redis("sessions")
        .queue("jobs")
        .build();
    let prod: Plan, eks: Plan;
    before(async () => {
        [prod, eks] = await Promise.all([planStack({ stack: "prod", system }), planStack({ stack: "prod-eks", system })]);
    });
    const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
    const alarmsOf = (plan: Plan, id: string) => plan.ofType(ALARM).filter((a) => String(a.inputs.alarmDescription).startsWith(`${id}:`));
    const about = (plan: Plan, id: string, subject: string) => {
        const mine = alarmsOf(plan, id).filter((a) => new RegExp(`\\b${subject}\\b`).test(a.inputs.alarmDescription));
        assert.strictEqual(mine.length, 1, `${id} ${subject}: ${mine.length} alarms`);
        return mine[0].inputs;
    };
    const metricsOf = (a: any) => (a.metricQueries ?? []).filter((q: any) => q.metric).map((q: any) => q.metric);
    const returned = (a: any) => a.metricQueries.filter((q: any) => q.returnData !== false);

    it("DatastoreNotReady: each RDS instance counted ready in a minute it reported DatabaseConnections, fewer than 1 + readReplicas for 5 minutes", () => {
        const a = about(prod, "DatastoreNotReady", "orders");
        const instances = prod.ofType("aws:rds/instance:Instance").filter((r) => String(r.inputs.identifier).startsWith("dsa-orders"));
        assert.strictEqual(instances.length, 2);
        assert.deepStrictEqual(
            metricsOf(a).map((m: any) => [m.namespace, m.metricName, m.stat, m.period, m.dimensions.DBInstanceIdentifier]),
            instances.map((r) => ["AWS/RDS", "DatabaseConnections", "SampleCount", 60, r.inputs.identifier]),
        );
        assert.deepStrictEqual(
            returned(a).map((q: any) => q.expression),
            ["IF(FILL(i0, 0) > 0, 1, 0) + IF(FILL(i1, 0) > 0, 1, 0)"],
        );
        assert.deepStrictEqual(
            [a.comparisonOperator, a.threshold, a.evaluationPeriods, a.treatMissingData],
            ["LessThanThreshold", 2, 5, "breaching"],
        );
    });

    it("DatastoreNotReady: DocumentDB per instance (not the cluster), ElastiCache per node by CurrConnections; none for the queue", () => {
        const docs = about(prod, "DatastoreNotReady", "docs");
        const instances = prod.ofType("aws:docdb/clusterInstance:ClusterInstance");
        assert.ok(instances.length >= 1);
        assert.deepStrictEqual(
            metricsOf(docs).map((m: any) => [m.namespace, m.metricName, m.stat, m.dimensions]),
            instances.map((r) => ["AWS/DocDB", "DatabaseConnections", "SampleCount", { DBInstanceIdentifier: r.inputs.identifier }]),
        );
        assert.deepStrictEqual([docs.threshold, docs.treatMissingData], [1, "breaching"]);
        const cache = about(prod, "DatastoreNotReady", "sessions");
        const [group] = prod.ofType("aws:elasticache/replicationGroup:ReplicationGroup");
        assert.deepStrictEqual(
            metricsOf(cache).map((m: any) => [m.namespace, m.metricName, m.stat]),
            metricsOf(cache).map(() => ["AWS/ElastiCache", "CurrConnections", "SampleCount"]),
        );
        const nodes = metricsOf(cache).map((m: any) => m.dimensions.CacheClusterId);
        assert.strictEqual(nodes.length, group.inputs.numCacheClusters, nodes.join(", "));
        for (const n of nodes) assert.ok(n.startsWith(`${group.inputs.replicationGroupId}-`), n);
        assert.deepStrictEqual([cache.threshold, cache.treatMissingData], [1, "breaching"]);
        assert.strictEqual(alarmsOf(prod, "DatastoreNotReady").filter((x) => /\bjobs\b/.test(x.inputs.alarmDescription)).length, 0);
    });

    it("DatabaseSlowQueries: the PostgreSQL primary's Performance Insights commits per second above the spec's number, by its DbiResourceId", () => {
        const a = about(prod, "DatabaseSlowQueries", "orders");
        const primary = prod.ofType("aws:rds/instance:Instance").find((r) => r.inputs.identifier === "dsa-orders")!;
        assert.strictEqual(primary.inputs.performanceInsightsEnabled, true);
        // The mock's DbiResourceId of that instance (scripts/offline/mock-outputs/aws.ts): the primary's, not a replica's.
        const id = `db-${primary.name.toUpperCase().replace(/[^A-Z0-9]/g, "")}`;
        assert.deepStrictEqual(
            a.metricQueries.map((q: any) => [q.expression, q.period, q.returnData]),
            [[`DB_PERF_INSIGHTS('RDS', '${id}', 'db.Transactions.xact_commit.avg')`, 300, true]],
        );
        assert.deepStrictEqual(
            [a.comparisonOperator, a.threshold, a.evaluationPeriods, a.treatMissingData],
            ["GreaterThanThreshold", 1000, 1, "notBreaching"],
        );
        // MongoDB has no commit counter: the alert is PostgreSQL's only.
        assert.strictEqual(alarmsOf(prod, "DatabaseSlowQueries").length, 2);
    });

    it("BackupMissing: no AWS Backup job of the database's resource type completed in its vault for the plan's hours", () => {
        const vault = prod.ofType("aws:backup/vault:Vault").find((v) => !v.name.endsWith("-dr"))!.inputs.name;
        for (const [db, type] of [
            ["orders", "RDS"],
            ["docs", "DocumentDB"],
        ]) {
            const a = about(prod, "BackupMissing", db);
            const [m] = metricsOf(a);
            assert.deepStrictEqual(
                [m.namespace, m.metricName, m.dimensions, m.stat, m.period],
                ["AWS/Backup", "NumberOfBackupJobsCompleted", { BackupVaultName: vault, ResourceType: type }, "Sum", 3600],
            );
            // Every hour a data point (an hour without a job counts 0), so exactly the last hours are judged (backupJobsAlarm).
            assert.deepStrictEqual(
                returned(a).map((q: any) => q.expression),
                ["FILL(jobs, 0)"],
            );
            // The presets' daily schedule: a day's gap plus the hour a dump may take.
            assert.deepStrictEqual(
                [a.comparisonOperator, a.threshold, a.evaluationPeriods, a.datapointsToAlarm, a.treatMissingData],
                ["LessThanThreshold", 1, 25, 25, "breaching"],
            );
        }
    });

    it("BackupMissing: a backup age beyond CloudWatch's 7 days of hourly periods is watched for the 7 days", () => {
        const a = about(prod, "BackupMissing", "ledger");
        assert.deepStrictEqual([metricsOf(a)[0].period, a.evaluationPeriods, a.datapointsToAlarm], [3600, 168, 168]);
    });

    it("the EKS placement renders the same datastore alarms as ECS", () => {
        const ids = ["DatastoreNotReady", "DatabaseSlowQueries", "BackupMissing"];
        const described = (plan: Plan) =>
            ids
                .flatMap((id) => alarmsOf(plan, id))
                .map(
                    (a) =>
                        `${a.inputs.alarmDescription} ${JSON.stringify(a.inputs.dimensions ?? metricsOf(a).map((m: any) => m.dimensions))}`,
                )
                .sort();
        assert.strictEqual(described(eks).length, 9);
        assert.deepStrictEqual(described(eks), described(prod));
    });
});
