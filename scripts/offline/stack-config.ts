/**
 * A stack's configuration as the Pulumi CLI would hand it to the program: the project defaults of
 * Pulumi.yaml under the `tierform:` namespace, then Pulumi.<stack>.yaml over them. Values become
 * strings the way Pulumi stores them (objects and arrays as JSON).
 */
import * as fs from "fs";
import * as path from "path";
import { LineCounter, parseDocument } from "yaml";
import { PROJECT_ROOT } from "../../model";

const asConfigString = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));

/** The stacks that ship with the project (Pulumi.<stack>.yaml files in `root`). */
export function stackNames(root: string = PROJECT_ROOT): string[] {
    return fs
        .readdirSync(root)
        .map((f) => /^Pulumi\.([^.]+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => !!s)
        .sort();
}

/** The config of `stack` (project files in `root`): Pulumi.yaml's defaults as `tierform:<key>`, then Pulumi.<stack>.yaml over them; throws for an unknown stack. */
export function readStackConfig(stack: string, root: string = PROJECT_ROOT): Record<string, string> {
    const project = readYamlFile(path.join(root, "Pulumi.yaml"), "Pulumi.yaml");
    const config: Record<string, string> = {};
    for (const [key, decl] of Object.entries<Record<string, unknown>>(project.config ?? {})) {
        if (decl && "default" in decl) config[key.includes(":") ? key : `${project.name}:${key}`] = asConfigString(decl.default);
    }
    const file = path.join(root, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(file)) throw new Error(`no stack file Pulumi.${stack}.yaml; stacks: ${stackNames(root).join(", ")}`);
    const stackFile = readYamlFile(file, `Pulumi.${stack}.yaml`);
    if (stackFile.config !== undefined && (typeof stackFile.config !== "object" || Array.isArray(stackFile.config))) {
        throw new Error(`Pulumi.${stack}.yaml: 'config' must be a mapping of keys to values`);
    }
    for (const [key, value] of Object.entries(stackFile.config ?? {})) config[key] = asConfigString(value);
    return config;
}

/**
 * What each text of a stack file parsed to: the tests ask for a stack's config for every run they
 * plan (Pulumi.yaml is 8 KB; about 9 s of CPU over `npm test` before it was kept). Keyed by the
 * file's text, read each time, so an edited file is parsed again. Read-only.
 */
const parsed = new Map<string, Record<string, any>>();

/** Parse a YAML file; a syntax error throws one line naming the file and the line. */
function readYamlFile(file: string, label: string): Record<string, any> {
    const text = fs.readFileSync(file, "utf8");
    let value = parsed.get(text);
    if (!value) parsed.set(text, (value = parseYaml(text, label)));
    return value;
}

function parseYaml(text: string, label: string): Record<string, any> {
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
    if (doc.errors.length > 0) {
        const e = doc.errors[0];
        const line = e.linePos?.[0].line ?? lines.linePos(e.pos[0]).line;
        throw new Error(`${label}:${line}: YAML does not parse: ${e.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "")}`);
    }
    const value = doc.toJS();
    return value && typeof value === "object" ? value : {};
}

/** Where each key of Pulumi.<stack>.yaml's `config` is set: key → line, for messages that name the file and line. */
export function stackConfigLines(stack: string, root: string = PROJECT_ROOT): Map<string, number> {
    const out = new Map<string, number>();
    const file = path.join(root, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(file)) return out;
    const lines = new LineCounter();
    const doc = parseDocument(fs.readFileSync(file, "utf8"), { lineCounter: lines });
    const config = doc.get("config", true) as { items?: { key: { value?: unknown; range?: [number, number, number] } }[] } | undefined;
    for (const item of config?.items ?? []) {
        if (typeof item.key?.value === "string" && item.key.range) out.set(item.key.value, lines.linePos(item.key.range[0]).line);
    }
    return out;
}

/** Add `(Pulumi.<stack>.yaml:<line>)` to each problem line about a config key (`tierform:system`, `aws:region`) set in that file. */
export function withStackFileLines(message: string, stack: string, root: string = PROJECT_ROOT): string {
    const lines = stackConfigLines(stack, root);
    return message.replace(/^(\s+- |)([a-z]+:[A-Za-z0-9_]+)(\s|:)/gm, (all, lead: string, key: string, after: string) =>
        lines.has(key) ? `${lead}${key} (Pulumi.${stack}.yaml:${lines.get(key)})${after}` : all,
    );
}
