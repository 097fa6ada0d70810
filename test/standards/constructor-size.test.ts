/**
 * The standard "no component constructor over 250 lines" (issue 26), as a test: every class
 * constructor and every exported function under components/ is parsed (no type checker) and its
 * body measured in lines, from its opening brace to its closing one. A constructor that grows past
 * the limit is split into composed parts, each a function of its own named for what it creates,
 * so the constructor reads as a table of contents (after SST's `platform/src/components/aws/service.ts`).
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";

const ROOT = path.resolve(__dirname, "..", "..");

/** The most lines a constructor or an exported function body may take. */
const LIMIT = 250;

/** One measured body: where it is and how many lines it takes. */
interface Body {
    /** `file constructor of Class` or `file function name`. */
    what: string;
    lines: number;
}

/** The .ts files under `dir`, repository-relative. */
function tsFiles(dir: string): string[] {
    return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
        const rel = `${dir}/${e.name}`;
        if (e.isDirectory()) return tsFiles(rel);
        return e.name.endsWith(".ts") ? [rel] : [];
    });
}

/** Every class constructor and exported function body of `text`, with its length in lines. */
export function bodies(file: string, text: string): Body[] {
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
    const lineOf = (pos: number) => source.getLineAndCharacterOfPosition(pos).line;
    const length = (body: ts.Block) => lineOf(body.getEnd()) - lineOf(body.getStart(source)) + 1;
    const out: Body[] = [];
    const visit = (node: ts.Node) => {
        if (ts.isConstructorDeclaration(node) && node.body) {
            const owner = ts.isClassLike(node.parent) ? (node.parent.name?.text ?? "(anonymous class)") : "?";
            out.push({ what: `${file} constructor of ${owner}`, lines: length(node.body) });
        }
        const exported = (n: ts.Node) =>
            ts.canHaveModifiers(n) && (ts.getModifiers(n) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
        if (ts.isFunctionDeclaration(node) && node.body && exported(node)) {
            out.push({ what: `${file} function ${node.name?.text ?? "(default)"}`, lines: length(node.body) });
        }
        // `export const createX = (...) => { ... }`
        if (ts.isVariableStatement(node) && exported(node)) {
            for (const d of node.declarationList.declarations) {
                const init = d.initializer;
                if (init && (ts.isArrowFunction(init) || ts.isFunctionExpression(init)) && ts.isBlock(init.body)) {
                    out.push({ what: `${file} function ${d.name.getText(source)}`, lines: length(init.body) });
                }
            }
        }
        ts.forEachChild(node, visit);
    };
    visit(source);
    return out;
}

describe(`components: no constructor or exported function over ${LIMIT} lines`, () => {
    const measured = tsFiles("components").flatMap((f) => bodies(f, fs.readFileSync(path.join(ROOT, f), "utf8")));

    it("measures every component", () => {
        // Every platform's System component has a constructor: an empty walk cannot pass.
        for (const platform of ["aws", "docker", "kubernetes"])
            assert.ok(
                measured.some((b) => b.what.startsWith(`components/${platform}/system.ts constructor of`)),
                platform,
            );
    });

    it(`each is at most ${LIMIT} lines`, () => {
        const long = measured.filter((b) => b.lines > LIMIT).map((b) => `${b.what}: ${b.lines} lines`);
        assert.ok(long.length === 0, `over ${LIMIT} lines (split each into composed parts):\n${long.join("\n")}`);
    });

    it("the measure counts a body's lines, brace to brace, for a constructor and for both forms of exported function", () => {
        const text = [
            "export class A { constructor() {",
            "  x();",
            "} }",
            "export function f() {",
            "}",
            "export const g = () => {",
            "  y();",
            "  z();",
            "};",
            "function hidden() {",
            "}",
        ].join("\n");
        assert.deepEqual(
            bodies("t.ts", text).map((b) => [b.what, b.lines]),
            [
                ["t.ts constructor of A", 3],
                ["t.ts function f", 2],
                ["t.ts function g", 4],
            ],
        );
    });
});
