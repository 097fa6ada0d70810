/**
 * The edge on Kubernetes: an Ingress for ingress-nginx (`ingressClassName: nginx`) with
 *
 * - **TLS**: when the spec has a domain, a cert-manager `Certificate` for it, issued by a
 *   namespaced self-signed `Issuer` (staging domains are rarely publicly resolvable, so ACME
 *   cannot validate them; point `issuerRef` at an ACME ClusterIssuer where they are).
 * - **HTTP → HTTPS** with `force-ssl-redirect` (308), HSTS by the controller (`hsts`,
 *   `hsts-max-age`, set by operators.ts when it installs ingress-nginx).
 * - **Rate limit** from the spec: `limit-rpm` per client IP (per controller replica), and the
 *   spec's `maxBodyMb` as `proxy-body-size`.
 * - **Security headers without configuration snippets**: the `custom-headers` annotation
 *   (ingress-nginx ≥ 1.10) names a ConfigMap in this namespace whose keys are response headers.
 *   Snippet annotations stay disabled (CVE-2021-25742, CVE-2025-1974); since ingress-nginx 1.12
 *   the controller must allow the header names in `global-allowed-response-headers`
 *   (operators.ts sets it, see {@link allowedResponseHeaders}).
 * - **WAF** (`waf: true`): ModSecurity with the OWASP core rule set, by annotation.
 * - **Routes**: one path (Prefix) per spec route; routes with `allowCidrs` (AuroMart's admin)
 *   get their own Ingress with `whitelist-source-range`, so the restriction applies to that path
 *   only (ingress-nginx merges Ingresses of the same host).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type * as k8sTypes from "@pulumi/kubernetes/types/input";
import type { System } from "../../spec";
import { logicalName, meta, type KubeContext } from "./common";

/** The response headers the edge adds: the spec's security headers. */
export function edgeHeaders(system: System): Record<string, string> {
    return { ...system.edge.securityHeaders };
}

/** Header names ingress-nginx must allow (`global-allowed-response-headers`) for the custom-headers annotation. */
export function allowedResponseHeaders(system: System): string[] {
    return Object.keys(edgeHeaders(system)).sort();
}

/** The ingress-nginx annotations of the edge (without the route-specific allow-list). */
export function edgeAnnotations(ctx: KubeContext, headersConfigMap: string): Record<string, string> {
    const e = ctx.system.edge;
    const a: Record<string, string> = {
        "nginx.ingress.kubernetes.io/limit-rpm": String(e.rateLimitPerMinute),
        "nginx.ingress.kubernetes.io/proxy-body-size": `${e.maxBodyMb}m`,
        "nginx.ingress.kubernetes.io/custom-headers": `${ctx.namespaceName}/${headersConfigMap}`,
    };
    if (e.tls) {
        a["nginx.ingress.kubernetes.io/ssl-redirect"] = "true";
        a["nginx.ingress.kubernetes.io/force-ssl-redirect"] = "true";
    }
    if (e.waf) {
        a["nginx.ingress.kubernetes.io/enable-modsecurity"] = "true";
        a["nginx.ingress.kubernetes.io/enable-owasp-core-rules"] = "true";
    }
    return a;
}

/** Arguments of {@link KubernetesEdge}. */
export interface KubernetesEdgeArgs {
    /** Where the tier is built: the system, the stack settings, the namespace. */
    ctx: KubeContext;
    /** Each routed service's port, by service name. */
    servicePorts: Record<string, number>;
    /**
     * Resources the Ingress and the cert-manager objects wait for (operators, Services).
     * @default []
     */
    dependsOn?: pulumi.Resource[];
    /**
     * IngressClass of the ingress-nginx controller.
     * @default "nginx"
     */
    ingressClassName?: string;
}

/** Ingress (+ restricted-route Ingresses), header ConfigMap, Issuer and Certificate. */
export class KubernetesEdge extends pulumi.ComponentResource {
    /** `https://<domain>` (or http without TLS); without a domain the controller's address. */
    readonly publicUrl: pulumi.Output<string>;

    constructor(name: string, args: KubernetesEdgeArgs, opts?: pulumi.ComponentResourceOptions) {
        super("tierform:kubernetes:Edge", name, {}, opts);
        const { ctx } = args;
        const e = ctx.system.edge;
        const headersName = "edge-headers";
        const headers = new k8s.core.v1.ConfigMap(logicalName(ctx, headersName), { metadata: meta(ctx, headersName, "edge", "edge"), data: edgeHeaders(ctx.system) }, { parent: this });
        const dependsOn: pulumi.Resource[] = [headers, ...(args.dependsOn ?? [])];
        const tlsSecret = "edge-tls";
        if (e.tls && e.domain) {
            const issuer = new k8s.apiextensions.CustomResource(
                logicalName(ctx, "edge-issuer"),
                { apiVersion: "cert-manager.io/v1", kind: "Issuer", metadata: meta(ctx, "edge-selfsigned", "edge", "edge"), spec: { selfSigned: {} } },
                { parent: this, dependsOn: args.dependsOn },
            );
            dependsOn.push(
                new k8s.apiextensions.CustomResource(
                    logicalName(ctx, "edge-certificate"),
                    {
                        apiVersion: "cert-manager.io/v1",
                        kind: "Certificate",
                        metadata: meta(ctx, tlsSecret, "edge", "edge"),
                        spec: {
                            secretName: tlsSecret,
                            commonName: e.domain,
                            dnsNames: [e.domain],
                            duration: "2160h",
                            renewBefore: "360h",
                            privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
                            usages: ["server auth", "digital signature", "key encipherment"],
                            issuerRef: { name: "edge-selfsigned", kind: "Issuer", group: "cert-manager.io" },
                        },
                    },
                    { parent: this, dependsOn: [issuer] },
                ),
            );
        }
        const tls = e.tls ? [{ ...(e.domain ? { hosts: [e.domain] } : {}), secretName: e.domain ? tlsSecret : undefined }] : undefined;
        const path = (route: { path: string; service: string }): k8sTypes.networking.v1.HTTPIngressPath => ({
            path: route.path,
            pathType: "Prefix",
            backend: { service: { name: route.service, port: { number: args.servicePorts[route.service] } } },
        });
        const ingress = (ingressName: string, routes: { path: string; service: string }[], extra: Record<string, string>) =>
            new k8s.networking.v1.Ingress(
                logicalName(ctx, ingressName),
                {
                    metadata: meta(ctx, ingressName, "edge", "edge", { annotations: { ...edgeAnnotations(ctx, headersName), ...extra } }),
                    spec: {
                        ingressClassName: args.ingressClassName ?? "nginx",
                        ...(tls ? { tls } : {}),
                        rules: [{ ...(e.domain ? { host: e.domain } : {}), http: { paths: routes.map(path) } }],
                    },
                },
                { parent: this, dependsOn },
            );
        const open = e.routes.filter((r) => !r.allowCidrs);
        const main = open.length > 0 ? ingress("edge", open, {}) : undefined;
        for (const r of e.routes.filter((x) => x.allowCidrs)) {
            ingress(`edge-${r.service}-restricted`, [r], { "nginx.ingress.kubernetes.io/whitelist-source-range": r.allowCidrs!.join(",") });
        }
        const scheme = e.tls ? "https" : "http";
        this.publicUrl = e.domain
            ? pulumi.output(`${scheme}://${e.domain}`)
            : (main?.status.apply((s) => `${scheme}://${s?.loadBalancer?.ingress?.[0]?.ip ?? s?.loadBalancer?.ingress?.[0]?.hostname ?? "pending"}`) ?? pulumi.output(`${scheme}://pending`));
        this.registerOutputs({ publicUrl: this.publicUrl });
    }
}
