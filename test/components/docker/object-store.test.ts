import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { planComponent, type Plan } from "../../harness";
import { DockerBucket, renderBucketScript, renderS3Identities } from "../../../components/docker/object-store";
import { OBJECT_STORE_IMAGE } from "../../../components/shared/images";
import { volumeOwnershipScript } from "../../../components/docker/common";
import { argvOf, CONTAINER, devSystem, envOf, hardeningProblems, isSecretAt, labelsOf, networksOf, uploadOf, VOLUME } from "./helpers";

describe("docker Bucket (SeaweedFS)", () => {
    let plan: Plan;
    before(async () => {
        const { system } = devSystem("mdc-tts");
        plan = await planComponent(() => {
            const b = new DockerBucket("mdc-tts-objects", {
                system,
                buckets: Object.values(system.buckets),
                network: "mdc-tts-net-data",
                clients: { backend: ["media", "static"], worker: ["media"] },
            });
            return { buckets: b.bucketNames, endpoint: b.endpointUrl, keys: Object.keys(b.keys) };
        });
    });
    const store = () => plan.one(CONTAINER, "mdc-tts-objects");
    const setup = () => plan.one(CONTAINER, "mdc-tts-objects-setup");

    it("runs one pinned SeaweedFS (weed mini) for all buckets, non-root and hardened, unpublished, on the data network, no telemetry or admin UI", () => {
        assert.ok(!/minio/i.test(OBJECT_STORE_IMAGE), "MinIO's community images are no longer published");
        assert.strictEqual(store().inputs.image.split("@")[0], OBJECT_STORE_IMAGE);
        assert.strictEqual(store().inputs.command[0], "mini");
        for (const flag of ["-master.telemetry=false", "-admin.ui=false", "-s3.port=9000", "-s3.config=/run/tierform/s3.json"])
            assert.ok(store().inputs.command.includes(flag), flag);
        assert.deepStrictEqual(hardeningProblems(store()), []);
        assert.strictEqual(store().inputs.user, "1000:1000");
        assert.strictEqual(store().inputs.ports, undefined);
        assert.deepStrictEqual(networksOf(store()), ["mdc-tts-net-data"]);
        assert.deepStrictEqual(plan.outputs.buckets, { media: "mdc-tts-media", static: "mdc-tts-static", backups: "mdc-tts-backups" });
        assert.strictEqual(plan.outputs.endpoint, "http://objects:9000");
    });

    it("gives each client service its own identity, limited to its buckets; only the provisioner is Admin; all keys in a secret file", () => {
        const file = uploadOf(store(), "/run/tierform/s3.json")!;
        assert.ok(isSecretAt(store(), `uploads[${file.index}].content`));
        const doc = JSON.parse(file.content);
        const byName = Object.fromEntries(doc.identities.map((i: any) => [i.name, i]));
        assert.deepStrictEqual(Object.keys(byName).sort(), ["provisioner", "svc-backend", "svc-worker"]);
        assert.deepStrictEqual(byName.provisioner.actions, ["Admin"]);
        assert.deepStrictEqual(byName["svc-worker"].actions, ["Read:mdc-tts-media", "List:mdc-tts-media", "Write:mdc-tts-media"]);
        assert.deepStrictEqual(
            byName["svc-backend"].actions.filter((a: string) => a.startsWith("Write")),
            ["Write:mdc-tts-media", "Write:mdc-tts-static"],
        );
        assert.notStrictEqual(byName["svc-worker"].credentials[0].secretKey, byName["svc-backend"].credentials[0].secretKey);
        assert.deepStrictEqual(plan.outputs.keys, ["backend", "worker"]);
        assert.deepStrictEqual(Object.keys(envOf(store())), []);
    });

    it("renders the identity file in SeaweedFS's -s3.config format and refuses unsafe names", () => {
        const text = renderS3Identities([{ name: "svc-a", accessKey: "AKIAAAAAAAAAAAAAAAAA", secretKey: "s".repeat(40), buckets: ["b1"] }]);
        assert.deepStrictEqual(JSON.parse(text), {
            identities: [
                {
                    name: "svc-a",
                    credentials: [{ accessKey: "AKIAAAAAAAAAAAAAAAAA", secretKey: "s".repeat(40) }],
                    actions: ["Read:b1", "List:b1", "Write:b1"],
                },
            ],
        });
        assert.throws(
            () => renderS3Identities([{ name: "a b", accessKey: "x".repeat(20), secretKey: "y".repeat(40), buckets: "admin" }]),
            /letters, digits and '-'/,
        );
    });

    it("creates every bucket, versioned, with its expiry, in a one-shot step after the store is healthy", () => {
        const script = setup().inputs.command.join(" ");
        for (const b of ["mdc-tts-media", "mdc-tts-static", "mdc-tts-backups"]) {
            assert.ok(script.includes(`s3 -I "$E/${b}" 2>/dev/null || s3 -X PUT "$E/${b}"`), b);
            assert.ok(script.includes(`<Status>Enabled</Status></VersioningConfiguration>' "$E/${b}?versioning"`), b);
        }
        assert.match(script, /<Expiration><Days>30<\/Days><\/Expiration>.*"\$E\/mdc-tts-backups\?lifecycle"/);
        assert.strictEqual(setup().inputs.mustRun, false);
        assert.strictEqual(setup().inputs.attach, true);
        assert.ok(setup().dependencies.includes(store().urn));
        assert.strictEqual(store().inputs.wait, true, "pulumi up waits for the store to be healthy before the step");
        assert.deepStrictEqual(hardeningProblems(setup()), []);
    });

    it("gives the bucket step the provisioner's curl config read-only, and no credential in its env or argv", () => {
        const config = plan.one(VOLUME, "mdc-tts-objects-config");
        assert.deepStrictEqual(setup().inputs.volumes, [
            { volumeName: config.inputs.name, containerPath: "/run/tierform", readOnly: true },
        ]);
        assert.ok(
            store().inputs.volumes.some(
                (v: any) => v.volumeName === config.inputs.name && v.containerPath === "/run/tierform" && v.readOnly === true,
            ),
        );
        assert.ok(setup().inputs.command[0].includes("-K '/run/tierform/provisioner.curl'"));
        assert.deepStrictEqual(envOf(setup()), {});
        for (const a of argvOf(setup())) assert.ok(!a.includes("mock-mdc-tts-objects-provisioner-secret-key"));
        assert.strictEqual(setup().secretPaths.length, 0, "nothing secret in the step's inputs");
        const curl = uploadOf(store(), "/run/tierform/provisioner.curl")!;
        assert.match(curl.content, /^user = "mock-[^:"]*:mock-mdc-tts-objects-provisioner-secret[^"]*"$/m);
    });

    it("the bucket script, run by /bin/sh with a stand-in curl, signs each S3 call with the config file and fails on a failed call", function () {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tierform-buckets-"));
        try {
            fs.mkdirSync(path.join(dir, "bin"));
            // The stand-in records each call; HEAD (no bucket yet) and a call to $FAIL fail like curl -f on an HTTP error.
            fs.writeFileSync(
                path.join(dir, "bin", "curl"),
                `#!/bin/sh\necho "$*" >>"${dir}/calls"\ncase "$*" in *" -I "*|*"$FAIL"*) exit 22 ;; esac\n`,
                { mode: 0o755 },
            );
            fs.writeFileSync(path.join(dir, "bin", "sleep"), "#!/bin/sh\n", { mode: 0o755 });
            const bucket = { name: "backups", purpose: "backups" as const, versioned: false, lifecycle: [], expireAfterDays: 7 };
            const script = renderBucketScript([{ name: "sys-backups", bucket }], {
                credentialsFile: "/run/tierform/provisioner.curl",
                endpoint: "objects:9000",
            });
            const run = (fail: string) =>
                spawnSync("/bin/sh", ["-c", script], { encoding: "utf8", env: { PATH: `${dir}/bin:${process.env.PATH}`, FAIL: fail } });
            const ok = run("never-matches");
            assert.strictEqual(ok.status, 0, ok.stderr);
            const calls = fs.readFileSync(path.join(dir, "calls"), "utf8").trim().split("\n");
            assert.strictEqual(calls[0], "-fsS -o /dev/null http://objects:9000/healthz");
            for (const c of calls.slice(1))
                assert.ok(c.startsWith("-fsS -o /dev/null -K /run/tierform/provisioner.curl --aws-sigv4 aws:amz:us-east-1:s3 "), c);
            assert.ok(
                calls.some((c) => c.endsWith("-X PUT http://objects:9000/sys-backups")),
                "creates the bucket when HEAD fails",
            );
            assert.ok(calls.some((c) => c.includes("<Status>Suspended</Status>") && c.endsWith("sys-backups?versioning")));
            assert.ok(calls.some((c) => c.includes("<Days>7</Days>") && c.endsWith("sys-backups?lifecycle")));
            fs.rmSync(path.join(dir, "calls"));
            const failed = run("?lifecycle");
            assert.notStrictEqual(failed.status, 0, "a failed lifecycle call fails the step (and so pulumi up)");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("hands the data volume to the store's uid with a network-less, CHOWN-only one-shot step that leaves a marker (no copy-up over it)", () => {
        const volume = plan.one(VOLUME, "mdc-tts-objects-data");
        assert.strictEqual(labelsOf(volume)["tierform.tier"], "bucket");
        const owner = plan.one(CONTAINER, "mdc-tts-objects-data-owner");
        assert.strictEqual(labelsOf(owner)["tierform.role"], "volume-init");
        assert.deepStrictEqual(owner.inputs.capabilities, { drops: ["ALL"], adds: ["CHOWN"] });
        assert.strictEqual(owner.inputs.networkMode, "none");
        // Idempotent (a re-created step meets the volume it handed over): test/docker-engine's second pass runs it twice.
        assert.strictEqual(owner.inputs.command[0], volumeOwnershipScript("1000:1000"));
        assert.match(
            owner.inputs.command[0],
            /\[ -e \/volume\/\.tierform-owner \] \|\| touch \/volume\/\.tierform-owner\nchown 1000:1000 \/volume \/volume\/\.tierform-owner/,
        );
        assert.ok(store().dependencies.includes(owner.urn));
        assert.ok(labelsOf(store())["tierform.after.volume-init"], "the store waits for the step's exit code");
    });
});
