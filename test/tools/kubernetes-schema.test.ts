/**
 * Every Kubernetes object the program registers, for every preset on staging, validates against
 * the Kubernetes OpenAPI schema (`kubernetes-models`), and the cert-manager and prometheus-operator
 * custom resources against their CRD schemas (`@kubernetes-models/cert-manager`,
 * `@kubernetes-models/prometheus-operator`).
 *
 * CloudNativePG has no kubernetes-models package: its objects get their metadata validated as an
 * ObjectMeta and their spec checked against the fields of the `postgresql.cnpg.io/v1` CRD that
 * tierform uses (names and types), see CNPG_FIELDS below.
 *
 * kubernetes-models v5 is ESM-only with `import`-only exports: it loads on Node 20.19+ through a
 * real dynamic `import()` (TypeScript would compile `import()` to `require()` under CommonJS,
 * hence the `new Function` wrapper).
 */
import { strict as assert } from "assert";
import type { PlannedResource } from "../harness";
import { PRESETS, stagingPlan } from "../components/kubernetes/fixtures";

const importEsm = new Function("specifier", "return import(specifier)") as (specifier: string) => Promise<any>;

/** The module of a model: core `v1` → kubernetes-models/v1/<Kind>, groups → <group>/<version>/<Kind>. */
function modelModule(apiVersion: string, kind: string): string | undefined {
    const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
    if (group === "cert-manager.io") return `@kubernetes-models/cert-manager/${group}/${version}/${kind}`;
    if (group === "monitoring.coreos.com") return `@kubernetes-models/prometheus-operator/${group}/${version}/${kind}`;
    if (group === "postgresql.cnpg.io") return undefined;
    return group ? `kubernetes-models/${group}/${version}/${kind}` : `kubernetes-models/${version}/${kind}`;
}

/** The object as the API server would receive it, from the recorded inputs. */
function manifest(r: PlannedResource): Record<string, any> {
    const { apiVersion, kind, metadata, ...rest } = r.inputs;
    return { apiVersion, kind, metadata, ...rest };
}

/** Fields of the CloudNativePG v1 CRDs tierform sets, with their JSON types. */
const CNPG_FIELDS: Record<string, Record<string, string>> = {
    Cluster: {
        instances: "number",
        imageName: "string",
        primaryUpdateStrategy: "string",
        enableSuperuserAccess: "boolean",
        postgresql: "object",
        bootstrap: "object",
        storage: "object",
        resources: "object",
        affinity: "object",
        inheritedMetadata: "object",
        monitoring: "object",
        backup: "object",
    },
    ScheduledBackup: { schedule: "string", immediate: "boolean", backupOwnerReference: "string", method: "string", cluster: "object" },
};

function checkCnpg(m: Record<string, any>): void {
    const fields = CNPG_FIELDS[m.kind];
    assert.ok(fields, `unexpected CloudNativePG kind ${m.kind}`);
    for (const [k, v] of Object.entries(m.spec)) {
        assert.ok(k in fields, `${m.kind}.spec.${k} is not a field tierform knows in postgresql.cnpg.io/v1`);
        assert.equal(typeof v, fields[k], `${m.kind}.spec.${k} must be a ${fields[k]}`);
    }
    if (m.kind === "Cluster") {
        assert.ok(Number.isInteger(m.spec.instances) && m.spec.instances >= 1);
        for (const [k, v] of Object.entries(m.spec.postgresql.parameters ?? {})) assert.equal(typeof v, "string", `postgresql.parameters.${k} must be a string`);
        assert.match(m.spec.storage.size, /^\d+Gi$/);
        assert.equal(typeof m.spec.bootstrap.initdb.secret.name, "string");
        if (m.spec.backup) assert.match(m.spec.backup.retentionPolicy, /^\d+[dwm]$/);
    } else {
        assert.equal(m.spec.schedule.split(" ").length, 6, "CloudNativePG schedules have six fields (seconds first)");
    }
}

describe("kubernetes objects validate against the Kubernetes OpenAPI schema", function () {
    this.timeout(120000);
    const ObjectMeta = importEsm("@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta");

    it("rejects a broken object (the validator is live)", async () => {
        const { Deployment } = await importEsm("kubernetes-models/apps/v1/Deployment");
        const bad = new Deployment({ metadata: { name: "x" }, spec: { selector: {}, template: { spec: { containers: [{ name: "a", image: "b", ports: [{ containerPort: "http" }] }] } } } });
        assert.throws(() => bad.validate(), /containerPort/);
    });

    for (const preset of [...PRESETS, "mdc-tts+s3"]) {
        it(`${preset}: every registered Kubernetes object is valid`, async () => {
            const plan = preset === "mdc-tts+s3" ? await stagingPlan("mdc-tts", { "tierform:s3Endpoint": "https://s3.example.com" }) : await stagingPlan(preset);
            const objects = plan.resources.filter((r) => r.custom && r.type.startsWith("kubernetes:") && r.inputs.kind && r.type !== "kubernetes:helm.sh/v3:Release");
            assert.ok(objects.length > 20, `only ${objects.length} objects`);
            const problems: string[] = [];
            for (const r of objects) {
                const m = manifest(r);
                assert.equal(typeof m.metadata?.name, "string", `${r.type} ${r.name} has no metadata.name`);
                assert.ok(m.kind === "Namespace" || typeof m.metadata?.namespace === "string", `${m.kind} ${m.metadata.name} has no namespace`);
                const mod = modelModule(m.apiVersion, m.kind);
                try {
                    if (!mod) {
                        new (await ObjectMeta).ObjectMeta(m.metadata).validate();
                        checkCnpg(m);
                        continue;
                    }
                    const Model = (await importEsm(mod))[m.kind];
                    new Model(m).validate();
                } catch (err) {
                    problems.push(`${m.apiVersion} ${m.kind} ${m.metadata.name}: ${(err as Error).message}`);
                }
            }
            assert.deepEqual(problems, []);
        });
    }
});
