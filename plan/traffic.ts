/**
 * The traffic plan: each web service's traffic policy (`services.<n>.traffic`, model/traffic.ts),
 * resolved once with the routes it applies to. The platforms render it at their edge — nginx on
 * Docker, Envoy Gateway on Kubernetes, the ALB and WAF on AWS — and where one cannot follow it to
 * the letter, its plan/support/<platform>.ts declares the approximation (the features
 * `request-timeout`, `retries`, `outlier-detection`, `circuit-breaking`, `service-rate-limit`,
 * printed by every plan) and its `rendering.traffic` the shape the parity test
 * (test/plan/traffic-parity.test.ts) holds it to.
 */
import type { RetryCondition, System } from "../model";

export { RETRY_CONDITIONS, type RetryCondition } from "../model";

/** Retries at least this many at once whatever the budget's percent (Envoy's `min_retry_concurrency` default, 3). */
export const MIN_RETRY_CONCURRENCY = 3;

/** One web service's traffic policy, resolved. */
export interface TrafficPlan {
    /** The service. */
    service: string;
    /** The path prefixes of the edge routes that reach it, in spec order. */
    paths: string[];
    /** Seconds a request may take in all, retries included. */
    timeoutSeconds: number;
    /** Retries: attempts after the first (0: none), on which conditions, and the budget. */
    retries: { attempts: number; on: RetryCondition[]; budgetPercent: number; minConcurrent: number };
    /** Passive outlier detection. */
    outlierDetection: { consecutiveFailures: number; ejectSeconds: number; maxEjectedPercent: number };
    /** The circuit breaker: requests in flight at once to the service. */
    maxConcurrentRequests: number;
    /** Requests per minute per client address to the service's routes; absent: only the edge's limit. */
    rateLimitPerMinute?: number;
}

/** The traffic plan of every web service whose spec sets `traffic`, by service name, in spec order. */
export function planTraffic(system: System): Record<string, TrafficPlan> {
    const out: Record<string, TrafficPlan> = {};
    for (const s of Object.values(system.services)) {
        const t = s.traffic;
        if (!t) continue;
        out[s.name] = {
            service: s.name,
            paths: system.edge.routes.filter((r) => r.service === s.name).map((r) => r.path),
            timeoutSeconds: t.timeoutSeconds,
            retries: { ...t.retries, on: [...t.retries.on], minConcurrent: MIN_RETRY_CONCURRENCY },
            outlierDetection: { ...t.outlierDetection },
            maxConcurrentRequests: t.maxConcurrentRequests,
            ...(t.rateLimitPerMinute !== undefined ? { rateLimitPerMinute: t.rateLimitPerMinute } : {}),
        };
    }
    return out;
}

/**
 * The ALB's idle timeout for a system's traffic plans: the longest `timeoutSeconds` of any service,
 * and at least the ALB's default 60 s (AWS: "The default is 60 seconds", idle_timeout.timeout_seconds,
 * 1-4000), since one load balancer serves every service.
 */
export function loadBalancerIdleTimeout(plans: Record<string, TrafficPlan>): number {
    return Math.max(60, ...Object.values(plans).map((p) => p.timeoutSeconds));
}
