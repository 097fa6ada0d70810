/**
 * What an engine rule is: one fact of a provider, an API or a daemon, the outcome of breaking it,
 * and what it found. In a file of its own, below the rule index (index.ts) and the per-platform
 * rule files, which both use it.
 */
import type { PlannedResource } from "../records";

/** What the real engine does with a resource that breaks a rule. */
export type Outcome =
    /** The provider or API refuses it: preview or update fails. */
    | "refused"
    /** It is created, but does not work (never healthy, never ready, fails at its first use). */
    | "broken"
    /** It works, but leaks a credential where it must not be (an environment listing, argv, a plan file). */
    | "leaks";

/** One problem a rule found: which input field, and what is wrong with it in words. */
export interface Finding {
    /** Dotted input path, e.g. `uploads[0].file` or `name`; "(resource)" for the resource as a whole. */
    field: string;
    /** What the field holds and what the engine allows, e.g. "'x' is 40 characters; the limit is 32". */
    message: string;
}

/** Lookups over the whole run, for rules that cross resources. */
export interface RunIndex {
    /** Every registered resource. */
    readonly resources: readonly PlannedResource[];
    /** The resource with `urn`, if registered. */
    byUrn(urn: string): PlannedResource | undefined;
    /** Every resource of a type token. */
    ofType(type: string): PlannedResource[];
    /** Direct children of the resource with `urn`. */
    children(urn: string): PlannedResource[];
    /** Whether `resource` waits for `urn`, directly or through what it depends on. */
    dependsOn(resource: PlannedResource, urn: string): boolean;
}

/** One fact the real engine enforces. */
export interface EngineRule {
    /** Stable id, `<platform>-<what>`, e.g. `docker-upload-read-only-rootfs`. */
    id: string;
    /**
     * The resource type tokens it judges, e.g. `docker:index/container:Container`, or a test on the
     * token for a family no list can name (every Kubernetes custom resource kind).
     */
    types: readonly string[] | ((type: string) => boolean);
    /** What the real engine does when the rule is broken. */
    outcome: Outcome;
    /** Where the fact comes from: provider source file (and function), API reference, daemon code. */
    source: string;
    /** The rule's findings on one resource of one of its types; none when it holds. */
    check(resource: PlannedResource, run: RunIndex): Finding[];
}
