/**
 * The docs are the repository's own: every file the README and docs/ link exists, the README
 * points at the architecture and the seeds table instead of files the repository does not hold,
 * and its first screen still holds the two commands a new user runs.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT } from "../../model";

const read = (file: string) => fs.readFileSync(path.join(PROJECT_ROOT, file), "utf8");
const DOCS = [
    "README.md",
    ...fs
        .readdirSync(path.join(PROJECT_ROOT, "docs"))
        .filter((f) => f.endsWith(".md"))
        .map((f) => `docs/${f}`),
    "policies/README.md",
];

describe("delivery: the docs are the repository's own", () => {
    it("every relative link of the README and docs/ points at a file that exists", () => {
        const missing: string[] = [];
        for (const doc of DOCS) {
            for (const m of read(doc).matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)) {
                if (/^[a-z]+:/.test(m[1])) continue;
                if (!fs.existsSync(path.resolve(PROJECT_ROOT, path.dirname(doc), m[1]))) missing.push(`${doc} → ${m[1]}`);
            }
        }
        assert.deepStrictEqual(missing, []);
    });

    it("the README cites docs the repository holds: architecture, seeds, checklists, pipeline", () => {
        const readme = read("README.md");
        assert.doesNotMatch(readme, /ARCHITECTURE\.md/, "no starting design the repository does not hold");
        for (const doc of ["docs/architecture.md", "docs/seeds.md", "docs/checklists.md", "docs/pipeline.md"])
            assert.ok(readme.includes(`](${doc})`), `README links ${doc}`);
        const architecture = read("docs/architecture.md");
        for (const heading of ["## Data flow", "## How to add a tier", "## How to add a platform"])
            assert.ok(architecture.includes(heading), `architecture.md: ${heading}`);
    });

    it("the README's first screen is the two commands a new user runs", () => {
        const firstScreen = read("README.md").split("\n").slice(0, 20).join("\n");
        assert.match(firstScreen, /^npm ci && npm run plan -- --stack dev +# .+$/m);
        assert.match(firstScreen, /^npm test +# .+$/m);
    });

    it("the prod secrets provider is described one way", () => {
        const providers = new Set<string>();
        for (const doc of DOCS) for (const m of read(doc).matchAll(/--secrets-provider "?(awskms:\/\/[^"\s]+)/g)) providers.add(m[1]);
        assert.deepStrictEqual([...providers], ["awskms://alias/tierform-prod?region=us-east-1"]);
        assert.doesNotMatch(
            read("docs/pipeline.md"),
            /Nothing else in the repository \(no other\s+branch/,
            "no claim the pull_request subject contradicts",
        );
    });

    it("the README's layout names every test folder, and only folders that exist", () => {
        const layout = /^test\/ +mocha: ([\s\S]*?)\n(?=\S)/m.exec(read("README.md"));
        assert.ok(layout, "the Layout block has a test/ line");
        const named = [...layout[1].matchAll(/([a-z-]+)\//g)].map((m) => m[1]);
        const folders = fs
            .readdirSync(path.join(PROJECT_ROOT, "test"), { withFileTypes: true })
            .filter((d) => d.isDirectory())
            .map((d) => d.name);
        assert.deepStrictEqual(
            named.filter((n) => !folders.includes(n)),
            [],
            "named but missing",
        );
        assert.deepStrictEqual(
            folders.filter((f) => !named.includes(f)),
            [],
            "present but not named",
        );
    });

    it("every npm command the README and docs/ show is a script of package.json", () => {
        const scripts = Object.keys(JSON.parse(read("package.json")).scripts);
        const builtin = ["ci", "install", "test", "audit"];
        const missing: string[] = [];
        for (const doc of DOCS)
            for (const m of read(doc).matchAll(/`npm (run )?([a-z][\w:-]*)/g)) {
                const name = m[2];
                if (m[1] ? !scripts.includes(name) : !builtin.includes(name) && !scripts.includes(name))
                    missing.push(`${doc}: npm ${m[1] ?? ""}${name}`);
            }
        for (const m of read("README.md").matchAll(/^npm (run )?([a-z][\w:-]*)/gm))
            if (!(m[1] ? scripts : [...scripts, ...builtin]).includes(m[2])) missing.push(`README.md: npm ${m[1] ?? ""}${m[2]}`);
        assert.deepStrictEqual(missing, []);
    });

    it("the README says which presets npm test brings up on a real daemon, as scripts/test.sh does", () => {
        const presets = /TFT_PRESETS:-([\w,-]+)\}/.exec(read("scripts/test.sh"))?.[1].split(",");
        assert.ok(presets, "scripts/test.sh sets its default TFT_PRESETS");
        const readme = read("README.md").replace(/\s+/g, " ");
        assert.doesNotMatch(readme, /`npm test` brings every preset/, "npm test does not bring up every preset");
        const claims = [...readme.matchAll(/`npm test` brings the ([\w-]+) and ([\w-]+) dev containers/g)];
        assert.ok(claims.length > 0, "the README says which presets npm test brings up");
        for (const c of claims) assert.deepStrictEqual([c[1], c[2]].sort(), [...presets].sort());
        assert.match(readme, new RegExp(`every container of the ${presets.join(" and ")} dev plans`));
    });

    it("the README creates the staging and prod stacks with a secrets provider", () => {
        const readme = read("README.md");
        for (const stack of ["staging", "prod"])
            assert.match(
                readme,
                new RegExp(`^pulumi stack init ${stack} --secrets-provider \\S+`, "m"),
                `${stack}: stack init with a secrets provider`,
            );
    });
});
