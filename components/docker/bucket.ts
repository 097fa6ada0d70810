/**
 * Object storage on Docker: one MinIO container shared by all of a system's buckets, plus a
 * one-shot step (MinIO's bundled `mc`) that creates each bucket, turns on versioning where the
 * spec asks, sets the expiry rule, and keeps it private. Credentials are generated; MinIO reads
 * them from an uploaded env file (MINIO_CONFIG_ENV_FILE), the bucket step from `MC_HOST_local`
 * (a secret env, never argv). Internal data network only, never published; no web console.
 *
 * MinIO's image has no non-root user nor a data directory of its own, so a one-shot step hands
 * the fresh data volume to uid 1000 first (see `volumeOwnership`). Lifecycle tiers (warm, cold,
 * archive) need remote tiers MinIO does not have in dev; only `expireAfterDays` applies here.
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { Bucket, System } from "../../spec";
import { DEFAULT_PORTS } from "../shared/connection";
import { OBJECT_STORE_IMAGE } from "../shared/images";
import { resourceName } from "../shared/naming";
import { CONFIG_DIR, configVolume, generatePassword, hardened, labelsFor, namedVolume, pullImage, secretOf, tmpfsMounts, upload, UTILITY_IMAGE, volumeOwnership } from "./common";

/** The non-root uid:gid MinIO and the bucket step run as. */
export const MINIO_USER = "1000:1000";
/** MinIO's host name on the data network. */
export const OBJECT_STORE_HOST = "minio";

/** The shell script of the bucket-creation step (no credentials in it). Pure, for tests. */
export function renderBucketScript(buckets: { name: string; bucket: Bucket }[]): string {
    const lines = [
        "set -eu",
        "i=0",
        "until mc ready local >/dev/null 2>&1; do",
        "    i=$((i + 1))",
        '    [ "$i" -lt 60 ] || { echo "MinIO did not become ready" >&2; exit 1; }',
        "    sleep 2",
        "done",
    ];
    for (const { name, bucket } of buckets) {
        if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name)) throw new Error(`'${name}' is not a valid bucket name`);
        lines.push(`mc mb --ignore-existing local/${name}`);
        lines.push(`mc anonymous set none local/${name}`);
        lines.push(bucket.versioned ? `mc version enable local/${name}` : `mc version suspend local/${name} || true`);
        lines.push(`mc ilm rule rm --all --force local/${name} >/dev/null 2>&1 || true`);
        if (bucket.expireAfterDays) lines.push(`mc ilm rule add --expire-days ${bucket.expireAfterDays} local/${name}`);
        lines.push(`echo "bucket ${name} ready"`);
    }
    return lines.join("\n") + "\n";
}

/** Arguments of {@link DockerBucket}. */
export interface DockerBucketArgs {
    system: System;
    /** The system's buckets; all live in one MinIO. */
    buckets: Bucket[];
    /** Name of the internal data network. */
    network: pulumi.Input<string>;
    /** @default 512 MiB / 0.5 CPU */
    resources?: { memoryMb: number; cpus: number };
}

/** One MinIO container holding every bucket of the system. */
export class DockerBucket extends pulumi.ComponentResource {
    readonly container: docker.Container;
    /** The one-shot bucket-creation container; services that use a bucket wait for it. */
    readonly setup: docker.Container;
    readonly volume: docker.Volume;
    /** `minio:9000`. */
    readonly endpoint: string;
    /** `http://minio:9000`, for S3 clients (`S3_ENDPOINT_URL`). */
    readonly endpointUrl: string;
    /** The bucket name of each spec bucket, e.g. `{ media: "mdc-tts-media" }`. */
    readonly bucketNames: Record<string, string>;
    readonly accessKey: pulumi.Output<string>;
    readonly secretKey: pulumi.Output<string>;

    constructor(name: string, args: DockerBucketArgs, opts?: pulumi.ComponentResourceOptions) {
        super("tierform:docker:Bucket", name, {}, opts);
        const { system } = args;
        if (args.buckets.length === 0) throw new Error("DockerBucket needs at least one bucket");
        const size = args.resources ?? { memoryMb: 512, cpus: 0.5 };
        this.endpoint = `${OBJECT_STORE_HOST}:${DEFAULT_PORTS.s3}`;
        this.endpointUrl = `http://${this.endpoint}`;
        this.bucketNames = Object.fromEntries(args.buckets.map((b) => [b.name, resourceName([system.name, b.name])]));
        this.accessKey = secretOf(generatePassword(resourceName([name, "access-key"]), this));
        this.secretKey = secretOf(generatePassword(resourceName([name, "secret-key"]), this));
        const envFile = pulumi.secret(pulumi.interpolate`MINIO_ROOT_USER=${this.accessKey}\nMINIO_ROOT_PASSWORD=${this.secretKey}\n`);

        const image = pullImage(resourceName([name, "image"]), OBJECT_STORE_IMAGE, this);
        const utility = pullImage(resourceName([name, "utility-image"]), UTILITY_IMAGE, this);
        this.volume = namedVolume(resourceName([name, "data"]), system, "bucket", this, undefined, { "tierform.buckets": args.buckets.map((b) => b.name).join(",") });
        const config = configVolume(resourceName([name, "config"]), system, "bucket", this);
        const owner = volumeOwnership(resourceName([name, "data-owner"]), { system, tier: "bucket", volume: this.volume, owner: MINIO_USER, image: utility.imageId }, this);

        const containerName = resourceName([name]);
        this.container = new docker.Container(
            containerName,
            {
                name: containerName,
                image: image.imageId,
                hostname: OBJECT_STORE_HOST,
                command: ["server", "/data", "--address", `:${DEFAULT_PORTS.s3}`, "--certs-dir", "/tmp/certs"],
                envs: [`MINIO_CONFIG_ENV_FILE=${CONFIG_DIR}/minio.env`, "MINIO_BROWSER=off", "MC_CONFIG_DIR=/tmp/.mc"],
                ...hardened({ user: MINIO_USER, memoryMb: size.memoryMb, cpus: size.cpus }),
                tmpfs: tmpfsMounts(["/tmp"]),
                volumes: [
                    { volumeName: this.volume.name, containerPath: "/data" },
                    { volumeName: config.name, containerPath: CONFIG_DIR },
                ],
                uploads: [upload("minio.env", envFile, MINIO_USER)],
                networksAdvanced: [{ name: args.network, aliases: [OBJECT_STORE_HOST] }],
                healthcheck: { tests: ["CMD", "mc", "ready", "local"], interval: "10s", timeout: "5s", retries: 5, startPeriod: "10s" },
                // `pulumi up` waits until MinIO is healthy before the bucket step runs.
                wait: true,
                waitTimeout: 120,
                labels: labelsFor(system, "bucket", undefined, { "tierform.engine": "minio", "tierform.buckets": args.buckets.map((b) => b.name).join(",") }),
            },
            { parent: this, dependsOn: [owner] },
        );

        const script = renderBucketScript(args.buckets.map((b) => ({ name: this.bucketNames[b.name], bucket: b })));
        const setupName = resourceName([name, "setup"]);
        this.setup = new docker.Container(
            setupName,
            {
                name: setupName,
                image: image.imageId,
                entrypoints: ["/bin/sh", "-c"],
                command: [script],
                envs: [pulumi.secret(pulumi.interpolate`MC_HOST_local=http://${this.accessKey}:${this.secretKey}@${this.endpoint}`), "MC_CONFIG_DIR=/tmp/.mc"],
                ...hardened({ user: MINIO_USER, memoryMb: 128, cpus: 0.25, restart: "no" }),
                tmpfs: tmpfsMounts(["/tmp"]),
                networksAdvanced: [{ name: args.network }],
                // Run once, to completion.
                attach: true,
                mustRun: false,
                labels: labelsFor(system, "bucket", undefined, { "tierform.role": "bucket-setup", "tierform.buckets": Object.values(this.bucketNames).join(",") }),
            },
            { parent: this, dependsOn: [this.container] },
        );
        this.registerOutputs({ endpoint: this.endpoint, buckets: this.bucketNames, container: this.container.name });
    }
}
