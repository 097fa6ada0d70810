/**
 * The program's composition root, between the loaded stack (model/) and the platform adapters
 * (components/): refuse what the stack's platform cannot build, plan, print what the plan
 * approximates, and hand the plan to the platform's system component, which reads nothing else.
 * Platforms are loaded lazily, so a docker stack never loads the AWS or Kubernetes SDKs.
 */
import * as pulumi from "@pulumi/pulumi";
import { type LoadedStack, type System } from "./model";
import { KNOWLEDGE, PLACEMENTS, planSystem, scheduleLines, unsupportedProblems, type Placement, type SystemPlan } from "./plan";
import type { PlatformSystem, SystemOutputs } from "./components/contract";
import type { PlatformModule } from "./components/platform";
import { type Problem, problemLines } from "./conventions/problems";
import type { Platform } from "./conventions/platforms";

/* eslint-disable @typescript-eslint/no-require-imports */
const PLATFORMS: Record<Platform, () => PlatformModule> = {
    docker: () => require("./components/docker/system").platform,
    kubernetes: () => require("./components/kubernetes/system").platform,
    aws: () => require("./components/aws/system").platform,
};
/** The modules of the placements that mix platforms (`tierform:placement`), loaded as lazily. */
const PLACEMENT_MODULES: Record<Placement, () => PlatformModule> = {
    eks: () => require("./components/eks/system").platform,
};
/* eslint-enable @typescript-eslint/no-require-imports */

/** The stack's placement, when it sets one. */
const placementOf = (settings: LoadedStack["settings"]): Placement | undefined => settings.placement || undefined;

/** The module that builds the stack: its placement's, else its platform's. */
function moduleOf(settings: LoadedStack["settings"]): PlatformModule {
    const placement = placementOf(settings);
    return placement ? PLACEMENT_MODULES[placement]() : PLATFORMS[settings.platform]();
}

/** The stack's plan on its platform (and placement): pure, no resources. */
export function planOf(stack: Pick<LoadedStack, "system" | "settings">): SystemPlan {
    return planSystem(stack.system, stack.settings.platform, placementOf(stack.settings));
}

/**
 * Every reason the stack's platform cannot build the system: the features it does not support
 * (plan/support.ts), then the platform's own checks of the plan. Empty when it can.
 */
export function platformProblems(stack: Pick<LoadedStack, "system" | "settings">): Problem[] {
    return checked(stack).problems;
}

/**
 * The stack's problems and, when it can be planned, its plan. Where a feature is unsupported and the
 * system cannot even be planned, the unsupported features are the whole answer.
 */
function checked(stack: Pick<LoadedStack, "system" | "settings">): { problems: Problem[]; plan?: SystemPlan } {
    const unsupported = unsupportedProblems(stack.system, stack.settings.platform, undefined, placementOf(stack.settings));
    let plan: SystemPlan;
    try {
        plan = planOf(stack);
    } catch (e) {
        if (unsupported.length > 0) return { problems: unsupported };
        throw e;
    }
    return { problems: [...unsupported, ...moduleOf(stack.settings).problems(plan, stack.settings)], plan };
}

/** The one refusal path: a `pulumi.RunError` naming every problem, thrown before any resource is registered. */
export function throwPlatformProblems(system: System, platform: Platform, problems: Problem[], placement?: Placement): void {
    if (problems.length === 0) return;
    const n = problems.length;
    const lines = problemLines(problems);
    const title = placement ? PLACEMENTS[placement].title : KNOWLEDGE[platform].title;
    throw new pulumi.RunError(
        [`tierform: ${system.name} cannot be built on ${title} (${n} problem${n === 1 ? "" : "s"}):`, ...lines].join("\n"),
    );
}

/**
 * Build the whole system on the stack's platform: refuse what it cannot build, print what it
 * approximates and what a real deployment still needs, plan, then hand the plan to the platform.
 */
export function deploySystem(stack: LoadedStack): PlatformSystem {
    const { system, settings } = stack;
    const platform = moduleOf(settings);
    const placement = placementOf(settings);
    const { problems, plan } = checked(stack);
    throwPlatformProblems(system, settings.platform, problems, placement);
    if (!plan) throw new Error("unreachable: a system without problems has a plan");
    const on = placement ?? settings.platform;
    for (const line of plan.approximations) void pulumi.log.info(`tierform: on ${on}, ${line}`);
    for (const s of Object.values(plan.services).filter((s) => s.rollout.strategy !== "rolling"))
        void pulumi.log.info(`tierform: on ${on}, ${scheduleLines(s.rollout).join("\n")}`);
    for (const warning of platform.warnings?.(plan, settings) ?? []) void pulumi.log.warn(warning);
    return new platform.System(system.name, { settings, plan });
}

/** The stack outputs: URLs and endpoints in the clear, connection strings only as secrets. */
export function stackOutputs(outputs: SystemOutputs) {
    const datastores: Record<string, { kind: string; endpoint: pulumi.Input<string>; readerEndpoints?: pulumi.Input<string>[] }> = {};
    const connectionStrings: Record<string, pulumi.Input<string>> = {};
    for (const [name, d] of Object.entries(outputs.datastores)) {
        datastores[name] = { kind: d.kind, endpoint: d.endpoint, ...(d.readerEndpoints ? { readerEndpoints: d.readerEndpoints } : {}) };
        if (d.connectionString !== undefined) connectionStrings[name] = d.connectionString;
    }
    return {
        publicUrl: outputs.publicUrl,
        services: outputs.services,
        datastores,
        connectionStrings: pulumi.secret(connectionStrings),
        platform: outputs.platform,
    };
}
