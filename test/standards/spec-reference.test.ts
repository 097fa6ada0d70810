/**
 * The spec is documented like aws-cdk-lib and SST document their props, and the reference cannot go
 * stale: every key of every zod object in model/schema.ts has a doc comment (a sentence; `@default`
 * where it is optional or defaulted; what each platform of `PLATFORMS` does with it; no tag outside
 * the documented set, so `@k8s` or a platform that does not exist fails), and
 * docs/spec-reference.md is exactly what `npm run docs:spec` writes from them.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { PLATFORMS } from "../../model/config";
import {
    REFERENCE_FILE,
    ROOT,
    SCHEMA_FILE,
    renderSpecReference,
    schemaObjects,
    schemaProblems,
    type SchemaProblem,
} from "../../scripts/spec-reference";

const report = (problems: SchemaProblem[]) => problems.map((p) => `${p.line} ${p.where}: ${p.problem}`).join("\n");

/** A schema with one of each miss, and fields documented every allowed way. */
const BROKEN = `import { z } from "zod";
const bare = z.strictObject({
    /** Documented. @docker a @kubernetes b @aws c */
    id: z.string(),
});
/** A widget. */
export const widget = z.strictObject({
    /**
     * Documented and required.
     * @docker a
     * @kubernetes b
     * @aws c
     */
    name: z.string(),
    size: z.number().optional(),
    /** Optional, but no default. @docker a @kubernetes b @aws c */
    colour: z.string().optional(),
    /** A platform that does not exist. @default 1 @docker a @kubernetes b @aws c @gcp d */
    count: z.number().default(1),
    /** A platform missing. @default "x" @docker a @kubernetes b */
    mode: z.string().default("x"),
    /**
     * An inline object whose keys are documented by property tags, which share its platform notes.
     * @default none
     * @docker a
     * @kubernetes b
     * @aws c
     * @property min Lower bound.
     * @property max Upper bound, optional without a default.
     */
    range: z.strictObject({ min: z.number(), max: z.number().optional(), step: z.number() }).optional(),
    /** Holds another object: its fields carry the platform notes. @default [] */
    parts: z.array(bare).default([]),
});
`;

describe("standards: the spec reference (docs/spec-reference.md)", () => {
    it("the checker reports each kind of miss in a broken schema, with its line, and nothing for what is documented", () => {
        const { problems, fields } = schemaProblems(BROKEN, "fixture.ts");
        assert.equal(fields, 11);
        assert.equal(
            report(problems),
            [
                "2 bare: no doc comment",
                "15 widget.size: no doc comment (a sentence saying what it is)",
                "17 widget.colour: optional or defaulted, but its doc comment has no @default",
                `19 widget.count: unknown tag @gcp; a field's tags are @default, @caution, @cost, @property and one per platform: @${PLATFORMS.join(", @")}`,
                `21 widget.mode: says nothing of platform aws (add @aws ...: what it does with the field, or "Ignored")`,
                "31 widget.range.max: optional or defaulted, but its doc comment has no @default",
                "31 widget.range.step: no doc comment (a sentence saying what it is)",
            ].join("\n"),
        );
    });

    it(`${SCHEMA_FILE}: every field documented, with its default and what each platform does with it`, () => {
        const { problems, fields } = schemaProblems(fs.readFileSync(path.join(ROOT, SCHEMA_FILE), "utf8"));
        assert.ok(fields >= 100, `walked only ${fields} fields`);
        assert.equal(
            problems.length,
            0,
            `${problems.length} spec fields not documented as model/schema.ts's header asks:\n${report(problems)}`,
        );
    });

    it(`${REFERENCE_FILE} is what \`npm run docs:spec\` writes (run it after changing a doc comment of the schema)`, () => {
        const committed = fs.readFileSync(path.join(ROOT, REFERENCE_FILE), "utf8");
        const generated = renderSpecReference();
        if (committed !== generated) {
            const a = committed.split("\n");
            const b = generated.split("\n");
            const i = a.findIndex((line, n) => line !== b[n]);
            assert.fail(
                `${REFERENCE_FILE} is stale: run \`npm run docs:spec\`. First difference at line ${i + 1}:\n  committed: ${a[i]}\n  generated: ${b[i]}`,
            );
        }
    });

    it("the reference has a section per spec object, a row per field and a column per platform", () => {
        const reference = renderSpecReference();
        const objects = schemaObjects(fs.readFileSync(path.join(ROOT, SCHEMA_FILE), "utf8"));
        assert.ok(objects.length >= 15, `only ${objects.length} objects`);
        for (const object of objects) {
            const start = reference.indexOf(`<a id="${object.name.toLowerCase()}"></a>`);
            assert.ok(start >= 0, `no section for ${object.name}`);
            const end = reference.indexOf('<a id="', start + 1);
            const section = reference.slice(start, end < 0 ? undefined : end);
            for (const f of object.fields) assert.ok(section.includes(`| \`${f.key}\` |`), `${object.name}: no row for ${f.key}`);
        }
        assert.ok(reference.includes(`| Field | Docker | Kubernetes | AWS |`), "no per-platform table");
    });
});
