/**
 * What a datastore gives the services that use it, by name: the environment variables of the
 * binding (DATABASE_URL, REDIS_URL, BROKER_URL, STORAGE_BUCKET, `<NAME>_URL`, ...), the same on
 * every platform, and which of them carry credentials. Platforms fill in the values.
 */
import type { Service, System } from "../model";

/** The four kinds of datastore a spec declares. */
export type DatastoreKind = "database" | "cache" | "queue" | "bucket";

/** One environment variable a service receives for a datastore. */
export interface ConnectionVariable {
    /** Environment variable name, e.g. DATABASE_URL or DB_URL. */
    variable: string;
    /** The datastore's name in the spec. */
    datastore: string;
    kind: DatastoreKind;
    /** Carries credentials: must come from the platform's secret mechanism. */
    secret: boolean;
}

/** Which kind of datastore `name` is in `system`, or undefined. */
export function datastoreKind(system: System, name: string): DatastoreKind | undefined {
    if (name in system.databases) return "database";
    if (name in system.caches) return "cache";
    if (name in system.queues) return "queue";
    if (name in system.buckets) return "bucket";
    return undefined;
}

/** The variable stem of a datastore name: upper case, `-` as `_` (`media-files` → `MEDIA_FILES`). */
export const variableStem = (name: string) => name.toUpperCase().replace(/-/g, "_");

/** A datastore's own variable: `<NAME>_BUCKET` for a bucket, `<NAME>_URL` for the others (aliases such as DATABASE_URL take its value). */
export function ownVariable(name: string, kind: DatastoreKind): string {
    return `${variableStem(name)}_${kind === "bucket" ? "BUCKET" : "URL"}`;
}

/**
 * The connection variables of `service`: for every datastore it uses, `<NAME>_URL` (buckets:
 * `<NAME>_BUCKET`), plus the conventional alias for the first of its kind: DATABASE_URL
 * (postgres/mysql), MONGODB_URI, REDIS_URL, BROKER_URL, STORAGE_BUCKET.
 */
export function connectionVariables(system: System, service: Service): ConnectionVariable[] {
    const out: ConnectionVariable[] = [];
    const aliased = new Set<string>();
    const add = (variable: string, datastore: string, kind: DatastoreKind, secret: boolean) => {
        if (!out.some((v) => v.variable === variable)) out.push({ variable, datastore, kind, secret });
    };
    for (const name of service.uses) {
        const kind = datastoreKind(system, name);
        if (!kind) continue;
        let alias: string;
        if (kind === "database") alias = system.databases[name].engine === "mongodb" ? "MONGODB_URI" : "DATABASE_URL";
        else if (kind === "cache") alias = "REDIS_URL";
        else if (kind === "queue") alias = "BROKER_URL";
        else alias = "STORAGE_BUCKET";
        const secret = kind !== "bucket";
        add(ownVariable(name, kind), name, kind, secret);
        if (!aliased.has(alias)) {
            aliased.add(alias);
            add(alias, name, kind, secret);
        }
    }
    return out;
}
