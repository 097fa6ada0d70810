/**
 * The order DockerSystem builds a system's parts in (components/docker/parts.ts `dockerParts`), for
 * every preset: each part after what it reads. (That the parts build exactly the resources they
 * did before is the dev stack's plan snapshot and test/systems/docker.test.ts.)
 */
import * as assert from "assert";
import { presetNames } from "../../../model";
import { dockerParts, type DockerPart } from "../../../components/docker/parts";
import { devPlan } from "./helpers";

/** A part's name in the order: `datastore:db`, `service:api`, `edge`, ... */
function label(p: DockerPart): string {
    if (p.part === "datastore") return `datastore:${p.datastore.name}`;
    if (p.part === "service") return `service:${p.service.name}`;
    if (p.part === "backup") return `backup:${p.database.name}`;
    return p.part;
}

describe("docker parts: the order DockerSystem builds them in", () => {
    for (const preset of presetNames()) {
        it(`${preset}: networks first, every datastore before the services, migrations before their waiters, the edge after every service, each database's backup last`, () => {
            const { plan } = devPlan(preset);
            const order = dockerParts(plan).map(label);
            const at = (l: string) => {
                const i = order.indexOf(l);
                assert.ok(i >= 0, `${preset}: no part ${l} in ${order.join(", ")}`);
                return i;
            };
            assert.strictEqual(order[0], "network");
            assert.strictEqual(new Set(order).size, order.length, "each part once");
            const services = Object.keys(plan.services).map((s) => at(`service:${s}`));
            const datastores = Object.keys(plan.datastores).map((d) => at(`datastore:${d}`));
            assert.ok(Math.max(...datastores) < Math.min(...services), "datastores before services");
            assert.ok(at("app-secrets") < Math.min(...services));
            const mounts = Object.values(plan.services).some((s) => s.mounts.length > 0);
            assert.strictEqual(order.includes("file-shares"), mounts, "file shares exactly where a service mounts one");
            if (mounts) assert.ok(at("file-shares") < Math.min(...services));
            if (order.includes("health-tools")) assert.ok(at("health-tools") < Math.min(...services));
            for (const s of Object.values(plan.services))
                for (const m of s.afterMigrationsOf)
                    assert.ok(at(`service:${m}`) < at(`service:${s.name}`), `${m} migrates before ${s.name}`);
            assert.ok(Math.max(...services) < at("edge"), "the edge after the services it routes to");
            const databases = Object.values(plan.datastores).filter((d) => d.kind === "database");
            assert.deepStrictEqual(
                order.filter((l) => l.startsWith("backup:")),
                databases.map((d) => `backup:${d.name}`),
                "one backup per database",
            );
            for (const d of databases) assert.ok(at("edge") < at(`backup:${d.name}`));
        });
    }
});
