/**
 * The edge on Docker: the unprivileged nginx image (uid 101, listening on 8080/8443 inside),
 * configured by components/shared/nginx.ts: TLS with a self-signed certificate from @pulumi/tls
 * (for the spec's domain, localhost and the bind address), HTTP → HTTPS, the spec's security
 * headers and HSTS, the per-client-IP rate limit, the body size limit, the routes' allow lists.
 * Each routed service is reached by its name on the app network, which every running replica
 * answers to; nginx resolves it at request time through Docker's embedded DNS (127.0.0.11, re-read
 * every 10 s), so a replica that is down when the edge starts does not stop the edge, and a
 * re-created replica on a new address is picked up. Requests carry the system's canonical Host
 * (`canonicalHost`), the client's in X-Forwarded-Host.
 *
 * The only container of a system with published ports, and only on `edgeBindAddress`
 * (127.0.0.1 by default): nothing is reachable from other hosts unless a stack says so.
 */
import type * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import type { System } from "../../model";
import { canonicalHost, type TrafficPlan } from "../../plan";
import { EDGE_IMAGE } from "../shared/images";
import { renderNginxConf, type NginxConfOptions, type NginxUpstream } from "../shared/nginx";
import { resourceName } from "../shared/naming";
import { CONFIG_DIR, tierContainer, type ConfigFile } from "./common";
import { nginxTraffic } from "./traffic";

/** The nginx-unprivileged image's user. */
export const EDGE_USER = "101:101";
/** Ports nginx listens on inside the container (unprivileged). */
export const EDGE_CONTAINER_PORTS = { http: 8080, https: 8443 } as const;
/** Docker's embedded DNS server, inside every container on a user-defined network. */
export const DOCKER_DNS = "127.0.0.11";
/** The plain-HTTP health endpoint of the edge. */
export const EDGE_HEALTH_PATH = "/healthz";

/**
 * The nginx options of a system's edge: its routes and headers, `upstreams` (service → replica
 * `name:port`s), and the HTTPS port clients see (for the redirect). File paths point into the
 * container's config directory; tests override them to run the same rendering under `nginx -t`.
 */
export function edgeNginxOptions(
    system: System,
    upstreams: NginxUpstream[],
    publicHttpsPort: number,
    traffic: Record<string, TrafficPlan> = {},
): NginxConfOptions {
    const routed = new Set(system.edge.routes.map((r) => r.service));
    return {
        serverName: system.edge.domain ?? "localhost",
        httpPort: EDGE_CONTAINER_PORTS.http,
        httpsPort: EDGE_CONTAINER_PORTS.https,
        publicHttpsPort,
        tls: system.edge.tls ? { certificatePath: `${CONFIG_DIR}/tls.crt`, keyPath: `${CONFIG_DIR}/tls.key` } : undefined,
        securityHeaders: system.edge.securityHeaders,
        hstsMaxAgeSeconds: system.edge.hstsMaxAgeSeconds,
        rateLimitPerMinute: system.edge.rateLimitPerMinute,
        maxBodyMb: system.edge.maxBodyMb,
        upstreams: upstreams
            .filter((u) => routed.has(u.name))
            .map((u) => (traffic[u.name] ? { ...u, traffic: nginxTraffic(traffic[u.name]) } : u)),
        routes: system.edge.routes.map((r) => ({
            path: r.path,
            upstream: r.service,
            ...(r.allowCidrs ? { allowCidrs: r.allowCidrs } : {}),
        })),
        pidPath: "/tmp/nginx.pid",
        tempDir: "/tmp",
        healthPath: EDGE_HEALTH_PATH,
        resolver: { address: DOCKER_DNS, validSeconds: 10 },
        upstreamHost: canonicalHost(system),
    };
}

/** Arguments of {@link DockerEdge}. */
export interface DockerEdgeArgs {
    /** The resolved system: edge spec (domain, TLS, headers, rate limit, routes), labels. */
    system: System;
    /** `edge` carries the published ports; `app` reaches the services. */
    networks: { edge: pulumi.Input<string>; app: pulumi.Input<string> };
    /** Each routed service and the one `name:port` every replica answers to on the app network. */
    upstreams: NginxUpstream[];
    /** The plan's traffic policies, by service (plan/traffic.ts). @default {} */
    traffic?: Record<string, TrafficPlan>;
    /** Host address the ports are published on. @default "127.0.0.1" */
    bindAddress?: string;
    /** Host port for HTTP (redirects to HTTPS). @default 8080 */
    httpPort?: number;
    /** Host port for HTTPS. @default 8443 */
    httpsPort?: number;
    /** Certificate validity in days (renewed by `pulumi up` in the last 30). @default 90 */
    certificateValidityDays?: number;
    /** The routed services' replica containers: the edge starts after them (it needs none of them to start). @default [] */
    upstreamContainers?: docker.Container[];
}

/** The nginx edge container, its TLS material and config. */
export class DockerEdge extends pulumi.ComponentResource {
    readonly container: docker.Container;
    /** The rendered nginx.conf. */
    readonly nginxConf: string;
    readonly certificate?: tls.SelfSignedCert;
    /** `https://<bind address>:<https port>` (http:// when the spec turns TLS off). */
    readonly url: string;

    constructor(name: string, args: DockerEdgeArgs, opts?: pulumi.ComponentResourceOptions) {
        super("tierform:docker:Edge", name, {}, opts);
        const { system } = args;
        const bindAddress = args.bindAddress ?? "127.0.0.1";
        const httpPort = args.httpPort ?? 8080;
        const httpsPort = args.httpsPort ?? 8443;
        const useTls = system.edge.tls;
        const host =
            bindAddress === "0.0.0.0" || bindAddress === "::" ? "localhost" : bindAddress.includes(":") ? `[${bindAddress}]` : bindAddress;
        this.url = useTls ? `https://${host}:${httpsPort}` : `http://${host}:${httpPort}`;

        this.nginxConf = renderNginxConf(edgeNginxOptions(system, args.upstreams, httpsPort, args.traffic));
        const files: ConfigFile[] = [{ name: "nginx.conf", content: this.nginxConf, permissions: "0444" }];
        if (useTls) {
            const key = new tls.PrivateKey(resourceName([name, "tls-key"]), { algorithm: "ECDSA", ecdsaCurve: "P256" }, { parent: this });
            const ips = [
                "127.0.0.1",
                ...(bindAddress !== "0.0.0.0" && bindAddress !== "::" && bindAddress !== "127.0.0.1" ? [bindAddress] : []),
            ];
            this.certificate = new tls.SelfSignedCert(
                resourceName([name, "tls-cert"]),
                {
                    privateKeyPem: key.privateKeyPem,
                    subject: { commonName: system.edge.domain ?? "localhost", organization: `tierform ${system.name} (dev, self-signed)` },
                    dnsNames: [...(system.edge.domain ? [system.edge.domain] : []), "localhost"],
                    ipAddresses: ips,
                    validityPeriodHours: 24 * (args.certificateValidityDays ?? 90),
                    earlyRenewalHours: 24 * 30,
                    allowedUses: ["digital_signature", "key_encipherment", "server_auth"],
                },
                { parent: this },
            );
            files.push({ name: "tls.crt", content: this.certificate.certPem, permissions: "0444" });
            files.push({ name: "tls.key", content: pulumi.secret(key.privateKeyPem) });
        }

        const ports = [
            { internal: EDGE_CONTAINER_PORTS.http, external: httpPort, ip: bindAddress, protocol: "tcp" },
            ...(useTls ? [{ internal: EDGE_CONTAINER_PORTS.https, external: httpsPort, ip: bindAddress, protocol: "tcp" }] : []),
        ];
        this.container = tierContainer(
            resourceName([name]),
            {
                system,
                tier: "edge",
                image: EDGE_IMAGE,
                user: EDGE_USER,
                resources: { memoryMb: 128, cpus: 0.5 },
                networks: [{ name: args.networks.edge }, { name: args.networks.app }],
                // nginx directly: the image's entrypoint scripts would try to edit the read-only /etc/nginx.
                entrypoints: ["nginx"],
                command: ["-c", `${CONFIG_DIR}/nginx.conf`, "-g", "daemon off;"],
                files,
                ports,
                healthcheck: {
                    tests: [
                        "CMD",
                        "wget",
                        "-q",
                        "-T",
                        "3",
                        "-O",
                        "/dev/null",
                        `http://127.0.0.1:${EDGE_CONTAINER_PORTS.http}${EDGE_HEALTH_PATH}`,
                    ],
                    interval: "10s",
                    timeout: "5s",
                    retries: 3,
                    startPeriod: "5s",
                },
                labels: { "tierform.bind-address": bindAddress },
                dependsOn: args.upstreamContainers,
            },
            this,
        ).container;
        this.registerOutputs({ url: this.url, container: this.container.name });
    }
}
