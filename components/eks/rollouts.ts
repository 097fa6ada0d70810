/**
 * Progressive delivery on the EKS placement: Argo Rollouts, installed by the placement whenever a routed service rolls
 * out as a canary or blue-green (the plan's `schedule.argo`, plan/support/eks.ts `eksRolloutSchedule`). The Kubernetes
 * adapter renders the Rollouts and AnalysisTemplates as on staging (components/kubernetes/rollout.ts); what differs here:
 *
 * - no traffic-router plugin: the edge is the AWS load balancer, whose target group the TargetGroupBinding fills with
 *   the pods behind the service's Service (edge.ts). A blue-green switches that Service to the new pods; a canary keeps
 *   both sets behind it, so its weight is the new pods' share of the replicas;
 * - the analysis reads the target group's metrics in CloudWatch (Argo Rollouts' CloudWatch provider,
 *   argo-rollouts docs/analysis/cloudwatch.md: `cloudwatch:GetMetricData` and `AWS_REGION` for the controller), so the
 *   controller's ServiceAccount gets a role through EKS Pod Identity (identity.ts) with that one action, which has no
 *   resource-level permissions (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatch.html);
 *   its SDK (aws-sdk-go-v2 `config.LoadDefaultConfig`, metricproviders/cloudwatch/cloudwatch.go) reads the Pod Identity
 *   agent's container credentials.
 */
import type * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PINS } from "../../conventions/pins";
import type { SystemFacts } from "../../plan";
import { OPERATOR_NAMESPACES } from "../kubernetes/context";
import { argoRolloutsValues } from "../kubernetes/operators";
import { podIdentityRelease } from "./identity";

/** The controller's release and ServiceAccount (set in its values, so the association names it exactly). */
export const EKS_ROLLOUTS = {
    release: "argo-rollouts",
    serviceAccount: "argo-rollouts",
    namespace: OPERATOR_NAMESPACES.argoRollouts,
} as const;

/** The one action the CloudWatch provider calls. */
export const GET_METRIC_DATA_STATEMENT: aws.iam.PolicyStatement = { Effect: "Allow", Action: ["cloudwatch:GetMetricData"], Resource: "*" };

/**
 * The controller's values on EKS: staging's without the Gateway API plugin, its ServiceAccount named for the Pod Identity
 * association, and the region its CloudWatch client reads (argo-helm charts/argo-rollouts values.yaml `serviceAccount`,
 * `controller.extraEnv`, whose own example is AWS_REGION).
 */
export function eksRolloutsValues(region: pulumi.Input<string>): Record<string, unknown> {
    const base = argoRolloutsValues(false) as { controller: Record<string, unknown> };
    return {
        ...base,
        serviceAccount: { create: true, name: EKS_ROLLOUTS.serviceAccount },
        controller: { ...base.controller, extraEnv: [{ name: "AWS_REGION", value: region }] },
    };
}

/** Arguments of {@link EksRollouts}. */
export interface EksRolloutsArgs {
    /** What the controller reads of the system (names, tags): its plan. */
    system: SystemFacts;
    /** The cluster's name and ARN (the Pod Identity association). */
    cluster: { name: pulumi.Input<string>; arn: pulumi.Input<string> };
    /** The stack's region: where the controller reads CloudWatch. */
    region: pulumi.Input<string>;
}

/** The Argo Rollouts controller on the cluster and its Pod Identity. Type token `tierform:eks:Rollouts`. */
export class EksRollouts extends pulumi.ComponentResource {
    /** The controller's Helm release (its CRDs come with it: what a Rollout waits for). */
    readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: EksRolloutsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("tierform:eks:Rollouts", name, {}, opts);
        this.release = podIdentityRelease(this, name, {
            system: args.system,
            cluster: args.cluster,
            release: EKS_ROLLOUTS.release,
            chart: PINS.argoRolloutsChart,
            namespace: EKS_ROLLOUTS.namespace,
            serviceAccount: EKS_ROLLOUTS.serviceAccount,
            statements: [GET_METRIC_DATA_STATEMENT],
            values: eksRolloutsValues(args.region),
        }).release;
        this.registerOutputs({});
    }
}
