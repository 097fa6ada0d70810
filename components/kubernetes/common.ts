/**
 * What every Kubernetes tier shares: the context a tier is built in, names, label selectors, the
 * restricted-PSA security contexts, resource quantities, and the network-flow model that
 * `namespace.ts` turns into NetworkPolicies.
 *
 * Every object tierform creates on Kubernetes has an explicit `metadata.name` and
 * `metadata.namespace` (predictable DNS, no auto-naming) and carries `kubernetesLabels(...)`.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import * as random from "@pulumi/random";
import type * as k8sTypes from "@pulumi/kubernetes/types/input";
import type { Settings, Size, System } from "../../model";
import { kubernetesLabels, resourceName, type Tier } from "../shared/naming";

/** Namespaces where tierform installs (or expects) the cluster operators; see operators.ts. */
export const OPERATOR_NAMESPACES = {
    envoyGateway: "envoy-gateway-system",
    keda: "keda",
    certManager: "cert-manager",
    cnpg: "cnpg-system",
    monitoring: "monitoring",
} as const;

/** Everything a tier component needs to know about where it is built. */
export interface KubeContext {
    /** The resolved system. */
    system: System;
    /** The stack's settings (namespace, storageClass, s3Endpoint, monitoringCrds, ...). */
    settings: Settings;
    /** Namespace name as a string (for DNS names computed at plan time). */
    namespaceName: string;
    /**
     * Namespace as an Output of the Namespace resource, so every object depends on it.
     * @default namespaceName
     */
    namespace: pulumi.Input<string>;
}

/** The namespace tierform deploys `system` into: `settings.namespace`, else the system name. */
export function namespaceOf(system: System, settings: Settings): string {
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
export function selectorOf(system: System, component: string): Record<string, string> {
    return {
        "app.kubernetes.io/instance": resourceName([system.name, component]),
        "app.kubernetes.io/part-of": system.name,
    };
}

/** `<name>.<namespace>.svc.cluster.local`. */
export function serviceHost(name: string, namespace: string): string {
    return `${name}.${namespace}.svc.cluster.local`;
}

/** The non-root identity and seccomp profile both security contexts carry. */
function identity(uid: number, gid: number) {
    return { runAsNonRoot: true, runAsUser: uid, runAsGroup: gid, seccompProfile: { type: "RuntimeDefault" } };
}

/**
 * Pod securityContext admitted by Pod Security Admission `restricted`: non-root uid/gid, fsGroup
 * (so volumes are writable by the group), seccomp RuntimeDefault.
 */
export function podSecurityContext(uid: number, gid: number = uid): k8sTypes.core.v1.PodSecurityContext {
    return { ...identity(uid, gid), fsGroup: gid, fsGroupChangePolicy: "OnRootMismatch" };
}

/** Container securityContext: no privilege escalation, read-only root, all capabilities dropped. */
export function containerSecurityContext(uid: number, gid: number = uid): k8sTypes.core.v1.SecurityContext {
    return { ...identity(uid, gid), allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, privileged: false, capabilities: { drop: ["ALL"] } };
}

/**
 * A pod spec every tier uses (apps, jobs, datastores): the restricted-PSA pod securityContext of
 * `uid`/`gid`, no service-account token (nothing here talks to the API server), no service-link
 * environment variables. `spec` adds the containers, volumes and the rest.
 */
export function restrictedPodSpec(uid: number, gid: number, spec: k8sTypes.core.v1.PodSpec): k8sTypes.core.v1.PodSpec {
    return { automountServiceAccountToken: false, enableServiceLinks: false, securityContext: podSecurityContext(uid, gid), ...spec };
}

/** A container with the restricted securityContext of `uid`/`gid` and requests = limits of `size`. */
export function restrictedContainer(
    uid: number,
    gid: number,
    size: { cpu: number; memoryMb: number },
    container: k8sTypes.core.v1.Container,
): k8sTypes.core.v1.Container {
    return { imagePullPolicy: "IfNotPresent", ...container, resources: resourceRequirements(size.cpu, size.memoryMb), securityContext: containerSecurityContext(uid, gid) };
}

/** Labels of the pods of `component`: the standard labels plus its selector. */
export function podLabels(ctx: KubeContext, component: string, tier: Tier, extra: Record<string, string> = {}): Record<string, string> {
    return { ...kubernetesLabels(ctx.system, component, tier), ...selectorOf(ctx.system, component), ...extra };
}

/** Kubernetes CPU quantity of `cores` (0.5 → "500m"). */
export function cpuQuantity(cores: number): string {
    return `${Math.max(1, Math.round(cores * 1000))}m`;
}

/**
 * Requests and limits: memory request = limit (no overcommit, no OOM surprises), CPU request =
 * limit (Guaranteed QoS, predictable HPA utilisation).
 */
export function resourceRequirements(cpu: number, memoryMb: number): k8sTypes.core.v1.ResourceRequirements {
    const r = { cpu: cpuQuantity(cpu), memory: `${memoryMb}Mi` };
    return { requests: r, limits: r };
}

/** CPU and memory of a datastore of a profile size. */
export const DATASTORE_SIZES: Record<Size, { cpu: number; memoryMb: number }> = {
    small: { cpu: 0.25, memoryMb: 512 },
    medium: { cpu: 1, memoryMb: 2048 },
    large: { cpu: 2, memoryMb: 8192 },
};

/** CPU and memory of a cache or queue: one size below the databases', at most medium. */
export function brokerSize(system: System): { cpu: number; memoryMb: number } {
    return DATASTORE_SIZES[system.profile.dataSize === "large" ? "medium" : "small"];
}

/** emptyDir volumes and mounts for paths that must stay writable under a read-only root. */
export function writableVolumes(paths: string[], sizeLimit = "1Gi"): { volumes: k8sTypes.core.v1.Volume[]; mounts: k8sTypes.core.v1.VolumeMount[] } {
    const volumes = paths.map((_, i) => ({ name: `writable-${i}`, emptyDir: { sizeLimit } }));
    const mounts = paths.map((mountPath, i) => ({ name: `writable-${i}`, mountPath }));
    return { volumes, mounts };
}

/** An exec probe running `command` (argv) in the container: exit 0 = healthy. */
export function execProbe(command: string[], initialDelaySeconds: number, periodSeconds = 10, timeoutSeconds = 5, failureThreshold = 6): k8sTypes.core.v1.Probe {
    return { exec: { command }, initialDelaySeconds, periodSeconds, timeoutSeconds, failureThreshold };
}

/** Topology spread over nodes and zones; `ScheduleAnyway` so a one-node staging cluster still schedules. */
export function topologySpread(selector: Record<string, string>): k8sTypes.core.v1.TopologySpreadConstraint[] {
    return [
        { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: selector } },
        { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: selector } },
    ];
}

/**
 * A one-off Job of `component` named `<component>-<hash of version>`: a Job's pod template cannot
 * change, so each new `version` (what it runs: image and command, a script) gets a new Job and
 * runs once, while an unchanged one is left alone.
 *
 * A Job that failed (its retries spent) would otherwise block every later `pulumi up`: Pulumi keeps
 * waiting for the unready Job of the same name. `pulumi.com/replaceUnready: "true"` makes the next
 * update replace it instead (pulumi-kubernetes, `batch/v1/job.d.ts`: "If you would prefer to
 * schedule a replacement for an unready resource on the next update, you can add the
 * \"pulumi.com/replaceUnready\": \"true\" annotation"; PR pulumi/pulumi-kubernetes#1575).
 */
export function versionedJob(
    ctx: KubeContext,
    component: string,
    tier: Tier,
    version: string,
    spec: { backoffLimit: number; activeDeadlineSeconds: number; pod: k8sTypes.core.v1.PodSpec },
    opts: pulumi.CustomResourceOptions,
): k8s.batch.v1.Job {
    const hash = createHash("sha256").update(version).digest("hex").slice(0, 8);
    return new k8s.batch.v1.Job(
        logicalName(ctx, component),
        {
            metadata: meta(ctx, `${component}-${hash}`, component, tier, { annotations: { [REPLACE_UNREADY]: "true" } }),
            spec: {
                backoffLimit: spec.backoffLimit,
                activeDeadlineSeconds: spec.activeDeadlineSeconds,
                template: { metadata: { labels: podLabels(ctx, component, tier) }, spec: spec.pod },
            },
        },
        opts,
    );
}

/** The annotation that lets the next `pulumi up` replace a Job that failed (see {@link versionedJob}). */
export const REPLACE_UNREADY = "pulumi.com/replaceUnready";

/** A generated password (alphanumeric, so it is safe in URLs and shells), named `<system>-<component>-<suffix>`. */
export function generatedPassword(
    ctx: KubeContext,
    parent: pulumi.Resource,
    component: string,
    suffix = "password",
    args: Omit<random.RandomPasswordArgs, "special"> = { length: 32 },
): pulumi.Output<string> {
    return new random.RandomPassword(logicalName(ctx, component, suffix), { ...args, special: false }, { parent }).result;
}

/**
 * The Secret `<component>-<suffix>` of `component` (e.g. `cache-auth`, `db-credentials`) holding
 * `data`; pods read it by `secretKeyRef`, never inline.
 */
export function componentSecret(
    ctx: KubeContext,
    parent: pulumi.Resource,
    component: string,
    suffix: string,
    data: Record<string, pulumi.Input<string>>,
    type = "Opaque",
): { name: string; secret: k8s.core.v1.Secret } {
    const name = `${component}-${suffix}`;
    // Every value a Pulumi secret (user names too), so state and the plan's JSON never hold them in the clear.
    const secret = new k8s.core.v1.Secret(logicalName(ctx, component, suffix), { metadata: meta(ctx, name, component, "secrets"), type, stringData: pulumi.secret(data) }, { parent });
    return { name, secret };
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
export function deletionSafety(system: System, retain: boolean): Pick<pulumi.CustomResourceOptions, "protect" | "retainOnDelete"> {
    if (system.profile.deletionProtection) return { protect: true };
    return retain ? { retainOnDelete: true } : {};
}

/** `{name, valueFrom.secretKeyRef}` of an environment variable. */
export function secretEnv(name: string, secretName: pulumi.Input<string>, key: string): k8sTypes.core.v1.EnvVar {
    return { name, valueFrom: { secretKeyRef: { name: secretName, key } } };
}

/** Environment variables by secretKeyRef from one Secret: `{ VARIABLE: key }`. */
export function secretEnvs(secretName: pulumi.Input<string>, keys: Record<string, string>): k8sTypes.core.v1.EnvVar[] {
    return Object.entries(keys).map(([name, key]) => secretEnv(name, secretName, key));
}

/** One end of a network flow. */
export type Peer =
    /** Pods of this namespace matching the labels. */
    | { kind: "pods"; component: string; selector: Record<string, string> }
    /** Pods of another namespace (an operator, the ingress controller, Prometheus). */
    | { kind: "namespace"; component: string; namespace: string; podSelector?: Record<string, string> }
    /** Addresses outside the cluster (an S3 endpoint, the API server). */
    | { kind: "cidr"; component: string; cidr: string; except?: string[] };

/**
 * One allowed connection. `namespace.ts` makes an Ingress policy on `to` (when it is pods of the
 * namespace) and an Egress policy on `from` (when it is pods of the namespace).
 */
export interface Flow {
    /** Who connects. */
    from: Peer;
    /** Who is connected to. */
    to: Peer;
    /** Destination container ports. */
    ports: { port: number; protocol?: "TCP" | "UDP" }[];
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
    /** The objects apps should wait for (so pods do not crash-loop while the datastore starts). */
    ready: pulumi.Resource[];
}

/**
 * Secret a user creates in the namespace when `tierform:s3Endpoint` is set (keys
 * `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`): credentials of an external object store never
 * pass through Pulumi config. Without an endpoint, each identity gets its own Secret of the same shape (bucket.ts).
 */
export const EXTERNAL_S3_SECRET = "s3-credentials";
