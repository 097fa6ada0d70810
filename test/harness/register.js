/**
 * TypeScript for the tests: mocha (.mocharc.yml) and the processes the tests start
 * (`node -r ./test/harness/register.js`) load every `.ts` file through this hook. It compiles as
 * `ts-node --transpile-only` does with tsconfig's `"swc": true` — the same swc (@swc/wasm) with
 * the same options, {@link SWC_OPTIONS}, which test/harness/register.test.ts holds equal to what
 * ts-node derives from tsconfig.json — without loading ts-node, which loads the TypeScript compiler
 * to read tsconfig.json (about 0.6 s of CPU in every process: the plan's command-line tests start
 * eleven). The output of each input is kept in node_modules/.cache/tierform/swc/, keyed by input,
 * options and swc version; only on a miss is @swc/wasm loaded (compiling its WebAssembly costs
 * about half a second) and run. Stack traces are mapped through each file's inline source map by
 * Node itself (process.setSourceMapsEnabled), as ts-node maps them with source-map-support; the
 * source maps of node_modules' JavaScript are not read (see the `.js` hook below).
 */
"use strict";
/* eslint-disable @typescript-eslint/no-require-imports -- a require hook is loaded before TypeScript can be: plain CommonJS */
const crypto = require("crypto");
const fs = require("fs");
const Module = require("module");
const path = require("path");

const dir = path.join(__dirname, "..", "..", "node_modules", ".cache", "tierform", "swc");
const version = require("@swc/wasm/package.json").version;
let wasm;

/**
 * What ts-node (10.9, dist/transpilers/swc.js `createSwcOptions`) passes to swc for this
 * project's tsconfig.json (target ES2022, module commonjs, esModuleInterop, strict, no decorators),
 * with `sourceMaps` on as ts-node always sets it. register.test.ts compares the two.
 */
const SWC_OPTIONS = {
    sourceMaps: true,
    module: { type: "commonjs", noInterop: false, strictMode: true, ignoreDynamic: false },
    swcrc: false,
    jsc: {
        externalHelpers: false,
        parser: { syntax: "typescript", tsx: false, decorators: false, dynamicImport: true, importAssertions: true },
        target: "es2022",
        transform: {
            decoratorMetadata: false,
            legacyDecorator: true,
            react: { throwIfNamespace: false, useBuiltins: false },
            useDefineForClassFields: true,
        },
        keepClassNames: true,
        experimental: { keepImportAttributes: true, emitAssertForImportAttributes: true },
    },
};

/** @swc/wasm's transformSync, answered from the cache when it has run on this input before. */
function transformSync(input, options) {
    const key = crypto
        .createHash("sha256")
        .update(`${version}\0${JSON.stringify(options)}\0${input}`)
        .digest("hex");
    const file = path.join(dir, `${key}.json`);
    try {
        return JSON.parse(fs.readFileSync(file, "utf8"));
    } catch {
        // not cached yet
    }
    wasm ??= require("@swc/wasm");
    const out = wasm.transformSync(input, options);
    const result = { code: out.code, map: out.map };
    try {
        fs.mkdirSync(dir, { recursive: true });
        const tmp = `${file}.${process.pid}.tmp`;
        fs.writeFileSync(tmp, JSON.stringify(result));
        fs.renameSync(tmp, file);
    } catch {
        // a read-only tree still runs, uncached
    }
    return result;
}

/** The JavaScript for a `.ts` file: swc's output with its source map inline. */
function compile(source, filename) {
    const { code, map } = transformSync(source, { ...SWC_OPTIONS, filename });
    return `${code}\n//# sourceMappingURL=data:application/json;charset=utf-8;base64,${Buffer.from(map).toString("base64")}\n`;
}

/** Whether Node caches the source map of each module it compiles (and maps stack traces through them). */
let sourceMaps = false;

/** Run `load` with Node's source maps `on` (or off), then set them back as they were. */
function withSourceMaps(on, load) {
    const before = sourceMaps;
    if (on !== before) process.setSourceMapsEnabled((sourceMaps = on));
    try {
        return load();
    } finally {
        if (sourceMaps !== before) process.setSourceMapsEnabled((sourceMaps = before));
    }
}

if (!Module._extensions[".ts"]) {
    process.setSourceMapsEnabled((sourceMaps = true));
    Module._extensions[".ts"] = function (module, filename) {
        withSourceMaps(true, () => module._compile(compile(fs.readFileSync(filename, "utf8"), filename), filename));
    };
    // With source maps on, Node reads and parses the map of every module it compiles, node_modules'
    // .js files too (@pulumi/* ship a .js.map beside each file): about a tenth of a plan's start-up.
    // Their traces are not what a test failure needs: their maps are left unread (Node's
    // maybeCacheSourceMap returns at once while source maps are off), the project's own stay mapped.
    const loadJs = Module._extensions[".js"];
    Module._extensions[".js"] = function (module, filename) {
        if (!filename.includes(`${path.sep}node_modules${path.sep}`)) return loadJs(module, filename);
        return withSourceMaps(false, () => loadJs(module, filename));
    };
}

module.exports = { SWC_OPTIONS, compile };
