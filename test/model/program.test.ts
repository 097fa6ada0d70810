import { strict as assert } from "assert";
import { runOffline, type PlannedResource } from "../../scripts/offline/engine";
import { stackConfig, type StackOptions } from "../harness";

/**
 * Run index.ts for a stack that must be refused, and hold what every refusal shares: it fails
 * with a RunError (Pulumi prints it without a stack trace) and registers nothing but the stack.
 */
async function refusal(opts: StackOptions): Promise<Error> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const program = require("../../index");
    let error: (Error & { registered?: PlannedResource[] }) | undefined;
    try {
        await runOffline({ program, config: stackConfig(opts), stack: opts.stack });
    } catch (err) {
        error = err as Error & { registered?: PlannedResource[] };
    }
    assert.ok(error, "the run must fail");
    assert.equal(error.constructor.name, "RunError", "a RunError: Pulumi prints it without a stack trace");
    assert.ok(error.registered, "the engine reports what was registered");
    const types = error.registered.map((r) => r.type).filter((t) => t !== "pulumi:pulumi:Stack");
    assert.deepEqual(types, [], "no resource besides the stack itself");
    return error;
}

describe("program: bad input stops index.ts before any resource", () => {
    it("fails with the clean problem list and registers nothing but the stack", async () => {
        const error = await refusal({
            stack: "dev",
            config: { "tierform:platform": "azure" },
            overrides: { services: { backend: { image: "x:latest" } } },
        });
        assert.match(error.message, /tierform:platform: 'azure' is not allowed/);
        assert.match(error.message, /services\.backend\.image: image must be pinned/);
    });

    it("refuses what a platform cannot build the same way: every problem, clean, before any resource", async () => {
        const error = await refusal({
            stack: "prod",
            system: "mdc-tts",
            // Without a domain the frontend's ${services.backend.url} has nothing to name: give it a path.
            overrides: {
                edge: { domain: null, waf: false },
                services: { frontend: { env: { REACT_APP_API_URL: "/api" } } },
            },
        });
        assert.match(error.message, /cannot be built on AWS \(3 problems\)/);
        assert.match(error.message, /- edge\.domain: /);
        assert.match(error.message, /- edge\.waf: is false, but the AWS edge always has a web application firewall/);
    });

    it("refuses what only the plan can tell (a variable set twice, an unknown reference) the same way, one line each", async () => {
        const error = await refusal({
            stack: "dev",
            system: "mdc-tts",
            overrides: { services: { backend: { env: { DATABASE_URL: "x", ALLOWED_HOSTS: "${edge.domian}" } } } },
        });
        assert.match(error.message, /\(2 problems\)/);
        assert.match(
            error.message,
            /^ {2}- tierform:overrides services\.backend\.env\.DATABASE_URL: is also the connection variable DATABASE_URL/m,
        );
        assert.match(
            error.message,
            /^ {2}- tierform:overrides services\.backend\.env\.ALLOWED_HOSTS: unknown reference \$\{edge\.domian\}/m,
        );
    });
});
