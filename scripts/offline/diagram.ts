/**
 * The picture: the system as one stack deploys it, drawn from the offline plan's real resource
 * graph. Tiers are clusters, the tier components are nodes (each listing its main resources),
 * traffic and data flows are arrows. Emits Graphviz DOT (rendered to SVG by Graphviz compiled to
 * WebAssembly, so nothing needs installing) and Mermaid (`flowchart LR`) for pasting into docs.
 *
 * Where the nodes come from: the component tree. Every platform's component types follow
 * `tierform:<platform>:<Kind>`; a resource belongs to the nearest ancestor component whose Kind
 * names a tier (Service, Database, Edge, Backup, ...). Custom resources outside any tier component
 * are placed by the tier label/tag they carry (components/shared/naming.ts).
 *
 * Where the arrows come from:
 * - internet → edge, edge → service (the routes) and service → datastore (`uses`) come from the
 *   resolved system spec, because a route or a connection string in an environment variable is
 *   not always a dependency between URNs (a container reads DATABASE_URL at run time). Each such
 *   arrow records whether the dependency graph confirms it (`source: "graph+spec"`) or not
 *   (`"spec"`); the tooltip says which.
 * - backup → datastore, monitoring → what it watches, and datastore/backup → disaster-recovery
 *   copies come from the dependency graph (`dependencies` URNs, and the region of each resource's
 *   provider); backup → database falls back to the spec (by name, or every database when there is
 *   one backup component) only when no dependency says it (e.g. AWS Backup selects by tag).
 */
import * as fs from "fs";
import * as path from "path";
import type { OfflineRun, PlannedResource } from "./engine";
import { loadStack, type System } from "../../model";
import { DOCKER_LABEL } from "../../conventions/labels";

/** The tier groups of the picture, in drawing order. */
export const CLUSTERS = {
    edge: "Edge",
    services: "Services",
    data: "Data",
    backups: "Backups",
    dr: "Disaster recovery",
    monitoring: "Monitoring",
    network: "Network",
    platform: "Platform",
} as const;
/** A key of {@link CLUSTERS}. */
export type ClusterId = keyof typeof CLUSTERS;

/** Component kinds (the last segment of `tierform:<platform>:<Kind>`) and the tier each draws in. */
const KIND_CLUSTER: Record<string, ClusterId> = {
    Network: "network",
    Vpc: "network",
    Dns: "network",
    Edge: "edge",
    Cdn: "edge",
    Waf: "edge",
    Ingress: "edge",
    LoadBalancer: "edge",
    Proxy: "edge",
    Service: "services",
    Worker: "services",
    Scheduler: "services",
    Database: "data",
    DocumentDb: "data",
    Cache: "data",
    Queue: "data",
    Bucket: "data",
    Storage: "data",
    ObjectStore: "data",
    Backup: "backups",
    Backups: "backups",
    DisasterRecovery: "dr",
    DrSite: "dr",
    Monitoring: "monitoring",
    Alerting: "monitoring",
    Alerts: "monitoring",
    Dashboard: "monitoring",
    Logging: "monitoring",
    Observability: "monitoring",
};

/** Kinds named after one spec entity: always their own node, even inside another tier component. */
const ENTITY_KINDS = new Set(["Service", "Worker", "Scheduler", "Database", "DocumentDb", "Cache", "Queue", "Bucket"]);

/** The tier label values of naming.ts and the cluster each draws in. */
const TIER_CLUSTER: Record<string, ClusterId> = {
    network: "network",
    edge: "edge",
    service: "services",
    database: "data",
    cache: "data",
    queue: "data",
    bucket: "data",
    backup: "backups",
    monitoring: "monitoring",
    secrets: "platform",
};

/** Resource types worth naming in a node's label, in order of importance. */
/** Helpers a box never lists: generated passwords and keys, pulled images, providers. */
const HELPER_TYPE = /^(random:|tls:|pulumi:|docker:index\/remoteImage:)/;

const MAIN_TYPES: RegExp[] = [
    /^docker:index\/container:Container$/,
    /^kubernetes:apps\/v1:(Deployment|StatefulSet|DaemonSet)$/,
    /^kubernetes:batch\/v1:(CronJob|Job)$/,
    /^kubernetes:networking\.k8s\.io\/v1:Ingress$/,
    /^kubernetes:postgresql\.cnpg\.io\/v1:(Cluster|ScheduledBackup)$/,
    /^kubernetes:monitoring\.coreos\.com\/v1:(PrometheusRule|ServiceMonitor)$/,
    /^kubernetes:helm\.sh\/v\d:(Release|Chart)$/,
    /^kubernetes:autoscaling\/v2:HorizontalPodAutoscaler$/,
    /^aws:cloudfront\/distribution:/,
    /^aws:wafv2\/webAcl:/,
    /^aws:(lb|alb)\/loadBalancer:/,
    /^aws:ecs\/(service|cluster):/,
    /^aws:rds\/(instance|cluster|clusterInstance|globalCluster):/,
    /^aws:docdb\/(cluster|clusterInstance):/,
    /^aws:elasticache\/(replicationGroup|cluster|serverlessCache):/,
    /^aws:sqs\/queue:/,
    /^aws:s3\/(bucket|bucketV2):/,
    /^aws:backup\/(plan|vault):/,
    /^aws:cloudwatch\/(metricAlarm|dashboard):/,
    /^aws:sns\/topic:/,
    /^aws:ec2\/(vpc|natGateway):/,
    /^aws:route53\/record:/,
    /^aws:acm\/certificate:/,
    /^aws:lambda\/function:/,
    /^docker:index\/(network|volume):/,
    /^kubernetes:core\/v1:(PersistentVolumeClaim|Namespace)$/,
];
const MAX_RESOURCE_LINES = 4;

/** What an arrow carries: requests, datastore access, backups, cross-region copies, or monitoring. */
export type Flow = "traffic" | "data" | "backup" | "replication" | "observe";

/** A box of the picture: a tier component, or a synthetic node (the internet, a shared component). */
export interface DiagramNode {
    id: string;
    cluster: ClusterId | "internet";
    /** Spec entity name where the node is one (service, datastore), else the component's name. */
    name: string;
    /** Component kind (Service, Database, ...), or Internet / Shared for synthetic nodes. */
    kind: string;
    /** Second label line (e.g. "web :8000", "postgres 14"). */
    detail?: string;
    /** "2 × Container", ... */
    resources: string[];
    /** URN of the component the node stands for (absent for synthetic nodes). */
    urn?: string;
    /**
     * Id of the node whose component serves this spec entity, when one component serves several
     * (e.g. one MinIO for every bucket): drawn inside it, and its dependencies are the host's.
     */
    within?: string;
}

/** An arrow of the picture. */
export interface DiagramEdge {
    from: string;
    to: string;
    flow: Flow;
    label?: string;
    /** What the arrow is derived from. */
    source: "graph" | "spec" | "graph+spec";
}

/** The picture as a graph, before it is rendered to DOT or Mermaid. */
export interface Diagram {
    title: string;
    /** Cluster titles, only for clusters that hold nodes. */
    clusters: Partial<Record<ClusterId, string>>;
    nodes: DiagramNode[];
    edges: DiagramEdge[];
}

/** The stack a picture is drawn for. */
export interface DiagramOptions {
    stack: string;
    platform: string;
    /** The stack's main AWS region (`aws:region`); resources elsewhere are disaster-recovery copies. */
    region?: string;
}

const componentKind = (r: PlannedResource): string | undefined => {
    const parts = r.type.split(":");
    return !r.custom && parts[0] === "tierform" && parts.length === 3 ? parts[2] : undefined;
};

/** The spec entity a component stands for: `name` equal to it or ending in `-<entity>`; the longest wins. */
export function matchEntity(componentName: string, entities: string[]): string | undefined {
    return entities.filter((e) => componentName === e || componentName.endsWith(`-${e}`)).sort((a, b) => b.length - a.length)[0];
}

/** The tier a custom resource's own labels/tags name (docker labels, Kubernetes labels, AWS tags). */
function tierLabel(r: PlannedResource): string | undefined {
    const inputs = r.inputs ?? {};
    if (Array.isArray(inputs.labels)) {
        const found = inputs.labels.find((l: { label?: string }) => l?.label === DOCKER_LABEL.tier);
        if (typeof found?.value === "string") return found.value;
    }
    const k8s = inputs.metadata?.labels?.["app.kubernetes.io/component"];
    if (typeof k8s === "string") return k8s;
    const tag = inputs.tags?.tier;
    return typeof tag === "string" ? tag : undefined;
}

/** `aws:rds/instance:Instance` → "rds Instance"; `kubernetes:apps/v1:Deployment` → "Deployment"; docker → "Container". */
export function shortType(type: string): string {
    const [pkg, mod = "", name = type] = type.split(":");
    if (pkg === "aws") return `${mod.split("/")[0]} ${name}`;
    return name;
}

const sanitize = (s: string) => s.replace(/[^A-Za-z0-9_]/g, "_");

/** Build the picture's graph from one offline run and the system it deployed. */
export function buildDiagram(run: OfflineRun, system: System, opts: DiagramOptions): Diagram {
    const byUrn = new Map(run.resources.map((r) => [r.urn, r]));
    const serviceNames = Object.keys(system.services);
    const datastoreNames = [
        ...Object.keys(system.databases),
        ...Object.keys(system.caches),
        ...Object.keys(system.queues),
        ...Object.keys(system.buckets),
    ];

    const nodes: DiagramNode[] = [];
    const nodeByUrn = new Map<string, DiagramNode>();
    const usedIds = new Set<string>();
    const newId = (base: string) => {
        let id = sanitize(base);
        for (let n = 2; usedIds.has(id); n++) id = `${sanitize(base)}_${n}`;
        usedIds.add(id);
        return id;
    };
    const addNode = (n: Omit<DiagramNode, "id">, idBase: string): DiagramNode => {
        const node = { ...n, id: newId(idBase) };
        nodes.push(node);
        return node;
    };

    // 1. Tier components become nodes (parents are registered before children, so the order of
    //    run.resources lets a node's ancestor be decided first).
    const nearestNode = (urn: string | undefined): DiagramNode | undefined => {
        for (let cur = urn ? byUrn.get(urn) : undefined; cur; cur = cur.parent ? byUrn.get(cur.parent) : undefined) {
            const n = nodeByUrn.get(cur.urn);
            if (n) return n;
        }
        return undefined;
    };
    for (const r of run.resources) {
        const kind = componentKind(r);
        if (!kind || kind === "System") continue;
        const cluster = KIND_CLUSTER[kind];
        const ancestor = nearestNode(r.parent);
        // A helper component (unknown kind, or the same tier as the node it sits in) is part of that node.
        if (ancestor && !ENTITY_KINDS.has(kind) && (!cluster || cluster === ancestor.cluster)) continue;
        const candidates =
            kind === "Service" || kind === "Worker" || kind === "Scheduler" ? serviceNames : ENTITY_KINDS.has(kind) ? datastoreNames : [];
        const entity = matchEntity(r.name, candidates);
        // Not a spec entity: drop the system-name prefix every component name carries.
        const name = entity ?? (r.name.startsWith(`${system.name}-`) ? r.name.slice(system.name.length + 1) : r.name);
        const node = addNode(
            { cluster: cluster ?? "platform", name, kind, resources: [], urn: r.urn, detail: entityDetail(system, entity) },
            `${cluster ?? "platform"}_${name}`,
        );
        nodeByUrn.set(r.urn, node);
    }

    // 1b. A datastore component that stands for no single spec entity hosts those of its kind that
    //     have no component of their own (one MinIO for every bucket, one broker for every queue).
    const HOSTED: Record<string, (keyof Pick<System, "databases" | "caches" | "queues" | "buckets">)[]> = {
        Database: ["databases"],
        DocumentDb: ["databases"],
        Cache: ["caches"],
        Queue: ["queues"],
        Bucket: ["buckets"],
        Storage: ["buckets"],
        ObjectStore: ["buckets"],
    };
    for (const host of [...nodes]) {
        if (host.cluster !== "data" || !HOSTED[host.kind] || datastoreNames.includes(host.name)) continue;
        for (const group of HOSTED[host.kind]) {
            for (const entity of Object.keys(system[group])) {
                if (nodes.some((n) => n.name === entity && n.cluster === "data")) continue;
                const kind = { databases: "Database", caches: "Cache", queues: "Queue", buckets: "Bucket" }[group];
                addNode(
                    {
                        cluster: "data",
                        name: entity,
                        kind,
                        detail: entityDetail(system, entity),
                        resources: [],
                        urn: host.urn,
                        within: host.id,
                    },
                    `data_${entity}`,
                );
            }
        }
    }

    // 2. Every custom resource belongs to its nearest tier node; the rest go to a shared node of
    //    the tier its label names (or Platform).
    const owner = new Map<string, DiagramNode>();
    const shared = new Map<ClusterId, DiagramNode>();
    const providerRegion = new Map<string, string>();
    for (const r of run.resources) {
        if (r.type.startsWith("pulumi:providers:")) {
            if (typeof r.inputs?.region === "string") providerRegion.set(r.urn, r.inputs.region);
            continue;
        }
        let node = nodeByUrn.get(r.urn) ?? nearestNode(r.parent);
        if (!node && r.custom) {
            const cluster = TIER_CLUSTER[tierLabel(r) ?? ""] ?? "platform";
            node = shared.get(cluster);
            if (!node) {
                node = addNode(
                    {
                        cluster,
                        name: cluster === "platform" ? "platform" : `${CLUSTERS[cluster].toLowerCase()} (shared)`,
                        kind: "Shared",
                        resources: [],
                    },
                    `${cluster}_shared`,
                );
                shared.set(cluster, node);
            }
        }
        if (node) owner.set(r.urn, node);
    }

    // 3. Disaster-recovery copies: AWS resources in a region other than the stack's (their own
    //    `region` input or their provider's). Each owner's copies become one node in the DR cluster.
    const regionOf = (r: PlannedResource): string | undefined => {
        if (typeof r.inputs?.region === "string") return r.inputs.region;
        if (!r.provider) return undefined;
        return providerRegion.get(r.provider.slice(0, r.provider.lastIndexOf("::")));
    };
    const drNodes = new Map<DiagramNode, DiagramNode>();
    let drRegion: string | undefined;
    if (opts.region) {
        for (const r of run.resources) {
            const home = owner.get(r.urn);
            if (!r.custom || !home || !r.type.startsWith("aws:")) continue;
            const region = regionOf(r);
            if (!region || region === opts.region) continue;
            drRegion = region;
            if (home.cluster === "dr") continue; // already in a disaster-recovery component
            let dr = drNodes.get(home);
            if (!dr) {
                dr = addNode(
                    { cluster: "dr", name: `${home.name} copy`, kind: home.kind, detail: region, resources: [] },
                    `dr_${home.name}`,
                );
                drNodes.set(home, dr);
            }
            owner.set(r.urn, dr);
        }
    }

    // 4. Node labels: counts of the main custom resources each node owns.
    const owned = new Map<DiagramNode, PlannedResource[]>();
    for (const r of run.resources) {
        const n = owner.get(r.urn);
        if (n && r.custom) owned.set(n, [...(owned.get(n) ?? []), r]);
    }
    for (const n of nodes) n.resources = mainResources(owned.get(n) ?? []);
    // A helper component that created nothing (e.g. operators not installed) is not drawn.
    for (const n of nodes.filter(
        (x) => x.urn && !x.within && !ENTITY_KINDS.has(x.kind) && !owned.has(x) && !nodes.some((h) => h.within === x.id),
    )) {
        nodes.splice(nodes.indexOf(n), 1);
    }
    // A shared node that holds only helpers (a system-wide generated password, images) says nothing.
    for (const n of nodes.filter((x) => x.kind === "Shared" && x.resources.length === 0)) nodes.splice(nodes.indexOf(n), 1);
    // A database says what the platform deploys, not what the spec asks for: read replicas only
    // where the platform runs them (Docker runs none).
    for (const n of nodes.filter((x) => x.cluster === "data" && system.databases[x.name])) {
        const db = system.databases[n.name];
        const replicas = deployedReplicas(owned.get(n) ?? []);
        n.detail = `${db.engine} ${db.version}${replicas ? ` + ${replicas} replica${replicas > 1 ? "s" : ""}` : ""}`;
    }

    // 5. Arrows.
    const deps = new Map<DiagramNode, Set<DiagramNode>>(); // a's resources depend on b's
    for (const r of run.resources) {
        const a = owner.get(r.urn);
        if (!a) continue;
        for (const d of r.dependencies ?? []) {
            const b = owner.get(d);
            if (b && b !== a) deps.set(a, (deps.get(a) ?? new Set()).add(b));
        }
    }
    const hostOf = (n: DiagramNode) => (n.within ? (nodes.find((h) => h.id === n.within) ?? n) : n);
    const dependsOn = (a: DiagramNode, b: DiagramNode) => deps.get(hostOf(a))?.has(hostOf(b)) === true;
    const related = (a: DiagramNode, b: DiagramNode) => dependsOn(a, b) || dependsOn(b, a);
    const edges: DiagramEdge[] = [];
    const addEdge = (e: DiagramEdge) => {
        if (!edges.some((x) => x.from === e.from && x.to === e.to && x.flow === e.flow)) edges.push(e);
    };
    const fromSpec = (a: DiagramNode, b: DiagramNode): DiagramEdge["source"] => (related(a, b) ? "graph+spec" : "spec");
    const entityNode = (cluster: ClusterId, entity: string) =>
        nodes.find((n) => n.cluster === cluster && n.urn && n.name === entity && ENTITY_KINDS.has(n.kind));

    // Internet → the edge, and the edge → each routed service (spec routes).
    const edgeNodes = nodes.filter((n) => n.cluster === "edge" && n.kind !== "Shared");
    const internet = addNode({ cluster: "internet", name: "Internet", kind: "Internet", resources: [] }, "internet");
    const entries = edgeNodes.filter((n) => !edgeNodes.some((m) => m !== n && dependsOn(m, n)));
    for (const e of entries.length ? entries : edgeNodes)
        addEdge({ from: internet.id, to: e.id, flow: "traffic", label: system.edge.tls ? "HTTPS" : "HTTP", source: "spec" });
    const routes = new Map<string, string[]>();
    for (const r of system.edge.routes) routes.set(r.service, [...(routes.get(r.service) ?? []), r.path]);
    for (const [service, paths] of routes) {
        const target = entityNode("services", service);
        if (!target) continue;
        const via = edgeNodes.find((e) => related(e, target)) ?? entries[0] ?? edgeNodes[0];
        if (via) addEdge({ from: via.id, to: target.id, flow: "traffic", label: paths.join(" "), source: fromSpec(via, target) });
        else addEdge({ from: internet.id, to: target.id, flow: "traffic", label: paths.join(" "), source: "spec" });
    }

    // Service → each datastore it uses (spec `uses`).
    for (const [name, svc] of Object.entries(system.services)) {
        const from = entityNode("services", name);
        if (!from) continue;
        for (const u of svc.uses) {
            const to = entityNode("data", u);
            if (to) addEdge({ from: from.id, to: to.id, flow: "data", label: datastoreLabel(system, u), source: fromSpec(from, to) });
        }
    }

    // Backup → what it backs up and where it writes (dependency graph; names as the fallback).
    // A dependency on a host that serves several buckets points at its backups bucket(s), if any.
    const hosted = (h: DiagramNode) => nodes.filter((n) => n.within === h.id);
    const dataNodes = nodes.filter((n) => n.cluster === "data" && !hosted(n).length);
    const backupNodes = nodes.filter((n) => n.cluster === "backups");
    for (const b of backupNodes) {
        const targets = dataNodes.filter(
            (d) =>
                dependsOn(b, d) &&
                (!d.within ||
                    system.buckets[d.name]?.purpose === "backups" ||
                    hosted(hostOf(d)).every((x) => system.buckets[x.name]?.purpose !== "backups")),
        );
        for (const d of targets)
            addEdge({ from: b.id, to: d.id, flow: "backup", label: d.name in system.databases ? "dumps" : "stores", source: "graph" });
        if (!targets.some((d) => d.name in system.databases)) {
            // By name (backup-db → db); a single backup component with no name match backs up every database.
            let named = Object.keys(system.databases).filter((db) => b.name === db || b.name.includes(db));
            if (!named.length && backupNodes.length === 1) named = Object.keys(system.databases);
            for (const db of named) {
                const d = entityNode("data", db);
                if (d) addEdge({ from: b.id, to: d.id, flow: "backup", label: "dumps", source: "spec" });
            }
        }
    }

    // Datastore/backup → its disaster-recovery copy (provider regions in the graph).
    // A disaster-recovery component (DrSite) receives from what it depends on.
    for (const dr of nodes.filter((n) => n.cluster === "dr" && n.urn)) {
        for (const home of [...(deps.get(dr) ?? [])].filter((n) => n.cluster === "data" || n.cluster === "backups")) {
            addEdge({
                from: home.id,
                to: dr.id,
                flow: "replication",
                label: home.cluster === "backups" ? "cross-region copy" : "cross-region replica",
                source: "graph",
            });
        }
    }
    for (const [home, dr] of drNodes)
        addEdge({
            from: home.id,
            to: dr.id,
            flow: "replication",
            label: home.cluster === "backups" ? "cross-region copy" : "cross-region replica",
            source: "graph",
        });

    // Monitoring → what its resources reference (dependency graph).
    for (const m of nodes.filter((n) => n.cluster === "monitoring")) {
        for (const t of deps.get(m) ?? []) {
            if (t.cluster === "services" || t.cluster === "data" || t.cluster === "edge")
                addEdge({ from: m.id, to: t.id, flow: "observe", source: "graph" });
        }
    }

    // Only arrows between nodes that are drawn (a node removed above takes its arrows with it).
    const drawn = new Set(nodes.map((n) => n.id));
    const kept = edges.filter((e) => drawn.has(e.from) && drawn.has(e.to));
    edges.splice(0, edges.length, ...kept);

    const clusters: Partial<Record<ClusterId, string>> = {};
    for (const id of Object.keys(CLUSTERS) as ClusterId[]) {
        if (nodes.some((n) => n.cluster === id)) clusters[id] = id === "dr" && drRegion ? `${CLUSTERS.dr} (${drRegion})` : CLUSTERS[id];
    }
    return { title: `${system.name} · stack ${opts.stack} · ${opts.platform} · ${system.environment}`, clusters, nodes, edges };
}

function entityDetail(system: System, entity: string | undefined): string | undefined {
    if (!entity) return undefined;
    const svc = system.services[entity];
    if (svc) {
        const { min, max } = svc.replicas;
        return `${svc.kind}${svc.port ? ` :${svc.port}` : ""} · ${min === max ? min : `${min}-${max}`} replica${max === 1 ? "" : "s"}`;
    }
    const db = system.databases[entity];
    if (db) return `${db.engine} ${db.version}${db.readReplicas ? ` + ${db.readReplicas} replica${db.readReplicas > 1 ? "s" : ""}` : ""}`;
    const cache = system.caches[entity];
    if (cache) return `${cache.engine} ${cache.version}${cache.persistence !== "none" ? ` · ${cache.persistence}` : ""}`;
    const queue = system.queues[entity];
    if (queue) return `queue${queue.fifo ? " · fifo" : ""}`;
    const bucket = system.buckets[entity];
    if (bucket) return `bucket · ${bucket.purpose}`;
    return undefined;
}

/** Read replicas among a database node's resources, as each platform deploys them. */
function deployedReplicas(resources: PlannedResource[]): number {
    let n = 0;
    for (const r of resources) {
        if (r.type === "aws:rds/instance:Instance" && r.inputs?.replicateSourceDb) n++;
        if (r.type === "kubernetes:postgresql.cnpg.io/v1:Cluster") n += Math.max(0, Number(r.inputs?.spec?.instances ?? 1) - 1);
    }
    const docdb = resources.filter((r) => r.type === "aws:docdb/clusterInstance:ClusterInstance").length;
    return n + Math.max(0, docdb - 1);
}

function datastoreLabel(system: System, name: string): string {
    if (system.databases[name]) return system.databases[name].engine;
    if (system.caches[name]) return system.caches[name].engine;
    if (system.queues[name]) return "messages";
    return "objects";
}

/**
 * "2 × Container" lines for the main types among `resources` (the most numerous type when none is
 * main). Helpers (images, passwords, keys, policies) are left out; the plan's tree lists them all.
 */
function mainResources(resources: PlannedResource[]): string[] {
    const counts = new Map<string, number>();
    for (const r of resources) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
    const rank = (t: string) => {
        const i = MAIN_TYPES.findIndex((re) => re.test(t));
        return i < 0 ? Infinity : i;
    };
    let types = [...counts.keys()].filter((t) => rank(t) !== Infinity).sort((a, b) => rank(a) - rank(b));
    if (types.length === 0)
        types = [...counts.keys()]
            .filter((t) => !HELPER_TYPE.test(t))
            .sort((a, b) => counts.get(b)! - counts.get(a)!)
            .slice(0, 1);
    return types.slice(0, MAX_RESOURCE_LINES).map((t) => `${counts.get(t)} × ${shortType(t)}`);
}

const STYLE: Record<ClusterId, { fill: string; border: string; node: string }> = {
    edge: { fill: "#eef5ff", border: "#4a7bd0", node: "#d6e6ff" },
    services: { fill: "#effaf0", border: "#3f9a4f", node: "#d3f0d8" },
    data: { fill: "#fff7e8", border: "#c98a1b", node: "#ffe8bf" },
    backups: { fill: "#f6f0ff", border: "#7d55c7", node: "#e6dafc" },
    dr: { fill: "#fff0f0", border: "#c0504d", node: "#fbd9d8" },
    monitoring: { fill: "#f3f3f3", border: "#777777", node: "#e2e2e2" },
    network: { fill: "#eefbfb", border: "#2a9a9a", node: "#d0f0f0" },
    platform: { fill: "#fafafa", border: "#999999", node: "#eeeeee" },
};
const FLOW_STYLE: Record<Flow, string> = {
    traffic: 'color="#4a7bd0", penwidth=1.6',
    data: 'color="#c98a1b"',
    backup: 'color="#7d55c7", style=dashed',
    replication: 'color="#c0504d", style=dashed, penwidth=1.4',
    observe: 'color="#999999", style=dotted, arrowhead=open',
};

const dotString = (s: string) => `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
const nodeLines = (n: DiagramNode) => {
    const second =
        n.kind === "Internet" || n.kind === "Shared"
            ? undefined
            : (n.detail ?? (n.kind.toLowerCase() === n.name.toLowerCase() ? undefined : n.kind));
    return [n.name, ...(second ? [second] : []), ...n.resources];
};
const shapeOf = (n: DiagramNode): string => {
    if (n.kind === "Internet") return "ellipse";
    if (n.kind === "Database" || n.kind === "DocumentDb" || n.kind === "Cache") return "cylinder";
    if (n.kind === "Bucket") return "folder";
    if (n.kind === "Queue") return "cds";
    return "box";
};

/**
 * Advance widths (in em) that bound the fonts a viewer may substitute for Helvetica (Arial,
 * Liberation Sans, DejaVu Sans — the widest of the common ones): Graphviz sizes boxes with
 * Helvetica's metrics, so a label drawn in a wider fallback font overflows its box. Each label is
 * measured with these and the box given at least that width.
 */
export function textWidthEm(text: string): number {
    let em = 0;
    for (const ch of text) {
        if (/[MWmw@%]/.test(ch)) em += 0.92;
        else if (/[A-Z#&]/.test(ch)) em += 0.74;
        else if (/[0-9a-z_?$]/.test(ch)) em += /[fijlrt]/.test(ch) ? 0.4 : 0.64;
        else if (/[ .,:;'|!()[\]/\-]/.test(ch)) em += 0.4;
        else em += 0.84; // ×, →, other symbols
    }
    return em;
}

/** Node label font size (points), as toDot sets it. */
const NODE_FONT_SIZE = 10;

/** The width (inches) a node needs for its widest label line in the widest fallback font, with the shape's margins. */
export function nodeWidthInches(n: DiagramNode): number {
    const widest = Math.max(...nodeLines(n).map(textWidthEm));
    const margin =
        n.kind === "Internet"
            ? 0.6
            : n.kind === "Database" || n.kind === "DocumentDb" || n.kind === "Cache" || n.kind === "Queue" || n.kind === "Bucket"
              ? 0.45
              : 0.3;
    return Math.max(0.75, (widest * NODE_FONT_SIZE) / 72 + margin);
}

/** Graphviz DOT of the picture. */
export function toDot(d: Diagram): string {
    const out: string[] = [
        "digraph tierform {",
        `  graph [rankdir=LR, compound=true, fontname="Helvetica", fontsize=14, labelloc=t, nodesep=0.3, ranksep=0.8, label=${dotString(d.title)}];`,
        `  node [fontname="Helvetica", fontsize=${NODE_FONT_SIZE}, style="rounded,filled", shape=box, fillcolor="#ffffff", color="#555555"];`,
        '  edge [fontname="Helvetica", fontsize=9, fontcolor="#444444"];',
    ];
    const nodeLine = (n: DiagramNode, fill: string) =>
        `${n.id} [label=${dotString(nodeLines(n).join("\n"))}, shape=${shapeOf(n)}, fillcolor=${dotString(fill)}, width=${nodeWidthInches(n).toFixed(2)}${n.kind === "Internet" ? ", style=filled" : ""}];`;
    for (const n of d.nodes.filter((x) => x.cluster === "internet")) out.push(`  ${nodeLine(n, "#ffffff")}`);
    for (const [id, title] of Object.entries(d.clusters) as [ClusterId, string][]) {
        const s = STYLE[id];
        out.push(`  subgraph cluster_${id} {`);
        out.push(
            `    label=${dotString(title)}; style="rounded,filled"; fillcolor=${dotString(s.fill)}; color=${dotString(s.border)}; fontcolor=${dotString(s.border)};`,
        );
        for (const n of d.nodes.filter((x) => x.cluster === id && !x.within)) {
            const hosted = d.nodes.filter((x) => x.within === n.id);
            if (!hosted.length) {
                out.push(`    ${nodeLine(n, s.node)}`);
                continue;
            }
            // One component serving several spec entities: they are drawn inside it.
            out.push(`    subgraph cluster_${n.id} {`);
            out.push(`      label=""; style="rounded,dashed"; color=${dotString(s.border)};`);
            for (const x of [n, ...hosted]) out.push(`      ${nodeLine(x, s.node)}`);
            out.push("    }");
        }
        out.push("  }");
    }
    for (const e of d.edges) {
        const tooltip =
            e.source === "spec"
                ? "from the system spec"
                : e.source === "graph"
                  ? "from the dependency graph"
                  : "from the system spec, confirmed by the dependency graph";
        const attrs = `${FLOW_STYLE[e.flow]}${e.label ? `, label=${dotString(e.label)}` : ""}, tooltip=${dotString(tooltip)}`;
        // Backups point at what they back up but are laid out after the data tier (reversed edge,
        // arrow kept); "watches" arrows do not pull the monitoring tier into the flow.
        if (e.flow === "backup") out.push(`  ${e.to} -> ${e.from} [${attrs}, dir=back];`);
        else out.push(`  ${e.from} -> ${e.to} [${attrs}${e.flow === "observe" ? ", constraint=false" : ""}];`);
    }
    out.push("}");
    return out.join("\n") + "\n";
}

const mermaidText = (s: string) => s.replace(/"/g, "#quot;").replace(/</g, "#lt;").replace(/>/g, "#gt;");
const MERMAID_ARROW: Record<Flow, string> = { traffic: "==>", data: "-->", backup: "-.->", replication: "-.->", observe: "-.->" };

/** Mermaid `flowchart LR` of the picture, tiers as subgraphs. */
export function toMermaid(d: Diagram): string {
    const node = (n: DiagramNode) => {
        const label = `"${nodeLines(n).map(mermaidText).join("<br/>")}"`;
        if (n.kind === "Internet") return `${n.id}((${label}))`;
        if (n.kind === "Database" || n.kind === "DocumentDb" || n.kind === "Cache") return `${n.id}[(${label})]`;
        if (n.kind === "Queue") return `${n.id}>${label}]`;
        return `${n.id}[${label}]`;
    };
    const out = ["flowchart LR", `  %% ${mermaidText(d.title)}`];
    for (const n of d.nodes.filter((x) => x.cluster === "internet")) out.push(`  ${node(n)}`);
    for (const [id, title] of Object.entries(d.clusters) as [ClusterId, string][]) {
        out.push(`  subgraph cluster_${id}["${mermaidText(title)}"]`);
        for (const n of d.nodes.filter((x) => x.cluster === id && !x.within)) {
            const hosted = d.nodes.filter((x) => x.within === n.id);
            if (!hosted.length) {
                out.push(`    ${node(n)}`);
                continue;
            }
            out.push(`    subgraph cluster_${n.id}[" "]`);
            for (const x of [n, ...hosted]) out.push(`      ${node(x)}`);
            out.push("    end");
        }
        out.push("  end");
    }
    for (const e of d.edges) out.push(`  ${e.from} ${MERMAID_ARROW[e.flow]}${e.label ? `|"${mermaidText(e.label)}"|` : ""} ${e.to}`);
    for (const [id, s] of Object.entries(STYLE)) if (id in d.clusters) out.push(`  style cluster_${id} fill:${s.fill},stroke:${s.border}`);
    return out.join("\n") + "\n";
}

/** What renders DOT: `Graphviz` of @hpcc-js/wasm-graphviz (load it once and reuse it; loading takes ~0.1 s). */
export interface DotRenderer {
    dot(dotSource: string, outputFormat?: "svg"): string;
}

/** Graphviz compiled to WebAssembly: no binary to install. */
export async function loadGraphviz(): Promise<DotRenderer> {
    const { Graphviz } = await import("@hpcc-js/wasm-graphviz");
    return Graphviz.load();
}

/** SVG of the picture. */
export function renderSvg(d: Diagram, graphviz: DotRenderer): string {
    return graphviz.dot(toDot(d), "svg");
}

/** The picture of a run with the stack config it ran with (as `npm run plan` has it). */
export function diagramOfRun(run: OfflineRun, config: Record<string, string>, stack: string): Diagram {
    const { system, settings } = loadStack(config);
    return buildDiagram(run, system, { stack, platform: settings.platform, region: config["aws:region"] });
}

/**
 * `npm run plan -- --diagram <file.svg> --mermaid <file.mmd>`: write the picture; returns the lines
 * to print.
 */
export async function writeDiagrams(
    run: OfflineRun,
    config: Record<string, string>,
    stack: string,
    files: { diagram?: string; mermaid?: string },
): Promise<string[]> {
    if (!files.diagram && !files.mermaid) return [];
    const d = diagramOfRun(run, config, stack);
    const written: string[] = [];
    const write = (file: string, text: string) => {
        fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
        fs.writeFileSync(file, text);
        written.push(`wrote ${file}`);
    };
    if (files.diagram) write(files.diagram, renderSvg(d, await loadGraphviz()));
    if (files.mermaid) write(files.mermaid, toMermaid(d));
    return written;
}
