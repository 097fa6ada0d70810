/**
 * A stack's configuration as the Pulumi CLI would hand it to the program: the project defaults of
 * Pulumi.yaml under the `tierform:` namespace, then Pulumi.<stack>.yaml over them. Values become
 * strings the way Pulumi stores them (objects and arrays as JSON).
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { PROJECT_ROOT } from "../../spec";

const asConfigString = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));

/** The stacks that ship with the project (Pulumi.<stack>.yaml files). */
export function stackNames(): string[] {
    return fs
        .readdirSync(PROJECT_ROOT)
        .map((f) => /^Pulumi\.([^.]+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => !!s)
        .sort();
}

/** The config of `stack`: Pulumi.yaml's defaults as `tierform:<key>`, then Pulumi.<stack>.yaml over them; throws for an unknown stack. */
export function readStackConfig(stack: string): Record<string, string> {
    const project = parse(fs.readFileSync(path.join(PROJECT_ROOT, "Pulumi.yaml"), "utf8"));
    const config: Record<string, string> = {};
    for (const [key, decl] of Object.entries<Record<string, unknown>>(project.config ?? {})) {
        if (decl && "default" in decl) config[key.includes(":") ? key : `${project.name}:${key}`] = asConfigString(decl.default);
    }
    const file = path.join(PROJECT_ROOT, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(file)) throw new Error(`no stack file Pulumi.${stack}.yaml; stacks: ${stackNames().join(", ")}`);
    const stackFile = parse(fs.readFileSync(file, "utf8")) ?? {};
    for (const [key, value] of Object.entries(stackFile.config ?? {})) config[key] = asConfigString(value);
    return config;
}
