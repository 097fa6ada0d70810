/**
 * The whole system on Kubernetes (the staging platform): one ComponentResource that builds, in
 * order of need, in one loop over the plan's parts (parts.ts `kubernetesParts`): operators →
 * namespace and NetworkPolicies → object store → data tier (databases, caches, queues) → app
 * secrets, file shares → services → edge → mesh (optional) → backups and restore tests →
 * dashboards → monitoring (optional), each tier its own component (`tierform:kubernetes:<Tier>`),
 * all children of this one, on the cluster of `tierform:kubeconfig` (path or contents) or the
 * current kubeconfig context.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { PlatformSystem, PlatformSystemArgs, SystemOutputs } from "../contract";
import { datastoreOutputs } from "../shared/binding";
import type { PlatformSettings, SystemPlan } from "../../plan";
import type { PlatformModule } from "../platform";
import { CNPG_POSTGRES_IMAGES, imageProblems } from "../shared/images";
import { kubernetesLabels } from "../shared/naming";
import { specsOf } from "./context";
import { edgeProblems } from "./edge";
import { sharedStorageProblems } from "./files";
import { buildPart, kubernetesParts, nothingBuilt } from "./parts";
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
        // An explicit provider when a kubeconfig is configured; children inherit it from their parent.
        // The kubeconfig holds cluster credentials: a Pulumi secret, so state and `--json` show "[secret]".
        const provider = settings.kubeconfig
            ? new k8s.Provider(`${name}-k8s`, { kubeconfig: pulumi.secret(settings.kubeconfig) }, { parent: this })
            : undefined;
        // Operators, namespace, object store, datastores, app secrets, shares, services, edge, mesh, backups,
        // dashboards, monitoring: parts.ts.
        const built = nothingBuilt(name, plan, settings, this, provider);
        for (const part of kubernetesParts(plan, settings)) buildPart(part, built);

        this.outputs = {
            publicUrl: built.edge!.publicUrl,
            services: Object.fromEntries(Object.entries(built.services).map(([n, s]) => [n, s.address])),
            datastores: datastoreOutputs(built.bindings),
            platform: { namespace: built.namespace!.name, labels: kubernetesLabels(plan, plan.name, "network") },
        };
        this.registerOutputs({ publicUrl: this.outputs.publicUrl });
    }
}

/** The Kubernetes platform: its system component and what it refuses (see deploy.ts). */
export const platform: PlatformModule = {
    System: KubernetesSystem,
    problems: (plan, settings) => kubernetesProblems(plan, settings),
};
