/**
 * A RabbitMQ broker for a spec queue: pinned alpine image run as its `rabbitmq` user (100:101),
 * generated credentials in an uploaded rabbitmq.conf (`default_user` / `default_pass`, pointed to
 * by RABBITMQ_CONFIG_FILE: no password in the environment or on argv), the guest user disabled,
 * data on a named volume, internal data network only, never published.
 *
 * The spec's SQS-shaped settings (visibility timeout, max receives, retention) have no direct
 * RabbitMQ broker setting; the application declares its queue. They are recorded as labels.
 */
import type * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { DatastorePlanOf } from "../../plan";
import { amqpUrl, DEFAULT_PORTS } from "../shared/connection";
import { QUEUE_IMAGE } from "../shared/images";
import { resourceName } from "../shared/naming";
import { CONFIG_DIR, type DatastoreArgs, generatePassword, secretOf, tierContainer } from "./common";
import { DOCKER_LABEL } from "../../conventions/labels";

/** The `rabbitmq` user of the official alpine image (adduser -u 100, addgroup -g 101). */
export const RABBITMQ_USER = "100:101";
/** The AMQP user tierform creates. */
export const QUEUE_USERNAME = "app";

/** rabbitmq.conf with the generated credentials. Pure, for tests and reuse. */
export function renderRabbitConf(password: string): string {
    return [
        "# Rendered by tierform (components/docker/queue.ts).",
        `listeners.tcp.default = ${DEFAULT_PORTS.amqp}`,
        `default_user = ${QUEUE_USERNAME}`,
        `default_pass = ${password}`,
        "default_vhost = /",
        "default_permissions.configure = .*",
        "default_permissions.read = .*",
        "default_permissions.write = .*",
        "loopback_users.guest = true",
        "log.console = true",
        "",
    ].join("\n");
}

/** Arguments of {@link DockerQueue}; `resources` @default 512 MiB / 0.5 CPU. */
export interface DockerQueueArgs extends DatastoreArgs {
    /** The queue's plan entry: its spec's settings become labels. */
    queue: DatastorePlanOf<"queue">;
}

/** One RabbitMQ container with its volume and generated credentials. */
export class DockerQueue extends pulumi.ComponentResource {
    readonly container: docker.Container;
    readonly volume: docker.Volume;
    readonly host: string;
    readonly port: number;
    readonly image = QUEUE_IMAGE;
    readonly password: pulumi.Output<string>;
    readonly endpoint: string;
    /** amqp://app:password@host:5672/ (secret). */
    readonly connectionString: pulumi.Output<string>;

    constructor(name: string, args: DockerQueueArgs, opts?: pulumi.ComponentResourceOptions) {
        super("tierform:docker:Queue", name, {}, opts);
        const { system } = args;
        const queue = args.queue.spec;
        const size = args.resources ?? { memoryMb: 512, cpus: 0.5 };
        this.host = queue.name;
        this.port = DEFAULT_PORTS.amqp;
        this.endpoint = `${this.host}:${this.port}`;
        this.password = secretOf(generatePassword(resourceName([name, "password"]), this));
        const conf = pulumi.secret(this.password.apply(renderRabbitConf));

        const broker = tierContainer(
            resourceName([name]),
            {
                system,
                tier: "queue",
                datastore: queue.name,
                image: QUEUE_IMAGE,
                user: RABBITMQ_USER,
                resources: size,
                networks: [{ name: args.network, aliases: [queue.name] }],
                // RabbitMQ names its node after the host name: keep it stable across re-creates.
                hostname: queue.name,
                env: { RABBITMQ_CONFIG_FILE: `${CONFIG_DIR}/rabbitmq.conf` },
                files: [{ name: "rabbitmq.conf", content: conf }],
                data: { path: "/var/lib/rabbitmq" },
                // RabbitMQ writes log files to /var/log/rabbitmq besides the console (docker-library/rabbitmq
                // alpine Dockerfile creates it, owned by rabbitmq): a tmpfs, as the emptyDir on Kubernetes.
                writablePaths: ["/tmp", "/var/log/rabbitmq"],
                healthcheck: {
                    tests: ["CMD", "rabbitmq-diagnostics", "-q", "ping"],
                    interval: "15s",
                    timeout: "10s",
                    retries: 5,
                    startPeriod: "30s",
                },
                labels: {
                    [DOCKER_LABEL.engine]: "rabbitmq",
                    "tierform.queue.visibility-timeout-seconds": String(queue.visibilityTimeoutSeconds),
                    "tierform.queue.max-receive-count": String(queue.maxReceiveCount),
                    "tierform.queue.retention-days": String(queue.retentionDays),
                },
            },
            this,
        );
        this.container = broker.container;
        this.volume = broker.volume!;
        this.connectionString = amqpUrl({ host: this.host, port: this.port, username: QUEUE_USERNAME, password: this.password });
        this.registerOutputs({ endpoint: this.endpoint, connectionString: this.connectionString, container: this.container.name });
    }
}
