/**
 * The network flows of a system on Kubernetes, which the Namespace component (namespace.ts) turns
 * into NetworkPolicies after a default deny of ingress and egress and DNS egress: one allow rule
 * per real flow of the system ({@link systemFlows}): ingress controller → each routed service
 * (Envoy Gateway's proxies), service → each datastore it `uses`, backup job → its database,
 * Prometheus → metrics ports, and what the CloudNativePG instances need (operator, replication, API server,
 * WAL archive), service → the OpenTelemetry Collector gateway (OTLP). Rules are grouped into one NetworkPolicy per group of pods (`allow-<component>`).
 *
 * The Barman Cloud plugin adds no flow of its own here: the operator reaches the plugin's
 * `barman-cloud` Service (gRPC over mTLS, port 9090) inside `cnpg-system`, which tierform's
 * policies do not cover; the plugin's sidecar runs in each instance pod (and the recovery Job's
 * pod, both labelled `cnpg.io/cluster`) and serves the instance manager on a unix socket
 * (`/plugins/barman-cloud.cloudnative-pg.io`, plugin-barman-cloud v0.14.0
 * internal/cmd/healthcheck/main.go); it reads its ObjectStore and Secrets from the API server and
 * uploads to the object store, through the instance pods' own rules below.
 *
 * NetworkPolicies need a CNI that enforces them (Calico, Cilium, ...); on one that does not
 * (kindnet, flannel) they are accepted and ignored.
 */
import { OTEL_GATEWAY_PODS, OTLP_HTTP_PORT } from "./observability";
import type * as k8sTypes from "@pulumi/kubernetes/types/input";
import type * as pulumi from "@pulumi/pulumi";
import { DEFAULT_PORTS } from "../shared/connection";
import type { SystemFacts, SystemPlan } from "../../plan";
import { OPERATOR_NAMESPACES, selectorOf, specsOf } from "./context";
import { ENVOY_PROXY_PEER } from "./edge";
import { rolloutCheckAccount, rolloutCheckComponent } from "./rollout";
import { HBONE_PORT, KUBELET_PROBE_SOURCE } from "./mesh";
import type { PlatformSettings } from "../../plan";

/** One end of a network flow. */
export type Peer =
    /** Pods of this namespace matching the labels. */
    | { kind: "pods"; component: string; selector: Record<string, string> }
    /** Pods of another namespace (an operator, the ingress controller, Prometheus). */
    | { kind: "namespace"; component: string; namespace: string; podSelector?: Record<string, string> }
    /** Addresses outside the cluster (an S3 endpoint, the internet). */
    | { kind: "cidr"; component: string; cidr: pulumi.Input<string>; except?: string[] }
    /** The Kubernetes API server, rendered per CNI ({@link API_SERVER}). */
    | { kind: "apiServer"; component: "kube-apiserver" };

/**
 * One allowed connection. The Namespace component makes an Ingress policy on `to` (when it is pods of the
 * namespace) and an Egress policy on `from` (when it is pods of the namespace).
 */
export interface Flow {
    /** Who connects. */
    from: Peer;
    /** Who is connected to. */
    to: Peer;
    /** Destination container ports. */
    ports: { port: number; protocol?: "TCP" | "UDP" }[];
}

/** Name of the one object store (SeaweedFS) a system gets when no S3 endpoint is configured. */
export const OBJECT_STORE = "object-store";
/** CloudNativePG instance-manager status port (operator → instances). */
export const CNPG_STATUS_PORT = 8000;
/** CloudNativePG metrics exporter port. */
export const CNPG_METRICS_PORT = 9187;

/** Host and port of the configured S3 endpoint (`https://s3.example.com:9000`), or undefined. */
export function s3EndpointAddress(settings: PlatformSettings): { host: string; port: number; url: string } | undefined {
    if (!settings.s3Endpoint) return undefined;
    const url = new URL(settings.s3Endpoint.includes("://") ? settings.s3Endpoint : `https://${settings.s3Endpoint}`);
    const port = url.port ? Number(url.port) : url.protocol === "http:" ? 80 : 443;
    return { host: url.hostname, port, url: url.toString().replace(/\/$/, "") };
}

/**
 * The pods of datastore `name` and the port clients use (the plan's table, plan/datastores.ts).
 * Postgres pods are CloudNativePG's; buckets live in the object store.
 */
export function datastorePeer(
    system: Pick<SystemPlan, "name" | "datastores">,
    settings: PlatformSettings,
    name: string,
): { peer: Peer; port: number } | undefined {
    const d = system.datastores[name];
    if (!d) return undefined;
    if (d.kind === "bucket") return objectStorePeer(system, settings);
    const port = d.port;
    if (port === undefined) throw new Error(`datastore '${name}' (${d.kind}): the plan gives it no port on Kubernetes`);
    if (d.kind === "database" && d.spec.engine === "postgres")
        return { peer: { kind: "pods", component: name, selector: { "cnpg.io/cluster": name } }, port };
    return { peer: { kind: "pods", component: name, selector: selectorOf(system, name) }, port };
}

/**
 * The namespace of an S3 endpoint that is a Service of the cluster (`<service>.<namespace>.svc`,
 * optionally followed by the cluster domain, e.g. `minio.storage.svc.cluster.local`), or undefined.
 */
export function inClusterNamespace(host: string): string | undefined {
    return /^[a-z0-9]([-a-z0-9]*[a-z0-9])?\.([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.svc(\..+)?$/.exec(host)?.[2];
}

/**
 * Where buckets live: the in-namespace SeaweedFS; the configured S3 endpoint's namespace when it is a
 * Service of the cluster; else the endpoint at any address (its IPs are not known at plan time).
 *
 * An in-cluster endpoint is a namespace peer, not an `ipBlock`: Cilium's CIDR rules "do not apply to
 * traffic where both sides of the connection are either managed by Cilium or use an IP belonging to a
 * node in the cluster" (cilium Documentation/policy/language.rst, "IP/CIDR based"), so an ipBlock
 * 0.0.0.0/0 never matched a MinIO pod on `tierform:cni: cilium` and the WAL archive and backups were
 * dropped; a namespace selector matches it on every CNI. The rule is written on the endpoint's port:
 * NetworkPolicies match the pod's port after the Service's translation, so the Service must expose
 * the pod's own port (as MinIO's and SeaweedFS's charts do).
 */
export function objectStorePeer(system: Pick<SystemFacts, "name">, settings: PlatformSettings): { peer: Peer; port: number } {
    const s3 = s3EndpointAddress(settings);
    const namespace = s3 && inClusterNamespace(s3.host);
    if (s3 && namespace) return { peer: { kind: "namespace", component: "s3", namespace }, port: s3.port };
    if (s3) return { peer: { kind: "cidr", component: "s3", cidr: "0.0.0.0/0" }, port: s3.port };
    return { peer: { kind: "pods", component: OBJECT_STORE, selector: selectorOf(system, OBJECT_STORE) }, port: DEFAULT_PORTS.s3 };
}

/**
 * The Kubernetes API server, which CloudNativePG's instance manager (and the Barman Cloud plugin's
 * sidecar beside it) calls on 443 (the `kubernetes` Service; managed control planes) or 6443 (the
 * endpoint behind it on kubeadm, kind, k3s). Its address is the cluster's; how a policy names it
 * depends on the CNI (`tierform:cni`, {@link apiServerEgress}):
 *
 * - **Cilium**: a CiliumNetworkPolicy `toEntities: [kube-apiserver]`. Cilium's CIDR rules (and so a
 *   NetworkPolicy `ipBlock`, even 0.0.0.0/0) "do not apply to traffic where both sides of the
 *   connection are either managed by Cilium or use an IP belonging to a node in the cluster"
 *   (cilium Documentation/policy/language.rst, "IP/CIDR based"); the API server's addresses carry
 *   the reserved `kube-apiserver` identity, selectable as the `kube-apiserver` entity "within the
 *   cluster and outside of the cluster" (same file, "Entities Based"; cilium PR #17714, #18396).
 *   `policy-cidr-match-mode: nodes` (cilium PR #28421) would make node addresses CIDR-selectable,
 *   but it is off by default and cluster-wide; the entity needs no agent setting.
 * - **Calico**: an `ipBlock` 0.0.0.0/0 on 443 and 6443. Calico applies policy after kube-proxy's
 *   DNAT, so the packet it sees goes to an API server endpoint (the `default/kubernetes`
 *   Endpoints, port 6443 on kubeadm), which the block matches; a narrower block would need those
 *   addresses, which change with the control plane.
 * - **EKS VPC CNI** (network policy agent): the same `ipBlock`: the API server's endpoints are
 *   cross-account ENIs with addresses of the cluster's VPC, which 0.0.0.0/0 contains.
 *
 * Only the PostgreSQL instances (and the recovery Job, labelled `cnpg.io/cluster` like them) talk
 * to the API server: every pod tierform defines itself has `automountServiceAccountToken: false`
 * (pods.ts) and no reason to.
 */
export const API_SERVER: Peer = { kind: "apiServer", component: "kube-apiserver" };
/** The API server's ports: the `kubernetes` Service (443) and the endpoint behind it (6443 on kubeadm, kind, k3s). */
export const API_SERVER_PORTS = [443, 6443];

/** The edge's Envoy proxies (Envoy Gateway runs them in its own namespace). */
const ingressController: Peer = { kind: "namespace", component: "envoy-proxy", ...ENVOY_PROXY_PEER };
const prometheus: Peer = {
    kind: "namespace",
    component: "prometheus",
    namespace: OPERATOR_NAMESPACES.monitoring,
    podSelector: { "app.kubernetes.io/name": "prometheus" },
};

/** The OpenTelemetry Collector gateway every service exports its spans to (observability.ts). */
export const OTEL_GATEWAY: Peer = {
    kind: "namespace",
    component: "otel-collector",
    namespace: OPERATOR_NAMESPACES.monitoring,
    podSelector: OTEL_GATEWAY_PODS,
};

/**
 * Address ranges a service's internet egress never reaches (`services.<n>.egress`): private
 * networks (RFC 1918: 10/8, 172.16/12, 192.168/16), link-local (169.254/16, where cloud metadata
 * endpoints live), carrier-grade NAT (RFC 6598: 100.64/10), loopback and "this network". The pod
 * and Service ranges of common clusters fall inside these (kubeadm 10.96/12 and CNI 10.244/16,
 * k3s 10.42/16 and 10.43/16, EKS/GKE VPC ranges in RFC 1918 or 100.64/10).
 */
export const NON_INTERNET_CIDRS = [
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.168.0.0/16",
];

/** The kubelet's probes to an ambient pod (mesh.ts). */
const KUBELET_PROBES: Peer = { kind: "cidr", component: "kubelet-probes", cidr: KUBELET_PROBE_SOURCE };

/** The internet peer of a service's egress: 0.0.0.0/0 except {@link NON_INTERNET_CIDRS}. */
export const INTERNET: Peer = { kind: "cidr", component: "internet", cidr: "0.0.0.0/0", except: NON_INTERNET_CIDRS };

/** Every connection the system makes, from its plan alone (pure: no Pulumi). */
export function systemFlows(system: SystemPlan, settings: PlatformSettings): Flow[] {
    const flows: Flow[] = [];
    const pods = (component: string): Peer => ({ kind: "pods", component, selector: selectorOf(system, component) });
    const routed = new Set(system.routes.map((r) => r.service));
    for (const service of Object.values(system.services)) {
        // In the ambient mesh the edge's and Prometheus's connections arrive tunnelled on HBONE's port,
        // and the kubelet's probes from 169.254.7.127 (istio.io docs ambient/usage/networkpolicy; mesh.ts).
        const ports = (port: number) => [{ port }, ...(settings.mesh ? [{ port: HBONE_PORT }] : [])];
        if (service.kind === "web" && service.port && routed.has(service.name)) {
            flows.push({ from: ingressController, to: pods(service.name), ports: ports(service.port) });
        }
        if (service.kind === "web" && service.port && settings.monitoringCrds) {
            flows.push({ from: prometheus, to: pods(service.name), ports: ports(service.port) });
        }
        if (service.kind === "web" && service.port && settings.mesh) {
            flows.push({ from: KUBELET_PROBES, to: pods(service.name), ports: [{ port: service.port }] });
        }
        // Issue 11 item 4: outbound calls to external APIs (payment, SMTP, webhooks) only where the
        // spec opts in, only on its ports, never to private, link-local or cluster ranges.
        if (service.egress.internet)
            flows.push({ from: pods(service.name), to: INTERNET, ports: service.egress.ports.map((port) => ({ port })) });
        // A blue-green's promotion checks (rollout.ts) call the new pods through the preview Service; in the mesh, tunnelled
        // (their pods are enrolled, so the service's AuthorizationPolicy sees their identity).
        const checks = rolloutCheckAccount(service.rollout) !== undefined;
        if (checks) flows.push({ from: pods(rolloutCheckComponent(service.name)), to: pods(service.name), ports: ports(service.port!) });
        const clients = [service.name, ...(service.migrate ? [`${service.name}-migrate`] : [])];
        // Spans over OTLP/HTTP to the collector (plan/observability.ts: OTEL_EXPORTER_OTLP_ENDPOINT), while traces are on:
        // from the service, its migration Job and its promotion checks, which all run with the service's variables.
        if (system.observability.pipeline && system.observability.traces.enabled)
            for (const client of [...clients, ...(checks ? [rolloutCheckComponent(service.name)] : [])])
                flows.push({ from: pods(client), to: OTEL_GATEWAY, ports: [{ port: OTLP_HTTP_PORT }] });
        for (const use of service.uses) {
            const target = datastorePeer(system, settings, use);
            if (!target) continue;
            for (const client of clients) flows.push({ from: pods(client), to: target.peer, ports: [{ port: target.port }] });
        }
    }
    const s3 = s3EndpointAddress(settings);
    const databases = specsOf(system, "database");
    for (const db of databases) {
        const target = datastorePeer(system, settings, db.name)!;
        const backup = pods(`${db.name}-backup`);
        flows.push({ from: backup, to: target.peer, ports: [{ port: target.port }] });
        if (s3) flows.push({ from: backup, to: objectStorePeer(system, settings).peer, ports: [{ port: s3.port }] });
        if (db.engine === "postgres") {
            const cluster = target.peer;
            flows.push({
                from: { kind: "namespace", component: "cnpg-operator", namespace: OPERATOR_NAMESPACES.cnpg },
                to: cluster,
                ports: [{ port: CNPG_STATUS_PORT }, { port: DEFAULT_PORTS.postgres }],
            });
            flows.push({ from: cluster, to: cluster, ports: [{ port: DEFAULT_PORTS.postgres }, { port: CNPG_STATUS_PORT }] });
            // The instance manager talks to the Kubernetes API server (rendered per CNI, see API_SERVER).
            flows.push({ from: cluster, to: API_SERVER, ports: API_SERVER_PORTS.map((port) => ({ port })) });
            // WAL archive and base backups (the S3 endpoint, else the system's SeaweedFS), sent by the
            // Barman Cloud plugin's sidecar in the instance pod.
            const store = objectStorePeer(system, settings);
            flows.push({ from: cluster, to: store.peer, ports: [{ port: store.port }] });
            if (settings.monitoringCrds) flows.push({ from: prometheus, to: cluster, ports: [{ port: CNPG_METRICS_PORT }] });
        }
    }
    if (!s3 && (specsOf(system, "bucket").length > 0 || databases.some((d) => d.engine === "postgres"))) {
        flows.push({
            from: pods(`${OBJECT_STORE}-buckets`),
            to: objectStorePeer(system, settings).peer,
            ports: [{ port: DEFAULT_PORTS.s3 }],
        });
    }
    // One rule per flow: merge duplicates (two routes to one service, one service using two buckets).
    const merged = new Map<string, Flow>();
    for (const f of flows) {
        const key = `${f.from.component}>${f.to.component}`;
        const prior = merged.get(key);
        if (!prior) merged.set(key, { ...f, ports: [...f.ports] });
        else for (const p of f.ports) if (!prior.ports.some((q) => q.port === p.port)) prior.ports.push(p);
    }
    return [...merged.values()];
}

/** The NetworkPolicy peer of a flow end. */
export function peerRule(peer: Peer): k8sTypes.networking.v1.NetworkPolicyPeer {
    if (peer.kind === "pods") return { podSelector: { matchLabels: peer.selector } };
    if (peer.kind === "namespace") {
        return {
            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": peer.namespace } },
            ...(peer.podSelector ? { podSelector: { matchLabels: peer.podSelector } } : {}),
        };
    }
    // The API server on a CNI whose ipBlock matches it (Calico, the EKS VPC CNI): see API_SERVER.
    if (peer.kind === "apiServer") return { ipBlock: { cidr: "0.0.0.0/0" } };
    return { ipBlock: { cidr: peer.cidr, ...(peer.except ? { except: peer.except } : {}) } };
}

/**
 * The CiliumNetworkPolicy spec that lets the pods of `selector` reach the API server on Cilium
 * (`cilium.io/v2`, endpointSelector + egress `toEntities`/`toPorts`; ports are strings in its
 * schema). Cilium adds it to the namespace's NetworkPolicies (a union of allows): the default deny
 * stays.
 */
export function apiServerEgress(selector: Record<string, string>, ports: number[]): Record<string, unknown> {
    return {
        endpointSelector: { matchLabels: selector },
        egress: [{ toEntities: ["kube-apiserver"], toPorts: [{ ports: ports.map((port) => ({ port: String(port), protocol: "TCP" })) }] }],
    };
}
