/**
 * The Node.js the README documents (package.json `engines.node`, 20.19+) runs every locked
 * package: `npm ci` on it prints no EBADENGINE warning. Checked against the lockfile, so a
 * dependency bump that needs a newer Node fails here instead of warning on a user's machine.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
// semver is a dependency of @pulumi/pulumi (and of npm itself): always installed.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const semver: { satisfies(v: string, range: string): boolean; minVersion(range: string): { version: string } | null } = require("semver");
import { PROJECT_ROOT } from "../../model";

describe("delivery: the documented Node.js runs every dependency", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8"));
    const lock = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "package-lock.json"), "utf8"));
    const oldest = semver.minVersion(pkg.engines.node)!.version;

    it("the README documents the Node.js of package.json's engines", () => {
        const readme = fs.readFileSync(path.join(PROJECT_ROOT, "README.md"), "utf8");
        assert.ok(readme.includes(`Node.js ${oldest.replace(/\.0$/, "")}+`), `README names Node.js ${oldest}+`);
    });

    it(`every locked package accepts Node.js ${oldest} (no EBADENGINE on npm ci)`, () => {
        const refused = Object.entries<{ version?: string; engines?: { node?: string } | string[] }>(lock.packages)
            .filter(([, p]) => p.engines && !Array.isArray(p.engines) && typeof p.engines.node === "string")
            .filter(([, p]) => !semver.satisfies(oldest, (p.engines as { node: string }).node))
            .map(([name, p]) => `${name}@${p.version} needs node ${(p.engines as { node: string }).node}`);
        assert.deepStrictEqual(refused, [], `on Node.js ${oldest}`);
    });
});
