/**
 * Traces on the EKS placement: the services' pods export OTLP/HTTP to the OpenTelemetry Collector
 * gateway in the `monitoring` namespace, at the address staging's pods use
 * (plan/support/kubernetes.ts `otlpEndpoint`: the placement's services run on Kubernetes, so
 * plan/observability.ts gives them that collector), and the gateway sends the spans to AWS X-Ray.
 *
 * The gateway is the Kubernetes adapter's own (chart `opentelemetry-collector`, the pinned
 * `otelCollectorChart`, release `otel-collector`, the values of components/kubernetes/observability.ts
 * `otelGatewayValues`: the same pod labels, so the NetworkPolicy flow of network.ts admits the pods to
 * it on 4318), with its exporter changed from staging's Tempo to `awsxray` (in the contrib image:
 * opentelemetry-collector-releases distributions/otelcol-contrib/manifest.yaml lists awsxrayexporter).
 * X-Ray rather than Tempo in the cluster: prod keeps one trace store whichever compute runs it (ECS
 * tasks send to X-Ray through their ADOT sidecar, components/aws/service/tracing.ts), it is managed (no
 * trace volume to size, back up or expire: Auto Mode has no default StorageClass, which Tempo's
 * persistence would need), and the rest of the placement's telemetry is AWS's (CloudWatch alarms on
 * the load balancer and datastores). The collector's credentials come from EKS Pod Identity, as the
 * services' do (identity.ts): a role with exactly the X-Ray write actions, taken only by the chart's
 * ServiceAccount `monitoring/otel-collector`.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PINS } from "../../conventions/pins";
import type { SystemFacts } from "../../plan";
import { XRAY_WRITE_STATEMENT } from "../aws/service/tracing";
import { OPERATOR_NAMESPACES } from "../kubernetes/context";
import { otelGatewayValues } from "../kubernetes/observability";
import { podIdentityRelease } from "./identity";

/** The gateway's release and ServiceAccount (the chart's fullname, `fullnameOverride` of otelGatewayValues), in the monitoring namespace. */
export const EKS_COLLECTOR = {
    release: "otel-collector",
    serviceAccount: "otel-collector",
    namespace: OPERATOR_NAMESPACES.monitoring,
} as const;

/** The gateway's values on EKS: staging's gateway, its traces sent to X-Ray in `region` instead of Tempo. */
export function eksCollectorValues(region: pulumi.Input<string>): Record<string, unknown> {
    return {
        ...otelGatewayValues(),
        serviceAccount: { create: true, name: EKS_COLLECTOR.serviceAccount },
        config: {
            exporters: { awsxray: { region } },
            service: { pipelines: { traces: { receivers: ["otlp"], processors: ["memory_limiter", "batch"], exporters: ["awsxray"] } } },
        },
    };
}

/** Arguments of {@link EksTraceCollector}. */
export interface EksTraceCollectorArgs {
    /** What the collector reads of the system (names, tags): its plan. */
    system: SystemFacts;
    /** The cluster's name and ARN (the Pod Identity association). */
    cluster: { name: pulumi.Input<string>; arn: pulumi.Input<string> };
    /** The stack's region: where X-Ray receives the spans. */
    region: pulumi.Input<string>;
    /** What the release waits for (kube-prometheus-stack's release, which creates the namespace first). @default none */
    dependsOn?: pulumi.Resource[];
}

/** The cluster's trace gateway to X-Ray and its Pod Identity. Type token `tierform:eks:TraceCollector`. */
export class EksTraceCollector extends pulumi.ComponentResource {
    /** The gateway's Helm release. */
    readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: EksTraceCollectorArgs, opts?: pulumi.ComponentResourceOptions) {
        super("tierform:eks:TraceCollector", name, {}, opts);
        this.release = podIdentityRelease(this, name, {
            system: args.system,
            cluster: args.cluster,
            release: EKS_COLLECTOR.release,
            chart: PINS.otelCollectorChart,
            namespace: EKS_COLLECTOR.namespace,
            serviceAccount: EKS_COLLECTOR.serviceAccount,
            statements: [XRAY_WRITE_STATEMENT],
            values: eksCollectorValues(args.region),
            dependsOn: args.dependsOn,
        }).release;
        this.registerOutputs({});
    }
}
