/**
 * The traffic plan (plan/traffic.ts) on Kubernetes: one Envoy Gateway **BackendTrafficPolicy** per
 * service with a policy, on the service's HTTPRoutes (`edge-<service>`, and its `-restricted` one),
 * with the request timeout, the retries and their budget, the passive health check (outlier
 * detection), the circuit breaker and the service's own rate limit (envoyproxy/gateway v1.9.0,
 * `api/v1alpha1/backendtrafficpolicy_types.go`; the CRD excerpt the tests validate against is
 * test/tools/data/envoy-gateway-crds.json).
 *
 * A policy on a route replaces the Gateway's policy for that route rather than merging with it
 * (CRD `mergeType`: "If unset, no merging occurs, and only the most specific configuration takes
 * effect"), so the service's policy repeats the edge's per-client rate limit and request buffer.
 */
import type { TrafficPlan } from "../../plan";

/** The edge-wide settings every route policy repeats: the per-client rate rule and the request buffer limit. */
export interface EdgeTrafficDefaults {
    /** The Gateway policy's global rate-limit rule (per distinct client address). */
    rateRule: Record<string, unknown>;
    /** `requestBuffer` of the Gateway policy. */
    requestBuffer: { limit: string };
}

/** A global rate-limit rule: `perMinute` requests a minute per distinct client address. */
export function perClientRule(perMinute: number): Record<string, unknown> {
    return { clientSelectors: [{ sourceCIDR: { type: "Distinct", value: "0.0.0.0/0" } }], limit: { requests: perMinute, unit: "Minute" } };
}

/** The BackendTrafficPolicy spec of a service's traffic plan, on its HTTPRoutes `routeNames`. */
export function backendTrafficPolicySpec(plan: TrafficPlan, routeNames: string[], edge: EdgeTrafficDefaults): Record<string, unknown> {
    const { retries, outlierDetection: o, maxConcurrentRequests: n } = plan;
    const retrying = retries.attempts > 0;
    return {
        targetRefs: routeNames.map((name) => ({ group: "gateway.networking.k8s.io", kind: "HTTPRoute", name })),
        rateLimit: {
            global: { rules: [edge.rateRule, ...(plan.rateLimitPerMinute !== undefined ? [perClientRule(plan.rateLimitPerMinute)] : [])] },
        },
        requestBuffer: edge.requestBuffer,
        timeout: { http: { requestTimeout: `${plan.timeoutSeconds}s` } },
        ...(retrying ? { retry: { numRetries: retries.attempts, retryOn: { triggers: [...retries.on] } } } : {}),
        circuitBreaker: {
            maxConnections: n,
            maxPendingRequests: n,
            maxParallelRequests: n,
            ...(retrying
                ? {
                      retryBudget: {
                          percent: { numerator: retries.budgetPercent, denominator: 100 },
                          minRetryConcurrency: retries.minConcurrent,
                      },
                  }
                : {}),
        },
        healthCheck: {
            passive: {
                // 5xx answers and connection failures (local-origin) each count, as the spec's "failures".
                consecutive5XxErrors: o.consecutiveFailures,
                consecutiveLocalOriginFailures: o.consecutiveFailures,
                baseEjectionTime: `${o.ejectSeconds}s`,
                maxEjectionPercent: o.maxEjectedPercent,
            },
        },
    };
}
