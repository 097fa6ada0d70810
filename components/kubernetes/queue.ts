/**
 * The queue tier on Kubernetes: RabbitMQ as a one-replica StatefulSet (official alpine image as its
 * own non-root uid 100 / gid 101) with a PVC for `/var/lib/rabbitmq` (messages and the Erlang
 * cookie), credentials from a Secret, and probes through `rabbitmq-diagnostics`.
 *
 * The spec's SQS-shaped options (visibility timeout, receive count before the dead-letter queue,
 * retention) are declared by the application on its queues (AMQP arguments / policies); the broker
 * here is the transport. A quorum-queue cluster needs the RabbitMQ Cluster Operator.
 */
import * as pulumi from "@pulumi/pulumi";
import { amqpUrl, DEFAULT_PORTS } from "../shared/connection";
import { QUEUE_IMAGE } from "../shared/images";
import { type KubeContext } from "./context";
import { type DatastoreConnection } from "./context";
import { brokerSize, execProbe } from "./pods";
import { componentSecret, generatedPassword, secretEnvs } from "./secrets";
import { statefulWorkload } from "./stateful";
import type { DatastoreSpecs } from "../../plan";

/** Arguments of {@link KubernetesQueue}. */
export interface KubernetesQueueArgs {
    /** Where the tier is built: the system, the stack settings, the namespace. */
    ctx: KubeContext;
    /** The resolved queue spec. */
    queue: DatastoreSpecs["queue"];
    /**
     * PVC size in GiB.
     * @default 10
     */
    storageGb?: number;
}

/** A RabbitMQ StatefulSet with its headless Service and credentials Secret. */
export class KubernetesQueue extends pulumi.ComponentResource {
    /** How apps connect (the URL carries the password and is a secret). */
    readonly connection: DatastoreConnection;

    constructor(name: string, args: KubernetesQueueArgs, opts?: pulumi.ComponentResourceOptions) {
        super("tierform:kubernetes:Queue", name, {}, opts);
        const { ctx, queue } = args;
        const username = "app";
        const password = generatedPassword(ctx, this, queue.name);
        const credentials = componentSecret(ctx, this, queue.name, "credentials", { username, password });
        const workload = statefulWorkload(
            ctx,
            {
                component: queue.name,
                tier: "queue",
                image: QUEUE_IMAGE,
                uid: 100,
                gid: 101,
                ports: [{ name: "amqp", port: DEFAULT_PORTS.amqp }],
                env: [
                    { name: "HOME", value: "/var/lib/rabbitmq" },
                    { name: "RABBITMQ_NODENAME", value: "rabbit@localhost" },
                    ...secretEnvs(credentials.name, { RABBITMQ_DEFAULT_USER: "username", RABBITMQ_DEFAULT_PASS: "password" }),
                ],
                dataPath: "/var/lib/rabbitmq",
                storageGb: args.storageGb ?? 10,
                writablePaths: ["/tmp", "/var/log/rabbitmq"],
                liveness: execProbe(["rabbitmq-diagnostics", "-q", "ping"], 30, 30, 15),
                readiness: execProbe(["rabbitmq-diagnostics", "-q", "check_port_connectivity"], 20, 15, 15),
                resources: brokerSize(ctx.system),
            },
            { parent: this, dependsOn: [credentials.secret] },
        );
        const { host, ready } = workload;
        this.connection = { host, port: DEFAULT_PORTS.amqp, url: amqpUrl({ host, port: DEFAULT_PORTS.amqp, username, password }), ready };
        this.registerOutputs({ endpoint: host });
    }
}
