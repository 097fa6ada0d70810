/**
 * Shared file storage on Kubernetes (`fileShares`, `services.<n>.mounts`; AuroMart's uploads,
 * invoices and reports): one ReadWriteMany PersistentVolumeClaim per share (`share-<name>`, the
 * spec's `sizeGb`), mounted by every replica of every service that lists it, at the mount's path,
 * with `subPath` when it names a directory inside the share. Every replica sees the same files, and
 * they survive pod restarts and rollouts (an emptyDir would lose them with the pod).
 *
 * ReadWriteMany needs a StorageClass whose provisioner supports it (NFS, CephFS, EFS, Azure Files,
 * Filestore; most block-storage defaults are ReadWriteOnce only), named by
 * `tierform:sharedStorageClass`: a system with shares and no such class is refused
 * ({@link sharedStorageProblems}) rather than left with a claim that stays Pending
 * (https://kubernetes.io/docs/concepts/storage/persistent-volumes/#access-modes).
 * The claims outlive a staging `pulumi destroy` and are protected in prod ({@link deletionSafety}).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type * as k8sTypes from "@pulumi/kubernetes/types/input";
import { deletionSafety, logicalName, meta, type KubeContext } from "./context";
import type { PlatformSettings, ServicePlan, SystemPlan } from "../../plan";
import type { Problem } from "../../conventions/problems";

/** The claim (and pod volume) name of share `share`. */
export function shareClaim(share: string): string {
    return `share-${share}`;
}

/** A system with file shares needs `tierform:sharedStorageClass`. */
export function sharedStorageProblems(system: Pick<SystemPlan, "fileShares">, settings: PlatformSettings): Problem[] {
    const shares = Object.keys(system.fileShares);
    if (shares.length === 0 || settings.sharedStorageClass) return [];
    return [
        {
            where: "tierform:sharedStorageClass",
            message: `is empty, but fileShares (${shares.join(", ")}) need a StorageClass that provisions ReadWriteMany volumes (e.g. an NFS, CephFS, EFS or Azure Files class); set it to that class's name`,
        },
    ];
}

/** The pod volumes and container mounts of a service's `mounts`. */
export function shareMounts(service: Pick<ServicePlan, "mounts">): {
    volumes: k8sTypes.core.v1.Volume[];
    mounts: k8sTypes.core.v1.VolumeMount[];
} {
    const shares = [...new Set(service.mounts.map((m) => m.share))];
    return {
        volumes: shares.map((s) => ({ name: shareClaim(s), persistentVolumeClaim: { claimName: shareClaim(s) } })),
        mounts: service.mounts.map((m) => ({ name: shareClaim(m.share), mountPath: m.path, ...(m.subPath ? { subPath: m.subPath } : {}) })),
    };
}

/** Arguments of {@link KubernetesFileShares}. */
export interface KubernetesFileSharesArgs {
    /** Where the tier is built: the system, the stack settings, the namespace. */
    ctx: KubeContext;
    /**
     * The StorageClass of each share, where a placement makes one per share (EKS: one EFS file system each).
     * @default tierform:sharedStorageClass for every share
     */
    storageClasses?: Record<string, pulumi.Input<string>>;
}

/** One ReadWriteMany claim per file share. */
export class KubernetesFileShares extends pulumi.ComponentResource {
    /** The claims, by share name (what the services mounting them wait for). */
    readonly claims: Record<string, k8s.core.v1.PersistentVolumeClaim> = {};

    constructor(name: string, args: KubernetesFileSharesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("tierform:kubernetes:FileShares", name, {}, opts);
        const { ctx } = args;
        for (const [share, spec] of Object.entries(ctx.system.fileShares)) {
            const claim = shareClaim(share);
            this.claims[share] = new k8s.core.v1.PersistentVolumeClaim(
                logicalName(ctx, claim),
                {
                    metadata: meta(ctx, claim, claim, "service"),
                    spec: {
                        accessModes: ["ReadWriteMany"],
                        storageClassName: args.storageClasses?.[share] ?? ctx.settings.sharedStorageClass,
                        resources: { requests: { storage: `${spec.sizeGb}Gi` } },
                    },
                },
                { parent: this, ...deletionSafety(ctx.system, true) },
            );
        }
        this.registerOutputs({});
    }
}
