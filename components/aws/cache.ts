/**
 * A Redis cache as an ElastiCache replication group: in the isolated subnets, encrypted at rest
 * (customer key) and in transit, an AUTH token from `random.RandomPassword` kept in Secrets
 * Manager, Multi-AZ with automatic failover where the profile is Multi-AZ, daily snapshots kept
 * for the profile's backup retention, and cluster mode (sharded) when the spec asks for a cluster.
 *
 * Persistence: ElastiCache does not offer Redis AOF (`appendonly` is not modifiable on Redis 7);
 * the seeds' AOF (MDC) asks that a node failure lose no acknowledged data, which ElastiCache
 * answers with a replica in another AZ and automatic failover, plus the daily snapshots. The MDC
 * preset runs Celery's broker on this Redis, as its seed does.
 */
import { evictionPolicy } from "../../plan";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { clientUrls, DEFAULT_PORTS } from "../shared/connection";
import { DEFAULT_CLIENT, type DatastoreSpecs } from "../../plan";
import type { ConnectionValues } from "../contract";
import { awsTags, resourceName } from "../shared/naming";
import { dataAlarm } from "./monitoring";
import {
    CACHE_NODES,
    clientUrlKeys,
    connectionSecret,
    finalSnapshotName,
    isolatedSubnetGroup,
    type AwsIsolatedDatastoreArgs,
} from "./common";

/** Arguments of {@link AwsCache}. */
export interface AwsCacheArgs extends AwsIsolatedDatastoreArgs {
    /** The resolved cache spec. */
    cache: DatastoreSpecs["cache"];
    /**
     * Node type.
     * @default by `profile.dataSize`: cache.t4g.small, cache.m6g.large, cache.r6g.large
     */
    nodeType?: string;
}

/** ElastiCache engine version and parameter family of a spec's Redis version ("7" → 7.1, redis7). */
export function redisVersion(version: string): { engineVersion: string; family: string } {
    const major = version.split(".")[0];
    const engineVersion = version.includes(".") ? version : major === "7" ? "7.1" : major === "6" ? "6.2" : version;
    return { engineVersion, family: `redis${major}` };
}

/** The node ids ElastiCache gives a replication group's members (for per-node metrics). */
export function cacheNodeIds(groupId: string, cluster: boolean, shards: number, nodesPerShard: number): string[] {
    const pad = (n: number, w: number) => String(n).padStart(w, "0");
    const ids: string[] = [];
    if (!cluster) for (let n = 1; n <= nodesPerShard; n++) ids.push(`${groupId}-${pad(n, 3)}`);
    else for (let s = 1; s <= shards; s++) for (let n = 1; n <= nodesPerShard; n++) ids.push(`${groupId}-${pad(s, 4)}-${pad(n, 3)}`);
    return ids;
}

/** An ElastiCache for Redis replication group with its token secret and alarms. */
export class AwsCache extends pulumi.ComponentResource {
    readonly replicationGroup: aws.elasticache.ReplicationGroup;
    readonly secret: aws.secretsmanager.Secret;
    /** Primary (or, in cluster mode, configuration) endpoint host:port. */
    readonly endpoint: pulumi.Output<string>;
    /** Reader endpoint host:port (not in cluster mode, where the configuration endpoint routes reads). */
    readonly readerEndpoint?: pulumi.Output<string>;
    readonly connectionString: pulumi.Output<string>;
    /** Every client's URL (secrets) and the discrete parts (TLS verified against the system trust store). */
    readonly connection: ConnectionValues;
    /** The members' node ids (`CacheClusterId` of their metrics), which the alarms watch. */
    readonly nodeIds: string[];

    constructor(name: string, args: AwsCacheArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("tierform:aws:Cache", name, {}, opts);
        const { system, cache } = args;
        const profile = system.profile;
        const tags = awsTags(system, "cache");
        const groupId = resourceName([system.name, cache.name], 40);
        const { engineVersion, family } = redisVersion(cache.version);
        const port = DEFAULT_PORTS.redis;
        const replicasPerShard = profile.multiAz ? 1 : 0;

        const subnetGroup = isolatedSubnetGroup(aws.elasticache.SubnetGroup, this, name, {
            system,
            datastore: cache.name,
            id: groupId,
            subnetIds: args.subnetIds,
            tier: "cache",
        });
        const parameterGroup = new aws.elasticache.ParameterGroup(
            name,
            {
                name: resourceName([groupId, family]),
                family,
                description: `${system.name} ${cache.name}: ${cache.cluster ? "cluster mode" : "single shard"}`,
                parameters: [
                    ...(cache.cluster ? [{ name: "cluster-enabled", value: "yes" }] : []),
                    // The plan's eviction rule (plan/service.ts evictionPolicy), as on Docker and Kubernetes.
                    { name: "maxmemory-policy", value: evictionPolicy(cache) },
                ],
                tags,
            },
            { parent: this },
        );
        // ElastiCache AUTH tokens: 16-128 printable characters without '@', '"' or '/': alphanumerics.
        const token = new random.RandomPassword(`${name}-token`, { length: 64, special: false }, { parent: this });
        const snapshotRetention = Math.min(profile.backupRetentionDays, 35);
        this.replicationGroup = new aws.elasticache.ReplicationGroup(
            name,
            {
                replicationGroupId: groupId,
                description: `${system.name} ${cache.name} (Redis ${engineVersion})`,
                engine: "redis",
                engineVersion,
                nodeType: args.nodeType ?? CACHE_NODES[profile.dataSize].nodeType,
                port,
                parameterGroupName: parameterGroup.name,
                subnetGroupName: subnetGroup.name,
                securityGroupIds: args.securityGroupIds,
                ...(cache.cluster
                    ? { clusterMode: "enabled", numNodeGroups: cache.shards, replicasPerNodeGroup: replicasPerShard }
                    : { clusterMode: "disabled", numCacheClusters: 1 + replicasPerShard }),
                automaticFailoverEnabled: profile.multiAz || cache.cluster,
                multiAzEnabled: profile.multiAz,
                atRestEncryptionEnabled: true,
                kmsKeyId: args.kmsKeyArn,
                transitEncryptionEnabled: true,
                authToken: token.result,
                autoMinorVersionUpgrade: true,
                snapshotRetentionLimit: snapshotRetention,
                snapshotWindow: "03:00-04:00",
                maintenanceWindow: "sun:05:00-sun:06:00",
                finalSnapshotIdentifier: profile.deletionProtection ? finalSnapshotName(this, name, groupId) : undefined,
                tags,
            },
            { parent: this, protect: profile.deletionProtection },
        );
        const rg = this.replicationGroup;
        const host = cache.cluster ? rg.configurationEndpointAddress : rg.primaryEndpointAddress;
        this.endpoint = pulumi.interpolate`${host}:${port}`;
        if (!cache.cluster) this.readerEndpoint = pulumi.interpolate`${rg.readerEndpointAddress}:${port}`;
        const urls = clientUrls("redis", { host, port, password: token.result, database: "0" }, args.transport);
        this.connectionString = urls[DEFAULT_CLIENT.redis]!;
        this.connection = { urls, host, port: String(port), password: token.result };
        this.secret = connectionSecret(this, name, {
            system,
            datastore: cache.name,
            description: "AUTH token and connection URLs (keys host, port, authToken, url, url_<client>)",
            kmsKeyArn: args.kmsKeyArn,
            value: pulumi
                .all([host, token.result, this.connectionString, clientUrlKeys(urls)])
                .apply(([h, t, url, byClient]) => ({ host: h, port, authToken: t, url, ...byClient, cluster: cache.cluster })),
        });

        // Alarms over every node: the busiest node decides (MAX over the nodes' metrics).
        const nodes = cacheNodeIds(groupId, cache.cluster, cache.cluster ? cache.shards : 1, 1 + replicasPerShard);
        this.nodeIds = nodes;
        const overNodes = (id: string, metricName: string, stat: string, threshold: number, description: string) => {
            for (let chunk = 0; chunk * 9 < nodes.length; chunk++) {
                const part = nodes.slice(chunk * 9, chunk * 9 + 9);
                const suffix = nodes.length > 9 ? `-${chunk + 1}` : "";
                dataAlarm(this, system, "cache", `${cache.name}-${id}${suffix}`, args.alarmTopicArn, {
                    alarmDescription: description,
                    comparisonOperator: "GreaterThanThreshold",
                    threshold,
                    evaluationPeriods: 3,
                    metricQueries: [
                        ...part.map((node, i) => ({
                            id: `n${i}`,
                            metric: { namespace: "AWS/ElastiCache", metricName, dimensions: { CacheClusterId: node }, period: 300, stat },
                            returnData: false,
                        })),
                        { id: "worst", expression: "MAX(METRICS())", label: `${metricName} (worst node)`, returnData: true },
                    ],
                });
            }
        };
        overNodes("cpu", "EngineCPUUtilization", "Average", 80, `${cache.name}: Redis engine CPU above 80% for 15 minutes`);
        overNodes("memory", "DatabaseMemoryUsagePercentage", "Average", 80, `${cache.name}: memory above 80% for 15 minutes`);
        overNodes("evictions", "Evictions", "Sum", 100, `${cache.name}: more than 100 keys evicted per 5 minutes (memory pressure)`);
        this.registerOutputs({ endpoint: this.endpoint, readerEndpoint: this.readerEndpoint, secretArn: this.secret.arn });
    }
}
