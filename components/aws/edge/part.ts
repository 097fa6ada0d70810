/**
 * What every part of the AWS edge (certificate, logs, load balancer, WAF, CDN, DNS) registers its
 * resources with. The parts are functions, not components of their own: each resource's parent is
 * the `AwsEdge` component and its name starts with the edge's, so URNs are what they were when one
 * constructor created everything (test/identity/urns.test.ts).
 */
import type * as pulumi from "@pulumi/pulumi";
import type { SystemPlan } from "../../../plan";

/** The edge a part belongs to. */
export interface EdgePart {
    /** The edge's logical name: every resource's name starts with it. */
    name: string;
    /** The system's plan: the edge's settings and routes, the routed services, the buckets, the traffic policies (plan/traffic.ts). */
    plan: SystemPlan;
    /** The edge tier's tags (`awsTags(plan, "edge")`). */
    tags: Record<string, string>;
    /** The `AwsEdge` component: every resource's parent. */
    parent: pulumi.ComponentResource;
}
