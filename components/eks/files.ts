/**
 * Shared files on the EKS placement (`fileShares`, `services.<n>.mounts`; AuroMart's uploads, invoices and reports):
 * the AWS file shares' EFS file systems (components/aws/files.ts: one per share, KMS-encrypted, TLS-only, in AWS
 * Backup's plan, mount targets that admit NFS from the cluster's nodes), mounted through the Amazon EFS CSI driver.
 *
 * - **The driver** is the EKS add-on `aws-efs-csi-driver` ({@link EFS_CSI_ADDON_VERSION}): Auto Mode does not include
 *   it, and the add-on lists "EC2, EKS Auto Mode" as its compatible compute types (EKS user guide, "AWS add-ons",
 *   workloads-add-ons-available-eks). Its controller's ServiceAccount `efs-csi-controller-sa` (kube-system) gets its
 *   role through EKS Pod Identity, which AWS suggests for the driver (EKS user guide efs-csi, "Prerequisites" and
 *   "Step 1: Create an IAM role"): the add-on's `podIdentityAssociations`, a role trusted by that one ServiceAccount of
 *   this cluster (identity.ts {@link podIdentityTrust}) with the managed AmazonEFSCSIDriverPolicy.
 * - **A StorageClass per share** (`efs-<share>`) with `provisioner: efs.csi.aws.com`, dynamic provisioning through
 *   access points (`provisioningMode: efs-ap`) on that share's file system, under `/data` (the AWS layout), new
 *   directories 0750, kept when a claim goes (`reclaimPolicy: Retain`); the Kubernetes adapter's claims
 *   (components/kubernetes/files.ts, `share-<name>`, ReadWriteMany) name it. The driver mounts with TLS (its
 *   `encryptInTransit` defaults to true), which the file system's policy requires.
 * - The mount happens on the node (the driver's node plugin), so the pods' NetworkPolicies need no NFS egress.
 */
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { SystemFacts } from "../../plan";
import { awsTags, kubernetesLabels } from "../shared/naming";
import { awsPlace, managedPolicyArn } from "../aws/common";
import { SHARE_DIRECTORY_MODE, SHARE_ROOT } from "../aws/files";
import { podIdentityTrust } from "./identity";

/**
 * The add-on's version: v3.4.1-eksbuild.1, the build a team moved to for its EKS 1.36 upgrade
 * (ministryofjustice/modernisation-platform-environments PR #18211, 2026-08-14); `aws eks describe-addon-versions
 * --addon-name aws-efs-csi-driver --kubernetes-version 1.36` lists the builds AWS offers for the cluster's version.
 */
export const EFS_CSI_ADDON_VERSION = "v3.4.1-eksbuild.1";

/** The driver's controller ServiceAccount, which creates and deletes the access points (EKS user guide efs-csi). */
export const EFS_CSI_CONTROLLER_SA = { namespace: "kube-system", name: "efs-csi-controller-sa" } as const;

/** The CSI provisioner name of the Amazon EFS CSI driver. */
export const EFS_CSI_PROVISIONER = "efs.csi.aws.com";

/** The StorageClass of share `share`. */
export const efsStorageClass = (system: SystemFacts, share: string) => `${system.name}-efs-${share}`;

/** Arguments of {@link EksFileShares}. */
export interface EksFileSharesArgs {
    /** What the drivers read of the system (names, tags, labels): its plan. */
    system: SystemFacts;
    /** The cluster's name and ARN. */
    cluster: { name: pulumi.Input<string>; arn: pulumi.Input<string> };
    /** Each share's file system id (components/aws/files.ts). */
    fileSystemIds: Record<string, pulumi.Input<string>>;
    /** What the StorageClasses wait for: the mount targets. */
    dependsOn: pulumi.Resource[];
}

/** The EFS CSI add-on with its Pod Identity, and a StorageClass per share. Type token `tierform:eks:FileShares`. */
export class EksFileShares extends pulumi.ComponentResource {
    /** Each share's StorageClass name, by share. */
    readonly storageClasses: Record<string, pulumi.Output<string>> = {};
    /** The add-on (what the claims wait for: nothing provisions them before it runs). */
    readonly addon: aws.eks.Addon;

    constructor(name: string, args: EksFileSharesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("tierform:eks:FileShares", name, {}, opts);
        const { system } = args;
        const child = { parent: this };
        const tags = awsTags(system, "service");
        const role = new aws.iam.Role(
            `${name}-efs-csi-role`,
            { assumeRolePolicy: podIdentityTrust(args.cluster.arn, EFS_CSI_CONTROLLER_SA.namespace, EFS_CSI_CONTROLLER_SA.name), tags },
            child,
        );
        const policy = new aws.iam.RolePolicyAttachment(
            `${name}-efs-csi-role-policy`,
            { role: role.name, policyArn: managedPolicyArn(awsPlace(child).partition, "service-role/AmazonEFSCSIDriverPolicy") },
            child,
        );
        this.addon = new aws.eks.Addon(
            `${name}-efs-csi`,
            {
                clusterName: args.cluster.name,
                addonName: "aws-efs-csi-driver",
                addonVersion: EFS_CSI_ADDON_VERSION,
                podIdentityAssociations: [{ serviceAccount: EFS_CSI_CONTROLLER_SA.name, roleArn: role.arn }],
                tags,
            },
            { parent: this, dependsOn: [policy] },
        );
        for (const [share, fileSystemId] of Object.entries(args.fileSystemIds)) {
            const className = efsStorageClass(system, share);
            const sc = new k8s.storage.v1.StorageClass(
                `${name}-${share}`,
                {
                    metadata: { name: className, labels: kubernetesLabels(system, `share-${share}`, "service") },
                    provisioner: EFS_CSI_PROVISIONER,
                    parameters: { provisioningMode: "efs-ap", fileSystemId, directoryPerms: SHARE_DIRECTORY_MODE, basePath: SHARE_ROOT },
                    reclaimPolicy: "Retain",
                    volumeBindingMode: "Immediate",
                },
                { parent: this, dependsOn: [this.addon, ...args.dependsOn] },
            );
            this.storageClasses[share] = sc.metadata.name;
        }
        this.registerOutputs({});
    }
}
