/**
 * The offline engine answers a registration with the serialized state as a protobuf Struct would
 * give it back (scripts/offline/engine.ts `viaStruct`) instead of building one: the runtime resolves
 * the outputs in that key order. Checked against google-protobuf's own Struct round trip, on crafted
 * values and on the state of every resource of a real run (a preset on staging, which carries
 * Kubernetes objects, and on prod).
 */
import { strict as assert } from "assert";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { runOffline, viaStruct } from "../../scripts/offline/engine";
import { stackConfig } from "../harness";

/** What Pulumi's mock monitor holds of each resource it answered (runtime/mocks.js `resources`). */
interface MockMonitorState {
    resources: Map<string, { state: Record<string, unknown> }>;
}

/** The same value, keys in the same order, as the real round trip. */
function assertSameAsStruct(value: Record<string, unknown>, where: string): void {
    const real = Struct.fromJavaScript(value as never).toJavaScript();
    const ours = viaStruct(value);
    assert.equal(JSON.stringify(ours), JSON.stringify(real), where);
    assert.deepStrictEqual(ours, real, where);
}

describe("offline engine: a registration's response state is what a protobuf Struct gives back", function () {
    this.timeout(120_000);

    it("crafted values: nested objects and lists, numeric and non-ASCII keys, null, empty values", () => {
        assertSameAsStruct(
            {
                b: 1,
                a: { d: [1, { z: 1, y: [null, "x", false] }], c: null },
                10: "ten",
                2: "two",
                Z: true,
                é: { "": 0, " ": -1.5 },
                empty: {},
                list: [],
                "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
            },
            "crafted",
        );
    });

    it("refuses what a Struct refuses, with its message", () => {
        assert.throws(() => Struct.fromJavaScript({ a: undefined } as never), /Unexpected struct type/);
        assert.throws(() => viaStruct({ a: undefined }), /Unexpected struct type/);
        assert.throws(() => viaStruct({ a: [1, () => 1] }), /Unexpected struct type/);
    });

    for (const [stack, system] of [
        ["staging", "mdc-tts"],
        ["prod", "mealkitz"],
    ] as const)
        it(`${system} on ${stack}: every resource's serialized state`, async () => {
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            const program = require("../../index");
            await runOffline({ program, config: stackConfig({ stack, system }), stack });
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            const monitor = require("@pulumi/pulumi/runtime/settings").getMonitor() as MockMonitorState;
            // A component's entry holds, once it registered its outputs, the outputs' Struct itself.
            const answered = [...monitor.resources].filter(([, { state }]) => !(state instanceof Struct));
            assert.ok(answered.length > 80, `${answered.length} resources`);
            for (const [urn, { state }] of answered) assertSameAsStruct(state, urn);
        });
});
