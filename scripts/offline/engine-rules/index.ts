/**
 * What the real engine refuses, checked offline. Pulumi's mock runtime accepts any input, so a plan
 * that registers cleanly can still fail at the first real `pulumi up`: a name the cloud API
 * refuses, an upload the Docker daemon rejects, a Job that races an operator. Each rule here
 * encodes one such fact of a provider, an API or a daemon, with its source, and the offline run
 * fails on it the way the real update would, naming the resource, the field, the limit and the
 * source.
 *
 * A rule judges one registered resource, with the whole run at hand for what crosses resources
 * (dependencies, children, providers). Rules live per platform (`docker.ts`, `kubernetes.ts`,
 * `aws.ts`); {@link ENGINE_RULES} is all of them, and `test/offline/engine-rules.test.ts` holds
 * every rule to a case that makes it fire.
 */
import type { OfflineRun, PlannedResource } from "../records";
import { AWS_RULES } from "./aws";
import { DOCKER_RULES } from "./docker";
import { KUBERNETES_RULES } from "./kubernetes";
import type { EngineRule, Finding, Outcome, RunIndex } from "./rule";

export type { EngineRule, Finding, Outcome, RunIndex } from "./rule";

/** Every rule of every platform. */
export const ENGINE_RULES: readonly EngineRule[] = [...DOCKER_RULES, ...KUBERNETES_RULES, ...AWS_RULES];

/** A finding of a rule on a resource, with what the report needs to say it. */
export interface EngineProblem extends Finding {
    rule: string;
    outcome: Outcome;
    source: string;
    /** Logical name of the resource. */
    resource: string;
    type: string;
    urn: string;
}

/** Build the lookups of {@link RunIndex} over a run's resources. */
export function indexRun(resources: readonly PlannedResource[]): RunIndex {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const byParent = new Map<string, PlannedResource[]>();
    for (const r of resources) if (r.parent) byParent.set(r.parent, [...(byParent.get(r.parent) ?? []), r]);
    const closure = new Map<string, Set<string>>();
    const reach = (r: PlannedResource): Set<string> => {
        const known = closure.get(r.urn);
        if (known) return known;
        const out = new Set<string>();
        closure.set(r.urn, out); // guards cycles
        for (const dep of r.dependencies) {
            out.add(dep);
            const d = byUrn.get(dep);
            if (d) for (const x of reach(d)) out.add(x);
        }
        return out;
    };
    return {
        resources,
        byUrn: (urn) => byUrn.get(urn),
        ofType: (type) => resources.filter((r) => r.type === type),
        children: (urn) => byParent.get(urn) ?? [],
        dependsOn: (resource, urn) => reach(resource).has(urn),
    };
}

/** Every finding of `rules` (@default {@link ENGINE_RULES}) on the run. */
export function engineProblems(run: Pick<OfflineRun, "resources">, rules: readonly EngineRule[] = ENGINE_RULES): EngineProblem[] {
    const index = indexRun(run.resources);
    const byType = new Map<string, EngineRule[]>();
    const byTest: EngineRule[] = [];
    for (const rule of rules) {
        if (typeof rule.types === "function") byTest.push(rule);
        else for (const t of rule.types) byType.set(t, [...(byType.get(t) ?? []), rule]);
    }
    const out: EngineProblem[] = [];
    for (const r of run.resources) {
        const judging = [...(byType.get(r.type) ?? []), ...byTest.filter((rule) => (rule.types as (type: string) => boolean)(r.type))];
        for (const rule of judging) {
            for (const f of rule.check(r, index)) {
                out.push({ ...f, rule: rule.id, outcome: rule.outcome, source: rule.source, resource: r.name, type: r.type, urn: r.urn });
            }
        }
    }
    return out;
}

const VERB: Record<Outcome, string> = {
    refused: "the real engine refuses it",
    broken: "it would deploy but not work",
    leaks: "it would leak a credential",
};

/** One line per problem: resource, field, what is wrong, why it matters, the rule and its source. */
export function formatEngineProblems(problems: readonly EngineProblem[]): string {
    const n = problems.length;
    return [
        `tierform: the plan breaks ${n} rule${n === 1 ? "" : "s"} the real engine enforces:`,
        ...problems.map(
            (p) => `  - ${p.type} ${p.resource}: ${p.field}: ${p.message} (${VERB[p.outcome]}; rule ${p.rule}; source: ${p.source})`,
        ),
    ].join("\n");
}

/** Thrown by the offline run when the plan breaks an engine rule; carries the problems. */
export class EngineRefusal extends Error {
    constructor(readonly problems: EngineProblem[]) {
        super(formatEngineProblems(problems));
        this.name = "EngineRefusal";
    }
}
