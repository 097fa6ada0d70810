/**
 * Small helpers the AWS data-tier components share: where they run (account, region, partition),
 * instance classes by profile size, and IAM policy documents as JSON.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { Size } from "../../spec";

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

/** An IAM policy document (JSON), resolving the Outputs inside it. */
export function policyJson(statements: pulumi.Input<aws.iam.PolicyStatement>[]): pulumi.Output<string> {
    return pulumi.output(statements).apply((s) => JSON.stringify({ Version: "2012-10-17", Statement: s }));
}

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

/** Secrets Manager recovery window: 30 days where deletion is protected, 7 elsewhere. */
export const secretRecoveryDays = (deletionProtection: boolean) => (deletionProtection ? 30 : 7);

/** The `HH:MM-HH:MM` (or `sun:HH:MM-sun:HH:MM` with `prefix` "sun:") one-hour window starting at a daily cron's time, shifted by `shiftHours`; undefined for other crons. */
export function dailyWindow(cron: string, shiftHours = 0, prefix = ""): string | undefined {
    const [minute, hour] = cron.trim().split(/\s+/);
    if (!/^\d+$/.test(minute) || !/^\d+$/.test(hour)) return undefined;
    const pad = (n: number) => String(n).padStart(2, "0");
    const start = (Number(hour) + shiftHours + 24) % 24;
    const endPrefix = prefix && start === 23 ? "mon:" : prefix;
    return `${prefix}${pad(start)}:${pad(Number(minute))}-${endPrefix}${pad((start + 1) % 24)}:${pad(Number(minute))}`;
}
