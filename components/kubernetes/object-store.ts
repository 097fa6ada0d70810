/**
 * Object storage on Kubernetes. Without `tierform:s3Endpoint`, one SeaweedFS StatefulSet per
 * system ({@link OBJECT_STORE_IMAGE}, `weed mini`: S3 API on port 9000, lifecycle worker on; the
 * image's own non-root uid 1000, read-only root, PVC at `/data`) serves every bucket of the spec
 * and the PostgreSQL WAL archive ({@link walArchiveBucket}, no expiry rule). MinIO's community edition stopped
 * publishing images in October 2025; SeaweedFS is the maintained store the dev stack uses too
 * (research note: versioning, lifecycle expiry, per-bucket keys, Apache-2.0, weekly releases).
 *
 * **Keys per identity, limited to what each uses** ({@link s3Identities}): every service that
 * `uses` buckets gets its own key (`<service>-s3` Secret) allowed Read/List/Write on exactly
 * those buckets; the backups identity (`object-store-backups`: CloudNativePG's WAL archive and base
 * backups, the dump CronJobs' off-site copy) only on the WAL archive and dump buckets; the provisioner (Admin)
 * only in the bucket Job, as a credentials *file*. The identities live in the static `s3.json`
 * (`-s3.config`, a Secret mounted at `/etc/tierform`): no root key in any environment.
 * SeaweedFS matches `Read:<bucket>`, `List:<bucket>`, `Write:<bucket>` exactly
 * (seaweedfs `weed/s3api/auth_credentials.go` CanDo; `weed/command/s3.go` config format).
 *
 * A Job (the AWS CLI, provisioner key from a file) creates the buckets, turns versioning on where
 * asked and sets the expiry rule (`s3api put-bucket-lifecycle-configuration`, enforced daily by the
 * `mini` lifecycle worker). With an endpoint, the buckets are expected to exist there (a
 * prerequisite, like the `s3-credentials` Secret holding its keys) and nothing runs in the cluster.
 *
 * **Size**: the claim holds the buckets and, for each PostgreSQL database, its base backups over
 * the retention window plus WAL ({@link objectStoreSizeGb}); above {@link LARGE_OBJECT_STORE_GB} a
 * staging cluster's disk is the wrong place for it: the plan warns and points at `tierform:s3Endpoint`.
 */
import { OBJECT_STORE_IMAGE } from "../shared/images";
import * as k8s from "@pulumi/kubernetes";
import { createHash } from "crypto";
import * as pulumi from "@pulumi/pulumi";
import type * as k8sTypes from "@pulumi/kubernetes/types/input";
import { DEFAULT_PORTS } from "../shared/connection";
import { logicalName, meta, serviceHost, specsOf, type KubeContext } from "./context";
import { type DatastoreConnection } from "./context";
import { restrictedContainer, restrictedPodSpec, versionedJob } from "./pods";
import { EXTERNAL_S3_SECRET, componentSecret, generatedPassword, secretEnvs } from "./secrets";
import { OBJECT_STORE, s3EndpointAddress } from "./network";
import { statefulWorkload } from "./stateful";
import { imageOf } from "../../conventions/pins";
import type { DatastoreSpecs, PlatformSettings, SystemPlan } from "../../plan";

/** A bucket's spec entry, every default resolved (the plan's `datastores.<name>.spec`). */
type Bucket = DatastoreSpecs["bucket"];

/** The AWS CLI of the bucket Job and the off-site copy (pinned). */
export const AWS_CLI_IMAGE = imageOf("awsCli");
/** Above this size (GiB) the object store belongs outside the cluster (`tierform:s3Endpoint`). */
export const LARGE_OBJECT_STORE_GB = 1024;
/** Where the bucket Job reads the provisioner's credentials file and the CLI config. */
const AWS_FILES = "/etc/tierform-aws";

/** The identity that uses a Secret's keys: a service by name, or the backups (WAL archive, dumps). */
export type S3Identity = "backups" | { service: string };

/** The Secret with the S3 keys of `who`: the user's `s3-credentials` with an endpoint, else the identity's own. */
export function s3SecretName(ctx: KubeContext, who: S3Identity): string {
    if (s3EndpointAddress(ctx.settings)) return EXTERNAL_S3_SECRET;
    return who === "backups" ? `${OBJECT_STORE}-backups` : `${who.service}-s3`;
}

/** Where apps and jobs reach S3. */
export function s3Access(ctx: KubeContext): { endpointUrl: string; external: boolean } {
    const external = s3EndpointAddress(ctx.settings);
    if (external) return { endpointUrl: external.url, external: true };
    return { endpointUrl: `http://${serviceHost(OBJECT_STORE, ctx.namespaceName)}:${DEFAULT_PORTS.s3}`, external: false };
}

/** The bucket's real name: `<system>-<bucket>` (S3 names are global). */
export function bucketName(ctx: KubeContext, bucket: string): string {
    return logicalName(ctx, bucket);
}

/** The S3 keys (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`) of `who` by secretKeyRef. */
export function s3KeysEnv(ctx: KubeContext, who: S3Identity): k8sTypes.core.v1.EnvVar[] {
    return secretEnvs(s3SecretName(ctx, who), { AWS_ACCESS_KEY_ID: "AWS_ACCESS_KEY_ID", AWS_SECRET_ACCESS_KEY: "AWS_SECRET_ACCESS_KEY" });
}

/** Environment variables giving a service S3 access (endpoint and its own keys by secretKeyRef). */
export function s3Env(ctx: KubeContext, service: string): k8sTypes.core.v1.EnvVar[] {
    const s3 = s3Access(ctx);
    return [
        { name: "AWS_ENDPOINT_URL_S3", value: s3.endpointUrl },
        { name: "S3_ENDPOINT_URL", value: s3.endpointUrl },
        { name: "AWS_REGION", value: "us-east-1" },
        ...s3KeysEnv(ctx, { service }),
    ];
}

/** Name of the bucket the dump CronJobs copy their dumps to (off-site): the spec's `backups` bucket (with its expiry), else `<system>-backups`. */
export function archiveBucket(ctx: KubeContext): string {
    const backups = specsOf(ctx.system, "bucket").find((b) => b.purpose === "backups");
    return logicalName(ctx, backups?.name ?? "backups");
}

/**
 * Name of the bucket of the PostgreSQL WAL archive and base backups: `<system>-pg-archive`, a
 * bucket of its own with **no lifecycle rule**. Barman's `retentionPolicy` (`<retentionDays>d`)
 * keeps the newest base backup older than the window and every WAL file after it — a base backup
 * up to `retentionDays` + one schedule gap old — so an expiry rule of `retentionDays` (MDC's
 * `backups` bucket expires after 30 days, its database keeps 30) deletes the base backup the window
 * starts from, and a recovery to the oldest point fails. Only Barman prunes this bucket
 * (CloudNativePG docs, backup.md "Retention policies": "the base backup and WAL files needed to
 * recover to any point in time within the window" are kept).
 */
export function walArchiveBucket(ctx: KubeContext): string {
    return logicalName(ctx, "pg-archive");
}

/** True when a database of `system` is PostgreSQL (CloudNativePG: a WAL archive). */
function hasPostgres(system: Pick<SystemPlan, "datastores">): boolean {
    return specsOf(system, "database").some((d) => d.engine === "postgres");
}

/** True when the system runs its own object store: no S3 endpoint, and buckets or a PostgreSQL WAL archive to hold. */
export function needsObjectStore(system: Pick<SystemPlan, "datastores">, settings: PlatformSettings): boolean {
    if (s3EndpointAddress(settings)) return false;
    return specsOf(system, "bucket").length > 0 || hasPostgres(system);
}

/**
 * GiB the object store holds: 20 for the buckets, plus for each PostgreSQL database its gzip'd
 * base backups over the retention window (one per day of `retentionDays`, plus the one being
 * written; gzip taken as halving the data) and a day's WAL per retained day at a tenth of the
 * data (compressed likewise). Barman keeps every base backup inside `retentionPolicy` and the
 * WAL needed to recover to any point since the oldest
 * (https://cloudnative-pg.io/documentation/1.25/backup_barmanobjectstore/).
 */
export function objectStoreSizeGb(system: Pick<SystemPlan, "datastores">): number {
    const pg = specsOf(system, "database").filter((d) => d.engine === "postgres");
    const archive = pg.reduce((sum, d) => sum + d.storageGb * 0.5 * (d.backup.retentionDays + 1 + 0.1 * d.backup.retentionDays), 0);
    return 20 + Math.ceil(archive);
}

/**
 * The identities of `s3.json`: the provisioner (Admin), each service with Read/List/Write on the
 * buckets it `uses`, the backups identity on the archive bucket.
 */
export function s3Identities(ctx: KubeContext): { name: string; secret: string; actions: string[] }[] {
    const on = (buckets: string[]) => buckets.flatMap((b) => ["Read", "List", "Write"].map((a) => `${a}:${b}`));
    const services = Object.values(ctx.system.services)
        .map((s) => ({
            name: s.name,
            buckets: s.uses.filter((u) => ctx.system.datastores[u]?.kind === "bucket").map((u) => bucketName(ctx, u)),
        }))
        .filter((s) => s.buckets.length > 0);
    return [
        { name: "provisioner", secret: `${OBJECT_STORE}-provisioner`, actions: ["Admin"] },
        ...services.map((s) => ({ name: s.name, secret: s3SecretName(ctx, { service: s.name }), actions: on(s.buckets) })),
        {
            name: "backups",
            secret: s3SecretName(ctx, "backups"),
            actions: on([archiveBucket(ctx), ...(hasPostgres(ctx.system) ? [walArchiveBucket(ctx)] : [])]),
        },
    ];
}

/** The shell script of the bucket Job: the AWS CLI with the provisioner's key from a file (never env or argv). */
export function bucketSetupScript(ctx: KubeContext, buckets: Bucket[]): string {
    const s3 = s3Access(ctx);
    const names = new Set(buckets.map((b) => bucketName(ctx, b.name)));
    const archive = archiveBucket(ctx);
    const all: { name: string; versioned: boolean; expireAfterDays?: number }[] = buckets.map((b) => ({
        name: bucketName(ctx, b.name),
        versioned: b.versioned,
        expireAfterDays: b.expireAfterDays,
    }));
    if (!names.has(archive)) all.push({ name: archive, versioned: false });
    // The WAL archive: never an expiry rule (see walArchiveBucket).
    if (hasPostgres(ctx.system)) all.push({ name: walArchiveBucket(ctx), versioned: false });
    const lines = [
        "set -eu",
        `E="${s3.endpointUrl}"`,
        'until curl -fsS "$E/readyz" >/dev/null 2>&1 || aws --endpoint-url "$E" s3api list-buckets >/dev/null 2>&1; do echo "waiting for the object store"; sleep 3; done',
    ];
    for (const b of all) {
        const n = b.name;
        lines.push(
            `aws --endpoint-url "$E" s3api head-bucket --bucket ${n} 2>/dev/null || aws --endpoint-url "$E" s3api create-bucket --bucket ${n}`,
        );
        if (b.versioned)
            lines.push(`aws --endpoint-url "$E" s3api put-bucket-versioning --bucket ${n} --versioning-configuration Status=Enabled`);
        if (b.expireAfterDays) {
            const rule = {
                Rules: [
                    {
                        ID: "tierform-expiry",
                        Status: "Enabled",
                        Filter: { Prefix: "" },
                        Expiration: { Days: b.expireAfterDays },
                        NoncurrentVersionExpiration: { NoncurrentDays: b.expireAfterDays },
                        AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
                    },
                ],
            };
            lines.push(
                `aws --endpoint-url "$E" s3api put-bucket-lifecycle-configuration --bucket ${n} --lifecycle-configuration '${JSON.stringify(rule)}'`,
            );
        }
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
     * PVC size in GiB.
     * @default objectStoreSizeGb(system)
     */
    storageGb?: number;
}

/** SeaweedFS (or nothing, with an external endpoint), its identities and the system's buckets. */
export class KubernetesObjectStore extends pulumi.ComponentResource {
    /** Each bucket's connection (the URL is the bucket name). */
    readonly connections: Record<string, DatastoreConnection> = {};
    /** The store, its key Secrets and its bucket Job, when the system runs its own. */
    readonly ready: pulumi.Resource[] = [];

    constructor(name: string, args: KubernetesObjectStoreArgs, opts?: pulumi.ComponentResourceOptions) {
        super("tierform:kubernetes:ObjectStore", name, {}, opts);
        const { ctx } = args;
        const s3 = s3Access(ctx);
        const ready = this.ready;
        if (needsObjectStore(ctx.system, ctx.settings)) {
            const storageGb = args.storageGb ?? objectStoreSizeGb(ctx.system);
            if (storageGb > LARGE_OBJECT_STORE_GB) {
                pulumi.log.warn(
                    `${ctx.system.name}: the object store holds about ${storageGb} GiB (WAL and base backups over the retention window); set tierform:s3Endpoint to keep them off the cluster's disks`,
                    this,
                );
            }
            // One key per identity; the static identity file the store reads (-s3.config).
            const keys = s3Identities(ctx).map((id) => ({
                ...id,
                accessKey: generatedPassword(ctx, this, OBJECT_STORE, `${id.name}-key-id`, { length: 20, upper: false }),
                secretKey: generatedPassword(ctx, this, OBJECT_STORE, `${id.name}-key`, { length: 40 }),
            }));
            const identityFile = pulumi.all(keys.map((k) => pulumi.all([k.accessKey, k.secretKey]))).apply((pairs) =>
                JSON.stringify(
                    {
                        identities: keys.map((k, i) => ({
                            name: k.name,
                            credentials: [{ accessKey: pairs[i][0], secretKey: pairs[i][1] }],
                            actions: k.actions,
                        })),
                    },
                    null,
                    2,
                ),
            );
            const config = componentSecret(ctx, this, OBJECT_STORE, "config", { "s3.json": identityFile });
            const secrets: pulumi.Resource[] = [config.secret];
            for (const k of keys) {
                if (k.name === "provisioner") {
                    const creds = pulumi.interpolate`[default]\naws_access_key_id = ${k.accessKey}\naws_secret_access_key = ${k.secretKey}\n`;
                    // botocore ≥ 1.36 sends CRC checksums by default; when_required keeps the CLI compatible with non-AWS stores.
                    const cfg =
                        "[default]\nregion = us-east-1\nrequest_checksum_calculation = when_required\nresponse_checksum_validation = when_required\n";
                    secrets.push(componentSecret(ctx, this, OBJECT_STORE, "provisioner", { credentials: creds, config: cfg }).secret);
                } else {
                    const secretName = k.secret;
                    secrets.push(
                        new k8s.core.v1.Secret(
                            logicalName(ctx, secretName),
                            {
                                metadata: meta(ctx, secretName, OBJECT_STORE, "secrets"),
                                type: "Opaque",
                                stringData: pulumi.secret({ AWS_ACCESS_KEY_ID: k.accessKey, AWS_SECRET_ACCESS_KEY: k.secretKey }),
                            },
                            { parent: this },
                        ),
                    );
                }
            }
            const health = (path: string, delay: number) => ({
                httpGet: { path, port: "s3" },
                initialDelaySeconds: delay,
                periodSeconds: 10,
                timeoutSeconds: 3,
                failureThreshold: 6,
            });
            const workload = statefulWorkload(
                ctx,
                {
                    component: OBJECT_STORE,
                    tier: "bucket",
                    image: OBJECT_STORE_IMAGE,
                    uid: 1000,
                    gid: 1000,
                    ports: [{ name: "s3", port: DEFAULT_PORTS.s3 }],
                    // The image's entrypoint runs `weed -logtostderr=true <args>`. Telemetry, the
                    // unauthenticated admin UI, WebDAV and the Iceberg/Lance ports off
                    // (seaweedfs weed/command/mini.go flags).
                    args: [
                        "mini",
                        "-dir=/data",
                        `-s3.port=${DEFAULT_PORTS.s3}`,
                        "-s3.config=/etc/tierform/s3.json",
                        "-master.telemetry=false",
                        "-admin.ui=false",
                        "-webdav=false",
                        "-s3.port.iceberg=0",
                        "-s3.port.lance=0",
                    ],
                    env: [{ name: "HOME", value: "/tmp" }],
                    dataPath: "/data",
                    storageGb,
                    // Computed from the databases' sizes and retention: a routine change may lower it, and a claim cannot
                    // shrink, so the claim keeps the size it was created with (grow it by hand: docs/runbooks.md).
                    resizeClaim: false,
                    writablePaths: ["/tmp"],
                    extraVolumes: [
                        {
                            volume: { name: "s3-config", secret: { secretName: config.name, defaultMode: 0o400 } },
                            mount: { name: "s3-config", mountPath: "/etc/tierform", readOnly: true },
                        },
                    ],
                    liveness: health("/healthz", 20),
                    readiness: health("/readyz", 10),
                    resources: { cpu: 0.5, memoryMb: 1024 },
                    podAnnotations: {
                        "tierform.io/identities-sha256": identityFile.apply((f) =>
                            createHash("sha256").update(f).digest("hex").slice(0, 16),
                        ),
                    },
                },
                { parent: this, dependsOn: [config.secret] },
            );
            const script = bucketSetupScript(ctx, args.buckets);
            const pod = restrictedPodSpec(1000, 1000, {
                restartPolicy: "OnFailure",
                containers: [
                    restrictedContainer(
                        1000,
                        1000,
                        { cpu: 0.1, memoryMb: 256 },
                        {
                            name: "buckets",
                            image: AWS_CLI_IMAGE,
                            command: ["sh", "-c", script],
                            env: [
                                { name: "HOME", value: "/tmp" },
                                { name: "AWS_SHARED_CREDENTIALS_FILE", value: `${AWS_FILES}/credentials` },
                                { name: "AWS_CONFIG_FILE", value: `${AWS_FILES}/config` },
                            ],
                            volumeMounts: [
                                { name: "tmp", mountPath: "/tmp" },
                                { name: "aws", mountPath: AWS_FILES, readOnly: true },
                            ],
                        },
                    ),
                ],
                volumes: [
                    { name: "tmp", emptyDir: { sizeLimit: "64Mi" } },
                    { name: "aws", secret: { secretName: `${OBJECT_STORE}-provisioner`, defaultMode: 0o400 } },
                ],
            });
            const job = versionedJob(
                ctx,
                `${OBJECT_STORE}-buckets`,
                "bucket",
                script,
                { backoffLimit: 6, activeDeadlineSeconds: 900, pod },
                { parent: this, dependsOn: [workload.statefulSet, ...secrets] },
            );
            ready.push(workload.statefulSet, job, ...secrets);
        }
        for (const b of args.buckets) {
            this.connections[b.name] = {
                host: s3.endpointUrl.replace(/^https?:\/\//, "").split(":")[0],
                port: s3.external ? s3EndpointAddress(ctx.settings)!.port : DEFAULT_PORTS.s3,
                url: pulumi.output(bucketName(ctx, b.name)),
                ready,
            };
        }
        this.registerOutputs({ endpoint: s3.endpointUrl });
    }
}
