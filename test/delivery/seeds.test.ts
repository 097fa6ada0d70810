/**
 * docs/seeds.md stays true: every ✔ cell (a seed's demand met on a platform) is checked against
 * that preset's plan on that stack. Each row id has a predicate per platform in CHECKS below; a ✔
 * without a predicate, or whose predicate fails, fails the test. The predicates look at behaviour
 * (an image's version, a command-line flag, a schedule), not at logical names, so they survive
 * refactoring of the platforms.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { planStack, type Plan, type PlannedResource } from "../harness";
import { loadStack, presetNames, PROJECT_ROOT } from "../../model";
import { runPolicyReport, checklistRows } from "../../scripts/offline/policy-report";

type Platform = "dev" | "staging" | "prod";
type Check = (p: Plan) => boolean;

const PRESET_OF: Record<string, string> = { am: "auromart", mdc: "mdc-tts", mk: "mealkitz", amg: "asset-management", hld: "hld-platform" };

/** One row of docs/seeds.md. */
interface Row {
    id: string;
    demand: string;
    cells: Record<Platform, string>;
}

/** The rows of every table in docs/seeds.md. */
export function seedRows(markdown: string): Row[] {
    const rows: Row[] = [];
    for (const line of markdown.split("\n")) {
        const cols = line.split("|").map((c) => c.trim());
        if (cols.length < 7 || !/^[a-z]+-[a-z0-9-]+$/.test(cols[1])) continue;
        rows.push({ id: cols[1], demand: cols[2], cells: { dev: cols[3], staging: cols[4], prod: cols[5] } });
    }
    return rows;
}

const text = (r: PlannedResource) => JSON.stringify(r.inputs).replace(/\\"/g, '"');
/** Some custom resource of a type matching `type` whose inputs match every pattern. */
const has =
    (type: RegExp, ...patterns: RegExp[]): Check =>
    (p) =>
        p.resources.some((r) => r.custom && type.test(r.type) && patterns.every((x) => x.test(text(r))));
/** At least `n` custom resources of `type` whose inputs match every pattern. */
const atLeast =
    (n: number, type: RegExp, ...patterns: RegExp[]): Check =>
    (p) =>
        p.resources.filter((r) => r.custom && type.test(r.type) && patterns.every((x) => x.test(text(r)))).length >= n;
const all =
    (...checks: Check[]): Check =>
    (p) =>
        checks.every((c) => c(p));

const CONTAINER = /^docker:index\/container:Container$/;
const K8S_WORKLOAD = /^kubernetes:(apps\/v1:(Deployment|StatefulSet)|batch\/v1:(CronJob|Job))$/;
const K8S = /^kubernetes:/;
const HPA = /^kubernetes:autoscaling\/v2:HorizontalPodAutoscaler$/;
const TASK = /^aws:ecs\/taskDefinition:TaskDefinition$/;
const ECS_SERVICE = /^aws:ecs\/service:Service$/;
const RDS = /^aws:rds\/instance:Instance$/;
const SCALING_POLICY = /^aws:appautoscaling\/policy:Policy$/;
const SCALING_TARGET = /^aws:appautoscaling\/target:Target$/;
const BACKUP_PLAN = /^aws:backup\/plan:Plan$/;

const workflow = (file: string) => fs.readFileSync(path.join(PROJECT_ROOT, ".github", "workflows", file), "utf8");
const ciScans: Check = () =>
    /npm audit --audit-level=(high|critical)/.test(workflow("pr.yml")) && /trivy:\d[\d.]* image/.test(workflow("pr.yml"));
const prodApproval: Check = () => /environment: production/.test(workflow("deploy.yml"));
const albHttps = all(
    has(/^aws:lb\/listener:Listener$/, /"protocol":"HTTPS"|"protocol": "HTTPS"/),
    has(/^aws:lb\/listener:Listener$/, /HTTP_301|redirect/),
);
const nginxTls = has(CONTAINER, /ssl_certificate/, /return 301 https/);
const k8sTls = has(K8S, /"tls"|"TLS"|protocol": "HTTPS"|"certificateRefs"/);
const regions = (p: Plan) => new Set(p.resources.filter((r) => r.type === "pulumi:providers:aws").map((r) => r.inputs.region)).size;
const noPlaintextSecrets: Check = (p) => !runPolicyReport(p.run, "prod").violations.some((v) => v.policy === "no-plaintext-secrets");
const loaderRefuses: Check = () => {
    try {
        loadStack({ "tierform:system": "hld-platform", "tierform:overrides": JSON.stringify({ services: { api: { port: "eighty" } } }) });
        return false;
    } catch (err) {
        return /services\.api\.port/.test((err as Error).message);
    }
};

/** Per row id and platform: what a ✔ claims, as a predicate on that preset's plan. */
const CHECKS: Record<string, Partial<Record<Platform, Check>>> = {
    "am-web-replicas": {
        dev: all(has(CONTAINER, /nginx/, /upstream/), atLeast(2, CONTAINER, /gunicorn/, /create_app/)),
        staging: all(has(K8S_WORKLOAD, /gunicorn/), has(HPA, /"minReplicas":\s?([2-9]|\d\d)/)),
        prod: all(has(/^aws:lb\/loadBalancer:LoadBalancer$/, /"internal":\s?false/), has(ECS_SERVICE, /"desiredCount":\s?([2-9]|\d\d)/)),
    },
    "am-mysql-80": {
        dev: has(CONTAINER, /mysql:8\.0\.\d+/, /\/var\/lib\/mysql/),
        staging: has(/StatefulSet/, /mysql:8\.0\.\d+/, /volumeClaimTemplates/),
        prod: has(RDS, /"engine":\s?"mysql"/, /"engineVersion":\s?"8\.0/),
    },
    "am-backup-schedule": {
        dev: has(CONTAINER, /0 2 \* \* \*/, /0 \*\/6 \* \* \*/),
        staging: all(has(/CronJob/, /"schedule":\s?"0 2 \* \* \*"/), has(/CronJob/, /"schedule":\s?"0 \*\/6 \* \* \*"/)),
        prod: has(BACKUP_PLAN, /cron\(0 2 \* \* \? \*\)/, /cron\(0 (0|\*)\/6 \* \* \? \*\)/),
    },
    "am-retention-30": {
        dev: has(CONTAINER, /retention-days", "value": "30"|RETENTION_DAYS=30|-mtime \+30/),
        staging: has(/CronJob|ConfigMap/, /RETENTION_DAYS", "value": "30"|RETENTION_DAYS=30|-mtime \+30|retention.{0,20}30/),
        prod: has(BACKUP_PLAN, /"deleteAfter":\s?30/),
    },
    "am-admin-internal": {
        dev: has(CONTAINER, /allow 10\.0\.0\.0\/8;/, /deny all;/),
        staging: has(K8S, /10\.0\.0\.0\/8/, /192\.168\.0\.0\/16/),
        prod: all(
            has(/^aws:lb\/loadBalancer:LoadBalancer$/, /"internal":\s?true/),
            has(/^aws:lb\/listenerRule:ListenerRule$/, /"\/admin"/, /"sourceIp"/, /10\.0\.0\.0\/8/, /192\.168\.0\.0\/16/),
            has(/^aws:vpc\/securityGroupIngressRule:SecurityGroupIngressRule$/, /"cidrIpv4":\s?"192\.168\.0\.0\/16"/, /"fromPort":\s?443/),
        ),
    },
    "am-shared-files": {
        dev: (p) => {
            const mounts = (c: PlannedResource) =>
                (c.inputs.volumes ?? []).map((v: { containerPath: string; volumeName?: string }) => `${v.volumeName}:${v.containerPath}`);
            const invoices = p
                .ofType("docker:index/container:Container")
                .flatMap((c) => mounts(c).filter((m: string) => m.endsWith(":/app/invoices")));
            return invoices.length >= 2 && new Set(invoices.map((m: string) => m.split(":")[0])).size === 1;
        },
        staging: all(
            has(/^kubernetes:core\/v1:PersistentVolumeClaim$/, /"ReadWriteMany"/),
            atLeast(2, /^kubernetes:apps\/v1:Deployment$/, /"mountPath":\s?"\/app\/invoices"/, /"subPath":\s?"invoices"/),
        ),
        prod: all(
            has(/^aws:efs\/fileSystem:FileSystem$/, /"encrypted":\s?true/),
            has(/^aws:efs\/accessPoint:AccessPoint$/, /"path":\s?"\/data\/invoices"/, /"ownerUid":\s?10001/),
            atLeast(2, TASK, /"containerPath\\?":\s?\\?"\/app\/invoices/, /"transitEncryption":\s?"ENABLED"/),
        ),
    },
    "am-ssl-lb": { dev: nginxTls, staging: k8sTls, prod: albHttps },
    "am-debug-off": {
        dev: has(CONTAINER, /FLASK_ENV=production/),
        staging: has(K8S_WORKLOAD, /"name":\s?"FLASK_ENV",\s?"value":\s?"production"/),
        prod: has(TASK, /"name":\s?"FLASK_ENV",\s?"value":\s?"production"/),
    },
    "am-db-encrypted": { prod: has(RDS, /"storageEncrypted":\s?true/, /kmsKeyId/) },
    "am-backup-encrypted": { prod: has(/^aws:backup\/vault:Vault$/, /kmsKeyArn/) },
    "am-ci-scans": { dev: ciScans, staging: ciScans, prod: ciScans },
    "am-prod-approval": { dev: prodApproval, staging: prodApproval, prod: prodApproval },

    "mdc-cdn-ddos": { prod: has(/^aws:cloudfront\/distribution:Distribution$/, /webAclId/) },
    "mdc-redirect-headers": {
        dev: has(CONTAINER, /return 301 https/, /X-Frame-Options/, /DENY/, /nosniff/, /X-XSS-Protection/),
        staging: all(
            has(K8S, /X-Frame-Options/, /DENY/),
            has(K8S, /nosniff/),
            has(K8S, /X-XSS-Protection/),
            has(K8S, /ssl-redirect|RequestRedirect|"scheme":\s?"https"/),
        ),
        prod: all(has(/ResponseHeadersPolicy/, /"frameOption":\s?"DENY"/, /contentTypeOptions/, /xssProtection/), albHttps),
    },
    "mdc-postgres-14": {
        dev: has(CONTAINER, /postgres:14\.\d+/),
        staging: has(K8S, /postgresql:14\.\d+/),
        prod: has(RDS, /"engine":\s?"postgres"/, /"engineVersion":\s?"14/),
    },
    "mdc-redis-aof": {
        dev: has(CONTAINER, /redis:7\.\d+/, /appendonly yes|"--appendonly",\s?"yes"/),
        staging: has(/StatefulSet/, /redis:7\.\d+/, /"--appendonly",\s?"yes"|appendonly yes/),
    },
    "mdc-celery": {
        dev: all(has(CONTAINER, /celery/, /worker/), has(CONTAINER, /celery/, /beat/)),
        staging: all(has(K8S_WORKLOAD, /celery/, /"worker"/), has(K8S_WORKLOAD, /celery/, /"beat"/)),
        prod: all(has(TASK, /celery/, /"worker"/), has(TASK, /celery/, /"beat"/)),
    },
    "mdc-pg-dump": {
        dev: has(CONTAINER, /pg_dump/, /0 2 \* \* \*/),
        staging: has(/CronJob|ScheduledBackup/, /0 2 \* \* \*|"0 0 2 \* \* \*"/),
    },
    "mdc-rolling": {
        staging: has(/Deployment/, /"maxSurge":\s?1/, /"maxUnavailable":\s?0/),
        prod: has(
            ECS_SERVICE,
            /tts-backend|backend-service/,
            /"deploymentMaximumPercent":\s?(1[0-9][1-9]|1[1-9]0|200)/,
            /"deploymentMinimumHealthyPercent":\s?100/,
        ),
    },
    "mdc-autoscaling": {
        prod: all(
            has(SCALING_POLICY, /ECSServiceAverageCPUUtilization/, /"targetValue":\s?70/),
            has(SCALING_POLICY, /ECSServiceAverageMemoryUtilization/, /"targetValue":\s?80/),
            has(SCALING_POLICY, /ALBRequestCountPerTarget/),
            has(SCALING_TARGET, /"minCapacity":\s?2/, /"maxCapacity":\s?10/),
        ),
    },
    "mdc-non-root": {
        dev: (p) =>
            p
                .ofType("docker:index/container:Container")
                .some((c) => /tts-backend/.test(text(c)) && /^[1-9]\d*(:\d+)?$/.test(String(c.inputs.user))),
        staging: has(K8S_WORKLOAD, /tts-backend/, /"runAsNonRoot":\s?true/),
        prod: has(TASK, /tts-backend/, /"user":\s?"[1-9]/),
    },
    "mdc-media": {
        dev: has(CONTAINER, /MEDIA_BUCKET=/),
        staging: has(K8S, /MEDIA_BUCKET/),
        prod: all(has(/^aws:s3\/bucket(V2)?:Bucket(V2)?$/, /media/), has(TASK, /MEDIA_BUCKET/)),
    },
    "mdc-checklist": {
        prod: (p) => {
            const report = runPolicyReport(p.run, "prod");
            const rows = checklistRows(report.violations, report.checked, "aws").filter((r) => r.id.startsWith("mdc-"));
            return rows.length === 8 && rows.every((r) => r.status === "PASS");
        },
    },

    "mk-services": {
        dev: (p) =>
            ["order", "user", "payment", "delivery", "notification"].every((s) => has(CONTAINER, new RegExp(`mealkitz/${s}-service:`))(p)),
        staging: (p) =>
            ["order", "user", "payment", "delivery", "notification"].every((s) =>
                has(/Deployment/, new RegExp(`mealkitz/${s}-service:`))(p),
            ),
        prod: (p) =>
            ["order", "user", "payment", "delivery", "notification"].every((s) => has(TASK, new RegExp(`mealkitz/${s}-service:`))(p)),
    },
    "mk-hpa": {
        staging: atLeast(5, HPA, /"minReplicas":\s?3/, /"maxReplicas":\s?10/, /"averageUtilization":\s?70/),
        prod: all(
            atLeast(5, SCALING_TARGET, /"minCapacity":\s?3/, /"maxCapacity":\s?10/),
            has(SCALING_POLICY, /ECSServiceAverageCPUUtilization/, /"targetValue":\s?70/),
        ),
    },
    // Read the probes themselves: the order of their keys, and httpHeaders, are the platform's business.
    "mk-probes": {
        staging: (p) =>
            p.resources.filter(
                (r) =>
                    r.type === "kubernetes:apps/v1:Deployment" &&
                    (r.inputs.spec?.template?.spec?.containers ?? []).some(
                        (c: { livenessProbe?: { httpGet?: { path?: string } }; readinessProbe?: { httpGet?: { path?: string } } }) =>
                            c.livenessProbe?.httpGet?.path === "/health" && c.readinessProbe?.httpGet?.path === "/ready",
                    ),
            ).length >= 5,
    },
    "mk-read-replicas": {
        staging: has(/postgresql\.cnpg\.io\/v1:Cluster$/, /"instances":\s?([3-9]|\d\d)/),
        prod: has(RDS, /replicateSourceDb/),
    },
    "mk-pitr": {
        staging: all(
            has(/postgresql\.cnpg\.io\/v1:Cluster$/, /"isWALArchiver":\s?true/),
            has(/barmancloud\.cnpg\.io\/v1:ObjectStore$/, /"retentionPolicy"/),
        ),
        prod: has(RDS, /"backupRetentionPeriod":\s?([1-9]|\d\d)/),
    },
    "mk-cross-region": { prod: (p) => regions(p) >= 2 },
    "mk-queue-dlq": { prod: has(/^aws:sqs\/queue:Queue$/, /redrivePolicy/, /deadLetterTargetArn/) },
    "mk-service-monitor": { staging: has(/ServiceMonitor$/, /endpoints/) },
    "mk-canary-bluegreen": { prod: all(has(ECS_SERVICE, /"strategy":\s?"CANARY"/), has(ECS_SERVICE, /"strategy":\s?"BLUE_GREEN"/)) },
    "mk-cdn": { prod: has(/^aws:cloudfront\/distribution:Distribution$/) },

    "amg-api-frontend": {
        dev: all(has(CONTAINER, /asset-mgmt\/api:/, /3000/), has(CONTAINER, /asset-mgmt\/frontend:/)),
        staging: all(has(/Deployment/, /asset-mgmt\/api:/, /3000/), has(/Deployment/, /asset-mgmt\/frontend:/)),
        prod: all(has(TASK, /asset-mgmt\/api:/, /3000/), has(TASK, /asset-mgmt\/frontend:/)),
    },
    "amg-autoscaling": {
        prod: all(
            has(SCALING_POLICY, /ECSServiceAverageCPUUtilization/, /"targetValue":\s?70/),
            has(SCALING_POLICY, /ECSServiceAverageMemoryUtilization/, /"targetValue":\s?80/),
            has(SCALING_POLICY, /ALBRequestCountPerTarget|RequestCount/),
        ),
    },
    "amg-pg-cluster": {
        staging: has(/postgresql\.cnpg\.io\/v1:Cluster$/, /"instances":\s?([3-9]|\d\d)/),
        prod: all(has(RDS, /"multiAz":\s?true/), atLeast(2, RDS, /replicateSourceDb/)),
    },
    "amg-pg-settings": {
        dev: has(CONTAINER, /max_connections=200/),
        staging: has(/postgresql\.cnpg\.io\/v1:Cluster$/, /"max_connections":\s?"200"/),
        prod: has(/^aws:rds\/parameterGroup:ParameterGroup$/, /"max_connections"/, /"200"/),
    },
    "amg-redis-cluster": { prod: has(/^aws:elasticache\/replicationGroup:ReplicationGroup$/, /"clusterMode":\s?"enabled"/) },
    "amg-storage-tiers": { prod: has(/BucketLifecycleConfiguration/, /STANDARD_IA/, /GLACIER/) },
    "amg-dr-region": { prod: (p) => regions(p) >= 2 && has(RDS, /replicateSourceDb/)(p) },
    "amg-subnets": {
        prod: all(atLeast(2, /^aws:ec2\/subnet:Subnet$/, /"mapPublicIpOnLaunch":\s?false/), has(/^aws:rds\/subnetGroup:SubnetGroup$/)),
    },
    "amg-waf": { prod: has(/^aws:wafv2\/webAcl:WebAcl$/, /managedRuleGroupStatement/) },
    "amg-secrets": { prod: has(/^aws:secretsmanager\/secret:Secret$/) },
    "amg-alert-rules": { staging: has(/PrometheusRule$/, /HighErrorRate/, /DatabaseSlowQueries/) },
    "amg-rpo": {
        staging: all(
            has(/postgresql\.cnpg\.io\/v1:Cluster$/, /"isWALArchiver":\s?true/),
            has(/barmancloud\.cnpg\.io\/v1:ObjectStore$/, /"retentionPolicy"/),
        ),
        prod: has(RDS, /"backupRetentionPeriod":\s?([1-9]|\d\d)/),
    },

    "hld-proxy-tls": { dev: nginxTls, staging: k8sTls, prod: albHttps },
    "hld-mongodb": { dev: has(CONTAINER, /mongo:7\.\d+/), staging: has(/StatefulSet/, /mongo:7\.\d+/) },
    "hld-redis": {
        dev: has(CONTAINER, /redis:7\.\d+/),
        staging: has(/StatefulSet/, /redis:7/),
        prod: has(/^aws:elasticache\/replicationGroup:ReplicationGroup$/, /"engine":\s?"redis"|redis/),
    },
    "hld-config-validation": { dev: loaderRefuses, staging: loaderRefuses, prod: loaderRefuses },
    "hld-secrets": { dev: noPlaintextSecrets, staging: noPlaintextSecrets, prod: noPlaintextSecrets },
    "hld-backups": {
        dev: has(CONTAINER, /restore/, /schedule/),
        staging: all(has(/CronJob/, /backup/), has(/ConfigMap/, /restore/)),
        prod: has(BACKUP_PLAN, /cron\(/),
    },
    "hld-monitoring": {
        staging: all(has(/ServiceMonitor$/), has(/PrometheusRule$/)),
        prod: all(has(/^aws:cloudwatch\/logGroup:LogGroup$/), has(/^aws:cloudwatch\/metricAlarm:MetricAlarm$/)),
    },
    "hld-strategies": {
        prod: all(
            has(ECS_SERVICE, /"strategy":\s?"CANARY"/),
            has(ECS_SERVICE, /"strategy":\s?"BLUE_GREEN"/),
            has(ECS_SERVICE, /"deploymentMinimumHealthyPercent":\s?100/),
        ),
    },
};

const MARKS = /^(✔|~|✘) \S/;

describe("delivery: docs/seeds.md, the seeds' demands per platform", function () {
    this.timeout(120000);
    const rows = seedRows(fs.readFileSync(path.join(PROJECT_ROOT, "docs", "seeds.md"), "utf8"));

    it("has a row per demand of each of the five seeds, each cell ✔, ~ or ✘ with a reason", () => {
        const ids = rows.map((r) => r.id);
        assert.strictEqual(new Set(ids).size, ids.length, "row ids are unique");
        for (const prefix of Object.keys(PRESET_OF))
            assert.ok(ids.filter((id) => id.startsWith(`${prefix}-`)).length >= 8, `seed ${PRESET_OF[prefix]} has its demands listed`);
        assert.deepStrictEqual(Object.values(PRESET_OF).sort(), presetNames());
        for (const row of rows)
            for (const [platform, cell] of Object.entries(row.cells))
                assert.match(cell, MARKS, `${row.id} ${platform}: ✔, ~ or ✘ and what`);
        for (const id of Object.keys(CHECKS)) assert.ok(ids.includes(id), `CHECKS has ${id}, which docs/seeds.md does not`);
    });

    for (const platform of ["dev", "staging", "prod"] as Platform[]) {
        it(`every ✔ on ${platform} holds in that preset's ${platform} plan`, async () => {
            const failures: string[] = [];
            for (const row of rows.filter((r) => r.cells[platform].startsWith("✔"))) {
                const check = CHECKS[row.id]?.[platform];
                if (!check) {
                    failures.push(`${row.id}: ✔ on ${platform} has no check in CHECKS`);
                    continue;
                }
                const plan = await planStack({ stack: platform, system: PRESET_OF[row.id.split("-")[0]] });
                if (!check(plan)) failures.push(`${row.id}: "${row.cells[platform]}" does not hold on ${platform}`);
            }
            assert.deepStrictEqual(failures, []);
        });
    }

    it("a check fails on a plan that lacks what it claims (the predicates are live)", async () => {
        const mdc = await planStack({ stack: "dev", system: "mdc-tts" });
        const aof = CHECKS["mdc-redis-aof"].dev!;
        assert.strictEqual(aof(mdc), true);
        const withoutAof = {
            ...mdc,
            resources: mdc.resources.map((r) => ({
                ...r,
                inputs: JSON.parse(JSON.stringify(r.inputs).replace(/appendonly[ ",]*yes/g, "appendonly no")),
            })),
        } as unknown as Plan;
        assert.strictEqual(aof(withoutAof), false);
    });
});
