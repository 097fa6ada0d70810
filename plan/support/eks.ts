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
import { kubernetes } from "./kubernetes";
import type { FeatureId, Support } from "./types";

/** Which platform's column a feature takes on the EKS placement: the platform that builds it there. */
export const EKS_FEATURE_SOURCE: Record<FeatureId, "kubernetes" | "aws" | "own"> = {
    autoscaling: "kubernetes",
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

/** What the mix builds where neither platform's column holds. */
const EKS_OWN: Partial<Record<FeatureId, Support>> = {
    "entrypoint-with-credentials": {
        level: "full",
        how: "container args (the image's ENTRYPOINT stays); credentials by secretKeyRef from Secrets Manager through External Secrets",
    },
    "traffic-shifting": {
        level: "approximated",
        how: "a surge of new pods before any old one goes (blue/green: maxSurge 100 %; canary: the first step); the load balancer's target group follows the pods, without weighted steps",
    },
    alerting: {
        level: "approximated",
        how: "CloudWatch alarms on the datastores, the load balancer and its target groups; PrometheusRules (the kube-prometheus-stack the placement installs) on the pods' availability and the services' own metrics; slowQueryCommitsPerSecond is not alarmed (RDS has no such metric)",
    },
    tracing: {
        level: "full",
        how: "OTLP/HTTP to the OpenTelemetry Collector gateway the placement installs in monitoring (otel-collector.monitoring.svc.cluster.local:4318, as on staging), on to AWS X-Ray (its awsxray exporter, credentials from EKS Pod Identity)",
    },
    "egress-closed": {
        level: "approximated",
        how: "NetworkPolicies admit each service's datastore ports in the VPC (not one datastore's address), HTTPS for AWS APIs where it uses a queue or bucket (SQS through a VPC interface endpoint, S3 through the gateway endpoint; the cluster's own AWS calls, EKS Auth, Secrets Manager and, where used, X-Ray, EFS and ECR, take interface endpoints too; images from other registries and the spec's internet egress take NAT), and the Pod Identity agent; the datastores' security groups admit the cluster's pods. With tierform:mesh (Istio ambient, as on staging) the pods accept only mutual TLS, except each routed service's port, which the load balancer (outside the mesh) reaches over HTTP: admitted from the load balancers' security groups (the cluster security group also admits itself: every node and pod) and, in the cluster, from the CIDR blocks of the load balancers' subnets only (the public subnets; the private ones too for a private route's service, which the nodes and the pods of other namespaces then reach in plain text)",
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
