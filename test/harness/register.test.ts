/**
 * The tests' TypeScript hook (test/harness/register.js) compiles as ts-node does: the same swc
 * options ts-node derives from tsconfig.json, and stack traces that name the .ts line.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
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

describe("the tests' code cache for node_modules' JavaScript (test/harness/register.js)", function () {
    this.timeout(60000);
    let dir: string;
    before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "tierform-code-cache-"))));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    /** Run `code` in a child with the hook; its stdout and the cache report on stderr. */
    const child = (code: string, env: Record<string, string> = {}) => {
        const r = spawnSync(process.execPath, ["-r", path.join(__dirname, "register.js"), "-e", code], {
            encoding: "utf8",
            cwd: dir,
            env: { ...process.env, TIERFORM_CODE_CACHE_DIR: path.join(dir, "cache"), TIERFORM_CODE_CACHE_REPORT: "1", ...env },
        });
        assert.equal(r.status, 0, r.stderr);
        const report = /code cache: (\d+) loaded, (\d+) written/.exec(r.stderr);
        return { out: r.stdout, loaded: Number(report?.[1] ?? -1), written: Number(report?.[2] ?? -1) };
    };

    it("a module runs as under Node's own loader: this, exports, require (resolve, paths, cache, main), __filename, __dirname", function () {
        const pkg = path.join(dir, "node_modules", "probe");
        fs.mkdirSync(pkg, { recursive: true });
        fs.writeFileSync(path.join(pkg, "other.js"), "module.exports = 42;\n");
        fs.writeFileSync(
            path.join(pkg, "index.js"),
            [
                "const self = this;",
                "module.exports = {",
                "  thisIsExports: self === exports && exports === module.exports,",
                "  other: require('./other'),",
                "  resolved: require.resolve('./other'),",
                "  paths: require.resolve.paths('x').slice(0, 2),",
                "  cached: Object.keys(require.cache).filter((k) => k.includes('probe')).sort(),",
                "  main: require.main === process.mainModule,",
                "  extensions: require.extensions === require('module')._extensions,",
                "  file: __filename,",
                "  dir: __dirname,",
                "  stackLine: new Error('x').stack.split('\\n')[1].trim(),",
                "};",
            ].join("\n"),
        );
        const code = "process.stdout.write(JSON.stringify(require('probe')))";
        const node = JSON.parse(child(code, { TIERFORM_CODE_CACHE: "0" }).out);
        const first = child(code);
        const second = child(code);
        assert.deepEqual(JSON.parse(first.out), node);
        assert.deepEqual(JSON.parse(second.out), node);
        assert.equal(node.other, 42);
        assert.equal(node.thisIsExports, true);
        assert.deepEqual([first.loaded, first.written], [0, 2], "the first run compiles both files and writes their cache");
        assert.deepEqual([second.loaded, second.written], [2, 0], "the second loads both from it");
    });

    it("a cached module's dynamic import() loads as under Node's own loader", function () {
        const pkg = path.join(dir, "node_modules", "dynamic");
        fs.mkdirSync(pkg, { recursive: true });
        fs.writeFileSync(path.join(pkg, "other.js"), "module.exports = { answer: 42 };\n");
        fs.writeFileSync(path.join(pkg, "index.js"), "module.exports = () => import('./other.js');\n");
        const code = "require('dynamic')().then((m) => process.stdout.write(JSON.stringify(m.default)))";
        const node = child(code, { TIERFORM_CODE_CACHE: "0" });
        const first = child(code);
        const second = child(code);
        assert.equal(node.out, '{"answer":42}');
        assert.equal(first.out, node.out);
        assert.equal(second.out, node.out);
        assert.equal(second.loaded, 1, "other.js from the cache; index.js, which may import(), left to Node");
    });

    it("caches a real dependency (yaml) across processes, and is off with TIERFORM_CODE_CACHE=0", function () {
        const code = `process.stdout.write(require(${JSON.stringify(require.resolve("yaml"))}).stringify({ a: [1, 2] }))`;
        const first = child(code);
        const second = child(code);
        const off = child(code, { TIERFORM_CODE_CACHE: "0" });
        assert.equal(first.out, "a:\n  - 1\n  - 2\n");
        assert.equal(second.out, first.out);
        assert.equal(off.out, first.out);
        assert.ok(first.written > 10 && first.loaded === 0, `first: ${first.loaded} loaded, ${first.written} written`);
        assert.ok(second.loaded === first.written && second.written === 0, `second: ${second.loaded} loaded, ${second.written} written`);
        assert.deepEqual([off.loaded, off.written], [0, 0]);
    });
});
