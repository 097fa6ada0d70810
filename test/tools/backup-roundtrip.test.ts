/**
 * Backup → prune → drop → restore round trips through the rendered scripts against a real
 * PostgreSQL and a real MariaDB, each started by this test on 127.0.0.1 at a free port in its own
 * temporary directory (never the distribution's cluster), as the `postgres` / `mysql` user when
 * the test runs as root (CI). The scripts get their connection and password from the environment
 * only and run under dash and, when installed, busybox ash.
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as zlib from "zlib";
import { renderBackupScript, renderRestoreScript, type BackupEngine } from "../../components/shared/backup-script";
import { renderRestoreTestScript, RESTORE_TEST_METRICS } from "../../components/shared/restore-test-script";
import { findTool, requireTool } from "../harness/tools";
import { freePort, IS_ROOT, run, runAs, startMariadbd, tempDirFor, type Mariadbd } from "../drivers/servers";

const PASSWORD = `s3cr3t "pa$$' word`;
const OLD_STAMP = (() => {
    const d = new Date(Date.now() - 40 * 86400_000);
    return d
        .toISOString()
        .replace(/[-:]/g, "")
        .replace(/\.\d+Z$/, "Z");
})();
/** dash, then busybox ash where installed: the scripts must run under both. */
const ALT_SHELL = findTool("busybox") ? ["busybox", "sh"] : ["sh"];

/** Run a rendered script file with `shell` and exactly `env` (no inherited variables). */
function runScript(shell: string[], file: string, args: string[], env: NodeJS.ProcessEnv) {
    const [cmd, ...pre] = shell;
    const r = spawnSync(cmd, [...pre, file, ...args], { env, encoding: "utf8", timeout: 30000 });
    return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

const listDumps = (dir: string) => fs.readdirSync(dir).sort();

/** Run a rendered script with `sh` as `user` when we are root (a database server refuses root), with exactly `env`. */
function runScriptAs(user: string, file: string, args: string[], env: NodeJS.ProcessEnv) {
    const r = IS_ROOT
        ? spawnSync("runuser", ["-u", user, "--", "sh", file, ...args], { env, encoding: "utf8", timeout: 60000 })
        : spawnSync("sh", [file, ...args], { env, encoding: "utf8", timeout: 60000 });
    return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

/** Hand `paths` (recursively) to `user` when we are root, so the restore test running as that user can read them. */
function giveTo(user: string, ...paths: string[]) {
    if (IS_ROOT) run("chown", ["-R", `${user}:`, ...paths]);
}

/** The value of the restore test's success metric for `database` in its output, or undefined. */
function successMetric(out: string, database: string): string | undefined {
    return new RegExp(`^${RESTORE_TEST_METRICS.success}\\{database="${database}"\\} (\\d)$`, "m").exec(out)?.[1];
}

/**
 * A copy of dump `name` cut to half its content (a gzip'd dump: half its SQL, gzip'd again), under
 * a newer stamp, with a checksum and manifest that match it: a dump broken before it was checksummed.
 */
function truncatedCopy(backups: string, name: string): string {
    const cut = name.replace(/\d{8}T\d{6}Z/, "29991231T235959Z");
    const whole = fs.readFileSync(`${backups}/${name}`);
    const content = name.endsWith(".gz") ? zlib.gunzipSync(whole) : whole;
    const half = content.subarray(0, Math.floor(content.length / 2));
    fs.writeFileSync(`${backups}/${cut}`, name.endsWith(".gz") ? zlib.gzipSync(half) : half);
    const sum = spawnSync("sha256sum", [`${backups}/${cut}`], { encoding: "utf8" }).stdout.split(" ")[0];
    fs.writeFileSync(`${backups}/${cut}.sha256`, `${sum}  ${cut}\n`);
    fs.copyFileSync(`${backups}/${name}.manifest`, `${backups}/${cut}.manifest`);
    return cut;
}

/**
 * The restore test against the newest dump in `backups`, run as `user` with `env`, then against the
 * broken copies: a truncated dump (checksum and manifest matching it), a byte flipped after the
 * checksum, and a manifest whose marker and tables the restored copy does not have. Each must fail
 * and report success 0. Returns the passing run's output.
 */
function restoreTestRounds(o: {
    user: string;
    dir: string;
    backups: string;
    newest: string;
    script: string;
    env: NodeJS.ProcessEnv;
    /** What the truncated dump fails with. */
    truncated: RegExp;
}) {
    const metricsFile = `${o.dir}/rt-tmp/restore-test.prom`;
    const env = { ...o.env, BACKUP_DIR: o.backups, TMPDIR: `${o.dir}/rt-tmp`, RESTORE_TEST_METRICS: metricsFile };
    giveTo(o.user, o.backups, `${o.dir}/rt-tmp`);
    const pass = runScriptAs(o.user, o.script, [], env);
    assert.strictEqual(pass.status, 0, pass.out);
    assert.strictEqual(successMetric(pass.out, "shop"), "1", pass.out);
    assert.strictEqual(successMetric(fs.readFileSync(metricsFile, "utf8"), "shop"), "1");
    assert.ok(pass.out.includes(`testing ${o.backups}/${o.newest}`), pass.out);

    const cut = truncatedCopy(o.backups, o.newest);
    const bad = tamperedCopy(o.backups, o.newest);
    giveTo(o.user, o.backups);
    const truncated = runScriptAs(o.user, o.script, [], env);
    assert.notStrictEqual(truncated.status, 0, truncated.out);
    assert.strictEqual(successMetric(truncated.out, "shop"), "0", truncated.out);
    assert.match(truncated.out, o.truncated);
    assert.strictEqual(successMetric(fs.readFileSync(metricsFile, "utf8"), "shop"), "0");
    fs.rmSync(`${o.backups}/${cut}`);

    const garbled = runScriptAs(o.user, o.script, [bad], env);
    assert.notStrictEqual(garbled.status, 0, garbled.out);
    assert.match(garbled.out, /checksum mismatch/);
    assert.strictEqual(successMetric(garbled.out, "shop"), "0", garbled.out);

    const manifest = `${o.backups}/${o.newest}.manifest`;
    const original = fs.readFileSync(manifest, "utf8");
    fs.writeFileSync(manifest, original.replace(/^marker\t[0-9a-f]{32}$/m, `marker\t${"0".repeat(32)}`) + "table\tvanished\t5\n");
    const wrong = runScriptAs(o.user, o.script, [], env);
    fs.writeFileSync(manifest, original);
    assert.notStrictEqual(wrong.status, 0, wrong.out);
    assert.match(wrong.out, /CHECK FAILED: table vanished is missing from the restored copy/);
    assert.match(wrong.out, /CHECK FAILED: the marker row's checksum is '[0-9a-f]{32}', the manifest's 0{32}/);
    assert.strictEqual(successMetric(wrong.out, "shop"), "0", wrong.out);
    assert.deepStrictEqual(fs.readdirSync(`${o.dir}/rt-tmp`), ["restore-test.prom"], "the scratch server's files are removed");
    return pass.out;
}

/** The old dump: renamed to a stamp 40 days back, its checksum rewritten, both aged 40 days. */
function ageDump(backups: string, name: string, engine: BackupEngine): string {
    const oldName = name.replace(/\d{8}T\d{6}Z/, OLD_STAMP);
    fs.renameSync(`${backups}/${name}`, `${backups}/${oldName}`);
    const sum = fs.readFileSync(`${backups}/${name}.sha256`, "utf8").split(" ")[0];
    fs.writeFileSync(`${backups}/${oldName}.sha256`, `${sum}  ${oldName}\n`);
    fs.rmSync(`${backups}/${name}.sha256`);
    const old = new Date(Date.now() - 40 * 86400_000);
    for (const f of [oldName, `${oldName}.sha256`]) fs.utimesSync(`${backups}/${f}`, old, old);
    // A dump of another database, just as old: pruning must not touch it.
    const foreign = `other-full-${OLD_STAMP}.${engine === "postgres" ? "dump" : "sql.gz"}`;
    fs.writeFileSync(`${backups}/${foreign}`, "not ours");
    fs.utimesSync(`${backups}/${foreign}`, old, old);
    return oldName;
}

/** A copy of `name` under an older stamp with its (valid) checksum, then one byte flipped. */
function tamperedCopy(backups: string, name: string): string {
    const bad = name.replace(/\d{8}T\d{6}Z/, "20000101T000000Z");
    const bytes = fs.readFileSync(`${backups}/${name}`);
    const sum = fs.readFileSync(`${backups}/${name}.sha256`, "utf8").split(" ")[0];
    bytes[Math.floor(bytes.length / 2)] ^= 0xff;
    fs.writeFileSync(`${backups}/${bad}`, bytes);
    fs.writeFileSync(`${backups}/${bad}.sha256`, `${sum}  ${bad}\n`);
    return bad;
}

describe("backup round trips against real servers", function () {
    this.timeout(60000);

    describe("PostgreSQL", function () {
        let dir = "";
        let bin = "";
        let port = 0;
        let started = false;

        before(async function () {
            const pgDirs = fs.existsSync("/usr/lib/postgresql")
                ? fs
                      .readdirSync("/usr/lib/postgresql")
                      .sort((a, b) => Number(b) - Number(a))
                      .map((v) => `/usr/lib/postgresql/${v}/bin`)
                : [];
            bin = path.dirname(requireTool(this, "pg_ctl", "postgresql", pgDirs));
            for (const tool of ["initdb", "pg_dump", "pg_restore", "psql", "createdb"]) requireTool(this, tool, "postgresql", [bin]);
            if (IS_ROOT) requireTool(this, "runuser", "util-linux");
            dir = tempDirFor("postgres");
            port = await freePort();
            runAs("postgres", `${bin}/initdb`, [
                "-D",
                `${dir}/data`,
                "-U",
                "postgres",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "-E",
                "UTF8",
                "--no-sync",
            ]);
            runAs("postgres", `${bin}/pg_ctl`, [
                "-D",
                `${dir}/data`,
                "-l",
                `${dir}/server.log`,
                "-w",
                "-t",
                "30",
                "-o",
                `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
                "start",
            ]);
            started = true;
        });

        after(function () {
            if (started) runAs("postgres", `${bin}/pg_ctl`, ["-D", `${dir}/data`, "-m", "immediate", "-w", "stop"]);
            if (dir) fs.rmSync(dir, { recursive: true, force: true });
        });

        const admin = (sql: string) =>
            run(
                `${bin}/psql`,
                ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", dir, "-p", String(port), "-U", "postgres", "-d", "postgres", "-At"],
                { input: sql },
            );
        const asApp = (sql: string) =>
            run(
                `${bin}/psql`,
                ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", String(port), "-U", "app", "-d", "shop", "-At"],
                { input: sql, env: { PATH: process.env.PATH, PGPASSWORD: PASSWORD } },
            );
        const fingerprint = () =>
            asApp(`
                SELECT 'customers', count(*), md5(string_agg(t::text, E'\\n' ORDER BY id)) FROM customers t;
                SELECT 'orders', count(*), md5(string_agg(t::text, E'\\n' ORDER BY id)) FROM orders t;
                SELECT 'order_events', count(*), md5(string_agg(t::text, E'\\n' ORDER BY id)) FROM order_events t;
                SELECT 'big_orders view', count(*) FROM big_orders;
                SELECT 'function', order_total(7);
                SELECT 'orders_id_seq', last_value FROM orders_id_seq;
            `);

        it("backs up, prunes past the retention, and restores the newest dump into a dropped database with nothing lost", function () {
            const t0 = Date.now();
            admin(`CREATE ROLE app LOGIN CREATEDB PASSWORD '${PASSWORD.replace(/'/g, "''")}'; CREATE DATABASE shop OWNER app;`);
            asApp(`
                CREATE TABLE customers (id serial PRIMARY KEY, name text NOT NULL, email text UNIQUE, created_at timestamptz NOT NULL DEFAULT '2024-01-01');
                CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id int NOT NULL REFERENCES customers(id), amount numeric(10,2) NOT NULL, note text, placed_at timestamptz NOT NULL);
                CREATE TABLE order_events (id serial PRIMARY KEY, order_id bigint REFERENCES orders(id), payload jsonb, tags text[]);
                INSERT INTO customers (name, email) SELECT 'customer ' || g, 'c' || g || '@example.com' FROM generate_series(1, 2000) g;
                INSERT INTO orders (customer_id, amount, note, placed_at)
                    SELECT 1 + g % 2000, round((g * 7.31)::numeric % 1000, 2), CASE WHEN g % 5 = 0 THEN NULL ELSE E'line\\ttab ''quote'' ' || g END, timestamptz '2024-01-01' + g * interval '1 minute'
                    FROM generate_series(1, 10000) g;
                INSERT INTO order_events (order_id, payload, tags) SELECT g, jsonb_build_object('n', g, 'even', g % 2 = 0), ARRAY['a' || g, 'b'] FROM generate_series(1, 3000) g;
                CREATE VIEW big_orders AS SELECT * FROM orders WHERE amount > 900;
                CREATE FUNCTION order_total(c int) RETURNS numeric LANGUAGE sql AS 'SELECT sum(amount) FROM orders WHERE customer_id = c';
            `);
            const before1 = fingerprint();
            assert.match(before1, /^orders\|10000\|[0-9a-f]{32}$/m);

            const backups = `${dir}/backups`;
            const opts = { engine: "postgres" as const, database: "shop", retentionDays: 30, backupDir: backups };
            fs.writeFileSync(`${dir}/backup.sh`, renderBackupScript(opts));
            fs.writeFileSync(`${dir}/restore.sh`, renderRestoreScript(opts));
            fs.mkdirSync(`${dir}/tmp`);
            const env = {
                PATH: `${bin}:${process.env.PATH}`,
                TMPDIR: `${dir}/tmp`,
                PGHOST: "127.0.0.1",
                PGPORT: String(port),
                PGUSER: "app",
                PGPASSWORD: PASSWORD,
            };

            // 1. First backup (dash).
            const first = runScript(["sh"], `${dir}/backup.sh`, [], env);
            assert.strictEqual(first.status, 0, first.out);
            const firstFiles = listDumps(backups);
            assert.strictEqual(firstFiles.length, 2, firstFiles.join(", "));
            assert.match(firstFiles[0], /^shop-full-\d{8}T\d{6}Z\.dump$/);

            // 2. Age it past the retention; change the data; second backup (busybox ash when installed) prunes it.
            const oldName = ageDump(backups, firstFiles[0], "postgres");
            asApp(
                `INSERT INTO orders (customer_id, amount, note, placed_at) SELECT 1 + g % 2000, 12.34, 'after the first backup', now() FROM generate_series(1, 500) g;`,
            );
            const expected = fingerprint();
            assert.notStrictEqual(expected, before1);
            const second = runScript(ALT_SHELL, `${dir}/backup.sh`, ["--label", "incremental"], env);
            assert.strictEqual(second.status, 0, second.out);
            assert.ok(second.out.includes(`pruned ${oldName} (older than 30 days)`), second.out);
            assert.ok(second.out.includes(`pruned ${oldName}.sha256`), second.out);
            const secondFiles = listDumps(backups);
            const newest = secondFiles.find((f) => /^shop-incremental-\d{8}T\d{6}Z\.dump$/.test(f));
            assert.ok(newest, secondFiles.join(", "));
            assert.deepStrictEqual(
                secondFiles,
                [`other-full-${OLD_STAMP}.dump`, newest, `${newest}.sha256`].sort(),
                "only the old dump of this database was pruned",
            );
            assert.deepStrictEqual(fs.readdirSync(`${dir}/tmp`), [], "no credential files left behind");

            // 3. A corrupted dump is refused by its checksum, and the database is untouched.
            const bad = tamperedCopy(backups, newest);
            const refused = runScript(["sh"], `${dir}/restore.sh`, [bad], env);
            assert.notStrictEqual(refused.status, 0, refused.out);
            assert.match(refused.out, /checksum mismatch/);
            assert.strictEqual(fingerprint(), expected);
            fs.rmSync(`${backups}/${bad}`);
            fs.rmSync(`${backups}/${bad}.sha256`);

            // 4. Drop the database; restore the newest dump; nothing lost.
            admin(`DROP DATABASE shop WITH (FORCE);`);
            assert.doesNotMatch(admin(`SELECT datname FROM pg_database`), /^shop$/m);
            const restored = runScript(["sh"], `${dir}/restore.sh`, [], env);
            assert.strictEqual(restored.status, 0, restored.out);
            assert.ok(restored.out.includes(`restoring ${backups}/${newest} into shop`), restored.out);
            assert.match(restored.out, /checksum verified/);
            assert.match(restored.out, /database shop is missing: creating it/);
            assert.strictEqual(fingerprint(), expected, "row counts, md5 of every row, view, function and sequence match");

            // 5. Restoring over the live database again (--clean --if-exists) is idempotent.
            const again = runScript(ALT_SHELL, `${dir}/restore.sh`, [newest], env);
            assert.strictEqual(again.status, 0, again.out);
            assert.strictEqual(fingerprint(), expected);
            console.log(`      postgres round trip: ${expected.split("\n").slice(0, 3).join("; ")} (${Date.now() - t0} ms)`);
        });

        it("restore test: the newest dump restores into a scratch server and passes; a truncated, a garbled and a mismatched one fail with success 0", function () {
            const backups = `${dir}/rt-backups`;
            fs.mkdirSync(`${dir}/rt-tmp`, { recursive: true });
            fs.writeFileSync(
                `${dir}/rt-backup.sh`,
                renderBackupScript({ engine: "postgres", database: "shop", retentionDays: 30, backupDir: backups, marker: true }),
            );
            fs.writeFileSync(
                `${dir}/restore-test.sh`,
                renderRestoreTestScript({ engine: "postgres", database: "shop", backupDir: backups }),
            );
            const env = {
                PATH: `${bin}:${process.env.PATH}`,
                TMPDIR: `${dir}/tmp`,
                PGHOST: "127.0.0.1",
                PGPORT: String(port),
                PGUSER: "app",
                PGPASSWORD: PASSWORD,
            };
            const backup = runScript(["sh"], `${dir}/rt-backup.sh`, [], env);
            assert.strictEqual(backup.status, 0, backup.out);
            assert.match(backup.out, /marker row written \([0-9a-f]{32}\); manifest lists 4 tables/);
            const newest = listDumps(backups).find((f) => f.endsWith(".dump"))!;
            assert.match(fs.readFileSync(`${backups}/${newest}.manifest`, "utf8"), /^table\tpublic\.orders\t10500$/m);
            const out = restoreTestRounds({
                user: "postgres",
                dir,
                backups,
                newest,
                script: `${dir}/restore-test.sh`,
                env: { PATH: env.PATH },
                truncated: /ERROR: pg_restore failed/,
            });
            assert.match(out, /^tierform_restore_test_rows\{database="shop",table="public\.orders"\} 10500$/m);
            assert.match(out, /^tierform_restore_test_rows\{database="shop",table="public\.tierform_backup_marker"\} 1$/m);
        });
    });

    describe("MariaDB", function () {
        let server: Mariadbd | undefined;
        let dir = "";
        let port = 0;

        before(async function () {
            for (const tool of ["mariadb-dump", "mariadb-admin"]) requireTool(this, tool, "mariadb-client");
            server = await startMariadbd(this, () => ["--innodb-buffer-pool-size=64M"]);
            ({ dir, port } = server);
        });

        after(async () => server?.stop());

        const admin = (sql: string) => server!.admin(sql);
        const asApp = (sql: string, db = "shop") => {
            // The test's own client reads the app password from a private option file too.
            const cnf = `${dir}/app-client.cnf`;
            fs.writeFileSync(
                cnf,
                `[client]\nuser=app\npassword="${PASSWORD.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"\nhost=127.0.0.1\nport=${port}\nprotocol=tcp\n`,
                { mode: 0o600 },
            );
            return run("mariadb", [`--defaults-file=${cnf}`, "-N", "-B", db], { input: sql });
        };
        const fingerprint = () =>
            asApp(`
                SET SESSION group_concat_max_len = 1073741824;
                SELECT 'customers', COUNT(*), MD5(GROUP_CONCAT(CONCAT_WS('|', id, name, email, created_at) ORDER BY id SEPARATOR '\\n')) FROM customers;
                SELECT 'orders', COUNT(*), MD5(GROUP_CONCAT(CONCAT_WS('|', id, customer_id, amount, IFNULL(note, '<null>'), HEX(data), placed_at) ORDER BY id SEPARATOR '\\n')) FROM orders;
                SELECT 'audit', COUNT(*), MD5(GROUP_CONCAT(CONCAT_WS('|', id, order_id, action) ORDER BY id SEPARATOR '\\n')) FROM audit;
                CHECKSUM TABLE customers, orders, audit EXTENDED;
                SELECT 'big_orders view', COUNT(*) FROM big_orders;
                SELECT 'routines', COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = 'shop';
                SELECT 'triggers', COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = 'shop';
                SELECT 'events', COUNT(*) FROM information_schema.EVENTS WHERE EVENT_SCHEMA = 'shop';
            `);

        it("backs up, prunes past the retention, and restores the newest dump into a dropped database with nothing lost", function () {
            const t0 = Date.now();
            admin(
                `CREATE DATABASE shop; CREATE USER 'app'@'127.0.0.1' IDENTIFIED BY '${PASSWORD.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'; GRANT ALL ON shop.* TO 'app'@'127.0.0.1';`,
            );
            asApp(`
                CREATE TABLE customers (id INT PRIMARY KEY AUTO_INCREMENT, name VARCHAR(100) NOT NULL, email VARCHAR(200) UNIQUE, created_at DATETIME NOT NULL DEFAULT '2024-01-01 00:00:00') ENGINE=InnoDB;
                CREATE TABLE orders (id BIGINT PRIMARY KEY AUTO_INCREMENT, customer_id INT NOT NULL, amount DECIMAL(10,2) NOT NULL, note TEXT NULL, data VARBINARY(32), placed_at DATETIME NOT NULL,
                    FOREIGN KEY (customer_id) REFERENCES customers (id)) ENGINE=InnoDB;
                CREATE TABLE audit (id INT PRIMARY KEY AUTO_INCREMENT, order_id BIGINT, action VARCHAR(20)) ENGINE=InnoDB;
                INSERT INTO customers (name, email) SELECT CONCAT('customer ', seq), CONCAT('c', seq, '@example.com') FROM seq_1_to_2000;
                INSERT INTO orders (customer_id, amount, note, data, placed_at)
                    SELECT 1 + seq % 2000, ROUND(MOD(seq * 7.31, 1000), 2), IF(seq % 5 = 0, NULL, CONCAT('line\\ttab ''quote'' ', seq)), UNHEX(SHA2(seq, 256)), '2024-01-01' + INTERVAL seq MINUTE
                    FROM seq_1_to_10000;
                CREATE TRIGGER orders_audit AFTER INSERT ON orders FOR EACH ROW INSERT INTO audit (order_id, action) VALUES (NEW.id, 'insert');
                CREATE PROCEDURE order_total(IN c INT) SELECT SUM(amount) FROM orders WHERE customer_id = c;
                CREATE EVENT nightly ON SCHEDULE EVERY 1 DAY STARTS '2030-01-01 00:00:00' DISABLE DO DELETE FROM audit WHERE id < 0;
                CREATE VIEW big_orders AS SELECT * FROM orders WHERE amount > 900;
            `);
            const before1 = fingerprint();
            assert.match(before1, /^orders\t10000\t[0-9a-f]{32}$/m);

            const backups = `${dir}/backups`;
            const opts = { engine: "mysql" as const, database: "shop", retentionDays: 7, backupDir: backups };
            fs.writeFileSync(`${dir}/backup.sh`, renderBackupScript(opts));
            fs.writeFileSync(`${dir}/restore.sh`, renderRestoreScript(opts));
            fs.mkdirSync(`${dir}/tmp`);
            const env = {
                PATH: process.env.PATH,
                TMPDIR: `${dir}/tmp`,
                MYSQL_HOST: "127.0.0.1",
                MYSQL_TCP_PORT: String(port),
                MYSQL_USER: "app",
                MYSQL_PASSWORD: PASSWORD,
            };

            // 1. First backup (busybox ash when installed).
            const first = runScript(ALT_SHELL, `${dir}/backup.sh`, [], env);
            assert.strictEqual(first.status, 0, first.out);
            const firstFiles = listDumps(backups);
            assert.strictEqual(firstFiles.length, 2, firstFiles.join(", "));
            assert.match(firstFiles[0], /^shop-full-\d{8}T\d{6}Z\.sql\.gz$/);

            // 2. Age it past the 7-day retention; change the data (the trigger fills audit); second backup prunes it.
            const oldName = ageDump(backups, firstFiles[0], "mysql");
            asApp(
                `INSERT INTO orders (customer_id, amount, note, data, placed_at) SELECT 1 + seq % 2000, 12.34, 'after the first backup', NULL, '2025-06-01' FROM seq_1_to_500;`,
            );
            const expected = fingerprint();
            assert.match(expected, /^audit\t500\t/m);
            const second = runScript(["sh"], `${dir}/backup.sh`, ["--label", "incremental"], env);
            assert.strictEqual(second.status, 0, second.out);
            assert.ok(second.out.includes(`pruned ${oldName} (older than 7 days)`), second.out);
            assert.ok(second.out.includes(`pruned ${oldName}.sha256`), second.out);
            const secondFiles = listDumps(backups);
            const newest = secondFiles.find((f) => /^shop-incremental-\d{8}T\d{6}Z\.sql\.gz$/.test(f));
            assert.ok(newest, secondFiles.join(", "));
            assert.deepStrictEqual(
                secondFiles,
                [`other-full-${OLD_STAMP}.sql.gz`, newest, `${newest}.sha256`].sort(),
                "only the old dump of this database was pruned",
            );
            assert.deepStrictEqual(fs.readdirSync(`${dir}/tmp`), [], "no credential files left behind");

            // 3. A corrupted dump is refused by its checksum.
            const bad = tamperedCopy(backups, newest);
            const refused = runScript(["sh"], `${dir}/restore.sh`, [bad], env);
            assert.notStrictEqual(refused.status, 0, refused.out);
            assert.match(refused.out, /checksum mismatch/);
            fs.rmSync(`${backups}/${bad}`);
            fs.rmSync(`${backups}/${bad}.sha256`);

            // 4. Drop the database; restore the newest dump as the app user; nothing lost.
            admin(`DROP DATABASE shop;`);
            assert.doesNotMatch(admin(`SHOW DATABASES;`), /^shop$/m);
            const restored = runScript(ALT_SHELL, `${dir}/restore.sh`, [], env);
            assert.strictEqual(restored.status, 0, restored.out);
            assert.ok(restored.out.includes(`restoring ${backups}/${newest} into shop`), restored.out);
            assert.match(restored.out, /checksum verified/);
            const after = fingerprint();
            assert.strictEqual(after, expected, "row counts, md5 of every row, CHECKSUM TABLE, view, routine, trigger and event match");
            assert.match(after, /^routines\t1$/m);
            assert.match(after, /^triggers\t1$/m);
            assert.match(after, /^events\t1$/m);
            console.log(`      mariadb round trip: ${after.split("\n").slice(0, 3).join("; ")} (${Date.now() - t0} ms)`);
        });

        it("restore test: the newest dump restores into a scratch server and passes; a truncated, a garbled and a mismatched one fail with success 0", function () {
            const backups = `${dir}/rt-backups`;
            fs.mkdirSync(`${dir}/rt-tmp`, { recursive: true });
            fs.mkdirSync(`${dir}/tmp`, { recursive: true });
            fs.writeFileSync(
                `${dir}/rt-backup.sh`,
                renderBackupScript({ engine: "mysql", database: "shop", retentionDays: 7, backupDir: backups, marker: true }),
            );
            fs.writeFileSync(`${dir}/restore-test.sh`, renderRestoreTestScript({ engine: "mysql", database: "shop", backupDir: backups }));
            const env = {
                PATH: process.env.PATH,
                TMPDIR: `${dir}/tmp`,
                MYSQL_HOST: "127.0.0.1",
                MYSQL_TCP_PORT: String(port),
                MYSQL_USER: "app",
                MYSQL_PASSWORD: PASSWORD,
            };
            const backup = runScript(["sh"], `${dir}/rt-backup.sh`, [], env);
            assert.strictEqual(backup.status, 0, backup.out);
            assert.match(backup.out, /marker row written \([0-9a-f]{32}\); manifest lists 4 tables/);
            const newest = listDumps(backups).find((f) => f.endsWith(".sql.gz"))!;
            assert.match(fs.readFileSync(`${backups}/${newest}.manifest`, "utf8"), /^table\torders\t10500$/m);
            const out = restoreTestRounds({
                user: "mysql",
                dir,
                backups,
                newest,
                script: `${dir}/restore-test.sh`,
                env: { PATH: `/usr/sbin:${process.env.PATH}` },
                truncated: /ERROR: .* is incomplete \(no 'Dump completed' trailer\)/,
            });
            assert.match(out, /^tierform_restore_test_rows\{database="shop",table="orders"\} 10500$/m);
            assert.match(out, /^tierform_restore_test_rows\{database="shop",table="audit"\} 500$/m);
        });
    });
});
