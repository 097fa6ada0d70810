import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadStack, presetNames, SpecError, SUPPORTED_VERSIONS, type Problem } from "../../model";
import { problemsOf } from "../harness";

/** The one problem whose `where` contains `where`. */
function problemAt(problems: Problem[], where: string): Problem {
    const found = problems.filter((p) => p.where.includes(where));
    assert.equal(found.length, 1, `expected one problem at ${where}, got:\n${problems.map((p) => `${p.where}: ${p.message}`).join("\n")}`);
    return found[0];
}

const withOverrides = (overrides: unknown, extra: Record<string, string> = {}) => ({
    "tierform:system": "mdc-tts",
    "tierform:overrides": JSON.stringify(overrides),
    ...extra,
});

describe("spec: loading the stack", () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tierform-spec-"));
    after(() => fs.rmSync(tmp, { recursive: true, force: true }));

    it("loads every preset in every environment", () => {
        assert.deepEqual(presetNames(), ["asset-management", "auromart", "hld-platform", "mdc-tts", "mealkitz"]);
        for (const preset of presetNames()) {
            for (const environment of ["dev", "staging", "prod"]) {
                const { system, settings } = loadStack({ "tierform:system": preset, "tierform:environment": environment });
                assert.equal(system.environment, environment);
                assert.equal(settings.platform, "docker");
                assert.ok(Object.keys(system.services).length > 0);
            }
        }
    });

    it("reads a spec file afresh once it changes (what a text parsed to is kept by the text)", () => {
        const file = path.join(tmp, "edited.yaml");
        const text = fs.readFileSync(path.join(__dirname, "../../systems/mdc-tts.yaml"), "utf8");
        fs.writeFileSync(file, text);
        const before = loadStack({ "tierform:system": file }).system;
        fs.writeFileSync(file, text.replace(/^name: .*$/m, "name: edited-shop"));
        const after = loadStack({ "tierform:system": file }).system;
        assert.notEqual(before.name, "edited-shop");
        assert.equal(after.name, "edited-shop");
        fs.writeFileSync(file, text.replace(/^name: .*$/m, "name: [\n"));
        assert.match(
            problemsOf({ "tierform:system": file })
                .map((p) => p.message)
                .join("\n"),
            /YAML does not parse/,
        );
    });

    it("refuses an unknown platform and names what is allowed", () => {
        const p = problemAt(problemsOf({ "tierform:platform": "azure" }), "tierform:platform");
        assert.match(p.message, /'azure' is not allowed; allowed: docker, kubernetes, aws/);
    });

    it("refuses an unknown environment", () => {
        const p = problemAt(problemsOf({ "tierform:environment": "qa" }), "tierform:environment");
        assert.match(p.message, /allowed: dev, staging, prod/);
    });

    it("refuses an unknown preset and lists the presets", () => {
        const p = problemAt(problemsOf({ "tierform:system": "shopify" }), "tierform:system");
        assert.match(p.message, /'shopify' is not a preset; presets: asset-management, auromart, hld-platform, mdc-tts, mealkitz/);
    });

    it("refuses a spec file that does not exist", () => {
        const p = problemAt(problemsOf({ "tierform:system": "nowhere/system.yaml" }, tmp), "tierform:system");
        assert.match(p.message, /'nowhere\/system.yaml' does not exist/);
    });

    it("refuses a spec file that does not parse, with its line", () => {
        fs.writeFileSync(path.join(tmp, "broken.yaml"), "name: shop\nservices:\n  web: {image: a:1, port: 80\n  x: [\n");
        const problems = problemsOf({ "tierform:system": "broken.yaml" }, tmp);
        assert.ok(problems.length >= 1);
        assert.match(problems[0].where, /^broken\.yaml:\d+$/);
        assert.match(problems[0].message, /YAML does not parse/);
    });

    it("points a spec problem in a user file at its line", () => {
        fs.writeFileSync(
            path.join(tmp, "typo.yaml"),
            [
                "name: shop",
                "edge:",
                "  routes: [{path: /, service: web}]",
                "services:",
                "  web:",
                "    image: shop/web:1.0",
                "    port: 8000",
                "    replcas: {min: 1, max: 2}",
                "",
            ].join("\n"),
        );
        const p = problemAt(problemsOf({ "tierform:system": "typo.yaml" }, tmp), "replcas");
        assert.equal(p.where, "typo.yaml:8 services.web.replcas");
        assert.match(p.message, /unknown key 'replcas'; allowed: .*replicas/);
    });

    it("refuses an unknown key (a typo never passes silently)", () => {
        const p = problemAt(problemsOf(withOverrides({ edge: { rateLimitPerMinut: 5 } })), "edge.rateLimitPerMinut");
        assert.match(p.message, /unknown key 'rateLimitPerMinut'; allowed: .*rateLimitPerMinute/);
        assert.match(p.where, /^tierform:overrides /);
    });

    it("refuses a probe path a health check cannot carry (Docker's shell check, ECS's CMD-SHELL), on every platform", () => {
        const p = problemAt(
            problemsOf(withOverrides({ services: { backend: { health: { liveness: { path: "/health; rm -rf /" } } } } })),
            "services.backend.health.liveness.path",
        );
        assert.match(p.message, /only URL path and query characters/);
    });

    it("reads aws:region with the stack's settings (components never read config themselves)", () => {
        assert.equal(loadStack({ "tierform:system": "mdc-tts", "aws:region": "eu-west-1" }).settings.awsRegion, "eu-west-1");
        assert.equal(loadStack({ "tierform:system": "mdc-tts" }).settings.awsRegion, undefined);
    });

    it("refuses a setting of another platform, which would have no effect (tierform:vpcId on a docker stack)", () => {
        const p = problemAt(
            problemsOf({ "tierform:system": "mdc-tts", "tierform:platform": "docker", "tierform:vpcId": "vpc-0abc" }),
            "tierform:vpcId",
        );
        assert.match(p.message, /is an AWS setting and has no effect on a docker stack; remove it, or set tierform:platform: aws/);
        assert.doesNotThrow(() => loadStack({ "tierform:system": "mdc-tts", "tierform:platform": "aws", "tierform:vpcId": "vpc-0abc" }));
    });

    it("refuses an unknown database engine", () => {
        const p = problemAt(problemsOf(withOverrides({ databases: { db: { engine: "oracle" } } })), "databases.db.engine");
        assert.match(p.message, /'oracle' is not allowed; allowed: postgres, mysql, mongodb/);
    });

    it("refuses an engine version without a pinned image and managed equivalent", () => {
        const p = problemAt(problemsOf(withOverrides({ databases: { db: { version: "9" } } })), "databases.db.version");
        assert.match(p.message, /postgres '9' is not supported; supported: 14, 15, 16, 17, 18$/);
    });

    it("documents exactly the engine versions the pin table pins (the spec offers what runs)", () => {
        // model/schema.ts's doc comments feed docs/spec-reference.md; ENGINE_LINES decides what loads.
        const source = fs.readFileSync(path.join(__dirname, "../../model/schema.ts"), "utf8");
        const db = /engine version with a pinned image: (.*)\./.exec(source)?.[1] ?? "";
        const redis = /Redis version with a pinned image: (.*)\./.exec(source)?.[1] ?? "";
        const listed = (text: string, engine: string) =>
            (new RegExp(`${engine} ([0-9., or]+?)(?:,\\s[a-z]|\\s\\(|$)`).exec(text)?.[1] ?? "").match(/\d+(\.\d+)?/g) ?? [];
        for (const engine of ["postgres", "mysql", "mongodb"] as const)
            assert.deepEqual(listed(db, engine), SUPPORTED_VERSIONS[engine], `databases.*.version's doc for ${engine}: "${db}"`);
        assert.deepEqual(redis.match(/\d+(\.\d+)?/g), SUPPORTED_VERSIONS.redis, `caches.*.version's doc: "${redis}"`);
    });

    it("refuses replicas.min greater than max", () => {
        const p = problemAt(
            problemsOf(withOverrides({ services: { backend: { replicas: { min: 5, max: 2 } } } })),
            "services.backend.replicas",
        );
        assert.match(p.message, /min \(5\) is greater than max \(2\)/);
    });

    it("refuses negative replicas", () => {
        const p = problemAt(
            problemsOf(withOverrides({ services: { backend: { replicas: { min: -1, max: 2 } } } })),
            "services.backend.replicas.min",
        );
        assert.match(p.message, /-1.*must be 0 or more/);
    });

    it("refuses a service that uses an undeclared datastore, listing the declared ones", () => {
        const p = problemAt(problemsOf(withOverrides({ services: { backend: { uses: ["db", "mongo"] } } })), "services.backend.uses[1]");
        assert.match(p.message, /'mongo' is not a declared datastore; declared: db, cache, media, static, backups/);
    });

    it("refuses a client that does not speak the datastore's engine, or one for a datastore the service does not use", () => {
        const wrongEngine = problemAt(
            problemsOf(withOverrides({ services: { backend: { clients: { db: "mysql2" } } } })),
            "services.backend.clients.db",
        );
        assert.match(wrongEngine.message, /'mysql2' does not speak postgres; for 'db' use one of: libpq, sqlalchemy-asyncpg, prisma/);
        const unused = problemAt(
            problemsOf(withOverrides({ services: { frontend: { clients: { db: "libpq" } } } })),
            "services.frontend.clients.db",
        );
        assert.match(unused.message, /'db' is not in services\.frontend\.uses/);
        const bucket = problemAt(
            problemsOf(withOverrides({ services: { backend: { clients: { media: "libpq" } } } })),
            "services.backend.clients.media",
        );
        assert.match(bucket.message, /'media' is a queue or bucket/);
        const unknown = problemAt(
            problemsOf(withOverrides({ services: { backend: { clients: { db: "jdbc" } } } })),
            "services.backend.clients.db",
        );
        assert.match(unknown.message, /libpq/);
    });

    it("refuses a route to a service that does not exist", () => {
        const p = problemAt(problemsOf(withOverrides({ edge: { routes: [{ path: "/", service: "web" }] } })), "edge.routes[0].service");
        assert.match(p.message, /'web' is not a service; services: backend, frontend, worker, beat/);
    });

    it("refuses a route to a worker", () => {
        const p = problemAt(problemsOf(withOverrides({ edge: { routes: [{ path: "/", service: "worker" }] } })), "edge.routes[0].service");
        assert.match(p.message, /'worker' is a worker; only web services take routes/);
    });

    it("refuses an image without a tag, and one tagged latest", () => {
        for (const image of ["ghcr.io/mdc-sa/tts-backend", "ghcr.io/mdc-sa/tts-backend:latest", "localhost:5000/backend"]) {
            const p = problemAt(problemsOf(withOverrides({ services: { backend: { image } } })), "services.backend.image");
            assert.match(p.message, /must be pinned to a tag or digest/, image);
        }
        for (const image of ["localhost:5000/backend:1.2", `repo/app@sha256:${"a".repeat(64)}`]) {
            assert.doesNotThrow(() => loadStack(withOverrides({ services: { backend: { image } } })), image);
        }
    });

    it("refuses a backup retention of zero days", () => {
        const p = problemAt(
            problemsOf(withOverrides({ databases: { db: { backup: { retentionDays: 0 } } } })),
            "databases.db.backup.retentionDays",
        );
        assert.match(p.message, /less than 1 day keeps nothing/);
    });

    it("refuses two services on one route path", () => {
        const routes = [
            { path: "/api", service: "backend" },
            { path: "/api/", service: "frontend" },
        ];
        const p = problemAt(problemsOf(withOverrides({ edge: { routes } })), "edge.routes[1].path");
        assert.match(p.message, /already routed by edge.routes\[0\]/);
    });

    it("refuses backups too rare for the RPO without point-in-time recovery", () => {
        const p = problemAt(
            problemsOf(withOverrides({ recovery: { rpoMinutes: 60 }, databases: { db: { backup: { pointInTime: false } } } })),
            "databases.db.backup",
        );
        assert.match(p.message, /backups run up to 1440 minutes apart but recovery.rpoMinutes is 60/);
    });

    it("refuses a local build whose context or Dockerfile does not exist", () => {
        const missing = problemAt(
            problemsOf(withOverrides({ services: { backend: { build: { context: "./nowhere" } } } }), tmp),
            "services.backend.build.context",
        );
        assert.match(missing.message, /'\.\/nowhere' is not a directory/);
        fs.mkdirSync(path.join(tmp, "app"), { recursive: true });
        const noDockerfile = problemAt(
            problemsOf(withOverrides({ services: { backend: { build: { context: "./app" } } } }), tmp),
            "services.backend.build.dockerfile",
        );
        assert.match(noDockerfile.message, /'Dockerfile' does not exist/);
        fs.writeFileSync(path.join(tmp, "app", "Dockerfile"), "FROM scratch\n");
        assert.doesNotThrow(() => loadStack(withOverrides({ services: { backend: { build: { context: "./app" } } } }), tmp));
    });

    it("refuses a bad cron expression", () => {
        const p = problemAt(
            problemsOf(withOverrides({ databases: { db: { backup: { schedule: "0 25 * * *" } } } })),
            "databases.db.backup.schedule",
        );
        assert.match(p.message, /cron hour: '25' is outside 0-23/);
    });

    it("refuses a mount of an undeclared file share, a path mounted twice, and a mount that is also a writable path", () => {
        const problems = problemsOf(
            withOverrides({
                fileShares: { files: {} },
                services: {
                    backend: {
                        writablePaths: ["/tmp", "/app/reports"],
                        mounts: [
                            { path: "/app/invoices", share: "documents" },
                            { path: "/app/reports", share: "files", subPath: "reports" },
                            { path: "/app/invoices", share: "files" },
                        ],
                    },
                },
            }),
        );
        assert.match(problemAt(problems, "mounts[0].share").message, /'documents' is not a declared file share; declared: files/);
        assert.match(problemAt(problems, "mounts[1].path").message, /also in writablePaths/);
        assert.match(problemAt(problems, "mounts[2].path").message, /already mounted by mounts\[0\]/);
    });

    it("refuses a file share named like a datastore, and a sub-path that climbs out of its share", () => {
        const problems = problemsOf(
            withOverrides({
                fileShares: { db: {}, files: {} },
                services: { backend: { mounts: [{ path: "/app/x", share: "files", subPath: "../etc" }] } },
            }),
        );
        assert.match(problemAt(problems, "fileShares.db").message, /already used in databases/);
        assert.ok(
            problems.some((p) => p.where.includes("subPath")),
            problems.map((p) => p.where).join("; "),
        );
    });

    it("keeps services closed to the internet unless they opt in, with 443 as the default port", () => {
        const { system } = loadStack(withOverrides({ services: { frontend: { egress: { internet: true } } } }));
        assert.deepEqual(system.services.frontend.egress, { internet: true, ports: [443] });
        assert.deepEqual(system.services.beat.egress, { internet: false, ports: [443] });
        assert.match(
            problemAt(problemsOf(withOverrides({ services: { backend: { egress: { internet: true, ports: [] } } } })), "egress.ports")
                .message,
            /at least one port/,
        );
    });

    it("refuses more than one scheduler replica", () => {
        const p = problemAt(
            problemsOf(withOverrides({ services: { beat: { replicas: { min: 1, max: 2 } } } })),
            "services.beat.replicas.max",
        );
        assert.match(p.message, /never runs twice/);
    });

    it("reports every problem at once, config and spec together", () => {
        const problems = problemsOf(
            withOverrides(
                { services: { backend: { image: "x:latest", uses: ["nope"] } }, databases: { db: { engine: "oracle" } } },
                { "tierform:platform": "azure", "tierform:color": "blue" },
            ),
        );
        const where = problems.map((p) => p.where).join("\n");
        for (const expected of [
            "tierform:platform",
            "tierform:color",
            "services.backend.image",
            "services.backend.uses[0]",
            "databases.db.engine",
        ]) {
            assert.ok(where.includes(expected), `missing ${expected} in\n${where}`);
        }
        const message = new SpecError(problems).message;
        assert.match(message, new RegExp(`invalid \\(${problems.length} problems\\)`));
    });

    it("refuses an unknown tierform config key, naming the known ones", () => {
        const p = problemAt(problemsOf({ "tierform:plattform": "docker" }), "tierform:plattform");
        assert.match(p.message, /unknown configuration key; known keys: tierform:platform/);
    });

    it("refuses overrides that are not an object", () => {
        const p = problemAt(problemsOf({ "tierform:overrides": "not json" }), "tierform:overrides");
        assert.match(p.message, /must be an object/);
    });
});

describe("spec: profiles and overrides", () => {
    it("fills what the spec leaves out from the environment profile", () => {
        const dev = loadStack({ "tierform:system": "hld-platform", "tierform:environment": "dev" }).system;
        const prod = loadStack({ "tierform:system": "hld-platform", "tierform:environment": "prod" }).system;
        assert.deepEqual(dev.services.api.resources, { cpu: 0.25, memoryMb: 256 });
        assert.deepEqual(prod.services.api.resources, { cpu: 1, memoryMb: 2048 });
        assert.equal(prod.profile.multiAz, true);
        assert.equal(dev.profile.deletionProtection, false);
        assert.equal(prod.databases.mongo.databaseName, "hld");
        // A spec retention wins over the profile's.
        assert.equal(dev.databases.mongo.backup.retentionDays, 14);
    });

    it("uses the profile's retention when the spec gives none", () => {
        const over = { databases: { db: { backup: { schedule: "0 2 * * *", pointInTime: true } } } };
        const spec = (env: string) =>
            loadStack({ "tierform:system": "mdc-tts", "tierform:environment": env, "tierform:overrides": JSON.stringify({ ...over }) })
                .system;
        // mdc-tts sets 30; with the override replacing only schedule/pointInTime, 30 stays (objects merge).
        assert.equal(spec("dev").databases.db.backup.retentionDays, 30);
        const bare = loadStack({
            "tierform:system": "auromart",
            "tierform:overrides": JSON.stringify({ databases: { db: { backup: { retentionDays: null } } } }),
        });
        assert.equal(bare.system.databases.db.backup.retentionDays, 3, "dev profile retention");
    });

    it("caps replicas with tierform:maxReplicas and keeps min <= max", () => {
        const { system } = loadStack({ "tierform:system": "mealkitz", "tierform:maxReplicas": "2" });
        for (const s of Object.values(system.services)) assert.deepEqual(s.replicas, { min: 2, max: 2 });
    });

    it("deep-merges overrides: objects merge, arrays replace", () => {
        const { system } = loadStack(
            withOverrides({
                services: { backend: { image: "ghcr.io/mdc-sa/tts-backend:1.5.0", uses: ["db"] } },
                edge: { rateLimitPerMinute: 50 },
            }),
        );
        assert.equal(system.services.backend.image, "ghcr.io/mdc-sa/tts-backend:1.5.0");
        assert.deepEqual(system.services.backend.uses, ["db"]);
        assert.equal(system.services.backend.port, 8000, "untouched fields stay");
        assert.equal(system.edge.rateLimitPerMinute, 50);
        assert.equal(system.edge.routes.length, 4);
    });
});
