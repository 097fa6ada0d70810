/**
 * The lifecycle policies fire on a version past its date and stay silent on a current one, with
 * an injected clock (`today`); the dates table warns about itself when older than six months; the
 * table has dates for every engine line the spec offers; and the prod plans of AuroMart (MySQL
 * 8.0) and MDC (PostgreSQL 14) show the finding without failing.
 */
import { strict as assert } from "assert";
import { LIFECYCLE, LIFECYCLE_AS_OF, lifecycleRow } from "../../conventions/lifecycle";
import { imageLine } from "../../policies/rules/lifecycle";
import { datastoreImage } from "../../components/shared/images";
import { SUPPORTED_VERSIONS } from "../../model";
import { runPolicyReport } from "../../scripts/offline/policy-report";
import { planStack } from "../harness";
import { checkStack, type StackResource } from "./helpers";

const TODAY = "2026-11-30";
const rds = (name: string, engine: string, engineVersion: string, engineLifecycleSupport?: string): StackResource => ({
    type: "aws:rds/instance:Instance",
    name,
    props: { engine, engineVersion, ...(engineLifecycleSupport ? { engineLifecycleSupport } : {}) },
});
const container = (name: string, image: string): StackResource => ({
    type: "docker:index/container:Container",
    name,
    props: { name, image },
});
const addDays = (d: string, n: number) => new Date(Date.parse(d) + n * 86_400_000).toISOString().slice(0, 10);

describe("lifecycle policies", () => {
    describe("lifecycle-end-of-life", () => {
        it("fires on a self-run engine past its end of life, naming date, risk and successor", () => {
            const out = checkStack("lifecycle-end-of-life", [container("db", "mysql:8.0.46")], { today: TODAY });
            assert.equal(out.messages.length, 1);
            assert.match(
                out.messages[0],
                /mysql:8\.0\.46\) reached end of life on 2026-04-30: no more MySQL 8\.0 releases.*move to MySQL 8\.4 LTS \(source: https:\/\/endoflife\.date\/mysql/,
            );
            const pg = checkStack("lifecycle-end-of-life", [container("db", "postgres:14.24-alpine")], { today: TODAY });
            assert.match(pg.messages.join("\n"), /reached end of life on 2026-11-12/);
        });

        it("is silent on current versions, and on the same version before its date", () => {
            const current = [
                container("a", "postgres:18.6-alpine"),
                container("b", "mysql:8.4.11"),
                container("c", "mongo:8.0.29"),
                container("d", "rabbitmq:4.3.5-alpine"),
                rds("e", "postgres", "17"),
                rds("f", "mysql", "8.4"),
            ];
            assert.deepEqual(checkStack("lifecycle-end-of-life", current, { today: TODAY }).messages, []);
            assert.deepEqual(
                checkStack("lifecycle-end-of-life", [container("db", "postgres:14.24-alpine")], { today: "2026-11-11" }).messages,
                [],
            );
        });

        it("fires on RDS past standard support with Extended Support disabled (RDS would upgrade it itself), and past Extended Support", () => {
            const disabled = checkStack("lifecycle-end-of-life", [rds("db", "mysql", "8.0", "open-source-rds-extended-support-disabled")], {
                today: TODAY,
            });
            assert.match(
                disabled.messages.join("\n"),
                /left RDS standard support on 2026-07-31 with Extended Support disabled: RDS upgrades the major version on its own/,
            );
            const chosen = checkStack("lifecycle-end-of-life", [rds("db", "mysql", "8.0", "open-source-rds-extended-support")], {
                today: TODAY,
            });
            assert.deepEqual(chosen.messages, [], "paid Extended Support chosen: not end of life");
            const after = checkStack("lifecycle-end-of-life", [rds("db", "mysql", "8.0", "open-source-rds-extended-support")], {
                today: "2029-08-01",
            });
            assert.match(after.messages.join("\n"), /left RDS Extended Support on 2029-07-31/);
        });

        it("fires on a retired component (the object store MinIO, the ingress-nginx controller)", () => {
            const out = checkStack(
                "lifecycle-end-of-life",
                [
                    container("s3", "minio/minio:RELEASE.2025-04-22T22-12-26Z"),
                    container("edge", "registry.k8s.io/ingress-nginx/controller:v1.12.1"),
                ],
                { today: TODAY },
            );
            assert.equal(out.messages.length, 2, out.messages.join("\n"));
        });

        it("reads operator charts by their line", () => {
            const release = (chart: string, version: string): StackResource => ({
                type: "kubernetes:helm.sh/v3:Release",
                name: chart,
                props: { chart, version },
            });
            assert.match(
                checkStack("lifecycle-end-of-life", [release("oci://docker.io/envoyproxy/gateway-helm", "v1.8.3")], {
                    today: TODAY,
                }).messages.join("\n"),
                /reached end of life on 2026-11-08/,
            );
            assert.deepEqual(
                checkStack(
                    "lifecycle-end-of-life",
                    [release("oci://docker.io/envoyproxy/gateway-helm", "v1.9.0"), release("cert-manager", "v1.21.1")],
                    { today: TODAY },
                ).messages,
                [],
            );
        });
    });

    describe("lifecycle-support-window", () => {
        it("reports RDS on paid Extended Support with its cost and end, and a date within warnDays", () => {
            const out = checkStack(
                "lifecycle-support-window",
                [
                    rds("shop", "mysql", "8.0", "open-source-rds-extended-support"),
                    rds("tts", "postgres", "14", "open-source-rds-extended-support-disabled"),
                ],
                { today: TODAY },
            );
            assert.equal(out.messages.length, 2, out.messages.join("\n"));
            assert.match(
                out.messages[0],
                /left standard support on 2026-07-31 and runs on paid RDS Extended Support \(engineLifecycleSupport\) until 2029-07-31.*move to RDS MySQL 8\.4/,
            );
            assert.match(out.messages[1], /leaves RDS standard support on 2027-02-28, in 90 days.*move to RDS PostgreSQL 17 or 18/);
        });

        it("is silent on current versions and outside the window", () => {
            assert.deepEqual(
                checkStack(
                    "lifecycle-support-window",
                    [rds("a", "postgres", "18"), rds("b", "mysql", "8.4"), container("c", "postgres:17.11-alpine")],
                    { today: TODAY },
                ).messages,
                [],
            );
            assert.deepEqual(
                checkStack("lifecycle-support-window", [rds("tts", "postgres", "14")], { today: TODAY, warnDays: 60 }).messages,
                [],
            );
        });

        it("warns when the dates table is older than six months", () => {
            const current = [container("db", "postgres:18.6-alpine")];
            const fresh = checkStack("lifecycle-support-window", current, { today: addDays(LIFECYCLE_AS_OF, 100) });
            assert.deepEqual(fresh.messages, []);
            const stale = checkStack("lifecycle-support-window", current, { today: addDays(LIFECYCLE_AS_OF, 184) });
            assert.equal(stale.messages.length, 1);
            assert.match(stale.messages[0], new RegExp(`last checked on ${LIFECYCLE_AS_OF}, 184 days ago \\(more than 183\\)`));
        });
    });

    describe("the dates table", () => {
        it("has well-formed rows with a source, a risk and a successor", () => {
            assert.match(LIFECYCLE_AS_OF, /^\d{4}-\d{2}-\d{2}$/);
            for (const r of LIFECYCLE) {
                for (const d of [r.standardSupportEnds, r.endOfLife])
                    if (d) assert.ok(/^\d{4}-\d{2}-\d{2}$/.test(d) && !Number.isNaN(Date.parse(d)), `${r.product} ${r.line}: ${d}`);
                if (r.standardSupportEnds && r.endOfLife)
                    assert.ok(r.standardSupportEnds <= r.endOfLife, `${r.product} ${r.line}: standard support ends before end of life`);
                assert.ok(r.source && r.risk && r.moveTo, `${r.product} ${r.line}`);
            }
        });

        it("dates every engine line the spec offers, self-run and on RDS", () => {
            const missing: string[] = [];
            for (const [engine, lines] of Object.entries(SUPPORTED_VERSIONS)) {
                for (const line of lines) {
                    const image = datastoreImage(engine, line);
                    const self = imageLine(image);
                    if (!self || !lifecycleRow(self.product, self.line)) missing.push(image);
                    if ((engine === "postgres" || engine === "mysql") && !lifecycleRow(`rds-${engine}`, line))
                        missing.push(`rds-${engine} ${line}`);
                }
            }
            assert.deepEqual(missing, []);
        });
    });

    describe("the presets' prod plans", () => {
        for (const [system, pattern] of [
            [
                "auromart",
                /Instance 'auromart-db' \(RDS mysql 8\.0\) left standard support on 2026-07-31 and runs on paid RDS Extended Support/,
            ],
            ["mdc-tts", /Instance 'mdc-tts-db' \(RDS postgres 14\) (leaves RDS|left) standard support on 2027-02-28/],
        ] as const) {
            it(`${system}: shows the lifecycle finding, advisory, with no mandatory violation`, async () => {
                const plan = await planStack({ stack: "prod", system });
                const report = runPolicyReport(plan.run, "prod");
                const found = report.violations.filter((v) => v.policy === "lifecycle-support-window");
                assert.ok(
                    found.some((v) => pattern.test(v.message) && v.level === "advisory"),
                    found.map((v) => v.message).join("\n") || "no lifecycle finding",
                );
                assert.ok(report.text.includes("lifecycle-support-window"), "the report text shows it");
                assert.equal(report.violations.filter((v) => v.policy === "lifecycle-end-of-life").length, 0);
            });
        }
    });
});
