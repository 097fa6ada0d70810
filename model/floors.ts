/**
 * What the policy packs refuse, on some stack, that a spec value alone decides: checked by the
 * loader for every stack at once, so a spec that plans on dev does not first fail on staging or
 * prod. The floors are read from the shipped policy configs (`policies/config/<stack>.json`, the
 * same files `pulumi preview --policy-pack-config` and the offline report use), not restated here:
 * a policy refuses where its enforcement level is `mandatory` (its own entry, else `"all"`).
 */
import * as fs from "fs";
import * as path from "path";

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

/**
 * The strictest `setting` of the `policies` (policy name → its setting's name) over every stack
 * where the policy is mandatory; `higher` says whether a larger value is stricter.
 */
export function strictest(policies: Record<string, string>, higher: boolean, dir: string = POLICY_CONFIG_DIR): Floor | undefined {
    let best: Floor | undefined;
    for (const { stack, config } of stackConfigs(dir)) {
        const all = isObject(config.all) ? config.all.enforcementLevel : config.all;
        for (const [policy, setting] of Object.entries(policies)) {
            const entry = config[policy];
            const level = typeof entry === "string" ? entry : isObject(entry) ? (entry.enforcementLevel ?? all) : all;
            const value = isObject(entry) ? entry[setting] : undefined;
            if (level !== "mandatory" || typeof value !== "number") continue;
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
