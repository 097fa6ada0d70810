/**
 * The seam between the AWS network/edge/app tiers (issue 5) and the AWS data tier (issue 6):
 * what the data tier needs from the network, and what each datastore gives the services that use it.
 */
import type * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import type { DatastoreBinding } from "../contract";
import type { PlatformSettings, SystemPlan } from "../../plan";

/** A datastore's CloudWatch metrics: the namespace and one dimension set per instance, node or queue. */
export interface AwsDatastoreMetrics {
    /** `AWS/RDS`, `AWS/DocDB`, `AWS/ElastiCache`, `AWS/SQS`. */
    namespace: string;
    /** Each instance's, node's or queue's dimensions (RDS: the primary then its replicas; SQS: the queue then its dead-letter queue). */
    dimensions: Record<string, pulumi.Input<string>>[];
    /**
     * Each instance's dimensions where `dimensions` names the cluster (DocumentDB: `DBInstanceIdentifier` of each instance),
     * which the DatastoreNotReady alarm counts (monitoring.ts). @default `dimensions`
     */
    instances?: Record<string, pulumi.Input<string>>[];
    /** The primary's `DbiResourceId` (RDS with Performance Insights), which CloudWatch's `DB_PERF_INSIGHTS` names. @default none */
    perfInsightsResourceId?: pulumi.Input<string>;
    /** The AWS Backup vault the database's recovery points go to (its `AWS/Backup` metrics' `BackupVaultName`). @default none: no AWS Backup */
    backupVaultName?: pulumi.Input<string>;
}

/** The network as the data tier sees it. */
export interface AwsNetworkInfo {
    vpcId: pulumi.Input<string>;
    vpcCidr: pulumi.Input<string>;
    /** Subnets with a route to the internet gateway: the load balancer only. */
    publicSubnetIds: pulumi.Input<string>[];
    /** Subnets with egress through NAT: the ECS services. */
    privateSubnetIds: pulumi.Input<string>[];
    /** Subnets without any route to the internet: the datastores. */
    isolatedSubnetIds: pulumi.Input<string>[];
    /** Security group of each datastore by spec name; it admits only the groups of the services that `use` it. */
    datastoreSecurityGroupIds: Record<string, pulumi.Input<string>>;
    /** Security group of each service by spec name. */
    serviceSecurityGroupIds: Record<string, pulumi.Input<string>>;
}

/** What the data tier builds from. */
export interface AwsDataArgs {
    /**
     * The system's plan: its facts (names, environment profile, recovery, log retention), every
     * datastore by name in the plan's order (what the provisioners create, plan/datastores.ts), the
     * databases' backup plans, and the edge's CDN and routes (which `static` buckets CloudFront serves).
     */
    plan: SystemPlan;
    /** The stack's settings (`drRegion`, `alarmEmail` for the DR site). */
    settings: PlatformSettings;
    /** The network's isolated subnets and datastore security groups. */
    network: AwsNetworkInfo;
    /** SNS topic every alarm notifies. */
    alarmTopicArn: pulumi.Input<string>;
    /** KMS key of the log groups the databases' log exports write to (the stack's logs key). */
    logsKmsKeyArn: pulumi.Input<string>;
    /**
     * ARN of the CloudFront distribution that serves the `static` buckets. The edge creates it
     * after the data tier (it needs the buckets), so the system passes a `pulumi.deferredOutput`
     * that it resolves once the edge exists; only the static buckets' key and policies wait for it.
     * @default none (no CDN: static buckets get no origin access control)
     */
    cdnDistributionArn?: pulumi.Input<string>;
    /**
     * The file shares' EFS file systems, which the system's AWS Backup plans take in (files.ts).
     * @default [] (no file shares)
     */
    fileSystemArns?: pulumi.Input<string>[];
}

/**
 * How one datastore is wired into the services that use it on AWS: the shared binding, whose
 * `secrets` are Secrets Manager ARNs (or `arn:...:key::` JSON key references) for ECS `secrets`,
 * plus what only AWS needs.
 */
export interface AwsDatastoreBinding extends DatastoreBinding {
    /** IAM statements the task role needs to use this datastore (its own ARNs only). */
    taskPolicyStatements: pulumi.Input<aws.iam.PolicyStatement>[];
    /** Secrets Manager ARNs and KMS key ARNs the execution role must read to inject `secrets`. */
    executionSecretArns: pulumi.Input<string>[];
    executionKmsKeyArns: pulumi.Input<string>[];
    /** AWS-specific outputs for `SystemOutputs.platform` (backup vault and plan, DR endpoint, dead-letter queue URL). */
    platformOutputs?: Record<string, pulumi.Input<unknown>>;
    /**
     * Where CloudWatch has the datastore's metrics: their namespace and the dimensions of each
     * instance, node or queue, as the datastore's own alarms name them (the dashboard reads them,
     * observability.ts). @default none (no metrics: a bucket)
     */
    cloudWatch?: AwsDatastoreMetrics;
    /** A `static` bucket as a CloudFront origin: its regional domain name and origin access control. */
    cdnOrigin?: { domainName: pulumi.Input<string>; originAccessControlId: pulumi.Input<string> };
}
