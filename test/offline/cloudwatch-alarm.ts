/**
 * What CloudWatch does with a metric alarm, offline: the inputs of an `aws.cloudwatch.MetricAlarm`
 * as the program registers them, evaluated over synthetic per-minute data points, to the state the
 * alarm would take (OK, ALARM, INSUFFICIENT_DATA, or its current state kept).
 *
 * It implements what the program's alarms use and refuses the rest, naming the alarm: a field, a
 * statistic, a comparison, a metric math function or a missing-data case it does not implement
 * throws, so a new alarm form cannot pass a test unjudged. Each semantic cites the CloudWatch User
 * Guide page it follows (the archived source of the guide, awsdocs/amazon-cloudwatch-user-guide, and
 * the live pages named below):
 * - ALARM_EVALUATION: "Evaluating an alarm" and "How alarm state is evaluated when data is missing"
 *   (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-evaluation.html,
 *   https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarms-and-missing-data.html;
 *   AlarmThatSendsEmail.md in the archived guide).
 * - METRIC_MATH: "Using math expressions with CloudWatch metrics", "Metric math syntax and functions"
 *   and "Using IF expressions" (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html).
 * - DB_PERF_INSIGHTS: "Create an alarm on Performance Insights counter metrics from an AWS database"
 *   (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Create_alarm_database_performance_insights.html).
 * - STATISTICS: "CloudWatch statistics definitions"
 *   (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Statistics-definitions.html).
 *
 * The data: for each metric (namespace, name, dimensions) or Performance Insights counter the alarm
 * reads, one entry per minute of the evaluation range, oldest first: nothing published (undefined),
 * one value, or the values published in that minute (a percentile is taken over them). The evaluation
 * range is the whole minutes given: CloudWatch retrieves "a higher number of data points than
 * specified by Evaluation Periods", a number it does not publish (ALARM_EVALUATION), so the caller
 * chooses it (the guide's tables use Evaluation Periods + 2). Linear in the minutes and the queries.
 */

/** One minute of a metric: nothing published, one value, or every value published in it. */
export type Minute = number | readonly number[] | undefined;

/** A CloudWatch metric as an alarm names it. */
export interface CloudWatchMetric {
    kind: "metric";
    namespace: string;
    metricName: string;
    /** Dimension name → value (none: `{}`). */
    dimensions: Record<string, string>;
}

/** A Performance Insights counter as `DB_PERF_INSIGHTS(service, identifier, metric)` names it. */
export interface PerfInsightsCounter {
    kind: "perfInsights";
    /** 'RDS' or 'DOCDB'. */
    service: string;
    /** The instance's DbiResourceId (`db-…`), not its identifier. */
    identifier: string;
    /** The counter with its aggregate, e.g. `db.Transactions.xact_commit.avg`. */
    metric: string;
}

/** What an alarm reads. */
export type MetricSource = CloudWatchMetric | PerfInsightsCounter;

/** The data points of a source, one entry per minute of the evaluation range, oldest first. */
export type MetricData = (source: MetricSource) => readonly Minute[];

/** The state the alarm takes; `UNCHANGED` is `ignore`'s "the current alarm state is maintained". */
export type AlarmState = "OK" | "ALARM" | "INSUFFICIENT_DATA" | "UNCHANGED";

/** The outcome of one evaluation. */
export interface AlarmEvaluation {
    state: AlarmState;
    /** The alarm's data points over the evaluation range, one per period, oldest first (undefined: missing). */
    points: (number | undefined)[];
    /** Seconds per period. */
    periodSeconds: number;
}

/** Refusal: the alarm uses something this evaluator does not implement, or is not a valid alarm. */
export class AlarmEvaluationError extends Error {}

/** The inputs the evaluator judges or ignores (actions, tags and names do not change a state); any other refuses. */
const KNOWN_FIELDS = new Set([
    "name",
    "alarmDescription",
    "alarmActions",
    "okActions",
    "insufficientDataActions",
    "actionsEnabled",
    "tags",
    "comparisonOperator",
    "threshold",
    "evaluationPeriods",
    "datapointsToAlarm",
    "treatMissingData",
    "namespace",
    "metricName",
    "dimensions",
    "statistic",
    "extendedStatistic",
    "period",
    "metricQueries",
]);

/** ALARM_EVALUATION: the four static-threshold comparisons (the anomaly-band ones need a model this does not have). */
const COMPARISONS: Record<string, (v: number, t: number) => boolean> = {
    GreaterThanThreshold: (v, t) => v > t,
    GreaterThanOrEqualToThreshold: (v, t) => v >= t,
    LessThanThreshold: (v, t) => v < t,
    LessThanOrEqualToThreshold: (v, t) => v <= t,
};

/** A time series over the evaluation range, one entry per period (undefined: no data point). */
export type Series = (number | undefined)[];
/** A metric math value: a scalar, a time series, an array of them, or a string argument. */
export type Value = { t: "S"; v: number } | { t: "TS"; v: Series } | { t: "TS[]"; v: Series[] } | { t: "STR"; v: string };

/**
 * Evaluate the alarm `inputs` (a MetricAlarm's registered inputs) over `minutes` minutes of `data`,
 * ending now. Throws {@link AlarmEvaluationError}, naming the alarm, on anything it does not implement.
 */
export function evaluateAlarm(inputs: Record<string, any>, data: MetricData, minutes: number): AlarmEvaluation {
    const name = String(inputs.name ?? "(unnamed alarm)");
    const refuse = (why: string): never => {
        throw new AlarmEvaluationError(`alarm ${name}: ${why}`);
    };
    for (const key of Object.keys(inputs)) if (!KNOWN_FIELDS.has(key)) refuse(`field '${key}' is not implemented`);
    const compare =
        COMPARISONS[inputs.comparisonOperator] ?? refuse(`comparisonOperator '${inputs.comparisonOperator}' is not implemented`);
    const threshold = typeof inputs.threshold === "number" ? inputs.threshold : refuse("no numeric threshold");
    const n = inputs.evaluationPeriods;
    if (!Number.isInteger(n) || n < 1) refuse(`evaluationPeriods ${n}`);
    // ALARM_EVALUATION: Datapoints to Alarm is M of the N Evaluation Periods; without it, N of N.
    const m = inputs.datapointsToAlarm ?? n;
    if (!Number.isInteger(m) || m < 1 || m > n) refuse(`datapointsToAlarm ${m} of ${n}`);
    // alarms-and-missing-data: "The default behavior is missing."
    const treat = inputs.treatMissingData ?? "missing";
    if (!["missing", "notBreaching", "breaching", "ignore"].includes(treat)) refuse(`treatMissingData '${treat}' is not implemented`);

    const { series, periodSeconds } =
        inputs.metricQueries !== undefined ? metricMath(inputs, data, minutes, refuse) : singleMetric(inputs, data, minutes, refuse);
    if (series.length < n)
        refuse(`${minutes} minutes hold ${series.length} periods of ${periodSeconds} s, fewer than evaluationPeriods ${n}`);
    const breaches = (v: number) => compare(v, threshold);

    // ALARM_EVALUATION, "How alarm state is evaluated when data is missing" (oldest first; the newest last):
    const real = series.filter((v): v is number => v !== undefined);
    let evaluated: boolean[];
    if (real.length >= n) {
        // "the number of existing data points retrieved is equal to or more than the alarm's Evaluation Periods: CloudWatch
        // evaluates the alarm state based on the most recent existing data points ... the value you set for how to treat
        // missing data is not needed and is ignored."
        evaluated = real.slice(-n).map(breaches);
    } else if (real.length === 0) {
        // Every point missing: missing → INSUFFICIENT_DATA, ignore → "Retain current state", breaching → ALARM, notBreaching → OK.
        const state: AlarmState =
            treat === "missing" ? "INSUFFICIENT_DATA" : treat === "ignore" ? "UNCHANGED" : treat === "breaching" ? "ALARM" : "OK";
        return { state, points: series, periodSeconds };
    } else if (treat === "breaching" || treat === "notBreaching") {
        // "fills in the missing data points with the result you specified ... any real data points in the evaluation range,
        // no matter when they were reported, are included ... CloudWatch uses missing data points only as few times as possible."
        evaluated = [...Array<boolean>(n - real.length).fill(treat === "breaching"), ...real.map(breaches)];
    } else {
        // missing / ignore with some real points, fewer than N: the guide's tables show OK when a real point is not breaching
        // and fewer than M are ('0 - - - -', '0 - X - -', '- - - - 0'); the others depend on where the points lie
        // ('X - - - -' ALARM, '- - - - X' INSUFFICIENT_DATA for missing), which it does not define: refused.
        const bad = real.filter(breaches).length;
        if (bad < m && bad < real.length) return { state: "OK", points: series, periodSeconds };
        return refuse(`treatMissingData '${treat}' with ${real.length} of ${n} data points, ${bad} breaching: not implemented`);
    }
    // "If fewer than the value of Datapoints to Alarm are breaching, the alarm state is set to OK. Otherwise ... ALARM."
    const state = evaluated.filter(Boolean).length >= m ? "ALARM" : "OK";
    return { state, points: series, periodSeconds };
}

/** The period in whole minutes: standard-resolution periods are multiples of 60 s (PutMetricAlarm `Period`; 10 and 30 s need high-resolution metrics). */
function periodMinutes(period: unknown, refuse: (why: string) => never): number {
    if (typeof period !== "number" || period < 60 || period % 60 !== 0) refuse(`period ${String(period)} is not a multiple of 60 s`);
    return (period as number) / 60;
}

/** The alarm on one metric: `namespace`/`metricName`/`dimensions` with `statistic` or `extendedStatistic`, per `period`. */
function singleMetric(inputs: Record<string, any>, data: MetricData, minutes: number, refuse: (why: string) => never) {
    if (!inputs.namespace || !inputs.metricName) refuse("neither metricQueries nor namespace and metricName");
    if ((inputs.statistic === undefined) === (inputs.extendedStatistic === undefined))
        refuse("needs exactly one of statistic and extendedStatistic");
    const p = periodMinutes(inputs.period, refuse);
    const source: CloudWatchMetric = {
        kind: "metric",
        namespace: inputs.namespace,
        metricName: inputs.metricName,
        dimensions: inputs.dimensions ?? {},
    };
    return {
        series: aggregate(minutesOf(data, source, minutes, refuse), p, inputs.statistic ?? inputs.extendedStatistic, refuse),
        periodSeconds: p * 60,
    };
}

/** The minutes of a source, checked to cover the range. */
function minutesOf(data: MetricData, source: MetricSource, minutes: number, refuse: (why: string) => never): readonly Minute[] {
    const got = data(source);
    if (got.length !== minutes) refuse(`the data of ${JSON.stringify(source)} has ${got.length} minutes, not ${minutes}`);
    return got;
}

/**
 * One value per period from per-minute points (STATISTICS): Sum, Average, Minimum, Maximum, SampleCount (how many values
 * were published), and pNN / pNN.N (the smallest value with at least NN % of the values at or below it). A period without
 * a value is missing. The periods end at the last minute; a partial period at the start is not evaluated.
 */
function aggregate(points: readonly Minute[], p: number, stat: unknown, refuse: (why: string) => never): Series {
    const pct = typeof stat === "string" ? /^p(\d{1,2}(?:\.\d+)?|100)$/.exec(stat) : null;
    const reduce: ((vs: number[]) => number) | undefined =
        stat === "Sum"
            ? (vs) => vs.reduce((a, b) => a + b, 0)
            : stat === "Average"
              ? (vs) => vs.reduce((a, b) => a + b, 0) / vs.length
              : stat === "Minimum"
                ? (vs) => Math.min(...vs)
                : stat === "Maximum"
                  ? (vs) => Math.max(...vs)
                  : stat === "SampleCount"
                    ? (vs) => vs.length
                    : pct
                      ? (vs) => {
                            const sorted = [...vs].sort((a, b) => a - b);
                            return sorted[Math.max(0, Math.ceil((Number(pct[1]) / 100) * sorted.length) - 1)];
                        }
                      : undefined;
    if (!reduce) return refuse(`statistic '${String(stat)}' is not implemented`);
    const periods = Math.floor(points.length / p);
    const start = points.length - periods * p;
    const out: Series = [];
    for (let i = 0; i < periods; i++) {
        const values = points
            .slice(start + i * p, start + (i + 1) * p)
            .flatMap((x) => (x === undefined ? [] : typeof x === "number" ? [x] : [...x]));
        out.push(values.length ? reduce(values) : undefined);
    }
    return out;
}

/** METRIC_MATH: the alarm on `metricQueries`, exactly one of which returns data; every metric at the same period. */
function metricMath(inputs: Record<string, any>, data: MetricData, minutes: number, refuse: (why: string) => never) {
    for (const key of ["namespace", "metricName", "dimensions", "statistic", "extendedStatistic", "period"])
        if (inputs[key] !== undefined) refuse(`'${key}' beside metricQueries`);
    const queries: Record<string, any>[] = inputs.metricQueries;
    const byId = new Map<string, Record<string, any>>();
    for (const q of queries) {
        for (const key of Object.keys(q))
            if (!["id", "metric", "expression", "label", "returnData", "period"].includes(key))
                refuse(`metric query field '${key}' is not implemented`);
        if (!/^[a-z][A-Za-z0-9_]*$/.test(q.id)) refuse(`query id '${q.id}' must start with a lower-case letter`);
        if (byId.has(q.id)) refuse(`query id '${q.id}' twice`);
        if ((q.metric === undefined) === (q.expression === undefined)) refuse(`query ${q.id} needs exactly one of metric and expression`);
        byId.set(q.id, q);
    }
    // PutMetricAlarm: "specify True for the one expression result to use as the alarm"; ReturnData defaults to true.
    const returned = queries.filter((q) => q.returnData !== false);
    if (returned.length !== 1) refuse(`${returned.length} queries return data; an alarm needs exactly one`);
    // "A math expression used for an alarm can include as many as 10 metrics. Each metric must be using the same period."
    const periods = new Set(queries.map((q) => q.metric?.period ?? q.period).filter((p) => p !== undefined));
    if (periods.size !== 1) refuse(`the queries' periods ${JSON.stringify([...periods])}: one period for all`);
    if (queries.filter((q) => q.metric).length > 10) refuse("more than 10 metrics in one alarm");
    const p = periodMinutes([...periods][0], refuse);

    const values = new Map<string, Series>();
    const visiting = new Set<string>();
    const metricSeries = (q: Record<string, any>): Series => {
        const mt = q.metric;
        for (const key of Object.keys(mt))
            if (!["namespace", "metricName", "dimensions", "period", "stat"].includes(key))
                refuse(`metric field '${key}' of ${q.id} is not implemented`);
        const source: CloudWatchMetric = {
            kind: "metric",
            namespace: mt.namespace,
            metricName: mt.metricName,
            dimensions: mt.dimensions ?? {},
        };
        return aggregate(minutesOf(data, source, minutes, refuse), p, mt.stat, refuse);
    };
    const seriesOf = (id: string): Series => {
        const known = values.get(id);
        if (known) return known;
        const q = byId.get(id) ?? refuse(`expression names '${id}', which is no query of the alarm`);
        if (visiting.has(id)) refuse(`query ${id} refers to itself`);
        visiting.add(id);
        let s: Series;
        if (q.metric) s = metricSeries(q);
        else {
            const v = evaluateExpression(String(q.expression), {
                ref: seriesOf,
                metrics: () => queries.filter((x) => x.metric).map((x) => seriesOf(x.id)),
                perfInsights: (service, identifier, metric) => perfInsights(service, identifier, metric, data, minutes, p, refuse),
                periods: Math.floor(minutes / p),
                refuse: (why) => refuse(`expression ${q.id} '${q.expression}': ${why}`),
            });
            if (v.t !== "TS") refuse(`expression ${q.id} '${q.expression}' is not a single time series`);
            s = v.v as Series;
        }
        visiting.delete(id);
        values.set(id, s);
        return s;
    };
    return { series: seriesOf(returned[0].id), periodSeconds: p * 60 };
}

/**
 * DB_PERF_INSIGHTS(service, identifier, metric): a Performance Insights counter as a time series. The service is 'RDS' or
 * 'DOCDB', the identifier the instance's DbiResourceId ("you must specify the Unique Database Resource ID of the database.
 * This is different than the database identifier"), the metric a counter with its aggregate suffix (e.g.
 * 'os.cpuUtilization.user.avg'); the counter's minutes are aggregated over the expression's period as the suffix says.
 */
function perfInsights(
    service: string,
    identifier: string,
    metric: string,
    data: MetricData,
    minutes: number,
    p: number,
    refuse: (why: string) => never,
): Series {
    if (service !== "RDS" && service !== "DOCDB") refuse(`DB_PERF_INSIGHTS service '${service}': RDS or DOCDB`);
    if (!/^db-[A-Z0-9]+$/.test(identifier)) refuse(`DB_PERF_INSIGHTS identifier '${identifier}' is not a DbiResourceId (db-…)`);
    const suffix =
        /\.(avg|min|max|sum)$/.exec(metric)?.[1] ??
        refuse(`DB_PERF_INSIGHTS metric '${metric}' has no aggregate suffix (.avg, .min, .max, .sum)`);
    const stat = { avg: "Average", min: "Minimum", max: "Maximum", sum: "Sum" }[suffix as "avg"];
    return aggregate(minutesOf(data, { kind: "perfInsights", service, identifier, metric }, minutes, refuse), p, stat, refuse);
}

/** What an expression reads: the queries' series by id, METRICS(), DB_PERF_INSIGHTS, the range's periods; and how it refuses. */
export interface MathContext {
    ref: (id: string) => Series;
    metrics: () => Series[];
    perfInsights: (service: string, identifier: string, metric: string) => Series;
    periods: number;
    refuse: (why: string) => never;
}

type Token = { k: "num"; v: number } | { k: "id"; v: string } | { k: "str"; v: string } | { k: "op"; v: string };

function tokenize(text: string, refuse: (why: string) => never): Token[] {
    const out: Token[] = [];
    const re =
        /\s*(?:(\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|'([^']*)'|"([^"]*)"|(==|!=|<=|>=|&&|\|\||[-+*/^<>(),[\]]))/y;
    let i = 0;
    while (i < text.length) {
        if (/^\s*$/.test(text.slice(i))) break;
        re.lastIndex = i;
        const m = re.exec(text);
        if (!m) return refuse(`cannot read '${text.slice(i)}'`);
        i = re.lastIndex;
        if (m[1] !== undefined) out.push({ k: "num", v: Number(m[1]) });
        else if (m[2] !== undefined) out.push({ k: "id", v: m[2] });
        else if (m[3] !== undefined || m[4] !== undefined) out.push({ k: "str", v: m[3] ?? m[4] });
        else out.push({ k: "op", v: m[5] });
    }
    return out;
}

/** METRIC_MATH over the queries' series: the subset the program's alarms use (see each operation's comment). */
export function evaluateExpression(text: string, ctx: MathContext): Value {
    const tokens = tokenize(text, ctx.refuse);
    let pos = 0;
    const peek = () => tokens[pos];
    const isOp = (v: string) => peek()?.k === "op" && peek()!.v === v;
    const isWord = (v: string) => peek()?.k === "id" && peek()!.v === v;
    const expect = (v: string) => {
        if (!isOp(v)) ctx.refuse(`expected '${v}' at token ${pos}`);
        pos++;
    };
    const or = (): Value => {
        let left = and();
        while (isOp("||") || isWord("OR")) {
            pos++;
            left = binary("OR", left, and(), ctx);
        }
        return left;
    };
    const and = (): Value => {
        let left = comparison();
        while (isOp("&&") || isWord("AND")) {
            pos++;
            left = binary("AND", left, comparison(), ctx);
        }
        return left;
    };
    const comparison = (): Value => {
        const left = additive();
        for (const op of ["==", "!=", "<=", ">=", "<", ">"])
            if (isOp(op)) {
                pos++;
                return binary(op, left, additive(), ctx);
            }
        return left;
    };
    const additive = (): Value => {
        let left = multiplicative();
        while (isOp("+") || isOp("-")) {
            const op = tokens[pos++].v as string;
            left = binary(op, left, multiplicative(), ctx);
        }
        return left;
    };
    const multiplicative = (): Value => {
        let left = unary();
        while (isOp("*") || isOp("/")) {
            const op = tokens[pos++].v as string;
            left = binary(op, left, unary(), ctx);
        }
        return left;
    };
    const unary = (): Value => {
        if (isOp("-")) {
            pos++;
            return binary("*", { t: "S", v: -1 }, unary(), ctx);
        }
        const base = primary();
        if (isOp("^")) {
            pos++;
            return binary("^", base, unary(), ctx);
        }
        return base;
    };
    const primary = (): Value => {
        const t = tokens[pos++] ?? ctx.refuse("unexpected end");
        if (t.k === "num") return { t: "S", v: t.v };
        if (t.k === "str") return { t: "STR", v: t.v };
        if (t.k === "op" && t.v === "(") {
            const v = or();
            expect(")");
            return v;
        }
        if (t.k === "op" && t.v === "[") {
            const items: Series[] = [];
            do {
                const v = or();
                if (v.t === "TS") items.push(v.v);
                else if (v.t === "TS[]") items.push(...v.v);
                else ctx.refuse("an array holds time series only");
            } while (isOp(",") && ++pos);
            expect("]");
            return { t: "TS[]", v: items };
        }
        if (t.k !== "id") return ctx.refuse(`unexpected '${t.v}'`);
        if (!isOp("(")) return { t: "TS", v: ctx.ref(t.v as string) };
        pos++;
        const args: Value[] = [];
        if (!isOp(")")) {
            do args.push(or());
            while (isOp(",") && ++pos);
        }
        expect(")");
        return call(t.v as string, args, ctx);
    };
    const result = or();
    if (pos !== tokens.length) ctx.refuse(`unexpected '${String(tokens[pos].v)}'`);
    return result;
}

const ARITHMETIC: Record<string, (a: number, b: number) => number | undefined> = {
    "+": (a, b) => a + b,
    "-": (a, b) => a - b,
    "*": (a, b) => a * b,
    // "If the value of a data point causes a function to attempt to divide by zero, the data point is dropped."
    "/": (a, b) => (b === 0 ? undefined : a / b),
    "^": (a, b) => a ** b,
    "==": (a, b) => Number(a === b),
    "!=": (a, b) => Number(a !== b),
    "<=": (a, b) => Number(a <= b),
    ">=": (a, b) => Number(a >= b),
    "<": (a, b) => Number(a < b),
    ">": (a, b) => Number(a > b),
    AND: (a, b) => Number(a !== 0 && b !== 0),
    OR: (a, b) => Number(a !== 0 || b !== 0),
};

/**
 * Arithmetic, comparison and logical operators (METRIC_MATH, "Basic arithmetic functions", "Comparison and logical
 * operators"): scalar with scalar gives a scalar; a time series with a scalar, each of the series' points (a missing point
 * stays missing); two time series, each timestamp where either has a point, the other's missing value as 0 ("Missing
 * values in a time series are treated as 0"; for comparisons "the function treats the missing value in the other time
 * series as 0"); an array, each of its series. Division by zero drops the point.
 */
function binary(op: string, a: Value, b: Value, ctx: MathContext): Value {
    const f = ARITHMETIC[op] ?? ctx.refuse(`operator '${op}' is not implemented`);
    if (a.t === "STR" || b.t === "STR") return ctx.refuse(`operator '${op}' on a string`);
    if (a.t === "TS[]" && b.t === "TS[]") return ctx.refuse(`operator '${op}' between two arrays is not implemented`);
    if (a.t === "TS[]") return { t: "TS[]", v: a.v.map((s) => (binary(op, { t: "TS", v: s }, b, ctx) as { v: Series }).v) };
    if (b.t === "TS[]") return { t: "TS[]", v: b.v.map((s) => (binary(op, a, { t: "TS", v: s }, ctx) as { v: Series }).v) };
    if (a.t === "S" && b.t === "S") {
        const v = f(a.v, b.v);
        return v === undefined ? ctx.refuse("division of scalars by zero") : { t: "S", v };
    }
    if (a.t === "TS" && b.t === "TS")
        return { t: "TS", v: a.v.map((x, i) => (x === undefined && b.v[i] === undefined ? undefined : f(x ?? 0, b.v[i] ?? 0))) };
    if (a.t === "TS" && b.t === "S") return { t: "TS", v: a.v.map((x) => (x === undefined ? undefined : f(x, b.v))) };
    const s = (a as { v: number }).v;
    return { t: "TS", v: (b as { v: Series }).v.map((x) => (x === undefined ? undefined : f(s, x))) };
}

/** The functions of METRIC_MATH's table the program's alarms use; any other refuses. */
function call(fn: string, args: Value[], ctx: MathContext): Value {
    const arity = (...allowed: number[]) => {
        if (!allowed.includes(args.length)) ctx.refuse(`${fn} takes ${allowed.join(" or ")} arguments, not ${args.length}`);
    };
    switch (fn) {
        case "METRICS":
            // "The METRICS() function returns all the metrics in the request. Math expressions aren't included."
            // (METRICS('text') filters by id: not implemented.)
            arity(0);
            return { t: "TS[]", v: ctx.metrics() };
        case "FILL": {
            // FILL(TS | TS[], S): "Fills the missing values of a time series" with the scalar, at every period of the range.
            // (FILL with a time series, REPEAT or LINEAR: not implemented.)
            arity(2);
            const [x, with_] = args;
            if (with_.t !== "S") return ctx.refuse("FILL with anything but a scalar is not implemented");
            const fill = (s: Series) => Array.from({ length: ctx.periods }, (_, i) => s[i] ?? with_.v);
            if (x.t === "TS") return { t: "TS", v: fill(x.v) };
            if (x.t === "TS[]") return { t: "TS[]", v: x.v.map(fill) };
            return ctx.refuse("FILL of a scalar");
        }
        case "IF":
            arity(2, 3);
            return ifExpression(args[0], args[1], args[2], ctx);
        case "MAX":
        case "MIN":
        case "SUM":
        case "AVG": {
            // Of an array: "returns a single time series" (each timestamp where a series has a point). AVG and SUM treat a
            // missing value as 0 (AVG: "Missing values are treated as 0", as arithmetic does); MAX and MIN take the values
            // present (the guide does not say: for the non-negative series these alarms read, MAX is the same either way).
            // Of a single series the result is a scalar over the whole range, which the guide advises against in alarms
            // ("This function acts differently when extra data is requested"): not implemented.
            arity(1);
            const [x] = args;
            if (x.t !== "TS[]") return ctx.refuse(`${fn} of a single time series (a scalar over the evaluation range) is not implemented`);
            const v: Series = Array.from({ length: ctx.periods }, (_, i) => {
                const present = x.v.map((s) => s[i]).filter((p): p is number => p !== undefined);
                if (present.length === 0) return undefined;
                if (fn === "MAX") return Math.max(...present);
                if (fn === "MIN") return Math.min(...present);
                const sum = present.reduce((a, b) => a + b, 0);
                return fn === "SUM" ? sum : sum / x.v.length;
            });
            return { t: "TS", v };
        }
        case "DB_PERF_INSIGHTS": {
            arity(3);
            if (args.some((a) => a.t !== "STR"))
                return ctx.refuse("DB_PERF_INSIGHTS takes three strings (lists of metrics: not implemented)");
            const [service, identifier, metric] = args.map((a) => a.v as string);
            return { t: "TS", v: ctx.perfInsights(service, identifier, metric) };
        }
        default:
            return ctx.refuse(`function ${fn} is not implemented`);
    }
}

/**
 * IF(condition, trueValue[, falseValue]) (METRIC_MATH, "Using IF expressions"), per timestamp of a time-series condition:
 * non-zero is true; no condition point, no output point; true: the scalar, or the series' point (0 where it has none:
 * "has the value of 0, if ... TRUE and the corresponding data point does not exist in metric2"); false: the scalar, the
 * series' point, or none (falseValue omitted, or the series has no point: "is dropped"). A scalar condition picks a series.
 */
function ifExpression(cond: Value, yes: Value, no: Value | undefined, ctx: MathContext): Value {
    if (yes.t === "STR" || yes.t === "TS[]" || no?.t === "STR" || no?.t === "TS[]")
        return ctx.refuse("IF over strings or arrays is not implemented");
    if (cond.t === "S") {
        if (yes.t !== "TS" || (no && no.t !== "TS")) return ctx.refuse("IF(scalar, …) takes time series");
        return cond.v !== 0 ? yes : (no ?? { t: "TS", v: Array<undefined>(ctx.periods).fill(undefined) });
    }
    if (cond.t !== "TS") return ctx.refuse("IF's condition is a time series or a scalar");
    const pick = (v: Value | undefined, i: number, missing: number | undefined) =>
        v === undefined ? undefined : v.t === "S" ? v.v : ((v.v as Series)[i] ?? missing);
    return { t: "TS", v: cond.v.map((c, i) => (c === undefined ? undefined : c !== 0 ? pick(yes, i, 0) : pick(no, i, undefined))) };
}
