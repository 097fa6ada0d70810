/**
 * Resolving a service's connection variables from the bindings of the datastores it uses, one way
 * on every platform: the plan names the variables (plan/bindings.ts), a binding holds their values
 * (components/contract.ts `DatastoreBinding`).
 */
import type * as pulumi from "@pulumi/pulumi";
import type { DatastoreBinding, DatastoreOutputs } from "../contract";
import { ownVariable, type ConnectionPart, type ConnectionVariable, type ServicePlan } from "../../plan";

/**
 * The values of `plan`'s connection variables: secrets (credential-carrying URLs, passwords) and
 * plain variables (host, port, user, database name, CA file, bucket names). A database's or cache's
 * URL is its binding's URL for the variable's client (plan/bindings.ts decides the client once).
 * Throws on a binding that lacks a variable: a platform bug, never a spec problem.
 */
export function connectionValues(
    plan: ServicePlan,
    bindings: Record<string, DatastoreBinding>,
): { environment: Record<string, pulumi.Input<string>>; secrets: Record<string, pulumi.Input<string>> } {
    const environment: Record<string, pulumi.Input<string>> = {};
    const secrets: Record<string, pulumi.Input<string>> = {};
    for (const v of plan.variables.connections) {
        const b = bindings[v.datastore];
        if (!b) throw new Error(`service ${plan.name}: no binding for datastore ${v.datastore}`);
        const value = valueOf(v, b);
        if (value === undefined) {
            // A credential-carrying variable is read from `secrets` only, never from a plain variable.
            throw new Error(
                `service ${plan.name}: the binding of ${v.datastore} gives no ${v.secret ? "secret (credentials never travel as plain variables)" : "plain"} value for ${v.variable}`,
            );
        }
        (v.secret ? secrets : environment)[v.variable] = value;
    }
    return { environment, secrets };
}

/**
 * The value of one connection variable from its datastore's binding: a database's or cache's URL
 * in the variable's client dialect and its discrete parts from `connection`; a queue's URL and a
 * bucket's name from `secrets` / `environment` (an alias takes its datastore's own variable).
 */
function valueOf(v: ConnectionVariable, b: DatastoreBinding): pulumi.Input<string> | undefined {
    const own = ownVariable(v.datastore, v.kind);
    const c = b.connection;
    if (c && v.client) return c.urls[v.client];
    if (c && v.part !== "url" && v.part !== "bucket") {
        const parts: Record<Exclude<ConnectionPart, "url" | "bucket">, pulumi.Input<string> | undefined> = {
            host: c.host,
            port: c.port,
            user: c.user,
            password: c.password,
            database: c.database,
            caFile: c.caFile,
        };
        return parts[v.part];
    }
    return v.secret ? (b.secrets[v.variable] ?? b.secrets[own]) : (b.environment[v.variable] ?? b.environment[own]);
}

/** What a service of `plan` waits for: the readiness of every datastore it uses. */
export function readinessOf(plan: ServicePlan, bindings: Record<string, DatastoreBinding>): pulumi.Resource[] {
    const used = [...new Set(plan.variables.connections.map((v) => v.datastore))];
    return used.flatMap((d) => bindings[d]?.ready ?? []);
}

/** The stack outputs of every datastore, from its binding. */
export function datastoreOutputs(bindings: Record<string, DatastoreBinding>): Record<string, DatastoreOutputs> {
    return Object.fromEntries(Object.entries(bindings).map(([name, b]) => [name, b.outputs]));
}
