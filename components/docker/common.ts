/**
 * What every Docker tier shares: the hardening every container gets, labels, pinned image pulls,
 * generated passwords, the small "config" volume uploads go to, and the one-shot step that hands
 * a fresh named volume to a non-root user.
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { System } from "../../spec";
import { EDGE_IMAGE } from "../shared/images";
import { dockerLabels, type Tier } from "../shared/naming";

/**
 * Where a container's uploaded files (configs, scripts, password files) live. Docker refuses to
 * upload into a container whose root filesystem is read-only unless the target is on a writable
 * volume, so each container that needs files gets a small named volume mounted here.
 */
export const CONFIG_DIR = "/run/tierform";

/** Docker's `[{label, value}]` form of a label map. */
export function labelList(labels: Record<string, string>): { label: string; value: string }[] {
    return Object.entries(labels).map(([label, value]) => ({ label, value }));
}

/** Labels of a resource of `tier` (and `datastore`), plus any extras. */
export function labelsFor(system: System, tier: Tier, datastore?: string, extra: Record<string, string> = {}) {
    return labelList({ ...dockerLabels(system, tier, datastore), ...extra });
}

/**
 * `tmpfs` mounts for `paths`: private to the container, not executable, no setuid/devices,
 * world-writable with the sticky bit (like /tmp) so a non-root user can write.
 */
export function tmpfsMounts(paths: string[], sizeMb = 64): Record<string, string> {
    return Object.fromEntries(paths.map((p) => [p, `rw,noexec,nosuid,nodev,size=${sizeMb}m,mode=1777`]));
}

/**
 * Hardening every long-running tierform container gets: runs as `user` (never root), read-only
 * root filesystem, all Linux capabilities dropped, no privilege escalation (no setuid), restarted
 * unless stopped by hand, memory and CPU limits, logs rotated.
 */
export function hardened(opts: { user: string; memoryMb: number; cpus: number; restart?: string }) {
    if (/^0(:|$)|^root(:|$)/.test(opts.user)) throw new Error(`containers never run as root (user '${opts.user}')`);
    return {
        user: opts.user,
        readOnly: true,
        capabilities: { drops: ["ALL"] },
        securityOpts: ["no-new-privileges:true"],
        privileged: false,
        restart: opts.restart ?? "unless-stopped",
        memory: opts.memoryMb,
        // No swap beyond the memory limit.
        memorySwap: opts.memoryMb,
        cpus: String(opts.cpus),
        logDriver: "json-file",
        logOpts: { "max-size": "10m", "max-file": "3" },
    };
}

/** Pull `image` (pinned by the spec's schema and images.ts); kept locally when the resource goes, other resources may share it. */
export function pullImage(name: string, image: string, parent: pulumi.Resource): docker.RemoteImage {
    return new docker.RemoteImage(name, { name: image, keepLocally: true }, { parent });
}

/** A generated password: `length` letters and digits (nothing that needs escaping in URLs or config files). @default length 32 */
export function generatePassword(name: string, parent: pulumi.Resource, length = 32): random.RandomPassword {
    return new random.RandomPassword(name, { length, special: false }, { parent });
}

/** The password as a secret Output (RandomPassword marks it secret too; this makes it explicit and survives mocks). */
export function secretOf(p: random.RandomPassword): pulumi.Output<string> {
    return pulumi.secret(p.result);
}

/** A named volume of `tier` (and `datastore`), labelled. */
export function namedVolume(name: string, system: System, tier: Tier, parent: pulumi.Resource, datastore?: string, extra: Record<string, string> = {}): docker.Volume {
    return new docker.Volume(name, { name, labels: labelsFor(system, tier, datastore, extra) }, { parent });
}

/** The small volume a read-only container's uploads go to, mounted at {@link CONFIG_DIR}. */
export function configVolume(name: string, system: System, tier: Tier, parent: pulumi.Resource, datastore?: string): docker.Volume {
    return namedVolume(name, system, tier, parent, datastore, { "tierform.role": "config" });
}

/** A file uploaded into {@link CONFIG_DIR}, owned by `owner` ("uid:gid"), mode 0400 unless told. */
export function upload(file: string, content: pulumi.Input<string>, owner: string, permissions = "0400") {
    const [uid, gid] = owner.split(":");
    return { file: `${CONFIG_DIR}/${file}`, content, owner: uid, group: gid ?? uid, permissions };
}

/**
 * A fresh named volume belongs to root. Images whose data directory already exists (postgres,
 * mysql, mongo, redis, rabbitmq) hand ownership to their own user when the volume is first
 * mounted; for the rest (MinIO's data, the backups volume) this one-shot container `chown`s the
 * empty volume to `owner` and exits. It is the only container that starts as root: it keeps just
 * CAP_CHOWN, has no network, a read-only root filesystem, and runs once (the `volumePermissions`
 * init step of the bitnami charts; Kubernetes does the same with `fsGroup`). Labelled
 * `tierform.role=volume-init` so policies can tell it apart.
 */
export function volumeOwnership(
    name: string,
    opts: { system: System; tier: Tier; datastore?: string; volume: docker.Volume; owner: string; image: pulumi.Input<string> },
    parent: pulumi.Resource,
): docker.Container {
    if (!/^\d+:\d+$/.test(opts.owner) || opts.owner.startsWith("0:")) throw new Error(`volume owner must be a non-root uid:gid, not '${opts.owner}'`);
    return new docker.Container(
        name,
        {
            name,
            image: opts.image,
            user: "0:0",
            entrypoints: ["/bin/chown"],
            command: [opts.owner, "/volume"],
            volumes: [{ volumeName: opts.volume.name, containerPath: "/volume" }],
            networkMode: "none",
            readOnly: true,
            capabilities: { drops: ["ALL"], adds: ["CHOWN"] },
            securityOpts: ["no-new-privileges:true"],
            memory: 32,
            cpus: "0.1",
            restart: "no",
            // Run once, to completion; a stopped container is its finished state, not drift.
            attach: true,
            mustRun: false,
            labels: labelsFor(opts.system, opts.tier, opts.datastore, { "tierform.role": "volume-init" }),
        },
        { parent },
    );
}

/** The busybox-based image the volume-ownership step runs (`/bin/chown`): the edge's pinned alpine image. */
export const UTILITY_IMAGE = EDGE_IMAGE;

/** Memory (MiB) and CPUs of a datastore container by the profile's abstract size. */
export function datastoreResources(system: System): { memoryMb: number; cpus: number } {
    return { small: { memoryMb: 1024, cpus: 1 }, medium: { memoryMb: 2048, cpus: 2 }, large: { memoryMb: 4096, cpus: 2 } }[system.profile.dataSize];
}
