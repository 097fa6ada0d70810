/**
 * The AWS network tier: a VPC over two or more availability zones with three kinds of subnets —
 * public (the load balancer and NAT gateways only), private (the ECS services, egress through NAT)
 * and isolated (the datastores, no route to the internet at all) — VPC flow logs to an encrypted
 * S3 bucket, the default security group stripped of every rule, and one security group per
 * load balancer, service and datastore that admits exactly the flows the system spec implies.
 * The load balancer takes 80/443 from the internet or, when CloudFront is in front (`edge.cdn`),
 * 443 from CloudFront's origin-facing prefix list only.
 *
 * The constructor is a table of contents; each part is a file of network/ — subnets.ts, nat.ts,
 * endpoints.ts, flow-logs.ts, security-groups.ts — whose functions register their resources under
 * this component with the names they always had, so no URN changed.
 */
import type * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { awsTags } from "../shared/naming";
import type { AwsNetworkInfo } from "./contract";
import { problemOf } from "./common";
import { createInterfaceEndpoints, createS3GatewayEndpoint, internetHttpsReason } from "./network/endpoints";
import { vpcFlowLogs } from "./network/flow-logs";
import { createNatGateways, natGatewayCount } from "./network/nat";
import { securityGroupKit, type NetworkPart } from "./network/part";
import { createDatastoreGroups, createLoadBalancerGroups, createServiceGroups } from "./network/security-groups";
import { availabilityZoneCount, createVpc, DEFAULT_VPC_CIDR, findSubnets, type SubnetTier, type VpcSubnets } from "./network/subnets";
import type { Problem } from "../../conventions/problems";
import type { PlatformSettings, SystemFacts, SystemPlan } from "../../plan";

/** What the AWS network cannot build: fewer than two or more than six availability zones. */
export function networkProblems(plan: SystemFacts, settings: Pick<PlatformSettings, "azCount">): Problem[] {
    return problemOf("tierform:azCount", () => {
        const n = availabilityZoneCount(plan, settings.azCount);
        if (n > 6) throw new Error(`tierform:azCount asks for ${n} availability zones; at most 6 are supported`);
    });
}

/** Arguments of {@link AwsNetwork}. */
export interface AwsNetworkArgs {
    /** The system's plan: its services, routes, edge and datastores decide the security groups. */
    plan: SystemPlan;
    /**
     * An existing VPC to deploy into. Its subnets are found by the tag `subnet-tier` =
     * `public` | `private` | `isolated`; each tier needs at least `azCount` subnets, one per zone,
     * with routes already in place (the program does not touch them, nor the default security group).
     * @default "" (a new VPC is created)
     */
    vpcId?: string;
    /**
     * Availability zones to span.
     * @default 0 (3 in prod, 2 elsewhere)
     */
    azCount?: number;
    /**
     * One NAT gateway for the whole VPC instead of one per zone (`tierform:singleNatGateway`; its
     * cost and risk are in its description). Outside prod (no Multi-AZ) there is always one.
     * @default false
     */
    singleNatGateway?: boolean;
    /**
     * CIDR block of a new VPC (a /16).
     * @default "10.0.0.0/16"
     */
    cidrBlock?: string;
    /**
     * A security group per service (ECS tasks carry their own): the load balancer's, datastores' and VPC endpoints'
     * rules name them. False on the EKS placement, whose pods carry the cluster's security group and are admitted by
     * its rules (components/eks/network.ts); no interface endpoints here then: the placement builds its own, admitting
     * the cluster's security group, which exists only after this network (components/eks/endpoints.ts).
     * @default true
     */
    taskSecurityGroups?: boolean;
    /**
     * Days flow logs are kept.
     * @default the environment profile's logRetentionDays
     */
    logRetentionDays?: number;
    /**
     * The services' ECS tasks run the ADOT trace collector, pulled from ECR Public and sending to X-Ray (service/tracing.ts), so
     * they keep HTTPS out (network/endpoints.ts internetHttpsReason).
     * @default false
     */
    tracedTasks?: boolean;
}

/** VPC, subnets, routes, flow logs and security groups. Type token `tierform:aws:Network`. */
export class AwsNetwork extends pulumi.ComponentResource {
    readonly vpcId: pulumi.Output<string>;
    readonly vpcCidr: pulumi.Output<string>;
    readonly publicSubnetIds: pulumi.Output<string>[];
    readonly privateSubnetIds: pulumi.Output<string>[];
    readonly isolatedSubnetIds: pulumi.Output<string>[];
    /** Security group of the load balancer: 80/443 from anywhere (443 from CloudFront only behind a CDN), egress only to the web services' ports. */
    readonly albSecurityGroupId: pulumi.Output<string>;
    /** Security group of the internal load balancer: 443 from the private routes' allowCidrs only; undefined without such routes. */
    readonly internalAlbSecurityGroupId?: pulumi.Output<string>;
    /** Security group of each service by spec name. */
    readonly serviceSecurityGroupIds: Record<string, pulumi.Output<string>>;
    /** Security group of each database and cache by spec name (queues and buckets have none). */
    readonly datastoreSecurityGroupIds: Record<string, pulumi.Output<string>>;
    /**
     * The CIDR blocks of one tier's subnets, one per zone: where that tier's network interfaces take their addresses from
     * (the load balancers' in the public subnets, the internal one's in the private: components/eks/network.ts admits them).
     */
    readonly subnetCidrs: (tier: SubnetTier) => pulumi.Output<string>[];
    /** What the data tier needs (see contract.ts). */
    readonly info: AwsNetworkInfo;
    /** The NAT gateways' public addresses (none in an existing VPC, whose gateways the program does not know). */
    readonly natPublicIps: pulumi.Output<string>[] = [];

    constructor(name: string, args: AwsNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("tierform:aws:Network", name, {}, opts);
        const { plan } = args;
        const part: NetworkPart = { name, plan, tags: awsTags(plan, "network"), parent: this };
        const azCount = availabilityZoneCount(plan, args.azCount);
        const existingVpc = Boolean(args.vpcId);

        let network: VpcSubnets;
        let s3Endpoint: aws.ec2.VpcEndpoint | undefined;
        if (args.vpcId) {
            // An existing VPC: find its subnets by tag, one per zone and tier; its routes, endpoints and flow logs are its own.
            network = findSubnets(part, args.vpcId, azCount);
        } else {
            const vpc = createVpc(part, azCount, args.cidrBlock ?? DEFAULT_VPC_CIDR);
            const nat = createNatGateways(part, vpc, natGatewayCount(part, azCount, args.singleNatGateway));
            this.natPublicIps = nat.publicIps;
            s3Endpoint = createS3GatewayEndpoint(part, vpc.vpc.id, nat.routeTables);
            vpcFlowLogs(
                `${name}-flow-logs`,
                {
                    system: plan,
                    vpcId: vpc.vpc.id,
                    bucketPrefixParts: [plan.name, plan.environment, "flow-logs"],
                    retentionInDays: args.logRetentionDays ?? plan.observability.logRetentionDays,
                },
                { parent: this },
            );
            network = {
                vpcId: vpc.vpc.id,
                vpcCidr: vpc.vpc.cidrBlock,
                subnetIds: {
                    public: vpc.subnets.public.map((s) => s.id),
                    private: vpc.subnets.private.map((s) => s.id),
                    isolated: vpc.subnets.isolated.map((s) => s.id),
                },
                subnetCidrs: (tier) => vpc.subnets[tier].map((s) => s.cidrBlock),
            };
        }
        this.vpcId = network.vpcId;
        this.vpcCidr = network.vpcCidr;
        this.publicSubnetIds = network.subnetIds.public;
        this.privateSubnetIds = network.subnetIds.private;
        this.isolatedSubnetIds = network.subnetIds.isolated;
        this.subnetCidrs = network.subnetCidrs;

        // Security groups: one per load balancer, service and port-bearing datastore; rules as separate resources.
        const kit = securityGroupKit(part, this.vpcId);
        const lbs = createLoadBalancerGroups(part, kit);
        const traced = args.tracedTasks ?? false;
        const services = args.taskSecurityGroups === false ? {} : createServiceGroups(part, kit, lbs, existingVpc, traced);
        const closed = Object.values(plan.services).filter((svc) => services[svc.name] && !internetHttpsReason(svc, existingVpc, traced));
        if (closed.length > 0 && s3Endpoint)
            createInterfaceEndpoints(part, kit, {
                vpcId: this.vpcId,
                privateSubnetIds: this.privateSubnetIds,
                closed,
                serviceGroups: services,
                s3Endpoint,
            });
        // The plan's datastores, in creation order: each one's group admits its provisioner's port from its users.
        const datastores = createDatastoreGroups(part, kit, services, Object.values(plan.datastores));

        this.albSecurityGroupId = lbs.alb.id;
        this.internalAlbSecurityGroupId = lbs.internalAlb?.id;
        this.serviceSecurityGroupIds = Object.fromEntries(Object.entries(services).map(([k, g]) => [k, g.id]));
        this.datastoreSecurityGroupIds = Object.fromEntries(Object.entries(datastores).map(([k, g]) => [k, g.id]));
        this.info = {
            vpcId: this.vpcId,
            vpcCidr: this.vpcCidr,
            publicSubnetIds: this.publicSubnetIds,
            privateSubnetIds: this.privateSubnetIds,
            isolatedSubnetIds: this.isolatedSubnetIds,
            datastoreSecurityGroupIds: this.datastoreSecurityGroupIds,
            serviceSecurityGroupIds: this.serviceSecurityGroupIds,
        };
        this.registerOutputs({
            vpcId: this.vpcId,
            publicSubnetIds: this.publicSubnetIds,
            privateSubnetIds: this.privateSubnetIds,
            isolatedSubnetIds: this.isolatedSubnetIds,
            albSecurityGroupId: this.albSecurityGroupId,
        });
    }
}
