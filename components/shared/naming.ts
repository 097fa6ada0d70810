/**
 * Names, labels and tags every platform puts on what it creates, so policies, dashboards and
 * people can tell what a resource is: which system, which tier, which environment.
 */
import { createHash } from "crypto";
import { DOCKER_LABEL, K8S_ANNOTATION, MANAGED_BY, type Tier } from "../../conventions/labels";
import type { SystemFacts } from "../../plan";

export { MANAGED_BY, type Tier };

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
export function kubernetesLabels(system: SystemFacts, component: string, tier: Tier): Record<string, string> {
    return {
        "app.kubernetes.io/name": component,
        "app.kubernetes.io/instance": resourceName([system.name, component]),
        "app.kubernetes.io/part-of": system.name,
        "app.kubernetes.io/component": tier,
        "app.kubernetes.io/managed-by": MANAGED_BY,
        [K8S_ANNOTATION.environment]: system.environment,
    };
}

/** AWS tags of a tier: `system`, `environment`, `tier`, `managed-by`. */
export function awsTags(system: SystemFacts, tier: Tier): Record<string, string> {
    return { system: system.name, environment: system.environment, tier, "managed-by": MANAGED_BY };
}

/** Docker labels: `tierform.system`, `.environment`, `.tier`, and `.datastore` for what belongs to one. */
export function dockerLabels(system: SystemFacts, tier: Tier, datastore?: string): Record<string, string> {
    return {
        [DOCKER_LABEL.system]: system.name,
        [DOCKER_LABEL.environment]: system.environment,
        [DOCKER_LABEL.tier]: tier,
        [DOCKER_LABEL.managedBy]: MANAGED_BY,
        ...(datastore ? { [DOCKER_LABEL.datastore]: datastore } : {}),
    };
}
