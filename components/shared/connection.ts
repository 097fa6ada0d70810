/**
 * How the connection URLs a service receives are spelled on every platform (the variable names are
 * the plan's: plan/bindings.ts). Credentials only ever travel inside secret Outputs.
 */
import * as pulumi from "@pulumi/pulumi";

/** Default ports of the engines tierform runs. */
export const DEFAULT_PORTS = { postgres: 5432, mysql: 3306, mongodb: 27017, redis: 6379, amqp: 5672, s3: 9000 } as const;

/** Where and as whom to connect. */
export interface Endpoint {
    host: pulumi.Input<string>;
    port: pulumi.Input<number>;
    username?: pulumi.Input<string>;
    password?: pulumi.Input<string>;
    /** Database name (databases) or logical DB index (redis). */
    database?: pulumi.Input<string>;
    /** Require TLS on the wire. */
    tls?: boolean;
}

const enc = (v: string | undefined) => encodeURIComponent(v ?? "");

/** A database URL for `engine` (postgresql://, mysql://, mongodb://), always a secret. */
export function databaseUrl(engine: "postgres" | "mysql" | "mongodb", e: Endpoint): pulumi.Output<string> {
    return pulumi.secret(
        pulumi.all([e.host, e.port, e.username, e.password, e.database]).apply(([host, port, user, password, db]) => {
            const auth = user ? `${enc(user)}:${enc(password)}@` : "";
            if (engine === "postgres") return `postgresql://${auth}${host}:${port}/${db ?? ""}?sslmode=${e.tls ? "require" : "prefer"}`;
            if (engine === "mysql") return `mysql://${auth}${host}:${port}/${db ?? ""}${e.tls ? "?ssl-mode=REQUIRED" : ""}`;
            return `mongodb://${auth}${host}:${port}/${db ?? ""}?authSource=admin${e.tls ? "&tls=true" : ""}`;
        }),
    );
}

/**
 * A Redis URL, always a secret. With TLS: `rediss://…?ssl_cert_reqs=required`, the parameter
 * redis-py reads (`redis.connection.parse_url`) and Celery demands of every `rediss://` broker or
 * backend URL ("A rediss:// URL must have parameter ssl_cert_reqs"), verifying the server's
 * certificate; without TLS the URL is unchanged.
 */
export function redisUrl(e: Endpoint): pulumi.Output<string> {
    return pulumi.secret(
        pulumi.all([e.host, e.port, e.username, e.password, e.database]).apply(([host, port, user, password, db]) => {
            const auth = password ? `${enc(user)}:${enc(password)}@` : "";
            return `${e.tls ? "rediss" : "redis"}://${auth}${host}:${port}/${db ?? "0"}${e.tls ? "?ssl_cert_reqs=required" : ""}`;
        }),
    );
}

/** An AMQP URL (amqps:// with TLS), always a secret. */
export function amqpUrl(e: Endpoint): pulumi.Output<string> {
    return pulumi.secret(
        pulumi
            .all([e.host, e.port, e.username, e.password])
            .apply(([host, port, user, password]) => `${e.tls ? "amqps" : "amqp"}://${enc(user)}:${enc(password)}@${host}:${port}/`),
    );
}
