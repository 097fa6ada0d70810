/**
 * The namespace of a system on Kubernetes: one Namespace at Pod Security Admission `restricted`
 * (enforce, audit and warn), a default-deny NetworkPolicy for ingress and egress, DNS egress, and
 * one NetworkPolicy per group of pods allowing its flows ({@link systemFlows} in network.ts).
 * The Namespace carries {@link deletionSafety} (deleting it deletes every PVC in it): what a
 * mistaken `pulumi destroy` leaves and how to come back is in docs/runbooks.md.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type * as k8sTypes from "@pulumi/kubernetes/types/input";
import { kubernetesLabels, resourceName } from "../shared/naming";
import { deletionSafety } from "./context";
import { apiServerEgress, peerRule, type Flow, type Peer } from "./network";
import type { PlatformSettings, SystemFacts } from "../../plan";
/** Arguments of {@link KubernetesNamespace}. */
export interface KubernetesNamespaceArgs {
    /** The system's names and profile (its labels, the Namespace's deletion safety): its plan's facts. */
    system: SystemFacts;
    /** The stack's settings. */
    settings: PlatformSettings;
    /** The namespace to create. */
    name: string;
    /** The allowed flows: network.ts {@link systemFlows} of the plan on Kubernetes, the EKS placement's own there. */
    flows: Flow[];
}

/** A Namespace at PSA `restricted` with default-deny NetworkPolicies and one allow rule per flow. */
export class KubernetesNamespace extends pulumi.ComponentResource {
    /** The namespace name, resolved once the Namespace exists. */
    readonly name: pulumi.Output<string>;
    /** The NetworkPolicies, by name. */
    readonly policies: k8s.networking.v1.NetworkPolicy[] = [];
    /** The CiliumNetworkPolicies (API-server egress on `tierform:cni: cilium`). */
    readonly ciliumPolicies: k8s.apiextensions.CustomResource[] = [];

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
        const policy = (policyName: string, spec: k8sTypes.networking.v1.NetworkPolicySpec) => {
            const p = new k8s.networking.v1.NetworkPolicy(
                resourceName([name, policyName]),
                { metadata: { name: policyName, namespace: this.name, labels: kubernetesLabels(system, policyName, "network") }, spec },
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
                    to: [
                        {
                            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
                            podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
                        },
                    ],
                    ports: [
                        { port: 53, protocol: "UDP" },
                        { port: 53, protocol: "TCP" },
                    ],
                },
            ],
        });
        // One NetworkPolicy per group of pods, holding one rule per flow into it (ingress) and out
        // of it (egress): fewer objects than a policy per flow, the same rules.
        const groups = new Map<
            string,
            {
                selector: Record<string, string>;
                ingress: k8sTypes.networking.v1.NetworkPolicyIngressRule[];
                egress: k8sTypes.networking.v1.NetworkPolicyEgressRule[];
            }
        >();
        const group = (peer: Extract<Peer, { kind: "pods" }>) => {
            let g = groups.get(peer.component);
            if (!g) groups.set(peer.component, (g = { selector: peer.selector, ingress: [], egress: [] }));
            return g;
        };
        // On Cilium the API server is no ipBlock: a CiliumNetworkPolicy per group names its entity.
        const apiServer = new Map<string, { selector: Record<string, string>; ports: number[] }>();
        for (const flow of args.flows) {
            if (flow.to.kind === "apiServer" && flow.from.kind === "pods" && settings.cni === "cilium") {
                apiServer.set(flow.from.component, { selector: flow.from.selector, ports: flow.ports.map((p) => p.port) });
                continue;
            }
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
        for (const [component, a] of apiServer) {
            const policyName = resourceName(["allow", component, "kube-apiserver"]);
            this.ciliumPolicies.push(
                new k8s.apiextensions.CustomResource(
                    resourceName([name, policyName]),
                    {
                        apiVersion: "cilium.io/v2",
                        kind: "CiliumNetworkPolicy",
                        metadata: { name: policyName, namespace: this.name, labels: kubernetesLabels(system, policyName, "network") },
                        spec: apiServerEgress(a.selector, a.ports),
                    },
                    { parent: this },
                ),
            );
        }
        this.registerOutputs({ name: this.name });
    }
}
