/**
 * The queue tier on Kubernetes: RabbitMQ as a one-replica StatefulSet (official alpine image as its
 * own non-root uid 100 / gid 101) with a PVC for `/var/lib/rabbitmq` (messages and the Erlang
 * cookie), credentials from a Secret, and probes through `rabbitmq-diagnostics`.
 *
 * The spec's SQS-shaped options (visibility timeout, receive count before the dead-letter queue,
 * retention) are declared by the application on its queues (AMQP arguments / policies); the broker
 * here is the transport. A quorum-queue cluster needs the RabbitMQ Cluster Operator.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { Queue } from "../../spec";
import { amqpUrl, DEFAULT_PORTS } from "../shared/connection";
import { QUEUE_IMAGE } from "../shared/images";
import { DATASTORE_SIZES, logicalName, meta, secretEnv, serviceHost, type DatastoreConnection, type KubeContext } from "./common";
import { execProbe, statefulWorkload } from "./stateful";

/** Arguments of {@link KubernetesQueue}. */
export interface KubernetesQueueArgs {
    ctx: KubeContext;
    /** The resolved queue spec. */
    queue: Queue;
    /**
     * PVC size in GiB.
     * @default 10
     */
    storageGb?: number;
}

/** A RabbitMQ StatefulSet with its headless Service and credentials Secret. */
export class KubernetesQueue extends pulumi.ComponentResource {
    readonly connection: DatastoreConnection;

    constructor(name: string, args: KubernetesQueueArgs, opts?: pulumi.ComponentResourceOptions) {
        super("tierform:kubernetes:Queue", name, {}, opts);
        const { ctx, queue } = args;
        const password = new random.RandomPassword(logicalName(ctx, queue.name, "password"), { length: 32, special: false }, { parent: this });
        const secretName = `${queue.name}-credentials`;
        const username = "app";
        const secret = new k8s.core.v1.Secret(
            logicalName(ctx, queue.name, "credentials"),
            { metadata: meta(ctx, secretName, queue.name, "secrets"), type: "Opaque", stringData: { username, password: password.result } },
            { parent: this },
        );
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
                    secretEnv("RABBITMQ_DEFAULT_USER", secretName, "username"),
                    secretEnv("RABBITMQ_DEFAULT_PASS", secretName, "password"),
                ],
                dataPath: "/var/lib/rabbitmq",
                storageGb: args.storageGb ?? 10,
                writablePaths: ["/tmp", "/var/log/rabbitmq"],
                liveness: execProbe(["rabbitmq-diagnostics", "-q", "ping"], 30, 30, 15),
                readiness: execProbe(["rabbitmq-diagnostics", "-q", "check_port_connectivity"], 20, 15, 15),
                resources: DATASTORE_SIZES[ctx.system.profile.dataSize === "large" ? "medium" : "small"],
            },
            { parent: this, dependsOn: [secret] },
        );
        const host = serviceHost(queue.name, ctx.namespaceName);
        this.connection = { host, port: DEFAULT_PORTS.amqp, url: amqpUrl({ host, port: DEFAULT_PORTS.amqp, username, password: password.result }), ready: [workload.statefulSet, workload.service] };
        this.registerOutputs({ endpoint: host });
    }
}
