/**
 * A service's two IAM roles, each with least privilege: the execution role (what ECS itself needs
 * to start a task: pull its image, write its logs, inject its own secrets) and the task role (what
 * the application may do: only its datastores' and file shares' statements).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { assumeRolePolicy, awsNamePrefix, policyJson } from "../common";
import type { ServicePart } from "./part";

/** What the execution role may reach. */
export interface ExecutionAccess {
    /** The account that may assume the roles (ECS tasks of this account only). */
    accountId: pulumi.Input<string>;
    /** The service's log group. */
    logGroupArn: pulumi.Input<string>;
    /** The ECR repository of the service's image, when it is in ECR. @default none */
    repository?: string;
    /** The secrets ECS injects (generated app secrets, datastore credentials). */
    secretArns: pulumi.Input<string>[];
    /** The keys those secrets are encrypted with. */
    kmsArns: pulumi.Input<string>[];
    /** Pulling through the system's ECR pull-through cache (image-cache.ts `cacheStatements`), when the task pulls an image from ECR Public. @default none */
    cacheStatements?: pulumi.Input<aws.iam.PolicyStatement>[];
}

/** A role and its inline policy (what the ECS service waits for). */
export interface RoleWithPolicy {
    role: aws.iam.Role;
    /** @default none (a task role with nothing to allow) */
    policy?: aws.iam.RolePolicy;
}

/** Execution role: what ECS itself needs to start the task — pull, write logs, inject this service's secrets. */
export function createExecutionRole(part: ServicePart, access: ExecutionAccess): Required<RoleWithPolicy> {
    const { name, system, service: svc, tags } = part;
    const opt = { parent: part.parent };
    const role = new aws.iam.Role(
        `${name}-execution`,
        {
            namePrefix: awsNamePrefix("iamRole", [system.name, svc.name, "execution"]),
            description: `ECS agent of ${system.name}/${svc.name}: pull, logs, secrets`,
            assumeRolePolicy: assumeRolePolicy("ecs-tasks.amazonaws.com", access.accountId),
            tags,
        },
        opt,
    );
    const statements: pulumi.Input<aws.iam.PolicyStatement>[] = [
        {
            Sid: "Logs",
            Effect: "Allow",
            Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
            Resource: pulumi.interpolate`${access.logGroupArn}:log-stream:*`,
        },
    ];
    if (access.repository) {
        statements.push({ Sid: "EcrAuth", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" });
        statements.push({
            Sid: "EcrPull",
            Effect: "Allow",
            Action: ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
            Resource: access.repository,
        });
    }
    statements.push(...(access.cacheStatements ?? []));
    if (access.secretArns.length)
        statements.push({ Sid: "OwnSecrets", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: access.secretArns });
    if (access.kmsArns.length) statements.push({ Sid: "OwnSecretKeys", Effect: "Allow", Action: "kms:Decrypt", Resource: access.kmsArns });
    const policy = new aws.iam.RolePolicy(`${name}-execution`, { role: role.id, policy: policyJson(statements) }, opt);
    return { role, policy };
}

/** Task role: what the application may do — only `statements` (its own buckets, queues, file shares, ...); no policy when there are none. */
export function createTaskRole(
    part: ServicePart,
    accountId: pulumi.Input<string>,
    statements: pulumi.Input<aws.iam.PolicyStatement>[],
): RoleWithPolicy {
    const { name, system, service: svc, tags } = part;
    const opt = { parent: part.parent };
    const role = new aws.iam.Role(
        `${name}-task`,
        {
            namePrefix: awsNamePrefix("iamRole", [system.name, svc.name, "task"]),
            description: `Application ${system.name}/${svc.name}: its own datastores only`,
            assumeRolePolicy: assumeRolePolicy("ecs-tasks.amazonaws.com", accountId),
            tags,
        },
        opt,
    );
    const policy = statements.length
        ? new aws.iam.RolePolicy(`${name}-task`, { role: role.id, policy: policyJson(statements) }, opt)
        : undefined;
    return { role, ...(policy ? { policy } : {}) };
}
