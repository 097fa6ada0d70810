/**
 * The refusals only the plan can make, run by the loader's caller right after `loadStack` and
 * before any resource is registered (index.ts, scripts/plan.ts): a variable a service would receive
 * twice, and an unknown `${...}` reference in an `env` value. Each is one {@link SpecError} line
 * naming the file, the spec path and what is allowed, like the loader's own problems; they need the
 * plan's decisions (the connection variables every platform gives, the references a system
 * offers), which the model below the plan does not know.
 */
import { SpecError, type LoadedStack, type SpecPath, type System } from "../model";
import { connectionVariables } from "./bindings";
import { templateProblems } from "./templates";

/** One problem the plan finds: the spec path and what is wrong there. */
export interface PlanProblem {
    /** The spec path, e.g. `["services", "backend", "env", "DATABASE_URL"]`. */
    path: SpecPath;
    /** What is wrong and what is allowed, one line. */
    message: string;
}

/**
 * Variables a service would receive twice: a name in `env` or `secrets` that is also one of the
 * connection variables of the datastores it uses (DATABASE_URL, `<NAME>_URL`, ...). Refused, so no
 * platform has to pick a winner (they used to pick differently).
 */
export function variableCollisions(system: System): PlanProblem[] {
    const out: PlanProblem[] = [];
    for (const service of Object.values(system.services)) {
        for (const v of connectionVariables(system, service)) {
            const what = `the connection variable ${v.variable} of datastore '${v.datastore}' (services.${service.name}.uses)`;
            if (v.variable in service.env)
                out.push({
                    path: ["services", service.name, "env", v.variable],
                    message: `is also ${what}; drop it from env or rename it`,
                });
            const i = service.secrets.indexOf(v.variable);
            if (i >= 0)
                out.push({ path: ["services", service.name, "secrets", i], message: `'${v.variable}' is also ${what}; rename the secret` });
        }
    }
    return out;
}

/** Every problem the plan finds in a loaded system: variables set twice, then unknown references. */
export function planProblems(system: System): PlanProblem[] {
    return [...variableCollisions(system), ...templateProblems(system)];
}

/** Throws a {@link SpecError} with one located line per {@link planProblems} problem; returns when there is none. */
export function checkPlan(stack: Pick<LoadedStack, "system" | "locate">): void {
    const problems = planProblems(stack.system);
    if (problems.length > 0) throw new SpecError(problems.map((p) => ({ where: stack.locate(p.path), message: p.message })));
}
