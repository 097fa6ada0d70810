/**
 * The disaster-recovery site in `tierform:drRegion`, for specs whose `recovery.crossRegion` is set:
 * a provider for that region, a customer KMS key there, a minimal isolated network for the
 * cross-region database replicas (a VPC without internet or NAT gateway, isolated subnets over
 * the region's AZs, a DB subnet group, a security group with no ingress until a failover runbook
 * opens it to the recovered app tier, the default security group emptied, flow logs), and an
 * alarm topic there (CloudWatch alarms notify only topics of their own region).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { awsTags, MANAGED_BY, resourceName } from "../shared/naming";
import { AwsAlarmTopic } from "./monitoring";
import { AwsKms } from "./kms";
import { vpcFlowLogs } from "./network/flow-logs";
import type { PlatformSettings, SystemFacts } from "../../plan";

/** Arguments of {@link AwsDrSite}. */
export interface AwsDrSiteArgs {
    /** The system's facts (names, tags, `profile.multiAz`, log retention). */
    system: SystemFacts;
    /** `drRegion` names the region; `alarmEmail` subscribes to the DR alarm topic. */
    settings: PlatformSettings;
    /**
     * Availability zones the isolated subnets span.
     * @default 3 where the profile is Multi-AZ, 2 otherwise
     */
    azCount?: number;
    /**
     * CIDR of the DR VPC; must not overlap the primary VPC's, so the two can be peered after a failover.
     * @default "10.250.0.0/16"
     */
    cidrBlock?: string;
}

/** Provider, key, isolated network and alarm topic in the DR region. */
export class AwsDrSite extends pulumi.ComponentResource {
    readonly region: string;
    readonly provider: aws.Provider;
    readonly kms: AwsKms;
    readonly vpc: aws.ec2.Vpc;
    readonly subnetIds: pulumi.Output<string>[];
    readonly dbSubnetGroup: aws.rds.SubnetGroup;
    readonly securityGroup: aws.ec2.SecurityGroup;
    readonly alarmTopic: AwsAlarmTopic;

    constructor(name: string, args: AwsDrSiteArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("tierform:aws:DrSite", name, {}, opts);
        const { system, settings } = args;
        if (!settings.drRegion) throw new Error("AwsDrSite needs tierform:drRegion");
        this.region = settings.drRegion;
        const tags = awsTags(system, "network");
        this.provider = new aws.Provider(
            name,
            {
                region: settings.drRegion as aws.Region,
                defaultTags: { tags: { system: system.name, environment: system.environment, "managed-by": MANAGED_BY } },
            },
            { parent: this },
        );
        const inDr = { parent: this, provider: this.provider };
        this.kms = new AwsKms(
            `${name}-key`,
            { system, purpose: "dr", services: ["logs", "alarms"], region: settings.drRegion },
            { parent: this, providers: { aws: this.provider } },
        );
        this.alarmTopic = new AwsAlarmTopic(
            `${name}-alarms`,
            { system, settings, kmsKeyArn: this.kms.arn },
            { parent: this, providers: { aws: this.provider } },
        );

        const cidr = args.cidrBlock ?? "10.250.0.0/16";
        this.vpc = new aws.ec2.Vpc(
            name,
            {
                cidrBlock: cidr,
                enableDnsHostnames: true,
                enableDnsSupport: true,
                tags: { ...tags, Name: resourceName([system.name, "dr"]) },
            },
            inDr,
        );
        new aws.ec2.DefaultSecurityGroup(
            name,
            { vpcId: this.vpc.id, ingress: [], egress: [], tags: { ...tags, Name: `${system.name}-dr-default-closed` } },
            inDr,
        );
        const azs = aws.getAvailabilityZonesOutput({ state: "available" }, inDr);
        const count = args.azCount ?? (system.profile.multiAz ? 3 : 2);
        const [a, b] = cidr.split("/")[0].split(".");
        this.subnetIds = [];
        for (let i = 0; i < count; i++) {
            const subnet = new aws.ec2.Subnet(
                `${name}-isolated-${i + 1}`,
                {
                    vpcId: this.vpc.id,
                    cidrBlock: `${a}.${b}.${i * 16}.0/20`,
                    availabilityZone: azs.names[i],
                    mapPublicIpOnLaunch: false,
                    tags: { ...tags, Name: resourceName([system.name, "dr", "isolated", String(i + 1)]), "subnet-tier": "isolated" },
                },
                inDr,
            );
            this.subnetIds.push(subnet.id);
        }
        this.dbSubnetGroup = new aws.rds.SubnetGroup(
            name,
            {
                name: resourceName([system.name, "dr"]),
                description: `${system.name} DR: isolated subnets`,
                subnetIds: this.subnetIds,
                tags: awsTags(system, "database"),
            },
            inDr,
        );
        this.securityGroup = new aws.ec2.SecurityGroup(
            name,
            {
                name: resourceName([system.name, "dr", "datastores"]),
                description: `${system.name} DR datastores: no ingress until a failover opens it to the recovered services`,
                vpcId: this.vpc.id,
                ingress: [],
                egress: [],
                tags: awsTags(system, "database"),
            },
            inDr,
        );
        vpcFlowLogs(
            `${name}-flow-logs`,
            {
                system,
                vpcId: this.vpc.id,
                bucketPrefixParts: [system.name, system.environment, "dr-flow-logs"],
                retentionInDays: system.observability.logRetentionDays,
            },
            inDr,
        );
        this.registerOutputs({ region: this.region, vpcId: this.vpc.id });
    }
}
