/**
 * Every alert and recording rule tierform renders selects, groups and templates only on labels its
 * metrics really carry (components/shared/alert-rules.ts METRIC_LABELS, each list with the exporter
 * source it was read from): a rule that filters on a label its series lack never fires.
 */
import { strict as assert } from "assert";
import { METRIC_LABELS, renderAlertRules } from "../../components/shared/alert-rules";
import { PRESETS, stagingStack } from "../components/kubernetes/fixtures";
import { planSystem } from "../../plan";

/** The metric selectors of a PromQL expression: name → label names matched. */
function selectors(expr: string): { metric: string; labels: string[] }[] {
    const out: { metric: string; labels: string[] }[] = [];
    for (const m of expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\{([^}]*)\}/g)) {
        const labels = [...m[2].matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)\s*"/g)].map((x) => x[1]);
        out.push({ metric: m[1], labels });
    }
    return out;
}

/** Label names of `by (...)` / `without (...)` clauses. */
const groupings = (expr: string) =>
    [...expr.matchAll(/\b(?:by|without)\s*\(([^)]*)\)/g)].flatMap((m) => m[1].split(",").map((x) => x.trim()));
/** `$labels.<name>` in annotation templates. */
const templated = (annotations: Record<string, string> = {}) =>
    Object.values(annotations).flatMap((a) => [...a.matchAll(/\$labels\.([a-zA-Z_][a-zA-Z0-9_]*)/g)].map((m) => m[1]));

describe("alert rules use labels their metrics carry", () => {
    for (const preset of PRESETS) {
        it(`${preset}: every selector, grouping and template label is one its metric's exporter emits`, () => {
            const { system } = stagingStack(preset);
            const problems: string[] = [];
            let checked = 0;
            for (const group of renderAlertRules(planSystem(system, "kubernetes"), { namespace: system.name }).groups) {
                for (const rule of group.rules) {
                    const name = rule.alert ?? rule.record;
                    const used = selectors(rule.expr);
                    assert.ok(used.length > 0, `${name}: no selector found in ${rule.expr}`);
                    const carried = new Set<string>();
                    for (const { metric, labels } of used) {
                        const known = METRIC_LABELS[metric];
                        if (!known) {
                            problems.push(`${name}: ${metric} has no entry in METRIC_LABELS`);
                            continue;
                        }
                        known.labels.forEach((l) => carried.add(l));
                        for (const l of labels) {
                            checked++;
                            if (!known.labels.includes(l))
                                problems.push(`${name}: ${metric}{${l}} — ${metric} carries ${known.labels.join(", ")}`);
                        }
                    }
                    for (const l of [...groupings(rule.expr), ...templated(rule.annotations)])
                        if (!carried.has(l)) problems.push(`${name}: groups or templates on '${l}', which none of its metrics carries`);
                }
            }
            assert.deepEqual(problems, []);
            assert.ok(checked > 5, "the label check ran on the rules");
        });
    }

    it("knows where each metric's labels come from", () => {
        for (const [metric, { labels, source }] of Object.entries(METRIC_LABELS)) {
            assert.ok(labels.includes("namespace"), `${metric}: every series tierform alerts on is scoped by namespace`);
            assert.ok(source.length > 20, `${metric}: name the source`);
        }
    });
});
