/**
 * The traffic plan (plan/traffic.ts) as the Docker edge's nginx directives (components/shared/nginx.ts
 * renders them in every location of the service). What nginx approximates is declared in
 * plan/support/docker.ts: the timeout is between two reads (plus the retry window), retries follow
 * nginx's own conditions, and nothing is ejected (the edge resolves each service's name per request).
 */
import type { RetryCondition, TrafficPlan } from "../../plan";
import type { NginxTraffic } from "../shared/nginx";

/**
 * nginx's `proxy_next_upstream` conditions for each retry condition (nginx docs, ngx_http_proxy_module):
 * `error` is "an error occurred while establishing a connection with the server, passing a request
 * to it, or reading the response header" (a refused connection and a reset both); nginx retries
 * only on http_500, 502, 503, 504, 403, 404 and 429, so `5xx` stops at those.
 */
export const NGINX_NEXT_UPSTREAM: Record<RetryCondition, string[]> = {
    "connect-failure": ["error"],
    reset: ["error"],
    "gateway-error": ["http_502", "http_503", "http_504"],
    "5xx": ["http_500", "http_502", "http_503", "http_504"],
};

/** A service's traffic plan as nginx directives. */
export function nginxTraffic(plan: TrafficPlan): NginxTraffic {
    const retrying = plan.retries.attempts > 0;
    return {
        timeoutSeconds: plan.timeoutSeconds,
        nextUpstream: retrying ? [...new Set(plan.retries.on.flatMap((c) => NGINX_NEXT_UPSTREAM[c]))] : [],
        tries: plan.retries.attempts + 1,
        maxConcurrent: plan.maxConcurrentRequests,
        ...(plan.rateLimitPerMinute !== undefined ? { ratePerMinute: plan.rateLimitPerMinute } : {}),
    };
}
