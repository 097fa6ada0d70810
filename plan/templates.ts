/**
 * Templated values: a service's `env` value may name the system's own public names instead of
 * copying them, so a spec planned with another `edge.domain` carries no trace of the old one.
 *
 *   ${edge.domain}          the canonical host (plan/hosts.ts): `edge.domain`, else "localhost"
 *   ${edge.url}             the public base URL, `https://<edge.domain>` (`http://` when `edge.tls` is false)
 *   ${routes.<path>.url}    a route's public URL, e.g. ${routes./api.url} = https://<edge.domain>/api
 *   ${services.<name>.url}  a routed service's public URL: the URL of its first route
 *   $${                     a literal "${"
 *
 * The values are the same on every platform: each names the edge by `edge.domain`, which is what
 * the edge answers to and the Host every check sends. There is no `${services.<name>.address}`:
 * the Kubernetes NetworkPolicies (components/kubernetes/network.ts) admit only the edge, Prometheus
 * and each service's datastores, and the AWS security groups of the services (components/aws/network.ts)
 * admit only the load balancers, so an internal address would work on Docker's app network alone;
 * services call each other through the edge (`${services.<name>.url}`).
 *
 * The loader refuses every unknown reference ({@link templateProblems}); the plan resolves them
 * once ({@link resolveTemplate}).
 */
import type { System } from "../model";
import { canonicalHost } from "./hosts";

/** `${ref}`, or the escape `$${` (a literal "${"). */
const REFERENCE = /\$\$\{|\$\{([^}]*)\}/g;

/** Every reference `system` offers, with its value. References to a URL need `edge.domain`. */
export function templateValues(system: Pick<System, "edge">): Record<string, string> {
    const values: Record<string, string> = { "edge.domain": canonicalHost(system) };
    if (system.edge.domain === undefined) return values;
    const base = `${system.edge.tls ? "https" : "http"}://${system.edge.domain}`;
    const urlOf = (path: string) => base + (path === "/" ? "" : path.replace(/\/+$/, ""));
    values["edge.url"] = base;
    for (const r of system.edge.routes) {
        values[`routes.${r.path}.url`] ??= urlOf(r.path);
        values[`services.${r.service}.url`] ??= urlOf(r.path);
    }
    return values;
}

/** The references in `value` (the text between `${` and `}`), escapes left out. */
export function referencesIn(value: string): string[] {
    return [...value.matchAll(REFERENCE)].filter((m) => m[0] !== "$${").map((m) => m[1]);
}

/** `value` with every reference replaced; `values` must hold each (the loader has checked). */
export function resolveTemplate(value: string, values: Record<string, string>): string {
    return value.replace(REFERENCE, (whole, ref: string | undefined) => {
        if (whole === "$${") return "${";
        const v = values[ref!];
        if (v === undefined) throw new Error(`unknown reference \${${ref}}`);
        return v;
    });
}

/** One problem per unknown reference in a service's `env`: the path and a line naming what is allowed. */
export function templateProblems(system: Pick<System, "edge" | "services">): { path: (string | number)[]; message: string }[] {
    const values = templateValues(system);
    const allowed = Object.keys(values)
        .map((r) => `\${${r}}`)
        .join(", ");
    const noDomain = system.edge.domain === undefined ? " (URLs need edge.domain)" : "";
    const out: { path: (string | number)[]; message: string }[] = [];
    for (const service of Object.values(system.services)) {
        for (const [name, value] of Object.entries(service.env)) {
            for (const ref of referencesIn(value)) {
                if (ref in values) continue;
                out.push({
                    path: ["services", service.name, "env", name],
                    message: `unknown reference \${${ref}}; allowed: ${allowed}${noDomain} (a literal "\${" is written "$\${")`,
                });
            }
        }
    }
    return out;
}
