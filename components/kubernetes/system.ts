/**
 * The whole system on Kubernetes (the staging platform): one ComponentResource that builds, in
 * order of need, operators (optional) → namespace and NetworkPolicies → data tier (databases,
 * caches, queues, object storage) → app secrets and services → edge → backups → monitoring, on
 * the cluster of `tierform:kubeconfig` (path or contents) or the current kubeconfig context.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { DatastoreBinding, PlatformSystem, PlatformSystemArgs, SystemOutputs } from "../contract";
import { datastoreOutputs, readinessOf } from "../shared/binding";
import { buildOrder, type SystemPlan } from "../../plan";
import type { PlatformModule } from "../platform";
import { CNPG_POSTGRES_IMAGES, imageProblems } from "../shared/images";
import { kubernetesLabels } from "../shared/naming";
import { namespaceOf, selectorOf, specsOf, type KubeContext } from "./context";
import { KubernetesBackup } from "./backup";
import { KubernetesRestoreTest } from "./restore-test";
import { KubernetesObjectStore } from "./object-store";
import { KubernetesDatabase } from "./database";
import { edgeProblems, KubernetesEdge } from "./edge";
import { KubernetesFileShares, sharedStorageProblems } from "./files";
import { KubernetesMonitoring } from "./monitoring";
import { KubernetesDashboards } from "./observability";
import { KubernetesNamespace } from "./namespace";
import { systemFlows } from "./network";
import { createMesh } from "./mesh";
import { ISTIO_CHARTS, KubernetesOperators } from "./operators";
import { provisionKubernetes, type KubernetesProvisionContext } from "./provisioners";
import { createAppSecrets } from "./secrets";
import { KubernetesService } from "./service";
import { checkedBy, runsOnArgo, secondService } from "./rollout";
import type { PlatformSettings } from "../../plan";
import type { Problem } from "../../conventions/problems";

/** Everything the Kubernetes platform cannot build from a valid spec, one problem per spec path or config key. */
export function kubernetesProblems(system: SystemPlan, settings: PlatformSettings): Problem[] {
    return [
        ...edgeProblems(system, settings),
        ...sharedStorageProblems(system, settings),
        ...imageProblems(system),
        ...postgresImageProblems(system),
    ];
}

/** A PostgreSQL version without a CloudNativePG operand image, named by its spec path. */
function postgresImageProblems(system: Pick<SystemPlan, "datastores">): Problem[] {
    return specsOf(system, "database")
        .filter((d) => d.engine === "postgres" && !CNPG_POSTGRES_IMAGES[d.version.split(".")[0]])
        .map((d) => ({
            where: `databases.${d.name}.version`,
            message: `no CloudNativePG image for postgres ${d.version}; known: ${Object.keys(CNPG_POSTGRES_IMAGES).join(", ")}`,
        }));
}

/** Every service on Kubernetes, wired: see the module doc. Type token `tierform:kubernetes:System`. */
export class KubernetesSystem extends pulumi.ComponentResource implements PlatformSystem {
    readonly outputs: SystemOutputs;

    constructor(name: string, args: PlatformSystemArgs, opts?: pulumi.ComponentResourceOptions) {
        super("tierform:kubernetes:System", name, {}, opts);
        const { settings, plan } = args;
        const namespaceName = namespaceOf(plan, settings);
        // An explicit provider when a kubeconfig is configured; children inherit it from their parent.
        // The kubeconfig holds cluster credentials: a Pulumi secret, so state and `--json` show "[secret]".
        const provider = settings.kubeconfig
            ? new k8s.Provider(`${name}-k8s`, { kubeconfig: pulumi.secret(settings.kubeconfig) }, { parent: this })
            : undefined;
        const child: pulumi.ComponentResourceOptions = { parent: this, ...(provider ? { providers: { kubernetes: provider } } : {}) };

        const operators = new KubernetesOperators(`${name}-operators`, { system: plan, settings }, child);
        const ns = new KubernetesNamespace(
            `${name}-namespace`,
            { system: plan, settings, name: namespaceName, flows: systemFlows(plan, settings) },
            child,
        );
        const ctx: KubeContext = { system: plan, settings, namespaceName, namespace: ns.name };

        // Data tier: each datastore of the plan by its kind's provisioner, which returns its binding
        // (components/contract.ts). The object store comes first: the buckets and the databases' WAL archive live in it.
        const store = new KubernetesObjectStore(`${name}-object-store`, { ctx, buckets: specsOf(plan, "bucket") }, child);
        const provisioning: KubernetesProvisionContext = {
            name,
            ctx,
            store,
            operators: operators.releases("cnpg", "barmanCloud"),
            opts: child,
        };
        const databases: Record<string, KubernetesDatabase> = {};
        const bindings: Record<string, DatastoreBinding> = {};
        for (const d of Object.values(plan.datastores)) {
            const made = provisionKubernetes(d, provisioning);
            bindings[d.name] = made.binding;
            if (made.component instanceof KubernetesDatabase) databases[d.name] = made.component;
        }

        // Generated application secrets: one value per name, shared by every service listing it
        // (MDC's backend, worker and beat must agree on SECRET_KEY).
        const appSecretDeps = createAppSecrets(ctx, plan.appSecrets, { parent: this, provider });

        // Shared files (before the services that mount them).
        const shares = new KubernetesFileShares(`${name}-files`, { ctx }, child);

        // App tier.
        const services: Record<string, string> = {};
        const workloads: pulumi.Resource[] = [];
        const built: Record<string, KubernetesService> = {};
        // Services that migrate first: every service using a migrated database waits for that migration Job.
        for (const service of buildOrder(plan)) {
            const s = new KubernetesService(
                `${name}-svc-${service.name}`,
                {
                    ctx,
                    plan: service,
                    bindings,
                    dependsOn: [
                        ...appSecretDeps,
                        ...readinessOf(service, bindings),
                        ...service.mounts.map((m) => shares.claims[m.share]),
                        ...service.afterMigrationsOf.map((m) => built[m].migration!),
                    ],
                    autoscalerDependsOn: operators.releases("keda"),
                    rolloutDependsOn: operators.releases("argoRollouts"),
                },
                child,
            );
            built[service.name] = s;
            services[service.name] = s.address;
            if (s.service) workloads.push(s.service);
        }

        // Edge.
        const servicePorts = Object.fromEntries(
            Object.values(plan.services)
                .filter((s) => s.port !== undefined)
                .map((s) => [s.name, s.port!]),
        );
        const edge = new KubernetesEdge(
            `${name}-edge`,
            {
                ctx,
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
                dependsOn: [...operators.releases("envoyGateway", "certManager"), ...workloads],
                traffic: plan.traffic,
            },
            child,
        );

        // The mesh (mesh.ts): STRICT mutual TLS and who may call each service, from the plan's routes.
        if (settings.mesh) {
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
                    dependsOn: [...operators.releases(...ISTIO_CHARTS), ...workloads],
                    monitorDependsOn: operators.releases("kubePrometheusStack", ...ISTIO_CHARTS),
                },
                { parent: this, provider },
            );
        }

        // Backups, as the plan's backups say.
        for (const backup of plan.backups) {
            const datastore = plan.datastores[backup.database];
            if (datastore.kind !== "database") continue;
            const db = datastore.spec;
            const scratch = "checks" in backup.restoreTest.scratch;
            const dumps = new KubernetesBackup(
                `${name}-backup-${db.name}`,
                {
                    ctx,
                    database: db,
                    credentials: databases[db.name].backupCredentials,
                    marker: scratch,
                    dependsOn: databases[db.name].connection.ready,
                },
                child,
            );
            if (scratch)
                new KubernetesRestoreTest(`${name}-restore-test-${db.name}`, { ctx, backup, datastore, dependsOn: [dumps] }, child);
        }

        // The dashboard (Grafana's sidecar provisions it), then monitoring.
        new KubernetesDashboards(
            `${name}-dashboards`,
            { plan, namespace: ns.name, namespaceName, labels: kubernetesLabels(plan, "dashboard", "monitoring") },
            child,
        );
        if (settings.monitoringCrds)
            new KubernetesMonitoring(
                `${name}-monitoring`,
                { ctx, plan, dependsOn: [...operators.releases("kubePrometheusStack"), ...workloads] },
                child,
            );

        this.outputs = {
            publicUrl: edge.publicUrl,
            services,
            datastores: datastoreOutputs(bindings),
            platform: { namespace: ns.name, labels: kubernetesLabels(plan, plan.name, "network") },
        };
        this.registerOutputs({ publicUrl: this.outputs.publicUrl });
    }
}

/** The Kubernetes platform: its system component and what it refuses (see deploy.ts). */
export const platform: PlatformModule = {
    System: KubernetesSystem,
    problems: (plan, settings) => kubernetesProblems(plan, settings),
};
