/**
 * Test harness: run the whole program, or one component, under Pulumi's mock runtime and query
 * what it registered. See scripts/offline/engine.ts for how resources are recorded.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { runOffline, type OfflineRun, type PlannedResource } from "../../scripts/offline/engine";
import { readStackConfig } from "../../scripts/offline/stack-config";
import { strict as assert } from "assert";
import { formatProblems, loadStack, SpecError, type Problem } from "../../model";
import { spec } from "./spec";

export type { PlannedResource };

/** The resources of every run this process planned (lookups across a run, e.g. a container's sibling steps). */
export const plannedRuns: PlannedResource[][] = [];

/** What one offline run registered, with lookups. */
export class Plan {
    constructor(readonly run: OfflineRun) {
        plannedRuns.push(run.resources);
    }
    get resources(): PlannedResource[] {
        return this.run.resources;
    }
    get outputs(): Record<string, any> {
        return this.run.outputs;
    }
    /** Every resource of a type token, e.g. "docker:index/container:Container". */
    ofType(type: string): PlannedResource[] {
        return this.resources.filter((r) => r.type === type);
    }
    /** The one resource of `type` whose logical name is `name` (or ends with `-${name}`); throws if absent. */
    one(type: string, name: string): PlannedResource {
        const found = this.ofType(type).filter((r) => r.name === name || r.name.endsWith(`-${name}`));
        if (found.length !== 1) {
            throw new Error(
                `expected one ${type} named ${name}, found ${found.length}: ${this.ofType(type)
                    .map((r) => r.name)
                    .join(", ")}`,
            );
        }
        return found[0];
    }
    /** Direct children of the resource with `urn`. */
    children(urn: string): PlannedResource[] {
        return this.resources.filter((r) => r.parent === urn);
    }
}

export interface StackOptions {
    /** Stack whose Pulumi.<stack>.yaml is read: dev, staging or prod. Default dev. */
    stack?: string;
    /** Preset name or spec path for tierform:system. Default: the stack file's. */
    system?: string;
    /** tierform:overrides. */
    overrides?: Record<string, unknown>;
    /** Further config keys (full names, e.g. "tierform:maxReplicas"), values as strings or JSON-able. */
    config?: Record<string, unknown>;
}

/** The config a stack run gets: the stack file, then the options over it. */
export function stackConfig(opts: StackOptions = {}): Record<string, string> {
    const config = readStackConfig(opts.stack ?? "dev");
    if (opts.system) config["tierform:system"] = opts.system;
    if (opts.overrides) config["tierform:overrides"] = JSON.stringify(opts.overrides);
    for (const [k, v] of Object.entries(opts.config ?? {})) config[k] = typeof v === "string" ? v : JSON.stringify(v);
    return config;
}

const planCache = new Map<string, Promise<Plan>>();

/**
 * A directory where the mocha workers of one `npm test` share their whole-program runs
 * (scripts/test.sh creates it for the run and removes it after): the first worker to need a
 * configuration runs it and writes the record there; a worker that needs it meanwhile waits for
 * that file instead of running the same program again. Unset (a single mocha process), every run
 * is this process's own. Nothing outlives the test run: no result is reused across runs.
 */
const SHARE_DIR = process.env.TIERFORM_TEST_RUNS;

/** How long a worker waits for another's run of the same configuration before running it itself. */
const SHARE_WAIT_MS = 120000;

/** Run the program for `config`, or take the record another worker of this test run wrote for it. */
async function sharedRun(key: string, run: () => Promise<OfflineRun>): Promise<OfflineRun> {
    if (!SHARE_DIR) return run();
    const base = path.join(SHARE_DIR, crypto.createHash("sha256").update(key).digest("hex"));
    let mine = false;
    try {
        fs.writeFileSync(`${base}.claim`, String(process.pid), { flag: "wx" });
        mine = true;
    } catch {
        // another worker claimed it: wait for its record below
    }
    if (mine) {
        try {
            const result = await run();
            fs.writeFileSync(`${base}.tmp${process.pid}`, JSON.stringify(result));
            fs.renameSync(`${base}.tmp${process.pid}`, `${base}.json`);
            return result;
        } catch (err) {
            fs.writeFileSync(`${base}.failed`, "");
            throw err;
        }
    }
    const until = Date.now() + SHARE_WAIT_MS;
    while (Date.now() < until) {
        if (fs.existsSync(`${base}.json`)) return JSON.parse(fs.readFileSync(`${base}.json`, "utf8")) as OfflineRun;
        if (fs.existsSync(`${base}.failed`)) break; // its failure is ours to see, with our own stack
        await new Promise((r) => setTimeout(r, 20));
    }
    return run();
}

/**
 * Run index.ts for a stack, as `pulumi preview` would, under mocks. Runs are memoized by their
 * exact configuration: the systems, policy, schema and diagram tests share one run per
 * preset × stack instead of planning it four times (and, under `npm test`, across its workers:
 * {@link SHARE_DIR}). Treat the returned plan as read-only.
 */
export function planStack(opts: StackOptions = {}): Promise<Plan> {
    const stack = opts.stack ?? "dev";
    const config = stackConfig(opts);
    const key = JSON.stringify([stack, config]);
    let plan = planCache.get(key);
    if (!plan) {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const program: () => Promise<unknown> = require("../../index");
        plan = sharedRun(key, () => runOffline({ program, config, stack })).then((run) => new Plan(run));
        planCache.set(key, plan);
        plan.catch(() => planCache.delete(key));
    }
    return plan;
}

/**
 * Run a function that builds one component, under mocks; its return value becomes the outputs.
 * `engineRules: false` lets a test look at a registration the real engine would refuse.
 */
export async function planComponent(
    build: () => unknown,
    config: Record<string, string> = {},
    opts: { engineRules?: boolean } = {},
): Promise<Plan> {
    return new Plan(await runOffline({ program: build, config, ...opts }));
}

/** The problems `loadStack` reports for this config (spec files relative to `cwd`), or fails the test when it accepts it. */
/**
 * The one problem the loader finds in a small spec `name` whose service `web` has `rollout`, as the
 * user reads it (formatProblems); fails when there is none or more than one.
 */
export function rolloutRefusal(name: string, rollout: Record<string, unknown>): string {
    const file = spec(name)
        .service("web", { rollout: rollout as never })
        .build();
    const problems = problemsOf({ "tierform:system": file });
    assert.equal(problems.length, 1, formatProblems(problems));
    return formatProblems(problems);
}

export function problemsOf(config: Record<string, string>, cwd?: string): Problem[] {
    try {
        loadStack(config, cwd);
    } catch (err) {
        assert.ok(err instanceof SpecError, `expected a SpecError, got ${String(err)}`);
        return err.problems;
    }
    assert.fail("expected the configuration to be refused");
}
