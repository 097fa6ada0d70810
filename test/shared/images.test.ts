/**
 * `imageProblems` (components/shared/images.ts) names the spec path of every database or cache
 * version of the plan without a pinned image. The loader refuses such a version first
 * (model/load.ts), so the test edits a plan after planning.
 */
import * as assert from "assert";
import { imageProblems } from "../../components/shared/images";
import { planSystem } from "../../plan";
import { devSystem } from "../components/docker/helpers";

describe("shared images: imageProblems", () => {
    it("names databases.<n>.version and caches.<n>.version without a pinned image", () => {
        const { system } = devSystem("mdc-tts");
        const plan = planSystem(system, "docker");
        assert.deepStrictEqual(imageProblems(plan), [], "the preset's versions are pinned");
        plan.datastores.db.version = "9";
        plan.datastores.cache.version = "5";
        const fromPlan = imageProblems(plan);
        assert.deepStrictEqual(
            fromPlan.map((p) => p.where),
            ["databases.db.version", "caches.cache.version"],
        );
        assert.match(fromPlan[0].message, /no pinned image for postgres 9; known versions: /);
        assert.match(fromPlan[1].message, /no pinned image for redis 5; known versions: /);
    });
});
