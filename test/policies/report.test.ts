/**
 * The offline policy report: runs every policy with the stack's config over a recorded run,
 * counts mandatory violations, honours disabled policies, and maps the checklists to PASS/FAIL.
 */
import * as assert from "assert";
import type { OfflineRun, PlannedResource } from "../../scripts/offline/engine";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PolicyConfigError, runPolicyReport } from "../../scripts/offline/policy-report";
import { resolvePolicyConfig } from "../../policies/config";
import { CHECKLIST } from "../../policies/rules";
import { rds } from "./fixtures/aws";
import { recorded } from "../offline/helpers";

function planned(type: string, name: string, inputs: Record<string, any>, extra: Partial<PlannedResource> = {}): PlannedResource {
    return recorded(type, name, inputs, { urn: `urn:pulumi:prod::tierform::${type}::${name}`, ...extra });
}

const runOf = (resources: PlannedResource[]): OfflineRun => ({ project: "tierform", stack: "prod", resources, outputs: {}, secretOutputs: [] });

describe("policy report", () => {
    it("counts a mandatory violation on prod and names resource, policy, level and message", () => {
        const run = runOf([planned("aws:rds/instance:Instance", "db", { ...rds, storageEncrypted: false }, { protect: true })]);
        const report = runPolicyReport(run, "prod");
        assert.ok(report.mandatoryCount > 0);
        const v = report.violations.find((x) => x.policy === "aws-database-encrypted");
        assert.ok(v, "aws-database-encrypted should fire");
        assert.strictEqual(v.level, "mandatory");
        assert.strictEqual(v.resource, "db");
        assert.match(report.text, /\[mandatory\] aws-database-encrypted · aws:rds\/instance:Instance db: storage is not encrypted/);
        assert.match(report.text, /FAIL {2}Database encrypted \(001 MDC Production Security Checklist\): .*aws-database-encrypted ✗1/);
    });

    it("reports the same problem as advisory on dev, with no mandatory count", () => {
        const run = runOf([planned("aws:rds/instance:Instance", "db", { ...rds, storageEncrypted: false })]);
        const report = runPolicyReport(run, "dev");
        assert.strictEqual(report.mandatoryCount, 0);
        assert.ok(report.violations.some((v) => v.policy === "aws-database-encrypted" && v.level === "advisory"));
    });

    it("skips disabled policies and passes provider, protect and dependencies through", () => {
        const provider = planned("pulumi:providers:kubernetes", "k8s", { namespace: "mdc-tts" });
        const svc = planned("kubernetes:core/v1:Service", "svc", { metadata: { name: "svc" }, spec: { type: "ClusterIP", selector: { a: "b" } } }, { provider: `${provider.urn}::id-1` });
        const cfg = resolvePolicyConfig({ all: "mandatory", "protect-stateful-resources": "disabled" });
        const vol = planned("docker:index/volume:Volume", "data", { name: "data" });
        const report = runPolicyReport(runOf([provider, svc, vol]), "prod", cfg);
        assert.ok(!report.violations.some((v) => v.policy === "k8s-namespace"), "the provider's namespace should count");
        assert.ok(!report.violations.some((v) => v.policy === "protect-stateful-resources"));
        assert.strictEqual(report.checked["protect-stateful-resources"], undefined);
        assert.match(report.text, /1 disabled/);
    });

    it("lists every checklist item in the compliance summary, N/A where nothing applies", () => {
        const report = runPolicyReport(runOf([]), "dev");
        for (const item of Object.values(CHECKLIST)) assert.ok(report.text.includes(item.text), `missing ${item.text}`);
        assert.match(report.text, /N\/A +SSL certificates configured/);
        assert.strictEqual(report.violations.length, 0);
    });

    it("throws PolicyConfigError with a clean message (no stack trace) on bad policy config", () => {
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "tierform-policy-")), "bad.json");
        fs.writeFileSync(file, JSON.stringify({ all: "mandatory", "pinned-image": "advisory", "aws-log-group-retention": { minDays: "365" } }));
        assert.throws(
            () => runPolicyReport(runOf([]), file),
            (err: unknown) => {
                assert.ok(err instanceof PolicyConfigError, `expected PolicyConfigError, got ${err}`);
                assert.match(err.message, /unknown policy 'pinned-image' \(did you mean 'pinned-images'\?\)/);
                assert.match(err.message, /'aws-log-group-retention'\.minDays must be integer, got string "365"/);
                assert.doesNotMatch(err.stack ?? "", /\n\s+at /, "the stack of a config error is its message alone");
                return true;
            },
        );
        assert.throws(() => runPolicyReport(runOf([]), "prod", new Map()), (err: unknown) => err instanceof PolicyConfigError && /no enforcement level resolved for pinned-images/.test(err.message));
    });

    it("turns a crashing policy into a mandatory violation instead of a silent pass", () => {
        const run = runOf([planned("aws:ecs/taskDefinition:TaskDefinition", "task", { family: "x", containerDefinitions: "[{\"name\":\"a\",\"environment\":5}]" })]);
        const report = runPolicyReport(run, "dev");
        assert.ok(report.violations.some((v) => v.level === "mandatory" && /policy failed/.test(v.message)));
    });
});
