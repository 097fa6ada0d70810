/**
 * How the connection URLs a service receives are spelled on every platform, in the dialect of the
 * client that reads them (the variable names and the client per use are the plan's:
 * plan/bindings.ts). Credentials only ever travel inside secret Outputs. `renderUrl` is pure: the
 * driver tests (test/drivers/) call it with a real server's host, port and CA and connect with the
 * real clients through what it returns.
 */
import * as pulumi from "@pulumi/pulumi";
import type { Client, ClientEngine, Transport } from "../../plan";
import { CLIENTS, ENGINE_PORTS } from "../../plan";

/** Default ports of the engines tierform runs: the plan's one table (plan/datastores.ts). */
export const DEFAULT_PORTS = ENGINE_PORTS;

/** Where and as whom to connect. */
export interface Endpoint {
    host: pulumi.Input<string>;
    port: pulumi.Input<number>;
    username?: pulumi.Input<string>;
    password?: pulumi.Input<string>;
    /** Database name (databases) or logical DB index (redis). */
    database?: pulumi.Input<string>;
    /** Require TLS on the wire. */
    tls?: boolean;
}

/** The resolved parts of a connection, for {@link renderUrl}. */
export interface UrlParts {
    host: string;
    port: number;
    username?: string;
    password?: string;
    /** Database name (databases) or logical DB index (redis, default 0). */
    database?: string;
    /** Extra query parameters, appended as given after the TLS ones (DocumentDB's replicaSet, ...). */
    options?: Record<string, string>;
}

const enc = (v: string | undefined) => encodeURIComponent(v ?? "");
const query = (params: [string, string][]) =>
    params.length ? `?${params.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join("&")}` : "";

/** A transport no platform builds for this engine: a platform bug, never a spec problem. */
function unsupported(engine: ClientEngine, client: Client, t: Transport): never {
    throw new Error(`connection: no ${engine} platform builds TLS ${t.tls ? `with verify=${t.verify}` : "off"} for client ${client}`);
}

/**
 * The URL `client` reads for a connection to an `engine` server at `parts`, secured as `transport`
 * says, with user, password and database percent-encoded (every parser below decodes them):
 *
 * - postgres `libpq`: `postgresql://…?sslmode=verify-full&sslrootcert=<ca>` — libpq's URI
 *   (https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-CONNSTRING, libpq-ssl.html
 *   "verify-full"), read as is by psycopg2 and psycopg 3 (both hand it to libpq), node-postgres
 *   (pg-connection-string `parse`: `sslrootcert` is read into `ssl.ca`, `verify-full` checks the
 *   name), asyncpg's `connect(dsn)` (connect_utils.py `_parse_connect_dsn_and_args` pops `sslmode`
 *   and `sslrootcert` from the query) and SQLAlchemy's default `postgresql://` dialect (psycopg2,
 *   which passes the query to libpq).
 * - postgres `sqlalchemy-asyncpg`: `postgresql+asyncpg://…?ssl=verify-full`. SQLAlchemy's asyncpg
 *   dialect passes every query parameter to `asyncpg.connect()` as a keyword
 *   (dialects/postgresql/asyncpg.py `create_connect_args`: `opts.update(url.query)`), and
 *   `connect()` has `ssl` but neither `sslmode` nor `sslrootcert` (TypeError). It has `dsn`, though,
 *   whose query it reads `sslrootcert` from while the keywords keep host, port, user, password and
 *   database (asyncpg connect_utils.py `_parse_connect_dsn_and_args`), so
 *   `&dsn=postgresql://?sslrootcert=<ca>` names this URL's own CA: a service using two PostgreSQL
 *   servers with different CAs verifies each against its own (PGSSLROOTCERT, one per process,
 *   could name only one).
 * - postgres `prisma`: `?sslmode=require&sslcert=<ca>&sslaccept=strict`. Prisma's engines
 *   (prisma-engines quaint/src/connector/postgres/url.rs `parse_query_params`) accept only
 *   sslmode=disable|prefer|require (anything else silently becomes prefer), read `sslcert` as the
 *   root certificate to trust, and accept invalid certificates unless `sslaccept=strict`
 *   (native/mod.rs: `danger_accept_invalid_certs(mode == AcceptInvalidCerts)`; host names are
 *   checked by native-tls) and discard parameters they do not know (`sslrootcert`: url.rs
 *   "Discarding connection string param"). Prisma 7's runtime (`@prisma/adapter-pg`) hands the
 *   same URL to node-postgres, which verifies against `sslrootcert` (read into `ssl.ca`), so each
 *   URL names its own CA, and reads `sslcert` as a client certificate it presents only when asked.
 * - mysql `sqlalchemy-mysqldb`: `mysql://…?ssl_mode=VERIFY_IDENTITY&ssl_ca=<ca>`. SQLAlchemy's
 *   MySQL dialects pass every query parameter to the driver as a keyword, gathering `ssl_ca`,
 *   `ssl_cert`, `ssl_key`, `ssl_capath`, `ssl_cipher`, `ssl_check_hostname` into `ssl={...}`
 *   (dialects/mysql/mysqldb.py `create_connect_args`); mysqlclient 2.2's `connect()` takes
 *   `ssl_mode` and `ssl`, and with MariaDB's Connector/C turns certificate verification on only for
 *   ssl_mode VERIFY_CA or VERIFY_IDENTITY — a CA alone leaves it off (src/MySQLdb/_mysql.c,
 *   "We emulate the ssl_mode"). `ssl-mode` (the MySQL URI syntax) is no keyword: TypeError; so is
 *   `ssl_mode` for mysqlclient before 2.0 (Debian 12 ships 1.4.6): such a driver fails closed.
 * - mysql `sqlalchemy-pymysql`: `mysql+pymysql://…?ssl_ca=<ca>&ssl_check_hostname=true` — the same
 *   dialect code; PyMySQL has no `ssl_mode` keyword, and with a CA in `ssl` it requires and checks
 *   the certificate and the host name (pymysql/connections.py `_create_ssl_ctx`).
 * - mysql `mysql2`: `mysql://…?ssl={"rejectUnauthorized":true}` — mysql2's
 *   `ConnectionConfig.parseUrl` JSON-parses each query value into the option of that name; `ssl.ca`
 *   wants PEM text, not a path, so the CA comes from NODE_EXTRA_CA_CERTS (Node's `tls` then checks
 *   the chain and the host name).
 * - mysql `prisma`: `mysql://…?sslcert=<ca>&sslaccept=strict` (quaint/src/connector/mysql/url.rs:
 *   `sslcert` is the root certificate path, `sslaccept=strict` turns off accepting invalid ones).
 * - mongodb `mongodb`: `mongodb://…?authSource=admin&tls=true&tlsCAFile=<ca>` — the connection
 *   string options of the MongoDB drivers (https://www.mongodb.com/docs/manual/reference/connection-string-options/#tls-options).
 * - redis `redis-py`: `rediss://:<password>@…/0?ssl_cert_reqs=required&ssl_ca_certs=<ca>&ssl_check_hostname=true`
 *   — redis-py's `parse_url` turns query parameters into connection keywords (redis/connection.py,
 *   URL_QUERY_ARGUMENT_PARSERS; `ssl_check_hostname` defaults to False before redis-py 6), and
 *   Celery demands `ssl_cert_reqs` of every `rediss://` broker or backend URL ("A rediss:// URL
 *   must have parameter ssl_cert_reqs").
 * - redis `ioredis`: `rediss://:<password>@…/0` — ioredis's `parseURL` turns `rediss:` into `tls`
 *   with Node's defaults (chain and host name checked; NODE_EXTRA_CA_CERTS adds a private CA).
 *
 * Without TLS (Docker's private data network) each client gets its engine's plain URL, PostgreSQL's
 * with `sslmode=disable` (`ssl=disable`): node-postgres reads every other mode, `prefer` included,
 * as TLS required and verified (pg-connection-string 2.x `parse`: any `sslmode` makes `ssl` an
 * object, and only `disable` turns it off), so against a plain-text server node-postgres and
 * Prisma 7's `@prisma/adapter-pg` failed to connect ("The server does not support SSL
 * connections") where libpq fell back.
 *
 * node-postgres 9 (pg-connection-string 3) is announced to read `sslmode` as libpq does (the
 * deprecation warning of pg-connection-string 2.9+, brianc/node-postgres#3473: "In the next major
 * version (v3.0.0), these modes will adopt standard libpq semantics"; today `uselibpqcompat=true`
 * in the URL): `require` then checks nothing without `sslrootcert` and only the chain with it
 * (verify-ca), `verify-full` stays verify-full. So the `libpq` URL (`verify-full` and
 * `sslrootcert`) verifies chain and host name with pg 8 and pg 9 alike; the `prisma` URL, whose
 * engines accept no mode beyond `require`, gives node-postgres its CA (`sslrootcert`) so pg 8
 * verifies chain and name and pg 9 the chain only (README, "Connection variables").
 */
export function renderUrl(engine: ClientEngine, client: Client, parts: UrlParts, transport: Transport): string {
    if (!(CLIENTS[engine] as readonly string[]).includes(client)) throw new Error(`connection: client ${client} does not speak ${engine}`);
    const { host, port } = parts;
    const auth = parts.username ? `${enc(parts.username)}:${enc(parts.password)}@` : parts.password ? `:${enc(parts.password)}@` : "";
    const db = enc(parts.database ?? (engine === "redis" ? "0" : ""));
    const t = transport;
    const ca = t.verify === "file" ? (t.caFile ?? unsupported(engine, client, t)) : undefined;
    const params: [string, string][] = [];
    let scheme: string = engine === "postgres" ? "postgresql" : engine;
    if (engine === "postgres") {
        if (client === "libpq") {
            if (!t.tls) params.push(["sslmode", "disable"]);
            else if (t.verify === "none") params.push(["sslmode", "require"]);
            else if (ca) params.push(["sslmode", "verify-full"], ["sslrootcert", ca]);
            else unsupported(engine, client, t);
        } else if (client === "sqlalchemy-asyncpg") {
            scheme = "postgresql+asyncpg";
            if (!t.tls) params.push(["ssl", "disable"]);
            else if (t.verify === "none") params.push(["ssl", "require"]);
            else if (ca) params.push(["ssl", "verify-full"], ["dsn", `postgresql://?sslrootcert=${ca}`]);
            else unsupported(engine, client, t);
        } else {
            if (!t.tls) params.push(["sslmode", "disable"]);
            else if (t.verify === "none") params.push(["sslmode", "require"], ["sslaccept", "accept_invalid_certs"]);
            else
                params.push(
                    ["sslmode", "require"],
                    ...(ca ? [["sslcert", ca] as [string, string], ["sslrootcert", ca] as [string, string]] : []),
                    ["sslaccept", "strict"],
                );
        }
    } else if (engine === "mysql") {
        if (client === "sqlalchemy-pymysql") scheme = "mysql+pymysql";
        if (t.tls && t.verify !== "file" && client !== "mysql2") unsupported(engine, client, t);
        if (t.tls && client === "sqlalchemy-mysqldb") params.push(["ssl_mode", "VERIFY_IDENTITY"], ["ssl_ca", ca!]);
        if (t.tls && client === "sqlalchemy-pymysql") params.push(["ssl_ca", ca!], ["ssl_check_hostname", "true"]);
        if (t.tls && client === "mysql2")
            params.push([
                "ssl",
                JSON.stringify(t.verify === "none" ? { rejectUnauthorized: false } : { rejectUnauthorized: true, verifyIdentity: true }),
            ]);
        if (t.tls && client === "prisma") params.push(["sslcert", ca!], ["sslaccept", "strict"]);
    } else if (engine === "mongodb") {
        params.push(["authSource", "admin"]);
        if (t.tls) params.push(["tls", "true"]);
        if (t.tls && t.verify === "none") params.push(["tlsAllowInvalidCertificates", "true"]);
        if (ca) params.push(["tlsCAFile", ca]);
    } else {
        scheme = t.tls ? "rediss" : "redis";
        if (t.tls && client === "redis-py") {
            if (t.verify === "none") params.push(["ssl_cert_reqs", "none"]);
            else
                params.push(["ssl_cert_reqs", "required"], ...(ca ? [["ssl_ca_certs", ca] as [string, string]] : []), [
                    "ssl_check_hostname",
                    "true",
                ]);
        }
        if (t.tls && client === "ioredis" && t.verify === "none") unsupported(engine, client, t);
    }
    params.push(...Object.entries(parts.options ?? {}));
    return `${scheme}://${auth}${host}:${port}/${db}${query(params)}`;
}

/**
 * The URL of every client of `engine` (see {@link renderUrl}), each a secret Output: a binding holds
 * them all, and each service's variables take the one of its client.
 */
export function clientUrls(
    engine: ClientEngine,
    e: Endpoint,
    transport: Transport,
    options?: Record<string, string>,
): Partial<Record<Client, pulumi.Output<string>>> {
    const parts = pulumi.all([e.host, e.port, e.username, e.password, e.database]);
    return Object.fromEntries(
        CLIENTS[engine].map((client) => [
            client,
            pulumi.secret(
                parts.apply(([host, port, username, password, database]) =>
                    renderUrl(engine, client, { host, port, username, password, database, options }, transport),
                ),
            ),
        ]),
    );
}

/** An AMQP URL (amqps:// with TLS), always a secret. */
export function amqpUrl(e: Endpoint): pulumi.Output<string> {
    return pulumi.secret(
        pulumi
            .all([e.host, e.port, e.username, e.password])
            .apply(([host, port, user, password]) => `${e.tls ? "amqps" : "amqp"}://${enc(user)}:${enc(password)}@${host}:${port}/`),
    );
}
