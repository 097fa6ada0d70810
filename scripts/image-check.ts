/**
 * The image contract check (`npm run images -- --check`, docs/image-contract.md): for each service
 * of a stack's plan, inspect its image through the Docker Engine API — an ENTRYPOINT or CMD to run,
 * `/bin/sh` where the platform's wrapper needs it, the health tool the spec declares, the port the
 * image exposes, VOLUMEs outside the writable paths — then start it on the local daemon with the
 * settings the platform's adapter registered for it (read from the offline plan, so nothing here
 * re-derives them: the Docker container's inputs on dev, the Deployment's pod spec on staging, the
 * ECS container definition on prod) until its health check passes or a time bound, and print one
 * line per broken contract item: the spec file and the service's spec path, what is wrong, what
 * the contract says.
 *
 * What cannot be the platform's own in a local run is stood in for, and said so in the output:
 * datastore credentials and URLs are dummies (hosts under `.invalid`, spelled by the plan's own
 * renderUrl), so an application that connects at start fails here and only its start-up before
 * that is checked; a writable path is a tmpfs (Docker's own on dev; for a Kubernetes emptyDir and
 * an ECS task volume handed to the uid, a tmpfs with the same owner and exec rights); the
 * `provided` health tool is this host's static busybox, mounted read-only where the platform
 * mounts its copy; the kubelet's HTTP probe is sent from this host to the container's address;
 * health checks are probed every quarter second (the plan's timeout, retries and start period stay).
 */
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { api, apiOk, daemonAnswers, demux } from "./docker-api";
import { runOffline, type PlannedResource } from "./offline/engine";
import { readStackConfig } from "./offline/stack-config";
import { loadStack, type Service, type System } from "../model";
import { clientEngine, planService, transportOf, type ServicePlan } from "../plan";
import { DEFAULT_PORTS, renderUrl } from "../components/shared/connection";
import { HEALTH_TOOLS_DIR, PROVIDED_BUSYBOX } from "../components/shared/health";
import { renderSecretsFile, renderWithSecrets, SECRETS_FILE, WITH_SECRETS } from "../components/docker/service";
import { CONFIG_DIR } from "../components/docker/common";

/** The stacks and the platform each plans for. */
export const CHECK_STACKS = { dev: "docker", staging: "kubernetes", prod: "aws" } as const;
/** A stack the check reads. */
export type CheckStack = keyof typeof CHECK_STACKS;

/** What to check. */
export interface CheckOptions {
    /** Stack whose adapter's settings are used. @default "dev" */
    stack?: CheckStack;
    /** Preset name or spec file (tierform:system). @default the stack file's */
    system?: string;
    /** Only this service. @default every service */
    service?: string;
    /** Seconds a container may take to turn healthy. @default 60 */
    timeoutSeconds?: number;
    /** Prefix of everything the check creates on the daemon (removed afterwards). @default "tierform-check-" */
    namePrefix?: string;
    /** A static busybox on this host, standing in for the `provided` health tool. @default /bin/busybox or /usr/bin/busybox */
    busybox?: string;
}

/** One broken contract item. */
export interface Broken {
    /** The spec file and spec path: `systems/x.yaml: services.web.writablePaths`. */
    where: string;
    /** What is wrong, and what the contract says. */
    message: string;
}

/** The outcome for one service. */
export interface ServiceResult {
    service: string;
    /** Broken contract items (empty: the image meets the contract with this plan). */
    broken: Broken[];
    /** What the run stood in for, or how it ended. */
    notes: string[];
}

/** How a container is started: the Engine API's create body, plus how its health is judged. */
interface RunSpec {
    body: Record<string, any>;
    /** Kubernetes: the kubelet's httpGet, sent from this host. */
    httpProbe?: { path: string; port: number; headers: Record<string, string> };
    /** Whether the run uses the provided busybox (bind-mounted from this host). */
    usesProvidedTool: boolean;
    /** Writable paths that are host directories on the platform (a Kubernetes emptyDir, an ECS task volume): bound from fresh ones with this owner and mode. */
    dirs?: { target: string; mode: number; uid: number; gid: number }[];
    /** Files of a host directory bound at a path (Docker's config volume with the with-secrets wrapper). */
    files?: { target: string; files: { name: string; content: string; mode: number }[] };
}

const DOC = "docs/image-contract.md";
const CONTRACT = {
    user: `${DOC}#user`,
    writable: `${DOC}#root-filesystem-home-and-writable-paths`,
    health: `${DOC}#health-checks`,
    shell: `${DOC}#commands-and-shells`,
    ports: `${DOC}#signals-and-ports`,
};

/** Values a local run gets in place of the datastores' and the application's secrets (never real ones). */
export function dummyValues(
    system: System,
    service: Service,
    plan: ServicePlan,
    platform: "docker" | "kubernetes" | "aws",
): Record<string, string> {
    const out: Record<string, string> = {};
    for (const v of plan.variables.connections) {
        const host = `${v.datastore}.invalid`;
        const engine = clientEngine(system, v.datastore);
        const transport = transportOf(system, v.datastore, platform);
        const port = engine ? DEFAULT_PORTS[engine] : v.kind === "queue" ? DEFAULT_PORTS.amqp : DEFAULT_PORTS.s3;
        if (v.part === "url" && engine && v.client)
            out[v.variable] = renderUrl(
                engine,
                v.client,
                { host, port, username: "check", password: "dummy", database: "check" },
                transport,
            );
        else if (v.part === "url") out[v.variable] = `amqp://check:dummy@${host}:${port}/`;
        else if (v.part === "host") out[v.variable] = host;
        else if (v.part === "port") out[v.variable] = String(port);
        else if (v.part === "user") out[v.variable] = "check";
        else if (v.part === "password") out[v.variable] = "dummy";
        else if (v.part === "database") out[v.variable] = "check";
        else if (v.part === "caFile") out[v.variable] = transport.caFile ?? "";
        else out[v.variable] = v.datastore;
    }
    for (const s of plan.variables.appSecrets) out[s] = "dummy-not-a-secret";
    return out;
}

/** The labels of a Docker container as a map. */
function labelsOf(r: PlannedResource): Record<string, string> {
    return Object.fromEntries(((r.inputs.labels ?? []) as { label: string; value: string }[]).map((l) => [l.label, l.value]));
}

/**
 * Docker HEALTHCHECK of an argv check with the plan's timeout, retries and start period (failures
 * in it do not count), probed every quarter second instead of the plan's interval.
 */
function healthcheck(test: string[], timeoutSeconds: number, retries: number, startSeconds: number) {
    return { Test: test, Interval: 250e6, Timeout: timeoutSeconds * 1e9, Retries: retries, StartPeriod: startSeconds * 1e9 };
}

const seconds = (d: string | number | undefined, dflt: number) =>
    typeof d === "number" ? d : d && /^\d+s$/.test(d) ? Number(d.slice(0, -1)) : dflt;

/** dev: the Docker provider's container inputs of the service's first replica. */
function dockerRun(resources: PlannedResource[], service: Service, image: string, dummies: Record<string, string>): RunSpec {
    const c = resources.find(
        (r) =>
            r.type === "docker:index/container:Container" &&
            labelsOf(r)["tierform.service"] === service.name &&
            labelsOf(r)["tierform.replica"] === "0",
    );
    if (!c) throw new Error(`the dev plan has no container for service ${service.name}`);
    const i = c.inputs;
    const volumes = (i.volumes ?? []) as { containerPath: string; readOnly?: boolean }[];
    const envs = (i.envs ?? []) as string[];
    const plainNames = new Set(envs.map((e) => e.slice(0, e.indexOf("="))));
    const wrapper = volumes.some((v) => v.containerPath === CONFIG_DIR);
    const secrets = Object.fromEntries(Object.entries(dummies).filter(([k]) => !plainNames.has(k)));
    const hc = i.healthcheck as { tests: string[]; timeout?: string; retries?: number; startPeriod?: string } | undefined;
    return {
        body: {
            Image: image,
            User: i.user,
            Env: envs,
            ...(i.entrypoints ? { Entrypoint: i.entrypoints } : {}),
            ...(i.command ? { Cmd: i.command } : {}),
            ...(hc ? { Healthcheck: healthcheck(hc.tests, seconds(hc.timeout, 30), hc.retries ?? 3, seconds(hc.startPeriod, 0)) } : {}),
            HostConfig: {
                ReadonlyRootfs: i.readOnly === true,
                CapDrop: i.capabilities?.drops ?? [],
                CapAdd: i.capabilities?.adds ?? [],
                SecurityOpt: i.securityOpts ?? [],
                Init: i.init === true,
                Tmpfs: i.tmpfs ?? {},
                ...(i.memory ? { Memory: i.memory * 1024 * 1024 } : {}),
            },
        },
        usesProvidedTool: volumes.some((v) => v.containerPath === HEALTH_TOOLS_DIR),
        ...(wrapper
            ? {
                  files: {
                      target: CONFIG_DIR,
                      files: [
                          { name: path.basename(WITH_SECRETS), content: renderWithSecrets(), mode: 0o555 },
                          { name: path.basename(SECRETS_FILE), content: renderSecretsFile(secrets), mode: 0o444 },
                      ],
                  },
              }
            : {}),
    };
}

/** staging: the Deployment's (or StatefulSet's) container of the service, as the kubelet would start it. */
function kubernetesRun(resources: PlannedResource[], service: Service, image: string, dummies: Record<string, string>): RunSpec {
    const workload = resources.find(
        (r) =>
            /^kubernetes:apps\/v1:(Deployment|StatefulSet)$/.test(r.type) &&
            r.inputs.spec?.template?.spec?.containers?.some((c: any) => c.name === service.name) &&
            r.inputs.metadata?.labels?.["app.kubernetes.io/component"] === "service",
    );
    if (!workload) throw new Error(`the staging plan has no Deployment for service ${service.name}`);
    const pod = workload.inputs.spec.template.spec;
    const c = pod.containers.find((x: any) => x.name === service.name);
    const sc = { ...(pod.securityContext ?? {}), ...(c.securityContext ?? {}) };
    const uid = sc.runAsUser ?? 0;
    const gid = sc.runAsGroup ?? uid;
    const env = ((c.env ?? []) as { name: string; value?: string }[]).map((e) => `${e.name}=${e.value ?? dummies[e.name] ?? "dummy"}`);
    const emptyDirs = new Set(((pod.volumes ?? []) as { name: string; emptyDir?: unknown }[]).filter((v) => v.emptyDir).map((v) => v.name));
    // An emptyDir: a fresh directory, mode 0777 (kubelet emptydir.go), group fsGroup with setgid when the pod sets one.
    const fsGroup = pod.securityContext?.fsGroup as number | undefined;
    const dirs = ((c.volumeMounts ?? []) as { name: string; mountPath: string }[])
        .filter((m) => emptyDirs.has(m.name))
        .map((m) => ({ target: m.mountPath, mode: fsGroup !== undefined ? 0o2777 : 0o777, uid: 0, gid: fsGroup ?? 0 }));
    const probe = c.livenessProbe ?? c.readinessProbe;
    const port = (p: any) => (typeof p === "number" ? p : (c.ports ?? []).find((x: any) => x.name === p)?.containerPort);
    return {
        body: {
            Image: image,
            User: `${uid}:${gid}`,
            Env: env,
            ...(c.command ? { Entrypoint: c.command } : {}),
            ...(c.args ? { Cmd: c.args } : {}),
            ...(probe?.exec
                ? {
                      Healthcheck: healthcheck(
                          ["CMD", ...probe.exec.command],
                          probe.timeoutSeconds ?? 1,
                          probe.failureThreshold ?? 3,
                          probe.initialDelaySeconds ?? 0,
                      ),
                  }
                : {}),
            HostConfig: {
                ReadonlyRootfs: sc.readOnlyRootFilesystem === true,
                CapDrop: sc.capabilities?.drop ?? [],
                CapAdd: sc.capabilities?.add ?? [],
                SecurityOpt: sc.allowPrivilegeEscalation === false ? ["no-new-privileges:true"] : [],
                GroupAdd: fsGroup !== undefined ? [String(fsGroup)] : [],
            },
        },
        dirs,
        ...(probe?.httpGet
            ? {
                  httpProbe: {
                      path: probe.httpGet.path,
                      port: port(probe.httpGet.port),
                      headers: Object.fromEntries((probe.httpGet.httpHeaders ?? []).map((h: any) => [h.name, h.value])),
                  },
              }
            : {}),
        usesProvidedTool: false,
    };
}

/** prod: the ECS container definition of the service (its task volumes handed to the uid, as the volume-permissions container does). */
function ecsRun(resources: PlannedResource[], service: Service, image: string, dummies: Record<string, string>): RunSpec {
    let def: any;
    for (const r of resources.filter((x) => x.type === "aws:ecs/taskDefinition:TaskDefinition")) {
        const defs =
            typeof r.inputs.containerDefinitions === "string" ? JSON.parse(r.inputs.containerDefinitions) : r.inputs.containerDefinitions;
        if (r.inputs.tags?.service === service.name) def = (defs as any[]).find((d) => d.name === service.name);
    }
    if (!def) throw new Error(`the prod plan has no ECS container definition for service ${service.name}`);
    const [uid, gid] = String(def.user ?? "0").split(":");
    const env = [
        ...((def.environment ?? []) as { name: string; value: string }[]).map((e) => `${e.name}=${e.value}`),
        ...((def.secrets ?? []) as { name: string }[]).map((s) => `${s.name}=${dummies[s.name] ?? "dummy"}`),
    ];
    // A task volume: a fresh directory the volume-permissions container hands to the uid.
    const mounts = (def.mountPoints ?? []) as { sourceVolume: string; containerPath: string }[];
    const tools = mounts.some((m) => m.containerPath === HEALTH_TOOLS_DIR);
    const dirs = mounts
        .filter((m) => m.containerPath !== HEALTH_TOOLS_DIR)
        .map((m) => ({ target: m.containerPath, mode: 0o755, uid: Number(uid), gid: Number(gid ?? uid) }));
    const hc = def.healthCheck as { command: string[]; timeout?: number; retries?: number; startPeriod?: number } | undefined;
    return {
        body: {
            Image: image,
            User: def.user,
            Env: env,
            ...(def.entryPoint ? { Entrypoint: def.entryPoint } : {}),
            ...(def.command ? { Cmd: def.command } : {}),
            ...(hc ? { Healthcheck: healthcheck(hc.command, hc.timeout ?? 5, hc.retries ?? 3, hc.startPeriod ?? 0) } : {}),
            HostConfig: {
                ReadonlyRootfs: def.readonlyRootFilesystem === true,
                CapDrop: def.linuxParameters?.capabilities?.drop ?? [],
                CapAdd: def.linuxParameters?.capabilities?.add ?? [],
                Init: def.linuxParameters?.initProcessEnabled === true,
            },
        },
        dirs,
        usesProvidedTool: tools,
    };
}

/** Whether `p` exists in the container's filesystem (a symlink: its target too). */
async function exists(containerId: string, p: string, depth = 0): Promise<boolean> {
    const r = await api("HEAD", `/containers/${containerId}/archive?path=${encodeURIComponent(p)}`);
    if (r.status !== 200) return false;
    const header = r.headers["x-docker-container-path-stat"];
    if (!header || depth > 8) return true;
    const stat = JSON.parse(Buffer.from(String(header), "base64").toString("utf8")) as { linkTarget?: string };
    if (!stat.linkTarget) return true;
    const target = stat.linkTarget.startsWith("/") ? stat.linkTarget : path.posix.join(path.posix.dirname(p), stat.linkTarget);
    return target === p ? true : exists(containerId, target, depth + 1);
}

/** Where `cmd` is found on the image's PATH, or undefined. */
async function which(containerId: string, cmd: string, env: string[]): Promise<string | undefined> {
    if (cmd.includes("/")) return (await exists(containerId, cmd)) ? cmd : undefined;
    const pathVar = env.find((e) => e.startsWith("PATH="))?.slice(5) ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    for (const dir of pathVar.split(":").filter(Boolean)) if (await exists(containerId, `${dir}/${cmd}`)) return `${dir}/${cmd}`;
    return undefined;
}

/** GET `url` from this host with `headers`: the status code, or the error. */
function httpGet(url: string, headers: Record<string, string>): Promise<number | string> {
    return new Promise((resolve) => {
        const req = http.get(url, { headers, timeout: 2000 }, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
        });
        req.on("timeout", () => req.destroy(new Error("timed out")));
        req.on("error", (e) => resolve(e.message));
    });
}

/** The last lines of a container's output. */
async function logsOf(id: string): Promise<string> {
    const r = await api("GET", `/containers/${id}/logs?stdout=1&stderr=1&tail=20`);
    return demux(r.body).trim();
}

/** A path the application reports it could not write, read from its output. */
function readOnlyPathIn(text: string): string | undefined {
    const m =
        /(\/[^\s'":]+)'?:\s*Read-only file system/i.exec(text) ??
        /(?:EROFS|read-only file system)[^\n]*?'(\/[^']+)'/i.exec(text) ??
        /Read-only file system[^\n]*?(\/[^\s'":]+)/i.exec(text);
    return m?.[1];
}

/** Whether `p` lies on one of `writable` (the path itself or below it). */
const isBelow = (p: string, writable: string[]) => writable.some((w) => p === w || p.startsWith(w.endsWith("/") ? w : `${w}/`));

/** Check one service: inspect its image, then run it as planned. */
async function checkService(
    label: string,
    system: System,
    service: Service,
    stack: CheckStack,
    resources: PlannedResource[],
    opts: Required<Pick<CheckOptions, "timeoutSeconds" | "namePrefix">> & { busybox?: string },
): Promise<ServiceResult> {
    const platform = CHECK_STACKS[stack];
    const at = (field?: string) => `${label}: services.${service.name}${field ? `.${field}` : ""}`;
    const broken: Broken[] = [];
    const notes: string[] = [];
    const result = { service: service.name, broken, notes };
    const image = service.image;
    const inspected = await api("GET", `/images/${encodeURIComponent(image)}/json`);
    if (inspected.status !== 200) {
        broken.push({ where: at("image"), message: `${image} is not on this Docker host: pull or build it first (the check never pulls)` });
        return result;
    }
    const config = (inspected.json.Config ?? {}) as {
        User?: string;
        Entrypoint?: string[] | null;
        Cmd?: string[] | null;
        ExposedPorts?: Record<string, unknown>;
        Volumes?: Record<string, unknown>;
        Env?: string[];
    };
    const plan = planService(system, service, platform);
    const dummies = dummyValues(system, service, plan, platform);
    const run =
        platform === "docker"
            ? dockerRun(resources, service, image, dummies)
            : platform === "kubernetes"
              ? kubernetesRun(resources, service, image, dummies)
              : ecsRun(resources, service, image, dummies);
    const name = `${opts.namePrefix}${system.name}-${service.name}`.replace(/[^a-zA-Z0-9_.-]/g, "-");
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tierform-check-"));
    const binds: string[] = [];
    try {
        if (run.usesProvidedTool) {
            if (!opts.busybox) {
                notes.push(
                    `no static busybox on this host (Debian: busybox-static) to stand in for the provided health tool at ${PROVIDED_BUSYBOX}`,
                );
                return result;
            }
            fs.mkdirSync(path.join(tmp, "tools"));
            fs.copyFileSync(opts.busybox, path.join(tmp, "tools", "busybox"));
            fs.chmodSync(path.join(tmp, "tools", "busybox"), 0o755);
            binds.push(`${path.join(tmp, "tools")}:${HEALTH_TOOLS_DIR}:ro`);
            notes.push(`the provided health tool is this host's ${opts.busybox}`);
        }
        for (const [i, d] of (run.dirs ?? []).entries()) {
            const dir = path.join(tmp, `writable-${i}`);
            fs.mkdirSync(dir);
            fs.chownSync(dir, d.uid, d.gid);
            fs.chmodSync(dir, d.mode);
            binds.push(`${dir}:${d.target}`);
        }
        if (run.files) {
            const dir = path.join(tmp, "files");
            fs.mkdirSync(dir);
            for (const f of run.files.files) fs.writeFileSync(path.join(dir, f.name), f.content, { mode: f.mode });
            binds.push(`${dir}:${run.files.target}:ro`);
        }
        if (Object.keys(dummies).length > 0)
            notes.push(`dummy values for ${Object.keys(dummies).sort().join(", ")} (no datastore is reached)`);
        const body: Record<string, any> = {
            ...run.body,
            HostConfig: { ...run.body.HostConfig, Binds: binds },
            Labels: { "tierform.check": "image-contract" },
        };

        await api("DELETE", `/containers/${name}?force=1`);
        const created = await apiOk("POST", `/containers/create?name=${encodeURIComponent(name)}`, body);
        const id = created.json.Id as string;

        // What the image itself offers, read from the created (not yet started) container.
        const argv = [...(body.Entrypoint ?? config.Entrypoint ?? []), ...(body.Cmd ?? (body.Entrypoint ? [] : (config.Cmd ?? [])))];
        if (argv.length === 0)
            broken.push({
                where: at("command"),
                message: `the image has neither ENTRYPOINT nor CMD and the spec gives no command: nothing to run (contract: ${CONTRACT.shell})`,
            });
        if (run.files && (config.Entrypoint ?? []).length > 0 && service.command && service.command[0] !== config.Entrypoint![0])
            broken.push({
                where: at("command"),
                message: `on Docker the with-secrets wrapper takes the place of the image's ENTRYPOINT ${JSON.stringify(config.Entrypoint)}, so command must be the whole argv, starting with it (contract: ${CONTRACT.shell})`,
            });
        const needsShell = run.files || ["sh", "/bin/sh"].includes(String((body.Healthcheck?.Test ?? [])[1]));
        if (needsShell && !(await exists(id, "/bin/sh")))
            broken.push({
                where: at(run.files ? "command" : "health.command"),
                message: `the image has no /bin/sh, which ${run.files ? "Docker's with-secrets wrapper" : "the health check"} runs (contract: ${CONTRACT.shell})`,
            });
        const test = (body.Healthcheck?.Test ?? []) as string[];
        const tool = test[1];
        if (tool && tool !== PROVIDED_BUSYBOX && !(await which(id, tool, config.Env ?? [])))
            broken.push({
                where: at(plan.health.liveness?.type === "http" ? "healthTool" : "health.command"),
                message: `the health check runs '${tool}', which is not on the image's PATH (contract: the image has the tool it declares, or healthTool: provided needs none; ${CONTRACT.health})`,
            });
        const exposed = Object.keys(config.ExposedPorts ?? {}).map((p) => Number(p.split("/")[0]));
        if (service.port !== undefined && exposed.length > 0 && !exposed.includes(service.port))
            broken.push({
                where: at("port"),
                message: `is ${service.port}, but the image exposes ${exposed.join(", ")} (contract: the service listens on its port; ${CONTRACT.ports})`,
            });
        // Docker (20.10 and newer) sets net.ipv4.ip_unprivileged_port_start=0 in a container; the pods and tasks tierform plans set no such sysctl.
        if (service.port !== undefined && service.port < 1024 && platform !== "docker")
            broken.push({
                where: at("port"),
                message: `is ${service.port}: on ${platform === "kubernetes" ? "Kubernetes" : "ECS"} a non-root uid without capabilities cannot bind a port below 1024 (Docker allows it); listen on 1024 or above, e.g. 8080 (contract: ${CONTRACT.ports})`,
            });
        for (const v of Object.keys(config.Volumes ?? {}))
            if (!isBelow(v, plan.writablePaths))
                broken.push({
                    where: at("writablePaths"),
                    message: `lacks ${v}, a VOLUME of the image: only Docker makes it writable (an anonymous volume); Kubernetes and ECS keep it on the read-only root (contract: ${CONTRACT.writable})`,
                });

        // Start it as planned, until healthy, exited, unhealthy or the time bound.
        await apiOk("POST", `/containers/${id}/start`);
        const hasCheck = run.httpProbe !== undefined || body.Healthcheck !== undefined;
        // Without a health check: running three seconds after the start is as much as can be seen.
        const deadline = Date.now() + (hasCheck ? opts.timeoutSeconds : 3) * 1000;
        let verdict: "healthy" | "exited" | "unhealthy" | "timeout" = "timeout";
        let detail = "";
        for (;;) {
            const state = (await apiOk("GET", `/containers/${id}/json`)).json;
            if (state.State.Status === "exited" || state.State.Status === "dead") {
                verdict = "exited";
                detail = `exited with code ${state.State.ExitCode}`;
                break;
            }
            if (run.httpProbe) {
                const ip = Object.values(state.NetworkSettings?.Networks ?? {})
                    .map((n: any) => n.IPAddress)
                    .find(Boolean);
                const answer = ip
                    ? await httpGet(`http://${ip}:${run.httpProbe.port}${run.httpProbe.path}`, run.httpProbe.headers)
                    : "no address";
                if (typeof answer === "number" && answer >= 200 && answer < 400) {
                    verdict = "healthy";
                    break;
                }
                detail = `the kubelet's probe GET ${run.httpProbe.path} on port ${run.httpProbe.port} answered ${answer}`;
            } else if (state.State.Health) {
                const h = state.State.Health;
                const last = h.Log?.[h.Log.length - 1];
                if (last)
                    detail = `the health check exited ${last.ExitCode}: ${String(last.Output ?? "")
                        .trim()
                        .slice(0, 300)}`;
                if (h.Status === "healthy" || h.Status === "unhealthy") {
                    verdict = h.Status;
                    break;
                }
            }
            if (Date.now() > deadline) break;
            await new Promise((r) => setTimeout(r, 250));
        }
        if (!hasCheck && verdict === "timeout") verdict = "healthy";
        const logs = await logsOf(id);
        if (verdict === "healthy")
            notes.push(hasCheck ? "healthy with the plan's settings" : "running with the plan's settings (no health check to pass)");
        else {
            const found = readOnlyPathIn(`${logs}\n${detail}`);
            const ro = found && path.posix.normalize(found).replace(/(.)\/$/, "$1");
            // A dotfile in / : the process took / for its home (the uid has no passwd entry and no HOME variable).
            const home =
                ro && /^\/\.[^/]+/.test(ro) && !body.Env?.some((e: string) => e.startsWith("HOME="))
                    ? ", its HOME being /: writablePaths [] gives no HOME on /tmp"
                    : "";
            const settings = `uid ${body.User}, read-only root, capabilities dropped, writable: ${plan.writablePaths.join(", ") || "nothing"}`;
            if (ro && !isBelow(ro, plan.writablePaths))
                broken.push({
                    where: at("writablePaths"),
                    message: `the image writes ${ro}, which is on the read-only root (writable: ${plan.writablePaths.join(", ") || "nothing"}${home}); list it in writablePaths or make the image write under them (contract: ${CONTRACT.writable})`,
                });
            else
                broken.push({
                    where: at(),
                    message: `${verdict === "timeout" ? `not healthy after ${opts.timeoutSeconds} s` : verdict} with the plan's settings (${settings})${detail ? `; ${detail}` : ""}${logs ? `; last output: ${logs.split("\n").slice(-3).join(" | ")}` : ""} (contract: ${DOC})`,
                });
        }
        return result;
    } finally {
        await api("DELETE", `/containers/${name}?force=1`);
        fs.rmSync(tmp, { recursive: true, force: true });
    }
}

/** Check every service (or one) of a stack's plan; one result per service. Throws when no daemon answers. */
export async function checkImages(opts: CheckOptions = {}): Promise<ServiceResult[]> {
    const stack = opts.stack ?? "dev";
    if (!(stack in CHECK_STACKS)) throw new Error(`--stack must be one of ${Object.keys(CHECK_STACKS).join(", ")}`);
    if (!(await daemonAnswers()))
        throw new Error("no Docker daemon answers on /var/run/docker.sock (DOCKER_SOCKET): the check runs the images there");
    const config = { ...readStackConfig(stack), ...(opts.system ? { "tierform:system": opts.system } : {}) };
    const loaded = loadStack(config);
    const services = Object.values(loaded.system.services).filter((s) => !opts.service || s.name === opts.service);
    if (opts.service && services.length === 0)
        throw new Error(
            `${loaded.source}: services.${opts.service}: no such service (services: ${Object.keys(loaded.system.services).join(", ")})`,
        );
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const program = require("../index");
    const t0 = Date.now();
    const planned = await runOffline({ program, config, stack });
    if (process.env.TFT_TIMING) console.error(`plan ${stack}: ${Date.now() - t0} ms`);
    const busybox = opts.busybox ?? ["/bin/busybox", "/usr/bin/busybox"].find((p) => fs.existsSync(p));
    const label = path.isAbsolute(loaded.source) ? path.relative(process.cwd(), loaded.source) || loaded.source : loaded.source;
    return Promise.all(
        services.map((s) =>
            checkService(label, loaded.system, s, stack, planned.resources, {
                timeoutSeconds: opts.timeoutSeconds ?? 60,
                namePrefix: opts.namePrefix ?? "tierform-check-",
                busybox,
            }),
        ),
    );
}
