/**
 * The real redis-server (Debian's redis-server) started with the Docker cache's rendered
 * redis.conf: AOF on for MDC's `persistence: aof`, `maxmemory` set, the password required. Only
 * `bind`, `port` and `dir` differ from the container's rendering (a free loopback port, a temp dir).
 */
import * as assert from "assert";
import { execFileSync, spawn, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { renderRedisConf } from "../../components/docker/cache";
import { devSystem } from "../components/docker/helpers";
import { requireTool } from "../harness/tools";

describe("tools: redis-server with the rendered config (MDC's cache)", function () {
    this.timeout(30_000);
    let dir: string;
    let server: ChildProcess | undefined;
    after(() => {
        server?.kill("SIGTERM");
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("runs with AOF on, maxmemory set and the password required", async function () {
        const redisServer = requireTool(this, "redis-server", "redis-server", ["/usr/bin"]);
        const cli = requireTool(this, "redis-cli", "redis-tools", ["/usr/bin"]);
        const { system } = devSystem("mdc-tts");
        const cache = system.caches.cache;
        assert.strictEqual(cache.persistence, "aof");
        const rendered = renderRedisConf(cache, "s3cretPW", 256);
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "tierform-redis-"));
        const port = await new Promise<number>((res) => {
            const s = net.createServer().listen(0, "127.0.0.1", () => {
                const p = (s.address() as net.AddressInfo).port;
                s.close(() => res(p));
            });
        });
        const conf = rendered
            .replace(/^bind .*$/m, "bind 127.0.0.1")
            .replace(/^port .*$/m, `port ${port}`)
            .replace(/^dir .*$/m, `dir ${dir}`);
        assert.strictEqual(conf.split("\n").length, rendered.split("\n").length, "only bind, port and dir differ");
        fs.writeFileSync(path.join(dir, "redis.conf"), conf);
        server = spawn(redisServer, [path.join(dir, "redis.conf")], { stdio: "pipe" });
        const run = (...args: string[]) =>
            execFileSync(cli, ["-h", "127.0.0.1", "-p", String(port), ...args], {
                encoding: "utf8",
                env: { ...process.env, REDISCLI_AUTH: "s3cretPW" },
            }).trim();
        let pong = "";
        for (let i = 0; i < 50 && pong !== "PONG"; i++) {
            await new Promise((res) => setTimeout(res, 100));
            try {
                pong = run("PING");
            } catch {
                /* not up yet */
            }
        }
        assert.strictEqual(pong, "PONG");
        assert.deepStrictEqual(run("CONFIG", "GET", "appendonly").split("\n"), ["appendonly", "yes"]);
        const maxmemory = Number(run("CONFIG", "GET", "maxmemory").split("\n")[1]);
        assert.strictEqual(maxmemory, Math.floor(256 * 0.75) * 1024 * 1024);
        assert.deepStrictEqual(run("CONFIG", "GET", "maxmemory-policy").split("\n"), ["maxmemory-policy", "noeviction"]);
        // Without the password: refused (what the container's health check reads as "alive").
        const { REDISCLI_AUTH: _unused, ...noAuth } = process.env;
        const anon = execFileSync(cli, ["-h", "127.0.0.1", "-p", String(port), "PING"], { encoding: "utf8", env: noAuth });
        assert.match(anon, /NOAUTH/);
        // The AOF is written in the data directory.
        run("SET", "k", "v");
        await new Promise((res) => setTimeout(res, 1200));
        assert.ok(
            fs.readdirSync(dir).some((f) => /appendonly/.test(f)),
            `no AOF in ${fs.readdirSync(dir).join(", ")}`,
        );
    });
});
