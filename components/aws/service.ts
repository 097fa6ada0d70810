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
 *   is honoured for its first, riskiest step only; the steps in between would need a lifecycle
 *   hook (a Lambda) to hold each weight, which this program does not deploy.
 * Both need the edge's alternate target group and listener rule, so they apply to routed web
 * services; a worker or unrouted service with `blueGreen` or `canary` rolls (there is no traffic
 * to shift). The circuit breaker rolls back a deployment whose tasks never turn healthy.
 *
 * Cost (us-east-1 Fargate, x86: $0.04048 per vCPU-hour, $0.004445 per GB-hour): a task of
 * 1 vCPU / 2 GiB costs about $36 a month, 0.25 vCPU / 512 MiB about $9. The spec's resources are
 * honoured; without them a web service or worker gets the prod profile's 1 vCPU / 2 GiB and a
 * scheduler (one process that only enqueues) 0.25 vCPU / 512 MiB; a static frontend says its size
 * in the spec (MDC's React app: 0.25 / 512). The task size is the smallest Fargate size that fits.
 *
 * Migrations: a spec `migrate` command runs in a non-essential `migrate` container of every task,
 * with the application's image, variables and hardening, and the application container starts
 * only after it exits 0 (`dependsOn: SUCCESS`), so no new version takes traffic on an old schema
 * and a failing migration fails the deployment (the circuit breaker rolls it back). It runs at
 * every task start, scale-outs included, so the command must be idempotent and tolerate a
 * concurrent run (Prisma's `migrate deploy` takes a lock; Django's `migrate` has one task lose a
 * race and be replaced). A one-off task per deployment would need a lifecycle hook (a Lambda).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { Problem, Service, System } from "../../model";
import { planService, type ServicePlan } from "../../plan";
import { connectionValues } from "../shared/binding";
import { awsTags, resourceName } from "../shared/naming";
import type { AwsDatastoreBinding } from "./contract";
import type { AwsServiceMounts } from "./files";
import { assumeRolePolicy, awsNamePrefix, awsPlace, policyJson, problemOf } from "./common";
import { imageOf } from "../../conventions/pins";
import { DEFAULT_CAPABILITIES_BUT_CHOWN } from "../../conventions/capabilities";
import { HEALTH_TOOLS_DIR, httpCheckArgv } from "../shared/health";

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
 * ECS deployment percentages from the spec's rollout over the service's minimum replicas N:
 * minimumHealthyPercent = (N - maxUnavailable) / N, maximumPercent = (N + maxSurge) / N. A
 * scheduler never runs twice: 0 % / 100 % (the old task stops before the new one starts).
 */
export function deploymentPercents(service: Service): { minimumHealthyPercent: number; maximumPercent: number } {
    if (service.kind === "scheduler") return { minimumHealthyPercent: 0, maximumPercent: 100 };
    const n = Math.max(1, service.replicas.min);
    const unavailable = Math.min(service.rollout.maxUnavailable, n);
    // Neither surge nor unavailability would deadlock a deployment: allow one extra task.
    const surge = service.rollout.maxSurge === 0 && unavailable === 0 ? 1 : service.rollout.maxSurge;
    return {
        minimumHealthyPercent: Math.floor((100 * (n - unavailable)) / n),
        maximumPercent: Math.max(100, Math.ceil((100 * (n + surge)) / n)),
    };
}

/** Whether a service's rollout shifts traffic between two target groups (blue/green or canary), when it is routed. */
export const shiftsTraffic = (service: Service) => service.kind === "web" && service.rollout.strategy !== "rolling";

/** Name of the container that runs a service's `migrate` command before the application starts. */
export const MIGRATE_CONTAINER = "migrate";

/**
 * The non-essential container that makes a service's writable paths (`writablePaths` and /tmp, where
 * HOME is: plan/service.ts writablePathsOf) writable for its user. On
 * Fargate every bind-mount volume starts empty, owned by root with mode 0755 ("By default, the
 * volume permissions are set to 0755 and the owner as root", ECS developer guide, bind mounts:
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/bind-mounts.html; the only other
 * documented way, a `VOLUME` in the image's Dockerfile, depends on the image), while the
 * application runs as a non-root uid on a read-only root. So this container starts first, as root
 * but with every default capability dropped except CHOWN, chowns the mount points to the service's
 * uid, and exits; the application (and `migrate`) start only after it exited 0.
 */
export const VOLUME_PERMISSIONS_CONTAINER = "volume-permissions";
/** The image of {@link VOLUME_PERMISSIONS_CONTAINER}: busybox from ECR Public's Docker official-images mirror (no Docker Hub pull limits). */
export const VOLUME_PERMISSIONS_IMAGE = imageOf("busybox");
/** Docker's default capabilities but CHOWN: what the volume-permissions container drops (Fargate adds none but SYS_PTRACE). */
export const DROP_ALL_BUT_CHOWN = [...DEFAULT_CAPABILITIES_BUT_CHOWN];

/**
 * What ECS owns on a service once it exists, so a later `pulumi up` leaves it as ECS has it:
 * `desiredCount` when autoscaling sets it; for blue/green and canary, `loadBalancers` (each
 * deployment swaps the production and alternate target groups, ECS developer guide "Amazon ECS
 * blue/green deployments": https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-type-blue-green.html).
 * The production listener rule's `actions` (weights and target groups) are the edge's to ignore.
 */
export function ecsOwnedFields(scales: boolean, shiftsTrafficNow: boolean): string[] {
    return [...(scales ? ["desiredCount"] : []), ...(shiftsTrafficNow ? ["loadBalancers"] : [])];
}

/**
 * How long `pulumi up` waits for a service to turn steady (`waitForSteadyState`): 30 minutes,
 * plus for a blue/green or canary service every bake its deployment holds (the canary step, each
 * linear step, the final bake). The provider's default is 20 minutes (terraform-provider-aws
 * `aws_ecs_service` timeouts), too short for a canary.
 */
export function serviceTimeouts(shifting: Service | undefined, bakeMinutes = DEFAULT_BAKE_MINUTES): { create: string; update: string } {
    let minutes = 30;
    if (shifting) {
        const d = trafficShiftDeployment(shifting, bakeMinutes);
        minutes += bakeMinutes;
        if (d.strategy === "CANARY") minutes += bakeMinutes;
        if (d.strategy === "LINEAR")
            minutes += Math.ceil(100 / Number((d.linearConfiguration as { stepPercent: number }).stepPercent)) * bakeMinutes;
    }
    return { create: `${minutes}m`, update: `${minutes}m` };
}

/** Minutes ECS keeps the old set after the new one takes all traffic, and holds a canary step. */
export const DEFAULT_BAKE_MINUTES = 10;

/**
 * The ECS deployment configuration of a routed service that shifts traffic (see the module
 * comment): BLUE_GREEN, LINEAR for evenly spaced canary steps, CANARY otherwise.
 */
export function trafficShiftDeployment(
    service: Service,
    bakeMinutes = DEFAULT_BAKE_MINUTES,
): aws.types.input.ecs.ServiceDeploymentConfiguration {
    const bake = String(bakeMinutes);
    if (service.rollout.strategy === "blueGreen") return { strategy: "BLUE_GREEN", bakeTimeInMinutes: bake };
    const steps = [...(service.rollout.canarySteps ?? [10, 100])].sort((a, b) => a - b);
    const first = steps[0];
    const linear =
        steps.length > 2 && first >= 3 && steps.every((p, i) => p === Math.min(100, first * (i + 1))) && steps[steps.length - 1] === 100;
    if (linear)
        return { strategy: "LINEAR", bakeTimeInMinutes: bake, linearConfiguration: { stepPercent: first, stepBakeTimeInMinutes: bake } };
    return {
        strategy: "CANARY",
        bakeTimeInMinutes: bake,
        canaryConfiguration: { canaryPercent: first === 100 ? 10 : first, canaryBakeTimeInMinutes: bake },
    };
}

/**
 * The non-essential container that copies the static busybox of {@link VOLUME_PERMISSIONS_IMAGE}
 * (the musl build, CONFIG_STATIC=y) into a task volume mounted read-only at
 * {@link HEALTH_TOOLS_DIR} in the application container, for a service whose HTTP check uses the
 * `provided` tool (services.<n>.healthTool): the check then needs nothing in the image. It runs
 * as root (a Fargate bind-mount volume is root's, mode 0755) with every capability dropped, and
 * the application starts after it exited 0.
 */
export const HEALTH_TOOLS_CONTAINER = "health-tools";

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

/** What ECS cannot run for a service: a web service without a port, or resources no Fargate task size has. */
export function serviceProblems(service: Service): Problem[] {
    return [
        ...(service.kind === "web" && !service.port
            ? [{ where: `services.${service.name}.port`, message: "a web service needs a port" }]
            : []),
        ...problemOf(`services.${service.name}.resources`, () => fargateSize(service.resources.cpu, service.resources.memoryMb)),
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
    system: System,
    service: Service,
    appSecretArns: Record<string, pulumi.Input<string>>,
    bindings: Record<string, AwsDatastoreBinding>,
    plan: ServicePlan = planService(system, service, "aws"),
): ContainerVariables {
    const secrets: Record<string, pulumi.Input<string>> = {};
    for (const variable of plan.variables.appSecrets) {
        const arn = appSecretArns[variable];
        if (arn === undefined) throw new Error(`service ${service.name}: no secret for ${variable}`);
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
    /** The resolved system (tags, log retention, connection variables). */
    system: System;
    /** The service to run. */
    service: Service;
    /** The service's plan (replicas, scaling signals, health check). @default planService(system, service, "aws") */
    plan?: ServicePlan;
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
     * Blue/green and canary: minutes the old set stays after the new one takes all traffic, and
     * minutes each canary or linear step holds.
     * @default 10
     */
    bakeTimeInMinutes?: number;
    /**
     * The ECS services of the services whose migration this one waits for (the plan's
     * `afterMigrationsOf`): their `migrate` container runs in each of their tasks before the
     * application, and `waitForSteadyState` makes them complete only once their tasks are healthy,
     * so this service is created (or updated) only after the migration has succeeded.
     * @default []
     */
    afterMigrations?: pulumi.Resource[];
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
        const opt = { parent: this };
        const place = awsPlace(opt);
        const bindings = Object.fromEntries(Object.entries(args.bindings ?? {}).filter(([ds]) => svc.uses.includes(ds)));
        if (svc.kind === "web" && !svc.port) throw new Error(`service ${svc.name}: a web service needs a port`);
        const plan = args.plan ?? planService(system, svc, "aws");
        const replicas = plan.replicas;

        const logGroup = new aws.cloudwatch.LogGroup(
            `${name}-logs`,
            {
                name: `/tierform/${resourceName([system.name, system.environment])}/${svc.name}`,
                retentionInDays: system.profile.logRetentionDays,
                kmsKeyId: args.logsKmsKeyArn,
                tags,
            },
            opt,
        );

        const assume = assumeRolePolicy("ecs-tasks.amazonaws.com", place.accountId);

        // Execution role: what ECS itself needs to start the task — pull, write logs, inject this service's secrets.
        const executionRole = new aws.iam.Role(
            `${name}-execution`,
            {
                namePrefix: awsNamePrefix("iamRole", [system.name, svc.name, "execution"]),
                description: `ECS agent of ${system.name}/${svc.name}: pull, logs, secrets`,
                assumeRolePolicy: assume,
                tags,
            },
            opt,
        );
        const appSecretArns = Object.fromEntries(
            svc.secrets.map((s) => [s, args.appSecretArns?.[s]]).filter((e): e is [string, pulumi.Input<string>] => e[1] !== undefined),
        );
        const secretArns = [
            ...new Set([...Object.values(appSecretArns), ...Object.values(bindings).flatMap((b) => b.executionSecretArns)]),
        ];
        const kmsArns = [
            ...new Set([
                ...(Object.keys(appSecretArns).length && args.appSecretsKmsKeyArn ? [args.appSecretsKmsKeyArn] : []),
                ...Object.values(bindings).flatMap((b) => b.executionKmsKeyArns),
            ]),
        ];
        const repository = ecrRepositoryArn(svc.image);
        const executionStatements: pulumi.Input<aws.iam.PolicyStatement>[] = [
            {
                Sid: "Logs",
                Effect: "Allow",
                Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
                Resource: pulumi.interpolate`${logGroup.arn}:log-stream:*`,
            },
        ];
        if (repository) {
            executionStatements.push({ Sid: "EcrAuth", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" });
            executionStatements.push({
                Sid: "EcrPull",
                Effect: "Allow",
                Action: ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
                Resource: repository,
            });
        }
        if (secretArns.length)
            executionStatements.push({ Sid: "OwnSecrets", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: secretArns });
        if (kmsArns.length) executionStatements.push({ Sid: "OwnSecretKeys", Effect: "Allow", Action: "kms:Decrypt", Resource: kmsArns });
        const executionPolicy = new aws.iam.RolePolicy(
            `${name}-execution`,
            { role: executionRole.id, policy: policyJson(executionStatements) },
            opt,
        );

        // Task role: what the application may do — only the bindings' statements (its own buckets, queues, ...).
        const taskRole = new aws.iam.Role(
            `${name}-task`,
            {
                namePrefix: awsNamePrefix("iamRole", [system.name, svc.name, "task"]),
                description: `Application ${system.name}/${svc.name}: its own datastores only`,
                assumeRolePolicy: assume,
                tags,
            },
            opt,
        );
        const shares = args.fileShares;
        const taskStatements = [...Object.values(bindings).flatMap((b) => b.taskPolicyStatements), ...(shares?.taskPolicyStatements ?? [])];
        const taskPolicy = taskStatements.length
            ? new aws.iam.RolePolicy(`${name}-task`, { role: taskRole.id, policy: policyJson(taskStatements) }, opt)
            : undefined;

        const vars = containerVariables(system, svc, appSecretArns, bindings, plan);
        const size = fargateSize(svc.resources.cpu, svc.resources.memoryMb);
        const volumes = plan.writablePaths.map((p, i) => ({ name: `scratch-${i}`, path: p }));
        const healthCheck = containerHealthCheck(plan);
        // What the application and its migration container share: image, hardening, variables, logs.
        const hardened = (containerName: string) => ({
            name: containerName,
            image: svc.image,
            user: `${svc.runAsUser}:${svc.runAsUser}`,
            readonlyRootFilesystem: true,
            privileged: false,
            linuxParameters: { initProcessEnabled: true, capabilities: { drop: ["ALL"] } },
            mountPoints,
            environment: Object.entries(vars.environment).map(([k, value]) => ({ name: k, value })),
            secrets: Object.entries(vars.secrets).map(([k, valueFrom]) => ({ name: k, valueFrom })),
            logConfiguration: {
                logDriver: "awslogs",
                options: { "awslogs-group": logGroup.name, "awslogs-region": place.region, "awslogs-stream-prefix": containerName },
            },
        });
        const scratchMounts = volumes.map((v) => ({ sourceVolume: v.name, containerPath: v.path, readOnly: false }));
        // The `provided` health tool: busybox copied into a task volume before the application starts.
        const liveness = plan.health.liveness;
        const providedTool = liveness?.type === "http" && liveness.tool === "provided";
        const healthTools = providedTool
            ? {
                  name: HEALTH_TOOLS_CONTAINER,
                  image: VOLUME_PERMISSIONS_IMAGE,
                  essential: false,
                  user: "0",
                  readonlyRootFilesystem: true,
                  privileged: false,
                  linuxParameters: { capabilities: { drop: ["ALL"] } },
                  command: ["cp", "/bin/busybox", `${HEALTH_TOOLS_DIR}/busybox`],
                  mountPoints: [{ sourceVolume: HEALTH_TOOLS_CONTAINER, containerPath: HEALTH_TOOLS_DIR, readOnly: false }],
                  cpu: 0,
                  memoryReservation: 16,
                  logConfiguration: {
                      logDriver: "awslogs",
                      options: {
                          "awslogs-group": logGroup.name,
                          "awslogs-region": place.region,
                          "awslogs-stream-prefix": HEALTH_TOOLS_CONTAINER,
                      },
                  },
              }
            : undefined;
        // Scratch space and the file shares (whose access points already make them the service user's).
        const mountPoints = [...scratchMounts, ...(shares?.mountPoints ?? [])];
        const volumePermissions = volumes.length
            ? {
                  name: VOLUME_PERMISSIONS_CONTAINER,
                  image: VOLUME_PERMISSIONS_IMAGE,
                  essential: false,
                  user: "0",
                  readonlyRootFilesystem: true,
                  privileged: false,
                  linuxParameters: { capabilities: { drop: DROP_ALL_BUT_CHOWN } },
                  command: ["chown", `${svc.runAsUser}:${svc.runAsUser}`, ...volumes.map((v) => v.path)],
                  mountPoints: scratchMounts,
                  cpu: 0,
                  memoryReservation: 16,
                  logConfiguration: {
                      logDriver: "awslogs",
                      options: {
                          "awslogs-group": logGroup.name,
                          "awslogs-region": place.region,
                          "awslogs-stream-prefix": VOLUME_PERMISSIONS_CONTAINER,
                      },
                  },
              }
            : undefined;
        const afterVolumes = volumePermissions ? [{ containerName: VOLUME_PERMISSIONS_CONTAINER, condition: "SUCCESS" }] : [];
        const migrate = svc.migrate
            ? {
                  ...hardened(MIGRATE_CONTAINER),
                  essential: false,
                  command: svc.migrate.command,
                  ...(afterVolumes.length ? { dependsOn: afterVolumes } : {}),
              }
            : undefined;
        const app = hardened(svc.name);
        const container = {
            ...app,
            ...(healthTools
                ? {
                      mountPoints: [
                          ...mountPoints,
                          { sourceVolume: HEALTH_TOOLS_CONTAINER, containerPath: HEALTH_TOOLS_DIR, readOnly: true },
                      ],
                  }
                : {}),
            essential: true,
            ...(svc.command ? { command: svc.command } : {}),
            portMappings: svc.port ? [{ containerPort: svc.port, protocol: "tcp" }] : [],
            ...(healthCheck ? { healthCheck } : {}),
            // The application starts only once its volumes are its own and the migration has exited 0.
            ...(migrate || volumePermissions || healthTools
                ? {
                      dependsOn: [
                          ...afterVolumes,
                          ...(migrate ? [{ containerName: MIGRATE_CONTAINER, condition: "SUCCESS" }] : []),
                          ...(healthTools ? [{ containerName: HEALTH_TOOLS_CONTAINER, condition: "SUCCESS" }] : []),
                      ],
                  }
                : {}),
            stopTimeout: 30,
        };
        const taskDefinition = new aws.ecs.TaskDefinition(
            `${name}-task`,
            {
                family: resourceName([system.name, system.environment, svc.name], 255),
                requiresCompatibilities: ["FARGATE"],
                networkMode: "awsvpc",
                cpu: String(size.cpu),
                memory: String(size.memory),
                runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: "X86_64" },
                executionRoleArn: executionRole.arn,
                taskRoleArn: taskRole.arn,
                containerDefinitions: pulumi.jsonStringify([
                    container,
                    ...(migrate ? [migrate] : []),
                    ...(volumePermissions ? [volumePermissions] : []),
                    ...(healthTools ? [healthTools] : []),
                ]),
                volumes: [
                    ...volumes.map((v) => ({ name: v.name })),
                    ...(healthTools ? [{ name: HEALTH_TOOLS_CONTAINER }] : []),
                    ...(shares?.volumes ?? []),
                ],
                tags,
            },
            opt,
        );

        const targets = plan.scaling;
        const scales = Object.keys(targets).length > 0;
        const lb = args.loadBalancer;
        const shift = lb?.trafficShift;
        // A blue/green or canary deployment starts the whole new set beside the old one.
        const percents = shift ? { minimumHealthyPercent: 100, maximumPercent: 200 } : deploymentPercents(svc);
        const maxDelay = Math.max(svc.health.readiness?.initialDelaySeconds ?? 0, svc.health.liveness?.initialDelaySeconds ?? 0);
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
                ...(shift ? { deploymentConfiguration: trafficShiftDeployment(svc, args.bakeTimeInMinutes) } : {}),
                deploymentCircuitBreaker: { enable: true, rollback: true },
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
                    executionPolicy,
                    ...(taskPolicy ? [taskPolicy] : []),
                    ...(shares?.ready ?? []),
                    ...(args.afterMigrations ?? []),
                ],
                ignoreChanges: ecsOwnedFields(scales, Boolean(shift)),
                // Steady state takes the health-check grace, the deregistration delay and, for blue/green and canary, the bake time(s).
                customTimeouts: serviceTimeouts(shift ? svc : undefined, args.bakeTimeInMinutes),
            },
        );

        if (scales) {
            const resourceId = pulumi.interpolate`service/${args.clusterName}/${ecsService.name}`;
            const target = new aws.appautoscaling.Target(
                `${name}-scaling`,
                {
                    serviceNamespace: "ecs",
                    scalableDimension: "ecs:service:DesiredCount",
                    resourceId,
                    minCapacity: replicas.min,
                    maxCapacity: replicas.max,
                    tags,
                },
                opt,
            );
            type MetricSpec = Pick<
                aws.types.input.appautoscaling.PolicyTargetTrackingScalingPolicyConfiguration,
                "predefinedMetricSpecification" | "customizedMetricSpecification"
            >;
            const policy = (key: string, targetValue: number, metric: MetricSpec) =>
                new aws.appautoscaling.Policy(
                    `${name}-${key}`,
                    {
                        policyType: "TargetTrackingScaling",
                        serviceNamespace: target.serviceNamespace,
                        scalableDimension: target.scalableDimension,
                        resourceId: target.resourceId,
                        targetTrackingScalingPolicyConfiguration: { targetValue, ...metric, scaleInCooldown: 300, scaleOutCooldown: 60 },
                    },
                    opt,
                );
            if (targets.cpuPercent !== undefined)
                policy("cpu", targets.cpuPercent, {
                    predefinedMetricSpecification: { predefinedMetricType: "ECSServiceAverageCPUUtilization" },
                });
            if (targets.memoryPercent !== undefined)
                policy("memory", targets.memoryPercent, {
                    predefinedMetricSpecification: { predefinedMetricType: "ECSServiceAverageMemoryUtilization" },
                });
            // Requests per target per minute (a per-minute sum, so the spec's number is the target as is).
            if (targets.requestsPerMinute !== undefined && lb) policy("requests", targets.requestsPerMinute, requestsPerTargetMetric(lb));
        }

        this.ecsService = ecsService;
        this.serviceName = ecsService.name;
        this.serviceArn = ecsService.arn;
        this.taskDefinitionArn = taskDefinition.arn;
        this.executionRoleArn = executionRole.arn;
        this.taskRoleArn = taskRole.arn;
        this.logGroupName = logGroup.name;
        this.registerOutputs({ serviceName: this.serviceName, taskDefinitionArn: this.taskDefinitionArn, logGroupName: this.logGroupName });
    }
}
