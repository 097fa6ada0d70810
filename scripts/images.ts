/**
 * The third-party container images the program pins: `npm run images` prints them, one a line,
 * for CI's image scan (Trivy). Read from the offline plans of every preset on the Docker and
 * Kubernetes stacks, so an image added to any platform is scanned without a list to keep in step;
 * the presets' own application images (their spec's `image`) are left out: they belong to the
 * teams that build them.
 */
import { runOffline, type OfflineRun } from "./offline/engine";
import { readStackConfig } from "./offline/stack-config";
import { loadStack, presetNames } from "../model";

/** Every image a run pulls: Docker RemoteImages and the containers of Kubernetes workloads. */
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
    }
    return [...out];
}

/** The pinned third-party images of `runs`, minus `ownImages`, sorted. */
export function thirdPartyImages(runs: OfflineRun[], ownImages: string[]): string[] {
    const own = new Set(ownImages);
    return [...new Set(runs.flatMap(imagesOf))].filter((i) => !own.has(i)).sort();
}

async function main() {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const program = require("../index");
    const runs: OfflineRun[] = [];
    const own: string[] = [];
    for (const stack of ["dev", "staging"]) {
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
