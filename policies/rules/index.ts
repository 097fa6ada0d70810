/**
 * Every tierform policy, without constructing a PolicyPack (that would start the analyzer's gRPC
 * server): tests and the offline plan call `validateResource` / `validateStack` directly.
 */
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { awsPolicies } from "./aws";
import { commonPolicies } from "./common";
import { dockerPolicies } from "./docker";
import { kubernetesPolicies } from "./kubernetes";
import { stackPolicies } from "./stack";
import { type AnyPolicy, policyMeta } from "./util";

export { CHECKLIST, type ChecklistItem } from "./checklist";
export { policyMeta, type PolicyMeta, type AnyPolicy } from "./util";

/** Every policy object of the packs, resource policies first. */
export const allPolicies: AnyPolicy[] = [...commonPolicies, ...dockerPolicies, ...kubernetesPolicies, ...awsPolicies, ...stackPolicies];

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
