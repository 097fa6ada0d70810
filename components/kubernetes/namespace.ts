/**
 * The network tier on Kubernetes: one Namespace per system at Pod Security Admission `restricted`
 * (enforce, audit and warn), a default-deny NetworkPolicy for ingress and egress, DNS egress, and
 * one allow rule per real flow of the system ({@link systemFlows}): ingress controller → each
 * routed service (Envoy Gateway's proxies), service → each datastore it `uses`, backup job → its database, Prometheus →
 * metrics ports, and what the CloudNativePG instances need (operator, replication, API server,
 * WAL archive). Rules are grouped into one NetworkPolicy per group of pods (`allow-<component>`).
 *
 * NetworkPolicies need a CNI that enforces them (Calico, Cilium, ...); on one that does not
 * (kindnet, flannel) they are accepted and ignored.
 *
 * **Data and `pulumi destroy`.** Deleting a Namespace deletes every PVC in it, whatever the
 * StatefulSets' `persistentVolumeClaimRetentionPolicy` says, so the Namespace carries
 * {@link deletionSafety}: `protect` in prod, `retainOnDelete` elsewhere. In staging a mistaken
 * `pulumi destroy` then removes every workload, Service, Secret and NetworkPolicy (nothing keeps
 * running unfenced), but leaves the namespace with the datastores' claims (MySQL, MongoDB, Redis
 * AOF, RabbitMQ, the object store: retained by their StatefulSets) and the dump PVCs (retained themselves):
 *
 * - `pulumi up` again stops at the existing Namespace (`AlreadyExists`: pulumi-kubernetes ≥ 4.29
 *   never adopts silently). Run that one `up` with `PULUMI_K8S_UPSERT_EXISTING_OBJECTS=true` to
 *   adopt the Namespace and the dump PVCs (or `pulumi import` them).
 *   The StatefulSets then find their claims by name. Passwords are new (they lived in the
 *   destroyed state): MySQL, MongoDB and RabbitMQ keep the users of their data directory, so
 *   reset those, or restore the dumps into the fresh ones.
 * - CloudNativePG deletes its instances' PVCs with the `Cluster` (they are owned by it), and a
 *   retained Cluster would keep running without its NetworkPolicies, Secrets and archive, so it
 *   is not retained: PostgreSQL comes back from its base backups and WAL (in the retained object-store
 *   claim or the S3 endpoint) or its dumps.
 * - To tear staging down for good: `pulumi destroy`, then `kubectl delete namespace <ns>`.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type * as k8sTypes from "@pulumi/kubernetes/types/input";
import type { Settings, System } from "../../model";
import { DEFAULT_PORTS } from "../shared/connection";
import { kubernetesLabels, resourceName } from "../shared/naming";
import { deletionSafety, OPERATOR_NAMESPACES, selectorOf, type KubeContext } from "./context";
import { type Flow, type Peer } from "./flows";
import { ENVOY_PROXY_PEER } from "./edge";

/** Name of the one object store (SeaweedFS) a system gets when no S3 endpoint is configured. */
export const OBJECT_STORE = "object-store";
/** CloudNativePG instance-manager status port (operator → instances). */
export const CNPG_STATUS_PORT = 8000;
/** CloudNativePG metrics exporter port. */
export const CNPG_METRICS_PORT = 9187;

/** Host and port of the configured S3 endpoint (`https://s3.example.com:9000`), or undefined. */
export function s3EndpointAddress(settings: Settings): { host: string; port: number; url: string } | undefined {
    if (!settings.s3Endpoint) return undefined;
    const url = new URL(settings.s3Endpoint.includes("://") ? settings.s3Endpoint : `https://${settings.s3Endpoint}`);
    const port = url.port ? Number(url.port) : url.protocol === "http:" ? 80 : 443;
    return { host: url.hostname, port, url: url.toString().replace(/\/$/, "") };
}

/** The pods of datastore `name` and the port clients use. Postgres pods are CloudNativePG's. */
export function datastorePeer(system: System, settings: Settings, name: string): { peer: Peer; port: number } | undefined {
    const db = system.databases[name];
    if (db) {
        if (db.engine === "postgres") return { peer: { kind: "pods", component: name, selector: { "cnpg.io/cluster": name } }, port: DEFAULT_PORTS.postgres };
        return { peer: { kind: "pods", component: name, selector: selectorOf(system, name) }, port: db.engine === "mysql" ? DEFAULT_PORTS.mysql : DEFAULT_PORTS.mongodb };
    }
    if (system.caches[name]) return { peer: { kind: "pods", component: name, selector: selectorOf(system, name) }, port: DEFAULT_PORTS.redis };
    if (system.queues[name]) return { peer: { kind: "pods", component: name, selector: selectorOf(system, name) }, port: DEFAULT_PORTS.amqp };
    if (system.buckets[name]) return objectStorePeer(system, settings);
    return undefined;
}

/** Where buckets live: the in-namespace SeaweedFS, or the configured S3 endpoint (any address: its IPs are not known at plan time). */
export function objectStorePeer(system: System, settings: Settings): { peer: Peer; port: number } {
    const s3 = s3EndpointAddress(settings);
    if (s3) return { peer: { kind: "cidr", component: "s3", cidr: "0.0.0.0/0" }, port: s3.port };
    return { peer: { kind: "pods", component: OBJECT_STORE, selector: selectorOf(system, OBJECT_STORE) }, port: DEFAULT_PORTS.s3 };
}

/** The edge's Envoy proxies (Envoy Gateway runs them in its own namespace). */
const ingressController: Peer = { kind: "namespace", component: "envoy-proxy", ...ENVOY_PROXY_PEER };
const prometheus: Peer = {
    kind: "namespace",
    component: "prometheus",
    namespace: OPERATOR_NAMESPACES.monitoring,
    podSelector: { "app.kubernetes.io/name": "prometheus" },
};

/**
 * Address ranges a service's internet egress never reaches (`services.<n>.egress`): private
 * networks (RFC 1918: 10/8, 172.16/12, 192.168/16), link-local (169.254/16, where cloud metadata
 * endpoints live), carrier-grade NAT (RFC 6598: 100.64/10), loopback and "this network". The pod
 * and Service ranges of common clusters fall inside these (kubeadm 10.96/12 and CNI 10.244/16,
 * k3s 10.42/16 and 10.43/16, EKS/GKE VPC ranges in RFC 1918 or 100.64/10).
 */
export const NON_INTERNET_CIDRS = ["0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.168.0.0/16"];

/** The internet peer of a service's egress: 0.0.0.0/0 except {@link NON_INTERNET_CIDRS}. */
export const INTERNET: Peer = { kind: "cidr", component: "internet", cidr: "0.0.0.0/0", except: NON_INTERNET_CIDRS };

/** Every connection the system makes, derived from the spec alone (pure: no Pulumi). */
export function systemFlows(system: System, settings: Settings): Flow[] {
    const flows: Flow[] = [];
    const pods = (component: string): Peer => ({ kind: "pods", component, selector: selectorOf(system, component) });
    const routed = new Set(system.edge.routes.map((r) => r.service));
    for (const service of Object.values(system.services)) {
        if (service.kind === "web" && service.port && routed.has(service.name)) {
            flows.push({ from: ingressController, to: pods(service.name), ports: [{ port: service.port }] });
        }
        if (service.kind === "web" && service.port && settings.monitoringCrds) {
            flows.push({ from: prometheus, to: pods(service.name), ports: [{ port: service.port }] });
        }
        // Issue 11 item 4: outbound calls to external APIs (payment, SMTP, webhooks) only where the
        // spec opts in, only on its ports, never to private, link-local or cluster ranges.
        if (service.egress.internet) flows.push({ from: pods(service.name), to: INTERNET, ports: service.egress.ports.map((port) => ({ port })) });
        const clients = [service.name, ...(service.migrate ? [`${service.name}-migrate`] : [])];
        for (const use of service.uses) {
            const target = datastorePeer(system, settings, use);
            if (!target) continue;
            for (const client of clients) flows.push({ from: pods(client), to: target.peer, ports: [{ port: target.port }] });
        }
    }
    const s3 = s3EndpointAddress(settings);
    for (const db of Object.values(system.databases)) {
        const target = datastorePeer(system, settings, db.name)!;
        const backup = pods(`${db.name}-backup`);
        flows.push({ from: backup, to: target.peer, ports: [{ port: target.port }] });
        if (s3) flows.push({ from: backup, to: objectStorePeer(system, settings).peer, ports: [{ port: s3.port }] });
        if (db.engine === "postgres") {
            const cluster = target.peer;
            flows.push({ from: { kind: "namespace", component: "cnpg-operator", namespace: OPERATOR_NAMESPACES.cnpg }, to: cluster, ports: [{ port: CNPG_STATUS_PORT }, { port: DEFAULT_PORTS.postgres }] });
            flows.push({ from: cluster, to: cluster, ports: [{ port: DEFAULT_PORTS.postgres }, { port: CNPG_STATUS_PORT }] });
            // The instance manager talks to the Kubernetes API server; its address is cluster-specific.
            flows.push({ from: cluster, to: { kind: "cidr", component: "kube-apiserver", cidr: "0.0.0.0/0" }, ports: [{ port: 443 }, { port: 6443 }] });
            // WAL archive and base backups (the S3 endpoint, else the system's SeaweedFS).
            const store = objectStorePeer(system, settings);
            flows.push({ from: cluster, to: store.peer, ports: [{ port: store.port }] });
            if (settings.monitoringCrds) flows.push({ from: prometheus, to: cluster, ports: [{ port: CNPG_METRICS_PORT }] });
        }
    }
    if (!s3 && (Object.keys(system.buckets).length > 0 || Object.values(system.databases).some((d) => d.engine === "postgres"))) {
        flows.push({ from: pods(`${OBJECT_STORE}-buckets`), to: objectStorePeer(system, settings).peer, ports: [{ port: DEFAULT_PORTS.s3 }] });
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

function peerRule(peer: Peer): k8sTypes.networking.v1.NetworkPolicyPeer {
    if (peer.kind === "pods") return { podSelector: { matchLabels: peer.selector } };
    if (peer.kind === "namespace") {
        return {
            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": peer.namespace } },
            ...(peer.podSelector ? { podSelector: { matchLabels: peer.podSelector } } : {}),
        };
    }
    return { ipBlock: { cidr: peer.cidr, ...(peer.except ? { except: peer.except } : {}) } };
}

/** Arguments of {@link KubernetesNamespace}. */
export interface KubernetesNamespaceArgs {
    /** The resolved system. */
    system: System;
    /** The stack's settings. */
    settings: Settings;
    /** The namespace to create. */
    name: string;
    /**
     * The allowed flows.
     * @default systemFlows(system, settings)
     */
    flows?: Flow[];
}

/** A Namespace at PSA `restricted` with default-deny NetworkPolicies and one allow rule per flow. */
export class KubernetesNamespace extends pulumi.ComponentResource {
    /** The namespace name, resolved once the Namespace exists. */
    readonly name: pulumi.Output<string>;
    /** The NetworkPolicies, by name. */
    readonly policies: k8s.networking.v1.NetworkPolicy[] = [];

    constructor(name: string, args: KubernetesNamespaceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("tierform:kubernetes:Namespace", name, {}, opts);
        const { system, settings } = args;
        const labels = kubernetesLabels(system, args.name, "network");
        const ns = new k8s.core.v1.Namespace(
            name,
            {
                metadata: {
                    name: args.name,
                    labels: {
                        ...labels,
                        "pod-security.kubernetes.io/enforce": "restricted",
                        "pod-security.kubernetes.io/enforce-version": "latest",
                        "pod-security.kubernetes.io/audit": "restricted",
                        "pod-security.kubernetes.io/audit-version": "latest",
                        "pod-security.kubernetes.io/warn": "restricted",
                        "pod-security.kubernetes.io/warn-version": "latest",
                    },
                },
            },
            { parent: this, ...deletionSafety(system, true) },
        );
        this.name = ns.metadata.name;
        const ctx: KubeContext = { system, settings, namespaceName: args.name, namespace: this.name };
        const policy = (policyName: string, spec: k8sTypes.networking.v1.NetworkPolicySpec) => {
            const p = new k8s.networking.v1.NetworkPolicy(
                resourceName([name, policyName]),
                { metadata: { name: policyName, namespace: ctx.namespace, labels: kubernetesLabels(system, policyName, "network") }, spec },
                { parent: this },
            );
            this.policies.push(p);
        };
        policy("default-deny", { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
        policy("allow-dns", {
            podSelector: {},
            policyTypes: ["Egress"],
            egress: [
                {
                    to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
                    ports: [
                        { port: 53, protocol: "UDP" },
                        { port: 53, protocol: "TCP" },
                    ],
                },
            ],
        });
        // One NetworkPolicy per group of pods, holding one rule per flow into it (ingress) and out
        // of it (egress): fewer objects than a policy per flow, the same rules.
        const groups = new Map<string, { selector: Record<string, string>; ingress: k8sTypes.networking.v1.NetworkPolicyIngressRule[]; egress: k8sTypes.networking.v1.NetworkPolicyEgressRule[] }>();
        const group = (peer: Extract<Peer, { kind: "pods" }>) => {
            let g = groups.get(peer.component);
            if (!g) groups.set(peer.component, (g = { selector: peer.selector, ingress: [], egress: [] }));
            return g;
        };
        for (const flow of args.flows ?? systemFlows(system, settings)) {
            const ports = flow.ports.map((p) => ({ port: p.port, protocol: p.protocol ?? "TCP" }));
            if (flow.to.kind === "pods") group(flow.to).ingress.push({ from: [peerRule(flow.from)], ports });
            if (flow.from.kind === "pods") group(flow.from).egress.push({ to: [peerRule(flow.to)], ports });
        }
        for (const [component, g] of groups) {
            policy(resourceName(["allow", component]), {
                podSelector: { matchLabels: g.selector },
                policyTypes: [...(g.ingress.length > 0 ? ["Ingress"] : []), ...(g.egress.length > 0 ? ["Egress"] : [])],
                ...(g.ingress.length > 0 ? { ingress: g.ingress } : {}),
                ...(g.egress.length > 0 ? { egress: g.egress } : {}),
            });
        }
        this.registerOutputs({ name: this.name });
    }
}
