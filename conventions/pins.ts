/**
 * Every version tierform deploys or offers, in one table: container images, Helm charts, the
 * engine lines the spec offers, and the GitHub Actions and tools of the workflows. Every other
 * file takes its versions from here (`test/shared/pins.test.ts` refuses an image reference with a
 * tag, or a chart version, written anywhere else under components/), and Renovate
 * (`renovate.json`) proposes updates to each entry through the regex managers that read this file
 * (`test/delivery/renovate.test.ts` checks that every entry is matched by one).
 *
 * One entry per line, in the field order `kind, datasource, packageName, [registryUrl,] value,
 * [digest,]` — the order the regex managers read; `source` is where the value was confirmed.
 *
 * Confirmed on 2026-11-30 against the newest snapshots the research tools hold (their repositories
 * as of 2026-08-17…22): where a newer release may exist (e.g. SeaweedFS 4.47/4.48 were seen pinned
 * by third parties), the newest version a source confirms is kept, and Renovate proposes the rest.
 */

/** What a pin is, which decides how it is used and how Renovate looks it up. */
export type PinKind = "image" | "chart" | "engine" | "action" | "tool";

/** One pinned version. */
export interface Pin {
    /** image, chart, engine (a line the spec offers), action (a workflow `uses:`) or tool. */
    kind: PinKind;
    /** The Renovate datasource that knows its releases (docker, helm, endoflife-date, github-tags, node-version). */
    datasource: string;
    /** The package the datasource looks up: the image repository, chart name, endoflife.date product or repository. */
    packageName: string;
    /** The chart repository (helm datasource only). */
    registryUrl?: string;
    /** The pinned value: an image tag, a chart version, an engine line ("14"), an action ref ("v7"). */
    value: string;
    /** The image digest the tag resolved to, when the source publishes one. */
    digest?: string;
    /** Where the value was confirmed (repository and tag/commit, or URL). */
    source: string;
}

/** The date the table was last checked against its sources. */
export const PINS_AS_OF = "2026-11-30";

/** Sources, named once. */
const OFFICIAL_IMAGES = "docker-library/official-images library/<name> @ 37079fb (2026-08-21)";
const CNPG_CATALOG = "cloudnative-pg/postgres-containers Debian/ClusterImageCatalog-bookworm.yaml @ 75660d8 (2026-08-17)";

/** The table. Keys are how code refers to a pin. */
export const PINS = {
    // ---------- datastore images (Docker, Kubernetes) ----------
    postgres14: { kind: "image", datasource: "docker", packageName: "postgres", value: "14.24-alpine", source: OFFICIAL_IMAGES },
    postgres15: { kind: "image", datasource: "docker", packageName: "postgres", value: "15.19-alpine", source: OFFICIAL_IMAGES },
    postgres16: { kind: "image", datasource: "docker", packageName: "postgres", value: "16.15-alpine", source: OFFICIAL_IMAGES },
    postgres17: { kind: "image", datasource: "docker", packageName: "postgres", value: "17.11-alpine", source: OFFICIAL_IMAGES },
    postgres18: { kind: "image", datasource: "docker", packageName: "postgres", value: "18.6-alpine", source: OFFICIAL_IMAGES },
    // 8.0.46 is the last 8.0 image: official-images dropped 8.0 at its end of life (commit 4a3ac0a, 2026-05-05, "8.0-eol").
    mysql80: { kind: "image", datasource: "docker", packageName: "mysql", value: "8.0.46", source: "docker-library/official-images library/mysql @ 4a3ac0a^ (last 8.0 entry)" },
    mysql84: { kind: "image", datasource: "docker", packageName: "mysql", value: "8.4.11", source: OFFICIAL_IMAGES },
    mongo70: { kind: "image", datasource: "docker", packageName: "mongo", value: "7.0.40", source: OFFICIAL_IMAGES },
    mongo80: { kind: "image", datasource: "docker", packageName: "mongo", value: "8.0.29", source: OFFICIAL_IMAGES },
    redis6: { kind: "image", datasource: "docker", packageName: "redis", value: "6.2.24-alpine", source: OFFICIAL_IMAGES },
    redis7: { kind: "image", datasource: "docker", packageName: "redis", value: "7.4.11-alpine", source: OFFICIAL_IMAGES },
    // RabbitMQ's community supports only the newest minor (3.13 left it on 2024-09-17, endoflife.date products/rabbitmq.md).
    rabbitmq: { kind: "image", datasource: "docker", packageName: "rabbitmq", value: "4.3.5-alpine", source: OFFICIAL_IMAGES },
    // ---------- CloudNativePG operand images (system images: PostgreSQL with barman-cloud, deprecated with in-core Barman Cloud; backups now run in the plugin's sidecar, so `standard` images would do: see images.ts) ----------
    cnpgPostgres14: { kind: "image", datasource: "docker", packageName: "ghcr.io/cloudnative-pg/postgresql", value: "14.24-202608170814-system-bookworm", digest: "sha256:9cb4ce4cd22ed38aa61b616839fe726f79859b155ad8861bb2a45e32807d497f", source: CNPG_CATALOG },
    cnpgPostgres15: { kind: "image", datasource: "docker", packageName: "ghcr.io/cloudnative-pg/postgresql", value: "15.19-202608170814-system-bookworm", digest: "sha256:08eb167b35d7b67e4cf40385262a954c0412ec981ec55b9a5b3a8b9ec2f95053", source: CNPG_CATALOG },
    cnpgPostgres16: { kind: "image", datasource: "docker", packageName: "ghcr.io/cloudnative-pg/postgresql", value: "16.15-202608170814-system-bookworm", digest: "sha256:1625a452268aa8cb5149ec5a7428484e0a0402b8319598ec3d74ec212d21dbf2", source: CNPG_CATALOG },
    cnpgPostgres17: { kind: "image", datasource: "docker", packageName: "ghcr.io/cloudnative-pg/postgresql", value: "17.11-202608170816-system-bookworm", digest: "sha256:d24d5a390d90b20a43ef7036981f5e6c6f78bbd3198a1e2cd99443fbbd14a9b8", source: CNPG_CATALOG },
    cnpgPostgres18: { kind: "image", datasource: "docker", packageName: "ghcr.io/cloudnative-pg/postgresql", value: "18.6-202608170814-system-bookworm", digest: "sha256:83229f82cf85a38c3b13d9edbc0667763006514b499510540d704a21c9aa725a", source: CNPG_CATALOG },
    // The Barman Cloud plugin's images (its release workflow tags them with the git tag: Taskfile.yml PLUGIN_IMAGE_NAME/SIDECAR_IMAGE_NAME, IMAGE_VERSION).
    barmanCloudPlugin: { kind: "image", datasource: "docker", packageName: "ghcr.io/cloudnative-pg/plugin-barman-cloud", value: "v0.14.0", source: "cloudnative-pg/plugin-barman-cloud git tag v0.14.0 (2026-07-29, CHANGELOG.md)" },
    barmanCloudSidecar: { kind: "image", datasource: "docker", packageName: "ghcr.io/cloudnative-pg/plugin-barman-cloud-sidecar", value: "v0.14.0", source: "cloudnative-pg/plugin-barman-cloud git tag v0.14.0 (2026-07-29, web/docs/images.md)" },
    // ---------- edge, object store, helpers ----------
    // The stable line (1.30); nginx-unprivileged's update.sh: [stable]='1.30.4', [mainline]='1.31.3'.
    nginxUnprivileged: { kind: "image", datasource: "docker", packageName: "nginxinc/nginx-unprivileged", value: "1.30.4-alpine", source: "nginx/docker-nginx-unprivileged main update.sh + stable/alpine-slim/Dockerfile (2026-07-15)" },
    // Newest tag in the snapshot (git tag 4.44, 2026-08-22); newer weekly releases exist: Renovate proposes them.
    seaweedfs: { kind: "image", datasource: "docker", packageName: "chrislusf/seaweedfs", value: "4.44", source: "seaweedfs/seaweedfs git tag 4.44 (2026-08-22)" },
    // 1.38 is tagged `unstable` by official-images; 1.37.0 is the stable line. The musl build: its busybox is static
    // (docker-library/busybox musl/Dockerfile.builder CONFIG_STATIC=y), so the health-tools steps can copy it into any image.
    busybox: { kind: "image", datasource: "docker", packageName: "public.ecr.aws/docker/library/busybox", value: "1.37.0-musl", source: "docker-library/official-images library/busybox @ 37079fb (1.38.0 = unstable, 1.37.0 stable; -musl variant)" },
    // The AWS Distro for OpenTelemetry collector, the trace sidecar of every traced ECS task (components/aws/service/tracing.ts). v0.49.0 is the
    // newest release (tag 2026-07-13, merged 2026-07-15; ADOT supports each release until the next minor); the digest (the multi-arch index) is the
    // one three public repositories pin for this tag, on ECR Public and Docker Hub (amazon/aws-otel-collector) alike.
    adotCollector: { kind: "image", datasource: "docker", packageName: "public.ecr.aws/aws-observability/aws-otel-collector", value: "v0.49.0", digest: "sha256:d2bdfff2c377c3d71d78bd5d9ce9862fd535b12134a5739d87a07801297cf9fd", source: "aws-observability/aws-otel-collector git tag v0.49.0 (VERSION, cmd/awscollector/Dockerfile); digest as pinned by public repositories" },
    awsCli: { kind: "image", datasource: "docker", packageName: "amazon/aws-cli", value: "2.36.7", source: "aws/aws-cli git tag 2.36.7 (2026-07-23)" },
    // Newest release (0.5.0, 2025-05); no release since: the lifecycle table tracks it as a risk.
    corazaWasm: { kind: "image", datasource: "docker", packageName: "ghcr.io/corazawaf/coraza-proxy-wasm", value: "0.5.0", source: "corazawaf/coraza-proxy-wasm git tag 0.5.0 (newest, last commit 2025-05-29)" },
    // The dev observability profile (components/docker/observability.ts): the same parts as staging's, at the versions staging's charts
    // install (collector 0.153.0 = the opentelemetry-collector chart 0.158.3's appVersion; Loki 3.4.2 = loki chart 6.29.0's; Tempo 2.10.0 = tempo
    // chart 1.26.2's), and Grafana 13.0.2. Digests: the multi-arch indexes several public repositories pin for these tags (found 2026-12-07 with
    // the research tools: otel 5 repositories, Loki 4, Grafana 6); Tempo 2.10.0's digest is published by none of them, so it is pinned by tag.
    otelCollectorContrib: { kind: "image", datasource: "docker", packageName: "otel/opentelemetry-collector-contrib", value: "0.153.0", digest: "sha256:93aad750175cbf1a973ae1c5886c3371f4d800f61be25cdd26870b8441ffe9fa", source: "open-telemetry/opentelemetry-helm-charts charts/opentelemetry-collector/Chart.yaml appVersion 0.153.0 (chart 0.158.3)" },
    loki: { kind: "image", datasource: "docker", packageName: "grafana/loki", value: "3.4.2", digest: "sha256:58a6c186ce78ba04d58bfe2a927eff296ba733a430df09645d56cdc158f3ba08", source: "grafana/loki production/helm/loki/Chart.yaml appVersion 3.4.2 (chart 6.29.0)" },
    tempo: { kind: "image", datasource: "docker", packageName: "grafana/tempo", value: "2.10.0", source: "grafana-community/helm-charts charts/tempo/Chart.yaml appVersion 2.10.0 (chart 1.26.2)" },
    grafana: { kind: "image", datasource: "docker", packageName: "grafana/grafana", value: "13.0.2", digest: "sha256:5dad0df181cb644a14e13617b913b261a54f7d4fd4510721dba420929f35bea2", source: "grafana/grafana release v13.0.2; digest as pinned by six public repositories (2026)" },
    // ---------- Helm charts ----------
    envoyGatewayChart: { kind: "chart", datasource: "docker", packageName: "docker.io/envoyproxy/gateway-helm", value: "v1.9.0", source: "envoyproxy/gateway git tag v1.9.0 (newest, 2026-08)" },
    certManagerChart: { kind: "chart", datasource: "helm", packageName: "cert-manager", registryUrl: "https://charts.jetstack.io", value: "v1.21.1", source: "cert-manager/cert-manager git tag v1.21.1 (2026-07-29)" },
    // Chart 0.29.0 installs operator 1.30.0 (appVersion), supported until ~Dec 2026 (docs/src/supported_releases.md @ v1.30.0).
    cnpgChart: { kind: "chart", datasource: "helm", packageName: "cloudnative-pg", registryUrl: "https://cloudnative-pg.github.io/charts", value: "0.29.0", source: "cloudnative-pg/charts charts/cloudnative-pg/Chart.yaml, tag cloudnative-pg-v0.29.0 (appVersion 1.30.0)" },
    // Barman Cloud plugin (WAL archive and base backups for CloudNativePG ≥ 1.26; the in-tree barmanObjectStore goes in 1.31). Chart 0.7.0
    // ships appVersion v0.13.0; the plugin's v0.14.0 (2026-07-29) changes nothing the chart installs (git diff v0.13.0 v0.14.0 --
    // config/ kubernetes/ manifest.yaml: empty), so the release runs the v0.14.0 images below through the chart's image tags.
    barmanCloudPluginChart: { kind: "chart", datasource: "helm", packageName: "plugin-barman-cloud", registryUrl: "https://cloudnative-pg.github.io/charts", value: "0.7.0", source: "cloudnative-pg/charts charts/plugin-barman-cloud/Chart.yaml, tag plugin-barman-cloud-v0.7.0 (appVersion v0.13.0)" },
    kedaChart: { kind: "chart", datasource: "helm", packageName: "keda", registryUrl: "https://kedacore.github.io/charts", value: "2.20.2", source: "kedacore/charts keda/Chart.yaml, tag v2.20.2" },
    kubePrometheusStackChart: { kind: "chart", datasource: "helm", packageName: "kube-prometheus-stack", registryUrl: "https://prometheus-community.github.io/helm-charts", value: "88.5.3", source: "prometheus-community/helm-charts tag kube-prometheus-stack-88.5.3" },
    // Observability (issue 23): the OpenTelemetry Collector chart 0.158.3 ships collector 0.153.0 (open-telemetry/opentelemetry-helm-charts
    // charts/opentelemetry-collector/Chart.yaml at 0028bf0); Loki's chart lives in grafana/loki production/helm/loki (6.29.0, Loki 3.4.2, the
    // newest the sources hold at 009c6be); Tempo's single-binary chart moved to grafana-community/helm-charts (charts/tempo 1.26.2, Tempo 2.10.0, at 2843a2b).
    otelCollectorChart: { kind: "chart", datasource: "helm", packageName: "opentelemetry-collector", registryUrl: "https://open-telemetry.github.io/opentelemetry-helm-charts", value: "0.158.3", source: "open-telemetry/opentelemetry-helm-charts charts/opentelemetry-collector/Chart.yaml (appVersion 0.153.0)" },
    lokiChart: { kind: "chart", datasource: "helm", packageName: "loki", registryUrl: "https://grafana.github.io/helm-charts", value: "6.29.0", source: "grafana/loki production/helm/loki/Chart.yaml (appVersion 3.4.2)" },
    tempoChart: { kind: "chart", datasource: "helm", packageName: "tempo", registryUrl: "https://grafana-community.github.io/helm-charts", value: "1.26.2", source: "grafana-community/helm-charts charts/tempo/Chart.yaml (appVersion 2.10.0)" },
    // metrics-server: chart 3.13.1 ships appVersion 0.8.1 (charts/metrics-server/Chart.yaml at kubernetes-sigs/metrics-server
    // 5ed5d3a, 2026-08-04, tag metrics-server-helm-chart-3.13.1). The app's v0.9.0 tag exists, with no chart release for it yet.
    // Argo Rollouts: chart 2.41.0 ships controller v1.9.0 (argoproj/argo-helm charts/argo-rollouts/Chart.yaml, 2026-06-05); its
    // Gateway API traffic-router plugin v0.15.0 (argoproj-labs/rollouts-plugin-trafficrouter-gatewayapi tag v0.15.0, 2026-06-26).
    argoRolloutsChart: { kind: "chart", datasource: "helm", packageName: "argo-rollouts", registryUrl: "https://argoproj.github.io/argo-helm", value: "2.41.0", source: "argoproj/argo-helm charts/argo-rollouts/Chart.yaml (appVersion v1.9.0, 2026-06-05)" },
    argoRolloutsGatewayApiPlugin: { kind: "image", datasource: "docker", packageName: "ghcr.io/argoproj-labs/rollouts-plugin-trafficrouter-gatewayapi", value: "v0.15.0", source: "argoproj-labs/rollouts-plugin-trafficrouter-gatewayapi git tag v0.15.0 (2026-06-26; Dockerfile: alpine, USER 999, /bin/rollouts-plugin-trafficrouter-gatewayapi)" },
    metricsServerChart: { kind: "chart", datasource: "helm", packageName: "metrics-server", registryUrl: "https://kubernetes-sigs.github.io/metrics-server", value: "3.13.1", source: "kubernetes-sigs/metrics-server charts/metrics-server/Chart.yaml, tag metrics-server-helm-chart-3.13.1 (appVersion 0.8.1)" },
    // External Secrets Operator (the EKS placement's Secrets Manager → Secret sync): chart 2.10.0, released 2026-08-28 (tag helm-chart-2.10.0).
    externalSecretsChart: { kind: "chart", datasource: "helm", packageName: "external-secrets", registryUrl: "https://charts.external-secrets.io", value: "2.10.0", source: "external-secrets/external-secrets release v2.10.0 / tag helm-chart-2.10.0 (2026-08-28)" },
    // Istio in ambient mode: four charts of one release (istio-release charts repository); 1.31.1 is the newest patch the snapshot holds.
    istioBaseChart: { kind: "chart", datasource: "helm", packageName: "base", registryUrl: "https://istio-release.storage.googleapis.com/charts", value: "1.31.1", source: "istio/istio.io content/en/news/releases/1.31.x/announcing-1.31.1 (2026-09-21)" },
    istiodChart: { kind: "chart", datasource: "helm", packageName: "istiod", registryUrl: "https://istio-release.storage.googleapis.com/charts", value: "1.31.1", source: "istio/istio.io content/en/news/releases/1.31.x/announcing-1.31.1 (2026-09-21)" },
    istioCniChart: { kind: "chart", datasource: "helm", packageName: "cni", registryUrl: "https://istio-release.storage.googleapis.com/charts", value: "1.31.1", source: "istio/istio.io content/en/news/releases/1.31.x/announcing-1.31.1 (2026-09-21)" },
    ztunnelChart: { kind: "chart", datasource: "helm", packageName: "ztunnel", registryUrl: "https://istio-release.storage.googleapis.com/charts", value: "1.31.1", source: "istio/istio.io content/en/news/releases/1.31.x/announcing-1.31.1 (2026-09-21)" },
    // ---------- engine lines the spec offers (the newest per engine; older lines are in ENGINE_LINES) ----------
    postgresNewest: { kind: "engine", datasource: "endoflife-date", packageName: "postgresql", value: "18", source: "endoflife-date/endoflife.date products/postgresql.md (18 until 2030-11-14)" },
    mysqlNewest: { kind: "engine", datasource: "endoflife-date", packageName: "mysql", value: "8.4", source: "endoflife-date/endoflife.date products/mysql.md (8.4 LTS until 2032-04-30), products/amazon-rds-mysql.md (RDS 8.4 until 2029-07-31)" },
    mongodbNewest: { kind: "engine", datasource: "endoflife-date", packageName: "amazon-documentdb", value: "8.0", source: "endoflife-date/endoflife.date products/amazon-documentdb.md, products/mongodb.md (8.0 until 2029-10-31)" },
    redisNewest: { kind: "engine", datasource: "endoflife-date", packageName: "amazon-elasticache-redis", value: "7", source: "endoflife-date/endoflife.date products/amazon-elasticache-redis.md (7 = 7.1, no end date)" },
    // ---------- workflows ----------
    checkoutAction: { kind: "action", datasource: "github-tags", packageName: "actions/checkout", value: "v7", source: "actions/checkout git tag v7 (v7.0.1)" },
    setupNodeAction: { kind: "action", datasource: "github-tags", packageName: "actions/setup-node", value: "v7", source: "actions/setup-node git tag v7 (v7.0.0)" },
    uploadArtifactAction: { kind: "action", datasource: "github-tags", packageName: "actions/upload-artifact", value: "v7", source: "actions/upload-artifact git tag v7 (v7.0.0)" },
    awsCredentialsAction: { kind: "action", datasource: "github-tags", packageName: "aws-actions/configure-aws-credentials", value: "v6", source: "aws-actions/configure-aws-credentials git tag v6.2.3" },
    pulumiAction: { kind: "action", datasource: "github-tags", packageName: "pulumi/actions", value: "v7", source: "pulumi/actions git tag v7 (v7.0.0; policyPacks/policyPackConfigs inputs kept, action.yml)" },
    // Node 20 reached end of life on 2026-04-30; 24 is the active LTS (endoflife-date products/nodejs.md).
    nodeVersion: { kind: "tool", datasource: "node-version", packageName: "node", value: "24", source: "endoflife-date/endoflife.date products/nodejs.md (24 LTS until 2028-04-30)" },
    // The CI jobs' container (.ci/run installs Debian bookworm's packages in it).
    ciNodeImage: { kind: "tool", datasource: "docker", packageName: "node", value: "24.19.0-bookworm", source: "docker-library/official-images library/node @ 37079fb (24.19.0-bookworm)" },
    trivy: { kind: "tool", datasource: "docker", packageName: "ghcr.io/aquasecurity/trivy", value: "0.74.0", source: "aquasecurity/trivy git tag v0.74.0 (goreleaser.yml publishes ghcr.io/aquasecurity/trivy:<version>)" },
} as const satisfies Record<string, Pin>;

/** A key of {@link PINS}. */
export type PinName = keyof typeof PINS;

/** The image reference of an image pin: `repo:tag`, with `@digest` when pinned. */
export function imageOf(name: PinName): string {
    const p: Pin = PINS[name];
    if (p.kind !== "image" && p.kind !== "tool") throw new Error(`pin ${name} is a ${p.kind}, not an image`);
    return `${p.packageName}:${p.value}${p.digest ? `@${p.digest}` : ""}`;
}

/**
 * The engine lines the spec offers, each with the pins that run it on Docker/Kubernetes
 * (the spec's version → image pin). The AWS services map a line to their own versions
 * (documentDbVersion, redisVersion, RDS takes the line itself).
 */
export const ENGINE_LINES = {
    postgres: { "14": "postgres14", "15": "postgres15", "16": "postgres16", "17": "postgres17", "18": "postgres18" },
    mysql: { "8.0": "mysql80", "8.4": "mysql84" },
    mongodb: { "7.0": "mongo70", "8.0": "mongo80" },
    redis: { "6": "redis6", "7": "redis7" },
} as const satisfies Record<string, Record<string, PinName>>;

/** CloudNativePG operand image pins per PostgreSQL major. */
export const CNPG_LINES = { "14": "cnpgPostgres14", "15": "cnpgPostgres15", "16": "cnpgPostgres16", "17": "cnpgPostgres17", "18": "cnpgPostgres18" } as const satisfies Record<string, PinName>;
