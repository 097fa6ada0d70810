/**
 * The connection contract against real servers and real clients. PostgreSQL, MariaDB and Redis run
 * on 127.0.0.1 with TLS only, presenting a certificate for db.tierform.test from a test CA
 * (test/drivers/servers.ts). Each row takes the variables the program renders for a service whose
 * `clients` names that client — the plan's variable names (plan/bindings.ts) with the binding's
 * values (components/shared/binding.ts `connectionValues`), the URL spelled by
 * components/shared/connection.ts `renderUrl` for the prod (AWS) transport with the test CA standing
 * in for the Amazon RDS CA — and hands exactly those, plus PATH, to the real client in its own
 * process: Debian's /usr/bin/python3 drivers, Node's `pg`, `mysql2`, `ioredis` and Prisma 7's
 * `@prisma/adapter-pg`. A row passes only when the client connects, verifies the server and runs a
 * query; with the wrong CA it must fail on the certificate, and with a host name the certificate
 * does not name (localhost) it must fail too. A password full of URL-special characters must
 * reach the server intact. ElastiCache is verified against the system trust store on AWS: the
 * Redis rows put the test CA (or the wrong one) in the clients' trust store the way an image's
 * would be (SSL_CERT_FILE for OpenSSL, NODE_EXTRA_CA_CERTS for Node).
 *
 * MongoDB has no Debian server: its URI is checked with the official `mongodb` driver's parser and
 * TLS options only. Prisma's schema engine (`prisma migrate`) is a binary this machine cannot
 * download; its URL is checked against its parser's rules (prisma-engines
 * quaint/src/connector/postgres/url.rs), cited in connection.ts.
 */
import * as assert from "node:assert/strict";
import { spawn } from "child_process";
import * as path from "path";
import { MongoClient } from "mongodb";
import { loadStack, type ClientEngine, type Service, type System } from "../../model";
import { CLIENTS, planService, transportOf, type Client, type Transport } from "../../plan";
import { connectionValues } from "../../components/shared/binding";
import { renderUrl } from "../../components/shared/connection";
import type { DatastoreBinding } from "../../components/contract";
import { stackConfig } from "../harness";
import { requireTool } from "../harness/tools";
import {
    makePki,
    PASSWORD,
    requireServerName,
    SERVER_NAME,
    startMariadb,
    startPostgres,
    startRedis,
    type Pki,
    PLAIN_ROLE,
    type Server,
} from "./servers";

const ROOT = path.resolve(__dirname, "../..");

/** Each preset's prod system, loaded once: every row renders three environments from it. Read-only. */
const prodSystems = new Map<string, System>();

/** A preset service that uses `datastore`, with `client` chosen for it, on prod (AWS). */
function prodService(preset: string, serviceName: string, datastore: string, client: Client): { system: System; service: Service } {
    let system = prodSystems.get(preset);
    if (!system) prodSystems.set(preset, (system = loadStack(stackConfig({ stack: "prod", system: preset })).system));
    const service = { ...system.services[serviceName], clients: { ...system.services[serviceName].clients, [datastore]: client } };
    return { system, service };
}

/** A test server standing in for a datastore: where it listens, the CA to verify it with, who logs in. */
interface StandInServer {
    host: string;
    port: number;
    caFile: string;
    user?: string;
    database?: string;
}

/**
 * The variables the program gives `service` of `system` on `platform` for the datastores of
 * `servers` (each of `engine`), with each test server's host, port and CA in place of the
 * platform's (the other datastores' variables are left out).
 */
function envOn(
    system: System,
    service: Service,
    platform: "docker" | "kubernetes" | "aws",
    engine: ClientEngine,
    servers: Record<string, StandInServer>,
): Record<string, string> {
    const plan = planService(system, service, platform);
    const bindings: Record<string, DatastoreBinding> = {};
    for (const [name, server] of Object.entries(servers)) {
        const planned = transportOf(system, name, platform);
        const transport: Transport = planned.verify === "file" ? { ...planned, caFile: server.caFile } : planned;
        const parts = { host: server.host, port: server.port, username: server.user, password: PASSWORD, database: server.database };
        bindings[name] = {
            outputs: { kind: "database", endpoint: `${server.host}:${server.port}` },
            environment: {},
            secrets: {},
            connection: {
                urls: Object.fromEntries(CLIENTS[engine].map((c) => [c, renderUrl(engine, c, parts, transport)])),
                host: server.host,
                port: String(server.port),
                user: server.user,
                password: PASSWORD,
                database: server.database,
                caFile: transport.caFile,
            },
        };
    }
    const mine = {
        ...plan,
        variables: { ...plan.variables, connections: plan.variables.connections.filter((v) => v.datastore in servers) },
    };
    const { environment, secrets } = connectionValues(mine, bindings);
    return { ...(environment as Record<string, string>), ...(secrets as Record<string, string>) };
}

/**
 * The environment the program gives `serviceName` of `preset` for `datastore` when it reaches it with
 * `client` on prod, with the test server's host, port and CA in place of RDS's.
 */
function renderedEnv(
    preset: string,
    serviceName: string,
    datastore: string,
    engine: ClientEngine,
    client: Client,
    server: StandInServer,
): Record<string, string> {
    const { system, service } = prodService(preset, serviceName, datastore, client);
    return envOn(system, service, "aws", engine, { [datastore]: server });
}

/**
 * How long one client may take before it is killed: Django's import alone took over 20 s when the
 * two CPUs ran at a load average of 25 (seen: an empty output, the kill's), so the bound is
 * generous; a client that hangs on a handshake still fails the test, with the kill named.
 */
const CLIENT_DEADLINE_MS = 50000;

/** Run `cmd args` with exactly `env` (and PATH), `input` on its stdin; resolves with its exit status and output. */
function runWith(
    cmd: string,
    args: string[],
    env: Record<string, string>,
    input?: string,
): Promise<{ status: number | null; out: string }> {
    return new Promise((resolve) => {
        const child = spawn(cmd, args, {
            cwd: ROOT,
            env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env },
            stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
        });
        if (input !== undefined) child.stdin!.end(input);
        let out = "";
        child.stdout!.on("data", (d) => (out += d));
        child.stderr!.on("data", (d) => (out += d));
        const timer = setTimeout(() => {
            out += `\nkilled: no answer within ${CLIENT_DEADLINE_MS / 1000} s`;
            child.kill("SIGKILL");
        }, CLIENT_DEADLINE_MS);
        child.on("close", (status) => {
            clearTimeout(timer);
            resolve({ status, out });
        });
    });
}

/** One client of the matrix. */
interface Row {
    /** What runs: "python" (/usr/bin/python3 -c) or "node" (node -e). */
    runtime: "python" | "node";
    /** The Debian package (python) or npm package (node) the client comes from. */
    from: string;
    /** A module whose absence skips the row (outside CI). */
    module: string;
    /** The program: reads only the rendered variables, connects, queries, prints `ok <proof of TLS>`. */
    code: string;
    /** Node only: the body of the program's async function, for {@link runCases}. */
    body?: string;
    /**
     * Why each case of this row needs a process of its own (Django's settings are configured once
     * per process): {@link runCases} then starts one per case.
     */
    fresh?: string;
    /** What the printed proof must match (TLS in use). */
    proof: RegExp;
    /**
     * What the client prints (exit 3) when the installed driver predates what the rendered URL asks
     * of it: the row then proves only that it fails closed, with every CA and name.
     */
    tooOld?: RegExp;
}

const PY_PG_SSL = "select ssl::text as s from pg_stat_ssl where pid = pg_backend_pid()";
const PY_MY_SSL = "SHOW SESSION STATUS LIKE 'Ssl_cipher'";

const py = (from: string, module: string, code: string, proof: RegExp): Row => ({ runtime: "python", from, module, code, proof });
const node = (from: string, code: string, proof: RegExp): Row => ({
    runtime: "node",
    from,
    module: from,
    code: `(async () => {${code}})().catch((e) => { console.error(String(e && e.stack || e)); process.exit(1); });`,
    body: code,
    proof,
});

const POSTGRES: Record<string, { client: Client; row: Row }> = {
    "psycopg2 (libpq URL)": {
        client: "libpq",
        row: py(
            "python3-psycopg2",
            "psycopg2",
            `import os, psycopg2\nc = psycopg2.connect(os.environ["DATABASE_URL"])\ncur = c.cursor(); cur.execute("${PY_PG_SSL}"); print("ok", cur.fetchone()[0])`,
            /^ok true$/m,
        ),
    },
    "psycopg 3 (libpq URL)": {
        client: "libpq",
        row: py(
            "python3-psycopg",
            "psycopg",
            `import os, psycopg\nwith psycopg.connect(os.environ["DATABASE_URL"]) as c:\n    print("ok", c.execute("${PY_PG_SSL}").fetchone()[0])`,
            /^ok true$/m,
        ),
    },
    "SQLAlchemy + psycopg2 (libpq URL)": {
        client: "libpq",
        row: py(
            "python3-sqlalchemy",
            "sqlalchemy",
            `import os, sqlalchemy\ne = sqlalchemy.create_engine(os.environ["DATABASE_URL"])\nassert e.dialect.driver == "psycopg2", e.dialect.driver\nwith e.connect() as c:\n    print("ok", c.execute(sqlalchemy.text("${PY_PG_SSL}")).scalar())`,
            /^ok true$/m,
        ),
    },
    "asyncpg.connect (libpq URL)": {
        client: "libpq",
        row: py(
            "python3-asyncpg",
            "asyncpg",
            `import asyncio, os, asyncpg\nasync def main():\n    c = await asyncpg.connect(os.environ["DATABASE_URL"])\n    print("ok", await c.fetchval("${PY_PG_SSL}"))\n    await c.close()\nasyncio.run(main())`,
            /^ok true$/m,
        ),
    },
    "SQLAlchemy + asyncpg (sqlalchemy-asyncpg URL: ssl=verify-full, its CA in dsn=)": {
        client: "sqlalchemy-asyncpg",
        row: py(
            "python3-sqlalchemy",
            "asyncpg",
            `import asyncio, os, sqlalchemy\nfrom sqlalchemy.ext.asyncio import create_async_engine\nasync def main():\n    e = create_async_engine(os.environ["DATABASE_URL"])\n    async with e.connect() as c:\n        print("ok", (await c.execute(sqlalchemy.text("${PY_PG_SSL}"))).scalar())\n    await e.dispose()\nasyncio.run(main())`,
            /^ok true$/m,
        ),
    },
    "Django (DATABASES from DB_HOST, DB_PORT, DB_USER, DB_PASSWORD, DB_NAME, DB_CA_FILE)": {
        client: "libpq",
        row: {
            fresh: "django.conf.settings.configure runs once per process",
            ...py(
                "python3-django",
                "django",
                [
                    "import os, django",
                    "from django.conf import settings",
                    "e = os.environ",
                    'settings.configure(DATABASES={"default": {"ENGINE": "django.db.backends.postgresql", "HOST": e["DB_HOST"], "PORT": e["DB_PORT"], "USER": e["DB_USER"], "PASSWORD": e["DB_PASSWORD"], "NAME": e["DB_NAME"], "OPTIONS": {"sslmode": "verify-full", "sslrootcert": e["DB_CA_FILE"]}}})',
                    "django.setup()",
                    "from django.db import connection",
                    `with connection.cursor() as cur:\n    cur.execute("${PY_PG_SSL}"); print("ok", cur.fetchone()[0])`,
                ].join("\n"),
                /^ok true$/m,
            ),
        },
    },
    "node-postgres pg (libpq URL)": {
        client: "libpq",
        row: node(
            "pg",
            `const { Client } = require("pg"); const c = new Client({ connectionString: process.env.DATABASE_URL }); await c.connect(); const r = await c.query("${PY_PG_SSL}"); console.log("ok", r.rows[0].s); await c.end();`,
            /^ok true$/m,
        ),
    },
    "node-postgres with libpq's sslmode semantics, as pg 9 / pg-connection-string 3 will read it (libpq URL + uselibpqcompat=true)": {
        client: "libpq",
        row: node(
            "pg",
            `const { Client } = require("pg"); const c = new Client({ connectionString: process.env.DATABASE_URL + "&uselibpqcompat=true" }); await c.connect(); const r = await c.query("${PY_PG_SSL}"); console.log("ok", r.rows[0].s); await c.end();`,
            /^ok true$/m,
        ),
    },
    "Prisma 7 runtime: @prisma/adapter-pg (prisma URL, its CA in sslrootcert=)": {
        client: "prisma",
        row: node(
            "@prisma/adapter-pg",
            `const { PrismaPg } = require("@prisma/adapter-pg"); const d = await new PrismaPg({ connectionString: process.env.DATABASE_URL }).connect(); const r = await d.queryRaw({ sql: "${PY_PG_SSL}", args: [], argTypes: [] }); console.log("ok", r.rows[0][0]); await d.dispose();`,
            /^ok true$/m,
        ),
    },
};

const MYSQL: Record<string, { client: Client; row: Row }> = {
    "SQLAlchemy + mysqlclient (sqlalchemy-mysqldb URL)": {
        client: "sqlalchemy-mysqldb",
        row: {
            ...py(
                "python3-mysqldb",
                "MySQLdb",
                [
                    "import os, sqlalchemy, MySQLdb",
                    'e = sqlalchemy.create_engine(os.environ["DATABASE_URL"])',
                    'assert e.dialect.driver == "mysqldb", e.dialect.driver',
                    "try:",
                    "    c = e.connect()",
                    "except TypeError as x:",
                    '    if MySQLdb.version_info < (2, 0) and "ssl_mode" in str(x):',
                    '        print("fails closed: mysqlclient", MySQLdb.version_info[:3], "has no ssl_mode"); raise SystemExit(3)',
                    "    raise",
                    `print("ok", c.execute(sqlalchemy.text("${PY_MY_SSL}")).fetchone()[1])`,
                ].join("\n"),
                /^ok \S+/m,
            ),
            tooOld: /^fails closed: mysqlclient \(1, /m,
        },
    },
    "SQLAlchemy + PyMySQL (sqlalchemy-pymysql URL)": {
        client: "sqlalchemy-pymysql",
        row: py(
            "python3-pymysql",
            "pymysql",
            `import os, sqlalchemy\ne = sqlalchemy.create_engine(os.environ["DATABASE_URL"])\nassert e.dialect.driver == "pymysql", e.dialect.driver\nwith e.connect() as c:\n    print("ok", c.execute(sqlalchemy.text("${PY_MY_SSL}")).fetchone()[1])`,
            /^ok \S+/m,
        ),
    },
    "mysql2 (mysql2 URL, NODE_EXTRA_CA_CERTS)": {
        client: "mysql2",
        row: node(
            "mysql2",
            `const mysql = require("mysql2/promise"); const c = await mysql.createConnection(process.env.DATABASE_URL); const [rows] = await c.query("${PY_MY_SSL}"); console.log("ok", rows[0].Value); await c.end();`,
            /^ok \S+/m,
        ),
    },
};

const REDIS: Record<string, { client: Client; row: Row }> = {
    "redis-py / Celery (redis-py URL)": {
        client: "redis-py",
        row: py(
            "python3-redis",
            "redis",
            `import os, redis\nr = redis.Redis.from_url(os.environ["REDIS_URL"])\nassert r.connection_pool.connection_kwargs["ssl_cert_reqs"] == "required"\nr.set("k", "v"); print("ok", r.get("k").decode())`,
            /^ok v$/m,
        ),
    },
    "ioredis (ioredis URL)": {
        client: "ioredis",
        row: node(
            "ioredis",
            `const Redis = require("ioredis"); const r = new Redis(process.env.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null }); await r.connect(); await r.set("k", "w"); console.log("ok", await r.get("k")); r.disconnect();`,
            /^ok w$/m,
        ),
    },
};

/** What a certificate failure looks like in each runtime's messages. */
const CERT_FAILURE = /certificate|verify failed|self[- ]signed|unable to get|hostname|Hostname|altnames|SSL|TLS/i;

/** Whether /usr/bin/python3 imports a module, asked once per module: every row and test of that driver shares the answer. */
const importProbes = new Map<string, Promise<{ status: number | null; out: string }>>();

/** Skip (outside CI) or fail when a row's module is missing; the interpreter's path. */
async function requireRow(ctx: Mocha.Context, row: Row): Promise<string> {
    if (row.runtime === "node") {
        try {
            require.resolve(row.module, { paths: [ROOT] });
        } catch {
            const message = `npm package ${row.from} is not installed (npm ci installs it)`;
            if (process.env.CI === "true") throw new Error(message);
            console.warn(`      skipped: ${message}`);
            ctx.skip();
        }
        return process.execPath;
    }
    const python = requireTool(ctx, "python3", "python3", ["/usr/bin"]);
    let probe = importProbes.get(row.module);
    if (!probe) importProbes.set(row.module, (probe = runWith(python, ["-c", `import ${row.module}`], {})));
    if ((await probe).status !== 0) {
        const message = `${python} cannot import ${row.module} (Debian package '${row.from}'; .ci/run installs it)`;
        if (process.env.CI === "true") throw new Error(message);
        console.warn(`      skipped: ${message}`);
        ctx.skip();
    }
    return python;
}

/** What a case printed, and the status it ended with (its process's, or what {@link runCases} recorded). */
type Outcome = { status: number | null; out: string };

/** Where a case's results begin in the output of a {@link runCases} process. */
const RESULTS_MARK = "@@tierform-cases@@";

/**
 * Python's side of {@link runCases}: for each environment (read as JSON from stdin) the process's
 * environment becomes exactly that (os.environ writes through to the C library's, which libpq and
 * OpenSSL read), the row's program runs with its output captured, and its exit status is recorded
 * (SystemExit's code, 1 for any other exception, 0 otherwise).
 */
const PY_CASES = (code: string) =>
    [
        "import contextlib, io, json, os, sys, traceback",
        "cases = json.load(sys.stdin)",
        `program = compile(${JSON.stringify(code)}, "<row>", "exec")`,
        "results = []",
        "for env in cases:",
        "    os.environ.clear(); os.environ.update(env)",
        "    buf, status = io.StringIO(), 0",
        "    with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(buf):",
        "        try:",
        '            exec(program, {"__name__": "__main__"})',
        "        except SystemExit as e:",
        "            status = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)",
        "        except BaseException:",
        "            traceback.print_exc(); status = 1",
        '    results.append({"status": status, "out": buf.getvalue()})',
        `sys.__stdout__.write("${RESULTS_MARK}" + json.dumps(results) + "\\n")`,
    ].join("\n");

/** Node's side of {@link runCases}: the same, with the row's async body given its own console. */
const NODE_CASES = (body: string) =>
    [
        "const util = require('util');",
        "const cases = JSON.parse(require('fs').readFileSync(0, 'utf8'));",
        `const program = new (async () => {}).constructor('require', 'console', ${JSON.stringify(body)});`,
        "(async () => {",
        "  const results = [];",
        "  for (const env of cases) {",
        "    for (const k of Object.keys(process.env)) delete process.env[k];",
        "    Object.assign(process.env, env);",
        "    let out = '';",
        "    const write = (...a) => { out += util.format(...a) + '\\n'; };",
        "    let status = 0;",
        "    try { await program(require, { log: write, error: write, warn: write, info: write }); }",
        "    catch (e) { write(String((e && e.stack) || e)); status = 1; }",
        "    results.push({ status, out });",
        "  }",
        `  process.stdout.write('${RESULTS_MARK}' + JSON.stringify(results) + '\\n');`,
        "  process.exit(0);",
        "})();",
    ].join("\n");

/**
 * Run `row` once for each environment in `envs`, in that order, and give each case's outcome.
 * One process runs them all, one after another, each with exactly its own environment: a driver
 * is imported once per row instead of once per case (about 9 s of CPU over the matrix). A row
 * whose cases cannot share a process (its {@link Row.fresh} reason, or a Node row whose variables
 * hold NODE_EXTRA_CA_CERTS, which Node reads once, at start) gets a process per case. Callers put the
 * cases that must fail first, so nothing a successful handshake leaves behind in the process
 * (a pool, a session) can reach a case that must fail.
 */
async function runCases(interpreter: string, row: Row, envs: Record<string, string>[]): Promise<Outcome[]> {
    const startupOnly = row.runtime === "node" && envs.some((env) => "NODE_EXTRA_CA_CERTS" in env);
    if (startupOnly || row.fresh || (row.runtime === "node" && !row.body)) {
        return Promise.all(envs.map((env) => runWith(interpreter, [row.runtime === "python" ? "-c" : "-e", row.code], env)));
    }
    const PATH = process.env.PATH ?? "/usr/bin:/bin";
    const program = row.runtime === "python" ? ["-c", PY_CASES(row.code)] : ["-e", NODE_CASES(row.body!)];
    const run = await runWith(interpreter, program, {}, JSON.stringify(envs.map((env) => ({ PATH, ...env }))));
    const at = run.out.lastIndexOf(RESULTS_MARK);
    assert.ok(run.status === 0 && at >= 0, `the cases' process ended with status ${run.status}:\n${run.out}`);
    const outcomes = JSON.parse(run.out.slice(at + RESULTS_MARK.length).split("\n")[0]) as Outcome[];
    // Output no case captured (a C library writing to the process's stderr) goes with every case.
    const loose = run.out.slice(0, at);
    return outcomes.map((o) => ({ status: o.status, out: o.out + loose }));
}

/**
 * One row: with the right CA it connects and proves TLS; with the wrong CA, and with a host name the
 * certificate does not carry, it fails on the certificate.
 */
async function checkRow(
    ctx: Mocha.Context,
    row: Row,
    render: (host: string, caFile: string) => Record<string, string>,
    trustStore: (caFile: string) => Record<string, string>,
    pki: Pki,
): Promise<void> {
    const interpreter = await requireRow(ctx, row);
    const good = render(SERVER_NAME, pki.ca);
    // The cases that must fail run first (runCases).
    const [wrongCa, wrongName, ok] = await runCases(interpreter, row, [
        { ...render(SERVER_NAME, pki.wrongCa), ...trustStore(pki.wrongCa) },
        { ...render("127.0.0.1", pki.ca), ...trustStore(pki.ca) },
        { ...good, ...trustStore(pki.ca) },
    ]);
    if (row.tooOld && ok.status === 3 && row.tooOld.test(ok.out)) {
        // Debian 12's mysqlclient 1.4.6 has no ssl_mode: the URL is refused, never used unverified.
        for (const r of [ok, wrongCa, wrongName]) assert.match(r.out, row.tooOld);
        ctx.test!.title += ` [${ok.out.trim()}: refused, never unverified]`;
        return;
    }
    assert.equal(ok.status, 0, `connects with the rendered variables (${Object.keys(good).sort().join(", ")}):\n${ok.out}`);
    assert.match(ok.out, row.proof, "the session is encrypted");
    assert.notEqual(wrongCa.status, 0, `must refuse a server its CA did not sign, but:\n${wrongCa.out}`);
    assert.match(wrongCa.out, CERT_FAILURE);
    assert.notEqual(wrongName.status, 0, `must refuse a certificate for another name (connecting to 127.0.0.1), but:\n${wrongName.out}`);
    assert.match(wrongName.out, CERT_FAILURE);
}

describe("drivers: real clients through the rendered variables, against real servers with TLS", function () {
    this.timeout(3 * CLIENT_DEADLINE_MS);
    let pki: Pki;
    before(async function () {
        await requireServerName(this);
        pki = makePki(this);
    });

    describe("PostgreSQL", function () {
        let server: Server | undefined;
        before(async function () {
            server = await startPostgres(this, pki);
        });
        after(async () => server?.stop());
        for (const [name, { client, row }] of Object.entries(POSTGRES)) {
            it(`${name}: verifies the server, runs a query; refuses the wrong CA and a wrong name`, async function () {
                const render = (host: string, caFile: string) =>
                    renderedEnv("mdc-tts", "backend", "db", "postgres", client, {
                        host,
                        port: server!.port,
                        caFile,
                        user: "app",
                        database: "shop",
                    });
                const env = render(SERVER_NAME, pki.ca);
                assert.equal(
                    new URL(env.DATABASE_URL.replace(/^postgresql\+asyncpg:/, "postgresql:")).password,
                    encodeURIComponent(PASSWORD),
                );
                await checkRow(this, row, render, () => ({}), pki);
            });
        }

        it("dev (plain text on the private data network): every client connects without TLS through the rendered variables", async function () {
            const { system } = loadStack(stackConfig({ stack: "dev", system: "mdc-tts" }));
            const rows = Object.entries(POSTGRES).filter(([name]) => !name.startsWith("Django"));
            const results = await Promise.all(
                rows.map(async ([name, { client, row }]) => {
                    const service = { ...system.services.backend, clients: { ...system.services.backend.clients, db: client } };
                    const env = envOn(system, service, "docker", "postgres", {
                        db: { host: "127.0.0.1", port: server!.port, caFile: "", user: PLAIN_ROLE, database: "shop" },
                    });
                    const interpreter = await requireRow(this, row);
                    return { name, env, ...(await runWith(interpreter, [row.runtime === "python" ? "-c" : "-e", row.code], env)) };
                }),
            );
            const failed = results.filter((r) => r.status !== 0 || !/^ok false$/m.test(r.out));
            assert.deepEqual(
                failed.map(
                    (r) => `${r.name} with ${r.env.DATABASE_URL.replace(/:[^:@]*@/, ":***@")}: ${r.out.trim().split("\n").slice(-1)[0]}`,
                ),
                [],
                "every client connects, in plain text",
            );
        });

        it("a service using two PostgreSQL servers with different CAs (staging: one CloudNativePG CA per cluster) verifies each against its own", async function () {
            const loaded = loadStack(stackConfig({ stack: "staging", system: "mdc-tts" }));
            const system: System = {
                ...loaded.system,
                databases: { ...loaded.system.databases, reports: { ...loaded.system.databases.db, name: "reports" } },
            };
            const base = system.services.backend;
            const results = await Promise.all(
                Object.entries(POSTGRES).map(async ([name, { client, row }]) => {
                    const service = { ...base, uses: [...base.uses, "reports"], clients: { ...base.clients, db: client, reports: client } };
                    // db, the first, is another cluster (its CA is not the test server's); reports is the test server.
                    const env = envOn(system, service, "kubernetes", "postgres", {
                        db: { host: SERVER_NAME, port: server!.port, caFile: pki.wrongCa, user: "app", database: "shop" },
                        reports: { host: SERVER_NAME, port: server!.port, caFile: pki.ca, user: "app", database: "shop" },
                    });
                    assert.equal(env.REPORTS_CA_FILE, pki.ca);
                    assert.equal(env.DB_CA_FILE, pki.wrongCa);
                    const code = row.code.replace(/DATABASE_URL/g, "REPORTS_URL").replace(/"DB_/g, '"REPORTS_');
                    const interpreter = await requireRow(this, row);
                    return { name, env, ...(await runWith(interpreter, [row.runtime === "python" ? "-c" : "-e", code], env)) };
                }),
            );
            const failed = results.filter((r) => r.status !== 0 || !/^ok true$/m.test(r.out));
            assert.deepEqual(
                failed.map((r) => `${r.name} with ${Object.keys(r.env).sort().join(", ")}: ${r.out.trim().split("\n").slice(-1)[0]}`),
                [],
                "every client reaches reports, verified against its CA",
            );
        });

        it("the prisma URL under libpq semantics (pg 9) checks the chain against its CA but not the host name, as docs/image-contract.md says", async function () {
            const row = POSTGRES["Prisma 7 runtime: @prisma/adapter-pg (prisma URL, its CA in sslrootcert=)"].row;
            const interpreter = await requireRow(this, row);
            const code = row.code.replace("process.env.DATABASE_URL", 'process.env.DATABASE_URL + "&uselibpqcompat=true"');
            const render = (host: string, caFile: string) =>
                renderedEnv("mdc-tts", "backend", "db", "postgres", "prisma", {
                    host,
                    port: server!.port,
                    caFile,
                    user: "app",
                    database: "shop",
                });
            const [ok, wrongCa, wrongName] = await Promise.all([
                runWith(interpreter, ["-e", code], render(SERVER_NAME, pki.ca)),
                runWith(interpreter, ["-e", code], render(SERVER_NAME, pki.wrongCa)),
                runWith(interpreter, ["-e", code], render("127.0.0.1", pki.ca)),
            ]);
            assert.equal(ok.status, 0, ok.out);
            assert.notEqual(wrongCa.status, 0, wrongCa.out);
            assert.match(wrongCa.out, CERT_FAILURE);
            assert.equal(wrongName.status, 0, `verify-ca: a certificate for another name passes:\n${wrongName.out}`);
        });
    });

    describe("MariaDB (MySQL protocol)", function () {
        let server: Server | undefined;
        before(async function () {
            server = await startMariadb(this, pki);
        });
        after(async () => server?.stop());
        for (const [name, { client, row }] of Object.entries(MYSQL)) {
            it(`${name}: verifies the server, runs a query; refuses the wrong CA and a wrong name`, async function () {
                const render = (host: string, caFile: string) =>
                    renderedEnv("auromart", "web", "db", "mysql", client, {
                        host,
                        port: server!.port,
                        caFile,
                        user: "app",
                        database: "shop",
                    });
                await checkRow(this, row, render, () => ({}), pki);
            });
        }
    });

    describe("Redis", function () {
        let server: Server | undefined;
        before(async function () {
            server = await startRedis(this, pki);
        });
        after(async () => server?.stop());
        for (const [name, { client, row }] of Object.entries(REDIS)) {
            it(`${name}: verifies the server against the trust store, runs a command; refuses the wrong CA and a wrong name`, async function () {
                const render = (host: string, caFile: string) =>
                    renderedEnv("mdc-tts", "backend", "cache", "redis", client, { host, port: server!.port, caFile });
                // ElastiCache's certificates chain to public roots: the image's trust store, here the test CA.
                const trustStore = (caFile: string): Record<string, string> =>
                    row.runtime === "python" ? { SSL_CERT_FILE: caFile } : { NODE_EXTRA_CA_CERTS: caFile };
                await checkRow(this, row, render, trustStore, pki);
            });
        }
    });

    describe("MongoDB (no server here: the official driver's parser)", function () {
        it("the DocumentDB URI parses in the mongodb driver with TLS on, the CA file, the replica set and the password intact", function () {
            const { system, service } = prodService("hld-platform", "api", "mongo", "mongodb");
            const plan = planService(system, service, "aws");
            const uri = renderUrl(
                "mongodb",
                "mongodb",
                {
                    host: "docdb.example.com",
                    port: 27017,
                    username: "app",
                    password: PASSWORD,
                    database: "hld",
                    options: { replicaSet: "rs0", readPreference: "secondaryPreferred", retryWrites: "false" },
                },
                transportOf(system, "mongo", "aws"),
            );
            assert.ok(plan.variables.connections.some((v) => v.variable === "MONGODB_URI" && v.client === "mongodb"));
            const client = new MongoClient(uri);
            const o = client.options as unknown as Record<string, unknown> & {
                credentials: { password: string; username: string; source: string };
            };
            assert.equal(o.tls, true);
            assert.equal(o.tlsCAFile, "/etc/ssl/certs/rds-global-bundle.pem");
            assert.notEqual(o.tlsAllowInvalidCertificates, true);
            assert.notEqual(o.tlsAllowInvalidHostnames, true);
            assert.equal(o.replicaSet, "rs0");
            assert.equal(o.retryWrites, false);
            assert.equal(o.credentials.username, "app");
            assert.equal(o.credentials.password, PASSWORD);
            assert.equal(o.credentials.source, "admin");
            assert.equal(o.dbName, "hld");
        });
    });
});
