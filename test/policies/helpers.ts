/**
 * Run one policy the way the Pulumi engine would, on hand-built resources: a resource policy on
 * one resource, a stack policy on a list of resources with dependencies by name.
 */
import type { PolicyResource, ResourceValidationArgs, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { allPolicies } from "../../policies/rules";

class NotApplicable extends Error {}

/** The policy named `name`; throws when there is none. */
export function policy(name: string): ResourceValidationPolicy & StackValidationPolicy {
    const p = allPolicies.find((x) => x.name === name);
    if (!p) throw new Error(`no policy named ${name}`);
    return p as ResourceValidationPolicy & StackValidationPolicy;
}

/** What a policy said about one resource or stack. */
export interface Outcome {
    applicable: boolean;
    messages: string[];
}

/** Options of a resource under test. */
export interface ResourceOptions {
    name?: string;
    config?: Record<string, unknown>;
    protect?: boolean;
    provider?: { type: string; props: Record<string, any> };
}

/** Run resource policy `name` on one resource of `type` with `props`. */
export function checkResource(name: string, type: string, props: Record<string, any>, o: ResourceOptions = {}): Outcome {
    const p = policy(name);
    const messages: string[] = [];
    const args: ResourceValidationArgs = {
        type,
        props,
        urn: `urn:pulumi:test::tierform::${type}::${o.name ?? "r"}`,
        name: o.name ?? "r",
        opts: {
            protect: o.protect ?? false,
            ignoreChanges: [],
            aliases: [],
            customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
            additionalSecretOutputs: [],
        },
        provider: o.provider ? { ...o.provider, urn: "urn:provider", name: "provider" } : undefined,
        stackTags: new Map(),
        isType: () => false,
        asType: (() => undefined) as ResourceValidationArgs["asType"],
        getConfig: <T extends object>() => (o.config ?? {}) as T,
        notApplicable: (reason?: string) => {
            throw new NotApplicable(reason);
        },
    };
    const fns = Array.isArray(p.validateResource) ? p.validateResource : [p.validateResource!];
    try {
        for (const fn of fns) fn(args, (m) => messages.push(m));
    } catch (err) {
        if (err instanceof NotApplicable) return { applicable: false, messages };
        throw err;
    }
    return { applicable: true, messages };
}

/** A resource of a stack under test; `deps` names other resources of the list. */
export interface StackResource {
    type: string;
    name: string;
    props: Record<string, any>;
    deps?: string[];
    provider?: { type: string; props: Record<string, any> };
}

/** Run stack policy `name` over `resources`. */
export function checkStack(name: string, resources: StackResource[], config: Record<string, unknown> = {}): Outcome {
    const p = policy(name);
    const byName = new Map<string, PolicyResource>();
    for (const r of resources) {
        byName.set(r.name, {
            type: r.type,
            props: r.props,
            urn: `urn:pulumi:test::tierform::${r.type}::${r.name}`,
            name: r.name,
            opts: {
                protect: false,
                ignoreChanges: [],
                aliases: [],
                customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
                additionalSecretOutputs: [],
            },
            provider: r.provider ? { ...r.provider, urn: "urn:provider", name: "provider" } : undefined,
            dependencies: [],
            propertyDependencies: {},
            isType: () => false,
            asType: (() => undefined) as PolicyResource["asType"],
        });
    }
    for (const r of resources) {
        byName.get(r.name)!.dependencies = (r.deps ?? []).map((d) => {
            const dep = byName.get(d);
            if (!dep) throw new Error(`fixture: ${r.name} depends on unknown ${d}`);
            return dep;
        });
    }
    const messages: string[] = [];
    try {
        p.validateStack(
            {
                resources: [...byName.values()],
                stackTags: new Map(),
                getConfig: <T extends object>() => config as T,
                notApplicable: (reason?: string) => {
                    throw new NotApplicable(reason);
                },
            },
            (m) => messages.push(m),
        );
    } catch (err) {
        if (err instanceof NotApplicable) return { applicable: false, messages };
        throw err;
    }
    return { applicable: true, messages };
}

/** A deep copy with `edit` applied, for a bad variant of a good fixture. */
export function variant<T>(good: T, edit: (copy: any) => void): T {
    const copy = JSON.parse(JSON.stringify(good));
    edit(copy);
    return copy;
}

/** A bad variant of `good` for a resource case: why it is bad, its props, and what the message must say. */
export const bad = (why: string, good: Record<string, any>, edit: (copy: any) => void, expect?: RegExp) => ({
    why,
    props: variant(good, edit),
    expect,
});

/** One resource policy case: a good resource and one or more bad variants. */
export interface ResourceCase {
    policy: string;
    type: string;
    good: Record<string, any>;
    bad: Array<{ why: string; props: Record<string, any>; expect?: RegExp; protect?: boolean }>;
    config?: Record<string, unknown>;
    protect?: boolean;
    name?: string;
    provider?: { type: string; props: Record<string, any> };
}
