/**
 * The private subnets' way out: NAT gateways in the public subnets (one per zone with Multi-AZ,
 * else one; `tierform:singleNatGateway` keeps one anyway), each with an Elastic IP, and one route
 * table per private subnet sending 0.0.0.0/0 to its zone's gateway, or the single one.
 */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { SUBNET_TIER_TAG, type NewVpc } from "./subnets";
import { nameTag, type NetworkPart } from "./part";

/** How many NAT gateways the VPC gets: one per zone with Multi-AZ unless `singleNatGateway`, else one. */
export function natGatewayCount(part: NetworkPart, azCount: number, singleNatGateway?: boolean): number {
    return part.plan.profile.multiAz && !singleNatGateway ? azCount : 1;
}

/**
 * The NAT gateways and the private subnets' route tables (which the S3 gateway endpoint joins:
 * endpoints.ts), and the gateways' public addresses: what the private subnets' requests to a public
 * address come from (the load balancer's test listeners admit only them: rollout-hook.ts).
 */
export function createNatGateways(
    part: NetworkPart,
    vpc: NewVpc,
    count: number,
): { routeTables: aws.ec2.RouteTable[]; publicIps: pulumi.Output<string>[] } {
    const { name, tags } = part;
    const opt = { parent: part.parent };
    const nats: aws.ec2.NatGateway[] = [];
    const publicIps: pulumi.Output<string>[] = [];
    for (let i = 0; i < count; i++) {
        const eip = new aws.ec2.Eip(
            `${name}-nat-${i + 1}`,
            { domain: "vpc", tags: { ...tags, Name: nameTag(part, "nat", String(i + 1)) } },
            opt,
        );
        publicIps.push(eip.publicIp);
        nats.push(
            new aws.ec2.NatGateway(
                `${name}-nat-${i + 1}`,
                {
                    allocationId: eip.id,
                    subnetId: vpc.subnets.public[i].id,
                    connectivityType: "public",
                    tags: { ...tags, Name: nameTag(part, "nat", String(i + 1)) },
                },
                { parent: part.parent, dependsOn: [vpc.internetGateway] },
            ),
        );
    }
    const routeTables = vpc.subnets.private.map((subnet, i) => {
        // Private subnets reach the internet (image pulls, AWS APIs) only through their zone's NAT gateway, or the single one.
        const privateRoutes = new aws.ec2.RouteTable(
            `${name}-private-rt-${i + 1}`,
            {
                vpcId: vpc.vpc.id,
                routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: nats[i % nats.length].id }],
                tags: { ...tags, Name: nameTag(part, "private", String(i + 1)), [SUBNET_TIER_TAG]: "private" },
            },
            opt,
        );
        new aws.ec2.RouteTableAssociation(`${name}-private-rta-${i + 1}`, { subnetId: subnet.id, routeTableId: privateRoutes.id }, opt);
        return privateRoutes;
    });
    return { routeTables, publicIps };
}
