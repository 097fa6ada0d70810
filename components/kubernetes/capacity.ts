/**
 * What a staging deployment asks of its cluster before it starts, computed once from the
 * Kubernetes objects the program registers (their manifests, as the API server receives them):
 *
 * - **CPU and memory requests** of the long-running pods: each Deployment × its floor (`replicas`,
 *   else its HPA's `minReplicas` or its KEDA ScaledObject's `minReplicaCount`), each StatefulSet ×
 *   `replicas`, each Argo Rollouts Rollout × its floor with its Deployment's pod template (the
 *   Deployment itself at 0 once Argo scales it down; a blue-green runs a second full set while it rolls out, a canary its
 *   step's share, not counted here), each CloudNativePG Cluster × `instances` (the postgres container plus the Barman
 *   Cloud plugin's sidecar, `instanceSidecarConfiguration` of its ObjectStore). A pod requests the
 *   larger of its containers' sum and its largest init container (Kubernetes "Resource sharing
 *   within containers": the effective init request). The scheduler places a pod only on a node with
 *   that much unrequested, so these totals are what the nodes must have free.
 * - **One-shot pods** (Jobs, CronJobs: backups, migrations, bucket setup): counted apart, by the
 *   largest; they come and go.
 * - **Storage**: every claim — PVCs, StatefulSet `volumeClaimTemplates` × replicas, each Cluster's
 *   `storage` and `walStorage` × instances — by access mode (ReadWriteMany claims need
 *   `tierform:sharedStorageClass`).
 *
 * The operators a stack installs (Helm releases) bring their own pods, not counted here.
 */

/** A registered Kubernetes object: its manifest (apiVersion, kind, metadata, spec). */
export interface KubeObject {
    /** `kind` of the manifest. */
    kind: string;
    /** `metadata` (name, namespace). */
    metadata?: { name?: string; namespace?: string };
    /** `spec` of the manifest. */
    spec?: any;
}

/** One pod kind the deployment runs: what each copy requests and how many run. */
export interface PodDemand {
    /** `<Kind>/<name>` of the object that makes the pods. */
    owner: string;
    /** Copies that always run (the floor). */
    copies: number;
    /** Millicores one copy requests. */
    cpuMillis: number;
    /** MiB one copy requests. */
    memoryMi: number;
}

/** One claim of storage. */
export interface ClaimDemand {
    /** `<Kind>/<name>` of the object that claims it, with the template or volume name. */
    owner: string;
    /** GiB per claim. */
    gi: number;
    /** How many such claims (replicas, instances). */
    copies: number;
    /** ReadWriteMany (a shared file system) or not. */
    shared: boolean;
}

/** What the deployment needs from the cluster ({@link kubernetesCapacity}). */
export interface Capacity {
    /** Long-running pods. */
    pods: PodDemand[];
    /** One-shot pods (Jobs, CronJobs). */
    jobs: PodDemand[];
    /** Storage claims. */
    claims: ClaimDemand[];
    /** Sum of the long-running pods' CPU requests (millicores). */
    cpuMillis: number;
    /** Sum of the long-running pods' memory requests (MiB). */
    memoryMi: number;
    /** The long-running pod with the largest memory request (then CPU): the node size it needs. */
    largestPod?: PodDemand;
    /** The one-shot pod with the largest request. */
    largestJob?: PodDemand;
    /** Total GiB of all claims. */
    storageGi: number;
    /** GiB of ReadWriteMany claims. */
    sharedGi: number;
    /** The largest single claim. */
    largestClaim?: ClaimDemand;
}

/** Millicores of a CPU quantity ("500m", "2", 0.5). */
export function cpuMillis(q: unknown): number {
    if (q === undefined || q === null || q === "") return 0;
    const s = String(q);
    return s.endsWith("m") ? Number(s.slice(0, -1)) : Math.round(Number(s) * 1000);
}

const BINARY: Record<string, number> = { Ki: 1 / 1024, Mi: 1, Gi: 1024, Ti: 1024 * 1024 };
const DECIMAL: Record<string, number> = { k: 1e3, M: 1e6, G: 1e9, T: 1e12 };

/** MiB of a memory or storage quantity ("512Mi", "20Gi", "1G", 1048576). */
export function mebibytes(q: unknown): number {
    if (q === undefined || q === null || q === "") return 0;
    const m = /^([0-9.]+)([KMGT]i|[kMGT])?$/.exec(String(q));
    if (!m) throw new Error(`not a Kubernetes quantity: ${String(q)}`);
    const n = Number(m[1]);
    if (!m[2]) return n / (1024 * 1024);
    return m[2] in BINARY ? n * BINARY[m[2]] : (n * DECIMAL[m[2]]) / (1024 * 1024);
}

/** CPU (millicores) and memory (MiB) one pod of `podSpec` requests: containers summed, or the largest init container if more. */
export function podRequests(podSpec: any, extra: { cpuMillis: number; memoryMi: number } = { cpuMillis: 0, memoryMi: 0 }) {
    const req = (c: any) => ({ cpu: cpuMillis(c.resources?.requests?.cpu), mem: mebibytes(c.resources?.requests?.memory) });
    const main = (podSpec?.containers ?? []).map(req).reduce((a: any, b: any) => ({ cpu: a.cpu + b.cpu, mem: a.mem + b.mem }), {
        cpu: extra.cpuMillis,
        mem: extra.memoryMi,
    });
    const init = (podSpec?.initContainers ?? []).map(req);
    return {
        cpuMillis: Math.max(main.cpu, ...init.map((i: any) => i.cpu)),
        memoryMi: Math.max(main.mem, ...init.map((i: any) => i.mem)),
    };
}

const gi = (q: unknown) => mebibytes(q) / 1024;
const larger = (a: PodDemand, b: PodDemand): PodDemand =>
    b.memoryMi > a.memoryMi || (b.memoryMi === a.memoryMi && b.cpuMillis > a.cpuMillis) ? b : a;

/** What `objects` (every registered Kubernetes object of a stack) ask of the cluster; see the module doc. */
export function kubernetesCapacity(objects: KubeObject[]): Capacity {
    const key = (o: KubeObject) => `${o.metadata?.namespace ?? ""}/${o.metadata?.name ?? ""}`;
    const scalers = new Map<string, number>();
    for (const o of objects) {
        const target = o.spec?.scaleTargetRef?.name;
        if (!target) continue;
        const floor = o.kind === "ScaledObject" ? Number(o.spec.minReplicaCount ?? 0) : Number(o.spec.minReplicas ?? 1);
        scalers.set(`${o.metadata?.namespace ?? ""}/${target}`, floor);
    }
    const stores = new Map(objects.filter((o) => o.kind === "ObjectStore").map((o) => [key(o), o]));
    // A Deployment a Rollout runs: Argo Rollouts scales it to 0 once the Rollout is healthy (workloadRef scaleDown).
    const underRollout = new Set(
        objects
            .filter((o) => o.kind === "Rollout" && o.spec?.workloadRef?.kind === "Deployment")
            .map((o) => `${o.metadata?.namespace ?? ""}/${o.spec.workloadRef.name}`),
    );
    const pods: PodDemand[] = [];
    const jobs: PodDemand[] = [];
    const claims: ClaimDemand[] = [];
    for (const o of objects) {
        const owner = `${o.kind}/${o.metadata?.name}`;
        const s = o.spec ?? {};
        if (o.kind === "Rollout" && s.workloadRef?.kind === "Deployment") {
            // Argo Rollouts (rollout.ts): the Rollout runs the referenced Deployment's template; the Deployment is scaled to 0.
            const workload = objects.find(
                (d) => d.kind === "Deployment" && key(d) === `${o.metadata?.namespace ?? ""}/${s.workloadRef.name}`,
            );
            pods.push({ owner, copies: s.replicas ?? scalers.get(key(o)) ?? 1, ...podRequests(workload?.spec?.template?.spec) });
        } else if ((o.kind === "Deployment" && s.replicas !== 0 && !underRollout.has(key(o))) || o.kind === "StatefulSet") {
            const copies = s.replicas ?? scalers.get(key(o)) ?? 1;
            pods.push({ owner, copies, ...podRequests(s.template?.spec) });
            for (const t of s.volumeClaimTemplates ?? [])
                claims.push({
                    owner: `${owner} ${t.metadata?.name}`,
                    gi: gi(t.spec?.resources?.requests?.storage),
                    copies,
                    shared: (t.spec?.accessModes ?? []).includes("ReadWriteMany"),
                });
        } else if (o.kind === "Cluster" && s.instances !== undefined) {
            // CloudNativePG: the postgres container, plus the Barman Cloud sidecar of the ObjectStore its plugin names.
            const storeName = (s.plugins ?? []).find((p: any) => p.parameters?.barmanObjectName)?.parameters.barmanObjectName;
            const sidecar = stores.get(`${o.metadata?.namespace ?? ""}/${storeName}`)?.spec?.instanceSidecarConfiguration?.resources;
            const copies = Number(s.instances);
            const requests = podRequests(
                { containers: [{ resources: s.resources }] },
                { cpuMillis: cpuMillis(sidecar?.requests?.cpu), memoryMi: mebibytes(sidecar?.requests?.memory) },
            );
            pods.push({ owner, copies, ...requests });
            if (s.storage?.size) claims.push({ owner: `${owner} storage`, gi: gi(s.storage.size), copies, shared: false });
            if (s.walStorage?.size) claims.push({ owner: `${owner} walStorage`, gi: gi(s.walStorage.size), copies, shared: false });
        } else if (o.kind === "Job" || o.kind === "CronJob") {
            const template = o.kind === "Job" ? s.template : s.jobTemplate?.spec?.template;
            jobs.push({ owner, copies: 1, ...podRequests(template?.spec) });
        } else if (o.kind === "PersistentVolumeClaim") {
            claims.push({
                owner,
                gi: gi(s.resources?.requests?.storage),
                copies: 1,
                shared: (s.accessModes ?? []).includes("ReadWriteMany"),
            });
        }
    }
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    const running = pods.filter((p) => p.copies > 0);
    return {
        pods,
        jobs,
        claims,
        cpuMillis: sum(pods.map((p) => p.cpuMillis * p.copies)),
        memoryMi: sum(pods.map((p) => p.memoryMi * p.copies)),
        largestPod: running.length ? running.reduce(larger) : undefined,
        largestJob: jobs.length ? jobs.reduce(larger) : undefined,
        storageGi: sum(claims.map((c) => c.gi * c.copies)),
        sharedGi: sum(claims.filter((c) => c.shared).map((c) => c.gi * c.copies)),
        largestClaim: claims.length ? claims.reduce((a, b) => (b.gi > a.gi ? b : a)) : undefined,
    };
}
