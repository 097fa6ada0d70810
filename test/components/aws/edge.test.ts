import * as assert from "assert";
import type * as pulumi from "@pulumi/pulumi";
import { cdnServesBucket } from "../../../components/aws/object-store";
import { AwsEdge, edgeProblems } from "../../../components/aws/edge";
import { findHostedZone, hostedZoneCandidates } from "../../../components/aws/edge/dns";
import { ALB_TLS_POLICY, ORIGIN_SECRET_HEADER, routeRules } from "../../../components/aws/edge/load-balancer";
import { wafRateLimit } from "../../../components/aws/edge/waf";
import { planComponent, type Plan } from "../../harness";
import { formatProblems } from "../../../model";
import { planSystem } from "../../../plan";
import { AWS_CONFIG, loadSystem } from "./helpers";

const LISTENER = "aws:lb/listener:Listener";
const RULE = "aws:lb/listenerRule:ListenerRule";
const ACL = "aws:wafv2/webAcl:WebAcl";

/** Logical name → `ignoreChanges` of every resource the edge registered (the plan does not record options). */
type IgnoreChanges = Record<string, string[] | undefined>;

async function planEdge(
    preset: string,
    opts: { overrides?: Record<string, unknown>; certificateArn?: string; hostedZoneId?: string; ignoreChanges?: IgnoreChanges } = {},
): Promise<Plan> {
    const { system } = loadSystem(preset, { overrides: opts.overrides });
    const transformations = opts.ignoreChanges
        ? [(a: pulumi.ResourceTransformationArgs) => void (opts.ignoreChanges![a.name] = a.opts.ignoreChanges) as undefined]
        : [];
    return planComponent(() => {
        const edge = new AwsEdge(
            "edge",
            {
                plan: planSystem(system, "aws"),
                vpcId: "vpc-1",
                publicSubnetIds: ["subnet-a", "subnet-b", "subnet-c"],
                securityGroupId: "sg-alb",
                logsKmsKeyArn: "arn:aws:kms:us-east-1:123456789012:key/logs",
                certificateArn: opts.certificateArn,
                hostedZoneId: opts.hostedZoneId,
                // As the data tier gives them: the static buckets no route claims.
                staticOrigins: Object.fromEntries(
                    Object.values(system.buckets)
                        .filter((b) => cdnServesBucket(planSystem(system, "aws"), b))
                        .map((b) => [b.name, { domainName: `${b.name}.s3.us-east-1.amazonaws.com`, originAccessControlId: "oac-1" }]),
                ),
                region: "us-east-1",
            },
            { transformations },
        );
        return { publicUrl: edge.publicUrl, albDnsName: edge.albDnsName, targets: edge.targets };
    }, AWS_CONFIG);
}

/** Each listener rule as `priority service patterns [conditions]`. */
function rules(plan: Plan): string[] {
    return plan
        .ofType(RULE)
        .filter((r) => r.inputs.tags?.access !== "preview") // the test listeners' rules: the previews, asserted on their own
        .sort((a, b) => a.inputs.priority - b.inputs.priority)
        .map((r) => {
            // Mock ARNs end in the target group's logical name.
            const tg = String(r.inputs.actions[0].targetGroupArn).split("/").pop();
            const extra = r.inputs.conditions
                .filter((c: any) => !c.pathPattern)
                .map((c: any) => (c.sourceIp ? `ip=${c.sourceIp.values.join(",")}` : `header=${c.httpHeader.httpHeaderName}`));
            return [r.inputs.priority, tg, r.inputs.conditions.find((c: any) => c.pathPattern).pathPattern.values.join(","), ...extra].join(
                " ",
            );
        });
}

describe("aws edge", function () {
    let mdc: Plan;
    let auro: Plan;
    const auroIgnored: IgnoreChanges = {};
    before(async () => {
        mdc = await planEdge("mdc-tts");
        auro = await planEdge("auromart", { ignoreChanges: auroIgnored });
    });

    it("terminates TLS 1.2+ on an internet-facing ALB that drops invalid headers, logs and is deletion-protected in prod", () => {
        const alb = mdc.one("aws:lb/loadBalancer:LoadBalancer", "edge-alb");
        assert.strictEqual(alb.inputs.internal, false);
        assert.strictEqual(alb.inputs.dropInvalidHeaderFields, true);
        assert.strictEqual(alb.inputs.enableDeletionProtection, true);
        assert.deepStrictEqual(alb.inputs.subnets, ["subnet-a", "subnet-b", "subnet-c"]);
        assert.deepStrictEqual(alb.inputs.accessLogs, { bucket: "edge-logs-abc123", prefix: "alb", enabled: true });
        const https = mdc.one(LISTENER, "edge-https");
        assert.strictEqual(https.inputs.protocol, "HTTPS");
        assert.strictEqual(https.inputs.sslPolicy, ALB_TLS_POLICY);
        // The validated certificate (CertificateValidation's output), so the listener waits for validation.
        assert.strictEqual(https.inputs.certificateArn, "arn:aws:acm:us-east-1:123456789012:certificate/edge-alb");
        assert.ok(
            https.dependencies.some((u) => u.endsWith("CertificateValidation::edge-alb")),
            "listener waits for certificate validation",
        );
        assert.strictEqual(https.inputs.routingHttpResponseStrictTransportSecurityHeaderValue, "max-age=31536000; includeSubDomains");
        assert.strictEqual(https.inputs.routingHttpResponseXFrameOptionsHeaderValue, "DENY");
    });

    it("answers HTTP only with a permanent redirect to HTTPS", () => {
        for (const plan of [mdc, auro]) {
            const http = plan.one(LISTENER, "edge-http");
            assert.strictEqual(http.inputs.port, 80);
            assert.deepStrictEqual(http.inputs.defaultActions, [
                { type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } },
            ]);
        }
    });

    it("validates the certificate (domain and origin name) through Route 53 and points the domain at CloudFront", () => {
        const cert = mdc.one("aws:acm/certificate:Certificate", "edge-alb");
        assert.strictEqual(cert.inputs.domainName, "api.mdc-tts.example.com");
        assert.deepStrictEqual(cert.inputs.subjectAlternativeNames, ["origin.api.mdc-tts.example.com"]);
        assert.strictEqual(cert.inputs.validationMethod, "DNS");
        const validations = mdc.ofType("aws:route53/record:Record").filter((r) => r.name.startsWith("edge-validation"));
        assert.deepStrictEqual(validations.map((r) => r.inputs.name).sort(), [
            "_x.api.mdc-tts.example.com.",
            "_x.origin.api.mdc-tts.example.com.",
        ]);
        for (const r of validations) assert.strictEqual(r.inputs.zoneId, "Z0MOCKZONE");
        const a = mdc.one("aws:route53/record:Record", "edge-domain-a");
        assert.deepStrictEqual([a.inputs.name, a.inputs.aliases[0].name], ["api.mdc-tts.example.com", "edge-cdn.cloudfront.net"]);
        const origin = mdc.one("aws:route53/record:Record", "edge-origin-a");
        assert.deepStrictEqual(
            [origin.inputs.name, origin.inputs.aliases[0].name],
            ["origin.api.mdc-tts.example.com", "edge-alb-123.us-east-1.elb.amazonaws.com"],
        );
        const auroA = auro.one("aws:route53/record:Record", "edge-domain-a");
        assert.strictEqual(auroA.inputs.aliases[0].name, "edge-alb-123.us-east-1.elb.amazonaws.com");
        // A given certificate is used as is.
        return planEdge("auromart", { certificateArn: "arn:aws:acm:us-east-1:1:certificate/given" }).then((p) => {
            assert.strictEqual(p.ofType("aws:acm/certificate:Certificate").length, 0);
            assert.strictEqual(p.one(LISTENER, "edge-https").inputs.certificateArn, "arn:aws:acm:us-east-1:1:certificate/given");
        });
    });

    it("names each target group after what replaces it: a new port (a replacement) gets a new name, a new health check (an update) keeps it", async () => {
        const tg = (p: Plan) => p.one("aws:lb/targetGroup:TargetGroup", "edge-web");
        const before = tg(auro);
        const moved = tg(await planEdge("auromart", { overrides: { services: { web: { port: 8080 } } } }));
        const probed = tg(await planEdge("auromart", { overrides: { services: { web: { health: { readiness: { path: "/ready" } } } } } }));
        assert.strictEqual(moved.inputs.port, 8080);
        assert.notStrictEqual(
            moved.inputs.name,
            before.inputs.name,
            "ELB refuses a replacement with the old group's name (it still exists until the new one is in use)",
        );
        assert.strictEqual(probed.inputs.healthCheck.path, "/ready");
        assert.strictEqual(probed.inputs.name, before.inputs.name, "an in-place update keeps the name");
        for (const t of [before, moved]) {
            assert.match(t.inputs.name, /^auromart-prod-web-[0-9a-f]{6}$/);
            assert.strictEqual(t.options.deleteBeforeReplace, false, "the new group exists before the old one goes");
        }
    });

    it("routes longest paths first, answers private-only paths 403, and checks the origin secret behind CloudFront", () => {
        // AuroMart's /admin (allowCidrs of private ranges) is refused outright: on an internet-facing load balancer no client has a private address.
        assert.deepStrictEqual(rules(auro), ["10 undefined /admin,/admin/*"]);
        assert.strictEqual(auro.ofType("aws:lb/listenerRule:ListenerRule")[0].inputs.actions[0].fixedResponse.statusCode, "403");
        assert.strictEqual(
            auro.ofType("aws:lb/targetGroup:TargetGroup").filter((t) => t.name === "edge-admin").length,
            0,
            "no target group for a service without a public route",
        );
        assert.strictEqual(auro.one(LISTENER, "edge-https").inputs.defaultActions[0].type, "forward");
        assert.strictEqual(
            auro.one(LISTENER, "edge-https").inputs.defaultActions[0].targetGroupArn,
            "arn:aws:lb:us-east-1:123456789012:targetgroup/edge-web",
        );
        assert.deepStrictEqual(rules(mdc), [
            `10 edge-backend /static,/static/* header=${ORIGIN_SECRET_HEADER}`,
            `20 edge-backend /media,/media/* header=${ORIGIN_SECRET_HEADER}`,
            `30 edge-backend /api,/api/* header=${ORIGIN_SECRET_HEADER}`,
            `40 edge-frontend /* header=${ORIGIN_SECRET_HEADER}`,
        ]);
        // Without the secret, the load balancer refuses: only CloudFront reaches the apps.
        assert.strictEqual(mdc.one(LISTENER, "edge-https").inputs.defaultActions[0].fixedResponse.statusCode, "403");
        const secret = mdc.ofType(RULE)[0].inputs.conditions.find((c: any) => c.httpHeader).httpHeader.values[0];
        const cdn = mdc.one("aws:cloudfront/distribution:Distribution", "edge-cdn");
        assert.deepStrictEqual(cdn.inputs.origins[0].customHeaders, [{ name: ORIGIN_SECRET_HEADER, value: secret }]);
        assert.ok(secret.length >= 32);
        assert.ok(mdc.ofType(RULE)[0].secretPaths.length > 0, "the origin secret stays a Pulumi secret");
    });

    it("health-checks each routed service's readiness path on its target group", () => {
        const tgs = mdc.ofType("aws:lb/targetGroup:TargetGroup");
        assert.deepStrictEqual(tgs.map((t) => t.name).sort(), ["edge-backend", "edge-frontend"]);
        const backend = mdc.one("aws:lb/targetGroup:TargetGroup", "edge-backend");
        assert.deepStrictEqual(
            [backend.inputs.targetType, backend.inputs.port, backend.inputs.healthCheck.path, backend.inputs.healthCheck.interval],
            ["ip", 8000, "/api/health", 5],
        );
        assert.strictEqual(mdc.one("aws:lb/targetGroup:TargetGroup", "edge-frontend").inputs.healthCheck.path, "/");
    });

    it("guards the ALB and CloudFront with WAF managed rules and a per-client rate limit, logged", () => {
        const regional = mdc.one(ACL, "edge-alb");
        assert.strictEqual(regional.inputs.scope, "REGIONAL");
        const names = regional.inputs.rules.map((r: any) => r.name);
        for (const g of ["AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet", "AWSManagedRulesAmazonIpReputationList"])
            assert.ok(names.includes(g), g);
        const cdnAcl = mdc.one(ACL, "edge-cdn");
        assert.deepStrictEqual([cdnAcl.inputs.scope, cdnAcl.inputs.region], ["CLOUDFRONT", "us-east-1"]);
        const rate = cdnAcl.inputs.rules.find((r: any) => r.statement.rateBasedStatement).statement.rateBasedStatement;
        assert.deepStrictEqual([rate.aggregateKeyType, rate.limit, rate.evaluationWindowSec], ["IP", 1000, 60]);
        // Behind CloudFront the ALB's rate rule keys on the forwarded client address.
        assert.strictEqual(
            regional.inputs.rules.find((r: any) => r.statement.rateBasedStatement).statement.rateBasedStatement.aggregateKeyType,
            "FORWARDED_IP",
        );
        const auroRate = auro.one(ACL, "edge-alb").inputs.rules.find((r: any) => r.statement.rateBasedStatement)
            .statement.rateBasedStatement;
        assert.deepStrictEqual([auroRate.aggregateKeyType, auroRate.limit, auroRate.evaluationWindowSec], ["IP", 600, 60]);
        const assoc = mdc.one("aws:wafv2/webAclAssociation:WebAclAssociation", "edge-alb");
        assert.deepStrictEqual(
            [assoc.inputs.resourceArn, assoc.inputs.webAclArn],
            ["arn:aws:lb:us-east-1:123456789012:loadbalancer/edge-alb", "arn:aws:wafv2:us-east-1:123456789012:webacl/edge-alb"],
        );
        for (const key of ["alb", "cdn"]) {
            const logging = mdc.one("aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration", `edge-${key}`);
            const group = mdc.one("aws:cloudwatch/logGroup:LogGroup", `edge-${key}-waf-logs`);
            assert.ok(group.inputs.name.startsWith("aws-waf-logs-"), group.inputs.name);
            assert.ok(logging.inputs.logDestinationConfigs[0].endsWith(`loggroup/${group.name}`), "logs go to the aws-waf-logs- group");
        }
    });

    it("puts CloudFront in front over HTTPS only, with TLS 1.2+, the seed's headers, HSTS, WAF and logs", () => {
        const cdn = mdc.one("aws:cloudfront/distribution:Distribution", "edge-cdn");
        const origin = cdn.inputs.origins[0];
        assert.strictEqual(origin.domainName, "origin.api.mdc-tts.example.com");
        assert.deepStrictEqual(
            [origin.customOriginConfig.originProtocolPolicy, origin.customOriginConfig.originSslProtocols],
            ["https-only", ["TLSv1.2"]],
        );
        assert.strictEqual(cdn.inputs.defaultCacheBehavior.viewerProtocolPolicy, "redirect-to-https");
        assert.strictEqual(cdn.inputs.viewerCertificate.minimumProtocolVersion, "TLSv1.2_2021");
        assert.strictEqual(cdn.inputs.viewerCertificate.sslSupportMethod, "sni-only");
        assert.strictEqual(mdc.one("aws:acm/certificate:Certificate", "edge-cdn").inputs.region, "us-east-1");
        assert.strictEqual(cdn.inputs.webAclId, "arn:aws:wafv2:us-east-1:123456789012:webacl/edge-cdn");
        assert.deepStrictEqual(cdn.inputs.aliases, ["api.mdc-tts.example.com"]);
        assert.strictEqual(cdn.inputs.loggingConfig.bucket, "edge-logs-abc123.s3.amazonaws.com");
        // The `static` bucket is claimed by the spec's /static route, so it is not served from S3.
        assert.strictEqual(cdn.inputs.origins.length, 1);
        const mdcSystem = loadSystem("mdc-tts").system;
        assert.strictEqual(cdnServesBucket(planSystem(mdcSystem, "aws"), mdcSystem.buckets.static), false);
        const headers = mdc.one("aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy", "edge-headers").inputs.securityHeadersConfig;
        assert.deepStrictEqual(headers.frameOptions, { frameOption: "DENY", override: true });
        assert.deepStrictEqual(headers.contentTypeOptions, { override: true });
        assert.deepStrictEqual(headers.xssProtection, { protection: true, modeBlock: true, override: true });
        assert.deepStrictEqual(headers.referrerPolicy, { referrerPolicy: "strict-origin-when-cross-origin", override: true });
        assert.deepStrictEqual(headers.strictTransportSecurity, {
            accessControlMaxAgeSec: 31536000,
            includeSubdomains: true,
            preload: false,
            override: true,
        });
        assert.strictEqual(cdn.inputs.defaultCacheBehavior.responseHeadersPolicyId, "edge-headers-id");
        // The application sees the viewer's Host (the domain its ALLOWED_HOSTS names), not origin.<domain>: managed policy AllViewer.
        assert.strictEqual(cdn.inputs.defaultCacheBehavior.originRequestPolicyId, "216adef6-5c7f-47e4-b989-5492eafa07d3");
        assert.ok(
            mdc.one("aws:acm/certificate:Certificate", "edge-alb").inputs.domainName === "api.mdc-tts.example.com",
            "the origin certificate covers the forwarded Host",
        );
        // Django's /static is cached at the edge (CachingOptimized), not fetched from the tasks on every request.
        assert.deepStrictEqual(
            cdn.inputs.orderedCacheBehaviors.map((b: any) => [b.pathPattern, b.targetOriginId, b.cachePolicyId, b.originRequestPolicyId]),
            [["/static/*", "alb", "658327ea-f89d-4fab-a63d-7e88639e58f6", "216adef6-5c7f-47e4-b989-5492eafa07d3"]],
        );
        assert.strictEqual(auro.ofType("aws:cloudfront/distribution:Distribution").length, 0);
    });

    it("keeps the access-log bucket private, encrypted, TLS-only and writable by ELB log delivery", () => {
        const block = mdc.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "edge-logs").inputs;
        assert.deepStrictEqual(
            [block.blockPublicAcls, block.blockPublicPolicy, block.ignorePublicAcls, block.restrictPublicBuckets],
            [true, true, true, true],
        );
        const sse = mdc.one("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "edge-logs").inputs;
        assert.strictEqual(sse.rules[0].applyServerSideEncryptionByDefault.sseAlgorithm, "AES256");
        const policy = JSON.parse(mdc.one("aws:s3/bucketPolicy:BucketPolicy", "edge-logs").inputs.policy);
        const sid = (s: string) => policy.Statement.find((x: any) => x.Sid === s);
        assert.deepStrictEqual(sid("DenyInsecureTransport").Condition, { Bool: { "aws:SecureTransport": "false" } });
        assert.strictEqual(sid("AlbLogDeliveryAccount").Principal.AWS, "arn:aws:iam::127311923021:root");
        assert.strictEqual(sid("AlbLogDeliveryAccount").Resource, "arn:aws:s3:::edge-logs-abc123/alb/AWSLogs/123456789012/*");
        // CloudFront's logs need ACLs; without a CDN they are off.
        assert.strictEqual(
            mdc.one("aws:s3/bucketOwnershipControls:BucketOwnershipControls", "edge-logs").inputs.rule.objectOwnership,
            "BucketOwnerPreferred",
        );
        assert.strictEqual(
            auro.one("aws:s3/bucketOwnershipControls:BucketOwnershipControls", "edge-logs").inputs.rule.objectOwnership,
            "BucketOwnerEnforced",
        );
        const bucket = mdc.one("aws:s3/bucket:Bucket", "edge-logs");
        assert.ok(bucket.protect && bucket.retainOnDelete, "prod log bucket is protected and retained");
    });

    it("serves a static bucket from S3 at /<bucket>/* when no route claims the path", async () => {
        const plan = await planEdge("mealkitz");
        const cdn = plan.one("aws:cloudfront/distribution:Distribution", "edge-cdn");
        assert.deepStrictEqual(cdn.inputs.origins[1], {
            originId: "s3-assets",
            domainName: "assets.s3.us-east-1.amazonaws.com",
            originAccessControlId: "oac-1",
        });
        assert.strictEqual(cdn.inputs.orderedCacheBehaviors[0].pathPattern, "/assets/*");
        assert.strictEqual(cdn.inputs.orderedCacheBehaviors[0].viewerProtocolPolicy, "redirect-to-https");
        // MealKitz has no `/` route: unmatched paths are refused.
        assert.deepStrictEqual(
            rules(plan).map((r) => r.split(" ")[0]),
            ["10", "20", "30", "40", "50"],
        );
    });

    it("gives blue/green and canary services an alternate target group and one weighted rule that ECS shifts", async () => {
        const ignored: IgnoreChanges = {};
        const hld = await planEdge("hld-platform", { ignoreChanges: ignored });
        const tgs = hld.ofType("aws:lb/targetGroup:TargetGroup");
        assert.deepStrictEqual(tgs.map((t) => `${t.name} ${t.inputs.tags.role}`).sort(), [
            "edge-api primary",
            "edge-api-alt alternate",
            "edge-web primary",
            "edge-web-alt alternate",
        ]);
        assert.deepStrictEqual(
            hld.one("aws:lb/targetGroup:TargetGroup", "edge-web-alt").inputs.healthCheck,
            hld.one("aws:lb/targetGroup:TargetGroup", "edge-web").inputs.healthCheck,
        );
        // The canary web app is the `/` route: without a CDN it still gets a rule of its own, and the default action refuses.
        const web = hld.one(RULE, "edge-web-20");
        assert.deepStrictEqual(web.inputs.conditions, [{ pathPattern: { values: ["/*"] } }]);
        assert.deepStrictEqual(web.inputs.actions, [
            {
                type: "forward",
                forward: {
                    targetGroups: [
                        { arn: "arn:aws:lb:us-east-1:123456789012:targetgroup/edge-web", weight: 100 },
                        { arn: "arn:aws:lb:us-east-1:123456789012:targetgroup/edge-web-alt", weight: 0 },
                    ],
                },
            },
        ]);
        assert.strictEqual(hld.one(LISTENER, "edge-https").inputs.defaultActions[0].fixedResponse.statusCode, "404");
        // ECS owns the weights after the first deployment; a rolling service's rule stays Pulumi's.
        assert.deepStrictEqual([ignored["edge-web-20"], ignored["edge-api-10"]], [["actions"], ["actions"]]);
        assert.strictEqual(auroIgnored["edge-admin-10"], undefined, "the 403 rule keeps no options");
        // The role ECS shifts with: AWS's documented trust policy (no source condition: ECS does not document sending one), AWS's policy for it.
        const role = hld.one("aws:iam/role:Role", "edge-traffic-shift");
        const trust = JSON.parse(role.inputs.assumeRolePolicy).Statement[0];
        assert.deepStrictEqual([trust.Principal, trust.Condition], [{ Service: "ecs.amazonaws.com" }, undefined]);
        assert.strictEqual(
            hld.one("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "edge-traffic-shift").inputs.policyArn,
            "arn:aws:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers",
        );
        const api = hld.outputs.targets.api.trafficShift;
        assert.deepStrictEqual(api, {
            alternateTargetGroupArn: "arn:aws:lb:us-east-1:123456789012:targetgroup/edge-api-alt",
            alternateTargetGroupArnSuffix: "targetgroup/edge-api-alt/abc",
            productionListenerRuleArn: "arn:aws:lb:us-east-1:123456789012:listenerrule/edge-api-10",
            roleArn: "arn:aws:iam::123456789012:role/edge-traffic-shift",
            testListenerRuleArn: "arn:aws:lb:us-east-1:123456789012:listenerrule/edge-api-test",
            testListenerPort: 8443,
        });
        // Each shifting service's preview: an HTTPS listener of its own (8443, 8444 by name), one `/*` rule on both target groups.
        assert.deepStrictEqual(
            hld
                .ofType(LISTENER)
                .filter((l) => l.inputs.tags.access === "preview")
                .map((l) => [
                    l.name,
                    l.inputs.port,
                    l.inputs.protocol,
                    l.inputs.sslPolicy,
                    l.inputs.defaultActions[0].fixedResponse.statusCode,
                ]),
            [
                ["edge-api-test", 8443, "HTTPS", "ELBSecurityPolicy-TLS13-1-2-2021-06", "404"],
                ["edge-web-test", 8444, "HTTPS", "ELBSecurityPolicy-TLS13-1-2-2021-06", "404"],
            ],
        );
        assert.deepStrictEqual(
            hld.one(RULE, "edge-web-test").inputs.actions,
            web.inputs.actions,
            "the test rule shifts the same two target groups",
        );
        assert.deepStrictEqual(ignored["edge-web-test"], ["actions"]);
        // AuroMart rolls everywhere: one target group per service, plain forwards, no role.
        assert.strictEqual(auro.ofType("aws:iam/role:Role").length, 0);
        assert.strictEqual(auro.outputs.targets.web.trafficShift, undefined);
    });

    it("refuses a blue/green service with two routes (ECS shifts one rule)", async () => {
        const routes = [
            { path: "/api", service: "api" },
            { path: "/v2", service: "api" },
            { path: "/", service: "web" },
        ];
        const { system } = loadSystem("hld-platform", { overrides: { edge: { routes } } });
        assert.match(
            formatProblems(edgeProblems(planSystem(system, "aws"))),
            /services\.api\.rollout\.strategy: is blueGreen.*gives it 2 \(\/api, \/v2\)/,
        );
    });

    it("derives rules, rate limits and zones correctly", () => {
        const { system } = loadSystem("mdc-tts");
        const r = routeRules(planSystem(system, "aws"));
        assert.strictEqual(r.defaultService, "frontend");
        assert.deepStrictEqual(
            r.rules.map((x) => x.path),
            ["/static", "/media", "/api"],
        );
        assert.deepStrictEqual(wafRateLimit(1200), { limit: 1200, evaluationWindowSec: 60 });
        assert.deepStrictEqual(wafRateLimit(3), { limit: 10, evaluationWindowSec: 60 });
        assert.deepStrictEqual(hostedZoneCandidates("a.b.example.com"), ["a.b.example.com", "b.example.com", "example.com"]);
        assert.deepStrictEqual(hostedZoneCandidates("example.com"), ["example.com"]);
    });

    it("finds the hosted zone by walking up the labels (a.b.example.com under example.com), or refuses naming tierform:hostedZoneId", async () => {
        const zones: Record<string, string> = { "example.com": "Z1EXAMPLE", "shop.example.org": "Z2SHOP" };
        const tried: string[] = [];
        const lookup = async (name: string) => {
            tried.push(name);
            if (!zones[name]) throw new Error(`no matching Route 53 Hosted Zone found for ${name}`);
            return { zoneId: zones[name] };
        };
        assert.strictEqual(await findHostedZone("a.b.example.com", lookup), "Z1EXAMPLE");
        assert.deepStrictEqual(tried, ["a.b.example.com", "b.example.com", "example.com"]);
        assert.strictEqual(await findHostedZone("shop.example.org", lookup), "Z2SHOP", "the domain can be its own zone");
        await assert.rejects(
            findHostedZone("app.nowhere.io", lookup),
            /no public Route 53 hosted zone for edge.domain 'app.nowhere.io' \(tried app.nowhere.io, nowhere.io\).*tierform:hostedZoneId/,
        );
    });

    it("uses tierform:hostedZoneId when given, for the certificate validation and the alias records", async () => {
        const p = await planEdge("mdc-tts", { hostedZoneId: "Z09GIVEN" });
        const records = p.ofType("aws:route53/record:Record");
        assert.ok(records.length > 0);
        for (const r of records) assert.strictEqual(r.inputs.zoneId, "Z09GIVEN", r.name);
    });

    it("refuses what the AWS edge cannot enforce", () => {
        const problems = (overrides: Record<string, unknown>) =>
            formatProblems(edgeProblems(planSystem(loadSystem("auromart", { overrides }).system, "aws")));
        assert.match(problems({ edge: { cdn: true } }), /allowCidrs/);
        assert.match(problems({ edge: { domain: null } }), /edge.domain/);
        assert.deepStrictEqual(edgeProblems(planSystem(loadSystem("auromart").system, "aws")), []);
    });
});
