/**
 * A PostgreSQL, MySQL or MongoDB container: the official image pinned in images.ts, run as the
 * image's own non-root user, data on a named volume, the spec's `parameters` as server flags, a
 * health check that needs no password, attached only to the internal data network and never
 * published. Passwords are generated and handed to the image as `*_FILE` files (mode 0400, owned
 * by the database user) uploaded into a small config volume: never on argv, never in `docker
 * inspect`'s environment. `pulumi up` waits until it is healthy (so migrations meet a ready
 * server); its data volume is `protect`ed where the profile asks for deletion protection.
 *
 * Dev has no read replicas: `readReplicas` is a staging/prod concern (CloudNativePG, RDS).
 */
import type * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { clientUrls, DEFAULT_PORTS } from "../shared/connection";
import type { ConnectionValues } from "../contract";
import { DEFAULT_CLIENT, type DatastorePlanOf, type DatastoreSpecs } from "../../plan";
import { datastoreImage } from "../shared/images";
import { resourceName } from "../shared/naming";
import { CONFIG_DIR, datastoreResources, type DatastoreArgs, generatePassword, secretOf, tierContainer, type ConfigFile } from "./common";
import { DOCKER_LABEL } from "../../conventions/labels";

/** A database's spec entry, every default resolved. */
type Database = DatastoreSpecs["database"];

/** How tierform runs each engine's official image. */
interface EngineProfile {
    /** The image's own non-root user (uid:gid), the owner of its data directory. */
    user: string;
    port: number;
    /** Where the named data volume is mounted: the image's own VOLUME for that version. */
    dataPath: (db: Database) => string;
    /** Paths the server writes outside its data volume (tmpfs under the read-only root). */
    writable: string[];
    /** Server argv: the spec's parameters as flags. */
    command: (db: Database) => string[];
    /** Environment: names only point at files, never hold a password. */
    env: (db: Database) => Record<string, string>;
    healthcheck: (db: Database) => string[];
}

const PASSWORD_FILE = `${CONFIG_DIR}/password`;

/**
 * Where the official postgres image of a major version keeps its data: the VOLUME to mount the
 * named volume on, and PGDATA. 14–17: `VOLUME /var/lib/postgresql/data` (PGDATA a subdirectory of
 * it, so initdb never meets a non-empty mount point). 18 and later: docker-library/postgres
 * 18/alpine3.23/Dockerfile (commit ec0cb67): "in 18+, PGDATA has changed to match the
 * pg_ctlcluster standard directory structure, and the VOLUME has moved from
 * /var/lib/postgresql/data to /var/lib/postgresql" — `ENV PGDATA /var/lib/postgresql/18/docker`,
 * `VOLUME /var/lib/postgresql` (created 1777, owned by postgres). Mounting the old path there
 * leaves a root-owned empty volume (the image has no such directory to copy its owner from), the
 * entrypoint's `mkdir` as uid 70 is refused, and the image's own VOLUME becomes an unlabelled
 * anonymous volume.
 */
export function postgresLayout(version: string): { volume: string; pgdata: string } {
    const major = Number(version.split(".")[0]);
    return major >= 18
        ? { volume: "/var/lib/postgresql", pgdata: `/var/lib/postgresql/${major}/docker` }
        : { volume: "/var/lib/postgresql/data", pgdata: "/var/lib/postgresql/data/pgdata" };
}
const ROOT_PASSWORD_FILE = `${CONFIG_DIR}/root-password`;

/**
 * Engine profiles. uids: postgres:*-alpine creates `postgres` as 70:70; mysql (Oracle Linux) and
 * mongo (Ubuntu) create `mysql` / `mongodb` as 999:999. Each image's data directory is owned by
 * that user, and Docker copies the owner onto a fresh named volume, so no root step is needed.
 */
export const ENGINES: Record<Database["engine"], EngineProfile> = {
    postgres: {
        user: "70:70",
        port: DEFAULT_PORTS.postgres,
        dataPath: (db) => postgresLayout(db.version).volume,
        writable: ["/tmp", "/var/run/postgresql"],
        command: (db) => [
            "postgres",
            "-c",
            "listen_addresses=*",
            ...Object.entries(db.parameters).flatMap(([k, v]) => ["-c", `${k}=${v}`]),
        ],
        env: (db) => ({
            POSTGRES_USER: db.username,
            POSTGRES_DB: db.databaseName,
            POSTGRES_PASSWORD_FILE: PASSWORD_FILE,
            POSTGRES_INITDB_ARGS: "--auth-host=scram-sha-256",
            PGDATA: postgresLayout(db.version).pgdata,
        }),
        healthcheck: (db) => [
            "CMD",
            "pg_isready",
            "-h",
            "127.0.0.1",
            "-p",
            String(DEFAULT_PORTS.postgres),
            "-U",
            db.username,
            "-d",
            db.databaseName,
        ],
    },
    mysql: {
        user: "999:999",
        port: DEFAULT_PORTS.mysql,
        dataPath: () => "/var/lib/mysql",
        writable: ["/tmp", "/var/run/mysqld"],
        command: (db) => ["mysqld", ...Object.entries(db.parameters).map(([k, v]) => `--${k.replace(/_/g, "-")}=${v}`)],
        env: (db) => ({
            MYSQL_DATABASE: db.databaseName,
            MYSQL_USER: db.username,
            MYSQL_PASSWORD_FILE: PASSWORD_FILE,
            MYSQL_ROOT_PASSWORD_FILE: ROOT_PASSWORD_FILE,
        }),
        // `mysqladmin ping` exits 0 whenever the server answers, even "access denied": no credentials needed.
        healthcheck: () => ["CMD", "mysqladmin", "ping", "-h", "127.0.0.1", "--silent"],
    },
    mongodb: {
        user: "999:999",
        port: DEFAULT_PORTS.mongodb,
        dataPath: () => "/data/db",
        // /data/configdb is a VOLUME of the image; a tmpfs there avoids an unlabelled anonymous volume.
        writable: ["/tmp", "/data/configdb"],
        command: (db) => {
            const params: Record<string, string | number> = { wiredTigerCacheSizeGB: 0.25, ...db.parameters };
            return ["mongod", "--bind_ip_all", ...Object.entries(params).map(([k, v]) => `--${k}=${v}`)];
        },
        env: (db) => ({
            MONGO_INITDB_ROOT_USERNAME: db.username,
            MONGO_INITDB_ROOT_PASSWORD_FILE: PASSWORD_FILE,
            MONGO_INITDB_DATABASE: db.databaseName,
        }),
        // Passes only on the real server with its root user: on a first start the image's
        // docker-entrypoint.sh (docker-library/mongo 7.0 and 8.0, mainline) first runs a temporary
        // `mongod --bind_ip 127.0.0.1 --fork` WITHOUT --auth, creates the root user in it
        // (`db.createUser`), shuts it down and only then execs the real `mongod --auth
        // --bind_ip_all`. A `ping` on localhost (no authentication needed) passes against that
        // temporary server, so dependents started before the user existed. This check connects to
        // the container's own host name (its network address: the temporary server is not
        // listening there) and authenticates as the root user, the password read by mongosh from
        // the 0400 file (never on argv; the username is [a-z0-9_], model/schema.ts).
        healthcheck: (db) => [
            "CMD",
            "mongosh",
            "--quiet",
            "--norc",
            "--host",
            db.name,
            "--eval",
            `db.getSiblingDB('admin').auth('${db.username}', fs.readFileSync('${PASSWORD_FILE}', 'utf8').trim()); quit(db.adminCommand({ ping: 1 }).ok ? 0 : 1)`,
        ],
    },
};

/** A size setting in MiB: bytes as a number, or PostgreSQL/MySQL units ("4GB", "512MB", "1G", "16MB", "8kB"); undefined when unreadable. */
export function sizeMb(value: string | number | boolean | undefined): number | undefined {
    if (typeof value === "number") return value / (1024 * 1024);
    if (typeof value !== "string") return undefined;
    const m = /^(\d+(?:\.\d+)?)\s*([kKmMgGtT]?)[bB]?$/.exec(value.trim());
    if (!m) return undefined;
    const unit = { "": 1 / (1024 * 1024), k: 1 / 1024, m: 1, g: 1024, t: 1024 * 1024 }[m[2].toLowerCase() as "" | "k" | "m" | "g" | "t"];
    // A bare number is bytes for MySQL; for PostgreSQL's shared_buffers it is 8 kB pages.
    return Number(m[1]) * unit;
}

/**
 * The memory (MiB) a database container needs for the engine's own buffers: the spec's
 * `shared_buffers` (PostgreSQL), `innodb_buffer_pool_size` (MySQL) or `wiredTigerCacheSizeGB`
 * (MongoDB), plus half as much again and 512 MiB for connections, sorts and the server itself,
 * rounded up to 256 MiB. A container limited below its buffers is OOM-killed as they fill.
 */
export function engineMemoryMb(db: Pick<Database, "engine" | "parameters">): number {
    const p = db.parameters as Record<string, string | number | boolean>;
    const pgPages = db.engine === "postgres" && typeof p.shared_buffers === "number" ? (p.shared_buffers * 8) / 1024 : undefined;
    const buffers =
        db.engine === "postgres"
            ? (pgPages ?? sizeMb(p.shared_buffers) ?? 128)
            : db.engine === "mysql"
              ? (sizeMb(p.innodb_buffer_pool_size) ?? 128)
              : Number(p.wiredTigerCacheSizeGB ?? 0.25) * 1024;
    return Math.ceil((buffers * 1.5 + 512) / 256) * 256;
}

/** Arguments of {@link DockerDatabase}; `resources` @default by the profile's dataSize (small: 1024 MiB / 1 CPU), raised to {@link engineMemoryMb}. */
export interface DockerDatabaseArgs extends DatastoreArgs {
    /** The database's plan entry: its spec (engine, version, names, parameters) and transport. */
    database: DatastorePlanOf<"database">;
}

/** One database container with its volume and generated credentials. */
export class DockerDatabase extends pulumi.ComponentResource {
    readonly container: docker.Container;
    readonly volume: docker.Volume;
    /** Host name on the data network: the datastore's name in the spec. */
    readonly host: string;
    readonly port: number;
    /** The image, e.g. `postgres:14.24-alpine`. */
    readonly image: string;
    /** The image's non-root user (uid:gid) the server runs as. */
    readonly user: string;
    readonly username: string;
    /** The application user's password (secret). */
    readonly password: pulumi.Output<string>;
    /** `host:port` on the data network. */
    readonly endpoint: string;
    /** Full connection URL with credentials (secret), in the engine's default client dialect. */
    readonly connectionString: pulumi.Output<string>;
    /** The URL of every client and the discrete parts (plain text on the data network: the plan's `transport`, plan/transport.ts). */
    readonly connection: ConnectionValues;

    constructor(name: string, args: DockerDatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
        super("tierform:docker:Database", name, {}, opts);
        const { system } = args;
        const db = args.database.spec;
        const engine = ENGINES[db.engine];
        this.image = datastoreImage(db.engine, db.version);
        this.user = engine.user;
        this.host = db.name;
        this.port = engine.port;
        this.username = db.username;
        this.endpoint = `${this.host}:${this.port}`;

        const password = generatePassword(resourceName([name, "password"]), this);
        this.password = secretOf(password);
        const files: ConfigFile[] = [{ name: "password", content: this.password }];
        if (db.engine === "mysql")
            files.push({ name: "root-password", content: secretOf(generatePassword(resourceName([name, "root-password"]), this)) });

        const base = args.resources ?? datastoreResources(system);
        const needed = engineMemoryMb(db);
        const resources = { ...base, memoryMb: Math.max(base.memoryMb, needed) };
        const server = tierContainer(
            resourceName([name]),
            {
                system,
                tier: "database",
                datastore: db.name,
                image: this.image,
                user: engine.user,
                // Never below what the engine's own buffers need (the plan's `tierform.memory-from` label says why).
                resources: resources,
                networks: [{ name: args.network, aliases: [db.name] }],
                hostname: db.name,
                command: engine.command(db),
                env: engine.env(db),
                files,
                data: { path: engine.dataPath(db) },
                writablePaths: engine.writable,
                shmSizeMb: db.engine === "postgres" ? 256 : undefined,
                healthcheck: { tests: engine.healthcheck(db), interval: "10s", timeout: "5s", retries: 5, startPeriod: "30s" },
                // A first start initialises the data directory: MySQL's can take a minute on a laptop.
                waitTimeoutSeconds: 300,
                labels: {
                    [DOCKER_LABEL.engine]: db.engine,
                    "tierform.memory-from": needed > base.memoryMb ? `engine buffers (${needed} MiB)` : "profile",
                },
            },
            this,
        );
        this.container = server.container;
        this.volume = server.volume!;
        const endpoint = { host: this.host, port: this.port, username: db.username, password: this.password, database: db.databaseName };
        const urls = clientUrls(db.engine, endpoint, args.database.transport);
        this.connectionString = urls[DEFAULT_CLIENT[db.engine]]!;
        this.connection = {
            urls,
            host: this.host,
            port: String(this.port),
            user: db.username,
            password: this.password,
            database: db.databaseName,
        };
        this.registerOutputs({ endpoint: this.endpoint, connectionString: this.connectionString, container: this.container.name });
    }
}
