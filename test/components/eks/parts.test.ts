/**
 * The order EksSystem builds a system's parts in (components/eks/parts.ts `eksParts`), for every
 * preset on prod-eks: each part after every part whose output it reads (READS, one row per part
 * kind, so a new part does not compile here without its row), and the optional parts exactly where
 * the plan needs them. (That the parts build exactly the resources they did before is the prod-eks
 * plan snapshot, test/identity and test/systems/eks.test.ts.)
 */
import * as assert from "assert";
import { loadStack, presetNames } from "../../../model";
import { exportsTraces, planSystem, type PlatformSettings, type SystemPlan } from "../../../plan";
import { eksParts, type EksPart } from "../../../components/eks/parts";
import { runsOnArgo } from "../../../components/kubernetes/rollout";
import { stackConfig } from "../../harness";

/** A preset's plan on the EKS placement (Pulumi.prod-eks.yaml), with its settings. */
function eksPlan(preset: string): { plan: SystemPlan; settings: PlatformSettings } {
    const { system, settings } = loadStack(stackConfig({ stack: "prod-eks", system: preset }));
    return { plan: planSystem(system, "aws", "eks"), settings };
}

/** A part's name in the order: `service:api`, `edge`, ... */
function label(p: EksPart): string {
    return p.part === "service" ? `service:${p.service.name}` : p.part;
}

/** Every service's part. */
const allServices = (plan: SystemPlan) => Object.keys(plan.services).map((s) => `service:${s}`);

/**
 * What each part's builder reads from the parts before it (`?`: only where that optional part is
 * built; the builder reads it if it is there). Written from the builders in components/eks/parts.ts.
 */
const READS: { readonly [P in EksPart["part"]]: (part: Extract<EksPart, { part: P }>, plan: SystemPlan) => string[] } = {
    "logs-key": () => [],
    network: () => [],
    "alarm-topic": () => [],
    cluster: () => ["network", "logs-key"],
    endpoints: () => ["network", "cluster"],
    "file-systems": () => ["network", "cluster"],
    "data-tier": () => ["network", "alarm-topic", "logs-key", "file-systems?"],
    region: () => [],
    "cluster-rules": () => ["network", "cluster"],
    "policy-engine": () => ["cluster"],
    identities: () => ["data-tier", "cluster"],
    namespace: () => ["network", "identities", "policy-engine", "cluster"],
    operators: () => ["cluster"],
    rollouts: () => ["cluster", "region"],
    keda: () => ["namespace", "cluster", "region"],
    traces: () => ["cluster", "region", "operators"],
    "pod-logs": () => ["cluster", "region", "logs-key"],
    "share-claims": () => ["file-systems", "namespace", "cluster"],
    "external-secrets": () => ["cluster", "namespace", "region", "data-tier"],
    "app-secrets": () => ["namespace", "cluster"],
    // It resolves the CDN's ARN the data tier's bucket policies read.
    edge: () => ["network", "logs-key", "data-tier"],
    service: ({ service }) => [
        "cluster",
        "namespace",
        "data-tier",
        "region",
        "identities",
        "external-secrets",
        "app-secrets",
        "edge",
        "rollouts?",
        "keda?",
        ...(service.mounts.length > 0 ? ["share-claims"] : []),
        ...service.afterMigrationsOf.map((m) => `service:${m}`),
    ],
    mesh: (_p, plan) => ["cluster", "namespace", "operators", ...allServices(plan)],
    "target-groups": (_p, plan) => ["cluster", "namespace", "edge", ...allServices(plan)],
    "app-alarms": () => ["alarm-topic", "edge", "cluster"],
    "datastore-alarms": () => ["alarm-topic", "data-tier"],
    observability: () => ["alarm-topic", "cluster", "data-tier", "pod-logs", "edge"],
    monitoring: (_p, plan) => ["cluster", "namespace", "operators", ...allServices(plan)],
};

/** Where each part of `parts` reads a part that is missing or comes after it, one line each. */
function orderProblems(parts: EksPart[], plan: SystemPlan): string[] {
    const order = parts.map(label);
    const problems: string[] = [];
    parts.forEach((p, i) => {
        const reads = (READS[p.part] as (p: EksPart, plan: SystemPlan) => string[])(p, plan);
        for (const read of reads) {
            const optional = read.endsWith("?");
            const at = order.indexOf(optional ? read.slice(0, -1) : read);
            if (at < 0 && !optional) problems.push(`${order[i]} reads ${read}, which is not built`);
            else if (at >= i) problems.push(`${order[i]} reads ${read}, built after it`);
        }
    });
    return problems;
}

describe("eks parts: the order EksSystem builds them in", () => {
    for (const preset of presetNames()) {
        it(`${preset}: each part after every part it reads, each part once, the optional parts exactly where the plan needs them`, () => {
            const { plan, settings } = eksPlan(preset);
            const parts = eksParts(plan, settings);
            const order = parts.map(label);
            assert.deepStrictEqual(orderProblems(parts, plan), []);
            assert.strictEqual(new Set(order).size, order.length, "each part once");
            assert.deepStrictEqual(order.filter((l) => l.startsWith("service:")).sort(), allServices(plan).sort(), "one part per service");
            const services = Object.values(plan.services);
            const shares = services.some((s) => s.mounts.length > 0);
            assert.strictEqual(order.includes("file-systems"), shares, "EFS exactly where a service mounts a share");
            assert.strictEqual(order.includes("share-claims"), shares, "claims exactly where a service mounts a share");
            assert.strictEqual(
                order.includes("rollouts"),
                services.some((s) => runsOnArgo(s.rollout)),
                "Argo Rollouts where a rollout runs on it",
            );
            assert.strictEqual(
                order.includes("keda"),
                services.some((s) => s.scaling.requestsPerMinute !== undefined),
                "KEDA where a service scales on requests",
            );
            assert.strictEqual(order.includes("traces"), exportsTraces(plan, "kubernetes"), "the trace collector while traces are on");
            assert.strictEqual(order.includes("mesh"), settings.mesh, "the mesh with tierform:mesh");
        });
    }

    it("with settings.mesh off there is no mesh part, and the order still holds", () => {
        const { plan, settings } = eksPlan("mealkitz");
        const parts = eksParts(plan, { ...settings, mesh: false });
        assert.ok(!parts.some((p) => p.part === "mesh"));
        assert.deepStrictEqual(orderProblems(parts, plan), []);
    });

    it("a part before what it reads is named (the check itself)", () => {
        const { plan, settings } = eksPlan("mealkitz");
        const parts = eksParts(plan, settings);
        const edge = parts.findIndex((p) => p.part === "edge");
        const swapped = [...parts.slice(0, edge), ...parts.slice(edge + 1), parts[edge]];
        assert.ok(orderProblems(swapped, plan).some((l) => /^service:\S+ reads edge, built after it$/.test(l)));
    });
});
