/** Engine-rule cases of the Kubernetes rules (scripts/offline/engine-rules/kubernetes.ts). */
import { PINS } from "../../../conventions/pins";
import type { PlannedResource } from "../../../scripts/offline/engine";
import { recorded, type EngineRuleCase } from "../helpers";

const JOB = "kubernetes:batch/v1:Job";
const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const STATEFULSET = "kubernetes:apps/v1:StatefulSet";
const SECRET = "kubernetes:core/v1:Secret";
const PROVIDER = "pulumi:providers:kubernetes";
const CLUSTER = "kubernetes:postgresql.cnpg.io/v1:Cluster";
const OBJECT_STORE = "kubernetes:barmancloud.cnpg.io/v1:ObjectStore";
const NS = "shop";

const peerAuthentication = (spec: Record<string, unknown>) =>
    recorded("kubernetes:security.istio.io/v1beta1:PeerAuthentication", "shop-mesh-web", {
        apiVersion: "security.istio.io/v1beta1",
        kind: "PeerAuthentication",
        metadata: { name: "mesh-web-edge", namespace: NS },
        spec,
    });
const SCALED_OBJECT = "kubernetes:keda.sh/v1alpha1:ScaledObject";
const HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler";
const deploymentRef = (name: string) => ({ apiVersion: "apps/v1", kind: "Deployment", name });
const scaledObject = (name: string, target: string, extra: { annotations?: Record<string, string>; hpaName?: string } = {}) =>
    recorded(SCALED_OBJECT, `shop-${name}-scaler`, {
        apiVersion: "keda.sh/v1alpha1",
        kind: "ScaledObject",
        metadata: { name, namespace: NS, ...(extra.annotations ? { annotations: extra.annotations } : {}) },
        spec: {
            scaleTargetRef: deploymentRef(target),
            minReplicaCount: 2,
            maxReplicaCount: 10,
            ...(extra.hpaName ? { advanced: { horizontalPodAutoscalerConfig: { name: extra.hpaName } } } : {}),
            triggers: [{ type: "cpu", metricType: "Utilization", metadata: { value: "70" } }],
        },
    });
const hpa = (name: string, target: string, annotations?: Record<string, string>) =>
    recorded(HPA, `shop-${name}-hpa`, {
        metadata: { name, namespace: NS, ...(annotations ? { annotations } : {}) },
        spec: { scaleTargetRef: deploymentRef(target), minReplicas: 2, maxReplicas: 10 },
    });
const urn = (type: string, name: string) => `urn:pulumi:test::tierform::${type}::${name}`;
const pod = (containers: any[], initContainers: any[] = []) => ({
    spec: { template: { spec: { containers, ...(initContainers.length ? { initContainers } : {}) } } },
});
const cluster = (annotations: Record<string, string> = { "pulumi.com/waitFor": "condition=Ready" }) =>
    recorded(CLUSTER, "shop-db", {
        apiVersion: "postgresql.cnpg.io/v1",
        kind: "Cluster",
        metadata: { name: "db", namespace: NS, annotations },
        spec: { instances: 1 },
    });
const migrate = (deps: string[]) =>
    recorded(
        JOB,
        "shop-migrate",
        {
            metadata: { name: "migrate-1a2b", namespace: NS },
            ...pod([
                {
                    name: "migrate",
                    image: "app:1",
                    env: [{ name: "DATABASE_URL", valueFrom: { secretKeyRef: { name: "web-connections", key: "DATABASE_URL" } } }],
                },
            ]),
        },
        { dependencies: deps },
    );
const connections = recorded(
    SECRET,
    "shop-web-connections",
    {
        metadata: { name: "web-connections", namespace: NS },
        stringData: { DATABASE_URL: "postgresql://app:pw@db-rw.shop.svc.cluster.local:5432/shop" },
    },
    { secretPaths: ["stringData"] },
);
const django = (headers?: any[]) =>
    recorded(DEPLOYMENT, "shop-backend", {
        metadata: { name: "backend", namespace: NS },
        ...pod([
            {
                name: "backend",
                image: "app:1",
                env: [{ name: "ALLOWED_HOSTS", value: "api.shop.example,.internal.example" }],
                readinessProbe: { httpGet: { path: "/ready", port: "http", ...(headers ? { httpHeaders: headers } : {}) } },
            },
        ]),
    });
const redis = (args: string[], limit = "512Mi") =>
    recorded(STATEFULSET, "shop-cache", {
        metadata: { name: "cache", namespace: NS },
        ...pod([{ name: "cache", image: "redis:7.4.1-alpine", command: ["redis-server"], args, resources: { limits: { memory: limit } } }]),
    });

const store = (namespace = NS) =>
    recorded(OBJECT_STORE, "shop-db-object-store", {
        apiVersion: "barmancloud.cnpg.io/v1",
        kind: "ObjectStore",
        metadata: { name: "db-archive", namespace },
        spec: { configuration: { destinationPath: "s3://backups/db" }, retentionPolicy: "30d" },
    });
const plugin = (barmanObjectName: string, serverName: string) => ({
    name: "barman-cloud.cloudnative-pg.io",
    parameters: { barmanObjectName, serverName },
});
const archiving = (spec: Record<string, unknown>, deps = [urn(OBJECT_STORE, "shop-db-object-store")]) =>
    recorded(
        CLUSTER,
        "shop-db",
        { apiVersion: "postgresql.cnpg.io/v1", kind: "Cluster", metadata: { name: "db", namespace: NS }, spec: { instances: 1, ...spec } },
        { dependencies: deps },
    );

const TGB = "kubernetes:eks.amazonaws.com/v1:TargetGroupBinding";
const tgUrn = urn("aws:lb/targetGroup:TargetGroup", "shop-web-tg");
const tgbInputs = (service: string, port: number, nodeSelector = false) => ({
    apiVersion: "eks.amazonaws.com/v1",
    kind: "TargetGroupBinding",
    metadata: { name: "web", namespace: NS },
    spec: {
        targetGroupARN: "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/shop-web/abc",
        targetType: "ip",
        serviceRef: { name: service, port },
        ...(nodeSelector ? { nodeSelector: { matchLabels: { pool: "web" } } } : {}),
    },
});
/** The AWS edge's target group, the web Service, and the TargetGroupBinding between them (components/eks/edge.ts). */
const binding = (o: { port?: number; service?: string; groupType?: string; nodeSelector?: boolean } = {}) => [
    recorded("aws:lb/targetGroup:TargetGroup", "shop-web-tg", { port: 8000, protocol: "HTTP", targetType: o.groupType ?? "ip" }),
    recorded("kubernetes:core/v1:Service", "shop-web", {
        metadata: { name: "web", namespace: NS },
        spec: { type: "ClusterIP", ports: [{ name: "http", port: 8000, targetPort: "http" }] },
    }),
    recorded(TGB, "shop-web-targets", tgbInputs(o.service ?? "web", o.port ?? 8000, o.nodeSelector), { dependencies: [tgUrn] }),
];
const ROLLOUT = "kubernetes:argoproj.io/v1alpha1:Rollout";
const rollout = (strategy: Record<string, unknown>) =>
    recorded(ROLLOUT, "shop-web-rollout", {
        apiVersion: "argoproj.io/v1alpha1",
        kind: "Rollout",
        metadata: { name: "web", namespace: NS },
        spec: { workloadRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" }, strategy },
    });
const canaryOf = (steps: unknown[], services = { stableService: "web", canaryService: "web-canary" }) => ({
    canary: { ...services, trafficRouting: { plugins: { "argoproj-labs/gatewayAPI": { httpRoutes: [{ name: "edge-web" }] } } }, steps },
});

/** The edge's preview route of `web` and its SecurityPolicy (components/kubernetes/preview.ts), namespace and names overridable. */
const HTTPROUTE = "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute";
const SECURITY_POLICY = "kubernetes:gateway.envoyproxy.io/v1alpha1:SecurityPolicy";
const previewRoute = (backend = "web-preview", port = 8000, namespace = NS) =>
    recorded(HTTPROUTE, `shop-edge-web-preview-${namespace}`, {
        apiVersion: "gateway.networking.k8s.io/v1",
        kind: "HTTPRoute",
        metadata: { name: "edge-web-preview", namespace },
        spec: {
            parentRefs: [{ name: "edge", sectionName: "https" }],
            rules: [
                {
                    matches: [
                        { path: { type: "PathPrefix", value: "/" }, headers: [{ type: "Exact", name: "x-tierform-preview", value: "1" }] },
                    ],
                    backendRefs: [{ name: backend, port }],
                },
            ],
        },
    });
const securityPolicy = (name: string, target: Record<string, unknown>) =>
    recorded(SECURITY_POLICY, `shop-${name}`, {
        apiVersion: "gateway.envoyproxy.io/v1alpha1",
        kind: "SecurityPolicy",
        metadata: { name, namespace: NS },
        spec: {
            targetRefs: [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute", ...target }],
            authorization: { defaultAction: "Deny", rules: [{ action: "Allow", principal: { clientCIDRs: ["203.0.113.0/24"] } }] },
        },
    });
const previewService = (name = "web-preview") =>
    recorded("kubernetes:core/v1:Service", `shop-${name}`, {
        metadata: { name, namespace: NS },
        spec: { type: "ClusterIP", ports: [{ name: "http", port: 8000, targetPort: "http" }] },
    });

/**
 * Custom resources and what provides their CRDs: the stack's operators component (with its
 * declared prerequisites), a Helm release of a pinned chart, a CustomResourceDefinition, and an EKS
 * Auto Mode cluster the run creates with the Kubernetes provider on it.
 */
const RELEASE = "kubernetes:helm.sh/v3:Release";
const operators = (...prerequisites: { operator: string; chart: string; repo?: string }[]) =>
    recorded("tierform:kubernetes:Operators", "shop-operators", { prerequisites }, { custom: false });
const CERT_MANAGER = { operator: "certManager", chart: PINS.certManagerChart.packageName, repo: PINS.certManagerChart.registryUrl };
const ARGO = { operator: "argoRollouts", chart: PINS.argoRolloutsChart.packageName, repo: PINS.argoRolloutsChart.registryUrl };
const argoRelease = (values: Record<string, unknown> = {}, extra: Partial<PlannedResource> = {}) =>
    recorded(
        RELEASE,
        "shop-operators-argo-rollouts",
        {
            name: "argo-rollouts",
            chart: PINS.argoRolloutsChart.packageName,
            version: PINS.argoRolloutsChart.value,
            repositoryOpts: { repo: PINS.argoRolloutsChart.registryUrl },
            values,
        },
        extra,
    );
const argoRollout = (deps: string[] = [urn(RELEASE, "shop-operators-argo-rollouts")], extra: Partial<PlannedResource> = {}) =>
    recorded(
        ROLLOUT,
        "shop-web-rollout",
        { apiVersion: "argoproj.io/v1alpha1", kind: "Rollout", metadata: { name: "web", namespace: NS }, spec: {} },
        { dependencies: deps, ...extra },
    );
const certificate = recorded("kubernetes:cert-manager.io/v1:Certificate", "shop-edge-certificate", {
    apiVersion: "cert-manager.io/v1",
    kind: "Certificate",
    metadata: { name: "edge", namespace: NS },
    spec: { secretName: "edge-tls" },
});
const CRD_TYPE = "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition";
const crontabCrd = recorded(CRD_TYPE, "shop-crontabs", {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: "crontabs.stable.example.com" },
    spec: { group: "stable.example.com", names: { kind: "CronTab", plural: "crontabs" }, scope: "Namespaced" },
});
const crontab = (deps: string[]) =>
    recorded(
        "kubernetes:stable.example.com/v1:CronTab",
        "shop-crontab",
        { apiVersion: "stable.example.com/v1", kind: "CronTab", metadata: { name: "nightly", namespace: NS }, spec: {} },
        { dependencies: deps },
    );
/** An EKS cluster this run creates (Auto Mode or not) and the Kubernetes provider whose kubeconfig comes from it. */
const EKS = "aws:eks/cluster:Cluster";
const eks = (autoMode = true) => [
    recorded(EKS, "shop-eks", { computeConfig: { enabled: autoMode } }),
    recorded("pulumi:providers:kubernetes", "shop-eks-k8s", { kubeconfig: "{}" }, { custom: true, dependencies: [urn(EKS, "shop-eks")] }),
];
const ON_EKS = { provider: `${urn("pulumi:providers:kubernetes", "shop-eks-k8s")}::shop-eks-k8s-id` };
const eksBinding = recorded(
    TGB,
    "shop-eks-web-targets",
    { apiVersion: "eks.amazonaws.com/v1", kind: "TargetGroupBinding", metadata: { name: "web", namespace: NS }, spec: {} },
    ON_EKS,
);

/** Every Kubernetes rule's cases. */
export const kubernetesRuleCases: EngineRuleCase[] = [
    {
        rule: "kubernetes-object-name-unique",
        // One name in two namespaces, or for two kinds, is two objects.
        good: [
            previewService(),
            recorded("kubernetes:core/v1:Service", "other-web-preview", { metadata: { name: "web-preview", namespace: "other" } }),
            previewRoute(),
            recorded(HTTPROUTE, "shop-edge-web-preview-2", { metadata: { name: "edge-web-preview", namespace: "other" } }),
        ],
        bad: [
            {
                why: "a service named web-preview beside blue-green web's preview Service",
                resources: [previewService(), recorded("kubernetes:core/v1:Service", "shop-svc-web-preview", previewService().inputs)],
                expect: /'web-preview' is also the name of shop-web-preview .*AlreadyExists/,
            },
            {
                why: "the same object registered twice under one logical name (one URN)",
                resources: [previewRoute(), previewRoute()],
                expect: /registered twice with one URN/,
            },
        ],
    },
    {
        rule: "kubernetes-envoy-security-policy-target",
        good: [previewRoute(), securityPolicy("edge-web-preview-allow", { name: "edge-web-preview" })],
        bad: [
            {
                why: "a target route the run does not create (the route would stay open)",
                resources: [previewRoute(), securityPolicy("edge-web-preview-allow", { name: "edge-web-previw" })],
                expect: /names HTTPRoute 'edge-web-previw', which this run does not create in shop: Envoy Gateway skips the policy/,
            },
            {
                why: "a target route in another namespace",
                resources: [
                    previewRoute("web-preview", 8000, "other"),
                    securityPolicy("edge-web-preview-allow", { name: "edge-web-preview" }),
                ],
                expect: /does not create in shop/,
            },
            {
                why: "a namespace on the target (pruned: a policy targets only its own namespace)",
                resources: [previewRoute(), securityPolicy("edge-web-preview-allow", { name: "edge-web-preview", namespace: "other" })],
                expect: /'other' is not a field of a policy target/,
            },
            {
                why: "two SecurityPolicies on one route (the second is Conflicted)",
                resources: [
                    previewRoute(),
                    securityPolicy("edge-web-preview-allow", { name: "edge-web-preview" }),
                    securityPolicy("edge-web-preview-allow-2", { name: "edge-web-preview" }),
                ],
                expect: /is also the target of SecurityPolicy/,
            },
        ],
    },
    {
        rule: "kubernetes-httproute-backend-service",
        good: [
            previewRoute(),
            previewService(),
            recorded(HTTPROUTE, "shop-edge-alone", previewRoute("api-preview", 8000, "edge-only").inputs),
        ],
        bad: [
            {
                why: "a backend Service the run does not create (its requests get 500)",
                resources: [previewRoute(), previewService("web")],
                expect: /names Service 'web-preview', which this run does not create in shop: its requests get 500/,
            },
            {
                why: "a port the backend Service does not have",
                resources: [previewRoute("web-preview", 3000), previewService()],
                expect: /3000 is not a port of Service 'web-preview'/,
            },
        ],
    },
    {
        rule: "kubernetes-custom-resource-crd-installed",
        good: [
            // The existing cluster: a declared prerequisite, a release the Rollout waits for, a CRD the CronTab waits for.
            operators(CERT_MANAGER),
            certificate,
            argoRelease(),
            argoRollout(),
            crontabCrd,
            crontab([urn(CRD_TYPE, "shop-crontabs")]),
            // The EKS Auto Mode cluster the run creates: Auto Mode's own TargetGroupBinding.
            ...eks(),
            eksBinding,
        ],
        bad: [
            {
                why: "a Rollout whose CRD nothing provides: no release, no CRD, not a declared prerequisite",
                resources: [operators(CERT_MANAGER), argoRollout([])],
                expect: /argoproj\.io\/v1alpha1 Rollout: no CRD argoproj\.io\/Rollout on the cluster: .*argo-rollouts 2\.41\.0/,
            },
            {
                why: "a Rollout on the EKS cluster this run creates, where its declared prerequisite cannot be (the prod-eks defect)",
                resources: [operators(ARGO), ...eks(), argoRollout([], ON_EKS)],
                expect: /this run creates the cluster \(aws:eks\/cluster:Cluster 'shop-eks'\).*prerequisite argoRollouts cannot be there/,
            },
            {
                why: "the release installs the CRD but the Rollout does not wait for it",
                resources: [operators(), argoRelease(), argoRollout([])],
                expect: /from Helm release 'shop-operators-argo-rollouts' \(argo-rollouts 2\.41\.0\), which this object does not depend on/,
            },
            {
                why: "the release turns the chart's CRDs off (installCRDs: false)",
                resources: [operators(), argoRelease({ installCRDs: false }), argoRollout()],
                expect: /no CRD argoproj\.io\/Rollout/,
            },
            {
                why: "the release is on another cluster",
                resources: [operators(), ...eks(), argoRelease({}, ON_EKS), argoRollout()],
                expect: /no CRD argoproj\.io\/Rollout/,
            },
            {
                why: "a CronTab created before the CRD this run registers",
                resources: [operators(), crontabCrd, crontab([])],
                expect: /from CustomResourceDefinition 'shop-crontabs', which this object does not depend on/,
            },
            {
                why: "a kind no pinned chart ships, with no CRD",
                resources: [operators(), crontab([])],
                expect: /register its CustomResourceDefinition/,
            },
            {
                why: "Auto Mode's TargetGroupBinding on a created cluster without Auto Mode",
                resources: [operators(), ...eks(false), eksBinding],
                expect: /no CRD eks\.amazonaws\.com\/TargetGroupBinding/,
            },
        ],
    },
    {
        rule: "kubernetes-argo-rollout-strategy",
        good: [
            rollout(canaryOf([{ setWeight: 5 }, { pause: { duration: "300s" } }, { setWeight: 100 }])),
            rollout({ blueGreen: { activeService: "web", previewService: "web-preview" } }),
        ],
        bad: [
            {
                why: "a weight above 100",
                resources: [rollout(canaryOf([{ setWeight: 150 }]))],
                expect: /150: a weight is between 0 and 100/,
            },
            { why: "a pause of 0", resources: [rollout(canaryOf([{ pause: { duration: "0s" } }]))], expect: /a pause lasts more than 0/ },
            {
                why: "a step that sets two things",
                resources: [rollout(canaryOf([{ setWeight: 5, pause: {} }]))],
                expect: /a step sets exactly one/,
            },
            {
                why: "the canary and stable Services are one",
                resources: [rollout(canaryOf([{ setWeight: 5 }], { stableService: "web", canaryService: "web" }))],
                expect: /also the stable service/,
            },
            {
                why: "traffic routing without a canary Service",
                resources: [rollout(canaryOf([{ setWeight: 5 }], { stableService: "web", canaryService: undefined as never }))],
                expect: /needs both canaryService and stableService/,
            },
            {
                why: "the preview is the active Service",
                resources: [rollout({ blueGreen: { activeService: "web", previewService: "web" } })],
                expect: /also the active service/,
            },
            {
                why: "two strategies",
                resources: [
                    rollout({ ...canaryOf([{ setWeight: 5 }]), blueGreen: { activeService: "web", previewService: "web-preview" } }),
                ],
                expect: /multiple strategies/,
            },
        ],
    },
    {
        rule: "kubernetes-cnpg-plugin-object-store",
        good: [
            store(),
            archiving({
                plugins: [{ ...plugin("db-archive", "db-g1"), isWALArchiver: true }],
                externalClusters: [{ name: "db", plugin: plugin("db-archive", "db") }],
            }),
        ],
        bad: [
            {
                why: "the WAL archiver names an ObjectStore the run does not create",
                resources: [store(), archiving({ plugins: [{ ...plugin("db-store", "db"), isWALArchiver: true }] })],
                expect: /names ObjectStore 'db-store', which this run does not create in namespace shop/,
            },
            {
                why: "the recovery source's ObjectStore is in another namespace",
                resources: [store("other"), archiving({ externalClusters: [{ name: "db", plugin: plugin("db-archive", "db") }] })],
                expect: /externalClusters\[0\]\.plugin\.parameters\.barmanObjectName|does not create/,
            },
            {
                why: "the Cluster does not depend on its ObjectStore",
                resources: [store(), archiving({ plugins: [{ ...plugin("db-archive", "db"), isWALArchiver: true }] }, [])],
                expect: /does not depend on it/,
            },
        ],
    },
    {
        rule: "kubernetes-await-operator-datastore",
        good: [cluster(), connections, migrate([urn(CLUSTER, "shop-db"), urn(SECRET, "shop-web-connections")])],
        bad: [
            {
                why: "a migration Job that does not depend on the Cluster it uses",
                resources: [cluster(), connections, migrate([urn(SECRET, "shop-web-connections")])],
                expect: /does not depend on it/,
            },
            {
                why: "a Job that waits for a Cluster without pulumi.com/waitFor",
                resources: [cluster({}), connections, migrate([urn(CLUSTER, "shop-db")])],
                expect: /no pulumi.com\/waitFor/,
            },
        ],
    },
    {
        rule: "kubernetes-probe-host-rejected",
        good: [
            django([{ name: "Host", value: "api.shop.example" }]),
            recorded(DEPLOYMENT, "d2", {
                metadata: { name: "d2", namespace: NS },
                ...django([{ name: "host", value: "admin.internal.example" }]).inputs,
            }),
        ],
        bad: [
            {
                why: "a Django probe without a Host header (the kubelet sends the pod IP)",
                resources: [django()],
                expect: /sends Host '<pod IP>'/,
            },
            {
                why: "a Django probe with a Host outside ALLOWED_HOSTS",
                resources: [django([{ name: "Host", value: "localhost" }])],
                expect: /'localhost'.*rejects/,
            },
        ],
    },
    {
        rule: "kubernetes-redis-memory-bound",
        good: [redis(["--port", "6379", "--maxmemory", "384mb", "--maxmemory-policy", "volatile-lru"])],
        bad: [
            {
                why: "redis-server under a 512 MiB limit without --maxmemory",
                resources: [redis(["--port", "6379", "--appendonly", "yes"])],
                expect: /512 MiB limit without --maxmemory/,
            },
            { why: "--maxmemory 0 (unbounded)", resources: [redis(["--maxmemory", "0"])] },
        ],
    },
    {
        rule: "kubernetes-secret-in-clear",
        good: [
            connections,
            recorded(PROVIDER, "shop-k8s", { kubeconfig: "apiVersion: v1\nusers: []" }, { secretPaths: ["kubeconfig"] }),
            recorded(DEPLOYMENT, "shop-web", {
                metadata: { name: "web", namespace: NS },
                ...pod([{ name: "web", image: "app:1", env: [{ name: "S3_ENDPOINT_URL", value: "http://object-store:9000" }] }]),
            }),
        ],
        bad: [
            {
                why: "a kubeconfig that is not a secret",
                resources: [recorded(PROVIDER, "shop-k8s", { kubeconfig: "apiVersion: v1\nusers: []" })],
                expect: /kubeconfig/,
            },
            {
                why: "a Secret value in the clear",
                resources: [
                    recorded(
                        SECRET,
                        "s",
                        { metadata: { name: "s", namespace: NS }, stringData: { username: "app", password: "pw" } },
                        { secretPaths: ["stringData.password"] },
                    ),
                ],
                expect: /not a Pulumi secret/,
            },
            {
                why: "a connection string with a password in an environment variable",
                resources: [
                    recorded(DEPLOYMENT, "shop-web", {
                        metadata: { name: "web", namespace: NS },
                        ...pod([{ name: "web", image: "app:1", env: [{ name: "REDIS_URL", value: "redis://:hunter2@cache:6379/0" }] }]),
                    }),
                ],
                expect: /REDIS_URL holds a connection string/,
            },
        ],
    },
    {
        rule: "kubernetes-lbc-target-group-binding",
        good: binding(),
        bad: [
            {
                why: "a second binding of the same target group",
                resources: [...binding(), recorded(TGB, "shop-web-targets-2", tgbInputs("web", 8000), { dependencies: [tgUrn] })],
                expect: /already bound/,
            },
            { why: "a port the Service does not have", resources: binding({ port: 80 }), expect: /80 is not a port/ },
            { why: "a Service the run does not create", resources: binding({ service: "api" }), expect: /names Service 'api'/ },
            {
                why: "ip targets into an instance target group",
                resources: binding({ groupType: "instance" }),
                expect: /takes instance targets/,
            },
            {
                why: "a nodeSelector with ip targets",
                resources: binding({ nodeSelector: true }),
                expect: /only instance targets select nodes/,
            },
        ],
    },
    {
        rule: "kubernetes-keda-scaled-object",
        good: [
            scaledObject("web", "web"),
            hpa("worker", "worker"),
            // An HPA KEDA's webhook is told to ignore, and one a ScaledObject takes over by name.
            hpa("web-legacy", "web", { "validations.keda.sh/hpa-ownership": "false" }),
            scaledObject("api", "api", { annotations: { "scaledobject.keda.sh/transfer-hpa-ownership": "true" }, hpaName: "api" }),
            hpa("api", "api"),
        ],
        bad: [
            {
                why: "an HPA of the run on the ScaledObject's workload",
                resources: [scaledObject("api", "api"), hpa("api", "api")],
                expect: /Deployment 'api' is already managed by the hpa 'api'/,
            },
            {
                why: "two ScaledObjects on one workload",
                resources: [scaledObject("api", "api"), scaledObject("api-requests", "api")],
                expect: /already managed by the ScaledObject 'api-requests'/,
            },
            {
                why: "a name the HPA label cannot hold",
                resources: [scaledObject("a".repeat(60), "api")],
                expect: /the HPA name 'keda-hpa-a+' is 69 characters; the limit is 63/,
            },
        ],
    },
    {
        rule: "kubernetes-istio-peer-authentication",
        good: [
            peerAuthentication({
                selector: { matchLabels: { app: "web" } },
                mtls: { mode: "STRICT" },
                portLevelMtls: { "8000": { mode: "PERMISSIVE" } },
            }),
        ],
        bad: [
            {
                why: "port-level mTLS on the namespace's policy",
                resources: [peerAuthentication({ mtls: { mode: "STRICT" }, portLevelMtls: { "8000": { mode: "PERMISSIVE" } } })],
                expect: /needs a workload selector/,
            },
            {
                why: "an empty port map",
                resources: [peerAuthentication({ selector: { matchLabels: { app: "web" } }, portLevelMtls: {} })],
                expect: /at least one port/,
            },
            {
                why: "port 0",
                resources: [
                    peerAuthentication({ selector: { matchLabels: { app: "web" } }, portLevelMtls: { "0": { mode: "PERMISSIVE" } } }),
                ],
                expect: /port 0 is not in 1\.\.65535/,
            },
        ],
    },
];
