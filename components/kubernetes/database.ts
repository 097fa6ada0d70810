/**
 * The database tier on Kubernetes.
 *
 * - **PostgreSQL** through the CloudNativePG operator: a `Cluster` with `instances = 1 +
 *   readReplicas` (automated failover: a replica is promoted when the primary fails), the spec's
 *   `parameters`, `bootstrap.initdb` with the app user from a `kubernetes.io/basic-auth` Secret,
 *   storage from `storageGb` and `tierform:storageClass`, TLS on by default. It archives WAL
 *   continuously and takes base backups on the spec's schedule (`ScheduledBackup`) with the spec's
 *   retention to object storage: the `tierform:s3Endpoint` when set, else the system's MinIO
 *   (same namespace: point-in-time recovery, not an off-site copy). The logical `pg_dump` CronJob
 *   of backup.ts runs in every case. Apps connect to `<db>-rw` (primary); `<db>-ro` load-balances the replicas.
 * - **MySQL 8** and **MongoDB** as one-replica StatefulSets (the official images, as their own
 *   non-root uid 999) with a PVC, probes, a headless Service and credentials in a Secret passed by
 *   `secretKeyRef`. Read replicas for these engines need an operator (e.g. MySQL Operator,
 *   Percona) and are not built here.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { createHash } from "crypto";
import type { Database } from "../../spec";
import { databaseUrl, DEFAULT_PORTS } from "../shared/connection";
import { datastoreImage } from "../shared/images";
import {
    DATASTORE_SIZES,
    cpuQuantity,
    logicalName,
    meta,
    secretEnv,
    serviceHost,
    type DatastoreConnection,
    type KubeContext,
} from "./common";
import { archiveBucket, s3Access } from "./bucket";
import { execProbe } from "./stateful";
import { statefulWorkload } from "./stateful";

/** CloudNativePG operand images (PostgreSQL + barman-cloud), the same minors as images.ts pins for Docker. */
export const CNPG_IMAGES: Record<string, string> = {
    "14": "ghcr.io/cloudnative-pg/postgresql:14.15",
    "15": "ghcr.io/cloudnative-pg/postgresql:15.10",
    "16": "ghcr.io/cloudnative-pg/postgresql:16.6",
    "17": "ghcr.io/cloudnative-pg/postgresql:17.2",
};

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
    const mysqlPool = db.engine === "mysql" && typeof db.parameters.innodb_buffer_pool_size === "number" ? db.parameters.innodb_buffer_pool_size / 1048576 : undefined;
    const needed = Math.ceil(Math.max(shared ?? 0, mysqlPool ?? 0) * 2);
    return { cpu: base.cpu, memoryMb: Math.max(base.memoryMb, Math.ceil(needed / 256) * 256) };
}

/** Arguments of {@link KubernetesDatabase}. */
export interface KubernetesDatabaseArgs {
    ctx: KubeContext;
    /** The resolved database spec. */
    database: Database;
    /**
     * Resources (operator Helm releases) the CloudNativePG `Cluster` must wait for.
     * @default []
     */
    operators?: pulumi.Resource[];
    /**
     * Resources the WAL archive needs first (the in-namespace MinIO and its buckets).
     * @default []
     */
    objectStore?: pulumi.Resource[];
}

/** One database: a CloudNativePG Cluster (postgres) or a StatefulSet (mysql, mongodb). */
export class KubernetesDatabase extends pulumi.ComponentResource {
    /** How apps connect. */
    readonly connection: DatastoreConnection;
    /** Secret holding the credentials the backup job uses, and its keys. */
    readonly backupCredentials: { secretName: string; usernameKey: string; passwordKey: string; username: string };

    constructor(name: string, args: KubernetesDatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
        super("tierform:kubernetes:Database", name, {}, opts);
        const { ctx, database: db } = args;
        const child = { parent: this };
        const password = new random.RandomPassword(logicalName(ctx, db.name, "password"), { length: 32, special: false }, child);
        const resources = databaseResources(ctx, db);

        if (db.engine === "postgres") {
            const image = CNPG_IMAGES[db.version.split(".")[0]];
            if (!image) throw new Error(`no CloudNativePG image for postgres ${db.version}; known: ${Object.keys(CNPG_IMAGES).join(", ")}`);
            const secretName = `${db.name}-app`;
            const secret = new k8s.core.v1.Secret(
                logicalName(ctx, db.name, "app"),
                {
                    metadata: meta(ctx, secretName, db.name, "secrets"),
                    type: "kubernetes.io/basic-auth",
                    stringData: { username: db.username, password: password.result },
                },
                child,
            );
            const s3 = s3Access(ctx);
            const parameters = Object.fromEntries(Object.entries(db.parameters).map(([k, v]) => [k, String(v)]));
            const cluster = new k8s.apiextensions.CustomResource(
                logicalName(ctx, db.name),
                {
                    apiVersion: "postgresql.cnpg.io/v1",
                    kind: "Cluster",
                    metadata: meta(ctx, db.name, db.name, "database"),
                    spec: {
                        instances: 1 + db.readReplicas,
                        imageName: image,
                        primaryUpdateStrategy: "unsupervised",
                        enableSuperuserAccess: false,
                        postgresql: { parameters },
                        bootstrap: { initdb: { database: db.databaseName, owner: db.username, secret: { name: secretName } } },
                        storage: { size: `${db.storageGb}Gi`, ...(ctx.settings.storageClass ? { storageClass: ctx.settings.storageClass } : {}) },
                        resources: {
                            requests: { cpu: cpuQuantity(resources.cpu), memory: `${resources.memoryMb}Mi` },
                            limits: { cpu: cpuQuantity(resources.cpu), memory: `${resources.memoryMb}Mi` },
                        },
                        affinity: { enablePodAntiAffinity: true, topologyKey: "kubernetes.io/hostname", podAntiAffinityType: "preferred" },
                        inheritedMetadata: { labels: meta(ctx, db.name, db.name, "database").labels },
                        monitoring: { enablePodMonitor: ctx.settings.monitoringCrds },
                        backup: {
                            retentionPolicy: `${db.backup.retentionDays}d`,
                            barmanObjectStore: {
                                destinationPath: `s3://${archiveBucket(ctx)}/${db.name}`,
                                endpointURL: s3.endpointUrl,
                                s3Credentials: {
                                    accessKeyId: { name: s3.secretName, key: "AWS_ACCESS_KEY_ID" },
                                    secretAccessKey: { name: s3.secretName, key: "AWS_SECRET_ACCESS_KEY" },
                                },
                                wal: { compression: "gzip" },
                                data: { compression: "gzip" },
                            },
                        },
                    },
                },
                { parent: this, dependsOn: [secret, ...(args.operators ?? []), ...(args.objectStore ?? [])] },
            );
            const scheduled = new k8s.apiextensions.CustomResource(
                logicalName(ctx, db.name, "scheduled-backup"),
                {
                    apiVersion: "postgresql.cnpg.io/v1",
                    kind: "ScheduledBackup",
                    metadata: meta(ctx, `${db.name}-scheduled`, db.name, "backup"),
                    // CloudNativePG schedules have a leading seconds field.
                    spec: { schedule: `0 ${db.backup.schedule}`, immediate: true, backupOwnerReference: "self", method: "barmanObjectStore", cluster: { name: db.name } },
                },
                { parent: this, dependsOn: [cluster] },
            );
            const ready: pulumi.Resource[] = [cluster, scheduled];
            const host = serviceHost(`${db.name}-rw`, ctx.namespaceName);
            this.connection = {
                host,
                port: DEFAULT_PORTS.postgres,
                readerHosts: db.readReplicas > 0 ? [serviceHost(`${db.name}-ro`, ctx.namespaceName)] : undefined,
                url: databaseUrl("postgres", { host, port: DEFAULT_PORTS.postgres, username: db.username, password: password.result, database: db.databaseName, tls: true }),
                ready,
            };
            this.backupCredentials = { secretName, usernameKey: "username", passwordKey: "password", username: db.username };
            this.registerOutputs({ endpoint: host });
            return;
        }

        const rootPassword = new random.RandomPassword(logicalName(ctx, db.name, "root-password"), { length: 32, special: false }, child);
        const secretName = `${db.name}-credentials`;
        const secret = new k8s.core.v1.Secret(
            logicalName(ctx, db.name, "credentials"),
            {
                metadata: meta(ctx, secretName, db.name, "secrets"),
                type: "Opaque",
                stringData: { username: db.username, password: password.result, "root-username": "root", "root-password": rootPassword.result },
            },
            child,
        );
        const host = serviceHost(db.name, ctx.namespaceName);
        let workload: ReturnType<typeof statefulWorkload>;
        if (db.engine === "mysql") {
            const cnf = ["[mysqld]", ...Object.entries(db.parameters).map(([k, v]) => `${k} = ${v}`), ""].join("\n");
            const config = new k8s.core.v1.ConfigMap(logicalName(ctx, db.name, "config"), { metadata: meta(ctx, `${db.name}-config`, db.name, "database"), data: { "tierform.cnf": cnf } }, child);
            workload = statefulWorkload(
                ctx,
                {
                    component: db.name,
                    tier: "database",
                    image: datastoreImage("mysql", db.version),
                    uid: 999,
                    gid: 999,
                    ports: [{ name: "mysql", port: DEFAULT_PORTS.mysql }],
                    env: [
                        { name: "MYSQL_DATABASE", value: db.databaseName },
                        secretEnv("MYSQL_USER", secretName, "username"),
                        secretEnv("MYSQL_PASSWORD", secretName, "password"),
                        secretEnv("MYSQL_ROOT_PASSWORD", secretName, "root-password"),
                    ],
                    dataPath: "/var/lib/mysql",
                    storageGb: db.storageGb,
                    writablePaths: ["/var/run/mysqld", "/tmp"],
                    extraVolumes: [{ volume: { name: "config", configMap: { name: `${db.name}-config` } }, mount: { name: "config", mountPath: "/etc/mysql/conf.d", readOnly: true } }],
                    // `mysqladmin ping` exits 0 whenever the server answers (even "access denied").
                    liveness: execProbe(["mysqladmin", "ping", "--host=127.0.0.1", "--silent"], 30),
                    readiness: execProbe(["sh", "-c", 'MYSQL_PWD="$MYSQL_ROOT_PASSWORD" mysql --host=127.0.0.1 --user=root --execute="SELECT 1"'], 10, 10),
                    startup: execProbe(["mysqladmin", "ping", "--host=127.0.0.1", "--silent"], 10, 10, 5, 60),
                    resources,
                    podAnnotations: { "tierform.io/config-sha256": createHash("sha256").update(cnf).digest("hex").slice(0, 16) },
                },
                { parent: this, dependsOn: [secret, config] },
            );
            this.backupCredentials = { secretName, usernameKey: "root-username", passwordKey: "root-password", username: "root" };
        } else {
            const init = [
                "// Creates the application user in the admin database (authSource=admin), readWrite on its database.",
                'db.getSiblingDB("admin").createUser({',
                "    user: process.env.MONGO_APP_USERNAME,",
                "    pwd: process.env.MONGO_APP_PASSWORD,",
                "    roles: [{ role: \"readWrite\", db: process.env.MONGO_INITDB_DATABASE }],",
                "});",
                "",
            ].join("\n");
            const initMap = new k8s.core.v1.ConfigMap(logicalName(ctx, db.name, "init"), { metadata: meta(ctx, `${db.name}-init`, db.name, "database"), data: { "10-app-user.js": init } }, child);
            const ping = ["mongosh", "--quiet", "--norc", "--eval", "db.adminCommand('ping').ok"];
            workload = statefulWorkload(
                ctx,
                {
                    component: db.name,
                    tier: "database",
                    image: datastoreImage("mongodb", db.version),
                    uid: 999,
                    gid: 999,
                    ports: [{ name: "mongodb", port: DEFAULT_PORTS.mongodb }],
                    env: [
                        { name: "HOME", value: "/tmp" },
                        { name: "MONGO_INITDB_DATABASE", value: db.databaseName },
                        secretEnv("MONGO_INITDB_ROOT_USERNAME", secretName, "root-username"),
                        secretEnv("MONGO_INITDB_ROOT_PASSWORD", secretName, "root-password"),
                        secretEnv("MONGO_APP_USERNAME", secretName, "username"),
                        secretEnv("MONGO_APP_PASSWORD", secretName, "password"),
                    ],
                    dataPath: "/data/db",
                    storageGb: db.storageGb,
                    writablePaths: ["/data/configdb", "/tmp"],
                    extraVolumes: [{ volume: { name: "init", configMap: { name: `${db.name}-init` } }, mount: { name: "init", mountPath: "/docker-entrypoint-initdb.d", readOnly: true } }],
                    liveness: execProbe(ping, 30),
                    readiness: execProbe(ping, 10, 10),
                    startup: execProbe(ping, 10, 10, 5, 60),
                    resources,
                },
                { parent: this, dependsOn: [secret, initMap] },
            );
            this.backupCredentials = { secretName, usernameKey: "root-username", passwordKey: "root-password", username: "root" };
        }
        const port = db.engine === "mysql" ? DEFAULT_PORTS.mysql : DEFAULT_PORTS.mongodb;
        this.connection = {
            host,
            port,
            url: databaseUrl(db.engine, { host, port, username: db.username, password: password.result, database: db.databaseName }),
            ready: [workload.statefulSet, workload.service],
        };
        this.registerOutputs({ endpoint: host });
    }
}
