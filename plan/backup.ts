/**
 * One database's backups, computed once from its spec and rendered by each platform's backup file
 * (components/<platform>/backup.ts) and alerts: the schedules, their worst gap, the RPO they
 * achieve in the database's own region, the retention, and how old the newest backup may grow
 * before an alert fires. The loader checks the spec's RPO against the same worst gap
 * (conventions/cron.ts `maxGapMinutes`); the AWS platform refuses what AWS cannot meet from
 * `achievableRpoMinutes` here. The file shares' backups, where a platform takes them (AWS Backup's
 * plan of the EFS file systems), follow the first database's ({@link planFileShareBackup}).
 */
import type { Database } from "../model";
import { CONTINUOUS_BACKUP_MINUTES, maxGapMinutes } from "../conventions/cron";

/** One database's backups. */
export interface BackupPlan {
    /** The database's name. */
    database: string;
    /** Its engine (the dump tool's). */
    engine: Database["engine"];
    /** Cron expressions (UTC): the full schedule, then the incremental one where given. */
    schedules: string[];
    /** Days a backup is kept. */
    retentionDays: number;
    /** Continuous (point-in-time) recovery asked for. */
    pointInTime: boolean;
    /** The long-term copies (`backup.archive`): days a weekly and a monthly copy are kept. @default none */
    archive?: { weeklyRetentionDays?: number; monthlyRetentionDays?: number };
    /** The longest gap in minutes between two scheduled backups (its worst-case RPO without point-in-time recovery). */
    worstGapMinutes: number;
    /** The RPO the backups achieve in the database's own region: a continuous backup's 5 minutes with point-in-time recovery, else the worst gap. */
    achievableRpoMinutes: number;
    /**
     * Seconds without a successful scheduled backup after which the backup alerts fire (Docker's
     * backup health check, Kubernetes' BackupMissing and PostgresBaseBackupMissing): the worst gap
     * plus an hour, the time a dump of a large database may take.
     */
    maxAgeSeconds: number;
    /** What restore test runs for it in the running system, per platform. */
    restoreTest: RestoreTestPlan;
}

/**
 * When the restore tests run (UTC): daily at 05:30, after the presets' nightly full backups
 * (01:00-03:00), so each test restores the night's dump (on Kubernetes the newest full dump; on
 * Docker the newest of any kind; on AWS the newest recovery point).
 */
export const RESTORE_TEST_SCHEDULE = "30 5 * * *";

/** Hours a restore test may take from its scheduled start to its verdict: Kubernetes' Job deadline, AWS Backup's start window. */
export const RESTORE_TEST_WINDOW_HOURS = 3;

/** The checks of the scratch restore on Docker and Kubernetes (components/shared/restore-test-script.ts), in order. */
export const SCRATCH_RESTORE_CHECKS = [
    "the dump's sha256",
    "the archive is whole",
    "it restores into a scratch server",
    "every table of the manifest is present",
    "every table with rows at backup time has rows",
    "the marker row's checksum is the manifest's",
];

/** The restore test of one database in the running system (README "Restore tests"). */
export interface RestoreTestPlan {
    /** Cron (UTC) it runs on: {@link RESTORE_TEST_SCHEDULE}. */
    schedule: string;
    /** Hours from its scheduled start to its verdict: {@link RESTORE_TEST_WINDOW_HOURS}. */
    windowHours: number;
    /** Seconds without a passed restore test after which `RestoreTestFailed` fires: a day plus the window. */
    maxAgeSeconds: number;
    /**
     * Docker and Kubernetes: the newest dump restored into a scratch server in the test's own
     * container, and the checks made ({@link SCRATCH_RESTORE_CHECKS}); or why none runs (MongoDB:
     * its dumps carry no marker row).
     */
    scratch: { checks: string[] } | { none: string };
    /**
     * AWS: an AWS Backup restore testing plan restoring the newest recovery point of the last
     * `selectionWindowDays` as a `resourceType` resource, then the validation function's checks.
     */
    aws: { resourceType: "RDS" | "DocumentDB"; selectionWindowDays: number; checks: string[] };
}

/** Plan the restore test of a database whose backups have `worstGapMinutes` between them. */
export function planRestoreTest(db: Pick<Database, "engine" | "backup">, worstGapMinutes: number): RestoreTestPlan {
    // The newest recovery point is at most the worst gap (plus the hour a backup takes) old; AWS Backup takes 1-365 days.
    const windowDays = Math.min(365, db.backup.retentionDays, Math.max(1, Math.ceil((worstGapMinutes + 60) / 1440)));
    return {
        schedule: RESTORE_TEST_SCHEDULE,
        windowHours: RESTORE_TEST_WINDOW_HOURS,
        maxAgeSeconds: (24 + RESTORE_TEST_WINDOW_HOURS) * 3600,
        scratch:
            db.engine === "mongodb"
                ? {
                      none: "a mongodump archive carries no marker row: the dump is checked (gzip -t) when written, never restored on a schedule",
                  }
                : { checks: SCRATCH_RESTORE_CHECKS },
        aws: {
            resourceType: db.engine === "mongodb" ? "DocumentDB" : "RDS",
            selectionWindowDays: windowDays,
            checks: [
                "the restore job completed",
                "the restored instance or cluster is available, encrypted and of the source's engine (the validation function, PutRestoreValidationResult)",
            ],
        },
    };
}

/** A database's backup schedules: the full one, then the incremental one where given. */
export function backupSchedules(db: Pick<Database, "backup">): string[] {
    return [db.backup.schedule, ...(db.backup.incrementalSchedule ? [db.backup.incrementalSchedule] : [])];
}

/** The longest gap in minutes between two of a database's scheduled backups (its worst-case RPO without point-in-time recovery). */
export function backupGapMinutes(db: Pick<Database, "backup">): number {
    return maxGapMinutes(...backupSchedules(db)) ?? Infinity;
}

/** Plan `db`'s backups (see {@link BackupPlan}). */
export function planBackup(db: Pick<Database, "name" | "engine" | "backup">): BackupPlan {
    const worstGapMinutes = backupGapMinutes(db);
    return {
        database: db.name,
        engine: db.engine,
        schedules: backupSchedules(db),
        retentionDays: db.backup.retentionDays,
        pointInTime: db.backup.pointInTime,
        ...(db.backup.archive ? { archive: { ...db.backup.archive } } : {}),
        worstGapMinutes,
        achievableRpoMinutes: db.backup.pointInTime ? CONTINUOUS_BACKUP_MINUTES : worstGapMinutes,
        maxAgeSeconds: (worstGapMinutes + 60) * 60,
        restoreTest: planRestoreTest(db, worstGapMinutes),
    };
}

/** The name of the file shares' backups (`_` keeps it apart from any spec name, which are lower-case letters, digits and hyphens). */
export const FILE_SHARES_BACKUP = "file_shares";

/**
 * The file shares' backups, where a platform backs them up (AWS Backup's plan of the EFS file
 * systems): named {@link FILE_SHARES_BACKUP}, without point-in-time recovery (EFS has none) or
 * archive copies.
 */
export type FileShareBackupPlan = Pick<BackupPlan, "database" | "schedules" | "retentionDays" | "pointInTime" | "worstGapMinutes">;

/**
 * Plan the file shares' backups: the first database's schedules and retention (`backups`, in spec
 * order), else daily at 02:00 for `retentionDays` (the profile's backup retention).
 */
export function planFileShareBackup(backups: BackupPlan[], retentionDays: number): FileShareBackupPlan {
    const first = backups[0];
    const schedules = first ? [...first.schedules] : ["0 2 * * *"];
    return {
        database: FILE_SHARES_BACKUP,
        schedules,
        retentionDays: first ? first.retentionDays : retentionDays,
        pointInTime: false,
        worstGapMinutes: first ? first.worstGapMinutes : (maxGapMinutes(...schedules) ?? Infinity),
    };
}
