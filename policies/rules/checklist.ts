/**
 * The checklist items the packs enforce, named by what they are. Each item cites where it comes
 * from in `docs/checklists.md` (which quotes every seed's checklist items verbatim), so a reader
 * of the report can open its source. Each policy names the items it stands for; the offline
 * report shows an item PASS only when a check that could fail has run on that stack and passed.
 */

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
     * Per platform, policies that list this item but do not prove it there (e.g. on Docker
     * `public-entry-tls-waf` only looks at published ports, which is no WAF). Their passing does
     * not count; their failing still does.
     */
    notEvidenceOn?: Partial<Record<ChecklistPlatform, string[]>>;
    /** Per platform, why the item is N/A there when no check of it applies. */
    notApplicableOn?: Partial<Record<ChecklistPlatform, string>>;
}

const MDC = "docs/checklists.md#mdc-production-security-checklist";
const AUROMART = "docs/checklists.md#auromart-security-and-backups";
const MEALKITZ = "docs/checklists.md#mealkitz-kubernetes-queues-and-recovery";
const ASSET = "docs/checklists.md#asset-management-networking-security-and-recovery";
const HLD = "docs/checklists.md#hld-platform-proxy-secrets-and-backups";
const PROJECT = "docs/checklists.md#the-projects-own-rules";

const LOCAL = "the dev stack runs on one Docker host";

/** Every checklist item by id, in report order: the MDC Production Security Checklist first. */
export const CHECKLIST: Record<string, ChecklistItem> = {
    "mdc-ssl-certificates": { sources: [MDC], text: "SSL certificates configured", group: "security" },
    "mdc-security-headers": { sources: [MDC], text: "Security headers enabled", group: "security" },
    "mdc-firewall-rules": { sources: [MDC, AUROMART], text: "Firewall rules configured", group: "security" },
    "mdc-database-encrypted": {
        sources: [MDC],
        text: "Database encrypted",
        group: "security",
        notApplicableOn: {
            docker: `${LOCAL}: data lives in local volumes on the developer's disk`,
            kubernetes: "encryption at rest is the cluster's StorageClass, which the program does not own",
        },
    },
    "mdc-secrets-in-vault": { sources: [MDC, ASSET, HLD], text: "Secrets in vault", group: "security" },
    "mdc-rate-limiting": { sources: [MDC], text: "Rate limiting enabled", group: "security" },
    "mdc-ddos-protection": {
        sources: [MDC],
        text: "DDoS protection active",
        group: "security",
        // A per-client rate limit and "only the edge publishes ports" are not DDoS protection.
        notEvidenceOn: {
            docker: ["docker-edge-rate-limit", "public-entry-tls-waf"],
            kubernetes: ["k8s-ingress-rate-limit", "public-entry-tls-waf"],
        },
        notApplicableOn: {
            docker: `no DDoS protection on the dev stack (${LOCAL}, listening on 127.0.0.1); the edge's rate limit is reported under "Rate limiting enabled"`,
            kubernetes:
                'DDoS protection is the cluster\'s load balancer or CDN, outside the program; the Ingress rate limit is reported under "Rate limiting enabled"',
        },
    },
    "mdc-monitoring-alerts": { sources: [MDC, ASSET], text: "Monitoring alerts configured", group: "security" },
    "https-enforcement": {
        sources: [HLD, MDC],
        text: "SSL termination at the proxy and HTTPS enforced (HTTP redirects)",
        group: "security",
    },
    "port-restrictions": {
        sources: [AUROMART],
        text: "Port restrictions: no datastore port published or open to the internet",
        group: "security",
    },
    "db-from-app-only": {
        sources: [ASSET],
        text: "Databases reachable only from the application security groups",
        group: "security",
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
        notEvidenceOn: {
            docker: ["docker-edge-tls", "public-entry-tls-waf"],
            kubernetes: ["k8s-ingress-tls", "public-entry-tls-waf", "k8s-cnpg-cluster"],
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
        notApplicableOn: {
            docker: `${LOCAL}: backups are files in a local volume`,
            kubernetes: "backups land in the object store the cluster provides; its encryption is not the program's",
        },
    },
    "private-subnets": {
        sources: [ASSET],
        text: "Application servers in private subnets, databases in isolated subnets",
        group: "security",
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
        notEvidenceOn: { docker: ["public-entry-tls-waf"], kubernetes: ["public-entry-tls-waf"] },
        notApplicableOn: {
            docker: "no WAF on the dev stack: Docker runs no web application firewall",
            kubernetes: "no policy checks that a WAF blocks requests on this stack",
        },
    },
    "no-plaintext-secrets": { sources: [ASSET, HLD, PROJECT], text: "Secrets never in plaintext environment variables", group: "security" },
    "non-root": { sources: [MDC, PROJECT], text: "Containers run as a non-root user", group: "security" },
    "pinned-images": { sources: [PROJECT], text: "Images pinned to a tag or digest (no latest)", group: "security" },
    "debug-off": { sources: [AUROMART], text: "Debug mode disabled outside development", group: "security" },
    "network-segmentation": {
        sources: [MEALKITZ, AUROMART],
        text: "Network policies / security groups isolate every service",
        group: "security",
    },
    backups: {
        sources: [AUROMART, MDC, MEALKITZ, ASSET, HLD],
        text: "Every datastore backed up, retention at least the spec's, schedule within the RPO",
        group: "reliability",
    },
    "high-availability": {
        sources: [MEALKITZ, ASSET],
        text: "Multi-AZ datastores and failover in production",
        group: "reliability",
        notApplicableOn: { docker: `${LOCAL}: no second zone to fail over to` },
    },
    "deletion-safety": { sources: [PROJECT], text: "Stateful production resources protected and deletion-protected", group: "reliability" },
    "replicas-and-probes": {
        sources: [MDC, MEALKITZ],
        text: "At least two replicas, liveness/readiness probes, disruption budgets, resource limits",
        group: "reliability",
    },
    "autoscaling-bounds": {
        sources: [MDC, MEALKITZ, ASSET],
        text: "Autoscaling bounds sane (min ≥ 2, min ≤ max)",
        group: "reliability",
        notApplicableOn: { docker: "Docker does not autoscale: the dev stack runs a fixed number of replicas" },
    },
    "dead-letter-queues": { sources: [MEALKITZ], text: "Queues have a dead-letter queue", group: "reliability" },
};
