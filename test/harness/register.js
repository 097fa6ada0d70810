/**
 * ts-node for the tests, with the compiled output of every file kept on disk: mocha (.mocharc.yml)
 * and the processes the tests start (`node -r ./test/harness/register.js`) use it. The same
 * transpiler as `ts-node --transpile-only` with tsconfig's `"swc": true` (ts-node's swc transpiler
 * over @swc/wasm), given an swc whose transformSync first looks in
 * node_modules/.cache/tierform/swc/ for the output of exactly this input, options and swc version;
 * only on a miss is @swc/wasm loaded (compiling its WebAssembly costs about half a second) and run.
 * ts-node still maps stack traces through each file's source map.
 */
"use strict";
/* eslint-disable @typescript-eslint/no-require-imports -- a require hook is loaded before TypeScript can be: plain CommonJS */
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

const dir = path.join(__dirname, "..", "..", "node_modules", ".cache", "tierform", "swc");
const version = require("@swc/wasm/package.json").version;
let wasm;

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

require("ts-node").register({ swc: false, transpileOnly: true, transpiler: ["ts-node/transpilers/swc", { swc: { transformSync } }] });
