/**
 * The order KubernetesSystem builds a system's parts in (components/kubernetes/parts.ts
 * `kubernetesParts`), for every preset on staging with the mesh and monitoring switches on and off:
 * each part after every part whose output it reads, and only the parts the plan and stack ask for.
 * (That the parts build exactly the resources they did before is the staging plan snapshot,
 * test/identity and test/components/kubernetes/system.test.ts.)
 */
import * as assert from "assert";
import type { SystemPlan } from "../../../plan";
import { kubernetesParts, type KubernetesPart } from "../../../components/kubernetes/parts";
import { PRESETS, stagingPlanned } from "./fixtures";

/** A part's name in the order: `datastore:db`, `service:api`, `backup:db`, `edge`, ... */
function label(p: KubernetesPart): string {
    if (p.part === "datastore") return `datastore:${p.datastore.name}`;
    if (p.part === "service") return `service:${p.service.name}`;
    if (p.part === "backup" || p.part === "restore-test") return `${p.part}:${p.database.name}`;
    return p.part;
}

/** The parts whose output part `p` reads (what its builder takes from the accumulator). */
function reads(p: KubernetesPart, plan: SystemPlan): string[] {
    const services = Object.keys(plan.services).map((s) => `service:${s}`);
    switch (p.part) {
        case "operators":
        case "namespace":
            return [];
        case "object-store":
        case "app-secrets":
        case "file-shares":
        case "dashboards":
            return ["namespace"];
        case "datastore":
            return ["operators", "namespace", "object-store"];
        case "service":
            return [
                "operators",
                "namespace",
                "app-secrets",
                ...(p.service.mounts.length > 0 ? ["file-shares"] : []),
                ...p.service.variables.connections.map((v) => `datastore:${v.datastore}`),
                ...p.service.afterMigrationsOf.map((m) => `service:${m}`),
            ];
        case "edge":
        case "mesh":
        case "monitoring":
            return ["operators", "namespace", ...services];
        case "backup":
            return ["namespace", `datastore:${p.database.name}`];
        case "restore-test":
            return ["namespace", `backup:${p.database.name}`];
    }
}

const SWITCHES: { mesh: boolean; monitoringCrds: boolean }[] = [
    { mesh: true, monitoringCrds: true },
    { mesh: false, monitoringCrds: false },
    { mesh: true, monitoringCrds: false },
    { mesh: false, monitoringCrds: true },
];

describe("kubernetes parts: the order KubernetesSystem builds them in", () => {
    for (const preset of PRESETS)
        for (const { mesh, monitoringCrds } of SWITCHES) {
            it(`${preset} (mesh ${mesh}, monitoringCrds ${monitoringCrds}): each part once, after every part it reads; mesh and monitoring only when switched on`, () => {
                const { system: plan, settings } = stagingPlanned(preset, {
                    "tierform:mesh": mesh,
                    "tierform:monitoringCrds": monitoringCrds,
                });
                assert.deepStrictEqual({ mesh: settings.mesh, monitoringCrds: settings.monitoringCrds }, { mesh, monitoringCrds });
                const parts = kubernetesParts(plan, settings);
                const order = parts.map(label);
                assert.strictEqual(new Set(order).size, order.length, `each part once: ${order.join(", ")}`);
                for (const p of parts)
                    for (const r of reads(p, plan)) {
                        const i = order.indexOf(r);
                        assert.ok(i >= 0, `${preset}: ${label(p)} reads ${r}, which is not built (${order.join(", ")})`);
                        assert.ok(i < order.indexOf(label(p)), `${preset}: ${label(p)} reads ${r}, built after it (${order.join(", ")})`);
                    }
                assert.strictEqual(order.includes("mesh"), mesh, "the mesh exactly where tierform:mesh is on");
                assert.strictEqual(order.includes("monitoring"), monitoringCrds, "monitoring exactly where tierform:monitoringCrds is on");
                const kinds = (prefix: string) => order.filter((l) => l.startsWith(prefix)).sort();
                assert.deepStrictEqual(
                    kinds("datastore:"),
                    Object.keys(plan.datastores)
                        .map((d) => `datastore:${d}`)
                        .sort(),
                );
                assert.deepStrictEqual(
                    kinds("service:"),
                    Object.keys(plan.services)
                        .map((s) => `service:${s}`)
                        .sort(),
                );
                const backedUp = plan.backups.filter((b) => plan.datastores[b.database]?.kind === "database");
                assert.deepStrictEqual(
                    kinds("backup:"),
                    backedUp.map((b) => `backup:${b.database}`).sort(),
                    "one backup per database backup plan",
                );
                assert.deepStrictEqual(
                    kinds("restore-test:"),
                    backedUp
                        .filter((b) => "checks" in b.restoreTest.scratch)
                        .map((b) => `restore-test:${b.database}`)
                        .sort(),
                    "a restore test where the backup restores to a scratch copy",
                );
            });
        }
});
