import * as assert from "assert";
import { planComponent, type Plan } from "../../harness";
import { DockerBackup } from "../../../components/docker/backup";
import { argvOf, CONTAINER, devSystem, envOf, hardeningProblems, isSecretAt, labelsOf, networksOf, uploadOf, VOLUME } from "./helpers";

async function planBackup(preset: string, db: string, user: string, port: number): Promise<Plan> {
    const { system } = devSystem(preset);
    const database = system.databases[db];
    return planComponent(() => {
        new DockerBackup(`${preset}-backup-${db}`, {
            system,
            database,
            target: { host: db, port, username: database.username, password: "s3cret-db-password", user },
            network: `${preset}-net-data`,
        });
    });
}

describe("docker Backup", () => {
    describe("AuroMart MySQL: daily full + 6-hourly incremental, 30 days", () => {
        let plan: Plan;
        before(async () => (plan = await planBackup("auromart", "db", "999:999", 3306)));
        const container = () => plan.one(CONTAINER, "auromart-backup-db");

        it("runs the schedule loop over both schedules, full first, calling the backup script", () => {
            const loop = uploadOf(container(), "/run/tierform/schedule.sh")!.content;
            assert.match(loop, /full 0 2 \* \* \*/);
            assert.match(loop, /incremental 0 \*\/6 \* \* \*/);
            assert.ok(loop.includes("sh /run/tierform/backup.sh"));
            assert.deepStrictEqual([...container().inputs.entrypoints, ...container().inputs.command], ["/bin/sh", "/run/tierform/schedule.sh"]);
            const labels = labelsOf(container());
            assert.strictEqual(labels["tierform.backup.schedule"], "0 2 * * *");
            assert.strictEqual(labels["tierform.backup.incremental-schedule"], "0 */6 * * *");
            assert.strictEqual(labels["tierform.backup.retention-days"], "30");
            assert.strictEqual(labels["tierform.tier"], "backup");
            assert.strictEqual(labels["tierform.datastore"], "db");
        });

        it("dumps auro_mart with the mysql image's client and prunes after 30 days", () => {
            const script = uploadOf(container(), "/run/tierform/backup.sh")!.content;
            assert.match(script, /DB_NAME='auro_mart'/);
            assert.match(script, /RETENTION_DAYS=30/);
            assert.match(container().inputs.image, /^mysql:8\.0\.\d+@/);
            assert.ok(uploadOf(container(), "/run/tierform/restore.sh"));
        });

        it("connects with env and a password file: no password in env or argv", () => {
            const env = envOf(container());
            assert.deepStrictEqual(
                { host: env.MYSQL_HOST, port: env.MYSQL_TCP_PORT, user: env.MYSQL_USER, file: env.MYSQL_PASSWORD_FILE, dir: env.BACKUP_DIR },
                { host: "db", port: "3306", user: "auro_user", file: "/run/tierform/password", dir: "/backups" },
            );
            const pw = uploadOf(container(), "/run/tierform/password")!;
            assert.strictEqual(pw.content, "s3cret-db-password");
            assert.strictEqual(pw.permissions, "0400");
            assert.ok(isSecretAt(container(), `uploads[${pw.index}].content`));
            for (const v of [...Object.values(env), ...argvOf(container())]) assert.ok(!v.includes("s3cret"), v);
        });

        it("writes to a named backups volume, as the database's non-root user, on the data network only", () => {
            const volume = plan.one(VOLUME, "auromart-backup-db-data");
            assert.strictEqual(labelsOf(volume)["tierform.tier"], "backup");
            assert.ok(container().inputs.volumes.some((v: any) => v.containerPath === "/backups" && v.volumeName === volume.inputs.name));
            assert.strictEqual(container().inputs.user, "999:999");
            assert.deepStrictEqual(hardeningProblems(container()), []);
            assert.deepStrictEqual(networksOf(container()), ["auromart-net-data"]);
            assert.strictEqual(container().inputs.ports, undefined);
            const owner = plan.one(CONTAINER, "auromart-backup-db-data-owner");
            assert.deepStrictEqual(owner.inputs.command, ["999:999", "/volume"]);
            assert.ok(container().dependencies.includes(owner.urn));
        });
    });

    it("MDC Postgres: one 02:00 schedule, 30 days, libpq env", async () => {
        const plan = await planBackup("mdc-tts", "db", "70:70", 5432);
        const c = plan.one(CONTAINER, "mdc-tts-backup-db");
        const loop = uploadOf(c, "/run/tierform/schedule.sh")!.content;
        assert.match(loop, /full 0 2 \* \* \*/);
        assert.doesNotMatch(loop, /^incremental /m);
        assert.match(uploadOf(c, "/run/tierform/backup.sh")!.content, /pg_dump/);
        const env = envOf(c);
        assert.strictEqual(env.PGHOST, "db");
        assert.strictEqual(env.PGPASSWORD_FILE, "/run/tierform/password");
        assert.strictEqual(env.PGPASSWORD, undefined);
        assert.strictEqual(labelsOf(c)["tierform.backup.retention-days"], "30");
    });
});
