/**
 * What a second `pulumi up` would do to what the first one created: two offline runs (before and
 * after a change) compared registration by registration (URN, or a URN an alias names), each
 * resource created, deleted, updated in place or replaced. A resource is replaced when an input
 * the provider cannot change in place changes ({@link FORCE_NEW}: the providers' `ForceNew` /
 * immutable fields of the stateful types the program creates) or one of its `replaceOnChanges`
 * paths does; an input under `ignoreChanges` is left as the cloud has it.
 *
 * Only the provider knows the previous state under a real `pulumi up`: what the program itself can
 * do is protect stateful prod resources (an update that would replace or delete one then fails,
 * naming it) and keep them on delete where the data outlives the stack. This module is how the
 * tests (test/offline/updates.test.ts) show that routine spec changes replace no stored data.
 */
import type { OfflineRun, PlannedResource } from "./engine";
import { specPathOf, type SpecElements } from "./policy-report";

/** One input path (dotted; `[]` stands for any element) whose change replaces a resource, with where it is documented. */
interface ForceNewTable {
    /** Input paths (Pulumi's camelCase names) whose change forces a replacement. */
    paths: string[];
    /** The provider schema or API reference that says so. */
    source: string;
    /** The type holds stored data (a database, volume, bucket, file system, key, secret): replacing or deleting it loses data. */
    holdsData: boolean;
    /** For a type that holds data: what to do instead of a change that would replace it (printed with the refusal). */
    instead?: string;
    /** Inputs that one spec field decides, by input path: the field under the element (`engine` of `databases.db`). */
    specFields?: Record<string, string>;
}

/** What to do instead of replacing a database: the same for RDS, DocumentDB and ElastiCache. */
const INSTEAD_DATABASE =
    "keep the field as it was; to move the data, add a second element with the new setting, restore a snapshot or dump into it, point the services' uses at it, and remove the old element in a later update";

const TF_AWS = "hashicorp/terraform-provider-aws internal/service";

/** Per resource type: the inputs whose change replaces it (see the module comment). */
export const FORCE_NEW: Record<string, ForceNewTable> = {
    "aws:rds/instance:Instance": {
        paths: [
            "availabilityZone",
            "characterSetName",
            "customIamInstanceProfile",
            "dbName",
            "engine",
            "identifier",
            "identifierPrefix",
            "kmsKeyId",
            "ncharCharacterSetName",
            "restoreToPointInTime",
            "snapshotIdentifier",
            "storageEncrypted",
            "timezone",
            "username",
        ],
        // db_subnet_group_name, storage_type and engine_version are modified in place (no ForceNew; read at 00e4b238).
        source: `${TF_AWS}/rds/instance.go (ForceNew)`,
        holdsData: true,
        instead: INSTEAD_DATABASE,
        specFields: { engine: "engine", dbName: "databaseName", username: "username", identifier: "(its name, or the system's)" },
    },
    "aws:rds/cluster:Cluster": {
        paths: [
            "availabilityZones",
            "clusterIdentifier",
            "clusterIdentifierPrefix",
            "databaseName",
            "dbSubnetGroupName",
            "engine",
            "engineMode",
            "kmsKeyId",
            "masterUsername",
            "snapshotIdentifier",
            "storageEncrypted",
        ],
        source: `${TF_AWS}/rds/cluster.go (ForceNew)`,
        holdsData: true,
        instead: INSTEAD_DATABASE,
    },
    "aws:docdb/cluster:Cluster": {
        paths: [
            "availabilityZones",
            "clusterIdentifier",
            "clusterIdentifierPrefix",
            "dbSubnetGroupName",
            "engine",
            "kmsKeyId",
            "masterUsername",
            "port",
            "restoreToPointInTime",
            "snapshotIdentifier",
            "storageEncrypted",
        ],
        // Read at 010e0435: port and restore_to_point_in_time are ForceNew too (they were missing here).
        source: `${TF_AWS}/docdb/cluster.go (ForceNew)`,
        holdsData: true,
        instead: INSTEAD_DATABASE,
        specFields: { masterUsername: "username", clusterIdentifier: "(its name, or the system's)" },
    },
    "aws:docdb/clusterInstance:ClusterInstance": {
        paths: ["availabilityZone", "clusterIdentifier", "engine", "identifier", "identifierPrefix"],
        source: `${TF_AWS}/docdb/cluster_instance.go (ForceNew)`,
        holdsData: false,
    },
    "aws:elasticache/replicationGroup:ReplicationGroup": {
        paths: [
            "atRestEncryptionEnabled",
            "dataTieringEnabled",
            "globalReplicationGroupId",
            "kmsKeyId",
            "networkType",
            "port",
            "replicationGroupId",
            "securityGroupNames",
            "snapshotArns",
            "snapshotName",
            "subnetGroupName",
        ],
        // Read at 001b6364: preferred_cache_cluster_azs is not ForceNew (it was listed here); network_type, security_group_names and
        // global_replication_group_id are. CustomizeDiff also replaces on an engine or engine_version downgrade, and on
        // transit_encryption_enabled below Redis 7.0.5 (the program sets it true from creation).
        source: `${TF_AWS}/elasticache/replication_group.go (ForceNew, CustomizeDiff)`,
        holdsData: true,
        instead: INSTEAD_DATABASE,
        specFields: { replicationGroupId: "(its name, or the system's)" },
    },
    "aws:efs/fileSystem:FileSystem": {
        paths: ["availabilityZoneName", "creationToken", "encrypted", "kmsKeyId", "performanceMode"],
        source: `${TF_AWS}/efs/file_system.go (ForceNew)`,
        holdsData: true,
        instead:
            "keep the field as it was; to move the files, add a second share, copy the files across (AWS DataSync or a task mounting both), then remove the old one",
    },
    "aws:s3/bucket:Bucket": {
        paths: ["bucket", "bucketPrefix", "objectLockEnabled"],
        source: `${TF_AWS}/s3/bucket.go (ForceNew)`,
        holdsData: true,
        instead:
            "keep the bucket's name; to move the objects, add a second bucket, copy them across (aws s3 sync, S3 Batch Replication), then remove the old one",
        specFields: { bucket: "(its name, or the system's)", bucketPrefix: "(its name, or the system's)" },
    },
    "aws:kms/key:Key": {
        paths: ["customKeyStoreId", "customerMasterKeySpec", "keyUsage", "multiRegion", "xksKeyId"],
        source: `${TF_AWS}/kms/key.go (ForceNew)`,
        holdsData: true,
    },
    "aws:backup/vault:Vault": {
        paths: ["kmsKeyArn", "name"],
        source: `${TF_AWS}/backup/vault.go (ForceNew)`,
        holdsData: true,
    },
    "aws:secretsmanager/secret:Secret": {
        paths: ["name", "namePrefix"],
        source: `${TF_AWS}/secretsmanager/secret.go (ForceNew)`,
        holdsData: true,
    },
    "aws:sqs/queue:Queue": {
        paths: ["fifoQueue", "name", "namePrefix"],
        source: `${TF_AWS}/sqs/queue.go (ForceNew)`,
        holdsData: true,
    },
    // terraform-provider-docker (which @pulumi/docker bridges) internal/provider/resource_docker_volume.go: every attribute ForceNew.
    "docker:index/volume:Volume": {
        paths: ["driver", "driverOpts", "labels", "name"],
        source: "kreuzwerker/terraform-provider-docker internal/provider/resource_docker_volume.go (every attribute ForceNew)",
        holdsData: true,
        instead:
            "keep the element's name and labels; to move the data, dump it from the running container first (docs/runbooks.md) and restore it after",
        specFields: { name: "(its name, or the system's)" },
    },
    // A container is replaced on almost any change (resource_docker_container.go marks nearly every attribute ForceNew);
    // it holds no data of its own (the volumes do), so its replacement is routine: listed so the diff says "replace".
    "docker:index/container:Container": {
        paths: ["*"],
        source: "kreuzwerker/terraform-provider-docker internal/provider/resource_docker_container.go (ForceNew but for a few limits)",
        holdsData: false,
    },
    // Kubernetes API validation: a StatefulSet's spec may change only in replicas, ordinals, template, updateStrategy,
    // persistentVolumeClaimRetentionPolicy and minReadySeconds (apps/validation ValidateStatefulSetUpdate).
    "kubernetes:apps/v1:StatefulSet": {
        paths: ["spec.volumeClaimTemplates", "spec.selector", "spec.serviceName", "spec.podManagementPolicy"],
        source: "kubernetes pkg/apis/apps/validation/validation.go ValidateStatefulSetUpdate (forbidden spec updates)",
        holdsData: false,
    },
    // A Job's pod template is immutable (batch/validation ValidateJobSpecUpdate): a changed Job is replaced.
    "kubernetes:batch/v1:Job": {
        paths: ["spec.template", "spec.selector", "spec.completions"],
        source: "kubernetes pkg/apis/batch/validation/validation.go ValidateJobSpecUpdate (template immutable)",
        holdsData: false,
    },
    // A claim's spec is immutable but for a larger resources.requests.storage (core/validation ValidatePersistentVolumeClaimUpdate).
    "kubernetes:core/v1:PersistentVolumeClaim": {
        paths: ["spec.accessModes", "spec.storageClassName", "spec.volumeName", "spec.selector", "spec.volumeMode", "metadata.name"],
        source: "kubernetes pkg/apis/core/validation/validation.go ValidatePersistentVolumeClaimUpdate",
        holdsData: true,
        instead: "keep the claim's name, class and access modes; only a larger size is applied in place",
    },
    // CloudNativePG resizes a cluster's volumes in place when the size grows (resizeInUseVolumes); the name identifies it.
    "kubernetes:postgresql.cnpg.io/v1:Cluster": {
        paths: ["metadata.name", "metadata.namespace"],
        source: "cloudnative-pg docs/src/storage.md (volume expansion in place)",
        holdsData: true,
        instead:
            "keep the database's name; to move the data, add a second database bootstrapped from the first (recovery from its backup), point the services at it, then remove the old one",
    },
};

/** What an update does to one resource. */
export type UpdateKind = "create" | "delete" | "update" | "replace";

/** One resource an update touches. */
export interface UpdateStep {
    urn: string;
    type: string;
    kind: UpdateKind;
    /** The changed input paths (not ignored), for update and replace. */
    changed: string[];
    /** The paths that force the replacement. */
    replacedBy: string[];
    /** Whether the resource holds data ({@link FORCE_NEW}). */
    holdsData: boolean;
    /** Protected: a real update fails on its replacement or deletion instead of carrying it out. */
    protect: boolean;
}

/**
 * The paths (Pulumi's property paths: `a.b[0].c`) at which two input values differ; arrays of the
 * same length element by element (so an `ignoreChanges` path into one element applies), others whole.
 */
export function changedPaths(a: unknown, b: unknown, path = ""): string[] {
    if (JSON.stringify(a) === JSON.stringify(b)) return [];
    const isObject = (v: unknown) => v !== null && typeof v === "object" && !Array.isArray(v);
    if (isObject(a) && isObject(b)) {
        const keys = new Set([...Object.keys(a as object), ...Object.keys(b as object)]);
        return [...keys].flatMap((k) =>
            changedPaths((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], path ? `${path}.${k}` : k),
        );
    }
    if (Array.isArray(a) && Array.isArray(b) && a.length === b.length && path)
        return a.flatMap((x, i) => changedPaths(x, b[i], `${path}[${i}]`));
    return [path || "(root)"];
}

/** A size that can only grow: the input path, the spec field it comes from, and who refuses a smaller one. */
interface GrowOnly {
    path: string;
    /** The field under the resource's spec element (`storageGb` of `databases.db`), where one decides it. */
    specField?: string;
    source: string;
}

/** Per resource type: the sizes a later update may only increase (a volume cannot shrink in place). */
export const GROW_ONLY: Record<string, GrowOnly[]> = {
    "kubernetes:core/v1:PersistentVolumeClaimPatch": [
        {
            path: "spec.resources.requests.storage",
            specField: "storageGb",
            source: "kubernetes core/validation ValidatePersistentVolumeClaimUpdate: 'field can not be less than previous value'",
        },
    ],
    "kubernetes:core/v1:PersistentVolumeClaim": [
        {
            path: "spec.resources.requests.storage",
            source: "kubernetes core/validation ValidatePersistentVolumeClaimUpdate: 'field can not be less than previous value'",
        },
    ],
    "kubernetes:postgresql.cnpg.io/v1:Cluster": [
        {
            path: "spec.storage.size",
            specField: "storageGb",
            source: "cloudnative-pg docs/src/storage.md: volumes are expanded, never shrunk",
        },
    ],
    "aws:rds/instance:Instance": [
        {
            path: "allocatedStorage",
            specField: "storageGb",
            source: "Amazon RDS User Guide USER_PIOPS.ModifyingExisting.html: the allocated storage cannot be reduced",
        },
    ],
};

/** A size in GiB from a Kubernetes quantity (`50Gi`, `1Ti`) or a number; undefined when unreadable. */
export function sizeGiB(value: unknown): number | undefined {
    if (typeof value === "number") return value;
    const m = typeof value === "string" ? /^(\d+(?:\.\d+)?)(Mi|Gi|Ti)?$/.exec(value) : null;
    return m ? Number(m[1]) * { Mi: 1 / 1024, Gi: 1, Ti: 1024 }[m[2] ?? "Gi"]! : undefined;
}

/** Whether `path` lies under `prefix` (or is it). */
const under = (path: string, prefix: string) =>
    prefix === "*" || path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`);

/**
 * The steps that take the resources of `before` to those of `after`: each URN of `after` matched
 * to `before` by URN or by one of its aliases. Components are skipped (they hold nothing).
 */
export function updateSteps(before: OfflineRun, after: OfflineRun): UpdateStep[] {
    const old = new Map(before.resources.filter((r) => r.custom).map((r) => [r.urn, r]));
    const matched = new Set<string>();
    const steps: UpdateStep[] = [];
    // A Docker config volume (`tierform.role=config`) holds only what its config-files step delivers again whenever the
    // container is created (a blue/green colour's replicas each have one, deleted with the old colour): no stored data.
    const deliveredOnly = (r: PlannedResource) =>
        r.type === "docker:index/volume:Volume" &&
        (r.inputs.labels ?? []).some((l: { label: string; value: string }) => l.label === "tierform.role" && l.value === "config");
    const table = (r: PlannedResource) => (deliveredOnly(r) ? { ...FORCE_NEW[r.type], holdsData: false } : FORCE_NEW[r.type]);
    for (const r of after.resources.filter((x) => x.custom)) {
        const prev = old.get(r.urn) ?? (r.options.aliasUrns ?? []).map((u) => old.get(u)).find(Boolean);
        const holdsData = table(r)?.holdsData ?? false;
        if (!prev) {
            steps.push({ urn: r.urn, type: r.type, kind: "create", changed: [], replacedBy: [], holdsData, protect: r.protect });
            continue;
        }
        matched.add(prev.urn);
        const ignored = r.options.ignoreChanges;
        const changed = changedPaths(prev.inputs, r.inputs).filter((p) => !ignored.some((i) => under(p, i)));
        if (changed.length === 0) continue;
        const forcing = [...(table(r)?.paths ?? []), ...r.options.replaceOnChanges];
        const replacedBy = changed.filter((p) => forcing.some((f) => under(p, f)));
        steps.push({
            urn: r.urn,
            type: r.type,
            kind: replacedBy.length > 0 ? "replace" : "update",
            changed,
            replacedBy,
            holdsData,
            protect: prev.protect,
        });
    }
    for (const r of old.values())
        if (!matched.has(r.urn))
            steps.push({
                urn: r.urn,
                type: r.type,
                kind: "delete",
                changed: [],
                replacedBy: [],
                holdsData: table(r)?.holdsData ?? false,
                protect: r.protect,
            });
    return steps;
}

/** The autoscalers of a workload: a HorizontalPodAutoscaler, or KEDA's ScaledObject (which owns an HPA of its own). */
const HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler";
const SCALED_OBJECT = "kubernetes:keda.sh/v1alpha1:ScaledObject";

/** The workload an autoscaler scales, as `<namespace>/<kind>/<name>` (KEDA's default kind is Deployment). */
const scaledWorkload = (r: PlannedResource): string =>
    `${r.inputs.metadata?.namespace ?? ""}/${r.inputs.spec?.scaleTargetRef?.kind ?? "Deployment"}/${r.inputs.spec?.scaleTargetRef?.name}`;

/**
 * What KEDA's admission webhook refuses during the update from `before` to `after`: a ScaledObject created while an HPA
 * it does not own still scales the same workload (kedacore/keda v2.20.2 apis/keda/v1alpha1/scaledobject_webhook.go,
 * verifyHpas; the offline engine's kubernetes-keda-scaled-object judges one run). Pulumi registers creations, and the
 * new half of a create-before-delete replacement, before it deletes what the program dropped (pulumi/pulumi
 * pkg/resource/deploy/step_generator.go: GenerateDeletes runs once the program has registered everything). A service that starts scaling on requests
 * takes its workload over from its HPA, so that only works as one logical resource, the ScaledObject aliasing the HPA,
 * replaced with deleteBeforeReplace. One line per refusal, naming both.
 */
export function autoscalerSwapRefusals(before: OfflineRun, after: OfflineRun): string[] {
    const kept = new Set(after.resources.map((r) => r.urn));
    const hpas = before.resources.filter((r) => r.type === HPA && !kept.has(r.urn));
    return after.resources
        .filter((r) => r.type === SCALED_OBJECT && !before.resources.some((b) => b.urn === r.urn))
        .flatMap((so) =>
            hpas
                .filter((hpa) => scaledWorkload(hpa) === scaledWorkload(so))
                .filter((hpa) => !((so.options.aliasUrns ?? []).includes(hpa.urn) && so.options.deleteBeforeReplace))
                .map(
                    (hpa) =>
                        `${so.urn}: KEDA refuses the ScaledObject: the HPA ${hpa.inputs.metadata?.name} (${hpa.urn}) still scales ${scaledWorkload(so)} when it is created, and is deleted only after`,
                ),
        );
}

/** The steps that would lose stored data: a data-holding resource replaced or deleted. */
export function dataLosingSteps(steps: UpdateStep[]): UpdateStep[] {
    return steps.filter((s) => s.holdsData && (s.kind === "replace" || s.kind === "delete"));
}

/** A field a service rewrites after the first up, on the resources it applies to, with why. */
interface Rewrite {
    type: string;
    /** The input path the service rewrites. */
    path: string;
    /** Whether the service rewrites it on this resource of the run. */
    applies: (r: PlannedResource, run: OfflineRun) => boolean;
    /** Who rewrites it, and where that is documented. */
    reason: string;
}

/** The backup-plan tag values whose AWS Backup plan has a continuous (point-in-time) rule. */
function continuousBackupTags(run: OfflineRun): Set<string> {
    const plans = new Set(
        run.resources
            .filter((p) => p.type === "aws:backup/plan:Plan" && (p.inputs.rules ?? []).some((x: any) => x.enableContinuousBackup))
            .map((p) => `${p.name}-id`),
    );
    return new Set(
        run.resources
            .filter((s) => s.type === "aws:backup/selection:Selection" && plans.has(s.inputs.planId))
            .flatMap((s) => (s.inputs.selectionTags ?? []).map((t: any) => t.value)),
    );
}

/**
 * The fields AWS (or ECS, or Application Auto Scaling) rewrites after the first up: the program must
 * either set them to what they become or ignore them, or every later update resets them.
 */
export const REWRITES: Rewrite[] = [
    ...["backupWindow", "backupRetentionPeriod"].map((path): Rewrite => ({
        type: "aws:rds/instance:Instance",
        path,
        applies: (r, run) => continuousBackupTags(run).has(r.inputs.tags?.["backup-plan"]),
        reason: "AWS Backup's continuous rule manages the instance's automated backups (aws-backup devguide point-in-time-recovery.html)",
    })),
    {
        type: "aws:ecs/service:Service",
        path: "desiredCount",
        applies: (r, run) =>
            run.resources.some(
                (t) =>
                    t.type === "aws:appautoscaling/target:Target" &&
                    String(t.inputs.resourceId ?? "").endsWith(`/${r.inputs.name ?? r.name}`),
            ),
        reason: "Application Auto Scaling sets the service's desired count (AmazonECS developerguide service-auto-scaling.html)",
    },
    ...["loadBalancers[0].targetGroupArn", "loadBalancers[0].advancedConfiguration.alternateTargetGroupArn"].map((path) => ({
        type: "aws:ecs/service:Service",
        path,
        applies: (r: PlannedResource) => ["BLUE_GREEN", "CANARY", "LINEAR"].includes(r.inputs.deploymentConfiguration?.strategy),
        reason: "ECS swaps the primary and alternate target groups at each blue/green or canary deployment (deployment-type-blue-green.html)",
    })),
    {
        type: "aws:lb/listenerRule:ListenerRule",
        path: "actions",
        applies: (r) => (r.inputs.actions ?? []).some((a: any) => (a.forward?.targetGroups ?? []).length > 1),
        reason: "ECS shifts the forward weights of a blue/green or canary service's rule (deployment-type-blue-green.html)",
    },
];

/**
 * The inputs of a run's resources that a later update would reset after AWS rewrote them: for each
 * {@link REWRITES} entry that applies, the path unless the resource ignores it. Empty when no
 * update after the first would show a change for unchanged input.
 */
export function perpetualDiffs(run: OfflineRun): string[] {
    const out: string[] = [];
    for (const r of run.resources) {
        for (const w of REWRITES) {
            if (w.type !== r.type || !w.applies(r, run)) continue;
            if (!r.options.ignoreChanges.some((i) => under(w.path, i))) out.push(`${r.type} ${r.name}: ${w.path} (${w.reason})`);
        }
    }
    return out;
}

/** One resource of a plan file (`npm run plan -- --json`): what a later comparison reads back. */
export interface PlanFileResource {
    urn: string;
    type: string;
    name: string;
    parent: string | null;
    custom: boolean;
    protect: boolean;
    retainOnDelete: boolean;
    /** The spec element the resource was built for, where one is known (`databases.db`). */
    spec?: string | null;
    /** Inputs with secret values redacted. */
    inputs: Record<string, any>;
}

/** A plan file as `npm run plan -- --json` writes it: the fields a later `--against` reads. */
export interface PlanFile {
    stack: string;
    resources: PlanFileResource[];
}

/** A plan file as a run (inputs as redacted as the file has them), to compare with {@link updateSteps}. */
export function runOfPlanFile(file: PlanFile): OfflineRun {
    const resources: PlannedResource[] = file.resources.map((r) => ({
        urn: r.urn,
        type: r.type,
        name: r.name,
        parent: r.parent ?? undefined,
        custom: r.custom,
        protect: r.protect,
        retainOnDelete: r.retainOnDelete,
        dependencies: [],
        options: { ignoreChanges: [], replaceOnChanges: [], deleteBeforeReplace: false, replaceWith: [], customTimeouts: {}, aliases: 0 },
        inputs: r.inputs ?? {},
        redacted: r.inputs ?? {},
        secretPaths: [],
    }));
    return { project: "", stack: file.stack, resources, outputs: {}, secretOutputs: [], messages: [] };
}

/** A run with the inputs a plan file would hold: secret values redacted, so both sides of a comparison read alike. */
function asPlanFile(run: OfflineRun): OfflineRun {
    return { ...run, resources: run.resources.map((r) => ({ ...r, inputs: r.redacted })) };
}

/** The value at a dotted path of `changedPaths` (`a.b[2]` is not produced: arrays compare whole). */
function valueAt(obj: unknown, path: string): unknown {
    return path
        .replace(/\[(\d+)\]/g, ".$1")
        .split(".")
        .reduce<unknown>((v, k) => (v && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined), obj);
}

const shown = (v: unknown) => (v === undefined ? "(unset)" : JSON.stringify(v).slice(0, 80));

/** What a comparison of a deployment's plan file with the current plan found. */
export interface AgainstReport {
    /** One line per resource replaced or deleted, and a count of the rest. */
    lines: string[];
    /** One line per change that would replace or delete stored data: the spec path, what changes, what to do instead. */
    refused: string[];
}

/**
 * The current plan (`after`) compared with the plan file of the deployment it would update: every
 * replacement and deletion named by the spec path it stems from and the inputs that force it, and a
 * refusal for each that would replace or delete a resource holding data ({@link FORCE_NEW}).
 */
export function againstPlanFile(file: PlanFile, after: OfflineRun, spec: SpecElements): AgainstReport {
    const before = runOfPlanFile(file);
    const steps = updateSteps(before, asPlanFile(after));
    const beforeByUrn = new Map(before.resources.map((r) => [r.urn, r]));
    const recorded = new Map(file.resources.map((r) => [r.urn, r.spec ?? undefined]));
    const afterByUrn = new Map(after.resources.map((r) => [r.urn, r]));
    const lines: string[] = [];
    const refused: string[] = [];
    for (const s of steps.filter((x) => x.kind === "replace" || x.kind === "delete")) {
        const r = s.kind === "delete" ? beforeByUrn.get(s.urn)! : afterByUrn.get(s.urn)!;
        // A deleted resource's spec path is the one the plan file recorded (the later spec may no longer have the element).
        const element = s.kind === "delete" ? recorded.get(s.urn) : specPathOf(r, afterByUrn, spec);
        const prev = s.kind === "delete" ? r : (before.resources.find((b) => b.urn === s.urn) ?? r);
        const table = FORCE_NEW[s.type];
        const what = `${s.type} ${r.name}`;
        const fields = s.replacedBy.map((p) => {
            const field = table?.specFields?.[p];
            const at = element && field ? (field.startsWith("(") ? `${element} ${field}` : `${element}.${field}`) : p;
            return `${at}: ${shown(valueAt(prev.inputs, p))} → ${shown(valueAt(r.redacted, p))}`;
        });
        const where = element ?? "(no one spec element)";
        const why =
            s.kind === "delete"
                ? "no longer in the plan (removed or renamed)"
                : `replaced for ${fields.join("; ")} (${table?.source ?? "replaceOnChanges"})`;
        lines.push(`  ${s.kind.padEnd(7)} ${where}: ${what}, ${why}${s.protect ? " [protected]" : ""}`);
        if (s.holdsData)
            refused.push(
                `${where}: ${what} holds data and would be ${s.kind === "delete" ? "deleted" : "replaced by an empty one"}: ${why}. ` +
                    `Instead: ${s.kind === "delete" ? "keep the element (and its name), or back it up and remove it knowingly with pulumi destroy --target" : (table?.instead ?? "keep the field as it was")}.`,
            );
    }
    // A size that would shrink: the provider or the API server refuses it mid-update; say so now.
    for (const s of steps.filter((x) => x.kind === "update" || x.kind === "replace")) {
        const r = afterByUrn.get(s.urn)!;
        const prev = beforeByUrn.get(s.urn);
        for (const g of GROW_ONLY[s.type] ?? []) {
            if (!prev || !s.changed.includes(g.path)) continue;
            const [was, now] = [valueAt(prev.inputs, g.path), valueAt(r.redacted, g.path)];
            const [a, b] = [sizeGiB(was), sizeGiB(now)];
            if (a === undefined || b === undefined || b >= a) continue;
            const element = specPathOf(r, afterByUrn, spec);
            const where = element && g.specField ? `${element}.${g.specField}` : (element ?? "(no one spec element)");
            refused.push(
                `${where}: ${shown(was)} → ${shown(now)} would shrink ${s.type} ${r.name} (${g.path}), which cannot be made smaller (${g.source}). ` +
                    "Instead: keep the size; to use less, move the data to a new, smaller element and remove the old one.",
            );
        }
    }
    refused.push(...majorUpgradesOverKeptData(steps, beforeByUrn, afterByUrn, spec));
    const counts = (["create", "update"] as const).map((k) => `${steps.filter((x) => x.kind === k).length} to ${k}`).join(", ");
    lines.unshift(`Changes against the deployment's plan file: ${counts}, ${lines.length} to replace or delete${lines.length ? ":" : "."}`);
    return { lines, refused };
}

/** The major version of an image reference's tag (`postgres:16.15-alpine@sha256:…` → 16); undefined without one. */
export function imageMajor(image: unknown): number | undefined {
    const tag = typeof image === "string" ? /:(\d+)[.\d]*[^:@/]*(?:@sha256:[0-9a-f]+)?$/.exec(image) : null;
    return tag ? Number(tag[1]) : undefined;
}

/**
 * A PostgreSQL server container re-created on another major version over the volume it keeps: the
 * Docker volume holds data written by the old major, which the new server refuses to start on
 * ("database files are incompatible with server"; postgresql.org docs/current/upgrading.html: a
 * major upgrade is a dump and restore or pg_upgrade, never a new binary over the old directory).
 * The container holds no data and its replacement is routine, so only its image says this.
 */
function majorUpgradesOverKeptData(
    steps: UpdateStep[],
    beforeByUrn: Map<string, PlannedResource>,
    afterByUrn: Map<string, PlannedResource>,
    spec: SpecElements,
): string[] {
    const label = (r: PlannedResource, name: string) => (r.inputs.labels ?? []).find((l: any) => l.label === name)?.value;
    const refused: string[] = [];
    for (const s of steps.filter((x) => x.type === "docker:index/container:Container" && (x.kind === "update" || x.kind === "replace"))) {
        const [prev, r] = [beforeByUrn.get(s.urn), afterByUrn.get(s.urn)];
        if (!prev || !r || label(r, "tierform.tier") !== "database" || label(r, "tierform.engine") !== "postgres") continue;
        const [was, now] = [imageMajor(prev.inputs.image), imageMajor(r.redacted.image)];
        if (was === undefined || now === undefined || was === now) continue;
        const element = specPathOf(r, afterByUrn, spec) ?? `databases.${label(r, "tierform.datastore")}`;
        refused.push(
            `${element}.version: ${was} → ${now} re-creates ${r.name} on PostgreSQL ${now} over the volume PostgreSQL ${was} wrote, ` +
                "which the new server refuses to start on (postgresql.org docs/current/upgrading.html). " +
                "Instead: keep the version; to upgrade, restore a backup into a new database element on the new version, " +
                "move the services' uses to it, then remove the old one.",
        );
    }
    return refused;
}
