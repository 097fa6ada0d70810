/**
 * The network of the EKS placement between the cluster's pods and the AWS parts: the security
 * group rules, and the flows the namespace's NetworkPolicies admit.
 *
 * Auto Mode's nodes and pods carry the cluster security group EKS creates
 * (https://docs.aws.amazon.com/eks/latest/userguide/sec-group-reqs.html). So each datastore's
 * security group admits that group on the datastore's port (the AWS network admits the ECS
 * services' groups, which no pod carries), and the load balancers reach the routed services' pods
 * through it on their ports: the internet-facing one on the ports of the public routes' services, the
 * internal one on those of the private routes' (`allowCidrs`).
 *
 * Who may reach a routed service's port in plain text (the load balancer is outside the mesh), layer by layer:
 * - **VPC (security groups)**: the load balancers' groups, by reference; and, since EKS's cluster security group admits all
 *   traffic from itself (sec-group-reqs.html, "Inbound: All, self"), every node and pod of the cluster. Security groups per
 *   pod would shut out the cluster's own pods (a SecurityGroupPolicy: Auto Mode on Kubernetes 1.36,
 *   https://docs.aws.amazon.com/eks/latest/userguide/auto-sgp.html, through DRA and branch interfaces), and are not built:
 *   each such pod's group would then have to admit its probes, DNS, datastores and AWS APIs itself.
 * - **In the cluster (the NetworkPolicy, and the mesh's AuthorizationPolicy `ipBlocks` with tierform:mesh)**: the CIDR blocks
 *   of the subnets the load balancers' nodes take their addresses from ({@link loadBalancerSources}), not the VPC's: the public
 *   subnets for a service of a public route, where no node or pod lives (only the load balancer and the NAT gateways, which
 *   open no connection into the VPC); the private subnets too for a service of a private route, whose internal load balancer
 *   lives there beside the nodes and pods — so those services' ports stay reachable in plain text from the cluster's nodes
 *   and from pods of other namespaces (this namespace's pods have egress only to their flows' ports). Either way a pod's
 *   own node reaches it: no NetworkPolicy blocks a pod's resident node (Kubernetes docs, network-policies, "What you can't
 *   do"), the VPC CNI's policy agent admits the node's address (aws/aws-network-policy-agent PR #65), and in the ambient
 *   mesh the kubelet's probes arrive SNATed to 169.254.7.127, which the NetworkPolicy admits on the port (istio.io docs
 *   ambient/usage/networkpolicy).
 *
 * Which pod reaches which datastore is then held by NetworkPolicies,
 * enforced by Auto Mode's network policy engine once its ConfigMap enables it
 * (https://docs.aws.amazon.com/eks/latest/userguide/auto-net-pol.html): a service's pods reach
 * only the ports of the datastores it uses, in the VPC. A policy cannot name one RDS instance (its
 * address moves on failover), so two datastores on one port are told apart by credentials only;
 * security groups per pod (above) would tell them apart, and are not built yet.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { awsTags } from "../shared/naming";
import { securityGroupPort } from "../aws/provisioners";
import type { SystemPlan } from "../../plan";
import { OPERATOR_NAMESPACES, selectorOf } from "../kubernetes/context";
import { INTERNET, OTEL_GATEWAY, type Flow, type Peer } from "../kubernetes/network";
import { HBONE_PORT, KUBELET_PROBE_SOURCE } from "../kubernetes/mesh";
import { OTLP_HTTP_PORT } from "../kubernetes/observability";
import { rolloutCheckComponent, runsOnArgo } from "../kubernetes/rollout";
import { exportsTraces } from "../../plan";

/** Where EKS Pod Identity's agent answers pods for credentials: 169.254.170.23 port 80 (https://docs.aws.amazon.com/eks/latest/userguide/pod-id-how-it-works.html). */
export const POD_IDENTITY_AGENT: Peer = { kind: "cidr", component: "eks-pod-identity-agent", cidr: "169.254.170.23/32" };

/** Prometheus of the kube-prometheus-stack the placement installs (operators.ts's namespace), scraping the web services. */
const PROMETHEUS: Peer = {
    kind: "namespace",
    component: "prometheus",
    namespace: OPERATOR_NAMESPACES.monitoring,
    podSelector: { "app.kubernetes.io/name": "prometheus" },
};

/** The kubelet's probes to an ambient pod, SNATed by istio-cni (components/kubernetes/mesh.ts). */
const KUBELET_PROBES: Peer = { kind: "cidr", component: "kubelet-probes", cidr: KUBELET_PROBE_SOURCE };

/**
 * HTTPS to AWS's regional APIs (SQS, S3): SQS's name resolves to its interface endpoint's private addresses in a new VPC
 * (endpoints.ts), S3's to public addresses routed to the gateway endpoint; 0.0.0.0/0 admits both.
 */
const AWS_APIS: Peer = { kind: "cidr", component: "aws-apis", cidr: "0.0.0.0/0" };

/** The subnets the load balancers' nodes take their addresses from, as CIDR blocks (components/aws/network.ts `subnetCidrs`). */
export interface LoadBalancerSubnets {
    /** The internet-facing load balancer's: the public subnets. */
    public: pulumi.Input<string>[];
    /** The internal load balancer's (the routes with `allowCidrs`): the private subnets, the nodes' and pods' too. */
    private: pulumi.Input<string>[];
}

/**
 * Where the load balancers' connections to each routed service come from (pure), by service: the public subnets' blocks
 * when a route without `allowCidrs` reaches it (the internet-facing load balancer, components/aws/edge/load-balancer.ts),
 * the private subnets' when a route with them does (the internal one). An ALB's nodes are network interfaces in the subnets it
 * is attached to, and an `ip` target sees "the load balancer's private IP address as the source IP address for health checks
 * and user traffic" (AWS knowledge center, security-group-load-balancer); the security groups admit the load balancer's group
 * (ELB docs, load-balancer-update-security-groups.html, "Considerations"): {@link createClusterRules}.
 */
export function loadBalancerSources(plan: SystemPlan, subnets: LoadBalancerSubnets): Record<string, Peer[]> {
    const out: Record<string, Peer[]> = {};
    const tiers = (service: string) => {
        const routes = plan.routes.filter((r) => r.service === service);
        return {
            public: routes.some((r) => !r.allowCidrs?.length),
            private: routes.some((r) => Boolean(r.allowCidrs?.length)),
        };
    };
    for (const service of new Set(plan.routes.map((r) => r.service))) {
        const { public: internetFacing, private: internal } = tiers(service);
        out[service] = [
            ...(internetFacing ? subnets.public.map((cidr): Peer => ({ kind: "cidr", component: "load-balancer", cidr })) : []),
            ...(internal ? subnets.private.map((cidr): Peer => ({ kind: "cidr", component: "internal-load-balancer", cidr })) : []),
        ];
    }
    return out;
}

/** The CIDR blocks of {@link loadBalancerSources}, by routed service: the mesh's `ipBlocks` (components/kubernetes/mesh.ts). */
export function loadBalancerCidrs(plan: SystemPlan, subnets: LoadBalancerSubnets): Record<string, pulumi.Input<string>[]> {
    return Object.fromEntries(
        Object.entries(loadBalancerSources(plan, subnets)).map(([s, peers]) => [
            s,
            peers.flatMap((p) => (p.kind === "cidr" ? [p.cidr] : [])),
        ]),
    );
}

/**
 * The flows of the EKS placement (pure): the load balancers (from their subnets, `loadBalancers`: {@link loadBalancerSources}) → each routed service;
 * each service (and its migration Job) → the ports of its datastores in the VPC, HTTPS to AWS's
 * APIs where it uses a queue or bucket, and the Pod Identity agent where it has a role
 * (`identities`); Prometheus → each web service; each service → the trace collector while traces are on; the spec's
 * internet egress. In the ambient mesh (`mesh`),
 * Prometheus's scrapes arrive tunnelled on HBONE's port and the kubelet's probes from 169.254.7.127, as on staging
 * (istio.io docs ambient/usage/networkpolicy); the load balancer, outside the mesh, keeps the service's port.
 */
export function eksFlows(
    plan: SystemPlan,
    vpcCidr: pulumi.Input<string>,
    loadBalancers: LoadBalancerSubnets,
    identities: Set<string>,
    mesh = false,
): Flow[] {
    const flows: Flow[] = [];
    const vpc = (component: string): Peer => ({ kind: "cidr", component, cidr: vpcCidr });
    const pods = (component: string): Peer => ({ kind: "pods", component, selector: selectorOf(plan, component) });
    const edge = loadBalancerSources(plan, loadBalancers);
    for (const service of Object.values(plan.services)) {
        if (service.kind === "web" && service.port)
            for (const from of edge[service.name] ?? []) flows.push({ from, to: pods(service.name), ports: [{ port: service.port }] });
        if (service.kind === "web" && service.port)
            flows.push({
                from: PROMETHEUS,
                to: pods(service.name),
                ports: [{ port: service.port }, ...(mesh ? [{ port: HBONE_PORT }] : [])],
            });
        if (service.kind === "web" && service.port && mesh)
            flows.push({ from: KUBELET_PROBES, to: pods(service.name), ports: [{ port: service.port }] });
        if (service.egress.internet)
            flows.push({ from: pods(service.name), to: INTERNET, ports: service.egress.ports.map((port) => ({ port })) });
        const clients = [service.name, ...(service.migrate ? [`${service.name}-migrate`] : [])];
        // A blue-green's promotion checks (Jobs Argo Rollouts starts, components/kubernetes/rollout.ts) call the new pods
        // through the preview Service, and run with the service's variables.
        const r = service.rollout;
        const checks = runsOnArgo(r) && r.prePromotion.length + r.postPromotion.length > 0 ? [rolloutCheckComponent(service.name)] : [];
        for (const check of checks)
            flows.push({
                from: pods(check),
                to: pods(service.name),
                ports: [{ port: service.port! }, ...(mesh ? [{ port: HBONE_PORT }] : [])],
            });
        // Spans over OTLP/HTTP to the cluster's collector gateway (traces.ts), while traces are on: the flows staging admits,
        // from the service, its migration Job and its promotion checks.
        if (exportsTraces(plan, "kubernetes"))
            for (const client of [...clients, ...checks])
                flows.push({ from: pods(client), to: OTEL_GATEWAY, ports: [{ port: OTLP_HTTP_PORT }] });
        const used = service.uses.map((u) => plan.datastores[u]).filter((d) => d !== undefined);
        // The port each datastore's security group admits (its provisioner's), or none where it is an AWS API (SQS, S3).
        const ports = [...new Set(used.flatMap((d) => securityGroupPort(d) ?? []))];
        const apis = used.some((d) => securityGroupPort(d) === undefined);
        for (const client of clients) {
            if (ports.length) flows.push({ from: pods(client), to: vpc("datastores"), ports: ports.map((port) => ({ port })) });
            if (apis) flows.push({ from: pods(client), to: AWS_APIS, ports: [{ port: 443 }] });
            if (identities.has(service.name)) flows.push({ from: pods(client), to: POD_IDENTITY_AGENT, ports: [{ port: 80 }] });
        }
    }
    return flows;
}

/** Arguments of {@link createClusterRules}. */
export interface ClusterRulesArgs {
    /** The system's plan: the datastores' ports, the services that use them, the routes and the routed services' ports. */
    plan: SystemPlan;
    /** The cluster security group (nodes and pods). */
    clusterSecurityGroupId: pulumi.Input<string>;
    /** Each datastore's security group. */
    datastoreSecurityGroupIds: Record<string, pulumi.Input<string>>;
    /** The load balancers' groups: the internet-facing one's, and the internal one's where private routes exist. */
    loadBalancerSecurityGroupIds: { public: pulumi.Input<string>; internal?: pulumi.Input<string> };
}

/** The security group rules between the cluster's pods and the AWS parts (see the module doc). */
export function createClusterRules(name: string, args: ClusterRulesArgs, opts: pulumi.CustomResourceOptions): void {
    const { plan } = args;
    const tags = awsTags(plan, "network");
    const used = new Set(Object.values(plan.services).flatMap((s) => s.uses));
    for (const d of Object.values(plan.datastores)) {
        const sg = args.datastoreSecurityGroupIds[d.name];
        const port = securityGroupPort(d);
        if (port === undefined || sg === undefined || !used.has(d.name)) continue;
        new aws.vpc.SecurityGroupIngressRule(
            `${name}-${d.name}-in-pods`,
            {
                securityGroupId: sg,
                referencedSecurityGroupId: args.clusterSecurityGroupId,
                ipProtocol: "tcp",
                fromPort: port,
                toPort: port,
                description: `${d.name} from the pods of the EKS cluster (NetworkPolicies choose which)`,
                tags,
            },
            opts,
        );
    }
    // Each load balancer on the ports of the services its routes reach (the internet-facing one's without allowCidrs, the internal one's with).
    const portsOf = (internal: boolean) => [
        ...new Set(
            plan.routes
                .filter((r) => Boolean(r.allowCidrs?.length) === internal)
                .flatMap((r) => {
                    const port = plan.services[r.service]?.port;
                    return port ? [port] : [];
                }),
        ),
    ];
    const { public: internetFacing, internal } = args.loadBalancerSecurityGroupIds;
    // `lb0`, `lb1`: the names these rules had when the groups were a list (test/identity/urns.test.ts).
    [internetFacing, ...(internal ? [internal] : [])].forEach((lb, i) => {
        for (const port of portsOf(i === 1)) {
            const id = `${name}-lb${i}-${port}`;
            new aws.vpc.SecurityGroupEgressRule(
                `${id}-out`,
                {
                    securityGroupId: lb,
                    referencedSecurityGroupId: args.clusterSecurityGroupId,
                    ipProtocol: "tcp",
                    fromPort: port,
                    toPort: port,
                    description: `to the pods of the routed services on ${port}`,
                    tags,
                },
                opts,
            );
            new aws.vpc.SecurityGroupIngressRule(
                `${id}-in`,
                {
                    securityGroupId: args.clusterSecurityGroupId,
                    referencedSecurityGroupId: lb,
                    ipProtocol: "tcp",
                    fromPort: port,
                    toPort: port,
                    description: `from the load balancer to the pods of the routed services on ${port}`,
                    tags,
                },
                opts,
            );
        }
    });
}
