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
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { Problem, Service, System } from "../../model";
import { awsTags, resourceName } from "../shared/naming";
import { assumeRolePolicy, awsName, awsNamePrefix, awsPlace, managedPolicyArn, targetGroupName } from "./common";
import { AwsBucket } from "./object-store";
import { shiftsTraffic, type AwsServiceLoadBalancer } from "./service";

/** TLS policy of the HTTPS listener: TLS 1.3 and 1.2 with forward-secret ciphers only. */
export const ALB_TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";
/** Oldest TLS version CloudFront accepts from viewers. */
export const CLOUDFRONT_MIN_TLS = "TLSv1.2_2021";
/** Header CloudFront adds to every origin request; the ALB forwards only requests carrying its secret value. */
export const ORIGIN_SECRET_HEADER = "X-Origin-Verify";
/** AWS managed cache policy of CloudFront (fixed ID) CachingDisabled: no caching for the dynamic apps. */
export const CACHING_DISABLED_POLICY_ID = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad";
/**
 * AWS managed origin request policy of CloudFront (fixed ID) AllViewer: every viewer header,
 * cookie and query string, the viewer's Host included, so the application sees the domain it is
 * served at (Django's ALLOWED_HOSTS, absolute URLs), not `origin.<domain>`
 * (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-origin-request-policies.html).
 * The load balancer's certificate covers the domain, so CloudFront's origin TLS check passes with it.
 */
export const ALL_VIEWER_POLICY_ID = "216adef6-5c7f-47e4-b989-5492eafa07d3";
/** AWS managed cache policy of CloudFront (fixed ID) CachingOptimized: for the static buckets. */
export const CACHING_OPTIMIZED_POLICY_ID = "658327ea-f89d-4fab-a63d-7e88639e58f6";
/** AWS managed WAF rule groups on every web ACL, in priority order after the rate rule. */
export const MANAGED_RULE_GROUPS = [
    "AWSManagedRulesAmazonIpReputationList",
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
] as const;

/** One listener rule: the service behind a route, its path patterns and its priority (lower wins). */
export interface RouteRule {
    service: string;
    path: string;
    pathPatterns: string[];
    priority: number;
    allowCidrs?: string[];
}

/**
 * Listener rules from the spec's routes, longest path first (so `/api/admin` wins over `/api`),
 * priorities 10, 20, ... A route `/` becomes the listener's default action (`defaultService`);
 * without one, unmatched paths get 404.
 */
export function routeRules(system: System): { rules: RouteRule[]; defaultService?: string } {
    const routes = [...system.edge.routes].sort((a, b) => b.path.length - a.path.length || a.path.localeCompare(b.path));
    const rules: RouteRule[] = [];
    let defaultService: string | undefined;
    for (const route of routes) {
        const path = route.path.replace(/\/+$/, "");
        if (path === "" && !route.allowCidrs) {
            defaultService = route.service;
            continue;
        }
        rules.push({
            service: route.service,
            path: route.path,
            pathPatterns: path === "" ? ["/*"] : [path, `${path}/*`],
            priority: (rules.length + 1) * 10,
            ...(route.allowCidrs ? { allowCidrs: route.allowCidrs } : {}),
        });
    }
    return { rules, ...(defaultService ? { defaultService } : {}) };
}

/**
 * WAF rate-based rule settings for `perMinute` requests per client IP: a 60-second evaluation
 * window (WAF's default window is 5 minutes; 60, 120, 300 and 600 s are allowed), so the limit is
 * the spec's number itself. WAF's smallest limit is 10.
 */
export function wafRateLimit(perMinute: number): { limit: number; evaluationWindowSec: number } {
    return { limit: Math.max(10, perMinute), evaluationWindowSec: 60 };
}

/**
 * The names a public Route 53 hosted zone for `domain` may have, most specific first: the domain
 * itself, then each parent down to two labels (`a.b.example.com` → `a.b.example.com`,
 * `b.example.com`, `example.com`). The zone is the first that exists.
 */
export function hostedZoneCandidates(domain: string): string[] {
    const labels = domain.replace(/\.$/, "").split(".");
    const out: string[] = [];
    for (let i = 0; i <= labels.length - 2; i++) out.push(labels.slice(i).join("."));
    return out;
}

/**
 * The id of the public hosted zone `domain` lives in: the first of {@link hostedZoneCandidates}
 * that `lookup` finds (`aws.route53.getZone` fails for a zone that does not exist). Refuses with
 * the names it tried and the override to set when none exists.
 */
export async function findHostedZone(domain: string, lookup: (name: string) => Promise<{ zoneId: string }>): Promise<string> {
    const tried = hostedZoneCandidates(domain);
    for (const name of tried) {
        try {
            return (await lookup(name)).zoneId;
        } catch {
            // not this one: try the parent
        }
    }
    throw new pulumi.RunError(
        `tierform: no public Route 53 hosted zone for edge.domain '${domain}' (tried ${tried.join(", ")}); create one, or set tierform:hostedZoneId`,
    );
}

/** Whether `domain` is a documentation or test name nobody can own (RFC 2606, RFC 6761): example.com/.net/.org, .example, .test, .invalid, .localhost. */
export function isPlaceholderDomain(domain: string): boolean {
    return /(^|\.)example\.(com|net|org)$|\.(example|test|invalid|localhost)$/i.test(domain.replace(/\.$/, ""));
}

/**
 * Routed paths that serve a `static` bucket through the application (a route claims the bucket's
 * path, e.g. MDC's `/static` on Django): CloudFront caches them with CachingOptimized instead of
 * sending every asset request to the load balancer and the tasks.
 */
export function cachedStaticPaths(system: System): string[] {
    const statics = new Set(
        Object.values(system.buckets)
            .filter((b) => b.purpose === "static")
            .map((b) => `/${b.name}`),
    );
    return system.edge.routes.map((r) => r.path.replace(/\/+$/, "")).filter((p) => statics.has(p));
}

const clamp = (n: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, n));

/** Target-group health check from the service's readiness probe (else liveness, else `/`). */
export function targetHealthCheck(service: Service) {
    const probe = service.health.readiness ?? service.health.liveness;
    const interval = clamp(probe?.periodSeconds ?? 10, 5, 300);
    return {
        enabled: true,
        path: probe?.path ?? "/",
        protocol: "HTTP",
        port: "traffic-port",
        matcher: "200-399",
        interval,
        timeout: clamp(Math.min(probe?.timeoutSeconds ?? 5, interval - 1), 2, 120),
        healthyThreshold: 2,
        unhealthyThreshold: clamp(probe?.failureThreshold ?? 3, 2, 10),
    };
}

/** The ALB's response-header attributes from the spec (applied on the HTTPS listener, with or without CloudFront). */
export function albResponseHeaders(system: System): Partial<aws.lb.ListenerArgs> {
    const h = Object.fromEntries(Object.entries(system.edge.securityHeaders).map(([k, v]) => [k.toLowerCase(), v]));
    const out: Partial<aws.lb.ListenerArgs> = { routingHttpResponseServerEnabled: false };
    if (system.edge.hstsMaxAgeSeconds > 0)
        out.routingHttpResponseStrictTransportSecurityHeaderValue = `max-age=${system.edge.hstsMaxAgeSeconds}; includeSubDomains`;
    if (h["x-frame-options"] && /^(DENY|SAMEORIGIN)$/i.test(h["x-frame-options"]))
        out.routingHttpResponseXFrameOptionsHeaderValue = h["x-frame-options"].toUpperCase();
    if (h["x-content-type-options"]) out.routingHttpResponseXContentTypeOptionsHeaderValue = "nosniff";
    if (h["content-security-policy"]) out.routingHttpResponseContentSecurityPolicyHeaderValue = h["content-security-policy"];
    return out;
}

/** CloudFront response-headers policy content: the spec's security headers (known ones typed, the rest custom) and HSTS. */
export function cloudFrontHeaders(
    system: System,
): Pick<aws.cloudfront.ResponseHeadersPolicyArgs, "securityHeadersConfig" | "customHeadersConfig"> {
    const security: aws.types.input.cloudfront.ResponseHeadersPolicySecurityHeadersConfig = {};
    const custom: { header: string; value: string; override: boolean }[] = [];
    for (const [header, value] of Object.entries(system.edge.securityHeaders)) {
        switch (header.toLowerCase()) {
            case "x-frame-options":
                security.frameOptions = { frameOption: value.toUpperCase(), override: true };
                break;
            case "x-content-type-options":
                security.contentTypeOptions = { override: true };
                break;
            case "x-xss-protection":
                security.xssProtection = { protection: !value.startsWith("0"), modeBlock: /mode=block/.test(value), override: true };
                break;
            case "referrer-policy":
                security.referrerPolicy = { referrerPolicy: value, override: true };
                break;
            case "content-security-policy":
                security.contentSecurityPolicy = { contentSecurityPolicy: value, override: true };
                break;
            case "strict-transport-security":
                break; // from hstsMaxAgeSeconds
            default:
                custom.push({ header, value, override: true });
        }
    }
    if (system.edge.hstsMaxAgeSeconds > 0) {
        security.strictTransportSecurity = {
            accessControlMaxAgeSec: system.edge.hstsMaxAgeSeconds,
            includeSubdomains: true,
            preload: false,
            override: true,
        };
    }
    return { securityHeadersConfig: security, ...(custom.length ? { customHeadersConfig: { items: custom } } : {}) };
}

/**
 * What the AWS edge cannot build from the spec, one problem per spec path (empty when it can):
 * HTTP without TLS, no domain (and no certificate), a CDN without a domain, source-IP routes
 * behind CloudFront, more than five conditions on a rule, a route to something that is not a web
 * service with a port, and a blue/green or canary service with more than one route.
 */
export function edgeProblems(system: System, certificateArn?: string): Problem[] {
    const { edge } = system;
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
    const { rules, defaultService } = routeRules(system);
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
        const svc = system.services[name];
        if (!svc || svc.kind !== "web" || !svc.port) {
            add(`edge.routes (${name})`, `route to '${name}' needs a web service with a port`);
            continue;
        }
        const paths = edge.routes.filter((r) => r.service === name).map((r) => r.path);
        if (shiftsTraffic(svc) && paths.length !== 1) {
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
    /** The resolved system: its edge (domain, routes, headers, rate limit, CDN) and services. */
    system: System;
    /** VPC of the target groups. */
    vpcId: pulumi.Input<string>;
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
     * @default "" (the first existing zone of the domain and its parents, see {@link findHostedZone})
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
        const { system } = args;
        const { edge } = system;
        const tags = awsTags(system, "edge");
        const opt = { parent: this };
        const prod = system.profile.deletionProtection;
        const usEast1 = "us-east-1";
        const inUsEast1 = (args.region ?? usEast1) === usEast1;
        const domain = edge.domain;
        const originDomain = domain ? `origin.${domain}` : undefined;
        const place = awsPlace(opt);

        // What this edge cannot enforce (edgeProblems) was refused before any resource, by the one
        // refusal path (components/index.ts via the AWS platform's problems()).
        const { rules, defaultService } = routeRules(system);

        // ---- Certificates (validated through Route 53) -------------------------------------------------
        const zone = domain
            ? {
                  zoneId: args.hostedZoneId
                      ? pulumi.output(args.hostedZoneId)
                      : pulumi.output(findHostedZone(domain, (n) => aws.route53.getZone({ name: n, privateZone: false }, opt))),
              }
            : undefined;
        const validationRecords = new Map<string, aws.route53.Record>();
        const validated = (key: string, cert: aws.acm.Certificate, names: string[], region?: string) => {
            const fqdns = names.map((n) => {
                let record = validationRecords.get(n);
                if (!record) {
                    const option = cert.domainValidationOptions.apply((o) => o.find((x) => x.domainName === n) ?? o[0]);
                    record = new aws.route53.Record(
                        `${name}-validation-${validationRecords.size + 1}`,
                        {
                            zoneId: zone!.zoneId,
                            name: option.apply((o) => o.resourceRecordName!),
                            type: option.apply((o) => o.resourceRecordType!),
                            records: [option.apply((o) => o.resourceRecordValue!)],
                            ttl: 300,
                            // The same CNAME validates the regional and the us-east-1 certificate.
                            allowOverwrite: true,
                        },
                        opt,
                    );
                    validationRecords.set(n, record);
                }
                return record.fqdn;
            });
            return new aws.acm.CertificateValidation(
                `${name}-${key}`,
                { certificateArn: cert.arn, validationRecordFqdns: fqdns, ...(region ? { region } : {}) },
                opt,
            ).certificateArn;
        };
        let albCertificateArn: pulumi.Input<string>;
        if (args.certificateArn) {
            albCertificateArn = args.certificateArn;
        } else {
            const names = edge.cdn ? [domain!, originDomain!] : [domain!];
            const cert = new aws.acm.Certificate(
                `${name}-alb`,
                {
                    domainName: domain!,
                    subjectAlternativeNames: names.slice(1),
                    validationMethod: "DNS",
                    keyAlgorithm: "EC_prime256v1",
                    tags,
                },
                opt,
            );
            albCertificateArn = validated("alb", cert, names);
        }

        // ---- Access-log bucket (ALB, and CloudFront under cloudfront/) ----------------------------------
        const elbAccount = aws.elb.getServiceAccountOutput({}, opt);
        const albLogPrefix = "alb";
        const logs = new AwsBucket(
            `${name}-logs`,
            {
                system,
                bucket: {
                    name: "edge-logs",
                    purpose: "archive",
                    versioned: true,
                    lifecycle: [],
                    expireAfterDays: system.profile.logRetentionDays,
                },
                accessLogTarget: true,
                tier: "edge",
                // CloudFront's standard logs are written through ACLs, so with a CDN the bucket keeps ACLs (owner preferred); otherwise ACLs are off.
                objectAcls: edge.cdn,
                logWriters: (arn) => {
                    const albLogObjects = pulumi.interpolate`${arn}/${albLogPrefix}/AWSLogs/${place.accountId}/*`;
                    return [
                        // Regions before August 2022 deliver ALB logs from the regional ELB account, newer ones from the log-delivery service.
                        {
                            Sid: "AlbLogDeliveryAccount",
                            Effect: "Allow",
                            Principal: { AWS: elbAccount.arn },
                            Action: "s3:PutObject",
                            Resource: albLogObjects,
                        },
                        {
                            Sid: "AlbLogDeliveryService",
                            Effect: "Allow",
                            Principal: { Service: "logdelivery.elasticloadbalancing.amazonaws.com" },
                            Action: "s3:PutObject",
                            Resource: albLogObjects,
                        },
                    ];
                },
            },
            opt,
        );

        // ---- Load balancer ------------------------------------------------------------------------------
        const alb = new aws.lb.LoadBalancer(
            `${name}-alb`,
            {
                // Named explicitly: pulumi-aws's auto-name (`<logical name>-<7 random>`) passes ELB's 32 characters for long system names.
                name: awsName("loadBalancer", [system.name, system.environment]),
                loadBalancerType: "application",
                internal: false,
                subnets: args.publicSubnetIds,
                securityGroups: [args.securityGroupId],
                dropInvalidHeaderFields: true,
                desyncMitigationMode: "strictest",
                enableDeletionProtection: prod,
                idleTimeout: 60,
                accessLogs: { bucket: logs.name, prefix: albLogPrefix, enabled: true },
                tags,
            },
            // The bucket's policy must admit log delivery before the load balancer is created.
            { parent: this, dependsOn: [logs] },
        );

        // A route for private networks only (allowCidrs) is never forwarded by this internet-facing load balancer: every client
        // reaches it from a public address, so a source-IP condition of private ranges never matches and the path would fall
        // through to the default service. The path gets an explicit 403 instead; a service routed only so has no target group here.
        const publicRules = rules.filter((r) => !r.allowCidrs);
        const routed = [...new Set([...publicRules.map((r) => r.service), ...(defaultService ? [defaultService] : [])])];
        const shifting = routed.filter((svcName) => system.services[svcName] && shiftsTraffic(system.services[svcName]));
        // A traffic-shifting default service needs a rule of its own (ECS shifts a rule's weights, never a listener's default action).
        const catchAll = defaultService !== undefined && (edge.cdn || shifting.includes(defaultService));
        const allRules = catchAll
            ? [...rules, { service: defaultService, path: "/", pathPatterns: ["/*"], priority: (rules.length + 1) * 10 }]
            : rules;
        const targetGroup = (key: string, svc: Service, role: string) =>
            new aws.lb.TargetGroup(
                `${name}-${key}`,
                {
                    // A new name whenever a change replaces the group (port, protocol, target type, VPC): see targetGroupName.
                    name: targetGroupName([system.name, system.environment, key], {
                        port: svc.port!,
                        protocol: "HTTP",
                        targetType: "ip",
                        vpcId: args.vpcId,
                    }),
                    targetType: "ip",
                    protocol: "HTTP",
                    port: svc.port,
                    vpcId: args.vpcId,
                    deregistrationDelay: 30,
                    healthCheck: targetHealthCheck(svc),
                    tags: { ...tags, service: svc.name, role },
                },
                opt,
            );
        const targetGroups: Record<string, aws.lb.TargetGroup> = {};
        const alternates: Record<string, aws.lb.TargetGroup> = {};
        for (const svcName of routed) {
            const svc = system.services[svcName];
            targetGroups[svcName] = targetGroup(svcName, svc, "primary");
            if (shifting.includes(svcName)) alternates[svcName] = targetGroup(`${svcName}-alt`, svc, "alternate");
        }

        new aws.lb.Listener(
            `${name}-http`,
            {
                loadBalancerArn: alb.arn,
                port: 80,
                protocol: "HTTP",
                defaultActions: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }],
                tags,
            },
            opt,
        );

        const originSecret = edge.cdn
            ? pulumi.secret(new random.RandomPassword(`${name}-origin-secret`, { length: 40, special: false }, { parent: this }).result)
            : undefined;
        const fixed = (statusCode: string, messageBody: string) => ({
            type: "fixed-response",
            fixedResponse: { contentType: "text/plain", statusCode, messageBody },
        });
        const https = new aws.lb.Listener(
            `${name}-https`,
            {
                loadBalancerArn: alb.arn,
                port: 443,
                protocol: "HTTPS",
                sslPolicy: ALB_TLS_POLICY,
                certificateArn: albCertificateArn,
                // Behind CloudFront every request without the origin secret is refused; otherwise `/` is the default unless a rule catches it.
                defaultActions: [
                    edge.cdn
                        ? fixed("403", "Forbidden")
                        : defaultService && !catchAll
                          ? { type: "forward", targetGroupArn: targetGroups[defaultService].arn }
                          : fixed("404", "Not Found"),
                ],
                ...albResponseHeaders(system),
                tags,
            },
            opt,
        );
        const forward = (svcName: string) =>
            alternates[svcName]
                ? {
                      type: "forward",
                      forward: {
                          targetGroups: [
                              { arn: targetGroups[svcName].arn, weight: 100 },
                              { arn: alternates[svcName].arn, weight: 0 },
                          ],
                      },
                  }
                : { type: "forward", targetGroupArn: targetGroups[svcName].arn };
        const listenerRules: aws.lb.ListenerRule[] = [];
        /** The one rule of each traffic-shifting service, whose weights ECS moves. */
        const productionRules: Record<string, aws.lb.ListenerRule> = {};
        for (const r of allRules) {
            if (r.allowCidrs) {
                listenerRules.push(
                    new aws.lb.ListenerRule(
                        `${name}-${r.service}-${r.priority}`,
                        {
                            listenerArn: https.arn,
                            priority: r.priority,
                            actions: [fixed("403", "Forbidden")],
                            conditions: [{ pathPattern: { values: r.pathPatterns } }],
                            tags: { ...tags, service: r.service, access: "private-networks-only" },
                        },
                        opt,
                    ),
                );
                continue;
            }
            const rule = new aws.lb.ListenerRule(
                `${name}-${r.service}-${r.priority}`,
                {
                    listenerArn: https.arn,
                    priority: r.priority,
                    actions: [forward(r.service)],
                    conditions: [
                        { pathPattern: { values: r.pathPatterns } },
                        ...(r.allowCidrs ? [{ sourceIp: { values: r.allowCidrs } }] : []),
                        ...(originSecret ? [{ httpHeader: { httpHeaderName: ORIGIN_SECRET_HEADER, values: [originSecret] } }] : []),
                    ],
                    tags: { ...tags, service: r.service },
                },
                // ECS moves a traffic-shifting service's weights between its two target groups on every deployment.
                { parent: this, ignoreChanges: alternates[r.service] ? ["actions"] : [] },
            );
            listenerRules.push(rule);
            if (alternates[r.service]) productionRules[r.service] = rule;
        }

        // ---- Internal load balancer: the routes for private networks only ---------------------------------
        // On an internal load balancer clients keep their private addresses (VPN, Direct Connect, peering), so the spec's
        // allowCidrs hold twice: in its security group (network.ts) and as each rule's source-IP condition.
        const privateRules = rules.filter((r) => r.allowCidrs);
        const internalTargets: Record<string, aws.lb.TargetGroup> = {};
        let internalAlb: aws.lb.LoadBalancer | undefined;
        const internalReady: pulumi.Resource[] = [];
        const internalDomain = domain ? `internal.${domain}` : undefined;
        if (privateRules.length > 0 && args.internal) {
            const certificateArn = args.certificateArn
                ? args.certificateArn
                : validated(
                      "internal",
                      new aws.acm.Certificate(
                          `${name}-internal`,
                          { domainName: internalDomain!, validationMethod: "DNS", keyAlgorithm: "EC_prime256v1", tags },
                          opt,
                      ),
                      [internalDomain!],
                  );
            internalAlb = new aws.lb.LoadBalancer(
                `${name}-internal`,
                {
                    name: awsName("loadBalancer", [system.name, system.environment, "internal"]),
                    loadBalancerType: "application",
                    internal: true,
                    subnets: args.internal.subnetIds,
                    securityGroups: [args.internal.securityGroupId],
                    dropInvalidHeaderFields: true,
                    desyncMitigationMode: "strictest",
                    enableDeletionProtection: prod,
                    idleTimeout: 60,
                    // The same prefix as the public load balancer (the bucket admits log delivery there); file names carry each one's id.
                    accessLogs: { bucket: logs.name, prefix: albLogPrefix, enabled: true },
                    tags: { ...tags, access: "private-networks-only" },
                },
                { parent: this, dependsOn: [logs] },
            );
            for (const svcName of [...new Set(privateRules.map((r) => r.service))])
                internalTargets[svcName] = targetGroup(`${svcName}-internal`, system.services[svcName], "internal");
            const listener = new aws.lb.Listener(
                `${name}-internal-https`,
                {
                    loadBalancerArn: internalAlb.arn,
                    port: 443,
                    protocol: "HTTPS",
                    sslPolicy: ALB_TLS_POLICY,
                    certificateArn,
                    defaultActions: [fixed("404", "Not Found")],
                    ...albResponseHeaders(system),
                    tags,
                },
                opt,
            );
            internalReady.push(listener);
            for (const r of privateRules) {
                internalReady.push(
                    new aws.lb.ListenerRule(
                        `${name}-internal-${r.service}-${r.priority}`,
                        {
                            listenerArn: listener.arn,
                            priority: r.priority,
                            actions: [{ type: "forward", targetGroupArn: internalTargets[r.service].arn }],
                            conditions: [{ pathPattern: { values: r.pathPatterns } }, { sourceIp: { values: r.allowCidrs! } }],
                            tags: { ...tags, service: r.service, access: "private-networks-only" },
                        },
                        opt,
                    ),
                );
            }
        }

        // The role ECS assumes to register tasks in the alternate target groups and shift the rules' weights.
        let trafficShift: { roleArn: pulumi.Output<string>; ready: pulumi.Resource } | undefined;
        if (shifting.length > 0) {
            const role = new aws.iam.Role(
                `${name}-traffic-shift`,
                {
                    namePrefix: awsNamePrefix("iamRole", [system.name, "ecs-traffic-shift"]),
                    description: `ECS blue/green and canary deployments of ${system.name}: target groups and listener rules`,
                    assumeRolePolicy: assumeRolePolicy("ecs.amazonaws.com", place.accountId),
                    tags,
                },
                opt,
            );
            const attachment = new aws.iam.RolePolicyAttachment(
                `${name}-traffic-shift`,
                { role: role.name, policyArn: managedPolicyArn(place.partition, "AmazonECSInfrastructureRolePolicyForLoadBalancers") },
                opt,
            );
            trafficShift = { roleArn: role.arn, ready: attachment };
        }

        // ---- WAF on the load balancer -------------------------------------------------------------------
        const webAcl = (key: string, scope: "REGIONAL" | "CLOUDFRONT", rateKey: "IP" | "FORWARDED_IP", region?: string) => {
            const metric = (n: string) => resourceName([system.name, key, n], 128);
            const visibility = (n: string) => ({ cloudwatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName: metric(n) });
            const wafRules: aws.types.input.wafv2.WebAclRule[] = [];
            wafRules.push({
                name: "rate-limit-per-client",
                priority: 0,
                action: { block: {} },
                statement: {
                    rateBasedStatement: {
                        aggregateKeyType: rateKey,
                        ...wafRateLimit(edge.rateLimitPerMinute),
                        ...(rateKey === "FORWARDED_IP"
                            ? { forwardedIpConfig: { headerName: "X-Forwarded-For", fallbackBehavior: "MATCH" } }
                            : {}),
                    },
                },
                visibilityConfig: visibility("rate"),
            });
            MANAGED_RULE_GROUPS.forEach((group, i) =>
                wafRules.push({
                    name: group,
                    priority: i + 1,
                    overrideAction: { none: {} },
                    statement: {
                        managedRuleGroupStatement: {
                            vendorName: "AWS",
                            name: group,
                            // The common rule set blocks bodies over 8 KB; the spec allows maxBodyMb (1 MiB or more), so that one rule only counts.
                            ...(group === "AWSManagedRulesCommonRuleSet"
                                ? { ruleActionOverrides: [{ name: "SizeRestrictions_BODY", actionToUse: { count: {} } }] }
                                : {}),
                        },
                    },
                    visibilityConfig: visibility(group),
                }),
            );
            const acl = new aws.wafv2.WebAcl(
                `${name}-${key}`,
                {
                    description: `${system.name} ${scope === "CLOUDFRONT" ? "CloudFront" : "load balancer"} firewall`,
                    scope,
                    defaultAction: { allow: {} },
                    rules: wafRules,
                    visibilityConfig: visibility("acl"),
                    tags,
                    ...(region ? { region } : {}),
                },
                opt,
            );
            const logGroup = new aws.cloudwatch.LogGroup(
                `${name}-${key}-waf-logs`,
                {
                    // WAF only logs to groups whose name starts with aws-waf-logs-.
                    name: `aws-waf-logs-${resourceName([system.name, system.environment, key], 100)}`,
                    retentionInDays: system.profile.logRetentionDays,
                    ...(region && !inUsEast1 ? { region } : { kmsKeyId: args.logsKmsKeyArn }),
                    tags,
                },
                opt,
            );
            new aws.wafv2.WebAclLoggingConfiguration(
                `${name}-${key}`,
                {
                    resourceArn: acl.arn,
                    logDestinationConfigs: [logGroup.arn],
                    redactedFields: [{ singleHeader: { name: "authorization" } }, { singleHeader: { name: "cookie" } }],
                    ...(region ? { region } : {}),
                },
                opt,
            );
            return acl;
        };
        // Behind CloudFront the load balancer sees CloudFront's addresses: CloudFront's ACL limits by the client's address, and the
        // load balancer's by the first X-Forwarded-For address (a second line only: a client can prepend to that header).
        const albAcl = webAcl("alb", "REGIONAL", edge.cdn ? "FORWARDED_IP" : "IP");
        new aws.wafv2.WebAclAssociation(`${name}-alb`, { resourceArn: alb.arn, webAclArn: albAcl.arn }, opt);

        // ---- CloudFront ---------------------------------------------------------------------------------
        let distribution: aws.cloudfront.Distribution | undefined;
        if (edge.cdn) {
            const cdnCertificateArn = args.certificateArn
                ? args.certificateArn
                : validated(
                      "cdn",
                      new aws.acm.Certificate(
                          `${name}-cdn`,
                          { domainName: domain!, validationMethod: "DNS", keyAlgorithm: "EC_prime256v1", region: usEast1, tags },
                          opt,
                      ),
                      [domain!],
                      usEast1,
                  );
            const cdnAcl = webAcl("cdn", "CLOUDFRONT", "IP", usEast1);
            const headers = new aws.cloudfront.ResponseHeadersPolicy(
                `${name}-headers`,
                {
                    name: resourceName([system.name, system.environment, "security-headers"], 128),
                    comment: `${system.name} security headers`,
                    ...cloudFrontHeaders(system),
                },
                opt,
            );
            const statics = Object.entries(args.staticOrigins ?? {});
            distribution = new aws.cloudfront.Distribution(
                `${name}-cdn`,
                {
                    enabled: true,
                    comment: `${system.name} ${system.environment}`,
                    aliases: [domain!],
                    isIpv6Enabled: true,
                    httpVersion: "http2and3",
                    priceClass: "PriceClass_100",
                    webAclId: cdnAcl.arn,
                    origins: [
                        {
                            originId: "alb",
                            domainName: originDomain!,
                            customOriginConfig: {
                                httpPort: 80,
                                httpsPort: 443,
                                originProtocolPolicy: "https-only",
                                originSslProtocols: ["TLSv1.2"],
                            },
                            customHeaders: [{ name: ORIGIN_SECRET_HEADER, value: originSecret! }],
                        },
                        ...statics.map(([bucket, o]) => ({
                            originId: `s3-${bucket}`,
                            domainName: o.domainName,
                            originAccessControlId: o.originAccessControlId,
                        })),
                    ],
                    orderedCacheBehaviors: [
                        // Static paths the application serves: cached at the edge (CachingOptimized), the viewer's Host still forwarded.
                        ...cachedStaticPaths(system).map((p) => ({
                            pathPattern: `${p}/*`,
                            targetOriginId: "alb",
                            viewerProtocolPolicy: "redirect-to-https",
                            allowedMethods: ["GET", "HEAD", "OPTIONS"],
                            cachedMethods: ["GET", "HEAD"],
                            compress: true,
                            cachePolicyId: CACHING_OPTIMIZED_POLICY_ID,
                            originRequestPolicyId: ALL_VIEWER_POLICY_ID,
                            responseHeadersPolicyId: headers.id,
                        })),
                        ...statics.map(([bucket]) => ({
                            pathPattern: `/${bucket}/*`,
                            targetOriginId: `s3-${bucket}`,
                            viewerProtocolPolicy: "redirect-to-https",
                            allowedMethods: ["GET", "HEAD", "OPTIONS"],
                            cachedMethods: ["GET", "HEAD"],
                            compress: true,
                            cachePolicyId: CACHING_OPTIMIZED_POLICY_ID,
                            responseHeadersPolicyId: headers.id,
                        })),
                    ],
                    defaultCacheBehavior: {
                        targetOriginId: "alb",
                        viewerProtocolPolicy: "redirect-to-https",
                        allowedMethods: ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"],
                        cachedMethods: ["GET", "HEAD"],
                        compress: true,
                        cachePolicyId: CACHING_DISABLED_POLICY_ID,
                        originRequestPolicyId: ALL_VIEWER_POLICY_ID,
                        responseHeadersPolicyId: headers.id,
                    },
                    viewerCertificate: {
                        acmCertificateArn: cdnCertificateArn,
                        sslSupportMethod: "sni-only",
                        minimumProtocolVersion: CLOUDFRONT_MIN_TLS,
                    },
                    restrictions: { geoRestriction: { restrictionType: "none" } },
                    loggingConfig: { bucket: logs.bucket.bucketDomainName, prefix: "cloudfront/", includeCookies: false },
                    tags,
                },
                { parent: this, dependsOn: [logs] },
            );
        }

        // ---- DNS ----------------------------------------------------------------------------------------
        if (domain && zone) {
            const alias = (
                key: string,
                recordName: string,
                target: { name: pulumi.Input<string>; zoneId: pulumi.Input<string> },
                types: string[],
            ) => {
                for (const type of types) {
                    new aws.route53.Record(
                        `${name}-${key}-${type.toLowerCase()}`,
                        {
                            zoneId: zone.zoneId,
                            name: recordName,
                            type,
                            aliases: [
                                { name: target.name, zoneId: target.zoneId, evaluateTargetHealth: key === "origin" || !distribution },
                            ],
                        },
                        opt,
                    );
                }
            };
            // internal.<domain> resolves to the internal load balancer's private addresses (reachable from the private networks only).
            if (internalAlb) alias("internal", internalDomain!, { name: internalAlb.dnsName, zoneId: internalAlb.zoneId }, ["A"]);
            if (distribution) {
                alias("domain", domain, { name: distribution.domainName, zoneId: distribution.hostedZoneId }, ["A", "AAAA"]);
                alias("origin", originDomain!, { name: alb.dnsName, zoneId: alb.zoneId }, ["A"]);
            } else {
                alias("domain", domain, { name: alb.dnsName, zoneId: alb.zoneId }, ["A"]);
            }
        }

        this.loadBalancerArn = alb.arn;
        this.loadBalancerArnSuffix = alb.arnSuffix;
        this.albDnsName = alb.dnsName;
        this.ready = [https, ...listenerRules, ...(trafficShift ? [trafficShift.ready] : []), ...internalReady];
        this.targets = Object.fromEntries(
            Object.entries(targetGroups).map(([k, tg]): [string, AwsServiceLoadBalancer] => {
                const alternate = alternates[k];
                const shift =
                    alternate && trafficShift
                        ? {
                              alternateTargetGroupArn: alternate.arn,
                              alternateTargetGroupArnSuffix: alternate.arnSuffix,
                              productionListenerRuleArn: productionRules[k].arn,
                              roleArn: trafficShift.roleArn,
                          }
                        : undefined;
                const internal = internalTargets[k] ? { additionalTargetGroupArns: [internalTargets[k].arn] } : {};
                return [
                    k,
                    {
                        targetGroupArn: tg.arn,
                        targetGroupArnSuffix: tg.arnSuffix,
                        loadBalancerArnSuffix: alb.arnSuffix,
                        ready: this.ready,
                        ...internal,
                        ...(shift ? { trafficShift: shift } : {}),
                    },
                ];
            }),
        );
        // A service routed for private networks only attaches to the internal load balancer alone.
        for (const [k, tg] of Object.entries(internalTargets)) {
            if (!this.targets[k])
                this.targets[k] = {
                    targetGroupArn: tg.arn,
                    targetGroupArnSuffix: tg.arnSuffix,
                    loadBalancerArnSuffix: internalAlb!.arnSuffix,
                    ready: this.ready,
                };
        }
        this.internalAlbDnsName = internalAlb?.dnsName;
        this.internalUrl = internalAlb
            ? internalDomain
                ? pulumi.output(`https://${internalDomain}`)
                : pulumi.interpolate`https://${internalAlb.dnsName}`
            : undefined;
        this.httpsListenerArn = https.arn;
        this.webAclArn = albAcl.arn;
        this.cloudFrontDomain = distribution?.domainName;
        this.distributionArn = distribution?.arn;
        this.publicUrl = domain ? pulumi.output(`https://${domain}`) : pulumi.interpolate`https://${alb.dnsName}`;
        this.registerOutputs({
            publicUrl: this.publicUrl,
            albDnsName: this.albDnsName,
            loadBalancerArn: this.loadBalancerArn,
            cloudFrontDomain: this.cloudFrontDomain,
            webAclArn: this.webAclArn,
        });
    }
}
