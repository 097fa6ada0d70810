/**
 * What a stack needs before `pulumi up` starts, printed by the offline plan: on Kubernetes the
 * CPU and memory the pods request (totals and the largest pod), the one-shot pods, the storage it
 * claims (total, the largest claim, ReadWriteMany), and the operators it expects on the cluster
 * (components/kubernetes/capacity.ts computes the numbers from the registered objects).
 */
import { kubernetesCapacity, type Capacity, type KubeObject } from "../../components/kubernetes/capacity";
import { CHARTS, prerequisiteOperators } from "../../components/kubernetes/operators";
import { loadStack } from "../../model";
import { planSystem } from "../../plan";
import type { OfflineRun } from "./engine";

/** The registered Kubernetes objects of `run`, as manifests (not the Patch resources: they change an object counted already). */
export function kubernetesObjects(run: OfflineRun): KubeObject[] {
    return run.resources
        .filter((r) => r.custom && r.type.startsWith("kubernetes:") && !r.type.endsWith("Patch") && r.inputs?.kind)
        .map((r) => r.inputs as KubeObject);
}

const cores = (millis: number) => `${(millis / 1000).toFixed(1)} vCPU`;
const gib = (mi: number) => `${(mi / 1024).toFixed(1)} GiB`;
const size = (g: number) => (g >= 1024 ? `${(g / 1024).toFixed(1)} TiB` : `${Math.round(g)} GiB`);

/** The lines of the Kubernetes prerequisites of `capacity` (pure; see {@link renderPrerequisites}). */
export function capacityLines(c: Capacity): string[] {
    const lines = [
        `  requests of the running pods: ${cores(c.cpuMillis)}, ${gib(c.memoryMi)} memory` +
            ` (${c.pods.reduce((n, p) => n + p.copies, 0)} pods; requests = limits, Guaranteed QoS)`,
    ];
    if (c.largestPod)
        lines.push(
            `  largest pod: ${c.largestPod.owner} — ${cores(c.largestPod.cpuMillis)}, ${gib(c.largestPod.memoryMi)}: a node needs that much free`,
        );
    if (c.largestJob)
        lines.push(
            `  one-shot pods (Jobs, CronJobs): ${c.jobs.length}, the largest ${c.largestJob.owner} — ${cores(c.largestJob.cpuMillis)}, ${gib(c.largestJob.memoryMi)}`,
        );
    lines.push(
        `  storage: ${size(c.storageGi)} in ${c.claims.reduce((n, x) => n + x.copies, 0)} claims` +
            (c.largestClaim ? `, the largest ${c.largestClaim.owner} ${size(c.largestClaim.gi)}` : "") +
            (c.sharedGi > 0 ? `; ${size(c.sharedGi)} ReadWriteMany (tierform:sharedStorageClass)` : ""),
    );
    return lines;
}

/**
 * "Prerequisites" of a stack for the offline plan: on Kubernetes its capacity and the operators it
 * needs that it does not install (each with the switch that would); nothing on other platforms.
 */
export function renderPrerequisites(run: OfflineRun, config: Record<string, string>): string | undefined {
    if (config["tierform:platform"] !== "kubernetes") return undefined;
    const capacity = kubernetesCapacity(kubernetesObjects(run));
    const { system, settings } = loadStack(config);
    const missing = prerequisiteOperators(planSystem(system, "kubernetes"), settings);
    const lines = ["Prerequisites (what the cluster must have before `pulumi up`):", ...capacityLines(capacity)];
    lines.push("  plus the pods of the operators this stack installs (not counted)");
    lines.push(
        `  volume growth: a larger storageGb resizes the claims in place, which needs allowVolumeExpansion: true on the StorageClass ` +
            `(${settings.storageClass ? `tierform:storageClass ${settings.storageClass}` : "the cluster's default"}; kind's local-path has not; docs/runbooks.md)`,
    );
    if (missing.length)
        lines.push(
            `  operators expected on the cluster: ${missing.map((o) => CHARTS[o].chart.split("/").pop()).join(", ")} (or set tierform:installOperators)` +
                (missing.includes("metricsServer") ? "; CPU/memory HPAs and KEDA cpu/memory triggers need metrics-server" : ""),
        );
    return lines.join("\n");
}
