import { strict as assert } from "assert";
import { cronProblem, maxGapMinutes } from "../../conventions/cron";
import { isPinnedImage } from "../../conventions/images";

describe("conventions: one cron reading and one pinned-image rule for the program and the policies", () => {
    it("reads every form the platforms write: 5 fields, 6 with seconds (CloudNativePG), AWS cron and rate, macros", () => {
        assert.equal(maxGapMinutes("0 2 * * *"), 1440);
        assert.equal(maxGapMinutes("0 0 2 * * *"), 1440);
        assert.equal(maxGapMinutes("cron(0 2 * * ? *)"), 1440);
        assert.equal(maxGapMinutes("rate(6 hours)"), 360);
        assert.equal(maxGapMinutes("@hourly"), 60);
        assert.equal(maxGapMinutes("0 2 * * 1"), 7 * 1440);
        assert.equal(maxGapMinutes("cron(0 2 ? * 2 *)"), 7 * 1440, "AWS day-of-week 2 is Monday");
    });

    it("combines schedules: the gap is between runs of any of them", () => {
        assert.equal(maxGapMinutes("0 2 * * *", "0 14 * * *"), 720);
        assert.equal(maxGapMinutes("0 2 * * *", "0 */6 * * *"), 360);
    });

    it("a day-of-month and a day-of-week restriction match either day (Vixie cron), not both", () => {
        // The 1st of the month or any Monday: never more than a week apart. Read as 'the 1st AND a
        // Monday' (the program's old parser) it would run a few times a year.
        assert.ok(maxGapMinutes("0 2 1 * 1")! <= 7 * 1440);
    });

    it("refuses what it cannot read: undefined for the policies, a message for the spec", () => {
        assert.equal(maxGapMinutes("every day"), undefined);
        assert.equal(maxGapMinutes("0 25 * * *"), undefined);
        assert.match(cronProblem("0 0 2 * * *")!, /must have 5 fields/);
        assert.match(cronProblem("0 25 * * *")!, /hour: '25' is outside 0-23/);
        assert.equal(cronProblem("*/15 2-4 1,15 * 1-5"), undefined);
    });

    it("pinned images: a tag, a digest or an image id; never untagged or latest", () => {
        for (const ref of ["nginx:1.29.3", "ghcr.io/a/b:1.0@sha256:" + "a".repeat(64), "sha256:" + "b".repeat(64), "localhost:5000/app:v2"])
            assert.ok(isPinnedImage(ref), ref);
        for (const ref of ["nginx", "nginx:latest", "localhost:5000/app", "repo/app:"]) assert.ok(!isPinnedImage(ref), ref);
    });
});
