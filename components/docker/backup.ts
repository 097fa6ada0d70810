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
 * Off-site copies need the `aws` CLI, which the database images lack: on dev the dumps stay on
 * the backups volume; staging and prod copy them off-site.
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { Database, System } from "../../spec";
import { backupImage, renderBackupScript, renderRestoreScript, renderScheduleLoop } from "../shared/backup-script";
import { resourceName } from "../shared/naming";
import { CONFIG_DIR, configVolume, hardened, labelsFor, namedVolume, pullImage, tmpfsMounts, upload, UTILITY_IMAGE, volumeOwnership } from "./common";

/** Where dumps are written inside the backup container. */
export const BACKUP_DIR = "/backups";
const PASSWORD_FILE = `${CONFIG_DIR}/password`;

/** Where and as whom the backup connects: the {@link DockerDatabase}'s outputs. */
export interface BackupTarget {
    host: string;
    port: number;
    username: string;
    /** The database user's password (secret). */
    password: pulumi.Input<string>;
    /** The database image's non-root uid:gid; the backup runs as the same user. */
    user: string;
}

/** The client environment of the backup scripts for `engine` (no password: that is a file). */
export function backupEnvironment(db: Database, target: BackupTarget): Record<string, string> {
    const common = { BACKUP_DIR, TZ: "UTC", HOME: "/tmp" };
    if (db.engine === "postgres") return { ...common, PGHOST: target.host, PGPORT: String(target.port), PGUSER: target.username, PGPASSWORD_FILE: PASSWORD_FILE };
    if (db.engine === "mysql") return { ...common, MYSQL_HOST: target.host, MYSQL_TCP_PORT: String(target.port), MYSQL_USER: target.username, MYSQL_PASSWORD_FILE: PASSWORD_FILE };
    return {
        ...common,
        MONGODB_URI: `mongodb://${encodeURIComponent(target.username)}@${target.host}:${target.port}/?authSource=admin`,
        MONGODB_PASSWORD_FILE: PASSWORD_FILE,
    };
}

/** Arguments of {@link DockerBackup}. */
export interface DockerBackupArgs {
    system: System;
    /** The database to back up (engine, version, name, backup policy). */
    database: Database;
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
    /** The rendered scripts (no credentials in them). */
    readonly scripts: { backup: string; restore: string; schedule: string };

    constructor(name: string, args: DockerBackupArgs, opts?: pulumi.ComponentResourceOptions) {
        super("tierform:docker:Backup", name, {}, opts);
        const { system, database: db, target } = args;
        this.retentionDays = db.backup.retentionDays;
        this.schedules = [db.backup.schedule, ...(db.backup.incrementalSchedule ? [db.backup.incrementalSchedule] : [])];
        const scriptOpts = { engine: db.engine, database: db.databaseName, retentionDays: this.retentionDays, backupDir: BACKUP_DIR };
        this.scripts = {
            backup: renderBackupScript(scriptOpts),
            restore: renderRestoreScript(scriptOpts),
            schedule: renderScheduleLoop(this.schedules, `sh ${CONFIG_DIR}/backup.sh`),
        };

        const image = pullImage(resourceName([name, "image"]), backupImage(db.engine, db.version), this);
        const utility = pullImage(resourceName([name, "utility-image"]), UTILITY_IMAGE, this);
        this.volume = namedVolume(resourceName([name, "data"]), system, "backup", this, db.name);
        const config = configVolume(resourceName([name, "config"]), system, "backup", this, db.name);
        const owner = volumeOwnership(resourceName([name, "data-owner"]), { system, tier: "backup", datastore: db.name, volume: this.volume, owner: target.user, image: utility.imageId }, this);

        const env = backupEnvironment(db, target);
        const containerName = resourceName([name]);
        this.container = new docker.Container(
            containerName,
            {
                name: containerName,
                image: image.imageId,
                entrypoints: ["/bin/sh"],
                command: [`${CONFIG_DIR}/schedule.sh`],
                envs: Object.keys(env)
                    .sort()
                    .map((k) => `${k}=${env[k]}`),
                ...hardened({ user: target.user, memoryMb: 256, cpus: 0.5 }),
                init: true,
                tmpfs: tmpfsMounts(["/tmp"], 256),
                volumes: [
                    { volumeName: this.volume.name, containerPath: BACKUP_DIR },
                    { volumeName: config.name, containerPath: CONFIG_DIR },
                ],
                uploads: [
                    upload("backup.sh", this.scripts.backup, target.user, "0500"),
                    upload("restore.sh", this.scripts.restore, target.user, "0500"),
                    upload("schedule.sh", this.scripts.schedule, target.user, "0500"),
                    upload("password", pulumi.secret(target.password), target.user, "0400"),
                ],
                networksAdvanced: [{ name: args.network }],
                labels: labelsFor(system, "backup", db.name, {
                    "tierform.engine": db.engine,
                    "tierform.backup.schedule": db.backup.schedule,
                    ...(db.backup.incrementalSchedule ? { "tierform.backup.incremental-schedule": db.backup.incrementalSchedule } : {}),
                    "tierform.backup.retention-days": String(this.retentionDays),
                }),
            },
            { parent: this, dependsOn: [owner, ...(args.dependsOn ?? [])] },
        );
        this.registerOutputs({ container: this.container.name, schedules: this.schedules, retentionDays: this.retentionDays });
    }
}
