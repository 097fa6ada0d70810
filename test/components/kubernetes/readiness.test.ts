/**
 * What a real cluster needs for every workload to become ready (issue 11, items 1, 2 and 8): the
 * CloudNativePG Cluster is awaited, migrations wait for their database and a failed one is
 * replaceable, probes present the host the app accepts, a one-instance cluster keeps no PDB, and
 * the StatefulSets keep the caller's dependencies.
 */
import { strict as assert } from "assert";
import { planStack } from "../../harness";
import { spec as inline } from "../../harness/spec";
import { object, stagingPlan } from "./fixtures";

describe("kubernetes readiness on a real cluster", function () {
    this.timeout(60000);

    it("awaits the CloudNativePG Cluster's Ready condition, with time for initdb (item 1)", async () => {
        const plan = await stagingPlan("mdc-tts");
        const cluster = object(plan, "Cluster", "db");
        assert.equal(cluster.inputs.metadata.annotations["pulumi.com/waitFor"], "condition=Ready");
        assert.equal(cluster.options.customTimeouts?.create, "30m");
    });

    it("the migration Job waits for its database, after the Cluster, and is replaced when it failed (item 1)", async () => {
        const plan = await stagingPlan("mdc-tts");
        const job = plan.resources.find((r) => r.inputs?.kind === "Job" && /^backend-migrate-/.test(r.inputs.metadata.name))!;
        assert.ok(job, "a migration Job");
        assert.equal(job.inputs.metadata.annotations["pulumi.com/replaceUnready"], "true");
        const init = job.inputs.spec.template.spec.initContainers;
        assert.deepEqual(
            init.map((c: any) => c.name),
            ["wait-for-db"],
        );
        assert.match(init[0].command[2], /pg_isready .* -h db-rw\.mdc-tts\.svc\.cluster\.local -p 5432/);
        const cluster = object(plan, "Cluster", "db");
        assert.ok(job.dependencies.includes(cluster.urn), "the Job depends on the awaited Cluster");
    });

    it("HTTP probes present the canonical host, which Django's ALLOWED_HOSTS accepts (item 2)", async () => {
        const hosts: Record<string, string> = {
            "mdc-tts": "api.mdc-tts.example.com",
            auromart: "auromart.example.com",
            "hld-platform": "hld.example.com",
        };
        for (const preset of Object.keys(hosts)) {
            const plan = await stagingPlan(preset);
            for (const d of plan.resources.filter((r) => r.inputs?.kind === "Deployment")) {
                const c = d.inputs.spec.template.spec.containers[0];
                for (const probe of [c.livenessProbe, c.readinessProbe].filter((p) => p?.httpGet)) {
                    assert.deepEqual(probe.httpGet.httpHeaders, [{ name: "Host", value: hosts[preset] }], `${preset} ${d.name}`);
                }
            }
        }
        const backend = object(await stagingPlan("mdc-tts"), "Deployment", "backend").inputs.spec.template.spec.containers[0];
        const allowed = backend.env.find((e: any) => e.name === "ALLOWED_HOSTS").value.split(",");
        assert.ok(allowed.includes(backend.readinessProbe.httpGet.httpHeaders[0].value));
    });

    it("a one-instance Cluster keeps no PodDisruptionBudget; one with replicas keeps it (item 8)", async () => {
        assert.equal(object(await stagingPlan("mdc-tts"), "Cluster", "db").inputs.spec.enablePDB, false);
        const am = await stagingPlan("asset-management");
        const withReplicas = am.resources.find((r) => r.inputs?.kind === "Cluster" && r.inputs.spec.instances > 1);
        assert.ok(withReplicas, "asset-management has a replicated cluster");
        assert.equal(withReplicas.inputs.spec.enablePDB, true);
    });

    it("a datastore StatefulSet waits for its Secret and ConfigMap as well as its Service (item 8)", async () => {
        const plan = await stagingPlan("auromart");
        const mysql = plan.resources.find(
            (r) =>
                r.inputs?.kind === "StatefulSet" &&
                plan.resources.some((c) => c.inputs?.kind === "ConfigMap" && c.inputs.metadata.name === `${r.inputs.metadata.name}-config`),
        )!;
        assert.ok(mysql, "a MySQL StatefulSet");
        const name = mysql.inputs.metadata.name;
        const deps = new Set(mysql.dependencies);
        for (const [kind, n] of [
            ["Secret", `${name}-credentials`],
            ["ConfigMap", `${name}-config`],
            ["Service", name],
        ])
            assert.ok(deps.has(object(plan, kind, n).urn), `${kind} ${n}`);
    });
});

describe("kubernetes restore and recovery (issue 11 item 6)", function () {
    this.timeout(60000);

    it("a suspended restore Job runs restore.sh (not the backup) on the full dumps, not awaited by Pulumi", async () => {
        for (const [preset, db] of [
            ["mdc-tts", "db"],
            ["auromart", "db"],
            ["hld-platform", "mongo"],
        ]) {
            const plan = await stagingPlan(preset);
            const job = object(plan, "Job", `${db}-restore`).inputs;
            assert.equal(job.spec.suspend, true);
            assert.equal(job.metadata.annotations["pulumi.com/skipAwait"], "true");
            const pod = job.spec.template.spec;
            assert.deepEqual(pod.containers[0].command, ["/bin/sh", "/scripts/restore.sh"]);
            assert.equal(pod.volumes.find((v: any) => v.name === "backups").persistentVolumeClaim.claimName, `${db}-backups-full`);
            assert.match(object(plan, "ConfigMap", `${db}-backup-scripts`).inputs.data["restore.sh"], /restore/);
            assert.match(job.metadata.annotations["tierform.io/runbook"], /patch job .*-restore .*"suspend":false/);
        }
    });

    it("generation 0 bootstraps with initdb and archives under the database's name", async () => {
        const spec = object(await stagingPlan("mdc-tts"), "Cluster", "db").inputs.spec;
        assert.ok(spec.bootstrap.initdb);
        assert.equal(spec.externalClusters, undefined);
        assert.equal(spec.plugins[0].parameters.serverName, "db");
    });

    it("after a mistaken destroy, generation 1 recovers from generation 0's base backups and WAL and archives apart", async () => {
        // A small inline spec (test/harness/spec.ts): one PostgreSQL database and its user, whatever the presets hold.
        const file = inline("mdc-tts")
            .service("api", { uses: ["db"] })
            .postgres("db", { databaseName: "mdc_tts" })
            .build();
        const generation = async (n: number) =>
            object(
                await planStack({ stack: "staging", system: file, config: { "tierform:archiveGeneration": String(n) } }),
                "Cluster",
                "db",
            ).inputs.spec;
        const spec = await generation(1);
        assert.equal(spec.bootstrap.initdb, undefined);
        assert.deepEqual(spec.bootstrap.recovery, { source: "db", database: "mdc_tts", owner: "app", secret: { name: "db-app" } });
        const source = spec.externalClusters[0];
        assert.equal(source.name, "db");
        assert.deepEqual(source.plugin, {
            name: "barman-cloud.cloudnative-pg.io",
            parameters: { barmanObjectName: "db-archive", serverName: "db" },
        });
        const archiver = spec.plugins[0];
        assert.deepEqual([archiver.isWALArchiver, archiver.parameters.barmanObjectName], [true, "db-archive"], "the same ObjectStore");
        assert.equal(archiver.parameters.serverName, "db-g1", "a new server name: barman refuses a non-empty archive");
        const g2 = await generation(2);
        assert.deepEqual([g2.bootstrap.recovery.source, g2.plugins[0].parameters.serverName], ["db-g1", "db-g2"]);
        assert.equal(g2.externalClusters[0].plugin.parameters.serverName, "db-g1");
    });
});
