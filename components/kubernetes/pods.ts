/**
 * How tierform runs pods on Kubernetes: the restricted-PSA security contexts, resource
 * quantities and datastore sizes, writable scratch volumes, exec probes, topology spread, and Jobs
 * named by a hash of what they run.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import type * as k8sTypes from "@pulumi/kubernetes/types/input";
import { type Tier } from "../shared/naming";
import { KubeContext, logicalName, meta, podLabels } from "./context";
import type { SystemFacts } from "../../plan";

/** A datastore size of the environment profile (`profile.dataSize`). */
type DataSize = SystemFacts["profile"]["dataSize"];

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
    return {
        ...identity(uid, gid),
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        privileged: false,
        capabilities: { drop: ["ALL"] },
    };
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
    return {
        imagePullPolicy: "IfNotPresent",
        ...container,
        resources: resourceRequirements(size.cpu, size.memoryMb),
        securityContext: containerSecurityContext(uid, gid),
    };
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
export const DATASTORE_SIZES: Record<DataSize, { cpu: number; memoryMb: number }> = {
    small: { cpu: 0.25, memoryMb: 512 },
    medium: { cpu: 1, memoryMb: 2048 },
    large: { cpu: 2, memoryMb: 8192 },
};

/** CPU and memory of a cache or queue: one size below the databases', at most medium. */
export function brokerSize(system: SystemFacts): { cpu: number; memoryMb: number } {
    return DATASTORE_SIZES[system.profile.dataSize === "large" ? "medium" : "small"];
}

/** emptyDir volumes and mounts for paths that must stay writable under a read-only root. */
export function writableVolumes(
    paths: string[],
    sizeLimit = "1Gi",
): { volumes: k8sTypes.core.v1.Volume[]; mounts: k8sTypes.core.v1.VolumeMount[] } {
    const volumes = paths.map((_, i) => ({ name: `writable-${i}`, emptyDir: { sizeLimit } }));
    const mounts = paths.map((mountPath, i) => ({ name: `writable-${i}`, mountPath }));
    return { volumes, mounts };
}

/** An exec probe running `command` (argv) in the container: exit 0 = healthy. */
export function execProbe(
    command: string[],
    initialDelaySeconds: number,
    periodSeconds = 10,
    timeoutSeconds = 5,
    failureThreshold = 6,
): k8sTypes.core.v1.Probe {
    return { exec: { command }, initialDelaySeconds, periodSeconds, timeoutSeconds, failureThreshold };
}

/** Topology spread over nodes and zones; `ScheduleAnyway` so a one-node staging cluster still schedules. */
export function topologySpread(selector: Record<string, string>): k8sTypes.core.v1.TopologySpreadConstraint[] {
    return [
        {
            maxSkew: 1,
            topologyKey: "kubernetes.io/hostname",
            whenUnsatisfiable: "ScheduleAnyway",
            labelSelector: { matchLabels: selector },
        },
        {
            maxSkew: 1,
            topologyKey: "topology.kubernetes.io/zone",
            whenUnsatisfiable: "ScheduleAnyway",
            labelSelector: { matchLabels: selector },
        },
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
