/**
 * The real nginx (Debian's nginx-light) serving the edge's rendered config with one upstream DOWN
 * at start: it must start, answer the other routes, and pick the replica up once it appears. A
 * tiny DNS server (Node dgram) stands in for Docker's embedded DNS, which answers only for running
 * containers; each service's replicas listen on their own loopback address. The same renderer and
 * options as the Docker edge (edgeNginxOptions), with only the resolver address, the listen ports,
 * TLS off and the file paths changed. Also shows the defect it guards: without a resolver nginx
 * refuses to start ("host not found in upstream").
 */
import * as assert from "assert";
import { spawn, spawnSync, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as http from "http";
import type { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import { edgeNginxOptions } from "../../components/docker/edge";
import { canonicalHost, planSystem } from "../../plan";
import { renderNginxConf } from "../../components/shared/nginx";
import { devSystem } from "../components/docker/helpers";
import { requireTool } from "../harness/tools";
import { freePort } from "../drivers/servers";
import { dnsServer } from "./dns";
import { httpGet, type Answer } from "./http";

/** An HTTP backend on `ip:port` answering with its name and the Host headers it got. */
function backend(name: string, ip: string, port: number): Promise<http.Server> {
    const server = http.createServer((req, res) =>
        res.end(JSON.stringify({ name, host: req.headers.host, forwardedHost: req.headers["x-forwarded-host"] })),
    );
    return new Promise((res) => server.listen(port, ip, () => res(server)));
}

describe("tools: the real nginx with the edge config, one upstream down at start (MealKitz)", function () {
    this.timeout(60_000);
    let dir: string;
    let nginx: ChildProcess | undefined;
    const servers: { close(): unknown }[] = [];
    after(() => {
        nginx?.kill("SIGTERM");
        for (const s of servers) s.close();
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("starts, serves the routes that are up with the canonical Host, and picks the down replica up when it appears", async function () {
        const bin = requireTool(this, "nginx", "nginx-light", ["/usr/sbin"]);
        const { system } = devSystem("mealkitz");
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "tierform-edge-"));
        const names = new Map<string, string>([["order", "127.0.0.2"]]);
        const dns = await dnsServer(names);
        servers.push(dns);
        const dnsPort = (dns.address() as AddressInfo).port;
        const routed = [...new Set(system.edge.routes.map((r) => r.service))];
        const upstreams = routed.map((s) => ({ name: s, servers: [`${s}:${system.services[s].port}`] }));
        const httpPort = await freePort();
        const render = (resolver: boolean) =>
            renderNginxConf({
                ...edgeNginxOptions(planSystem(system, "docker"), upstreams, 8443),
                tls: undefined,
                httpPort,
                resolver: resolver ? { address: `127.0.0.1:${dnsPort}`, validSeconds: 1 } : undefined,
                pidPath: path.join(dir, "nginx.pid"),
                tempDir: dir,
                errorLogPath: path.join(dir, "error.log"),
                accessLogPath: path.join(dir, "access.log"),
            });
        const start = (conf: string) => {
            fs.writeFileSync(path.join(dir, "nginx.conf"), conf);
            return ["-p", dir, "-e", path.join(dir, "error.log"), "-c", path.join(dir, "nginx.conf")];
        };

        // The defect: upstream blocks resolve at start, through the system resolver, where no
        // service name resolves (as a stopped replica's name on Docker's DNS): nginx will not start.
        const old = spawnSync(bin, [...start(render(false)), "-t"], { encoding: "utf8" });
        assert.notStrictEqual(old.status, 0, "without a resolver, nginx must refuse the unresolvable upstream");
        assert.match(old.stderr, /host not found in upstream/);

        await backend("order", "127.0.0.2", system.services.order.port!).then((s) => servers.push(s));
        nginx = spawn(bin, [...start(render(true)), "-g", "daemon off; master_process off;"], { stdio: "pipe" });
        let stderr = "";
        nginx.stderr?.on("data", (c) => (stderr += c));
        const orderPath = system.edge.routes.find((r) => r.service === "order")!.path;
        const userPath = system.edge.routes.find((r) => r.service === "user")!.path;
        let first: Answer | undefined;
        for (let i = 0; i < 50 && !first; i++) {
            await new Promise((res) => setTimeout(res, 100));
            assert.strictEqual(nginx.exitCode, null, `nginx exited: ${stderr}`);
            const answer = await httpGet(httpPort, `${orderPath}/1`, { host: "client.example.org" });
            if (answer.status !== 0) first = answer;
        }
        assert.ok(first, `nginx did not answer: ${stderr}`);
        assert.strictEqual(first.status, 200, first.body);
        assert.deepStrictEqual(JSON.parse(first.body), { name: "order", host: canonicalHost(system), forwardedHost: "client.example.org" });
        // The down service: 502 while it is not there, and nginx keeps running.
        assert.strictEqual((await httpGet(httpPort, userPath, { host: "x" })).status, 502);
        assert.strictEqual(nginx.exitCode, null);
        // It comes up (a new container answering to its name): picked up once the answer expires.
        await backend("user", "127.0.0.3", system.services.user.port!).then((s) => servers.push(s));
        names.set("user", "127.0.0.3");
        let status = 0;
        for (let i = 0; i < 40 && status !== 200; i++) {
            await new Promise((res) => setTimeout(res, 250));
            status = (await httpGet(httpPort, userPath, { host: "x" })).status;
        }
        assert.strictEqual(status, 200, "the replica that appeared after the edge started is served");
    });
});
