/**
 * The five presets on the prod stack (AWS): the network, edge and app tiers each seed demands are
 * there and wired — replica ranges, autoscaling targets, routes, headers, private subnets without
 * public IPs, security-group flows, CloudFront where the spec asks for a CDN, and the outputs.
 */
import * as assert from "assert";
import { runPolicyReport } from "../../scripts/offline/policy-report";
import { awsWarnings } from "../../components/aws/system";
import { imageCachePrefix } from "../../components/aws/image-cache";
import { internetHttpsReason } from "../../components/aws/network/endpoints";
import { HEALTH_TOOLS_CONTAINER, VOLUME_PERMISSIONS_CONTAINER } from "../../components/aws/service";
import { ADOT_CONTAINER } from "../../components/aws/service/tracing";
import { imageOf } from "../../conventions/pins";
import { exportsTraces, planSystem } from "../../plan";
import { AWS_RULES } from "../../scripts/offline/engine-rules/aws";
import { loadStack, presetNames, type System } from "../../model";
import { runOffline, type PlannedResource } from "../../scripts/offline/engine";
import { planStack, stackConfig, type Plan } from "../harness";
import { securityGroupFlows, takesTags } from "../components/aws/helpers";

const plans: Record<string, Plan> = {};
async function plan(preset: string): Promise<Plan> {
    plans[preset] ??= await planStack({ stack: "prod", system: preset });
    return plans[preset];
}
const systemOf = (preset: string): System => loadStack(stackConfig({ stack: "prod", system: preset })).system;

const SERVICE = "aws:ecs/service:Service";
const TARGET = "aws:appautoscaling/target:Target";
const POLICY = "aws:appautoscaling/policy:Policy";
const CDN = "aws:cloudfront/distribution:Distribution";
/** The tiers a `tier` tag may name (components/shared/naming.ts). */
const TIERS = ["network", "edge", "service", "database", "cache", "queue", "bucket", "backup", "monitoring", "secrets"];
/** Components of this tiers; the data tier's resources are judged by its own tests. */
const MY_TIERS = /tierform:aws:(Network|Edge|Service|Secrets|Kms)\$|tierform:aws:System\$(aws:ecs|pulumi:providers)/;

/** Scaling policy targets of a service: `{cpu: 70, memory: 80, requests: 1000}`. */
function scaling(p: Plan, preset: string, service: string): Record<string, number> {
    return Object.fromEntries(
        p
            .ofType(POLICY)
            .filter((x) => x.name.startsWith(`${preset}-${service}-`))
            .map((x) => [x.name.slice(`${preset}-${service}-`.length), x.inputs.targetTrackingScalingPolicyConfiguration.targetValue]),
    );
}

describe("systems on AWS (prod stack)", function () {
    this.timeout(120000);

    for (const preset of presetNames()) {
        it(`${preset}: every service on Fargate in private subnets without public IPs, with the spec's replicas, and the outputs`, async () => {
            const p = await plan(preset);
            const system = systemOf(preset);
            const services = p.ofType(SERVICE);
            assert.deepStrictEqual(
                services.map((s) => s.name).sort(),
                Object.keys(system.services)
                    .map((n) => `${preset}-${n}-service`)
                    .sort(),
            );
            const privateSubnets = p
                .ofType("aws:ec2/subnet:Subnet")
                .filter((s) => s.inputs.tags["subnet-tier"] === "private" && s.name.startsWith(`${preset}-network`));
            assert.strictEqual(privateSubnets.length, 3, "three zones in prod");
            for (const s of services) {
                const net = s.inputs.networkConfiguration;
                assert.strictEqual(net.assignPublicIp, false, s.name);
                assert.deepStrictEqual(
                    net.subnets,
                    privateSubnets.map((x) => `${x.name}-id`),
                    `${s.name} runs in the private subnets`,
                );
                assert.deepStrictEqual(s.inputs.deploymentCircuitBreaker, { enable: true, rollback: true });
            }
            for (const svc of Object.values(system.services)) {
                const target = p.ofType(TARGET).find((t) => t.name === `${preset}-${svc.name}-scaling`);
                if (svc.replicas.max > svc.replicas.min) {
                    assert.deepStrictEqual(
                        [target?.inputs.minCapacity, target?.inputs.maxCapacity],
                        [svc.replicas.min, svc.replicas.max],
                        svc.name,
                    );
                } else {
                    assert.strictEqual(target, undefined, `${svc.name} has a fixed count`);
                    assert.strictEqual(p.one(SERVICE, `${preset}-${svc.name}-service`).inputs.desiredCount, svc.replicas.min);
                }
            }
            // Datastores admit only the services that use them, on the engine port.
            for (const flow of securityGroupFlows(p, `${preset}-network`).filter((f) => f.startsWith("in ds-"))) {
                const [, ds, , peer] = flow.split(" ");
                const user = peer.replace(/^svc-/, "");
                assert.ok(system.services[user]?.uses.includes(ds.replace(/^ds-/, "")), `${flow}: ${user} does not use it`);
            }
            const out = p.outputs;
            assert.strictEqual(out.publicUrl, `https://${system.edge.domain}`);
            assert.ok(out.platform.albDnsName.endsWith(".elb.amazonaws.com"));
            assert.strictEqual(out.platform.clusterName, `${preset}-prod`);
            assert.strictEqual(p.one("aws:ecs/cluster:Cluster", `${preset}-cluster`).inputs.settings[0].value, "enabled");
            assert.strictEqual(Boolean(out.platform.cloudFrontDomain), system.edge.cdn);
            assert.deepStrictEqual(Object.keys(out.services).sort(), Object.keys(system.services).sort());
            assert.deepStrictEqual(
                Object.keys(out.datastores).sort(),
                [
                    ...Object.keys(system.databases),
                    ...Object.keys(system.caches),
                    ...Object.keys(system.queues),
                    ...Object.keys(system.buckets),
                ].sort(),
            );
        });

        it(`${preset}: the edge routes the spec's paths, adds its headers, and CloudFront sits in front exactly when the spec asks`, async () => {
            const p = await plan(preset);
            const system = systemOf(preset);
            const patterns = p
                .ofType("aws:lb/listenerRule:ListenerRule")
                .flatMap((r) => r.inputs.conditions.filter((c: any) => c.pathPattern).flatMap((c: any) => c.pathPattern.values));
            for (const route of system.edge.routes.filter((r) => r.path !== "/"))
                assert.ok(patterns.includes(route.path) && patterns.includes(`${route.path}/*`), route.path);
            const https = p.one("aws:lb/listener:Listener", `${preset}-edge-https`).inputs;
            assert.strictEqual(https.sslPolicy, "ELBSecurityPolicy-TLS13-1-2-2021-06");
            assert.strictEqual(https.routingHttpResponseStrictTransportSecurityHeaderValue, "max-age=31536000; includeSubDomains");
            assert.strictEqual(p.one("aws:lb/listener:Listener", `${preset}-edge-http`).inputs.defaultActions[0].type, "redirect");
            assert.strictEqual(p.ofType(CDN).length, system.edge.cdn ? 1 : 0);
            if (system.edge.cdn) {
                const headers = p.one("aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy", `${preset}-edge-headers`).inputs
                    .securityHeadersConfig;
                assert.strictEqual(headers.frameOptions.frameOption, "DENY");
                assert.strictEqual(headers.strictTransportSecurity.accessControlMaxAgeSec, 31536000);
                assert.strictEqual(p.one(CDN, `${preset}-edge-cdn`).inputs.viewerCertificate.minimumProtocolVersion, "TLSv1.2_2021");
            }
            const rate = p.one("aws:wafv2/webAcl:WebAcl", system.edge.cdn ? `${preset}-edge-cdn` : `${preset}-edge-alb`).inputs.rules[0]
                .statement.rateBasedStatement;
            assert.deepStrictEqual(
                [rate.aggregateKeyType, rate.limit, rate.evaluationWindowSec],
                ["IP", system.edge.rateLimitPerMinute, 60],
            );
        });

        it(`${preset}: every AWS resource goes through the tagged provider; no mandatory policy violation in the network, edge and app tiers`, async () => {
            const p = await plan(preset);
            const provider = p.ofType("pulumi:providers:aws").find((x) => x.name === `${preset}-aws`)!;
            assert.deepStrictEqual(JSON.parse(provider.inputs.defaultTags), {
                tags: { system: preset, environment: "prod", "managed-by": "tierform" },
            });
            for (const r of p.resources.filter((x) => x.custom && x.type.startsWith("aws:"))) {
                assert.ok(r.provider?.includes("pulumi:providers:aws"), `${r.type} ${r.name} uses the explicit provider`);
            }
            const mine = runPolicyReport(p.run, "prod").violations.filter(
                (v) => v.level === "mandatory" && (!v.urn || MY_TIERS.test(v.urn)),
            );
            assert.deepStrictEqual(
                mine.map((v) => `${v.policy}: ${v.message}`),
                [],
            );
        });
    }

    for (const preset of presetNames()) {
        it(`${preset}: every taggable AWS resource carries system, environment, managed-by (provider default tags) and its own tier tag`, async () => {
            const p = await plan(preset);
            const providers = p.ofType("pulumi:providers:aws");
            assert.ok(providers.length >= 1);
            for (const provider of providers) {
                assert.deepStrictEqual(
                    JSON.parse(provider.inputs.defaultTags),
                    { tags: { system: preset, environment: "prod", "managed-by": "tierform" } },
                    provider.name,
                );
            }
            const resources = p.resources.filter((r) => r.custom && r.type.startsWith("aws:"));
            const taggable = resources.filter((r) => takesTags(r.type));
            assert.ok(taggable.length > 50 && taggable.length < resources.length, `${taggable.length} of ${resources.length} take tags`);
            const missing = taggable.filter((r) => !TIERS.includes(r.inputs.tags?.tier)).map((r) => `${r.type} ${r.name}`);
            assert.deepStrictEqual(missing, []);
            for (const r of taggable)
                assert.ok(
                    r.provider && providers.some((x) => r.provider!.startsWith(`${x.urn}::`)),
                    `${r.name} is tagged by a provider's defaults`,
                );
        });
    }

    it("blue/green and canary services deploy with ECS's own strategies on the edge's alternate target group and rule", async () => {
        const cases = [
            ["asset-management", "api", "BLUE_GREEN"],
            ["asset-management", "frontend", "CANARY"],
            ["hld-platform", "api", "BLUE_GREEN"],
            ["hld-platform", "web", "CANARY"],
            ["mealkitz", "payment", "BLUE_GREEN"],
            ["mealkitz", "order", "CANARY"],
        ];
        for (const [preset, service, strategy] of cases) {
            const p = await plan(preset);
            const svc = p.one(SERVICE, `${preset}-${service}-service`);
            assert.strictEqual(svc.inputs.deploymentConfiguration.strategy, strategy, `${preset} ${service}`);
            const advanced = svc.inputs.loadBalancers[0].advancedConfiguration;
            const rule = p
                .ofType("aws:lb/listenerRule:ListenerRule")
                .find((r) =>
                    r.inputs.actions[0].forward?.targetGroups.some((t: any) => t.arn === svc.inputs.loadBalancers[0].targetGroupArn),
                )!;
            assert.ok(rule, `${preset} ${service}: a weighted rule forwards to its target group`);
            assert.strictEqual(advanced.productionListenerRule, `arn:aws:lb:us-east-1:123456789012:listenerrule/${rule.name}`);
            assert.deepStrictEqual(
                rule.inputs.actions[0].forward.targetGroups.map((t: any) => [t.arn, t.weight]),
                [
                    [svc.inputs.loadBalancers[0].targetGroupArn, 100],
                    [advanced.alternateTargetGroupArn, 0],
                ],
            );
            assert.ok(
                svc.dependencies.some((u) => u.endsWith(`RolePolicyAttachment::${preset}-edge-traffic-shift`)),
                "the service waits for the role's policy",
            );
            assert.ok(
                p
                    .ofType("aws:cloudwatch/metricAlarm:MetricAlarm")
                    .some((a) => a.name === `${preset}-${service}-alternate-unhealthy-targets`),
            );
        }
        // Rolling services keep ECS's default strategy.
        assert.strictEqual((await plan("mdc-tts")).one(SERVICE, "mdc-tts-backend-service").inputs.deploymentConfiguration, undefined);
        assert.strictEqual((await plan("mealkitz")).one(SERVICE, "mealkitz-user-service").inputs.deploymentConfiguration, undefined);
    });

    it("day two: after ECS swaps a blue/green or canary service's target groups and rule weights, the next update changes nothing ECS owns", async () => {
        /** `value` without what the ignoreChanges paths under it name (`loadBalancers[0].targetGroupArn` → [0].targetGroupArn). */
        const without = (value: any, paths: string[][]): any => {
            if (value === null || typeof value !== "object") return value;
            const copy: any = Array.isArray(value) ? [...value] : { ...value };
            for (const [head, ...rest] of paths) {
                if (!(head in copy)) continue;
                if (rest.length === 0) delete copy[head];
                else copy[head] = without(copy[head], [rest]);
            }
            return copy;
        };
        const parts = (path: string) => path.replace(/\[(\d+)\]/g, ".$1").split(".");
        /** Top-level inputs where ECS's state differs from the program's beyond its ignoreChanges paths: what the next `up` would revert. */
        const reverted = (r: PlannedResource, state: Record<string, any>) =>
            Object.keys(state).filter((k) => {
                const under = r.options.ignoreChanges.map(parts).filter(([head]) => head === k);
                if (under.some((p) => p.length === 1)) return false;
                const rest = under.map((p) => p.slice(1));
                return JSON.stringify(without(state[k], rest)) !== JSON.stringify(without(r.inputs[k], rest));
            });
        for (const [preset, service] of [
            ["asset-management", "api"],
            ["asset-management", "frontend"],
            ["hld-platform", "api"],
            ["hld-platform", "web"],
            ["mealkitz", "payment"],
            ["mealkitz", "order"],
        ]) {
            const p = await plan(preset);
            const svc = p.one(SERVICE, `${preset}-${service}-service`);
            const [lb] = svc.inputs.loadBalancers;
            const primary = lb.targetGroupArn;
            const alternate = lb.advancedConfiguration.alternateTargetGroupArn;
            const rule = p
                .ofType("aws:lb/listenerRule:ListenerRule")
                .find(
                    (r) => `arn:aws:lb:us-east-1:123456789012:listenerrule/${r.name}` === lb.advancedConfiguration.productionListenerRule,
                )!;
            // What ECS leaves after one successful deployment: the groups swapped on the service, all weight on the other group, a scaled count.
            const serviceAfter = {
                ...svc.inputs,
                loadBalancers: [
                    {
                        ...lb,
                        targetGroupArn: alternate,
                        advancedConfiguration: { ...lb.advancedConfiguration, alternateTargetGroupArn: primary },
                    },
                ],
                desiredCount: (svc.inputs.desiredCount ?? 2) + 3,
            };
            const ruleAfter = {
                ...rule.inputs,
                actions: [
                    {
                        type: "forward",
                        forward: {
                            targetGroups: [
                                { arn: primary, weight: 0 },
                                { arn: alternate, weight: 100 },
                            ],
                        },
                    },
                ],
            };
            assert.deepStrictEqual(reverted(svc, serviceAfter), [], `${preset} ${service}: the service`);
            // What the program adds later still reaches the service: a test listener rule it did not have.
            const withoutTestRule = {
                ...serviceAfter,
                loadBalancers: [
                    { ...serviceAfter.loadBalancers[0], advancedConfiguration: { ...serviceAfter.loadBalancers[0].advancedConfiguration } },
                ],
            };
            delete withoutTestRule.loadBalancers[0].advancedConfiguration.testListenerRule;
            assert.deepStrictEqual(
                reverted(svc, withoutTestRule),
                ["loadBalancers"],
                `${preset} ${service}: the test listener rule is applied`,
            );
            assert.deepStrictEqual(reverted(rule, ruleAfter), [], `${preset} ${service}: the production listener rule`);
        }
    });

    it("MealKitz: CloudFront reads the static-assets bucket through a key and a bucket policy that name its distribution", async () => {
        const [preset, bucket] = ["mealkitz", "assets"];
        const p = await plan(preset);
        const distribution = p.one(CDN, `${preset}-edge-cdn`);
        const arn = `arn:aws:cloudfront::123456789012:distribution/${distribution.name}`;
        const key = p.one("aws:kms/key:Key", `${preset}-static-assets`);
        const decrypt = JSON.parse(key.inputs.policy).Statement.find((s: any) => s.Principal?.Service === "cloudfront.amazonaws.com");
        assert.deepStrictEqual(decrypt.Condition, { StringEquals: { "AWS:SourceArn": [arn] } }, preset);
        assert.ok(key.dependencies.includes(distribution.urn), "the key's policy waits for the distribution");
        const read = JSON.parse(p.one("aws:s3/bucketPolicy:BucketPolicy", `${preset}-${bucket}`).inputs.policy).Statement.find(
            (s: any) => s.Principal?.Service === "cloudfront.amazonaws.com",
        );
        assert.deepStrictEqual(read.Condition, { StringEquals: { "AWS:SourceArn": arn } });
        const sse = p.one("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", `${preset}-${bucket}`)
            .inputs.rules[0];
        assert.strictEqual(sse.applyServerSideEncryptionByDefault.kmsMasterKeyId, `arn:aws:kms:us-east-1:123456789012:key/${key.name}`);
        assert.ok(!p.one("aws:kms/key:Key", `${preset}-data`).inputs.policy.includes("cloudfront"), "no CloudFront on the data key");
    });

    it("MDC: the Celery worker's container health check runs the spec's command", async () => {
        const p = await plan("mdc-tts");
        const worker = JSON.parse(p.one("aws:ecs/taskDefinition:TaskDefinition", "mdc-tts-worker-task").inputs.containerDefinitions)[0];
        assert.deepStrictEqual(worker.healthCheck.command, ["CMD", ...systemOf("mdc-tts").services.worker.health.command!]);
    });

    it("MDC and Asset Management scale their web tiers 2-10 at CPU 70 %, memory 80 %, 1000 requests per minute", async () => {
        for (const [preset, services] of [
            ["mdc-tts", ["backend", "frontend"]],
            ["asset-management", ["api", "frontend"]],
        ] as const) {
            const p = await plan(preset);
            for (const svc of services) {
                assert.deepStrictEqual(scaling(p, preset, svc), { cpu: 70, memory: 80, requests: 1000 }, `${preset} ${svc}`);
                const t = p.one(TARGET, `${preset}-${svc}-scaling`).inputs;
                assert.deepStrictEqual([t.minCapacity, t.maxCapacity], [2, 10]);
                const svcInputs = p.one(SERVICE, `${preset}-${svc}-service`).inputs;
                assert.strictEqual(svcInputs.deploymentMinimumHealthyPercent, 100, "maxUnavailable 0");
            }
        }
        const mdc = await plan("mdc-tts");
        // Celery beat never runs twice.
        const beat = mdc.one(SERVICE, "mdc-tts-beat-service").inputs;
        assert.deepStrictEqual([beat.desiredCount, beat.deploymentMinimumHealthyPercent, beat.deploymentMaximumPercent], [1, 0, 100]);
    });

    it("Asset Management: apps in private subnets, datastores in isolated ones, WAF and CDN in front", async () => {
        const p = await plan("asset-management");
        const isolated = p
            .ofType("aws:ec2/routeTable:RouteTable")
            .filter((t) => t.inputs.tags["subnet-tier"] === "isolated" && t.name.startsWith("asset-management-network"));
        assert.deepStrictEqual(
            isolated.map((t) => t.inputs.routes),
            [[]],
        );
        const flows = securityGroupFlows(p, "asset-management-network");
        assert.ok(flows.includes("in ds-db tcp/5432 svc-api") && flows.includes("in ds-cache tcp/6379 svc-api"));
        assert.ok(!flows.some((f) => f.includes("svc-frontend") && f.includes("ds-")), "the frontend reaches no datastore");
        assert.ok(p.one(CDN, "asset-management-edge-cdn").inputs.webAclId.includes("webacl/asset-management-edge-cdn"));
        // Container credentials for the database come from Secrets Manager.
        const api = JSON.parse(p.one("aws:ecs/taskDefinition:TaskDefinition", "asset-management-api-task").inputs.containerDefinitions)[0];
        assert.ok(api.secrets.some((s: any) => s.name === "DATABASE_URL" && s.valueFrom.startsWith("arn:aws:secretsmanager")));
        assert.ok(!api.environment.some((e: any) => e.name === "DATABASE_URL"));
    });

    it("refuses what AWS cannot build before registering anything, every problem at once, without a stack trace", async () => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const program = require("../../index");
        const overrides = {
            edge: {
                tls: false,
                waf: false,
                routes: [
                    { path: "/api", service: "api" },
                    { path: "/v2", service: "api" },
                    { path: "/", service: "frontend" },
                ],
            },
        };
        let error: (Error & { registered?: PlannedResource[] }) | undefined;
        try {
            await runOffline({ program, config: stackConfig({ stack: "prod", system: "asset-management", overrides }), stack: "prod" });
        } catch (err) {
            error = err as Error & { registered?: PlannedResource[] };
        }
        assert.ok(error, "the run must fail");
        assert.strictEqual(error.constructor.name, "RunError", "Pulumi prints a RunError without a stack trace");
        const lines = error.message.split("\n");
        assert.strictEqual(lines[0], "tierform: asset-management cannot be built on AWS (3 problems):", error.message);
        assert.match(lines[1], /^ {2}- edge\.tls: is false, but the AWS platform serves HTTPS only/);
        assert.match(lines[2], /^ {2}- edge\.waf: is false, but the AWS edge always has a web application firewall/);
        assert.match(lines[3], /^ {2}- services\.api\.rollout\.strategy: is blueGreen, .* gives it 2 \(\/api, \/v2\)/);
        assert.deepStrictEqual(
            error.registered?.map((r) => r.type).filter((t) => t !== "pulumi:pulumi:Stack"),
            [],
        );
    });

    it("AuroMart: the internet-facing load balancer answers /admin with an explicit 403 (private ranges never match there) instead of falling through to web", async () => {
        const p = await plan("auromart");
        const admin = p.ofType("aws:lb/listenerRule:ListenerRule").find((r) => r.name.startsWith("auromart-edge-admin"))!;
        assert.deepStrictEqual(admin.inputs.actions, [
            { type: "fixed-response", fixedResponse: { contentType: "text/plain", statusCode: "403", messageBody: "Forbidden" } },
        ]);
        assert.deepStrictEqual(admin.inputs.conditions, [{ pathPattern: { values: ["/admin", "/admin/*"] } }]);
        // No rule of the public load balancer forwards on a source-IP condition.
        const publicHttps = p.one("aws:lb/listener:Listener", "auromart-edge-https");
        const onPublic = p
            .ofType("aws:lb/listenerRule:ListenerRule")
            .filter((r) => r.inputs.listenerArn === `arn:aws:lb:us-east-1:123456789012:listener/${publicHttps.name}`);
        assert.ok(onPublic.length > 0 && !onPublic.some((r) => r.inputs.conditions.some((c: any) => c.sourceIp)));
        assert.doesNotMatch(
            awsWarnings(
                planSystem(systemOf("auromart"), "aws"),
                loadStack(stackConfig({ stack: "prod", system: "auromart" })).settings,
            ).join("\n"),
            /allowCidrs|unreachable|no entry/,
        );
    });

    it("AuroMart: the admin interface is served by an internal load balancer in the private subnets, reachable on 443 from the route's private ranges only", async () => {
        const p = await plan("auromart");
        const system = systemOf("auromart");
        const lbs = p.ofType("aws:lb/loadBalancer:LoadBalancer");
        const internal = lbs.find((l) => l.inputs.internal === true)!;
        assert.ok(internal, "an internal load balancer");
        assert.strictEqual(lbs.filter((l) => l.inputs.internal === false).length, 1, "and the internet-facing one");
        assert.ok(internal.inputs.name.length <= 32 && !internal.inputs.name.startsWith("internal-"), internal.inputs.name);
        const privateSubnets = p
            .ofType("aws:ec2/subnet:Subnet")
            .filter((x) => x.inputs.tags["subnet-tier"] === "private")
            .map((x) => `${x.name}-id`);
        assert.deepStrictEqual([...internal.inputs.subnets].sort(), privateSubnets.sort());
        // Its security group: 443 from exactly the spec's allowCidrs; out only to the admin service's port.
        const [sg] = internal.inputs.securityGroups;
        const inRules = p
            .ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
            .filter((r) => r.inputs.securityGroupId === sg);
        assert.deepStrictEqual(inRules.map((r) => [r.inputs.cidrIpv4, r.inputs.fromPort, r.inputs.toPort]).sort(), [
            ["10.0.0.0/8", 443, 443],
            ["192.168.0.0/16", 443, 443],
        ]);
        const outRules = p.ofType("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule").filter((r) => r.inputs.securityGroupId === sg);
        assert.deepStrictEqual(
            outRules.map((r) => [r.inputs.referencedSecurityGroupId, r.inputs.fromPort]),
            [["auromart-network-svc-admin-id", 8000]],
        );
        assert.ok(
            p
                .ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
                .some(
                    (r) =>
                        r.inputs.securityGroupId === "auromart-network-svc-admin-id" &&
                        r.inputs.referencedSecurityGroupId === sg &&
                        r.inputs.fromPort === 8000,
                ),
        );
        // HTTPS only, /admin forwarded to the admin service's own target group, with the route's source ranges.
        const listener = p
            .ofType("aws:lb/listener:Listener")
            .find((l) => l.inputs.loadBalancerArn === `arn:aws:lb:us-east-1:123456789012:loadbalancer/${internal.name}`)!;
        assert.deepStrictEqual(
            [listener.inputs.protocol, listener.inputs.port, listener.inputs.sslPolicy],
            ["HTTPS", 443, "ELBSecurityPolicy-TLS13-1-2-2021-06"],
        );
        const rule = p
            .ofType("aws:lb/listenerRule:ListenerRule")
            .find((r) => r.inputs.listenerArn === `arn:aws:lb:us-east-1:123456789012:listener/${listener.name}`)!;
        assert.deepStrictEqual(rule.inputs.conditions, [
            { pathPattern: { values: ["/admin", "/admin/*"] } },
            { sourceIp: { values: system.edge.routes.find((r) => r.path === "/admin")!.allowCidrs } },
        ]);
        const admin = p.one(SERVICE, "auromart-admin-service");
        assert.deepStrictEqual(
            admin.inputs.loadBalancers.map((l: any) => l.targetGroupArn),
            [rule.inputs.actions[0].targetGroupArn],
        );
        assert.ok(admin.dependencies.includes(rule.urn), "the service attaches once the rule uses its target group");
        // Its name in DNS and the outputs.
        const record = p.ofType("aws:route53/record:Record").find((r) => r.inputs.name === "internal.auromart.example.com")!;
        assert.strictEqual(record.inputs.aliases[0].name, `${internal.name}-123.us-east-1.elb.amazonaws.com`);
        assert.strictEqual(p.outputs.platform.internalAlbDnsName, `${internal.name}-123.us-east-1.elb.amazonaws.com`);
        assert.strictEqual(p.outputs.services.admin, "https://internal.auromart.example.com/admin");
        assert.strictEqual(p.outputs.services.web, "https://auromart.example.com");
        // No other preset has routes for private networks, and none gets an internal load balancer.
        for (const other of ["mdc-tts", "mealkitz"])
            assert.ok(!(await plan(other)).ofType("aws:lb/loadBalancer:LoadBalancer").some((l) => l.inputs.internal));
    });

    describe("ECR Public images through the account's pull-through cache", () => {
        const ACCOUNT_REGISTRY = "123456789012.dkr.ecr.us-east-1.amazonaws.com";
        for (const preset of presetNames()) {
            it(`${preset}: every task pulls busybox and the trace collector from the cache's private path, with the pinned tag and digest, by a rule ECR accepts`, async () => {
                const p = await plan(preset);
                const system = systemOf(preset);
                const prefix = imageCachePrefix(system);
                const rules = p.ofType("aws:ecr/pullThroughCacheRule:PullThroughCacheRule");
                assert.deepStrictEqual(
                    rules.map((r) => [r.name, r.inputs.ecrRepositoryPrefix, r.inputs.upstreamRegistryUrl, r.inputs.credentialArn]),
                    [[`${preset}-ecr-public-cache`, prefix, "public.ecr.aws", undefined]],
                );
                const engineRule = AWS_RULES.find((r) => r.id === "aws-ecr-pull-through-cache-rule")!;
                assert.deepStrictEqual(engineRule.check(rules[0], undefined as never), []);
                const cached = (pin: "adotCollector" | "busybox") =>
                    `${ACCOUNT_REGISTRY}/${prefix}/${imageOf(pin).slice("public.ecr.aws/".length)}`;
                assert.match(cached("adotCollector"), /aws-otel-collector:v\d+\.\d+\.\d+@sha256:[0-9a-f]{64}$/);
                const traced = exportsTraces(system, "aws");
                for (const td of p.ofType("aws:ecs/taskDefinition:TaskDefinition")) {
                    const defs = JSON.parse(td.inputs.containerDefinitions);
                    for (const c of defs)
                        assert.ok(!c.image.startsWith("public.ecr.aws/"), `${td.name}/${c.name} pulls ${c.image} from ECR Public`);
                    const collector = defs.find((c: any) => c.name === ADOT_CONTAINER);
                    assert.strictEqual(collector?.image, traced ? cached("adotCollector") : undefined, td.name);
                    for (const step of defs.filter(
                        (c: any) => c.name === VOLUME_PERMISSIONS_CONTAINER || c.name === HEALTH_TOOLS_CONTAINER,
                    ))
                        assert.strictEqual(step.image, cached("busybox"), `${td.name}/${step.name}`);
                }
            });

            it(`${preset}: the execution roles may import through the cache into the prefix's repositories and nowhere else`, async () => {
                const p = await plan(preset);
                const prefix = imageCachePrefix(systemOf(preset));
                const IMPORT = ["ecr:BatchImportUpstreamImage", "ecr:CreateRepository"];
                const roles = p.ofType("aws:iam/rolePolicy:RolePolicy");
                const importing = roles.filter((r) => IMPORT.some((a) => r.inputs.policy.includes(a)));
                // Every service whose task pulls a cached image (all of them here: each has writable paths or traces).
                assert.deepStrictEqual(
                    importing.map((r) => r.name).sort(),
                    Object.keys(systemOf(preset).services)
                        .map((n) => `${preset}-${n}-execution`)
                        .sort(),
                );
                for (const r of importing) {
                    const statements = JSON.parse(r.inputs.policy).Statement;
                    const grants = statements.filter((st: any) => [st.Action].flat().some((a: string) => IMPORT.includes(a)));
                    assert.deepStrictEqual(
                        grants.map((st: any) => [st.Effect, st.Resource]),
                        [["Allow", `arn:aws:ecr:us-east-1:123456789012:repository/${prefix}/*`]],
                        r.name,
                    );
                    assert.deepStrictEqual(
                        [grants[0].Action]
                            .flat()
                            .filter((a: string) => IMPORT.includes(a))
                            .sort(),
                        IMPORT,
                    );
                }
            });
        }

        it("a task whose only reason for HTTPS out is a cached ECR Public image says so: the cache's first pull comes from ECR Public", () => {
            const system = loadStack(
                stackConfig({
                    stack: "prod",
                    system: "mdc-tts",
                    overrides: {
                        services: { frontend: { image: `${ACCOUNT_REGISTRY}/mdc/frontend:1.0.0`, writablePaths: [], healthTool: "wget" } },
                    },
                }),
            ).system;
            const frontend = planSystem(system, "aws").services.frontend;
            assert.strictEqual(internetHttpsReason(frontend, false, false, "us-east-1"), undefined, "all in ECR, untraced: endpoints only");
            assert.match(
                internetHttpsReason(frontend, false, true, "us-east-1")!,
                /aws-otel-collector.*pull-through cache, whose first pull/,
            );
        });
    });
});
