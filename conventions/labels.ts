/**
 * The names components write on resources and policies (and the offline plan, the diagrams) read
 * back: Docker labels, Kubernetes annotations, AWS tag keys, the tiers. One home, imported by
 * both, so a renamed key cannot leave a policy checking nothing.
 */

/** The `managed-by` value on everything tierform creates. */
export const MANAGED_BY = "tierform";

/** The tiers a resource belongs to (label `tierform.tier`, annotation component, tag `tier`). */
export const TIERS = ["network", "edge", "service", "database", "cache", "queue", "bucket", "backup", "monitoring", "secrets"] as const;
/** One of {@link TIERS}. */
export type Tier = (typeof TIERS)[number];

/** Docker label keys. */
export const DOCKER_LABEL = {
    system: "tierform.system",
    environment: "tierform.environment",
    tier: "tierform.tier",
    managedBy: "tierform.managed-by",
    /** The spec datastore a container or volume belongs to. */
    datastore: "tierform.datastore",
    /** The spec service a container belongs to. */
    service: "tierform.service",
    /** The container's role beside the main process: config-files, volume-init, migrate, bucket-setup. */
    role: "tierform.role",
    /** The engine of a datastore container (postgres, mysql, mongodb, redis, ...). */
    engine: "tierform.engine",
    /** Backup loop: full schedule, incremental schedule, retention, RPO. */
    backupSchedule: "tierform.backup.schedule",
    backupIncrementalSchedule: "tierform.backup.incremental-schedule",
    backupRetentionDays: "tierform.backup.retention-days",
    backupRpoMinutes: "tierform.backup.rpo-minutes",
    /** The days after which the backup script deletes a dump: the value the renderer wrote into it (policies read this, never the script). */
    backupPruneDays: "tierform.backup.prune-days",
    /** Why a network is attachable (the policy asks for a reason). */
    attachableReason: "tierform.attachable-reason",
} as const;

/** `tierform.after.<role>`: the one-shot step (by role) a container waited for, and its exit. */
export function afterLabel(role: string): string {
    return `tierform.after.${role}`;
}

/** Kubernetes annotation keys (labels are the app.kubernetes.io ones). */
export const K8S_ANNOTATION = {
    environment: "tierform.io/environment",
    retentionDays: "tierform.io/retention-days",
    rpoMinutes: "tierform.io/rpo-minutes",
    /** The days after which a backup CronJob's script deletes a dump: the value the renderer wrote into it (policies read this, never the script). */
    pruneDays: "tierform.io/prune-days",
    /** A workload that must never run twice (a scheduler). */
    singleton: "tierform.io/singleton",
    backupKind: "tierform.io/backup-kind",
    /** The spec database a backup CronJob dumps. */
    datastore: "tierform.io/datastore",
    /**
     * Why a namespace enforces a Pod Security level below restricted (the node log collector's
     * hostPath): the k8s-namespace-pod-security policy accepts the lower level only with this reason.
     */
    podSecurityException: "tierform.io/pod-security-exception",
    /**
     * Why a PeerAuthentication admits plain text on a port of a meshed workload (the EKS load balancer, outside the
     * mesh, reaching a routed service): the mesh policy accepts a PERMISSIVE port only with this reason.
     */
    meshPlaintextReason: "tierform.io/mesh-plaintext-reason",
} as const;

/**
 * The `backupKind` of a restore test (a Kubernetes CronJob that restores a dump into a scratch
 * server, components/kubernetes/restore-test.ts): it reads the backups, it is none of them, so the
 * backup policies leave it out.
 */
export const RESTORE_TEST_KIND = "restore-test";

/** AWS tag keys beyond {@link AWS_TAG_KEYS}: the spec database an AWS Backup plan backs up (`file_shares` for the file shares' plan). */
export const AWS_TAG = { backupOf: "backup-of" } as const;

/** Tag keys every taggable AWS resource carries (the provider's default tags plus `tier`). */
export const AWS_TAG_KEYS = ["system", "environment", "tier", "managed-by"] as const;
