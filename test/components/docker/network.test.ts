import * as assert from "assert";
import { planComponent, type Plan } from "../../harness";
import { DockerNetwork } from "../../../components/docker/network";
import { devSystem, labelsOf, NETWORK } from "./helpers";

describe("docker Network", () => {
    let plan: Plan;
    before(async () => {
        const { system } = devSystem("mdc-tts");
        plan = await planComponent(() => new DockerNetwork("mdc-tts-net", { system }));
    });

    it("creates edge, app and data bridges; app and data internal (closed by default), edge not", () => {
        const nets = plan.ofType(NETWORK);
        assert.deepStrictEqual(nets.map((n) => n.inputs.name).sort(), ["mdc-tts-net-app", "mdc-tts-net-data", "mdc-tts-net-edge"]);
        for (const n of nets) assert.strictEqual(n.inputs.driver, "bridge");
        assert.strictEqual(plan.one(NETWORK, "data").inputs.internal, true);
        assert.strictEqual(plan.one(NETWORK, "edge").inputs.internal, false);
        assert.strictEqual(plan.one(NETWORK, "app").inputs.internal, true);
    });

    it("labels every network with the system, environment and tier", () => {
        for (const n of plan.ofType(NETWORK)) {
            const labels = labelsOf(n);
            assert.strictEqual(labels["tierform.tier"], "network");
            assert.strictEqual(labels["tierform.system"], "mdc-tts");
            assert.strictEqual(labels["tierform.environment"], "dev");
        }
    });

    it("parents the networks to a tierform:docker:Network component", () => {
        const component = plan.resources.find((r) => r.type === "tierform:docker:Network");
        assert.ok(component);
        assert.strictEqual(plan.children(component.urn).filter((r) => r.type === NETWORK).length, 3);
    });
});
