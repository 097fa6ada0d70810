/**
 * One database's backups, computed once from its spec and rendered by each platform's backup file
 * (components/<platform>/backup.ts) and alerts: the schedules, their worst gap, the RPO they
 * achieve in the database's own region, the retention, and how old the newest backup may grow
 * before an alert fires. The loader checks the spec's RPO against the same worst gap
 * (conventions/cron.ts `maxGapMinutes`); the AWS platform refuses what AWS cannot meet from
 * `achievableRpoMinutes` here.
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
        worstGapMinutes,
        achievableRpoMinutes: db.backup.pointInTime ? CONTINUOUS_BACKUP_MINUTES : worstGapMinutes,
        maxAgeSeconds: (worstGapMinutes + 60) * 60,
    };
}
