/**
 * Creates a container from its recorded Pulumi inputs THE WAY THE DOCKER PROVIDER DOES, so a test
 * on a real daemon meets what `pulumi up` meets. Mirrors kreuzwerker/terraform-provider-docker
 * v4.5.0 (the upstream of pulumi-docker; commit 5074970c), file
 * internal/provider/resource_docker_container_funcs.go, `resourceDockerContainerCreate`:
 *
 * - `container.Config` (lines 69-160): Image, Hostname, Env (`env`), Cmd (`command`), Entrypoint
 *   (`entrypoint`), User, WorkingDir, Labels, Volumes, Healthcheck with durations from
 *   `time.ParseDuration` (errors ignored: 0);
 * - `container.HostConfig` (lines 248-450): RestartPolicy, Mounts, ReadonlyRootfs, LogConfig,
 *   Tmpfs, PortBindings, Binds (`volumeSetToDockerVolumes` in resource_docker_container_structures.go:
 *   `volume_name:container_path:rw|ro`), CapAdd/CapDrop, SecurityOpt, Memory and MemorySwap (MiB),
 *   ShmSize, NanoCPUs (`cpus`), NetworkMode, Init;
 * - `ContainerCreate`, then for `networks_advanced`: `NetworkDisconnect("bridge")` and
 *   `NetworkConnect` per network with its Aliases (lines 462-500);
 * - `upload` (lines 503-581): EACH upload is its own tar archive (header Name = the file's absolute
 *   path, Mode = `permissions`) put with `CopyToContainer(ctx, id, dstPath := "/", ...)`. The
 *   upstream header has no owner; pulumi-docker 5.2.0's schema adds `owner`/`group`
 *   (types/input.d.ts ContainerUpload), which this driver writes as the header's uid/gid;
 * - `start`, then `wait` polls ContainerInspect until Health.Status is "healthy" (lines 586-626);
 * - `attach` waits with `ContainerWait(..., WaitConditionNotRunning)` and ignores the status (lines
 *   631-668). Where the provider ignores it, this driver reads the exit code, as the program does
 *   afterwards (`completedStep`, from the provider's read: `d.Set("exit_code", ...)`).
 *
 * Deviations, each for the shared test daemon: names are prefixed; published ports get random
 * host ports; `wait` gives up after the test's own timeout rather than `wait_timeout`.
 */
import type { PlannedResource } from "../harness";
import { api, apiOk, tar } from "./api";

/** Go `time.ParseDuration` for the forms tierform uses, in nanoseconds; 0 when it cannot parse (as the provider's ignored error). */
export function goDuration(text: unknown): number {
    if (typeof text !== "string") return 0;
    const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g;
    const unit: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
    let total = 0;
    let consumed = 0;
    for (const m of text.matchAll(re)) {
        total += Number(m[1]) * unit[m[2]];
        consumed += m[0].length;
    }
    return consumed === text.length ? Math.round(total) : 0;
}

/** How the test renames what it creates on the shared daemon. */
export type Rename = (name: string) => string;

/** The image reference a recorded `image` input stands for (the mock's `<ref>@sha256:0…` imageId is the pinned ref). */
export function imageRef(image: string): string {
    return image.replace(/@sha256:0{64}$/, "");
}

/** The Engine API create body of a recorded container (see the file comment for the provider lines). */
export function createBody(inputs: Record<string, any>, rename: Rename): Record<string, any> {
    const labels = Object.fromEntries((inputs.labels ?? []).map((l: any) => [l.label, String(l.value)]));
    const binds: string[] = [];
    const volumes: Record<string, object> = {};
    for (const v of inputs.volumes ?? []) {
        volumes[v.containerPath] = {};
        if (v.volumeName) binds.push(`${rename(v.volumeName)}:${v.containerPath}:${v.readOnly ? "ro" : "rw"}`);
    }
    const h = inputs.healthcheck;
    const exposed: Record<string, object> = {};
    const portBindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
    for (const p of inputs.ports ?? []) {
        const key = `${p.internal}/${p.protocol ?? "tcp"}`;
        exposed[key] = {};
        portBindings[key] = [{ HostIp: p.ip ?? "0.0.0.0", HostPort: "" }];
    }
    return {
        Image: imageRef(inputs.image),
        Hostname: inputs.hostname ?? "",
        Env: inputs.envs ?? [],
        ...(inputs.command ? { Cmd: inputs.command } : {}),
        ...(inputs.entrypoints ? { Entrypoint: inputs.entrypoints } : {}),
        User: inputs.user ?? "",
        WorkingDir: inputs.workingDir ?? "",
        Labels: labels,
        ...(Object.keys(volumes).length ? { Volumes: volumes } : {}),
        ...(Object.keys(exposed).length ? { ExposedPorts: exposed } : {}),
        ...(inputs.stopTimeout !== undefined ? { StopTimeout: inputs.stopTimeout } : {}),
        ...(h
            ? {
                  Healthcheck: {
                      Test: h.tests,
                      Interval: goDuration(h.interval),
                      Timeout: goDuration(h.timeout),
                      StartPeriod: goDuration(h.startPeriod),
                      Retries: h.retries ?? 0,
                  },
              }
            : {}),
        HostConfig: {
            Privileged: inputs.privileged ?? false,
            RestartPolicy: { Name: inputs.restart ?? "no", MaximumRetryCount: inputs.maxRetryCount ?? 0 },
            ReadonlyRootfs: inputs.readOnly ?? false,
            LogConfig: { Type: inputs.logDriver ?? "", Config: inputs.logOpts ?? {} },
            ...(inputs.tmpfs ? { Tmpfs: inputs.tmpfs } : {}),
            ...(Object.keys(portBindings).length ? { PortBindings: portBindings } : {}),
            ...(binds.length ? { Binds: binds } : {}),
            CapAdd: inputs.capabilities?.adds ?? null,
            CapDrop: inputs.capabilities?.drops ?? null,
            SecurityOpt: inputs.securityOpts ?? null,
            ...(inputs.memory ? { Memory: inputs.memory * 1024 * 1024 } : {}),
            ...(inputs.memorySwap ? { MemorySwap: inputs.memorySwap > 0 ? inputs.memorySwap * 1024 * 1024 : inputs.memorySwap } : {}),
            ...(inputs.shmSize ? { ShmSize: inputs.shmSize * 1024 * 1024 } : {}),
            ...(inputs.cpus ? { NanoCpus: Math.round(Number(inputs.cpus) * 1e9) } : {}),
            ...(inputs.networkMode ? { NetworkMode: inputs.networkMode } : {}),
            Init: inputs.init ?? false,
        },
    };
}

/** What happened to one container. */
export interface Deployed {
    name: string;
    id: string;
    /** "healthy" (wait), "exited 0" (attach), or "running". */
    outcome: string;
}

/**
 * Create, connect, upload, start and wait for one recorded container, as the provider does.
 * Throws with the daemon's message where `pulumi up` would fail, and (beyond the provider) when an
 * attached one-shot container exits non-zero.
 */
export async function deployContainer(
    r: PlannedResource,
    rename: Rename,
    opts: {
        healthTimeoutMs: number;
        /** Beyond the provider: asked the moment a waited-for container turns healthy; a message fails the deployment (what depends on it would start now). */
        atHealthy?: (id: string, name: string) => Promise<string | undefined>;
    },
): Promise<Deployed> {
    const inputs = r.inputs;
    const name = rename(inputs.name);
    const t0 = Date.now();
    const created = await apiOk("POST", `/containers/create?name=${encodeURIComponent(name)}`, createBody(inputs, rename));
    const id: string = created.json.Id;
    if (inputs.networksAdvanced?.length) {
        const off = await api("POST", `/networks/bridge/disconnect`, { Container: id, Force: false });
        if (off.status >= 300 && !/is not connected to the network bridge/.test(off.json?.message ?? ""))
            throw new Error(`${name}: disconnecting bridge: ${off.json?.message}`);
        for (const n of inputs.networksAdvanced) {
            await apiOk("POST", `/networks/${encodeURIComponent(rename(n.name))}/connect`, {
                Container: id,
                EndpointConfig: { Aliases: n.aliases ?? [] },
            });
        }
    }
    for (const u of inputs.uploads ?? []) {
        const mode = u.permissions ? parseInt(u.permissions, 8) : u.executable ? 0o744 : 0o644;
        const archive = tar([
            {
                name: u.file,
                type: "file",
                content: u.content ?? Buffer.from(u.contentBase64 ?? "", "base64"),
                mode,
                uid: Number(u.owner ?? 0),
                gid: Number(u.group ?? 0),
            },
        ]);
        const put = await api("PUT", `/containers/${id}/archive?path=${encodeURIComponent("/")}`, archive, {
            contentType: "application/x-tar",
        });
        if (put.status !== 200)
            throw new Error(
                `${name}: Unable to upload volume content: HTTP ${put.status} ${put.json?.message ?? ""} (upload ${u.file} at path '/')`,
            );
    }
    if (inputs.start === false) return { name, id, outcome: "created" };
    if (process.env.TFT_TRACE) console.log(`      ${name}: created and filled in ${Date.now() - t0} ms`);
    await apiOk("POST", `/containers/${id}/start`);
    if (process.env.TFT_TRACE) console.log(`      ${name}: started at ${Date.now() - t0} ms`);
    if (inputs.wait) {
        const deadline = Date.now() + opts.healthTimeoutMs;
        for (;;) {
            const info = (await apiOk("GET", `/containers/${id}/json`)).json;
            if (!info.State?.Health)
                throw new Error(`${name}: you have supplied a 'wait' argument, but the container does not have a healthcheck defined`);
            if (info.State.Health.Status === "healthy") {
                const early = opts.atHealthy ? await opts.atHealthy(id, name) : undefined;
                if (early) throw new Error(`${name}: healthy too early: ${early}`);
                return { name, id, outcome: "healthy" };
            }
            // Beyond the provider (which polls until wait_timeout): "unhealthy" (retries used up) fails at once.
            if (Date.now() > deadline || !info.State.Running || info.State.Health.Status === "unhealthy") {
                const log = (info.State.Health.Log ?? [])
                    .map((l: any) => `exit ${l.ExitCode}: ${String(l.Output).trim()}`)
                    .slice(-2)
                    .join(" | ");
                throw new Error(
                    `${name}: container failed to be in healthy state (${info.State.Running ? "running" : `exited ${info.State.ExitCode}`}, health ${info.State.Health.Status}; ${log}; logs: ${await logsOf(id)})`,
                );
            }
            await new Promise((res) => setTimeout(res, 500));
        }
    }
    if (inputs.attach) {
        const waited = await apiOk("POST", `/containers/${id}/wait?condition=not-running`, undefined, { timeoutMs: opts.healthTimeoutMs });
        const code = waited.json.StatusCode;
        if (code !== 0) throw new Error(`${name}: one-shot container exited with ${code}: ${await logsOf(id)}`);
        return { name, id, outcome: "exited 0" };
    }
    return { name, id, outcome: "running" };
}

/** The last lines of a container's log. */
export async function logsOf(id: string): Promise<string> {
    const r = await api("GET", `/containers/${id}/logs?stdout=1&stderr=1&tail=20`);
    const { demux } = await import("./api");
    return demux(r.body).trim().replace(/\s+/g, " ").slice(-600);
}
