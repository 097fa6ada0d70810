import { strict as assert } from "assert";
import { OBJECT_STORE_IMAGE } from "../../../components/shared/images";
import { planComponent } from "../../harness";
import {
    archiveBucket,
    bucketSetupScript,
    KubernetesObjectStore,
    LARGE_OBJECT_STORE_GB,
    needsObjectStore,
    objectStoreSizeGb,
    s3Identities,
} from "../../../components/kubernetes/object-store";
import { context, object, objects, PRESETS, stagingPlan } from "./fixtures";
import { specsOf } from "../../../components/kubernetes/context";

describe("kubernetes object storage", () => {
    it("creates every bucket, versioning and expiry, plus the archive bucket, with the provisioner's key from a file", () => {
        const ctx = context("mealkitz");
        const script = bucketSetupScript(ctx, specsOf(ctx.system, "bucket"));
        assert.match(
            script,
            /s3api head-bucket --bucket mealkitz-assets 2>\/dev\/null \|\| aws --endpoint-url "\$E" s3api create-bucket --bucket mealkitz-assets/,
        );
        assert.match(script, /put-bucket-versioning --bucket mealkitz-assets --versioning-configuration Status=Enabled/);
        assert.equal(archiveBucket(ctx), "mealkitz-backups");
        assert.match(script, /create-bucket --bucket mealkitz-backups/);
        assert.match(script, /E="http:\/\/object-store\.mealkitz\.svc\.cluster\.local:9000"/);
        assert.doesNotMatch(script, /AWS_SECRET_ACCESS_KEY|mc /);
        const mdc = context("mdc-tts");
        assert.match(
            bucketSetupScript(mdc, specsOf(mdc.system, "bucket")),
            /put-bucket-lifecycle-configuration --bucket mdc-tts-backups --lifecycle-configuration '\{"Rules":\[\{"ID":"tierform-expiry","Status":"Enabled","Filter":\{"Prefix":""\},"Expiration":\{"Days":30\}/,
        );
    });

    it("runs SeaweedFS (not MinIO) non-root with a claim sized from what it holds", async () => {
        const ctx = context("auromart");
        const plan = await planComponent(
            () => new KubernetesObjectStore("t", { ctx, buckets: specsOf(ctx.system, "bucket") }).connections.documents.url,
        );
        assert.equal(plan.outputs, "auromart-documents");
        const sts = object(plan, "StatefulSet", "object-store").inputs.spec;
        const c = sts.template.spec.containers[0];
        assert.equal(c.image, OBJECT_STORE_IMAGE);
        assert.match(OBJECT_STORE_IMAGE, /^chrislusf\/seaweedfs:\d+\.\d+$/);
        assert.deepEqual(c.args.slice(0, 4), ["mini", "-dir=/data", "-s3.port=9000", "-s3.config=/etc/tierform/s3.json"]);
        for (const flag of ["-master.telemetry=false", "-admin.ui=false", "-webdav=false"]) assert.ok(c.args.includes(flag), flag);
        assert.equal(c.readinessProbe.httpGet.path, "/readyz");
        assert.equal(sts.template.spec.securityContext.runAsUser, 1000);
        assert.equal(c.securityContext.readOnlyRootFilesystem, true);
        assert.equal(
            sts.volumeClaimTemplates[0].spec.resources.requests.storage,
            "20Gi",
            "AuroMart has no PostgreSQL archive: buckets only",
        );
        assert.equal(objects(plan, "Job").length, 1);
        assert.equal(
            object(plan, "Job", objects(plan, "Job")[0].inputs.metadata.name).inputs.spec.template.spec.containers[0].env.some((e: any) =>
                /AWS_SECRET/.test(e.name),
            ),
            false,
        );
    });

    it("sizes the claim for WAL and base backups over the retention window (issue 11 item 6)", () => {
        const am = context("asset-management").system; // 200 GB, 30 days
        assert.equal(objectStoreSizeGb(am), 20 + Math.ceil(200 * 0.5 * (30 + 1 + 3)));
        assert.ok(objectStoreSizeGb(am) > LARGE_OBJECT_STORE_GB, "large enough to warn towards an external endpoint");
        const mdc = context("mdc-tts").system; // 50 GB, 30 days
        assert.equal(objectStoreSizeGb(mdc), 20 + Math.ceil(50 * 0.5 * 34));
    });

    it("gives each service a key limited to the buckets it uses, and the backups their own (issue 10 item 7)", async () => {
        const ctx = context("mdc-tts");
        const ids = Object.fromEntries(s3Identities(ctx).map((i) => [i.name, i]));
        assert.deepEqual(ids.provisioner.actions, ["Admin"]);
        assert.deepEqual(ids.backend.actions, [
            "Read:mdc-tts-media",
            "List:mdc-tts-media",
            "Write:mdc-tts-media",
            "Read:mdc-tts-static",
            "List:mdc-tts-static",
            "Write:mdc-tts-static",
        ]);
        assert.deepEqual(
            ids.worker.actions,
            ["Read:mdc-tts-media", "List:mdc-tts-media", "Write:mdc-tts-media"],
            "the worker only what it uses",
        );
        assert.deepEqual(ids.backups.actions, [
            "Read:mdc-tts-backups",
            "List:mdc-tts-backups",
            "Write:mdc-tts-backups",
            "Read:mdc-tts-pg-archive",
            "List:mdc-tts-pg-archive",
            "Write:mdc-tts-pg-archive",
        ]);
        assert.ok(!ids.backend.actions.some((a) => a.includes("backups") || a.includes("pg-archive")), "apps cannot touch the WAL archive");
        const plan = await stagingPlan("mdc-tts");
        const config = JSON.parse(
            plan.resources.find((r) => r.inputs?.kind === "Secret" && r.inputs.metadata.name === "object-store-config")!.inputs.stringData[
                "s3.json"
            ],
        );
        assert.deepEqual(config.identities.map((i: any) => i.name).sort(), Object.keys(ids).sort());
        const backend = object(plan, "Deployment", "backend").inputs.spec.template.spec.containers[0].env;
        assert.equal(backend.find((e: any) => e.name === "AWS_ACCESS_KEY_ID").valueFrom.secretKeyRef.name, "backend-s3");
        assert.equal(
            object(plan, "ObjectStore", "db-archive").inputs.spec.configuration.s3Credentials.accessKeyId.name,
            "object-store-backups",
        );
    });

    it("runs nothing with an S3 endpoint", async () => {
        const ctx = context("auromart", { "tierform:s3Endpoint": "https://s3.example.com" });
        assert.equal(needsObjectStore(ctx.system, ctx.settings), false);
        const plan = await planComponent(
            () => new KubernetesObjectStore("t", { ctx, buckets: specsOf(ctx.system, "bucket") }).connections.offsite.url,
        );
        assert.equal(plan.outputs, "auromart-offsite");
        assert.equal(plan.resources.filter((r) => r.custom).length, 0);
    });
});

describe("kubernetes: no lifecycle rule can delete what Barman's retention still needs (issue 25 item 7)", () => {
    for (const preset of PRESETS) {
        it(`${preset}: the bucket of every ObjectStore's destinationPath gets no expiry rule from the bucket Job`, async () => {
            const plan = await stagingPlan(preset);
            const stores = plan.resources.filter((r) => r.inputs?.kind === "ObjectStore");
            const script = plan.resources
                .filter((r) => r.inputs?.kind === "Job" || r.inputs?.kind === "ConfigMap" || r.inputs?.kind === "Secret")
                .map((r) => JSON.stringify(r.inputs))
                .find((text) => text.includes("put-bucket-lifecycle-configuration") || text.includes("create-bucket"));
            if (stores.length === 0) return; // no PostgreSQL: no WAL archive
            assert.ok(script, "the bucket Job's script is in the plan");
            for (const store of stores) {
                const bucket = /^s3:\/\/([^/]+)\//.exec(store.inputs.spec.configuration.destinationPath)![1];
                assert.match(script!, new RegExp(`create-bucket --bucket ${bucket}\\b`), `${bucket} is created`);
                assert.doesNotMatch(
                    script!,
                    new RegExp(`put-bucket-lifecycle-configuration --bucket ${bucket}\\b`),
                    `${bucket} holds ${store.inputs.metadata.name}'s WAL and base backups: Barman's ${store.inputs.spec.retentionPolicy} alone prunes it`,
                );
            }
        });
    }
});
