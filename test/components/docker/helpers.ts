/** Shared lookups for the Docker component and system tests. */
import { plannedRuns, stackConfig, type PlannedResource } from "../../harness";
import { loadStack, type Settings, type System } from "../../../model";
import { planSystem, type DatastoreKind, type DatastorePlanOf, type SystemPlan } from "../../../plan";

export const CONTAINER = "docker:index/container:Container";
export const VOLUME = "docker:index/volume:Volume";
export const NETWORK = "docker:index/network:Network";
export const REMOTE_IMAGE = "docker:index/remoteImage:RemoteImage";
export const PASSWORD = "random:index/randomPassword:RandomPassword";

/** A preset resolved for the dev stack (Pulumi.dev.yaml, so maxReplicas 2). */
export function devSystem(preset: string, overrides?: Record<string, unknown>): { system: System; settings: Settings } {
    const { system, settings } = loadStack(stackConfig({ stack: "dev", system: preset, overrides }));
    return { system, settings };
}

/** A preset's Docker plan for the dev stack (what the Docker components read), with its settings. */
export function devPlan(preset: string, overrides?: Record<string, unknown>): { plan: SystemPlan; settings: Settings } {
    const { system, settings } = devSystem(preset, overrides);
    return { plan: planSystem(system, "docker"), settings };
}

/** Datastore `name` of `plan`, which must be of `kind`. */
export function storeOf<K extends DatastoreKind>(plan: SystemPlan, kind: K, name: string): DatastorePlanOf<K> {
    const d = plan.datastores[name];
    if (d?.kind !== kind) throw new Error(`${plan.name}: no ${kind} ${name}`);
    return d as DatastorePlanOf<K>;
}

/** A container's environment as a map. */
export function envOf(r: PlannedResource): Record<string, string> {
    return Object.fromEntries((r.inputs.envs ?? []).map((e: string) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));
}

/** The NAME=value lines of a service container's uploaded secrets file, as a map ({} without one). */
export function secretsFileOf(r: PlannedResource): Record<string, string> {
    const file = uploadOf(r, "/run/tierform/secrets.env");
    if (!file) return {};
    return Object.fromEntries(
        file.content
            .split("\n")
            .filter((l) => l !== "")
            .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
    );
}

/** What the app in a service container sees: its environment plus its secrets file's variables. */
export function appEnvOf(r: PlannedResource): Record<string, string> {
    return { ...envOf(r), ...secretsFileOf(r) };
}

/** A resource's labels as a map. */
export function labelsOf(r: PlannedResource): Record<string, string> {
    return Object.fromEntries((r.inputs.labels ?? []).map((l: { label: string; value: string }) => [l.label, l.value]));
}

/**
 * The one-shot step that delivers a container's files into its config volume (`<name>-config-files`,
 * a sibling under the same parent), or undefined.
 */
export function configFilesOf(r: PlannedResource): PlannedResource | undefined {
    for (const run of plannedRuns) {
        if (!run.includes(r)) continue;
        return run.find((x) => x.type === CONTAINER && x.parent === r.parent && x.name === `${r.name}-config-files`);
    }
    return undefined;
}

/** The resource that carries a container's uploads: itself, or its config-files step. */
function uploader(r: PlannedResource): PlannedResource {
    return r.inputs.uploads ? r : (configFilesOf(r) ?? r);
}

/** The file at `path` delivered to the container (content and mode; `index` in its uploader's `uploads`), or undefined. */
export function uploadOf(
    r: PlannedResource,
    path: string,
): { content: string; owner?: string; group?: string; permissions?: string; index: number } | undefined {
    const uploads: any[] = uploader(r).inputs.uploads ?? [];
    const index = uploads.findIndex((u) => u.file === path);
    return index < 0 ? undefined : { ...uploads[index], index };
}

/** Networks a container is attached to, by the network's name. */
export function networksOf(r: PlannedResource): string[] {
    return (r.inputs.networksAdvanced ?? []).map((n: { name: string }) => n.name);
}

/** Every string anywhere in a container's argv (entrypoint, command, healthcheck). */
export function argvOf(r: PlannedResource): string[] {
    return [...(r.inputs.entrypoints ?? []), ...(r.inputs.command ?? []), ...(r.inputs.healthcheck?.tests ?? [])];
}

/** Assert the Closed-by-default hardening of a long-running container; returns its uid. */
export function hardeningProblems(r: PlannedResource): string[] {
    const p: string[] = [];
    const i = r.inputs;
    if (!i.user || /^(0|root)(:|$)/.test(i.user)) p.push(`user '${i.user}'`);
    if (i.readOnly !== true) p.push("root filesystem not read-only");
    if (!(i.capabilities?.drops ?? []).includes("ALL")) p.push("capabilities not dropped");
    if ((i.capabilities?.adds ?? []).length > 0) p.push("capabilities added");
    if (!(i.securityOpts ?? []).includes("no-new-privileges:true")) p.push("no-new-privileges missing");
    if (!(i.memory > 0)) p.push("no memory limit");
    if (!(Number(i.cpus) > 0)) p.push("no CPU limit");
    if (i.privileged) p.push("privileged");
    if (/:latest$/.test(i.image ?? "") || !/[:@]/.test(i.image ?? "")) p.push(`image '${i.image}' not pinned`);
    return p.map((x) => `${r.name}: ${x}`);
}

/** Whether the input at dotted `path` (e.g. `uploads[1].content`) was a secret: it, or an enclosing value, is recorded in `secretPaths`. */
export function isSecretAt(r: PlannedResource, path: string): boolean {
    if (path.startsWith("uploads")) r = uploader(r);
    return r.secretPaths.some((p) => p === path || path.startsWith(`${p}.`) || path.startsWith(`${p}[`));
}
