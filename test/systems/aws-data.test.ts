/**
 * The AWS data tier of every preset on the prod stack, as the whole program builds it: the seed's
 * datastores, backup schedules and retention, replicas and DR, alarms, the wiring into the services,
 * and outputs with credentials only as secrets.
 */
import * as assert from "assert";
import { connectionVariables } from "../../plan";
import { runPolicyReport } from "../../scripts/offline/policy-report";
import { loadStack } from "../../model";
import { planStack, stackConfig, type Plan } from "../harness";
import { leaks, mockPasswords, providerOf } from "../components/aws/data-helpers";

interface Expect {
    engine: string;
    readers: number;
    rules: string[];
    dr: boolean;
    alarms: string[];
}

const PRESETS: Record<string, Expect> = {
    "mdc-tts": {
        engine: "postgres",
        readers: 0,
        rules: ["continuous", "scheduled"],
        dr: false,
        alarms: ["db-cpu", "db-free-storage", "db-connections", "cache-cpu", "cache-memory", "cache-evictions"],
    },
    auromart: {
        engine: "mysql",
        readers: 0,
        rules: ["incremental", "scheduled"],
        dr: false,
        alarms: ["db-cpu", "db-free-storage", "db-connections"],
    },
    "hld-platform": {
        engine: "docdb",
        readers: 1,
        rules: ["scheduled"],
        dr: false,
        alarms: ["mongo-cpu", "mongo-connections", "mongo-replica-lag", "cache-cpu"],
    },
    mealkitz: {
        engine: "postgres",
        readers: 2,
        rules: ["continuous", "scheduled"],
        dr: true,
        alarms: ["db-replica-1-replica-lag", "db-dr-replica-lag", "events-oldest-message", "events-dlq-depth"],
    },
    "asset-management": {
        engine: "postgres",
        readers: 2,
        rules: ["continuous", "monthly", "scheduled", "weekly"],
        dr: true,
        alarms: ["db-replica-2-replica-lag", "db-dr-replica-lag", "jobs-dlq-depth", "cache-evictions"],
    },
};

describe("aws data tier of every preset on prod", function () {
    for (const [preset, expect] of Object.entries(PRESETS)) {
        describe(preset, function () {
            let plan: Plan;
            before(async () => {
                plan = await planStack({ stack: "prod", system: preset });
            });

            it("builds the seed's datastores under the system, with writer/reader endpoints, cache endpoint, queue URLs and bucket names in the outputs", () => {
                const ds = plan.outputs.datastores;
                const db = Object.values(ds).find((d: any) => d.kind === "database") as any;
                assert.ok(db, "a database");
                assert.match(db.endpoint, /:\d+$/);
                assert.strictEqual((db.readerEndpoints ?? []).length, expect.readers);
                for (const d of Object.values(ds) as any[]) {
                    if (d.kind === "cache") assert.match(d.endpoint, /\.cache\.amazonaws\.com:6379$/);
                    if (d.kind === "queue") assert.match(d.endpoint, /^https:\/\/sqs\./);
                    if (d.kind === "bucket") assert.match(d.endpoint, /^[a-z0-9.-]{3,63}$/);
                    assert.strictEqual(d.connectionString, undefined, "connection strings only under the secret output");
                }
                const engines = [
                    ...plan.ofType("aws:rds/instance:Instance").map((r) => r.inputs.engine),
                    ...plan.ofType("aws:docdb/cluster:Cluster").map((r) => r.inputs.engine),
                ];
                assert.ok(engines.includes(expect.engine), engines.join());
                for (const t of [
                    "tierform:aws:Database",
                    "tierform:aws:DocumentDb",
                    "tierform:aws:Cache",
                    "tierform:aws:Queue",
                    "tierform:aws:Bucket",
                    "tierform:aws:Backup",
                ]) {
                    // The edge's own log bucket is the edge's; every datastore is the system's.
                    for (const c of plan.ofType(t))
                        assert.match(c.urn, c.name === `${preset}-edge-logs` ? /tierform:aws:Edge\$/ : /tierform:aws:System\$/, c.name);
                }
            });

            it("backs up on the seed's schedule with at least 30 days in a KMS vault, and copies every backup off-site to tierform:drRegion", () => {
                // One plan per database; the file shares' EFS file systems (AuroMart) have their own (aws-files.test.ts).
                const plans = plan.ofType("aws:backup/plan:Plan").filter((p) => !p.name.endsWith("-file_shares"));
                assert.strictEqual(plans.length, 1);
                const rules = plans[0].inputs.rules;
                assert.deepStrictEqual(rules.map((r: any) => r.ruleName).sort(), expect.rules);
                for (const r of rules) assert.ok(r.lifecycle.deleteAfter >= 30, r.ruleName);
                const vaults = plan.ofType("aws:backup/vault:Vault");
                for (const v of vaults) assert.ok(v.inputs.kmsKeyArn, v.name);
                assert.ok(
                    Object.values(plan.outputs.platform).some((p: any) => p?.backupVault),
                    "backup vault in the outputs",
                );
                const copies = rules.filter((r: any) => r.copyActions?.length);
                const drReplicas = plan
                    .ofType("aws:rds/instance:Instance")
                    .filter((r) => providerOf(plan, r)?.inputs.region === "us-west-2");
                if (expect.dr) {
                    assert.strictEqual(vaults.length, 2);
                    assert.ok(copies.length > 0);
                    assert.strictEqual(drReplicas.length, 1);
                    assert.match(drReplicas[0].inputs.replicateSourceDb, /^arn:aws:rds:/);
                } else {
                    // No DR site, yet every backup is copied off-site (a vault in tierform:drRegion, prod).
                    assert.strictEqual(vaults.length, 2);
                    // Continuous (point-in-time) rules stay in the region: their snapshot rules carry the copies.
                    assert.strictEqual(copies.length, rules.filter((r: any) => !r.enableContinuousBackup).length);
                    assert.strictEqual(drReplicas.length, 0);
                }
            });

            it("wires each datastore's credentials into the services that use it as ECS secrets, never as plain variables", () => {
                for (const service of plan.ofType("aws:ecs/taskDefinition:TaskDefinition")) {
                    const [container] = JSON.parse(service.inputs.containerDefinitions);
                    const secretNames = (container.secrets ?? []).map((s: any) => s.name);
                    const envNames = (container.environment ?? []).map((e: any) => e.name);
                    for (const n of secretNames) assert.ok(!envNames.includes(n), `${service.name} ${n}`);
                    for (const e of container.environment ?? [])
                        assert.ok(!/:\/\/[^/]*:[^@]*@/.test(e.value), `${service.name} ${e.name} carries credentials`);
                }
                const { system } = loadStack(stackConfig({ stack: "prod", system: preset }));
                for (const svc of Object.values(system.services)) {
                    const vars = connectionVariables(system, svc);
                    if (vars.length === 0) continue;
                    const td = plan.ofType("aws:ecs/taskDefinition:TaskDefinition").find((t) => t.name.includes(`-${svc.name}-`))!;
                    assert.ok(td, svc.name);
                    const [container] = JSON.parse(td.inputs.containerDefinitions);
                    for (const v of vars) {
                        const where = v.secret ? container.secrets : container.environment;
                        assert.ok(
                            (where ?? []).some((x: any) => x.name === v.variable),
                            `${svc.name} ${v.variable}`,
                        );
                    }
                }
                assert.ok(plan.run.secretOutputs.includes("connectionStrings"));
                assert.deepStrictEqual(leaks(plan, mockPasswords(plan)), []);
            });

            it("has no mandatory policy violation at all (the whole stack, data tier included)", () => {
                const violations = runPolicyReport(plan.run, "prod").violations.filter((v) => v.level === "mandatory");
                assert.deepStrictEqual(
                    violations.map((v) => `${v.policy} ${v.resource ?? ""}: ${v.message}`),
                    [],
                );
            });

            it("alarms on the data tier and on backup failures, to the alarm topic", () => {
                const names = plan.ofType("aws:cloudwatch/metricAlarm:MetricAlarm").map((a) => a.inputs.name);
                for (const a of [...expect.alarms, "backup-jobs-failed", "alb-5xx-rate", "alb-p99-latency"])
                    assert.ok(names.includes(`${preset}-${a}`), a);
            });
        });
    }
});

describe("AuroMart's off-site backups on AWS (prod stack)", function () {
    this.timeout(120000);

    it("copies every backup to a vault in tierform:drRegion under its own key, without a DR site", async () => {
        const p = await planStack({ stack: "prod", system: "auromart" });
        const vaults = p.ofType("aws:backup/vault:Vault");
        const offsite = vaults.find((v) => providerOf(p, v)?.inputs.region === "us-west-2");
        assert.ok(offsite, `a vault in the DR region: ${vaults.map((v) => v.name).join(", ")}`);
        assert.match(offsite.inputs.kmsKeyArn, /offsite/);
        const plan = p.one("aws:backup/plan:Plan", "auromart-backup-db");
        for (const rule of plan.inputs.rules) {
            assert.deepStrictEqual(
                // The vault lives in the DR region, and its ARN says so (the mock outputs answer in the provider's region).
                rule.copyActions?.map((c: any) => c.destinationVaultArn),
                [`arn:aws:backup:us-west-2:123456789012:vault/${offsite.name}`],
                rule.ruleName,
            );
        }
        assert.strictEqual(
            p.ofType("aws:ec2/vpc:Vpc").filter((v) => providerOf(p, v)?.inputs.region === "us-west-2").length,
            0,
            "no DR network: AuroMart asks for no cross-region recovery",
        );
    });
    for (const preset of Object.keys(PRESETS)) {
        it(`${preset}: every database log export has its log group created first, named as AWS names it, encrypted, with retention`, async () => {
            const plan = await planStack({ stack: "prod", system: preset });
            const groups = new Map(plan.ofType("aws:cloudwatch/logGroup:LogGroup").map((g) => [g.inputs.name, g]));
            const exporters = [
                ...plan.ofType("aws:rds/instance:Instance").map((r) => ({ r, group: `/aws/rds/instance/${r.inputs.identifier}` })),
                ...plan.ofType("aws:docdb/cluster:Cluster").map((r) => ({ r, group: `/aws/docdb/${r.inputs.clusterIdentifier}` })),
            ];
            assert.ok(exporters.length > 0);
            for (const { r, group } of exporters) {
                assert.ok(r.inputs.enabledCloudwatchLogsExports.length > 0, r.name);
                for (const log of r.inputs.enabledCloudwatchLogsExports) {
                    const g = groups.get(`${group}/${log}`);
                    assert.ok(g, `${r.name}: no log group ${group}/${log}`);
                    assert.ok(r.dependencies.includes(g.urn), `${r.name} is created after ${g.inputs.name}`);
                    assert.match(String(g.inputs.kmsKeyId), /^arn:aws:kms:/, `${g.inputs.name} is encrypted`);
                    assert.strictEqual(g.inputs.retentionInDays, 365, g.inputs.name);
                    assert.strictEqual(g.provider, r.provider, `${g.inputs.name} is in the database's region`);
                }
            }
        });
    }
});
