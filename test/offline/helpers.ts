/**
 * Cases for the engine rules (scripts/offline/engine-rules): a resource as the offline engine
 * records it, and a case that makes a rule fire on a bad one and stay silent on a good one.
 */
import { NO_OPTIONS, type PlannedResource } from "../../scripts/offline/engine";

/** A recorded resource of `type` named `name` with `inputs`; URN, parent, options as the engine records them, overridable. */
export function recorded(type: string, name: string, inputs: Record<string, any>, extra: Partial<PlannedResource> = {}): PlannedResource {
    return {
        urn: `urn:pulumi:test::tierform::${type}::${name}`,
        type,
        name,
        custom: true,
        protect: false,
        retainOnDelete: false,
        dependencies: [],
        options: NO_OPTIONS,
        inputs,
        redacted: inputs,
        secretPaths: [],
        ...extra,
    };
}

/** One engine rule's cases: the run it stays silent on, and runs it fires on. */
export interface EngineRuleCase {
    /** The rule's id. */
    rule: string;
    /** A run (its resources) the rule passes. */
    good: PlannedResource[];
    /** Runs the rule fires on, each with why it is bad and, optionally, what the message must say. */
    bad: { why: string; resources: PlannedResource[]; expect?: RegExp }[];
}
