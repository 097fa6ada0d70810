/**
 * The stack's `tierform:*` configuration keys: their types, defaults and descriptions.
 * Pulumi.yaml declares the same keys; `test/model/config.test.ts` holds the two in step.
 */
import * as fs from "fs";
import { z } from "zod";
import { ENVIRONMENTS } from "./profiles";
import { PLATFORMS, type Platform } from "../conventions/platforms";

export { PLATFORMS, type Platform } from "../conventions/platforms";

const bool = z.union([z.boolean(), z.enum(["true", "false"]).transform((v) => v === "true")]);
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** Every `tierform:` key with its schema, default and description. */
export const CONFIG_KEYS = {
    platform: {
        schema: z.enum(PLATFORMS),
        default: "docker",
        description: "Where the system runs: docker (local engine), kubernetes (current kubeconfig context) or aws.",
    },
    environment: {
        schema: z.enum(ENVIRONMENTS),
        default: "dev",
        description: "Environment profile that fills what the spec leaves out: dev, staging or prod.",
    },
    system: {
        schema: z.string().min(1),
        default: "mdc-tts",
        description: "A preset name (a file in systems/) or a path to a system spec YAML file.",
    },
    overrides: {
        schema: z.record(z.string(), z.unknown()),
        default: {},
        description: "Any spec field, deep-merged over the system spec (objects merge, arrays replace, null removes).",
    },
    maxReplicas: {
        schema: int(0, 1000),
        default: 0,
        description: "Caps every service's replica range (0 = no cap), e.g. to keep a laptop responsive.",
    },
    edgeBindAddress: {
        schema: z.union([z.ipv4(), z.ipv6()]),
        default: "127.0.0.1",
        description: "docker: host address the edge publishes on. Only the edge is ever published.",
    },
    observability: {
        schema: bool,
        default: false,
        description:
            "docker: the observability profile: an OpenTelemetry Collector, Loki, Tempo and Grafana with the system's dashboard beside the system, every container's log sent to the collector (Docker's fluentd log driver). Off, every service gets OTEL_SDK_DISABLED=true.",
    },
    grafanaPort: {
        schema: int(1024, 65535),
        default: 3000,
        description:
            "docker: loopback host port (127.0.0.1) of the observability profile's Grafana (read-only, anonymous viewers, no login).",
    },
    logForwardPort: {
        schema: int(1024, 65535),
        default: 24224,
        description:
            "docker: loopback host port (127.0.0.1) the Docker daemon sends every container's log to (the collector's Fluent Forward receiver), with the observability profile.",
    },
    edgeHttpPort: { schema: int(1, 65535), default: 8080, description: "docker: host port for HTTP (redirects to HTTPS)." },
    edgeHttpsPort: { schema: int(1, 65535), default: 8443, description: "docker: host port for HTTPS." },
    kubeconfig: {
        schema: z.string(),
        default: "",
        description: "kubernetes: path or contents of a kubeconfig; empty uses the current context.",
    },
    namespace: {
        schema: z.string().regex(/^([a-z0-9]([-a-z0-9]*[a-z0-9])?)?$/),
        default: "",
        description: "kubernetes: namespace to create; empty uses the system name.",
    },
    installOperators: {
        schema: bool,
        default: false,
        description:
            "kubernetes: install every operator the system needs (Envoy Gateway, cert-manager, CloudNativePG, KEDA, kube-prometheus-stack, metrics-server) from their pinned Helm charts.",
    },
    installEnvoyGateway: {
        schema: bool,
        default: false,
        description: "kubernetes: install Envoy Gateway (chart v1.9.0, with the Gateway API CRDs) and its rate-limit Redis for the edge.",
    },
    installKeda: { schema: bool, default: false, description: "kubernetes: install KEDA (chart 2.20.2) for request-rate autoscaling." },
    installCertManager: {
        schema: bool,
        default: false,
        description: "kubernetes: install cert-manager (chart v1.21.1) for the edge's certificate and the Barman Cloud plugin's.",
    },
    installCloudNativePg: {
        schema: bool,
        default: false,
        description:
            "kubernetes: install CloudNativePG (chart 0.29.0, operator 1.30) and its Barman Cloud plugin (chart 0.7.0) for PostgreSQL.",
    },
    installObservability: {
        schema: bool,
        default: false,
        description:
            "kubernetes: install the observability parts into monitoring (Loki for logs, Tempo for traces, an OpenTelemetry Collector gateway for the services' OTLP) and log-collector (an OpenTelemetry Collector DaemonSet reading every node's pod logs); needs monitoringCrds (Grafana comes with kube-prometheus-stack).",
    },
    installMetricsServer: {
        schema: bool,
        default: false,
        description:
            "kubernetes: install metrics-server (chart 3.13.1) into kube-system; CPU/memory HPAs and KEDA cpu/memory triggers read it. Leave off where the cluster has one (k3s, minikube's addon, the EKS add-on).",
    },
    installArgoRollouts: {
        schema: bool,
        default: false,
        description:
            "kubernetes: install Argo Rollouts (chart 2.41.0, controller v1.9.0) into argo-rollouts, with its Gateway API traffic-router plugin, for the canary and blue-green rollouts of routed services. aws with placement eks: the placement installs it (without the plugin) whenever a routed service rolls out as a canary or blue-green.",
    },
    mesh: {
        schema: bool,
        default: true,
        description:
            "kubernetes: the services and the edge's proxies in an Istio ambient mesh (ztunnel, no sidecars): mutual TLS, each service admitting only its callers (the edge; Prometheus), L4 telemetry; needs Istio 1.31 in ambient mode (installIstio). aws with placement eks: the same mesh, Istio installed by the placement; the load balancer, outside the mesh, reaches each routed port over HTTP from the VPC.",
    },
    installIstio: {
        schema: bool,
        default: false,
        description:
            "kubernetes: install Istio 1.31.1 in ambient mode (charts base, istiod, cni, ztunnel) into istio-system, for the mesh.",
    },
    cni: {
        schema: z.enum(["other", "cilium", "calico", "aws-vpc-cni"]),
        default: "other",
        description:
            "kubernetes: the cluster's CNI, for the PostgreSQL instances' API-server egress: cilium renders a CiliumNetworkPolicy toEntities kube-apiserver (Cilium's CIDR rules never match the API server); calico, aws-vpc-cni and other an ipBlock on 443/6443.",
    },
    installPrometheusStack: {
        schema: bool,
        default: false,
        description: "kubernetes: install kube-prometheus-stack (chart 88.5.3); needs monitoringCrds.",
    },
    monitoringCrds: {
        schema: bool,
        default: true,
        description: "kubernetes: create ServiceMonitor and PrometheusRule objects (needs the prometheus-operator CRDs).",
    },
    storageClass: {
        schema: z.string(),
        default: "",
        description: "kubernetes: StorageClass of persistent volumes; empty uses the cluster default.",
    },
    archiveGeneration: {
        schema: int(0, 1000),
        default: 0,
        description:
            "kubernetes: PostgreSQL archive generation; after a mistaken destroy, raise it by one and `pulumi up`: each CloudNativePG cluster then recovers from the previous generation's base backups and WAL and archives to a new one.",
    },
    sharedStorageClass: {
        schema: z.string(),
        default: "",
        description:
            "kubernetes: a StorageClass that provisions ReadWriteMany volumes (NFS, CephFS, EFS, Azure Files) for the spec's fileShares; required when the system has any.",
    },
    s3Endpoint: {
        schema: z.string(),
        default: "",
        description: "kubernetes: S3-compatible endpoint for buckets and backups; empty runs MinIO in the namespace.",
    },
    placement: {
        schema: z.enum(["", "eks"]),
        default: "",
        description:
            "aws: where the services run: empty on ECS Fargate; eks on an EKS cluster (Auto Mode) the program creates, through the Kubernetes adapter, with the datastores, edge, CDN and WAF still on AWS's managed services.",
    },
    clusterApiCidrs: {
        schema: z.array(z.string().regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/)),
        default: [],
        description:
            "aws: with placement eks, the address ranges (CIDR) that may reach the cluster's Kubernetes API over the internet, e.g. your CI runners' and VPN's; empty keeps the API private to the VPC (run pulumi from inside it).",
    },
    vpcId: {
        schema: z.string().regex(/^(vpc-[0-9a-f]+)?$/),
        default: "",
        description: "aws: an existing VPC to deploy into; empty creates one.",
    },
    azCount: { schema: int(0, 6), default: 0, description: "aws: availability zones to span (0 = 3 in prod, 2 elsewhere)." },
    singleNatGateway: {
        schema: bool,
        default: false,
        description:
            "aws: one NAT gateway (and Elastic IP) for the whole VPC instead of one per zone, the prod profile's default: saves about $36 a month per zone beyond the first (us-east-1: $0.045 an hour per gateway, $0.005 an hour per public IPv4 address), but when that zone fails every private subnet loses its internet egress (image pulls from outside ECR, AWS APIs without VPC endpoints) and other zones' traffic pays cross-zone transfer; for a non-critical stack.",
    },
    drRegion: {
        schema: z.string().regex(/^([a-z]{2}(-[a-z]+)+-\d)?$/),
        default: "",
        description: "aws: region for disaster-recovery copies and replicas (used when the spec's recovery.crossRegion is set).",
    },
    alarmEmail: {
        schema: z.union([z.literal(""), z.email()]),
        default: "",
        description: "aws: e-mail address subscribed to the alarm topic; empty creates the topic without a subscription.",
    },
    certificateArn: {
        schema: z.string(),
        default: "",
        description: "aws: an existing ACM certificate for the edge; empty requests one for the spec's domain.",
    },
    hostedZoneId: {
        schema: z.string().regex(/^(Z[0-9A-Z]+)?$/),
        default: "",
        description: "aws: the public Route 53 hosted zone of edge.domain; empty uses the first existing zone of the domain or a parent.",
    },
} as const;

/** The platform a key applies to (its description starts `docker:`, `kubernetes:` or `aws:`), or undefined for every platform. */
export function platformOfKey(key: ConfigKey): Platform | undefined {
    const prefix = /^(docker|kubernetes|aws):/.exec(CONFIG_KEYS[key].description)?.[1];
    return prefix as Platform | undefined;
}

/** A key of {@link CONFIG_KEYS}, without its `tierform:` prefix. */
export type ConfigKey = keyof typeof CONFIG_KEYS;
/** The stack's settings: every key parsed, defaults applied. */
export type Settings = { [K in ConfigKey]: z.output<(typeof CONFIG_KEYS)[K]["schema"]> } & {
    /** `aws:region`, the AWS provider's own key, read by the loader so components never read config themselves. @default unset: the provider's default (AWS_REGION) */
    awsRegion?: string;
};

/** The providers this program uses: a config key in one of their namespaces (`aws:region`) is that provider's setting. */
export const PROVIDER_NAMESPACES = ["aws", "kubernetes", "docker", "random", "tls"] as const;

const providerKeys = new Map<string, string[] | undefined>();

/**
 * The configuration keys the installed provider SDK `@pulumi/<namespace>` accepts: the inputs its
 * `Provider` resource passes on (`resourceInputs["region"]` in the SDK's generated provider.js),
 * which are the provider's schema `config.variables` (pulumi/pkg codegen/nodejs gen.go). Read from
 * the installed SDK, so a provider upgrade brings its new keys with it; undefined when the SDK is
 * not installed.
 */
export function providerConfigKeys(namespace: string): string[] | undefined {
    if (providerKeys.has(namespace)) return providerKeys.get(namespace);
    let keys: string[] | undefined;
    try {
        const text = fs.readFileSync(require.resolve(`@pulumi/${namespace}/provider.js`), "utf8");
        keys = [...new Set([...text.matchAll(/resourceInputs\["([A-Za-z0-9_]+)"\]/g)].map((m) => m[1]))].sort();
    } catch {
        // Not installed: nothing to check against.
    }
    providerKeys.set(namespace, keys);
    return keys;
}
