/**
 * `shellcheck -s sh` on every shell script tierform renders: the backup and restore scripts for
 * every engine and option combination, the schedule loops, and the scripts of every preset's
 * databases. The real shellcheck binary (Debian package `shellcheck`).
 */
import * as assert from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
    renderBackupScript,
    renderRestoreScript,
    renderScheduleLoop,
    type BackupEngine,
    type BackupScriptOptions,
    type OffsiteTarget,
} from "../../components/shared/backup-script";
import { renderRestoreTestScript } from "../../components/shared/restore-test-script";
import { backupRunCommand, restoreTestRunCommand } from "../../components/docker/backup";
import { loadStack, presetNames } from "../../model";
import { keepPass, keptPass, passKey, requireTool } from "../harness/tools";

/** POSIX sh, every finding down to style, one line per finding. */
const SHELLCHECK_ARGS = ["-s", "sh", "-S", "style", "-f", "gcc"];

/** Script texts shellcheck has already passed in this file: many variants render the same text (72 variants, 48 texts). */
const passed = new Set<string>();

/**
 * Run shellcheck over all `scripts` (name → text), in parallel batches, each distinct text not yet
 * passed once; returns its findings, empty when clean.
 */
async function shellcheck(bin: string, scripts: Record<string, string>): Promise<string> {
    const todo = new Map<string, string>();
    /** The kept-pass key of each text still to check. */
    const keys = new Map<string, string>();
    for (const [name, text] of Object.entries(scripts)) {
        if (passed.has(text) || keys.has(text)) continue;
        const key = passKey(bin, SHELLCHECK_ARGS, [text]);
        if (keptPass(key) !== undefined) continue;
        keys.set(text, key);
        todo.set(name, text);
    }
    if (todo.size === 0) return "";
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tierform-shellcheck-"));
    try {
        const files = [...todo].map(([name, text]) => {
            const file = path.join(dir, `${name.replace(/[^A-Za-z0-9_.-]/g, "_")}.sh`);
            fs.writeFileSync(file, text);
            return file;
        });
        const batches = Math.max(1, Math.min(os.cpus().length, 8));
        const size = Math.ceil(files.length / batches);
        const runs = [];
        for (let i = 0; i < files.length; i += size) {
            const batch = files.slice(i, i + size);
            runs.push(
                new Promise<string>((resolve, reject) => {
                    const child = spawn(bin, [...SHELLCHECK_ARGS, ...batch]);
                    let out = "";
                    child.stdout.on("data", (d) => (out += d));
                    child.stderr.on("data", (d) => (out += d));
                    child.on("error", reject);
                    child.on("close", (code) =>
                        code === 0 || code === 1 ? resolve(out) : reject(new Error(`shellcheck failed to run: ${out}`)),
                    );
                }),
            );
        }
        const findings = (await Promise.all(runs)).join("").trim();
        if (!findings)
            for (const text of todo.values()) {
                passed.add(text);
                keepPass(keys.get(text)!, "");
            }
        return findings;
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

describe("shellcheck on every rendered shell script", function () {
    this.timeout(60000);
    let bin = "";
    before(function () {
        bin = requireTool(this, "shellcheck", "shellcheck");
    });

    it("backup and restore scripts: every engine × checksum × off-site variant × backup dir", async function () {
        const engines: BackupEngine[] = ["postgres", "mysql", "mongodb"];
        const offsites: (OffsiteTarget | undefined)[] = [
            undefined,
            { kind: "s3", bucket: "tierform-backups" },
            { kind: "s3", bucket: "tierform-backups", prefix: "dev/db", endpointEnvVar: "S3_ENDPOINT", sse: "aws:kms" },
        ];
        const scripts: Record<string, string> = {};
        for (const engine of engines)
            for (const checksum of [true, false])
                for (const [i, offsite] of offsites.entries())
                    for (const backupDir of [undefined, "/var/backups/tierform"]) {
                        const opts: BackupScriptOptions = { engine, database: "app_db", retentionDays: 30, checksum, offsite, backupDir };
                        const key = `${engine}-${checksum ? "sum" : "nosum"}-offsite${i}-${backupDir ? "dir" : "default"}`;
                        scripts[`backup-${key}`] = renderBackupScript(opts);
                        scripts[`restore-${key}`] = renderRestoreScript(opts);
                    }
        assert.strictEqual(Object.keys(scripts).length, 72);
        assert.strictEqual(await shellcheck(bin, scripts), "");
    });

    it("restore test scripts and the backup scripts that write their marker: PostgreSQL and MySQL, with and without off-site copies", async function () {
        const scripts: Record<string, string> = {};
        for (const engine of ["postgres", "mysql"] as const) {
            scripts[`restore-test-${engine}`] = renderRestoreTestScript({ engine, database: "app_db" });
            scripts[`restore-test-${engine}-dir`] = renderRestoreTestScript({ engine, database: "app_db", backupDir: "/var/backups/x" });
            for (const offsite of [undefined, { kind: "s3" as const, bucket: "tierform-backups" }])
                scripts[`backup-marker-${engine}-${offsite ? "offsite" : "local"}`] = renderBackupScript({
                    engine,
                    database: "app_db",
                    retentionDays: 30,
                    marker: true,
                    offsite,
                });
        }
        assert.strictEqual(await shellcheck(bin, scripts), "");
    });

    it("schedule loops, including multi-line commands", async function () {
        const scripts = {
            single: renderScheduleLoop(["0 2 * * *"], "sh /scripts/backup.sh"),
            auromart: renderScheduleLoop(["0 2 * * *", "0 */6 * * *"], 'sh /scripts/backup.sh --label "$BACKUP_KIND"'),
            // Docker's backup container: the backups and the restore test in one loop (components/docker/backup.ts).
            withRestoreTest: renderScheduleLoop(
                ["0 2 * * *", "30 5 * * *"],
                `if [ "$BACKUP_KIND" = restore-test ]; then\n${restoreTestRunCommand()}\nelse\n${backupRunCommand()}\nfi`,
                { labels: ["full", "restore-test"] },
            ),
            labelled: renderScheduleLoop(["*/15 9-17 * * 1-5", "30 3 * * 0,7"], "cd /tmp\nsh /scripts/backup.sh", {
                labels: ["full", "incremental"],
            }),
        };
        assert.strictEqual(await shellcheck(bin, scripts), "");
    });

    it("the scripts of every preset's databases, as the platforms render them", async function () {
        const scripts: Record<string, string> = {};
        let databases = 0;
        for (const preset of presetNames()) {
            const { system } = loadStack({ "tierform:system": preset });
            for (const db of Object.values(system.databases)) {
                databases++;
                const opts: BackupScriptOptions = { engine: db.engine, database: db.databaseName, retentionDays: db.backup.retentionDays };
                const withOffsite: BackupScriptOptions = {
                    ...opts,
                    offsite: { kind: "s3", bucket: `${preset}-backups`, endpointEnvVar: "S3_ENDPOINT" },
                };
                scripts[`${preset}-${db.name}-backup`] = renderBackupScript(opts);
                scripts[`${preset}-${db.name}-backup-offsite`] = renderBackupScript(withOffsite);
                scripts[`${preset}-${db.name}-restore`] = renderRestoreScript(opts);
                const schedules = [db.backup.schedule, ...(db.backup.incrementalSchedule ? [db.backup.incrementalSchedule] : [])];
                scripts[`${preset}-${db.name}-loop`] = renderScheduleLoop(schedules, 'sh /scripts/backup.sh --label "$BACKUP_KIND"');
                assert.match(scripts[`${preset}-${db.name}-backup`], new RegExp(`^RETENTION_DAYS=${db.backup.retentionDays}$`, "m"));
            }
        }
        assert.ok(databases >= presetNames().length, `every preset has a database (${databases} found)`);
        assert.strictEqual(await shellcheck(bin, scripts), "");
    });

    it("finds a real problem (the check is not vacuous)", async function () {
        assert.match(await shellcheck(bin, { broken: '#!/bin/sh\nrm -rf $DIR/*\n[[ -n "$x" ]] && echo ok\n' }), /SC2086|SC3010/);
    });
});
