/**
 * Backups on AWS beyond RDS's own automated backups: an AWS Backup vault encrypted with the
 * customer key, one plan per database whose rules render its backup plan (plan/backup.ts
 * `BackupPlan`: schedules, retention, point-in-time recovery, archive copies, worst gap), and,
 * where recovery asks for it, a vault in the DR region that every rule copies into.
 *
 * The rules of a database's plan (`backupRules`):
 * - `scheduled`: `backup.schedule` (AuroMart's daily full, Asset Management's daily), kept `retentionDays`;
 * - `incremental`: `backup.incrementalSchedule` (AuroMart's 6-hourly), same retention (RDS snapshots
 *   after the first are incremental, so this is what the seed's "incremental" is on AWS);
 * - `continuous`: point-in-time recovery when `backup.pointInTime` (the WAL archiving of Asset
 *   Management), at most 35 days, AWS Backup's limit;
 * - `weekly` / `monthly`: `backup.archive`'s long-term copies; monthly ones move to cold storage
 *   after 30 days where the resource type supports it (`optInToArchiveForSupportedResources`).
 *
 * Databases join their plan by tag (`backup-plan=<system>-<database>`, see `backupSelectionTags`).
 * Failures reach the alarm topic through an EventBridge rule (backup and copy jobs FAILED,
 * ABORTED or EXPIRED), an alarm on `NumberOfBackupJobsFailed`, and the vault's notifications
 * (copy failures, changed recovery points). A backup that never starts (a deleted or edited plan
 * or selection, a schedule that stopped) sends no event: {@link neverStartedAlarm} watches for the
 * jobs that should have been created.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
    FILE_SHARES_BACKUP,
    type BackupPlan,
    type DatastoreSpecs,
    type FileShareBackupPlan,
    type RestoreTestPlan,
    type SystemFacts,
} from "../../plan";
import { restrictsBothDays } from "../../conventions/cron";
import { awsTags, resourceName } from "../shared/naming";
import { AWS_TAG } from "../../conventions/labels";
import { backupJobsAlarm, dataAlarm } from "./monitoring";
import { assumeRolePolicy, awsName, awsNamePrefix, awsPlace, managedPolicyArn, policyJson, problemOf } from "./common";
import type { Problem } from "../../conventions/problems";

/** A database's resolved spec entry. */
type Database = DatastoreSpecs["database"];

/** The values of a numeric cron field part list (`1-5`, `0,6`, `*\/2`), for day-of-week conversion. */
function expand(field: string, min: number, max: number): number[] {
    const out = new Set<number>();
    for (const part of field.split(",")) {
        const [range, stepText] = part.split("/");
        const step = stepText ? Number(stepText) : 1;
        const [lo, hi] =
            range === "*"
                ? [min, max]
                : range.includes("-")
                  ? range.split("-").map(Number)
                  : [Number(range), stepText ? max : Number(range)];
        for (let v = lo; v <= hi; v += step) out.add(v);
    }
    return [...out].sort((a, b) => a - b);
}

/**
 * A five-field cron (`m h dom mon dow`, the spec's) as an AWS schedule expression
 * `cron(m h dom mon dow year)`: one of day-of-month and day-of-week must be `?`, days of the
 * week are renumbered (AWS: 1-7 from Sunday; cron: 0-7 with 0 and 7 Sunday), and `*\/n` steps become `0/n`
 * (`1/n` for days and months). A cron restricting both day-of-month and day-of-week ("either")
 * cannot be said in AWS's syntax and is refused.
 */
export function toAwsCron(expr: string): string {
    const parts = expr.trim().split(/\s+/);
    if (parts.length !== 5) throw new Error(`'${expr}' is not a five-field cron expression`);
    const [minute, hour, dom, month] = parts.map((p, i) => p.replace(/^\*\//, i < 2 ? "0/" : "1/"));
    if (restrictsBothDays(expr)) {
        throw new Error(`cron '${expr}' restricts both day-of-month and day-of-week; AWS schedules take one of them (the other is '?')`);
    }
    if (parts[4] === "*") return `cron(${minute} ${hour} ${dom} ${month} ? *)`;
    // AWS numbers the days 1 (Sunday) to 7 (Saturday).
    const days = [...new Set(expand(parts[4], 0, 7).map((d) => (d % 7) + 1))].sort((a, b) => a - b);
    return `cron(${minute} ${hour} ? ${month} ${days.join(",")} *)`;
}

/** What AWS Backup cannot schedule for a database: crons that restrict both day-of-month and day-of-week. */
export function backupProblems(db: Pick<Database, "name" | "backup">): Problem[] {
    return [
        ...problemOf(`databases.${db.name}.backup.schedule`, () => toAwsCron(db.backup.schedule)),
        ...(db.backup.incrementalSchedule
            ? problemOf(`databases.${db.name}.backup.incrementalSchedule`, () => toAwsCron(db.backup.incrementalSchedule!))
            : []),
    ];
}

/** Tags that put a database into its backup plan. */
export function backupSelectionTags(system: Pick<SystemFacts, "name">, database: string): Record<string, string> {
    return { "backup-plan": resourceName([system.name, database]) };
}

/** What one AWS Backup plan renders: a database's backup plan, or the file shares' (plan/backup.ts). */
export type PlannedBackup = BackupPlan | FileShareBackupPlan;

/**
 * The AWS Backup plan rules of a database's (or the file shares') backup plan (see the module
 * comment). `drVaultArn` adds a copy of each snapshot rule's recovery points to the DR vault, kept
 * as long as the original.
 */
export function backupRules(
    b: PlannedBackup,
    vaultName: pulumi.Input<string>,
    drVaultArn?: pulumi.Input<string>,
): aws.types.input.backup.PlanRule[] {
    // The full schedule, then the incremental one where given (BackupPlan.schedules).
    const [schedule, incrementalSchedule] = b.schedules;
    const archive = "archive" in b ? b.archive : undefined;
    const copy = (deleteAfter: number, coldStorageAfter?: number) =>
        drVaultArn
            ? {
                  copyActions: [
                      { destinationVaultArn: drVaultArn, lifecycle: { deleteAfter, ...(coldStorageAfter ? { coldStorageAfter } : {}) } },
                  ],
              }
            : {};
    const windows = { startWindow: 60, completionWindow: 360 };
    const rules: aws.types.input.backup.PlanRule[] = [
        {
            ruleName: "scheduled",
            targetVaultName: vaultName,
            schedule: toAwsCron(schedule),
            ...windows,
            lifecycle: { deleteAfter: b.retentionDays },
            ...copy(b.retentionDays),
        },
    ];
    if (incrementalSchedule) {
        rules.push({
            ruleName: "incremental",
            targetVaultName: vaultName,
            schedule: toAwsCron(incrementalSchedule),
            ...windows,
            lifecycle: { deleteAfter: b.retentionDays },
            ...copy(b.retentionDays),
        });
    }
    if (b.pointInTime) {
        rules.push({
            ruleName: "continuous",
            targetVaultName: vaultName,
            enableContinuousBackup: true,
            schedule: toAwsCron(schedule),
            ...windows,
            lifecycle: { deleteAfter: Math.min(b.retentionDays, 35) },
        });
    }
    const [minute, hour] = schedule.trim().split(/\s+/);
    const at = /^\d+$/.test(minute) && /^\d+$/.test(hour) ? `${minute} ${hour}` : "0 3";
    if (archive?.weeklyRetentionDays) {
        const keep = archive.weeklyRetentionDays;
        rules.push({
            ruleName: "weekly",
            targetVaultName: vaultName,
            schedule: `cron(${at} ? * 1 *)`,
            ...windows,
            lifecycle: { deleteAfter: keep },
            ...copy(keep),
        });
    }
    if (archive?.monthlyRetentionDays) {
        const keep = archive.monthlyRetentionDays;
        // Cold storage needs 90 days there before deletion.
        const cold = keep >= 120 ? 30 : undefined;
        rules.push({
            ruleName: "monthly",
            targetVaultName: vaultName,
            schedule: `cron(${at} 1 * ? *)`,
            ...windows,
            lifecycle: { deleteAfter: keep, ...(cold ? { coldStorageAfter: cold, optInToArchiveForSupportedResources: true } : {}) },
            ...copy(keep, cold),
        });
    }
    return rules;
}

/** Arguments of {@link AwsBackup}. */
export interface AwsBackupArgs {
    /** The system's facts (names, tags, `profile.deletionProtection`). */
    system: SystemFacts;
    /**
     * The databases' backup plans (the plan's `backups`): an AWS Backup plan each, and the restore
     * test of each (an AWS Backup restore testing plan and selection, and the RestoreTestFailed alarm).
     */
    backups: BackupPlan[];
    /**
     * EFS file systems (the spec's file shares, see files.ts), backed up by a plan of their own that
     * renders the plan's `fileShareBackup` (named {@link FILE_SHARES_PLAN}); copied off-site like the rest.
     * @default none
     */
    fileShares?: { fileSystemArns: pulumi.Input<string>[]; backup: FileShareBackupPlan };
    /** Customer KMS key of the vault. */
    kmsKeyArn: pulumi.Input<string>;
    /** SNS topic for failures. */
    alarmTopicArn: pulumi.Input<string>;
    /**
     * The DR region's provider and key: a vault there receives a copy of every recovery point.
     * @default no cross-region copy
     */
    dr?: { provider: aws.Provider; kmsKeyArn: pulumi.Input<string> };
}

/** The name of the file shares' plan: the plan's {@link FILE_SHARES_BACKUP}. */
export const FILE_SHARES_PLAN = FILE_SHARES_BACKUP;

/**
 * Hourly periods without a backup job created in the vault after which the never-started alarm
 * fires: the shortest of the plans' longest gaps between two scheduled backups (their backup
 * plans' `worstGapMinutes`), plus an hour for AWS Backup's start window (the rules' default 60
 * minutes), capped at 168 (PutMetricAlarm: Period x EvaluationPeriods at most 604,800 s for periods
 * of an hour or more).
 */
export function neverStartedPeriods(backups: Pick<BackupPlan, "worstGapMinutes">[]): number {
    const shortest = Math.min(...backups.map((b) => b.worstGapMinutes));
    return Math.min(168, Math.ceil(shortest / 60) + 1);
}

/** A restore testing plan or selection name: letters, digits and underscores, at most 50 (CreateRestoreTestingPlan). */
export function restoreTestingName(parts: string[]): string {
    return resourceName(parts, 50).replace(/[^A-Za-z0-9_]/g, "_");
}

/**
 * The restore test of one database on AWS (issue 23): an AWS Backup restore testing plan on the
 * plan's schedule restoring the newest snapshot recovery point of the vault from the last
 * `selectionWindowDays` (LATEST_WITHIN_WINDOW), a selection of the database by its backup tag as
 * an `RDS` or `DocumentDB` resource (metadata inferred from the recovery point: AWS Backup
 * Developer Guide, restore-testing.html and restore-testing-inferred-metadata.html), and the
 * RestoreTestFailed alarm: no restore job of that resource type completed in the vault within the
 * plan's window (monitoring.ts `backupJobsAlarm` on NumberOfRestoreJobsCompleted, BackupMissing's
 * alarm on its own metric; an hour without one counts 0). What this does not do yet: validate the restored data. AWS
 * offers an EventBridge rule on the restore job's COMPLETED event to a function that reports
 * through PutRestoreValidationResult (restore-testing-validation.html); none is deployed, so AWS
 * deletes the restored instance when the job completes, and the alarm counts every completed
 * restore job of the type in the vault (a manual restore too), per vault and type, not per database.
 */
function restoreTesting(
    parent: pulumi.Resource,
    name: string,
    args: {
        system: SystemFacts;
        database: string;
        test: RestoreTestPlan;
        vault: aws.backup.Vault;
        roleArn: pulumi.Input<string>;
        alarmTopicArn: pulumi.Input<string>;
    },
): void {
    const { system, test } = args;
    const tags = awsTags(system, "backup");
    const plan = new aws.backup.RestoreTestingPlan(
        `${name}-restore-test`,
        {
            name: restoreTestingName([system.name, system.environment, args.database, "restore_test"]),
            scheduleExpression: toAwsCron(test.schedule),
            scheduleExpressionTimezone: "Etc/UTC",
            startWindowHours: test.windowHours,
            recoveryPointSelection: {
                algorithm: "LATEST_WITHIN_WINDOW",
                includeVaults: [args.vault.arn],
                recoveryPointTypes: ["SNAPSHOT"],
                selectionWindowDays: test.aws.selectionWindowDays,
            },
            tags,
        },
        { parent },
    );
    new aws.backup.RestoreTestingSelection(
        `${name}-restore-test`,
        {
            name: restoreTestingName([args.database, "restore_test"]),
            restoreTestingPlanName: plan.name,
            iamRoleArn: args.roleArn,
            protectedResourceType: test.aws.resourceType,
            protectedResourceConditions: {
                stringEquals: Object.entries(backupSelectionTags(system, args.database)).map(([key, value]) => ({
                    key: `aws:ResourceTag/${key}`,
                    value,
                })),
            },
        },
        { parent },
    );
    const hours = test.maxAgeSeconds / 3600;
    dataAlarm(
        parent,
        system,
        "backup",
        `${args.database}-restore-test`,
        args.alarmTopicArn,
        backupJobsAlarm({
            alarmDescription: `RestoreTestFailed: no ${test.aws.resourceType} restore test of ${args.database} completed in ${hours} hours (AWS Backup restore testing, counted per vault and resource type)`,
            metricName: "NumberOfRestoreJobsCompleted",
            vaultName: args.vault.name,
            resourceType: test.aws.resourceType,
            hours,
        }),
    );
}

/** The AWS Backup vault(s), role, plans, selections and failure notifications of a system. */
export class AwsBackup extends pulumi.ComponentResource {
    readonly vault: aws.backup.Vault;
    readonly drVault?: aws.backup.Vault;
    /** Plan of each database by name. */
    readonly plans: Record<string, aws.backup.Plan> = {};

    constructor(name: string, args: AwsBackupArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("tierform:aws:Backup", name, {}, opts);
        const { system } = args;
        const tags = awsTags(system, "backup");
        const prod = system.profile.deletionProtection;
        const vaultName = resourceName([system.name, system.environment]);
        this.vault = new aws.backup.Vault(
            name,
            { name: vaultName, kmsKeyArn: args.kmsKeyArn, forceDestroy: !prod, tags },
            { parent: this, protect: prod },
        );
        if (args.dr) {
            this.drVault = new aws.backup.Vault(
                `${name}-dr`,
                { name: `${vaultName}-dr`, kmsKeyArn: args.dr.kmsKeyArn, forceDestroy: !prod, tags },
                { parent: this, provider: args.dr.provider, protect: prod },
            );
        }
        const place = awsPlace({ parent: this });
        const role = new aws.iam.Role(
            `${name}-role`,
            {
                namePrefix: awsNamePrefix("iamRole", [system.name, system.environment, "backup"]),
                description: `AWS Backup for ${system.name} (${system.environment})`,
                assumeRolePolicy: assumeRolePolicy("backup.amazonaws.com", place.accountId),
                tags,
            },
            { parent: this },
        );
        for (const policy of ["AWSBackupServiceRolePolicyForBackup", "AWSBackupServiceRolePolicyForRestores"]) {
            new aws.iam.RolePolicyAttachment(
                `${name}-${policy}`,
                { role: role.name, policyArn: managedPolicyArn(place.partition, `service-role/${policy}`) },
                { parent: this },
            );
        }
        new aws.iam.RolePolicy(
            `${name}-kms`,
            {
                role: role.id,
                policy: policyJson([
                    {
                        Sid: "UseTheVaultAndDatabaseKeys",
                        Effect: "Allow",
                        Action: [
                            "kms:Decrypt",
                            "kms:Encrypt",
                            "kms:ReEncrypt*",
                            "kms:GenerateDataKey*",
                            "kms:DescribeKey",
                            "kms:CreateGrant",
                        ],
                        Resource: args.dr ? [args.kmsKeyArn, args.dr.kmsKeyArn] : [args.kmsKeyArn],
                    },
                ]),
            },
            { parent: this },
        );
        const fileSystems = args.fileShares?.fileSystemArns ?? [];
        const files = fileSystems.length ? args.fileShares?.backup : undefined;
        const planned: PlannedBackup[] = [...args.backups, ...(files ? [files] : [])];
        for (const b of planned) {
            const db = b.database;
            const plan = new aws.backup.Plan(
                `${name}-${db}`,
                {
                    name: awsName("backup", [system.name, system.environment, db]),
                    rules: backupRules(b, this.vault.name, this.drVault?.arn),
                    tags: { ...tags, [AWS_TAG.backupOf]: db },
                },
                { parent: this },
            );
            this.plans[db] = plan;
            new aws.backup.Selection(
                `${name}-${db}`,
                {
                    name: resourceName([system.name, db], 50),
                    planId: plan.id,
                    iamRoleArn: role.arn,
                    // Databases join by tag; the file systems by ARN.
                    ...(b === files
                        ? { resources: fileSystems }
                        : {
                              selectionTags: Object.entries(backupSelectionTags(system, db)).map(([key, value]) => ({
                                  type: "STRINGEQUALS",
                                  key,
                                  value,
                              })),
                          }),
                },
                { parent: this },
            );
        }

        // Failures: EventBridge (backup/copy jobs), a metric alarm, and the vault's notifications.
        const rule = new aws.cloudwatch.EventRule(
            `${name}-failures`,
            {
                name: resourceName([system.name, system.environment, "backup-failures"]),
                description: `${system.name}: AWS Backup and copy jobs that failed, aborted or expired`,
                eventPattern: JSON.stringify({
                    source: ["aws.backup"],
                    "detail-type": ["Backup Job State Change", "Copy Job State Change"],
                    detail: { state: ["FAILED", "ABORTED", "EXPIRED"] },
                }),
                tags: awsTags(system, "monitoring"),
            },
            { parent: this },
        );
        new aws.cloudwatch.EventTarget(`${name}-failures`, { rule: rule.name, arn: args.alarmTopicArn }, { parent: this });
        dataAlarm(this, system, "backup", "backup-jobs-failed", args.alarmTopicArn, {
            alarmDescription: `${system.name}: an AWS Backup job failed`,
            namespace: "AWS/Backup",
            metricName: "NumberOfBackupJobsFailed",
            dimensions: { BackupVaultName: this.vault.name },
            statistic: "Sum",
            period: 3600,
            evaluationPeriods: 1,
            comparisonOperator: "GreaterThanThreshold",
            threshold: 0,
        });
        // No backup job created in the vault for longer than the shortest schedule's gap plus AWS Backup's start window: the
        // metric is absent in an hour without jobs, filled with 0 (backupJobsAlarm) (AWS Backup Developer Guide, "Monitoring AWS Backup
        // metrics with CloudWatch": NumberOfBackupJobsCreated, dimension BackupVaultName).
        if (planned.length > 0) {
            const periods = neverStartedPeriods(planned);
            dataAlarm(
                this,
                system,
                "backup",
                "backup-jobs-not-started",
                args.alarmTopicArn,
                backupJobsAlarm({
                    alarmDescription: `${system.name}: no AWS Backup job started in ${periods} hours (a plan's schedule stopped, or a plan or selection is gone)`,
                    metricName: "NumberOfBackupJobsCreated",
                    vaultName: this.vault.name,
                    hours: periods,
                }),
            );
        }
        for (const b of args.backups)
            restoreTesting(this, `${name}-${b.database}`, {
                system,
                database: b.database,
                test: b.restoreTest,
                vault: this.vault,
                roleArn: role.arn,
                alarmTopicArn: args.alarmTopicArn,
            });
        new aws.backup.VaultNotifications(
            name,
            {
                backupVaultName: this.vault.name,
                snsTopicArn: args.alarmTopicArn,
                backupVaultEvents: ["COPY_JOB_FAILED", "RECOVERY_POINT_MODIFIED"],
            },
            { parent: this },
        );
        this.registerOutputs({ vaultName: this.vault.name, drVaultName: this.drVault?.name });
    }
}
