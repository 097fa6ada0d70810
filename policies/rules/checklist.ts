/**
 * The checklist items the packs enforce, named by what they are. Each item cites where it comes
 * from in `docs/checklists.md` (which quotes every seed's checklist items verbatim), so a reader
 * of the report can open its source. Each policy names the items it stands for (a failing one
 * makes the item FAIL); each item names, per platform, the checks that read the resources
 * providing the property (`evidence`, the policy objects themselves, so a rename cannot
 * silently change a row). The offline report shows an item PASS only when every one of those
 * checks ran on that stack and passed; "~" when they passed but the platform provides only part of
 * the property (`partlyOn`, the part it lacks); a platform without evidence is N/A, with the reason.
 */
import type { AnyPolicy } from "./util";
import { awsAutoscalingBounds, awsEcsCircuitBreaker, awsEcsContainerHardening } from "./aws-compute";
import {
    awsCloudfrontHeaders,
    awsCloudfrontTls,
    awsCloudfrontWaf,
    awsListenerHttps,
    awsResponseHeadersPolicy,
    awsTargetGroupHealth,
    awsWafManagedRules,
    awsWafRateLimit,
} from "./aws-edge";
import {
    awsBackupVaultEncrypted,
    awsDatabaseEncrypted,
    awsDatabaseTls,
    awsElasticacheEncrypted,
    awsSecretsKms,
    awsSqsEncrypted,
} from "./aws-encryption";
import { awsDatabaseNotPublic, awsDatastoreIngressFromGroups, awsEcsNoPublicIp, awsSgNoWorldIngress } from "./aws-network";
import { awsAlarmActions } from "./aws-recovery";
import { awsEfsEncrypted } from "./aws-storage";
import { debugDisabled, noPlaintextSecrets, pinnedImages, protectStateful } from "./common";
import { dockerNetworkClosed } from "./docker-resources";
import { dockerEdgeHeaders, dockerEdgeRateLimit, dockerEdgeTls, dockerNoDatastorePorts, dockerNonRoot, dockerPortBinding } from "./docker";
import {
    k8sDatastoreFailover,
    k8sGatewayHeaders,
    k8sGatewayRateLimit,
    k8sGatewayTls,
    k8sHpaBounds,
    k8sProbes,
    k8sResources,
    k8sRunAsNonRoot,
    k8sServiceType,
} from "./kubernetes";
import {
    awsAlbSecurityHeaders,
    awsMultiAz,
    awsPrivateSubnets,
    awsS3Encryption,
    awsSqsDeadLetter,
    datastoreBackups,
    k8sPdbCoverage,
    minReplicas,
    monitoringAlerts,
    publicEntryPoints,
    serviceIsolation,
} from "./stack";

/** The platforms the report distinguishes (the prefix of resource type tokens). */
export type ChecklistPlatform = "docker" | "kubernetes" | "aws";

/** One checklist item and where it comes from. */
export interface ChecklistItem {
    /** What the item demands, in a reader's words. */
    text: string;
    /** Its sources: anchors of docs/checklists.md, e.g. "docs/checklists.md#mdc-production-security-checklist". */
    sources: string[];
    group: "security" | "reliability";
    /**
     * Per platform, the checks that read the resources providing the property: every entry must
     * have run and passed for a PASS, and an entry is met by any one of its policies (e.g. the
     * edge's TLS is the load balancer's listener or CloudFront's viewer policy). A platform left
     * out never PASSes. Other policies that list the item still make it FAIL when they fail.
     */
    evidence: Partial<Record<ChecklistPlatform, AnyPolicy[][]>>;
    /** Per platform without evidence: why the item is N/A there. */
    notApplicableOn?: Partial<Record<ChecklistPlatform, string>>;
    /** Per platform whose evidence passes but which provides only part of the property: the part it lacks (the row shows "~"). */
    partlyOn?: Partial<Record<ChecklistPlatform, string>>;
}

/**
 * What a platform's cell of the table says: the evidence (a list of entries, each met by any one
 * of its policies), the evidence and the part of the property the platform lacks, or, as a string,
 * why the item is N/A there.
 */
type Cell = AnyPolicy[][] | { evidence: AnyPolicy[][]; lacks: string } | string;

const MDC = "docs/checklists.md#mdc-production-security-checklist";
const AUROMART = "docs/checklists.md#auromart-security-and-backups";
const MEALKITZ = "docs/checklists.md#mealkitz-kubernetes-queues-and-recovery";
const ASSET = "docs/checklists.md#asset-management-networking-security-and-recovery";
const HLD = "docs/checklists.md#hld-platform-proxy-secrets-and-backups";
const PROJECT = "docs/checklists.md#the-projects-own-rules";

const LOCAL = "the dev stack runs on one Docker host";
const LOCAL_VOLUMES = `${LOCAL}: data lives in local volumes on the developer's disk`;
const STORAGE_CLASS = "encryption at rest is the cluster's StorageClass, which the program does not own";
const RABBITMQ = "queues are a RabbitMQ broker, which does not enforce the spec's maxReceiveCount: no dead-letter queue is checked";
const NO_SECURITY_GROUPS = (platform: string, isolation: string) =>
    `no security groups on ${platform}; ${isolation} are reported under "Network policies / security groups isolate every service"`;
const NO_SUBNETS = (where: string, isolation: string) => `no subnets ${where}; ${isolation} are reported under network isolation`;

/**
 * Every checklist item, in report order (the MDC Production Security Checklist first): id, group,
 * sources, what it demands, then its cell on Docker (dev), Kubernetes (staging) and AWS (prod).
 */
// prettier-ignore
const TABLE: [string, ChecklistItem["group"], string[], string, Cell, Cell, Cell][] = [
    ["mdc-ssl-certificates", "security", [MDC], "SSL certificates configured",
        [[dockerEdgeTls]],
        [[k8sGatewayTls]],
        [[awsListenerHttps, awsCloudfrontTls]]],
    ["mdc-security-headers", "security", [MDC], "Security headers enabled",
        [[dockerEdgeHeaders]],
        [[k8sGatewayHeaders]],
        [[awsCloudfrontHeaders, awsResponseHeadersPolicy, awsAlbSecurityHeaders]]],
    ["mdc-firewall-rules", "security", [MDC, AUROMART], "Firewall rules configured",
        [[dockerPortBinding], [serviceIsolation]],
        [[k8sServiceType], [serviceIsolation]],
        [[awsSgNoWorldIngress], [serviceIsolation]]],
    ["mdc-database-encrypted", "security", [MDC], "Database encrypted",
        LOCAL_VOLUMES,
        STORAGE_CLASS,
        [[awsDatabaseEncrypted, awsElasticacheEncrypted]]],
    // Secrets Manager is the vault on AWS; no-plaintext-secrets only shows that secrets are not in env listings.
    ["mdc-secrets-in-vault", "security", [MDC, ASSET, HLD], "Secrets in vault",
        "no secrets store on Docker: credentials are Pulumi secrets written into a config volume by a one-shot step (no plaintext env is reported under its own row)",
        "Kubernetes Secrets are no vault (etcd holds them; its encryption is the cluster's): credentials are Pulumi secrets in Secrets referenced by secretKeyRef",
        [[awsSecretsKms]]],
    ["mdc-rate-limiting", "security", [MDC], "Rate limiting enabled",
        [[dockerEdgeRateLimit]],
        [[k8sGatewayRateLimit]],
        [[awsWafRateLimit]]],
    // On AWS the public entries are CloudFront or an ALB (Shield Standard, always on) behind a WAF whose
    // rate-based rule blocks floods; a per-client rate limit in a proxy is not DDoS protection.
    ["mdc-ddos-protection", "security", [MDC], "DDoS protection active",
        `no DDoS protection on the dev stack (${LOCAL}, listening on 127.0.0.1); the edge's rate limit is reported under "Rate limiting enabled"`,
        "DDoS protection is the cluster's load balancer or CDN, outside the program; the Gateway's per-client rate limit is reported under \"Rate limiting enabled\"",
        [[publicEntryPoints], [awsWafRateLimit]]],
    ["mdc-monitoring-alerts", "security", [MDC, ASSET], "Monitoring alerts configured",
        "no alerts on dev: health checks and logs only",
        [[monitoringAlerts]],
        [[monitoringAlerts], [awsAlarmActions]]],
    ["https-enforcement", "security", [HLD, MDC], "SSL termination at the proxy and HTTPS enforced (HTTP redirects)",
        [[dockerEdgeTls]],
        [[k8sGatewayTls]],
        [[awsListenerHttps, awsCloudfrontTls]]],
    ["port-restrictions", "security", [AUROMART], "Port restrictions: no datastore port published or open to the internet",
        [[dockerNoDatastorePorts]],
        [[k8sServiceType]],
        [[awsSgNoWorldIngress], [awsDatabaseNotPublic, awsDatastoreIngressFromGroups]]],
    ["db-from-app-only", "security", [ASSET], "Databases reachable only from the application security groups",
        NO_SECURITY_GROUPS("Docker", "networks"),
        NO_SECURITY_GROUPS("Kubernetes", "NetworkPolicies"),
        [[awsDatastoreIngressFromGroups]]],
    ["encryption-at-rest", "security", [AUROMART, ASSET], "Encryption at rest for every datastore",
        LOCAL_VOLUMES,
        STORAGE_CLASS,
        [[awsDatabaseEncrypted, awsElasticacheEncrypted, awsS3Encryption, awsEfsEncrypted, awsSqsEncrypted]]],
    // The edge's TLS proves the first hop only; the item asks for every connection.
    ["encryption-in-transit", "security", [ASSET], "TLS for all traffic, database connection encryption",
        "only the edge's TLS is checked here: connections inside the Docker networks are not encrypted on the dev stack",
        'no check covers every in-cluster connection: the edge\'s TLS is reported under "SSL termination", datastore connections are not all encrypted',
        {   evidence: [[awsListenerHttps, awsCloudfrontTls], [awsDatabaseTls, awsElasticacheEncrypted]],
            lacks: "the load balancer forwards plain HTTP to the tasks inside the VPC (its target groups are HTTP); TLS is checked at the edge and to the datastores" }],
    ["backup-encryption", "security", [AUROMART], "Data backup encryption",
        `${LOCAL}: backups are files in a local volume`,
        "backups land in the object store the cluster provides; its encryption is not the program's",
        [[awsBackupVaultEncrypted, awsS3Encryption]]],
    ["private-subnets", "security", [ASSET], "Application servers in private subnets, databases in isolated subnets",
        NO_SUBNETS("on Docker", "internal networks"),
        NO_SUBNETS("in a namespace", "NetworkPolicies"),
        [[awsPrivateSubnets], [awsEcsNoPublicIp]]],
    // public-entry-tls-waf checks the WAF association on AWS only; elsewhere it checks ports and TLS.
    ["waf", "security", [ASSET], "WAF (Web Application Firewall)",
        "no WAF on the dev stack: Docker runs no web application firewall",
        "no policy checks that a WAF blocks requests on this stack",
        [[awsWafManagedRules], [publicEntryPoints, awsCloudfrontWaf]]],
    ["no-plaintext-secrets", "security", [ASSET, HLD, PROJECT], "Secrets never in plaintext environment variables",
        [[noPlaintextSecrets]],
        [[noPlaintextSecrets]],
        [[noPlaintextSecrets]]],
    ["non-root", "security", [MDC, PROJECT], "Containers run as a non-root user",
        [[dockerNonRoot]],
        [[k8sRunAsNonRoot]],
        [[awsEcsContainerHardening]]],
    ["pinned-images", "security", [PROJECT], "Images pinned to a tag or digest (no latest)",
        [[pinnedImages]],
        [[pinnedImages]],
        [[pinnedImages]]],
    ["debug-off", "security", [AUROMART], "Debug mode disabled outside development",
        [[debugDisabled]],
        [[debugDisabled]],
        [[debugDisabled]]],
    ["network-segmentation", "security", [MEALKITZ, AUROMART], "Network policies / security groups isolate every service",
        [[serviceIsolation], [dockerNetworkClosed]],
        [[serviceIsolation]],
        [[serviceIsolation]]],
    // datastore-backups reads the databases' backups; caches, queues and buckets have rows of their own or none.
    ["backups", "reliability", [AUROMART, MDC, MEALKITZ, ASSET, HLD], "Every database backed up, retention at least the spec's, schedule within the RPO",
        [[datastoreBackups]],
        [[datastoreBackups]],
        [[datastoreBackups]]],
    // The datastores' own replicas, instances and zones; the applications' replicas are another row.
    ["high-availability", "reliability", [MEALKITZ, ASSET], "Multi-AZ datastores and failover in production",
        `${LOCAL}: no second zone to fail over to`,
        [[k8sDatastoreFailover]],
        [[awsMultiAz]]],
    ["deletion-safety", "reliability", [PROJECT], "Stateful production resources protected and deletion-protected",
        [[protectStateful]],
        [[protectStateful]],
        [[protectStateful]]],
    ["replicas-and-probes", "reliability", [MDC, MEALKITZ], "At least two replicas, liveness/readiness probes, disruption budgets, resource limits",
        "Docker runs a fixed number of containers per service with no disruption budgets; health checks, limits and restarts are still checked and FAIL here when they fail",
        [[minReplicas], [k8sProbes], [k8sPdbCoverage], [k8sResources]],
        {   evidence: [[minReplicas], [awsTargetGroupHealth], [awsEcsCircuitBreaker]],
            lacks: "no check reads the tasks' container health checks (liveness) or the services' minimum healthy percent (the disruption budget); the load balancer's health checks and the circuit breaker are checked" }],
    ["autoscaling-bounds", "reliability", [MDC, MEALKITZ, ASSET], "Autoscaling bounds sane (min ≥ 2, min ≤ max)",
        "Docker does not autoscale: the dev stack runs a fixed number of replicas",
        [[k8sHpaBounds]],
        [[awsAutoscalingBounds]]],
    ["dead-letter-queues", "reliability", [MEALKITZ], "Queues have a dead-letter queue", RABBITMQ, RABBITMQ, [[awsSqsDeadLetter]]],
];

/** Every checklist item by id, in report order, read from the table. */
export const CHECKLIST: Record<string, ChecklistItem> = Object.fromEntries(
    TABLE.map(([id, group, sources, text, ...cells]) => {
        const item: ChecklistItem = { text, sources, group, evidence: {} };
        (["docker", "kubernetes", "aws"] as const).forEach((platform, i) => {
            const cell = cells[i];
            if (typeof cell === "string") item.notApplicableOn = { ...item.notApplicableOn, [platform]: cell };
            else if (Array.isArray(cell)) item.evidence[platform] = cell;
            else {
                item.evidence[platform] = cell.evidence;
                item.partlyOn = { ...item.partlyOn, [platform]: cell.lacks };
            }
        });
        return [id, item];
    }),
);
