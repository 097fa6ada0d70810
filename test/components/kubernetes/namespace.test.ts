import { strict as assert } from "assert";
import { planComponent, planStack } from "../../harness";
import { spec } from "../../harness/spec";
import { KubernetesNamespace } from "../../../components/kubernetes/namespace";
import { systemFlows } from "../../../components/kubernetes/network";
import { objects, stagingPlanned } from "./fixtures";

const key = (f: ReturnType<typeof systemFlows>[number]) => `${f.from.component}>${f.to.component}:${f.ports.map((p) => p.port).join(",")}`;

describe("kubernetes namespace (network tier)", () => {
    it("derives one flow per real connection of mdc-tts", () => {
        const { system, settings } = stagingPlanned("mdc-tts");
        const flows = systemFlows(system, settings).map(key);
        for (const f of [
            // In the ambient mesh a connection arrives tunnelled (HBONE, 15008); the kubelet's probes from 169.254.7.127.
            "envoy-proxy>backend:8000,15008",
            "envoy-proxy>frontend:8080,15008",
            "kubelet-probes>backend:8000",
            "backend>db:5432",
            "backend>cache:6379",
            "backend>object-store:9000",
            "worker>db:5432",
            "beat>cache:6379",
            "db-backup>db:5432",
            "backend-migrate>db:5432",
            "prometheus>backend:8000,15008",
            // The instance pods, with the Barman Cloud plugin's sidecar: WAL and base backups, and the
            // API server (its ObjectStore and Secrets).
            "db>object-store:9000",
            "db>kube-apiserver:443,6443",
        ]) {
            assert.ok(flows.includes(f), `missing ${f} in ${flows.join(" ")}`);
        }
        assert.deepEqual(
            flows.filter((f) => f.startsWith("frontend>")),
            ["frontend>otel-collector:4318"],
            "the frontend uses nothing: it reaches only the collector (its spans)",
        );
        assert.ok(!flows.some((f) => f.startsWith("envoy-proxy>worker") || f.startsWith("envoy-proxy>beat")), "workers are not routed");
        assert.equal(new Set(flows).size, flows.length, "no duplicate flows");
    });

    it("sends object storage to the S3 endpoint and drops Prometheus when configured so", () => {
        const { system, settings } = stagingPlanned("mdc-tts", {
            "tierform:s3Endpoint": "https://s3.example.com:8443",
            "tierform:monitoringCrds": "false",
        });
        const flows = systemFlows(system, settings);
        const toS3 = flows.find((f) => f.from.component === "backend" && f.to.component === "s3");
        assert.equal(toS3?.ports[0].port, 8443);
        assert.ok(!flows.some((f) => f.from.component === "prometheus"));
        assert.ok(!flows.some((f) => f.to.component === "object-store"), "no MinIO with an endpoint");
    });

    it("creates a restricted namespace, default-deny, DNS egress and one policy per pod group", async () => {
        const { system, settings } = stagingPlanned("hld-platform");
        const plan = await planComponent(
            () => new KubernetesNamespace("t", { system, settings, name: "hld", flows: systemFlows(system, settings) }),
        );
        const ns = objects(plan, "Namespace")[0].inputs.metadata;
        assert.equal(ns.name, "hld");
        for (const mode of ["enforce", "audit", "warn"]) assert.equal(ns.labels[`pod-security.kubernetes.io/${mode}`], "restricted");
        const policies = new Map(objects(plan, "NetworkPolicy").map((p) => [p.inputs.metadata.name, p.inputs.spec]));
        assert.deepEqual(policies.get("default-deny"), { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
        assert.deepEqual(
            policies.get("allow-dns")!.egress[0].ports.map((p: any) => `${p.protocol}/${p.port}`),
            ["UDP/53", "TCP/53"],
        );
        const mongo = policies.get("allow-mongo")!;
        assert.deepEqual(mongo.policyTypes, ["Ingress"]);
        assert.deepEqual(mongo.ingress.map((r: any) => r.from[0].podSelector.matchLabels["app.kubernetes.io/instance"]).sort(), [
            "hld-platform-api",
            "hld-platform-mongo-backup",
            "hld-platform-worker",
        ]);
        for (const spec of policies.values()) assert.equal(spec.namespace, undefined);
        for (const p of objects(plan, "NetworkPolicy")) assert.equal(p.inputs.metadata.namespace, "hld");
    });
});

describe("kubernetes internet egress (issue 11 item 4)", () => {
    it("opens the internet on the spec's ports to the services that opt in, never private, link-local, CGNAT or cluster ranges", async () => {
        const { systemFlows, NON_INTERNET_CIDRS } = await import("../../../components/kubernetes/network");
        const { stagingPlanned } = await import("./fixtures");
        const { system, settings } = stagingPlanned("auromart");
        const internet = systemFlows(system, settings).filter((f) => f.to.component === "internet");
        assert.deepEqual(
            internet.map((f) => `${f.from.component}:${f.ports.map((p) => p.port).join(",")}`),
            Object.values(system.services)
                .filter((s) => s.egress.internet)
                .map((s) => `${s.name}:${s.egress.ports.join(",")}`),
        );
        assert.ok(
            internet.some((f) => f.from.component === "web"),
            "AuroMart web reaches SMTP and WhatsApp",
        );
        for (const f of internet)
            assert.deepEqual(f.to, { kind: "cidr", component: "internet", cidr: "0.0.0.0/0", except: NON_INTERNET_CIDRS });
        for (const cidr of ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16", "100.64.0.0/10"])
            assert.ok(NON_INTERNET_CIDRS.includes(cidr), cidr);
        assert.ok(!internet.some((f) => f.from.component === "admin"), "admin did not opt in");
    });

    it("writes the egress into the service's NetworkPolicy", async () => {
        const { object } = await import("./fixtures");
        const payment = spec("mealkitz")
            .service("payment", { egress: { internet: true } })
            .build();
        const plan = await planStack({ stack: "staging", system: payment });
        const egress = object(plan, "NetworkPolicy", "allow-payment").inputs.spec.egress;
        const rule = egress.find((e: any) => e.to[0].ipBlock?.except);
        assert.ok(rule, "an ipBlock rule with exceptions");
        assert.deepEqual(rule.ports, [{ port: 443, protocol: "TCP" }]);
        assert.equal(rule.to[0].ipBlock.cidr, "0.0.0.0/0");
    });
});

describe("kubernetes API-server egress per CNI (tierform:cni)", () => {
    const instanceEgress = (plan: Awaited<ReturnType<typeof planComponent>>) =>
        objects(plan, "NetworkPolicy").find((p) => p.inputs.metadata.name === "allow-db")!.inputs.spec.egress as any[];

    it("cilium: a CiliumNetworkPolicy toEntities kube-apiserver on 443/6443 for the PostgreSQL pods, and no ipBlock 0.0.0.0/0 for it", async () => {
        const { system, settings } = stagingPlanned("mdc-tts", { "tierform:cni": "cilium" });
        const plan = await planComponent(
            () => new KubernetesNamespace("t", { system, settings, name: "mdc", flows: systemFlows(system, settings) }),
        );
        const cilium = objects(plan, "CiliumNetworkPolicy");
        assert.deepEqual(
            cilium.map((p) => [p.inputs.apiVersion, p.inputs.metadata.name, p.inputs.metadata.namespace]),
            [["cilium.io/v2", "allow-db-kube-apiserver", "mdc"]],
        );
        assert.deepEqual(cilium[0].inputs.spec, {
            endpointSelector: { matchLabels: { "cnpg.io/cluster": "db" } },
            egress: [
                {
                    toEntities: ["kube-apiserver"],
                    toPorts: [
                        {
                            ports: [
                                { port: "443", protocol: "TCP" },
                                { port: "6443", protocol: "TCP" },
                            ],
                        },
                    ],
                },
            ],
        });
        // Cilium never matches the API server by CIDR: no such rule may stand in for the entity.
        assert.ok(
            !instanceEgress(plan).some((r) => r.to.some((t: any) => t.ipBlock?.cidr === "0.0.0.0/0" && !t.ipBlock.except)),
            "no bare 0.0.0.0/0 egress on the instances",
        );
        // The object store stays a NetworkPolicy rule (pods of the namespace: Cilium matches those by labels).
        assert.ok(instanceEgress(plan).some((r) => r.ports.some((p: any) => p.port === 9000)));
    });

    for (const cni of ["calico", "aws-vpc-cni", "other"]) {
        it(`${cni}: an ipBlock 0.0.0.0/0 on 443/6443 (matched after kube-proxy's DNAT), and no CiliumNetworkPolicy`, async () => {
            const { system, settings } = stagingPlanned("mdc-tts", { "tierform:cni": cni });
            const plan = await planComponent(
                () => new KubernetesNamespace("t", { system, settings, name: "mdc", flows: systemFlows(system, settings) }),
            );
            assert.equal(objects(plan, "CiliumNetworkPolicy").length, 0);
            const rule = instanceEgress(plan).find((r) => r.to[0].ipBlock?.cidr === "0.0.0.0/0" && !r.to[0].ipBlock.except)!;
            assert.deepEqual(
                rule.ports.map((p: any) => p.port),
                [443, 6443],
            );
        });
    }

    it("a system without PostgreSQL gets no API-server egress at all (no other pod of tierform's talks to it)", async () => {
        const { system, settings } = stagingPlanned("hld-platform", { "tierform:cni": "cilium" });
        const plan = await planComponent(
            () => new KubernetesNamespace("t", { system, settings, name: "hld", flows: systemFlows(system, settings) }),
        );
        assert.equal(objects(plan, "CiliumNetworkPolicy").length, 0);
        for (const p of objects(plan, "NetworkPolicy"))
            for (const r of p.inputs.spec.egress ?? [])
                assert.ok(!r.ports?.some((x: any) => x.port === 6443), `${p.inputs.metadata.name} opens 6443`);
    });
});

describe("kubernetes object store in the cluster through tierform:s3Endpoint (a Service of another namespace)", () => {
    it("cilium: the WAL archive, base backups, dumps and services reach it by namespace (Cilium matches no pod by ipBlock), on its port", async () => {
        for (const cni of ["cilium", "calico"]) {
            const { system, settings } = stagingPlanned("mdc-tts", {
                "tierform:cni": cni,
                "tierform:s3Endpoint": "http://minio.storage.svc.cluster.local:9000",
            });
            const plan = await planComponent(
                () => new KubernetesNamespace("t", { system, settings, name: "mdc", flows: systemFlows(system, settings) }),
            );
            const policies = new Map(objects(plan, "NetworkPolicy").map((p) => [p.inputs.metadata.name, p.inputs.spec]));
            for (const group of ["allow-db", "allow-db-backup", "allow-backend", "allow-worker"]) {
                const rules: any[] = policies.get(group)?.egress ?? [];
                const toStore = rules.filter((r) => r.ports.some((p: any) => p.port === 9000));
                assert.deepEqual(
                    toStore.map((r) => r.to),
                    [[{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "storage" } } }]],
                    `${cni} ${group}: ${JSON.stringify(rules)}`,
                );
            }
        }
        // An endpoint outside the cluster stays an address rule; so does a name that is not a Service's.
        for (const endpoint of ["https://s3.eu-west-1.amazonaws.com", "http://minio.storage:9000"]) {
            const { system, settings } = stagingPlanned("mdc-tts", { "tierform:cni": "cilium", "tierform:s3Endpoint": endpoint });
            const store = systemFlows(system, settings).find((f) => f.from.component === "db" && f.to.component === "s3")!;
            assert.equal(store.to.kind, "cidr", endpoint);
        }
    });
});
