/**
 * The stack settings a platform adapter reads: every `tierform:*` key (and `aws:region`) but those
 * the loader has already applied before there is a plan — `system` (the spec read), `overrides`
 * (merged into it), `environment` (its profile applied) and `maxReplicas` (the replica ranges
 * capped). An adapter receives these and the plan (components/contract.ts), nothing of the model.
 */
import type { Settings } from "../model";

/** The stack settings a platform renders with (see the module doc). */
export type PlatformSettings = Omit<Settings, "system" | "overrides" | "environment" | "maxReplicas">;
