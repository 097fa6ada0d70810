/**
 * Each datastore's contract in the plan (plan/datastores.ts), held to what the platforms register:
 * on AWS the security group of every datastore with a port admits exactly that port from exactly
 * the services the plan says use it, and a datastore without a port (SQS, S3) gets no group; on
 * every platform the variables the plan lists for a datastore are exactly those its users receive
 * (read back from the registered services by the parity test's readers), with the kind's alias.
 */
import * as assert from "node:assert/strict";
import { loadStack, presetNames, type Platform } from "../../model";
import { aliasOf, planSystem, transportOf, type AnyDatastore, type DatastorePlan } from "../../plan";
import { planStack, stackConfig } from "../harness";
import { awsFacts, dockerFacts, kubernetesFacts, type ServiceFacts } from "./facts";
import type { Plan } from "../harness";

const STACKS: Record<string, Platform> = { dev: "docker", staging: "kubernetes", prod: "aws" };
const FACTS: Record<Platform, (plan: Plan, service: string) => ServiceFacts> = {
    docker: dockerFacts,
    kubernetes: kubernetesFacts,
    aws: awsFacts,
};

/** The ingress rules of datastore `ds`'s security group: service name → [fromPort, toPort]. */
function datastoreIngress(registered: Plan, ds: string): Record<string, [number, number]> {
    const out: Record<string, [number, number]> = {};
    const marker = `-ds-${ds}-in-`;
    for (const r of registered.ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")) {
        const at = r.name.indexOf(marker);
        if (at >= 0) out[r.name.slice(at + marker.length)] = [r.inputs.fromPort, r.inputs.toPort];
    }
    return out;
}

describe("plan: each datastore's contract, as the platforms register it", function () {
    this.timeout(300_000);

    for (const preset of presetNames()) {
        it(`${preset}: on prod, each datastore's security group admits the plan's port from the plan's users only`, async () => {
            const { system } = loadStack(stackConfig({ stack: "prod", system: preset }));
            const plan = planSystem(system, "aws");
            const registered = await planStack({ stack: "prod", system: preset });
            for (const d of Object.values(plan.datastores) as DatastorePlan[]) {
                const got = datastoreIngress(registered, d.name);
                const groups = registered.ofType("aws:ec2/securityGroup:SecurityGroup").filter((g) => g.name.endsWith(`-ds-${d.name}`));
                if (d.port === undefined) {
                    assert.deepEqual(groups.length, 0, `${preset} ${d.name} (${d.engine}): no security group without a port`);
                    continue;
                }
                assert.equal(groups.length, 1, `${preset} ${d.name} (${d.engine}): one security group`);
                assert.deepEqual(
                    got,
                    Object.fromEntries(d.usedBy.map((s) => [s, [d.port, d.port]])),
                    `${preset} ${d.name} (${d.engine}): ingress on ${d.port} from ${d.usedBy.join(", ")}`,
                );
            }
        });

        it(`${preset}: on every stack, the variables the plan lists per datastore are those its users receive`, async () => {
            for (const [stack, platform] of Object.entries(STACKS)) {
                const { system } = loadStack(stackConfig({ stack, system: preset }));
                const plan = planSystem(system, platform);
                const registered = await planStack({ stack, system: preset });
                for (const d of Object.values(plan.datastores) as DatastorePlan[]) {
                    const where = `${stack}/${preset} ${d.name}`;
                    assert.deepEqual(d.transport, transportOf(system, d.name, platform), `${where}: secured as plan/transport.ts says`);
                    const own = d.variables.map((v) => v.variable);
                    assert.ok(own.length > 0 || d.usedBy.length === 0, `${where}: variables for its users`);
                    for (const service of d.usedBy) {
                        const got = FACTS[platform](registered, service).variables;
                        const planned = plan.services[service].variables.connections.filter((v) => v.datastore === d.name);
                        for (const v of planned) {
                            assert.ok(own.includes(v.variable), `${where}: lists ${v.variable}`);
                            assert.equal(got[v.variable], v.secret ? "secret" : "plain", `${where}: ${service} receives ${v.variable}`);
                        }
                    }
                    const alias = aliasOf({ kind: d.kind, spec: d.spec } as AnyDatastore);
                    if (d.usedBy.length > 0)
                        assert.ok(
                            Object.values(plan.services).some((s) => s.variables.connections.some((v) => v.variable === alias)),
                            `${where}: its kind's alias ${alias} is given to some service`,
                        );
                }
            }
        });
    }
});
