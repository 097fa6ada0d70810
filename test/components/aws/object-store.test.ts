import * as assert from "assert";
import { lifecycleRules, storageClass } from "../../../components/aws/object-store";
import type { Plan, PlannedResource } from "../../harness";
import { DISTRIBUTION, planData, type DataPlan } from "./data-helpers";

const of = (plan: Plan, type: string, bucket: string): PlannedResource => plan.one(`aws:s3/${type}`, bucket);

describe("aws bucket (S3)", function () {
    let asset: Plan, auromart: Plan, mdc: DataPlan, mealkitz: DataPlan;
    before(async () => {
        asset = (await planData("asset-management")).plan;
        auromart = (await planData("auromart")).plan;
        mdc = await planData("mdc-tts");
        mealkitz = await planData("mealkitz");
    });

    it("blocks public access with all four flags, enforces bucket ownership and versions every bucket", () => {
        for (const plan of [asset, auromart, mdc.plan]) {
            for (const pab of plan.ofType("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")) {
                for (const flag of ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"])
                    assert.strictEqual(pab.inputs[flag], true, `${pab.name} ${flag}`);
            }
            assert.strictEqual(
                plan.ofType("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").length,
                plan.ofType("aws:s3/bucket:Bucket").length,
            );
            for (const oc of plan.ofType("aws:s3/bucketOwnershipControls:BucketOwnershipControls"))
                assert.strictEqual(oc.inputs.rule.objectOwnership, "BucketOwnerEnforced");
            for (const v of plan.ofType("aws:s3/bucketVersioning:BucketVersioning"))
                assert.strictEqual(v.inputs.versioningConfiguration.status, "Enabled", v.name);
        }
    });

    it("encrypts data buckets with the customer key (bucket keys on) and the access-log bucket with SSE-S3", () => {
        const sse = of(asset, "bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "asset-management-files")
            .inputs.rules[0];
        assert.strictEqual(sse.applyServerSideEncryptionByDefault.sseAlgorithm, "aws:kms");
        assert.match(sse.applyServerSideEncryptionByDefault.kmsMasterKeyId, /asset-management-data$/);
        assert.strictEqual(sse.bucketKeyEnabled, true);
        const logs = of(
            asset,
            "bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
            "asset-management-access-logs",
        ).inputs.rules[0];
        assert.strictEqual(logs.applyServerSideEncryptionByDefault.sseAlgorithm, "AES256");
    });

    it("denies every request without TLS and logs access to the access-log bucket", () => {
        for (const p of asset.ofType("aws:s3/bucketPolicy:BucketPolicy")) {
            const deny = JSON.parse(p.inputs.policy).Statement.find((s: any) => s.Sid === "DenyInsecureTransport");
            assert.deepStrictEqual(deny.Condition, { Bool: { "aws:SecureTransport": "false" } }, p.name);
            assert.strictEqual(deny.Resource.length, 2);
        }
        const logBucket = of(asset, "bucket:Bucket", "asset-management-access-logs");
        const logging = asset.ofType("aws:s3/bucketLogging:BucketLogging");
        assert.strictEqual(logging.length, 2, "files and backups log; the log bucket does not log itself");
        for (const l of logging) assert.strictEqual(l.inputs.targetBucket, `${logBucket.name}-abc123`);
        const logPolicy = JSON.parse(of(asset, "bucketPolicy:BucketPolicy", "asset-management-access-logs").inputs.policy);
        assert.ok(logPolicy.Statement.some((s: any) => s.Principal?.Service === "logging.s3.amazonaws.com"));
    });

    it("tiers Asset Management's files and backups hot → warm → cold (→ archive) as the spec says", () => {
        const transitions = (name: string) =>
            of(asset, "bucketLifecycleConfiguration:BucketLifecycleConfiguration", name).inputs.rules.find((r: any) => r.id === "tiers")
                .transitions;
        assert.deepStrictEqual(transitions("asset-management-files"), [
            { days: 30, storageClass: "STANDARD_IA" },
            { days: 180, storageClass: "GLACIER_IR" },
        ]);
        assert.deepStrictEqual(transitions("asset-management-backups"), [
            { days: 30, storageClass: "STANDARD_IA" },
            { days: 90, storageClass: "GLACIER" },
            { days: 365, storageClass: "DEEP_ARCHIVE" },
        ]);
        const offsite = of(auromart, "bucketLifecycleConfiguration:BucketLifecycleConfiguration", "auromart-offsite").inputs.rules.find(
            (r: any) => r.id === "tiers",
        );
        assert.deepStrictEqual(offsite.transitions, [{ days: 30, storageClass: "GLACIER" }]);
        assert.deepStrictEqual(offsite.expiration, { days: 365 });
        for (const l of asset.ofType("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")) {
            assert.ok(
                l.inputs.rules.some((r: any) => r.abortIncompleteMultipartUpload?.daysAfterInitiation === 7),
                l.name,
            );
        }
    });

    it("refuses transitions S3 would refuse", () => {
        assert.throws(
            () => lifecycleRules({ name: "x", purpose: "media", versioned: true, lifecycle: [{ afterDays: 10, tier: "warm" }] }, 30),
            /afterDays of 30 or more/,
        );
        assert.throws(
            () =>
                lifecycleRules(
                    { name: "x", purpose: "media", versioned: true, lifecycle: [{ afterDays: 60, tier: "cold" }], expireAfterDays: 30 },
                    30,
                ),
            /expireAfterDays/,
        );
        assert.strictEqual(storageClass("cold", "documents"), "GLACIER_IR");
    });

    it("gives a static bucket CloudFront serves an origin access control, its own key, and lets only the system's distribution read and decrypt it", () => {
        const { plan, bindings } = mealkitz;
        const oac = plan.one("aws:cloudfront/originAccessControl:OriginAccessControl", "mealkitz-assets");
        assert.strictEqual(oac.inputs.signingBehavior, "always");
        assert.strictEqual(oac.inputs.originAccessControlOriginType, "s3");
        const cf = JSON.parse(of(plan, "bucketPolicy:BucketPolicy", "mealkitz-assets").inputs.policy).Statement.find(
            (s: any) => s.Principal?.Service === "cloudfront.amazonaws.com",
        );
        assert.strictEqual(cf.Action, "s3:GetObject");
        assert.deepStrictEqual(cf.Condition, { StringEquals: { "AWS:SourceArn": DISTRIBUTION } });
        // SSE-KMS objects are readable through OAC only if the key lets that distribution decrypt: the static bucket's key does, the data key does not.
        const sse = of(plan, "bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "mealkitz-assets").inputs
            .rules[0].applyServerSideEncryptionByDefault;
        assert.deepStrictEqual(
            [sse.sseAlgorithm, sse.kmsMasterKeyId],
            ["aws:kms", "arn:aws:kms:us-east-1:123456789012:key/mealkitz-static-assets"],
        );
        const keyPolicy = (key: string) => JSON.parse(plan.one("aws:kms/key:Key", key).inputs.policy).Statement;
        const decrypt = keyPolicy("mealkitz-static-assets").find((s: any) => s.Principal?.Service === "cloudfront.amazonaws.com");
        assert.deepStrictEqual([decrypt.Action, decrypt.Condition], ["kms:Decrypt", { StringEquals: { "AWS:SourceArn": [DISTRIBUTION] } }]);
        assert.ok(!JSON.stringify(keyPolicy("mealkitz-data")).includes("cloudfront"), "the data key admits no CloudFront distribution");
        // The services that write the bucket may use its key.
        assert.strictEqual(
            (bindings.assets.taskPolicyStatements as any[]).find((s) => s.Sid === "S3Kmsassets").Resource,
            "arn:aws:kms:us-east-1:123456789012:key/mealkitz-static-assets",
        );
        assert.ok(bindings.assets.cdnOrigin);
        assert.strictEqual(plan.ofType("aws:cloudfront/originAccessControl:OriginAccessControl").length, 1);
    });

    it("gives CloudFront nothing where it serves no bucket: a static bucket a route claims (MDC's /static), or no CDN", async () => {
        const plain = await planData("mealkitz", { overrides: { edge: { cdn: false } } });
        for (const [{ plan, bindings, system }, bucket] of [
            [mdc, "static"],
            [plain, "assets"],
        ] as const) {
            assert.strictEqual(plan.ofType("aws:cloudfront/originAccessControl:OriginAccessControl").length, 0);
            assert.ok(!plan.ofType("aws:kms/key:Key").some((k) => k.inputs.policy.includes("cloudfront")));
            assert.ok(!of(plan, "bucketPolicy:BucketPolicy", `${system.name}-${bucket}`).inputs.policy.includes("cloudfront"));
            assert.strictEqual(bindings[bucket].cdnOrigin, undefined);
        }
    });

    it("gives services the bucket name as a plain variable and their task role only that bucket and its key", () => {
        const b = mdc.bindings.media;
        assert.deepStrictEqual(Object.keys(b.environment).sort(), ["MEDIA_BUCKET", "STORAGE_BUCKET"]);
        assert.deepStrictEqual(b.secrets, {});
        const resources = (b.taskPolicyStatements as any[]).map((s) => s.Resource);
        assert.deepStrictEqual(resources.slice(0, 2), [
            `arn:aws:s3:::${b.environment.MEDIA_BUCKET}`,
            `arn:aws:s3:::${b.environment.MEDIA_BUCKET}/*`,
        ]);
    });
});
