/**
 * One security group per load balancer, service and datastore, admitting exactly the flows the
 * system spec implies. The load balancer takes 80/443 from the internet or, when CloudFront is in
 * front (`edge.cdn`), 443 from CloudFront's origin-facing prefix list only; the internal load
 * balancer 443 from the private routes' ranges; a service its port from the load balancers, HTTPS
 * out where it needs it (endpoints.ts) and its spec's egress; a datastore its port from its users.
 */
import * as aws from "@pulumi/aws";
import type { DatastorePlan } from "../../../plan";
import { securityGroupPort } from "../provisioners";
import { internetHttpsReason } from "./endpoints";
import type { NetworkPart, SecurityGroupKit } from "./part";

/** The AWS-managed prefix list of CloudFront's addresses that connect to origins. */
export const CLOUDFRONT_ORIGIN_PREFIX_LIST = "com.amazonaws.global.cloudfront.origin-facing";

/** The load balancers' groups: the internet-facing one's, and the internal one's when routes are for private networks only. */
export interface LoadBalancerGroups {
    alb: aws.ec2.SecurityGroup;
    /** @default none (no route with allowCidrs) */
    internalAlb?: aws.ec2.SecurityGroup;
}

/** The load balancers' groups and their ingress (their egress follows the services: {@link createServiceGroups}). */
export function createLoadBalancerGroups(part: NetworkPart, kit: SecurityGroupKit): LoadBalancerGroups {
    const { plan } = part;
    const opt = { parent: part.parent };
    const alb = kit.group(
        "alb",
        plan.edge.cdn
            ? `${plan.name} load balancer: HTTPS from CloudFront only, out only to the web services`
            : `${plan.name} load balancer: HTTP/HTTPS from the internet, out only to the web services`,
    );
    if (plan.edge.cdn) {
        // Behind CloudFront the internet's edge is CloudFront: the load balancer admits only its origin-facing addresses, on HTTPS
        // (CloudFront reaches the origin https-only). A prefix-list rule weighs ~55 of a group's 60 rules, so there is no port 80 rule.
        const cloudFront = aws.ec2.getManagedPrefixListOutput({ name: CLOUDFRONT_ORIGIN_PREFIX_LIST }, opt);
        kit.ingress("alb-in-https-cloudfront", {
            securityGroupId: alb.id,
            fromPort: 443,
            toPort: 443,
            prefixListId: cloudFront.id,
            description: "HTTPS from the CloudFront origin-facing prefix list",
        });
    } else {
        for (const [port, proto] of [
            [80, "http"],
            [443, "https"],
        ] as const) {
            kit.ingress(`alb-in-${proto}-v4`, {
                securityGroupId: alb.id,
                fromPort: port,
                toPort: port,
                cidrIpv4: "0.0.0.0/0",
                description: `${proto.toUpperCase()} from the internet (IPv4)`,
            });
            kit.ingress(`alb-in-${proto}-v6`, {
                securityGroupId: alb.id,
                fromPort: port,
                toPort: port,
                cidrIpv6: "::/0",
                description: `${proto.toUpperCase()} from the internet (IPv6)`,
            });
        }
    }

    // The internal load balancer of the routes for private networks only (allowCidrs, e.g. AuroMart's /admin): HTTPS from
    // exactly those ranges (reached over a VPN, Direct Connect or peering), out only to the services it routes to.
    const privateRoutes = plan.routes.filter((r) => r.allowCidrs?.length);
    const privateServices = new Set(privateRoutes.map((r) => r.service));
    const internalAlb = privateRoutes.length
        ? kit.group(
              "alb-internal",
              `${plan.name} internal load balancer: HTTPS from the private ranges of its routes only, out only to ${[...privateServices].join(", ")}`,
          )
        : undefined;
    if (internalAlb) {
        for (const cidr of [...new Set(privateRoutes.flatMap((r) => r.allowCidrs!))]) {
            const family = cidr.includes(":") ? { cidrIpv6: cidr } : { cidrIpv4: cidr };
            kit.ingress(`alb-internal-in-${cidr.replace(/[^0-9a-fA-F]+/g, "-")}`, {
                securityGroupId: internalAlb.id,
                fromPort: 443,
                toPort: 443,
                ...family,
                description: `HTTPS from ${cidr} (edge.routes allowCidrs)`,
            });
        }
    }
    return { alb, ...(internalAlb ? { internalAlb } : {}) };
}

/**
 * Each service's group: its port from the load balancers that route to it (and their egress to
 * it), HTTPS out when it may reach the internet ({@link internetHttpsReason}), its spec's further
 * internet ports.
 */
export function createServiceGroups(
    part: NetworkPart,
    kit: SecurityGroupKit,
    lbs: LoadBalancerGroups,
    existingVpc: boolean,
    traced = false,
): Record<string, aws.ec2.SecurityGroup> {
    const { plan } = part;
    const { alb, internalAlb } = lbs;
    const privateServices = new Set(plan.routes.filter((r) => r.allowCidrs?.length).map((r) => r.service));
    const services: Record<string, aws.ec2.SecurityGroup> = {};
    for (const svc of Object.values(plan.services)) {
        services[svc.name] = kit.group(
            `svc-${svc.name}`,
            `${plan.name} service ${svc.name}: ${svc.kind === "web" ? `port ${svc.port} from the load balancer only` : "no inbound traffic"}`,
        );
        if (svc.kind === "web" && svc.port) {
            kit.ingress(`svc-${svc.name}-in-alb`, {
                securityGroupId: services[svc.name].id,
                referencedSecurityGroupId: alb.id,
                fromPort: svc.port,
                toPort: svc.port,
                description: `port ${svc.port} from the load balancer`,
            });
            kit.egress(`alb-out-${svc.name}`, {
                securityGroupId: alb.id,
                referencedSecurityGroupId: services[svc.name].id,
                fromPort: svc.port,
                toPort: svc.port,
                description: `to service ${svc.name} on ${svc.port}`,
            });
        }
        if (internalAlb && privateServices.has(svc.name) && svc.port) {
            kit.ingress(`svc-${svc.name}-in-alb-internal`, {
                securityGroupId: services[svc.name].id,
                referencedSecurityGroupId: internalAlb.id,
                fromPort: svc.port,
                toPort: svc.port,
                description: `port ${svc.port} from the internal load balancer`,
            });
            kit.egress(`alb-internal-out-${svc.name}`, {
                securityGroupId: internalAlb.id,
                referencedSecurityGroupId: services[svc.name].id,
                fromPort: svc.port,
                toPort: svc.port,
                description: `to service ${svc.name} on ${svc.port}`,
            });
        }
        // HTTPS out: image pulls, Secrets Manager, CloudWatch Logs, S3, SQS. A service whose spec keeps it off the internet and
        // whose images are all in this account's ECR reaches them through the VPC endpoints only (below); any other keeps 443 to
        // the internet (internetHttpsReason says why, and the plan warns for a service whose spec says egress.internet false).
        if (internetHttpsReason(svc, existingVpc, traced)) {
            kit.egress(`svc-${svc.name}-out-https`, {
                securityGroupId: services[svc.name].id,
                cidrIpv4: "0.0.0.0/0",
                fromPort: 443,
                toPort: 443,
                description: "HTTPS to AWS APIs and the image registry",
            });
        }
        // The spec's egress: further internet ports (SMTP 587, ...) only for a service that opts in.
        if (svc.egress.internet) {
            for (const port of svc.egress.ports.filter((p) => p !== 443)) {
                kit.egress(`svc-${svc.name}-out-internet-${port}`, {
                    securityGroupId: services[svc.name].id,
                    cidrIpv4: "0.0.0.0/0",
                    fromPort: port,
                    toPort: port,
                    description: `internet port ${port} (spec egress)`,
                });
            }
        }
    }
    return services;
}

/**
 * Each datastore's group, for those whose AWS provisioner gives a port (components/aws/provisioners.ts
 * `securityGroupPort`; queues and buckets are reached over AWS's HTTPS APIs): that port from the
 * services that use it (the plan's `usedBy`).
 */
export function createDatastoreGroups(
    part: NetworkPart,
    kit: SecurityGroupKit,
    services: Record<string, aws.ec2.SecurityGroup>,
    plans: DatastorePlan[],
): Record<string, aws.ec2.SecurityGroup> {
    const { plan } = part;
    const datastores: Record<string, aws.ec2.SecurityGroup> = {};
    for (const d of plans) {
        const port = securityGroupPort(d);
        if (port === undefined) continue;
        const ds = d.name;
        datastores[ds] = kit.group(
            `ds-${ds}`,
            `${plan.name} datastore ${ds}: port ${port} from ${d.usedBy.join(", ") || "no service"} only`,
        );
        // Each user's task group (none on the EKS placement: the cluster's rules admit its pods, components/eks/network.ts).
        for (const user of d.usedBy.filter((u) => services[u] !== undefined)) {
            kit.ingress(`ds-${ds}-in-${user}`, {
                securityGroupId: datastores[ds].id,
                referencedSecurityGroupId: services[user].id,
                fromPort: port,
                toPort: port,
                description: `port ${port} from service ${user}`,
            });
            kit.egress(`svc-${user}-out-${ds}`, {
                securityGroupId: services[user].id,
                referencedSecurityGroupId: datastores[ds].id,
                fromPort: port,
                toPort: port,
                description: `to datastore ${ds} on ${port}`,
            });
        }
    }
    return datastores;
}
