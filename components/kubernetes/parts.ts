/**
 * The parts of a system on Kubernetes, in the order `KubernetesSystem` builds them in one loop over
 * the plan (issue 26): the operators, the namespace and its NetworkPolicies, the object store, each
 * datastore (by its kind's provisioner, provisioners.ts), the generated application secrets, the
 * file shares, each service (those that migrate first), the edge, the mesh where the stack turns it
 * on, each database's backup (and its restore test), the dashboards, and the monitoring objects
 * where the stack has the CRDs. A part's builder reads the plan entry it is given and what the parts
 * before it made ({@link KubernetesBuilt}); the registry {@link KUBERNETES_BUILDERS} is keyed by
 * {@link KubernetesPart}, so a part without a builder does not compile.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import {
    buildOrder,
    type BackupPlan,
    type DatastorePlan,
    type DatastorePlanOf,
    type PlatformSettings,
    type ServicePlan,
    type SystemPlan,
} from "../../plan";
import type { DatastoreBinding } from "../contract";
import { readinessOf } from "../shared/binding";
import { kubernetesLabels } from "../shared/naming";
import { namespaceOf, selectorOf, specsOf, type KubeContext } from "./context";
import { KubernetesBackup } from "./backup";
import { KubernetesDatabase } from "./database";
import { KubernetesEdge } from "./edge";
import { KubernetesFileShares } from "./files";
import { createMesh } from "./mesh";
import { KubernetesMonitoring } from "./monitoring";
import { KubernetesNamespace } from "./namespace";
import { systemFlows } from "./network";
import { KubernetesObjectStore } from "./object-store";
import { KubernetesDashboards } from "./observability";
import { ISTIO_CHARTS, KubernetesOperators } from "./operators";
import { provisionKubernetes, type KubernetesProvisionContext } from "./provisioners";
import { KubernetesRestoreTest } from "./restore-test";
import { checkedBy, runsOnArgo, secondService } from "./rollout";
import { createAppSecrets } from "./secrets";
import { KubernetesService } from "./service";

/** One part of the system, with the plan entry it is built from. */
export type KubernetesPart =
    | { part: "operators" }
    | { part: "namespace" }
    | { part: "object-store" }
    | { part: "datastore"; datastore: DatastorePlan }
    | { part: "app-secrets" }
    | { part: "file-shares" }
    | { part: "service"; service: ServicePlan }
    | { part: "edge" }
    | { part: "mesh" }
    | { part: "backup"; backup: BackupPlan; database: DatastorePlanOf<"database"> }
    | { part: "restore-test"; backup: BackupPlan; database: DatastorePlanOf<"database"> }
    | { part: "dashboards" }
    | { part: "monitoring" };

/** Whether `backup`'s restore test runs against a scratch copy (then the backup marks its dumps and a restore test is built). */
function restoresToScratch(backup: BackupPlan): boolean {
    return "checks" in backup.restoreTest.scratch;
}

/**
 * The parts of `plan` on Kubernetes in the order they are built, each after what it needs: the
 * operators first (what the datastores, services, edge, mesh and monitoring wait for); the
 * namespace before everything in it; the object store before the datastores (the buckets and the
 * databases' WAL archive live in it); the datastores, app secrets and file shares before the
 * services that use them; the services in {@link buildOrder} (a migration before what waits for
 * it); the edge and the mesh (with `settings.mesh`) after the services they reach; each database's
 * backup (and its restore test, where it restores to a scratch copy) after its database; the
 * dashboards; the monitoring objects (with `settings.monitoringCrds`) after the workloads they
 * watch. The object store and the file shares are components even when empty, so they are always
 * built.
 */
export function kubernetesParts(plan: SystemPlan, settings: Pick<PlatformSettings, "mesh" | "monitoringCrds">): KubernetesPart[] {
    return [
        { part: "operators" },
        { part: "namespace" },
        { part: "object-store" },
        ...Object.values(plan.datastores).map((datastore): KubernetesPart => ({ part: "datastore", datastore })),
        { part: "app-secrets" },
        { part: "file-shares" },
        ...buildOrder(plan).map((service): KubernetesPart => ({ part: "service", service })),
        { part: "edge" },
        ...(settings.mesh ? [{ part: "mesh" } as const] : []),
        ...plan.backups.flatMap((backup): KubernetesPart[] => {
            const database = plan.datastores[backup.database];
            if (database?.kind !== "database") return [];
            return [
                { part: "backup", backup, database },
                ...(restoresToScratch(backup) ? [{ part: "restore-test", backup, database } as const] : []),
            ];
        }),
        { part: "dashboards" },
        ...(settings.monitoringCrds ? [{ part: "monitoring" } as const] : []),
    ];
}

/** What the parts built so far made, and what every builder reads. */
export interface KubernetesBuilt {
    /** The system component's name: children are named `<name>-<part>`. */
    name: string;
    /** The system's plan. */
    plan: SystemPlan;
    /** The stack's settings (namespace, storage classes, mesh, monitoringCrds, ...). */
    settings: PlatformSettings;
    /** The system component, every part's parent. */
    parent: pulumi.ComponentResource;
    /** The explicit provider of `tierform:kubeconfig`, when one is set (the app secrets and the mesh take it as `provider`). */
    provider?: k8s.Provider;
    /** Options of every other child: the system as parent, the provider (when set) as `providers.kubernetes`. */
    child: pulumi.ComponentResourceOptions;
    /** The namespace's name as a string (`tierform:namespace`, or the system's name). */
    namespaceName: string;
    /** The cluster operators, once built (their releases are what other parts wait for). */
    operators?: KubernetesOperators;
    /** The namespace and its NetworkPolicies, once built. */
    namespace?: KubernetesNamespace;
    /** Where every tier inside the namespace is built, once the namespace is. */
    ctx?: KubeContext;
    /** The in-namespace object store, once built. */
    store?: KubernetesObjectStore;
    /** The datastores' provisioning context, made by the first datastore. */
    provisioning?: KubernetesProvisionContext;
    /** What each datastore gives the services that use it. @default {} */
    bindings: Record<string, DatastoreBinding>;
    /** The databases, by name (what the backups dump). @default {} */
    databases: Record<string, KubernetesDatabase>;
    /** The generated application secrets, which every service waits for. @default [] */
    appSecrets: pulumi.Resource[];
    /** The file shares' claims, once built. */
    shares?: KubernetesFileShares;
    /** The services, by name, in build order. @default {} */
    services: Record<string, KubernetesService>;
    /** Each service's Kubernetes Service, where it has one (what the edge, mesh and monitoring wait for). @default [] */
    workloads: pulumi.Resource[];
    /** The edge, once built. */
    edge?: KubernetesEdge;
    /** Each database's backup, by database name. @default {} */
    backups: Record<string, KubernetesBackup>;
}

/** Nothing built yet of `plan`'s system `name` under `parent`, with the stack's explicit `provider` (if any). */
export function nothingBuilt(
    name: string,
    plan: SystemPlan,
    settings: PlatformSettings,
    parent: pulumi.ComponentResource,
    provider: k8s.Provider | undefined,
): KubernetesBuilt {
    return {
        name,
        plan,
        settings,
        parent,
        provider,
        child: { parent, ...(provider ? { providers: { kubernetes: provider } } : {}) },
        namespaceName: namespaceOf(plan, settings),
        bindings: {},
        databases: {},
        appSecrets: [],
        services: {},
        workloads: [],
        backups: {},
    };
}

/** Builds part `P` into `built`. */
export type KubernetesBuilder<P extends KubernetesPart["part"]> = (
    part: Extract<KubernetesPart, { part: P }>,
    built: KubernetesBuilt,
) => void;

/** The operators of `built`, which the first part makes. */
function operatorsOf(built: KubernetesBuilt): KubernetesOperators {
    if (!built.operators) throw new Error("the operators are built first (kubernetesParts)");
    return built.operators;
}

/** The context of `built`, which the namespace part makes. */
function ctxOf(built: KubernetesBuilt): KubeContext {
    if (!built.ctx) throw new Error("the namespace is built before the tiers in it (kubernetesParts)");
    return built.ctx;
}

/** The port of each web service of `plan`, by name. */
function servicePortsOf(plan: SystemPlan): Record<string, number> {
    return Object.fromEntries(
        Object.values(plan.services)
            .filter((s) => s.port !== undefined)
            .map((s) => [s.name, s.port!]),
    );
}

/** Every part's builder (see the module doc). */
export const KUBERNETES_BUILDERS: { readonly [P in KubernetesPart["part"]]: KubernetesBuilder<P> } = {
    // The cluster operators the stack installs (or expects).
    operators: (_part, built) => {
        built.operators = new KubernetesOperators(`${built.name}-operators`, { system: built.plan, settings: built.settings }, built.child);
    },
    // The namespace and its NetworkPolicies (the system's flows); every tier after it is built in it.
    namespace: (_part, built) => {
        const { plan, settings, namespaceName } = built;
        built.namespace = new KubernetesNamespace(
            `${built.name}-namespace`,
            { system: plan, settings, name: namespaceName, flows: systemFlows(plan, settings) },
            built.child,
        );
        built.ctx = { system: plan, settings, namespaceName, namespace: built.namespace.name };
    },
    // The object store: the buckets and the databases' WAL archive live in it.
    "object-store": (_part, built) => {
        built.store = new KubernetesObjectStore(
            `${built.name}-object-store`,
            { ctx: ctxOf(built), buckets: specsOf(built.plan, "bucket") },
            built.child,
        );
    },
    // A datastore by its kind's provisioner, which returns its binding (components/contract.ts).
    datastore: ({ datastore: d }, built) => {
        if (!built.store) throw new Error("the object store is built before the datastores (kubernetesParts)");
        built.provisioning ??= {
            name: built.name,
            ctx: ctxOf(built),
            store: built.store,
            operators: operatorsOf(built).releases("cnpg", "barmanCloud"),
            opts: built.child,
        };
        const made = provisionKubernetes(d, built.provisioning);
        built.bindings[d.name] = made.binding;
        if (made.component instanceof KubernetesDatabase) built.databases[d.name] = made.component;
    },
    // Generated application secrets: one value per name, shared by every service listing it
    // (MDC's backend, worker and beat must agree on SECRET_KEY).
    "app-secrets": (_part, built) => {
        built.appSecrets = createAppSecrets(ctxOf(built), built.plan.appSecrets, { parent: built.parent, provider: built.provider });
    },
    // Shared files, one claim per share (before the services that mount them).
    "file-shares": (_part, built) => {
        built.shares = new KubernetesFileShares(`${built.name}-files`, { ctx: ctxOf(built) }, built.child);
    },
    // A service: every service using a migrated database waits for that migration Job.
    service: ({ service }, built) => {
        const operators = operatorsOf(built);
        const s = new KubernetesService(
            `${built.name}-svc-${service.name}`,
            {
                ctx: ctxOf(built),
                plan: service,
                bindings: built.bindings,
                dependsOn: [
                    ...built.appSecrets,
                    ...readinessOf(service, built.bindings),
                    ...service.mounts.map((m) => built.shares!.claims[m.share]),
                    ...service.afterMigrationsOf.map((m) => built.services[m].migration!),
                ],
                autoscalerDependsOn: operators.releases("keda"),
                rolloutDependsOn: operators.releases("argoRollouts"),
            },
            built.child,
        );
        built.services[service.name] = s;
        if (s.service) built.workloads.push(s.service);
    },
    // The edge: one route per routed service, the canaries' second Services and the blue-green previews.
    edge: (_part, built) => {
        const { plan } = built;
        const servicePorts = servicePortsOf(plan);
        built.edge = new KubernetesEdge(
            `${built.name}-edge`,
            {
                ctx: ctxOf(built),
                servicePorts,
                canaryServices: Object.fromEntries(
                    Object.values(plan.services)
                        .filter((s) => runsOnArgo(s.rollout) && s.rollout.strategy === "canary")
                        .map((s) => [s.name, secondService(s.rollout)]),
                ),
                previews: Object.values(plan.services).flatMap((s) =>
                    s.rollout.schedule.argo?.preview && servicePorts[s.name] !== undefined
                        ? [
                              {
                                  service: s.name,
                                  previewService: secondService(s.rollout),
                                  port: servicePorts[s.name],
                                  plan: s.rollout.schedule.argo.preview,
                              },
                          ]
                        : [],
                ),
                dependsOn: [...operatorsOf(built).releases("envoyGateway", "certManager"), ...built.workloads],
                traffic: plan.traffic,
            },
            built.child,
        );
    },
    // The mesh (mesh.ts): STRICT mutual TLS and who may call each service, from the plan's routes.
    mesh: (_part, built) => {
        const { plan, settings } = built;
        const ctx = ctxOf(built);
        const operators = operatorsOf(built);
        const servicePorts = servicePortsOf(plan);
        const routed = new Set(plan.routes.map((r) => r.service));
        createMesh(
            ctx,
            {
                services: Object.values(plan.services).map((s) => ({
                    name: s.name,
                    selector: selectorOf(plan, s.name),
                    ...(routed.has(s.name) && servicePorts[s.name] !== undefined ? { routedPort: servicePorts[s.name] } : {}),
                    ...checkedBy(ctx, s.rollout),
                })),
                scrapedByPrometheus: settings.monitoringCrds,
                dependsOn: [...operators.releases(...ISTIO_CHARTS), ...built.workloads],
                monitorDependsOn: operators.releases("kubePrometheusStack", ...ISTIO_CHARTS),
            },
            { parent: built.parent, provider: built.provider },
        );
    },
    // A database's dumps, as its plan's backup says (marked where a restore test restores them to a scratch copy).
    backup: ({ backup, database }, built) => {
        const db = database.spec;
        const server = built.databases[db.name];
        built.backups[db.name] = new KubernetesBackup(
            `${built.name}-backup-${db.name}`,
            {
                ctx: ctxOf(built),
                database: db,
                credentials: server.backupCredentials,
                marker: restoresToScratch(backup),
                dependsOn: server.connection.ready,
            },
            built.child,
        );
    },
    // The restore test of a database's dumps, into a scratch copy.
    "restore-test": ({ backup, database }, built) => {
        const db = database.spec;
        new KubernetesRestoreTest(
            `${built.name}-restore-test-${db.name}`,
            { ctx: ctxOf(built), backup, datastore: database, dependsOn: [built.backups[db.name]] },
            built.child,
        );
    },
    // The dashboard (Grafana's sidecar provisions it).
    dashboards: (_part, built) => {
        const { plan } = built;
        new KubernetesDashboards(
            `${built.name}-dashboards`,
            {
                plan,
                namespace: ctxOf(built).namespace,
                namespaceName: built.namespaceName,
                labels: kubernetesLabels(plan, "dashboard", "monitoring"),
            },
            built.child,
        );
    },
    // The ServiceMonitors and PrometheusRules of the workloads.
    monitoring: (_part, built) => {
        new KubernetesMonitoring(
            `${built.name}-monitoring`,
            { ctx: ctxOf(built), plan: built.plan, dependsOn: [...operatorsOf(built).releases("kubePrometheusStack"), ...built.workloads] },
            built.child,
        );
    },
};

/** Build `part` into `built` with its builder. */
export function buildPart(part: KubernetesPart, built: KubernetesBuilt): void {
    const builder = KUBERNETES_BUILDERS[part.part] as (p: KubernetesPart, b: KubernetesBuilt) => void;
    builder(part, built);
}
