/**
 * A service's traffic policy on dev, as the real nginx (Debian's nginx-light) enforces it: the
 * plan's policy through the Docker adapter (components/docker/traffic.ts `nginxTraffic`) and the
 * renderer, with the edge's resolver mode (a stand-in for Docker's DNS answers the service's name
 * with each replica's address, as Docker's does), and replicas on loopback addresses. What
 * plan/support/docker.ts tells the user is what is checked: retries move a request to another
 * replica on the conditions named, the timeout answers 504, requests in flight above the limit get
 * 503, and the per-client rate limit answers 429 past its burst.
 */
import { strict as assert } from "assert";
import { spawn, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as http from "http";
import type { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import { nginxTraffic } from "../../components/docker/traffic";
import { renderNginxConf } from "../../components/shared/nginx";
import type { TrafficPlan } from "../../plan";
import { requireTool } from "../harness/tools";
import { freePort } from "../drivers/servers";
import { dnsServer } from "./dns";
import { httpGet } from "./http";

/** A replica on `ip:port`: answers `status` after `delayMs`, and counts what it was asked. */
async function replica(ip: string, port: number, status: number, delayMs = 0) {
    const seen = { count: 0 };
    const server = http.createServer((_req, res) => {
        seen.count++;
        setTimeout(() => {
            res.statusCode = status;
            res.end(ip);
        }, delayMs);
    });
    await new Promise<void>((res) => server.listen(port, ip, res));
    return { seen, close: () => server.close() };
}

const get = (port: number) => httpGet(port, "/");

/** A plan's traffic policy: the spec's defaults but what a case sets. */
function policy(p: Partial<TrafficPlan> & { attempts?: number; on?: TrafficPlan["retries"]["on"] }): TrafficPlan {
    return {
        service: "api",
        paths: ["/"],
        timeoutSeconds: p.timeoutSeconds ?? 15,
        retries: { attempts: p.attempts ?? 0, on: p.on ?? ["connect-failure"], budgetPercent: 20, minConcurrent: 3 },
        outlierDetection: { consecutiveFailures: 5, ejectSeconds: 30, maxEjectedPercent: 50 },
        maxConcurrentRequests: p.maxConcurrentRequests ?? 1024,
        ...(p.rateLimitPerMinute !== undefined ? { rateLimitPerMinute: p.rateLimitPerMinute } : {}),
    };
}

describe("tools: the real nginx enforces a service's traffic policy as the dev plan says", function () {
    this.timeout(60_000);
    let dir: string;
    let nginx: ChildProcess | undefined;
    let dns: Awaited<ReturnType<typeof dnsServer>> | undefined;
    let closers: (() => void)[] = [];
    const APP_PORT = 18000 + (process.pid % 1000);

    afterEach(async () => {
        if (nginx && nginx.exitCode === null) {
            const exited = new Promise((res) => nginx!.once("exit", res));
            nginx.kill("SIGTERM");
            await exited;
        }
        nginx = undefined;
        for (const c of closers) c();
        closers = [];
        dns?.close();
        dns = undefined;
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    /** nginx with the edge's rendering of `plan` for a service `api` whose name answers `ips`; its port. */
    async function edge(ctx: Mocha.Context, plan: TrafficPlan, ips: string[]): Promise<number> {
        const bin = requireTool(ctx, "nginx", "nginx-light", ["/usr/sbin"]);
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "tierform-traffic-"));
        dns = await dnsServer(new Map([["api", ips]]));
        const port = await freePort();
        const conf = renderNginxConf({
            serverName: "localhost",
            httpPort: port,
            rateLimitPerMinute: 1_000_000,
            upstreams: [{ name: "api", servers: [`api:${APP_PORT}`], traffic: nginxTraffic(plan) }],
            routes: [{ path: "/", upstream: "api" }],
            resolver: { address: `127.0.0.1:${(dns.address() as AddressInfo).port}`, validSeconds: 60 },
            pidPath: path.join(dir, "nginx.pid"),
            tempDir: dir,
            errorLogPath: path.join(dir, "error.log"),
            accessLogPath: path.join(dir, "access.log"),
            workerProcesses: 1,
        });
        fs.writeFileSync(path.join(dir, "nginx.conf"), conf);
        nginx = spawn(bin, ["-p", dir, "-c", path.join(dir, "nginx.conf"), "-g", "daemon off; master_process off;"], { stdio: "pipe" });
        let stderr = "";
        nginx.stderr?.on("data", (c) => (stderr += c));
        for (let i = 0; i < 50; i++) {
            assert.equal(nginx.exitCode, null, `nginx exited: ${stderr}`);
            if ((await httpGet(port, "/healthz")).status !== 0) return port;
            await new Promise((res) => setTimeout(res, 100));
        }
        assert.fail(`nginx did not answer: ${stderr}`);
    }

    it("retries: a gateway error moves the request to the other replica; with no retries the client gets it", async function () {
        const bad = await replica("127.0.0.2", APP_PORT, 503);
        const good = await replica("127.0.0.3", APP_PORT, 200);
        closers.push(bad.close, good.close);
        const count = async (port: number) => {
            const statuses: number[] = [];
            for (let i = 0; i < 20; i++) statuses.push((await get(port)).status);
            return statuses;
        };
        let port = await edge(this, policy({ attempts: 1, on: ["gateway-error"] }), ["127.0.0.2", "127.0.0.3"]);
        const retried = await count(port);
        assert.deepEqual(
            retried.filter((s) => s !== 200),
            [],
            "every request answered by the healthy replica",
        );
        assert.ok(bad.seen.count > 0, "the failing replica was tried first at least once, so a retry happened");
        const tried = bad.seen.count;
        nginx!.kill("SIGTERM");
        await new Promise((res) => nginx!.once("exit", res));
        fs.rmSync(dir, { recursive: true, force: true });
        dns!.close();

        port = await edge(this, policy({ attempts: 0 }), ["127.0.0.2", "127.0.0.3"]);
        const plain = await count(port);
        assert.ok(bad.seen.count > tried, "the failing replica got requests");
        assert.equal(plain.filter((s) => s === 503).length, bad.seen.count - tried, "each of them reached the client as its 503");
    });

    it("timeout: a replica silent past timeoutSeconds gets the client a 504 after about that long", async function () {
        const slow = await replica("127.0.0.2", APP_PORT, 200, 4000);
        closers.push(slow.close);
        const port = await edge(this, policy({ timeoutSeconds: 1 }), ["127.0.0.2"]);
        const r = await get(port);
        assert.equal(r.status, 504);
        assert.ok(r.ms >= 900 && r.ms < 3000, `answered after ${r.ms} ms`);
    });

    it("maxConcurrentRequests: requests in flight above the limit get 503 at once, the others are served", async function () {
        const slow = await replica("127.0.0.2", APP_PORT, 200, 800);
        closers.push(slow.close);
        const port = await edge(this, policy({ maxConcurrentRequests: 2 }), ["127.0.0.2"]);
        const results = await Promise.all(Array.from({ length: 5 }, () => get(port)));
        const statuses = results.map((r) => r.status).sort();
        assert.deepEqual(statuses, [200, 200, 503, 503, 503]);
        assert.ok(
            results.filter((r) => r.status === 503).every((r) => r.ms < 700),
            "refused without waiting for the replica",
        );
    });

    it("rateLimitPerMinute: one client past the rate and its burst (a tenth, at least 10) gets 429", async function () {
        const fast = await replica("127.0.0.2", APP_PORT, 200);
        closers.push(fast.close);
        const port = await edge(this, policy({ rateLimitPerMinute: 60 }), ["127.0.0.2"]);
        const statuses: number[] = [];
        for (let i = 0; i < 15; i++) statuses.push((await get(port)).status);
        // 60 a minute is one a second: the first request and a burst of 10 pass, the rest of the second is refused.
        assert.deepEqual(statuses, [...Array(11).fill(200), ...Array(4).fill(429)]);
        assert.equal(fast.seen.count, 11, "the refused requests never reached the replica");
    });
});
