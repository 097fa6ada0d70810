/**
 * The EKS placement (`tierform:placement: eks` on an aws stack): a composition of the two
 * platforms' parts, not a fork of either. After the AWS provider with the system's default tags, it
 * creates, in order of need, in one loop over the plan's parts (parts.ts `eksParts`):
 *
 * - the AWS parts as the aws platform builds them: the logs' KMS key, network (VPC, subnets, the load
 *   balancers' and datastores' security groups), alarm topic;
 * - the EKS Auto Mode cluster (cluster.ts) and a Kubernetes provider from it, AWS's API endpoints in the VPC
 *   (endpoints.ts), the EFS file systems where a service mounts a share, and the data tier through the AWS
 *   provisioners (RDS or DocumentDB, ElastiCache, SQS, S3: components/aws/provisioners.ts);
 * - the security group rules between its pods and the AWS parts, Auto Mode's NetworkPolicy engine, the services'
 *   AWS access through EKS Pod Identity (identity.ts), and the Kubernetes adapter's namespace (restricted Pod
 *   Security, default-deny NetworkPolicies) with the placement's flows (network.ts);
 * - the cluster's operators, Argo Rollouts and KEDA where the plan needs them (rollouts.ts, scaling.ts);
 * - the services' trace collector: the Kubernetes adapter's OpenTelemetry Collector gateway, exporting to X-Ray (traces.ts);
 * - the pods' logs: the Kubernetes adapter's node log collector, shipping the namespace's pod logs to a CloudWatch Logs group
 *   per service with the plan's retention and the logs key (logs.ts);
 * - the shares' claims (files.ts), the services' credentials from Secrets Manager through External Secrets
 *   (secrets.ts), the application secrets;
 * - the AWS edge (ALB with ACM TLS, WAF, CloudFront where the spec asks), then the Kubernetes adapter's services
 *   (Deployments, HPAs or KEDA ScaledObjects on the target group's requests, PDBs, migration Jobs) from the plan,
 *   Istio's ambient mesh with `tierform:mesh`, and the edge's target groups filled with the routed services' pods
 *   by TargetGroupBindings of Auto Mode's load balancer controller (edge.ts);
 * - the CloudWatch alarms (the load balancer's, the datastores'), ECS's observability over the pods' groups (error-line
 *   filters, ErrorLogs, the saved queries, the plan's dashboard: logs.ts) and the cluster's Prometheus monitoring.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { Problem } from "../../conventions/problems";
import type { PlatformSettings, SystemPlan } from "../../plan";
import type { PlatformSystem, PlatformSystemArgs, SystemOutputs } from "../contract";
import type { PlatformModule } from "../platform";
import { datastoreOutputs } from "../shared/binding";
import { MANAGED_BY } from "../shared/naming";
import { awsProblems, awsWarnings } from "../aws/system";
import { imageProblems } from "../shared/images";
import { buildPart, eksParts, nothingBuilt } from "./parts";

/**
 * What the EKS placement cannot build, one problem per spec path: what AWS refuses of the spec (its network, edge,
 * data, file-share and recovery checks) and the images' problems. File shares are EFS through the EFS CSI add-on (files.ts).
 */
export function eksProblems(plan: SystemPlan, settings: PlatformSettings): Problem[] {
    return [...awsProblems(plan, settings, settings.awsRegion, false), ...imageProblems(plan)];
}

/**
 * What a real deployment of the EKS placement needs that the plan cannot check: AWS's warnings
 * (a placeholder domain, no alarm subscriber) but the one about Fargate's task network interface,
 * which no pod has (its egress is the namespace's NetworkPolicies, network.ts).
 */
export function eksWarnings(plan: SystemPlan, settings: PlatformSettings): string[] {
    return awsWarnings(plan, settings).filter((w) => !w.startsWith(FARGATE_EGRESS_WARNING));
}
/** How AWS's warning about Fargate's open HTTPS egress begins (components/aws/system.ts awsWarnings). */
const FARGATE_EGRESS_WARNING = "tierform: egress.internet is false, but HTTPS (443) to the internet stays open";

/** Every service on an EKS cluster, every datastore on AWS. Type token `tierform:eks:System`. */
export class EksSystem extends pulumi.ComponentResource implements PlatformSystem {
    readonly outputs: SystemOutputs;

    constructor(name: string, args: PlatformSystemArgs, opts?: pulumi.ComponentResourceOptions) {
        super("tierform:eks:System", name, {}, opts);
        const { settings, plan } = args;
        const region = settings.awsRegion;
        const provider = new aws.Provider(
            `${name}-aws`,
            {
                ...(region ? { region } : {}),
                defaultTags: { tags: { system: plan.name, environment: plan.environment, "managed-by": MANAGED_BY } },
            },
            { parent: this },
        );
        // The AWS parts, the cluster, its namespace and operators, the edge, the services, the mesh, alarms: parts.ts.
        const built = nothingBuilt(name, plan, settings, this, provider);
        for (const part of eksParts(plan, settings)) buildPart(part, built);

        const edge = built.edge!;
        this.outputs = {
            publicUrl: edge.publicUrl,
            services: Object.fromEntries(Object.entries(built.services).map(([n, s]) => [n, s.address])),
            datastores: datastoreOutputs(built.bindings!),
            platform: {
                albDnsName: edge.albDnsName,
                ...(edge.cloudFrontDomain ? { cloudFrontDomain: edge.cloudFrontDomain } : {}),
                clusterName: built.cluster!.name,
                namespace: built.namespace!.name,
                vpcId: built.network!.vpcId,
                alarmTopicArn: built.alarmTopic!.topicArn,
            },
        };
        this.registerOutputs({ publicUrl: this.outputs.publicUrl, platform: this.outputs.platform });
    }
}

/** The EKS placement: its system component, what it refuses and warns about (see deploy.ts). */
export const platform: PlatformModule = {
    System: EksSystem,
    problems: (plan, settings) => eksProblems(plan, settings),
    warnings: (plan, settings) => eksWarnings(plan, settings),
};
