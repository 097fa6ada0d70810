/**
 * The kept passes of real tools (test/harness/tools.ts `runTool`): a pass is answered again only for
 * the same tool, arguments and bytes; a changed input or a failure runs the tool.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runTool } from "./tools";

describe("harness: a tool's kept passes", function () {
    let dir: string;
    let counter: string;
    /** The tool: /bin/sh on a script that counts its runs outside the keyed directory. */
    const script = (body: string) => {
        const file = path.join(dir, "check.sh");
        fs.writeFileSync(file, `echo run >>"${counter}"\n${body}\n`.replace(counter, "$COUNTER"));
        return file;
    };
    const runs = () => (fs.existsSync(counter) ? fs.readFileSync(counter, "utf8").split("\n").filter(Boolean).length : 0);
    let saved: string | undefined;
    before(() => {
        saved = process.env.COUNTER;
        counter = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "tierform-tool-count-")), "runs");
        process.env.COUNTER = counter;
    });
    after(() => {
        if (saved === undefined) delete process.env.COUNTER;
        else process.env.COUNTER = saved;
        fs.rmSync(path.dirname(counter), { recursive: true, force: true });
    });
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "tierform-tool-"));
        fs.rmSync(counter, { force: true });
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("answers a pass on the same bytes (in a new temporary directory) without running the tool, with what it printed", function () {
        const marker = `pass ${process.pid} ${Date.now()}`;
        assert.deepEqual(runTool("/bin/sh", [script(`echo "${marker}"`)]), { ok: true, output: `${marker}\n` });
        assert.equal(runs(), 1);
        fs.rmSync(dir, { recursive: true, force: true });
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "tierform-tool-"));
        assert.deepEqual(runTool("/bin/sh", [script(`echo "${marker}"`)]), { ok: true, output: `${marker}\n` });
        assert.equal(runs(), 1, "the second answer came from the kept pass");
    });

    it("runs the tool again when a byte it can read changed: the file, or another file beside it", function () {
        const marker = `changed ${process.pid} ${Date.now()}`;
        const file = script(`echo "${marker}"`);
        runTool("/bin/sh", [file]);
        fs.writeFileSync(path.join(dir, "rules.yaml"), "groups: []\n");
        runTool("/bin/sh", [file]);
        assert.equal(runs(), 2);
        runTool("/bin/sh", [script(`echo "${marker}!"`)]);
        assert.equal(runs(), 3);
    });

    it("never keeps a failure", function () {
        const file = script(`echo "fails ${process.pid} ${Date.now()}"; exit 1`);
        assert.equal(runTool("/bin/sh", [file]).ok, false);
        assert.equal(runTool("/bin/sh", [file]).ok, false);
        assert.equal(runs(), 2);
    });

    it("TIERFORM_TOOL_PASSES=0 runs the tool every time", function () {
        const file = script(`echo "off ${process.pid} ${Date.now()}"`);
        process.env.TIERFORM_TOOL_PASSES = "0";
        try {
            runTool("/bin/sh", [file]);
            runTool("/bin/sh", [file]);
        } finally {
            delete process.env.TIERFORM_TOOL_PASSES;
        }
        assert.equal(runs(), 2);
    });
});
