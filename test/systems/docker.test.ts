/**
 * The five presets on the dev stack (Docker): what each seed demands is there and wired.
 * Pulumi.dev.yaml caps replicas at 2 (tierform:maxReplicas).
 */
import * as assert from "assert";
import { planStack, type Plan, type PlannedResource } from "../harness";
import { presetNames } from "../../model";
import {
    appEnvOf,
    CONTAINER,
    devSystem,
    envOf,
    hardeningProblems,
    isSecretAt,
    labelsOf,
    networksOf,
    secretsFileOf,
    uploadOf,
    VOLUME,
} from "../components/docker/helpers";

const plans: Record<string, Plan> = {};
async function plan(preset: string): Promise<Plan> {
    plans[preset] ??= await planStack({ stack: "dev", system: preset });
    return plans[preset];
}

const byLabel = (p: Plan, key: string, value: string) => p.ofType(CONTAINER).filter((c) => labelsOf(c)[key] === value);
const replicasOf = (p: Plan, service: string) =>
    byLabel(p, "tierform.service", service).filter((c) => labelsOf(c)["tierform.role"] === undefined);
const datastore = (p: Plan, tier: string, name: string): PlannedResource => {
    const found = byLabel(p, "tierform.tier", tier).filter(
        (c) => labelsOf(c)["tierform.datastore"] === name && labelsOf(c)["tierform.role"] === undefined,
    );
    assert.strictEqual(found.length, 1, `one ${tier} container for ${name}`);
    return found[0];
};
/** The nginx.conf the edge serves once the switch step has run (edge.ts). */
const edgeConf = (p: Plan): string => uploadOf(byLabel(p, "tierform.role", "edge-switch")[0], "/run/tierform-next/edge.conf")!.content;
/** The host:port the edge sends `upstream`'s requests to (resolved at request time). */
const upstreamServers = (p: Plan, upstream: string): string[] => {
    const conf = edgeConf(p);
    return [...new Set([...conf.matchAll(new RegExp(`set \\$upstream_${upstream} http://(\\S+);`, "g"))].map((m) => m[1]))];
};

describe("systems on Docker (dev stack)", function () {
    this.timeout(120000);

    describe("closed by default, every preset", () => {
        for (const preset of presetNames()) {
            it(`${preset}: only the edge publishes ports, only on 127.0.0.1; every container hardened and labelled`, async () => {
                const p = await plan(preset);
                const containers = p.ofType(CONTAINER);
                assert.ok(containers.length > 5);
                for (const c of containers) {
                    const tier = labelsOf(c)["tierform.tier"];
                    assert.ok(
                        ["edge", "service", "database", "cache", "queue", "bucket", "backup"].includes(tier),
                        `${c.name} has tier label '${tier}'`,
                    );
                    assert.notStrictEqual(c.inputs.publishAllPorts, true, c.name);
                    if (tier !== "edge")
                        assert.ok(!c.inputs.ports || c.inputs.ports.length === 0, `${c.name} publishes ${JSON.stringify(c.inputs.ports)}`);
                    const role = labelsOf(c)["tierform.role"];
                    if (role === "config-files") {
                        // Writable root (the daemon takes uploads into no other), but non-root, no network, no capabilities, one run.
                        assert.deepStrictEqual(hardeningProblems(c), [`${c.name}: root filesystem not read-only`]);
                        assert.strictEqual(c.inputs.networkMode, "none");
                        assert.strictEqual(c.inputs.mustRun, false);
                    } else if (role === "edge-switch") {
                        // Writable root for its uploads, non-root, one run; on the edge network only, to ask the edge what it serves.
                        assert.deepStrictEqual(hardeningProblems(c), [`${c.name}: root filesystem not read-only`]);
                        assert.deepStrictEqual(networksOf(c), [`${preset}-net-edge`]);
                        assert.strictEqual(c.inputs.mustRun, false);
                    } else if (role !== "volume-init") {
                        assert.deepStrictEqual(hardeningProblems(c), []);
                        assert.strictEqual(c.inputs.uploads, undefined, `${c.name}: no uploads into a read-only container`);
                    }
                    if (["database", "cache", "queue", "bucket", "backup"].includes(tier) && c.inputs.networkMode !== "none") {
                        assert.deepStrictEqual(networksOf(c), [`${preset}-net-data`], `${c.name} is only on the data network`);
                    }
                }
                const edges = containers.filter((c) => c.inputs.ports?.length);
                assert.strictEqual(edges.length, 1);
                for (const port of edges[0].inputs.ports) assert.strictEqual(port.ip, "127.0.0.1");
                assert.deepStrictEqual(edges[0].inputs.ports.map((x: any) => x.external).sort(), [8080, 8443]);
                for (const v of p.ofType(VOLUME)) assert.ok(labelsOf(v)["tierform.tier"], `${v.name} labelled`);
                assert.strictEqual(p.one("docker:index/network:Network", "net-data").inputs.internal, true);
            });
        }
    });

    describe("credentials, every preset", () => {
        for (const preset of presetNames()) {
            it(`${preset}: services read credentials from a 0400 secret file; none is in any container's environment or argv`, async () => {
                const p = await plan(preset);
                const { system } = devSystem(preset);
                let filed = 0;
                for (const c of byLabel(p, "tierform.tier", "service").filter(
                    (x) => !["config-files", "volume-init", "health-tools"].includes(labelsOf(x)["tierform.role"]),
                )) {
                    const service = system.services[labelsOf(c)["tierform.service"]];
                    const file = uploadOf(c, "/run/tierform/secrets.env");
                    const secrets = secretsFileOf(c);
                    const names = Object.keys(secrets);
                    if (service.command) {
                        assert.ok(file, `${c.name} has a secrets file`);
                        filed++;
                        assert.strictEqual(file.permissions, "0400");
                        assert.strictEqual(`${file.owner}:${file.group}`, c.inputs.user);
                        assert.ok(isSecretAt(c, `uploads[${file.index}].content`), `${c.name}: the file is a Pulumi secret`);
                        assert.ok(
                            c.inputs.volumes.some((v: any) => v.containerPath === "/run/tierform" && v.readOnly === true),
                            `${c.name}: its config volume is read-only`,
                        );
                        assert.deepStrictEqual(c.inputs.entrypoints, ["/bin/sh", "/run/tierform/with-secrets.sh"]);
                        for (const s of service.secrets) assert.ok(names.includes(s), `${c.name}: ${s} in the file`);
                        for (const [k, v] of Object.entries(envOf(c))) {
                            assert.ok(!names.includes(k), `${c.name}: ${k} is in the environment too`);
                            for (const secret of Object.values(secrets))
                                assert.ok(!v.includes(secret), `${c.name}: ${k} carries a credential`);
                        }
                    } else {
                        assert.strictEqual(file, undefined, `${c.name}: no command, so no wrapper to read a file`);
                        assert.deepStrictEqual(service.secrets, [], `${c.name}: a service with secrets needs a command (dockerProblems)`);
                    }
                }
                assert.ok(filed > 0, "some service delivers its credentials as a file");
                for (const c of p.ofType(CONTAINER)) {
                    for (const e of c.inputs.envs ?? [])
                        assert.doesNotMatch(
                            e,
                            /^MC_HOST_|^MINIO_ROOT_PASSWORD=|^PGPASSWORD=|^MYSQL_(ROOT_)?PASSWORD=|^[A-Z_]+=[a-z+]+:\/\/[^@/]*:[^@/]+@/,
                            `${c.name}: ${e.split("=")[0]}`,
                        );
                    assert.ok(
                        !c.secretPaths.some((x) => /^(envs|command|entrypoints)\[/.test(x)),
                        `${c.name}: a secret in its env or argv`,
                    );
                }
            });
        }
    });

    it("AuroMart: web and admin replicas behind the edge, MySQL 8.0 tuned, two backup schedules, 30 days, documents bucket", async () => {
        const p = await plan("auromart");
        assert.strictEqual(replicasOf(p, "web").length, 2);
        assert.strictEqual(replicasOf(p, "admin").length, 2);
        assert.deepStrictEqual(upstreamServers(p, "web"), ["web:8000"]);
        assert.deepStrictEqual(upstreamServers(p, "admin"), ["admin:8000"]);
        const db = datastore(p, "database", "db");
        assert.match(db.inputs.image, /^mysql:8\.0\./);
        assert.ok(db.inputs.command.includes("--innodb-buffer-pool-size=1073741824"));
        assert.ok(db.inputs.command.includes("--max-connections=200"));
        const backup = datastore(p, "backup", "db");
        const loop = uploadOf(backup, "/run/tierform/schedule.sh")!.content;
        assert.match(loop, /full 0 2 \* \* \*/);
        assert.match(loop, /incremental 0 \*\/6 \* \* \*/);
        assert.match(uploadOf(backup, "/run/tierform/backup.sh")!.content, /RETENTION_DAYS=30/);
        const web = appEnvOf(replicasOf(p, "web")[0]);
        assert.match(web.DATABASE_URL, /^mysql:\/\/auro_user:[^@]+@db:3306\/auro_mart$/);
        assert.strictEqual(web.DOCUMENTS_BUCKET, "auromart-documents");
        assert.strictEqual(web.S3_ENDPOINT_URL, "http://objects:9000");
        assert.strictEqual(web.AWS_ENDPOINT_URL_S3, "http://objects:9000");
        assert.match(web.AWS_SECRET_ACCESS_KEY, /^mock-auromart-objects-svc-web-secret/, "web's own key, not the store's admin");
        assert.notStrictEqual(appEnvOf(replicasOf(p, "admin")[0]).AWS_SECRET_ACCESS_KEY, web.AWS_SECRET_ACCESS_KEY);
        for (const s of ["SECRET_KEY", "JWT_SECRET_KEY", "WTF_CSRF_SECRET_KEY"]) assert.ok(web[s], s);
        // web and admin share SECRET_KEY (one generated value per system).
        assert.strictEqual(appEnvOf(replicasOf(p, "admin")[0]).SECRET_KEY, web.SECRET_KEY);
        assert.ok(p.ofType(VOLUME).some((v) => v.inputs.name === "auromart-db-data"));
        assert.ok(p.ofType(VOLUME).some((v) => v.inputs.name === "auromart-backup-db-data"));
    });

    it("MDC: Postgres 14, Redis with AOF, celery worker and one beat, 4 routes, pg_dump at 02:00 for 30 days", async () => {
        const p = await plan("mdc-tts");
        assert.match(datastore(p, "database", "db").inputs.image, /^postgres:14\./);
        const cache = datastore(p, "cache", "cache");
        assert.match(uploadOf(cache, "/run/tierform/redis.conf")!.content, /^appendonly yes$/m);
        assert.strictEqual(replicasOf(p, "worker").length, 2);
        assert.strictEqual(replicasOf(p, "beat").length, 1);
        assert.deepStrictEqual(replicasOf(p, "beat")[0].inputs.command.slice(0, 4), ["celery", "-A", "config", "beat"]);
        const edge = edgeConf(p);
        for (const [path, svc] of [
            ["/api", "backend"],
            ["/static", "backend"],
            ["/media", "backend"],
        ])
            assert.match(edge, new RegExp(`location \\^~ ${path}/ \\{[^}]*proxy_pass \\$upstream_${svc};`));
        assert.match(edge, /location \/ \{[^}]*proxy_pass \$upstream_frontend;/);
        assert.match(edge, /add_header X-XSS-Protection "1; mode=block" always;/);
        assert.deepStrictEqual(upstreamServers(p, "backend"), ["backend:8000"]);
        const backup = datastore(p, "backup", "db");
        assert.match(uploadOf(backup, "/run/tierform/schedule.sh")!.content, /full 0 2 \* \* \*/);
        assert.match(uploadOf(backup, "/run/tierform/backup.sh")!.content, /RETENTION_DAYS=30/);
        for (const s of ["backend", "worker", "beat"]) {
            const env = appEnvOf(replicasOf(p, s)[0]);
            assert.match(env.DATABASE_URL, /^postgresql:\/\/app:[^@]+@db:5432\/mdc_tts/);
            assert.match(env.REDIS_URL, /^redis:\/\/:[^@]+@cache:6379\/0$/);
        }
        assert.strictEqual(appEnvOf(replicasOf(p, "worker")[0]).SECRET_KEY, appEnvOf(replicasOf(p, "backend")[0]).SECRET_KEY);
        // The frontend uses no datastore: it is not on the data network.
        assert.deepStrictEqual(networksOf(replicasOf(p, "frontend")[0]), ["mdc-tts-net-app"]);
        // Egress: closed by default (the app network is internal); backend and worker opt in (mail,
        // external APIs) and join the egress network; ports are not filtered on Docker, and say so.
        assert.strictEqual(p.one("docker:index/network:Network", "net-app").inputs.internal, true);
        assert.strictEqual(p.one("docker:index/network:Network", "net-egress").inputs.internal, false);
        assert.deepStrictEqual(networksOf(replicasOf(p, "backend")[0]), ["mdc-tts-net-app", "mdc-tts-net-data", "mdc-tts-net-egress"]);
        assert.ok(!networksOf(replicasOf(p, "beat")[0]).includes("mdc-tts-net-egress"));
        assert.strictEqual(labelsOf(replicasOf(p, "backend")[0])["tierform.egress"], "internet; ports 443,587 not filtered on Docker");
        assert.strictEqual(labelsOf(replicasOf(p, "frontend")[0])["tierform.egress"], "none");
    });

    it("MealKitz: five services with /health probes, Postgres, Redis, a RabbitMQ queue, SeaweedFS", async () => {
        const p = await plan("mealkitz");
        for (const s of ["order", "user", "payment", "delivery", "notification"]) {
            const replicas = replicasOf(p, s);
            assert.strictEqual(replicas.length, 2, s);
            assert.ok(replicas[0].inputs.healthcheck.tests.includes("http://127.0.0.1:8000/health"), s);
            // order (canary) and payment (blue/green): the edge names the replicas' colour, which is in their names and alias.
            const [server] = upstreamServers(p, s);
            if (s === "order" || s === "payment") {
                const colour = /^[a-z]+-([a-f0-9]{6}):8000$/.exec(server)?.[1];
                assert.ok(colour, `${s}: ${server}`);
                assert.deepStrictEqual(
                    replicas.map((r) => r.inputs.name),
                    [0, 1].map((i) => `mealkitz-${s}-${colour}-${i}`),
                );
                assert.deepStrictEqual(replicas[0].inputs.networksAdvanced[0].aliases, [`${s}-${colour}`]);
                assert.strictEqual(replicas[0].inputs.wait, true, "the switch waits for the new colour's health");
            } else assert.strictEqual(server, `${s}:8000`);
        }
        assert.match(datastore(p, "database", "db").inputs.image, /^postgres:15\./);
        datastore(p, "cache", "cache");
        assert.match(datastore(p, "queue", "events").inputs.image, /^rabbitmq:/);
        assert.match(appEnvOf(replicasOf(p, "order")[0]).BROKER_URL, /^amqp:\/\/app:[^@]+@events:5672\/$/);
        assert.strictEqual(appEnvOf(replicasOf(p, "notification")[0]).ASSETS_BUCKET, "mealkitz-assets");
        assert.strictEqual(byLabel(p, "tierform.engine", "seaweedfs").length, 1);
        assert.strictEqual(p.outputs.services.order, "order:8000");
        assert.ok(p.run.secretOutputs.some((s) => s.startsWith("connectionStrings")));
    });

    it("Asset Management: the seed's PostgreSQL settings, Redis, jobs queue, files and backups buckets", async () => {
        const p = await plan("asset-management");
        const db = datastore(p, "database", "db");
        assert.match(db.inputs.image, /^postgres:16\./);
        for (const s of [
            "max_connections=200",
            "shared_buffers=4GB",
            "effective_cache_size=12GB",
            "maintenance_work_mem=1GB",
            "checkpoint_completion_target=0.9",
            "wal_buffers=16MB",
            "default_statistics_target=100",
        ]) {
            assert.ok(db.inputs.command.includes(s), s);
        }
        assert.strictEqual(envOf(db).POSTGRES_DB, "asset_management");
        assert.match(uploadOf(datastore(p, "backup", "db"), "/run/tierform/schedule.sh")!.content, /full 0 1 \* \* \*/);
        datastore(p, "cache", "cache");
        datastore(p, "queue", "jobs");
        const api = appEnvOf(replicasOf(p, "api")[0]);
        assert.strictEqual(api.FILES_BUCKET, "asset-management-files");
        assert.ok(api.JWT_SECRET);
        assert.ok(p.ofType(CONTAINER).some((c) => c.name === "asset-management-api-migrate"));
    });

    it("HLD: MongoDB 7 with its backup, Redis, api/web/worker behind TLS", async () => {
        const p = await plan("hld-platform");
        const mongo = datastore(p, "database", "mongo");
        assert.match(mongo.inputs.image, /^mongo:7\.0\./);
        assert.strictEqual(mongo.inputs.user, "999:999");
        assert.match(uploadOf(datastore(p, "backup", "mongo"), "/run/tierform/backup.sh")!.content, /mongodump/);
        assert.match(appEnvOf(replicasOf(p, "api")[0]).MONGODB_URI, /^mongodb:\/\/app:[^@]+@mongo:27017\/hld\?authSource=admin$/);
        datastore(p, "cache", "cache");
        assert.strictEqual(replicasOf(p, "worker").length, 2);
        assert.strictEqual(p.outputs.publicUrl, "https://127.0.0.1:8443");
        assert.ok(p.ofType("tls:index/selfSignedCert:SelfSignedCert").length === 1);
    });

    it("refuses, before any resource, a service that gets credentials without a command, naming services.<n>.command", async () => {
        await assert.rejects(
            planStack({ stack: "dev", system: "mdc-tts", overrides: { services: { backend: { command: null } } } }),
            (e: Error) => {
                assert.match(e.message, /mdc-tts cannot be built on Docker \(1 problem\)/);
                assert.match(
                    e.message,
                    /services\.backend\.command: is required on Docker: the service gets credentials \(db, cache, media, static, SECRET_KEY/,
                );
                return true;
            },
        );
    });

    describe("file shares", () => {
        it("auromart: every web and admin container mounts the same volume per share directory, after the step that owns it", async () => {
            const p = await plan("auromart");
            const replicas = [...replicasOf(p, "web"), ...replicasOf(p, "admin")];
            assert.ok(replicas.length >= 3);
            for (const path of ["/app/uploads", "/app/invoices", "/app/reports"]) {
                const volumes = new Set(replicas.map((c) => c.inputs.volumes?.find((v: any) => v.containerPath === path)?.volumeName));
                assert.strictEqual(volumes.size, 1, `${path}: one volume for every replica, got ${[...volumes].join(", ")}`);
                const [volume] = volumes;
                assert.ok(volume, `${path} is mounted`);
                const owner = p
                    .ofType(CONTAINER)
                    .find((c) => labelsOf(c)["tierform.role"] === "volume-init" && c.inputs.volumes?.[0]?.volumeName === volume);
                assert.ok(owner, `${path}: an ownership step for ${volume}`);
                assert.match(owner.inputs.command[0], /chown 10001:10001 /);
                for (const c of replicas) assert.ok(c.dependencies.includes(owner.urn), `${c.name} waits for ${owner.name}`);
            }
        });

        it("refuses a share mounted by services of different users, naming the share", async () => {
            const err = await planStack({
                stack: "dev",
                system: "auromart",
                overrides: { services: { admin: { runAsUser: 10002 } } },
            }).then(
                () => undefined,
                (e: Error) => e,
            );
            assert.ok(err, "the plan is refused");
            assert.match(err.message, /fileShares\.files: mounted by services running as different users \(10001, 10002\)/);
        });
    });
});
