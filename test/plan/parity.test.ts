/**
 * Parity: every preset on every stack, read back from what each platform registered, agrees with
 * the one plan — replica ranges, scaling signals, health checks, each service's variable names and
 * which of them are secrets — allowing only the differences the platform declares in
 * plan/support.ts `RENDERING`. Plus the four divergences issue 13 found, each pinned down.
 */
import * as assert from "node:assert/strict";
import { loadStack, presetNames, type Platform } from "../../model";
import {
    checkPlan,
    loadBalancerIdleTimeout,
    planSystem,
    RENDERING,
    type HealthCheck,
    type RetryCondition,
    type ServicePlan,
    type SystemPlan,
} from "../../plan";
import { planStack, stackConfig, type Plan } from "../harness";
import { spec } from "../harness/spec";
import { toAwsCron } from "../../components/aws/backup";
import {
    awsBackups,
    awsFacts,
    awsRoutes,
    awsTraffic,
    dockerBackups,
    dockerFacts,
    dockerRoutes,
    dockerTraffic,
    kubernetesBackups,
    kubernetesFacts,
    kubernetesRoutes,
    kubernetesTraffic,
    type BackupFact,
    type CheckFact,
    type RouteFact,
    type ServiceFacts,
    type TrafficFact,
} from "./facts";

const STACKS: Record<string, Platform> = { dev: "docker", staging: "kubernetes", prod: "aws" };
const FACTS: Record<Platform, (plan: Plan, service: string) => ServiceFacts> = {
    docker: dockerFacts,
    kubernetes: kubernetesFacts,
    aws: awsFacts,
};
const ROUTES: Record<Platform, (plan: Plan) => RouteFact[]> = { docker: dockerRoutes, kubernetes: kubernetesRoutes, aws: awsRoutes };
const BACKUPS: Record<Platform, (plan: Plan, system: string) => Record<string, BackupFact>> = {
    docker: dockerBackups,
    kubernetes: kubernetesBackups,
    aws: awsBackups,
};

const TRAFFIC: Record<Platform, (plan: Plan) => Record<string, TrafficFact>> = {
    docker: dockerTraffic,
    kubernetes: kubernetesTraffic,
    aws: awsTraffic,
};

/**
 * nginx's `proxy_next_upstream` conditions for each retry condition, from the nginx docs
 * (ngx_http_proxy_module): `error` covers a failed connection and a reset while passing the request
 * or reading the header; nginx has no condition for 5xx codes other than 500, 502, 503 and 504.
 */
const NGINX_CONDITIONS: Record<RetryCondition, string[]> = {
    "connect-failure": ["error"],
    reset: ["error"],
    "gateway-error": ["http_502", "http_503", "http_504"],
    "5xx": ["http_500", "http_502", "http_503", "http_504"],
};

/** What `platform`'s edge must show of each routed service's traffic plan, from the plan and its declared rendering only. */
export function expectedTraffic(platform: Platform, plan: SystemPlan): Record<string, TrafficFact> {
    const r = RENDERING[platform].traffic;
    // On AWS a service reached only by private routes sits behind the internal load balancer alone.
    const routes = platform === "aws" ? plan.routes.filter((x) => !x.allowCidrs) : plan.routes;
    const out: Record<string, TrafficFact> = {};
    for (const service of new Set(routes.map((x) => x.service))) {
        const t = plan.traffic[service];
        const fact: TrafficFact = {};
        if (r.timeout === "load-balancer-idle") fact.timeoutSeconds = loadBalancerIdleTimeout(plan.traffic);
        if (t) {
            const retrying = r.retries === "conditions" && t.retries.attempts > 0;
            if (r.timeout !== "load-balancer-idle") fact.timeoutSeconds = t.timeoutSeconds;
            if (retrying)
                fact.retries = {
                    attempts: t.retries.attempts,
                    on: platform === "docker" ? [...new Set(t.retries.on.flatMap((c) => NGINX_CONDITIONS[c]))] : t.retries.on,
                };
            if (retrying && r.retryBudget) fact.retryBudgetPercent = t.retries.budgetPercent;
            if (r.outlierDetection === "thresholds") fact.outlier = t.outlierDetection;
            else if (r.outlierDetection === "anomaly-mitigation" || retrying) fact.outlier = r.outlierDetection;
            if (r.circuitBreaker) fact.maxConcurrentRequests = t.maxConcurrentRequests;
            if (t.rateLimitPerMinute !== undefined)
                fact.rateLimit =
                    r.rateLimit === "path-prefix"
                        ? { perMinute: Math.max(10, t.rateLimitPerMinute), paths: t.paths.includes("/") ? [] : t.paths }
                        : { perMinute: t.rateLimitPerMinute };
        }
        out[service] = fact;
    }
    return out;
}

const fact = (c: HealthCheck | undefined): CheckFact =>
    c === undefined ? undefined : c.type === "http" ? { type: "http", path: c.path } : { type: "exec", command: c.command };
const PROCESS_CHECK = /\/proc\/1\/status/;

/** What `platform` must show for a service, from the plan and the platform's declared rendering only. */
export function expectedFacts(
    platform: Platform,
    s: ServicePlan,
    usesBucket: boolean,
): Omit<ServiceFacts, "liveness" | "readiness"> & { liveness: CheckFact | "process"; readiness: CheckFact | "process" } {
    const r = RENDERING[platform];
    const scales = r.autoscales && Object.keys(s.scaling).length > 0;
    const min = r.minAtLeastOne ? Math.max(1, s.replicas.min) : s.replicas.min;
    const fallback = r.processCheckFallback && s.kind !== "web" && !s.health.liveness ? "process" : undefined;
    const variables: ServiceFacts["variables"] = {};
    for (const k of Object.keys(s.variables.plain)) variables[k] = "plain";
    for (const v of s.variables.connections) variables[v.variable] = v.secret ? "secret" : "plain";
    for (const k of s.variables.appSecrets) variables[k] = "secret";
    if (usesBucket) {
        for (const k of r.bucketVariables.plain) variables[k] = "plain";
        for (const k of r.bucketVariables.secret) variables[k] = "secret";
    }
    return {
        ...(s.command ? { command: s.command } : {}),
        replicas: scales ? { min, max: s.replicas.max } : { min, max: min },
        scaling: scales ? s.scaling : {},
        liveness: fallback ?? fact(s.health.liveness),
        readiness: fallback ?? fact(r.separateReadiness ? s.health.readiness : s.health.liveness),
        variables,
    };
}

/** Plan `preset` with `overrides` on every stack and check each service's facts against the plan. */
async function checkParity(preset: string, overrides?: Record<string, unknown>): Promise<void> {
    for (const [stack, platform] of Object.entries(STACKS)) {
        const { system, settings } = loadStack(stackConfig({ stack, system: preset, overrides }));
        assert.equal(settings.platform, platform);
        const plan = planSystem(system, platform);
        const registered = await planStack({ stack, system: preset, overrides });
        for (const s of Object.values(plan.services)) {
            const got = FACTS[platform](registered, s.name);
            const usesBucket = s.variables.connections.some((v) => v.kind === "bucket");
            const want = expectedFacts(platform, s, usesBucket);
            const where = `${stack}/${preset} services.${s.name}`;
            assert.deepEqual(got.command, want.command, `${where}: command (replaces CMD, keeps ENTRYPOINT)`);
            assert.deepEqual(got.replicas, want.replicas, `${where}: replicas`);
            assert.deepEqual(got.scaling, want.scaling, `${where}: scaling signals`);
            for (const probe of ["liveness", "readiness"] as const) {
                if (want[probe] === "process")
                    assert.match(JSON.stringify(got[probe]), PROCESS_CHECK, `${where}: ${probe} (process check)`);
                else assert.deepEqual(got[probe], want[probe], `${where}: ${probe}`);
            }
            assert.deepEqual(sorted(got.variables), sorted(want.variables), `${where}: variables (name: plain|secret)`);
        }
        const byPath = (routes: RouteFact[]) => [...routes].sort((a, b) => a.path.localeCompare(b.path));
        const wantRoutes = plan.routes.map((r) => ({ path: r.path, service: r.service, private: r.allowCidrs !== undefined }));
        assert.deepEqual(
            byPath(ROUTES[platform](registered)),
            byPath(wantRoutes),
            `${stack}/${preset}: edge routes (path, service, private)`,
        );
        assert.deepEqual(
            TRAFFIC[platform](registered),
            expectedTraffic(platform, plan),
            `${stack}/${preset}: traffic policy per routed service`,
        );
        // AWS also backs up the file shares' EFS file systems, on a plan of their own: the plan's fileShareBackup.
        const fileShares = platform === "aws" && plan.fileShareBackup ? [plan.fileShareBackup] : [];
        assert.equal(
            fileShares.length,
            platform === "aws" && Object.keys(system.fileShares).length > 0 ? 1 : 0,
            `${stack}/${preset}: the file shares' backups are planned`,
        );
        const wantBackups = Object.fromEntries(
            [...plan.backups, ...fileShares].map((b) => [
                b.database,
                { schedules: platform === "aws" ? b.schedules.map(toAwsCron) : b.schedules, retentionDays: b.retentionDays },
            ]),
        );
        const gotBackups = BACKUPS[platform](registered, system.name);
        assert.deepEqual(
            gotBackups,
            wantBackups,
            `${stack}/${preset}: backup schedules and retention per database (and the file shares on AWS)`,
        );
        assert.deepEqual(
            Object.keys(registered.outputs.datastores).sort(),
            Object.keys(plan.datastores).sort(),
            `${stack}/${preset}: datastores`,
        );
    }
}

describe("parity: one plan, the same facts on Docker, Kubernetes and AWS", function () {
    this.timeout(300_000);

    for (const preset of presetNames())
        it(`${preset}: every service as planned on dev (docker), staging (kubernetes) and prod (aws)`, () => checkParity(preset));

    describe("the four divergences of issue 13", () => {
        it("1. requestsPerMinute alone scales on requests alone, on Kubernetes and AWS (Docker declares no autoscaling)", async () => {
            await checkParity("hld-platform", {
                services: { api: { autoscaling: { cpuPercent: null, memoryPercent: null, requestsPerMinute: 1000 } } },
            });
            const staging = await planStack({
                stack: "staging",
                system: "hld-platform",
                overrides: { services: { api: { autoscaling: { cpuPercent: null, memoryPercent: null, requestsPerMinute: 1000 } } } },
            });
            assert.deepEqual(
                kubernetesFacts(staging, "api").scaling,
                { requestsPerMinute: 1000 },
                "no CPU 70 % added beside the request target",
            );
        });

        it("2. an HTTP probe together with health.command is refused, naming the spec path (no platform picks a winner)", () => {
            for (const stack of Object.keys(STACKS)) {
                assert.throws(
                    () =>
                        loadStack(
                            stackConfig({
                                stack,
                                system: "hld-platform",
                                overrides: { services: { api: { health: { command: ["/bin/true"] } } } },
                            }),
                        ),
                    /services\.api\.health\.command: give either HTTP probes/,
                );
            }
        });

        it("3. a scheduler with replicas.min 0 runs exactly one everywhere", async () => {
            const overrides = { services: { beat: { replicas: { min: 0, max: 1 } } } };
            await checkParity("mdc-tts", overrides);
            const counts = await Promise.all(
                Object.entries(STACKS).map(
                    async ([stack, platform]) => FACTS[platform](await planStack({ stack, system: "mdc-tts", overrides }), "beat").replicas,
                ),
            );
            assert.deepEqual(counts, [
                { min: 1, max: 1 },
                { min: 1, max: 1 },
                { min: 1, max: 1 },
            ]);
        });

        it("4. a name in both env and secrets, or env/secrets and a connection variable, is refused before any resource (the loader, then the plan check)", () => {
            for (const stack of Object.keys(STACKS)) {
                assert.throws(
                    () =>
                        loadStack(
                            stackConfig({
                                stack,
                                system: "mdc-tts",
                                overrides: { services: { backend: { env: { SECRET_KEY: "plain" } } } },
                            }),
                        ),
                    /services\.backend\.secrets\[0\]: 'SECRET_KEY' is also set in env/,
                );
                // A connection variable is the plan's: plan/validate.ts refuses it, right after the loader (index.ts).
                assert.throws(
                    () =>
                        checkPlan(
                            loadStack(
                                stackConfig({
                                    stack,
                                    system: "mdc-tts",
                                    overrides: { services: { backend: { env: { DATABASE_URL: "x" } } } },
                                }),
                            ),
                        ),
                    /services\.backend\.env\.DATABASE_URL: is also the connection variable DATABASE_URL of datastore 'db'/,
                );
            }
        });

        it("a traffic policy with retries off, a long timeout and a rate limit below WAF's least, on a `/` route, as planned everywhere", async () => {
            // The ALB's idle timeout follows the longest timeout (120 > its default 60); WAF counts at least 10 and, for `/`, every path.
            const file = spec("tp")
                .service("web", { traffic: { timeoutSeconds: 120, retries: { attempts: 0 }, rateLimitPerMinute: 5 } })
                .service("api")
                .route("/", "web")
                .route("/api", "api")
                .build();
            await checkParity(file);
        });

        it("generated app secrets have one length on every platform", async () => {
            const lengths = new Set<number>();
            for (const stack of Object.keys(STACKS)) {
                const plan = await planStack({ stack, system: "mdc-tts" });
                const secrets = plan
                    .ofType("random:index/randomPassword:RandomPassword")
                    .filter((r) => /-(secret|app-secret|secrets)-secret-key$/.test(r.name));
                assert.ok(secrets.length > 0, `${stack}: no SECRET_KEY password`);
                for (const r of secrets) lengths.add(r.inputs.length);
            }
            assert.deepEqual([...lengths], [50]);
        });
    });
});

function sorted(o: Record<string, string>): [string, string][] {
    return Object.entries(o).sort(([a], [b]) => a.localeCompare(b));
}
