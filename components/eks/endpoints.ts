/**
 * The EKS placement's VPC interface endpoints: the AWS APIs its own traffic calls, reached inside the VPC instead of
 * through the NAT gateways. The aws platform's network builds interface endpoints only for ECS services that may not
 * reach the internet, in a group admitting their task groups (components/aws/network/endpoints.ts); the EKS placement has
 * no task groups (`taskSecurityGroups: false`), so it got none and every AWS call of its nodes and pods left through NAT.
 *
 * Which APIs (the list of the EKS user guide's "Deploy private clusters with limited internet access",
 * https://docs.aws.amazon.com/eks/latest/userguide/private-clusters.html, "Pod requirements", against what runs here):
 * - `eks-auth`: EKS Pod Identity. Every pod with a role (External Secrets, the services reaching AWS, the trace collector,
 *   the EFS CSI controller) gets its credentials from the node's Pod Identity agent, which calls the EKS Auth API
 *   (AssumeRoleForPodIdentity); "If there is no outbound internet access, you must create and use a VPC endpoint for the
 *   EKS Auth API" (same page). Always: External Secrets always has a role (secrets.ts).
 * - `secretsmanager`: External Secrets reads the connection secrets (secrets.ts). Always.
 * - `sqs`: a service that uses a queue.
 * - `xray`: the trace collector's awsxray exporter (traces.ts), while traces are on ("required for tracing sent to X-Ray").
 * - `monitoring`: CloudWatch's GetMetricData, which the Argo Rollouts controller's analysis (rollouts.ts) and the KEDA
 *   operator's request trigger (scaling.ts) call, where a service rolls out on Argo or scales on requests.
 * - `logs`: the node log collector's awscloudwatchlogs exporter (logs.ts), which ships the pods' logs to CloudWatch Logs. Always.
 * - `elasticfilesystem`: the EFS CSI controller creates an access point per claim (files.ts), where a share is mounted.
 * - `ecr.api` and `ecr.dkr`: image pulls from ECR in the stack's region — the EFS CSI add-on's images (EKS's regional
 *   registry: "your nodes can pull the image over AWS's network if you created an interface VPC endpoint for Amazon ECR",
 *   https://docs.aws.amazon.com/eks/latest/userguide/add-ons-images.html) and a service image in this region's ECR;
 *   their layers come from S3 through the network's gateway endpoint.
 *
 * Not built, and why: `sts` (IRSA only; Pod Identity's credentials come from eks-auth), `ec2`, `elasticloadbalancing`
 * and `eks` (Auto Mode's node provisioning, networking and load balancing are AWS-managed capabilities, not pods of the cluster: "ENI
 * management is performed by a networking capability that is managed by AWS and hosted on AWS infrastructure", Security
 * Overview of Amazon EKS Auto Mode, eks-auto-mode-data-plane.html; no Karpenter or load balancer controller pods to run,
 * EKS best practices, automode.html — read from the docs, not seen on a real cluster), `kms` (Secrets Manager decrypts on its side).
 * Everything else keeps the NAT gateways: images from registries outside ECR (ghcr.io, quay.io, registry.k8s.io, Docker
 * Hub: the charts' and the presets' images), and the spec's internet egress.
 *
 * Each endpoint has private DNS (the services' own names resolve to it: no SDK setting changes), which EC2 allows only in
 * a VPC with `enableDnsHostnames` and `enableDnsSupport` (CreateVpcEndpoint, PrivateDnsEnabled; the offline engine's rule
 * aws-vpc-endpoint-private-dns): the network's new VPC has both. In an existing VPC (`tierform:vpcId`) none is built, as on
 * ECS: its endpoints are its owner's. Its security group admits HTTPS from the cluster security group only, which the
 * nodes (image pulls, the Pod Identity agent) and the pods carry. Cost: about $7.30 a month per endpoint per zone
 * (us-east-1, $0.01/hour) plus $0.01/GB — three endpoints in three zones, about $66 a month, for the smallest system.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { exportsTraces } from "../../plan";
import type { PlatformSettings, SystemPlan } from "../../plan";
import type { AwsNetwork } from "../aws/network";
import { ecrRepositoryArn } from "../aws/service";
import { securityGroupKit } from "../aws/network/part";
import { awsTags, resourceName } from "../shared/naming";
import { rollsOut, scalesOnRequests } from "../kubernetes/operators";

/**
 * The interface endpoints the placement's traffic uses (pure; see the module doc), by their services' short names
 * (`com.amazonaws.<region>.<name>`), in a stable order.
 */
export function eksEndpoints(plan: SystemPlan, region: string | undefined): string[] {
    const services = Object.values(plan.services);
    const shares = services.some((s) => s.mounts.length > 0);
    const regionalEcr = services.some((s) => {
        const arn = ecrRepositoryArn(s.image);
        return arn !== undefined && (!region || arn.split(":")[3] === region);
    });
    const queues = services.some((s) => s.uses.some((d) => plan.datastores[d]?.kind === "queue"));
    const ecr = shares || regionalEcr;
    return [
        "eks-auth", // the Pod Identity agent on every node
        "secretsmanager", // External Secrets
        "logs", // the node log collector (logs.ts)
        ...(queues ? ["sqs"] : []), // the services that use a queue
        ...(exportsTraces(plan, "kubernetes") ? ["xray"] : []), // the trace collector
        ...(rollsOut(plan) || scalesOnRequests(plan) ? ["monitoring"] : []), // CloudWatch metrics: Argo's analysis, KEDA's trigger
        ...(shares ? ["elasticfilesystem"] : []), // the EFS CSI controller
        ...(ecr ? ["ecr.api", "ecr.dkr"] : []), // the EFS CSI add-on's images, a service image in this region's ECR
    ];
}

/** Arguments of {@link EksEndpoints}. */
export interface EksEndpointsArgs {
    /** The system's plan (names, tags). */
    plan: SystemPlan;
    /** The endpoints' services ({@link eksEndpoints}). */
    endpoints: string[];
    /** The network's (new) VPC. */
    vpcId: pulumi.Input<string>;
    /** Its private subnets: one endpoint interface per zone, beside the nodes. */
    privateSubnetIds: pulumi.Input<string>[];
    /** The cluster security group (nodes and pods): the only group the endpoints admit. */
    clusterSecurityGroupId: pulumi.Input<string>;
}

/**
 * The endpoints, in a security group of their own admitting HTTPS from the cluster security group only (see the module
 * doc). Type token `tierform:eks:Endpoints`.
 */
export class EksEndpoints extends pulumi.ComponentResource {
    /** The interface endpoints, in the order of `endpoints`. */
    readonly endpoints: aws.ec2.VpcEndpoint[];

    constructor(name: string, args: EksEndpointsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("tierform:eks:Endpoints", name, {}, opts);
        const { plan } = args;
        const tags = awsTags(plan, "network");
        const kit = securityGroupKit({ name, plan, tags, parent: this }, args.vpcId);
        const group = kit.group("endpoints", `${plan.name} EKS VPC interface endpoints: HTTPS from the cluster security group only`);
        kit.ingress("endpoints-in-cluster", {
            securityGroupId: group.id,
            referencedSecurityGroupId: args.clusterSecurityGroupId,
            fromPort: 443,
            toPort: 443,
            description: "HTTPS from the EKS cluster nodes and pods",
        });
        const region = aws.getRegionOutput({}, { parent: this }).region;
        this.endpoints = args.endpoints.map((service) => {
            const key = service.replace(".", "-");
            return new aws.ec2.VpcEndpoint(
                `${name}-${key}`,
                {
                    vpcId: args.vpcId,
                    serviceName: pulumi.interpolate`com.amazonaws.${region}.${service}`,
                    vpcEndpointType: "Interface",
                    privateDnsEnabled: true,
                    subnetIds: args.privateSubnetIds,
                    securityGroupIds: [group.id],
                    tags: { ...tags, Name: resourceName([plan.name, "endpoint", key]) },
                },
                { parent: this },
            );
        });
        this.registerOutputs({});
    }
}

/**
 * The placement's endpoints ({@link eksEndpoints}) in the network's new VPC, in its private subnets, admitting the cluster
 * security group; none in an existing VPC (`tierform:vpcId`), whose endpoints are its owner's.
 */
export function createEksEndpoints(
    name: string,
    args: { plan: SystemPlan; settings: PlatformSettings; network: AwsNetwork; clusterSecurityGroupId: pulumi.Input<string> },
    opts: pulumi.ComponentResourceOptions,
): EksEndpoints | undefined {
    const { plan, settings, network } = args;
    if (settings.vpcId) return undefined;
    const region = settings.awsRegion || new pulumi.Config("aws").get("region");
    return new EksEndpoints(
        name,
        {
            plan,
            endpoints: eksEndpoints(plan, region),
            vpcId: network.vpcId,
            privateSubnetIds: network.privateSubnetIds,
            clusterSecurityGroupId: args.clusterSecurityGroupId,
        },
        opts,
    );
}
