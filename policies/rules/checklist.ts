/**
 * The seeds' checklist items the packs enforce. The eight items of the MDC "Production Security
 * Checklist" (seed 001) come first, then the security and reliability items of the other seeds.
 * Each policy names the items it stands for; the offline report maps every item to PASS or FAIL.
 */

/** One checklist item and where it comes from. */
export interface ChecklistItem {
    seed: string;
    text: string;
    group: "security" | "reliability";
}

/** Every checklist item by id, in report order. */
export const CHECKLIST: Record<string, ChecklistItem> = {
    "mdc-ssl-certificates": { seed: "001 MDC Production Security Checklist", text: "SSL certificates configured", group: "security" },
    "mdc-security-headers": { seed: "001 MDC Production Security Checklist", text: "Security headers enabled", group: "security" },
    "mdc-firewall-rules": { seed: "001 MDC Production Security Checklist", text: "Firewall rules configured", group: "security" },
    "mdc-database-encrypted": { seed: "001 MDC Production Security Checklist", text: "Database encrypted", group: "security" },
    "mdc-secrets-in-vault": { seed: "001 MDC Production Security Checklist", text: "Secrets in vault", group: "security" },
    "mdc-rate-limiting": { seed: "001 MDC Production Security Checklist", text: "Rate limiting enabled", group: "security" },
    "mdc-ddos-protection": { seed: "001 MDC Production Security Checklist", text: "DDoS protection active", group: "security" },
    "mdc-monitoring-alerts": { seed: "001 MDC Production Security Checklist", text: "Monitoring alerts configured", group: "security" },
    "https-enforcement": { seed: "004 HLD §2.2-2.3, 001 nginx", text: "SSL termination at the proxy and HTTPS enforced (HTTP redirects)", group: "security" },
    "port-restrictions": { seed: "000 AuroMart Network Security", text: "Port restrictions: no datastore port published or open to the internet", group: "security" },
    "db-from-app-only": { seed: "003 Asset Management Networking", text: "Databases reachable only from the application security groups", group: "security" },
    "encryption-at-rest": { seed: "000 Data Security, 003 Data Protection", text: "Encryption at rest for every datastore", group: "security" },
    "encryption-in-transit": { seed: "003 Security Measures", text: "TLS for all traffic, database connection encryption", group: "security" },
    "backup-encryption": { seed: "000 Data Security", text: "Data backup encryption", group: "security" },
    "private-subnets": { seed: "003 Network Architecture", text: "Application servers in private subnets, databases in isolated subnets", group: "security" },
    "waf": { seed: "003 Security Measures", text: "WAF (Web Application Firewall)", group: "security" },
    "no-plaintext-secrets": { seed: "003/004 secrets management, seeds README", text: "Secrets never in plaintext environment variables", group: "security" },
    "non-root": { seed: "001 Dockerfile", text: "Containers run as a non-root user", group: "security" },
    "pinned-images": { seed: "seeds README", text: "Images pinned to a tag or digest (no latest)", group: "security" },
    "debug-off": { seed: "000 production config", text: "Debug mode disabled outside development", group: "security" },
    "network-segmentation": { seed: "002 Network Security", text: "Network policies / security groups isolate every service", group: "security" },
    "backups": { seed: "000/001/002/003/004 Backup Strategy", text: "Every datastore backed up, retention at least the spec's, schedule within the RPO", group: "reliability" },
    "high-availability": { seed: "002/003 failover, read replicas", text: "Multi-AZ datastores and failover in production", group: "reliability" },
    "deletion-safety": { seed: "ARCHITECTURE Closed by default", text: "Stateful production resources protected and deletion-protected", group: "reliability" },
    "replicas-and-probes": { seed: "001 Autoscaling, 002 Kubernetes", text: "At least two replicas, liveness/readiness probes, disruption budgets, resource limits", group: "reliability" },
    "autoscaling-bounds": { seed: "001 Autoscaling (2-10), 002 HPA 3-10", text: "Autoscaling bounds sane (min ≥ 2, min ≤ max)", group: "reliability" },
    "dead-letter-queues": { seed: "002 SQS", text: "Queues have a dead-letter queue", group: "reliability" },
};
