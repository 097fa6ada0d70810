/**
 * Every policy statement the prod plans register that names an AWS service as principal (role
 * trust policies, bucket, topic and key policies) may carry a confused-deputy condition
 * (`aws:SourceAccount`, `aws:SourceArn`) only where AWS documents that key for that principal: a
 * service that does not send the key fails every request the condition guards (a blue/green
 * deployment, a backup job, an alarm notification). The table below is what AWS's pages say, one
 * page per principal; a principal the program starts to use must be looked up and added here.
 */
import * as assert from "assert";
import { presetNames } from "../../model";
import { planStack } from "../harness";

/** Per service principal: the source condition keys AWS documents for it (lower case), and where. */
const DOCUMENTED: Record<string, { keys: string[]; page: string }> = {
    "ecs-tasks.amazonaws.com": {
        keys: ["aws:sourceaccount", "aws:sourcearn"],
        page: "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-iam-roles.html (trust relationship, confused deputy)",
    },
    "monitoring.rds.amazonaws.com": {
        keys: ["aws:sourceaccount", "aws:sourcearn"],
        page: "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_Monitoring.OS.Enabling.html#USER_Monitoring.OS.confused-deputy",
    },
    "ecs.amazonaws.com": {
        keys: [],
        page: "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/AmazonECSInfrastructureRolePolicyForLoadBalancers.html (no condition)",
    },
    "backup.amazonaws.com": {
        keys: [],
        page: "https://docs.aws.amazon.com/aws-backup/latest/devguide/iam-service-roles.html, backup-notifications.html (no condition)",
    },
    "events.amazonaws.com": {
        keys: [],
        page: "https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services (source keys not supported for EventBridge)",
    },
    "cloudwatch.amazonaws.com": {
        keys: ["aws:sourceaccount", "aws:sourcearn"],
        page: "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Notify_Users_Alarm_Changes.html (SNS confused-deputy prevention)",
    },
    "delivery.logs.amazonaws.com": {
        keys: ["aws:sourceaccount", "aws:sourcearn"],
        page: "https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-s3-permissions.html",
    },
    "logging.s3.amazonaws.com": {
        keys: ["aws:sourceaccount", "aws:sourcearn"],
        page: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html#grant-log-delivery-permissions-general",
    },
    "cloudfront.amazonaws.com": {
        keys: ["aws:sourcearn"],
        page: "https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-restricting-access-to-s3.html",
    },
    "logdelivery.elasticloadbalancing.amazonaws.com": {
        keys: [],
        page: "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html (no condition used)",
    },
    "lambda.amazonaws.com": {
        keys: [],
        page: "https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html (the execution role's trust policy, no condition)",
    },
    "logs.*.amazonaws.com": {
        keys: [],
        page: "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html (kms:EncryptionContext, no source key used)",
    },
};

/** A service principal's entry in {@link DOCUMENTED} (`logs.<region>.amazonaws.com` under `logs.*`). */
const documented = (service: string) => DOCUMENTED[service] ?? DOCUMENTED[service.replace(/^logs\.[a-z0-9-]+\./, "logs.*.")];

/** One statement naming a service principal, where it was registered, and the source keys of its condition. */
interface ServiceStatement {
    where: string;
    services: string[];
    sourceKeys: string[];
}

/** Every statement naming a service principal in any JSON policy among a resource's inputs. */
function serviceStatements(where: string, inputs: Record<string, unknown>): ServiceStatement[] {
    const out: ServiceStatement[] = [];
    for (const [field, value] of Object.entries(inputs)) {
        if (typeof value !== "string" || !value.includes('"Statement"')) continue;
        const statements = [JSON.parse(value).Statement].flat();
        for (const s of statements) {
            const service = s.Principal?.Service;
            if (!service) continue;
            const sourceKeys = Object.values(s.Condition ?? {})
                .flatMap((c) => Object.keys(c as object))
                .map((k) => k.toLowerCase())
                .filter((k) => k.startsWith("aws:source"));
            out.push({ where: `${where}.${field} ${s.Sid ?? ""}`.trim(), services: [service].flat(), sourceKeys });
        }
    }
    return out;
}

describe("AWS trust and resource policies: a source condition only where AWS documents it for the principal", function () {
    this.timeout(300000);

    for (const preset of presetNames()) {
        it(`${preset}: every service-principal statement holds to the documented table`, async () => {
            const plan = await planStack({ stack: "prod", system: preset });
            const statements = plan.resources.flatMap((r) => serviceStatements(`${r.type.split(":").pop()} ${r.name}`, r.inputs));
            assert.ok(
                statements.some((s) => s.services.includes("ecs-tasks.amazonaws.com")),
                "the plan has task roles",
            );
            const problems: string[] = [];
            for (const s of statements) {
                for (const service of s.services) {
                    const doc = documented(service);
                    if (!doc) {
                        problems.push(`${s.where}: ${service} is not in the documented table: look up its page and add it`);
                        continue;
                    }
                    for (const key of s.sourceKeys)
                        if (!doc.keys.includes(key))
                            problems.push(`${s.where}: ${key} on ${service}, which AWS does not document (${doc.page})`);
                }
            }
            assert.deepStrictEqual(problems, []);
        });
    }

    it("the trust policies that AWS documents a condition for keep it (task and execution roles, RDS monitoring)", async () => {
        const plan = await planStack({ stack: "prod", system: "mealkitz" });
        const trusts = plan
            .ofType("aws:iam/role:Role")
            .map((r) => JSON.parse(r.inputs.assumeRolePolicy).Statement[0])
            .filter((s) => ["ecs-tasks.amazonaws.com", "monitoring.rds.amazonaws.com"].includes(s.Principal.Service));
        assert.ok(trusts.length > 2);
        for (const t of trusts)
            assert.deepStrictEqual(Object.keys(t.Condition?.StringEquals ?? {}), ["aws:SourceAccount"], t.Principal.Service);
    });
});
