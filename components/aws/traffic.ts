/**
 * The traffic plan (plan/traffic.ts) on AWS, at the edge: what an Application Load Balancer and
 * AWS WAF can hold of it (the rest is declared in plan/support/aws.ts and printed by every plan):
 *
 * - the load balancer's idle timeout, one for all services: the longest `timeoutSeconds`, at least
 *   60 s (`loadBalancerIdleTimeout`, plan/traffic.ts);
 * - outlier detection as the target group's anomaly mitigation: "Automatic target weights (ATW)
 *   ... detects anomalies and mitigates them by routing less traffic to targets with anomalies",
 *   which needs the `weighted_random` algorithm (Elastic Load Balancing docs, "Edit target group
 *   attributes": load_balancing.algorithm.anomaly_mitigation "only available when the load
 *   balancing algorithm type is weighted_random");
 * - the service's rate limit as a WAF rate-based rule per client address, scoped down to the
 *   service's route prefixes.
 * An ALB retries nothing and limits no concurrency. ECS Service Connect, whose proxy takes a
 * per-request timeout (`serviceConnectConfiguration.services[].timeout.perRequestTimeoutSeconds`)
 * but no retry or circuit-breaker setting, serves calls between services, which tierform's
 * services do not make: they meet only at the edge.
 */
import type * as aws from "@pulumi/aws";
import type { TrafficPlan } from "../../plan";

/** The target group inputs of a service's traffic plan: anomaly mitigation on weighted random (none without a plan). */
export function targetGroupTraffic(plan: TrafficPlan | undefined): Partial<aws.lb.TargetGroupArgs> {
    return plan ? { loadBalancingAlgorithmType: "weighted_random", loadBalancingAnomalyMitigation: "on" } : {};
}

/** A WAF statement matching URI paths that start with `path`. */
function startsWith(path: string): aws.types.input.wafv2.WebAclRuleStatementRateBasedStatementScopeDownStatement {
    return {
        byteMatchStatement: {
            searchString: path,
            positionalConstraint: "STARTS_WITH",
            fieldToMatch: { uriPath: {} },
            textTransformations: [{ priority: 0, type: "NONE" }],
        },
    };
}

/** The scope of a service's rate rule: its route prefixes (none when one of them is `/`, which every path starts with). */
export function rateScope(paths: string[]): aws.types.input.wafv2.WebAclRuleStatementRateBasedStatementScopeDownStatement | undefined {
    if (paths.includes("/")) return undefined;
    if (paths.length === 1) return startsWith(paths[0]);
    return {
        orStatement: { statements: paths.map(startsWith) },
    } as aws.types.input.wafv2.WebAclRuleStatementRateBasedStatementScopeDownStatement;
}

/** The name of a service's WAF rate rule. */
export const serviceRateRuleName = (service: string) => `rate-limit-${service}`;

/**
 * A WAF rate-based rule for each service with its own `rateLimitPerMinute`: per client address
 * (`rateKey`, the edge rule's), a 60-second window, at least WAF's smallest limit, 10; priorities
 * from 10 on, after the edge's rate rule and the managed groups.
 */
export function serviceRateRules(
    traffic: Record<string, TrafficPlan>,
    rateKey: "IP" | "FORWARDED_IP",
    visibility: (name: string) => aws.types.input.wafv2.WebAclRuleVisibilityConfig,
): aws.types.input.wafv2.WebAclRule[] {
    return Object.values(traffic)
        .filter((t) => t.rateLimitPerMinute !== undefined)
        .map((t, i) => {
            const scopeDownStatement = rateScope(t.paths);
            return {
                name: serviceRateRuleName(t.service),
                priority: 10 + i,
                action: { block: {} },
                statement: {
                    rateBasedStatement: {
                        aggregateKeyType: rateKey,
                        limit: Math.max(10, t.rateLimitPerMinute!),
                        evaluationWindowSec: 60,
                        ...(rateKey === "FORWARDED_IP"
                            ? { forwardedIpConfig: { headerName: "X-Forwarded-For", fallbackBehavior: "MATCH" } }
                            : {}),
                        ...(scopeDownStatement ? { scopeDownStatement } : {}),
                    },
                },
                visibilityConfig: visibility(`rate-${t.service}`),
            };
        });
}
