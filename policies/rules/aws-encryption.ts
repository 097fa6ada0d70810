/**
 * Encryption on AWS: every datastore at rest and in transit, queues and topics, S3 public access,
 * KMS key rotation, backup vaults, secrets and log groups.
 */
import { resourcePolicy, S3_BUCKETS, setting } from "./util";
import { RDS_INSTANCE, RDS_CLUSTER, DOCDB_CLUSTER, REPLICATION_GROUP } from "./aws-shared";

const encSchema = {
    properties: {
        requireCustomerManagedKey: setting.boolean(false, "Require a customer-managed KMS key (kmsKeyId), not the AWS-managed default."),
    },
};

/** Databases encrypted at rest. */
export const awsDatabaseEncrypted = resourcePolicy({
    name: "aws-database-encrypted",
    description:
        "RDS instances and clusters and DocumentDB clusters encrypt storage (read replicas through their KMS key), with a customer-managed key where configured.",
    group: "security",
    platforms: ["aws"],
    checklist: ["mdc-database-encrypted", "encryption-at-rest"],
    sources: ["Checkov CKV_AWS_16", "Checkov CKV_AWS_74", "awsguard rds-storage-encrypted"],
    types: [RDS_INSTANCE, RDS_CLUSTER, DOCDB_CLUSTER],
    configSchema: encSchema,
    validate: (props, args, report, { requireCustomerManagedKey }) => {
        const replica = !!props.replicateSourceDb;
        if (props.storageEncrypted !== true && !(replica && props.kmsKeyId)) report("storage is not encrypted (storageEncrypted: true)");
        if (requireCustomerManagedKey && !props.kmsKeyId) report("no customer-managed kmsKeyId");
    },
});

/** Databases enforce TLS connections. */
export const awsDatabaseTls = resourcePolicy({
    name: "aws-database-tls",
    description:
        "Database parameter groups force TLS connections: PostgreSQL rds.force_ssl=1, MySQL require_secure_transport=ON, DocumentDB tls not disabled.",
    group: "security",
    platforms: ["aws"],
    checklist: ["encryption-in-transit"],
    sources: ["seed 003 'Database connection encryption'", "AWS RDS SSL/TLS docs"],
    types: [
        "aws:rds/parameterGroup:ParameterGroup",
        "aws:rds/clusterParameterGroup:ClusterParameterGroup",
        "aws:docdb/clusterParameterGroup:ClusterParameterGroup",
    ],
    validate: (props, args, report) => {
        const params: Record<string, string> = {};
        for (const p of props.parameters ?? []) params[String(p.name)] = String(p.value).toLowerCase();
        const family = String(props.family ?? "");
        if (args.type.startsWith("aws:docdb")) {
            if (params.tls === "disabled") report("DocumentDB tls is disabled");
        } else if (/postgres/.test(family)) {
            // rds.force_ssl defaults to 1 from PostgreSQL 15 on RDS: absent is then enforced.
            const major = Number(/postgres(\d+)/.exec(family)?.[1] ?? 0);
            const forced = params["rds.force_ssl"] ?? (major >= 15 ? "1" : undefined);
            if (forced !== "1") report("rds.force_ssl is not 1");
        } else if (/mysql|mariadb/.test(family)) {
            if (!["on", "1"].includes(params.require_secure_transport)) report("require_secure_transport is not ON");
        }
    },
});

/** ElastiCache encrypted and authenticated. */
export const awsElasticacheEncrypted = resourcePolicy({
    name: "aws-elasticache-encrypted",
    description:
        "ElastiCache replication groups encrypt at rest and in transit and require authentication (auth token or RBAC user groups).",
    group: "security",
    platforms: ["aws"],
    checklist: ["encryption-at-rest", "encryption-in-transit", "mdc-database-encrypted"],
    sources: ["Checkov CKV_AWS_29", "Checkov CKV_AWS_30", "Checkov CKV_AWS_31"],
    types: [REPLICATION_GROUP],
    validate: (props, _args, report) => {
        if (props.atRestEncryptionEnabled !== true) report("atRestEncryptionEnabled is not true");
        if (props.transitEncryptionEnabled !== true) report("transitEncryptionEnabled is not true");
        if (!props.authToken && (props.userGroupIds ?? []).length === 0) report("no auth token or user group");
    },
});

/** SQS encrypted. */
export const awsSqsEncrypted = resourcePolicy({
    name: "aws-sqs-encrypted",
    description: "SQS queues use server-side encryption (SQS-managed or KMS).",
    group: "security",
    platforms: ["aws"],
    checklist: ["encryption-at-rest"],
    sources: ["Checkov CKV_AWS_27"],
    types: ["aws:sqs/queue:Queue"],
    validate: (props, _args, report) => {
        if (props.sqsManagedSseEnabled !== true && !props.kmsMasterKeyId)
            report("queue is not encrypted (sqsManagedSseEnabled or kmsMasterKeyId)");
    },
});

/** SNS encrypted. */
export const awsSnsEncrypted = resourcePolicy({
    name: "aws-sns-encrypted",
    description: "SNS topics (alarm notifications) are encrypted with KMS.",
    group: "security",
    platforms: ["aws"],
    checklist: ["encryption-at-rest"],
    sources: ["Checkov CKV_AWS_26"],
    types: ["aws:sns/topic:Topic"],
    validate: (props, _args, report) => {
        if (!props.kmsMasterKeyId) report("topic has no kmsMasterKeyId");
    },
});

/** S3 public access block complete. */
export const awsS3PublicAccessBlock = resourcePolicy({
    name: "aws-s3-public-access-block",
    description: "Every S3 public access block sets all four switches.",
    group: "security",
    platforms: ["aws"],
    checklist: ["port-restrictions"],
    sources: ["Checkov CKV_AWS_53", "Checkov CKV_AWS_54", "Checkov CKV_AWS_55", "Checkov CKV_AWS_56"],
    types: ["aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"],
    validate: (props, _args, report) => {
        for (const k of ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"])
            if (props[k] !== true) report(`${k} is not true`);
    },
});

const PUBLIC_ACLS = ["public-read", "public-read-write", "authenticated-read"];

/** No public ACLs. */
export const awsS3NoPublicAcl = resourcePolicy({
    name: "aws-s3-no-public-acl",
    description: "No bucket or bucket ACL grants public (or any-AWS-user) read or write.",
    group: "security",
    platforms: ["aws"],
    checklist: ["port-restrictions"],
    sources: ["Checkov CKV_AWS_20", "Checkov CKV_AWS_57"],
    types: [...S3_BUCKETS, "aws:s3/bucketAcl:BucketAcl", "aws:s3/bucketAclV2:BucketAclV2"],
    validate: (props, _args, report) => {
        if (PUBLIC_ACLS.includes(props.acl)) report(`acl is ${props.acl}`);
    },
});

/** KMS rotation. */
export const awsKmsRotation = resourcePolicy({
    name: "aws-kms-rotation",
    description: "Customer-managed KMS keys rotate yearly and keep a deletion window of at least 7 days.",
    group: "security",
    platforms: ["aws"],
    checklist: ["encryption-at-rest", "backup-encryption"],
    sources: ["Checkov CKV_AWS_7", "awsguard cmk-backing-key-rotation-enabled"],
    types: ["aws:kms/key:Key"],
    validate: (props, _args, report) => {
        if (
            props.enableKeyRotation !== true &&
            (props.keyUsage ?? "ENCRYPT_DECRYPT") === "ENCRYPT_DECRYPT" &&
            !String(props.customerMasterKeySpec ?? "SYMMETRIC_DEFAULT").startsWith("RSA")
        )
            report("enableKeyRotation is not true");
        if (props.deletionWindowInDays !== undefined && Number(props.deletionWindowInDays) < 7)
            report(`deletionWindowInDays ${props.deletionWindowInDays} is below 7`);
    },
});

/** Backup vault encrypted. */
export const awsBackupVaultEncrypted = resourcePolicy({
    name: "aws-backup-vault-encrypted",
    description: "AWS Backup vaults encrypt recovery points with a customer-managed KMS key.",
    group: "security",
    platforms: ["aws"],
    checklist: ["backup-encryption"],
    sources: ["Checkov CKV_AWS_166", "seed 000 'Data backup encryption'"],
    types: ["aws:backup/vault:Vault"],
    validate: (props, _args, report) => {
        if (!props.kmsKeyArn) report("vault has no kmsKeyArn");
    },
});

/** Secrets Manager secrets with a CMK. */
export const awsSecretsKms = resourcePolicy({
    name: "aws-secrets-kms",
    description: "Secrets Manager secrets are encrypted with a customer-managed KMS key and keep a recovery window.",
    group: "security",
    platforms: ["aws"],
    checklist: ["mdc-secrets-in-vault"],
    sources: ["Checkov CKV_AWS_149"],
    types: ["aws:secretsmanager/secret:Secret"],
    validate: (props, _args, report) => {
        if (!props.kmsKeyId) report("secret has no kmsKeyId");
        if (props.recoveryWindowInDays === 0) report("recoveryWindowInDays 0 deletes the secret immediately");
    },
});

/** Log groups encrypted. */
export const awsLogEncrypted = resourcePolicy({
    name: "aws-log-group-encrypted",
    description: "CloudWatch log groups are encrypted with KMS.",
    group: "security",
    platforms: ["aws"],
    checklist: ["encryption-at-rest"],
    sources: ["Checkov CKV_AWS_158"],
    types: ["aws:cloudwatch/logGroup:LogGroup"],
    validate: (props, _args, report) => {
        if (!props.kmsKeyId) report("log group has no kmsKeyId");
    },
});

/** The AWS policies of encryption. */
export const awsEncryptionPolicies = [
    awsDatabaseEncrypted,
    awsDatabaseTls,
    awsElasticacheEncrypted,
    awsSqsEncrypted,
    awsSnsEncrypted,
    awsS3PublicAccessBlock,
    awsS3NoPublicAcl,
    awsKmsRotation,
    awsBackupVaultEncrypted,
    awsSecretsKms,
    awsLogEncrypted,
];
