/**
 * The offline plan: `npm run plan -- --stack <dev|staging|prod> [--system <preset|file.yaml>] [--json <file>]`
 *
 * Runs index.ts exactly as `pulumi preview` would, but under Pulumi's mock runtime: no CLI, no
 * cloud, no credentials. Prints the resource tree (components, their children, counts by type),
 * then the policy report. Exits 1 on invalid config or a mandatory policy violation.
 */
import * as fs from "fs";
import * as path from "path";
import { formatRuntimeMessage, REDACTED, type OfflineRun, type PlannedResource, type RuntimeMessage } from "./offline/records";
import { readStackConfig, stackNames, withStackFileLines } from "./offline/stack-config";
import { PolicyConfigError, runPolicyReport, specPathOf, type SpecElements } from "./offline/policy-report";
import { loadPolicyConfig } from "../policies/config";
import { writeDiagrams } from "./offline/diagram";
import { renderSizing } from "./offline/sizing";
import { awsPrerequisites, renderAwsPrerequisites } from "./offline/prerequisites-aws";
import { againstPlanFile, type PlanFile } from "./offline/updates";
import { didYouMean, loadStack, SpecError, type Platform, type System } from "../model";
import { checkPlan, connectionVariables, planService } from "../plan";

/** The command line, parsed. */
export interface Args {
    stack: string;
    system?: string;
    json?: string;
    diagram?: string;
    mermaid?: string;
    /** A plan file of the deployment this plan would update (`--json` of an earlier run): replacements and deletions are compared with it. */
    against?: string;
    help?: boolean;
}

/** What `--help` prints. */
export const USAGE = `usage: npm run plan -- --stack <dev|staging|prod> [options]

  --stack <name>         the stack: a Pulumi.<name>.yaml of this project (dev, staging, prod)
  --system <preset|file> a preset (systems/<name>.yaml) or a spec file, relative to the directory you run npm in
  --json <file.json>     write every resource with its inputs (secret values redacted), provider, region, dependencies and spec path, and the violations
  --diagram <file.svg>   draw the deployed system as SVG
  --mermaid <file.mmd>   the same picture as Mermaid text
  --against <file.json>  compare with the --json file of the deployment this would update: print every resource
                         replaced or deleted with its spec path, and refuse (exit 1) one that would lose stored data
  -h, --help             print this help

Exits 0 when the plan has no mandatory policy violation, 1 otherwise or on invalid input.`;

/** A problem with the command line or the user's input: printed as one line, no stack trace. */
export class UsageError extends Error {}

const FLAGS = ["stack", "system", "json", "diagram", "mermaid", "against"] as const;

/**
 * The directory the user ran the command in: `npm run` runs scripts in the package's root and
 * keeps the caller's directory in INIT_CWD (npm docs, "scripts": "INIT_CWD"); a direct run has it
 * as the process's own.
 */
export function callerDirectory(env: NodeJS.ProcessEnv = process.env): string {
    return env.INIT_CWD || process.cwd();
}

/** Why the plan could not write `file` (an output flag's value), or undefined: checked before anything is planned. */
function unwritable(file: string): string | undefined {
    const dir = path.dirname(file);
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) return `the directory ${dir} does not exist`;
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) return "is a directory; give a file name";
    try {
        fs.accessSync(fs.existsSync(file) ? file : dir, fs.constants.W_OK);
    } catch (err) {
        return `cannot be written (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
    }
    return undefined;
}

/** Parse the command line; throws {@link UsageError} with one clear line on anything wrong. */
export function parseArgs(argv: string[], cwd = callerDirectory()): Args {
    const args: Partial<Args> = {};
    for (let i = 0; i < argv.length; i++) {
        const flag = argv[i];
        if (flag === "--help" || flag === "-h") return { stack: "", help: true };
        const key = flag.replace(/^--/, "");
        if (!flag.startsWith("--") || !(FLAGS as readonly string[]).includes(key)) {
            throw new UsageError(`unknown argument '${flag}'${didYouMean(key, [...FLAGS]).replace(/'([^']+)'/, "'--$1'")}; see --help`);
        }
        const value = argv[i + 1];
        if (value === undefined || value.startsWith("--")) throw new UsageError(`${flag} needs a value; see --help`);
        args[key as (typeof FLAGS)[number]] = value;
        i++;
    }
    if (!args.stack) throw new UsageError(`--stack is required; stacks: ${stackNames().join(", ")}; see --help`);
    if (args.diagram && !/\.svg$/i.test(args.diagram))
        throw new UsageError(
            `--diagram writes SVG: give a file ending in .svg (got '${args.diagram}'); convert it with e.g. rsvg-convert if you need PNG`,
        );
    if (args.mermaid && !/\.(mmd|mermaid|md)$/i.test(args.mermaid))
        throw new UsageError(`--mermaid writes Mermaid text: give a file ending in .mmd (got '${args.mermaid}')`);
    for (const flag of ["json", "diagram", "mermaid"] as const) {
        const file = args[flag];
        if (!file) continue;
        const problem = unwritable(path.resolve(cwd, file));
        if (problem) throw new UsageError(`--${flag} ${file}: ${problem}`);
        args[flag] = path.resolve(cwd, file);
    }
    if (args.against) {
        args.against = path.resolve(cwd, args.against);
        if (!fs.existsSync(args.against) || !fs.statSync(args.against).isFile())
            throw new UsageError(`--against ${args.against}: no such file; write one first with --json`);
    }
    // A spec file is relative to where the user runs the command, not to the project.
    if (args.system && (/\.ya?ml$/.test(args.system) || args.system.includes("/"))) args.system = path.resolve(cwd, args.system);
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
        const retainedCount = custom.filter((k) => k.retainOnDelete).length;
        const summary =
            [...counts].map(([t, n]) => `${n} ${t.split(":").pop()}`).join(", ") +
            (protectedCount ? `; ${protectedCount} protected` : "") +
            (retainedCount ? `; ${retainedCount} retainOnDelete` : "");
        const flags = (r.protect ? " [protected]" : "") + (r.retainOnDelete ? " [retainOnDelete]" : "");
        lines.push(
            `${prefix}${root ? "" : last ? "└─ " : "├─ "}${r.type.split(":").slice(1).join(":")} ${r.name}${flags}${summary ? `  (${summary})` : ""}`,
        );
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

/** Replace every secret value of the stack outputs (paths in `secretPaths`) with "[secret]". */
function redactOutputs(outputs: Record<string, unknown>, secretPaths: string[]): Record<string, unknown> {
    const secret = new Set(secretPaths);
    const walk = (v: unknown, p: string): unknown => {
        if (secret.has(p || "(root)"))
            return v && typeof v === "object"
                ? JSON.parse(JSON.stringify(v), (_k, x) => (x && typeof x === "object" ? x : REDACTED))
                : REDACTED;
        if (Array.isArray(v)) return v.map((x, i) => walk(x, `${p}[${i}]`));
        if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, p ? `${p}.${k}` : k)]));
        return v;
    };
    return walk(outputs, "") as Record<string, unknown>;
}

/** The stack outputs `pulumi up` would export, one per line, secrets redacted. */
export function renderOutputs(run: OfflineRun): string {
    const outputs = redactOutputs(run.outputs, run.secretOutputs);
    const lines = Object.entries(outputs).map(([k, v]) => `  ${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`);
    return ["Stack outputs:", ...(lines.length ? lines : ["  (none)"])].join("\n");
}

/** Per service: port, replicas and scaling, routes, the variables and secrets it receives (names only), the datastores it reaches. */
export function renderServices(system: System, platform?: Platform): string {
    const lines = ["Services:"];
    const routes = system.edge?.routes ?? [];
    for (const svc of Object.values(system.services)) {
        const scaling = svc.autoscaling
            ? `, autoscaling ${Object.entries(svc.autoscaling)
                  .map(([k, v]) => `${k} ${v}`)
                  .join(", ")}`
            : "";
        const connection = connectionVariables(system, svc, platform);
        const variables = [...Object.keys(svc.env ?? {}), ...connection.filter((c) => !c.secret).map((c) => c.variable)];
        const secrets = [...(svc.secrets ?? []), ...connection.filter((c) => c.secret).map((c) => c.variable)];
        const mine = routes
            .filter((r) => r.service === svc.name)
            .map((r) => r.path + (r.allowCidrs ? ` (only ${r.allowCidrs.join(", ")})` : ""));
        lines.push(
            `  ${svc.name}: ${svc.kind ?? "web"}${svc.port ? ` on port ${svc.port}` : ""}, replicas ${svc.replicas.min}–${svc.replicas.max}${scaling}`,
        );
        lines.push(`      routes: ${mine.length ? mine.join(", ") : "none (not reachable from the edge)"}`);
        lines.push(`      variables: ${variables.length ? [...new Set(variables)].join(", ") : "none"}`);
        lines.push(`      secrets: ${secrets.length ? [...new Set(secrets)].join(", ") : "none"}`);
        lines.push(
            `      reaches: ${svc.uses.length ? svc.uses.join(", ") : "no datastore"}${svc.egress?.internet ? "; the internet" : ""}`,
        );
        lines.push(`      health: ${healthLine(system, svc, mine.length > 0)}`);
    }
    lines.push(`  The image contract (user, HOME and writable paths, health tool, Host checks, signals): ${IMAGE_CONTRACT}`);
    return lines.join("\n");
}

/** Where the image contract is documented (the plan output links it). */
export const IMAGE_CONTRACT = "docs/image-contract.md";

/** What checks a service, in words: the request and its Host, what runs it in the container, and what the AWS load balancer sends. */
function healthLine(system: System, svc: System["services"][string], routed: boolean): string {
    // The checks do not depend on the platform; any stands in when the caller names none.
    const { liveness: check, readiness } = planService(system, svc, "docker").health;
    if (!check) return "its main process only";
    if (check.type === "exec") return `exec ${check.command.join(" ")} (the spec's command, in the container)`;
    const tool =
        check.tool === "provided"
            ? "the busybox wget tierform mounts (the image needs no tool)"
            : check.tool === "none"
              ? "nothing in the container (healthTool none: Kubernetes' kubelet and the AWS load balancer still check)"
              : `the image's ${check.tool}`;
    const alb = routed
        ? `; the AWS load balancer's check sends the task's IP as Host, so ${readiness?.type === "http" ? readiness.path : check.path} must answer 200 to any Host (${IMAGE_CONTRACT}#host-checks)`
        : "";
    return `GET ${check.path} with Host ${check.host}, in the container by ${tool}${alb}`;
}

/**
 * One resource as `--json` writes it: identity, options, redacted inputs, the provider that
 * manages it (an explicit provider's URN, else the default one) with that provider's region where
 * it has one (an explicit AWS provider's `region`, else the stack's `aws:region`), the URNs it
 * depends on, and the spec path it stems from (`spec`, as the policy report names it; null where
 * no one spec element decides it).
 */
export function jsonRecord(
    r: PlannedResource,
    byUrn: Map<string, PlannedResource>,
    stackRegion?: string,
    spec?: SpecElements,
): Record<string, unknown> {
    const providerUrn = r.provider ? r.provider.split("::").slice(0, -1).join("::") : undefined;
    const provider = providerUrn ? byUrn.get(providerUrn) : undefined;
    const pkg = r.type.split(":")[0];
    const region = typeof provider?.inputs.region === "string" ? provider.inputs.region : pkg === "aws" ? (stackRegion ?? null) : null;
    return {
        urn: r.urn,
        type: r.type,
        name: r.name,
        parent: r.parent ?? null,
        custom: r.custom,
        protect: r.protect,
        retainOnDelete: r.retainOnDelete,
        provider: r.custom ? (providerUrn ?? `default ${pkg} provider`) : null,
        region: r.custom ? region : null,
        dependencies: r.dependencies,
        spec: (spec && specPathOf(r, byUrn, spec)) ?? null,
        inputs: r.redacted,
    };
}

/**
 * What `--json` writes: the stack, its config, the outputs and every
 * resource (secrets redacted), and the violations; a later `--against` reads it back.
 */
export function planFile(run: OfflineRun, stack: string, config: Record<string, string>, system: System, violations: unknown[]) {
    const byUrn = new Map(run.resources.map((r) => [r.urn, r]));
    return {
        stack,
        config,
        outputs: redactOutputs(run.outputs, run.secretOutputs),
        resources: run.resources.map((r) => jsonRecord(r, byUrn, config["aws:region"], system)),
        violations,
    };
}

/**
 * What the program logged (approximations, warnings), where Pulumi itself would print it: info to
 * stdout, warnings to stderr (errors were printed as they happened, by the engine).
 */
function printRuntimeMessages(messages: RuntimeMessage[]): void {
    for (const m of messages) {
        if (m.severity === "info") console.log(formatRuntimeMessage(m));
        else if (m.severity === "warning") console.warn(formatRuntimeMessage(m));
    }
}

async function main() {
    let args: Args;
    try {
        args = parseArgs(process.argv.slice(2));
    } catch (err) {
        if (err instanceof UsageError) fail(err.message);
        throw err;
    }
    if (args.help) {
        console.log(USAGE);
        process.exit(0);
    }
    let config: Record<string, string>;
    try {
        config = readStackConfig(args.stack);
    } catch (err) {
        fail((err as Error).message);
    }
    if (args.system) config["tierform:system"] = args.system;
    // Everything that can fail before planning fails before planning: the stack's policy config too.
    let policyConfig: ReturnType<typeof loadPolicyConfig>;
    try {
        policyConfig = loadPolicyConfig(args.stack);
    } catch (err) {
        if (err instanceof PolicyConfigError) fail(`policy report: ${err.message.replace(/:\n\s+- /, ": ")}`);
        throw err;
    }
    function refuse(err: unknown): never {
        const message = (err as Error).message ?? String(err);
        const located = withStackFileLines(message.replace(/^Error: /, ""), args.stack);
        // --system replaces the stack file's tierform:system: its problems are not on that line.
        fail(args.system ? located.replace(/tierform:system \(Pulumi\.[^)]+\)/g, "tierform:system (--system)") : located);
    }
    let against: PlanFile | undefined;
    if (args.against) {
        try {
            against = JSON.parse(fs.readFileSync(args.against, "utf8")) as PlanFile;
        } catch (err) {
            fail(`--against ${args.against}: not a plan file (${(err as Error).message.split("\n")[0]}); write one with --json`);
        }
        if (!Array.isArray(against?.resources)) fail(`--against ${args.against}: not a plan file (no resources); write one with --json`);
        if (against.stack !== args.stack) fail(`--against ${args.against}: a plan of stack ${against.stack}, not ${args.stack}`);
    }
    // The spec and the config first, before the program is even loaded: a bad input costs a second, not a plan.
    let loaded: ReturnType<typeof loadStack>;
    try {
        loaded = loadStack(config);
        checkPlan(loaded);
    } catch (err) {
        if (err instanceof SpecError) refuse(err);
        throw err;
    }
    // Pulumi's runtime (the engine) loads only now, once the input is known to be good: a refusal
    // above costs no Pulumi load (about 0.8 s of CPU).
    const { runOffline } = await import("./offline/engine");
    const started = Date.now();
    let run: OfflineRun;
    try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const program = require("../index");
        run = await runOffline({ program, config, stack: args.stack });
    } catch (err) {
        printRuntimeMessages((err as { messages?: RuntimeMessage[] })?.messages ?? []);
        refuse(err);
    }
    printRuntimeMessages(run.messages);
    const custom = run.resources.filter((r) => r.custom);
    console.log(
        `tierform offline plan · stack ${args.stack} · ${config["tierform:platform"]} · ${config["tierform:environment"]} · system ${config["tierform:system"]}`,
    );
    console.log("");
    console.log(renderTree(run));
    console.log("");
    console.log(`Resources: ${custom.length} (+${run.resources.length - custom.length} components), planned in ${Date.now() - started} ms`);
    console.log(countsByType(run));
    console.log("");
    console.log(renderServices(loaded.system, loaded.settings.platform));
    console.log("");
    const sizing = renderSizing(run);
    if (sizing) console.log(sizing + "\n");
    if (config["tierform:platform"] === "aws") {
        console.log(renderAwsPrerequisites(awsPrerequisites(run, config["aws:region"])));
        console.log("");
    }
    console.log(renderOutputs(run));
    console.log("");
    if (config["tierform:platform"] === "kubernetes") {
        // The Kubernetes prerequisites read the operator charts: 135 modules, 113 of them
        // @pulumi/kubernetes, loaded on that platform only.
        const { renderPrerequisites } = await import("./offline/prerequisites");
        const prerequisites = renderPrerequisites(run, config);
        if (prerequisites) console.log(prerequisites + "\n");
    }
    let report: ReturnType<typeof runPolicyReport>;
    try {
        report = runPolicyReport(run, args.stack, policyConfig, loaded.system);
    } catch (err) {
        // A bad policy config (unknown policy, wrong type) is the user's input: its message, no trace.
        if (err instanceof PolicyConfigError) fail(`policy report: ${err.message}`);
        throw err;
    }
    console.log(report.text);
    if (args.json) {
        const json = planFile(run, args.stack, config, loaded.system, report.violations);
        try {
            fs.writeFileSync(args.json, JSON.stringify(json, null, 2));
        } catch (err) {
            fail(`--json: cannot write ${args.json}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
        }
        console.log(`\nwrote ${args.json}`);
    }
    try {
        for (const line of await writeDiagrams(run, config, args.stack, args)) console.log(line);
    } catch (err) {
        fail(`--diagram/--mermaid: ${(err as Error).message.split("\n")[0]}`);
    }
    let refused = 0;
    if (against) {
        const compared = againstPlanFile(against, run, loaded.system);
        console.log("\n" + compared.lines.join("\n"));
        for (const line of compared.refused) console.error(`refused: ${line}`);
        refused = compared.refused.length;
    }
    process.exit(report.mandatoryCount > 0 || refused > 0 ? 1 : 0);
}

if (require.main === module)
    main().catch((err) => fail(`plan failed: ${(err as Error).message ?? err} (set TIERFORM_STACK_TRACES=1 and report this as a bug)`));
