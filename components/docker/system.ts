/**
 * A whole system on the local Docker engine (the dev stack). Creates, in order of need, in one loop
 * over the plan's parts (parts.ts `dockerParts`): networks → datastores (databases, caches, queues,
 * object storage) → app secrets, file shares, health tools → services → edge → backups, each tier
 * its own component (`tierform:docker:<Tier>`), all children of this one.
 *
 * Closed by default: only the edge publishes ports, on `edgeBindAddress` (127.0.0.1 by
 * default); datastores sit on an internal network; every password is generated and stays a
 * Pulumi secret, handed over as files (a service with credentials needs a `command`); every image is
 * pinned; every container runs as non-root with limits (but the one-shot steps that hand a
 * fresh volume to its non-root owner). `pulumi up` waits for each datastore to be healthy before
 * the services start; data volumes are `protect`ed where the profile asks (prod).
 */
import * as pulumi from "@pulumi/pulumi";
import { canonicalHost, type PlatformSettings, type SystemPlan } from "../../plan";
import { imageProblems } from "../shared/images";
import type { DatastoreBinding, PlatformSystem, PlatformSystemArgs, SystemOutputs } from "../contract";
import { datastoreOutputs } from "../shared/binding";
import type { PlatformModule } from "../platform";
import type { DockerBackup } from "./backup";
import type { DockerBucket } from "./object-store";
import type { DockerCache } from "./cache";
import type { DockerDatabase } from "./database";
import type { DockerEdge } from "./edge";
import type { DockerNetwork } from "./network";
import type { DockerQueue } from "./queue";
import { fileShareProblems } from "./files";
import { buildPart, dockerParts, nothingBuilt } from "./parts";
import { dockerLogging, logsTo, type DockerObservability } from "./observability";
import { serviceProblems, type DockerService } from "./service";
import type { Problem } from "../../conventions/problems";

/**
 * Everything the Docker platform cannot build from a valid spec, one problem per spec path:
 * a service that gets credentials without a `command` (see `serviceProblems`).
 */
export function dockerProblems(plan: SystemPlan, settings?: PlatformSettings): Problem[] {
    return [
        ...Object.values(plan.services).flatMap((s) => serviceProblems(s)),
        ...fileShareProblems(plan),
        ...imageProblems(plan),
        ...(settings?.observability && settings.grafanaPort === settings.logForwardPort
            ? [
                  {
                      where: "tierform:grafanaPort",
                      message: `Grafana and the log forward port cannot share host port ${settings.grafanaPort}`,
                  },
              ]
            : []),
    ];
}

/** The system on Docker. `name` is the system's name; children are named `<name>-<part>`. */
export class DockerSystem extends pulumi.ComponentResource implements PlatformSystem {
    readonly outputs: SystemOutputs;
    readonly network: DockerNetwork;
    readonly databases: Record<string, DockerDatabase>;
    readonly caches: Record<string, DockerCache>;
    readonly queues: Record<string, DockerQueue>;
    /** The shared object store (SeaweedFS), when the system has buckets. */
    readonly objects?: DockerBucket;
    readonly services: Record<string, DockerService>;
    readonly edge: DockerEdge;
    readonly backups: Record<string, DockerBackup>;
    /** The observability profile's collector, stores and Grafana, when `tierform:observability` is on. */
    readonly observability?: DockerObservability;
    /** What each datastore gives the services that use it (components/contract.ts). */
    readonly bindings: Record<string, DatastoreBinding>;

    constructor(name: string, args: PlatformSystemArgs, opts?: pulumi.ComponentResourceOptions) {
        // With the observability profile every long-running container of the system logs to its collector (observability.ts logsTo).
        const logging = args.plan.observability.pipeline ? [logsTo(dockerLogging(args.settings.logForwardPort))] : [];
        super("tierform:docker:System", name, {}, { ...opts, transformations: [...(opts?.transformations ?? []), ...logging] });
        const { settings, plan } = args;
        // Networks, datastores, app secrets, shares, health tools, services, edge, backups: parts.ts.
        const built = nothingBuilt(name, plan, settings, this);
        for (const part of dockerParts(plan)) buildPart(part, built);

        this.network = built.network!;
        this.bindings = built.bindings;
        this.databases = built.databases;
        this.caches = built.caches;
        this.queues = built.queues;
        this.objects = built.provisioning?.objects;
        this.services = built.services;
        this.edge = built.edge!;
        this.backups = built.backups;
        this.observability = built.observability;
        this.outputs = this.buildOutputs(plan, settings);
        this.registerOutputs({ publicUrl: this.outputs.publicUrl, services: this.outputs.services });
    }

    private buildOutputs(plan: SystemPlan, settings: PlatformSettings): SystemOutputs {
        const datastores = datastoreOutputs(this.bindings);
        return {
            publicUrl: this.edge.url,
            services: Object.fromEntries(Object.entries(this.services).map(([n, s]) => [n, s.address])),
            datastores,
            platform: {
                serverName: canonicalHost(plan),
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

/** The Docker platform: its system component and what it refuses (see deploy.ts). */
export const platform: PlatformModule = { System: DockerSystem, problems: (plan, settings) => dockerProblems(plan, settings) };
