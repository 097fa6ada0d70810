/**
 * The restore test CronJob on staging (components/kubernetes/restore-test.ts), read from the cached
 * whole-program staging plans: one per PostgreSQL and MySQL database on the plan's schedule, none
 * for MongoDB, and the backup CronJobs write the marker it checks.
 */
import { strict as assert } from "assert";
import { object, objects, stagingPlan } from "./fixtures";
import { RESTORE_TEST_SCHEDULE, RESTORE_TEST_WINDOW_HOURS } from "../../../plan/backup";

describe("kubernetes restore tests", () => {
    it("auromart (MySQL): a CronJob restores the newest full dump into a scratch server as the image's user, one verdict per run", async () => {
        const plan = await stagingPlan("auromart");
        const cron = object(plan, "CronJob", "db-restore-test").inputs.spec;
        assert.equal(cron.schedule, RESTORE_TEST_SCHEDULE);
        assert.equal(cron.concurrencyPolicy, "Forbid");
        assert.equal(cron.jobTemplate.spec.backoffLimit, 0);
        assert.equal(cron.jobTemplate.spec.activeDeadlineSeconds, RESTORE_TEST_WINDOW_HOURS * 3600);
        const pod = cron.jobTemplate.spec.template.spec;
        assert.equal(pod.securityContext.runAsUser, 999);
        assert.equal(pod.initContainers[0].securityContext.runAsUser, 10001, "the copy reads the backup's 0600 dumps as their owner");
        assert.match(pod.initContainers[0].command[2], /ls -1 \/backups\/auro_mart-full-\*\.sql\.gz/);
        assert.deepEqual(pod.containers[0].command, ["/bin/sh", "/scripts/restore-test.sh"]);
        assert.equal(pod.containers[0].image, "mysql:8.0.46");
        assert.equal(pod.containers[0].securityContext.readOnlyRootFilesystem, true);
        assert.deepEqual(pod.volumes.find((v: { name: string }) => v.name === "backups").persistentVolumeClaim, {
            claimName: "db-backups-full",
            readOnly: true,
        });
        assert.ok(!JSON.stringify(pod).includes("secretKeyRef"), "the scratch restore needs no credential");
        const script = object(plan, "ConfigMap", "db-restore-test-script").inputs.data["restore-test.sh"];
        assert.match(script, /^BACKUP_DIR="\$\{BACKUP_DIR:-\/tmp\/dump\}"$/m);
        assert.match(object(plan, "ConfigMap", "db-backup-scripts").inputs.data["backup.sh"], /tierform_backup_marker/);
    });

    it("mdc-tts (PostgreSQL) gets one as the postgres image's user; hld-platform (MongoDB) none, and its dumps no marker", async () => {
        const mdc = await stagingPlan("mdc-tts");
        const pod = object(mdc, "CronJob", "db-restore-test").inputs.spec.jobTemplate.spec.template.spec;
        assert.equal(pod.securityContext.runAsUser, 70);
        const hld = await stagingPlan("hld-platform");
        assert.deepEqual(
            objects(hld, "CronJob").filter((c) => /restore-test/.test(c.inputs.metadata.name)),
            [],
        );
        for (const c of objects(hld, "ConfigMap").filter((m) => /backup-scripts$/.test(m.inputs.metadata.name)))
            assert.doesNotMatch(c.inputs.data["backup.sh"], /tierform_backup_marker/);
    });
});
