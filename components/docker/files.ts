/**
 * Shared file storage on Docker (`fileShares`, `services.<name>.mounts`): one named volume per
 * share and sub-path (Docker 20.10 has no volume sub-paths), mounted read-write into every
 * container of every service that mounts it, so the replicas see the same files and keep them
 * across restarts and re-creates (AuroMart's uploads, invoices and reports). A fresh volume is
 * handed to the mounting services' user by the one-shot ownership step ({@link volumeOwnership},
 * with its marker against Docker's copy-up); every container that mounts it waits for that step's
 * exit code. Volumes are labelled `tierform.share` and `protect`ed where the profile asks (prod).
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { SystemPlan } from "../../plan";
import { resourceName } from "../shared/naming";
import { labelsFor, pullImage, UTILITY_IMAGE, volumeOwnership } from "./common";
import type { Problem } from "../../conventions/problems";

/** One share directory as a volume, what mounts it and the step that owns it. */
export interface ShareVolume {
    /** The volume's name. */
    volumeName: pulumi.Output<string>;
    /** The one-shot step that hands the fresh volume to the services' user. */
    owner: docker.Container;
}

/** Docker's key for a share and sub-path: `<share>` or `<share>/<subPath>`. */
export const shareKey = (share: string, subPath?: string) => (subPath ? `${share}/${subPath}` : share);

/** Shares whose mounting services run as different users: one volume has one owner on Docker. */
export function fileShareProblems(system: Pick<SystemPlan, "services">): Problem[] {
    const users = new Map<string, Set<number>>();
    for (const s of Object.values(system.services))
        for (const m of s.mounts) users.set(m.share, new Set([...(users.get(m.share) ?? []), s.runAsUser]));
    return [...users].flatMap(([share, uids]) =>
        uids.size > 1
            ? [
                  {
                      where: `fileShares.${share}`,
                      message: `mounted by services running as different users (${[...uids].join(", ")}); on Docker a share belongs to one user: give them one runAsUser`,
                  },
              ]
            : [],
    );
}

/** Arguments of {@link DockerFileShares}. */
export interface DockerFileSharesArgs {
    /** The system's plan: the services' mounts, labels, deletion protection. */
    system: SystemPlan;
}

/** The volumes of a system's file shares, by {@link shareKey}. */
export class DockerFileShares extends pulumi.ComponentResource {
    /** Each mounted share directory's volume and ownership step, by {@link shareKey}. */
    readonly volumes: Record<string, ShareVolume> = {};

    constructor(name: string, args: DockerFileSharesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("tierform:docker:FileShares", name, {}, opts);
        const { system } = args;
        const services = Object.values(system.services);
        const utility = services.some((s) => s.mounts.length > 0)
            ? pullImage(resourceName([name, "utility-image"]), UTILITY_IMAGE, this).imageId
            : undefined;
        for (const s of services) {
            for (const m of s.mounts) {
                const key = shareKey(m.share, m.subPath);
                if (this.volumes[key]) continue;
                const volumeName = resourceName([name, m.share, ...(m.subPath ? m.subPath.split("/") : [])]);
                const volume = new docker.Volume(
                    volumeName,
                    { name: volumeName, labels: labelsFor(system, "service", undefined, { "tierform.share": key }) },
                    { parent: this, protect: system.profile.deletionProtection },
                );
                const owner = volumeOwnership(
                    resourceName([volumeName, "owner"]),
                    {
                        system,
                        tier: "service",
                        volume,
                        owner: `${s.runAsUser}:${s.runAsUser}`,
                        image: utility!,
                        labels: { "tierform.share": key },
                    },
                    this,
                );
                this.volumes[key] = { volumeName: volume.name, owner };
            }
        }
        this.registerOutputs({ volumes: Object.fromEntries(Object.entries(this.volumes).map(([k, v]) => [k, v.volumeName])) });
    }
}
