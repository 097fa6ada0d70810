/**
 * Spec values that used to pass the loader and were refused only later — by a policy on staging or
 * prod, by AWS's API, or by the AWS platform's refusal path — are refused at load on every stack,
 * one line each naming the file, the spec path and what is allowed.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, stringify } from "yaml";
import { formatProblems, loadStack, PROJECT_ROOT } from "../../model";
import { problemsOf } from "../harness";

describe("loader: what a platform, AWS or a policy would refuse later is refused at load, on every stack", () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tierform-refusals-"));
    after(() => fs.rmSync(tmp, { recursive: true, force: true }));

    /** A preset changed by `edit`, written as a spec file; returns its name. */
    function specFile(preset: string, name: string, edit: (spec: any) => void): string {
        const spec = parse(fs.readFileSync(path.join(PROJECT_ROOT, "systems", `${preset}.yaml`), "utf8"));
        edit(spec);
        fs.writeFileSync(path.join(tmp, `${name}.yaml`), stringify(spec));
        return `${name}.yaml`;
    }
    /** The one line the loader prints for `file` on each stack (the same on all three). */
    function oneLine(file: string, extra: Record<string, string> = {}): string {
        const lines = ["dev", "staging", "prod"].map((environment) => {
            const problems = problemsOf({ "tierform:system": file, "tierform:environment": environment, ...extra }, tmp);
            const text = formatProblems(problems);
            assert.equal(problems.length, 1, text);
            assert.equal(text.split("\n").length, 1, text);
            return text;
        });
        assert.equal(new Set(lines).size, 1, lines.join("\n"));
        return lines[0];
    }

    it("a debug switch in a service's env (it reaches staging and prod, where debug-disabled is mandatory)", () => {
        for (const [variable, value] of [
            ["FLASK_DEBUG", "1"],
            ["DEBUG", "true"],
            ["NODE_ENV", "development"],
        ]) {
            const file = specFile(
                "auromart",
                `debug-${variable}`,
                (s) => (s.services.web.env = { ...s.services.web.env, [variable]: value }),
            );
            assert.match(
                oneLine(file),
                new RegExp(
                    `^${file}:\\d+ services\\.web\\.env\\.${variable}: ${variable}=${value} switches debugging on, which prod-eks, prod, staging refuse \\(policy debug-disabled: .*\\); remove it, or set it for the dev stack alone in its tierform:overrides$`,
                ),
            );
        }
        // Off is fine; the dev stack's own overrides may switch it on; staging's may not.
        loadStack({ "tierform:system": specFile("auromart", "debug-off", (s) => (s.services.web.env = { FLASK_DEBUG: "0" })) }, tmp);
        const on = JSON.stringify({ services: { web: { env: { FLASK_DEBUG: "1" } } } });
        loadStack({ "tierform:system": "auromart", "tierform:environment": "dev", "tierform:overrides": on });
        const staging = problemsOf({ "tierform:system": "auromart", "tierform:environment": "staging", "tierform:overrides": on }, tmp);
        assert.deepEqual(
            staging.map((p) => `${p.where}: ${p.message}`),
            [
                "tierform:overrides services.web.env.FLASK_DEBUG: FLASK_DEBUG=1 switches debugging on, which staging refuses (policy debug-disabled: debug pages leak settings and stack traces); remove it",
            ],
        );
    });

    it("a backup schedule more often than hourly (AWS Backup refuses jobs less than 60 minutes apart)", () => {
        const file = specFile("auromart", "half-hourly", (s) => (s.databases.db.backup.incrementalSchedule = "*/30 * * * *"));
        assert.match(
            oneLine(file),
            /^half-hourly\.yaml:\d+ databases\.db\.backup\.incrementalSchedule: '\*\/30 \* \* \* \*' runs every 30 minutes; AWS Backup refuses backup jobs less than 60 minutes apart; run it at most hourly$/,
        );
        // Hourly is AWS Backup's least interval: it loads.
        loadStack(
            { "tierform:system": specFile("auromart", "hourly", (s) => (s.databases.db.backup.incrementalSchedule = "0 * * * *")) },
            tmp,
        );
    });

    it("a backup schedule restricting both day-of-month and day-of-week (cron's 'either', which AWS cannot say)", () => {
        const file = specFile("mdc-tts", "both-days", (s) => {
            s.databases.db.backup.incrementalSchedule = "0 3 1 * 1";
        });
        assert.match(
            oneLine(file),
            /^both-days\.yaml:\d+ databases\.db\.backup\.incrementalSchedule: '0 3 1 \* 1' restricts both day-of-month and day-of-week, which cron reads as either day and AWS Backup refuses .*; restrict one and leave the other '\*'$/,
        );
    });

    it("backups further apart than the backup policies allow on staging and prod, even within the RPO", () => {
        const file = specFile("auromart", "weekly", (s) => {
            s.databases.db.backup = { schedule: "0 2 * * 0" };
            s.recovery.rpoMinutes = 10080;
        });
        assert.match(
            oneLine(file),
            /^weekly\.yaml:\d+ databases\.db\.backup: backups run up to 10080 minutes apart, more than 1440, the longest interval on prod-eks, prod, staging \(policies datastore-backups, aws-backup-plan\); schedule them at least every 1440 minutes/,
        );
    });

    it("pointInTime in place of frequent dumps for MySQL (dumps only on Kubernetes and Docker)", () => {
        const file = specFile("auromart", "pitr-mysql", (s) => {
            s.databases.db.backup = { schedule: "0 2 * * *", pointInTime: true };
            s.recovery.rpoMinutes = 120;
        });
        assert.match(
            oneLine(file),
            /^pitr-mysql\.yaml:\d+ databases\.db\.backup: backups run up to 1440 minutes apart but recovery\.rpoMinutes is 120; pointInTime does not stand in for them \(mysql has dumps only on Kubernetes and Docker\); schedule them at least every 120 minutes/,
        );
        // PostgreSQL with pointInTime meets a 15-minute RPO (asset-management).
        loadStack({ "tierform:system": "asset-management" });
    });

    it("an RPO below what point-in-time recovery reaches (5 minutes)", () => {
        const file = specFile("mdc-tts", "rpo-2", (s) => (s.recovery.rpoMinutes = 2));
        assert.match(
            oneLine(file),
            /^rpo-2\.yaml:\d+ recovery\.rpoMinutes: 2 is below 5, the least point-in-time recovery reaches .*; set 5 or more$/,
        );
    });

    it("a bucket lifecycle S3 refuses: warm before 30 days, expiry not after the last transition", () => {
        const early = specFile("auromart", "warm-early", (s) => (s.buckets.offsite.lifecycle = [{ afterDays: 10, tier: "warm" }]));
        assert.match(
            oneLine(early),
            /^warm-early\.yaml:\d+ buckets\.offsite\.lifecycle\[0\]\.afterDays: 10: S3 moves objects to warm storage \(STANDARD_IA\) after 30 days at the earliest .*; give 30 or more$/,
        );
        const expiry = specFile("auromart", "expire-early", (s) => (s.buckets.offsite.expireAfterDays = 30));
        assert.match(
            oneLine(expiry),
            /^expire-early\.yaml:\d+ buckets\.offsite\.expireAfterDays: 30 is not after the last lifecycle transition \(30 days\), .*; expire after more than 30 days$/,
        );
    });

    it("a traffic policy on a service no edge route reaches (it is applied where the edge reaches the service)", () => {
        const file = specFile("mdc-tts", "traffic-unrouted", (s) => (s.services.beat.traffic = { timeoutSeconds: 10 }));
        assert.match(
            oneLine(file),
            /^traffic-unrouted\.yaml:\d+ services\.beat\.traffic: is applied where the edge reaches the service and no edge\.routes entry goes to 'beat'; route it, or leave traffic out$/,
        );
    });
});
