/**
 * The one-replica StatefulSet + headless Service every self-run datastore uses (MySQL, MongoDB,
 * Redis, RabbitMQ, MinIO): a PVC from a volumeClaimTemplate, probes, a restricted-PSA security
 * context with the image's own non-root uid, a read-only root with emptyDirs where the engine
 * writes, no service-account token. Not a component: the tier components call it.
 */
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type * as k8sTypes from "@pulumi/kubernetes/types/input";
import type { Tier } from "../shared/naming";
import {
    containerSecurityContext,
    logicalName,
    meta,
    podSecurityContext,
    resourceRequirements,
    selectorOf,
    writableVolumes,
    type KubeContext,
} from "./common";

export interface StatefulWorkloadArgs {
    /** Component (and object) name, e.g. the datastore's name. */
    component: string;
    tier: Tier;
    /** Pinned image. */
    image: string;
    /** The image's non-root user and group. */
    uid: number;
    gid: number;
    /** Container ports by name, the first being the client port. */
    ports: { name: string; port: number }[];
    env?: k8sTypes.core.v1.EnvVar[];
    command?: string[];
    args?: string[];
    /** Where the persistent volume is mounted. */
    dataPath: string;
    /** Size of the PVC in GiB; undefined keeps data in an emptyDir (a cache without persistence). */
    storageGb?: number;
    /** Paths the engine writes besides its data (emptyDirs). */
    writablePaths: string[];
    /** Extra volumes (ConfigMaps) and where to mount them. */
    extraVolumes?: { volume: k8sTypes.core.v1.Volume; mount: k8sTypes.core.v1.VolumeMount }[];
    liveness: k8sTypes.core.v1.Probe;
    readiness: k8sTypes.core.v1.Probe;
    startup?: k8sTypes.core.v1.Probe;
    resources: { cpu: number; memoryMb: number };
    /** Pod annotations (e.g. a checksum of the config, to roll on change). */
    podAnnotations?: Record<string, pulumi.Input<string>>;
}

/** A StatefulSet with one replica and its headless Service, both named `component`. */
export function statefulWorkload(
    ctx: KubeContext,
    args: StatefulWorkloadArgs,
    opts: pulumi.CustomResourceOptions,
): { statefulSet: k8s.apps.v1.StatefulSet; service: k8s.core.v1.Service } {
    const selector = selectorOf(ctx.system, args.component);
    const writable = writableVolumes(args.writablePaths);
    const dataVolume = "data";
    const volumes: k8sTypes.core.v1.Volume[] = [...writable.volumes, ...(args.extraVolumes ?? []).map((v) => v.volume)];
    if (args.storageGb === undefined) volumes.push({ name: dataVolume, emptyDir: {} });
    const service = new k8s.core.v1.Service(
        logicalName(ctx, args.component),
        {
            metadata: meta(ctx, args.component, args.component, args.tier),
            spec: {
                clusterIP: "None",
                selector,
                ports: args.ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.name, protocol: "TCP" })),
            },
        },
        opts,
    );
    const statefulSet = new k8s.apps.v1.StatefulSet(
        logicalName(ctx, args.component),
        {
            metadata: meta(ctx, args.component, args.component, args.tier),
            spec: {
                replicas: 1,
                serviceName: args.component,
                selector: { matchLabels: selector },
                updateStrategy: { type: "RollingUpdate" },
                podManagementPolicy: "OrderedReady",
                persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
                template: {
                    metadata: {
                        labels: { ...meta(ctx, args.component, args.component, args.tier).labels, ...selector },
                        ...(args.podAnnotations ? { annotations: args.podAnnotations } : {}),
                    },
                    spec: {
                        automountServiceAccountToken: false,
                        enableServiceLinks: false,
                        terminationGracePeriodSeconds: 60,
                        securityContext: podSecurityContext(args.uid, args.gid),
                        containers: [
                            {
                                name: args.component,
                                image: args.image,
                                imagePullPolicy: "IfNotPresent",
                                ...(args.command ? { command: args.command } : {}),
                                ...(args.args ? { args: args.args } : {}),
                                env: args.env ?? [],
                                ports: args.ports.map((p) => ({ name: p.name, containerPort: p.port, protocol: "TCP" })),
                                livenessProbe: args.liveness,
                                readinessProbe: args.readiness,
                                ...(args.startup ? { startupProbe: args.startup } : {}),
                                resources: resourceRequirements(args.resources.cpu, args.resources.memoryMb),
                                securityContext: containerSecurityContext(args.uid, args.gid),
                                volumeMounts: [{ name: dataVolume, mountPath: args.dataPath }, ...writable.mounts, ...(args.extraVolumes ?? []).map((v) => v.mount)],
                            },
                        ],
                        volumes,
                    },
                },
                volumeClaimTemplates:
                    args.storageGb === undefined
                        ? []
                        : [
                              {
                                  metadata: { name: dataVolume, labels: meta(ctx, args.component, args.component, args.tier).labels },
                                  spec: {
                                      accessModes: ["ReadWriteOnce"],
                                      ...(ctx.settings.storageClass ? { storageClassName: ctx.settings.storageClass } : {}),
                                      resources: { requests: { storage: `${args.storageGb}Gi` } },
                                  },
                              },
                          ],
            },
        },
        { ...opts, dependsOn: [service] },
    );
    return { statefulSet, service };
}

/** An exec probe. */
export function execProbe(command: string[], initialDelaySeconds: number, periodSeconds = 10, timeoutSeconds = 5, failureThreshold = 6): k8sTypes.core.v1.Probe {
    return { exec: { command }, initialDelaySeconds, periodSeconds, timeoutSeconds, failureThreshold };
}

/** A TCP probe on a named port. */
export function tcpProbe(port: string, initialDelaySeconds: number, periodSeconds = 10): k8sTypes.core.v1.Probe {
    return { tcpSocket: { port }, initialDelaySeconds, periodSeconds, timeoutSeconds: 3, failureThreshold: 6 };
}
