import * as assert from "assert";
import { recoveryProblems } from "../../../components/aws/data";
import { planBackup, planService, planSystem } from "../../../plan";
import { connectionValues } from "../../../components/shared/binding";
import { formatProblems, presetNames } from "../../../model";
import { stackConfig } from "../../harness";
import { runOffline } from "../../../scripts/offline/engine";
import { planData } from "./data-helpers";
import { loadSystem } from "./helpers";

/** What the AWS platform refuses of `preset` with `overrides` (and settings, or an RPO set in code past the loader), as one message. */
function refusal(
    preset: string,
    overrides: Record<string, unknown>,
    settingsOver: Record<string, unknown> = {},
    rpoMinutes?: number,
): Error {
    const loaded = loadSystem(preset, { overrides });
    // The loader already refuses most of these; a system built in code reaches the platform check unchecked.
    const system = rpoMinutes === undefined ? loaded.system : { ...loaded.system, recovery: { ...loaded.system.recovery, rpoMinutes } };
    const problems = recoveryProblems(
        planSystem(system, "aws"),
        { ...loaded.settings, ...settingsOver } as typeof loaded.settings,
        "us-east-1",
    );
    assert.ok(problems.length > 0, `${preset} with ${JSON.stringify(overrides)} was not refused`);
    return new Error(formatProblems(problems));
}

describe("aws data tier", function () {
    it("meets every preset's recovery objectives on prod", () => {
        for (const preset of presetNames()) {
            const { system, settings } = loadSystem(preset);
            assert.deepStrictEqual(recoveryProblems(planSystem(system, "aws"), settings, "us-east-1"), [], preset);
        }
        const { system } = loadSystem("auromart");
        assert.strictEqual(planBackup(system.databases.db).achievableRpoMinutes, 360, "daily at 02:00 plus every 6 hours");
        assert.strictEqual(planBackup(loadSystem("asset-management").system.databases.db).achievableRpoMinutes, 5);
    });

    it("refuses an RPO under 5 minutes before creating anything, naming the setting and the datastore", async () => {
        const err = refusal("asset-management", {}, {}, 3);
        assert.match(err.message, /recovery\.rpoMinutes is 3, but databases\.db cannot be recovered to less than 5 minutes/);
        // Through the program: the loader refuses it first (on every stack), before any resource is registered.
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const program: () => Promise<unknown> = require("../../../index");
        const config = stackConfig({ stack: "prod", system: "asset-management", overrides: { recovery: { rpoMinutes: 3 } } });
        const run = runOffline({ program, config, stack: "prod" });
        const failure = (await run.then(
            () => assert.fail("not refused"),
            (e: unknown) => e,
        )) as Error & { registered?: { custom: boolean }[] };
        assert.match(failure.message, /tierform:overrides recovery\.rpoMinutes: 3 is below 5, the least point-in-time recovery reaches/);
        assert.deepStrictEqual(
            (failure.registered ?? []).filter((r) => r.custom),
            [],
        );
    });

    it("refuses an RPO shorter than the backup interval of a database without point-in-time recovery", async () => {
        const err = refusal("auromart", {}, {}, 180);
        assert.match(err.message, /recovery\.rpoMinutes is 180, but databases\.db is backed up only every 360 minutes/);
        assert.match(err.message, /backup\.pointInTime: true/);
        const hld = refusal("hld-platform", {}, {}, 60);
        assert.match(hld.message, /databases\.mongo is backed up only every 1440 minutes/);
    });

    it("refuses cross-region recovery without a DR region, or with the stack's own region", async () => {
        const none = refusal("mealkitz", {}, { drRegion: "" });
        assert.match(none.message, /recovery\.crossRegion is set, but tierform:drRegion is empty/);
        const same = refusal("mealkitz", {}, { drRegion: "us-east-1" });
        assert.match(same.message, /is the stack's own region/);
    });

    it("binds every connection variable of every service that uses a datastore, credentials only as secrets", async () => {
        for (const preset of presetNames()) {
            const { system, bindings, plan } = await planData(preset);
            for (const service of Object.values(system.services)) {
                const servicePlan = planService(system, service, "aws");
                const { environment, secrets } = connectionValues(servicePlan, bindings);
                for (const v of servicePlan.variables.connections) {
                    const where = `${preset} ${service.name} ${v.variable}`;
                    if (v.secret) {
                        // A URL in the dialect of the service's client, or the password: a reference into the datastore's secret.
                        const key = v.client ? `url_${v.client}` : v.part === "password" ? "(password|authToken)" : "url";
                        assert.match(String(secrets[v.variable]), new RegExp(`^arn:aws:secretsmanager:.+:${key}::$`), where);
                        assert.ok(!(v.variable in environment), where);
                    } else assert.ok(environment[v.variable], where);
                }
                for (const value of Object.values(environment))
                    assert.ok(!/mock-.*-(password|token)/.test(String(value)), `${preset} ${service.name}`);
            }
            for (const [name, b] of Object.entries(bindings)) {
                if (b.outputs.connectionString !== undefined)
                    assert.ok(
                        plan.run.secretOutputs.some((p) => p.startsWith(`bindings.${name}.outputs.connectionString`)),
                        `${preset} ${name}`,
                    );
                for (const value of Object.values(b.environment))
                    assert.ok(!/password|mock-.*-(password|token)/.test(String(value)), `${preset} ${name}`);
                const injected = [
                    ...Object.values(b.secrets),
                    ...Object.values(b.connection?.urls ?? {}),
                    ...(b.connection ? [b.connection.password] : []),
                ];
                for (const arn of b.executionSecretArns)
                    assert.ok(
                        injected.some((s) => String(s).startsWith(String(arn))),
                        `${preset} ${name}: execution role reads the secret it injects`,
                    );
            }
        }
    });

    it("tags every taggable resource with system, environment, tier and managed-by", async () => {
        const { plan } = await planData("asset-management");
        const tagged = plan.resources.filter((r) => r.custom && r.inputs.tags !== undefined);
        assert.ok(tagged.length > 40, String(tagged.length));
        for (const r of tagged) {
            for (const k of ["system", "environment", "tier", "managed-by"]) assert.ok(r.inputs.tags[k], `${r.type} ${r.name} lacks ${k}`);
        }
        const mustBeTagged = [
            "aws:rds/instance:Instance",
            "aws:elasticache/replicationGroup:ReplicationGroup",
            "aws:sqs/queue:Queue",
            "aws:s3/bucket:Bucket",
            "aws:backup/vault:Vault",
            "aws:kms/key:Key",
            "aws:secretsmanager/secret:Secret",
            "aws:cloudwatch/metricAlarm:MetricAlarm",
        ];
        for (const t of mustBeTagged) {
            assert.ok(plan.ofType(t).length > 0, t);
            for (const r of plan.ofType(t)) assert.ok(r.inputs.tags, `${t} ${r.name} has no tags`);
        }
    });

    it("protects every stateful resource in prod (keys, secrets, queues, databases, caches, buckets, vaults)", async () => {
        const { plan } = await planData("mealkitz");
        const stateful = [
            "aws:kms/key:Key",
            "aws:secretsmanager/secret:Secret",
            "aws:sqs/queue:Queue",
            "aws:rds/instance:Instance",
            "aws:elasticache/replicationGroup:ReplicationGroup",
            "aws:s3/bucket:Bucket",
            "aws:backup/vault:Vault",
        ];
        for (const t of stateful) {
            assert.ok(plan.ofType(t).length > 0, t);
            for (const r of plan.ofType(t)) assert.strictEqual(r.protect, true, `${t} ${r.name}`);
        }
        const { plan: staging } = await planData("mdc-tts", { stack: "staging" });
        assert.deepStrictEqual(
            staging.resources.filter((r) => r.protect).map((r) => r.name),
            [],
        );
    });

    it("outputs writer and reader endpoints, the cache endpoint, queue URLs, bucket names and the backup vault", async () => {
        const { bindings } = await planData("asset-management");
        assert.strictEqual(bindings.db.outputs.endpoint, "asset-management-db.abc.us-east-1.rds.amazonaws.com:5432");
        assert.strictEqual(bindings.db.outputs.readerEndpoints?.length, 2);
        assert.strictEqual(bindings.db.platformOutputs?.backupVault, "asset-management-prod");
        assert.strictEqual(bindings.db.platformOutputs?.drRegion, "us-west-2");
        assert.match(String(bindings.cache.outputs.endpoint), /\.cfg\..+:6379$/);
        assert.match(String(bindings.jobs.outputs.endpoint), /^https:\/\/sqs\./);
        assert.strictEqual(bindings.files.outputs.kind, "bucket");
        assert.match(String(bindings.files.outputs.endpoint), /^asset-management-files-/);
    });
});
