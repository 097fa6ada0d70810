/**
 * The checks behind docs/seeds.md: per row id and platform, the mark the table gives (✔, ~ or ✘)
 * and a predicate on that preset's offline plan that holds exactly when the cell is true. A ✔ or ~
 * predicate asserts what the plan has (a resource and its inputs); a ✘ predicate asserts that the
 * plan lacks the thing, so building it makes the check fail until the row is updated.
 * test/delivery/seeds.test.ts ties every row of the table to an entry here, and back.
 *
 * The predicates read behaviour (an image's version, a command-line flag, a schedule, a resource
 * type), not logical names, so they survive refactoring of the platforms.
 */
import * as fs from "fs";
import * as path from "path";
import { loadStack, PROJECT_ROOT } from "../../model";
import type { OfflineRun } from "../../scripts/offline/engine";
import { checklistRows, runPolicyReport } from "../../scripts/offline/policy-report";
import type { Mark, Platform } from "../../scripts/seeds-summary";

export { PLATFORMS, PRESET_OF, SEED_OF, type Mark, type Platform } from "../../scripts/seeds-summary";

/** What the checks read of a plan: its resources (a test Plan, or a plan written with --json). */
export interface PlanLike {
    resources: { type: string; name: string; custom: boolean; inputs: Record<string, any> }[];
}
/** A predicate on one preset's plan on one stack. */
export type Check = (p: PlanLike) => boolean;
/** One cell: the mark the table must give and the predicate that shows it. */
export interface Cell {
    mark: Mark;
    check: Check;
}
/** The cells of one row. */
export type RowChecks = Record<Platform, Cell>;

const Y = (check: Check): Cell => ({ mark: "✔", check });
const A = (check: Check): Cell => ({ mark: "~", check });
const N = (check: Check): Cell => ({ mark: "✘", check });
/** The same cell on every platform. */
const every = (cell: Cell): RowChecks => ({ dev: cell, staging: cell, prod: cell });

const text = (r: PlanLike["resources"][number]) => JSON.stringify(r.inputs).replace(/\\+"/g, '"');
/** Some custom resource of a type matching `type` whose inputs match every pattern. */
const has =
    (type: RegExp, ...patterns: RegExp[]): Check =>
    (p) =>
        p.resources.some((r) => r.custom && type.test(r.type) && patterns.every((x) => x.test(text(r))));
/** No custom resource of a type matching `type` whose inputs match every pattern. */
const lacks =
    (type: RegExp, ...patterns: RegExp[]): Check =>
    (p) =>
        !has(type, ...patterns)(p);
/** At least `n` custom resources of `type` whose inputs match every pattern. */
const atLeast =
    (n: number, type: RegExp, ...patterns: RegExp[]): Check =>
    (p) =>
        p.resources.filter((r) => r.custom && type.test(r.type) && patterns.every((x) => x.test(text(r)))).length >= n;
/** No custom resource whose inputs match `pattern`. */
const nowhere = (pattern: RegExp): Check => lacks(/./, pattern);
const all =
    (...checks: Check[]): Check =>
    (p) =>
        checks.every((c) => c(p));
/** The number of AWS regions the plan's providers name. */
const regions = (p: PlanLike) => new Set(p.resources.filter((r) => r.type === "pulumi:providers:aws").map((r) => r.inputs.region)).size;

// Resource types.
const CONTAINER = /^docker:index\/container:Container$/;
const DOCKER_NET = /^docker:index\/network:Network$/;
const K8S = /^kubernetes:/;
const DEPLOYMENT = /^kubernetes:apps\/v1:Deployment$/;
const STATEFULSET = /^kubernetes:apps\/v1:StatefulSet$/;
const WORKLOAD = /^kubernetes:(apps\/v1:(Deployment|StatefulSet)|batch\/v1:(CronJob|Job))$/;
const CRONJOB = /^kubernetes:batch\/v1:CronJob$/;
const JOB = /^kubernetes:batch\/v1:Job$/;
const ROLLOUT = /^kubernetes:argoproj\.io\/v1alpha1:Rollout$/;
const ANALYSIS = /^kubernetes:argoproj\.io\/v1alpha1:AnalysisTemplate$/;
/** An Argo Rollouts canary on HTTPRoute weights with these steps' weights, under an analysis of Envoy's 5xx share. */
const argoCanary = (...weights: number[]): Check =>
    all(
        has(ROLLOUT, /"canary":\{/, /"argoproj-labs\/gatewayAPI"/, ...weights.map((w) => new RegExp(`"setWeight":${w}\\b`))),
        has(ANALYSIS, /envoy_cluster_upstream_rq_xx/, /envoy_cluster_upstream_rq_time_bucket/),
    );
/** An Argo Rollouts blue-green with a preview Service, a pre-promotion check and a post-promotion analysis. */
const argoBlueGreen = has(ROLLOUT, /"blueGreen":\{/, /"previewService"/, /"prePromotionAnalysis"/, /"postPromotionAnalysis"/);
const CONFIGMAP = /^kubernetes:core\/v1:ConfigMap$/;
const PVC = /^kubernetes:core\/v1:PersistentVolumeClaim$/;
const NETPOL = /^kubernetes:networking\.k8s\.io\/v1:NetworkPolicy$/;
const HPA = /^kubernetes:autoscaling\/v2:HorizontalPodAutoscaler$/;
const SCALED_OBJECT = /^kubernetes:keda\.sh\/v1alpha1:ScaledObject$/;
const CNPG = /^kubernetes:postgresql\.cnpg\.io\/v1:Cluster$/;
const OBJECT_STORE = /^kubernetes:barmancloud\.cnpg\.io\/v1:ObjectStore$/;
const PROM_RULE = /^kubernetes:monitoring\.coreos\.com\/v1:PrometheusRule$/;
const SERVICE_MONITOR = /^kubernetes:monitoring\.coreos\.com\/v1:(ServiceMonitor|PodMonitor)$/;
const K8S_SECRET = /^kubernetes:core\/v1:Secret$/;
const TASK = /^aws:ecs\/taskDefinition:TaskDefinition$/;
const ECS_SERVICE = /^aws:ecs\/service:Service$/;
const LAMBDA_FUNCTION = /^aws:lambda\/function:Function$/;
const ECS_CLUSTER = /^aws:ecs\/cluster:Cluster$/;
const RDS = /^aws:rds\/instance:Instance$/;
const DOCDB = /^aws:docdb\/cluster:Cluster$/;
const PEER_AUTHENTICATION = /^kubernetes:security\.istio\.io\/v1beta1:PeerAuthentication$/;
const AUTHORIZATION_POLICY = /^kubernetes:security\.istio\.io\/v1:AuthorizationPolicy$/;
const ALB = /^aws:lb\/loadBalancer:LoadBalancer$/;
const LISTENER = /^aws:lb\/listener:Listener$/;
const TARGET_GROUP = /^aws:lb\/targetGroup:TargetGroup$/;
const SCALING_POLICY = /^aws:appautoscaling\/policy:Policy$/;
const SCALING_TARGET = /^aws:appautoscaling\/target:Target$/;
const BACKUP_PLAN = /^aws:backup\/plan:Plan$/;
const BACKUP_VAULT = /^aws:backup\/vault:Vault$/;
const LOG_GROUP = /^aws:cloudwatch\/logGroup:LogGroup$/;
const ALARM = /^aws:cloudwatch\/metricAlarm:MetricAlarm$/;
const METRIC_FILTER = /^aws:cloudwatch\/logMetricFilter:LogMetricFilter$/;
const QUERY_DEF = /^aws:cloudwatch\/queryDefinition:QueryDefinition$/;
const DASHBOARD = /^aws:cloudwatch\/dashboard:Dashboard$/;
const CLOUDFRONT = /^aws:cloudfront\/distribution:Distribution$/;
const WAF = /^aws:wafv2\/webAcl:WebAcl$/;
const ELASTICACHE = /^aws:elasticache\/replicationGroup:ReplicationGroup$/;
const SECRET = /^aws:secretsmanager\/secret:Secret$/;
const SQS = /^aws:sqs\/queue:Queue$/;
const S3_BUCKET = /^aws:s3\/bucket(V2)?:Bucket(V2)?$/;
const SUBNET = /^aws:ec2\/subnet:Subnet$/;
/** Every type but the ConfigMap that holds the Grafana dashboard (its panels name Loki and Tempo as data sources). */
const NOT_DASHBOARD = /^(?!kubernetes:core\/v1:ConfigMap$)/;
const SECURITY_GROUP_RULE = /^aws:vpc\/securityGroup(Ingress|Egress)Rule:SecurityGroup(Ingress|Egress)Rule$/;

// Things no platform builds yet: their absence is what a ✘ asserts.
/** A connection pooler: RDS Proxy, PgBouncer, ProxySQL, a CloudNativePG Pooler. */
const noPooler = all(
    lacks(/^aws:rds\/proxy:Proxy$/),
    lacks(/^kubernetes:postgresql\.cnpg\.io\/v1:Pooler$/),
    nowhere(/pgbouncer|proxysql|odyssey|pgcat/i),
);
/** An error tracker (Sentry and its kin), as a service or a DSN handed to the application. */
const noErrorTracker = nowhere(/sentry|SENTRY_DSN|glitchtip|rollbar|bugsnag/i);
/** An outside-in uptime probe: Route 53 health checks, CloudWatch Synthetics, a blackbox exporter. */
const noUptimeProbe = all(
    lacks(/^aws:route53\/healthCheck:HealthCheck$/),
    lacks(/^aws:synthetics\/canary:Canary$/),
    nowhere(/blackbox[-_]exporter|uptimerobot|uptime-kuma/i),
    lacks(/^kubernetes:monitoring\.coreos\.com\/v1:Probe$/),
);
/** A log store that collects and searches every service's logs (Loki, Elasticsearch/OpenSearch, Fluent Bit shipping). */
const noLogStack = all(
    lacks(NOT_DASHBOARD, /loki|elasticsearch|opensearch|logstash|kibana|fluent-?bit|fluentd|vector\.dev/i),
    lacks(/^aws:opensearch\//),
);
/** A dashboard (Grafana, CloudWatch dashboards). */
const noDashboard = all(lacks(/^aws:cloudwatch\/dashboard:Dashboard$/), nowhere(/grafana/i));
/** An APM agent or service (New Relic, Datadog). */
const noApm = nowhere(/newrelic|new-relic|datadog|dd-agent/i);
/** A scheduled restore test (AWS Backup restore testing, a restore CronJob, a restore on the backup loop's schedule). */
const noRestoreTesting = all(
    lacks(/^aws:backup\/restoreTestingPlan:RestoreTestingPlan$/),
    lacks(CRONJOB, /restore\.sh/),
    lacks(CRONJOB, /restore-test\.sh/),
    lacks(CONTAINER, /restore-test\.sh/),
);
/** The scheduled scratch restore (components/shared/restore-test-script.ts): Docker's backup loop, Kubernetes' CronJob, and the marker the backup writes for it. */
const dockerRestoreTest = has(CONTAINER, /restore-test 30 5/, /restore-test\.sh/, /tierform_backup_marker/);
const k8sRestoreTest = all(has(CRONJOB, /restore-test\.sh/, /"schedule":"30 5 \* \* \*"/), has(CONFIGMAP, /tierform_backup_marker/));
/** AWS Backup restore testing: a plan, a selection and the RestoreTestFailed alarm; no validation function (approximated). */
const awsRestoreTesting = all(
    has(/^aws:backup\/restoreTestingPlan:RestoreTestingPlan$/, /LATEST_WITHIN_WINDOW/, /cron\(30 5 \* \* \? \*\)/),
    has(/^aws:backup\/restoreTestingSelection:RestoreTestingSelection$/, /aws:ResourceTag\/backup-plan/),
    has(/^aws:cloudwatch\/metricAlarm:MetricAlarm$/, /RestoreTestFailed:/, /NumberOfRestoreJobsCompleted/),
    lacks(/^aws:lambda\/function:Function$/, /PutRestoreValidationResult/),
);
/** Restore testing on Docker and Kubernetes (the scratch restore), and AWS Backup's on prod. */
const scratchRestoreTesting: RowChecks = {
    dev: Y(dockerRestoreTest),
    staging: Y(k8sRestoreTest),
    prod: A(awsRestoreTesting),
};
/** A service mesh (Istio, Linkerd, App Mesh, ECS Service Connect). */
const noMesh = all(nowhere(/istio|linkerd|appmesh|serviceConnectConfiguration/i), lacks(/^aws:appmesh\//));
/** A feature-flag service (AWS AppConfig, Unleash, Flagsmith, flagd). */
const noFeatureFlags = all(lacks(/^aws:appconfig\//), nowhere(/unleash|flagsmith|flagd|launchdarkly/i));
/** Cost tracking: AWS Budgets, Cost Explorer anomaly monitors, cost allocation tags activated, Kubecost/OpenCost. */
const noCostTracking = all(lacks(/^aws:budgets\//), lacks(/^aws:costexplorer\//), nowhere(/kubecost|opencost/i));
/** An audit trail the system owns: CloudTrail trails, Kubernetes audit sinks, immutable (object-locked) log buckets. */
const noAuditTrail = all(lacks(/^aws:cloudtrail\//), lacks(/^aws:s3\/bucketObjectLockConfiguration/), nowhere(/auditSink|audit-policy/i));
/** The dev edge's switch step (components/docker/rollout.ts) installs a configuration matching `pattern`. */
const edgeSwitch = (pattern: RegExp): Check => has(CONTAINER, /"label":"tierform\.role","value":"edge-switch"/, pattern);

// The delivery pipeline (GitHub workflows of this repository).
const workflow = (file: string) => fs.readFileSync(path.join(PROJECT_ROOT, ".github", "workflows", file), "utf8");
const workflows = () => workflow("pr.yml") + workflow("deploy.yml");
/** A pattern in the workflows (the pipeline is the same for every stack). */
const inPipeline =
    (pattern: RegExp): Check =>
    () =>
        pattern.test(workflows());
const notInPipeline =
    (pattern: RegExp): Check =>
    () =>
        !pattern.test(workflows());
/** Pull requests run npm audit and Trivy on the pinned third-party images, and nothing builds or scans the application's code or image. */
const scansThirdPartyOnly = all(
    inPipeline(/npm audit --audit-level=(high|critical)/),
    inPipeline(/trivy:\d[\d.]* image/),
    notInPipeline(/docker\/build-push-action|docker build|codeql|semgrep|bandit|snyk/i),
);
/** The pipeline runs tierform's own tests and offline plans on pull requests, not the application's. */
const testsInfrastructureOnly = all(
    inPipeline(/\.ci\/run|npm test/),
    inPipeline(/npm run plan/),
    notInPipeline(/pytest|jest|npm run test:app|go test/),
);
/** deploy.yml: dev, then staging, then prod behind the `production` environment's reviewers. */
const stagedDeploy = all(inPipeline(/environment: staging/), inPipeline(/environment: production/), inPipeline(/stack-name: staging/));
const prodApproval = inPipeline(/environment: production/);
/** Nothing after `pulumi up` exercises the deployed system (no smoke test, no curl of the public URL). */
const noSmokeTests = notInPipeline(/smoke|curl .*publicUrl|k6 |locust|newman/i);
/** No load, stress or endurance test tool anywhere in the pipeline. */
const noLoadTests = notInPipeline(/\bk6\b|locust|jmeter|gatling|artillery|vegeta/i);
/** No penetration test or DAST (OWASP ZAP and the like). */
const noPentest = notInPipeline(/zaproxy|owasp\/zap|zap-baseline|nuclei|burp/i);
/** The pipeline does not build or tag application images (tierform deploys pinned images). */
const noImageBuild = notInPipeline(/docker\/build-push-action|docker build|docker push|buildx/i);
/** No deploy is triggered by a Git tag. */
const noTagTrigger = notInPipeline(/tags:\s*\[|tags:\n\s+- /);

// Shapes that several rows share.
const nginxTls = has(CONTAINER, /ssl_certificate/, /return 301 https/);
const k8sTls = has(K8S, /"certificateRefs"/);
const albHttps = all(has(LISTENER, /"protocol":\s?"HTTPS"/), has(LISTENER, /HTTP_301/));
const dockerHealth = (path: RegExp) => has(CONTAINER, /"healthcheck"/, path);
const dockerLogRotation = has(CONTAINER, /"max-size":"10m"/, /"max-file":"3"/);
const k8sNoLogConfig = lacks(NOT_DASHBOARD, /fluent-?bit|loki|logrotate|containerLogMaxSize/i);
/** The system's Grafana dashboard, a ConfigMap the Grafana sidecar provisions. */
const k8sDashboard = has(CONFIGMAP, /"grafana_dashboard":"1"/);
const awsLogGroups = (days: number) => all(has(LOG_GROUP, new RegExp(`"retentionInDays":${days}\\b`)), has(TASK, /"logDriver":"awslogs"/));
const dockerNoAutoscale = (p: PlanLike) => p.resources.every((r) => !/autoscal/i.test(r.type)) && lacks(/./, /"replicas":\s?\{/)(p);
const k8sAlert = (name: string) => has(PROM_RULE, new RegExp(`"alert":"${name}"`));
const dockerNoAlerts = all(lacks(/^kubernetes:/), nowhere(/alertmanager|prometheus/i));
const dockerNoMetrics = nowhere(/prometheus|node-exporter|cadvisor|statsd/i);
/** Dumps land in the backup container's own volume on the same host; nothing copies them elsewhere. */
const dockerBackupLocalOnly = all(
    has(CONTAINER, /"tierform\.tier","value":"backup"/, /"containerPath":"\/backups"/),
    nowhere(/aws s3 (cp|sync)/),
);
/** Backup CronJobs dump into a claim in the cluster, with no off-site copy container (tierform:s3Endpoint unset). */
const k8sBackupInCluster = all(has(CRONJOB, /backup\.sh/), lacks(CRONJOB, /"name":"offsite"/));
/** Secrets reach the container as a file its with-secrets wrapper exports (never in `docker inspect`). */
const dockerSecretsFile = has(CONTAINER, /"entrypoints":\["\/bin\/sh","\/run\/tierform\/with-secrets\.sh"\]/);
const dockerRestoreScript = has(CONTAINER, /restore\.sh/);
const drCopies = (p: PlanLike) => regions(p) >= 2 && has(BACKUP_PLAN, /"copyActions":\[\{"destinationVaultArn"/)(p);
const rdsMultiAz = has(RDS, /"multiAz":\s?true/);
/** One long-running database container of the engine: nothing to fail over to. */
const noDockerFailover = (engine: RegExp) => (p: PlanLike) =>
    has(CONTAINER, engine, /"tierform\.tier","value":"database"/, /"restart":"unless-stopped"/)(p) &&
    !atLeast(2, CONTAINER, engine, /"tierform\.tier","value":"database"/, /"restart":"unless-stopped"/)(p);
const rpoLabel = has(CONTAINER, /"tierform\.backup\.rpo-minutes"/);
const rtoNowhere = nowhere(/rto-hours|rtoHours|recovery-time/i);
const resourceLimits = {
    dev: has(CONTAINER, /"memory":\d+/, /"cpus":"[\d.]+"/),
    staging: has(DEPLOYMENT, /"limits":\{"cpu"/, /"requests":\{"cpu"/),
    prod: has(TASK, /"cpu":"\d+"/, /"memory":"\d+"/),
};
const containerInsights = has(ECS_CLUSTER, /"containerInsights","value":"enabled"/);
const k8sFirewall = atLeast(3, NETPOL, /"policyTypes":\["Ingress","Egress"\]/);
const devOnlyEdgePublished = (p: PlanLike) =>
    p.resources
        .filter((r) => CONTAINER.test(r.type) && Array.isArray(r.inputs.ports) && r.inputs.ports.length > 0)
        .every((r) => /nginx/.test(String(r.inputs.image)) && r.inputs.ports.every((x: { ip?: string }) => x.ip === "127.0.0.1")) &&
    has(DOCKER_NET, /"internal":true/)(p);
const awsFirewall = all(has(SECURITY_GROUP_RULE, /"referencedSecurityGroupId"/), has(SUBNET, /"mapPublicIpOnLaunch":\s?false/));
const policyReportEverywhere = all(inPipeline(/policyPacks: policies/), inPipeline(/policyPackConfigs: policies\/config\/prod\.json/));
const wafDev = nowhere(/modsecurity|coraza|owasp/i);
const wafK8s = has(/^kubernetes:gateway\.envoyproxy\.io\/v1alpha1:EnvoyExtensionPolicy$/, /coraza/i);
const wafAws = has(WAF, /managedRuleGroupStatement/);
const migrateStep = {
    dev: has(CONTAINER, /"tierform\.role","value":"migrate"/),
    staging: has(JOB, /-migrate"/),
    prod: has(TASK, /"containerName":"migrate","condition":"SUCCESS"/),
};
/** An ECS service whose new set takes its test listener's traffic and is checked there by the system's lifecycle hook before production shifts (components/aws/rollout-hook.ts). */
const ecsPreviewChecked = (strategy: string): Check =>
    all(
        has(
            ECS_SERVICE,
            new RegExp(`"strategy":"${strategy}"`),
            /"testListenerRule":"arn:/,
            /"lifecycleStages":\["POST_TEST_TRAFFIC_SHIFT"\]/,
            /"preview":\{"url":"https:/,
        ),
        has(LAMBDA_FUNCTION, /"runtime":"nodejs24\.x"/, /"subnetIds"/),
    );
const awsDeployWaits = has(ECS_SERVICE, /"waitForSteadyState":\s?true/, /"deploymentCircuitBreaker":\{"enable":true,"rollback":true\}/);
/** Some Deployment container whose probe of `kind` requests `path`. */
const k8sProbe =
    (kind: "livenessProbe" | "readinessProbe", path: string): Check =>
    (p) =>
        p.resources.some(
            (r) =>
                DEPLOYMENT.test(r.type) &&
                (r.inputs.spec?.template?.spec?.containers ?? []).some((c: Record<string, any>) => c[kind]?.httpGet?.path === path),
        );
/** Deployments with probes that `pulumi up` awaits (no skipAwait annotation). */
const k8sProbes = all(has(DEPLOYMENT, /"readinessProbe"/, /"livenessProbe"/), lacks(DEPLOYMENT, /pulumi\.com\/skipAwait/));
/** `pulumi up` waits for the datastores' and the edge's health checks, not for the application containers'. */
const dockerDeployWait = all(has(CONTAINER, /"wait":true/), lacks(CONTAINER, /"tierform\.tier","value":"service"/, /"wait":true/));
const accessLogs = {
    dev: has(CONTAINER, /access_log \/dev\/stdout/),
    staging: all(
        has(/^kubernetes:gateway\.envoyproxy\.io\/v1alpha1:EnvoyProxy$/),
        lacks(/^kubernetes:gateway\.envoyproxy\.io\/v1alpha1:EnvoyProxy$/, /accessLog/),
    ),
    prod: has(ALB, /"accessLogs":\{"bucket":"[^"]+","enabled":true/),
};
const noCdn = {
    dev: nowhere(/cloudfront|cloudflare|fastly|varnish/i),
    staging: nowhere(/cloudfront|cloudflare|fastly|varnish/i),
    prod: lacks(CLOUDFRONT),
};
const noCache = {
    dev: lacks(CONTAINER, /redis:\d/),
    staging: lacks(STATEFULSET, /redis:\d/),
    prod: lacks(ELASTICACHE),
};
/** The application image of a preset runs on the platform (the same pinned tag on every stack). */
const runsImage = (image: RegExp) => ({ dev: has(CONTAINER, image), staging: has(WORKLOAD, image), prod: has(TASK, image) });
/** A plain environment variable on the platform's workload. */
const env = (name: string, value: RegExp = /[^"]*/) => ({
    dev: has(CONTAINER, new RegExp(`"${name}=${value.source}"`)),
    staging: has(WORKLOAD, new RegExp(`"name":"${name}","value":"${value.source}"`)),
    prod: has(TASK, new RegExp(`"name":"${name}","value":"${value.source}"`)),
});
const noEnv = (name: string): Check => nowhere(new RegExp(`"${name}[="]`));
const secretEnv = (name: string) => ({
    dev: has(CONTAINER, new RegExp(`${name}`)),
    staging: has(WORKLOAD, new RegExp(`"name":"${name}","valueFrom":\\{"secretKeyRef"`)),
    prod: has(TASK, new RegExp(`"name":"${name}","valueFrom":"arn:aws:secretsmanager`)),
});

/** Per row id and platform: the mark and the predicate. Rows are in table order. */
export const CHECKS: Record<string, RowChecks> = {
    // ---- AuroMart (seed 000) ----
    "am-consistent-envs": {
        dev: Y(runsImage(/ghcr\.io\/auromart\/web:1\.0\.0/).dev),
        staging: Y(runsImage(/ghcr\.io\/auromart\/web:1\.0\.0/).staging),
        prod: Y(runsImage(/ghcr\.io\/auromart\/web:1\.0\.0/).prod),
    },
    "am-web-replicas": {
        dev: Y(all(has(CONTAINER, /nginx/, /upstream/), atLeast(2, CONTAINER, /gunicorn/, /create_app/))),
        staging: Y(all(has(WORKLOAD, /gunicorn/), has(HPA, /"minReplicas":\s?([2-9]|\d\d)/))),
        prod: Y(all(has(ALB, /"internal":\s?false/), has(ECS_SERVICE, /"desiredCount":\s?([2-9]|\d\d)/))),
    },
    "am-health-endpoints": {
        dev: Y(dockerHealth(/127\.0\.0\.1:8000\/health/)),
        staging: Y(k8sProbe("livenessProbe", "/health")),
        prod: Y(all(has(TARGET_GROUP, /"path":"\/health"/), has(TASK, /"healthCheck"/))),
    },
    "am-mysql-80": {
        dev: Y(has(CONTAINER, /mysql:8\.0\.\d+/, /\/var\/lib\/mysql/)),
        staging: Y(has(STATEFULSET, /mysql:8\.0\.\d+/, /volumeClaimTemplates/)),
        prod: Y(has(RDS, /"engine":\s?"mysql"/, /"engineVersion":\s?"8\.0/)),
    },
    "am-db-tuning": {
        dev: Y(has(CONTAINER, /"--max-connections=200"/, /"--innodb-buffer-pool-size=1073741824"/)),
        staging: Y(has(CONFIGMAP, /max_connections = 200/, /innodb_buffer_pool_size = 1073741824/)),
        prod: Y(
            has(
                /^aws:rds\/parameterGroup:ParameterGroup$/,
                /"name":"max_connections","value":"200"/,
                /"name":"slow_query_log","value":"1"/,
            ),
        ),
    },
    "am-firewall": { dev: Y(devOnlyEdgePublished), staging: Y(k8sFirewall), prod: Y(awsFirewall) },
    "am-backup-service": {
        dev: Y(has(CONTAINER, /"tierform\.tier","value":"backup"/, /"restart":"unless-stopped"/)),
        staging: Y(has(CRONJOB, /backup\.sh/, /"concurrencyPolicy":"Forbid"/)),
        prod: Y(all(has(BACKUP_PLAN, /cron\(/), has(RDS, /"backupRetentionPeriod":\s?([1-9]|\d\d)/))),
    },
    "am-backup-schedule": {
        dev: A(all(has(CONTAINER, /"0 2 \* \* \*"/, /"0 \*\/6 \* \* \*"/), nowhere(/binlog|xtrabackup|--incremental/))),
        staging: A(
            all(
                has(CRONJOB, /"schedule":\s?"0 2 \* \* \*"/, /"--label","full"/),
                has(CRONJOB, /"schedule":\s?"0 \*\/6 \* \* \*"/, /"--label","incremental"/),
                nowhere(/binlog|xtrabackup|--incremental/),
            ),
        ),
        prod: Y(has(BACKUP_PLAN, /cron\(0 2 \* \* \? \*\)/, /"ruleName":"incremental","schedule":"cron\(0 (0|\*)\/6 \* \* \? \*\)"/)),
    },
    "am-retention-30": {
        dev: Y(has(CONTAINER, /"tierform\.backup\.retention-days","value":"30"/)),
        staging: Y(has(CRONJOB, /"tierform\.io\/retention-days":"30"/)),
        prod: Y(all(has(BACKUP_PLAN, /"deleteAfter":\s?30/), has(RDS, /"backupRetentionPeriod":30/))),
    },
    "am-restore": {
        dev: Y(dockerRestoreScript),
        staging: Y(has(JOB, /restore\.sh/, /"suspend":true/)),
        prod: A(all(has(RDS, /"backupRetentionPeriod":\s?([1-9]|\d\d)/), has(BACKUP_VAULT), awsRestoreTesting)),
    },
    "am-backup-verify": {
        dev: Y(has(CONTAINER, /sha256sum/, /Dump completed/)),
        staging: Y(has(CONFIGMAP, /sha256sum/, /Dump completed/)),
        prod: A(awsRestoreTesting),
    },
    "am-offsite": {
        dev: N(dockerBackupLocalOnly),
        staging: N(k8sBackupInCluster),
        prod: Y(drCopies),
    },
    "am-backup-encrypted": {
        dev: N(all(dockerBackupLocalOnly, nowhere(/gpg|openssl enc|age -r/))),
        staging: A(all(has(PVC, /backups/), nowhere(/gpg|openssl enc|age -r/))),
        prod: Y(has(BACKUP_VAULT, /"kmsKeyArn":"arn:aws:kms/)),
    },
    "am-files-backup": {
        dev: N(lacks(CONTAINER, /"tierform\.tier","value":"backup"/, /\/app\/invoices|files-invoices/)),
        staging: N(lacks(CRONJOB, /files|invoices/)),
        prod: Y(all(has(BACKUP_PLAN, /file-shares/), has(/^aws:backup\/selection:Selection$/, /elasticfilesystem|efs/))),
    },
    "am-failover": {
        dev: N(noDockerFailover(/mysql:/)),
        staging: N(all(has(STATEFULSET, /mysql:8/, /"replicas":1/), lacks(CNPG))),
        prod: Y(rdsMultiAz),
    },
    "am-rpo": {
        dev: Y(all(rpoLabel, has(CONTAINER, /"tierform\.backup\.rpo-minutes","value":"360"/))),
        staging: Y(has(CRONJOB, /"tierform\.io\/rpo-minutes":"360"/)),
        prod: Y(has(BACKUP_PLAN, /cron\(0 (0|\*)\/6/)),
    },
    "am-rto": every(A(rtoNowhere)),
    "am-dr-testing": scratchRestoreTesting,
    "am-admin-internal": {
        dev: Y(has(CONTAINER, /allow 10\.0\.0\.0\/8;/, /deny all;/)),
        staging: Y(has(K8S, /10\.0\.0\.0\/8/, /192\.168\.0\.0\/16/)),
        prod: Y(
            all(
                has(ALB, /"internal":\s?true/),
                has(/^aws:lb\/listenerRule:ListenerRule$/, /"\/admin"/, /"sourceIp"/, /10\.0\.0\.0\/8/, /192\.168\.0\.0\/16/),
                has(
                    /^aws:vpc\/securityGroupIngressRule:SecurityGroupIngressRule$/,
                    /"cidrIpv4":\s?"192\.168\.0\.0\/16"/,
                    /"fromPort":\s?443/,
                ),
            ),
        ),
    },
    "am-shared-files": {
        dev: Y((p) => {
            const mounts = (c: PlanLike["resources"][number]) =>
                (c.inputs.volumes ?? []).map((v: { containerPath: string; volumeName?: string }) => `${v.volumeName}:${v.containerPath}`);
            const invoices = p.resources
                .filter((r) => CONTAINER.test(r.type))
                .flatMap((c) => mounts(c).filter((m: string) => m.endsWith(":/app/invoices")));
            return invoices.length >= 2 && new Set(invoices.map((m: string) => m.split(":")[0])).size === 1;
        }),
        staging: Y(all(has(PVC, /"ReadWriteMany"/), atLeast(2, DEPLOYMENT, /"mountPath":\s?"\/app\/invoices"/, /"subPath":\s?"invoices"/))),
        prod: Y(
            all(
                has(/^aws:efs\/fileSystem:FileSystem$/, /"encrypted":\s?true/),
                has(/^aws:efs\/accessPoint:AccessPoint$/, /"path":\s?"\/data\/invoices"/, /"ownerUid":\s?10001/),
                atLeast(2, TASK, /"containerPath":\s?"\/app\/invoices/, /"transitEncryption":\s?"ENABLED"/),
            ),
        ),
    },
    "am-ssl-lb": { dev: Y(nginxTls), staging: Y(k8sTls), prod: Y(albHttps) },
    "am-service-tls": {
        dev: A(all(has(DOCKER_NET, /"internal":true/), lacks(CONTAINER, /proxy_pass https:/))),
        staging: A(all(k8sFirewall, has(PEER_AUTHENTICATION, /"mode":"STRICT"/))),
        prod: A(
            all(
                has(TARGET_GROUP, /"protocol":"HTTP"/),
                has(/^aws:rds\/parameterGroup:ParameterGroup$/, /"name":"require_secure_transport","value":"1"/),
            ),
        ),
    },
    "am-debug": {
        dev: A(env("FLASK_ENV", /production/).dev),
        staging: Y(env("FLASK_ENV", /production/).staging),
        prod: Y(env("FLASK_ENV", /production/).prod),
    },
    "am-dev-server": {
        dev: N(all(has(CONTAINER, /gunicorn/), lacks(CONTAINER, /flask run|--reload/))),
        staging: Y(has(WORKLOAD, /gunicorn/)),
        prod: Y(has(TASK, /gunicorn/)),
    },
    "am-env-app": {
        dev: Y(all(env("FLASK_APP", /app\.py/).dev, secretEnv("JWT_SECRET_KEY").dev, secretEnv("WTF_CSRF_SECRET_KEY").dev)),
        staging: Y(all(env("FLASK_APP", /app\.py/).staging, secretEnv("SECRET_KEY").staging, secretEnv("WTF_CSRF_SECRET_KEY").staging)),
        prod: Y(all(env("FLASK_APP", /app\.py/).prod, secretEnv("SECRET_KEY").prod, secretEnv("WTF_CSRF_SECRET_KEY").prod)),
    },
    "am-env-db": {
        dev: Y(
            all(
                has(CONTAINER, /DATABASE_URL/, /DB_PASSWORD/),
                env("DB_HOST", /db/).dev,
                env("DB_PORT", /3306/).dev,
                env("DB_NAME", /auro_mart/).dev,
                env("DB_USER").dev,
            ),
        ),
        staging: Y(
            all(
                secretEnv("DATABASE_URL").staging,
                secretEnv("DB_PASSWORD").staging,
                env("DB_HOST").staging,
                env("DB_PORT", /3306/).staging,
                env("DB_NAME", /auro_mart/).staging,
                env("DB_USER").staging,
            ),
        ),
        prod: Y(
            all(
                secretEnv("DATABASE_URL").prod,
                secretEnv("DB_PASSWORD").prod,
                env("DB_HOST").prod,
                env("DB_PORT").prod,
                env("DB_NAME", /auro_mart/).prod,
                env("DB_USER").prod,
            ),
        ),
    },
    "am-env-mail": {
        dev: A(all(env("MAIL_SERVER", /smtp\.gmail\.com/).dev, env("MAIL_PORT", /587/).dev, noEnv("MAIL_PASSWORD"))),
        staging: A(all(env("MAIL_SERVER", /smtp\.gmail\.com/).staging, env("MAIL_USE_TLS", /True/).staging, noEnv("MAIL_PASSWORD"))),
        prod: A(all(env("MAIL_SERVER", /smtp\.gmail\.com/).prod, env("MAIL_USE_TLS", /True/).prod, noEnv("MAIL_PASSWORD"))),
    },
    "am-env-files": {
        dev: Y(all(env("INVOICE_FOLDER", /\/app\/invoices/).dev, env("WHATSAPP_ENABLED", /True/).dev)),
        staging: Y(all(env("REPORT_FOLDER", /\/app\/reports/).staging, env("WHATSAPP_WEBHOOK_URL", /\/webhook\/whatsapp/).staging)),
        prod: Y(all(env("UPLOAD_FOLDER", /\/app\/uploads/).prod, env("WHATSAPP_WEBHOOK_URL", /\/webhook\/whatsapp/).prod)),
    },
    "am-db-init": {
        dev: A(has(CONTAINER, /mysql:8/, /MYSQL_DATABASE=auro_mart/)),
        staging: A(has(STATEFULSET, /"MYSQL_DATABASE","value":"auro_mart"/)),
        prod: A(has(RDS, /"dbName":"auro_mart"/)),
    },
    "am-migrations": { dev: Y(migrateStep.dev), staging: Y(migrateStep.staging), prod: Y(migrateStep.prod) },
    "am-migration-rollback": every(N(nowhere(/db downgrade|migrate.*rollback/))),
    "am-conn-pooling": every(N(noPooler)),
    "am-resources": { dev: Y(resourceLimits.dev), staging: Y(resourceLimits.staging), prod: Y(resourceLimits.prod) },
    "am-autoscaling": {
        dev: N(dockerNoAutoscale),
        staging: Y(has(HPA, /"minReplicas":2/, /"maxReplicas":6/, /"averageUtilization":70/)),
        prod: Y(all(has(SCALING_POLICY, /ECSServiceAverageCPUUtilization/, /"targetValue":\s?70/), has(SCALING_TARGET, /"maxCapacity":6/))),
    },
    "am-resource-monitoring": {
        dev: N(dockerNoMetrics),
        staging: A(all(has(SERVICE_MONITOR), k8sAlert("PodCrashLooping"))),
        prod: Y(all(containerInsights, has(ALARM, /"metricName":"CPUUtilization"/))),
    },
    "am-perf-metrics": {
        dev: N(dockerNoMetrics),
        staging: Y(all(has(SERVICE_MONITOR), k8sAlert("HighLatencyP99"))),
        prod: Y(
            all(
                has(ALARM, /"extendedStatistic":"p99"/, /TargetResponseTime/),
                has(ALARM, /HighLatencyP99:/),
                has(DASHBOARD, /"TargetResponseTime"/, /"stat":"p95"/),
            ),
        ),
    },
    "am-db-query-perf": {
        dev: A(has(CONTAINER, /"--slow-query-log=1"/)),
        staging: A(has(CONFIGMAP, /slow_query_log = 1/)),
        prod: Y(has(RDS, /"enabledCloudwatchLogsExports":\[[^\]]*"slowquery"/)),
    },
    "am-error-tracking": {
        dev: N(all(noErrorTracker, dockerNoAlerts)),
        staging: A(all(noErrorTracker, k8sAlert("HighErrorRate"))),
        prod: A(
            all(
                noErrorTracker,
                has(ALARM, /HighErrorRate/),
                has(ALARM, /ErrorLogs:/),
                has(METRIC_FILTER),
                has(QUERY_DEF, /errors-by-service/),
            ),
        ),
    },
    "am-uptime": {
        dev: N(all(noUptimeProbe, dockerHealth(/health/))),
        staging: N(all(noUptimeProbe, k8sAlert("ReplicasUnavailable"))),
        prod: A(all(noUptimeProbe, has(ALARM, /UnHealthyHostCount/))),
    },
    "am-central-logging": {
        dev: A(all(noLogStack, has(CONTAINER, /"logDriver":"json-file"/))),
        staging: N(all(noLogStack, k8sNoLogConfig)),
        prod: Y(awsLogGroups(365)),
    },
    "am-log-rotation": {
        dev: Y(dockerLogRotation),
        staging: A(k8sNoLogConfig),
        prod: Y(has(LOG_GROUP, /"retentionInDays":365/)),
    },
    "am-access-logs": { dev: Y(accessLogs.dev), staging: A(accessLogs.staging), prod: Y(accessLogs.prod) },
    "am-waf": { dev: N(wafDev), staging: Y(wafK8s), prod: Y(wafAws) },
    "am-db-encrypted": {
        dev: N(nowhere(/encrypt|luks|dm-crypt/i)),
        staging: A(all(has(STATEFULSET, /mysql:8/, /volumeClaimTemplates/), lacks(/^kubernetes:storage\.k8s\.io\/v1:StorageClass$/))),
        prod: Y(has(RDS, /"storageEncrypted":\s?true/, /kmsKeyId/)),
    },
    "am-cdn": { dev: N(noCdn.dev), staging: N(noCdn.staging), prod: N(noCdn.prod) },
    "am-compression": {
        dev: N(lacks(CONTAINER, /gzip on;/)),
        staging: N(lacks(/^kubernetes:gateway\.envoyproxy\.io\/v1alpha1:BackendTrafficPolicy$/, /compression/i)),
        prod: N(lacks(CLOUDFRONT)),
    },
    "am-caching": { dev: N(noCache.dev), staging: N(noCache.staging), prod: N(noCache.prod) },
    "am-static": {
        dev: N(lacks(CONTAINER, /location \^~ \/static\//)),
        staging: N(lacks(/^kubernetes:gateway\.networking\.k8s\.io\/v1:HTTPRoute$/, /"value":"\/static"/)),
        prod: N(all(lacks(CLOUDFRONT), lacks(S3_BUCKET, /static/))),
    },
    "am-access-control": {
        dev: A(all(has(DOCKER_NET, /"internal":true/), dockerSecretsFile)),
        staging: Y(all(has(K8S_SECRET, /"name":"web-s3"/), has(K8S_SECRET, /"name":"admin-s3"/), k8sFirewall)),
        prod: Y(all(has(/^aws:iam\/rolePolicy:RolePolicy$/, /web-task/), has(/^aws:iam\/rolePolicy:RolePolicy$/, /admin-task/))),
    },
    "am-ci-tests": every(A(testsInfrastructureOnly)),
    "am-ci-scans": every(A(scansThirdPartyOnly)),
    "am-cd-build": every(A(all(noImageBuild, has(/./, /ghcr\.io\/auromart\/web:1\.0\.0/)))),
    "am-cd-staging": every(Y(stagedDeploy)),
    "am-stages": every(A(all(stagedDeploy, notInPipeline(/stack-name: (test|testing)\b/)))),
    "am-prod-approval": every(Y(prodApproval)),
    "am-deploy-checks": {
        dev: A(dockerDeployWait),
        staging: Y(k8sProbes),
        prod: Y(awsDeployWaits),
    },
    "am-smoke-tests": every(N(noSmokeTests)),
    "am-perf-testing": every(N(noLoadTests)),
    "am-compliance": every(Y(policyReportEverywhere)),
    "am-pentest": every(N(noPentest)),
};

/** The MDC checklist rows of the plan's policy report (read from the test Plan's run) meet `expect`. */
const checklist =
    (stack: Platform, platform: "docker" | "kubernetes" | "aws", expect: (rows: ReturnType<typeof checklistRows>) => boolean): Check =>
    (p) => {
        const run = (p as PlanLike & { run?: OfflineRun }).run;
        if (!run) return false;
        const report = runPolicyReport(run, stack);
        const rows = checklistRows(report.violations, report.checked, platform).filter((r) => r.id.startsWith("mdc-"));
        return rows.length === 8 && expect(rows);
    };

Object.assign(CHECKS, {
    // ---- MDC Transaction Tracking (seed 001) ----
    "mdc-cdn-ddos": {
        dev: N(noCdn.dev),
        staging: N(noCdn.staging),
        prod: A(all(has(CLOUDFRONT, /"webAclId"/), nowhere(/cloudflare/i))),
    },
    "mdc-load-balancer": {
        dev: Y(all(has(CONTAINER, /nginx/, /upstream/), atLeast(2, CONTAINER, /tts-backend/, /gunicorn/))),
        staging: A(all(has(/^kubernetes:gateway\.networking\.k8s\.io\/v1:Gateway$/), lacks(DEPLOYMENT, /nginx.*upstream/))),
        prod: A(has(ALB, /"internal":\s?false/)),
    },
    "mdc-redirect-headers": {
        dev: Y(has(CONTAINER, /return 301 https/, /X-Frame-Options/, /DENY/, /nosniff/, /X-XSS-Protection/)),
        staging: Y(
            all(
                has(K8S, /X-Frame-Options/, /DENY/),
                has(K8S, /nosniff/),
                has(K8S, /X-XSS-Protection/),
                has(K8S, /RequestRedirect|"scheme":\s?"https"/),
            ),
        ),
        prod: Y(all(has(/ResponseHeadersPolicy/, /"frameOption":\s?"DENY"/, /contentTypeOptions/, /xssProtection/), albHttps)),
    },
    "mdc-tls": {
        dev: Y(nginxTls),
        staging: Y(k8sTls),
        prod: Y(all(albHttps, has(CLOUDFRONT, /"viewerProtocolPolicy":"redirect-to-https"/))),
    },
    "mdc-routes": {
        dev: A(has(CONTAINER, /location \^~ \/media\//, /location \^~ \/static\//, /location \^~ \/api\//)),
        staging: A(has(/^kubernetes:gateway\.networking\.k8s\.io\/v1:HTTPRoute$/, /"value":"\/media"/, /"value":"\/static"/)),
        prod: A(all(has(/^aws:lb\/listenerRule:ListenerRule$/, /"\/media"/), has(/^aws:lb\/listenerRule:ListenerRule$/, /"\/static"/))),
    },
    "mdc-http2": {
        dev: Y(has(CONTAINER, /listen 8443 ssl http2;/)),
        staging: A(
            all(has(/^kubernetes:gateway\.networking\.k8s\.io\/v1:Gateway$/, /"protocol":"HTTPS"/), lacks(K8S, /"http2"|"alpnProtocols"/)),
        ),
        prod: Y(has(CLOUDFRONT, /"httpVersion":"http2(and3)?"/)),
    },
    "mdc-proxy-headers": {
        dev: Y(
            has(
                CONTAINER,
                /proxy_set_header X-Real-IP \$remote_addr;/,
                /proxy_set_header X-Forwarded-For/,
                /proxy_set_header X-Forwarded-Proto/,
            ),
        ),
        staging: A(lacks(K8S, /X-Real-IP/)),
        prod: A(all(has(ALB), lacks(/./, /X-Real-IP/))),
    },
    "mdc-backend": {
        dev: Y(has(CONTAINER, /tts-backend/, /config\.wsgi:application/, /0\.0\.0\.0:8000/)),
        staging: Y(has(DEPLOYMENT, /tts-backend/, /config\.wsgi:application/)),
        prod: Y(has(TASK, /tts-backend/, /config\.wsgi:application/)),
    },
    "mdc-frontend": {
        dev: Y(all(has(CONTAINER, /tts-frontend/), env("REACT_APP_API_URL").dev)),
        staging: Y(all(has(DEPLOYMENT, /tts-frontend/), env("REACT_APP_API_URL").staging)),
        prod: Y(all(has(TASK, /tts-frontend/), env("REACT_APP_API_URL").prod)),
    },
    "mdc-postgres-14": {
        dev: Y(has(CONTAINER, /postgres:14\.\d+/)),
        staging: Y(has(CNPG, /postgresql:14\.\d+/)),
        prod: Y(has(RDS, /"engine":\s?"postgres"/, /"engineVersion":\s?"14/)),
    },
    "mdc-redis-aof": {
        dev: Y(has(CONTAINER, /redis:7\.\d+/, /appendonly yes|"--appendonly",\s?"yes"/)),
        staging: Y(has(STATEFULSET, /redis:7\.\d+/, /"--appendonly",\s?"yes"|appendonly yes/)),
        prod: A(all(has(ELASTICACHE, /"engine":"redis"/, /"snapshotRetentionLimit":[1-9]/), nowhere(/appendonly/))),
    },
    "mdc-celery": {
        dev: Y(all(has(CONTAINER, /celery/, /worker/), has(CONTAINER, /celery/, /beat/))),
        staging: Y(all(has(WORKLOAD, /celery/, /"worker"/), has(WORKLOAD, /celery/, /"beat"/))),
        prod: Y(all(has(TASK, /celery/, /"worker"/), has(TASK, /celery/, /"beat"/))),
    },
    "mdc-non-root": {
        dev: Y((p) =>
            p.resources.some(
                (c) => CONTAINER.test(c.type) && /tts-backend/.test(text(c)) && /^[1-9]\d*(:\d+)?$/.test(String(c.inputs.user)),
            ),
        ),
        staging: Y(has(WORKLOAD, /tts-backend/, /"runAsNonRoot":\s?true/)),
        prod: Y(has(TASK, /tts-backend/, /"user":\s?"[1-9]/)),
    },
    "mdc-ci-tests": every(A(testsInfrastructureOnly)),
    "mdc-ci-build": every(A(all(noImageBuild, has(/./, /ghcr\.io\/mdc-sa\/tts-backend:1\.4\.2/), nowhere(/tts-backend:latest/)))),
    "mdc-cd-deploy": every(Y(all(inPipeline(/branches: \[main\]|branches:\n\s+- main/), inPipeline(/pulumi\/actions|pulumi up/)))),
    "mdc-env": {
        dev: Y(
            all(
                env("DJANGO_SETTINGS_MODULE", /config\.settings\.production/).dev,
                env("ALLOWED_HOSTS").dev,
                env("NODE_ENV", /production/).dev,
            ),
        ),
        staging: Y(all(env("DJANGO_SETTINGS_MODULE").staging, secretEnv("DATABASE_URL").staging, secretEnv("REDIS_URL").staging)),
        prod: Y(
            all(
                env("DJANGO_SETTINGS_MODULE").prod,
                secretEnv("DATABASE_URL").prod,
                secretEnv("REDIS_URL").prod,
                secretEnv("SECRET_KEY").prod,
            ),
        ),
    },
    "mdc-env-email": {
        dev: A(all(env("EMAIL_HOST", /smtp\.gmail\.com/).dev, env("EMAIL_HOST_USER").dev, noEnv("EMAIL_HOST_PASSWORD"))),
        staging: A(all(env("EMAIL_HOST", /smtp\.gmail\.com/).staging, env("EMAIL_PORT", /587/).staging, noEnv("EMAIL_HOST_PASSWORD"))),
        prod: A(all(env("EMAIL_HOST", /smtp\.gmail\.com/).prod, env("EMAIL_PORT", /587/).prod, noEnv("EMAIL_HOST_PASSWORD"))),
    },
    "mdc-env-storage": {
        dev: A(all(env("MEDIA_BUCKET").dev, noEnv("AWS_STORAGE_BUCKET_NAME"))),
        staging: A(all(env("MEDIA_BUCKET").staging, noEnv("AWS_STORAGE_BUCKET_NAME"))),
        prod: A(all(env("MEDIA_BUCKET").prod, noEnv("AWS_STORAGE_BUCKET_NAME"), noEnv("AWS_ACCESS_KEY_ID"), has(TASK, /"taskRoleArn"/))),
    },
    "mdc-env-oauth": every(N(all(noEnv("GOOGLE_CLIENT_ID"), noEnv("GOOGLE_CLIENT_SECRET")))),
    "mdc-sentry": {
        dev: N(noErrorTracker),
        staging: N(noErrorTracker),
        prod: N(noErrorTracker),
    },
    "mdc-prometheus-grafana": {
        dev: N(all(dockerNoMetrics, noDashboard)),
        staging: A(all(has(SERVICE_MONITOR), has(PROM_RULE), k8sDashboard)),
        prod: A(all(containerInsights, has(ALARM), has(DASHBOARD, /"## service /))),
    },
    "mdc-elk": {
        dev: A(all(noLogStack, has(CONTAINER, /"logDriver":"json-file"/))),
        staging: N(all(noLogStack, k8sNoLogConfig)),
        prod: A(all(noLogStack, awsLogGroups(365))),
    },
    "mdc-uptime": {
        dev: N(noUptimeProbe),
        staging: N(noUptimeProbe),
        prod: A(all(noUptimeProbe, has(ALARM, /UnHealthyHostCount/))),
    },
    "mdc-health-check": {
        dev: Y(dockerHealth(/127\.0\.0\.1:8000\/api\/health/)),
        staging: Y(k8sProbe("readinessProbe", "/api/health")),
        prod: Y(has(TARGET_GROUP, /"path":"\/api\/health"/)),
    },
    "mdc-pg-dump": {
        dev: Y(
            has(
                CONTAINER,
                /"tierform\.backup\.schedule","value":"0 2 \* \* \*"/,
                /"tierform\.backup\.retention-days","value":"30"/,
                /postgres:14/,
            ),
        ),
        staging: Y(has(CRONJOB, /"schedule":"0 2 \* \* \*"/, /"tierform\.io\/retention-days":"30"/, /postgres:14/)),
        prod: A(all(has(BACKUP_PLAN, /cron\(0 2 \* \* \? \*\)/, /"deleteAfter":30/), lacks(/./, /pg_dump/))),
    },
    "mdc-backup-s3": {
        dev: N(dockerBackupLocalOnly),
        staging: A(all(k8sBackupInCluster, has(OBJECT_STORE, /"destinationPath":"s3:\/\//))),
        prod: Y(drCopies),
    },
    "mdc-backup-compress": {
        dev: Y(has(CONTAINER, /"tierform\.engine","value":"postgres"/, /"tierform\.tier","value":"backup"/)),
        staging: Y(has(CONFIGMAP, /pg_dump/, /-Fc|--format=custom/)),
        prod: A(all(has(BACKUP_PLAN), lacks(/./, /pg_dump/))),
    },
    "mdc-media-backup": {
        dev: A(has(CONTAINER, /VersioningConfiguration/)),
        staging: A(has(JOB, /put-bucket-versioning|VersioningConfiguration/)),
        prod: A(
            all(
                has(/^aws:s3\/bucketVersioning:BucketVersioning$/, /"status":"Enabled"/),
                lacks(/^aws:backup\/selection:Selection$/, /arn:aws:s3/),
            ),
        ),
    },
    "mdc-rolling": {
        dev: A(all(has(CONTAINER, /tts-backend/), lacks(/./, /maxSurge/))),
        staging: Y(has(DEPLOYMENT, /"maxSurge":\s?1/, /"maxUnavailable":\s?0/)),
        prod: Y(
            has(
                ECS_SERVICE,
                /tts-backend|backend-service/,
                /"deploymentMaximumPercent":\s?150/,
                /"deploymentMinimumHealthyPercent":\s?100/,
            ),
        ),
    },
    "mdc-autoscaling": {
        dev: N(dockerNoAutoscale),
        staging: Y(
            all(
                has(
                    SCALED_OBJECT,
                    /"threshold":"1000"/,
                    /"type":"prometheus"/,
                    /"value":"70"/,
                    /"value":"80"/,
                    /"minReplicaCount":2/,
                    /"maxReplicaCount":10/,
                ),
            ),
        ),
        prod: Y(
            all(
                has(SCALING_POLICY, /ECSServiceAverageCPUUtilization/, /"targetValue":\s?70/),
                has(SCALING_POLICY, /ECSServiceAverageMemoryUtilization/, /"targetValue":\s?80/),
                has(SCALING_POLICY, /ALBRequestCountPerTarget/, /"targetValue":1000/),
                has(SCALING_TARGET, /"minCapacity":\s?2/, /"maxCapacity":\s?10/),
            ),
        ),
    },
    "mdc-firewall": { dev: Y(devOnlyEdgePublished), staging: Y(k8sFirewall), prod: Y(awsFirewall) },
    "mdc-db-encrypted": {
        dev: N(nowhere(/encrypt|luks|dm-crypt/i)),
        staging: A(all(has(CNPG, /"storage"/), lacks(/^kubernetes:storage\.k8s\.io\/v1:StorageClass$/))),
        prod: Y(has(RDS, /"storageEncrypted":\s?true/, /kmsKeyId/)),
    },
    "mdc-secrets-vault": {
        dev: A(dockerSecretsFile),
        staging: A(has(K8S_SECRET, /app-secrets/)),
        prod: Y(has(SECRET, /secret-key/)),
    },
    "mdc-rate-limit": {
        dev: Y(has(CONTAINER, /limit_req_zone \$binary_remote_addr zone=perip:10m rate=1000r\/m/)),
        staging: Y(has(/^kubernetes:gateway\.envoyproxy\.io\/v1alpha1:BackendTrafficPolicy$/, /"requests":1000,"unit":"Minute"/)),
        prod: Y(has(WAF, /rateBasedStatement/)),
    },
    "mdc-alerts": {
        dev: N(dockerNoAlerts),
        staging: Y(all(k8sAlert("HighErrorRate"), k8sAlert("BackupMissing"))),
        prod: Y(all(has(ALARM, /"alarmActions":\["arn:aws:sns/), has(/^aws:sns\/topic:Topic$/))),
    },
    "mdc-checklist": {
        dev: A(
            checklist(
                "dev",
                "docker",
                (rows) =>
                    rows.some((r) => r.status === "N/A") &&
                    rows.some((r) => r.status === "FAIL") &&
                    rows.every((r) => r.status !== "FAIL" || r.advisory),
            ),
        ),
        staging: A(
            checklist("staging", "kubernetes", (rows) => rows.some((r) => r.status === "N/A") && rows.every((r) => r.status !== "FAIL")),
        ),
        prod: Y(checklist("prod", "aws", (rows) => rows.every((r) => r.status === "PASS"))),
    },
    "mdc-predeploy": every(A(all(inPipeline(/needs: \[?test/), noSmokeTests))),
    "mdc-tag-release": every(N(noTagTrigger)),
    "mdc-migrations": { dev: Y(migrateStep.dev), staging: Y(migrateStep.staging), prod: Y(migrateStep.prod) },
    "mdc-staging-first": every(Y(stagedDeploy)),
    "mdc-smoke-tests": every(N(noSmokeTests)),
    "mdc-postdeploy": {
        dev: A(dockerDeployWait),
        staging: Y(k8sProbes),
        prod: Y(awsDeployWaits),
    },
    "mdc-media": {
        dev: Y(env("MEDIA_BUCKET").dev),
        staging: Y(env("MEDIA_BUCKET").staging),
        prod: Y(all(has(S3_BUCKET, /media/), env("MEDIA_BUCKET").prod)),
    },
} satisfies Record<string, RowChecks>);

const MK_SERVICES = ["order", "user", "payment", "delivery", "notification"];
const mkEach =
    (type: RegExp, ...patterns: RegExp[]): Check =>
    (p) =>
        MK_SERVICES.every((s) => has(type, new RegExp(`mealkitz/${s}-service:`), ...patterns)(p));

Object.assign(CHECKS, {
    // ---- MealKitz (seed 002) ----
    "mk-api-gateway": {
        dev: A(has(CONTAINER, /location \^~ \/orders\//, /location \^~ \/payments\//)),
        staging: Y(
            all(
                has(/^kubernetes:gateway\.networking\.k8s\.io\/v1:Gateway$/),
                has(/^kubernetes:gateway\.networking\.k8s\.io\/v1:HTTPRoute$/, /"value":"\/orders"/),
            ),
        ),
        prod: A(all(has(/^aws:lb\/listenerRule:ListenerRule$/, /"\/orders"/), lacks(/^aws:apigateway/))),
    },
    "mk-services": { dev: Y(mkEach(CONTAINER)), staging: Y(mkEach(DEPLOYMENT)), prod: Y(mkEach(TASK)) },
    "mk-uvicorn": {
        dev: Y(mkEach(CONTAINER, /uvicorn/, /8000/)),
        staging: Y(mkEach(DEPLOYMENT, /uvicorn/, /8000/)),
        prod: Y(mkEach(TASK, /uvicorn/, /8000/)),
    },
    "mk-external": {
        dev: Y(all(has(CONTAINER, /payment-service/, /-net-egress/), lacks(CONTAINER, /user-service/, /-net-egress/))),
        staging: Y(has(NETPOL, /"cidr":"0\.0\.0\.0\/0"/)),
        prod: Y(has(SECURITY_GROUP_RULE, /"cidrIpv4":"0\.0\.0\.0\/0"/, /"fromPort":443/)),
    },
    "mk-ec2": {
        dev: A(mkEach(CONTAINER)),
        staging: A(mkEach(DEPLOYMENT)),
        prod: A(all(has(ECS_SERVICE, /"launchType":"FARGATE"/), lacks(/^aws:ec2\/instance:Instance$/))),
    },
    "mk-rds": { dev: A(has(CONTAINER, /postgres:15/)), staging: A(has(CNPG, /postgresql:15/)), prod: Y(has(RDS, /"engine":"postgres"/)) },
    "mk-elasticache": {
        dev: A(has(CONTAINER, /redis:7/)),
        staging: A(has(STATEFULSET, /redis:7/)),
        prod: Y(has(ELASTICACHE, /"engine":"redis"/)),
    },
    "mk-queue-dlq": {
        dev: A(has(CONTAINER, /rabbitmq:/)),
        staging: A(has(STATEFULSET, /rabbitmq:/)),
        prod: Y(has(SQS, /redrivePolicy/, /deadLetterTargetArn/)),
    },
    "mk-s3": {
        dev: A(has(CONTAINER, /seaweedfs/)),
        staging: A(has(WORKLOAD, /seaweedfs/)),
        prod: Y(has(/^aws:s3\/bucketServerSideEncryptionConfiguration/)),
    },
    "mk-cdn": { dev: N(noCdn.dev), staging: N(noCdn.staging), prod: Y(has(CLOUDFRONT, /"compress":true/)) },
    "mk-route53": {
        dev: N(lacks(/^aws:route53\//)),
        staging: N(all(lacks(/^aws:route53\//), nowhere(/external-dns/))),
        prod: Y(has(/^aws:route53\/record:Record$/, /"aliases":\[/)),
    },
    "mk-k8s-cluster": {
        dev: N(lacks(/^(aws:eks|kubernetes):/)),
        staging: A(all(lacks(/^kubernetes:core\/v1:Node$/), has(/^kubernetes:core\/v1:Namespace$/))),
        prod: N(lacks(/^aws:eks\//)),
    },
    "mk-mesh": {
        dev: N(noMesh),
        staging: A(
            all(
                has(PEER_AUTHENTICATION, /"mode":"STRICT"/),
                has(AUTHORIZATION_POLICY, /"name":"mesh-order"/, /"namespaces":\["envoy-gateway-system","monitoring"\]/),
                has(DEPLOYMENT, /"istio\.io\/dataplane-mode":"ambient"/),
                has(/^kubernetes:monitoring\.coreos\.com\/v1:PodMonitor$/, /"app":"ztunnel"/),
                nowhere(/VirtualService|DestinationRule|istio-waypoint/),
            ),
        ),
        prod: N(noMesh),
    },
    "mk-service-discovery": {
        dev: Y(all(has(CONTAINER, /"aliases":\["user"\]/), has(CONTAINER, /"aliases":\["order-[a-f0-9]{6}"\]/))),
        staging: Y(has(/^kubernetes:core\/v1:Service$/, /"type":"ClusterIP"/)),
        prod: N(all(lacks(/^aws:servicediscovery\//), nowhere(/serviceConnectConfiguration|serviceRegistries/))),
    },
    "mk-hpa": {
        dev: N(dockerNoAutoscale),
        staging: Y(atLeast(5, HPA, /"minReplicas":\s?3/, /"maxReplicas":\s?10/, /"averageUtilization":\s?70/)),
        prod: Y(
            all(
                atLeast(5, SCALING_TARGET, /"minCapacity":\s?3/, /"maxCapacity":\s?10/),
                has(SCALING_POLICY, /ECSServiceAverageCPUUtilization/, /"targetValue":\s?70/),
            ),
        ),
    },
    "mk-read-replicas": {
        dev: N(noDockerFailover(/postgres:/)),
        staging: Y(has(CNPG, /"instances":\s?3/)),
        prod: Y(atLeast(2, RDS, /"replicateSourceDb":"mealkitz-db"/)),
    },
    "mk-conn-pooling": every(N(noPooler)),
    "mk-sharding": every(N(nowhere(/citus|vitess|pg_shard/i))),
    "mk-vpc": {
        dev: A(has(DOCKER_NET, /"internal":true/)),
        staging: A(k8sFirewall),
        prod: Y(all(has(/^aws:ec2\/vpc:Vpc$/), has(/^aws:ec2\/securityGroup:SecurityGroup$/))),
    },
    "mk-netpol": { dev: A(has(DOCKER_NET, /"internal":true/)), staging: Y(k8sFirewall), prod: A(awsFirewall) },
    "mk-tls": { dev: Y(nginxTls), staging: Y(k8sTls), prod: Y(albHttps) },
    "mk-service-monitor": {
        dev: N(dockerNoMetrics),
        staging: Y(atLeast(5, /ServiceMonitor$/, /"endpoints"/)),
        prod: A(all(lacks(/ServiceMonitor$/), containerInsights)),
    },
    "mk-log-aggregation": {
        dev: A(all(noLogStack, has(CONTAINER, /"logDriver":"json-file"/))),
        staging: N(all(noLogStack, k8sNoLogConfig)),
        prod: A(all(noLogStack, awsLogGroups(365))),
    },
    "mk-log-retention": { dev: A(dockerLogRotation), staging: N(k8sNoLogConfig), prod: Y(has(LOG_GROUP, /"retentionInDays":365/)) },
    "mk-alerts": { dev: N(dockerNoAlerts), staging: Y(k8sAlert("HighErrorRate")), prod: Y(has(ALARM, /"alarmActions":\["arn:aws:sns/)) },
    "mk-daily-backups": {
        dev: Y(has(CONTAINER, /"tierform\.backup\.schedule","value":"0 3 \* \* \*"/)),
        staging: Y(all(has(CRONJOB, /"schedule":"0 3 \* \* \*"/), has(/^kubernetes:postgresql\.cnpg\.io\/v1:ScheduledBackup$/))),
        prod: Y(has(BACKUP_PLAN, /cron\(0 3 \* \* \? \*\)/)),
    },
    "mk-pitr": {
        dev: N(all(lacks(CONTAINER, /archive_command|wal-g|pgbackrest/), lacks(CNPG))),
        staging: Y(all(has(CNPG, /"isWALArchiver":\s?true/), has(OBJECT_STORE, /"retentionPolicy"/))),
        prod: Y(all(has(RDS, /"backupRetentionPeriod":\s?([1-9]|\d\d)/), has(BACKUP_PLAN, /"enableContinuousBackup":true/))),
    },
    "mk-cross-region": {
        dev: N((p) => regions(p) === 0),
        staging: N((p) => regions(p) === 0),
        prod: Y((p) => regions(p) >= 2 && has(RDS, /"replicateSourceDb":"arn:aws:rds:/)(p) && drCopies(p)),
    },
    "mk-backup-verify": {
        dev: Y(has(CONTAINER, /pg_restore --list|sha256sum/)),
        staging: Y(has(CONFIGMAP, /pg_restore --list/, /sha256sum/)),
        prod: A(awsRestoreTesting),
    },
    "mk-multi-region": {
        dev: N((p) => regions(p) === 0),
        staging: N((p) => regions(p) === 0),
        prod: A(
            (p) =>
                regions(p) >= 2 &&
                has(RDS, /"replicateSourceDb":"arn:aws:rds:/)(p) &&
                atLeast(1, ECS_CLUSTER)(p) &&
                !atLeast(2, ECS_CLUSTER)(p),
        ),
    },
    "mk-failover": {
        dev: N(noDockerFailover(/postgres:/)),
        staging: Y(has(CNPG, /"instances":3/)),
        prod: Y(all(rdsMultiAz, has(RDS, /"replicateSourceDb":"arn:aws:rds:/))),
    },
    "mk-recovery-testing": scratchRestoreTesting,
    "mk-cicd": every(A(all(noImageBuild, inPipeline(/pulumi\/actions/), notInPipeline(/kubectl apply/)))),
    "mk-env": {
        dev: Y(all(env("AWS_REGION", /us-east-1/).dev, env("LOG_LEVEL", /info/).dev, env("ENABLE_METRICS", /true/).dev)),
        staging: Y(
            all(
                env("AWS_REGION", /us-east-1/).staging,
                env("LOG_LEVEL", /info/).staging,
                secretEnv("DATABASE_URL").staging,
                secretEnv("REDIS_URL").staging,
            ),
        ),
        prod: Y(
            all(
                env("AWS_REGION", /us-east-1/).prod,
                env("ENABLE_METRICS", /true/).prod,
                secretEnv("DATABASE_URL").prod,
                secretEnv("REDIS_URL").prod,
            ),
        ),
    },
    "mk-cache-invalidation": {
        dev: N(noCdn.dev),
        staging: N(noCdn.staging),
        prod: N(all(has(CLOUDFRONT), nowhere(/create-invalidation|CreateInvalidation/), notInPipeline(/create-invalidation/))),
    },
    "mk-rate-limit": {
        dev: Y(has(CONTAINER, /limit_req_zone \$binary_remote_addr zone=perip:10m rate=1200r\/m/, /zone=rate_payment:10m rate=60r\/m/)),
        staging: Y(
            has(
                /^kubernetes:gateway\.envoyproxy\.io\/v1alpha1:BackendTrafficPolicy$/,
                /"requests":1200,"unit":"Minute"/,
                /"requests":60,"unit":"Minute"/,
            ),
        ),
        prod: Y(has(WAF, /rateBasedStatement/, /"name":"rate-limit-payment".*"searchString":"\/payments"/)),
    },
    "mk-circuit-breakers": {
        dev: A(
            all(
                has(
                    CONTAINER,
                    /limit_conn conn_order 512;/,
                    /proxy_next_upstream error http_502 http_503 http_504;/,
                    /proxy_next_upstream_tries 3;/,
                ),
                nowhere(/max_fails/),
            ),
        ),
        staging: Y(
            has(
                /^kubernetes:gateway\.envoyproxy\.io\/v1alpha1:BackendTrafficPolicy$/,
                /"maxParallelRequests":512/,
                /"retryBudget":\{"minRetryConcurrency":3,"percent":\{"denominator":100,"numerator":20\}\}/,
                /"consecutive5XxErrors":5/,
                /"baseEjectionTime":"30s"/,
                /"maxEjectionPercent":50/,
                /"numRetries":2/,
            ),
        ),
        prod: A(all(has(TARGET_GROUP, /"loadBalancingAnomalyMitigation":"on"/), has(WAF, /"name":"rate-limit-payment"/))),
    },
    "mk-timeouts": {
        dev: A(has(CONTAINER, /proxy_read_timeout 15s;/, /proxy_next_upstream_timeout 15s;/, /proxy_read_timeout 30s;/)),
        staging: Y(
            all(
                has(/^kubernetes:gateway\.envoyproxy\.io\/v1alpha1:BackendTrafficPolicy$/, /"requestTimeout":"15s"/),
                has(/^kubernetes:gateway\.envoyproxy\.io\/v1alpha1:BackendTrafficPolicy$/, /"requestTimeout":"30s"/),
            ),
        ),
        prod: A(has(ALB, /"idleTimeout":60/)),
    },
    "mk-canary-bluegreen": {
        dev: A(all(edgeSwitch(/split_clients "\$\{request_id\}" \$upstream_order/), edgeSwitch(/# tierform-colour payment [a-f0-9]{6}/))),
        staging: Y(all(argoCanary(10, 50, 100), argoBlueGreen)),
        prod: Y(
            all(
                has(ECS_SERVICE, /"strategy":\s?"CANARY"/, /"alarmNames"/, /"rollback":true/),
                has(ECS_SERVICE, /"strategy":\s?"BLUE_GREEN"/, /"alarmNames"/),
                ecsPreviewChecked("CANARY"),
                ecsPreviewChecked("BLUE_GREEN"),
            ),
        ),
    },
    "mk-feature-flags": every(N(noFeatureFlags)),
    "mk-rollback": {
        dev: N(lacks(/./, /rollback/i)),
        staging: Y(all(has(ROLLOUT), has(ANALYSIS), lacks(DEPLOYMENT, /"revisionHistoryLimit":0/))),
        prod: Y(has(ECS_SERVICE, /"rollback":true/)),
    },
    "mk-probes": {
        dev: A(
            has(CONTAINER, /mealkitz\/order-service/, /"interval":"10s"/, /"startPeriod":"30s"/, /"http:\/\/127\.0\.0\.1:8000\/health"/),
        ),
        staging: Y(
            (p) =>
                p.resources.filter(
                    (r) =>
                        DEPLOYMENT.test(r.type) &&
                        (r.inputs.spec?.template?.spec?.containers ?? []).some(
                            (c: Record<string, any>) =>
                                c.livenessProbe?.httpGet?.path === "/health" &&
                                c.livenessProbe?.initialDelaySeconds === 30 &&
                                c.livenessProbe?.periodSeconds === 10 &&
                                c.readinessProbe?.httpGet?.path === "/ready" &&
                                c.readinessProbe?.initialDelaySeconds === 5 &&
                                c.readinessProbe?.periodSeconds === 5,
                        ),
                ).length >= 5,
        ),
        prod: Y(all(atLeast(5, TARGET_GROUP, /"interval":5,/, /"path":"\/ready"/), mkEach(TASK, /8000\/health/, /"startPeriod":30/))),
    },
} satisfies Record<string, RowChecks>);

const SECRET_VERSION = /^aws:secretsmanager\/secretVersion:SecretVersion$/;

Object.assign(CHECKS, {
    // ---- Asset Management (seed 003) ----
    "amg-load-balancer": { dev: Y(nginxTls), staging: Y(k8sTls), prod: Y(all(albHttps, has(ALB, /"internal":false/))) },
    "amg-global-lb": {
        dev: N(lacks(/^aws:route53\/record:Record$/, /failoverRoutingPolicies/)),
        staging: N(lacks(/^aws:route53\/record:Record$/, /failoverRoutingPolicies/)),
        prod: A(
            all(
                has(CLOUDFRONT),
                lacks(/^aws:route53\/record:Record$/, /failoverRoutingPolicies|latencyRoutingPolicies/),
                lacks(/^aws:globalaccelerator\//),
            ),
        ),
    },
    "amg-cdn": { dev: N(noCdn.dev), staging: N(noCdn.staging), prod: Y(has(CLOUDFRONT, /"compress":true/)) },
    "amg-api-frontend": {
        dev: Y(all(has(CONTAINER, /asset-mgmt\/api:3\.2\.0/, /dist\/main\.js/), has(CONTAINER, /asset-mgmt\/frontend:/))),
        staging: Y(all(has(DEPLOYMENT, /asset-mgmt\/api:/, /"containerPort":3000/), has(DEPLOYMENT, /asset-mgmt\/frontend:/))),
        prod: Y(all(has(TASK, /asset-mgmt\/api:/, /"containerPort":3000/), has(TASK, /asset-mgmt\/frontend:/))),
    },
    "amg-api-gateway": {
        dev: A(has(CONTAINER, /location \^~ \/api\//)),
        staging: A(has(/^kubernetes:gateway\.networking\.k8s\.io\/v1:HTTPRoute$/, /"value":"\/api"/)),
        prod: A(all(has(/^aws:lb\/listenerRule:ListenerRule$/, /"\/api"/), lacks(/^aws:apigateway/))),
    },
    "amg-queue": { dev: A(has(CONTAINER, /rabbitmq:/)), staging: A(has(STATEFULSET, /rabbitmq:/)), prod: Y(has(SQS, /redrivePolicy/)) },
    "amg-email": {
        dev: A(has(CONTAINER, /asset-mgmt\/api/, /-net-egress/)),
        staging: A(has(NETPOL, /"port":587/)),
        prod: A(has(SECURITY_GROUP_RULE, /"fromPort":587/)),
    },
    "amg-monitoring-stack": {
        dev: N(all(dockerNoMetrics, noDashboard)),
        staging: A(all(has(SERVICE_MONITOR), has(PROM_RULE), k8sDashboard)),
        prod: A(all(containerInsights, has(ALARM), has(DASHBOARD, /"## service /))),
    },
    "amg-dev-env": {
        dev: A(all(has(CONTAINER, /postgres:16/), nowhere(/pgadmin|prisma studio|"prisma","studio"/i))),
        staging: Y(nowhere(/pgadmin|"prisma","studio"/i)),
        prod: Y(nowhere(/pgadmin|"prisma","studio"/i)),
    },
    "amg-staging-env": {
        dev: A(runsImage(/asset-mgmt\/api:3\.2\.0/).dev),
        staging: Y(all(runsImage(/asset-mgmt\/api:3\.2\.0/).staging, has(/^kubernetes:core\/v1:Namespace$/), k8sFirewall)),
        prod: Y(runsImage(/asset-mgmt\/api:3\.2\.0/).prod),
    },
    "amg-multi-zone": {
        dev: N(noDockerFailover(/postgres:/)),
        staging: A(has(CNPG, /"instances":3/)),
        prod: Y(all(atLeast(3, SUBNET, /"availabilityZone"/, /"mapPublicIpOnLaunch":false/), rdsMultiAz)),
    },
    "amg-autoscaling": {
        dev: N(dockerNoAutoscale),
        staging: A(has(SCALED_OBJECT, /"threshold":"1000"/, /"value":"70"/, /"value":"80"/, /"maxReplicaCount":10/)),
        prod: A(
            all(
                has(SCALING_POLICY, /ECSServiceAverageCPUUtilization/, /"targetValue":\s?70/),
                has(SCALING_POLICY, /ECSServiceAverageMemoryUtilization/, /"targetValue":\s?80/),
                has(SCALING_POLICY, /RequestCountPerTarget/, /"targetValue":1000/),
                has(SCALING_TARGET, /"minCapacity":2/, /"maxCapacity":10/),
                lacks(SCALING_TARGET, /"maxCapacity":15/),
            ),
        ),
    },
    "amg-pg-cluster": {
        dev: N(noDockerFailover(/postgres:/)),
        staging: A(has(CNPG, /"instances":3\b/)),
        prod: Y(all(has(RDS, /"multiAz":\s?true/), atLeast(2, RDS, /"replicateSourceDb":"asset-management-db"/))),
    },
    "amg-pg-settings": {
        dev: Y(has(CONTAINER, /"max_connections=200"/, /"shared_buffers=4GB"/, /"effective_cache_size=12GB"/, /"wal_buffers=16MB"/)),
        staging: Y(has(CNPG, /"max_connections":"200"/, /"shared_buffers":"4GB"/, /"effective_cache_size":"12GB"/)),
        prod: A(
            all(
                has(
                    /^aws:rds\/parameterGroup:ParameterGroup$/,
                    /"name":"max_connections","value":"200"/,
                    /"name":"checkpoint_completion_target","value":"0\.9"/,
                ),
                lacks(/^aws:rds\/parameterGroup:ParameterGroup$/, /"name":"shared_buffers"/),
            ),
        ),
    },
    "amg-redis-cluster": {
        dev: A(has(CONTAINER, /redis:7/)),
        staging: A(has(STATEFULSET, /redis:7/, /"replicas":1/)),
        prod: Y(has(ELASTICACHE, /"clusterMode":"enabled"/, /"numNodeGroups":3/)),
    },
    "amg-storage-tiers": {
        dev: A(all(has(CONTAINER, /seaweedfs/), nowhere(/STANDARD_IA/))),
        staging: A(all(has(WORKLOAD, /seaweedfs/), nowhere(/STANDARD_IA/))),
        prod: Y(has(/BucketLifecycleConfiguration/, /STANDARD_IA/, /GLACIER/, /DEEP_ARCHIVE/)),
    },
    "amg-dr-region": {
        dev: N((p) => regions(p) === 0),
        staging: N((p) => regions(p) === 0),
        prod: Y((p) => regions(p) >= 2 && has(RDS, /"replicateSourceDb":"arn:aws:rds:/)(p)),
    },
    "amg-warm-standby": {
        dev: N((p) => regions(p) === 0),
        staging: N((p) => regions(p) === 0),
        prod: N((p) => !atLeast(2, ECS_CLUSTER)(p)),
    },
    "amg-db-secret": { dev: Y(dockerSecretsFile), staging: Y(secretEnv("DATABASE_URL").staging), prod: Y(secretEnv("DATABASE_URL").prod) },
    "amg-subnets": {
        dev: A(
            all(
                has(DOCKER_NET, /"tierform\.network","value":"data"/, /"internal":true/),
                has(DOCKER_NET, /"tierform\.network","value":"app"/),
            ),
        ),
        staging: A(k8sFirewall),
        prod: Y(all(atLeast(2, SUBNET, /"mapPublicIpOnLaunch":\s?false/), has(/^aws:rds\/subnetGroup:SubnetGroup$/))),
    },
    "amg-tls-all": {
        dev: A(all(nginxTls, lacks(CONTAINER, /proxy_pass https:/))),
        staging: A(all(k8sTls, has(PEER_AUTHENTICATION, /"mode":"STRICT"/))),
        prod: A(all(albHttps, has(TARGET_GROUP, /"protocol":"HTTP"/))),
    },
    "amg-db-tls": {
        dev: N(lacks(CONTAINER, /postgres:16/, /ssl=on/)),
        staging: Y(
            all(
                has(CNPG, /postgresql:16/),
                has(WORKLOAD, /"name":"DB_CA_FILE","value":"\/etc\/tierform\/ca\/db\/ca\.crt"/, /"db-ca"/, /"ca\.crt"/, /"db\/ca\.crt"/),
            ),
        ),
        prod: Y(has(SECRET_VERSION, /sslmode=verify-full/)),
    },
    "amg-secrets": {
        dev: A(dockerSecretsFile),
        staging: A(has(K8S_SECRET, /app-secrets/)),
        prod: Y(has(SECRET, /jwt-secret/)),
    },
    "amg-patching": {
        dev: A(() => fs.existsSync(path.join(PROJECT_ROOT, "renovate.json"))),
        staging: A(() => fs.existsSync(path.join(PROJECT_ROOT, "renovate.json"))),
        prod: A(all(() => fs.existsSync(path.join(PROJECT_ROOT, "renovate.json")), has(RDS, /"autoMinorVersionUpgrade":true/))),
    },
    "amg-ddos": {
        dev: N(noCdn.dev),
        staging: A(all(noCdn.staging, has(/^kubernetes:gateway\.envoyproxy\.io\/v1alpha1:BackendTrafficPolicy$/, /"rateLimit"/))),
        prod: Y(all(has(CLOUDFRONT, /"webAclId"/), has(WAF, /rateBasedStatement/))),
    },
    "amg-waf": { dev: N(wafDev), staging: Y(wafK8s), prod: Y(wafAws) },
    "amg-blue-green": {
        dev: A(all(edgeSwitch(/# tierform-colour api [a-f0-9]{6}/), has(CONTAINER, /asset-management-api-migrate/))),
        staging: Y(all(argoBlueGreen, has(ROLLOUT, /"scaleDownDelaySeconds":600/), migrateStep.staging)),
        prod: Y(
            all(
                ecsPreviewChecked("BLUE_GREEN"),
                has(ECS_SERVICE, /"strategy":"BLUE_GREEN"/, /"lifecycleStages":\["PRE_SCALE_UP"\]/, /"tasks":\[\{"name":"migrate"/),
                has(ECS_SERVICE, /"strategy":"BLUE_GREEN"/, /"tasks":\[\{"name":"smoke-1"/, /"PREVIEW_URL":"https:\/\/origin\.[^"]+:8443"/),
                migrateStep.prod,
            ),
        ),
    },
    "amg-pre-migration-backup": every(N(nowhere(/backup-before-migrate|pre-migration/i))),
    "amg-canary": {
        dev: A(all(edgeSwitch(/5% http:\/\/frontend-[a-f0-9]{6}/), edgeSwitch(/25% http:/), edgeSwitch(/50% http:/))),
        staging: A(argoCanary(5, 25, 50, 100)),
        prod: A(
            all(
                has(
                    ECS_SERVICE,
                    /"strategy":"CANARY"/,
                    /"canaryPercent":5\b/,
                    /"canaryBakeTimeInMinutes":"5"/,
                    /"bakeTimeInMinutes":"15"/,
                    /"alarmNames"/,
                ),
                lacks(ECS_SERVICE, /"canaryPercent":25/),
                ecsPreviewChecked("CANARY"),
            ),
        ),
    },
    "amg-kpis": {
        dev: N(dockerNoMetrics),
        staging: Y(all(k8sAlert("HighLatencyP99"), k8sAlert("HighErrorRate"))),
        prod: Y(
            all(
                has(ALARM, /"extendedStatistic":"p99"/),
                has(ALARM, /HighErrorRate/),
                has(ALARM, /HighLatencyP99:/),
                has(ALARM, /HighErrorRatio:/),
                has(DASHBOARD, /"TargetResponseTime"/, /"stat":"p50"/, /"stat":"p95"/, /"stat":"p99"/),
            ),
        ),
    },
    "amg-elk": {
        dev: A(all(noLogStack, has(CONTAINER, /"logDriver":"json-file"/))),
        staging: N(all(noLogStack, k8sNoLogConfig)),
        prod: A(all(noLogStack, awsLogGroups(365))),
    },
    "amg-tracing": {
        dev: N(has(CONTAINER, /OTEL_SDK_DISABLED=true/)),
        staging: A(
            has(DEPLOYMENT, /"OTEL_EXPORTER_OTLP_ENDPOINT","value":"http:\/\/otel-collector\.monitoring\.svc\.cluster\.local:4318"/),
        ),
        // X-Ray, not Jaeger or Zipkin: every task's ADOT collector (pinned by digest) takes the app's OTLP on localhost.
        prod: A(
            all(
                has(TASK, /"OTEL_EXPORTER_OTLP_ENDPOINT","value":"http:\/\/localhost:4318"/, /aws-otel-collector:v[\d.]+@sha256:/),
                lacks(TASK, /OTEL_SDK_DISABLED/),
                has(/^aws:iam\/rolePolicy:RolePolicy$/, /xray:PutTraceSegments/),
            ),
        ),
    },
    "amg-apm": every(N(noApm)),
    "amg-alert-rules": {
        dev: N(dockerNoAlerts),
        staging: Y(all(k8sAlert("HighErrorRate"), k8sAlert("DatabaseSlowQueries"))),
        prod: A(all(has(ALARM, /HighErrorRate/), has(ALARM, /DatabaseSlowQueries:/, /DB_PERF_INSIGHTS.*db\.Transactions\.xact_commit/))),
    },
    "amg-wal": {
        dev: N(lacks(CONTAINER, /archive_command|wal-g|pgbackrest/)),
        staging: Y(has(CNPG, /"isWALArchiver":\s?true/)),
        prod: Y(all(has(RDS, /"backupRetentionPeriod":\s?([1-9]|\d\d)/), has(BACKUP_PLAN, /"enableContinuousBackup":true/))),
    },
    "amg-daily-dumps": {
        dev: Y(has(CONTAINER, /"tierform\.backup\.schedule","value":"0 1 \* \* \*"/, /postgres:16/)),
        staging: Y(has(CRONJOB, /"schedule":"0 1 \* \* \*"/, /backup\.sh/)),
        prod: A(all(has(BACKUP_PLAN, /cron\(0 1 \* \* \? \*\)/), lacks(/./, /pg_dump/))),
    },
    "amg-weekly-monthly": {
        dev: N(lacks(CONTAINER, /weekly|monthly/)),
        staging: N(lacks(CRONJOB, /weekly|monthly/)),
        prod: Y(
            has(
                BACKUP_PLAN,
                /"deleteAfter":90\},"ruleName":"weekly"/,
                /"deleteAfter":365,"optInToArchiveForSupportedResources":true\},"ruleName":"monthly"/,
            ),
        ),
    },
    "amg-app-backups": {
        dev: A(has(CONTAINER, /VersioningConfiguration/)),
        staging: A(has(JOB, /put-bucket-versioning|VersioningConfiguration/)),
        prod: A(all(has(/^aws:s3\/bucketVersioning:BucketVersioning$/, /"status":"Enabled"/), awsLogGroups(365))),
    },
    "amg-rto": every(A(rtoNowhere)),
    "amg-rpo": {
        dev: N(all(has(CONTAINER, /"tierform\.backup\.rpo-minutes","value":"15"/), lacks(CONTAINER, /archive_command|wal-g|pgbackrest/))),
        staging: Y(all(has(CNPG, /"isWALArchiver":\s?true/), has(OBJECT_STORE, /"retentionPolicy"/))),
        prod: Y(all(has(RDS, /"backupRetentionPeriod":\s?([1-9]|\d\d)/), has(BACKUP_PLAN, /"enableContinuousBackup":true/))),
    },
    "amg-recovery-procedures": {
        dev: Y(dockerRestoreScript),
        staging: Y(has(CNPG, /"externalClusters"|"bootstrap"/)),
        prod: A(all(has(RDS, /"backupRetentionPeriod"/), awsRestoreTesting)),
    },
    "amg-vertical": {
        dev: Y(resourceLimits.dev),
        staging: Y(resourceLimits.staging),
        prod: Y(all(resourceLimits.prod, has(RDS, /"maxAllocatedStorage":400/))),
    },
    "amg-cost": {
        dev: N(noCostTracking),
        staging: N(noCostTracking),
        prod: A(all(noCostTracking, has(/^pulumi:providers:aws$/, /"system"/, /"environment"/))),
    },
    "amg-compress-backups": {
        dev: Y(has(CONTAINER, /"tierform\.engine","value":"postgres"/, /"tierform\.tier","value":"backup"/)),
        staging: Y(has(CONFIGMAP, /pg_dump/, /-Fc|--format=custom/)),
        prod: A(has(BACKUP_PLAN, /"coldStorageAfter":30/)),
    },
    "amg-conn-pooling": every(N(noPooler)),
    "amg-encryption": {
        dev: N(nowhere(/encrypt|luks|dm-crypt/i)),
        staging: A(all(has(CNPG), lacks(/^kubernetes:storage\.k8s\.io\/v1:StorageClass$/))),
        prod: Y(all(has(RDS, /"storageEncrypted":true/), has(/^aws:s3\/bucketServerSideEncryptionConfiguration/, /aws:kms/), albHttps)),
    },
    "amg-audit": {
        dev: N(noAuditTrail),
        staging: N(noAuditTrail),
        prod: A(all(noAuditTrail, has(/^aws:ec2\/flowLog:FlowLog$/), accessLogs.prod, has(/^aws:wafv2\/webAclLoggingConfiguration/))),
    },
    "amg-pentest": every(N(noPentest)),
    "amg-compliance": every(A(policyReportEverywhere)),
    "amg-predeploy": every(A(all(stagedDeploy, notInPipeline(/backup before|start-backup-job/i)))),
    "amg-smoke-tests": every(N(noSmokeTests)),
    "amg-perf-testing": every(N(noLoadTests)),
    "amg-dr-testing": scratchRestoreTesting,
} satisfies Record<string, RowChecks>);

/** The loader refuses a bad value with its spec path before anything is planned. */
const loaderRefuses: Check = () => {
    try {
        loadStack({ "tierform:system": "hld-platform", "tierform:overrides": JSON.stringify({ services: { api: { port: "eighty" } } }) });
        return false;
    } catch (err) {
        return /services\.api\.port/.test((err as Error).message);
    }
};
const runbooks = () => fs.readFileSync(path.join(PROJECT_ROOT, "docs", "runbooks.md"), "utf8");

Object.assign(CHECKS, {
    // ---- HLD platform (seed 004) ----
    "hld-local-stack": {
        dev: Y(
            all(
                has(CONTAINER, /mongo:7\.\d+/, /"containerPath":"\/data\/db"/),
                has(CONTAINER, /redis:7/),
                has(DOCKER_NET, /"internal":true/),
            ),
        ),
        staging: Y(all(has(STATEFULSET, /mongo:7\.\d+/, /volumeClaimTemplates/), has(STATEFULSET, /redis:7/))),
        prod: A(all(has(DOCDB), has(ELASTICACHE))),
    },
    "hld-local-backups": {
        dev: Y(has(CONTAINER, /"tierform\.tier","value":"backup"/, /mongo:7/)),
        staging: Y(has(CRONJOB, /backup\.sh/)),
        prod: Y(has(BACKUP_PLAN, /cron\(/)),
    },
    "hld-dev-tools": {
        dev: N(all(lacks(CONTAINER, /--watch|nodemon|--inspect/), lacks(CONTAINER, /mongorestore.*seed|seed-data/))),
        staging: Y(lacks(WORKLOAD, /--watch|nodemon|--inspect/)),
        prod: Y(lacks(TASK, /--watch|nodemon|--inspect/)),
    },
    "hld-images": {
        dev: Y(has(CONTAINER, /ghcr\.io\/hld-platform\/api:1\.0\.0/)),
        staging: Y(has(DEPLOYMENT, /ghcr\.io\/hld-platform\/api:1\.0\.0/)),
        prod: Y(has(TASK, /ghcr\.io\/hld-platform\/api:1\.0\.0/)),
    },
    "hld-kubernetes": {
        dev: A(lacks(/^kubernetes:/)),
        staging: Y(all(has(DEPLOYMENT), has(/^kubernetes:core\/v1:Service$/), has(CONFIGMAP), has(K8S_SECRET))),
        prod: A(all(has(ECS_SERVICE), lacks(/^aws:eks\//))),
    },
    "hld-reverse-proxy": {
        dev: Y(has(CONTAINER, /nginx/, /location \^~ \/api\//, /upstream/)),
        staging: A(has(/^kubernetes:gateway\.networking\.k8s\.io\/v1:HTTPRoute$/, /"value":"\/api"/)),
        prod: A(has(/^aws:lb\/listenerRule:ListenerRule$/, /"\/api"/)),
    },
    "hld-proxy-tls": { dev: Y(nginxTls), staging: Y(k8sTls), prod: Y(albHttps) },
    "hld-cert-renewal": {
        dev: A(has(/^tls:index\/selfSignedCert:SelfSignedCert$/, /"earlyRenewalHours":720/)),
        staging: A(
            all(
                has(/^kubernetes:cert-manager\.io\/v1:Certificate$/, /"renewBefore":"360h"/),
                has(/^kubernetes:cert-manager\.io\/v1:Issuer$/, /"selfSigned":\{\}/),
            ),
        ),
        prod: Y(has(/^aws:acm\/certificate:Certificate$/, /"validationMethod":"DNS"/)),
    },
    "hld-env-config": {
        dev: Y(all(env("NODE_ENV", /production/).dev, env("LOG_FORMAT", /json/).dev)),
        staging: Y(all(env("NODE_ENV", /production/).staging, env("LOG_FORMAT", /json/).staging)),
        prod: Y(all(env("NODE_ENV", /production/).prod, env("LOG_FORMAT", /json/).prod)),
    },
    "hld-secrets": {
        dev: Y(
            all(dockerSecretsFile, (p) =>
                p.resources.every(
                    (r) => !CONTAINER.test(r.type) || !(r.inputs.envs ?? []).some((e: string) => e.startsWith("JWT_SECRET=")),
                ),
            ),
        ),
        staging: Y(secretEnv("JWT_SECRET").staging),
        prod: Y(secretEnv("JWT_SECRET").prod),
    },
    "hld-config-validation": {
        dev: Y(all(loaderRefuses, env("CONFIG_VALIDATE_ON_STARTUP", /true/).dev)),
        staging: Y(all(loaderRefuses, env("CONFIG_VALIDATE_ON_STARTUP", /true/).staging)),
        prod: Y(all(loaderRefuses, env("CONFIG_VALIDATE_ON_STARTUP", /true/).prod)),
    },
    "hld-mongodb": {
        dev: Y(has(CONTAINER, /mongo:7\.\d+/)),
        staging: Y(has(STATEFULSET, /mongo:7\.\d+/)),
        prod: A(has(DOCDB, /"engine":"docdb"/)),
    },
    "hld-redis": {
        dev: Y(has(CONTAINER, /redis:7\.\d+/)),
        staging: Y(has(STATEFULSET, /redis:7/)),
        prod: Y(has(ELASTICACHE, /"engine":\s?"redis"/)),
    },
    "hld-central-logging": {
        dev: A(all(noLogStack, has(CONTAINER, /"logDriver":"json-file"/))),
        staging: N(all(noLogStack, k8sNoLogConfig)),
        prod: Y(awsLogGroups(365)),
    },
    "hld-monitoring": {
        dev: A(all(dockerNoAlerts, dockerHealth(/api\/health/))),
        staging: Y(all(has(SERVICE_MONITOR), has(PROM_RULE))),
        prod: Y(all(has(LOG_GROUP), has(ALARM, /"alarmActions":\["arn:aws:sns/), containerInsights)),
    },
    "hld-error-tracking": {
        dev: N(all(noErrorTracker, dockerNoAlerts)),
        staging: A(all(noErrorTracker, k8sAlert("HighErrorRate"))),
        prod: A(
            all(
                noErrorTracker,
                has(ALARM, /HighErrorRate/),
                has(ALARM, /ErrorLogs:/),
                has(METRIC_FILTER),
                has(QUERY_DEF, /errors-by-service/),
            ),
        ),
    },
    "hld-log-retention": { dev: A(dockerLogRotation), staging: N(k8sNoLogConfig), prod: Y(has(LOG_GROUP, /"retentionInDays":365/)) },
    "hld-log-search": {
        dev: A(has(CONTAINER, /"logDriver":"json-file"/)),
        staging: N(all(noLogStack, k8sNoLogConfig)),
        prod: Y(all(has(LOG_GROUP), has(QUERY_DEF, /errors-by-service/), has(QUERY_DEF, /slowest-requests/), has(QUERY_DEF, /tail/))),
    },
    "hld-blue-green": {
        dev: A(edgeSwitch(/# tierform-colour api [a-f0-9]{6}/)),
        staging: Y(argoBlueGreen),
        prod: Y(ecsPreviewChecked("BLUE_GREEN")),
    },
    "hld-canary": {
        dev: Y(all(edgeSwitch(/10% http:\/\/web-[a-f0-9]{6}/), edgeSwitch(/50% http:\/\/web-/))),
        staging: Y(argoCanary(10, 50, 100)),
        prod: A(
            all(
                has(ECS_SERVICE, /"strategy":"CANARY"/, /"canaryPercent":10\b/),
                lacks(ECS_SERVICE, /"canaryPercent":50/),
                ecsPreviewChecked("CANARY"),
            ),
        ),
    },
    "hld-rolling": {
        dev: A(lacks(/./, /maxSurge/)),
        staging: Y(has(DEPLOYMENT, /"maxSurge":1/, /"maxUnavailable":0/)),
        prod: Y(has(ECS_SERVICE, /"deploymentMinimumHealthyPercent":100/, /"rollback":true/)),
    },
    "hld-iac": {
        dev: Y(all(has(DOCKER_NET), has(/^docker:index\/volume:Volume$/))),
        staging: Y(all(has(NETPOL), has(/volumeClaimTemplates|PersistentVolumeClaim/))),
        prod: Y(all(has(/^aws:ec2\/vpc:Vpc$/), has(DOCDB))),
    },
    "hld-ci": every(A(all(testsInfrastructureOnly, scansThirdPartyOnly))),
    "hld-cd": {
        dev: A(all(stagedDeploy, prodApproval, lacks(/./, /"rollback":true/))),
        staging: A(all(stagedDeploy, prodApproval, has(ROLLOUT), has(ANALYSIS))),
        prod: Y(all(stagedDeploy, prodApproval, has(ECS_SERVICE, /"rollback":true/))),
    },
    "hld-backups": {
        dev: Y(has(CONTAINER, /"tierform\.backup\.schedule","value":"0 3 \* \* \*"/, /mongo:7/)),
        staging: Y(has(CRONJOB, /"schedule":"0 3 \* \* \*"/, /backup\.sh/)),
        prod: Y(has(BACKUP_PLAN, /cron\(0 3 \* \* \? \*\)/)),
    },
    "hld-offsite": { dev: N(dockerBackupLocalOnly), staging: N(k8sBackupInCluster), prod: Y(drCopies) },
    "hld-restore-testing": {
        dev: N(all(noRestoreTesting, dockerRestoreScript)),
        staging: N(all(noRestoreTesting, has(JOB, /restore\.sh/, /"suspend":true/))),
        prod: A(awsRestoreTesting),
    },
    "hld-backup-retention": {
        dev: Y(has(CONTAINER, /"tierform\.backup\.retention-days","value":"14"/)),
        staging: Y(has(CRONJOB, /"tierform\.io\/retention-days":"14"/)),
        prod: Y(has(BACKUP_PLAN, /"deleteAfter":30/)),
    },
    "hld-dr-plan": {
        dev: A(all(dockerRestoreScript, () => !/^## Docker/m.test(runbooks()))),
        staging: Y(() => /^## Kubernetes/m.test(runbooks())),
        prod: A(all(has(BACKUP_VAULT), () => !/^## AWS/m.test(runbooks()))),
    },
    "hld-dr-testing": { dev: N(noRestoreTesting), staging: N(noRestoreTesting), prod: A(awsRestoreTesting) },
    "hld-rpo": {
        dev: Y(has(CONTAINER, /"tierform\.backup\.rpo-minutes","value":"1440"/)),
        staging: Y(has(CRONJOB, /"tierform\.io\/rpo-minutes":"1440"/)),
        prod: Y(has(BACKUP_PLAN, /cron\(0 3 \* \* \? \*\)/)),
    },
    "hld-rto": every(A(rtoNowhere)),
} satisfies Record<string, RowChecks>);
