/**
 * Object storage as an S3 bucket with the separate configuration resources of @pulumi/aws v7
 * (`s3.Bucket` is the current bucket; the inline arguments are deprecated): versioning, default
 * encryption with the customer key (S3 Bucket Keys on), all four public-access-block flags,
 * bucket-owner-enforced ownership (no ACLs), a TLS-only bucket policy, server access logging to the
 * system's access-log bucket, and lifecycle rules from the spec (hot → warm → cold → archive, the
 * Asset Management tiers), expiry, old versions and abandoned multipart uploads.
 *
 * A bucket of purpose `static` that a CloudFront distribution serves (`cdnDistributionArn`) gets an
 * origin access control and a policy statement that lets that one distribution read it
 * (`AWS:SourceArn`). The distribution is created after the data tier (it needs this bucket), so
 * the caller passes its ARN as a `pulumi.deferredOutput`: the bucket and its origin access control
 * are created at once, the policy once the distribution exists. Its key must let the same
 * distribution decrypt (an `AwsKms` with `cloudFrontDistributionArns`).
 *
 * A log bucket (`accessLogTarget: true`: the data tier's S3 access logs, the edge's load-balancer
 * and CloudFront logs) uses SSE-S3: neither S3 server access logging nor ALB access logs deliver
 * into a bucket whose default encryption is SSE-KMS.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { DatastoreSpecs, SystemFacts, SystemPlan } from "../../plan";
import { awsTags, resourceName, type Tier } from "../shared/naming";
import { awsNamePrefix, awsPlace, denyInsecureTransport, policyJson, problemOf } from "./common";
import type { Problem } from "../../conventions/problems";

/** Arguments of {@link AwsBucket}. */
export interface AwsBucketArgs {
    /** The system's facts (names, tags, environment profile). */
    system: SystemFacts;
    /** The resolved bucket spec. */
    bucket: DatastoreSpecs["bucket"];
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
     * This bucket receives logs (SSE-S3; S3 server access logging of this account may write).
     * @default false
     */
    accessLogTarget?: boolean;
    /**
     * Further log writers of a log bucket: bucket-policy statements built from the bucket's ARN
     * (e.g. the load balancer's log delivery).
     * @default none
     */
    logWriters?: (bucketArn: pulumi.Output<string>) => pulumi.Input<aws.iam.PolicyStatement>[];
    /**
     * Keep object ACLs (ownership `BucketOwnerPreferred`) for a writer that still needs them:
     * CloudFront's standard logs.
     * @default false (`BucketOwnerEnforced`: ACLs off)
     */
    objectAcls?: boolean;
    /**
     * The `tier` tag.
     * @default "bucket"
     */
    tier?: Tier;
    /**
     * ARN of the CloudFront distribution that serves a `static` bucket through origin access
     * control (a `pulumi.deferredOutput` when the distribution is created later).
     * @default none (no origin access control; only the system's services read the bucket)
     */
    cdnDistributionArn?: pulumi.Input<string>;
}

/**
 * Whether the system's CloudFront distribution serves a bucket itself (at `/<bucket>/*`): a
 * `static` bucket of a system with a CDN, unless a route of the spec claims that path (then the
 * service behind the route serves it).
 */
export function cdnServesBucket(plan: Pick<SystemPlan, "edge" | "routes">, bucket: DatastoreSpecs["bucket"]): boolean {
    return plan.edge.cdn && bucket.purpose === "static" && !plan.routes.some((r) => r.path.replace(/\/+$/, "") === `/${bucket.name}`);
}

/** S3 storage class of a spec tier. Cold data that people open (documents, media) stays instantly retrievable. */
export function storageClass(tier: "warm" | "cold" | "archive", purpose: DatastoreSpecs["bucket"]["purpose"]): string {
    if (tier === "warm") return "STANDARD_IA";
    if (tier === "archive") return "DEEP_ARCHIVE";
    return purpose === "backups" || purpose === "archive" ? "GLACIER" : "GLACIER_IR";
}

/** The lifecycle rules of a bucket spec; throws on transitions S3 refuses. */
export function lifecycleRules(
    bucket: DatastoreSpecs["bucket"],
    noncurrentDays: number,
): aws.types.input.s3.BucketLifecycleConfigurationRule[] {
    const transitions = [...bucket.lifecycle].sort((a, b) => a.afterDays - b.afterDays);
    for (const t of transitions) {
        if (t.tier === "warm" && t.afterDays < 30)
            throw new Error(`bucket '${bucket.name}': lifecycle to warm (STANDARD_IA) needs afterDays of 30 or more, got ${t.afterDays}`);
    }
    const last = transitions[transitions.length - 1];
    if (bucket.expireAfterDays !== undefined && last && bucket.expireAfterDays <= last.afterDays) {
        throw new Error(
            `bucket '${bucket.name}': expireAfterDays (${bucket.expireAfterDays}) must come after the last lifecycle transition (${last.afterDays})`,
        );
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

/** What S3 cannot do with a bucket spec: lifecycle transitions it refuses. */
export function bucketProblems(bucket: DatastoreSpecs["bucket"]): Problem[] {
    return problemOf(`buckets.${bucket.name}.lifecycle`, () => lifecycleRules(bucket, 30));
}

/** An S3 bucket with encryption, versioning, public access block, TLS-only policy, logging and lifecycle. */
export class AwsBucket extends pulumi.ComponentResource {
    readonly bucket: aws.s3.Bucket;
    readonly name: pulumi.Output<string>;
    readonly arn: pulumi.Output<string>;
    /** Regional domain name, the origin a CloudFront distribution uses. */
    readonly regionalDomainName: pulumi.Output<string>;
    /** Origin access control for CloudFront (`static` buckets that a distribution serves). */
    readonly originAccessControl?: aws.cloudfront.OriginAccessControl;

    constructor(name: string, args: AwsBucketArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("tierform:aws:Bucket", name, {}, opts);
        const { system, bucket: spec } = args;
        const profile = system.profile;
        const tags = { ...awsTags(system, args.tier ?? "bucket"), purpose: args.accessLogTarget ? "access-logs" : spec.purpose };
        if (!args.kmsKeyArn && !args.accessLogTarget) throw new Error(`bucket '${spec.name}': a KMS key is required`);
        const versioned = spec.versioned || spec.purpose === "backups";

        const prod = profile.deletionProtection;
        this.bucket = new aws.s3.Bucket(
            name,
            {
                bucketPrefix: awsNamePrefix("bucket", [system.name, system.environment, args.accessLogTarget ? "logs" : spec.name]),
                forceDestroy: !prod,
                tags,
            },
            { parent: this, protect: prod, retainOnDelete: prod },
        );
        const bucket = this.bucket.bucket;
        new aws.s3.BucketOwnershipControls(
            name,
            { bucket, rule: { objectOwnership: args.objectAcls ? "BucketOwnerPreferred" : "BucketOwnerEnforced" } },
            { parent: this },
        );
        const pab = new aws.s3.BucketPublicAccessBlock(
            name,
            { bucket, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
            { parent: this },
        );
        new aws.s3.BucketVersioning(
            name,
            { bucket, versioningConfiguration: { status: versioned ? "Enabled" : "Suspended" } },
            { parent: this },
        );
        new aws.s3.BucketServerSideEncryptionConfiguration(
            name,
            {
                bucket,
                rules: [
                    args.accessLogTarget || !args.kmsKeyArn
                        ? { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }
                        : {
                              applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: args.kmsKeyArn },
                              bucketKeyEnabled: true,
                          },
                ],
            },
            { parent: this },
        );
        if (args.accessLogBucket) {
            new aws.s3.BucketLogging(
                name,
                {
                    bucket,
                    targetBucket: args.accessLogBucket,
                    targetPrefix: `${spec.name}/`,
                    targetObjectKeyFormat: { partitionedPrefix: { partitionDateSource: "EventTime" } },
                },
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
            statements.push(...(args.logWriters?.(this.bucket.arn) ?? []));
        }
        if (spec.purpose === "static" && args.cdnDistributionArn && !args.accessLogTarget) {
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
                Sid: "TheSystemsCloudFrontDistributionReads",
                Effect: "Allow",
                Principal: { Service: "cloudfront.amazonaws.com" },
                Action: "s3:GetObject",
                Resource: objects,
                Condition: { StringEquals: { "AWS:SourceArn": args.cdnDistributionArn } },
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
