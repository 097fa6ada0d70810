/**
 * Database, cache and queue credentials of the EKS placement: from Secrets Manager (the secrets
 * the AWS provisioners create, the same ECS reads) into each service's `<service>-connections`
 * Secret through the External Secrets Operator, so no credential passes through Pulumi's state of
 * a Kubernetes object or a manifest.
 *
 * External Secrets rather than the Secrets Store CSI driver: the services read their connection
 * variables by `secretKeyRef` on every platform (components/kubernetes/service.ts); ESO writes the
 * Kubernetes Secret they already read, while the CSI driver mounts files and needs its sync-as-Secret
 * option (and a pod mounting the volume) for environment variables. ESO is maintained: monthly
 * minor releases through 2026, chart 2.10.0 on 2026-08-28 (external-secrets/external-secrets
 * releases, helm-chart-2.10.0). Its controller reads only this system's connection secrets, through
 * EKS Pod Identity (identity.ts): a role scoped to its ServiceAccount, allowed `GetSecretValue` on
 * exactly the secrets the bindings name and `kms:Decrypt` on their key. API `external-secrets.io/v1`
 * (SecretStore, ExternalSecret; https://external-secrets.io/latest/provider/aws-secrets-manager/).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { SystemFacts } from "../../plan";
import { PINS } from "../../conventions/pins";
import { kubernetesLabels, resourceName } from "../shared/naming";
import type { AwsDatastoreBinding } from "../aws/contract";
import { podIdentityRelease } from "./identity";

/** Namespace and ServiceAccount of the External Secrets controller (the chart's defaults for a release named external-secrets). */
export const EXTERNAL_SECRETS = { namespace: "external-secrets", serviceAccount: "external-secrets" } as const;
/** The SecretStore every ExternalSecret of the namespace reads through. */
export const SECRET_STORE = "aws-secrets-manager";

/**
 * An ECS `valueFrom` reference to one JSON key of a secret (`<secret ARN>:<key>::`, the AWS
 * provisioners' form) as an External Secrets remote reference: the ARN as `key`, the JSON key as
 * `property`. Throws on any other form: a platform bug, never a spec problem.
 */
export function remoteRefOf(reference: string): { key: string; property: string } {
    const m = /^(arn:[^:]+:secretsmanager:.+):([^:]+)::$/.exec(reference);
    if (!m) throw new Error(`not a Secrets Manager JSON key reference: ${reference}`);
    return { key: m[1], property: m[2] };
}

/** Arguments of {@link EksExternalSecrets}. */
export interface EksExternalSecretsArgs {
    /** What the controller reads of the system (names, labels): its plan. */
    system: SystemFacts;
    /** The cluster's name and ARN (the controller's Pod Identity association). */
    cluster: { name: pulumi.Input<string>; arn: pulumi.Input<string> };
    /** The application namespace (its SecretStore). */
    namespace: pulumi.Input<string>;
    /** The AWS region of the secrets. */
    region: pulumi.Input<string>;
    /** Every datastore's binding: the secrets and keys the controller may read. */
    bindings: Record<string, AwsDatastoreBinding>;
    /** What the controller's release waits for (the cluster's nodes, its Pod Identity association). @default [] */
    dependsOn?: pulumi.Resource[];
}

/** The External Secrets controller, its identity and the namespace's SecretStore. Type token `tierform:eks:ExternalSecrets`. */
export class EksExternalSecrets extends pulumi.ComponentResource {
    /** What an ExternalSecret waits for: the controller (with its CRDs) and the SecretStore. */
    readonly ready: pulumi.Resource[];
    private readonly system: SystemFacts;
    private readonly namespace: pulumi.Input<string>;

    constructor(name: string, args: EksExternalSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("tierform:eks:ExternalSecrets", name, {}, opts);
        const { system } = args;
        this.system = system;
        this.namespace = args.namespace;
        const bindings = Object.values(args.bindings);
        const secretArns = bindings.flatMap((b) => b.executionSecretArns);
        const keyArns = bindings.flatMap((b) => b.executionKmsKeyArns);
        const { release } = podIdentityRelease(this, name, {
            system,
            cluster: args.cluster,
            release: "external-secrets",
            chart: PINS.externalSecretsChart,
            namespace: EXTERNAL_SECRETS.namespace,
            serviceAccount: EXTERNAL_SECRETS.serviceAccount,
            statements: [
                ...(secretArns.length
                    ? [
                          {
                              Sid: "ReadThisSystemsConnectionSecrets",
                              Effect: "Allow" as const,
                              Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
                              Resource: secretArns,
                          },
                      ]
                    : []),
                ...(keyArns.length ? [{ Sid: "DecryptThem", Effect: "Allow" as const, Action: "kms:Decrypt", Resource: keyArns }] : []),
            ],
            values: { installCRDs: true, serviceAccount: { name: EXTERNAL_SECRETS.serviceAccount } },
            dependsOn: args.dependsOn,
        });
        const store = new k8s.apiextensions.CustomResource(
            resourceName([name, "store"]),
            {
                apiVersion: "external-secrets.io/v1",
                kind: "SecretStore",
                metadata: { name: SECRET_STORE, namespace: args.namespace, labels: kubernetesLabels(system, SECRET_STORE, "secrets") },
                // No `auth`: the controller's own credentials, its Pod Identity role above.
                spec: { provider: { aws: { service: "SecretsManager", region: args.region } } },
            },
            { parent: this, dependsOn: [release] },
        );
        this.ready = [release, store];
        this.registerOutputs({});
    }

    /**
     * The ExternalSecret that writes Secret `secretName` (owned by it) with one key per variable of
     * `references` (variable → `<secret ARN>:<key>::`), refreshed hourly; `parent` owns it.
     */
    connections(parent: pulumi.Resource, secretName: string, references: Record<string, pulumi.Input<string>>): pulumi.Resource {
        const data = pulumi
            .all(references)
            .apply((refs) => Object.entries(refs).map(([variable, ref]) => ({ secretKey: variable, remoteRef: remoteRefOf(ref) })));
        return new k8s.apiextensions.CustomResource(
            resourceName([this.system.name, secretName]),
            {
                apiVersion: "external-secrets.io/v1",
                kind: "ExternalSecret",
                metadata: { name: secretName, namespace: this.namespace, labels: kubernetesLabels(this.system, secretName, "secrets") },
                spec: {
                    refreshInterval: "1h",
                    secretStoreRef: { kind: "SecretStore", name: SECRET_STORE },
                    target: { name: secretName, creationPolicy: "Owner" },
                    data,
                },
            },
            { parent, dependsOn: this.ready },
        );
    }
}
