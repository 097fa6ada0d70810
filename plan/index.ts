/**
 * The platform-neutral tier plan: everything the three platforms must agree on, computed once from
 * the resolved system, without Pulumi resources. The data flow of the program is
 *
 *     tierform:* config → model (loadStack: spec, profile, settings) → plan (planSystem)
 *       → platform adapter (components/<platform>/system.ts) → resources → stack outputs
 *
 * Platforms render a plan; they do not re-derive its decisions (replicas, scaling signals, health
 * checks, the variables a service receives, app secrets, routes, backups). Where a platform cannot
 * honour a feature in full it says so in `support.ts`, and the plan lists the approximation.
 */
import type { FileShare, Platform, System } from "../model";
import { planFileShareBackup, type BackupPlan, type FileShareBackupPlan } from "./backup";
import { planDatastores, type DatastorePlan } from "./datastores";
import { planObservability, type ObservabilityPlan } from "./observability";
import { planService, revised, type ServicePlan } from "./service";
import { planRollout } from "./rollout";
import { approximations, PLACEMENTS, type Placement } from "./support";
import { planTraffic, type TrafficPlan } from "./traffic";

export * from "./backup";
export * from "./bindings";
export * from "./datastores";
export * from "./hosts";
export * from "./observability";
export * from "./rollout";
export * from "./service";
export * from "./settings";
export * from "./support";
export * from "./traffic";
export * from "./validate";

/**
 * Length of every generated application secret (`services.<n>.secrets`, e.g. Django's SECRET_KEY):
 * 50 letters and digits (about 297 bits), the length Django's own `get_random_secret_key` uses.
 */
export const APP_SECRET_LENGTH = 50;

/** One edge route. */
export interface RoutePlan {
    /** URL path prefix. */
    path: string;
    /** The web service it goes to. */
    service: string;
    /** Only these CIDRs may use it (an admin interface); absent: everyone. */
    allowCidrs?: string[];
}

/**
 * What an adapter reads of the system as a whole, passed through from the resolved spec as it is:
 * its name, the environment and that environment's profile (sizes, Multi-AZ, deletion protection),
 * the recovery objectives and the alert thresholds. A component that needs no more of the system
 * takes this instead of the model's `System`.
 */
export type SystemFacts = Pick<System, "name" | "environment" | "profile" | "recovery" | "monitoring" | "observability">;

/**
 * The edge as the spec resolves it, every default applied: its domain, TLS, CDN, WAF, the security
 * headers, HSTS, the rate limit and the body size. Its routes are {@link SystemPlan.routes}.
 */
export type EdgePlan = Omit<System["edge"], "routes">;

/** A shared file share as the spec resolves it (`fileShares.<name>`), with its name. */
export type FileSharePlan = FileShare;

/** The plan of a whole system on one platform. */
export interface SystemPlan extends SystemFacts {
    /** The platform it is built on. */
    platform: Platform;
    /** The placement that mixes platforms, when the stack sets one (`tierform:placement`). @default none */
    placement?: Placement;
    /** Every service, by name. */
    services: Record<string, ServicePlan>;
    /** The generated application secrets: one value per name, shared by every service listing it. */
    appSecrets: { names: string[]; length: number };
    /** The edge's settings (domain, TLS, CDN, headers, limits). */
    edge: EdgePlan;
    /** The edge's routes, in spec order. */
    routes: RoutePlan[];
    /** The shared file shares, by name, in spec order. */
    fileShares: Record<string, FileSharePlan>;
    /** Every datastore, by name, in creation order (databases, caches, queues, buckets): its contract (datastores.ts). */
    datastores: Record<string, DatastorePlan>;
    /** Backups per database. */
    backups: BackupPlan[];
    /** The file shares' backups (backup.ts `planFileShareBackup`), where the spec has file shares. @default none */
    fileShareBackup?: FileShareBackupPlan;
    /** Logs, traces, the dashboard's rows and the alerts (observability.ts). */
    observability: ObservabilityPlan;
    /** The traffic policy of each web service that sets one, by service name (traffic.ts). */
    traffic: Record<string, TrafficPlan>;
    /** What the platform builds differently from the spec (see support.ts), one line each. */
    approximations: string[];
}

/**
 * Plan `system` for `platform`: pure, no resources, the same answer every time. A `placement`
 * (plan/support/eks.ts) renders the platform's plan and prints its own approximations.
 */
export function planSystem(system: System, platform: Platform, placement?: Placement): SystemPlan {
    // A placement's services roll out as its compute platform runs them, through the placement's edge (EKS: Argo Rollouts behind the load balancer).
    const compute = placement ? PLACEMENTS[placement].compute : platform;
    const services = Object.fromEntries(
        Object.values(system.services).map((s) => {
            const p = planService(system, s, platform, compute);
            return [s.name, placement ? revised(s, { ...p, rollout: planRollout(system, s, compute, placement) }) : p];
        }),
    );
    const datastores = planDatastores(system, platform, services);
    const backups = Object.values(datastores).flatMap((d) => (d.kind === "database" ? [d.backup] : []));
    return {
        name: system.name,
        environment: system.environment,
        profile: system.profile,
        recovery: system.recovery,
        monitoring: system.monitoring,
        platform,
        ...(placement ? { placement } : {}),
        services,
        appSecrets: { names: [...new Set(Object.values(system.services).flatMap((s) => s.secrets))].sort(), length: APP_SECRET_LENGTH },
        edge: edgePlanOf(system.edge),
        routes: system.edge.routes.map((r) => ({
            path: r.path,
            service: r.service,
            ...(r.allowCidrs ? { allowCidrs: [...r.allowCidrs] } : {}),
        })),
        fileShares: Object.fromEntries(Object.entries(system.fileShares).map(([n, f]) => [n, { ...f }])),
        datastores,
        backups,
        ...(Object.keys(system.fileShares).length > 0
            ? { fileShareBackup: planFileShareBackup(backups, system.profile.backupRetentionDays) }
            : {}),
        observability: planObservability(system, platform, compute),
        traffic: planTraffic(system),
        approximations: [
            ...approximations(system, platform, undefined, placement),
            ...Object.values(services).flatMap((s) => s.rollout.schedule.approximations.map((a) => `services.${s.name}.rollout: ${a}`)),
        ],
    };
}

/** The edge's settings without its routes, copied. */
function edgePlanOf(edge: System["edge"]): EdgePlan {
    const { routes, ...settings } = edge;
    void routes;
    return { ...settings, securityHeaders: { ...settings.securityHeaders } };
}
