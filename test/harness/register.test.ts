/**
 * The tests' TypeScript hook (test/harness/register.js) compiles as ts-node does: the same swc
 * options ts-node derives from tsconfig.json, and stack traces that name the .ts line.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { create } from "ts-node";
import * as swc from "@swc/wasm";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const hook = require("./register.js") as { SWC_OPTIONS: unknown; compile: (source: string, filename: string) => string };

describe("the tests' TypeScript hook", function () {
    this.timeout(30000);

    it("gives swc exactly the options ts-node derives from tsconfig.json (ts-node's createSwcOptions)", function () {
        const service = create({ transpileOnly: true, project: path.join(__dirname, "..", "..", "tsconfig.json") });
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { createSwcOptions } = require("ts-node/transpilers/swc") as {
            createSwcOptions: (options: unknown, kind: unknown, swc: unknown, name: string) => { nonTsxOptions: unknown };
        };
        const derived = createSwcOptions(service.config.options, undefined, swc, "@swc/wasm").nonTsxOptions;
        assert.deepEqual(JSON.parse(JSON.stringify(hook.SWC_OPTIONS)), JSON.parse(JSON.stringify(derived)));
    });

    it("maps a stack trace to the TypeScript source line (line 9 of fixtures/stack-probe.ts)", function () {
        const probe = path.join(__dirname, "fixtures", "stack-probe.ts");
        const js = hook.compile(fs.readFileSync(probe, "utf8"), probe).split("\n");
        assert.notEqual(js.findIndex((l) => l.includes("new Error")) + 1, 9, "the JavaScript has the error on another line");
        const r = spawnSync(
            process.execPath,
            [
                "-r",
                path.join(__dirname, "register.js"),
                "-e",
                `process.stdout.write(require(${JSON.stringify(probe)}).probeStack({ kind: "probe" }))`,
            ],
            { encoding: "utf8" },
        );
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stdout, /stack-probe\.ts:9:\d+/, r.stdout);
    });

    it("reads the source maps of the project's files only, not those node_modules' JavaScript ships (@pulumi/pulumi's .js.map)", function () {
        const probe = path.join(__dirname, "fixtures", "stack-probe.ts");
        const pulumi = require.resolve("@pulumi/pulumi");
        assert.match(fs.readFileSync(pulumi, "utf8"), /\/\/# sourceMappingURL=index\.js\.map\s*$/, "the package ships a source map");
        // A .ts file loaded after the package, and one loaded while a package loads (its stack maps all the same).
        const r = spawnSync(
            process.execPath,
            [
                "-r",
                path.join(__dirname, "register.js"),
                "-e",
                [
                    `require("@pulumi/pulumi");`,
                    `const probe = require(${JSON.stringify(probe)});`,
                    `const { findSourceMap } = require("module");`,
                    `console.log(JSON.stringify({ pulumi: findSourceMap(${JSON.stringify(pulumi)}) !== undefined, probe: findSourceMap(${JSON.stringify(probe)}) !== undefined, stack: probe.probeStack({ kind: "probe" }) }));`,
                ].join("\n"),
            ],
            { encoding: "utf8" },
        );
        assert.equal(r.status, 0, r.stderr);
        const seen = JSON.parse(r.stdout) as { pulumi: boolean; probe: boolean; stack: string };
        assert.deepEqual({ pulumi: seen.pulumi, probe: seen.probe }, { pulumi: false, probe: true });
        assert.match(seen.stack, /stack-probe\.ts:9:\d+/, seen.stack);
    });
});
