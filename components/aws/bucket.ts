/**
 * Object storage as an S3 bucket with the separate configuration resources of @pulumi/aws v7
 * (`s3.Bucket` is the current bucket; the inline arguments are deprecated): versioning, default
 * encryption with the customer key (S3 Bucket Keys on), all four public-access-block flags,
 * bucket-owner-enforced ownership (no ACLs), a TLS-only bucket policy, server access logging to the
 * system's access-log bucket, and lifecycle rules from the spec (hot → warm → cold → archive, the
 * Asset Management tiers), expiry, old versions and abandoned multipart uploads.
 *
 * Buckets of purpose `static` get a CloudFront origin access control and a policy statement that
 * lets CloudFront distributions of this account read them (the edge's distribution is created
 * after the data tier, so its exact ARN is not known here).
 *
 * The access-log bucket itself (`accessLogTarget: true`) uses SSE-S3: S3 server access logging
 * cannot deliver into a bucket whose default encryption is SSE-KMS.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { Bucket, System } from "../../spec";
import { awsTags, resourceName } from "../shared/naming";
import { awsPlace, denyInsecureTransport, policyJson } from "./data-common";

export interface AwsBucketArgs {
    system: System;
    /** The resolved bucket spec. */
    bucket: Bucket;
    /**
     * Customer KMS key for default encryption; required unless `accessLogTarget`.
     * @default none (SSE-S3), only for the access-log bucket
     */
    kmsKeyArn?: pulumi.Input<string>;
    /**
     * Bucket that receives this bucket's server access logs.
     * @default no access logging (only for the access-log bucket itself)
     */
    accessLogBucket?: pulumi.Input<string>;
    /**
     * This bucket receives the system's S3 server access logs (SSE-S3, the logging service may write).
     * @default false
     */
    accessLogTarget?: boolean;
}

/** S3 storage class of a spec tier. Cold data that people open (documents, media) stays instantly retrievable. */
export function storageClass(tier: "warm" | "cold" | "archive", purpose: Bucket["purpose"]): string {
    if (tier === "warm") return "STANDARD_IA";
    if (tier === "archive") return "DEEP_ARCHIVE";
    return purpose === "backups" || purpose === "archive" ? "GLACIER" : "GLACIER_IR";
}

/** The lifecycle rules of a bucket spec; throws on transitions S3 refuses. */
export function lifecycleRules(bucket: Bucket, noncurrentDays: number): aws.types.input.s3.BucketLifecycleConfigurationRule[] {
    const transitions = [...bucket.lifecycle].sort((a, b) => a.afterDays - b.afterDays);
    for (const t of transitions) {
        if (t.tier === "warm" && t.afterDays < 30) throw new Error(`bucket '${bucket.name}': lifecycle to warm (STANDARD_IA) needs afterDays of 30 or more, got ${t.afterDays}`);
    }
    const last = transitions[transitions.length - 1];
    if (bucket.expireAfterDays !== undefined && last && bucket.expireAfterDays <= last.afterDays) {
        throw new Error(`bucket '${bucket.name}': expireAfterDays (${bucket.expireAfterDays}) must come after the last lifecycle transition (${last.afterDays})`);
    }
    const rules: aws.types.input.s3.BucketLifecycleConfigurationRule[] = [
        {
            id: "abort-incomplete-multipart-uploads",
            status: "Enabled",
            filter: {},
            abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
        },
    ];
    if (transitions.length > 0 || bucket.expireAfterDays !== undefined) {
        rules.push({
            id: "tiers",
            status: "Enabled",
            filter: {},
            transitions: transitions.map((t) => ({ days: t.afterDays, storageClass: storageClass(t.tier, bucket.purpose) })),
            ...(bucket.expireAfterDays !== undefined ? { expiration: { days: bucket.expireAfterDays } } : {}),
        });
    }
    if (bucket.versioned) {
        rules.push({ id: "noncurrent-versions", status: "Enabled", filter: {}, noncurrentVersionExpiration: { noncurrentDays } });
    }
    return rules;
}

/** An S3 bucket with encryption, versioning, public access block, TLS-only policy, logging and lifecycle. */
export class AwsBucket extends pulumi.ComponentResource {
    readonly bucket: aws.s3.Bucket;
    readonly name: pulumi.Output<string>;
    readonly arn: pulumi.Output<string>;
    /** Regional domain name, the origin a CloudFront distribution uses. */
    readonly regionalDomainName: pulumi.Output<string>;
    /** Origin access control for CloudFront (`static` buckets only). */
    readonly originAccessControl?: aws.cloudfront.OriginAccessControl;

    constructor(name: string, args: AwsBucketArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("tierform:aws:Bucket", name, {}, opts);
        const { system, bucket: spec } = args;
        const profile = system.profile;
        const tags = { ...awsTags(system, "bucket"), purpose: args.accessLogTarget ? "access-logs" : spec.purpose };
        if (!args.kmsKeyArn && !args.accessLogTarget) throw new Error(`bucket '${spec.name}': a KMS key is required`);
        const versioned = spec.versioned || spec.purpose === "backups";

        this.bucket = new aws.s3.Bucket(name, { forceDestroy: !profile.deletionProtection, tags }, { parent: this, protect: profile.deletionProtection });
        const bucket = this.bucket.bucket;
        new aws.s3.BucketOwnershipControls(name, { bucket, rule: { objectOwnership: "BucketOwnerEnforced" } }, { parent: this });
        const pab = new aws.s3.BucketPublicAccessBlock(
            name,
            { bucket, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
            { parent: this },
        );
        new aws.s3.BucketVersioning(name, { bucket, versioningConfiguration: { status: versioned ? "Enabled" : "Suspended" } }, { parent: this });
        new aws.s3.BucketServerSideEncryptionConfiguration(
            name,
            {
                bucket,
                rules: [
                    args.accessLogTarget || !args.kmsKeyArn
                        ? { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }
                        : { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: args.kmsKeyArn }, bucketKeyEnabled: true },
                ],
            },
            { parent: this },
        );
        if (args.accessLogBucket) {
            new aws.s3.BucketLogging(
                name,
                { bucket, targetBucket: args.accessLogBucket, targetPrefix: `${spec.name}/`, targetObjectKeyFormat: { partitionedPrefix: { partitionDateSource: "EventTime" } } },
                { parent: this },
            );
        }
        new aws.s3.BucketLifecycleConfiguration(
            name,
            { bucket, rules: lifecycleRules({ ...spec, versioned }, Math.max(30, profile.backupRetentionDays)) },
            { parent: this },
        );

        const place = awsPlace({ parent: this });
        const objects = pulumi.interpolate`${this.bucket.arn}/*`;
        const statements: pulumi.Input<aws.iam.PolicyStatement>[] = [denyInsecureTransport("s3:*", [this.bucket.arn, objects])];
        if (args.accessLogTarget) {
            statements.push({
                Sid: "S3ServerAccessLogsOfThisAccount",
                Effect: "Allow",
                Principal: { Service: "logging.s3.amazonaws.com" },
                Action: "s3:PutObject",
                Resource: objects,
                Condition: { StringEquals: { "aws:SourceAccount": place.accountId } },
            });
        }
        if (spec.purpose === "static" && !args.accessLogTarget) {
            this.originAccessControl = new aws.cloudfront.OriginAccessControl(
                name,
                {
                    name: resourceName([system.name, system.environment, spec.name], 64),
                    description: `${system.name} ${spec.name}: CloudFront reads the bucket with SigV4`,
                    originAccessControlOriginType: "s3",
                    signingBehavior: "always",
                    signingProtocol: "sigv4",
                },
                { parent: this },
            );
            statements.push({
                Sid: "CloudFrontDistributionsOfThisAccountRead",
                Effect: "Allow",
                Principal: { Service: "cloudfront.amazonaws.com" },
                Action: "s3:GetObject",
                Resource: objects,
                Condition: {
                    StringEquals: { "AWS:SourceAccount": place.accountId },
                    ArnLike: { "AWS:SourceArn": pulumi.interpolate`arn:${place.partition}:cloudfront::${place.accountId}:distribution/*` },
                },
            });
        }
        // The public access block goes first, so no policy is ever evaluated without it.
        new aws.s3.BucketPolicy(name, { bucket, policy: policyJson(statements) }, { parent: this, dependsOn: [pab] });

        this.name = this.bucket.bucket;
        this.arn = this.bucket.arn;
        this.regionalDomainName = this.bucket.bucketRegionalDomainName;
        this.registerOutputs({ name: this.name, arn: this.arn });
    }
}
