/**
 * The checklist items the packs enforce, named by what they are. Each item cites where it comes
 * from in `docs/checklists.md` (which quotes every seed's checklist items verbatim), so a reader
 * of the report can open its source. Each policy names the items it stands for (a failing one
 * makes the item FAIL); each item names, per platform, the checks that read the resources
 * providing the property (`evidence`, the policy objects themselves, so a rename cannot
 * silently change a row). The offline report shows an item PASS only when every one of those
 * checks ran on that stack and passed; a platform without evidence is N/A, with the reason.
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
}

/** The same evidence on every platform. */
const everywhere = (...checks: AnyPolicy[][]): Partial<Record<ChecklistPlatform, AnyPolicy[][]>> => ({
    docker: checks,
    kubernetes: checks,
    aws: checks,
});

const MDC = "docs/checklists.md#mdc-production-security-checklist";
const AUROMART = "docs/checklists.md#auromart-security-and-backups";
const MEALKITZ = "docs/checklists.md#mealkitz-kubernetes-queues-and-recovery";
const ASSET = "docs/checklists.md#asset-management-networking-security-and-recovery";
const HLD = "docs/checklists.md#hld-platform-proxy-secrets-and-backups";
const PROJECT = "docs/checklists.md#the-projects-own-rules";

const LOCAL = "the dev stack runs on one Docker host";

/** Every checklist item by id, in report order: the MDC Production Security Checklist first. */
export const CHECKLIST: Record<string, ChecklistItem> = {
    "mdc-ssl-certificates": {
        sources: [MDC],
        text: "SSL certificates configured",
        group: "security",
        evidence: { docker: [[dockerEdgeTls]], kubernetes: [[k8sGatewayTls]], aws: [[awsListenerHttps, awsCloudfrontTls]] },
    },
    "mdc-security-headers": {
        sources: [MDC],
        text: "Security headers enabled",
        group: "security",
        evidence: {
            docker: [[dockerEdgeHeaders]],
            kubernetes: [[k8sGatewayHeaders]],
            aws: [[awsCloudfrontHeaders, awsResponseHeadersPolicy, awsAlbSecurityHeaders]],
        },
    },
    "mdc-firewall-rules": {
        sources: [MDC, AUROMART],
        text: "Firewall rules configured",
        group: "security",
        evidence: {
            docker: [[dockerPortBinding], [serviceIsolation]],
            kubernetes: [[k8sServiceType], [serviceIsolation]],
            aws: [[awsSgNoWorldIngress], [serviceIsolation]],
        },
    },
    "mdc-database-encrypted": {
        sources: [MDC],
        text: "Database encrypted",
        group: "security",
        evidence: { aws: [[awsDatabaseEncrypted, awsElasticacheEncrypted]] },
        notApplicableOn: {
            docker: `${LOCAL}: data lives in local volumes on the developer's disk`,
            kubernetes: "encryption at rest is the cluster's StorageClass, which the program does not own",
        },
    },
    "mdc-secrets-in-vault": {
        sources: [MDC, ASSET, HLD],
        text: "Secrets in vault",
        group: "security",
        // Secrets Manager is the vault on AWS; no-plaintext-secrets only shows that secrets are not in env listings.
        evidence: { aws: [[awsSecretsKms]] },
        notApplicableOn: {
            docker: "no secrets store on Docker: credentials are Pulumi secrets written into a config volume by a one-shot step (no plaintext env is reported under its own row)",
            kubernetes:
                "Kubernetes Secrets are no vault (etcd holds them; its encryption is the cluster's): credentials are Pulumi secrets in Secrets referenced by secretKeyRef",
        },
    },
    "mdc-rate-limiting": {
        sources: [MDC],
        text: "Rate limiting enabled",
        group: "security",
        evidence: { docker: [[dockerEdgeRateLimit]], kubernetes: [[k8sGatewayRateLimit]], aws: [[awsWafRateLimit]] },
    },
    "mdc-ddos-protection": {
        sources: [MDC],
        text: "DDoS protection active",
        group: "security",
        // On AWS the public entries are CloudFront or an ALB (Shield Standard, always on) behind a WAF whose
        // rate-based rule blocks floods; a per-client rate limit in a proxy is not DDoS protection.
        evidence: { aws: [[publicEntryPoints], [awsWafRateLimit]] },
        notApplicableOn: {
            docker: `no DDoS protection on the dev stack (${LOCAL}, listening on 127.0.0.1); the edge's rate limit is reported under "Rate limiting enabled"`,
            kubernetes:
                "DDoS protection is the cluster's load balancer or CDN, outside the program; the Gateway's per-client rate limit is reported under \"Rate limiting enabled\"",
        },
    },
    "mdc-monitoring-alerts": {
        sources: [MDC, ASSET],
        text: "Monitoring alerts configured",
        group: "security",
        evidence: { kubernetes: [[monitoringAlerts]], aws: [[monitoringAlerts], [awsAlarmActions]] },
        notApplicableOn: { docker: "no alerts on dev: health checks and logs only" },
    },
    "https-enforcement": {
        sources: [HLD, MDC],
        text: "SSL termination at the proxy and HTTPS enforced (HTTP redirects)",
        group: "security",
        evidence: { docker: [[dockerEdgeTls]], kubernetes: [[k8sGatewayTls]], aws: [[awsListenerHttps, awsCloudfrontTls]] },
    },
    "port-restrictions": {
        sources: [AUROMART],
        text: "Port restrictions: no datastore port published or open to the internet",
        group: "security",
        evidence: {
            docker: [[dockerNoDatastorePorts]],
            kubernetes: [[k8sServiceType]],
            aws: [[awsSgNoWorldIngress], [awsDatabaseNotPublic, awsDatastoreIngressFromGroups]],
        },
    },
    "db-from-app-only": {
        sources: [ASSET],
        text: "Databases reachable only from the application security groups",
        group: "security",
        evidence: { aws: [[awsDatastoreIngressFromGroups]] },
        notApplicableOn: {
            docker: 'no security groups on Docker; networks are reported under "Network policies / security groups isolate every service"',
            kubernetes:
                'no security groups on Kubernetes; NetworkPolicies are reported under "Network policies / security groups isolate every service"',
        },
    },
    "encryption-at-rest": {
        sources: [AUROMART, ASSET],
        text: "Encryption at rest for every datastore",
        group: "security",
        evidence: { aws: [[awsDatabaseEncrypted, awsElasticacheEncrypted, awsS3Encryption, awsEfsEncrypted, awsSqsEncrypted]] },
        notApplicableOn: {
            docker: `${LOCAL}: data lives in local volumes on the developer's disk`,
            kubernetes: "encryption at rest is the cluster's StorageClass, which the program does not own",
        },
    },
    "encryption-in-transit": {
        sources: [ASSET],
        text: "TLS for all traffic, database connection encryption",
        group: "security",
        // The edge's TLS proves the first hop only; the item asks for every connection.
        evidence: {
            aws: [
                [awsListenerHttps, awsCloudfrontTls],
                [awsDatabaseTls, awsElasticacheEncrypted],
            ],
        },
        notApplicableOn: {
            docker: "only the edge's TLS is checked here: connections inside the Docker networks are not encrypted on the dev stack",
            kubernetes:
                'no check covers every in-cluster connection: the edge\'s TLS is reported under "SSL termination", datastore connections are not all encrypted',
        },
    },
    "backup-encryption": {
        sources: [AUROMART],
        text: "Data backup encryption",
        group: "security",
        evidence: { aws: [[awsBackupVaultEncrypted, awsS3Encryption]] },
        notApplicableOn: {
            docker: `${LOCAL}: backups are files in a local volume`,
            kubernetes: "backups land in the object store the cluster provides; its encryption is not the program's",
        },
    },
    "private-subnets": {
        sources: [ASSET],
        text: "Application servers in private subnets, databases in isolated subnets",
        group: "security",
        evidence: { aws: [[awsPrivateSubnets], [awsEcsNoPublicIp]] },
        notApplicableOn: {
            docker: "no subnets on Docker; internal networks are reported under network isolation",
            kubernetes: "no subnets in a namespace; NetworkPolicies are reported under network isolation",
        },
    },
    waf: {
        sources: [ASSET],
        text: "WAF (Web Application Firewall)",
        group: "security",
        // public-entry-tls-waf checks the WAF association on AWS only; elsewhere it checks ports and TLS.
        evidence: { aws: [[awsWafManagedRules], [publicEntryPoints, awsCloudfrontWaf]] },
        notApplicableOn: {
            docker: "no WAF on the dev stack: Docker runs no web application firewall",
            kubernetes: "no policy checks that a WAF blocks requests on this stack",
        },
    },
    "no-plaintext-secrets": {
        sources: [ASSET, HLD, PROJECT],
        text: "Secrets never in plaintext environment variables",
        group: "security",
        evidence: everywhere([noPlaintextSecrets]),
    },
    "non-root": {
        sources: [MDC, PROJECT],
        text: "Containers run as a non-root user",
        group: "security",
        evidence: { docker: [[dockerNonRoot]], kubernetes: [[k8sRunAsNonRoot]], aws: [[awsEcsContainerHardening]] },
    },
    "pinned-images": {
        sources: [PROJECT],
        text: "Images pinned to a tag or digest (no latest)",
        group: "security",
        evidence: everywhere([pinnedImages]),
    },
    "debug-off": {
        sources: [AUROMART],
        text: "Debug mode disabled outside development",
        group: "security",
        evidence: everywhere([debugDisabled]),
    },
    "network-segmentation": {
        sources: [MEALKITZ, AUROMART],
        text: "Network policies / security groups isolate every service",
        group: "security",
        evidence: { docker: [[serviceIsolation], [dockerNetworkClosed]], kubernetes: [[serviceIsolation]], aws: [[serviceIsolation]] },
    },
    backups: {
        sources: [AUROMART, MDC, MEALKITZ, ASSET, HLD],
        text: "Every datastore backed up, retention at least the spec's, schedule within the RPO",
        group: "reliability",
        evidence: everywhere([datastoreBackups]),
    },
    "high-availability": {
        sources: [MEALKITZ, ASSET],
        text: "Multi-AZ datastores and failover in production",
        group: "reliability",
        // The datastores' own replicas, instances and zones; the applications' replicas are another row.
        evidence: { kubernetes: [[k8sDatastoreFailover]], aws: [[awsMultiAz]] },
        notApplicableOn: { docker: `${LOCAL}: no second zone to fail over to` },
    },
    "deletion-safety": {
        sources: [PROJECT],
        text: "Stateful production resources protected and deletion-protected",
        group: "reliability",
        evidence: everywhere([protectStateful]),
    },
    "replicas-and-probes": {
        sources: [MDC, MEALKITZ],
        text: "At least two replicas, liveness/readiness probes, disruption budgets, resource limits",
        group: "reliability",
        evidence: {
            kubernetes: [[minReplicas], [k8sProbes], [k8sPdbCoverage], [k8sResources]],
            aws: [[minReplicas], [awsTargetGroupHealth], [awsEcsCircuitBreaker]],
        },
        notApplicableOn: {
            docker: "Docker runs a fixed number of containers per service with no disruption budgets; health checks, limits and restarts are still checked and FAIL here when they fail",
        },
    },
    "autoscaling-bounds": {
        sources: [MDC, MEALKITZ, ASSET],
        text: "Autoscaling bounds sane (min ≥ 2, min ≤ max)",
        group: "reliability",
        evidence: { kubernetes: [[k8sHpaBounds]], aws: [[awsAutoscalingBounds]] },
        notApplicableOn: { docker: "Docker does not autoscale: the dev stack runs a fixed number of replicas" },
    },
    "dead-letter-queues": {
        sources: [MEALKITZ],
        text: "Queues have a dead-letter queue",
        group: "reliability",
        evidence: { aws: [[awsSqsDeadLetter]] },
        notApplicableOn: {
            docker: "queues are a RabbitMQ broker, which does not enforce the spec's maxReceiveCount: no dead-letter queue is checked",
            kubernetes: "queues are a RabbitMQ broker, which does not enforce the spec's maxReceiveCount: no dead-letter queue is checked",
        },
    },
};
