/**
 * Recovery on AWS: backup retention and plans, deletion protection, cache snapshots, and alarms
 * that reach someone.
 */
import { declaredRecovery, resourcePolicy, setting } from "./util";
import { CONTINUOUS_BACKUP_MINUTES, maxGapMinutes as maxIntervalMinutes } from "../../conventions/cron";
import { RDS_INSTANCE, RDS_CLUSTER, DOCDB_CLUSTER, REPLICATION_GROUP, effectiveTags } from "./aws-shared";

const retentionSchema = {
    properties: { minRetentionDays: setting.integer(7, "Smallest automated backup retention in days (capped at RDS's 35).", 1) },
};

/** Database automated backups. */
export const awsDatabaseBackupRetention = resourcePolicy({
    name: "aws-database-backup-retention",
    description:
        "RDS instances (not replicas), RDS clusters and DocumentDB clusters keep automated backups (point-in-time recovery) for at least the configured days.",
    group: "reliability",
    platforms: ["aws"],
    checklist: ["backups"],
    sources: ["awsguard rds-instance-backup-enabled", "Checkov CKV_AWS_133", "seed 001 30-day retention"],
    types: [RDS_INSTANCE, RDS_CLUSTER, DOCDB_CLUSTER],
    configSchema: retentionSchema,
    validate: (props, args, report, { minRetentionDays }) => {
        if (props.replicateSourceDb) args.notApplicable("read replica (backups are the source's)");
        const need = Math.min(minRetentionDays, 35);
        const have = props.backupRetentionPeriod;
        if (have === undefined) report(`backupRetentionPeriod is unset (provider default 1 day); set at least ${need}`);
        else if (Number(have) < need) report(`backupRetentionPeriod ${have} is below ${need} days`);
    },
});

/** Deletion protection and final snapshot. */
export const awsDeletionProtection = resourcePolicy({
    name: "aws-database-deletion-protection",
    description: "RDS instances, RDS clusters and DocumentDB clusters have deletion protection on and take a final snapshot on deletion.",
    group: "reliability",
    platforms: ["aws"],
    checklist: ["deletion-safety"],
    sources: ["Checkov CKV_AWS_293", "Checkov CKV_AWS_139", "ARCHITECTURE 'final snapshot'"],
    types: [RDS_INSTANCE, RDS_CLUSTER, DOCDB_CLUSTER],
    validate: (props, _args, report) => {
        if (props.deletionProtection !== true) report("deletionProtection is not true");
        if (!props.replicateSourceDb && (props.skipFinalSnapshot === true || !props.finalSnapshotIdentifier))
            report("no final snapshot on deletion (skipFinalSnapshot false and a finalSnapshotIdentifier)");
    },
});

/** ElastiCache snapshots. */
export const awsElasticacheBackup = resourcePolicy({
    name: "aws-elasticache-backup",
    description: "ElastiCache replication groups keep automatic snapshots (snapshotRetentionLimit > 0).",
    group: "reliability",
    platforms: ["aws"],
    checklist: ["backups"],
    sources: ["Checkov CKV_AWS_134"],
    types: [REPLICATION_GROUP],
    validate: (props, _args, report) => {
        if (!(Number(props.snapshotRetentionLimit) > 0)) report("snapshotRetentionLimit is 0 or unset");
    },
});

const planSchema = {
    properties: {
        minRetentionDays: setting.integer(7, "Smallest recovery point retention in days.", 1),
        maxIntervalMinutes: setting.integer(
            1440,
            "Longest gap between backups (the RPO) when the plan does not carry the spec's rpo-minutes tag.",
            1,
        ),
        requireCrossRegionCopy: setting.boolean(false, "Every rule copies to a vault in another region."),
    },
};

/** Backup plan retention and schedule. */
export const awsBackupPlan = resourcePolicy({
    name: "aws-backup-plan",
    description:
        "AWS Backup plans keep recovery points at least the configured days (and the spec's, where the plan carries a retention-days tag), run often enough for the RPO (the spec's rpo-minutes tag where present, else the configured maxIntervalMinutes; continuous backup counts as 5 minutes), target a vault, and copy cross-region where configured.",
    group: "reliability",
    platforms: ["aws"],
    checklist: ["backups"],
    sources: ["seed 000 daily backups, off-site", "seed 002 cross-region replication", "AWS Backup"],
    types: ["aws:backup/plan:Plan"],
    configSchema: planSchema,
    validate: (props, args, report, cfg) => {
        const rules: any[] = props.rules ?? [];
        if (rules.length === 0) return report("plan has no rules");
        const spec = declaredRecovery(effectiveTags(props, args.provider));
        let best = Infinity;
        let longest = 0;
        for (const r of rules) {
            if (!r.targetVaultName) report(`rule ${r.ruleName} has no targetVaultName`);
            const del = r.lifecycle?.deleteAfter;
            longest = Math.max(longest, del === undefined ? Infinity : Number(del));
            if (del !== undefined && Number(del) < cfg.minRetentionDays)
                report(`rule ${r.ruleName} deletes after ${del} days (keep ${cfg.minRetentionDays})`);
            const gap =
                r.enableContinuousBackup === true ? CONTINUOUS_BACKUP_MINUTES : r.schedule ? maxIntervalMinutes(r.schedule) : undefined;
            if (gap === undefined && r.schedule) report(`rule ${r.ruleName} has an unreadable schedule '${r.schedule}'`);
            if (gap !== undefined) best = Math.min(best, gap);
            if (cfg.requireCrossRegionCopy && (r.copyActions ?? []).length === 0) report(`rule ${r.ruleName} has no cross-region copy`);
        }
        if (spec.retentionDays !== undefined && longest < spec.retentionDays)
            report(
                `no rule keeps recovery points the spec's ${spec.retentionDays} days (retention-days tag); the longest keeps ${longest}`,
            );
        const limit = Math.min(cfg.maxIntervalMinutes, spec.rpoMinutes ?? Infinity);
        if (best > limit)
            report(
                `no rule runs at least every ${limit} minutes${limit < cfg.maxIntervalMinutes ? " (the spec's rpo-minutes tag)" : ""} (best: ${best === Infinity ? "never" : `${best} min`})`,
            );
    },
});

/** Alarms notify. */
export const awsAlarmActions = resourcePolicy({
    name: "aws-alarm-actions",
    description: "Every CloudWatch alarm notifies someone (alarmActions, actions enabled).",
    group: "security",
    platforms: ["aws"],
    checklist: ["mdc-monitoring-alerts"],
    sources: ["seed 001 checklist 'Monitoring alerts configured'"],
    types: ["aws:cloudwatch/metricAlarm:MetricAlarm"],
    validate: (props, _args, report) => {
        if ((props.alarmActions ?? []).length === 0) report("alarm has no alarmActions");
        if (props.actionsEnabled === false) report("alarm actions are disabled");
    },
});

/** EFS automatic backups, a separate resource from the file system, stay on. */
export const awsEfsBackupPolicy = resourcePolicy({
    name: "aws-efs-backup-policy",
    description:
        "An EFS BackupPolicy keeps automatic backups on (status ENABLED): a user's policy set to DISABLED turns off the daily AWS Backup of the file system.",
    group: "reliability",
    platforms: ["aws"],
    checklist: ["backups"],
    sources: ["AWS EFS automatic backups (BackupPolicy status)", "Checkov CKV2_AWS_18 (intent: EFS in a backup plan)"],
    types: ["aws:efs/backupPolicy:BackupPolicy"],
    validate: (props, _args, report) => {
        const status = props.backupPolicy?.status;
        if (status !== "ENABLED" && status !== "ENABLING") report(`backupPolicy.status is ${status ?? "unset"}; automatic backups are off`);
    },
});

/** DynamoDB point-in-time recovery. */
export const awsDynamodbPitr = resourcePolicy({
    name: "aws-dynamodb-pitr",
    description: "DynamoDB tables (no tier maps to one; this judges a table a user adds) keep point-in-time recovery on.",
    group: "reliability",
    platforms: ["aws"],
    checklist: ["backups"],
    sources: ["Checkov CKV_AWS_28"],
    types: ["aws:dynamodb/table:Table"],
    validate: (props, _args, report) => {
        if (props.pointInTimeRecovery?.enabled !== true) report("pointInTimeRecovery is not enabled");
    },
});

/** The AWS policies of recovery. */
export const awsRecoveryPolicies = [
    awsDatabaseBackupRetention,
    awsDeletionProtection,
    awsElasticacheBackup,
    awsBackupPlan,
    awsAlarmActions,
    awsEfsBackupPolicy,
    awsDynamodbPitr,
];
