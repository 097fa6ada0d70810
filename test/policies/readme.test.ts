/**
 * The pack's README documents every policy exactly as the code declares it, so the docs cannot
 * drift from `allPolicies`: one row per policy under the heading of its kind and platforms, with
 * its group, description, config settings, shipped level per stack and sources; no row for a
 * policy that does not exist.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { loadPolicyConfig } from "../../policies/config";
import { allPolicies, type AnyPolicy, policyMeta } from "../../policies/rules";

const README = fs.readFileSync(path.join(__dirname, "..", "..", "policies", "README.md"), "utf8").split("\n");
const STACKS = ["dev", "staging", "prod"];

/** The README row a policy must have. */
function expectedRow(p: AnyPolicy, levels: string): string {
    const meta = policyMeta[p.name];
    const settings = Object.keys(p.configSchema?.properties ?? {}).map((k) => `\`${k}\``);
    const checks = `${(p.description ?? "").replace(/ Source: .*$/, "")}${settings.length ? ` Config: ${settings.join(", ")}.` : ""}`;
    return `| \`${p.name}\` | ${meta.group} | ${checks} | ${levels} | ${meta.sources.join("; ")} |`;
}

/** The heading a policy's row sits under. */
function expectedHeading(p: AnyPolicy): string {
    const meta = policyMeta[p.name];
    return `### ${meta.kind === "resource" ? "Resource" : "Stack"} policies · ${meta.platforms.length === 3 ? "all platforms" : meta.platforms.join(", ")}`;
}

describe("policies/README.md", () => {
    const configs = STACKS.map((s) => loadPolicyConfig(s));
    const rowOf = (name: string) => README.findIndex((l) => l.startsWith(`| \`${name}\` |`));

    it("has a row for every policy", () => {
        assert.deepStrictEqual(
            allPolicies.map((p) => p.name).filter((n) => rowOf(n) < 0),
            [],
        );
    });

    it("describes each policy as declared: group, checks, config settings, level per stack, sources", () => {
        for (const p of allPolicies) {
            const i = rowOf(p.name);
            if (i < 0) continue; // reported above
            const levels = configs.map((c) => c.get(p.name)!.enforcementLevel).join(" / ");
            assert.strictEqual(README[i], expectedRow(p, levels), `the README row of ${p.name} (regenerate it from the policy)`);
            const heading = README.slice(0, i)
                .reverse()
                .find((l) => l.startsWith("### "));
            assert.strictEqual(heading, expectedHeading(p), `${p.name} sits under the wrong heading`);
        }
    });

    it("has no row for a policy that does not exist", () => {
        const names = new Set(allPolicies.map((p) => p.name));
        const rows = README.filter((l) => /^\| `[a-z0-9-]+` \| (security|reliability) \|/.test(l)).map((l) => /^\| `([^`]+)`/.exec(l)![1]);
        assert.ok(rows.length >= allPolicies.length, `found only ${rows.length} policy rows`);
        assert.deepStrictEqual(
            rows.filter((n) => !names.has(n)),
            [],
        );
    });
});
