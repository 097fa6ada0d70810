/**
 * What the policy packs refuse, on some stack, that a spec value alone decides: checked by the
 * loader for every stack at once, so a spec that plans on dev does not first fail on staging or
 * prod. The floors are read from the shipped policy configs (`policies/config/<stack>.json`, the
 * same files `pulumi preview --policy-pack-config` and the offline report use), not restated here:
 * a policy refuses where its enforcement level is `mandatory` (its own entry, else `"all"`).
 */
import * as fs from "fs";
import * as path from "path";
import { maxGapMinutes } from "../conventions/cron";
import { DEFAULT_DEBUG_SETTINGS, isDebugSwitch } from "../conventions/debug";

type Path = ReadonlyArray<PropertyKey>;

/** The shipped per-stack policy configs. */
const POLICY_CONFIG_DIR = path.resolve(__dirname, "..", "policies", "config");

/** The strictest value of one policy setting over the stacks where the policy is mandatory. */
export interface Floor {
    /** The setting's strictest value (the highest floor, or the lowest ratio). */
    value: number;
    /** The stacks that enforce that value. */
    stacks: string[];
    /** The policies that enforce it. */
    policies: string[];
}

function isObject(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Each shipped stack's policy config, parsed (an unreadable file is the policy report's to refuse, with its own message). */
function stackConfigs(dir: string): { stack: string; config: Record<string, unknown> }[] {
    if (!fs.existsSync(dir)) return [];
    return fs
        .readdirSync(dir)
        .filter((f) => f.endsWith(".json"))
        .sort()
        .flatMap((f) => {
            try {
                const config: unknown = JSON.parse(fs.readFileSync(path.join(dir, f), "utf8"));
                return isObject(config) ? [{ stack: f.replace(/\.json$/, ""), config }] : [];
            } catch {
                return [];
            }
        });
}

/** The level of `policy` in one stack's config: its own entry's, else the config's `all`. */
function levelOf(config: Record<string, unknown>, policy: string): unknown {
    const all = isObject(config.all) ? config.all.enforcementLevel : config.all;
    const entry = config[policy];
    return typeof entry === "string" ? entry : isObject(entry) ? (entry.enforcementLevel ?? all) : all;
}

/**
 * The strictest `setting` of the `policies` (policy name → its setting's name) over every stack
 * where the policy is mandatory; `higher` says whether a larger value is stricter.
 */
export function strictest(policies: Record<string, string>, higher: boolean, dir: string = POLICY_CONFIG_DIR): Floor | undefined {
    let best: Floor | undefined;
    for (const { stack, config } of stackConfigs(dir)) {
        for (const [policy, setting] of Object.entries(policies)) {
            const entry = config[policy];
            const value = isObject(entry) ? entry[setting] : undefined;
            if (levelOf(config, policy) !== "mandatory" || typeof value !== "number") continue;
            if (!best || (higher ? value > best.value : value < best.value)) best = { value, stacks: [stack], policies: [policy] };
            else if (value === best.value) {
                if (!best.stacks.includes(stack)) best.stacks.push(stack);
                if (!best.policies.includes(policy)) best.policies.push(policy);
            }
        }
    }
    return best;
}

const where = (f: Floor) => `on ${f.stacks.join(", ")} (polic${f.policies.length > 1 ? "ies" : "y"} ${f.policies.join(", ")})`;

/**
 * Replica ranges a policy refuses on some stack: an autoscaled service (max > min) below the
 * autoscalers' floor or above their max/min ratio (`k8s-hpa-bounds`, `aws-autoscaling-bounds`), a
 * web service (it serves traffic) below `min-replicas`. Read from the spec file as written: the
 * stack's own `tierform:overrides` are that stack's business.
 */
export function policyFloorProblems(spec: unknown, dir: string = POLICY_CONFIG_DIR): { path: Path; message: string }[] {
    const out: { path: Path; message: string }[] = [];
    const services = isObject(spec) && isObject(spec.services) ? spec.services : {};
    const autoscaledFloor = strictest({ "k8s-hpa-bounds": "minReplicas", "aws-autoscaling-bounds": "minCapacity" }, true, dir);
    const ratio = strictest({ "k8s-hpa-bounds": "maxRatio", "aws-autoscaling-bounds": "maxRatio" }, false, dir);
    const servedFloor = strictest({ "min-replicas": "minReplicas" }, true, dir);
    for (const [name, svc] of Object.entries(services)) {
        if (!isObject(svc) || !isObject(svc.replicas)) continue;
        const kind = svc.kind ?? "web";
        const { min, max } = svc.replicas;
        if (kind === "scheduler" || typeof min !== "number" || typeof max !== "number") continue;
        const at = (key: string): Path => ["services", name, "replicas", key];
        if (max > min && autoscaledFloor && min < autoscaledFloor.value) {
            out.push({
                path: at("min"),
                message: `${min} is below ${autoscaledFloor.value}, the least an autoscaled service (max > min) keeps ${where(autoscaledFloor)}; raise min to ${autoscaledFloor.value}, or set max to min for a fixed count`,
            });
        } else if (kind === "web" && servedFloor && min < servedFloor.value) {
            out.push({
                path: at("min"),
                message: `${min} is below ${servedFloor.value}, the least a web service (it serves traffic) keeps ${where(servedFloor)}; raise min to ${servedFloor.value}, or make it a worker`,
            });
        }
        if (max > min && ratio && max / Math.max(min, 1) > ratio.value) {
            out.push({
                path: at("max"),
                message: `${max} is more than ${ratio.value}× min ${min}, the widest autoscaling range ${where(ratio)}; lower max to ${ratio.value * Math.max(min, 1)} or raise min`,
            });
        }
    }
    return out;
}

/**
 * Debug switches in a service's `env` (DEBUG=true, FLASK_DEBUG=1, NODE_ENV=development, ...: the
 * `debug-disabled` policy's `settings`, else its defaults) that a stack refuses: the spec file's
 * env reaches every stack, so a switch is refused wherever the policy is mandatory (staging, prod).
 * A stack's own `tierform:overrides` are checked against that stack's config alone (`stack`): the
 * dev stack may turn debugging on.
 */
export function debugSwitchProblems(spec: unknown, stack?: string, dir: string = POLICY_CONFIG_DIR): { path: Path; message: string }[] {
    const out: { path: Path; message: string }[] = [];
    const services = isObject(spec) && isObject(spec.services) ? spec.services : {};
    const enforcing = stackConfigs(dir).filter(
        (c) => (stack === undefined || c.stack === stack) && levelOf(c.config, "debug-disabled") === "mandatory",
    );
    if (enforcing.length === 0) return out;
    for (const [name, svc] of Object.entries(services)) {
        const env = isObject(svc) && isObject(svc.env) ? svc.env : {};
        for (const [variable, value] of Object.entries(env)) {
            const stacks = enforcing
                .filter(({ config }) => {
                    const entry = config["debug-disabled"];
                    const settings = isObject(entry) && isObject(entry.settings) ? (entry.settings as Record<string, string[]>) : undefined;
                    return isDebugSwitch(variable, value, settings ?? DEFAULT_DEBUG_SETTINGS);
                })
                .map((c) => c.stack);
            if (stacks.length === 0) continue;
            out.push({
                path: ["services", name, "env", variable],
                message: `${variable}=${String(value)} switches debugging on, which ${stacks.join(", ")} refuse${stacks.length > 1 ? "" : "s"} (policy debug-disabled: debug pages leak settings and stack traces); remove it${stack === undefined ? ", or set it for the dev stack alone in its tierform:overrides" : ""}`,
            });
        }
    }
    return out;
}

/**
 * Databases whose backups run further apart than the backup policies allow on some stack
 * (`datastore-backups`, `aws-backup-plan`: `maxIntervalMinutes` where mandatory), whatever the
 * RPO: the dumps' longest gap, unless the backup is continuous on every stack (`pointInTime` on
 * PostgreSQL: AWS Backup's continuous rule, CloudNativePG's WAL archive). A gap over the RPO is the
 * loader's own message (model/load.ts), so it is not said twice.
 */
export function backupIntervalProblems(spec: unknown, dir: string = POLICY_CONFIG_DIR): { path: Path; message: string }[] {
    const out: { path: Path; message: string }[] = [];
    const floor = strictest({ "datastore-backups": "maxIntervalMinutes", "aws-backup-plan": "maxIntervalMinutes" }, false, dir);
    if (!floor || !isObject(spec)) return out;
    const recovery = isObject(spec.recovery) ? spec.recovery : {};
    const rpo = typeof recovery.rpoMinutes === "number" ? recovery.rpoMinutes : 1440;
    const databases = isObject(spec.databases) ? spec.databases : {};
    for (const [name, db] of Object.entries(databases)) {
        if (!isObject(db)) continue;
        const b = isObject(db.backup) ? db.backup : {};
        if (b.pointInTime === true && db.engine === "postgres") continue;
        const schedules = [typeof b.schedule === "string" ? b.schedule : "0 2 * * *"];
        if (typeof b.incrementalSchedule === "string") schedules.push(b.incrementalSchedule);
        const gap = maxGapMinutes(...schedules);
        if (gap === undefined || gap <= floor.value || gap > rpo) continue;
        out.push({
            path: ["databases", name, "backup"],
            message: `backups run up to ${gap} minutes apart, more than ${floor.value}, the longest interval ${where(floor)}; schedule them at least every ${floor.value} minutes (an incrementalSchedule)${db.engine === "postgres" ? ", or set pointInTime: true" : ""}`,
        });
    }
    return out;
}
