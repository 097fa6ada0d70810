/**
 * AWS storage, audit and serverless resources users add beside the program's (issue 16): EBS
 * volumes and default encryption, EFS file systems and access points, CloudTrail trails, Lambda
 * function URLs and permissions, Lambda environments, Secrets Manager rotation. Public rules from
 * bridgecrewio/checkov `checkov/terraform/checks/resource/aws/*.py` and pulumi/pulumi-policy-aws
 * (awsguard) `src/compute.ts`, `src/storage.ts`.
 */
import { plaintextSecretProblem, resourcePolicy, setting } from "./util";

const EBS_VOLUME = "aws:ebs/volume:Volume";
const EBS_DEFAULT = "aws:ebs/encryptionByDefault:EncryptionByDefault";
const EBS_SNAPSHOT_COPY = "aws:ebs/snapshotCopy:SnapshotCopy";
const EFS = "aws:efs/fileSystem:FileSystem";
const EFS_ACCESS_POINT = "aws:efs/accessPoint:AccessPoint";
const TRAIL = "aws:cloudtrail/trail:Trail";
const FUNCTION_URL = "aws:lambda/functionUrl:FunctionUrl";
const LAMBDA_PERMISSION = "aws:lambda/permission:Permission";
const LAMBDA = "aws:lambda/function:Function";
const SECRET_ROTATION = "aws:secretsmanager/secretRotation:SecretRotation";

/** Inputs of the encrypted-at-rest storage types (`ebs.Volume`, `ebs.SnapshotCopy`, `efs.FileSystem`) and `ebs.EncryptionByDefault`. */
interface EncryptedStorageProps {
    encrypted?: boolean;
    kmsKeyId?: string;
    enabled?: boolean;
}

const cmkSchema = {
    properties: {
        requireCustomerManagedKey: setting.boolean(false, "Require a customer-managed KMS key (kmsKeyId), not the AWS-managed default."),
    },
};

/** EBS volumes, snapshot copies and the account default encrypt. */
export const awsEbsEncrypted = resourcePolicy({
    name: "aws-ebs-encrypted",
    description:
        "EBS volumes and snapshot copies are encrypted (with a customer-managed key where configured) and EBS encryption by default is not turned off.",
    group: "security",
    platforms: ["aws"],
    checklist: ["encryption-at-rest"],
    sources: ["Checkov CKV_AWS_3", "Checkov CKV_AWS_189", "Checkov CKV_AWS_183", "Checkov CKV_AWS_106", "awsguard encrypted-volumes"],
    types: [EBS_VOLUME, EBS_SNAPSHOT_COPY, EBS_DEFAULT],
    configSchema: cmkSchema,
    validate: (props: EncryptedStorageProps, args, report, { requireCustomerManagedKey }) => {
        if (args.type === EBS_DEFAULT) {
            if (props.enabled === false) report("EBS encryption by default is disabled (enabled: false)");
            return;
        }
        if (props.encrypted !== true) report("not encrypted (encrypted: true)");
        if (requireCustomerManagedKey && !props.kmsKeyId) report("no customer-managed kmsKeyId");
    },
});

/** EFS file systems encrypt. */
export const awsEfsEncrypted = resourcePolicy({
    name: "aws-efs-encrypted",
    description: "EFS file systems are encrypted at rest (with a customer-managed key where configured).",
    group: "security",
    platforms: ["aws"],
    checklist: ["encryption-at-rest"],
    sources: ["Checkov CKV_AWS_42", "Checkov CKV_AWS_184", "awsguard efs-encrypted"],
    types: [EFS],
    configSchema: cmkSchema,
    validate: (props: EncryptedStorageProps, _args, report, { requireCustomerManagedKey }) => {
        if (props.encrypted !== true) report("file system is not encrypted (encrypted: true)");
        if (requireCustomerManagedKey && !props.kmsKeyId) report("no customer-managed kmsKeyId");
    },
});

/** Inputs of `efs.AccessPoint`. */
interface AccessPointProps {
    posixUser?: { uid?: number; gid?: number };
    rootDirectory?: { path?: string };
}

/** EFS access points pin a non-root identity and a root directory. */
export const awsEfsAccessPoint = resourcePolicy({
    name: "aws-efs-access-point-identity",
    description: "EFS access points enforce a POSIX user other than root and a root directory other than the file system's root.",
    group: "security",
    platforms: ["aws"],
    checklist: ["non-root"],
    sources: ["Checkov CKV_AWS_329", "Checkov CKV_AWS_330"],
    types: [EFS_ACCESS_POINT],
    validate: (props: AccessPointProps, _args, report) => {
        if (!props.posixUser) report("no posixUser: clients act as whatever uid they send");
        else if (Number(props.posixUser.uid) === 0) report("posixUser uid is 0 (root)");
        const path = props.rootDirectory?.path;
        if (!path || path.replace(/\/+$/, "") === "") report("no rootDirectory.path below '/': clients see the whole file system");
    },
});

/** Inputs of `cloudtrail.Trail`. */
interface TrailProps {
    enableLogging?: boolean;
    enableLogFileValidation?: boolean;
    isMultiRegionTrail?: boolean;
    kmsKeyId?: string;
}

/** CloudTrail trails log everywhere, validated and encrypted. */
export const awsCloudTrail = resourcePolicy({
    name: "aws-cloudtrail-hardening",
    description: "CloudTrail trails are logging, cover every region, validate their log files and encrypt them with a KMS key.",
    group: "security",
    platforms: ["aws"],
    checklist: ["mdc-monitoring-alerts"],
    sources: ["Checkov CKV_AWS_251", "Checkov CKV_AWS_67", "Checkov CKV_AWS_36", "Checkov CKV_AWS_35"],
    types: [TRAIL],
    validate: (props: TrailProps, _args, report) => {
        if (props.enableLogging === false) report("enableLogging is false");
        if (props.isMultiRegionTrail !== true) report("trail is not multi-region (isMultiRegionTrail: true)");
        if (props.enableLogFileValidation !== true) report("log file validation is off (enableLogFileValidation: true)");
        if (!props.kmsKeyId) report("logs are not encrypted with a KMS key (kmsKeyId)");
    },
});

/** Inputs of `lambda.FunctionUrl` and `lambda.Permission`. */
interface LambdaAccessProps {
    authorizationType?: string;
    principal?: string;
    functionUrlAuthType?: string;
    sourceArn?: string;
    sourceAccount?: string;
    principalOrgId?: string;
}

/** Lambda functions are not invocable by anyone. */
export const awsLambdaNotPublic = resourcePolicy({
    name: "aws-lambda-not-public",
    description:
        'Lambda function URLs require IAM auth (authorizationType AWS_IAM, not NONE), and no Lambda permission grants invoke to Principal "*" without a source ARN, account or organization.',
    group: "security",
    platforms: ["aws"],
    checklist: ["port-restrictions"],
    sources: ["Checkov CKV_AWS_258", "Checkov CKV_AWS_301"],
    types: [FUNCTION_URL, LAMBDA_PERMISSION],
    validate: (props: LambdaAccessProps, args, report) => {
        if (args.type === FUNCTION_URL) {
            if (props.authorizationType !== "AWS_IAM")
                report(`function URL authorizationType is ${props.authorizationType ?? "unset"}: anyone on the internet can invoke it`);
            return;
        }
        if (props.principal === "*" && !props.sourceArn && !props.sourceAccount && !props.principalOrgId)
            report("permission lets any principal ('*') invoke the function");
        if (props.functionUrlAuthType === "NONE") report("permission opens the function URL without auth (functionUrlAuthType NONE)");
    },
});

/** Inputs of `lambda.Function` the policy reads. */
interface LambdaProps {
    environment?: { variables?: Record<string, string> };
}

/** No plaintext credential in a Lambda environment. */
export const awsLambdaEnvSecrets = resourcePolicy({
    name: "aws-lambda-env-no-secrets",
    description: "Lambda environment variables hold no credential in plain text (read it from Secrets Manager or SSM by ARN instead).",
    group: "security",
    platforms: ["aws"],
    checklist: ["no-plaintext-secrets", "mdc-secrets-in-vault"],
    sources: ["Checkov CKV_AWS_45"],
    types: [LAMBDA],
    validate: (props: LambdaProps, _args, report) => {
        for (const [name, value] of Object.entries(props.environment?.variables ?? {})) {
            const problem = plaintextSecretProblem(name, value);
            if (problem) report(problem);
        }
    },
});

/**
 * Lambda runtimes and the day Lambda deprecates each (no more patches; creating functions is
 * blocked soon after), from the Lambda developer guide's runtime table
 * (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html, as endoflife.date/aws-lambda
 * lists it on 2026-12-07). A runtime not listed is deprecated already or unknown here.
 */
export const LAMBDA_RUNTIME_DEPRECATION: Record<string, string> = {
    "nodejs24.x": "2028-04-30",
    "nodejs22.x": "2027-04-30",
    "python3.14": "2029-06-30",
    "python3.13": "2029-06-30",
    java25: "2029-06-30",
    "ruby3.4": "2028-03-31",
    dotnet10: "2028-11-14",
};

/** Inputs of `lambda.Function` the hardening policy reads. */
interface LambdaHardeningProps {
    runtime?: string;
    packageType?: string;
    vpcConfig?: { subnetIds?: string[]; securityGroupIds?: string[] };
    loggingConfig?: { logGroup?: string };
}

/** Lambda functions on a supported runtime, inside the VPC, logging to a group of their own. */
export const awsLambdaHardened = resourcePolicy({
    name: "aws-lambda-hardened",
    description:
        "Lambda functions run a runtime Lambda has not deprecated, inside the VPC (subnets and a security group of their own), and log to a named log group (which the log-group policies hold to encryption and retention).",
    group: "security",
    platforms: ["aws"],
    checklist: ["port-restrictions"],
    sources: ["Checkov CKV_AWS_117", "Checkov CKV_AWS_363", "Lambda developer guide, lambda-runtimes.html (deprecation dates)"],
    types: [LAMBDA],
    validate: (props: LambdaHardeningProps, _args, report) => {
        if (props.packageType !== "Image") {
            const until = props.runtime ? LAMBDA_RUNTIME_DEPRECATION[props.runtime] : undefined;
            if (!until)
                report(
                    `runtime ${props.runtime ?? "unset"} is deprecated or unknown: use one of ${Object.keys(LAMBDA_RUNTIME_DEPRECATION).join(", ")}`,
                );
            else if (Date.parse(until) <= Date.now()) report(`runtime ${props.runtime} was deprecated on ${until}`);
        }
        const vpc = props.vpcConfig;
        if (!vpc?.subnetIds?.length || !vpc.securityGroupIds?.length)
            report("runs outside the VPC: give vpcConfig subnets and a security group, so its network reach is the program's to say");
        if (!props.loggingConfig?.logGroup)
            report("logs to a group Lambda names itself: give loggingConfig.logGroup, a group created encrypted with its retention");
    },
});

/** Inputs of `secretsmanager.SecretRotation`. */
interface RotationProps {
    rotationRules?: { automaticallyAfterDays?: number; scheduleExpression?: string };
}

const rotationSchema = { properties: { maxDays: setting.integer(90, "Longest acceptable rotation interval in days.", 1) } };

/** Secret rotation within the interval. */
export const awsSecretsRotation = resourcePolicy({
    name: "aws-secrets-rotation",
    description: "Secrets Manager rotations rotate at least every maxDays days (automaticallyAfterDays, or a schedule expression).",
    group: "security",
    platforms: ["aws"],
    checklist: ["mdc-secrets-in-vault"],
    sources: ["Checkov CKV_AWS_304"],
    types: [SECRET_ROTATION],
    configSchema: rotationSchema,
    validate: (props: RotationProps, _args, report, { maxDays }) => {
        const rules = props.rotationRules ?? {};
        if (rules.scheduleExpression) return;
        const days = Number(rules.automaticallyAfterDays);
        if (!(days > 0)) report("rotationRules sets neither automaticallyAfterDays nor scheduleExpression");
        else if (days > maxDays) report(`rotates every ${days} days, more than ${maxDays}`);
    },
});

/** The policies of this module. */
export const awsStoragePolicies = [
    awsEbsEncrypted,
    awsEfsEncrypted,
    awsEfsAccessPoint,
    awsCloudTrail,
    awsLambdaNotPublic,
    awsLambdaEnvSecrets,
    awsLambdaHardened,
    awsSecretsRotation,
];
