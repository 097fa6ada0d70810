/**
 * Runs a Pulumi program under Pulumi's own mock runtime (`pulumi.runtime.setMocks`) and records
 * every resource it registers: type, name, URN, parent, options and inputs. No CLI, no engine,
 * no cloud. Used by the offline plan (`npm run plan`) and by the tests (`test/harness`).
 */
import * as pulumi from "@pulumi/pulumi";
import { EngineRefusal, engineProblems } from "./engine-rules";
import { mockCall, mockOutputs } from "./mock-outputs";
import { formatRuntimeMessage, REDACTED, type OfflineRun, type PlannedResource, type RuntimeMessage } from "./records";

export type { OfflineRun, PlannedResource, RuntimeMessage } from "./records";
export { formatRuntimeMessage, REDACTED } from "./records";

const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
/** LogSeverity values of Pulumi's engine protocol (proto/engine.proto): DEBUG 0, INFO 1, WARNING 2, ERROR 3. */
const SEVERITIES: Record<number, RuntimeMessage["severity"] | undefined> = { 1: "info", 2: "warning", 3: "error" };

function isSecret(v: unknown): v is { value: unknown } {
    return typeof v === "object" && v !== null && (v as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

/**
 * The secret values a run has produced so far (generated passwords, private keys, secret leaves):
 * inside a secret array or object only these are redacted, so a container's `envs` or `uploads`
 * stay reviewable while every secret value in them is "[secret]".
 */
const knownSecrets = new Set<string>();

/** The outputs of these resource types are secrets (the providers mark them so). */
const SECRET_OUTPUTS: Record<string, string[]> = {
    "random:index/randomPassword:RandomPassword": ["result"],
    "random:index/randomString:RandomString": ["result"],
    "tls:index/privateKey:PrivateKey": ["privateKeyPem", "privateKeyOpenssh", "privateKeyPemPkcs8"],
};

/** `NAME=value` entries whose name says they hold a secret: their value is redacted even when not a known secret. */
const SECRET_NAME = /(PASSWORD|PASSWD|SECRET|TOKEN|PRIVATE|_KEY$|^KEY$|CREDENTIAL)/i;

/** Redact the secret values inside a secret composite, keeping everything else reviewable. */
function redactValues(value: unknown): unknown {
    if (typeof value === "string") {
        const env = /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(value);
        if (env && SECRET_NAME.test(env[1])) return `${env[1]}=${REDACTED}`;
        let out = value;
        for (const s of knownSecrets) if (out.includes(s)) out = out.split(s).join(REDACTED);
        return out;
    }
    if (Array.isArray(value)) return value.map(redactValues);
    if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactValues(v)]));
    return value;
}

/** Walk a deserialized value: unwrap secrets (recording their paths) and build a redacted twin. */
function split(value: unknown, path: string, secretPaths: string[]): { plain: any; redacted: any } {
    if (isSecret(value)) {
        secretPaths.push(path || "(root)");
        const plain = split(value.value, path, []).plain;
        // A secret string is redacted whole; a secret array or object only where it holds secret values.
        if (typeof plain === "string" && plain.length >= 4) knownSecrets.add(plain);
        return { plain, redacted: plain !== null && typeof plain === "object" ? redactValues(plain) : REDACTED };
    }
    if (Array.isArray(value)) {
        const parts = value.map((v, i) => split(v, `${path}[${i}]`, secretPaths));
        return { plain: parts.map((p) => p.plain), redacted: parts.map((p) => p.redacted) };
    }
    if (value && typeof value === "object" && !(value instanceof pulumi.Resource)) {
        const plain: Record<string, unknown> = {};
        const redacted: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(value)) {
            const p = split(v, path ? `${path}.${k}` : k, secretPaths);
            plain[k] = p.plain;
            redacted[k] = p.redacted;
        }
        return { plain, redacted };
    }
    return { plain: value, redacted: value };
}

/** The options of a resource registered with none: what test fixtures start from. */
export const NO_OPTIONS: PlannedResource["options"] = {
    ignoreChanges: [],
    replaceOnChanges: [],
    deleteBeforeReplace: false,
    replaceWith: [],
    customTimeouts: {},
    aliases: 0,
};

/** The custom timeouts of a registration, only those set. */
function timeoutsOf(
    t: { getCreate(): string; getUpdate(): string; getDelete(): string } | undefined,
): PlannedResource["options"]["customTimeouts"] {
    if (!t) return {};
    const out: PlannedResource["options"]["customTimeouts"] = {};
    if (t.getCreate()) out.create = t.getCreate();
    if (t.getUpdate()) out.update = t.getUpdate();
    if (t.getDelete()) out.delete = t.getDelete();
    return out;
}

/**
 * The parent part of a child's URN type. The real engine qualifies a type with the parent's whole
 * chain (`a$b$c`); Pulumi's mock monitor (`MockMonitor.newUrn`, @pulumi/pulumi runtime/mocks)
 * with the parent's own type only (`b$c`). Alias URNs are resolved the mock's way, so they compare
 * with the URNs a mock run registers: same parent, type and name give the same URN in both schemes.
 */
function parentTypePrefix(parentUrn: string): string {
    const type = (parentUrn.split("::")[2] ?? "").split("$").pop() ?? "";
    return type && !type.startsWith("pulumi:pulumi:Stack") ? `${type}$` : "";
}

/**
 * The URNs a registration's aliases stand for, resolved as the engine does (pulumi/pkg resource
 * `Alias` → URN: a spec's missing name, type, stack, project or parent default to the resource's own).
 */
function aliasUrnsOf(req: any, project: string, stack: string): string[] {
    const parent: string = req.getParent() || "";
    return (req.getAliasesList?.() ?? []).map((alias: any): string => {
        if (alias.hasUrn()) return alias.getUrn();
        const spec = alias.getSpec();
        const parentUrn = spec.hasNoparent() && spec.getNoparent() ? "" : spec.hasParenturn() ? spec.getParenturn() : parent;
        const type = spec.getType() || req.getType();
        return `urn:pulumi:${spec.getStack() || stack}::${spec.getProject() || project}::${parentUrn ? parentTypePrefix(parentUrn) : ""}${type}::${spec.getName() || req.getName()}`;
    });
}

/**
 * The URNs a child is known by through its parent's aliases, as the engine derives them
 * (pulumi/pkg/resource/deploy step_generator.go, `inheritedChildAlias`): the child's type under
 * each former qualified type of its parent, same name.
 */
function inheritedAliasUrns(req: any, project: string, stack: string, parentAliases: Map<string, string[]>): string[] {
    const parent: string = req.getParent() || "";
    return (parentAliases.get(parent) ?? []).map(
        (p) => `urn:pulumi:${stack}::${project}::${parentTypePrefix(p)}${req.getType()}::${req.getName()}`,
    );
}

/** What Pulumi's runtime reads of a RegisterResource response (@pulumi/pulumi runtime/resource.js). */
interface RegisterResponse {
    getUrn(): string;
    getId(): string;
    getObject(): { toJavaScript(): unknown };
    getPropertydependenciesMap(): undefined;
    getResult(): number;
    /** The runtime prints the response into a debug line at every registration, debug logging on or not. */
    toString(): string;
}

/**
 * `value` as a protobuf Struct gives it back (google-protobuf struct_pb.js `Struct.fromJavaScript`,
 * then `toJavaScript`): every object's keys in sorted order (jspb.Map iterates its keys sorted),
 * arrays in order, null, strings, numbers and booleans as they are; anything else refused with
 * Struct's own error. test/offline/engine-struct.test.ts holds it equal to the real round trip.
 */
export function viaStruct(value: unknown): unknown {
    if (value === null || typeof value === "string" || typeof value === "number" || typeof value === "boolean") return value;
    if (Array.isArray(value)) return value.map(viaStruct);
    if (typeof value === "object") {
        const keys: string[] = [];
        for (const key in value) keys.push(key);
        const out: Record<string, unknown> = {};
        for (const key of keys.sort()) out[key] = viaStruct((value as Record<string, unknown>)[key]);
        return out;
    }
    throw new Error("Unexpected struct type.");
}

/** Runs wait for each other: Pulumi's runtime is process-global, so one run at a time. */
let queue: Promise<unknown> = Promise.resolve();

/** What {@link runOffline} runs, and how. */
export interface RunOptions {
    /** The program: index.ts's exported function, or a function that builds one component. */
    program: () => unknown;
    /** Stack config, values as Pulumi stores them (strings; objects as JSON). @default {} */
    config?: Record<string, string>;
    /** @default "test" */
    stack?: string;
    /** @default "tierform" */
    project?: string;
    /**
     * Check the engine rules (`engine-rules/`) once the program has registered everything, and
     * fail with an {@link EngineRefusal} as the real `pulumi up` would. Off only for tests that
     * look at a deliberately broken registration. @default true
     */
    engineRules?: boolean;
    /**
     * Whether the run stands for `pulumi preview` (true) or a real `pulumi up` (false): the
     * program reads it through {@link isOfflinePreview} (the mock runtime itself always runs as an
     * update, since Pulumi's preview mode leaves mocked outputs unknown). What the program refuses
     * only on a real update is tested with false. @default true
     */
    preview?: boolean;
}

/**
 * Run `program` as the stack `stack` of project `project` with the given config
 * (`{"tierform:platform": "docker", "aws:region": "us-east-1", ...}`, values as Pulumi stores
 * them: strings, objects as JSON). Resolves once every registration has finished.
 */
export function runOffline(opts: RunOptions): Promise<OfflineRun> {
    const run = queue.then(() => runOnce(opts));
    queue = run.catch(() => undefined);
    return run;
}

/**
 * Pulumi's `debuggablePromise` (runtime/debuggable.js) without what only its leak report under
 * PULUMI_DEBUG_PROMISE_LEAKS reads (`_debugId`, `_debugCtx`, `_debugStackTrace`): each promise is a
 * leak candidate until it settles, and a rejection carries its promise, as there. The first call
 * goes to `original`, which schedules the runtime's leak check at exit.
 */
function leakTrackedPromise(original: (p: Promise<unknown>, ctx: string) => Promise<unknown>) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const state = require("@pulumi/pulumi/runtime/state");
    let scheduled = false;
    return <T>(p: Promise<T>, ctx: string): Promise<T> => {
        if (!scheduled) {
            scheduled = true;
            return original(p, ctx) as Promise<T>;
        }
        const store = state.getStore();
        store.leakCandidates.add(p);
        return p
            .then((val) => {
                store.leakCandidates.delete(p);
                return val;
            })
            .catch((err) => {
                store.leakCandidates.delete(p);
                err.promise = p;
                throw err;
            });
    };
}

async function runOnce(opts: RunOptions): Promise<OfflineRun> {
    const project = opts.project ?? "tierform";
    const stack = opts.stack ?? "test";
    const records = new Map<string, PlannedResource>();
    /** URN → the URNs its aliases stand for, for the children that inherit them. */
    const parentAliases = new Map<string, string[]>();
    const pending: PlannedResource[] = [];
    const messages: RuntimeMessage[] = [];
    /**
     * The region a resource is created in: its provider's `region` input (an explicit provider, or
     * the default one, whose inputs are the stack's aws: config), else the stack's `aws:region`.
     * `provider` is the reference the runtime passes, "<provider URN>::<id>".
     */
    const regionOf = (provider: string | undefined): string => {
        const urn = provider?.slice(0, provider.lastIndexOf("::"));
        const region = urn ? records.get(urn)?.inputs.region : undefined;
        return typeof region === "string" ? region : (opts.config?.["aws:region"] ?? "us-east-1");
    };
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const runtimeSettings = require("@pulumi/pulumi/runtime/settings");
    const getEngine = runtimeSettings.getEngine;
    // Pulumi records each resource's source position from a full stack trace (Resource.callsites),
    // and ts-node maps every frame through source maps: most of an offline run's time. The mock
    // run needs no source positions, so skip them (TIERFORM_STACK_TRACES=1 keeps them, for debugging).
    const resourceClass = pulumi.Resource as unknown as { callsites: () => unknown[] };
    const callsites = resourceClass.callsites;
    const stackTraceLimit = Error.stackTraceLimit;
    // The runtime also wraps every one of its promises (debuggablePromise) with an id, a context and
    // `new Error().stack`, read only by its leak report under PULUMI_DEBUG_PROMISE_LEAKS; even with
    // no frames, the stack goes through Node's source-map formatter: about a tenth of a run's CPU.
    // Unless that variable is set, the run's promises are tracked for the leak check exactly as
    // before, without the debugging fields.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const debuggable = require("@pulumi/pulumi/runtime/debuggable");
    const debuggablePromise = debuggable.debuggablePromise;
    if (process.env.TIERFORM_STACK_TRACES !== "1") {
        resourceClass.callsites = () => [];
        Error.stackTraceLimit = 0;
        if (!debuggable.debugPromiseLeaks) debuggable.debuggablePromise = leakTrackedPromise(debuggablePromise);
    }
    /** What the mock monitor answers for a resource: its inputs, with the outputs its provider would add (mock-outputs/). */
    const mockResource = (type: string, name: string, inputs: Record<string, any>, provider: string | undefined) => {
        const state = { ...inputs, ...mockOutputs(type, name, inputs, regionOf(provider)) };
        for (const key of SECRET_OUTPUTS[type] ?? []) if (typeof state[key] === "string") knownSecrets.add(state[key]);
        return { id: state.id ?? `${name}-id`, state };
    };
    try {
        await pulumi.runtime.setMocks(
            {
                // Pulumi's mock monitor calls this for reads (`get` resources); registrations are answered below.
                newResource: (args) => mockResource(args.type, args.name, split(args.inputs, "", []).plain, args.provider),
                call: (args) => mockCall(args.token, split(args.inputs, "", []).plain, regionOf(args.provider)),
            },
            project,
            stack,
            false,
        );
        pulumi.runtime.setAllConfig(opts.config ?? {});
        process.env[OFFLINE_PREVIEW_ENV] = opts.preview === false ? "0" : "1";
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const settings = require("@pulumi/pulumi/runtime/settings");
        // Without an engine, Pulumi's log functions (@pulumi/pulumi log/index.ts) print straight to the
        // console (`info: [runtime] …`). Give them an engine that only records: the messages land on
        // the run, and the caller decides whether to print them. Only `log/` asks for the engine through
        // the module's export; the runtime's own calls (root resource, version check) still see none.
        runtimeSettings.getEngine = () => ({
            log: (req: any, callback: () => void) => {
                const severity = SEVERITIES[req.getSeverity()];
                if (severity) {
                    messages.push({ severity, message: req.getMessage(), ...(req.getUrn() ? { urn: req.getUrn() } : {}) });
                    // An error still fails loudly where it happens, as without the engine.
                    if (severity === "error") console.error(formatRuntimeMessage(messages[messages.length - 1]));
                }
                callback();
            },
        });
        const monitor = settings.getMonitor();
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const rpc = require("@pulumi/pulumi/runtime/rpc");
        /**
         * Pulumi's MockMonitor.registerResource (@pulumi/pulumi runtime/mocks.js), step for step and
         * await for await (so registrations keep their order), with two differences: the inputs are
         * read from the request once, for the record and the mock alike; and the response carries
         * the serialized state as it would come out of a protobuf Struct (viaStruct) instead of
         * building one, which the runtime turns back into JavaScript at once and prints into a debug
         * line (in a profile of the in-process tests, building and printing it took 3.1 of 77 s of CPU).
         */
        const respond = async (req: any, record: PlannedResource, callback: (err: unknown, res?: RegisterResponse) => void) => {
            try {
                const parts = split(rpc.deserializeProperties(req.getObject()), "", record.secretPaths);
                Object.assign(record, { inputs: parts.plain, redacted: parts.redacted });
                const result = await mockResource(req.getType(), req.getName(), parts.plain, req.getProvider());
                const urn: string = monitor.newUrn(req.getParent(), req.getType(), req.getName());
                const serializedState = await rpc.serializeProperties("", result.state);
                monitor.resources.set(urn, { urn, id: result.id ?? null, state: serializedState });
                const object = viaStruct(serializedState);
                callback(null, {
                    getUrn: () => urn,
                    getId: () => result.id || "",
                    getObject: () => ({ toJavaScript: () => object }),
                    getPropertydependenciesMap: () => undefined,
                    getResult: () => 0,
                    toString: () => `RegisterResourceResponse ${urn}`,
                });
            } catch (err) {
                callback(err, undefined);
            }
        };
        monitor.registerResource = (req: any, callback: (err: any, res: any) => void) => {
            const record: PlannedResource = {
                urn: "",
                type: req.getType(),
                name: req.getName(),
                parent: req.getParent() || undefined,
                custom: req.getCustom(),
                protect: req.getProtect?.() === true,
                retainOnDelete: req.getRetainondelete?.() === true,
                provider: req.getProvider() || undefined,
                dependencies: req.getDependenciesList(),
                options: {
                    ignoreChanges: req.getIgnorechangesList?.() ?? [],
                    replaceOnChanges: req.getReplaceonchangesList?.() ?? [],
                    deleteBeforeReplace: req.getDeletebeforereplace?.() === true,
                    replaceWith: req.getReplaceWithList?.() ?? [],
                    customTimeouts: timeoutsOf(req.getCustomtimeouts?.()),
                    aliases: (req.getAliasesList?.() ?? []).length,
                    aliasUrns: [...aliasUrnsOf(req, project, stack), ...inheritedAliasUrns(req, project, stack, parentAliases)],
                },
                inputs: {},
                redacted: {},
                secretPaths: [],
            };
            pending.push(record);
            void respond(req, record, (err, res) => {
                if (res) {
                    record.urn = res.getUrn();
                    if (record.options.aliasUrns?.length) parentAliases.set(record.urn, record.options.aliasUrns);
                    records.set(record.urn, record);
                }
                callback(err, res);
            });
        };
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { runInPulumiStack } = require("@pulumi/pulumi/runtime/stack");
        let rawOutputs: unknown;
        await runInPulumiStack(async () => {
            rawOutputs = await opts.program();
            return undefined;
        });
        await settings.waitForRPCs();
        const secretOutputs: string[] = [];
        const outputs = split(await resolveDeep(rawOutputs ?? {}), "", secretOutputs).plain;
        const resources = pending.filter((r) => r.urn);
        if (opts.engineRules !== false) {
            const problems = engineProblems({ resources });
            if (problems.length > 0) throw new EngineRefusal(problems);
        }
        return { project, stack, resources, outputs, secretOutputs, messages };
    } catch (err) {
        // Let callers check that a failed run registered nothing but the stack itself, and still print what it logged.
        if (err && typeof err === "object") Object.assign(err, { registered: pending, messages });
        throw err;
    } finally {
        runtimeSettings.getEngine = getEngine;
        delete process.env[OFFLINE_PREVIEW_ENV];
        resourceClass.callsites = callsites;
        Error.stackTraceLimit = stackTraceLimit;
        debuggable.debuggablePromise = debuggablePromise;
    }
}

/** Environment variable an offline run sets: "1" while it stands for `pulumi preview`, "0" for a real update. */
export const OFFLINE_PREVIEW_ENV = "TIERFORM_OFFLINE_PREVIEW";

/**
 * Whether the program runs as a preview: `pulumi preview` (`pulumi.runtime.isDryRun()`), or an
 * offline run standing for one (every `npm run plan` and test plan, unless `preview: false`).
 */
export function isOfflinePreview(): boolean {
    return process.env[OFFLINE_PREVIEW_ENV] === "1";
}

/** Resolve Outputs and promises nested in stack outputs; secrets come back wrapped for `split`. */
async function resolveDeep(value: unknown): Promise<unknown> {
    if (pulumi.Output.isInstance(value)) {
        const [inner, secret] = await Promise.all([
            new Promise((resolve) => (value as pulumi.Output<unknown>).apply((v) => resolve(v))),
            (value as unknown as { isSecret: Promise<boolean> }).isSecret,
        ]);
        const resolved = await resolveDeep(inner);
        return secret ? { [SIG_KEY]: SECRET_SIG, value: resolved } : resolved;
    }
    if (value instanceof Promise) return resolveDeep(await value);
    if (Array.isArray(value)) return Promise.all(value.map(resolveDeep));
    if (value && typeof value === "object" && !(value instanceof pulumi.Resource)) {
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(value)) out[k] = await resolveDeep(v);
        return out;
    }
    return value;
}
