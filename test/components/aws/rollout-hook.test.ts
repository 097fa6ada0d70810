/**
 * The ECS lifecycle hook's code (components/aws/rollout-hook/handler.js) run under Node with the
 * real thing on its other side: the preview check against a real local HTTP server standing for the
 * test listener, and the migration with a real AWS SDK v3 ECSClient whose `endpoint` is a local
 * server answering RunTask, DescribeTasks and DescribeServiceRevisions in the ECS JSON protocol
 * (awsJson1_1, `X-Amz-Target: AmazonEC2ContainerServiceV20141113.<Operation>`): what is asserted
 * is what the SDK really sent and what the handler made of the SDK's parsed answer.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as http from "http";
import type { AddressInfo } from "net";
import * as ecsSdk from "@aws-sdk/client-ecs";
import { freePort } from "../../drivers/servers";
import { planStack, type PlannedResource } from "../../harness";
import { mockOutputs } from "../../../scripts/offline/mock-outputs";
import { ROLLOUT_HOOK_SOURCE, rolloutHookArchive } from "../../../components/aws/rollout-hook";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createHandler } = require("../../../components/aws/rollout-hook/handler.js");

// The SDK warns once that its releases after January 2027 need Node 22 (the Lambda runtime is 24); the pinned one runs on 20.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

const REVISION = "arn:aws:ecs:us-east-1:123456789012:service-revision/shop-prod/api/9313423515462893900";
const CLUSTER = "arn:aws:ecs:us-east-1:123456789012:cluster/shop-prod";
const TASK_DEF = "arn:aws:ecs:us-east-1:123456789012:task-definition/shop-prod-api:42";
const TASK = "arn:aws:ecs:us-east-1:123456789012:task/shop-prod/0a1b2c";
const NETWORK = { awsvpcConfiguration: { subnets: ["subnet-1", "subnet-2"], securityGroups: ["sg-api"], assignPublicIp: "DISABLED" } };

/** An event as ECS sends it (the developer guide's payload), with the service's hookDetails. */
function event(stage: string, hookDetails: Record<string, unknown>) {
    return {
        executionId: "e8d5a28f-eb01-4f3c-9454-a30ba6dc54bc",
        lifecycleStage: stage,
        resourceArn: "arn:aws:ecs:us-east-1:123456789012:service-deployment/shop-prod/api/EZe5RNVLH6PPzHXINuP28",
        executionDetails: {
            serviceArn: "arn:aws:ecs:us-east-1:123456789012:service/shop-prod/api",
            targetServiceRevisionArn: REVISION,
            testTrafficWeights: {},
            productionTrafficWeights: {},
        },
        hookDetails,
    };
}

/** A local HTTP server answering with `answer`; closed after the test. */
async function server(answer: (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void) {
    const srv = http.createServer((req, res) => {
        let body = "";
        req.on("data", (c) => (body += c));
        req.on("end", () => answer(req, res, body));
    });
    const port = await freePort();
    await new Promise<void>((resolve) => srv.listen(port, "127.0.0.1", resolve));
    return { srv, port: (srv.address() as AddressInfo).port };
}

const quiet = () => undefined;

describe("the ECS lifecycle hook (rollout-hook/handler.js)", () => {
    const servers: http.Server[] = [];
    afterEach(() => {
        for (const s of servers.splice(0)) s.close();
    });

    describe("POST_TEST_TRAFFIC_SHIFT: the preview through the test listener", () => {
        const preview = (port: number, extra: Record<string, unknown> = {}) => ({
            service: "api",
            preview: {
                url: `http://127.0.0.1:${port}`,
                host: "shop.example.com",
                paths: ["/healthz"],
                timeoutMs: 300,
                attempts: 1,
                ...extra,
            },
        });
        const handler = createHandler({ sdk: ecsSdk, ecs: () => assert.fail("no ECS call in a preview check"), log: quiet });

        it("SUCCEEDED when the health path answers 200, asked with the edge's Host", async () => {
            const seen: string[] = [];
            const { srv, port } = await server((req, res) => {
                seen.push(`${req.method} ${req.url} ${req.headers.host}`);
                res.writeHead(200).end("ok");
            });
            servers.push(srv);
            assert.deepStrictEqual(await handler(event("POST_TEST_TRAFFIC_SHIFT", preview(port))), { hookStatus: "SUCCEEDED" });
            assert.deepStrictEqual(seen, ["GET /healthz shop.example.com"]);
        });

        it("FAILED when it answers 503 (ECS then rolls back); IN_PROGRESS to try again while attempts are left", async () => {
            const { srv, port } = await server((_req, res) => res.writeHead(503).end("starting"));
            servers.push(srv);
            assert.strictEqual((await handler(event("POST_TEST_TRAFFIC_SHIFT", preview(port)))).hookStatus, "FAILED");
            const first = await handler(event("POST_TEST_TRAFFIC_SHIFT", preview(port, { attempts: 2 })));
            assert.deepStrictEqual(first, { hookStatus: "IN_PROGRESS", callBackDelay: 10, hookDetails: { previewFailures: 1 } });
            // ECS merges the returned hookDetails into the next event.
            const second = await handler(event("POST_TEST_TRAFFIC_SHIFT", { ...preview(port, { attempts: 2 }), ...first.hookDetails }));
            assert.strictEqual(second.hookStatus, "FAILED");
        });

        it("FAILED when the preview does not answer within the timeout", async () => {
            const { srv, port } = await server(() => undefined); // never answers
            servers.push(srv);
            const start = Date.now();
            assert.strictEqual((await handler(event("POST_TEST_TRAFFIC_SHIFT", preview(port)))).hookStatus, "FAILED");
            assert.ok(Date.now() - start < 1500, `gave up after ${Date.now() - start} ms`);
            srv.closeAllConnections();
        });
    });

    describe("PRE_SCALE_UP: the migration as a task of the new revision (real SDK client, local ECS endpoint)", () => {
        /** A local ECS: the new revision, one task that runs for `runningPolls` DescribeTasks, then stops with `exitCodes`. */
        async function ecs(exitCodes: Record<string, number | undefined>, runningPolls = 1) {
            const calls: { op: string; body: any }[] = [];
            let polls = 0;
            let started = 0;
            const { srv, port } = await server((req, res, body) => {
                const op = String(req.headers["x-amz-target"]).replace("AmazonEC2ContainerServiceV20141113.", "");
                calls.push({ op, body: JSON.parse(body) });
                const reply = (o: unknown) => res.writeHead(200, { "content-type": "application/x-amz-json-1.1" }).end(JSON.stringify(o));
                if (op === "DescribeServiceRevisions")
                    return reply({
                        serviceRevisions: [
                            {
                                serviceRevisionArn: REVISION,
                                clusterArn: CLUSTER,
                                taskDefinition: TASK_DEF,
                                launchType: "FARGATE",
                                platformVersion: "1.4.0",
                                networkConfiguration: NETWORK,
                            },
                        ],
                        failures: [],
                    });
                if (op === "RunTask")
                    return reply({ tasks: [{ taskArn: `${TASK}-${++started}`, lastStatus: "PROVISIONING" }], failures: [] });
                if (op === "DescribeTasks") {
                    const stopped = ++polls > runningPolls;
                    return reply({
                        tasks: [
                            {
                                taskArn: JSON.parse(body).tasks[0],
                                lastStatus: stopped ? "STOPPED" : "RUNNING",
                                ...(stopped ? { stoppedReason: "Essential container in task exited" } : {}),
                                containers: Object.entries(exitCodes).map(([name, exitCode]) => ({
                                    name,
                                    lastStatus: stopped ? "STOPPED" : "RUNNING",
                                    ...(stopped && exitCode !== undefined ? { exitCode } : {}),
                                })),
                            },
                        ],
                        failures: [],
                    });
                }
                return res
                    .writeHead(400, { "content-type": "application/x-amz-json-1.1" })
                    .end(JSON.stringify({ __type: "InvalidParameterException", message: `no ${op} here` }));
            });
            servers.push(srv);
            const client = new ecsSdk.ECSClient({
                region: "us-east-1",
                endpoint: `http://127.0.0.1:${port}`,
                credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "test" },
                maxAttempts: 1,
            });
            return { calls, client };
        }
        const command = ["npx", "prisma", "migrate", "deploy"];
        const migrate = { service: "api", tasks: [{ name: "migrate", container: "api", command, timeoutSeconds: 600 }] };

        /** Runs the hook the way ECS does: again while IN_PROGRESS, the returned hookDetails merged into the next event. */
        async function runHook(
            client: ecsSdk.ECSClient,
            clock = () => 1_000_000,
            start: Record<string, unknown> = migrate,
            stage = "PRE_SCALE_UP",
        ) {
            const handler = createHandler({ sdk: ecsSdk, ecs: () => client, now: clock, log: quiet });
            const answers: any[] = [];
            let details: Record<string, unknown> = { ...start };
            for (let i = 0; i < 6; i++) {
                const a = await handler(event(stage, details));
                answers.push(a);
                if (a.hookStatus !== "IN_PROGRESS") break;
                details = { ...details, ...(a.hookDetails ?? {}) };
            }
            return answers;
        }

        it("runs the new revision's task definition once, in the service's network, the app container's command replaced; SUCCEEDED on exit 0", async () => {
            const { calls, client } = await ecs({ migrate: 0, api: 0 });
            const answers = await runHook(client);
            assert.deepStrictEqual(
                answers.map((a) => a.hookStatus),
                ["IN_PROGRESS", "IN_PROGRESS", "SUCCEEDED"],
            );
            assert.strictEqual(answers[0].callBackDelay, 15);
            assert.deepStrictEqual(
                calls.map((c) => c.op),
                ["DescribeServiceRevisions", "RunTask", "DescribeTasks", "DescribeTasks"],
            );
            assert.deepStrictEqual(calls[0].body, { serviceRevisionArns: [REVISION] });
            const run = calls[1].body;
            assert.strictEqual(run.taskDefinition, TASK_DEF);
            assert.strictEqual(run.cluster, CLUSTER);
            assert.strictEqual(run.launchType, "FARGATE");
            assert.deepStrictEqual(run.networkConfiguration, NETWORK);
            assert.deepStrictEqual(run.overrides, { containerOverrides: [{ name: "api", command }] });
            assert.strictEqual(run.startedBy, "tierform-migrate");
            assert.deepStrictEqual(calls[2].body, { cluster: CLUSTER, tasks: [`${TASK}-1`] });
        });

        it("runs the post-promotion commands one after another, each as its own task, and succeeds after the last", async () => {
            const { calls, client } = await ecs({ api: 0 });
            const verify = {
                service: "api",
                tasks: [
                    { name: "verify-1", container: "api", command: ["./verify", "orders"] },
                    { name: "verify-2", container: "api", command: ["./verify", "payments"] },
                ],
            };
            const answers = await runHook(client, undefined, verify);
            assert.deepStrictEqual(
                answers.map((a) => a.hookStatus),
                ["IN_PROGRESS", "IN_PROGRESS", "IN_PROGRESS", "SUCCEEDED"],
            );
            assert.deepStrictEqual(
                calls.filter((c) => c.op === "RunTask").map((c) => [c.body.startedBy, c.body.overrides.containerOverrides[0].command]),
                [
                    ["tierform-verify-1", ["./verify", "orders"]],
                    ["tierform-verify-2", ["./verify", "payments"]],
                ],
            );
        });

        it("POST_TEST_TRAFFIC_SHIFT: the prePromotion commands follow a passing preview check, in the hook's group with PREVIEW_URL; none after a failing one", async () => {
            const { srv, port } = await server((req, res) => res.writeHead(req.url === "/healthz" ? 200 : 404).end());
            servers.push(srv);
            const smoke = (status: string) => ({
                service: "api",
                preview: { url: `http://127.0.0.1:${port}`, host: "shop.example.com", paths: [status], timeoutMs: 300, attempts: 1 },
                tasks: [
                    {
                        name: "smoke-1",
                        container: "api",
                        command: ["./smoke"],
                        securityGroups: ["sg-hook"],
                        environment: { PREVIEW_URL: "https://shop.example.com:8443", PREVIEW_HOST: "shop.example.com" },
                    },
                ],
            });
            const { calls, client } = await ecs({ api: 0 });
            const answers = await runHook(client, undefined, smoke("/healthz"), "POST_TEST_TRAFFIC_SHIFT");
            assert.deepStrictEqual(
                answers.map((a) => a.hookStatus),
                ["IN_PROGRESS", "IN_PROGRESS", "SUCCEEDED"],
            );
            const run = calls.find((c) => c.op === "RunTask")!.body;
            assert.deepStrictEqual(run.networkConfiguration, {
                awsvpcConfiguration: { ...NETWORK.awsvpcConfiguration, securityGroups: ["sg-hook"] },
            });
            assert.deepStrictEqual(run.overrides.containerOverrides, [
                {
                    name: "api",
                    command: ["./smoke"],
                    environment: [
                        { name: "PREVIEW_URL", value: "https://shop.example.com:8443" },
                        { name: "PREVIEW_HOST", value: "shop.example.com" },
                    ],
                },
            ]);
            calls.length = 0;
            const failed = await runHook(client, undefined, smoke("/missing"), "POST_TEST_TRAFFIC_SHIFT");
            assert.deepStrictEqual(
                failed.map((a) => a.hookStatus),
                ["FAILED"],
            );
            assert.deepStrictEqual(calls, [], "no task against a preview that failed its check");
        });

        it("FAILED when a container of the migration task exits non-zero (ECS rolls back before any green task starts)", async () => {
            const { client } = await ecs({ migrate: 0, api: 1 });
            const answers = await runHook(client);
            assert.strictEqual(answers[answers.length - 1].hookStatus, "FAILED");
        });

        it("SUCCEEDED on the step's own container: a sidecar stopped with the task (the ADOT collector, 143) does not fail it", async () => {
            const { client } = await ecs({ migrate: 0, api: 0, "adot-collector": 143 });
            const answers = await runHook(client);
            assert.strictEqual(answers[answers.length - 1].hookStatus, "SUCCEEDED");
        });

        it("FAILED when a container stopped without an exit code (never started: image pull, dependency failed)", async () => {
            const { client } = await ecs({ migrate: 3, api: undefined }, 0);
            const answers = await runHook(client);
            assert.deepStrictEqual(
                answers.map((a) => a.hookStatus),
                ["IN_PROGRESS", "FAILED"],
            );
        });

        it("FAILED when the task still runs after the migration's timeout", async () => {
            const { client } = await ecs({ api: 0 }, 99);
            let t = 0;
            const answers = await runHook(client, () => (t += 400_000)); // 400 s a call; the timeout is 600 s
            assert.deepStrictEqual(
                answers.map((a) => a.hookStatus),
                ["IN_PROGRESS", "IN_PROGRESS", "FAILED"],
            );
        });

        it("FAILED when the ECS API refuses (an SDK error, not a crash of the function)", async () => {
            const handler = createHandler({
                sdk: ecsSdk,
                ecs: () =>
                    new ecsSdk.ECSClient({
                        region: "us-east-1",
                        endpoint: "http://127.0.0.1:1",
                        credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "test" },
                        maxAttempts: 1,
                    }),
                log: quiet,
            });
            assert.strictEqual((await handler(event("PRE_SCALE_UP", migrate))).hookStatus, "FAILED");
        });
    });
});

describe("the ECS lifecycle hook in Asset Management's prod plan (the cached whole-program run)", function () {
    this.timeout(120000);
    const plan = () => planStack({ stack: "prod", system: "asset-management" });
    const arn = (type: string, name: string) => `arn:aws:${type}:us-east-1:123456789012:${name}`;
    /** What the offline engine answered for a registration (its mock outputs). */
    const out = (r: PlannedResource) => mockOutputs(r.type, r.name, r.inputs);

    it("api (blue/green): the migration at PRE_SCALE_UP and the preview check at POST_TEST_TRAFFIC_SHIFT, through the system's one function", async () => {
        const p = await plan();
        const fns = p.ofType("aws:lambda/function:Function");
        assert.deepStrictEqual(
            fns.map((f) => f.name),
            ["asset-management-rollout-hook-function"],
            "one function for the system, not one per service",
        );
        const api = p.one("aws:ecs/service:Service", "asset-management-api-service").inputs;
        const hooks = api.deploymentConfiguration.lifecycleHooks;
        assert.deepStrictEqual(
            hooks.map((h: any) => [h.lifecycleStages, h.hookTargetArn, h.roleArn]),
            [
                [
                    ["PRE_SCALE_UP"],
                    arn("lambda", "function/asset-management-rollout-hook-function"),
                    arn("iam", "role/asset-management-rollout-hook-invoke").replace("us-east-1", ""),
                ],
                [
                    ["POST_TEST_TRAFFIC_SHIFT"],
                    arn("lambda", "function/asset-management-rollout-hook-function"),
                    arn("iam", "role/asset-management-rollout-hook-invoke").replace("us-east-1", ""),
                ],
            ],
        );
        const [migrate, preview] = hooks.map((h: any) => JSON.parse(h.hookDetails));
        assert.deepStrictEqual(migrate, {
            service: "api",
            tasks: [{ name: "migrate", command: ["npx", "prisma", "migrate", "deploy"], container: "api", timeoutSeconds: 3600 }],
        });
        // The preview: the api's test listener, with the edge's domain as Host and TLS name, its readiness path.
        const rule = p.one("aws:lb/listenerRule:ListenerRule", "asset-management-edge-api-test");
        assert.strictEqual(
            api.loadBalancers[0].advancedConfiguration.testListenerRule,
            arn("lb", "listenerrule/asset-management-edge-api-test"),
        );
        const listener = p.one("aws:lb/listener:Listener", "asset-management-edge-api-test").inputs;
        assert.strictEqual(listener.protocol, "HTTPS");
        assert.deepStrictEqual(preview.preview, {
            url: `https://${out(p.one("aws:lb/loadBalancer:LoadBalancer", "asset-management-edge-alb")).dnsName}:${listener.port}`,
            host: "assets.example.com",
            paths: ["/api/health/ready"],
            timeoutMs: 5000,
            attempts: 3,
        });
        // Then the spec's prePromotion smoke test, a task of the new revision in the hook's own group, against the test listener
        // at origin.<domain> (Asset Management is behind CloudFront, which serves the domain itself).
        const hookGroup = out(p.one("aws:ec2/securityGroup:SecurityGroup", "asset-management-rollout-hook-sg")).id;
        assert.deepStrictEqual(
            preview.tasks.map((t: any) => [t.name, t.command[0], t.container, t.securityGroups, t.environment]),
            [
                [
                    "smoke-1",
                    "node",
                    "api",
                    [hookGroup],
                    { PREVIEW_URL: `https://origin.assets.example.com:${listener.port}`, PREVIEW_HOST: "assets.example.com" },
                ],
            ],
        );
        // Its rule forwards to both of the api's target groups, as the production rule does (ECS moves both rules' weights).
        assert.deepStrictEqual(
            rule.inputs.actions[0].forward.targetGroups.map((t: any) => t.arn),
            [api.loadBalancers[0].targetGroupArn, api.loadBalancers[0].advancedConfiguration.alternateTargetGroupArn],
        );
        assert.deepStrictEqual(rule.options.ignoreChanges, ["actions"]);
    });

    it("the test listeners are closed to the internet: the load balancer admits their ports only from the NAT gateways' addresses", async () => {
        const p = await plan();
        const ports = p
            .ofType("aws:lb/listener:Listener")
            .filter((l) => l.inputs.tags?.access === "preview")
            .map((l) => l.inputs.port)
            .sort();
        assert.deepStrictEqual(ports, [8443, 8444]);
        const albGroup = p.one("aws:ec2/securityGroup:SecurityGroup", "asset-management-network-alb");
        const albGroupId = out(albGroup).id;
        const onTestPorts = p
            .ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
            .filter((r) => r.inputs.securityGroupId === albGroupId && r.inputs.toPort >= 8443 && r.inputs.fromPort <= 8444);
        const natIps = p.ofType("aws:ec2/eip:Eip").filter((e) => e.name.startsWith("asset-management-network-nat-"));
        assert.strictEqual(natIps.length, 3);
        assert.deepStrictEqual(
            onTestPorts.map((r) => r.inputs.cidrIpv4).sort(),
            natIps.map((e) => `${out(e).publicIp}/32`).sort(),
            "one /32 per NAT gateway and nothing else",
        );
        assert.ok(onTestPorts.every((r) => !r.inputs.cidrIpv6 && !r.inputs.prefixListId && !r.inputs.referencedSecurityGroupId));
    });

    it("the function: nodejs24.x, the repo's handler.js as index.js, in the private subnets, logging to its own KMS-encrypted group", async () => {
        const p = await plan();
        const fn = p.one("aws:lambda/function:Function", "asset-management-rollout-hook-function").inputs;
        assert.strictEqual(fn.runtime, "nodejs24.x");
        assert.strictEqual(fn.handler, "index.handler");
        // The offline engine records an archive without its (promised) assets: the package is checked where it is made.
        const assets: Record<string, any> = await rolloutHookArchive().assets;
        assert.deepStrictEqual(Object.keys(assets), ["index.js"]);
        assert.strictEqual(await assets["index.js"].text, fs.readFileSync(ROLLOUT_HOOK_SOURCE, "utf8"));
        const privateSubnets = p
            .ofType("aws:ec2/subnet:Subnet")
            .filter((s) => s.inputs.tags["subnet-tier"] === "private")
            .map((s) => out(s).id)
            .sort();
        assert.deepStrictEqual([...fn.vpcConfig.subnetIds].sort(), privateSubnets);
        const logs = p.one("aws:cloudwatch/logGroup:LogGroup", "asset-management-rollout-hook-logs").inputs;
        assert.strictEqual(fn.loggingConfig.logGroup, logs.name);
        assert.match(logs.kmsKeyId, /^arn:aws:kms:/);
        assert.strictEqual(
            logs.retentionInDays,
            p.one("aws:cloudwatch/logGroup:LogGroup", "asset-management-api-logs").inputs.retentionInDays,
        );
    });

    it("IAM: ECS may only invoke the function; the function may only run the shifting services' task families and pass their own roles", async () => {
        const p = await plan();
        const doc = (name: string) => JSON.parse(p.one("aws:iam/rolePolicy:RolePolicy", name).inputs.policy).Statement;
        const trust = (name: string) => JSON.parse(p.one("aws:iam/role:Role", name).inputs.assumeRolePolicy).Statement[0].Principal.Service;
        assert.strictEqual(trust("asset-management-rollout-hook-invoke"), "ecs.amazonaws.com");
        assert.strictEqual(trust("asset-management-rollout-hook-role"), "lambda.amazonaws.com");
        assert.deepStrictEqual(doc("asset-management-rollout-hook-invoke"), [
            {
                Sid: "InvokeTheHook",
                Effect: "Allow",
                Action: ["lambda:InvokeFunction"],
                Resource: [arn("lambda", "function/asset-management-rollout-hook-function")],
            },
        ]);
        const statements = doc("asset-management-rollout-hook-policy");
        const sid = (id: string) => statements.find((s: any) => s.Sid === id);
        // The task definitions' real families, and the services' real role name prefixes.
        const families = ["api", "frontend"].map(
            (svc) => p.one("aws:ecs/taskDefinition:TaskDefinition", `asset-management-${svc}-task`).inputs.family,
        );
        assert.deepStrictEqual(
            sid("RunOneOffTasks").Resource,
            families.map((f) => arn("ecs", `task-definition/${f}:*`)),
        );
        const prefixes = ["api", "frontend"].flatMap((svc) =>
            ["execution", "task"].map((which) => p.one("aws:iam/role:Role", `asset-management-${svc}-${which}`).inputs.namePrefix),
        );
        assert.deepStrictEqual(
            sid("PassTaskRoles").Resource,
            prefixes.map((x) => `arn:aws:iam::123456789012:role/${x}*`),
        );
        assert.deepStrictEqual(sid("PassTaskRoles").Condition, { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } });
    });
});
