/**
 * The images of the infrastructure containers tierform runs itself (datastores, edge, object
 * storage, queue) on Docker and Kubernetes, as references built from the pin table
 * ({@link PINS} in `conventions/pins.ts`, the one place versions are written). Never a floating tag.
 */
import { CNPG_LINES, ENGINE_LINES, imageOf, type PinName } from "../../conventions/pins";
import type { Problem } from "../../conventions/problems";

/** The unprivileged nginx used as the edge (listens on 8080/8443, runs as uid 101). */
export const EDGE_IMAGE = imageOf("nginxUnprivileged");
/**
 * S3-compatible object storage for dev and clusters without S3: SeaweedFS (Apache-2.0, released
 * about weekly). Replaces MinIO, whose community edition stopped publishing images in October
 * 2025. See docs/object-store.md. Published as `chrislusf/seaweedfs:<tag>` by seaweedfs'
 * `.github/workflows/container_release_unified.yml`. Docker and Kubernetes run this one image.
 */
export const OBJECT_STORE_IMAGE = imageOf("seaweedfs");
/** The queue broker where the platform has no managed queue. */
export const QUEUE_IMAGE = imageOf("rabbitmq");

/**
 * CloudNativePG operand images (PostgreSQL with barman-cloud, `system` images) per major version:
 * the same minors as the postgres images, so dev and staging run the same PostgreSQL. Backups no
 * longer use their barman-cloud (the Barman Cloud plugin's sidecar brings its own); `system`
 * images "are deprecated and will be removed once in-core support for Barman Cloud … is phased
 * out" (cloudnative-pg/postgres-containers README.md @ a949ae5): the next pin update moves to the
 * `standard` (or `minimal`) images, which "are designed to work with backup plugins".
 */
export const CNPG_POSTGRES_IMAGES: Record<string, string> = Object.fromEntries(
    Object.entries(CNPG_LINES).map(([v, pin]) => [v, imageOf(pin)]),
);

/** The pinned image of `engine` at `version` ("14", "8.0", "7"); throws naming what exists. */
export function datastoreImage(engine: string, version: string): string {
    const versions: Record<string, PinName> = (ENGINE_LINES as Record<string, Record<string, PinName>>)[engine] ?? {};
    const pin = versions[version] ?? versions[version.split(".")[0]];
    if (!pin) {
        throw new Error(`no pinned image for ${engine} ${version}; known versions: ${Object.keys(versions).join(", ")}`);
    }
    return imageOf(pin);
}

/** Engine versions with a pinned image, for spec validation and docs. */
export function knownVersions(engine: string): string[] {
    return Object.keys((ENGINE_LINES as Record<string, Record<string, PinName>>)[engine] ?? {});
}

/** The datastores of a system's plan (`SystemPlan.datastores`): each with its kind, engine and version. */
export interface PlannedDatastores {
    datastores: Record<string, { name: string; kind: string; engine: string; version?: string }>;
}

/** A database or cache version of the plan without a pinned image (Docker, and Kubernetes outside CloudNativePG), named by its spec path. */
export function imageProblems(plan: PlannedDatastores): Problem[] {
    const stores = Object.values(plan.datastores).flatMap((d) =>
        (d.kind === "database" || d.kind === "cache") && d.version !== undefined
            ? [[d.kind === "database" ? "databases" : "caches", d.name, d.engine, d.version]]
            : [],
    );
    return stores.flatMap(([group, name, engine, version]) => {
        try {
            datastoreImage(engine, version);
            return [];
        } catch (err) {
            return [{ where: `${group}.${name}.version`, message: (err as Error).message }];
        }
    });
}
