/**
 * The shipped stacks pass their own packs: every preset on dev (advisory, counted) and, on
 * staging and prod, with zero mandatory violations. The policies read what the platforms really
 * register: every taggable AWS type is under aws-required-tags, and datastore-backups finds the
 * schedules, retention and scripts of the real backup resources.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { planStack } from "../harness";
import type { OfflineRun, PlannedResource } from "../../scripts/offline/engine";
import { runPolicyReport } from "../../scripts/offline/policy-report";
import { resolvePolicyConfig } from "../../policies/config";
import { TAGGABLE_AWS_TYPES } from "../../policies/rules/aws";

const ROOT = path.join(__dirname, "..", "..");
const PRESETS = fs
    .readdirSync(path.join(ROOT, "systems"))
    .filter((f) => f.endsWith(".yaml"))
    .map((f) => f.replace(/\.yaml$/, ""));
const STACKS: Array<{ stack: string; platform: string }> = [
    { stack: "dev", platform: "docker" },
    { stack: "staging", platform: "kubernetes" },
    { stack: "prod", platform: "aws" },
];

describe("shipped stacks pass their policy packs", function () {
    this.timeout(120000);
    for (const { stack, platform } of STACKS) {
        describe(`${stack} (${platform})`, () => {
            for (const system of PRESETS) {
                it(`${system}: no mandatory violation`, async () => {
                    const plan = await planStack({ stack, system });
                    const report = runPolicyReport(plan.run, stack);
                    const mandatory = report.violations.filter((v) => v.level === "mandatory");
                    assert.deepStrictEqual(
                        mandatory.map((v) => `${v.policy} · ${v.type ?? "(stack)"} ${v.resource ?? ""}: ${v.message}`),
                        [],
                        `${system} on ${stack} has mandatory violations`,
                    );
                    // Every policy that applies to the platform ran on something, so a pass is not vacuous.
                    assert.ok(Object.values(report.checked).filter((n) => n > 0).length >= 10, "too few policies applied");
                });
            }
        });
    }
});

/**
 * The README's staging path exactly: `pulumi config set tierform:installOperators true`, then
 * `pulumi up` with policies/config/staging.json (every rule mandatory). With the operators on, the
 * program also creates Envoy Gateway's GatewayClass, the rate-limit Redis and its namespace's
 * NetworkPolicies: those must pass the same pack.
 */
describe("staging as the README deploys it (installOperators on, policies/config/staging.json)", function () {
    this.timeout(120000);
    for (const system of PRESETS) {
        it(`${system}: no mandatory violation`, async () => {
            const plan = await planStack({ stack: "staging", system, config: { "tierform:installOperators": "true" } });
            assert.ok(
                plan.run.resources.some((r) => r.type === "kubernetes:helm.sh/v3:Release"),
                "the operators are installed in this configuration",
            );
            const report = runPolicyReport(plan.run, "staging");
            assert.deepStrictEqual(
                report.violations
                    .filter((v) => v.level === "mandatory")
                    .map((v) => `${v.policy} · ${v.type ?? "(stack)"} ${v.resource ?? ""}: ${v.message}`),
                [],
            );
        });
    }
});

const AWS_SDK = path.dirname(require.resolve("@pulumi/aws/package.json"));

/** True when the AWS SDK's args of `type` (e.g. aws:rds/instance:Instance → rds/instance.d.ts, InstanceArgs) take `tags`. */
function sdkTakesTags(type: string): boolean {
    const [, module, name] = type.split(":");
    const file = path.join(AWS_SDK, `${module}.d.ts`);
    if (!fs.existsSync(file)) return false;
    const args = new RegExp(`export interface ${name}Args \\{([\\s\\S]*?)\\n\\}`).exec(fs.readFileSync(file, "utf8"));
    return !!args && /\n {4}tags\?:/.test(args[1]);
}

describe("aws-required-tags covers every taggable type of the prod stacks", function () {
    this.timeout(120000);
    it("lists each AWS type whose SDK args take tags", async () => {
        const types = new Set<string>();
        for (const system of PRESETS)
            for (const r of (await planStack({ stack: "prod", system })).resources)
                if (r.custom && r.type.startsWith("aws:")) types.add(r.type);
        const taggable = [...types].filter(sdkTakesTags);
        assert.ok(taggable.length >= 20, `only ${taggable.length} taggable types found; is the SDK lookup broken?`);
        assert.ok(!sdkTakesTags("aws:iam/rolePolicy:RolePolicy"), "RolePolicy takes no tags");
        assert.deepStrictEqual(
            taggable.filter((t) => !TAGGABLE_AWS_TYPES.includes(t)),
            [],
            "add these to TAGGABLE_AWS_TYPES in policies/rules/aws.ts",
        );
    });
});

/** Only datastore-backups, mandatory, with thresholds low enough that only what a test changes can fire. */
const BACKUPS_ONLY = resolvePolicyConfig({
    all: "disabled",
    "datastore-backups": { enforcementLevel: "mandatory", minRetentionDays: 1, maxIntervalMinutes: 10080 },
});

/** datastore-backups' messages on `run` with the resources that `match` changed by `edit` (on copies: plans are shared). */
function backupFindings(run: OfflineRun, match: (r: PlannedResource) => boolean, edit: (inputs: any) => void = () => undefined): string[] {
    const resources = run.resources.map((r) => {
        if (!r.custom || !match(r)) return r;
        const inputs = structuredClone(r.inputs);
        edit(inputs);
        return { ...r, inputs };
    });
    assert.ok(
        resources.some((r, i) => r !== run.resources[i]),
        "the edit matched no resource",
    );
    return runPolicyReport({ ...run, resources }, "test", BACKUPS_ONLY).violations.map((v) => v.message);
}

const isBackupContainer = (r: PlannedResource) =>
    r.type === "docker:index/container:Container" &&
    r.inputs.mustRun !== false &&
    (r.inputs.labels ?? []).some((l: any) => l.label === "tierform.tier" && l.value === "backup");
const isBackupScripts = (r: PlannedResource) =>
    r.type === "kubernetes:core/v1:ConfigMap" && typeof r.inputs.data?.["backup.sh"] === "string";
const isBackupCronJob = (r: PlannedResource) =>
    r.type === "kubernetes:batch/v1:CronJob" && r.inputs.metadata?.labels?.["app.kubernetes.io/component"] === "backup";
const isCnpgCluster = (r: PlannedResource) => r.type === "kubernetes:postgresql.cnpg.io/v1:Cluster";
const label = (key: string, value: string) => (inputs: any) => (inputs.labels = [...inputs.labels, { label: key, value }]);
const annotate = (key: string, value: string) => (inputs: any) =>
    (inputs.metadata.annotations = { ...(inputs.metadata.annotations ?? {}), [key]: value });
const pruneAfter = (days: number) => (text: string) => text.replace(/\bRETENTION_DAYS=\d+/, `RETENTION_DAYS=${days}`);

describe("datastore-backups reads the platforms' real backup resources", function () {
    this.timeout(120000);
    it("docker (AuroMart): the uploaded script, the retention label and the full + incremental schedules", async () => {
        const { run } = await planStack({ stack: "dev", system: "auromart" });
        assert.deepStrictEqual(backupFindings(run, isBackupContainer), []);
        const script = (inputs: any) => inputs.uploads.find((u: any) => u.file.endsWith("/backup.sh"));
        const isBackupFiles = (r: PlannedResource) =>
            isBackupContainer(r) ||
            (r.type === "docker:index/container:Container" &&
                r.inputs.labels?.some((l: any) => l.label === "tierform.role" && l.value === "config-files") &&
                r.inputs.labels?.some((l: any) => l.label === "tierform.tier" && l.value === "backup"));
        assert.match(
            backupFindings(run, isBackupFiles, (i) => i.uploads && (script(i).content = pruneAfter(1)(script(i).content))).join("\n"),
            /prunes backups after 1 days although it declares 30/,
        );
        assert.deepStrictEqual(
            backupFindings(run, isBackupContainer, label("tierform.backup.rpo-minutes", "360")),
            [],
            "the 6-hourly incremental meets a 6-hour RPO",
        );
        assert.match(
            backupFindings(run, isBackupContainer, label("tierform.backup.rpo-minutes", "60")).join("\n"),
            /every 360 min at best; the spec's RPO \(rpo-minutes\) needs every 60 min/,
        );
    });

    it("kubernetes (AuroMart): the CronJobs' schedules and annotations and the mounted script", async () => {
        const { run } = await planStack({ stack: "staging", system: "auromart" });
        assert.deepStrictEqual(backupFindings(run, isBackupCronJob), []);
        assert.match(
            backupFindings(run, isBackupScripts, (i) => (i.data["backup.sh"] = pruneAfter(1)(i.data["backup.sh"]))).join("\n"),
            /prunes backups after 1 days although it declares 30/,
        );
        assert.deepStrictEqual(backupFindings(run, isBackupCronJob, annotate("tierform.io/rpo-minutes", "360")), []);
        assert.match(backupFindings(run, isBackupCronJob, annotate("tierform.io/rpo-minutes", "60")).join("\n"), /needs every 60 min/);
    });

    it("kubernetes (MealKitz): CloudNativePG's WAL archive meets a 60-minute RPO; without it the daily base backup does not", async () => {
        const { run } = await planStack({ stack: "staging", system: "mealkitz" });
        assert.deepStrictEqual(backupFindings(run, isCnpgCluster, annotate("tierform.io/rpo-minutes", "60")), []);
        const noArchive = (i: any) => (annotate("tierform.io/rpo-minutes", "60")(i), delete i.spec.plugins);
        assert.match(
            backupFindings(run, isCnpgCluster, noArchive).join("\n"),
            /every 1440 min at best; the spec's RPO \(rpo-minutes\) needs every 60 min/,
        );
    });
});
