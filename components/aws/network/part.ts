/**
 * What every part of the AWS network (subnets, NAT, endpoints, flow logs, security groups)
 * registers its resources with. The parts are functions, not components of their own: each
 * resource's parent is the `AwsNetwork` component and its name starts with the network's, so URNs
 * are what they were when one constructor created everything (test/identity/urns.test.ts).
 */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import type { SystemPlan } from "../../../plan";
import { resourceName } from "../../shared/naming";
import { ec2Description } from "../common";

/** The network a part belongs to. */
export interface NetworkPart {
    /** The network's logical name: every resource's name starts with it. */
    name: string;
    /** The system's plan. */
    plan: SystemPlan;
    /** The network tier's tags (`awsTags(plan, "network")`). */
    tags: Record<string, string>;
    /** The `AwsNetwork` component: every resource's parent. */
    parent: pulumi.ComponentResource;
}

/** A resource's `Name` tag: the system's name and `parts`, e.g. `mdc-tts-private-1`. */
export function nameTag(part: NetworkPart, ...parts: string[]): string {
    return resourceName([part.plan.name, ...parts]);
}

/** A rule's arguments: TCP, with a description EC2 accepts (ec2Description). */
type RuleArgs<T> = Omit<T, "ipProtocol"> & { description: string };

/** How every part makes security groups and their rules (rules as resources of their own, never inline). */
export interface SecurityGroupKit {
    /** A security group `<network>-<key>` in the VPC, revoking its rules on delete. */
    group(key: string, description: string): aws.ec2.SecurityGroup;
    /** A TCP ingress rule `<network>-<key>`. */
    ingress(key: string, args: RuleArgs<aws.vpc.SecurityGroupIngressRuleArgs>): aws.vpc.SecurityGroupIngressRule;
    /** A TCP egress rule `<network>-<key>`. */
    egress(key: string, args: RuleArgs<aws.vpc.SecurityGroupEgressRuleArgs>): aws.vpc.SecurityGroupEgressRule;
}

/**
 * The {@link SecurityGroupKit} of the VPC `vpcId`. EC2 refuses descriptions outside its character
 * set (see ec2Description), after the VPC and keys exist: every description passes through it.
 */
export function securityGroupKit(part: NetworkPart, vpcId: pulumi.Input<string>): SecurityGroupKit {
    const { name, tags } = part;
    const opt = { parent: part.parent };
    return {
        group: (key, description) =>
            new aws.ec2.SecurityGroup(
                `${name}-${key}`,
                { vpcId, description: ec2Description(description), revokeRulesOnDelete: true, tags: { ...tags, Name: nameTag(part, key) } },
                opt,
            ),
        ingress: (key, args) =>
            new aws.vpc.SecurityGroupIngressRule(
                `${name}-${key}`,
                { ipProtocol: "tcp", ...args, description: ec2Description(args.description), tags },
                opt,
            ),
        egress: (key, args) =>
            new aws.vpc.SecurityGroupEgressRule(
                `${name}-${key}`,
                { ipProtocol: "tcp", ...args, description: ec2Description(args.description), tags },
                opt,
            ),
    };
}
