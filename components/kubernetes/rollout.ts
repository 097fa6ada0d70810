/**
 * Progressive delivery on Kubernetes: Argo Rollouts (installed with the operators, operators.ts)
 * runs the plan's rollout (plan/rollout.ts) of every routed service whose strategy is `canary` or
 * `blueGreen`. This file reads only the plan and the pod template service.ts built.
 *
 * - **The workload**: a `Rollout` whose `workloadRef` names the service's Deployment, which keeps
 *   its name and URN and holds the pod template; Argo Rollouts scales it to 0 once the Rollout is
 *   healthy (scaleDown `onsuccess`), and Pulumi leaves its replicas alone, so a service moved onto a
 *   Rollout by an update keeps its pods serving until the Rollout's are ready (argo-rollouts
 *   docs/migrating.md warns of the downtime otherwise); the HPA or KEDA ScaledObject scales the
 *   Rollout instead (docs/features/specification.md `workloadRef`; docs/features/hpa-support.md).
 * - **Canary**: the steps become `setWeight`/`pause` steps; the Gateway API traffic-router plugin
 *   (argoproj-labs/gatewayAPI) sets the weights of the service's HTTPRoutes (edge.ts gives each
 *   route of a canary service a second backendRef, `<service>-canary`, at weight 0), and a
 *   background analysis ({@link analysisTemplateSpec}) runs from the first step to the end; its
 *   failure aborts the rollout: all traffic back to the stable pods, the canary scaled down.
 * - **Blue-green**: the `<service>` Service is the active one, `<service>-preview` the preview;
 *   the service's `migrate` Job ran before the new pods exist (service.ts, a Pulumi dependency);
 *   the `prePromotion` commands run as Jobs against the preview (an AnalysisTemplate with the
 *   `job` provider) before the switch, the `postPromotion` commands and the metric analysis after
 *   it, within the bake (`scaleDownDelaySeconds`), so a failure switches the active Service back to
 *   the old pods, which are still running.
 * - **The analysis** reads Envoy's own metrics from the Prometheus the project runs
 *   (kube-prometheus-stack; the edge's PodMonitor scrapes the proxies, edge.ts): the 5xx share and
 *   the latency percentile of the service's HTTPRoute rules. Envoy Gateway builds one cluster per
 *   route rule with every backendRef of it as a locality (envoyproxy/gateway#1909, #2187), so the
 *   canary's requests are not counted apart from the stable ones: each step is judged on the
 *   route's whole traffic, and the schedule says what share of failing canary requests that
 *   catches (plan/support/kubernetes.ts). No metrics at all (Prometheus not scraping) is an error
 *   the analysis counts, so it aborts rather than passes ({@link errorRateQuery}).
 * - **On the EKS placement** (the plan's `schedule.argo`: `podShare`, `albCloudWatch`; components/eks/rollouts.ts
 *   installs the controller): no HTTPRoutes and no plugin. A canary has no stable or canary Service, so the Service
 *   the load balancer's target group is bound to keeps both sets of pods and a step's weight is the new pods' share;
 *   a blue-green switches that Service; the analysis reads the target group's CloudWatch metrics ({@link targetGroupMetrics}).
 * - **Network**: in the system's namespace the one new flow is a promotion check's Job → the
 *   service's port (network.ts); the controller (namespace `argo-rollouts`) talks to the API server
 *   and to Prometheus (`monitoring`), and Prometheus scrapes the proxies in `envoy-gateway-system`,
 *   none of which tierform's NetworkPolicies restrict. Every pod involved (the hook Jobs, the
 *   controller and its plugin's init container) meets the restricted Pod Security profile.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type * as k8sTypes from "@pulumi/kubernetes/types/input";
import type { RolloutAnalysisPlan, RolloutHookPlan, RolloutPlan } from "../../plan";
import { logicalName, meta, type KubeContext } from "./context";
import { meshPrincipal } from "./mesh";
import { GATEWAY_API_PLUGIN, PROMETHEUS_URL } from "./operators";

/** Argo Rollouts' API group and version. */
export const ROLLOUTS_API = "argoproj.io/v1alpha1";

/** The variable a rollout hook finds the new pods' preview address in. */
export const PREVIEW_URL = "PREVIEW_URL";

/** Whether the plan's rollout runs on Argo Rollouts (the plan says how: `schedule.argo`; a routed canary or blue-green). */
export const runsOnArgo = (r: Pick<RolloutPlan, "schedule">): boolean => r.schedule.argo !== undefined;

/** A service's target group of the AWS load balancer, as CloudWatch names it (the dimensions of `AWS/ApplicationELB`). */
export interface AlbTargetGroup {
    /** The `TargetGroup` dimension: the target group ARN's suffix, `targetgroup/<name>/<id>`. */
    targetGroup: pulumi.Input<string>;
    /** The `LoadBalancer` dimension: the load balancer ARN's suffix, `app/<name>/<id>`. */
    loadBalancer: pulumi.Input<string>;
}

/** The component (and pod labels) of a rollout hook's Job: the NetworkPolicy admits it to the service's port (network.ts). */
export const rolloutCheckComponent = (service: string): string => `${service}-rollout-check`;

/**
 * The ServiceAccount a service's promotion checks run as, where it has any (a blue-green with hooks on Argo Rollouts):
 * an identity of their own, which the mesh admits to the service's port (mesh.ts) and nothing else trusts.
 */
export function rolloutCheckAccount(r: RolloutPlan): string | undefined {
    return runsOnArgo(r) && r.prePromotion.length + r.postPromotion.length > 0 ? rolloutCheckComponent(r.service) : undefined;
}

/** The mesh's view of a service's promotion checks: their identity, which its AuthorizationPolicy admits (mesh.ts `checkedBy`). */
export function checkedBy(ctx: KubeContext, r: RolloutPlan): { checkedBy?: string } {
    const account = rolloutCheckAccount(r);
    return account ? { checkedBy: meshPrincipal(ctx.namespaceName, account) } : {};
}

/** The Service the new pods are reached through besides the stable one: `<service>-canary` or `<service>-preview`. */
export const secondService = (r: RolloutPlan): string => `${r.service}-${r.strategy === "canary" ? "canary" : "preview"}`;

/** The Envoy Gateway cluster names of the service's HTTPRoutes, as one regular expression (edge.ts `requestRateQuery`). */
function clusters(namespace: string, routes: string[]): string {
    return `httproute/${namespace}/(${routes.join("|")})/rule/[0-9]+`;
}

/**
 * PromQL of the 5xx share of the requests the edge sent to the service's routes over `window`:
 * `envoy_cluster_upstream_rq_xx{envoy_response_code_class="5"}` over `envoy_cluster_upstream_rq_total`
 * (Envoy's cluster statistics, docs/root/configuration/upstream/cluster_manager/cluster_stats).
 * No 5xx series yet counts 0, no traffic counts 0, and no series at all (nothing scraped) is an
 * empty result, which Argo Rollouts counts as an error.
 */
export function errorRateQuery(namespace: string, routes: string[], window: string): string {
    const c = clusters(namespace, routes);
    const total = `sum(rate(envoy_cluster_upstream_rq_total{envoy_cluster_name=~"${c}"}[${window}]))`;
    const errors = `sum(rate(envoy_cluster_upstream_rq_xx{envoy_cluster_name=~"${c}",envoy_response_code_class="5"}[${window}]))`;
    return `((${errors}) or (0 * ${total})) / (${total} > 0) or (0 * ${total})`;
}

/**
 * PromQL of the response time, in milliseconds, at `percentile` of the requests the edge sent to the
 * service's routes over `window` (`envoy_cluster_upstream_rq_time`, a histogram in milliseconds);
 * no traffic counts 0 (the quantile of nothing is NaN), nothing scraped is an empty result.
 */
export function latencyQuery(namespace: string, routes: string[], window: string, percentile: number): string {
    const c = clusters(namespace, routes);
    const total = `sum(rate(envoy_cluster_upstream_rq_total{envoy_cluster_name=~"${c}"}[${window}]))`;
    const quantile = `histogram_quantile(${percentile / 100}, sum by (le) (rate(envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name=~"${c}"}[${window}])))`;
    return `(${quantile} >= 0) or (0 * ${total})`;
}

/** The metrics of a service's analysis: each with its query, the condition that passes, and when it fails the rollout. */
export function analysisMetrics(
    analysis: RolloutAnalysisPlan,
    service: string,
    namespace: string,
    routes: string[],
    count?: number,
): Record<string, unknown>[] {
    // Each measurement covers its interval, at least a minute: rate() needs two scrapes (every 15 s, edge.ts).
    const window = `${Math.max(60, analysis.intervalSeconds)}s`;
    const common = {
        interval: `${analysis.intervalSeconds}s`,
        // Argo fails the run when failures exceed failureLimit: `failuresToAbort` failures abort.
        failureLimit: analysis.failuresToAbort - 1,
        ...(count !== undefined ? { count } : {}),
    };
    const prometheus = (query: string) => ({ prometheus: { address: PROMETHEUS_URL, query } });
    const metrics: Record<string, unknown>[] = [
        {
            name: "error-rate",
            ...common,
            successCondition: `result[0] <= ${analysis.errorRatePercent / 100}`,
            provider: prometheus(errorRateQuery(namespace, routes, window)),
        },
        {
            name: `latency-p${analysis.latencyPercentile}`,
            ...common,
            successCondition: `result[0] <= ${analysis.latencyMs}`,
            provider: prometheus(latencyQuery(namespace, routes, window, analysis.latencyPercentile)),
        },
    ];
    if (analysis.query?.prometheus)
        metrics.push({
            name: "your-query",
            ...common,
            successCondition: `result[0] <= ${analysis.query.max}`,
            provider: prometheus(analysis.query.prometheus.replaceAll("{{service}}", service).replaceAll("{{namespace}}", namespace)),
        });
    return metrics;
}

/**
 * The metrics of an analysis read from the AWS load balancer's target group in CloudWatch (the EKS placement; Argo
 * Rollouts' CloudWatch provider, docs/analysis/cloudwatch.md, which passes the queries to GetMetricData and evaluates
 * `result[i].Values`, metricproviders/cloudwatch/cloudwatch.go): the 5xx share, `HTTPCode_Target_5XX_Count` over
 * `RequestCount` (a minute without 5xx has no data point, so FILL makes it 0), and the response time at the percentile,
 * `TargetResponseTime` in seconds (AWS/ApplicationELB, dimensions TargetGroup and LoadBalancer: docs
 * load-balancer-cloudwatch-metrics.html). Each measurement covers the last `window` as one period; no request in it
 * leaves no data point, which passes (`all` of nothing is true). A `cloudwatch` query of the user's runs as its own metric.
 */
export function targetGroupMetrics(analysis: RolloutAnalysisPlan, target: AlbTargetGroup, count?: number): Record<string, unknown>[] {
    // ALB metrics have one-minute periods and arrive a minute or so late: at least two minutes per measurement.
    const period = Math.max(120, Math.ceil(analysis.intervalSeconds / 60) * 60);
    const common = {
        interval: `${analysis.intervalSeconds}s`,
        failureLimit: analysis.failuresToAbort - 1,
        ...(count !== undefined ? { count } : {}),
    };
    const dimensions = [
        { name: "TargetGroup", value: target.targetGroup },
        { name: "LoadBalancer", value: target.loadBalancer },
    ];
    const stat = (id: string, metricName: string, statistic: string) => ({
        id,
        metricStat: { metric: { namespace: "AWS/ApplicationELB", metricName, dimensions }, period, stat: statistic },
        returnData: false,
    });
    const cloudWatch = (metricDataQueries: Record<string, unknown>[]) => ({ cloudWatch: { interval: `${period}s`, metricDataQueries } });
    const atMost = (max: number) => `all(result[0].Values, {# <= ${max}})`;
    const metrics: Record<string, unknown>[] = [
        {
            name: "error-rate",
            ...common,
            successCondition: atMost(analysis.errorRatePercent / 100),
            provider: cloudWatch([
                { id: "rate", expression: "FILL(errors, 0) / requests", returnData: true },
                stat("errors", "HTTPCode_Target_5XX_Count", "Sum"),
                stat("requests", "RequestCount", "Sum"),
            ]),
        },
        {
            name: `latency-p${analysis.latencyPercentile}`,
            ...common,
            successCondition: atMost(analysis.latencyMs / 1000),
            provider: cloudWatch([{ ...stat("latency", "TargetResponseTime", `p${analysis.latencyPercentile}`), returnData: true }]),
        },
    ];
    if (analysis.query?.cloudwatch)
        metrics.push({
            name: "your-cloudwatch-query",
            ...common,
            successCondition: atMost(analysis.query.max),
            provider: cloudWatch([{ id: "yours", expression: analysis.query.cloudwatch, period, returnData: true }]),
        });
    return metrics;
}

/** The metrics of a blue-green's hooks: one Job each (Argo's `job` provider), passing when it exits 0. */
export function hookMetrics(
    hooks: RolloutHookPlan[],
    podSpec: (hook: RolloutHookPlan) => k8sTypes.core.v1.PodSpec,
    labels: Record<string, string>,
) {
    return hooks.map((hook) => ({
        name: hook.name,
        provider: {
            job: {
                spec: {
                    backoffLimit: 0,
                    activeDeadlineSeconds: 600,
                    template: { metadata: { labels }, spec: podSpec(hook) },
                },
            },
        },
    }));
}

/** The Rollout's `strategy` from the plan (see the module doc). */
export function rolloutStrategy(
    r: RolloutPlan,
    routes: string[],
    namespace: string,
    templates: { analysis?: string; pre?: string; post?: string },
) {
    if (r.strategy === "canary") {
        const steps = r.steps.flatMap((s, i) => [
            { setWeight: s.weight },
            ...(i < r.steps.length - 1 && s.pauseSeconds > 0 ? [{ pause: { duration: `${s.pauseSeconds}s` } }] : []),
        ]);
        return {
            canary: {
                // By pod share (EKS) the one Service keeps both sets of pods: a stableService would narrow it (and the load
                // balancer's target group behind it) to the old pods, and the canary would get no request at all.
                ...(r.schedule.argo?.traffic === "httpRouteWeights"
                    ? {
                          stableService: r.service,
                          canaryService: secondService(r),
                          trafficRouting: {
                              plugins: { [GATEWAY_API_PLUGIN]: { httpRoutes: routes.map((name) => ({ name })), namespace } },
                          },
                      }
                    : {}),
                steps,
                ...(templates.analysis ? { analysis: { templates: [{ templateName: templates.analysis }], startingStep: 1 } } : {}),
            },
        };
    }
    const post = [templates.analysis, templates.post].filter((t): t is string => t !== undefined);
    return {
        blueGreen: {
            activeService: r.service,
            previewService: secondService(r),
            autoPromotionEnabled: true,
            scaleDownDelaySeconds: r.bakeSeconds,
            ...(templates.pre ? { prePromotionAnalysis: { templates: [{ templateName: templates.pre }] } } : {}),
            ...(post.length > 0 ? { postPromotionAnalysis: { templates: post.map((templateName) => ({ templateName })) } } : {}),
        },
    };
}

/** Arguments of {@link createRollout}. */
export interface RolloutArgs {
    /** Where it is built (namespace, names, labels). */
    ctx: KubeContext;
    /** The service's rollout plan. */
    plan: RolloutPlan;
    /** The service's port. */
    port: number;
    /**
     * Replicas of a service without an autoscaler.
     * @default none: the HPA or ScaledObject sets them
     */
    replicas?: number;
    /** The pods' selector (the Deployment's). */
    selector: Record<string, string>;
    /** The HTTPRoutes of the service (edge.ts `httpRouteName`). */
    routes: string[];
    /** The service's container, as the Deployment runs it (a hook runs its command in a copy). */
    pod: k8sTypes.core.v1.PodSpec;
    /** Labels of a hook Job's pods (the NetworkPolicy admits them to the service's port, network.ts; in the mesh, its label too). */
    hookLabels: Record<string, string>;
    /** Whether Prometheus runs and scrapes the edge (`monitoringCrds`): the Envoy analysis and a `prometheus` query need it. */
    metrics: boolean;
    /**
     * The service's target group of the AWS load balancer, which the analysis reads where the plan says `albCloudWatch`.
     * @default none: no target-group analysis
     */
    targetGroup?: AlbTargetGroup;
    /** What the Rollout waits for (the Deployment, the operators' releases). */
    dependsOn: pulumi.Resource[];
}

/**
 * Register a service's Argo Rollouts objects under `parent`: the second Service, the
 * AnalysisTemplates and the Rollout. Returns the Rollout (the autoscaler's target).
 */
export function createRollout(parent: pulumi.Resource, args: RolloutArgs): k8s.apiextensions.CustomResource {
    const { ctx, plan: r, port } = args;
    const child = { parent };
    const name = r.service;
    const source = r.schedule.argo?.metrics;
    // A canary by pod share has no second Service: nothing routes to the canary's pods alone.
    if (r.strategy === "blueGreen" || r.schedule.argo?.traffic === "httpRouteWeights")
        new k8s.core.v1.Service(
            logicalName(ctx, secondService(r)),
            {
                metadata: meta(ctx, secondService(r), name, "service"),
                spec: { type: "ClusterIP", selector: args.selector, ports: [{ name: "http", port, targetPort: "http", protocol: "TCP" }] },
            },
            child,
        );
    const template = (suffix: string, metrics: Record<string, unknown>[]) => {
        new k8s.apiextensions.CustomResource(
            logicalName(ctx, name, suffix),
            {
                apiVersion: ROLLOUTS_API,
                kind: "AnalysisTemplate",
                metadata: meta(ctx, `${name}-${suffix}`, name, "service"),
                spec: { metrics },
            },
            // After the Argo Rollouts release, as the Rollout: its CRD comes with the chart (engine rule kubernetes-custom-resource-crd-installed).
            { parent, dependsOn: args.dependsOn },
        );
        return `${name}-${suffix}`;
    };
    const previewUrl = `http://${secondService(r)}.${ctx.namespaceName}.svc.cluster.local:${port}`;
    // The checks' own ServiceAccount (no token, no cloud role): the identity the mesh admits to the service's port.
    const checkAccount = rolloutCheckAccount(r);
    if (checkAccount)
        new k8s.core.v1.ServiceAccount(
            logicalName(ctx, checkAccount),
            { metadata: meta(ctx, checkAccount, name, "service"), automountServiceAccountToken: false },
            child,
        );
    const hookPod = (hook: RolloutHookPlan): k8sTypes.core.v1.PodSpec => {
        const [main] = args.pod.containers as k8sTypes.core.v1.Container[];
        const { livenessProbe: _l, readinessProbe: _r, ports: _p, ...container } = main;
        return {
            ...args.pod,
            serviceAccountName: checkAccount,
            restartPolicy: "Never",
            containers: [
                {
                    ...container,
                    name: hook.name,
                    args: hook.command,
                    env: [...((container.env as k8sTypes.core.v1.EnvVar[]) ?? []), { name: PREVIEW_URL, value: previewUrl }],
                },
            ],
        };
    };
    const measured = source === "albCloudWatch" ? args.targetGroup !== undefined : args.metrics;
    // Said, not silently dropped: the printed schedule names the analysis, and without its metrics nothing judges the steps.
    if (r.analysis && !measured)
        void pulumi.log.warn(
            `tierform: services.${name}.rollout.analysis does not run on this stack: ${source === "albCloudWatch" ? "the service has no target group of the load balancer" : "tierform:monitoringCrds is false, so no Prometheus scrapes the edge"}; the ${r.strategy === "canary" ? "canary advances on its pauses" : "blue-green promotes on its checks"} alone and nothing rolls it back on errors or latency`,
            parent,
        );
    // A blue-green's post-promotion analysis measures through the bake, so a failure still finds the old pods.
    const count =
        r.strategy === "blueGreen" && r.analysis ? Math.max(1, Math.floor(r.bakeSeconds / r.analysis.intervalSeconds)) : undefined;
    const analysis = (a: RolloutAnalysisPlan) =>
        source === "albCloudWatch"
            ? [
                  ...targetGroupMetrics(a, args.targetGroup!, count),
                  // Prometheus runs on the cluster too: a `prometheus` query of the user's still runs there.
                  ...(args.metrics ? analysisMetrics(a, name, ctx.namespaceName, [], count).filter((m) => m.name === "your-query") : []),
              ]
            : analysisMetrics(a, name, ctx.namespaceName, args.routes, count);
    const templates = {
        ...(r.analysis && measured ? { analysis: template("analysis", analysis(r.analysis)) } : {}),
        ...(r.prePromotion.length > 0 ? { pre: template("pre-promotion", hookMetrics(r.prePromotion, hookPod, args.hookLabels)) } : {}),
        ...(r.postPromotion.length > 0 ? { post: template("post-promotion", hookMetrics(r.postPromotion, hookPod, args.hookLabels)) } : {}),
    };
    return new k8s.apiextensions.CustomResource(
        logicalName(ctx, name, "rollout"),
        {
            apiVersion: ROLLOUTS_API,
            kind: "Rollout",
            metadata: meta(ctx, name, name, "service"),
            spec: {
                ...(args.replicas !== undefined ? { replicas: args.replicas } : {}),
                revisionHistoryLimit: 5,
                selector: { matchLabels: args.selector },
                workloadRef: { apiVersion: "apps/v1", kind: "Deployment", name, scaleDown: "onsuccess" },
                strategy: rolloutStrategy(r, args.routes, ctx.namespaceName, templates),
            },
        },
        { parent, dependsOn: args.dependsOn },
    );
}
