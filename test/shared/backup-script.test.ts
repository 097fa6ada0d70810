/**
 * The rendered backup, restore and scheduler scripts: their text, and their behaviour under the
 * real `sh` (and busybox ash when installed) with recording stand-ins for the dump tools and the
 * aws CLI, so what reaches argv and the client config files can be inspected. The round trips
 * against real servers are in test/tools/backup-roundtrip.test.ts.
 */
import * as assert from "assert";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
    backupImage,
    CONNECTION_ENV,
    dumpExtension,
    renderBackupScript,
    renderRestoreScript,
    renderScheduleLoop,
    type BackupEngine,
    type BackupScriptOptions,
} from "../../components/shared/backup-script";
import { findTool } from "../harness/tools";

const ENGINES: BackupEngine[] = ["postgres", "mysql", "mongodb"];
/** A password with every character that could break quoting. */
const NASTY = `p@ss"w\\rd' $(touch /tmp/pwned) \`x\` ;|&*`;

/** Real tools the scripts use, linked into a private bin dir so nothing else (e.g. a real mariadb-dump) is on PATH. */
const REAL_TOOLS = [
    "sh",
    "gzip",
    "sha256sum",
    "find",
    "date",
    "mktemp",
    "rm",
    "mv",
    "cat",
    "sed",
    "tail",
    "grep",
    "wc",
    "tr",
    "mkdir",
    "dirname",
    "sort",
    "printf",
    "cp",
    "stat",
    "env",
];

interface Sandbox {
    dir: string;
    bin: string;
    backups: string;
    tmp: string;
    log: string;
    env: NodeJS.ProcessEnv;
}

function sandbox(): Sandbox {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tierform-bk-unit-"));
    const s: Sandbox = { dir, bin: `${dir}/bin`, backups: `${dir}/backups`, tmp: `${dir}/tmp`, log: `${dir}/log`, env: {} };
    for (const d of [s.bin, s.tmp, s.log]) fs.mkdirSync(d);
    for (const tool of REAL_TOOLS) {
        const real = findTool(tool);
        if (real) fs.symlinkSync(real, `${s.bin}/${tool}`);
    }
    s.env = { PATH: s.bin, TMPDIR: s.tmp, FAKE_LOG: s.log };
    return s;
}

function fake(s: Sandbox, name: string, body: string): void {
    fs.writeFileSync(`${s.bin}/${name}`, `#!/bin/sh\nfor a in "$@"; do printf '%s\\n' "$a" >>"$FAKE_LOG/${name}.argv"; done\n${body}\n`, {
        mode: 0o755,
    });
}

function runScript(s: Sandbox, text: string, args: string[] = [], env: NodeJS.ProcessEnv = {}, shell = "sh") {
    const file = `${s.dir}/script-${Math.random().toString(36).slice(2)}.sh`;
    fs.writeFileSync(file, text);
    const [cmd, ...pre] = shell.split(" ");
    const r = spawnSync(cmd, [...pre, file, ...args], { env: { ...s.env, ...env }, encoding: "utf8", timeout: 20000 });
    return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

const readLog = (s: Sandbox, name: string) => (fs.existsSync(`${s.log}/${name}`) ? fs.readFileSync(`${s.log}/${name}`, "utf8") : "");
const dumps = (s: Sandbox) => (fs.existsSync(s.backups) ? fs.readdirSync(s.backups).sort() : []);

/** Fakes standing in for each engine's dump tool: record argv, copy the credentials file, emit a dump. */
function fakeDumpTools(s: Sandbox, engine: BackupEngine): void {
    if (engine === "postgres") {
        fake(
            s,
            "pg_dump",
            `env | grep '^PG' >"$FAKE_LOG/pg_dump.env"\nfor a in "$@"; do case "$a" in --file=*) printf 'PGDMP-fake' >"\${a#--file=}" ;; esac; done`,
        );
        fake(s, "pg_restore", `echo '; Archive created at fake'`);
    } else if (engine === "mysql") {
        fake(
            s,
            "mysqldump",
            [
                `case "$1" in --version) echo "mysqldump  Ver 8.0.46 for Linux on x86_64"; exit 0 ;; esac`,
                `cnf=\${1#--defaults-extra-file=}`,
                `cp "$cnf" "$FAKE_LOG/client.cnf"`,
                `stat -c %a "$cnf" >"$FAKE_LOG/client.cnf.mode"`,
                `[ -z "\${FAIL_DUMP:-}" ] || exit 2`,
                `echo 'CREATE TABLE t (id int);'`,
                `echo '-- Dump completed on 2024-01-01  2:00:00'`,
            ].join("\n"),
        );
    } else {
        fake(
            s,
            "mongodump",
            [
                `for a in "$@"; do case "$a" in --config=*) cp "\${a#--config=}" "$FAKE_LOG/mongo.yaml"; stat -c %a "\${a#--config=}" >"$FAKE_LOG/mongo.yaml.mode" ;; esac; done`,
                `printf 'fake-archive'`,
            ].join("\n"),
        );
    }
}

const CREDENTIAL_ENV: Record<BackupEngine, NodeJS.ProcessEnv> = {
    postgres: { PGHOST: "db", PGPORT: "5432", PGUSER: "app", PGPASSWORD: NASTY },
    mysql: { MYSQL_HOST: "db", MYSQL_TCP_PORT: "3306", MYSQL_USER: "app", MYSQL_PASSWORD: NASTY },
    mongodb: { MONGODB_URI: "mongodb://app@db:27017/?authSource=admin", MONGODB_PASSWORD: NASTY },
};

describe("shared backup scripts", () => {
    const sandboxes: Sandbox[] = [];
    const make = () => {
        const s = sandbox();
        sandboxes.push(s);
        return s;
    };
    after(() => sandboxes.forEach((s) => fs.rmSync(s.dir, { recursive: true, force: true })));

    describe("rendered text", () => {
        for (const engine of ENGINES) {
            it(`${engine}: retention, names and no password, URI or -p on any command line`, () => {
                const text = renderBackupScript({ engine, database: "shop", retentionDays: 17 });
                const restore = renderRestoreScript({ engine, database: "shop", retentionDays: 17 });
                assert.ok(text.startsWith("#!/bin/sh\n") && restore.startsWith("#!/bin/sh\n"));
                assert.match(text, /^RETENTION_DAYS=17$/m);
                assert.match(text, /-mmin \+"\$\(\(RETENTION_DAYS \* 1440\)\)"/);
                assert.match(text, /^DB_NAME='shop'$/m);
                assert.match(text, new RegExp(`^EXT='${dumpExtension(engine).replace(".", "\\.")}'$`, "m"));
                for (const t of [text, restore]) {
                    assert.match(t, /^set -eu$/m);
                    const code = t
                        .split("\n")
                        .filter((l) => !/^\s*#/.test(l))
                        .join("\n");
                    assert.doesNotMatch(code, /--password|\s-p["$]|\s-p\S|--uri|MYSQL_PWD|\s-h\s/);
                    // The secret variable is only ever read into the private config (or left to libpq).
                    for (const v of CONNECTION_ENV[engine].secret) {
                        const uses = code.split("\n").filter((l) => new RegExp(`\\$\\{?${v}\\b`).test(l));
                        for (const line of uses) {
                            assert.match(
                                line,
                                /^\s*(: "\$\{\w+:\?|printf '(password="%s|[^']*)\\n' "\$\((option|yaml)_value|if \[ -n "\$\{MONGODB_PASSWORD:-\}" \]; then printf "password)/,
                                `unexpected use of ${v}: ${line}`,
                            );
                        }
                    }
                }
                assert.strictEqual(dumpExtension(engine), { postgres: "dump", mysql: "sql.gz", mongodb: "archive.gz" }[engine]);
            });
        }

        it("uploads off-site only when asked, with --sse, and checks for the aws CLI first", () => {
            const without = renderBackupScript({ engine: "postgres", database: "shop", retentionDays: 30 });
            assert.doesNotMatch(without, /aws|s3:\/\//);
            const withS3 = renderBackupScript({
                engine: "postgres",
                database: "shop",
                retentionDays: 30,
                offsite: { kind: "s3", bucket: "shop-backups", sse: "aws:kms" },
            });
            assert.match(withS3, /^OFFSITE_URL='s3:\/\/shop-backups\/shop'$/m);
            assert.match(withS3, /aws s3 cp --only-show-errors --sse aws:kms "\$1" "\$2"/);
            assert.match(withS3, /^for tool in .*\baws\b.*; do$/m);
            assert.doesNotMatch(withS3, /--endpoint-url/);
        });

        it("rejects names that could inject shell code", () => {
            const base: BackupScriptOptions = { engine: "mysql", database: "shop", retentionDays: 30 };
            assert.throws(() => renderBackupScript({ ...base, database: "shop; rm -rf /" }), /database name/);
            assert.throws(() => renderBackupScript({ ...base, retentionDays: 0 }), /retentionDays/);
            assert.throws(() => renderBackupScript({ ...base, retentionDays: 1.5 }), /retentionDays/);
            assert.throws(() => renderBackupScript({ ...base, backupDir: "/backups/$(id)" }), /backupDir/);
            assert.throws(() => renderBackupScript({ ...base, backupDir: "relative" }), /backupDir/);
            assert.throws(() => renderBackupScript({ ...base, offsite: { kind: "s3", bucket: "Bad_Bucket" } }), /bucket/);
            assert.throws(
                () => renderBackupScript({ ...base, offsite: { kind: "s3", bucket: "ok-bucket", endpointEnvVar: "X;Y" } }),
                /environment variable/,
            );
            assert.throws(() => renderRestoreScript({ ...base, database: "a'b" }), /database name/);
        });

        it("pins the client image to the server's", () => {
            assert.strictEqual(backupImage("postgres", "14"), "postgres:14.24-alpine");
            assert.strictEqual(backupImage("mysql", "8.0"), "mysql:8.0.46");
            assert.strictEqual(backupImage("mongodb", "7.0"), "mongo:7.0.40");
            assert.throws(() => backupImage("postgres", "9"), /no pinned image/);
        });
    });

    describe("behaviour with recording stand-ins for the dump tools", () => {
        for (const engine of ENGINES) {
            it(`${engine}: the password reaches only a mode-600 config, never argv; temp files are removed`, () => {
                const s = make();
                fakeDumpTools(s, engine);
                const text = renderBackupScript({ engine, database: "shop", retentionDays: 30, backupDir: s.backups });
                const r = runScript(s, text, ["--label", "incremental"], CREDENTIAL_ENV[engine]);
                assert.strictEqual(r.status, 0, r.out);
                const files = dumps(s);
                assert.strictEqual(files.length, 2, files.join(", "));
                assert.match(files[0], new RegExp(`^shop-incremental-\\d{8}T\\d{6}Z\\.${dumpExtension(engine).replace(".", "\\.")}$`));
                assert.strictEqual(files[1], `${files[0]}.sha256`);
                const check = spawnSync("sha256sum", ["-c", files[1]], { cwd: s.backups, encoding: "utf8" });
                assert.strictEqual(check.status, 0, check.stdout + check.stderr);
                const tool = { postgres: "pg_dump", mysql: "mysqldump", mongodb: "mongodump" }[engine];
                const argv = readLog(s, `${tool}.argv`);
                assert.ok(argv.length > 0, "the dump tool ran");
                assert.ok(!argv.includes("p@ss") && !argv.includes("pwned"), `password on argv: ${argv}`);
                assert.ok(!fs.existsSync("/tmp/pwned"), "the password was evaluated as shell code");
                if (engine === "postgres") {
                    assert.match(argv, /^--format=custom$/m);
                    assert.ok(readLog(s, "pg_dump.env").includes(`PGPASSWORD=${NASTY}`), "libpq gets the password from its environment");
                } else if (engine === "mysql") {
                    for (const flag of ["--single-transaction", "--routines", "--triggers", "--events", "--set-gtid-purged=OFF", "shop"])
                        assert.match(argv, new RegExp(`^${flag}$`, "m"));
                    assert.match(argv, /^--defaults-extra-file=.*\/client\.cnf$/m);
                    assert.strictEqual(readLog(s, "client.cnf.mode").trim(), "600");
                    const cnf = readLog(s, "client.cnf");
                    assert.ok(cnf.includes(`password="p@ss\\"w\\\\rd' $(touch /tmp/pwned) \`x\` ;|&*"`), cnf);
                    assert.match(cnf, /^\[client\]\nhost="db"\nport=3306\nuser="app"\n/);
                } else {
                    assert.match(argv, /^--archive$/m);
                    assert.match(argv, /^--db=shop$/m);
                    assert.doesNotMatch(argv, /mongodb:\/\//);
                    assert.strictEqual(readLog(s, "mongo.yaml.mode").trim(), "600");
                    const yaml = readLog(s, "mongo.yaml");
                    assert.ok(yaml.includes(`uri: 'mongodb://app@db:27017/?authSource=admin'`), yaml);
                    assert.ok(yaml.includes(`password: 'p@ss"w\\rd'' $(touch /tmp/pwned) \`x\` ;|&*'`), yaml);
                }
                assert.deepStrictEqual(fs.readdirSync(s.tmp), [], "the private temp dir (with the credentials) is removed");
                assert.match(r.out, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \[backup shop\] backup complete: shop-incremental-/m);
            });
        }

        it("a failed dump exits non-zero and leaves neither a dump nor a partial file", () => {
            const s = make();
            fakeDumpTools(s, "mysql");
            const r = runScript(s, renderBackupScript({ engine: "mysql", database: "shop", retentionDays: 30, backupDir: s.backups }), [], {
                ...CREDENTIAL_ENV.mysql,
                FAIL_DUMP: "1",
            });
            assert.notStrictEqual(r.status, 0, r.out);
            assert.match(r.out, /ERROR: mysqldump failed/);
            assert.deepStrictEqual(dumps(s), []);
        });

        it("refuses an unknown backup kind and a missing credential", () => {
            const s = make();
            fakeDumpTools(s, "mysql");
            const text = renderBackupScript({ engine: "mysql", database: "shop", retentionDays: 30, backupDir: s.backups });
            const bad = runScript(s, text, ["--label", "weekly"], CREDENTIAL_ENV.mysql);
            assert.notStrictEqual(bad.status, 0);
            assert.match(bad.out, /must be full or incremental/);
            const noPassword = runScript(s, text, [], { ...CREDENTIAL_ENV.mysql, MYSQL_PASSWORD: "" });
            assert.notStrictEqual(noPassword.status, 0);
            assert.match(noPassword.out, /MYSQL_PASSWORD or MYSQL_PASSWORD_FILE must be set/);
            assert.deepStrictEqual(dumps(s), []);
        });

        it("reads the password from MYSQL_PASSWORD_FILE (Docker secrets)", () => {
            const s = make();
            fakeDumpTools(s, "mysql");
            fs.writeFileSync(`${s.dir}/secret`, "from-a-file\n");
            const r = runScript(s, renderBackupScript({ engine: "mysql", database: "shop", retentionDays: 30, backupDir: s.backups }), [], {
                MYSQL_HOST: "db",
                MYSQL_USER: "app",
                MYSQL_PASSWORD_FILE: `${s.dir}/secret`,
            });
            assert.strictEqual(r.status, 0, r.out);
            assert.match(readLog(s, "client.cnf"), /^password="from-a-file"$/m);
        });

        describe("off-site upload", () => {
            const offsite = { kind: "s3" as const, bucket: "shop-backups", prefix: "dev/db", endpointEnvVar: "S3_ENDPOINT" };
            it("copies the dump and its checksum with --sse, through the endpoint when its variable is set", () => {
                const s = make();
                fakeDumpTools(s, "postgres");
                fake(s, "aws", "exit 0");
                const text = renderBackupScript({ engine: "postgres", database: "shop", retentionDays: 30, backupDir: s.backups, offsite });
                const r = runScript(s, text, [], { ...CREDENTIAL_ENV.postgres, S3_ENDPOINT: "http://minio:9000" });
                assert.strictEqual(r.status, 0, r.out);
                const name = dumps(s)[0];
                const argv = readLog(s, "aws.argv").split("\n");
                const expected = [
                    "--endpoint-url",
                    "http://minio:9000",
                    "s3",
                    "cp",
                    "--only-show-errors",
                    "--sse",
                    "AES256",
                    `${s.backups}/${name}`,
                    `s3://shop-backups/dev/db/${name}`,
                ];
                assert.deepStrictEqual(argv.slice(0, expected.length), expected);
                assert.ok(argv.includes(`s3://shop-backups/dev/db/${name}.sha256`), argv.join(" "));
                fs.rmSync(`${s.log}/aws.argv`);
                fs.rmSync(s.backups, { recursive: true });
                const plain = runScript(s, text, [], CREDENTIAL_ENV.postgres);
                assert.strictEqual(plain.status, 0, plain.out);
                assert.strictEqual(readLog(s, "aws.argv").split("\n")[0], "s3", "no --endpoint-url without the variable");
            });

            it("fails loudly when the upload fails", () => {
                const s = make();
                fakeDumpTools(s, "postgres");
                fake(s, "aws", "echo 'upload failed: AccessDenied' >&2; exit 1");
                const r = runScript(
                    s,
                    renderBackupScript({ engine: "postgres", database: "shop", retentionDays: 30, backupDir: s.backups, offsite }),
                    [],
                    CREDENTIAL_ENV.postgres,
                );
                assert.notStrictEqual(r.status, 0, r.out);
                assert.match(r.out, /ERROR: off-site upload of shop-full-.*\.dump failed/);
            });

            it("fails before dumping when the aws CLI is missing", () => {
                const s = make();
                fakeDumpTools(s, "postgres");
                const r = runScript(
                    s,
                    renderBackupScript({ engine: "postgres", database: "shop", retentionDays: 30, backupDir: s.backups, offsite }),
                    [],
                    CREDENTIAL_ENV.postgres,
                );
                assert.notStrictEqual(r.status, 0, r.out);
                assert.match(r.out, /ERROR: aws is not installed/);
                assert.strictEqual(readLog(s, "pg_dump.argv"), "", "nothing was dumped");
            });
        });
    });

    describe("schedule loop", () => {
        /** Reference semantics of model/cron.ts: every field must match; day-of-week 7 is Sunday. */
        function fieldValues(text: string, min: number, max: number): Set<number> {
            const out = new Set<number>();
            for (const part of text.split(",")) {
                const [base, stepText] = part.split("/");
                const step = stepText ? Number(stepText) : 1;
                let lo = min;
                let hi = max;
                if (base !== "*") {
                    const [a, b] = base.split("-").map(Number);
                    lo = a;
                    hi = b ?? (stepText ? max : a);
                }
                for (let v = lo; v <= hi; v += step) out.add(v);
            }
            return out;
        }
        function reference(expr: string, [mi, h, dom, mon, dow]: number[]): boolean {
            const f = expr.split(" ");
            const w = fieldValues(f[4], 0, 7);
            return (
                fieldValues(f[0], 0, 59).has(mi) &&
                fieldValues(f[1], 0, 23).has(h) &&
                fieldValues(f[2], 1, 31).has(dom) &&
                fieldValues(f[3], 1, 12).has(mon) &&
                (w.has(dow) || (dow === 0 && w.has(7)))
            );
        }
        const EXPRS = [
            "0 2 * * *",
            "0 */6 * * *",
            "*/15 9-17 * * 1-5",
            "5,35 0-23/4 1,15 * *",
            "30 3 * * 0",
            "30 3 * * 7",
            "0 0 1 1-12/3 *",
            "7-9 22 * 6 6,0",
            "0 12 31 12 *",
            "*/7 * * * *",
        ];
        const shells = ["sh", ...(findTool("busybox") ? ["busybox sh"] : []), ...(findTool("bash") ? ["bash --posix"] : [])];

        for (const shell of shells) {
            it(`cron_matches under '${shell}' agrees with model/cron.ts semantics on 308 fixed dates × 10 schedules`, () => {
                const s = make();
                // Fixed, reproducible dates: every hour of a few days plus pseudo-random minutes.
                const dates: number[][] = [];
                let seed = 42;
                const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
                for (let i = 0; i < 300; i++) dates.push([rnd(60), rnd(24), 1 + rnd(31), 1 + rnd(12), rnd(7)]);
                dates.push(
                    [0, 2, 1, 1, 3],
                    [0, 6, 15, 5, 0],
                    [30, 3, 7, 7, 0],
                    [0, 0, 1, 10, 2],
                    [8, 22, 9, 6, 6],
                    [9, 22, 9, 6, 0],
                    [0, 12, 31, 12, 4],
                    [59, 23, 31, 12, 6],
                );
                for (const expr of EXPRS) {
                    const loop = renderScheduleLoop([expr], "true");
                    const input = dates.map((d) => d.join(" ")).join("\n") + "\n";
                    const file = `${s.dir}/loop.sh`;
                    fs.writeFileSync(file, loop);
                    const [cmd, ...pre] = shell.split(" ");
                    const r = spawnSync(cmd, [...pre, file, "--matches"], { input, encoding: "utf8" });
                    assert.strictEqual(r.status, 0, r.stderr);
                    const got = r.stdout.trim().split("\n");
                    assert.strictEqual(got.length, dates.length);
                    dates.forEach((d, i) =>
                        assert.strictEqual(got[i] === "1", reference(expr, d), `${expr} at ${d.join(" ")} under ${shell}`),
                    );
                }
            });
        }

        it("matches the AuroMart schedules at the expected minutes, leading zeros included", () => {
            const s = make();
            const file = `${s.dir}/loop.sh`;
            fs.writeFileSync(file, renderScheduleLoop(["0 2 * * *", "0 */6 * * *"], "true"));
            const input =
                ["0 2 10 3 2", "00 02 08 09 1", "0 6 10 3 2", "0 18 10 3 2", "1 2 10 3 2", "0 3 10 3 2", "0 08 1 1 1", "0 09 1 1 1"].join(
                    "\n",
                ) + "\n";
            const r = spawnSync("sh", [file, "--matches"], { input, encoding: "utf8" });
            assert.deepStrictEqual(r.stdout.trim().split("\n"), ["1", "1", "1", "1", "0", "0", "0", "0"]);
        });

        it("rejects invalid schedules and labels", () => {
            assert.throws(() => renderScheduleLoop(["0 2 * *"], "true"), /5 fields/);
            assert.throws(() => renderScheduleLoop(["61 2 * * *"], "true"), /minute/);
            assert.throws(() => renderScheduleLoop([], "true"), /at least one/);
            assert.throws(() => renderScheduleLoop(["0 2 * * *"], "true", { labels: ["a b"] }), /label/);
        });

        it("runs the command at once when the current minute matches, exporting BACKUP_KIND, and stops on SIGTERM", async function () {
            this.timeout(15000);
            const s = make();
            const marker = `${s.dir}/ran`;
            const file = `${s.dir}/loop.sh`;
            fs.writeFileSync(file, renderScheduleLoop(["* * * * *", "0 */6 * * *"], `echo "kind=$BACKUP_KIND" >>"${marker}"\nexit 3`));
            const child = spawn("sh", [file], { env: { PATH: process.env.PATH } });
            let out = "";
            child.stdout.on("data", (d) => (out += d));
            child.stderr.on("data", (d) => (out += d));
            const deadline = Date.now() + 5000;
            while (!/FAILED with exit code 3/.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
            const started = Date.now();
            const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
            child.kill("SIGTERM");
            const code = await exited;
            assert.ok(Date.now() - started < 3000, "SIGTERM stops the loop without waiting for the minute");
            assert.strictEqual(code, 0, out);
            assert.strictEqual(fs.readFileSync(marker, "utf8"), "kind=full\n");
            assert.match(out, /matches the full schedule: running/);
            assert.match(out, /ERROR: full run of .* FAILED with exit code 3/);
        });
    });
});
