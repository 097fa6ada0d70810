/**
 * The restore test on Kubernetes (issue 23): per PostgreSQL or MySQL database a CronJob on the
 * plan's `restoreTest.schedule` that restores the newest full dump into a scratch server of its
 * own and checks it against the dump's manifest (components/shared/restore-test-script.ts). The
 * live database is never touched: the scratch server listens on a unix socket inside the pod.
 *
 * The dumps are the backup CronJob's (uid 10001, mode 0600) on its `<db>-backups-full` claim,
 * mounted read-only; an init container running as that uid copies the newest dump, its sha256 and
 * manifest into the pod's scratch volume, readable by the test, which runs as the database
 * image's own user (postgres:*-alpine's 70, mysql's 999, as components/docker/database.ts runs
 * them): initdb and mysqld look their user up in the image's /etc/passwd. The claim is
 * ReadWriteOnce, so the pod is scheduled where the claim is attached, as the restore Job is.
 *
 * The result is the Job's status: `kube_job_status_failed` and
 * `kube_cronjob_status_last_successful_time` (kube-state-metrics) feed `RestoreTestFailed`
 * (components/shared/alert-rules.ts); the test's own metrics are in the pod's log.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { BackupPlan, DatastorePlanOf } from "../../plan";
import { backupImage, dumpExtension } from "../shared/backup-script";
import { renderRestoreTestScript } from "../shared/restore-test-script";
import { logicalName, meta, podLabels, type KubeContext } from "./context";
import { restrictedContainer, restrictedPodSpec } from "./pods";
import { BACKUP_DIR, BACKUP_UID } from "./backup";
import { K8S_ANNOTATION, RESTORE_TEST_KIND } from "../../conventions/labels";

/** The uid:gid each database image's server runs as (its /etc/passwd user). */
export const SCRATCH_SERVER_UID: Record<"postgres" | "mysql", number> = { postgres: 70, mysql: 999 };

/** Where the restore test's pod keeps the copied dump and the scratch server. */
const SCRATCH_DIR = "/tmp";

/** Arguments of {@link KubernetesRestoreTest}. */
export interface KubernetesRestoreTestArgs {
    /** Where the tier is built: the system, the stack settings, the namespace. */
    ctx: KubeContext;
    /** The database's backup plan: its restore test's schedule, window and checks. */
    backup: BackupPlan;
    /** The database's plan: engine version, size and database name. */
    datastore: DatastorePlanOf<"database">;
    /**
     * Resources the CronJob waits for (the backup's claim).
     * @default []
     */
    dependsOn?: pulumi.Resource[];
}

/** The restore test CronJob of one PostgreSQL or MySQL database (none for MongoDB: the plan says why). */
export class KubernetesRestoreTest extends pulumi.ComponentResource {
    /** The CronJob. */
    readonly cronJob: k8s.batch.v1.CronJob;

    constructor(name: string, args: KubernetesRestoreTestArgs, opts?: pulumi.ComponentResourceOptions) {
        super("tierform:kubernetes:RestoreTest", name, {}, opts);
        const { ctx, backup, datastore } = args;
        const engine = backup.engine;
        if (engine === "mongodb" || !("checks" in backup.restoreTest.scratch))
            throw new Error(`restore test: no scratch restore for ${backup.database} (${engine})`);
        const test = backup.restoreTest;
        const db = datastore.spec;
        const component = `${backup.database}-backup`;
        const cronName = `${backup.database}-restore-test`;
        const uid = SCRATCH_SERVER_UID[engine];
        const image = backupImage(engine, datastore.version!);
        const storageGb = datastore.size.storageGb ?? db.storageGb;
        const scriptName = `${backup.database}-restore-test-script`;
        const script = new k8s.core.v1.ConfigMap(
            logicalName(ctx, scriptName),
            {
                metadata: meta(ctx, scriptName, component, "backup"),
                data: {
                    "restore-test.sh": renderRestoreTestScript({ engine, database: db.databaseName, backupDir: `${SCRATCH_DIR}/dump` }),
                },
            },
            { parent: this },
        );
        // The newest full dump (names sort by their UTC stamp on the full claim), its sha256 and manifest, made readable.
        const copy = [
            "set -eu",
            `f=$(ls -1 ${BACKUP_DIR}/${db.databaseName}-full-*.${dumpExtension(engine)} | sort | tail -n 1)`,
            `mkdir -p ${SCRATCH_DIR}/dump`,
            `cp "$f" "$f.sha256" "$f.manifest" ${SCRATCH_DIR}/dump/`,
            `chmod 0644 ${SCRATCH_DIR}/dump/*`,
        ].join("\n");
        const volumeMounts = [
            { name: "scratch", mountPath: SCRATCH_DIR },
            { name: "script", mountPath: "/scripts", readOnly: true },
        ];
        this.cronJob = new k8s.batch.v1.CronJob(
            logicalName(ctx, cronName),
            {
                metadata: meta(ctx, cronName, component, "backup", {
                    annotations: { [K8S_ANNOTATION.datastore]: backup.database, [K8S_ANNOTATION.backupKind]: RESTORE_TEST_KIND },
                }),
                spec: {
                    schedule: test.schedule,
                    timeZone: "Etc/UTC",
                    concurrencyPolicy: "Forbid",
                    startingDeadlineSeconds: 600,
                    successfulJobsHistoryLimit: 3,
                    failedJobsHistoryLimit: 3,
                    jobTemplate: {
                        metadata: { labels: podLabels(ctx, component, "backup") },
                        spec: {
                            // One verdict per run: a retry would hide a failure the alert must see.
                            backoffLimit: 0,
                            activeDeadlineSeconds: test.windowHours * 3600,
                            template: {
                                metadata: {
                                    labels: podLabels(ctx, component, "backup", { [K8S_ANNOTATION.backupKind]: RESTORE_TEST_KIND }),
                                },
                                spec: restrictedPodSpec(uid, uid, {
                                    restartPolicy: "Never",
                                    initContainers: [
                                        restrictedContainer(
                                            BACKUP_UID,
                                            BACKUP_UID,
                                            { cpu: 0.25, memoryMb: 128 },
                                            {
                                                name: "copy-dump",
                                                image,
                                                command: ["/bin/sh", "-c", copy],
                                                volumeMounts: [...volumeMounts, { name: "backups", mountPath: BACKUP_DIR, readOnly: true }],
                                            },
                                        ),
                                    ],
                                    containers: [
                                        restrictedContainer(
                                            uid,
                                            uid,
                                            { cpu: 0.5, memoryMb: 1024 },
                                            {
                                                name: "restore-test",
                                                image,
                                                command: ["/bin/sh", "/scripts/restore-test.sh"],
                                                env: [
                                                    { name: "HOME", value: SCRATCH_DIR },
                                                    { name: "TMPDIR", value: SCRATCH_DIR },
                                                ],
                                                volumeMounts,
                                            },
                                        ),
                                    ],
                                    volumes: [
                                        {
                                            name: "backups",
                                            persistentVolumeClaim: { claimName: `${backup.database}-backups-full`, readOnly: true },
                                        },
                                        { name: "script", configMap: { name: scriptName, defaultMode: 0o555 } },
                                        // The copied dump and the scratch server's data: room for the dump and the restored database.
                                        { name: "scratch", emptyDir: { sizeLimit: `${storageGb * 3}Gi` } },
                                    ],
                                }),
                            },
                        },
                    },
                },
            },
            { parent: this, dependsOn: [script, ...(args.dependsOn ?? [])] },
        );
        this.registerOutputs({});
    }
}
