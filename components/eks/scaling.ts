/**
 * Request-rate autoscaling on the EKS placement: KEDA, installed by the placement whenever a service scales on requests
 * (`autoscaling.requestsPerMinute`, the plan's `scaling.requestsPerMinute`). The Kubernetes adapter renders the
 * ScaledObject as on staging (components/kubernetes/service.ts `scaledObjectSpec`: the same range, fallback and CPU and
 * memory triggers; KEDA creates and owns the HPA); what differs here is the request signal. Staging reads Envoy
 * Gateway's request rate from Prometheus; here the edge is the AWS load balancer, so the trigger is KEDA's
 * `aws-cloudwatch` scaler on the service's own target group, the metric ECS's target tracking reads on the prod stack
 * (ALBRequestCountPerTarget):
 *
 * - `AWS/ApplicationELB` `RequestCountPerTarget`, dimension `TargetGroup` = the target group's ARN suffix
 *   (`targetgroup/<name>/<id>`). "The only valid statistic is Sum. This represents the average not the sum", one data
 *   point every 60 seconds while requests flow, none without them
 *   (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html): `Sum`
 *   over a 60-second period is the requests each target took in that minute, the spec's unit.
 * - The value is already per target, so the trigger's `metricType` is `Value`, not KEDA's default `AverageValue`:
 *   the HPA computes ⌈ready pods × value / target⌉ for a Value target and ⌈value / target⌉ for an AverageValue one
 *   (kubernetes pkg/controller/podautoscaler/replica_calculator.go `GetExternalMetricReplicas` and
 *   `GetExternalPerPodMetricReplicas`); AverageValue would divide a per-target rate by the replicas a second time.
 * - KEDA asks for the newest data point of the last five minutes (`metricCollectionTime` 300, a multiple of the 60 s
 *   `metricStatPeriod`, as the scaler's Validate requires) and skips the current minute (`metricEndTimeOffset` 60), which
 *   CloudWatch may still be filling. A minute without requests has no data point: the scaler then reports
 *   `minMetricValue` 0 (`ignoreNullValues` defaults to true), and CPU, memory and the range decide. The signal is one to
 *   two minutes old, as ECS's target tracking's is. `useCachedMetrics`: the HPA's reads (every 15 s, the controller
 *   manager's sync period) take the value KEDA read at its last poll (`pollingInterval` 30 s) instead of each calling
 *   GetMetricData (KEDA docs 2.20 reference/scaledobject-spec.md "useCachedMetrics", "pollingInterval"): half the
 *   calls for a value that changes once a minute.
 *
 * Metadata keys as KEDA 2.20.2's scaler parses them (kedacore/keda pkg/scalers/aws_cloudwatch_scaler.go,
 * `awsCloudwatchMetadata`: `targetMetricValue` and `minMetricValue` are required, `awsRegion` too; the docs,
 * keda-docs content/docs/2.20/scalers/aws-cloudwatch.md, call `minMetricValue` optional).
 *
 * Credentials: a TriggerAuthentication with `podIdentity: { provider: aws, identityOwner: keda }`, the current way (KEDA
 * docs 2.20 authentication-providers/aws.md; the `aws-eks` provider and the trigger's own `identityOwner` are
 * deprecated since 2.13). Without a `roleArn` KEDA builds its CloudWatch client from the operator's own default
 * credential chain (pkg/scalers/aws/aws_config_cache.go `GetCredentials`: `config.LoadDefaultConfig`, no AssumeRole),
 * which reads the EKS Pod Identity agent's container credentials; so the operator's ServiceAccount (`keda-operator`,
 * named in the chart's values) gets a role through EKS Pod Identity (identity.ts) with the one action the scaler calls,
 * `cloudwatch:GetMetricData` (its client's only call, `GetCloudwatchMetrics`; the docs' "IAM Permissions"), which has
 * no resource-level permissions (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatch.html).
 * KEDA's metrics server asks the operator over gRPC and calls no AWS API. The release waits for the association.
 */
import type * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PINS } from "../../conventions/pins";
import type { ServicePlan } from "../../plan";
import { meta, OPERATOR_NAMESPACES, type KubeContext } from "../kubernetes/context";
import { kedaValues } from "../kubernetes/operators";
import type { KubernetesServiceArgs } from "../kubernetes/service";
import { podIdentityRelease } from "./identity";

/** KEDA's release and operator ServiceAccount (set in its values, so the association names it exactly), and the TriggerAuthentication. */
export const EKS_KEDA = {
    release: "keda",
    operatorServiceAccount: "keda-operator",
    namespace: OPERATOR_NAMESPACES.keda,
    triggerAuthentication: "keda-aws-operator",
} as const;

/** The one action the aws-cloudwatch scaler calls. */
export const KEDA_CLOUDWATCH_STATEMENT: aws.iam.PolicyStatement = { Effect: "Allow", Action: ["cloudwatch:GetMetricData"], Resource: "*" };

/** KEDA's values on EKS: staging's, with the operator's ServiceAccount named for its Pod Identity association (kedacore/charts keda/values.yaml `serviceAccount.operator`). */
export function eksKedaValues(monitoring: boolean): Record<string, unknown> {
    return { ...kedaValues(monitoring), serviceAccount: { operator: { create: true, name: EKS_KEDA.operatorServiceAccount } } };
}

/**
 * The request-rate trigger of a service's ScaledObject on EKS: its target group's requests per target per minute in
 * CloudWatch against the spec's requests per minute per replica (see the module doc for each key).
 */
export function targetGroupRequestsTrigger(
    targetGroup: pulumi.Input<string>,
    region: pulumi.Input<string>,
    requestsPerMinute: number,
): Record<string, unknown> {
    return {
        type: "aws-cloudwatch",
        name: "requests-per-minute",
        metricType: "Value",
        useCachedMetrics: true,
        authenticationRef: { name: EKS_KEDA.triggerAuthentication },
        metadata: {
            namespace: "AWS/ApplicationELB",
            metricName: "RequestCountPerTarget",
            dimensionName: "TargetGroup",
            dimensionValue: targetGroup,
            metricStat: "Sum",
            metricStatPeriod: "60",
            metricCollectionTime: "300",
            metricEndTimeOffset: "60",
            targetMetricValue: String(requestsPerMinute),
            minMetricValue: "0",
            awsRegion: region,
        },
    };
}

/** Arguments of {@link EksKeda}. */
export interface EksKedaArgs {
    /** The services' namespace (its TriggerAuthentication) and the system. */
    ctx: KubeContext;
    /** The cluster's name and ARN (the Pod Identity association). */
    cluster: { name: pulumi.Input<string>; arn: pulumi.Input<string> };
    /** The stack's region: where the scaler reads CloudWatch. */
    region: pulumi.Input<string>;
}

/** KEDA on the cluster, its operator's Pod Identity and the services' TriggerAuthentication. Type token `tierform:eks:Keda`. */
export class EksKeda extends pulumi.ComponentResource {
    /** KEDA's Helm release (its CRDs and admission webhook come with it). */
    readonly release: k8s.helm.v3.Release;
    /** The TriggerAuthentication every request trigger names: the KEDA operator's own credentials. */
    readonly authentication: k8s.apiextensions.CustomResource;
    private readonly region: pulumi.Input<string>;

    constructor(name: string, args: EksKedaArgs, opts?: pulumi.ComponentResourceOptions) {
        super("tierform:eks:Keda", name, {}, opts);
        const { ctx } = args;
        this.region = args.region;
        this.release = podIdentityRelease(this, name, {
            system: ctx.system,
            cluster: args.cluster,
            release: EKS_KEDA.release,
            chart: PINS.kedaChart,
            namespace: EKS_KEDA.namespace,
            serviceAccount: EKS_KEDA.operatorServiceAccount,
            statements: [KEDA_CLOUDWATCH_STATEMENT],
            values: eksKedaValues(ctx.settings.monitoringCrds),
        }).release;
        this.authentication = new k8s.apiextensions.CustomResource(
            `${name}-trigger-auth`,
            {
                apiVersion: "keda.sh/v1alpha1",
                kind: "TriggerAuthentication",
                metadata: meta(ctx, EKS_KEDA.triggerAuthentication, EKS_KEDA.triggerAuthentication, "service"),
                spec: { podIdentity: { provider: "aws", identityOwner: "keda" } },
            },
            { parent: this, dependsOn: [this.release] },
        );
        this.registerOutputs({});
    }

    /**
     * What a service's KubernetesService takes from KEDA: where the plan scales it on requests, the trigger on its target
     * group, and the release and TriggerAuthentication its ScaledObject waits for; nothing otherwise.
     */
    serviceArgs(plan: ServicePlan, targetGroup: pulumi.Input<string> | undefined): Partial<KubernetesServiceArgs> {
        if (plan.scaling.requestsPerMinute === undefined) return {};
        // The loader refuses requestsPerMinute on a service no route reaches, and every routed service has a target group.
        if (targetGroup === undefined) throw new Error(`tierform: ${plan.name} scales on requests but has no target group`);
        return {
            requestTrigger: (rpm) => targetGroupRequestsTrigger(targetGroup, this.region, rpm),
            autoscalerDependsOn: [this.release, this.authentication],
        };
    }
}
