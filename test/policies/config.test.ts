/**
 * The policy pack config: shipped per-stack configs are valid and resolve as intended; an unknown
 * policy name, an unknown setting or a wrong type fails with a clear message.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadPolicyConfig, PolicyConfigError, resolvePolicyConfig } from "../../policies/config";
import { allPolicies } from "../../policies/rules";

const problemsOf = (raw: unknown): string[] => {
    try {
        resolvePolicyConfig(raw, "test.json");
    } catch (err) {
        assert.ok(err instanceof PolicyConfigError, `expected PolicyConfigError, got ${err}`);
        assert.ok(err.message.startsWith("invalid policy config test.json"));
        return err.problems;
    }
    assert.fail("config was accepted");
};

describe("policy config", () => {
    it("the shipped dev config is all advisory, staging and prod mostly mandatory", () => {
        const dev = loadPolicyConfig("dev");
        assert.ok([...dev.values()].every((c) => c.enforcementLevel === "advisory"));
        for (const stack of ["staging", "prod"]) {
            const cfg = loadPolicyConfig(stack);
            const mandatory = [...cfg.values()].filter((c) => c.enforcementLevel === "mandatory").length;
            // staging leaves 9 advisory (7, and the two lifecycle policies: policies/README.md), prod 2.
            assert.ok(mandatory >= allPolicies.length - 9, `${stack}: only ${mandatory} mandatory`);
        }
        assert.strictEqual(loadPolicyConfig("prod").get("aws-database-backup-retention")!.config.minRetentionDays, 30);
        assert.strictEqual(loadPolicyConfig("staging").get("protect-stateful-resources")!.enforcementLevel, "advisory");
    });

    it("fills schema defaults and lets a policy's level win over all", () => {
        const cfg = resolvePolicyConfig({ all: "mandatory", "pinned-images": "disabled", "aws-log-group-retention": { minDays: 90 } });
        assert.strictEqual(cfg.get("pinned-images")!.enforcementLevel, "disabled");
        assert.strictEqual(cfg.get("debug-disabled")!.enforcementLevel, "mandatory");
        assert.strictEqual(cfg.get("aws-log-group-retention")!.config.minDays, 90);
        assert.deepStrictEqual(cfg.get("docker-port-binding")!.config.allowedHostPorts, [80, 443]);
    });

    it("rejects an unknown policy name and suggests the closest", () => {
        const problems = problemsOf({ all: "mandatory", "pinned-image": "advisory" });
        assert.strictEqual(problems.length, 1);
        assert.match(problems[0], /unknown policy 'pinned-image' \(did you mean 'pinned-images'\?\)/);
    });

    it("rejects a wrong type, naming the policy, setting, expected and actual type", () => {
        const problems = problemsOf({ "aws-log-group-retention": { minDays: "365" } });
        assert.deepStrictEqual(problems, [`'aws-log-group-retention'.minDays must be integer, got string "365"`]);
    });

    it("rejects a non-integer, a value below the minimum and a wrong item type", () => {
        const problems = problemsOf({
            "datastore-backups": { minRetentionDays: 1.5, maxIntervalMinutes: 0 },
            "docker-port-binding": { allowedHostPorts: [80, "443"] },
        });
        assert.ok(problems.some((p) => /minRetentionDays must be integer, got number 1\.5/.test(p)));
        assert.ok(problems.some((p) => /maxIntervalMinutes must be at least 1, got 0/.test(p)));
        assert.ok(problems.some((p) => /allowedHostPorts\[1\] must be integer, got string/.test(p)));
    });

    it("rejects an unknown setting and lists the policy's settings", () => {
        const problems = problemsOf({ "aws-log-group-retention": { retentionDays: 30 }, "pinned-images": { strict: true } });
        assert.ok(problems.some((p) => /'aws-log-group-retention' has no setting 'retentionDays'; its settings are minDays/.test(p)));
        assert.ok(problems.some((p) => /'pinned-images' has no setting 'strict'; it takes only enforcementLevel/.test(p)));
    });

    it("rejects a bad enforcement level and a non-object config", () => {
        assert.match(problemsOf({ all: "strict" })[0], /"all" must be one of advisory, mandatory, remediate, disabled/);
        assert.match(problemsOf({ "pinned-images": { enforcementLevel: "warn" } })[0], /'pinned-images'.enforcementLevel must be one of/);
        assert.match(problemsOf(["mandatory"])[0], /must be a JSON object/);
        assert.match(problemsOf({ "pinned-images": 3 })[0], /must be an enforcement level or an object/);
    });

    it("reports every problem at once", () => {
        assert.strictEqual(problemsOf({ nope: "advisory", "aws-log-group-retention": { minDays: true }, all: 1 }).length, 3);
    });

    it("fails clearly on a missing stack config and on invalid JSON", () => {
        assert.throws(() => loadPolicyConfig("qa"), /no policy config for 'qa'; shipped configs: dev, prod-eks, prod, staging/);
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "tf-policy-")), "bad.json");
        fs.writeFileSync(file, "{ all: mandatory }");
        assert.throws(() => loadPolicyConfig(file), /not valid JSON/);
    });
});
