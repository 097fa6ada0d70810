/**
 * A MongoDB database (the HLD platform's) as an Amazon DocumentDB cluster: storage encrypted with
 * the customer key, TLS required by the cluster parameter group, audit and profiler logs exported,
 * backups retained for the spec's days (continuous, so point-in-time restore within them),
 * deletion protection and a final snapshot in prod, and instances spread over the isolated
 * subnets' availability zones (DocumentDB fails over to a replica in another AZ).
 *
 * Version: DocumentDB implements the MongoDB API of its own versions (3.6, 4.0, 5.0, 8.0); a spec's
 * MongoDB version maps to the nearest DocumentDB version that implements at least its API.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { clientUrls, DEFAULT_PORTS } from "../shared/connection";
import { RDS_CA_FILE, RDS_CA_URL, type BackupPlan, type DatastoreSpecs } from "../../plan";
import type { ConnectionValues } from "../contract";
import { awsTags, resourceName } from "../shared/naming";
import { dataAlarm } from "./monitoring";
import {
    dailyWindow,
    databaseSecret,
    DOCDB_CLASSES,
    finalSnapshotName,
    isolatedSubnetGroup,
    logExportGroups,
    type AwsIsolatedDatastoreArgs,
} from "./common";

/**
 * Where the services' images must carry the Amazon RDS CA bundle that signs DocumentDB's
 * certificates (DocumentDB developer guide, "Connecting with TLS": `tls=true&tlsCAFile=global-bundle.pem`;
 * the bundle is published at {@link RDS_CA_BUNDLE_URL}). A driver that verifies (pymongo, the Node
 * driver) fails without it; the URL names the path so a missing bundle fails the task's start
 * (and `pulumi up`, which waits for steady services) instead of connecting unverified.
 */
export const RDS_CA_BUNDLE_PATH = RDS_CA_FILE;
/** The Amazon RDS global CA bundle. */
export const RDS_CA_BUNDLE_URL = RDS_CA_URL;

/** Arguments of {@link AwsDocumentDb}. */
export interface AwsDocumentDbArgs extends AwsIsolatedDatastoreArgs {
    /** The resolved database spec, engine mongodb. */
    database: DatastoreSpecs["database"];
    /** Its backup plan (plan/backup.ts): the automated backups' window and retention. */
    backup: BackupPlan;
    /**
     * Extra tags on the cluster, e.g. the tag an AWS Backup selection matches.
     * @default {}
     */
    extraTags?: Record<string, string>;
    /**
     * Instance class.
     * @default by `profile.dataSize`: db.t4g.medium, db.r6g.large, db.r6g.xlarge
     */
    instanceClass?: string;
}

/** DocumentDB engine version and parameter family for a MongoDB version. */
export function documentDbVersion(mongoVersion: string): { engineVersion: string; family: string } {
    const major = Number(mongoVersion.split(".")[0]);
    const v = major <= 3 ? "3.6" : major === 4 ? "4.0" : major === 5 ? "5.0" : "8.0";
    return { engineVersion: `${v}.0`, family: `docdb${v}` };
}

/** A DocumentDB cluster with its instances, credentials secret and alarms. */
export class AwsDocumentDb extends pulumi.ComponentResource {
    readonly cluster: aws.docdb.Cluster;
    readonly instances: aws.docdb.ClusterInstance[] = [];
    readonly secret: aws.secretsmanager.Secret;
    /** Writer endpoint host:port. */
    readonly endpoint: pulumi.Output<string>;
    /** Reader endpoint host:port (load-balanced over the replicas). */
    readonly readerEndpoint: pulumi.Output<string>;
    readonly connectionString: pulumi.Output<string>;
    /** The driver's URL (a secret) and the discrete parts, verified against the RDS CA bundle. */
    readonly connection: ConnectionValues;

    constructor(name: string, args: AwsDocumentDbArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("tierform:aws:DocumentDb", name, {}, opts);
        const { system, database: db } = args;
        if (db.engine !== "mongodb") throw new Error(`database '${db.name}': AwsDocumentDb takes engine mongodb, not ${db.engine}`);
        const profile = system.profile;
        const prod = profile.deletionProtection;
        const tags = awsTags(system, "database");
        const identifier = resourceName([system.name, db.name], 55);
        const port = DEFAULT_PORTS.mongodb;
        const { engineVersion, family } = documentDbVersion(db.version);

        const subnetGroup = isolatedSubnetGroup(aws.docdb.SubnetGroup, this, name, {
            system,
            datastore: db.name,
            id: identifier,
            subnetIds: args.subnetIds,
            tier: "database",
        });
        const parameterGroup = new aws.docdb.ClusterParameterGroup(
            name,
            {
                name: resourceName([identifier, family.replace(/\./g, "-")]),
                family,
                description: `${system.name} ${db.name}: TLS required, audit logs on`,
                parameters: [
                    { name: "tls", value: "enabled", applyMethod: "pending-reboot" },
                    { name: "audit_logs", value: "enabled", applyMethod: "immediate" },
                    { name: "profiler", value: "enabled", applyMethod: "immediate" },
                    { name: "profiler_threshold_ms", value: "1000", applyMethod: "immediate" },
                ],
                tags,
            },
            { parent: this },
        );
        // DocumentDB forbids '/', '"' and '@' in passwords: alphanumerics only.
        const password = new random.RandomPassword(`${name}-password`, { length: 32, special: false }, { parent: this });
        // The full schedule's hour (BackupPlan.schedules: the full one first).
        const fullSchedule = args.backup.schedules[0];
        const backupWindow = dailyWindow(fullSchedule);
        const logExports = ["audit", "profiler"];
        const logGroups = logExportGroups(this, name, {
            system,
            group: `/aws/docdb/${identifier}`,
            logs: logExports,
            kmsKeyArn: args.logsKmsKeyArn,
        });
        this.cluster = new aws.docdb.Cluster(
            name,
            {
                clusterIdentifier: identifier,
                engine: "docdb",
                engineVersion,
                masterUsername: db.username,
                masterPassword: password.result,
                port,
                dbSubnetGroupName: subnetGroup.name,
                vpcSecurityGroupIds: args.securityGroupIds,
                dbClusterParameterGroupName: parameterGroup.name,
                storageEncrypted: true,
                kmsKeyId: args.kmsKeyArn,
                backupRetentionPeriod: Math.min(args.backup.retentionDays, 35),
                preferredBackupWindow: backupWindow,
                preferredMaintenanceWindow: backupWindow ? dailyWindow(fullSchedule, 2, "sun:") : undefined,
                enabledCloudwatchLogsExports: logExports,
                deletionProtection: prod,
                skipFinalSnapshot: !prod,
                finalSnapshotIdentifier: prod ? finalSnapshotName(this, name, identifier) : undefined,
                tags: { ...tags, ...(args.extraTags ?? {}) },
            },
            { parent: this, protect: prod, dependsOn: logGroups },
        );
        // One writer plus a replica in another AZ where the profile is Multi-AZ, plus the spec's read replicas.
        const count = 1 + (profile.multiAz ? 1 : 0) + db.readReplicas;
        for (let i = 1; i <= count; i++) {
            this.instances.push(
                new aws.docdb.ClusterInstance(
                    `${name}-${i}`,
                    {
                        identifier: `${identifier}-${i}`,
                        clusterIdentifier: this.cluster.id,
                        instanceClass: args.instanceClass ?? DOCDB_CLASSES[profile.dataSize],
                        autoMinorVersionUpgrade: true,
                        copyTagsToSnapshot: true,
                        promotionTier: i - 1,
                        enablePerformanceInsights: true,
                        performanceInsightsKmsKeyId: args.kmsKeyArn,
                        tags,
                    },
                    { parent: this, protect: prod },
                ),
            );
        }
        this.endpoint = pulumi.interpolate`${this.cluster.endpoint}:${this.cluster.port}`;
        this.readerEndpoint = pulumi.interpolate`${this.cluster.readerEndpoint}:${this.cluster.port}`;
        const transport = args.transport;
        const clusterPort = this.cluster.port.apply((p) => p ?? port);
        const urls = clientUrls(
            "mongodb",
            { host: this.cluster.endpoint, port: clusterPort, username: db.username, password: password.result, database: db.databaseName },
            transport,
            // DocumentDB: a replica set named rs0, reads from replicas, no retryable writes (DocumentDB developer guide, "Connecting as a replica set").
            { replicaSet: "rs0", readPreference: "secondaryPreferred", retryWrites: "false" },
        );
        this.connectionString = urls.mongodb!;
        this.connection = {
            urls,
            host: this.cluster.endpoint,
            port: clusterPort.apply(String),
            user: db.username,
            password: password.result,
            database: db.databaseName,
            caFile: transport.caFile,
        };
        // Drivers verify DocumentDB's certificate against the Amazon RDS CA, which no base image trusts: the images must carry it.
        void pulumi.log.warn(
            `tierform: databases.${db.name} (DocumentDB): the images of the services that use it must contain the Amazon RDS CA bundle (${RDS_CA_BUNDLE_URL}) at ${RDS_CA_BUNDLE_PATH}; the connection URL names it as tlsCAFile`,
            this,
        );
        this.secret = databaseSecret(this, name, {
            system,
            database: db,
            engine: "docdb",
            host: this.cluster.endpoint,
            port: this.cluster.port.apply((p) => p ?? port),
            password: password.result,
            url: this.connectionString,
            urls,
            kmsKeyArn: args.kmsKeyArn,
        });

        const dimensions = { DBClusterIdentifier: this.cluster.clusterIdentifier };
        const alarm = (id: string, spec: Parameters<typeof dataAlarm>[5]) =>
            dataAlarm(this, system, "database", `${db.name}-${id}`, args.alarmTopicArn, spec);
        alarm("cpu", {
            alarmDescription: `${db.name}: cluster CPU above 80% for 15 minutes`,
            namespace: "AWS/DocDB",
            metricName: "CPUUtilization",
            dimensions,
            statistic: "Maximum",
            period: 300,
            evaluationPeriods: 3,
            comparisonOperator: "GreaterThanThreshold",
            threshold: 80,
        });
        alarm("connections", {
            alarmDescription: `${db.name}: more than 1000 connections`,
            namespace: "AWS/DocDB",
            metricName: "DatabaseConnections",
            dimensions,
            statistic: "Maximum",
            period: 300,
            evaluationPeriods: 2,
            comparisonOperator: "GreaterThanThreshold",
            threshold: 1000,
        });
        if (count > 1) {
            alarm("replica-lag", {
                alarmDescription: `${db.name}: replica lag above 60 s`,
                namespace: "AWS/DocDB",
                metricName: "DBClusterReplicaLagMaximum",
                dimensions,
                statistic: "Maximum",
                period: 60,
                evaluationPeriods: 5,
                comparisonOperator: "GreaterThanThreshold",
                threshold: 60000,
            });
        }
        this.registerOutputs({ endpoint: this.endpoint, readerEndpoint: this.readerEndpoint, secretArn: this.secret.arn });
    }
}
