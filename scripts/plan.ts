/**
 * The offline plan: `npm run plan -- --stack <dev|staging|prod> [--system <preset|file.yaml>] [--json <file>]`
 *
 * Runs index.ts exactly as `pulumi preview` would, but under Pulumi's mock runtime: no CLI, no
 * cloud, no credentials. Prints the resource tree (components, their children, counts by type),
 * then the policy report. Exits 1 on invalid config or a mandatory policy violation.
 */
import * as fs from "fs";
import { runOffline, type OfflineRun, type PlannedResource } from "./offline/engine";
import { readStackConfig, stackNames } from "./offline/stack-config";
import { PolicyConfigError, runPolicyReport } from "./offline/policy-report";
import { writeDiagrams } from "./offline/diagram";

interface Args {
    stack: string;
    system?: string;
    json?: string;
    diagram?: string;
    mermaid?: string;
}

const USAGE = "usage: npm run plan -- --stack <dev|staging|prod> [--system <preset|file.yaml>] [--json <file>] [--diagram <file.svg>] [--mermaid <file.mmd>]";

function parseArgs(argv: string[]): Args {
    const args: Partial<Args> = {};
    for (let i = 0; i < argv.length; i++) {
        const flag = argv[i];
        const value = argv[i + 1];
        const key = flag.replace(/^--/, "") as keyof Args;
        if (!["stack", "system", "json", "diagram", "mermaid"].includes(key) || !flag.startsWith("--")) fail(`unknown argument '${flag}'\n${USAGE}`);
        if (value === undefined || value.startsWith("--")) fail(`${flag} needs a value\n${USAGE}`);
        args[key] = value;
        i++;
    }
    if (!args.stack) fail(`--stack is required; stacks: ${stackNames().join(", ")}\n${USAGE}`);
    return args as Args;
}

function fail(message: string): never {
    console.error(message);
    process.exit(1);
}

/** The tree of components, each with counts of its custom children by type. */
export function renderTree(run: OfflineRun): string {
    const byParent = new Map<string, PlannedResource[]>();
    for (const r of run.resources) {
        const key = r.parent ?? "";
        byParent.set(key, [...(byParent.get(key) ?? []), r]);
    }
    const lines: string[] = [];
    const walk = (r: PlannedResource, prefix: string, last: boolean, root: boolean) => {
        const kids = byParent.get(r.urn) ?? [];
        const custom = kids.filter((k) => k.custom);
        const counts = countByType(custom);
        const protectedCount = custom.filter((k) => k.protect).length;
        const summary = [...counts].map(([t, n]) => `${n} ${t.split(":").pop()}`).join(", ") + (protectedCount ? `; ${protectedCount} protected` : "");
        const flags = r.protect ? " [protected]" : "";
        lines.push(`${prefix}${root ? "" : last ? "└─ " : "├─ "}${r.type.split(":").slice(1).join(":")} ${r.name}${flags}${summary ? `  (${summary})` : ""}`);
        const components = kids.filter((k) => !k.custom);
        components.forEach((c, i) => walk(c, root ? "" : prefix + (last ? "   " : "│  "), i === components.length - 1, false));
    };
    for (const root of byParent.get("") ?? []) walk(root, "", true, true);
    return lines.join("\n");
}

/** How many of `resources` there are of each type, in first-seen order. */
function countByType(resources: PlannedResource[]): Map<string, number> {
    const counts = new Map<string, number>();
    for (const r of resources) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
    return counts;
}

/** The stack's custom resources counted by type, most first, one line each. */
function countsByType(run: OfflineRun): string {
    return [...countByType(run.resources.filter((x) => x.custom))]
        .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
        .map(([t, n]) => `  ${String(n).padStart(4)}  ${t}`)
        .join("\n");
}

async function main() {
    const args = parseArgs(process.argv.slice(2));
    let config: Record<string, string>;
    try {
        config = readStackConfig(args.stack);
    } catch (err) {
        fail((err as Error).message);
    }
    if (args.system) config["tierform:system"] = args.system;
    const started = Date.now();
    let run: OfflineRun;
    try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const program = require("../index");
        run = await runOffline({ program, config, stack: args.stack });
    } catch (err) {
        const message = (err as Error).message ?? String(err);
        fail(message.replace(/^Error: /, ""));
    }
    const custom = run.resources.filter((r) => r.custom);
    console.log(`tierform offline plan · stack ${args.stack} · ${config["tierform:platform"]} · ${config["tierform:environment"]} · system ${config["tierform:system"]}`);
    console.log("");
    console.log(renderTree(run));
    console.log("");
    console.log(`Resources: ${custom.length} (+${run.resources.length - custom.length} components), planned in ${Date.now() - started} ms`);
    console.log(countsByType(run));
    console.log("");
    let report: ReturnType<typeof runPolicyReport>;
    try {
        report = runPolicyReport(run, args.stack);
    } catch (err) {
        // A bad policy config (unknown policy, wrong type) is the user's input: its message, no trace.
        if (err instanceof PolicyConfigError) fail(`policy report: ${err.message}`);
        throw err;
    }
    console.log(report.text);
    if (args.json) {
        const json = {
            stack: args.stack,
            config,
            resources: run.resources.map((r) => ({ urn: r.urn, type: r.type, name: r.name, parent: r.parent ?? null, custom: r.custom, protect: r.protect, inputs: r.redacted })),
            violations: report.violations,
        };
        fs.writeFileSync(args.json, JSON.stringify(json, null, 2));
        console.log(`\nwrote ${args.json}`);
    }
    for (const line of await writeDiagrams(run, config, args.stack, args)) console.log(line);
    process.exit(report.mandatoryCount > 0 ? 1 : 0);
}

main().catch((err) => fail(`plan failed: ${(err as Error).stack ?? err}`));
