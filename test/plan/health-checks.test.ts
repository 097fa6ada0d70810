/**
 * Health checks that run in the image a service has, on every preset and every stack, read back
 * from what each platform registered: every HTTP check sends the system's canonical Host, and
 * every check inside a container runs only what the spec declares — the `healthTool` the image
 * carries, the busybox the platform provides (mounted read-only from a volume a step filled
 * before the application starts), or the spec's own exec `command` — in CMD form (no shell, which
 * is a tool too). The kubelet's own HTTP probe needs no tool.
 */
import * as assert from "node:assert/strict";
import { loadStack, presetNames, type Service, type System } from "../../model";
import { canonicalHost } from "../../plan";
import { planStack, stackConfig, type Plan } from "../harness";
import { HEALTH_TOOLS_DIR, PROVIDED_BUSYBOX } from "../../components/shared/health";
import { labelsOf } from "../components/docker/helpers";

/** The binary a tool runs as. */
const BINARY: Record<string, string> = { provided: PROVIDED_BUSYBOX, wget: "wget", curl: "curl", python3: "python3", node: "node" };

const httpChecked = (s: Service) => s.kind === "web" && s.port !== undefined && Boolean(s.health.liveness ?? s.health.readiness);

/** What is wrong with an in-container check's argv (after "CMD") for `service`. */
function argvProblems(system: System, s: Service, test: string[] | undefined, where: string): string[] {
    if (!httpChecked(s)) {
        if (!s.health.command) return test ? [`${where}: ${s.name} has a check the spec does not declare: ${test.join(" ")}`] : [];
        if (!test) return [`${where}: ${s.name}'s health.command is not its check`];
        const argv = test.slice(1);
        const ok = test[0] === "CMD" && argv.slice(-s.health.command.length).join("\0") === s.health.command.join("\0");
        return ok ? [] : [`${where}: ${s.name}'s check is not its spec's command: ${test.join(" ")}`];
    }
    if (s.healthTool === "none") return test ? [`${where}: ${s.name} declares no health tool but has ${test.join(" ")}`] : [];
    if (!test) return [`${where}: ${s.name} has no container check`];
    const problems: string[] = [];
    if (test[0] !== "CMD") problems.push(`${where}: ${s.name}'s HTTP check needs a shell (${test[0]})`);
    if (test[1] !== BINARY[s.healthTool]) problems.push(`${where}: ${s.name}'s check runs ${test[1]}, not its declared ${s.healthTool}`);
    const host = canonicalHost(system);
    if (!test.some((a) => a === `Host: ${host}` || a === host))
        problems.push(`${where}: ${s.name}'s check sends no Host ${host}: ${test.join(" ")}`);
    return problems;
}

function devProblems(plan: Plan, system: System): string[] {
    const containers = plan.ofType("docker:index/container:Container");
    return Object.values(system.services).flatMap((s) =>
        containers
            .filter((c) => labelsOf(c)["tierform.service"] === s.name && !labelsOf(c)["tierform.role"])
            .flatMap((c) => {
                const test: string[] | undefined = c.inputs.healthcheck?.tests;
                const problems = argvProblems(system, s, test, c.name);
                if (test?.[1] === PROVIDED_BUSYBOX) {
                    const mount = (c.inputs.volumes ?? []).find((v: { containerPath: string }) => v.containerPath === HEALTH_TOOLS_DIR);
                    if (!mount?.readOnly) problems.push(`${c.name}: the provided busybox is not mounted read-only at ${HEALTH_TOOLS_DIR}`);
                    if (labelsOf(c)["tierform.after.health-tools"] === undefined)
                        problems.push(`${c.name}: does not wait for the health-tools step`);
                }
                return problems;
            }),
    );
}

function stagingProblems(plan: Plan, system: System): string[] {
    const host = canonicalHost(system);
    return Object.values(system.services).flatMap((s) => {
        const w = plan.resources.find(
            (r) =>
                ["kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:StatefulSet"].includes(r.type) &&
                r.name === `${system.name}-${s.name}`,
        );
        if (!w) return [`${s.name}: no workload`];
        const c = w.inputs.spec.template.spec.containers[0];
        return [c.livenessProbe, c.readinessProbe].flatMap((p: any, i) => {
            const where = `${w.name} ${i ? "readiness" : "liveness"}`;
            if (!p) return httpChecked(s) ? [`${where}: missing`] : [];
            if (p.httpGet) {
                const h = (p.httpGet.httpHeaders ?? []).find((x: { name: string }) => x.name === "Host")?.value;
                return h === host ? [] : [`${where}: Host header ${h}, not ${host}`];
            }
            if (httpChecked(s)) return [`${where}: an exec probe for an HTTP-checked service`];
            const cmd: string[] = p.exec.command;
            const own = s.health.command && cmd.join("\0") === s.health.command.join("\0");
            // A worker without a check gets the PID-1 check, which needs /bin/sh (docs/image-contract.md).
            return own || (!s.health.command && /\/proc\/1\/status/.test(cmd.join(" "))) ? [] : [`${where}: ${cmd.join(" ")}`];
        });
    });
}

function prodProblems(plan: Plan, system: System): string[] {
    return Object.values(system.services).flatMap((s) => {
        const task = plan.resources.find(
            (r) => r.type === "aws:ecs/taskDefinition:TaskDefinition" && r.name === `${system.name}-${s.name}-task`,
        );
        if (!task) return [`${s.name}: no task definition`];
        const defs = JSON.parse(task.inputs.containerDefinitions);
        const app = defs.find((d: { name: string }) => d.name === s.name);
        const test: string[] | undefined = app.healthCheck?.command;
        const problems = argvProblems(system, s, test, task.name);
        if (test?.[1] === PROVIDED_BUSYBOX) {
            const tools = defs.find((d: any) => d.command?.join(" ") === `cp /bin/busybox ${PROVIDED_BUSYBOX}`);
            if (!tools) problems.push(`${task.name}: no container provides ${PROVIDED_BUSYBOX}`);
            else {
                const mount = (app.mountPoints ?? []).find((m: any) => m.containerPath === HEALTH_TOOLS_DIR);
                if (!mount?.readOnly || !tools.mountPoints.some((m: any) => m.sourceVolume === mount.sourceVolume))
                    problems.push(`${task.name}: the application does not mount the provided busybox's volume read-only`);
                if (!(app.dependsOn ?? []).some((d: any) => d.containerName === tools.name && d.condition === "SUCCESS"))
                    problems.push(`${task.name}: the application does not wait for ${tools.name}`);
            }
        }
        return problems;
    });
}

const CHECKS: Record<string, (plan: Plan, system: System) => string[]> = { dev: devProblems, staging: stagingProblems, prod: prodProblems };

describe("health checks run in the image a service has and send the canonical Host (every preset, every stack)", function () {
    this.timeout(600_000);
    for (const stack of Object.keys(CHECKS))
        for (const preset of presetNames())
            it(`${preset} on ${stack}`, async () => {
                const system = loadStack(stackConfig({ stack, system: preset })).system;
                const problems = CHECKS[stack](await planStack({ stack, system: preset }), system);
                assert.deepEqual(problems, []);
            });
    for (const tool of ["curl", "python3", "none"] as const)
        it(`a declared healthTool (${tool}) is what the dev and prod checks run`, async () => {
            const overrides = { services: { backend: { healthTool: tool } } };
            for (const stack of ["dev", "prod"]) {
                const system = loadStack(stackConfig({ stack, system: "mdc-tts", overrides })).system;
                assert.equal(system.services.backend.healthTool, tool);
                assert.deepEqual(CHECKS[stack](await planStack({ stack, system: "mdc-tts", overrides }), system), []);
            }
        });
});
