/**
 * The observability plan: what every platform collects, shows and alerts on, computed once from
 * the resolved system (`system.observability`, `system.monitoring`) without Pulumi.
 *
 * - **Signals**, one dashboard row per service and per datastore: request rate, 5xx ratio and
 *   latency percentiles from the edge (routed web services); CPU, memory, ready replicas and
 *   restarts from the platform and error lines from its log (every service); health, and per kind
 *   connections, commits, memory or queue depth from the tier. Each platform renders a signal with the metrics it has (the
 *   PromQL of components/shared/promql.ts on Kubernetes, CloudWatch metrics on AWS).
 * - **Logs**: the retention of the platform's log store, and what counts as an error line
 *   ({@link ERROR_LINES}: the platforms count them, AWS with a metric filter per log group).
 * - **Traces**: the `OTEL_*` variables each service receives (plan/service.ts puts them among its
 *   plain variables; the spec's own `env` wins for a name it gives), pointing its OpenTelemetry SDK
 *   at the platform's collector ({@link TelemetryRendering.otlpEndpoint}, plan/support/<platform>.ts).
 * - **Alerts**: one list, each alert a signal, a comparison, a threshold, a window and a duration,
 *   so the same alert means the same thing on every platform; a platform that cannot render one
 *   says so in its `telemetry.unrendered` (the parity test, test/plan/observability.test.ts, allows
 *   only those).
 */
import type { Database, Platform, Service, System } from "../model";
import type { AlertId } from "./alerts";
import { planBackup } from "./backup";
import { KNOWLEDGE } from "./support";

/** What a dashboard panel or an alert measures; each platform maps it to its own metrics. */
export type SignalId =
    /** Requests per second the edge sends to the service. */
    | "requests"
    /** Share (0-1) of those answered 5xx. */
    | "error-ratio"
    /** 50th, 95th and 99th percentile of their response time, seconds. */
    | "latency"
    /** CPU the service's replicas use, cores. */
    | "cpu"
    /** Memory the service's replicas use, bytes (working set). */
    | "memory"
    /** Ready replicas against the desired count. */
    | "replicas"
    /** Container restarts. */
    | "restarts"
    /** Error lines the service logs ({@link ERROR_LINES}), per window. */
    | "error-logs"
    /** The datastore answers: ready instances against its instance count. */
    | "up"
    /** Client connections to a database. */
    | "connections"
    /** Transactions committed per second (PostgreSQL). */
    | "commits"
    /** Memory a cache holds, bytes. */
    | "cache-memory"
    /** Messages waiting in a queue. */
    | "queue-depth"
    /** Seconds since the database's last successful backup. */
    | "backup-age"
    /** The database's last restore test: 1 passed, 0 failed (plan/backup.ts `RestoreTestPlan`); none within the window counts as failed. */
    | "restore-test";

/** Where a signal comes from. */
export type SignalSource = "edge" | "platform" | "tier" | "logs";

/** One signal of a row: a panel of the dashboard. */
export interface SignalPlan {
    /** What it measures. */
    id: SignalId;
    /** Panel title. */
    title: string;
    /** Unit of its values (Grafana's unit ids: `reqps`, `percentunit`, `s`, `short`, `bytes`). */
    unit: "reqps" | "percentunit" | "s" | "short" | "bytes";
    /** Who measures it. */
    source: SignalSource;
}

/** One dashboard row: a service or a datastore and its signals. */
export interface RowPlan {
    /** Row title, e.g. `service backend` or `database orders (postgres)`. */
    title: string;
    /** What the row is about. */
    subject: AlertSubject;
    /** Its panels, in order. */
    signals: SignalPlan[];
}

/** What an alert or a row is about. */
export interface AlertSubject {
    /** A service, a datastore of a kind, or the whole system. */
    kind: "system" | "service" | "database" | "cache" | "queue";
    /** Its name in the spec (the system's name for `system`). */
    name: string;
}

export { ALERT_IDS, type AlertId } from "./alerts";

/** One alert: fires when `signal` of `subject`, over `windowMinutes`, compares true to `threshold` for `forMinutes`. */
export interface AlertPlan {
    /** The alert's name, the same on every platform (the Prometheus rule's `alert`, the CloudWatch alarm description's first word). */
    id: AlertId;
    /** What it watches. */
    subject: AlertSubject;
    /** The measured signal. */
    signal: SignalId;
    /** How the signal's value compares to the threshold when the alert fires. */
    comparison: ">" | "<";
    /** In the signal's unit: a share 0-1, seconds, a count or a rate; for `up`, the instances that must be ready. */
    threshold: number;
    /** The window the signal is measured over (a rate's range, a percentile's period), minutes. */
    windowMinutes: number;
    /** How long the condition holds before the alert fires, minutes. */
    forMinutes: number;
    /** Who is woken: `critical` pages, `warning` waits for working hours. */
    severity: "critical" | "warning";
    /** One line for whoever receives it. */
    summary: string;
}

/**
 * What counts as an error line in a service's log: a JSON line whose `level` field (any key ending
 * in `level`: `level`, `levelname`, `log.level`) names one of `levels` in any case, or any line
 * containing one of `words` as written (ERROR, Python's `Traceback`, a Java or Python `...Exception`,
 * the `TypeError:` or `Error:` line an uncaught Node.js or Python exception ends with).
 * Each platform spells it in its own pattern language (AWS: a CloudWatch Logs filter pattern regex).
 */
export interface ErrorLinePlan {
    /** Level names, lower case. */
    levels: string[];
    /** Words, case-sensitive. */
    words: string[];
}

/** The error lines every platform counts (see {@link ErrorLinePlan}). */
export const ERROR_LINES: ErrorLinePlan = {
    levels: ["error", "fatal", "critical"],
    words: ["ERROR", "FATAL", "CRITICAL", "Exception", "Traceback", "Error:"],
};

/**
 * Error lines in 5 minutes across the services' logs above which `ErrorLogs` fires: a fixed bound (no spec field), high enough
 * that one failed request's traceback (a few lines, each a log event when the runtime writes them separately) does not page.
 */
export const ERROR_LOG_LINES_THRESHOLD = 20;

/** The standard OpenTelemetry SDK variables of one service (opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/). */
export type OtelVariables = Record<string, string>;

/** The observability plan of a system on one platform. */
export interface ObservabilityPlan {
    /** The platform runs the telemetry pipeline (Docker: `tierform:observability`); false: no collector, the services get `OTEL_SDK_DISABLED=true`. */
    pipeline: boolean;
    /** Days the log store keeps logs. */
    logRetentionDays: number;
    /** Traces: on or off, the sampler and its ratio. */
    traces: { enabled: boolean; sampler: "parentbased_traceidratio"; sampleRatio: number };
    /** Where the services' OpenTelemetry SDKs export (OTLP over HTTP). @default none: no collector, the SDKs are disabled */
    otlpEndpoint?: string;
    /** Each service's `OTEL_*` variables, by service name. */
    variables: Record<string, OtelVariables>;
    /** What counts as an error line in a service's log. */
    errorLines: ErrorLinePlan;
    /** The dashboard's rows: each service, then each database, cache and queue, in spec order. */
    rows: RowPlan[];
    /** The alert catalogue, in row order. */
    alerts: AlertPlan[];
}

const SIGNALS: Record<SignalId, Omit<SignalPlan, "id">> = {
    requests: { title: "Requests per second", unit: "reqps", source: "edge" },
    "error-ratio": { title: "5xx ratio", unit: "percentunit", source: "edge" },
    latency: { title: "Latency p50 / p95 / p99", unit: "s", source: "edge" },
    cpu: { title: "CPU (cores)", unit: "short", source: "platform" },
    memory: { title: "Memory (working set)", unit: "bytes", source: "platform" },
    replicas: { title: "Ready replicas / desired", unit: "short", source: "platform" },
    restarts: { title: "Restarts", unit: "short", source: "platform" },
    "error-logs": { title: "Error log lines", unit: "short", source: "logs" },
    up: { title: "Ready instances", unit: "short", source: "tier" },
    connections: { title: "Connections", unit: "short", source: "tier" },
    commits: { title: "Commits per second", unit: "short", source: "tier" },
    "cache-memory": { title: "Memory used", unit: "bytes", source: "tier" },
    "queue-depth": { title: "Messages waiting", unit: "short", source: "tier" },
    "backup-age": { title: "Since last backup", unit: "s", source: "tier" },
    "restore-test": { title: "Restore test (1 passed, 0 failed)", unit: "short", source: "tier" },
};

const signal = (id: SignalId): SignalPlan => ({ id, ...SIGNALS[id] });

/** True when the edge routes requests to `service` (the edge's signals and alerts exist for it). */
export function isRouted(system: System, service: string): boolean {
    return system.edge.routes.some((r) => r.service === service);
}

/**
 * Whether the services of `system` export spans from containers on `compute`: the platform runs a collector for them
 * (Docker: with `tierform:observability`) and traces are on. On AWS this is also whether each task runs its collector sidecar.
 */
export function exportsTraces(system: Pick<System, "observability">, compute: Platform): boolean {
    const o = system.observability;
    return o.pipeline && o.traces.enabled && KNOWLEDGE[compute].telemetry.otlpEndpoint !== undefined;
}

/**
 * The `OTEL_*` variables of `service`: its name, the system and environment as resource attributes, the exporter and the sampler.
 * `compute` is the platform its containers run on, whose collector they reach (the EKS placement plans for aws and runs its
 * services on Kubernetes, beside the cluster's collector). @default platform
 */
export function otelVariables(system: System, service: Service, platform: Platform, compute: Platform = platform): OtelVariables {
    const o = system.observability;
    const endpoint = KNOWLEDGE[compute].telemetry.otlpEndpoint;
    // No collector to export to (Docker without tierform:observability), or no spans to send it (traces off: the SDK exports
    // neither metrics nor logs, and AWS runs its collector only while traces are on): the SDK is off.
    if (!exportsTraces(system, compute) || !endpoint) return { OTEL_SDK_DISABLED: "true" };
    return {
        OTEL_SERVICE_NAME: service.name,
        OTEL_RESOURCE_ATTRIBUTES: `service.namespace=${system.name},deployment.environment.name=${system.environment}`,
        OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf",
        OTEL_TRACES_EXPORTER: "otlp",
        OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
        OTEL_TRACES_SAMPLER_ARG: String(o.traces.sampleRatio),
        // Metrics are scraped from the service's /metrics and logs read from its stdout by the platform: the SDK exports neither, so nothing arrives twice.
        OTEL_METRICS_EXPORTER: "none",
        OTEL_LOGS_EXPORTER: "none",
    };
}

/**
 * Whether `platform` runs a restore test of `db` that reports a series: AWS's restore testing plans for every database;
 * Kubernetes' CronJob where the plan has a scratch restore (not MongoDB); Docker's shows in the backup container's health only.
 */
function restoreTested(db: Database, platform: Platform): boolean {
    return platform === "aws" || (platform === "kubernetes" && "checks" in planBackup(db).restoreTest.scratch);
}

function rowsOf(system: System, platform: Platform): RowPlan[] {
    const rows: RowPlan[] = [];
    for (const s of Object.values(system.services)) {
        const edge = isRouted(system, s.name) ? (["requests", "error-ratio", "latency"] as SignalId[]) : [];
        rows.push({
            title: `service ${s.name} (${s.kind})`,
            subject: { kind: "service", name: s.name },
            signals: [...edge, "cpu", "memory", "replicas", "restarts", "error-logs"].map((id) => signal(id as SignalId)),
        });
    }
    for (const d of Object.values(system.databases)) {
        const own: SignalId[] = d.engine === "postgres" ? ["connections", "commits"] : [];
        rows.push({
            title: `database ${d.name} (${d.engine})`,
            subject: { kind: "database", name: d.name },
            signals: (
                ["up", ...own, "backup-age", ...(restoreTested(d, platform) ? ["restore-test"] : []), "cpu", "memory"] as SignalId[]
            ).map(signal),
        });
    }
    for (const c of Object.values(system.caches))
        rows.push({
            title: `cache ${c.name} (redis)`,
            subject: { kind: "cache", name: c.name },
            signals: (["up", "cpu", "memory"] as SignalId[]).map(signal),
        });
    for (const q of Object.values(system.queues))
        rows.push({
            title: `queue ${q.name}`,
            subject: { kind: "queue", name: q.name },
            signals: (["up", "queue-depth", "cpu", "memory"] as SignalId[]).map(signal),
        });
    return rows;
}

function alertsOf(system: System, platform: Platform): AlertPlan[] {
    const m = system.monitoring;
    const out: AlertPlan[] = [
        {
            // The seeds' rule, kept as the Asset Management seed writes it: a rate of 5xx responses per second, not a share.
            id: "HighErrorRate",
            subject: { kind: "system", name: system.name },
            signal: "error-ratio",
            comparison: ">",
            threshold: m.errorRatePercent / 100,
            windowMinutes: 5,
            forMinutes: 2,
            severity: "critical",
            summary: "High error rate detected",
        },
        {
            id: "ErrorLogs",
            subject: { kind: "system", name: system.name },
            signal: "error-logs",
            comparison: ">",
            threshold: ERROR_LOG_LINES_THRESHOLD,
            windowMinutes: 5,
            forMinutes: 5,
            severity: "warning",
            summary: `More than ${ERROR_LOG_LINES_THRESHOLD} error lines in 5 minutes in the services' logs`,
        },
    ];
    for (const s of Object.values(system.services)) {
        const service = { kind: "service" as const, name: s.name };
        if (isRouted(system, s.name)) {
            out.push({
                id: "HighErrorRatio",
                subject: service,
                signal: "error-ratio",
                comparison: ">",
                threshold: m.errorRatePercent / 100,
                windowMinutes: 5,
                forMinutes: 5,
                severity: "critical",
                summary: `More than ${m.errorRatePercent}% of requests to ${s.name} answered 5xx`,
            });
            out.push({
                id: "HighLatencyP99",
                subject: service,
                signal: "latency",
                comparison: ">",
                threshold: m.p99LatencyMs / 1000,
                windowMinutes: 5,
                forMinutes: 15,
                severity: "warning",
                summary: `p99 response time of ${s.name} above ${m.p99LatencyMs} ms`,
            });
        }
        if (s.kind === "scheduler")
            out.push({
                id: "SchedulerNotRunning",
                subject: service,
                signal: "replicas",
                comparison: "<",
                threshold: 1,
                windowMinutes: 1,
                forMinutes: 10,
                severity: "critical",
                summary: `Scheduler ${s.name} is not running: periodic tasks are not being sent`,
            });
        else
            out.push({
                id: "ReplicasUnavailable",
                subject: service,
                signal: "replicas",
                comparison: "<",
                threshold: s.replicas.min,
                windowMinutes: 1,
                forMinutes: 10,
                severity: "warning",
                summary: `${s.name} has fewer ready replicas than it should run`,
            });
    }
    const datastores: [AlertSubject["kind"], string, number][] = [
        ...Object.values(system.databases).map((d): [AlertSubject["kind"], string, number] => ["database", d.name, 1 + d.readReplicas]),
        ...Object.keys(system.caches).map((n): [AlertSubject["kind"], string, number] => ["cache", n, 1]),
        ...Object.keys(system.queues).map((n): [AlertSubject["kind"], string, number] => ["queue", n, 1]),
    ];
    for (const [kind, name, instances] of datastores)
        out.push({
            id: "DatastoreNotReady",
            subject: { kind, name },
            signal: "up",
            comparison: "<",
            threshold: instances,
            windowMinutes: 1,
            forMinutes: 5,
            severity: "critical",
            summary: `${kind} ${name} has fewer than ${instances} ready instance${instances > 1 ? "s" : ""}`,
        });
    for (const d of Object.values(system.databases)) {
        if (d.engine === "postgres")
            out.push({
                // The Asset Management seed's rule as it writes it: the commit counter against a number.
                id: "DatabaseSlowQueries",
                subject: { kind: "database", name: d.name },
                signal: "commits",
                comparison: ">",
                threshold: m.slowQueryCommitsPerSecond,
                windowMinutes: 5,
                forMinutes: 5,
                severity: "warning",
                summary: "Database experiencing slow queries",
            });
        const backup = planBackup(d);
        const gap = backup.maxAgeSeconds;
        out.push({
            id: "BackupMissing",
            subject: { kind: "database", name: d.name },
            signal: "backup-age",
            comparison: ">",
            threshold: gap,
            windowMinutes: 1,
            forMinutes: 10,
            severity: "critical",
            summary: `No successful backup of ${d.name} for more than ${Math.round(gap / 3600)} hours`,
        });
        // The restore test (plan/backup.ts): its last result failed, or none passed within a day and its window. Docker and
        // Kubernetes run none for MongoDB (its dumps carry no marker row); AWS tests every database's recovery points.
        const restore = backup.restoreTest;
        if (platform === "aws" || "checks" in restore.scratch)
            out.push({
                id: "RestoreTestFailed",
                subject: { kind: "database", name: d.name },
                signal: "restore-test",
                comparison: "<",
                threshold: 1,
                windowMinutes: restore.maxAgeSeconds / 60,
                forMinutes: 0,
                severity: "critical",
                summary: `The restore test of ${d.name} failed, or none passed for ${restore.maxAgeSeconds / 3600} hours`,
            });
    }
    return out;
}

/**
 * Why `platform` does not render alert `a` (plan/support/<platform>.ts `telemetry.unrendered`, keyed by the alert's id, or by
 * `<id>:<subject kind>` for one kind's alerts), or undefined when it renders it.
 */
export function unrenderedWhy(platform: Platform, a: Pick<AlertPlan, "id" | "subject">): string | undefined {
    const unrendered = KNOWLEDGE[platform].telemetry.unrendered;
    return unrendered[a.id] ?? unrendered[`${a.id}:${a.subject.kind}`];
}

/** The observability plan of `system` on `platform`, its services running on `compute` (see {@link otelVariables}): pure, the same answer every time. */
export function planObservability(system: System, platform: Platform, compute: Platform = platform): ObservabilityPlan {
    const o = system.observability;
    const endpoint = KNOWLEDGE[compute].telemetry.otlpEndpoint;
    return {
        pipeline: o.pipeline,
        logRetentionDays: o.logRetentionDays,
        traces: { enabled: o.traces.enabled, sampler: "parentbased_traceidratio", sampleRatio: o.traces.sampleRatio },
        ...(endpoint ? { otlpEndpoint: endpoint } : {}),
        errorLines: ERROR_LINES,
        variables: Object.fromEntries(Object.values(system.services).map((s) => [s.name, otelVariables(system, s, platform, compute)])),
        rows: rowsOf(system, platform),
        alerts: alertsOf(system, platform),
    };
}
