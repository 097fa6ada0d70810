/**
 * Shared file storage on AWS (`fileShares`, `services.<name>.mounts`; AuroMart's uploads, invoices
 * and reports across `web` and `admin`): one Amazon EFS file system per share, which every task of
 * every service that mounts it sees, across zones, restarts and deployments.
 *
 * - The file system is encrypted at rest with a customer KMS key of its own (purpose `files`),
 *   `protect`ed in prod like every stateful resource, and refuses any client that does not use TLS
 *   (a file system policy denying `aws:SecureTransport` false).
 * - One mount target per private subnet (one per zone, where the tasks run), in a security group
 *   that admits NFS (TCP 2049) only from the security groups of the services that mount the
 *   share; those services get the matching egress rule and nothing wider.
 * - One access point per mounted directory and user: the share's tree lives under `/data` on the
 *   file system, a mount of the share's root is `/data`, a `subPath` mount `/data/<subPath>`. The
 *   access point enforces the service's `runAsUser` as uid and gid for every file operation, and
 *   its `creationInfo` makes EFS create the directory owned by that user (mode 0750) on first
 *   mount, so no ownership step is needed (unlike `writablePaths`, see service.ts). "If you do not
 *   provide CreationInfo and the specified RootDirectory > Path does not exist, attempts to mount
 *   the file system using the access point will fail" (EFS API reference, RootDirectory:
 *   https://docs.aws.amazon.com/efs/latest/ug/API_RootDirectory.html).
 * - Tasks mount through the access point with transit encryption and IAM authorization
 *   (`efsVolumeConfiguration` `transitEncryption: ENABLED`, `authorizationConfig { accessPointId,
 *   iam: ENABLED }`), and the task role may `ClientMount`/`ClientWrite` that file system only
 *   through its own access points (`elasticfilesystem:AccessPointArn`, EFS user guide "Using access
 *   points in IAM policies": https://docs.aws.amazon.com/efs/latest/ug/access-points-iam-policy.html).
 *   EFS volumes need Fargate platform version 1.4.0 or later (the services run on LATEST).
 * - AWS Backup takes the file systems into the system's backup (see backup.ts `fileSystemArns`).
 *
 * Cost (us-east-1): $0.30 per GB-month of Standard storage with elastic throughput; the spec's
 * `sizeGb` is not provisioned (EFS grows and shrinks with its files).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { awsTags, resourceName } from "../shared/naming";
import { denyInsecureTransport, ec2Description, policyJson } from "./common";
import { AwsKms } from "./kms";
import type { Problem } from "../../conventions/problems";
import type { ServicePlan, SystemPlan } from "../../plan";

/** NFS, the port EFS mount targets listen on. */
export const NFS_PORT = 2049;
/** Where a share's tree lives on its file system (its root mount); sub-paths are below it. */
export const SHARE_ROOT = "/data";
/** Mode of a directory EFS creates for an access point: the service's user reads and writes, its group reads. */
export const SHARE_DIRECTORY_MODE = "750";
/** EFS access point paths have at most four components (RootDirectory Path, EFS API reference); one is {@link SHARE_ROOT}. */
export const MAX_SUBPATH_DEPTH = 3;

/** The directory on the file system a mount exposes: `/data` or `/data/<subPath>`. */
export const accessPointPath = (subPath?: string) => (subPath ? `${SHARE_ROOT}/${subPath}` : SHARE_ROOT);

/** What EFS cannot expose: a `subPath` deeper than {@link MAX_SUBPATH_DEPTH} directories, or a path over 100 characters. */
export function fileShareProblems(plan: { services: Record<string, Pick<ServicePlan, "name" | "mounts">> }): Problem[] {
    const out: Problem[] = [];
    for (const svc of Object.values(plan.services)) {
        svc.mounts.forEach((m, i) => {
            if (!m.subPath) return;
            const depth = m.subPath.split("/").length;
            const path = accessPointPath(m.subPath);
            if (depth > MAX_SUBPATH_DEPTH || path.length > 100) {
                out.push({
                    where: `services.${svc.name}.mounts[${i}].subPath`,
                    message: `'${m.subPath}' is ${depth} directories (${path.length} characters as ${path}); an EFS access point exposes at most ${MAX_SUBPATH_DEPTH} below the share's root, 100 characters in all`,
                });
            }
        });
    }
    return out;
}

/** The key of one access point: the share, the directory and the user. */
const accessPointKey = (share: string, subPath: string | undefined, uid: number) => `${share}:${subPath ?? ""}:${uid}`;

/** What one service needs to mount its shares: task-definition volumes, container mount points, task-role statements. */
export interface AwsServiceMounts {
    /** Task-definition volumes (`efsVolumeConfiguration` through an access point). */
    volumes: aws.types.input.ecs.TaskDefinitionVolume[];
    /** Container mount points of those volumes at the spec's paths. */
    mountPoints: { sourceVolume: string; containerPath: string; readOnly: boolean }[];
    /** Task-role statements: mount and write the file systems through its own access points only. */
    taskPolicyStatements: pulumi.Input<aws.iam.PolicyStatement>[];
    /** What the ECS service waits for: the mount targets (and the egress rules) of its shares. */
    ready: pulumi.Resource[];
}

/** Arguments of {@link AwsFileShares}. */
export interface AwsFileSharesArgs {
    /** The system's plan: the services that mount shares, names, tags, deletion protection. */
    plan: SystemPlan;
    /** VPC of the mount targets' security group. */
    vpcId: pulumi.Input<string>;
    /** Private subnets the tasks run in: one mount target in each. */
    privateSubnetIds: pulumi.Input<string>[];
    /** Security group of each service by spec name (from {@link AwsNetwork}). */
    serviceSecurityGroupIds: Record<string, pulumi.Input<string>>;
    /**
     * The EKS placement's cluster security group, which its nodes carry: the mount targets admit NFS from it, and the
     * EFS CSI driver mounts on the node through access points it creates itself (components/eks/files.ts), so no
     * per-service rule, access point or task mount is made.
     * @default none (ECS: each mounting service's group, its access points and task mounts)
     */
    clusterSecurityGroupId?: pulumi.Input<string>;
}

/** One EFS file system per share with its mount targets, security group and access points. Type token `tierform:aws:FileShares`. */
export class AwsFileShares extends pulumi.ComponentResource {
    /** Each share's file system, by share name. */
    readonly fileSystems: Record<string, aws.efs.FileSystem> = {};
    /** What each mounting service needs, by service name (none on EKS). */
    readonly mounts: Record<string, AwsServiceMounts> = {};
    /** The mount targets of every share (what a claim waits for before a node can mount it). */
    readonly mountTargets: aws.efs.MountTarget[] = [];

    constructor(name: string, args: AwsFileSharesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("tierform:aws:FileShares", name, {}, opts);
        const { plan } = args;
        const tags = awsTags(plan, "service");
        const opt = { parent: this };
        const prod = plan.profile.deletionProtection;
        const cluster = args.clusterSecurityGroupId;
        const mounting = Object.values(plan.services).filter((s) => s.mounts.length > 0);
        // On EKS the nodes mount (the CSI driver), admitted through the cluster's group below: no task of a service mounts.
        const services = cluster === undefined ? mounting : [];
        const shares = [...new Set(mounting.flatMap((s) => s.mounts.map((m) => m.share)))];
        const label = (...parts: string[]) => resourceName([plan.name, ...parts]);
        const key = new AwsKms(`${name}-key`, { system: plan, purpose: "files" }, opt);

        // One security group for every mount target: NFS from the mounting services only.
        const group = new aws.ec2.SecurityGroup(
            `${name}-nfs`,
            {
                vpcId: args.vpcId,
                description: ec2Description(
                    cluster === undefined
                        ? `${plan.name} file shares: NFS ${NFS_PORT} from ${services.map((s) => s.name).join(", ")} only`
                        : `${plan.name} file shares: NFS ${NFS_PORT} from the EKS cluster's nodes only`,
                ),
                revokeRulesOnDelete: true,
                tags: { ...tags, Name: label("file-shares") },
            },
            opt,
        );
        if (cluster !== undefined)
            new aws.vpc.SecurityGroupIngressRule(
                `${name}-in-cluster`,
                {
                    securityGroupId: group.id,
                    referencedSecurityGroupId: cluster,
                    ipProtocol: "tcp",
                    fromPort: NFS_PORT,
                    toPort: NFS_PORT,
                    description: ec2Description("NFS from the EKS cluster's nodes (the EFS CSI driver mounts there)"),
                    tags,
                },
                opt,
            );
        const egressRules: Record<string, aws.vpc.SecurityGroupEgressRule> = {};
        for (const svc of services) {
            const sg = args.serviceSecurityGroupIds[svc.name];
            if (sg === undefined) throw new Error(`service '${svc.name}': the network gives it no security group`);
            new aws.vpc.SecurityGroupIngressRule(
                `${name}-in-${svc.name}`,
                {
                    securityGroupId: group.id,
                    referencedSecurityGroupId: sg,
                    ipProtocol: "tcp",
                    fromPort: NFS_PORT,
                    toPort: NFS_PORT,
                    description: ec2Description(`NFS from service ${svc.name}`),
                    tags,
                },
                opt,
            );
            egressRules[svc.name] = new aws.vpc.SecurityGroupEgressRule(
                `${name}-out-${svc.name}`,
                {
                    securityGroupId: sg,
                    referencedSecurityGroupId: group.id,
                    ipProtocol: "tcp",
                    fromPort: NFS_PORT,
                    toPort: NFS_PORT,
                    description: ec2Description("NFS to the file shares"),
                    tags,
                },
                opt,
            );
        }

        const targets: Record<string, aws.efs.MountTarget[]> = {};
        for (const share of shares) {
            const fs = new aws.efs.FileSystem(
                `${name}-${share}`,
                {
                    encrypted: true,
                    kmsKeyId: key.arn,
                    performanceMode: "generalPurpose",
                    throughputMode: "elastic",
                    // Files untouched for 30 days move to Infrequent Access, and back on their first read.
                    lifecyclePolicies: [{ transitionToIa: "AFTER_30_DAYS" }, { transitionToPrimaryStorageClass: "AFTER_1_ACCESS" }],
                    tags: { ...tags, Name: label(plan.environment, "share", share), share },
                },
                { parent: this, protect: prod },
            );
            this.fileSystems[share] = fs;
            new aws.efs.FileSystemPolicy(
                `${name}-${share}`,
                { fileSystemId: fs.id, policy: policyJson([denyInsecureTransport("*", [fs.arn])]) },
                opt,
            );
            targets[share] = args.privateSubnetIds.map(
                (subnetId, i) =>
                    new aws.efs.MountTarget(
                        `${name}-${share}-${i + 1}`,
                        { fileSystemId: fs.id, subnetId, securityGroups: [group.id] },
                        opt,
                    ),
            );
            this.mountTargets.push(...targets[share]);
        }

        const accessPoints = new Map<string, aws.efs.AccessPoint>();
        const accessPoint = (svc: ServicePlan, share: string, subPath: string | undefined) => {
            const k = accessPointKey(share, subPath, svc.runAsUser);
            let ap = accessPoints.get(k);
            if (!ap) {
                const uid = svc.runAsUser;
                ap = new aws.efs.AccessPoint(
                    `${name}-${resourceName([share, ...(subPath ? subPath.split("/") : []), String(uid)])}`,
                    {
                        fileSystemId: this.fileSystems[share].id,
                        posixUser: { uid, gid: uid },
                        rootDirectory: {
                            path: accessPointPath(subPath),
                            creationInfo: { ownerUid: uid, ownerGid: uid, permissions: SHARE_DIRECTORY_MODE },
                        },
                        tags: { ...tags, Name: label(share, ...(subPath ? [subPath] : []), String(uid)), share },
                    },
                    opt,
                );
                accessPoints.set(k, ap);
            }
            return ap;
        };

        for (const svc of services) {
            const mounts: AwsServiceMounts = { volumes: [], mountPoints: [], taskPolicyStatements: [], ready: [egressRules[svc.name]] };
            const byShare = new Map<string, pulumi.Output<string>[]>();
            svc.mounts.forEach((m, i) => {
                const ap = accessPoint(svc, m.share, m.subPath);
                const volume = `share-${i}`;
                mounts.volumes.push({
                    name: volume,
                    efsVolumeConfiguration: {
                        fileSystemId: this.fileSystems[m.share].id,
                        // The access point sets the directory (rootDirectory omitted) and the user; TLS is required by IAM authorization.
                        transitEncryption: "ENABLED",
                        authorizationConfig: { accessPointId: ap.id, iam: "ENABLED" },
                    },
                });
                mounts.mountPoints.push({ sourceVolume: volume, containerPath: m.path, readOnly: false });
                byShare.set(m.share, [...(byShare.get(m.share) ?? []), ap.arn]);
            });
            for (const [share, arns] of byShare) {
                mounts.taskPolicyStatements.push({
                    Sid: `MountShare${share.replace(/[^A-Za-z0-9]/g, "")}ThroughItsAccessPoints`,
                    Effect: "Allow",
                    Action: ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"],
                    Resource: this.fileSystems[share].arn,
                    Condition: { StringEquals: { "elasticfilesystem:AccessPointArn": [...new Set(arns)] } },
                });
                mounts.ready.push(...targets[share]);
            }
            this.mounts[svc.name] = mounts;
        }
        this.registerOutputs({ fileSystemIds: Object.fromEntries(Object.entries(this.fileSystems).map(([k, fs]) => [k, fs.id])) });
    }
}
