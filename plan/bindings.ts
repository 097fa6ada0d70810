/**
 * What a datastore gives the services that use it, by name: the environment variables of the
 * binding (DATABASE_URL, REDIS_URL, BROKER_URL, STORAGE_BUCKET, `<NAME>_URL`, the discrete parts
 * `<NAME>_HOST` ... `<NAME>_CA_FILE`), which of them carry credentials, and — decided here once —
 * which client dialect each URL is spelled in and how the connection is secured on each platform.
 * Platforms fill in the values (components/shared/binding.ts); components/shared/connection.ts
 * spells the URLs.
 */
import { PLATFORMS, type Platform, type Service, type System } from "../model";
import { CLIENTS, DEFAULT_CLIENT, type Client, type ClientEngine } from "../model";
import { aliasOf, DATASTORE_KINDS, datastoreOf, type ConnectionPart, type ConnectionVariable, type DatastoreKind } from "./datastores";

export { CLIENTS, DEFAULT_CLIENT, type Client, type ClientEngine };

export type { ConnectionPart, ConnectionVariable, DatastoreKind };

/**
 * How the connection to a datastore is secured on a platform: `tls` encrypts; `verify` says how
 * the client checks the server's certificate and name — against `caFile` (a CA bundle the image
 * carries or the platform mounts), against the system trust store, or not at all.
 */
export interface Transport {
    /** Encrypted on the wire. */
    tls: boolean;
    /** How the server is verified: "file" (against `caFile`), "system" (the image's trust store) or "none". */
    verify: "file" | "system" | "none";
    /** The CA bundle path inside the container, with `verify: "file"`. */
    caFile?: string;
}

/**
 * Where the images of services that use an RDS or DocumentDB database must carry the Amazon RDS CA
 * bundle (https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem): the URLs and
 * `<NAME>_CA_FILE` name this path.
 */
export const RDS_CA_FILE = "/etc/ssl/certs/rds-global-bundle.pem";

/**
 * Where a Kubernetes pod finds the CA of the CloudNativePG cluster of database `<db>`:
 * `<dir>/<db>/ca.crt`, projected from the operator's `<db>-ca` Secret (key `ca.crt` only; the
 * Secret's `ca.key` is never mounted).
 */
export const KUBERNETES_CA_DIR = "/etc/tierform/ca";

/** Where the Amazon RDS CA bundle is published. */
export const RDS_CA_URL = "https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem";

/** Which kind of datastore `name` is in `system`, or undefined. */
export function datastoreKind(system: System, name: string): DatastoreKind | undefined {
    return datastoreOf(system, name)?.kind;
}

/** The engine a client is chosen for: a database's engine, `redis` for a cache; none for queues and buckets. */
export function clientEngine(system: System, name: string): ClientEngine | undefined {
    if (name in system.databases) return system.databases[name].engine;
    if (name in system.caches) return "redis";
    return undefined;
}

/** The client `service` names for datastore `name` (`services.<n>.clients`), else its engine's default. */
export function clientOf(system: System, service: Service, name: string): Client | undefined {
    const engine = clientEngine(system, name);
    if (!engine) return undefined;
    return service.clients[name] ?? DEFAULT_CLIENT[engine];
}

/**
 * How `platform` secures the connection to datastore `name`, one table for every platform:
 * Docker (dev) runs every datastore in plain text on its private data network; Kubernetes encrypts
 * PostgreSQL and verifies it against CloudNativePG's CA, mounted into the pods at
 * {@link KUBERNETES_CA_DIR} (the operator's server certificate names `<db>-rw.<ns>.svc` and
 * `.svc.cluster.local`: cloudnative-pg api/v1 cluster_funcs.go `GetClusterAltDNSNames`), and runs
 * the others in plain text; AWS encrypts everything — RDS and DocumentDB verified against the Amazon RDS
 * CA bundle at {@link RDS_CA_FILE}, ElastiCache against the system trust store (its certificates
 * chain to Amazon's public roots), SQS through the SDK's HTTPS.
 */
export function transportOf(system: System, name: string, platform: Platform): Transport {
    const kind = datastoreKind(system, name);
    if (platform === "docker" || kind === "bucket") return { tls: false, verify: "none" };
    if (platform === "kubernetes") {
        return kind === "database" && system.databases[name].engine === "postgres"
            ? { tls: true, verify: "file", caFile: `${KUBERNETES_CA_DIR}/${name}/ca.crt` }
            : { tls: false, verify: "none" };
    }
    if (kind === "database") return { tls: true, verify: "file", caFile: RDS_CA_FILE };
    return { tls: true, verify: "system" };
}

/** The variable stem of a datastore name: upper case, `-` as `_` (`media-files` → `MEDIA_FILES`). */
export const variableStem = (name: string) => name.toUpperCase().replace(/-/g, "_");

/** A datastore's own variable: `<NAME>_BUCKET` for a bucket, `<NAME>_URL` for the others (aliases such as DATABASE_URL take its value). */
export function ownVariable(name: string, kind: DatastoreKind): string {
    return `${variableStem(name)}_${DATASTORE_KINDS[kind].ownSuffix}`;
}

/** What each discrete variable suffix of a kind's contract holds. */
const PART_OF = { HOST: "host", PORT: "port", USER: "user", PASSWORD: "password", NAME: "database" } as const;

/** Node.js clients whose URL cannot name a CA file: they verify against Node's trust store, which NODE_EXTRA_CA_CERTS extends. */
const NODE_CLIENTS: readonly Client[] = ["mysql2", "ioredis"];

/**
 * The connection variables of `service` on `platform`: for every datastore it uses, `<NAME>_URL`
 * (buckets: `<NAME>_BUCKET`) in the dialect of its client, the conventional alias for the first of
 * its kind (DATABASE_URL for postgres/mysql, MONGODB_URI, REDIS_URL, BROKER_URL, STORAGE_BUCKET),
 * and for databases and caches the discrete parts `<NAME>_HOST`, `<NAME>_PORT`, `<NAME>_PASSWORD`
 * (databases also `<NAME>_USER`, `<NAME>_NAME`) and, where the server is verified against a CA
 * file, `<NAME>_CA_FILE`. Every PostgreSQL URL names its own CA (components/shared/connection.ts),
 * so a service using two PostgreSQL servers with different CAs (two CloudNativePG clusters)
 * verifies each against its own; no process-wide PGSSLROOTCERT, which could name only one. The
 * Node clients whose URL cannot name a CA file (`mysql2`, `ioredis`) get it as NODE_EXTRA_CA_CERTS,
 * one per process: the first such datastore's (on AWS every verified MySQL server shares the RDS
 * CA; Kubernetes runs MySQL and Redis in plain text). Without `platform`: every variable any platform gives (the loader's
 * collision check).
 */
export function connectionVariables(system: System, service: Service, platform?: Platform): ConnectionVariable[] {
    if (platform === undefined) {
        const all = PLATFORMS.flatMap((p) => connectionVariables(system, service, p));
        return all.filter((v, i) => all.findIndex((w) => w.variable === v.variable) === i);
    }
    const out: ConnectionVariable[] = [];
    const aliased = new Set<string>();
    const add = (v: ConnectionVariable) => {
        if (!out.some((o) => o.variable === v.variable)) out.push(v);
    };
    const envCa: ConnectionVariable[] = [];
    for (const name of service.uses) {
        const store = datastoreOf(system, name);
        if (!store) continue;
        const kind = store.kind;
        const contract = DATASTORE_KINDS[kind];
        const alias = aliasOf(store);
        const client = clientOf(system, service, name);
        const main = (variable: string): ConnectionVariable =>
            contract.ownSuffix === "BUCKET"
                ? { variable, datastore: name, kind, part: "bucket", secret: false }
                : { variable, datastore: name, kind, part: "url", ...(client ? { client } : {}), secret: true };
        add(main(ownVariable(name, kind)));
        if (!aliased.has(alias)) {
            aliased.add(alias);
            add(main(alias));
        }
        if (contract.parts.length === 0) continue;
        const stem = variableStem(name);
        const part = (suffix: string, p: ConnectionPart, secret = false) =>
            add({ variable: `${stem}_${suffix}`, datastore: name, kind, part: p, secret });
        for (const p of contract.parts) part(p, PART_OF[p], p === "PASSWORD");
        const transport = transportOf(system, name, platform);
        if (transport.verify !== "file") continue;
        part("CA_FILE", "caFile");
        if (client && NODE_CLIENTS.includes(client))
            envCa.push({ variable: "NODE_EXTRA_CA_CERTS", datastore: name, kind, part: "caFile", secret: false });
    }
    // One NODE_EXTRA_CA_CERTS per process: the first datastore's.
    for (const v of envCa) add(v);
    return out;
}
