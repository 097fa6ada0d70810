/**
 * Backups on Docker: one long-running container per database, from the database's own pinned
 * image (same client version as the server), running components/shared/backup-script.ts's
 * non-root schedule loop over the spec's `backup.schedule` (label `full`) and
 * `incrementalSchedule` (label `incremental`). Each run dumps, compresses, checksums and prunes
 * dumps older than `backup.retentionDays` on a named backups volume. The password reaches the
 * script as a file (`*_PASSWORD_FILE`, mode 0400): never on a command line, never in the
 * environment. `restore.sh` sits next to `backup.sh`:
 * `docker exec <system>-backup-<db> sh /run/tierform/restore.sh [<dump>]`.
 *
 * Health (the dev stack's backup alert): each run records its outcome on the backups volume, and
 * the container turns unhealthy when the last run failed or no backup has succeeded within the
 * schedules' longest gap plus an hour (see {@link renderBackupHealthCheck}).
 *
 * Restore test (issue 23): for PostgreSQL and MySQL the same loop runs restore-test.sh on the
 * plan's `restoreTest.schedule` (label `restore-test`): the newest dump restored into a scratch
 * server inside this container (the image has the server; it runs as the image's own user) and
 * checked against its manifest (components/shared/restore-test-script.ts). The metrics go to
 * `$BACKUP_DIR/.restore-test.prom`; a failed test marks {@link RESTORE_TEST_FAILURE_FILE} and the
 * container unhealthy until a test passes.
 *
 * Off-site copies need the `aws` CLI, which the database images lack: on dev the dumps stay on
 * the backups volume; staging and prod copy them off-site.
 */
import type * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { DatastorePlanOf, DatastoreSpecs, SystemFacts } from "../../plan";
import { backupImage, renderBackupScript, renderRestoreScript, renderScheduleLoop } from "../shared/backup-script";
import { renderRestoreTestScript } from "../shared/restore-test-script";
import { resourceName } from "../shared/naming";
import { CONFIG_DIR, tierContainer } from "./common";
import { DOCKER_LABEL } from "../../conventions/labels";

/** Where dumps are written inside the backup container. */
export const BACKUP_DIR = "/backups";
const PASSWORD_FILE = `${CONFIG_DIR}/password`;

/** Where and as whom the backup connects: the {@link DockerDatabase}'s outputs. */
export interface BackupTarget {
    /** The database's host name on the data network. */
    host: string;
    /** Its port. */
    port: number;
    /** The user the dump connects as. */
    username: string;
    /** The database user's password (secret). */
    password: pulumi.Input<string>;
    /** The database image's non-root uid:gid; the backup runs as the same user. */
    user: string;
}

/** The client environment of the backup scripts for `engine` (no password: that is a file). */
export function backupEnvironment(db: Pick<DatastoreSpecs["database"], "engine">, target: BackupTarget): Record<string, string> {
    const common = { BACKUP_DIR, TZ: "UTC", HOME: "/tmp" };
    if (db.engine === "postgres")
        return { ...common, PGHOST: target.host, PGPORT: String(target.port), PGUSER: target.username, PGPASSWORD_FILE: PASSWORD_FILE };
    if (db.engine === "mysql")
        return {
            ...common,
            MYSQL_HOST: target.host,
            MYSQL_TCP_PORT: String(target.port),
            MYSQL_USER: target.username,
            MYSQL_PASSWORD_FILE: PASSWORD_FILE,
        };
    return {
        ...common,
        MONGODB_URI: `mongodb://${encodeURIComponent(target.username)}@${target.host}:${target.port}/?authSource=admin`,
        MONGODB_PASSWORD_FILE: PASSWORD_FILE,
    };
}

/** File in the backups directory with the time (epoch seconds) of the last successful run; pruning leaves it alone. */
export const LAST_SUCCESS_FILE = ".last-success";
/** File in the backups directory with the time (epoch seconds) of the last failed run; the next success removes it. */
export const LAST_FAILURE_FILE = ".last-failure";

/** File in the backups directory with the time (epoch seconds) of the last failed restore test; the next pass removes it. */
export const RESTORE_TEST_FAILURE_FILE = ".restore-test-failure";

/**
 * What the schedule loop runs for the `restore-test` label: restore-test.sh, its metrics in
 * `$BACKUP_DIR/.restore-test.prom`, a failure recorded for the health check (exit status kept).
 */
export function restoreTestRunCommand(script = `${CONFIG_DIR}/restore-test.sh`): string {
    return [
        `if RESTORE_TEST_METRICS="$BACKUP_DIR/.restore-test.prom" sh ${script}; then`,
        `    rm -f "$BACKUP_DIR/${RESTORE_TEST_FAILURE_FILE}"`,
        `else`,
        `    status=$?`,
        `    date +%s >"$BACKUP_DIR/${RESTORE_TEST_FAILURE_FILE}"`,
        `    exit "$status"`,
        `fi`,
    ].join("\n");
}

/**
 * What the schedule loop runs: `backupScript` (@default the uploaded backup.sh), then the
 * outcome recorded in `$BACKUP_DIR` for the health check; a failure keeps its exit status.
 * Shell code for {@link renderScheduleLoop}, which runs it in a subshell.
 */
export function backupRunCommand(backupScript = `${CONFIG_DIR}/backup.sh`): string {
    return [
        `if sh ${backupScript}; then`,
        `    date +%s >"$BACKUP_DIR/${LAST_SUCCESS_FILE}"`,
        `    rm -f "$BACKUP_DIR/${LAST_FAILURE_FILE}"`,
        `else`,
        `    status=$?`,
        `    date +%s >"$BACKUP_DIR/${LAST_FAILURE_FILE}"`,
        `    exit "$status"`,
        `fi`,
    ].join("\n");
}

/**
 * The backup container's health check script (POSIX sh): unhealthy when the last run failed
 * (until one succeeds), or when no backup has succeeded for more than `maxAgeSeconds`: counted
 * from the last success, or, before the first, from the container's first health check (kept in
 * `$TMPDIR`, a tmpfs). So `docker ps` shows a stale or failing backup, the dev stack's alert.
 */
export function renderBackupHealthCheck(maxAgeSeconds: number): string {
    if (!Number.isInteger(maxAgeSeconds) || maxAgeSeconds < 60)
        throw new Error(`backup health: maxAgeSeconds must be a whole number of at least 60, not ${maxAgeSeconds}`);
    return [
        `#!/bin/sh`,
        `# tierform backup health check (generated by components/docker/backup.ts).`,
        `set -u`,
        `MAX_AGE=${maxAgeSeconds}`,
        `DIR="\${BACKUP_DIR:-${BACKUP_DIR}}"`,
        `SINCE_FILE="\${TMPDIR:-/tmp}/.backup-health-since"`,
        `now=$(date +%s)`,
        `if [ -f "$DIR/${RESTORE_TEST_FAILURE_FILE}" ]; then`,
        `    echo "the last restore test failed (at epoch $(cat "$DIR/${RESTORE_TEST_FAILURE_FILE}")); see the container log"`,
        `    exit 1`,
        `fi`,
        `if [ -f "$DIR/${LAST_FAILURE_FILE}" ]; then`,
        `    echo "the last backup run failed (at epoch $(cat "$DIR/${LAST_FAILURE_FILE}")); see the container log"`,
        `    exit 1`,
        `fi`,
        `if [ -f "$DIR/${LAST_SUCCESS_FILE}" ]; then`,
        `    since=$(cat "$DIR/${LAST_SUCCESS_FILE}")`,
        `    what="the last successful backup"`,
        `else`,
        `    [ -f "$SINCE_FILE" ] || echo "$now" >"$SINCE_FILE"`,
        `    since=$(cat "$SINCE_FILE")`,
        `    what="the start (no backup yet)"`,
        `fi`,
        `case "$since" in`,
        `    '' | *[!0-9]*)`,
        `        echo "unreadable time stamp '$since' for $what"`,
        `        exit 1`,
        `        ;;`,
        `esac`,
        `age=$((now - since))`,
        `if [ "$age" -gt "$MAX_AGE" ]; then`,
        `    echo "no successful backup for \${age}s since $what; the schedules allow \${MAX_AGE}s"`,
        `    exit 1`,
        `fi`,
        `echo "ok: \${age}s since $what"`,
        ``,
    ].join("\n");
}

/** Arguments of {@link DockerBackup}. */
export interface DockerBackupArgs {
    /** The system's facts (labels, deletion protection, the RPO). */
    system: SystemFacts;
    /** The database to back up, as the plan has it: its spec (engine, version, name, backup policy) and its backup plan (plan/backup.ts: schedules, retention, allowed age, restore test). */
    database: DatastorePlanOf<"database">;
    /** The database server to dump, as whom. */
    target: BackupTarget;
    /** Name of the internal data network. */
    network: pulumi.Input<string>;
    /** Resources the backup waits for (the database container). @default [] */
    dependsOn?: pulumi.Resource[];
}

/** The backup container of one database, with its backups volume. */
export class DockerBackup extends pulumi.ComponentResource {
    readonly container: docker.Container;
    readonly volume: docker.Volume;
    /** The cron schedules the loop runs, full first. */
    readonly schedules: string[];
    readonly retentionDays: number;
    /** Seconds without a successful backup after which the container turns unhealthy: the schedules' longest gap plus an hour. */
    readonly maxAgeSeconds: number;
    /** The rendered scripts (no credentials in them). */
    readonly scripts: { backup: string; restore: string; schedule: string; health: string; restoreTest?: string };

    constructor(name: string, args: DockerBackupArgs, opts?: pulumi.ComponentResourceOptions) {
        super("tierform:docker:Backup", name, {}, opts);
        const { system, target } = args;
        const db = args.database.spec;
        const plan = args.database.backup;
        this.retentionDays = plan.retentionDays;
        this.schedules = plan.schedules;
        this.maxAgeSeconds = plan.maxAgeSeconds;
        const scratch = "checks" in plan.restoreTest.scratch && db.engine !== "mongodb" ? db.engine : undefined;
        const scriptOpts = {
            engine: db.engine,
            database: db.databaseName,
            retentionDays: this.retentionDays,
            backupDir: BACKUP_DIR,
            marker: scratch !== undefined,
        };
        const labels = this.schedules.map((_, i) => (i === 0 ? "full" : "incremental"));
        const loop = scratch
            ? renderScheduleLoop(
                  [...this.schedules, plan.restoreTest.schedule],
                  `if [ "$BACKUP_KIND" = restore-test ]; then\n${restoreTestRunCommand()}\nelse\n${backupRunCommand()}\nfi`,
                  { labels: [...labels, "restore-test"] },
              )
            : renderScheduleLoop(this.schedules, backupRunCommand());
        this.scripts = {
            backup: renderBackupScript(scriptOpts),
            restore: renderRestoreScript(scriptOpts),
            schedule: loop,
            health: renderBackupHealthCheck(this.maxAgeSeconds),
            ...(scratch
                ? { restoreTest: renderRestoreTestScript({ engine: scratch, database: db.databaseName, backupDir: BACKUP_DIR }) }
                : {}),
        };

        const env = backupEnvironment(db, target);
        const backup = tierContainer(
            resourceName([name]),
            {
                system,
                tier: "backup",
                datastore: db.name,
                image: backupImage(db.engine, db.version),
                user: target.user,
                // The restore test's scratch server runs in here too.
                resources: { memoryMb: scratch ? 768 : 256, cpus: 0.5 },
                networks: [{ name: args.network }],
                entrypoints: ["/bin/sh"],
                command: [`${CONFIG_DIR}/schedule.sh`],
                env: Object.fromEntries(
                    Object.keys(env)
                        .sort()
                        .map((k) => [k, env[k]]),
                ),
                files: [
                    { name: "backup.sh", content: this.scripts.backup, permissions: "0500" },
                    { name: "restore.sh", content: this.scripts.restore, permissions: "0500" },
                    { name: "schedule.sh", content: this.scripts.schedule, permissions: "0500" },
                    { name: "health.sh", content: this.scripts.health, permissions: "0500" },
                    ...(this.scripts.restoreTest
                        ? [{ name: "restore-test.sh", content: this.scripts.restoreTest, permissions: "0500" }]
                        : []),
                    { name: "password", content: pulumi.secret(target.password) },
                ],
                // The database images have no directory of the backups' owner: a one-shot step hands it over.
                data: { path: BACKUP_DIR, owner: target.user },
                init: true,
                tmpfsSizeMb: 256,
                healthcheck: {
                    tests: ["CMD", "/bin/sh", `${CONFIG_DIR}/health.sh`],
                    interval: "60s",
                    timeout: "10s",
                    retries: 2,
                    startPeriod: "30s",
                },
                // Healthy from the first check, a minute after the start: nothing waits on a backup.
                wait: false,
                labels: {
                    [DOCKER_LABEL.engine]: db.engine,
                    [DOCKER_LABEL.backupSchedule]: db.backup.schedule,
                    ...(db.backup.incrementalSchedule ? { [DOCKER_LABEL.backupIncrementalSchedule]: db.backup.incrementalSchedule } : {}),
                    [DOCKER_LABEL.backupRetentionDays]: String(this.retentionDays),
                    [DOCKER_LABEL.backupRpoMinutes]: String(args.system.recovery.rpoMinutes),
                    [DOCKER_LABEL.backupPruneDays]: String(scriptOpts.retentionDays),
                },
                dependsOn: args.dependsOn,
            },
            this,
        );
        this.container = backup.container;
        this.volume = backup.volume!;
        this.registerOutputs({ container: this.container.name, schedules: this.schedules, retentionDays: this.retentionDays });
    }
}
