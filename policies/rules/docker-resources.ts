/**
 * Docker resources beside containers (issue 16): pulled images pinned, built images without
 * credentials in build arguments, user-defined networks that do not open themselves to any
 * container, and volumes that are not bind mounts of sensitive host paths in disguise. CIS Docker
 * Benchmark v1.3.1 item titles as docker/docker-bench-security `tests/5_container_runtime.sh` and
 * `tests/4_container_images.sh` name them.
 */
import { isPinnedImage, plaintextSecretProblem, resourcePolicy } from "./util";
import { DOCKER_LABEL } from "../../conventions/labels";
import { isSensitiveHostPath, SENSITIVE_HOST_PATHS } from "./docker";

const REMOTE_IMAGE = "docker:index/remoteImage:RemoteImage";
const IMAGE = "docker:index/image:Image";
const NETWORK = "docker:index/network:Network";
const VOLUME = "docker:index/volume:Volume";

/** Inputs of `docker.RemoteImage`. */
interface RemoteImageProps {
    name?: string;
}

/** Pulled images pinned. */
export const dockerRemoteImagePinned = resourcePolicy({
    name: "docker-remote-image-pinned",
    description:
        "Every docker.RemoteImage pulls a pinned reference (a tag other than latest, or a digest), so the image a container runs is the one reviewed.",
    group: "security",
    platforms: ["docker"],
    checklist: ["pinned-images"],
    sources: ["CIS Docker 5.27", "kube-score container-image-tag (analogue)", "Checkov CKV_K8S_14 (analogue)"],
    types: [REMOTE_IMAGE],
    validate: (props: RemoteImageProps, _args, report) => {
        if (typeof props.name !== "string") return; // an output not known at preview; the container's image is checked by pinned-images
        if (!isPinnedImage(props.name)) report(`image ${props.name} is not pinned to a tag or digest`);
    },
});

/** Inputs of `docker.Image` (v4). */
interface ImageProps {
    imageName?: string;
    build?: { args?: Record<string, string> };
}

/** No credentials in build arguments. */
export const dockerBuildArgsNoSecrets = resourcePolicy({
    name: "docker-build-args-no-secrets",
    description:
        "Images built by docker.Image get no credential as a build argument: build args end up in the image history for anyone who pulls it.",
    group: "security",
    platforms: ["docker"],
    checklist: ["no-plaintext-secrets"],
    sources: ["CIS Docker 4.10", "Checkov CKV_SECRET_* (secrets scan)"],
    types: [IMAGE],
    validate: (props: ImageProps, _args, report) => {
        for (const [name, value] of Object.entries(props.build?.args ?? {})) {
            const problem = plaintextSecretProblem(name, value);
            if (problem) report(`build arg ${problem}`);
        }
    },
});

/** Inputs of `docker.Network`. */
interface NetworkProps {
    name?: string;
    driver?: string;
    attachable?: boolean;
    ingress?: boolean;
    labels?: Array<{ label: string; value: string }>;
}

/** The label that explains why a network is attachable. */
export const ATTACHABLE_REASON_LABEL = DOCKER_LABEL.attachableReason;

/** Networks closed to ad-hoc containers. */
export const dockerNetworkClosed = resourcePolicy({
    name: "docker-network-closed",
    description: `User-defined networks use the bridge (or overlay) driver, are not swarm ingress networks, and are attachable only with a '${ATTACHABLE_REASON_LABEL}' label: any container started by hand could otherwise join a tier's network.`,
    group: "security",
    platforms: ["docker"],
    checklist: ["network-segmentation"],
    sources: ["CIS Docker 5.29", "CIS Docker 5.9"],
    types: [NETWORK],
    validate: (props: NetworkProps, _args, report) => {
        const driver = props.driver ?? "bridge";
        if (!["bridge", "overlay"].includes(driver)) report(`driver is '${driver}', not bridge or overlay`);
        if (props.ingress === true) report("network is a swarm ingress network");
        const reason = (props.labels ?? []).find((l) => l.label === ATTACHABLE_REASON_LABEL)?.value;
        if (props.attachable === true && !reason) report(`network is attachable without a '${ATTACHABLE_REASON_LABEL}' label`);
    },
});

/** Inputs of `docker.Volume`. */
interface VolumeProps {
    driver?: string;
    driverOpts?: Record<string, string>;
}

/** The host paths a container must not bind, and the runtime directories a volume must not bind either. */
const SENSITIVE = [...SENSITIVE_HOST_PATHS, "/var/run", "/run"];

/** Named volumes are not bind mounts of sensitive host paths. */
export const dockerVolumeNoHostBind = resourcePolicy({
    name: "docker-volume-no-sensitive-bind",
    description:
        "No docker.Volume of the local driver binds a sensitive host directory or the Docker socket through driverOpts (type none, o bind, device …): that is a host mount under a volume's name.",
    group: "security",
    platforms: ["docker"],
    sources: ["CIS Docker 5.5", "CIS Docker 5.31"],
    types: [VOLUME],
    validate: (props: VolumeProps, _args, report) => {
        const opts = props.driverOpts ?? {};
        if ((props.driver ?? "local") !== "local" || !/\bbind\b/.test(opts.o ?? "")) return;
        if (isSensitiveHostPath(opts.device ?? "", SENSITIVE)) report(`volume binds host path ${opts.device}`);
    },
});

/** The policies of this module. */
export const dockerResourcePolicies = [dockerRemoteImagePinned, dockerBuildArgsNoSecrets, dockerNetworkClosed, dockerVolumeNoHostBind];
