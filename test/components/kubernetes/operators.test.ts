import { strict as assert } from "assert";
import { neededOperators, operatorsToInstall } from "../../../components/kubernetes/operators";
import { stagingPlan, stagingStack } from "./fixtures";

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
        const ingress = plan.resources.find((r) => r.type === "kubernetes:networking.k8s.io/v1:Ingress")!;
        const nginx2 = releases.find((r) => r.inputs.chart === "ingress-nginx")!;
        assert.ok(ingress.dependencies.includes(nginx2.urn), "the Ingress waits for the controller (its admission webhook)");
        assert.ok(!cluster.dependencies.includes(nginx2.urn), "each object waits for its own operator only");
    });

    it("installs only what the system uses: no CloudNativePG without PostgreSQL, no cert-manager without a TLS domain", () => {
        const auro = stagingStack("auromart", { "tierform:installOperators": "true" });
        assert.deepEqual(neededOperators(auro.system, auro.settings), ["kubePrometheusStack", "certManager", "ingressNginx"]);
        const hld = stagingStack("hld-platform", { "tierform:installOperators": "true", "tierform:monitoringCrds": "false" });
        const noDomain = { ...hld.system, edge: { ...hld.system.edge, domain: undefined } };
        assert.deepEqual(operatorsToInstall(noDomain, hld.settings), ["ingressNginx"]);
        const off = stagingStack("mdc-tts");
        assert.deepEqual(operatorsToInstall(off.system, off.settings), [], "prerequisites by default");
        assert.deepEqual(neededOperators(off.system, off.settings), ["kubePrometheusStack", "certManager", "cnpg", "ingressNginx"]);
    });

    it("leaves kube-prometheus-stack out without monitoring CRDs", async () => {
        const plan = await stagingPlan("mdc-tts", { "tierform:installOperators": "true", "tierform:monitoringCrds": "false" });
        assert.deepEqual(plan.ofType(RELEASE).map((r) => r.inputs.chart).sort(), ["cert-manager", "cloudnative-pg", "ingress-nginx"]);
    });
});

describe("kubernetes: one switch per operator", () => {
    it("installs only the operator whose own switch is on", async () => {
        const { operatorsToInstall } = await import("../../../components/kubernetes/operators");
        const { loadStack } = await import("../../../spec");
        const { stackConfig } = await import("../../harness");
        const { system, settings } = loadStack(stackConfig({ stack: "staging", system: "mdc-tts", config: { "tierform:installCloudNativePg": "true" } }));
        assert.deepEqual(operatorsToInstall(system, settings), ["cnpg"]);
        const none = loadStack(stackConfig({ stack: "staging", system: "mdc-tts" }));
        assert.deepEqual(operatorsToInstall(none.system, none.settings), []);
        const hld = loadStack(stackConfig({ stack: "staging", system: "hld-platform", config: { "tierform:installCloudNativePg": "true" } }));
        assert.deepEqual(operatorsToInstall(hld.system, hld.settings), [], "no PostgreSQL, no CloudNativePG");
    });
});
