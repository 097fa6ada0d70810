import { strict as assert } from "assert";
import { object, stagingPlan } from "./fixtures";

describe("kubernetes system", () => {
    it("uses an explicit provider from tierform:kubeconfig and the configured namespace", async () => {
        const plan = await stagingPlan("hld-platform", { "tierform:kubeconfig": "/tmp/kubeconfig-staging", "tierform:namespace": "hld-staging" });
        const providers = plan.ofType("pulumi:providers:kubernetes");
        assert.equal(providers.length, 1);
        assert.equal(providers[0].inputs.kubeconfig, "/tmp/kubeconfig-staging");
        const deployment = object(plan, "Deployment", "api");
        assert.ok(deployment.provider?.startsWith(providers[0].urn), "children inherit the provider");
        assert.equal(deployment.inputs.metadata.namespace, "hld-staging");
        assert.equal(plan.outputs.services.api, "api.hld-staging.svc.cluster.local:3000");
        assert.equal(plan.outputs.platform.namespace, "hld-staging");
        assert.equal(plan.resources.find((r) => r.type === "tierform:kubernetes:System")?.name, "hld-platform");
    });

    it("uses the default provider (current kubeconfig context) otherwise", async () => {
        const plan = await stagingPlan("hld-platform");
        assert.equal(plan.ofType("pulumi:providers:kubernetes").length, 0);
    });
});
