/**
 * The order AwsSystem builds a system's parts in (components/aws/parts.ts `awsParts`), for every
 * preset on the prod stack: each part after every part whose output it reads. (That the parts build
 * exactly the resources they did before is the prod plan snapshot, test/identity and the parity test.)
 */
import * as assert from "assert";
import { presetNames } from "../../../model";
import { planSystem } from "../../../plan";
import { awsParts, hasHooks, pullsPublic, type AwsPart } from "../../../components/aws/parts";
import { loadSystem } from "./helpers";

/** A part's name in the order: `datastore:db`, `service:api`, `edge`, ... */
function label(p: AwsPart): string {
    if (p.part === "datastore") return `datastore:${p.datastore.name}`;
    if (p.part === "service") return `service:${p.service.name}`;
    return p.part;
}

describe("aws parts: the order AwsSystem builds them in", () => {
    for (const preset of presetNames()) {
        it(`${preset}: keys, network and alarm topic first; shares, data tier and datastores before the edge; the edge, rollout hook and image cache before the services; migrations before their waiters; alarms and observability last`, () => {
            const { system, settings } = loadSystem(preset);
            const plan = planSystem(system, "aws");
            const order = awsParts(plan, settings).map(label);
            const at = (l: string) => {
                const i = order.indexOf(l);
                assert.ok(i >= 0, `${preset}: no part ${l} in ${order.join(", ")}`);
                return i;
            };
            const before = (a: string, b: string) => assert.ok(at(a) < at(b), `${preset}: ${a} before ${b} in ${order.join(", ")}`);
            assert.strictEqual(new Set(order).size, order.length, "each part once");
            assert.deepStrictEqual(order.slice(0, 3), ["kms-keys", "network", "alarm-topic"]);
            assert.deepStrictEqual(order.slice(-3), ["app-alarms", "datastore-alarms", "observability"]);

            const services = Object.values(plan.services);
            const datastores = Object.keys(plan.datastores).map((d) => `datastore:${d}`);
            const mounts = services.some((s) => s.mounts.length > 0);
            assert.strictEqual(order.includes("file-shares"), mounts, "file shares exactly where a service mounts one");
            assert.strictEqual(
                order.includes("data-tier"),
                datastores.length > 0 || mounts,
                "the data tier where there is a datastore or a share",
            );
            if (mounts) before("file-shares", "data-tier");
            for (const d of datastores) {
                before("network", "data-tier");
                before("data-tier", d);
                before(d, "edge");
            }
            before("network", "edge");

            const hooked = services.filter((s) => hasHooks(s, settings));
            assert.strictEqual(order.includes("rollout-hook"), hooked.length > 0, "the rollout hook where a service has hooks");
            const pulling = services.filter((s) => pullsPublic(plan, s));
            assert.strictEqual(order.includes("image-cache"), pulling.length > 0, "the image cache where a task pulls from ECR Public");
            if (hooked.length > 0) before("edge", "rollout-hook");

            for (const s of services) {
                const svc = `service:${s.name}`;
                for (const d of datastores) before(d, svc);
                for (const p of ["app-secrets", "cluster", "edge"]) before(p, svc);
                if (s.mounts.length > 0) before("file-shares", svc);
                if (hooked.includes(s)) before("rollout-hook", svc);
                if (pulling.includes(s)) before("image-cache", svc);
                for (const m of s.afterMigrationsOf) before(`service:${m}`, svc);
                for (const p of ["app-alarms", "datastore-alarms", "observability"]) before(svc, p);
            }
        });
    }
});
