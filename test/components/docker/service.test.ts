import * as assert from "assert";
import { execFile } from "child_process";
import * as http from "http";
import { promisify } from "util";
import { planComponent, type Plan } from "../../harness";
import { DockerService, httpProbeCommand } from "../../../components/docker/service";
import { CONTAINER, devSystem, envOf, hardeningProblems, isSecretAt, labelsOf, networksOf, REMOTE_IMAGE } from "./helpers";

describe("docker Service", () => {
    describe("a web service (MDC backend)", () => {
        let plan: Plan;
        before(async () => {
            const { system } = devSystem("mdc-tts");
            plan = await planComponent(() => {
                const s = new DockerService("mdc-tts-backend", {
                    system,
                    service: system.services.backend,
                    networks: { app: "mdc-tts-net-app", data: "mdc-tts-net-data" },
                    env: { MEDIA_BUCKET: "mdc-tts-media" },
                    secretEnv: { DATABASE_URL: "postgresql://app:hunter2@db:5432/mdc_tts" },
                });
                return { address: s.address, containers: s.containerNames };
            });
        });
        const replicas = () => plan.ofType(CONTAINER).filter((c) => labelsOf(c)["tierform.role"] === undefined);

        it("runs replicas.min containers (capped at 2 by the dev stack) of the pinned image", () => {
            assert.strictEqual(replicas().length, 2);
            assert.deepStrictEqual(plan.outputs.containers, ["mdc-tts-backend-0", "mdc-tts-backend-1"]);
            const image = plan.one(REMOTE_IMAGE, "mdc-tts-backend-image");
            assert.strictEqual(image.inputs.name, "ghcr.io/mdc-sa/tts-backend:1.4.2");
            for (const c of replicas()) assert.match(c.inputs.image, /^ghcr\.io\/mdc-sa\/tts-backend:1\.4\.2@sha256:/);
        });

        it("hardens each replica: runAsUser, read-only root with tmpfs on writablePaths, no capabilities, limits, restart", () => {
            for (const c of replicas()) {
                assert.deepStrictEqual(hardeningProblems(c), []);
                assert.strictEqual(c.inputs.user, "10001:10001");
                assert.deepStrictEqual(Object.keys(c.inputs.tmpfs), ["/tmp"]);
                assert.match(c.inputs.tmpfs["/tmp"], /noexec/);
                assert.strictEqual(c.inputs.memory, 256);
                assert.strictEqual(c.inputs.cpus, "0.25");
                assert.strictEqual(c.inputs.restart, "unless-stopped");
                assert.deepStrictEqual(c.inputs.command, ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000"]);
            }
        });

        it("publishes no port; answers to its name on the app network; joins the data network", () => {
            for (const c of replicas()) {
                assert.strictEqual(c.inputs.ports, undefined);
                assert.deepStrictEqual(networksOf(c), ["mdc-tts-net-app", "mdc-tts-net-data"]);
                assert.deepStrictEqual(c.inputs.networksAdvanced[0].aliases, ["backend"]);
            }
            assert.strictEqual(plan.outputs.address, "backend:8000");
        });

        it("health-checks the liveness path with the probe's timings", () => {
            const hc = replicas()[0].inputs.healthcheck;
            assert.strictEqual(hc.tests[0], "CMD-SHELL");
            assert.ok(hc.tests[1].includes("http://127.0.0.1:8000/api/health"), hc.tests[1]);
            assert.strictEqual(hc.startPeriod, "20s");
            assert.strictEqual(hc.interval, "10s");
            assert.strictEqual(hc.retries, 3);
        });

        it("gets the spec env in the clear and connection strings and generated secrets as secrets", () => {
            const c = replicas()[0];
            const env = envOf(c);
            assert.strictEqual(env.DJANGO_SETTINGS_MODULE, "config.settings.production");
            assert.strictEqual(env.MEDIA_BUCKET, "mdc-tts-media");
            assert.strictEqual(env.DATABASE_URL, "postgresql://app:hunter2@db:5432/mdc_tts");
            assert.ok(env.SECRET_KEY.startsWith("mock-mdc-tts-backend-secret-key"), env.SECRET_KEY);
            const envs: string[] = c.inputs.envs;
            for (const name of ["DATABASE_URL", "SECRET_KEY"]) {
                assert.ok(isSecretAt(c, `envs[${envs.findIndex((e) => e.startsWith(`${name}=`))}]`), `${name} is a secret`);
            }
            assert.ok(plan.ofType("random:index/randomPassword:RandomPassword").some((p) => p.name === "mdc-tts-backend-secret-key"));
        });

        it("runs the migration once, before the replicas", () => {
            const migrate = plan.one(CONTAINER, "mdc-tts-backend-migrate");
            assert.deepStrictEqual(migrate.inputs.command, ["python", "manage.py", "migrate", "--noinput"]);
            assert.strictEqual(migrate.inputs.mustRun, false);
            assert.deepStrictEqual(hardeningProblems(migrate), []);
            for (const c of replicas()) assert.ok(c.dependencies.includes(migrate.urn));
        });
    });

    describe("workers and schedulers (MDC celery)", () => {
        let plan: Plan;
        before(async () => {
            const { system } = devSystem("mdc-tts", { services: { beat: { replicas: { min: 1, max: 1 } } } });
            plan = await planComponent(() => {
                new DockerService("mdc-tts-worker", { system, service: system.services.worker, networks: { app: "a", data: "d" }, secretValues: { SECRET_KEY: "shared" } });
                // A scheduler is one container even if asked for more.
                new DockerService("mdc-tts-beat", { system, service: { ...system.services.beat, replicas: { min: 3, max: 3 } }, networks: { app: "a" }, secretValues: { SECRET_KEY: "shared" } });
            });
        });

        it("runs workers without a port or HTTP health check, and exactly one scheduler", () => {
            const workers = plan.ofType(CONTAINER).filter((c) => labelsOf(c)["tierform.service"] === "worker");
            assert.strictEqual(workers.length, 2);
            for (const w of workers) {
                assert.strictEqual(w.inputs.ports, undefined);
                assert.strictEqual(w.inputs.healthcheck, undefined);
                assert.deepStrictEqual(w.inputs.command, ["celery", "-A", "config", "worker", "-l", "info"]);
                assert.strictEqual(envOf(w).SECRET_KEY, "shared");
            }
            const beats = plan.ofType(CONTAINER).filter((c) => labelsOf(c)["tierform.service"] === "beat");
            assert.strictEqual(beats.length, 1);
            assert.strictEqual(labelsOf(beats[0])["tierform.kind"], "scheduler");
            assert.deepStrictEqual(networksOf(beats[0]), ["a"]);
        });
    });

    it("builds the image from the spec's build context instead of pulling it", async () => {
        const { system } = devSystem("mealkitz", { services: { order: { build: { context: "./services/order", dockerfile: "Dockerfile.dev" } } } });
        const plan = await planComponent(() => new DockerService("mealkitz-order", { system, service: system.services.order, networks: { app: "a", data: "d" } }));
        const image = plan.one("docker:index/image:Image", "mealkitz-order-image");
        assert.strictEqual(image.inputs.imageName, "ghcr.io/mealkitz/order-service:2.3.0");
        assert.deepStrictEqual(image.inputs.build, { context: "./services/order", dockerfile: "Dockerfile.dev" });
        assert.strictEqual(image.inputs.skipPush, true);
        assert.strictEqual(plan.ofType(REMOTE_IMAGE).length, 0);
        assert.strictEqual(plan.one(CONTAINER, "mealkitz-order-0").inputs.image, "ghcr.io/mealkitz/order-service:2.3.0");
    });

    it("probes with whichever of wget, curl, python3, node the image has", () => {
        const [kind, script] = httpProbeCommand(3000, "/api/health", 3);
        assert.strictEqual(kind, "CMD-SHELL");
        for (const tool of ["wget -q -T 3", "curl -fsS -m 3", "python3 -c", "node -e"]) assert.ok(script.includes(tool), tool);
        assert.ok(script.includes("u='http://127.0.0.1:3000/api/health'"));
        assert.throws(() => httpProbeCommand(80, "/x'; rm -rf /", 3));
    });

    it("the probe really passes on 2xx and fails on 5xx and on a closed port (run by /bin/sh)", async () => {
        const server = http.createServer((req, res) => res.writeHead(req.url === "/ok" ? 200 : 503).end());
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        const port = (server.address() as { port: number }).port;
        const run = (path: string, p = port) =>
            promisify(execFile)("/bin/sh", ["-c", httpProbeCommand(p, path, 2)[1]]).then(
                () => 0,
                (e: { code?: number }) => e.code ?? 1,
            );
        try {
            assert.strictEqual(await run("/ok"), 0);
            assert.notStrictEqual(await run("/broken"), 0);
        } finally {
            server.close();
        }
        assert.notStrictEqual(await run("/ok", port), 0, "closed port");
    });
});
