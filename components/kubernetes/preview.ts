/**
 * A blue-green's preview at the edge on Kubernetes (the plan's `schedule.argo.preview`, from `rollout.preview`): before the
 * switch, clients in the spec's ranges reach the new pods through the edge's Gateway, not only from inside the cluster.
 * Reads only the plan.
 *
 * - **The route** `edge-<service>-preview`: an HTTPRoute on the edge's Gateway (the same listener and hostnames as the
 *   service's own routes) with one rule per previewed path: the path prefix AND the header `x-tierform-preview: 1`, to the
 *   `<service>-preview` Service Argo Rollouts points at the new pods (rollout.ts). Across the Gateway's routes a request
 *   takes the match with the longest path prefix, then the most header matches (Gateway API `HTTPRouteRule.matches`,
 *   kubernetes-sigs/gateway-api apis/v1/httproute_types.go), so with the header a previewed path goes here and without it
 *   to the active Service, and a longer prefix of another route keeps its own backend. A header rather than a hostname of
 *   its own: `preview.<domain>` would need a DNS record, a certificate name and a listener covering it (a route whose
 *   hostnames no listener covers is not attached), and an edge without a domain has no hostname at all.
 * - **Between rollouts** the preview Service points at the active pods ("Beginning at a fully promoted, steady-state, a
 *   revision 1 ReplicaSet is pointed to by both the activeService and previewService", argoproj/argo-rollouts
 *   docs/features/bluegreen.md), so the header then reaches the version that serves everyone.
 * - **The restriction**: a SecurityPolicy on that route alone, `defaultAction: Deny`, allowing only the plan's client
 *   ranges (`authorization.rules[].principal.clientCIDRs`), the mechanism of the `/admin` allow-lists (edge.ts): the client
 *   address is the TCP peer Envoy sees (`externalTrafficPolicy: Local`, no trusted X-Forwarded-For hop), so a client
 *   outside the ranges that sends the header gets 403. The service's allow-listed routes (AuroMart's `/admin`) get a
 *   route of their own, `edge-<service>-preview-restricted`, allowing only the addresses in both lists (the plan's
 *   `restricted`; none in both: not previewed), so the preview never widens an allow-list.
 * - **The same answers as after the switch**: the service's BackendTrafficPolicy (`traffic`: timeouts, retries, circuit
 *   breaker, its per-client limit) targets the preview route too (edge.ts), and its rules carry the edge's security headers.
 * - **Behind the edge nothing new is opened**: the preview Service selects the same pods as the active one (plus Argo's
 *   pod-template hash), so the mesh's AuthorizationPolicy of the service (admitting the edge's proxies by namespace on its
 *   port, mesh.ts) and the NetworkPolicy flow from the edge to its port (network.ts) already cover the preview pods.
 */
import type { EdgePreviewPlan } from "../../plan";

/** The HTTPRoute (and, with `-allow`, the SecurityPolicy) of a service's preview at the edge. */
export const previewRouteName = (service: string): string => `edge-${service}-preview`;

/** A preview route to build: the service, the Service of its new pods and their port, and the plan's preview. */
export interface EdgePreview {
    /** The service's name. */
    service: string;
    /** The Service that selects the new pods (`<service>-preview`, rollout.ts `secondService`). */
    previewService: string;
    /** The service's port. */
    port: number;
    /** The plan's preview: header, allowed ranges, paths. */
    plan: EdgePreviewPlan;
}

/** Where the route attaches and what every rule of the edge carries. */
export interface PreviewParent {
    /** The Gateway listener (`https` with TLS, else `http`). */
    listener: string;
    /**
     * The edge's hostnames.
     * @default none: every hostname the listener takes
     */
    hostnames?: string[];
    /** The filters every edge rule has (the security headers). */
    filters: Record<string, unknown>[];
}

/** The preview's HTTPRoutes and their SecurityPolicies (see the module doc): the open paths', the allow-listed paths'. */
export function previewRouteSpecs(
    p: EdgePreview,
    parent: PreviewParent,
): { name: string; route: Record<string, unknown>; policy: Record<string, unknown> }[] {
    const { restricted } = p.plan;
    return [
        ...(p.plan.paths.length > 0 ? [routeSpec(p, parent, previewRouteName(p.service), p.plan.paths, p.plan.allowCidrs)] : []),
        ...(restricted ? [routeSpec(p, parent, `${previewRouteName(p.service)}-restricted`, restricted.paths, restricted.allowCidrs)] : []),
    ];
}

/** One preview HTTPRoute `name` on `paths`, and its SecurityPolicy allowing only `allowCidrs`. */
function routeSpec(p: EdgePreview, parent: PreviewParent, name: string, paths: string[], allowCidrs: string[]) {
    return {
        name,
        route: {
            parentRefs: [{ name: "edge", sectionName: parent.listener }],
            ...(parent.hostnames ? { hostnames: parent.hostnames } : {}),
            rules: paths.map((path) => ({
                matches: [
                    { path: { type: "PathPrefix", value: path }, headers: [{ type: "Exact", name: p.plan.header, value: p.plan.value }] },
                ],
                filters: parent.filters,
                backendRefs: [{ name: p.previewService, port: p.port }],
            })),
        },
        policy: {
            targetRefs: [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute", name }],
            authorization: {
                defaultAction: "Deny",
                rules: [{ name: "preview-allowed", action: "Allow", principal: { clientCIDRs: [...allowCidrs] } }],
            },
        },
    };
}
