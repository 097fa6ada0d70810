import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { CONFIG_KEYS, loadStack, PROJECT_ROOT } from "../../model";
import { readStackConfig, stackNames } from "../../scripts/offline/stack-config";

const project = parse(fs.readFileSync(path.join(PROJECT_ROOT, "Pulumi.yaml"), "utf8"));

describe("config: Pulumi.yaml and the stack files", () => {
    it("declares every tierform key with the loader's default and description, and no other", () => {
        assert.equal(project.name, "tierform");
        assert.equal(project.runtime.name, "nodejs");
        assert.deepEqual(Object.keys(project.config).sort(), Object.keys(CONFIG_KEYS).sort());
        for (const [key, spec] of Object.entries(CONFIG_KEYS)) {
            const decl = project.config[key];
            assert.deepEqual(decl.default, spec.default, `default of ${key}`);
            assert.equal(decl.description, spec.description, `description of ${key}`);
        }
    });

    it("ships dev on docker, staging on kubernetes, prod on aws and prod-eks on aws with the EKS placement", () => {
        assert.deepEqual(stackNames(), ["dev", "prod", "prod-eks", "staging"]);
        const expected: Record<string, [string, string, string]> = {
            dev: ["docker", "dev", ""],
            staging: ["kubernetes", "staging", ""],
            prod: ["aws", "prod", ""],
            "prod-eks": ["aws", "prod", "eks"],
        };
        for (const [stack, [platform, environment, placement]] of Object.entries(expected)) {
            const { settings } = loadStack(readStackConfig(stack));
            assert.equal(settings.platform, platform, stack);
            assert.equal(settings.environment, environment, stack);
            assert.equal(settings.placement, placement, stack);
        }
    });

    it("reads a stack file afresh once it changes (what a text parsed to is kept by the text)", () => {
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "tierform-stack-"));
        try {
            fs.copyFileSync(path.join(PROJECT_ROOT, "Pulumi.yaml"), path.join(root, "Pulumi.yaml"));
            fs.writeFileSync(path.join(root, "Pulumi.qa.yaml"), "config:\n  tierform:platform: docker\n");
            assert.equal(readStackConfig("qa", root)["tierform:platform"], "docker");
            fs.writeFileSync(path.join(root, "Pulumi.qa.yaml"), "config:\n  tierform:platform: kubernetes\n");
            assert.equal(readStackConfig("qa", root)["tierform:platform"], "kubernetes");
            fs.writeFileSync(path.join(root, "Pulumi.qa.yaml"), "config: [\n");
            assert.throws(() => readStackConfig("qa", root), /^Error: Pulumi\.qa\.yaml:\d+: YAML does not parse/);
        } finally {
            fs.rmSync(root, { recursive: true, force: true });
        }
    });

    it("keeps secrets and encryption salts out of the stack files", () => {
        for (const stack of stackNames()) {
            const text = fs.readFileSync(path.join(PROJECT_ROOT, `Pulumi.${stack}.yaml`), "utf8");
            const doc = parse(text);
            assert.equal(doc.encryptionsalt, undefined, `${stack} has an encryptionsalt`);
            assert.doesNotMatch(text, /secure:|password|secret_key|BEGIN .*PRIVATE KEY/i, `${stack} holds a secret`);
        }
    });
});
