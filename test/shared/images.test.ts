/**
 * `imageProblems` (components/shared/images.ts) takes the plan (Docker's problems) or, while the
 * Kubernetes and EKS systems still pass it, the model's system: both must name the same spec paths
 * for a database or cache version without a pinned image. The loader refuses such a version first
 * (model/load.ts), so the test edits a resolved system and its plan after loading.
 */
import * as assert from "assert";
import { imageProblems } from "../../components/shared/images";
import { planSystem } from "../../plan";
import { devSystem } from "../components/docker/helpers";

describe("shared images: imageProblems", () => {
    it("names databases.<n>.version and caches.<n>.version without a pinned image, from the plan and from the model alike", () => {
        const { system } = devSystem("mdc-tts");
        const plan = planSystem(system, "docker");
        assert.deepStrictEqual(imageProblems(plan), [], "the preset's versions are pinned");
        assert.deepStrictEqual(imageProblems(system), []);
        plan.datastores.db.version = "9";
        plan.datastores.cache.version = "5";
        system.databases.db.version = "9";
        system.caches.cache.version = "5";
        const fromPlan = imageProblems(plan);
        assert.deepStrictEqual(
            fromPlan.map((p) => p.where),
            ["databases.db.version", "caches.cache.version"],
        );
        assert.match(fromPlan[0].message, /no pinned image for postgres 9; known versions: /);
        assert.match(fromPlan[1].message, /no pinned image for redis 5; known versions: /);
        assert.deepStrictEqual(imageProblems(system), fromPlan);
    });
});
