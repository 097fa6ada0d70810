/**
 * Migrations gate every service that uses the migrated database, on every platform: for every
 * preset on every stack, each service that reads a database another service migrates (MDC's
 * worker and beat, AuroMart's admin) is registered to start only after that migration — Docker:
 * its containers depend on the migration's one-shot container (and carry its exit code as a
 * label); Kubernetes: its workload depends on the migration Job; AWS: its ECS service depends on
 * the migrating ECS service, which runs the migration in every task before the application and is
 * complete only once steady. The pairs come from the specs, not from the plan.
 */
import * as assert from "node:assert/strict";
import { loadStack, presetNames, type Service, type System } from "../../model";
import { planStack, stackConfig, type Plan, type PlannedResource } from "../harness";

const STACKS = ["dev", "staging", "prod"] as const;

/** Every (reader, migrator) pair of a system: a service without its own `migrate` using a database a service with one uses. */
function gatedPairs(system: System): [Service, Service][] {
    const dbs = (s: Service) => s.uses.filter((u) => u in system.databases);
    const all = Object.values(system.services);
    return all.flatMap((reader) =>
        all
            .filter((m) => m !== reader && m.migrate && !reader.migrate && dbs(m).some((d) => dbs(reader).includes(d)))
            .map((m) => [reader, m] as [Service, Service]),
    );
}

/** URNs `r` depends on, directly or through what it depends on. */
function dependsOnTransitively(plan: Plan, r: PlannedResource): Set<string> {
    const byUrn = new Map(plan.resources.map((x) => [x.urn, x]));
    const seen = new Set<string>();
    const todo = [...r.dependencies];
    while (todo.length) {
        const urn = todo.pop()!;
        if (seen.has(urn)) continue;
        seen.add(urn);
        todo.push(...(byUrn.get(urn)?.dependencies ?? []));
    }
    return seen;
}

const named = (plan: Plan, types: string[], name: string): PlannedResource[] =>
    plan.resources.filter((r) => types.includes(r.type) && r.name === name);

/** The resources of `reader` that must wait, and the resource standing for `migrator`'s migration, per stack. */
function resourcesOf(plan: Plan, stack: string, system: System, reader: string, migrator: string) {
    const sys = system.name;
    if (stack === "dev") {
        const containers = plan.ofType("docker:index/container:Container");
        return {
            waiting: containers.filter((r) => new RegExp(`^${sys}-${reader}-\\d+$`).test(r.name)),
            gate: named(plan, ["docker:index/container:Container"], `${sys}-${migrator}-migrate`),
        };
    }
    if (stack === "staging")
        return {
            waiting: named(plan, ["kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:StatefulSet"], `${sys}-${reader}`),
            gate: named(plan, ["kubernetes:batch/v1:Job"], `${sys}-${migrator}-migrate`),
        };
    return {
        waiting: named(plan, ["aws:ecs/service:Service"], `${sys}-${reader}-service`),
        gate: named(plan, ["aws:ecs/service:Service"], `${sys}-${migrator}-service`),
    };
}

describe("migrations gate every service that uses the migrated database", function () {
    this.timeout(600_000);
    it("the presets have such services (MDC's worker and beat, AuroMart's admin)", () => {
        const pairs = presetNames().flatMap((p) =>
            gatedPairs(loadStack(stackConfig({ stack: "staging", system: p })).system).map(([r, m]) => `${p}:${r.name}<-${m.name}`),
        );
        for (const expected of ["mdc-tts:worker<-backend", "mdc-tts:beat<-backend", "auromart:admin<-web"])
            assert.ok(pairs.includes(expected), `${expected} not among ${pairs.join(", ")}`);
    });
    for (const stack of STACKS)
        for (const preset of presetNames())
            it(`${preset} on ${stack}: every reader of a migrated database starts after the migration`, async () => {
                const system = loadStack(stackConfig({ stack, system: preset })).system;
                const plan = await planStack({ stack, system: preset });
                for (const [reader, migrator] of gatedPairs(system)) {
                    const { waiting, gate } = resourcesOf(plan, stack, system, reader.name, migrator.name);
                    assert.equal(gate.length, 1, `${preset}/${stack}: the migration of ${migrator.name}`);
                    assert.ok(waiting.length > 0, `${preset}/${stack}: no workload of ${reader.name}`);
                    for (const w of waiting)
                        assert.ok(
                            dependsOnTransitively(plan, w).has(gate[0].urn),
                            `${preset}/${stack}: ${w.name} does not wait for ${gate[0].name} (${migrator.name}'s migration)`,
                        );
                }
            });
});
