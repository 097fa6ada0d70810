/**
 * The AWS app tier: one ECS Fargate service per spec service, in the private subnets without
 * public IPs. Each gets a task definition (the spec's image, command, port, CPU/memory, health
 * check, read-only root filesystem with writable scratch volumes, non-root user), an encrypted
 * log group, separate execution and task roles with least-privilege policies, credentials only
 * through ECS `secrets`, a deployment circuit breaker with rollback, healthy percentages from the
 * spec's rollout, and target-tracking autoscaling (CPU, memory, ALB requests per target).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { Service, System } from "../../spec";
import { connectionVariables } from "../shared/connection";
import { awsTags, resourceName } from "../shared/naming";
import type { AwsDatastoreBinding } from "./contract";
import { awsContext } from "./keys";

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

/** Autoscaling targets of a service: the spec's, or CPU 70 % when it scales but names none. Empty when it does not scale. */
export function scalingTargets(service: Service): { cpuPercent?: number; memoryPercent?: number; requestsPerMinute?: number } {
    if (service.kind === "scheduler" || service.replicas.max <= service.replicas.min) return {};
    const a = service.autoscaling ?? {};
    if (a.cpuPercent === undefined && a.memoryPercent === undefined && a.requestsPerMinute === undefined) return { cpuPercent: 70 };
    return a;
}

/** Names of variables the container gets in `environment` (plain) and in `secrets` (Secrets Manager ARNs). */
export interface ContainerVariables {
    environment: Record<string, pulumi.Input<string>>;
    secrets: Record<string, pulumi.Input<string>>;
}

/**
 * What the container receives: the spec's plain `env`, the generated secrets by ARN, and for each
 * datastore it uses the binding's variables, with the conventional aliases (DATABASE_URL,
 * REDIS_URL, ...) taken from the datastore `connectionVariables` assigns them to. A variable that
 * carries credentials is only ever a secret; the spec's `env` cannot shadow a secret.
 */
export function containerVariables(
    system: System,
    service: Service,
    appSecretArns: Record<string, pulumi.Input<string>>,
    bindings: Record<string, AwsDatastoreBinding>,
): ContainerVariables {
    const environment: Record<string, pulumi.Input<string>> = { ...service.env };
    const secrets: Record<string, pulumi.Input<string>> = {};
    for (const variable of service.secrets) {
        const arn = appSecretArns[variable];
        if (arn === undefined) throw new Error(`service ${service.name}: no secret for ${variable}`);
        secrets[variable] = arn;
    }
    const conn = connectionVariables(system, service);
    const aliasOwner = new Map(conn.map((v) => [v.variable, v.datastore]));
    const upper = (n: string) => n.toUpperCase().replace(/-/g, "_");
    for (const ds of service.uses) {
        const b = bindings[ds];
        if (!b) continue;
        // Another datastore's alias (e.g. a second database's DATABASE_URL) is not this one to set.
        const mine = (k: string) => (aliasOwner.get(k) ?? ds) === ds;
        for (const [k, v] of Object.entries(b.environment)) if (mine(k)) environment[k] = v;
        for (const [k, v] of Object.entries(b.secrets)) if (mine(k)) secrets[k] = v;
    }
    for (const v of conn) {
        const b = bindings[v.datastore];
        if (!b) continue;
        if (v.secret && !(v.variable in secrets)) {
            // An alias the binding does not spell out: the datastore's own variable under the alias name.
            const own = b.secrets[`${upper(v.datastore)}_URL`];
            if (own === undefined) throw new Error(`service ${service.name}: the binding of ${v.datastore} gives no secret for ${v.variable} (credentials never travel as plain variables)`);
            secrets[v.variable] = own;
        } else if (!v.secret && !(v.variable in environment) && !(v.variable in secrets)) {
            const own = b.environment[`${upper(v.datastore)}_BUCKET`] ?? b.secrets[`${upper(v.datastore)}_BUCKET`];
            if (own !== undefined) environment[v.variable] = own;
        }
    }
    for (const k of Object.keys(secrets)) delete environment[k];
    return { environment, secrets };
}

/** The ECR repository ARN of an ECR image, or undefined for other registries. */
export function ecrRepositoryArn(imageRef: string, partition = "aws"): string | undefined {
    const m = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([^:@]+)/.exec(imageRef);
    return m ? `arn:${partition}:ecr:${m[2]}:${m[1]}:repository/${m[3]}` : undefined;
}

/** Where the service's tasks attach to the load balancer. */
export interface AwsServiceLoadBalancer {
    targetGroupArn: pulumi.Input<string>;
    /** `targetgroup/<name>/<id>`. */
    targetGroupArnSuffix: pulumi.Input<string>;
    /** `app/<name>/<id>`. */
    loadBalancerArnSuffix: pulumi.Input<string>;
}

/** Arguments of {@link AwsService}. */
export interface AwsServiceArgs {
    /** The resolved system (tags, log retention, connection variables). */
    system: System;
    /** The service to run. */
    service: Service;
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
     * Fargate platform version.
     * @default "LATEST"
     */
    platformVersion?: string;
}

/** One ECS Fargate service with its task definition, roles, logs and autoscaling. Type token `tierform:aws:Service`. */
export class AwsService extends pulumi.ComponentResource {
    readonly serviceName: pulumi.Output<string>;
    readonly serviceArn: pulumi.Output<string>;
    readonly taskDefinitionArn: pulumi.Output<string>;
    readonly executionRoleArn: pulumi.Output<string>;
    readonly taskRoleArn: pulumi.Output<string>;
    readonly logGroupName: pulumi.Output<string>;

    constructor(name: string, args: AwsServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("tierform:aws:Service", name, {}, opts);
        const { system, service: svc } = args;
        const tags = { ...awsTags(system, "service"), service: svc.name };
        const opt = { parent: this };
        const ctx = awsContext(this);
        const bindings = Object.fromEntries(Object.entries(args.bindings ?? {}).filter(([ds]) => svc.uses.includes(ds)));
        if (svc.kind === "web" && !svc.port) throw new Error(`service ${svc.name}: a web service needs a port`);
        const replicas = svc.kind === "scheduler" ? { min: Math.min(1, svc.replicas.min), max: 1 } : svc.replicas;

        const logGroup = new aws.cloudwatch.LogGroup(
            `${name}-logs`,
            { name: `/tierform/${resourceName([system.name, system.environment])}/${svc.name}`, retentionInDays: system.profile.logRetentionDays, kmsKeyId: args.logsKmsKeyArn, tags },
            opt,
        );

        const assume = pulumi.jsonStringify({
            Version: "2012-10-17",
            Statement: [
                {
                    Effect: "Allow",
                    Principal: { Service: "ecs-tasks.amazonaws.com" },
                    Action: "sts:AssumeRole",
                    Condition: { StringEquals: { "aws:SourceAccount": ctx.accountId } },
                },
            ],
        });

        // Execution role: what ECS itself needs to start the task — pull, write logs, inject this service's secrets.
        const executionRole = new aws.iam.Role(`${name}-execution`, { description: `ECS agent of ${system.name}/${svc.name}: pull, logs, secrets`, assumeRolePolicy: assume, tags }, opt);
        const appSecretArns = Object.fromEntries(svc.secrets.map((s) => [s, args.appSecretArns?.[s]]).filter((e): e is [string, pulumi.Input<string>] => e[1] !== undefined));
        const secretArns = [...new Set([...Object.values(appSecretArns), ...Object.values(bindings).flatMap((b) => b.executionSecretArns)])];
        const kmsArns = [...new Set([...(Object.keys(appSecretArns).length && args.appSecretsKmsKeyArn ? [args.appSecretsKmsKeyArn] : []), ...Object.values(bindings).flatMap((b) => b.executionKmsKeyArns)])];
        const repository = ecrRepositoryArn(svc.image);
        const executionStatements: any[] = [
            { Sid: "Logs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: pulumi.interpolate`${logGroup.arn}:log-stream:*` },
        ];
        if (repository) {
            executionStatements.push({ Sid: "EcrAuth", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" });
            executionStatements.push({ Sid: "EcrPull", Effect: "Allow", Action: ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"], Resource: repository });
        }
        if (secretArns.length) executionStatements.push({ Sid: "OwnSecrets", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: secretArns });
        if (kmsArns.length) executionStatements.push({ Sid: "OwnSecretKeys", Effect: "Allow", Action: "kms:Decrypt", Resource: kmsArns });
        new aws.iam.RolePolicy(`${name}-execution`, { role: executionRole.id, policy: pulumi.jsonStringify({ Version: "2012-10-17", Statement: executionStatements }) }, opt);

        // Task role: what the application may do — only the bindings' statements (its own buckets, queues, ...).
        const taskRole = new aws.iam.Role(`${name}-task`, { description: `Application ${system.name}/${svc.name}: its own datastores only`, assumeRolePolicy: assume, tags }, opt);
        const taskStatements = Object.values(bindings).flatMap((b) => b.taskPolicyStatements);
        if (taskStatements.length) {
            new aws.iam.RolePolicy(`${name}-task`, { role: taskRole.id, policy: pulumi.jsonStringify({ Version: "2012-10-17", Statement: taskStatements }) }, opt);
        }

        const vars = containerVariables(system, svc, appSecretArns, bindings);
        const size = fargateSize(svc.resources.cpu, svc.resources.memoryMb);
        const volumes = svc.writablePaths.map((p, i) => ({ name: `scratch-${i}`, path: p }));
        const liveness = svc.health.liveness;
        const container = {
            name: svc.name,
            image: svc.image,
            essential: true,
            ...(svc.command ? { command: svc.command } : {}),
            portMappings: svc.port ? [{ containerPort: svc.port, protocol: "tcp" }] : [],
            ...(liveness && svc.port
                ? {
                      healthCheck: {
                          command: ["CMD-SHELL", `wget -q -O /dev/null http://127.0.0.1:${svc.port}${liveness.path} || curl -fsS -o /dev/null http://127.0.0.1:${svc.port}${liveness.path} || exit 1`],
                          interval: Math.min(300, Math.max(5, liveness.periodSeconds)),
                          timeout: Math.min(60, Math.max(2, liveness.timeoutSeconds)),
                          retries: Math.min(10, Math.max(1, liveness.failureThreshold)),
                          startPeriod: Math.min(300, liveness.initialDelaySeconds),
                      },
                  }
                : {}),
            user: `${svc.runAsUser}:${svc.runAsUser}`,
            readonlyRootFilesystem: true,
            privileged: false,
            linuxParameters: { initProcessEnabled: true, capabilities: { drop: ["ALL"] } },
            mountPoints: volumes.map((v) => ({ sourceVolume: v.name, containerPath: v.path, readOnly: false })),
            environment: Object.entries(vars.environment).map(([k, value]) => ({ name: k, value })),
            secrets: Object.entries(vars.secrets).map(([k, valueFrom]) => ({ name: k, valueFrom })),
            logConfiguration: {
                logDriver: "awslogs",
                options: { "awslogs-group": logGroup.name, "awslogs-region": ctx.region, "awslogs-stream-prefix": svc.name },
            },
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
                containerDefinitions: pulumi.jsonStringify([container]),
                volumes: volumes.map((v) => ({ name: v.name })),
                tags,
            },
            opt,
        );

        const targets = scalingTargets({ ...svc, replicas });
        const scales = Object.keys(targets).length > 0;
        const percents = deploymentPercents(svc);
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
                ...(args.loadBalancer
                    ? {
                          loadBalancers: [{ targetGroupArn: args.loadBalancer.targetGroupArn, containerName: svc.name, containerPort: svc.port! }],
                          healthCheckGracePeriodSeconds: Math.max(30, maxDelay + 30),
                      }
                    : {}),
                deploymentCircuitBreaker: { enable: true, rollback: true },
                deploymentMinimumHealthyPercent: percents.minimumHealthyPercent,
                deploymentMaximumPercent: percents.maximumPercent,
                enableExecuteCommand: false,
                enableEcsManagedTags: true,
                propagateTags: "SERVICE",
                waitForSteadyState: false,
                tags,
            },
            // Autoscaling owns the task count once the service exists.
            { parent: this, ignoreChanges: scales ? ["desiredCount"] : [] },
        );

        if (scales) {
            const resourceId = pulumi.interpolate`service/${args.clusterName}/${ecsService.name}`;
            const target = new aws.appautoscaling.Target(
                `${name}-scaling`,
                { serviceNamespace: "ecs", scalableDimension: "ecs:service:DesiredCount", resourceId, minCapacity: replicas.min, maxCapacity: replicas.max, tags },
                opt,
            );
            const policy = (key: string, predefinedMetricType: string, targetValue: number, resourceLabel?: pulumi.Input<string>) =>
                new aws.appautoscaling.Policy(
                    `${name}-${key}`,
                    {
                        policyType: "TargetTrackingScaling",
                        serviceNamespace: target.serviceNamespace,
                        scalableDimension: target.scalableDimension,
                        resourceId: target.resourceId,
                        targetTrackingScalingPolicyConfiguration: {
                            targetValue,
                            predefinedMetricSpecification: { predefinedMetricType, ...(resourceLabel ? { resourceLabel } : {}) },
                            scaleInCooldown: 300,
                            scaleOutCooldown: 60,
                        },
                    },
                    opt,
                );
            if (targets.cpuPercent !== undefined) policy("cpu", "ECSServiceAverageCPUUtilization", targets.cpuPercent);
            if (targets.memoryPercent !== undefined) policy("memory", "ECSServiceAverageMemoryUtilization", targets.memoryPercent);
            // ALBRequestCountPerTarget is a per-minute sum, so the spec's requests per minute is the target as is.
            if (targets.requestsPerMinute !== undefined && args.loadBalancer) {
                const lb = args.loadBalancer;
                policy("requests", "ALBRequestCountPerTarget", targets.requestsPerMinute, pulumi.interpolate`${lb.loadBalancerArnSuffix}/${lb.targetGroupArnSuffix}`);
            }
        }

        this.serviceName = ecsService.name;
        this.serviceArn = ecsService.arn;
        this.taskDefinitionArn = taskDefinition.arn;
        this.executionRoleArn = executionRole.arn;
        this.taskRoleArn = taskRole.arn;
        this.logGroupName = logGroup.name;
        this.registerOutputs({ serviceName: this.serviceName, taskDefinitionArn: this.taskDefinitionArn, logGroupName: this.logGroupName });
    }
}
