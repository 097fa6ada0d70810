/**
 * No perpetual diff: planning the same input twice registers the same inputs (nothing derived from
 * the clock or a fresh random value), and every field AWS rewrites after the first up
 * (scripts/offline/updates.ts REWRITES: AWS Backup's window and retention on RDS, Application Auto
 * Scaling's desired count, ECS's blue/green target groups and weights) is ignored by the resource,
 * so a second `pulumi up` of unchanged input changes nothing.
 */
import * as assert from "assert";
import { presetNames } from "../../model";
import { runOffline, type OfflineRun } from "../../scripts/offline/engine";
import { perpetualDiffs, REWRITES, updateSteps } from "../../scripts/offline/updates";
import { planStack, stackConfig } from "../harness";

const brief = (run: OfflineRun, other: OfflineRun) =>
    updateSteps(run, other).map((s) => `${s.kind} ${s.urn.split("::").pop()} ${s.changed.join(", ")}`);

describe("no perpetual diff: a second plan of unchanged input changes nothing", function () {
    this.timeout(600000);

    for (const stack of ["dev", "staging", "prod"]) {
        for (const preset of presetNames()) {
            it(`${stack} · ${preset}: the same input plans the same registrations${stack === "prod" ? "; every field AWS rewrites is ignored" : ""}`, async () => {
                const first = await planStack({ stack, system: preset });
                // eslint-disable-next-line @typescript-eslint/no-require-imports
                const program = require("../../index");
                const second = await runOffline({ program, config: stackConfig({ stack, system: preset }), stack });
                assert.deepStrictEqual(brief(first.run, second), []);
                if (stack === "prod") assert.deepStrictEqual(perpetualDiffs(first.run), []);
            });
        }
    }

    it("the rewrites apply where they should: every kind is met by some preset", async () => {
        const runs = await Promise.all(presetNames().map((p) => planStack({ stack: "prod", system: p })));
        for (const w of REWRITES)
            assert.ok(
                runs.some((p) => p.resources.some((r) => r.type === w.type && w.applies(r, p.run))),
                `${w.type} ${w.path} applies to none`,
            );
    });

    it("a stack created when connection secrets had fixed names keeps them: no replacement of the protected secret", async () => {
        const now = await planStack({ stack: "prod", system: "auromart" });
        const SECRET = "aws:secretsmanager/secret:Secret";
        const earlier: OfflineRun = {
            ...now.run,
            resources: now.run.resources.map((r) =>
                r.type === SECRET && typeof r.inputs.namePrefix === "string" && r.inputs.namePrefix.startsWith("tierform/")
                    ? { ...r, inputs: { ...r.inputs, name: r.inputs.namePrefix.replace(/-$/, ""), namePrefix: undefined } }
                    : r,
            ),
        };
        assert.ok(earlier.resources.some((r) => r.type === SECRET && r.inputs.name));
        assert.deepStrictEqual(
            updateSteps(earlier, now.run).filter((s) => s.type === SECRET),
            [],
        );
    });
});
