import { strict as assert } from "assert";
import * as vm from "vm";
import { planComponent } from "../../harness";
import { databaseResources, KubernetesDatabase, memoryMiB } from "../../../components/kubernetes/database";
import { CNPG_POSTGRES_IMAGES } from "../../../components/shared/images";
import { context, datastoreSpec, object, objects } from "./fixtures";

describe("kubernetes database", () => {
    it("reads PostgreSQL memory units", () => {
        assert.deepEqual(
            [memoryMiB("4GB"), memoryMiB("16MB"), memoryMiB("1024kB"), memoryMiB(128), memoryMiB("lots")],
            [4096, 16, 1, 1, undefined],
        );
    });

    it("sizes a database pod to hold its buffers", () => {
        const ctx = context("asset-management");
        assert.deepEqual(databaseResources(ctx, datastoreSpec(ctx.system, "database", "db")), { cpu: 1, memoryMb: 8192 });
        const mdc = context("mdc-tts");
        assert.deepEqual(databaseResources(mdc, datastoreSpec(mdc.system, "database", "db")), { cpu: 1, memoryMb: 2048 });
    });

    it("PostgreSQL: a CloudNativePG Cluster archiving through the Barman Cloud plugin to the system's object store, with a six-field plugin ScheduledBackup", async () => {
        const ctx = context("mdc-tts");
        const plan = await planComponent(
            () => new KubernetesDatabase("t", { ctx, database: datastoreSpec(ctx.system, "database", "db") }).connection.url,
        );
        const spec = object(plan, "Cluster", "db").inputs.spec;
        assert.equal(spec.instances, 1);
        assert.equal(spec.imageName, CNPG_POSTGRES_IMAGES["14"]);
        assert.deepEqual(spec.bootstrap.initdb, { database: "mdc_tts", owner: "app", secret: { name: "db-app" } });
        assert.equal(object(plan, "Secret", "db-app").inputs.type, "kubernetes.io/basic-auth");
        // No in-tree barmanObjectStore (removed in operator 1.31): the plugin archives WAL into the ObjectStore.
        assert.equal(spec.backup, undefined);
        assert.deepEqual(spec.plugins, [
            {
                name: "barman-cloud.cloudnative-pg.io",
                isWALArchiver: true,
                parameters: { barmanObjectName: "db-archive", serverName: "db" },
            },
        ]);
        const store = object(plan, "ObjectStore", "db-archive");
        assert.equal(store.inputs.apiVersion, "barmancloud.cnpg.io/v1");
        const { configuration, retentionPolicy, instanceSidecarConfiguration } = store.inputs.spec;
        assert.equal(retentionPolicy, "30d");
        assert.equal(configuration.endpointURL, "http://object-store.mdc-tts.svc.cluster.local:9000");
        assert.equal(configuration.destinationPath, "s3://mdc-tts-pg-archive/db", "a bucket no lifecycle rule prunes");
        assert.equal(configuration.s3Credentials.accessKeyId.name, "object-store-backups");
        assert.equal(configuration.serverName, undefined, "the plugin wants serverName empty on the ObjectStore");
        assert.deepEqual([configuration.wal.compression, configuration.data.compression], ["gzip", "gzip"]);
        assert.ok(instanceSidecarConfiguration.resources.limits.memory, "the injected sidecar has limits");
        assert.ok(object(plan, "Cluster", "db").dependencies.includes(store.urn), "the Cluster waits for its ObjectStore");
        const scheduled = object(plan, "ScheduledBackup", "db-scheduled").inputs.spec;
        assert.equal(scheduled.schedule, "0 0 2 * * *");
        assert.deepEqual([scheduled.method, scheduled.pluginConfiguration], ["plugin", { name: "barman-cloud.cloudnative-pg.io" }]);
        assert.match(
            plan.outputs as unknown as string,
            /^postgresql:\/\/app:.+@db-rw\.mdc-tts\.svc\.cluster\.local:5432\/mdc_tts\?sslmode=verify-full&sslrootcert=%2Fetc%2Ftierform%2Fca%2Fdb%2Fca\.crt$/,
        );
    });

    it("PostgreSQL with an S3 endpoint archives there with the user's s3-credentials Secret", async () => {
        const ctx = context("mdc-tts", { "tierform:s3Endpoint": "https://s3.eu.example.com", "tierform:storageClass": "fast" });
        const plan = await planComponent(
            () => new KubernetesDatabase("t", { ctx, database: datastoreSpec(ctx.system, "database", "db") }).connection.host,
        );
        const spec = object(plan, "Cluster", "db").inputs.spec;
        const { configuration } = object(plan, "ObjectStore", "db-archive").inputs.spec;
        assert.equal(configuration.endpointURL, "https://s3.eu.example.com");
        assert.equal(configuration.s3Credentials.secretAccessKey.name, "s3-credentials");
        assert.deepEqual(spec.storage, { size: "50Gi", storageClass: "fast" });
    });

    it("MongoDB: a non-root StatefulSet whose credentials come from its Secret", async () => {
        const ctx = context("hld-platform");
        const plan = await planComponent(
            () => new KubernetesDatabase("t", { ctx, database: datastoreSpec(ctx.system, "database", "mongo") }).connection.host,
        );
        const pod = object(plan, "StatefulSet", "mongo").inputs.spec.template.spec;
        assert.deepEqual([pod.securityContext.runAsUser, pod.securityContext.fsGroup], [999, 999]);
        const env = pod.containers[0].env;
        assert.ok(env.filter((e: any) => /PASSWORD/.test(e.name)).every((e: any) => e.valueFrom.secretKeyRef.name === "mongo-credentials"));
        // The probes connect to the pod's own address (the entrypoint's temporary init server listens on 127.0.0.1 only),
        // authenticate as root and require the app user: credentials from the environment, never on the command line.
        for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"]) {
            const command: string[] = pod.containers[0][probe].exec.command;
            assert.deepEqual(command.slice(0, 5), ["mongosh", "--quiet", "--norc", "--nodb", "--eval"], probe);
            const script = command[5];
            assert.match(script, /connect\('mongodb:\/\/' \+ require\('os'\)\.hostname\(\) \+ ':27017\/admin'\)/, probe);
            assert.match(script, /\.auth\(e\.MONGO_INITDB_ROOT_USERNAME, e\.MONGO_INITDB_ROOT_PASSWORD\)/, probe);
            assert.match(script, /getUser\(e\.MONGO_APP_USERNAME\)/, probe);
            assert.doesNotMatch(script, /localhost|127\.0\.0\.1|mock-/, probe);
            assert.doesNotThrow(() => new vm.Script(script), `${probe}: the --eval is JavaScript`);
            assert.ok(
                env.some((e: any) => e.name === "MONGO_APP_USERNAME" && e.valueFrom?.secretKeyRef),
                "the app user's name from the Secret",
            );
        }
        assert.equal(objects(plan, "Cluster").length, 0);
    });
});
