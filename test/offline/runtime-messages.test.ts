import { strict as assert } from "assert";
import { runOffline, type OfflineRun } from "../../scripts/offline/engine";
import { stackConfig } from "../harness";

/** Run `fn` with process.stdout/stderr captured; returns what it wrote. */
async function captured<T>(fn: () => Promise<T>): Promise<{ value: T; written: string }> {
    const out = process.stdout.write;
    const err = process.stderr.write;
    let written = "";
    const capture = (chunk: unknown): boolean => {
        written += String(chunk);
        return true;
    };
    process.stdout.write = capture as typeof process.stdout.write;
    process.stderr.write = capture as typeof process.stderr.write;
    try {
        return { value: await fn(), written };
    } finally {
        process.stdout.write = out;
        process.stderr.write = err;
    }
}

describe("offline engine: what the program logs", function () {
    this.timeout(600_000);

    it("records what the program logs (pulumi.log) on the run and writes nothing to stdout or stderr while planning a preset", async () => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const program: () => Promise<unknown> = require("../../index");
        const { value: run, written } = await captured<OfflineRun>(() =>
            runOffline({ program, config: stackConfig({ stack: "dev", system: "mealkitz" }), stack: "dev" }),
        );
        assert.equal(written, "");
        // MealKitz's read replicas are approximated on Docker (plan/support.ts): deploy.ts logs it.
        const info = run.messages.filter((m) => m.severity === "info").map((m) => m.message);
        assert.ok(
            info.some((m) => m.startsWith("tierform: on docker, read-replicas (databases.")),
            info.join("\n"),
        );
        // The schedule each rollout really runs (plan/rollout.ts), printed with the approximations.
        assert.ok(
            info.includes(
                [
                    "tierform: on docker, services.order.rollout (canary): new containers beside the old ones; the edge's switch step walks the weights with nginx split_clients and reloads",
                    "  1. new set beside the old one: 0 % of traffic; gate: the new containers' health checks (`wait`)",
                    "  2. canary: 10 % of traffic, 5m; gate: nginx -t, then the edge serves the new configuration (reload)",
                    "  3. canary: 50 % of traffic, 10m; gate: nginx -t, then the edge serves the new configuration (reload)",
                    "  4. switch: 100 % of traffic; gate: nginx -t, then the edge serves the new configuration (reload)",
                    "  5. old set deleted: 100 % of traffic; gate: end of the update",
                    "  on failure: `pulumi up` fails before the old set is deleted; the edge keeps the configuration it serves (no automatic switch back)",
                ].join("\n"),
            ),
            info.join("\n"),
        );
    });
});

describe("offline engine: the runtime's promises", function () {
    this.timeout(60_000);

    it("keeps each promise a leak candidate until it settles, a rejection carrying its promise, and gives the runtime back its own wrapper after the run", async () => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const debuggable = require("@pulumi/pulumi/runtime/debuggable");
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const state = require("@pulumi/pulumi/runtime/state");
        const original = debuggable.debuggablePromise;
        const seen: Record<string, unknown> = {};
        await runOffline({
            config: {},
            program: async () => {
                for (const round of [1, 2]) {
                    let settle!: () => void;
                    const open = new Promise<void>((resolve) => (settle = resolve));
                    const tracked = debuggable.debuggablePromise(open, `round ${round}`);
                    seen[`pending ${round}`] = state.getStore().leakCandidates.has(open);
                    settle();
                    await tracked;
                    seen[`settled ${round}`] = state.getStore().leakCandidates.has(open);
                }
                const failing = Promise.reject(new Error("refused"));
                const err = await debuggable.debuggablePromise(failing, "rejects").catch((e: { promise?: unknown }) => e);
                seen.rejection = err.promise === failing && !state.getStore().leakCandidates.has(failing);
                return {};
            },
        });
        assert.deepEqual(seen, { "pending 1": true, "settled 1": false, "pending 2": true, "settled 2": false, rejection: true });
        assert.equal(debuggable.debuggablePromise, original);
    });
});
