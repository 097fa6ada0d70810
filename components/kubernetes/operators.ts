/**
 * The cluster operators the staging stack needs, installed from their pinned Helm charts when
 * their switch is on ({@link operatorsToInstall}), else prerequisites the cluster must already
 * have, in the namespaces of {@link OPERATOR_NAMESPACES} (the NetworkPolicies admit traffic from
 * those namespaces). Only what the system uses is installed ({@link neededOperators}):
 *
 * | operator | chart | needed for |
 * | --- | --- | --- |
 * | ingress-nginx | ingress-nginx/ingress-nginx {@link CHARTS} | the edge Ingress |
 * | cert-manager | jetstack/cert-manager | the edge Certificate/Issuer |
 * | CloudNativePG | cnpg/cloudnative-pg | PostgreSQL `Cluster`/`ScheduledBackup` |
 * | kube-prometheus-stack | prometheus-community/kube-prometheus-stack | ServiceMonitor/PrometheusRule (only with `monitoringCrds`) |
 *
 * They are cluster-wide singletons: one stack per cluster installs each; other stacks on the same
 * cluster leave its switch off. An ingress-nginx installed by hand needs the values of
 * {@link ingressNginxValues} (snippets off, the edge's header names allowed).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { Settings, System } from "../../spec";
import { OPERATOR_NAMESPACES } from "./common";
import { allowedResponseHeaders } from "./edge";

/** Pinned charts and the namespace each is installed in. */
export const CHARTS = {
    ingressNginx: { chart: "ingress-nginx", version: "4.12.1", repo: "https://kubernetes.github.io/ingress-nginx", namespace: OPERATOR_NAMESPACES.ingressNginx },
    certManager: { chart: "cert-manager", version: "v1.16.2", repo: "https://charts.jetstack.io", namespace: OPERATOR_NAMESPACES.certManager },
    cnpg: { chart: "cloudnative-pg", version: "0.23.0", repo: "https://cloudnative-pg.github.io/charts", namespace: OPERATOR_NAMESPACES.cnpg },
    kubePrometheusStack: { chart: "kube-prometheus-stack", version: "67.9.0", repo: "https://prometheus-community.github.io/helm-charts", namespace: OPERATOR_NAMESPACES.monitoring },
} as const;

/** An operator tierform can install. */
export type Operator = keyof typeof CHARTS;

/**
 * The operators `system` uses: ingress-nginx (the edge), cert-manager when the edge has TLS and a
 * domain (its Certificate), CloudNativePG when a database is PostgreSQL, kube-prometheus-stack
 * when `monitoringCrds` is on (ServiceMonitor, PrometheusRule, CloudNativePG's PodMonitor).
 */
export function neededOperators(system: System, settings: Settings): Operator[] {
    const needed: Operator[] = [];
    if (settings.monitoringCrds) needed.push("kubePrometheusStack");
    if (system.edge.tls && system.edge.domain) needed.push("certManager");
    if (Object.values(system.databases).some((d) => d.engine === "postgres")) needed.push("cnpg");
    needed.push("ingressNginx");
    return needed;
}

/**
 * The operators this stack installs: the needed ones whose switch is on. `tierform:installOperators`
 * turns on all four; `installIngressNginx`, `installCertManager`, `installCloudNativePg` and
 * `installPrometheusStack` turn on one each, so a cluster that already runs ingress-nginx and
 * cert-manager can get only CloudNativePG from tierform.
 */
export function operatorsToInstall(system: System, settings: Settings): Operator[] {
    const all = settings.installOperators;
    const switches: Record<Operator, boolean> = {
        ingressNginx: all || settings.installIngressNginx,
        certManager: all || settings.installCertManager,
        cnpg: all || settings.installCloudNativePg,
        kubePrometheusStack: all || settings.installPrometheusStack,
    };
    return neededOperators(system, settings).filter((o) => switches[o]);
}

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
    /** The resolved system. */
    system: System;
    /** The stack's settings. */
    settings: Settings;
}

/** Helm releases of the operators to install (none by default: they are prerequisites). */
export class KubernetesOperators extends pulumi.ComponentResource {
    /** The releases by operator; an operator left out is a prerequisite. */
    readonly byName: Partial<Record<Operator, k8s.helm.v3.Release>> = {};

    constructor(name: string, args: KubernetesOperatorsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("tierform:kubernetes:Operators", name, {}, opts);
        const { system, settings } = args;
        const install = new Set(operatorsToInstall(system, settings));
        const monitoring = settings.monitoringCrds;
        const values: Record<Operator, Record<string, unknown>> = {
            kubePrometheusStack: {
                prometheus: {
                    prometheusSpec: { serviceMonitorSelectorNilUsesHelmValues: false, podMonitorSelectorNilUsesHelmValues: false, ruleSelectorNilUsesHelmValues: false },
                },
            },
            certManager: { crds: { enabled: true }, prometheus: { servicemonitor: { enabled: monitoring } } },
            cnpg: { monitoring: { podMonitorEnabled: monitoring } },
            ingressNginx: ingressNginxValues(system, settings),
        };
        // kube-prometheus-stack first: the others create ServiceMonitors/PodMonitors when monitoring is on.
        for (const key of ["kubePrometheusStack", "certManager", "cnpg", "ingressNginx"] as const) {
            if (!install.has(key)) continue;
            const c = CHARTS[key];
            const prom = key === "kubePrometheusStack" ? undefined : this.byName.kubePrometheusStack;
            this.byName[key] = new k8s.helm.v3.Release(
                `${name}-${c.chart}`,
                {
                    name: c.chart,
                    chart: c.chart,
                    version: c.version,
                    repositoryOpts: { repo: c.repo },
                    namespace: c.namespace,
                    createNamespace: true,
                    atomic: true,
                    timeout: 600,
                    values: values[key],
                },
                { parent: this, dependsOn: prom ? [prom] : [] },
            );
        }
        this.registerOutputs({});
    }

    /** The releases the objects of `operators` wait for (nothing for a prerequisite). */
    releases(...operators: Operator[]): k8s.helm.v3.Release[] {
        return operators.flatMap((o) => (this.byName[o] ? [this.byName[o]] : []));
    }
}
