/**
 * The network of the EKS placement between the cluster's pods and the AWS parts: the security
 * group rules, and the flows the namespace's NetworkPolicies admit.
 *
 * Auto Mode's nodes and pods carry the cluster security group EKS creates
 * (https://docs.aws.amazon.com/eks/latest/userguide/sec-group-reqs.html). So each datastore's
 * security group admits that group on the datastore's port (the AWS network admits the ECS
 * services' groups, which no pod carries), and the load balancers reach the routed services' pods
 * through it on their ports. Which pod reaches which datastore is then held by NetworkPolicies,
 * enforced by Auto Mode's network policy engine once its ConfigMap enables it
 * (https://docs.aws.amazon.com/eks/latest/userguide/auto-net-pol.html): a service's pods reach
 * only the ports of the datastores it uses, in the VPC. A policy cannot name one RDS instance (its
 * address moves on failover), so two datastores on one port are told apart by credentials only;
 * security groups per pod (Auto Mode on 1.36, https://docs.aws.amazon.com/eks/latest/userguide/auto-sgp.html)
 * would tell them apart, and are not built yet.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { PlatformSystemArgs } from "../contract";
import { awsTags } from "../shared/naming";
import type { SystemPlan } from "../../plan";
import { OPERATOR_NAMESPACES, selectorOf } from "../kubernetes/context";
import { INTERNET, OTEL_GATEWAY, type Flow, type Peer } from "../kubernetes/network";
import { HBONE_PORT, KUBELET_PROBE_SOURCE } from "../kubernetes/mesh";
import { OTLP_HTTP_PORT } from "../kubernetes/observability";
import { exportsTraces } from "../../plan";

/** The resolved system, as the platform contract hands it to the placement (the AWS parts it composes still read it). */
type System = PlatformSystemArgs["system"];

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

/** HTTPS to AWS's regional APIs (SQS, S3, STS), which resolve to public addresses. */
const AWS_APIS: Peer = { kind: "cidr", component: "aws-apis", cidr: "0.0.0.0/0" };

/**
 * The flows of the EKS placement (pure): the load balancers (in the VPC) → each routed service;
 * each service (and its migration Job) → the ports of its datastores in the VPC, HTTPS to AWS's
 * APIs where it uses a queue or bucket, and the Pod Identity agent where it has a role
 * (`identities`); Prometheus → each web service; each service → the trace collector while traces are on; the spec's
 * internet egress. In the ambient mesh (`mesh`),
 * Prometheus's scrapes arrive tunnelled on HBONE's port and the kubelet's probes from 169.254.7.127, as on staging
 * (istio.io docs ambient/usage/networkpolicy); the load balancer, outside the mesh, keeps the service's port.
 */
export function eksFlows(system: System, plan: SystemPlan, vpcCidr: pulumi.Input<string>, identities: Set<string>, mesh = false): Flow[] {
    const flows: Flow[] = [];
    const vpc = (component: string): Peer => ({ kind: "cidr", component, cidr: vpcCidr });
    const pods = (component: string): Peer => ({ kind: "pods", component, selector: selectorOf(system, component) });
    const routed = new Set(plan.routes.map((r) => r.service));
    for (const service of Object.values(system.services)) {
        if (service.kind === "web" && service.port && routed.has(service.name))
            flows.push({ from: vpc("load-balancer"), to: pods(service.name), ports: [{ port: service.port }] });
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
        // Spans over OTLP/HTTP to the cluster's collector gateway (traces.ts), while traces are on: the flows staging admits,
        // from the service and from its migration Job, which runs with the same variables.
        if (exportsTraces(system, "kubernetes"))
            for (const client of clients) flows.push({ from: pods(client), to: OTEL_GATEWAY, ports: [{ port: OTLP_HTTP_PORT }] });
        const used = service.uses.map((u) => plan.datastores[u]).filter((d) => d !== undefined);
        const ports = [...new Set(used.flatMap((d) => (d.port !== undefined ? [d.port] : [])))];
        const apis = used.some((d) => d.port === undefined);
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
    /** The resolved system. */
    system: System;
    /** Its plan: the datastores' ports, the routes. */
    plan: SystemPlan;
    /** The cluster security group (nodes and pods). */
    clusterSecurityGroupId: pulumi.Input<string>;
    /** Each datastore's security group. */
    datastoreSecurityGroupIds: Record<string, pulumi.Input<string>>;
    /** The load balancers' groups (the internal one where private routes exist). */
    loadBalancerSecurityGroupIds: pulumi.Input<string>[];
}

/** The security group rules between the cluster's pods and the AWS parts (see the module doc). */
export function createClusterRules(name: string, args: ClusterRulesArgs, opts: pulumi.CustomResourceOptions): void {
    const { system, plan } = args;
    const tags = awsTags(system, "network");
    const used = new Set(Object.values(system.services).flatMap((s) => s.uses));
    for (const d of Object.values(plan.datastores)) {
        const sg = args.datastoreSecurityGroupIds[d.name];
        if (d.port === undefined || sg === undefined || !used.has(d.name)) continue;
        new aws.vpc.SecurityGroupIngressRule(
            `${name}-${d.name}-in-pods`,
            {
                securityGroupId: sg,
                referencedSecurityGroupId: args.clusterSecurityGroupId,
                ipProtocol: "tcp",
                fromPort: d.port,
                toPort: d.port,
                description: `${d.name} from the pods of the EKS cluster (NetworkPolicies choose which)`,
                tags,
            },
            opts,
        );
    }
    const ports = [
        ...new Set(
            plan.routes.flatMap((r) => {
                const port = system.services[r.service]?.port;
                return port ? [port] : [];
            }),
        ),
    ];
    args.loadBalancerSecurityGroupIds.forEach((lb, i) => {
        for (const port of ports) {
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
