/**
 * One provisioner per datastore kind on Kubernetes (after score-compose's provisioners and SST's
 * `Link`): each creates its tier from the plan's datastore entry (plan/datastores.ts) and returns
 * its own binding — the values of its connection variables, its stack outputs and what a consumer
 * waits for. The registry is keyed by {@link DatastoreKind}, so a kind without a Kubernetes
 * provisioner does not compile. `KubernetesSystem` runs them in one loop over `plan.datastores`.
 */
import type * as pulumi from "@pulumi/pulumi";
import { ownVariable, type DatastoreKind, type DatastorePlan, type DatastorePlanOf } from "../../plan";
import type { DatastoreBinding } from "../contract";
import type { DatastoreConnection, KubeContext } from "./context";
import { KubernetesCache } from "./cache";
import { KubernetesDatabase } from "./database";
import type { KubernetesObjectStore } from "./object-store";
import { KubernetesQueue } from "./queue";

/** What every Kubernetes provisioner builds with besides its datastore's entry. */
export interface KubernetesProvisionContext {
    /** The system component's name: children are named `<name>-<kind>-<datastore>`. */
    name: string;
    /** The system, settings and namespace. */
    ctx: KubeContext;
    /** The in-namespace object store (SeaweedFS or `tierform:s3Endpoint`): the buckets, and the databases' WAL archive. */
    store: KubernetesObjectStore;
    /** The CloudNativePG operator and Barman Cloud plugin releases a database's Cluster waits for. */
    operators: pulumi.Resource[];
    /** Options of every child (its parent and provider). */
    opts: pulumi.ComponentResourceOptions;
}

/** The component each kind's provisioner creates. */
export interface KubernetesDatastores {
    database: KubernetesDatabase;
    cache: KubernetesCache;
    queue: KubernetesQueue;
    /** The shared object store (created by the system before the loop: the databases archive into it). */
    bucket: KubernetesObjectStore;
}

/** What a provisioner gives back: the component it created (or, for a bucket, shares) and the datastore's binding. */
export interface KubernetesProvisioned<K extends DatastoreKind> {
    component: KubernetesDatastores[K];
    binding: DatastoreBinding;
}

/** Creates one datastore of kind `K` from its plan entry. */
export type KubernetesProvisioner<K extends DatastoreKind> = (
    d: DatastorePlanOf<K>,
    ctx: KubernetesProvisionContext,
) => KubernetesProvisioned<K>;

/**
 * The binding of a datastore reached at `c`: a server's `host:port` endpoint (and readers), its URL
 * as `<NAME>_URL` (a secret) and connection parts; a bucket's name as `<NAME>_BUCKET` (plain).
 */
function bindingOf(d: DatastorePlan, c: DatastoreConnection): DatastoreBinding {
    const own = ownVariable(d.name, d.kind);
    const bucket = d.kind === "bucket";
    return {
        outputs: {
            kind: d.kind,
            endpoint: bucket ? c.url : `${c.host}:${c.port}`,
            ...(c.readerHosts ? { readerEndpoints: c.readerHosts.map((h) => `${h}:${c.port}`) } : {}),
            ...(bucket ? {} : { connectionString: c.url }),
        },
        environment: bucket ? { [own]: c.url } : {},
        secrets: bucket ? {} : { [own]: c.url },
        ...(c.values ? { connection: c.values } : {}),
        ready: c.ready,
    };
}

/** Every kind's Kubernetes provisioner (see the module doc). */
export const KUBERNETES_PROVISIONERS: { readonly [K in DatastoreKind]: KubernetesProvisioner<K> } = {
    database: (d, p) => {
        const db = new KubernetesDatabase(
            `${p.name}-db-${d.name}`,
            { ctx: p.ctx, database: d.spec, operators: p.operators, objectStore: p.store.ready },
            p.opts,
        );
        return { component: db, binding: bindingOf(d, db.connection) };
    },
    cache: (d, p) => {
        const cache = new KubernetesCache(`${p.name}-cache-${d.name}`, { ctx: p.ctx, cache: d.spec }, p.opts);
        return { component: cache, binding: bindingOf(d, cache.connection) };
    },
    queue: (d, p) => {
        const queue = new KubernetesQueue(`${p.name}-queue-${d.name}`, { ctx: p.ctx, queue: d.spec }, p.opts);
        return { component: queue, binding: bindingOf(d, queue.connection) };
    },
    bucket: (d, p) => {
        const c = p.store.connections[d.name];
        if (!c) throw new Error(`bucket '${d.name}': the object store was not given it`);
        return { component: p.store, binding: bindingOf(d, c) };
    },
};

/** Provision datastore `d` with its kind's Kubernetes provisioner. */
export function provisionKubernetes<K extends DatastoreKind>(
    d: DatastorePlanOf<K>,
    ctx: KubernetesProvisionContext,
): KubernetesProvisioned<K> {
    const provisioner: KubernetesProvisioner<K> = KUBERNETES_PROVISIONERS[d.kind];
    return provisioner(d, ctx);
}
