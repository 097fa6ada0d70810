/**
 * The parts of a system on Docker, in the order `DockerSystem` builds them in one loop over the
 * plan (issue 26): the networks, each datastore (by its kind's provisioner, provisioners.ts), the
 * generated application secrets, the file shares and the health-tools volume where services need
 * them, the observability profile where the stack turns it on, each service (those that migrate first), the edge, and each database's backup. A part's
 * builder reads the plan entry it is given and what the parts before it made ({@link DockerBuilt});
 * the registry {@link DOCKER_BUILDERS} is keyed by {@link DockerPart}, so a part without a builder
 * does not compile.
 */
import type * as pulumi from "@pulumi/pulumi";
import { buildOrder, type DatastorePlan, type DatastorePlanOf, type PlatformSettings, type ServicePlan, type SystemPlan } from "../../plan";
import { resourceName } from "../shared/naming";
import type { DatastoreBinding } from "../contract";
import { connectionValues, readinessOf } from "../shared/binding";
import { DockerBackup } from "./backup";
import { DockerCache } from "./cache";
import { generatePassword, secretOf } from "./common";
import { DockerDatabase } from "./database";
import { DockerEdge } from "./edge";
import { DockerFileShares, shareKey } from "./files";
import { DockerNetwork } from "./network";
import { DockerObservability } from "./observability";
import { provisionDocker, type DockerProvisionContext } from "./provisioners";
import { DockerQueue } from "./queue";
import { shiftsAtEdge } from "./rollout";
import { DockerService, healthTools, type HealthTools, type ServiceStep } from "./service";

/** One part of the system, with the plan entry it is built from. */
export type DockerPart =
    | { part: "network" }
    | { part: "datastore"; datastore: DatastorePlan }
    | { part: "app-secrets" }
    | { part: "file-shares" }
    | { part: "health-tools" }
    | { part: "observability" }
    | { part: "service"; service: ServicePlan }
    | { part: "edge" }
    | { part: "backup"; database: DatastorePlanOf<"database"> };

/**
 * The parts of `plan` on Docker in the order they are built, each after what it needs: the networks
 * first; the datastores before the services that use them; the shares and the health-tools volume
 * only where a service mounts a share or checks its health with the `provided` tool; the services in
 * {@link buildOrder} (a migration before what waits for it); the edge after the services it routes
 * to; the backups after their databases.
 */
export function dockerParts(plan: SystemPlan): DockerPart[] {
    const services = Object.values(plan.services);
    const providedTool = (s: ServicePlan) => s.health.liveness?.type === "http" && s.health.liveness.tool === "provided";
    return [
        { part: "network" },
        ...Object.values(plan.datastores).map((datastore): DockerPart => ({ part: "datastore", datastore })),
        { part: "app-secrets" },
        ...(services.some((s) => s.mounts.length > 0) ? [{ part: "file-shares" } as const] : []),
        ...(services.some(providedTool) || plan.observability.pipeline ? [{ part: "health-tools" } as const] : []),
        ...(plan.observability.pipeline ? [{ part: "observability" } as const] : []),
        ...buildOrder(plan).map((service): DockerPart => ({ part: "service", service })),
        { part: "edge" },
        ...Object.values(plan.datastores).flatMap((d): DockerPart[] => (d.kind === "database" ? [{ part: "backup", database: d }] : [])),
    ];
}

/** What the parts built so far made, and what every builder reads. */
export interface DockerBuilt {
    /** The system component's name: children are named `<name>-<part>`. */
    name: string;
    /** The system's plan. */
    plan: SystemPlan;
    /** The stack's settings (the edge's address and ports). */
    settings: PlatformSettings;
    /** The system component, every part's parent. */
    parent: pulumi.ComponentResource;
    /** The networks, once built. */
    network?: DockerNetwork;
    /** The datastores' provisioning context (its `objects`: the shared object store, once a bucket made it). */
    provisioning?: DockerProvisionContext;
    /** What each datastore gives the services that use it. */
    bindings: Record<string, DatastoreBinding>;
    databases: Record<string, DockerDatabase>;
    caches: Record<string, DockerCache>;
    queues: Record<string, DockerQueue>;
    /** One generated value per application secret name, shared by the services listing it. */
    secretValues: Record<string, pulumi.Output<string>>;
    /** The file shares' volumes, when a service mounts one. */
    shares?: DockerFileShares;
    /** The `provided` health tool's volume, when a service's HTTP check uses it or the observability profile is on. */
    tools?: HealthTools;
    /** The observability profile's parts, when `tierform:observability` is on. */
    observability?: DockerObservability;
    services: Record<string, DockerService>;
    /** The edge, once built. */
    edge?: DockerEdge;
    backups: Record<string, DockerBackup>;
}

/** Nothing built yet of `plan`'s system `name`, under `parent`. */
export function nothingBuilt(name: string, plan: SystemPlan, settings: PlatformSettings, parent: pulumi.ComponentResource): DockerBuilt {
    return {
        name,
        plan,
        settings,
        parent,
        bindings: {},
        databases: {},
        caches: {},
        queues: {},
        secretValues: {},
        services: {},
        backups: {},
    };
}

/** Builds part `P` into `built`. */
export type DockerBuilder<P extends DockerPart["part"]> = (part: Extract<DockerPart, { part: P }>, built: DockerBuilt) => void;

/** The networks of `built`, which the first part makes. */
function networkOf(built: DockerBuilt): DockerNetwork {
    if (!built.network) throw new Error("the networks are built first (dockerParts)");
    return built.network;
}

/** Every part's builder (see the module doc). */
export const DOCKER_BUILDERS: { readonly [P in DockerPart["part"]]: DockerBuilder<P> } = {
    // The edge, app and data networks (network.ts); the egress network where a service opts into the internet.
    network: (_part, built) => {
        built.network = new DockerNetwork(
            resourceName([built.name, "net"]),
            { system: built.plan, egress: Object.values(built.plan.services).some((s) => s.egress.internet) },
            { parent: built.parent },
        );
    },
    // A datastore by its kind's provisioner, which returns its binding.
    datastore: ({ datastore: d }, built) => {
        built.provisioning ??= { name: built.name, plan: built.plan, network: networkOf(built).data.name, opts: { parent: built.parent } };
        const made = provisionDocker(d, built.provisioning);
        built.bindings[d.name] = made.binding;
        if (made.component instanceof DockerDatabase) built.databases[d.name] = made.component;
        else if (made.component instanceof DockerCache) built.caches[d.name] = made.component;
        else if (made.component instanceof DockerQueue) built.queues[d.name] = made.component;
    },
    // A secret name (e.g. SECRET_KEY) is one value across the system's services: Django's web and Celery processes must agree on it.
    "app-secrets": (_part, built) => {
        const { names, length } = built.plan.appSecrets;
        for (const s of names) {
            const id = resourceName([built.name, "secret", s.toLowerCase().replace(/_/g, "-")]);
            built.secretValues[s] = secretOf(generatePassword(id, built.parent, length));
        }
    },
    // Shared file storage, one volume per share directory, owned before anything mounts it.
    "file-shares": (_part, built) => {
        built.shares = new DockerFileShares(resourceName([built.name, "shares"]), { system: built.plan }, { parent: built.parent });
    },
    // The `provided` health tool: one busybox volume for the system.
    "health-tools": (_part, built) => {
        built.tools = healthTools(resourceName([built.name, "health-tools"]), built.plan, built.parent);
    },
    // The observability profile (tierform:observability): the collector, Loki, Tempo and Grafana (observability.ts).
    observability: (_part, built) => {
        if (!built.tools) throw new Error("the health tools are built before the observability profile (dockerParts)");
        built.observability = new DockerObservability(
            resourceName([built.name, "observability"]),
            {
                plan: built.plan,
                grafanaPort: built.settings.grafanaPort,
                forwardPort: built.settings.logForwardPort,
                healthTools: built.tools,
            },
            { parent: built.parent },
        );
    },
    // A service: every service using a migrated database waits for that migration's exit 0.
    service: ({ service }, built) => {
        const network = networkOf(built);
        const wiring = serviceWiring(service, built);
        const migrations = service.afterMigrationsOf.map((m) => ({
            role: `migrate-${m}`,
            step: built.services[m].migration!,
            what: `the migration of ${m} (${built.plan.services[m].migrate!.command.join(" ")}), which ${service.name} waits for`,
        }));
        const share = (m: ServicePlan["mounts"][number]) => built.shares!.volumes[shareKey(m.share, m.subPath)];
        built.services[service.name] = new DockerService(
            resourceName([built.name, service.name]),
            {
                system: built.plan,
                service,
                networks: {
                    app: network.app.name,
                    ...(wiring.needsData ? { data: network.data.name } : {}),
                    ...(service.egress.internet && network.egress ? { egress: network.egress.name } : {}),
                    ...(built.observability ? { telemetry: built.observability.telemetry.name } : {}),
                },
                env: wiring.env,
                secretEnv: wiring.secretEnv,
                secretValues: built.secretValues,
                dependsOn: wiring.dependsOn,
                after: [
                    ...wiring.after,
                    ...migrations,
                    ...service.mounts.map((m) => ({
                        role: "volume-init",
                        step: share(m).owner,
                        what: `handing the ${shareKey(m.share, m.subPath)} share to ${service.name}'s user`,
                    })),
                ],
                ...(built.tools ? { healthTools: built.tools } : {}),
                colours: shiftsAtEdge(service.rollout),
                mounts: service.mounts.map((m) => ({ volumeName: share(m).volumeName, containerPath: m.path })),
            },
            { parent: built.parent },
        );
    },
    // The edge: one upstream per routed service, resolved at request time.
    edge: (_part, built) => {
        const { plan, settings, services } = built;
        const network = networkOf(built);
        const routed = [...new Set(plan.routes.map((r) => r.service))];
        const upstreams = routed.map((s) => {
            const svc = services[s];
            if (svc.port === undefined) throw new Error(`route to ${s}: only web services (with a port) can be routed`);
            // The service's name (or its colour's) on the app network answers with every running replica.
            return { name: s, servers: [svc.upstream] };
        });
        const rollouts = Object.fromEntries(
            routed.flatMap((s) => {
                const colour = services[s].colour;
                const rollout = plan.services[s].rollout;
                if (!colour) return [];
                return [[s, { colour, ...(rollout.strategy === "canary" ? { canarySteps: rollout.steps } : {}) }]];
            }),
        );
        built.edge = new DockerEdge(
            resourceName([built.name, "edge"]),
            {
                system: plan,
                networks: { edge: network.edge.name, app: network.app.name },
                upstreams,
                traffic: plan.traffic,
                bindAddress: settings.edgeBindAddress,
                httpPort: settings.edgeHttpPort,
                httpsPort: settings.edgeHttpsPort,
                upstreamContainers: routed.flatMap((s) => services[s].containers),
                rollouts,
            },
            { parent: built.parent },
        );
    },
    // A database's backup container, as its plan's `backup` says, dumping the database's server as its user.
    backup: ({ database: db }, built) => {
        const server = built.databases[db.name];
        built.backups[db.name] = new DockerBackup(
            resourceName([built.name, "backup", db.name]),
            {
                system: built.plan,
                database: db,
                target: { host: server.host, port: server.port, username: server.username, password: server.password, user: server.user },
                network: networkOf(built).data.name,
                dependsOn: [server.container],
            },
            { parent: built.parent },
        );
    },
};

/** Build `part` into `built` with its builder. */
export function buildPart(part: DockerPart, built: DockerBuilt): void {
    const builder = DOCKER_BUILDERS[part.part] as (p: DockerPart, b: DockerBuilt) => void;
    builder(part, built);
}

/**
 * What one service gets from the datastores it uses: the connection variables of its plan from
 * the bindings, the object store's endpoint and the service's own keys (Docker's object-store
 * binding), its network, and what to wait for.
 */
function serviceWiring(plan: ServicePlan, built: DockerBuilt) {
    const { environment: env, secrets: secretEnv } = connectionValues(plan, built.bindings);
    const dependsOn: pulumi.Resource[] = readinessOf(plan, built.bindings);
    const after: ServiceStep[] = [];
    const objects = built.provisioning?.objects;
    if (objects && plan.variables.connections.some((v) => v.kind === "bucket")) {
        env.S3_ENDPOINT_URL = objects.endpointUrl;
        // The variable the AWS SDKs and CLI read themselves (as on Kubernetes): without it an
        // SDK that ignores S3_ENDPOINT_URL would go to AWS S3.
        env.AWS_ENDPOINT_URL_S3 = objects.endpointUrl;
        env.AWS_REGION = "us-east-1";
        // The service's own keys: Read/List/Write on the buckets it uses, nothing else.
        secretEnv.AWS_ACCESS_KEY_ID = objects.keys[plan.name].accessKey;
        secretEnv.AWS_SECRET_ACCESS_KEY = objects.keys[plan.name].secretKey;
        after.push({ role: "bucket-setup", step: objects.setup, what: "the bucket setup" });
    }
    // The spec's own env wins over a platform default of the same name (the loader refuses a
    // clash with a connection variable, so this is only S3_ENDPOINT_URL and the like).
    for (const k of Object.keys(plan.variables.plain)) {
        delete env[k];
        delete secretEnv[k];
    }
    return { env, secretEnv, dependsOn, after, needsData: dependsOn.length > 0 };
}
