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
 *
 * Its nginx.conf is not one of its inputs: the one-shot switch step (`<edge>-switch`, rollout.ts)
 * writes it into a routing volume the edge mounts read-only, and the edge's own process reloads
 * nginx when it changes, so a new upstream (a blue/green or canary service's new colour, a new
 * route) takes effect without re-creating the edge or dropping a connection; the switch step
 * waits until nginx serves it.
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { canonicalHost, type SystemPlan, type TrafficPlan } from "../../plan";
import { EDGE_IMAGE } from "../shared/images";
import { renderNginxConf, type NginxConfOptions, type NginxUpstream } from "../shared/nginx";
import { resourceName } from "../shared/naming";
import {
    CONFIG_DIR,
    completedStep,
    labelList,
    labelsFor,
    stepLabels,
    namedVolume,
    oneShot,
    pullImage,
    tierContainer,
    UTILITY_IMAGE,
    volumeOwnership,
    type ConfigFile,
} from "./common";
import {
    colourLine,
    edgeSwitchScript,
    EDGE_HEALTH_FILE,
    edgeWatcherScript,
    generationLine,
    LIVE_CONF,
    NEXT_DIR,
    previousColourHost,
    replicaColour,
    ROUTING_DIR,
    type SwitchPhase,
} from "./rollout";
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
    system: Pick<SystemPlan, "edge" | "routes">,
    upstreams: NginxUpstream[],
    publicHttpsPort: number,
    traffic: Record<string, TrafficPlan> = {},
    generation?: string,
): NginxConfOptions {
    const routed = new Set(system.routes.map((r) => r.service));
    return {
        serverName: canonicalHost(system),
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
        routes: system.routes.map((r) => ({
            path: r.path,
            upstream: r.service,
            ...(r.allowCidrs ? { allowCidrs: r.allowCidrs } : {}),
        })),
        pidPath: "/tmp/nginx.pid",
        tempDir: "/tmp",
        healthPath: EDGE_HEALTH_PATH,
        resolver: { address: DOCKER_DNS, validSeconds: 10 },
        healthFile: EDGE_HEALTH_FILE,
        upstreamHost: canonicalHost(system),
        ...(generation ? { generation } : {}),
    };
}

/** A routed service whose replicas carry a colour (blue/green, canary): the colour, and a canary's weights. */
export interface EdgeRollout {
    /** The colour of the replicas the upstream names (`<service>-<colour>`). */
    colour: string;
    /** A canary's steps (weights rising to 100, each with its pause); absent for blue/green. @default none */
    canarySteps?: { weight: number; pauseSeconds: number }[];
}

/** One configuration the switch step installs, with its file name, generation and content. */
export interface EdgeConfiguration extends SwitchPhase {
    /** The rendered nginx.conf (with its generation and colour lines). */
    content: string;
}

/**
 * The edge's configurations: one per canary weight below 100 (each canary service at its i-th
 * weight between its previous colour, a placeholder the switch step fills in, and its new one;
 * blue/green services already on their new colour), and the final one, every upstream on its new
 * colour. Each names its generation and colours in comment lines (the edge's watcher and the
 * switch step read them back) and answers its generation on the health path once loaded.
 */
export function edgeConfigurations(
    system: Pick<SystemPlan, "edge" | "routes">,
    upstreams: NginxUpstream[],
    rollouts: Record<string, EdgeRollout>,
    publicHttpsPort: number,
    traffic: Record<string, TrafficPlan> = {},
): { phases: EdgeConfiguration[]; final: EdgeConfiguration } {
    const colours = Object.entries(rollouts).map(([svc, r]) => colourLine(svc, r.colour));
    const render = (ups: NginxUpstream[], generation: string) =>
        [generationLine(generation), ...colours, renderNginxConf(edgeNginxOptions(system, ups, publicHttpsPort, traffic, generation))].join(
            "\n",
        );
    const id = `g${replicaColour(render(upstreams, "g"))}`;
    const final = { file: "edge.conf", generation: id, content: render(upstreams, id) };
    const canaries = Object.entries(rollouts).filter(([, r]) => r.canarySteps);
    const below = (r: EdgeRollout) => (r.canarySteps ?? []).filter((p) => p.weight < 100);
    const count = Math.max(0, ...canaries.map(([, r]) => below(r).length));
    const phases: EdgeConfiguration[] = [];
    for (let i = 0; i < count; i++) {
        const previousOf: string[] = [];
        let hold = 0;
        const ups = upstreams.map((u) => {
            const step = rollouts[u.name] ? below(rollouts[u.name])[i] : undefined;
            if (step === undefined) return u;
            previousOf.push(u.name);
            hold = Math.max(hold, step.pauseSeconds);
            const port = u.servers[0].split(":").pop();
            return { ...u, canary: { percent: step.weight, server: `${previousColourHost(u.name)}:${port}` } };
        });
        const generation = `${id}-c${i + 1}`;
        phases.push({
            file: `canary-${i + 1}.conf`,
            generation,
            holdSeconds: hold,
            previousOf,
            content: render(ups, generation),
        });
    }
    return { phases, final };
}

/** Arguments of {@link DockerEdge}. */
export interface DockerEdgeArgs {
    /** The system's plan: the edge's settings (domain, TLS, headers, rate limit) and routes, labels. */
    system: SystemPlan;
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
    /** The routed services' replica containers: the switch step starts after them, so the edge sends them requests only once they run (healthy, where they have a check). @default [] */
    upstreamContainers?: docker.Container[];
    /** Routed services whose replicas carry a colour (blue/green, canary), by service name. @default {} */
    rollouts?: Record<string, EdgeRollout>;
}

/** The nginx edge container, its TLS material and config. */
export class DockerEdge extends pulumi.ComponentResource {
    readonly container: docker.Container;
    /** The rendered nginx.conf the edge serves once the update is done. */
    readonly nginxConf: string;
    /** The one-shot step that hands the edge its configuration and waits until nginx serves it. */
    readonly switchStep: docker.Container;
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

        const configurations = edgeConfigurations(system, args.upstreams, args.rollouts ?? {}, httpsPort, args.traffic);
        this.nginxConf = configurations.final.content;
        const files: ConfigFile[] = [];
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
                    subject: { commonName: canonicalHost(system), organization: `tierform ${system.name} (dev, self-signed)` },
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
        // The routing volume: the edge's user's (a fresh volume is root's), written by the switch step only.
        const utility = pullImage(resourceName([name, "utility-image"]), UTILITY_IMAGE, this).imageId;
        const routing = namedVolume(resourceName([name, "routing"]), system, "edge", this);
        const owner = volumeOwnership(
            resourceName([name, "routing-owner"]),
            { system, tier: "edge", volume: routing, owner: EDGE_USER, image: utility },
            this,
        );
        const switchName = resourceName([name, "switch"]);
        this.switchStep = new docker.Container(
            switchName,
            {
                name: switchName,
                image: utility,
                user: EDGE_USER,
                entrypoints: ["/bin/sh", "-c"],
                command: [
                    edgeSwitchScript({
                        healthUrl: `http://${resourceName([name])}:${EDGE_CONTAINER_PORTS.http}${EDGE_HEALTH_PATH}`,
                        phases: configurations.phases,
                        final: configurations.final,
                        colours: Object.fromEntries(Object.entries(args.rollouts ?? {}).map(([svc, r]) => [svc, r.colour])),
                    }),
                ],
                volumes: [{ volumeName: routing.name, containerPath: ROUTING_DIR }],
                uploads: [...configurations.phases, configurations.final].map((c) => ({
                    file: `${NEXT_DIR}/${c.file}`,
                    content: c.content,
                    owner: EDGE_USER.split(":")[0],
                    group: EDGE_USER.split(":")[1],
                    permissions: "0444",
                })),
                // The edge network: it asks the running edge which configuration it serves.
                networksAdvanced: [{ name: args.networks.edge }],
                // Writable root: the daemon takes no upload into a read-only one (common.ts configFiles).
                readOnly: false,
                ...oneShot(),
                labels: [
                    ...labelsFor(system, "edge", undefined, { "tierform.role": "edge-switch" }),
                    ...labelList(
                        stepLabels([{ role: "volume-init", step: owner, what: `handing ${name}'s routing volume to ${EDGE_USER}` }]),
                    ),
                ],
            },
            { parent: this, dependsOn: [owner, ...(args.upstreamContainers ?? [])] },
        );
        this.container = tierContainer(
            resourceName([name]),
            {
                system,
                tier: "edge",
                image: EDGE_IMAGE,
                user: EDGE_USER,
                resources: { memoryMb: 128, cpus: 0.5 },
                networks: [{ name: args.networks.edge }, { name: args.networks.app }],
                // nginx under the watcher that reloads it (rollout.ts); not the image's entrypoint scripts,
                // which would try to edit the read-only /etc/nginx.
                entrypoints: ["/bin/sh", "-c"],
                command: [edgeWatcherScript(LIVE_CONF)],
                files,
                volumes: [{ volumeName: routing.name, containerPath: ROUTING_DIR, readOnly: true }],
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
                // Its configuration is there once the switch step has run (the step is not an input: no re-creation).
                dependsOn: [this.switchStep],
            },
            this,
        ).container;
        // The step's exit code: a switch that failed (the edge never served the new configuration) fails `pulumi up`
        // before the old colour is deleted, which Pulumi does only at the end of a successful update.
        this.registerOutputs({
            url: this.url,
            container: this.container.name,
            switched: completedStep(this.switchStep, "switching the edge to its new configuration"),
        });
    }
}
