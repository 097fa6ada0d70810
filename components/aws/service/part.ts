/**
 * What every part of an AWS service (roles, task definition, autoscaling) registers its resources
 * with. The parts are functions, not components of their own: each resource's parent is the
 * `AwsService` component and its name starts with the service's, so URNs are what they were when
 * one constructor created everything (test/identity/urns.test.ts).
 */
import type * as pulumi from "@pulumi/pulumi";
import type { ServicePlan, SystemFacts } from "../../../plan";

/** The service a part belongs to. */
export interface ServicePart {
    /** The component's logical name: every resource's name starts with it. */
    name: string;
    /** What the service reads of the system (names, tags, log retention). */
    system: SystemFacts;
    /** The service's plan. */
    service: ServicePlan;
    /** The service's tags (`awsTags(system, "service")` and `service`). */
    tags: Record<string, string>;
    /** The `AwsService` component: every resource's parent. */
    parent: pulumi.ComponentResource;
}
