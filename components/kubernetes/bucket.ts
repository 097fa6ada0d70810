/**
 * Object storage on Kubernetes. Without `tierform:s3Endpoint`, one MinIO StatefulSet per system
 * (PVC-backed, non-root uid 1000, read-only root) serves every bucket of the spec and the
 * PostgreSQL WAL archive ({@link archiveBucket}), and a Job creates them (`mc mb --ignore-existing`), turns versioning on where asked and adds the
 * expiration rule. With an endpoint, the buckets are expected to exist there (a prerequisite, like
 * the `s3-credentials` Secret holding its keys) and nothing runs in the cluster.
 *
 * Lifecycle *tiers* (warm, cold, archive) need a tiered store; a single MinIO has one tier, so only
 * `expireAfterDays` is applied here. Apps get `<NAME>_BUCKET`/`STORAGE_BUCKET` (the bucket name),
 * the endpoint in `AWS_ENDPOINT_URL_S3`/`S3_ENDPOINT_URL` and keys by `secretKeyRef`.
 */
import * as pulumi from "@pulumi/pulumi";
import type * as k8sTypes from "@pulumi/kubernetes/types/input";
import type { Bucket, Settings, System } from "../../spec";
import { DEFAULT_PORTS } from "../shared/connection";
import { OBJECT_STORE_IMAGE } from "../shared/images";
import {
    DATASTORE_SIZES,
    EXTERNAL_S3_SECRET,
    componentSecret,
    generatedPassword,
    logicalName,
    restrictedContainer,
    restrictedPodSpec,
    secretEnvs,
    serviceHost,
    versionedJob,
    type DatastoreConnection,
    type KubeContext,
} from "./common";
import { OBJECT_STORE, s3EndpointAddress } from "./namespace";
import { statefulWorkload } from "./stateful";

/** Where apps and jobs reach S3 and the Secret with its keys (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`). */
export function s3Access(ctx: KubeContext): { endpointUrl: string; secretName: string; external: boolean } {
    const external = s3EndpointAddress(ctx.settings);
    if (external) return { endpointUrl: external.url, secretName: EXTERNAL_S3_SECRET, external: true };
    return { endpointUrl: `http://${serviceHost(OBJECT_STORE, ctx.namespaceName)}:${DEFAULT_PORTS.s3}`, secretName: `${OBJECT_STORE}-credentials`, external: false };
}

/** The bucket's real name: `<system>-<bucket>` (S3 names are global). */
export function bucketName(ctx: KubeContext, bucket: string): string {
    return logicalName(ctx, bucket);
}

/** The S3 keys (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`) by secretKeyRef from the Secret of {@link s3Access}. */
export function s3KeysEnv(ctx: KubeContext): k8sTypes.core.v1.EnvVar[] {
    return secretEnvs(s3Access(ctx).secretName, { AWS_ACCESS_KEY_ID: "AWS_ACCESS_KEY_ID", AWS_SECRET_ACCESS_KEY: "AWS_SECRET_ACCESS_KEY" });
}

/** Environment variables giving a container S3 access (endpoint and keys by secretKeyRef). */
export function s3Env(ctx: KubeContext): k8sTypes.core.v1.EnvVar[] {
    const s3 = s3Access(ctx);
    return [
        { name: "AWS_ENDPOINT_URL_S3", value: s3.endpointUrl },
        { name: "S3_ENDPOINT_URL", value: s3.endpointUrl },
        { name: "AWS_REGION", value: "us-east-1" },
        ...s3KeysEnv(ctx),
    ];
}

/** Name of the bucket databases archive to (WAL, base backups, off-site dumps): the spec's `backups` bucket, else `<system>-backups`. */
export function archiveBucket(ctx: KubeContext): string {
    const backups = Object.values(ctx.system.buckets).find((b) => b.purpose === "backups");
    return logicalName(ctx, backups?.name ?? "backups");
}

/** True when the system runs its own MinIO: no S3 endpoint, and buckets or a PostgreSQL WAL archive to hold. */
export function needsObjectStore(system: System, settings: Settings): boolean {
    if (s3EndpointAddress(settings)) return false;
    return Object.keys(system.buckets).length > 0 || Object.values(system.databases).some((d) => d.engine === "postgres");
}

/** The shell script of the bucket Job (credentials from the environment via MC_HOST_*, never argv). */
export function bucketSetupScript(ctx: KubeContext, buckets: Bucket[]): string {
    const s3 = s3Access(ctx);
    const host = s3.endpointUrl.replace(/^https?:\/\//, "");
    const names = new Set(buckets.map((b) => bucketName(ctx, b.name)));
    const archive = archiveBucket(ctx);
    const all: { name: string; versioned: boolean; expireAfterDays?: number }[] = buckets.map((b) => ({ name: bucketName(ctx, b.name), versioned: b.versioned, expireAfterDays: b.expireAfterDays }));
    if (!names.has(archive)) all.push({ name: archive, versioned: false });
    const lines = [
        "set -eu",
        `export MC_HOST_store="http://\${AWS_ACCESS_KEY_ID}:\${AWS_SECRET_ACCESS_KEY}@${host}"`,
        "until mc ready store >/dev/null 2>&1; do echo 'waiting for the object store'; sleep 3; done",
    ];
    for (const b of all) {
        const n = b.name;
        lines.push(`mc mb --ignore-existing "store/${n}"`);
        if (b.versioned) lines.push(`mc version enable "store/${n}"`);
        if (b.expireAfterDays) lines.push(`mc ilm rule ls --json "store/${n}" 2>/dev/null | grep -q '"Expiration"' || mc ilm rule add --expire-days ${b.expireAfterDays} "store/${n}"`);
    }
    return lines.join("\n") + "\n";
}

/** Arguments of {@link KubernetesObjectStore}. */
export interface KubernetesObjectStoreArgs {
    /** Where the tier is built: the system, the stack settings, the namespace. */
    ctx: KubeContext;
    /** Every bucket of the system. */
    buckets: Bucket[];
    /**
     * MinIO PVC size in GiB.
     * @default 20
     */
    storageGb?: number;
}

/** MinIO (or nothing, with an external endpoint) and the system's buckets. */
export class KubernetesObjectStore extends pulumi.ComponentResource {
    /** Each bucket's connection (the URL is the bucket name). */
    readonly connections: Record<string, DatastoreConnection> = {};
    /** MinIO and its bucket Job, when the system runs its own. */
    readonly ready: pulumi.Resource[] = [];

    constructor(name: string, args: KubernetesObjectStoreArgs, opts?: pulumi.ComponentResourceOptions) {
        super("tierform:kubernetes:ObjectStore", name, {}, opts);
        const { ctx } = args;
        const s3 = s3Access(ctx);
        const ready = this.ready;
        if (needsObjectStore(ctx.system, ctx.settings)) {
            const keys = componentSecret(ctx, this, OBJECT_STORE, "credentials", {
                AWS_ACCESS_KEY_ID: generatedPassword(ctx, this, OBJECT_STORE, "user", { length: 20, upper: false }),
                AWS_SECRET_ACCESS_KEY: generatedPassword(ctx, this, OBJECT_STORE, "password", { length: 40 }),
            });
            const health = (path: string, delay: number) => ({ httpGet: { path, port: "s3" }, initialDelaySeconds: delay, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 6 });
            const workload = statefulWorkload(
                ctx,
                {
                    component: OBJECT_STORE,
                    tier: "bucket",
                    image: OBJECT_STORE_IMAGE,
                    uid: 1000,
                    gid: 1000,
                    ports: [{ name: "s3", port: DEFAULT_PORTS.s3 }],
                    args: ["server", "/data", "--address", `:${DEFAULT_PORTS.s3}`, "--certs-dir", "/tmp/certs"],
                    env: [{ name: "HOME", value: "/tmp" }, ...secretEnvs(keys.name, { MINIO_ROOT_USER: "AWS_ACCESS_KEY_ID", MINIO_ROOT_PASSWORD: "AWS_SECRET_ACCESS_KEY" })],
                    dataPath: "/data",
                    storageGb: args.storageGb ?? 20,
                    writablePaths: ["/tmp"],
                    liveness: health("/minio/health/live", 10),
                    readiness: health("/minio/health/ready", 5),
                    resources: DATASTORE_SIZES.small,
                },
                { parent: this, dependsOn: [keys.secret] },
            );
            const script = bucketSetupScript(ctx, args.buckets);
            const pod = restrictedPodSpec(1000, 1000, {
                restartPolicy: "OnFailure",
                containers: [
                    restrictedContainer(1000, 1000, { cpu: 0.1, memoryMb: 128 }, {
                        name: "mc",
                        image: OBJECT_STORE_IMAGE,
                        command: ["sh", "-c", script],
                        env: [{ name: "HOME", value: "/tmp" }, ...s3KeysEnv(ctx)],
                        volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
                    }),
                ],
                volumes: [{ name: "tmp", emptyDir: { sizeLimit: "64Mi" } }],
            });
            const job = versionedJob(ctx, `${OBJECT_STORE}-buckets`, "bucket", script, { backoffLimit: 6, activeDeadlineSeconds: 900, pod }, { parent: this, dependsOn: [workload.statefulSet] });
            ready.push(workload.statefulSet, job);
        }
        for (const b of args.buckets) {
            this.connections[b.name] = { host: s3.endpointUrl.replace(/^https?:\/\//, "").split(":")[0], port: s3.external ? s3EndpointAddress(ctx.settings)!.port : DEFAULT_PORTS.s3, url: pulumi.output(bucketName(ctx, b.name)), ready };
        }
        this.registerOutputs({ endpoint: s3.endpointUrl });
    }
}
