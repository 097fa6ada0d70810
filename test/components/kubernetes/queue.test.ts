import { strict as assert } from "assert";
import { planComponent } from "../../harness";
import { KubernetesQueue } from "../../../components/kubernetes/queue";
import { context, datastoreSpec, object } from "./fixtures";

describe("kubernetes queue", () => {
    it("runs RabbitMQ as a non-root StatefulSet with a PVC and credentials from its Secret", async () => {
        const ctx = context("mealkitz");
        const plan = await planComponent(
            () => new KubernetesQueue("t", { ctx, queue: datastoreSpec(ctx.system, "queue", "events") }).connection.url,
        );
        const sts = object(plan, "StatefulSet", "events").inputs.spec;
        const pod = sts.template.spec;
        assert.deepEqual([pod.securityContext.runAsUser, pod.securityContext.runAsGroup], [100, 101]);
        assert.equal(sts.volumeClaimTemplates[0].spec.resources.requests.storage, "10Gi");
        assert.deepEqual(pod.containers[0].env.find((e: any) => e.name === "RABBITMQ_DEFAULT_PASS").valueFrom.secretKeyRef, {
            name: "events-credentials",
            key: "password",
        });
        assert.equal(object(plan, "Service", "events").inputs.spec.clusterIP, "None");
        assert.match(plan.outputs as unknown as string, /^amqp:\/\/app:.+@events\.mealkitz\.svc\.cluster\.local:5672\/$/);
    });
});
