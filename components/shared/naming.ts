/**
 * Names, labels and tags every platform puts on what it creates, so policies, dashboards and
 * people can tell what a resource is: which system, which tier, which environment.
 */
import { createHash } from "crypto";
import type { System } from "../../model";

/** The value of every `managed-by` label and tag. */
export const MANAGED_BY = "tierform";

/** The tiers of ARCHITECTURE.md, as labels/tags say them. */
export type Tier = "network" | "edge" | "service" | "database" | "cache" | "queue" | "bucket" | "backup" | "monitoring" | "secrets";

/**
 * `<a>-<b>-...` in lower case, safe for DNS labels, container and AWS names. Longer than
 * `maxLength` (default 63) it is cut and ends in a short hash, so it stays unique.
 */
export function resourceName(parts: string[], maxLength = 63): string {
    const full = parts
        .join("-")
        .toLowerCase()
        .replace(/[^a-z0-9-]+/g, "-")
        .replace(/-+/g, "-")
        .replace(/^-|-$/g, "");
    if (full.length <= maxLength) return full;
    const hash = createHash("sha256").update(full).digest("hex").slice(0, 6);
    return `${full.slice(0, maxLength - 7).replace(/-$/, "")}-${hash}`;
}

/** Kubernetes recommended labels (`app.kubernetes.io/*`) for a component of a tier. */
export function kubernetesLabels(system: System, component: string, tier: Tier): Record<string, string> {
    return {
        "app.kubernetes.io/name": component,
        "app.kubernetes.io/instance": resourceName([system.name, component]),
        "app.kubernetes.io/part-of": system.name,
        "app.kubernetes.io/component": tier,
        "app.kubernetes.io/managed-by": MANAGED_BY,
        "tierform.io/environment": system.environment,
    };
}

/** AWS tags of a tier: `system`, `environment`, `tier`, `managed-by`. */
export function awsTags(system: System, tier: Tier): Record<string, string> {
    return { system: system.name, environment: system.environment, tier, "managed-by": MANAGED_BY };
}

/** Docker labels: `tierform.system`, `.environment`, `.tier`, and `.datastore` for what belongs to one. */
export function dockerLabels(system: System, tier: Tier, datastore?: string): Record<string, string> {
    return {
        "tierform.system": system.name,
        "tierform.environment": system.environment,
        "tierform.tier": tier,
        "tierform.managed-by": MANAGED_BY,
        ...(datastore ? { "tierform.datastore": datastore } : {}),
    };
}
