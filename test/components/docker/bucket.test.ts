import * as assert from "assert";
import { planComponent, type Plan } from "../../harness";
import { DockerBucket } from "../../../components/docker/bucket";
import { OBJECT_STORE_IMAGE } from "../../../components/shared/images";
import { argvOf, CONTAINER, devSystem, envOf, hardeningProblems, isSecretAt, labelsOf, networksOf, uploadOf, VOLUME } from "./helpers";

describe("docker Bucket (MinIO)", () => {
    let plan: Plan;
    before(async () => {
        const { system } = devSystem("mdc-tts");
        plan = await planComponent(() => {
            const b = new DockerBucket("mdc-tts-objects", { system, buckets: Object.values(system.buckets), network: "mdc-tts-net-data" });
            return { buckets: b.bucketNames, endpoint: b.endpointUrl };
        });
    });
    const minio = () => plan.one(CONTAINER, "mdc-tts-objects");
    const setup = () => plan.one(CONTAINER, "mdc-tts-objects-setup");

    it("runs one pinned MinIO for all buckets, non-root and hardened, unpublished, on the data network", () => {
        assert.strictEqual(plan.ofType(CONTAINER).filter((c) => c.inputs.image?.startsWith(OBJECT_STORE_IMAGE) && c.inputs.command?.[0] === "server").length, 1);
        assert.deepStrictEqual(hardeningProblems(minio()), []);
        assert.strictEqual(minio().inputs.ports, undefined);
        assert.deepStrictEqual(networksOf(minio()), ["mdc-tts-net-data"]);
        assert.deepStrictEqual(plan.outputs.buckets, { media: "mdc-tts-media", static: "mdc-tts-static", backups: "mdc-tts-backups" });
        assert.strictEqual(plan.outputs.endpoint, "http://minio:9000");
    });

    it("reads generated root credentials from a secret env file", () => {
        assert.strictEqual(envOf(minio()).MINIO_CONFIG_ENV_FILE, "/run/tierform/minio.env");
        const file = uploadOf(minio(), "/run/tierform/minio.env")!;
        assert.match(file.content, /^MINIO_ROOT_USER=mock-mdc-tts-objects-access-key/m);
        assert.match(file.content, /^MINIO_ROOT_PASSWORD=mock-mdc-tts-objects-secret-key/m);
        assert.ok(isSecretAt(minio(), `uploads[${file.index}].content`));
        assert.ok(!Object.keys(envOf(minio())).includes("MINIO_ROOT_PASSWORD"));
    });

    it("creates every bucket, private and versioned, with its expiry, in a one-shot step after MinIO", () => {
        const script = setup().inputs.command.join(" ");
        for (const b of ["mdc-tts-media", "mdc-tts-static", "mdc-tts-backups"]) {
            assert.ok(script.includes(`mc mb --ignore-existing local/${b}`), b);
            assert.ok(script.includes(`mc anonymous set none local/${b}`), b);
            assert.ok(script.includes(`mc version enable local/${b}`), b);
        }
        assert.ok(script.includes("mc ilm rule add --expire-days 30 local/mdc-tts-backups"));
        assert.strictEqual(setup().inputs.mustRun, false);
        assert.ok(setup().dependencies.includes(minio().urn));
        const env = envOf(setup());
        assert.match(env.MC_HOST_local, /^http:\/\/mock-[^:]+:mock-[^@]+@minio:9000$/);
        const i = setup().inputs.envs.findIndex((e: string) => e.startsWith("MC_HOST_local="));
        assert.ok(isSecretAt(setup(), `envs[${i}]`));
        for (const a of argvOf(setup())) assert.ok(!a.includes("mock-mdc-tts-objects-secret-key"));
        assert.deepStrictEqual(hardeningProblems(setup()), []);
    });

    it("hands the data volume to MinIO's uid with a network-less, CHOWN-only one-shot step", () => {
        const volume = plan.one(VOLUME, "mdc-tts-objects-data");
        assert.strictEqual(labelsOf(volume)["tierform.tier"], "bucket");
        const owner = plan.one(CONTAINER, "mdc-tts-objects-data-owner");
        assert.strictEqual(labelsOf(owner)["tierform.role"], "volume-init");
        assert.deepStrictEqual(owner.inputs.capabilities, { drops: ["ALL"], adds: ["CHOWN"] });
        assert.strictEqual(owner.inputs.networkMode, "none");
        assert.deepStrictEqual(owner.inputs.command, [minio().inputs.user, "/volume"]);
        assert.ok(minio().dependencies.includes(owner.urn));
    });
});
