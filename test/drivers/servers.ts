/**
 * Real servers with TLS for the driver matrix: a test CA, a second CA that signed nothing the
 * servers present (the wrong CA), and one server certificate for {@link SERVER_NAME}, a name that
 * is not `localhost` and that must resolve to 127.0.0.1 (`.ci/run` adds it to /etc/hosts; elsewhere
 * add `127.0.0.1 db.tierform.test` yourself, or the tests skip with a message saying so, and fail in
 * CI). PostgreSQL, MariaDB and Redis are Debian's, started on 127.0.0.1 at free ports in temp dirs
 * (as the `postgres` / `mysql` / `redis` user when the tests run as root, as
 * test/tools/backup-roundtrip.test.ts does), each accepting TLS connections only.
 */
import { spawn, spawnSync, type ChildProcess, type SpawnSyncOptions } from "child_process";
import * as dns from "dns";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { findTool, requireTool } from "../harness/tools";

/** The servers' certificate name: not `localhost`, resolving to 127.0.0.1. */
export const SERVER_NAME = "db.tierform.test";

/**
 * A password with every character URL syntax reserves (RFC 3986 gen-delims and sub-delims) and `%`:
 * it must reach each server unchanged through every rendered URL.
 */
export const PASSWORD = "Pa$$:w@rd/?#[x]%25&=+,;!~*()'";

export const IS_ROOT = process.getuid?.() === 0;

export function run(cmd: string, args: string[], opts: SpawnSyncOptions = {}): string {
    const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 30000, ...opts });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${r.status}: ${r.stdout}${r.stderr}${r.error ?? ""}`);
    return String(r.stdout);
}

/** Run as `user` when we are root (servers refuse to run as root), else as ourselves. */
export function runAs(user: string, cmd: string, args: string[], opts: SpawnSyncOptions = {}): string {
    return IS_ROOT ? run("runuser", ["-u", user, "--", cmd, ...args], opts) : run(cmd, args, opts);
}

export function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const srv = net.createServer();
        srv.once("error", reject);
        srv.listen(0, "127.0.0.1", () => {
            const { port } = srv.address() as net.AddressInfo;
            srv.close(() => resolve(port));
        });
    });
}

/** A temp dir owned by `user` when root. */
export function tempDirFor(user: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `tierform-drv-${user}-`));
    fs.chmodSync(dir, 0o755);
    if (IS_ROOT) {
        const uid = Number(run("id", ["-u", user]).trim());
        const gid = Number(run("id", ["-g", user]).trim());
        fs.chownSync(dir, uid, gid);
    }
    return dir;
}

/** Skip (outside CI) or fail (CI=true) when {@link SERVER_NAME} does not resolve to 127.0.0.1. */
export async function requireServerName(ctx: Mocha.Context): Promise<void> {
    const address = await dns.promises.lookup(SERVER_NAME, { family: 4 }).then(
        (a) => a.address,
        () => undefined,
    );
    if (address === "127.0.0.1") return;
    const message = `${SERVER_NAME} resolves to ${address ?? "nothing"}, not 127.0.0.1 (add '127.0.0.1 ${SERVER_NAME}' to /etc/hosts; .ci/run does)`;
    if (process.env.CI === "true") throw new Error(`${message}: CI must have it`);
    console.warn(`      skipped: ${message}`);
    ctx.skip();
}

/** The test PKI: the CA the servers' certificate chains to, a wrong CA, and the server's key pair. */
export interface Pki {
    dir: string;
    ca: string;
    wrongCa: string;
    cert: string;
    key: string;
}

/** A fresh CA, a wrong CA and a server certificate for {@link SERVER_NAME} (EC P-256, one day). */
export function makePki(ctx: Mocha.Context): Pki {
    const openssl = requireTool(ctx, "openssl", "openssl");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tierform-pki-"));
    fs.chmodSync(dir, 0o755);
    const f = (n: string) => path.join(dir, n);
    const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    for (const ca of ["ca", "wrong-ca"])
        run(openssl, [
            "req",
            "-x509",
            ...ec,
            "-keyout",
            f(`${ca}.key`),
            "-out",
            f(`${ca}.crt`),
            "-subj",
            `/CN=tierform ${ca}`,
            "-days",
            "2",
        ]);
    run(openssl, ["req", ...ec, "-keyout", f("server.key"), "-out", f("server.csr"), "-subj", `/CN=${SERVER_NAME}`]);
    fs.writeFileSync(
        f("server.ext"),
        `subjectAltName=DNS:${SERVER_NAME}\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n`,
    );
    run(openssl, [
        "x509",
        "-req",
        "-in",
        f("server.csr"),
        "-CA",
        f("ca.crt"),
        "-CAkey",
        f("ca.key"),
        "-CAcreateserial",
        "-out",
        f("server.crt"),
        "-days",
        "2",
        "-extfile",
        f("server.ext"),
    ]);
    for (const n of ["ca.crt", "wrong-ca.crt", "server.crt"]) fs.chmodSync(f(n), 0o644);
    return { dir, ca: f("ca.crt"), wrongCa: f("wrong-ca.crt"), cert: f("server.crt"), key: f("server.key") };
}

/** The server's key and certificate copied into `dir`, owned by `user` (servers refuse a key others can read). */
function serverKeyPair(pki: Pki, dir: string, user: string): { cert: string; key: string } {
    const cert = path.join(dir, "server.crt");
    const key = path.join(dir, "server.key");
    fs.copyFileSync(pki.cert, cert);
    fs.copyFileSync(pki.key, key);
    fs.chmodSync(key, 0o600);
    if (IS_ROOT) {
        const uid = Number(run("id", ["-u", user]).trim());
        const gid = Number(run("id", ["-g", user]).trim());
        for (const file of [cert, key]) fs.chownSync(file, uid, gid);
    }
    return { cert, key };
}

/** The PostgreSQL role that connects without TLS only (the dev stack's plain-text data network). */
export const PLAIN_ROLE = "plain";

/** A running server: its port and how to stop it. */
export interface Server {
    port: number;
    stop(): Promise<void>;
}

/**
 * PostgreSQL (the newest in /usr/lib/postgresql) with `ssl=on` and only `hostssl` entries in
 * pg_hba.conf, a database `shop` owned by the role `app` whose password is {@link PASSWORD} — but
 * for the role {@link PLAIN_ROLE} (same password), which may connect to `shop` only without TLS, as
 * the dev stack's plain-text servers are reached.
 */
export async function startPostgres(ctx: Mocha.Context, pki: Pki): Promise<Server> {
    const pgDirs = fs.existsSync("/usr/lib/postgresql")
        ? fs
              .readdirSync("/usr/lib/postgresql")
              .sort((a, b) => Number(b) - Number(a))
              .map((v) => `/usr/lib/postgresql/${v}/bin`)
        : [];
    const bin = path.dirname(requireTool(ctx, "pg_ctl", "postgresql", pgDirs));
    requireTool(ctx, "initdb", "postgresql", [bin]);
    if (IS_ROOT) requireTool(ctx, "runuser", "util-linux");
    const dir = tempDirFor("postgres");
    const port = await freePort();
    const pwfile = path.join(dir, "pw");
    fs.writeFileSync(pwfile, "unused-superuser-password\n", { mode: 0o644 });
    runAs("postgres", `${bin}/initdb`, ["-D", `${dir}/data`, "-U", "postgres", "--auth-local=trust", "-E", "UTF8", "--no-sync"]);
    const { cert, key } = serverKeyPair(pki, dir, "postgres");
    // TLS only: no `host` line, so a client that does not encrypt is refused (but PLAIN_ROLE, which only connects in plain text).
    fs.writeFileSync(
        `${dir}/data/pg_hba.conf`,
        `local all all trust\nhostnossl shop ${PLAIN_ROLE} 127.0.0.1/32 scram-sha-256\nhostssl all all 127.0.0.1/32 scram-sha-256\nhostnossl all all 0.0.0.0/0 reject\n`,
    );
    runAs("postgres", `${bin}/pg_ctl`, [
        "-D",
        `${dir}/data`,
        "-l",
        `${dir}/server.log`,
        "-w",
        "-t",
        "30",
        "-o",
        `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c ssl=on -c ssl_cert_file=${cert} -c ssl_key_file=${key}`,
        "start",
    ]);
    runAs(
        "postgres",
        `${bin}/psql`,
        ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", dir, "-p", String(port), "-U", "postgres", "-d", "postgres"],
        {
            input: `CREATE ROLE app LOGIN PASSWORD '${PASSWORD.replace(/'/g, "''")}';\nCREATE ROLE ${PLAIN_ROLE} LOGIN PASSWORD '${PASSWORD.replace(/'/g, "''")}';\nCREATE DATABASE shop OWNER app;\n`,
        },
    );
    return {
        port,
        stop: async () => {
            runAs("postgres", `${bin}/pg_ctl`, ["-D", `${dir}/data`, "-m", "immediate", "-w", "stop"]);
            fs.rmSync(dir, { recursive: true, force: true });
        },
    };
}

/** A running `mariadbd` on 127.0.0.1: its directory, TCP port and unix socket; `root` connects over the socket without a password. */
export interface Mariadbd extends Server {
    dir: string;
    socket: string;
    /** Runs SQL as root over the socket; returns the tab-separated rows. */
    admin: (sql: string) => string;
}

/**
 * A fresh MariaDB server in a temporary directory (`mariadb-install-db`, then `mariadbd --no-defaults`
 * on 127.0.0.1 and a socket, binary log off), `args(dir)` added to its command line (files it names
 * may go in the server's directory); resolves once it answers. Skips the test when the Debian packages are missing. The driver tests and the backup
 * round trip both start theirs here.
 */
export async function startMariadbd(ctx: Mocha.Context, args: (dir: string) => string[] = () => []): Promise<Mariadbd> {
    requireTool(ctx, "mariadb-install-db", "mariadb-server");
    requireTool(ctx, "mariadb", "mariadb-client");
    const mariadbd = requireTool(ctx, "mariadbd", "mariadb-server", ["/usr/sbin"]);
    const dir = tempDirFor("mysql");
    const socket = `${dir}/mysqld.sock`;
    const port = await freePort();
    const userArgs = IS_ROOT ? ["--user=mysql"] : [];
    run("mariadb-install-db", [
        "--no-defaults",
        ...userArgs,
        `--datadir=${dir}/data`,
        "--auth-root-authentication-method=normal",
        "--skip-test-db",
    ]);
    let exited = false;
    const server: ChildProcess = spawn(
        mariadbd,
        [
            "--no-defaults",
            ...userArgs,
            `--datadir=${dir}/data`,
            `--socket=${socket}`,
            `--port=${port}`,
            "--bind-address=127.0.0.1",
            `--pid-file=${dir}/mysqld.pid`,
            `--log-error=${dir}/error.log`,
            "--skip-log-bin",
            "--skip-name-resolve",
            ...args(dir),
        ],
        { stdio: "ignore" },
    );
    server.on("exit", () => (exited = true));
    const admin = (sql: string) => run("mariadb", ["--no-defaults", `--socket=${socket}`, "-u", "root", "-N", "-B"], { input: sql });
    const deadline = Date.now() + 20000;
    for (;;) {
        try {
            admin("SELECT 1");
            break;
        } catch (e) {
            if (exited || Date.now() > deadline)
                throw new Error(
                    `mariadbd did not start: ${fs.existsSync(`${dir}/error.log`) ? fs.readFileSync(`${dir}/error.log`, "utf8") : e}`,
                );
            await new Promise((r) => setTimeout(r, 100));
        }
    }
    return {
        dir,
        socket,
        port,
        admin,
        stop: async () => {
            if (!exited) {
                spawnSync("mariadb-admin", ["--no-defaults", `--socket=${socket}`, "-u", "root", "shutdown"], { timeout: 10000 });
                const until = Date.now() + 10000;
                while (!exited && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
                if (!exited) server.kill("SIGKILL");
            }
            fs.rmSync(dir, { recursive: true, force: true });
        },
    };
}

/** MariaDB with TLS required of every connection, a database `shop` and the user `app` (password {@link PASSWORD}). */
export async function startMariadb(ctx: Mocha.Context, pki: Pki): Promise<Server> {
    const server = await startMariadbd(ctx, (dir) => {
        const { cert, key } = serverKeyPair(pki, dir, "mysql");
        return ["--innodb-buffer-pool-size=16M", `--ssl-cert=${cert}`, `--ssl-key=${key}`, "--require-secure-transport=ON"];
    });
    const quoted = PASSWORD.replace(/\\/g, "\\\\").replace(/'/g, "\\'");
    server.admin(`CREATE DATABASE shop; CREATE USER 'app'@'%' IDENTIFIED BY '${quoted}' REQUIRE SSL; GRANT ALL ON shop.* TO 'app'@'%';`);
    return server;
}

/** Redis with a TLS port only (no plain port), clients not asked for certificates, AUTH {@link PASSWORD}. */
export async function startRedis(ctx: Mocha.Context, pki: Pki): Promise<Server> {
    const redisServer = requireTool(ctx, "redis-server", "redis-server", ["/usr/bin"]);
    const dir = tempDirFor("redis");
    const port = await freePort();
    const { cert, key } = serverKeyPair(pki, dir, "redis");
    const conf = path.join(dir, "redis.conf");
    fs.writeFileSync(
        conf,
        [
            "bind 127.0.0.1",
            "port 0",
            `tls-port ${port}`,
            `tls-cert-file ${cert}`,
            `tls-key-file ${key}`,
            "tls-auth-clients no",
            `requirepass "${PASSWORD.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`,
            `dir ${dir}`,
            "save ''",
            "appendonly no",
            "",
        ].join("\n"),
    );
    fs.chmodSync(conf, 0o644);
    let exited = false;
    const argv = IS_ROOT ? ["runuser", ["-u", "redis", "--", redisServer, conf]] : [redisServer, [conf]];
    const server = spawn(argv[0] as string, argv[1] as string[], { stdio: "ignore" });
    server.on("exit", () => (exited = true));
    const deadline = Date.now() + 10000;
    for (;;) {
        const up = await new Promise<boolean>((resolve) => {
            const s = net.connect(port, "127.0.0.1", () => {
                s.destroy();
                resolve(true);
            });
            s.on("error", () => resolve(false));
        });
        if (up) break;
        if (exited || Date.now() > deadline) throw new Error("redis-server did not start");
        await new Promise((r) => setTimeout(r, 50));
    }
    return {
        port,
        stop: async () => {
            server.kill("SIGTERM");
            const until = Date.now() + 5000;
            while (!exited && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
            fs.rmSync(dir, { recursive: true, force: true });
        },
    };
}

/** /usr/bin/python3 (Debian's, with the python3-* driver packages), or skip/fail as a missing tool. */
export function requirePython(ctx: Mocha.Context): string {
    return requireTool(ctx, "python3", "python3", ["/usr/bin"]).startsWith("/usr/bin/")
        ? "/usr/bin/python3"
        : requireTool(ctx, "python3-debian", "python3");
}

export { findTool };
