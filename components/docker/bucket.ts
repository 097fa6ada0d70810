/**
 * Object storage on Docker: one MinIO container shared by all of a system's buckets, plus a
 * one-shot step (MinIO's bundled `mc`) that creates each bucket, turns on versioning where the
 * spec asks, sets the expiry rule, and keeps it private. Credentials are generated; MinIO reads
 * them from an uploaded env file (MINIO_CONFIG_ENV_FILE, mode 0400), and the bucket step reads
 * the same file from MinIO's config volume, mounted read-only: no credential in any container's
 * environment or argv. Internal data network only, never published; no web console; `pulumi up`
 * waits until MinIO is healthy before the bucket step runs.
 *
 * MinIO's image has no non-root user nor a data directory of its own, so a one-shot step hands
 * the fresh data volume to uid 1000 first (see `volumeOwnership`). Lifecycle tiers (warm, cold,
 * archive) need remote tiers MinIO does not have in dev; only `expireAfterDays` applies here.
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { Bucket } from "../../spec";
import { DEFAULT_PORTS } from "../shared/connection";
import { OBJECT_STORE_IMAGE } from "../shared/images";
import { resourceName } from "../shared/naming";
import { CONFIG_DIR, type DatastoreArgs, generatePassword, hardened, labelsFor, secretOf, tierContainer, tmpfsMounts } from "./common";

/** The non-root uid:gid MinIO and the bucket step run as. */
export const MINIO_USER = "1000:1000";
/** MinIO's host name on the data network. */
export const OBJECT_STORE_HOST = "minio";
/** MinIO's env file of root credentials in its config directory (MINIO_CONFIG_ENV_FILE). */
const MINIO_ENV_FILE = "minio.env";

/** Where the bucket-creation step finds MinIO. */
export interface BucketScriptOptions {
    /** MinIO's env file (`MINIO_ROOT_USER=...` and `MINIO_ROOT_PASSWORD=...` lines) inside the step's container. */
    credentialsFile: string;
    /** MinIO's `host:port`. */
    endpoint: string;
}

/**
 * The shell script of the bucket-creation step. It holds no credential: it reads MinIO's root
 * credentials from `credentialsFile` into `MC_HOST_local` (in its own environment only), waits
 * for MinIO, then creates and configures each bucket. Pure, for tests.
 */
export function renderBucketScript(buckets: { name: string; bucket: Bucket }[], opts: BucketScriptOptions): string {
    if (!/^[A-Za-z0-9.-]+:\d+$/.test(opts.endpoint)) throw new Error(`'${opts.endpoint}' is not host:port`);
    if (!/^\/[A-Za-z0-9._/-]+$/.test(opts.credentialsFile)) throw new Error(`'${opts.credentialsFile}' is not an absolute path`);
    const lines = [
        "set -eu",
        "user=",
        "password=",
        "while IFS='=' read -r key value || [ -n \"$key\" ]; do",
        '    case "$key" in',
        '        MINIO_ROOT_USER) user=$value ;;',
        '        MINIO_ROOT_PASSWORD) password=$value ;;',
        "    esac",
        `done <'${opts.credentialsFile}'`,
        `[ -n "$user" ] && [ -n "$password" ] || { echo "no MinIO root credentials in ${opts.credentialsFile}" >&2; exit 1; }`,
        `MC_HOST_local="http://$user:$password@${opts.endpoint}"`,
        "export MC_HOST_local",
        "unset password",
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

/** Arguments of {@link DockerBucket}; `resources` @default 512 MiB / 0.5 CPU. */
export interface DockerBucketArgs extends DatastoreArgs {
    /** The system's buckets; all live in one MinIO. */
    buckets: Bucket[];
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

        const bucketList = args.buckets.map((b) => b.name).join(",");
        const server = tierContainer(
            resourceName([name]),
            {
                system,
                tier: "bucket",
                image: OBJECT_STORE_IMAGE,
                user: MINIO_USER,
                resources: size,
                networks: [{ name: args.network, aliases: [OBJECT_STORE_HOST] }],
                hostname: OBJECT_STORE_HOST,
                command: ["server", "/data", "--address", `:${DEFAULT_PORTS.s3}`, "--certs-dir", "/tmp/certs"],
                env: { MINIO_CONFIG_ENV_FILE: `${CONFIG_DIR}/${MINIO_ENV_FILE}`, MINIO_BROWSER: "off", MC_CONFIG_DIR: "/tmp/.mc" },
                files: [{ name: MINIO_ENV_FILE, content: envFile }],
                data: { path: "/data", labels: { "tierform.buckets": bucketList }, owner: MINIO_USER },
                healthcheck: { tests: ["CMD", "mc", "ready", "local"], interval: "10s", timeout: "5s", retries: 5, startPeriod: "10s" },
                labels: { "tierform.engine": "minio", "tierform.buckets": bucketList },
            },
            this,
        );
        this.container = server.container;
        this.volume = server.volume!;

        // The bucket step reads the same root credentials from MinIO's config volume, mounted
        // read-only: no credential in its environment or on its argv.
        const script = renderBucketScript(args.buckets.map((b) => ({ name: this.bucketNames[b.name], bucket: b })), {
            credentialsFile: `${CONFIG_DIR}/${MINIO_ENV_FILE}`,
            endpoint: this.endpoint,
        });
        const setupName = resourceName([name, "setup"]);
        this.setup = new docker.Container(
            setupName,
            {
                name: setupName,
                image: server.image.imageId,
                entrypoints: ["/bin/sh", "-c"],
                command: [script],
                envs: ["MC_CONFIG_DIR=/tmp/.mc"],
                ...hardened({ user: MINIO_USER, memoryMb: 128, cpus: 0.25, restart: "no" }),
                tmpfs: tmpfsMounts(["/tmp"]),
                volumes: [{ volumeName: server.config!.name, containerPath: CONFIG_DIR, readOnly: true }],
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
