/**
 * Every resource policy fires on a bad resource and stays silent on a good one, with
 * provider-shaped props of the three platforms (fixtures/), and ignores other types.
 */
import * as assert from "assert";
import { checkResource, type ResourceCase } from "./helpers";
import { CONTAINER, dockerCases, edge, service } from "./fixtures/docker";
import { kubernetesCases } from "./fixtures/kubernetes";
import { awsCases } from "./fixtures/aws";
import { awsUserCases, dockerUserCases, kubernetesUserCases, T as USER_TYPES } from "./fixtures/user-additions";
import { policyMeta } from "../../policies/rules";

function run(platform: string, cases: ResourceCase[]) {
    describe(`resource policies · ${platform}`, () => {
        for (const c of cases) {
            describe(c.policy, () => {
                it(`passes a good ${c.type.split(":").pop()}`, () => {
                    const out = checkResource(c.policy, c.type, c.good, {
                        config: c.config,
                        protect: c.protect,
                        name: c.name,
                        provider: c.provider,
                    });
                    assert.ok(out.applicable, `${c.policy} should apply to ${c.type}`);
                    assert.deepStrictEqual(out.messages, []);
                });
                for (const b of c.bad) {
                    it(`fires: ${b.why}`, () => {
                        const out = checkResource(c.policy, c.type, b.props, {
                            config: c.config,
                            protect: b.protect ?? c.protect,
                            name: c.name,
                            provider: c.provider,
                        });
                        assert.ok(out.applicable, `${c.policy} should apply`);
                        assert.ok(out.messages.length > 0, `${c.policy} stayed silent on: ${b.why}`);
                        if (b.expect)
                            assert.ok(
                                out.messages.some((m) => b.expect!.test(m)),
                                `messages ${JSON.stringify(out.messages)} do not match ${b.expect}`,
                            );
                    });
                }
            });
        }
    });
}

run("docker", dockerCases);
run("kubernetes", kubernetesCases);
run("aws", awsCases);
run("docker · what users add", dockerUserCases);
run("kubernetes · what users add", kubernetesUserCases);
run("aws · what users add", awsUserCases);

describe("resource policies · permissions on IAM users", () => {
    it("fires on every user policy and user attachment: their type is the violation", () => {
        const read = { Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" }] };
        assert.ok(checkResource("aws-iam-no-user-policies", USER_TYPES.userPolicy, { user: "alice", policy: read }).messages.length > 0);
        assert.ok(
            checkResource("aws-iam-no-user-policies", USER_TYPES.userAttachment, {
                user: "alice",
                policyArn: "arn:aws:iam::123456789012:policy/read",
            }).messages.length > 0,
        );
        assert.strictEqual(
            checkResource("aws-iam-no-user-policies", USER_TYPES.groupPolicy, { group: "ops", policy: read }).applicable,
            false,
        );
    });
    it("reads unparseable or missing documents as granting nothing, without throwing", () => {
        assert.deepStrictEqual(checkResource("aws-iam-no-wildcard-actions", USER_TYPES.policy, { policy: "{not json" }).messages, []);
        assert.deepStrictEqual(checkResource("aws-iam-no-wildcard-actions", USER_TYPES.role, {}).messages, []);
        assert.deepStrictEqual(checkResource("aws-no-public-resource-policy", USER_TYPES.bucketPolicy, {}).messages, []);
        assert.deepStrictEqual(checkResource("k8s-rbac-least-privilege", USER_TYPES.clusterRole, {}).messages, []);
    });
});

describe("resource policies · type filtering", () => {
    it("every resource policy is not applicable to a type it does not list", () => {
        for (const [name, meta] of Object.entries(policyMeta)) {
            if (meta.kind !== "resource") continue;
            const out = checkResource(name, "random:index/randomPassword:RandomPassword", { length: 32 });
            assert.strictEqual(out.applicable, false, `${name} applied to a RandomPassword`);
        }
    });
});

describe("resource policies · Docker one-shot containers", () => {
    const oneShot = { ...service, restart: "no", mustRun: false, healthcheck: undefined };
    it("exempts one-shot containers (mustRun: false) from healthcheck and restart policy, not from hardening", () => {
        assert.strictEqual(checkResource("docker-healthcheck", CONTAINER, oneShot).applicable, false);
        assert.strictEqual(checkResource("docker-restart-policy", CONTAINER, oneShot).applicable, false);
        assert.ok(checkResource("docker-non-root-user", CONTAINER, { ...oneShot, user: "0:0" }).messages.length > 0);
    });
    it("still requires a healthcheck of a long-running container without one", () => {
        assert.ok(checkResource("docker-healthcheck", CONTAINER, { ...service, healthcheck: undefined }).messages.length > 0);
    });
});

describe("resource policies · coverage", () => {
    it("every resource policy has a good case and at least one bad case", () => {
        const cases = [...dockerCases, ...kubernetesCases, ...awsCases, ...dockerUserCases, ...kubernetesUserCases, ...awsUserCases];
        const missing = Object.entries(policyMeta)
            .filter(([, m]) => m.kind === "resource")
            .map(([n]) => n)
            .filter((n) => !cases.some((c) => c.policy === n && c.bad.length > 0));
        assert.deepStrictEqual(missing, []);
    });
});

describe("resource policies · the Docker edge and its config-files step", () => {
    // The edge's files reach it through a one-shot config-files step: the configuration is judged
    // on the step, the published ports on the edge container.
    const step = { ...edge, ports: undefined, labels: [...edge.labels, { label: "tierform.role", value: "config-files" }] };
    const running = { ...edge, uploads: undefined, labels: [...edge.labels, { label: "tierform.after.config-files", value: "0" }] };
    it("judges the configuration on the step without asking it to publish ports", () => {
        assert.deepStrictEqual(checkResource("docker-edge-tls", CONTAINER, step).messages, []);
    });
    it("judges the published HTTPS port on the edge container", () => {
        assert.deepStrictEqual(checkResource("docker-edge-tls", CONTAINER, running).messages, []);
        const messages = checkResource("docker-edge-tls", CONTAINER, {
            ...running,
            ports: running.ports.filter((p: { internal: number }) => p.internal !== 8443),
        }).messages;
        assert.ok(
            messages.some((m) => /HTTPS port/.test(m)),
            JSON.stringify(messages),
        );
    });
    it("finds a plain listener without a redirect on the step", () => {
        const conf = step.uploads[0].content.replace(
            "return 301 https://$host$request_uri;",
            "location / { proxy_pass http://backend:8000; }",
        );
        assert.ok(
            checkResource("docker-edge-tls", CONTAINER, { ...step, uploads: [{ ...step.uploads[0], content: conf }] }).messages.some((m) =>
                /redirect/.test(m),
            ),
        );
    });
});
