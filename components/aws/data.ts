/**
 * The AWS data tier of a system: every datastore of the spec as its managed service (RDS,
 * DocumentDB, ElastiCache, SQS, S3), the customer KMS keys, AWS Backup with cross-region copies,
 * the DR site where `recovery.crossRegion` asks for one, and for each datastore the binding the app
 * tier wires into the services that use it (environment, ECS secrets, task-role statements).
 *
 * Before anything is created the spec's recovery objectives are checked against what AWS can
 * guarantee (`recoveryProblems`): a spec whose RPO the platform cannot meet is refused.
 *
 * Queues and Celery: specs that declare `queues` get SQS. The MDC preset declares none and runs
 * Celery's broker on its Redis cache (ElastiCache) as its seed does; see queue.ts for why.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { Problem, Settings, System } from "../../model";
import { planBackup, type Client } from "../../plan";
import { CONTINUOUS_BACKUP_MINUTES } from "../../conventions/cron";
import { connectionVariables } from "../../plan";
import { MANAGED_BY } from "../shared/naming";
import { AwsBackup, backupSelectionTags } from "./backup";
import { AwsBucket, cdnServesBucket } from "./object-store";
import { AwsCache } from "./cache";
import type { AwsDataArgs, AwsDatastoreBinding } from "./contract";
import type { ConnectionValues } from "../contract";
import { clientUrlKey } from "./common";
import { AwsDatabase } from "./database";
import { AwsDocumentDb } from "./documentdb";
import { AwsDrSite } from "./dr";
import { AwsKms } from "./kms";
import { AwsQueue, QUEUE_MESSAGE_ACTIONS } from "./queue";

/** The shortest RPO AWS guarantees: RDS and DocumentDB restore to at most 5 minutes before the latest restorable time. */
export const MIN_RPO_MINUTES = CONTINUOUS_BACKUP_MINUTES;

/**
 * Why AWS cannot meet the spec's recovery objectives, one message per problem (empty when it can):
 * an RPO under 5 minutes; a database whose backups are further apart than the RPO and that has no
 * point-in-time recovery; `recovery.crossRegion` without `tierform:drRegion` (or the DR region
 * being the primary one); a DocumentDB database under `crossRegion`, whose regional RPO is the
 * interval of its cross-region backup copies.
 */
export function recoveryProblems(system: System, settings: Pick<Settings, "drRegion">, primaryRegion?: string): Problem[] {
    const problems: Problem[] = [];
    const add = (where: string, message: string) => problems.push({ where, message });
    const rpo = system.recovery.rpoMinutes;
    for (const db of Object.values(system.databases)) {
        if (rpo < MIN_RPO_MINUTES) {
            add(
                "recovery.rpoMinutes",
                `recovery.rpoMinutes is ${rpo}, but databases.${db.name} cannot be recovered to less than ${MIN_RPO_MINUTES} minutes before a failure on AWS (point-in-time recovery's granularity); set recovery.rpoMinutes to ${MIN_RPO_MINUTES} or more`,
            );
            continue;
        }
        const backup = planBackup(db);
        const achievable = backup.achievableRpoMinutes;
        if (achievable > rpo) {
            const schedules = backup.schedules.map((s) => `'${s}'`).join(" and ");
            add(
                `databases.${db.name}.backup`,
                `recovery.rpoMinutes is ${rpo}, but databases.${db.name} is backed up only every ${achievable} minutes at worst (${schedules}) and has no point-in-time recovery; set databases.${db.name}.backup.pointInTime: true, or a backup.incrementalSchedule at least every ${rpo} minutes`,
            );
        }
        if (system.recovery.crossRegion && db.engine === "mongodb") {
            const copies = backup.worstGapMinutes;
            if (copies > rpo) {
                add(
                    `databases.${db.name}.backup`,
                    `recovery.rpoMinutes is ${rpo} with recovery.crossRegion, but databases.${db.name} (DocumentDB) reaches the DR region only through backup copies every ${copies} minutes; raise recovery.rpoMinutes to ${copies} or add a backup.incrementalSchedule at least every ${rpo} minutes`,
                );
            }
        }
    }
    if (system.recovery.crossRegion) {
        if (!settings.drRegion)
            add(
                "tierform:drRegion",
                "recovery.crossRegion is set, but tierform:drRegion is empty; set it to the region for replicas and backup copies (e.g. us-west-2)",
            );
        else if (primaryRegion && settings.drRegion === primaryRegion)
            add("tierform:drRegion", `recovery.crossRegion is set, but tierform:drRegion (${settings.drRegion}) is the stack's own region`);
    }
    return problems;
}

/** The environment variable names of every service that uses `datastore`, as connection.ts spells them. */
function variablesOf(system: System, datastore: string): string[] {
    const names = new Set<string>();
    for (const service of Object.values(system.services)) {
        for (const v of connectionVariables(system, service)) if (v.datastore === datastore) names.add(v.variable);
    }
    return [...names];
}

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

/**
 * Where off-site backup copies go without a DR site: a provider for `region` and a customer key
 * there (the vault itself is the backup component's `drVault`).
 */
function offsiteVaultTarget(
    name: string,
    system: System,
    region: string,
    opts: pulumi.ComponentResourceOptions,
): { provider: aws.Provider; kmsKeyArn: pulumi.Output<string> } {
    const provider = new aws.Provider(
        name,
        {
            region: region as aws.Region,
            defaultTags: { tags: { system: system.name, environment: system.environment, "managed-by": MANAGED_BY } },
        },
        { parent: opts.parent },
    );
    const kms = new AwsKms(
        `${name}-key`,
        { system, purpose: "offsite-backups", region },
        { parent: opts.parent, providers: { aws: provider } },
    );
    return { provider, kmsKeyArn: kms.arn };
}

/**
 * Create the data tier of `args.system` and return each datastore's binding by name. Recovery
 * objectives it cannot meet (`recoveryProblems`) were refused before any resource, by the one
 * refusal path (components/index.ts via the AWS platform's problems()).
 */
export function createDataTier(args: AwsDataArgs, opts: pulumi.ComponentResourceOptions): Record<string, AwsDatastoreBinding> {
    const { system, settings, network } = args;

    const n = (part: string) => `${system.name}-${part}`;
    const bindings: Record<string, AwsDatastoreBinding> = {};
    const databases = Object.values(system.databases);
    const fileSystemArns = args.fileSystemArns ?? [];
    const backedUp = databases.length + fileSystemArns.length > 0;
    const hasData =
        databases.length +
            fileSystemArns.length +
            Object.keys(system.caches).length +
            Object.keys(system.queues).length +
            Object.keys(system.buckets).length >
        0;
    if (!hasData) return bindings;

    const kms = new AwsKms(n("data"), { system, purpose: "data" }, opts);
    const sgOf = (name: string): pulumi.Input<string>[] => {
        const sg = network.datastoreSecurityGroupIds[name];
        if (sg === undefined) throw new Error(`datastore '${name}': the network gives it no security group (datastoreSecurityGroupIds)`);
        return [sg];
    };
    const drSite = system.recovery.crossRegion && settings.drRegion ? new AwsDrSite(n("dr"), { system, settings }, opts) : undefined;
    // Off-site backups: in prod every backup is copied to a vault in tierform:drRegion, also without a DR site (AuroMart's
    // "encrypted, off-site" backups): a region apart from the data, under its own key.
    const offsite =
        !drSite && system.profile.deletionProtection && settings.drRegion && backedUp
            ? offsiteVaultTarget(n("offsite"), system, settings.drRegion, opts)
            : undefined;
    const base = (): Omit<AwsDatastoreBinding, "outputs"> => ({
        environment: {},
        secrets: {},
        taskPolicyStatements: [],
        executionSecretArns: [],
        executionKmsKeyArns: [],
    });

    const backup = backedUp
        ? new AwsBackup(
              n("backup"),
              {
                  system,
                  databases,
                  fileSystemArns,
                  kmsKeyArn: kms.arn,
                  alarmTopicArn: args.alarmTopicArn,
                  dr: drSite ? { provider: drSite.provider, kmsKeyArn: drSite.kms.arn } : offsite,
              },
              opts,
          )
        : undefined;
    const backupOutputs = (db: string) =>
        backup
            ? {
                  backupVault: backup.vault.name,
                  backupPlanId: backup.plans[db].id,
                  ...(backup.drVault ? { drBackupVault: backup.drVault.arn } : {}),
              }
            : {};

    for (const db of databases) {
        const common = {
            system,
            database: db,
            subnetIds: network.isolatedSubnetIds,
            securityGroupIds: sgOf(db.name),
            kmsKeyArn: kms.arn,
            alarmTopicArn: args.alarmTopicArn,
            logsKmsKeyArn: args.logsKmsKeyArn,
            extraTags: backupSelectionTags(system, db.name),
        };
        const b = base();
        if (db.engine === "mongodb") {
            const doc = new AwsDocumentDb(n(db.name), common, opts);
            bindings[db.name] = {
                ...b,
                connection: secretRefs(doc.connection, doc.secret.arn, "password"),
                executionSecretArns: [doc.secret.arn],
                executionKmsKeyArns: [kms.arn],
                outputs: {
                    kind: "database",
                    endpoint: doc.endpoint,
                    readerEndpoints: [doc.readerEndpoint],
                    connectionString: doc.connectionString,
                },
                platformOutputs: backupOutputs(db.name),
            };
            continue;
        }
        const rds = new AwsDatabase(
            n(db.name),
            {
                ...common,
                dr: drSite
                    ? {
                          provider: drSite.provider,
                          region: drSite.region,
                          kmsKeyArn: drSite.kms.arn,
                          dbSubnetGroupName: drSite.dbSubnetGroup.name,
                          securityGroupIds: [drSite.securityGroup.id],
                          alarmTopicArn: drSite.alarmTopic.topicArn,
                      }
                    : undefined,
            },
            opts,
        );
        bindings[db.name] = {
            ...b,
            connection: secretRefs(rds.connection, rds.secret.arn, "password"),
            // IAM database authentication as the application user (tokens instead of the password).
            taskPolicyStatements: [
                {
                    Sid: `RdsIamConnect${db.name.replace(/[^A-Za-z0-9]/g, "")}`,
                    Effect: "Allow",
                    Action: "rds-db:connect",
                    Resource: rds.iamConnectArn,
                },
            ],
            executionSecretArns: [rds.secret.arn],
            executionKmsKeyArns: [kms.arn],
            outputs: {
                kind: "database",
                endpoint: rds.endpoint,
                readerEndpoints: rds.readerEndpoints,
                connectionString: rds.connectionString,
            },
            platformOutputs: {
                ...backupOutputs(db.name),
                ...(rds.drEndpoint && drSite ? { drEndpoint: rds.drEndpoint, drRegion: drSite.region } : {}),
            },
        };
    }

    for (const cache of Object.values(system.caches)) {
        const c = new AwsCache(
            n(cache.name),
            {
                system,
                cache,
                subnetIds: network.isolatedSubnetIds,
                securityGroupIds: sgOf(cache.name),
                kmsKeyArn: kms.arn,
                alarmTopicArn: args.alarmTopicArn,
            },
            opts,
        );
        const b = base();
        bindings[cache.name] = {
            ...b,
            connection: secretRefs(c.connection, c.secret.arn, "authToken"),
            executionSecretArns: [c.secret.arn],
            executionKmsKeyArns: [kms.arn],
            outputs: {
                kind: "cache",
                endpoint: c.endpoint,
                ...(c.readerEndpoint ? { readerEndpoints: [c.readerEndpoint] } : {}),
                connectionString: c.connectionString,
            },
        };
    }

    for (const queue of Object.values(system.queues)) {
        const q = new AwsQueue(n(queue.name), { system, queue, kmsKeyArn: kms.arn, alarmTopicArn: args.alarmTopicArn }, opts);
        const b = base();
        for (const v of variablesOf(system, queue.name)) b.secrets[v] = jsonKey(q.secret.arn, "url");
        const id = queue.name.replace(/[^A-Za-z0-9]/g, "");
        bindings[queue.name] = {
            ...b,
            taskPolicyStatements: [
                { Sid: `SqsMessages${id}`, Effect: "Allow", Action: QUEUE_MESSAGE_ACTIONS, Resource: q.arn },
                { Sid: `SqsKms${id}`, Effect: "Allow", Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: kms.arn },
            ],
            executionSecretArns: [q.secret.arn],
            executionKmsKeyArns: [kms.arn],
            outputs: { kind: "queue", endpoint: q.url },
            platformOutputs: { deadLetterQueueUrl: q.deadLetterQueue.url },
        };
    }

    const buckets = Object.values(system.buckets);
    const accessLogs =
        buckets.length > 0
            ? new AwsBucket(
                  n("access-logs"),
                  {
                      system,
                      bucket: {
                          name: "access-logs",
                          purpose: "archive",
                          versioned: true,
                          lifecycle: [],
                          expireAfterDays: system.profile.logRetentionDays,
                      },
                      accessLogTarget: true,
                  },
                  opts,
              )
            : undefined;
    // Buckets CloudFront serves get their own key, whose policy names the distribution (see object-store.ts).
    const served = buckets.filter((b) => cdnServesBucket(system, b) && args.cdnDistributionArn);
    const staticKms =
        served.length > 0
            ? new AwsKms(
                  n("static-assets"),
                  { system, purpose: "static-assets", cloudFrontDistributionArns: [args.cdnDistributionArn!] },
                  opts,
              )
            : undefined;
    for (const bucket of buckets) {
        const cdn = served.includes(bucket) && staticKms ? { kmsArn: staticKms.arn, distributionArn: args.cdnDistributionArn! } : undefined;
        const bucketKey = cdn?.kmsArn ?? kms.arn;
        const s3 = new AwsBucket(
            n(bucket.name),
            {
                system,
                bucket,
                kmsKeyArn: bucketKey,
                accessLogBucket: accessLogs?.name,
                ...(cdn ? { cdnDistributionArn: cdn.distributionArn } : {}),
            },
            opts,
        );
        const b = base();
        for (const v of variablesOf(system, bucket.name)) b.environment[v] = s3.name;
        const id = bucket.name.replace(/[^A-Za-z0-9]/g, "");
        bindings[bucket.name] = {
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
    return bindings;
}
