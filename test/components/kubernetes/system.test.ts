import { strict as assert } from "assert";
import { planStack, type Plan } from "../../harness";
import { spec } from "../../harness/spec";
import { object, objects, stagingPlan } from "./fixtures";

/** The staging plan of a small inline spec (test/harness/spec.ts), with config over Pulumi.staging.yaml. */
const stagingOf = (file: string, config: Record<string, unknown> = {}) => planStack({ stack: "staging", system: file, config });

describe("kubernetes system", () => {
    it("uses an explicit provider from tierform:kubeconfig and the configured namespace", async () => {
        const plan = await stagingOf(spec("hld-platform").service("api", { port: 3000 }).build(), {
            "tierform:kubeconfig": "/tmp/kubeconfig-staging",
            "tierform:namespace": "hld-staging",
        });
        const providers = plan.ofType("pulumi:providers:kubernetes");
        assert.equal(providers.length, 1);
        assert.equal(providers[0].inputs.kubeconfig, "/tmp/kubeconfig-staging");
        // Issue 11 item 8: the kubeconfig is a secret, so the plan's JSON (redacted inputs) never holds it.
        assert.ok(providers[0].secretPaths.includes("kubeconfig"), "kubeconfig is a Pulumi secret");
        assert.equal(providers[0].redacted.kubeconfig, "[secret]");
        const deployment = object(plan, "Deployment", "api");
        assert.ok(deployment.provider?.startsWith(providers[0].urn), "children inherit the provider");
        assert.equal(deployment.inputs.metadata.namespace, "hld-staging");
        assert.equal(plan.outputs.services.api, "api.hld-staging.svc.cluster.local:3000");
        assert.equal(plan.outputs.platform.namespace, "hld-staging");
        assert.equal(plan.resources.find((r) => r.type === "tierform:kubernetes:System")?.name, "hld-platform");
    });

    it("uses the default provider (current kubeconfig context) otherwise", async () => {
        const plan = await stagingOf(spec("hld-platform").service("api", { port: 3000 }).build());
        assert.equal(plan.ofType("pulumi:providers:kubernetes").length, 0);
    });
});

describe("kubernetes data and pulumi destroy", function () {
    this.timeout(60000);
    const flags = (plan: Plan) => (kind: string, name: string) => {
        const r = object(plan, kind, name);
        return { protect: r.protect, retainOnDelete: r.retainOnDelete };
    };

    it("staging: the Namespace and the dump PVCs outlive a destroy; nothing is protected; the StatefulSets keep their claims", async () => {
        const plan = await stagingPlan("auromart");
        const of = flags(plan);
        assert.deepEqual(
            of("Namespace", "auromart"),
            { protect: false, retainOnDelete: true },
            "deleting the namespace would delete every PVC in it",
        );
        for (const pvc of ["db-backups-full", "db-backups-incremental"])
            assert.deepEqual(of("PersistentVolumeClaim", pvc), { protect: false, retainOnDelete: true });
        for (const sts of ["db", "object-store"]) {
            assert.deepEqual(
                of("StatefulSet", sts),
                { protect: false, retainOnDelete: false },
                "a retained StatefulSet would keep running unfenced",
            );
            assert.deepEqual(object(plan, "StatefulSet", sts).inputs.spec.persistentVolumeClaimRetentionPolicy, {
                whenDeleted: "Retain",
                whenScaled: "Retain",
            });
        }
        assert.ok(!plan.resources.some((r) => r.protect), "staging has no deletion protection");
        assert.ok(!objects(plan, "Deployment").some((d) => d.retainOnDelete), "workloads go with a destroy");
    });

    it("prod profile on Kubernetes: the Namespace, the Cluster, datastore StatefulSets and dump PVCs are protected; workloads are not", async () => {
        const mdc = spec("mdc-tts")
            .service("backend", { uses: ["db", "cache", "media"] })
            .service("beat", { kind: "scheduler", command: ["beat"], replicas: { min: 1, max: 1 }, uses: ["db"] })
            .postgres("db")
            .redis("cache", { persistence: "aof" })
            .bucket("media", "media");
        const plan = await stagingOf(mdc.build(), { "tierform:environment": "prod" });
        const of = flags(plan);
        for (const [kind, name] of [
            ["Namespace", "mdc-tts"],
            ["Cluster", "db"],
            ["StatefulSet", "cache"],
            ["StatefulSet", "object-store"],
            ["PersistentVolumeClaim", "db-backups-full"],
        ]) {
            assert.equal(of(kind, name).protect, true, `${kind} ${name}`);
        }
        for (const [kind, name] of [
            ["Deployment", "backend"],
            ["StatefulSet", "beat"],
            ["CronJob", "db-backup-full"],
            ["Secret", "backend-connections"],
        ]) {
            assert.equal(of(kind, name).protect, false, `${kind} ${name}`);
        }
        assert.ok(!plan.resources.some((r) => r.retainOnDelete), "protect, not retain, where the profile protects");
    });

    it("a cache without persistence has nothing to keep", async () => {
        const meal = spec("mealkitz")
            .service("api", { uses: ["cache", "events"] })
            .redis("cache", { persistence: "none" })
            .redis("events", { persistence: "aof" });
        const plan = await stagingOf(meal.build(), { "tierform:environment": "prod" });
        assert.equal(object(plan, "StatefulSet", "cache").protect, false);
        assert.equal(object(plan, "StatefulSet", "events").protect, true);
    });
});

describe("kubernetes shared file storage (issue 11 item 5)", function () {
    this.timeout(60000);
    it("refuses a system with fileShares and no ReadWriteMany class, naming tierform:sharedStorageClass, before registering anything", async () => {
        const shared = spec("auromart")
            .service("web", { mounts: [{ path: "/app/uploads", share: "files" }] })
            .fileShare("files")
            .build();
        await assert.rejects(
            stagingOf(shared, { "tierform:sharedStorageClass": "" }),
            /tierform:sharedStorageClass: is empty, but fileShares \(files\) need a StorageClass that provisions ReadWriteMany volumes/,
        );
    });

    it("the services that mount a share wait for its claim", async () => {
        const plan = await stagingPlan("auromart");
        const claim = object(plan, "PersistentVolumeClaim", "share-files");
        assert.ok(object(plan, "Deployment", "web").dependencies.includes(claim.urn));
        assert.equal(claim.retainOnDelete, true, "uploads outlive a staging destroy");
    });
});
