import * as assert from "assert";
import { planComponent, type Plan } from "../../harness";
import { DockerCache, renderRedisConf } from "../../../components/docker/cache";
import {
    argvOf,
    CONTAINER,
    devPlan,
    envOf,
    hardeningProblems,
    isSecretAt,
    labelsOf,
    networksOf,
    storeOf,
    uploadOf,
    VOLUME,
} from "./helpers";

describe("docker Cache (redis)", () => {
    let plan: Plan;
    before(async () => {
        const { plan: system } = devPlan("mdc-tts");
        plan = await planComponent(() => {
            const c = new DockerCache("mdc-tts-cache", { system, cache: storeOf(system, "cache", "cache"), network: "mdc-tts-net-data" });
            return { url: c.connectionString };
        });
    });
    const container = () => plan.one(CONTAINER, "mdc-tts-cache");

    it("runs pinned redis 7 as the image's redis user, hardened, unpublished, on the data network only", () => {
        assert.match(container().inputs.image, /^redis:7\.[\d.]+-alpine@/);
        assert.strictEqual(container().inputs.user, "999:1000");
        assert.deepStrictEqual(hardeningProblems(container()), []);
        assert.strictEqual(container().inputs.ports, undefined);
        assert.deepStrictEqual(networksOf(container()), ["mdc-tts-net-data"]);
        assert.strictEqual(container().inputs.wait, true, "pulumi up waits until it is healthy");
    });

    it("turns on AOF for MDC's `persistence: aof` and keeps /data on a named volume", () => {
        const conf = uploadOf(container(), "/run/tierform/redis.conf");
        assert.ok(conf);
        assert.match(conf.content, /^appendonly yes$/m);
        assert.match(conf.content, /^appendfsync everysec$/m);
        assert.match(conf.content, /^dir \/data$/m);
        const volume = plan.one(VOLUME, "mdc-tts-cache-data");
        assert.strictEqual(labelsOf(volume)["tierform.tier"], "cache");
        assert.ok(container().inputs.volumes.some((v: any) => v.containerPath === "/data" && v.volumeName === volume.inputs.name));
    });

    it("sets requirepass in the uploaded (secret) config, not on argv or in the environment", () => {
        const conf = uploadOf(container(), "/run/tierform/redis.conf")!;
        const password = /^requirepass (\S+)$/m.exec(conf.content)?.[1];
        assert.ok(password && password.startsWith("mock-mdc-tts-cache-password"), conf.content);
        assert.ok(isSecretAt(container(), `uploads[${conf.index}].content`));
        assert.deepStrictEqual(container().inputs.command, ["redis-server", "/run/tierform/redis.conf"]);
        for (const a of argvOf(container())) assert.ok(!a.includes(password));
        for (const v of Object.values(envOf(container()))) assert.ok(!v.includes(password));
        assert.strictEqual(plan.outputs.url, `redis://:${password}@cache:6379/0`);
        assert.ok(plan.run.secretOutputs.includes("url"));
    });

    it("renders rdb and no persistence too", () => {
        const base = { name: "c", engine: "redis" as const, version: "7", cluster: false, shards: 1 };
        const rdb = renderRedisConf({ ...base, persistence: "rdb" }, "pw", 256);
        assert.match(rdb, /^appendonly no$/m);
        assert.match(rdb, /^save 3600 1/m);
        const none = renderRedisConf({ ...base, persistence: "none", maxMemoryMb: 100 }, "pw", 256);
        assert.match(none, /^save ""$/m);
        assert.match(none, /^maxmemory 100mb$/m);
        assert.match(none, /^maxmemory-policy volatile-lru$/m);
    });
});
