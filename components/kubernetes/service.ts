/**
 * The app tier on Kubernetes: per service a Deployment, and for `web` services a ClusterIP
 * Service; an autoscaling/v2 HPA on CPU and memory within the spec's replica range; a
 * PodDisruptionBudget; the spec's liveness/readiness probes; requests = limits; a restricted-PSA
 * security context (non-root uid from the spec, no privilege escalation, read-only root with an
 * emptyDir per `writablePaths`, all capabilities dropped, seccomp RuntimeDefault); topology spread
 * over nodes and zones; the spec's rolling update; no service-account token.
 *
 * - **Workers** are Deployments without a Service. **Schedulers** run one replica with the
 *   `Recreate` strategy, so the old pod is gone before the new one starts: never two at once.
 * - **Environment**: the spec's `env` as plain values; connection URLs (`DATABASE_URL`,
 *   `REDIS_URL`, ...) by `secretKeyRef` to the service's `<service>-connections` Secret;
 *   generated secrets (`SECRET_KEY`, ...) by `secretKeyRef` to the system's `app-secrets` Secret.
 * - **requestsPerMinute** is not a resource metric: an HPA can only use it through a custom or
 *   external metrics adapter (prometheus-adapter exposing e.g. `http_requests_per_second`). An HPA
 *   whose metric cannot be fetched refuses to scale down, so the target is recorded on the HPA as
 *   the `tierform.io/requests-per-minute-target` annotation, not as a metric; add a `Pods` metric
 *   once an adapter serves it.
 * - **blueGreen/canary**: a Deployment cannot split traffic; they roll out as a surge of new pods
 *   before any old one goes (blue/green: `maxSurge: 100%`; canary: the first step's percentage),
 *   with `maxUnavailable: 0`. Traffic-weighted steps need Argo Rollouts or Flagger.
 * - **migrate**: a Job running the command with the new image, which the Deployment waits for; its
 *   name carries a hash of image and command, so each new version migrates once.
 * - While an HPA manages a Deployment, `spec.replicas` is left out (else every `pulumi up` would
 *   reset the HPA's scale); the HPA's `minReplicas` brings it up.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type * as k8sTypes from "@pulumi/kubernetes/types/input";
import { createHash } from "crypto";
import type { ProbeSpec, Service } from "../../spec";
import { connectionVariables } from "../shared/connection";
import {
    containerSecurityContext,
    logicalName,
    meta,
    podSecurityContext,
    resourceRequirements,
    secretEnv,
    selectorOf,
    topologySpread,
    writableVolumes,
    type KubeContext,
} from "./common";
import { s3Env } from "./bucket";

/** Name of the system-wide Secret holding the generated app secrets (one value per name, shared by every service that lists it). */
export const APP_SECRETS = "app-secrets";

/** The Deployment strategy of a service (see the module doc for blueGreen and canary). */
export function deploymentStrategy(service: Service): k8sTypes.apps.v1.DeploymentStrategy {
    if (service.kind === "scheduler") return { type: "Recreate" };
    const r = service.rollout;
    if (r.strategy === "blueGreen") return { type: "RollingUpdate", rollingUpdate: { maxSurge: "100%", maxUnavailable: 0 } };
    if (r.strategy === "canary") return { type: "RollingUpdate", rollingUpdate: { maxSurge: `${r.canarySteps?.[0] ?? 10}%`, maxUnavailable: 0 } };
    return { type: "RollingUpdate", rollingUpdate: { maxSurge: r.maxSurge, maxUnavailable: r.maxUnavailable } };
}

/** Replica range of a service on Kubernetes (a scheduler is always exactly one). */
export function replicaRange(service: Service): { min: number; max: number } {
    if (service.kind === "scheduler") return { min: 1, max: 1 };
    return service.replicas;
}

/**
 * HPA metrics of a service: CPU and memory utilisation targets from `autoscaling`; CPU 70 % when
 * the spec gives a range but no target.
 */
export function hpaMetrics(service: Service): k8sTypes.autoscaling.v2.MetricSpec[] {
    const a = service.autoscaling ?? {};
    const resource = (name: string, averageUtilization: number) => ({ type: "Resource", resource: { name, target: { type: "Utilization", averageUtilization } } });
    const metrics = [];
    if (a.cpuPercent || !a.memoryPercent) metrics.push(resource("cpu", a.cpuPercent ?? 70));
    if (a.memoryPercent) metrics.push(resource("memory", a.memoryPercent));
    return metrics;
}

function httpProbe(p: ProbeSpec): k8sTypes.core.v1.Probe {
    return {
        httpGet: { path: p.path, port: "http", scheme: "HTTP" },
        initialDelaySeconds: p.initialDelaySeconds,
        periodSeconds: p.periodSeconds,
        timeoutSeconds: p.timeoutSeconds,
        failureThreshold: p.failureThreshold,
    };
}

/**
 * Probes of a service: the spec's HTTP probes for web services. A worker or scheduler has no port
 * to probe, so it gets an exec probe that its main process (PID 1) is alive and running (not a
 * zombie or stopped): little more than the kubelet's own restart-on-exit, but it makes a hung PID 1
 * (state `T`/`Z`) restart and satisfies the probe policy. Needs `/bin/sh` in the image; an app
 * with a real health command should get a spec field for it (see the report).
 */
export function workloadProbes(service: Service, isWeb: boolean): Pick<k8sTypes.core.v1.Container, "livenessProbe" | "readinessProbe"> {
    if (isWeb) {
        return {
            ...(service.health.liveness ? { livenessProbe: httpProbe(service.health.liveness) } : {}),
            ...(service.health.readiness ? { readinessProbe: httpProbe(service.health.readiness) } : {}),
        };
    }
    const alive = { exec: { command: ["/bin/sh", "-c", "! grep -qE '^State:[[:space:]]+[TZ]' /proc/1/status"] }, periodSeconds: 30, timeoutSeconds: 5, failureThreshold: 3 };
    return { livenessProbe: { ...alive, initialDelaySeconds: 30 }, readinessProbe: { ...alive, initialDelaySeconds: 5 } };
}

/** Arguments of {@link KubernetesService}. */
export interface KubernetesServiceArgs {
    ctx: KubeContext;
    /** The resolved service spec. */
    service: Service;
    /**
     * Connection URLs by datastore name (secrets; for buckets the bucket name), for the datastores
     * the service `uses`.
     */
    connections: Record<string, pulumi.Input<string>>;
    /**
     * What the pods wait for before they are created (datastores, the app-secrets Secret).
     * @default []
     */
    dependsOn?: pulumi.Resource[];
}

/** One application service: Deployment (+ Service, HPA, PDB, connection Secret, migration Job). */
export class KubernetesService extends pulumi.ComponentResource {
    /** The Deployment. */
    readonly deployment: k8s.apps.v1.Deployment;
    /** The ClusterIP Service of a web service. */
    readonly service?: k8s.core.v1.Service;
    /** `name.namespace.svc.cluster.local:port` for web services, the Deployment's name otherwise. */
    readonly address: string;

    constructor(name: string, args: KubernetesServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("tierform:kubernetes:Service", name, {}, opts);
        const { ctx, service } = args;
        const child = { parent: this };
        const svcName = service.name;
        const selector = selectorOf(ctx.system, svcName);
        const isWeb = service.kind === "web" && service.port !== undefined;

        // Connection variables: secret ones by secretKeyRef, bucket names as plain values.
        const variables = connectionVariables(ctx.system, service);
        const secretVars = variables.filter((v) => v.secret);
        const connSecretName = `${svcName}-connections`;
        const dependsOn: pulumi.Resource[] = [...(args.dependsOn ?? [])];
        if (secretVars.length > 0) {
            dependsOn.push(
                new k8s.core.v1.Secret(
                    logicalName(ctx, svcName, "connections"),
                    {
                        metadata: meta(ctx, connSecretName, svcName, "secrets"),
                        type: "Opaque",
                        stringData: Object.fromEntries(secretVars.map((v) => [v.variable, pulumi.secret(args.connections[v.datastore])])),
                    },
                    child,
                ),
            );
        }
        const env: k8sTypes.core.v1.EnvVar[] = [
            ...Object.entries(service.env).map(([k, v]) => ({ name: k, value: v })),
            ...variables.map((v) => (v.secret ? secretEnv(v.variable, connSecretName, v.variable) : { name: v.variable, value: args.connections[v.datastore] })),
            ...service.secrets.map((s) => secretEnv(s, APP_SECRETS, s)),
        ];
        if (variables.some((v) => v.kind === "bucket")) env.push(...s3Env(ctx));
        const seen = new Set<string>();
        const uniqueEnv = env.filter((e) => (seen.has(e.name as string) ? false : (seen.add(e.name as string), true)));

        const writable = writableVolumes(service.writablePaths);
        const uid = service.runAsUser;
        const podSpec = (containerName: string, command: string[] | undefined, probes: boolean): k8sTypes.core.v1.PodSpec => ({
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: podSecurityContext(uid),
            containers: [
                {
                    name: containerName,
                    image: service.image,
                    imagePullPolicy: "IfNotPresent",
                    ...(command ? { command } : {}),
                    env: uniqueEnv,
                    ...(isWeb ? { ports: [{ name: "http", containerPort: service.port!, protocol: "TCP" }] } : {}),
                    ...(probes ? workloadProbes(service, isWeb) : {}),
                    resources: resourceRequirements(service.resources.cpu, service.resources.memoryMb),
                    securityContext: containerSecurityContext(uid),
                    volumeMounts: writable.mounts,
                },
            ],
            volumes: writable.volumes,
        });

        if (service.migrate) {
            const component = `${svcName}-migrate`;
            const hash = createHash("sha256").update(JSON.stringify([service.image, service.migrate.command])).digest("hex").slice(0, 8);
            const spec = podSpec("migrate", service.migrate.command, false);
            dependsOn.push(
                new k8s.batch.v1.Job(
                    logicalName(ctx, component),
                    {
                        metadata: meta(ctx, `${component}-${hash}`, component, "service"),
                        spec: {
                            backoffLimit: 3,
                            activeDeadlineSeconds: 1800,
                            template: {
                                metadata: { labels: { ...meta(ctx, component, component, "service").labels, ...selectorOf(ctx.system, component) } },
                                spec: { ...spec, restartPolicy: "Never" },
                            },
                        },
                    },
                    { parent: this, dependsOn: [...dependsOn] },
                ),
            );
        }

        const range = replicaRange(service);
        const autoscaled = range.max > range.min;
        const labels = meta(ctx, svcName, svcName, "service").labels!;
        this.deployment = new k8s.apps.v1.Deployment(
            logicalName(ctx, svcName),
            {
                metadata: meta(ctx, svcName, svcName, "service", { annotations: { "tierform.io/service-kind": service.kind, "tierform.io/rollout": service.rollout.strategy } }),
                spec: {
                    ...(autoscaled ? {} : { replicas: range.min }),
                    revisionHistoryLimit: 5,
                    selector: { matchLabels: selector },
                    strategy: deploymentStrategy(service),
                    template: {
                        metadata: { labels: { ...labels, ...selector } },
                        spec: {
                            ...podSpec(svcName, service.command, true),
                            terminationGracePeriodSeconds: 30,
                            topologySpreadConstraints: topologySpread(selector),
                        },
                    },
                },
            },
            { parent: this, dependsOn },
        );

        if (isWeb) {
            this.service = new k8s.core.v1.Service(
                logicalName(ctx, svcName),
                {
                    metadata: meta(ctx, svcName, svcName, "service"),
                    spec: { type: "ClusterIP", selector, ports: [{ name: "http", port: service.port!, targetPort: "http", protocol: "TCP" }] },
                },
                child,
            );
        }
        this.address = isWeb ? `${svcName}.${ctx.namespaceName}.svc.cluster.local:${service.port}` : svcName;

        if (autoscaled) {
            const rpm = service.autoscaling?.requestsPerMinute;
            new k8s.autoscaling.v2.HorizontalPodAutoscaler(
                logicalName(ctx, svcName),
                {
                    metadata: meta(ctx, svcName, svcName, "service", rpm ? { annotations: { "tierform.io/requests-per-minute-target": String(rpm) } } : {}),
                    spec: {
                        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: svcName },
                        minReplicas: Math.max(1, range.min),
                        maxReplicas: range.max,
                        metrics: hpaMetrics(service),
                        behavior: { scaleDown: { stabilizationWindowSeconds: 300 } },
                    },
                },
                { parent: this, dependsOn: [this.deployment] },
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
