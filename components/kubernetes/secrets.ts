/**
 * Credentials on Kubernetes: generated passwords in Secrets, and environment variables that read them
 * by `secretKeyRef` (never a value in a manifest).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type * as k8sTypes from "@pulumi/kubernetes/types/input";
import { KubeContext, logicalName, meta } from "./context";

/** Name of the system-wide Secret holding the generated app secrets (one value per name, shared by every service that lists it). */
export const APP_SECRETS = "app-secrets";

/**
 * The system's generated app secrets (the plan's `appSecrets`): one RandomPassword per name and the {@link APP_SECRETS}
 * Secret holding them, under `parent` (the system). Returns what a service reading them waits for: the Secret, if any.
 */
export function createAppSecrets(
    ctx: KubeContext,
    appSecrets: { names: string[]; length: number },
    opts: { parent: pulumi.Resource; provider?: pulumi.ProviderResource },
): pulumi.Resource[] {
    if (appSecrets.names.length === 0) return [];
    const values = Object.fromEntries(
        appSecrets.names.map((s) => [
            s,
            new random.RandomPassword(
                logicalName(ctx, "app-secret", s.toLowerCase()),
                { length: appSecrets.length, special: false },
                { parent: opts.parent },
            ).result,
        ]),
    );
    return [
        new k8s.core.v1.Secret(
            logicalName(ctx, APP_SECRETS),
            { metadata: meta(ctx, APP_SECRETS, APP_SECRETS, "secrets"), type: "Opaque", stringData: values },
            opts,
        ),
    ];
}

/** A generated password (alphanumeric, so it is safe in URLs and shells), named `<system>-<component>-<suffix>`. */
export function generatedPassword(
    ctx: KubeContext,
    parent: pulumi.Resource,
    component: string,
    suffix = "password",
    args: Omit<random.RandomPasswordArgs, "special"> = { length: 32 },
): pulumi.Output<string> {
    return new random.RandomPassword(logicalName(ctx, component, suffix), { ...args, special: false }, { parent }).result;
}

/**
 * The Secret `<component>-<suffix>` of `component` (e.g. `cache-auth`, `db-credentials`) holding
 * `data`; pods read it by `secretKeyRef`, never inline.
 */
export function componentSecret(
    ctx: KubeContext,
    parent: pulumi.Resource,
    component: string,
    suffix: string,
    data: Record<string, pulumi.Input<string>>,
    type = "Opaque",
): { name: string; secret: k8s.core.v1.Secret } {
    const name = `${component}-${suffix}`;
    // Every value a Pulumi secret (user names too), so state and the plan's JSON never hold them in the clear.
    const secret = new k8s.core.v1.Secret(
        logicalName(ctx, component, suffix),
        { metadata: meta(ctx, name, component, "secrets"), type, stringData: pulumi.secret(data) },
        { parent },
    );
    return { name, secret };
}

/** `{name, valueFrom.secretKeyRef}` of an environment variable. */
export function secretEnv(name: string, secretName: pulumi.Input<string>, key: string): k8sTypes.core.v1.EnvVar {
    return { name, valueFrom: { secretKeyRef: { name: secretName, key } } };
}

/** Environment variables by secretKeyRef from one Secret: `{ VARIABLE: key }`. */
export function secretEnvs(secretName: pulumi.Input<string>, keys: Record<string, string>): k8sTypes.core.v1.EnvVar[] {
    return Object.entries(keys).map(([name, key]) => secretEnv(name, secretName, key));
}

/**
 * Secret a user creates in the namespace when `tierform:s3Endpoint` is set (keys
 * `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`): credentials of an external object store never
 * pass through Pulumi config. Without an endpoint, each identity gets its own Secret of the same shape (object-store.ts).
 */
export const EXTERNAL_S3_SECRET = "s3-credentials";
