import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT_ROOT } from "../../spec";

/** Run the offline plan the way `npm run plan -- ...` does, as a separate process. */
function plan(...args: string[]) {
    const result = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", "scripts/plan.ts", ...args], {
        cwd: PROJECT_ROOT,
        encoding: "utf8",
        timeout: 60000,
    });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("npm run plan (the offline plan)", function () {
    this.timeout(90000);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tierform-plan-"));
    after(() => fs.rmSync(tmp, { recursive: true, force: true }));

    it("exits 1 on bad config with the clear problem list and no stack trace", () => {
        const { code, stderr } = plan("--stack", "dev", "--system", "shopify");
        assert.equal(code, 1);
        assert.match(stderr, /tierform:system: 'shopify' is not a preset; presets: asset-management, auromart/);
        assert.doesNotMatch(stderr, /^\s+at /m, "no stack trace");
    });

    it("exits 1 on an unknown stack or flag, naming what exists", () => {
        const unknownStack = plan("--stack", "qa");
        assert.equal(unknownStack.code, 1);
        assert.match(unknownStack.stderr, /no stack file Pulumi\.qa\.yaml; stacks: dev, prod, staging/);
        const unknownFlag = plan("--stack", "dev", "--verbose", "1");
        assert.equal(unknownFlag.code, 1);
        assert.match(unknownFlag.stderr, /unknown argument '--verbose'/);
    });

    it("prints the tree and the policy report, and writes every resource as JSON with secrets redacted", () => {
        const file = path.join(tmp, "dev.json");
        const { code, stdout } = plan("--stack", "dev", "--system", "mdc-tts", "--json", file);
        assert.equal(code, 0, stdout);
        assert.match(stdout, /docker:System mdc-tts/);
        assert.match(stdout, /Resources: \d+ \(\+\d+ components\)/);
        assert.match(stdout, /Compliance with the seeds' checklists/);
        const json = JSON.parse(fs.readFileSync(file, "utf8"));
        assert.ok(json.resources.length > 40);
        for (const r of json.resources) {
            for (const key of ["urn", "type", "name", "parent", "custom", "inputs"]) assert.ok(key in r, `${r.urn} lacks ${key}`);
        }
        const text = fs.readFileSync(file, "utf8");
        // The mock runtime's generated passwords start with "mock-" and reach container env and
        // uploads as secrets; none may appear in the file.
        assert.doesNotMatch(text, /mock-/);
        assert.ok(text.includes('"[secret]"'), "secret inputs are replaced, not dropped");
        const containers = json.resources.filter((r: { type: string }) => r.type === "docker:index/container:Container");
        assert.ok(containers.length > 0 && Array.isArray(json.violations));
    });
});
