/**
 * Every tierform policy, without constructing a PolicyPack (that would start the analyzer's gRPC
 * server): tests and the offline plan call `validateResource` / `validateStack` directly.
 */
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { awsPolicies } from "./aws";
import { awsIamPolicies } from "./aws-iam";
import { awsStoragePolicies } from "./aws-storage";
import { awsEksPolicies } from "./aws-eks";
import { k8sSecretStoreNoStaticKeys } from "./kubernetes-external-secrets";
import { commonPolicies } from "./common";
import { dockerPolicies } from "./docker";
import { dockerResourcePolicies } from "./docker-resources";
import { kubernetesPolicies } from "./kubernetes";
import { kubernetesRbacPolicies } from "./kubernetes-rbac";
import { kubernetesMeshPolicies } from "./kubernetes-mesh";
import { lifecyclePolicies } from "./lifecycle";
import { stackPolicies } from "./stack";
import { type AnyPolicy, policyMeta } from "./util";

export { CHECKLIST, type ChecklistItem } from "./checklist";
export { policyMeta, type PolicyMeta, type AnyPolicy } from "./util";

/** Every policy object of the packs, resource policies first. */
export const allPolicies: AnyPolicy[] = [
    ...commonPolicies,
    ...dockerPolicies,
    ...kubernetesPolicies,
    ...awsPolicies,
    // issue 24: the EKS placement's cluster, identities and secret stores
    ...awsEksPolicies,
    k8sSecretStoreNoStaticKeys,
    // issue 24: the ambient mesh's PeerAuthentication and AuthorizationPolicies
    ...kubernetesMeshPolicies,
    // issue 16: what users add beside the program's resources
    ...dockerResourcePolicies,
    ...kubernetesRbacPolicies,
    ...awsIamPolicies,
    ...awsStoragePolicies,
    ...stackPolicies,
    // issue 14: versions past their lifecycle dates
    ...lifecyclePolicies,
];

/** The security group. */
export const securityPolicies: AnyPolicy[] = allPolicies.filter((p) => policyMeta[p.name].group === "security");
/** The reliability group. */
export const reliabilityPolicies: AnyPolicy[] = allPolicies.filter((p) => policyMeta[p.name].group === "reliability");

/** True for a resource policy. */
export function isResourcePolicy(p: AnyPolicy): p is ResourceValidationPolicy {
    return "validateResource" in p;
}
/** True for a stack policy. */
export function isStackPolicy(p: AnyPolicy): p is StackValidationPolicy {
    return "validateStack" in p;
}
