/**
 * The database tier on Kubernetes.
 *
 * - **PostgreSQL** through the CloudNativePG operator: a `Cluster` with `instances = 1 +
 *   readReplicas` (automated failover: a replica is promoted when the primary fails), the spec's
 *   `parameters`, `bootstrap.initdb` with the app user from a `kubernetes.io/basic-auth` Secret,
 *   storage from `storageGb` and `tierform:storageClass`, TLS on by default. It archives WAL
 *   continuously and takes base backups on the spec's schedule (`ScheduledBackup`) with the spec's
 *   retention to object storage through the Barman Cloud plugin (an `ObjectStore` per database,
 *   {@link barmanObjectStore}): the `tierform:s3Endpoint` when set, else the system's SeaweedFS
 *   (same namespace: point-in-time recovery, not an off-site copy). The logical `pg_dump` CronJob
 *   of backup.ts runs in every case. Apps connect to `<db>-rw` (primary); `<db>-ro` load-balances the replicas.
 * - **MySQL 8** and **MongoDB** as one-replica StatefulSets (the official images, as their own
 *   non-root uid 999) with a PVC, probes, a headless Service and credentials in a Secret passed by
 *   `secretKeyRef`. Read replicas for these engines need an operator (e.g. MySQL Operator,
 *   Percona) and are not built here.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import { clientUrls, DEFAULT_PORTS } from "../shared/connection";
import { DEFAULT_CLIENT, type DatastoreSpecs } from "../../plan";
import { CNPG_POSTGRES_IMAGES, datastoreImage } from "../shared/images";
import { deletionSafety, logicalName, meta, serviceHost, type KubeContext } from "./context";
import { type DatastoreConnection } from "./context";
import { DATASTORE_SIZES, cpuQuantity, execProbe } from "./pods";
import { componentSecret, generatedPassword, secretEnvs } from "./secrets";
import type { BackupCredentials } from "./backup";
import { s3Access, s3SecretName, walArchiveBucket } from "./object-store";
import { statefulWorkload, type StatefulWorkloadArgs } from "./stateful";
import { K8S_ANNOTATION } from "../../conventions/labels";

/** A database's spec entry, every default resolved (the plan's `datastores.<name>.spec`). */
type Database = DatastoreSpecs["database"];

/** `4GB`, `512MB`, `16MB`, `1024kB` (PostgreSQL memory units) in MiB; undefined when not a size. */
export function memoryMiB(value: string | number | undefined): number | undefined {
    if (value === undefined) return undefined;
    const m = /^(\d+(?:\.\d+)?)\s*(kB|MB|GB|TB)?$/.exec(String(value).trim());
    if (!m) return undefined;
    const n = Number(m[1]);
    const unit = m[2] ?? "kB8"; // a bare number of shared_buffers is 8 kB pages
    const factor: Record<string, number> = { kB: 1 / 1024, MB: 1, GB: 1024, TB: 1024 * 1024, kB8: 8 / 1024 };
    return n * factor[unit];
}

/**
 * CPU and memory of a database pod: the profile's size, with memory raised to at least twice
 * `shared_buffers` (Asset Management's 4GB would be OOM-killed in a 2Gi pod).
 */
export function databaseResources(ctx: KubeContext, db: Database): { cpu: number; memoryMb: number } {
    const base = DATASTORE_SIZES[ctx.system.profile.dataSize];
    const shared = db.engine === "postgres" ? memoryMiB(db.parameters.shared_buffers) : undefined;
    const mysqlPool =
        db.engine === "mysql" && typeof db.parameters.innodb_buffer_pool_size === "number"
            ? db.parameters.innodb_buffer_pool_size / 1048576
            : undefined;
    const needed = Math.ceil(Math.max(shared ?? 0, mysqlPool ?? 0) * 2);
    return { cpu: base.cpu, memoryMb: Math.max(base.memoryMb, Math.ceil(needed / 256) * 256) };
}

/**
 * The await annotation of a CloudNativePG `Cluster`: Pulumi does not await custom resources (a
 * Cluster counts as created as soon as the API server accepts it), so everything that waits for
 * the database would start while the operator still pulls images and runs initdb.
 * `pulumi.com/waitFor` (pulumi-kubernetes ≥ 4.18.0, CHANGELOG "EXPERIMENTAL: The
 * `pulumi.com/waitFor` annotation", https://www.pulumi.com/registry/packages/kubernetes/how-to-guides/await-logic/)
 * makes `pulumi up` wait for the Cluster's `Ready` condition, which CloudNativePG sets once the
 * primary (and replicas) run (`api/v1/cluster_types.go` ConditionClusterReady).
 */
export const CNPG_AWAIT = { "pulumi.com/waitFor": "condition=Ready" } as const;

/**
 * The archive a CloudNativePG cluster of generation `generation` writes to: `<db>` for generation
 * 0, `<db>-g<N>` after. Barman refuses to archive into a path that already holds another
 * cluster's WAL ("Expected empty archive"), so a recovered cluster needs a server name of its own.
 */
export function archiveServerName(db: string, generation: number): string {
    return generation === 0 ? db : `${db}-g${generation}`;
}

/**
 * The CNPG-I plugin that archives WAL and takes base backups: the Barman Cloud plugin (the
 * in-tree `spec.backup.barmanObjectStore` is deprecated and goes in CloudNativePG 1.31.0 —
 * cloudnative-pg docs/src/release_notes/v1.30.md @ v1.30.0 "Important changes").
 */
export const BARMAN_CLOUD_PLUGIN = "barman-cloud.cloudnative-pg.io";

/** Name of the `ObjectStore` (`barmancloud.cnpg.io/v1`) of database `db`: `<db>-archive`. */
export function objectStoreName(db: string): string {
    return `${db}-archive`;
}

/** CPU and memory of the plugin's sidecar in each instance pod (`instanceSidecarConfiguration.resources`): barman-cloud's uploads and restores. */
export const BARMAN_SIDECAR_RESOURCES = {
    requests: { cpu: "100m", memory: "128Mi" },
    limits: { cpu: "1", memory: "512Mi" },
} as const;

/**
 * The spec of a database's `ObjectStore`, what the Cluster's in-tree `barmanObjectStore` held
 * ("a direct mapping … to the `.spec.configuration` field", plugin-barman-cloud v0.14.0
 * web/docs/migration.md): the WAL archive bucket ({@link walArchiveBucket}: no lifecycle rule) and path, the S3 endpoint, the backups identity's
 * keys, gzip for WAL and base backups; the retention moves from the Cluster to the ObjectStore's
 * `spec.retentionPolicy`. No `serverName` here: it "must always be left empty" — each Cluster
 * names its archive in the plugin parameters (web/docs/usage.md). WAL moves 4 segments at a time
 * (archive and restore). The sidecar runs with the Cluster's `env` (merged from the postgres
 * container, internal/cnpgi/operator/lifecycle.go @ v0.14.0) and the limits {@link BARMAN_SIDECAR_RESOURCES}.
 */
export function barmanObjectStore(ctx: KubeContext, db: Database): Record<string, unknown> {
    const keys = s3SecretName(ctx, "backups");
    return {
        configuration: {
            destinationPath: `s3://${walArchiveBucket(ctx)}/${db.name}`,
            endpointURL: s3Access(ctx).endpointUrl,
            s3Credentials: {
                accessKeyId: { name: keys, key: "AWS_ACCESS_KEY_ID" },
                secretAccessKey: { name: keys, key: "AWS_SECRET_ACCESS_KEY" },
            },
            wal: { compression: "gzip", maxParallel: 4 },
            data: { compression: "gzip" },
        },
        retentionPolicy: `${db.backup.retentionDays}d`,
        instanceSidecarConfiguration: { resources: BARMAN_SIDECAR_RESOURCES },
    };
}

/** The plugin parameters naming `db`'s ObjectStore and the archive (server name) of `generation` in it. */
function pluginParameters(db: Database, generation: number): Record<string, string> {
    return { barmanObjectName: objectStoreName(db.name), serverName: archiveServerName(db.name, generation) };
}

/**
 * How a CloudNativePG cluster starts and archives: `initdb` (generation 0), or — the "recover
 * after a mistaken destroy" path — `bootstrap.recovery` from the previous generation's base
 * backups and WAL (an `externalClusters[]` entry reading the same ObjectStore through the plugin
 * with that generation's server name), to the end of the archived WAL; in both cases the plugin
 * archives this generation's WAL (`spec.plugins`, `isWALArchiver`) under its own server name
 * (plugin-barman-cloud v0.14.0 web/docs/usage.md "Restoring a Cluster", web/docs/migration.md
 * step 4). The app user's password is reset from the (new) `-app` Secret by the operator's
 * `owner`/`secret`.
 */
export function postgresBootstrap(ctx: KubeContext, db: Database, appSecret: string): Record<string, unknown> {
    const generation = ctx.settings.archiveGeneration;
    const plugins = [{ name: BARMAN_CLOUD_PLUGIN, isWALArchiver: true, parameters: pluginParameters(db, generation) }];
    if (generation === 0)
        return { bootstrap: { initdb: { database: db.databaseName, owner: db.username, secret: { name: appSecret } } }, plugins };
    const source = archiveServerName(db.name, generation - 1);
    return {
        bootstrap: { recovery: { source, database: db.databaseName, owner: db.username, secret: { name: appSecret } } },
        plugins,
        externalClusters: [{ name: source, plugin: { name: BARMAN_CLOUD_PLUGIN, parameters: pluginParameters(db, generation - 1) } }],
    };
}

/** What sets MySQL and MongoDB apart on the shared StatefulSet: everything else is alike. */
export interface EngineWorkload {
    /** The engine's ConfigMap `<db>-<volume>`: one file, mounted read-only at `mountPath`. */
    config: { volume: string; file: string; content: string; mountPath: string };
    /** Pods roll when the file changes (MySQL reads it at every start; MongoDB's init script runs once). */
    rollOnConfigChange: boolean;
    /** The engine's part of the StatefulSet: ports, environment, paths, probes. */
    workload: Pick<StatefulWorkloadArgs, "ports" | "env" | "dataPath" | "writablePaths" | "liveness" | "readiness" | "startup">;
}

/**
 * MySQL 8: the spec's parameters as `conf.d/tierform.cnf`, users from the credentials Secret,
 * `mysqladmin ping` (exit 0 whenever the server answers) for liveness, a real query for readiness.
 */
export function mysqlWorkload(db: Database, secretName: string): EngineWorkload {
    const ping = ["mysqladmin", "ping", "--host=127.0.0.1", "--silent"];
    return {
        config: {
            volume: "config",
            file: "tierform.cnf",
            content: ["[mysqld]", ...Object.entries(db.parameters).map(([k, v]) => `${k} = ${v}`), ""].join("\n"),
            mountPath: "/etc/mysql/conf.d",
        },
        rollOnConfigChange: true,
        workload: {
            ports: [{ name: "mysql", port: DEFAULT_PORTS.mysql }],
            env: [
                { name: "MYSQL_DATABASE", value: db.databaseName },
                ...secretEnvs(secretName, { MYSQL_USER: "username", MYSQL_PASSWORD: "password", MYSQL_ROOT_PASSWORD: "root-password" }),
            ],
            dataPath: "/var/lib/mysql",
            writablePaths: ["/var/run/mysqld", "/tmp"],
            liveness: execProbe(ping, 30),
            readiness: execProbe(
                ["sh", "-c", 'MYSQL_PWD="$MYSQL_ROOT_PASSWORD" mysql --host=127.0.0.1 --user=root --execute="SELECT 1"'],
                10,
                10,
            ),
            startup: execProbe(ping, 10, 10, 5, 60),
        },
    };
}

/** MongoDB: root user from the credentials Secret, an init script creating the app user, authenticated `mongosh` probes on the pod's own address. */
export function mongoWorkload(db: Database, secretName: string): EngineWorkload {
    const init = [
        "// Creates the application user in the admin database (authSource=admin), readWrite on its database.",
        'db.getSiblingDB("admin").createUser({',
        "    user: process.env.MONGO_APP_USERNAME,",
        "    pwd: process.env.MONGO_APP_PASSWORD,",
        '    roles: [{ role: "readWrite", db: process.env.MONGO_INITDB_DATABASE }],',
        "});",
        "",
    ].join("\n");
    // Passes only on the real server, with its users: on a first start the image's docker-entrypoint.sh
    // (docker-library/mongo, 7.0 and 8.0) runs a temporary `mongod --bind_ip 127.0.0.1 --fork` without --auth,
    // creates the root user in it, runs the init scripts (our app user) and shuts it down before exec'ing
    // the real `mongod --auth --bind_ip_all`. A ping on localhost passed against that temporary server (the
    // defect the Docker check had, components/docker/database.ts). This one connects to the pod's own host
    // name (kubelet's /etc/hosts maps it to the pod IP, where the temporary server does not listen),
    // authenticates as root and requires the app user to exist (a variant of the entrypoint binds the
    // temporary server to `hostname -i`; the app user is created last). The credentials are read from the
    // container's environment inside mongosh (process.env, filled from the Secret): never on a command
    // line (`ps`) or in the pod spec.
    const script = [
        "const e = process.env;",
        `const d = connect('mongodb://' + require('os').hostname() + ':${DEFAULT_PORTS.mongodb}/admin');`,
        "d.auth(e.MONGO_INITDB_ROOT_USERNAME, e.MONGO_INITDB_ROOT_PASSWORD);",
        "quit(d.runCommand({ ping: 1 }).ok === 1 && d.getUser(e.MONGO_APP_USERNAME) ? 0 : 1);",
    ].join(" ");
    const ping = ["mongosh", "--quiet", "--norc", "--nodb", "--eval", script];
    return {
        config: { volume: "init", file: "10-app-user.js", content: init, mountPath: "/docker-entrypoint-initdb.d" },
        rollOnConfigChange: false,
        workload: {
            ports: [{ name: "mongodb", port: DEFAULT_PORTS.mongodb }],
            env: [
                { name: "HOME", value: "/tmp" },
                { name: "MONGO_INITDB_DATABASE", value: db.databaseName },
                ...secretEnvs(secretName, {
                    MONGO_INITDB_ROOT_USERNAME: "root-username",
                    MONGO_INITDB_ROOT_PASSWORD: "root-password",
                    MONGO_APP_USERNAME: "username",
                    MONGO_APP_PASSWORD: "password",
                }),
            ],
            dataPath: "/data/db",
            writablePaths: ["/data/configdb", "/tmp"],
            liveness: execProbe(ping, 30),
            readiness: execProbe(ping, 10, 10),
            startup: execProbe(ping, 10, 10, 5, 60),
        },
    };
}

/** Arguments of {@link KubernetesDatabase}. */
export interface KubernetesDatabaseArgs {
    /** Where the tier is built: the system, the stack settings, the namespace. */
    ctx: KubeContext;
    /** The resolved database spec. */
    database: Database;
    /**
     * Resources (operator and plugin Helm releases) the CloudNativePG `Cluster` and its `ObjectStore` must wait for.
     * @default []
     */
    operators?: pulumi.Resource[];
    /**
     * Resources the WAL archive needs first (the in-namespace object store and its buckets).
     * @default []
     */
    objectStore?: pulumi.Resource[];
}

/** One database: a CloudNativePG Cluster (postgres) or a StatefulSet (mysql, mongodb). */
export class KubernetesDatabase extends pulumi.ComponentResource {
    /** How apps connect. */
    readonly connection: DatastoreConnection;
    /** Secret holding the credentials the backup job uses, and its keys. */
    readonly backupCredentials: BackupCredentials;

    constructor(name: string, args: KubernetesDatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
        super("tierform:kubernetes:Database", name, {}, opts);
        const { ctx, database: db } = args;
        const password = generatedPassword(ctx, this, db.name);
        const built = db.engine === "postgres" ? this.postgres(ctx, db, password, args) : this.statefulSet(ctx, db, password);
        this.connection = built.connection;
        this.backupCredentials = built.backupCredentials;
        this.registerOutputs({ endpoint: this.connection.host });
    }

    /** A CloudNativePG `Cluster`, its `ObjectStore` and its `ScheduledBackup`. */
    private postgres(
        ctx: KubeContext,
        db: Database,
        password: pulumi.Output<string>,
        args: KubernetesDatabaseArgs,
    ): Pick<KubernetesDatabase, "connection" | "backupCredentials"> {
        const image = CNPG_POSTGRES_IMAGES[db.version.split(".")[0]];
        if (!image)
            throw new Error(
                `databases.${db.name}.version: no CloudNativePG image for postgres ${db.version}; known: ${Object.keys(CNPG_POSTGRES_IMAGES).join(", ")}`,
            );
        const app = componentSecret(ctx, this, db.name, "app", { username: db.username, password }, "kubernetes.io/basic-auth");
        const resources = databaseResources(ctx, db);
        const limits = { cpu: cpuQuantity(resources.cpu), memory: `${resources.memoryMb}Mi` };
        const store = new k8s.apiextensions.CustomResource(
            logicalName(ctx, db.name, "object-store"),
            {
                apiVersion: "barmancloud.cnpg.io/v1",
                kind: "ObjectStore",
                metadata: meta(ctx, objectStoreName(db.name), db.name, "backup"),
                spec: barmanObjectStore(ctx, db),
            },
            { parent: this, dependsOn: [...(args.operators ?? []), ...(args.objectStore ?? [])] },
        );
        const cluster = new k8s.apiextensions.CustomResource(
            logicalName(ctx, db.name),
            {
                apiVersion: "postgresql.cnpg.io/v1",
                kind: "Cluster",
                metadata: meta(ctx, db.name, db.name, "database", {
                    annotations: { [K8S_ANNOTATION.rpoMinutes]: String(ctx.system.recovery.rpoMinutes), ...CNPG_AWAIT },
                }),
                spec: {
                    instances: 1 + db.readReplicas,
                    // A one-instance cluster's PodDisruptionBudget (minAvailable 1) blocks every node
                    // drain; CloudNativePG ≥ 1.23 leaves it out with enablePDB: false (api/v1/cluster_types.go).
                    enablePDB: db.readReplicas > 0,
                    // barman-cloud (botocore ≥ 1.36) sends CRC checksums by default, which S3 stores
                    // other than AWS may refuse; when_required sends them only where the API needs
                    // them (barman issues #1086/#1112; research note on the object store). The
                    // plugin's sidecar, which runs barman-cloud, inherits the postgres container's env.
                    env: [
                        { name: "AWS_REQUEST_CHECKSUM_CALCULATION", value: "when_required" },
                        { name: "AWS_RESPONSE_CHECKSUM_VALIDATION", value: "when_required" },
                    ],
                    imageName: image,
                    primaryUpdateStrategy: "unsupervised",
                    enableSuperuserAccess: false,
                    postgresql: { parameters: Object.fromEntries(Object.entries(db.parameters).map(([k, v]) => [k, String(v)])) },
                    ...postgresBootstrap(ctx, db, app.name),
                    storage: {
                        size: `${db.storageGb}Gi`,
                        ...(ctx.settings.storageClass ? { storageClass: ctx.settings.storageClass } : {}),
                    },
                    resources: { requests: limits, limits },
                    affinity: { enablePodAntiAffinity: true, topologyKey: "kubernetes.io/hostname", podAntiAffinityType: "preferred" },
                    inheritedMetadata: { labels: meta(ctx, db.name, db.name, "database").labels },
                    monitoring: { enablePodMonitor: ctx.settings.monitoringCrds },
                },
            },
            {
                parent: this,
                ...deletionSafety(ctx.system, false),
                dependsOn: [app.secret, store, ...(args.operators ?? []), ...(args.objectStore ?? [])],
                // Image pull, initdb and the first base backup take minutes on a fresh cluster.
                customTimeouts: { create: "30m", update: "30m" },
            },
        );
        const scheduled = new k8s.apiextensions.CustomResource(
            logicalName(ctx, db.name, "scheduled-backup"),
            {
                apiVersion: "postgresql.cnpg.io/v1",
                kind: "ScheduledBackup",
                metadata: meta(ctx, `${db.name}-scheduled`, db.name, "backup"),
                // CloudNativePG schedules have a leading seconds field.
                spec: {
                    schedule: `0 ${db.backup.schedule}`,
                    immediate: true,
                    backupOwnerReference: "self",
                    // Base backups through the plugin (plugin-barman-cloud v0.14.0 web/docs/migration.md step 3).
                    method: "plugin",
                    pluginConfiguration: { name: BARMAN_CLOUD_PLUGIN },
                    cluster: { name: db.name },
                },
            },
            { parent: this, dependsOn: [cluster] },
        );
        const host = serviceHost(`${db.name}-rw`, ctx.namespaceName);
        const port = DEFAULT_PORTS.postgres;
        return {
            connection: {
                host,
                port,
                readerHosts: db.readReplicas > 0 ? [serviceHost(`${db.name}-ro`, ctx.namespaceName)] : undefined,
                ...connectionOf(ctx, db, { host, port, username: db.username, password, database: db.databaseName }),
                ready: [store, cluster, scheduled],
            },
            backupCredentials: { secretName: app.name, usernameKey: "username", passwordKey: "password", username: db.username },
        };
    }

    /** MySQL or MongoDB on the shared one-replica StatefulSet, with its ConfigMap and credentials. */
    private statefulSet(
        ctx: KubeContext,
        db: Database,
        password: pulumi.Output<string>,
    ): Pick<KubernetesDatabase, "connection" | "backupCredentials"> {
        const rootPassword = generatedPassword(ctx, this, db.name, "root-password");
        const credentials = componentSecret(ctx, this, db.name, "credentials", {
            username: db.username,
            password,
            "root-username": "root",
            "root-password": rootPassword,
        });
        const engine = db.engine === "mysql" ? mysqlWorkload(db, credentials.name) : mongoWorkload(db, credentials.name);
        const { volume, file, content, mountPath } = engine.config;
        const configName = `${db.name}-${volume}`;
        const config = new k8s.core.v1.ConfigMap(
            logicalName(ctx, db.name, volume),
            { metadata: meta(ctx, configName, db.name, "database"), data: { [file]: content } },
            { parent: this },
        );
        const workload = statefulWorkload(
            ctx,
            {
                component: db.name,
                tier: "database",
                image: datastoreImage(db.engine, db.version),
                uid: 999,
                gid: 999,
                ...engine.workload,
                storageGb: db.storageGb,
                extraVolumes: [
                    { volume: { name: volume, configMap: { name: configName } }, mount: { name: volume, mountPath, readOnly: true } },
                ],
                resources: databaseResources(ctx, db),
                ...(engine.rollOnConfigChange
                    ? { podAnnotations: { "tierform.io/config-sha256": createHash("sha256").update(content).digest("hex").slice(0, 16) } }
                    : {}),
            },
            { parent: this, dependsOn: [credentials.secret, config] },
        );
        const port = db.engine === "mysql" ? DEFAULT_PORTS.mysql : DEFAULT_PORTS.mongodb;
        return {
            connection: {
                host: workload.host,
                port,
                ...connectionOf(ctx, db, { host: workload.host, port, username: db.username, password, database: db.databaseName }),
                ready: workload.ready,
            },
            backupCredentials: {
                secretName: credentials.name,
                usernameKey: "root-username",
                passwordKey: "root-password",
                username: "root",
            },
        };
    }
}

/**
 * A database's URL per client (secured as its plan's `transport` says for Kubernetes:
 * PostgreSQL encrypted by CloudNativePG and verified against its CA, which the services' pods
 * mount; MySQL and MongoDB in plain text) and its discrete parts; `url` is the engine's default
 * client's.
 */
function connectionOf(
    ctx: KubeContext,
    db: Database,
    e: { host: string; port: number; username: string; password: pulumi.Output<string>; database: string },
): Pick<DatastoreConnection, "url" | "values"> {
    const transport = ctx.system.datastores[db.name].transport;
    const urls = clientUrls(db.engine, e, transport);
    return {
        url: urls[DEFAULT_CLIENT[db.engine]]!,
        values: {
            urls,
            host: e.host,
            port: String(e.port),
            user: e.username,
            password: e.password,
            database: e.database,
            ...(transport.caFile ? { caFile: transport.caFile } : {}),
        },
    };
}
