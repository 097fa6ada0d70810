/** The alerts of the catalogue, by id; plan/observability.ts defines each one, once (a module of its own so plan/support/ can list them without a cycle). */
export const ALERT_IDS = [
    "HighErrorRate",
    "ErrorLogs",
    "HighErrorRatio",
    "HighLatencyP99",
    "ReplicasUnavailable",
    "SchedulerNotRunning",
    "DatastoreNotReady",
    "DatabaseSlowQueries",
    "BackupMissing",
    "RestoreTestFailed",
] as const;

/** The id of an alert of the catalogue ({@link ALERT_IDS}). */
export type AlertId = (typeof ALERT_IDS)[number];
