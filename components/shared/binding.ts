/**
 * Resolving a service's connection variables from the bindings of the datastores it uses, one way
 * on every platform: the plan names the variables (plan/bindings.ts), a binding holds their values
 * (components/contract.ts `DatastoreBinding`).
 */
import type * as pulumi from "@pulumi/pulumi";
import type { DatastoreBinding, DatastoreOutputs } from "../contract";
import { ownVariable, type ServicePlan } from "../../plan";

/**
 * The values of `plan`'s connection variables: secrets (credential-carrying URLs) and plain
 * variables (bucket names). An alias (DATABASE_URL, REDIS_URL, ...) takes the value of its
 * datastore's own variable (`<NAME>_URL`, `<NAME>_BUCKET`) unless the binding spells it out.
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
        const own = ownVariable(v.datastore, v.kind);
        const value = v.secret ? (b.secrets[v.variable] ?? b.secrets[own]) : (b.environment[v.variable] ?? b.environment[own]);
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

/** What a service of `plan` waits for: the readiness of every datastore it uses. */
export function readinessOf(plan: ServicePlan, bindings: Record<string, DatastoreBinding>): pulumi.Resource[] {
    const used = [...new Set(plan.variables.connections.map((v) => v.datastore))];
    return used.flatMap((d) => bindings[d]?.ready ?? []);
}

/** The stack outputs of every datastore, from its binding. */
export function datastoreOutputs(bindings: Record<string, DatastoreBinding>): Record<string, DatastoreOutputs> {
    return Object.fromEntries(Object.entries(bindings).map(([name, b]) => [name, b.outputs]));
}
