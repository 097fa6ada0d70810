/**
 * The dev observability profile (`tierform:observability`), from the plan: the parts staging runs
 * (components/kubernetes/observability.ts), as containers beside the system.
 *
 * - **Logs.** Every tierform container of the system logs through Docker's `fluentd` log driver
 *   ({@link dockerLogging}) to the OpenTelemetry Collector's Fluent Forward receiver on a loopback
 *   host port: the daemon, not the collector, reads the containers' output, so the collector needs
 *   no root, no Docker socket and no host path. The driver adds the container's tierform labels
 *   to every record (`labels` option); the collector's Fluent Forward receiver turns each record
 *   key but `log` into a log attribute (opentelemetry-collector-contrib
 *   receiver/fluentforwardreceiver/conversion.go `parseRecordToLogRecord`), the `transform`
 *   processor names the line's `system` and `component` (the service or datastore, else the
 *   tier) from them, and `groupbyattrs` lifts both to the resource, where Loki indexes them as
 *   labels (limits_config.otlp_config, as on staging). `docker logs` keeps working: Docker Engine
 *   20.10+ caches the output of a remote log driver locally ("dual logging").
 * - **Traces.** The services export OTLP/HTTP to `otel-collector:4318` on the system's telemetry
 *   network (plan/support/docker.ts `telemetry.otlpEndpoint`); the collector batches the spans to Tempo.
 * - **Stores.** Loki (one binary, filesystem, retention `observability.logRetentionDays` by its
 *   compactor) and Tempo (one binary, local blocks kept as long), each on a named volume handed to
 *   its image's user (10001) by the ownership step (Tempo's own compose example chowns its volume
 *   the same way: grafana/tempo example/docker-compose/local/docker-compose.yaml).
 * - **Grafana** with the Loki and Tempo data sources under the uids the dashboards name and the
 *   system's dashboard (components/shared/dashboards.ts, without metric panels: the dev stack runs
 *   no Prometheus), provisioned read-only; anonymous viewers, no login form, no basic auth, no
 *   plugin downloads, published on 127.0.0.1 only.
 *
 * Every container is {@link tierContainer}'s: pinned image, non-root, read-only root, no
 * capabilities, limits, a health check `pulumi up` waits on (busybox from the system's health-tools
 * volume: the collector's image has no shell). Nothing here is published beyond loopback, and
 * the stores are on the internal telemetry network only.
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import type { SystemPlan } from "../../plan";
import { imageOf } from "../../conventions/pins";
import { DOCKER_LABEL } from "../../conventions/labels";
import { DATASOURCE_UIDS, LOG_LABELS, dashboardUid, lokiLimits, renderDashboard } from "../shared/dashboards";
import { HEALTH_TOOLS_DIR, PROVIDED_BUSYBOX } from "../shared/health";
import { resourceName } from "../shared/naming";
import { CONFIG_DIR, tierContainer, type TierContainerArgs } from "./common";
import { bridgeNetwork } from "./network";

/** The container labels every log record carries (Docker's `labels` log option), read by the collector. */
export const LOGGED_LABELS = [DOCKER_LABEL.system, DOCKER_LABEL.tier, DOCKER_LABEL.service, DOCKER_LABEL.datastore, DOCKER_LABEL.role];

/** The container port of the collector's Fluent Forward receiver. */
export const FORWARD_PORT = 24224;
/** The container port of the collector's OTLP/HTTP receiver (plan/support/docker.ts `otlpEndpoint`). */
export const OTLP_HTTP_PORT = 4318;
/** Grafana's container port. */
export const GRAFANA_PORT = 3000;

/** How the profile's parts reach each other on the telemetry network. */
const ADDRESSES = { collector: "otel-collector", loki: "loki", tempo: "tempo" } as const;

/**
 * The log driver of every tierform container when the profile is on: Docker's `fluentd` driver to
 * the collector on `127.0.0.1:<forwardPort>` (the daemon connects from the host), asynchronous so
 * a container starts, and keeps running, while the collector is down (the driver buffers and
 * retries), non-blocking so a slow collector never stalls the app's writes. Options: Docker docs,
 * "Fluentd logging driver" (fluentd-address, fluentd-async, tag, labels) and "Configure logging
 * drivers" (mode, max-buffer-size).
 */
export function dockerLogging(forwardPort: number): { logDriver: string; logOpts: Record<string, string> } {
    return {
        logDriver: "fluentd",
        logOpts: {
            "fluentd-address": `tcp://127.0.0.1:${forwardPort}`,
            "fluentd-async": "true",
            tag: "{{.Name}}",
            labels: LOGGED_LABELS.join(","),
            mode: "non-blocking",
            "max-buffer-size": "4m",
        },
    };
}

/**
 * The transformation that gives every long-running container under the component it is set on the
 * profile's log driver ({@link dockerLogging}) in place of the json-file driver of common.ts `hardened`: the
 * system's services, datastores, edge and backups alike, without each knowing of the profile.
 * One-shot steps (restart "no": migrations, config files, ownership, setup) keep their small local
 * log, which `pulumi up` reads when one fails, and so do the profile's own parts (tier `monitoring`):
 * the collector's log never loops through itself.
 */
export function logsTo(logging: { logDriver: string; logOpts: Record<string, string> }): pulumi.ResourceTransformation {
    const monitoring = (labels: unknown) =>
        Array.isArray(labels) && labels.some((l) => l?.label === DOCKER_LABEL.tier && l?.value === "monitoring");
    return (a) =>
        a.type === "docker:index/container:Container" &&
        a.props.restart !== "no" &&
        a.props.logDriver === "json-file" &&
        !monitoring(a.props.labels)
            ? { props: { ...a.props, ...logging }, opts: a.opts }
            : undefined;
}

/** The collector's configuration (see the module doc). */
export function collectorConfig(): Record<string, unknown> {
    const attr = (key: string) => `attributes["${key}"]`;
    return {
        extensions: { health_check: { endpoint: "127.0.0.1:13133" } },
        receivers: {
            fluentforward: { endpoint: `0.0.0.0:${FORWARD_PORT}` },
            otlp: { protocols: { http: { endpoint: `0.0.0.0:${OTLP_HTTP_PORT}` } } },
        },
        processors: {
            memory_limiter: { check_interval: "1s", limit_percentage: 80, spike_limit_percentage: 20 },
            "transform/components": {
                log_statements: [
                    {
                        context: "log",
                        statements: [
                            `set(${attr(LOG_LABELS.system)}, ${attr(DOCKER_LABEL.system)})`,
                            `set(${attr(LOG_LABELS.component)}, ${attr(DOCKER_LABEL.tier)})`,
                            `set(${attr(LOG_LABELS.component)}, ${attr(DOCKER_LABEL.datastore)}) where ${attr(DOCKER_LABEL.datastore)} != nil`,
                            `set(${attr(LOG_LABELS.component)}, ${attr(DOCKER_LABEL.service)}) where ${attr(DOCKER_LABEL.service)} != nil`,
                        ],
                    },
                ],
            },
            "groupbyattrs/components": { keys: [LOG_LABELS.system, LOG_LABELS.component] },
            batch: {},
        },
        exporters: {
            "otlphttp/loki": { endpoint: `http://${ADDRESSES.loki}:3100/otlp` },
            "otlp/tempo": { endpoint: `${ADDRESSES.tempo}:4317`, tls: { insecure: true } },
        },
        service: {
            extensions: ["health_check"],
            pipelines: {
                logs: {
                    receivers: ["fluentforward"],
                    processors: ["memory_limiter", "transform/components", "groupbyattrs/components", "batch"],
                    exporters: ["otlphttp/loki"],
                },
                traces: { receivers: ["otlp"], processors: ["memory_limiter", "batch"], exporters: ["otlp/tempo"] },
            },
        },
    };
}

/**
 * Loki in one binary on its volume (Loki's own cmd/loki/loki-local-config.yaml, with its data
 * under /loki), retention by the compactor, OTLP ingestion with `system` and `component` indexed
 * as labels, no usage reports.
 */
export function lokiConfig(retentionDays: number): Record<string, unknown> {
    return {
        auth_enabled: false,
        server: { http_listen_port: 3100, grpc_listen_port: 9096 },
        common: {
            instance_addr: "127.0.0.1",
            path_prefix: "/loki",
            storage: { filesystem: { chunks_directory: "/loki/chunks", rules_directory: "/loki/rules" } },
            replication_factor: 1,
            ring: { kvstore: { store: "inmemory" } },
        },
        schema_config: {
            configs: [
                {
                    from: "2024-01-01",
                    store: "tsdb",
                    object_store: "filesystem",
                    schema: "v13",
                    index: { prefix: "index_", period: "24h" },
                },
            ],
        },
        limits_config: lokiLimits(retentionDays),
        compactor: { working_directory: "/loki/compactor", retention_enabled: true, delete_request_store: "filesystem" },
        analytics: { reporting_enabled: false },
    };
}

/** Tempo in one binary: OTLP/gRPC in from the collector, blocks on its volume kept `retentionDays`, no usage reports. */
export function tempoConfig(retentionDays: number): Record<string, unknown> {
    return {
        server: { http_listen_port: 3200 },
        distributor: { receivers: { otlp: { protocols: { grpc: { endpoint: "0.0.0.0:4317" } } } } },
        compactor: { compaction: { block_retention: `${retentionDays * 24}h` } },
        storage: { trace: { backend: "local", wal: { path: "/var/tempo/wal" }, local: { path: "/var/tempo/blocks" } } },
        usage_report: { reporting_enabled: false },
    };
}

/** Where Grafana's provisioning and the dashboard files sit in its config volume. */
const GRAFANA_FILES = {
    datasources: "provisioning/datasources/tierform.yaml",
    dashboards: "provisioning/dashboards/tierform.yaml",
    dashboardDir: "dashboards",
} as const;

/** Grafana's data sources: Loki and Tempo on the telemetry network, under the dashboards' uids. */
export function grafanaDatasources(): Record<string, unknown> {
    return {
        apiVersion: 1,
        datasources: [
            {
                name: "Loki",
                type: "loki",
                uid: DATASOURCE_UIDS.loki,
                access: "proxy",
                url: `http://${ADDRESSES.loki}:3100`,
                editable: false,
            },
            {
                name: "Tempo",
                type: "tempo",
                uid: DATASOURCE_UIDS.tempo,
                access: "proxy",
                url: `http://${ADDRESSES.tempo}:3200`,
                editable: false,
            },
        ],
    };
}

/** Grafana's dashboard provider: the files in the config volume's dashboards directory, not editable in the UI. */
export function grafanaDashboardProvider(): Record<string, unknown> {
    return {
        apiVersion: 1,
        providers: [
            {
                name: "tierform",
                type: "file",
                disableDeletion: true,
                allowUiUpdates: false,
                options: { path: `${CONFIG_DIR}/${GRAFANA_FILES.dashboardDir}` },
            },
        ],
    };
}

/** Grafana's environment: provisioning from the config volume; anonymous read-only viewers and nothing else; nothing fetched from the internet. */
export const GRAFANA_ENV: Record<string, string> = {
    GF_PATHS_PROVISIONING: `${CONFIG_DIR}/provisioning`,
    GF_AUTH_ANONYMOUS_ENABLED: "true",
    GF_AUTH_ANONYMOUS_ORG_ROLE: "Viewer",
    GF_AUTH_DISABLE_LOGIN_FORM: "true",
    GF_AUTH_BASIC_ENABLED: "false",
    GF_USERS_ALLOW_SIGN_UP: "false",
    GF_ANALYTICS_REPORTING_ENABLED: "false",
    GF_ANALYTICS_CHECK_FOR_UPDATES: "false",
    GF_ANALYTICS_CHECK_FOR_PLUGIN_UPDATES: "false",
    GF_PLUGINS_PREINSTALL_DISABLED: "true",
};

/** Arguments of {@link DockerObservability}. */
export interface DockerObservabilityArgs {
    /** The system's plan: its name, retention, traces and the dashboard's rows. */
    plan: SystemPlan;
    /** Loopback host port of Grafana (`tierform:grafanaPort`). */
    grafanaPort: number;
    /** Loopback host port of the collector's Fluent Forward receiver (`tierform:logForwardPort`). */
    forwardPort: number;
    /** The system's health-tools volume (busybox) and the step that fills it. */
    healthTools: { volume: docker.Volume; step: docker.Container };
}

/** The observability profile's containers and networks (see the module doc). Type token `tierform:docker:Observability`. */
export class DockerObservability extends pulumi.ComponentResource {
    /** The internal network the services join to reach the collector (alias `otel-collector`). */
    readonly telemetry: docker.Network;
    /** Grafana's address on the host, with the system's dashboard. */
    readonly dashboardUrl: string;

    constructor(name: string, args: DockerObservabilityArgs, opts?: pulumi.ComponentResourceOptions) {
        super("tierform:docker:Observability", name, {}, opts);
        const { plan } = args;
        const network = (suffix: string, internal: boolean) =>
            bridgeNetwork(name, suffix, { system: plan, tier: "monitoring", internal }, this);
        this.telemetry = network("telemetry", true);
        // A published port needs a network with a gateway: the collector's forward port and Grafana's UI, each on 127.0.0.1 only.
        const published = network("published", false);
        const retention = plan.observability.logRetentionDays;
        const tools = { volumeName: args.healthTools.volume.name, containerPath: HEALTH_TOOLS_DIR, readOnly: true };
        const ready = (port: number, path: string) => ({
            tests: ["CMD", PROVIDED_BUSYBOX, "wget", "-q", "-O", "/dev/null", `http://127.0.0.1:${port}${path}`],
            interval: "10s",
            timeout: "5s",
            retries: 12,
            startPeriod: "20s",
        });
        const part = (
            role: string,
            args2: Omit<TierContainerArgs, "system" | "tier" | "volumes" | "dependsOn" | "labels" | "networks"> & {
                networks: { name: pulumi.Input<string>; aliases?: string[] }[];
            },
        ) =>
            tierContainer(
                resourceName([name, role]),
                {
                    system: plan,
                    tier: "monitoring",
                    ...args2,
                    volumes: [tools],
                    dependsOn: [args.healthTools.step],
                    labels: { [DOCKER_LABEL.role]: role },
                },
                this,
            );
        const yaml = (doc: Record<string, unknown>) => stringify(doc, { lineWidth: 0 });
        // Loki and Tempo: Grafana Labs' stores, each as uid 10001 on a volume of its own, answering /ready.
        const store = (role: "loki" | "tempo", port: number, dataPath: string, config: Record<string, unknown>) =>
            part(role, {
                image: imageOf(role),
                user: "10001:10001",
                resources: { memoryMb: 512, cpus: 0.5 },
                networks: [{ name: this.telemetry.name, aliases: [ADDRESSES[role]] }],
                command: [`-config.file=${CONFIG_DIR}/${role}.yaml`],
                files: [{ name: `${role}.yaml`, content: yaml(config) }],
                data: { path: dataPath, owner: "10001:10001" },
                healthcheck: ready(port, "/ready"),
            });
        store("loki", 3100, "/loki", lokiConfig(retention));
        store("tempo", 3200, "/var/tempo", tempoConfig(retention));
        part("collector", {
            image: imageOf("otelCollectorContrib"),
            user: "10001:10001",
            resources: { memoryMb: 256, cpus: 0.5 },
            networks: [{ name: published.name }, { name: this.telemetry.name, aliases: [ADDRESSES.collector] }],
            command: [`--config=${CONFIG_DIR}/collector.yaml`],
            files: [{ name: "collector.yaml", content: yaml(collectorConfig()) }],
            ports: [{ internal: FORWARD_PORT, external: args.forwardPort, ip: "127.0.0.1", protocol: "tcp" }],
            healthcheck: ready(13133, "/"),
        });
        const uid = dashboardUid(plan.name);
        part("grafana", {
            image: imageOf("grafana"),
            // The image's user and group (grafana/grafana Dockerfile: GF_UID 472, GF_GID 0).
            user: "472:0",
            resources: { memoryMb: 256, cpus: 0.5 },
            networks: [{ name: published.name }, { name: this.telemetry.name }],
            env: GRAFANA_ENV,
            files: [
                { name: GRAFANA_FILES.datasources, content: yaml(grafanaDatasources()) },
                { name: GRAFANA_FILES.dashboards, content: yaml(grafanaDashboardProvider()) },
                { name: `${GRAFANA_FILES.dashboardDir}/${plan.name}.json`, content: JSON.stringify(renderDashboard(plan, {})) },
            ],
            data: { path: "/var/lib/grafana", owner: "472:0" },
            ports: [{ internal: GRAFANA_PORT, external: args.grafanaPort, ip: "127.0.0.1", protocol: "tcp" }],
            healthcheck: ready(GRAFANA_PORT, "/api/health"),
        });
        this.dashboardUrl = `http://127.0.0.1:${args.grafanaPort}/d/${uid}`;
        this.registerOutputs({ telemetry: this.telemetry.name, dashboardUrl: this.dashboardUrl });
    }
}
