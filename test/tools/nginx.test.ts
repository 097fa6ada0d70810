/**
 * The real `nginx -t` on the edge's nginx.conf of every preset: the same renderer and the same
 * options as the Docker edge (edgeNginxOptions), with only what must differ outside a container
 * changed: certificate/key/pid/temp/log paths in a temp dir and upstream hosts that resolve.
 */
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { edgeConfigurations, edgeNginxOptions } from "../../components/docker/edge";
import { previousColourHost, shiftsAtEdge } from "../../components/docker/rollout";
import { planSystem } from "../../plan";
import { renderNginxConf } from "../../components/shared/nginx";
import { presetNames } from "../../model";
import { planTraffic } from "../../plan";
import { devSystem } from "../components/docker/helpers";
import { requireTool } from "../harness/tools";

describe("tools: nginx -t on every preset's edge config", function () {
    let dir: string;
    before(function () {
        requireTool(this, "nginx", "nginx-light", ["/usr/sbin"]);
        requireTool(this, "openssl", "openssl");
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "tierform-nginx-"));
        execFileSync(
            "openssl",
            [
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-days",
                "1",
                "-subj",
                "/CN=localhost",
                "-keyout",
                path.join(dir, "tls.key"),
                "-out",
                path.join(dir, "tls.crt"),
            ],
            { stdio: "pipe" },
        );
    });
    after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

    for (const preset of presetNames()) {
        it(`${preset}: the rendered nginx.conf passes nginx -t`, function () {
            const nginx = requireTool(this, "nginx", "nginx-light", ["/usr/sbin"]);
            const { system, settings } = devSystem(preset);
            // The same upstreams as the Docker edge (one name per service), on addresses that resolve here.
            const upstreams = [...new Set(system.edge.routes.map((r) => r.service))].map((s, i) => ({
                name: s,
                servers: [`127.0.0.1:${20000 + i * 10}`],
            }));
            const base = edgeNginxOptions(planSystem(system, "docker"), upstreams, settings.edgeHttpsPort, planTraffic(system));
            const work = fs.mkdtempSync(path.join(dir, `${preset}-`));
            const conf = renderNginxConf({
                ...base,
                tls: base.tls && { certificatePath: path.join(dir, "tls.crt"), keyPath: path.join(dir, "tls.key") },
                pidPath: path.join(work, "nginx.pid"),
                tempDir: work,
                errorLogPath: path.join(work, "error.log"),
                accessLogPath: path.join(work, "access.log"),
            });
            // Only the paths and upstream addresses differ from the container's rendering.
            assert.strictEqual(conf.split("\n").length, renderNginxConf(base).split("\n").length);
            const file = path.join(work, "nginx.conf");
            fs.writeFileSync(file, conf);
            try {
                execFileSync(nginx, ["-t", "-q", "-p", work, "-e", path.join(work, "error.log"), "-c", file], { stdio: "pipe" });
            } catch (err) {
                const e = err as { stderr?: Buffer };
                assert.fail(`nginx -t rejected ${preset}'s config:\n${e.stderr?.toString()}\n${conf}`);
            }
            assert.match(conf, new RegExp(`rate=${system.edge.rateLimitPerMinute}r/m`));
        });
    }

    for (const preset of presetNames()) {
        it(`${preset}: every configuration the edge's switch step installs passes nginx -t (each canary weight, the previous colour filled in)`, function () {
            const nginx = requireTool(this, "nginx", "nginx-light", ["/usr/sbin"]);
            const { system, settings } = devSystem(preset);
            const plan = planSystem(system, "docker");
            const routed = [...new Set(system.edge.routes.map((r) => r.service))];
            const rollouts = Object.fromEntries(
                routed
                    .filter((s) => shiftsAtEdge(plan.services[s].rollout))
                    .map((s) => [
                        s,
                        {
                            colour: "abc123",
                            ...(plan.services[s].rollout.strategy === "canary" ? { canarySteps: plan.services[s].rollout.steps } : {}),
                        },
                    ]),
            );
            const upstreams = routed.map((s) => ({ name: s, servers: [`${s}${rollouts[s] ? "-abc123" : ""}:8000`] }));
            const { phases, final } = edgeConfigurations(plan, upstreams, rollouts, settings.edgeHttpsPort);
            if (Object.values(rollouts).some((r) => "canarySteps" in r)) assert.ok(phases.length > 0, "a canary has weights below 100");
            const work = fs.mkdtempSync(path.join(dir, `${preset}-switch-`));
            for (const c of [...phases, final]) {
                // As the switch step does: the previous colour in place of its placeholder; then the paths of this machine.
                let conf = c.content;
                for (const s of c.previousOf ?? []) conf = conf.replaceAll(previousColourHost(s), `${s}-def456`);
                conf = conf
                    .replaceAll("/tmp/", `${work}/`)
                    .replaceAll("/run/tierform/", `${dir}/`)
                    .replaceAll("/dev/stderr", path.join(work, "error.log"))
                    .replaceAll("/dev/stdout", path.join(work, "access.log"));
                assert.match(conf, new RegExp(`return 200 "ok ${c.generation}\\\\n"`), "the health path answers the generation");
                if (c !== final) assert.match(conf, /split_clients "\$\{request_id\}"/);
                const file = path.join(work, c.file);
                fs.writeFileSync(file, conf);
                try {
                    execFileSync(nginx, ["-t", "-q", "-p", work, "-e", path.join(work, "error.log"), "-c", file], { stdio: "pipe" });
                } catch (err) {
                    assert.fail(`nginx -t rejected ${preset}'s ${c.file}:\n${(err as { stderr?: Buffer }).stderr?.toString()}\n${conf}`);
                }
            }
        });
    }

    it("nginx -t rejects a broken config (the check can fail)", function () {
        const nginx = requireTool(this, "nginx", "nginx-light", ["/usr/sbin"]);
        const file = path.join(dir, "broken.conf");
        fs.writeFileSync(
            file,
            `pid ${dir}/b.pid;\nevents {}\nhttp { upstream a { } server { listen 18080; location / { proxy_pass http://a; } } }\n`,
        );
        assert.throws(() => execFileSync(nginx, ["-t", "-q", "-p", dir, "-e", path.join(dir, "e.log"), "-c", file], { stdio: "pipe" }));
    });
});
