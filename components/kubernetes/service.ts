/**
 * The app tier on Kubernetes: per service a Deployment, and for `web` services a ClusterIP
 * Service; an autoscaling/v2 HPA on CPU and memory within the spec's replica range (a KEDA
 * ScaledObject when the service also scales on requests); a
 * PodDisruptionBudget; the spec's liveness/readiness probes; requests = limits; a restricted-PSA
 * security context (non-root uid from the spec, no privilege escalation, read-only root with an
 * emptyDir per writable path — `writablePaths` and /tmp, where HOME is (plan/service.ts
 * writablePathsOf) — all capabilities dropped, seccomp RuntimeDefault); topology spread over nodes
 * and zones; the spec's rolling update; no service-account token.
 *
 * - **Workers** are Deployments without a Service. **Schedulers** (Celery beat) are one-replica
 *   StatefulSets without a Service: a Deployment, even with `Recreate`, starts a replacement as
 *   soon as a pod is evicted, deleted or its node stops answering, while the old one may still
 *   run (two beats fire every task twice); the StatefulSet controller creates `<name>-0` again
 *   only once the old pod is gone, so a scheduler never runs twice at once. The price: on a node
 *   that stops answering, the scheduler waits for the node (or an operator's force-delete).
 * - **Probes**: the plan's checks (HTTP for web services, `health.command` as exec, one set of
 *   exec timings); a worker or scheduler with neither gets the PID-1 check of {@link workloadProbes}.
 * - **Environment**: the spec's `env` as plain values; connection URLs (`DATABASE_URL`,
 *   `REDIS_URL`, ...) by `secretKeyRef` to the service's `<service>-connections` Secret;
 *   generated secrets (`SECRET_KEY`, ...) by `secretKeyRef` to the system's `app-secrets` Secret.
 * - **Scaling** follows the plan's signals (plan/service.ts `scalingOf`): CPU/memory only → an HPA;
 *   with `requestsPerMinute` (MDC's backend, Asset Management's api) a KEDA `ScaledObject`
 *   ({@link scaledObjectSpec}) with a Prometheus trigger on the edge's request rate and the CPU and
 *   memory targets the spec gives, instead of a plain HPA; KEDA owns the HPA it creates.
 * - **blueGreen/canary** of a routed web service: an Argo Rollouts `Rollout` (rollout.ts) runs the
 *   plan's schedule with the Deployment as its `workloadRef`; the Deployment holds the pod template
 *   at 0 replicas and the HPA or ScaledObject scales the Rollout. An unrouted one (no traffic to
 *   shift) rolls: a surge of new pods before any old one goes (blue/green: `maxSurge: 100%`; canary:
 *   the first step's percentage), with `maxUnavailable: 0`.
 * - **Shared files** (`mounts`): the share's ReadWriteMany claim (files.ts) at each mount's path and `subPath`.
 * - **command**: the spec's `command` (and `migrate.command`) become the container's `args`, which
 *   replace the image's CMD and keep its ENTRYPOINT, as `command` does on Docker and on ECS
 *   (https://kubernetes.io/docs/tasks/inject-data-application/define-command-argument-container/#notes:
 *   `command` would replace the ENTRYPOINT, skipping an image's entrypoint script on Kubernetes only).
 * - **migrate**: a Job running the command with the new image, which the Deployment waits for; its
 *   name carries a hash of image and command, so each new version migrates once.
 * - While an HPA manages a Deployment, `spec.replicas` is left out (else every `pulumi up` would
 *   reset the HPA's scale); the HPA's `minReplicas` brings it up.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type * as k8sTypes from "@pulumi/kubernetes/types/input";
import { DEFAULT_PORTS } from "../shared/connection";
import { CNPG_POSTGRES_IMAGES } from "../shared/images";
import { KUBERNETES_CA_DIR, replacementBatch, type DatastoreSpecs, type HealthCheck, type ServicePlan } from "../../plan";
import type { DatastoreBinding } from "../contract";
import { connectionValues } from "../shared/binding";
import { logicalName, meta, podLabels, selectorOf, serviceHost, type KubeContext } from "./context";
import { AMBIENT_LABEL } from "./mesh";
import { execProbe, restrictedContainer, restrictedPodSpec, topologySpread, versionedJob, writableVolumes } from "./pods";
import { APP_SECRETS, componentSecret, secretEnv } from "./secrets";
import { s3Env } from "./object-store";
import { shareMounts } from "./files";
import { httpRouteName, requestRateQuery } from "./edge";
import { createRollout, rolloutCheckComponent, ROLLOUTS_API, runsOnArgo, type AlbTargetGroup } from "./rollout";
import { PROMETHEUS_URL } from "./operators";

export { APP_SECRETS } from "./secrets";

/** The Deployment strategy of a service's rollout plan: its replacement batch (plan `replacementBatch`; a canary surges its first step's weight). */
export function deploymentStrategy(r: Pick<ServicePlan["rollout"], "strategy" | "steps" | "rolling">): k8sTypes.apps.v1.DeploymentStrategy {
    return { type: "RollingUpdate", rollingUpdate: replacementBatch(r) };
}

/** CPU and memory utilisation targets (percent) of the plan's scaling signals. */
export function resourceTargets(plan: ServicePlan): { name: "cpu" | "memory"; percent: number }[] {
    const targets: { name: "cpu" | "memory"; percent: number }[] = [];
    if (plan.scaling.cpuPercent !== undefined) targets.push({ name: "cpu", percent: plan.scaling.cpuPercent });
    if (plan.scaling.memoryPercent !== undefined) targets.push({ name: "memory", percent: plan.scaling.memoryPercent });
    return targets;
}

/** HPA metrics of a service: its {@link resourceTargets} as Resource metrics. */
export function hpaMetrics(plan: ServicePlan): k8sTypes.autoscaling.v2.MetricSpec[] {
    return resourceTargets(plan).map((t) => ({
        type: "Resource",
        resource: { name: t.name, target: { type: "Utilization", averageUtilization: t.percent } },
    }));
}

/**
 * A probe of a plan's check. HTTP presents the check's host as its Host header: the kubelet
 * otherwise sends the pod IP, which an app's host check (Django `ALLOWED_HOSTS`,
 * https://docs.djangoproject.com/en/5.2/ref/settings/#allowed-hosts) answers with 400, so
 * readiness never passes. Kubernetes sets the Host from `httpHeaders`
 * (https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/#http-probes).
 */
function probeOf(check: HealthCheck): k8sTypes.core.v1.Probe {
    if (check.type === "exec")
        return execProbe(check.command, check.initialDelaySeconds, check.periodSeconds, check.timeoutSeconds, check.failureThreshold);
    return {
        httpGet: { path: check.path, port: "http", scheme: "HTTP", httpHeaders: [{ name: "Host", value: check.host }] },
        initialDelaySeconds: check.initialDelaySeconds,
        periodSeconds: check.periodSeconds,
        timeoutSeconds: check.timeoutSeconds,
        failureThreshold: check.failureThreshold,
    };
}

/**
 * Probes of a service: the plan's liveness and readiness checks (HTTP or exec). A worker or
 * scheduler without a check, which has no port to probe, gets an exec check that its main process
 * (PID 1) is alive and running (not a zombie or stopped): little more than the kubelet's own
 * restart-on-exit, but it restarts a hung PID 1 (state `T`/`Z`). Needs `/bin/sh` in the image.
 */
export function workloadProbes(plan: ServicePlan): Pick<k8sTypes.core.v1.Container, "livenessProbe" | "readinessProbe"> {
    const { liveness, readiness } = plan.health;
    const alive = (initialDelaySeconds: number): k8sTypes.core.v1.Probe => ({
        exec: { command: ["/bin/sh", "-c", "! grep -qE '^State:[[:space:]]+[TZ]' /proc/1/status"] },
        initialDelaySeconds,
        periodSeconds: 30,
        timeoutSeconds: 5,
        failureThreshold: 3,
    });
    const fallback = plan.kind !== "web";
    const livenessProbe = liveness ? probeOf(liveness) : fallback ? alive(30) : undefined;
    const readinessProbe = readiness ? probeOf(readiness) : fallback ? alive(5) : undefined;
    return { ...(livenessProbe ? { livenessProbe } : {}), ...(readinessProbe ? { readinessProbe } : {}) };
}

/**
 * Init containers of a migration Job that wait for each PostgreSQL database the service uses to
 * accept connections (`pg_isready` from the cluster's own CloudNativePG image, up to 15 minutes).
 * The Cluster's `pulumi.com/waitFor` already holds the Job back until the operator reports Ready;
 * this covers a primary restarting or failing over between that and the migration.
 */
export function waitForDatabases(
    ctx: KubeContext,
    service: Pick<ServicePlan, "uses" | "runAsUser">,
    bindings?: Record<string, DatastoreBinding>,
): k8sTypes.core.v1.Container[] {
    const database = (u: string) => {
        const d = ctx.system.datastores[u];
        return d?.kind === "database" ? (d.spec as DatastoreSpecs["database"]) : undefined;
    };
    return (
        service.uses
            .map(database)
            .filter((db): db is DatastoreSpecs["database"] => db?.engine === "postgres")
            // A database whose binding has nothing to wait for is a managed service that exists once created (RDS on the EKS placement).
            .filter((db) => !bindings || (bindings[db.name]?.ready ?? []).length > 0)
            .map((db) =>
                restrictedContainer(
                    service.runAsUser,
                    service.runAsUser,
                    { cpu: 0.1, memoryMb: 64 },
                    {
                        name: `wait-for-${db.name}`,
                        image: CNPG_POSTGRES_IMAGES[db.version.split(".")[0]],
                        command: [
                            "sh",
                            "-c",
                            `for i in $(seq 1 450); do pg_isready -q -t 5 -h ${serviceHost(`${db.name}-rw`, ctx.namespaceName)} -p ${DEFAULT_PORTS.postgres} -U ${db.username} -d ${db.databaseName} && exit 0; sleep 2; done; echo '${db.name} not ready'; exit 1`,
                        ],
                    },
                ),
            )
    );
}

/**
 * The KEDA `ScaledObject` of a service that scales on requests (`autoscaling.requestsPerMinute`):
 * KEDA creates and owns the HPA (`keda-hpa-<name>`) with three metrics, the highest proposal wins:
 *
 * - `prometheus`: the edge's requests per minute to the service ({@link requestRateQuery}) with
 *   `threshold` = the spec's target *per replica* (KEDA's default `AverageValue` metric type divides
 *   the query's value by the replica count; https://keda.sh/docs/latest/scalers/prometheus/), or
 *   `requestTrigger`'s where the edge is not Envoy Gateway (the EKS placement's target group in
 *   CloudWatch, components/eks/scaling.ts);
 * - `cpu` and `memory` utilisation targets from the spec ({@link resourceTargets}; KEDA's cpu/memory
 *   scalers, `metricType: Utilization`).
 *
 * A failing query (Prometheus down) does not scale to zero: `minReplicaCount` stays the spec's
 * minimum, and `fallback` holds the spec's minimum replicas after 3 failed reads.
 */
export function scaledObjectSpec(
    ctx: KubeContext,
    plan: ServicePlan,
    requestsPerMinute: number,
    requestTrigger: (requestsPerMinute: number) => Record<string, unknown> = (rpm) => ({
        type: "prometheus",
        name: "requests-per-minute",
        metadata: { serverAddress: PROMETHEUS_URL, query: requestRateQuery(ctx, plan.name), threshold: String(rpm) },
    }),
): Record<string, unknown> {
    const range = plan.replicas;
    const resources = resourceTargets(plan).map((t) => ({
        type: t.name,
        metricType: "Utilization",
        metadata: { value: String(t.percent) },
    }));
    return {
        scaleTargetRef: scaleTarget(plan),
        minReplicaCount: Math.max(1, range.min),
        maxReplicaCount: range.max,
        pollingInterval: 30,
        fallback: { failureThreshold: 3, replicas: Math.max(1, range.min) },
        advanced: { horizontalPodAutoscalerConfig: { behavior: { scaleDown: { stabilizationWindowSeconds: 300 } } } },
        triggers: [requestTrigger(requestsPerMinute), ...resources],
    };
}

/** The type tokens of a service's two kinds of autoscaler (see the swap in {@link KubernetesService}). */
const HPA_TYPE = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler";
const SCALED_OBJECT_TYPE = "kubernetes:keda.sh/v1alpha1:ScaledObject";

/** What the autoscaler scales: the Rollout where Argo Rollouts runs the service's rollout, else the Deployment. */
export function scaleTarget(plan: ServicePlan): { apiVersion: string; kind: string; name: string } {
    return plan.kind === "web" && runsOnArgo(plan.rollout)
        ? { apiVersion: ROLLOUTS_API, kind: "Rollout", name: plan.name }
        : { apiVersion: "apps/v1", kind: "Deployment", name: plan.name };
}

/** Arguments of {@link KubernetesService}. */
export interface KubernetesServiceArgs {
    /** Where the tier is built: the system, the stack settings, the namespace. */
    ctx: KubeContext;
    /** The service's plan: its container, replicas, scaling, probes, variables and rollout. */
    plan: ServicePlan;
    /** What each datastore the service `uses` gives it (URLs with credentials as secrets; bucket names plain). */
    bindings: Record<string, DatastoreBinding>;
    /**
     * What the pods wait for before they are created (datastores, the app-secrets Secret).
     * @default []
     */
    dependsOn?: pulumi.Resource[];
    /**
     * What a ScaledObject waits for (the KEDA release).
     * @default []
     */
    autoscalerDependsOn?: pulumi.Resource[];
    /**
     * The request-rate trigger of the service's ScaledObject, given the spec's requests per minute per replica (the EKS
     * placement's reads the service's target group in CloudWatch, components/eks/scaling.ts).
     * @default a Prometheus trigger on Envoy Gateway's request rate to the service ({@link scaledObjectSpec})
     */
    requestTrigger?: (requestsPerMinute: number) => Record<string, unknown>;
    /**
     * Pods that reach AWS itself (the EKS placement, components/eks/): its region as `AWS_REGION`,
     * buckets on S3 (no endpoint, no keys), and where the service has a role, the ServiceAccount
     * EKS Pod Identity gives it to (identity.ts).
     * @default none: buckets on the namespace's object store, with keys by secretKeyRef; the namespace's default ServiceAccount, its token unmounted
     */
    aws?: { region: pulumi.Input<string>; serviceAccountName?: string };
    /**
     * Where the `<service>-connections` Secret comes from when a controller syncs it instead of the
     * program writing the bindings' values (the EKS placement's External Secrets,
     * components/eks/secrets.ts): given its name and the bindings' values (references), it
     * returns what the pods wait for.
     * @default a Secret holding the bindings' values
     */
    syncedConnections?: (parent: pulumi.Resource, secretName: string, values: Record<string, pulumi.Input<string>>) => pulumi.Resource;
    /**
     * What a Rollout waits for (the Argo Rollouts release).
     * @default []
     */
    rolloutDependsOn?: pulumi.Resource[];
    /**
     * The service's target group of the AWS load balancer (the EKS placement), which its rollout's analysis reads where
     * the plan's `schedule.argo.metrics` is `albCloudWatch`.
     * @default none
     */
    targetGroup?: AlbTargetGroup;
}

/** One application service: Deployment (+ Service, HPA, PDB, connection Secret, migration Job). */
export class KubernetesService extends pulumi.ComponentResource {
    /** The Deployment, or for a scheduler the one-replica StatefulSet (see the module doc). */
    readonly workload: k8s.apps.v1.Deployment | k8s.apps.v1.StatefulSet;
    /** The ClusterIP Service of a web service. */
    readonly service?: k8s.core.v1.Service;
    /** `name.namespace.svc.cluster.local:port` for web services, the workload's name otherwise. */
    readonly address: string;
    /** The migration Job, when the spec has `migrate`: this workload and every service using a migrated database wait for it. */
    readonly migration?: k8s.batch.v1.Job;
    /** The Argo Rollouts `Rollout` of a routed canary or blue-green service (rollout.ts). */
    readonly rollout?: k8s.apiextensions.CustomResource;

    constructor(name: string, args: KubernetesServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("tierform:kubernetes:Service", name, {}, opts);
        const { ctx, plan } = args;
        const child = { parent: this };
        const svcName = plan.name;
        const selector = selectorOf(ctx.system, svcName);
        const isWeb = plan.kind === "web" && plan.port !== undefined;

        // Connection variables from the bindings: secret ones by secretKeyRef, bucket names as plain values.
        const values = connectionValues(plan, args.bindings);
        const secretNames = Object.keys(values.secrets);
        const dependsOn: pulumi.Resource[] = [...(args.dependsOn ?? [])];
        const synced = args.syncedConnections;
        const connections =
            secretNames.length > 0 && synced
                ? { name: `${svcName}-connections`, secret: synced(this, `${svcName}-connections`, values.secrets) }
                : secretNames.length > 0
                  ? componentSecret(
                        ctx,
                        this,
                        svcName,
                        "connections",
                        Object.fromEntries(secretNames.map((k) => [k, pulumi.secret(values.secrets[k])])),
                    )
                  : undefined;
        if (connections) dependsOn.push(connections.secret);
        const env: k8sTypes.core.v1.EnvVar[] = [
            ...Object.entries(plan.variables.plain).map(([k, v]) => ({ name: k, value: v })),
            ...plan.variables.connections.map((v) =>
                v.secret
                    ? secretEnv(v.variable, connections!.name, v.variable)
                    : { name: v.variable, value: values.environment[v.variable] },
            ),
            ...plan.variables.appSecrets.map((s) => secretEnv(s, APP_SECRETS, s)),
        ];
        if (args.aws) env.push({ name: "AWS_REGION", value: args.aws.region });
        else if (plan.variables.connections.some((v) => v.kind === "bucket")) env.push(...s3Env(ctx, svcName));
        const seen = new Set<string>();
        const uniqueEnv = env.filter((e) => (seen.has(e.name as string) ? false : (seen.add(e.name as string), true)));

        const writable = writableVolumes(plan.writablePaths);
        const shared = shareMounts(plan);
        const cas = caVolume(plan, args.bindings);
        const uid = plan.runAsUser;
        const podSpec = (
            container: Pick<k8sTypes.core.v1.Container, "name" | "args" | "livenessProbe" | "readinessProbe">,
            spec: Omit<k8sTypes.core.v1.PodSpec, "containers">,
        ) =>
            restrictedPodSpec(uid, uid, {
                ...spec,
                containers: [
                    restrictedContainer(uid, uid, plan.resources, {
                        image: plan.image,
                        ...container,
                        env: uniqueEnv,
                        ...(isWeb ? { ports: [{ name: "http", containerPort: plan.port!, protocol: "TCP" }] } : {}),
                        volumeMounts: [...writable.mounts, ...shared.mounts, ...cas.mounts],
                    }),
                ],
                volumes: [...writable.volumes, ...shared.volumes, ...cas.volumes],
            });

        if (plan.migrate) {
            const pod = podSpec(
                { name: "migrate", args: plan.migrate.command },
                {
                    restartPolicy: "Never",
                    initContainers: waitForDatabases(ctx, plan, args.bindings),
                    ...(args.aws?.serviceAccountName ? { serviceAccountName: args.aws.serviceAccountName } : {}),
                },
            );
            const version = JSON.stringify([plan.image, plan.migrate.command]);
            this.migration = versionedJob(
                ctx,
                `${svcName}-migrate`,
                "service",
                version,
                { backoffLimit: 3, activeDeadlineSeconds: 1800, pod },
                { parent: this, dependsOn: [...dependsOn] },
            );
            dependsOn.push(this.migration);
        }

        const range = plan.replicas;
        const autoscaled = Object.keys(plan.scaling).length > 0;
        const argo = isWeb && runsOnArgo(plan.rollout);
        const metadata = meta(ctx, svcName, svcName, "service", {
            annotations: { "tierform.io/service-kind": plan.kind, "tierform.io/rollout": plan.rollout.strategy },
        });
        const template: k8sTypes.core.v1.PodTemplateSpec = {
            // In the ambient mesh (mesh.ts): ztunnel carries its traffic, no sidecar joins the pod.
            metadata: { labels: podLabels(ctx, svcName, "service", ctx.settings.mesh ? AMBIENT_LABEL : {}) },
            spec: podSpec(
                { name: svcName, ...(plan.command ? { args: plan.command } : {}), ...workloadProbes(plan) },
                {
                    terminationGracePeriodSeconds: 30,
                    topologySpreadConstraints: topologySpread(selector),
                    ...(args.aws?.serviceAccountName ? { serviceAccountName: args.aws.serviceAccountName } : {}),
                },
            ),
        };
        this.workload =
            plan.kind === "scheduler"
                ? new k8s.apps.v1.StatefulSet(
                      logicalName(ctx, svcName),
                      {
                          metadata,
                          spec: {
                              replicas: 1,
                              // No Service governs it (no pod DNS is needed); older API servers require the field.
                              serviceName: svcName,
                              selector: { matchLabels: selector },
                              podManagementPolicy: "OrderedReady",
                              updateStrategy: { type: "RollingUpdate" },
                              revisionHistoryLimit: 5,
                              template,
                          },
                      },
                      { parent: this, dependsOn },
                  )
                : new k8s.apps.v1.Deployment(
                      logicalName(ctx, svcName),
                      {
                          metadata,
                          spec: {
                              // Under a Rollout the Deployment holds the template; Argo scales it to 0 once the Rollout is
                              // healthy (workloadRef scaleDown onsuccess, rollout.ts), so Pulumi never sets its replicas to 0.
                              ...(argo || autoscaled ? {} : { replicas: range.min }),
                              revisionHistoryLimit: 5,
                              selector: { matchLabels: selector },
                              strategy: deploymentStrategy(plan.rollout),
                              template,
                          },
                      },
                      { parent: this, dependsOn },
                  );

        if (isWeb) {
            this.service = new k8s.core.v1.Service(
                logicalName(ctx, svcName),
                {
                    metadata: meta(ctx, svcName, svcName, "service"),
                    spec: {
                        type: "ClusterIP",
                        selector,
                        ports: [{ name: "http", port: plan.port!, targetPort: "http", protocol: "TCP" }],
                    },
                },
                child,
            );
        }
        this.address = isWeb ? `${svcName}.${ctx.namespaceName}.svc.cluster.local:${plan.port}` : svcName;
        if (argo)
            this.rollout = createRollout(this, {
                ctx,
                plan: plan.rollout,
                port: plan.port!,
                ...(autoscaled ? {} : { replicas: range.min }),
                selector,
                routes: [...new Set(ctx.system.routes.filter((r) => r.service === svcName).map(httpRouteName))],
                pod: template.spec as k8sTypes.core.v1.PodSpec,
                // In the mesh like the service, so their calls carry the identity its AuthorizationPolicy admits (mesh.ts).
                hookLabels: podLabels(ctx, rolloutCheckComponent(svcName), "service", ctx.settings.mesh ? AMBIENT_LABEL : {}),
                metrics: ctx.settings.monitoringCrds,
                ...(args.targetGroup ? { targetGroup: args.targetGroup } : {}),
                dependsOn: [this.workload, this.service!, ...(args.rolloutDependsOn ?? [])],
            });
        const scaled = this.rollout ?? this.workload;

        const rpm = plan.scaling.requestsPerMinute;
        // A service that starts (or stops) scaling on requests trades its HPA for KEDA's ScaledObject. KEDA's admission
        // webhook refuses a ScaledObject on a workload another HPA scales (the offline engine's kubernetes-keda-scaled-object),
        // and Pulumi creates new resources before it deletes removed ones. So each is the other's alias, one logical
        // resource whose kind changes: replaced, the old deleted first (scripts/offline/updates.ts autoscalerSwapRefusals).
        const swap = (name: string, type: string): pulumi.CustomResourceOptions => ({
            aliases: [{ name, type }],
            replaceOnChanges: ["kind", "apiVersion"],
            deleteBeforeReplace: true,
        });
        if (rpm !== undefined) {
            new k8s.apiextensions.CustomResource(
                logicalName(ctx, svcName, "scaler"),
                {
                    apiVersion: "keda.sh/v1alpha1",
                    kind: "ScaledObject",
                    metadata: meta(ctx, svcName, svcName, "service"),
                    spec: scaledObjectSpec(ctx, plan, rpm, args.requestTrigger),
                },
                { parent: this, dependsOn: [scaled, ...(args.autoscalerDependsOn ?? [])], ...swap(logicalName(ctx, svcName), HPA_TYPE) },
            );
        } else if (autoscaled) {
            new k8s.autoscaling.v2.HorizontalPodAutoscaler(
                logicalName(ctx, svcName),
                {
                    metadata: meta(ctx, svcName, svcName, "service"),
                    spec: {
                        scaleTargetRef: scaleTarget(plan),
                        minReplicas: Math.max(1, range.min),
                        maxReplicas: range.max,
                        metrics: hpaMetrics(plan),
                        behavior: { scaleDown: { stabilizationWindowSeconds: 300 } },
                    },
                },
                { parent: this, dependsOn: [scaled], ...swap(logicalName(ctx, svcName, "scaler"), SCALED_OBJECT_TYPE) },
            );
        }
        new k8s.policy.v1.PodDisruptionBudget(
            logicalName(ctx, svcName),
            {
                metadata: meta(ctx, svcName, svcName, "service"),
                // One pod at a time may be evicted; with a single replica that still lets a node drain.
                spec: { maxUnavailable: 1, selector: { matchLabels: selector } },
            },
            child,
        );
        this.registerOutputs({ address: this.address });
    }
}

/**
 * The CAs the service verifies its in-cluster PostgreSQL databases against: one projected volume at
 * {@link KUBERNETES_CA_DIR} holding `<db>/ca.crt` from CloudNativePG's `<db>-ca` Secret for every
 * database whose variables include a CA file (plan/bindings.ts `transportOf`); only the
 * certificate is projected, never the Secret's `ca.key`.
 */
export function caVolume(
    plan: ServicePlan,
    bindings?: Record<string, DatastoreBinding>,
): { volumes: k8sTypes.core.v1.Volume[]; mounts: k8sTypes.core.v1.VolumeMount[] } {
    // Only CAs the cluster holds: a database whose binding names a CA file elsewhere (the Amazon RDS bundle in the image, on
    // the EKS placement) gets none.
    const inCluster = (d: string) => !bindings || String(bindings[d]?.connection?.caFile ?? "").startsWith(KUBERNETES_CA_DIR);
    const databases = [...new Set(plan.variables.connections.filter((v) => v.part === "caFile").map((v) => v.datastore))].filter(inCluster);
    if (databases.length === 0) return { volumes: [], mounts: [] };
    return {
        volumes: [
            {
                name: "datastore-ca",
                projected: {
                    sources: databases.map((d) => ({ secret: { name: `${d}-ca`, items: [{ key: "ca.crt", path: `${d}/ca.crt` }] } })),
                },
            },
        ],
        mounts: [{ name: "datastore-ca", mountPath: KUBERNETES_CA_DIR, readOnly: true }],
    };
}
