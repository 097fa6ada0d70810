import { strict as assert } from "assert";
import { planComponent } from "../../harness";
import { KubernetesCache, REDIS_START, redisArgs } from "../../../components/kubernetes/cache";
import { context, datastoreSpec, object } from "./fixtures";

describe("kubernetes cache", () => {
    const base = { name: "c", engine: "redis" as const, version: "7", cluster: false, shards: 1 };

    it("maps persistence to Redis arguments", () => {
        assert.match(
            redisArgs({ ...base, persistence: "aof" }, 512).join(" "),
            /--appendonly yes --appendfsync everysec --save  --maxmemory/,
        );
        assert.match(redisArgs({ ...base, persistence: "rdb" }, 512).join(" "), /--appendonly no --save 3600 1 300 100 60 10000/);
        assert.match(
            redisArgs({ ...base, persistence: "none", maxMemoryMb: 256 }, 512).join(" "),
            /--save  --maxmemory 256mb --maxmemory-policy volatile-lru$/,
        );
    });

    it("bounds memory at 75 % of the container limit when the spec gives no maxMemoryMb (issue 11 item 3)", async () => {
        const ctx = context("mdc-tts");
        const plan = await planComponent(
            () =>
                new KubernetesCache("t", { ctx, cache: { ...datastoreSpec(ctx.system, "cache", "cache"), maxMemoryMb: undefined } })
                    .connection.host,
        );
        const c = object(plan, "StatefulSet", "cache").inputs.spec.template.spec.containers[0];
        assert.equal(c.resources.limits.memory, "512Mi");
        assert.match(c.args.join(" "), /--maxmemory 384mb --maxmemory-policy noeviction/);
    });

    it("never passes the password as a process argument (issue 11 item 8)", async () => {
        const ctx = context("mdc-tts");
        const plan = await planComponent(
            () => new KubernetesCache("t", { ctx, cache: datastoreSpec(ctx.system, "cache", "cache") }).connection.host,
        );
        const c = object(plan, "StatefulSet", "cache").inputs.spec.template.spec.containers[0];
        const argv = [...c.command, ...c.args].join(" ");
        assert.doesNotMatch(argv, /--requirepass|\$\(REDIS_PASSWORD\)/);
        assert.deepEqual(c.command, REDIS_START);
        assert.match(
            c.command[2],
            /printf .*requirepass.*"\$REDIS_PASSWORD" > \/tmp\/redis.conf && exec redis-server \/tmp\/redis.conf "\$@"/,
        );
    });

    it("keeps an AOF cache on a PVC and an ephemeral one in an emptyDir", async () => {
        const ctx = context("mdc-tts");
        const aof = await planComponent(
            () => new KubernetesCache("t", { ctx, cache: datastoreSpec(ctx.system, "cache", "cache") }).connection.url,
        );
        const sts = object(aof, "StatefulSet", "cache").inputs.spec;
        assert.equal(sts.volumeClaimTemplates[0].spec.resources.requests.storage, "5Gi");
        assert.deepEqual(
            sts.template.spec.containers[0].env.map((e: any) => e.valueFrom.secretKeyRef.name),
            ["cache-auth", "cache-auth"],
        );
        assert.match(aof.outputs as unknown as string, /^redis:\/\/:.+@cache\.mdc-tts\.svc\.cluster\.local:6379\/0$/);
        const mk = context("mealkitz");
        const none = await planComponent(
            () => new KubernetesCache("t", { ctx: mk, cache: datastoreSpec(mk.system, "cache", "cache") }).connection.host,
        );
        const spec = object(none, "StatefulSet", "cache").inputs.spec;
        assert.deepEqual(spec.volumeClaimTemplates, []);
        assert.ok(spec.template.spec.volumes.some((v: any) => v.name === "data" && v.emptyDir));
    });
});
