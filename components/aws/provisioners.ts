/**
 * One provisioner per datastore kind on AWS (after score-compose's provisioners and SST's `Link`):
 * each creates its managed service from the plan's datastore entry (plan/datastores.ts) — RDS or
 * DocumentDB, ElastiCache, SQS, S3 — and returns its own binding: the values of its connection
 * variables as ECS injects them (references into its Secrets Manager secret), its stack outputs,
 * the task role's IAM statements for its own ARNs, and the secrets and keys the execution role
 * reads. It also says which port, if any, the datastore's security group admits from the services
 * that use it (`securityGroupPort`): the network creates that group before the datastore exists
 * (network/security-groups.ts), from this answer, so a new kind must give one (or say it has none,
 * as SQS and S3, reached over AWS's HTTPS APIs). The registry is keyed by {@link DatastoreKind}, so
 * a kind without an AWS provisioner does not compile. `createDataTier` (data.ts) runs them in one
 * loop over `plan.datastores`.
 */
import * as pulumi from "@pulumi/pulumi";
import type { Client, DatastoreKind, DatastorePlanOf, SystemPlan } from "../../plan";
import type { ConnectionValues } from "../contract";
import type { AwsBackup } from "./backup";
import { backupSelectionTags } from "./backup";
import { AwsCache } from "./cache";
import { clientUrlKey } from "./common";
import type { AwsDatastoreBinding, AwsNetworkInfo } from "./contract";
import { AwsDatabase, type AwsDrTarget } from "./database";
import { AwsDocumentDb } from "./documentdb";
import type { AwsDrSite } from "./dr";
import { AwsKms } from "./kms";
import { AwsBucket, cdnServesBucket } from "./object-store";
import { AwsQueue, QUEUE_MESSAGE_ACTIONS } from "./queue";

/** What every AWS provisioner builds with besides its datastore's entry (the data tier's shared parts, data.ts). */
export interface AwsProvisionContext {
    /** The system's plan (names, tags, profile, the edge's CDN and routes). */
    plan: SystemPlan;
    /** The network's isolated subnets and each datastore's security group. */
    network: AwsNetworkInfo;
    /** The data tier's customer key. */
    kmsKeyArn: pulumi.Input<string>;
    /** SNS topic every alarm notifies. */
    alarmTopicArn: pulumi.Input<string>;
    /** KMS key of the log groups the databases' log exports write to. */
    logsKmsKeyArn: pulumi.Input<string>;
    /** The DR site, where `recovery.crossRegion` asks for one. */
    drSite?: AwsDrSite;
    /** The system's AWS Backup vaults and plans, when anything is backed up. */
    backup?: AwsBackup;
    /** The CloudFront distribution that serves `static` buckets (a deferred output, see data.ts). */
    cdnDistributionArn?: pulumi.Input<string>;
    /** Options of every child (its parent and provider). */
    opts: pulumi.ComponentResourceOptions;
    /** Shared by the buckets, created by the first that needs it: the access-log bucket and the static assets' key. */
    shared: { accessLogs?: AwsBucket; staticKms?: AwsKms };
}

/** One kind's AWS provisioner. */
export interface AwsProvisioner<K extends DatastoreKind> {
    /** The port its security group admits from the services that use it; undefined for a datastore reached over AWS's HTTPS APIs (no group). */
    securityGroupPort(d: DatastorePlanOf<K>): number | undefined;
    /** Creates the datastore from its plan entry (in the group the network made from {@link securityGroupPort}) and returns its binding. */
    create(d: DatastorePlanOf<K>, ctx: AwsProvisionContext): AwsDatastoreBinding;
}

/** `<system>-<part>`: the names of the data tier's children. */
const childName = (ctx: AwsProvisionContext, part: string) => `${ctx.plan.name}-${part}`;

/** ECS `valueFrom` of one JSON key of a Secrets Manager secret. */
const jsonKey = (secretArn: pulumi.Input<string>, key: string) => pulumi.interpolate`${secretArn}:${key}::`;

/**
 * A datastore's connection as ECS injects it: every client's URL and the password as references to
 * their keys in the datastore's secret (`url_<client>`, `passwordKey`), the other parts plain.
 */
function secretRefs(c: ConnectionValues, secretArn: pulumi.Input<string>, passwordKey: string): ConnectionValues {
    return {
        ...c,
        urls: Object.fromEntries(Object.keys(c.urls).map((client) => [client, jsonKey(secretArn, clientUrlKey(client as Client))])),
        password: jsonKey(secretArn, passwordKey),
    };
}

/** A binding without variables, statements or secrets yet. */
const emptyBinding = (): Omit<AwsDatastoreBinding, "outputs"> => ({
    environment: {},
    secrets: {},
    taskPolicyStatements: [],
    executionSecretArns: [],
    executionKmsKeyArns: [],
});

/** The security group the network gave datastore `name` (every datastore with a port has one). */
function securityGroupOf(ctx: AwsProvisionContext, name: string): pulumi.Input<string>[] {
    const sg = ctx.network.datastoreSecurityGroupIds[name];
    if (sg === undefined) throw new Error(`datastore '${name}': the network gives it no security group (datastoreSecurityGroupIds)`);
    return [sg];
}

/** The AWS Backup outputs of database `db`: its vault and plan, and the DR vault. */
function backupOutputs(ctx: AwsProvisionContext, db: string): Record<string, pulumi.Input<unknown>> {
    const b = ctx.backup;
    if (!b) return {};
    return { backupVault: b.vault.name, backupPlanId: b.plans[db].id, ...(b.drVault ? { drBackupVault: b.drVault.arn } : {}) };
}

/** The DR replica's target in the DR site's region. */
function drTarget(site: AwsDrSite): AwsDrTarget {
    return {
        provider: site.provider,
        region: site.region,
        kmsKeyArn: site.kms.arn,
        dbSubnetGroupName: site.dbSubnetGroup.name,
        securityGroupIds: [site.securityGroup.id],
        alarmTopicArn: site.alarmTopic.topicArn,
    };
}

/** A database: DocumentDB for MongoDB, RDS otherwise (with IAM authentication and, under `crossRegion`, a DR replica). */
function provisionDatabase(d: DatastorePlanOf<"database">, ctx: AwsProvisionContext): AwsDatastoreBinding {
    const db = d.spec;
    const common = {
        system: ctx.plan,
        database: db,
        backup: d.backup,
        subnetIds: ctx.network.isolatedSubnetIds,
        securityGroupIds: securityGroupOf(ctx, d.name),
        transport: d.transport,
        kmsKeyArn: ctx.kmsKeyArn,
        alarmTopicArn: ctx.alarmTopicArn,
        logsKmsKeyArn: ctx.logsKmsKeyArn,
        extraTags: backupSelectionTags(ctx.plan, d.name),
    };
    if (db.engine === "mongodb") {
        const doc = new AwsDocumentDb(childName(ctx, d.name), common, ctx.opts);
        return {
            ...emptyBinding(),
            connection: secretRefs(doc.connection, doc.secret.arn, "password"),
            executionSecretArns: [doc.secret.arn],
            executionKmsKeyArns: [ctx.kmsKeyArn],
            outputs: {
                kind: "database",
                endpoint: doc.endpoint,
                readerEndpoints: [doc.readerEndpoint],
                connectionString: doc.connectionString,
            },
            platformOutputs: backupOutputs(ctx, d.name),
            cloudWatch: {
                namespace: "AWS/DocDB",
                dimensions: [{ DBClusterIdentifier: doc.cluster.clusterIdentifier }],
                instances: doc.instances.map((i) => ({ DBInstanceIdentifier: i.identifier })),
                ...(ctx.backup ? { backupVaultName: ctx.backup.vault.name } : {}),
            },
        };
    }
    const rds = new AwsDatabase(childName(ctx, d.name), { ...common, dr: ctx.drSite ? drTarget(ctx.drSite) : undefined }, ctx.opts);
    return {
        ...emptyBinding(),
        connection: secretRefs(rds.connection, rds.secret.arn, "password"),
        // IAM database authentication as the application user (tokens instead of the password).
        taskPolicyStatements: [
            {
                Sid: `RdsIamConnect${d.name.replace(/[^A-Za-z0-9]/g, "")}`,
                Effect: "Allow",
                Action: "rds-db:connect",
                Resource: rds.iamConnectArn,
            },
        ],
        executionSecretArns: [rds.secret.arn],
        executionKmsKeyArns: [ctx.kmsKeyArn],
        outputs: { kind: "database", endpoint: rds.endpoint, readerEndpoints: rds.readerEndpoints, connectionString: rds.connectionString },
        platformOutputs: {
            ...backupOutputs(ctx, d.name),
            ...(rds.drEndpoint && ctx.drSite ? { drEndpoint: rds.drEndpoint, drRegion: ctx.drSite.region } : {}),
        },
        // The DR replica's metrics are in the DR region, not on the system's dashboard.
        cloudWatch: {
            namespace: "AWS/RDS",
            dimensions: [rds.instance, ...rds.replicas].map((i) => ({ DBInstanceIdentifier: i.identifier })),
            perfInsightsResourceId: rds.instance.resourceId,
            ...(ctx.backup ? { backupVaultName: ctx.backup.vault.name } : {}),
        },
    };
}

/** A cache: ElastiCache for Redis with an AUTH token. */
function provisionCache(d: DatastorePlanOf<"cache">, ctx: AwsProvisionContext): AwsDatastoreBinding {
    const c = new AwsCache(
        childName(ctx, d.name),
        {
            system: ctx.plan,
            cache: d.spec,
            subnetIds: ctx.network.isolatedSubnetIds,
            securityGroupIds: securityGroupOf(ctx, d.name),
            transport: d.transport,
            kmsKeyArn: ctx.kmsKeyArn,
            alarmTopicArn: ctx.alarmTopicArn,
        },
        ctx.opts,
    );
    return {
        ...emptyBinding(),
        connection: secretRefs(c.connection, c.secret.arn, "authToken"),
        executionSecretArns: [c.secret.arn],
        executionKmsKeyArns: [ctx.kmsKeyArn],
        outputs: {
            kind: "cache",
            endpoint: c.endpoint,
            ...(c.readerEndpoint ? { readerEndpoints: [c.readerEndpoint] } : {}),
            connectionString: c.connectionString,
        },
        cloudWatch: { namespace: "AWS/ElastiCache", dimensions: c.nodeIds.map((node) => ({ CacheClusterId: node })) },
    };
}

/** A queue: SQS with its dead-letter queue; every variable naming it is its URL from its secret. */
function provisionQueue(d: DatastorePlanOf<"queue">, ctx: AwsProvisionContext): AwsDatastoreBinding {
    const q = new AwsQueue(
        childName(ctx, d.name),
        { system: ctx.plan, queue: d.spec, kmsKeyArn: ctx.kmsKeyArn, alarmTopicArn: ctx.alarmTopicArn },
        ctx.opts,
    );
    const b = emptyBinding();
    for (const v of d.variables) b.secrets[v.variable] = jsonKey(q.secret.arn, "url");
    const id = d.name.replace(/[^A-Za-z0-9]/g, "");
    return {
        ...b,
        taskPolicyStatements: [
            { Sid: `SqsMessages${id}`, Effect: "Allow", Action: QUEUE_MESSAGE_ACTIONS, Resource: q.arn },
            { Sid: `SqsKms${id}`, Effect: "Allow", Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: ctx.kmsKeyArn },
        ],
        executionSecretArns: [q.secret.arn],
        executionKmsKeyArns: [ctx.kmsKeyArn],
        outputs: { kind: "queue", endpoint: q.url },
        platformOutputs: { deadLetterQueueUrl: q.deadLetterQueue.url },
        cloudWatch: { namespace: "AWS/SQS", dimensions: [{ QueueName: q.queue.name }, { QueueName: q.deadLetterQueue.name }] },
    };
}

/** The access-log bucket every bucket logs to, created with the first bucket. */
function accessLogBucket(ctx: AwsProvisionContext): AwsBucket {
    ctx.shared.accessLogs ??= new AwsBucket(
        childName(ctx, "access-logs"),
        {
            system: ctx.plan,
            bucket: {
                name: "access-logs",
                purpose: "archive",
                versioned: true,
                lifecycle: [],
                expireAfterDays: ctx.plan.observability.logRetentionDays,
            },
            accessLogTarget: true,
        },
        ctx.opts,
    );
    return ctx.shared.accessLogs;
}

/** The key of the buckets CloudFront serves, whose policy names the distribution (see object-store.ts), created with the first of them. */
function staticAssetsKey(ctx: AwsProvisionContext, distributionArn: pulumi.Input<string>): AwsKms {
    ctx.shared.staticKms ??= new AwsKms(
        childName(ctx, "static-assets"),
        { system: ctx.plan, purpose: "static-assets", cloudFrontDistributionArns: [distributionArn] },
        ctx.opts,
    );
    return ctx.shared.staticKms;
}

/** A bucket: S3, logging to the access-log bucket, under the data key (or, served by CloudFront, the static assets' key). */
function provisionBucket(d: DatastorePlanOf<"bucket">, ctx: AwsProvisionContext): AwsDatastoreBinding {
    const bucket = d.spec;
    const accessLogs = accessLogBucket(ctx);
    const distributionArn = ctx.cdnDistributionArn;
    const cdn =
        distributionArn && cdnServesBucket(ctx.plan, bucket)
            ? { kmsArn: staticAssetsKey(ctx, distributionArn).arn, distributionArn }
            : undefined;
    const bucketKey = cdn?.kmsArn ?? ctx.kmsKeyArn;
    const s3 = new AwsBucket(
        childName(ctx, d.name),
        {
            system: ctx.plan,
            bucket,
            kmsKeyArn: bucketKey,
            accessLogBucket: accessLogs.name,
            ...(cdn ? { cdnDistributionArn: cdn.distributionArn } : {}),
        },
        ctx.opts,
    );
    const b = emptyBinding();
    for (const v of d.variables) b.environment[v.variable] = s3.name;
    const id = d.name.replace(/[^A-Za-z0-9]/g, "");
    return {
        ...b,
        taskPolicyStatements: [
            { Sid: `S3List${id}`, Effect: "Allow", Action: "s3:ListBucket", Resource: s3.arn },
            {
                Sid: `S3Objects${id}`,
                Effect: "Allow",
                Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                Resource: pulumi.interpolate`${s3.arn}/*`,
            },
            { Sid: `S3Kms${id}`, Effect: "Allow", Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: bucketKey },
        ],
        outputs: { kind: "bucket", endpoint: s3.name },
        ...(s3.originAccessControl
            ? { cdnOrigin: { domainName: s3.regionalDomainName, originAccessControlId: s3.originAccessControl.id } }
            : {}),
    };
}

/** Every kind's AWS provisioner (see the module doc). */
export const AWS_PROVISIONERS: { readonly [K in DatastoreKind]: AwsProvisioner<K> } = {
    // RDS and DocumentDB listen on the engine's port (the plan's), as ElastiCache on Redis's.
    database: { securityGroupPort: (d) => d.port, create: provisionDatabase },
    cache: { securityGroupPort: (d) => d.port, create: provisionCache },
    queue: { securityGroupPort: () => undefined, create: provisionQueue },
    bucket: { securityGroupPort: () => undefined, create: provisionBucket },
};

/** Provision datastore `d` with its kind's AWS provisioner. */
export function provisionAws<K extends DatastoreKind>(d: DatastorePlanOf<K>, ctx: AwsProvisionContext): AwsDatastoreBinding {
    const provisioner: AwsProvisioner<K> = AWS_PROVISIONERS[d.kind];
    return provisioner.create(d, ctx);
}

/** The port datastore `d`'s security group admits, as its kind's AWS provisioner says; undefined: it has no group. */
export function securityGroupPort<K extends DatastoreKind>(d: DatastorePlanOf<K>): number | undefined {
    const provisioner: AwsProvisioner<K> = AWS_PROVISIONERS[d.kind];
    return provisioner.securityGroupPort(d);
}
