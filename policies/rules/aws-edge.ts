/**
 * The AWS edge: HTTPS listeners, ALB hardening and deletion protection, WAF managed rules and
 * rate limits, CloudFront TLS, security headers and WAF, target-group health checks.
 */
import { resourcePolicy, setting } from "./util";
import { WEB_ACL } from "./aws-shared";

const LISTENER = "aws:lb/listener:Listener";

const ALB = "aws:lb/loadBalancer:LoadBalancer";

const DISTRIBUTION = "aws:cloudfront/distribution:Distribution";

const listenerSchema = {
    properties: {
        sslPolicies: setting.strings(
            [
                "ELBSecurityPolicy-TLS13-1-2-2021-06",
                "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
                "ELBSecurityPolicy-TLS13-1-3-2021-06",
                "ELBSecurityPolicy-TLS-1-2-2017-01",
                "ELBSecurityPolicy-TLS-1-2-Ext-2018-06",
                "ELBSecurityPolicy-FS-1-2-Res-2020-10",
            ],
            "TLS policies allowed on HTTPS listeners (TLS 1.2 or later).",
        ),
    },
};

/** ALB listeners: HTTPS with a modern policy, HTTP only redirects. */
export const awsListenerHttps = resourcePolicy({
    name: "aws-alb-listener-https",
    description:
        "Load balancer listeners serve HTTPS with an ACM certificate and a TLS 1.2+ policy; an HTTP listener only redirects to HTTPS.",
    group: "security",
    platforms: ["aws"],
    checklist: ["mdc-ssl-certificates", "https-enforcement", "encryption-in-transit"],
    sources: ["Checkov CKV_AWS_2", "Checkov CKV_AWS_103", "Checkov CKV2_AWS_20"],
    types: [LISTENER],
    configSchema: listenerSchema,
    validate: (props, args, report, { sslPolicies }) => {
        const protocol = String(props.protocol ?? "HTTP").toUpperCase();
        if (protocol === "HTTPS" || protocol === "TLS") {
            if (!props.certificateArn) report("HTTPS listener has no certificateArn");
            if (!sslPolicies.includes(props.sslPolicy))
                report(
                    `sslPolicy '${props.sslPolicy ?? "(default ELBSecurityPolicy-2016-08, allows TLS 1.0)"}' is not one of the TLS 1.2+ policies`,
                );
        } else if (protocol === "HTTP") {
            const actions: any[] = props.defaultActions ?? [];
            const redirects =
                actions.length > 0 &&
                actions.every((a) => a.type === "redirect" && String(a.redirect?.protocol ?? "").toUpperCase() === "HTTPS");
            if (!redirects) report("HTTP listener does not redirect every request to HTTPS");
        } else report(`listener protocol ${protocol} is not HTTPS`);
    },
});

/** ALB hardening: drop invalid headers, access logs. */
export const awsAlbHardening = resourcePolicy({
    name: "aws-alb-hardening",
    description: "Application load balancers drop invalid HTTP header fields (request smuggling) and write access logs.",
    group: "security",
    platforms: ["aws"],
    checklist: ["mdc-monitoring-alerts"],
    sources: ["Checkov CKV_AWS_131", "Checkov CKV_AWS_91", "awsguard elb-access-logging-enabled"],
    types: [ALB],
    validate: (props, _args, report) => {
        if ((props.loadBalancerType ?? "application") !== "application") return;
        if (props.dropInvalidHeaderFields !== true) report("dropInvalidHeaderFields is not true");
        if (props.accessLogs?.enabled !== true) report("access logs are not enabled");
    },
});

/** ALB deletion protection. */
export const awsAlbDeletionProtection = resourcePolicy({
    name: "aws-alb-deletion-protection",
    description: "The load balancer has deletion protection on, so the public entry point cannot be deleted by accident.",
    group: "reliability",
    platforms: ["aws"],
    checklist: ["deletion-safety"],
    sources: ["Checkov CKV_AWS_150"],
    types: [ALB],
    validate: (props, _args, report) => {
        if (props.enableDeletionProtection !== true) report("enableDeletionProtection is not true");
    },
});

const wafSchema = {
    properties: {
        requiredManagedRuleGroups: setting.strings(
            ["AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet"],
            "AWS managed rule groups every web ACL must use.",
        ),
    },
};

const statementsOf = (props: any): any[] => (Array.isArray(props.rules) ? props.rules : []);

/** WAF managed rules. */
export const awsWafManagedRules = resourcePolicy({
    name: "aws-waf-managed-rules",
    description:
        "Every WAFv2 web ACL uses the AWS managed Common and KnownBadInputs rule groups (OWASP top 10, Log4j) and emits CloudWatch metrics.",
    group: "security",
    platforms: ["aws"],
    checklist: ["waf", "mdc-ddos-protection"],
    sources: ["Checkov CKV_AWS_192", "seed 003 WAF"],
    types: [WEB_ACL],
    configSchema: wafSchema,
    validate: (props, args, report, { requiredManagedRuleGroups }) => {
        const used = statementsOf(props)
            .map((r) => r.statement?.managedRuleGroupStatement?.name)
            .filter(Boolean);
        for (const g of requiredManagedRuleGroups) if (!used.includes(g)) report(`web ACL does not use ${g}`);
        if (props.visibilityConfig?.cloudwatchMetricsEnabled !== true) report("web ACL does not emit CloudWatch metrics");
    },
});

/** WAF rate rule. */
export const awsWafRateLimit = resourcePolicy({
    name: "aws-waf-rate-limit",
    description:
        "Every WAFv2 web ACL has a rate-based rule that blocks clients over the limit: the seeds' rate limiting and the application-layer part of DDoS protection (Shield Standard covers layers 3-4).",
    group: "security",
    platforms: ["aws"],
    checklist: ["mdc-rate-limiting", "mdc-ddos-protection", "waf"],
    sources: ["seed 001 checklist", "AWS WAF rate-based rules"],
    types: [WEB_ACL],
    validate: (props, _args, report) => {
        const rate = statementsOf(props).filter((r) => r.statement?.rateBasedStatement);
        if (rate.length === 0) report("web ACL has no rate-based rule");
        else if (!rate.some((r) => r.action?.block !== undefined || r.action?.captcha !== undefined || r.action?.challenge !== undefined))
            report("the rate-based rule only counts; it must block (or challenge)");
    },
});

/** CloudFront TLS. */
export const awsCloudfrontTls = resourcePolicy({
    name: "aws-cloudfront-tls",
    description:
        "CloudFront redirects or refuses HTTP, uses a custom certificate with TLS 1.2+ for viewers, and reaches custom origins over HTTPS only with TLS 1.2.",
    group: "security",
    platforms: ["aws"],
    checklist: ["mdc-ssl-certificates", "https-enforcement", "encryption-in-transit"],
    sources: ["Checkov CKV_AWS_34", "Checkov CKV_AWS_174"],
    types: [DISTRIBUTION],
    validate: (props, _args, report) => {
        const behaviors = [props.defaultCacheBehavior, ...(props.orderedCacheBehaviors ?? [])].filter(Boolean);
        for (const b of behaviors)
            if ((b.viewerProtocolPolicy ?? "allow-all") === "allow-all")
                report(`cache behavior ${b.pathPattern ?? "(default)"} allows plain HTTP`);
        const cert = props.viewerCertificate ?? {};
        if (cert.cloudfrontDefaultCertificate === true || !cert.acmCertificateArn)
            report("viewers get the default *.cloudfront.net certificate (no custom certificate, TLS 1.0 allowed)");
        else if (!/^TLSv1\.2_/.test(cert.minimumProtocolVersion ?? ""))
            report(`minimumProtocolVersion ${cert.minimumProtocolVersion ?? "(default TLSv1)"} is below TLSv1.2`);
        for (const o of props.origins ?? []) {
            const c = o.customOriginConfig;
            if (!c) continue;
            if (c.originProtocolPolicy !== "https-only") report(`origin ${o.originId} is reached over ${c.originProtocolPolicy}`);
            if ((c.originSslProtocols ?? []).some((p: string) => p !== "TLSv1.2"))
                report(`origin ${o.originId} allows ${c.originSslProtocols.join(", ")}`);
        }
    },
});

/** CloudFront adds security headers. */
export const awsCloudfrontHeaders = resourcePolicy({
    name: "aws-cloudfront-security-headers",
    description: "Every CloudFront cache behavior attaches a response headers policy (security headers).",
    group: "security",
    platforms: ["aws"],
    checklist: ["mdc-security-headers"],
    sources: ["Checkov CKV2_AWS_32"],
    types: [DISTRIBUTION],
    validate: (props, _args, report) => {
        for (const b of [props.defaultCacheBehavior, ...(props.orderedCacheBehaviors ?? [])].filter(Boolean)) {
            if (!b.responseHeadersPolicyId) report(`cache behavior ${b.pathPattern ?? "(default)"} has no responseHeadersPolicyId`);
        }
    },
});

/** The response headers policy sets the headers. */
export const awsResponseHeadersPolicy = resourcePolicy({
    name: "aws-response-headers-policy",
    description: "CloudFront response headers policies set Strict-Transport-Security, X-Frame-Options and X-Content-Type-Options.",
    group: "security",
    platforms: ["aws"],
    checklist: ["mdc-security-headers"],
    sources: ["seed 001 security headers", "OWASP Secure Headers"],
    types: ["aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy"],
    validate: (props, _args, report) => {
        const s = props.securityHeadersConfig ?? {};
        if (!s.strictTransportSecurity) report("no Strict-Transport-Security");
        if (!s.frameOptions) report("no X-Frame-Options");
        if (!s.contentTypeOptions) report("no X-Content-Type-Options");
    },
});

/** CloudFront behind WAF and logged. */
export const awsCloudfrontWaf = resourcePolicy({
    name: "aws-cloudfront-waf",
    description: "Every CloudFront distribution is associated with a WAFv2 web ACL and logs requests.",
    group: "security",
    platforms: ["aws"],
    checklist: ["waf", "mdc-ddos-protection"],
    sources: ["Checkov CKV_AWS_68", "Checkov CKV_AWS_86"],
    types: [DISTRIBUTION],
    validate: (props, _args, report) => {
        if (!props.webAclId) report("distribution has no webAclId");
        if (!props.loggingConfig) report("distribution has no loggingConfig");
    },
});

/** Target groups health-check. */
export const awsTargetGroupHealth = resourcePolicy({
    name: "aws-target-group-health-check",
    description: "Load balancer target groups health-check their targets on an explicit path (the services' readiness endpoints).",
    group: "reliability",
    platforms: ["aws"],
    checklist: ["replicas-and-probes"],
    sources: ["seed 002 readiness /ready", "AWS ELB health checks"],
    types: ["aws:lb/targetGroup:TargetGroup"],
    validate: (props, _args, report) => {
        const h = props.healthCheck;
        if (!h || h.enabled === false) report("health check is disabled or unset");
        else if ((props.protocol ?? "HTTP").toUpperCase().startsWith("HTTP") && !h.path) report("health check has no path");
    },
});

/** The AWS policies of the edge. */
export const awsEdgePolicies = [
    awsListenerHttps,
    awsAlbHardening,
    awsAlbDeletionProtection,
    awsWafManagedRules,
    awsWafRateLimit,
    awsCloudfrontTls,
    awsCloudfrontHeaders,
    awsResponseHeadersPolicy,
    awsCloudfrontWaf,
    awsTargetGroupHealth,
];
