/**
 * The edge of the EKS placement: the AWS edge itself (components/aws/edge.ts: the application
 * load balancer with TLS from ACM, WAF, CloudFront where the spec asks, the target groups and path
 * rules), its target groups filled with the routed services' pods by a `TargetGroupBinding` each,
 * reconciled by EKS Auto Mode's load balancer controller (it keeps the pods' IPs registered as they
 * come and go; https://docs.aws.amazon.com/eks/latest/userguide/auto-multi-cluster-target-groups.html
 * describes its TargetGroupBinding reconciliation, API group `eks.amazonaws.com/v1` as Auto Mode's
 * IngressClassParams, https://docs.aws.amazon.com/eks/latest/userguide/auto-configure-alb.html).
 *
 * Why not an Ingress, a Gateway or Envoy Gateway behind an NLB: the load balancer, its WAF
 * association, CloudFront's origin header and the access logs stay resources of this program,
 * built by the same code as on ECS (the AWS edge), not objects a controller creates and deletes;
 * clients' addresses reach the pods in `X-Forwarded-For` as on ECS. Auto Mode's Gateway API support
 * (GatewayClass `eks.amazonaws.com/gateway-alb`, since 2026-10-28) would move the ALB into the
 * controller's hands; the target groups here are `ip` targets, which TargetGroupBinding requires
 * for pods behind no NodePort.
 */
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { meta, type KubeContext } from "../kubernetes/context";
import type { KubernetesService } from "../kubernetes/service";
import type { AwsServiceLoadBalancer } from "../aws/service";
import { resourceName } from "../shared/naming";

/** Arguments of {@link bindTargetGroups}. */
export interface BindTargetGroupsArgs {
    /** The namespace and system. */
    ctx: KubeContext;
    /** The AWS edge's target groups by routed service. */
    targets: Record<string, AwsServiceLoadBalancer>;
    /** The services as the Kubernetes adapter built them (their ClusterIP Services). */
    services: Record<string, KubernetesService>;
}

/** One TargetGroupBinding per target group of each routed service (the internal load balancer's too). */
export function bindTargetGroups(
    name: string,
    args: BindTargetGroupsArgs,
    opts: pulumi.CustomResourceOptions,
): k8s.apiextensions.CustomResource[] {
    const out: k8s.apiextensions.CustomResource[] = [];
    for (const [svc, target] of Object.entries(args.targets)) {
        const service = args.services[svc]?.service;
        if (!service) throw new Error(`routed service '${svc}' has no Kubernetes Service to bind its target group to`);
        const port = args.ctx.system.services[svc].port!;
        const groups = [target.targetGroupArn, ...(target.additionalTargetGroupArns ?? [])];
        groups.forEach((arn, i) => {
            const bindingName = i === 0 ? svc : `${svc}-internal`;
            out.push(
                new k8s.apiextensions.CustomResource(
                    resourceName([name, bindingName, "targets"]),
                    {
                        apiVersion: "eks.amazonaws.com/v1",
                        kind: "TargetGroupBinding",
                        metadata: meta(args.ctx, bindingName, svc, "edge"),
                        spec: { targetGroupARN: arn, targetType: "ip", serviceRef: { name: svc, port } },
                    },
                    { ...opts, dependsOn: [service, ...(target.ready ?? [])] },
                ),
            );
        });
    }
    return out;
}
