/**
 * What every tier of the AWS platform shares: where it runs (account, region, partition), IAM
 * documents (trust policies, TLS-only statements), the credentials secret of a datastore, the
 * isolated-subnet group every datastore lives in, and the instance classes by profile size.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { createHash } from "crypto";
import { awsTags, resourceName, type Tier } from "../shared/naming";
import type { Client, DatastoreSpecs, SystemFacts, Transport } from "../../plan";
import { type Problem, problemLines } from "../../conventions/problems";

/**
 * The longest name AWS accepts, by the kind of thing tierform names explicitly (the API references
 * are cited per type in scripts/offline/engine-rules/aws.ts `NAME_LIMITS`, which checks every plan).
 * Anything named from the system name (up to 40 characters) goes through {@link awsName}, so it
 * fits for every system name the spec accepts.
 */
export const AWS_NAME_MAX = {
    /** ELBv2 CreateLoadBalancer Name. */
    loadBalancer: 32,
    /** ELBv2 CreateTargetGroup Name. */
    targetGroup: 32,
    /** IAM CreateRole RoleName. */
    iamRole: 64,
    /** IAM PutRolePolicy PolicyName. */
    iamPolicy: 128,
    /** ElastiCache CreateReplicationGroup ReplicationGroupId. */
    replicationGroup: 40,
    /** RDS/DocumentDB DBInstanceIdentifier and DBClusterIdentifier. */
    rdsIdentifier: 63,
    /** AWS Backup vault, plan and selection names. */
    backup: 50,
    /** S3 bucket names (3-63). */
    bucket: 63,
    /** EventBridge rule names. */
    eventRule: 64,
    /** CloudFront origin access control names. */
    originAccessControl: 64,
    /** SQS queue names (a FIFO queue's `.fifo` included). */
    queue: 80,
    /** Parameter and subnet groups, log groups, secrets, alarms: 255 is the smallest of their limits. */
    other: 255,
} as const;

/**
 * `resourceName(parts)` cut to the AWS limit of `kind` (shortened with a hash, so distinct names stay
 * distinct). Load balancer names may not start with `internal-`: such a name is prefixed with `lb-`.
 */
export function awsName(kind: keyof typeof AWS_NAME_MAX, parts: string[]): string {
    const name = resourceName(parts, AWS_NAME_MAX[kind]);
    return kind === "loadBalancer" && name.startsWith("internal-") ? resourceName(["lb", ...parts], AWS_NAME_MAX[kind]) : name;
}

/**
 * What replaces a target group when it changes (terraform-provider-aws
 * `internal/service/elbv2/target_group.go`: `port`, `protocol`, `protocol_version`, `target_type`,
 * `vpc_id`, `ip_address_type` are `ForceNew`), with the provider's defaults for those left out.
 */
export interface TargetGroupIdentity {
    port: number;
    protocol: string;
    targetType: string;
    vpcId: pulumi.Input<string>;
    /** @default "HTTP1" (ELB's default for HTTP/HTTPS target groups) */
    protocolVersion?: string;
    /** @default "ipv4" */
    ipAddressType?: string;
}

/**
 * A target group's name: `awsName("targetGroup", parts)` with a 6-character hash of exactly the
 * inputs that force its replacement ({@link TargetGroupIdentity}). pulumi-aws creates the
 * replacement before deleting the old group (`deleteBeforeReplace` stays false, so no listener is
 * ever left without its group), and ELB refuses a second group of the same name ("ELBv2 Target
 * Group (…) already exists", target_group.go create): a replacement must bring a new name, and
 * this one changes exactly when a replacement happens.
 */
export function targetGroupName(parts: string[], identity: TargetGroupIdentity): pulumi.Output<string> {
    return pulumi.output(identity.vpcId).apply((vpcId) => {
        const forceNew = [
            identity.port,
            identity.protocol,
            identity.protocolVersion ?? "HTTP1",
            identity.targetType,
            vpcId,
            identity.ipAddressType ?? "ipv4",
        ].join("|");
        const hash = createHash("sha256").update(forceNew).digest("hex").slice(0, 6);
        return awsName("targetGroup", [...parts, hash]);
    });
}

/**
 * The longest `namePrefix` (`bucketPrefix`) pulumi-aws accepts: the API's limit less the 26
 * characters of the unique suffix the provider appends (terraform-provider-aws
 * `internal/create/naming.go` `UniqueIDSuffixLength`; IAM roles 64 - 26 = 38, S3 buckets 63 - 26 = 37).
 * A prefix keeps names unique where the same system creates the same kind twice (two regions, a
 * replacement that creates before it deletes).
 */
export const AWS_PREFIX_MAX = { iamRole: 38, bucket: 37 } as const;

/** A `namePrefix` for `kind`: `resourceName(parts)` cut to fit, ending in "-". */
export function awsNamePrefix(kind: keyof typeof AWS_PREFIX_MAX, parts: string[]): string {
    return `${resourceName(parts, AWS_PREFIX_MAX[kind] - 1)}-`;
}

/**
 * `text` as EC2 accepts it in a security group's or rule's description: only
 * `a-zA-Z0-9 ._-:/()#,@[]+=&;{}!$*`, at most 255 characters (EC2 API reference,
 * CreateSecurityGroup GroupDescription, IpRange Description). Anything else (an apostrophe, a
 * quote, a non-ASCII letter) is dropped; the engine rule `aws-ec2-description-characters` checks
 * every plan.
 */
export function ec2Description(text: string): string {
    return text
        .replace(/[^a-zA-Z0-9 ._\-:/()#,@[\]+=&;{}!$*]/g, "")
        .replace(/ +/g, " ")
        .slice(0, 255);
}

/** The account, region and partition of the provider a resource is created with. */
export interface AwsPlace {
    accountId: pulumi.Output<string>;
    region: pulumi.Output<string>;
    partition: pulumi.Output<string>;
}

/** Look up the account, region and partition once per component (`opts` carries parent/provider). */
export function awsPlace(opts: pulumi.InvokeOutputOptions = {}): AwsPlace {
    return {
        accountId: aws.getCallerIdentityOutput({}, opts).accountId,
        region: aws.getRegionOutput({}, opts).region,
        partition: aws.getPartitionOutput({}, opts).partition,
    };
}

/**
 * Stop with the spec's problems for the AWS platform, if any: a `pulumi.RunError` (Pulumi prints
 * its message without a stack trace) listing each problem under the spec path it concerns.
 */
export function throwProblems(system: Pick<SystemFacts, "name">, problems: Problem[]): void {
    if (problems.length === 0) return;
    const n = problems.length;
    const lines = problemLines(problems);
    throw new pulumi.RunError(
        [`tierform: ${system.name} cannot be built on AWS (${n} problem${n === 1 ? "" : "s"}):`, ...lines].join("\n"),
    );
}

/** The problem `check` throws, under `where`; none when it returns. */
export function problemOf(where: string, check: () => unknown): Problem[] {
    try {
        check();
        return [];
    } catch (err) {
        return [{ where, message: (err as Error).message }];
    }
}

/** An IAM policy document (JSON), resolving the Outputs inside it. */
export function policyJson(statements: pulumi.Input<aws.iam.PolicyStatement>[]): pulumi.Output<string> {
    return pulumi.output(statements).apply((s) => JSON.stringify({ Version: "2012-10-17", Statement: s }));
}

/**
 * The confused-deputy condition AWS documents for the trust policy of each service principal that
 * assumes a role here, with the page that documents it. A key AWS does not document for its
 * principal is left out: if the service does not send it, the condition never matches and every
 * assumption fails (every blue/green deployment, every backup job). `test/systems/aws-trust.test.ts`
 * holds every policy statement the prod plans register to the documented table.
 */
const TRUST_CONDITION: Record<string, "aws:SourceAccount" | undefined> = {
    // "Amazon ECS task IAM role", creating the role: the trust relationship with aws:SourceArn and aws:SourceAccount
    // to prevent the confused deputy problem. https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-iam-roles.html
    "ecs-tasks.amazonaws.com": "aws:SourceAccount",
    // "Setting up and enabling Enhanced Monitoring", Protecting against the confused deputy problem (aws:SourceArn, aws:SourceAccount).
    // https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_Monitoring.OS.Enabling.html#USER_Monitoring.OS.confused-deputy
    "monitoring.rds.amazonaws.com": "aws:SourceAccount",
    // "Amazon ECS infrastructure IAM role for load balancers": the documented trust policy has no condition.
    // https://docs.aws.amazon.com/AmazonECS/latest/developerguide/AmazonECSInfrastructureRolePolicyForLoadBalancers.html
    "ecs.amazonaws.com": undefined,
    // AWS Backup "IAM service roles" (and the AWSBackupDefaultServiceRole it creates): the trust policy has no condition.
    // https://docs.aws.amazon.com/aws-backup/latest/devguide/iam-service-roles.html
    "backup.amazonaws.com": undefined,
    // "Defining Lambda function permissions with an execution role": the documented trust policy has no condition.
    // https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html
    "lambda.amazonaws.com": undefined,
};

/**
 * The trust policy of a role an AWS service assumes on this account's behalf, e.g.
 * `ecs-tasks.amazonaws.com`, with the `aws:SourceAccount` condition only where AWS documents it for
 * that principal ({@link TRUST_CONDITION}).
 */
export function assumeRolePolicy(service: keyof typeof TRUST_CONDITION, accountId: pulumi.Input<string>): pulumi.Output<string> {
    const key = TRUST_CONDITION[service];
    return policyJson([
        {
            Effect: "Allow",
            Principal: { Service: service },
            Action: "sts:AssumeRole",
            ...(key ? { Condition: { StringEquals: { [key]: accountId } } } : {}),
        },
    ]);
}

/** The ARN of an AWS managed policy, e.g. `service-role/AmazonRDSEnhancedMonitoringRole`. */
export const managedPolicyArn = (partition: pulumi.Input<string>, path: string) =>
    pulumi.interpolate`arn:${partition}:iam::aws:policy/${path}`;

/** Statement denying any request not made over TLS (`aws:SecureTransport` false). */
export function denyInsecureTransport(actions: string, resources: pulumi.Input<string>[]): pulumi.Input<aws.iam.PolicyStatement> {
    return {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: actions,
        Resource: resources,
        Condition: { Bool: { "aws:SecureTransport": "false" } },
    };
}

/** Secrets Manager recovery window: 30 days where deletion is protected, 7 elsewhere. */
export const secretRecoveryDays = (deletionProtection: boolean) => (deletionProtection ? 30 : 7);

/**
 * The Secrets Manager secret a datastore's users read through ECS `secrets`: named
 * `tierform/<system>/<environment>/<datastore>-<suffix>`, encrypted with `kmsKeyArn`, protected in prod, its
 * value the JSON of `value` (which always carries a `url` key, the connection variables' source).
 */
export function connectionSecret(
    parent: pulumi.Resource,
    name: string,
    args: {
        system: SystemFacts;
        datastore: string;
        description: string;
        kmsKeyArn: pulumi.Input<string>;
        value: pulumi.Input<Record<string, unknown>>;
    },
): aws.secretsmanager.Secret {
    const { system } = args;
    const secret = new aws.secretsmanager.Secret(
        name,
        {
            // A prefix, not a fixed name: a deleted secret keeps its name for the recovery window (30 days in prod),
            // so a fixed name would refuse re-creating the stack within it ("a secret with this name is already
            // scheduled for deletion", https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_DeleteSecret.html).
            namePrefix: `tierform/${system.name}/${system.environment}/${args.datastore}-`,
            description: `${system.name} ${args.datastore}: ${args.description}`,
            kmsKeyId: args.kmsKeyArn,
            recoveryWindowInDays: secretRecoveryDays(system.profile.deletionProtection),
            tags: awsTags(system, "secrets"),
        },
        // A stack created with the earlier fixed name keeps it: the name is immutable, and changing it would replace a
        // protected secret (the update would fail on protect). Only new stacks get the prefix.
        { parent, protect: system.profile.deletionProtection, ignoreChanges: ["name", "namePrefix"] },
    );
    new aws.secretsmanager.SecretVersion(
        name,
        { secretId: secret.id, secretString: pulumi.output(args.value).apply((v) => JSON.stringify(v)) },
        { parent },
    );
    return secret;
}

/**
 * The credentials secret of a database (RDS's JSON shape: engine, host, port, username, password,
 * dbname, plus `url`, the connection URL its users receive).
 */
export function databaseSecret(
    parent: pulumi.Resource,
    name: string,
    args: {
        system: SystemFacts;
        database: DatastoreSpecs["database"];
        engine: string;
        host: pulumi.Input<string>;
        port: pulumi.Input<number>;
        password: pulumi.Input<string>;
        url: pulumi.Input<string>;
        /** The URL of every client of the engine, stored as `url_<client>` (components/shared/connection.ts). */
        urls: Partial<Record<Client, pulumi.Input<string>>>;
        kmsKeyArn: pulumi.Input<string>;
    },
): aws.secretsmanager.Secret {
    const { database: db } = args;
    return connectionSecret(parent, name, {
        system: args.system,
        datastore: db.name,
        description: "credentials and connection URLs (keys engine, host, port, username, password, dbname, url, url_<client>)",
        kmsKeyArn: args.kmsKeyArn,
        value: pulumi
            .all([args.host, args.port, args.password, args.url, clientUrlKeys(args.urls)])
            .apply(([host, port, password, url, urls]) => ({
                engine: args.engine,
                host,
                port,
                username: db.username,
                password,
                dbname: db.databaseName,
                url,
                ...urls,
            })),
    });
}

/** The secret's JSON key holding `client`'s URL (an ECS `valueFrom` names it: `<arn>:url_<client>::`). */
export const clientUrlKey = (client: Client) => `url_${client}`;

/** Every client's URL under its {@link clientUrlKey}. */
export function clientUrlKeys(urls: Partial<Record<Client, pulumi.Input<string>>>): pulumi.Output<Record<string, string>> {
    return pulumi.all(Object.fromEntries(Object.entries(urls).map(([c, u]) => [clientUrlKey(c as Client), u]))) as pulumi.Output<
        Record<string, string>
    >;
}

/**
 * The name of the snapshot RDS, DocumentDB or ElastiCache takes when the datastore is deleted:
 * `<id>-final-<8 hex>`, the suffix random per stack instance (a `random.RandomId`, stable across
 * updates). A fixed `<id>-final` would make the second deletion of a re-created stack fail, the
 * snapshot of the first still holding the name (snapshot names are unique per account and region).
 */
export function finalSnapshotName(parent: pulumi.Resource, name: string, id: string): pulumi.Output<string> {
    const suffix = new random.RandomId(`${name}-final-snapshot`, { byteLength: 4 }, { parent });
    return pulumi.interpolate`${id}-final-${suffix.hex}`;
}

/** What every datastore in the isolated subnets takes (RDS, DocumentDB, ElastiCache). */
export interface AwsIsolatedDatastoreArgs {
    /** The system's facts (names, tags, environment profile). */
    system: SystemFacts;
    /** Isolated subnets (no route to the internet) for the datastore's subnet group. */
    subnetIds: pulumi.Input<string>[];
    /** Security groups admitting only the services that use the datastore. */
    securityGroupIds: pulumi.Input<string>[];
    /** Customer KMS key for storage at rest and the credentials secret. */
    kmsKeyArn: pulumi.Input<string>;
    /** SNS topic the datastore's alarms notify. */
    alarmTopicArn: pulumi.Input<string>;
    /** How its clients' connection is secured on AWS: the plan's (plan/datastores.ts `transport`), which their URLs spell. */
    transport: Transport;
    /**
     * KMS key of the log groups of the datastore's log exports (RDS, DocumentDB).
     * @default none: the log groups are encrypted with CloudWatch Logs' own key
     */
    logsKmsKeyArn?: pulumi.Input<string>;
}

/**
 * The CloudWatch log groups RDS or DocumentDB writes its log exports to, created before the
 * database so they are the program's: encrypted with the logs key, kept the profile's log retention,
 * deleted with the stack. Left to the service, it creates them itself on the first export,
 * unencrypted and never expiring, and the program neither manages nor deletes them. Named as AWS
 * names them: `/aws/rds/instance/<instance>/<log>` (RDS User Guide, "Publishing database logs to
 * Amazon CloudWatch Logs", USER_LogAccess.Procedural.UploadtoCloudWatch.html) and
 * `/aws/docdb/<cluster>/<log>` (DocumentDB Developer Guide, "Publishing Amazon DocumentDB logs to
 * Amazon CloudWatch Logs", cloudwatch-logs.html).
 */
export function logExportGroups(
    parent: pulumi.Resource,
    name: string,
    args: { system: SystemFacts; group: string; logs: string[]; kmsKeyArn?: pulumi.Input<string>; provider?: pulumi.ProviderResource },
): aws.cloudwatch.LogGroup[] {
    return args.logs.map(
        (log) =>
            new aws.cloudwatch.LogGroup(
                `${name}-log-${log}`,
                {
                    name: `${args.group}/${log}`,
                    retentionInDays: args.system.observability.logRetentionDays,
                    ...(args.kmsKeyArn ? { kmsKeyId: args.kmsKeyArn } : {}),
                    tags: awsTags(args.system, "database"),
                },
                { parent, ...(args.provider ? { provider: args.provider } : {}) },
            ),
    );
}

/** The arguments RDS, DocumentDB and ElastiCache subnet groups share. */
interface SubnetGroupArgs {
    name: pulumi.Input<string>;
    description: pulumi.Input<string>;
    subnetIds: pulumi.Input<pulumi.Input<string>[]>;
    tags: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/**
 * The subnet group of a datastore over the isolated subnets, of the kind its service needs
 * (`aws.rds.SubnetGroup`, `aws.docdb.SubnetGroup`, `aws.elasticache.SubnetGroup`), named `id`.
 */
export function isolatedSubnetGroup<T extends pulumi.CustomResource>(
    kind: new (name: string, args: SubnetGroupArgs, opts?: pulumi.CustomResourceOptions) => T,
    parent: pulumi.Resource,
    name: string,
    args: { system: SystemFacts; datastore: string; id: string; subnetIds: pulumi.Input<string>[]; tier: Tier },
): T {
    return new kind(
        name,
        {
            name: args.id,
            description: `${args.system.name} ${args.datastore}: isolated subnets`,
            subnetIds: args.subnetIds,
            tags: awsTags(args.system, args.tier),
        },
        { parent },
    );
}

/** A profile's size of the datastores' instances (`profile.dataSize`): small, medium or large. */
type Size = SystemFacts["profile"]["dataSize"];

/**
 * RDS instance classes by profile size, with their memory in GiB (for parameter scaling and
 * alarm thresholds). Graviton classes: the best price/performance for PostgreSQL and MySQL.
 */
export const RDS_CLASSES: Record<Size, { instanceClass: string; memoryGiB: number }> = {
    small: { instanceClass: "db.t4g.medium", memoryGiB: 4 },
    medium: { instanceClass: "db.m6g.large", memoryGiB: 8 },
    large: { instanceClass: "db.r6g.xlarge", memoryGiB: 32 },
};

/** DocumentDB instance classes by profile size. */
export const DOCDB_CLASSES: Record<Size, string> = { small: "db.t4g.medium", medium: "db.r6g.large", large: "db.r6g.xlarge" };

/** ElastiCache node types by profile size, with their memory in GiB. */
export const CACHE_NODES: Record<Size, { nodeType: string; memoryGiB: number }> = {
    small: { nodeType: "cache.t4g.small", memoryGiB: 1.37 },
    medium: { nodeType: "cache.m6g.large", memoryGiB: 6.38 },
    large: { nodeType: "cache.r6g.large", memoryGiB: 13.07 },
};

/** The `HH:MM-HH:MM` (or `sun:HH:MM-sun:HH:MM` with `prefix` "sun:") one-hour window starting at a daily cron's time, shifted by `shiftHours`; undefined for other crons. */
export function dailyWindow(cron: string, shiftHours = 0, prefix = ""): string | undefined {
    const [minute, hour] = cron.trim().split(/\s+/);
    if (!/^\d+$/.test(minute) || !/^\d+$/.test(hour)) return undefined;
    const pad = (n: number) => String(n).padStart(2, "0");
    const start = (Number(hour) + shiftHours + 24) % 24;
    const endPrefix = prefix && start === 23 ? "mon:" : prefix;
    return `${prefix}${pad(start)}:${pad(Number(minute))}-${endPrefix}${pad((start + 1) % 24)}:${pad(Number(minute))}`;
}
