/**
 * A Redis container: pinned alpine image run as its `redis` user (999:1000), a redis.conf
 * uploaded with the generated `requirepass` (so the password is on no command line and in no
 * environment), AOF when the spec asks for `persistence: aof`, RDB snapshots for `rdb`, neither
 * for `none`; data on a named volume; internal data network only, never published.
 *
 * A spec's `cluster: true` / `shards` is a staging/prod concern: dev runs one node.
 */
import { DEFAULT_CLIENT, evictionPolicy, type DatastorePlanOf, type DatastoreSpecs } from "../../plan";
import type * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { clientUrls, DEFAULT_PORTS } from "../shared/connection";
import type { ConnectionValues } from "../contract";
import { datastoreImage } from "../shared/images";
import { resourceName } from "../shared/naming";
import { CONFIG_DIR, type DatastoreArgs, generatePassword, secretOf, tierContainer } from "./common";
import { DOCKER_LABEL } from "../../conventions/labels";

/** The `redis` user of the official alpine image (adduser -u 999 -G redis, group 1000). */
export const REDIS_USER = "999:1000";

/** redis.conf for `cache` with `password`. Pure, for tests and reuse. */
export function renderRedisConf(cache: DatastoreSpecs["cache"], password: string, memoryMb: number): string {
    const persistence =
        cache.persistence === "aof"
            ? ["appendonly yes", "appendfsync everysec", 'save ""']
            : cache.persistence === "rdb"
              ? ["appendonly no", "save 3600 1 300 100 60 10000"]
              : ["appendonly no", 'save ""'];
    // Leave headroom under the container limit for fork-on-save and buffers.
    const maxMemoryMb = cache.maxMemoryMb ?? Math.floor(memoryMb * 0.75);
    return [
        "# Rendered by tierform (components/docker/cache.ts).",
        "bind 0.0.0.0",
        `port ${DEFAULT_PORTS.redis}`,
        "protected-mode yes",
        "dir /data",
        ...persistence,
        `maxmemory ${maxMemoryMb}mb`,
        `maxmemory-policy ${evictionPolicy(cache)}`,
        `requirepass ${password}`,
        "",
    ].join("\n");
}

/** Arguments of {@link DockerCache}; `resources` @default 256 MiB / 0.5 CPU. */
export interface DockerCacheArgs extends DatastoreArgs {
    /** The cache's plan entry: its spec (version, persistence, memory) and transport. */
    cache: DatastorePlanOf<"cache">;
}

/** One Redis container with its volume and generated password. */
export class DockerCache extends pulumi.ComponentResource {
    readonly container: docker.Container;
    readonly volume: docker.Volume;
    readonly host: string;
    readonly port: number;
    readonly image: string;
    readonly password: pulumi.Output<string>;
    readonly endpoint: string;
    /** redis://:password@host:6379/0 (secret). */
    readonly connectionString: pulumi.Output<string>;
    /** The URL of every client and the discrete parts (plain text on the data network: the plan's `transport`, plan/transport.ts). */
    readonly connection: ConnectionValues;

    constructor(name: string, args: DockerCacheArgs, opts?: pulumi.ComponentResourceOptions) {
        super("tierform:docker:Cache", name, {}, opts);
        const { system } = args;
        const cache = args.cache.spec;
        const size = args.resources ?? { memoryMb: 256, cpus: 0.5 };
        this.image = datastoreImage("redis", cache.version);
        this.host = cache.name;
        this.port = DEFAULT_PORTS.redis;
        this.endpoint = `${this.host}:${this.port}`;
        this.password = secretOf(generatePassword(resourceName([name, "password"]), this));
        const conf = pulumi.secret(this.password.apply((p) => renderRedisConf(cache, p, size.memoryMb)));

        const server = tierContainer(
            resourceName([name]),
            {
                system,
                tier: "cache",
                datastore: cache.name,
                image: this.image,
                user: REDIS_USER,
                resources: size,
                networks: [{ name: args.network, aliases: [cache.name] }],
                hostname: cache.name,
                command: ["redis-server", `${CONFIG_DIR}/redis.conf`],
                files: [{ name: "redis.conf", content: conf }],
                data: { path: "/data" },
                // An unauthenticated PING answers NOAUTH: proof of life without the password.
                healthcheck: {
                    tests: ["CMD-SHELL", "redis-cli -h 127.0.0.1 ping 2>&1 | grep -qE 'PONG|NOAUTH'"],
                    interval: "10s",
                    timeout: "3s",
                    retries: 5,
                    startPeriod: "5s",
                },
                labels: { [DOCKER_LABEL.engine]: "redis", "tierform.persistence": cache.persistence },
            },
            this,
        );
        this.container = server.container;
        this.volume = server.volume!;
        const urls = clientUrls(
            "redis",
            { host: this.host, port: this.port, password: this.password, database: "0" },
            args.cache.transport,
        );
        this.connectionString = urls[DEFAULT_CLIENT.redis]!;
        this.connection = { urls, host: this.host, port: String(this.port), password: this.password };
        this.registerOutputs({ endpoint: this.endpoint, connectionString: this.connectionString, container: this.container.name });
    }
}
