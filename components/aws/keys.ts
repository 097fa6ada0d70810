/**
 * Customer-managed KMS keys of the AWS platform's network, edge and app tiers: one for CloudWatch
 * log groups (VPC flow logs, WAF logs, container logs) and one for the application secrets in
 * Secrets Manager. Both rotate yearly; a deleted key waits 30 days in prod (7 elsewhere).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { System } from "../../spec";
import { awsTags, resourceName } from "../shared/naming";

/** Account, region and partition of the provider that `parent` resolves to. */
export function awsContext(parent: pulumi.Resource) {
    const identity = aws.getCallerIdentityOutput({}, { parent });
    const region = aws.getRegionOutput({}, { parent });
    const partition = aws.getPartitionOutput({}, { parent });
    return {
        accountId: identity.accountId,
        region: region.region,
        partition: partition.partition,
    };
}

/** Arguments of {@link AwsKeys}. */
export interface AwsKeysArgs {
    /** The resolved system; names, tags and deletion window follow its environment. */
    system: System;
}

/** KMS keys for logs and application secrets. Type token `tierform:aws:Keys`. */
export class AwsKeys extends pulumi.ComponentResource {
    /** ARN of the key CloudWatch Logs encrypts log groups with. */
    readonly logsKeyArn: pulumi.Output<string>;
    /** ARN of the key Secrets Manager encrypts the generated application secrets with. */
    readonly secretsKeyArn: pulumi.Output<string>;

    constructor(name: string, args: AwsKeysArgs, opts?: pulumi.ComponentResourceOptions) {
        super("tierform:aws:Keys", name, {}, opts);
        const { system } = args;
        const ctx = awsContext(this);
        const deletionWindowInDays = system.profile.deletionProtection ? 30 : 7;
        const protect = system.profile.deletionProtection;
        const root = pulumi.interpolate`arn:${ctx.partition}:iam::${ctx.accountId}:root`;

        const logs = new aws.kms.Key(
            `${name}-logs`,
            {
                description: `${resourceName([system.name, system.environment])}: CloudWatch log groups`,
                enableKeyRotation: true,
                deletionWindowInDays,
                policy: pulumi.jsonStringify({
                    Version: "2012-10-17",
                    Statement: [
                        { Sid: "AccountAdministers", Effect: "Allow", Principal: { AWS: root }, Action: "kms:*", Resource: "*" },
                        {
                            Sid: "CloudWatchLogsEncrypts",
                            Effect: "Allow",
                            Principal: { Service: pulumi.interpolate`logs.${ctx.region}.amazonaws.com` },
                            Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
                            Resource: "*",
                            Condition: {
                                ArnLike: { "kms:EncryptionContext:aws:logs:arn": pulumi.interpolate`arn:${ctx.partition}:logs:${ctx.region}:${ctx.accountId}:log-group:*` },
                            },
                        },
                    ],
                }),
                tags: awsTags(system, "monitoring"),
            },
            { parent: this, protect },
        );
        const secrets = new aws.kms.Key(
            `${name}-secrets`,
            {
                description: `${resourceName([system.name, system.environment])}: application secrets`,
                enableKeyRotation: true,
                deletionWindowInDays,
                // Only the account (and through it, IAM policies such as each task's execution role) may use it.
                policy: pulumi.jsonStringify({
                    Version: "2012-10-17",
                    Statement: [{ Sid: "AccountAdministers", Effect: "Allow", Principal: { AWS: root }, Action: "kms:*", Resource: "*" }],
                }),
                tags: awsTags(system, "secrets"),
            },
            { parent: this, protect },
        );
        this.logsKeyArn = logs.arn;
        this.secretsKeyArn = secrets.arn;
        this.registerOutputs({ logsKeyArn: this.logsKeyArn, secretsKeyArn: this.secretsKeyArn });
    }
}
