import * as assert from "assert";
import { documentDbVersion } from "../../../components/aws/documentdb";
import type { Plan } from "../../harness";
import { leaks, mockPasswords, planData, type DataPlan } from "./data-helpers";

describe("aws document database (DocumentDB)", function () {
    let hld: DataPlan, plan: Plan;
    before(async () => {
        hld = await planData("hld-platform");
        plan = hld.plan;
    });

    it("runs the HLD MongoDB as an encrypted DocumentDB cluster in the isolated subnets, protected in prod", () => {
        const c = plan.one("aws:docdb/cluster:Cluster", "hld-platform-mongo");
        assert.strictEqual(c.inputs.engine, "docdb");
        assert.strictEqual(c.inputs.engineVersion, "8.0.0");
        assert.strictEqual(c.inputs.storageEncrypted, true);
        assert.match(c.inputs.kmsKeyId, /hld-platform-data$/);
        assert.strictEqual(c.inputs.backupRetentionPeriod, 30, "the spec's 14 days, raised to the prod floor");
        assert.strictEqual(c.inputs.preferredBackupWindow, "03:00-04:00");
        assert.strictEqual(c.inputs.deletionProtection, true);
        assert.strictEqual(c.inputs.skipFinalSnapshot, false);
        assert.strictEqual(c.inputs.finalSnapshotIdentifier, "hld-platform-mongo-final-0a1b2c3d");
        assert.strictEqual(c.protect, true);
        assert.deepStrictEqual(c.inputs.enabledCloudwatchLogsExports, ["audit", "profiler"]);
        assert.deepStrictEqual(c.inputs.vpcSecurityGroupIds, ["sg-mongo"]);
        assert.deepStrictEqual(plan.one("aws:docdb/subnetGroup:SubnetGroup", "hld-platform-mongo").inputs.subnetIds, [
            "subnet-iso-1",
            "subnet-iso-2",
            "subnet-iso-3",
        ]);
        assert.deepStrictEqual(c.secretPaths, ["masterPassword"]);
        assert.deepStrictEqual(c.inputs.tags["backup-plan"], "hld-platform-mongo");
    });

    it("keeps the spec's 14 days where the profile's floor is lower (staging)", async () => {
        const staging = (await planData("hld-platform", { stack: "staging" })).plan;
        const c = staging.one("aws:docdb/cluster:Cluster", "hld-platform-mongo");
        assert.strictEqual(c.inputs.backupRetentionPeriod, 14);
        assert.strictEqual(c.inputs.deletionProtection, false);
        assert.strictEqual(staging.ofType("aws:docdb/clusterInstance:ClusterInstance").length, 1);
    });

    it("requires TLS through the cluster parameter group", () => {
        const pg = plan.one("aws:docdb/clusterParameterGroup:ClusterParameterGroup", "hld-platform-mongo");
        assert.strictEqual(pg.inputs.family, "docdb8.0");
        assert.strictEqual(pg.inputs.parameters.find((p: any) => p.name === "tls").value, "enabled");
        assert.strictEqual(pg.inputs.parameters.find((p: any) => p.name === "audit_logs").value, "enabled");
        assert.strictEqual(plan.one("aws:docdb/cluster:Cluster", "hld-platform-mongo").inputs.dbClusterParameterGroupName, pg.inputs.name);
    });

    it("spreads a writer and a replica over AZs in prod (failover tiers 0 and 1)", () => {
        const instances = plan.ofType("aws:docdb/clusterInstance:ClusterInstance");
        assert.strictEqual(instances.length, 2);
        assert.deepStrictEqual(instances.map((i) => i.inputs.promotionTier).sort(), [0, 1]);
        for (const i of instances) {
            assert.strictEqual(i.inputs.instanceClass, "db.r6g.xlarge");
            assert.strictEqual(i.inputs.autoMinorVersionUpgrade, true);
            assert.strictEqual(i.protect, true);
        }
    });

    it("hands services a TLS mongodb:// URL only through Secrets Manager, with writer and reader endpoints in the outputs", () => {
        const b = hld.bindings.mongo;
        assert.deepStrictEqual(b.secrets, {});
        assert.match(String(b.connection?.urls.mongodb), /^arn:aws:secretsmanager:.*:url_mongodb::$/);
        assert.match(String(b.connection?.password), /^arn:aws:secretsmanager:.*:password::$/);
        assert.strictEqual(b.connection?.caFile, "/etc/ssl/certs/rds-global-bundle.pem");
        assert.deepStrictEqual(b.environment, {});
        assert.strictEqual(b.outputs.endpoint, "hld-platform-mongo.cluster-abc.us-east-1.docdb.amazonaws.com:27017");
        assert.deepStrictEqual(b.outputs.readerEndpoints, ["hld-platform-mongo.cluster-ro-abc.us-east-1.docdb.amazonaws.com:27017"]);
        const json = JSON.parse(plan.one("aws:secretsmanager/secretVersion:SecretVersion", "hld-platform-mongo").inputs.secretString);
        // TLS verified against the Amazon RDS CA the images carry (DocumentDB's certificates chain to it, not to a public root).
        assert.match(
            json.url_mongodb,
            /^mongodb:\/\/app:.+@hld-platform-mongo\.cluster-abc\..+:27017\/hld\?authSource=admin&tls=true&tlsCAFile=%2Fetc%2Fssl%2Fcerts%2Frds-global-bundle\.pem&replicaSet=rs0&readPreference=secondaryPreferred&retryWrites=false$/,
        );
        assert.deepStrictEqual(leaks(plan, mockPasswords(plan)), []);
        assert.deepStrictEqual(documentDbVersion("5.0"), { engineVersion: "5.0.0", family: "docdb5.0" });
    });
});
