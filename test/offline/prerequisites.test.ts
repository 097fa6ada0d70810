/**
 * The prod plan's prerequisites (scripts/offline/prerequisites-aws.ts), computed from what the plan
 * registers, against the spec they come from: Fargate vCPU from each service's replicas and task
 * size, Elastic IPs and NAT gateways from the zones, and tierform:singleNatGateway's one gateway.
 */
import * as assert from "assert";
import { loadStack, presetNames } from "../../model";
import { planSystem } from "../../plan";
import { fargateSize } from "../../components/aws/service";
import { AWS_QUOTAS, awsPrerequisites, renderAwsPrerequisites } from "../../scripts/offline/prerequisites-aws";
import { planStack, stackConfig } from "../harness";

describe("prod prerequisites: what the account needs before the first up", function () {
    this.timeout(300000);

    for (const preset of presetNames()) {
        it(`${preset}: steady Fargate vCPU is the spec's replicas × task size; one Elastic IP per NAT gateway, one gateway per zone`, async () => {
            const plan = await planStack({ stack: "prod", system: preset });
            const { system } = loadStack(stackConfig({ stack: "prod", system: preset }));
            const services = planSystem(system, "aws").services;
            const expected = Object.values(system.services).reduce(
                (n, s) => n + services[s.name].replicas.min * (fargateSize(s.resources.cpu, s.resources.memoryMb).cpu / 1024),
                0,
            );
            const p = awsPrerequisites(plan.run);
            assert.strictEqual(p.vcpu.steady, expected);
            assert.strictEqual(p.fargate.length, Object.keys(system.services).length);
            assert.ok(p.vcpu.steadySurge > p.vcpu.steady && p.vcpu.maxSurge >= p.vcpu.max, "a deployment's surge needs more");
            const main = p.perRegion["us-east-1"];
            assert.deepStrictEqual([main.natGateways, main.elasticIps, main.vpcs], [3, 3, 1]);
            const text = renderAwsPrerequisites(p);
            assert.match(
                text,
                new RegExp(
                    `Fargate vCPU \\(fargate L-3032A538, default ${AWS_QUOTAS.fargateVcpu.default} per region\\): ${expected} steady`,
                ),
            );
            assert.match(
                text,
                /us-east-1: 3 Elastic IPs .*a second stack like this in us-east-1 would exceed it.*tierform:singleNatGateway/,
            );
        });
    }

    it("MealKitz needs 15 vCPU steady, above a new account's 6, and says so; its CloudFront distribution needs the account verified", async () => {
        const plan = await planStack({ stack: "prod", system: "mealkitz" });
        const p = awsPrerequisites(plan.run);
        assert.strictEqual(p.vcpu.steady, 15);
        const text = renderAwsPrerequisites(p);
        assert.match(
            text,
            /15 steady, \d+ while every service deploys at once — above the default 6: request an increase of fargate L-3032A538/,
        );
        assert.match(text, /CloudFront: a new account cannot create its first distribution until AWS verifies the account/);
        // The DR region holds the replica's VPC and DB instance, counted against that region's quotas.
        assert.deepStrictEqual(p.perRegion["us-west-2"], { elasticIps: 0, natGateways: 0, vpcs: 1, dbInstances: 1 });
    });

    it("tierform:singleNatGateway: one NAT gateway and one Elastic IP, every private subnet routed through it", async () => {
        const plan = await planStack({ stack: "prod", system: "auromart", config: { "tierform:singleNatGateway": "true" } });
        const nats = plan.ofType("aws:ec2/natGateway:NatGateway");
        assert.strictEqual(nats.length, 1);
        assert.strictEqual(plan.ofType("aws:ec2/eip:Eip").length, 1);
        const privateRoutes = plan.ofType("aws:ec2/routeTable:RouteTable").filter((r) => /private-rt/.test(r.name));
        assert.strictEqual(privateRoutes.length, 3);
        for (const rt of privateRoutes) assert.strictEqual(rt.inputs.routes[0].natGatewayId, `${nats[0].name}-id`);
        assert.deepStrictEqual(awsPrerequisites(plan.run).perRegion["us-east-1"].natGateways, 1);
    });
});
