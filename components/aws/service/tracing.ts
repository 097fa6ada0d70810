/**
 * The trace collector of a traced ECS service: an AWS Distro for OpenTelemetry (ADOT) collector in
 * the service's own task, beside the application (plan/observability.ts `exportsTraces`). The
 * application's SDK exports OTLP/HTTP to `http://localhost:4318` (plan/support/aws.ts; the task's
 * containers share one network namespace in awsvpc mode), and the collector sends the spans to AWS
 * X-Ray with the task role's X-Ray write actions ({@link XRAY_WRITE_STATEMENT}).
 *
 * Why a sidecar: it is AWS's documented pattern for ECS on Fargate (aws-observability/aws-otel-collector
 * deployment-template/ecs/aws-otel-fargate-sidecar-deployment-cfn.yaml; the ECS developer guide's "Specifying the
 * AWS Distro for OpenTelemetry sidecar for AWS X-Ray integration in your task definition",
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/trace-data-containerdefinitions.html, whose
 * application depends on the collector with `START`), needs no resource of its own (a
 * container of the task definition), no port opened between tasks and no endpoint to discover; ECS
 * Service Connect proxies requests between services and does not receive or forward OTLP, so a
 * shared collector service would be a second ECS service, load balancer or Cloud Map name per system
 * plus a security group rule from every service.
 *
 * The image (conventions/pins.ts `adotCollector`: v0.49.0 by tag and digest; the repository is
 * maintained: v0.49.0 merged 2026-07-15, commits to 2026-07-16 in the newest snapshot, each release
 * supported until the next minor) runs its built-in `/etc/ecs/ecs-xray.yaml` (config/ecs/ecs-xray.yaml
 * copied to /etc by cmd/awscollector/Dockerfile): OTLP in on 4317 (gRPC) and 4318 (HTTP), the
 * resourcedetection processor (env, system, ecs, ec2), batches to the `awsxray` exporter, and the
 * `health_check` extension on 13133. It is chosen over `ecs-default-config.yaml`, which also
 * receives StatsD and X-Ray UDP and sends metrics by EMF to a log group `/aws/ecs/application/metrics`
 * this program does not create (no KMS key, no retention) and the task role may not write. The
 * exporter accepts W3C trace ids as the SDKs make them: its `exporter.awsxray.skiptimestampvalidation`
 * feature gate is beta, on by default, since contrib v0.84.0 (ADOT vendors contrib 0.156.0).
 *
 * The container is non-essential (a dead collector loses spans, never the application's task) with
 * ECS's restart policy; the application starts after it started (`dependsOn: START`), so its first
 * spans find it, and ECS stops it after the application, so the last ones are flushed. It runs as the
 * image's own user `aoc` (uid/gid 4317, the Dockerfile's `USER`), with a read-only root (the image is
 * `FROM scratch` with one static binary that writes no file in this configuration), every
 * capability dropped, and the image's `/healthcheck` binary (cmd/healthcheck: GET 127.0.0.1:13133)
 * as its health check. Its {@link ADOT_RESOURCES} come on top of the application's: the task size
 * is the smallest Fargate size with the application's memory plus the collector's hard limit
 * (service.ts `taskSize`), and its CPU units are a share of the task's.
 */
import type * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { imageOf } from "../../../conventions/pins";

/** Name of the collector's container in the task. */
export const ADOT_CONTAINER = "adot-collector";

/** The pinned ADOT collector image: tag and digest. */
export const ADOT_IMAGE = imageOf("adotCollector");

/** The image's built-in configuration for traces to X-Ray on ECS (see the module comment). */
export const ADOT_CONFIG = "/etc/ecs/ecs-xray.yaml";

/** The image's user (cmd/awscollector/Dockerfile: `aoc`, uid and gid 4317). */
export const ADOT_USER = "4317:4317";

/**
 * What the collector takes of its task: `cpu` units, a share of the task's (Fargate shares the task's
 * CPU between containers by these weights only under contention), and a hard `memoryMb` limit the
 * task is sized up by (a batch of spans per second needs tens of MiB; the limit keeps a stuck
 * exporter's queue from taking the application's memory).
 */
export const ADOT_RESOURCES = { cpu: 64, memoryMb: 256 } as const;

/**
 * The X-Ray write actions, exactly those of the AWS managed policy AWSXrayWriteOnlyAccess (v2,
 * https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSXrayWriteOnlyAccess.html):
 * send segments and telemetry, read the sampling rules and targets. X-Ray has no resource-level
 * permissions for them, so Resource is "*" (the policy itself says so; the service authorization
 * reference lists no resource type for these actions).
 */
export const XRAY_WRITE_STATEMENT: aws.iam.PolicyStatement = {
    Sid: "XRayWrite",
    Effect: "Allow",
    Action: [
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
        "xray:GetSamplingRules",
        "xray:GetSamplingTargets",
        "xray:GetSamplingStatisticSummaries",
    ],
    Resource: "*",
};

/**
 * The collector's container definition; `logs` is the service's log configuration for a container name (its own stream prefix),
 * `image` where the task pulls {@link ADOT_IMAGE} from (the system's pull-through cache, image-cache.ts).
 */
export function adotContainer(
    region: pulumi.Input<string>,
    logs: (containerName: string) => object,
    image: pulumi.Input<string> = ADOT_IMAGE,
): Record<string, unknown> {
    return {
        name: ADOT_CONTAINER,
        image,
        essential: false,
        command: [`--config=${ADOT_CONFIG}`],
        user: ADOT_USER,
        readonlyRootFilesystem: true,
        privileged: false,
        linuxParameters: { capabilities: { drop: ["ALL"] } },
        // The awsxray exporter's region (it also reads the task metadata; stated, not guessed).
        environment: [{ name: "AWS_REGION", value: region }],
        cpu: ADOT_RESOURCES.cpu,
        memory: ADOT_RESOURCES.memoryMb,
        healthCheck: { command: ["CMD", "/healthcheck"], interval: 30, timeout: 5, retries: 3, startPeriod: 10 },
        // Restarted in place when it exits (ECS container restart policy; at most once per 60 s).
        restartPolicy: { enabled: true, restartAttemptPeriod: 60 },
        logConfiguration: logs(ADOT_CONTAINER),
    };
}
