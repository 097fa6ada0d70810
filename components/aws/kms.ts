/**
 * Customer-managed KMS keys for the data tier: one per region the system stores data in (the
 * primary region and, with `recovery.crossRegion`, the DR region). Yearly rotation is on, and the
 * key policy lets the account's IAM policies grant use (so a task role reads only what its own
 * policy names) plus the AWS services that encrypt on the system's behalf without an IAM caller:
 * CloudWatch Logs (log groups), CloudWatch/EventBridge/AWS Backup (publishing to the encrypted
 * alarm topic), and CloudFront (reading `static` buckets through origin access control).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { System } from "../../spec";
import { awsTags, resourceName } from "../shared/naming";
import { awsPlace, policyJson } from "./data-common";

export interface AwsKmsArgs {
    /** The system the key belongs to (tags, alias). */
    system: System;
    /** What the key protects, e.g. "data", "dr", "alarms"; used in its alias and description. */
    purpose: string;
    /**
     * Region the key lives in, for the CloudWatch Logs service principal of its policy.
     * @default the provider's region
     */
    region?: pulumi.Input<string>;
    /**
     * Waiting period before a deleted key is gone: a deleted key makes every backup encrypted
     * with it unreadable, so the longest window is the default.
     * @default 30
     */
    deletionWindowInDays?: number;
}

/** A symmetric customer-managed KMS key with rotation, a key policy and an alias. */
export class AwsKms extends pulumi.ComponentResource {
    readonly key: aws.kms.Key;
    readonly alias: aws.kms.Alias;
    /** The key ARN (what `kmsKeyId`/`kmsKeyArn` arguments take). */
    readonly arn: pulumi.Output<string>;

    constructor(name: string, args: AwsKmsArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("tierform:aws:Kms", name, {}, opts);
        const place = awsPlace({ parent: this });
        const region = args.region ? pulumi.output(args.region) : place.region;
        const root = pulumi.interpolate`arn:${place.partition}:iam::${place.accountId}:root`;
        const policy = policyJson([
            {
                Sid: "AccountAdministersAndIamPoliciesGrantUse",
                Effect: "Allow",
                Principal: { AWS: root },
                Action: "kms:*",
                Resource: "*",
            },
            {
                Sid: "CloudWatchLogsEncryptsLogGroupsOfThisAccount",
                Effect: "Allow",
                Principal: { Service: pulumi.interpolate`logs.${region}.amazonaws.com` },
                Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
                Resource: "*",
                Condition: { ArnLike: { "kms:EncryptionContext:aws:logs:arn": pulumi.interpolate`arn:${place.partition}:logs:${region}:${place.accountId}:*` } },
            },
            {
                Sid: "AlarmPublishersUseTheKeyForThisAccountOnly",
                Effect: "Allow",
                Principal: { Service: ["cloudwatch.amazonaws.com", "events.amazonaws.com", "backup.amazonaws.com"] },
                Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
                Resource: "*",
                Condition: { StringEquals: { "aws:SourceAccount": place.accountId } },
            },
            {
                Sid: "CloudFrontReadsStaticBucketsOfThisAccount",
                Effect: "Allow",
                Principal: { Service: "cloudfront.amazonaws.com" },
                Action: "kms:Decrypt",
                Resource: "*",
                Condition: { StringEquals: { "aws:SourceAccount": place.accountId } },
            },
        ]);
        this.key = new aws.kms.Key(
            name,
            {
                description: `tierform ${args.system.name} (${args.system.environment}): ${args.purpose}`,
                enableKeyRotation: true,
                deletionWindowInDays: args.deletionWindowInDays ?? 30,
                policy,
                tags: awsTags(args.system, "secrets"),
            },
            { parent: this, protect: args.system.profile.deletionProtection },
        );
        this.alias = new aws.kms.Alias(
            name,
            { name: `alias/tierform/${resourceName([args.system.name, args.system.environment, args.purpose])}`, targetKeyId: this.key.keyId },
            { parent: this },
        );
        this.arn = this.key.arn;
        this.registerOutputs({ arn: this.arn });
    }
}
