/**
 * One service's plan: the decisions every platform used to re-derive on its own — replicas, the
 * scaling signals, the health checks and the variables the service receives — computed once, from
 * the resolved service, without Pulumi. Platforms render these; they do not revisit them.
 */
import { createHash } from "crypto";
import type { Cache, HealthTool, Platform, ProbeSpec, Service, System } from "../model";
import { connectionVariables, type ConnectionVariable } from "./bindings";
import { otelVariables } from "./observability";
import { planRollout, type RolloutPlan } from "./rollout";
import { canonicalHost } from "./hosts";
import { resolveTemplate, templateValues } from "./templates";
import { homeVariables, writablePathsOf } from "../conventions/writable";

export { HOME_DIR, HOME_VARIABLES, homeVariables, writablePathsOf } from "../conventions/writable";

/** A replica range, min ≤ max. */
export interface ReplicaRange {
    /** Replicas that always run. */
    min: number;
    /** Replicas the autoscaler may add up to. */
    max: number;
}

/** What a service scales on; empty when its range is fixed (min = max) or it is a scheduler. */
export interface ScalingSignals {
    /** Average CPU utilisation target, percent. */
    cpuPercent?: number;
    /** Average memory utilisation target, percent. */
    memoryPercent?: number;
    /** Requests per minute per replica, as the edge counts them. */
    requestsPerMinute?: number;
}

/** The timings every check has. */
export interface CheckTimings {
    /** Seconds after start before the first check counts. */
    initialDelaySeconds: number;
    /** Seconds between checks. */
    periodSeconds: number;
    /** Seconds a check may take. */
    timeoutSeconds: number;
    /** Failures in a row that mark the replica unhealthy. */
    failureThreshold: number;
}

/** An HTTP check: GET `path` on the service's port, presenting `host` as the Host header. */
export interface HttpCheck extends CheckTimings {
    type: "http";
    /** URL path. */
    path: string;
    /** The container port. */
    port: number;
    /** Host header (the system's canonical host, so host checks such as Django's ALLOWED_HOSTS accept it). */
    host: string;
    /**
     * What sends the request where the platform checks from inside the container (Docker's
     * HEALTHCHECK, the ECS container health check): the spec's `healthTool`. The kubelet sends its
     * own request and needs none.
     */
    tool: HealthTool;
}

/** An exec check: argv run inside the container, exit 0 = healthy. */
export interface ExecCheck extends CheckTimings {
    type: "exec";
    /** argv (no shell unless it asks for one). */
    command: string[];
}

/** One health check, HTTP or exec. */
export type HealthCheck = HttpCheck | ExecCheck;

/**
 * Timings of an exec check (`health.command`), which the spec does not give: such checks often talk
 * to a broker (a Celery `inspect ping --timeout 10` waits up to 10 s), so 20 s to answer, every
 * 30 s, three failures, after 30 s. One set for every platform (Docker HEALTHCHECK, Kubernetes exec
 * probes, the ECS container health check).
 */
export const EXEC_CHECK_TIMINGS: CheckTimings = { initialDelaySeconds: 30, periodSeconds: 30, timeoutSeconds: 20, failureThreshold: 3 };

/** A service's health checks: `liveness` restarts a replica, `readiness` gates its traffic. Absent: the platform watches the main process only. */
export interface HealthPlan {
    /** Restart the replica when it fails. */
    liveness?: HealthCheck;
    /** Take traffic only while it passes (the load balancer's target check). */
    readiness?: HealthCheck;
}

/** Every variable a service receives, by where its value comes from. */
export interface VariablePlan {
    /** The home, temp and cache locations ({@link homeVariables}), the `OTEL_*` variables (plan/observability.ts), then the spec's plain `env` (which wins for a name it gives), its references (`${edge.domain}`, ...: plan/templates.ts) resolved. */
    plain: Record<string, string>;
    /** The datastores' variables (`<NAME>_URL` in the client's dialect, the conventional aliases, the discrete parts); secret when they carry credentials. */
    connections: ConnectionVariable[];
    /** Generated application secrets (`secrets`), shared by name across the system's services. */
    appSecrets: string[];
}

/**
 * The spec's fields a platform renders as given, passed through so that an adapter reads only the
 * plan: the image (or its build), the port, the container's size and user, the datastores it
 * `uses`, its migration, mounts and egress. No decision hides here: the plan's decisions are the
 * other fields of {@link ServicePlan}.
 */
export type ServiceContainer = Pick<
    Service,
    "image" | "build" | "description" | "port" | "healthTool" | "resources" | "uses" | "migrate" | "mounts" | "egress" | "runAsUser"
>;

/** The plan of one service. */
export interface ServicePlan extends ServiceContainer {
    /** The service's name in the spec. */
    name: string;
    /** web, worker or scheduler. */
    kind: Service["kind"];
    /** argv that replaces the image's CMD (its ENTRYPOINT stays) on every platform; absent: the image's own. */
    command?: string[];
    /** Replica range: the spec's (or the profile's); a scheduler always exactly one. */
    replicas: ReplicaRange;
    /** What the autoscaler follows, defaults applied. */
    scaling: ScalingSignals;
    /** HTTP or exec checks, one set of timings. */
    health: HealthPlan;
    /** What the service's environment holds. */
    variables: VariablePlan;
    /** Datastores and file shares it reaches. */
    reaches: string[];
    /** Other services whose migration (`migrate`) must have succeeded before this one starts ({@link migrationGates}). */
    afterMigrationsOf: string[];
    /** The paths writable under the read-only root, each private to a replica ({@link writablePathsOf}). */
    writablePaths: string[];
    /** How new versions roll out, and the schedule the platform runs (plan/rollout.ts). */
    rollout: RolloutPlan;
    /**
     * What the replicas run, as 6 hex characters: {@link revisionOf} the resolved service and the
     * rest of this plan. A platform that tells two versions apart by name uses it (Docker's colours
     * of a routed blue/green or canary service, components/docker/rollout.ts).
     */
    revision: string;
}

/**
 * The revision of `plan` (a service's plan without its `revision`) for `service`: the first 6 hex
 * characters of the SHA-256 of both as JSON, so anything either says (image, command, variables,
 * health checks, size, rollout) gives a new one.
 */
export function revisionOf(service: Service, plan: Omit<ServicePlan, "revision">): string {
    return createHash("sha256").update(JSON.stringify({ service, plan })).digest("hex").slice(0, 6);
}

/** `plan` with its {@link ServicePlan.revision} (re)computed, e.g. after a placement replaced its rollout. */
export function revised(service: Service, plan: Omit<ServicePlan, "revision"> & { revision?: string }): ServicePlan {
    const { revision, ...rest } = plan;
    void revision;
    return { ...rest, revision: revisionOf(service, rest) };
}

/**
 * The replica range: a scheduler must never run twice and must run (its schedule would never fire
 * at zero), so it is exactly one whatever the range says; others keep theirs.
 */
export function replicasOf(service: Service): ReplicaRange {
    if (service.kind === "scheduler") return { min: 1, max: 1 };
    return { min: service.replicas.min, max: service.replicas.max };
}

/**
 * The scaling signals: the spec's `autoscaling` targets as given (a request target alone scales
 * on requests alone); CPU 70 % when the range scales but names none; none when the range is fixed.
 */
export function scalingOf(service: Service): ScalingSignals {
    const range = replicasOf(service);
    if (range.max <= range.min) return {};
    const a = service.autoscaling ?? {};
    const given: ScalingSignals = {
        ...(a.cpuPercent !== undefined ? { cpuPercent: a.cpuPercent } : {}),
        ...(a.memoryPercent !== undefined ? { memoryPercent: a.memoryPercent } : {}),
        ...(a.requestsPerMinute !== undefined ? { requestsPerMinute: a.requestsPerMinute } : {}),
    };
    return Object.keys(given).length > 0 ? given : { cpuPercent: 70 };
}

/**
 * The health checks: a web service's HTTP `liveness`/`readiness` as given (each standing in for the
 * other when only one is given), else `health.command` as an exec check for both with
 * {@link EXEC_CHECK_TIMINGS}. The loader refuses a spec that gives both kinds.
 */
export function healthOf(system: System, service: Service): HealthPlan {
    const { liveness, readiness, command } = service.health;
    if (service.kind === "web" && service.port !== undefined && (liveness || readiness)) {
        const http = (p: ProbeSpec): HttpCheck => ({
            type: "http",
            path: p.path,
            port: service.port!,
            host: canonicalHost(system),
            tool: service.healthTool,
            ...timingsOf(p),
        });
        return { liveness: http(liveness ?? readiness!), readiness: http(readiness ?? liveness!) };
    }
    if (command) {
        const exec: ExecCheck = { type: "exec", command: [...command], ...EXEC_CHECK_TIMINGS };
        return { liveness: exec, readiness: exec };
    }
    return {};
}

function timingsOf(p: ProbeSpec): CheckTimings {
    return {
        initialDelaySeconds: p.initialDelaySeconds,
        periodSeconds: p.periodSeconds,
        timeoutSeconds: p.timeoutSeconds,
        failureThreshold: p.failureThreshold,
    };
}

/**
 * The other services whose `migrate` must have succeeded before `service` starts: every service
 * with a `migrate` command that uses a database `service` also uses (a Celery worker or an admin
 * app reads the schema the web service migrates). A service that migrates itself waits only for
 * such services before it in the spec, so the gates never form a cycle; {@link buildOrder} puts
 * every gate before the services it gates.
 */
export function migrationGates(system: System, service: Service): string[] {
    const databases = (s: Service) => s.uses.filter((u) => u in system.databases);
    const mine = new Set(databases(service));
    const names = Object.keys(system.services);
    return Object.values(system.services)
        .filter((m) => m.name !== service.name && m.migrate !== undefined)
        .filter((m) => service.migrate === undefined || names.indexOf(m.name) < names.indexOf(service.name))
        .filter((m) => databases(m).some((d) => mine.has(d)))
        .map((m) => m.name);
}

/** The services in the order a platform builds them: those with a `migrate` first (spec order), then the rest, so every {@link migrationGates} gate exists before what it gates. */
export function buildOrder<S extends Pick<Service, "migrate">>(system: { services: Record<string, S> }): S[] {
    const all = Object.values(system.services);
    return [...all.filter((s) => s.migrate !== undefined), ...all.filter((s) => s.migrate === undefined)];
}

/**
 * The plan of one service of `system` on `platform` (which decides how its connections are secured: plan/bindings.ts
 * `transportOf`), its containers running on `compute` (whose collector its `OTEL_*` variables name). @default compute: platform
 */
export function planService(system: System, service: Service, platform: Platform, compute: Platform = platform): ServicePlan {
    const templates = templateValues(system);
    return revised(service, {
        name: service.name,
        kind: service.kind,
        ...containerOf(service),
        ...(service.command ? { command: [...service.command] } : {}),
        replicas: replicasOf(service),
        scaling: scalingOf(service),
        health: healthOf(system, service),
        variables: {
            plain: {
                ...homeVariables(service),
                ...otelVariables(system, service, platform, compute),
                ...Object.fromEntries(Object.entries(service.env).map(([k, v]) => [k, resolveTemplate(v, templates)])),
            },
            connections: connectionVariables(system, service, platform),
            appSecrets: [...service.secrets],
        },
        reaches: [...service.uses, ...service.mounts.map((m) => m.share).filter((s, i, all) => all.indexOf(s) === i)],
        afterMigrationsOf: migrationGates(system, service),
        writablePaths: writablePathsOf(service),
        rollout: planRollout(system, service, platform),
    });
}

/** The {@link ServiceContainer} fields of `service`, copied (absent optional fields stay absent). */
function containerOf(service: Service): ServiceContainer {
    return {
        image: service.image,
        ...(service.build ? { build: { ...service.build } } : {}),
        ...(service.description !== undefined ? { description: service.description } : {}),
        ...(service.port !== undefined ? { port: service.port } : {}),
        healthTool: service.healthTool,
        resources: { ...service.resources },
        uses: [...service.uses],
        ...(service.migrate ? { migrate: { command: [...service.migrate.command] } } : {}),
        mounts: service.mounts.map((m) => ({ ...m })),
        egress: { ...service.egress, ports: [...service.egress.ports] },
        runAsUser: service.runAsUser,
    };
}

/**
 * Redis's `maxmemory-policy` for a cache, one rule on every platform: a cache without persistence
 * evicts only keys that carry a TTL (`volatile-lru`: cache entries go, a Celery broker's queues and
 * other keys without one stay, and writes fail rather than lose them); a persistent cache (aof,
 * rdb) keeps every key (`noeviction`). https://redis.io/docs/latest/develop/reference/eviction/
 */
export function evictionPolicy(cache: Pick<Cache, "persistence">): "volatile-lru" | "noeviction" {
    return cache.persistence === "none" ? "volatile-lru" : "noeviction";
}
