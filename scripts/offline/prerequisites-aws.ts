/**
 * What an AWS (prod) stack needs of its account before the first `pulumi up`, computed once from
 * the resources the plan registers: Fargate vCPU (steady, during a deployment's surge, at full
 * scale-out), Elastic IPs, NAT gateways and VPCs per region, DB instances, and the known gates of a
 * new account (CloudFront's account verification). Printed by `npm run plan -- --stack prod`;
 * `test/offline/prerequisites.test.ts` checks the numbers against the presets.
 *
 * The quotas are AWS's defaults for a new account (Service Quotas shows the account's own, by the
 * quota code given): an update that needs more fails part-way, after the network and the
 * datastores exist, so they are said up front.
 */
import type { OfflineRun, PlannedResource } from "./engine";

/** An AWS default quota a plan is held to. */
export interface AwsQuota {
    /** What it counts. */
    name: string;
    /** The Service Quotas code (`aws service-quotas get-service-quota --service-code … --quota-code …`). */
    code: string;
    /** AWS's default for a new account. */
    default: number;
    /** The page that states the default. */
    source: string;
}

/** The quotas of {@link awsPrerequisites}, with their sources. */
export const AWS_QUOTAS = {
    fargateVcpu: {
        name: "Fargate On-Demand vCPU resource count (per region)",
        code: "fargate L-3032A538",
        default: 6,
        // "Fargate On-Demand vCPU resource count | Each supported Region: 6"; "New AWS accounts might have initial lower quotas".
        source: "https://docs.aws.amazon.com/general/latest/gr/ecs-service.html#service-quotas-fargate",
    },
    elasticIps: {
        name: "EC2-VPC Elastic IPs (per region)",
        code: "ec2 L-0263D0A3",
        default: 5,
        source: "https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html#vpc-limits-eips",
    },
    natGateways: {
        name: "NAT gateways per Availability Zone",
        code: "vpc L-FE5A380F",
        default: 5,
        source: "https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html#vpc-limits-gateways",
    },
    vpcs: {
        name: "VPCs per region",
        code: "vpc L-F678F1CE",
        default: 5,
        source: "https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html#vpc-limits-vpcs-subnets",
    },
    dbInstances: {
        name: "RDS and DocumentDB DB instances (per region)",
        code: "rds L-7B6409FD",
        default: 40,
        source: "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/CHAP_Limits.html",
    },
} satisfies Record<string, AwsQuota>;

/** Fargate vCPU of one ECS service: its task size and task counts. */
export interface FargateDemand {
    service: string;
    /** vCPU of one task. */
    vcpu: number;
    /** Tasks when steady (`desiredCount`, the autoscaling minimum). */
    steady: number;
    /** Tasks at full scale-out (the autoscaling maximum; `steady` without autoscaling). */
    max: number;
    /** `deploymentMaximumPercent`: how far a deployment may exceed the count (200 for blue/green and canary). */
    maximumPercent: number;
}

/** What {@link awsPrerequisites} computes. */
export interface AwsPrerequisites {
    /** Region of each count (the stack's, and the DR region's when there is one). */
    regions: string[];
    fargate: FargateDemand[];
    /** vCPU totals: steady, during one deployment of every service at once, at full scale-out, and a deployment at full scale-out. */
    vcpu: { steady: number; steadySurge: number; max: number; maxSurge: number };
    /** Per region: Elastic IPs, NAT gateways (and the zones they are in), VPCs, DB instances. */
    perRegion: Record<string, { elasticIps: number; natGateways: number; vpcs: number; dbInstances: number }>;
    /** Known gates of a new account, one line each. */
    gates: string[];
}

/** The region a resource is created in: its provider's `region`, else the stack's. */
function regionOf(r: PlannedResource, providers: Map<string, string>, stackRegion: string): string {
    const urn = r.provider?.split("::").slice(0, -1).join("::");
    return (urn && providers.get(urn)) || stackRegion;
}

/** Tasks a deployment may run at once: ECS rounds `count × maximumPercent / 100` down (and never below count + 0). */
const surgeTasks = (count: number, maximumPercent: number) => Math.max(count, Math.floor((count * maximumPercent) / 100));

/** Compute the prerequisites of an AWS run (see the module comment). */
export function awsPrerequisites(run: OfflineRun, stackRegion = "us-east-1"): AwsPrerequisites {
    const providers = new Map<string, string>();
    for (const r of run.resources)
        if (r.type === "pulumi:providers:aws" && typeof r.inputs.region === "string") providers.set(r.urn, r.inputs.region);
    const ofType = (type: string) => run.resources.filter((r) => r.type === type);
    const taskVcpu = new Map<string, number>();
    for (const t of ofType("aws:ecs/taskDefinition:TaskDefinition")) taskVcpu.set(t.name, Number(t.inputs.cpu) / 1024);
    const scaling = new Map<string, number>();
    for (const t of ofType("aws:appautoscaling/target:Target")) {
        const service = String(t.inputs.resourceId ?? "").split("/")[2];
        if (service) scaling.set(service, Number(t.inputs.maxCapacity));
    }
    const fargate: FargateDemand[] = ofType("aws:ecs/service:Service").map((s) => {
        // The task definition's ARN names its resource (the mock's, and the real one's family:revision).
        const task = String(s.inputs.taskDefinition ?? "")
            .split("/")
            .pop()!
            .replace(/:\d+$/, "");
        const steady = Number(s.inputs.desiredCount ?? 0);
        return {
            service: s.name,
            vcpu: taskVcpu.get(task) ?? 0,
            steady,
            max: scaling.get(s.inputs.name ?? s.name) ?? scaling.get(s.name) ?? steady,
            maximumPercent: Number(s.inputs.deploymentMaximumPercent ?? 200),
        };
    });
    const sum = (f: (d: FargateDemand) => number) => Math.round(fargate.reduce((n, d) => n + f(d) * d.vcpu, 0) * 100) / 100;
    const vcpu = {
        steady: sum((d) => d.steady),
        steadySurge: sum((d) => surgeTasks(d.steady, d.maximumPercent)),
        max: sum((d) => d.max),
        maxSurge: sum((d) => surgeTasks(d.max, d.maximumPercent)),
    };
    const perRegion: AwsPrerequisites["perRegion"] = {};
    const count = (type: string, key: keyof AwsPrerequisites["perRegion"][string]) => {
        for (const r of ofType(type)) {
            const region = regionOf(r, providers, stackRegion);
            perRegion[region] ??= { elasticIps: 0, natGateways: 0, vpcs: 0, dbInstances: 0 };
            perRegion[region][key]++;
        }
    };
    count("aws:ec2/eip:Eip", "elasticIps");
    count("aws:ec2/natGateway:NatGateway", "natGateways");
    count("aws:ec2/vpc:Vpc", "vpcs");
    count("aws:rds/instance:Instance", "dbInstances");
    count("aws:docdb/clusterInstance:ClusterInstance", "dbInstances");
    const gates: string[] = [];
    if (ofType("aws:cloudfront/distribution:Distribution").length > 0)
        gates.push(
            "CloudFront: a new account cannot create its first distribution until AWS verifies the account (the create fails with AccessDenied, 'Your account must be verified before you can add new CloudFront resources'): ask AWS Support before the first up (https://repost.aws/knowledge-center/cloudfront-account-verification)",
        );
    if (fargate.some((d) => d.maximumPercent >= 200 && d.vcpu > 0))
        gates.push(
            "ECS blue/green and canary deployments run a whole second set of tasks until the bake time ends: the Fargate vCPU during a deployment's surge counts them",
        );
    return { regions: Object.keys(perRegion), fargate, vcpu, perRegion, gates };
}

/** The prerequisites as the plan prints them, one requirement a line, each against its default quota. */
export function renderAwsPrerequisites(p: AwsPrerequisites): string {
    const q = AWS_QUOTAS;
    const over = (need: number, quota: AwsQuota) =>
        need > quota.default ? ` — above the default ${quota.default}: request an increase of ${quota.code} before the first up` : "";
    const lines = ["Before the first `pulumi up` (AWS's defaults for a new account, which may start lower; Service Quotas shows yours):"];
    const fargate = q.fargateVcpu;
    lines.push(
        `  Fargate vCPU (${fargate.code}, default ${fargate.default} per region): ${p.vcpu.steady} steady, ${p.vcpu.steadySurge} while every service deploys at once${over(p.vcpu.steadySurge, fargate)}`,
        `      ${p.vcpu.max} at full scale-out, ${p.vcpu.maxSurge} deploying at full scale-out${p.vcpu.maxSurge > fargate.default && p.vcpu.steadySurge <= fargate.default ? ` — above the default ${fargate.default}: ECS cannot place the tasks beyond it ("You've reached the limit on the number of vCPUs you can run concurrently")` : ""}`,
    );
    for (const d of p.fargate)
        lines.push(`      ${d.service}: ${d.steady}–${d.max} tasks × ${d.vcpu} vCPU, a deployment up to ${d.maximumPercent} % of them`);
    for (const [region, n] of Object.entries(p.perRegion)) {
        const nat =
            n.natGateways > 0
                ? `${n.natGateways} NAT gateway${n.natGateways > 1 ? "s" : ""} (default ${q.natGateways.default} per zone)${n.natGateways > 1 ? "; tierform:singleNatGateway makes it one (its cost and risk: Pulumi.yaml)" : ""}, `
                : "";
        lines.push(
            `  ${region}: ${n.elasticIps} Elastic IP${n.elasticIps === 1 ? "" : "s"} (default ${q.elasticIps.default}; one per NAT gateway${n.elasticIps > 0 && 2 * n.elasticIps > q.elasticIps.default ? `; a second stack like this in ${region} would exceed it` : ""})${over(n.elasticIps, q.elasticIps)}, ${nat}${n.vpcs} VPC (default ${q.vpcs.default})${over(n.vpcs, q.vpcs)}, ${n.dbInstances} DB instance${n.dbInstances === 1 ? "" : "s"} (default ${q.dbInstances.default})${over(n.dbInstances, q.dbInstances)}`,
        );
    }
    for (const g of p.gates) lines.push(`  ${g}`);
    return lines.join("\n");
}
