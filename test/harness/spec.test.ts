import { strict as assert } from "assert";
import * as fs from "fs";
import { loadStack } from "../../model";
import type { OfflineRun } from "../../scripts/offline/engine";
import { Plan, stackConfig, type PlannedResource } from "./index";
import { contains, hasResource, spec } from "./spec";

describe("test harness: small inline specs and hasResource", () => {
    it("a built spec passes the real loader on every stack, with the fields given and the required ones filled in", () => {
        const file = spec("tiny")
            .service("api", { uses: ["db", "cache"], replicas: { min: 2, max: 4 } })
            .service("worker", { kind: "worker", command: ["work"], uses: ["jobs"] })
            .postgres("db", { storageGb: 30 })
            .redis("cache")
            .queue("jobs")
            .build();
        assert.equal(spec("tiny").service("api").build(), spec("tiny").service("api").build(), "one file per content");
        assert.match(fs.readFileSync(file, "utf8"), /engine: postgres/);
        for (const stack of ["dev", "staging", "prod"]) {
            const { system } = loadStack(stackConfig({ stack, system: file }));
            assert.deepEqual(Object.keys(system.services), ["api", "worker"], stack);
            assert.equal(system.databases.db.storageGb, 30, stack);
            assert.deepEqual(
                system.edge.routes.map((r) => `${r.path} ${r.service}`),
                ["/ api"],
                `${stack}: / goes to the first web service`,
            );
        }
    });

    it("the loader still refuses what the spec gets wrong, naming the built file", () => {
        const file = spec()
            .service("api", { uses: ["nope"] })
            .build();
        assert.throws(
            () => loadStack(stackConfig({ stack: "dev", system: file })),
            /tierform-spec-[0-9a-f]{16}\.yaml.*services\.api\.uses.*nope/s,
        );
    });

    it("contains(): every expected key, array element and RegExp; nothing else matters", () => {
        const actual = { a: 1, b: { c: [1, { d: "x-123" }], e: true }, f: "g" };
        assert.ok(contains(actual, { b: { c: [1, { d: /^x-\d+$/ }] } }));
        assert.ok(!contains(actual, { b: { c: [1] } }), "arrays match element for element");
        assert.ok(!contains(actual, { b: { e: false } }));
        assert.ok(!contains(actual, { z: 1 }));
    });

    it("hasResource(): the one resource whose inputs contain the props, else a failure listing the candidates", () => {
        const resource = (name: string, inputs: Record<string, unknown>) => ({ type: "t:m:R", name, inputs }) as unknown as PlannedResource;
        const plan = new Plan({
            resources: [resource("a", { port: 80, tags: { role: "primary" } }), resource("b", { port: 81, tags: { role: "primary" } })],
        } as unknown as OfflineRun);
        assert.equal(hasResource(plan, "t:m:R", { port: 81 }).name, "b");
        assert.throws(() => hasResource(plan, "t:m:R", { port: 82 }), /found 0 of 2:\n {2}a: \{"port":80/);
        assert.throws(() => hasResource(plan, "t:m:R", { tags: { role: "primary" } }), /found 2 of 2/);
    });
});
