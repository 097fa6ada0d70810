import { strict as assert } from "assert";
import { planComponent } from "../../harness";
import { archiveBucket, bucketSetupScript, KubernetesObjectStore, needsObjectStore } from "../../../components/kubernetes/bucket";
import { context, object, objects } from "./fixtures";

describe("kubernetes object storage", () => {
    it("creates every bucket, versioning and expiry, plus the archive bucket, without credentials on argv", () => {
        const ctx = context("mealkitz");
        const script = bucketSetupScript(ctx, Object.values(ctx.system.buckets));
        assert.match(script, /mc mb --ignore-existing "store\/mealkitz-assets"/);
        assert.match(script, /mc version enable "store\/mealkitz-assets"/);
        assert.equal(archiveBucket(ctx), "mealkitz-backups");
        assert.match(script, /mc mb --ignore-existing "store\/mealkitz-backups"/);
        assert.match(script, /MC_HOST_store="http:\/\/\$\{AWS_ACCESS_KEY_ID\}:\$\{AWS_SECRET_ACCESS_KEY\}@object-store\.mealkitz\.svc\.cluster\.local:9000"/);
        const mdc = context("mdc-tts");
        assert.match(bucketSetupScript(mdc, Object.values(mdc.system.buckets)), /--expire-days 30 "store\/mdc-tts-backups"/);
    });

    it("runs MinIO with a PVC when no endpoint is configured", async () => {
        const ctx = context("auromart");
        const plan = await planComponent(() => new KubernetesObjectStore("t", { ctx, buckets: Object.values(ctx.system.buckets) }).connections.documents.url);
        assert.equal(plan.outputs, "auromart-documents");
        const sts = object(plan, "StatefulSet", "object-store").inputs.spec;
        assert.equal(sts.volumeClaimTemplates[0].spec.resources.requests.storage, "20Gi");
        assert.equal(sts.template.spec.securityContext.runAsUser, 1000);
        assert.equal(objects(plan, "Job").length, 1);
    });

    it("runs nothing with an S3 endpoint", async () => {
        const ctx = context("auromart", { "tierform:s3Endpoint": "https://s3.example.com" });
        assert.equal(needsObjectStore(ctx.system, ctx.settings), false);
        const plan = await planComponent(() => new KubernetesObjectStore("t", { ctx, buckets: Object.values(ctx.system.buckets) }).connections.offsite.url);
        assert.equal(plan.outputs, "auromart-offsite");
        assert.equal(plan.resources.filter((r) => r.custom).length, 0);
    });
});
