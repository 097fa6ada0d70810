import { strict as assert } from "assert";
import { ISTIO_CHARTS, neededOperators, operatorsToInstall } from "../../../components/kubernetes/operators";
import { stagingPlan, stagingStack } from "./fixtures";
import { loadStack } from "../../../model";
import { planSystem } from "../../../plan";
import { stackConfig } from "../../harness";

const RELEASE = "kubernetes:helm.sh/v3:Release";

describe("kubernetes operators", () => {
    it("installs nothing by default (prerequisites)", async () => {
        const plan = await stagingPlan("mdc-tts");
        assert.equal(plan.ofType(RELEASE).length, 0);
    });

    it("installs the operators from pinned charts behind installOperators, CRD users after them", async () => {
        const plan = await stagingPlan("mdc-tts", { "tierform:installOperators": "true" });
        const releases = plan.ofType(RELEASE);
        assert.deepEqual(releases.map((r) => r.inputs.chart).sort(), [
            "base",
            "cert-manager",
            "cloudnative-pg",
            "cni",
            "istiod",
            "keda",
            "kube-prometheus-stack",
            "loki",
            "metrics-server",
            "oci://docker.io/envoyproxy/gateway-helm",
            "opentelemetry-collector",
            "opentelemetry-collector",
            "plugin-barman-cloud",
            "tempo",
            "ztunnel",
        ]);
        // The observability parts: the node log collector alone in its privileged namespace (hostPath), with its reason.
        const logs = releases.find((r) => r.inputs.name === "otel-logs")!;
        assert.equal(logs.inputs.namespace, "log-collector");
        assert.equal(logs.inputs.values.mode, "daemonset");
        const ns = plan.resources.find((r) => r.type === "kubernetes:core/v1:Namespace" && r.inputs.metadata.name === "log-collector")!;
        assert.equal(ns.inputs.metadata.labels["pod-security.kubernetes.io/enforce"], "privileged");
        assert.ok(logs.dependencies.includes(ns.urn));
        assert.equal(releases.find((r) => r.inputs.name === "loki")!.inputs.values.loki.limits_config.retention_period, "720h");
        assert.equal(releases.find((r) => r.inputs.name === "otel-collector")!.inputs.namespace, "monitoring");
        // Istio's four charts of one release, in order (base's CRDs first), into istio-system, istiod and the CNI agent in ambient mode.
        const istio = ["base", "istiod", "cni", "ztunnel"].map((c) => releases.find((r) => r.inputs.chart === c)!);
        assert.deepEqual(
            istio.map((r) => [r.inputs.name, r.inputs.namespace, r.inputs.version]),
            [
                ["istio-base", "istio-system", "1.31.1"],
                ["istiod", "istio-system", "1.31.1"],
                ["istio-cni", "istio-system", "1.31.1"],
                ["ztunnel", "istio-system", "1.31.1"],
            ],
        );
        for (let i = 1; i < istio.length; i++)
            assert.ok(istio[i].dependencies.includes(istio[i - 1].urn), `${istio[i].inputs.chart} after ${istio[i - 1].inputs.chart}`);
        assert.deepEqual([istio[1].inputs.values.profile, istio[2].inputs.values.profile], ["ambient", "ambient"]);
        // metrics-server serves metrics.k8s.io (the HPAs' CPU/memory) from kube-system, on the pinned chart.
        const metrics = releases.find((r) => r.inputs.chart === "metrics-server")!;
        assert.deepEqual(
            [metrics.inputs.namespace, metrics.inputs.version, metrics.inputs.repositoryOpts.repo],
            ["kube-system", "3.13.1", "https://kubernetes-sigs.github.io/metrics-server"],
        );
        assert.ok(metrics.inputs.values.resources.limits.memory);
        for (const r of releases) assert.match(r.inputs.version, /^v?\d+\.\d+\.\d+$/);
        const eg = releases.find((r) => r.inputs.chart.endsWith("gateway-helm"))!;
        assert.equal(eg.inputs.version, "v1.9.0");
        assert.equal(
            eg.inputs.values.config.envoyGateway.rateLimit.backend.redis.url,
            "ratelimit-redis.envoy-gateway-system.svc.cluster.local:6379",
        );
        assert.equal(releases.find((r) => r.inputs.chart === "keda")!.inputs.version, "2.20.2");
        const cluster = plan.resources.find((r) => r.type === "kubernetes:postgresql.cnpg.io/v1:Cluster")!;
        const cnpg = releases.find((r) => r.inputs.chart === "cloudnative-pg")!;
        assert.ok(cluster.dependencies.includes(cnpg.urn), "the Cluster waits for the operator");
        // The Barman Cloud plugin: in the operator's namespace, after the operator and cert-manager
        // (its Issuer/Certificates), on the pinned images; the ObjectStore (its CRD) and the Cluster wait for it.
        const plugin = releases.find((r) => r.inputs.chart === "plugin-barman-cloud")!;
        assert.deepEqual([plugin.inputs.namespace, plugin.inputs.version], ["cnpg-system", "0.7.0"]);
        assert.ok(plugin.dependencies.includes(cnpg.urn), "the plugin waits for CloudNativePG");
        assert.ok(plugin.dependencies.includes(releases.find((r) => r.inputs.chart === "cert-manager")!.urn), "and for cert-manager");
        assert.deepEqual(plugin.inputs.values.image, {
            registry: "ghcr.io",
            repository: "cloudnative-pg/plugin-barman-cloud",
            tag: "v0.14.0",
        });
        assert.deepEqual(plugin.inputs.values.sidecarImage.tag, "v0.14.0");
        assert.ok(plugin.inputs.values.resources.limits.memory);
        const store = plan.resources.find((r) => r.inputs?.kind === "ObjectStore")!;
        assert.ok(store.dependencies.includes(plugin.urn), "the ObjectStore waits for the plugin's CRD");
        assert.ok(cluster.dependencies.includes(plugin.urn), "the Cluster waits for the plugin");
        const gateway = plan.resources.find((r) => r.inputs?.kind === "Gateway")!;
        assert.ok(gateway.dependencies.includes(eg.urn), "the Gateway waits for Envoy Gateway");
        const gatewayClass = plan.resources.find((r) => r.inputs?.kind === "GatewayClass")!;
        assert.deepEqual(
            [gatewayClass.inputs.metadata.name, gatewayClass.inputs.spec.controllerName],
            ["envoy-gateway", "gateway.envoyproxy.io/gatewayclass-controller"],
        );
        assert.ok(gateway.dependencies.includes(gatewayClass.urn), "the Gateway waits for its class");
        assert.ok(!cluster.dependencies.includes(eg.urn), "each object waits for its own operator only");
        const scaler = plan.resources.find((r) => r.inputs?.kind === "ScaledObject")!;
        assert.ok(scaler.dependencies.includes(releases.find((r) => r.inputs.chart === "keda")!.urn), "the ScaledObject waits for KEDA");
        const redis = plan.resources.find((r) => r.inputs?.kind === "Deployment" && r.inputs.metadata.name === "ratelimit-redis")!;
        assert.equal(redis.inputs.metadata.namespace, "envoy-gateway-system");
        assert.equal(redis.inputs.spec.template.spec.securityContext.runAsNonRoot, true);
        // One counter store (two would split each client's count), never two at once.
        assert.equal(redis.inputs.spec.replicas, 1);
        assert.equal(redis.inputs.spec.strategy.type, "Recreate");
        assert.equal(redis.inputs.metadata.annotations["tierform.io/singleton"], "true");
        // Envoy Gateway's namespace: default-deny ingress; the Redis admits only the rate-limit pods on 6379.
        const policies = plan.resources.filter(
            (r) => r.inputs?.kind === "NetworkPolicy" && r.inputs.metadata.namespace === "envoy-gateway-system",
        );
        const byName = Object.fromEntries(policies.map((p) => [p.inputs.metadata.name, p.inputs.spec]));
        assert.deepEqual(byName["default-deny-ingress"], { podSelector: {}, policyTypes: ["Ingress"] });
        const redisPolicy = byName["allow-ratelimit-redis"];
        assert.deepEqual(redisPolicy.podSelector.matchLabels, redis.inputs.spec.selector.matchLabels);
        assert.deepEqual(redisPolicy.ingress, [
            {
                from: [
                    {
                        podSelector: {
                            matchLabels: {
                                "app.kubernetes.io/name": "envoy-ratelimit",
                                "app.kubernetes.io/component": "ratelimit",
                                "app.kubernetes.io/managed-by": "envoy-gateway",
                            },
                        },
                    },
                ],
                ports: [{ port: 6379, protocol: "TCP" }],
            },
        ]);
        assert.deepEqual(redisPolicy.policyTypes, ["Ingress", "Egress"], "and sends nothing");
        assert.equal(redisPolicy.egress, undefined);
        // Only the chart's own pods keep their open ingress, never the Redis.
        assert.deepEqual(byName["allow-envoy-gateway"].podSelector.matchExpressions, [
            { key: "app.kubernetes.io/name", operator: "NotIn", values: ["ratelimit-redis"] },
        ]);
        for (const p of policies) assert.ok(p.dependencies.includes(eg.urn), "after the release creates the namespace");
    });

    it("installs only what the system uses: no CloudNativePG without PostgreSQL, no cert-manager without a TLS domain or PostgreSQL, no KEDA without a request target", () => {
        const auro = stagingStack("auromart", { "tierform:installOperators": "true" });
        assert.deepEqual(neededOperators(planSystem(auro.system, "kubernetes"), auro.settings), [
            "kubePrometheusStack",
            "certManager",
            "metricsServer",
            "loki",
            "tempo",
            "otelCollector",
            "otelLogs",
            "envoyGateway",
            ...ISTIO_CHARTS,
        ]);
        const hld = stagingStack("hld-platform", { "tierform:installOperators": "true", "tierform:monitoringCrds": "false" });
        const noDomain = { ...hld.system, edge: { ...hld.system.edge, domain: undefined, tls: false } };
        // HLD's api (blue-green) and web (canary) are routed: Argo Rollouts runs them (rollout.ts).
        assert.deepEqual(operatorsToInstall(planSystem(noDomain, "kubernetes"), hld.settings), [
            "metricsServer",
            "argoRollouts",
            "envoyGateway",
            ...ISTIO_CHARTS,
        ]);
        const off = stagingStack("mdc-tts");
        assert.deepEqual(operatorsToInstall(planSystem(off.system, "kubernetes"), off.settings), [], "prerequisites by default");
        assert.deepEqual(neededOperators(planSystem(off.system, "kubernetes"), off.settings), [
            "kubePrometheusStack",
            "certManager",
            "cnpg",
            "barmanCloud",
            "keda",
            "metricsServer",
            "loki",
            "tempo",
            "otelCollector",
            "otelLogs",
            "envoyGateway",
            ...ISTIO_CHARTS,
        ]);
        // PostgreSQL alone needs cert-manager: the Barman Cloud plugin's certificates.
        const offPlan = planSystem(off.system, "kubernetes");
        const plain = { ...offPlan, edge: { ...offPlan.edge, domain: undefined, tls: false } };
        assert.ok(neededOperators(plain, off.settings).includes("certManager"));
    });

    it("needs metrics-server exactly when a service scales on CPU or memory (an HPA, or KEDA's cpu/memory triggers)", () => {
        const mdc = stagingStack("mdc-tts");
        assert.ok(neededOperators(planSystem(mdc.system, "kubernetes"), mdc.settings).includes("metricsServer"));
        const fixed = Object.fromEntries(
            Object.entries(mdc.system.services).map(([n, s]) => [n, { ...s, replicas: { min: 2, max: 2 }, autoscaling: undefined }]),
        );
        assert.ok(
            !neededOperators(planSystem({ ...mdc.system, services: fixed }, "kubernetes"), mdc.settings).includes("metricsServer"),
            "fixed replicas: none",
        );
        // A request target alone scales on requests alone (KEDA's Prometheus trigger): no metrics.k8s.io.
        const requestsOnly = Object.fromEntries(
            Object.entries(mdc.system.services).map(([n, s]) => [
                n,
                s.autoscaling?.requestsPerMinute
                    ? { ...s, autoscaling: { requestsPerMinute: s.autoscaling.requestsPerMinute } }
                    : { ...s, replicas: { min: 2, max: 2 }, autoscaling: undefined },
            ]),
        );
        assert.ok(
            !neededOperators(planSystem({ ...mdc.system, services: requestsOnly }, "kubernetes"), mdc.settings).includes("metricsServer"),
        );
        const one = loadStack(stackConfig({ stack: "staging", system: "mdc-tts", config: { "tierform:installMetricsServer": "true" } }));
        assert.deepEqual(operatorsToInstall(planSystem(one.system, "kubernetes"), one.settings), ["metricsServer"]);
    });

    it("leaves kube-prometheus-stack out without monitoring CRDs", async () => {
        const plan = await stagingPlan("mdc-tts", { "tierform:installOperators": "true", "tierform:monitoringCrds": "false" });
        assert.deepEqual(
            plan
                .ofType(RELEASE)
                .map((r) => r.inputs.chart)
                .sort(),
            [
                "base",
                "cert-manager",
                "cloudnative-pg",
                "cni",
                "istiod",
                "keda",
                "metrics-server",
                "oci://docker.io/envoyproxy/gateway-helm",
                "plugin-barman-cloud",
                "ztunnel",
            ],
        );
    });
});

describe("kubernetes: one switch per operator", () => {
    it("installs only the operator whose own switch is on", async () => {
        const { operatorsToInstall } = await import("../../../components/kubernetes/operators");
        const { loadStack } = await import("../../../model");
        const { stackConfig } = await import("../../harness");
        const { system, settings } = loadStack(
            stackConfig({ stack: "staging", system: "mdc-tts", config: { "tierform:installCloudNativePg": "true" } }),
        );
        assert.deepEqual(
            operatorsToInstall(planSystem(system, "kubernetes"), settings),
            ["cnpg", "barmanCloud"],
            "the operator with its backup plugin",
        );
        const none = loadStack(stackConfig({ stack: "staging", system: "mdc-tts" }));
        assert.deepEqual(operatorsToInstall(planSystem(none.system, "kubernetes"), none.settings), []);
        const hld = loadStack(
            stackConfig({ stack: "staging", system: "hld-platform", config: { "tierform:installCloudNativePg": "true" } }),
        );
        assert.deepEqual(operatorsToInstall(planSystem(hld.system, "kubernetes"), hld.settings), [], "no PostgreSQL, no CloudNativePG");
        const eg = loadStack(
            stackConfig({
                stack: "staging",
                system: "mdc-tts",
                config: { "tierform:installEnvoyGateway": "true", "tierform:installKeda": "true" },
            }),
        );
        assert.deepEqual(operatorsToInstall(planSystem(eg.system, "kubernetes"), eg.settings), ["keda", "envoyGateway"]);
    });
});
