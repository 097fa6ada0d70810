/**
 * The cache tier on Kubernetes: Redis as a one-replica StatefulSet (official alpine image as its
 * own non-root uid 999), `requirepass` from a Secret, written by the shell builtin `printf` into a
 * mode-600 config file on the pod's `/tmp` emptyDir that `redis-server` reads ({@link REDIS_START}):
 * never in the manifest, never in the process arguments (`$(REDIS_PASSWORD)` in args would put it
 * in `/proc/<pid>/cmdline`, visible to `ps`). Append-only file when the spec asks for `aof`, RDB
 * snapshots for `rdb`, and no persistence (an emptyDir, no PVC) for `none`.
 *
 * **Memory bound**: `maxmemory` is the spec's `maxMemoryMb`, else 75 % of the container limit (as on
 * Docker), with the plan's eviction policy (`evictionPolicy`): without a bound Redis grows until the kernel OOM-kills it at the limit,
 * and an AOF larger than the limit then crash-loops on replay
 * (https://redis.io/docs/latest/develop/reference/eviction/).
 *
 * `cluster: true` (Asset Management) runs a single node here: a sharded Redis Cluster needs a
 * bootstrap (`redis-cli --cluster create`) best left to an operator; the app's `REDIS_URL` works
 * against either. Documented as a staging simplification.
 */
import { DEFAULT_CLIENT, evictionPolicy, type DatastoreSpecs } from "../../plan";
import * as pulumi from "@pulumi/pulumi";
import { clientUrls, DEFAULT_PORTS } from "../shared/connection";
import { datastoreImage } from "../shared/images";
import { type KubeContext } from "./context";
import { type DatastoreConnection } from "./context";
import { brokerSize, execProbe } from "./pods";
import { componentSecret, generatedPassword, secretEnvs } from "./secrets";
import { statefulWorkload } from "./stateful";

/**
 * The container command: write `requirepass` from `$REDIS_PASSWORD` into `/tmp/redis.conf` (umask
 * 077, `printf` is a builtin, so no process sees it as an argument), then exec `redis-server` on
 * that file with the arguments of {@link redisArgs} appended ("$@").
 */
export const REDIS_START = [
    "sh",
    "-c",
    'umask 077 && printf \'requirepass "%s"\\n\' "$REDIS_PASSWORD" > /tmp/redis.conf && exec redis-server /tmp/redis.conf "$@"',
    "redis-server",
];

/** A cache's spec entry, every default resolved (the plan's `datastores.<name>.spec`). */
type Cache = DatastoreSpecs["cache"];

/** Redis server arguments for a cache spec (persistence, memory cap); the password is in the config file of {@link REDIS_START}. */
export function redisArgs(cache: Cache, limitMb: number): string[] {
    const args = ["--port", String(DEFAULT_PORTS.redis), "--dir", "/data"];
    if (cache.persistence === "aof") args.push("--appendonly", "yes", "--appendfsync", "everysec", "--save", "");
    else if (cache.persistence === "rdb") args.push("--appendonly", "no", "--save", "3600 1 300 100 60 10000");
    else args.push("--appendonly", "no", "--save", "");
    args.push("--maxmemory", `${redisMaxMemoryMb(cache, limitMb)}mb`, "--maxmemory-policy", evictionPolicy(cache));
    return args;
}

/** `maxmemory` in MiB: the spec's `maxMemoryMb`, else 75 % of the container's memory limit (as Docker does). */
export function redisMaxMemoryMb(cache: Cache, limitMb: number): number {
    return cache.maxMemoryMb ?? Math.floor(limitMb * 0.75);
}

/** Arguments of {@link KubernetesCache}. */
export interface KubernetesCacheArgs {
    /** Where the tier is built: the system, the stack settings, the namespace. */
    ctx: KubeContext;
    /** The resolved cache spec. */
    cache: Cache;
    /**
     * PVC size in GiB when the cache persists (aof, rdb).
     * @default 5
     */
    storageGb?: number;
}

/** A Redis StatefulSet with its headless Service and password Secret. */
export class KubernetesCache extends pulumi.ComponentResource {
    /** How apps connect (the URL carries the password and is a secret). */
    readonly connection: DatastoreConnection;

    constructor(name: string, args: KubernetesCacheArgs, opts?: pulumi.ComponentResourceOptions) {
        super("tierform:kubernetes:Cache", name, {}, opts);
        const { ctx, cache } = args;
        const password = generatedPassword(ctx, this, cache.name);
        const auth = componentSecret(ctx, this, cache.name, "auth", { password });
        // redis-cli reads REDISCLI_AUTH, so probes carry no password on their command line.
        const ping = ["sh", "-c", "redis-cli -h 127.0.0.1 ping | grep -q PONG"];
        const workload = statefulWorkload(
            ctx,
            {
                component: cache.name,
                tier: "cache",
                image: datastoreImage("redis", cache.version),
                uid: 999,
                gid: 1000,
                ports: [{ name: "redis", port: DEFAULT_PORTS.redis }],
                command: REDIS_START,
                args: redisArgs(cache, brokerSize(ctx.system).memoryMb),
                env: secretEnvs(auth.name, { REDIS_PASSWORD: "password", REDISCLI_AUTH: "password" }),
                dataPath: "/data",
                storageGb: cache.persistence === "none" ? undefined : (args.storageGb ?? 5),
                writablePaths: ["/tmp"],
                liveness: execProbe(ping, 15),
                readiness: execProbe(ping, 5, 5),
                resources: brokerSize(ctx.system),
            },
            { parent: this, dependsOn: [auth.secret] },
        );
        const { host, ready } = workload;
        const port = DEFAULT_PORTS.redis;
        const urls = clientUrls("redis", { host, port, password, database: "0" }, ctx.system.datastores[cache.name].transport);
        this.connection = {
            host,
            port,
            url: urls[DEFAULT_CLIENT.redis]!,
            values: { urls, host, port: String(port), password },
            ready,
        };
        this.registerOutputs({ endpoint: host });
    }
}
