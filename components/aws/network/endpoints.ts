/**
 * How the services reach AWS's own APIs: S3 through a gateway endpoint (free) on the private route
 * tables, and — for the services that may not reach the internet — ECR, CloudWatch Logs, Secrets
 * Manager (and SQS) through interface endpoints in a security group admitting exactly them.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { ServicePlan } from "../../../plan";
import { awsPlace } from "../common";
import { ecrRepositoryArn, VOLUME_PERMISSIONS_IMAGE } from "../service";
import { ADOT_IMAGE } from "../service/tracing";
import { fromEcrPublic } from "../image-cache";
import { nameTag, type NetworkPart, type SecurityGroupKit } from "./part";

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

/** The images Fargate pulls for a service's task: its own, busybox (the volume-permissions and health-tools steps) and, where `traced`, the ADOT collector (service/tracing.ts). */
export function taskImages(service: Pick<ServicePlan, "image" | "writablePaths" | "health">, traced = false): string[] {
    // busybox: the volume-permissions step (the plan's writable paths) and the `provided` health tool of an HTTP check (plan/service.ts healthOf).
    const check = service.health.liveness ?? service.health.readiness;
    const busybox = service.writablePaths.length > 0 || (check?.type === "http" && check.tool === "provided");
    return [service.image, ...(busybox ? [VOLUME_PERMISSIONS_IMAGE] : []), ...(traced ? [ADOT_IMAGE] : [])];
}

/**
 * Why a service keeps HTTPS to the internet (0.0.0.0/0:443), or undefined when it need not: its
 * spec opts in (`egress.internet` with 443), or Fargate pulls one of its images (`traced`: the ADOT collector's too) from a registry
 * outside ECR in the stack's region (ghcr.io, Docker Hub: CDN-fronted, with no address ranges to name and no VPC endpoint;
 * another region's ECR), or through the system's pull-through cache for ECR Public (image-cache.ts), whose first pull of
 * an image needs the internet (the layers come from ECR Public's CDN; only later pulls stay on the VPC endpoints), or the
 * VPC is an existing one whose endpoints the program does not know.
 */
export function internetHttpsReason(
    service: Pick<ServicePlan, "image" | "writablePaths" | "health" | "egress">,
    existingVpc: boolean,
    traced = false,
    region = new pulumi.Config("aws").get("region"),
): string | undefined {
    if (service.egress.internet && service.egress.ports.includes(443)) return "its spec opts in (egress.internet)";
    // An ECR image of the stack's region (the interface endpoints are regional).
    const inRegionalEcr = (image: string) =>
        Boolean(ecrRepositoryArn(image)) && (!region || ecrRepositoryArn(image)!.split(":")[3] === region);
    const images = taskImages(service, traced);
    const outside = images.filter((image) => !inRegionalEcr(image) && !fromEcrPublic(image));
    const cached = images.filter(fromEcrPublic);
    const throughCache = `${cached.join(" and ")} through the account's ECR pull-through cache, whose first pull of an image downloads its layers from ECR Public over the internet`;
    if (outside.length > 0)
        return `Fargate pulls ${outside.join(" and ")} through the task's network interface, from outside ECR in the stack's region${cached.length > 0 ? `, and ${throughCache}` : ""}`;
    if (cached.length > 0) return `Fargate pulls ${throughCache}`;
    if (existingVpc) return "the VPC is an existing one (tierform:vpcId), whose interface endpoints the program does not manage";
    return undefined;
}

/**
 * S3 through a gateway endpoint (free) instead of the NAT gateways ($0.045/GB processed): uploads,
 * media, backups, and ECR's image layers, which ECR serves from S3. Interface endpoints (about $7.30
 * a month per zone each) pay only at high volume, so the other AWS APIs stay on the NAT gateways
 * for every service that may reach the internet.
 */
export function createS3GatewayEndpoint(
    part: NetworkPart,
    vpcId: pulumi.Input<string>,
    routeTables: aws.ec2.RouteTable[],
): aws.ec2.VpcEndpoint {
    const opt = { parent: part.parent };
    return new aws.ec2.VpcEndpoint(
        `${part.name}-s3`,
        {
            vpcId,
            serviceName: pulumi.interpolate`com.amazonaws.${awsPlace(opt).region}.s3`,
            vpcEndpointType: "Gateway",
            routeTableIds: routeTables.map((t) => t.id),
            tags: { ...part.tags, Name: nameTag(part, "s3") },
        },
        opt,
    );
}

/** Where the interface endpoints go and whom they admit. */
export interface InterfaceEndpointsArgs {
    /** The VPC. */
    vpcId: pulumi.Input<string>;
    /** The private subnets (one endpoint interface per zone). */
    privateSubnetIds: pulumi.Input<string>[];
    /** The services reaching AWS only through the VPC (no {@link internetHttpsReason}). */
    closed: ServicePlan[];
    /** Every service's security group, by name. */
    serviceGroups: Record<string, aws.ec2.SecurityGroup>;
    /** The S3 gateway endpoint, whose prefix list the closed services reach S3 by. */
    s3Endpoint: aws.ec2.VpcEndpoint;
}

/**
 * Interface endpoints for the services that reach AWS only through the VPC (see
 * {@link TASK_ENDPOINT_SERVICES}), in a group that admits 443 from exactly those services; their
 * S3 traffic (ECR's layers, buckets) takes the gateway endpoint.
 */
export function createInterfaceEndpoints(part: NetworkPart, kit: SecurityGroupKit, args: InterfaceEndpointsArgs): void {
    const { name, plan, tags } = part;
    const { closed, serviceGroups } = args;
    const opt = { parent: part.parent };
    const endpoints = kit.group(
        "endpoints",
        `${plan.name} VPC interface endpoints: HTTPS from ${closed.map((c) => c.name).join(", ")} only`,
    );
    const region = awsPlace(opt).region;
    const usesQueue = closed.some((svc) => svc.uses.some((ds) => plan.datastores[ds]?.kind === "queue"));
    for (const service of [...TASK_ENDPOINT_SERVICES, ...(usesQueue ? ["sqs"] : [])]) {
        new aws.ec2.VpcEndpoint(
            `${name}-${service.replace(".", "-")}`,
            {
                vpcId: args.vpcId,
                serviceName: pulumi.interpolate`com.amazonaws.${region}.${service}`,
                vpcEndpointType: "Interface",
                privateDnsEnabled: true,
                subnetIds: args.privateSubnetIds,
                securityGroupIds: [endpoints.id],
                tags: { ...tags, Name: nameTag(part, service) },
            },
            opt,
        );
    }
    for (const svc of closed) {
        kit.ingress(`endpoints-in-${svc.name}`, {
            securityGroupId: endpoints.id,
            referencedSecurityGroupId: serviceGroups[svc.name].id,
            fromPort: 443,
            toPort: 443,
            description: `HTTPS from service ${svc.name}`,
        });
        kit.egress(`svc-${svc.name}-out-endpoints`, {
            securityGroupId: serviceGroups[svc.name].id,
            referencedSecurityGroupId: endpoints.id,
            fromPort: 443,
            toPort: 443,
            description: "HTTPS to the VPC interface endpoints (ECR, logs, secrets)",
        });
        kit.egress(`svc-${svc.name}-out-s3`, {
            securityGroupId: serviceGroups[svc.name].id,
            prefixListId: args.s3Endpoint.prefixListId,
            fromPort: 443,
            toPort: 443,
            description: "HTTPS to S3 through the gateway endpoint",
        });
    }
}
