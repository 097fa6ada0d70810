/**
 * Picks the platform's system component for the stack. Platforms are loaded lazily, so a docker
 * stack never loads the AWS or Kubernetes SDKs.
 */
import * as pulumi from "@pulumi/pulumi";
import type { LoadedStack, Platform } from "../model";
import type { PlatformSystem, PlatformSystemArgs, SystemOutputs } from "./contract";

type SystemClass = new (name: string, args: PlatformSystemArgs, opts?: pulumi.ComponentResourceOptions) => PlatformSystem;

/* eslint-disable @typescript-eslint/no-require-imports */
const PLATFORMS: Record<Platform, () => SystemClass> = {
    docker: () => require("./docker/system").DockerSystem,
    kubernetes: () => require("./kubernetes/system").KubernetesSystem,
    aws: () => require("./aws/system").AwsSystem,
};
/* eslint-enable @typescript-eslint/no-require-imports */

/** Build the whole system on the stack's platform. */
export function deploySystem(stack: LoadedStack): PlatformSystem {
    const SystemComponent = PLATFORMS[stack.settings.platform]();
    return new SystemComponent(stack.system.name, { system: stack.system, settings: stack.settings });
}

/** The stack outputs: URLs and endpoints in the clear, connection strings only as secrets. */
export function stackOutputs(outputs: SystemOutputs) {
    const datastores: Record<string, { kind: string; endpoint: pulumi.Input<string>; readerEndpoints?: pulumi.Input<string>[] }> = {};
    const connectionStrings: Record<string, pulumi.Input<string>> = {};
    for (const [name, d] of Object.entries(outputs.datastores)) {
        datastores[name] = { kind: d.kind, endpoint: d.endpoint, ...(d.readerEndpoints ? { readerEndpoints: d.readerEndpoints } : {}) };
        if (d.connectionString !== undefined) connectionStrings[name] = d.connectionString;
    }
    return {
        publicUrl: outputs.publicUrl,
        services: outputs.services,
        datastores,
        connectionStrings: pulumi.secret(connectionStrings),
        platform: outputs.platform,
    };
}
