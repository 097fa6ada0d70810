import { strict as assert } from "assert";
import { runOffline, type PlannedResource } from "../../scripts/offline/engine";
import { stackConfig } from "../harness";

describe("program: bad input stops index.ts before any resource", () => {
    it("fails with the clean problem list and registers nothing but the stack", async () => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const program = require("../../index");
        const config = stackConfig({ stack: "dev", config: { "tierform:platform": "azure" }, overrides: { services: { backend: { image: "x:latest" } } } });
        let error: (Error & { registered?: PlannedResource[] }) | undefined;
        try {
            await runOffline({ program, config, stack: "dev" });
        } catch (err) {
            error = err as Error & { registered?: PlannedResource[] };
        }
        assert.ok(error, "the run must fail");
        assert.equal(error.constructor.name, "RunError", "a RunError: Pulumi prints it without a stack trace");
        assert.match(error.message, /tierform:platform: 'azure' is not allowed/);
        assert.match(error.message, /services\.backend\.image: image must be pinned/);
        assert.ok(error.registered, "the engine reports what was registered");
        const types = error.registered.map((r) => r.type).filter((t) => t !== "pulumi:pulumi:Stack");
        assert.deepEqual(types, [], "no resource besides the stack itself");
    });

    it("refuses what a platform cannot build the same way: every problem, clean, before any resource", async () => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const program = require("../../index");
        const config = stackConfig({ stack: "prod", system: "mdc-tts", overrides: { edge: { domain: null }, recovery: { rpoMinutes: 2 } } });
        let error: (Error & { registered?: PlannedResource[] }) | undefined;
        try {
            await runOffline({ program, config, stack: "prod" });
        } catch (err) {
            error = err as Error & { registered?: PlannedResource[] };
        }
        assert.ok(error, "the run must fail");
        assert.equal(error.constructor.name, "RunError");
        assert.match(error.message, /cannot be built on AWS \(3 problems\)/);
        assert.match(error.message, /- edge\.domain: /);
        assert.match(error.message, /- recovery\.rpoMinutes: .*5 or more/);
        assert.deepEqual((error.registered ?? []).filter((r) => r.custom), [], "no custom resource registered");
    });
});
