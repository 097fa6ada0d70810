/**
 * Every Kubernetes object the program registers, for every preset on staging, validates against
 * the Kubernetes OpenAPI schema (`kubernetes-models`), and the cert-manager and prometheus-operator
 * custom resources against their CRD schemas (`@kubernetes-models/cert-manager`,
 * `@kubernetes-models/prometheus-operator`).
 *
 * The Gateway API objects validate with `@kubernetes-models/gateway-api`, KEDA's ScaledObject with
 * `@kubernetes-models/keda`. Envoy Gateway's own policies (EnvoyProxy, BackendTrafficPolicy,
 * ClientTrafficPolicy, SecurityPolicy, EnvoyExtensionPolicy) have no models package: their spec is
 * validated (Ajv, unknown keys refused as the API server's pruning would drop them) against the
 * subset of their published v1.9.0 CRD schemas kept in `data/envoy-gateway-crds.json` (source
 * named in the file) and their metadata as an ObjectMeta.
 *
 * CloudNativePG has no kubernetes-models package: its objects get their metadata validated as an
 * ObjectMeta and their spec checked against the parts of the `postgresql.cnpg.io/v1` CRD schemas
 * that tierform sets (keys, types, enums, required fields), see CNPG_SPECS below.
 *
 * kubernetes-models v5 is ESM-only with `import`-only exports: it loads on Node 20.19+ through a
 * real dynamic `import()` (TypeScript would compile `import()` to `require()` under CommonJS,
 * hence the `new Function` wrapper).
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import Ajv from "ajv";
import type { PlannedResource } from "../harness";
import { PRESETS, stagingPlan } from "../components/kubernetes/fixtures";
import { PINS } from "../../components/shared/pins";

/** Kinds without a namespace. */
const CLUSTER_SCOPED = ["Namespace", "GatewayClass"];
const importEsm = new Function("specifier", "return import(specifier)") as (specifier: string) => Promise<any>;

/** The module of a model: core `v1` → kubernetes-models/v1/<Kind>, groups → <group>/<version>/<Kind>. */
function modelModule(apiVersion: string, kind: string): string | undefined {
    const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
    if (group === "cert-manager.io") return `@kubernetes-models/cert-manager/${group}/${version}/${kind}`;
    if (group === "monitoring.coreos.com") return `@kubernetes-models/prometheus-operator/${group}/${version}/${kind}`;
    if (group === "postgresql.cnpg.io" || group === "gateway.envoyproxy.io") return undefined;
    if (group === "gateway.networking.k8s.io") return `@kubernetes-models/gateway-api/${group}/${version}/${kind}`;
    if (group === "keda.sh") return `@kubernetes-models/keda/${group}/${version}/${kind}`;
    return group ? `kubernetes-models/${group}/${version}/${kind}` : `kubernetes-models/${version}/${kind}`;
}

/** The object as the API server would receive it, from the recorded inputs. */
function manifest(r: PlannedResource): Record<string, any> {
    const { apiVersion, kind, metadata, ...rest } = r.inputs;
    return { apiVersion, kind, metadata, ...rest };
}

/**
 * The parts of the CloudNativePG `postgresql.cnpg.io/v1` CRD schemas (written against operator 1.25; every key re-checked against 1.30.0, chart 0.29.0, which still defines the deprecated in-tree `barmanObjectStore`)
 * that tierform sets, transcribed from `config/crd/bases/postgresql.cnpg.io_*.yaml`: at each level
 * the keys the CRD defines there (an unknown key is an error, as the API server's structural
 * schema pruning would drop it silently), their JSON type or enum, and the required ones (`!`).
 * `map` is a string → string map; `k8s:<Model>` validates with kubernetes-models.
 */
type Shape = string | string[] | { [key: string]: Shape };
const STRING_MAP = "map";
const SECRET_KEY_SELECTOR: Shape = { "key!": "string", "name!": "string" };
const COMPRESSION = ["bzip2", "gzip", "lz4", "snappy", "xz", "zstd"];
const CNPG_SPECS: Record<string, Shape> = {
    Cluster: {
        "instances!": "number",
        env: "array",
        enablePDB: "boolean",
        externalClusters: "array",
        imageName: "string",
        primaryUpdateStrategy: ["unsupervised", "supervised"],
        enableSuperuserAccess: "boolean",
        postgresql: {
            parameters: STRING_MAP,
            pg_hba: "array",
            pg_ident: "array",
            shared_preload_libraries: "array",
            syncReplicaElectionConstraint: "object",
            promotionTimeout: "number",
            enableAlterSystem: "boolean",
            synchronous: "object",
            ldap: "object",
        },
        bootstrap: {
            initdb: {
                database: "string",
                owner: "string",
                secret: { "name!": "string" },
                encoding: "string",
                localeCType: "string",
                localeCollate: "string",
                dataChecksums: "boolean",
                postInitSQL: "array",
                postInitApplicationSQL: "array",
                postInitTemplateSQL: "array",
                walSegmentSize: "number",
                options: "array",
                import: "object",
                locale: "string",
                localeProvider: "string",
                icuLocale: "string",
                icuRules: "string",
                builtinLocale: "string",
                postInitSQLRefs: "object",
                postInitApplicationSQLRefs: "object",
                postInitTemplateSQLRefs: "object",
            },
            recovery: "object",
            pg_basebackup: "object",
        },
        "storage!": { size: "string", storageClass: "string", resizeInUseVolumes: "boolean", pvcTemplate: "object" },
        resources: "k8s:ResourceRequirements",
        affinity: {
            enablePodAntiAffinity: "boolean",
            topologyKey: "string",
            podAntiAffinityType: "string",
            nodeSelector: STRING_MAP,
            nodeAffinity: "object",
            tolerations: "array",
            additionalPodAffinity: "object",
            additionalPodAntiAffinity: "object",
        },
        inheritedMetadata: { labels: STRING_MAP, annotations: STRING_MAP },
        monitoring: {
            enablePodMonitor: "boolean",
            customQueriesConfigMap: "array",
            customQueriesSecret: "array",
            disableDefaultQueries: "boolean",
            podMonitorMetricRelabelings: "array",
            podMonitorRelabelings: "array",
            tls: "object",
        },
        backup: {
            retentionPolicy: "string",
            target: ["primary", "prefer-standby"],
            volumeSnapshot: "object",
            barmanObjectStore: {
                "destinationPath!": "string",
                endpointURL: "string",
                endpointCA: SECRET_KEY_SELECTOR,
                serverName: "string",
                s3Credentials: {
                    accessKeyId: SECRET_KEY_SELECTOR,
                    secretAccessKey: SECRET_KEY_SELECTOR,
                    region: SECRET_KEY_SELECTOR,
                    sessionToken: SECRET_KEY_SELECTOR,
                    inheritFromIAMRole: "boolean",
                },
                azureCredentials: "object",
                googleCredentials: "object",
                wal: {
                    compression: COMPRESSION,
                    encryption: ["AES256", "aws:kms"],
                    maxParallel: "number",
                    archiveAdditionalCommandArgs: "array",
                    restoreAdditionalCommandArgs: "array",
                },
                data: {
                    compression: ["bzip2", "gzip", "lz4", "snappy"],
                    encryption: ["AES256", "aws:kms"],
                    immediateCheckpoint: "boolean",
                    jobs: "number",
                    additionalCommandArgs: "array",
                },
                tags: STRING_MAP,
                historyTags: STRING_MAP,
            },
        },
    },
    ScheduledBackup: {
        "schedule!": "string",
        "cluster!": { "name!": "string" },
        immediate: "boolean",
        suspend: "boolean",
        backupOwnerReference: ["none", "self", "cluster"],
        method: ["barmanObjectStore", "volumeSnapshot", "plugin"],
        target: ["primary", "prefer-standby"],
        online: "boolean",
        onlineConfiguration: "object",
        pluginConfiguration: "object",
    },
};

/** The CRDs' property names, required fields and enums at each level the transcription describes, from the pinned operator's CRDs. */
const CNPG_CRD = JSON.parse(fs.readFileSync(path.join(__dirname, "data", "cnpg-crd-keys.json"), "utf8")) as {
    chart: string;
    operator: string;
    kinds: Record<string, Record<string, { keys: string[]; required: string[]; enums: Record<string, string[]> }>>;
};

/** Where the transcription {@link CNPG_SPECS} disagrees with the CRD excerpt of the pinned operator. */
function transcriptionDrift(kind: string, shape: Shape, at = ""): string[] {
    if (typeof shape === "string" || Array.isArray(shape)) return [];
    const level = CNPG_CRD.kinds[kind]?.[at];
    if (!level) return [`${kind}.spec${at ? `.${at}` : ""}: no CRD excerpt for this level`];
    const out: string[] = [];
    for (const [raw, sub] of Object.entries(shape)) {
        const key = raw.replace(/!$/, "");
        const where = `${kind}.spec${at ? `.${at}` : ""}.${key}`;
        if (!level.keys.includes(key)) out.push(`${where} is not in the CRD of operator ${CNPG_CRD.operator}`);
        // The transcription may require more than the CRD (the operator's webhook does), never less.
        if (level.required.includes(key) && !raw.endsWith("!")) out.push(`${where} is required by the CRD`);
        const crdEnum = level.enums[key];
        if (Array.isArray(sub) && JSON.stringify([...sub].sort()) !== JSON.stringify([...(crdEnum ?? [])].sort()))
            out.push(`${where}: enum ${sub.join(",")} ≠ CRD ${crdEnum?.join(",")}`);
        if (sub && typeof sub === "object" && !Array.isArray(sub) && CNPG_CRD.kinds[kind][at ? `${at}.${key}` : key])
            out.push(...transcriptionDrift(kind, sub, at ? `${at}.${key}` : key));
    }
    return out;
}

/** Problems of `value` against `shape` at `path` (empty when it fits). */
async function checkShape(value: unknown, shape: Shape, path: string): Promise<string[]> {
    if (Array.isArray(shape))
        return shape.includes(value as string) ? [] : [`${path}: ${JSON.stringify(value)} is not one of ${shape.join(", ")}`];
    if (typeof shape === "string") {
        if (shape.startsWith("k8s:")) {
            const kind = shape.slice(4);
            try {
                new (await importEsm(`kubernetes-models/v1/${kind}`))[kind](value).validate();
                return [];
            } catch (err) {
                return [`${path}: ${(err as Error).message}`];
            }
        }
        if (shape === STRING_MAP)
            return value && typeof value === "object" && Object.values(value).every((v) => typeof v === "string")
                ? []
                : [`${path} must map strings to strings`];
        const type = Array.isArray(value) ? "array" : typeof value;
        return type === shape ? [] : [`${path} must be a ${shape}, is ${type}`];
    }
    if (!value || typeof value !== "object" || Array.isArray(value)) return [`${path} must be an object`];
    const problems: string[] = [];
    const fields = new Map(Object.entries(shape).map(([k, v]) => [k.replace(/!$/, ""), { shape: v, required: k.endsWith("!") }]));
    for (const [k, f] of fields) if (f.required && !(k in value)) problems.push(`${path}.${k} is required`);
    for (const [k, v] of Object.entries(value)) {
        const f = fields.get(k);
        if (!f) problems.push(`${path}.${k} is not a field of the CRD`);
        else problems.push(...(await checkShape(v, f.shape, `${path}.${k}`)));
    }
    return problems;
}

/** A CloudNativePG object's problems: its spec against {@link CNPG_SPECS}, plus the formats the CRD enforces. */
async function checkCnpg(m: Record<string, any>): Promise<string[]> {
    const shape = CNPG_SPECS[m.kind];
    if (!shape) return [`unexpected CloudNativePG kind ${m.kind}`];
    const problems = await checkShape(m.spec, shape, `${m.kind}.spec`);
    if (m.kind === "Cluster") {
        if (!(Number.isInteger(m.spec.instances) && m.spec.instances >= 1)) problems.push("Cluster.spec.instances must be an integer ≥ 1");
        if (m.spec.backup && !/^[1-9][0-9]*[dwm]$/.test(m.spec.backup.retentionPolicy))
            problems.push("Cluster.spec.backup.retentionPolicy must match ^[1-9][0-9]*[dwm]$");
    } else if (m.spec.schedule.split(" ").length !== 6) problems.push("CloudNativePG schedules have six fields (seconds first)");
    return problems;
}

/** The Envoy Gateway CRD schema subset: every object level closed (unknown keys refused). */
const ENVOY_CRDS = JSON.parse(fs.readFileSync(path.join(__dirname, "data", "envoy-gateway-crds.json"), "utf8")) as {
    source: string;
    kinds: Record<string, any>;
};
function closed(schema: any): any {
    if (Array.isArray(schema)) return schema.map(closed);
    if (!schema || typeof schema !== "object") return schema;
    const out: any = {};
    for (const [k, v] of Object.entries(schema)) {
        if (k.startsWith("x-kubernetes-")) continue;
        out[k] = k === "properties" ? Object.fromEntries(Object.entries(v as object).map(([p, s]) => [p, closed(s)])) : closed(v);
    }
    if (out.type === "object" && out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
    if (schema["x-kubernetes-int-or-string"]) return { anyOf: [{ type: "integer" }, { type: "string" }], ...(out.pattern ? {} : {}) };
    return out;
}
const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
const envoyValidators = Object.fromEntries(Object.entries(ENVOY_CRDS.kinds).map(([kind, schema]) => [kind, ajv.compile(closed(schema))]));

/** An Envoy Gateway object's problems: its spec against the CRD subset. */
function checkEnvoy(m: Record<string, any>): string[] {
    const validate = envoyValidators[m.kind];
    if (!validate) return [`no schema for Envoy Gateway kind ${m.kind} (add it to data/envoy-gateway-crds.json)`];
    return validate(m.spec)
        ? []
        : (validate.errors ?? []).map(
              (e) =>
                  `${m.kind}.spec${e.instancePath}: ${e.message}${e.params && "additionalProperty" in e.params ? ` '${e.params.additionalProperty}'` : ""}`,
          );
}

describe("kubernetes objects validate against the Kubernetes OpenAPI schema", function () {
    this.timeout(120000);
    const ObjectMeta = importEsm("@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta");

    it("the CloudNativePG transcription matches the CRDs of the pinned operator", () => {
        assert.equal(
            CNPG_CRD.chart,
            PINS.cnpgChart.value,
            "the chart pin moved: regenerate data/cnpg-crd-keys.json from the new operator's CRDs and re-check CNPG_SPECS",
        );
        const drift = Object.entries(CNPG_SPECS).flatMap(([kind, shape]) => transcriptionDrift(kind, shape));
        assert.deepEqual(drift, []);
        // The check is live: a key the CRD lacks, and a method the CRD does not allow, are reported.
        assert.match(
            transcriptionDrift("ScheduledBackup", { "schedule!": "string", methods: ["plugin"] }).join("\n"),
            /methods is not in the CRD/,
        );
        assert.match(
            transcriptionDrift("ScheduledBackup", { "schedule!": "string", method: ["barmanObjectStore"] }).join("\n"),
            /method: enum/,
        );
    });

    it("rejects a broken object (the validators are live)", async () => {
        const { Deployment } = await importEsm("kubernetes-models/apps/v1/Deployment");
        const bad = new Deployment({
            metadata: { name: "x" },
            spec: { selector: {}, template: { spec: { containers: [{ name: "a", image: "b", ports: [{ containerPort: "http" }] }] } } },
        });
        assert.throws(() => bad.validate(), /containerPort/);
        const cluster = (await stagingPlan("mdc-tts")).resources.find((r) => r.inputs?.kind === "Cluster")!.inputs;
        assert.deepEqual(await checkCnpg(cluster), []);
        const broken = {
            ...cluster,
            spec: {
                ...cluster.spec,
                instance: 2,
                primaryUpdateStrategy: "auto",
                backup: {
                    ...cluster.spec.backup,
                    barmanObjectStore: { ...cluster.spec.backup.barmanObjectStore, wal: { compression: "zip" } },
                },
                resources: { limits: { cpu: [] } },
            },
        };
        const problems = (await checkCnpg(broken)).join("\n");
        for (const p of [/spec\.instance is not a field/, /primaryUpdateStrategy: "auto"/, /wal\.compression: "zip"/, /spec\.resources/])
            assert.match(problems, p);
        // The Gateway API, KEDA and Envoy Gateway validators are live too.
        const plan = await stagingPlan("auromart");
        const { HTTPRoute } = await importEsm("@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute");
        const route = plan.resources.find((r) => r.inputs?.kind === "HTTPRoute" && r.inputs.metadata.name === "edge-web")!.inputs;
        assert.throws(
            () =>
                new HTTPRoute({
                    ...route,
                    spec: { ...route.spec, rules: [{ matches: [{ path: { type: "Prefix", value: "/" } }] }] },
                }).validate(),
            /type/,
        );
        const policy = plan.resources.find((r) => r.inputs?.kind === "BackendTrafficPolicy")!.inputs;
        assert.deepEqual(checkEnvoy(policy), []);
        const badPolicy = {
            ...policy,
            spec: {
                ...policy.spec,
                rateLimit: {
                    global: {
                        rules: [
                            {
                                clientSelectors: [{ sourceCIDR: { type: "Unique", value: "0.0.0.0/0" } }],
                                limit: { requests: 1, unit: "Fortnight" },
                            },
                        ],
                    },
                },
                bodyLimit: "1Mi",
            },
        };
        const envoyProblems = checkEnvoy(badPolicy).join("\n");
        for (const p of [
            /additional properties 'bodyLimit'/,
            /sourceCIDR\/type: must be equal to one of the allowed values/,
            /limit\/unit: must be equal to one of the allowed values/,
        ])
            assert.match(envoyProblems, p);
        const { ScaledObject } = await importEsm("@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject");
        const scaler = (await stagingPlan("mdc-tts")).resources.find((r) => r.inputs?.kind === "ScaledObject")!.inputs;
        assert.throws(() => new ScaledObject({ ...scaler, spec: { ...scaler.spec, triggers: [{ metadata: {} }] } }).validate(), /type/);
    });

    // Every preset as configured by default, and the config switches that change what is built.
    const variants: Record<string, [string, Record<string, unknown>]> = Object.fromEntries(PRESETS.map((p) => [p, [p, {}]]));
    variants["mdc-tts with an S3 endpoint"] = ["mdc-tts", { "tierform:s3Endpoint": "https://s3.example.com" }];
    variants["mdc-tts recovering after a destroy (archive generation 1)"] = ["mdc-tts", { "tierform:archiveGeneration": "1" }];
    variants["hld-platform without domain (HTTP only) or monitoring CRDs, operators installed, own namespace and storage class"] = [
        "hld-platform",
        {
            "tierform:overrides": { edge: { domain: null, tls: false } },
            "tierform:monitoringCrds": "false",
            "tierform:installOperators": "true",
            "tierform:namespace": "hld-staging",
            "tierform:storageClass": "fast",
        },
    ];
    for (const [variant, [preset, config]] of Object.entries(variants)) {
        it(`${variant}: every registered Kubernetes object is valid`, async () => {
            const plan = await stagingPlan(preset, config);
            const objects = plan.resources.filter(
                (r) => r.custom && r.type.startsWith("kubernetes:") && r.inputs.kind && r.type !== "kubernetes:helm.sh/v3:Release",
            );
            assert.ok(objects.length > 20, `only ${objects.length} objects`);
            const problems: string[] = [];
            for (const r of objects) {
                const m = manifest(r);
                assert.equal(typeof m.metadata?.name, "string", `${r.type} ${r.name} has no metadata.name`);
                assert.ok(
                    CLUSTER_SCOPED.includes(m.kind) || typeof m.metadata?.namespace === "string",
                    `${m.kind} ${m.metadata.name} has no namespace`,
                );
                const mod = modelModule(m.apiVersion, m.kind);
                try {
                    if (!mod) {
                        new (await ObjectMeta).ObjectMeta(m.metadata).validate();
                        const found = m.apiVersion.startsWith("gateway.envoyproxy.io/") ? checkEnvoy(m) : await checkCnpg(m);
                        problems.push(...found.map((p) => `${m.metadata.name}: ${p}`));
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
