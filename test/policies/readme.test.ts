/** The pack's README documents every policy, so the docs cannot drift from `allPolicies`. */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { allPolicies } from "../../policies/rules";

describe("policies/README.md", () => {
    it("has a row for every policy", () => {
        const readme = fs.readFileSync(path.join(__dirname, "..", "..", "policies", "README.md"), "utf8");
        const missing = allPolicies.map((p) => p.name).filter((n) => !readme.includes(`| \`${n}\` |`));
        assert.deepStrictEqual(missing, []);
    });
});
