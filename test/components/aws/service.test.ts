import * as assert from "assert";
import type { AwsDatastoreBinding } from "../../../components/aws/contract";
import { CLIENTS, clientEngine, planService, RDS_CA_FILE } from "../../../plan";
import {
    AwsService,
    HEALTH_TOOLS_CONTAINER,
    MIGRATE_CONTAINER,
    VOLUME_PERMISSIONS_CONTAINER,
    serviceTimeouts,
    serviceProblems,
    containerHealthCheck,
    containerVariables,
    deploymentPercents,
    ecrRepositoryArn,
    fargateSize,
    trafficShiftDeployment,
    taskSize,
} from "../../../components/aws/service";
import { ADOT_CONTAINER, XRAY_WRITE_STATEMENT } from "../../../components/aws/service/tracing";
import type { System } from "../../../model";
import { rollout as rolloutSpec } from "../../../model/rollout";
import { ecsDeployment, type EcsDeployment } from "../../../plan/support/aws";
import { planComponent, type Plan } from "../../harness";
import { AWS_CONFIG, loadSystem } from "./helpers";
import { HEALTH_TOOLS_DIR, PROVIDED_BUSYBOX } from "../../../components/shared/health";

const ARN = (s: string) => `arn:aws:secretsmanager:us-east-1:123456789012:secret:${s}`;
const DATA_KEY = "arn:aws:kms:us-east-1:123456789012:key/data";
const ALARM_TOPIC = "arn:aws:sns:us-east-1:123456789012:alarms";

/** Bindings shaped like the data tier's: URLs as JSON-key references into each datastore's secret. */
function bindings(system: System): Record<string, AwsDatastoreBinding> {
    const out: Record<string, AwsDatastoreBinding> = {};
    for (const name of [...Object.keys(system.databases), ...Object.keys(system.caches)]) {
        const engine = clientEngine(system, name)!;
        out[name] = {
            environment: {},
            secrets: {},
            connection: {
                urls: Object.fromEntries(CLIENTS[engine].map((c) => [c, `${ARN(name)}:url_${c}::`])),
                host: `${name}.internal`,
                port: "5432",
                user: "app",
                password: `${ARN(name)}:password::`,
                database: "app",
                ...(name in system.databases ? { caFile: RDS_CA_FILE } : {}),
            },
            taskPolicyStatements:
                name in system.databases
                    ? [
                          {
                              Sid: `RdsIamConnect${name}`,
                              Effect: "Allow",
                              Action: "rds-db:connect",
                              Resource: `arn:aws:rds-db:us-east-1:123456789012:dbuser:${name}/app`,
                          },
                      ]
                    : [],
            executionSecretArns: [ARN(name)],
            executionKmsKeyArns: [DATA_KEY],
            outputs: { kind: name in system.databases ? "database" : "cache", endpoint: `${name}:1` },
        };
    }
    for (const name of Object.keys(system.queues)) {
        out[name] = {
            environment: {},
            secrets: { [`${name.toUpperCase().replace(/-/g, "_")}_URL`]: `${ARN(name)}:url::`, BROKER_URL: `${ARN(name)}:url::` },
            taskPolicyStatements: [],
            executionSecretArns: [ARN(name)],
            executionKmsKeyArns: [DATA_KEY],
            outputs: { kind: "queue", endpoint: `https://sqs/${name}` },
        };
    }
    for (const name of Object.keys(system.buckets)) {
        out[name] = {
            environment: { [`${name.toUpperCase()}_BUCKET`]: `${name}-bucket`, STORAGE_BUCKET: `${name}-bucket` },
            secrets: {},
            taskPolicyStatements: [
                {
                    Sid: `S3Objects${name}`,
                    Effect: "Allow",
                    Action: ["s3:GetObject", "s3:PutObject"],
                    Resource: `arn:aws:s3:::${name}-bucket/*`,
                },
            ],
            executionSecretArns: [],
            executionKmsKeyArns: [],
            outputs: { kind: "bucket", endpoint: `${name}-bucket` },
        };
    }
    return out;
}

/** The edge's attachment of a routed service: its target group, and for blue/green and canary the alternate one, the rule and the role. */
function loadBalancerOf(n: string, shifts: boolean) {
    const base = { targetGroupArn: `tg-${n}`, targetGroupArnSuffix: `targetgroup/${n}/1`, loadBalancerArnSuffix: "app/alb/2" };
    if (!shifts) return base;
    return {
        ...base,
        trafficShift: {
            alternateTargetGroupArn: `tg-${n}-alt`,
            alternateTargetGroupArnSuffix: `targetgroup/${n}-alt/3`,
            productionListenerRuleArn: `rule-${n}`,
            roleArn: "role-shift",
        },
    };
}

async function planServices(preset: string, names: string[], opts: { unrouted?: string[] } = {}): Promise<Plan> {
    const { system } = loadSystem(preset);
    const b = bindings(system);
    return planComponent(() => {
        for (const n of names) {
            const svc = system.services[n];
            new AwsService(n, {
                system,
                service: planService(system, svc, "aws"),
                clusterArn: "arn:aws:ecs:us-east-1:123456789012:cluster/c",
                clusterName: "c",
                subnetIds: ["private-1", "private-2", "private-3"],
                securityGroupId: `sg-${n}`,
                logsKmsKeyArn: "arn:aws:kms:us-east-1:123456789012:key/logs",
                appSecretArns: { SECRET_KEY: ARN("app-secret-key"), JWT_SECRET: ARN("app-jwt") },
                appSecretsKmsKeyArn: "arn:aws:kms:us-east-1:123456789012:key/secrets",
                bindings: b,
                alarmTopicArn: ALARM_TOPIC,
                ...(svc.kind === "web" && !opts.unrouted?.includes(n)
                    ? { loadBalancer: loadBalancerOf(n, svc.rollout.strategy !== "rolling") }
                    : {}),
            });
        }
    }, AWS_CONFIG);
}

/** The plan's ECS deployment of service `n` with its spec's rollout replaced by `rollout` (when given). */
function deploymentOf(system: System, n: string, rollout?: Record<string, unknown>): EcsDeployment {
    const svc = system.services[n];
    const service = rollout ? { ...svc, rollout: rolloutSpec.parse(rollout) } : svc;
    return ecsDeployment(planService(system, service, "aws").rollout)!;
}

const container = (plan: Plan, n: string) =>
    JSON.parse(plan.one("aws:ecs/taskDefinition:TaskDefinition", `${n}-task`).inputs.containerDefinitions)[0];
const policyOf = (plan: Plan, name: string) => JSON.parse(plan.one("aws:iam/rolePolicy:RolePolicy", name).inputs.policy).Statement;

describe("aws service", function () {
    let mdc: Plan;
    before(async () => {
        mdc = await planServices("mdc-tts", ["backend", "frontend", "worker", "beat"]);
    });

    it("runs in private subnets without public IPs, behind the ALB for web services only", () => {
        for (const n of ["backend", "frontend", "worker", "beat"]) {
            const svc = mdc.one("aws:ecs/service:Service", `${n}-service`).inputs;
            assert.deepStrictEqual(svc.networkConfiguration, {
                subnets: ["private-1", "private-2", "private-3"],
                securityGroups: [`sg-${n}`],
                assignPublicIp: false,
            });
            assert.strictEqual(svc.launchType, "FARGATE");
            assert.strictEqual(svc.enableExecuteCommand, false);
            assert.strictEqual(svc.propagateTags, "SERVICE");
            assert.deepStrictEqual(svc.deploymentCircuitBreaker, { enable: true, rollback: true });
        }
        const backend = mdc.one("aws:ecs/service:Service", "backend-service").inputs;
        assert.deepStrictEqual(backend.loadBalancers, [{ targetGroupArn: "tg-backend", containerName: "backend", containerPort: 8000 }]);
        assert.strictEqual(mdc.one("aws:ecs/service:Service", "worker-service").inputs.loadBalancers, undefined);
    });

    it("rolls out from the spec (maxSurge 1, maxUnavailable 0 of 2) and never runs the scheduler twice", () => {
        const backend = mdc.one("aws:ecs/service:Service", "backend-service").inputs;
        assert.deepStrictEqual(
            [backend.deploymentMinimumHealthyPercent, backend.deploymentMaximumPercent, backend.desiredCount],
            [100, 150, 2],
        );
        const beat = mdc.one("aws:ecs/service:Service", "beat-service").inputs;
        assert.deepStrictEqual([beat.deploymentMinimumHealthyPercent, beat.deploymentMaximumPercent, beat.desiredCount], [0, 100, 1]);
        assert.strictEqual(
            mdc.ofType("aws:appautoscaling/target:Target").filter((t) => t.name === "beat-scaling").length,
            0,
            "a scheduler does not scale",
        );
    });

    it("scales on CPU 70 %, memory 80 % and 1000 requests per target per minute between 2 and 10", () => {
        const target = mdc.one("aws:appautoscaling/target:Target", "backend-scaling").inputs;
        assert.deepStrictEqual(
            [target.minCapacity, target.maxCapacity, target.resourceId, target.scalableDimension],
            [2, 10, "service/c/backend-service", "ecs:service:DesiredCount"],
        );
        const policy = (n: string) => mdc.one("aws:appautoscaling/policy:Policy", n).inputs.targetTrackingScalingPolicyConfiguration;
        assert.deepStrictEqual(
            [policy("backend-cpu").targetValue, policy("backend-cpu").predefinedMetricSpecification.predefinedMetricType],
            [70, "ECSServiceAverageCPUUtilization"],
        );
        assert.deepStrictEqual(
            [policy("backend-memory").targetValue, policy("backend-memory").predefinedMetricSpecification.predefinedMetricType],
            [80, "ECSServiceAverageMemoryUtilization"],
        );
        assert.deepStrictEqual(policy("backend-requests").predefinedMetricSpecification, {
            predefinedMetricType: "ALBRequestCountPerTarget",
            resourceLabel: "app/alb/2/targetgroup/backend/1",
        });
        assert.strictEqual(policy("backend-requests").targetValue, 1000);
        // The worker scales on CPU only, without a load balancer.
        assert.deepStrictEqual(
            mdc
                .ofType("aws:appautoscaling/policy:Policy")
                .filter((p) => p.name.startsWith("worker-"))
                .map((p) => p.name),
            ["worker-cpu"],
        );
        assert.deepStrictEqual(
            [
                mdc.one("aws:appautoscaling/target:Target", "worker-scaling").inputs.minCapacity,
                mdc.one("aws:appautoscaling/target:Target", "worker-scaling").inputs.maxCapacity,
            ],
            [2, 6],
        );
    });

    it("builds a hardened container: read-only root with writable scratch, non-root, health check, awslogs", () => {
        const task = mdc.one("aws:ecs/taskDefinition:TaskDefinition", "frontend-task").inputs;
        assert.deepStrictEqual(
            [task.requiresCompatibilities, task.networkMode, task.cpu, task.memory],
            // The SPA's 0.25 vCPU / 512 MiB plus the trace collector's 256 MiB: the smallest Fargate size is 256/1024.
            [["FARGATE"], "awsvpc", "256", "1024"],
        );
        const c = container(mdc, "frontend");
        assert.strictEqual(c.image, "ghcr.io/mdc-sa/tts-frontend:1.4.2");
        assert.strictEqual(c.readonlyRootFilesystem, true);
        assert.strictEqual(c.user, "10001:10001");
        assert.deepStrictEqual(c.linuxParameters.capabilities.drop, ["ALL"]);
        assert.deepStrictEqual(
            c.mountPoints.map((m: any) => m.containerPath),
            ["/tmp", "/var/cache/nginx", HEALTH_TOOLS_DIR],
        );
        assert.deepStrictEqual(
            task.volumes.map((v: any) => v.name),
            c.mountPoints.map((m: any) => m.sourceVolume),
        );
        assert.deepStrictEqual(c.portMappings, [{ containerPort: 8080, protocol: "tcp" }]);
        assert.ok(c.healthCheck.command.includes("http://127.0.0.1:8080/"));
        assert.strictEqual(c.logConfiguration.logDriver, "awslogs");
        assert.strictEqual(c.logConfiguration.options["awslogs-group"], "/tierform/mdc-tts-prod/frontend");
        const backend = container(mdc, "backend");
        assert.deepStrictEqual(backend.command, ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000"]);
        const logs = mdc.one("aws:cloudwatch/logGroup:LogGroup", "backend-logs").inputs;
        assert.deepStrictEqual([logs.retentionInDays, logs.kmsKeyId], [365, "arn:aws:kms:us-east-1:123456789012:key/logs"]);
    });

    it("injects credentials only as ECS secrets, never as plain environment", () => {
        const c = container(mdc, "backend");
        const env = Object.fromEntries(c.environment.map((e: any) => [e.name, e.value]));
        const secrets = Object.fromEntries(c.secrets.map((e: any) => [e.name, e.valueFrom]));
        assert.deepStrictEqual(Object.keys(secrets).sort(), [
            "CACHE_PASSWORD",
            "CACHE_URL",
            "DATABASE_URL",
            "DB_PASSWORD",
            "DB_URL",
            "REDIS_URL",
            "SECRET_KEY",
        ]);
        assert.strictEqual(secrets.SECRET_KEY, ARN("app-secret-key"));
        // Each URL is the one in the dialect of the service's client (MDC's Django: libpq; Celery: redis-py).
        assert.strictEqual(secrets.DATABASE_URL, `${ARN("db")}:url_libpq::`);
        assert.strictEqual(secrets.REDIS_URL, `${ARN("cache")}:url_redis-py::`);
        assert.strictEqual(secrets.DB_PASSWORD, `${ARN("db")}:password::`);
        // The discrete parts that carry no credential are plain; the CA bundle path where RDS is verified.
        assert.deepStrictEqual(
            [env.DB_HOST, env.DB_PORT, env.DB_USER, env.DB_NAME, env.DB_CA_FILE],
            ["db.internal", "5432", "app", "app", RDS_CA_FILE],
        );
        assert.strictEqual(env.DJANGO_SETTINGS_MODULE, "config.settings.production");
        assert.strictEqual(env.MEDIA_BUCKET, "media-bucket");
        for (const e of c.environment)
            assert.ok(!/URL$|SECRET|PASSWORD|TOKEN/.test(e.name) || e.name === "REACT_APP_API_URL", `${e.name} is plain`);
        assert.ok(!JSON.stringify(c.environment).includes("secretsmanager"), "no secret reference in environment");
    });

    it("gives the execution role only its own secrets and keys, and the task role only the bindings' statements", () => {
        const exec = policyOf(mdc, "backend-execution");
        const stmt = (sid: string) => exec.find((s: any) => s.Sid === sid);
        assert.deepStrictEqual(stmt("OwnSecrets").Resource, [ARN("app-secret-key"), ARN("db"), ARN("cache")]);
        assert.deepStrictEqual(stmt("OwnSecretKeys").Resource, ["arn:aws:kms:us-east-1:123456789012:key/secrets", DATA_KEY]);
        assert.strictEqual(stmt("Logs").Resource, "arn:aws:cloudwatch:us-east-1:123456789012:loggroup/backend-logs:log-stream:*");
        assert.strictEqual(stmt("EcrAuth"), undefined, "no ECR rights for a ghcr.io image");
        for (const s of exec) assert.notStrictEqual(s.Resource, "*", s.Sid);
        // The frontend uses nothing and lists no secrets: logs only, and its task role only the trace collector's X-Ray writes.
        assert.deepStrictEqual(
            policyOf(mdc, "frontend-execution").map((s: any) => s.Sid),
            ["Logs"],
        );
        assert.deepStrictEqual(policyOf(mdc, "frontend-task"), [XRAY_WRITE_STATEMENT]);
        const task = policyOf(mdc, "backend-task");
        assert.deepStrictEqual(
            task.map((s: any) => s.Sid),
            ["RdsIamConnectdb", "S3Objectsmedia", "S3Objectsstatic", "XRayWrite"],
        );
        // beat uses db and cache only: no bucket rights.
        assert.deepStrictEqual(
            policyOf(mdc, "beat-task").map((s: any) => s.Sid),
            ["RdsIamConnectdb", "XRayWrite"],
        );
        const trust = JSON.parse(mdc.one("aws:iam/role:Role", "backend-task").inputs.assumeRolePolicy).Statement[0];
        assert.deepStrictEqual(trust.Principal, { Service: "ecs-tasks.amazonaws.com" });
        assert.deepStrictEqual(trust.Condition, { StringEquals: { "aws:SourceAccount": "123456789012" } });
    });

    it("maps resources to valid Fargate sizes and rollouts to percentages", () => {
        assert.deepStrictEqual(fargateSize(0.25, 256), { cpu: 256, memory: 512 });
        assert.deepStrictEqual(fargateSize(1, 2048), { cpu: 1024, memory: 2048 });
        assert.deepStrictEqual(fargateSize(0.5, 6000), { cpu: 1024, memory: 6144 });
        assert.deepStrictEqual(fargateSize(3, 4096), { cpu: 4096, memory: 8192 });
        assert.throws(() => fargateSize(16, 200000), /no Fargate task size/);
        const { system: mdcSystem } = loadSystem("mdc-tts");
        assert.deepStrictEqual(serviceProblems(mdcSystem.services.backend), []);
        assert.deepStrictEqual(
            serviceProblems({ ...mdcSystem.services.backend, resources: { cpu: 32, memoryMb: 1024 } }).map((p) => p.where),
            ["services.backend.resources"],
        );
        const { system } = loadSystem("mealkitz");
        const order = planService(system, system.services.order, "aws");
        assert.deepStrictEqual(deploymentPercents(order, order.replicas), {
            minimumHealthyPercent: 100,
            maximumPercent: 134,
        });
        assert.deepStrictEqual(
            deploymentPercents({ ...order, rollout: { ...order.rollout, rolling: { maxSurge: 0, maxUnavailable: 1 } } }, order.replicas),
            { minimumHealthyPercent: 66, maximumPercent: 100 },
        );
        assert.strictEqual(
            ecrRepositoryArn("123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/app:1.0"),
            "arn:aws:ecr:eu-west-1:123456789012:repository/team/app",
        );
        assert.strictEqual(ecrRepositoryArn("ghcr.io/x/y:1"), undefined);
    });

    it("health-checks the Celery worker with the spec's exec command (CMD form), web services over HTTP, and beat not at all", () => {
        assert.deepStrictEqual(container(mdc, "worker").healthCheck, {
            command: ["CMD", "sh", "-c", "celery -A config inspect ping --destination celery@$HOSTNAME --timeout 10"],
            interval: 30,
            timeout: 20,
            retries: 3,
            startPeriod: 30,
        });
        assert.deepStrictEqual(container(mdc, "backend").healthCheck.command.slice(0, 2), ["CMD", PROVIDED_BUSYBOX]);
        assert.strictEqual(container(mdc, "beat").healthCheck, undefined, "no command and no port: ECS watches the process");
        const { system } = loadSystem("mdc-tts");
        // A web service's exec check (no HTTP probe) runs in CMD form.
        assert.deepStrictEqual(
            containerHealthCheck(planService(system, { ...system.services.backend, health: { command: ["/bin/check"] } }, "aws"))?.command,
            ["CMD", "/bin/check"],
        );
    });

    it("deploys blue/green and canary services with ECS's own strategies on the edge's two target groups", async () => {
        const plan = await planServices("asset-management", ["api", "frontend"]);
        const api = plan.one("aws:ecs/service:Service", "api-service").inputs;
        assert.deepStrictEqual(api.loadBalancers, [
            {
                targetGroupArn: "tg-api",
                containerName: "api",
                containerPort: 3000,
                advancedConfiguration: { alternateTargetGroupArn: "tg-api-alt", productionListenerRule: "rule-api", roleArn: "role-shift" },
            },
        ]);
        assert.deepStrictEqual(api.deploymentConfiguration, { strategy: "BLUE_GREEN", bakeTimeInMinutes: "10" });
        assert.deepStrictEqual([api.deploymentMinimumHealthyPercent, api.deploymentMaximumPercent], [100, 200]);
        assert.deepStrictEqual(api.deploymentCircuitBreaker, { enable: true, rollback: true });
        const frontend = plan.one("aws:ecs/service:Service", "frontend-service").inputs;
        // The seed's 5 → 25 → 50 → 100 (5m, 5m, 10m): 5 % for 5 minutes, then all traffic, the old set kept 15 minutes.
        assert.deepStrictEqual(frontend.deploymentConfiguration, {
            strategy: "CANARY",
            bakeTimeInMinutes: "15",
            canaryConfiguration: { canaryPercent: 5, canaryBakeTimeInMinutes: "5" },
        });
        // Requests per target follow whichever target group is live.
        const requests = plan.one("aws:appautoscaling/policy:Policy", "api-requests").inputs.targetTrackingScalingPolicyConfiguration;
        assert.strictEqual(requests.predefinedMetricSpecification, undefined);
        const groups = requests.customizedMetricSpecification.metrics
            .filter((m: any) => m.metricStat)
            .map((m: any) => m.metricStat.metric.dimensions.find((d: any) => d.name === "TargetGroup").value);
        assert.deepStrictEqual(groups, ["targetgroup/api/1", "targetgroup/api-alt/3"]);
        assert.strictEqual(requests.targetValue, 1000);
        // Without a load balancer there is no traffic to shift: the service rolls.
        const unrouted = await planServices("asset-management", ["api"], { unrouted: ["api"] });
        assert.strictEqual(unrouted.one("aws:ecs/service:Service", "api-service").inputs.deploymentConfiguration, undefined);
    });

    it("runs the spec's migration in a hardened init container the application waits for", () => {
        const [app, migrate] = JSON.parse(mdc.one("aws:ecs/taskDefinition:TaskDefinition", "backend-task").inputs.containerDefinitions);
        assert.deepStrictEqual(migrate.command, ["python", "manage.py", "migrate", "--noinput"]);
        assert.strictEqual(migrate.name, MIGRATE_CONTAINER);
        assert.strictEqual(migrate.essential, false);
        assert.strictEqual(migrate.image, app.image);
        assert.deepStrictEqual(app.dependsOn, [
            { containerName: VOLUME_PERMISSIONS_CONTAINER, condition: "SUCCESS" },
            { containerName: MIGRATE_CONTAINER, condition: "SUCCESS" },
            { containerName: HEALTH_TOOLS_CONTAINER, condition: "SUCCESS" },
            { containerName: ADOT_CONTAINER, condition: "START" },
        ]);
        assert.deepStrictEqual(migrate.dependsOn, [{ containerName: VOLUME_PERMISSIONS_CONTAINER, condition: "SUCCESS" }]);
        // Same credentials, hardening and log group as the application; its own log stream.
        for (const key of ["secrets", "environment", "user", "readonlyRootFilesystem", "privileged", "linuxParameters"])
            assert.deepStrictEqual(migrate[key], app[key], key);
        // The same mounts but the health tool, which only the application's check runs.
        assert.deepStrictEqual(
            migrate.mountPoints,
            app.mountPoints.filter((m: any) => m.containerPath !== HEALTH_TOOLS_DIR),
        );
        assert.deepStrictEqual(
            [migrate.logConfiguration.options["awslogs-group"], migrate.logConfiguration.options["awslogs-stream-prefix"]],
            [app.logConfiguration.options["awslogs-group"], "migrate"],
        );
        assert.strictEqual(migrate.portMappings, undefined);
        // Services without `migrate` run no migrate container and wait only for their volumes.
        assert.deepStrictEqual(
            JSON.parse(mdc.one("aws:ecs/taskDefinition:TaskDefinition", "worker-task").inputs.containerDefinitions).map((c: any) => c.name),
            ["worker", VOLUME_PERMISSIONS_CONTAINER, ADOT_CONTAINER],
        );
        assert.deepStrictEqual(container(mdc, "worker").dependsOn, [
            { containerName: VOLUME_PERMISSIONS_CONTAINER, condition: "SUCCESS" },
            { containerName: ADOT_CONTAINER, condition: "START" },
        ]);
    });

    it("makes every writable path the task user's before anything starts: Fargate bind mounts are root:0755", () => {
        for (const n of ["backend", "frontend", "worker", "beat"]) {
            const defs = JSON.parse(mdc.one("aws:ecs/taskDefinition:TaskDefinition", `${n}-task`).inputs.containerDefinitions);
            const app = defs[0];
            const init = defs.find((c: any) => c.name === VOLUME_PERMISSIONS_CONTAINER);
            assert.ok(init, `${n}: a volume-permissions container`);
            const uid = app.user.split(":")[0];
            assert.notStrictEqual(uid, "0");
            const scratch = app.mountPoints.filter((m: any) => m.containerPath !== HEALTH_TOOLS_DIR);
            const paths = scratch.map((m: any) => m.containerPath);
            assert.ok(paths.length > 0, `${n} has writable paths`);
            // It chowns exactly the application's mount points to the application's uid, and nothing else.
            assert.deepStrictEqual(init.command, ["chown", `${uid}:${uid}`, ...paths]);
            assert.deepStrictEqual(init.mountPoints, scratch);
            assert.strictEqual(init.essential, false);
            assert.strictEqual(init.readonlyRootFilesystem, true);
            assert.ok(
                !init.linuxParameters.capabilities.drop.includes("CHOWN") &&
                    init.linuxParameters.capabilities.drop.includes("DAC_OVERRIDE"),
                "keeps CHOWN only",
            );
            assert.match(init.image, /^public\.ecr\.aws\/docker\/library\/busybox:\d+\.\d+\.\d+-musl$/);
            // The trace collector mounts no writable path: it need not wait.
            const waiting = [VOLUME_PERMISSIONS_CONTAINER, HEALTH_TOOLS_CONTAINER, ADOT_CONTAINER];
            for (const c of defs.filter((x: any) => !waiting.includes(x.name))) {
                assert.ok(
                    c.dependsOn?.some((d: any) => d.containerName === VOLUME_PERMISSIONS_CONTAINER && d.condition === "SUCCESS"),
                    `${n}/${c.name} waits for its volumes`,
                );
            }
        }
    });

    it("right-sizes tasks: the spec's resources are honoured, a scheduler defaults smaller than a web service", () => {
        const size = (n: string) => {
            const t = mdc.one("aws:ecs/taskDefinition:TaskDefinition", `${n}-task`).inputs;
            return `${t.cpu}/${t.memory}`;
        };
        // Each with the trace collector's 256 MiB on top (prod traces are on), rounded up to a Fargate size.
        assert.strictEqual(size("backend"), "1024/3072", "the prod default, 1 vCPU / 2 GiB");
        assert.strictEqual(size("frontend"), "256/1024", "the SPA's spec resources, 0.25 vCPU / 512 MiB");
        assert.strictEqual(size("beat"), "256/1024", "Celery beat: the prod scheduler default, 0.25 vCPU / 512 MiB");
        assert.deepStrictEqual(taskSize({ resources: { cpu: 1, memoryMb: 2048 } }, false), { cpu: 1024, memory: 2048 });
        assert.deepStrictEqual(taskSize({ resources: { cpu: 1, memoryMb: 2048 } }, true), { cpu: 1024, memory: 3072 });
    });

    it("waits for steady state (a broken deployment fails `pulumi up`) with room for the bake times, after its role policies", () => {
        for (const n of ["backend", "frontend", "worker", "beat"]) {
            const svc = mdc.one("aws:ecs/service:Service", `${n}-service`);
            assert.strictEqual(svc.inputs.waitForSteadyState, true, n);
            assert.strictEqual(svc.options.customTimeouts.update, "30m");
            for (const policy of mdc
                .ofType("aws:iam/rolePolicy:RolePolicy")
                .filter((p) => p.name === `${n}-execution` || p.name === `${n}-task`)) {
                assert.ok(svc.dependencies.includes(policy.urn), `${n} waits for ${policy.name}`);
            }
        }
        const mk = loadSystem("mealkitz").system;
        assert.deepStrictEqual(serviceTimeouts(deploymentOf(mk, "payment")), { create: "40m", update: "40m" }, "blue/green: the 10m bake");
        assert.deepStrictEqual(
            serviceTimeouts(deploymentOf(mk, "order", { strategy: "canary", canarySteps: [25, 50, 75, 100] })),
            { create: "55m", update: "55m" },
            "linear: four 5-minute steps and the 5-minute bake",
        );
    });

    it("runs the plan's ECS deployment: blue/green with its bake, a canary's first step for its pause, evenly spaced steps as linear", () => {
        const { system } = loadSystem("mealkitz");
        const canary = (rollout: Record<string, unknown>) =>
            trafficShiftDeployment(deploymentOf(system, "order", { strategy: "canary", ...rollout }));
        assert.deepStrictEqual(canary({ canarySteps: [10, 50, 100] }), {
            strategy: "CANARY",
            bakeTimeInMinutes: "5",
            canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: "5" },
        });
        assert.deepStrictEqual(canary({ canarySteps: [25, 50, 75, 100] }), {
            strategy: "LINEAR",
            bakeTimeInMinutes: "5",
            linearConfiguration: { stepPercent: 25, stepBakeTimeInMinutes: "5" },
        });
        // 5 → 25 → 50 → 100 with 5m, 5m, 10m: 5 % for 5 minutes, then all traffic with the old set kept the later 15 minutes.
        assert.deepStrictEqual(
            canary({ steps: [{ weight: 5, pause: "5m" }, { weight: 25, pause: "5m" }, { weight: 50, pause: "10m" }, { weight: 100 }] }),
            {
                strategy: "CANARY",
                bakeTimeInMinutes: "15",
                canaryConfiguration: { canaryPercent: 5, canaryBakeTimeInMinutes: "5" },
            },
        );
        assert.deepStrictEqual(trafficShiftDeployment(deploymentOf(system, "payment", { strategy: "blueGreen", bake: "90s" })), {
            strategy: "BLUE_GREEN",
            bakeTimeInMinutes: "2",
        });
    });

    it("refuses a binding that hands credentials over as a plain variable", () => {
        const { system } = loadSystem("mdc-tts");
        const b = bindings(system);
        b.db = { ...b.db, connection: undefined, secrets: {}, environment: { DB_URL: "postgresql://app:pw@db:5432/x" } };
        assert.throws(
            () => containerVariables(planService(system, system.services.backend, "aws"), { SECRET_KEY: "s" }, b),
            /credentials never travel as plain variables/,
        );
    });

    it("rolls a blue/green or canary deployment back when a target group's 5xx rate or p99 latency breaches the system's thresholds", async () => {
        const { system } = loadSystem("hld-platform");
        const hld = await planServices("hld-platform", ["api", "web", "worker"]);
        const analysisOf = (n: string) => planService(system, system.services[n], "aws").rollout.analysis!;
        for (const [n, strategy] of [
            ["api", "BLUE_GREEN"],
            ["web", "CANARY"],
        ]) {
            const svc = hld.one("aws:ecs/service:Service", `${n}-service`).inputs;
            assert.strictEqual(svc.deploymentConfiguration.strategy, strategy, n);
            const errors = hld.one("aws:cloudwatch/metricAlarm:MetricAlarm", `${n}-rollout-5xx`).inputs;
            const latency = hld.one("aws:cloudwatch/metricAlarm:MetricAlarm", `${n}-rollout-latency`).inputs;
            assert.deepStrictEqual(svc.alarms, { alarmNames: [errors.name, latency.name], enable: true, rollback: true }, n);
            assert.deepStrictEqual(svc.deploymentCircuitBreaker, { enable: true, rollback: true }, n);
            // The rollout's analysis: web's own 1 %, api the system's monitoring thresholds (plan/rollout.ts).
            assert.strictEqual(errors.threshold, analysisOf(n).errorRatePercent, `${n}: the analysis's 5xx share`);
            assert.strictEqual(errors.threshold, n === "web" ? 1 : system.monitoring.errorRatePercent, n);
            assert.strictEqual(latency.threshold, analysisOf(n).latencyMs / 1000, `${n}: the latency bound in seconds`);
            for (const alarm of [errors, latency]) {
                assert.strictEqual(alarm.comparisonOperator, "GreaterThanThreshold");
                assert.deepStrictEqual([alarm.evaluationPeriods, alarm.datapointsToAlarm], [3, 2], "2 breaching minutes of 3");
                assert.strictEqual(alarm.treatMissingData, "notBreaching", "no traffic is no failure");
                assert.deepStrictEqual(alarm.alarmActions, [ALARM_TOPIC]);
                // Both target groups, each on its own: ECS swaps them at every deployment.
                const groups = alarm.metricQueries.filter((q: any) => q.metric).map((q: any) => q.metric.dimensions.TargetGroup);
                assert.deepStrictEqual(new Set(groups), new Set([`targetgroup/${n}/1`, `targetgroup/${n}-alt/3`]), n);
                assert.ok(alarm.metricQueries.every((q: any) => !q.metric || q.metric.period === 60));
                assert.deepStrictEqual(
                    alarm.metricQueries.filter((q: any) => q.returnData).map((q: any) => q.id),
                    ["worst"],
                    "one series judged",
                );
            }
            const worst = errors.metricQueries.find((q: any) => q.id === "worst").expression;
            assert.strictEqual(worst, "MAX([rateprimary, ratealternate])");
            assert.ok(
                latency.metricQueries.filter((q: any) => q.metric).every((q: any) => q.metric.stat === "p99"),
                "the percentile statistic",
            );
        }
        assert.strictEqual(hld.one("aws:ecs/service:Service", "worker-service").inputs.alarms, undefined, "a worker rolls");
        assert.deepStrictEqual(
            hld
                .ofType("aws:cloudwatch/metricAlarm:MetricAlarm")
                .map((a) => a.name)
                .sort(),
            ["api-rollout-5xx", "api-rollout-latency", "web-rollout-5xx", "web-rollout-latency"],
            "no alarm for a rolling service",
        );
    });
});
