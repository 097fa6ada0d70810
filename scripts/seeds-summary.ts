/**
 * docs/seeds.md, read: its rows (`| id | seed | demand | dev | staging | prod |`) and the README's
 * one-line summary per seed generated from them. `npm run docs:seeds` rewrites that summary in
 * README.md (between the seeds-summary markers); test/delivery/seeds.test.ts checks it is current
 * and checks every cell of the table against the plans.
 */
import * as fs from "fs";
import * as path from "path";

/** The platforms, as the stacks that build them, in table order. */
export const PLATFORMS = ["dev", "staging", "prod"] as const;
/** One of {@link PLATFORMS}. */
export type Platform = (typeof PLATFORMS)[number];
/** A cell's mark: built, approximated, not built. */
export type Mark = "✔" | "~" | "✘";
/** The preset of each row-id prefix, in table order. */
export const PRESET_OF: Record<string, string> = {
    am: "auromart",
    mdc: "mdc-tts",
    mk: "mealkitz",
    amg: "asset-management",
    hld: "hld-platform",
};
/** The seed file number (000-004) of each row-id prefix. */
export const SEED_OF: Record<string, string> = { am: "000", mdc: "001", mk: "002", amg: "003", hld: "004" };
const SEED_NAMES: Record<string, string> = {
    am: "AuroMart",
    mdc: "MDC Transaction Tracking",
    mk: "MealKitz",
    amg: "Asset Management",
    hld: "HLD platform",
};

/** One row of docs/seeds.md. */
export interface SeedRow {
    id: string;
    /** Seed file number and line(s), e.g. `000:165-166`. */
    seed: string;
    demand: string;
    cells: Record<Platform, string>;
}

/** The rows of every table in docs/seeds.md. */
export function seedRows(markdown: string): SeedRow[] {
    const rows: SeedRow[] = [];
    for (const line of markdown.split("\n")) {
        const cols = line.split("|").map((c) => c.trim());
        if (cols.length < 8 || !/^[a-z]+-[a-z0-9-]+$/.test(cols[1])) continue;
        rows.push({ id: cols[1], seed: cols[2], demand: cols[3], cells: { dev: cols[4], staging: cols[5], prod: cols[6] } });
    }
    return rows;
}

/** The README's summary: one line per seed with its rows and the ✔ / ~ / ✘ count per platform. */
export function seedSummary(rows: SeedRow[]): string[] {
    return Object.keys(PRESET_OF).map((prefix) => {
        const mine = rows.filter((r) => r.id.startsWith(`${prefix}-`));
        const counts = PLATFORMS.map((p) => {
            const n = (m: Mark) => mine.filter((r) => r.cells[p].startsWith(m)).length;
            return `${p} ${n("✔")} ✔ · ${n("~")} ~ · ${n("✘")} ✘`;
        });
        return `- ${SEED_NAMES[prefix]} (\`${PRESET_OF[prefix]}\`): ${mine.length} demands — ${counts.join("; ")}`;
    });
}

/** The markers around the summary in README.md. */
export const README_START = "<!-- seeds-summary: generated from docs/seeds.md by `npm run docs:seeds` -->";
export const README_END = "<!-- seeds-summary end -->";

/** README.md's text with the summary between the markers replaced by `lines`. */
export function withSummary(readme: string, lines: string[]): string {
    const start = readme.indexOf(README_START);
    const end = readme.indexOf(README_END);
    if (start < 0 || end < start) throw new Error(`README.md: the markers ${README_START} and ${README_END} are missing`);
    return readme.slice(0, start + README_START.length) + "\n" + lines.join("\n") + "\n" + readme.slice(end);
}

if (require.main === module) {
    const root = path.join(__dirname, "..");
    const rows = seedRows(fs.readFileSync(path.join(root, "docs", "seeds.md"), "utf8"));
    const readme = path.join(root, "README.md");
    fs.writeFileSync(readme, withSummary(fs.readFileSync(readme, "utf8"), seedSummary(rows)));
}
