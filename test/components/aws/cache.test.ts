import * as assert from "assert";
import { cacheNodeIds, redisVersion } from "../../../components/aws/cache";
import type { Plan } from "../../harness";
import { leaks, mockPasswords, planData, type DataPlan } from "./data-helpers";

const RG = "aws:elasticache/replicationGroup:ReplicationGroup";

describe("aws cache (ElastiCache)", function () {
    let mdc: DataPlan, asset: Plan, staging: Plan;
    before(async () => {
        mdc = await planData("mdc-tts");
        asset = (await planData("asset-management")).plan;
        staging = (await planData("mdc-tts", { stack: "staging" })).plan;
    });

    it("encrypts at rest (customer key) and in transit, with an AUTH token that stays secret", () => {
        const rg = mdc.plan.one(RG, "mdc-tts-cache");
        assert.strictEqual(rg.inputs.atRestEncryptionEnabled, true);
        assert.match(rg.inputs.kmsKeyId, /mdc-tts-data$/);
        assert.strictEqual(rg.inputs.transitEncryptionEnabled, true);
        assert.deepStrictEqual(rg.secretPaths, ["authToken"]);
        assert.strictEqual(rg.inputs.authToken.length, 64);
        assert.deepStrictEqual(leaks(mdc.plan, mockPasswords(mdc.plan)), []);
        const json = JSON.parse(mdc.plan.one("aws:secretsmanager/secretVersion:SecretVersion", "mdc-tts-cache").inputs.secretString);
        // ssl_cert_reqs=required: what redis-py reads and Celery demands of a rediss:// URL, with the host name checked
        // (redis-py before 6 does not by default); ElastiCache's certificates chain to a public root.
        assert.match(json.url, /^rediss:\/\/:.{64}@mdc-tts-cache\..+:6379\/0\?ssl_cert_reqs=required&ssl_check_hostname=true$/);
        assert.strictEqual(json["url_redis-py"], json.url);
        assert.match(json.url_ioredis, /^rediss:\/\/:.{64}@mdc-tts-cache\..+:6379\/0$/);
        assert.match(String(mdc.bindings.cache.connection?.urls["redis-py"]), /:url_redis-py::$/);
    });

    it("fails over automatically across AZs in prod, keeps 30 days of snapshots, runs the spec's Redis 7", () => {
        const rg = mdc.plan.one(RG, "mdc-tts-cache");
        assert.strictEqual(rg.inputs.engine, "redis");
        assert.strictEqual(rg.inputs.engineVersion, "7.1");
        assert.strictEqual(rg.inputs.clusterMode, "disabled");
        assert.strictEqual(rg.inputs.numCacheClusters, 2);
        assert.strictEqual(rg.inputs.automaticFailoverEnabled, true);
        assert.strictEqual(rg.inputs.multiAzEnabled, true);
        assert.strictEqual(rg.inputs.snapshotRetentionLimit, 30);
        // A per-stack random suffix (random.RandomId): a re-created stack's deletion does not collide with the first one's snapshot.
        assert.strictEqual(rg.inputs.finalSnapshotIdentifier, "mdc-tts-cache-final-0a1b2c3d");
        assert.strictEqual(rg.protect, true);
        assert.deepStrictEqual(rg.inputs.securityGroupIds, ["sg-cache"]);
        assert.deepStrictEqual(mdc.plan.one("aws:elasticache/subnetGroup:SubnetGroup", "mdc-tts-cache").inputs.subnetIds, [
            "subnet-iso-1",
            "subnet-iso-2",
            "subnet-iso-3",
        ]);
        const s = staging.one(RG, "mdc-tts-cache");
        assert.strictEqual(s.inputs.numCacheClusters, 1);
        assert.strictEqual(s.inputs.multiAzEnabled, false);
        assert.strictEqual(s.inputs.snapshotRetentionLimit, 7);
    });

    it("runs Asset Management's Redis cluster in cluster mode: 3 shards with a replica each, addressed by the configuration endpoint", () => {
        const rg = asset.one(RG, "asset-management-cache");
        assert.strictEqual(rg.inputs.clusterMode, "enabled");
        assert.strictEqual(rg.inputs.numNodeGroups, 3);
        assert.strictEqual(rg.inputs.replicasPerNodeGroup, 1);
        assert.strictEqual(rg.inputs.automaticFailoverEnabled, true);
        const pg = asset.one("aws:elasticache/parameterGroup:ParameterGroup", "asset-management-cache");
        assert.strictEqual(pg.inputs.family, "redis7");
        assert.deepStrictEqual(
            pg.inputs.parameters.find((p: any) => p.name === "cluster-enabled"),
            { name: "cluster-enabled", value: "yes" },
        );
        const json = JSON.parse(asset.one("aws:secretsmanager/secretVersion:SecretVersion", "asset-management-cache").inputs.secretString);
        assert.match(json.host, /\.cfg\./);
        assert.strictEqual(json.cluster, true);
    });

    it("alarms on the busiest node's CPU, memory and evictions", () => {
        const alarms = asset
            .ofType("aws:cloudwatch/metricAlarm:MetricAlarm")
            .filter((a) => a.inputs.name.startsWith("asset-management-cache-"));
        assert.deepStrictEqual(alarms.map((a) => a.inputs.name).sort(), [
            "asset-management-cache-cpu",
            "asset-management-cache-evictions",
            "asset-management-cache-memory",
        ]);
        const cpu = alarms.find((a) => a.inputs.name.endsWith("-cpu"))!;
        const nodes = cpu.inputs.metricQueries.filter((q: any) => q.metric).map((q: any) => q.metric.dimensions.CacheClusterId);
        assert.deepStrictEqual(nodes, cacheNodeIds("asset-management-cache", true, 3, 2));
        assert.strictEqual(nodes.length, 6);
        assert.strictEqual(cpu.inputs.metricQueries.find((q: any) => q.returnData).expression, "MAX(METRICS())");
        assert.strictEqual(cpu.inputs.threshold, 80);
    });

    it("names nodes as ElastiCache does and maps spec versions", () => {
        assert.deepStrictEqual(cacheNodeIds("g", false, 1, 2), ["g-001", "g-002"]);
        assert.deepStrictEqual(cacheNodeIds("g", true, 2, 1), ["g-0001-001", "g-0002-001"]);
        assert.deepStrictEqual(redisVersion("6"), { engineVersion: "6.2", family: "redis6" });
    });
});
