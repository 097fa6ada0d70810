/**
 * Day 2: every preset, on each stack, through the routine changes users make — an image bump, a
 * replica change, a backup schedule change, a new service, a larger database volume — planned
 * before and after and compared registration by registration (scripts/offline/updates.ts, which
 * knows the providers' ForceNew / immutable inputs of the stateful types). No database, volume,
 * bucket, file system, key, secret or queue is replaced or deleted; what must be replaced (a
 * Kubernetes Job whose template changed, a Docker one-shot step) is replaced. A change that does
 * replace a database (a renamed identifier, another engine) is seen, and prod's protection makes
 * the real update fail on it instead of carrying it out.
 */
import * as assert from "assert";
import { loadStack, presetNames, type System } from "../../model";
import { dataLosingSteps, FORCE_NEW, updateSteps, type UpdateStep } from "../../scripts/offline/updates";
import { planStack, stackConfig } from "../harness";

const STACKS = ["dev", "staging", "prod"] as const;

/** The next patch version of an image tag (`1.4.2` → `1.4.3`), or the tag with `-2` appended. */
function bumped(image: string): string {
    const m = /^(.*:)(\d+)\.(\d+)\.(\d+)$/.exec(image);
    return m ? `${m[1]}${m[2]}.${m[3]}.${Number(m[4]) + 1}` : `${image}-2`;
}

/** The routine changes, as one override of the preset: what each touches is named in the test. */
function routineOverrides(system: System): Record<string, unknown> {
    const services = Object.values(system.services);
    const scaled = services.find((s) => s.kind !== "scheduler")!;
    const db = Object.values(system.databases)[0];
    const [minute, ...rest] = db.backup.schedule.split(" ");
    const changed: Record<string, Record<string, unknown>> = { [services[0].name]: { image: bumped(services[0].image) } };
    changed[scaled.name] = { ...changed[scaled.name], replicas: { min: scaled.replicas.min + 1, max: scaled.replicas.max + 1 } };
    return {
        services: {
            ...changed,
            reports: {
                description: "a new background service",
                kind: "worker",
                image: services[0].image,
                command: ["sh", "-c", "sleep 3600"],
                replicas: { min: 1, max: 1 },
                health: { command: ["true"] },
            },
        },
        databases: {
            [db.name]: {
                storageGb: db.storageGb + 10,
                backup: { schedule: [String((Number(minute) || 0) + 15 > 59 ? 5 : (Number(minute) || 0) + 15), ...rest].join(" ") },
            },
        },
    };
}

const brief = (s: UpdateStep) => `${s.kind} ${s.urn.split("::").slice(-2).join("::")} (${s.replacedBy.join(", ") || s.kind})`;

describe("updates: routine spec changes replace no stored data", function () {
    this.timeout(600000);

    for (const stack of STACKS) {
        for (const preset of presetNames()) {
            it(`${stack} · ${preset}: image bump, replicas, backup schedule, new service, larger volume — nothing holding data replaced or deleted`, async () => {
                const { system } = loadStack(stackConfig({ stack, system: preset }));
                const before = await planStack({ stack, system: preset });
                const after = await planStack({ stack, system: preset, overrides: routineOverrides(system) });
                const steps = updateSteps(before.run, after.run);
                assert.deepStrictEqual(dataLosingSteps(steps).map(brief), []);
                // What the program can refuse without the previous state: on prod every resource holding data is protected,
                // so a real update that would replace or delete one fails on it, naming it, instead of carrying it out.
                if (stack === "prod")
                    assert.deepStrictEqual(
                        after.resources.filter((r) => FORCE_NEW[r.type]?.holdsData && !r.protect).map((r) => `${r.type} ${r.name}`),
                        [],
                    );
                // The changes did reach the plan: the new service is created and something is updated.
                assert.ok(
                    steps.some((s) => s.kind === "create" && /reports/.test(s.urn)),
                    "the new service is created",
                );
                assert.ok(
                    steps.some((s) => s.kind === "update" || s.kind === "replace"),
                    "the changes update resources",
                );
                // What must be replaced is: a Job whose pod template changed (the migration of the bumped image) on staging.
                if (stack === "staging" && Object.values(system.services)[0].migrate)
                    assert.ok(
                        steps.some((s) => s.type === "kubernetes:batch/v1:Job" && s.kind === "replace"),
                        "the migration Job of the bumped image is replaced",
                    );
            });
        }
    }

    it("a renamed database or another engine replaces the database: the diff says so, and prod's protection refuses it", async () => {
        const before = await planStack({ stack: "prod", system: "mdc-tts" });
        const renamed = await planStack({ stack: "prod", system: "mdc-tts", overrides: { name: "mdc-tts2" } });
        const lost = dataLosingSteps(updateSteps(before.run, renamed.run));
        // A new system name is a new stack's worth of resources: every database of the old one would be deleted.
        assert.ok(lost.some((s) => s.type === "aws:rds/instance:Instance"));
        for (const s of lost.filter((x) => x.type === "aws:rds/instance:Instance")) assert.ok(s.protect, `${s.urn} is protected`);

        // Another engine for the same database: RDS cannot change an instance's engine in place (ForceNew).
        const otherEngine = await planStack({
            stack: "prod",
            system: "mdc-tts",
            overrides: { databases: { db: { engine: "mysql", version: "8.0" } } },
        });
        const replaced = dataLosingSteps(updateSteps(before.run, otherEngine.run)).filter((s) => s.type === "aws:rds/instance:Instance");
        assert.ok(
            replaced.some((s) => s.kind === "replace" && s.replacedBy.includes("engine") && s.protect),
            `the protected RDS instance is replaced for its engine: ${replaced.map(brief).join("; ")}`,
        );
    });
});
