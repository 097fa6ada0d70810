/**
 * Where a Kubernetes tier is built and what it calls things: the context (system, settings,
 * namespace), logical and object names, metadata and label selectors, in-cluster DNS names, and
 * what keeps stateful objects from deletion.
 *
 * Every object tierform creates on Kubernetes has an explicit `metadata.name` and
 * `metadata.namespace` (predictable DNS, no auto-naming) and carries `kubernetesLabels(...)`.
 */
import type { ConnectionValues } from "../contract";
import * as pulumi from "@pulumi/pulumi";
import type * as k8sTypes from "@pulumi/kubernetes/types/input";
import { kubernetesLabels, resourceName, type Tier } from "../shared/naming";
import type { DatastoreKind, DatastoreSpecs, PlatformSettings, SystemFacts, SystemPlan } from "../../plan";

/** Namespaces where tierform installs (or expects) the cluster operators; see operators.ts. */
export const OPERATOR_NAMESPACES = {
    envoyGateway: "envoy-gateway-system",
    keda: "keda",
    certManager: "cert-manager",
    cnpg: "cnpg-system",
    monitoring: "monitoring",
    argoRollouts: "argo-rollouts",
    istio: "istio-system",
} as const;

/** Everything a tier component needs to know about where it is built. */
export interface KubeContext {
    /** The system's plan (plan/index.ts `planSystem`): everything a component renders. */
    system: SystemPlan;
    /** The stack's settings (namespace, storageClass, s3Endpoint, monitoringCrds, ...). */
    settings: PlatformSettings;
    /** Namespace name as a string (for DNS names computed at plan time). */
    namespaceName: string;
    /**
     * Namespace as an Output of the Namespace resource, so every object depends on it.
     * @default namespaceName
     */
    namespace: pulumi.Input<string>;
}

/** The namespace tierform deploys `system` into: `settings.namespace`, else the system name. */
export function namespaceOf(system: Pick<SystemFacts, "name">, settings: PlatformSettings): string {
    return settings.namespace || system.name;
}

/** A Pulumi logical name, unique across the stack: `<system>-<parts>`. */
export function logicalName(ctx: KubeContext, ...parts: string[]): string {
    return resourceName([ctx.system.name, ...parts]);
}

/** `metadata` with explicit name, namespace and the standard labels. */
export function meta(
    ctx: KubeContext,
    name: string,
    component: string,
    tier: Tier,
    extra: { labels?: Record<string, string>; annotations?: Record<string, string> } = {},
): k8sTypes.meta.v1.ObjectMeta {
    return {
        name,
        namespace: ctx.namespace,
        labels: { ...kubernetesLabels(ctx.system, component, tier), ...(extra.labels ?? {}) },
        ...(extra.annotations ? { annotations: extra.annotations } : {}),
    };
}

/** The pod selector of a component: stable (never changes with environment or tier wording). */
export function selectorOf(system: Pick<SystemFacts, "name">, component: string): Record<string, string> {
    return {
        "app.kubernetes.io/instance": resourceName([system.name, component]),
        "app.kubernetes.io/part-of": system.name,
    };
}

/** `<name>.<namespace>.svc.cluster.local`. */
export function serviceHost(name: string, namespace: string): string {
    return `${name}.${namespace}.svc.cluster.local`;
}

/** Labels of the pods of `component`: the standard labels plus its selector. */
export function podLabels(ctx: KubeContext, component: string, tier: Tier, extra: Record<string, string> = {}): Record<string, string> {
    return { ...kubernetesLabels(ctx.system, component, tier), ...selectorOf(ctx.system, component), ...extra };
}

/**
 * Deletion safety of an object that holds data, or whose deletion deletes data:
 *
 * - where the environment profile has deletion protection (prod): `protect`, so `pulumi destroy`
 *   and replacements refuse to delete it;
 * - elsewhere (staging), when `retain` is set: `retainOnDelete`, so `pulumi destroy` forgets it but
 *   leaves it in the cluster. Used for the Namespace (deleting it would delete every PVC in it,
 *   whatever their retention policy) and the backup PVCs; see namespace.ts for why no more.
 */
export function deletionSafety(
    system: Pick<SystemFacts, "profile">,
    retain: boolean,
): Pick<pulumi.CustomResourceOptions, "protect" | "retainOnDelete"> {
    if (system.profile.deletionProtection) return { protect: true };
    return retain ? { retainOnDelete: true } : {};
}

/** The spec entries of the plan's datastores of `kind`, in creation order (spec order). */
export function specsOf<K extends DatastoreKind>(plan: Pick<SystemPlan, "datastores">, kind: K): DatastoreSpecs[K][] {
    return Object.values(plan.datastores).flatMap((d) => (d.kind === kind ? [d.spec as DatastoreSpecs[K]] : []));
}

/** How apps reach one datastore; the URL carries credentials and is always a secret. */
export interface DatastoreConnection {
    /** Writer host (cluster DNS name). */
    host: string;
    /** Client port. */
    port: number;
    /** Read-only endpoints (CloudNativePG `-ro` service), where there are replicas. */
    readerHosts?: string[];
    /** Connection URL with credentials (secret), or the bucket name for buckets (plain). */
    url: pulumi.Output<string>;
    /** A database's or cache's URL per client and discrete parts (components/contract.ts). */
    values?: ConnectionValues;
    /** The objects apps should wait for (so pods do not crash-loop while the datastore starts). */
    ready: pulumi.Resource[];
}
