/**
 * The prod stack deploys on a real AWS account: every preset, and the largest presets under the
 * longest system name the spec accepts (40 characters), plan with no AWS-limit problem (the offline
 * engine refuses a plan that breaks one, see scripts/offline/engine-rules/aws.ts), no mandatory
 * policy violation and no awsguard-equivalent finding.
 */
import * as assert from "assert";
import { runPolicyReport } from "../../scripts/offline/policy-report";
import { engineProblems } from "../../scripts/offline/engine-rules";
import { AWS_RULES } from "../../scripts/offline/engine-rules/aws";
import * as pulumi from "@pulumi/pulumi";
import { runOffline } from "../../scripts/offline/engine";
import { awsWarnings } from "../../components/aws/system";
import { loadStack, presetNames } from "../../model";
import { planSystem } from "../../plan";
import { planStack, stackConfig } from "../harness";

/** The longest system name the spec accepts (`identifier`: 40 characters), starting with the preset's own. */
export function longestName(preset: string): string {
    return `${preset}-${"x".repeat(40)}`.slice(0, 40);
}

describe("AWS limits on the prod stack (what a real preview and apply refuse)", function () {
    this.timeout(120000);

    for (const preset of presetNames()) {
        it(`${preset}: no AWS-limit problem, no mandatory violation`, async () => {
            const p = await planStack({ stack: "prod", system: preset });
            assert.deepStrictEqual(engineProblems(p.run, AWS_RULES), []);
            assert.deepStrictEqual(
                runPolicyReport(p.run, "prod").violations.filter((v) => v.level === "mandatory"),
                [],
            );
        });
    }

    it("every preset's plan warns about what a real `pulumi up` needs: a domain with a hosted zone instead of the placeholder, an alarm subscriber", () => {
        for (const preset of presetNames()) {
            const { system, settings } = loadStack(stackConfig({ stack: "prod", system: preset }));
            const warnings = awsWarnings(planSystem(system, "aws"), settings).join("\n");
            assert.match(
                warnings,
                new RegExp(
                    `edge.domain '${system.edge.domain!.replace(/\./g, "\\.")}' is a documentation placeholder.*tierform:hostedZoneId`,
                ),
                preset,
            );
            assert.match(warnings, /no alarm subscriber.*set tierform:alarmEmail/, preset);
            // File shares are built on AWS (EFS, files.ts): nothing about them is left to warn.
            assert.doesNotMatch(warnings, /mounts|file share/i, preset);
        }
        const ready = loadStack(
            stackConfig({
                stack: "prod",
                system: "mdc-tts",
                overrides: { edge: { domain: "tts.mdc.co.uk" } },
                config: { "tierform:alarmEmail": "oncall@mdc.co.uk" },
            }),
        );
        // What stays: services off the internet whose images come from outside the account's ECR keep 443 open, said once.
        const [egress, ...rest] = awsWarnings(planSystem(ready.system, "aws"), ready.settings);
        assert.deepStrictEqual(rest, []);
        assert.match(
            egress,
            /egress.internet is false, but HTTPS \(443\) to the internet stays open for frontend \(Fargate pulls ghcr.io\/mdc-sa\/tts-frontend:1.4.2 through the task's network interface, from outside ECR in the stack's region, and public.ecr.aws\/docker\/library\/busybox:1.37.0-musl and .* through the account's ECR pull-through cache, whose first pull .*\); beat \(/,
        );
        assert.doesNotMatch(egress, /(for |; )(backend|worker) \(/, "they opt in to the internet");
    });

    it("warns that in an existing VPC the lifecycle hook does not check a blue/green or canary service's preview", () => {
        const warnings = (config: Record<string, string>) => {
            const stack = loadStack(stackConfig({ stack: "prod", system: "asset-management", config }));
            return awsWarnings(planSystem(stack.system, "aws"), stack.settings).join("\n");
        };
        assert.match(
            warnings({ "tierform:vpcId": "vpc-0abc" }),
            /existing VPC, .*does not check the preview of api, frontend before production shifts/,
        );
        assert.doesNotMatch(warnings({}), /does not check the preview/);
    });

    it("a real update (not a preview) without tierform:alarmEmail is refused before anything is registered; with it, it proceeds", async function () {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const program = require("../../index");
        const config = stackConfig({ stack: "prod", system: "mdc-tts" });
        let error: unknown;
        const warn = console.warn;
        const warned: string[] = [];
        console.warn = (...a: unknown[]) => void warned.push(a.join(" "));
        try {
            await runOffline({ program, config, stack: "prod", preview: false });
        } catch (err) {
            error = err;
        } finally {
            console.warn = warn;
        }
        assert.ok(error instanceof pulumi.RunError, `expected a RunError, got ${String(error)}`);
        assert.match(error.message, /tierform:alarmEmail: is empty: every alarm would notify an SNS topic nobody reads/);
        assert.match(error.message, /edge\.domain: 'api\.mdc-tts\.example\.com' is a documentation placeholder/);
        const registered = (error as unknown as { registered: { type: string }[] }).registered;
        assert.deepStrictEqual(
            registered.map((r) => r.type).filter((t) => t !== "pulumi:pulumi:Stack"),
            [],
            "nothing registered",
        );
        const run = await runOffline({
            program,
            config: {
                ...config,
                "tierform:alarmEmail": "oncall@mdc.example.com",
                "tierform:overrides": JSON.stringify({ edge: { domain: "tts.mdc.co.uk" } }),
            },
            stack: "prod",
            preview: false,
        });
        assert.ok(
            run.resources.some(
                (r) => r.type === "aws:sns/topicSubscription:TopicSubscription" && r.inputs.endpoint === "oncall@mdc.example.com",
            ),
        );
    });

    for (const preset of ["mealkitz", "asset-management", "auromart"]) {
        it(`${preset} named with the longest legal system name (40 characters): every AWS name fits`, async () => {
            const name = longestName(preset);
            assert.strictEqual(name.length, 40);
            const p = await planStack({ stack: "prod", system: preset, overrides: { name } });
            assert.ok(
                p.resources.some((r) => r.type === "aws:lb/loadBalancer:LoadBalancer"),
                "the plan registered the edge",
            );
            assert.deepStrictEqual(engineProblems(p.run, AWS_RULES), []);
            assert.deepStrictEqual(
                runPolicyReport(p.run, "prod")
                    .violations.filter((v) => v.level === "mandatory")
                    .map((v) => `${v.policy}: ${v.message}`),
                [],
            );
        });
    }
});
