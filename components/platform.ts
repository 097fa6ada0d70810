/**
 * What a platform module gives the program: its system component, what it refuses, what it warns
 * about. Its own file, below both deploy.ts (which loads the stack's platform module)
 * and each components/<platform>/system.ts (which exports one), so neither imports the other's
 * types back.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { PlatformSystem, PlatformSystemArgs } from "./contract";
import type { Problem } from "../conventions/problems";
import type { PlatformSettings, SystemPlan } from "../plan";

/** A platform's system component class. */
export type SystemClass = new (name: string, args: PlatformSystemArgs, opts?: pulumi.ComponentResourceOptions) => PlatformSystem;

/** What a platform module gives: its system component, what it refuses, what it warns about. */
export interface PlatformModule {
    /** The platform's system component. */
    System: SystemClass;
    /**
     * Everything the platform cannot build from a valid spec and settings, one problem per spec path
     * or config key, judged from the plan.
     */
    problems(plan: SystemPlan, settings: PlatformSettings): Problem[];
    /** What a real deployment needs that the plan cannot check, one line each. @default none */
    warnings?(plan: SystemPlan, settings: PlatformSettings): string[];
}
