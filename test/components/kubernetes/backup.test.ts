import { strict as assert } from "assert";
import { planComponent } from "../../harness";
import { backupEnv, KubernetesBackup } from "../../../components/kubernetes/backup";
import { context, datastoreSpec, object, objects } from "./fixtures";

const creds = { secretName: "db-credentials", usernameKey: "root-username", passwordKey: "root-password", username: "root" };

describe("kubernetes backups", () => {
    it("gives the shared script its credentials by secretKeyRef only", () => {
        const ctx = context("auromart");
        const env = backupEnv(ctx, datastoreSpec(ctx.system, "database", "db"), creds);
        assert.deepEqual(
            env.map((e) => e.name),
            ["MYSQL_HOST", "MYSQL_TCP_PORT", "MYSQL_USER", "MYSQL_PASSWORD"],
        );
        assert.deepEqual((env[3].valueFrom as any).secretKeyRef, { name: "db-credentials", key: "root-password" });
        const hld = context("hld-platform");
        const mongo = backupEnv(hld, datastoreSpec(hld.system, "database", "mongo"), creds);
        assert.equal(mongo[0].value, "mongodb://root@mongo.hld-platform.svc.cluster.local:27017/?authSource=admin");
    });

    it("runs a full and an incremental CronJob with deadlines, Forbid, and their own PVCs", async () => {
        const ctx = context("auromart");
        const plan = await planComponent(
            () => new KubernetesBackup("t", { ctx, database: datastoreSpec(ctx.system, "database", "db"), credentials: creds }),
        );
        const crons = objects(plan, "CronJob");
        assert.equal(crons.length, 2);
        for (const c of crons) {
            const s = c.inputs.spec;
            assert.deepEqual(
                [s.concurrencyPolicy, s.startingDeadlineSeconds, s.jobTemplate.spec.activeDeadlineSeconds, s.jobTemplate.spec.backoffLimit],
                ["Forbid", 600, 10800, 2],
            );
            const pod = s.jobTemplate.spec.template.spec;
            assert.equal(pod.containers[0].image, "mysql:8.0.46");
            assert.deepEqual(pod.containers[0].command.slice(0, 2), ["/bin/sh", "/scripts/backup.sh"]);
            assert.equal(pod.securityContext.runAsUser, 10001);
        }
        assert.deepEqual(
            objects(plan, "PersistentVolumeClaim")
                .map((p) => p.inputs.metadata.name)
                .sort(),
            ["db-backups-full", "db-backups-incremental"],
        );
        const scripts = object(plan, "ConfigMap", "db-backup-scripts").inputs.data;
        assert.match(scripts["backup.sh"], /RETENTION_DAYS=30/);
        assert.match(scripts["restore.sh"], /restore/);
    });

    it("copies dumps off-site after the dump when an S3 endpoint is configured", async () => {
        const ctx = context("mdc-tts", { "tierform:s3Endpoint": "https://s3.example.com" });
        const plan = await planComponent(
            () =>
                new KubernetesBackup("t", {
                    ctx,
                    database: datastoreSpec(ctx.system, "database", "db"),
                    credentials: { ...creds, secretName: "db-app", usernameKey: "username", passwordKey: "password" },
                }),
        );
        const pod = object(plan, "CronJob", "db-backup-full").inputs.spec.jobTemplate.spec.template.spec;
        assert.equal(pod.initContainers[0].name, "dump");
        assert.deepEqual(pod.containers[0].command.slice(-2), ["/backups/", "s3://mdc-tts-backups/db/dumps/full/"]);
        assert.equal(
            pod.containers[0].env.find((e: any) => e.name === "AWS_SECRET_ACCESS_KEY").valueFrom.secretKeyRef.name,
            "s3-credentials",
        );
    });
});
