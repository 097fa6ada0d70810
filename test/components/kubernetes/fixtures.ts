/**
 * Shared fixtures of the Kubernetes tests: a resolved staging system for any preset, a
 * KubeContext for one component, and memoized whole-stack plans (a plan of a preset is computed
 * once per mocha process and reused by the component, system and schema tests).
 */
import { planStack, stackConfig, type Plan, type PlannedResource } from "../../harness";
import { loadStack, type LoadedStack } from "../../../model";
import type { DatastoreBinding } from "../../../components/contract";
import {
    CLIENTS,
    ownVariable,
    planSystem,
    type ClientEngine,
    type DatastoreKind,
    type DatastoreSpecs,
    type SystemPlan,
} from "../../../plan";
import type { KubeContext } from "../../../components/kubernetes/context";

export const PRESETS = ["mdc-tts", "mealkitz", "asset-management", "auromart", "hld-platform"] as const;

/** The staging stack of `preset` (system + settings), with optional config over it. */
export function stagingStack(preset: string, config: Record<string, unknown> = {}): LoadedStack {
    return loadStack(stackConfig({ stack: "staging", system: preset, config }));
}

/** The Kubernetes plan of `preset`'s staging stack, with optional config over it. */
export function stagingSystemPlan(preset: string, config: Record<string, unknown> = {}): SystemPlan {
    return planSystem(stagingStack(preset, config).system, "kubernetes");
}

/** The Kubernetes plan of `preset`'s staging stack as `system`, with the stack's settings. */
export function stagingPlanned(
    preset: string,
    config: Record<string, unknown> = {},
): { system: SystemPlan; settings: LoadedStack["settings"] } {
    const { system, settings } = stagingStack(preset, config);
    return { system: planSystem(system, "kubernetes"), settings };
}

/** A context for building one component directly (the staging plan; namespace as a plain string). */
export function context(preset: string, config: Record<string, unknown> = {}): KubeContext {
    const { system, settings } = stagingStack(preset, config);
    const namespaceName = settings.namespace || system.name;
    return { system: planSystem(system, "kubernetes"), settings, namespaceName, namespace: namespaceName };
}

/** The spec entry of datastore `name` of the plan, which must be of `kind`. */
export function datastoreSpec<K extends DatastoreKind>(plan: Pick<SystemPlan, "datastores">, kind: K, name: string): DatastoreSpecs[K] {
    const d = plan.datastores[name];
    if (d?.kind !== kind) throw new Error(`no ${kind} '${name}' in the plan`);
    return d.spec as DatastoreSpecs[K];
}

/** Asset Management with its api's blue-green preview opened at the edge to two ranges (preview.test.ts, the schema test's variant). */
export const PREVIEW_CONFIG = {
    "tierform:overrides": { services: { api: { rollout: { preview: { allowCidrs: ["203.0.113.0/24", "2001:db8::/48"] } } } } },
};

const plans = new Map<string, Plan>();

/** The staging plan of `preset` (memoized per config). */
export async function stagingPlan(preset: string, config: Record<string, unknown> = {}): Promise<Plan> {
    const key = JSON.stringify([preset, config]);
    let plan = plans.get(key);
    if (!plan) {
        plan = await planStack({ stack: "staging", system: preset, config });
        plans.set(key, plan);
    }
    return plan;
}

/** The Kubernetes object named `name` (metadata.name) of `kind`; throws when not exactly one. */
export function object(plan: Plan, kind: string, name: string): PlannedResource {
    const found = plan.resources.filter(
        (r) => r.custom && r.type.startsWith("kubernetes:") && r.inputs.kind === kind && r.inputs.metadata?.name === name,
    );
    if (found.length !== 1) {
        const names = plan.resources.filter((r) => r.inputs?.kind === kind).map((r) => r.inputs.metadata?.name);
        throw new Error(`expected one ${kind} named ${name}, found ${found.length} (${kind}s: ${names.join(", ")})`);
    }
    return found[0];
}

/** Every Kubernetes object of `kind`. */
export function objects(plan: Plan, kind: string): PlannedResource[] {
    return plan.resources.filter((r) => r.custom && r.type.startsWith("kubernetes:") && r.inputs.kind === kind);
}

/** The env var `name` of the first container of a pod spec. */
export function envVar(podSpec: any, name: string): any {
    return podSpec.containers[0].env.find((e: any) => e.name === name);
}

/** Bindings of the plan's datastores from their URLs (bucket names for buckets), as the Kubernetes system builds them. */
export function bindingsOf(plan: Pick<SystemPlan, "datastores">, urls: Record<string, string>): Record<string, DatastoreBinding> {
    return Object.fromEntries(
        Object.entries(urls).map(([name, url]) => {
            const d = plan.datastores[name];
            const bucket = d.kind === "bucket";
            const own = ownVariable(name, d.kind);
            const engine: ClientEngine | undefined = d.kind === "database" ? d.spec.engine : d.kind === "cache" ? "redis" : undefined;
            // A database or cache: the one URL for every client, and its discrete parts.
            const connection = engine
                ? {
                      urls: Object.fromEntries(CLIENTS[engine].map((c) => [c, url])),
                      host: `${name}-host`,
                      port: "1",
                      user: "app",
                      password: "pw",
                      database: "app",
                      caFile: d.transport.caFile,
                  }
                : undefined;
            return [
                name,
                {
                    outputs: { kind: d.kind, endpoint: url },
                    environment: bucket ? { [own]: url } : {},
                    secrets: bucket ? {} : { [own]: url },
                    ...(connection ? { connection } : {}),
                },
            ];
        }),
    );
}
