/**
 * docs/seeds.md stays true: every cell — ✔, ~ and ✘ alike — is checked against that preset's
 * offline plan on that stack. test/delivery/seed-checks.ts holds, per row id and platform, the
 * mark the table must give and a predicate that holds exactly when the cell is true (a ✘ predicate
 * asserts the plan lacks the thing, so building it fails this test until the row is updated). A
 * row without checks, checks without a row, or a mark that differs from the checks' fails. The
 * README's one-line summary per seed is generated from the table (`seedSummary`) and compared.
 * Each preset × stack is planned once (the harness caches runs across test files).
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { planStack, type Plan } from "../harness";
import { presetNames, PROJECT_ROOT } from "../../model";
import { CHECKS } from "./seed-checks";
import { PLATFORMS, PRESET_OF, README_END, README_START, SEED_OF, seedRows, seedSummary } from "../../scripts/seeds-summary";

const MARKS = /^(✔|~|✘) \S/;
const SEED_REF = /^(\d{3}):\d+(-\d+)?(, \d+(-\d+)?)*$/;

describe("delivery: docs/seeds.md, the seeds' demands per platform", function () {
    this.timeout(600000);
    const rows = seedRows(fs.readFileSync(path.join(PROJECT_ROOT, "docs", "seeds.md"), "utf8"));

    it("has a row per demand of each of the five seeds: id, seed line, demand, and per platform ✔, ~ or ✘ with what", () => {
        const ids = rows.map((r) => r.id);
        assert.strictEqual(new Set(ids).size, ids.length, "row ids are unique");
        assert.deepStrictEqual(Object.values(PRESET_OF).sort(), presetNames());
        for (const row of rows) {
            const prefix = row.id.split("-")[0];
            assert.ok(PRESET_OF[prefix], `${row.id}: the prefix names a seed (${Object.keys(PRESET_OF).join(", ")})`);
            const ref = SEED_REF.exec(row.seed);
            assert.ok(
                ref && ref[1] === SEED_OF[prefix],
                `${row.id}: seed reference "${row.seed}" is ${SEED_OF[prefix]}:<line>[-<line>], …`,
            );
            for (const [platform, cell] of Object.entries(row.cells))
                assert.match(cell, MARKS, `${row.id} ${platform}: ✔, ~ or ✘ and what`);
        }
    });

    it("every row has its checks and every check its row, with the same mark on every platform", () => {
        const problems: string[] = [];
        const ids = new Set(rows.map((r) => r.id));
        for (const row of rows) {
            const checks = CHECKS[row.id];
            if (!checks) {
                problems.push(`${row.id}: no checks in test/delivery/seed-checks.ts`);
                continue;
            }
            for (const p of PLATFORMS)
                if (!row.cells[p].startsWith(checks[p].mark))
                    problems.push(`${row.id} ${p}: the table says "${row.cells[p].slice(0, 1)}", the checks "${checks[p].mark}"`);
        }
        for (const id of Object.keys(CHECKS)) if (!ids.has(id)) problems.push(`${id}: checked, but docs/seeds.md has no such row`);
        assert.deepStrictEqual(problems, []);
    });

    for (const platform of PLATFORMS) {
        it(`every cell on ${platform} holds in that preset's ${platform} plan (✔ and ~: what is built; ✘: that it is not)`, async () => {
            const failures: string[] = [];
            const plans = new Map<string, Plan>();
            for (const preset of Object.values(PRESET_OF)) plans.set(preset, await planStack({ stack: platform, system: preset }));
            for (const row of rows) {
                const cell = CHECKS[row.id]?.[platform];
                if (!cell) continue; // reported by the test above
                if (!cell.check(plans.get(PRESET_OF[row.id.split("-")[0]])!))
                    failures.push(`${row.id} on ${platform}: "${row.cells[platform]}" does not hold`);
            }
            assert.deepStrictEqual(failures, []);
        });
    }

    it("a ✔ check fails on a plan without the thing, a ✘ check on a plan with it (the predicates are live)", async () => {
        const mdc = await planStack({ stack: "dev", system: "mdc-tts" });
        const aof = CHECKS["mdc-redis-aof"].dev.check;
        assert.strictEqual(aof(mdc), true);
        const withoutAof = {
            resources: mdc.resources.map((r) => ({
                ...r,
                inputs: JSON.parse(JSON.stringify(r.inputs).replace(/appendonly[ ",]*yes/g, "appendonly no")),
            })),
        };
        assert.strictEqual(aof(withoutAof), false);

        const prod = await planStack({ stack: "prod", system: "auromart" });
        const pooling = CHECKS["am-conn-pooling"].prod;
        assert.strictEqual(pooling.mark, "✘");
        assert.strictEqual(pooling.check(prod), true);
        const withProxy = {
            resources: [
                ...prod.resources,
                { type: "aws:rds/proxy:Proxy", name: "db-proxy", custom: true, inputs: { engineFamily: "MYSQL" } },
            ],
        };
        assert.strictEqual(pooling.check(withProxy), false, "building an RDS Proxy turns am-conn-pooling's ✘ false");
    });

    it("the README's summary of the table is the one generated from it", () => {
        const readme = fs.readFileSync(path.join(PROJECT_ROOT, "README.md"), "utf8");
        const start = readme.indexOf(README_START);
        const end = readme.indexOf(README_END);
        assert.ok(start >= 0 && end > start, `README.md has the markers ${README_START} … ${README_END}`);
        const current = readme
            .slice(start + README_START.length, end)
            .split("\n")
            .filter((l) => l.trim());
        assert.deepStrictEqual(current, seedSummary(rows), "README.md's seed summary: run `npm run docs:seeds`");
    });
});
