/**
 * The traffic policy of a web service (`services.<n>.traffic`): how long a request may take, when
 * it is retried and within what budget, when a replica is taken out of the rotation (outlier
 * detection), how many requests may be in flight at once (circuit breaking), and a rate limit of
 * its own. Per service, not per route: the service is the unit every platform applies such a
 * policy to (an nginx upstream, Envoy Gateway's BackendTrafficPolicy on the service's HTTPRoutes,
 * an ALB target group, a mesh destination), and a service reached by several routes keeps one
 * policy. plan/traffic.ts resolves it once; what each platform approximates is in
 * plan/support/<platform>.ts.
 */
import { z } from "zod";

/**
 * What a retry may follow: `connect-failure` (no connection to a replica), `reset` (the connection
 * reset or closed before a response), `gateway-error` (502, 503 or 504 from the replica),
 * `5xx` (any 5xx). Envoy's retry triggers of the same names (envoyproxy/gateway v1.9.0
 * BackendTrafficPolicy `retry.retryOn.triggers`).
 */
export const RETRY_CONDITIONS = ["connect-failure", "reset", "gateway-error", "5xx"] as const;

/** One of {@link RETRY_CONDITIONS}. */
export type RetryCondition = (typeof RETRY_CONDITIONS)[number];

/** Retries of a failed request to another replica. */
export const retries = z.strictObject({
    /**
     * Attempts after the first (0 turns retries off).
     * @default 2
     */
    attempts: z.number().int().min(0).max(5).default(2),
    /**
     * What a retry may follow: `connect-failure`, `reset`, `gateway-error` (502, 503, 504) or `5xx`.
     * @default ["connect-failure", "reset", "gateway-error"]
     */
    on: z
        .array(z.enum(RETRY_CONDITIONS))
        .min(1, "list at least one condition, or set attempts: 0")
        .default(["connect-failure", "reset", "gateway-error"]),
    /**
     * The retry budget: retries in flight may be at most this percent of the requests in flight to the service (so retries cannot multiply an overload); at least 3 retries are always allowed.
     * @default 20
     */
    budgetPercent: z.number().int().min(1).max(100).default(20),
});

/** Passive outlier detection: a replica that keeps failing is taken out of the rotation for a while. */
export const outlierDetection = z.strictObject({
    /**
     * Consecutive 5xx answers or connection failures of one replica after which it is ejected.
     * @default 5
     */
    consecutiveFailures: z.number().int().min(1).max(100).default(5),
    /**
     * Seconds an ejected replica stays out of the rotation (the first time; Envoy multiplies it by the number of ejections).
     * @default 30
     */
    ejectSeconds: z.number().int().min(1).max(3600).default(30),
    /**
     * The most replicas, in percent, ejected at once (the rest keep serving even when failing).
     * @default 50
     */
    maxEjectedPercent: z.number().int().min(1).max(100).default(50),
});

/** A web service's traffic policy at the edge (and, on Kubernetes, in the mesh). */
export const traffic = z.strictObject({
    /**
     * Seconds a request may take in all, retries included; then the caller gets 504.
     * @default 30
     */
    timeoutSeconds: z.number().int().min(1).max(3600).default(30),
    /**
     * Retries of failed requests; see the retry fields.
     * @default 2 attempts on connect-failure, reset and gateway-error, budget 20 %
     */
    retries: retries.default({ attempts: 2, on: ["connect-failure", "reset", "gateway-error"], budgetPercent: 20 }),
    /**
     * Passive outlier detection; see the outlier detection fields.
     * @default 5 consecutive failures eject a replica for 30 s, at most 50 % at once
     */
    outlierDetection: outlierDetection.default({ consecutiveFailures: 5, ejectSeconds: 30, maxEjectedPercent: 50 }),
    /**
     * The circuit breaker: requests in flight to the service at once (all replicas) above which further requests fail at once with 503 instead of queueing.
     * @default 1024
     */
    maxConcurrentRequests: z.number().int().min(1).max(100000).default(1024),
    /**
     * Requests per minute per client address to this service's routes, on top of `edge.rateLimitPerMinute`; more are refused as the edge's limit is.
     * @default none: only the edge's limit
     */
    rateLimitPerMinute: z.number().int().min(1).optional(),
});

/** A traffic policy as parsed. */
export type TrafficSpec = z.output<typeof traffic>;
