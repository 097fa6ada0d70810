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
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadStack, presetNames, PROJECT_ROOT, type System } from "../../model";
import type { OfflineRun } from "../../scripts/offline/engine";
import {
    againstPlanFile,
    autoscalerSwapRefusals,
    dataLosingSteps,
    FORCE_NEW,
    imageMajor,
    updateSteps,
    type PlanFile,
    type UpdateStep,
} from "../../scripts/offline/updates";
import { planFile } from "../../scripts/plan";
import { planStack, stackConfig } from "../harness";

const STACKS = ["dev", "staging", "prod", "prod-eks"] as const;

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
                if (stack === "prod" || stack === "prod-eks")
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
                // A larger volume grows the claims in place: no StatefulSet is replaced for its volumeClaimTemplates.
                if (stack === "staging")
                    assert.deepStrictEqual(
                        steps.filter((s) => s.type === "kubernetes:apps/v1:StatefulSet" && s.kind === "replace").map(brief),
                        [],
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

/** A preset's spec file with `edit` applied, written beside the others' temporary files; its path. */
function editedSpec(dir: string, preset: string, name: string, edit: (text: string) => string): string {
    const file = path.join(dir, `${name}.yaml`);
    const text = fs.readFileSync(path.join(PROJECT_ROOT, "systems", `${preset}.yaml`), "utf8");
    const edited = edit(text);
    assert.notEqual(edited, text, `the edit ${name} changed nothing`);
    fs.writeFileSync(file, edited);
    return file;
}

/** The plan file `npm run plan -- --json` writes for a planned stack (violations left out). */
function planFileOf(stack: string, run: OfflineRun, config: Record<string, string>): PlanFile {
    const { system } = loadStack(config);
    return planFile(run, stack, config, system, []) as unknown as PlanFile;
}

describe("--against: a change that would replace stored data is refused with its spec path", function () {
    this.timeout(600000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tierform-against-"));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    /** The plan of `stack` for the preset, then for the edited spec, compared as `npm run plan -- --against` compares them. */
    async function against(stack: string, preset: string, name: string, edit: (text: string) => string) {
        const before = await planStack({ stack, system: preset });
        const file = editedSpec(dir, preset, name, edit);
        const after = await planStack({ stack, system: file });
        const { system } = loadStack(stackConfig({ stack, system: file }));
        return againstPlanFile(planFileOf(stack, before.run, stackConfig({ stack, system: preset })), after.run, system);
    }

    it("prod: another engine replaces the RDS instance: refused at databases.db.engine; a major version is an in-place upgrade", async () => {
        const engine = await against("prod", "mdc-tts", "engine", (t) =>
            t.replace("engine: postgres", "engine: mysql").replace('version: "14"', 'version: "8.0"'),
        );
        assert.equal(engine.refused.length, 1, engine.refused.join("\n"));
        assert.match(
            engine.refused[0],
            /^databases\.db: aws:rds\/instance:Instance mdc-tts-db holds data .*databases\.db\.engine: "postgres" → "mysql".* Instead: /,
        );
        const major = await against("prod", "mdc-tts", "major", (t) => t.replace('version: "14"', 'version: "16"'));
        assert.deepStrictEqual(major.refused, []);
        assert.doesNotMatch(major.lines.join("\n"), /rds\/instance/, "the instance is updated, not replaced");
    });

    it("prod: a renamed bucket deletes the S3 bucket and its objects: refused at buckets.media", async () => {
        const renamed = await against("prod", "mdc-tts", "bucket", (t) =>
            t.replace(/^  media:$/m, "  uploads:").replace(/\[db, cache, media/g, "[db, cache, uploads"),
        );
        assert.ok(
            renamed.refused.some((l) => /^buckets\.media: aws:s3\/bucket:Bucket \S+ holds data and would be deleted/.test(l)),
            renamed.refused.join("\n"),
        );
        // Every refusal names a spec path and says what to do instead; the protected bucket is marked in the list.
        for (const l of renamed.refused) assert.match(l, /^buckets\.media: .* Instead: /);
        assert.match(renamed.lines.join("\n"), /delete +buckets\.media: aws:s3\/bucket:Bucket .*\[protected\]/);
    });

    it("dev: a renamed database deletes its Docker volume: refused at databases.db", async () => {
        const renamed = await against("dev", "mdc-tts", "dbname", (t) => t.replace(/^  db:$/m, "  main:").replace(/\[db, /g, "[main, "));
        assert.ok(
            renamed.refused.some((l) => /^databases\.db: docker:index\/volume:Volume \S+ holds data and would be deleted/.test(l)),
            renamed.refused.join("\n"),
        );
    });

    it("dev: PostgreSQL 14 → 16 over the kept volume is refused at databases.db.version (the server would not start on it)", async () => {
        const major = await against("dev", "mdc-tts", "pgmajor", (t) => t.replace('version: "14"', 'version: "16"'));
        assert.deepStrictEqual(
            major.refused.filter((l) => l.startsWith("databases.db.version: ")).map((l) => l.split(" re-creates")[0]),
            ["databases.db.version: 14 → 16"],
            major.refused.join("\n"),
        );
        assert.match(major.refused[0], /re-creates mdc-tts-db on PostgreSQL 16 over the volume PostgreSQL 14 wrote.* Instead: /);
        assert.strictEqual(imageMajor("postgres:16.15-alpine@sha256:" + "0".repeat(64)), 16);
        assert.strictEqual(imageMajor("ghcr.io/cloudnative-pg/postgresql:14.24-202608170814-system-bookworm"), 14);
    });

    it("the routine changes are not refused on any stack (AuroMart)", async () => {
        for (const stack of STACKS) {
            const { system } = loadStack(stackConfig({ stack, system: "auromart" }));
            const before = await planStack({ stack, system: "auromart" });
            const after = await planStack({ stack, system: "auromart", overrides: routineOverrides(system) });
            const afterSystem = loadStack(stackConfig({ stack, system: "auromart", overrides: routineOverrides(system) })).system;
            const report = againstPlanFile(
                planFileOf(stack, before.run, stackConfig({ stack, system: "auromart" })),
                after.run,
                afterSystem,
            );
            assert.deepStrictEqual(report.refused, [], `${stack}: ${report.refused.join("\n")}`);
        }
    });

    it("staging: a service that starts or stops scaling on requests trades its HPA for KEDA's ScaledObject as one resource, the old deleted first (KEDA's webhook refuses two)", async () => {
        const onCpu = { services: { backend: { autoscaling: { requestsPerMinute: null } } } };
        const hpaOnly = await planStack({ stack: "staging", system: "mdc-tts", overrides: onCpu });
        const keda = await planStack({ stack: "staging", system: "mdc-tts" });
        const autoscalers = (p: typeof keda) =>
            p.resources.filter((r) => /HorizontalPodAutoscaler|ScaledObject/.test(r.type) && /backend/.test(r.name)).map((r) => r.type);
        assert.deepStrictEqual(autoscalers(hpaOnly), ["kubernetes:autoscaling/v2:HorizontalPodAutoscaler"]);
        assert.deepStrictEqual(autoscalers(keda), ["kubernetes:keda.sh/v1alpha1:ScaledObject"]);
        for (const [from, to] of [
            [hpaOnly, keda],
            [keda, hpaOnly],
        ]) {
            assert.deepStrictEqual(autoscalerSwapRefusals(from.run, to.run), []);
            // One logical resource replaced (its kind changed), the old one deleted before the new one is created.
            const swap = updateSteps(from.run, to.run).filter(
                (s) => /backend/.test(s.urn) && /HorizontalPodAutoscaler|ScaledObject/.test(s.type),
            );
            assert.deepStrictEqual(
                swap.map((s) => [s.kind, s.replacedBy.includes("kind")]),
                [["replace", true]],
            );
            assert.ok(to.resources.find((r) => r.urn === swap[0].urn)!.options.deleteBeforeReplace);
        }
    });

    it("staging and prod-eks: a service moved onto Argo Rollouts keeps serving: the update never scales its Deployment to 0; Argo does, once the Rollout is healthy", async () => {
        // mdc-tts's backend: a routed service rolling out in place; a canary moves it onto a Rollout.
        const canary = { services: { backend: { rollout: { strategy: "canary" } } } };
        for (const stack of ["staging", "prod-eks"]) {
            const rolling = await planStack({ stack, system: "mdc-tts" });
            const moved = await planStack({ stack, system: "mdc-tts", overrides: canary });
            const deployment = (p: typeof moved) =>
                p.resources.find((r) => r.type === "kubernetes:apps/v1:Deployment" && r.inputs.metadata.name === "backend")!;
            const rollout = moved.resources.find((r) => r.inputs?.kind === "Rollout" && r.inputs.metadata.name === "backend");
            assert.ok(rollout, `${stack}: the backend runs on a Rollout after the change`);
            assert.ok(!rolling.resources.some((r) => r.inputs?.kind === "Rollout" && r.inputs.metadata.name === "backend"));
            // The Deployment is updated in place (same URN), and its replicas are not set to 0 by Pulumi.
            const step = updateSteps(rolling.run, moved.run).find((s) => s.urn === deployment(moved).urn)!;
            assert.notStrictEqual(step?.kind, "replace", `${stack}: the Deployment is not replaced`);
            assert.notStrictEqual(deployment(moved).inputs.spec.replicas, 0, `${stack}: the update scales the serving Deployment to 0`);
            assert.strictEqual(
                rollout.inputs.spec.workloadRef.scaleDown,
                "onsuccess",
                `${stack}: Argo scales the Deployment down once the Rollout is healthy`,
            );
        }
    });

    it("staging: a larger storageGb grows the claim in place (no StatefulSet replaced); a smaller one is refused on every stack", async () => {
        const size = (gb: number) => ({ databases: { db: { storageGb: gb } } });
        const before = await planStack({ stack: "staging", system: "auromart" });
        const grown = await planStack({ stack: "staging", system: "auromart", overrides: size(60) });
        const steps = updateSteps(before.run, grown.run);
        const mysql = (s: UpdateStep) => /::auromart-db(-data-0)?$/.test(s.urn);
        assert.deepStrictEqual(
            steps.filter((s) => mysql(s) && s.kind !== "update").map(brief),
            [],
            "the StatefulSet and its claim are updated, nothing replaced",
        );
        const patch = steps.find((s) => s.type === "kubernetes:core/v1:PersistentVolumeClaimPatch" && mysql(s));
        assert.deepStrictEqual(patch?.changed, ["spec.resources.requests.storage"]);
        assert.equal(grown.one("kubernetes:core/v1:PersistentVolumeClaimPatch", "auromart-db-data-0").inputs.metadata.name, "data-db-0");
        const system = (stack: string, preset: string, gb: number) =>
            loadStack(stackConfig({ stack, system: preset, overrides: size(gb) })).system;
        assert.deepStrictEqual(
            againstPlanFile(
                planFileOf("staging", before.run, stackConfig({ stack: "staging", system: "auromart" })),
                grown.run,
                system("staging", "auromart", 60),
            ).refused,
            [],
        );

        // Smaller: the claim (staging MySQL), CloudNativePG's storage (staging PostgreSQL) and RDS's allocation (prod) cannot shrink.
        for (const [stack, preset] of [
            ["staging", "auromart"],
            ["staging", "mdc-tts"],
            ["prod", "mdc-tts"],
        ] as const) {
            const was = (await planStack({ stack, system: preset })).run;
            const { system: spec } = loadStack(stackConfig({ stack, system: preset }));
            const smaller = spec.databases.db.storageGb - 5;
            const after = await planStack({ stack, system: preset, overrides: size(smaller) });
            const report = againstPlanFile(
                planFileOf(stack, was, stackConfig({ stack, system: preset })),
                after.run,
                system(stack, preset, smaller),
            );
            // The data volume, named by the spec field; on staging the dump claims sized from it too.
            assert.ok(
                report.refused.some((l) => /^databases\.db\.storageGb: .* would shrink .*cannot be made smaller.* Instead: /.test(l)),
                `${stack} ${preset}: ${report.refused.join("\n")}`,
            );
            for (const line of report.refused) assert.match(line, /^databases\.db[.a-zA-Z]*: .* would shrink /);
        }
    });
});
