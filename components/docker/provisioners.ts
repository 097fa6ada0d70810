/**
 * One provisioner per datastore kind on Docker (after score-compose's provisioners and SST's
 * `Link`): each creates its tier from the plan's datastore entry (plan/datastores.ts) and returns
 * its own binding — the values of its connection variables, its stack outputs and what a consumer
 * waits for. The registry is keyed by {@link DatastoreKind}, so a kind without a Docker provisioner
 * does not compile. `DockerSystem` runs them in one loop over `plan.datastores`.
 */
import type * as pulumi from "@pulumi/pulumi";
import { ownVariable, type DatastoreKind, type DatastorePlan, type DatastorePlanOf, type SystemPlan } from "../../plan";
import type { DatastoreBinding } from "../contract";
import { resourceName } from "../shared/naming";
import { DockerCache } from "./cache";
import { DockerDatabase } from "./database";
import { DockerBucket } from "./object-store";
import { DockerQueue } from "./queue";

/** What every Docker provisioner builds with besides its datastore's entry. */
export interface DockerProvisionContext {
    /** The system component's name: children are named `<name>-<datastore>`. */
    name: string;
    /** The plan: labels and profile, every datastore's entry, and which services use which bucket. */
    plan: SystemPlan;
    /** The internal data network's name. */
    network: pulumi.Input<string>;
    /** Options of every child (its parent). */
    opts: pulumi.ComponentResourceOptions;
    /** The shared object store, once a bucket's provisioner created it. */
    objects?: DockerBucket;
}

/** The component each kind's provisioner creates. */
export interface DockerDatastores {
    database: DockerDatabase;
    cache: DockerCache;
    queue: DockerQueue;
    /** The system's one object store (SeaweedFS), shared by every bucket. */
    bucket: DockerBucket;
}

/** What a provisioner gives back: the component it created (or, for a bucket, shares) and the datastore's binding. */
export interface DockerProvisioned<K extends DatastoreKind> {
    component: DockerDatastores[K];
    binding: DatastoreBinding;
}

/** Creates one datastore of kind `K` from its plan entry. */
export type DockerProvisioner<K extends DatastoreKind> = (d: DatastorePlanOf<K>, ctx: DockerProvisionContext) => DockerProvisioned<K>;

/** A server container's binding: its URL as `<NAME>_URL` (a secret), its connection parts where it has them; consumers wait for it to be healthy. */
function serverBinding(
    d: DatastorePlan,
    store: { endpoint: string; connectionString: pulumi.Output<string>; container: pulumi.Resource },
    connection?: DatabaseConnection,
): DatastoreBinding {
    return {
        outputs: { kind: d.kind, endpoint: store.endpoint, connectionString: store.connectionString },
        environment: {},
        secrets: { [ownVariable(d.name, d.kind)]: store.connectionString },
        ...(connection ? { connection } : {}),
        ready: [store.container],
    };
}
type DatabaseConnection = DockerDatabase["connection"];

/**
 * The shared object store: created by the first bucket's provisioner with every bucket of the plan
 * and, per service that uses buckets, its own identity limited to those buckets.
 */
function objectStore(ctx: DockerProvisionContext): DockerBucket {
    if (ctx.objects) return ctx.objects;
    const buckets = Object.values(ctx.plan.datastores).flatMap((d) => (d.kind === "bucket" ? [d.spec] : []));
    const clients = Object.fromEntries(
        Object.values(ctx.plan.services)
            .map(
                (s) =>
                    [s.name, [...new Set(s.variables.connections.filter((v) => v.kind === "bucket").map((v) => v.datastore))]] as [
                        string,
                        string[],
                    ],
            )
            .filter(([, b]) => b.length > 0),
    );
    ctx.objects = new DockerBucket(
        resourceName([ctx.name, "objects"]),
        { system: ctx.plan, buckets, network: ctx.network, clients },
        ctx.opts,
    );
    return ctx.objects;
}

/** Every kind's Docker provisioner (see the module doc). */
export const DOCKER_PROVISIONERS: { readonly [K in DatastoreKind]: DockerProvisioner<K> } = {
    database: (d, ctx) => {
        const db = new DockerDatabase(resourceName([ctx.name, d.name]), { system: ctx.plan, database: d, network: ctx.network }, ctx.opts);
        return { component: db, binding: serverBinding(d, db, db.connection) };
    },
    cache: (d, ctx) => {
        const cache = new DockerCache(resourceName([ctx.name, d.name]), { system: ctx.plan, cache: d, network: ctx.network }, ctx.opts);
        return { component: cache, binding: serverBinding(d, cache, cache.connection) };
    },
    queue: (d, ctx) => {
        const queue = new DockerQueue(resourceName([ctx.name, d.name]), { system: ctx.plan, queue: d, network: ctx.network }, ctx.opts);
        return { component: queue, binding: serverBinding(d, queue) };
    },
    bucket: (d, ctx) => {
        const objects = objectStore(ctx);
        const bucketName = objects.bucketNames[d.name];
        return {
            component: objects,
            binding: {
                outputs: { kind: "bucket", endpoint: bucketName },
                environment: { [ownVariable(d.name, "bucket")]: bucketName },
                secrets: {},
                ready: [objects.setup],
            },
        };
    },
};

/** Provision datastore `d` with its kind's Docker provisioner. */
export function provisionDocker<K extends DatastoreKind>(d: DatastorePlanOf<K>, ctx: DockerProvisionContext): DockerProvisioned<K> {
    const provisioner: DockerProvisioner<K> = DOCKER_PROVISIONERS[d.kind];
    return provisioner(d, ctx);
}
