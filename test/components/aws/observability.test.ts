/**
 * CloudWatch from the observability plan (components/aws/observability.ts), read from MealKitz's
 * real prod plan (the cached whole-program run other tests share): an error-line metric filter on
 * every service's log group, the ErrorLogs alarm over exactly what the filters publish, and the
 * saved Logs Insights queries over every service's log group; and every preset's dashboard body
 * held to AWS's published body structure, metrics and limits, its dimensions to the alarms' own.
 */
import { strict as assert } from "assert";
import { errorLinePattern, errorLineRegex, LOG_QUERIES } from "../../../components/aws/observability";
import { EKS_SATURATION } from "../../../plan/support/eks";
import { ERROR_LINES } from "../../../plan";
import { planStack, type Plan, type PlannedResource } from "../../harness";

const FILTER = "aws:cloudwatch/logMetricFilter:LogMetricFilter";
const QUERY = "aws:cloudwatch/queryDefinition:QueryDefinition";

/** Lines the pattern must count: JSON with a level field (structlog, python-json-logger, logrus, zap), plain text, tracebacks. */
const ERRORS = [
    '{"level":"error","event":"payment failed"}',
    '{"levelname": "ERROR", "message": "db down"}',
    '{"log.level":"Error","msg":"x"}',
    'time=2026-12-07T10:00:00Z level=error msg="upstream timed out"',
    "2026-12-07 10:00:00,123 ERROR app.views: boom",
    "Traceback (most recent call last):",
    'Exception in thread "main" java.lang.IllegalStateException: bad',
    "django.db.utils.OperationalError: could not connect",
    "TypeError: Cannot read properties of undefined (reading 'id')",
    '{"level":"fatal","msg":"cannot bind"}',
];
/** Lines it must not count, error words in a message of another level among them. */
const OTHERS = [
    '{"level":"info","msg":"request done"}',
    '{"level":"warning","msg":"slow query","error_count":0}',
    '{"level":"info","msg":"retrying after an error"}',
    "2026-12-07 10:00:00,123 INFO app.views: GET /health 200",
    "level=debug msg=ok",
];

/**
 * The characters a CloudWatch Logs filter-pattern regex may hold (CloudWatch Logs User Guide, "Filter pattern syntax",
 * Supported regular expressions (regex) syntax: letters, digits, the symbols `:_#=@/;,-` and the operators `^$?[]{}|\*+.`;
 * "The () operator is not supported"): https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html
 */
const FILTER_REGEX_CHARS = /^[A-Za-z0-9:_#=@/;,\-^$?[\]{}|\\*+.]+$/;

describe("aws observability: error-line filters, their alarm, saved queries", function () {
    let plan: Plan;
    before(async () => {
        plan = await planStack({ stack: "prod", system: "mealkitz" });
    });
    const serviceGroups = () =>
        plan.ofType("aws:cloudwatch/logGroup:LogGroup").filter((g) => String(g.inputs.name).startsWith("/tierform/"));

    it("the error-line pattern is a filter-pattern regex CloudWatch accepts and counts exactly the error lines", () => {
        const pattern = errorLinePattern(ERROR_LINES);
        assert.match(pattern, /^%.+%$/);
        const body = pattern.slice(1, -1);
        assert.match(body, FILTER_REGEX_CHARS, "only the characters the filter-pattern regex admits");
        assert.ok(pattern.length <= 1024, "PutMetricFilter: filterPattern at most 1024 characters");
        // The subset used (alternation, classes, `.`, `{m,n}`) means the same in JavaScript's RegExp.
        const re = new RegExp(body);
        assert.deepEqual(
            ERRORS.filter((l) => !re.test(l)),
            [],
            "every error line counts",
        );
        assert.deepEqual(
            OTHERS.filter((l) => re.test(l)),
            [],
            "no other line counts",
        );
    });

    it("every service's log group has one error-line filter into the system's namespace, one metric per service", () => {
        const groups = serviceGroups();
        assert.equal(groups.length, 5, groups.map((g) => g.inputs.name).join(", "));
        const filters = plan.ofType(FILTER);
        for (const g of groups) {
            const mine = filters.filter((f) => f.inputs.logGroupName === g.inputs.name);
            assert.equal(mine.length, 1, `${g.inputs.name}: ${mine.length} filters`);
            const t = mine[0].inputs.metricTransformation;
            const service = String(g.inputs.name).split("/").pop();
            assert.equal(mine[0].inputs.pattern, errorLinePattern(ERROR_LINES));
            assert.deepEqual(
                [t.namespace, t.name, t.value, t.defaultValue],
                ["tierform/mealkitz-prod", `${service}-error-log-lines`, "1", "0"],
            );
        }
        assert.equal(filters.length, groups.length);
    });

    it("ErrorLogs sums exactly the metrics the filters publish, at the plan's threshold and window", () => {
        const alarms = plan.ofType("aws:cloudwatch/metricAlarm:MetricAlarm").filter((a) => /^ErrorLogs:/.test(a.inputs.alarmDescription));
        assert.equal(alarms.length, 1);
        const published = plan
            .ofType(FILTER)
            .map((f) => `${f.inputs.metricTransformation.namespace} ${f.inputs.metricTransformation.name}`)
            .sort();
        const queries = alarms[0].inputs.metricQueries as { metric?: { namespace: string; metricName: string; period: number } }[];
        const read = queries.filter((q) => q.metric).map((q) => `${q.metric!.namespace} ${q.metric!.metricName}`);
        assert.deepEqual(read.sort(), published);
        assert.ok(queries.every((q) => !q.metric || q.metric.period === 300));
        assert.equal(alarms[0].inputs.threshold, 20);
        assert.match(String(alarms[0].inputs.alarmActions), /^arn:aws:sns:/);
    });

    it("HighErrorRatio and HighLatencyP99 read each routed service's target groups, ReplicasUnavailable its ECS service, at the plan's periods", () => {
        const alarms = plan.ofType("aws:cloudwatch/metricAlarm:MetricAlarm");
        const desc = (id: string, service: string) =>
            alarms.filter(
                (a) =>
                    String(a.inputs.alarmDescription).startsWith(`${id}:`) &&
                    new RegExp(`\\b${service}\\b`).test(a.inputs.alarmDescription),
            );
        const groupsOf = (a: PlannedResource) =>
            (a.inputs.metricQueries ?? []).flatMap((q: any) => (q.metric ? [q.metric.dimensions.TargetGroup] : []));
        for (const service of ["order", "user", "payment", "delivery", "notification"]) {
            // The edge's own alarms name each target group of the service: `<service>-unhealthy-targets` and `<service>-alternate-...`.
            const unhealthy = alarms
                .filter(
                    (a) =>
                        a.inputs.metricName === "UnHealthyHostCount" &&
                        new RegExp(`-${service}(-alternate)?-unhealthy-targets$`).test(a.inputs.name),
                )
                .map((a) => a.inputs.dimensions.TargetGroup)
                .sort();
            const [ratio] = desc("HighErrorRatio", service);
            const [p99] = desc("HighLatencyP99", service);
            assert.deepEqual([...new Set(groupsOf(ratio))].sort(), unhealthy, `${service}: 5xx share`);
            assert.deepEqual(groupsOf(p99).sort(), unhealthy, `${service}: p99`);
            assert.deepEqual([ratio.inputs.evaluationPeriods, p99.inputs.evaluationPeriods], [1, 3]);
            const [tasks] = desc("ReplicasUnavailable", service);
            const ceiling = alarms.find((a) => a.inputs.name === `mealkitz-${service}-cpu-at-ceiling`)!;
            const ecs = ceiling.inputs.metricQueries.find((q: any) => q.id === "tasks").metric.dimensions;
            assert.deepEqual(tasks.inputs.dimensions, ecs, `${service}: the ECS service's running tasks`);
            assert.deepEqual([tasks.inputs.period, tasks.inputs.evaluationPeriods, tasks.inputs.treatMissingData], [60, 10, "breaching"]);
        }
    });

    it("saves one Logs Insights query per kind over every service's log group, the errors query on the same error lines", () => {
        const defs = plan.ofType(QUERY);
        assert.deepEqual(
            defs.map((d) => d.inputs.name).sort(),
            Object.keys(LOG_QUERIES)
                .map((k) => `tierform/mealkitz-prod/${k}`)
                .sort(),
        );
        const groups = serviceGroups()
            .map((g) => g.inputs.name)
            .sort();
        for (const d of defs) assert.deepEqual([...d.inputs.logGroupNames].sort(), groups, d.inputs.name);
        const errors = defs.find((d) => d.inputs.name.endsWith("/errors-by-service"))!;
        assert.ok(errors.inputs.queryString.includes(`like /${errorLineRegex(ERROR_LINES)}/`));
        // Every command but the first is piped, and a comment line stands alone.
        for (const d of defs) {
            const lines = String(d.inputs.queryString)
                .split("\n")
                .filter((l) => !l.startsWith("#"));
            assert.ok(!lines[0].startsWith("|") && lines.slice(1).every((l) => l.startsWith("| ")), d.inputs.queryString);
        }
    });
});

/**
 * The metrics AWS publishes that the dashboard may graph, per namespace: each metric's dimension
 * sets, from the service's metrics page (read 2026-12-07):
 * - AWS/ApplicationELB: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html
 *   (RequestCount, HTTPCode_Target_5XX_Count, TargetResponseTime by LoadBalancer, or TargetGroup with LoadBalancer;
 *   HealthyHostCount by TargetGroup with LoadBalancer, and with AvailabilityZone, which the dashboard does not use)
 * - AWS/ECS: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/available-metrics.html (CPUUtilization,
 *   MemoryUtilization by ClusterName, or ClusterName with ServiceName)
 * - ECS/ContainerInsights: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Container-Insights-metrics-ECS.html
 *   (RunningTaskCount, DesiredTaskCount by ClusterName with ServiceName)
 * - AWS/RDS: https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-metrics.html (CPUUtilization, DatabaseConnections,
 *   FreeableMemory, FreeStorageSpace by DBInstanceIdentifier)
 * - AWS/DocDB: https://docs.aws.amazon.com/documentdb/latest/developerguide/cloud_watch.html (CPUUtilization,
 *   DatabaseConnections, FreeableMemory by DBClusterIdentifier or DBInstanceIdentifier)
 * - AWS/ElastiCache: https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/CacheMetrics.Redis.html and CacheMetrics.HostLevel.html
 *   (EngineCPUUtilization, DatabaseMemoryUsagePercentage, Evictions by CacheClusterId, or with CacheNodeId)
 * - AWS/SQS: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html
 *   (ApproximateNumberOfMessagesVisible, ApproximateAgeOfOldestMessage by QueueName)
 * - ElastiCache's CurrConnections (CacheMetrics.Redis.html, from INFO's connected_clients, by CacheClusterId)
 * - AWS/Backup: https://docs.aws.amazon.com/aws-backup/latest/devguide/cloudwatch.html ("Monitoring AWS Backup metrics with
 *   CloudWatch": NumberOfBackupJobsCompleted, NumberOfRestoreJobsCompleted by BackupVaultName with ResourceType)
 */
const PUBLISHED: Record<string, Record<string, string[][]>> = {
    "AWS/ApplicationELB": Object.fromEntries(
        ["RequestCount", "HTTPCode_Target_5XX_Count", "TargetResponseTime", "HealthyHostCount"].map((m) => [
            m,
            [["LoadBalancer"], ["LoadBalancer", "TargetGroup"]],
        ]),
    ),
    "AWS/ECS": Object.fromEntries(
        ["CPUUtilization", "MemoryUtilization"].map((m) => [m, [["ClusterName"], ["ClusterName", "ServiceName"]]]),
    ),
    "ECS/ContainerInsights": Object.fromEntries(["RunningTaskCount", "DesiredTaskCount"].map((m) => [m, [["ClusterName", "ServiceName"]]])),
    "AWS/RDS": Object.fromEntries(
        ["CPUUtilization", "DatabaseConnections", "FreeableMemory", "FreeStorageSpace"].map((m) => [m, [["DBInstanceIdentifier"]]]),
    ),
    "AWS/DocDB": Object.fromEntries(
        ["CPUUtilization", "DatabaseConnections", "FreeableMemory"].map((m) => [m, [["DBClusterIdentifier"], ["DBInstanceIdentifier"]]]),
    ),
    "AWS/ElastiCache": Object.fromEntries(
        ["EngineCPUUtilization", "DatabaseMemoryUsagePercentage", "Evictions", "CurrConnections"].map((m) => [
            m,
            [["CacheClusterId"], ["CacheClusterId", "CacheNodeId"]],
        ]),
    ),
    "AWS/SQS": Object.fromEntries(["ApproximateNumberOfMessagesVisible", "ApproximateAgeOfOldestMessage"].map((m) => [m, [["QueueName"]]])),
    "AWS/Backup": Object.fromEntries(
        ["NumberOfBackupJobsCompleted", "NumberOfRestoreJobsCompleted"].map((m) => [m, [["BackupVaultName", "ResourceType"]]]),
    ),
};

/**
 * Dashboard Body Structure and Syntax (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html):
 * a `widgets` array of 0 to 500 widgets; each widget's `type` and `properties` required, `x` 0-23, `width` 1-24, `height`
 * 1-1000; a text widget's `markdown` and a metric widget's `metrics` and `region` required; each metric
 * `[Namespace, MetricName, DimensionName, DimensionValue, ..., {rendering properties}]` or `[{ expression, id, ... }]`, an id
 * starting with a lower-case letter. PutDashboard: the name at most 255 characters of A-Z, a-z, 0-9, - and _
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutDashboard.html).
 */
function bodyProblems(body: any): string[] {
    const out: string[] = [];
    if (!Array.isArray(body.widgets)) return ["no widgets array"];
    if (body.widgets.length > 500) out.push(`${body.widgets.length} widgets, more than 500`);
    const cells = new Set<string>();
    body.widgets.forEach((w: any, i: number): void => {
        const at = `widget ${i} (${w.properties?.title ?? w.properties?.markdown?.split("\n")[0]})`;
        const int = (v: unknown, lo: number, hi: number) => Number.isInteger(v) && (v as number) >= lo && (v as number) <= hi;
        if (!["metric", "text", "log"].includes(w.type)) out.push(`${at}: type ${w.type}`);
        if (typeof w.properties !== "object") out.push(`${at}: no properties`);
        if (!int(w.x, 0, 23) || !int(w.y, 0, 1e6) || !int(w.width, 1, 24) || !int(w.height, 1, 1000) || w.x + w.width > 24)
            out.push(`${at}: outside the grid (${w.x},${w.y} ${w.width}x${w.height})`);
        for (let x = w.x; x < w.x + w.width; x++)
            for (let y = w.y; y < w.y + w.height; y++) {
                if (cells.has(`${x},${y}`)) out.push(`${at}: overlaps another widget at ${x},${y}`);
                cells.add(`${x},${y}`);
            }
        if (w.type === "text" && typeof w.properties.markdown !== "string") out.push(`${at}: no markdown`);
        if (w.type === "log" && (typeof w.properties.region !== "string" || !/^SOURCE '[^']+'/.test(w.properties.query)))
            out.push(`${at}: a log widget needs a region and a query starting SOURCE '<log group>'`);
        if (w.type !== "metric") return;
        if (typeof w.properties.region !== "string" || !w.properties.region) out.push(`${at}: no region`);
        const metrics = w.properties.metrics;
        if (!Array.isArray(metrics) || metrics.length === 0) {
            out.push(`${at}: no metrics`);
            return;
        }
        const ids = new Set<string>();
        for (const m of metrics) {
            const last = m[m.length - 1];
            const options = typeof last === "object" ? last : {};
            if (options.id !== undefined) {
                if (!/^[a-z][A-Za-z0-9_]*$/.test(options.id) || ids.has(options.id)) out.push(`${at}: id ${options.id}`);
                ids.add(options.id);
            }
        }
        for (const m of metrics) {
            const last = m[m.length - 1];
            if (m.length === 1 && typeof last === "object" && typeof last.expression === "string") {
                // Ids outside string literals (DB_PERF_INSIGHTS names its resource and counter in quotes).
                const refs: string[] = last.expression.replace(/'[^']*'/g, "").match(/\b[a-z][A-Za-z0-9_]*\b/g) ?? [];
                const unknown = refs.filter((r) => !ids.has(r) && !/^[A-Z]/.test(r));
                if (unknown.length > 0) out.push(`${at}: expression ${last.expression} names ${unknown}`);
                continue;
            }
            const strings = typeof last === "object" ? m.slice(0, -1) : m;
            if (strings.length < 2 || strings.length % 2 !== 0 || strings.some((x: unknown) => typeof x !== "string" || x === ""))
                out.push(`${at}: metric ${JSON.stringify(m)} is not namespace, name and dimension pairs`);
        }
    });
    return out;
}

/** [namespace, metric, {dimension: value}] of every metric a dashboard graphs. */
function graphed(body: any): [string, string, Record<string, string>][] {
    return body.widgets
        .filter((w: any) => w.type === "metric")
        .flatMap((w: any) => w.properties.metrics)
        .filter((m: any[]) => typeof m[0] === "string")
        .map((m: any[]) => {
            const strings = typeof m[m.length - 1] === "object" ? m.slice(0, -1) : m;
            const dims: Record<string, string> = {};
            for (let i = 2; i < strings.length; i += 2) dims[strings[i]] = strings[i + 1];
            return [strings[0], strings[1], dims];
        });
}

/** `namespace key=value` of every dimension the plan's alarms name (the resources' identifiers as the program resolves them). */
function alarmDimensions(alarms: PlannedResource[]): Set<string> {
    const out = new Set<string>();
    const add = (ns: string, dims: Record<string, string> = {}) => Object.entries(dims).forEach(([k, v]) => out.add(`${ns} ${k}=${v}`));
    for (const a of alarms) {
        add(a.inputs.namespace, a.inputs.dimensions);
        for (const q of a.inputs.metricQueries ?? []) if (q.metric) add(q.metric.namespace, q.metric.dimensions);
    }
    return out;
}

describe("aws observability: each preset's CloudWatch dashboard, on ECS (prod) and on the EKS placement (prod-eks)", function () {
    this.timeout(300_000);
    for (const stack of ["prod", "prod-eks"])
        for (const preset of ["asset-management", "auromart", "hld-platform", "mdc-tts", "mealkitz"]) {
            it(`${stack}/${preset}: one dashboard whose body is valid, under the limits, graphs only published metrics, each dimension an alarm's`, async () => {
                const plan = await planStack({ stack, system: preset });
                const dashboards = plan.ofType("aws:cloudwatch/dashboard:Dashboard");
                assert.equal(dashboards.length, 1);
                const { dashboardName, dashboardBody } = dashboards[0].inputs;
                assert.match(dashboardName, /^[A-Za-z0-9_-]{1,255}$/);
                // The 1 MB bound is the one the brief names (no AWS page stating the body's size limit was found); this body is about 23 kB.
                assert.ok(Buffer.byteLength(dashboardBody) < 1_000_000, `${Buffer.byteLength(dashboardBody)} bytes`);
                const body = JSON.parse(dashboardBody);
                assert.deepEqual(bodyProblems(body), []);
                const custom = new Set(
                    plan.ofType(FILTER).map((f) => `${f.inputs.metricTransformation.namespace} ${f.inputs.metricTransformation.name}`),
                );
                // The other components' alarms: this file's own read the same arguments as its dashboard, and would agree with a wrong one.
                const others = plan
                    .ofType("aws:cloudwatch/metricAlarm:MetricAlarm")
                    .filter((a) => !a.parent?.includes("tierform:aws:Observability"));
                const dims = alarmDimensions(others);
                const wrong: string[] = [];
                for (const [ns, metric, d] of graphed(body)) {
                    if (custom.has(`${ns} ${metric}`)) {
                        if (Object.keys(d).length > 0) wrong.push(`${ns} ${metric}: dimensions on a filter's metric`);
                        continue;
                    }
                    const sets = PUBLISHED[ns]?.[metric];
                    if (!sets) wrong.push(`${ns} ${metric}: not a published metric`);
                    else if (!sets.some((keys) => keys.join() === Object.keys(d).sort().join()))
                        wrong.push(`${ns} ${metric}: dimensions ${Object.keys(d)} not one of ${sets.map((k) => k.join("+")).join(", ")}`);
                    for (const [k, v] of Object.entries(d))
                        if (!dims.has(`${ns} ${k}=${v}`)) wrong.push(`${ns} ${metric}: ${k}=${v} is no alarm's`);
                }
                assert.deepEqual(wrong, []);
                // The log widget reads exactly the services' log groups, with the saved errors-by-service query.
                const log = body.widgets.find((w: any) => w.type === "log");
                const sources = [...log.properties.query.matchAll(/SOURCE '([^']+)'/g)].map((m) => m[1]).sort();
                const groups = plan
                    .ofType("aws:cloudwatch/logGroup:LogGroup")
                    .filter((g) => g.inputs.tags?.tier === "service" && g.inputs.tags?.service)
                    .map((g) => g.inputs.name)
                    .sort();
                assert.deepEqual(sources, groups);
                assert.ok(log.properties.query.endsWith(LOG_QUERIES["errors-by-service"](ERROR_LINES)));
            });
        }

    it("a row per row of the plan, in order, with the graphs of its signals; each routed service's target groups, each ECS service", async () => {
        const plan = await planStack({ stack: "prod", system: "mealkitz" });
        const body = JSON.parse(plan.ofType("aws:cloudwatch/dashboard:Dashboard")[0].inputs.dashboardBody);
        const headers = body.widgets.filter((w: any) => w.type === "text").map((w: any) => w.properties.markdown.split("\n")[0]);
        assert.deepEqual(headers.slice(1), [
            ...["order", "user", "payment", "delivery", "notification"].map((s) => `## service ${s} (web)`),
            "## database db (postgres)",
            "## cache cache (redis)",
            "## queue events",
        ]);
        const metrics = graphed(body);
        const groups = new Set(metrics.filter(([ns]) => ns === "AWS/ApplicationELB").map(([, , d]) => d.TargetGroup));
        const unhealthy = plan
            .ofType("aws:cloudwatch/metricAlarm:MetricAlarm")
            .filter((a) => a.inputs.metricName === "UnHealthyHostCount")
            .map((a) => a.inputs.dimensions.TargetGroup);
        assert.deepEqual([...groups].sort(), [...new Set(unhealthy)].sort(), "every target group, the alternates included");
        const ecs = new Set(metrics.filter(([ns]) => ns === "AWS/ECS").map(([, , d]) => d.ServiceName));
        assert.equal(ecs.size, plan.ofType("aws:ecs/service:Service").length, "one ECS service per service");
    });

    it("on EKS: the same rows; a service's replicas its target groups' healthy targets, the rest of its saturation named as the cluster's Prometheus's; no ECS metric", async () => {
        const [ecs, eks] = await Promise.all(["prod", "prod-eks"].map((stack) => planStack({ stack, system: "mealkitz" })));
        const bodyOf = (p: Plan) => JSON.parse(p.ofType("aws:cloudwatch/dashboard:Dashboard")[0].inputs.dashboardBody);
        const headers = (b: any) => b.widgets.filter((w: any) => w.type === "text").map((w: any) => w.properties.markdown.split("\n")[0]);
        const body = bodyOf(eks);
        assert.deepEqual(headers(body), headers(bodyOf(ecs)));
        const metrics = graphed(body);
        assert.deepEqual(
            metrics.filter(([ns]) => ns === "AWS/ECS" || ns === "ECS/ContainerInsights"),
            [],
        );
        const healthy = new Set(metrics.filter(([, m]) => m === "HealthyHostCount").map(([, , d]) => d.TargetGroup));
        const unhealthy = eks
            .ofType("aws:cloudwatch/metricAlarm:MetricAlarm")
            .filter((a) => a.inputs.metricName === "UnHealthyHostCount")
            .map((a) => a.inputs.dimensions.TargetGroup);
        assert.deepEqual([...healthy].sort(), [...new Set(unhealthy)].sort(), "each routed service's target group");
        for (const w of body.widgets.filter((w: any) => w.type === "text" && w.properties.markdown.startsWith("## service ")))
            assert.ok(
                w.properties.markdown.includes(
                    `No CloudWatch metric for: CPU (cores), Memory (working set), Restarts. On EKS: ${EKS_SATURATION}.`,
                ),
                w.properties.markdown,
            );
        // The services' error lines per service, each a metric a filter on that service's group publishes.
        const published = new Set(
            eks.ofType(FILTER).map((f) => `${f.inputs.metricTransformation.namespace} ${f.inputs.metricTransformation.name}`),
        );
        const errorLines = metrics.filter(([, m]) => m.endsWith("-error-log-lines"));
        assert.equal(errorLines.length, 5);
        for (const [ns, m] of errorLines) assert.ok(published.has(`${ns} ${m}`), m);
    });

    it("the database row graphs what its alarms read: instances reporting, the primary's commits, backups and restore tests completed", async () => {
        const plan = await planStack({ stack: "prod", system: "mealkitz" });
        const body = JSON.parse(plan.ofType("aws:cloudwatch/dashboard:Dashboard")[0].inputs.dashboardBody);
        const header = body.widgets.findIndex((w: any) => w.type === "text" && w.properties.markdown.startsWith("## database db "));
        const next = body.widgets.findIndex((w: any, i: number) => i > header && w.type === "text");
        const row = body.widgets.slice(header + 1, next);
        assert.doesNotMatch(body.widgets[header].properties.markdown, /Ready instances|Commits|Since last backup|Restore test/);
        const alarm = (id: string) =>
            plan
                .ofType("aws:cloudwatch/metricAlarm:MetricAlarm")
                .find((a) => String(a.inputs.alarmDescription).startsWith(`${id}:`) && /\bdb\b/.test(a.inputs.alarmDescription))!.inputs;
        const lines = (title: RegExp) => row.find((w: any) => title.test(w.properties.title))!.properties.metrics;
        // The same instances, metric and statistic as DatastoreNotReady's.
        const ready = alarm("DatastoreNotReady")
            .metricQueries.filter((q: any) => q.metric)
            .map((q: any) => q.metric);
        assert.deepEqual(
            lines(/^Instances reporting/),
            ready.map((m: any) => [m.namespace, m.metricName, ...Object.entries(m.dimensions).flat(), { stat: "SampleCount", period: 60 }]),
        );
        // The same expression as DatabaseSlowQueries'.
        const commits = alarm("DatabaseSlowQueries").metricQueries[0].expression;
        assert.deepEqual(lines(/^Commits per second/), [[{ expression: commits, id: "commits", label: "xact_commit per second" }]]);
        // BackupMissing's and RestoreTestFailed's metrics, hourly.
        for (const [title, id] of [
            [/^AWS Backup jobs completed/, "BackupMissing"],
            [/^Restore tests completed/, "RestoreTestFailed"],
        ] as const) {
            // The alarm's hourly count (FILL'd in its expression: monitoring.ts backupJobsAlarm).
            const m = alarm(id).metricQueries.find((q: any) => q.metric).metric;
            assert.deepEqual(lines(title), [
                [m.namespace, m.metricName, ...Object.entries(m.dimensions).flat(), { stat: m.stat, period: m.period }],
            ]);
        }
    });
});
