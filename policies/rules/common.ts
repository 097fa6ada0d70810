/**
 * Policies that hold on every platform: pinned images, no plaintext secrets or debug switches in
 * container environments, and `protect` on stateful resources.
 */
import {
    containersOf,
    DEFAULT_DEBUG_SETTINGS,
    ecsContainers,
    isDebugSwitch,
    isPinnedImage,
    K8S_WORKLOADS,
    plaintextSecretProblem,
    podSpecOf,
    resourcePolicy,
    splitEnvs,
} from "./util";
import { DOCKER_LABEL } from "../../conventions/labels";

const DOCKER_CONTAINER = "docker:index/container:Container";
const ECS_TASK = "aws:ecs/taskDefinition:TaskDefinition";
const CNPG_CLUSTER = "kubernetes:postgresql.cnpg.io/v1:Cluster";

/** Types whose inputs carry container environments. */
export const ENV_TYPES = [DOCKER_CONTAINER, ECS_TASK, ...K8S_WORKLOADS];

/** One environment variable of any platform: where it is, its name, and its literal value (undefined when it is a reference). */
export interface EnvEntry {
    container: string;
    name: string;
    value?: string;
}

/** The environment variables a container-running resource declares, on any platform. */
export function envEntries(type: string, props: any): EnvEntry[] {
    if (type === DOCKER_CONTAINER)
        return splitEnvs(props?.envs).map(([name, value]) => ({ container: props?.name ?? "container", name, value }));
    if (type === ECS_TASK) {
        return (ecsContainers(props) ?? []).flatMap((c) =>
            (c.environment ?? []).map((e) => ({ container: c.name ?? "container", name: e.name, value: e.value })),
        );
    }
    return containersOf(podSpecOf(type, props)).flatMap(({ c }) =>
        (Array.isArray(c.env) ? c.env : []).map((e: any) => ({
            container: c.name ?? "container",
            name: String(e.name),
            value: e.valueFrom ? undefined : e.value,
        })),
    );
}

/** The images a resource runs: container image, pod containers, ECS containers, CloudNativePG `imageName`. */
export function imagesOf(type: string, props: any): Array<{ container: string; image: string | undefined }> {
    if (type === DOCKER_CONTAINER) return [{ container: props?.name ?? "container", image: props?.image }];
    if (type === ECS_TASK) return (ecsContainers(props) ?? []).map((c) => ({ container: c.name ?? "container", image: c.image }));
    if (type === CNPG_CLUSTER) return props?.spec?.imageName ? [{ container: "postgres", image: props.spec.imageName }] : [];
    return containersOf(podSpecOf(type, props)).map(({ c }) => ({ container: c.name ?? "container", image: c.image }));
}

/** Images pinned to a tag or digest, never `latest` or untagged. */
export const pinnedImages = resourcePolicy({
    name: "pinned-images",
    description:
        "Every container image is pinned to a tag or digest; untagged and ':latest' images are refused, so a deploy is reproducible.",
    group: "security",
    platforms: ["docker", "kubernetes", "aws"],
    checklist: ["pinned-images"],
    sources: ["Checkov CKV_K8S_14", "Polaris tagNotSpecified", "kube-score container-image-tag", "seeds README"],
    types: [DOCKER_CONTAINER, ECS_TASK, CNPG_CLUSTER, ...K8S_WORKLOADS],
    validate: (props, args, report) => {
        if (args.type === ECS_TASK && !ecsContainers(props))
            report("containerDefinitions is not a readable JSON array of container definitions");
        for (const { container, image } of imagesOf(args.type, props)) {
            if (typeof image !== "string" || image === "") report(`container '${container}' has no image`);
            else if (!isPinnedImage(image))
                report(`container '${container}' runs '${image}', which is not pinned to a tag or digest (untagged or ':latest')`);
        }
    },
});

/** No credential in a plain environment variable. */
export const noPlaintextSecrets = resourcePolicy({
    name: "no-plaintext-secrets",
    description:
        "No credential is passed as a literal environment variable (names like *PASSWORD*, *SECRET*, *TOKEN*, *KEY*, or a URL with a password). Use the platform's secret mechanism: Kubernetes secretKeyRef, ECS `secrets` from Secrets Manager, Docker `*_FILE` variables pointing at files uploaded into the container.",
    group: "security",
    platforms: ["docker", "kubernetes", "aws"],
    checklist: ["no-plaintext-secrets", "mdc-secrets-in-vault"],
    sources: [
        "Checkov CKV_SECRET_* (secrets scan)",
        "Checkov CKV_AWS_45 (analogue for Lambda)",
        "CIS Docker 4.10",
        "seeds README (plaintext .env files)",
    ],
    types: ENV_TYPES,
    validate: (props, args, report) => {
        for (const e of envEntries(args.type, props)) {
            const problem = plaintextSecretProblem(e.name, e.value);
            if (problem) report(`container '${e.container}': ${problem}`);
        }
    },
});

const debugSchema = {
    properties: {
        settings: {
            type: "object" as const,
            description: "Environment variable name → values that switch debugging on.",
            additionalProperties: { type: "array" as const, items: { type: "string" as const } },
            default: DEFAULT_DEBUG_SETTINGS,
        },
    },
};

/** Debug switches off. */
export const debugDisabled = resourcePolicy({
    name: "debug-disabled",
    description:
        "No container runs with a debug switch on (DEBUG=true, FLASK_DEBUG=1, FLASK_ENV=development, NODE_ENV=development, ...): debug pages leak settings and stack traces.",
    group: "security",
    platforms: ["docker", "kubernetes", "aws"],
    checklist: ["debug-off"],
    sources: ["seed 000 (debug mode disabled in production)", "OWASP ASVS 14.3"],
    types: ENV_TYPES,
    configSchema: debugSchema,
    validate: (props, args, report, { settings }) => {
        for (const e of envEntries(args.type, props)) {
            if (isDebugSwitch(e.name, e.value, settings)) report(`container '${e.container}' sets ${e.name}=${e.value}`);
        }
    },
});

/** Types that hold state: losing one loses data. */
export const STATEFUL_TYPES = [
    "aws:rds/instance:Instance",
    "aws:rds/cluster:Cluster",
    "aws:docdb/cluster:Cluster",
    "aws:elasticache/replicationGroup:ReplicationGroup",
    "aws:s3/bucket:Bucket",
    "aws:s3/bucketV2:BucketV2",
    "aws:sqs/queue:Queue",
    "aws:backup/vault:Vault",
    "aws:kms/key:Key",
    "kubernetes:apps/v1:StatefulSet",
    "kubernetes:core/v1:PersistentVolumeClaim",
    CNPG_CLUSTER,
    "docker:index/volume:Volume",
];

/** Stateful resources carry `protect: true`. */
export const protectStateful = resourcePolicy({
    name: "protect-stateful-resources",
    description:
        "Stateful resources (databases, caches, queues, buckets, backup vaults, keys, volumes) are registered with `protect: true`, so `pulumi destroy` or a refactor cannot delete them.",
    group: "reliability",
    platforms: ["docker", "kubernetes", "aws"],
    checklist: ["deletion-safety"],
    sources: ["ARCHITECTURE 'Closed by default'", "Pulumi resource option protect"],
    types: STATEFUL_TYPES,
    validate: (props, args, report) => {
        if (args.opts?.protect || holdsNoState(args.type, props)) return;
        report(`${args.type.split(":").pop()} '${args.name}' is stateful but not protected (set the resource option protect: true)`);
    },
});

/**
 * Resources of a stateful type that hold nothing to lose: a Docker volume labelled
 * `tierform.role=config` (its files are uploaded from Pulumi state on every update) and a
 * StatefulSet without volume claims (its pods keep no data).
 */
function holdsNoState(type: string, props: Record<string, any>): boolean {
    if (type === "docker:index/volume:Volume") {
        return (props.labels ?? []).some((l: { label?: string; value?: string }) => l.label === DOCKER_LABEL.role && l.value === "config");
    }
    if (type === "kubernetes:apps/v1:StatefulSet") return (props.spec?.volumeClaimTemplates ?? []).length === 0;
    return false;
}

/** The cross-platform policies. */
export const commonPolicies = [pinnedImages, noPlaintextSecrets, debugDisabled, protectStateful];
