/**
 * The edge's web application firewalls (WAFv2): a rate-based rule per client and AWS's managed
 * rule groups, on the load balancer (regional) and on CloudFront (us-east-1), each logging to a
 * CloudWatch log group with credentials redacted.
 */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { resourceName } from "../../shared/naming";
import { serviceRateRules } from "../traffic";
import type { EdgePart } from "./part";

/** AWS managed WAF rule groups on every web ACL, in priority order after the rate rule. */
export const MANAGED_RULE_GROUPS = [
    "AWSManagedRulesAmazonIpReputationList",
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
] as const;

/**
 * WAF rate-based rule settings for `perMinute` requests per client IP: a 60-second evaluation
 * window (WAF's default window is 5 minutes; 60, 120, 300 and 600 s are allowed), so the limit is
 * the spec's number itself. WAF's smallest limit is 10.
 */
export function wafRateLimit(perMinute: number): { limit: number; evaluationWindowSec: number } {
    return { limit: Math.max(10, perMinute), evaluationWindowSec: 60 };
}

/** One web ACL: where it sits and how it counts clients. */
export interface WebAclArgs {
    /** `alb` or `cdn`: part of every name. */
    key: string;
    /** REGIONAL (a load balancer) or CLOUDFRONT. */
    scope: "REGIONAL" | "CLOUDFRONT";
    /** Count clients by their address (IP) or by the first X-Forwarded-For address (behind CloudFront). */
    rateKey: "IP" | "FORWARDED_IP";
    /** KMS key ARN for the log group (used unless the ACL lives in another region than the stack). */
    logsKmsKeyArn: pulumi.Input<string>;
    /** The stack's provider is in us-east-1 (so its logs key can encrypt a us-east-1 log group). */
    inUsEast1: boolean;
    /** The region the ACL lives in, when not the provider's (CloudFront's: us-east-1). @default the provider's */
    region?: string;
}

/** A web ACL with its rules, its log group and its logging configuration. */
export function createWebAcl(part: EdgePart, args: WebAclArgs): aws.wafv2.WebAcl {
    const { name, plan, tags } = part;
    const { key, scope, rateKey, region } = args;
    const opt = { parent: part.parent };
    const metric = (n: string) => resourceName([plan.name, key, n], 128);
    const visibility = (n: string) => ({ cloudwatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName: metric(n) });
    const wafRules: aws.types.input.wafv2.WebAclRule[] = [];
    wafRules.push({
        name: "rate-limit-per-client",
        priority: 0,
        action: { block: {} },
        statement: {
            rateBasedStatement: {
                aggregateKeyType: rateKey,
                ...wafRateLimit(plan.edge.rateLimitPerMinute),
                ...(rateKey === "FORWARDED_IP" ? { forwardedIpConfig: { headerName: "X-Forwarded-For", fallbackBehavior: "MATCH" } } : {}),
            },
        },
        visibilityConfig: visibility("rate"),
    });
    wafRules.push(...serviceRateRules(part.plan.traffic, rateKey, visibility));
    MANAGED_RULE_GROUPS.forEach((group, i) =>
        wafRules.push({
            name: group,
            priority: i + 1,
            overrideAction: { none: {} },
            statement: {
                managedRuleGroupStatement: {
                    vendorName: "AWS",
                    name: group,
                    // The common rule set blocks bodies over 8 KB; the spec allows maxBodyMb (1 MiB or more), so that one rule only counts.
                    ...(group === "AWSManagedRulesCommonRuleSet"
                        ? { ruleActionOverrides: [{ name: "SizeRestrictions_BODY", actionToUse: { count: {} } }] }
                        : {}),
                },
            },
            visibilityConfig: visibility(group),
        }),
    );
    const acl = new aws.wafv2.WebAcl(
        `${name}-${key}`,
        {
            description: `${plan.name} ${scope === "CLOUDFRONT" ? "CloudFront" : "load balancer"} firewall`,
            scope,
            defaultAction: { allow: {} },
            rules: wafRules,
            visibilityConfig: visibility("acl"),
            tags,
            ...(region ? { region } : {}),
        },
        opt,
    );
    const logGroup = new aws.cloudwatch.LogGroup(
        `${name}-${key}-waf-logs`,
        {
            // WAF only logs to groups whose name starts with aws-waf-logs-.
            name: `aws-waf-logs-${resourceName([plan.name, plan.environment, key], 100)}`,
            retentionInDays: plan.observability.logRetentionDays,
            ...(region && !args.inUsEast1 ? { region } : { kmsKeyId: args.logsKmsKeyArn }),
            tags,
        },
        opt,
    );
    new aws.wafv2.WebAclLoggingConfiguration(
        `${name}-${key}`,
        {
            resourceArn: acl.arn,
            logDestinationConfigs: [logGroup.arn],
            redactedFields: [{ singleHeader: { name: "authorization" } }, { singleHeader: { name: "cookie" } }],
            ...(region ? { region } : {}),
        },
        opt,
    );
    return acl;
}
