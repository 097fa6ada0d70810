import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { loadStack, presetNames, SpecError, type Platform } from "../../model";
import { checkPlan } from "../../plan";
import { planService } from "../../plan/service";
import { planStack } from "../harness";

const PRESETS = path.join(__dirname, "..", "..", "systems");

/** The spec's own `edge.domain` of a preset, read from its file. */
function domainOf(preset: string): string {
    return parse(fs.readFileSync(path.join(PRESETS, `${preset}.yaml`), "utf8")).edge.domain;
}

/** The one problem of loading mdc-tts with `overrides` and checking its plan (what index.ts does), as its one line. */
function refusal(overrides: unknown): string {
    try {
        checkPlan(loadStack({ "tierform:system": "mdc-tts", "tierform:overrides": JSON.stringify(overrides) }));
    } catch (err) {
        assert.ok(err instanceof SpecError, `expected a SpecError, got ${String(err)}`);
        assert.equal(err.problems.length, 1, err.message);
        return err.message;
    }
    assert.fail("expected the spec to be refused");
}

describe("templated values: env refers to the system's own names", () => {
    it("resolves ${edge.domain}, ${edge.url}, ${routes.<path>.url}, ${services.<name>.url} and the $${ escape, the same on every platform", () => {
        const { system } = loadStack({
            "tierform:system": "mdc-tts",
            "tierform:overrides": JSON.stringify({
                edge: { domain: "tts.other.test" },
                services: {
                    backend: {
                        env: {
                            ALL: "${edge.domain}|${edge.url}|${routes./api.url}|${routes./.url}|${services.backend.url}|${services.frontend.url}",
                            LITERAL: "$${HOME}/x",
                        },
                    },
                },
            }),
        });
        for (const platform of ["docker", "kubernetes", "aws"] as Platform[]) {
            const plain = planService(system, system.services.backend, platform).variables.plain;
            assert.equal(
                plain.ALL,
                "tts.other.test|https://tts.other.test|https://tts.other.test/api|https://tts.other.test|https://tts.other.test/api|https://tts.other.test",
                platform,
            );
            assert.equal(plain.LITERAL, "${HOME}/x", platform);
            assert.equal(plain.ALLOWED_HOSTS, "tts.other.test", platform);
            assert.equal(
                planService(system, system.services.frontend, platform).variables.plain.REACT_APP_API_URL,
                "https://tts.other.test/api",
            );
        }
    });

    it("an edge without TLS gives http:// URLs; without a domain ${edge.domain} is localhost and URLs are refused", () => {
        const { system } = loadStack({ "tierform:system": "mdc-tts", "tierform:overrides": JSON.stringify({ edge: { tls: false } }) });
        assert.equal(
            planService(system, system.services.frontend, "docker").variables.plain.REACT_APP_API_URL,
            "http://api.mdc-tts.example.com/api",
        );
        const bare = loadStack({
            "tierform:system": "mdc-tts",
            "tierform:overrides": JSON.stringify({
                edge: { domain: null },
                services: { frontend: { env: { REACT_APP_API_URL: "/api" } } },
            }),
        }).system;
        assert.equal(planService(bare, bare.services.backend, "docker").variables.plain.ALLOWED_HOSTS, "localhost");
        const line = refusal({ edge: { domain: null }, services: { backend: { env: { ALLOWED_HOSTS: "${edge.domain}" } } } });
        assert.match(
            line,
            /services\.frontend\.env\.REACT_APP_API_URL: unknown reference \$\{services\.backend\.url\}; allowed: \$\{edge\.domain\} \(URLs need edge\.domain\)/,
        );
    });

    it("refuses an unknown reference with one line naming the spec path and what is allowed", () => {
        const line = refusal({ services: { backend: { env: { ALLOWED_HOSTS: "${edge.domian}" } } } });
        assert.match(
            line,
            /^tierform:overrides services\.backend\.env\.ALLOWED_HOSTS: unknown reference \$\{edge\.domian\}; allowed: \$\{edge\.domain\}, \$\{edge\.url\}, \$\{routes\.\/api\.url\}, .*\$\{services\.frontend\.url\}/,
        );
        assert.doesNotMatch(line, /\n/);
        // A service that is not routed has no public URL.
        assert.match(
            refusal({ services: { worker: { env: { X: "${services.worker.url}" } } } }),
            /services\.worker\.env\.X: unknown reference \$\{services\.worker\.url\}/,
        );
    });

    describe("a preset planned with another edge.domain carries no trace of its own", function () {
        this.timeout(600_000);
        for (const preset of presetNames()) {
            for (const stack of ["dev", "staging", "prod"]) {
                it(`${preset} on ${stack}`, async () => {
                    const old = domainOf(preset);
                    assert.ok(old, `${preset} has an edge.domain`);
                    const plan = await planStack({ stack, system: preset, overrides: { edge: { domain: "elsewhere.test" } } });
                    const traces = plan.resources.filter((r) => JSON.stringify(r.inputs).includes(old)).map((r) => `${r.type} ${r.name}`);
                    assert.deepEqual(traces, [], `inputs still naming ${old}`);
                    // Every platform renders the resolved value, none the reference itself.
                    const unresolved = plan.resources.filter((r) => /\$\{(edge|routes|services)\./.test(JSON.stringify(r.inputs)));
                    assert.deepEqual(
                        unresolved.map((r) => `${r.type} ${r.name}`),
                        [],
                        "inputs with an unresolved reference",
                    );
                    assert.ok(
                        plan.resources.some((r) => JSON.stringify(r.inputs).includes("elsewhere.test")),
                        "the new domain is used",
                    );
                });
            }
        }
    });
});
