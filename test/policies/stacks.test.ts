/**
 * The shipped stacks pass their own packs: every preset on dev (advisory, counted) and, on
 * staging and prod, with zero mandatory violations.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { planStack } from "../harness";
import { runPolicyReport } from "../../scripts/offline/policy-report";

const ROOT = path.join(__dirname, "..", "..");
const PRESETS = fs
    .readdirSync(path.join(ROOT, "systems"))
    .filter((f) => f.endsWith(".yaml"))
    .map((f) => f.replace(/\.yaml$/, ""));
const STACKS: Array<{ stack: string; platform: string }> = [
    { stack: "dev", platform: "docker" },
    { stack: "staging", platform: "kubernetes" },
    { stack: "prod", platform: "aws" },
];

describe("shipped stacks pass their policy packs", function () {
    this.timeout(120000);
    for (const { stack, platform } of STACKS) {
        describe(`${stack} (${platform})`, () => {
            for (const system of PRESETS) {
                it(`${system}: no mandatory violation`, async () => {
                    const plan = await planStack({ stack, system });
                    const report = runPolicyReport(plan.run, stack);
                    const mandatory = report.violations.filter((v) => v.level === "mandatory");
                    assert.deepStrictEqual(
                        mandatory.map((v) => `${v.policy} · ${v.type ?? "(stack)"} ${v.resource ?? ""}: ${v.message}`),
                        [],
                        `${system} on ${stack} has mandatory violations`,
                    );
                    // Every policy that applies to the platform ran on something, so a pass is not vacuous.
                    assert.ok(Object.values(report.checked).filter((n) => n > 0).length >= 10, "too few policies applied");
                });
            }
        });
    }
});
