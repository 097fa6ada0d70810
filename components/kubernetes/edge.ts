/**
 * The edge on Kubernetes, on the Gateway API with Envoy Gateway (ingress-nginx was retired in
 * March 2026; see the README's staging section for the comparison that chose Envoy Gateway):
 *
 * - **Gateway** `edge` of the GatewayClass {@link GATEWAY_CLASS} (Envoy Gateway's controller), its
 *   data plane configured by the namespaced **EnvoyProxy** `edge-proxy` (`infrastructure.parametersRef`):
 *   the proxy's LoadBalancer Service has `externalTrafficPolicy: Local`, so the kube-proxy does not
 *   SNAT and Envoy sees each client's own address (with `Cluster`, every client would look like a
 *   node address inside 10.0.0.0/8: the admin allow-list would admit everyone and the per-client
 *   limit would be per node). The price: only nodes running an Envoy pod answer the load balancer's
 *   health check, which is what the cloud load balancers expect of `Local`.
 * - **TLS**: an HTTPS listener for the spec's domain with a cert-manager `Certificate` (secret
 *   `edge-tls`) from a namespaced self-signed `Issuer` (staging domains are rarely publicly
 *   resolvable, so ACME cannot validate them; point `issuerRef` at an ACME ClusterIssuer where they
 *   are), TLS ≥ 1.2 by a **ClientTrafficPolicy**. A Kubernetes edge with TLS needs the domain (the
 *   certificate names it): {@link edgeProblems} refuses TLS without one.
 * - **HTTP → HTTPS**: the HTTP listener's only route is the `edge-redirect` HTTPRoute
 *   (`RequestRedirect` scheme https, 301).
 * - **Security headers**, HSTS included: a `ResponseHeaderModifier` filter (set) on every rule,
 *   from the spec ({@link edgeHeaders}).
 * - **Per-client rate limit**: a **BackendTrafficPolicy** on the Gateway with a *global* rule per
 *   distinct client address (`sourceCIDR` `Distinct` 0.0.0.0/0). Envoy Gateway's local rate limit
 *   "does not support distinct matching" (docs: tasks/traffic/local-rate-limit), so the global
 *   one is used, counted in the rate-limit service's Redis (operators.ts installs one with Envoy
 *   Gateway). The limit applies per route and client.
 * - **Body size**: the same policy's `requestBuffer.limit` (the spec's `maxBodyMb`; larger
 *   requests get 413).
 * - **Path routes**: one HTTPRoute per service (`edge-<service>`), a PathPrefix rule per spec route.
 * - **Allow-lists** (`allowCidrs`, AuroMart's `/admin`): those routes get their own HTTPRoute
 *   (`edge-<service>-restricted`) and a **SecurityPolicy** that denies by default and allows only
 *   the CIDRs, by the client's address as Envoy sees it (preserved, see above).
 * - **Blue-green previews** (`rollout.preview`): an HTTPRoute `edge-<service>-preview` by header to the preview Service,
 *   restricted by a SecurityPolicy to the spec's client ranges (preview.ts).
 * - **WAF that blocks** (`waf: true`): an **EnvoyExtensionPolicy** running Coraza (the OWASP
 *   ModSecurity successor) as a Wasm filter with the OWASP Core Rule Set and `SecRuleEngine On`
 *   (blocking, not DetectionOnly), `failOpen: false`.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { logicalName, meta, OPERATOR_NAMESPACES, type KubeContext } from "./context";
import { imageOf } from "../../conventions/pins";
import type { PlatformSettings, SystemPlan, TrafficPlan } from "../../plan";
import type { Problem } from "../../conventions/problems";
import { AMBIENT_LABEL } from "./mesh";
import { backendTrafficPolicySpec, perClientRule } from "./traffic";
import { previewRouteSpecs, type EdgePreview } from "./preview";

/** The GatewayClass of Envoy Gateway the edge's Gateway uses (operators.ts creates it with the chart). */
export const GATEWAY_CLASS = "envoy-gateway";
/** The controller name of Envoy Gateway's GatewayClass (envoyproxy/gateway `internal/envoygateway/config`). */
export const ENVOY_GATEWAY_CONTROLLER = "gateway.envoyproxy.io/gatewayclass-controller";
/**
 * The Coraza proxy-wasm filter as an OCI image (corazawaf/coraza-proxy-wasm 0.5.0, its newest
 * release; `.github/workflows/ci.yaml` publishes `ghcr.io/corazawaf/coraza-proxy-wasm:<tag>`).
 * It embeds the OWASP Core Rule Set (`@owasp_crs`, `@crs-setup-conf`).
 */
export const CORAZA_WASM_IMAGE = imageOf("corazaWasm");

/** The Gateway API and Envoy Gateway API versions of the edge's objects. */
const GATEWAY_API = "gateway.networking.k8s.io/v1";
const ENVOY_API = "gateway.envoyproxy.io/v1alpha1";

/** The response headers the edge sets: the spec's security headers, and HSTS when TLS is on and `hstsMaxAgeSeconds` > 0. */
export function edgeHeaders(system: Pick<SystemPlan, "edge">): Record<string, string> {
    const e = system.edge;
    const headers: Record<string, string> = { ...e.securityHeaders };
    if (e.tls && e.hstsMaxAgeSeconds > 0 && !Object.keys(headers).some((h) => h.toLowerCase() === "strict-transport-security")) {
        headers["Strict-Transport-Security"] = `max-age=${e.hstsMaxAgeSeconds}; includeSubDomains`;
    }
    return headers;
}

/**
 * What the Kubernetes edge cannot build: TLS without a domain (nothing to name in the certificate), and two allow-listed
 * routes of one service with different lists (they share the HTTPRoute `edge-<service>-restricted` and its one
 * SecurityPolicy, {@link httpRouteName}: the second route would take the first one's list), and a service named as the
 * second Service of a routed canary or blue-green (`<service>-canary`, `<service>-preview`, rollout.ts), whose Service and
 * HTTPRoute would be the same objects as that rollout's.
 */
export function edgeProblems(system: Pick<SystemPlan, "edge" | "routes" | "services">, _settings: PlatformSettings): Problem[] {
    const e = system.edge;
    const routes = system.routes;
    if (e.tls && !e.domain) {
        return [
            {
                where: "edge.domain",
                message:
                    "is required on Kubernetes while edge.tls is true: the edge's certificate names it; add edge.domain (e.g. 'shop.example.com') or set edge.tls: false",
            },
        ];
    }
    const taken = Object.values(system.services).flatMap((s) => {
        // The plan's rollout says whether the edge routes it (a web service with a port and a route).
        const strategy = s.rollout.strategy;
        if (strategy === "rolling" || !s.rollout.routed) return [];
        const second = `${s.name}-${strategy === "canary" ? "canary" : "preview"}`;
        return system.services[second]
            ? [
                  {
                      where: `services.${second}`,
                      message: `is the name of the ${strategy === "canary" ? "canary" : "preview"} Service (and its HTTPRoute) of services.${s.name}'s ${strategy} rollout on Kubernetes; rename the service`,
                  },
              ]
            : [];
    });
    if (taken.length > 0) return taken;
    const first = new Map<string, number>();
    const key = (cidrs: string[]) => JSON.stringify([...cidrs].sort());
    return routes.flatMap((r, i) => {
        if (!r.allowCidrs) return [];
        const j = first.get(r.service);
        if (j === undefined) first.set(r.service, i);
        if (j === undefined || key(routes[j].allowCidrs!) === key(r.allowCidrs)) return [];
        return [
            {
                where: `edge.routes[${i}].allowCidrs`,
                message: `differs from edge.routes[${j}].allowCidrs of the same service '${r.service}': on Kubernetes a service's allow-listed routes share one SecurityPolicy; give them the same list`,
            },
        ];
    });
}

/** The Coraza directives: the OWASP CRS, blocking (`SecRuleEngine On`), request bodies inspected. */
export function wafDirectives(): string[] {
    return [
        "Include @recommended-conf",
        "SecRuleEngine On",
        "SecRequestBodyAccess On",
        "Include @crs-setup-conf",
        "Include @owasp_crs/*.conf",
    ];
}

/** A spec route with the service's port. */
interface PortedRoute {
    path: string;
    service: string;
    port: number;
    allowCidrs?: string[];
}

/** The HTTPRoute a spec route is in: `edge-<service>`, or `edge-<service>-restricted` with an allow-list. */
export function httpRouteName(route: { service: string; allowCidrs?: string[] }): string {
    return route.allowCidrs ? `edge-${route.service}-restricted` : `edge-${route.service}`;
}

/**
 * PromQL for the requests per minute the edge sends to `service`, from the Envoy proxies' cluster
 * stats: Envoy Gateway names a route rule's cluster `httproute/<namespace>/<route>/rule/<index>`
 * (envoyproxy/gateway `internal/gatewayapi/helpers.go` irRouteDestinationName), and Envoy tags
 * `envoy_cluster_upstream_rq_total` with `envoy_cluster_name`.
 */
export function requestRateQuery(ctx: KubeContext, service: string): string {
    const routes = [...new Set(ctx.system.routes.filter((r) => r.service === service).map(httpRouteName))];
    return `sum(rate(envoy_cluster_upstream_rq_total{envoy_cluster_name=~"httproute/${ctx.namespaceName}/(${routes.join("|")})/rule/[0-9]+"}[2m])) * 60`;
}

/** The HTTPRoutes of the edge: name → the routes it holds (one per service, restricted routes apart). */
export function httpRouteGroups(routes: PortedRoute[]): Map<string, PortedRoute[]> {
    const groups = new Map<string, PortedRoute[]>();
    for (const r of routes) {
        const name = httpRouteName(r);
        groups.set(name, [...(groups.get(name) ?? []), r]);
    }
    return groups;
}

/** Arguments of {@link KubernetesEdge}. */
export interface KubernetesEdgeArgs {
    /** Where the tier is built: the system, the stack settings, the namespace. */
    ctx: KubeContext;
    /** Each routed service's port, by service name. */
    servicePorts: Record<string, number>;
    /**
     * Resources the edge objects wait for (operators, Services).
     * @default []
     */
    dependsOn?: pulumi.Resource[];
    /**
     * The plan's traffic policies, by service (plan/traffic.ts): a BackendTrafficPolicy each on the service's HTTPRoutes.
     * @default {}
     */
    traffic?: Record<string, TrafficPlan>;
    /**
     * The canary Service of each service an Argo Rollouts canary shifts traffic for (rollout.ts), by service name.
     * @default {}
     */
    canaryServices?: Record<string, string>;
    /**
     * The blue-green previews the plan opens at the edge (preview.ts), one HTTPRoute and SecurityPolicy each.
     * @default []
     */
    previews?: EdgePreview[];
}

/**
 * The backends of a route rule: the service, and for a canary (rollout.ts) its canary Service at
 * weight 0 beside it at 100, the weights Argo Rollouts' Gateway API plugin then moves step by step
 * (plugin docs/quick-start.md: the HTTPRoute names both Services). Pulumi applies the route only when
 * its own inputs change, so it does not undo a weight mid-rollout unless the edge itself changes then.
 */
export function backendRefs(service: string, port: number, canary?: string): Record<string, unknown>[] {
    if (!canary) return [{ name: service, port }];
    return [
        { name: service, port, weight: 100 },
        { name: canary, port, weight: 0 },
    ];
}

/** Gateway, HTTPRoutes, Envoy Gateway policies, Issuer and Certificate. */
export class KubernetesEdge extends pulumi.ComponentResource {
    /** `https://<domain>` (or http without TLS); without a domain the load balancer's address. */
    readonly publicUrl: pulumi.Output<string>;
    /** The HTTPRoute names, by service, its preview's included (its traffic policy targets them). */
    readonly routeNames: Record<string, string[]> = {};

    constructor(name: string, args: KubernetesEdgeArgs, opts?: pulumi.ComponentResourceOptions) {
        super("tierform:kubernetes:Edge", name, {}, opts);
        const { ctx } = args;
        const e = ctx.system.edge;
        const dependsOn: pulumi.Resource[] = [...(args.dependsOn ?? [])];
        const custom = (
            logical: string,
            kind: string,
            objectName: string,
            spec: Record<string, unknown>,
            apiVersion = ENVOY_API,
            deps = dependsOn,
        ) =>
            new k8s.apiextensions.CustomResource(
                logicalName(ctx, logical),
                { apiVersion, kind, metadata: meta(ctx, objectName, "edge", "edge"), spec },
                { parent: this, dependsOn: deps },
            );
        const tls = e.tls && e.domain !== undefined;
        const tlsSecret = "edge-tls";
        const gatewayDeps = [...dependsOn];
        if (tls) {
            const issuer = custom("edge-issuer", "Issuer", "edge-selfsigned", { selfSigned: {} }, "cert-manager.io/v1");
            gatewayDeps.push(
                custom(
                    "edge-certificate",
                    "Certificate",
                    tlsSecret,
                    {
                        secretName: tlsSecret,
                        commonName: e.domain,
                        dnsNames: [e.domain],
                        duration: "2160h",
                        renewBefore: "360h",
                        privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
                        usages: ["server auth", "digital signature", "key encipherment"],
                        issuerRef: { name: "edge-selfsigned", kind: "Issuer", group: "cert-manager.io" },
                    },
                    "cert-manager.io/v1",
                    [issuer],
                ),
            );
        }
        const proxy = custom("edge-proxy", "EnvoyProxy", "edge-proxy", {
            provider: {
                type: "Kubernetes",
                kubernetes: {
                    envoyService: { type: "LoadBalancer", externalTrafficPolicy: "Local" },
                    // The proxies join the ambient mesh (mesh.ts): they reach the services over mutual TLS, as the edge's identity.
                    ...(ctx.settings.mesh ? { envoyDeployment: { pod: { labels: AMBIENT_LABEL } } } : {}),
                },
            },
        });
        gatewayDeps.push(proxy);
        const host = e.domain ? { hostname: e.domain } : {};
        const gateway = custom(
            "edge-gateway",
            "Gateway",
            "edge",
            {
                gatewayClassName: GATEWAY_CLASS,
                infrastructure: { parametersRef: { group: "gateway.envoyproxy.io", kind: "EnvoyProxy", name: "edge-proxy" } },
                listeners: [
                    { name: "http", protocol: "HTTP", port: 80, ...host, allowedRoutes: { namespaces: { from: "Same" } } },
                    ...(tls
                        ? [
                              {
                                  name: "https",
                                  protocol: "HTTPS",
                                  port: 443,
                                  ...host,
                                  tls: { mode: "Terminate", certificateRefs: [{ kind: "Secret", name: tlsSecret }] },
                                  allowedRoutes: { namespaces: { from: "Same" } },
                              },
                          ]
                        : []),
                ],
            },
            GATEWAY_API,
            gatewayDeps,
        );
        const onGateway = [gateway];
        const gatewayRef = { group: "gateway.networking.k8s.io", kind: "Gateway", name: "edge" };
        const listener = tls ? "https" : "http";
        const hostnames = e.domain ? { hostnames: [e.domain] } : {};
        if (tls) {
            custom(
                "edge-redirect",
                "HTTPRoute",
                "edge-redirect",
                {
                    parentRefs: [{ name: "edge", sectionName: "http" }],
                    ...hostnames,
                    rules: [{ filters: [{ type: "RequestRedirect", requestRedirect: { scheme: "https", statusCode: 301 } }] }],
                },
                GATEWAY_API,
                onGateway,
            );
        }
        const headerFilter = {
            type: "ResponseHeaderModifier",
            responseHeaderModifier: { set: Object.entries(edgeHeaders(ctx.system)).map(([n, value]) => ({ name: n, value })) },
        };
        const ported = ctx.system.routes.map((r) => ({ ...r, port: args.servicePorts[r.service] }));
        const routes: pulumi.Resource[] = [];
        for (const [routeName, group] of httpRouteGroups(ported)) {
            const service = group[0].service;
            this.routeNames[service] = [...(this.routeNames[service] ?? []), routeName];
            const route = custom(
                routeName,
                "HTTPRoute",
                routeName,
                {
                    parentRefs: [{ name: "edge", sectionName: listener }],
                    ...hostnames,
                    rules: group.map((r) => ({
                        matches: [{ path: { type: "PathPrefix", value: r.path } }],
                        filters: [headerFilter],
                        backendRefs: backendRefs(r.service, r.port, args.canaryServices?.[r.service]),
                    })),
                },
                GATEWAY_API,
                onGateway,
            );
            routes.push(route);
            const cidrs = group[0].allowCidrs;
            if (cidrs) {
                custom(
                    `${routeName}-allow`,
                    "SecurityPolicy",
                    `${routeName}-allow`,
                    {
                        targetRefs: [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute", name: routeName }],
                        authorization: {
                            defaultAction: "Deny",
                            rules: [{ name: "allow-listed", action: "Allow", principal: { clientCIDRs: cidrs } }],
                        },
                    },
                    ENVOY_API,
                    [route],
                );
            }
        }
        for (const p of args.previews ?? [])
            for (const spec of previewRouteSpecs(p, {
                listener,
                ...(e.domain ? { hostnames: [e.domain] } : {}),
                filters: [headerFilter],
            })) {
                const route = custom(spec.name, "HTTPRoute", spec.name, spec.route, GATEWAY_API, onGateway);
                custom(`${spec.name}-allow`, "SecurityPolicy", `${spec.name}-allow`, spec.policy, ENVOY_API, [route]);
                // The service's traffic policy (timeouts, retries, limits) covers its preview too: it answers as it will after the switch.
                this.routeNames[p.service] = [...(this.routeNames[p.service] ?? []), spec.name];
                routes.push(route);
            }
        const edgeDefaults = { rateRule: perClientRule(e.rateLimitPerMinute), requestBuffer: { limit: `${e.maxBodyMb}Mi` } };
        custom(
            "edge-traffic",
            "BackendTrafficPolicy",
            "edge",
            {
                targetRefs: [gatewayRef],
                rateLimit: { global: { rules: [edgeDefaults.rateRule] } },
                requestBuffer: edgeDefaults.requestBuffer,
            },
            ENVOY_API,
            onGateway,
        );
        for (const [service, plan] of Object.entries(args.traffic ?? {})) {
            const name = `edge-${service}-traffic`;
            custom(
                name,
                "BackendTrafficPolicy",
                name,
                backendTrafficPolicySpec(plan, this.routeNames[service], edgeDefaults),
                ENVOY_API,
                routes,
            );
        }
        custom(
            "edge-clients",
            "ClientTrafficPolicy",
            "edge",
            {
                targetRefs: [gatewayRef],
                // The client address is the TCP peer (preserved by externalTrafficPolicy: Local); no
                // X-Forwarded-For hop is trusted, so a client cannot spoof its way into an allow-list.
                clientIPDetection: { xForwardedFor: { numTrustedHops: 0 } },
                ...(tls ? { tls: { minVersion: "1.2" } } : {}),
            },
            ENVOY_API,
            onGateway,
        );
        if (e.waf) {
            custom(
                "edge-waf",
                "EnvoyExtensionPolicy",
                "edge-waf",
                {
                    targetRefs: [gatewayRef],
                    wasm: [
                        {
                            name: "coraza-waf",
                            rootID: "",
                            failOpen: false,
                            code: { type: "Image", image: { url: CORAZA_WASM_IMAGE } },
                            config: { directives_map: { default: wafDirectives() }, default_directives: "default" },
                        },
                    ],
                },
                ENVOY_API,
                onGateway,
            );
        }
        if (ctx.settings.monitoringCrds) {
            // Prometheus scrapes this Gateway's Envoy proxies: their request counts are the
            // request-rate signal of the autoscaler (service.ts) and the edge's own metrics.
            custom(
                "edge-proxy-monitor",
                "PodMonitor",
                "edge-proxy",
                {
                    namespaceSelector: { matchNames: [ENVOY_PROXY_PEER.namespace] },
                    selector: {
                        matchLabels: {
                            ...ENVOY_PROXY_PEER.podSelector,
                            "gateway.envoyproxy.io/owning-gateway-name": "edge",
                            "gateway.envoyproxy.io/owning-gateway-namespace": ctx.namespaceName,
                        },
                    },
                    podMetricsEndpoints: [{ port: "metrics", path: "/stats/prometheus", interval: "15s" }],
                },
                "monitoring.coreos.com/v1",
                onGateway,
            );
        }
        const scheme = tls ? "https" : "http";
        this.publicUrl = e.domain
            ? pulumi.output(`${scheme}://${e.domain}`)
            : pulumi
                  .output((gateway as unknown as Record<string, pulumi.Output<{ addresses?: { value: string }[] } | undefined>>).status)
                  .apply((s) => `${scheme}://${s?.addresses?.[0]?.value ?? "pending"}`);
        this.registerOutputs({ publicUrl: this.publicUrl });
    }
}

/**
 * Where Envoy Gateway runs its proxies (the controller's namespace, its default) and their pod
 * labels (envoyproxy/gateway `internal/infrastructure/kubernetes/proxy/resource.go` EnvoyAppLabel).
 */
export const ENVOY_PROXY_PEER = {
    namespace: OPERATOR_NAMESPACES.envoyGateway,
    podSelector: { "app.kubernetes.io/name": "envoy", "app.kubernetes.io/component": "proxy" },
};
