/**
 * What an offline run records: the resources the program registered and what it logged. Types
 * (and how a record prints), in a file of their own below both the engine (engine.ts), which fills
 * them, and the engine rules (engine-rules/), which judge them; it loads no Pulumi, so the plan's
 * command line can refuse bad input without loading the runtime.
 */

/** What a secret value is replaced with in redacted inputs and in `--json`. */
export const REDACTED = "[secret]";

/** A runtime message as Pulumi's own mock runtime prints it (`info: [runtime] …`). */
export function formatRuntimeMessage(m: RuntimeMessage): string {
    return `${m.severity}: [runtime] ${m.message}`;
}

/** One resource the program registered. */
export interface PlannedResource {
    urn: string;
    type: string;
    name: string;
    /** Parent URN (the stack for top-level resources). */
    parent?: string;
    /** A provider-managed resource (false for components and the stack). */
    custom: boolean;
    /** `protect: true` was set. */
    protect: boolean;
    retainOnDelete: boolean;
    /** Explicit provider reference (urn::id), when one was given. */
    provider?: string;
    /** URNs this resource depends on (inputs and dependsOn). */
    dependencies: string[];
    /** Resource options the engine acts on at update time (not inputs): what Pulumi must leave alone or replace. */
    options: {
        /** `ignoreChanges`: input paths a later update leaves as the cloud has them. */
        ignoreChanges: string[];
        /** `replaceOnChanges`: input paths whose change replaces the resource. */
        replaceOnChanges: string[];
        /** `deleteBeforeReplace`. */
        deleteBeforeReplace: boolean;
        /** `replaceWith`: URNs whose replacement replaces this resource too. */
        replaceWith: string[];
        /** `customTimeouts` as Pulumi duration strings ("10m"), where set. */
        customTimeouts: { create?: string; update?: string; delete?: string };
        /** `aliases` given (count): earlier identities this resource carries. */
        aliases: number;
        /** The URNs those aliases stand for (the engine's own resolution of an alias spec: name, type, parent, stack, project). */
        aliasUrns?: string[];
    };
    /** Inputs with secrets unwrapped: what a policy sees. */
    inputs: Record<string, any>;
    /** Inputs with every secret replaced by "[secret]": what a report may print. */
    redacted: Record<string, any>;
    /** Dotted paths of the inputs that were secrets. */
    secretPaths: string[];
}

/** What `runOffline` (engine.ts) records of one run of the program. */
export interface OfflineRun {
    project: string;
    stack: string;
    resources: PlannedResource[];
    /** The stack outputs, secrets unwrapped. */
    outputs: Record<string, any>;
    /** Paths of outputs that are secrets. */
    secretOutputs: string[];
    /**
     * What the program logged (`pulumi.log.info/warn/error`) during the run, in order: kept here
     * rather than printed, so a test run stays quiet and `npm run plan` prints them itself
     * (engine.ts `formatRuntimeMessage`).
     */
    messages: RuntimeMessage[];
}

/** One message the program logged through `pulumi.log` during an offline run. */
export interface RuntimeMessage {
    severity: "info" | "warning" | "error";
    message: string;
    /** The URN of the resource the message was logged against, if any. */
    urn?: string;
}
