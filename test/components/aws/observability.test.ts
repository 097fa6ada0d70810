/**
 * CloudWatch from the observability plan (components/aws/observability.ts), read from MealKitz's
 * real prod plan (the cached whole-program run other tests share): an error-line metric filter on
 * every service's log group, the ErrorLogs alarm over exactly what the filters publish, and the
 * saved Logs Insights queries over every service's log group.
 */
import { strict as assert } from "assert";
import { errorLinePattern, errorLineRegex, LOG_QUERIES } from "../../../components/aws/observability";
import { ERROR_LINES } from "../../../plan";
import { planStack, type Plan } from "../../harness";

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
