/**
 * The baseline of the plan's speed: a Pulumi program that registers one resource (an S3 bucket),
 * run by the same runner as `npm run plan` (ts-node, the offline engine of scripts/offline/, the
 * stack's config and policy config, the same policy report over what it registered) and printing
 * the same kind of tree and report. `npm run bench:one-resource -- --stack prod`; what it is
 * compared with, and how, is scripts/bench/plan-ratio.sh.
 */
import * as aws from "@pulumi/aws";
import { runOffline } from "../offline/engine";
import { readStackConfig } from "../offline/stack-config";
import { runPolicyReport } from "../offline/policy-report";
import { loadPolicyConfig } from "../../policies/config";
import { renderOutputs, renderTree } from "../plan";

/** The program: one bucket, its name exported. */
export function oneResource(): Record<string, unknown> {
    const bucket = new aws.s3.Bucket("one");
    return { bucket: bucket.bucket };
}

async function main(): Promise<void> {
    const at = process.argv.indexOf("--stack");
    const stack = at >= 0 ? process.argv[at + 1] : "prod";
    const config = readStackConfig(stack);
    const policyConfig = loadPolicyConfig(stack);
    const started = Date.now();
    const run = await runOffline({ program: oneResource, config, stack });
    console.log(`one-resource offline plan · stack ${stack}\n\n${renderTree(run)}\n`);
    console.log(`Resources: ${run.resources.filter((r) => r.custom).length}, planned in ${Date.now() - started} ms\n`);
    console.log(renderOutputs(run) + "\n");
    console.log(runPolicyReport(run, stack, policyConfig).text);
}

if (require.main === module)
    main().catch((err) => {
        console.error(`one-resource plan failed: ${(err as Error).message ?? err}`);
        process.exit(1);
    });
