/**
 * The AWS edge tier: an internet-facing Application Load Balancer (HTTPS with TLS 1.2+, HTTP only
 * redirecting, invalid headers dropped, access logs to an encrypted bucket) with one target group
 * per routed service and path rules from the spec's routes; a WAFv2 web ACL (managed rule groups
 * and a rate-based rule) with logging; CloudFront in front when the spec asks for a CDN (HTTPS to
 * viewers and origin, security headers with HSTS, its own WAF, access logs, and a secret origin
 * header so only CloudFront reaches the load balancer); ACM certificates validated through
 * Route 53; alias records for the spec's domain.
 *
 * Routes for private networks only (`allowCidrs`, AuroMart's `/admin`) are answered 403 by the
 * internet-facing load balancer (every client reaches it from a public address) and served by an
 * internal load balancer in the private subnets at `internal.<domain>`: HTTPS only, its security
 * group admitting 443 from the routes' ranges (network.ts), each rule forwarding only from them.
 *
 * A routed service whose rollout is `blueGreen` or `canary` (see service.ts) gets a second,
 * alternate target group and a listener rule of its own that forwards to both with weights 100/0:
 * ECS's native blue/green and canary deployments register the new tasks in the idle group and
 * shift the rule's weights, through an infrastructure role the edge creates once. The rule's
 * actions are then ECS's to change (`ignoreChanges`), so a later `pulumi up` never swings live
 * traffic back. Such a service must own exactly one route.
 *
 * The constructor reads as a table of contents (after SST's `platform/src/components/aws/service.ts`,
 * a list of createX() calls): each part is a file of edge/ — certificate.ts, logs.ts,
 * load-balancer.ts, waf.ts, cdn.ts, dns.ts — whose functions register their resources under this
 * component, with the names they always had, so no URN changed.
 *
 * `awsEdgeArgs` renders these arguments from the network, the logs key and the data tier's bindings,
 * for the AWS system (parts.ts) and the EKS placement alike (re-exported by system.ts).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { PlatformSettings, SystemPlan } from "../../plan";
import { awsTags } from "../shared/naming";
import { awsPlace } from "./common";
import type { AwsDatastoreBinding } from "./contract";
import type { AwsNetwork } from "./network";
import { shiftsTraffic, type AwsServiceLoadBalancer } from "./service";
import { CLOUDFRONT_REGION, createCertificates } from "./edge/certificate";
import { createDistribution, createOriginSecret } from "./edge/cdn";
import { createDnsRecords, hostedZone } from "./edge/dns";
import { createInternalLoadBalancer, createLoadBalancer, createTrafficShiftRole, routeRules, serviceTargets } from "./edge/load-balancer";
import { createLogBucket } from "./edge/logs";
import type { EdgePart } from "./edge/part";
import { createWebAcl } from "./edge/waf";
import type { Problem } from "../../conventions/problems";

/**
 * What the AWS edge cannot build from the spec, one problem per spec path (empty when it can):
 * HTTP without TLS, no domain (and no certificate), a CDN without a domain, source-IP routes
 * behind CloudFront, more than five conditions on a rule, a route to something that is not a web
 * service with a port, and (where ECS shifts the traffic: `ecs`) a blue/green or canary service with more than one route.
 */
export function edgeProblems(plan: Pick<SystemPlan, "edge" | "routes" | "services">, certificateArn?: string, ecs = true): Problem[] {
    const { edge } = plan;
    const problems: Problem[] = [];
    const add = (where: string, message: string) => problems.push({ where, message });
    if (!edge.tls) add("edge.tls", "is false, but the AWS platform serves HTTPS only; set it to true");
    // The AWS edge always puts WAFv2 web ACLs in front (its rate limit, edge.rateLimitPerMinute, is a
    // WAF rule): refuse the switch rather than ignore it.
    if (!edge.waf)
        add(
            "edge.waf",
            "is false, but the AWS edge always has a web application firewall (edge.rateLimitPerMinute is one of its rules); set it to true",
        );
    if (!edge.domain && !certificateArn)
        add("edge.domain", "is empty: the AWS edge requests a certificate for it (or give tierform:certificateArn)");
    if (edge.cdn && !edge.domain) add("edge.cdn", "on AWS needs edge.domain (CloudFront reaches the load balancer at origin.<domain>)");
    const { rules, defaultService } = routeRules(plan);
    if (edge.cdn && rules.some((r) => r.allowCidrs)) {
        // Behind CloudFront the load balancer sees CloudFront's addresses, not the client's.
        add(
            "edge.routes",
            "routes with allowCidrs cannot be enforced at the load balancer behind the CDN; turn edge.cdn off or drop allowCidrs",
        );
    }
    for (const r of rules) {
        const values = r.pathPatterns.length + (r.allowCidrs?.length ?? 0) + (edge.cdn ? 1 : 0);
        if (values > 5)
            add(
                `edge.routes (${r.path})`,
                `needs ${values} condition values; an ALB rule allows 5 (give at most ${5 - r.pathPatterns.length - (edge.cdn ? 1 : 0)} allowCidrs)`,
            );
    }
    const routed = [...new Set([...rules.map((r) => r.service), ...(defaultService ? [defaultService] : [])])];
    for (const name of routed) {
        const svc = plan.services[name];
        if (!svc || svc.kind !== "web" || !svc.port) {
            add(`edge.routes (${name})`, `route to '${name}' needs a web service with a port`);
            continue;
        }
        const paths = plan.routes.filter((r) => r.service === name).map((r) => r.path);
        // ECS's own shift (not the EKS placement's Argo Rollouts, which moves pods behind the target group, not rules).
        if (ecs && shiftsTraffic(svc) && paths.length !== 1) {
            add(
                `services.${name}.rollout.strategy`,
                `is ${svc.rollout.strategy}, so ECS shifts its traffic on one listener rule, but edge.routes gives it ${paths.length} (${paths.join(", ")}); route it by one path or use strategy rolling`,
            );
        }
    }
    return problems;
}

/** Arguments of {@link AwsEdge}. */
export interface AwsEdgeArgs {
    /**
     * The system's plan: its edge (domain, headers, rate limit, CDN) and routes, the routed services, the static buckets,
     * and the traffic policies (plan/traffic.ts: the idle timeout, anomaly mitigation, WAF rate rules).
     */
    plan: SystemPlan;
    /** VPC of the target groups. */
    vpcId: pulumi.Input<string>;
    /**
     * Alternate target groups and the traffic-shift role for ECS's blue/green and canary deployments (load-balancer.ts).
     * False on the EKS placement, whose pods sit in one target group per service.
     * @default true
     */
    shiftTraffic?: boolean;
    /** Public subnets the load balancer lives in (two or more zones). */
    publicSubnetIds: pulumi.Input<string>[];
    /** The load balancer's security group (from {@link AwsNetwork}). */
    securityGroupId: pulumi.Input<string>;
    /**
     * Private subnets for the internal load balancer of the routes for private networks only
     * (`allowCidrs`), with its security group (from {@link AwsNetwork}).
     * @default none (such routes are answered 403 and reach no service)
     */
    internal?: { subnetIds: pulumi.Input<string>[]; securityGroupId: pulumi.Input<string> };
    /** KMS key ARN for the WAF log groups. */
    logsKmsKeyArn: pulumi.Input<string>;
    /**
     * An existing ACM certificate for the load balancer (and for CloudFront, so then it must be in
     * us-east-1). Must cover the domain and, with a CDN, `origin.<domain>`.
     * @default "" (a certificate is requested for `edge.domain` and validated through Route 53)
     */
    certificateArn?: string;
    /**
     * The public Route 53 hosted zone of `edge.domain` (`tierform:hostedZoneId`).
     * @default "" (the first existing zone of the domain and its parents: edge/dns.ts `findHostedZone`)
     */
    hostedZoneId?: string;
    /**
     * Buckets CloudFront serves directly (the data tier's `static` buckets that no route claims,
     * see `cdnServesBucket`, with an origin access control), by bucket name: `/<bucket>/*` is
     * cached from the bucket (objects keyed under `<bucket>/`). Ignored without a CDN.
     * @default {}
     */
    staticOrigins?: Record<string, { domainName: pulumi.Input<string>; originAccessControlId: pulumi.Input<string> }>;
    /**
     * The provider's region. CloudFront's certificate, WAF and WAF logs live in us-east-1; the
     * logs key is reused there only when the stack is in us-east-1 too.
     * @default "us-east-1"
     */
    region?: string;
}

/** What the AWS edge is built from: the plan and settings, the network, the logs key and the data tier's bindings. */
export interface AwsEdgeSources {
    /** The system's plan, which the edge renders. */
    plan: SystemPlan;
    /** The stack's settings: certificate, hosted zone, region. */
    settings: PlatformSettings;
    /** The network: the VPC, the subnets and the load balancers' security groups. */
    network: AwsNetwork;
    /** The key of the edge's log groups. */
    logsKmsKeyArn: pulumi.Input<string>;
    /** The data tier's bindings: the buckets CloudFront serves. */
    bindings: Record<string, AwsDatastoreBinding>;
}

/**
 * The AWS edge's arguments, for the aws platform and the EKS placement alike (components/eks/parts.ts adds only that no
 * ECS deployment shifts its traffic): the same load balancer, WAF, CDN and the plan's traffic policies at them.
 */
export function awsEdgeArgs(from: AwsEdgeSources): AwsEdgeArgs {
    const { plan, settings, network, bindings } = from;
    return {
        plan,
        vpcId: network.vpcId,
        publicSubnetIds: network.publicSubnetIds,
        securityGroupId: network.albSecurityGroupId,
        ...(network.internalAlbSecurityGroupId
            ? { internal: { subnetIds: network.privateSubnetIds, securityGroupId: network.internalAlbSecurityGroupId } }
            : {}),
        logsKmsKeyArn: from.logsKmsKeyArn,
        certificateArn: settings.certificateArn || undefined,
        hostedZoneId: settings.hostedZoneId || undefined,
        staticOrigins: Object.fromEntries(Object.entries(bindings).flatMap(([k, b]) => (b.cdnOrigin ? [[k, b.cdnOrigin]] : []))),
        region: settings.awsRegion,
    };
}

/** Load balancer, WAF, CloudFront, certificates and DNS. Type token `tierform:aws:Edge`. */
export class AwsEdge extends pulumi.ComponentResource {
    readonly loadBalancerArn: pulumi.Output<string>;
    /** `app/<name>/<id>`: CloudWatch's LoadBalancer dimension and part of ALBRequestCountPerTarget's resource label. */
    readonly loadBalancerArnSuffix: pulumi.Output<string>;
    readonly albDnsName: pulumi.Output<string>;
    /** DNS name of the internal load balancer (routes for private networks only), when there is one. */
    readonly internalAlbDnsName?: pulumi.Output<string>;
    /** `https://internal.<domain>` (or the internal load balancer's name without a domain), when there is one. */
    readonly internalUrl?: pulumi.Output<string>;
    /** Where each routed service attaches (target group, and for blue/green and canary the alternate one), by spec name. */
    readonly targets: Record<string, AwsServiceLoadBalancer>;
    /** ARN of the CloudFront distribution, when the spec asks for a CDN. */
    readonly distributionArn?: pulumi.Output<string>;
    readonly httpsListenerArn: pulumi.Output<string>;
    /** Everything the ECS services must wait for before they attach to a target group. */
    readonly ready: pulumi.Resource[];
    /** `https://<domain>` (or the CloudFront / ALB name without a domain). */
    readonly publicUrl: pulumi.Output<string>;
    /** CloudFront's domain name, when the spec asks for a CDN. */
    readonly cloudFrontDomain?: pulumi.Output<string>;
    readonly webAclArn: pulumi.Output<string>;

    constructor(name: string, args: AwsEdgeArgs, opts?: pulumi.ComponentResourceOptions) {
        super("tierform:aws:Edge", name, {}, opts);
        const { plan } = args;
        const { edge } = plan;
        const domain = edge.domain;
        const part: EdgePart = { name, plan, tags: awsTags(plan, "edge"), parent: this };
        const place = awsPlace({ parent: this });
        const inUsEast1 = (args.region ?? CLOUDFRONT_REGION) === CLOUDFRONT_REGION;
        // What this edge cannot enforce (edgeProblems) was refused before any resource, by the one
        // refusal path (deploy.ts via the AWS platform's problems()).
        const internalNeeded = args.internal !== undefined && routeRules(plan).rules.some((r) => r.allowCidrs);

        const zoneId = domain ? hostedZone(part, domain, args.hostedZoneId) : undefined;
        const certificates = createCertificates(part, zoneId, {
            certificateArn: args.certificateArn,
            internal: internalNeeded,
            cdn: edge.cdn,
        });
        const logs = createLogBucket(part, place);
        const originSecret = edge.cdn ? createOriginSecret(part) : undefined;
        const lb = createLoadBalancer(part, {
            vpcId: args.vpcId,
            subnetIds: args.publicSubnetIds,
            securityGroupId: args.securityGroupId,
            logs,
            certificateArn: certificates.alb,
            ...(originSecret ? { originSecret } : {}),
            ...(args.shiftTraffic === false ? { shiftTraffic: false } : {}),
        });
        const internal = internalNeeded
            ? createInternalLoadBalancer(part, {
                  vpcId: args.vpcId,
                  subnetIds: args.internal!.subnetIds,
                  securityGroupId: args.internal!.securityGroupId,
                  logs,
                  certificateArn: certificates.internal!,
              })
            : undefined;
        const trafficShift = Object.keys(lb.alternates).length > 0 ? createTrafficShiftRole(part, place) : undefined;
        // Behind CloudFront the load balancer sees CloudFront's addresses: CloudFront's ACL limits by the client's address, and the
        // load balancer's by the first X-Forwarded-For address (a second line only: a client can prepend to that header).
        const albAcl = createWebAcl(part, {
            key: "alb",
            scope: "REGIONAL",
            rateKey: edge.cdn ? "FORWARDED_IP" : "IP",
            logsKmsKeyArn: args.logsKmsKeyArn,
            inUsEast1,
        });
        new aws.wafv2.WebAclAssociation(`${name}-alb`, { resourceArn: lb.alb.arn, webAclArn: albAcl.arn }, { parent: this });
        const distribution = edge.cdn
            ? createDistribution(part, {
                  certificateArn: certificates.cdn!,
                  webAclArn: createWebAcl(part, {
                      key: "cdn",
                      scope: "CLOUDFRONT",
                      rateKey: "IP",
                      logsKmsKeyArn: args.logsKmsKeyArn,
                      inUsEast1,
                      region: CLOUDFRONT_REGION,
                  }).arn,
                  originSecret: originSecret!,
                  logs,
                  staticOrigins: args.staticOrigins ?? {},
              })
            : undefined;
        if (domain && zoneId) createDnsRecords(part, zoneId, domain, { alb: lb.alb, internal: internal?.alb, distribution });

        this.loadBalancerArn = lb.alb.arn;
        this.loadBalancerArnSuffix = lb.alb.arnSuffix;
        this.albDnsName = lb.alb.dnsName;
        this.ready = [
            lb.https,
            ...lb.listenerRules,
            ...Object.values(lb.tests).map((t) => t.rule),
            ...(trafficShift ? [trafficShift.ready] : []),
            ...(internal?.ready ?? []),
        ];
        this.targets = serviceTargets(lb, internal, trafficShift, this.ready);
        this.internalAlbDnsName = internal?.alb.dnsName;
        this.internalUrl = internal
            ? domain
                ? pulumi.output(`https://internal.${domain}`)
                : pulumi.interpolate`https://${internal.alb.dnsName}`
            : undefined;
        this.httpsListenerArn = lb.https.arn;
        this.webAclArn = albAcl.arn;
        this.cloudFrontDomain = distribution?.domainName;
        this.distributionArn = distribution?.arn;
        this.publicUrl = domain ? pulumi.output(`https://${domain}`) : pulumi.interpolate`https://${lb.alb.dnsName}`;
        this.registerOutputs({
            publicUrl: this.publicUrl,
            albDnsName: this.albDnsName,
            loadBalancerArn: this.loadBalancerArn,
            cloudFrontDomain: this.cloudFrontDomain,
            webAclArn: this.webAclArn,
        });
    }
}
