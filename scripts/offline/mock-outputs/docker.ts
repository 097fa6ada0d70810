/** Outputs of @pulumi/docker resources under the mock runtime. */
export function dockerOutputs(type: string, name: string, inputs: Record<string, any>): Record<string, any> | undefined {
    switch (type) {
        case "docker:index/container:Container":
            // A one-shot (attached) container's exit code, as the provider reads it after the run.
            return { name: inputs.name ?? name, ...(inputs.attach ? { exitCode: 0 } : {}) };
        case "docker:index/network:Network":
        case "docker:index/volume:Volume":
            return { name: inputs.name ?? name };
        case "docker:index/remoteImage:RemoteImage":
            return { imageId: `${inputs.name}@sha256:${"0".repeat(64)}`, repoDigest: `${inputs.name}@sha256:${"0".repeat(64)}` };
        case "docker:index/image:Image":
            return { imageName: inputs.imageName, repoDigest: `${inputs.imageName}@sha256:${"0".repeat(64)}` };
        default:
            return undefined;
    }
}
