/**
 * Building blocks shared by every rule module: how a policy is declared (with its group, checklist
 * items and public sources), type filtering by token, config defaults; and, re-exported from
 * policies/readers/<platform>.ts, the readers of each platform's provider-shaped inputs (Docker
 * labels, Kubernetes pod specs, ECS container definitions).
 * Nothing here constructs a PolicyPack.
 */
import type {
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";

// The readers of each platform's provider-shaped inputs live in that platform's module under
// policies/readers/ (shared with test/plan/facts.ts); the rule modules import them from here.
export * from "../readers/aws";
export * from "../readers/docker";
export * from "../readers/kubernetes";

/** The two groups of the pack. */
export type Group = "security" | "reliability";
/** The platforms of tierform, named as the first segment of their type tokens. */
export type Platform = "docker" | "kubernetes" | "aws";

/** What the report and README need to know about a policy beyond what the SDK carries. */
export interface PolicyMeta {
    group: Group;
    kind: "resource" | "stack";
    platforms: Platform[];
    /** Checklist item ids (see checklist.ts) this policy stands for. */
    checklist: string[];
    /** Public rules it implements: Checkov ids, Polaris/kube-score checks, CIS Docker items, awsguard names. */
    sources: string[];
    /** Resource types a resource policy looks at. */
    types?: string[];
}

/** Every declared policy's metadata by policy name; filled as rule modules load. */
export const policyMeta: Record<string, PolicyMeta> = {};

/** A policy of either kind. */
export type AnyPolicy = ResourceValidationPolicy | StackValidationPolicy;

interface Declaration<S extends PolicyConfigSchema | undefined> {
    name: string;
    description: string;
    group: Group;
    platforms: Platform[];
    checklist?: string[];
    sources: string[];
    enforcementLevel?: EnforcementLevel;
    configSchema?: S;
}

// ---------- config schemas ----------

/** The value type a schema setting describes (integer and number → number, arrays by their items). */
type SettingValue<S> = S extends { type: "integer" | "number" }
    ? number
    : S extends { type: "boolean" }
      ? boolean
      : S extends { type: "string" }
        ? string
        : S extends { type: "array"; items: infer I }
          ? SettingValue<I>[]
          : S extends { type: "object"; additionalProperties: infer A }
            ? Record<string, SettingValue<A>>
            : unknown;

/** The resolved config a policy with schema `S` runs with: one typed value per setting. */
export type ConfigOf<S> = S extends { properties: infer P } ? { -readonly [K in keyof P]: SettingValue<P[K]> } : Record<string, never>;

/** Builders of config schema settings, so every threshold reads the same way. */
export const setting = {
    /** A whole number, optionally with a floor. */
    integer: (value: number, description: string, minimum?: number) => ({
        type: "integer" as const,
        default: value,
        description,
        ...(minimum === undefined ? {} : { minimum }),
    }),
    /** Any number with a floor. */
    number: (value: number, description: string, minimum: number) => ({ type: "number" as const, default: value, description, minimum }),
    /** A switch. */
    boolean: (value: boolean, description: string) => ({ type: "boolean" as const, default: value, description }),
    /** A string (e.g. a date). */
    string: (value: string, description: string) => ({ type: "string" as const, default: value, description }),
    /** A list of strings. */
    strings: (value: string[], description: string) => ({
        type: "array" as const,
        items: { type: "string" as const },
        default: value,
        description,
    }),
    /** A list of whole numbers (ports). */
    integers: (value: number[], description: string) => ({
        type: "array" as const,
        items: { type: "integer" as const },
        default: value,
        description,
    }),
};

/** The defaults a config schema declares, by setting name. */
export function schemaDefaults(schema: PolicyConfigSchema | undefined): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [key, prop] of Object.entries(schema?.properties ?? {}))
        if (typeof prop === "object" && prop.default !== undefined) out[key] = prop.default;
    return out;
}

/** The policy's config: the defaults of its schema under what the pack config sets. */
function configOf<S extends PolicyConfigSchema | undefined>(args: { getConfig<C extends object>(): C }, schema: S): ConfigOf<S> {
    return { ...schemaDefaults(schema), ...(args.getConfig<Record<string, unknown>>() ?? {}) } as ConfigOf<S>;
}

/** The config of an autoscaling-bounds policy: the smallest acceptable minimum (named as the resource names it) and the largest max/min ratio. */
export function scalingBoundsSchema<K extends string>(minName: K, maxName: string) {
    return {
        properties: {
            [minName]: setting.integer(2, `Smallest acceptable ${minName}.`, 1),
            maxRatio: setting.number(10, `Largest acceptable ${maxName} / ${minName}.`, 1),
        } as { [P in K]: ReturnType<typeof setting.integer> } & { maxRatio: ReturnType<typeof setting.number> },
    };
}

/** Check autoscaling bounds: min at least `floor`, max at least min, max within `maxRatio` × min. `names` are the resource's property names. */
export function checkScalingBounds(
    min: number,
    max: number,
    names: { min: string; max: string },
    limits: { floor: number; maxRatio: number },
    report: ReportViolation,
) {
    if (min < limits.floor) report(`${names.min} ${min} is below ${limits.floor}`);
    if (!(max >= min)) report(`${names.max} ${max} is below ${names.min} ${min}`);
    else if (max / Math.max(min, 1) > limits.maxRatio) report(`${names.max} ${max} is more than ${limits.maxRatio}× ${names.min} ${min}`);
}

// ---------- declaring policies ----------

function register(def: Declaration<PolicyConfigSchema | undefined>, kind: PolicyMeta["kind"], types?: string[]) {
    if (policyMeta[def.name]) throw new Error(`policy '${def.name}' is declared twice`);
    policyMeta[def.name] = {
        group: def.group,
        kind,
        platforms: def.platforms,
        checklist: def.checklist ?? [],
        sources: def.sources,
        types,
    };
    return {
        name: def.name,
        description: `${def.description} Source: ${def.sources.join("; ")}.`,
        enforcementLevel: def.enforcementLevel ?? ("advisory" as EnforcementLevel),
        ...(def.configSchema ? { configSchema: def.configSchema } : {}),
        tags: [def.group, ...def.platforms],
    };
}

/** Validate only resources whose type token is one of `types`; everything else is not applicable. */
function forTypes(
    types: string[],
    validate: (props: any, args: ResourceValidationArgs, report: ReportViolation) => void,
): ResourceValidation {
    const fn: ResourceValidation = (args, report) => {
        if (!types.includes(args.type)) args.notApplicable(`applies to ${types.join(", ")}`);
        return validate(args.props, args, report);
    };
    // The SDK's server skips a policy early for other types when the function carries one type.
    if (types.length === 1) (fn as unknown as { __pulumiType: string }).__pulumiType = types[0];
    return fn;
}

/** Declare a resource policy over the given type tokens; `validate` gets the resolved config of its schema. */
export function resourcePolicy<S extends PolicyConfigSchema | undefined = undefined>(
    def: Declaration<S> & {
        types: string[];
        validate: (props: any, args: ResourceValidationArgs, report: ReportViolation, config: ConfigOf<S>) => void;
    },
): ResourceValidationPolicy {
    return {
        ...register(def, "resource", def.types),
        validateResource: forTypes(def.types, (props, args, report) =>
            def.validate(props, args, report, configOf(args, def.configSchema as S)),
        ),
    };
}

/** Declare a stack policy; `validate` gets the resolved config of its schema. */
export function stackPolicy<S extends PolicyConfigSchema | undefined = undefined>(
    def: Declaration<S> & { validate: (args: StackValidationArgs, report: ReportViolation, config: ConfigOf<S>) => void },
): StackValidationPolicy {
    return {
        ...register(def, "stack"),
        validateStack: (args, report) => def.validate(args, report, configOf(args, def.configSchema as S)),
    };
}

/** The platform a type token belongs to, if it is one of tierform's. */
export function platformOf(type: string): Platform | undefined {
    const pkg = type.split(":")[0];
    return pkg === "docker" || pkg === "kubernetes" || pkg === "aws" ? pkg : undefined;
}

/** True when `r` depends on `target` (directly, through inputs or dependsOn). */
export function dependsOn(r: PolicyResource, target: PolicyResource): boolean {
    return (
        r.dependencies.some((d) => d.urn === target.urn) ||
        Object.values(r.propertyDependencies ?? {}).some((ds) => ds.some((d) => d.urn === target.urn))
    );
}

// ---------- images, env, secrets ----------

export { isPinnedImage } from "../../conventions/images";

export { SECRET_NAME, plaintextSecretProblem } from "../../conventions/secrets";

/** True when a container `user` ("uid", "uid:gid" or a name) is root or unset (the image's default, usually root). */
export function isRootUser(user: unknown): boolean {
    return typeof user !== "string" || user.trim() === "" || /^(root|0)(:.*)?$/.test(user.trim());
}

export { DEFAULT_DEBUG_SETTINGS, isDebugSwitch } from "../../conventions/debug";

/** World-open CIDRs. */
export const WORLD = ["0.0.0.0/0", "::/0"];

/** Parse a retention such as "30d", "4w", "1m", "12h" (CloudNativePG, AWS Backup) into days. */
export function retentionDays(value: unknown): number | undefined {
    if (typeof value === "number") return value;
    if (typeof value !== "string") return undefined;
    const m = /^\s*(\d+)\s*([dwmyh]?)\s*$/i.exec(value);
    if (!m) return undefined;
    const n = Number(m[1]);
    return { "": n, d: n, w: n * 7, m: n * 30, y: n * 365, h: n / 24 }[m[2].toLowerCase()];
}

// ---------- recovery objectives ----------

/**
 * The spec's recovery intent a platform writes on a backup resource, read from its labels,
 * annotations or tags by key suffix: `…rpo-minutes` (the RPO, e.g. Docker label
 * `tierform.backup.rpo-minutes`, Kubernetes annotation `tierform.io/rpo-minutes`, AWS tag
 * `rpo-minutes`) and `…retention-days` (the spec's backup retention). The strictest value wins
 * when several resources say it.
 */
export function declaredRecovery(...records: Array<Record<string, unknown> | undefined>): { rpoMinutes?: number; retentionDays?: number } {
    const rpo: number[] = [];
    const retention: number[] = [];
    for (const record of records) {
        for (const [key, value] of Object.entries(record ?? {})) {
            const n = Number(value);
            if (typeof value !== "string" && typeof value !== "number") continue;
            if (!(n > 0)) continue;
            if (/rpo[-_.]?minutes$/i.test(key)) rpo.push(n);
            else if (/retention[-_.]?days$/i.test(key)) retention.push(n);
        }
    }
    return {
        ...(rpo.length ? { rpoMinutes: Math.min(...rpo) } : {}),
        ...(retention.length ? { retentionDays: Math.max(...retention) } : {}),
    };
}
