/**
 * The pin table (conventions/pins.ts) is the one place versions are written: no image
 * reference with a tag and no chart version literal elsewhere under components/; every image the
 * presets' plans pull comes from the table; the workflows use the table's actions, Node and Trivy;
 * every entry says where it was confirmed.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { imageOf, type Pin, PINS, PINS_AS_OF } from "../../conventions/pins";
import { loadStack, presetNames } from "../../model";
import { imagesOf } from "../../scripts/images";
import { ECR_PUBLIC_REGISTRY, imageCachePrefix } from "../../components/aws/image-cache";
import { planStack, stackConfig } from "../harness";

const ROOT = path.join(__dirname, "..", "..");
const PIN_FILE = path.join("conventions", "pins.ts");

function tsFiles(dir: string): string[] {
    return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
        const rel = path.join(dir, e.name);
        return e.isDirectory() ? tsFiles(rel) : e.name.endsWith(".ts") ? [rel] : [];
    });
}

/** A quoted image reference with a dotted tag (`"repo/name:1.2"`, `'x:v1.2.3-alpine'`), or a chart version literal. */
const IMAGE_LITERAL = /["'`](?:[a-z0-9.-]+\/)*[a-z0-9][a-z0-9._-]*:v?\d+\.\d+[\w.-]*(?:@sha256:[0-9a-f]{64})?["'`]/;
const VERSION_LITERAL = /\bversion:\s*["'`]v?\d+\.\d+/;

/** Literal pins in the code of `files` (comments left out), as `file:line: text`. */
export function strayPins(files: Array<{ file: string; text: string }>): string[] {
    const out: string[] = [];
    for (const { file, text } of files) {
        text.split("\n").forEach((line, i) => {
            const code = line.trim();
            if (code.startsWith("*") || code.startsWith("//") || code.startsWith("/*")) return;
            if (IMAGE_LITERAL.test(code) || VERSION_LITERAL.test(code)) out.push(`${file}:${i + 1}: ${code}`);
        });
    }
    return out;
}

describe("pin table", () => {
    it("is the only place under components/ that writes an image tag or a chart version", () => {
        const files = tsFiles("components")
            .filter((f) => f !== PIN_FILE)
            .map((file) => ({ file, text: fs.readFileSync(path.join(ROOT, file), "utf8") }));
        assert.deepEqual(strayPins(files), []);
        // The check sees a stray pin (what it guards against), in code but not in a comment.
        assert.equal(strayPins([{ file: "x.ts", text: 'export const X = "amazon/aws-cli:2.22.4";' }]).length, 1);
        assert.equal(strayPins([{ file: "x.ts", text: '    cnpg: { chart: "cloudnative-pg", version: "0.23.0" },' }]).length, 1);
        assert.equal(strayPins([{ file: "x.ts", text: " * e.g. `postgres:14.24-alpine`" }]).length, 0);
    });

    it("says for every entry where it was confirmed, and what Renovate looks it up with", () => {
        assert.match(PINS_AS_OF, /^\d{4}-\d{2}-\d{2}$/);
        for (const [name, pin] of Object.entries(PINS) as Array<[string, Pin]>) {
            assert.ok(pin.source.length > 10, `${name}: source`);
            assert.ok(pin.value && !/latest|^main$/.test(pin.value), `${name}: a fixed value`);
            assert.ok(pin.datasource && pin.packageName, `${name}: datasource and packageName`);
            if (pin.datasource === "helm") assert.match(pin.registryUrl ?? "", /^https:\/\//, `${name}: helm needs registryUrl`);
            if (pin.digest) assert.match(pin.digest, /^sha256:[0-9a-f]{64}$/, `${name}: digest`);
        }
    });

    it("supplies every third-party image the presets pull on dev, staging and prod (the ECS tasks' helpers)", async () => {
        const known = new Set((Object.keys(PINS) as Array<keyof typeof PINS>).filter((n) => PINS[n].kind === "image").map(imageOf));
        for (const stack of ["dev", "staging", "prod"]) {
            for (const preset of presetNames()) {
                const { system } = loadStack(stackConfig({ stack, system: preset }));
                const own = new Set(Object.values(system.services).map((s) => s.image));
                const plan = await planStack({ stack, system: preset });
                // On prod an ECR Public image comes through the account's pull-through cache (components/aws/image-cache.ts):
                // the same reference under the system's prefix, which must still be a pinned one.
                const cache = new RegExp(`^\\d{12}\\.dkr\\.ecr\\.[a-z0-9-]+\\.amazonaws\\.com(\\.cn)?/${imageCachePrefix(system)}/`);
                const upstream = (i: string) => i.replace(cache, `${ECR_PUBLIC_REGISTRY}/`);
                const stray = imagesOf(plan.run)
                    .map(upstream)
                    .filter((i) => !own.has(i) && !known.has(i));
                assert.deepEqual(stray, [], `${preset} on ${stack}: images not from the pin table`);
            }
        }
    });

    it("gives the workflows their actions, Node version and Trivy image", () => {
        const dir = path.join(ROOT, ".github", "workflows");
        const actions = new Map(
            Object.values(PINS)
                .filter((p) => p.kind === "action")
                .map((p) => [p.packageName, p.value] as [string, string]),
        );
        for (const file of fs.readdirSync(dir)) {
            const text = fs.readFileSync(path.join(dir, file), "utf8");
            const doc = parse(text) as { jobs: Record<string, { steps: Array<{ uses?: string; with?: Record<string, unknown> }> }> };
            for (const [job, { steps }] of Object.entries(doc.jobs)) {
                for (const step of steps) {
                    if (step.uses) {
                        const [action, ref] = step.uses.split("@");
                        assert.equal(
                            ref,
                            actions.get(action),
                            `${file} ${job}: ${step.uses} is not the pin table's (${action}@${actions.get(action)})`,
                        );
                    }
                    if (step.with?.["node-version"] !== undefined)
                        assert.equal(String(step.with["node-version"]), PINS.nodeVersion.value, `${file} ${job}: node-version`);
                }
            }
            for (const m of text.matchAll(/ghcr\.io\/aquasecurity\/trivy:[\w.-]+/g)) assert.equal(m[0], imageOf("trivy"), `${file}: trivy`);
            for (const m of text.matchAll(/container:(?:\s*\n\s+image:)? (\S+)/g))
                assert.equal(m[1], imageOf("ciNodeImage"), `${file}: the CI container`);
        }
    });
});
