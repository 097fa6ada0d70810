/**
 * The AWS app tier: one ECS Fargate service per spec service, in the private subnets without
 * public IPs. Each gets a task definition (the spec's image, command, port, CPU/memory, health
 * check, read-only root filesystem with writable scratch volumes, non-root user), an encrypted
 * log group, separate execution and task roles with least-privilege policies, credentials only
 * through ECS `secrets`, a deployment circuit breaker with rollback, healthy percentages from the
 * spec's rollout, and target-tracking autoscaling (CPU, memory, ALB requests per target).
 *
 * Health: a spec `health.command` (an exec check, e.g. the MDC Celery worker's `celery inspect
 * ping`) becomes the container's health check in CMD form; otherwise a web service's liveness path
 * is probed over HTTP from inside the container by its `healthTool`, with the canonical Host
 * (`provided`: busybox copied in by the {@link HEALTH_TOOLS_CONTAINER}). The load balancer checks
 * readiness (edge.ts), with the task's IP as Host (docs/image-contract.md#host-checks).
 *
 * Roll-outs use ECS's own deployment strategies (`deploymentConfiguration.strategy`):
 * - `rolling` → ROLLING, batch sizes from maxSurge/maxUnavailable;
 * - `blueGreen` → BLUE_GREEN: a full green set starts in the idle (alternate) target group, takes
 *   all traffic at once when healthy, and the blue set stays for the bake time so a rollback is
 *   one weight flip;
 * - `canary` → CANARY: the first of `canarySteps` percent of traffic goes to the new set for the
 *   bake time, then the rest. ECS shifts traffic in one canary step (or in equal LINEAR steps), so
 *   evenly spaced steps (25, 50, 75, 100) become LINEAR and any other schedule (5, 25, 50, 100)
 *   is honoured for its first, riskiest step only (ECS has no step list to hold).
 * Both need the edge's alternate target group and listener rule, so they apply to routed web
 * services; a worker or unrouted service with `blueGreen` or `canary` rolls (there is no traffic
 * to shift). The circuit breaker rolls back a deployment whose tasks never turn healthy; two
 * CloudWatch alarms per blue/green or canary service (service/rollout.ts: 5xx rate and p99
 * latency of each of its target groups, from the system's `monitoring` thresholds), named in the
 * service's deployment `alarms` with rollback on, shift all traffic back when either fires during
 * the steps or the bake.
 *
 * Cost (us-east-1 Fargate, x86: $0.04048 per vCPU-hour, $0.004445 per GB-hour): a task of
 * 1 vCPU / 2 GiB costs about $36 a month, 0.25 vCPU / 512 MiB about $9. The spec's resources are
 * honoured; without them a web service or worker gets the prod profile's 1 vCPU / 2 GiB and a
 * scheduler (one process that only enqueues) 0.25 vCPU / 512 MiB; a static frontend says its size
 * in the spec (MDC's React app: 0.25 / 512). The task size is the smallest Fargate size that fits.
 *
 * The constructor is a table of contents; the parts are files of service/ — roles.ts (execution
 * and task roles), task-definition.ts (containers, volumes, size), scaling.ts — whose functions
 * register their resources under this component with the names they always had (no URN changed).
 *
 * Migrations: a spec `migrate` command runs in a non-essential `migrate` container of every task,
 * with the application's image, variables and hardening, and the application container starts
 * only after it exits 0 (`dependsOn: SUCCESS`), so no new version takes traffic on an old schema
 * and a failing migration fails the deployment (the circuit breaker rolls it back). It runs at
 * every task start, scale-outs included, so the command must be idempotent and tolerate a
 * concurrent run (Prisma's `migrate deploy` takes a lock; Django's `migrate` has one task lose a
 * race and be replaced). A blue/green or canary deployment also runs it once, before any new task,
 * as a one-off task of the new revision from the system's lifecycle hook (rollout-hook.ts, at
 * PRE_SCALE_UP), which also checks the new set through its test listener before production
 * shifts (POST_TEST_TRAFFIC_SHIFT) and runs a blue-green's postPromotion commands after it.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
    exportsTraces,
    type ReplicaRange,
    type RolloutAnalysisPlan,
    type RolloutPlan,
    type ServicePlan,
    type SystemFacts,
} from "../../plan";
import { ecsDeployment, type EcsDeployment } from "../../plan/support/aws";
import { connectionValues } from "../shared/binding";
import { awsTags, resourceName } from "../shared/naming";
import type { AwsDatastoreBinding } from "./contract";
import type { AwsServiceMounts } from "./files";
import { awsPlace, problemOf } from "./common";
import { httpCheckArgv } from "../shared/health";
import type { ServicePart } from "./service/part";
import { createExecutionRole, createTaskRole } from "./service/roles";
import { createAutoscaling } from "./service/scaling";
import { createDeploymentAlarms, type DeploymentAnalysis } from "./service/rollout";
import { createTaskDefinition } from "./service/task-definition";
import { ADOT_RESOURCES, XRAY_WRITE_STATEMENT } from "./service/tracing";
import type { Problem } from "../../conventions/problems";
import type { AwsImageCacheRef } from "./image-cache";

export {
    DROP_ALL_BUT_CHOWN,
    HEALTH_TOOLS_CONTAINER,
    MIGRATE_CONTAINER,
    VOLUME_PERMISSIONS_CONTAINER,
    VOLUME_PERMISSIONS_IMAGE,
} from "./service/task-definition";

/** Valid Fargate task sizes: CPU units → allowed memory (MiB). */
const FARGATE: [number, number[]][] = [
    [256, [512, 1024, 2048]],
    [512, range(1024, 4096, 1024)],
    [1024, range(2048, 8192, 1024)],
    [2048, range(4096, 16384, 1024)],
    [4096, range(8192, 30720, 1024)],
    [8192, range(16384, 61440, 4096)],
    [16384, range(32768, 122880, 8192)],
];
function range(from: number, to: number, step: number): number[] {
    const out: number[] = [];
    for (let v = from; v <= to; v += step) out.push(v);
    return out;
}

/** The smallest valid Fargate size with at least `cpu` cores and `memoryMb` MiB. */
export function fargateSize(cpu: number, memoryMb: number): { cpu: number; memory: number } {
    const units = Math.ceil(cpu * 1024);
    for (const [c, memories] of FARGATE) {
        if (c < units) continue;
        const memory = memories.find((m) => m >= memoryMb);
        if (memory !== undefined) return { cpu: c, memory };
    }
    throw new Error(`no Fargate task size has ${cpu} vCPU and ${memoryMb} MiB (largest: 16 vCPU, 120 GiB)`);
}

/**
 * ECS deployment percentages from the plan's rolling batch sizes over its minimum replicas N:
 * minimumHealthyPercent = (N - maxUnavailable) / N, maximumPercent = (N + maxSurge) / N. A
 * scheduler never runs twice: 0 % / 100 % (the old task stops before the new one starts).
 */
export function deploymentPercents(
    service: Pick<ServicePlan, "kind"> & { rollout: Pick<RolloutPlan, "rolling"> },
    replicas: ReplicaRange,
): { minimumHealthyPercent: number; maximumPercent: number } {
    if (service.kind === "scheduler") return { minimumHealthyPercent: 0, maximumPercent: 100 };
    const n = Math.max(1, replicas.min);
    const { maxSurge, maxUnavailable } = service.rollout.rolling;
    const unavailable = Math.min(maxUnavailable, n);
    // Neither surge nor unavailability would deadlock a deployment: allow one extra task.
    const surge = maxSurge === 0 && unavailable === 0 ? 1 : maxSurge;
    return {
        minimumHealthyPercent: Math.floor((100 * (n - unavailable)) / n),
        maximumPercent: Math.max(100, Math.ceil((100 * (n + surge)) / n)),
    };
}

/** Whether a service's rollout shifts traffic between two target groups (blue/green or canary), when it is routed. */
export const shiftsTraffic = (service: Pick<ServicePlan, "kind"> & { rollout: Pick<RolloutPlan, "strategy"> }) =>
    service.kind === "web" && service.rollout.strategy !== "rolling";

/**
 * What ECS owns on a service once it exists, so a later `pulumi up` leaves it as ECS has it:
 * `desiredCount` when autoscaling sets it; for blue/green and canary, the two target groups of its
 * load balancer entry (each deployment swaps the production and alternate target groups, ECS
 * developer guide "Amazon ECS blue/green deployments":
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-type-blue-green.html) —
 * only those two, so the rest of the entry (a test listener rule, the role) still reaches a
 * service that exists. The listener rules' `actions` (weights and target groups) are the edge's to ignore.
 */
export function ecsOwnedFields(scales: boolean, shiftsTrafficNow: boolean): string[] {
    return [
        ...(scales ? ["desiredCount"] : []),
        ...(shiftsTrafficNow ? ["loadBalancers[0].targetGroupArn", "loadBalancers[0].advancedConfiguration.alternateTargetGroupArn"] : []),
    ];
}

/**
 * How long `pulumi up` waits for a service to turn steady (`waitForSteadyState`): 30 minutes,
 * plus for a blue/green or canary service every hold of its ECS deployment (the canary step, each
 * linear step, the bake). The provider's default is 20 minutes (terraform-provider-aws
 * `aws_ecs_service` timeouts), too short for a canary.
 */
export function serviceTimeouts(d: EcsDeployment | undefined): { create: string; update: string } {
    let minutes = 30;
    if (d) {
        minutes += d.bakeMinutes;
        if (d.strategy === "CANARY") minutes += d.stepMinutes!;
        if (d.strategy === "LINEAR") minutes += Math.ceil(100 / d.percent!) * d.stepMinutes!;
    }
    return { create: `${minutes}m`, update: `${minutes}m` };
}

/** The ECS `deploymentConfiguration` of the plan's ECS deployment (plan/support/aws.ts `ecsDeployment`: BLUE_GREEN, LINEAR or CANARY). */
export function trafficShiftDeployment(d: EcsDeployment): aws.types.input.ecs.ServiceDeploymentConfiguration {
    const bakeTimeInMinutes = String(d.bakeMinutes);
    if (d.strategy === "BLUE_GREEN") return { strategy: "BLUE_GREEN", bakeTimeInMinutes };
    if (d.strategy === "LINEAR")
        return {
            strategy: "LINEAR",
            bakeTimeInMinutes,
            linearConfiguration: { stepPercent: d.percent!, stepBakeTimeInMinutes: String(d.stepMinutes!) },
        };
    return {
        strategy: "CANARY",
        bakeTimeInMinutes,
        canaryConfiguration: { canaryPercent: d.percent!, canaryBakeTimeInMinutes: String(d.stepMinutes!) },
    };
}

/**
 * The container health check, the plan's liveness check: an exec check in CMD form, or an HTTP
 * check of the liveness path by the spec's `healthTool` with the canonical Host header
 * (components/shared/health.ts; CMD form, no shell), none for `none`, with the plan's
 * timings held to ECS's ranges (interval 5-300 s, timeout 2-60 s, retries 1-10, start period
 * 0-300 s: https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_HealthCheck.html).
 * None: ECS watches the main process only.
 */
export function containerHealthCheck(plan: ServicePlan): Record<string, unknown> | undefined {
    const check = plan.health.liveness;
    if (!check) return undefined;
    const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
    const timings = {
        interval: clamp(check.periodSeconds, 5, 300),
        timeout: clamp(check.timeoutSeconds, 2, 60),
        retries: clamp(check.failureThreshold, 1, 10),
        startPeriod: clamp(check.initialDelaySeconds, 0, 300),
    };
    if (check.type === "exec") return { command: ["CMD", ...check.command], ...timings };
    const argv = httpCheckArgv(check);
    return argv ? { command: ["CMD", ...argv], ...timings } : undefined;
}

/**
 * The Fargate size of a service's task: the smallest with the service's CPU and its memory plus, where it is traced, the ADOT
 * collector's hard memory limit (its CPU units are a share of the task's: service/tracing.ts ADOT_RESOURCES).
 */
export function taskSize(service: Pick<ServicePlan, "resources">, traced: boolean): { cpu: number; memory: number } {
    return fargateSize(service.resources.cpu, service.resources.memoryMb + (traced ? ADOT_RESOURCES.memoryMb : 0));
}

/** The ports the ADOT collector listens on in a traced task (OTLP gRPC and HTTP, its health check), which the application shares. */
export const ADOT_PORTS = [4317, 4318, 13133];

/**
 * What ECS cannot run for a service: a web service without a port, resources no Fargate task size has (with the collector's
 * memory where it is traced), or, where it is traced, a port the collector beside it already listens on (the task's
 * containers share one network namespace in awsvpc mode, so one of the two would fail to bind).
 */
export function serviceProblems(service: Pick<ServicePlan, "name" | "kind" | "port" | "resources">, traced = false): Problem[] {
    return [
        ...(service.kind === "web" && !service.port
            ? [{ where: `services.${service.name}.port`, message: "a web service needs a port" }]
            : []),
        ...(traced && service.port !== undefined && ADOT_PORTS.includes(service.port)
            ? [
                  {
                      where: `services.${service.name}.port`,
                      message: `${service.port} is a port of the ADOT trace collector in the same ECS task (${ADOT_PORTS.join(", ")}); choose another, or set observability.traces.enabled false`,
                  },
              ]
            : []),
        ...problemOf(`services.${service.name}.resources`, () => taskSize(service, traced)),
    ];
}

/** Names of variables the container gets in `environment` (plain) and in `secrets` (Secrets Manager ARNs). */
export interface ContainerVariables {
    environment: Record<string, pulumi.Input<string>>;
    secrets: Record<string, pulumi.Input<string>>;
}

/**
 * What the container receives: the spec's plain `env`, the generated secrets by ARN, and the
 * connection variables of the plan from the datastores' bindings (components/shared/binding.ts:
 * aliases such as DATABASE_URL take their datastore's own variable). A variable that carries
 * credentials is only ever a secret (an ARN ECS resolves); a binding that has it only as a plain
 * value is refused.
 */
export function containerVariables(
    plan: ServicePlan,
    appSecretArns: Record<string, pulumi.Input<string>>,
    bindings: Record<string, AwsDatastoreBinding>,
): ContainerVariables {
    const secrets: Record<string, pulumi.Input<string>> = {};
    for (const variable of plan.variables.appSecrets) {
        const arn = appSecretArns[variable];
        if (arn === undefined) throw new Error(`service ${plan.name}: no secret for ${variable}`);
        secrets[variable] = arn;
    }
    const connections = connectionValues(plan, bindings);
    return { environment: { ...plan.variables.plain, ...connections.environment }, secrets: { ...secrets, ...connections.secrets } };
}

/** The ECR repository ARN of an ECR image, or undefined for other registries. */
export function ecrRepositoryArn(imageRef: string, partition = "aws"): string | undefined {
    const m = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([^:@]+)/.exec(imageRef);
    return m ? `arn:${partition}:ecr:${m[2]}:${m[1]}:repository/${m[3]}` : undefined;
}

/** Where the service's tasks attach to the load balancer (what `AwsEdge.targets` gives). */
export interface AwsServiceLoadBalancer {
    targetGroupArn: pulumi.Input<string>;
    /** `targetgroup/<name>/<id>`. */
    targetGroupArnSuffix: pulumi.Input<string>;
    /** `app/<name>/<id>`. */
    loadBalancerArnSuffix: pulumi.Input<string>;
    /**
     * Further target groups the same container registers in: the internal load balancer's, for a
     * service that also serves routes for private networks only.
     * @default []
     */
    additionalTargetGroupArns?: pulumi.Input<string>[];
    /**
     * What the ECS service must wait for before it attaches: ECS refuses a target group that no
     * listener rule uses yet, and a traffic-shift role whose policy is not attached yet.
     * @default []
     */
    ready?: pulumi.Resource[];
    /**
     * For a blue/green or canary service: the alternate target group, the listener rule whose
     * weights ECS shifts, and the role ECS shifts them with.
     * @default none (rolling deployments)
     */
    trafficShift?: {
        alternateTargetGroupArn: pulumi.Input<string>;
        alternateTargetGroupArnSuffix: pulumi.Input<string>;
        productionListenerRuleArn: pulumi.Input<string>;
        roleArn: pulumi.Input<string>;
        /** The rule of the service's test listener (edge/load-balancer.ts `TEST_LISTENER_BASE_PORT`), which ECS sends the new set's test traffic through. @default none */
        testListenerRuleArn?: pulumi.Input<string>;
        /** That listener's port. @default none */
        testListenerPort?: number;
    };
}

/**
 * The metric the requests policy tracks: ALB requests per target of the service's target group;
 * for a blue/green or canary service, of whichever of its two target groups is busier per target
 * (the live one flips with every deployment, so tracking one group would scale in to nothing).
 */
export function requestsPerTargetMetric(
    lb: AwsServiceLoadBalancer,
): Pick<
    aws.types.input.appautoscaling.PolicyTargetTrackingScalingPolicyConfiguration,
    "predefinedMetricSpecification" | "customizedMetricSpecification"
> {
    if (!lb.trafficShift) {
        return {
            predefinedMetricSpecification: {
                predefinedMetricType: "ALBRequestCountPerTarget",
                resourceLabel: pulumi.interpolate`${lb.loadBalancerArnSuffix}/${lb.targetGroupArnSuffix}`,
            },
        };
    }
    const perTarget = (id: string, targetGroup: pulumi.Input<string>) => ({
        id,
        metricStat: {
            metric: {
                namespace: "AWS/ApplicationELB",
                metricName: "RequestCountPerTarget",
                dimensions: [
                    { name: "LoadBalancer", value: lb.loadBalancerArnSuffix },
                    { name: "TargetGroup", value: targetGroup },
                ],
            },
            stat: "Sum",
        },
        returnData: false,
    });
    return {
        customizedMetricSpecification: {
            metrics: [
                perTarget("primary", lb.targetGroupArnSuffix),
                perTarget("alternate", lb.trafficShift.alternateTargetGroupArnSuffix),
                {
                    id: "busiest",
                    expression: "MAX([FILL(primary, 0), FILL(alternate, 0)])",
                    label: "requests per target (live target group)",
                    returnData: true,
                },
            ],
        },
    };
}

/** Arguments of {@link AwsService}. */
export interface AwsServiceArgs {
    /** What the service reads of the system: its name and environment (names, tags), log retention, traces. */
    system: SystemFacts;
    /** The service's plan on AWS (image, port, size, replicas, scaling signals, health check, variables, writable paths, rollout): what it renders. */
    service: ServicePlan;
    /** ECS cluster the service runs in. */
    clusterArn: pulumi.Input<string>;
    /** The cluster's name (part of the autoscaling resource id). */
    clusterName: pulumi.Input<string>;
    /** Private subnets the tasks run in (no public IPs are ever assigned). */
    subnetIds: pulumi.Input<string>[];
    /** The service's security group (from {@link AwsNetwork}). */
    securityGroupId: pulumi.Input<string>;
    /** KMS key ARN for the log group. */
    logsKmsKeyArn: pulumi.Input<string>;
    /**
     * Secret ARN of each generated secret the service lists (its `secrets`).
     * @default {}
     */
    appSecretArns?: Record<string, pulumi.Input<string>>;
    /**
     * KMS key the generated secrets are encrypted with (the execution role may decrypt with it).
     * @default none
     */
    appSecretsKmsKeyArn?: pulumi.Input<string>;
    /**
     * Bindings of the datastores the service uses, by datastore name.
     * @default {}
     */
    bindings?: Record<string, AwsDatastoreBinding>;
    /**
     * Target group and load balancer, for a routed web service.
     * @default none (workers, schedulers and unrouted services)
     */
    loadBalancer?: AwsServiceLoadBalancer;
    /**
     * The service's file-share mounts (EFS volumes through access points, see files.ts).
     * @default none (the service mounts no share)
     */
    fileShares?: AwsServiceMounts;
    /**
     * Fargate platform version; EFS volumes need 1.4.0 or later.
     * @default "LATEST"
     */
    platformVersion?: string;
    /**
     * The ECS services of the services whose migration this one waits for (the plan's
     * `afterMigrationsOf`): their `migrate` container runs in each of their tasks before the
     * application, and `waitForSteadyState` makes them complete only once their tasks are healthy,
     * so this service is created (or updated) only after the migration has succeeded.
     * @default []
     */
    afterMigrations?: pulumi.Resource[];
    /**
     * The alarm topic: a blue/green or canary service's rollback alarms (service/rollout.ts) notify it.
     * Without it such a service gets no rollback alarms (the circuit breaker still rolls back tasks that never turn healthy).
     * @default none
     */
    alarmTopicArn?: pulumi.Input<string>;
    /**
     * A blue/green or canary service's lifecycle hooks (components/aws/rollout-hook.ts: the system's
     * hook function at the plan's stages, plan/support/aws.ts `ecsHooks`) and what they need first
     * (the function, the role ECS invokes it with).
     * @default none
     */
    rolloutHook?: {
        lifecycleHooks: pulumi.Input<aws.types.input.ecs.ServiceDeploymentConfigurationLifecycleHook>[];
        ready: pulumi.Resource[];
    };
    /**
     * The system's pull-through cache for ECR Public (image-cache.ts): the task pulls its ECR Public images (busybox, the
     * trace collector, an ECR Public service image) from the account's registry through it, and the execution role may import them.
     * @default none (every image pulled as it is named)
     */
    imageCache?: AwsImageCacheRef;
}

/**
 * What judges a blue/green or canary deployment on AWS: the plan's analysis (plan/rollout.ts: the
 * rollout's own bounds, else the system's `monitoring` thresholds), measured over one-minute
 * periods or whole minutes of the interval, aborting after its failures among one more period.
 */
export function deploymentAnalysis(a: RolloutAnalysisPlan): DeploymentAnalysis {
    return {
        maxErrorRatePercent: a.errorRatePercent,
        maxLatencyMs: a.latencyMs,
        latencyPercentile: a.latencyPercentile,
        periodSeconds: Math.max(60, Math.ceil(a.intervalSeconds / 60) * 60),
        evaluationPeriods: a.failuresToAbort + 1,
        failureLimit: a.failuresToAbort,
        ...(a.query?.cloudwatch ? { query: { expression: a.query.cloudwatch, max: a.query.max } } : {}),
    };
}

/** One ECS Fargate service with its task definition, roles, logs and autoscaling. Type token `tierform:aws:Service`. */
export class AwsService extends pulumi.ComponentResource {
    readonly serviceName: pulumi.Output<string>;
    readonly serviceArn: pulumi.Output<string>;
    readonly taskDefinitionArn: pulumi.Output<string>;
    readonly executionRoleArn: pulumi.Output<string>;
    readonly taskRoleArn: pulumi.Output<string>;
    readonly logGroupName: pulumi.Output<string>;
    /** The ECS service (what services gated by this one's migration wait for). */
    readonly ecsService: aws.ecs.Service;

    constructor(name: string, args: AwsServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("tierform:aws:Service", name, {}, opts);
        const { system, service: svc } = args;
        const tags = { ...awsTags(system, "service"), service: svc.name };
        const part: ServicePart = { name, system, service: svc, tags, parent: this };
        const opt = { parent: this };
        const place = awsPlace(opt);
        const bindings = Object.fromEntries(Object.entries(args.bindings ?? {}).filter(([ds]) => svc.uses.includes(ds)));
        if (svc.kind === "web" && !svc.port) throw new Error(`service ${svc.name}: a web service needs a port`);
        const replicas = svc.replicas;

        const logGroup = new aws.cloudwatch.LogGroup(
            `${name}-logs`,
            {
                name: `/tierform/${resourceName([system.name, system.environment])}/${svc.name}`,
                retentionInDays: system.observability.logRetentionDays,
                kmsKeyId: args.logsKmsKeyArn,
                tags,
            },
            opt,
        );
        const appSecretArns = Object.fromEntries(
            svc.variables.appSecrets
                .map((s) => [s, args.appSecretArns?.[s]])
                .filter((e): e is [string, pulumi.Input<string>] => e[1] !== undefined),
        );
        const repository = ecrRepositoryArn(svc.image);
        const cache = args.imageCache;
        const execution = createExecutionRole(part, {
            accountId: place.accountId,
            logGroupArn: logGroup.arn,
            ...(repository ? { repository } : {}),
            ...(cache ? { cacheStatements: cache.statements } : {}),
            secretArns: [...new Set([...Object.values(appSecretArns), ...Object.values(bindings).flatMap((b) => b.executionSecretArns)])],
            kmsArns: [
                ...new Set([
                    ...(Object.keys(appSecretArns).length && args.appSecretsKmsKeyArn ? [args.appSecretsKmsKeyArn] : []),
                    ...Object.values(bindings).flatMap((b) => b.executionKmsKeyArns),
                ]),
            ],
        });
        const shares = args.fileShares;
        // A traced service runs the ADOT collector in its task (service/tracing.ts), which sends spans to X-Ray as the task role.
        const traced = exportsTraces(system, "aws");
        const task = createTaskRole(part, place.accountId, [
            ...Object.values(bindings).flatMap((b) => b.taskPolicyStatements),
            ...(shares?.taskPolicyStatements ?? []),
            ...(traced ? [XRAY_WRITE_STATEMENT] : []),
        ]);
        const healthCheck = containerHealthCheck(svc);
        const taskDefinition = createTaskDefinition(part, {
            vars: containerVariables(svc, appSecretArns, bindings),
            size: taskSize(svc, traced),
            ...(healthCheck ? { healthCheck } : {}),
            logGroupName: logGroup.name,
            region: place.region,
            executionRoleArn: execution.role.arn,
            taskRoleArn: task.role.arn,
            ...(shares ? { shares } : {}),
            tracing: traced,
            ...(cache ? { image: cache.image } : {}),
        });

        const targets = svc.scaling;
        const scales = Object.keys(targets).length > 0;
        const lb = args.loadBalancer;
        const shift = lb?.trafficShift;
        // A blue/green or canary deployment starts the whole new set beside the old one.
        const percents = shift ? { minimumHealthyPercent: 100, maximumPercent: 200 } : deploymentPercents(svc, replicas);
        // The plan's ECS deployment (plan/support/aws.ts): what runs, as `npm run plan` prints it.
        const deployment = ecsDeployment(svc.rollout);
        const rollbackAlarms =
            lb && shift && deployment && svc.rollout.analysis && args.alarmTopicArn
                ? createDeploymentAlarms(
                      part,
                      {
                          loadBalancerArnSuffix: lb.loadBalancerArnSuffix,
                          primaryTargetGroupArnSuffix: lb.targetGroupArnSuffix,
                          alternateTargetGroupArnSuffix: shift.alternateTargetGroupArnSuffix,
                      },
                      deploymentAnalysis(svc.rollout.analysis!),
                      args.alarmTopicArn,
                  )
                : undefined;
        // The HTTP checks' delays (an exec check is the container's own, not the load balancer's).
        const maxDelay = Math.max(
            0,
            ...[svc.health.readiness, svc.health.liveness].flatMap((c) => (c?.type === "http" ? [c.initialDelaySeconds] : [])),
        );
        const ecsService = new aws.ecs.Service(
            `${name}-service`,
            {
                cluster: args.clusterArn,
                taskDefinition: taskDefinition.arn,
                launchType: "FARGATE",
                platformVersion: args.platformVersion ?? "LATEST",
                desiredCount: replicas.min,
                networkConfiguration: { subnets: args.subnetIds, securityGroups: [args.securityGroupId], assignPublicIp: false },
                ...(lb
                    ? {
                          loadBalancers: [
                              {
                                  targetGroupArn: lb.targetGroupArn,
                                  containerName: svc.name,
                                  containerPort: svc.port!,
                                  ...(shift
                                      ? {
                                            advancedConfiguration: {
                                                alternateTargetGroupArn: shift.alternateTargetGroupArn,
                                                productionListenerRule: shift.productionListenerRuleArn,
                                                roleArn: shift.roleArn,
                                                ...(shift.testListenerRuleArn ? { testListenerRule: shift.testListenerRuleArn } : {}),
                                            },
                                        }
                                      : {}),
                              },
                              ...(lb.additionalTargetGroupArns ?? []).map((targetGroupArn) => ({
                                  targetGroupArn,
                                  containerName: svc.name,
                                  containerPort: svc.port!,
                              })),
                          ],
                          healthCheckGracePeriodSeconds: Math.max(30, maxDelay + 30),
                      }
                    : {}),
                ...(shift && deployment
                    ? {
                          deploymentConfiguration: {
                              ...trafficShiftDeployment(deployment),
                              ...(args.rolloutHook ? { lifecycleHooks: args.rolloutHook.lifecycleHooks } : {}),
                          },
                      }
                    : {}),
                deploymentCircuitBreaker: { enable: true, rollback: true },
                ...(rollbackAlarms ? { alarms: rollbackAlarms.serviceAlarms } : {}),
                deploymentMinimumHealthyPercent: percents.minimumHealthyPercent,
                deploymentMaximumPercent: percents.maximumPercent,
                enableExecuteCommand: false,
                enableEcsManagedTags: true,
                propagateTags: "SERVICE",
                // `pulumi up` fails when the deployment never turns steady (tasks that cannot write, crash or fail health checks),
                // instead of reporting success while the circuit breaker rolls back.
                waitForSteadyState: true,
                tags,
            },
            {
                parent: this,
                // The first tasks need their roles' policies (pull, logs, secrets; the application's own datastores).
                // Tasks that mount a share need its mount targets (one per zone) and the NFS egress rule.
                // A service reading a database another service migrates starts after that service is steady (migrated).
                dependsOn: [
                    ...(lb?.ready ?? []),
                    execution.policy,
                    ...(task.policy ? [task.policy] : []),
                    ...(shares?.ready ?? []),
                    ...(args.afterMigrations ?? []),
                    ...(args.rolloutHook?.ready ?? []),
                    ...(cache ? [cache.rule] : []),
                ],
                ignoreChanges: ecsOwnedFields(scales, Boolean(shift)),
                // Steady state takes the health-check grace, the deregistration delay and, for blue/green and canary, the bake time(s).
                customTimeouts: serviceTimeouts(shift ? deployment : undefined),
            },
        );

        if (scales)
            createAutoscaling(part, {
                clusterName: args.clusterName,
                serviceName: ecsService.name,
                replicas,
                targets,
                ...(lb ? { requestsMetric: requestsPerTargetMetric(lb) } : {}),
            });

        this.ecsService = ecsService;
        this.serviceName = ecsService.name;
        this.serviceArn = ecsService.arn;
        this.taskDefinitionArn = taskDefinition.arn;
        this.executionRoleArn = execution.role.arn;
        this.taskRoleArn = task.role.arn;
        this.logGroupName = logGroup.name;
        this.registerOutputs({ serviceName: this.serviceName, taskDefinitionArn: this.taskDefinitionArn, logGroupName: this.logGroupName });
    }
}
