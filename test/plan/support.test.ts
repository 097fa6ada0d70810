import { strict as assert } from "assert";
import { loadStack, PLATFORMS } from "../../model";
import { approximations, FEATURES, RENDERING, unsupportedProblems, type Feature } from "../../plan";
import { stackConfig } from "../harness";

describe("plan/support: what each platform honours, approximates or refuses", () => {
    const { system } = loadStack(stackConfig({ stack: "prod", system: "mealkitz" }));

    it("declares every feature for every platform, with what it builds instead where it is not full", () => {
        assert.ok(FEATURES.length >= 15);
        assert.equal(new Set(FEATURES.map((f) => f.id)).size, FEATURES.length, "feature ids are unique");
        for (const f of FEATURES) {
            for (const p of PLATFORMS) {
                assert.ok(f.support[p], `${f.id}: no entry for ${p}`);
                if (f.support[p].level !== "full")
                    assert.ok((f.support[p].how ?? "").length > 10, `${f.id} on ${p}: say what is built instead`);
            }
        }
        for (const p of PLATFORMS) assert.ok(RENDERING[p], `no rendering for ${p}`);
    });

    it("refuses an unsupported feature by its spec paths, lists an approximated one, says nothing of a full one", () => {
        const feature = (level: "full" | "approximated" | "unsupported"): Feature => ({
            id: "read-replicas-test",
            usedAt: (s) =>
                Object.values(s.databases)
                    .filter((d) => d.readReplicas > 0)
                    .map((d) => `databases.${d.name}.readReplicas`),
            support: { docker: { level, how: "the primary alone serves reads" }, kubernetes: { level: "full" }, aws: { level: "full" } },
        });
        assert.deepEqual(unsupportedProblems(system, "docker", [feature("unsupported")]), [
            {
                where: "databases.db.readReplicas",
                message: "read-replicas-test is not supported on docker: the primary alone serves reads",
            },
        ]);
        assert.deepEqual(unsupportedProblems(system, "docker", [feature("approximated")]), []);
        assert.deepEqual(approximations(system, "docker", [feature("approximated")]), [
            "read-replicas-test (databases.db.readReplicas): the primary alone serves reads",
        ]);
        assert.deepEqual(approximations(system, "docker", [feature("full")]), []);
        assert.deepEqual(unsupportedProblems(system, "kubernetes", [feature("unsupported")]), [], "kubernetes supports it");
    });

    it("the presets' approximations on each platform are what the table says (MealKitz: read replicas approximated on Docker, full on AWS)", () => {
        assert.ok(approximations(system, "docker").some((l) => l.startsWith("read-replicas (databases.db.readReplicas)")));
        assert.ok(!approximations(system, "aws").some((l) => l.startsWith("read-replicas")));
    });
});
