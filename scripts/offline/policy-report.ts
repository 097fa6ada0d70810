/**
 * Runs the CrossGuard policies of `policies/` over an offline run, the way the Pulumi engine would:
 * every resource policy's `validateResource` on every registered resource, then every stack
 * policy's `validateStack` on the whole stack, with the stack's policy config
 * (`policies/config/<stack>.json`, validated). Prints each violation, a compliance summary that
 * maps every seed checklist item to its policies with PASS/FAIL, and counts.
 */
import type { EnforcementLevel, PolicyResource, ResourceValidationArgs, StackValidationArgs } from "@pulumi/policy";
import type { OfflineRun, PlannedResource } from "./engine";
import { allPolicies, CHECKLIST, isResourcePolicy, isStackPolicy, policyMeta } from "../../policies/rules";
import type { ChecklistPlatform } from "../../policies/rules/checklist";
import { loadPolicyConfig, PolicyConfigError, type ResolvedPolicyConfig } from "../../policies/config";

/** What runPolicyReport throws on bad policy config: print its message, no stack. */
export { PolicyConfigError };

/** One policy violation. */
export interface Violation {
    urn?: string;
    /** Logical name of the resource, when the violation is about one. */
    resource?: string;
    /** Type token of that resource. */
    type?: string;
    policy: string;
    level: "advisory" | "mandatory";
    message: string;
    /** The spec element the resource was built for (`services.worker`, `databases.db.backup`, `edge`), when one is known. */
    spec?: string;
}

/** The spec's element names by group, and its recovery objectives, to name a violation's spec path (a loaded System serves). */
export type SpecElements = Partial<
    Record<"services" | "databases" | "caches" | "queues" | "buckets" | "fileShares", Record<string, unknown>> & {
        recovery: { crossRegion?: boolean };
    }
>;

/** The component types (`tierform:<platform>:<Kind>`) built for one spec element, and the group of that element. */
const ELEMENT_OF_COMPONENT: Record<string, keyof SpecElements | "edge"> = {
    Service: "services",
    Database: "databases",
    DocumentDb: "databases",
    Backup: "databases",
    Cache: "caches",
    Queue: "queues",
    Bucket: "buckets",
    FileShares: "fileShares",
    Edge: "edge",
    DrSite: "recovery",
};

/** The longest of `names` that `name` is or ends with (`-<name>`). */
const nameIn = (name: string, names: string[]) =>
    names.filter((k) => name === k || name.endsWith(`-${k}`)).sort((a, b) => b.length - a.length)[0] as string | undefined;

/** The suffix AWS's backup component gives the file shares' plan and selection (components/aws/backup.ts FILE_SHARES_PLAN). */
const FILE_SHARES_PLAN = "file_shares";

/**
 * What puts a resource in the DR region: `recovery.crossRegion`, or, without it, the stack's
 * `tierform:drRegion` alone (prod then still copies backups there).
 */
const drPath = (spec: SpecElements) => (spec.recovery?.crossRegion ? "recovery.crossRegion" : "tierform:drRegion");

/** Whether `r` (a resource's provider) is built by the DR site component. */
function underDrSite(r: PlannedResource | undefined, byUrn: Map<string, PlannedResource>): boolean {
    for (let cur = r; cur; cur = cur.parent ? byUrn.get(cur.parent) : undefined) if (/^tierform:[a-z]+:DrSite$/.test(cur.type)) return true;
    return false;
}

/**
 * The spec path a resource stems from: the nearest component above it that the platform builds for
 * one spec element (every platform names those components `<system>-[<kind>-]<element>`), matched
 * to the spec's own names; `<database>.backup` under a backup component. A system-wide backup
 * component (AWS's: one vault, a plan and selection per database) names each plan and selection by
 * its database (`-file_shares`: `fileShares`), what it builds with the DR site's provider (the DR
 * vault) by what asks for the DR region, and its vault, role and failure alarms by every database's
 * backup (`databases.*.backup`). The DR site's resources
 * stem from `recovery.crossRegion` (or `tierform:drRegion`). Undefined for what no one element
 * decides (the network, keys, the system's own alarms).
 */
export function specPathOf(r: PlannedResource, byUrn: Map<string, PlannedResource>, spec: SpecElements): string | undefined {
    for (let cur: PlannedResource | undefined = r; cur; cur = cur.parent ? byUrn.get(cur.parent) : undefined) {
        const kind = /^tierform:[a-z]+:([A-Za-z]+)$/.exec(cur.type)?.[1];
        const group = kind ? ELEMENT_OF_COMPONENT[kind] : undefined;
        if (!group) continue;
        if (group === "edge") return "edge";
        if (group === "recovery") return drPath(spec);
        const names = Object.keys(spec[group] ?? {});
        const key = nameIn(cur.name, names);
        if (key) return kind === "Backup" ? `${group}.${key}.backup` : `${group}.${key}`;
        if (kind !== "Backup") continue;
        // One backup component for the whole system: the resource's own name says which element.
        if (cur === r) return undefined; // the component itself
        const database = nameIn(r.name, names);
        if (database) return `databases.${database}.backup`;
        if (r.name.endsWith(`-${FILE_SHARES_PLAN}`)) return "fileShares";
        if (r.provider && underDrSite(byUrn.get(r.provider.slice(0, r.provider.lastIndexOf("::"))), byUrn)) return drPath(spec);
        return names.length ? "databases.*.backup" : "fileShares";
    }
    return undefined;
}

/** The outcome of running the packs over one run. */
export interface PolicyReport {
    text: string;
    violations: Violation[];
    mandatoryCount: number;
    /** Per policy: how many resources (or 1 for a stack policy) it actually checked. */
    checked: Record<string, number>;
}

class NotApplicable extends Error {}

/**
 * A policy's "does not apply here", thrown without a stack trace: a report throws it thousands of
 * times, and capturing a trace each time (mapped through ts-node's source maps) was most of its cost.
 */
const notApplicable = (reason?: string): never => {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    const err = new NotApplicable(reason ?? "not applicable");
    Error.stackTraceLimit = limit;
    throw err;
};

const opts = (r: PlannedResource) => ({
    protect: r.protect,
    ignoreChanges: [] as string[],
    aliases: [] as string[],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: [] as string[],
    ...(r.parent ? { parent: r.parent } : {}),
});

const isType = (type: string) => (cls: unknown) => (cls as { __pulumiType?: string })?.__pulumiType === type;

/** The provider resource a resource names (`urn::id`), as the SDK passes it. */
function providerOf(r: PlannedResource, byUrn: Map<string, PlannedResource>) {
    if (!r.provider) return undefined;
    const p = byUrn.get(r.provider.split("::").slice(0, -1).join("::"));
    return p ? { type: p.type, props: p.inputs, urn: p.urn, name: p.name } : undefined;
}

/** What the engine tells a policy about one resource, in both resource and stack analysis. */
function resourceView(r: PlannedResource, byUrn: Map<string, PlannedResource>) {
    return {
        type: r.type,
        props: r.inputs,
        urn: r.urn,
        name: r.name,
        opts: opts(r),
        provider: providerOf(r, byUrn),
        isType: isType(r.type),
        // One function serves both SDK signatures (a resource class in stack analysis, an args class in resource analysis).
        asType: ((cls: unknown) => (isType(r.type)(cls) ? r.inputs : undefined)) as PolicyResource["asType"] &
            ResourceValidationArgs["asType"],
    };
}

/** Build the stack's PolicyResources with parent and dependency links, as the engine does for stack analysis. */
function policyResources(custom: PlannedResource[], views: Map<PlannedResource, ReturnType<typeof resourceView>>): PolicyResource[] {
    const out = new Map<string, PolicyResource>();
    for (const r of custom) out.set(r.urn, { ...views.get(r)!, dependencies: [], propertyDependencies: {} });
    for (const r of custom) {
        const pr = out.get(r.urn)!;
        pr.parent = r.parent ? out.get(r.parent) : undefined;
        pr.dependencies = r.dependencies.map((d) => out.get(d)).filter((d): d is PolicyResource => !!d);
    }
    return [...out.values()];
}

const effective = (level: EnforcementLevel): "advisory" | "mandatory" | undefined =>
    level === "disabled" ? undefined : level === "advisory" ? "advisory" : "mandatory";

/**
 * Run every policy over `run` with the policy config of `stack` (`policies/config/<stack>.json`,
 * or a path to a JSON file). Bad config (a missing or unreadable file, an unknown policy or
 * setting, a wrong type) throws {@link PolicyConfigError}, whose message is all a caller needs to
 * print; any other error is a bug and keeps its stack.
 */
export function runPolicyReport(
    run: OfflineRun,
    stack: string,
    configs?: Map<string, ResolvedPolicyConfig>,
    spec?: SpecElements,
): PolicyReport {
    const resolved = configs ?? loadPolicyConfig(stack);
    const unresolved = allPolicies.map((p) => p.name).filter((n) => !resolved.has(n));
    if (unresolved.length > 0) throw new PolicyConfigError(stack, [`no enforcement level resolved for ${unresolved.join(", ")}`]);
    const byUrn = new Map(run.resources.map((r) => [r.urn, r]));
    const violations: Violation[] = [];
    const checked: Record<string, number> = {};
    const disabled: string[] = [];
    const custom = run.resources.filter((r) => r.custom);
    // What the engine tells a policy about each resource, computed once per report, not once per policy.
    const views = new Map(custom.map((r) => [r, resourceView(r, byUrn)]));
    let stackResources: PolicyResource[] | undefined;

    for (const policy of allPolicies) {
        const { enforcementLevel, config } = resolved.get(policy.name)!;
        const level = effective(enforcementLevel);
        if (!level) {
            disabled.push(policy.name);
            continue;
        }
        checked[policy.name] = 0;
        const getConfig = <T extends object>() => config as T;
        if (isResourcePolicy(policy)) {
            const validations = Array.isArray(policy.validateResource)
                ? policy.validateResource
                : policy.validateResource
                  ? [policy.validateResource]
                  : [];
            // A policy declared for some types (policies/rules/util.ts `resourcePolicy`) calls notApplicable
            // for every other type first thing; skip those resources without calling it, as the SDK's
            // analyzer does for a validation that carries its one type (@pulumi/policy server.js).
            const types = policyMeta[policy.name]?.types;
            for (const r of custom) {
                if (types && !types.includes(r.type)) continue;
                const args: ResourceValidationArgs = { ...views.get(r)!, stackTags: new Map(), getConfig, notApplicable };
                let applied = false;
                for (const validate of validations) {
                    try {
                        const result = validate(args, (message) =>
                            violations.push({ urn: r.urn, resource: r.name, type: r.type, policy: policy.name, level, message }),
                        );
                        if (result instanceof Promise) throw new Error("asynchronous validations are not supported offline");
                        applied = true;
                    } catch (err) {
                        if (err instanceof NotApplicable) continue;
                        applied = true;
                        violations.push({
                            urn: r.urn,
                            resource: r.name,
                            type: r.type,
                            policy: policy.name,
                            level: "mandatory",
                            message: `policy failed: ${(err as Error).message}`,
                        });
                    }
                }
                if (applied) checked[policy.name]++;
            }
        } else if (isStackPolicy(policy)) {
            // One list for every stack policy of the report (the policies only read it).
            stackResources ??= policyResources(custom, views);
            const args: StackValidationArgs = { resources: stackResources, stackTags: new Map(), getConfig, notApplicable };
            try {
                const result = policy.validateStack(args, (message, urn) => {
                    const r = urn ? byUrn.get(urn) : undefined;
                    violations.push({ urn, resource: r?.name, type: r?.type, policy: policy.name, level, message });
                });
                if (result instanceof Promise) throw new Error("asynchronous validations are not supported offline");
                checked[policy.name] = 1;
            } catch (err) {
                if (!(err instanceof NotApplicable)) {
                    checked[policy.name] = 1;
                    violations.push({ policy: policy.name, level: "mandatory", message: `policy failed: ${(err as Error).message}` });
                }
            }
        }
    }

    if (spec)
        for (const v of violations) {
            const r = v.urn ? byUrn.get(v.urn) : undefined;
            const path = r && specPathOf(r, byUrn, spec);
            if (path) v.spec = path;
        }
    const mandatoryCount = violations.filter((v) => v.level === "mandatory").length;
    return { text: render(stack, violations, checked, disabled, platformsOf(run)), violations, mandatoryCount, checked };
}

/**
 * The platforms of a run: the package prefixes of its custom resources, the most common first. One on dev, staging
 * and prod; two on the EKS placement (AWS's datastores and edge, Kubernetes's pods), whose rows each platform's
 * checks can evidence.
 */
export function platformsOf(run: OfflineRun): ChecklistPlatform[] {
    const counts = new Map<string, number>();
    for (const r of run.resources) if (r.custom) counts.set(r.type.split(":")[0], (counts.get(r.type.split(":")[0]) ?? 0) + 1);
    return [...counts]
        .filter(([p]) => ["docker", "kubernetes", "aws"].includes(p))
        .sort((a, b) => b[1] - a[1])
        .map(([p]) => p as ChecklistPlatform);
}

/** One row of the compliance summary. */
export interface ChecklistRow {
    id: string;
    status: "PASS" | "~" | "FAIL" | "N/A";
    /** FAIL from advisory violations only: the plan still exits 0. */
    advisory: boolean;
    text: string;
    detail: string;
}

/**
 * The compliance summary: an item FAILs when any policy that lists it found something; it PASSes
 * only when every check its `evidence` names for one platform of the stack (any one policy of each
 * entry) ran on at least one resource and found nothing, "~" instead where that platform provides
 * only part of the item (`partlyOn`, what it lacks); otherwise N/A with the reason (the platform has
 * no evidence for it, or a check of it did not apply to this stack's resources). A stack of two
 * platforms (the EKS placement) takes the first platform, in `platforms`' order, whose evidence all
 * ran: its pods' rows from Kubernetes's checks, its datastores' from AWS's; never a mix of the two.
 */
export function checklistRows(
    violations: Violation[],
    checked: Record<string, number>,
    platforms: ChecklistPlatform | ChecklistPlatform[] | undefined,
): ChecklistRow[] {
    const count = (p: string) => violations.filter((v) => v.policy === p).length;
    const ran = (p: string) => (checked[p] ?? 0) > 0;
    const list = platforms === undefined ? [] : Array.isArray(platforms) ? platforms : [platforms];
    return Object.entries(CHECKLIST).map(([id, item]) => {
        const ranAll = (p: ChecklistPlatform) => {
            const c = item.evidence[p] ?? [];
            return c.length > 0 && c.every((alternatives) => alternatives.some((x) => ran(x.name)));
        };
        const platform = list.find(ranAll) ?? list.find((p) => item.evidence[p]) ?? list[0];
        const checks = (platform && item.evidence[platform]) ?? [];
        const evidence = new Set(checks.flat().map((p) => p.name));
        const policies = Object.entries(policyMeta)
            .filter(([, m]) => m.checklist.includes(id))
            .map(([n]) => n);
        const active = [...new Set([...policies, ...evidence])].filter(ran);
        const failing = active.filter((p) => count(p) > 0);
        const listed = active
            .map((p) => `${p}${count(p) > 0 ? ` ✗${count(p)}` : evidence.has(p) ? " ✓" : " (not evidence here)"}`)
            .join(", ");
        if (failing.length > 0) {
            const advisory = failing.every((p) => violations.filter((v) => v.policy === p).every((v) => v.level === "advisory"));
            return { id, status: "FAIL", advisory, text: item.text, detail: listed };
        }
        const unmet = checks.filter((alternatives) => !alternatives.some((p) => ran(p.name)));
        const lacks = platform && item.partlyOn?.[platform];
        if (checks.length > 0 && unmet.length === 0)
            return lacks
                ? { id, status: "~", advisory: false, text: item.text, detail: `${lacks} (checked: ${listed})` }
                : { id, status: "PASS", advisory: false, text: item.text, detail: listed };
        const reason =
            checks.length === 0
                ? ((platform && item.notApplicableOn?.[platform]) ?? "no check of this item applies to the resources of this stack")
                : `not checked here: ${unmet.map((a) => a.map((p) => p.name).join(" or ")).join(", ")} did not apply to this stack's resources`;
        return { id, status: "N/A", advisory: false, text: item.text, detail: reason + (active.length ? ` (ran: ${listed})` : "") };
    });
}

function render(
    stack: string,
    violations: Violation[],
    checked: Record<string, number>,
    disabled: string[],
    platform: ChecklistPlatform[],
): string {
    const lines: string[] = [];
    lines.push(`Policies: pack tierform, ${allPolicies.length} policies, config policies/config/${stack}.json`);
    if (violations.length === 0) lines.push("  no violations");
    const sorted = [...violations].sort((a, b) =>
        a.level === b.level ? a.policy.localeCompare(b.policy) : a.level === "mandatory" ? -1 : 1,
    );
    for (const v of sorted) {
        const resource = v.resource ? `${v.type} ${v.resource}` : "(stack)";
        // A violation that stems from a spec value names the spec element first, then the resource built from it.
        const where = v.spec ? `${v.spec} (${resource})` : resource;
        lines.push(`  [${v.level}] ${v.policy} · ${where}: ${v.message}`);
    }
    lines.push("");
    lines.push(
        `Compliance with the seeds' checklists${platform.length ? ` on ${platform.join(" and ")}` : ""} (each item's source: docs/checklists.md):`,
    );
    for (const row of checklistRows(violations, checked, platform)) {
        const status = row.status === "FAIL" && row.advisory ? "FAIL (advisory)" : row.status;
        lines.push(`  ${status.padEnd(15)} ${row.text}: ${row.detail}`);
    }
    lines.push("");
    lines.push(
        "  PASS: every check that reads what provides the item ran on this stack and passed. ~: they passed, but the platform provides only part of the item,",
    );
    lines.push("  and what it lacks. FAIL: a check found violations; (advisory): only advisory ones,");
    lines.push(
        "  which this stack's policy config does not enforce, so the plan still exits 0. N/A: nothing on this stack is checked for it, and why.",
    );
    const ran = Object.values(checked).filter((n) => n > 0).length;
    const mandatory = violations.filter((v) => v.level === "mandatory").length;
    lines.push("");
    lines.push(
        `Policy counts: ${mandatory} mandatory, ${violations.length - mandatory} advisory violation(s); ${ran} policies applied, ${allPolicies.length - ran - disabled.length} not applicable, ${disabled.length} disabled.`,
    );
    return lines.join("\n");
}
