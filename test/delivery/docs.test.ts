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
});
