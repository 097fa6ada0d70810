/** Shared by the AWS component tests: a resolved preset, the security-group flows of a plan, and which AWS types take tags. */
import * as fs from "fs";
import * as path from "path";
import { loadStack, type Settings, type System } from "../../../model";
import { stackConfig, type Plan, type PlannedResource } from "../../harness";

/** A preset resolved as the prod stack (or another stack) would resolve it, with optional overrides. */
export function loadSystem(
    preset: string,
    opts: { stack?: string; overrides?: Record<string, unknown>; config?: Record<string, unknown> } = {},
): { system: System; settings: Settings } {
    const { system, settings } = loadStack(
        stackConfig({ stack: opts.stack ?? "prod", system: preset, overrides: opts.overrides, config: opts.config }),
    );
    return { system, settings };
}

/** Config for planComponent runs. */
export const AWS_CONFIG = { "aws:region": "us-east-1" };

/** The name of the resource whose mock id is `id` (mock ids are `<name>-id`). */
export function byId(plan: Plan, id: string, type?: string): PlannedResource | undefined {
    return plan.resources.find((r) => `${r.name}-id` === id && (!type || r.type === type));
}

/**
 * Every security-group rule as `direction group port peer`, groups and peers by the suffix of
 * their logical name after `<prefix>-` (e.g. `in svc-backend 8000 alb`, `out svc-backend 443 0.0.0.0/0`).
 */
export function securityGroupFlows(plan: Plan, prefix: string): string[] {
    const short = (id: string | undefined) => {
        const r = id ? byId(plan, id, "aws:ec2/securityGroup:SecurityGroup") : undefined;
        return r ? r.name.replace(`${prefix}-`, "") : String(id);
    };
    const rules = [
        ...plan.ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").map((r) => ({ dir: "in", r })),
        ...plan.ofType("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule").map((r) => ({ dir: "out", r })),
    ];
    return rules
        .map(({ dir, r }) => {
            const i = r.inputs;
            const peer = i.referencedSecurityGroupId ? short(i.referencedSecurityGroupId) : (i.cidrIpv4 ?? i.cidrIpv6 ?? i.prefixListId);
            const port = i.fromPort === i.toPort ? `${i.fromPort}` : `${i.fromPort}-${i.toPort}`;
            return `${dir} ${short(i.securityGroupId)} ${i.ipProtocol}/${port} ${peer}`;
        })
        .sort();
}

const taggable = new Map<string, boolean>();
/**
 * Whether the @pulumi/aws resource type `aws:<module>/<file>:<Class>` takes a `tags` input, read
 * from its typings (`<Class>Args` in node_modules/@pulumi/aws/<module>/<file>.d.ts).
 */
export function takesTags(type: string): boolean {
    if (!taggable.has(type)) {
        const m = /^aws:([^/]+)\/([^:]+):(\w+)$/.exec(type);
        const file = m ? path.join(__dirname, "../../../node_modules/@pulumi/aws", m[1], `${m[2]}.d.ts`) : "";
        if (!m || !fs.existsSync(file)) throw new Error(`no typings for ${type} (${file})`);
        const args = new RegExp(`export interface ${m[3]}Args \\{([\\s\\S]*?)\\n\\}`).exec(fs.readFileSync(file, "utf8"));
        if (!args) throw new Error(`no ${m[3]}Args in ${file}`);
        taggable.set(type, /\n\s+tags\?:/.test(args[1]));
    }
    return taggable.get(type)!;
}
