/**
 * The state the mock runtime returns for each resource: its inputs plus the outputs a provider
 * would compute (ids, ARNs, endpoints, DNS names), so components that read them behave as in a
 * real run. One file per platform; `common.ts` holds what several share.
 */
import { awsCall, awsOutputs } from "./aws";
import { commonOutputs } from "./common";
import { dockerOutputs } from "./docker";
import { kubernetesOutputs } from "./kubernetes";

/** A platform's outputs for one resource in `region` (AWS's; the others ignore it), or undefined when it adds none. */
export type OutputsFn = (type: string, name: string, inputs: Record<string, any>, region: string) => Record<string, any> | undefined;

const byPackage: Record<string, OutputsFn> = {
    aws: awsOutputs,
    docker: dockerOutputs,
    kubernetes: kubernetesOutputs,
};

/**
 * Outputs for a resource of `type` named `name`, merged over its inputs by the engine; `region` is
 * its provider's (ARNs, endpoints and DNS names name it). @default region "us-east-1"
 */
export function mockOutputs(type: string, name: string, inputs: Record<string, any>, region = "us-east-1"): Record<string, any> {
    const pkg = type.split(":")[0];
    return { ...commonOutputs(type, name, inputs), ...(byPackage[pkg]?.(type, name, inputs, region) ?? {}) };
}

/**
 * Results of provider functions (data sources), e.g. aws.getAvailabilityZones, as the provider the
 * call is made with answers in its `region`. @default region "us-east-1"
 */
export function mockCall(token: string, inputs: Record<string, any>, region = "us-east-1"): Record<string, any> {
    if (token.startsWith("aws:")) return awsCall(token, inputs, region);
    return {};
}
