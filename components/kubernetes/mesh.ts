/**
 * The service mesh on Kubernetes (`tierform:mesh`, on by default): Istio in **ambient mode**.
 *
 * Why Istio ambient (compared in December 2026 with the research tools):
 * - **Istio ambient** is maintained with monthly patches (1.31.1, 2026-09-21, istio/istio.io
 *   content/en/news/releases/1.31.x) and is the mode the project recommends to new users ("In
 *   general, we recommend that new users start with ambient mode", istio.io docs/overview/quickstart).
 *   Its node proxy, ztunnel, gives every enrolled pod mutual TLS, L4 authorization and L4 telemetry
 *   with no sidecar and no init container in the pod: the privileged parts (the istio-cni node agent
 *   and ztunnel) live in istio-system, so the application namespace keeps the **restricted** Pod
 *   Security profile (a sidecar's `istio-init` needs NET_ADMIN and NET_RAW, which restricted refuses).
 * - **Linkerd**'s open-source project has published only edge releases since 2.15 (February 2024):
 *   "In open source, we publish edge releases … For BEL, we publish stable releases"
 *   (docs.buoyant.io buoyant-enterprise-linkerd FAQ; buoyant.io blog, 2024-02-23), and Buoyant
 *   Enterprise for Linkerd is licensed per cluster for companies over 50 people; its proxy is a
 *   sidecar with an init container or the linkerd-cni plugin.
 * - **Cilium**'s mesh needs Cilium as the cluster's CNI (tierform supports Calico and the VPC CNI
 *   too), and its mutual authentication is a SPIFFE/SPIRE handshake beside the datapath, whose
 *   encryption comes separately from WireGuard or IPsec (docs.cilium.io
 *   network/servicemesh/mutual-authentication).
 *
 * What this file builds, from the plan only:
 * - the label {@link AMBIENT_LABEL} on every service's pods (service.ts) and on the edge's Envoy
 *   proxies (edge.ts, EnvoyProxy `envoyDeployment.pod.labels`), which enrols exactly those pods —
 *   not the namespace, whose datastores are reached by operators outside the mesh (CloudNativePG);
 * - a PeerAuthentication `default` with mTLS `STRICT`: an enrolled pod accepts only mutual TLS;
 * - an AuthorizationPolicy per service (`mesh-<service>`): a routed web service admits the edge's
 *   proxies (their namespace, as their mTLS identity says) and, with the monitoring CRDs,
 *   Prometheus (enrolled through kube-prometheus-stack's `podMetadata`), on its port; any other
 *   service admits nobody (an ALLOW policy without rules). Services call each other only through
 *   the edge (schema.ts `env`), so no service admits another; the NetworkPolicies say the same;
 * - with the monitoring CRDs, a PodMonitor for ztunnel's L4 metrics (`istio_tcp_*`, connections
 *   and bytes per source and destination identity) in istio-system.
 * Ambient tunnels traffic to a pod on port 15008 (HBONE) and the kubelet's probes arrive from
 * 169.254.7.127: the NetworkPolicies admit both (network.ts), as istio.io docs
 * ambient/usage/networkpolicy ask.
 */
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { K8S_ANNOTATION } from "../../conventions/labels";
import { logicalName, meta, OPERATOR_NAMESPACES, type KubeContext } from "./context";

/** The label that enrols a pod in the ambient mesh (istio.io docs ambient/usage/add-workloads). */
export const AMBIENT_LABEL = { "istio.io/dataplane-mode": "ambient" } as const;

/** The port ztunnel receives tunnelled (HBONE) traffic on, in the destination pod. */
export const HBONE_PORT = 15008;

/** The address the kubelet's probes come from to an ambient pod (SNAT by istio-cni). */
export const KUBELET_PROBE_SOURCE = "169.254.7.127/32";

/** A service as the mesh sees it. */
export interface MeshService {
    /** The service's name. */
    name: string;
    /** Its pods' selector. */
    selector: Record<string, string>;
    /** Its port, when it is a web service an edge route reaches; else it admits nobody. */
    routedPort?: number;
    /**
     * The mTLS identity of the Jobs that check its new pods around a blue-green's switch (rollout.ts
     * `rolloutCheckAccount`), admitted to its routed port ({@link meshPrincipal}).
     * @default none
     */
    checkedBy?: string;
}

/** The mTLS identity of a ServiceAccount as an AuthorizationPolicy names it (istio.io docs reference/config/security/authorization-policy, `principals`; the default trust domain). */
export const meshPrincipal = (namespace: string, serviceAccount: string): string => `cluster.local/ns/${namespace}/sa/${serviceAccount}`;

/** One mesh object: kind, apiVersion, name, spec and (where a reason is owed) annotations. */
export interface MeshObject {
    apiVersion: string;
    kind: string;
    name: string;
    spec: Record<string, unknown>;
    annotations?: Record<string, string>;
}

/**
 * Where the edge's connections to a routed service come from.
 * - `meshed`: an edge inside the mesh (staging's Envoy proxies), admitted by its namespace, which its mTLS identity names.
 * - `outside`: a load balancer outside the mesh that connects to the pods' addresses in plain text (the EKS placement's
 *   ALB, whose target groups hold the pods): admitted from the address ranges its nodes take their addresses from, per
 *   routed service (`cidrs`, by service name: `ipBlocks`, which ztunnel matches at L4), on the service's port only, which a workload PeerAuthentication leaves PERMISSIVE (`portLevelMtls`, honoured by
 *   ambient for a workload policy with a selector: istio/istio pilot/pkg/serviceregistry/kube/controller/ambient,
 *   convertPeerAuthentication) with `reason` in {@link K8S_ANNOTATION.meshPlaintextReason}; every other port of the
 *   pod stays STRICT.
 */
export type MeshEdge =
    { kind: "meshed"; namespace: string } | { kind: "outside"; cidrs: Record<string, pulumi.Input<string>[]>; reason: string };

/** Staging's edge: Envoy Gateway's proxies, enrolled in the mesh (edge.ts). */
export const MESHED_EDGE: MeshEdge = { kind: "meshed", namespace: OPERATOR_NAMESPACES.envoyGateway };

/**
 * The mesh's objects of a system's namespace: STRICT peer authentication, one authorization policy per service and,
 * for an edge outside the mesh, the routed port's plain-text exception per routed service.
 */
export function meshObjects(services: MeshService[], scrapedByPrometheus: boolean, edge: MeshEdge = MESHED_EDGE): MeshObject[] {
    const prometheus = scrapedByPrometheus ? [OPERATOR_NAMESPACES.monitoring] : [];
    const sources = (service: string) => {
        if (edge.kind === "meshed") return [{ source: { namespaces: [edge.namespace, ...prometheus] } }];
        // A rule whose `from` had no source would admit every source: a routed service without the edge's ranges is a bug.
        const cidrs = edge.cidrs[service];
        if (!cidrs?.length) throw new Error(`mesh: routed service '${service}' has no address range of the edge outside the mesh`);
        return [...(prometheus.length ? [{ source: { namespaces: prometheus } }] : []), { source: { ipBlocks: cidrs } }];
    };
    return [
        { apiVersion: "security.istio.io/v1beta1", kind: "PeerAuthentication", name: "default", spec: { mtls: { mode: "STRICT" } } },
        ...services.map((s) => ({
            apiVersion: "security.istio.io/v1",
            kind: "AuthorizationPolicy",
            name: `mesh-${s.name}`,
            spec: {
                selector: { matchLabels: s.selector },
                action: "ALLOW",
                ...(s.routedPort !== undefined
                    ? {
                          rules: [
                              { from: sources(s.name), to: [{ operation: { ports: [String(s.routedPort)] } }] },
                              ...(s.checkedBy
                                  ? [
                                        {
                                            from: [{ source: { principals: [s.checkedBy] } }],
                                            to: [{ operation: { ports: [String(s.routedPort)] } }],
                                        },
                                    ]
                                  : []),
                          ],
                      }
                    : {}),
            },
        })),
        ...(edge.kind === "outside"
            ? services.flatMap((s) =>
                  s.routedPort === undefined
                      ? []
                      : [
                            {
                                apiVersion: "security.istio.io/v1beta1",
                                kind: "PeerAuthentication",
                                name: `mesh-${s.name}-edge`,
                                spec: {
                                    selector: { matchLabels: s.selector },
                                    mtls: { mode: "STRICT" },
                                    portLevelMtls: { [String(s.routedPort)]: { mode: "PERMISSIVE" } },
                                },
                                annotations: { [K8S_ANNOTATION.meshPlaintextReason]: edge.reason },
                            },
                        ],
              )
            : []),
    ];
}

/** ztunnel's pods and metrics port (istio/istio manifests/charts/ztunnel templates/daemonset.yaml: `app: ztunnel`, port 15020 `ztunnel-stats`). */
export const ZTUNNEL_METRICS = {
    namespace: OPERATOR_NAMESPACES.istio,
    selector: { app: "ztunnel" },
    port: "ztunnel-stats",
    path: "/stats/prometheus",
};

/** Arguments of {@link createMesh}. */
export interface MeshArgs {
    /** The system's services as the mesh sees them. */
    services: MeshService[];
    /** Prometheus scrapes the services (and ztunnel): the monitoring CRDs are there. */
    scrapedByPrometheus: boolean;
    /**
     * Where the edge's connections come from.
     * @default MESHED_EDGE (staging's Envoy proxies)
     */
    edge?: MeshEdge;
    /** What the mesh's objects wait for: Istio's charts (their CRDs) and the workloads. */
    dependsOn: pulumi.Resource[];
    /** What ztunnel's PodMonitor waits for: kube-prometheus-stack's and Istio's charts. */
    monitorDependsOn: pulumi.Resource[];
}

/** Registers the mesh's objects ({@link meshObjects}) and, with the monitoring CRDs, ztunnel's PodMonitor, in the system's namespace. */
export function createMesh(ctx: KubeContext, args: MeshArgs, opts: { parent: pulumi.Resource; provider?: k8s.Provider }): void {
    for (const o of meshObjects(args.services, args.scrapedByPrometheus, args.edge))
        new k8s.apiextensions.CustomResource(
            logicalName(ctx, "mesh", o.kind.toLowerCase(), o.name),
            {
                apiVersion: o.apiVersion,
                kind: o.kind,
                metadata: meta(ctx, o.name, "mesh", "network", o.annotations ? { annotations: o.annotations } : {}),
                spec: o.spec,
            },
            { ...opts, dependsOn: args.dependsOn },
        );
    // The mesh's telemetry: ztunnel's L4 metrics per source and destination identity.
    if (args.scrapedByPrometheus)
        new k8s.apiextensions.CustomResource(
            logicalName(ctx, "mesh", "ztunnel-monitor"),
            {
                apiVersion: "monitoring.coreos.com/v1",
                kind: "PodMonitor",
                metadata: meta(ctx, `${ctx.system.name}-ztunnel`, "mesh", "network"),
                spec: {
                    namespaceSelector: { matchNames: [ZTUNNEL_METRICS.namespace] },
                    selector: { matchLabels: ZTUNNEL_METRICS.selector },
                    podMetricsEndpoints: [{ port: ZTUNNEL_METRICS.port, path: ZTUNNEL_METRICS.path, interval: "30s" }],
                },
            },
            { ...opts, dependsOn: args.monitorDependsOn },
        );
}
