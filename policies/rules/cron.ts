/**
 * How often a backup schedule fires: the longest gap between two runs, in minutes, for standard
 * 5-field cron, 6-field cron with seconds (CloudNativePG), AWS `cron(...)`/`rate(...)` and
 * `@daily`-style shortcuts. Used to check that a schedule meets the recovery point objective.
 */

const MACROS: Record<string, string> = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
};

function field(spec: string, min: number, max: number): Set<number> | undefined {
    const out = new Set<number>();
    for (const part of spec.split(",")) {
        const m = /^(\*|\?|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part.trim());
        if (!m) return undefined;
        const step = m[4] ? Number(m[4]) : 1;
        let lo = min;
        let hi = max;
        if (m[2] !== undefined) {
            lo = Number(m[2]);
            hi = m[3] !== undefined ? Number(m[3]) : m[4] ? max : lo;
        }
        if (step < 1 || lo < min || hi > max) return undefined;
        for (let v = lo; v <= hi; v += step) out.add(v);
    }
    return out;
}

/** Longest gap in minutes between runs of `schedule`; undefined when it cannot be read. Runs rarer than weekly give Infinity. */
export function maxIntervalMinutes(schedule: string): number | undefined {
    let s = schedule.trim();
    const rate = /^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$/i.exec(s);
    if (rate) {
        const n = Number(rate[1]);
        return rate[2].toLowerCase().startsWith("minute") ? n : rate[2].toLowerCase().startsWith("hour") ? n * 60 : n * 1440;
    }
    const aws = /^cron\((.*)\)$/i.exec(s);
    let fields: string[];
    if (aws) {
        fields = aws[1].trim().split(/\s+/).slice(0, 5); // minutes hours dom month dow [year]
        // AWS day-of-week is 1-7 (SUN=1); map by shifting down one.
        if (fields[4] && /^[\d,-]+$/.test(fields[4])) fields[4] = fields[4].replace(/\d+/g, (d) => String((Number(d) + 6) % 7));
    } else {
        s = MACROS[s] ?? s;
        fields = s.split(/\s+/);
        if (fields.length === 6) fields = fields.slice(1); // seconds first (CloudNativePG)
    }
    if (fields.length !== 5) return undefined;
    const [mi, ho, dom, mon, dow] = [field(fields[0], 0, 59), field(fields[1], 0, 23), field(fields[2], 1, 31), field(fields[3], 1, 12), field(fields[4].replace(/7/g, "0"), 0, 6)];
    if (!mi || !ho || !dom || !mon || !dow) return undefined;
    const domAny = /^[*?]$/.test(fields[2]);
    const dowAny = /^[*?]$/.test(fields[4]);
    // Walk two weeks of January 2024 (a Monday start) minute by minute; gaps are measured in the second week.
    const start = Date.UTC(2024, 0, 1);
    const fires: number[] = [];
    for (let t = 0; t < 14 * 1440; t++) {
        const d = new Date(start + t * 60000);
        if (!mi.has(d.getUTCMinutes()) || !ho.has(d.getUTCHours()) || !mon.has(d.getUTCMonth() + 1)) continue;
        const domOk = dom.has(d.getUTCDate());
        const dowOk = dow.has(d.getUTCDay());
        const dayOk = domAny && dowAny ? true : domAny ? dowOk : dowAny ? domOk : domOk || dowOk;
        if (dayOk) fires.push(t);
    }
    if (fires.length < 2) return Infinity;
    let gap = 0;
    for (let i = 1; i < fires.length; i++) if (fires[i] >= 7 * 1440) gap = Math.max(gap, fires[i] - fires[i - 1]);
    if (gap === 0) return Infinity;
    return gap;
}

/** The worst-case gap of a continuous backup (PostgreSQL WAL archiving, AWS Backup continuous backup, RDS point-in-time recovery): the usual archive timeout. */
export const CONTINUOUS_BACKUP_MINUTES = 5;

/** How to say a gap in messages. */
export function describeInterval(minutes: number): string {
    return minutes === Infinity ? "once a week or less" : `every ${minutes} min`;
}
