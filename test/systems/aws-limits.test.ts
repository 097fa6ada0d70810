/**
 * The prod stack deploys on a real AWS account: every preset, and the largest presets under the
 * longest system name the spec accepts (40 characters), plan with no AWS-limit problem (the offline
 * engine refuses a plan that breaks one, see scripts/offline/engine-rules/aws.ts), no mandatory
 * policy violation and no awsguard-equivalent finding.
 */
import * as assert from "assert";
import { runPolicyReport } from "../../scripts/offline/policy-report";
import { engineProblems } from "../../scripts/offline/engine-rules";
import { AWS_RULES } from "../../scripts/offline/engine-rules/aws";
import { presetNames } from "../../spec";
import { planStack } from "../harness";

/** The longest system name the spec accepts (`identifier`: 40 characters), starting with the preset's own. */
export function longestName(preset: string): string {
    return `${preset}-${"x".repeat(40)}`.slice(0, 40);
}

describe("AWS limits on the prod stack (what a real preview and apply refuse)", function () {
    this.timeout(120000);

    for (const preset of presetNames()) {
        it(`${preset}: no AWS-limit problem, no mandatory violation`, async () => {
            const p = await planStack({ stack: "prod", system: preset });
            assert.deepStrictEqual(engineProblems(p.run, AWS_RULES), []);
            assert.deepStrictEqual(runPolicyReport(p.run, "prod").violations.filter((v) => v.level === "mandatory"), []);
        });
    }

    for (const preset of ["mealkitz", "asset-management"]) {
        it(`${preset} named with the longest legal system name (40 characters): every AWS name fits`, async () => {
            const name = longestName(preset);
            assert.strictEqual(name.length, 40);
            const p = await planStack({ stack: "prod", system: preset, overrides: { name } });
            assert.ok(p.resources.some((r) => r.type === "aws:lb/loadBalancer:LoadBalancer"), "the plan registered the edge");
            assert.deepStrictEqual(engineProblems(p.run, AWS_RULES), []);
            assert.deepStrictEqual(runPolicyReport(p.run, "prod").violations.filter((v) => v.level === "mandatory").map((v) => `${v.policy}: ${v.message}`), []);
        });
    }
});
