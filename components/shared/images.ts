/**
 * Pinned images of the infrastructure containers tierform runs itself (datastores, edge, object
 * storage) on Docker and Kubernetes. One place to bump them; never a floating tag.
 */
import type { Problem, System } from "../../model";

/** Exact tags per engine major version. */
const DATASTORE_IMAGES: Record<string, Record<string, string>> = {
    postgres: { "14": "postgres:14.15-alpine", "15": "postgres:15.10-alpine", "16": "postgres:16.6-alpine", "17": "postgres:17.2-alpine" },
    mysql: { "8.0": "mysql:8.0.40", "8.4": "mysql:8.4.3" },
    mongodb: { "6.0": "mongo:6.0.19", "7.0": "mongo:7.0.16", "8.0": "mongo:8.0.4" },
    redis: { "6": "redis:6.2.16-alpine", "7": "redis:7.4.1-alpine" },
};

/** The unprivileged nginx used as the edge (listens on 8080/8443, runs as uid 101). */
export const EDGE_IMAGE = "nginxinc/nginx-unprivileged:1.27.3-alpine";
/**
 * S3-compatible object storage for dev and clusters without S3: SeaweedFS (Apache-2.0, released
 * about weekly; git tag 4.44 of seaweedfs/seaweedfs, chart appVersion 4.44). Replaces MinIO, whose
 * community edition stopped publishing images in October 2025. See docs/object-store.md. Published
 * as `chrislusf/seaweedfs:<tag>` by seaweedfs' `.github/workflows/container_release_unified.yml`;
 * newer tags exist (4.47, 4.48 in third-party pins): take the newest at the next pin review
 * (issue 14) and pin its digest. Docker and Kubernetes run this one image.
 */
export const OBJECT_STORE_IMAGE = "chrislusf/seaweedfs:4.44";
/** The queue broker where the platform has no managed queue. */
export const QUEUE_IMAGE = "rabbitmq:3.13.7-alpine";

/**
 * CloudNativePG operand images (PostgreSQL with barman-cloud) per major version: the same minors
 * as the postgres images above, so dev and staging run the same PostgreSQL.
 */
export const CNPG_POSTGRES_IMAGES: Record<string, string> = {
    "14": "ghcr.io/cloudnative-pg/postgresql:14.15",
    "15": "ghcr.io/cloudnative-pg/postgresql:15.10",
    "16": "ghcr.io/cloudnative-pg/postgresql:16.6",
    "17": "ghcr.io/cloudnative-pg/postgresql:17.2",
};

/** The pinned image of `engine` at `version` ("14", "8.0", "7"); throws naming what exists. */
export function datastoreImage(engine: string, version: string): string {
    const versions = DATASTORE_IMAGES[engine] ?? {};
    const image = versions[version] ?? versions[version.split(".")[0]];
    if (!image) {
        throw new Error(`no pinned image for ${engine} ${version}; known versions: ${Object.keys(versions).join(", ")}`);
    }
    return image;
}

/** Engine versions with a pinned image, for spec validation and docs. */
export function knownVersions(engine: string): string[] {
    return Object.keys(DATASTORE_IMAGES[engine] ?? {});
}

/** A database or cache version without a pinned image (Docker, and Kubernetes outside CloudNativePG), named by its spec path. */
export function imageProblems(system: System): Problem[] {
    const stores = [...Object.values(system.databases).map((d) => ["databases", d.name, d.engine, d.version]), ...Object.values(system.caches).map((c) => ["caches", c.name, "redis", c.version])];
    return stores.flatMap(([group, name, engine, version]) => {
        try {
            datastoreImage(engine, version);
            return [];
        } catch (err) {
            return [{ where: `${group}.${name}.version`, message: (err as Error).message }];
        }
    });
}
