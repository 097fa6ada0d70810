/**
 * The AWS network tier: a VPC over two or more availability zones with three kinds of subnets —
 * public (the load balancer and NAT gateways only), private (the ECS services, egress through NAT)
 * and isolated (the datastores, no route to the internet at all) — VPC flow logs to an encrypted
 * S3 bucket, the default security group stripped of every rule, and one security group per
 * load balancer, service and datastore that admits exactly the flows the system spec implies.
 * The load balancer takes 80/443 from the internet or, when CloudFront is in front (`edge.cdn`),
 * 443 from CloudFront's origin-facing prefix list only.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { Problem, Service, Settings, System } from "../../model";
import { datastoreKind, datastoreOf, datastoresOf, portOf, writablePathsOf } from "../../plan";
import { awsTags, resourceName } from "../shared/naming";
import type { AwsNetworkInfo } from "./contract";
import { awsNamePrefix, awsPlace, denyInsecureTransport, ec2Description, policyJson, problemOf } from "./common";
import { ecrRepositoryArn, VOLUME_PERMISSIONS_IMAGE } from "./service";

/** Subnet tiers, as the `subnet-tier` tag names them (also how an existing VPC's subnets are found). */
export type SubnetTier = "public" | "private" | "isolated";
/** The tag key that marks a subnet's tier. */
export const SUBNET_TIER_TAG = "subnet-tier";
/** The AWS-managed prefix list of CloudFront's addresses that connect to origins. */
export const CLOUDFRONT_ORIGIN_PREFIX_LIST = "com.amazonaws.global.cloudfront.origin-facing";
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

/** The port a datastore listens on, or undefined for those reached over AWS APIs (queues, buckets): the plan's table (plan/datastores.ts). */
export function datastorePort(system: System, name: string): number | undefined {
    const d = datastoreOf(system, name);
    return d && portOf(d, "aws");
}

/** Availability zones a system spans: `azCount` when given, else 3 in prod and 2 elsewhere. */
export function availabilityZoneCount(system: System, azCount = 0): number {
    const n = azCount > 0 ? azCount : system.environment === "prod" ? 3 : 2;
    if (n < 2)
        throw new Error(`tierform:azCount must be at least 2 on AWS (a load balancer and Multi-AZ datastores need two zones), got ${n}`);
    return n;
}

/**
 * Flow-log aggregation interval: 600 s, the coarser of the two EC2 allows (60 or 600; CreateFlowLogs
 * MaxAggregationInterval). Cost: ingestion is billed per GB whatever the interval, but ten-minute
 * records aggregate a chatty flow into one record instead of ten (fewer, larger records), which is
 * enough for the security review the seeds ask for.
 */
export const FLOW_LOG_INTERVAL_SECONDS = 600;

/**
 * The AWS services a Fargate task reaches on 443 for itself, each through an interface endpoint
 * when its egress is closed: ECR (`ecr.api`, `ecr.dkr`; the layers come from S3 through the gateway
 * endpoint), CloudWatch Logs (awslogs) and Secrets Manager (ECS `secrets`); SQS for a service that
 * uses a queue. From platform version 1.4.0 "all network traffic flows through" the task's network
 * interface, image pulls and secret retrieval included, so the task's security group must allow
 * them (ECS developer guide, "Migrating to Linux platform version 1.4.0":
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/platform-version-migration.html).
 * Cost: about $7.30 a month per endpoint per zone (us-east-1, $0.01/hour) plus $0.01/GB, so
 * they are built only for a system with a service that can use them.
 */
export const TASK_ENDPOINT_SERVICES = ["ecr.api", "ecr.dkr", "logs", "secretsmanager"] as const;

/** The images Fargate pulls for a service's task: its own and busybox (the volume-permissions and health-tools steps). */
export function taskImages(service: Service): string[] {
    // busybox: the volume-permissions step (the plan's writable paths: writablePaths and /tmp) and the `provided` health tool of an HTTP-checked web service (plan/service.ts healthOf).
    const httpChecked =
        service.kind === "web" && service.port !== undefined && Boolean(service.health.liveness ?? service.health.readiness);
    const busybox = writablePathsOf(service).length > 0 || (httpChecked && service.healthTool === "provided");
    return [service.image, ...(busybox ? [VOLUME_PERMISSIONS_IMAGE] : [])];
}

/**
 * Why a service keeps HTTPS to the internet (0.0.0.0/0:443), or undefined when it need not: its
 * spec opts in (`egress.internet` with 443), or Fargate pulls one of its images from a registry
 * outside ECR in the stack's region (ghcr.io, Docker Hub, ECR Public: CDN-fronted, with no
 * address ranges to name and no VPC endpoint; another region's ECR), or the VPC is an existing one whose endpoints the program
 * does not know.
 */
export function internetHttpsReason(
    service: Service,
    existingVpc: boolean,
    region = new pulumi.Config("aws").get("region"),
): string | undefined {
    if (service.egress.internet && service.egress.ports.includes(443)) return "its spec opts in (egress.internet)";
    // An ECR image of the stack's region (the interface endpoints are regional).
    const inRegionalEcr = (image: string) =>
        Boolean(ecrRepositoryArn(image)) && (!region || ecrRepositoryArn(image)!.split(":")[3] === region);
    const outside = taskImages(service).filter((image) => !inRegionalEcr(image));
    if (outside.length > 0)
        return `Fargate pulls ${outside.join(" and ")} through the task's network interface, from outside ECR in the stack's region`;
    if (existingVpc) return "the VPC is an existing one (tierform:vpcId), whose interface endpoints the program does not manage";
    return undefined;
}

/**
 * VPC flow logs of every flow (accepted and rejected) at ten-minute aggregation, delivered to an S3
 * bucket of their own: S3 storage costs a fraction of CloudWatch Logs ingestion ($0.50/GB) and
 * the S3 gateway endpoint keeps nothing of it on NAT. The bucket blocks all public access, owns
 * every object (ACLs off), is versioned (a deleted log is kept 30 more days), encrypts with SSE-S3 (AES-256; like the other log buckets, no key
 * policy for the delivery service to keep right), expires objects after `retentionInDays` (the
 * retention the log group had), accepts only TLS, and lets only the log-delivery service of this
 * account write under `AWSLogs/<account>/` (VPC user guide, "Amazon S3 bucket permissions for flow
 * logs": https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-s3-permissions.html). `opts`
 * carries the parent and, for another region, the provider.
 */
export function vpcFlowLogs(
    name: string,
    args: { system: System; vpcId: pulumi.Input<string>; bucketPrefixParts: string[]; retentionInDays: number },
    opts: pulumi.CustomResourceOptions,
): aws.ec2.FlowLog {
    const { system } = args;
    const tags = awsTags(system, "network");
    const place = awsPlace(opts);
    const prod = system.profile.deletionProtection;
    const bucket = new aws.s3.Bucket(
        `${name}-bucket`,
        { bucketPrefix: awsNamePrefix("bucket", args.bucketPrefixParts), forceDestroy: !prod, tags: { ...tags, purpose: "flow-logs" } },
        { ...opts, protect: prod, retainOnDelete: prod },
    );
    new aws.s3.BucketPublicAccessBlock(
        `${name}-bucket`,
        { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
        opts,
    );
    new aws.s3.BucketOwnershipControls(`${name}-bucket`, { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } }, opts);
    // Versioned, like every bucket (policy aws-s3-versioning): a deleted log stays recoverable for 30 days.
    new aws.s3.BucketVersioning(`${name}-bucket`, { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } }, opts);
    new aws.s3.BucketServerSideEncryptionConfiguration(
        `${name}-bucket`,
        { bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] },
        opts,
    );
    new aws.s3.BucketLifecycleConfiguration(
        `${name}-bucket`,
        {
            bucket: bucket.id,
            rules: [
                {
                    id: "expire-flow-logs",
                    status: "Enabled",
                    filter: {},
                    expiration: { days: args.retentionInDays },
                    noncurrentVersionExpiration: { noncurrentDays: 30 },
                    abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
                },
            ],
        },
        opts,
    );
    const sourceAccount = { "aws:SourceAccount": place.accountId };
    const sourceArn = { "aws:SourceArn": pulumi.interpolate`arn:${place.partition}:logs:${place.region}:${place.accountId}:*` };
    const policy = new aws.s3.BucketPolicy(
        `${name}-bucket`,
        {
            bucket: bucket.id,
            policy: policyJson([
                denyInsecureTransport("s3:*", [bucket.arn, pulumi.interpolate`${bucket.arn}/*`]),
                {
                    Sid: "FlowLogDeliveryWrite",
                    Effect: "Allow",
                    Principal: { Service: "delivery.logs.amazonaws.com" },
                    Action: "s3:PutObject",
                    Resource: pulumi.interpolate`${bucket.arn}/AWSLogs/${place.accountId}/*`,
                    Condition: { StringEquals: { "s3:x-amz-acl": "bucket-owner-full-control", ...sourceAccount }, ArnLike: sourceArn },
                },
                {
                    Sid: "FlowLogDeliveryAclCheck",
                    Effect: "Allow",
                    Principal: { Service: "delivery.logs.amazonaws.com" },
                    Action: "s3:GetBucketAcl",
                    Resource: bucket.arn,
                    Condition: { StringEquals: sourceAccount, ArnLike: sourceArn },
                },
            ]),
        },
        opts,
    );
    return new aws.ec2.FlowLog(
        name,
        {
            vpcId: args.vpcId,
            trafficType: "ALL",
            logDestinationType: "s3",
            logDestination: bucket.arn,
            maxAggregationInterval: FLOW_LOG_INTERVAL_SECONDS,
            tags,
        },
        // The delivery service must be admitted before the flow log is created (CreateFlowLogs checks the bucket).
        { ...opts, dependsOn: [policy] },
    );
}

/** What the AWS network cannot build: fewer than two or more than six availability zones. */
export function networkProblems(system: System, settings: Pick<Settings, "azCount">): Problem[] {
    return problemOf("tierform:azCount", () => {
        const n = availabilityZoneCount(system, settings.azCount);
        if (n > 6) throw new Error(`tierform:azCount asks for ${n} availability zones; at most 6 are supported`);
    });
}

/** Arguments of {@link AwsNetwork}. */
export interface AwsNetworkArgs {
    /** The resolved system: its services and datastores decide the security groups. */
    system: System;
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
     * Days flow logs are kept.
     * @default the environment profile's logRetentionDays
     */
    logRetentionDays?: number;
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
    /** What the data tier needs (see contract.ts). */
    readonly info: AwsNetworkInfo;

    constructor(name: string, args: AwsNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("tierform:aws:Network", name, {}, opts);
        const { system } = args;
        const tags = awsTags(system, "network");
        const azCount = availabilityZoneCount(system, args.azCount);
        const cidrBlock = args.cidrBlock ?? DEFAULT_VPC_CIDR;
        const opt = { parent: this };
        const label = (...parts: string[]) => resourceName([system.name, ...parts]);

        let s3Endpoint: aws.ec2.VpcEndpoint | undefined;
        if (args.vpcId) {
            // An existing VPC: find its subnets by tag, one per zone and tier.
            const vpc = aws.ec2.getVpcOutput({ id: args.vpcId }, opt);
            this.vpcId = pulumi.output(args.vpcId);
            this.vpcCidr = vpc.cidrBlock;
            const lookup = (tier: SubnetTier) => {
                const found = aws.ec2.getSubnetsOutput(
                    {
                        filters: [
                            { name: "vpc-id", values: [args.vpcId!] },
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
                                `VPC ${args.vpcId} has ${sorted.length} subnets tagged ${SUBNET_TIER_TAG}=${tier}; ${azCount} are needed (one per availability zone)`,
                            );
                        }
                        return sorted[i];
                    }),
                );
            };
            this.publicSubnetIds = lookup("public");
            this.privateSubnetIds = lookup("private");
            this.isolatedSubnetIds = lookup("isolated");
        } else {
            const zones = aws.getAvailabilityZonesOutput(
                { state: "available", filters: [{ name: "opt-in-status", values: ["opt-in-not-required"] }] },
                opt,
            );
            const vpc = new aws.ec2.Vpc(
                `${name}-vpc`,
                { cidrBlock, enableDnsHostnames: true, enableDnsSupport: true, tags: { ...tags, Name: label("vpc") } },
                opt,
            );
            this.vpcId = vpc.id;
            this.vpcCidr = vpc.cidrBlock;

            // Closed by default: the default security group keeps no rules at all.
            new aws.ec2.DefaultSecurityGroup(
                `${name}-default-sg`,
                { vpcId: vpc.id, tags: { ...tags, Name: label("default-locked") } },
                opt,
            );

            const igw = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags: { ...tags, Name: label("igw") } }, opt);
            const publicRoutes = new aws.ec2.RouteTable(
                `${name}-public-rt`,
                {
                    vpcId: vpc.id,
                    routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }],
                    tags: { ...tags, Name: label("public"), [SUBNET_TIER_TAG]: "public" },
                },
                opt,
            );
            // No `routes` but the implicit local one: the datastores cannot reach, or be reached from, the internet.
            const isolatedRoutes = new aws.ec2.RouteTable(
                `${name}-isolated-rt`,
                { vpcId: vpc.id, routes: [], tags: { ...tags, Name: label("isolated"), [SUBNET_TIER_TAG]: "isolated" } },
                opt,
            );

            const natCount = system.profile.multiAz && !args.singleNatGateway ? azCount : 1;
            const subnets: Record<SubnetTier, aws.ec2.Subnet[]> = { public: [], private: [], isolated: [] };
            const nats: aws.ec2.NatGateway[] = [];
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
                                tags: { ...tags, Name: label(tier, String(i + 1)), [SUBNET_TIER_TAG]: tier },
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
                if (i < natCount) {
                    const eip = new aws.ec2.Eip(
                        `${name}-nat-${i + 1}`,
                        { domain: "vpc", tags: { ...tags, Name: label("nat", String(i + 1)) } },
                        opt,
                    );
                    nats.push(
                        new aws.ec2.NatGateway(
                            `${name}-nat-${i + 1}`,
                            {
                                allocationId: eip.id,
                                subnetId: subnets.public[i].id,
                                connectivityType: "public",
                                tags: { ...tags, Name: label("nat", String(i + 1)) },
                            },
                            { parent: this, dependsOn: [igw] },
                        ),
                    );
                }
            }
            const privateRouteTables: aws.ec2.RouteTable[] = [];
            for (let i = 0; i < azCount; i++) {
                // Private subnets reach the internet (image pulls, AWS APIs) only through their zone's NAT gateway, or the single one.
                const privateRoutes = new aws.ec2.RouteTable(
                    `${name}-private-rt-${i + 1}`,
                    {
                        vpcId: vpc.id,
                        routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: nats[i % nats.length].id }],
                        tags: { ...tags, Name: label("private", String(i + 1)), [SUBNET_TIER_TAG]: "private" },
                    },
                    opt,
                );
                new aws.ec2.RouteTableAssociation(
                    `${name}-private-rta-${i + 1}`,
                    { subnetId: subnets.private[i].id, routeTableId: privateRoutes.id },
                    opt,
                );
                privateRouteTables.push(privateRoutes);
            }
            // S3 through a gateway endpoint (free) instead of the NAT gateways ($0.045/GB processed): uploads, media, backups,
            // and ECR's image layers, which ECR serves from S3. Interface endpoints (about $7.30 a month per zone each) pay only
            // at high volume, so the other AWS APIs stay on the NAT gateways.
            s3Endpoint = new aws.ec2.VpcEndpoint(
                `${name}-s3`,
                {
                    vpcId: vpc.id,
                    serviceName: pulumi.interpolate`com.amazonaws.${awsPlace(opt).region}.s3`,
                    vpcEndpointType: "Gateway",
                    routeTableIds: privateRouteTables.map((t) => t.id),
                    tags: { ...tags, Name: label("s3") },
                },
                opt,
            );
            this.publicSubnetIds = subnets.public.map((s) => s.id);
            this.privateSubnetIds = subnets.private.map((s) => s.id);
            this.isolatedSubnetIds = subnets.isolated.map((s) => s.id);

            const retentionInDays = args.logRetentionDays ?? system.profile.logRetentionDays;
            vpcFlowLogs(
                `${name}-flow-logs`,
                { system, vpcId: vpc.id, bucketPrefixParts: [system.name, system.environment, "flow-logs"], retentionInDays },
                opt,
            );
        }

        // Security groups: one per load balancer, service and port-bearing datastore; rules as separate resources.
        // EC2 refuses descriptions outside its character set (see ec2Description), after the VPC and keys exist.
        const group = (key: string, description: string) =>
            new aws.ec2.SecurityGroup(
                `${name}-${key}`,
                {
                    vpcId: this.vpcId,
                    description: ec2Description(description),
                    revokeRulesOnDelete: true,
                    tags: { ...tags, Name: label(key) },
                },
                opt,
            );
        const ingress = (key: string, args: Omit<aws.vpc.SecurityGroupIngressRuleArgs, "ipProtocol"> & { description: string }) =>
            new aws.vpc.SecurityGroupIngressRule(
                `${name}-${key}`,
                { ipProtocol: "tcp", ...args, description: ec2Description(args.description), tags },
                opt,
            );
        const egress = (key: string, args: Omit<aws.vpc.SecurityGroupEgressRuleArgs, "ipProtocol"> & { description: string }) =>
            new aws.vpc.SecurityGroupEgressRule(
                `${name}-${key}`,
                { ipProtocol: "tcp", ...args, description: ec2Description(args.description), tags },
                opt,
            );

        const alb = group(
            "alb",
            system.edge.cdn
                ? `${system.name} load balancer: HTTPS from CloudFront only, out only to the web services`
                : `${system.name} load balancer: HTTP/HTTPS from the internet, out only to the web services`,
        );
        if (system.edge.cdn) {
            // Behind CloudFront the internet's edge is CloudFront: the load balancer admits only its origin-facing addresses, on HTTPS
            // (CloudFront reaches the origin https-only). A prefix-list rule weighs ~55 of a group's 60 rules, so there is no port 80 rule.
            const cloudFront = aws.ec2.getManagedPrefixListOutput({ name: CLOUDFRONT_ORIGIN_PREFIX_LIST }, opt);
            ingress("alb-in-https-cloudfront", {
                securityGroupId: alb.id,
                fromPort: 443,
                toPort: 443,
                prefixListId: cloudFront.id,
                description: "HTTPS from the CloudFront origin-facing prefix list",
            });
        } else {
            for (const [port, proto] of [
                [80, "http"],
                [443, "https"],
            ] as const) {
                ingress(`alb-in-${proto}-v4`, {
                    securityGroupId: alb.id,
                    fromPort: port,
                    toPort: port,
                    cidrIpv4: "0.0.0.0/0",
                    description: `${proto.toUpperCase()} from the internet (IPv4)`,
                });
                ingress(`alb-in-${proto}-v6`, {
                    securityGroupId: alb.id,
                    fromPort: port,
                    toPort: port,
                    cidrIpv6: "::/0",
                    description: `${proto.toUpperCase()} from the internet (IPv6)`,
                });
            }
        }

        // The internal load balancer of the routes for private networks only (allowCidrs, e.g. AuroMart's /admin): HTTPS from
        // exactly those ranges (reached over a VPN, Direct Connect or peering), out only to the services it routes to.
        const privateRoutes = system.edge.routes.filter((r) => r.allowCidrs?.length);
        const privateServices = new Set(privateRoutes.map((r) => r.service));
        const internalAlb = privateRoutes.length
            ? group(
                  "alb-internal",
                  `${system.name} internal load balancer: HTTPS from the private ranges of its routes only, out only to ${[...privateServices].join(", ")}`,
              )
            : undefined;
        if (internalAlb) {
            for (const cidr of [...new Set(privateRoutes.flatMap((r) => r.allowCidrs!))]) {
                const family = cidr.includes(":") ? { cidrIpv6: cidr } : { cidrIpv4: cidr };
                ingress(`alb-internal-in-${cidr.replace(/[^0-9a-fA-F]+/g, "-")}`, {
                    securityGroupId: internalAlb.id,
                    fromPort: 443,
                    toPort: 443,
                    ...family,
                    description: `HTTPS from ${cidr} (edge.routes allowCidrs)`,
                });
            }
        }

        const services: Record<string, aws.ec2.SecurityGroup> = {};
        for (const svc of Object.values(system.services)) {
            services[svc.name] = group(
                `svc-${svc.name}`,
                `${system.name} service ${svc.name}: ${svc.kind === "web" ? `port ${svc.port} from the load balancer only` : "no inbound traffic"}`,
            );
            if (svc.kind === "web" && svc.port) {
                ingress(`svc-${svc.name}-in-alb`, {
                    securityGroupId: services[svc.name].id,
                    referencedSecurityGroupId: alb.id,
                    fromPort: svc.port,
                    toPort: svc.port,
                    description: `port ${svc.port} from the load balancer`,
                });
                egress(`alb-out-${svc.name}`, {
                    securityGroupId: alb.id,
                    referencedSecurityGroupId: services[svc.name].id,
                    fromPort: svc.port,
                    toPort: svc.port,
                    description: `to service ${svc.name} on ${svc.port}`,
                });
            }
            if (internalAlb && privateServices.has(svc.name) && svc.port) {
                ingress(`svc-${svc.name}-in-alb-internal`, {
                    securityGroupId: services[svc.name].id,
                    referencedSecurityGroupId: internalAlb.id,
                    fromPort: svc.port,
                    toPort: svc.port,
                    description: `port ${svc.port} from the internal load balancer`,
                });
                egress(`alb-internal-out-${svc.name}`, {
                    securityGroupId: internalAlb.id,
                    referencedSecurityGroupId: services[svc.name].id,
                    fromPort: svc.port,
                    toPort: svc.port,
                    description: `to service ${svc.name} on ${svc.port}`,
                });
            }
            // HTTPS out: image pulls, Secrets Manager, CloudWatch Logs, S3, SQS. A service whose spec keeps it off the internet and
            // whose images are all in this account's ECR reaches them through the VPC endpoints only (below); any other keeps 443 to
            // the internet (internetHttpsReason says why, and the plan warns for a service whose spec says egress.internet false).
            if (internetHttpsReason(svc, Boolean(args.vpcId))) {
                egress(`svc-${svc.name}-out-https`, {
                    securityGroupId: services[svc.name].id,
                    cidrIpv4: "0.0.0.0/0",
                    fromPort: 443,
                    toPort: 443,
                    description: "HTTPS to AWS APIs and the image registry",
                });
            }
            // The spec's egress: further internet ports (SMTP 587, ...) only for a service that opts in.
            if (svc.egress.internet) {
                for (const port of svc.egress.ports.filter((p) => p !== 443)) {
                    egress(`svc-${svc.name}-out-internet-${port}`, {
                        securityGroupId: services[svc.name].id,
                        cidrIpv4: "0.0.0.0/0",
                        fromPort: port,
                        toPort: port,
                        description: `internet port ${port} (spec egress)`,
                    });
                }
            }
        }

        // Interface endpoints for the services that reach AWS only through the VPC (see TASK_ENDPOINT_SERVICES), in a group
        // that admits 443 from exactly those services; their S3 traffic (ECR's layers, buckets) takes the gateway endpoint.
        const closed = Object.values(system.services).filter((svc) => !internetHttpsReason(svc, Boolean(args.vpcId)));
        if (closed.length > 0 && s3Endpoint) {
            const endpoints = group(
                "endpoints",
                `${system.name} VPC interface endpoints: HTTPS from ${closed.map((c) => c.name).join(", ")} only`,
            );
            const region = awsPlace(opt).region;
            const usesQueue = closed.some((svc) => svc.uses.some((ds) => datastoreKind(system, ds) === "queue"));
            for (const service of [...TASK_ENDPOINT_SERVICES, ...(usesQueue ? ["sqs"] : [])]) {
                new aws.ec2.VpcEndpoint(
                    `${name}-${service.replace(".", "-")}`,
                    {
                        vpcId: this.vpcId,
                        serviceName: pulumi.interpolate`com.amazonaws.${region}.${service}`,
                        vpcEndpointType: "Interface",
                        privateDnsEnabled: true,
                        subnetIds: this.privateSubnetIds,
                        securityGroupIds: [endpoints.id],
                        tags: { ...tags, Name: label(service) },
                    },
                    opt,
                );
            }
            for (const svc of closed) {
                ingress(`endpoints-in-${svc.name}`, {
                    securityGroupId: endpoints.id,
                    referencedSecurityGroupId: services[svc.name].id,
                    fromPort: 443,
                    toPort: 443,
                    description: `HTTPS from service ${svc.name}`,
                });
                egress(`svc-${svc.name}-out-endpoints`, {
                    securityGroupId: services[svc.name].id,
                    referencedSecurityGroupId: endpoints.id,
                    fromPort: 443,
                    toPort: 443,
                    description: "HTTPS to the VPC interface endpoints (ECR, logs, secrets)",
                });
                egress(`svc-${svc.name}-out-s3`, {
                    securityGroupId: services[svc.name].id,
                    prefixListId: s3Endpoint.prefixListId,
                    fromPort: 443,
                    toPort: 443,
                    description: "HTTPS to S3 through the gateway endpoint",
                });
            }
        }

        const datastores: Record<string, aws.ec2.SecurityGroup> = {};
        // Every datastore with a port gets a group (queues and buckets are reached over AWS's HTTPS APIs).
        for (const ds of datastoresOf(system)
            .map((d) => d.spec.name)
            .filter((n) => datastorePort(system, n) !== undefined)) {
            const port = datastorePort(system, ds)!;
            const users = Object.values(system.services).filter((s) => s.uses.includes(ds));
            datastores[ds] = group(
                `ds-${ds}`,
                `${system.name} datastore ${ds}: port ${port} from ${users.map((u) => u.name).join(", ") || "no service"} only`,
            );
            for (const svc of users) {
                ingress(`ds-${ds}-in-${svc.name}`, {
                    securityGroupId: datastores[ds].id,
                    referencedSecurityGroupId: services[svc.name].id,
                    fromPort: port,
                    toPort: port,
                    description: `port ${port} from service ${svc.name}`,
                });
                egress(`svc-${svc.name}-out-${ds}`, {
                    securityGroupId: services[svc.name].id,
                    referencedSecurityGroupId: datastores[ds].id,
                    fromPort: port,
                    toPort: port,
                    description: `to datastore ${ds} on ${port}`,
                });
            }
        }

        this.albSecurityGroupId = alb.id;
        this.internalAlbSecurityGroupId = internalAlb?.id;
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
