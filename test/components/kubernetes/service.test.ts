import { strict as assert } from "assert";
import { planComponent } from "../../harness";
import { deploymentStrategy, hpaMetrics, KubernetesService, workloadProbes } from "../../../components/kubernetes/service";
import { planService, replicasOf } from "../../../plan";
import { bindingsOf, context, object, objects, stagingStack } from "./fixtures";

describe("kubernetes service (app tier)", () => {
    const ctx = context("hld-platform");
    // The resolved system beside its plan: a test changes a service's spec, then plans it.
    const hld = stagingStack("hld-platform").system;
    const svc = hld.services;
    const planned = ctx.system.services;

    it("maps rollouts: rolling as given, blue/green as a full surge, canary as its first step; a scheduler is always one", () => {
        const strategy = (s: string) => deploymentStrategy(planned[s].rollout);
        assert.deepEqual(strategy("api"), { type: "RollingUpdate", rollingUpdate: { maxSurge: "100%", maxUnavailable: 0 } });
        assert.deepEqual(strategy("web"), { type: "RollingUpdate", rollingUpdate: { maxSurge: "10%", maxUnavailable: 0 } });
        assert.deepEqual(strategy("worker"), { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
        const beat = stagingStack("mdc-tts").system.services.beat;
        assert.deepEqual(replicasOf({ ...beat, replicas: { min: 1, max: 3 } }), { min: 1, max: 1 });
    });

    it("runs a scheduler as a one-replica StatefulSet (never two at once), without Service or HPA", async () => {
        const mdc = context("mdc-tts");
        const model = stagingStack("mdc-tts").system;
        const beat = planService(model, { ...model.services.beat, replicas: { min: 1, max: 3 } }, "kubernetes");
        const plan = await planComponent(
            () => new KubernetesService("t", { ctx: mdc, plan: beat, bindings: bindingsOf(mdc.system, { db: "x", cache: "y" }) }).address,
        );
        assert.equal(objects(plan, "Deployment").length, 0, "a Deployment replaces an evicted pod before the old one is gone");
        const sts = object(plan, "StatefulSet", "beat").inputs.spec;
        assert.deepEqual(
            [sts.replicas, sts.podManagementPolicy, sts.updateStrategy.type, sts.volumeClaimTemplates],
            [1, "OrderedReady", "RollingUpdate", undefined],
        );
        assert.deepEqual(sts.template.spec.containers[0].args.slice(0, 4), ["celery", "-A", "config", "beat"]);
        assert.deepEqual(sts.template.spec.containers[0].args, beat.command, "args: the image keeps its ENTRYPOINT, as on Docker and ECS");
        assert.equal(sts.template.spec.containers[0].command, undefined);
        assert.equal(objects(plan, "Service").length + objects(plan, "HorizontalPodAutoscaler").length, 0);
        assert.equal(object(plan, "PodDisruptionBudget", "beat").inputs.spec.maxUnavailable, 1, "a drain may still move it");
        assert.equal(plan.outputs, "beat");
    });

    it("scales on the plan's CPU and memory targets (CPU 70 by default); the HPA never carries requests per minute", () => {
        const metrics = (s: typeof svc.api) =>
            hpaMetrics(planService(hld, s, "kubernetes")).map((m: any) => `${m.resource.name}=${m.resource.target.averageUtilization}`);
        assert.deepEqual(metrics(svc.api), ["cpu=70", "memory=80"]);
        assert.deepEqual(metrics(svc.worker), ["cpu=70"]);
        assert.ok(hpaMetrics(context("mdc-tts").system.services.backend).every((m: any) => m.type === "Resource"));
    });

    it("probes web services over HTTP and workers by their main process", () => {
        assert.equal((workloadProbes(planned.api).readinessProbe as any).httpGet.path, "/api/ready");
        const w = workloadProbes(planned.worker);
        assert.match(((w.livenessProbe as any).exec.command as string[]).join(" "), /\/proc\/1\/status/);
    });

    it("runs health.command as the exec liveness and readiness probe (MDC's Celery worker)", async () => {
        const mdc = context("mdc-tts");
        const model = stagingStack("mdc-tts").system;
        const ping = ["sh", "-c", "celery -A config inspect ping --destination celery@$HOSTNAME --timeout 10"];
        assert.deepEqual(model.services.worker.health.command, ping);
        const plan = await planComponent(
            () =>
                new KubernetesService("t", {
                    ctx: mdc,
                    plan: mdc.system.services.worker,
                    bindings: bindingsOf(mdc.system, { db: "x", cache: "y", media: "b" }),
                }).address,
        );
        const c = object(plan, "Deployment", "worker").inputs.spec.template.spec.containers[0];
        assert.deepEqual(c.livenessProbe, {
            exec: { command: ping },
            initialDelaySeconds: 30,
            periodSeconds: 30,
            timeoutSeconds: 20,
            failureThreshold: 3,
        });
        assert.deepEqual(c.readinessProbe.exec.command, ping);
        assert.ok(c.livenessProbe.timeoutSeconds > 10, "the probe outlives celery's own --timeout 10");
        // A web service with one HTTP probe uses it for both (the loader refuses HTTP probes together with a command).
        const api = { ...svc.api, health: { readiness: svc.api.health.readiness } };
        const probes = workloadProbes(planService(hld, api, "kubernetes")) as any;
        assert.deepEqual([probes.livenessProbe.httpGet.path, probes.readinessProbe.httpGet.path], ["/api/ready", "/api/ready"]);
    });

    it("builds Deployment, Service, HPA, PDB and the connection Secret", async () => {
        // Rolling: a blue-green or canary hands the pods to an Argo Rollouts Rollout (rollout.test.ts).
        const api = { ...svc.api, rollout: { ...svc.api.rollout, strategy: "rolling" as const, prePromotion: [] } };
        const plan = await planComponent(
            () =>
                new KubernetesService("t", {
                    ctx,
                    plan: planService(hld, api, "kubernetes"),
                    bindings: bindingsOf(ctx.system, { mongo: "mongodb://app:pw@mongo:27017/hld", cache: "redis://:pw@cache:6379/0" }),
                }).address,
        );
        const d = object(plan, "Deployment", "api").inputs.spec;
        assert.equal(d.replicas, undefined, "the HPA owns the replica count");
        const pod = d.template.spec;
        assert.deepEqual(
            pod.topologySpreadConstraints.map((t: any) => t.topologyKey),
            ["kubernetes.io/hostname", "topology.kubernetes.io/zone"],
        );
        assert.deepEqual(pod.volumes, [{ name: "writable-0", emptyDir: { sizeLimit: "1Gi" } }]);
        assert.deepEqual(pod.containers[0].volumeMounts, [{ name: "writable-0", mountPath: "/tmp" }]);
        assert.equal(pod.securityContext.runAsUser, 10001);
        const env = Object.fromEntries(
            pod.containers[0].env.map((e: any) => [e.name, e.value ?? `${e.valueFrom.secretKeyRef.name}/${e.valueFrom.secretKeyRef.key}`]),
        );
        assert.deepEqual(env, {
            HOME: "/tmp",
            TMPDIR: "/tmp",
            XDG_CACHE_HOME: "/tmp/.cache",
            PYTHONPYCACHEPREFIX: "/tmp/.cache/pycache",
            OTEL_SERVICE_NAME: "api",
            OTEL_RESOURCE_ATTRIBUTES: "service.namespace=hld-platform,deployment.environment.name=staging",
            OTEL_EXPORTER_OTLP_ENDPOINT: "http://otel-collector.monitoring.svc.cluster.local:4318",
            OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf",
            OTEL_TRACES_EXPORTER: "otlp",
            OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
            OTEL_TRACES_SAMPLER_ARG: "1",
            OTEL_METRICS_EXPORTER: "none",
            OTEL_LOGS_EXPORTER: "none",
            NODE_ENV: "production",
            CONFIG_VALIDATE_ON_STARTUP: "true",
            LOG_FORMAT: "json",
            MONGO_URL: "api-connections/MONGO_URL",
            MONGODB_URI: "api-connections/MONGODB_URI",
            MONGO_HOST: "mongo-host",
            MONGO_PORT: "1",
            MONGO_USER: "app",
            MONGO_PASSWORD: "api-connections/MONGO_PASSWORD",
            MONGO_NAME: "app",
            CACHE_URL: "api-connections/CACHE_URL",
            REDIS_URL: "api-connections/REDIS_URL",
            CACHE_HOST: "cache-host",
            CACHE_PORT: "1",
            CACHE_PASSWORD: "api-connections/CACHE_PASSWORD",
            JWT_SECRET: "app-secrets/JWT_SECRET",
        });
        assert.equal(object(plan, "Secret", "api-connections").inputs.stringData.REDIS_URL, "redis://:pw@cache:6379/0");
        assert.ok(
            object(plan, "Secret", "api-connections").secretPaths.some((p) => p.startsWith("stringData")),
            "connection strings stay secret",
        );
        assert.deepEqual(object(plan, "Service", "api").inputs.spec.ports, [
            { name: "http", port: 3000, targetPort: "http", protocol: "TCP" },
        ]);
        assert.deepEqual(
            [
                object(plan, "HorizontalPodAutoscaler", "api").inputs.spec.minReplicas,
                object(plan, "HorizontalPodAutoscaler", "api").inputs.spec.maxReplicas,
            ],
            [2, 6],
        );
        assert.equal(object(plan, "PodDisruptionBudget", "api").inputs.spec.maxUnavailable, 1);
        assert.equal(plan.outputs, "api.hld-platform.svc.cluster.local:3000");
    });

    it("runs the migration as a Job the Deployment waits for, named by version", async () => {
        const mdc = context("mdc-tts");
        const plan = await planComponent(
            () =>
                new KubernetesService("t", {
                    ctx: mdc,
                    plan: mdc.system.services.backend,
                    bindings: bindingsOf(mdc.system, { db: "x", cache: "y", media: "b1", static: "b2" }),
                }).address,
        );
        const job = objects(plan, "Job")[0];
        assert.match(job.inputs.metadata.name, /^backend-migrate-[0-9a-f]{8}$/);
        assert.deepEqual(job.inputs.spec.template.spec.containers[0].args, ["python", "manage.py", "migrate", "--noinput"]);
        assert.equal(
            job.inputs.spec.template.metadata.labels["app.kubernetes.io/instance"],
            "mdc-tts-backend-migrate",
            "not selected by the backend Service",
        );
        assert.ok(object(plan, "Deployment", "backend").dependencies.includes(job.urn));
    });
});
