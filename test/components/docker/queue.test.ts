import * as assert from "assert";
import { planComponent, type Plan } from "../../harness";
import { DockerQueue } from "../../../components/docker/queue";
import { QUEUE_IMAGE } from "../../../components/shared/images";
import {
    argvOf,
    CONTAINER,
    devPlan,
    envOf,
    hardeningProblems,
    isSecretAt,
    labelsOf,
    networksOf,
    storeOf,
    uploadOf,
    VOLUME,
} from "./helpers";

describe("docker Queue (RabbitMQ)", () => {
    let plan: Plan;
    before(async () => {
        const { plan: system } = devPlan("mealkitz");
        plan = await planComponent(() => {
            const q = new DockerQueue("mealkitz-events", {
                system,
                queue: storeOf(system, "queue", "events"),
                network: "mealkitz-net-data",
            });
            return { url: q.connectionString, endpoint: q.endpoint };
        });
    });
    const container = () => plan.one(CONTAINER, "mealkitz-events");

    it("runs the pinned broker as the rabbitmq user, hardened, unpublished, on the data network only", () => {
        assert.ok(container().inputs.image.startsWith(`${QUEUE_IMAGE}@sha256:`));
        assert.strictEqual(container().inputs.user, "100:101");
        assert.deepStrictEqual(hardeningProblems(container()), []);
        assert.strictEqual(container().inputs.ports, undefined);
        assert.deepStrictEqual(networksOf(container()), ["mealkitz-net-data"]);
        assert.strictEqual(container().inputs.wait, true, "pulumi up waits until it is healthy");
        assert.strictEqual(container().inputs.hostname, "events", "a stable node name");
    });

    it("keeps the broker's state on a named volume", () => {
        const volume = plan.one(VOLUME, "mealkitz-events-data");
        assert.strictEqual(labelsOf(volume)["tierform.tier"], "queue");
        assert.ok(
            container().inputs.volumes.some((v: any) => v.containerPath === "/var/lib/rabbitmq" && v.volumeName === volume.inputs.name),
        );
    });

    it("creates generated credentials through a secret config file", () => {
        assert.strictEqual(envOf(container()).RABBITMQ_CONFIG_FILE, "/run/tierform/rabbitmq.conf");
        const conf = uploadOf(container(), "/run/tierform/rabbitmq.conf")!;
        const pass = /^default_pass = (\S+)$/m.exec(conf.content)?.[1];
        assert.ok(pass?.startsWith("mock-mealkitz-events-password"));
        assert.match(conf.content, /^loopback_users.guest = true$/m);
        assert.ok(isSecretAt(container(), `uploads[${conf.index}].content`));
        for (const a of [...argvOf(container()), ...Object.values(envOf(container()))]) assert.ok(!a.includes(pass!));
        assert.strictEqual(plan.outputs.url, `amqp://app:${pass}@events:5672/`);
        assert.ok(plan.run.secretOutputs.includes("url"));
        assert.strictEqual(plan.outputs.endpoint, "events:5672");
    });

    it("records the spec's queue settings as labels", () => {
        const labels = labelsOf(container());
        assert.strictEqual(labels["tierform.queue.visibility-timeout-seconds"], "60");
        assert.strictEqual(labels["tierform.queue.max-receive-count"], "5");
        assert.strictEqual(labels["tierform.datastore"], "events");
    });
});
