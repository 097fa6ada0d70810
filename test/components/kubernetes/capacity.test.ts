/**
 * The staging capacity the plan prints (components/kubernetes/capacity.ts, scripts/offline/
 * prerequisites.ts) counts every registered object that runs pods or claims storage, each at the
 * floor the spec gives it, and the plan prints it.
 */
import { strict as assert } from "assert";
import { cpuMillis, kubernetesCapacity, mebibytes, podRequests } from "../../../components/kubernetes/capacity";
import { capacityLines, kubernetesObjects, renderPrerequisites } from "../../../scripts/offline/prerequisites";
import { PRESETS, stagingPlan, stagingStack } from "./fixtures";
import { stackConfig } from "../../harness";

describe("kubernetes capacity (issue 25 item 8)", function () {
    this.timeout(120000);

    it("reads Kubernetes quantities and a pod's effective request (containers summed, or the largest init container)", () => {
        assert.deepEqual([cpuMillis("250m"), cpuMillis("2"), cpuMillis(0.5), cpuMillis(undefined)], [250, 2000, 500, 0]);
        assert.deepEqual([mebibytes("512Mi"), mebibytes("2Gi"), mebibytes("1Ti"), mebibytes("1G")], [512, 2048, 1048576, 1e9 / 1048576]);
        assert.throws(() => mebibytes("lots"), /not a Kubernetes quantity/);
        const c = (cpu: string, memory: string) => ({ resources: { requests: { cpu, memory } } });
        assert.deepEqual(podRequests({ containers: [c("250m", "256Mi"), c("250m", "256Mi")], initContainers: [c("100m", "1Gi")] }), {
            cpuMillis: 500,
            memoryMi: 1024,
        });
    });

    for (const preset of PRESETS) {
        it(`${preset}: every pod-making and storage-claiming object is counted, at the spec's floor`, async () => {
            const plan = await stagingPlan(preset);
            const objects = kubernetesObjects(plan.run);
            const capacity = kubernetesCapacity(objects);
            const owners = new Set([...capacity.pods, ...capacity.jobs].map((p) => p.owner));
            // Coverage: any registered object with a pod template, and every CloudNativePG Cluster.
            for (const o of objects) {
                const makesPods = o.spec?.template?.spec?.containers || o.spec?.jobTemplate || (o.kind === "Cluster" && o.spec?.instances);
                // A Deployment under an Argo Rollouts Rollout (workloadRef) is counted as the Rollout's pods.
                const counted =
                    owners.has(`${o.kind}/${o.metadata?.name}`) || (o.kind === "Deployment" && owners.has(`Rollout/${o.metadata?.name}`));
                if (makesPods) assert.ok(counted, `${o.kind}/${o.metadata?.name} is not counted`);
                if (o.kind === "PersistentVolumeClaim")
                    assert.ok(
                        capacity.claims.some((c) => c.owner === `PersistentVolumeClaim/${o.metadata?.name}`),
                        `claim ${o.metadata?.name} is not counted`,
                    );
            }
            // The floors, from the spec (not from the manifests): each service's replicas.min, each
            // PostgreSQL database's 1 + readReplicas instances with storageGb each.
            const { system } = stagingStack(preset);
            for (const svc of Object.values(system.services)) {
                const pod = capacity.pods.find((p) => p.owner.endsWith(`/${svc.name}`));
                assert.ok(pod, `service ${svc.name} has no pods in the capacity`);
                assert.equal(pod.copies, svc.replicas.min, `${svc.name} runs its spec floor`);
                assert.ok(pod.cpuMillis > 0 && pod.memoryMi > 0, `${svc.name} requests CPU and memory`);
            }
            for (const db of Object.values(system.databases).filter((d) => d.engine === "postgres")) {
                const pod = capacity.pods.find((p) => p.owner === `Cluster/${db.name}`)!;
                assert.equal(pod.copies, 1 + db.readReplicas);
                const claim = capacity.claims.find((c) => c.owner === `Cluster/${db.name} storage`)!;
                assert.deepEqual([claim.gi, claim.copies], [db.storageGb, 1 + db.readReplicas]);
            }
            const sum = capacity.pods.reduce((n, p) => n + p.cpuMillis * p.copies, 0);
            assert.equal(capacity.cpuMillis, sum);
            assert.ok(capacity.largestPod && capacity.largestPod.memoryMi >= Math.max(...capacity.pods.map((p) => p.memoryMi)));
        });
    }

    it("the staging plan prints it: MealKitz needs about 11.8 vCPU and 15.9 GiB; Asset Management 28.4 GiB and a 3.3 TiB object store", async () => {
        const meal = kubernetesCapacity(kubernetesObjects((await stagingPlan("mealkitz")).run));
        assert.match(capacityLines(meal)[0], /^ {2}requests of the running pods: 11\.8 vCPU, 15\.9 GiB memory/);
        const asset = await stagingPlan("asset-management");
        const text = renderPrerequisites(asset.run, stackConfig({ stack: "staging", system: "asset-management" }))!;
        assert.match(text, /28\.4 GiB memory/);
        assert.match(text, /the largest StatefulSet\/object-store data 3\.3 TiB/);
        assert.match(text, /largest pod: Cluster\/db — 1\.1 vCPU, 8\.1 GiB/);
        assert.match(text, /operators expected on the cluster: .*metrics-server/);
        assert.match(text, /volume growth: .*allowVolumeExpansion: true on the StorageClass/);
        // The claims' size patches change claims the StatefulSets' templates already count.
        assert.ok(!kubernetesObjects(asset.run).some((o: any) => o.metadata?.annotations?.["pulumi.com/patchForce"]), "no patch counted");
        const auro = await stagingPlan("auromart");
        assert.match(
            renderPrerequisites(auro.run, stackConfig({ stack: "staging", system: "auromart" }))!,
            /20 GiB ReadWriteMany \(tierform:sharedStorageClass\)/,
        );
    });
});
