/**
 * External Secrets Operator stores (the EKS placement's SecretStore, components/eks/secrets.ts, and
 * any a user adds): a store that reaches AWS with an access key kept in a Kubernetes Secret
 * (`auth.secretRef`, https://external-secrets.io/latest/provider/aws-secrets-manager/) puts a
 * long-lived static key in the cluster; the controller's own identity (EKS Pod Identity) or a
 * ServiceAccount's (`auth.jwt`) needs none.
 */
import { resourcePolicy } from "./util";

/** The store kinds of External Secrets, every served version. */
const STORES = ["v1", "v1beta1"].flatMap((v) => [
    `kubernetes:external-secrets.io/${v}:SecretStore`,
    `kubernetes:external-secrets.io/${v}:ClusterSecretStore`,
]);

/** No static AWS key behind an External Secrets store. */
export const k8sSecretStoreNoStaticKeys = resourcePolicy({
    name: "k8s-secret-store-no-static-keys",
    description:
        "An External Secrets SecretStore or ClusterSecretStore for AWS (Secrets Manager, Parameter Store) takes no access key from a Secret (auth.secretRef): it uses the controller's Pod Identity or a ServiceAccount's role (auth.jwt).",
    group: "security",
    platforms: ["kubernetes"],
    checklist: ["no-plaintext-secrets", "mdc-secrets-in-vault"],
    sources: ["External Secrets AWS provider docs (auth.secretRef access keys)", "seed 002 'no static credentials'"],
    types: STORES,
    validate: (props, _args, report) => {
        const aws = props.spec?.provider?.aws;
        if (aws?.auth?.secretRef)
            report("its AWS provider reads an access key from a Secret (auth.secretRef): a static key in the cluster");
    },
});
