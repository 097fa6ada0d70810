/**
 * Backups on Kubernetes: per database a CronJob on the spec's `schedule` (and a second one on
 * `incrementalSchedule`, AuroMart's 6-hourly runs) that runs the shared backup script of
 * `components/shared/backup-script.ts`, mounted from a ConfigMap (with its restore twin for the
 * restore Job: a suspended `<db>-restore` Job that runs `restore.sh` on the newest full dump when
 * unsuspended; see the class).
 *
 * Each run dumps into its own PVC (`<db>-backups-<kind>`; two CronJobs never share a
 * ReadWriteOnce volume) and prunes dumps older than the spec's `retentionDays`. With
 * `tierform:s3Endpoint`, a second container (the AWS CLI) copies the directory off-site after the
 * dump succeeded (`aws s3 sync --delete`, so the object store mirrors the retention).
 * `concurrencyPolicy: Forbid`, `startingDeadlineSeconds`, `activeDeadlineSeconds`, `backoffLimit`
 * and the apps' restricted security context (uid 10001, read-only root) apply to every run.
 * Credentials reach the script only through `secretKeyRef` environment variables.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type * as k8sTypes from "@pulumi/kubernetes/types/input";
import { DEFAULT_PORTS } from "../shared/connection";
import { backupImage, renderBackupScript, renderRestoreScript } from "../shared/backup-script";
import { deletionSafety, logicalName, meta, podLabels, serviceHost, type KubeContext } from "./context";
import { restrictedContainer, restrictedPodSpec } from "./pods";
import { secretEnv } from "./secrets";
import { archiveBucket, AWS_CLI_IMAGE, s3Access, s3KeysEnv } from "./object-store";
import { K8S_ANNOTATION } from "../../conventions/labels";
import type { DatastoreSpecs } from "../../plan";

/** A database's spec entry, every default resolved (the plan's `datastores.<name>.spec`). */
type Database = DatastoreSpecs["database"];

/** The AWS CLI image of the off-site copy (pinned; defined with the object store, which uses it too). */
export { AWS_CLI_IMAGE } from "./object-store";
/** Where dumps are written inside the backup pod. */
export const BACKUP_DIR = "/backups";
/** The uid of backup runs: the apps' default. */
export const BACKUP_UID = 10001;

/** The credentials a database's backup uses: a Secret and its keys. */
export interface BackupCredentials {
    /** The Secret, in the system's namespace. */
    secretName: string;
    /** Its key holding the user name. */
    usernameKey: string;
    /** Its key holding the password. */
    passwordKey: string;
    /** The user name (MongoDB puts it in the URI). */
    username: string;
}

/** The environment the shared script reads for `db` (see CONNECTION_ENV in backup-script.ts). */
export function backupEnv(ctx: KubeContext, db: Database, creds: BackupCredentials): k8sTypes.core.v1.EnvVar[] {
    if (db.engine === "postgres") {
        return [
            { name: "PGHOST", value: serviceHost(`${db.name}-rw`, ctx.namespaceName) },
            { name: "PGPORT", value: String(DEFAULT_PORTS.postgres) },
            { name: "PGSSLMODE", value: "require" },
            secretEnv("PGUSER", creds.secretName, creds.usernameKey),
            secretEnv("PGPASSWORD", creds.secretName, creds.passwordKey),
        ];
    }
    if (db.engine === "mysql") {
        return [
            { name: "MYSQL_HOST", value: serviceHost(db.name, ctx.namespaceName) },
            { name: "MYSQL_TCP_PORT", value: String(DEFAULT_PORTS.mysql) },
            secretEnv("MYSQL_USER", creds.secretName, creds.usernameKey),
            secretEnv("MYSQL_PASSWORD", creds.secretName, creds.passwordKey),
        ];
    }
    return [
        {
            name: "MONGODB_URI",
            value: `mongodb://${creds.username}@${serviceHost(db.name, ctx.namespaceName)}:${DEFAULT_PORTS.mongodb}/?authSource=admin`,
        },
        secretEnv("MONGODB_PASSWORD", creds.secretName, creds.passwordKey),
    ];
}

/** The runs of a database: `full` on `schedule`, `incremental` on `incrementalSchedule` when set. */
export function backupRuns(db: Database): { kind: "full" | "incremental"; schedule: string }[] {
    return [
        { kind: "full" as const, schedule: db.backup.schedule },
        ...(db.backup.incrementalSchedule ? [{ kind: "incremental" as const, schedule: db.backup.incrementalSchedule }] : []),
    ];
}

/** Arguments of {@link KubernetesBackup}. */
export interface KubernetesBackupArgs {
    /** Where the tier is built: the system, the stack settings, the namespace. */
    ctx: KubeContext;
    /** The database to back up. */
    database: Database;
    /** Secret and keys of the user the dump runs as. */
    credentials: BackupCredentials;
    /**
     * Seconds a run may take before it is killed.
     * @default 10800 (3 hours)
     */
    activeDeadlineSeconds?: number;
    /**
     * Seconds after the scheduled time a missed run may still start.
     * @default 600
     */
    startingDeadlineSeconds?: number;
    /**
     * Retries of a failed run.
     * @default 2
     */
    backoffLimit?: number;
    /**
     * Size of each backup PVC in GiB.
     * @default the database's storageGb
     */
    storageGb?: number;
    /**
     * Write the restore test's marker row and manifest before each dump (the plan's
     * `restoreTest.scratch` has checks; components/kubernetes/restore-test.ts reads them).
     * @default false
     */
    marker?: boolean;
    /**
     * Resources the CronJobs wait for (the database).
     * @default []
     */
    dependsOn?: pulumi.Resource[];
}

/** Backup CronJob(s), script ConfigMap and PVC(s) of one database. */
export class KubernetesBackup extends pulumi.ComponentResource {
    /** The CronJobs by run kind. */
    readonly cronJobs: Record<string, k8s.batch.v1.CronJob> = {};
    /** The suspended restore Job (see the module doc). */
    readonly restoreJob: k8s.batch.v1.Job;

    constructor(name: string, args: KubernetesBackupArgs, opts?: pulumi.ComponentResourceOptions) {
        super("tierform:kubernetes:Backup", name, {}, opts);
        const { ctx, database: db } = args;
        const component = `${db.name}-backup`;
        const scriptOptions = {
            engine: db.engine,
            database: db.databaseName,
            retentionDays: db.backup.retentionDays,
            backupDir: BACKUP_DIR,
            marker: args.marker ?? false,
        };
        const scriptsName = `${db.name}-backup-scripts`;
        const scripts = new k8s.core.v1.ConfigMap(
            logicalName(ctx, scriptsName),
            {
                metadata: meta(ctx, scriptsName, component, "backup"),
                data: { "backup.sh": renderBackupScript(scriptOptions), "restore.sh": renderRestoreScript(scriptOptions) },
            },
            { parent: this },
        );
        const s3 = s3Access(ctx);
        const container = (c: k8sTypes.core.v1.Container, size: { cpu: number; memoryMb: number }) =>
            restrictedContainer(BACKUP_UID, BACKUP_UID, size, c);
        for (const run of backupRuns(db)) {
            const pvcName = `${db.name}-backups-${run.kind}`;
            // The dumps outlive a `pulumi destroy` in staging and refuse deletion in prod (see deletionSafety).
            const pvc = new k8s.core.v1.PersistentVolumeClaim(
                logicalName(ctx, pvcName),
                {
                    metadata: meta(ctx, pvcName, component, "backup"),
                    spec: {
                        accessModes: ["ReadWriteOnce"],
                        ...(ctx.settings.storageClass ? { storageClassName: ctx.settings.storageClass } : {}),
                        resources: { requests: { storage: `${args.storageGb ?? db.storageGb}Gi` } },
                    },
                },
                { parent: this, ...deletionSafety(ctx.system, true) },
            );
            const dump = container(
                {
                    name: "dump",
                    image: backupImage(db.engine, db.version),
                    command: ["/bin/sh", "/scripts/backup.sh", "--label", run.kind],
                    env: [{ name: "HOME", value: "/tmp" }, { name: "TMPDIR", value: "/tmp" }, ...backupEnv(ctx, db, args.credentials)],
                    volumeMounts: [
                        { name: "backups", mountPath: BACKUP_DIR },
                        { name: "scripts", mountPath: "/scripts", readOnly: true },
                        { name: "tmp", mountPath: "/tmp" },
                    ],
                },
                { cpu: 0.5, memoryMb: 512 },
            );
            const upload = s3.external
                ? container(
                      {
                          name: "offsite",
                          image: AWS_CLI_IMAGE,
                          command: [
                              "aws",
                              "s3",
                              "sync",
                              "--only-show-errors",
                              "--delete",
                              "--endpoint-url",
                              s3.endpointUrl,
                              `${BACKUP_DIR}/`,
                              `s3://${archiveBucket(ctx)}/${db.name}/dumps/${run.kind}/`,
                          ],
                          env: [{ name: "HOME", value: "/tmp" }, ...s3KeysEnv(ctx, "backups")],
                          volumeMounts: [
                              { name: "backups", mountPath: BACKUP_DIR, readOnly: true },
                              { name: "tmp", mountPath: "/tmp" },
                          ],
                      },
                      { cpu: 0.25, memoryMb: 256 },
                  )
                : undefined;
            const cronName = `${db.name}-backup-${run.kind}`;
            this.cronJobs[run.kind] = new k8s.batch.v1.CronJob(
                logicalName(ctx, cronName),
                {
                    metadata: meta(ctx, cronName, component, "backup", {
                        annotations: {
                            [K8S_ANNOTATION.retentionDays]: String(db.backup.retentionDays),
                            [K8S_ANNOTATION.rpoMinutes]: String(ctx.system.recovery.rpoMinutes),
                            [K8S_ANNOTATION.pruneDays]: String(scriptOptions.retentionDays),
                            [K8S_ANNOTATION.datastore]: db.name,
                            [K8S_ANNOTATION.backupKind]: run.kind,
                        },
                    }),
                    spec: {
                        schedule: run.schedule,
                        timeZone: "Etc/UTC",
                        concurrencyPolicy: "Forbid",
                        startingDeadlineSeconds: args.startingDeadlineSeconds ?? 600,
                        successfulJobsHistoryLimit: 3,
                        failedJobsHistoryLimit: 3,
                        jobTemplate: {
                            metadata: { labels: podLabels(ctx, component, "backup") },
                            spec: {
                                backoffLimit: args.backoffLimit ?? 2,
                                activeDeadlineSeconds: args.activeDeadlineSeconds ?? 10800,
                                template: {
                                    metadata: { labels: podLabels(ctx, component, "backup", { [K8S_ANNOTATION.backupKind]: run.kind }) },
                                    spec: restrictedPodSpec(BACKUP_UID, BACKUP_UID, {
                                        restartPolicy: "Never",
                                        // With an off-site copy, the dump runs first (init container), then the upload.
                                        ...(upload ? { initContainers: [dump], containers: [upload] } : { containers: [dump] }),
                                        volumes: [
                                            { name: "backups", persistentVolumeClaim: { claimName: pvcName } },
                                            { name: "scripts", configMap: { name: scriptsName, defaultMode: 0o555 } },
                                            { name: "tmp", emptyDir: { sizeLimit: "1Gi" } },
                                        ],
                                    }),
                                },
                            },
                        },
                    },
                },
                { parent: this, dependsOn: [scripts, pvc, ...(args.dependsOn ?? [])] },
            );
        }
        // The restore, ready to run (issue 11 item 6): a suspended Job running restore.sh (newest
        // full dump, sha256-checked) against the database. `kubectl create job --from=cronjob/…`
        // would run the backup script; this runs the restore:
        //   kubectl -n <ns> patch job <db>-restore --type merge -p '{"spec":{"suspend":false}}'
        // Pulumi does not await it (`pulumi.com/skipAwait`: a suspended Job never completes). To run
        // it again, delete it and `pulumi up`.
        const restoreName = `${db.name}-restore`;
        const fullPvc = `${db.name}-backups-full`;
        this.restoreJob = new k8s.batch.v1.Job(
            logicalName(ctx, restoreName),
            {
                metadata: meta(ctx, restoreName, component, "backup", {
                    annotations: {
                        "pulumi.com/skipAwait": "true",
                        "tierform.io/runbook": `kubectl -n ${ctx.namespaceName} patch job ${restoreName} --type merge -p '{"spec":{"suspend":false}}'`,
                    },
                }),
                spec: {
                    suspend: true,
                    backoffLimit: 0,
                    activeDeadlineSeconds: args.activeDeadlineSeconds ?? 10800,
                    template: {
                        metadata: { labels: podLabels(ctx, component, "backup", { [K8S_ANNOTATION.backupKind]: "restore" }) },
                        spec: restrictedPodSpec(BACKUP_UID, BACKUP_UID, {
                            restartPolicy: "Never",
                            containers: [
                                container(
                                    {
                                        name: "restore",
                                        image: backupImage(db.engine, db.version),
                                        command: ["/bin/sh", "/scripts/restore.sh"],
                                        env: [
                                            { name: "HOME", value: "/tmp" },
                                            { name: "TMPDIR", value: "/tmp" },
                                            ...backupEnv(ctx, db, args.credentials),
                                        ],
                                        volumeMounts: [
                                            { name: "backups", mountPath: BACKUP_DIR, readOnly: true },
                                            { name: "scripts", mountPath: "/scripts", readOnly: true },
                                            { name: "tmp", mountPath: "/tmp" },
                                        ],
                                    },
                                    { cpu: 0.5, memoryMb: 512 },
                                ),
                            ],
                            volumes: [
                                { name: "backups", persistentVolumeClaim: { claimName: fullPvc, readOnly: true } },
                                { name: "scripts", configMap: { name: scriptsName, defaultMode: 0o555 } },
                                { name: "tmp", emptyDir: { sizeLimit: "4Gi" } },
                            ],
                        }),
                    },
                },
            },
            { parent: this, dependsOn: [scripts, ...(args.dependsOn ?? [])] },
        );
        this.registerOutputs({});
    }
}
