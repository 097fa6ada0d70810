import { strict as assert } from "assert";
import { stagingPlan } from "./fixtures";

const RELEASE = "kubernetes:helm.sh/v3:Release";

describe("kubernetes operators", () => {
    it("installs nothing by default (prerequisites)", async () => {
        const plan = await stagingPlan("mdc-tts");
        assert.equal(plan.ofType(RELEASE).length, 0);
    });

    it("installs the four operators from pinned charts behind installOperators, CRD users after them", async () => {
        const plan = await stagingPlan("mdc-tts", { "tierform:installOperators": "true" });
        const releases = plan.ofType(RELEASE);
        assert.deepEqual(releases.map((r) => r.inputs.chart).sort(), ["cert-manager", "cloudnative-pg", "ingress-nginx", "kube-prometheus-stack"]);
        for (const r of releases) assert.match(r.inputs.version, /^v?\d+\.\d+\.\d+$/);
        const nginx = releases.find((r) => r.inputs.chart === "ingress-nginx")!.inputs.values.controller.config;
        assert.equal(nginx["allow-snippet-annotations"], "false");
        assert.equal(nginx["global-allowed-response-headers"], "Referrer-Policy,X-Content-Type-Options,X-Frame-Options,X-XSS-Protection");
        const cluster = plan.resources.find((r) => r.type === "kubernetes:postgresql.cnpg.io/v1:Cluster")!;
        const cnpg = releases.find((r) => r.inputs.chart === "cloudnative-pg")!;
        assert.ok(cluster.dependencies.includes(cnpg.urn), "the Cluster waits for the operator");
    });

    it("leaves kube-prometheus-stack out without monitoring CRDs", async () => {
        const plan = await stagingPlan("mdc-tts", { "tierform:installOperators": "true", "tierform:monitoringCrds": "false" });
        assert.deepEqual(plan.ofType(RELEASE).map((r) => r.inputs.chart).sort(), ["cert-manager", "cloudnative-pg", "ingress-nginx"]);
    });
});
