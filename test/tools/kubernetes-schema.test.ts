/**
 * Every Kubernetes object the program registers, for every preset on staging, validates against
 * the Kubernetes OpenAPI schema (`kubernetes-models`), and the cert-manager and prometheus-operator
 * custom resources against their CRD schemas (`@kubernetes-models/cert-manager`,
 * `@kubernetes-models/prometheus-operator`).
 *
 * The Gateway API objects validate with `@kubernetes-models/gateway-api`, KEDA's ScaledObject with
 * `@kubernetes-models/keda`, Argo Rollouts' Rollout and AnalysisTemplate with `@kubernetes-models/argo-rollouts`. Envoy Gateway's own policies (EnvoyProxy, BackendTrafficPolicy,
 * ClientTrafficPolicy, SecurityPolicy, EnvoyExtensionPolicy) have no models package: their spec is
 * validated (Ajv, unknown keys refused as the API server's pruning would drop them) against the
 * subset of their published v1.9.0 CRD schemas kept in `data/envoy-gateway-crds.json` (source
 * named in the file) and their metadata as an ObjectMeta.
 *
 * CloudNativePG and its Barman Cloud plugin have no kubernetes-models package: their objects get
 * their metadata validated as an ObjectMeta and their spec checked against the parts of the
 * `postgresql.cnpg.io/v1` and `barmancloud.cnpg.io/v1` CRD schemas that tierform sets (keys, types,
 * enums, required fields), see CNPG_SPECS below.
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
import { PRESETS, PREVIEW_CONFIG, stagingPlan } from "../components/kubernetes/fixtures";
import { PINS } from "../../conventions/pins";
import { BARMAN_CLOUD_PLUGIN } from "../../components/kubernetes/database";

/** Kinds without a namespace. */
const CLUSTER_SCOPED = ["Namespace", "GatewayClass"];
const importEsm = new Function("specifier", "return import(specifier)") as (specifier: string) => Promise<any>;

/** The module of a model: core `v1` → kubernetes-models/v1/<Kind>, groups → <group>/<version>/<Kind>. */
function modelModule(apiVersion: string, kind: string): string | undefined {
    const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
    if (group === "cert-manager.io") return `@kubernetes-models/cert-manager/${group}/${version}/${kind}`;
    if (group === "monitoring.coreos.com") return `@kubernetes-models/prometheus-operator/${group}/${version}/${kind}`;
    if (group === "postgresql.cnpg.io" || group === "barmancloud.cnpg.io" || group === "gateway.envoyproxy.io") return undefined;
    if (group === "gateway.networking.k8s.io") return `@kubernetes-models/gateway-api/${group}/${version}/${kind}`;
    if (group === "keda.sh") return `@kubernetes-models/keda/${group}/${version}/${kind}`;
    if (group === "argoproj.io") return `@kubernetes-models/argo-rollouts/${group}/${version}/${kind}`;
    if (group === "security.istio.io") return `@kubernetes-models/istio/${group}/${version}/${kind}`;
    return group ? `kubernetes-models/${group}/${version}/${kind}` : `kubernetes-models/${version}/${kind}`;
}

/** The object as the API server would receive it, from the recorded inputs. */
function manifest(r: PlannedResource): Record<string, any> {
    const { apiVersion, kind, metadata, ...rest } = r.inputs;
    return { apiVersion, kind, metadata, ...rest };
}

/**
 * The parts of the CloudNativePG `postgresql.cnpg.io/v1` CRD schemas (written against operator
 * 1.25; every key re-checked against 1.30.0, chart 0.29.0) and of the Barman Cloud plugin's
 * `barmancloud.cnpg.io/v1` ObjectStore (plugin v0.14.0, chart 0.7.0) that tierform sets,
 * transcribed from `config/crd/bases/*.yaml`: at each level the keys the CRD defines there (an
 * unknown key is an error, as the API server's structural schema pruning would drop it silently),
 * their JSON type or enum, and the required ones (`!`). `map` is a string → string map;
 * `k8s:<Model>` validates with kubernetes-models; `{ "[]": shape }` is an array of `shape`.
 * The Cluster has no `backup` here: the in-tree `barmanObjectStore` is deprecated and removed in
 * operator 1.31 (docs/src/release_notes/v1.30.md @ v1.30.0), so setting it is an error.
 */
type Shape = string | string[] | { [key: string]: Shape };
/** The item shape of an array shape (`{ "[]": item }`), else undefined. */
const itemsOf = (shape: Shape): Shape | undefined =>
    shape && typeof shape === "object" && !Array.isArray(shape) && Object.keys(shape).join() === "[]" ? shape["[]"] : undefined;
const STRING_MAP = "map";
const SECRET_KEY_SELECTOR: Shape = { "key!": "string", "name!": "string" };
const COMPRESSION = ["bzip2", "gzip", "lz4", "snappy", "xz", "zstd"];
/** A CNPG-I plugin reference (`spec.plugins[]`, `externalClusters[].plugin`: PluginConfiguration). */
const PLUGIN: Shape = { "name!": "string", enabled: "boolean", isWALArchiver: "boolean", parameters: STRING_MAP };
const CNPG_SPECS: Record<string, Shape> = {
    Cluster: {
        "instances!": "number",
        env: "array",
        enablePDB: "boolean",
        externalClusters: {
            "[]": {
                "name!": "string",
                plugin: PLUGIN,
                barmanObjectStore: "object",
                connectionParameters: STRING_MAP,
                password: "object",
                sslCert: "object",
                sslKey: "object",
                sslRootCert: "object",
            },
        },
        plugins: { "[]": PLUGIN },
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
            recovery: {
                source: "string",
                database: "string",
                owner: "string",
                secret: { "name!": "string" },
                backup: "object",
                recoveryTarget: "object",
                volumeSnapshots: "object",
            },
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
        pluginConfiguration: { "name!": "string", parameters: STRING_MAP },
    },
    ObjectStore: {
        "configuration!": {
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
                restoreAdditionalCommandArgs: "array",
            },
            tags: STRING_MAP,
            historyTags: STRING_MAP,
        },
        retentionPolicy: "string",
        instanceSidecarConfiguration: {
            env: "array",
            resources: "k8s:ResourceRequirements",
            retentionPolicyIntervalSeconds: "number",
            logLevel: ["error", "warning", "info", "debug", "trace"],
            additionalContainerArgs: "array",
        },
    },
};

/** The CRDs' property names, required fields and enums at each level the transcription describes, from the pinned operator's and plugin's CRDs. */
const CNPG_CRD = JSON.parse(fs.readFileSync(path.join(__dirname, "data", "cnpg-crd-keys.json"), "utf8")) as {
    chart: string;
    operator: string;
    pluginChart: string;
    plugin: string;
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
        const items = itemsOf(sub);
        const child = items ?? sub;
        const childAt = `${at ? `${at}.` : ""}${key}${items ? "[]" : ""}`;
        if (child && typeof child === "object" && !Array.isArray(child) && (items || CNPG_CRD.kinds[kind][childAt]))
            out.push(...transcriptionDrift(kind, child, childAt));
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
    const items = itemsOf(shape);
    if (items) {
        if (!Array.isArray(value)) return [`${path} must be an array`];
        return (await Promise.all(value.map((v, i) => checkShape(v, items, `${path}[${i}]`)))).flat();
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

/**
 * A CloudNativePG or Barman Cloud plugin object's problems: its spec against {@link CNPG_SPECS},
 * plus the formats the CRDs enforce, and the plugin references resolving: a Cluster's or a
 * ScheduledBackup's plugin is the Barman Cloud plugin, and a `barmanObjectName` names an
 * ObjectStore of `objects` in the Cluster's namespace (a dangling name fails at reconcile).
 */
async function checkCnpg(m: Record<string, any>, objects: Record<string, any>[] = []): Promise<string[]> {
    const shape = CNPG_SPECS[m.kind];
    if (!shape) return [`unexpected CloudNativePG kind ${m.kind}`];
    const problems = await checkShape(m.spec, shape, `${m.kind}.spec`);
    const plugin = (p: any, where: string) => {
        if (p?.name !== BARMAN_CLOUD_PLUGIN) problems.push(`${where}.name is ${p?.name}, not the installed plugin ${BARMAN_CLOUD_PLUGIN}`);
        const store = p?.parameters?.barmanObjectName;
        if (
            store !== undefined &&
            !objects.some((o) => o.kind === "ObjectStore" && o.metadata.name === store && o.metadata.namespace === m.metadata.namespace)
        )
            problems.push(`${where}.parameters.barmanObjectName ${store} names no ObjectStore in namespace ${m.metadata.namespace}`);
    };
    if (m.kind === "Cluster") {
        if (!(Number.isInteger(m.spec.instances) && m.spec.instances >= 1)) problems.push("Cluster.spec.instances must be an integer ≥ 1");
        (m.spec.plugins ?? []).forEach((p: any, i: number) => plugin(p, `Cluster.spec.plugins[${i}]`));
        (m.spec.externalClusters ?? []).forEach(
            (e: any, i: number) => e.plugin && plugin(e.plugin, `Cluster.spec.externalClusters[${i}].plugin`),
        );
    } else if (m.kind === "ObjectStore") {
        if (m.spec.retentionPolicy !== undefined && !/^[1-9][0-9]*[dwm]$/.test(m.spec.retentionPolicy))
            problems.push("ObjectStore.spec.retentionPolicy must match ^[1-9][0-9]*[dwm]$");
        if (m.spec.configuration?.serverName) problems.push("ObjectStore.spec.configuration.serverName must be left empty (plugin docs)");
    } else {
        if (m.spec.schedule.split(" ").length !== 6) problems.push("CloudNativePG schedules have six fields (seconds first)");
        if (m.spec.method === "plugin") plugin(m.spec.pluginConfiguration, "ScheduledBackup.spec.pluginConfiguration");
    }
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
        assert.deepEqual(
            [CNPG_CRD.pluginChart, CNPG_CRD.plugin],
            [PINS.barmanCloudPluginChart.value, PINS.barmanCloudPlugin.value],
            "the Barman Cloud plugin pin moved: regenerate the ObjectStore levels of data/cnpg-crd-keys.json from its CRD",
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
        // ... inside arrays and in the plugin's ObjectStore too.
        assert.match(
            transcriptionDrift("Cluster", {
                "instances!": "number",
                "storage!": {},
                plugins: { "[]": { "name!": "string", barmanObjectName: "string" } },
            }).join("\n"),
            /Cluster\.spec\.plugins\[\]\.barmanObjectName is not in the CRD/,
        );
        assert.match(
            transcriptionDrift("ObjectStore", { configuration: { "destinationPath!": "string" } }).join("\n"),
            /configuration is required/,
        );
    });

    it("rejects a broken object (the validators are live)", async () => {
        const { Deployment } = await importEsm("kubernetes-models/apps/v1/Deployment");
        const bad = new Deployment({
            metadata: { name: "x" },
            spec: { selector: {}, template: { spec: { containers: [{ name: "a", image: "b", ports: [{ containerPort: "http" }] }] } } },
        });
        assert.throws(() => bad.validate(), /containerPort/);
        const mdc = (await stagingPlan("mdc-tts")).resources.filter((r) => r.custom && r.inputs?.kind).map((r) => r.inputs);
        const cluster = mdc.find((m) => m.kind === "Cluster")!;
        const store = mdc.find((m) => m.kind === "ObjectStore")!;
        const scheduled = mdc.find((m) => m.kind === "ScheduledBackup")!;
        assert.deepEqual(await checkCnpg(cluster, mdc), []);
        assert.deepEqual(await checkCnpg(store, mdc), []);
        assert.deepEqual(await checkCnpg(scheduled, mdc), []);
        const broken = {
            ...cluster,
            spec: {
                ...cluster.spec,
                instance: 2,
                primaryUpdateStrategy: "auto",
                // The deprecated in-tree store (removed in operator 1.31) is refused.
                backup: { barmanObjectStore: { destinationPath: "s3://x/db" } },
                plugins: [{ ...cluster.spec.plugins[0], isWalArchiver: true, parameters: { barmanObjectName: "elsewhere" } }],
                resources: { limits: { cpu: [] } },
            },
        };
        const problems = (await checkCnpg(broken, mdc)).join("\n");
        for (const p of [
            /spec\.instance is not a field/,
            /primaryUpdateStrategy: "auto"/,
            /spec\.backup is not a field/,
            /plugins\[0\]\.isWalArchiver is not a field/,
            /barmanObjectName elsewhere names no ObjectStore/,
            /spec\.resources/,
        ])
            assert.match(problems, p);
        const brokenStore = {
            ...store,
            spec: {
                ...store.spec,
                retentionPolicy: "30 days",
                configuration: { ...store.spec.configuration, wal: { compression: "zip" }, serverName: "db" },
                instanceSidecarConfiguration: { resources: { limits: { memory: {} } } },
            },
        };
        const storeProblems = (await checkCnpg(brokenStore, mdc)).join("\n");
        for (const p of [
            /wal\.compression: "zip"/,
            /retentionPolicy must match/,
            /serverName must be left empty/,
            /instanceSidecarConfiguration\.resources/,
        ])
            assert.match(storeProblems, p);
        const brokenBackup = {
            ...scheduled,
            spec: { ...scheduled.spec, pluginConfiguration: { name: "barman-cloud", barmanObjectName: "x" } },
        };
        const backupProblems = (await checkCnpg(brokenBackup, mdc)).join("\n");
        for (const p of [/pluginConfiguration\.barmanObjectName is not a field/, /name is barman-cloud, not the installed plugin/])
            assert.match(backupProblems, p);
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
        // The traffic policy's parts (timeout, retry, circuit breaker, passive health check) against the CRD too.
        const traffic = (await stagingPlan("mealkitz")).resources.find(
            (r) => r.inputs?.kind === "BackendTrafficPolicy" && r.inputs.metadata.name === "edge-order-traffic",
        )!.inputs;
        assert.deepEqual(checkEnvoy(traffic), []);
        const trafficProblems = checkEnvoy({
            ...traffic,
            spec: {
                ...traffic.spec,
                timeout: { http: { requestTimeout: "15 s" } },
                retry: { numRetries: 2, retryOn: { triggers: ["timeout"] } },
                circuitBreaker: { ...traffic.spec.circuitBreaker, maxRequests: 10 },
                healthCheck: { passive: { ...traffic.spec.healthCheck.passive, maxEjectionPercent: 150 } },
            },
        }).join("\n");
        for (const p of [
            /requestTimeout: must match pattern/,
            /triggers\/0: must be equal to one of the allowed values/,
            /additional properties 'maxRequests'/,
            /maxEjectionPercent: must be <= 100/,
        ])
            assert.match(trafficProblems, p);
        const { ScaledObject } = await importEsm("@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject");
        const scaler = (await stagingPlan("mdc-tts")).resources.find((r) => r.inputs?.kind === "ScaledObject")!.inputs;
        assert.throws(() => new ScaledObject({ ...scaler, spec: { ...scaler.spec, triggers: [{ metadata: {} }] } }).validate(), /type/);
    });

    // Every preset as configured by default, and the config switches that change what is built.
    const variants: Record<string, [string, Record<string, unknown>]> = Object.fromEntries(PRESETS.map((p) => [p, [p, {}]]));
    variants["mdc-tts with an S3 endpoint"] = ["mdc-tts", { "tierform:s3Endpoint": "https://s3.example.com" }];
    variants["mdc-tts recovering after a destroy (archive generation 1)"] = ["mdc-tts", { "tierform:archiveGeneration": "1" }];
    variants["asset-management with its api's preview at the edge (rollout.preview)"] = ["asset-management", PREVIEW_CONFIG];
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
            const manifests = objects.map(manifest);
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
                        const found = m.apiVersion.startsWith("gateway.envoyproxy.io/") ? checkEnvoy(m) : await checkCnpg(m, manifests);
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
