/**
 * A relational database (PostgreSQL or MySQL) on Amazon RDS, as the prod checklists of the seeds
 * ask: isolated subnets, Multi-AZ, a customer KMS key for storage, Performance Insights and the
 * credentials secret, TLS enforced by the parameter group, automated backups with PITR, deletion
 * protection and a final snapshot, enhanced monitoring, log exports, IAM authentication, read
 * replicas and a cross-region DR replica.
 *
 * Credentials: the master user is the spec's `username` with a `random.RandomPassword`, and the
 * application connects as that user. RDS's managed master password (`manageMasterUserPassword`)
 * would keep the password out of Pulumi state, but its value exists only inside Secrets Manager
 * after creation, so no `DATABASE_URL` can be composed from it at deploy time, and a separate
 * least-privilege application user needs a SQL-level provider this program does not carry. The
 * password therefore lives as a Pulumi secret in state and in one Secrets Manager secret
 * (KMS-encrypted, RDS's JSON shape plus `url`), which ECS injects through `secrets`; it never
 * appears in plain text. IAM database authentication is on so services can move to short-lived
 * tokens (`rds-db:connect` is in their task policy).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { RDS_CA_BUNDLE_PATH, RDS_CA_BUNDLE_URL } from "./documentdb";
import { clientUrls, DEFAULT_PORTS } from "../shared/connection";
import { DEFAULT_CLIENT, type BackupPlan, type DatastoreSpecs } from "../../plan";
import type { ConnectionValues } from "../contract";
import { awsTags, resourceName } from "../shared/naming";
import { dataAlarm } from "./monitoring";
import {
    finalSnapshotName,
    logExportGroups,
    assumeRolePolicy,
    awsNamePrefix,
    awsPlace,
    dailyWindow,
    databaseSecret,
    isolatedSubnetGroup,
    managedPolicyArn,
    RDS_CLASSES,
    type AwsIsolatedDatastoreArgs,
} from "./common";
import { rdsStandardSupportEnd } from "../../conventions/lifecycle";

/** A database in the DR region: where the cross-region replica goes. */
export interface AwsDrTarget {
    /** Provider for the DR region. */
    provider: aws.Provider;
    /** DR region name, e.g. us-west-2. */
    region: string;
    /** KMS key in the DR region. */
    kmsKeyArn: pulumi.Input<string>;
    /** DB subnet group in the DR region (isolated subnets). */
    dbSubnetGroupName: pulumi.Input<string>;
    /** Security groups for the DR replica. */
    securityGroupIds: pulumi.Input<string>[];
    /** Alarm topic in the DR region (CloudWatch alarms notify only topics of their own region). */
    alarmTopicArn: pulumi.Input<string>;
}

/**
 * The largest gp3 volume RDS gives MariaDB, MySQL and PostgreSQL: 64 TiB (Amazon RDS User Guide,
 * "Amazon RDS DB instance storage", CHAP_Storage.html, storage limits of General Purpose SSD gp3;
 * the storage autoscaling threshold cannot exceed it, USER_PIOPS.Autoscaling.html).
 */
export const RDS_MAX_STORAGE_GIB = 65536;

/**
 * The storage autoscaling ceiling of an RDS instance of `storageGb`: twice the allocated storage,
 * capped at {@link RDS_MAX_STORAGE_GIB}; none (autoscaling off) when the allocation already is the
 * maximum, since the ceiling must lie above the allocation.
 */
export function rdsMaxAllocatedStorage(storageGb: number): number | undefined {
    return storageGb < RDS_MAX_STORAGE_GIB ? Math.min(storageGb * 2, RDS_MAX_STORAGE_GIB) : undefined;
}

/** Arguments of {@link AwsDatabase}; the customer key also encrypts Performance Insights. */
export interface AwsDatabaseArgs extends AwsIsolatedDatastoreArgs {
    /** The resolved database spec; engine postgres or mysql. */
    database: DatastoreSpecs["database"];
    /** Its backup plan (plan/backup.ts): the automated backups' window, retention and point-in-time recovery. */
    backup: BackupPlan;
    /**
     * Where the cross-region DR replica goes.
     * @default no DR replica
     */
    dr?: AwsDrTarget;
    /**
     * Extra tags on the primary, e.g. the tag an AWS Backup selection matches.
     * @default {}
     */
    extraTags?: Record<string, string>;
    /**
     * Instance class of the primary and its replicas.
     * @default by `profile.dataSize`: db.t4g.medium, db.m6g.large, db.r6g.xlarge
     */
    instanceClass?: string;
}

const GiB = 1024 ** 3;

/** Memory-sized engine parameters: their unit in bytes and the largest share of instance memory an absolute value may take. */
const MEMORY_PARAMETERS: Record<"postgres" | "mysql", Record<string, { unitBytes: number; maxShare: number }>> = {
    postgres: {
        shared_buffers: { unitBytes: 8192, maxShare: 0.4 },
        effective_cache_size: { unitBytes: 8192, maxShare: 0.75 },
        maintenance_work_mem: { unitBytes: 1024, maxShare: 0.1 },
        work_mem: { unitBytes: 1024, maxShare: 0.02 },
        wal_buffers: { unitBytes: 8192, maxShare: 0.03 },
        temp_buffers: { unitBytes: 8192, maxShare: 0.02 },
    },
    mysql: {
        innodb_buffer_pool_size: { unitBytes: 1, maxShare: 0.75 },
        innodb_log_file_size: { unitBytes: 1, maxShare: 0.1 },
    },
};

/**
 * RDS's own defaults of memory parameters, as a share of instance memory: a spec value below the
 * default is a floor the default already meets, so it is left to RDS (the seeds size for a smaller
 * box: AuroMart's 1 GiB buffer pool would leave 31 GiB of a db.r6g.xlarge idle). MySQL
 * innodb_buffer_pool_size `{DBInstanceClassMemory*3/4}`, PostgreSQL shared_buffers
 * `{DBInstanceClassMemory/32768}` (8 KiB pages: 25 %) and effective_cache_size
 * `{DBInstanceClassMemory/16384}` (50 %) (RDS default parameter groups, mysql8.0 / postgres16).
 */
const RDS_MEMORY_DEFAULTS: Record<"postgres" | "mysql", Record<string, number>> = {
    postgres: { shared_buffers: 0.25, effective_cache_size: 0.5 },
    mysql: { innodb_buffer_pool_size: 0.75 },
};

/**
 * When each engine version leaves RDS standard support ("mysql 8.0" → 2026-07-31, "postgres 14" →
 * 2027-02-28, …); after it, RDS bills Extended Support unless `engineLifecycleSupport` disables it.
 * The rds rows of the lifecycle table (conventions/lifecycle.ts, with their sources), which the
 * lifecycle policies read too.
 */
export const RDS_STANDARD_SUPPORT_END: Record<string, string> = rdsStandardSupportEnd();

/**
 * `engineLifecycleSupport` of an RDS engine version on `today`: past standard support the database
 * stays on paid RDS Extended Support (disabling it would make RDS refuse the version or upgrade it
 * to the next major version on its own), so that is set explicitly, with a warning naming the cost;
 * otherwise Extended Support is disabled, so no instance slips into it unnoticed.
 */
export function rdsLifecycle(
    engine: "postgres" | "mysql",
    version: string,
    today = new Date(),
): { engineLifecycleSupport: string; warning?: string } {
    const key = `${engine} ${engine === "postgres" ? version.split(".")[0] : version}`;
    const end = RDS_STANDARD_SUPPORT_END[key];
    if (end && today.toISOString().slice(0, 10) > end) {
        return {
            engineLifecycleSupport: "open-source-rds-extended-support",
            warning: `${key} left RDS standard support on ${end}: the instance runs on paid RDS Extended Support (engineLifecycleSupport open-source-rds-extended-support, billed per vCPU-hour); upgrade the spec's version`,
        };
    }
    return { engineLifecycleSupport: "open-source-rds-extended-support-disabled" };
}

/** Tag whose value is the reason an RDS instance is not Multi-AZ; the Multi-AZ policy accepts it, and the plan prints it. */
export const MULTI_AZ_WAIVER_TAG = "multi-az-waiver";
/** The DR replica's waiver. */
export const DR_REPLICA_WAIVER = "cross-region DR standby: modify to Multi-AZ when promoted";

/** Parameters that take effect only after a reboot (`applyMethod: pending-reboot`). */
const STATIC_PARAMETERS = new Set([
    "shared_buffers",
    "max_connections",
    "wal_buffers",
    "max_worker_processes",
    "max_wal_senders",
    "max_replication_slots",
    "shared_preload_libraries",
    "max_locks_per_transaction",
    "max_prepared_transactions",
    "innodb_log_file_size",
    "innodb_buffer_pool_instances",
]);

/** Bytes of a size such as "4GB", "16MB", "512kB" or a plain number of bytes; undefined when not a size. */
export function sizeBytes(value: string | number): number | undefined {
    if (typeof value === "number") return value;
    const m = /^\s*(\d+(?:\.\d+)?)\s*(B|kB|KB|MB|GB|TB)?\s*$/i.exec(value);
    if (!m) return undefined;
    const mult: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3, tb: 1024 ** 4 };
    return Math.round(Number(m[1]) * mult[(m[2] ?? "b").toLowerCase()]);
}

/** One parameter of an RDS parameter group, as {@link rdsParameters} returns it. */
export interface RdsParameter {
    name: string;
    value: string;
    applyMethod: "immediate" | "pending-reboot";
}

/**
 * The parameter group's parameters: TLS enforced (`rds.force_ssl` / `require_secure_transport`),
 * slow statements (over 2 s) logged, then the spec's parameters, which win over both. A memory-sized parameter (shared_buffers, effective_cache_size,
 * innodb_buffer_pool_size, ...) written in absolute terms (the seeds' "4GB") is converted to the
 * engine's unit when it fits the instance class (at most `maxShare` of its memory), otherwise it
 * becomes an RDS formula over `DBInstanceClassMemory` at that share, so the same spec neither
 * starves a large class nor fails to start a small one.
 */
export function rdsParameters(
    engine: "postgres" | "mysql",
    parameters: DatastoreSpecs["database"]["parameters"],
    memoryGiB: number,
    version = engine === "postgres" ? "16" : "8.0",
): RdsParameter[] {
    const out: RdsParameter[] = [];
    // TLS only. rds.force_ssl defaults to 1 on RDS PostgreSQL 15 and later: setting a default makes every refresh show a diff,
    // so it is set only below 15. MySQL reads require_secure_transport back as 1, not ON (RDS DescribeDBParameters).
    if (engine === "postgres" && Number(version.split(".")[0]) < 15)
        out.push({ name: "rds.force_ssl", value: "1", applyMethod: "immediate" });
    if (engine === "mysql") out.push({ name: "require_secure_transport", value: "1", applyMethod: "immediate" });
    // Statements slower than 2 s reach the exported logs (postgresql / slowquery) unless the spec says otherwise.
    if (engine === "postgres") out.push({ name: "log_min_duration_statement", value: "2000", applyMethod: "immediate" });
    else
        out.push(
            { name: "slow_query_log", value: "1", applyMethod: "immediate" },
            { name: "long_query_time", value: "2", applyMethod: "immediate" },
        );
    for (const [name, raw] of Object.entries(parameters)) {
        const memory = MEMORY_PARAMETERS[engine][name];
        let value = String(raw);
        const bytes = memory ? sizeBytes(raw) : undefined;
        const defaultShare = RDS_MEMORY_DEFAULTS[engine][name];
        if (memory && bytes !== undefined && defaultShare !== undefined && bytes <= defaultShare * memoryGiB * GiB) {
            // A floor RDS's default already exceeds on this class.
            const existing = out.findIndex((p) => p.name === name);
            if (existing >= 0) out.splice(existing, 1);
            continue;
        }
        if (memory && bytes !== undefined) {
            if (bytes <= memory.maxShare * memoryGiB * GiB) value = String(Math.max(1, Math.floor(bytes / memory.unitBytes)));
            else value = `{DBInstanceClassMemory/${Math.round(memory.unitBytes / memory.maxShare)}}`;
        }
        const existing = out.findIndex((p) => p.name === name);
        if (existing >= 0) out.splice(existing, 1);
        out.push({ name, value, applyMethod: STATIC_PARAMETERS.has(name) ? "pending-reboot" : "immediate" });
    }
    return out;
}

/** Parameter group family of an engine version: postgres16, mysql8.0. */
export function parameterFamily(engine: "postgres" | "mysql", version: string): string {
    return engine === "postgres" ? `postgres${version.split(".")[0]}` : `mysql${version}`;
}

/** The max_connections RDS derives from instance memory when the spec sets none. */
function defaultMaxConnections(engine: "postgres" | "mysql", memoryGiB: number): number {
    const bytes = memoryGiB * GiB;
    return Math.min(engine === "postgres" ? Math.floor(bytes / 9531392) : Math.floor(bytes / 12582880), 5000);
}

/** An instance's endpoint, host:port. */
const hostPort = (i: aws.rds.Instance) => pulumi.interpolate`${i.address}:${i.port}`;

/** What the create-steps of {@link AwsDatabase} share (see `AwsDatabase.setup`). */
interface RdsSetup {
    name: string;
    args: AwsDatabaseArgs;
    system: AwsDatabaseArgs["system"];
    db: DatastoreSpecs["database"];
    engine: "postgres" | "mysql";
    /** Deletion protection (prod). */
    prod: boolean;
    tags: Record<string, string>;
    /** The instance class's memory, GiB (parameters and max_connections derive from it). */
    memoryGiB: number;
    instanceClass: string;
    /** The primary's identifier; the replicas' add a suffix. */
    identifier: string;
    place: ReturnType<typeof awsPlace>;
    subnetGroup: aws.rds.SubnetGroup;
    parameterGroup: aws.rds.ParameterGroup;
    lifecycle: ReturnType<typeof rdsLifecycle>;
    monitoringRole: aws.iam.Role;
    monitoringPolicy: aws.iam.RolePolicyAttachment;
    password: random.RandomPassword;
    logExports: string[];
    /** Settings every instance shares: Performance Insights, enhanced monitoring, log exports, IAM authentication, private. */
    observability: {
        performanceInsightsEnabled: boolean;
        performanceInsightsKmsKeyId: pulumi.Input<string>;
        performanceInsightsRetentionPeriod: number;
        monitoringInterval: number;
        monitoringRoleArn: pulumi.Input<string>;
        enabledCloudwatchLogsExports: string[];
        autoMinorVersionUpgrade: boolean;
        iamDatabaseAuthenticationEnabled: boolean;
        publiclyAccessible: boolean;
        copyTagsToSnapshot: boolean;
    };
}

/** An RDS PostgreSQL or MySQL database with its replicas, credentials secret and alarms. */
export class AwsDatabase extends pulumi.ComponentResource {
    readonly instance: aws.rds.Instance;
    readonly replicas: aws.rds.Instance[] = [];
    readonly drReplica?: aws.rds.Instance;
    /** Secrets Manager secret with username, password, host, port, dbname and `url`. */
    readonly secret: aws.secretsmanager.Secret;
    /** Writer endpoint host:port. */
    readonly endpoint: pulumi.Output<string>;
    /** Read-replica endpoints host:port (same region). */
    readonly readerEndpoints: pulumi.Output<string>[];
    /** Endpoint of the DR replica in the DR region, when there is one. */
    readonly drEndpoint?: pulumi.Output<string>;
    /** Connection URL with credentials (a secret). */
    readonly connectionString: pulumi.Output<string>;
    /** Every client's URL (secrets) and the discrete parts, verified against the RDS CA bundle. */
    readonly connection: ConnectionValues;
    /** The IAM `rds-db:connect` resource of the application user. */
    readonly iamConnectArn: pulumi.Output<string>;

    constructor(name: string, args: AwsDatabaseArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("tierform:aws:Database", name, {}, opts);
        const { database: db } = args;
        if (db.engine === "mongodb") throw new Error(`database '${db.name}': engine mongodb runs on DocumentDB (AwsDocumentDb), not RDS`);
        const setup = this.setup(name, args, db.engine);
        this.instance = this.createPrimary(setup);
        this.endpoint = hostPort(this.instance);
        this.replicas.push(...this.createReadReplicas(setup));
        this.readerEndpoints = this.replicas.map(hostPort);
        if (args.dr) {
            this.drReplica = this.createDrReplica(setup, args.dr);
            this.drEndpoint = hostPort(this.drReplica);
        }
        const credentials = this.createCredentials(setup);
        this.connectionString = credentials.connectionString;
        this.connection = credentials.connection;
        this.secret = credentials.secret;
        this.iamConnectArn = credentials.iamConnectArn;
        this.createAlarms(setup);
        this.registerOutputs({
            endpoint: this.endpoint,
            readerEndpoints: this.readerEndpoints,
            drEndpoint: this.drEndpoint,
            secretArn: this.secret.arn,
        });
    }

    /**
     * What every instance of the database shares: its names and size, the subnet and parameter
     * groups, the enhanced-monitoring role, the master password and the observability settings.
     */
    private setup(name: string, args: AwsDatabaseArgs, engine: "postgres" | "mysql"): RdsSetup {
        const { system, database: db } = args;
        const profile = system.profile;
        const tags = awsTags(system, "database");
        const size = RDS_CLASSES[profile.dataSize];
        const identifier = resourceName([system.name, db.name], 55);
        const place = awsPlace({ parent: this });
        const subnetGroup = isolatedSubnetGroup(aws.rds.SubnetGroup, this, name, {
            system,
            datastore: db.name,
            id: identifier,
            subnetIds: args.subnetIds,
            tier: "database",
        });
        const parameterGroup = this.createParameterGroup(name, args, engine, identifier, tags, size.memoryGiB);
        const lifecycle = rdsLifecycle(engine, db.version);
        if (lifecycle.warning) void pulumi.log.warn(`tierform: databases.${db.name}.version: ${lifecycle.warning}`, this);
        const monitoringRole = new aws.iam.Role(
            `${name}-monitoring`,
            {
                namePrefix: awsNamePrefix("iamRole", [identifier, "monitoring"]),
                description: `RDS enhanced monitoring of ${identifier}`,
                assumeRolePolicy: assumeRolePolicy("monitoring.rds.amazonaws.com", place.accountId),
                tags,
            },
            { parent: this },
        );
        const monitoringPolicy = new aws.iam.RolePolicyAttachment(
            `${name}-monitoring`,
            { role: monitoringRole.name, policyArn: managedPolicyArn(place.partition, "service-role/AmazonRDSEnhancedMonitoringRole") },
            { parent: this },
        );
        const password = new random.RandomPassword(`${name}-password`, { length: 32, special: false }, { parent: this });
        const logExports = engine === "postgres" ? ["postgresql", "upgrade"] : ["error", "slowquery"];
        return {
            name,
            args,
            system,
            db,
            engine,
            prod: profile.deletionProtection,
            tags,
            memoryGiB: size.memoryGiB,
            instanceClass: args.instanceClass ?? size.instanceClass,
            identifier,
            place,
            subnetGroup,
            parameterGroup,
            lifecycle,
            monitoringRole,
            monitoringPolicy,
            password,
            logExports,
            observability: {
                performanceInsightsEnabled: true,
                performanceInsightsKmsKeyId: args.kmsKeyArn,
                performanceInsightsRetentionPeriod: 7,
                monitoringInterval: 60,
                monitoringRoleArn: monitoringRole.arn,
                enabledCloudwatchLogsExports: logExports,
                autoMinorVersionUpgrade: true,
                iamDatabaseAuthenticationEnabled: true,
                publiclyAccessible: false,
                copyTagsToSnapshot: true,
            },
        };
    }

    /** The parameter group of the primary and its read replicas, or of the DR replica in its region: TLS required, the spec's parameters. */
    private createParameterGroup(
        name: string,
        args: AwsDatabaseArgs,
        engine: "postgres" | "mysql",
        identifier: string,
        tags: Record<string, string>,
        memoryGiB: number,
        dr?: AwsDrTarget,
    ): aws.rds.ParameterGroup {
        const { system, database: db } = args;
        const family = parameterFamily(engine, db.version);
        return new aws.rds.ParameterGroup(
            dr ? `${name}-dr` : name,
            {
                name: resourceName([identifier, ...(dr ? ["dr"] : []), family.replace(/\./g, "-")]),
                family,
                description: `${system.name} ${db.name}${dr ? " DR replica" : ""}: TLS required, spec parameters`,
                parameters: rdsParameters(engine, db.parameters, memoryGiB, db.version),
                tags,
            },
            { parent: this, ...(dr ? { provider: dr.provider } : {}) },
        );
    }

    /** The log groups of one instance's log exports (in the DR region for the DR replica). */
    private logsOf(s: RdsSetup, instanceId: string, dr?: AwsDrTarget) {
        return logExportGroups(this, `${s.name}${instanceId.slice(s.identifier.length)}`, {
            system: s.system,
            group: `/aws/rds/instance/${instanceId}`,
            logs: s.logExports,
            kmsKeyArn: dr ? dr.kmsKeyArn : s.args.logsKmsKeyArn,
            provider: dr?.provider,
        });
    }

    /** The primary instance: encrypted gp3 storage, Multi-AZ where the profile asks, automated backups in the spec's window, protected in prod. */
    private createPrimary(s: RdsSetup): aws.rds.Instance {
        const { name, args, system, db, engine, prod, tags, identifier, observability, lifecycle } = s;
        // The full schedule's hour (BackupPlan.schedules: the full one first).
        const fullSchedule = args.backup.schedules[0];
        const backupWindow = dailyWindow(fullSchedule);
        const instanceClass = s.instanceClass;
        const port = DEFAULT_PORTS[engine];
        const password = s.password;
        const subnetGroup = s.subnetGroup;
        const parameterGroup = s.parameterGroup;
        const profile = system.profile;
        const stateful: pulumi.CustomResourceOptions = { parent: this, protect: prod };
        return new aws.rds.Instance(
            name,
            {
                identifier,
                engine,
                engineVersion: db.version,
                // A new major version in the spec is an in-place upgrade: RDS refuses a major EngineVersion unless this is set
                // (ModifyDBInstance AllowMajorVersionUpgrade, https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ModifyDBInstance.html),
                // and takes a snapshot before it (USER_UpgradeDBInstance.PostgreSQL.MajorVersion.html). Replacing the instance is never the way.
                allowMajorVersionUpgrade: true,
                engineLifecycleSupport: lifecycle.engineLifecycleSupport,
                instanceClass,
                allocatedStorage: db.storageGb,
                maxAllocatedStorage: rdsMaxAllocatedStorage(db.storageGb),
                storageType: "gp3",
                storageEncrypted: true,
                kmsKeyId: args.kmsKeyArn,
                dbName: db.databaseName,
                username: db.username,
                password: password.result,
                port,
                dbSubnetGroupName: subnetGroup.name,
                vpcSecurityGroupIds: args.securityGroupIds,
                parameterGroupName: parameterGroup.name,
                multiAz: profile.multiAz,
                // Automated backups give point-in-time recovery within the retention (RDS keeps at most 35 days;
                // AWS Backup keeps the spec's longer retentions and archives).
                backupRetentionPeriod: Math.min(args.backup.retentionDays, 35),
                backupWindow,
                maintenanceWindow: backupWindow ? dailyWindow(fullSchedule, 2, "sun:") : undefined,
                deleteAutomatedBackups: !prod,
                deletionProtection: prod,
                skipFinalSnapshot: !prod,
                finalSnapshotIdentifier: prod ? finalSnapshotName(this, name, identifier) : undefined,
                caCertIdentifier: "rds-ca-rsa2048-g1",
                ...observability,
                tags: { ...tags, ...(args.extraTags ?? {}) },
            },
            {
                ...stateful,
                dependsOn: [s.monitoringPolicy, ...this.logsOf(s, identifier)],
                // With point-in-time recovery AWS Backup's continuous rule manages the instance's automated backups: it sets
                // the retention to the rule's (the same min(retention, 35) as here) and the backup window to the plan's start
                // window, and RDS reports those (https://docs.aws.amazon.com/aws-backup/latest/devguide/point-in-time-recovery.html,
                // point-in-time-recovery-retention-period.html). Pulumi leaves them as AWS Backup has them instead of
                // resetting them on every update.
                ...(args.backup.pointInTime ? { ignoreChanges: ["backupWindow", "backupRetentionPeriod"] } : {}),
            },
        );
    }

    /** The read replicas in the primary's region, each Multi-AZ where the profile asks. */
    private createReadReplicas(s: RdsSetup): aws.rds.Instance[] {
        const { name, args, db, prod, tags, identifier, instanceClass, observability } = s;
        const profile = s.system.profile;
        const primary = this.instance;
        const replicas: aws.rds.Instance[] = [];
        for (let i = 1; i <= db.readReplicas; i++) {
            replicas.push(
                new aws.rds.Instance(
                    `${name}-replica-${i}`,
                    {
                        identifier: `${identifier}-replica-${i}`,
                        replicateSourceDb: primary.identifier,
                        instanceClass,
                        storageType: "gp3",
                        storageEncrypted: true,
                        kmsKeyId: args.kmsKeyArn,
                        vpcSecurityGroupIds: args.securityGroupIds,
                        parameterGroupName: s.parameterGroup.name,
                        // A replica serves reads in prod: it survives the loss of a zone like its primary (awsguard rds-instance-multi-az-enabled).
                        multiAz: profile.multiAz,
                        deletionProtection: prod,
                        skipFinalSnapshot: true,
                        ...observability,
                        tags: { ...tags, role: `read-replica-${i}` },
                    },
                    { parent: this, protect: prod, dependsOn: [s.monitoringPolicy, ...this.logsOf(s, `${identifier}-replica-${i}`)] },
                ),
            );
        }
        return replicas;
    }

    /** The cross-region replica in the DR site's region: single-AZ while it stands by (waived, see below). */
    private createDrReplica(s: RdsSetup, dr: AwsDrTarget): aws.rds.Instance {
        const { name, args, db, prod, tags, identifier, instanceClass, observability } = s;
        const drParameters = this.createParameterGroup(name, s.args, s.engine, identifier, tags, s.memoryGiB, dr);
        const drMonitoringRole = s.monitoringRole; // IAM is global: the same role serves the DR region.
        const replica = new aws.rds.Instance(
            `${name}-dr`,
            {
                identifier: `${identifier}-dr`,
                // A cross-region source must be named by ARN.
                replicateSourceDb: this.instance.arn,
                instanceClass,
                storageType: "gp3",
                storageEncrypted: true,
                kmsKeyId: dr.kmsKeyArn,
                dbSubnetGroupName: dr.dbSubnetGroupName,
                vpcSecurityGroupIds: dr.securityGroupIds,
                parameterGroupName: drParameters.name,
                // Single-AZ while it only stands by (cost: a Multi-AZ standby doubles its instance hours); made Multi-AZ
                // when promoted in a regional disaster. The waiver tag says so to the Multi-AZ policy and the plan.
                multiAz: false,
                backupRetentionPeriod: Math.min(args.backup.retentionDays, 35),
                deletionProtection: prod,
                // RDS takes no final snapshot of a replica; the primary's and the copied backups cover it.
                skipFinalSnapshot: true,
                ...observability,
                performanceInsightsKmsKeyId: dr.kmsKeyArn,
                monitoringRoleArn: drMonitoringRole.arn,
                tags: { ...tags, role: "dr-replica", [MULTI_AZ_WAIVER_TAG]: DR_REPLICA_WAIVER },
            },
            {
                parent: this,
                provider: dr.provider,
                protect: prod,
                dependsOn: [s.monitoringPolicy, ...this.logsOf(s, `${identifier}-dr`, dr)],
            },
        );
        void pulumi.log.warn(
            `tierform: databases.${db.name}: the DR replica in ${dr.region} is single-AZ (waiver: ${DR_REPLICA_WAIVER})`,
            this,
        );
        return replica;
    }

    /** The application's connection: every client's URL, the credentials secret, and the IAM `rds-db:connect` resource of the application user. */
    private createCredentials(s: RdsSetup) {
        const { name, args, system, db, engine, place } = s;
        // Every client's URL verifies the server against the Amazon RDS CA bundle the images carry
        // (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.SSL.html), each in
        // its own dialect (components/shared/connection.ts `renderUrl`; plan/bindings.ts `transportOf`).
        const transport = args.transport;
        const urls = clientUrls(
            engine,
            {
                host: this.instance.address,
                port: this.instance.port,
                username: db.username,
                password: s.password.result,
                database: db.databaseName,
            },
            transport,
        );
        const connectionString = urls[DEFAULT_CLIENT[engine]]!;
        const connection: ConnectionValues = {
            urls,
            host: this.instance.address,
            port: this.instance.port.apply(String),
            user: db.username,
            password: s.password.result,
            database: db.databaseName,
            caFile: transport.caFile,
        };
        void pulumi.log.warn(
            `tierform: databases.${db.name} (RDS ${engine === "postgres" ? "PostgreSQL" : "MySQL"}): the images of the services that use it must contain the Amazon RDS CA bundle (${RDS_CA_BUNDLE_URL}) at ${RDS_CA_BUNDLE_PATH}; every client's URL verifies the server against it`,
            this,
        );
        const secret = databaseSecret(this, name, {
            system,
            database: db,
            engine,
            host: this.instance.address,
            port: this.instance.port,
            password: s.password.result,
            url: connectionString,
            urls,
            kmsKeyArn: args.kmsKeyArn,
        });
        const iamConnectArn = pulumi.interpolate`arn:${place.partition}:rds-db:${place.region}:${place.accountId}:dbuser:${this.instance.resourceId}/${db.username}`;

        return { connectionString, connection, secret, iamConnectArn };
    }

    /** The alarms of every instance: CPU, free storage, connections, and each replica's lag against the RPO. */
    private createAlarms(s: RdsSetup): void {
        const { args, system, db, engine } = s;
        // Alarms: CPU, free storage, connections, replica lag.
        const topic = args.alarmTopicArn;
        const maxConnections = Number(db.parameters.max_connections ?? defaultMaxConnections(engine, s.memoryGiB));
        const instances: [string, aws.rds.Instance][] = [
            [db.name, this.instance],
            ...this.replicas.map((r, i): [string, aws.rds.Instance] => [`${db.name}-replica-${i + 1}`, r]),
        ];
        for (const [id, inst] of instances) {
            const dimensions = { DBInstanceIdentifier: inst.identifier };
            const rdsAlarm = (suffix: string, spec: Omit<Parameters<typeof dataAlarm>[5], "namespace" | "dimensions">) =>
                dataAlarm(this, system, "database", `${id}-${suffix}`, topic, { namespace: "AWS/RDS", dimensions, period: 300, ...spec });
            rdsAlarm("cpu", {
                alarmDescription: `${id}: CPU above 80% for 15 minutes`,
                metricName: "CPUUtilization",
                statistic: "Average",
                evaluationPeriods: 3,
                comparisonOperator: "GreaterThanThreshold",
                threshold: 80,
            });
            rdsAlarm("free-storage", {
                alarmDescription: `${id}: less than 10% of ${db.storageGb} GiB storage free`,
                metricName: "FreeStorageSpace",
                statistic: "Minimum",
                evaluationPeriods: 1,
                comparisonOperator: "LessThanThreshold",
                threshold: Math.round(db.storageGb * GiB * 0.1),
            });
            rdsAlarm("connections", {
                alarmDescription: `${id}: more than 80% of ${maxConnections} connections in use`,
                metricName: "DatabaseConnections",
                statistic: "Maximum",
                evaluationPeriods: 2,
                comparisonOperator: "GreaterThanThreshold",
                threshold: Math.floor(maxConnections * 0.8),
            });
        }
        const lagThreshold = Math.min(300, Math.floor((system.recovery.rpoMinutes * 60) / 2));
        const replicaLag = (id: string, inst: aws.rds.Instance, provider?: aws.Provider) => {
            const alarm = {
                alarmDescription: `${id}: replica lag above ${lagThreshold} s (RPO ${system.recovery.rpoMinutes} min)`,
                namespace: "AWS/RDS",
                metricName: "ReplicaLag",
                dimensions: { DBInstanceIdentifier: inst.identifier },
                statistic: "Maximum",
                period: 60,
                evaluationPeriods: 5,
                comparisonOperator: "GreaterThanThreshold",
                threshold: lagThreshold,
            };
            if (!provider) return dataAlarm(this, system, "database", `${id}-replica-lag`, topic, alarm);
            // The DR replica's metrics live in the DR region: the alarm must be there too.
            const alarmName = resourceName([system.name, `${id}-replica-lag`], 255);
            const drTopic = args.dr!.alarmTopicArn;
            return new aws.cloudwatch.MetricAlarm(
                alarmName,
                {
                    name: alarmName,
                    treatMissingData: "notBreaching",
                    ...alarm,
                    alarmActions: [drTopic],
                    okActions: [drTopic],
                    tags: awsTags(system, "monitoring"),
                },
                { parent: this, provider },
            );
        };
        this.replicas.forEach((r, i) => replicaLag(`${db.name}-replica-${i + 1}`, r));
        if (this.drReplica && args.dr) replicaLag(`${db.name}-dr`, this.drReplica, args.dr.provider);
    }
}
