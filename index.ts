/**
 * tierform: load the stack's system spec, build it on the stack's platform, export its outputs.
 * All tier logic lives in components/; validation in model/ (the loader), and in plan/validate.ts
 * for what only the plan can tell.
 */
import * as pulumi from "@pulumi/pulumi";
import { deploySystem, stackOutputs } from "./deploy";
import { loadStack, SpecError } from "./model";
import { checkPlan } from "./plan";

export = async () => {
    let stack;
    try {
        stack = loadStack(pulumi.runtime.allConfig());
        checkPlan(stack);
    } catch (err) {
        // A clean message, no stack trace, and nothing registered.
        if (err instanceof SpecError) throw new pulumi.RunError(err.message);
        throw err;
    }
    return stackOutputs(deploySystem(stack).outputs);
};
