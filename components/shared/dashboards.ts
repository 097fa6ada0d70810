/**
 * The Grafana dashboard of a system, generated from its plan (plan/observability.ts `rows`): one
 * row per service and per datastore, a time-series panel per signal (the PromQL of promql.ts), a
 * logs panel (Loki, by the labels the log collectors give every line: `system`, `component`) and,
 * for a service, its recent traces (Tempo, TraceQL on `resource.service.name`). The JSON follows
 * Grafana's dashboard model as `@grafana/schema` publishes it (dist/types/raw/dashboard/x/types.gen.d.ts
 * `Dashboard`); test/tools/dashboards.test.ts type-checks every preset's against it and runs every
 * panel query through promtool.
 *
 * Where the platform has no Prometheus (the dev stack), the metric panels are left out and the row
 * keeps its logs and traces: `metrics` is then undefined.
 */
import type { SystemPlan } from "../../plan";
import { signalQueries, type PromContext } from "./promql";

/** The data sources' uids, the same in every Grafana tierform provisions (grafana-datasources of each platform). */
export const DATASOURCE_UIDS = { prometheus: "prometheus", loki: "loki", tempo: "tempo" } as const;

/** The labels every log line carries in Loki, whatever collected it: the system's name and the service or datastore it comes from. */
export const LOG_LABELS = { system: "system", component: "component" } as const;

/**
 * Loki's `limits_config` on every platform that runs it (staging's chart values, dev's config file):
 * logs kept `retentionDays` (the compactor deletes them), structured metadata on, and the OTLP
 * resource attributes `system` and `component` indexed as the labels the dashboards query (Loki
 * docs, "Ingesting logs to Loki using OpenTelemetry Collector").
 */
export function lokiLimits(retentionDays: number): Record<string, unknown> {
    return {
        retention_period: `${retentionDays * 24}h`,
        allow_structured_metadata: true,
        otlp_config: {
            resource_attributes: { attributes_config: [{ action: "index_label", attributes: [LOG_LABELS.system, LOG_LABELS.component] }] },
        },
    };
}

/** A panel of the generated dashboard (the subset of Grafana's `Panel` tierform writes). */
export interface DashboardPanel {
    /** Unique in the dashboard. */
    id: number;
    /** `row`, `timeseries`, `logs` or `table`. */
    type: string;
    /** Shown above it. */
    title: string;
    /** Where it sits: 24 columns wide. */
    gridPos: { h: number; w: number; x: number; y: number };
    /** Data source of its queries. */
    datasource?: { type: string; uid: string };
    /** Its queries. */
    targets?: Record<string, unknown>[];
    /** Unit and overrides. */
    fieldConfig?: { defaults: { unit?: string }; overrides: unknown[] };
    /** Panel-type options. */
    options?: Record<string, unknown>;
    /** A row's collapse state. */
    collapsed?: boolean;
    /** A row's panels when collapsed (none: tierform's rows are open). */
    panels?: DashboardPanel[];
}

/** The dashboard JSON. */
export interface DashboardJson {
    uid: string;
    title: string;
    tags: string[];
    timezone: string;
    editable: boolean;
    schemaVersion: number;
    time: { from: string; to: string };
    refresh: string;
    panels: DashboardPanel[];
}

/** What the dashboard of one platform reads: its queries' context (undefined: no Prometheus). */
export interface DashboardOptions {
    /** The PromQL context (promql.ts); absent where the platform has no Prometheus. */
    metrics?: PromContext;
}

/** The dashboard's uid: `tierform-<system>` (Grafana allows 40 characters). */
export const dashboardUid = (system: string) => `tierform-${system}`.slice(0, 40);

/** The dashboard of `plan` (see the module doc). */
export function renderDashboard(plan: SystemPlan, opts: DashboardOptions): DashboardJson {
    const panels: DashboardPanel[] = [];
    let id = 1;
    let y = 0;
    const prometheus = { type: "prometheus", uid: DATASOURCE_UIDS.prometheus };
    for (const row of plan.observability.rows) {
        panels.push({ id: id++, type: "row", title: row.title, collapsed: false, gridPos: { h: 1, w: 24, x: 0, y: y++ }, panels: [] });
        const cells: Omit<DashboardPanel, "id" | "gridPos">[] = [];
        if (opts.metrics)
            for (const signal of row.signals) {
                const queries = signalQueries(opts.metrics, signal.id, row.subject);
                if (queries.length === 0) continue;
                cells.push({
                    type: "timeseries",
                    title: signal.title,
                    datasource: prometheus,
                    fieldConfig: { defaults: { unit: signal.unit }, overrides: [] },
                    options: { legend: { displayMode: "list", placement: "bottom", showLegend: true } },
                    targets: queries.map((q, i) => ({
                        refId: String.fromCharCode(65 + i),
                        datasource: prometheus,
                        expr: q.expr,
                        legendFormat: q.legend,
                    })),
                });
            }
        const loki = { type: "loki", uid: DATASOURCE_UIDS.loki };
        cells.push({
            type: "logs",
            title: "Logs",
            datasource: loki,
            options: { showTime: true, wrapLogMessage: true, sortOrder: "Descending" },
            targets: [
                {
                    refId: "A",
                    datasource: loki,
                    expr: `{${LOG_LABELS.system}="${plan.name}",${LOG_LABELS.component}="${row.subject.name}"}`,
                },
            ],
        });
        if (row.subject.kind === "service" && plan.observability.traces.enabled) {
            const tempo = { type: "tempo", uid: DATASOURCE_UIDS.tempo };
            cells.push({
                type: "table",
                title: "Recent traces",
                datasource: tempo,
                targets: [
                    {
                        refId: "A",
                        datasource: tempo,
                        queryType: "traceql",
                        query: `{resource.service.name="${row.subject.name}"}`,
                        limit: 20,
                    },
                ],
            });
        }
        // Four panels a line, 6 columns each, 8 high.
        cells.forEach((cell, i) => {
            panels.push({ id: id++, ...cell, gridPos: { h: 8, w: 6, x: (i % 4) * 6, y: y + Math.floor(i / 4) * 8 } });
        });
        y += Math.ceil(cells.length / 4) * 8;
    }
    return {
        uid: dashboardUid(plan.name),
        title: `${plan.name} (${plan.platform})`,
        tags: ["tierform", plan.name],
        timezone: "utc",
        editable: false,
        schemaVersion: 41,
        time: { from: "now-6h", to: "now" },
        refresh: "1m",
        panels,
    };
}
