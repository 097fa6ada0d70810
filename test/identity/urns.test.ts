/**
 * Resource identity: every URN a preset had on a stack is still there, or carried by an alias, so
 * an existing stack updates in place instead of deleting and recreating (a database's data with it).
 *
 * The baseline (`urns/<stack>/<preset>.txt`) is what the program registered before the tier-plan
 * redesign (issue 13). A URN may leave it only through `retired-urns.txt`, one line per URN with
 * the reason after `#`: removing a resource on purpose is a reviewed change, never a regenerated file.
 * `TIERFORM_WRITE_URNS=1` adds URNs that are new to the baseline; it never removes one.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { presetNames } from "../../model";
import { planStack } from "../harness";

const HERE = __dirname;
const STACKS = ["dev", "staging", "prod"];

function baselineFile(stack: string, preset: string): string {
    return path.join(HERE, "urns", stack, `${preset}.txt`);
}

function readLines(file: string): string[] {
    if (!fs.existsSync(file)) return [];
    return fs
        .readFileSync(file, "utf8")
        .split("\n")
        .map((l) => l.replace(/#.*$/, "").trim())
        .filter(Boolean);
}

/** URNs removed on purpose, with their reason in the file. */
const retired = new Set(readLines(path.join(HERE, "retired-urns.txt")));

/** The baseline URNs the plan lost: neither registered again nor carried by an alias, nor retired. */
export function lostUrns(baseline: string[], registered: { urn: string; options: { aliasUrns?: string[] } }[]): string[] {
    const now = new Set(registered.flatMap((r) => [r.urn, ...(r.options.aliasUrns ?? [])]));
    return baseline.filter((u) => !now.has(u) && !retired.has(u));
}

describe("resource identity: URNs of every preset on every stack", function () {
    this.timeout(600_000);

    it("lostUrns: a renamed resource is lost unless an alias carries its old URN", () => {
        const old = "urn:pulumi:dev::tierform::tierform:docker:System$docker:index/container:Container::shop-web";
        const renamed = { urn: old.replace("shop-web", "shop-app"), options: {} };
        assert.deepEqual(lostUrns([old], [renamed]), [old]);
        assert.deepEqual(lostUrns([old], [{ ...renamed, options: { aliasUrns: [old] } }]), []);
    });

    for (const stack of STACKS) {
        for (const preset of presetNames()) {
            it(`${stack} / ${preset}: every baseline URN is registered or aliased`, async () => {
                const plan = await planStack({ stack, system: preset });
                const file = baselineFile(stack, preset);
                const baseline = readLines(file);
                if (process.env.TIERFORM_WRITE_URNS === "1") {
                    const added = plan.resources.map((r) => r.urn).filter((u) => !baseline.includes(u));
                    fs.mkdirSync(path.dirname(file), { recursive: true });
                    fs.writeFileSync(file, [...baseline, ...added].sort().join("\n") + "\n");
                    return;
                }
                assert.ok(baseline.length > 0, `no baseline for ${stack}/${preset}: run with TIERFORM_WRITE_URNS=1 once`);
                const lost = lostUrns(baseline, plan.resources);
                assert.deepEqual(
                    lost,
                    [],
                    `${lost.length} resource(s) of ${preset} on ${stack} would be deleted and recreated by the next update (add an alias, or retire the URN with a reason in test/identity/retired-urns.txt):\n${lost.join("\n")}`,
                );
            });
        }
    }
});
