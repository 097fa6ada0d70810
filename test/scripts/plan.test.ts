import { strict as assert } from "assert";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadStack, PROJECT_ROOT } from "../../model";
import { callerDirectory, jsonRecord, parseArgs, renderTree, UsageError } from "../../scripts/plan";
import { readStackConfig, withStackFileLines } from "../../scripts/offline/stack-config";
import { runPolicyReport } from "../../scripts/offline/policy-report";
import { planStack, stackConfig } from "../harness";

/** ts-node as `npm run plan` runs it, with the tests' cache of compiled files (test/harness/register.js). */
const REGISTER = path.join(PROJECT_ROOT, "test", "harness", "register.js");

/** Run the offline plan the way `npm run plan -- ...` does, as a separate process. */
function plan(...args: string[]) {
    const result = spawnSync(process.execPath, ["-r", REGISTER, "scripts/plan.ts", ...args], {
        cwd: PROJECT_ROOT,
        encoding: "utf8",
        timeout: 60000,
    });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The same, without waiting: several plans that fail early run side by side. `env` adds to the environment. */
function planAsync(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
        const child = spawn(process.execPath, ["-r", REGISTER, "scripts/plan.ts", ...args], {
            cwd: PROJECT_ROOT,
            env: { ...process.env, ...env },
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        const timer = setTimeout(() => child.kill(), 300000);
        child.on("close", (code) => {
            clearTimeout(timer);
            resolve({ code, stdout, stderr });
        });
    });
}

describe("npm run plan (the offline plan)", function () {
    this.timeout(90000);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tierform-plan-"));
    after(() => fs.rmSync(tmp, { recursive: true, force: true }));

    it("exits 1 on bad config with the clear problem list and no stack trace", () => {
        const { code, stderr } = plan("--stack", "dev", "--system", "shopify");
        assert.equal(code, 1);
        assert.match(stderr, /tierform:system \(--system\): 'shopify' is not a preset; presets: asset-management, auromart/);
        assert.doesNotMatch(stderr, /^\s+at /m, "no stack trace");
    });

    it("exits 1 on an unknown stack or flag, naming what exists", () => {
        const unknownStack = plan("--stack", "qa");
        assert.equal(unknownStack.code, 1);
        assert.match(unknownStack.stderr, /no stack file Pulumi\.qa\.yaml; stacks: dev, prod, prod-eks, staging/);
        const unknownFlag = plan("--stack", "dev", "--verbose", "1");
        assert.equal(unknownFlag.code, 1);
        assert.match(unknownFlag.stderr, /unknown argument '--verbose'/);
    });

    it("prints its usage for --help and -h and exits 0", () => {
        const { code, stdout } = plan("-h");
        assert.equal(code, 0);
        assert.match(stdout, /^usage: npm run plan -- --stack/m);
        assert.match(stdout, /--system <preset\|file>/);
        assert.equal(parseArgs(["--stack", "dev", "--help"]).help, true, "--help too, wherever it is");
    });

    it("fails with one clear line, no stack trace, on a --json path it cannot write", () => {
        const { code, stderr } = plan("--stack", "dev", "--json", "/no/such/dir/plan.json");
        assert.equal(code, 1);
        assert.equal(stderr.trim().split("\n").length, 1, stderr);
        assert.match(stderr, /--json \/no\/such\/dir\/plan\.json: the directory \/no\/such\/dir does not exist/);
    });
    it("refuses each input that is not a valid spec with one line naming the file (and spec path), before planning or writing anything", async function () {
        this.timeout(300000);
        const spec = (edit: (text: string) => string) => edit(fs.readFileSync(path.join(PROJECT_ROOT, "systems/auromart.yaml"), "utf8"));
        const files: Record<string, string | Buffer> = {
            "cidr.yaml": spec((t) => t.replace("allowCidrs: [10.0.0.0/8, 192.168.0.0/16]", "allowCidrs: [not-a-cidr]")),
            "credential.yaml": spec((t) => t.replace("      FLASK_APP: app.py\n", "      FLASK_APP: app.py\n      DB_PASSWORD: hunter2\n")),
        };
        fs.mkdirSync(path.join(tmp, "a-directory.yaml"));
        for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(tmp, name), content);
        assert.match(String(files["credential.yaml"]), /DB_PASSWORD: hunter2/, "the fixture has the credential");
        const cases: [string, string, RegExp][] = [
            ["prod", "cidr.yaml", /^.*cidr\.yaml:17 edge\.routes\[0\]\.allowCidrs\[0\]: 'not-a-cidr' is not a CIDR/],
            [
                "staging",
                "credential.yaml",
                /^.*credential\.yaml:\d+ services\.web\.env\.DB_PASSWORD: .*move DB_PASSWORD to services\.web\.secrets/,
            ],
            ["dev", "a-directory.yaml", /^.*a-directory\.yaml: is a directory/],
        ];
        // The same checks in process, for every kind of input: test/model/inputs.test.ts.
        const results = await Promise.all(
            cases.map(([stack, file]) =>
                planAsync(["--stack", stack, "--system", path.join(tmp, file), "--json", path.join(tmp, `${file}.json`)]),
            ),
        );
        results.forEach((r, i) => {
            const [stack, file, message] = cases[i];
            assert.equal(r.code, 1, `${stack} ${file}: ${r.stdout}${r.stderr}`);
            assert.equal(r.stdout, "", `${file}: nothing of the plan is printed`);
            assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
            assert.match(r.stderr.trim(), message);
            assert.doesNotMatch(r.stderr, /hunter2/);
            assert.ok(!fs.existsSync(path.join(tmp, `${file}.json`)), `${file}: no --json written`);
        });
    });

    it("refuses a stack without a policy config before planning", async function () {
        this.timeout(300000);
        const stackFile = path.join(PROJECT_ROOT, `Pulumi.fdqa${process.pid}.yaml`);
        fs.writeFileSync(stackFile, "config:\n  tierform:platform: docker\n");
        try {
            const noPolicy = await planAsync(["--stack", `fdqa${process.pid}`]);
            assert.equal(noPolicy.code, 1);
            assert.equal(noPolicy.stdout, "", "nothing planned");
            assert.match(
                noPolicy.stderr.trim(),
                new RegExp(
                    `^policy report: invalid policy config .*fdqa${process.pid}\\.json: no policy config for 'fdqa${process.pid}'; shipped configs: dev, prod-eks, prod, staging$`,
                ),
            );
        } finally {
            fs.rmSync(stackFile, { force: true });
        }
    });

    it("resolves --system against the directory npm was run in (INIT_CWD), not the project root", async function () {
        this.timeout(300000);
        fs.writeFileSync(path.join(tmp, "mine.yaml"), "name: [\n");
        const r = await planAsync(["--stack", "dev", "--system", "mine.yaml"], { INIT_CWD: tmp });
        assert.equal(r.code, 1);
        assert.match(r.stderr.trim(), new RegExp(`^${tmp.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}/mine\\.yaml:\\d+: YAML does not parse`));
    });

    it("prints the tree and the policy report, and writes every resource as JSON with secrets redacted", () => {
        const file = path.join(tmp, "dev.json");
        const { code, stdout } = plan("--stack", "dev", "--system", "mdc-tts", "--json", file);
        assert.equal(code, 0, stdout);
        assert.match(stdout, /docker:System mdc-tts/);
        // What the program logs (the offline engine records it; a test run stays quiet) is still printed here.
        assert.match(stdout, /^info: \[runtime\] tierform: on docker, /m);
        assert.match(stdout, /Resources: \d+ \(\+\d+ components\)/);
        assert.match(stdout, /Compliance with the seeds' checklists/);
        // The per-service summary and the outputs pulumi up would export, secrets redacted.
        assert.match(stdout, /^  backend: web on port 8000, replicas 2–2, autoscaling cpuPercent 70/m);
        assert.match(stdout, /^      routes: \/api, \/static, \/media$/m);
        assert.match(stdout, /^      secrets: .*SECRET_KEY.*DATABASE_URL/m);
        assert.match(stdout, /^      reaches: db, cache/m);
        assert.match(stdout, /^Stack outputs:\n  publicUrl: https:\/\/127\.0\.0\.1:8443$/m);
        assert.doesNotMatch(stdout, /mock-/);
        const json = JSON.parse(fs.readFileSync(file, "utf8"));
        assert.ok(json.resources.length > 40);
        const containers = json.resources.filter((r: { type: string }) => r.type === "docker:index/container:Container");
        assert.ok(containers.length > 0);
        for (const r of json.resources) {
            for (const key of ["urn", "type", "name", "parent", "custom", "inputs"]) assert.ok(key in r, `${r.urn} lacks ${key}`);
        }
        const text = fs.readFileSync(file, "utf8");
        // The mock runtime's generated passwords and keys are "mock-<resource name>..." and reach
        // container env and uploads as secrets; none may appear in the file.
        const generated = json.resources
            .filter((r: { type: string }) => /RandomPassword|PrivateKey/.test(r.type))
            .map((r: { name: string }) => r.name);
        assert.ok(generated.length > 2);
        for (const name of generated) assert.ok(!text.includes(`mock-${name}`), `the value of ${name} is in the plan file`);
        assert.ok(text.includes("[secret]"), "secret inputs are replaced, not dropped");
        // Secret VALUES are redacted, not whole arrays: the edge's nginx config and the services'
        // variable names stay reviewable.
        const uploads = JSON.stringify(containers.map((c: { inputs: { uploads?: unknown } }) => c.inputs.uploads ?? []));
        assert.match(uploads, /server_name|listen\s+\d+ ssl/, "the rendered nginx config is reviewable in --json");
        assert.match(text, /DATABASE_URL=postgresql:\/\/app:\[secret\]@db/, "a connection string shows everything but its password");
        assert.match(text, /SECRET_KEY=\[secret\]/);
        assert.equal(json.outputs.connectionStrings.db, "[secret]", "secret stack outputs are redacted");
        assert.ok(Array.isArray(json.violations));
    });

    it("--against the --json of the deployment refuses, with the spec path, an edit that would delete stored data", () => {
        // The file the test above wrote is the deployed plan; the user renames the database in their spec file.
        const spec = path.join(tmp, "renamed.yaml");
        const text = fs.readFileSync(path.join(PROJECT_ROOT, "systems/mdc-tts.yaml"), "utf8");
        fs.writeFileSync(spec, text.replace(/^  db:$/m, "  main:").replace(/\[db, /g, "[main, "));
        const { code, stdout, stderr } = plan("--stack", "dev", "--system", spec, "--against", path.join(tmp, "dev.json"));
        assert.equal(code, 1, stdout + stderr);
        assert.match(stdout, /^Changes against the deployment's plan file: \d+ to create, \d+ to update, \d+ to replace or delete:$/m);
        assert.match(
            stderr,
            /^refused: databases\.db: docker:index\/volume:Volume mdc-tts-db-data holds data and would be deleted: .* Instead: /m,
        );
        assert.doesNotMatch(stderr, /at .*\.ts:\d+/, "no stack trace");
    });
});

describe("the plan's command line, in process", () => {
    it("refuses a --diagram that is not .svg and suggests the flag meant", () => {
        assert.throws(
            () => parseArgs(["--stack", "dev", "--diagram", "x.png"]),
            /--diagram writes SVG: give a file ending in \.svg \(got 'x\.png'\)/,
        );
        assert.throws(() => parseArgs(["--stak", "dev"]), /unknown argument '--stak'; did you mean '--stack'\?/);
        assert.throws(() => parseArgs(["--stack"]), UsageError);
    });

    it("takes the caller's directory from INIT_CWD (npm run changes directory), else the process's", () => {
        assert.equal(callerDirectory({ INIT_CWD: "/home/me/work" }), "/home/me/work");
        assert.equal(callerDirectory({}), process.cwd());
    });

    it("refuses an output path that is a directory or cannot be written, before planning", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tierform-out-"));
        try {
            assert.throws(
                () => parseArgs(["--stack", "dev", "--json", dir]),
                new RegExp(`--json ${dir}: is a directory; give a file name`),
            );
            assert.throws(() => parseArgs(["--stack", "dev", "--mermaid", `${dir}/x.mmd/`]), UsageError);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("resolves a relative spec path against the current directory, and says where it looked", () => {
        const args = parseArgs(["--stack", "dev", "--system", "specs/shop.yaml"], "/home/me/work");
        assert.equal(args.system, "/home/me/work/specs/shop.yaml");
        assert.equal(parseArgs(["--stack", "dev", "--system", "mdc-tts"]).system, "mdc-tts", "a preset stays a name");
        assert.throws(
            () => loadStack({ "tierform:system": args.system! }),
            /the spec file '\/home\/me\/work\/specs\/shop\.yaml' does not exist \(looked for \/home\/me\/work\/specs\/shop\.yaml\)/,
        );
    });

    it("names the stack file and line of a YAML error or a bad value in Pulumi.<stack>.yaml", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tierform-stackfile-"));
        try {
            fs.copyFileSync(path.join(PROJECT_ROOT, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
            fs.writeFileSync(path.join(dir, "Pulumi.broken.yaml"), "config:\n  tierform:platform: docker\n   x: [\n");
            assert.throws(() => readStackConfig("broken", dir), /^Error: Pulumi\.broken\.yaml:2: YAML does not parse/);
            fs.writeFileSync(
                path.join(dir, "Pulumi.qa.yaml"),
                "config:\n  tierform:platform: docker\n  tierform:edgeHttpPort: abc\n  tierform:edgeBindAddress: localhost\n",
            );
            let message = "";
            try {
                loadStack(readStackConfig("qa", dir));
            } catch (err) {
                message = withStackFileLines((err as Error).message, "qa", dir);
            }
            assert.match(message, /tierform:edgeHttpPort \(Pulumi\.qa\.yaml:3\): "abc" is not a whole number from 1 to 65535\./);
            assert.match(message, /tierform:edgeBindAddress \(Pulumi\.qa\.yaml:4\): "localhost" is not an IPv4 or IPv6 address/);
            assert.doesNotMatch(message, /Invalid input|NaN/);
            // A provider key's typo: named with its file and line, before anything is planned.
            fs.writeFileSync(path.join(dir, "Pulumi.typo.yaml"), "config:\n  tierform:platform: aws\n  aws:regoin: eu-west-1\n");
            try {
                loadStack(readStackConfig("typo", dir));
                assert.fail("aws:regoin was accepted");
            } catch (err) {
                assert.equal(
                    withStackFileLines((err as Error).message, "typo", dir),
                    "aws:regoin (Pulumi.typo.yaml:3): not a configuration key of the aws provider; did you mean 'aws:region'?",
                );
            }
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("says 'did you mean' for a close config key, preset or spec key", () => {
        const problems = (config: Record<string, string>) => {
            try {
                loadStack(config);
            } catch (err) {
                return (err as Error).message;
            }
            return "";
        };
        assert.match(
            problems({ "tierform:platfrom": "docker" }),
            /tierform:platfrom: unknown configuration key; known keys: .*; did you mean 'tierform:platform'\?/,
        );
        assert.match(problems({ "tierform:system": "mdc-tt" }), /'mdc-tt' is not a preset; .*; did you mean 'mdc-tts'\?/);
        assert.match(
            problems({ "tierform:overrides": JSON.stringify({ services: { backend: { imag: "x:1" } } }) }),
            /unknown key 'imag'; allowed: .*; did you mean 'image'\?/,
        );
        assert.doesNotMatch(problems({ "tierform:system": "zzzzzzzz" }), /did you mean/, "no suggestion when nothing is close");
        assert.match(
            problems({ "tierform:overrides": JSON.stringify({ services: { backend: { port: "eighty" } } }) }),
            /services\.backend\.port: expected a number, got "eighty"/,
        );
    });

    it("names the spec path a policy violation stems from, then the resource built from it", async () => {
        // Overrides are this stack's own (the loader checks the spec file for every stack), so this
        // staging stack can still ask for an autoscaled worker of one replica: k8s-hpa-bounds refuses it.
        const overrides = { services: { worker: { replicas: { min: 1, max: 3 } }, backend: { replicas: { min: 2, max: 30 } } } };
        const staging = await planStack({ stack: "staging", system: "mdc-tts", overrides });
        const system = loadStack(stackConfig({ stack: "staging", system: "mdc-tts", overrides })).system;
        const report = runPolicyReport(staging.run, "staging", undefined, system);
        const hpa = report.violations.filter((v) => v.policy === "k8s-hpa-bounds");
        assert.deepEqual(hpa.map((v) => `${v.spec}: ${v.message}`).sort(), [
            "services.backend: maxReplicaCount 30 is more than 10× minReplicaCount 2",
            "services.worker: minReplicas 1 is below 2",
        ]);
        assert.match(
            report.text,
            /\[mandatory\] k8s-hpa-bounds · services\.worker \(kubernetes:autoscaling\/v2:HorizontalPodAutoscaler [a-z-]*worker\): minReplicas 1 is below 2/,
        );
        // What no one spec element decides keeps the resource alone.
        const run = await planStack({ stack: "staging", system: "mdc-tts" });
        const plain = runPolicyReport(
            run.run,
            "staging",
            undefined,
            loadStack(stackConfig({ stack: "staging", system: "mdc-tts" })).system,
        );
        for (const v of plain.violations)
            if (v.spec) assert.match(v.spec, /^(services|databases|caches|queues|buckets|fileShares)\.[a-z0-9-]+(\.backup)?$|^edge$/);
    });

    it("names the spec path of AWS's system-wide backup resources and of the DR site, in --json and in violations", async () => {
        const prod = await planStack({ stack: "prod", system: "mealkitz" });
        const system = loadStack(stackConfig({ stack: "prod", system: "mealkitz" })).system;
        const byUrn = new Map(prod.resources.map((r) => [r.urn, r]));
        const specOf = (type: string, name: string) => jsonRecord(prod.one(type, name), byUrn, "us-east-1", system).spec;
        assert.equal(specOf("aws:backup/plan:Plan", "backup-db"), "databases.db.backup");
        assert.equal(specOf("aws:backup/selection:Selection", "backup-db"), "databases.db.backup");
        assert.equal(specOf("aws:backup/vault:Vault", "backup"), "databases.*.backup");
        assert.equal(specOf("aws:backup/vault:Vault", "backup-dr"), "recovery.crossRegion", "the DR vault (copy actions' destination)");
        assert.equal(specOf("aws:ec2/subnet:Subnet", "dr-isolated-1"), "recovery.crossRegion");
        assert.equal(specOf("aws:kms/key:Key", "dr-key"), "recovery.crossRegion");
        // Without recovery.crossRegion, the DR vault is there for tierform:drRegion alone.
        assert.equal(
            jsonRecord(prod.one("aws:backup/vault:Vault", "backup-dr"), byUrn, "us-east-1", {
                ...system,
                recovery: { ...system.recovery, crossRegion: false },
            }).spec,
            "tierform:drRegion",
        );
        // A violation on a backup plan carries the same path: the report maps violations with specPathOf.
        const plan = prod.one("aws:backup/plan:Plan", "backup-db");
        const broken = {
            ...prod.run,
            resources: prod.resources.map((r) => (r === plan ? { ...r, inputs: { ...r.inputs, rules: [] } } : r)),
        };
        const violations = runPolicyReport(broken, "prod", undefined, system).violations.filter((v) => v.urn === plan.urn);
        assert.ok(violations.length > 0, "a plan without rules is refused");
        for (const v of violations) assert.equal(v.spec, "databases.db.backup", `${v.policy}: ${v.message}`);
    });

    it("gives each --json resource its provider, region and dependencies (the DR vault: the DR region)", async () => {
        const prod = await planStack({ stack: "prod", system: "mealkitz" });
        const byUrn = new Map(prod.resources.map((r) => [r.urn, r]));
        const records = prod.resources.map((r) => jsonRecord(r, byUrn, "us-east-1"));
        const vaults = records.filter((r) => r.type === "aws:backup/vault:Vault");
        assert.ok(vaults.length >= 2, "a vault in the region and one in the DR region");
        assert.deepEqual([...new Set(vaults.map((v) => v.region))].sort(), ["us-east-1", "us-west-2"]);
        const dr = vaults.find((v) => v.region === "us-west-2")!;
        assert.match(String(dr.provider), /pulumi:providers:aws::/);
        assert.ok(
            records.some((r) => (r.dependencies as string[]).length > 0),
            "dependencies are listed",
        );
        for (const r of records.filter((x) => x.custom)) assert.ok(r.provider, `${r.urn} has a provider`);
    });

    it("marks retainOnDelete next to protect in the tree", async () => {
        const staging = await planStack({ stack: "staging", system: "mdc-tts" });
        const retained = staging.resources.filter((r) => r.retainOnDelete);
        assert.ok(retained.length > 0, "staging retains its namespace and backup volumes");
        assert.match(renderTree(staging.run), /\[retainOnDelete\]|; \d+ retainOnDelete/);
    });
});
