/* eslint-disable @typescript-eslint/no-require-imports */
/**
 * The lifecycle hook of a system's ECS blue/green, canary and linear deployments: one Lambda
 * function for every shifting service, told what to do by the `hookDetails` each service's hook
 * carries (components/aws/rollout-hook.ts writes them from the plan). Plain JavaScript for the
 * Lambda Node.js runtime (nodejs24.x), using only node: modules and the AWS SDK for JavaScript v3
 * that the runtime bundles (`@aws-sdk/client-ecs`); nothing is packaged beside this file.
 *
 * ECS invokes it with `{ executionId, lifecycleStage, resourceArn, executionDetails:
 * { serviceArn, targetServiceRevisionArn, testTrafficWeights, productionTrafficWeights },
 * hookDetails }` and reads `{ hookStatus: SUCCEEDED | FAILED | IN_PROGRESS, callBackDelay?,
 * hookDetails? }` back: IN_PROGRESS calls it again after `callBackDelay` seconds with the returned
 * `hookDetails` merged into the next event; FAILED (or no valid answer) rolls the deployment back
 * (ECS developer guide, "Lambda hooks for Amazon ECS service deployments":
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/lambda-lifecycle-hooks.html).
 *
 * - `hookDetails.tasks` — at `PRE_SCALE_UP` the migration (the green revision has not started;
 *   blue takes all traffic), at `POST_PRODUCTION_TRAFFIC_SHIFT` the post-promotion commands (green
 *   takes all traffic, blue is kept): each as one ECS task of the NEW revision — its task definition
 *   and network configuration from DescribeServiceRevisions of `targetServiceRevisionArn` — with the
 *   application container's command replaced by the step's; IN_PROGRESS while a task runs,
 *   SUCCEEDED once every task stopped with the step's container's exit code 0, FAILED at the first
 *   that did not.
 * - `hookDetails.preview` — at `POST_TEST_TRAFFIC_SHIFT` (green takes all the test listener's
 *   traffic): a GET of each path through the test listener; SUCCEEDED when every answer is 2xx,
 *   FAILED when one is not (or times out) `attempts` times in a row. Its `tasks` (a blue-green's
 *   prePromotion commands) then run as above, in the hook's own security group (`securityGroups`:
 *   the one the test listener admits, through the NAT gateways) with `PREVIEW_URL` and
 *   `PREVIEW_HOST` in their environment.
 */
"use strict";

const http = require("node:http");
const https = require("node:https");

/** Seconds ECS waits before calling again while a task runs. */
const TASK_POLL_SECONDS = 15;
/** Seconds before a failed preview check is tried again. */
const PREVIEW_RETRY_SECONDS = 10;

/**
 * One GET of `path` at `base` (http: or https:), sent with `host` as Host and TLS server name (the
 * edge's domain, which the listener's certificate names), giving up after `timeoutMs`.
 * Resolves to the status, 0 with the error when nothing answered.
 */
function get(base, path, host, timeoutMs) {
    const url = new URL(path, base);
    const client = url.protocol === "https:" ? https : http;
    return new Promise((resolve) => {
        const req = client.request(
            {
                method: "GET",
                hostname: url.hostname,
                port: url.port,
                path: url.pathname + url.search,
                headers: { Host: host ?? url.host, "User-Agent": "tierform-rollout-hook" },
                ...(url.protocol === "https:" && host ? { servername: host.split(":")[0] } : {}),
                agent: false,
                timeout: timeoutMs,
            },
            (res) => {
                res.resume();
                res.on("end", () => resolve({ status: res.statusCode ?? 0 }));
            },
        );
        req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
        req.on("error", (e) => resolve({ status: 0, error: e.message }));
        req.end();
    });
}

/** The preview check: every path answers 2xx through the test listener. */
async function checkPreview(preview, details) {
    const results = [];
    for (const path of preview.paths) {
        const r = await get(preview.url, path, preview.host, preview.timeoutMs ?? 5000);
        results.push({ path, ...r });
    }
    const bad = results.filter((r) => r.status < 200 || r.status > 299);
    if (bad.length === 0) return { hookStatus: "SUCCEEDED" };
    const failures = (details.previewFailures ?? 0) + 1;
    const why = bad.map((r) => `${r.path}: ${r.status === 0 ? r.error : r.status}`).join("; ");
    if (failures >= (preview.attempts ?? 3)) return { hookStatus: "FAILED", reason: `preview check failed ${failures} times: ${why}` };
    return { hookStatus: "IN_PROGRESS", callBackDelay: PREVIEW_RETRY_SECONDS, hookDetails: { previewFailures: failures } };
}

/** Starts `step` as one task of the target revision: IN_PROGRESS with the task in hookDetails, or FAILED when ECS starts none. */
async function startTask(ecs, sdk, event, step, index, now) {
    const revisionArn = event.executionDetails && event.executionDetails.targetServiceRevisionArn;
    if (!revisionArn) return { hookStatus: "FAILED", reason: "the event names no targetServiceRevisionArn" };
    const described = await ecs.send(new sdk.DescribeServiceRevisionsCommand({ serviceRevisionArns: [revisionArn] }));
    const revision = (described.serviceRevisions ?? [])[0];
    if (!revision) return { hookStatus: "FAILED", reason: `no service revision ${revisionArn}` };
    const run = await ecs.send(
        new sdk.RunTaskCommand({
            cluster: revision.clusterArn,
            taskDefinition: revision.taskDefinition,
            count: 1,
            launchType: revision.launchType ?? "FARGATE",
            ...(revision.platformVersion ? { platformVersion: revision.platformVersion } : {}),
            networkConfiguration: step.securityGroups
                ? { awsvpcConfiguration: { ...revision.networkConfiguration.awsvpcConfiguration, securityGroups: step.securityGroups } }
                : revision.networkConfiguration,
            overrides: {
                containerOverrides: [
                    {
                        name: step.container,
                        command: step.command,
                        ...(step.environment
                            ? { environment: Object.entries(step.environment).map(([name, value]) => ({ name, value: String(value) })) }
                            : {}),
                    },
                ],
            },
            startedBy: `tierform-${step.name}`.slice(0, 128),
        }),
    );
    const task = (run.tasks ?? [])[0];
    if (!task) {
        const why = (run.failures ?? []).map((f) => `${f.reason}${f.detail ? ` (${f.detail})` : ""}`).join("; ");
        return { hookStatus: "FAILED", reason: `RunTask started no ${step.name} task: ${why || "no reason given"}` };
    }
    return {
        hookStatus: "IN_PROGRESS",
        callBackDelay: TASK_POLL_SECONDS,
        hookDetails: { taskIndex: index, runningTask: task.taskArn, runningCluster: revision.clusterArn, startedAt: now },
    };
}

/**
 * The stage's tasks, one after another (`hookDetails.tasks`: the migration, or the post-promotion
 * commands): IN_PROGRESS while one runs or the next is started, SUCCEEDED once the last stopped with
 * its own container's exit code 0, FAILED at the first that did not (or outlived `timeoutSeconds`).
 */
async function runTasks(ecs, sdk, event, details, now) {
    const tasks = details.tasks;
    let index = details.taskIndex ?? 0;
    if (details.runningTask) {
        const step = tasks[index];
        const out = await ecs.send(new sdk.DescribeTasksCommand({ cluster: details.runningCluster, tasks: [details.runningTask] }));
        const task = (out.tasks ?? [])[0];
        if (!task) return { hookStatus: "FAILED", reason: `${step.name} task ${details.runningTask} not found` };
        if (task.lastStatus !== "STOPPED") {
            const limit = step.timeoutSeconds ?? 3600;
            if (now - details.startedAt > limit * 1000)
                return { hookStatus: "FAILED", reason: `${step.name} task still ${task.lastStatus} after ${limit} s` };
            return { hookStatus: "IN_PROGRESS", callBackDelay: TASK_POLL_SECONDS };
        }
        // The step's own container decides: a sidecar (the ADOT collector) stopped with the task may exit 143, and when a step
        // before it fails (the migrate container, a volume step) it never starts and has no exit code.
        const containers = task.containers ?? [];
        const own = containers.find((c) => c.name === step.container);
        if (!own || own.exitCode !== 0) {
            const why = containers.map((c) => `${c.name} exit ${c.exitCode ?? "none"}${c.reason ? ` (${c.reason})` : ""}`).join("; ");
            return { hookStatus: "FAILED", reason: `${step.name} task stopped: ${why || task.stoppedReason || "no container"}` };
        }
        index += 1;
    }
    if (index >= tasks.length) return { hookStatus: "SUCCEEDED" };
    return startTask(ecs, sdk, event, tasks[index], index, now);
}

/**
 * The hook with its clients given: `ecs` an ECSClient (or anything with `send`), `sdk` the module
 * its commands come from, `now` the clock. The answer is ECS's; `reason` only goes to the log.
 */
function createHandler(deps) {
    return async (event) => {
        const details = event.hookDetails ?? {};
        const now = deps.now ? deps.now() : Date.now();
        let answer;
        try {
            const tasks = Array.isArray(details.tasks) && details.tasks.length > 0;
            if (details.preview && !details.previewPassed) {
                answer = await checkPreview(details.preview, details);
                // The preview answers: the stage's tasks (the prePromotion commands) follow, the check not repeated.
                if (answer.hookStatus === "SUCCEEDED" && tasks) {
                    const next = await runTasks(deps.ecs(), deps.sdk, event, details, now);
                    answer = {
                        ...next,
                        ...(next.hookStatus === "IN_PROGRESS" ? { hookDetails: { ...next.hookDetails, previewPassed: true } } : {}),
                    };
                }
            } else if (tasks) {
                answer = await runTasks(deps.ecs(), deps.sdk, event, details, now);
            } else {
                answer = { hookStatus: "FAILED", reason: `nothing to do at ${event.lifecycleStage} for these hookDetails` };
            }
        } catch (e) {
            answer = { hookStatus: "FAILED", reason: `${e.name ?? "Error"}: ${e.message}` };
        }
        const { reason: _reason, ...reply } = answer;
        (deps.log ?? console.log)(
            JSON.stringify({ service: details.service, stage: event.lifecycleStage, deployment: event.resourceArn, ...answer }),
        );
        return reply;
    };
}

let client;
/** The Lambda entry point: the runtime's bundled SDK, one client per execution environment. */
exports.handler = createHandler({
    sdk: require("@aws-sdk/client-ecs"),
    ecs: () => (client ??= new (require("@aws-sdk/client-ecs").ECSClient)({})),
});
exports.createHandler = createHandler;
