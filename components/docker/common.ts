/**
 * What every Docker tier shares: the hardening every container gets, labels, pinned image pulls,
 * generated passwords, the small "config" volume uploads go to, the one-shot step that hands a
 * fresh named volume to a non-root user, and {@link tierContainer}, which puts them together for
 * the datastores, the backups and the edge.
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { SystemFacts } from "../../plan";
import { EDGE_IMAGE } from "../shared/images";
import { dockerLabels, resourceName, type Tier } from "../shared/naming";
import { DOCKER_LABEL } from "../../conventions/labels";

/**
 * Where a container's uploaded files (configs, scripts, password files) live. Docker refuses to
 * upload into a container whose root filesystem is read-only unless the target is on a writable
 * volume, so each container that needs files gets a small named volume mounted here.
 */
export const CONFIG_DIR = "/run/tierform";

/** Docker's `[{label, value}]` form of a label map. */
export function labelList<T extends pulumi.Input<string>>(labels: Record<string, T>): { label: string; value: T }[] {
    return Object.entries(labels).map(([label, value]) => ({ label, value }));
}

/** Labels of a resource of `tier` (and `datastore`), plus any extras. */
export function labelsFor(system: SystemFacts, tier: Tier, datastore?: string, extra: Record<string, string> = {}) {
    return labelList({ ...dockerLabels(system, tier, datastore), ...extra });
}

/**
 * `tmpfs` mounts for `paths`: private to the container, not executable, no setuid/devices,
 * world-writable with the sticky bit (like /tmp) so a non-root user can write — where the image
 * lacks the directory. Where the image has it, runc gives the tmpfs that directory's mode
 * (libcontainer rootfs_linux.go, mountToRootfs "tmpfs": `os.Chmod(dest, stat.Mode())` after the
 * mount), so stock nginx:alpine's root-owned 0755 /run stays closed to a non-root user: `owner`
 * (`uid:gid`) makes the tmpfs that user's, writable whatever mode it takes.
 */
export function tmpfsMounts(paths: string[], sizeMb = 64, owner?: string): Record<string, string> {
    const [uid, gid] = owner?.split(":") ?? [];
    const own = uid ? `,uid=${uid},gid=${gid ?? uid}` : "";
    return Object.fromEntries(paths.map((p) => [p, `rw,noexec,nosuid,nodev,size=${sizeMb}m,mode=1777${own}`]));
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
export function namedVolume(
    name: string,
    system: SystemFacts,
    tier: Tier,
    parent: pulumi.Resource,
    datastore?: string,
    extra: Record<string, string> = {},
): docker.Volume {
    return new docker.Volume(name, { name, labels: labelsFor(system, tier, datastore, extra) }, { parent });
}

/** The small volume a read-only container's files are delivered to, mounted at {@link CONFIG_DIR}. */
export function configVolume(
    name: string,
    system: SystemFacts,
    tier: Tier,
    parent: pulumi.Resource,
    datastore?: string,
    extra: Record<string, string> = {},
): docker.Volume {
    return namedVolume(name, system, tier, parent, datastore, { [DOCKER_LABEL.role]: "config", ...extra });
}

/** A file uploaded into {@link CONFIG_DIR}, owned by `owner` ("uid:gid"), mode 0400 unless told. */
export function upload(file: string, content: pulumi.Input<string>, owner: string, permissions = "0400") {
    const [uid, gid] = owner.split(":");
    return { file: `${CONFIG_DIR}/${file}`, content, owner: uid, group: gid ?? uid, permissions };
}

/** `tierform.role` of the one-shot container that delivers a container's files into its config volume. */
export const CONFIG_FILES_ROLE = "config-files";

/**
 * The value of a one-shot step (volume ownership, config files, migration, bucket setup) that a
 * dependent container carries as a label: the step's container id once it exited 0. The Docker
 * provider waits for an `attach`ed container to stop but never looks at its exit code
 * (terraform-provider-docker internal/provider/resource_docker_container_funcs.go
 * resourceDockerContainerCreate: `case <-attachCh:` discards the ContainerWait result); its read
 * afterwards records `exit_code` for a stopped container (same file, resourceDockerContainerRead:
 * `d.Set("exit_code", container.State.ExitCode)`). This Output fails on anything but 0, so every
 * resource that takes it as an input is never registered and `pulumi up` fails, naming the step.
 * A new step (a re-created container) has a new id, so the dependent is re-created after it.
 */
export function completedStep(step: Pick<docker.Container, "id" | "exitCode" | "name">, what: string): pulumi.Output<string> {
    return pulumi.all([step.id, step.exitCode, step.name]).apply(([id, code, name]) => {
        if (code !== 0) {
            throw new pulumi.RunError(
                `${what} (container ${name}) ${code === undefined ? "reported no exit code" : `exited with ${code}`}; see \`docker logs ${name}\`. What depends on it was not started.`,
            );
        }
        return id;
    });
}

/** Labels `tierform.after.<role>` = the step's id, for each completed one-shot step a container waits for. */
export function stepLabels(steps: { role: string; step: docker.Container; what: string }[]): Record<string, pulumi.Input<string>> {
    return Object.fromEntries(steps.map((s) => [`tierform.after.${s.role}`, completedStep(s.step, s.what)]));
}

/** The hardening of every one-shot step: one run, no restart, no capabilities, limits, waited for to its end. */
export function oneShot(memoryMb = 32) {
    return {
        capabilities: { drops: ["ALL"] },
        securityOpts: ["no-new-privileges:true"],
        privileged: false,
        memory: memoryMb,
        memorySwap: memoryMb,
        cpus: "0.1",
        restart: "no",
        // Run once, to completion; a stopped container is its finished state, not drift.
        attach: true,
        mustRun: false,
        logDriver: "json-file",
        logOpts: { "max-size": "1m", "max-file": "1" },
    };
}

/**
 * Delivers `files` into the config volume `volume` for a read-only container. The Docker
 * provider writes every `uploads` entry as a tar archive extracted at `/` (terraform-provider-docker
 * internal/provider/resource_docker_container_funcs.go, resourceDockerContainerCreate: `dstPath :=
 * "/"` then `client.CopyToContainer(ctx, retContainer.ID, dstPath, ...)`), and the daemon refuses
 * an archive at `/` for a container whose root filesystem is read-only ("container rootfs is
 * marked read-only"), even when every file lands in a volume. So the files go to this one-shot
 * container instead: its root filesystem is writable (it writes nothing there: the files land in
 * the config volume mounted at {@link CONFIG_DIR}), it runs as the owner of the files (never
 * root), with no network and no capabilities, checks that it can read every file, and exits. The
 * long-running container mounts the same volume read-only and waits for this step's exit code
 * (see {@link completedStep}). Labelled `tierform.role=config-files`.
 */
export function configFiles(
    name: string,
    opts: {
        system: SystemFacts;
        tier: Tier;
        datastore?: string;
        volume: docker.Volume;
        user: string;
        files: ConfigFile[];
        image: pulumi.Input<string>;
        labels?: Record<string, string>;
    },
    parent: pulumi.Resource,
): docker.Container {
    if (/^0(:|$)|^root(:|$)/.test(opts.user)) throw new Error(`config files are never written as root (user '${opts.user}')`);
    const checks = opts.files.map((f) => {
        // A name may hold directories (Grafana's provisioning/datasources/…): the daemon creates them, root-owned 0755, when it extracts the upload.
        if (!/^[A-Za-z0-9_-][A-Za-z0-9._-]*(\/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$/.test(f.name))
            throw new Error(`config file name '${f.name}' must be letters, digits, '.', '_' or '-', directories separated by '/'`);
        return `test -r ${CONFIG_DIR}/${f.name} || { echo "cannot read ${CONFIG_DIR}/${f.name} as $(id -u):$(id -g)" >&2; exit 1; }`;
    });
    return new docker.Container(
        name,
        {
            name,
            image: opts.image,
            user: opts.user,
            entrypoints: ["/bin/sh", "-c"],
            command: [[...checks, `echo "${opts.files.length} file(s) in ${CONFIG_DIR}"`].join("; ")],
            volumes: [{ volumeName: opts.volume.name, containerPath: CONFIG_DIR }],
            uploads: opts.files.map((f) => upload(f.name, f.content, opts.user, f.permissions)),
            networkMode: "none",
            // Writable root: the daemon takes no upload into a read-only one (see above).
            readOnly: false,
            ...oneShot(),
            labels: labelsFor(opts.system, opts.tier, opts.datastore, { ...(opts.labels ?? {}), [DOCKER_LABEL.role]: CONFIG_FILES_ROLE }),
        },
        { parent },
    );
}

/** The file {@link volumeOwnership} leaves in a volume it handed over. */
export const OWNED_MARKER = ".tierform-owner";

/**
 * A fresh named volume belongs to root. This one-shot container hands the empty volume to
 * `owner` and leaves a marker file in it. The marker matters: at the first start of a container
 * that mounts an EMPTY named volume over a path its image has, Docker copies the image's content
 * there, INCLUDING the directory's own owner and mode (moby container/container_unix.go
 * `CopyImagePathContent` → `copyExistingContents`, which copies only into an empty volume), which
 * would undo the `chown`. A volume holding the marker is not empty, so nothing is copied over it.
 * It is the only container that starts as root: it keeps just CAP_CHOWN, has no network, a
 * read-only root filesystem, and runs once (the `volumePermissions` init step of the bitnami
 * charts; Kubernetes does the same with `fsGroup`). Labelled `tierform.role=volume-init`; what
 * mounts the volume waits for its exit code ({@link completedStep}).
 *
 * Idempotent: anything that re-creates the step (a new utility image pin, `docker container
 * prune` then `up`, an edited command) runs it again over a volume it already handed over, whose
 * root and marker then belong to `owner` — and root with CAP_CHOWN alone has no
 * CAP_DAC_OVERRIDE/CAP_FOWNER, so it can neither write into that directory nor `touch` that
 * marker (EACCES). See {@link volumeOwnershipScript}.
 */
export function volumeOwnership(
    name: string,
    opts: {
        system: SystemFacts;
        tier: Tier;
        datastore?: string;
        volume: docker.Volume;
        owner: string;
        image: pulumi.Input<string>;
        labels?: Record<string, string>;
    },
    parent: pulumi.Resource,
): docker.Container {
    if (!/^\d+:\d+$/.test(opts.owner) || opts.owner.startsWith("0:"))
        throw new Error(`volume owner must be a non-root uid:gid, not '${opts.owner}'`);
    return new docker.Container(
        name,
        {
            name,
            image: opts.image,
            user: "0:0",
            entrypoints: ["/bin/sh", "-c"],
            command: [volumeOwnershipScript(opts.owner)],
            volumes: [{ volumeName: opts.volume.name, containerPath: "/volume" }],
            networkMode: "none",
            readOnly: true,
            ...oneShot(),
            capabilities: { drops: ["ALL"], adds: ["CHOWN"] },
            labels: labelsFor(opts.system, opts.tier, opts.datastore, { ...(opts.labels ?? {}), [DOCKER_LABEL.role]: "volume-init" }),
        },
        { parent },
    );
}

/**
 * The ownership step's script (busybox sh, as root with CAP_CHOWN only): nothing to do when the
 * volume's root already belongs to `owner` and is not an empty directory Docker would copy over
 * (it holds the marker, or it is not even listable by root without CAP_DAC_READ_SEARCH, as a
 * server's 0700 data directory is); otherwise the root is taken back to root:root (CAP_CHOWN
 * allows it whatever the current owner and mode, and makes the directory root's to write), the
 * marker is left unless it is there, and both are handed to `owner`. Pure, for tests.
 */
export function volumeOwnershipScript(owner: string): string {
    const m = `/volume/${OWNED_MARKER}`;
    return [
        "set -e",
        `if [ "$(stat -c %u:%g /volume)" = "${owner}" ] && { [ -e ${m} ] || ! ls /volume >/dev/null 2>&1; }; then echo "volume already owned by ${owner}"; exit 0; fi`,
        "chown 0:0 /volume",
        `[ -e ${m} ] || touch ${m}`,
        `chown ${owner} /volume ${m}`,
        `echo "volume owned by ${owner}"`,
    ].join("\n");
}

/** The busybox-based image the volume-ownership step runs (`/bin/chown`): the edge's pinned alpine image. */
export const UTILITY_IMAGE = EDGE_IMAGE;

/** A file uploaded into a container's {@link CONFIG_DIR}, owned by the container's user. */
export interface ConfigFile {
    /** File name inside {@link CONFIG_DIR}, e.g. `redis.conf`. */
    name: string;
    /** The file's content; pass a secret Output for anything with a credential in it. */
    content: pulumi.Input<string>;
    /** Octal mode. @default "0400" */
    permissions?: string;
}

/** Arguments of {@link tierContainer}. */
export interface TierContainerArgs {
    /** The resolved system: labels, and `profile.deletionProtection`, which `protect`s the data volume. */
    system: SystemFacts;
    /** The tier the container belongs to (labels). */
    tier: Tier;
    /** The datastore it serves (labels). @default none */
    datastore?: string;
    /** Pinned image reference, pulled as `<name>-image`. */
    image: string;
    /** The non-root `uid:gid` the container runs as; it owns the uploaded files. */
    user: string;
    /** Memory (MiB) and CPU limits. */
    resources: { memoryMb: number; cpus: number };
    /** Networks to join, each with the names others reach the container by. */
    networks: { name: pulumi.Input<string>; aliases?: string[] }[];
    /** Host name inside the container. @default Docker's (the container id) */
    hostname?: string;
    /** Overrides the image's ENTRYPOINT. @default the image's */
    entrypoints?: string[];
    /** Overrides the image's CMD. @default the image's */
    command?: string[];
    /** Plain environment variables: never a credential (credentials are `files`). @default {} */
    env?: Record<string, string>;
    /**
     * Files in {@link CONFIG_DIR}, on a small config volume `<name>-config` mounted read-only,
     * delivered by the one-shot {@link configFiles} step `<name>-config-files` (the daemon takes
     * no upload into a read-only container). @default none, and no config volume
     */
    files?: ConfigFile[];
    /**
     * A named volume `<name>-data` mounted at `path`, with extra `labels`; `protect`ed when the
     * environment profile asks for deletion protection (prod), so `pulumi destroy` keeps the data.
     * A fresh volume takes the owner of the image's directory at `path`; for an image without
     * one, `owner` (uid:gid) has the one-shot {@link volumeOwnership} step (`<name>-data-owner`)
     * hand it over first. @default no data volume
     */
    data?: { path: string; labels?: Record<string, string>; owner?: string };
    /** Paths that stay writable (tmpfs) under the read-only root. @default ["/tmp"] */
    writablePaths?: string[];
    /** Size of each tmpfs in MiB. @default 64 */
    tmpfsSizeMb?: number;
    /** /dev/shm size in MiB (PostgreSQL's parallel queries need more than Docker's 64). @default Docker's */
    shmSizeMb?: number;
    /** Run tini as PID 1 (signals reach a shell script, zombies are reaped). @default false */
    init?: boolean;
    /** Host ports to publish (only the edge has any). @default none */
    ports?: docker.types.input.ContainerPort[];
    /** The container's health check. */
    healthcheck: docker.types.input.ContainerHealthcheck;
    /**
     * `pulumi up` waits for the health check to pass before it reports the container created,
     * so what depends on it starts against a ready server, and a server that never gets
     * healthy fails the update instead of passing silently. @default true
     */
    wait?: boolean;
    /** How long `wait` waits, in seconds. @default 120 */
    waitTimeoutSeconds?: number;
    /** Extra container labels (a value may be an Output, e.g. a {@link completedStep}). @default {} */
    labels?: Record<string, pulumi.Input<string>>;
    /** Resources the container waits for. @default [] */
    dependsOn?: pulumi.Resource[];
    /** Further volumes mounted into the container (e.g. the edge's routing volume, read-only). @default [] */
    volumes?: docker.types.input.ContainerVolume[];
}

/** What {@link tierContainer} created. */
export interface TierContainer {
    /** The long-running container. */
    container: docker.Container;
    /** Its pinned image pull. */
    image: docker.RemoteImage;
    /** The data volume, when `data` was given. */
    volume?: docker.Volume;
    /** The config volume, when `files` were given. */
    config?: docker.Volume;
    /** The one-shot volume-ownership step, when `data.owner` was given. */
    owner?: docker.Container;
    /** The one-shot step that delivered `files` into the config volume, when there are files. */
    files?: docker.Container;
}

/**
 * A long-running container of a tier as every stateful tierform container is built (databases,
 * cache, queue, object storage, backups, edge): the pinned image, {@link hardened} (non-root,
 * read-only root with tmpfs where it writes, no capabilities, limits, restart policy), labelled,
 * its data on a named volume, its config and credential files uploaded into a config volume, a
 * health check that `pulumi up` waits on. Children are named `<name>-image`, `<name>-data`,
 * `<name>-config` and `<name>` (the container), all parented to `parent`.
 */
export function tierContainer(name: string, args: TierContainerArgs, parent: pulumi.Resource): TierContainer {
    const { system, tier, datastore } = args;
    const image = pullImage(resourceName([name, "image"]), args.image, parent);
    const volume = args.data
        ? new docker.Volume(
              resourceName([name, "data"]),
              { name: resourceName([name, "data"]), labels: labelsFor(system, tier, datastore, args.data.labels) },
              { parent, protect: system.profile.deletionProtection },
          )
        : undefined;
    const files = args.files ?? [];
    const utility =
        volume && args.data?.owner ? pullImage(resourceName([name, "utility-image"]), UTILITY_IMAGE, parent).imageId : undefined;
    const owner =
        volume && args.data?.owner && utility
            ? volumeOwnership(
                  resourceName([name, "data-owner"]),
                  { system, tier, datastore, volume, owner: args.data.owner, image: utility },
                  parent,
              )
            : undefined;
    const config = files.length > 0 ? configVolume(resourceName([name, "config"]), system, tier, parent, datastore) : undefined;
    // The files go in through a one-shot step from the container's own image (already pulled).
    const writer = config
        ? configFiles(
              resourceName([name, "config-files"]),
              { system, tier, datastore, volume: config, user: args.user, files, image: image.imageId },
              parent,
          )
        : undefined;
    const env = args.env ?? {};
    const steps = [
        ...(owner ? [{ role: "volume-init", step: owner, what: `handing ${name}'s data volume to ${args.data!.owner}` }] : []),
        ...(writer ? [{ role: CONFIG_FILES_ROLE, step: writer, what: `delivering ${name}'s config files` }] : []),
    ];
    const labels = { ...(args.labels ?? {}), ...stepLabels(steps) };
    const container = new docker.Container(
        name,
        {
            name,
            image: image.imageId,
            hostname: args.hostname,
            entrypoints: args.entrypoints,
            command: args.command,
            envs: Object.keys(env).length > 0 ? Object.entries(env).map(([k, v]) => `${k}=${v}`) : undefined,
            ...hardened({ user: args.user, memoryMb: args.resources.memoryMb, cpus: args.resources.cpus }),
            init: args.init,
            tmpfs: tmpfsMounts(args.writablePaths ?? ["/tmp"], args.tmpfsSizeMb),
            shmSize: args.shmSizeMb,
            volumes: [
                ...(volume && args.data ? [{ volumeName: volume.name, containerPath: args.data.path }] : []),
                ...(config ? [{ volumeName: config.name, containerPath: CONFIG_DIR, readOnly: true }] : []),
                ...(args.volumes ?? []),
            ],
            ports: args.ports,
            networksAdvanced: args.networks,
            healthcheck: args.healthcheck,
            wait: args.wait ?? true,
            waitTimeout: args.wait === false ? undefined : (args.waitTimeoutSeconds ?? 120),
            labels: labelList<pulumi.Input<string>>({ ...dockerLabels(system, tier, datastore), ...labels }),
        },
        { parent, dependsOn: [...steps.map((s) => s.step), ...(args.dependsOn ?? [])] },
    );
    return { container, image, volume, config, owner, files: writer };
}

/** Arguments every datastore component (database, cache, queue, object storage) takes. */
export interface DatastoreArgs {
    /** The resolved system: labels, sizes, deletion protection. */
    system: SystemFacts;
    /** Name of the internal data network; the datastore joins no other. */
    network: pulumi.Input<string>;
    /** Memory (MiB) and CPUs of the server container. @default each component's own (see there) */
    resources?: { memoryMb: number; cpus: number };
}

/** Memory (MiB) and CPUs of a datastore container by the profile's abstract size. */
export function datastoreResources(system: SystemFacts): { memoryMb: number; cpus: number } {
    return { small: { memoryMb: 1024, cpus: 1 }, medium: { memoryMb: 2048, cpus: 2 }, large: { memoryMb: 4096, cpus: 2 } }[
        system.profile.dataSize
    ];
}
