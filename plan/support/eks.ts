/**
 * The EKS placement (`tierform:placement: eks` on an aws stack; components/eks/): the services,
 * their edge routing and the workers run through the Kubernetes adapter on an EKS Auto Mode
 * cluster the program creates, while the datastores, the load balancer, CloudFront and the WAF are
 * AWS's managed services, built by the AWS provisioners and edge. Its column of every feature is a
 * composition: each feature takes the column of the platform that builds it
 * ({@link EKS_FEATURE_SOURCE}), except where the mix itself builds something neither column says
 * ({@link EKS_OWN}). The plan of an EKS stack is the AWS plan (its datastores, engines, ports and
 * connection transport are AWS's); only the approximations it prints come from this column.
 */
import { aws } from "./aws";
import { kubernetes, previewApproximation } from "./kubernetes";
import { analysisText } from "./rollout-text";
import type { FeatureId, RolloutIntent, RolloutSchedule, Support } from "./types";

/** Which platform's column a feature takes on the EKS placement: the platform that builds it there. */
export const EKS_FEATURE_SOURCE: Record<FeatureId, "kubernetes" | "aws" | "own"> = {
    // The HPA is the Kubernetes adapter's; the request signal is the load balancer's (components/eks/scaling.ts).
    autoscaling: "own",
    "scale-to-zero": "kubernetes",
    "read-replicas": "aws",
    "cache-cluster": "aws",
    "bucket-tiers": "aws",
    cdn: "aws",
    waf: "aws",
    "egress-ports": "kubernetes",
    "point-in-time": "aws",
    "cross-region": "aws",
    "datastore-tls": "aws",
    "image-build": "kubernetes",
    "entrypoint-with-credentials": "own",
    "traffic-shifting": "own",
    "storage-size": "aws",
    "backup-archive": "aws",
    "queue-semantics": "aws",
    alerting: "own",
    "recovery-time": "aws",
    "body-size-limit": "aws",
    "private-routes": "aws",
    "egress-closed": "own",
    "cache-persistence": "aws",
    "cache-memory": "aws",
    "database-parameters": "aws",
    // The traffic policy is rendered at the edge, which is the AWS load balancer and WAF here.
    "request-timeout": "aws",
    retries: "aws",
    "outlier-detection": "aws",
    "circuit-breaking": "aws",
    "service-rate-limit": "aws",
    // The pods export to the cluster's collector (the staging endpoint), which the placement installs with an X-Ray exporter.
    tracing: "own",
};

/**
 * The EKS placement's saturation in CloudWatch, without installing anything (issue 23): Auto Mode publishes no per-pod CPU,
 * memory or restart metric to CloudWatch (that is Container Insights, the amazon-cloudwatch-observability add-on, which the
 * placement does not install); its cluster's kube-prometheus-stack (components/eks/system.ts) has them, and the alerts on
 * them (ReplicasUnavailable, SchedulerNotRunning) are the cluster's PrometheusRule's. What CloudWatch has is the load
 * balancer's: a routed service's ready pods are its target groups' healthy targets (AWS/ApplicationELB HealthyHostCount by
 * TargetGroup and LoadBalancer, https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html),
 * so its replicas graph is that approximation; a service without a route has none. The dashboard's service rows say this
 * (components/aws/observability.ts), and so does the plan's `alerting` approximation.
 */
export const EKS_SATURATION =
    "CPU, memory, restarts and, for a service without a route, its replicas are the cluster's Prometheus's (kube-prometheus-stack), not CloudWatch's; a routed service's replicas are its target groups' healthy targets";

/** What the mix builds where neither platform's column holds. */
const EKS_OWN: Partial<Record<FeatureId, Support>> = {
    autoscaling: {
        level: "full",
        how: "HorizontalPodAutoscaler (CPU/memory) over the range; with requestsPerMinute a KEDA ScaledObject (KEDA installed by the placement, its operator reading CloudWatch through EKS Pod Identity) whose aws-cloudwatch trigger reads the service's target group's RequestCountPerTarget (Sum per minute: the requests each target took, the metric ECS's target tracking reads) beside the CPU and memory targets given",
    },
    "entrypoint-with-credentials": {
        level: "full",
        how: "container args (the image's ENTRYPOINT stays); credentials by secretKeyRef from Secrets Manager through External Secrets",
    },
    "traffic-shifting": {
        level: "approximated",
        how: "Argo Rollouts, which the placement installs: a blue/green switches the active Service, whose pods the load balancer's target group follows; a canary's weight is the new pods' share of the replicas (no traffic router: the target group holds every ready pod); the analysis reads the target group's CloudWatch metrics",
    },
    alerting: {
        level: "approximated",
        how: `CloudWatch alarms on the datastores, the load balancer and its target groups (HighErrorRatio and HighLatencyP99 per routed service, as on ECS), and ErrorLogs on the error lines a metric filter counts per service, as on ECS, in the service's CloudWatch Logs group /tierform/<system>-<environment>/eks-pods/<service> (the pods' stdout and stderr, its migration Job's and promotion checks' with them, shipped by an OpenTelemetry Collector DaemonSet the placement installs, kept observability.logRetentionDays under the stack's logs key, a stream per pod; the namespace's other pods in .../eks-pods/_other, uncounted; the saved Logs Insights queries over the services' groups); PrometheusRules (the kube-prometheus-stack the placement installs) on the pods' availability and the services' own metrics; the datastores' catalogue alarms as on ECS (not ready, commits per second of an RDS PostgreSQL primary, no AWS Backup job completed within the backup age); the CloudWatch dashboard generated from the plan as on ECS, except that ${EKS_SATURATION}`,
    },
    tracing: {
        level: "full",
        how: "OTLP/HTTP to the OpenTelemetry Collector gateway the placement installs in monitoring (otel-collector.monitoring.svc.cluster.local:4318, as on staging), on to AWS X-Ray (its awsxray exporter, credentials from EKS Pod Identity)",
    },
    "egress-closed": {
        level: "approximated",
        how: "NetworkPolicies admit each service's datastore ports in the VPC (not one datastore's address), HTTPS for AWS APIs where it uses a queue or bucket (SQS through a VPC interface endpoint, S3 through the gateway endpoint; the cluster's own AWS calls, EKS Auth, Secrets Manager, CloudWatch Logs and, where used, CloudWatch metrics (Argo Rollouts' analysis, KEDA's request trigger), X-Ray, EFS and ECR, take interface endpoints too; images from other registries and the spec's internet egress take NAT), and the Pod Identity agent; the datastores' security groups admit the cluster's pods. With tierform:mesh (Istio ambient, as on staging) the pods accept only mutual TLS, except each routed service's port, which the load balancer (outside the mesh) reaches over HTTP: admitted from the load balancers' security groups (the cluster security group also admits itself: every node and pod) and, in the cluster, from the CIDR blocks of the load balancers' subnets only (the public subnets; the private ones too for a private route's service, which the nodes and the pods of other namespaces then reach in plain text); a pod's own node always reaches it",
    },
};

/** The EKS placement's column of every feature. */
export const eksFeatures: Record<FeatureId, Support> = Object.fromEntries(
    (Object.keys(EKS_FEATURE_SOURCE) as FeatureId[]).map((id) => {
        const source = EKS_FEATURE_SOURCE[id];
        const support = source === "own" ? EKS_OWN[id] : (source === "aws" ? aws : kubernetes).features[id];
        if (!support) throw new Error(`plan/support/eks.ts: feature ${id} is 'own' but EKS_OWN has no entry`);
        return [id, support];
    }),
) as Record<FeatureId, Support>;

/** The CloudWatch metrics of the load balancer's target group an EKS rollout's analysis reads (components/kubernetes/rollout.ts). */
const ALB_ANALYSIS = "HTTPCode_Target_5XX_Count over RequestCount and TargetResponseTime, per minute";

/**
 * The schedule Argo Rollouts runs on the EKS placement, which installs it (components/eks/parts.ts): the staging
 * schedule (plan/support/kubernetes.ts), except that the edge is the AWS load balancer, not HTTPRoutes. A blue-green
 * switches the active Service, and the TargetGroupBinding moves the target group to its pods; a canary has no traffic
 * router, so Argo Rollouts sets each step's weight as the new pods' share of the replicas, rounded up to whole pods
 * (argo-rollouts docs/features/canary.md, "Mimicking Rolling Update"; utils/replicaset/canary.go), and the stable
 * Service is left alone so the target group keeps both sets of pods. The analysis reads the target group's metrics in
 * CloudWatch (Argo Rollouts' CloudWatch provider, docs/analysis/cloudwatch.md).
 */
export function eksRolloutSchedule(intent: RolloutIntent): RolloutSchedule {
    const staging = kubernetes.rolloutSchedule(intent);
    if (!staging.argo) return staging;
    const measured = intent.analysis
        ? [
              `the analysis reads the target group's CloudWatch metrics (${ALB_ANALYSIS}): it judges all of the service's requests, and a minute without requests has no data point and passes`,
          ]
        : [];
    if (intent.strategy === "canary") {
        const first = intent.steps[0].weight;
        return {
            ...staging,
            runner: "Argo Rollouts canary by pod share (no traffic router: the load balancer's target group holds every ready pod)",
            argo: { traffic: "podShare", metrics: "albCloudWatch" },
            steps: staging.steps.map((s) => (s.what === "canary" ? { ...s, what: "canary: the new pods' share of the replicas" } : s)),
            onFailure: "abort: the canary's pods scaled down, the stable pods scaled back up",
            approximations: [
                `a step's weight is the new pods' share of the replicas, rounded up to whole pods: at ${first} % a service of n replicas runs ⌈${first}·n/100⌉ new pods, which take their share of the requests`,
                ...measured,
            ],
        };
    }
    return {
        ...staging,
        runner: "Argo Rollouts blue-green, the active and preview Services; the load balancer's target group follows the active one",
        argo: { traffic: "podShare", metrics: "albCloudWatch" },
        steps: staging.steps.map((s) =>
            s.what.startsWith("switch") ? { ...s, gate: s.gate.replace(analysisText(intent), `${analysisText(intent)} (CloudWatch)`) } : s,
        ),
        // No HTTPRoutes here: the preview stays in the cluster whatever rollout.preview says.
        approximations: [previewApproximation(intent, false), ...measured],
    };
}
