/**
 * Blue/green and canary through the dev edge on a REAL Docker daemon, with the REAL nginx: a
 * system of one web service (two replicas) behind the edge is deployed from its dev plan, then
 * updated to a new version the way `pulumi up` updates it — while a client sends requests through
 * the edge's published port the whole time and counts every failed one.
 *
 * The update is the plan's difference, applied in the engine's order: containers whose URN is new
 * are created (the new colour's replicas, waited for until healthy, as the provider's `wait`
 * does), containers whose inputs changed are replaced, deleted first (pulumi-docker
 * provider/resources.go: `docker_container` `DeleteBeforeReplace: true`), in dependency order;
 * containers the new plan no longer has (the old colour) are deleted last (pulumi/pulumi
 * pkg/resource/deploy/step_generator.go `GenerateDeletes`, after the program finished). Each
 * container is created as the provider creates it (./provider.ts).
 *
 * The image (named `tft-bg-image:<pid>`, removed afterwards) is Debian's static busybox with the
 * host's own nginx (nginx-light), GNU wget and dash (its /bin/sh, see {@link DASH}) and their
 * libraries: the edge runs a real nginx under the watcher that reloads it, and the switch step
 * asks the edge by name and the health checks ask their containers with a real wget. The app
 * is busybox httpd answering its version. Everything else is named `tft-bg-<pid>-*` and removed.
 * About 40 s of dockerd's time per scenario: `npm run test:dev-stack`, not `npm test`.
 */
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as path from "node:path";
import { planStack, type PlannedResource } from "../harness";
import { spec } from "../harness/spec";
import { api, apiOk, demux, type TarEntry, tar } from "./api";
import { deployContainer, type Deployed } from "./provider";
import { busyboxPath, requireDaemon } from "./stand-ins";
import { requireTool } from "../harness/tools";

const CONTAINER = "docker:index/container:Container";
const RUN = `tft-bg-${process.pid.toString(36)}-`;
const IMAGE = `tft-bg-image:${process.pid.toString(36)}`;
const rename = (n: string) => `${RUN}${n}`;
const NGINX = "/usr/sbin/nginx";
const WGET = "/usr/bin/wget";
/**
 * The image's /bin/sh. Not busybox's: Debian's busybox-static is linked with glibc statically, and
 * its wget applet crashes (SIGSEGV) resolving any address in a container without the host's glibc
 * NSS setup; its shell runs an applet before anything on PATH, so the switch step's `wget` was that
 * applet, never reached the edge, and installed without waiting (a race the test then lost in about
 * one CI run of two). dash runs the same POSIX scripts with GNU wget from PATH; the watcher's own
 * test (test/tools/edge-watcher.test.ts) runs it under busybox sh.
 */
const DASH = "/usr/bin/dash";
/** Busybox applets the edge's watcher, the switch step, the ownership step and the app use. */
const APPLETS = [
    "sed",
    "cp",
    "mv",
    "sleep",
    "sha256sum",
    "kill",
    "head",
    "cat",
    "mkdir",
    "chown",
    "stat",
    "touch",
    "ls",
    "id",
    "httpd",
    "rm",
    "echo",
];
/** The app: busybox httpd answering its version on `/` and `ok` on /healthz. */
const SERVE =
    'mkdir -p /tmp/www && echo "$APP_VERSION" >/tmp/www/index.html && echo ok >/tmp/www/healthz && exec httpd -f -p 8080 -h /tmp/www';

/** The shared libraries `bin` loads (ldd), the loader included. */
function librariesOf(bin: string): string[] {
    const out = execFileSync("ldd", [bin], { encoding: "utf8" });
    return [...out.matchAll(/(\/\S+\.so[.\d]*)/g)].map((m) => m[1]);
}

/** The image's root filesystem: busybox and its applets, nginx, wget, their libraries, the nginx user (uid 101). */
function rootfs(): Buffer {
    const entries: TarEntry[] = [];
    const dirs = new Set<string>();
    const dir = (d: string, mode = 0o755, uid = 0) => {
        const parts = d.split("/").filter(Boolean);
        for (let i = 1; i <= parts.length; i++) {
            const p = parts.slice(0, i).join("/");
            if (dirs.has(p)) continue;
            dirs.add(p);
            entries.push({
                name: p,
                type: "dir",
                mode: i === parts.length ? mode : 0o755,
                uid: i === parts.length ? uid : 0,
                gid: i === parts.length ? uid : 0,
            });
        }
    };
    const files = new Set<string>();
    const file = (p: string, content: Buffer | string, mode = 0o644) => {
        if (files.has(p)) return;
        files.add(p);
        dir(path.dirname(p));
        entries.push({ name: p.replace(/^\//, ""), type: "file", content, mode });
    };
    dir("/tmp", 0o1777);
    dir("/var/log/nginx", 0o755, 101);
    file("/bin/busybox", fs.readFileSync(busyboxPath()!), 0o755);
    for (const a of APPLETS) entries.push({ name: `bin/${a}`, type: "symlink", target: "/bin/busybox" });
    for (const bin of [NGINX, WGET, DASH]) {
        file(bin, fs.readFileSync(bin), 0o755);
        for (const lib of librariesOf(bin)) file(lib, fs.readFileSync(lib), 0o755);
    }
    entries.push({ name: "bin/sh", type: "symlink", target: DASH });
    file("/etc/passwd", "root:x:0:0:root:/root:/bin/sh\nnginx:x:101:101:nginx:/nonexistent:/bin/false\n");
    file("/etc/group", "root:x:0:\nnginx:x:101:\n");
    return tar(entries);
}

/** The dev plan of the one-service system at `version` with `rollout`. */
async function planOf(version: string, rollout: Record<string, unknown>): Promise<PlannedResource[]> {
    const file = spec("bg")
        .service("web", {
            port: 8080,
            command: ["/bin/sh", "-c", SERVE],
            env: { APP_VERSION: version },
            healthTool: "wget",
            health: { liveness: { path: "/healthz", periodSeconds: 1, initialDelaySeconds: 0, failureThreshold: 3 } },
            replicas: { min: 2, max: 2 },
            rollout: rollout as never,
        })
        .edge({ tls: false, rateLimitPerMinute: 1_000_000 })
        .build();
    return (await planStack({ stack: "dev", system: file })).resources;
}

/** Containers in an order where each comes after every container it depends on. */
function ordered(resources: PlannedResource[]): PlannedResource[] {
    const containers = resources.filter((r) => r.type === CONTAINER);
    const byUrn = new Map(containers.map((c) => [c.urn, c]));
    const out: PlannedResource[] = [];
    const seen = new Set<string>();
    const visit = (c: PlannedResource) => {
        if (seen.has(c.urn)) return;
        seen.add(c.urn);
        for (const d of c.dependencies) if (byUrn.has(d)) visit(byUrn.get(d)!);
        out.push(c);
    };
    containers.forEach(visit);
    return out;
}

/** The recorded inputs with this test's image, and the edge reachable under its planned name (the switch step asks it). */
function local(r: PlannedResource): PlannedResource {
    const inputs: Record<string, any> = { ...r.inputs, image: IMAGE };
    if (r.inputs.ports)
        inputs.networksAdvanced = r.inputs.networksAdvanced.map((n: any) => ({ ...n, aliases: [...(n.aliases ?? []), r.inputs.name] }));
    return { ...r, inputs };
}

const deployed = new Map<string, Deployed>();

/** Each container's addresses on its networks, as created (a failure names whose address a request went to). */
const addresses: string[] = [];

async function create(r: PlannedResource): Promise<void> {
    const d = await deployContainer(local(r), rename, { healthTimeoutMs: 60_000 });
    deployed.set(r.urn, d);
    const nets = (await apiOk("GET", `/containers/${d.id}/json`)).json.NetworkSettings.Networks ?? {};
    const ips = Object.values(nets)
        .map((n: any) => n.IPAddress)
        .filter(Boolean);
    if (ips.length > 0) addresses.push(`${r.name}=${ips.join("/")}`);
}

async function remove(urn: string): Promise<void> {
    const d = deployed.get(urn);
    if (!d) return;
    // As the provider deletes: stop (the container's stop timeout), then remove.
    await api("POST", `/containers/${d.id}/stop?t=10`, undefined, { timeoutMs: 30_000 });
    await apiOk("DELETE", `/containers/${d.id}?force=1`);
    deployed.delete(urn);
}

/** The first `up`: networks, volumes, then every container. */
async function deployFirst(resources: PlannedResource[]): Promise<void> {
    for (const n of resources.filter((r) => r.type === "docker:index/network:Network"))
        await apiOk("POST", `/networks/create`, {
            Name: rename(n.inputs.name),
            Internal: n.inputs.internal ?? false,
            CheckDuplicate: true,
        });
    for (const v of resources.filter((r) => r.type === "docker:index/volume:Volume"))
        await apiOk("POST", `/volumes/create`, { Name: rename(v.inputs.name) });
    for (const c of ordered(resources)) await create(c);
}

/** What an update does to containers: created, replaced (delete first), deleted at the end. */
function difference(before: PlannedResource[], after: PlannedResource[]) {
    const old = new Map(before.filter((r) => r.type === CONTAINER).map((r) => [r.urn, r]));
    const now = new Set(after.filter((r) => r.type === CONTAINER).map((r) => r.urn));
    const replaced = ordered(after).filter((r) => old.has(r.urn) && JSON.stringify(old.get(r.urn)!.inputs) !== JSON.stringify(r.inputs));
    return {
        created: ordered(after).filter((r) => !old.has(r.urn)),
        replaced,
        deleted: [...old.keys()].filter((u) => !now.has(u)),
    };
}

/** The update, in the engine's order; new volumes first. */
async function update(before: PlannedResource[], after: PlannedResource[], mark: (what: string) => void = () => {}): Promise<void> {
    const volumes = new Set(before.filter((r) => r.type === "docker:index/volume:Volume").map((r) => r.urn));
    for (const v of after.filter((r) => r.type === "docker:index/volume:Volume" && !volumes.has(r.urn)))
        await apiOk("POST", `/volumes/create`, { Name: rename(v.inputs.name) });
    const d = difference(before, after);
    const changing = new Set([...d.created, ...d.replaced].map((r) => r.urn));
    for (const c of ordered(after).filter((r) => changing.has(r.urn))) {
        await remove(c.urn);
        await create(c);
        mark(`${c.name} ${d.created.includes(c) ? "created" : "replaced"}`);
    }
    for (const urn of d.deleted) {
        await remove(urn);
        mark(`${urn.split("::").pop()} deleted`);
    }
}

/** A client sending requests through the edge until stopped, several at a time; every answer and failure counted. */
function load(port: number, parallel = 4) {
    const answers: string[] = [];
    /** When each answered request started (Date.now()), by the index of its answer. */
    const startedAt: number[] = [];
    const failures: string[] = [];
    let slowest = 0;
    let running = true;
    const t0 = Date.now();
    const one = () =>
        new Promise<void>((resolve) => {
            const start = Date.now();
            const req = http.get({ host: "127.0.0.1", port, path: "/", agent: false, timeout: 30_000 }, (res) => {
                let body = "";
                res.on("data", (c) => (body += c));
                res.on("end", () => {
                    slowest = Math.max(slowest, Date.now() - start);
                    if (process.env.TFT_TRACE && Date.now() - start > 2000)
                        console.log(`      slow: ${Date.now() - start} ms at ${start - t0} ms`);
                    if (res.statusCode === 200) {
                        answers.push(body.trim());
                        startedAt.push(start);
                    } else
                        failures.push(
                            `HTTP ${res.statusCode} after ${Date.now() - start} ms, at ${start - t0} ms: ${body.trim().slice(0, 60)}`,
                        );
                    resolve();
                });
            });
            req.on("timeout", () => req.destroy(new Error("timeout")));
            req.on("error", (e) => {
                failures.push(`${e.message} after ${Date.now() - start} ms, at ${start - t0} ms`);
                resolve();
            });
        });
    const loops = Array.from({ length: parallel }, async () => {
        while (running) await one();
    });
    return {
        answers,
        startedAt,
        failures,
        slowest: () => slowest,
        stop: async () => {
            running = false;
            await Promise.all(loops);
        },
    };
}

async function publishedPort(r: PlannedResource): Promise<number> {
    const info = (await apiOk("GET", `/containers/${deployed.get(r.urn)!.id}/json`)).json;
    return Number(info.NetworkSettings.Ports["8080/tcp"][0].HostPort);
}

async function cleanUp(): Promise<void> {
    const all = (await apiOk("GET", `/containers/json?all=1`)).json as { Id: string; Names: string[] }[];
    await Promise.all(
        all.filter((c) => c.Names.some((n) => n.startsWith(`/${RUN}`))).map((c) => api("DELETE", `/containers/${c.Id}?force=1`)),
    );
    deployed.clear();
    addresses.length = 0;
    const vols = (await apiOk("GET", `/volumes`)).json.Volumes ?? [];
    for (const v of vols.filter((v: any) => v.Name.startsWith(RUN))) await api("DELETE", `/volumes/${v.Name}`);
    const nets = (await apiOk("GET", `/networks`)).json as { Id: string; Name: string }[];
    for (const n of nets.filter((n) => n.Name.startsWith(RUN))) await api("DELETE", `/networks/${n.Id}`);
}

describe("dev edge: blue/green and canary switches on a real Docker daemon lose no request", function () {
    this.timeout(300_000);

    before(async function () {
        await requireDaemon(this);
        // Where the image puts them: skipped outside CI when one is missing, a failure in CI.
        for (const [bin, debianPackage] of [
            [NGINX, "nginx-light"],
            [WGET, "wget"],
            [DASH, "dash"],
        ])
            requireTool(this, path.basename(bin), debianPackage, [path.dirname(bin)]);
        const q = new URLSearchParams({ fromSrc: "-", repo: IMAGE.split(":")[0], tag: IMAGE.split(":")[1] });
        q.append("changes", "ENV PATH=/usr/sbin:/usr/bin:/bin");
        q.append("changes", "LABEL tierform.test=stand-in");
        await apiOk("POST", `/images/create?${q.toString()}`, rootfs(), { contentType: "application/x-tar", timeoutMs: 120_000 });
    });

    afterEach(cleanUp);
    after(async () => {
        await cleanUp();
        await api("DELETE", `/images/${IMAGE}?force=1`);
    });

    for (const [label, rollout] of [
        ["blue/green", { strategy: "blueGreen" }],
        ["canary 50 → 100", { strategy: "canary", steps: [{ weight: 50, pause: "10s" }, { weight: 100 }] }],
    ] as const) {
        it(`${label}: the new colour starts beside the old, the edge switches with a reload, the old colour goes; no request fails`, async () => {
            const v1 = await planOf("v1", rollout);
            const v2 = await planOf("v2", rollout);
            const d = difference(v1, v2);
            const names = (rs: PlannedResource[]) => rs.map((r) => r.name).sort();
            // The update creates the new colour and re-runs the switch step; it does not touch the edge container.
            assert.deepEqual(
                names(d.created).map((n) => n.replace(/-[a-f0-9]{6}-/, "-<colour>-")),
                ["bg-web-<colour>-0", "bg-web-<colour>-1"],
            );
            assert.deepEqual(names(d.replaced), ["bg-edge-switch"]);
            assert.equal(d.deleted.length, 2, "the old colour's two replicas");

            await deployFirst(v1);
            const edge = v1.find((r) => r.type === CONTAINER && r.inputs.ports)!;
            const edgeId = deployed.get(edge.urn)!.id;
            const client = load(await publishedPort(edge));
            const started = Date.now();
            const marks: string[] = [];
            let switched = 0;
            const mark = (what: string) => {
                marks.push(`${what} at ${Date.now() - started} ms`);
                if (what.endsWith("edge-switch replaced")) switched = Date.now();
            };
            await new Promise((res) => setTimeout(res, 1000));
            assert.ok(client.answers.length > 0 && !client.answers.some((a) => a !== "v1"), `before: ${client.answers.slice(0, 3)}`);

            if (process.env.TFT_TRACE) console.log(`      update starts at ${Date.now() - started} ms`);
            await update(v1, v2, mark);
            if (process.env.TFT_TRACE) console.log(`      update done at ${Date.now() - started} ms`);
            await new Promise((res) => setTimeout(res, 1000));
            await client.stop();

            assert.equal(deployed.get(edge.urn)!.id, edgeId, "the edge container is the same one");
            const log = demux((await apiOk("GET", `/containers/${edgeId}/logs?stdout=1&stderr=1`)).body);
            // A failure names when it happened against the update's steps, and the edge's own account of it.
            const switchStep = v2.find((r) => r.type === CONTAINER && r.name === "bg-edge-switch")!;
            const switchLog = demux((await apiOk("GET", `/containers/${deployed.get(switchStep.urn)!.id}/logs?stdout=1&stderr=1`)).body);
            console.log(`      ${label} switch step: ${switchLog.trim().split("\n").join(" | ")}`);
            const edgeErrors = log.split("\n").filter((l) => /^edge: |\[(error|warn|crit)\]| 50[0-9] \d+ /.test(l));
            assert.deepEqual(
                client.failures,
                [],
                `${client.failures.length} of ${client.answers.length + client.failures.length} requests failed; steps: ${marks.join(", ")}; switch step: ${switchLog.trim().split("\n").join(" | ")}; addresses: ${addresses.join(" ")}; edge: ${edgeErrors
                    .filter((l) => !/Connection refused|temporarily disabled/.test(l))
                    .slice(-16)
                    .join(" | ")}`,
            );
            const firstV2 = client.answers.indexOf("v2");
            assert.ok(firstV2 > 0, "v2 answered");
            const after = client.answers.slice(client.answers.lastIndexOf("v1") + 1);
            assert.ok(after.length > 20 && after.every((a) => a === "v2"), "only v2 once the switch is done");
            if (rollout.strategy === "canary") {
                // The 50 % weight held for its 10 s: both versions answered, interleaved, before the full switch.
                const mixed = client.answers.slice(firstV2, client.answers.lastIndexOf("v1"));
                assert.ok(
                    mixed.filter((a) => a === "v1").length > 10 && mixed.filter((a) => a === "v2").length > 10,
                    "v1 and v2 both answered during the canary",
                );
            }
            // The switch step ends once the edge's health path answers the new generation, which the watcher
            // allows only when no worker of the previous configuration takes requests: a request that starts
            // after that is answered by the new colour. (Before it, old and new workers overlap: nginx starts
            // the new ones 100 ms before it stops the old ones, so v1 and v2 answers interleave for a moment.)
            assert.ok(switched > 0, "the switch step ran");
            const lateV1 = client.answers.filter((a, i) => a === "v1" && client.startedAt[i] > switched).length;
            assert.equal(lateV1, 0, `${lateV1} requests started after the switch step ended were answered by v1`);
            assert.match(log, /edge: configuration changed, reloading/);
            if (process.env.TFT_TRACE)
                console.log(
                    `      ${label}: ${client.answers.length} requests, ${client.failures.length} failed, slowest ${client.slowest()} ms`,
                );
        });
    }
});
