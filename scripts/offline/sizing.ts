/**
 * The sizing table of the text plan (`npm run plan`): what each sized resource of the stack was
 * registered with (instance classes, Multi-AZ, node types, task CPU/memory, NAT gateways,
 * storage), read from the resources' inputs, so it shows what `pulumi up` would ask for. Kubernetes
 * requests and AWS quotas are printed by prerequisites.ts and prerequisites-aws.ts.
 */
import type { OfflineRun, PlannedResource } from "./engine";

/** One row of the sizing table: what is sized, its name, and its size. */
export interface SizingRow {
    kind: string;
    name: string;
    size: string;
}

const gib = (v: unknown) => (typeof v === "number" ? `${v} GiB` : undefined);
const join = (parts: (string | false | undefined)[]) => parts.filter(Boolean).join(" · ");

/** How one resource is sized, or undefined for a resource that has no size. */
function rowOf(r: PlannedResource): SizingRow | undefined {
    const i = r.inputs;
    switch (r.type) {
        case "aws:rds/instance:Instance":
            return {
                kind: "RDS instance",
                name: r.name,
                size: join([
                    i.instanceClass,
                    i.replicateSourceDb && "read replica",
                    i.multiAz ? "Multi-AZ" : "single-AZ",
                    i.allocatedStorage !== undefined && `${gib(i.allocatedStorage)} ${i.storageType ?? ""}`.trim(),
                    i.maxAllocatedStorage !== undefined && `grows to ${gib(i.maxAllocatedStorage)}`,
                ]),
            };
        case "aws:docdb/clusterInstance:ClusterInstance":
            return { kind: "DocumentDB instance", name: r.name, size: join([i.instanceClass, i.availabilityZone]) };
        case "aws:elasticache/replicationGroup:ReplicationGroup": {
            const nodes =
                i.numNodeGroups !== undefined
                    ? `${i.numNodeGroups} shards × ${1 + (i.replicasPerNodeGroup ?? 0)} nodes`
                    : `${i.numCacheClusters ?? 1} node${(i.numCacheClusters ?? 1) === 1 ? "" : "s"}`;
            return { kind: "ElastiCache", name: r.name, size: join([i.nodeType, nodes, i.multiAzEnabled ? "Multi-AZ" : "single-AZ"]) };
        }
        case "aws:ecs/taskDefinition:TaskDefinition":
            return {
                kind: "ECS task",
                name: r.name,
                size: join([i.cpu !== undefined && `${Number(i.cpu) / 1024} vCPU`, i.memory !== undefined && `${i.memory} MiB`]),
            };
        case "aws:ecs/service:Service":
            return i.desiredCount === undefined
                ? undefined
                : { kind: "ECS service", name: r.name, size: `${i.desiredCount} tasks desired` };
        case "aws:efs/fileSystem:FileSystem":
            return { kind: "EFS", name: r.name, size: join([i.performanceMode, i.throughputMode && `${i.throughputMode} throughput`]) };
        default:
            return undefined;
    }
}

/** The order of the table: data first, then compute, then the network. */
const KINDS = ["RDS instance", "DocumentDB instance", "ElastiCache", "EFS", "ECS task", "ECS service", "NAT gateways"];

/** The sizing rows of a run, grouped by kind (registration order within one), NAT gateways counted in one row. */
export function sizingRows(run: OfflineRun): SizingRow[] {
    const rows = run.resources.map(rowOf).filter((r): r is SizingRow => r !== undefined);
    const nat = run.resources.filter((r) => r.type === "aws:ec2/natGateway:NatGateway");
    if (nat.length > 0) rows.push({ kind: "NAT gateways", name: "", size: String(nat.length) });
    return rows.sort((a, b) => KINDS.indexOf(a.kind) - KINDS.indexOf(b.kind));
}

/** The sizing table, or undefined when the stack registers nothing it sizes (Docker, Kubernetes). */
export function renderSizing(run: OfflineRun): string | undefined {
    const rows = sizingRows(run);
    if (rows.length === 0) return undefined;
    const kindWidth = Math.max(...rows.map((r) => r.kind.length));
    const nameWidth = Math.max(...rows.map((r) => r.name.length));
    return ["Sizing:", ...rows.map((r) => `  ${r.kind.padEnd(kindWidth)}  ${r.name.padEnd(nameWidth)}  ${r.size}`.trimEnd())].join("\n");
}
