/**
 * Every CloudWatch alarm of the five presets on prod (ECS) and on prod-eks (EKS placement), judged on series (issues 22
 * and 23): the offline evaluator (cloudwatch-alarm.ts) runs each alarm as the program registers it over per-minute data
 * points, and the alarm must stay OK on a healthy series and go to ALARM on a failing one derived from what the plan says
 * the alert means (the catalogue's thresholds, windows and durations, plan/observability.ts; a rollout's analysis,
 * plan/rollout.ts; a service's ceiling and targets; else the bound and duration its description states), and at the edge:
 * at the bound (OK), just past it (ALARM), one period short of the duration (OK). A rollback alarm must be listed by its
 * ECS service with `rollback: true`. An alarm of a kind without a case fails the coverage test.
 *
 * The plans are the whole-program runs the other tests share (planStack); the plan is planOf (no resources).
 */
import { strict as assert } from "assert";
import { planOf } from "../../deploy";
import { loadStack, presetNames } from "../../model";
import { ALERT_IDS, type AlertPlan, type SystemPlan } from "../../plan";
import { planStack, stackConfig, type Plan } from "../harness";
import { evaluateAlarm, type MetricData, type MetricSource, type Minute } from "./cloudwatch-alarm";

const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const GiB = 2 ** 30;

/** One series an alarm is fed and the state it must take. */
interface Scenario {
    label: string;
    expect: "OK" | "ALARM";
    minutes: number;
    data: MetricData;
}

/** What a case reads: the system's plan, the alarm's inputs, its subject (the name between the system and the alarm's suffix). */
interface Context {
    plan: SystemPlan;
    alarm: Record<string, any>;
    /** The alert of the catalogue the alarm renders (its description's first word and its subject). */
    alert: () => AlertPlan;
    subject: (suffix: string) => string;
}

/**
 * A signal against a bound: the value just past it (breaching), at it (not breaching), healthy, how long the condition
 * must hold, and each source's minute when the signal has a level.
 */
interface Level {
    says: string;
    over: number;
    at: number;
    healthy: number;
    forMinutes: number;
    minute: (source: MetricSource, level: number) => Minute;
    /** No data point from any source for the whole range (no traffic): what the alarm must do. @default not judged */
    silent?: { label: string; expect: "OK" | "ALARM" };
}

/** The alarm's period in minutes: its own, or its queries'. */
function periodMinutes(a: Record<string, any>): number {
    const p = a.period ?? a.metricQueries.map((q: any) => q.metric?.period ?? q.period).find((x: unknown) => x !== undefined);
    return p / 60;
}

/** The standard scenarios of a level signal: healthy, past the bound for the duration, at the bound, one period short. */
function levels(a: Record<string, any>, l: Level): Scenario[] {
    const p = periodMinutes(a);
    const minutes = (Math.max(a.evaluationPeriods, Math.ceil(l.forMinutes / p)) + 2) * p;
    const series =
        (level: (i: number) => number): MetricData =>
        (s) =>
            Array.from({ length: minutes }, (_, i) => l.minute(s, level(i)));
    const last = (k: number, v: number) => series((i) => (i >= minutes - k ? v : l.healthy));
    const out: Scenario[] = [
        { label: `healthy (${l.healthy})`, expect: "OK", minutes, data: series(() => l.healthy) },
        { label: `${l.says}: ${l.over} for the last ${l.forMinutes} min`, expect: "ALARM", minutes, data: last(l.forMinutes, l.over) },
        { label: `at the bound (${l.at}) for the last ${l.forMinutes} min`, expect: "OK", minutes, data: last(l.forMinutes, l.at) },
    ];
    if (l.silent) out.push({ ...l.silent, minutes, data: () => Array<Minute>(minutes).fill(undefined) });
    if (l.forMinutes > p)
        out.push({
            label: `${l.over} for ${l.forMinutes - p} min, one period short`,
            expect: "OK",
            minutes,
            data: last(l.forMinutes - p, l.over),
        });
    return out;
}

/**
 * A count of events per period that must not stay at zero (a backup, a restore test, a job started): scenarios by the age
 * of the last event. `boundMinutes` is the age above which it fires.
 */
function ages(a: Record<string, any>, says: string, boundMinutes: number): Scenario[] {
    const minutes = (a.evaluationPeriods + 2) * periodMinutes(a);
    const at =
        (...eventAges: number[]): MetricData =>
        () =>
            Array.from({ length: minutes }, (_, i) => (eventAges.includes(minutes - 1 - i) ? 1 : undefined));
    return [
        { label: "healthy: the last one 30 min ago, one a day before", expect: "OK", minutes, data: at(30, 30 + 1440) },
        { label: `${says}: none in the evaluation range`, expect: "ALARM", minutes, data: at() },
        { label: `the last one ${boundMinutes - 1} min ago (inside the bound)`, expect: "OK", minutes, data: at(boundMinutes - 1) },
        { label: `${says}: the last one ${boundMinutes + 1} min ago`, expect: "ALARM", minutes, data: at(boundMinutes + 1) },
    ];
}

const metricName = (s: MetricSource) => (s.kind === "metric" ? s.metricName : s.metric);
const dims = (s: MetricSource) => (s.kind === "metric" ? s.dimensions : {});
/** Numbers of the description: `re`'s groups. */
function described(a: Record<string, any>, re: RegExp): number[] {
    const m = re.exec(a.alarmDescription);
    assert.ok(m, `${a.name}: the description '${a.alarmDescription}' does not state ${re}`);
    return m.slice(1).map(Number);
}
/** The alarm's own duration: its evaluation periods (where the description states none). */
const ownMinutes = (a: Record<string, any>) => (a.datapointsToAlarm ?? a.evaluationPeriods) * periodMinutes(a);
/** 100 samples per minute: the slowest `slow` at `level` seconds, the rest at 50 ms (or the level, if lower). */
const latencySamples = (level: number, slow: number): number[] => [
    ...Array<number>(100 - slow).fill(Math.min(0.05, level)),
    ...Array<number>(slow).fill(level),
];
/** The first metric query's dimension `key` (the target group, node, ... the failing case puts its failure on). */
const firstDimension = (a: Record<string, any>, key: string): string => a.metricQueries.find((q: any) => q.metric).metric.dimensions[key];
/** The duration of a catalogue alert: at least one window. */
const alertMinutes = (al: AlertPlan) => Math.max(al.windowMinutes, al.forMinutes);

/** A share of 5xx answers (percent) over `requests` per minute. */
const share = (level: number, requests: number) => (level * requests) / 100;

/** How each kind of alarm ({@link kindOf}) is fed. */
const CASES: Record<string, (c: Context) => Scenario[]> = {
    // monitoring.ts AwsAppAlarms alb-5xx-rate: the seeds' HighErrorRate, the load balancer's share of 5xx answers.
    HighErrorRate: ({ alarm, alert }) => {
        const al = alert();
        const bound = al.threshold * 100;
        return levels(alarm, {
            says: `more than ${bound}% of the load balancer's requests answered 5xx`,
            over: bound + 0.1,
            at: bound,
            healthy: bound / 5,
            forMinutes: alertMinutes(al),
            silent: { label: "a quiet night: no request at all", expect: "OK" },
            // Half the 5xx answers from the targets, half from the load balancer itself.
            minute: (s, level) =>
                metricName(s) === "RequestCount"
                    ? 1000
                    : metricName(s).endsWith("5XX_Count")
                      ? share(level, 1000) / 2
                      : assert.fail(metricName(s)),
        });
    },
    ErrorLogs: ({ alarm, alert }) => {
        const al = alert();
        const sources = alarm.metricQueries ? alarm.metricQueries.filter((q: any) => q.metric).length : 1;
        return levels(alarm, {
            says: `more than ${al.threshold} error lines in ${al.windowMinutes} minutes`,
            over: al.threshold + 1,
            at: al.threshold,
            healthy: 2,
            forMinutes: alertMinutes(al),
            // The lines spread over the window's minutes and the services' metrics.
            minute: (_s, level) => level / al.windowMinutes / sources,
        });
    },
    HighErrorRatio: ({ alarm, alert }) => {
        const al = alert();
        const bound = al.threshold * 100;
        const first = firstDimension(alarm, "TargetGroup");
        return levels(alarm, {
            says: `more than ${bound}% of the service's requests answered 5xx`,
            over: bound + 0.1,
            at: bound,
            healthy: bound / 5,
            forMinutes: alertMinutes(al),
            silent: { label: "a quiet night: no request at all", expect: "OK" },
            // 900 requests a minute to the first target group, 100 to any other, at the same share.
            minute: (s, level) => {
                const requests = dims(s).TargetGroup === first ? 900 : 100;
                return metricName(s) === "RequestCount" ? requests : share(level, requests);
            },
        });
    },
    HighLatencyP99: ({ alarm, alert }) => {
        const al = alert();
        const first = firstDimension(alarm, "TargetGroup");
        return levels(alarm, {
            says: `p99 response time above ${al.threshold} s`,
            over: al.threshold + 0.001,
            at: al.threshold,
            healthy: al.threshold / 4,
            forMinutes: alertMinutes(al),
            silent: { label: "a quiet night: no request at all", expect: "OK" },
            // The first target group slow (2 % of its requests), any other healthy: the worst one counts.
            minute: (s, level) => latencySamples(dims(s).TargetGroup === first ? level : al.threshold / 4, 2),
        });
    },
    "AWS/ApplicationELB TargetResponseTime": ({ alarm, plan }) => {
        const bound = plan.monitoring.p99LatencyMs / 1000;
        return levels(alarm, {
            says: `the load balancer's p99 target response time above ${plan.monitoring.p99LatencyMs} ms`,
            over: bound + 0.001,
            at: bound,
            healthy: bound / 4,
            forMinutes: described(alarm, /for (\d+) minutes/)[0],
            silent: { label: "a quiet night: no request at all", expect: "OK" },
            minute: (_s, level) => latencySamples(level, 2),
        });
    },
    ReplicasUnavailable: (c) => runningTasks(c),
    SchedulerNotRunning: (c) => runningTasks(c),
    DatastoreNotReady: ({ alarm, alert }) => {
        const al = alert();
        const instances: string[] = alarm.metricQueries.filter((q: any) => q.metric).map((q: any) => JSON.stringify(q.metric.dimensions));
        return levels(alarm, {
            says: `fewer than ${al.threshold} ready instances`,
            over: al.threshold - 1,
            at: al.threshold,
            healthy: instances.length,
            forMinutes: alertMinutes(al),
            // The first `level` instances report a value each minute; the others none.
            minute: (s, level) => (instances.indexOf(JSON.stringify(dims(s))) < level ? 12 : undefined),
            silent: { label: "no data point from any instance", expect: "ALARM" },
        });
    },
    DatabaseSlowQueries: ({ alarm, alert }) => {
        const al = alert();
        return levels(alarm, {
            says: `more than ${al.threshold} commits per second`,
            over: al.threshold + 1,
            at: al.threshold,
            healthy: al.threshold / 10,
            forMinutes: alertMinutes(al),
            minute: (s, level) => (s.kind === "perfInsights" ? level : assert.fail(`${alarm.name} reads ${JSON.stringify(s)}`)),
        });
    },
    BackupMissing: ({ alarm, alert }) => ages(alarm, "no backup completed", alert().threshold / 60),
    RestoreTestFailed: ({ alarm, alert }) => ages(alarm, "no restore test completed", alert().windowMinutes),
    "AWS/Backup NumberOfBackupJobsCreated": ({ alarm }) => ages(alarm, "no backup job started", described(alarm, /in (\d+) hours/)[0] * 60),
    // A failed job is a data point; AWS Backup's hours with jobs and no failure publish 0. The guide: with enough real points,
    // the most recent are evaluated, so a failure stays in ALARM until a newer hour publishes 0 (or it leaves the range).
    "AWS/Backup NumberOfBackupJobsFailed": ({ alarm }) => {
        const p = periodMinutes(alarm);
        const minutes = (alarm.evaluationPeriods + 2) * p;
        const hours =
            (failedAge: number | undefined, zeroSince: number): MetricData =>
            () =>
                Array.from({ length: minutes }, (_, i) => {
                    const age = minutes - 1 - i;
                    return age === failedAge ? 1 : age < zeroSince && age % p === 5 ? 0 : undefined;
                });
        return [
            { label: "healthy: jobs every hour, none failed", expect: "OK", minutes, data: hours(undefined, minutes) },
            { label: "a backup job failed 10 min ago", expect: "ALARM", minutes, data: hours(10, 0) },
            {
                label: `a job failed ${p + 10} min ago, an hour of jobs without failure since`,
                expect: "OK",
                minutes,
                data: hours(p + 10, p),
            },
        ];
    },
    "rollout-5xx": (c) => {
        const a = rolloutAnalysis(c);
        const alternate = c.alarm.metricQueries.find((q: any) => /alternate$/.test(q.id) && q.metric).metric.dimensions.TargetGroup;
        const scenarios = levels(c.alarm, {
            says: `more than ${a.errorRatePercent}% of the new revision's (canary's) requests answered 5xx`,
            over: a.errorRatePercent + 0.1,
            at: a.errorRatePercent,
            healthy: a.errorRatePercent / 5,
            forMinutes: a.failuresToAbort * rolloutPeriodMinutes(a.intervalSeconds),
            silent: { label: "no deployment traffic: no request to either target group", expect: "OK" },
            // The canary's 50 requests a minute on the alternate target group at the level, the 950 of the primary healthy.
            minute: (s, level) => {
                const canary = dims(s).TargetGroup === alternate;
                const requests = canary ? 50 : 950;
                return metricName(s) === "RequestCount" ? requests : share(canary ? level : a.errorRatePercent / 5, requests);
            },
        });
        const { minutes } = scenarios[0];
        return [
            ...scenarios,
            {
                label: "the primary target group failing, the alternate without requests",
                expect: "ALARM",
                minutes,
                data: rolloutData(alternate, minutes, a.errorRatePercent + 0.1, -1),
            },
        ];
    },
    "rollout-latency": (c) => {
        const a = rolloutAnalysis(c);
        const bound = a.latencyMs / 1000;
        const alternate = c.alarm.metricQueries.find((q: any) => /alternate$/.test(q.id) && q.metric).metric.dimensions.TargetGroup;
        return levels(c.alarm, {
            says: `the new revision's p${a.latencyPercentile} response time above ${a.latencyMs} ms`,
            over: bound + 0.001,
            at: bound,
            healthy: bound / 4,
            forMinutes: a.failuresToAbort * rolloutPeriodMinutes(a.intervalSeconds),
            silent: { label: "no deployment traffic: no request to either target group", expect: "OK" },
            minute: (s, level) => latencySamples(dims(s).TargetGroup === alternate ? level : bound / 4, 100 - a.latencyPercentile + 2),
        });
    },
    "ECS/ContainerInsights RunningTaskCount + AWS/ECS CPUUtilization": (c) => atCeiling(c, "cpu"),
    "ECS/ContainerInsights RunningTaskCount + AWS/ECS MemoryUtilization": (c) => atCeiling(c, "memory"),
    "AWS/RDS CPUUtilization": ({ alarm }) => percentFor(alarm, /CPU above (\d+)% for (\d+) minutes/, "CPU"),
    "AWS/DocDB CPUUtilization": ({ alarm }) => percentFor(alarm, /CPU above (\d+)% for (\d+) minutes/, "CPU"),
    "AWS/ElastiCache EngineCPUUtilization": ({ alarm }) =>
        percentFor(alarm, /CPU above (\d+)% for (\d+) minutes/, "the worst node's engine CPU"),
    "AWS/ElastiCache DatabaseMemoryUsagePercentage": ({ alarm }) =>
        percentFor(alarm, /memory above (\d+)% for (\d+) minutes/, "the worst node's memory"),
    "AWS/ElastiCache Evictions": ({ alarm }) => {
        const [keys, per] = described(alarm, /more than (\d+) keys evicted per (\d+) minutes/);
        const first = firstDimension(alarm, "CacheClusterId");
        return levels(alarm, {
            says: `more than ${keys} keys evicted per ${per} minutes on a node`,
            over: keys + 5,
            at: keys,
            healthy: 0,
            forMinutes: ownMinutes(alarm),
            minute: (s, level) => (dims(s).CacheClusterId === first ? level / per : 0),
        });
    },
    "AWS/RDS FreeStorageSpace": ({ alarm }) => {
        const [percent, gib] = described(alarm, /less than (\d+)% of (\d+) GiB storage free/);
        const bound = (percent / 100) * gib * GiB;
        return levels(alarm, {
            says: `less than ${percent}% of ${gib} GiB free`,
            over: bound - 2 ** 20,
            at: bound,
            healthy: gib * GiB * 0.5,
            forMinutes: ownMinutes(alarm),
            minute: (_s, level) => level,
        });
    },
    "AWS/RDS DatabaseConnections": ({ alarm }) => connections(alarm),
    "AWS/DocDB DatabaseConnections": ({ alarm }) => connections(alarm),
    // RDS ReplicaLag is in seconds (RDS User Guide, "Amazon CloudWatch metrics for Amazon RDS").
    "AWS/RDS ReplicaLag": ({ alarm }) => secondsAbove(alarm, /replica lag above (\d+) s/, "replica lag", 1),
    // DocumentDB's DBClusterReplicaLagMaximum is in milliseconds (DocumentDB Developer Guide, "Amazon DocumentDB metrics").
    "AWS/DocDB DBClusterReplicaLagMaximum": ({ alarm }) => secondsAbove(alarm, /replica lag above (\d+) s/, "replica lag", 1000),
    // SQS ApproximateAgeOfOldestMessage is in seconds (SQS Developer Guide, "Available CloudWatch metrics for Amazon SQS").
    "AWS/SQS ApproximateAgeOfOldestMessage": ({ alarm }) => secondsAbove(alarm, /older than (\d+) s/, "the oldest message's age", 1),
    "AWS/SQS ApproximateNumberOfMessagesVisible": ({ alarm }) =>
        levels(alarm, {
            says: "a message in the dead-letter queue",
            over: 1,
            at: 0,
            healthy: 0,
            forMinutes: ownMinutes(alarm),
            minute: (_s, level) => level,
        }),
    "AWS/ApplicationELB UnHealthyHostCount": ({ alarm }) =>
        levels(alarm, {
            says: "a target failing its health check",
            over: 1,
            at: 0,
            healthy: 0,
            forMinutes: described(alarm, /for (\d+) minutes/)[0],
            minute: (_s, level) => level,
        }),
};

/** ReplicasUnavailable / SchedulerNotRunning: running tasks below the plan's count for the duration, and Container Insights silent. */
function runningTasks({ alarm, alert }: Context): Scenario[] {
    const al = alert();
    return levels(alarm, {
        says: `fewer than ${al.threshold} running tasks`,
        over: al.threshold - 1,
        at: al.threshold,
        healthy: al.threshold,
        forMinutes: alertMinutes(al),
        minute: (_s, level) => level,
        silent: { label: "Container Insights reports no task", expect: "ALARM" },
    });
}

/** A percentage above a bound for a duration, both stated by the description; on a multi-node alarm the first node only. */
function percentFor(alarm: Record<string, any>, re: RegExp, what: string): Scenario[] {
    const [bound, forMinutes] = described(alarm, re);
    const first = alarm.metricQueries ? JSON.stringify(alarm.metricQueries.find((q: any) => q.metric).metric.dimensions) : undefined;
    return levels(alarm, {
        says: `${what} above ${bound}%`,
        over: bound + 0.5,
        at: bound,
        healthy: bound / 2,
        forMinutes,
        minute: (s, level) => (first === undefined || JSON.stringify(dims(s)) === first ? level : bound / 2),
    });
}

/** More than the description's connections in use (its share of a maximum, or a number), a whole number of connections. */
function connections(alarm: Record<string, any>): Scenario[] {
    const share = /more than (\d+)% of (\d+) connections/.exec(alarm.alarmDescription);
    const [bound, max] = share
        ? [Math.floor((Number(share[1]) / 100) * Number(share[2])), Number(share[2])]
        : described(alarm, /more than (\d+) connections/).map((n) => [n, n])[0];
    return levels(alarm, {
        says: `more than ${bound} connections in use`,
        over: bound + 1,
        at: bound,
        healthy: Math.floor(max / 4),
        forMinutes: ownMinutes(alarm),
        minute: (_s, level) => level,
    });
}

/** A duration in seconds above the description's bound; the metric counts `unit` per second. */
function secondsAbove(alarm: Record<string, any>, re: RegExp, what: string, unit: number): Scenario[] {
    const [bound] = described(alarm, re);
    return levels(alarm, {
        says: `${what} above ${bound} s`,
        over: bound + 1,
        at: bound,
        healthy: bound / 10,
        forMinutes: ownMinutes(alarm),
        minute: (_s, level) => level * unit,
    });
}

/** At the plan's replica ceiling with CPU or memory above the autoscaler's target (80 % where it follows none, as its scaling does). */
function atCeiling({ alarm, plan, subject }: Context, signal: "cpu" | "memory"): Scenario[] {
    const svc = plan.services[subject(`-${signal}-at-ceiling`)];
    const target = (signal === "cpu" ? svc.scaling.cpuPercent : svc.scaling.memoryPercent) ?? 80;
    const max = svc.replicas.max;
    const usageMinute = (tasks: number) => (s: MetricSource, level: number) => (metricName(s) === "RunningTaskCount" ? tasks : level);
    const level: Level = {
        says: `${max} tasks (the ceiling) and ${signal} above ${target}%`,
        over: target + 0.5,
        at: target,
        healthy: target / 2,
        forMinutes: described(alarm, /for (\d+) minutes/)[0],
        minute: usageMinute(max),
    };
    const below = levels(alarm, { ...level, minute: usageMinute(max - 1) })[1];
    return [...levels(alarm, level), { ...below, label: `${max - 1} tasks (below the ceiling), ${signal} above the target`, expect: "OK" }];
}

/** The rollout analysis of the alarm's service (plan/rollout.ts). */
function rolloutAnalysis({ plan, subject, alarm }: Context) {
    const service = subject(`-rollout-${/-rollout-(\w+)$/.exec(alarm.name)![1]}`).replace(new RegExp(`^${plan.environment}-`), "");
    const a = plan.services[service]?.rollout.analysis;
    assert.ok(a, `${alarm.name}: no rollout analysis for service '${service}'`);
    return a;
}

/** The analysis interval in whole minutes (the alarm's period: ALB metrics have one-minute periods). */
const rolloutPeriodMinutes = (intervalSeconds: number) => Math.max(1, Math.ceil(intervalSeconds / 60));

/** The rollback 5xx alarm's data over `minutes`: the primary's 950 requests a minute at `primary` %, the alternate's 50 at `alt` % (-1: no requests). */
function rolloutData(alternate: string, minutes: number, primary: number, alt: number): MetricData {
    return (s) =>
        Array.from({ length: minutes }, () => {
            const canary = dims(s).TargetGroup === alternate;
            if (canary && alt < 0) return undefined;
            const requests = canary ? 50 : 950;
            return metricName(s) === "RequestCount" ? requests : share(canary ? alt : primary, requests);
        });
}

const CATALOGUE = new Set<string>(ALERT_IDS);

/** The case an alarm takes: its catalogue alert, a rollback alarm's kind, else its metrics (namespace and name). */
function kindOf(a: Record<string, any>): string {
    const id = /^(\w+):/.exec(a.alarmDescription ?? "")?.[1];
    if (id && CATALOGUE.has(id)) return id;
    const rollout = /-rollout-(\w+)$/.exec(a.name)?.[1];
    if (rollout) return `rollout-${rollout}`;
    const metrics = a.metricQueries
        ? a.metricQueries.filter((q: any) => q.metric).map((q: any) => `${q.metric.namespace} ${q.metric.metricName}`)
        : [`${a.namespace} ${a.metricName}`];
    return [...new Set(metrics)].join(" + ");
}

function contextOf(plan: SystemPlan, alarm: Record<string, any>): Context {
    const subject = (suffix: string) => {
        assert.ok(alarm.name.startsWith(`${plan.name}-`) && alarm.name.endsWith(suffix), `${alarm.name}: not <system>-<subject>${suffix}`);
        return alarm.name.slice(plan.name.length + 1, alarm.name.length - suffix.length);
    };
    const alert = () => {
        const id = /^(\w+):/.exec(alarm.alarmDescription)![1];
        const mine = plan.observability.alerts.filter((a) => a.id === id);
        if (mine.length === 1) return mine[0];
        const named = mine.filter((a) => alarm.name.startsWith(`${plan.name}-${a.subject.name}-`));
        // The longest subject that prefixes the name (a service `web` and a service `web-admin`).
        named.sort((a, b) => b.subject.name.length - a.subject.name.length);
        assert.ok(named.length > 0, `${alarm.name}: no ${id} alert of the plan has its subject`);
        return named[0];
    };
    return { plan, alarm, alert, subject };
}

/** The problems of one stack's plan: a line per alarm without a case, per scenario the alarm gets wrong, per rollback alarm not rolling back. */
function judge(stackPlan: Plan, plan: SystemPlan): { problems: string[]; judged: number } {
    const problems: string[] = [];
    const alarms = stackPlan.ofType(ALARM);
    for (const r of alarms) {
        const a = r.inputs;
        const kind = kindOf(a);
        const build = CASES[kind];
        if (!build) {
            problems.push(`${a.name}: no case for an alarm of kind '${kind}' (add one to CASES)`);
            continue;
        }
        const scenarios = build(contextOf(plan, a));
        assert.ok(
            scenarios.some((s) => s.expect === "ALARM") && scenarios.some((s) => s.expect === "OK"),
            `${a.name}: a case needs an OK and an ALARM scenario`,
        );
        for (const s of scenarios) {
            const got = evaluateAlarm(a, s.data, s.minutes);
            if (got.state !== s.expect)
                problems.push(
                    `${a.name} (${kind}), ${s.label}: ${got.state}, expected ${s.expect}; points [${got.points.map((p) => (p === undefined ? "-" : +p.toFixed(4))).join(", ")}]`,
                );
        }
        if (kind.startsWith("rollout-")) {
            const services = stackPlan.ofType("aws:ecs/service:Service").filter((svc) => svc.inputs.alarms?.alarmNames?.includes(a.name));
            if (services.length !== 1 || services[0].inputs.alarms.rollback !== true || services[0].inputs.alarms.enable !== true)
                problems.push(
                    `${a.name}: rollback alarm not listed, enabled and rolling back by exactly one ECS service (${services.length})`,
                );
        }
    }
    return { problems, judged: alarms.length };
}

describe("every CloudWatch alarm of the presets, on series (prod and prod-eks)", function () {
    this.timeout(600_000);
    for (const stack of ["prod", "prod-eks"])
        for (const preset of presetNames())
            it(`${stack} / ${preset}: each alarm OK on healthy series, ALARM on its failing one, at the edges`, async () => {
                const stackPlan = await planStack({ stack, system: preset });
                const plan = planOf(loadStack(stackConfig({ stack, system: preset })));
                const { problems, judged } = judge(stackPlan, plan);
                assert.ok(judged > 0, `${stack} / ${preset} registers no CloudWatch alarm`);
                assert.deepEqual(problems, []);
            });
});
