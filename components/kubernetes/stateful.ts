/**
 * The one-replica StatefulSet + headless Service every self-run datastore uses (MySQL, MongoDB,
 * Redis, RabbitMQ, the object store): a PVC from a volumeClaimTemplate, probes, a restricted-PSA security
 * context with the image's own non-root uid, a read-only root with emptyDirs where the engine
 * writes, no service-account token. Not a component: the tier components call it.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type * as k8sTypes from "@pulumi/kubernetes/types/input";
import type { Tier } from "../shared/naming";
import { deletionSafety, logicalName, meta, podLabels, selectorOf, serviceHost, type KubeContext } from "./context";
import { restrictedContainer, restrictedPodSpec, writableVolumes } from "./pods";

/** `dependsOn` (a resource, a list, an Input of either, or nothing) with `more` added. */
export function mergeDependsOn(
    dependsOn: pulumi.CustomResourceOptions["dependsOn"],
    ...more: pulumi.Resource[]
): pulumi.Input<pulumi.Input<pulumi.Resource>[]> {
    if (dependsOn === undefined) return more;
    if (Array.isArray(dependsOn)) return [...dependsOn, ...more];
    if (pulumi.Resource.isInstance(dependsOn)) return [dependsOn, ...more];
    return pulumi.output(dependsOn as pulumi.Input<pulumi.Resource[]>).apply((d) => [...d, ...more]);
}

/** Arguments of {@link statefulWorkload}. */
export interface StatefulWorkloadArgs {
    /** Component (and object) name, e.g. the datastore's name. */
    component: string;
    /** The tier, for the `app.kubernetes.io/component` label. */
    tier: Tier;
    /** Pinned image. */
    image: string;
    /** The image's non-root user. */
    uid: number;
    /** The image's group (also the fsGroup of the volumes). */
    gid: number;
    /** Container ports by name, the first being the client port. */
    ports: { name: string; port: number }[];
    /** @default [] */
    env?: k8sTypes.core.v1.EnvVar[];
    /** @default the image's entrypoint */
    command?: string[];
    /** @default the image's arguments */
    args?: string[];
    /** Where the persistent volume is mounted. */
    dataPath: string;
    /**
     * Size of the PVC in GiB.
     * @default undefined: data in an emptyDir (a cache without persistence)
     */
    storageGb?: number;
    /**
     * Whether a later `storageGb` resizes the claim in place ({@link claimSizePatch}). Off where the
     * size is computed rather than given (the object store, from the databases' sizes and retention):
     * a routine change may lower it, and a claim cannot shrink; the claim then keeps its first size.
     * @default true
     */
    resizeClaim?: boolean;
    /** Paths the engine writes besides its data (emptyDirs). */
    writablePaths: string[];
    /**
     * Extra volumes (ConfigMaps) and where to mount them.
     * @default []
     */
    extraVolumes?: { volume: k8sTypes.core.v1.Volume; mount: k8sTypes.core.v1.VolumeMount }[];
    /** Restarts a hung engine. */
    liveness: k8sTypes.core.v1.Probe;
    /** Keeps clients away until the engine answers. */
    readiness: k8sTypes.core.v1.Probe;
    /** @default no startup probe */
    startup?: k8sTypes.core.v1.Probe;
    /** CPU (cores) and memory (MiB); requests = limits. */
    resources: { cpu: number; memoryMb: number };
    /**
     * Pod annotations (e.g. a checksum of the config, to roll on change).
     * @default none
     */
    podAnnotations?: Record<string, pulumi.Input<string>>;
}

/** What {@link statefulWorkload} built. */
export interface StatefulWorkload {
    /** The one-replica StatefulSet. */
    statefulSet: k8s.apps.v1.StatefulSet;
    /** The headless Service. */
    service: k8s.core.v1.Service;
    /** `<component>.<namespace>.svc.cluster.local`. */
    host: string;
    /** What clients wait for: the StatefulSet and its Service. */
    ready: pulumi.Resource[];
}

/**
 * A StatefulSet with one replica and its headless Service, both named `component`. With a PVC the
 * StatefulSet carries {@link deletionSafety} (protected in prod), and its claims are retained when
 * it is deleted or replaced, so a new StatefulSet of the same name finds its data again.
 */
export function statefulWorkload(ctx: KubeContext, args: StatefulWorkloadArgs, opts: pulumi.CustomResourceOptions): StatefulWorkload {
    const selector = selectorOf(ctx.system, args.component);
    const metadata = meta(ctx, args.component, args.component, args.tier);
    const writable = writableVolumes(args.writablePaths);
    const extra = args.extraVolumes ?? [];
    const dataVolume = "data";
    const persistent = args.storageGb !== undefined;
    const service = new k8s.core.v1.Service(
        logicalName(ctx, args.component),
        {
            metadata,
            spec: {
                clusterIP: "None",
                selector,
                ports: args.ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.name, protocol: "TCP" })),
            },
        },
        opts,
    );
    const container = restrictedContainer(args.uid, args.gid, args.resources, {
        name: args.component,
        image: args.image,
        ...(args.command ? { command: args.command } : {}),
        ...(args.args ? { args: args.args } : {}),
        env: args.env ?? [],
        ports: args.ports.map((p) => ({ name: p.name, containerPort: p.port, protocol: "TCP" })),
        livenessProbe: args.liveness,
        readinessProbe: args.readiness,
        ...(args.startup ? { startupProbe: args.startup } : {}),
        volumeMounts: [{ name: dataVolume, mountPath: args.dataPath }, ...writable.mounts, ...extra.map((v) => v.mount)],
    });
    const statefulSet = new k8s.apps.v1.StatefulSet(
        logicalName(ctx, args.component),
        {
            metadata,
            spec: {
                replicas: 1,
                serviceName: args.component,
                selector: { matchLabels: selector },
                updateStrategy: { type: "RollingUpdate" },
                podManagementPolicy: "OrderedReady",
                persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
                template: {
                    metadata: {
                        labels: podLabels(ctx, args.component, args.tier),
                        ...(args.podAnnotations ? { annotations: args.podAnnotations } : {}),
                    },
                    spec: restrictedPodSpec(args.uid, args.gid, {
                        terminationGracePeriodSeconds: 60,
                        containers: [container],
                        volumes: [
                            ...writable.volumes,
                            ...extra.map((v) => v.volume),
                            ...(persistent ? [] : [{ name: dataVolume, emptyDir: {} }]),
                        ],
                    }),
                },
                volumeClaimTemplates: persistent
                    ? [
                          {
                              metadata: { name: dataVolume, labels: metadata.labels },
                              spec: {
                                  accessModes: ["ReadWriteOnce"],
                                  ...(ctx.settings.storageClass ? { storageClassName: ctx.settings.storageClass } : {}),
                                  resources: { requests: { storage: `${args.storageGb}Gi` } },
                              },
                          },
                      ]
                    : [],
            },
        },
        // Add the Service to the caller's dependsOn (never replace it: the caller's Secret and
        // ConfigMap must exist before the pods that mount them).
        {
            ...opts,
            ...(persistent ? deletionSafety(ctx.system, false) : {}),
            dependsOn: mergeDependsOn(opts.dependsOn, service),
            // A StatefulSet's volumeClaimTemplates cannot be updated (apps/validation ValidateStatefulSetUpdate), so a new
            // size there would replace the StatefulSet and still leave its existing claim at the old size: the size is
            // the claim's own, grown in place by the patch below.
            ...(persistent ? { ignoreChanges: [CLAIM_SIZE_PATH] } : {}),
        },
    );
    if (persistent && args.resizeClaim !== false) claimSizePatch(ctx, args, statefulSet, opts);
    return { statefulSet, service, host: serviceHost(args.component, ctx.namespaceName), ready: [statefulSet, service] };
}

/** The StatefulSet input that holds its claim's size (left as created: {@link claimSizePatch} sizes the claim itself). */
export const CLAIM_SIZE_PATH = "spec.volumeClaimTemplates[0].spec.resources.requests.storage";

/**
 * The size of the one claim (`data-<component>-0`, the StatefulSet controller's `<template>-<set>-<ordinal>`)
 * of a one-replica StatefulSet, set by server-side apply: a larger `storageGb` grows the claim in place
 * (Kubernetes allows a claim's spec to change only in a larger `resources.requests.storage`,
 * core/validation ValidatePersistentVolumeClaimUpdate; the StorageClass must have
 * `allowVolumeExpansion: true`, which the staging plan says). A smaller one is refused by the API
 * server ("field can not be less than previous value"), and by `npm run plan -- --against` before.
 * `pulumi.com/patchForce` takes the field over from the StatefulSet controller, which created the
 * claim; {@link deletionSafety} (protect in prod, else retainOnDelete) leaves the claim as it is when the patch is removed.
 */
function claimSizePatch(
    ctx: KubeContext,
    args: Pick<StatefulWorkloadArgs, "component" | "tier" | "storageGb">,
    statefulSet: k8s.apps.v1.StatefulSet,
    opts: pulumi.CustomResourceOptions,
) {
    return new k8s.core.v1.PersistentVolumeClaimPatch(
        logicalName(ctx, `${args.component}-data-0`),
        {
            metadata: meta(ctx, `data-${args.component}-0`, args.component, args.tier, {
                annotations: { "pulumi.com/patchForce": "true" },
            }),
            spec: { resources: { requests: { storage: `${args.storageGb}Gi` } } },
        },
        { parent: opts.parent, provider: opts.provider, dependsOn: [statefulSet], ...deletionSafety(ctx.system, true) },
    );
}
