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
import { renderBackupScript, renderRestoreScript, type BackupEngine } from "../../components/shared/backup-script";
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
    });
});
