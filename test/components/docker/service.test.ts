import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { planComponent, type Plan } from "../../harness";
import { spec } from "../../harness/spec";
import { planService, planSystem } from "../../../plan";
import {
    DockerService,
    serviceProblems,
    renderSecretsFile,
    renderWithSecrets,
    SECRETS_FILE,
    WITH_SECRETS,
} from "../../../components/docker/service";
import {
    argvOf,
    CONTAINER,
    devPlan,
    devSystem,
    envOf,
    hardeningProblems,
    isSecretAt,
    labelsOf,
    networksOf,
    REMOTE_IMAGE,
    secretsFileOf,
    uploadOf,
    VOLUME,
} from "./helpers";

describe("docker Service", () => {
    describe("a web service (MDC backend)", () => {
        let plan: Plan;
        before(async () => {
            const { plan: system } = devPlan("mdc-tts");
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

        it("health-checks the liveness path with the probe's timings, by the provided busybox, with the canonical Host", () => {
            const hc = replicas()[0].inputs.healthcheck;
            assert.deepStrictEqual(hc.tests, [
                "CMD",
                "/run/tierform-tools/busybox",
                "wget",
                "-q",
                "--header",
                "Host: api.mdc-tts.example.com",
                "-O",
                "/dev/null",
                "http://127.0.0.1:8000/api/health",
            ]);
            for (const c of replicas()) {
                const tools = c.inputs.volumes.find((v: { containerPath: string }) => v.containerPath === "/run/tierform-tools");
                assert.ok(tools?.readOnly, `${c.name} mounts the health tools read-only`);
                assert.ok(labelsOf(c)["tierform.after.health-tools"] !== undefined, `${c.name} waits for the health-tools step`);
            }
            assert.strictEqual(hc.startPeriod, "20s");
            assert.strictEqual(hc.interval, "10s");
            assert.strictEqual(hc.retries, 3);
        });

        it("gets the spec env in the clear, and connection strings and generated secrets only in its 0400 secret file", () => {
            for (const c of [...replicas(), plan.one(CONTAINER, "mdc-tts-backend-migrate")]) {
                const env = envOf(c);
                assert.strictEqual(env.DJANGO_SETTINGS_MODULE, "config.settings.production");
                assert.strictEqual(env.MEDIA_BUCKET, "mdc-tts-media");
                assert.strictEqual(env.DATABASE_URL, undefined);
                assert.strictEqual(env.SECRET_KEY, undefined);
                const file = uploadOf(c, SECRETS_FILE)!;
                assert.ok(file, `${c.name} has ${SECRETS_FILE}`);
                assert.deepStrictEqual([file.permissions, file.owner, file.group], ["0400", "10001", "10001"]);
                assert.ok(isSecretAt(c, `uploads[${file.index}].content`), `${c.name}: the file is a secret`);
                const secrets = secretsFileOf(c);
                assert.deepStrictEqual(Object.keys(secrets), ["DATABASE_URL", "SECRET_KEY"]);
                assert.strictEqual(secrets.DATABASE_URL, "postgresql://app:hunter2@db:5432/mdc_tts");
                assert.ok(secrets.SECRET_KEY.startsWith("mock-mdc-tts-backend-secret-key"), secrets.SECRET_KEY);
                for (const a of argvOf(c)) assert.ok(!a.includes("hunter2") && !a.includes(secrets.SECRET_KEY), a);
                // Each container has its own config volume for it.
                const mount = c.inputs.volumes.find((v: any) => v.containerPath === "/run/tierform");
                assert.strictEqual(mount.volumeName, plan.one(VOLUME, `${c.name}-config`).inputs.name);
                assert.strictEqual(uploadOf(c, WITH_SECRETS)!.permissions, "0500");
            }
            assert.ok(plan.ofType("random:index/randomPassword:RandomPassword").some((p) => p.name === "mdc-tts-backend-secret-key"));
        });

        it("runs its command through the with-secrets wrapper", () => {
            for (const c of replicas()) {
                assert.deepStrictEqual(
                    [...c.inputs.entrypoints, ...c.inputs.command],
                    ["/bin/sh", WITH_SECRETS, "gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000"],
                );
                assert.strictEqual(uploadOf(c, WITH_SECRETS)!.content, renderWithSecrets());
            }
        });

        it("runs the migration once, before the replicas", () => {
            const migrate = plan.one(CONTAINER, "mdc-tts-backend-migrate");
            assert.deepStrictEqual(
                [...migrate.inputs.entrypoints, ...migrate.inputs.command],
                ["/bin/sh", WITH_SECRETS, "python", "manage.py", "migrate", "--noinput"],
            );
            assert.strictEqual(migrate.inputs.mustRun, false);
            assert.deepStrictEqual(hardeningProblems(migrate), []);
            for (const c of replicas()) assert.ok(c.dependencies.includes(migrate.urn));
        });
    });

    describe("workers and schedulers (MDC celery)", () => {
        let plan: Plan;
        before(async () => {
            const { system: resolved } = devSystem("mdc-tts", { services: { beat: { replicas: { min: 1, max: 1 } } } });
            const system = planSystem(resolved, "docker");
            plan = await planComponent(() => {
                new DockerService("mdc-tts-worker", {
                    system,
                    service: system.services.worker,
                    networks: { app: "a", data: "d" },
                    secretValues: { SECRET_KEY: "shared" },
                });
                // A scheduler is one container even if asked for more.
                new DockerService("mdc-tts-beat", {
                    system,
                    service: planService(resolved, { ...resolved.services.beat, replicas: { min: 3, max: 3 } }, "docker"),
                    networks: { app: "a" },
                    secretValues: { SECRET_KEY: "shared" },
                });
            });
        });

        it("runs workers without a port, health-checked by the spec's command (through the wrapper), and exactly one scheduler", () => {
            const workers = plan
                .ofType(CONTAINER)
                .filter((c) => labelsOf(c)["tierform.service"] === "worker" && !labelsOf(c)["tierform.role"]);
            assert.strictEqual(workers.length, 2);
            for (const w of workers) {
                assert.strictEqual(w.inputs.ports, undefined);
                assert.deepStrictEqual(w.inputs.healthcheck.tests, [
                    "CMD",
                    "/bin/sh",
                    WITH_SECRETS,
                    "sh",
                    "-c",
                    "celery -A config inspect ping --destination celery@$HOSTNAME --timeout 10",
                ]);
                assert.strictEqual(w.inputs.healthcheck.timeout, "20s", "longer than the ping's own 10 s");
                assert.deepStrictEqual(w.inputs.command, ["celery", "-A", "config", "worker", "-l", "info"]);
                assert.strictEqual(secretsFileOf(w).SECRET_KEY, "shared");
            }
            const beats = plan.ofType(CONTAINER).filter((c) => labelsOf(c)["tierform.service"] === "beat" && !labelsOf(c)["tierform.role"]);
            assert.strictEqual(beats.length, 1);
            assert.strictEqual(labelsOf(beats[0])["tierform.kind"], "scheduler");
            assert.strictEqual(beats[0].inputs.healthcheck, undefined, "beat's spec has no health check");
            assert.deepStrictEqual(networksOf(beats[0]), ["a"]);
        });
    });

    describe("which health check wins, and services without a command", () => {
        // A small inline spec (test/harness/spec.ts): an API with a command, credentials and an HTTP
        // probe, and a web service with only a check command and no credentials.
        const hld = (api: { command?: string[] } = { command: ["node", "server.js"] }) =>
            spec("hld-platform")
                .service("api", {
                    port: 3000,
                    ...api,
                    health: { liveness: { path: "/api/health" } },
                    uses: ["mongo", "cache"],
                    secrets: ["JWT_SECRET"],
                })
                .service("web", { port: 8080, health: { command: ["test", "-d", "/tmp"] } })
                .mongodb("mongo")
                .redis("cache")
                .build();
        let plan: Plan;
        before(async () => {
            const { plan: system } = devPlan(hld());
            plan = await planComponent(() => {
                new DockerService("hld-api", {
                    system,
                    service: system.services.api,
                    networks: { app: "a" },
                    secretEnv: { MONGODB_URI: "mongodb://app:hunter2@mongo:27017/hld" },
                });
                new DockerService("hld-web", { system, service: system.services.web, networks: { app: "a" } });
            });
        });

        it("a web service's HTTP probe is its check; HTTP probes together with health.command are refused by the loader", () => {
            assert.throws(
                () => devSystem(hld(), { services: { api: { health: { command: ["test", "-d", "/tmp"] } } } }),
                /services\.api\.health\.command: give either HTTP probes/,
            );
            assert.strictEqual(plan.one(CONTAINER, "hld-api-0").inputs.healthcheck.tests[0], "CMD");
            assert.ok(plan.one(CONTAINER, "hld-api-0").inputs.healthcheck.tests.includes("http://127.0.0.1:3000/api/health"));
        });

        it("a service without a command and without credentials keeps the image's entrypoint; the check runs bare; no config volume", () => {
            const web = plan.one(CONTAINER, "hld-web-0");
            assert.deepStrictEqual(web.inputs.healthcheck.tests, ["CMD", "test", "-d", "/tmp"]);
            assert.strictEqual(web.inputs.entrypoints, undefined);
            assert.strictEqual(uploadOf(web, SECRETS_FILE), undefined);
            assert.strictEqual(
                plan.ofType(VOLUME).filter((v) => v.name.startsWith("hld-web")).length,
                0,
                "no config volume without a secrets file",
            );
            assert.ok(
                plan.ofType(VOLUME).some((v) => v.name.startsWith("hld-api")),
                "api has a command, so its secrets go to a file",
            );
        });

        it("a service with credentials but no command is refused (serviceProblems), naming services.<n>.command", () => {
            const { plan: system } = devPlan(hld({}));
            const problems = serviceProblems(system.services.api);
            assert.strictEqual(problems.length, 1);
            assert.strictEqual(problems[0].where, "services.api.command");
            assert.match(problems[0].message, /credentials \(mongo, cache, JWT_SECRET\)/);
            assert.deepStrictEqual(serviceProblems(system.services.web), [], "web uses no datastore");
            assert.throws(
                () => new DockerService("x", { system, service: system.services.api, networks: { app: "a" }, secretEnv: { A_URL: "x" } }),
                /credentials need a command/,
            );
        });
    });

    describe("the with-secrets wrapper, run by /bin/sh", () => {
        let dir: string;
        before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "tierform-with-secrets-"))));
        after(() => fs.rmSync(dir, { recursive: true, force: true }));
        const run = (file: string, args: string[]) => {
            const wrapper = path.join(dir, "with-secrets.sh");
            fs.writeFileSync(wrapper, renderWithSecrets(file));
            return spawnSync("/bin/sh", [wrapper, ...args], { encoding: "utf8", env: { PATH: process.env.PATH } });
        };

        it("exports every variable of the file verbatim, then execs the command", () => {
            const values = { DATABASE_URL: "postgresql://app:p%40ss@db:5432/x?sslmode=prefer", SECRET_KEY: `a$b \`c\` 'd' "e" \\f` };
            const file = path.join(dir, "secrets.env");
            fs.writeFileSync(file, renderSecretsFile(values), { mode: 0o400 });
            const r = run(file, ["sh", "-c", 'printf "%s\\n%s" "$DATABASE_URL" "$SECRET_KEY"; exec true']);
            assert.strictEqual(r.status, 0, r.stderr);
            assert.strictEqual(r.stdout, `${values.DATABASE_URL}\n${values.SECRET_KEY}`);
            // exec: the command's exit status is the container's.
            assert.strictEqual(run(file, ["sh", "-c", "exit 7"]).status, 7);
        });

        it("refuses a malformed line or a missing file instead of starting without credentials", () => {
            const bad = path.join(dir, "bad.env");
            fs.writeFileSync(bad, "DATABASE_URL=x\nnot a variable\n");
            const r = run(bad, ["true"]);
            assert.notStrictEqual(r.status, 0);
            assert.match(r.stderr, /not NAME=value/);
            assert.notStrictEqual(run(path.join(dir, "missing.env"), ["true"]).status, 0);
        });

        it("renders only single-line values under variable names", () => {
            assert.strictEqual(renderSecretsFile({ B: "2", A: "1" }), "A=1\nB=2\n");
            assert.throws(() => renderSecretsFile({ A: "1\nB=2" }), /spans lines/);
            assert.throws(() => renderSecretsFile({ "A-B": "1" }), /not an environment variable name/);
        });
    });

    it("builds the image from the spec's build context instead of pulling it", async () => {
        // The loader refuses a context that does not exist, so build from a real (temporary) one.
        const context = fs.mkdtempSync(path.join(os.tmpdir(), "tierform-order-"));
        try {
            fs.writeFileSync(path.join(context, "Dockerfile.dev"), "FROM python:3.12-slim\n");
            const { plan: system } = devPlan("mealkitz", { services: { order: { build: { context, dockerfile: "Dockerfile.dev" } } } });
            const plan = await planComponent(
                () => new DockerService("mealkitz-order", { system, service: system.services.order, networks: { app: "a", data: "d" } }),
            );
            const image = plan.one("docker:index/image:Image", "mealkitz-order-image");
            assert.strictEqual(image.inputs.imageName, "ghcr.io/mealkitz/order-service:2.3.0");
            assert.deepStrictEqual(image.inputs.build, { context, dockerfile: "Dockerfile.dev" });
            assert.strictEqual(image.inputs.skipPush, true);
            // Only the health-tools step pulls an image (busybox); the service's own is built.
            assert.deepStrictEqual(
                plan.ofType(REMOTE_IMAGE).map((r) => r.inputs.name),
                ["public.ecr.aws/docker/library/busybox:1.37.0-musl"],
            );
            assert.strictEqual(plan.one(CONTAINER, "mealkitz-order-0").inputs.image, "ghcr.io/mealkitz/order-service:2.3.0");
        } finally {
            fs.rmSync(context, { recursive: true, force: true });
        }
    });
});
