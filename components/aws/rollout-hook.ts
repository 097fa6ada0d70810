/**
 * The lifecycle hook of a system's ECS blue/green and canary deployments: ONE Lambda function for
 * every traffic-shifting service (not one per service: four resources instead of four per
 * service), its code the plain JavaScript of rollout-hook/handler.js, told by each service's hook
 * `hookDetails` what to do at which stage (plan/support/aws.ts `ecsHooks`): the migration as a
 * one-off task of the new revision at PRE_SCALE_UP, a GET of the health path through the service's
 * test listener at POST_TEST_TRAFFIC_SHIFT and then a blue-green's prePromotion commands against it
 * (one-off tasks in the hook's own security group, `PREVIEW_URL`), its postPromotion commands as
 * one-off tasks at POST_PRODUCTION_TRAFFIC_SHIFT. FAILED rolls the deployment back (ECS developer guide,
 * "Lambda hooks for Amazon ECS service deployments":
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/lambda-lifecycle-hooks.html; the
 * service side is `deploymentConfiguration.lifecycleHooks` — hookTargetArn, roleArn,
 * lifecycleStages, hookDetails a JSON object as a string — in pulumi-aws's `aws.ecs.Service`,
 * API_DeploymentLifecycleHook.html).
 *
 * - Runtime nodejs24.x (Lambda runtimes: released 2025-11-25, deprecation 2028-04-30;
 *   https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html), an async handler (Node 24
 *   has no callback handlers), arm64, 128 MB; the AWS SDK v3 the runtime bundles, nothing packaged.
 * - In the VPC's private subnets, in a security group of its own whose egress is HTTPS (the ECS
 *   API, through the NAT gateways: there is no ECS interface endpoint) and the test listeners'
 *   ports; the load balancer's group admits those ports only from the NAT gateways' addresses, so
 *   the preview is reachable from the VPC and from nowhere else.
 * - Its log group is the system's kind: KMS-encrypted with the logs key, the plan's retention.
 * - Roles: ECS invokes it with a role of its own (trust `ecs.amazonaws.com`, lambda:InvokeFunction
 *   on this function only: ECS developer guide, "Permissions required for Lambda functions in
 *   Amazon ECS blue/green deployments", blue-green-permissions.html); the function runs with one
 *   that may read the service revisions and run and describe tasks of the shifting services'
 *   task-definition families in the system's cluster, pass only their task and execution roles to
 *   ECS tasks, write its own log group and manage its network interfaces.
 */
import * as fs from "fs";
import * as path from "path";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { SystemFacts } from "../../plan";
import { ECS_PREVIEW_ATTEMPTS, type EcsHook } from "../../plan/support/aws";
import { awsTags, resourceName } from "../shared/naming";
import { assumeRolePolicy, awsNamePrefix, awsPlace, policyJson } from "./common";

/** The handler's source, shipped as the function's `index.js`. */
export const ROLLOUT_HOOK_SOURCE = path.join(__dirname, "rollout-hook", "handler.js");
/** The function's deployment package: handler.js as `index.js`, nothing else (the runtime bundles the AWS SDK). */
export function rolloutHookArchive(): pulumi.asset.AssetArchive {
    return new pulumi.asset.AssetArchive({ "index.js": new pulumi.asset.StringAsset(fs.readFileSync(ROLLOUT_HOOK_SOURCE, "utf8")) });
}

/** The Lambda runtime of the hook (see the module comment). */
export const ROLLOUT_HOOK_RUNTIME = "nodejs24.x";

/** What the hook does for one traffic-shifting service. */
export interface RolloutHookService {
    /** The plan's hooks of the service's deployment (plan/support/aws.ts `ecsHooks`). */
    hooks: EcsHook[];
    /** The application container's name (the one-off tasks replace its command). */
    container: string;
    /** Path the preview check GETs (the readiness check's, else the liveness check's, else `/`). */
    healthPath: string;
    /** Port of the service's test listener on the load balancer. */
    testListenerPort: number;
    /** Seconds a one-off task may run before the hook fails the deployment. */
    taskTimeoutSeconds: number;
}

/** Arguments of {@link AwsRolloutHook}. */
export interface AwsRolloutHookArgs {
    /** The system: names, tags, log retention. */
    facts: SystemFacts;
    /** The ECS cluster's name (its tasks and service revisions are the only ones the function may touch). */
    clusterName: string;
    /** The VPC, where the function runs. */
    vpcId: pulumi.Input<string>;
    /** The VPC's private subnets: the function's network interfaces. */
    privateSubnetIds: pulumi.Input<string>[];
    /** The load balancer's security group: its test listener ports are admitted from `natPublicIps` only. */
    albSecurityGroupId: pulumi.Input<string>;
    /** The NAT gateways' public addresses: where the function's requests to the load balancer come from. */
    natPublicIps: pulumi.Input<string>[];
    /** The internet-facing load balancer's DNS name (the test listeners are its ports). */
    albDnsName: pulumi.Input<string>;
    /** Host and TLS server name of the preview check: the edge's domain, which the listener's certificate names. @default the load balancer's name */
    host?: string;
    /**
     * The name prePromotion commands reach the test listener at (their `PREVIEW_URL`): the edge's
     * domain, or `origin.<domain>` behind a CDN (the domain itself is CloudFront's), both named by
     * the load balancer's certificate and its DNS records.
     * @default the load balancer's name
     */
    previewHost?: string;
    /** KMS key of the log group. */
    logsKmsKeyArn: pulumi.Input<string>;
    /** Each traffic-shifting service, by spec name. */
    services: Record<string, RolloutHookService>;
}

/** The system's ECS lifecycle-hook function and what each service's deployment configuration names. Type token `tierform:aws:RolloutHook`. */
export class AwsRolloutHook extends pulumi.ComponentResource {
    /** The function's ARN. */
    readonly functionArn: pulumi.Output<string>;
    /** The role ECS invokes the function with. */
    readonly invokeRoleArn: pulumi.Output<string>;
    /** What a service's ECS service waits for: the function and the invoke role's policy. */
    readonly ready: pulumi.Resource[];
    /** Each service's `deploymentConfiguration.lifecycleHooks`. */
    readonly lifecycleHooks: Record<string, pulumi.Input<aws.types.input.ecs.ServiceDeploymentConfigurationLifecycleHook>[]>;

    constructor(name: string, args: AwsRolloutHookArgs, opts?: pulumi.ComponentResourceOptions) {
        super("tierform:aws:RolloutHook", name, {}, opts);
        const { facts } = args;
        const tags = { ...awsTags(facts, "service"), component: "rollout-hook" };
        const opt = { parent: this };
        const place = awsPlace(opt);
        const arn = (service: string, resource: string) =>
            pulumi.interpolate`arn:${place.partition}:${service}:${service === "iam" ? "" : place.region}:${place.accountId}:${resource}`;
        const names = Object.keys(args.services).sort();

        const functionName = resourceName([facts.name, facts.environment, "rollout-hook"], 64);
        // Lambda's own log group name for the function, created here first: encrypted, with the plan's retention.
        const logGroup = new aws.cloudwatch.LogGroup(
            `${name}-logs`,
            {
                name: `/aws/lambda/${functionName}`,
                retentionInDays: facts.observability.logRetentionDays,
                kmsKeyId: args.logsKmsKeyArn,
                tags,
            },
            opt,
        );

        const group = new aws.ec2.SecurityGroup(
            `${name}-sg`,
            {
                vpcId: args.vpcId,
                description: "ECS lifecycle hook function: HTTPS to AWS APIs and the load balancer test listeners only",
                revokeRulesOnDelete: true,
                tags: { ...tags, Name: resourceName([facts.name, facts.environment, "rollout-hook"]) },
            },
            opt,
        );
        // The ECS API has no interface endpoint here: HTTPS leaves through the NAT gateways; so do the checks of the test
        // listeners, whose public addresses the load balancer may change (their ports are closed to all but the NAT addresses).
        new aws.vpc.SecurityGroupEgressRule(
            `${name}-out-https`,
            {
                securityGroupId: group.id,
                ipProtocol: "tcp",
                fromPort: 443,
                toPort: 443,
                cidrIpv4: "0.0.0.0/0",
                description: "ECS API through the NAT gateways",
                tags,
            },
            opt,
        );
        // The test listeners' ports are consecutive (edge/load-balancer.ts testListenerPorts): one range, one rule per address.
        const ports = names.map((svc) => args.services[svc].testListenerPort);
        const range = { ipProtocol: "tcp", fromPort: Math.min(...ports), toPort: Math.max(...ports) };
        new aws.vpc.SecurityGroupEgressRule(
            `${name}-out-test-listeners`,
            { securityGroupId: group.id, ...range, cidrIpv4: "0.0.0.0/0", description: "the load balancer test listeners", tags },
            opt,
        );
        args.natPublicIps.forEach(
            (ip, i) =>
                new aws.vpc.SecurityGroupIngressRule(
                    `${name}-alb-in-test-nat-${i + 1}`,
                    {
                        securityGroupId: args.albSecurityGroupId,
                        ...range,
                        cidrIpv4: pulumi.interpolate`${ip}/32`,
                        description: `test listeners from NAT gateway ${i + 1} only (the rollout hook checks the previews)`,
                        tags,
                    },
                    opt,
                ),
        );

        const role = new aws.iam.Role(
            `${name}-role`,
            {
                namePrefix: awsNamePrefix("iamRole", [facts.name, "rollout-hook"]),
                description: `Runs the ECS lifecycle hook of ${facts.name}: migration and post-promotion tasks, preview checks`,
                assumeRolePolicy: assumeRolePolicy("lambda.amazonaws.com", place.accountId),
                tags,
            },
            opt,
        );
        const cluster = resourceName([facts.name, facts.environment]);
        // The same names the services' task definitions and roles get (service/task-definition.ts family, service/roles.ts namePrefix).
        const families = names.map((svc) => arn("ecs", `task-definition/${resourceName([facts.name, facts.environment, svc], 255)}:*`));
        const passRoles = names.flatMap((svc) =>
            ["execution", "task"].map((which) => arn("iam", `role/${awsNamePrefix("iamRole", [facts.name, svc, which])}*`)),
        );
        const policy = new aws.iam.RolePolicy(
            `${name}-policy`,
            {
                role: role.id,
                policy: policyJson([
                    {
                        Sid: "ReadTargetRevision",
                        Effect: "Allow",
                        Action: ["ecs:DescribeServiceRevisions"],
                        Resource: [arn("ecs", `service-revision/${cluster}/*`)],
                    },
                    {
                        Sid: "RunOneOffTasks",
                        Effect: "Allow",
                        Action: ["ecs:RunTask"],
                        Resource: families,
                        Condition: { ArnEquals: { "ecs:cluster": arn("ecs", `cluster/${cluster}`) } },
                    },
                    { Sid: "FollowTasks", Effect: "Allow", Action: ["ecs:DescribeTasks"], Resource: [arn("ecs", `task/${cluster}/*`)] },
                    {
                        Sid: "PassTaskRoles",
                        Effect: "Allow",
                        Action: ["iam:PassRole"],
                        Resource: passRoles,
                        Condition: { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
                    },
                    {
                        Sid: "OwnLogs",
                        Effect: "Allow",
                        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
                        Resource: [pulumi.interpolate`${logGroup.arn}:*`],
                    },
                    {
                        // What AWSLambdaVPCAccessExecutionRole grants for the function's network interfaces; EC2 has no resource-level
                        // permission for the Describe call, and Lambda creates the interfaces before the function has any ARN to name.
                        Sid: "NetworkInterfaces",
                        Effect: "Allow",
                        Action: [
                            "ec2:CreateNetworkInterface",
                            "ec2:DescribeNetworkInterfaces",
                            "ec2:DescribeSubnets",
                            "ec2:DeleteNetworkInterface",
                            "ec2:AssignPrivateIpAddresses",
                            "ec2:UnassignPrivateIpAddresses",
                        ],
                        Resource: ["*"],
                    },
                ]),
            },
            opt,
        );

        const fn = new aws.lambda.Function(
            `${name}-function`,
            {
                name: functionName,
                description: `ECS lifecycle hook of ${facts.name}: migrations, preview checks, post-promotion commands`,
                runtime: ROLLOUT_HOOK_RUNTIME,
                architectures: ["arm64"],
                handler: "index.handler",
                code: new pulumi.asset.AssetArchive({
                    "index.js": new pulumi.asset.StringAsset(fs.readFileSync(ROLLOUT_HOOK_SOURCE, "utf8")),
                }),
                role: role.arn,
                memorySize: 128,
                // One invocation starts or looks at one task, or GETs a few paths (each at most 5 s, 3 tries across invocations).
                timeout: 60,
                vpcConfig: { subnetIds: args.privateSubnetIds, securityGroupIds: [group.id] },
                loggingConfig: { logFormat: "JSON", logGroup: logGroup.name },
                tags,
            },
            { parent: this, dependsOn: [policy, logGroup] },
        );

        const invokeRole = new aws.iam.Role(
            `${name}-invoke`,
            {
                namePrefix: awsNamePrefix("iamRole", [facts.name, "ecs-hooks"]),
                description: `ECS invokes the lifecycle hook of ${facts.name} with it`,
                assumeRolePolicy: assumeRolePolicy("ecs.amazonaws.com", place.accountId),
                tags,
            },
            opt,
        );
        const invokePolicy = new aws.iam.RolePolicy(
            `${name}-invoke`,
            {
                role: invokeRole.id,
                policy: policyJson([{ Sid: "InvokeTheHook", Effect: "Allow", Action: ["lambda:InvokeFunction"], Resource: [fn.arn] }]),
            },
            opt,
        );

        this.functionArn = fn.arn;
        this.invokeRoleArn = invokeRole.arn;
        this.ready = [fn, invokePolicy];
        this.lifecycleHooks = Object.fromEntries(
            names.map((svc) => {
                const s = args.services[svc];
                const hooks = s.hooks.map((h) => ({
                    hookTargetArn: fn.arn,
                    roleArn: invokeRole.arn,
                    lifecycleStages: [h.stage],
                    hookDetails: pulumi.all([args.albDnsName, group.id]).apply(([dns, groupId]) =>
                        JSON.stringify({
                            service: svc,
                            ...(h.tasks
                                ? {
                                      tasks: h.tasks.map((t) => ({
                                          ...t,
                                          container: s.container,
                                          timeoutSeconds: s.taskTimeoutSeconds,
                                          // Against the preview: from the hook's group (the test listener admits the NAT addresses), not the service's.
                                          ...(h.preview
                                              ? {
                                                    securityGroups: [groupId],
                                                    environment: {
                                                        PREVIEW_URL: `https://${args.previewHost ?? dns}:${s.testListenerPort}`,
                                                        ...(args.host ? { PREVIEW_HOST: args.host } : {}),
                                                    },
                                                }
                                              : {}),
                                      })),
                                  }
                                : {}),
                            ...(h.preview
                                ? {
                                      preview: {
                                          url: `https://${dns}:${s.testListenerPort}`,
                                          ...(args.host ? { host: args.host } : {}),
                                          paths: [s.healthPath],
                                          timeoutMs: 5000,
                                          attempts: ECS_PREVIEW_ATTEMPTS,
                                      },
                                  }
                                : {}),
                        }),
                    ),
                }));
                return [svc, hooks];
            }),
        );
        this.registerOutputs({ functionArn: this.functionArn });
    }
}
