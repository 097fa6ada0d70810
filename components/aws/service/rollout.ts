/**
 * The CloudWatch alarms that judge a blue/green or canary deployment of one ECS service, and the
 * `alarms` block that makes ECS roll back when one fires.
 *
 * ECS watches the alarms named in the service's deployment `alarms` for the whole deployment —
 * the canary or linear steps, and the bake time after production traffic has shifted, while the
 * old (blue) revision still runs — and when one goes into ALARM it marks the deployment failed and,
 * with `rollback: true`, shifts all traffic back to the last completed revision (ECS developer guide,
 * "How CloudWatch alarms detect Amazon ECS deployment failures":
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-alarm-failure.html;
 * API_DeploymentAlarms.html). The deployment circuit breaker, beside them, rolls back a revision
 * whose tasks never turn healthy.
 *
 * What the alarms measure is the edge's own view of each of the service's two target groups (the
 * production and the alternate one: ECS swaps them at every deployment, so the new revision is in
 * either), the worse of the two:
 * - `<service>-rollout-5xx`: the share of requests a target group's targets answered 5xx
 *   (`HTTPCode_Target_5XX_Count` over `RequestCount`, per `TargetGroup`), a group without requests
 *   counting 0 — so the canary's 5 % of traffic is judged on its own requests, not diluted by the 95 %;
 * - `<service>-rollout-latency`: the target response time at the analysis percentile
 *   (`TargetResponseTime`, extended statistic `p99` by default), per target group.
 * Both over the analysis interval (whole minutes), firing after the analysis's failures among one
 * more period; missing data (no traffic) does not breach. A rollout's own `analysis.query.cloudwatch`
 * (metric math) is a third alarm, above its `max`. A 502/504 the load balancer
 * itself answers (a target that resets or times out) is `HTTPCode_ELB_5XX_Count`, which has no
 * `TargetGroup` dimension (ALB docs, CloudWatch metrics: "TargetGroup" is not a dimension of it),
 * so it cannot be told apart per revision: the system-wide `alb-5xx-rate` alarm notifies of it,
 * and does not roll back.
 */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { resourceName } from "../../shared/naming";
import type { ServicePart } from "./part";

/** What judges a deployment on AWS: thresholds and the windows of the rollback alarms. */
export interface DeploymentAnalysis {
    /** Largest share of 5xx answers, in percent, a target group may have in one period. */
    maxErrorRatePercent: number;
    /** Largest target response time at `latencyPercentile`, in milliseconds. */
    maxLatencyMs: number;
    /** The percentile of the latency alarm (an ALB extended statistic), e.g. 99. */
    latencyPercentile: number;
    /** Seconds of one period (a multiple of 60: ALB metrics have one-minute periods). */
    periodSeconds: number;
    /** Periods an alarm looks at. */
    evaluationPeriods: number;
    /** Breaching periods among them that fire it. */
    failureLimit: number;
    /** The rollout's own CloudWatch metric math expression and the largest value that passes: a third alarm. @default none */
    query?: { expression: string; max: number };
}

/** Where a shifting service's tasks take traffic: the load balancer and its two target groups. */
export interface DeploymentTargets {
    /** `app/<name>/<id>` of the load balancer. */
    loadBalancerArnSuffix: pulumi.Input<string>;
    /** `targetgroup/<name>/<id>` of the production target group. */
    primaryTargetGroupArnSuffix: pulumi.Input<string>;
    /** `targetgroup/<name>/<id>` of the alternate target group. */
    alternateTargetGroupArnSuffix: pulumi.Input<string>;
}

/** The rollback alarms of one service and the ECS `alarms` block naming them. */
export interface DeploymentAlarms {
    alarms: aws.cloudwatch.MetricAlarm[];
    /** The ECS service's `alarms`: enabled, rolling back. */
    serviceAlarms: aws.types.input.ecs.ServiceAlarms;
}

/**
 * The two rollback alarms of a blue/green or canary service (see the module comment), notifying
 * `alarmTopicArn` as every alarm does, and the `alarms` block of its ECS service.
 */
export function createDeploymentAlarms(
    part: ServicePart,
    targets: DeploymentTargets,
    analysis: DeploymentAnalysis,
    alarmTopicArn: pulumi.Input<string>,
): DeploymentAlarms {
    const { name, system, service, tags } = part;
    const perTargetGroup = (metricName: string, stat: string) =>
        (["primary", "alternate"] as const).map((which) => ({
            id: `${metricName.toLowerCase().replace(/[^a-z0-9]/g, "")}${which}`,
            metric: {
                namespace: "AWS/ApplicationELB",
                metricName,
                dimensions: {
                    LoadBalancer: targets.loadBalancerArnSuffix,
                    TargetGroup: which === "primary" ? targets.primaryTargetGroupArnSuffix : targets.alternateTargetGroupArnSuffix,
                },
                period: analysis.periodSeconds,
                stat,
            },
            returnData: false,
        }));
    const window = {
        evaluationPeriods: analysis.evaluationPeriods,
        datapointsToAlarm: analysis.failureLimit,
        comparisonOperator: "GreaterThanThreshold",
        treatMissingData: "notBreaching",
        alarmActions: [alarmTopicArn],
        okActions: [alarmTopicArn],
        tags,
    };
    const alarm = (id: string, args: Omit<aws.cloudwatch.MetricAlarmArgs, "name">) => {
        const alarmName = resourceName([system.name, system.environment, service.name, "rollout", id], 255);
        return new aws.cloudwatch.MetricAlarm(`${name}-rollout-${id}`, { name: alarmName, ...args }, { parent: part.parent });
    };
    const [errorsPrimary, errorsAlternate] = perTargetGroup("HTTPCode_Target_5XX_Count", "Sum");
    const [requestsPrimary, requestsAlternate] = perTargetGroup("RequestCount", "Sum");
    // A target group without requests has no rate: 0, not a division by zero.
    const rate = (which: string, errors: string, requests: string) => ({
        id: `rate${which}`,
        expression: `IF(FILL(${requests}, 0) > 0, 100 * FILL(${errors}, 0) / FILL(${requests}, 0), 0)`,
        label: `5xx rate of the ${which} target group (%)`,
        returnData: false,
    });
    const errors = alarm("5xx", {
        alarmDescription: `${service.name}: rolls back a deployment when more than ${analysis.maxErrorRatePercent}% of a target group's requests are answered 5xx in ${analysis.failureLimit} of ${analysis.evaluationPeriods} periods of ${analysis.periodSeconds} s`,
        threshold: analysis.maxErrorRatePercent,
        metricQueries: [
            errorsPrimary,
            errorsAlternate,
            requestsPrimary,
            requestsAlternate,
            rate("primary", errorsPrimary.id, requestsPrimary.id),
            rate("alternate", errorsAlternate.id, requestsAlternate.id),
            {
                id: "worst",
                expression: "MAX([rateprimary, ratealternate])",
                label: "5xx rate of the worse target group (%)",
                returnData: true,
            },
        ],
        ...window,
    });
    const percentile = `p${analysis.latencyPercentile}`;
    const [latencyPrimary, latencyAlternate] = perTargetGroup("TargetResponseTime", percentile);
    const latency = alarm("latency", {
        alarmDescription: `${service.name}: rolls back a deployment when a target group's ${percentile} response time is above ${analysis.maxLatencyMs} ms in ${analysis.failureLimit} of ${analysis.evaluationPeriods} periods of ${analysis.periodSeconds} s`,
        threshold: analysis.maxLatencyMs / 1000,
        metricQueries: [
            latencyPrimary,
            latencyAlternate,
            {
                id: "worst",
                expression: `MAX([FILL(${latencyPrimary.id}, 0), FILL(${latencyAlternate.id}, 0)])`,
                label: `${percentile} response time of the slower target group (s)`,
                returnData: true,
            },
        ],
        ...window,
    });
    const query = analysis.query
        ? alarm("query", {
              alarmDescription: `${service.name}: rolls back a deployment when the rollout's own query is above ${analysis.query.max} in ${analysis.failureLimit} of ${analysis.evaluationPeriods} periods`,
              threshold: analysis.query.max,
              metricQueries: [
                  {
                      id: "query",
                      expression: analysis.query.expression,
                      period: analysis.periodSeconds,
                      label: "the rollout's query",
                      returnData: true,
                  },
              ],
              ...window,
          })
        : undefined;
    const alarms = [errors, latency, ...(query ? [query] : [])];
    return { alarms, serviceAlarms: { alarmNames: alarms.map((a) => a.name), enable: true, rollback: true } };
}
