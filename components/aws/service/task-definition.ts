/**
 * A service's task definition: the application container (the spec's image, command, port, health
 * check, read-only root, non-root user, no capabilities) and its non-essential helpers — the
 * volume-permissions step, the `migrate` step, the health-tools copy and, where traces are on, the
 * ADOT trace collector (tracing.ts) — which the application waits for; scratch volumes for its
 * writable paths; the Fargate size that fits its resources.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { imageOf } from "../../../conventions/pins";
import { DEFAULT_CAPABILITIES_BUT_CHOWN } from "../../../conventions/capabilities";
import { resourceName } from "../../shared/naming";
import { HEALTH_TOOLS_DIR } from "../../shared/health";
import type { AwsServiceMounts } from "../files";
import type { ServicePart } from "./part";
import { ADOT_CONTAINER, ADOT_IMAGE, adotContainer } from "./tracing";

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
 * The non-essential container that copies the static busybox of {@link VOLUME_PERMISSIONS_IMAGE}
 * (the musl build, CONFIG_STATIC=y) into a task volume mounted read-only at
 * {@link HEALTH_TOOLS_DIR} in the application container, for a service whose HTTP check uses the
 * `provided` tool (services.<n>.healthTool): the check then needs nothing in the image. It runs
 * as root (a Fargate bind-mount volume is root's, mode 0755) with every capability dropped, and
 * the application starts after it exited 0.
 */
export const HEALTH_TOOLS_CONTAINER = "health-tools";

/** What the task definition is made of, computed by the service (service.ts). */
export interface TaskDefinitionArgs {
    /** The container's variables: plain values and Secrets Manager ARNs (service.ts containerVariables). */
    vars: { environment: Record<string, pulumi.Input<string>>; secrets: Record<string, pulumi.Input<string>> };
    /** The Fargate size (service.ts fargateSize). */
    size: { cpu: number; memory: number };
    /** The container health check (service.ts containerHealthCheck). @default none */
    healthCheck?: Record<string, unknown>;
    /** The log group every container writes to. */
    logGroupName: pulumi.Input<string>;
    /** The region of the log group. */
    region: pulumi.Input<string>;
    /** The roles: ECS's own and the application's. */
    executionRoleArn: pulumi.Input<string>;
    /** The application's role. */
    taskRoleArn: pulumi.Input<string>;
    /** The file-share mounts (files.ts). @default none */
    shares?: AwsServiceMounts;
    /** Run the ADOT collector beside the application (tracing.ts), which then starts after it. @default false */
    tracing?: boolean;
    /** Where each image is pulled from: ECR Public ones through the system's pull-through cache (image-cache.ts). @default every image as it is named */
    image?: (upstream: string) => pulumi.Input<string>;
}

/** The task definition (see the module comment). */
export function createTaskDefinition(part: ServicePart, args: TaskDefinitionArgs): aws.ecs.TaskDefinition {
    const { name, system, service: svc, tags } = part;
    const { vars, size, healthCheck, shares } = args;
    const pulled = (image: string): pulumi.Input<string> => args.image?.(image) ?? image;
    const volumes = svc.writablePaths.map((p, i) => ({ name: `scratch-${i}`, path: p }));
    // Every container's logs go to the service's group, under its own name.
    const logsOf = (containerName: string) => ({
        logDriver: "awslogs",
        options: { "awslogs-group": args.logGroupName, "awslogs-region": args.region, "awslogs-stream-prefix": containerName },
    });
    // What the application and its migration container share: image, hardening, variables, logs.
    const hardened = (containerName: string) => ({
        name: containerName,
        image: pulled(svc.image),
        user: `${svc.runAsUser}:${svc.runAsUser}`,
        readonlyRootFilesystem: true,
        privileged: false,
        linuxParameters: { initProcessEnabled: true, capabilities: { drop: ["ALL"] } },
        mountPoints,
        environment: Object.entries(vars.environment).map(([k, value]) => ({ name: k, value })),
        secrets: Object.entries(vars.secrets).map(([k, valueFrom]) => ({ name: k, valueFrom })),
        logConfiguration: logsOf(containerName),
    });
    // A step that runs once as root before the application (essential: false), from the utility image, with only the capabilities it needs.
    const oneShot = (containerName: string, drop: string[], command: string[], stepMounts: object[]) => ({
        name: containerName,
        image: pulled(VOLUME_PERMISSIONS_IMAGE),
        essential: false,
        user: "0",
        readonlyRootFilesystem: true,
        privileged: false,
        linuxParameters: { capabilities: { drop } },
        command,
        mountPoints: stepMounts,
        cpu: 0,
        memoryReservation: 16,
        logConfiguration: logsOf(containerName),
    });
    const scratchMounts = volumes.map((v) => ({ sourceVolume: v.name, containerPath: v.path, readOnly: false }));
    // The `provided` health tool: busybox copied into a task volume before the application starts.
    const liveness = svc.health.liveness;
    const providedTool = liveness?.type === "http" && liveness.tool === "provided";
    const healthTools = providedTool
        ? oneShot(
              HEALTH_TOOLS_CONTAINER,
              ["ALL"],
              ["cp", "/bin/busybox", `${HEALTH_TOOLS_DIR}/busybox`],
              [{ sourceVolume: HEALTH_TOOLS_CONTAINER, containerPath: HEALTH_TOOLS_DIR, readOnly: false }],
          )
        : undefined;
    // Scratch space and the file shares (whose access points already make them the service user's).
    const mountPoints = [...scratchMounts, ...(shares?.mountPoints ?? [])];
    const volumePermissions = volumes.length
        ? oneShot(
              VOLUME_PERMISSIONS_CONTAINER,
              DROP_ALL_BUT_CHOWN,
              ["chown", `${svc.runAsUser}:${svc.runAsUser}`, ...volumes.map((v) => v.path)],
              scratchMounts,
          )
        : undefined;

    const collector = args.tracing ? adotContainer(args.region, logsOf, pulled(ADOT_IMAGE)) : undefined;
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
                  mountPoints: [...mountPoints, { sourceVolume: HEALTH_TOOLS_CONTAINER, containerPath: HEALTH_TOOLS_DIR, readOnly: true }],
              }
            : {}),
        essential: true,
        ...(svc.command ? { command: svc.command } : {}),
        portMappings: svc.port ? [{ containerPort: svc.port, protocol: "tcp" }] : [],
        ...(healthCheck ? { healthCheck } : {}),
        // The application starts only once its volumes are its own and the migration has exited 0.
        ...(migrate || volumePermissions || healthTools || collector
            ? {
                  dependsOn: [
                      ...afterVolumes,
                      ...(migrate ? [{ containerName: MIGRATE_CONTAINER, condition: "SUCCESS" }] : []),
                      ...(healthTools ? [{ containerName: HEALTH_TOOLS_CONTAINER, condition: "SUCCESS" }] : []),
                      // The collector is up before the first span and stops after the last (ECS stops in reverse dependency order).
                      ...(collector ? [{ containerName: ADOT_CONTAINER, condition: "START" }] : []),
                  ],
              }
            : {}),
        stopTimeout: 30,
    };
    return new aws.ecs.TaskDefinition(
        `${name}-task`,
        {
            family: resourceName([system.name, system.environment, svc.name], 255),
            requiresCompatibilities: ["FARGATE"],
            networkMode: "awsvpc",
            cpu: String(size.cpu),
            memory: String(size.memory),
            runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: "X86_64" },
            executionRoleArn: args.executionRoleArn,
            taskRoleArn: args.taskRoleArn,
            containerDefinitions: pulumi.jsonStringify([
                container,
                ...(migrate ? [migrate] : []),
                ...(volumePermissions ? [volumePermissions] : []),
                ...(healthTools ? [healthTools] : []),
                ...(collector ? [collector] : []),
            ]),
            volumes: [
                ...volumes.map((v) => ({ name: v.name })),
                ...(healthTools ? [{ name: HEALTH_TOOLS_CONTAINER }] : []),
                ...(shares?.volumes ?? []),
            ],
            tags,
        },
        { parent: part.parent },
    );
}
