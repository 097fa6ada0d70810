import * as assert from "assert";
import { planComponent, stackConfig, type Plan } from "../../harness";
import { loadStack } from "../../../model";
import { planSystem } from "../../../plan";
import { DockerDatabase, engineMemoryMb, sizeMb } from "../../../components/docker/database";
import { DockerNetwork } from "../../../components/docker/network";
import {
    argvOf,
    CONTAINER,
    devPlan,
    devSystem,
    envOf,
    hardeningProblems,
    isSecretAt,
    labelsOf,
    networksOf,
    PASSWORD,
    storeOf,
    uploadOf,
    VOLUME,
} from "./helpers";

async function planDatabase(preset: string, db: string): Promise<Plan> {
    const { plan: system } = devPlan(preset);
    return planComponent(() => {
        const net = new DockerNetwork(`${preset}-net`, { system });
        const d = new DockerDatabase(`${preset}-${db}`, { system, database: storeOf(system, "database", db), network: net.data.name });
        return { connectionString: d.connectionString, endpoint: d.endpoint };
    });
}

describe("docker Database", () => {
    const cases = [
        {
            preset: "mdc-tts",
            db: "db",
            engine: "postgres",
            image: /^postgres:14\.\d+-alpine@/,
            user: "70:70",
            dataPath: "/var/lib/postgresql/data",
            health: "pg_isready",
            url: /^postgresql:\/\/app:mock-[^@]+@db:5432\/mdc_tts/,
        },
        {
            preset: "auromart",
            db: "db",
            engine: "mysql",
            image: /^mysql:8\.0\.\d+@/,
            user: "999:999",
            dataPath: "/var/lib/mysql",
            health: "mysqladmin",
            url: /^mysql:\/\/auro_user:mock-[^@]+@db:3306\/auro_mart$/,
        },
        {
            preset: "hld-platform",
            db: "mongo",
            engine: "mongodb",
            image: /^mongo:7\.0\.\d+@/,
            user: "999:999",
            dataPath: "/data/db",
            health: "mongosh",
            url: /^mongodb:\/\/app:mock-[^@]+@mongo:27017\/hld\?authSource=admin$/,
        },
    ];
    for (const c of cases) {
        describe(`${c.engine} (${c.preset})`, () => {
            let plan: Plan;
            before(async () => (plan = await planDatabase(c.preset, c.db)));
            const container = () => plan.one(CONTAINER, `${c.preset}-${c.db}`);

            it("runs the pinned image as its non-root user, hardened", () => {
                assert.match(container().inputs.image, c.image);
                assert.strictEqual(container().inputs.user, c.user);
                assert.deepStrictEqual(hardeningProblems(container()), []);
            });

            it("publishes no port and joins only the internal data network, under its own name", () => {
                assert.strictEqual(container().inputs.ports, undefined);
                assert.deepStrictEqual(networksOf(container()), [`${c.preset}-net-data`]);
                assert.deepStrictEqual(container().inputs.networksAdvanced[0].aliases, [c.db]);
            });

            it("keeps its data on a labelled named volume", () => {
                const volume = plan.one(VOLUME, `${c.preset}-${c.db}-data`);
                assert.deepStrictEqual(labelsOf(volume)["tierform.tier"], "database");
                assert.deepStrictEqual(labelsOf(volume)["tierform.datastore"], c.db);
                const mount = container().inputs.volumes.find((v: any) => v.containerPath === c.dataPath);
                assert.strictEqual(mount?.volumeName, volume.inputs.name);
                assert.strictEqual(labelsOf(container())["tierform.tier"], "database");
            });

            it("gets its password from a generated secret file, never argv or env", () => {
                const password = plan.ofType(PASSWORD).find((p) => p.name === `${c.preset}-${c.db}-password`);
                assert.ok(password, "a RandomPassword for the database");
                const file = uploadOf(container(), "/run/tierform/password");
                assert.ok(file, "password file uploaded");
                // The mock RandomPassword's result is `mock-<resource name>-...`: the file holds that password.
                assert.ok(file.content.startsWith(`mock-${password.name}`), file.content);
                assert.strictEqual(file.permissions, "0400");
                assert.strictEqual(`${file.owner}:${file.group}`, c.user);
                assert.ok(isSecretAt(container(), `uploads[${file.index}].content`), `secret paths: ${container().secretPaths}`);
                const env = envOf(container());
                assert.ok(Object.keys(env).some((k) => k.endsWith("_PASSWORD_FILE")));
                for (const [k, v] of Object.entries(env)) assert.ok(!v.includes(file.content), `${k} carries the password`);
                for (const arg of argvOf(container())) assert.ok(!arg.includes(file.content), `argv carries the password: ${arg}`);
            });

            it("has a health check with no password in it, which pulumi up waits on", () => {
                const tests: string[] = container().inputs.healthcheck.tests;
                const password = uploadOf(container(), "/run/tierform/password")!.content;
                for (const t of tests) assert.ok(!t.includes(password), `the health check carries the password: ${t}`);
                assert.ok(
                    tests.some((t) => t.includes(c.health)),
                    tests.join(" "),
                );
                assert.strictEqual(container().inputs.wait, true);
                assert.strictEqual(container().inputs.waitTimeout, 300);
            });

            it("leaves its volumes unprotected on dev, so `pulumi destroy` cleans up", () => {
                for (const v of plan.ofType(VOLUME)) assert.strictEqual(v.protect, false, v.name);
            });

            it("exports a secret connection string", () => {
                assert.match(plan.outputs.connectionString, c.url);
                assert.ok(plan.run.secretOutputs.includes("connectionString"));
                assert.strictEqual(plan.outputs.endpoint, `${c.db}:${c.url.source.match(/:(\d{4,5})/)?.[1]}`);
            });
        });
    }

    it("protects the data volume, not the config volume, where the profile asks for deletion protection (prod)", async () => {
        const { system } = loadStack(stackConfig({ stack: "dev", system: "mdc-tts", config: { "tierform:environment": "prod" } }));
        assert.strictEqual(system.profile.deletionProtection, true);
        const prod = planSystem(system, "docker");
        const plan = await planComponent(
            () => new DockerDatabase("mdc-tts-db", { system: prod, database: storeOf(prod, "database", "db"), network: "d" }),
        );
        assert.strictEqual(plan.one(VOLUME, "mdc-tts-db-data").protect, true);
        assert.strictEqual(plan.one(VOLUME, "mdc-tts-db-config").protect, false);
    });

    it("mounts PostgreSQL's data where each major's image keeps it: 14–17 /var/lib/postgresql/data, 18 /var/lib/postgresql (PGDATA 18/docker)", async () => {
        for (const [version, volume, pgdata] of [
            ["17", "/var/lib/postgresql/data", "/var/lib/postgresql/data/pgdata"],
            ["18", "/var/lib/postgresql", "/var/lib/postgresql/18/docker"],
        ]) {
            const { system } = loadStack(stackConfig({ stack: "dev", system: "mdc-tts", overrides: { databases: { db: { version } } } }));
            const planned = planSystem(system, "docker");
            const plan = await planComponent(
                () => new DockerDatabase("mdc-tts-db", { system: planned, database: storeOf(planned, "database", "db"), network: "d" }),
            );
            const c = plan.one(CONTAINER, "mdc-tts-db");
            assert.match(c.inputs.image, new RegExp(`^postgres:${version}\\.\\d+-alpine@`));
            assert.deepStrictEqual(
                c.inputs.volumes.filter((v: any) => !v.readOnly).map((v: any) => v.containerPath),
                [volume],
                `postgres ${version}: the data volume on the image's VOLUME`,
            );
            assert.strictEqual(envOf(c).PGDATA, pgdata, `postgres ${version}: PGDATA inside the volume`);
        }
    });

    it("checks MongoDB's real server, not the entrypoint's temporary one: its network address, authenticated as the root user, the password read from its file", async () => {
        const plan = await planDatabase("hld-platform", "mongo");
        const c = plan.one(CONTAINER, "hld-platform-mongo");
        const tests: string[] = c.inputs.healthcheck.tests;
        // docker-entrypoint.sh's init server: `--bind_ip 127.0.0.1`, no --auth, no user yet.
        assert.strictEqual(tests[tests.indexOf("--host") + 1], c.inputs.hostname, "the container's own address, not 127.0.0.1");
        const js = tests[tests.indexOf("--eval") + 1];
        assert.match(js, /db\.getSiblingDB\('admin'\)\.auth\('app', fs\.readFileSync\('\/run\/tierform\/password', 'utf8'\)\.trim\(\)\)/);
        assert.strictEqual(envOf(c).MONGO_INITDB_ROOT_USERNAME, "app", "the user the check authenticates as is the root user");
    });

    it("passes the spec's parameters as server flags: postgres -c, mysql --key=value", async () => {
        const assets = await planDatabase("asset-management", "db");
        const pg: string[] = assets.one(CONTAINER, "asset-management-db").inputs.command;
        assert.strictEqual(pg[0], "postgres");
        for (const p of [
            "shared_buffers=4GB",
            "effective_cache_size=12GB",
            "max_connections=200",
            "checkpoint_completion_target=0.9",
            "wal_buffers=16MB",
        ]) {
            assert.strictEqual(pg[pg.indexOf(p) - 1], "-c", `-c ${p} in ${pg.join(" ")}`);
        }
        const auro = await planDatabase("auromart", "db");
        const my: string[] = auro.one(CONTAINER, "auromart-db").inputs.command;
        for (const p of [
            "--innodb-buffer-pool-size=1073741824",
            "--max-connections=200",
            "--character-set-server=utf8mb4",
            "--collation-server=utf8mb4_unicode_ci",
            "--slow-query-log=1",
            "--long-query-time=2",
        ]) {
            assert.ok(my.includes(p), `${p} in ${my.join(" ")}`);
        }
        // MySQL's root password is generated too, and also a file.
        const root = uploadOf(auro.one(CONTAINER, "auromart-db"), "/run/tierform/root-password");
        assert.ok(root);
        assert.strictEqual(envOf(auro.one(CONTAINER, "auromart-db")).MYSQL_ROOT_PASSWORD_FILE, "/run/tierform/root-password");
    });

    it("sizes the container above the engine's own buffers (AuroMart's 1 GiB InnoDB pool, Asset Management's 4GB shared_buffers)", async () => {
        const auro = await planDatabase("auromart", "db");
        assert.strictEqual(sizeMb("4GB"), 4096);
        assert.strictEqual(sizeMb(1073741824), 1024);
        assert.strictEqual(sizeMb("16MB"), 16);
        for (const preset of ["auromart", "asset-management"]) {
            const { system } = devSystem(preset);
            const db = system.databases.db;
            const buffers = preset === "auromart" ? 1024 : 4096;
            assert.ok(engineMemoryMb(db) >= buffers * 1.5, `${preset}: ${engineMemoryMb(db)} MiB for ${buffers} MiB of buffers`);
        }
        const c = auro.one(CONTAINER, "auromart-db");
        assert.strictEqual(c.inputs.memory, 2048, "1 GiB pool: more than the 1 GiB profile size");
        assert.strictEqual(c.inputs.memorySwap, 2048);
        assert.strictEqual(labelsOf(c)["tierform.memory-from"], "engine buffers (2048 MiB)");
    });
});
