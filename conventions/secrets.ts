/**
 * What counts as a credential in a plain environment variable: one reading for the loader (which
 * refuses it in a spec's `env` on every stack) and the `no-plaintext-secrets` policy (which checks
 * what the platforms render, as a second line of defence).
 */

/** Variable names that hold credentials. `*_FILE` (a path to a mounted secret) and ARNs are references, not values. */
export const SECRET_NAME = /(PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIAL|AUTH_KEY)/;
const REFERENCE_NAME = /_(FILE|ARN|PATH|NAME|ID)$/;

/** Why a plain `name=value` environment variable leaks a credential, or undefined when it does not. */
export function plaintextSecretProblem(name: string, value: unknown): string | undefined {
    if (typeof value !== "string" || value === "") return undefined;
    const upper = name.toUpperCase();
    // Any scheme (postgresql, mysql, mongodb+srv, redis, rediss, amqp, ...), anywhere in the value,
    // with or without a user name before the password (`redis://:password@host`).
    if (/[a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:[^/\s@]+@/i.test(value)) return `${name} carries a password inside a URL`;
    if (REFERENCE_NAME.test(upper)) return undefined;
    if (value.startsWith("arn:aws:secretsmanager:") || value.startsWith("arn:aws:ssm:") || value.startsWith("/run/secrets/"))
        return undefined;
    if (SECRET_NAME.test(upper)) return `${name} holds a secret value in plain text`;
    return undefined;
}
