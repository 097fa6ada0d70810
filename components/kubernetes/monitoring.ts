/**
 * Monitoring on Kubernetes, as prometheus-operator custom resources: a `ServiceMonitor` per web
 * service (`/metrics` on its http port) and one `PrometheusRule` with the rules of
 * `components/shared/alert-rules.ts` (the seeds' HighErrorRate and DatabaseSlowQueries plus
 * availability alerts). PostgreSQL metrics come from CloudNativePG's own exporter (its
 * `PodMonitor`, switched on in database.ts).
 *
 * Only built when `tierform:monitoringCrds` is true: without the CRDs the API server would refuse
 * the objects, so a cluster without prometheus-operator turns the switch off and loses nothing
 * else. kube-prometheus-stack selects them when its `*SelectorNilUsesHelmValues` are false
 * (operators.ts sets that); on another install, label them for its selector.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { SystemPlan } from "../../plan";
import { renderAlertRules } from "../shared/alert-rules";
import { logicalName, meta, selectorOf, type KubeContext } from "./context";

/** Arguments of {@link KubernetesMonitoring}. */
export interface KubernetesMonitoringArgs {
    /** Where the tier is built: the system, the stack settings, the namespace. */
    ctx: KubeContext;
    /** The system's plan: the alert catalogue and what it needs (routes, services, datastores). */
    plan: SystemPlan;
    /**
     * Path the services expose metrics on.
     * @default "/metrics"
     */
    metricsPath?: string;
    /**
     * Scrape interval.
     * @default "30s"
     */
    interval?: string;
    /**
     * Resources to wait for (the prometheus-operator release, the Services).
     * @default []
     */
    dependsOn?: pulumi.Resource[];
}

/** ServiceMonitors and the PrometheusRule of a system. */
export class KubernetesMonitoring extends pulumi.ComponentResource {
    constructor(name: string, args: KubernetesMonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
        super("tierform:kubernetes:Monitoring", name, {}, opts);
        const { ctx } = args;
        const child = { parent: this, dependsOn: args.dependsOn };
        for (const service of Object.values(ctx.system.services)) {
            if (service.kind !== "web" || !service.port) continue;
            new k8s.apiextensions.CustomResource(
                logicalName(ctx, service.name, "monitor"),
                {
                    apiVersion: "monitoring.coreos.com/v1",
                    kind: "ServiceMonitor",
                    metadata: meta(ctx, service.name, service.name, "monitoring"),
                    spec: {
                        selector: { matchLabels: selectorOf(ctx.system, service.name) },
                        namespaceSelector: { matchNames: [ctx.namespaceName] },
                        endpoints: [
                            { port: "http", path: args.metricsPath ?? "/metrics", interval: args.interval ?? "30s", scheme: "http" },
                        ],
                    },
                },
                child,
            );
        }
        const rulesName = `${ctx.system.name}-alerts`;
        new k8s.apiextensions.CustomResource(
            logicalName(ctx, "alerts"),
            {
                apiVersion: "monitoring.coreos.com/v1",
                kind: "PrometheusRule",
                metadata: meta(ctx, rulesName, "alerts", "monitoring"),
                spec: renderAlertRules(args.plan, { namespace: ctx.namespaceName }),
            },
            child,
        );
        this.registerOutputs({});
    }
}
