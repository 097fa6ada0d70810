/** Outputs of @pulumi/kubernetes resources under the mock runtime: metadata as the API server fills it. */
export function kubernetesOutputs(type: string, name: string, inputs: Record<string, any>): Record<string, any> | undefined {
    if (!type.startsWith("kubernetes:") || type === "kubernetes:helm.sh/v3:Release") return undefined;
    const metadata = inputs.metadata ?? {};
    return { metadata: { ...metadata, name: metadata.name ?? name, namespace: metadata.namespace ?? "default", uid: `${name}-uid` } };
}
