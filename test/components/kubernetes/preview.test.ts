/**
 * A blue-green's preview at the edge on staging (`rollout.preview`, components/kubernetes/preview.ts): the route exists
 * only when the spec lists client ranges, sends the header's requests on the service's own paths to the preview Service,
 * is restricted to exactly those ranges, and otherwise no route of the edge reaches a `<service>-preview` Service. The
 * mesh and the NetworkPolicies already admit the edge to the preview pods (the same pods as the active Service's).
 */
import { strict as assert } from "assert";
import { planSystem, scheduleLines } from "../../../plan";
import { planComponent, planStack, rolloutRefusal, type Plan } from "../../harness";
import { spec } from "../../harness/spec";
import { KubernetesEdge } from "../../../components/kubernetes/edge";
import { ENVOY_PROXY_PEER } from "../../../components/kubernetes/edge";
import { runPolicyReport } from "../../../scripts/offline/policy-report";
import { context, object, objects, PREVIEW_CONFIG, stagingPlan, stagingStack, stagingSystemPlan } from "./fixtures";

const importEsm = new Function("specifier", "return import(specifier)") as (specifier: string) => Promise<any>;

/** Every backendRef of every HTTPRoute of a plan, as `route → service`. */
const backends = (plan: Plan): string[] =>
    objects(plan, "HTTPRoute").flatMap((r) =>
        (r.inputs.spec.rules ?? []).flatMap((rule: any) =>
            (rule.backendRefs ?? []).map((b: any) => `${r.inputs.metadata.name} → ${b.name}`),
        ),
    );

describe("kubernetes blue-green preview at the edge (rollout.preview)", function () {
    this.timeout(120000);

    it("refuses a preview on any other strategy and a range that is not a CIDR, one line naming the spec path", () => {
        const refused = (rollout: Record<string, unknown>): string => rolloutRefusal("previews", rollout);
        assert.match(
            refused({ strategy: "canary", preview: { allowCidrs: ["10.0.0.0/8"] } }),
            /services\.web\.rollout\.preview: only a blueGreen rollout has a preview; strategy is canary/,
        );
        assert.match(
            refused({ strategy: "blueGreen", preview: { allowCidrs: ["10.1.2.3/8"] } }),
            /services\.web\.rollout\.preview\.allowCidrs\[0\]: '10\.1\.2\.3\/8' has host bits set/,
        );
        assert.match(
            refused({ strategy: "blueGreen", preview: { allowCidrs: [] } }),
            /rollout\.preview\.allowCidrs: \[\]: list at least one CIDR/,
        );
    });

    it("refuses a service named as a blue-green's preview Service (its Service and route would be the same objects) before registering anything", async () => {
        const file = spec("clash")
            .service("api", { rollout: { strategy: "blueGreen", preview: { allowCidrs: ["10.0.0.0/8"] } } as never })
            .service("api-preview")
            .edge({
                routes: [
                    { path: "/api", service: "api" },
                    { path: "/", service: "api-preview" },
                ],
            } as never)
            .build();
        await assert.rejects(planStack({ stack: "staging", system: file }), (err: Error & { registered?: unknown[] }) => {
            assert.match(
                err.message,
                /services\.api-preview: is the name of the preview Service \(and its HTTPRoute\) of services\.api's blueGreen rollout/,
            );
            return true;
        });
    });

    it("the plan: a preview at the edge only with ranges given, on the service's own paths, and the printed schedule says where", () => {
        const opened = stagingSystemPlan("asset-management", PREVIEW_CONFIG).services.api.rollout;
        assert.deepEqual(opened.schedule.argo?.preview, {
            header: "x-tierform-preview",
            value: "1",
            allowCidrs: ["203.0.113.0/24", "2001:db8::/48"],
            paths: ["/api"],
        });
        const lines = scheduleLines(opened).join("\n");
        assert.match(
            lines,
            /preview: .*through the preview Service and the edge \(header x-tierform-preview: 1, from 203\.0\.113\.0\/24, 2001:db8::\/48\)/,
        );
        assert.match(
            opened.schedule.approximations.join("\n"),
            /through the edge with the header x-tierform-preview: 1, on \/api from rollout\.preview\.allowCidrs; other clients sending it get 403/,
        );

        const closed = stagingSystemPlan("asset-management").services.api.rollout;
        assert.equal(closed.schedule.argo?.preview, undefined);
        assert.match(closed.schedule.approximations.join("\n"), /in the cluster only \(the preview Service\), not through the edge/);
        // Where no HTTPRoute exists (prod's ECS, the EKS placement) the plan says the field is not used.
        const { system } = stagingStack("asset-management", PREVIEW_CONFIG);
        const prod = planSystem(system, "aws").services.api.rollout.schedule;
        assert.equal(prod.argo, undefined);
        assert.match(prod.approximations.join("\n"), /rollout\.preview is not used: the test listener/);
        const eks = planSystem(system, "kubernetes", "eks").services.api.rollout.schedule;
        assert.equal(eks.argo?.preview, undefined);
        assert.match(eks.approximations.join("\n"), /in the cluster only .*rollout\.preview is not used here/);
    });

    describe("an allow-listed route (AuroMart's /admin, 10.0.0.0/8 and 192.168.0.0/16): previewed only to the addresses in both lists", () => {
        const adminPreview = (allowCidrs: string[]) =>
            stagingSystemPlan("auromart", {
                "tierform:overrides": { services: { admin: { rollout: { strategy: "blueGreen", preview: { allowCidrs } } } } },
            }).services.admin.rollout.schedule;

        it("the plan: the ranges in both lists, the paths, and no open route (admin has none); none in both: no preview", () => {
            const s = adminPreview(["10.20.0.0/16", "203.0.113.0/24", "192.0.0.0/8"]);
            assert.deepEqual(s.argo?.preview, {
                header: "x-tierform-preview",
                value: "1",
                allowCidrs: ["10.20.0.0/16", "203.0.113.0/24", "192.0.0.0/8"],
                paths: [],
                restricted: { paths: ["/admin"], allowCidrs: ["10.20.0.0/16", "192.168.0.0/16"] },
            });
            assert.match(
                s.approximations.join("\n"),
                /on the allow-listed \/admin only from 10\.20\.0\.0\/16, 192\.168\.0\.0\/16 \(in both lists\)/,
            );
            const none = adminPreview(["198.51.100.0/24"]);
            assert.equal(none.argo?.preview, undefined);
            assert.match(
                none.approximations.join("\n"),
                /rollout\.preview opens nothing, every route of the service has its own allowCidrs/,
            );
        });

        it("the edge: one route edge-admin-preview-restricted and a policy of exactly the ranges in both lists", async () => {
            const auro = context("auromart");
            const plan = await planComponent(
                () =>
                    new KubernetesEdge("t", {
                        ctx: auro,
                        servicePorts: { web: 8000, admin: 8000 },
                        previews: [
                            {
                                service: "admin",
                                previewService: "admin-preview",
                                port: 8000,
                                plan: adminPreview(["10.20.0.0/16", "203.0.113.0/24", "192.0.0.0/8"]).argo!.preview!,
                            },
                        ],
                    }).publicUrl,
            );
            assert.deepEqual(
                objects(plan, "HTTPRoute")
                    .map((r) => r.inputs.metadata.name)
                    .filter((n) => n.includes("preview")),
                ["edge-admin-preview-restricted"],
            );
            const route = object(plan, "HTTPRoute", "edge-admin-preview-restricted").inputs.spec;
            assert.deepEqual(route.rules[0].matches[0].path, { type: "PathPrefix", value: "/admin" });
            assert.deepEqual(route.rules[0].backendRefs, [{ name: "admin-preview", port: 8000 }]);
            const policy = object(plan, "SecurityPolicy", "edge-admin-preview-restricted-allow").inputs.spec;
            assert.equal(policy.targetRefs[0].name, "edge-admin-preview-restricted");
            assert.deepEqual(policy.authorization.rules[0].principal.clientCIDRs, ["10.20.0.0/16", "192.168.0.0/16"]);
        });
    });
    describe("the edge's objects", () => {
        const ctx = context("asset-management", PREVIEW_CONFIG);
        const preview = stagingSystemPlan("asset-management", PREVIEW_CONFIG).services.api.rollout.schedule.argo!.preview!;
        let edge: Plan;
        before(async () => {
            edge = await planComponent(
                () =>
                    new KubernetesEdge("t", {
                        ctx,
                        servicePorts: { api: 3000, frontend: 3000 },
                        previews: [{ service: "api", previewService: "api-preview", port: 3000, plan: preview }],
                    }).publicUrl,
            );
        });

        it("an HTTPRoute on the edge's listener and hostname: the service's path AND the header, to the preview Service", () => {
            const route = object(edge, "HTTPRoute", "edge-api-preview").inputs.spec;
            assert.deepEqual(route.parentRefs, [{ name: "edge", sectionName: "https" }]);
            assert.deepEqual(route.hostnames, ["assets.example.com"]);
            assert.deepEqual(
                route.rules.map((r: any) => [r.matches, r.backendRefs]),
                [
                    [
                        [
                            {
                                path: { type: "PathPrefix", value: "/api" },
                                headers: [{ type: "Exact", name: "x-tierform-preview", value: "1" }],
                            },
                        ],
                        [{ name: "api-preview", port: 3000 }],
                    ],
                ],
            );
            // The same security headers as every other rule of the edge.
            const active = object(edge, "HTTPRoute", "edge-api").inputs.spec;
            assert.deepEqual(route.rules[0].filters, active.rules[0].filters);
            // The active route is untouched: no header, the active Service.
            assert.deepEqual(active.rules[0].backendRefs, [{ name: "api", port: 3000 }]);
        });

        it("restricted to exactly the spec's ranges: a SecurityPolicy on that route, deny by default", () => {
            const policy = object(edge, "SecurityPolicy", "edge-api-preview-allow").inputs.spec;
            assert.deepEqual(policy.targetRefs, [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute", name: "edge-api-preview" }]);
            assert.equal(policy.authorization.defaultAction, "Deny");
            assert.deepEqual(policy.authorization.rules, [
                { name: "preview-allowed", action: "Allow", principal: { clientCIDRs: ["203.0.113.0/24", "2001:db8::/48"] } },
            ]);
            // Envoy sees the client's own address (the allow-list's premise): Local traffic policy, no trusted XFF hop.
            assert.equal(
                object(edge, "EnvoyProxy", "edge-proxy").inputs.spec.provider.kubernetes.envoyService.externalTrafficPolicy,
                "Local",
            );
            assert.equal(object(edge, "ClientTrafficPolicy", "edge").inputs.spec.clientIPDetection.xForwardedFor.numTrustedHops, 0);
        });

        it("on an edge without a domain (HTTP only): the HTTP listener, no hostnames, the same header rule", async () => {
            const bare = context("asset-management", {
                ...PREVIEW_CONFIG,
                "tierform:overrides": { ...PREVIEW_CONFIG["tierform:overrides"], edge: { domain: null, tls: false } },
            });
            const plan = await planComponent(
                () =>
                    new KubernetesEdge("t", {
                        ctx: bare,
                        servicePorts: { api: 3000, frontend: 3000 },
                        previews: [{ service: "api", previewService: "api-preview", port: 3000, plan: preview }],
                    }).publicUrl,
            );
            const route = object(plan, "HTTPRoute", "edge-api-preview").inputs.spec;
            assert.deepEqual(route.parentRefs, [{ name: "edge", sectionName: "http" }]);
            assert.equal(route.hostnames, undefined);
            assert.deepEqual(route.rules[0].matches[0].headers, [{ type: "Exact", name: "x-tierform-preview", value: "1" }]);
            assert.equal(object(plan, "SecurityPolicy", "edge-api-preview-allow").inputs.spec.targetRefs[0].name, "edge-api-preview");
        });

        it("the service's traffic policy (timeouts, retries, limits) covers its preview route too (MealKitz's payment)", async () => {
            const mk = context("mealkitz");
            const plan = stagingSystemPlan("mealkitz");
            const paymentPreview = { header: "x-tierform-preview", value: "1", allowCidrs: ["198.51.100.0/24"], paths: ["/payments"] };
            const withPreview = await planComponent(
                () =>
                    new KubernetesEdge("t", {
                        ctx: mk,
                        servicePorts: Object.fromEntries(
                            Object.values(mk.system.services).flatMap((s) => (s.port ? [[s.name, s.port]] : [])),
                        ),
                        traffic: plan.traffic,
                        previews: [{ service: "payment", previewService: "payment-preview", port: 8000, plan: paymentPreview }],
                    }).publicUrl,
            );
            const policy = object(withPreview, "BackendTrafficPolicy", "edge-payment-traffic").inputs.spec;
            assert.ok(
                policy.targetRefs.some((t: any) => t.kind === "HTTPRoute" && t.name === "edge-payment-preview"),
                JSON.stringify(policy.targetRefs),
            );
            assert.equal(policy.timeout.http.requestTimeout, "30s");
        });

        it("the route validates against the Gateway API model (an unknown header-match type is refused: the validator is live)", async () => {
            const { HTTPRoute } = await importEsm("@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute");
            const r = object(edge, "HTTPRoute", "edge-api-preview").inputs;
            const m = { apiVersion: r.apiVersion, kind: r.kind, metadata: r.metadata, spec: r.spec };
            new HTTPRoute(m).validate();
            const bad = structuredClone(m);
            bad.spec.rules[0].matches[0].headers[0].type = "Prefix";
            assert.throws(() => new HTTPRoute(bad).validate(), /headers/);
        });
    });

    describe("the whole staging system", () => {
        let opened: Plan;
        before(async () => {
            opened = await stagingPlan("asset-management", PREVIEW_CONFIG);
        });

        it("builds the preview route and its policy with the ranges, and only then does a route reach a preview Service", async () => {
            const toPreview = (plan: Plan) => backends(plan).filter((b) => / → [a-z0-9-]+-preview$/.test(b));
            assert.deepEqual(toPreview(opened), ["edge-api-preview → api-preview"]);
            assert.deepEqual(
                object(opened, "SecurityPolicy", "edge-api-preview-allow").inputs.spec.authorization.rules[0].principal.clientCIDRs,
                ["203.0.113.0/24", "2001:db8::/48"],
            );
            // The presets as they ship (three blue-greens, no rollout.preview): no route of the edge reaches a preview Service.
            for (const preset of ["asset-management", "mealkitz", "hld-platform"]) {
                const plan = await stagingPlan(preset);
                assert.ok(
                    objects(plan, "Service").some((s) => s.inputs.metadata.name.endsWith("-preview")),
                    `${preset} has a preview Service`,
                );
                assert.deepEqual(toPreview(plan), [], preset);
                assert.deepEqual(
                    objects(plan, "HTTPRoute").filter((r) => r.inputs.metadata.name.endsWith("-preview")),
                    [],
                    preset,
                );
            }
        });

        it("passes the staging policy pack, and k8s-preview-route-restricted (mandatory) fires on the route without its SecurityPolicy", () => {
            const report = runPolicyReport(opened.run, "staging");
            const mandatory = report.violations.filter((v) => v.level === "mandatory");
            assert.deepEqual(
                mandatory.map((v) => `${v.policy}: ${v.message}`),
                [],
            );
            assert.ok(report.checked["k8s-preview-route-restricted"] > 0, "the policy ran on the stack");
            const open = {
                ...opened.run,
                resources: opened.run.resources.filter(
                    (r) => r.inputs?.kind !== "SecurityPolicy" || r.inputs.metadata?.name !== "edge-api-preview-allow",
                ),
            };
            const broken = runPolicyReport(open, "staging").violations.filter((v) => v.policy === "k8s-preview-route-restricted");
            assert.deepEqual(
                broken.map((v) => [v.level, v.message]),
                [
                    [
                        "mandatory",
                        "HTTPRoute 'asset-management/edge-api-preview' sends to the preview Service 'api-preview' and no SecurityPolicy restricts it: the new version is open before the switch",
                    ],
                ],
            );
        });

        it("the mesh admits the edge's proxies to the preview pods, and the NetworkPolicy flow from the edge to the port covers them", () => {
            const previewService = object(opened, "Service", "api-preview").inputs.spec;
            const port = previewService.ports[0];
            // The preview Service reaches the pods' named port `http`, which is the service's port.
            const deployment = object(opened, "Deployment", "api").inputs.spec.template;
            const http = deployment.spec.containers[0].ports.find((p: any) => p.name === port.targetPort);
            assert.equal(http.containerPort, 3000);
            // The pods behind the preview Service carry every label the AuthorizationPolicy selects (Argo Rollouts only adds its hash).
            const authz = object(opened, "AuthorizationPolicy", "mesh-api").inputs.spec;
            const selects = (labels: Record<string, string>, selector: Record<string, string>) =>
                Object.entries(selector).every(([k, v]) => labels[k] === v);
            assert.ok(selects(deployment.metadata.labels, previewService.selector), "the preview Service selects the service's pods");
            assert.ok(selects(deployment.metadata.labels, authz.selector.matchLabels), "the mesh policy selects the same pods");
            assert.deepEqual(authz.rules[0].from[0].source.namespaces.slice(0, 1), [ENVOY_PROXY_PEER.namespace]);
            assert.deepEqual(authz.rules[0].to, [{ operation: { ports: ["3000"] } }]);
            // The NetworkPolicy admitting the edge's proxies to those pods on the port (the preview adds no flow).
            const admitting = objects(opened, "NetworkPolicy").filter(
                (n) =>
                    selects(deployment.metadata.labels, n.inputs.spec.podSelector?.matchLabels ?? { none: "none" }) &&
                    (n.inputs.spec.ingress ?? []).some(
                        (rule: any) =>
                            rule.from?.some(
                                (f: any) =>
                                    f.namespaceSelector?.matchLabels?.["kubernetes.io/metadata.name"] === ENVOY_PROXY_PEER.namespace,
                            ) && rule.ports?.some((p: any) => p.port === 3000),
                    ),
            );
            assert.equal(admitting.length, 1, "one NetworkPolicy admits the edge to the api pods' port");
        });
    });
});
