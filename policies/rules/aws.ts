/**
 * AWS (prod stack) resource policies: the required tags here, and every AWS policy of the pack
 * (`awsPolicies`) from the files by domain: aws-network, aws-edge, aws-encryption, aws-compute,
 * aws-recovery. Checkov CKV_AWS_* and awsguard names are cited with each policy.
 */
import { resourcePolicy, S3_BUCKETS, setting } from "./util";
import { AWS_TAG_KEYS } from "../../conventions/labels";
import { awsNetworkPolicies } from "./aws-network";
import { awsEdgePolicies } from "./aws-edge";
import { awsEncryptionPolicies } from "./aws-encryption";
import { awsComputePolicies } from "./aws-compute";
import { awsRecoveryPolicies } from "./aws-recovery";
import { RDS_INSTANCE, RDS_CLUSTER, WEB_ACL, effectiveTags } from "./aws-shared";

/**
 * AWS resource types tierform registers that take tags (their SDK args have `tags`). The policy
 * files do not load the AWS SDK; test/policies/stacks.test.ts checks against it that every
 * taggable type of the shipped prod plans is listed here.
 */
export const TAGGABLE_AWS_TYPES = [
    "aws:acm/certificate:Certificate",
    "aws:appautoscaling/target:Target",
    "aws:backup/plan:Plan",
    "aws:backup/restoreTestingPlan:RestoreTestingPlan",
    "aws:backup/vault:Vault",
    "aws:cloudfront/distribution:Distribution",
    "aws:cloudwatch/eventRule:EventRule",
    "aws:cloudwatch/logGroup:LogGroup",
    "aws:cloudwatch/metricAlarm:MetricAlarm",
    "aws:docdb/cluster:Cluster",
    "aws:docdb/clusterInstance:ClusterInstance",
    "aws:docdb/clusterParameterGroup:ClusterParameterGroup",
    "aws:docdb/subnetGroup:SubnetGroup",
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
    "aws:ec2/eip:Eip",
    "aws:ec2/flowLog:FlowLog",
    "aws:ec2/internetGateway:InternetGateway",
    "aws:ec2/natGateway:NatGateway",
    "aws:ec2/routeTable:RouteTable",
    "aws:ec2/securityGroup:SecurityGroup",
    "aws:ec2/subnet:Subnet",
    "aws:ec2/vpc:Vpc",
    "aws:ec2/vpcEndpoint:VpcEndpoint",
    "aws:ecs/cluster:Cluster",
    "aws:ecs/service:Service",
    "aws:ecs/taskDefinition:TaskDefinition",
    "aws:eks/cluster:Cluster",
    "aws:eks/podIdentityAssociation:PodIdentityAssociation",
    "aws:efs/accessPoint:AccessPoint",
    "aws:efs/fileSystem:FileSystem",
    "aws:elasticache/parameterGroup:ParameterGroup",
    "aws:elasticache/replicationGroup:ReplicationGroup",
    "aws:elasticache/subnetGroup:SubnetGroup",
    "aws:iam/role:Role",
    "aws:kms/key:Key",
    "aws:lambda/function:Function",
    "aws:lb/listener:Listener",
    "aws:lb/listenerRule:ListenerRule",
    "aws:lb/loadBalancer:LoadBalancer",
    "aws:lb/targetGroup:TargetGroup",
    RDS_INSTANCE,
    RDS_CLUSTER,
    "aws:rds/clusterInstance:ClusterInstance",
    "aws:rds/clusterParameterGroup:ClusterParameterGroup",
    "aws:rds/parameterGroup:ParameterGroup",
    "aws:rds/subnetGroup:SubnetGroup",
    ...S3_BUCKETS,
    "aws:secretsmanager/secret:Secret",
    "aws:sns/topic:Topic",
    "aws:sqs/queue:Queue",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    WEB_ACL,
];

const tagsSchema = {
    properties: {
        requiredKeys: setting.strings(
            [...AWS_TAG_KEYS],
            "Tag keys every taggable AWS resource carries, from its own tags or the provider's defaultTags.",
        ),
    },
};

/** Every taggable AWS resource carries the tierform tags. */
export const awsRequiredTags = resourcePolicy({
    name: "aws-required-tags",
    description:
        "Every taggable AWS resource carries non-empty system, environment, tier and managed-by tags (its own tags over its provider's defaultTags, or the engine's tagsAll), so ownership, cost and blast radius can be read off any resource in the account.",
    group: "security",
    platforms: ["aws"],
    sources: ["AWS Config required-tags", "tierform issue 5 (system, environment, tier, managed-by on every taggable resource)"],
    types: TAGGABLE_AWS_TYPES,
    configSchema: tagsSchema,
    validate: (props, args, report, { requiredKeys }) => {
        const tags = effectiveTags(props, args.provider);
        const missing = requiredKeys.filter((k) => typeof tags[k] !== "string" || tags[k].trim() === "");
        if (missing.length > 0) report(`missing tag(s) ${missing.join(", ")} (has ${Object.keys(tags).sort().join(", ") || "none"})`);
    },
});

/** The AWS resource policies. */
export const awsPolicies = [
    ...awsNetworkPolicies,
    ...awsEdgePolicies,
    ...awsEncryptionPolicies,
    ...awsComputePolicies,
    ...awsRecoveryPolicies,
    awsRequiredTags,
];

export * from "./aws-network";
export * from "./aws-edge";
export * from "./aws-encryption";
export * from "./aws-compute";
export * from "./aws-recovery";
