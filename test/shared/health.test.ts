/**
 * The in-container HTTP check of every `healthTool`, run by the real tool against a real HTTP
 * server that answers like Django with ALLOWED_HOSTS: 200 only for the canonical Host, 400 for any
 * other. Each must pass there, fail on a 5xx and on a closed port; the check AWS used to run
 * (wget or curl without a Host header) fails against the same server. `provided` runs Debian's
 * static busybox (busybox-static) in place of the mounted one.
 */
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { httpCheckArgv, PROVIDED_BUSYBOX } from "../../components/shared/health";
import type { HealthTool } from "../../model";
import { requireTool } from "../harness/tools";

const HOST = "api.shop.example.com";
const BUSYBOX = ["/bin/busybox", "/usr/bin/busybox"].find((p) => fs.existsSync(p));
/** The Debian package of each tool the checks run (the `provided` one is busybox-static's busybox). */
const PACKAGES = { provided: "busybox-static", wget: "wget", curl: "curl", python3: "python3", node: "nodejs" } as const;

/** Exit code of argv (127 when it cannot start). */
function run(argv: string[]): Promise<number> {
    return new Promise((resolve) =>
        execFile(argv[0], argv.slice(1), { timeout: 10_000 }, (err) =>
            resolve(err ? (typeof err.code === "number" ? err.code : err.code === "ENOENT" ? 127 : 1) : 0),
        ),
    );
}

describe("the in-container HTTP check of each healthTool, run by the real tool", () => {
    let server: http.Server;
    let port = 0;
    before(async () => {
        server = http.createServer((req, res) => {
            if (req.headers.host !== HOST) res.writeHead(400).end("Invalid HTTP_HOST header");
            else res.writeHead(req.url === "/ok" ? 200 : 503).end();
        });
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        port = (server.address() as AddressInfo).port;
    });
    after(() => server.close());

    const argv = (tool: HealthTool, path: string, p = port) => {
        const a = httpCheckArgv({ tool, port: p, path, host: HOST })!;
        return a[0] === PROVIDED_BUSYBOX ? [BUSYBOX!, ...a.slice(1)] : a;
    };

    for (const tool of ["provided", "wget", "curl", "python3", "node"] as const) {
        it(`${tool}: passes with the canonical Host, fails on a 5xx and on a closed port`, async function () {
            requireTool(this, tool === "provided" ? "busybox" : tool, PACKAGES[tool]);
            assert.equal(await run(argv(tool, "/ok")), 0);
            assert.notEqual(await run(argv(tool, "/broken")), 0);
            const closed = http.createServer();
            await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
            const free = (closed.address() as AddressInfo).port;
            await new Promise((resolve) => closed.close(resolve));
            assert.notEqual(await run(argv(tool, "/ok", free)), 0);
        });
    }

    it("a check without the Host header (AWS's former wget/curl check) fails against the same application", async function () {
        requireTool(this, "curl", PACKAGES.curl);
        assert.notEqual(await run(["curl", "-fsS", "-o", "/dev/null", `http://127.0.0.1:${port}/ok`]), 0);
    });

    it("none: no check; a path or host a check cannot carry is refused", () => {
        assert.equal(httpCheckArgv({ tool: "none", port: 80, path: "/ok", host: HOST }), undefined);
        assert.throws(() => httpCheckArgv({ tool: "wget", port: 80, path: "/x'; rm -rf /", host: HOST }), /not a plain URL path/);
        assert.throws(() => httpCheckArgv({ tool: "wget", port: 80, path: "/ok", host: "a b" }), /not a host name/);
    });
});
