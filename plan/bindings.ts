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
import { transportFor, type Transport } from "./transport";
import { aliasOf, DATASTORE_KINDS, datastoreOf, type ConnectionPart, type ConnectionVariable, type DatastoreKind } from "./datastores";

export { CLIENTS, DEFAULT_CLIENT, type Client, type ClientEngine };

export type { ConnectionPart, ConnectionVariable, DatastoreKind };

export { KUBERNETES_CA_DIR, RDS_CA_FILE, RDS_CA_URL, type Transport } from "./transport";

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

/** How `platform` secures the connection to datastore `name` of `system` (plan/transport.ts `transportFor`). */
export function transportOf(system: System, name: string, platform: Platform): Transport {
    const kind = datastoreKind(system, name);
    return transportFor(
        kind ? { kind, name, ...(kind === "database" ? { engine: system.databases[name].engine } : {}) } : undefined,
        platform,
    );
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
