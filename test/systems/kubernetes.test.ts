/**
 * Each of the five presets on the staging stack (Kubernetes): what its seed demands is there and
 * wired, every pod is admitted by Pod Security `restricted`, every secretKeyRef points at a Secret
 * the program creates, and the policy packs find no mandatory violation.
 */
import { strict as assert } from "assert";
import { runPolicyReport } from "../../scripts/offline/policy-report";
import type { Plan, PlannedResource } from "../harness";
import { envVar, object, objects, PRESETS, stagingPlan } from "../components/kubernetes/fixtures";
import { K8S_ANNOTATION, RESTORE_TEST_KIND } from "../../conventions/labels";

/** Pod specs of every workload kind, with the object they belong to. */
function podSpecs(plan: Plan): { owner: string; spec: any }[] {
    const out: { owner: string; spec: any }[] = [];
    for (const r of plan.resources) {
        const i = r.inputs;
        const id = `${i?.kind} ${i?.metadata?.name}`;
        if (["Deployment", "StatefulSet", "Job"].includes(i?.kind)) out.push({ owner: id, spec: i.spec.template.spec });
        if (i?.kind === "CronJob") out.push({ owner: id, spec: i.spec.jobTemplate.spec.template.spec });
    }
    return out;
}

/** Volume sources Pod Security `restricted` allows. */
const RESTRICTED_VOLUMES = ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"];
/** Sysctls Pod Security `baseline` (and so `restricted`) allows. */
const SAFE_SYSCTLS = [
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
];

/**
 * Why Pod Security Admission at `restricted` (latest) would reject a pod spec: every check of the
 * Pod Security Standards, baseline and restricted, that a pod spec can fail
 * (https://kubernetes.io/docs/concepts/security/pod-security-standards/). Empty when admitted.
 */
function psaRestrictedViolations(pod: any): string[] {
    const out: string[] = [];
    const psc = pod.securityContext ?? {};
    const containers = [...(pod.containers ?? []), ...(pod.initContainers ?? []), ...(pod.ephemeralContainers ?? [])];
    for (const ns of ["hostNetwork", "hostPID", "hostIPC"]) if (pod[ns]) out.push(`${ns} is true`);
    if (psc.windowsOptions?.hostProcess) out.push("hostProcess pod");
    for (const v of pod.volumes ?? []) {
        const source = Object.keys(v).find((k) => k !== "name");
        if (!source || !RESTRICTED_VOLUMES.includes(source)) out.push(`volume ${v.name} is of type ${source}`);
    }
    for (const s of psc.sysctls ?? []) if (!SAFE_SYSCTLS.includes(s.name)) out.push(`unsafe sysctl ${s.name}`);
    const seLinuxOk = (o: any) =>
        !o ||
        ((!o.type || ["container_t", "container_init_t", "container_kvm_t", "container_engine_t"].includes(o.type)) && !o.user && !o.role);
    if (!seLinuxOk(psc.seLinuxOptions)) out.push("pod seLinuxOptions");
    const appArmorOk = (a: any) => !a || ["RuntimeDefault", "Localhost"].includes(a.type);
    if (!appArmorOk(psc.appArmorProfile)) out.push("pod appArmorProfile");
    const seccompOk = (t: string | undefined) => t === "RuntimeDefault" || t === "Localhost";
    if (psc.runAsUser === 0) out.push("pod runAsUser 0");
    for (const c of containers) {
        const sc = c.securityContext ?? {};
        const where = `container ${c.name}`;
        if (sc.privileged) out.push(`${where} is privileged`);
        if (sc.windowsOptions?.hostProcess) out.push(`${where} is a hostProcess`);
        if ((c.ports ?? []).some((p: any) => p.hostPort)) out.push(`${where} uses a hostPort`);
        if (!seLinuxOk(sc.seLinuxOptions)) out.push(`${where} seLinuxOptions`);
        if (!appArmorOk(sc.appArmorProfile)) out.push(`${where} appArmorProfile`);
        if (sc.procMount && sc.procMount !== "Default") out.push(`${where} procMount ${sc.procMount}`);
        if (sc.allowPrivilegeEscalation !== false) out.push(`${where} may escalate privileges`);
        if ((sc.runAsNonRoot ?? psc.runAsNonRoot) !== true) out.push(`${where} is not runAsNonRoot`);
        if (sc.runAsUser === 0) out.push(`${where} runAsUser 0`);
        if (!seccompOk(sc.seccompProfile?.type ?? psc.seccompProfile?.type))
            out.push(`${where} has no RuntimeDefault/Localhost seccomp profile`);
        if (!(sc.capabilities?.drop ?? []).includes("ALL")) out.push(`${where} does not drop ALL capabilities`);
        for (const cap of sc.capabilities?.add ?? []) if (cap !== "NET_BIND_SERVICE") out.push(`${where} adds capability ${cap}`);
    }
    return out;
}

function hpa(plan: Plan, name: string): any {
    return object(plan, "HorizontalPodAutoscaler", name).inputs.spec;
}

/** A ScaledObject's triggers as type → target (threshold or value). */
function triggers(spec: any): Record<string, string> {
    return Object.fromEntries(spec.triggers.map((t: any) => [t.type, t.metadata.threshold ?? t.metadata.value]));
}

function metricTarget(spec: any, resource: string): number | undefined {
    return spec.metrics.find((m: any) => m.resource?.name === resource)?.resource.target.averageUtilization;
}

function rules(plan: Plan, policy: string): { ingress: any[]; egress: any[] } {
    const spec = object(plan, "NetworkPolicy", policy).inputs.spec;
    return { ingress: spec.ingress ?? [], egress: spec.egress ?? [] };
}

describe("every preset on staging (kubernetes)", function () {
    this.timeout(120000);

    it("the Pod Security restricted check is live: it rejects what PSA rejects", () => {
        const ok = {
            securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
            containers: [{ name: "a", securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } } }],
        };
        assert.deepEqual(psaRestrictedViolations(ok), []);
        const c = ok.containers[0];
        const bad = [
            { ...ok, hostNetwork: true },
            { ...ok, volumes: [{ name: "h", hostPath: { path: "/" } }] },
            { ...ok, securityContext: { ...ok.securityContext, seccompProfile: { type: "Unconfined" } } },
            { ...ok, securityContext: { seccompProfile: { type: "RuntimeDefault" } } },
            {
                ...ok,
                containers: [{ ...c, securityContext: { ...c.securityContext, capabilities: { drop: ["ALL"], add: ["NET_ADMIN"] } } }],
            },
            { ...ok, containers: [{ ...c, securityContext: { capabilities: { drop: ["ALL"] } } }] },
            { ...ok, containers: [{ ...c, ports: [{ containerPort: 80, hostPort: 80 }] }] },
            { ...ok, initContainers: [{ name: "i", securityContext: { allowPrivilegeEscalation: false } }] },
        ];
        for (const pod of bad) assert.notDeepEqual(psaRestrictedViolations(pod), [], JSON.stringify(pod));
    });

    for (const preset of PRESETS) {
        describe(preset, () => {
            let plan: Plan;
            before(async () => {
                plan = await stagingPlan(preset);
            });

            it("admits every pod under Pod Security restricted", () => {
                const pods = podSpecs(plan);
                assert.ok(pods.length >= 3);
                for (const { owner, spec } of pods) {
                    assert.deepEqual(psaRestrictedViolations(spec), [], owner);
                    assert.equal(spec.automountServiceAccountToken, false, owner);
                    for (const c of [...spec.containers, ...(spec.initContainers ?? [])]) {
                        assert.equal(c.securityContext.allowPrivilegeEscalation, false, `${owner}/${c.name}`);
                        assert.deepEqual(c.securityContext.capabilities.drop, ["ALL"], `${owner}/${c.name}`);
                        assert.equal(c.securityContext.readOnlyRootFilesystem, true, `${owner}/${c.name}`);
                        assert.ok(c.resources.limits.memory && c.resources.requests.cpu, `${owner}/${c.name} has requests and limits`);
                        assert.ok(!/:latest$|^[^:]+$/.test(c.image), `${owner}/${c.name} image ${c.image} is pinned`);
                    }
                    assert.ok(!(spec.volumes ?? []).some((v: any) => v.hostPath), `${owner} mounts no hostPath`);
                }
                const ns = objects(plan, "Namespace")[0].inputs.metadata.labels;
                assert.equal(ns["pod-security.kubernetes.io/enforce"], "restricted");
            });

            it("labels every object and names its namespace", () => {
                for (const r of plan.resources.filter((x) => x.custom && x.inputs?.kind && x.type !== "kubernetes:helm.sh/v3:Release")) {
                    const m = r.inputs.metadata;
                    assert.equal(m.labels?.["app.kubernetes.io/part-of"], preset, `${r.inputs.kind} ${m.name}`);
                    assert.equal(m.labels?.["app.kubernetes.io/managed-by"], "tierform", `${r.inputs.kind} ${m.name}`);
                    if (r.inputs.kind !== "Namespace") assert.equal(m.namespace, preset, `${r.inputs.kind} ${m.name}`);
                }
            });

            it("references only Secrets it creates, and never inlines a credential", () => {
                const secrets = new Map(
                    objects(plan, "Secret").map((s: PlannedResource) => [s.inputs.metadata.name, s.inputs.stringData ?? {}]),
                );
                const passwords = plan.resources.filter((r) => r.type === "random:index/randomPassword:RandomPassword").length;
                assert.ok(passwords > 0);
                for (const { owner, spec } of podSpecs(plan)) {
                    for (const c of [...spec.containers, ...(spec.initContainers ?? [])]) {
                        for (const e of c.env ?? []) {
                            const ref = e.valueFrom?.secretKeyRef;
                            if (ref) {
                                assert.ok(secrets.has(ref.name), `${owner}: ${e.name} references missing Secret ${ref.name}`);
                                assert.ok(
                                    ref.key in secrets.get(ref.name)!,
                                    `${owner}: ${e.name} references missing key ${ref.key} of ${ref.name}`,
                                );
                            } else {
                                assert.ok(
                                    !/mock-.*password|:\/\/[^/]*:[^@/]+@/.test(String(e.value)),
                                    `${owner}: ${e.name} inlines a credential`,
                                );
                            }
                        }
                    }
                }
            });

            it("wires each service to the datastores it uses: env, Secret and NetworkPolicy", () => {
                for (const d of objects(plan, "Deployment")) {
                    const name = d.inputs.metadata.name;
                    const spec = d.inputs.spec.template.spec;
                    const refs = spec.containers[0].env.filter((x: any) => x.valueFrom?.secretKeyRef?.name === `${name}-connections`);
                    if (refs.length === 0) continue;
                    const conn = secretsOf(plan, `${name}-connections`);
                    const urls = refs.filter((e: any) => /_UR[LI]$/.test(e.name));
                    // Every credential in the Secret is a URL or the password inside those URLs.
                    for (const e of refs.filter((x: any) => !urls.includes(x))) {
                        assert.match(e.name, /_PASSWORD$/, `${name} ${e.name}`);
                        const url = conn[e.name.replace(/_PASSWORD$/, "_URL")];
                        assert.strictEqual(
                            decodeURIComponent(new URL(url.replace(/^[a-z0-9+]+:/, "http:")).password),
                            conn[e.name],
                            `${name} ${e.name}`,
                        );
                    }
                    for (const e of urls) {
                        assert.match(
                            conn[e.name],
                            /^(postgresql(\+asyncpg)?|mysql(\+pymysql)?|mongodb|rediss?|amqp):\/\/[^:]*:[^@]+@[a-z0-9-]+\.[a-z0-9-]+\.svc\.cluster\.local:\d+/,
                            `${name} ${e.name}`,
                        );
                        // ... and a NetworkPolicy lets it reach that host's port.
                        const port = Number(/:(\d+)(\/|$)/.exec(conn[e.name].split("@")[1])![1]);
                        assert.ok(
                            rules(plan, `allow-${name}`).egress.some((r) => r.ports.some((p: any) => p.port === port)),
                            `${name} may reach port ${port} (${e.name})`,
                        );
                    }
                }
            });

            it("exports the public URL, service addresses and datastore endpoints", () => {
                assert.match(plan.outputs.publicUrl, /^https:\/\/[a-z0-9.-]+\.example\.com$/);
                for (const [name, address] of Object.entries(plan.outputs.services)) {
                    assert.ok(
                        address === name || new RegExp(`^${name}\\.${preset}\\.svc\\.cluster\\.local:\\d+$`).test(address as string),
                        `${name}: ${address}`,
                    );
                }
                assert.equal(plan.outputs.platform.namespace, preset);
                assert.ok(Object.keys(plan.outputs.connectionStrings).length > 0);
            });

            it("has no mandatory policy violation", () => {
                const report = runPolicyReport(plan.run, "staging");
                assert.equal(report.mandatoryCount, 0, report.text);
            });
        });
    }

    it("mdc-tts: rolling 1/0, HPA 2-10 at CPU 70 / memory 80, one beat, Celery health command, Redis AOF, headers, daily 02:00 pg_dump kept 30 days", async () => {
        const plan = await stagingPlan("mdc-tts");
        for (const svc of ["backend", "frontend"]) {
            assert.deepEqual(object(plan, "Deployment", svc).inputs.spec.strategy, {
                type: "RollingUpdate",
                rollingUpdate: { maxSurge: 1, maxUnavailable: 0 },
            });
            // 1000 requests/minute per instance is a real signal: KEDA scales on the edge's request rate, CPU and memory.
            const so = object(plan, "ScaledObject", svc).inputs.spec;
            assert.deepEqual([so.minReplicaCount, so.maxReplicaCount], [2, 10]);
            assert.deepEqual(triggers(so), { prometheus: "1000", cpu: "70", memory: "80" });
            assert.match(
                so.triggers[0].metadata.query,
                new RegExp(`envoy_cluster_name=~"httproute/mdc-tts/\\(edge-${svc}\\)/rule/\\[0-9\\]\\+"`),
            );
            assert.equal(
                objects(plan, "HorizontalPodAutoscaler").some((r) => r.inputs.metadata.name === svc),
                false,
                "KEDA owns the HPA",
            );
        }
        // Exactly one beat, and never two at once: a one-replica StatefulSet, not a Deployment.
        const beat = object(plan, "StatefulSet", "beat").inputs.spec;
        assert.deepEqual([beat.replicas, beat.podManagementPolicy], [1, "OrderedReady"]);
        assert.ok(!objects(plan, "Deployment").some((d) => d.inputs.metadata.name === "beat"));
        assert.equal(
            objects(plan, "HorizontalPodAutoscaler").some((r) => r.inputs.metadata.name === "beat"),
            false,
        );
        // The Celery worker is checked by its own health command; beat (no command) by its main process.
        const worker = object(plan, "Deployment", "worker").inputs.spec.template.spec.containers[0];
        assert.match(worker.livenessProbe.exec.command.join(" "), /celery -A config inspect ping --destination celery@\$HOSTNAME/);
        assert.match(beat.template.spec.containers[0].livenessProbe.exec.command.join(" "), /\/proc\/1\/status/);
        assert.equal(
            objects(plan, "Service").some((r) => ["beat", "worker"].includes(r.inputs.metadata.name)),
            false,
        );
        // SECRET_KEY is one shared value for backend, worker and beat.
        for (const [kind, svc] of [
            ["Deployment", "backend"],
            ["Deployment", "worker"],
            ["StatefulSet", "beat"],
        ]) {
            assert.deepEqual(envVar(object(plan, kind, svc).inputs.spec.template.spec, "SECRET_KEY").valueFrom.secretKeyRef, {
                name: "app-secrets",
                key: "SECRET_KEY",
            });
        }
        const backendEnv = object(plan, "Deployment", "backend").inputs.spec.template.spec;
        assert.deepEqual(envVar(backendEnv, "DATABASE_URL").valueFrom.secretKeyRef, { name: "backend-connections", key: "DATABASE_URL" });
        assert.match(
            secretsOf(plan, "backend-connections").DATABASE_URL,
            /^postgresql:\/\/app:.+@db-rw\.mdc-tts\.svc\.cluster\.local:5432\/mdc_tts\?sslmode=verify-full&sslrootcert=%2Fetc%2Ftierform%2Fca%2Fdb%2Fca\.crt$/,
        );
        assert.equal(envVar(backendEnv, "MEDIA_BUCKET").value, "mdc-tts-media");
        const redis = object(plan, "StatefulSet", "cache").inputs.spec.template.spec.containers[0].args.join(" ");
        assert.match(redis, /--appendonly yes/);
        assert.doesNotMatch(redis, /requirepass/, "the password is in the config file, not argv");
        const traffic = object(plan, "BackendTrafficPolicy", "edge").inputs.spec;
        assert.equal(traffic.rateLimit.global.rules[0].limit.requests, 1000);
        assert.deepEqual(object(plan, "HTTPRoute", "edge-redirect").inputs.spec.rules[0].filters[0].requestRedirect, {
            scheme: "https",
            statusCode: 301,
        });
        const headers = object(plan, "HTTPRoute", "edge-backend").inputs.spec.rules[0].filters[0].responseHeaderModifier.set;
        assert.deepEqual(Object.fromEntries(headers.map((h: any) => [h.name, h.value])), {
            "X-Frame-Options": "DENY",
            "X-Content-Type-Options": "nosniff",
            "X-XSS-Protection": "1; mode=block",
            "Referrer-Policy": "strict-origin-when-cross-origin",
            "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
        });
        assert.deepEqual(
            objects(plan, "HTTPRoute")
                .flatMap((r) =>
                    (r.inputs.spec.rules as any[])
                        .filter((x) => x.backendRefs)
                        .map((x) => `${x.matches[0].path.value}>${x.backendRefs[0].name}:${x.backendRefs[0].port}`),
                )
                .sort(),
            ["/api>backend:8000", "/static>backend:8000", "/media>backend:8000", "/>frontend:8080"].sort(),
        );
        assert.deepEqual(object(plan, "Certificate", "edge-tls").inputs.spec.dnsNames, ["api.mdc-tts.example.com"]);
        const cron = object(plan, "CronJob", "db-backup-full").inputs.spec;
        assert.equal(cron.schedule, "0 2 * * *");
        assert.equal(cron.concurrencyPolicy, "Forbid");
        assert.match(object(plan, "ConfigMap", "db-backup-scripts").inputs.data["backup.sh"], /RETENTION_DAYS=30/);
        // Flows: backend → db (CloudNativePG pods) and db ← backend.
        assert.ok(
            rules(plan, "allow-backend").egress.some(
                (r) => r.to[0].podSelector?.matchLabels["cnpg.io/cluster"] === "db" && r.ports[0].port === 5432,
            ),
        );
        assert.ok(
            rules(plan, "allow-db").ingress.some(
                (r) => r.from[0].podSelector?.matchLabels["app.kubernetes.io/instance"] === "mdc-tts-backend",
            ),
        );
        assert.ok(
            rules(plan, "allow-frontend").ingress.some(
                (r) => r.from[0].namespaceSelector?.matchLabels["kubernetes.io/metadata.name"] === "envoy-gateway-system",
            ),
        );
        assert.deepEqual(
            rules(plan, "allow-frontend").egress.map((r) => [
                r.to[0].namespaceSelector?.matchLabels["kubernetes.io/metadata.name"],
                r.ports[0].port,
            ]),
            [["monitoring", 4318]],
            "the frontend uses no datastore: it reaches only the OpenTelemetry Collector",
        );
        assert.ok(
            rules(plan, "allow-backend-migrate").egress.some(
                (r) => r.to[0].namespaceSelector?.matchLabels["kubernetes.io/metadata.name"] === "monitoring" && r.ports[0].port === 4318,
            ),
            "the migration Job runs with the backend's variables (its SDK exports spans), so it reaches the collector too",
        );
    });

    it("PostgreSQL users verify the server against CloudNativePG's CA: only ca.crt of <db>-ca projected, read-only, named by the URL of each client", async () => {
        for (const [preset, service, client] of [
            ["mdc-tts", "backend", /^postgresql:\/\/.+\?sslmode=verify-full&sslrootcert=%2Fetc%2Ftierform%2Fca%2Fdb%2Fca\.crt$/],
            [
                "asset-management",
                "api",
                /\?sslmode=require&sslcert=%2Fetc%2Ftierform%2Fca%2Fdb%2Fca\.crt&sslrootcert=%2Fetc%2Ftierform%2Fca%2Fdb%2Fca\.crt&sslaccept=strict$/,
            ],
            [
                "mealkitz",
                "order",
                /^postgresql\+asyncpg:\/\/.+\?ssl=verify-full&dsn=postgresql%3A%2F%2F%3Fsslrootcert%3D%2Fetc%2Ftierform%2Fca%2Fdb%2Fca\.crt$/,
            ],
        ] as const) {
            const plan = await stagingPlan(preset);
            // The operator names its CA Secret after the Cluster: the Cluster must be `db`.
            assert.ok(object(plan, "Cluster", "db"), preset);
            const pods = [object(plan, "Deployment", service).inputs.spec.template.spec];
            const migrate = plan.resources.find(
                (r) => r.inputs?.kind === "Job" && String(r.inputs?.metadata?.name).startsWith(`${service}-migrate`),
            );
            if (migrate) pods.push(migrate.inputs.spec.template.spec);
            for (const pod of pods) {
                assert.deepEqual(
                    pod.volumes.find((v: any) => v.name === "datastore-ca"),
                    {
                        name: "datastore-ca",
                        projected: { sources: [{ secret: { name: "db-ca", items: [{ key: "ca.crt", path: "db/ca.crt" }] } }] },
                    },
                    preset,
                );
                assert.deepEqual(
                    pod.containers[0].volumeMounts.find((m: any) => m.name === "datastore-ca"),
                    { name: "datastore-ca", mountPath: "/etc/tierform/ca", readOnly: true },
                    preset,
                );
                assert.equal(envVar(pod, "DB_CA_FILE").value, "/etc/tierform/ca/db/ca.crt", preset);
            }
            assert.match(secretsOf(plan, `${service}-connections`).DATABASE_URL, client, preset);
        }
        // MySQL and MongoDB run in plain text on staging: no CA volume, no CA variable.
        const auromart = await stagingPlan("auromart");
        const web = object(auromart, "Deployment", "web").inputs.spec.template.spec;
        assert.ok(!web.volumes.some((v: any) => v.name === "datastore-ca"));
        assert.equal(envVar(web, "DB_CA_FILE"), undefined);
    });

    it("mealkitz: five Deployments with /health 30s/10s and /ready 5s/5s, HPA 3-10 at CPU 70, ServiceMonitors, RabbitMQ, 3 Postgres instances", async () => {
        const plan = await stagingPlan("mealkitz");
        const deployments = objects(plan, "Deployment");
        assert.deepEqual(deployments.map((d) => d.inputs.metadata.name).sort(), ["delivery", "notification", "order", "payment", "user"]);
        for (const d of deployments) {
            const c = d.inputs.spec.template.spec.containers[0];
            assert.deepEqual(
                [c.livenessProbe.httpGet.path, c.livenessProbe.initialDelaySeconds, c.livenessProbe.periodSeconds],
                ["/health", 30, 10],
            );
            assert.deepEqual(
                [c.readinessProbe.httpGet.path, c.readinessProbe.initialDelaySeconds, c.readinessProbe.periodSeconds],
                ["/ready", 5, 5],
            );
            const h = hpa(plan, d.inputs.metadata.name);
            assert.deepEqual([h.minReplicas, h.maxReplicas, metricTarget(h, "cpu")], [3, 10, 70]);
            assert.equal(object(plan, "ServiceMonitor", d.inputs.metadata.name).inputs.spec.endpoints[0].port, "http");
        }
        assert.equal(object(plan, "Cluster", "db").inputs.spec.instances, 3);
        assert.equal(object(plan, "StatefulSet", "events").inputs.spec.template.spec.containers[0].image, "rabbitmq:4.3.5-alpine");
        assert.match(secretsOf(plan, "order-connections").BROKER_URL, /^amqp:\/\/app:.+@events\.mealkitz\.svc\.cluster\.local:5672\/$/);
        assert.deepEqual(plan.outputs.datastores.db.readerEndpoints, ["db-ro.mealkitz.svc.cluster.local:5432"]);
    });

    it("asset-management: 1000 requests per instance is a KEDA Prometheus trigger with the CPU and memory targets", async () => {
        const plan = await stagingPlan("asset-management");
        for (const svc of ["api", "frontend"]) {
            const so = object(plan, "ScaledObject", svc).inputs.spec;
            assert.deepEqual(triggers(so), { prometheus: "1000", cpu: "70", memory: "80" });
            assert.equal(
                so.triggers[0].metadata.serverAddress,
                "http://kube-prometheus-stack-prometheus.monitoring.svc.cluster.local:9090",
            );
            assert.equal(so.scaleTargetRef.name, svc);
        }
        // The Envoy proxies are scraped, so the trigger's query has data.
        assert.equal(object(plan, "PodMonitor", "edge-proxy").inputs.spec.podMetricsEndpoints[0].path, "/stats/prometheus");
    });

    it("asset-management: CloudNativePG with 3 instances and the seed's parameters, the seed's alerts", async () => {
        const plan = await stagingPlan("asset-management");
        const cluster = object(plan, "Cluster", "db").inputs.spec;
        assert.equal(cluster.instances, 3);
        assert.deepEqual(cluster.postgresql.parameters, {
            max_connections: "200",
            shared_buffers: "4GB",
            effective_cache_size: "12GB",
            maintenance_work_mem: "1GB",
            checkpoint_completion_target: "0.9",
            wal_buffers: "16MB",
            default_statistics_target: "100",
        });
        assert.equal(cluster.bootstrap.initdb.database, "asset_management");
        assert.equal(cluster.storage.size, "200Gi");
        assert.ok(parseInt(cluster.resources.limits.memory) >= 8192, "memory fits shared_buffers 4GB");
        const groups = object(plan, "PrometheusRule", "asset-management-alerts").inputs.spec.groups;
        const all = groups.flatMap((g: any) => g.rules);
        const high = all.find((r: any) => r.alert === "HighErrorRate");
        assert.deepEqual(high, {
            alert: "HighErrorRate",
            expr: 'rate(http_requests_total{status=~"5.."}[5m]) > 0.05',
            for: "2m",
            labels: { severity: "critical" },
            annotations: { summary: "High error rate detected" },
        });
        const slow = all.find((r: any) => r.alert === "DatabaseSlowQueries");
        assert.deepEqual(slow, {
            alert: "DatabaseSlowQueries",
            expr: 'pg_stat_database_xact_commit{datname="asset_management"} > 1000',
            for: "5m",
            labels: { severity: "warning" },
            annotations: { summary: "Database experiencing slow queries" },
        });
        for (const a of ["ReplicasUnavailable", "PodCrashLooping", "BackupJobFailed", "BackupMissing"])
            assert.ok(
                all.some((r: any) => r.alert === a),
                a,
            );
    });

    it("auromart: MySQL 8 StatefulSet with PVC and headless Service, two backup CronJobs kept 30 days, admin only from internal CIDRs", async () => {
        const plan = await stagingPlan("auromart");
        const sts = object(plan, "StatefulSet", "db").inputs.spec;
        assert.equal(sts.template.spec.containers[0].image, "mysql:8.0.46");
        assert.equal(sts.volumeClaimTemplates[0].spec.resources.requests.storage, "50Gi");
        assert.equal(object(plan, "Service", "db").inputs.spec.clusterIP, "None");
        assert.deepEqual(envVar(sts.template.spec, "MYSQL_PASSWORD").valueFrom.secretKeyRef, { name: "db-credentials", key: "password" });
        assert.match(object(plan, "ConfigMap", "db-config").inputs.data["tierform.cnf"], /innodb_buffer_pool_size = 1073741824/);
        // The dump CronJobs; the restore test (its own CronJob, test/components/kubernetes/restore-test) reads them.
        const crons = objects(plan, "CronJob").filter(
            (c) => c.inputs.metadata.annotations?.[K8S_ANNOTATION.backupKind] !== RESTORE_TEST_KIND,
        );
        assert.deepEqual(crons.map((c) => c.inputs.spec.schedule).sort(), ["0 */6 * * *", "0 2 * * *"]);
        for (const c of crons) {
            assert.equal(c.inputs.metadata.annotations["tierform.io/retention-days"], "30");
            assert.equal(c.inputs.spec.concurrencyPolicy, "Forbid");
        }
        assert.match(object(plan, "ConfigMap", "db-backup-scripts").inputs.data["backup.sh"], /RETENTION_DAYS=30/);
        assert.deepEqual(
            object(plan, "CronJob", "db-backup-incremental").inputs.spec.jobTemplate.spec.template.spec.containers[0].command.slice(-2),
            ["--label", "incremental"],
        );
        const admin = object(plan, "HTTPRoute", "edge-admin-restricted").inputs;
        assert.deepEqual(
            admin.spec.rules.map((r: any) => r.matches[0].path.value),
            ["/admin"],
        );
        assert.deepEqual(
            object(plan, "SecurityPolicy", "edge-admin-restricted-allow").inputs.spec.authorization.rules[0].principal.clientCIDRs,
            ["10.0.0.0/8", "192.168.0.0/16"],
        );
        assert.ok(!object(plan, "HTTPRoute", "edge-web").inputs.spec.rules.some((r: any) => r.matches[0].path.value === "/admin"));
        // Uploads, invoices and reports on one ReadWriteMany claim, shared by web and admin (issue 11 item 5).
        const share = object(plan, "PersistentVolumeClaim", "share-files").inputs.spec;
        assert.deepEqual(
            [share.accessModes, share.storageClassName, share.resources.requests.storage],
            [["ReadWriteMany"], "nfs-csi", "20Gi"],
        );
        for (const svc of ["web", "admin"]) {
            const pod = object(plan, "Deployment", svc).inputs.spec.template.spec;
            assert.deepEqual(
                pod.volumes.find((v: any) => v.name === "share-files"),
                { name: "share-files", persistentVolumeClaim: { claimName: "share-files" } },
            );
            assert.deepEqual(
                pod.containers[0].volumeMounts.filter((m: any) => m.name === "share-files").map((m: any) => `${m.mountPath}:${m.subPath}`),
                ["/app/uploads:uploads", "/app/invoices:invoices", "/app/reports:reports"],
            );
        }
        assert.match(
            secretsOf(plan, "web-connections").DATABASE_URL,
            /^mysql:\/\/auro_user:.+@db\.auromart\.svc\.cluster\.local:3306\/auro_mart$/,
        );
    });

    it("hld-platform: MongoDB StatefulSet, app user created, MONGODB_URI by secretKeyRef, daily 03:00 backup", async () => {
        const plan = await stagingPlan("hld-platform");
        const sts = object(plan, "StatefulSet", "mongo").inputs.spec;
        assert.equal(sts.template.spec.containers[0].image, "mongo:7.0.40");
        assert.equal(sts.template.spec.securityContext.runAsUser, 999);
        assert.match(object(plan, "ConfigMap", "mongo-init").inputs.data["10-app-user.js"], /createUser/);
        assert.deepEqual(envVar(object(plan, "Deployment", "api").inputs.spec.template.spec, "MONGODB_URI").valueFrom.secretKeyRef, {
            name: "api-connections",
            key: "MONGODB_URI",
        });
        assert.match(
            secretsOf(plan, "api-connections").MONGODB_URI,
            /^mongodb:\/\/app:.+@mongo\.hld-platform\.svc\.cluster\.local:27017\/hld\?authSource=admin$/,
        );
        assert.equal(object(plan, "CronJob", "mongo-backup-full").inputs.spec.schedule, "0 3 * * *");
    });
});

function secretsOf(plan: Plan, name: string): Record<string, string> {
    return object(plan, "Secret", name).inputs.stringData;
}
