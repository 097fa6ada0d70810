/**
 * VPC flow logs to an S3 bucket of their own (also used by the DR site, dr.ts).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { awsTags } from "../../shared/naming";
import { awsNamePrefix, awsPlace, denyInsecureTransport, policyJson } from "../common";
import type { SystemFacts } from "../../../plan";

/**
 * Flow-log aggregation interval: 600 s, the coarser of the two EC2 allows (60 or 600; CreateFlowLogs
 * MaxAggregationInterval). Cost: ingestion is billed per GB whatever the interval, but ten-minute
 * records aggregate a chatty flow into one record instead of ten (fewer, larger records), which is
 * enough for the security review the seeds ask for.
 */
export const FLOW_LOG_INTERVAL_SECONDS = 600;

/**
 * VPC flow logs of every flow (accepted and rejected) at ten-minute aggregation, delivered to an S3
 * bucket of their own: S3 storage costs a fraction of CloudWatch Logs ingestion ($0.50/GB) and
 * the S3 gateway endpoint keeps nothing of it on NAT. The bucket blocks all public access, owns
 * every object (ACLs off), is versioned (a deleted log is kept 30 more days), encrypts with SSE-S3 (AES-256; like the other log buckets, no key
 * policy for the delivery service to keep right), expires objects after `retentionInDays` (the
 * retention the log group had), accepts only TLS, and lets only the log-delivery service of this
 * account write under `AWSLogs/<account>/` (VPC user guide, "Amazon S3 bucket permissions for flow
 * logs": https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-s3-permissions.html). `opts`
 * carries the parent and, for another region, the provider.
 */
export function vpcFlowLogs(
    name: string,
    args: { system: SystemFacts; vpcId: pulumi.Input<string>; bucketPrefixParts: string[]; retentionInDays: number },
    opts: pulumi.CustomResourceOptions,
): aws.ec2.FlowLog {
    const { system } = args;
    const tags = awsTags(system, "network");
    const place = awsPlace(opts);
    const prod = system.profile.deletionProtection;
    const bucket = new aws.s3.Bucket(
        `${name}-bucket`,
        { bucketPrefix: awsNamePrefix("bucket", args.bucketPrefixParts), forceDestroy: !prod, tags: { ...tags, purpose: "flow-logs" } },
        { ...opts, protect: prod, retainOnDelete: prod },
    );
    new aws.s3.BucketPublicAccessBlock(
        `${name}-bucket`,
        { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
        opts,
    );
    new aws.s3.BucketOwnershipControls(`${name}-bucket`, { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } }, opts);
    // Versioned, like every bucket (policy aws-s3-versioning): a deleted log stays recoverable for 30 days.
    new aws.s3.BucketVersioning(`${name}-bucket`, { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } }, opts);
    new aws.s3.BucketServerSideEncryptionConfiguration(
        `${name}-bucket`,
        { bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] },
        opts,
    );
    new aws.s3.BucketLifecycleConfiguration(
        `${name}-bucket`,
        {
            bucket: bucket.id,
            rules: [
                {
                    id: "expire-flow-logs",
                    status: "Enabled",
                    filter: {},
                    expiration: { days: args.retentionInDays },
                    noncurrentVersionExpiration: { noncurrentDays: 30 },
                    abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
                },
            ],
        },
        opts,
    );
    const sourceAccount = { "aws:SourceAccount": place.accountId };
    const sourceArn = { "aws:SourceArn": pulumi.interpolate`arn:${place.partition}:logs:${place.region}:${place.accountId}:*` };
    const policy = new aws.s3.BucketPolicy(
        `${name}-bucket`,
        {
            bucket: bucket.id,
            policy: policyJson([
                denyInsecureTransport("s3:*", [bucket.arn, pulumi.interpolate`${bucket.arn}/*`]),
                {
                    Sid: "FlowLogDeliveryWrite",
                    Effect: "Allow",
                    Principal: { Service: "delivery.logs.amazonaws.com" },
                    Action: "s3:PutObject",
                    Resource: pulumi.interpolate`${bucket.arn}/AWSLogs/${place.accountId}/*`,
                    Condition: { StringEquals: { "s3:x-amz-acl": "bucket-owner-full-control", ...sourceAccount }, ArnLike: sourceArn },
                },
                {
                    Sid: "FlowLogDeliveryAclCheck",
                    Effect: "Allow",
                    Principal: { Service: "delivery.logs.amazonaws.com" },
                    Action: "s3:GetBucketAcl",
                    Resource: bucket.arn,
                    Condition: { StringEquals: sourceAccount, ArnLike: sourceArn },
                },
            ]),
        },
        opts,
    );
    return new aws.ec2.FlowLog(
        name,
        {
            vpcId: args.vpcId,
            trafficType: "ALL",
            logDestinationType: "s3",
            logDestination: bucket.arn,
            maxAggregationInterval: FLOW_LOG_INTERVAL_SECONDS,
            tags,
        },
        // The delivery service must be admitted before the flow log is created (CreateFlowLogs checks the bucket).
        { ...opts, dependsOn: [policy] },
    );
}
