/**
 * Generated application secrets (a service's `secrets: [SECRET_KEY, ...]`) in Secrets Manager,
 * encrypted with the system's secrets key. One secret per variable name per system, so services
 * that share a name (Django's SECRET_KEY in the web app, the worker and beat) share the value;
 * each task's execution role may read only the names its service lists.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { awsTags, resourceName } from "../shared/naming";
import type { SystemFacts } from "../../plan";

/** Arguments of {@link AwsAppSecrets}. */
export interface AwsAppSecretsArgs {
    /** The resolved system (names, tags, deletion protection). */
    system: SystemFacts;
    /** KMS key the secrets are encrypted with. */
    kmsKeyArn: pulumi.Input<string>;
    /** The plan's application secrets: their names and the length of each generated value. */
    secrets: { names: string[]; length: number };
}

/** Secrets Manager secrets with random values. Type token `tierform:aws:Secrets`. */
export class AwsAppSecrets extends pulumi.ComponentResource {
    /** Secret ARN of each variable name. */
    readonly arns: Record<string, pulumi.Output<string>>;

    constructor(name: string, args: AwsAppSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("tierform:aws:Secrets", name, {}, opts);
        const { system } = args;
        this.arns = {};
        for (const variable of args.secrets.names) {
            const key = variable.toLowerCase().replace(/_/g, "-");
            const value = new random.RandomPassword(`${name}-${key}`, { length: args.secrets.length, special: false }, { parent: this });
            const secret = new aws.secretsmanager.Secret(
                `${name}-${key}`,
                {
                    namePrefix: `${resourceName([system.name, system.environment, key], 200)}-`,
                    description: `${system.name}: generated ${variable}`,
                    kmsKeyId: args.kmsKeyArn,
                    recoveryWindowInDays: system.profile.deletionProtection ? 30 : 7,
                    tags: awsTags(system, "secrets"),
                },
                { parent: this, protect: system.profile.deletionProtection },
            );
            new aws.secretsmanager.SecretVersion(`${name}-${key}`, { secretId: secret.id, secretString: value.result }, { parent: this });
            this.arns[variable] = secret.arn;
        }
        this.registerOutputs({ arns: this.arns });
    }
}
