/**
 * The image contract check (`npm run images -- --check`, scripts/image-check.ts) on the real Docker
 * daemon, with stand-in images built here from Debian's static busybox (FROM scratch, imported as
 * the docker-engine tests import theirs), each breaking one contract item or none:
 *
 * - `pass` writes a pid file in /run (as stock nginx:alpine writes /run/nginx.pid) with `/run` in
 *   its writablePaths, and answers its health check: no broken item, on dev, staging and prod;
 * - `outside` writes /var/lib/app, outside its writable paths: the check names the path;
 * - `notool` declares `healthTool: wget` and has no wget: the check names the tool;
 * - `home` writes under $HOME: it passes with the plan's HOME on /tmp, and the same image with
 *   `writablePaths: []` (no writable HOME) fails, named by the path it could not write;
 * - `lowport` listens on port 80: Docker lets a non-root process bind it, Kubernetes and ECS do not
 *   (no sysctl in the plan), which the check says on staging and prod.
 *
 * Everything is named tft-contract-<pid>-* (two test runs on one daemon do not meet) and removed afterwards.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { api, apiOk, tar, type TarEntry } from "../docker-engine/api";
import { busyboxPath, requireDaemon } from "../docker-engine/stand-ins";
import { checkImages, type ServiceResult } from "../../scripts/image-check";

/** A stand-in: busybox applets, and a start script that writes `writes` (shell words, expanded at start) then serves /healthz on 8080. */
function standIn(writes: string, applets: string[]): Buffer {
    const script = [
        "#!/bin/sh",
        "set -e",
        `for f in ${writes}; do mkdir -p "$(dirname "$f")"; echo $$ >"$f"; done`,
        "mkdir -p /tmp/www && echo ok >/tmp/www/healthz",
        "exec httpd -f -p ${PORT:-8080} -h /tmp/www",
        "",
    ].join("\n");
    const entries: TarEntry[] = [
        { name: "bin", type: "dir" },
        { name: "bin/busybox", type: "file", content: fs.readFileSync(busyboxPath()!), mode: 0o755 },
        ...applets.map((a) => ({ name: `bin/${a}`, type: "symlink" as const, target: "/bin/busybox" })),
        { name: "tmp", type: "dir", mode: 0o1777 },
        { name: "run", type: "dir" },
        { name: "var", type: "dir" },
        { name: "var/lib", type: "dir" },
        { name: "var/lib/app", type: "dir" },
        { name: "app", type: "dir" },
        { name: "app/start", type: "file", content: script, mode: 0o755 },
    ];
    return tar(entries);
}

const APPLETS = ["sh", "mkdir", "dirname", "echo", "httpd", "cat", "wget"];
const IMAGES: Record<string, { writes: string; applets: string[] }> = {
    pass: { writes: "/run/app.pid /tmp/cache/x", applets: APPLETS },
    outside: { writes: "/var/lib/app/state", applets: APPLETS },
    notool: { writes: "/tmp/x", applets: APPLETS.filter((a) => a !== "wget") },
    home: { writes: '"$HOME/.config/app/settings"', applets: APPLETS },
};

/** What this run names its images and containers: its own, so that two runs on one daemon never meet. */
const PREFIX = `tft-contract-${process.pid}-`;

const SPEC = `name: tftc
edge:
  domain: shop.example.com
  routes:
    - path: /
      service: pass
services:
  pass:
    image: ${PREFIX}pass:1
    port: 8080
    health: { readiness: { path: /healthz, initialDelaySeconds: 0 } }
    writablePaths: [/run]
  outside:
    image: ${PREFIX}outside:1
    port: 8080
    health: { readiness: { path: /healthz, initialDelaySeconds: 0 } }
  notool:
    image: ${PREFIX}notool:1
    port: 8080
    healthTool: wget
    health: { readiness: { path: /healthz, initialDelaySeconds: 0 } }
  home:
    image: ${PREFIX}home:1
    port: 8080
    health: { readiness: { path: /healthz, initialDelaySeconds: 0 } }
  lowport:
    image: ${PREFIX}pass:1
    port: 80
    env: { PORT: "80" }
    health: { readiness: { path: /healthz, initialDelaySeconds: 0 } }
    writablePaths: [/run]
  homeless:
    image: ${PREFIX}home:1
    port: 8080
    health: { readiness: { path: /healthz, initialDelaySeconds: 0 } }
    writablePaths: []
`;

describe("npm run images -- --check: the image contract on a real Docker daemon", function () {
    this.timeout(120_000);
    let dir: string;
    let spec: string;

    before(async function () {
        await requireDaemon(this);
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "tft-contract-"));
        spec = path.join(dir, "tftc.yaml");
        fs.writeFileSync(spec, SPEC);
        await Promise.all(
            Object.entries(IMAGES).map(([name, s]) => {
                const q = new URLSearchParams({ fromSrc: "-", repo: `${PREFIX}${name}`, tag: "1" });
                for (const c of ["ENV PATH=/bin", 'ENTRYPOINT ["/app/start"]', "EXPOSE 8080", "LABEL tierform.test=stand-in"])
                    q.append("changes", c);
                return apiOk("POST", `/images/create?${q.toString()}`, standIn(s.writes, s.applets), { contentType: "application/x-tar" });
            }),
        );
    });

    after(async () => {
        for (const name of Object.keys(IMAGES)) await api("DELETE", `/images/${PREFIX}${name}:1?force=1`);
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    const byService = (results: ServiceResult[]) => Object.fromEntries(results.map((r) => [r.service, r]));
    const lines = (r: ServiceResult) => r.broken.map((b) => `${b.where}: ${b.message}`);

    /** What the check must say on `stack`, service by service. */
    async function expectOn(stack: "dev" | "staging" | "prod") {
        const results = byService(await checkImages({ stack, system: spec, namePrefix: PREFIX, timeoutSeconds: 20 }));
        const file = path.relative(process.cwd(), spec);
        assert.deepEqual(lines(results.pass), [], "pass");
        assert.ok(results.pass.notes.includes("healthy with the plan's settings"), results.pass.notes.join("; "));
        assert.deepEqual(lines(results.home), [], "home: HOME is /tmp, writable");

        const outside = lines(results.outside);
        assert.equal(outside.length, 1, outside.join("\n"));
        assert.equal(
            outside[0],
            `${file}: services.outside.writablePaths: the image writes /var/lib/app/state, which is on the read-only root (writable: /tmp); list it in writablePaths or make the image write under them (contract: docs/image-contract.md#root-filesystem-home-and-writable-paths)`,
        );

        const notool = lines(results.notool);
        if (stack === "staging") assert.deepEqual(notool, [], "the kubelet sends the probe itself: no tool needed in the image");
        else
            assert.equal(
                notool[0],
                `${file}: services.notool.healthTool: the health check runs 'wget', which is not on the image's PATH (contract: the image has the tool it declares, or healthTool: provided needs none; docs/image-contract.md#health-checks)`,
            );

        // The image EXPOSEs 8080; Docker lets a non-root process bind 80 (the run passes there), Kubernetes and ECS do not.
        const exposed = `${file}: services.lowport.port: is 80, but the image exposes 8080 (contract: the service listens on its port; docs/image-contract.md#signals-and-ports)`;
        assert.deepEqual(
            lines(results.lowport),
            stack === "dev"
                ? [exposed]
                : [
                      exposed,
                      `${file}: services.lowport.port: is 80: on ${stack === "staging" ? "Kubernetes" : "ECS"} a non-root uid without capabilities cannot bind a port below 1024 (Docker allows it); listen on 1024 or above, e.g. 8080 (contract: docs/image-contract.md#signals-and-ports)`,
                  ],
        );
        assert.ok(results.lowport.notes.includes("healthy with the plan's settings"), results.lowport.notes.join("; "));

        const homeless = lines(results.homeless);
        assert.equal(homeless.length, 1, homeless.join("\n"));
        assert.match(
            homeless[0],
            /services\.homeless\.writablePaths: the image writes \/\.config, which is on the read-only root \(writable: nothing, its HOME being \/: writablePaths \[\] gives no HOME on \/tmp\)/,
        );

        // Nothing left behind.
        const left = await apiOk("GET", `/containers/json?all=1&filters=${encodeURIComponent(JSON.stringify({ name: [PREFIX] }))}`);
        assert.deepEqual(left.json, []);
    }

    it("dev (Docker tmpfs): passes the image that writes a pid file in /run as nginx:alpine does, and names each broken item of the others", () =>
        expectOn("dev"));
    it("staging (Kubernetes emptyDir, the kubelet's own probe): the same, and an image without wget passes", () => expectOn("staging"));
    it("prod (ECS task volumes handed to the uid): the same", () => expectOn("prod"));
});
