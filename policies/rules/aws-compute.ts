/**
 * ECS on AWS: hardened containers, logging and its retention, Container Insights, the deployment
 * circuit breaker, autoscaling bounds.
 */
import { checkScalingBounds, ecsContainers, isRootUser, resourcePolicy, scalingBoundsSchema, setting } from "./util";
import { ECS_SERVICE } from "./aws-shared";
import { DEFAULT_CAPABILITIES_BUT_CHOWN } from "../../conventions/capabilities";

const ECS_TASK = "aws:ecs/taskDefinition:TaskDefinition";

const logRetentionSchema = {
    properties: { minDays: setting.integer(30, "Smallest log retention in days (0 = never expire also passes).", 1) },
};

/** Log retention. */
export const awsLogRetention = resourcePolicy({
    name: "aws-log-group-retention",
    description: "CloudWatch log groups keep logs at least the configured days (prod: a year).",
    group: "reliability",
    platforms: ["aws"],
    checklist: ["mdc-monitoring-alerts"],
    sources: ["Checkov CKV_AWS_66", "Checkov CKV_AWS_338"],
    types: ["aws:cloudwatch/logGroup:LogGroup"],
    configSchema: logRetentionSchema,
    validate: (props, args, report, { minDays }) => {
        const days = props.retentionInDays;
        if (days === undefined) report("retentionInDays is unset");
        else if (Number(days) !== 0 && Number(days) < minDays) report(`retentionInDays ${days} is below ${minDays}`);
    },
});

/** ECS containers hardened. */
export const awsEcsContainerHardening = resourcePolicy({
    name: "aws-ecs-container-hardening",
    description:
        "ECS containers run as a non-root user, unprivileged, with a read-only root filesystem, and the task does not use host networking.",
    group: "security",
    platforms: ["aws"],
    checklist: ["non-root"],
    sources: ["Checkov CKV_AWS_336", "seed 001 Dockerfile USER"],
    types: [ECS_TASK],
    validate: (props, _args, report) => {
        if (props.networkMode === "host") report("task uses host networking");
        const defs = ecsContainers(props);
        if (!defs) return report("containerDefinitions is not a readable JSON array");
        for (const c of defs) {
            if (isRootUser(c.user) && !chownOnly(c)) report(`container '${c.name}' runs as root (set user to a non-zero uid)`);
            if (c.privileged === true) report(`container '${c.name}' is privileged`);
            if (c.readonlyRootFilesystem !== true) report(`container '${c.name}' has a writable root filesystem`);
        }
    },
});

/**
 * The one root container the hardening policy admits: on Fargate a bind-mount volume is owned by
 * root with mode 0755 (ECS developer guide, bind mounts), so a non-root application needs its
 * scratch volumes chowned first, by a non-essential container that drops every default capability
 * but CHOWN (conventions/capabilities.ts), publishes no port and is not privileged.
 */
function chownOnly(c: any): boolean {
    const caps = c.linuxParameters?.capabilities ?? {};
    const drop: string[] = (caps.drop ?? []).map((x: string) => x.toUpperCase());
    const dropsAll = drop.includes("ALL") || DEFAULT_CAPABILITIES_BUT_CHOWN.every((x) => drop.includes(x));
    return c.essential === false && dropsAll && (caps.add ?? []).length === 0 && !(c.portMappings ?? []).length && c.privileged !== true;
}

/** ECS containers log. */
export const awsEcsLogging = resourcePolicy({
    name: "aws-ecs-logging",
    description: "Every ECS container ships its logs (logConfiguration), the input of the monitoring alerts.",
    group: "reliability",
    platforms: ["aws"],
    checklist: ["mdc-monitoring-alerts"],
    sources: ["AWS ECS best practice", "seed 004 centralized logging"],
    types: [ECS_TASK],
    validate: (props, _args, report) => {
        for (const c of ecsContainers(props) ?? [])
            if (!c.logConfiguration?.logDriver) report(`container '${c.name}' has no logConfiguration`);
    },
});

/** ECS container insights. */
export const awsEcsContainerInsights = resourcePolicy({
    name: "aws-ecs-container-insights",
    description: "ECS clusters enable Container Insights (metrics for the alarms).",
    group: "reliability",
    platforms: ["aws"],
    checklist: ["mdc-monitoring-alerts"],
    sources: ["Checkov CKV_AWS_65"],
    types: ["aws:ecs/cluster:Cluster"],
    validate: (props, _args, report) => {
        const s = (props.settings ?? []).find((x: any) => x.name === "containerInsights");
        if (!s || !["enabled", "enhanced"].includes(s.value)) report("containerInsights is not enabled");
    },
});

/** ECS deployment circuit breaker. */
export const awsEcsCircuitBreaker = resourcePolicy({
    name: "aws-ecs-circuit-breaker",
    description: "ECS services roll back a failing deployment automatically (deployment circuit breaker with rollback).",
    group: "reliability",
    platforms: ["aws"],
    checklist: ["replicas-and-probes"],
    sources: ["ARCHITECTURE app tier (circuit breaker)", "AWS ECS deployment circuit breaker"],
    types: [ECS_SERVICE],
    validate: (props, _args, report) => {
        if (props.deploymentController && props.deploymentController.type && props.deploymentController.type !== "ECS") return;
        const cb = props.deploymentCircuitBreaker;
        if (cb?.enable !== true || cb?.rollback !== true) report("deploymentCircuitBreaker is not enabled with rollback");
    },
});

/** The ECS deployment strategies that shift traffic between two revisions. */
const TRAFFIC_SHIFTS = ["BLUE_GREEN", "CANARY", "LINEAR"];

/** ECS blue/green, canary and linear deployments roll back on alarms. */
export const awsEcsRollbackAlarms = resourcePolicy({
    name: "aws-ecs-rollback-alarms",
    description:
        "ECS services deployed BLUE_GREEN, CANARY or LINEAR name CloudWatch alarms in their deployment `alarms`, enabled with rollback, so a step or the bake that breaches shifts traffic back.",
    group: "reliability",
    platforms: ["aws"],
    checklist: ["replicas-and-probes"],
    sources: [
        "seed 003 canary with automated rollback",
        "ECS developer guide, deployment-alarm-failure.html (alarms are watched through the steps and the bake)",
    ],
    types: [ECS_SERVICE],
    validate: (props, args, report) => {
        const strategy = props.deploymentConfiguration?.strategy;
        if (!TRAFFIC_SHIFTS.includes(strategy)) return args.notApplicable(`deployment strategy ${strategy ?? "ROLLING"} shifts no traffic`);
        const a = props.alarms;
        if (!a)
            return report(
                `a ${strategy} deployment without alarms: nothing but the circuit breaker (tasks that never turn healthy) rolls it back`,
            );
        if (a.enable !== true || a.rollback !== true) report(`${strategy} deployment alarms are not enabled with rollback`);
        if (!Array.isArray(a.alarmNames) || a.alarmNames.length === 0) report(`${strategy} deployment alarms name no alarm`);
    },
});

const scalingSchema = scalingBoundsSchema("minCapacity", "maxCapacity");

/** Autoscaling bounds. */
export const awsAutoscalingBounds = resourcePolicy({
    name: "aws-autoscaling-bounds",
    description:
        "Application Auto Scaling targets (ECS services) keep at least two tasks, have minCapacity ≤ maxCapacity and a max within a sane ratio of the min.",
    group: "reliability",
    platforms: ["aws"],
    checklist: ["autoscaling-bounds", "replicas-and-probes"],
    sources: ["seed 001 autoscaling (2-10)"],
    types: ["aws:appautoscaling/target:Target"],
    configSchema: scalingSchema,
    validate: (props, args, report, cfg) => {
        if (props.serviceNamespace !== undefined && props.serviceNamespace !== "ecs") args.notApplicable("not an ECS service target");
        const names = { min: "minCapacity", max: "maxCapacity" };
        checkScalingBounds(
            Number(props.minCapacity),
            Number(props.maxCapacity),
            names,
            { floor: cfg.minCapacity, maxRatio: cfg.maxRatio },
            report,
        );
    },
});

/** The AWS policies of ECS. */
export const awsComputePolicies = [
    awsLogRetention,
    awsEcsContainerHardening,
    awsEcsLogging,
    awsEcsContainerInsights,
    awsEcsCircuitBreaker,
    awsEcsRollbackAlarms,
    awsAutoscalingBounds,
];
