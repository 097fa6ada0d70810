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

    it("the README says what npm test and npm run test:dev-stack run on a real daemon, as scripts/test.sh, package.json and .ci/run do", () => {
        const mocha = read("scripts/test.sh")
            .split("\n")
            .filter((l) => /\/mocha"? /.test(l));
        assert.strictEqual(mocha.length, 1, "scripts/test.sh runs mocha once");
        assert.match(mocha[0], /'test\/\*\*\/\*\.test\.ts'/, "over every test file, test/docker-engine/home.test.ts among them");
        assert.match(mocha[0], /--ignore 'test\/docker-engine\/dev-stack\.test\.ts'/, "the deployment of every preset is left out");
        assert.match(JSON.parse(read("package.json")).scripts["test:dev-stack"], /test\/docker-engine/);
        assert.match(read(".ci/run"), /^npm test\n(#.*\n)*npm run test:dev-stack$/m, "CI runs the deployment after npm test");
        const readme = read("README.md").replace(/\s+/g, " ");
        assert.doesNotMatch(readme, /`npm test` brings (every|the)/, "npm test brings up no preset");
        assert.match(readme, /`npm test` runs only the HOME check there/);
        assert.match(readme, /`npm run test:dev-stack` creates every container of all five presets' dev plans/);
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
