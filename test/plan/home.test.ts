/**
 * A writable home (issue 20 item 4): every service, and its `migrate` step, on every preset and
 * stack runs on a read-only root with HOME, TMPDIR, XDG_CACHE_HOME and PYTHONPYCACHEPREFIX set, each
 * on a path that platform makes writable — read back from the registered resources (Docker tmpfs,
 * Kubernetes emptyDir mount, ECS task volume chowned to the uid before the container starts), not
 * from the plan.
 */
import * as assert from "node:assert/strict";
import { loadStack, presetNames, SpecError } from "../../model";
import { HOME_VARIABLES, planSystem } from "../../plan";
import { planStack, stackConfig, type Plan, type PlannedResource } from "../harness";

/** One container as it will run: read-only root?, its variables, the paths mounted writable into it. */
interface Running {
    what: string;
    readOnlyRoot: boolean;
    env: Record<string, string>;
    writable: string[];
}

const covers = (paths: string[], p: string) => paths.some((w) => p === w || p.startsWith(`${w.replace(/\/$/, "")}/`));
const label = (r: PlannedResource, name: string): string | undefined =>
    (r.inputs.labels ?? []).find((l: { label: string }) => l.label === name)?.value;

function dockerRunning(plan: Plan, service: string): Running[] {
    return plan
        .ofType("docker:index/container:Container")
        .filter(
            (c) =>
                label(c, "tierform.service") === service &&
                (label(c, "tierform.replica") !== undefined || label(c, "tierform.role") === "migrate"),
        )
        .map((c) => ({
            what: c.name,
            readOnlyRoot: c.inputs.readOnly === true,
            env: Object.fromEntries((c.inputs.envs ?? []).map((e: string) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)])),
            writable: Object.keys(c.inputs.tmpfs ?? {}),
        }));
}

function kubernetesRunning(plan: Plan, service: string): Running[] {
    const workloads = [...plan.ofType("kubernetes:apps/v1:Deployment"), ...plan.ofType("kubernetes:apps/v1:StatefulSet")].filter(
        (w) => w.inputs.metadata?.name === service,
    );
    const jobs = plan.ofType("kubernetes:batch/v1:Job").filter((j) => String(j.inputs.metadata?.name).startsWith(`${service}-migrate-`));
    return [...workloads, ...jobs].map((w) => {
        const pod = w.inputs.spec.template.spec;
        const c = pod.containers[0];
        const emptyDirs = new Set((pod.volumes ?? []).filter((v: any) => v.emptyDir).map((v: any) => v.name));
        return {
            what: w.inputs.metadata.name,
            readOnlyRoot: c.securityContext?.readOnlyRootFilesystem === true,
            env: Object.fromEntries((c.env ?? []).filter((e: any) => e.value !== undefined).map((e: any) => [e.name, e.value])),
            writable: (c.volumeMounts ?? []).filter((m: any) => emptyDirs.has(m.name) && !m.readOnly).map((m: any) => m.mountPath),
        };
    });
}

function awsRunning(plan: Plan, service: string): Running[] {
    const ecs = plan.ofType("aws:ecs/service:Service").filter((s) => s.name.endsWith(`-${service}-service`));
    assert.equal(ecs.length, 1, `aws: one ECS service for ${service}`);
    const prefix = ecs[0].name.slice(0, -"-service".length);
    const task = plan.ofType("aws:ecs/taskDefinition:TaskDefinition").find((t) => t.name === `${prefix}-task`)!;
    const defs: any[] =
        typeof task.inputs.containerDefinitions === "string"
            ? JSON.parse(task.inputs.containerDefinitions)
            : task.inputs.containerDefinitions;
    const volumes = new Set((task.inputs.volumes ?? []).filter((v: any) => !v.efsVolumeConfiguration).map((v: any) => v.name));
    const chown = defs.find((d) => d.name === "volume-permissions");
    return defs
        .filter((d) => d.essential !== false || d.name === "migrate")
        .map((d) => {
            const uid = String(d.user).split(":")[0];
            // A task volume starts root-owned 0755: writable for the uid only once the volume-permissions step chowned it and exited 0 first.
            const handedOver =
                chown !== undefined &&
                chown.command[0] === "chown" &&
                chown.command[1] === `${uid}:${uid}` &&
                (d.dependsOn ?? []).some((x: any) => x.containerName === "volume-permissions" && x.condition === "SUCCESS");
            const writable = (d.mountPoints ?? [])
                .filter(
                    (m: any) =>
                        volumes.has(m.sourceVolume) && !m.readOnly && handedOver && chown.command.slice(2).includes(m.containerPath),
                )
                .map((m: any) => m.containerPath);
            return {
                what: `${prefix} ${d.name}`,
                readOnlyRoot: d.readonlyRootFilesystem === true,
                env: Object.fromEntries((d.environment ?? []).map((e: any) => [e.name, e.value])),
                writable,
            };
        });
}

const STACKS = { dev: dockerRunning, staging: kubernetesRunning, prod: awsRunning } as const;

/** Plan `preset` on `stack` and check every service's containers (replicas and migrate step). */
async function checkHomes(stack: keyof typeof STACKS, preset: string, overrides?: Record<string, unknown>): Promise<void> {
    const running = STACKS[stack];
    const { system, settings } = loadStack(stackConfig({ stack, system: preset, overrides }));
    const plan = planSystem(system, settings.platform);
    const registered = await planStack({ stack, system: preset, overrides });
    for (const s of Object.values(system.services)) {
        const containers = running(registered, s.name);
        assert.ok(containers.length >= 1, `${stack}/${preset} ${s.name}: no containers found`);
        if (s.migrate) assert.ok(containers.length >= 2, `${stack}/${preset} ${s.name}: its migrate step was not found`);
        for (const c of containers) {
            const where = `${stack}/${preset} ${c.what}`;
            assert.ok(c.readOnlyRoot, `${where}: read-only root`);
            assert.ok(c.env.HOME, `${where}: HOME is set (the uid has no /etc/passwd entry, so it would be /)`);
            for (const v of HOME_VARIABLES) {
                assert.ok(c.env[v], `${where}: ${v} is set`);
                assert.ok(covers(c.writable, c.env[v]), `${where}: ${v}=${c.env[v]} is not on a writable mount (${c.writable.join(", ")})`);
            }
            assert.equal(c.env.HOME, plan.services[s.name].variables.plain.HOME, `${where}: HOME as planned`);
        }
    }
}

describe("a writable HOME and caches for every service (issue 20 item 4)", () => {
    for (const preset of presetNames()) {
        for (const stack of Object.keys(STACKS) as (keyof typeof STACKS)[]) {
            it(`${stack}/${preset}: every service and migrate step has HOME, TMPDIR and the caches on a writable path under a read-only root`, () =>
                checkHomes(stack, preset));
        }
    }

    it("a service whose writablePaths leaves out /tmp still gets /tmp mounted writable for HOME, on every platform", async () => {
        const overrides = { services: { frontend: { writablePaths: ["/var/cache/nginx"] }, backend: { writablePaths: ["/app/reports"] } } };
        for (const stack of Object.keys(STACKS) as (keyof typeof STACKS)[]) await checkHomes(stack, "mdc-tts", overrides);
    });

    it("a spec env that moves HOME keeps it only on a writable path; otherwise the loader names the variable", () => {
        const load = (env: Record<string, string>, writablePaths?: string[]) =>
            loadStack(
                stackConfig({
                    stack: "dev",
                    system: "mdc-tts",
                    overrides: { services: { frontend: { env, ...(writablePaths ? { writablePaths } : {}) } } },
                }),
            );
        const { system } = load({ HOME: "/var/cache/nginx/home" });
        assert.equal(planSystem(system, "docker").services.frontend.variables.plain.HOME, "/var/cache/nginx/home");
        assert.throws(
            () => load({ HOME: "/home/app" }),
            (e: unknown) =>
                e instanceof SpecError && /services\.frontend\.env\.HOME: '\/home\/app' is not on a writable path/.test(e.message),
        );
        assert.throws(() => load({ XDG_CACHE_HOME: "/tmpx/.cache" }), /services\.frontend\.env\.XDG_CACHE_HOME/);
    });

    it("writablePaths without /tmp still gets /tmp for HOME; writablePaths: [] stays fully read-only, without HOME", () => {
        const { system } = loadStack(
            stackConfig({
                stack: "dev",
                system: "mdc-tts",
                overrides: { services: { frontend: { writablePaths: ["/var/cache/nginx"] }, backend: { writablePaths: [] } } },
            }),
        );
        const plan = planSystem(system, "docker");
        assert.deepEqual(plan.services.frontend.writablePaths, ["/var/cache/nginx", "/tmp"]);
        assert.equal(plan.services.frontend.variables.plain.HOME, "/tmp");
        assert.deepEqual(plan.services.backend.writablePaths, []);
        assert.equal(plan.services.backend.variables.plain.HOME, undefined);
    });
});
