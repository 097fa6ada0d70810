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
import { K8S_ANNOTATION, RESTORE_TEST_KIND } from "../../conventions/labels";

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
/** A dump CronJob: a backup's, not the restore test's (annotation backupKind restore-test), which reads the dumps. */
const isBackupCronJob = (r: PlannedResource) =>
    r.type === "kubernetes:batch/v1:CronJob" &&
    r.inputs.metadata?.labels?.["app.kubernetes.io/component"] === "backup" &&
    r.inputs.metadata?.annotations?.[K8S_ANNOTATION.backupKind] !== RESTORE_TEST_KIND;
const isCnpgCluster = (r: PlannedResource) => r.type === "kubernetes:postgresql.cnpg.io/v1:Cluster";
const label = (key: string, value: string) => (inputs: any) => (inputs.labels = [...inputs.labels, { label: key, value }]);
const annotate = (key: string, value: string) => (inputs: any) =>
    (inputs.metadata.annotations = { ...(inputs.metadata.annotations ?? {}), [key]: value });
const relabel = (key: string, value: string) => (inputs: any) =>
    (inputs.labels = [...inputs.labels.filter((l: any) => l.label !== key), { label: key, value }]);
/** The days a rendered backup script keeps dumps (its RETENTION_DAYS=N): what the renderer's prune-days label must say. */
const scriptRetention = (text: string) => Number(/\bRETENTION_DAYS=(\d+)/.exec(text)?.[1]);

describe("datastore-backups reads the platforms' real backup resources", function () {
    this.timeout(120000);
    it("docker (AuroMart): the prune-days label says what the uploaded script prunes, the retention label and the full + incremental schedules", async () => {
        const { run } = await planStack({ stack: "dev", system: "auromart" });
        assert.deepStrictEqual(backupFindings(run, isBackupContainer), []);
        const labelOf = (r: PlannedResource, key: string) => r.inputs.labels?.find((l: any) => l.label === key)?.value;
        const backups = run.resources.filter(isBackupContainer);
        assert.ok(backups.length > 0);
        for (const b of backups) {
            const datastore = labelOf(b, "tierform.datastore");
            const scripts = run.resources
                .filter((r) => r.type === "docker:index/container:Container" && labelOf(r, "tierform.datastore") === datastore)
                .filter((r) => labelOf(r, "tierform.tier") === "backup")
                .flatMap((r) => (r.inputs.uploads ?? []).filter((u: any) => u.file.endsWith("/backup.sh")));
            assert.equal(scripts.length, 1, `${b.name}: one backup.sh`);
            assert.equal(labelOf(b, "tierform.backup.prune-days"), String(scriptRetention(scripts[0].content)), b.name);
        }
        assert.match(
            backupFindings(run, isBackupContainer, relabel("tierform.backup.prune-days", "1")).join("\n"),
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

    it("kubernetes (AuroMart): the CronJobs' schedules and annotations, prune-days saying what the mounted script prunes", async () => {
        const { run } = await planStack({ stack: "staging", system: "auromart" });
        assert.deepStrictEqual(backupFindings(run, isBackupCronJob), []);
        const jobs = run.resources.filter(isBackupCronJob);
        assert.ok(jobs.length > 0);
        for (const j of jobs) {
            const mounted = j.inputs.spec.jobTemplate.spec.template.spec.volumes.map((v: any) => v.configMap?.name).filter(Boolean);
            const scripts = run.resources.filter((r) => isBackupScripts(r) && mounted.includes(r.inputs.metadata.name));
            assert.equal(scripts.length, 1, `${j.name}: one mounted backup.sh`);
            assert.equal(
                j.inputs.metadata.annotations["tierform.io/prune-days"],
                String(scriptRetention(scripts[0].inputs.data["backup.sh"])),
                j.name,
            );
        }
        assert.match(
            backupFindings(run, isBackupCronJob, annotate("tierform.io/prune-days", "1")).join("\n"),
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
