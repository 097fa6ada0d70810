/**
 * What every platform's system component takes and gives back, so deploy.ts and the tests treat
 * docker, kubernetes and aws alike.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { Client, DatastoreKind, SystemPlan } from "../plan";
import type { PlatformSettings } from "../plan";

/** Arguments of every platform's `System` component. */
export interface PlatformSystemArgs {
    /** The stack's `tierform:*` settings. */
    settings: PlatformSettings;
    /** The platform-neutral plan of the system (plan/): what every platform renders. */
    plan: SystemPlan;
}

/** Where a datastore can be reached. Connection strings carry credentials and are always secrets. */
export interface DatastoreOutputs {
    /** Its kind (plan/datastores.ts). */
    kind: DatastoreKind;
    /** Writer endpoint: host:port, queue URL or bucket name. */
    endpoint: pulumi.Input<string>;
    /** Read-replica endpoints, where there are any. */
    readerEndpoints?: pulumi.Input<string>[];
    /** Full connection string with credentials (a Pulumi secret). */
    connectionString?: pulumi.Input<string>;
}

/**
 * What a datastore gives the services that use it, the same shape on every platform (after SST's
 * `Link`): its stack outputs, the values of its connection variables (names from
 * plan/bindings.ts), and what a consumer waits for. A platform may add what only it needs (AWS:
 * the IAM statements and the secret ARNs the roles read, `AwsDatastoreBinding`).
 */
export interface DatastoreBinding {
    /** Stack outputs: endpoint, readers, connection string (a secret). */
    outputs: DatastoreOutputs;
    /** Plain variables by name: a bucket's `<NAME>_BUCKET` (and its alias). */
    environment: Record<string, pulumi.Input<string>>;
    /**
     * Credential-carrying variables by name (`<NAME>_URL` and aliases): the secret value, or where
     * the platform injects it from a reference (ECS `secrets`), that reference.
     */
    secrets: Record<string, pulumi.Input<string>>;
    /**
     * A database's or cache's connection, from which every service's URL (in its client's dialect)
     * and discrete parts are taken (plan/bindings.ts names them); absent for queues and buckets.
     */
    connection?: ConnectionValues;
    /** What a service waits for before it starts (a datastore container, a CloudNativePG Cluster, a bucket setup step). @default [] */
    ready?: pulumi.Resource[];
}

/**
 * The values behind a database's or cache's connection variables. Credential-carrying values
 * (`urls`, `password`) are secret Outputs, or where the platform injects them from a reference
 * (ECS `secrets`), that reference; the rest are plain.
 */
export interface ConnectionValues {
    /** The URL per client (components/shared/connection.ts `renderUrl`): every client of the engine. */
    urls: Partial<Record<Client, pulumi.Input<string>>>;
    /** Host name the server's certificate is checked against. */
    host: pulumi.Input<string>;
    /** Port, as text. */
    port: pulumi.Input<string>;
    /** User name (databases). */
    user?: pulumi.Input<string>;
    /** The password or AUTH token: a secret, or a reference to one. */
    password: pulumi.Input<string>;
    /** Database name (databases). */
    database?: pulumi.Input<string>;
    /** The CA bundle path inside the container, where the plan's transport verifies against a file. */
    caFile?: string;
}

/** The stack outputs every platform produces. */
export interface SystemOutputs {
    /** The public URL of the edge. */
    publicUrl: pulumi.Input<string>;
    /** Each service's internal address (host:port for web services, the workload name otherwise). */
    services: Record<string, pulumi.Input<string>>;
    /** Each datastore by name. */
    datastores: Record<string, DatastoreOutputs>;
    /** Platform-specific extras (e.g. the ALB DNS name, the cluster name, the namespace). */
    platform: Record<string, pulumi.Input<unknown>>;
}

/** A platform's system component. */
export interface PlatformSystem extends pulumi.ComponentResource {
    readonly outputs: SystemOutputs;
}
