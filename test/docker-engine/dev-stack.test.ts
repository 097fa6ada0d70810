/**
 * Every container of every preset's dev plan on a REAL Docker daemon, created the way the Docker
 * provider creates it (./provider.ts cites the provider lines it mirrors), from stand-in images
 * that carry the real images' users, VOLUMEs, directories and writable paths (./stand-ins.ts).
 * Shows every long-running container running (healthy where `pulumi up` waits for it), every
 * one-shot step (volume ownership, config files, bucket setup, migration) exiting 0, every volume
 * writable by the user of every container that mounts it read-write, and the health check of
 * every container `pulumi up` does not wait for passing.
 *
 * Needs a daemon on /var/run/docker.sock and busybox-static: outside CI it skips with a message
 * when either is missing; with CI=true it fails. Everything it creates is named `tft-*` (images:
 * the pinned refs, labelled tierform.test=stand-in, untagged afterwards) and removed afterwards.
 */
import * as assert from "assert";
import { planStack, type PlannedResource } from "../harness";
import { presetNames } from "../../model";
import { api, apiOk, daemonAnswers, exec } from "./api";
import { deployContainer, imageRef, type Deployed } from "./provider";
import { buildStandIn, busyboxPath, removeStandIns, type StandIn } from "./stand-ins";

/**
 * Every preset (`npm run test:dev-stack`, which .ci/run runs); TFT_PRESETS=a,b narrows a run —
 * `npm test` takes mdc-tts and auromart (PostgreSQL, MySQL, Redis, the object store and its
 * bucket step, migrations, Celery) to stay within its time, as scripts/test.sh says.
 */
const PRESETS = process.env.TFT_PRESETS ? process.env.TFT_PRESETS.split(",") : presetNames();
const CONTAINER = "docker:index/container:Container";
const PREFIX = "tft-";
/**
 * This run's names: `tft-<run>-<name>`. A run of its own, so a network a crashed earlier run left
 * behind (dockerd can keep a stale endpoint on one) never collides with this run's.
 */
const RUN = `${PREFIX}${process.pid.toString(36)}-`;
const rename = (n: string) => `${RUN}${n}`;

/** The stand-in of a pinned datastore/edge/store image, from its official Dockerfile. */
function infraStandIn(ref: string): StandIn | undefined {
    if (ref.startsWith("postgres:")) {
        // docker-library/postgres 14/alpine3.23/Dockerfile: addgroup -g 70 / adduser -u 70 postgres;
        // /var/lib/postgresql 1777 and $PGDATA 1777 owned by postgres; /var/run/postgresql 3777;
        // ENV PGDATA /var/lib/postgresql/data; VOLUME /var/lib/postgresql/data; ENTRYPOINT docker-entrypoint.sh.
        return {
            ref,
            source: "docker-library/postgres alpine Dockerfile",
            users: [{ name: "postgres", uid: 70, gid: 70, home: "/var/lib/postgresql" }],
            dirs: [
                { path: "/var/lib/postgresql", uid: 70, gid: 70, mode: 0o1777 },
                { path: "/var/lib/postgresql/data", uid: 70, gid: 70, mode: 0o1777 },
                { path: "/var/run/postgresql", uid: 70, gid: 70, mode: 0o3777 },
            ],
            volumes: ["/var/lib/postgresql/data"],
            env: { PGDATA: "/var/lib/postgresql/data" },
            entrypoint: ["docker-entrypoint.sh"],
            cmd: ["postgres"],
            // initdb/postgres: the data directory, the socket and lock in /var/run/postgresql, temp files.
            writes: ["/var/run/postgresql", "/tmp"],
            commands: ["docker-entrypoint.sh", "postgres", "pg_isready", "pg_dump", "psql"],
        };
    }
    if (ref.startsWith("mysql:")) {
        // docker-library/mysql 8.4/Dockerfile.oracle (8.0 alike): groupadd/useradd mysql 999:999;
        // /var/lib/mysql and /var/run/mysqld owned by mysql, chmod 1777; VOLUME /var/lib/mysql.
        return {
            ref,
            source: "docker-library/mysql Dockerfile.oracle",
            users: [{ name: "mysql", uid: 999, gid: 999, home: "/var/lib/mysql" }],
            dirs: [
                { path: "/var/lib/mysql", uid: 999, gid: 999, mode: 0o1777 },
                { path: "/var/run/mysqld", uid: 999, gid: 999, mode: 0o1777 },
            ],
            volumes: ["/var/lib/mysql"],
            entrypoint: ["docker-entrypoint.sh"],
            cmd: ["mysqld"],
            // mysqld: data directory, socket and pid in /var/run/mysqld, tmpdir.
            writes: ["/var/lib/mysql", "/var/run/mysqld", "/tmp"],
            commands: ["docker-entrypoint.sh", "mysqld", "mysqladmin", "mysqldump", "mysql"],
        };
    }
    if (ref.startsWith("mongo:")) {
        // docker-library/mongo 7.0/Dockerfile: groupadd/useradd mongodb 999:999; /data/db and
        // /data/configdb owned by mongodb; VOLUME /data/db /data/configdb.
        return {
            ref,
            source: "docker-library/mongo Dockerfile",
            users: [{ name: "mongodb", uid: 999, gid: 999, home: "/data/db" }],
            dirs: [
                { path: "/data/db", uid: 999, gid: 999, mode: 0o755 },
                { path: "/data/configdb", uid: 999, gid: 999, mode: 0o755 },
            ],
            volumes: ["/data/db", "/data/configdb"],
            entrypoint: ["docker-entrypoint.sh"],
            cmd: ["mongod"],
            // A standalone mongod writes its dbpath and its socket in /tmp; /data/configdb only on a
            // config server. (Measured on this daemon: a tmpfs over an image VOLUME path comes up
            // root:root 0755 whatever its mode= option, so a write there would fail.)
            writes: ["/data/db", "/tmp"],
            commands: ["docker-entrypoint.sh", "mongod", "mongosh", "mongodump"],
        };
    }
    if (ref.startsWith("redis:")) {
        // docker-library/redis 7.x/alpine/Dockerfile: addgroup -g 1000 redis, adduser -u 999 redis;
        // mkdir /data && chown redis:redis /data; VOLUME /data; WORKDIR /data.
        return {
            ref,
            source: "docker-library/redis alpine Dockerfile",
            users: [{ name: "redis", uid: 999, gid: 1000 }],
            dirs: [{ path: "/data", uid: 999, gid: 1000, mode: 0o755 }],
            volumes: ["/data"],
            workdir: "/data",
            entrypoint: ["docker-entrypoint.sh"],
            cmd: ["redis-server"],
            // AOF and RDB files in `dir /data`.
            writes: ["/data"],
            commands: ["docker-entrypoint.sh", "redis-server", "redis-cli"],
        };
    }
    if (ref.startsWith("rabbitmq:")) {
        // docker-library/rabbitmq alpine Dockerfile: addgroup -g 101 rabbitmq, adduser -u 100;
        // $RABBITMQ_DATA_DIR=/var/lib/rabbitmq, /etc/rabbitmq, /tmp/rabbitmq-ssl, /var/log/rabbitmq
        // owned by rabbitmq, chmod 1777; ENV HOME=/var/lib/rabbitmq; VOLUME /var/lib/rabbitmq.
        return {
            ref,
            source: "docker-library/rabbitmq alpine Dockerfile",
            users: [{ name: "rabbitmq", uid: 100, gid: 101, home: "/var/lib/rabbitmq" }],
            dirs: ["/var/lib/rabbitmq", "/etc/rabbitmq", "/etc/rabbitmq/conf.d", "/tmp/rabbitmq-ssl", "/var/log/rabbitmq"].map((path) => ({
                path,
                uid: 100,
                gid: 101,
                mode: 0o1777,
            })),
            volumes: ["/var/lib/rabbitmq"],
            env: { RABBITMQ_DATA_DIR: "/var/lib/rabbitmq", HOME: "/var/lib/rabbitmq" },
            entrypoint: ["docker-entrypoint.sh"],
            cmd: ["rabbitmq-server"],
            // mnesia and the Erlang cookie in the data dir; log files in /var/log/rabbitmq.
            writes: ["/var/lib/rabbitmq", "/var/log/rabbitmq", "/tmp"],
            commands: ["docker-entrypoint.sh", "rabbitmq-server", "rabbitmq-diagnostics"],
        };
    }
    if (ref.startsWith("nginxinc/nginx-unprivileged:")) {
        // nginxinc/docker-nginx-unprivileged stable/alpine/Dockerfile: ARG UID=101, GID=101
        // (nginx user), USER $UID; listens on 8080; pid and temp files under /tmp in tierform's config.
        return {
            ref,
            source: "nginxinc/docker-nginx-unprivileged alpine Dockerfile",
            users: [{ name: "nginx", uid: 101, gid: 101 }],
            dirs: [
                { path: "/var/cache/nginx", uid: 101, gid: 0, mode: 0o755 },
                { path: "/etc/nginx", uid: 101, gid: 0, mode: 0o755 },
            ],
            user: "101",
            entrypoint: ["/docker-entrypoint.sh"],
            cmd: ["nginx", "-g", "daemon off;"],
            writes: ["/tmp"],
            commands: ["/docker-entrypoint.sh", "nginx"],
            http: { port: 8080, paths: ["/healthz"] },
        };
    }
    if (ref.startsWith("minio/minio:")) {
        // The store tierform ran before (kept to show the defect class it had): minio/minio
        // Dockerfile.release: no USER, `VOLUME ["/data"]` with /data owned by root (0755).
        return {
            ref,
            source: "minio/minio Dockerfile.release",
            users: [{ name: "minio", uid: 1000, gid: 1000 }],
            dirs: [{ path: "/data", uid: 0, gid: 0, mode: 0o755 }],
            volumes: ["/data"],
            entrypoint: ["/entrypoint.sh"],
            writes: ["/data", "/tmp"],
            commands: ["/entrypoint.sh", "minio"],
            http: { port: 9000, paths: ["/healthz"] },
        };
    }
    if (ref.startsWith("chrislusf/seaweedfs:")) {
        // seaweedfs/seaweedfs docker/Dockerfile.go_build: addgroup -g 1000 seaweed, adduser -u 1000;
        // mkdir -p /data/filerldb2, chown -R seaweed:seaweed /data /etc/seaweedfs; VOLUME /data;
        // WORKDIR /data; ENTRYPOINT /entrypoint.sh; CMD mini -dir=/data; curl installed.
        return {
            ref,
            source: "seaweedfs/seaweedfs docker/Dockerfile.go_build",
            users: [{ name: "seaweed", uid: 1000, gid: 1000 }],
            dirs: [
                { path: "/data", uid: 1000, gid: 1000, mode: 0o755 },
                { path: "/data/filerldb2", uid: 1000, gid: 1000, mode: 0o755 },
                { path: "/etc/seaweedfs", uid: 1000, gid: 1000, mode: 0o755 },
            ],
            volumes: ["/data"],
            workdir: "/data",
            entrypoint: ["/entrypoint.sh"],
            cmd: ["mini", "-dir=/data"],
            // weed mini (weed/command/mini.go): master/volume/filer data, admin and worker state under
            // -dir; gRPC unix sockets in /tmp.
            writes: ["/data", "/data/filerldb2", "/data/admin", "/data/worker", "/tmp"],
            commands: ["/entrypoint.sh", "weed"],
            http: { port: 9000, paths: ["/healthz", "/readyz"] },
        };
    }
    return undefined;
}

/**
 * The stand-in of an application image (the seeds' apps; tierform assumes uid 10001 and a /app
 * working directory copied in as root, the common `COPY . /app`). Writes: the spec's writablePaths
 * and mount paths of every service that runs it; serves its health paths on its port.
 */
function appStandIn(ref: string, services: { port?: number; writes: string[]; paths: string[]; command?: string[] }[]): StandIn {
    const port = services.find((s) => s.port)?.port;
    return {
        ref,
        source: "application image (assumed: uid 10001, /app owned by root)",
        users: [{ name: "app", uid: 10001, gid: 10001, home: "/app" }],
        dirs: [
            { path: "/app", uid: 0, gid: 0, mode: 0o755 },
            ...services.flatMap((s) =>
                s.writes.filter((w) => w.startsWith("/app/")).map((path) => ({ path, uid: 0, gid: 0, mode: 0o755 })),
            ),
        ],
        user: "10001",
        workdir: "/app",
        writes: [...new Set(services.flatMap((s) => s.writes))],
        commands: ["gunicorn", "uvicorn", "node", "celery", "flask", "python", "npx"],
        ...(port ? { http: { port, paths: [...new Set(services.flatMap((s) => s.paths))] } } : {}),
    };
}

/** Every tierform object on the daemon named tft-*, removed (containers, then volumes and networks). */
async function cleanUp(): Promise<void> {
    const containers =
        (await api("GET", `/containers/json?all=1&filters=${encodeURIComponent(JSON.stringify({ name: [PREFIX] }))}`)).json ?? [];
    await Promise.all(
        containers
            .filter((c: any) => c.Names.some((n: string) => n.startsWith(`/${PREFIX}`)))
            .map((c: any) => api("DELETE", `/containers/${c.Id}?force=1&v=1`)),
    );
    const volumes = (await api("GET", `/volumes`)).json?.Volumes ?? [];
    await Promise.all(volumes.filter((v: any) => v.Name.startsWith(PREFIX)).map((v: any) => api("DELETE", `/volumes/${v.Name}?force=1`)));
    // A network whose last endpoint is still being released refuses deletion for a moment: try again.
    for (let attempt = 0; attempt < 10; attempt++) {
        const networks = ((await api("GET", `/networks`)).json ?? []).filter((n: any) => n.Name.startsWith(PREFIX));
        if (networks.length === 0) return;
        await Promise.all(networks.map((n: any) => api("DELETE", `/networks/${n.Id}`)));
        await new Promise((res) => setTimeout(res, 500));
    }
    const left = ((await api("GET", `/networks`)).json ?? []).filter((n: any) => n.Name.startsWith(PREFIX)).map((n: any) => n.Name);
    if (left.length > 0)
        console.warn(`      networks dockerd would not remove (a stale endpoint; restarting dockerd clears it): ${left.join(", ")}`);
}

/** Deploy one preset's dev plan: networks, volumes, then every container once what it depends on is done. */
async function deployPreset(resources: PlannedResource[]): Promise<Map<string, { r: PlannedResource; d: Deployed }>> {
    for (const n of resources.filter((r) => r.type === "docker:index/network:Network")) {
        await apiOk("POST", `/networks/create`, {
            Name: rename(n.inputs.name),
            Driver: n.inputs.driver ?? "bridge",
            Internal: n.inputs.internal ?? false,
            Attachable: n.inputs.attachable ?? false,
            CheckDuplicate: true,
        });
    }
    for (const v of resources.filter((r) => r.type === "docker:index/volume:Volume")) {
        await apiOk("POST", `/volumes/create`, {
            Name: rename(v.inputs.name),
            Labels: Object.fromEntries((v.inputs.labels ?? []).map((l: any) => [l.label, l.value])),
        });
    }
    const containers = resources.filter((r) => r.type === CONTAINER);
    const byUrn = new Map(containers.map((c) => [c.urn, c]));
    const done = new Map<string, Promise<Deployed>>();
    const deploy = (c: PlannedResource): Promise<Deployed> => {
        let p = done.get(c.urn);
        if (!p) {
            p = (async () => {
                await Promise.all(c.dependencies.filter((d) => byUrn.has(d)).map((d) => deploy(byUrn.get(d)!)));
                return deployContainer(c, rename, { healthTimeoutMs: 120_000 });
            })();
            done.set(c.urn, p);
        }
        return p;
    };
    const results = await Promise.allSettled(containers.map(deploy));
    const failures = results.flatMap((r, i) =>
        r.status === "rejected" ? [`${containers[i].name}: ${String(r.reason?.message ?? r.reason)}`] : [],
    );
    // Only the first cause: what waits on a failed container fails with it.
    if (failures.length)
        throw new Error(
            `${failures.length} container(s) failed; first: ${failures.find((f) => !/failed; first/.test(f))}\n  ${failures.join("\n  ")}`,
        );
    return new Map(containers.map((c, i) => [c.urn, { r: c, d: (results[i] as PromiseFulfilledResult<Deployed>).value }]));
}

/** What is wrong with one deployed container, in words (none when it is as `pulumi up` needs it). */
async function checkContainer(preset: string, r: PlannedResource, d: Deployed): Promise<string[]> {
    const problems: string[] = [];
    const info = (await apiOk("GET", `/containers/${d.id}/json`)).json;
    if (r.inputs.attach) {
        if (info.State.Running || info.State.ExitCode !== 0)
            problems.push(`${preset} ${d.name}: one-shot step ${info.State.Running ? "still running" : `exited ${info.State.ExitCode}`}`);
        return problems;
    }
    if (!info.State.Running) return [`${preset} ${d.name}: not running (exit ${info.State.ExitCode})`];
    if (r.inputs.wait && info.State.Health?.Status !== "healthy") problems.push(`${preset} ${d.name}: ${info.State.Health?.Status}`);
    // Every read-write volume is writable by the container's user.
    for (const v of r.inputs.volumes ?? []) {
        if (v.readOnly) continue;
        // One probe file per container: replicas share a file-share volume and are checked at once.
        const probe = `${v.containerPath}/.tft-probe-${d.name}`;
        const w = await exec(d.id, ["/bin/sh", "-c", `echo probe >'${probe}' && rm '${probe}'`], r.inputs.user);
        if (w.exitCode !== 0)
            problems.push(`${preset} ${d.name}: ${r.inputs.user} cannot write its volume at ${v.containerPath}: ${w.output.trim()}`);
    }
    // A health check `pulumi up` does not wait for (the backups, the services) passes when run now.
    const test: string[] | undefined = r.inputs.healthcheck?.tests;
    if (test && !r.inputs.wait && info.State.Health?.Status !== "healthy") {
        const cmd = test[0] === "CMD-SHELL" ? ["/bin/sh", "-c", test[1]] : test.slice(1);
        let h = await exec(d.id, cmd);
        // A service's first probe may come before its server listens: one retry, as Docker's retries.
        if (h.exitCode !== 0) h = await new Promise((res) => setTimeout(res, 2000)).then(() => exec(d.id, cmd));
        if (h.exitCode !== 0) problems.push(`${preset} ${d.name}: health check exits ${h.exitCode}: ${h.output.trim()}`);
    }
    return problems;
}

describe("the dev stack on a real Docker daemon (every preset, every container, as the provider creates them)", function () {
    this.timeout(400_000);
    const plans = new Map<string, PlannedResource[]>();
    const refs: string[] = [];
    let ready = false;

    before(async function () {
        const problem = !(await daemonAnswers())
            ? "no Docker daemon answers on /var/run/docker.sock (Debian package 'docker.io'; .ci/run starts dockerd)"
            : !busyboxPath()
              ? "busybox is not installed (Debian package 'busybox-static')"
              : undefined;
        if (problem) {
            if (process.env.CI === "true") throw new Error(`${problem}: CI must have it`);
            console.warn(`      skipped: ${problem}`);
            this.skip();
        }
        for (const preset of PRESETS) plans.set(preset, (await planStack({ stack: "dev", system: preset })).resources);
        // One stand-in per pinned image of every plan.
        const apps = new Map<string, { port?: number; writes: string[]; paths: string[] }[]>();
        const infra = new Map<string, StandIn>();
        for (const resources of plans.values()) {
            for (const c of resources.filter((r) => r.type === CONTAINER)) {
                const ref = imageRef(c.inputs.image);
                const known = infraStandIn(ref);
                if (known) {
                    infra.set(ref, known);
                    continue;
                }
                const labels = Object.fromEntries((c.inputs.labels ?? []).map((l: any) => [l.label, l.value]));
                if (labels["tierform.role"] === "config-files" || labels["tierform.role"] === "migrate") {
                    if (!apps.has(ref)) apps.set(ref, []);
                    continue;
                }
                const probe = c.inputs.healthcheck?.tests?.join(" ") ?? "";
                const path = /http:\/\/127\.0\.0\.1:(\d+)(\/[^'" ]*)/.exec(probe);
                apps.set(ref, [
                    ...(apps.get(ref) ?? []),
                    {
                        port: path ? Number(path[1]) : undefined,
                        writes: [
                            ...Object.keys(c.inputs.tmpfs ?? {}),
                            ...(c.inputs.volumes ?? []).filter((v: any) => !v.readOnly).map((v: any) => v.containerPath),
                        ],
                        paths: path ? [path[2]] : [],
                    },
                ]);
            }
        }
        await cleanUp();
        const all = [...infra.values(), ...[...apps.entries()].map(([ref, services]) => appStandIn(ref, services))];
        // Each import is the daemon's work, not this process's: all at once.
        await Promise.all(all.map((s) => buildStandIn(s)));
        refs.push(...all.map((s) => s.ref));
        ready = true;
    });

    after(async function () {
        if (!ready) return;
        this.timeout(120_000);
        await cleanUp();
        await removeStandIns(refs);
    });

    it("every preset's containers come up: running, healthy where waited for, one-shot steps exit 0, volumes writable, health checks passing", async () => {
        const settled = await Promise.allSettled(
            PRESETS.map(async (preset) => ({ preset, deployed: await deployPreset(plans.get(preset)!) })),
        );
        const failed = settled.flatMap((s, i) =>
            s.status === "rejected" ? [`${PRESETS[i]}: ${String(s.reason?.message ?? s.reason)}`] : [],
        );
        assert.deepStrictEqual(failed, [], "presets whose containers did not come up");
        const outcomes = settled.map(
            (s) => (s as PromiseFulfilledResult<{ preset: string; deployed: Awaited<ReturnType<typeof deployPreset>> }>).value,
        );
        // Every container checked at once (each check is a few Engine API calls).
        const checks = outcomes.flatMap(({ preset, deployed }) => [...deployed.values()].map(({ r, d }) => checkContainer(preset, r, d)));
        const problems = (await Promise.all(checks)).flat();
        const counted = checks.length;
        assert.deepStrictEqual(problems, []);
        assert.ok(counted >= PRESETS.length * 8, `only ${counted} containers`);
        console.log(`      ${counted} containers of ${PRESETS.length} presets up on the daemon`);
    });
});
