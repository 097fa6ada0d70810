/**
 * Customer-managed KMS keys, the one kind of key of the AWS platform: symmetric, rotated yearly,
 * protected in prod, with an alias `alias/tierform/<system>-<environment>-<purpose>` and a key
 * policy that lets the account's IAM policies grant use (so a task role reads only what its own
 * policy names) plus exactly the AWS services the key's purpose needs, each limited to this
 * account or to one resource:
 * - `logs`: CloudWatch Logs encrypts this account's log groups in the key's region;
 * - `alarms`: CloudWatch, EventBridge and AWS Backup publish to a topic encrypted with the key;
 * - `cloudFrontDistributionArns`: those distributions (and no other) decrypt objects they read
 *   through origin access control (`AWS:SourceArn`).
 *
 * The system uses: `logs` (log groups), `secrets` (generated application secrets), `alarms` (the
 * alarm topic), `data` (datastores, backups, data buckets), `static-assets` (buckets CloudFront
 * serves; its policy names the distribution, so it is created after the edge) and `dr` (the DR
 * region's replicas, copies, flow logs and alarm topic).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { awsTags, resourceName } from "../shared/naming";
import { awsPlace, policyJson } from "./common";
import type { SystemFacts } from "../../plan";

/** AWS services that may use a key for their own encryption (see the module comment). */
export type KmsServiceUse = "logs" | "alarms";

/** Arguments of {@link AwsKms}. */
export interface AwsKmsArgs {
    /** The system the key belongs to (tags, alias, protection). */
    system: SystemFacts;
    /** What the key protects, e.g. "data", "logs", "dr"; used in its alias and description. */
    purpose: string;
    /**
     * AWS services that may encrypt with the key on the system's behalf, limited to this account.
     * @default [] (IAM policies of the account only)
     */
    services?: KmsServiceUse[];
    /**
     * CloudFront distributions that may decrypt with the key (objects of the buckets they serve
     * through origin access control), each named by ARN in an `AWS:SourceArn` condition.
     * @default [] (no CloudFront access)
     */
    cloudFrontDistributionArns?: pulumi.Input<string>[];
    /**
     * Region the key lives in, for the CloudWatch Logs service principal of its policy.
     * @default the provider's region
     */
    region?: pulumi.Input<string>;
    /**
     * Waiting period before a deleted key is gone: a deleted key makes everything encrypted with
     * it unreadable (backups included), so the longest window is the default.
     * @default 30
     */
    deletionWindowInDays?: number;
}

/** The key policy statements of {@link AwsKms} (see the module comment). */
export function keyPolicyStatements(
    place: { accountId: pulumi.Input<string>; partition: pulumi.Input<string>; region: pulumi.Input<string> },
    services: KmsServiceUse[],
    cloudFrontDistributionArns: pulumi.Input<string>[],
): pulumi.Input<aws.iam.PolicyStatement>[] {
    const statements: pulumi.Input<aws.iam.PolicyStatement>[] = [
        {
            Sid: "AccountAdministersAndIamPoliciesGrantUse",
            Effect: "Allow",
            Principal: { AWS: pulumi.interpolate`arn:${place.partition}:iam::${place.accountId}:root` },
            Action: "kms:*",
            Resource: "*",
        },
    ];
    if (services.includes("logs")) {
        statements.push({
            Sid: "CloudWatchLogsEncryptsLogGroupsOfThisAccount",
            Effect: "Allow",
            Principal: { Service: pulumi.interpolate`logs.${place.region}.amazonaws.com` },
            Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
            Resource: "*",
            Condition: {
                ArnLike: {
                    "kms:EncryptionContext:aws:logs:arn": pulumi.interpolate`arn:${place.partition}:logs:${place.region}:${place.accountId}:log-group:*`,
                },
            },
        });
    }
    if (services.includes("alarms")) {
        // "Enable compatibility between event sources from AWS services and encrypted topics"
        // (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services): CloudWatch
        // alarms carry aws:SourceAccount; EventBridge's KMS requests do not (that page says the source keys are not
        // supported there), and AWS Backup documents none, so those two get the key without a source condition.
        statements.push({
            Sid: "AlarmPublishersUseTheKeyForThisAccountOnly",
            Effect: "Allow",
            Principal: { Service: "cloudwatch.amazonaws.com" },
            Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
            Resource: "*",
            Condition: { StringEquals: { "aws:SourceAccount": place.accountId } },
        });
        statements.push({
            Sid: "EventBridgeAndBackupPublishToTheEncryptedTopic",
            Effect: "Allow",
            Principal: { Service: ["events.amazonaws.com", "backup.amazonaws.com"] },
            Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
            Resource: "*",
        });
    }
    if (cloudFrontDistributionArns.length > 0) {
        statements.push({
            Sid: "CloudFrontDistributionsOfThisSystemReadThroughOriginAccessControl",
            Effect: "Allow",
            Principal: { Service: "cloudfront.amazonaws.com" },
            Action: "kms:Decrypt",
            Resource: "*",
            Condition: { StringEquals: { "AWS:SourceArn": cloudFrontDistributionArns } },
        });
    }
    return statements;
}

/** A symmetric customer-managed KMS key with rotation, a key policy and an alias. Type token `tierform:aws:Kms`. */
export class AwsKms extends pulumi.ComponentResource {
    readonly key: aws.kms.Key;
    readonly alias: aws.kms.Alias;
    /** The key ARN (what `kmsKeyId`/`kmsKeyArn` arguments take). */
    readonly arn: pulumi.Output<string>;

    constructor(name: string, args: AwsKmsArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("tierform:aws:Kms", name, {}, opts);
        const { system } = args;
        const place = awsPlace({ parent: this });
        const region = args.region ? pulumi.output(args.region) : place.region;
        this.key = new aws.kms.Key(
            name,
            {
                description: `tierform ${system.name} (${system.environment}): ${args.purpose}`,
                enableKeyRotation: true,
                deletionWindowInDays: args.deletionWindowInDays ?? 30,
                policy: policyJson(keyPolicyStatements({ ...place, region }, args.services ?? [], args.cloudFrontDistributionArns ?? [])),
                tags: awsTags(system, "secrets"),
            },
            { parent: this, protect: system.profile.deletionProtection },
        );
        this.alias = new aws.kms.Alias(
            name,
            { name: `alias/tierform/${resourceName([system.name, system.environment, args.purpose])}`, targetKeyId: this.key.keyId },
            { parent: this },
        );
        this.arn = this.key.arn;
        this.registerOutputs({ arn: this.arn });
    }
}
