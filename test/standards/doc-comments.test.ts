/**
 * The project standard "a short doc comment on every exported component and arg (with its
 * default)", as a test. Each source file is parsed on its own (no type checker) and checked for:
 *
 * - a JSDoc comment (`/** ... *\/`) directly above every exported class, function, interface, type
 *   alias, enum and variable statement (only line comments may stand between them);
 * - in components/: a JSDoc comment on every property of an exported interface or type literal
 *   named `*Args`, and on every optional one (`foo?:`) its default (`@default ...`, or the words
 *   "Default", "default:" or "defaults to"), as aws-cdk-lib does;
 * - in components/: a `this.registerOutputs(` call in the constructor of every exported class that
 *   extends `pulumi.ComponentResource`.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";

const ROOT = path.resolve(__dirname, "..", "..");

/** What the checker looks at beyond exported symbols. */
interface CheckOptions {
    /** Check the properties of exported `*Args` interfaces and type literals. */
    argsProperties: boolean;
    /** Check that exported ComponentResource subclasses call `this.registerOutputs(`. */
    registerOutputs: boolean;
}

/** One miss: `file:line name: what is missing`. */
interface Miss {
    file: string;
    line: number;
    name: string;
    missing: string;
}

/** Counts of what was checked, so an empty walk cannot pass silently. */
interface Checked {
    files: number;
    exports: number;
    argsProperties: number;
    components: number;
}

const ALL: CheckOptions = { argsProperties: true, registerOutputs: true };
const EXPORTS_ONLY: CheckOptions = { argsProperties: false, registerOutputs: false };

function hasExportModifier(node: ts.Node): boolean {
    return ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
}

/** The text of a JSDoc comment without its delimiters and leading asterisks. */
function docBody(source: ts.SourceFile, doc: ts.JSDoc): string {
    return source.text
        .slice(doc.pos, doc.end)
        .replace(/^\/\*\*/, "")
        .replace(/\*\/$/, "")
        .split("\n")
        .map((line) => line.replace(/^\s*\*?/, ""))
        .join("\n")
        .trim();
}

/**
 * The non-empty JSDoc comment directly above `node`: the last `/** *\/` before it, with nothing
 * but whitespace (no blank line) and line comments in between.
 */
function docOf(source: ts.SourceFile, node: ts.Node): string | undefined {
    const docs = ts.getJSDocCommentsAndTags(node).filter(ts.isJSDoc);
    const doc = docs[docs.length - 1];
    if (!doc) return undefined;
    const between = source.text.slice(doc.end, node.getStart(source, false));
    const gap = between.replace(/[ \t]*\/\/[^\n]*\n/g, "");
    if (/\n[ \t]*\r?\n/.test(gap) || gap.trim() !== "") return undefined;
    const body = docBody(source, doc);
    return body === "" ? undefined : body;
}

/** Whether a doc comment states a default. */
function statesDefault(doc: string): boolean {
    return /@default\s+\S/.test(doc) || /\bDefault\b|\bdefault:|\b[Dd]efaults to\b/.test(doc);
}

function declarationName(node: ts.Statement): string {
    if (ts.isVariableStatement(node)) return node.declarationList.declarations.map((d) => d.name.getText()).join(", ");
    const name = (node as ts.DeclarationStatement).name;
    return name ? name.getText() : "default";
}

/** Whether `this.registerOutputs(` is called in `body` (arrow functions included; not nested functions or classes, whose `this` differs). */
function callsRegisterOutputs(body: ts.Node): boolean {
    let found = false;
    const visit = (node: ts.Node): void => {
        if (found) return;
        if (ts.isFunctionDeclaration(node) || ts.isFunctionExpression(node) || ts.isClassLike(node)) return;
        if (
            ts.isCallExpression(node) &&
            ts.isPropertyAccessExpression(node.expression) &&
            node.expression.expression.kind === ts.SyntaxKind.ThisKeyword &&
            node.expression.name.text === "registerOutputs"
        ) {
            found = true;
            return;
        }
        ts.forEachChild(node, visit);
    };
    ts.forEachChild(body, visit);
    return found;
}

function extendsComponentResource(node: ts.ClassDeclaration): boolean {
    return (node.heritageClauses ?? []).some(
        (h) =>
            h.token === ts.SyntaxKind.ExtendsKeyword && h.types.some((t) => /^(pulumi\.)?ComponentResource$/.test(t.expression.getText())),
    );
}

/** The type literals an `*Args` type alias is made of (`{...}`, or `A & {...}`, possibly parenthesised). */
function typeLiterals(type: ts.TypeNode): ts.TypeLiteralNode[] {
    if (ts.isTypeLiteralNode(type)) return [type];
    if (ts.isParenthesizedTypeNode(type)) return typeLiterals(type.type);
    if (ts.isIntersectionTypeNode(type) || ts.isUnionTypeNode(type)) return type.types.flatMap(typeLiterals);
    return [];
}

/** Check one file's text. `file` is the name used in the misses. */
function checkSource(file: string, text: string, options: CheckOptions, checked?: Checked): Miss[] {
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
    const misses: Miss[] = [];
    const lineOf = (node: ts.Node) => source.getLineAndCharacterOfPosition(node.getStart(source, false)).line + 1;
    const miss = (node: ts.Node, name: string, missing: string) => misses.push({ file, line: lineOf(node), name, missing });
    if (checked) checked.files++;

    const topLevel = new Map<string, ts.Statement>();
    for (const statement of source.statements) {
        const name = (statement as ts.DeclarationStatement).name;
        if (name && ts.isIdentifier(name) && !topLevel.has(name.text)) topLevel.set(name.text, statement);
        if (ts.isVariableStatement(statement)) {
            for (const d of statement.declarationList.declarations) if (ts.isIdentifier(d.name)) topLevel.set(d.name.text, statement);
        }
    }

    const seen = new Set<ts.Statement>();
    const checkDeclaration = (statement: ts.Statement) => {
        if (seen.has(statement)) return;
        seen.add(statement);
        const name = declarationName(statement);
        if (checked) checked.exports++;
        if (!docOf(source, statement)) miss(statement, name, "no doc comment");

        if (options.argsProperties && name.endsWith("Args")) {
            let members: ts.NodeArray<ts.TypeElement>[] = [];
            if (ts.isInterfaceDeclaration(statement)) members = [statement.members];
            else if (ts.isTypeAliasDeclaration(statement)) members = typeLiterals(statement.type).map((l) => l.members);
            for (const member of members.flatMap((m) => [...m])) {
                if (!ts.isPropertySignature(member) && !ts.isMethodSignature(member)) continue;
                if (checked) checked.argsProperties++;
                const prop = `${name}.${member.name.getText()}`;
                const doc = docOf(source, member);
                if (!doc) miss(member, prop, "no doc comment");
                else if (member.questionToken && !statesDefault(doc)) miss(member, prop, "optional, but its doc comment states no default");
            }
        }

        if (options.registerOutputs && ts.isClassDeclaration(statement) && extendsComponentResource(statement)) {
            if (checked) checked.components++;
            const ctor = statement.members.find(
                (m): m is ts.ConstructorDeclaration => ts.isConstructorDeclaration(m) && m.body !== undefined,
            );
            if (!ctor?.body || !callsRegisterOutputs(ctor.body)) miss(statement, name, "constructor does not call this.registerOutputs(");
        }
    };

    for (const statement of source.statements) {
        if (ts.isExportDeclaration(statement)) {
            // `export { local }`: the local declaration is exported; re-exports `from` elsewhere are checked there.
            if (statement.moduleSpecifier || !statement.exportClause || !ts.isNamedExports(statement.exportClause)) continue;
            for (const element of statement.exportClause.elements) {
                const local = topLevel.get((element.propertyName ?? element.name).getText());
                if (local && local.kind !== ts.SyntaxKind.ImportDeclaration) checkDeclaration(local);
            }
            continue;
        }
        if (!hasExportModifier(statement)) continue;
        if (
            !ts.isClassDeclaration(statement) &&
            !ts.isFunctionDeclaration(statement) &&
            !ts.isInterfaceDeclaration(statement) &&
            !ts.isTypeAliasDeclaration(statement) &&
            !ts.isEnumDeclaration(statement) &&
            !ts.isVariableStatement(statement) &&
            !ts.isModuleDeclaration(statement)
        ) {
            continue;
        }
        // An overloaded function is documented on its first signature, not on each.
        if (ts.isFunctionDeclaration(statement) && statement.name && topLevel.get(statement.name.text) !== statement) continue;
        checkDeclaration(statement);
    }
    return misses;
}

/** Every `.ts` file under `rel` (a folder or a single file), project-relative with `/`. */
function tsFiles(rel: string): string[] {
    const abs = path.join(ROOT, rel);
    if (fs.statSync(abs).isFile()) return [rel];
    return fs
        .readdirSync(abs, { withFileTypes: true })
        .filter((e) => e.name !== "node_modules")
        .flatMap((e) =>
            e.isDirectory() ? tsFiles(`${rel}/${e.name}`) : e.name.endsWith(".ts") && !e.name.endsWith(".d.ts") ? [`${rel}/${e.name}`] : [],
        )
        .sort();
}

function checkTree(roots: string[], options: CheckOptions): { misses: Miss[]; checked: Checked } {
    const checked: Checked = { files: 0, exports: 0, argsProperties: 0, components: 0 };
    const misses = roots
        .flatMap(tsFiles)
        .flatMap((file) => checkSource(file, fs.readFileSync(path.join(ROOT, file), "utf8"), options, checked));
    return { misses, checked };
}

function report(misses: Miss[]): string {
    return misses.map((m) => `${m.file}:${m.line} ${m.name}: ${m.missing}`).join("\n");
}

const BROKEN = `import * as pulumi from "@pulumi/pulumi";

/** Documented. */
export const GOOD = 1;
/** Documented, then a line comment. */
// eslint-disable-next-line @typescript-eslint/no-unused-vars
export const ALSO_GOOD = 1;
export const UNDOCUMENTED = 2;

/** A file header, not this function's doc. */

export function separated(): void {}

/** Arguments of {@link Widget}. */
export interface WidgetArgs {
    /** Documented and required. */
    name: string;
    size?: number;
    /** Documented, but no default. */
    colour?: string;
    /** How many. @default 3 */
    count?: number;
    /**
     * How long.
     * @default 30 seconds
     */
    timeout?: number;
    /** Tags. Defaults to none. */
    tags?: string[];
}

/** Arguments as a type literal. */
export type GadgetArgs = { base: string } & {
    /** Where. */
    port?: number;
};

/** */
export type Empty = Record<string, never>;

/** A component that never registers its outputs. */
export class Widget extends pulumi.ComponentResource {
    constructor(name: string, args: WidgetArgs) {
        super("test:Widget", name, args);
        function helper(this: Widget) {
            this.registerOutputs({});
        }
        void helper;
    }
}

/** A component that does. */
export class Gadget extends pulumi.ComponentResource {
    constructor(name: string) {
        super("test:Gadget", name);
        this.registerOutputs({});
    }
}

class Hidden {}
export { Hidden };

function notExported(): void {}
void notExported;
`;

const DOCUMENTED = `import * as pulumi from "@pulumi/pulumi";

/** Arguments of {@link Thing}. */
export interface ThingArgs {
    /** How many. */
    count: number;
    /** How long, in seconds. Default: 30. */
    timeout?: number;
}

/** A thing. */
export class Thing extends pulumi.ComponentResource {
    constructor(name: string, args: ThingArgs) {
        super("test:Thing", name, args);
        this.registerOutputs({});
    }
}
`;

describe("standards: doc comments", () => {
    it("the checker reports each kind of miss in a broken fixture, with file:line, and nothing in a documented one", () => {
        const misses = report(checkSource("fixture.ts", BROKEN, ALL));
        assert.equal(
            misses,
            [
                "fixture.ts:8 UNDOCUMENTED: no doc comment",
                "fixture.ts:12 separated: no doc comment",
                "fixture.ts:18 WidgetArgs.size: no doc comment",
                "fixture.ts:20 WidgetArgs.colour: optional, but its doc comment states no default",
                "fixture.ts:33 GadgetArgs.base: no doc comment",
                "fixture.ts:35 GadgetArgs.port: optional, but its doc comment states no default",
                "fixture.ts:39 Empty: no doc comment",
                "fixture.ts:42 Widget: constructor does not call this.registerOutputs(",
                "fixture.ts:60 Hidden: no doc comment",
            ].join("\n"),
        );
        assert.deepEqual(checkSource("documented.ts", DOCUMENTED, ALL), []);
    });

    it("components/: every export, every *Args property (optional ones with their default), every component's registerOutputs", () => {
        const { misses, checked } = checkTree(["components"], ALL);
        assert.ok(
            checked.files >= 40 && checked.components >= 30 && checked.argsProperties >= 150,
            `walked too little: ${JSON.stringify(checked)}`,
        );
        assert.equal(misses.length, 0, `${misses.length} doc-comment misses in components/:\n${report(misses)}`);
    });

    it("model/, plan/, policies/rules/, policies/readers/, policies/config.ts, scripts/offline/, scripts/plan.ts: every export", () => {
        const { misses, checked } = checkTree(
            ["model", "plan", "policies/rules", "policies/readers", "policies/config.ts", "scripts/offline", "scripts/plan.ts"],
            EXPORTS_ONLY,
        );
        assert.ok(checked.files >= 20 && checked.exports >= 100, `walked too little: ${JSON.stringify(checked)}`);
        assert.equal(misses.length, 0, `${misses.length} doc-comment misses:\n${report(misses)}`);
    });
});
