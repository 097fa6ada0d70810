/**
 * One BackupPlan per database (plan/backup.ts), computed once: its worst gap, the RPO it achieves
 * and the age after which the backup alerts fire, from the spec's schedules and point-in-time
 * recovery; and every platform's plan lists the same backups as the databases' entries.
 */
import * as assert from "node:assert/strict";
import { loadStack, PLATFORMS, presetNames } from "../../model";
import { planBackup, planFileShareBackup, planSystem } from "../../plan";
import { stackConfig } from "../harness";

const systemOf = (preset: string) => loadStack(stackConfig({ stack: "prod", system: preset })).system;

describe("plan: one backup plan per database", () => {
    it("AuroMart: daily at 02:00 plus every 6 hours, no point-in-time recovery: 6 h worst gap and RPO, alerts after 7 h", () => {
        const b = planBackup(systemOf("auromart").databases.db);
        assert.deepEqual(
            { gap: b.worstGapMinutes, rpo: b.achievableRpoMinutes, maxAge: b.maxAgeSeconds },
            { gap: 360, rpo: 360, maxAge: 7 * 3600 },
        );
        assert.equal(b.schedules.length, 2, "the full schedule, then the incremental one");
    });

    it("asset-management: point-in-time recovery achieves 5 minutes whatever the schedule; the alert still follows the schedule", () => {
        const b = planBackup(systemOf("asset-management").databases.db);
        assert.equal(b.pointInTime, true);
        assert.equal(b.achievableRpoMinutes, 5);
        assert.equal(b.maxAgeSeconds, (b.worstGapMinutes + 60) * 60);
        assert.ok(b.worstGapMinutes > 5);
    });

    it("carries the spec's archive copies (Asset Management: weekly 90 days, monthly 365), which AWS renders as its weekly and monthly rules", () => {
        assert.deepEqual(planBackup(systemOf("asset-management").databases.db).archive, {
            weeklyRetentionDays: 90,
            monthlyRetentionDays: 365,
        });
        assert.equal(planBackup(systemOf("auromart").databases.db).archive, undefined);
    });

    it("the file shares' backups: the first database's schedules and retention without point-in-time recovery; with no database daily at 02:00", () => {
        const plan = planSystem(systemOf("auromart"), "aws");
        const db = plan.backups[0];
        assert.deepEqual(plan.fileShareBackup, {
            database: "file_shares",
            schedules: db.schedules,
            retentionDays: db.retentionDays,
            pointInTime: false,
            worstGapMinutes: db.worstGapMinutes,
        });
        assert.deepEqual(planFileShareBackup([], 14), {
            database: "file_shares",
            schedules: ["0 2 * * *"],
            retentionDays: 14,
            pointInTime: false,
            worstGapMinutes: 1440,
        });
        assert.equal(planSystem(systemOf("mdc-tts"), "aws").fileShareBackup, undefined, "no file shares, no plan for them");
    });

    it("every preset on every platform: the plan's backups are its databases' entries, in spec order", () => {
        for (const preset of presetNames()) {
            const system = systemOf(preset);
            for (const platform of PLATFORMS) {
                const plan = planSystem(system, platform);
                assert.deepEqual(
                    plan.backups.map((b) => b.database),
                    Object.keys(system.databases),
                );
                for (const b of plan.backups)
                    assert.deepEqual(b, planBackup(system.databases[b.database]), `${preset} ${platform} ${b.database}`);
            }
        }
    });
});
