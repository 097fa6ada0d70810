/**
 * The Host a system's services answer to. Applications check the Host header (Django's
 * `ALLOWED_HOSTS`, Rails' `config.hosts`, ...) and refuse anything else with a 400, health checks
 * included. So everything tierform sends to a service — the edge's proxied requests and every
 * probe or health check that can set a header — presents one canonical host: the spec's
 * `edge.domain`, or `localhost` without one.
 */
import type { System } from "../model";

/** The canonical Host header of `system`'s services: `edge.domain`, else "localhost". */
export function canonicalHost(system: { edge: Pick<System["edge"], "domain"> }): string {
    return system.edge.domain ?? "localhost";
}
