/**
 * The layering of docs/architecture.md ("Layers"), as a test: the import graph of the program's
 * TypeScript sources (everything but test/) read with the compiler's own import scanner
 * (`ts.preProcessFile`: `import`, `import type`, `export ... from`, `require(...)` and
 * `import(...)` alike), then two checks:
 *
 * - no file imports from a layer above its own or beside it (the layer order is {@link LAYERS});
 *   components/ stands on the plan, not the model: an adapter renders the plan it is given and
 *   does not read the spec beside it (issue 26), so no file under components/ imports model/;
 * - no cycle of files, types included (a type cycle still ties the files' meanings together).
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";

const ROOT = path.resolve(__dirname, "..", "..");

/**
 * The layers, lowest first, and what each may import besides its own folders: every layer below it.
 * policies/ is a branch of its own over conventions/: the policy pack judges registered resources
 * by the conventions alone (it runs in its own analyzer process), and nothing of the program but
 * the offline engine's policy report (scripts/) imports it.
 */
export const LAYERS: { layer: string; folders: string[]; mayImport: string[] }[] = [
    { layer: "conventions", folders: ["conventions/"], mayImport: [] },
    { layer: "model", folders: ["model/"], mayImport: ["conventions"] },
    { layer: "plan", folders: ["plan/"], mayImport: ["conventions", "model"] },
    { layer: "components", folders: ["components/"], mayImport: ["conventions", "plan"] },
    { layer: "policies", folders: ["policies/"], mayImport: ["conventions"] },
    {
        layer: "program",
        folders: ["index.ts", "deploy.ts", "scripts/"],
        mayImport: ["conventions", "model", "plan", "components", "policies"],
    },
];

/** The layer of a repository-relative file, or undefined for a file outside every layer. */
function layerOf(file: string) {
    return LAYERS.find((l) => l.folders.some((f) => (f.endsWith("/") ? file.startsWith(f) : file === f)));
}

/** Every .ts source of the program (test/, node_modules and declaration files left out), repository-relative. */
function sources(): string[] {
    const out: string[] = [];
    const walk = (dir: string) => {
        for (const entry of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
            const rel = dir ? `${dir}/${entry.name}` : entry.name;
            if (entry.isDirectory()) {
                if (!["node_modules", "test", "bin", ".git"].includes(entry.name) && !entry.name.startsWith(".")) walk(rel);
            } else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) out.push(rel);
        }
    };
    walk("");
    return out.sort();
}

/** The repository file a relative specifier names (`./x` → x.ts or x/index.ts), or undefined for a package. */
function resolve(from: string, specifier: string): string | undefined {
    if (!specifier.startsWith(".")) return undefined;
    const base = path.posix.normalize(path.posix.join(path.posix.dirname(from), specifier));
    for (const candidate of [`${base}.ts`, `${base}/index.ts`, base]) {
        if (candidate.endsWith(".ts") && fs.existsSync(path.join(ROOT, candidate))) return candidate;
    }
    return undefined;
}

/** file → the repository files it imports. */
export function importGraph(files: string[] = sources()): Map<string, string[]> {
    const graph = new Map<string, string[]>();
    for (const file of files) {
        const info = ts.preProcessFile(fs.readFileSync(path.join(ROOT, file), "utf8"), true, true);
        const targets = info.importedFiles.map((f) => resolve(file, f.fileName)).filter((t): t is string => t !== undefined);
        graph.set(file, [...new Set(targets)].sort());
    }
    return graph;
}

/** The cycles of `graph`: its strongly connected components of more than one file (Tarjan), or a file importing itself. */
export function cycles(graph: Map<string, string[]>): string[][] {
    let next = 0;
    const index = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const onStack = new Set<string>();
    const out: string[][] = [];
    const visit = (v: string) => {
        index.set(v, next);
        low.set(v, next++);
        stack.push(v);
        onStack.add(v);
        for (const w of graph.get(v) ?? []) {
            if (!index.has(w)) {
                visit(w);
                low.set(v, Math.min(low.get(v)!, low.get(w)!));
            } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
        }
        if (low.get(v) === index.get(v)) {
            const component: string[] = [];
            let w: string;
            do {
                w = stack.pop()!;
                onStack.delete(w);
                component.push(w);
            } while (w !== v);
            if (component.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(component.sort());
        }
    };
    for (const v of graph.keys()) if (!index.has(v)) visit(v);
    return out;
}

describe("layers: the import graph runs downwards only, without cycles", () => {
    const graph = importGraph();

    it("reads the whole program: every layer has files and imports", () => {
        const files = [...graph.keys()];
        for (const l of LAYERS)
            assert.ok(
                files.some((f) => layerOf(f)?.layer === l.layer),
                `no file in layer ${l.layer}`,
            );
        const edges = [...graph.values()].reduce((n, t) => n + t.length, 0);
        assert.ok(files.length > 100 && edges > 400, `only ${files.length} files and ${edges} imports read`);
        // The lazy platform loaders of deploy.ts are require() calls: they count too.
        assert.ok(graph.get("deploy.ts")!.includes("components/aws/system.ts"));
    });

    it("every file belongs to a layer", () => {
        assert.deepEqual(
            [...graph.keys()].filter((f) => !layerOf(f)),
            [],
        );
    });

    it("no file imports from a layer it does not stand on", () => {
        const wrong: string[] = [];
        for (const [file, targets] of graph) {
            const from = layerOf(file)!;
            for (const target of targets) {
                const to = layerOf(target)!;
                if (to.layer !== from.layer && !from.mayImport.includes(to.layer))
                    wrong.push(`${file} (${from.layer}) → ${target} (${to.layer})`);
            }
        }
        assert.ok(
            wrong.length === 0,
            `imports a layer may not make (${LAYERS.map((l) => `${l.layer} → ${l.mayImport.join(", ") || "nothing"}`).join("; ")}):\n${wrong.join("\n")}`,
        );
    });

    it("no cycle of files, type-only imports included", () => {
        const found = cycles(graph).map((c) => {
            const inside = new Set(c);
            const ties = c.flatMap((f) =>
                graph
                    .get(f)!
                    .filter((t) => inside.has(t))
                    .map((t) => `    ${f} → ${t}`),
            );
            return `${c.length} files:\n${ties.join("\n")}`;
        });
        assert.ok(found.length === 0, `cycles:\n${found.join("\n")}`);
    });

    it("the cycle finder finds a cycle and a self-import, and passes a chain", () => {
        const g = (edges: Record<string, string[]>) => new Map(Object.entries(edges));
        assert.deepEqual(cycles(g({ a: ["b"], b: ["c"], c: ["a"], d: ["a"] })), [["a", "b", "c"]]);
        assert.deepEqual(cycles(g({ a: ["a"] })), [["a"]]);
        assert.deepEqual(cycles(g({ a: ["b"], b: ["c"], c: [] })), []);
    });
});
