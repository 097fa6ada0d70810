/**
 * The Kubernetes edge on the Gateway API with Envoy Gateway: each behaviour the ingress-nginx edge
 * had, and what it lacked (a blocking WAF, client addresses), one test each.
 */
import { strict as assert } from "assert";
import { planComponent, planStack, type Plan } from "../../harness";
import { spec } from "../../harness/spec";
import { CORAZA_WASM_IMAGE, edgeHeaders, edgeProblems, KubernetesEdge } from "../../../components/kubernetes/edge";
import { context, object, objects } from "./fixtures";

describe("kubernetes edge (Gateway API, Envoy Gateway)", function () {
    this.timeout(60000);
    let auro: Plan;
    const ctx = context("auromart");
    before(async () => {
        auro = await planComponent(() => new KubernetesEdge("t", { ctx, servicePorts: { web: 8000, admin: 8000 } }).publicUrl);
    });

    it("TLS: an HTTPS listener for the domain with a cert-manager certificate, TLS 1.2 at least", () => {
        assert.equal(auro.outputs, "https://auromart.example.com");
        assert.deepEqual(object(auro, "Issuer", "edge-selfsigned").inputs.spec, { selfSigned: {} });
        const cert = object(auro, "Certificate", "edge-tls").inputs.spec;
        assert.deepEqual([cert.secretName, cert.dnsNames, cert.issuerRef.name], ["edge-tls", ["auromart.example.com"], "edge-selfsigned"]);
        const gw = object(auro, "Gateway", "edge").inputs.spec;
        const https = gw.listeners.find((l: any) => l.name === "https");
        assert.deepEqual(
            [https.protocol, https.port, https.hostname, https.tls.mode, https.tls.certificateRefs],
            ["HTTPS", 443, "auromart.example.com", "Terminate", [{ kind: "Secret", name: "edge-tls" }]],
        );
        assert.equal(object(auro, "ClientTrafficPolicy", "edge").inputs.spec.tls.minVersion, "1.2");
        // Every service route attaches to the HTTPS listener only.
        for (const r of objects(auro, "HTTPRoute").filter((x) => x.inputs.metadata.name !== "edge-redirect"))
            assert.deepEqual(r.inputs.spec.parentRefs, [{ name: "edge", sectionName: "https" }]);
    });

    it("HTTP → HTTPS: the HTTP listener's only route redirects with 301", () => {
        const redirect = object(auro, "HTTPRoute", "edge-redirect").inputs.spec;
        assert.deepEqual(redirect.parentRefs, [{ name: "edge", sectionName: "http" }]);
        assert.deepEqual(redirect.rules, [
            { filters: [{ type: "RequestRedirect", requestRedirect: { scheme: "https", statusCode: 301 } }] },
        ]);
        assert.ok(!redirect.rules[0].backendRefs, "nothing is served over plain HTTP");
    });

    it("security headers from the spec, HSTS included, on every route rule", () => {
        const expected = edgeHeaders(ctx.system);
        assert.equal(expected["Strict-Transport-Security"], "max-age=31536000; includeSubDomains");
        assert.equal(expected["X-Frame-Options"], ctx.system.edge.securityHeaders["X-Frame-Options"]);
        for (const r of objects(auro, "HTTPRoute").filter((x) => x.inputs.metadata.name !== "edge-redirect")) {
            for (const rule of r.inputs.spec.rules) {
                const set = rule.filters.find((f: any) => f.type === "ResponseHeaderModifier").responseHeaderModifier.set;
                assert.deepEqual(Object.fromEntries(set.map((h: any) => [h.name, h.value])), expected, r.inputs.metadata.name);
            }
        }
    });

    it("per-client rate limit: a global rule per distinct client address, at the spec's rate", () => {
        const policy = object(auro, "BackendTrafficPolicy", "edge").inputs.spec;
        assert.deepEqual(policy.targetRefs, [{ group: "gateway.networking.k8s.io", kind: "Gateway", name: "edge" }]);
        assert.deepEqual(policy.rateLimit.global.rules, [
            { clientSelectors: [{ sourceCIDR: { type: "Distinct", value: "0.0.0.0/0" } }], limit: { requests: 600, unit: "Minute" } },
        ]);
        assert.equal(policy.rateLimit.local, undefined, "local limits cannot count per client");
    });

    it("body-size limit: requests larger than maxBodyMb are refused (413)", () => {
        assert.deepEqual(object(auro, "BackendTrafficPolicy", "edge").inputs.spec.requestBuffer, { limit: "20Mi" });
    });

    it("path routes: one HTTPRoute per service, a PathPrefix rule per spec route, to the service's port", () => {
        const web = object(auro, "HTTPRoute", "edge-web").inputs.spec;
        assert.deepEqual(web.hostnames, ["auromart.example.com"]);
        assert.deepEqual(
            web.rules.map((r: any) => [r.matches, r.backendRefs]),
            [[[{ path: { type: "PathPrefix", value: "/" } }], [{ name: "web", port: 8000 }]]],
        );
        const admin = object(auro, "HTTPRoute", "edge-admin-restricted").inputs.spec;
        assert.deepEqual(admin.rules[0].matches, [{ path: { type: "PathPrefix", value: "/admin" } }]);
    });

    it("AuroMart's /admin allow-list: a SecurityPolicy on that route only, deny by default, allow the CIDRs", () => {
        const policies = objects(auro, "SecurityPolicy");
        assert.equal(policies.length, 1);
        const p = policies[0].inputs.spec;
        assert.deepEqual(p.targetRefs, [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute", name: "edge-admin-restricted" }]);
        assert.equal(p.authorization.defaultAction, "Deny");
        assert.deepEqual(p.authorization.rules, [
            { name: "allow-listed", action: "Allow", principal: { clientCIDRs: ["10.0.0.0/8", "192.168.0.0/16"] } },
        ]);
    });

    it("client addresses survive: externalTrafficPolicy Local on the proxy's Service, no X-Forwarded-For trusted", () => {
        const proxy = object(auro, "EnvoyProxy", "edge-proxy").inputs.spec;
        assert.equal(proxy.provider.kubernetes.envoyService.externalTrafficPolicy, "Local");
        const gw = object(auro, "Gateway", "edge").inputs.spec;
        assert.deepEqual(gw.infrastructure.parametersRef, { group: "gateway.envoyproxy.io", kind: "EnvoyProxy", name: "edge-proxy" });
        assert.equal(object(auro, "ClientTrafficPolicy", "edge").inputs.spec.clientIPDetection.xForwardedFor.numTrustedHops, 0);
    });

    it("a WAF that blocks: Coraza with the OWASP CRS, SecRuleEngine On, fail closed", () => {
        const waf = object(auro, "EnvoyExtensionPolicy", "edge-waf").inputs.spec;
        const wasm = waf.wasm[0];
        assert.deepEqual(wasm.code, { type: "Image", image: { url: CORAZA_WASM_IMAGE } });
        assert.equal(wasm.failOpen, false);
        const directives: string[] = wasm.config.directives_map[wasm.config.default_directives];
        assert.ok(directives.includes("SecRuleEngine On"), "blocking, not DetectionOnly");
        assert.ok(!directives.some((d) => /DetectionOnly/.test(d)));
        assert.ok(directives.includes("Include @owasp_crs/*.conf"));
        const off = context("auromart");
        off.system = { ...off.system, edge: { ...off.system.edge, waf: false } };
        return planComponent(() => new KubernetesEdge("t", { ctx: off, servicePorts: { web: 8000, admin: 8000 } }).publicUrl).then((p) =>
            assert.equal(objects(p, "EnvoyExtensionPolicy").length, 0),
        );
    });

    it("without a domain: refused while TLS is on (the spec error names edge.domain); planned over HTTP with TLS off", async () => {
        const hld = context("hld-platform");
        const noDomain = { ...hld.system, edge: { ...hld.system.edge, domain: undefined } };
        assert.deepEqual(
            edgeProblems(noDomain, hld.settings).map((p) => p.where),
            ["edge.domain"],
        );
        assert.match(edgeProblems(noDomain, hld.settings)[0].message, /add edge.domain .* or set edge.tls: false/);
        const http = { ...noDomain, edge: { ...noDomain.edge, tls: false } };
        assert.deepEqual(edgeProblems(http, hld.settings), []);
        const plan = await planComponent(
            () => new KubernetesEdge("t", { ctx: { ...hld, system: http }, servicePorts: { api: 3000, web: 8080 } }).publicUrl,
        );
        assert.equal(objects(plan, "Certificate").length, 0);
        const gw = object(plan, "Gateway", "edge").inputs.spec;
        assert.deepEqual(
            gw.listeners.map((l: any) => [l.name, l.hostname]),
            [["http", undefined]],
        );
        assert.equal(
            objects(plan, "HTTPRoute").find((r) => r.inputs.metadata.name === "edge-redirect"),
            undefined,
        );
        assert.match(plan.outputs as unknown as string, /^http:\/\//);
    });

    it("refuses two allow-listed routes of one service with different lists (they share one SecurityPolicy), not the same list", () => {
        const auromart = context("auromart");
        const withRoute = (allowCidrs: string[]) => ({
            ...auromart.system,
            routes: [...auromart.system.routes, { path: "/ops", service: "admin", allowCidrs }],
        });
        const problems = edgeProblems(withRoute(["10.0.0.0/8"]), auromart.settings);
        assert.deepEqual(
            problems.map((p) => p.where),
            ["edge.routes[2].allowCidrs"],
        );
        assert.match(problems[0].message, /differs from edge\.routes\[0\]\.allowCidrs of the same service 'admin'/);
        assert.deepEqual(edgeProblems(withRoute(["192.168.0.0/16", "10.0.0.0/8"]), auromart.settings), []);
    });

    it("the whole stack refuses TLS without a domain before registering anything", async () => {
        const noDomain = spec().service("api").edge({ domain: undefined }).build();
        await assert.rejects(
            planStack({ stack: "staging", system: noDomain }),
            /edge\.domain: is required on Kubernetes while edge\.tls is true/,
        );
    });
});
