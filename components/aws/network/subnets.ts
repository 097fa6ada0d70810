/**
 * The VPC and its subnets over two or more availability zones, three kinds per zone: public (the
 * load balancer and NAT gateways only), private (the ECS services, egress through NAT: nat.ts) and
 * isolated (the datastores, no route to the internet at all); the default security group stripped
 * of every rule. Or, for an existing VPC, its subnets found by tag.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { nameTag, type NetworkPart } from "./part";
import type { SystemFacts } from "../../../plan";

/** Subnet tiers, as the `subnet-tier` tag names them (also how an existing VPC's subnets are found). */
export type SubnetTier = "public" | "private" | "isolated";
/** The tag key that marks a subnet's tier. */
export const SUBNET_TIER_TAG = "subnet-tier";
/** Default CIDR block of a new VPC. */
export const DEFAULT_VPC_CIDR = "10.0.0.0/16";

/**
 * CIDR blocks of the subnets in availability zone `index` (0-5) of a /16: private /20s from
 * x.x.0.0 (4091 addresses each, for tasks), public /22s from x.x.128.0 and isolated /22s from
 * x.x.192.0.
 */
export function subnetCidrs(vpcCidr: string, index: number): Record<SubnetTier, string> {
    const m = /^(\d+)\.(\d+)\.0\.0\/16$/.exec(vpcCidr);
    if (!m) throw new Error(`the VPC CIDR must be a /16 such as 10.0.0.0/16, got '${vpcCidr}'`);
    if (index < 0 || index > 5) throw new Error(`at most 6 availability zones are supported, got index ${index}`);
    const prefix = `${m[1]}.${m[2]}`;
    return {
        private: `${prefix}.${index * 16}.0/20`,
        public: `${prefix}.${128 + index * 4}.0/22`,
        isolated: `${prefix}.${192 + index * 4}.0/22`,
    };
}

/** Availability zones a system spans: `azCount` when given, else 3 in prod and 2 elsewhere. */
export function availabilityZoneCount(system: SystemFacts, azCount = 0): number {
    const n = azCount > 0 ? azCount : system.environment === "prod" ? 3 : 2;
    if (n < 2)
        throw new Error(`tierform:azCount must be at least 2 on AWS (a load balancer and Multi-AZ datastores need two zones), got ${n}`);
    return n;
}

/** A VPC's id, CIDR block and subnet ids per tier (one per zone, in zone order). */
export interface VpcSubnets {
    vpcId: pulumi.Output<string>;
    vpcCidr: pulumi.Output<string>;
    subnetIds: Record<SubnetTier, pulumi.Output<string>[]>;
    /** Each subnet's CIDR block, by tier in the order of `subnetIds` (an existing VPC's looked up when first asked for). */
    subnetCidrs: (tier: SubnetTier) => pulumi.Output<string>[];
}

/** An existing VPC's subnets, found by the tag {@link SUBNET_TIER_TAG}: `azCount` per tier, the first by id. */
export function findSubnets(part: NetworkPart, vpcId: string, azCount: number): VpcSubnets {
    const opt = { parent: part.parent };
    const vpc = aws.ec2.getVpcOutput({ id: vpcId }, opt);
    const lookup = (tier: SubnetTier) => {
        const found = aws.ec2.getSubnetsOutput(
            {
                filters: [
                    { name: "vpc-id", values: [vpcId] },
                    { name: `tag:${SUBNET_TIER_TAG}`, values: [tier] },
                ],
            },
            opt,
        );
        return Array.from({ length: azCount }, (_, i) =>
            found.ids.apply((ids) => {
                const sorted = [...ids].sort();
                if (sorted.length < azCount) {
                    throw new Error(
                        `VPC ${vpcId} has ${sorted.length} subnets tagged ${SUBNET_TIER_TAG}=${tier}; ${azCount} are needed (one per availability zone)`,
                    );
                }
                return sorted[i];
            }),
        );
    };
    const subnetIds = { public: lookup("public"), private: lookup("private"), isolated: lookup("isolated") };
    return {
        vpcId: pulumi.output(vpcId),
        vpcCidr: vpc.cidrBlock,
        subnetIds,
        subnetCidrs: (tier) => subnetIds[tier].map((id) => aws.ec2.getSubnetOutput({ id }, opt).cidrBlock),
    };
}

/** A new VPC: its subnets, and what NAT (nat.ts) attaches to — the internet gateway. */
export interface NewVpc {
    vpc: aws.ec2.Vpc;
    internetGateway: aws.ec2.InternetGateway;
    subnets: Record<SubnetTier, aws.ec2.Subnet[]>;
}

/**
 * A new VPC of `cidrBlock` over `azCount` zones: the default security group with no rules; the
 * public subnets routed to an internet gateway; the isolated ones with the implicit local route
 * only; the private ones left for nat.ts to route. No subnet hands out public addresses.
 */
export function createVpc(part: NetworkPart, azCount: number, cidrBlock: string): NewVpc {
    const { name, tags } = part;
    const opt = { parent: part.parent };
    const zones = aws.getAvailabilityZonesOutput(
        { state: "available", filters: [{ name: "opt-in-status", values: ["opt-in-not-required"] }] },
        opt,
    );
    const vpc = new aws.ec2.Vpc(
        `${name}-vpc`,
        { cidrBlock, enableDnsHostnames: true, enableDnsSupport: true, tags: { ...tags, Name: nameTag(part, "vpc") } },
        opt,
    );
    // Closed by default: the default security group keeps no rules at all.
    new aws.ec2.DefaultSecurityGroup(
        `${name}-default-sg`,
        { vpcId: vpc.id, tags: { ...tags, Name: nameTag(part, "default-locked") } },
        opt,
    );

    const igw = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags: { ...tags, Name: nameTag(part, "igw") } }, opt);
    const publicRoutes = new aws.ec2.RouteTable(
        `${name}-public-rt`,
        {
            vpcId: vpc.id,
            routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }],
            tags: { ...tags, Name: nameTag(part, "public"), [SUBNET_TIER_TAG]: "public" },
        },
        opt,
    );
    // No `routes` but the implicit local one: the datastores cannot reach, or be reached from, the internet.
    const isolatedRoutes = new aws.ec2.RouteTable(
        `${name}-isolated-rt`,
        { vpcId: vpc.id, routes: [], tags: { ...tags, Name: nameTag(part, "isolated"), [SUBNET_TIER_TAG]: "isolated" } },
        opt,
    );

    const subnets: Record<SubnetTier, aws.ec2.Subnet[]> = { public: [], private: [], isolated: [] };
    for (let i = 0; i < azCount; i++) {
        const az = zones.names.apply((names) => {
            if (names.length < azCount)
                throw new Error(`the region has ${names.length} availability zones; tierform:azCount asks for ${azCount}`);
            return names[i];
        });
        const cidrs = subnetCidrs(cidrBlock, i);
        for (const tier of ["public", "private", "isolated"] as const) {
            subnets[tier].push(
                new aws.ec2.Subnet(
                    `${name}-${tier}-${i + 1}`,
                    {
                        vpcId: vpc.id,
                        cidrBlock: cidrs[tier],
                        availabilityZone: az,
                        // Even public subnets hand out no public IPs: only the ALB and NAT gateways (Elastic IPs) are public.
                        mapPublicIpOnLaunch: false,
                        tags: { ...tags, Name: nameTag(part, tier, String(i + 1)), [SUBNET_TIER_TAG]: tier },
                    },
                    opt,
                ),
            );
        }
        new aws.ec2.RouteTableAssociation(
            `${name}-public-rta-${i + 1}`,
            { subnetId: subnets.public[i].id, routeTableId: publicRoutes.id },
            opt,
        );
        new aws.ec2.RouteTableAssociation(
            `${name}-isolated-rta-${i + 1}`,
            { subnetId: subnets.isolated[i].id, routeTableId: isolatedRoutes.id },
            opt,
        );
    }
    return { vpc, internetGateway: igw, subnets };
}
