import { strict as assert } from "assert";
import { planComponent } from "../../harness";
import { edgeAnnotations, KubernetesEdge } from "../../../components/kubernetes/edge";
import { context, object, objects } from "./fixtures";

describe("kubernetes edge", () => {
    it("issues a certificate for the domain and restricts admin routes to their CIDRs", async () => {
        const ctx = context("auromart");
        const plan = await planComponent(() => new KubernetesEdge("t", { ctx, servicePorts: { web: 8000, admin: 8000 } }).publicUrl);
        assert.equal(plan.outputs, "https://auromart.example.com");
        assert.deepEqual(object(plan, "Issuer", "edge-selfsigned").inputs.spec, { selfSigned: {} });
        const cert = object(plan, "Certificate", "edge-tls").inputs.spec;
        assert.deepEqual([cert.secretName, cert.dnsNames, cert.issuerRef.name], ["edge-tls", ["auromart.example.com"], "edge-selfsigned"]);
        const main = object(plan, "Ingress", "edge").inputs;
        assert.equal(main.spec.ingressClassName, "nginx");
        assert.deepEqual(main.spec.tls, [{ hosts: ["auromart.example.com"], secretName: "edge-tls" }]);
        assert.equal(main.metadata.annotations["nginx.ingress.kubernetes.io/proxy-body-size"], "20m");
        assert.equal(main.metadata.annotations["nginx.ingress.kubernetes.io/limit-rpm"], "600");
        assert.equal(main.metadata.annotations["nginx.ingress.kubernetes.io/enable-modsecurity"], "true");
        assert.equal(main.metadata.annotations["nginx.ingress.kubernetes.io/whitelist-source-range"], undefined);
        assert.equal(object(plan, "Ingress", "edge-admin-restricted").inputs.metadata.annotations["nginx.ingress.kubernetes.io/whitelist-source-range"], "10.0.0.0/8,192.168.0.0/16");
    });

    it("without a domain: no certificate, the controller's default TLS, the load balancer's address", async () => {
        const ctx = context("hld-platform");
        const system = { ...ctx.system, edge: { ...ctx.system.edge, domain: undefined } };
        const plan = await planComponent(() => new KubernetesEdge("t", { ctx: { ...ctx, system }, servicePorts: { api: 3000, web: 8080 } }).publicUrl);
        assert.equal(objects(plan, "Certificate").length, 0);
        const ingress = object(plan, "Ingress", "edge").inputs.spec;
        assert.equal(ingress.rules[0].host, undefined);
        assert.match(plan.outputs as unknown as string, /^https:\/\//);
    });

    it("without TLS: no redirect annotations", () => {
        const ctx = context("hld-platform");
        const a = edgeAnnotations({ ...ctx, system: { ...ctx.system, edge: { ...ctx.system.edge, tls: false } } }, "h");
        assert.equal(a["nginx.ingress.kubernetes.io/force-ssl-redirect"], undefined);
        assert.equal(a["nginx.ingress.kubernetes.io/custom-headers"], "hld-platform/h");
    });
});
