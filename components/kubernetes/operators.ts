/**
 * The cluster operators the staging stack needs, installed from their Helm charts when
 * `tierform:installOperators` is true (pinned chart versions), else prerequisites the cluster
 * must already have, in the namespaces of {@link OPERATOR_NAMESPACES} (the NetworkPolicies admit
 * traffic from those namespaces):
 *
 * | operator | chart | needed for |
 * | --- | --- | --- |
 * | ingress-nginx | ingress-nginx/ingress-nginx {@link CHARTS} | the edge Ingress |
 * | cert-manager | jetstack/cert-manager | the edge Certificate/Issuer |
 * | CloudNativePG | cnpg/cloudnative-pg | PostgreSQL `Cluster`/`ScheduledBackup` |
 * | kube-prometheus-stack | prometheus-community/kube-prometheus-stack | ServiceMonitor/PrometheusRule (only with `monitoringCrds`) |
 *
 * They are cluster-wide singletons: one stack per cluster installs them; other stacks on the same
 * cluster leave `installOperators` off.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { Settings, System } from "../../spec";
import { OPERATOR_NAMESPACES } from "./common";
import { allowedResponseHeaders } from "./edge";

/** Pinned charts. */
export const CHARTS = {
    ingressNginx: { chart: "ingress-nginx", version: "4.12.1", repo: "https://kubernetes.github.io/ingress-nginx" },
    certManager: { chart: "cert-manager", version: "v1.16.2", repo: "https://charts.jetstack.io" },
    cnpg: { chart: "cloudnative-pg", version: "0.23.0", repo: "https://cloudnative-pg.github.io/charts" },
    kubePrometheusStack: { chart: "kube-prometheus-stack", version: "67.9.0", repo: "https://prometheus-community.github.io/helm-charts" },
} as const;

/** Values of the ingress-nginx release: snippets off, HSTS from the spec, the edge's headers allowed. */
export function ingressNginxValues(system: System, settings: Settings): Record<string, unknown> {
    const e = system.edge;
    return {
        controller: {
            allowSnippetAnnotations: false,
            config: {
                "allow-snippet-annotations": "false",
                hsts: e.hstsMaxAgeSeconds > 0 ? "true" : "false",
                "hsts-max-age": String(e.hstsMaxAgeSeconds),
                "hsts-include-subdomains": "true",
                "global-allowed-response-headers": allowedResponseHeaders(system).join(","),
                "use-forwarded-headers": "false",
            },
            metrics: { enabled: true, serviceMonitor: { enabled: settings.monitoringCrds } },
        },
    };
}

/** Arguments of {@link KubernetesOperators}. */
export interface KubernetesOperatorsArgs {
    system: System;
    settings: Settings;
}

/** Helm releases of the operators (nothing when `installOperators` is off). */
export class KubernetesOperators extends pulumi.ComponentResource {
    /** What CRD-using resources must wait for. */
    readonly releases: k8s.helm.v3.Release[] = [];
    /** The releases by operator. */
    readonly byName: Partial<Record<keyof typeof CHARTS, k8s.helm.v3.Release>> = {};

    constructor(name: string, args: KubernetesOperatorsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("tierform:kubernetes:Operators", name, {}, opts);
        const { system, settings } = args;
        const release = (key: keyof typeof CHARTS, namespace: string, values: Record<string, unknown>, dependsOn: pulumi.Resource[] = []) => {
            const c = CHARTS[key];
            const r = new k8s.helm.v3.Release(
                `${name}-${c.chart}`,
                {
                    name: c.chart,
                    chart: c.chart,
                    version: c.version,
                    repositoryOpts: { repo: c.repo },
                    namespace,
                    createNamespace: true,
                    atomic: true,
                    timeout: 600,
                    values,
                },
                { parent: this, dependsOn },
            );
            this.releases.push(r);
            this.byName[key] = r;
            return r;
        };
        if (settings.installOperators) {
            const prom = settings.monitoringCrds
                ? release("kubePrometheusStack", OPERATOR_NAMESPACES.monitoring, {
                      prometheus: {
                          prometheusSpec: {
                              serviceMonitorSelectorNilUsesHelmValues: false,
                              podMonitorSelectorNilUsesHelmValues: false,
                              ruleSelectorNilUsesHelmValues: false,
                          },
                      },
                  })
                : undefined;
            const after = prom ? [prom] : [];
            release("certManager", OPERATOR_NAMESPACES.certManager, { crds: { enabled: true }, prometheus: { servicemonitor: { enabled: settings.monitoringCrds } } }, after);
            release("cnpg", OPERATOR_NAMESPACES.cnpg, { monitoring: { podMonitorEnabled: settings.monitoringCrds } }, after);
            release("ingressNginx", OPERATOR_NAMESPACES.ingressNginx, ingressNginxValues(system, settings), after);
        }
        this.registerOutputs({});
    }
}
