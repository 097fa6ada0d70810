/**
 * CloudFront in front of the load balancer, when the spec asks for a CDN: HTTPS to viewers and to
 * the origin (`origin.<domain>`), the spec's security headers with HSTS, its own web ACL (waf.ts),
 * access logs, a secret origin header so only CloudFront reaches the load balancer, and the static
 * buckets served straight from S3.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { SystemPlan } from "../../../plan";
import { resourceName } from "../../shared/naming";
import type { AwsBucket } from "../object-store";
import { ORIGIN_SECRET_HEADER } from "./load-balancer";
import type { EdgePart } from "./part";

/** Oldest TLS version CloudFront accepts from viewers. */
export const CLOUDFRONT_MIN_TLS = "TLSv1.2_2021";
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

/**
 * Routed paths that serve a `static` bucket through the application (a route claims the bucket's
 * path, e.g. MDC's `/static` on Django): CloudFront caches them with CachingOptimized instead of
 * sending every asset request to the load balancer and the tasks.
 */
export function cachedStaticPaths(plan: Pick<SystemPlan, "datastores" | "routes">): string[] {
    const statics = new Set(
        Object.values(plan.datastores)
            .filter((d) => d.kind === "bucket" && d.spec.purpose === "static")
            .map((d) => `/${d.name}`),
    );
    return plan.routes.map((r) => r.path.replace(/\/+$/, "")).filter((p) => statics.has(p));
}

/** CloudFront response-headers policy content: the spec's security headers (known ones typed, the rest custom) and HSTS. */
export function cloudFrontHeaders(
    plan: Pick<SystemPlan, "edge">,
): Pick<aws.cloudfront.ResponseHeadersPolicyArgs, "securityHeadersConfig" | "customHeadersConfig"> {
    const security: aws.types.input.cloudfront.ResponseHeadersPolicySecurityHeadersConfig = {};
    const custom: { header: string; value: string; override: boolean }[] = [];
    for (const [header, value] of Object.entries(plan.edge.securityHeaders)) {
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
    if (plan.edge.hstsMaxAgeSeconds > 0) {
        security.strictTransportSecurity = {
            accessControlMaxAgeSec: plan.edge.hstsMaxAgeSeconds,
            includeSubdomains: true,
            preload: false,
            override: true,
        };
    }
    return { securityHeadersConfig: security, ...(custom.length ? { customHeadersConfig: { items: custom } } : {}) };
}

/** The secret CloudFront sends to the origin in {@link ORIGIN_SECRET_HEADER}, and the load balancer requires (40 letters and digits). */
export function createOriginSecret(part: EdgePart): pulumi.Output<string> {
    return pulumi.secret(
        new random.RandomPassword(`${part.name}-origin-secret`, { length: 40, special: false }, { parent: part.parent }).result,
    );
}

/** What the distribution serves with. */
export interface DistributionArgs {
    /** Its viewer certificate, in us-east-1 (certificate.ts). */
    certificateArn: pulumi.Input<string>;
    /** Its web ACL, in us-east-1 (waf.ts). */
    webAclArn: pulumi.Input<string>;
    /** The origin secret ({@link createOriginSecret}). */
    originSecret: pulumi.Input<string>;
    /** The access-log bucket (logs.ts): CloudFront's logs go under `cloudfront/`. */
    logs: AwsBucket;
    /** Buckets served straight from S3 by name (the AwsEdge argument `staticOrigins`). */
    staticOrigins: Record<string, { domainName: pulumi.Input<string>; originAccessControlId: pulumi.Input<string> }>;
}

/**
 * The distribution at `edge.domain`: the load balancer (`origin.<domain>`) as its default origin,
 * uncached with every viewer header forwarded; the application's static paths and the static
 * buckets cached (CachingOptimized); the security-headers policy on every behaviour.
 */
export function createDistribution(part: EdgePart, args: DistributionArgs): aws.cloudfront.Distribution {
    const { name, plan, tags } = part;
    const domain = plan.edge.domain!;
    const headers = new aws.cloudfront.ResponseHeadersPolicy(
        `${name}-headers`,
        {
            name: resourceName([plan.name, plan.environment, "security-headers"], 128),
            comment: `${plan.name} security headers`,
            ...cloudFrontHeaders(plan),
        },
        { parent: part.parent },
    );
    const statics = Object.entries(args.staticOrigins);
    return new aws.cloudfront.Distribution(
        `${name}-cdn`,
        {
            enabled: true,
            comment: `${plan.name} ${plan.environment}`,
            aliases: [domain],
            isIpv6Enabled: true,
            httpVersion: "http2and3",
            priceClass: "PriceClass_100",
            webAclId: args.webAclArn,
            origins: [
                {
                    originId: "alb",
                    domainName: `origin.${domain}`,
                    customOriginConfig: {
                        httpPort: 80,
                        httpsPort: 443,
                        originProtocolPolicy: "https-only",
                        originSslProtocols: ["TLSv1.2"],
                    },
                    customHeaders: [{ name: ORIGIN_SECRET_HEADER, value: args.originSecret }],
                },
                ...statics.map(([bucket, o]) => ({
                    originId: `s3-${bucket}`,
                    domainName: o.domainName,
                    originAccessControlId: o.originAccessControlId,
                })),
            ],
            orderedCacheBehaviors: [
                // Static paths the application serves: cached at the edge (CachingOptimized), the viewer's Host still forwarded.
                ...cachedStaticPaths(plan).map((p) => ({
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
                acmCertificateArn: args.certificateArn,
                sslSupportMethod: "sni-only",
                minimumProtocolVersion: CLOUDFRONT_MIN_TLS,
            },
            restrictions: { geoRestriction: { restrictionType: "none" } },
            loggingConfig: { bucket: args.logs.bucket.bucketDomainName, prefix: "cloudfront/", includeCookies: false },
            tags,
        },
        { parent: part.parent, dependsOn: [args.logs] },
    );
}
