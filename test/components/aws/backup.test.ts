import * as assert from "assert";
import { neverStartedPeriods, toAwsCron } from "../../../components/aws/backup";
import { planBackup } from "../../../plan";
import type { Plan, PlannedResource } from "../../harness";
import { planData, providerOf } from "./data-helpers";

const rulesOf = (plan: Plan, name: string): Record<string, any> =>
    Object.fromEntries(plan.one("aws:backup/plan:Plan", name).inputs.rules.map((r: any) => [r.ruleName, r]));

describe("aws backup (AWS Backup)", function () {
    let auromart: Plan, asset: Plan, mealkitz: Plan, hld: Plan;
    before(async () => {
        auromart = (await planData("auromart")).plan;
        asset = (await planData("asset-management")).plan;
        mealkitz = (await planData("mealkitz")).plan;
        hld = (await planData("hld-platform")).plan;
    });

    it("converts five-field cron to AWS schedule expressions", () => {
        assert.strictEqual(toAwsCron("0 2 * * *"), "cron(0 2 * * ? *)");
        assert.strictEqual(toAwsCron("0 */6 * * *"), "cron(0 0/6 * * ? *)");
        assert.strictEqual(toAwsCron("30 1 * * 1-5"), "cron(30 1 ? * 2,3,4,5,6 *)");
        assert.strictEqual(toAwsCron("0 4 * * 0,7"), "cron(0 4 ? * 1 *)");
        assert.strictEqual(toAwsCron("0 4 * * 6"), "cron(0 4 ? * 7 *)");
        assert.strictEqual(toAwsCron("0 3 1 * *"), "cron(0 3 1 * ? *)");
        assert.throws(() => toAwsCron("0 3 1 * 1"), /day-of-month and day-of-week/);
    });

    it("AuroMart: daily full plus 6-hourly backups, both kept 30 days", () => {
        const rules = rulesOf(auromart, "auromart-backup-db");
        assert.deepStrictEqual(Object.keys(rules).sort(), ["incremental", "scheduled"]);
        assert.strictEqual(rules.scheduled.schedule, "cron(0 2 * * ? *)");
        assert.strictEqual(rules.incremental.schedule, "cron(0 0/6 * * ? *)");
        for (const r of Object.values(rules)) {
            assert.strictEqual(r.lifecycle.deleteAfter, 30);
            assert.strictEqual(r.targetVaultName, "auromart-prod");
            // Without a DR site the backup component copies only when given a DR (off-site) vault; the data tier gives one in prod.
            assert.strictEqual(r.copyActions?.length ?? 0, auromart.ofType("aws:backup/vault:Vault").length - 1);
        }
    });

    it("Asset Management: continuous (PITR) plus daily, weekly and monthly archival with cold storage, copied to the DR vault", () => {
        const rules = rulesOf(asset, "asset-management-backup-db");
        assert.deepStrictEqual(Object.keys(rules).sort(), ["continuous", "monthly", "scheduled", "weekly"]);
        assert.strictEqual(rules.continuous.enableContinuousBackup, true);
        assert.strictEqual(rules.continuous.lifecycle.deleteAfter, 30);
        assert.strictEqual(rules.scheduled.schedule, "cron(0 1 * * ? *)");
        assert.strictEqual(rules.weekly.schedule, "cron(0 1 ? * 1 *)");
        assert.strictEqual(rules.weekly.lifecycle.deleteAfter, 90);
        assert.strictEqual(rules.monthly.schedule, "cron(0 1 1 * ? *)");
        assert.deepStrictEqual(rules.monthly.lifecycle, {
            deleteAfter: 365,
            coldStorageAfter: 30,
            optInToArchiveForSupportedResources: true,
        });
        const drVault = asset.one("aws:backup/vault:Vault", "asset-management-backup-dr");
        assert.strictEqual(providerOf(asset, drVault)?.inputs.region, "us-west-2");
        assert.match(drVault.inputs.kmsKeyArn, /asset-management-dr-key$/);
        for (const name of ["scheduled", "weekly", "monthly"]) {
            assert.strictEqual(
                rules[name].copyActions[0].destinationVaultArn,
                // The DR vault's ARN names the DR region: the mock engine takes it from the vault's provider.
                `arn:aws:backup:us-west-2:123456789012:vault/${drVault.name}`,
                name,
            );
            assert.strictEqual(rules[name].copyActions[0].lifecycle.deleteAfter, rules[name].lifecycle.deleteAfter, name);
        }
    });

    it("MealKitz: daily with a cross-region copy, plus point-in-time recovery, kept the prod floor of 30 days (the spec asks 14)", () => {
        const rules = rulesOf(mealkitz, "mealkitz-backup-db");
        assert.strictEqual(rules.scheduled.schedule, "cron(0 3 * * ? *)");
        assert.strictEqual(rules.scheduled.lifecycle.deleteAfter, 30);
        assert.strictEqual(rules.scheduled.copyActions[0].lifecycle.deleteAfter, 30);
        assert.match(rules.scheduled.copyActions[0].destinationVaultArn, /mealkitz-backup-dr$/);
        assert.strictEqual(rules.continuous.enableContinuousBackup, true);
    });

    it("keeps recovery points in a KMS-encrypted vault, protected in prod, and selects the database by its tag", () => {
        const vault = hld.one("aws:backup/vault:Vault", "hld-platform-backup");
        assert.match(vault.inputs.kmsKeyArn, /hld-platform-data$/);
        assert.strictEqual(vault.inputs.forceDestroy, false);
        assert.strictEqual(vault.protect, true);
        const selection = hld.one("aws:backup/selection:Selection", "hld-platform-backup-mongo");
        assert.deepStrictEqual(selection.inputs.selectionTags, [{ type: "STRINGEQUALS", key: "backup-plan", value: "hld-platform-mongo" }]);
        assert.strictEqual(hld.one("aws:docdb/cluster:Cluster", "hld-platform-mongo").inputs.tags["backup-plan"], "hld-platform-mongo");
        assert.strictEqual(hld.one("aws:backup/plan:Plan", "hld-platform-backup-mongo").inputs.rules[0].lifecycle.deleteAfter, 30);
        const role: PlannedResource = hld.one("aws:iam/role:Role", "hld-platform-backup-role");
        assert.strictEqual(selection.inputs.iamRoleArn, `arn:aws:iam::123456789012:role/${role.name}`);
        const attached = hld.ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment").map((a) => a.inputs.policyArn);
        assert.ok(attached.includes("arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup"));
    });

    it("tests restores with AWS Backup restore testing: the newest snapshot daily, the database by its tag, an alarm when none completed", () => {
        // The newest snapshot is at most the worst gap plus an hour old: AuroMart's 6-hourly within 1 day, a daily one within 2.
        for (const [plan, system, db, type, days] of [
            [auromart, "auromart", "db", "RDS", 1],
            [hld, "hld-platform", "mongo", "DocumentDB", 2],
        ] as const) {
            const testing = plan.one("aws:backup/restoreTestingPlan:RestoreTestingPlan", `${system}-backup-${db}-restore-test`).inputs;
            assert.match(testing.name, /^[A-Za-z0-9_]{1,50}$/, "CreateRestoreTestingPlan: letters, digits and underscores");
            assert.strictEqual(testing.scheduleExpression, "cron(30 5 * * ? *)");
            assert.strictEqual(testing.startWindowHours, 3);
            assert.deepStrictEqual(testing.recoveryPointSelection.algorithm, "LATEST_WITHIN_WINDOW");
            assert.deepStrictEqual(testing.recoveryPointSelection.recoveryPointTypes, ["SNAPSHOT"]);
            assert.strictEqual(testing.recoveryPointSelection.selectionWindowDays, days);
            const selection = plan.one(
                "aws:backup/restoreTestingSelection:RestoreTestingSelection",
                `${system}-backup-${db}-restore-test`,
            ).inputs;
            assert.strictEqual(selection.protectedResourceType, type);
            assert.deepStrictEqual(selection.protectedResourceConditions.stringEquals, [
                { key: "aws:ResourceTag/backup-plan", value: `${system}-${db}` },
            ]);
            const alarm = plan
                .ofType("aws:cloudwatch/metricAlarm:MetricAlarm")
                .find((a) => String(a.inputs.alarmDescription).startsWith("RestoreTestFailed:"))!;
            const metric = alarm.inputs.metricQueries.find((q: any) => q.metric).metric;
            assert.deepStrictEqual(
                [metric.metricName, metric.dimensions.ResourceType, alarm.inputs.evaluationPeriods, alarm.inputs.treatMissingData],
                ["NumberOfRestoreJobsCompleted", type, 27, "breaching"],
            );
        }
    });

    it("reports failed, aborted or expired backup and copy jobs to the alarm topic", () => {
        const rule = hld.one("aws:cloudwatch/eventRule:EventRule", "hld-platform-backup-failures");
        const pattern = JSON.parse(rule.inputs.eventPattern);
        assert.deepStrictEqual(pattern.detail.state, ["FAILED", "ABORTED", "EXPIRED"]);
        assert.ok(pattern["detail-type"].includes("Backup Job State Change"));
        assert.strictEqual(
            hld.one("aws:cloudwatch/eventTarget:EventTarget", "hld-platform-backup-failures").inputs.arn,
            "arn:aws:sns:us-east-1:123456789012:alarms",
        );
        const alarm = hld.ofType("aws:cloudwatch/metricAlarm:MetricAlarm").find((a) => a.inputs.metricName === "NumberOfBackupJobsFailed")!;
        assert.strictEqual(alarm.inputs.threshold, 0);
        assert.deepStrictEqual(alarm.inputs.dimensions, { BackupVaultName: "hld-platform-prod" });
        // A backup that never starts: no job created in the vault for the daily gap (24 h) plus the start window's hour.
        const silent = hld
            .ofType("aws:cloudwatch/metricAlarm:MetricAlarm")
            .find((a) => a.inputs.metricQueries?.some((q: any) => q.metric?.metricName === "NumberOfBackupJobsCreated"))!;
        const created = silent.inputs.metricQueries.find((q: any) => q.metric).metric;
        assert.deepStrictEqual(
            [silent.inputs.comparisonOperator, silent.inputs.threshold, created.period, silent.inputs.evaluationPeriods],
            ["LessThanThreshold", 1, 3600, 25],
        );
        assert.strictEqual(silent.inputs.datapointsToAlarm, 25);
        assert.strictEqual(silent.inputs.treatMissingData, "breaching");
        assert.deepStrictEqual(created.dimensions, { BackupVaultName: "hld-platform-prod" });
        // AuroMart's 6-hourly incremental: 7 hours; a weekly schedule is capped at CloudWatch's 7 days (the gaps are the backup plans').
        const backupOf = (schedule: string, incrementalSchedule?: string) =>
            planBackup({
                name: "db",
                engine: "postgres",
                backup: { schedule, ...(incrementalSchedule ? { incrementalSchedule } : {}), retentionDays: 7, pointInTime: false },
            });
        assert.strictEqual(neverStartedPeriods([backupOf("0 2 * * *", "0 */6 * * *")]), 7);
        assert.strictEqual(neverStartedPeriods([backupOf("0 2 * * 0")]), 168);
        assert.ok(
            hld
                .one("aws:backup/vaultNotifications:VaultNotifications", "hld-platform-backup")
                .inputs.backupVaultEvents.includes("COPY_JOB_FAILED"),
        );
    });
});
