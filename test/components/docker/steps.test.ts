/**
 * One-shot steps fail `pulumi up` when they exit non-zero: the Docker provider waits for an
 * attached container to stop but never reads its exit code, so `completedStep` (the label value
 * every dependent carries) fails on anything but 0, and the dependent is never registered.
 */
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import type * as docker from "@pulumi/docker";
import { completedStep } from "../../../components/docker/common";
import { planStack } from "../../harness";
import { CONTAINER, labelsOf } from "./helpers";

const step = (exitCode: number | undefined) =>
    ({
        id: pulumi.output("c0ffee"),
        exitCode: pulumi.output(exitCode),
        name: pulumi.output("shop-web-migrate"),
    }) as unknown as docker.Container;
const valueOf = <T>(o: pulumi.Output<T>): Promise<T> => (o as any).promise();

describe("docker one-shot steps: exit codes", () => {
    it("a step that exited 0 yields its id", async () => {
        assert.strictEqual(await valueOf(completedStep(step(0), "the migration")), "c0ffee");
    });

    it("a step that exited non-zero (or reported none) fails with a RunError naming it", async () => {
        await assert.rejects(
            valueOf(completedStep(step(3), "the migration of web")),
            (e: Error) =>
                e instanceof pulumi.RunError && /the migration of web \(container shop-web-migrate\) exited with 3/.test(e.message),
        );
        await assert.rejects(valueOf(completedStep(step(undefined), "the bucket setup")), /reported no exit code/);
    });

    it("every container that waits for a one-shot step carries its checked exit code (mdc-tts)", async function () {
        this.timeout(60_000);
        const p = await planStack({ stack: "dev", system: "mdc-tts" });
        const steps = p.ofType(CONTAINER).filter((c) => c.inputs.attach === true);
        assert.ok(steps.length > 10);
        for (const s of steps) {
            const waiting = p.ofType(CONTAINER).filter((c) => c.dependencies.includes(s.urn));
            for (const w of waiting) {
                const role = labelsOf(s)["tierform.role"];
                // The edge waits for its switch step only by order: a label would re-create the edge at every switch.
                // The step's exit code is checked by the edge component's registered outputs instead (edge.ts).
                if (role === "edge-switch" && labelsOf(w)["tierform.tier"] === "edge") continue;
                // Another service's migration is waited for as `tierform.after.migrate-<service>`.
                const service = labelsOf(s)["tierform.service"];
                assert.ok(
                    labelsOf(w)[`tierform.after.${role}`] !== undefined || labelsOf(w)[`tierform.after.${role}-${service}`] !== undefined,
                    `${w.name} waits for ${s.name} without checking its exit code`,
                );
            }
        }
    });
});
