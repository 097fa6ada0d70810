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
import { planStack } from "../harness";
import { PROJECT_ROOT } from "../../model";
import { rds } from "./fixtures/aws";
import { recorded } from "../offline/helpers";

function planned(type: string, name: string, inputs: Record<string, any>, extra: Partial<PlannedResource> = {}): PlannedResource {
    return recorded(type, name, inputs, { urn: `urn:pulumi:prod::tierform::${type}::${name}`, ...extra });
}

const runOf = (resources: PlannedResource[]): OfflineRun => ({
    project: "tierform",
    stack: "prod",
    resources,
    outputs: {},
    secretOutputs: [],
    messages: [],
});

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
        assert.match(report.text, /FAIL +Database encrypted: .*aws-database-encrypted ✗1/);
    });

    it("reports the same problem as advisory on dev, with no mandatory count", () => {
        const run = runOf([planned("aws:rds/instance:Instance", "db", { ...rds, storageEncrypted: false })]);
        const report = runPolicyReport(run, "dev");
        assert.strictEqual(report.mandatoryCount, 0);
        assert.ok(report.violations.some((v) => v.policy === "aws-database-encrypted" && v.level === "advisory"));
    });

    it("skips disabled policies and passes provider, protect and dependencies through", () => {
        const provider = planned("pulumi:providers:kubernetes", "k8s", { namespace: "mdc-tts" });
        const svc = planned(
            "kubernetes:core/v1:Service",
            "svc",
            { metadata: { name: "svc" }, spec: { type: "ClusterIP", selector: { a: "b" } } },
            { provider: `${provider.urn}::id-1` },
        );
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
        fs.writeFileSync(
            file,
            JSON.stringify({ all: "mandatory", "pinned-image": "advisory", "aws-log-group-retention": { minDays: "365" } }),
        );
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
        assert.throws(
            () => runPolicyReport(runOf([]), "prod", new Map()),
            (err: unknown) => err instanceof PolicyConfigError && /no enforcement level resolved for pinned-images/.test(err.message),
        );
    });

    it("turns a crashing policy into a mandatory violation instead of a silent pass", () => {
        const run = runOf([
            planned("aws:ecs/taskDefinition:TaskDefinition", "task", {
                family: "x",
                containerDefinitions: '[{"name":"a","environment":5}]',
            }),
        ]);
        const report = runPolicyReport(run, "dev");
        assert.ok(report.violations.some((v) => v.level === "mandatory" && /policy failed/.test(v.message)));
    });

    describe("says only what holds", function () {
        this.timeout(60000);
        const row = (text: string, title: string) => text.split("\n").find((l) => l.includes(` ${title}: `)) ?? "";

        it("reports the WAF, DDoS protection and in-transit encryption N/A with the reason on Docker, not PASS", async () => {
            const dev = await planStack({ stack: "dev", system: "mdc-tts" });
            const text = runPolicyReport(dev.run, "dev").text;
            assert.match(
                row(text, "WAF (Web Application Firewall)"),
                /^ {2}N\/A +WAF \(Web Application Firewall\): no WAF on the dev stack/,
            );
            assert.match(row(text, "DDoS protection active"), /^ {2}N\/A /);
            assert.match(row(text, "TLS for all traffic, database connection encryption"), /^ {2}N\/A /);
            assert.match(row(text, "SSL certificates configured"), /^ {2}PASS /, "the edge's TLS is still checked");
        });

        it("reports the WAF and in-transit encryption of staging N/A unless a check of them ran", async () => {
            const staging = await planStack({ stack: "staging", system: "mdc-tts" });
            const text = runPolicyReport(staging.run, "staging").text;
            assert.doesNotMatch(row(text, "TLS for all traffic, database connection encryption"), /^ {2}PASS /);
            assert.doesNotMatch(
                row(text, "WAF (Web Application Firewall)"),
                /^ {2}PASS .*public-entry-tls-waf ✓/,
                "public-entry-tls-waf checks TLS there, not a WAF",
            );
        });

        it("passes the WAF on prod, where a web ACL association is checked", async () => {
            const prod = await planStack({ stack: "prod", system: "mdc-tts" });
            assert.match(
                row(runPolicyReport(prod.run, "prod").text, "WAF (Web Application Firewall)"),
                /^ {2}PASS .*aws-waf-managed-rules ✓/,
            );
        });

        it("refuses prod's edge.waf: false instead of creating web ACLs anyway", async () => {
            await assert.rejects(
                planStack({ stack: "prod", system: "mdc-tts", overrides: { edge: { waf: false } } }),
                /edge\.waf: is false, but the AWS edge always has a web application firewall/,
            );
        });

        it("marks FAIL rows whose violations are all advisory, with a legend, while nothing is mandatory", async () => {
            const dev = await planStack({ stack: "dev", system: "mdc-tts" });
            const report = runPolicyReport(dev.run, "dev");
            assert.strictEqual(report.mandatoryCount, 0);
            assert.match(report.text, /^ {2}FAIL \(advisory\) +Containers run as a non-root user: docker-non-root-user ✗\d/m);
            assert.doesNotMatch(report.text, /^ {2}FAIL +[A-Z]/m, "no bare FAIL when nothing is mandatory");
            assert.match(report.text, /\(advisory\): only advisory ones/);
        });

        it("names items by what they are and cites sections that docs/checklists.md has", () => {
            const doc = fs.readFileSync(path.join(PROJECT_ROOT, "docs", "checklists.md"), "utf8");
            const anchors = new Set(
                [...doc.matchAll(/^#+ (.+)$/gm)].map((m) =>
                    m[1]
                        .toLowerCase()
                        .replace(/[^a-z0-9 -]/g, "")
                        .replace(/ /g, "-"),
                ),
            );
            for (const [id, item] of Object.entries(CHECKLIST)) {
                assert.doesNotMatch(item.text, /^\d{3} |ARCHITECTURE|Checklist$/, `${id} is named by what it is`);
                assert.ok(item.sources.length > 0, `${id} has a source`);
                for (const src of item.sources) {
                    const [file, anchor] = src.split("#");
                    assert.strictEqual(file, "docs/checklists.md");
                    assert.ok(anchors.has(anchor), `${id}: docs/checklists.md has no section #${anchor}`);
                }
            }
            const report = runPolicyReport(runOf([]), "dev").text;
            assert.doesNotMatch(report, /001 MDC Production Security Checklist|ARCHITECTURE/);
        });
    });
});
