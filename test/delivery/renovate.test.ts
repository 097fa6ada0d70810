/**
 * renovate.json keeps every pin current without a person remembering: it is valid against the
 * options Renovate declares (an excerpt of its schema, fixtures/renovate-schema.json), and its
 * regex managers, applied to the files they name the way Renovate applies them (every match of
 * every matchString; a named group or a `…Template` fills a field; a dependency needs a name, a
 * value and a datasource — renovatebot/renovate lib/modules/manager/custom/regex/utils.ts and
 * ../utils.ts `isValidDependency`), find every entry of the pin table with its exact value, so a
 * pin added in a form no rule reads fails here.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import Ajv from "ajv";
import { type Pin, PINS } from "../../conventions/pins";

const ROOT = path.join(__dirname, "..", "..");
const CONFIG = JSON.parse(fs.readFileSync(path.join(ROOT, "renovate.json"), "utf8")) as {
    enabledManagers: string[];
    customManagers: Array<{ managerFilePatterns: string[]; matchStrings: string[]; [template: string]: unknown }>;
};
const SCHEMA = JSON.parse(fs.readFileSync(path.join(__dirname, "fixtures", "renovate-schema.json"), "utf8")) as Record<string, unknown>;
const FIELDS = ["depName", "packageName", "currentValue", "currentDigest", "datasource", "versioning", "registryUrl"] as const;

/** A dependency a regex manager extracts. */
type Dep = Partial<Record<(typeof FIELDS)[number], string>> & { file: string };

/** The repository's files (no node_modules, no .git), relative, with `/`. */
function repoFiles(dir = ""): string[] {
    return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
        if (e.name === "node_modules" || e.name === ".git") return [];
        const rel = dir ? `${dir}/${e.name}` : e.name;
        return e.isDirectory() ? repoFiles(rel) : [rel];
    });
}

/** A `managerFilePatterns` entry: `/regex/` (Renovate also takes globs; this repository uses regexes only). */
function filePattern(p: string): RegExp {
    const m = /^\/(.*)\/([a-z]*)$/.exec(p);
    assert.ok(m, `managerFilePatterns entry ${p} is a /regex/`);
    return new RegExp(m[1], m[2]);
}

/** `{{{name}}}` templates (the only form renovate.json uses) over the match's groups. */
function render(template: string, groups: Record<string, string | undefined>): string {
    assert.doesNotMatch(template.replace(/\{\{\{\w+\}\}\}/g, ""), /\{\{/, `template ${template} uses only {{{name}}}`);
    return template.replace(/\{\{\{(\w+)\}\}\}/g, (_, k: string) => groups[k] ?? "");
}

/** Every valid dependency `manager` extracts from `text`. */
export function extract(manager: (typeof CONFIG.customManagers)[number], file: string, text: string): Dep[] {
    const deps: Dep[] = [];
    for (const source of manager.matchStrings) {
        for (const m of text.matchAll(new RegExp(source, "g"))) {
            const groups = m.groups ?? {};
            const dep: Dep = { file };
            for (const f of FIELDS) {
                const template = manager[`${f}Template`];
                if (typeof template === "string") dep[f] = render(template, groups);
                else if (groups[f]) dep[f] = groups[f];
            }
            if ((dep.depName || dep.packageName) && (dep.currentValue || dep.currentDigest) && dep.datasource) deps.push(dep);
        }
    }
    return deps;
}

/** Every dependency the custom managers find in `files` (path → text). */
function extractAll(files: Record<string, string>): Dep[] {
    return CONFIG.customManagers.flatMap((manager) => {
        const patterns = manager.managerFilePatterns.map(filePattern);
        return Object.entries(files)
            .filter(([f]) => patterns.some((p) => p.test(f)))
            .flatMap(([f, text]) => extract(manager, f, text));
    });
}

/** The pins no extracted dependency reads exactly (name, package, value, datasource, registry, digest). */
export function uncovered(pins: Record<string, Pin>, deps: Dep[]): string[] {
    return Object.entries(pins)
        .filter(([name, p]) => {
            const d = deps.find((x) => x.depName === name);
            return (
                !d ||
                d.packageName !== p.packageName ||
                d.currentValue !== p.value ||
                d.datasource !== p.datasource ||
                d.registryUrl !== p.registryUrl ||
                d.currentDigest !== p.digest
            );
        })
        .map(([name]) => name);
}

const PIN_FILE = "conventions/pins.ts";
const read = (f: string) => fs.readFileSync(path.join(ROOT, f), "utf8");

describe("renovate.json", () => {
    it("is valid against the options Renovate declares", () => {
        const ajv = new Ajv({ allErrors: true, strict: false });
        const valid = ajv.validate(SCHEMA, CONFIG);
        assert.ok(valid, ajv.errorsText(ajv.errors));
        for (const m of CONFIG.customManagers) for (const s of m.matchStrings) assert.doesNotThrow(() => new RegExp(s), s);
        // The pins' datasources are ones Renovate has.
        const datasources = (SCHEMA.$defs as { datasource: { enum: string[] } }).datasource.enum;
        for (const [name, p] of Object.entries(PINS)) assert.ok(datasources.includes(p.datasource), `${name}: datasource ${p.datasource}`);
    });

    it("updates npm packages and the workflows' actions", () => {
        assert.ok(
            CONFIG.enabledManagers.includes("npm") &&
                CONFIG.enabledManagers.includes("github-actions") &&
                CONFIG.enabledManagers.includes("custom.regex"),
        );
    });

    it("reads every entry of the pin table with its exact value", () => {
        const files = Object.fromEntries(
            repoFiles()
                .filter((f) => f === PIN_FILE || f.startsWith(".github/"))
                .map((f) => [f, read(f)]),
        );
        const deps = extractAll(files).filter((d) => d.file === PIN_FILE);
        assert.deepEqual(uncovered(PINS, deps), []);
        assert.equal(deps.length, Object.keys(PINS).length, "one dependency per pin, no stray matches");
    });

    it("reads the workflows' Node version, CI container and Trivy image", () => {
        const workflows = repoFiles(".github/workflows");
        const deps = extractAll(Object.fromEntries(workflows.map((f) => [f, read(f)])));
        for (const f of workflows) {
            const text = read(f);
            const nodes = (text.match(/node-version:/g) ?? []).length;
            assert.equal(
                deps.filter((d) => d.file === f && d.depName === "nodeVersion" && d.currentValue === PINS.nodeVersion.value).length,
                nodes,
                `${f}: every node-version`,
            );
            const containers = (text.match(/container: node:/g) ?? []).length;
            assert.equal(
                deps.filter((d) => d.file === f && d.depName === "ciNodeImage" && d.currentValue === PINS.ciNodeImage.value).length,
                containers,
                `${f}: every CI container`,
            );
            const trivies = (text.match(/aquasecurity\/trivy:/g) ?? []).length;
            assert.equal(
                deps.filter((d) => d.file === f && d.depName === "trivy" && d.currentValue === PINS.trivy.value).length,
                trivies,
                `${f}: every trivy image`,
            );
        }
    });

    it("misses a pin written in a form no rule reads (the check sees it)", () => {
        const extra = {
            ...PINS,
            stray: { kind: "image", datasource: "docker", packageName: "nginx", value: "1.30.4", source: "test" } as Pin,
        };
        const text = `${read(PIN_FILE)}\n    stray: { value: "1.30.4", kind: "image", datasource: "docker", packageName: "nginx", source: "test" },\n`;
        const deps = extractAll({ [PIN_FILE]: text }).filter((d) => d.file === PIN_FILE);
        assert.deepEqual(uncovered(extra, deps), ["stray"]);
    });
});
