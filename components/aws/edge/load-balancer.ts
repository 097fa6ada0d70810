/**
 * The edge's Application Load Balancers (after CDK's ecs-patterns, which compose load balancer,
 * listener, certificate and record): the internet-facing one (HTTPS with TLS 1.2+, HTTP only
 * redirecting, invalid headers dropped, access logs) with one target group per routed service and
 * path rules from the spec's routes; the internal one in the private subnets for the routes for
 * private networks only (`allowCidrs`); and the role ECS assumes to shift a blue/green or canary
 * service's traffic between its two target groups, and each such service's test listener (the
 * preview: {@link TEST_LISTENER_BASE_PORT}).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { assumeRolePolicy, awsName, awsNamePrefix, managedPolicyArn, targetGroupName, type AwsPlace } from "../common";
import type { AwsBucket } from "../object-store";
import { shiftsTraffic, type AwsServiceLoadBalancer } from "../service";
import { loadBalancerIdleTimeout, type ServicePlan, type SystemPlan } from "../../../plan";
import { targetGroupTraffic } from "../traffic";
import { ALB_LOG_PREFIX } from "./logs";
import type { EdgePart } from "./part";

/** TLS policy of the HTTPS listener: TLS 1.3 and 1.2 with forward-secret ciphers only. */
export const ALB_TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";
/** Header CloudFront adds to every origin request; the ALB forwards only requests carrying its secret value. */
export const ORIGIN_SECRET_HEADER = "X-Origin-Verify";

/**
 * The port of the first test listener. Each blue/green or canary service gets a listener of its own
 * on the internet-facing load balancer, ports from this one up in the order of their names, whose
 * one rule (`/*`, both target groups) ECS names `testListenerRule`: during a deployment ECS sends
 * that rule's traffic to the new set first (TEST_TRAFFIC_SHIFT), before production's (ECS API
 * reference, AdvancedConfiguration: https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_AdvancedConfiguration.html;
 * developer guide, "Lambda hooks for Amazon ECS service deployments", the stages). Its own
 * listener, not a header rule on the production one: the port is closed to the internet — the load
 * balancer's security group admits it only from the VPC's NAT addresses, where the lifecycle hook's
 * checks come from (components/aws/rollout-hook.ts) — and a target group belongs to one load
 * balancer, so the preview cannot live on the internal one. The regional WAF judges it as it
 * judges the production listener; CloudFront never forwards to it.
 */
export const TEST_LISTENER_BASE_PORT = 8443;

/** The test listener port of each traffic-shifting service ({@link TEST_LISTENER_BASE_PORT}). */
export function testListenerPorts(shifting: string[]): Record<string, number> {
    return Object.fromEntries([...shifting].sort().map((svc, i) => [svc, TEST_LISTENER_BASE_PORT + i]));
}

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
export function routeRules(plan: Pick<SystemPlan, "routes">): { rules: RouteRule[]; defaultService?: string } {
    const routes = [...plan.routes].sort((a, b) => b.path.length - a.path.length || a.path.localeCompare(b.path));
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

const clamp = (n: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, n));

/** Target-group health check from the service's HTTP readiness check (else liveness, else `/`). */
export function targetHealthCheck(service: Pick<ServicePlan, "health">) {
    const check = service.health.readiness ?? service.health.liveness;
    const probe = check?.type === "http" ? check : undefined;
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
export function albResponseHeaders(plan: Pick<SystemPlan, "edge">): Partial<aws.lb.ListenerArgs> {
    const h = Object.fromEntries(Object.entries(plan.edge.securityHeaders).map(([k, v]) => [k.toLowerCase(), v]));
    const out: Partial<aws.lb.ListenerArgs> = { routingHttpResponseServerEnabled: false };
    if (plan.edge.hstsMaxAgeSeconds > 0)
        out.routingHttpResponseStrictTransportSecurityHeaderValue = `max-age=${plan.edge.hstsMaxAgeSeconds}; includeSubDomains`;
    if (h["x-frame-options"] && /^(DENY|SAMEORIGIN)$/i.test(h["x-frame-options"]))
        out.routingHttpResponseXFrameOptionsHeaderValue = h["x-frame-options"].toUpperCase();
    if (h["x-content-type-options"]) out.routingHttpResponseXContentTypeOptionsHeaderValue = "nosniff";
    if (h["content-security-policy"]) out.routingHttpResponseContentSecurityPolicyHeaderValue = h["content-security-policy"];
    return out;
}

/** A listener action answering `statusCode` with a plain-text body. */
function fixed(statusCode: string, messageBody: string) {
    return { type: "fixed-response", fixedResponse: { contentType: "text/plain", statusCode, messageBody } };
}

/** An IP target group for `svc` on its port, health-checked by its readiness probe; `role` is primary, alternate or internal. */
function createTargetGroup(part: EdgePart, vpcId: pulumi.Input<string>, key: string, svc: ServicePlan, role: string): aws.lb.TargetGroup {
    const { plan } = part;
    return new aws.lb.TargetGroup(
        `${part.name}-${key}`,
        {
            // A new name whenever a change replaces the group (port, protocol, target type, VPC): see targetGroupName.
            name: targetGroupName([plan.name, plan.environment, key], { port: svc.port!, protocol: "HTTP", targetType: "ip", vpcId }),
            targetType: "ip",
            protocol: "HTTP",
            port: svc.port,
            vpcId,
            deregistrationDelay: 30,
            healthCheck: targetHealthCheck(svc),
            ...targetGroupTraffic(part.plan.traffic[svc.name]),
            tags: { ...part.tags, service: svc.name, role },
        },
        { parent: part.parent },
    );
}

/** Where a load balancer lives and what it serves with. */
export interface LoadBalancerArgs {
    /** VPC of the target groups. */
    vpcId: pulumi.Input<string>;
    /** Its subnets (public for the internet-facing one, private for the internal one). */
    subnetIds: pulumi.Input<string>[];
    /** Its security group (network.ts). */
    securityGroupId: pulumi.Input<string>;
    /** The access-log bucket (logs.ts). */
    logs: AwsBucket;
    /** The HTTPS listener's certificate (certificate.ts). */
    certificateArn: pulumi.Input<string>;
    /** The secret CloudFront sends in {@link ORIGIN_SECRET_HEADER}: every forwarding rule requires it. @default none (no CDN) */
    originSecret?: pulumi.Input<string>;
    /**
     * An alternate target group (and the rule's weights) for each blue/green or canary service, which ECS's native
     * deployments shift traffic between. False on the EKS placement: its pods sit in one target group.
     * @default true
     */
    shiftTraffic?: boolean;
}

/** The internet-facing load balancer and what the services attach to. */
export interface PublicLoadBalancer {
    alb: aws.lb.LoadBalancer;
    https: aws.lb.Listener;
    /** Each routed service's target group, by name. */
    targetGroups: Record<string, aws.lb.TargetGroup>;
    /** The alternate target group of each traffic-shifting (blue/green, canary) service. */
    alternates: Record<string, aws.lb.TargetGroup>;
    /** Every listener rule. */
    listenerRules: aws.lb.ListenerRule[];
    /** The one rule of each traffic-shifting service, whose weights ECS moves. */
    productionRules: Record<string, aws.lb.ListenerRule>;
    /** The test listener of each traffic-shifting service, its port and its one rule ({@link TEST_LISTENER_BASE_PORT}). */
    tests: Record<string, { port: number; listener: aws.lb.Listener; rule: aws.lb.ListenerRule }>;
}

/**
 * What both application load balancers are: named explicitly (pulumi-aws's auto-name,
 * `<logical name>-<7 random>`, passes ELB's 32 characters for long system names), in the given
 * subnets and group, dropping invalid headers, strictest desync mitigation, deletion protection per
 * profile, and access logs under one prefix of the log bucket (which admits log delivery there; the
 * file names carry each load balancer's id).
 */
function albInputs(part: EdgePart, args: Omit<LoadBalancerArgs, "originSecret">, internal: boolean) {
    const { plan } = part;
    return {
        name: awsName("loadBalancer", [plan.name, plan.environment, ...(internal ? ["internal"] : [])]),
        loadBalancerType: "application",
        internal,
        subnets: args.subnetIds,
        securityGroups: [args.securityGroupId],
        dropInvalidHeaderFields: true,
        desyncMitigationMode: "strictest",
        enableDeletionProtection: plan.profile.deletionProtection,
        idleTimeout: loadBalancerIdleTimeout(part.plan.traffic),
        accessLogs: { bucket: args.logs.name, prefix: ALB_LOG_PREFIX, enabled: true },
    };
}

/**
 * The internet-facing load balancer: HTTP redirecting to HTTPS; HTTPS forwarding by the spec's
 * routes (behind CloudFront only requests carrying the origin secret; `/` the default unless a
 * rule must catch it); a route for private networks only answered 403 (every client reaches this
 * load balancer from a public address, so a source-IP condition of private ranges would never match
 * and the path would fall through to the default service).
 */
export function createLoadBalancer(part: EdgePart, args: LoadBalancerArgs): PublicLoadBalancer {
    const { name, plan, tags } = part;
    const { edge } = plan;
    const opt = { parent: part.parent };
    const { rules, defaultService } = routeRules(plan);
    const alb = new aws.lb.LoadBalancer(
        `${name}-alb`,
        { ...albInputs(part, args, false), tags },
        // The bucket's policy must admit log delivery before the load balancer is created.
        { parent: part.parent, dependsOn: [args.logs] },
    );

    // A service routed only for private networks has no target group here.
    const publicRules = rules.filter((r) => !r.allowCidrs);
    const routed = [...new Set([...publicRules.map((r) => r.service), ...(defaultService ? [defaultService] : [])])];
    const shifting =
        args.shiftTraffic === false ? [] : routed.filter((svcName) => plan.services[svcName] && shiftsTraffic(plan.services[svcName]));
    // A traffic-shifting default service needs a rule of its own (ECS shifts a rule's weights, never a listener's default action).
    const catchAll = defaultService !== undefined && (edge.cdn || shifting.includes(defaultService));
    const allRules = catchAll
        ? [...rules, { service: defaultService, path: "/", pathPatterns: ["/*"], priority: (rules.length + 1) * 10 }]
        : rules;
    const targetGroups: Record<string, aws.lb.TargetGroup> = {};
    const alternates: Record<string, aws.lb.TargetGroup> = {};
    for (const svcName of routed) {
        const svc = plan.services[svcName];
        targetGroups[svcName] = createTargetGroup(part, args.vpcId, svcName, svc, "primary");
        if (shifting.includes(svcName)) alternates[svcName] = createTargetGroup(part, args.vpcId, `${svcName}-alt`, svc, "alternate");
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
    const https = new aws.lb.Listener(
        `${name}-https`,
        {
            loadBalancerArn: alb.arn,
            port: 443,
            protocol: "HTTPS",
            sslPolicy: ALB_TLS_POLICY,
            certificateArn: args.certificateArn,
            // Behind CloudFront every request without the origin secret is refused; otherwise `/` is the default unless a rule catches it.
            defaultActions: [
                edge.cdn
                    ? fixed("403", "Forbidden")
                    : defaultService && !catchAll
                      ? { type: "forward", targetGroupArn: targetGroups[defaultService].arn }
                      : fixed("404", "Not Found"),
            ],
            ...albResponseHeaders(plan),
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
                    ...(args.originSecret ? [{ httpHeader: { httpHeaderName: ORIGIN_SECRET_HEADER, values: [args.originSecret] } }] : []),
                ],
                tags: { ...tags, service: r.service },
            },
            // ECS moves a traffic-shifting service's weights between its two target groups on every deployment.
            { parent: part.parent, ignoreChanges: alternates[r.service] ? ["actions"] : [] },
        );
        listenerRules.push(rule);
        if (alternates[r.service]) productionRules[r.service] = rule;
    }
    const tests = Object.fromEntries(
        Object.entries(testListenerPorts(Object.keys(alternates))).map(([svcName, port]) => {
            const listener = new aws.lb.Listener(
                `${name}-${svcName}-test`,
                {
                    loadBalancerArn: alb.arn,
                    port,
                    protocol: "HTTPS",
                    sslPolicy: ALB_TLS_POLICY,
                    certificateArn: args.certificateArn,
                    defaultActions: [fixed("404", "Not Found")],
                    ...albResponseHeaders(plan),
                    tags: { ...tags, service: svcName, access: "preview" },
                },
                opt,
            );
            const rule = new aws.lb.ListenerRule(
                `${name}-${svcName}-test`,
                {
                    listenerArn: listener.arn,
                    priority: 10,
                    actions: [forward(svcName)],
                    conditions: [{ pathPattern: { values: ["/*"] } }],
                    tags: { ...tags, service: svcName, access: "preview" },
                },
                // ECS moves the test rule's weights too (TEST_TRAFFIC_SHIFT).
                { parent: part.parent, ignoreChanges: ["actions"] },
            );
            return [svcName, { port, listener, rule }];
        }),
    );
    return { alb, https, targetGroups, alternates, listenerRules, productionRules, tests };
}

/** The internal load balancer, its target groups and what the services wait for on it. */
export interface InternalLoadBalancer {
    alb: aws.lb.LoadBalancer;
    /** Each service routed for private networks, by name. */
    targetGroups: Record<string, aws.lb.TargetGroup>;
    /** Its listener and rules. */
    ready: pulumi.Resource[];
}

/**
 * The internal load balancer of the routes for private networks only: clients keep their private
 * addresses on it (VPN, Direct Connect, peering), so the spec's `allowCidrs` hold twice — in its
 * security group (network.ts) and as each rule's source-IP condition. HTTPS only.
 */
export function createInternalLoadBalancer(part: EdgePart, args: Omit<LoadBalancerArgs, "originSecret">): InternalLoadBalancer {
    const { name, plan, tags } = part;
    const opt = { parent: part.parent };
    const privateRules = routeRules(plan).rules.filter((r) => r.allowCidrs);
    const alb = new aws.lb.LoadBalancer(
        `${name}-internal`,
        { ...albInputs(part, args, true), tags: { ...tags, access: "private-networks-only" } },
        { parent: part.parent, dependsOn: [args.logs] },
    );
    const targetGroups: Record<string, aws.lb.TargetGroup> = {};
    for (const svcName of [...new Set(privateRules.map((r) => r.service))])
        targetGroups[svcName] = createTargetGroup(part, args.vpcId, `${svcName}-internal`, plan.services[svcName], "internal");
    const listener = new aws.lb.Listener(
        `${name}-internal-https`,
        {
            loadBalancerArn: alb.arn,
            port: 443,
            protocol: "HTTPS",
            sslPolicy: ALB_TLS_POLICY,
            certificateArn: args.certificateArn,
            defaultActions: [fixed("404", "Not Found")],
            ...albResponseHeaders(plan),
            tags,
        },
        opt,
    );
    const ready: pulumi.Resource[] = [listener];
    for (const r of privateRules) {
        ready.push(
            new aws.lb.ListenerRule(
                `${name}-internal-${r.service}-${r.priority}`,
                {
                    listenerArn: listener.arn,
                    priority: r.priority,
                    actions: [{ type: "forward", targetGroupArn: targetGroups[r.service].arn }],
                    conditions: [{ pathPattern: { values: r.pathPatterns } }, { sourceIp: { values: r.allowCidrs! } }],
                    tags: { ...tags, service: r.service, access: "private-networks-only" },
                },
                opt,
            ),
        );
    }
    return { alb, targetGroups, ready };
}

/** The role ECS assumes to shift traffic, and the attachment that makes it usable. */
export interface TrafficShiftRole {
    roleArn: pulumi.Output<string>;
    ready: pulumi.Resource;
}

/** The role ECS assumes to register tasks in the alternate target groups and shift the rules' weights (blue/green, canary). */
export function createTrafficShiftRole(part: EdgePart, place: AwsPlace): TrafficShiftRole {
    const { name, plan, tags } = part;
    const opt = { parent: part.parent };
    const role = new aws.iam.Role(
        `${name}-traffic-shift`,
        {
            namePrefix: awsNamePrefix("iamRole", [plan.name, "ecs-traffic-shift"]),
            description: `ECS blue/green and canary deployments of ${plan.name}: target groups and listener rules`,
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
    return { roleArn: role.arn, ready: attachment };
}

/**
 * Where each routed service attaches, by spec name: its target group on the internet-facing load
 * balancer (with the alternate group, rule and role for blue/green and canary, and its internal
 * target group too where it has private routes), or — routed for private networks only — on the
 * internal load balancer alone. Every service waits for `ready`.
 */
export function serviceTargets(
    lb: PublicLoadBalancer,
    internal: InternalLoadBalancer | undefined,
    trafficShift: TrafficShiftRole | undefined,
    ready: pulumi.Resource[],
): Record<string, AwsServiceLoadBalancer> {
    const internalTargets = internal?.targetGroups ?? {};
    const targets = Object.fromEntries(
        Object.entries(lb.targetGroups).map(([k, tg]): [string, AwsServiceLoadBalancer] => {
            const alternate = lb.alternates[k];
            const test = lb.tests[k];
            const shift =
                alternate && trafficShift
                    ? {
                          alternateTargetGroupArn: alternate.arn,
                          alternateTargetGroupArnSuffix: alternate.arnSuffix,
                          productionListenerRuleArn: lb.productionRules[k].arn,
                          roleArn: trafficShift.roleArn,
                          ...(test ? { testListenerRuleArn: test.rule.arn, testListenerPort: test.port } : {}),
                      }
                    : undefined;
            const extra = internalTargets[k] ? { additionalTargetGroupArns: [internalTargets[k].arn] } : {};
            return [
                k,
                {
                    targetGroupArn: tg.arn,
                    targetGroupArnSuffix: tg.arnSuffix,
                    loadBalancerArnSuffix: lb.alb.arnSuffix,
                    ready,
                    ...extra,
                    ...(shift ? { trafficShift: shift } : {}),
                },
            ];
        }),
    );
    for (const [k, tg] of Object.entries(internalTargets)) {
        if (!targets[k])
            targets[k] = {
                targetGroupArn: tg.arn,
                targetGroupArnSuffix: tg.arnSuffix,
                loadBalancerArnSuffix: internal!.alb.arnSuffix,
                ready,
            };
    }
    return targets;
}
