/**
 * The offline CloudWatch alarm evaluator (cloudwatch-alarm.ts) reproduces the CloudWatch User Guide's own examples: the
 * missing-data tables of "How alarm state is evaluated when data is missing", the comparison and IF tables of "Metric
 * math syntax and functions", and refuses what it does not implement, naming the alarm.
 */
import { strict as assert } from "assert";
import { AlarmEvaluationError, evaluateAlarm, evaluateExpression, type MathContext, type Minute, type Series } from "./cloudwatch-alarm";

/** A one-metric alarm `name` over 5-minute periods: above 0 breaches. */
const alarm = (n: number, m: number, treatMissingData: string) => ({
    name: "example",
    namespace: "Example",
    metricName: "Errors",
    statistic: "Sum",
    period: 300,
    comparisonOperator: "GreaterThanThreshold",
    threshold: 0,
    evaluationPeriods: n,
    datapointsToAlarm: m,
    treatMissingData,
});

/** The guide's data points ('0' not breaching, 'X' breaching, '-' missing; the oldest first) as 5-minute periods. */
function points(row: string): Minute[] {
    return row.split(" ").flatMap((p) => Array<Minute>(5).fill(p === "-" ? undefined : p === "X" ? 1 : 0));
}

const TREATMENTS = ["missing", "ignore", "breaching", "notBreaching"];
const state = (n: number, m: number, treat: string, row: string) => {
    const minutes = points(row);
    return evaluateAlarm(alarm(n, m, treat), () => minutes, minutes.length).state;
};

describe("CloudWatch alarm evaluator (offline): the User Guide's examples", () => {
    // AlarmThatSendsEmail.md ("How alarm state is evaluated when data is missing"), first table: 3 of 3, 5 points retrieved.
    // A case the guide leaves to the points' positions is refused (null).
    const THREE_OF_THREE: [string, (string | null)[]][] = [
        ["0 - X - X", ["OK", "OK", "OK", "OK"]],
        ["0 - - - -", ["OK", "OK", "OK", "OK"]],
        ["- - - - -", ["INSUFFICIENT_DATA", "UNCHANGED", "ALARM", "OK"]],
        ["0 X X - X", ["ALARM", "ALARM", "ALARM", "ALARM"]],
        ["- - - - X", [null, null, "ALARM", "OK"]],
        ["X - - - -", [null, null, "ALARM", "OK"]],
    ];
    // Second table: 2 of 3.
    const TWO_OF_THREE: [string, (string | null)[]][] = [
        ["0 - X - X", ["ALARM", "ALARM", "ALARM", "ALARM"]],
        ["0 0 X 0 X", ["ALARM", "ALARM", "ALARM", "ALARM"]],
        ["0 - X - -", ["OK", "OK", "ALARM", "OK"]],
        ["- - - - 0", ["OK", "OK", "ALARM", "OK"]],
        ["- - - - X", [null, null, "ALARM", "OK"]],
    ];
    for (const [m, table] of [
        [3, THREE_OF_THREE],
        [2, TWO_OF_THREE],
    ] as const)
        for (const [row, expected] of table)
            it(`${m} of 3, '${row}': ${expected.map((e, i) => `${TREATMENTS[i]} ${e ?? "refused"}`).join(", ")}`, () => {
                TREATMENTS.forEach((treat, i) => {
                    if (expected[i] === null) assert.throws(() => state(3, m, treat, row), AlarmEvaluationError);
                    else assert.equal(state(3, m, treat, row), expected[i], `${treat}`);
                });
            });

    /** An expression over the guide's example series (one period each). */
    const math = (text: string, series: Record<string, Series>) =>
        evaluateExpression(text, {
            ref: (id) => series[id],
            metrics: () => Object.values(series),
            perfInsights: () => assert.fail("no counter"),
            periods: Object.values(series)[0].length,
            refuse: (why) => {
                throw new AlarmEvaluationError(why);
            },
        } satisfies MathContext);

    it("comparison and logical operators: the guide's metric1 [30, 20, 0, 0], metric2 [20, -, 20, -]", () => {
        const series = { metric1: [30, 20, 0, 0], metric2: [20, undefined, 20, undefined] };
        assert.deepEqual(math("(metric1 < metric2)", series).v, [0, 0, 1, 0]);
        assert.deepEqual(math("(metric1 >= 30)", series).v, [1, 0, 0, 0]);
        assert.deepEqual(math("(metric1 > 15 AND metric2 > 15)", series).v, [1, 0, 0, 0]);
    });

    it("IF: the guide's tables (a missing true branch is 0, a missing false branch or condition drops the point)", () => {
        const series = { metric1: [1, 1, 0, 0, undefined], metric2: [30, undefined, 0, 0, 30], metric3: [0, 0, 20, undefined, 20] };
        assert.deepEqual(math("IF(metric1, metric2, metric3)", series).v, [30, 0, 20, undefined, undefined]);
        assert.deepEqual(math("IF(metric1, 5, metric3)", series).v, [5, 5, 20, undefined, undefined]);
        assert.deepEqual(math("IF(metric1, metric2, 5)", series).v, [30, 0, 5, 5, undefined]);
    });

    it("arithmetic: a missing value is 0 beside a point, a division by zero drops the point; FILL fills every period", () => {
        const series = { a: [10, undefined, 4, undefined], b: [2, 5, 0, undefined] };
        assert.deepEqual(math("a / b", series).v, [5, 0, undefined, undefined]);
        assert.deepEqual(math("100 * FILL(a, 0) / FILL(b, 1)", series).v, [500, 0, undefined, 0]);
        assert.deepEqual(math("MAX([a, b])", series).v, [10, 5, 4, undefined]);
        assert.deepEqual(math("SUM(FILL(METRICS(), 0))", series).v, [12, 5, 4, 0]);
    });

    it("refuses, naming the alarm, a function, a statistic, a field or a comparison it does not implement", () => {
        const data = () => Array<Minute>(15).fill(1);
        const base = alarm(3, 3, "notBreaching");
        const refused = (inputs: Record<string, unknown>, what: RegExp) =>
            assert.throws(
                () => evaluateAlarm(inputs, data, 15),
                (err: Error) => err instanceof AlarmEvaluationError && /^alarm example: /.test(err.message) && what.test(err.message),
            );
        refused({ ...base, statistic: "tm99" }, /statistic 'tm99'/);
        refused({ ...base, unit: "Count" }, /field 'unit'/);
        refused({ ...base, comparisonOperator: "GreaterThanUpperThreshold" }, /comparisonOperator/);
        const math = (expression: string) => ({
            ...base,
            namespace: undefined,
            metricName: undefined,
            statistic: undefined,
            period: undefined,
            metricQueries: [
                { id: "m1", metric: { namespace: "Example", metricName: "Errors", period: 300, stat: "Sum" }, returnData: false },
                { id: "e1", expression, returnData: true },
            ],
        });
        const clean = (inputs: Record<string, unknown>) => Object.fromEntries(Object.entries(inputs).filter(([, v]) => v !== undefined));
        refused(clean(math("RATE(m1)")), /function RATE is not implemented/);
        refused(clean(math("FILL(m1, REPEAT)")), /REPEAT/);
        refused(clean(math("MAX(m1)")), /MAX of a single time series/);
        refused(clean(math("m2 + 1")), /'m2', which is no query/);
        assert.equal(evaluateAlarm(clean(math("FILL(m1, 0) * 2")), data, 15).state, "ALARM");
    });
});
