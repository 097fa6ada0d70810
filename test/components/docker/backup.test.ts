import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { planComponent, type Plan } from "../../harness";
import { requireTool } from "../../harness/tools";
import { renderScheduleLoop } from "../../../components/shared/backup-script";
import {
    backupRunCommand,
    DockerBackup,
    LAST_FAILURE_FILE,
    LAST_SUCCESS_FILE,
    renderBackupHealthCheck,
} from "../../../components/docker/backup";
import {
    argvOf,
    CONTAINER,
    devPlan,
    envOf,
    hardeningProblems,
    isSecretAt,
    labelsOf,
    networksOf,
    storeOf,
    uploadOf,
    VOLUME,
} from "./helpers";

async function planBackup(preset: string, db: string, user: string, port: number): Promise<Plan> {
    const { plan: system } = devPlan(preset);
    const database = storeOf(system, "database", db);
    return planComponent(() => {
        new DockerBackup(`${preset}-backup-${db}`, {
            system,
            database,
            target: { host: db, port, username: database.spec.username, password: "s3cret-db-password", user },
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
            assert.deepStrictEqual(
                [...container().inputs.entrypoints, ...container().inputs.command],
                ["/bin/sh", "/run/tierform/schedule.sh"],
            );
            const labels = labelsOf(container());
            assert.strictEqual(labels["tierform.backup.schedule"], "0 2 * * *");
            assert.strictEqual(labels["tierform.backup.incremental-schedule"], "0 */6 * * *");
            assert.strictEqual(labels["tierform.backup.retention-days"], "30");
            assert.strictEqual(labels["tierform.tier"], "backup");
            assert.strictEqual(labels["tierform.datastore"], "db");
        });

        it("runs the restore test on the plan's schedule in the same loop, writes the marker, and turns unhealthy when a test failed", () => {
            const loop = uploadOf(container(), "/run/tierform/schedule.sh")!.content;
            assert.match(loop, /^restore-test 30 5 \* \* \*'$/m);
            assert.ok(loop.includes('if [ "$BACKUP_KIND" = restore-test ]; then'));
            assert.match(
                uploadOf(container(), "/run/tierform/restore-test.sh")!.content,
                /tierform restore test for the mysql database 'auro_mart'/,
            );
            assert.match(uploadOf(container(), "/run/tierform/backup.sh")!.content, /tierform_backup_marker/);
            assert.match(uploadOf(container(), "/run/tierform/health.sh")!.content, /\.restore-test-failure/);
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
                {
                    host: env.MYSQL_HOST,
                    port: env.MYSQL_TCP_PORT,
                    user: env.MYSQL_USER,
                    file: env.MYSQL_PASSWORD_FILE,
                    dir: env.BACKUP_DIR,
                },
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
            assert.match(owner.inputs.command[0], /chown 999:999 \/volume /);
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

describe("docker Backup health", () => {
    let plan: Plan;
    before(async () => (plan = await planBackup("auromart", "db", "999:999", 3306)));
    const container = () => plan.one(CONTAINER, "auromart-backup-db");

    it("checks its health with health.sh, allowing the schedules' longest gap plus an hour", () => {
        const c = container();
        assert.deepStrictEqual(c.inputs.healthcheck.tests, ["CMD", "/bin/sh", "/run/tierform/health.sh"]);
        const health = uploadOf(c, "/run/tierform/health.sh")!;
        assert.strictEqual(health.permissions, "0500");
        // AuroMart: full at 02:00 and every 6 hours, so 6 h apart at most: 7 h allowed.
        assert.match(health.content, /^MAX_AGE=25200$/m);
        assert.ok(uploadOf(c, "/run/tierform/schedule.sh")!.content.includes(backupRunCommand().split("\n")[0]));
        assert.strictEqual(c.inputs.wait, false, "nothing waits on the backup's first check");
    });

    it("MDC's daily dump is allowed 25 hours", async () => {
        const mdc = await planBackup("mdc-tts", "db", "70:70", 5432);
        assert.match(uploadOf(mdc.one(CONTAINER, "mdc-tts-backup-db"), "/run/tierform/health.sh")!.content, /^MAX_AGE=90000$/m);
    });

    describe("run by /bin/sh", () => {
        let dir: string;
        const now = () => Math.floor(Date.now() / 1000);
        beforeEach(() => {
            dir = fs.mkdtempSync(path.join(os.tmpdir(), "tierform-backup-health-"));
            fs.mkdirSync(path.join(dir, "backups"));
            fs.mkdirSync(path.join(dir, "tmp"));
        });
        afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
        const env = () => ({ PATH: process.env.PATH, BACKUP_DIR: path.join(dir, "backups"), TMPDIR: path.join(dir, "tmp") });
        const check = () => spawnSync("/bin/sh", ["-c", renderBackupHealthCheck(3600)], { encoding: "utf8", env: env() });
        const mark = (file: string, epoch: number | string) => fs.writeFileSync(path.join(dir, "backups", file), `${epoch}\n`);

        it("is healthy before the first backup until the allowed age has passed since the first check", () => {
            assert.strictEqual(check().status, 0);
            assert.ok(fs.existsSync(path.join(dir, "tmp", ".backup-health-since")));
            fs.writeFileSync(path.join(dir, "tmp", ".backup-health-since"), `${now() - 3700}\n`);
            const r = check();
            assert.strictEqual(r.status, 1);
            assert.match(r.stdout, /no successful backup for \d+s since the start/);
        });

        it("follows the last success, and turns unhealthy on a failed run until the next success", () => {
            mark(LAST_SUCCESS_FILE, now() - 60);
            assert.strictEqual(check().status, 0, check().stdout);
            mark(LAST_SUCCESS_FILE, now() - 4000);
            assert.strictEqual(check().status, 1);
            mark(LAST_SUCCESS_FILE, now() - 60);
            mark(LAST_FAILURE_FILE, now());
            const r = check();
            assert.strictEqual(r.status, 1);
            assert.match(r.stdout, /last backup run failed/);
            mark(LAST_SUCCESS_FILE, "garbage");
            fs.rmSync(path.join(dir, "backups", LAST_FAILURE_FILE));
            assert.strictEqual(check().status, 1);
        });

        it("the run command records success and failure (keeping the exit status)", () => {
            const script = path.join(dir, "backup.sh");
            const run = (body: string) => {
                fs.writeFileSync(script, body);
                return spawnSync("/bin/sh", ["-c", backupRunCommand(script)], { encoding: "utf8", env: env() });
            };
            assert.strictEqual(run("exit 3\n").status, 3);
            assert.ok(fs.existsSync(path.join(dir, "backups", LAST_FAILURE_FILE)));
            assert.strictEqual(check().status, 1);
            assert.strictEqual(run("exit 0\n").status, 0);
            assert.ok(!fs.existsSync(path.join(dir, "backups", LAST_FAILURE_FILE)));
            assert.ok(Math.abs(Number(fs.readFileSync(path.join(dir, "backups", LAST_SUCCESS_FILE), "utf8")) - now()) <= 2);
            assert.strictEqual(check().status, 0);
        });

        it("passes shellcheck -s sh", function () {
            const shellcheck = requireTool(this, "shellcheck", "shellcheck");
            const file = path.join(dir, "health.sh");
            fs.writeFileSync(file, renderBackupHealthCheck(3600));
            // The run command as the schedule loop embeds it.
            fs.writeFileSync(path.join(dir, "schedule.sh"), renderScheduleLoop(["0 2 * * *", "0 */6 * * *"], backupRunCommand()));
            for (const f of [file, path.join(dir, "schedule.sh")]) {
                const r = spawnSync(shellcheck, ["-s", "sh", f], { encoding: "utf8" });
                assert.strictEqual(r.status, 0, r.stdout);
            }
        });

        it("refuses an allowed age under a minute", () => {
            assert.throws(() => renderBackupHealthCheck(30), /at least 60/);
        });
    });
});
