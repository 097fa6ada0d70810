import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { planComponent, type Plan } from "../../harness";
import { DockerBucket, renderBucketScript } from "../../../components/docker/bucket";
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
        assert.strictEqual(minio().inputs.wait, true, "pulumi up waits for MinIO to be healthy before the step");
        assert.deepStrictEqual(hardeningProblems(setup()), []);
    });

    it("gives the bucket step MinIO's credential file read-only, and no credential in its env or argv", () => {
        const config = plan.one(VOLUME, "mdc-tts-objects-config");
        assert.deepStrictEqual(setup().inputs.volumes, [{ volumeName: config.inputs.name, containerPath: "/run/tierform", readOnly: true }]);
        assert.ok(minio().inputs.volumes.some((v: any) => v.volumeName === config.inputs.name && v.containerPath === "/run/tierform"));
        assert.ok(setup().inputs.command[0].includes("done <'/run/tierform/minio.env'"));
        assert.deepStrictEqual(Object.keys(envOf(setup())), ["MC_CONFIG_DIR"]);
        for (const a of argvOf(setup())) assert.ok(!a.includes("mock-mdc-tts-objects-secret-key"));
        assert.strictEqual(setup().secretPaths.length, 0, "nothing secret in the step's inputs");
    });

    it("the bucket script, run by /bin/sh with a stand-in mc, builds MC_HOST_local from the file and configures each bucket", function () {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tierform-buckets-"));
        try {
            fs.mkdirSync(path.join(dir, "bin"));
            // The stand-in records each call and the MC_HOST_local it saw.
            fs.writeFileSync(path.join(dir, "bin", "mc"), `#!/bin/sh\necho "$MC_HOST_local | $*" >>"${dir}/calls"\n`, { mode: 0o755 });
            fs.writeFileSync(path.join(dir, "minio.env"), "MINIO_ROOT_USER=AKEY\nMINIO_ROOT_PASSWORD=s3cretKEY\n");
            const bucket = { name: "backups", purpose: "backups" as const, versioned: false, lifecycle: [], expireAfterDays: 7 };
            const script = renderBucketScript([{ name: "sys-backups", bucket }], { credentialsFile: path.join(dir, "minio.env"), endpoint: "minio:9000" });
            const ok = spawnSync("/bin/sh", ["-c", script], { encoding: "utf8", env: { PATH: `${dir}/bin:${process.env.PATH}` } });
            assert.strictEqual(ok.status, 0, ok.stderr);
            const calls = fs.readFileSync(path.join(dir, "calls"), "utf8").trim().split("\n");
            for (const c of calls) assert.ok(c.startsWith("http://AKEY:s3cretKEY@minio:9000 | "), c);
            assert.deepStrictEqual(
                calls.map((c) => c.split(" | ")[1]),
                ["ready local", "mb --ignore-existing local/sys-backups", "anonymous set none local/sys-backups", "version suspend local/sys-backups", "ilm rule rm --all --force local/sys-backups", "ilm rule add --expire-days 7 local/sys-backups"],
            );
            fs.writeFileSync(path.join(dir, "minio.env"), "MINIO_ROOT_USER=AKEY\n");
            const missing = spawnSync("/bin/sh", ["-c", script], { encoding: "utf8", env: { PATH: `${dir}/bin:${process.env.PATH}` } });
            assert.notStrictEqual(missing.status, 0);
            assert.match(missing.stderr, /no MinIO root credentials/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
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
