/**
 * A whole system on the local Docker engine (the dev stack). Creates, in order of need:
 * networks → datastores (databases, caches, queues, object storage) → services → edge → backups,
 * each tier its own component (`tierform:docker:<Tier>`), all children of this one.
 *
 * Closed by default: only the edge publishes ports, on `edgeBindAddress` (127.0.0.1 by
 * default); datastores sit on an internal network; every password is generated and stays a
 * Pulumi secret, handed over as files (a service with credentials needs a `command`); every image is
 * pinned; every container runs as non-root with limits (but the one-shot steps that hand a
 * fresh volume to its non-root owner). `pulumi up` waits for each datastore to be healthy before
 * the services start; data volumes are `protect`ed where the profile asks (prod).
 */
import * as pulumi from "@pulumi/pulumi";
import { buildOrder, type ServicePlan, type SystemPlan } from "../../plan";
import { imageProblems } from "../shared/images";
import { resourceName } from "../shared/naming";
import type { DatastoreBinding, PlatformSystem, PlatformSystemArgs, SystemOutputs } from "../contract";
import { connectionValues, datastoreOutputs, readinessOf } from "../shared/binding";
import type { PlatformModule } from "../platform";
import { DockerBackup } from "./backup";
import { DockerBucket } from "./object-store";
import { DockerCache } from "./cache";
import { generatePassword, secretOf } from "./common";
import { DockerDatabase } from "./database";
import { DockerEdge } from "./edge";
import { DockerNetwork } from "./network";
import { DockerQueue } from "./queue";
import { provisionDocker, type DockerProvisionContext } from "./provisioners";
import { DockerFileShares, fileShareProblems, shareKey } from "./files";
import { DockerService, healthTools, serviceProblems, type ServiceStep } from "./service";
import type { PlatformSettings } from "../../plan";
import type { Problem } from "../../conventions/problems";
import { shiftsAtEdge } from "./rollout";

/**
 * Everything the Docker platform cannot build from a valid spec, one problem per spec path:
 * a service that gets credentials without a `command` (see `serviceProblems`).
 */
export function dockerProblems(plan: SystemPlan, settings?: PlatformSettings): Problem[] {
    return [
        ...Object.values(plan.services).flatMap((s) => serviceProblems(s)),
        ...fileShareProblems(plan),
        ...imageProblems(plan),
        // The plan would point every service's OTEL_* variables at a collector no container runs yet.
        ...(settings?.observability
            ? [
                  {
                      where: "tierform:observability",
                      message: "the dev observability profile's containers are not built yet (issue 23); leave it false",
                  },
              ]
            : []),
    ];
}

/** The system on Docker. `name` is the system's name; children are named `<name>-<part>`. */
export class DockerSystem extends pulumi.ComponentResource implements PlatformSystem {
    readonly outputs: SystemOutputs;
    readonly network: DockerNetwork;
    readonly databases: Record<string, DockerDatabase> = {};
    readonly caches: Record<string, DockerCache> = {};
    readonly queues: Record<string, DockerQueue> = {};
    /** The shared object store (SeaweedFS), when the system has buckets. */
    readonly objects?: DockerBucket;
    readonly services: Record<string, DockerService> = {};
    readonly edge: DockerEdge;
    readonly backups: Record<string, DockerBackup> = {};
    /** What each datastore gives the services that use it (components/contract.ts). */
    readonly bindings: Record<string, DatastoreBinding> = {};

    constructor(name: string, args: PlatformSystemArgs, opts?: pulumi.ComponentResourceOptions) {
        super("tierform:docker:System", name, {}, opts);
        const { settings, plan } = args;
        const child = { parent: this };

        // 1. Networks.
        this.network = new DockerNetwork(
            resourceName([name, "net"]),
            { system: plan, egress: Object.values(plan.services).some((s) => s.egress.internet) },
            child,
        );
        const data = this.network.data.name;

        // 2. Data tier: each datastore of the plan by its kind's provisioner, which returns its binding.
        const provisioning: DockerProvisionContext = { name, plan, network: data, opts: child };
        for (const d of Object.values(plan.datastores)) {
            const made = provisionDocker(d, provisioning);
            this.bindings[d.name] = made.binding;
            if (made.component instanceof DockerDatabase) this.databases[d.name] = made.component;
            else if (made.component instanceof DockerCache) this.caches[d.name] = made.component;
            else if (made.component instanceof DockerQueue) this.queues[d.name] = made.component;
        }
        this.objects = provisioning.objects;

        // 3. App tier. A secret name (e.g. SECRET_KEY) is one value across the system's services:
        // Django's web and Celery processes must agree on it.
        const secretValues: Record<string, pulumi.Output<string>> = {};
        for (const s of plan.appSecrets.names) {
            secretValues[s] = secretOf(
                generatePassword(resourceName([name, "secret", s.toLowerCase().replace(/_/g, "-")]), this, plan.appSecrets.length),
            );
        }
        // Shared file storage, one volume per share directory, owned before anything mounts it.
        const shares = Object.values(plan.services).some((s) => s.mounts.length > 0)
            ? new DockerFileShares(resourceName([name, "shares"]), { system: plan }, child)
            : undefined;
        // The `provided` health tool: one busybox volume for the system, when a service's HTTP check uses it.
        const usesProvidedTool = Object.values(plan.services).some(
            (p) => p.health.liveness?.type === "http" && p.health.liveness.tool === "provided",
        );
        const tools = usesProvidedTool ? healthTools(resourceName([name, "health-tools"]), plan, this) : undefined;
        // Services that migrate first: every service using a migrated database waits for that migration's exit 0.
        for (const service of buildOrder(plan)) {
            const wiring = this.wiring(service);
            const migrations = service.afterMigrationsOf.map((m) => ({
                role: `migrate-${m}`,
                step: this.services[m].migration!,
                what: `the migration of ${m} (${plan.services[m].migrate!.command.join(" ")}), which ${service.name} waits for`,
            }));
            this.services[service.name] = new DockerService(
                resourceName([name, service.name]),
                {
                    system: plan,
                    service,
                    networks: {
                        app: this.network.app.name,
                        ...(wiring.needsData ? { data } : {}),
                        ...(service.egress.internet && this.network.egress ? { egress: this.network.egress.name } : {}),
                    },
                    env: wiring.env,
                    secretEnv: wiring.secretEnv,
                    secretValues,
                    dependsOn: wiring.dependsOn,
                    after: [
                        ...wiring.after,
                        ...migrations,
                        ...service.mounts.map((m) => ({
                            role: "volume-init",
                            step: shares!.volumes[shareKey(m.share, m.subPath)].owner,
                            what: `handing the ${shareKey(m.share, m.subPath)} share to ${service.name}'s user`,
                        })),
                    ],
                    ...(tools ? { healthTools: tools } : {}),
                    colours: shiftsAtEdge(service.rollout),
                    mounts: service.mounts.map((m) => ({
                        volumeName: shares!.volumes[shareKey(m.share, m.subPath)].volumeName,
                        containerPath: m.path,
                    })),
                },
                child,
            );
        }

        // 4. Edge: one upstream per routed service, resolved at request time.
        const routed = [...new Set(plan.routes.map((r) => r.service))];
        const upstreams = routed.map((s) => {
            const svc = this.services[s];
            if (svc.port === undefined) throw new Error(`route to ${s}: only web services (with a port) can be routed`);
            // The service's name (or its colour's) on the app network answers with every running replica.
            return { name: s, servers: [svc.upstream] };
        });
        const rollouts = Object.fromEntries(
            routed.flatMap((s) => {
                const colour = this.services[s].colour;
                const rollout = plan.services[s].rollout;
                if (!colour) return [];
                return [[s, { colour, ...(rollout.strategy === "canary" ? { canarySteps: rollout.steps } : {}) }]];
            }),
        );
        this.edge = new DockerEdge(
            resourceName([name, "edge"]),
            {
                system: plan,
                networks: { edge: this.network.edge.name, app: this.network.app.name },
                upstreams,
                traffic: plan.traffic,
                bindAddress: settings.edgeBindAddress,
                httpPort: settings.edgeHttpPort,
                httpsPort: settings.edgeHttpsPort,
                upstreamContainers: routed.flatMap((s) => this.services[s].containers),
                rollouts,
            },
            child,
        );

        // 5. Backups, one container per database, as its plan's `backup` says.
        for (const db of Object.values(plan.datastores)) {
            if (db.kind !== "database") continue;
            const server = this.databases[db.name];
            this.backups[db.name] = new DockerBackup(
                resourceName([name, "backup", db.name]),
                {
                    system: plan,
                    database: db,
                    target: {
                        host: server.host,
                        port: server.port,
                        username: server.username,
                        password: server.password,
                        user: server.user,
                    },
                    network: data,
                    dependsOn: [server.container],
                },
                child,
            );
        }

        this.outputs = this.buildOutputs(plan, settings);
        this.registerOutputs({ publicUrl: this.outputs.publicUrl, services: this.outputs.services });
    }

    /**
     * What one service gets from the datastores it uses: the connection variables of its plan from
     * the bindings, the object store's endpoint and the service's own keys (Docker's object-store
     * binding), its network, and what to wait for.
     */
    private wiring(plan: ServicePlan) {
        const { environment: env, secrets: secretEnv } = connectionValues(plan, this.bindings);
        const dependsOn: pulumi.Resource[] = readinessOf(plan, this.bindings);
        const after: ServiceStep[] = [];
        if (this.objects && plan.variables.connections.some((v) => v.kind === "bucket")) {
            env.S3_ENDPOINT_URL = this.objects.endpointUrl;
            // The variable the AWS SDKs and CLI read themselves (as on Kubernetes): without it an
            // SDK that ignores S3_ENDPOINT_URL would go to AWS S3.
            env.AWS_ENDPOINT_URL_S3 = this.objects.endpointUrl;
            env.AWS_REGION = "us-east-1";
            // The service's own keys: Read/List/Write on the buckets it uses, nothing else.
            secretEnv.AWS_ACCESS_KEY_ID = this.objects.keys[plan.name].accessKey;
            secretEnv.AWS_SECRET_ACCESS_KEY = this.objects.keys[plan.name].secretKey;
            after.push({ role: "bucket-setup", step: this.objects.setup, what: "the bucket setup" });
        }
        // The spec's own env wins over a platform default of the same name (the loader refuses a
        // clash with a connection variable, so this is only S3_ENDPOINT_URL and the like).
        for (const k of Object.keys(plan.variables.plain)) {
            delete env[k];
            delete secretEnv[k];
        }
        return { env, secretEnv, dependsOn, after, needsData: dependsOn.length > 0 };
    }

    private buildOutputs(plan: SystemPlan, settings: PlatformSettings): SystemOutputs {
        const datastores = datastoreOutputs(this.bindings);
        return {
            publicUrl: this.edge.url,
            services: Object.fromEntries(Object.entries(this.services).map(([n, s]) => [n, s.address])),
            datastores,
            platform: {
                serverName: plan.edge.domain ?? "localhost",
                edgeBindAddress: settings.edgeBindAddress,
                networks: { edge: this.network.edge.name, app: this.network.app.name, data: this.network.data.name },
                ...(this.objects ? { objectStoreEndpoint: this.objects.endpointUrl } : {}),
                backups: Object.fromEntries(
                    Object.entries(this.backups).map(([n, b]) => [
                        n,
                        { schedules: b.schedules, retentionDays: b.retentionDays, volume: b.volume.name },
                    ]),
                ),
            },
        };
    }
}

/** The Docker platform: its system component and what it refuses (see components/index.ts). */
export const platform: PlatformModule = { System: DockerSystem, problems: (plan, settings) => dockerProblems(plan, settings) };
