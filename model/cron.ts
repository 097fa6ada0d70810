/**
 * Five-field cron expressions (minute hour day-of-month month day-of-week), the subset every
 * platform understands: `*`, numbers, `a-b` ranges, `a,b` lists and `/n` steps.
 */

const FIELDS = [
    { name: "minute", min: 0, max: 59 },
    { name: "hour", min: 0, max: 23 },
    { name: "day of month", min: 1, max: 31 },
    { name: "month", min: 1, max: 12 },
    { name: "day of week", min: 0, max: 7 },
] as const;

/** The values a cron field matches, or a problem string. */
function expandField(text: string, min: number, max: number): Set<number> | string {
    const values = new Set<number>();
    for (const part of text.split(",")) {
        const match = /^(\*|\d+(?:-\d+)?)(?:\/(\d+))?$/.exec(part);
        if (!match) return `'${part}' is not a number, range, list or step`;
        const step = match[2] ? Number(match[2]) : 1;
        if (step < 1) return `step '/${match[2]}' must be 1 or more`;
        let lo = min;
        let hi = max;
        if (match[1] !== "*") {
            const [a, b] = match[1].split("-").map(Number);
            lo = a;
            hi = b ?? (match[2] ? max : a);
        }
        if (lo < min || hi > max || lo > hi) return `'${part}' is outside ${min}-${max}`;
        for (let v = lo; v <= hi; v += step) values.add(v);
    }
    return values;
}

/** Why `expr` is not a valid five-field cron expression, or undefined when it is. */
export function cronProblem(expr: string): string | undefined {
    const parts = expr.trim().split(/\s+/);
    if (parts.length !== 5) return `'${expr}' must have 5 fields (minute hour day-of-month month day-of-week), it has ${parts.length}`;
    for (let i = 0; i < 5; i++) {
        const result = expandField(parts[i], FIELDS[i].min, FIELDS[i].max);
        if (typeof result === "string") return `cron ${FIELDS[i].name}: ${result}`;
    }
    return undefined;
}

/**
 * The longest gap, in minutes, between two runs of the given schedules over one 4-week cycle
 * starting on a Monday. A schedule that restricts day-of-month or month is treated over that
 * window only, which is what matters for an RPO check of daily/hourly/weekly schedules.
 */
export function maxGapMinutes(...exprs: string[]): number {
    const parsed = exprs.map((expr) => {
        const parts = expr.trim().split(/\s+/);
        return parts.map((p, i) => expandField(p, FIELDS[i].min, FIELDS[i].max) as Set<number>);
    });
    const minutesInWindow = 28 * 24 * 60;
    const runs: number[] = [];
    for (let t = 0; t < minutesInWindow; t++) {
        const minute = t % 60;
        const hour = Math.floor(t / 60) % 24;
        const day = Math.floor(t / 1440);
        const dom = day + 1;
        const dow = (day + 1) % 7; // day 0 is a Monday
        const hit = parsed.some(
            ([mi, h, d, , w]) => mi.has(minute) && h.has(hour) && d.has(dom) && (w.has(dow) || (dow === 0 && w.has(7))),
        );
        if (hit) runs.push(t);
    }
    if (runs.length === 0) return Infinity;
    let gap = runs[0] + minutesInWindow - runs[runs.length - 1];
    for (let i = 1; i < runs.length; i++) gap = Math.max(gap, runs[i] - runs[i - 1]);
    return gap;
}
