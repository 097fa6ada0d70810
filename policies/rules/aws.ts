/**
 * AWS (prod stack) resource policies: security groups and subnets, the ALB/CloudFront/WAF edge,
 * encryption of every datastore, log group and backup vault, ECS task hardening, backups,
 * deletion protection and autoscaling bounds. Checkov CKV_AWS_* and awsguard names are cited.
 */
import {
    checkScalingBounds,
    declaredRecovery,
    ecsContainers,
    ingressRulesOf,
    isAllProtocols,
    isRootUser,
    parseJsonish,
    resourcePolicy,
    S3_BUCKETS,
    scalingBoundsSchema,
    setting,
    SG_RULE_TYPES,
    WORLD,
} from "./util";
import { CONTINUOUS_BACKUP_MINUTES, maxGapMinutes as maxIntervalMinutes } from "../../conventions/cron";
import { AWS_TAG_KEYS } from "../../conventions/labels";

const RDS_INSTANCE = "aws:rds/instance:Instance";
const RDS_CLUSTER = "aws:rds/cluster:Cluster";
const DOCDB_CLUSTER = "aws:docdb/cluster:Cluster";
const REPLICATION_GROUP = "aws:elasticache/replicationGroup:ReplicationGroup";
const LISTENER = "aws:lb/listener:Listener";
const ALB = "aws:lb/loadBalancer:LoadBalancer";
const DISTRIBUTION = "aws:cloudfront/distribution:Distribution";
const WEB_ACL = "aws:wafv2/webAcl:WebAcl";
const ECS_SERVICE = "aws:ecs/service:Service";
const ECS_TASK = "aws:ecs/taskDefinition:TaskDefinition";

/** Ports of the datastores (PostgreSQL, MySQL, MongoDB/DocumentDB, Redis, Memcached). */
export const AWS_DATASTORE_PORTS = [5432, 3306, 27017, 6379, 11211];

const covers = (r: { fromPort: number; toPort: number }, port: number) => r.fromPort <= port && port <= r.toPort;

const sgWorldSchema = {
    properties: {
        publicPorts: setting.integers([80, 443], "Ports that may be open to 0.0.0.0/0 (the edge load balancer's HTTP and HTTPS)."),
    },
};

/** No world-open ingress but the edge's HTTP(S). */
export const awsSgNoWorldIngress = resourcePolicy({
    name: "aws-sg-no-world-ingress",
    description:
        "Security groups admit 0.0.0.0/0 or ::/0 only on the edge's public ports (80, 443), never on SSH, RDP, a datastore port, a port range or all traffic.",
    group: "security",
    platforms: ["aws"],
    checklist: ["mdc-firewall-rules", "port-restrictions"],
    sources: ["Checkov CKV_AWS_24", "Checkov CKV_AWS_25", "Checkov CKV_AWS_277"],
    types: SG_RULE_TYPES,
    configSchema: sgWorldSchema,
    validate: (props, args, report, { publicPorts }) => {
        for (const r of ingressRulesOf(args.type, props)) {
            const world = r.cidrs.filter((c) => WORLD.includes(c));
            if (world.length === 0) continue;
            if (isAllProtocols(r.protocol)) report(`all traffic is open to ${world.join(", ")}`);
            else if (r.fromPort !== r.toPort || !publicPorts.includes(r.fromPort))
                report(`ports ${r.fromPort}-${r.toPort} are open to ${world.join(", ")} (only ${publicPorts.join(", ")} may be)`);
        }
    },
});

const dbPortsSchema = {
    properties: { datastorePorts: setting.integers(AWS_DATASTORE_PORTS, "Datastore ports that admit only security groups.") },
};

/** Datastore ports admit security groups, not address ranges. */
export const awsDatastoreIngressFromGroups = resourcePolicy({
    name: "aws-datastore-ingress-from-groups",
    description:
        "Ingress on a datastore port (5432, 3306, 27017, 6379, 11211) comes only from security groups (the services that use the datastore), never from a CIDR block, not even the VPC's.",
    group: "security",
    platforms: ["aws"],
    checklist: ["db-from-app-only", "port-restrictions", "mdc-firewall-rules"],
    sources: ["seed 003 'Security Groups / Firewall Rules' → isolated DB", "AWS RDS security best practice"],
    types: SG_RULE_TYPES,
    configSchema: dbPortsSchema,
    validate: (props, args, report, { datastorePorts }) => {
        for (const r of ingressRulesOf(args.type, props)) {
            if (r.cidrs.length === 0) continue;
            const hit = datastorePorts.filter((p) => isAllProtocols(r.protocol) || covers(r, p));
            if (hit.length > 0)
                report(`datastore port(s) ${hit.join(", ")} admit CIDR ${r.cidrs.join(", ")}; admit the services' security groups instead`);
        }
    },
});

/** Every rule described. */
export const awsSgRuleDescriptions = resourcePolicy({
    name: "aws-sg-rule-descriptions",
    description: "Every security group and ingress rule has a description, so a reviewer can tell why a port is open.",
    group: "security",
    platforms: ["aws"],
    checklist: ["mdc-firewall-rules"],
    sources: ["Checkov CKV_AWS_23"],
    types: SG_RULE_TYPES,
    validate: (props, args, report) => {
        if (args.type === "aws:ec2/securityGroup:SecurityGroup" && !props.description) report("security group has no description");
        for (const r of ingressRulesOf(args.type, props))
            if (!r.description) report(`ingress rule ${r.fromPort}-${r.toPort} has no description`);
    },
});

/** Subnets do not hand out public IPs, except public ones. */
export const awsSubnetNoPublicIp = resourcePolicy({
    name: "aws-subnet-no-public-ip",
    description: "Only public subnets (tagged or named 'public') map public IPs on launch; application and data subnets never do.",
    group: "security",
    platforms: ["aws"],
    checklist: ["private-subnets"],
    sources: ["Checkov CKV_AWS_130", "seed 003 private/isolated subnets"],
    types: ["aws:ec2/subnet:Subnet"],
    validate: (props, args, report) => {
        if (props.mapPublicIpOnLaunch !== true) return;
        const publicByTag = Object.values(props.tags ?? {}).some((v) => /public/i.test(String(v)));
        if (!publicByTag && !/public/i.test(args.name)) report("a non-public subnet maps public IPs on launch");
    },
});

/** ECS tasks get no public IP. */
export const awsEcsNoPublicIp = resourcePolicy({
    name: "aws-ecs-no-public-ip",
    description: "ECS services run in private subnets without public IPs (networkConfiguration.assignPublicIp false).",
    group: "security",
    platforms: ["aws"],
    checklist: ["private-subnets", "mdc-firewall-rules"],
    sources: ["Checkov CKV_AWS_333", "awsguard ec2-instance-no-public-ip (analogue)", "seed 003 private subnets"],
    types: [ECS_SERVICE],
    validate: (props, _args, report) => {
        if (!props.networkConfiguration) report("service has no networkConfiguration (awsvpc networking in private subnets)");
        else if (props.networkConfiguration.assignPublicIp === true) report("tasks get a public IP (assignPublicIp: true)");
    },
});

/** Databases not publicly accessible. */
export const awsDatabaseNotPublic = resourcePolicy({
    name: "aws-database-not-public",
    description: "No RDS instance or cluster instance is publicly accessible.",
    group: "security",
    platforms: ["aws"],
    checklist: ["port-restrictions", "private-subnets"],
    sources: ["Checkov CKV_AWS_17", "awsguard rds-instance-public-access-check"],
    types: [RDS_INSTANCE, "aws:rds/clusterInstance:ClusterInstance"],
    validate: (props, _args, report) => {
        if (props.publiclyAccessible === true) report("publiclyAccessible is true");
    },
});

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

const encSchema = {
    properties: {
        requireCustomerManagedKey: setting.boolean(false, "Require a customer-managed KMS key (kmsKeyId), not the AWS-managed default."),
    },
};

/** Databases encrypted at rest. */
export const awsDatabaseEncrypted = resourcePolicy({
    name: "aws-database-encrypted",
    description:
        "RDS instances and clusters and DocumentDB clusters encrypt storage (read replicas through their KMS key), with a customer-managed key where configured.",
    group: "security",
    platforms: ["aws"],
    checklist: ["mdc-database-encrypted", "encryption-at-rest"],
    sources: ["Checkov CKV_AWS_16", "Checkov CKV_AWS_74", "awsguard rds-storage-encrypted"],
    types: [RDS_INSTANCE, RDS_CLUSTER, DOCDB_CLUSTER],
    configSchema: encSchema,
    validate: (props, args, report, { requireCustomerManagedKey }) => {
        const replica = !!props.replicateSourceDb;
        if (props.storageEncrypted !== true && !(replica && props.kmsKeyId)) report("storage is not encrypted (storageEncrypted: true)");
        if (requireCustomerManagedKey && !props.kmsKeyId) report("no customer-managed kmsKeyId");
    },
});

/** Databases enforce TLS connections. */
export const awsDatabaseTls = resourcePolicy({
    name: "aws-database-tls",
    description:
        "Database parameter groups force TLS connections: PostgreSQL rds.force_ssl=1, MySQL require_secure_transport=ON, DocumentDB tls not disabled.",
    group: "security",
    platforms: ["aws"],
    checklist: ["encryption-in-transit"],
    sources: ["seed 003 'Database connection encryption'", "AWS RDS SSL/TLS docs"],
    types: [
        "aws:rds/parameterGroup:ParameterGroup",
        "aws:rds/clusterParameterGroup:ClusterParameterGroup",
        "aws:docdb/clusterParameterGroup:ClusterParameterGroup",
    ],
    validate: (props, args, report) => {
        const params: Record<string, string> = {};
        for (const p of props.parameters ?? []) params[String(p.name)] = String(p.value).toLowerCase();
        const family = String(props.family ?? "");
        if (args.type.startsWith("aws:docdb")) {
            if (params.tls === "disabled") report("DocumentDB tls is disabled");
        } else if (/postgres/.test(family)) {
            // rds.force_ssl defaults to 1 from PostgreSQL 15 on RDS: absent is then enforced.
            const major = Number(/postgres(\d+)/.exec(family)?.[1] ?? 0);
            const forced = params["rds.force_ssl"] ?? (major >= 15 ? "1" : undefined);
            if (forced !== "1") report("rds.force_ssl is not 1");
        } else if (/mysql|mariadb/.test(family)) {
            if (!["on", "1"].includes(params.require_secure_transport)) report("require_secure_transport is not ON");
        }
    },
});

/** ElastiCache encrypted and authenticated. */
export const awsElasticacheEncrypted = resourcePolicy({
    name: "aws-elasticache-encrypted",
    description:
        "ElastiCache replication groups encrypt at rest and in transit and require authentication (auth token or RBAC user groups).",
    group: "security",
    platforms: ["aws"],
    checklist: ["encryption-at-rest", "encryption-in-transit", "mdc-database-encrypted"],
    sources: ["Checkov CKV_AWS_29", "Checkov CKV_AWS_30", "Checkov CKV_AWS_31"],
    types: [REPLICATION_GROUP],
    validate: (props, _args, report) => {
        if (props.atRestEncryptionEnabled !== true) report("atRestEncryptionEnabled is not true");
        if (props.transitEncryptionEnabled !== true) report("transitEncryptionEnabled is not true");
        if (!props.authToken && (props.userGroupIds ?? []).length === 0) report("no auth token or user group");
    },
});

/** SQS encrypted. */
export const awsSqsEncrypted = resourcePolicy({
    name: "aws-sqs-encrypted",
    description: "SQS queues use server-side encryption (SQS-managed or KMS).",
    group: "security",
    platforms: ["aws"],
    checklist: ["encryption-at-rest"],
    sources: ["Checkov CKV_AWS_27"],
    types: ["aws:sqs/queue:Queue"],
    validate: (props, _args, report) => {
        if (props.sqsManagedSseEnabled !== true && !props.kmsMasterKeyId)
            report("queue is not encrypted (sqsManagedSseEnabled or kmsMasterKeyId)");
    },
});

/** SNS encrypted. */
export const awsSnsEncrypted = resourcePolicy({
    name: "aws-sns-encrypted",
    description: "SNS topics (alarm notifications) are encrypted with KMS.",
    group: "security",
    platforms: ["aws"],
    checklist: ["encryption-at-rest"],
    sources: ["Checkov CKV_AWS_26"],
    types: ["aws:sns/topic:Topic"],
    validate: (props, _args, report) => {
        if (!props.kmsMasterKeyId) report("topic has no kmsMasterKeyId");
    },
});

/** S3 public access block complete. */
export const awsS3PublicAccessBlock = resourcePolicy({
    name: "aws-s3-public-access-block",
    description: "Every S3 public access block sets all four switches.",
    group: "security",
    platforms: ["aws"],
    checklist: ["port-restrictions"],
    sources: ["Checkov CKV_AWS_53", "Checkov CKV_AWS_54", "Checkov CKV_AWS_55", "Checkov CKV_AWS_56"],
    types: ["aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"],
    validate: (props, _args, report) => {
        for (const k of ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"])
            if (props[k] !== true) report(`${k} is not true`);
    },
});

const PUBLIC_ACLS = ["public-read", "public-read-write", "authenticated-read"];

/** No public ACLs. */
export const awsS3NoPublicAcl = resourcePolicy({
    name: "aws-s3-no-public-acl",
    description: "No bucket or bucket ACL grants public (or any-AWS-user) read or write.",
    group: "security",
    platforms: ["aws"],
    checklist: ["port-restrictions"],
    sources: ["Checkov CKV_AWS_20", "Checkov CKV_AWS_57"],
    types: [...S3_BUCKETS, "aws:s3/bucketAcl:BucketAcl", "aws:s3/bucketAclV2:BucketAclV2"],
    validate: (props, _args, report) => {
        if (PUBLIC_ACLS.includes(props.acl)) report(`acl is ${props.acl}`);
    },
});

/** KMS rotation. */
export const awsKmsRotation = resourcePolicy({
    name: "aws-kms-rotation",
    description: "Customer-managed KMS keys rotate yearly and keep a deletion window of at least 7 days.",
    group: "security",
    platforms: ["aws"],
    checklist: ["encryption-at-rest", "backup-encryption"],
    sources: ["Checkov CKV_AWS_7", "awsguard cmk-backing-key-rotation-enabled"],
    types: ["aws:kms/key:Key"],
    validate: (props, _args, report) => {
        if (
            props.enableKeyRotation !== true &&
            (props.keyUsage ?? "ENCRYPT_DECRYPT") === "ENCRYPT_DECRYPT" &&
            !String(props.customerMasterKeySpec ?? "SYMMETRIC_DEFAULT").startsWith("RSA")
        )
            report("enableKeyRotation is not true");
        if (props.deletionWindowInDays !== undefined && Number(props.deletionWindowInDays) < 7)
            report(`deletionWindowInDays ${props.deletionWindowInDays} is below 7`);
    },
});

/** Backup vault encrypted. */
export const awsBackupVaultEncrypted = resourcePolicy({
    name: "aws-backup-vault-encrypted",
    description: "AWS Backup vaults encrypt recovery points with a customer-managed KMS key.",
    group: "security",
    platforms: ["aws"],
    checklist: ["backup-encryption"],
    sources: ["Checkov CKV_AWS_166", "seed 000 'Data backup encryption'"],
    types: ["aws:backup/vault:Vault"],
    validate: (props, _args, report) => {
        if (!props.kmsKeyArn) report("vault has no kmsKeyArn");
    },
});

/** Secrets Manager secrets with a CMK. */
export const awsSecretsKms = resourcePolicy({
    name: "aws-secrets-kms",
    description: "Secrets Manager secrets are encrypted with a customer-managed KMS key and keep a recovery window.",
    group: "security",
    platforms: ["aws"],
    checklist: ["mdc-secrets-in-vault"],
    sources: ["Checkov CKV_AWS_149"],
    types: ["aws:secretsmanager/secret:Secret"],
    validate: (props, _args, report) => {
        if (!props.kmsKeyId) report("secret has no kmsKeyId");
        if (props.recoveryWindowInDays === 0) report("recoveryWindowInDays 0 deletes the secret immediately");
    },
});

/** Log groups encrypted. */
export const awsLogEncrypted = resourcePolicy({
    name: "aws-log-group-encrypted",
    description: "CloudWatch log groups are encrypted with KMS.",
    group: "security",
    platforms: ["aws"],
    checklist: ["encryption-at-rest"],
    sources: ["Checkov CKV_AWS_158"],
    types: ["aws:cloudwatch/logGroup:LogGroup"],
    validate: (props, _args, report) => {
        if (!props.kmsKeyId) report("log group has no kmsKeyId");
    },
});

const logRetentionSchema = {
    properties: { minDays: setting.integer(30, "Smallest log retention in days (0 = never expire also passes).", 1) },
};

/** Log retention. */
export const awsLogRetention = resourcePolicy({
    name: "aws-log-group-retention",
    description: "CloudWatch log groups keep logs at least the configured days (prod: a year).",
    group: "reliability",
    platforms: ["aws"],
    checklist: ["mdc-monitoring-alerts"],
    sources: ["Checkov CKV_AWS_66", "Checkov CKV_AWS_338"],
    types: ["aws:cloudwatch/logGroup:LogGroup"],
    configSchema: logRetentionSchema,
    validate: (props, args, report, { minDays }) => {
        const days = props.retentionInDays;
        if (days === undefined) report("retentionInDays is unset");
        else if (Number(days) !== 0 && Number(days) < minDays) report(`retentionInDays ${days} is below ${minDays}`);
    },
});

/** ECS containers hardened. */
export const awsEcsContainerHardening = resourcePolicy({
    name: "aws-ecs-container-hardening",
    description:
        "ECS containers run as a non-root user, unprivileged, with a read-only root filesystem, and the task does not use host networking.",
    group: "security",
    platforms: ["aws"],
    checklist: ["non-root"],
    sources: ["Checkov CKV_AWS_336", "seed 001 Dockerfile USER"],
    types: [ECS_TASK],
    validate: (props, _args, report) => {
        if (props.networkMode === "host") report("task uses host networking");
        const defs = ecsContainers(props);
        if (!defs) return report("containerDefinitions is not a readable JSON array");
        for (const c of defs) {
            if (isRootUser(c.user) && !chownOnly(c)) report(`container '${c.name}' runs as root (set user to a non-zero uid)`);
            if (c.privileged === true) report(`container '${c.name}' is privileged`);
            if (c.readonlyRootFilesystem !== true) report(`container '${c.name}' has a writable root filesystem`);
        }
    },
});

/**
 * Docker's default capabilities but CHOWN. On Fargate a bind-mount volume is owned by root with
 * mode 0755 (ECS developer guide, bind mounts), so a non-root application needs its scratch
 * volumes chowned first: the one root container the hardening policy admits is a non-essential
 * one that keeps no capability but CHOWN, publishes no port and is not privileged.
 */
const DEFAULT_CAPABILITIES_BUT_CHOWN = [
    "AUDIT_WRITE",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "NET_RAW",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];
function chownOnly(c: any): boolean {
    const caps = c.linuxParameters?.capabilities ?? {};
    const drop: string[] = (caps.drop ?? []).map((x: string) => x.toUpperCase());
    const dropsAll = drop.includes("ALL") || DEFAULT_CAPABILITIES_BUT_CHOWN.every((x) => drop.includes(x));
    return c.essential === false && dropsAll && (caps.add ?? []).length === 0 && !(c.portMappings ?? []).length && c.privileged !== true;
}

/** ECS containers log. */
export const awsEcsLogging = resourcePolicy({
    name: "aws-ecs-logging",
    description: "Every ECS container ships its logs (logConfiguration), the input of the monitoring alerts.",
    group: "reliability",
    platforms: ["aws"],
    checklist: ["mdc-monitoring-alerts"],
    sources: ["AWS ECS best practice", "seed 004 centralized logging"],
    types: [ECS_TASK],
    validate: (props, _args, report) => {
        for (const c of ecsContainers(props) ?? [])
            if (!c.logConfiguration?.logDriver) report(`container '${c.name}' has no logConfiguration`);
    },
});

/** ECS container insights. */
export const awsEcsContainerInsights = resourcePolicy({
    name: "aws-ecs-container-insights",
    description: "ECS clusters enable Container Insights (metrics for the alarms).",
    group: "reliability",
    platforms: ["aws"],
    checklist: ["mdc-monitoring-alerts"],
    sources: ["Checkov CKV_AWS_65"],
    types: ["aws:ecs/cluster:Cluster"],
    validate: (props, _args, report) => {
        const s = (props.settings ?? []).find((x: any) => x.name === "containerInsights");
        if (!s || !["enabled", "enhanced"].includes(s.value)) report("containerInsights is not enabled");
    },
});

/** ECS deployment circuit breaker. */
export const awsEcsCircuitBreaker = resourcePolicy({
    name: "aws-ecs-circuit-breaker",
    description: "ECS services roll back a failing deployment automatically (deployment circuit breaker with rollback).",
    group: "reliability",
    platforms: ["aws"],
    checklist: ["replicas-and-probes"],
    sources: ["ARCHITECTURE app tier (circuit breaker)", "AWS ECS deployment circuit breaker"],
    types: [ECS_SERVICE],
    validate: (props, _args, report) => {
        if (props.deploymentController && props.deploymentController.type && props.deploymentController.type !== "ECS") return;
        const cb = props.deploymentCircuitBreaker;
        if (cb?.enable !== true || cb?.rollback !== true) report("deploymentCircuitBreaker is not enabled with rollback");
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

const retentionSchema = {
    properties: { minRetentionDays: setting.integer(7, "Smallest automated backup retention in days (capped at RDS's 35).", 1) },
};

/** Database automated backups. */
export const awsDatabaseBackupRetention = resourcePolicy({
    name: "aws-database-backup-retention",
    description:
        "RDS instances (not replicas), RDS clusters and DocumentDB clusters keep automated backups (point-in-time recovery) for at least the configured days.",
    group: "reliability",
    platforms: ["aws"],
    checklist: ["backups"],
    sources: ["awsguard rds-instance-backup-enabled", "Checkov CKV_AWS_133", "seed 001 30-day retention"],
    types: [RDS_INSTANCE, RDS_CLUSTER, DOCDB_CLUSTER],
    configSchema: retentionSchema,
    validate: (props, args, report, { minRetentionDays }) => {
        if (props.replicateSourceDb) args.notApplicable("read replica (backups are the source's)");
        const need = Math.min(minRetentionDays, 35);
        const have = props.backupRetentionPeriod;
        if (have === undefined) report(`backupRetentionPeriod is unset (provider default 1 day); set at least ${need}`);
        else if (Number(have) < need) report(`backupRetentionPeriod ${have} is below ${need} days`);
    },
});

/** Deletion protection and final snapshot. */
export const awsDeletionProtection = resourcePolicy({
    name: "aws-database-deletion-protection",
    description: "RDS instances, RDS clusters and DocumentDB clusters have deletion protection on and take a final snapshot on deletion.",
    group: "reliability",
    platforms: ["aws"],
    checklist: ["deletion-safety"],
    sources: ["Checkov CKV_AWS_293", "Checkov CKV_AWS_139", "ARCHITECTURE 'final snapshot'"],
    types: [RDS_INSTANCE, RDS_CLUSTER, DOCDB_CLUSTER],
    validate: (props, _args, report) => {
        if (props.deletionProtection !== true) report("deletionProtection is not true");
        if (!props.replicateSourceDb && (props.skipFinalSnapshot === true || !props.finalSnapshotIdentifier))
            report("no final snapshot on deletion (skipFinalSnapshot false and a finalSnapshotIdentifier)");
    },
});

/** ElastiCache snapshots. */
export const awsElasticacheBackup = resourcePolicy({
    name: "aws-elasticache-backup",
    description: "ElastiCache replication groups keep automatic snapshots (snapshotRetentionLimit > 0).",
    group: "reliability",
    platforms: ["aws"],
    checklist: ["backups"],
    sources: ["Checkov CKV_AWS_134"],
    types: [REPLICATION_GROUP],
    validate: (props, _args, report) => {
        if (!(Number(props.snapshotRetentionLimit) > 0)) report("snapshotRetentionLimit is 0 or unset");
    },
});

const planSchema = {
    properties: {
        minRetentionDays: setting.integer(7, "Smallest recovery point retention in days.", 1),
        maxIntervalMinutes: setting.integer(
            1440,
            "Longest gap between backups (the RPO) when the plan does not carry the spec's rpo-minutes tag.",
            1,
        ),
        requireCrossRegionCopy: setting.boolean(false, "Every rule copies to a vault in another region."),
    },
};

/** Backup plan retention and schedule. */
export const awsBackupPlan = resourcePolicy({
    name: "aws-backup-plan",
    description:
        "AWS Backup plans keep recovery points at least the configured days (and the spec's, where the plan carries a retention-days tag), run often enough for the RPO (the spec's rpo-minutes tag where present, else the configured maxIntervalMinutes; continuous backup counts as 5 minutes), target a vault, and copy cross-region where configured.",
    group: "reliability",
    platforms: ["aws"],
    checklist: ["backups"],
    sources: ["seed 000 daily backups, off-site", "seed 002 cross-region replication", "AWS Backup"],
    types: ["aws:backup/plan:Plan"],
    configSchema: planSchema,
    validate: (props, args, report, cfg) => {
        const rules: any[] = props.rules ?? [];
        if (rules.length === 0) return report("plan has no rules");
        const spec = declaredRecovery(effectiveTags(props, args.provider));
        let best = Infinity;
        let longest = 0;
        for (const r of rules) {
            if (!r.targetVaultName) report(`rule ${r.ruleName} has no targetVaultName`);
            const del = r.lifecycle?.deleteAfter;
            longest = Math.max(longest, del === undefined ? Infinity : Number(del));
            if (del !== undefined && Number(del) < cfg.minRetentionDays)
                report(`rule ${r.ruleName} deletes after ${del} days (keep ${cfg.minRetentionDays})`);
            const gap =
                r.enableContinuousBackup === true ? CONTINUOUS_BACKUP_MINUTES : r.schedule ? maxIntervalMinutes(r.schedule) : undefined;
            if (gap === undefined && r.schedule) report(`rule ${r.ruleName} has an unreadable schedule '${r.schedule}'`);
            if (gap !== undefined) best = Math.min(best, gap);
            if (cfg.requireCrossRegionCopy && (r.copyActions ?? []).length === 0) report(`rule ${r.ruleName} has no cross-region copy`);
        }
        if (spec.retentionDays !== undefined && longest < spec.retentionDays)
            report(
                `no rule keeps recovery points the spec's ${spec.retentionDays} days (retention-days tag); the longest keeps ${longest}`,
            );
        const limit = Math.min(cfg.maxIntervalMinutes, spec.rpoMinutes ?? Infinity);
        if (best > limit)
            report(
                `no rule runs at least every ${limit} minutes${limit < cfg.maxIntervalMinutes ? " (the spec's rpo-minutes tag)" : ""} (best: ${best === Infinity ? "never" : `${best} min`})`,
            );
    },
});

const scalingSchema = scalingBoundsSchema("minCapacity", "maxCapacity");

/** Autoscaling bounds. */
export const awsAutoscalingBounds = resourcePolicy({
    name: "aws-autoscaling-bounds",
    description:
        "Application Auto Scaling targets (ECS services) keep at least two tasks, have minCapacity ≤ maxCapacity and a max within a sane ratio of the min.",
    group: "reliability",
    platforms: ["aws"],
    checklist: ["autoscaling-bounds", "replicas-and-probes"],
    sources: ["seed 001 autoscaling (2-10)"],
    types: ["aws:appautoscaling/target:Target"],
    configSchema: scalingSchema,
    validate: (props, args, report, cfg) => {
        if (props.serviceNamespace !== undefined && props.serviceNamespace !== "ecs") args.notApplicable("not an ECS service target");
        const names = { min: "minCapacity", max: "maxCapacity" };
        checkScalingBounds(
            Number(props.minCapacity),
            Number(props.maxCapacity),
            names,
            { floor: cfg.minCapacity, maxRatio: cfg.maxRatio },
            report,
        );
    },
});

/** Alarms notify. */
export const awsAlarmActions = resourcePolicy({
    name: "aws-alarm-actions",
    description: "Every CloudWatch alarm notifies someone (alarmActions, actions enabled).",
    group: "security",
    platforms: ["aws"],
    checklist: ["mdc-monitoring-alerts"],
    sources: ["seed 001 checklist 'Monitoring alerts configured'"],
    types: ["aws:cloudwatch/metricAlarm:MetricAlarm"],
    validate: (props, _args, report) => {
        if ((props.alarmActions ?? []).length === 0) report("alarm has no alarmActions");
        if (props.actionsEnabled === false) report("alarm actions are disabled");
    },
});

/**
 * AWS resource types tierform registers that take tags (their SDK args have `tags`). The policy
 * files do not load the AWS SDK; test/policies/stacks.test.ts checks against it that every
 * taggable type of the shipped prod plans is listed here.
 */
export const TAGGABLE_AWS_TYPES = [
    "aws:acm/certificate:Certificate",
    "aws:appautoscaling/target:Target",
    "aws:backup/plan:Plan",
    "aws:backup/vault:Vault",
    "aws:cloudfront/distribution:Distribution",
    "aws:cloudwatch/eventRule:EventRule",
    "aws:cloudwatch/logGroup:LogGroup",
    "aws:cloudwatch/metricAlarm:MetricAlarm",
    "aws:docdb/cluster:Cluster",
    "aws:docdb/clusterInstance:ClusterInstance",
    "aws:docdb/clusterParameterGroup:ClusterParameterGroup",
    "aws:docdb/subnetGroup:SubnetGroup",
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
    "aws:ec2/eip:Eip",
    "aws:ec2/flowLog:FlowLog",
    "aws:ec2/internetGateway:InternetGateway",
    "aws:ec2/natGateway:NatGateway",
    "aws:ec2/routeTable:RouteTable",
    "aws:ec2/securityGroup:SecurityGroup",
    "aws:ec2/subnet:Subnet",
    "aws:ec2/vpc:Vpc",
    "aws:ec2/vpcEndpoint:VpcEndpoint",
    "aws:ecs/cluster:Cluster",
    "aws:ecs/service:Service",
    "aws:ecs/taskDefinition:TaskDefinition",
    "aws:efs/accessPoint:AccessPoint",
    "aws:efs/fileSystem:FileSystem",
    "aws:elasticache/parameterGroup:ParameterGroup",
    "aws:elasticache/replicationGroup:ReplicationGroup",
    "aws:elasticache/subnetGroup:SubnetGroup",
    "aws:iam/role:Role",
    "aws:kms/key:Key",
    "aws:lb/listener:Listener",
    "aws:lb/listenerRule:ListenerRule",
    "aws:lb/loadBalancer:LoadBalancer",
    "aws:lb/targetGroup:TargetGroup",
    RDS_INSTANCE,
    RDS_CLUSTER,
    "aws:rds/clusterInstance:ClusterInstance",
    "aws:rds/clusterParameterGroup:ClusterParameterGroup",
    "aws:rds/parameterGroup:ParameterGroup",
    "aws:rds/subnetGroup:SubnetGroup",
    ...S3_BUCKETS,
    "aws:secretsmanager/secret:Secret",
    "aws:sns/topic:Topic",
    "aws:sqs/queue:Queue",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    WEB_ACL,
];

/**
 * The tags an AWS resource ends up with: `tagsAll` where the engine has computed it (the AWS
 * provider's Check merges its defaultTags into `tagsAll`), else the resource's provider's
 * defaultTags (a JSON string in provider inputs) under the resource's own `tags`.
 */
export function effectiveTags(props: any, provider?: { props: any }): Record<string, string> {
    if (props?.tagsAll && typeof props.tagsAll === "object") return props.tagsAll;
    const defaults = parseJsonish<{ tags?: Record<string, string> }>(provider?.props?.defaultTags)?.tags ?? {};
    return { ...defaults, ...(props?.tags ?? {}) };
}

const tagsSchema = {
    properties: {
        requiredKeys: setting.strings(
            [...AWS_TAG_KEYS],
            "Tag keys every taggable AWS resource carries, from its own tags or the provider's defaultTags.",
        ),
    },
};

/** Every taggable AWS resource carries the tierform tags. */
export const awsRequiredTags = resourcePolicy({
    name: "aws-required-tags",
    description:
        "Every taggable AWS resource carries non-empty system, environment, tier and managed-by tags (its own tags over its provider's defaultTags, or the engine's tagsAll), so ownership, cost and blast radius can be read off any resource in the account.",
    group: "security",
    platforms: ["aws"],
    sources: ["AWS Config required-tags", "tierform issue 5 (system, environment, tier, managed-by on every taggable resource)"],
    types: TAGGABLE_AWS_TYPES,
    configSchema: tagsSchema,
    validate: (props, args, report, { requiredKeys }) => {
        const tags = effectiveTags(props, args.provider);
        const missing = requiredKeys.filter((k) => typeof tags[k] !== "string" || tags[k].trim() === "");
        if (missing.length > 0) report(`missing tag(s) ${missing.join(", ")} (has ${Object.keys(tags).sort().join(", ") || "none"})`);
    },
});

/** The AWS resource policies. */
export const awsPolicies = [
    awsSgNoWorldIngress,
    awsDatastoreIngressFromGroups,
    awsSgRuleDescriptions,
    awsSubnetNoPublicIp,
    awsEcsNoPublicIp,
    awsDatabaseNotPublic,
    awsListenerHttps,
    awsAlbHardening,
    awsWafManagedRules,
    awsWafRateLimit,
    awsCloudfrontTls,
    awsCloudfrontHeaders,
    awsResponseHeadersPolicy,
    awsCloudfrontWaf,
    awsDatabaseEncrypted,
    awsDatabaseTls,
    awsElasticacheEncrypted,
    awsSqsEncrypted,
    awsSnsEncrypted,
    awsS3PublicAccessBlock,
    awsS3NoPublicAcl,
    awsKmsRotation,
    awsBackupVaultEncrypted,
    awsSecretsKms,
    awsLogEncrypted,
    awsEcsContainerHardening,
    awsAlarmActions,
    awsAlbDeletionProtection,
    awsLogRetention,
    awsEcsLogging,
    awsEcsContainerInsights,
    awsEcsCircuitBreaker,
    awsTargetGroupHealth,
    awsDatabaseBackupRetention,
    awsDeletionProtection,
    awsElasticacheBackup,
    awsBackupPlan,
    awsAutoscalingBounds,
    awsRequiredTags,
];
