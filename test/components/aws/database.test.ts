import * as assert from "assert";
import { rdsLifecycle, rdsMaxAllocatedStorage, rdsParameters, sizeBytes, parameterFamily } from "../../../components/aws/database";
import type { Plan, PlannedResource } from "../../harness";
import { leaks, mockPasswords, named, planData, providerOf } from "./data-helpers";

const RDS = "aws:rds/instance:Instance";
const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const param = (pg: PlannedResource, name: string) => pg.inputs.parameters.find((p: any) => p.name === name);
const primary = (plan: Plan, system: string) => plan.one(RDS, `${system}-db`);

describe("aws database (RDS)", function () {
    let asset: Plan, auromart: Plan, mealkitz: Plan, staging: Plan;
    before(async () => {
        [asset, auromart, mealkitz, staging] = (
            await Promise.all([
                planData("asset-management"),
                planData("auromart"),
                planData("mealkitz"),
                planData("mdc-tts", { stack: "staging" }),
            ])
        ).map((d) => d.plan);
    });

    it("runs the prod primary Multi-AZ, encrypted with the customer key, in the isolated subnets, never public", () => {
        const db = primary(asset, "asset-management");
        assert.strictEqual(db.inputs.engine, "postgres");
        assert.strictEqual(db.inputs.engineVersion, "16");
        assert.strictEqual(db.inputs.multiAz, true);
        assert.strictEqual(db.inputs.storageEncrypted, true);
        assert.match(db.inputs.kmsKeyId, /^arn:aws:kms:.*asset-management-data$/);
        assert.strictEqual(db.inputs.publiclyAccessible, false);
        assert.deepStrictEqual(db.inputs.vpcSecurityGroupIds, ["sg-db"]);
        const subnets = asset.one("aws:rds/subnetGroup:SubnetGroup", "asset-management-db");
        assert.deepStrictEqual(subnets.inputs.subnetIds, ["subnet-iso-1", "subnet-iso-2", "subnet-iso-3"]);
        assert.strictEqual(db.inputs.instanceClass, "db.r6g.xlarge");
    });

    it("keeps automated backups for the spec's 30 days (PITR), with deletion protection, a final snapshot and protect in prod", () => {
        for (const [plan, name] of [
            [asset, "asset-management"],
            [auromart, "auromart"],
        ] as const) {
            const db = primary(plan, name);
            assert.strictEqual(db.inputs.backupRetentionPeriod, 30, name);
            assert.strictEqual(db.inputs.deletionProtection, true, name);
            assert.strictEqual(db.inputs.skipFinalSnapshot, false, name);
            assert.strictEqual(db.inputs.finalSnapshotIdentifier, `${name}-db-final-0a1b2c3d`);
            assert.strictEqual(db.protect, true, name);
            assert.strictEqual(db.inputs.copyTagsToSnapshot, true);
        }
        assert.strictEqual(primary(mealkitz, "mealkitz").inputs.backupRetentionPeriod, 30, "the spec's 14 days, raised to the prod floor");
        assert.strictEqual(primary(asset, "asset-management").inputs.backupWindow, "01:00-02:00");
    });

    it("turns on Performance Insights (KMS), enhanced monitoring, log exports, IAM auth and minor upgrades", () => {
        const db = primary(asset, "asset-management");
        assert.strictEqual(db.inputs.performanceInsightsEnabled, true);
        assert.strictEqual(db.inputs.performanceInsightsKmsKeyId, db.inputs.kmsKeyId);
        assert.strictEqual(db.inputs.monitoringInterval, 60);
        const role = asset.one("aws:iam/role:Role", "asset-management-db-monitoring");
        assert.strictEqual(db.inputs.monitoringRoleArn, `arn:aws:iam::123456789012:role/${role.name}`);
        assert.match(role.inputs.assumeRolePolicy, /monitoring\.rds\.amazonaws\.com/);
        assert.deepStrictEqual(db.inputs.enabledCloudwatchLogsExports, ["postgresql", "upgrade"]);
        assert.deepStrictEqual(primary(auromart, "auromart").inputs.enabledCloudwatchLogsExports, ["error", "slowquery"]);
        assert.strictEqual(db.inputs.iamDatabaseAuthenticationEnabled, true);
        assert.strictEqual(db.inputs.autoMinorVersionUpgrade, true);
    });

    it("enforces TLS and carries the seed's tuning in the parameter group, in the engine's units", () => {
        const pg = asset.one("aws:rds/parameterGroup:ParameterGroup", "asset-management-db");
        assert.strictEqual(pg.inputs.family, "postgres16");
        // rds.force_ssl is 1 by default from PostgreSQL 15: set only below, so no refresh shows a perpetual diff.
        assert.strictEqual(
            pg.inputs.parameters.find((p: any) => p.name === "rds.force_ssl"),
            undefined,
        );
        assert.deepStrictEqual(rdsParameters("postgres", {}, 4, "14")[0], { name: "rds.force_ssl", value: "1", applyMethod: "immediate" });
        assert.deepStrictEqual(param(pg, "max_connections"), { name: "max_connections", value: "200", applyMethod: "pending-reboot" });
        // The seed's 4GB shared_buffers and 12GB effective_cache_size are floors RDS's defaults (25 %, 50 % of 32 GiB) exceed: left to RDS.
        assert.strictEqual(
            pg.inputs.parameters.find((p: any) => p.name === "shared_buffers"),
            undefined,
        );
        assert.strictEqual(
            pg.inputs.parameters.find((p: any) => p.name === "effective_cache_size"),
            undefined,
        );
        // On an 8 GiB class the seed's value is above the default (2 GiB): it stays, in 8 kB pages.
        assert.deepStrictEqual(
            rdsParameters("postgres", { shared_buffers: "3GB" }, 8).find((p) => p.name === "shared_buffers"),
            { name: "shared_buffers", value: String((3 * 1024 ** 3) / 8192), applyMethod: "pending-reboot" },
        );
        assert.strictEqual(param(pg, "maintenance_work_mem").value, String(1024 ** 2)); // 1GB in kB
        assert.strictEqual(param(pg, "wal_buffers").value, "2048");
        assert.strictEqual(param(pg, "checkpoint_completion_target").value, "0.9");
        assert.strictEqual(param(pg, "default_statistics_target").value, "100");
        assert.strictEqual(primary(asset, "asset-management").inputs.parameterGroupName, pg.inputs.name);

        const my = auromart.one("aws:rds/parameterGroup:ParameterGroup", "auromart-db");
        assert.strictEqual(my.inputs.family, "mysql8.0");
        // RDS reads require_secure_transport back as 1: ON would show a diff on every refresh.
        assert.strictEqual(param(my, "require_secure_transport").value, "1");
        // The seed's 1 GiB buffer pool is below RDS's {DBInstanceClassMemory*3/4}: the default stays (24 GiB of a 32 GiB class).
        assert.strictEqual(
            my.inputs.parameters.find((p: any) => p.name === "innodb_buffer_pool_size"),
            undefined,
        );
        assert.strictEqual(param(my, "character_set_server").value, "utf8mb4");
        assert.strictEqual(param(my, "slow_query_log").value, "1");
    });

    it("scales absolute memory settings that do not fit a small instance class into DBInstanceClassMemory formulas", () => {
        const params = rdsParameters(
            "postgres",
            { shared_buffers: "4GB", effective_cache_size: "12GB", work_mem: "4MB", max_connections: 200 },
            4,
        );
        const v = (n: string) => params.find((p) => p.name === n)?.value;
        assert.strictEqual(v("shared_buffers"), "{DBInstanceClassMemory/20480}"); // 40 % of memory in 8 kB pages
        assert.strictEqual(v("effective_cache_size"), "{DBInstanceClassMemory/10923}"); // 75 %
        assert.strictEqual(v("work_mem"), "4096");
        assert.strictEqual(v("max_connections"), "200");
        assert.strictEqual(sizeBytes("16MB"), 16 * 1024 ** 2);
        assert.strictEqual(sizeBytes("fast"), undefined);
        assert.strictEqual(parameterFamily("mysql", "8.4"), "mysql8.4");
        // The slow-query log RDS exports is on for MySQL even when the spec does not ask.
        assert.deepStrictEqual(
            rdsParameters("mysql", {}, 4).map((p) => `${p.name}=${p.value}`),
            ["require_secure_transport=1", "slow_query_log=1", "long_query_time=2"],
        );
    });

    it("creates the spec's read replicas (Asset Management 2, MealKitz 2) and a DR replica in the DR region with its own key", () => {
        const db = primary(asset, "asset-management");
        const replicas = named(asset, RDS, "-replica-");
        assert.strictEqual(replicas.length, 2);
        for (const r of replicas) {
            assert.strictEqual(r.inputs.replicateSourceDb, db.inputs.identifier);
            assert.strictEqual(r.inputs.storageEncrypted, true);
            assert.strictEqual(r.inputs.performanceInsightsEnabled, true);
            assert.strictEqual(r.protect, true);
            // Multi-AZ like the primary (awsguard rds-instance-multi-az-enabled judges replicas too).
            assert.strictEqual(r.inputs.multiAz, true, r.name);
        }
        assert.strictEqual(named(mealkitz, RDS, "-replica-").length, 2);
        assert.strictEqual(named(auromart, RDS, "-replica-").length, 0);

        const dr = asset.one(RDS, "asset-management-db-dr");
        assert.strictEqual(providerOf(asset, dr)?.inputs.region, "us-west-2");
        assert.strictEqual(dr.inputs.replicateSourceDb, `arn:aws:rds:us-east-1:123456789012:instance/asset-management-db`);
        assert.match(dr.inputs.kmsKeyId, /asset-management-dr-key$/);
        assert.notStrictEqual(dr.inputs.kmsKeyId, db.inputs.kmsKeyId);
        // The DR standby is single-AZ (half the instance hours) with its waiver, which the Multi-AZ policy accepts.
        assert.strictEqual(dr.inputs.multiAz, false);
        assert.strictEqual(dr.inputs.tags["multi-az-waiver"], "cross-region DR standby: modify to Multi-AZ when promoted");
        const drSubnets = asset.one("aws:rds/subnetGroup:SubnetGroup", "asset-management-dr");
        assert.strictEqual(providerOf(asset, drSubnets)?.inputs.region, "us-west-2");
        assert.strictEqual(dr.inputs.dbSubnetGroupName, drSubnets.inputs.name);
        assert.strictEqual(named(auromart, RDS, "-dr").length, 0, "AuroMart asks for no cross-region recovery");
    });

    it("sets engineLifecycleSupport explicitly: Extended Support (with a warning) only past standard support, as MySQL 8.0 is since 2026-07-31", () => {
        assert.strictEqual(primary(auromart, "auromart").inputs.engineLifecycleSupport, "open-source-rds-extended-support");
        assert.strictEqual(primary(asset, "asset-management").inputs.engineLifecycleSupport, "open-source-rds-extended-support-disabled");
        const now = new Date("2026-11-30T00:00:00Z");
        assert.match(
            rdsLifecycle("mysql", "8.0", now).warning ?? "",
            /mysql 8.0 left RDS standard support on 2026-07-31.*paid RDS Extended Support/,
        );
        assert.deepStrictEqual(rdsLifecycle("mysql", "8.0", new Date("2026-07-01T00:00:00Z")), {
            engineLifecycleSupport: "open-source-rds-extended-support-disabled",
        });
        assert.deepStrictEqual(rdsLifecycle("postgres", "16", now), {
            engineLifecycleSupport: "open-source-rds-extended-support-disabled",
        });
    });

    it("alarms on CPU, free storage, connections and replica lag (the DR replica's in its own region)", () => {
        const alarms = asset.ofType(ALARM);
        const alarm = (id: string) => alarms.find((a) => a.inputs.name === `asset-management-${id}`)!;
        assert.strictEqual(alarm("db-cpu").inputs.threshold, 80);
        assert.strictEqual(alarm("db-free-storage").inputs.threshold, Math.round(200 * 1024 ** 3 * 0.1));
        assert.strictEqual(alarm("db-connections").inputs.threshold, 160);
        assert.deepStrictEqual(alarm("db-connections").inputs.dimensions, { DBInstanceIdentifier: "asset-management-db" });
        for (const id of ["db-replica-1-replica-lag", "db-replica-2-replica-lag", "db-dr-replica-lag"]) assert.ok(alarm(id), id);
        assert.strictEqual(alarm("db-replica-1-replica-lag").inputs.threshold, 300);
        const drLag = alarm("db-dr-replica-lag");
        assert.strictEqual(providerOf(asset, drLag)?.inputs.region, "us-west-2");
        assert.match(drLag.inputs.alarmActions[0], /asset-management-dr-alarms/);
        assert.deepStrictEqual(alarm("db-cpu").inputs.alarmActions, ["arn:aws:sns:us-east-1:123456789012:alarms"]);
    });

    it("keeps the password a secret: in the instance, in Secrets Manager, nowhere in plain text", () => {
        const db = primary(asset, "asset-management");
        assert.deepStrictEqual(db.secretPaths, ["password"]);
        const version = asset.one("aws:secretsmanager/secretVersion:SecretVersion", "asset-management-db");
        assert.ok(version.secretPaths.includes("secretString"));
        const json = JSON.parse(version.inputs.secretString);
        assert.deepStrictEqual(Object.keys(json).sort(), [
            "dbname",
            "engine",
            "host",
            "password",
            "port",
            "url",
            "url_libpq",
            "url_prisma",
            "url_sqlalchemy-asyncpg",
            "username",
        ]);
        // Verified against the Amazon RDS CA, as DocumentDB is, in each client's dialect (libpq reads sslmode and sslrootcert;
        // Prisma's engines only sslmode=require, sslcert as the root certificate and sslaccept=strict; node-postgres sslrootcert).
        assert.strictEqual(json.url, json.url_libpq);
        assert.match(
            json.url_libpq,
            /^postgresql:\/\/app:.+@asset-management-db\..+:5432\/asset_management\?sslmode=verify-full&sslrootcert=%2Fetc%2Fssl%2Fcerts%2Frds-global-bundle\.pem$/,
        );
        assert.match(
            json.url_prisma,
            /\?sslmode=require&sslcert=%2Fetc%2Fssl%2Fcerts%2Frds-global-bundle\.pem&sslrootcert=%2Fetc%2Fssl%2Fcerts%2Frds-global-bundle\.pem&sslaccept=strict$/,
        );
        assert.match(
            json["url_sqlalchemy-asyncpg"],
            /^postgresql\+asyncpg:\/\/.+\?ssl=verify-full&dsn=postgresql%3A%2F%2F%3Fsslrootcert%3D%2Fetc%2Fssl%2Fcerts%2Frds-global-bundle\.pem$/,
        );
        const secret = asset.one("aws:secretsmanager/secret:Secret", "asset-management-db");
        assert.match(secret.inputs.kmsKeyId, /asset-management-data$/);
        assert.deepStrictEqual(leaks(asset, mockPasswords(asset)), []);
    });

    it("outside prod: single-AZ, no deletion protection, no final snapshot, not protected", () => {
        const db = primary(staging, "mdc-tts");
        assert.strictEqual(db.inputs.multiAz, false);
        assert.strictEqual(db.inputs.deletionProtection, false);
        assert.strictEqual(db.inputs.skipFinalSnapshot, true);
        assert.strictEqual(db.inputs.finalSnapshotIdentifier, undefined);
        assert.strictEqual(db.protect, false);
        assert.strictEqual(db.inputs.instanceClass, "db.m6g.large");
    });

    it("caps storage autoscaling at RDS's 64 TiB gp3 maximum, and upgrades a major version in place", async () => {
        assert.strictEqual(rdsMaxAllocatedStorage(200), 400);
        assert.strictEqual(rdsMaxAllocatedStorage(40000), 65536, "twice 40000 GiB is past the 65536 GiB RDS allows");
        assert.strictEqual(rdsMaxAllocatedStorage(65536), undefined, "at the maximum there is nothing to grow into");
        const big = (await planData("mdc-tts", { overrides: { databases: { db: { storageGb: 40000 } } } })).plan;
        const db = primary(big, "mdc-tts");
        assert.strictEqual(db.inputs.allocatedStorage, 40000);
        assert.strictEqual(db.inputs.maxAllocatedStorage, 65536);
        assert.strictEqual(db.inputs.allowMajorVersionUpgrade, true);
    });
});
