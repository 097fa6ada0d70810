/**
 * `npm run docs:spec`: writes docs/spec-reference.md, the reference of every spec field, from the
 * doc comments of model/schema.ts, the way aws-cdk-lib and SST document their props.
 *
 * The structure comes from the source: the TypeScript compiler API walks the zod objects
 * (`z.strictObject({...})`, through `z.array`, `z.record`, `.optional()`, `.default()` and the
 * consts they name) from `systemSpec` down, and reads each key's JSDoc (the tags are described in
 * model/schema.ts's header: `@default`, `@caution`, `@cost`, `@property`). What each platform does
 * with a field comes from the platform's own module, plan/support/<platform>.ts (`fields`), beside
 * its support of each feature, and {@link notesProblems} holds the two in agreement.
 * Types, allowed values and ranges come from zod's own `z.toJSONSchema(systemSpec)`, so they
 * cannot drift from the validation. The output is deterministic (source order, no dates):
 * test/standards/spec-reference.test.ts compares it with the committed file and checks every
 * field's comment ({@link schemaProblems}) and every platform's notes ({@link notesProblems}).
 */
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import { z } from "zod";
import { PLATFORMS } from "../model/config";
import { systemSpec } from "../model/schema";
import { FEATURES, KNOWLEDGE, fieldNote, type Feature, type FieldEntry, type FieldNote, type PlatformKnowledge } from "../plan/support";

/** The schema source, project-relative. */
export const SCHEMA_FILE = "model/schema.ts";

/**
 * The schema's source as one text: model/schema.ts followed by every model file it imports a spec
 * object from (`import { observability } from "./observability"`), so a feature's spec may live in
 * its own file and still be documented, noted and checked here.
 */
export function schemaSource(): string {
    const main = fs.readFileSync(path.join(ROOT, SCHEMA_FILE), "utf8");
    const own = [...main.matchAll(/^import [^;]* from "\.\/([a-z-]+)";$/gm)].map((m) => path.join(ROOT, "model", `${m[1]}.ts`));
    return [main, ...own.filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f, "utf8"))].join("\n");
}
/** The generated reference, project-relative. */
export const REFERENCE_FILE = "docs/spec-reference.md";
/** The project root. */
export const ROOT = path.resolve(__dirname, "..");

/** Tags a field's doc comment may carry (see model/schema.ts's header). */
export const FIELD_TAGS = ["default", "caution", "cost", "property"] as const;

/** One tag of a doc comment, in source order. */
export interface DocTag {
    name: string;
    text: string;
}

/** A doc comment: its first text (the description) and its tags in order. */
export interface ParsedDoc {
    summary: string;
    tags: DocTag[];
}

/** A key of a zod object in the schema source, with its documentation. */
export interface SchemaField {
    /** The key, dotted below an inline object (`build.context`). */
    key: string;
    /** Line of the key in the source (1-based). */
    line: number;
    /** The key's documentation: its own JSDoc, or its `@property` entry in the parent field's; undefined when it has none. */
    doc?: ParsedDoc;
    /** Documented through the parent field's `@property`: shares the parent's platform notes. */
    viaProperty: boolean;
    /** The key may be left out (`.optional()` or `.default(...)`). */
    optional: boolean;
    /** The const of the documented object this key holds (directly, in a list or in a map), e.g. `service`. */
    object?: string;
    /** How the key holds that object: `""`, `"[]"` (list) or `".<name>"` (map). */
    via?: string;
    /** The key holds an inline object, whose keys follow it. */
    inline: boolean;
}

/** A zod object of the schema: a const (`service`), or an inline object (`services.build`). */
export interface SchemaObject {
    /** The const's name, or `<parent const>.<field>` for an inline object. */
    name: string;
    /** The const's doc comment (inline objects: none). */
    doc?: ParsedDoc;
    /** Its keys, inline objects' keys flattened in (`build`, `build.context`, ...). */
    fields: SchemaField[];
    /** Whether it is an object declared on its own (a const), not inline in a field. */
    named: boolean;
}

/** A problem of the schema's documentation: `line key: what`. */
export interface SchemaProblem {
    line: number;
    where: string;
    problem: string;
}

/** Split a JSDoc body into its description and its tags: `@name` at a line start or after whitespace. */
export function parseDoc(body: string): ParsedDoc {
    const text = body.replace(/\s+/g, " ").trim();
    const parts = text.split(/(?:^|\s)@([A-Za-z]+)\b/);
    const tags: DocTag[] = [];
    for (let i = 1; i < parts.length; i += 2) tags.push({ name: parts[i], text: (parts[i + 1] ?? "").trim() });
    return { summary: parts[0].trim(), tags };
}

/** The JSDoc body directly above `node` (only whitespace between), without delimiters; undefined when there is none. */
function jsDocBody(source: ts.SourceFile, node: ts.Node): string | undefined {
    const docs = ts.getJSDocCommentsAndTags(node).filter(ts.isJSDoc);
    const doc = docs[docs.length - 1];
    if (!doc) return undefined;
    if (source.text.slice(doc.end, node.getStart(source, false)).trim() !== "") return undefined;
    const body = source.text
        .slice(doc.pos, doc.end)
        .replace(/^\/\*\*/, "")
        .replace(/\*\/$/, "")
        .split("\n")
        .map((line) => line.replace(/^\s*\*?/, ""))
        .join("\n")
        .trim();
    return body === "" ? undefined : body;
}

/** The `@property <key>` entries of a doc: each key's description and the tags that follow it, up to the next `@property`. */
export function propertyDocs(doc: ParsedDoc): Map<string, ParsedDoc> {
    const out = new Map<string, ParsedDoc>();
    let current: ParsedDoc | undefined;
    for (const tag of doc.tags) {
        if (tag.name === "property") {
            const m = /^(\S+)\s*([\s\S]*)$/.exec(tag.text);
            current = { summary: m?.[2] ?? "", tags: [] };
            out.set(m?.[1] ?? "", current);
        } else if (current) {
            current.tags.push(tag);
        }
    }
    return out;
}

/** The tags of a doc that are its own, not those of its `@property` entries. */
export function ownTags(doc: ParsedDoc): DocTag[] {
    const i = doc.tags.findIndex((t) => t.name === "property");
    return i < 0 ? doc.tags : doc.tags.slice(0, i);
}

const MODIFIERS = new Set([
    "optional",
    "default",
    "prefault",
    "refine",
    "superRefine",
    "min",
    "max",
    "regex",
    "startsWith",
    "int",
    "positive",
]);

/** What a zod expression is: an inline object, a named const's object, a list or map of one, or anything else. */
type Target = { kind: "inline"; literal: ts.ObjectLiteralExpression } | { kind: "named"; name: string } | { kind: "leaf" };

/** The schema source read: its consts and where each object literal of `z.strictObject` sits. */
class SchemaSource {
    readonly source: ts.SourceFile;
    readonly consts = new Map<string, { init: ts.Expression; statement: ts.VariableStatement }>();

    constructor(text: string, file = SCHEMA_FILE) {
        this.source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
        for (const statement of this.source.statements) {
            if (!ts.isVariableStatement(statement)) continue;
            for (const d of statement.declarationList.declarations)
                if (ts.isIdentifier(d.name) && d.initializer) this.consts.set(d.name.text, { init: d.initializer, statement });
        }
    }

    line(node: ts.Node): number {
        return this.source.getLineAndCharacterOfPosition(node.getStart(this.source, false)).line + 1;
    }

    /** The modifier chain of an expression (`x.min(1).default(2)` → min, default) and its base (`x`). */
    chain(expr: ts.Expression): { methods: string[]; base: ts.Expression } {
        const methods: string[] = [];
        let e = expr;
        while (ts.isCallExpression(e) && ts.isPropertyAccessExpression(e.expression) && MODIFIERS.has(e.expression.name.text)) {
            methods.push(e.expression.name.text);
            e = e.expression.expression;
        }
        return { methods, base: e };
    }

    /** A `z.<name>(...)` call's arguments, or undefined. */
    zodCall(expr: ts.Expression, name: string): ts.NodeArray<ts.Expression> | undefined {
        if (!ts.isCallExpression(expr) || !ts.isPropertyAccessExpression(expr.expression)) return undefined;
        const callee = expr.expression;
        return ts.isIdentifier(callee.expression) && callee.expression.text === "z" && callee.name.text === name
            ? expr.arguments
            : undefined;
    }

    /** What `expr` holds, through lists and maps: `via` is `""`, `"[]"` or `".<name>"`. Optional when its chain (or its const's) is. */
    resolve(expr: ts.Expression): { target: Target; via: string; optional: boolean } {
        const { methods, base } = this.chain(expr);
        const optional = methods.includes("optional") || methods.includes("default") || methods.includes("prefault");
        const object = this.zodCall(base, "strictObject");
        if (object && object[0] && ts.isObjectLiteralExpression(object[0]))
            return { target: { kind: "inline", literal: object[0] }, via: "", optional };
        const array = this.zodCall(base, "array");
        if (array) {
            const inner = this.resolve(array[0]);
            return { target: inner.target, via: `[]${inner.via}`, optional };
        }
        const record = this.zodCall(base, "record");
        if (record) {
            const inner = this.resolve(record[1]);
            return { target: inner.target, via: `.<name>${inner.via}`, optional };
        }
        if (ts.isIdentifier(base) && this.consts.has(base.text)) {
            const inner = this.resolve(this.consts.get(base.text)!.init);
            const target: Target = inner.target.kind === "inline" && inner.via === "" ? { kind: "named", name: base.text } : inner.target;
            return { target, via: inner.via, optional: optional || inner.optional };
        }
        return { target: { kind: "leaf" }, via: "", optional };
    }

    /** The key of a property of an object literal, or undefined for a spread or computed key. */
    keyOf(p: ts.ObjectLiteralElementLike): string | undefined {
        if (ts.isShorthandPropertyAssignment(p)) return p.name.text;
        if (ts.isPropertyAssignment(p) && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name))) return p.name.text;
        return undefined;
    }

    /** The fields of an object literal, inline objects' keys flattened in after their field. */
    fields(literal: ts.ObjectLiteralExpression, prefix = "", parentDoc?: ParsedDoc): SchemaField[] {
        const out: SchemaField[] = [];
        const fromParent = parentDoc ? propertyDocs(parentDoc) : new Map<string, ParsedDoc>();
        for (const p of literal.properties) {
            const key = this.keyOf(p);
            if (key === undefined) continue;
            const own = jsDocBody(this.source, p);
            const doc = own !== undefined ? parseDoc(own) : fromParent.get(key);
            const init = ts.isShorthandPropertyAssignment(p) ? p.name : (p as ts.PropertyAssignment).initializer;
            const { target, via, optional } = this.resolve(init);
            out.push({
                key: `${prefix}${key}`,
                line: this.line(p),
                ...(doc ? { doc } : {}),
                viaProperty: own === undefined && doc !== undefined,
                optional,
                ...(target.kind === "named" ? { object: target.name, via } : {}),
                inline: target.kind === "inline",
            });
            if (target.kind === "inline") out.push(...this.fields(target.literal, `${prefix}${key}${via}.`, doc));
        }
        return out;
    }

    /** Every object of the schema: each const holding a `z.strictObject`, in source order, with its fields. */
    objects(): SchemaObject[] {
        const out: SchemaObject[] = [];
        for (const [name, { init, statement }] of this.consts) {
            const { target, via } = this.resolve(init);
            if (target.kind !== "inline" || via !== "") continue;
            const body = jsDocBody(this.source, statement);
            out.push({ name, ...(body ? { doc: parseDoc(body) } : {}), fields: this.fields(target.literal), named: true });
        }
        return out;
    }
}

/** Every zod object const of the schema source `text`, in source order, with its fields. */
export function schemaObjects(text: string, file = SCHEMA_FILE): SchemaObject[] {
    return new SchemaSource(text, file).objects();
}

/**
 * What the schema's documentation misses, each with its line: a key without a doc comment, an
 * optional or defaulted key without `@default`, a tag that is not one of {@link FIELD_TAGS} (a
 * platform's tag, `@aws`, included: platform notes live in plan/support/<platform>.ts), and a
 * documented object const without a doc comment.
 */
export function schemaProblems(text: string, file = SCHEMA_FILE): { problems: SchemaProblem[]; fields: number } {
    const schema = new SchemaSource(text, file);
    const problems: SchemaProblem[] = [];
    let fields = 0;
    const known = new Set<string>(FIELD_TAGS);
    for (const object of schema.objects()) {
        if (!object.doc)
            problems.push({ line: schema.line(schema.consts.get(object.name)!.statement), where: object.name, problem: "no doc comment" });
        for (const tag of object.doc?.tags ?? []) {
            if (!known.has(tag.name))
                problems.push({
                    line: schema.line(schema.consts.get(object.name)!.statement),
                    where: object.name,
                    problem: unknownTag(tag.name),
                });
        }
        for (const field of object.fields) {
            fields++;
            const where = `${object.name}.${field.key}`;
            const add = (problem: string) => problems.push({ line: field.line, where, problem });
            if (!field.doc || field.doc.summary === "") {
                add("no doc comment (a sentence saying what it is)");
                continue;
            }
            const tags = field.viaProperty ? field.doc.tags : ownTags(field.doc);
            for (const tag of tags) if (!known.has(tag.name)) add(unknownTag(tag.name));
            if (field.optional && !tags.some((t) => t.name === "default" && t.text !== ""))
                add("optional or defaulted, but its doc comment has no @default");
        }
    }
    return { problems: problems.sort((a, b) => a.line - b.line), fields };
}

function unknownTag(name: string): string {
    return (PLATFORMS as readonly string[]).includes(name)
        ? `@${name} belongs in plan/support/${name}.ts (its \`fields\`), not in the schema`
        : `unknown tag @${name}; a field's tags are @${FIELD_TAGS.join(", @")}`;
}

/**
 * The fields that take a note per platform, keyed `<object>.<field>` as the platforms' `fields`
 * are: every field except one holding another documented object (its fields take the notes), a
 * key documented through its parent's `@property` (it shares the parent's notes), and an inline
 * object whose keys all have comments of their own (`rollout`: its keys take the notes).
 */
export function notedFields(objects: SchemaObject[]): string[] {
    const out: string[] = [];
    for (const object of objects) {
        for (const field of object.fields) {
            if (field.object !== undefined || field.viaProperty) continue;
            const below = object.fields.filter((f) => f.key.startsWith(`${field.key}.`) || f.key.startsWith(`${field.key}[].`));
            if (field.inline && below.every((f) => !f.viaProperty)) continue;
            out.push(`${object.name}.${field.key}`);
        }
    }
    return out;
}

/** Words that say a thing is not built (or not yet): such a field is `unsupported`, refused through a feature, never prose. */
const NOT_BUILT = /\b(not (yet )?(built|mounted|supported|implemented)|no [\w-]+( [\w-]+)? (is|are) built|unreachable|open work|todo)\b/i;
/** Words that say a thing is built differently or not at all: a `full` note must not use them (give the note its level). */
const NOT_FULL = /\b(approximated|ignored|not filtered)\b/i;

/**
 * Where the platforms' field notes disagree with the schema or with their own feature support, one
 * line each (`plan/support/<platform>.ts <field>: what`):
 * - every field of {@link notedFields} has a note on every platform, and no note names another key;
 * - a note's prose never says "not built", "not yet", "unreachable" (a thing not built is an
 *   `unsupported` note with a feature that refuses it), and a `full` note never says "approximated"
 *   or "ignored";
 * - each feature's fields exist, and on each platform the notes agree with the feature's level:
 *   full → every field full; unsupported → every field unsupported; approximated → none
 *   unsupported, at least one approximated or ignored;
 * - an `unsupported` note is refused by a feature unsupported on that platform, and an
 *   approximated or ignored one is named by a feature approximated there (so the plan prints it
 *   when a spec uses the field), unless every platform ignores the field (documentation only);
 * - a platform whose private routes go to an internal load balancer approximates `route.allowCidrs`, the others build it.
 */
export function notesProblems(
    fields: string[],
    knowledge: Record<string, PlatformKnowledge> = KNOWLEDGE,
    features: (Feature & { fields: string[] })[] = FEATURES,
): string[] {
    const problems: string[] = [];
    const known = new Set(fields);
    for (const [platform, k] of Object.entries(knowledge)) {
        const at = `plan/support/${platform}.ts`;
        const note = (key: string): FieldNote | undefined => (k.fields[key] === undefined ? undefined : fieldNote(k.fields[key]));
        for (const key of fields)
            if (note(key) === undefined) problems.push(`${at} ${key}: no note (what ${k.title} does with the field, or ignored(...))`);
        for (const [key, entry] of Object.entries(k.fields)) {
            if (!known.has(key)) {
                problems.push(`${at} ${key}: not a spec field that takes a note (fields are keyed <object>.<field>, e.g. egress.internet)`);
                continue;
            }
            const n = fieldNote(entry);
            if (n.level !== "ignored" && n.text.trim() === "") problems.push(`${at} ${key}: empty note`);
            if (NOT_BUILT.test(n.text))
                problems.push(
                    `${at} ${key}: says "${NOT_BUILT.exec(n.text)![0]}": a field not built is unsupported(...) with a feature that refuses it; otherwise say what is built`,
                );
            if (n.level === "full" && NOT_FULL.test(n.text))
                problems.push(
                    `${at} ${key}: a full note says "${NOT_FULL.exec(n.text)![0]}": give it its level, approximated(...) or ignored(...)`,
                );
            if (
                n.level === "unsupported" &&
                !features.some((f) => f.fields.includes(key) && f.support[platform as keyof Feature["support"]]?.level === "unsupported")
            )
                problems.push(
                    `${at} ${key}: unsupported, but no feature refuses it on ${platform} (plan/support.ts): a spec using it would plan`,
                );
            const allIgnored = Object.values(knowledge).every(
                (o) => o.fields[key] !== undefined && fieldNote(o.fields[key]).level === "ignored",
            );
            if (
                (n.level === "approximated" || n.level === "ignored") &&
                !allIgnored &&
                !features.some((f) => f.fields.includes(key) && f.support[platform as keyof Feature["support"]]?.level === "approximated")
            )
                problems.push(
                    `${at} ${key}: ${n.level}, but no feature approximated on ${platform} names it (plan/support.ts): the plan would not say so when a spec uses it`,
                );
        }
        for (const f of features) {
            const level = f.support[platform as keyof Feature["support"]]?.level;
            const notes = f.fields.map((key) => ({ key, n: note(key) }));
            for (const { key } of notes)
                if (!known.has(key)) problems.push(`plan/support.ts ${f.id}: field ${key} is not a spec field that takes a note`);
            const levels = notes.filter((x) => x.n).map((x) => ({ key: x.key, level: x.n!.level }));
            const wrong =
                level === "full"
                    ? levels.filter((x) => x.level !== "full")
                    : level === "unsupported"
                      ? levels.filter((x) => x.level !== "unsupported")
                      : levels.filter((x) => x.level === "unsupported");
            for (const x of wrong) problems.push(`${at} ${x.key}: ${x.level}, but feature ${f.id} is ${level} on ${platform}`);
            if (level === "approximated" && levels.length > 0 && levels.every((x) => x.level === "full"))
                problems.push(`${at} ${f.fields.join(", ")}: every note full, but feature ${f.id} is approximated on ${platform}`);
        }
        const cidrs = note("route.allowCidrs");
        if (cidrs && (k.rendering.privateRoutes === "internal-load-balancer") !== (cidrs.level === "approximated"))
            problems.push(
                `${at} route.allowCidrs: ${cidrs.level}, but its rendering serves private routes by ${k.rendering.privateRoutes} (an internal load balancer is an approximation)`,
            );
    }
    return problems;
}

/** A field note as the reference shows it: its level in words, then what the platform does. */
export function noteText(entry: FieldEntry): string {
    const n = fieldNote(entry);
    switch (n.level) {
        case "full":
            return n.text;
        case "approximated":
            return `Approximated: ${n.text}`;
        case "ignored":
            return n.text ? `Ignored: ${n.text}` : "Ignored.";
        case "unsupported":
            return `Not built (refused): ${n.text}`;
    }
}

// ---- rendering ----------------------------------------------------------------------------------

/** A JSON Schema node, as far as the reference reads it. */
interface JsonNode {
    type?: string | string[];
    enum?: unknown[];
    anyOf?: JsonNode[];
    minimum?: number;
    maximum?: number;
    exclusiveMinimum?: number;
    minItems?: number;
    minLength?: number;
    items?: JsonNode;
    properties?: Record<string, JsonNode>;
    additionalProperties?: JsonNode | boolean;
    required?: string[];
}

const LIMIT = 1e15;

/** A JSON Schema node in words: `integer 1-65535`, `` `web` \| `worker` ``, `list of string`, `map of name → string`. */
function typeText(node: JsonNode | undefined): string {
    if (!node) return "";
    if (node.enum) return node.enum.map((v) => `\`${String(v)}\``).join(" | ");
    if (node.anyOf) return node.anyOf.map(typeText).join(" or ");
    if (Array.isArray(node.type)) return node.type.join(" or ");
    if (node.type === "integer" || node.type === "number") {
        const lo = node.minimum ?? (node.exclusiveMinimum !== undefined ? `> ${node.exclusiveMinimum}` : undefined);
        const hi = node.maximum !== undefined && node.maximum < LIMIT ? node.maximum : undefined;
        const min = typeof lo === "number" && lo > -LIMIT ? lo : typeof lo === "string" ? lo : undefined;
        if (min !== undefined && hi !== undefined)
            return typeof min === "string" ? `${node.type} ${min} and ≤ ${hi}` : `${node.type} ${min}-${hi}`;
        if (min !== undefined) return typeof min === "string" ? `${node.type} ${min}` : `${node.type} ≥ ${min}`;
        return node.type;
    }
    if (node.type === "array") return `list of ${typeText(node.items)}${node.minItems ? ` (at least ${node.minItems})` : ""}`;
    if (node.type === "object" && node.additionalProperties && typeof node.additionalProperties === "object" && !node.properties) {
        return `map of name → ${typeText(node.additionalProperties)}`;
    }
    if (node.type === "object") return "object";
    return typeof node.type === "string" ? node.type : "";
}

/** `fileShare` → `File share`, `systemSpec` → `System spec`. */
function titleOf(name: string): string {
    const words = name.replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
    return words.charAt(0).toUpperCase() + words.slice(1);
}

const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\s+/g, " ").trim();
const tagText = (tags: DocTag[], name: string) => tags.filter((t) => t.name === name).map((t) => t.text);

/** The node below `node` for a key, through lists (`[]`) and maps (`.<name>`) as `via` says. */
function descend(node: JsonNode | undefined, via: string): JsonNode | undefined {
    let n = node;
    for (const step of via.match(/\[\]|\.<name>/g) ?? [])
        n = step === "[]" ? n?.items : typeof n?.additionalProperties === "object" ? n.additionalProperties : undefined;
    return n;
}

/** The JSON Schema node of a dotted key (`build.context`, `lifecycle[].tier`) below an object's node. */
function fieldNode(objectNode: JsonNode | undefined, key: string): JsonNode | undefined {
    let node = objectNode;
    for (const part of key.split(".")) {
        const m = /^([^[]+)((?:\[\])*)$/.exec(part);
        node = descend(node?.properties?.[m?.[1] ?? part], m?.[2] ?? "");
    }
    return node;
}

/** docs/spec-reference.md for the schema source `text` (default: model/schema.ts as it is on disk). */
export function renderSpecReference(text = schemaSource(), knowledge: Record<string, PlatformKnowledge> = KNOWLEDGE): string {
    const schema = new SchemaSource(text);
    const objects = new Map(schema.objects().map((o) => [o.name, o]));
    const json = z.toJSONSchema(systemSpec, { io: "input", unrepresentable: "any" }) as JsonNode;

    // Walk from the root: each documented object once, in the order the spec reaches it, with every path it sits at.
    const order: string[] = [];
    const paths = new Map<string, string[]>();
    const nodes = new Map<string, JsonNode | undefined>();
    const visit = (name: string, at: string, node: JsonNode | undefined) => {
        const seen = paths.get(name);
        if (seen) {
            seen.push(at);
            return;
        }
        order.push(name);
        paths.set(name, [at]);
        nodes.set(name, node);
        for (const f of objects.get(name)?.fields ?? []) {
            if (f.object) visit(f.object, `${at ? `${at}.` : ""}${f.key}${f.via ?? ""}`, descend(fieldNode(node, f.key), f.via ?? ""));
        }
    };
    visit("systemSpec", "", json);

    const platforms = PLATFORMS.map((p) => knowledge[p].title);
    const out: string[] = [
        "# Spec reference",
        "",
        `<!-- Generated by \`npm run docs:spec\` (scripts/spec-reference.ts) from the doc comments of ${SCHEMA_FILE} and each platform's plan/support/<platform>.ts; edit those, not this file. -->`,
        "",
        "Every field of a system spec (`systems/*.yaml`, or your own file given as `tierform:system`): what it is, its",
        "default, what each platform does with it, where a change replaces a resource or loses data, and what the",
        'expensive prod choices cost. A field left out takes its default; "set by the environment profile" means',
        "`model/profiles.ts` fills it per environment (dev, staging, prod). Unknown keys are refused.",
        "",
        `Platforms: ${platforms.map((t) => `**${t}**`).join(", ")} (the \`dev\`, \`staging\` and \`prod\` stacks).`,
        "What each platform does with a field comes from the platform's plan/support/<platform>.ts and starts with its level where it does",
        'not build the field as asked: "Approximated" (built differently), "Ignored" (nothing is built from it), "Not built" (refused).',
        "Costs are AWS on-demand list prices in us-east-1 where a number is given; check the AWS pricing pages for your region.",
        "",
        "Objects:",
        "",
        ...order.map(
            (name) =>
                `- [${titleOf(name)}](#${name.toLowerCase()}): ${paths
                    .get(name)!
                    .map((p) => (p ? `\`${p}\`` : "the top level"))
                    .join(", ")}`,
        ),
    ];

    for (const name of order) {
        const object = objects.get(name)!;
        const node = nodes.get(name);
        const required = new Set(node?.required ?? []);
        out.push("", `<a id="${name.toLowerCase()}"></a>`, "", `## ${titleOf(name)}`, "");
        const where = paths.get(name)!.map((p) => (p ? `\`${p}\`` : "the top level of a spec"));
        out.push(`At ${where.join(", ")}.${object.doc?.summary ? ` ${object.doc.summary}` : ""}`);
        const objectCosts = tagText(object.doc?.tags ?? [], "cost");
        if (objectCosts.length > 0) out.push("", "Costs:", "", ...objectCosts.map((c) => `- ${c}`));

        out.push("", "| Field | Type | Default | Description |", "| --- | --- | --- | --- |");
        for (const f of object.fields) {
            const doc = f.doc ?? { summary: "", tags: [] };
            const tags = f.viaProperty ? doc.tags : ownTags(doc);
            const fNode = fieldNode(node, f.key);
            const type = f.object
                ? `${f.via === "[]" ? "list of " : f.via === ".<name>" ? "map of name → " : ""}[${titleOf(f.object).toLowerCase()}](#${f.object.toLowerCase()})`
                : typeText(fNode);
            const topKey = f.key.split(".")[0].replace(/\[\]$/, "");
            const isRequired = !f.optional && (f.key.includes(".") || required.has(topKey));
            const def = tagText(tags, "default")[0] ?? (isRequired ? "required" : "");
            out.push(`| \`${f.key}\` | ${cell(type)} | ${cell(def)} | ${cell(doc.summary)} |`);
        }

        const noteOf = (p: string, f: SchemaField) => knowledge[p].fields[`${name}.${f.key}`];
        const noted = object.fields.filter((f) => PLATFORMS.some((p) => noteOf(p, f) !== undefined));
        if (noted.length > 0) {
            out.push(
                "",
                "What each platform does:",
                "",
                `| Field | ${platforms.join(" | ")} |`,
                `| --- | ${platforms.map(() => "---").join(" | ")} |`,
            );
            for (const f of noted)
                out.push(
                    `| \`${f.key}\` | ${PLATFORMS.map((p) => cell(noteOf(p, f) === undefined ? "—" : noteText(noteOf(p, f)))).join(" | ")} |`,
                );
        }
        for (const [tag, title] of [
            ["caution", "Cautions"],
            ["cost", "Costs"],
        ] as const) {
            const items = object.fields.flatMap((f) =>
                tagText(f.viaProperty ? (f.doc?.tags ?? []) : ownTags(f.doc ?? { summary: "", tags: [] }), tag).map(
                    (t) => `- \`${f.key}\`: ${t}`,
                ),
            );
            if (items.length > 0) out.push("", `${title}:`, "", ...items);
        }
    }
    return out.join("\n") + "\n";
}

if (require.main === module) {
    const target = path.join(ROOT, REFERENCE_FILE);
    fs.writeFileSync(target, renderSpecReference());
    console.log(`wrote ${REFERENCE_FILE}`);
}
