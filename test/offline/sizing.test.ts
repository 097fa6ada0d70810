import { strict as assert } from "assert";
import { renderSizing } from "../../scripts/offline/sizing";
import { planStack } from "../harness";

describe("the plan's sizing table", function () {
    this.timeout(600_000);

    it("MealKitz prod: the RDS class, Multi-AZ and storage, the cache nodes, each task's vCPU/memory and the NAT gateways", async () => {
        const table = renderSizing((await planStack({ stack: "prod", system: "mealkitz" })).run);
        assert.ok(table, "a prod plan has a sizing table");
        // systems/mealkitz.yaml: databases.db.storageGb 100; the prod profile (model/profiles.ts): large data, Multi-AZ, 1 vCPU / 2048 MiB per web task,
        // plus the ADOT trace collector's 256 MiB (components/aws/service/tracing.ts): the next Fargate size, 3072 MiB.
        assert.match(table, /^  RDS instance +\S*db +db\.r6g\.xlarge · Multi-AZ · 100 GiB gp3 · grows to 200 GiB$/m);
        assert.match(table, /^  ElastiCache +\S*cache +cache\.r6g\.large · 2 nodes · Multi-AZ$/m);
        for (const service of ["order", "user", "payment", "delivery", "notification"]) {
            assert.match(table, new RegExp(`^  ECS task +\\S*${service}\\S* +1 vCPU · 3072 MiB$`, "m"), `${service}'s task size\n${table}`);
        }
        const nat = /^  NAT gateways +.* (\d+)$/m.exec(table);
        assert.ok(nat && Number(nat[1]) >= 2, `a NAT gateway per zone on a Multi-AZ stack\n${table}`);
    });

    it("prints no table for a stack that registers nothing it sizes (dev: Docker)", async () => {
        assert.equal(renderSizing((await planStack({ stack: "dev", system: "mealkitz" })).run), undefined);
    });
});
