/**
 * The ambient mesh on staging (components/kubernetes/mesh.ts), read from what the program
 * registers: every service's pods and the edge's proxies enrolled, STRICT mutual TLS, each service
 * admitting exactly its callers from the plan's routes (the edge; Prometheus), the NetworkPolicies
 * admitting the tunnel's port and the kubelet's probes, and the restricted Pod Security profile
 * kept: no container in the namespace gains a capability or an init container for the mesh.
 */
import { strict as assert } from "assert";
import { object, objects, stagingPlan } from "./fixtures";
import { planStack } from "../../harness";
import { spec } from "../../harness/spec";
import { podSpecOf } from "../../../policies/readers/kubernetes";
import { AMBIENT_LABEL, HBONE_PORT, KUBELET_PROBE_SOURCE } from "../../../components/kubernetes/mesh";

const subset = (labels: Record<string, string>, selector: Record<string, string>) =>
    Object.entries(selector).every(([k, v]) => labels[k] === v);

describe("kubernetes: the ambient mesh", function () {
    this.timeout(120_000);

    it("mdc-tts: STRICT mTLS, one authorization policy per service admitting only its callers, every service pod enrolled", async () => {
        const plan = await stagingPlan("mdc-tts");
        assert.deepEqual(object(plan, "PeerAuthentication", "default").inputs.spec, { mtls: { mode: "STRICT" } });
        const workloads = [...objects(plan, "Deployment"), ...objects(plan, "StatefulSet")];
        const routed = new Set(["backend", "frontend"]);
        const ports: Record<string, string> = { backend: "8000", frontend: "8080" };
        for (const service of ["backend", "frontend", "worker", "beat"]) {
            const policy = object(plan, "AuthorizationPolicy", `mesh-${service}`).inputs.spec;
            const workload = workloads.find((w) => w.inputs.metadata.name === service)!;
            const labels = workload.inputs.spec.template.metadata.labels;
            assert.ok(subset(labels, policy.selector.matchLabels), `${service}: the policy selects its pods`);
            assert.ok(subset(labels, AMBIENT_LABEL), `${service}: its pods are in the mesh`);
            for (const other of workloads.filter((w) => w !== workload))
                assert.ok(
                    !subset(other.inputs.spec.template.metadata.labels, policy.selector.matchLabels),
                    `${service}: selects ${other.name}`,
                );
            assert.equal(policy.action, "ALLOW");
            if (routed.has(service)) {
                assert.deepEqual(policy.rules, [
                    {
                        from: [{ source: { namespaces: ["envoy-gateway-system", "monitoring"] } }],
                        to: [{ operation: { ports: [ports[service]] } }],
                    },
                ]);
            } else assert.equal(policy.rules, undefined, `${service}: no route reaches it, so it admits nobody`);
        }
        // The datastores stay out of the mesh: their operators (CloudNativePG) reach them from outside it.
        for (const w of workloads.filter((x) => !["backend", "frontend", "worker", "beat"].includes(x.inputs.metadata.name)))
            assert.ok(!subset(w.inputs.spec.template.metadata.labels ?? {}, AMBIENT_LABEL), `${w.inputs.metadata.name} is not enrolled`);
        const proxy = object(plan, "EnvoyProxy", "edge-proxy").inputs.spec.provider.kubernetes;
        assert.deepEqual(proxy.envoyDeployment.pod.labels, AMBIENT_LABEL, "the edge's proxies call the services from inside the mesh");
    });

    it("mdc-tts: the NetworkPolicies admit the edge's tunnel (HBONE) and the kubelet's probes to a routed service, and the restricted profile holds", async () => {
        const plan = await stagingPlan("mdc-tts");
        const ingress = object(plan, "NetworkPolicy", "allow-backend").inputs.spec.ingress as any[];
        const fromEdge = ingress.find(
            (r) => r.from[0].namespaceSelector?.matchLabels["kubernetes.io/metadata.name"] === "envoy-gateway-system",
        );
        assert.ok(
            fromEdge.ports.some((p: any) => p.port === HBONE_PORT),
            "the edge's tunnelled connections",
        );
        assert.ok(
            ingress.some((r) => r.from[0].ipBlock?.cidr === KUBELET_PROBE_SOURCE),
            "the kubelet's probes",
        );
        const ns = objects(plan, "Namespace")[0].inputs.metadata.labels;
        assert.equal(ns["pod-security.kubernetes.io/enforce"], "restricted");
        for (const w of [
            ...objects(plan, "Deployment"),
            ...objects(plan, "StatefulSet"),
            ...objects(plan, "Job"),
            ...objects(plan, "CronJob"),
        ]) {
            const pod = podSpecOf(w.type, w.inputs);
            for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
                assert.notEqual(c.name, "istio-init", `${w.inputs.metadata.name}: a sidecar's init container`);
                assert.deepEqual(c.securityContext?.capabilities?.add ?? [], [], `${w.inputs.metadata.name}/${c.name} adds capabilities`);
            }
        }
    });

    it("tierform:mesh false: no mesh object, no enrolled pod, no tunnel port", async () => {
        const file = spec("nomesh").service("web").build();
        const plan = await planStack({ stack: "staging", system: file, config: { "tierform:mesh": "false" } });
        for (const kind of ["PeerAuthentication", "AuthorizationPolicy"]) assert.deepEqual(objects(plan, kind), []);
        assert.ok(!JSON.stringify(plan.resources.map((r) => r.inputs)).includes("istio.io/dataplane-mode"));
        assert.ok(!JSON.stringify(objects(plan, "NetworkPolicy").map((p) => p.inputs)).includes(String(HBONE_PORT)));
    });
});
