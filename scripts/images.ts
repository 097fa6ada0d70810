/**
 * The third-party container images the program pins: `npm run images` prints them, one a line,
 * for CI's image scan (Trivy). Read from the offline plans of every preset on the Docker, Kubernetes
 * and AWS stacks (the ECS tasks' helpers: busybox, the ADOT trace collector), so an image added to any
 * platform is scanned without a list to keep in step;
 * the presets' own application images (their spec's `image`) are left out: they belong to the
 * teams that build them.
 *
 * `npm run images -- --check [--stack dev|staging|prod] [--system <preset|file.yaml>] [--service <name>]
 * [--timeout <seconds>]` checks the services' own images against the image contract on the local
 * Docker daemon instead (scripts/image-check.ts): one line per broken contract item, exit 1 if any.
 */
import { runOffline, type OfflineRun } from "./offline/engine";
import { readStackConfig } from "./offline/stack-config";
import { loadStack, presetNames } from "../model";
import { checkImages, type CheckStack } from "./image-check";

/** Every image a run pulls: Docker RemoteImages, the containers of Kubernetes workloads and of ECS task definitions. */
export function imagesOf(run: OfflineRun): string[] {
    const out = new Set<string>();
    const walk = (v: unknown, key: string) => {
        if (typeof v === "string" && (key === "image" || key === "imageName") && v.includes(":")) out.add(v);
        else if (Array.isArray(v)) v.forEach((x) => walk(x, key));
        else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, k);
    };
    for (const r of run.resources) {
        if (r.type === "docker:index/remoteImage:RemoteImage" && typeof r.inputs.name === "string") out.add(r.inputs.name);
        else if (r.type.startsWith("kubernetes:")) walk(r.inputs, "");
        else if (r.type === "aws:ecs/taskDefinition:TaskDefinition" && typeof r.inputs.containerDefinitions === "string")
            walk(JSON.parse(r.inputs.containerDefinitions), "");
    }
    return [...out];
}

/** The pinned third-party images of `runs`, minus `ownImages`, sorted. */
export function thirdPartyImages(runs: OfflineRun[], ownImages: string[]): string[] {
    const own = new Set(ownImages);
    return [...new Set(runs.flatMap(imagesOf))].filter((i) => !own.has(i)).sort();
}

/** `--check`: the image contract check; the exit code. */
async function check(args: string[]): Promise<number> {
    const opt = (name: string) => {
        const i = args.indexOf(`--${name}`);
        if (i >= 0 && (i + 1 >= args.length || args[i + 1].startsWith("--"))) throw new Error(`--${name} needs a value`);
        return i >= 0 ? args[i + 1] : undefined;
    };
    const known = new Set(["--check", "--stack", "--system", "--service", "--timeout"]);
    const unknown = args.filter((a, i) => a.startsWith("--") && !known.has(a) && !(i > 0 && known.has(args[i - 1])));
    if (unknown.length > 0) throw new Error(`unknown option ${unknown[0]} (options: ${[...known].join(", ")})`);
    const timeout = opt("timeout");
    if (timeout !== undefined && !/^[1-9]\d*$/.test(timeout))
        throw new Error(`--timeout must be a whole number of seconds, not '${timeout}'`);
    const results = await checkImages({
        stack: (opt("stack") ?? "dev") as CheckStack,
        system: opt("system"),
        service: opt("service"),
        ...(timeout ? { timeoutSeconds: Number(timeout) } : {}),
    });
    let broken = 0;
    for (const r of results) {
        for (const b of r.broken) console.log(`${b.where}: ${b.message}`);
        broken += r.broken.length;
        console.error(
            `services.${r.service}: ${r.broken.length === 0 ? "meets the contract" : `${r.broken.length} broken`}${r.notes.length ? ` (${r.notes.join("; ")})` : ""}`,
        );
    }
    return broken > 0 ? 1 : 0;
}

async function main() {
    const args = process.argv.slice(2);
    if (args.includes("--check")) {
        process.exitCode = await check(args);
        return;
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const program = require("../index");
    const runs: OfflineRun[] = [];
    const own: string[] = [];
    for (const stack of ["dev", "staging", "prod"]) {
        for (const preset of presetNames()) {
            const config = { ...readStackConfig(stack), "tierform:system": preset };
            own.push(...Object.values(loadStack(config).system.services).map((s) => s.image ?? ""));
            runs.push(await runOffline({ program, config, stack }));
        }
    }
    console.log(thirdPartyImages(runs, own).join("\n"));
}

if (require.main === module)
    main().catch((err) => {
        console.error(`images: ${(err as Error).message}`);
        process.exit(1);
    });
