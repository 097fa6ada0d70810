/**
 * Cron, one reading for the program and the policy packs (they had two parsers that disagreed on
 * a schedule restricting both day-of-month and day-of-week). Specs use five fields (minute hour
 * day-of-month month day-of-week; `*`, numbers, `a-b`, `a,b`, `/n`); what platforms write and
 * policies read also comes as six fields with seconds first (CloudNativePG), AWS `cron(...)` /
 * `rate(...)` (EventBridge, AWS Backup) and `@daily`-style macros.
 *
 * Days follow Vixie cron (crontab(5)): when both day-of-month and day-of-week are restricted, a
 * day matches either; when one is `*`, only the other counts.
 */

const FIELDS = [
    { name: "minute", min: 0, max: 59 },
    { name: "hour", min: 0, max: 23 },
    { name: "day of month", min: 1, max: 31 },
    { name: "month", min: 1, max: 12 },
    { name: "day of week", min: 0, max: 7 },
] as const;

const MACROS: Record<string, string> = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
};

/** The values a field matches, or why it cannot be read. `?` (AWS) reads as `*`. */
function expandField(text: string, min: number, max: number): Set<number> | string {
    const values = new Set<number>();
    for (const part of text.split(",")) {
        const match = /^(\*|\?|\d+(?:-\d+)?)(?:\/(\d+))?$/.exec(part);
        if (!match) return `'${part}' is not a number, range, list or step`;
        const step = match[2] ? Number(match[2]) : 1;
        if (step < 1) return `step '/${match[2]}' must be 1 or more`;
        let lo = min;
        let hi = max;
        if (match[1] !== "*" && match[1] !== "?") {
            const [a, b] = match[1].split("-").map(Number);
            lo = a;
            hi = b ?? (match[2] ? max : a);
        }
        if (lo < min || hi > max || lo > hi) return `'${part}' is outside ${min}-${max}`;
        for (let v = lo; v <= hi; v += step) values.add(v);
    }
    return values;
}

/** Why `expr` is not a valid five-field cron expression (what a spec may say), or undefined when it is. */
export function cronProblem(expr: string): string | undefined {
    const parts = expr.trim().split(/\s+/);
    if (parts.length !== 5) return `'${expr}' must have 5 fields (minute hour day-of-month month day-of-week), it has ${parts.length}`;
    for (let i = 0; i < 5; i++) {
        const result = expandField(parts[i], FIELDS[i].min, FIELDS[i].max);
        if (typeof result === "string") return `cron ${FIELDS[i].name}: ${result}`;
    }
    return undefined;
}

/** A schedule read into its five fields (5-field, 6-field with seconds, AWS cron, macro), or undefined. A `rate(...)` gives its interval instead. */
function readSchedule(schedule: string): { fields: string[] } | { everyMinutes: number } | undefined {
    const s = schedule.trim();
    const rate = /^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$/i.exec(s);
    if (rate) {
        const n = Number(rate[1]);
        const unit = rate[2].toLowerCase();
        return { everyMinutes: unit.startsWith("minute") ? n : unit.startsWith("hour") ? n * 60 : n * 1440 };
    }
    const aws = /^cron\((.*)\)$/i.exec(s);
    if (aws) {
        // AWS: minutes hours day-of-month month day-of-week year; day-of-week 1-7 with SUN=1.
        const fields = aws[1].trim().split(/\s+/).slice(0, 5);
        if (fields.length !== 5) return undefined;
        if (/^[\d,-]+$/.test(fields[4])) fields[4] = fields[4].replace(/\d+/g, (d) => String((Number(d) + 6) % 7));
        return { fields };
    }
    let fields = (MACROS[s] ?? s).split(/\s+/);
    if (fields.length === 6) fields = fields.slice(1); // seconds first (CloudNativePG)
    return fields.length === 5 ? { fields } : undefined;
}

/**
 * What {@link runMinutes} answered, by its schedules: a minute-by-minute scan of four weeks, asked
 * for the same few schedules by the spec checks, the plan and the policies of every run (about 12 s
 * of CPU in `npm test` before it was kept). Read-only.
 */
const runsOf = new Map<string, number[] | undefined>();

/** The minutes of four weeks from a Monday (so weekly schedules repeat within them) at which any of `schedules` runs; undefined when one cannot be read. */
function runMinutes(schedules: string[]): number[] | undefined {
    const key = JSON.stringify(schedules);
    if (!runsOf.has(key)) runsOf.set(key, scanMinutes(schedules));
    return runsOf.get(key);
}

function scanMinutes(schedules: string[]): number[] | undefined {
    const matchers: ((t: number) => boolean)[] = [];
    for (const schedule of schedules) {
        const read = readSchedule(schedule);
        if (!read) return undefined;
        if ("everyMinutes" in read) {
            const every = read.everyMinutes;
            if (every < 1) return undefined;
            matchers.push((t) => t % every === 0);
            continue;
        }
        const sets = read.fields.map((f, i) => expandField(f, FIELDS[i].min, FIELDS[i].max));
        if (sets.some((x) => typeof x === "string")) return undefined;
        const [mi, h, dom, mon, dow] = sets as Set<number>[];
        const domAny = /^[*?]$/.test(read.fields[2]);
        const dowAny = /^[*?]$/.test(read.fields[4]);
        matchers.push((t) => {
            const minute = t % 60;
            const hour = Math.floor(t / 60) % 24;
            const day = Math.floor(t / 1440);
            // 2024-01-01 was a Monday; January, so every month-restricted schedule outside it never fires.
            const date = day + 1;
            const weekday = (day + 1) % 7;
            if (!mi.has(minute) || !h.has(hour) || !mon.has(1)) return false;
            const domOk = dom.has(date);
            const dowOk = dow.has(weekday) || (weekday === 0 && dow.has(7));
            return domAny && dowAny ? true : domAny ? dowOk : dowAny ? domOk : domOk || dowOk;
        });
    }
    const runs: number[] = [];
    for (let t = 0; t < RUN_WINDOW; t++) if (matchers.some((m) => m(t))) runs.push(t);
    return runs;
}

const RUN_WINDOW = 28 * 1440;

/** The gaps between consecutive runs, the last one wrapping round the window. */
function gaps(runs: number[]): number[] {
    return runs.map((t, i) => (i === 0 ? t + RUN_WINDOW - runs[runs.length - 1] : t - runs[i - 1]));
}

/**
 * The longest gap, in minutes, between two runs of any of `schedules` together, over four weeks
 * from a Monday (so weekly schedules repeat within it); Infinity when none runs, undefined when a
 * schedule cannot be read.
 */
export function maxGapMinutes(...schedules: string[]): number | undefined {
    const runs = runMinutes(schedules);
    if (!runs) return undefined;
    return runs.length === 0 ? Infinity : Math.max(...gaps(runs));
}

/** The shortest gap, in minutes, between two runs of `schedule` (how often it runs at most); Infinity when it never runs, undefined when it cannot be read. */
export function minGapMinutes(schedule: string): number | undefined {
    const runs = runMinutes([schedule]);
    if (!runs) return undefined;
    return runs.length === 0 ? Infinity : Math.min(...gaps(runs));
}

/**
 * Whether a five-field cron restricts both day-of-month and day-of-week: cron then runs on either
 * day (crontab(5)), while AWS schedule expressions (EventBridge, AWS Backup) take only one of them
 * and need `?` in the other.
 */
export function restrictsBothDays(expr: string): boolean {
    const parts = expr.trim().split(/\s+/);
    return parts.length === 5 && parts[2] !== "*" && parts[4] !== "*";
}

/**
 * The least interval between two backups of one AWS Backup rule: CreateBackupPlan refuses a
 * schedule whose jobs would run closer ("The interval between backup jobs shouldn't be less than 60
 * minutes", quoted on AWS re:Post, "Error scheduling backup every ten minutes in AWS Backup").
 */
export const AWS_BACKUP_MIN_INTERVAL_MINUTES = 60;

/** The worst-case gap of a continuous backup (PostgreSQL WAL archiving, AWS Backup continuous backup, RDS point-in-time recovery): the usual archive timeout. */
export const CONTINUOUS_BACKUP_MINUTES = 5;

/** How to say a gap in messages. */
export function describeInterval(minutes: number): string {
    return minutes === Infinity ? "once a week or less" : `every ${minutes} min`;
}
