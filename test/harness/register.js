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
const vm = require("vm");

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
        return withSourceMaps(false, () => loadWithCodeCache(module, filename) || loadJs(module, filename));
    };
    process.on("exit", writeCodeCaches);
}

/**
 * V8's code cache for node_modules' CommonJS: compiling their JavaScript took about a quarter of
 * the CPU of a plan's command-line process, in every process a test starts. Node 20 has no
 * compile cache of its own (module.enableCompileCache is Node 22), so this does what
 * v8-compile-cache did: each module is compiled as a vm.Script with the cached data of its last
 * compilation (keyed by path and content, under node_modules/.cache/tierform/v8/<node version, flags>),
 * and what had none, or had it rejected, gets it written when the process exits, with the functions
 * the run compiled. The module then runs as Module.prototype._compile would run it: its wrapper
 * called with exports, a require made as Node makes it, the module, its file and directory.
 * Left to Node: an ES module package's files, a file with a hashbang or a dynamic import(), and
 * TIERFORM_CODE_CACHE=0.
 * TIERFORM_CODE_CACHE_DIR puts the cache elsewhere.
 */
const codeCacheDir = path.join(
    process.env.TIERFORM_CODE_CACHE_DIR || path.join(__dirname, "..", "..", "node_modules", ".cache", "tierform", "v8"),
    // V8 rejects cached data made under other flags (a --max-semi-space-size, which npm test sets,
    // is enough): each set of flags has its own, or npm test and a direct mocha run would rewrite it in turn.
    `${process.version}-${process.arch}-${crypto
        .createHash("sha256")
        .update(`${process.execArgv.join(" ")}\0${process.env.NODE_OPTIONS ?? ""}`)
        .digest("hex")
        .slice(0, 12)}`,
);
/** How many modules were loaded with cached data, for TIERFORM_CODE_CACHE_REPORT=1 (test/harness/register.test.ts). */
let cacheHits = 0;
/** Scripts compiled without usable cached data, and where theirs goes. */
const uncached = [];
/** Each directory's package type ("module" or not), from its nearest package.json. */
const packageTypes = new Map();

function packageType(dir) {
    if (packageTypes.has(dir)) return packageTypes.get(dir);
    let type;
    try {
        type = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")).type ?? "commonjs";
    } catch {
        const parent = path.dirname(dir);
        type = parent === dir ? "commonjs" : packageType(parent);
    }
    packageTypes.set(dir, type);
    return type;
}

/** Load `filename` (CommonJS) with V8's code cache; false when it is left to Node. */
function loadWithCodeCache(module, filename) {
    // Without USE_MAIN_CONTEXT_DEFAULT_LOADER (Node 20.12 and later) a cached module's dynamic import() would fail.
    const mainContextImport = vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER;
    if (
        process.env.TIERFORM_CODE_CACHE === "0" ||
        mainContextImport === undefined ||
        !filename.endsWith(".js") ||
        packageType(path.dirname(filename)) === "module"
    )
        return false;
    let source = fs.readFileSync(filename, "utf8");
    if (source.charCodeAt(0) === 0xfeff) source = source.slice(1);
    // A script compiled from cached data loses its dynamic import() callback on Node 20
    // (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING, seen in register.test.ts): a file that may import() is left to Node.
    if (source.startsWith("#!") || /\bimport\s*\(/.test(source)) return false;
    const file = path.join(codeCacheDir, crypto.createHash("sha256").update(`${filename}\0${source}`).digest("hex"));
    let cachedData;
    try {
        cachedData = fs.readFileSync(file);
    } catch {
        // not cached yet
    }
    const script = new vm.Script(Module.wrap(source), {
        filename,
        cachedData,
        importModuleDynamically: mainContextImport,
    });
    if (cachedData === undefined || script.cachedDataRejected) uncached.push([script, file]);
    else cacheHits++;
    const wrapper = script.runInThisContext({ displayErrors: true });
    // Node's makeRequireFunction (lib/internal/modules/helpers.js).
    const require = (id) => module.require(id);
    require.resolve = (request, options) => Module._resolveFilename(request, module, false, options);
    require.resolve.paths = (request) => Module._resolveLookupPaths(request, module);
    require.main = process.mainModule;
    require.extensions = Module._extensions;
    require.cache = Module._cache;
    wrapper.call(module.exports, module.exports, require, module, filename, path.dirname(filename));
    return true;
}

/** At exit: the cached data of each script that had none, with what the run compiled of it. */
function writeCodeCaches() {
    if (process.env.TIERFORM_CODE_CACHE_REPORT === "1")
        process.stderr.write(`code cache: ${cacheHits} loaded, ${uncached.length} written\n`);
    if (uncached.length === 0) return;
    try {
        fs.mkdirSync(codeCacheDir, { recursive: true });
        for (const [script, file] of uncached) {
            const tmp = `${file}.${process.pid}.tmp`;
            fs.writeFileSync(tmp, script.createCachedData());
            fs.renameSync(tmp, file);
        }
    } catch {
        // a read-only tree still runs, uncached
    }
}

module.exports = { SWC_OPTIONS, compile };
