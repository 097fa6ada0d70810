/**
 * A service's target-tracking autoscaling: a scalable target over its replica range and one policy
 * per signal of the plan — CPU, memory, and ALB requests per target (a per-minute sum, so the
 * spec's number is the target as is).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { ReplicaRange, ScalingSignals } from "../../../plan";
import type { ServicePart } from "./part";

/** A target-tracking metric: predefined, or customized (the busier target group of a blue/green service). */
export type ScalingMetric = Pick<
    aws.types.input.appautoscaling.PolicyTargetTrackingScalingPolicyConfiguration,
    "predefinedMetricSpecification" | "customizedMetricSpecification"
>;

/** What the service scales and on what. */
export interface AutoscalingArgs {
    /** The cluster's name (part of the scalable target's resource id). */
    clusterName: pulumi.Input<string>;
    /** The ECS service's name. */
    serviceName: pulumi.Input<string>;
    /** The plan's replica range. */
    replicas: ReplicaRange;
    /** The plan's scaling signals. */
    targets: ScalingSignals;
    /** The requests-per-target metric (service.ts requestsPerTargetMetric), for a routed service. @default none */
    requestsMetric?: ScalingMetric;
}

/** The scalable target and its policies. */
export function createAutoscaling(part: ServicePart, args: AutoscalingArgs): void {
    const { name, tags } = part;
    const opt = { parent: part.parent };
    const { replicas, targets } = args;
    const resourceId = pulumi.interpolate`service/${args.clusterName}/${args.serviceName}`;
    const target = new aws.appautoscaling.Target(
        `${name}-scaling`,
        {
            serviceNamespace: "ecs",
            scalableDimension: "ecs:service:DesiredCount",
            resourceId,
            minCapacity: replicas.min,
            maxCapacity: replicas.max,
            tags,
        },
        opt,
    );
    const policy = (key: string, targetValue: number, metric: ScalingMetric) =>
        new aws.appautoscaling.Policy(
            `${name}-${key}`,
            {
                policyType: "TargetTrackingScaling",
                serviceNamespace: target.serviceNamespace,
                scalableDimension: target.scalableDimension,
                resourceId: target.resourceId,
                targetTrackingScalingPolicyConfiguration: { targetValue, ...metric, scaleInCooldown: 300, scaleOutCooldown: 60 },
            },
            opt,
        );
    if (targets.cpuPercent !== undefined)
        policy("cpu", targets.cpuPercent, {
            predefinedMetricSpecification: { predefinedMetricType: "ECSServiceAverageCPUUtilization" },
        });
    if (targets.memoryPercent !== undefined)
        policy("memory", targets.memoryPercent, {
            predefinedMetricSpecification: { predefinedMetricType: "ECSServiceAverageMemoryUtilization" },
        });
    // Requests per target per minute (a per-minute sum, so the spec's number is the target as is).
    if (targets.requestsPerMinute !== undefined && args.requestsMetric) policy("requests", targets.requestsPerMinute, args.requestsMetric);
}
