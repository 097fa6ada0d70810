/**
 * Every container of every preset's dev plan on a REAL Docker daemon, created the way the Docker
 * provider creates it (./provider.ts cites the provider lines it mirrors), from stand-in images
 * that carry the real images' users, VOLUMEs, directories and writable paths (./stand-ins.ts) —
 * or, with TFT_REAL_IMAGES=1, from the real pinned images pulled from their registries (the
 * applications' images stay stand-ins: the seeds' images are not published).
 *
 * First pass: every long-running container running (healthy where `pulumi up` waits for it, and
 * not before its image's entrypoint finished initialising), every one-shot step (volume
 * ownership, config files, bucket setup, migration) exiting 0, every volume writable by the user
 * of every container that mounts it read-write, no anonymous volume under a server, and the
 * health check of every container `pulumi up` does not wait for passing. Then a marker is written
 * into every volume (into PGDATA for PostgreSQL) and the SECOND PASS — day 2: every container is
 * removed (as `docker container prune` after a stop, or a replace), and all are created again over
 * the same volumes, with every one-shot step changed as an update changes it: the ownership steps
 * on a bumped utility image, every `sh -c` step's command edited. Everything must come up as in
 * the first pass, every marker must still be there, and every handed-over volume must still
 * belong to its owner.
 *
 * Needs a daemon on /var/run/docker.sock and busybox-static: outside CI it skips with a message
 * when either is missing; with CI=true it fails. Everything it creates is named `tft-dev-*`
 * (images: the pinned refs, labelled tierform.test=stand-in, untagged afterwards) and removed
 * afterwards.
 */
import * as assert from "assert";
import { planStack, type PlannedResource } from "../harness";
import { presetNames } from "../../model";
import { imageOf } from "../../conventions/pins";
import { api, apiOk, exec } from "./api";
import { deployContainer, imageRef, logsOf, type Deployed } from "./provider";
import { buildStandIn, removeStandIns, requireDaemon, type StandIn } from "./stand-ins";

/**
 * What runs: every preset, plus `mdc-tts@postgres18` (PostgreSQL 18's image keeps its data
 * elsewhere than 14–17's) — `npm run test:dev-stack`, which .ci/run runs. TFT_PRESETS=a,b narrows
 * a run, and `<preset>@<engine><version>` runs a preset with each database of that engine at that
 * version. `npm test` does not run this file (about 4 minutes of dockerd's time): it runs
 * home.test.ts beside it on the daemon, as scripts/test.sh says.
 */
const RUNS = process.env.TFT_PRESETS ? process.env.TFT_PRESETS.split(",") : [...presetNames(), "mdc-tts@postgres18"];
/** TFT_REAL_IMAGES=1: pull the real pinned images instead of building stand-ins (CI's real-images job). */
const REAL_IMAGES = process.env.TFT_REAL_IMAGES === "1";
const CONTAINER = "docker:index/container:Container";
/** This test's names on the shared daemon (other tests use other `tft-` prefixes: never touched here). */
const PREFIX = "tft-dev-";
/**
 * This run's names: `tft-dev-<run>-<n>-<name>` (n: the preset run). A run of its own, so a network
 * a crashed earlier run left behind (dockerd can keep a stale endpoint on one) never collides.
 */
const RUN = `${PREFIX}${process.pid.toString(36)}-`;
const renamer = (i: number) => (n: string) => `${RUN}${i}-${n}`;
/**
 * The second pass's utility image for the ownership steps: another pinned image with busybox's
 * `stat`, `chown` and `touch`, as a pin bump gives the steps (a new image id, so new containers).
 */
const BUMPED_UTILITY = imageOf("busybox");
/** The marker file the test leaves in every volume. */
const MARKER = ".tft-marker";

/** `tierform.*` labels of a recorded resource. */
const labelsOf = (r: PlannedResource): Record<string, string> =>
    Object.fromEntries((r.inputs.labels ?? []).map((l: any) => [l.label, String(l.value)]));

/** The stand-in of a pinned datastore/edge/store image, from its official Dockerfile. */
function infraStandIn(ref: string): StandIn | undefined {
    if (ref.startsWith("postgres:")) {
        // Per major version: the layout moved in 18.
        // 14–17: docker-library/postgres 14/alpine3.23/Dockerfile: addgroup -g 70 / adduser -u 70 postgres;
        // /var/lib/postgresql 1777 and $PGDATA 1777 owned by postgres; /var/run/postgresql 3777;
        // ENV PGDATA /var/lib/postgresql/data; VOLUME /var/lib/postgresql/data; ENTRYPOINT docker-entrypoint.sh.
        // 18+: 18/alpine3.23/Dockerfile (commit ec0cb67): only /var/lib/postgresql (1777, postgres) is
        // created; ENV PGDATA /var/lib/postgresql/18/docker; VOLUME /var/lib/postgresql (the entrypoint
        // creates PGDATA as postgres).
        const major = Number(/^postgres:(\d+)/.exec(ref)?.[1]);
        const moved = major >= 18;
        return {
            ref,
            source: `docker-library/postgres ${major}/alpine Dockerfile`,
            users: [{ name: "postgres", uid: 70, gid: 70, home: "/var/lib/postgresql" }],
            dirs: [
                { path: "/var/lib/postgresql", uid: 70, gid: 70, mode: 0o1777 },
                ...(moved ? [] : [{ path: "/var/lib/postgresql/data", uid: 70, gid: 70, mode: 0o1777 }]),
                { path: "/var/run/postgresql", uid: 70, gid: 70, mode: 0o3777 },
            ],
            volumes: [moved ? "/var/lib/postgresql" : "/var/lib/postgresql/data"],
            env: { PGDATA: moved ? `/var/lib/postgresql/${major}/docker` : "/var/lib/postgresql/data" },
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
            // docker-entrypoint.sh (7.0 and 8.0): on a first start (no WiredTiger files in the dbpath)
            // a temporary `mongod --bind_ip 127.0.0.1 --fork` without --auth, `db.createUser` of the
            // root user, `--shutdown`, then `exec mongod --auth --bind_ip_all`. The stand-in's init
            // server answers on 127.0.0.1 only and knows no user (see stand-ins.ts' mongosh).
            env: { STANDIN_INIT_FOR: "mongod", STANDIN_DATA: "/data/db", STANDIN_INIT_SECONDS: "15" },
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
    if (ref.startsWith("public.ecr.aws/docker/library/busybox:")) {
        // docker-library/busybox musl/Dockerfile.builder: a static busybox, buildroot's skeleton
        // (/tmp 1777, nobody 65534), no ENTRYPOINT; the health-tools step copies /bin/busybox.
        return {
            ref,
            source: "docker-library/busybox musl Dockerfile.builder",
            users: [{ name: "nobody", uid: 65534, gid: 65534 }],
            dirs: [{ path: "/tmp", mode: 0o1777 }],
            entrypoint: [],
            cmd: ["sh"],
            writes: [],
            commands: [],
            realBusybox: true,
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

/**
 * Whether a daemon object named `tft-dev-<pid>-…` is ours to remove: this run's (`mine`), or, before
 * a run, one a crashed run left behind (its process is gone). Another run going on beside this one
 * (another worktree's `npm test` on the same daemon) keeps its objects.
 */
function ours(name: string, scope: "mine" | "stale"): boolean {
    if (!name.startsWith(PREFIX)) return false;
    if (name.startsWith(RUN)) return true;
    if (scope === "mine") return false;
    const pid = parseInt(name.slice(PREFIX.length).split("-")[0], 36);
    try {
        process.kill(pid, 0);
        return false;
    } catch (e) {
        return (e as NodeJS.ErrnoException).code === "ESRCH";
    }
}

/** Remove this test's objects on the daemon (containers, then volumes and networks): this run's, or stale runs' too. */
async function cleanUp(scope: "mine" | "stale"): Promise<void> {
    const containers =
        (await api("GET", `/containers/json?all=1&filters=${encodeURIComponent(JSON.stringify({ name: [PREFIX] }))}`)).json ?? [];
    await Promise.all(
        containers
            .filter((c: any) => c.Names.some((n: string) => ours(n.replace(/^\//, ""), scope)))
            .map((c: any) => api("DELETE", `/containers/${c.Id}?force=1&v=1`)),
    );
    const volumes = (await api("GET", `/volumes`)).json?.Volumes ?? [];
    await Promise.all(volumes.filter((v: any) => ours(v.Name, scope)).map((v: any) => api("DELETE", `/volumes/${v.Name}?force=1`)));
    // A network whose last endpoint is still being released refuses deletion for a moment: try again.
    const networksLeft = async () => ((await api("GET", `/networks`)).json ?? []).filter((n: any) => ours(n.Name, scope));
    for (let attempt = 0; attempt < 10; attempt++) {
        const networks = await networksLeft();
        if (networks.length === 0) return;
        await Promise.all(networks.map((n: any) => api("DELETE", `/networks/${n.Id}`)));
        await new Promise((res) => setTimeout(res, 500));
    }
    const left = (await networksLeft()).map((n: any) => n.Name);
    if (left.length > 0)
        console.warn(`      networks dockerd would not remove (a stale endpoint; restarting dockerd clears it): ${left.join(", ")}`);
}

/** One preset run: its plan and its names on the daemon. */
interface PresetRun {
    /** The entry of {@link RUNS}, e.g. `mdc-tts` or `mdc-tts@postgres18`. */
    label: string;
    resources: PlannedResource[];
    rename: (name: string) => string;
}

/** A container of a run and what the daemon made of it. */
type DeployedSet = Map<string, { r: PlannedResource; d: Deployed }>;

/** The plan of `label`: a preset, or `<preset>@<engine><version>` with every database of that engine at that version. */
async function planRun(label: string): Promise<PlannedResource[]> {
    const [preset, variant] = label.split("@");
    const plain = (await planStack({ stack: "dev", system: preset })).resources;
    if (!variant) return plain;
    const m = /^(postgres|mysql|mongodb)(\d+(?:\.\d+)?)$/.exec(variant);
    if (!m) throw new Error(`TFT_PRESETS: '${label}' is not <preset>@<engine><version>`);
    const names = plain
        .filter((r) => r.type === CONTAINER && labelsOf(r)["tierform.tier"] === "database" && labelsOf(r)["tierform.engine"] === m[1])
        .map((r) => labelsOf(r)["tierform.datastore"]);
    if (names.length === 0) throw new Error(`${preset} has no ${m[1]} database`);
    const overrides = { databases: Object.fromEntries([...new Set(names)].map((n) => [n, { version: m[2] }])) };
    return (await planStack({ stack: "dev", system: preset, overrides })).resources;
}

/** Networks and volumes of a run, once: the second pass meets the same ones. */
async function createNetworksAndVolumes(run: PresetRun): Promise<void> {
    for (const n of run.resources.filter((r) => r.type === "docker:index/network:Network")) {
        await apiOk("POST", `/networks/create`, {
            Name: run.rename(n.inputs.name),
            Driver: n.inputs.driver ?? "bridge",
            Internal: n.inputs.internal ?? false,
            Attachable: n.inputs.attachable ?? false,
            CheckDuplicate: true,
        });
    }
    for (const v of run.resources.filter((r) => r.type === "docker:index/volume:Volume")) {
        await apiOk("POST", `/volumes/create`, {
            Name: run.rename(v.inputs.name),
            Labels: Object.fromEntries((v.inputs.labels ?? []).map((l: any) => [l.label, l.value])),
        });
    }
}

/**
 * With stand-ins: a container turns healthy only once its image's entrypoint has finished (the
 * stand-in marks /tmp/.standin-ready then): what `pulumi up` starts next must meet the real server.
 * With real images the health checks meet the real servers, and nothing is asked.
 */
const atHealthy = REAL_IMAGES
    ? undefined
    : async (id: string) =>
          (await exec(id, ["/bin/sh", "-c", "test -f /tmp/.standin-ready"])).exitCode === 0
              ? undefined
              : `the image's entrypoint is still initialising (its temporary server answered the health check): ${await logsOf(id)}`;

/** Deploy every container of a run once what it depends on is done. */
async function deployContainers(run: PresetRun, resources: PlannedResource[]): Promise<DeployedSet> {
    const containers = resources.filter((r) => r.type === CONTAINER);
    const byUrn = new Map(containers.map((c) => [c.urn, c]));
    const done = new Map<string, Promise<Deployed>>();
    const deploy = (c: PlannedResource): Promise<Deployed> => {
        let p = done.get(c.urn);
        if (!p) {
            p = (async () => {
                await Promise.all(c.dependencies.filter((d) => byUrn.has(d)).map((d) => deploy(byUrn.get(d)!)));
                return deployContainer(c, run.rename, { healthTimeoutMs: REAL_IMAGES ? 300_000 : 120_000, atHealthy });
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
async function checkContainer(label: string, r: PlannedResource, d: Deployed): Promise<string[]> {
    const problems: string[] = [];
    const info = (await apiOk("GET", `/containers/${d.id}/json`)).json;
    if (r.inputs.attach) {
        if (info.State.Running || info.State.ExitCode !== 0)
            problems.push(`${label} ${d.name}: one-shot step ${info.State.Running ? "still running" : `exited ${info.State.ExitCode}`}`);
        return problems;
    }
    if (!info.State.Running) return [`${label} ${d.name}: not running (exit ${info.State.ExitCode})`];
    if (r.inputs.wait && info.State.Health?.Status !== "healthy") problems.push(`${label} ${d.name}: ${info.State.Health?.Status}`);
    // A server's data never lands in an anonymous volume (an image VOLUME nothing named covers): it
    // would be lost on the next re-create. (Backups run a database image for its tools only.)
    if (labelsOf(r)["tierform.tier"] !== "backup")
        for (const m of info.Mounts ?? [])
            if (m.Type === "volume" && !String(m.Name).startsWith(PREFIX))
                problems.push(
                    `${label} ${d.name}: anonymous volume at ${m.Destination} (the image's VOLUME; nothing named is mounted there)`,
                );
    // Every read-write volume is writable by the container's user.
    for (const v of r.inputs.volumes ?? []) {
        if (v.readOnly) continue;
        // One probe file per container: replicas share a file-share volume and are checked at once.
        const probe = `${v.containerPath}/.tft-probe-${d.name}`;
        const w = await exec(d.id, ["/bin/sh", "-c", `echo probe >'${probe}' && rm '${probe}'`], r.inputs.user);
        if (w.exitCode !== 0)
            problems.push(`${label} ${d.name}: ${r.inputs.user} cannot write its volume at ${v.containerPath}: ${w.output.trim()}`);
    }
    // A health check `pulumi up` does not wait for (the backups, the services) passes when run now.
    const test: string[] | undefined = r.inputs.healthcheck?.tests;
    if (test && !r.inputs.wait && info.State.Health?.Status !== "healthy") {
        const cmd = test[0] === "CMD-SHELL" ? ["/bin/sh", "-c", test[1]] : test.slice(1);
        let h = await exec(d.id, cmd);
        // A service's first probe may come before its server listens: one retry, as Docker's retries.
        if (h.exitCode !== 0) h = await new Promise((res) => setTimeout(res, 2000)).then(() => exec(d.id, cmd));
        if (h.exitCode !== 0) problems.push(`${label} ${d.name}: health check exits ${h.exitCode}: ${h.output.trim()}`);
    }
    return problems;
}

/** Every container of a run checked at once (each check is a few Engine API calls). */
async function checkAll(label: string, deployed: DeployedSet): Promise<string[]> {
    return (await Promise.all([...deployed.values()].map(({ r, d }) => checkContainer(label, r, d)))).flat();
}

/** One marker: the volume, the directory in the container, the text. */
interface Marker {
    volume: string;
    dir: string;
    text: string;
}

/** The data directory in a volume mounted at `path`: PGDATA when it lies inside, else the mount point. */
function dataDir(r: PlannedResource, path: string): string {
    const pgdata = (r.inputs.envs ?? []).find((e: string) => e.startsWith("PGDATA="))?.slice("PGDATA=".length);
    return pgdata && pgdata.startsWith(`${path}/`) ? pgdata : path;
}

/** The long-running containers of a run with each read-write named volume they mount. */
function volumeMounts(deployed: DeployedSet): { volume: string; path: string; r: PlannedResource; d: Deployed }[] {
    return [...deployed.values()].flatMap(({ r, d }) =>
        r.inputs.attach
            ? []
            : (r.inputs.volumes ?? [])
                  .filter((v: any) => v.volumeName && !v.readOnly)
                  .map((v: any) => ({ volume: v.volumeName as string, path: v.containerPath as string, r, d })),
    );
}

/** Write a marker into every read-write volume (as the user of a container that mounts it). */
async function writeMarkers(run: PresetRun, deployed: DeployedSet): Promise<Marker[]> {
    const first = new Map<string, ReturnType<typeof volumeMounts>[number]>();
    for (const m of volumeMounts(deployed)) if (!first.has(m.volume)) first.set(m.volume, m);
    return Promise.all(
        [...first.values()].map(async ({ volume, path, r, d }) => {
            const marker = { volume, dir: dataDir(r, path), text: `${run.rename(volume)} first pass` };
            const w = await exec(d.id, ["/bin/sh", "-c", `echo '${marker.text}' >'${marker.dir}/${MARKER}'`], r.inputs.user);
            if (w.exitCode !== 0) throw new Error(`${run.label} ${d.name}: cannot leave a marker in ${marker.dir}: ${w.output.trim()}`);
            return marker;
        }),
    );
}

/** What is missing after the second pass: markers, and the owner of each volume an ownership step hands over. */
async function checkKept(run: PresetRun, deployed: DeployedSet, markers: Marker[]): Promise<string[]> {
    const mounts = volumeMounts(deployed);
    const problems: string[] = [];
    for (const m of markers) {
        const at = mounts.find((x) => x.volume === m.volume);
        if (!at) {
            problems.push(`${run.label}: nothing mounts ${m.volume} in the second pass`);
            continue;
        }
        const r = await exec(at.d.id, ["cat", `${m.dir}/${MARKER}`], at.r.inputs.user);
        if (r.exitCode !== 0 || r.output.trim() !== m.text)
            problems.push(`${run.label} ${at.d.name}: the marker in ${m.dir} is gone (${r.output.trim()})`);
    }
    for (const step of [...deployed.values()].filter(({ r }) => labelsOf(r)["tierform.role"] === "volume-init")) {
        const owner = /chown (\d+:\d+) \/volume /.exec(step.r.inputs.command[0])?.[1];
        const volume = step.r.inputs.volumes[0].volumeName;
        const at = mounts.find((x) => x.volume === volume);
        if (!owner || !at) continue;
        const r = await exec(at.d.id, ["stat", "-c", "%u:%g", at.path]);
        if (r.output.trim() !== owner) problems.push(`${run.label} ${at.d.name}: ${at.path} belongs to ${r.output.trim()}, not ${owner}`);
    }
    return problems;
}

/** Remove every container of a run (stopped first, as a replace or `docker container prune` would); volumes and networks stay. */
async function removeContainers(deployed: DeployedSet): Promise<void> {
    await Promise.all([...deployed.values()].map(({ d }) => apiOk("DELETE", `/containers/${d.id}?force=1`)));
}

/**
 * The second pass's plan, as an update would make it: every ownership step on the bumped utility
 * image, every `sh -c` one-shot step's command edited (a changed script re-creates the step).
 */
function secondPassPlan(resources: PlannedResource[]): PlannedResource[] {
    return resources.map((r) => {
        if (r.type !== CONTAINER || !r.inputs.attach) return r;
        const inputs = { ...r.inputs };
        if (labelsOf(r)["tierform.role"] === "volume-init") inputs.image = BUMPED_UTILITY;
        if (JSON.stringify(inputs.entrypoints) === JSON.stringify(["/bin/sh", "-c"]))
            inputs.command = [`${inputs.command[0]}\n: edited for the second pass`];
        return { ...r, inputs };
    });
}

/** Pull a real image (TFT_REAL_IMAGES=1), failing with the registry's message. */
async function pull(ref: string): Promise<void> {
    const i = ref.lastIndexOf(":");
    const q = new URLSearchParams({ fromImage: ref.slice(0, i), tag: ref.slice(i + 1) });
    const r = await apiOk("POST", `/images/create?${q.toString()}`, undefined, { timeoutMs: 600_000 });
    const error = r.body
        .toString("utf8")
        .split("\n")
        .map((l) => (l ? JSON.parse(l) : {}))
        .find((l) => l.error);
    if (error) throw new Error(`pulling ${ref}: ${error.error}`);
}

/**
 * How many preset runs deploy at once (TFT_PARALLEL_RUNS). Measured on a shared 2-CPU host: six at
 * once made `docker exec` health checks outlast the cache's 3 s timeout (dockerd, not the stack).
 */
const PARALLEL_RUNS = Number(process.env.TFT_PARALLEL_RUNS ?? 3);

/** `Promise.allSettled` of `work` over `items`, at most `limit` at a time, in order. */
async function inBatches<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<PromiseSettledResult<R>[]> {
    const results: PromiseSettledResult<R>[] = new Array(items.length);
    let next = 0;
    const worker = async () => {
        while (next < items.length) {
            const i = next++;
            results[i] = await work(items[i]).then(
                (value) => ({ status: "fulfilled", value }) as const,
                (reason) => ({ status: "rejected", reason }) as const,
            );
        }
    };
    await Promise.all(Array.from({ length: Math.max(1, limit) }, worker));
    return results;
}

describe("the dev stack on a real Docker daemon (every preset, every container, as the provider creates them), deployed twice", function () {
    // Six preset runs, twice each, on a daemon other tests share: measured 11+ minutes on 2 busy CPUs.
    this.timeout(1_800_000);
    const runs: PresetRun[] = [];
    const refs: string[] = [];
    let ready = false;

    before(async function () {
        await requireDaemon(this);
        for (const [i, label] of RUNS.entries()) runs.push({ label, resources: await planRun(label), rename: renamer(i) });
        // One stand-in (or pull) per pinned image of every plan.
        const apps = new Map<string, { port?: number; writes: string[]; paths: string[] }[]>();
        const infra = new Map<string, StandIn>();
        for (const { resources } of runs) {
            for (const c of resources.filter((r) => r.type === CONTAINER)) {
                const ref = imageRef(c.inputs.image);
                const known = infraStandIn(ref);
                if (known) {
                    infra.set(ref, known);
                    continue;
                }
                const labels = labelsOf(c);
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
        // The second pass's utility image: the busybox stand-in (one build per ref).
        infra.set(BUMPED_UTILITY, infraStandIn(BUMPED_UTILITY)!);
        await cleanUp("stale");
        const standIns = [
            ...(REAL_IMAGES ? [] : infra.values()),
            ...[...apps.entries()].map(([ref, services]) => appStandIn(ref, services)),
        ];
        // Each import (or pull) is the daemon's work, not this process's: all at once.
        await Promise.all([...standIns.map((s) => buildStandIn(s)), ...(REAL_IMAGES ? [...infra.keys(), BUMPED_UTILITY].map(pull) : [])]);
        refs.push(...standIns.map((s) => s.ref));
        ready = true;
    });

    after(async function () {
        if (!ready) return;
        this.timeout(120_000);
        await cleanUp("mine");
        // Another run on this daemon (beside this one) still creates containers from these refs.
        const others = ((await api("GET", `/containers/json?all=1`)).json ?? []).some((c: any) =>
            c.Names.some((n: string) => n.startsWith(`/${PREFIX}`) && !ours(n.slice(1), "stale")),
        );
        if (!others) await removeStandIns(refs);
    });

    it("every preset's containers come up, and again over the same volumes with every one-shot step re-created, nothing lost", async () => {
        const t0 = Date.now();
        const settled = await inBatches(runs, PARALLEL_RUNS, async (run) => {
            const started = Date.now();
            await createNetworksAndVolumes(run);
            const first = await deployContainers(run, run.resources);
            const firstSeconds = Math.round((Date.now() - started) / 1000);
            const firstProblems = await checkAll(`${run.label} (first pass)`, first);
            if (firstProblems.length) return { run, problems: firstProblems, count: first.size };
            const markers = await writeMarkers(run, first);
            await removeContainers(first);
            const second = await deployContainers(run, secondPassPlan(run.resources)).catch((e) => {
                throw new Error(`second pass: ${e.message}`);
            });
            const problems = [...(await checkAll(`${run.label} (second pass)`, second)), ...(await checkKept(run, second, markers))];
            const seconds = `${firstSeconds}+${Math.round((Date.now() - started) / 1000) - firstSeconds} s`;
            return { run, problems, count: first.size + second.size, markers: markers.length, seconds };
        });
        const failed = settled.flatMap((s, i) => (s.status === "rejected" ? [`${RUNS[i]}: ${String(s.reason?.message ?? s.reason)}`] : []));
        assert.deepStrictEqual(failed, [], "presets whose containers did not come up");
        const outcomes = settled.map(
            (s) =>
                (s as PromiseFulfilledResult<{ run: PresetRun; problems: string[]; count: number; markers?: number; seconds?: string }>)
                    .value,
        );
        assert.deepStrictEqual(
            outcomes.flatMap((o) => o.problems),
            [],
        );
        const counted = outcomes.reduce((n, o) => n + o.count, 0);
        const markers = outcomes.reduce((n, o) => n + (o.markers ?? 0), 0);
        assert.ok(counted >= RUNS.length * 16, `only ${counted} containers`);
        assert.ok(markers >= RUNS.length * 2, `only ${markers} markers`);
        console.log(
            `      ${counted} containers of ${RUNS.length} preset runs up twice on the daemon (${REAL_IMAGES ? "real images" : "stand-ins"}), ${markers} markers kept, ${Math.round((Date.now() - t0) / 1000)} s (first+second pass: ${outcomes.map((o) => `${o.run.label} ${o.seconds}`).join(", ")})`,
        );
    });
});
