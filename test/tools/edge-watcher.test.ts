/**
 * The Docker edge's watcher (components/docker/rollout.ts `edgeWatcherScript`) run as it runs in
 * the edge container — under busybox sh, with the real nginx, on the configuration the renderer
 * writes — with a client sending requests the whole time: once the health path answers the new
 * generation, the previous upstream may go (as Pulumi deletes the old colour) and no request
 * fails. The old rule (a health answer from the new configuration itself) failed this: nginx's
 * master starts the new workers and signals the old ones 100 ms later, and meanwhile they still
 * accept (nginx src/os/unix/ngx_process_cycle.c, `ngx_reconfigure`).
 */
import * as assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { edgeWatcherScript, generationLine } from "../../components/docker/rollout";
import { renderNginxConf } from "../../components/shared/nginx";
import { busyboxPath } from "../docker-engine/stand-ins";
import { freePort } from "../drivers/servers";
import { requireTool } from "../harness/tools";
import { httpGet } from "./http";

/** An upstream answering its name; `close` stops it taking connections (those in flight finish). */
async function upstream(name: string): Promise<{ port: number; close: () => void }> {
    const server = http.createServer((_req, res) => res.end(name));
    await new Promise<void>((res) => server.listen(0, "127.0.0.1", res));
    return { port: (server.address() as AddressInfo).port, close: () => server.close() };
}

const get = (port: number, urlPath: string) => httpGet(port, urlPath);

describe("tools: the edge's watcher answers a new generation only when the old workers take no requests", function () {
    this.timeout(60_000);
    let dir: string;
    let watcher: ChildProcess | undefined;
    afterEach(() => {
        watcher?.kill("SIGTERM");
        watcher = undefined;
        if (dir && !process.env.KEEP) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("a reload under load, then the old upstream gone: no request fails, the health file is what answers", async function () {
        const nginx = requireTool(this, "nginx", "nginx-light", ["/usr/sbin"]);
        const busybox = busyboxPath();
        if (!busybox) requireTool(this, "busybox", "busybox-static");
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "tierform-watcher-"));
        // Run as root, nginx's workers run as nobody (its `user` default): they must read the health file.
        fs.chmodSync(dir, 0o755);
        const conf = path.join(dir, "nginx.conf");
        const healthFile = path.join(dir, "health");
        const [blue, green, port] = [await upstream("blue"), await upstream("green"), await freePort()];
        const render = (generation: string, to: number) =>
            [
                generationLine(generation),
                renderNginxConf({
                    serverName: "localhost",
                    httpPort: port,
                    rateLimitPerMinute: 1_000_000,
                    upstreams: [{ name: "app", servers: [`127.0.0.1:${to}`] }],
                    routes: [{ path: "/", upstream: "app" }],
                    pidPath: path.join(dir, "nginx.pid"),
                    tempDir: dir,
                    errorLogPath: path.join(dir, "error.log"),
                    accessLogPath: path.join(dir, "access.log"),
                    workerProcesses: 2,
                    // As the Docker edge: the upstream named per request (an address here, so nothing is asked of the resolver).
                    resolver: { address: "127.0.0.1" },
                    generation,
                    healthFile,
                }),
            ].join("\n");
        const install = (content: string) => {
            fs.writeFileSync(`${conf}.tmp`, content);
            fs.renameSync(`${conf}.tmp`, conf);
        };
        install(render("gblue", blue.port));
        // As the edge container runs it: sh -c <script>, nginx on PATH.
        watcher = spawn(busybox!, ["sh", "-c", edgeWatcherScript(conf, healthFile)], {
            env: { PATH: `${path.dirname(nginx)}:/usr/bin:/bin` },
            stdio: ["ignore", "pipe", "pipe"],
        });
        let output = "";
        watcher.stdout!.on("data", (c) => (output += c));
        watcher.stderr!.on("data", (c) => (output += c));
        const until = async (what: string, ok: () => Promise<boolean>, ms = 15_000, every = 50) => {
            const end = Date.now() + ms;
            while (!(await ok())) {
                if (Date.now() > end) assert.fail(`${what} within ${ms} ms; watcher: ${output}`);
                await new Promise((r) => setTimeout(r, every));
            }
        };
        await until("the first generation answered", async () => (await get(port, "/healthz")).body === "ok gblue");
        assert.equal(fs.readFileSync(healthFile, "utf8").trim(), "ok gblue", "the health path answers the watcher's file");

        // Requests through the edge, 8 at a time, for the whole switch.
        let running = true;
        let closed = 0;
        const answers: string[] = [];
        const failures: string[] = [];
        const loops = Array.from({ length: 8 }, async () => {
            while (running) {
                const r = await get(port, "/");
                if (r.status === 200) answers.push(r.body);
                else
                    failures.push(
                        `${r.status} at ${closed ? Date.now() - closed : "-"} ms after the old upstream closed: ${r.body.slice(0, 40)}`,
                    );
            }
        });
        await new Promise((r) => setTimeout(r, 300));
        install(render("ggreen", green.port));
        // As the switch step: the first answer of the new generation, then the old colour is deleted.
        await until("the new generation answered", async () => (await get(port, "/healthz")).body === "ok ggreen", 15_000, 5);
        blue.close();
        closed = Date.now();
        await new Promise((r) => setTimeout(r, 1500));
        running = false;
        await Promise.all(loops);
        green.close();

        assert.deepEqual(failures, [], `${failures.length} of ${failures.length + answers.length} requests failed; watcher: ${output}`);
        assert.ok(answers.includes("blue") && answers.at(-1) === "green", "both colours answered, the new one last");
        assert.match(output, /edge: ggreen serving; workers( \d+)+ take no requests/, "the old workers were found and waited for");

        // Without the file the health path answers the configuration's own generation (an edge whose watcher writes none).
        fs.rmSync(healthFile);
        assert.equal((await get(port, "/healthz")).body, "ok ggreen");
    });
});
