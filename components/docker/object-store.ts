/**
 * Object storage on Docker: one SeaweedFS container (`weed mini`: master, volume, filer, S3
 * gateway, and the worker that enforces lifecycle expiry, in one process) shared by all of a
 * system's buckets, plus a one-shot step that creates each bucket through the S3 API, turns on
 * versioning where the spec asks and sets the expiry rule. SeaweedFS replaces MinIO, whose
 * community edition stopped publishing images in October 2025 (see docs/object-store.md for the
 * comparison and why).
 *
 * Access is per identity, from an identity file the store reads at start (`-s3.config`; format of
 * `weed s3 -h`, seaweedfs weed/command/s3.go): a `provisioner` identity (Admin) only the bucket step
 * uses, and one identity per service, limited to Read/List/Write on exactly the buckets it `uses`
 * (seaweedfs weed/s3api/auth_credentials.go `CanDo`). No app holds a key that reaches another
 * app's bucket or can create buckets. Dev backups stay on their volume and never reach the store,
 * so they get no identity here. Every key is generated; the identity file and the provisioner's
 * curl config reach the containers as files (config volume, mode 0400): no credential in any
 * environment or argv. Internal data network only, never published; `pulumi up` waits until the
 * store is healthy before the bucket step runs, and the services wait for that step's exit code.
 *
 * Lifecycle tiers (warm, cold, archive) have no remote tier on dev; only `expireAfterDays` applies.
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { DatastoreSpecs } from "../../plan";
import { DEFAULT_PORTS } from "../shared/connection";
import { OBJECT_STORE_IMAGE } from "../shared/images";
import { resourceName } from "../shared/naming";
import { CONFIG_DIR, type DatastoreArgs, generatePassword, hardened, labelsFor, secretOf, tierContainer, tmpfsMounts } from "./common";
import { DOCKER_LABEL } from "../../conventions/labels";

/**
 * The uid:gid the store and the bucket step run as: the `seaweed` user the image creates
 * (seaweedfs docker/Dockerfile.go_build: `addgroup -g 1000 seaweed && adduser -u 1000 -G seaweed`),
 * which owns the image's /data.
 */
export const OBJECT_STORE_USER = "1000:1000";
/** The store's host name on the data network. */
export const OBJECT_STORE_HOST = "objects";
/** The identity file in the store's config directory. */
const IDENTITIES_FILE = "s3.json";
/** The provisioner's curl config (`user = "key:secret"`) in the store's config directory. */
const PROVISIONER_FILE = "provisioner.curl";

/** One S3 identity: its keys and the buckets it may read, list and write (none: Admin). */
export interface S3Identity {
    /** Identity name, e.g. `svc-backend`. */
    name: string;
    accessKey: string;
    secretKey: string;
    /** Buckets it may Read, List and Write; `"admin"` for every action on every bucket. */
    buckets: string[] | "admin";
}

/**
 * The store's identity file (`-s3.config`): each identity with its keys and actions
 * (`Read:<bucket>`, `List:<bucket>`, `Write:<bucket>`, or `Admin`). Pure, for tests.
 */
export function renderS3Identities(identities: S3Identity[]): string {
    for (const i of identities) {
        if (!/^[A-Za-z0-9-]+$/.test(i.name)) throw new Error(`S3 identity '${i.name}': letters, digits and '-' only`);
        if (!/^[A-Za-z0-9._-]{16,}$/.test(i.accessKey) || !/^[A-Za-z0-9._-]{16,}$/.test(i.secretKey))
            throw new Error(`S3 identity '${i.name}': keys must be 16+ letters, digits, ".", "_" or "-"`);
    }
    const doc = {
        identities: identities.map((i) => ({
            name: i.name,
            credentials: [{ accessKey: i.accessKey, secretKey: i.secretKey }],
            actions: i.buckets === "admin" ? ["Admin"] : i.buckets.flatMap((b) => [`Read:${b}`, `List:${b}`, `Write:${b}`]),
        })),
    };
    return JSON.stringify(doc, null, 2) + "\n";
}

/** Where the bucket-creation step finds the store. */
export interface BucketScriptOptions {
    /** curl config file with the provisioner's `user = "key:secret"` line. */
    credentialsFile: string;
    /** The store's `host:port`. */
    endpoint: string;
}

/** One bucket the step configures: its name and spec. */
export interface BucketToCreate {
    name: string;
    bucket: DatastoreSpecs["bucket"];
}

/**
 * The shell script of the bucket-creation step: plain S3 API calls signed by curl (`--aws-sigv4`),
 * the provisioner's keys read by curl from `credentialsFile` (`-K`), so they are on no command
 * line. Waits for the store's health endpoint, then per bucket: create unless it exists, versioning
 * on (or suspended), the expiry rule (or none). Any failed call fails the step (`set -e`, `curl
 * -f`), and with it `pulumi up`. Pure, for tests.
 */
export function renderBucketScript(buckets: BucketToCreate[], opts: BucketScriptOptions): string {
    if (!/^[A-Za-z0-9.-]+:\d+$/.test(opts.endpoint)) throw new Error(`'${opts.endpoint}' is not host:port`);
    if (!/^\/[A-Za-z0-9._/-]+$/.test(opts.credentialsFile)) throw new Error(`'${opts.credentialsFile}' is not an absolute path`);
    const ns = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"';
    const lines = [
        "set -eu",
        `E='http://${opts.endpoint}'`,
        `s3() { curl -fsS -o /dev/null -K '${opts.credentialsFile}' --aws-sigv4 'aws:amz:us-east-1:s3' "$@"; }`,
        "i=0",
        'until curl -fsS -o /dev/null "$E/healthz"; do',
        "    i=$((i + 1))",
        '    [ "$i" -lt 60 ] || { echo "the object store did not become ready" >&2; exit 1; }',
        "    sleep 2",
        "done",
    ];
    for (const { name, bucket } of buckets) {
        if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name)) throw new Error(`'${name}' is not a valid bucket name`);
        lines.push(`s3 -I "$E/${name}" 2>/dev/null || s3 -X PUT "$E/${name}"`);
        const status = bucket.versioned ? "Enabled" : "Suspended";
        lines.push(
            `s3 -X PUT -H 'Content-Type: application/xml' --data-binary '<VersioningConfiguration ${ns}><Status>${status}</Status></VersioningConfiguration>' "$E/${name}?versioning"`,
        );
        if (bucket.expireAfterDays) {
            const d = bucket.expireAfterDays;
            const rule = `<Rule><ID>tierform-expiry</ID><Status>Enabled</Status><Filter><Prefix></Prefix></Filter><Expiration><Days>${d}</Days></Expiration><NoncurrentVersionExpiration><NoncurrentDays>${d}</NoncurrentDays></NoncurrentVersionExpiration><AbortIncompleteMultipartUpload><DaysAfterInitiation>7</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>`;
            lines.push(
                `s3 -X PUT -H 'Content-Type: application/xml' --data-binary '<LifecycleConfiguration ${ns}>${rule}</LifecycleConfiguration>' "$E/${name}?lifecycle"`,
            );
        } else {
            lines.push(`s3 -X DELETE "$E/${name}?lifecycle" 2>/dev/null || true`);
        }
        lines.push(`echo "bucket ${name} ready"`);
    }
    return lines.join("\n") + "\n";
}

/** Arguments of {@link DockerBucket}; `resources` @default 512 MiB / 0.5 CPU. */
export interface DockerBucketArgs extends DatastoreArgs {
    /** The system's buckets (their spec entries); all live in one store. */
    buckets: DatastoreSpecs["bucket"][];
    /** Each service that uses buckets, and which (spec names): each gets its own identity. @default {} */
    clients?: Record<string, string[]>;
}

/** The keys of one service's S3 identity (secrets). */
export interface S3Keys {
    accessKey: pulumi.Output<string>;
    secretKey: pulumi.Output<string>;
}

/** One SeaweedFS container holding every bucket of the system. */
export class DockerBucket extends pulumi.ComponentResource {
    readonly container: docker.Container;
    /** The one-shot bucket-creation container; services that use a bucket wait for its exit code. */
    readonly setup: docker.Container;
    readonly volume: docker.Volume;
    /** `objects:9000`. */
    readonly endpoint: string;
    /** `http://objects:9000`, for S3 clients (`S3_ENDPOINT_URL`, `AWS_ENDPOINT_URL_S3`). */
    readonly endpointUrl: string;
    /** The bucket name of each spec bucket, e.g. `{ media: "mdc-tts-media" }`. */
    readonly bucketNames: Record<string, string>;
    /** Each client service's own keys, limited to its buckets. */
    readonly keys: Record<string, S3Keys>;

    constructor(name: string, args: DockerBucketArgs, opts?: pulumi.ComponentResourceOptions) {
        super("tierform:docker:Bucket", name, {}, opts);
        const { system } = args;
        if (args.buckets.length === 0) throw new Error("DockerBucket needs at least one bucket");
        const size = args.resources ?? { memoryMb: 512, cpus: 0.5 };
        this.endpoint = `${OBJECT_STORE_HOST}:${DEFAULT_PORTS.s3}`;
        this.endpointUrl = `http://${this.endpoint}`;
        this.bucketNames = Object.fromEntries(args.buckets.map((b) => [b.name, resourceName([system.name, b.name])]));
        const keysOf = (who: string): S3Keys => ({
            accessKey: secretOf(generatePassword(resourceName([name, who, "access-key"]), this, 20)),
            secretKey: secretOf(generatePassword(resourceName([name, who, "secret-key"]), this, 40)),
        });
        const provisioner = keysOf("provisioner");
        this.keys = Object.fromEntries(Object.keys(args.clients ?? {}).map((svc) => [svc, keysOf(`svc-${svc}`)]));
        const identities = pulumi.secret(
            pulumi
                .all({
                    provisioner: pulumi.all([provisioner.accessKey, provisioner.secretKey]),
                    ...Object.fromEntries(Object.entries(this.keys).map(([svc, k]) => [svc, pulumi.all([k.accessKey, k.secretKey])])),
                })
                .apply((all) =>
                    renderS3Identities([
                        { name: "provisioner", accessKey: all.provisioner[0], secretKey: all.provisioner[1], buckets: "admin" },
                        ...Object.keys(this.keys).map((svc) => ({
                            name: `svc-${svc}`,
                            accessKey: all[svc][0],
                            secretKey: all[svc][1],
                            buckets: (args.clients ?? {})[svc].map((b) => this.bucketNames[b]),
                        })),
                    ]),
                ),
        );
        const curlConfig = pulumi.secret(pulumi.interpolate`user = "${provisioner.accessKey}:${provisioner.secretKey}"\n`);

        const bucketList = args.buckets.map((b) => b.name).join(",");
        const server = tierContainer(
            resourceName([name]),
            {
                system,
                tier: "bucket",
                image: OBJECT_STORE_IMAGE,
                user: OBJECT_STORE_USER,
                resources: size,
                networks: [{ name: args.network, aliases: [OBJECT_STORE_HOST] }],
                hostname: OBJECT_STORE_HOST,
                // The image's ENTRYPOINT (/entrypoint.sh) runs `weed -logtostderr=true mini ...`.
                // Flags: seaweedfs weed/command/mini.go. No telemetry, no admin UI, no WebDAV, no
                // Iceberg or Lance ports; S3 on 9000 as before.
                command: [
                    "mini",
                    "-dir=/data",
                    `-s3.port=${DEFAULT_PORTS.s3}`,
                    `-s3.config=${CONFIG_DIR}/${IDENTITIES_FILE}`,
                    "-master.telemetry=false",
                    "-admin.ui=false",
                    "-webdav=false",
                    "-s3.port.iceberg=0",
                    "-s3.port.lance=0",
                ],
                files: [
                    { name: IDENTITIES_FILE, content: identities },
                    { name: PROVISIONER_FILE, content: curlConfig },
                ],
                // The image's /data belongs to seaweed already; the ownership step makes that hold
                // for any image (and leaves the marker that stops Docker's copy-up).
                data: { path: "/data", labels: { "tierform.buckets": bucketList }, owner: OBJECT_STORE_USER },
                // Unauthenticated health endpoint on the S3 port (seaweedfs weed/s3api/s3api_server.go `/healthz`).
                healthcheck: {
                    tests: ["CMD", "curl", "-fsS", "-o", "/dev/null", `http://127.0.0.1:${DEFAULT_PORTS.s3}/healthz`],
                    interval: "10s",
                    timeout: "5s",
                    retries: 5,
                    startPeriod: "20s",
                },
                labels: { [DOCKER_LABEL.engine]: "seaweedfs", "tierform.buckets": bucketList },
            },
            this,
        );
        this.container = server.container;
        this.volume = server.volume!;

        // The bucket step reads the provisioner's keys from the store's config volume, mounted
        // read-only: no credential in its environment or on its argv.
        const script = renderBucketScript(
            args.buckets.map((b) => ({ name: this.bucketNames[b.name], bucket: b })),
            { credentialsFile: `${CONFIG_DIR}/${PROVISIONER_FILE}`, endpoint: this.endpoint },
        );
        const setupName = resourceName([name, "setup"]);
        this.setup = new docker.Container(
            setupName,
            {
                name: setupName,
                image: server.image.imageId,
                entrypoints: ["/bin/sh", "-c"],
                command: [script],
                ...hardened({ user: OBJECT_STORE_USER, memoryMb: 64, cpus: 0.25, restart: "no" }),
                tmpfs: tmpfsMounts(["/tmp"]),
                volumes: [{ volumeName: server.config!.name, containerPath: CONFIG_DIR, readOnly: true }],
                networksAdvanced: [{ name: args.network }],
                // Run once, to completion; its exit code is checked by what waits for it.
                attach: true,
                mustRun: false,
                labels: labelsFor(system, "bucket", undefined, {
                    [DOCKER_LABEL.role]: "bucket-setup",
                    "tierform.buckets": Object.values(this.bucketNames).join(","),
                }),
            },
            { parent: this, dependsOn: [this.container] },
        );
        this.registerOutputs({ endpoint: this.endpoint, buckets: this.bucketNames, container: this.container.name });
    }
}
