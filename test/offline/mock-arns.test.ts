import { strict as assert } from "assert";
import { planStack } from "../harness";

/** Every string under `value` that is an ARN. */
function arns(value: unknown): string[] {
    if (typeof value === "string") return value.startsWith("arn:aws:") ? [value] : [];
    if (Array.isArray(value)) return value.flatMap(arns);
    if (value && typeof value === "object") return Object.values(value).flatMap(arns);
    return [];
}

describe("offline engine: mock ARNs name the resource's own region", function () {
    this.timeout(600_000);

    it("MealKitz prod with recovery.crossRegion: the backup copies go to a vault whose ARN names the DR region (us-west-2)", async () => {
        const prod = await planStack({ stack: "prod", system: "mealkitz" });
        // The copy action's destination is the DR vault's ARN, as the mock engine computed it.
        const destinations = prod
            .ofType("aws:backup/plan:Plan")
            .flatMap((p) => arns((p.inputs.rules ?? []).map((r: { copyActions?: unknown }) => r.copyActions ?? [])));
        assert.ok(destinations.length > 0, "the backup plan copies to the DR region");
        for (const arn of destinations) assert.match(arn, /^arn:aws:backup:us-west-2:\d{12}:/);
        // And the primary region's resources still name us-east-1 (Pulumi.prod.yaml's aws:region).
        const primary = arns(prod.ofType("aws:ecs/service:Service").map((s) => s.inputs));
        assert.ok(primary.length > 0);
        for (const arn of primary) assert.doesNotMatch(arn, /us-west-2/);
        assert.ok(
            primary.some((arn) => arn.includes(":us-east-1:")),
            primary.join("\n"),
        );
    });

    it("MealKitz prod: the DR site's data sources answer in the DR region (zones, the region, ARNs built from them)", async () => {
        const prod = await planStack({ stack: "prod", system: "mealkitz" });
        const drProvider = prod.ofType("pulumi:providers:aws").find((p) => p.inputs.region === "us-west-2");
        assert.ok(drProvider, "a provider in the DR region");
        const inDr = (r: { provider?: string }) => r.provider?.startsWith(`${drProvider.urn}::`);
        // getAvailabilityZones through the DR provider: the isolated subnets sit in us-west-2's zones.
        const subnets = prod.ofType("aws:ec2/subnet:Subnet").filter(inDr);
        assert.ok(subnets.length >= 2, "the DR VPC's isolated subnets");
        for (const s of subnets) assert.match(String(s.inputs.availabilityZone), /^us-west-2[a-z]$/);
        // getRegion/getCallerIdentity/getPartition through the DR provider: the DR flow-log bucket's
        // policy limits delivery to log groups of us-west-2 (its aws:SourceArn).
        const policies = JSON.stringify(
            prod
                .ofType("aws:s3/bucketPolicy:BucketPolicy")
                .filter(inDr)
                .map((p) => p.inputs.policy),
        );
        assert.match(policies, /arn:aws:logs:us-west-2:\d{12}:/);
        assert.doesNotMatch(policies, /us-east-1/);
        // The primary site's still answer in us-east-1.
        const primary = prod.ofType("aws:ec2/subnet:Subnet").filter((s) => !inDr(s));
        assert.ok(primary.length > 0);
        for (const s of primary) assert.match(String(s.inputs.availabilityZone), /^us-east-1[a-z]$/);
    });
});
