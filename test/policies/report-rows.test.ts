/**
 * Every row of the compliance report is tied to checks that read what provides its property: for
 * each checklist item and each platform that can PASS it, a plan that lacks the property (a spec
 * override, or the preset's plan with the providing resource changed the way a user's addition or
 * a broken component would change it) must not PASS, while the unchanged plan does. And on every
 * preset × stack no row PASSes whose property the plan lacks by construction of the platform.
 */
import * as assert from "assert";
import type { OfflineRun, PlannedResource } from "../../scripts/offline/engine";
import { checklistRows, platformsOf, runPolicyReport, type ChecklistRow } from "../../scripts/offline/policy-report";
import { CHECKLIST } from "../../policies/rules";
import type { ChecklistPlatform } from "../../policies/rules/checklist";
import { planStack, type StackOptions } from "../harness";

const STACK: Record<ChecklistPlatform, string> = { docker: "dev", kubernetes: "staging", aws: "prod" };
const PLATFORMS = Object.keys(STACK) as ChecklistPlatform[];
const PRESETS = ["auromart", "mdc-tts", "mealkitz", "asset-management", "hld-platform"];

/** A plan that lacks one property: a spec (preset and overrides/config), and optionally its resources changed. */
interface Lacking {
    /** What is missing, in words. */
    why: string;
    plan?: Omit<StackOptions, "stack">;
    /** Change a deep copy of the run's resources in place. */
    change?: (rs: PlannedResource[]) => void;
    /** When the preset's own plan lacks the property too: a change that gives it, to show the row can PASS. */
    having?: (rs: PlannedResource[]) => void;
}

/** Rewrite the inputs of every resource of `type` (whose name matches `name`) through their JSON text. */
const edit =
    (type: string, rewrite: (json: string) => string, name: RegExp = /./) =>
    (rs: PlannedResource[]) => {
        let n = 0;
        for (const r of rs.filter((x) => x.type === type && name.test(x.name))) {
            const before = JSON.stringify(r.inputs);
            const after = rewrite(before);
            if (after !== before) n++;
            r.inputs = JSON.parse(after);
        }
        assert.ok(n > 0, `the change found nothing to change in ${type} ${name}`);
    };
/** Set a property of every resource of `type` (whose name matches `name`). */
const set =
    (type: string, change: (inputs: any, r: PlannedResource) => void, name: RegExp = /./) =>
    (rs: PlannedResource[]) => {
        const hit = rs.filter((x) => x.type === type && name.test(x.name));
        assert.ok(hit.length > 0, `no ${type} ${name} to change`);
        for (const r of hit) change(r.inputs, r);
    };
const all =
    (...changes: ((rs: PlannedResource[]) => void)[]) =>
    (rs: PlannedResource[]) => {
        for (const c of changes) c(rs);
    };

const CONTAINER = "docker:index/container:Container";
const STATEFULSET = "kubernetes:apps/v1:StatefulSet";
const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const TASKDEF = "aws:ecs/taskDefinition:TaskDefinition";
const WEB_ACL = "aws:wafv2/webAcl:WebAcl";

const ZONE = "topology.kubernetes.io/zone";
/** Every datastore of a Kubernetes run with three instances spread over zones. */
function failoverEverywhere(rs: PlannedResource[]): void {
    for (const r of rs) {
        if (r.type === "kubernetes:postgresql.cnpg.io/v1:Cluster") {
            r.inputs.spec.instances = 3;
            r.inputs.spec.affinity = { ...r.inputs.spec.affinity, topologyKey: ZONE };
        }
        if (r.type === STATEFULSET && r.inputs.spec.template.metadata.labels["app.kubernetes.io/component"] !== "service") {
            r.inputs.spec.replicas = 3;
            r.inputs.spec.template.spec.topologySpreadConstraints = [{ maxSkew: 1, topologyKey: ZONE, whenUnsatisfiable: "DoNotSchedule" }];
        }
    }
}

/** Every resource protected (dev and staging protect less than prod). */
const protectAll = (rs: PlannedResource[]) => rs.forEach((r) => ((r as { protect: boolean }).protect = true));
/** Every Docker container runs as a numeric non-root user (dev runs some images' own users). */
const asUser = set(CONTAINER, (i) => (i.user = "10001:10001"));

/** Per item and platform that can PASS it: a plan of mdc-tts (unless named) that lacks the property. */
const LACKING: Record<string, Partial<Record<ChecklistPlatform, Lacking>>> = {
    "mdc-ssl-certificates": {
        docker: { why: "edge.tls false", plan: { overrides: { edge: { tls: false } } } },
        kubernetes: { why: "edge.tls false", plan: { overrides: { edge: { tls: false } } } },
        aws: {
            why: "listeners and CloudFront without TLS",
            change: edit("aws:lb/listener:Listener", (j) => j.replace(/"HTTPS"/g, '"HTTP"')),
        },
    },
    "mdc-security-headers": {
        docker: {
            why: "nginx adds no X-Frame-Options",
            change: edit(CONTAINER, (j) => j.replace(/add_header X-Frame-Options/g, "#no_header X")),
        },
        kubernetes: {
            why: "routes set no X-Frame-Options",
            change: edit("kubernetes:gateway.networking.k8s.io/v1:HTTPRoute", (j) => j.replace(/"X-Frame-Options"/g, '"X-Other"')),
        },
        aws: {
            why: "CloudFront's headers policy sets none",
            change: set("aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy", (i) => delete i.securityHeadersConfig),
        },
    },
    "mdc-firewall-rules": {
        docker: {
            why: "the edge publishes on 0.0.0.0",
            change: edit(CONTAINER, (j) => j.replace(/"ip":"127\.0\.0\.1"/g, '"ip":"0.0.0.0"')),
        },
        kubernetes: {
            why: "a datastore Service of type LoadBalancer",
            change: set("kubernetes:core/v1:Service", (i) => (i.spec.type = "LoadBalancer"), /cache/),
        },
        aws: {
            why: "a security group open to the world",
            change: set(
                "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
                (i) => {
                    delete i.referencedSecurityGroupId;
                    i.cidrIpv4 = "0.0.0.0/0";
                },
                /svc-backend-in-alb$/,
            ),
        },
    },
    "mdc-database-encrypted": {
        aws: { why: "RDS storage unencrypted", change: set("aws:rds/instance:Instance", (i) => (i.storageEncrypted = false)) },
    },
    "mdc-secrets-in-vault": {
        aws: {
            why: "a Secrets Manager secret without a KMS key",
            change: set("aws:secretsmanager/secret:Secret", (i) => delete i.kmsKeyId),
        },
    },
    "mdc-rate-limiting": {
        docker: { why: "nginx without limit_req", change: edit(CONTAINER, (j) => j.replace(/limit_req/g, "#limit_rq")) },
        kubernetes: {
            why: "no per-client rule",
            change: edit("kubernetes:gateway.envoyproxy.io/v1alpha1:BackendTrafficPolicy", (j) => j.replace(/"Distinct"/g, '"Exact"')),
        },
        aws: { why: "a web ACL without a rate-based rule", change: edit(WEB_ACL, (j) => j.replace(/rateBasedStatement/g, "notRateBased")) },
    },
    "mdc-ddos-protection": {
        aws: { why: "a web ACL without a rate-based rule", change: edit(WEB_ACL, (j) => j.replace(/rateBasedStatement/g, "notRateBased")) },
    },
    "mdc-monitoring-alerts": {
        kubernetes: { why: "no PrometheusRule", plan: { config: { "tierform:monitoringCrds": "false" } } },
        aws: { why: "alarms notify no one", change: set("aws:cloudwatch/metricAlarm:MetricAlarm", (i) => (i.alarmActions = [])) },
    },
    "https-enforcement": {
        docker: { why: "edge.tls false", plan: { overrides: { edge: { tls: false } } } },
        kubernetes: { why: "edge.tls false", plan: { overrides: { edge: { tls: false } } } },
        aws: { why: "listeners without TLS", change: edit("aws:lb/listener:Listener", (j) => j.replace(/"HTTPS"/g, '"HTTP"')) },
    },
    "port-restrictions": {
        docker: {
            why: "the database publishes 5432",
            change: set(CONTAINER, (i) => (i.ports = [{ internal: 5432, external: 5432, ip: "127.0.0.1" }]), /-db$/),
        },
        kubernetes: {
            why: "a datastore Service of type NodePort",
            change: set("kubernetes:core/v1:Service", (i) => (i.spec.type = "NodePort"), /cache/),
        },
        aws: { why: "a publicly accessible database", change: set("aws:rds/instance:Instance", (i) => (i.publiclyAccessible = true)) },
    },
    "db-from-app-only": {
        aws: {
            why: "the database group admits a CIDR",
            change: edit(
                "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
                (j) => j.replace(/"referencedSecurityGroupId":"[^"]*"/, '"cidrIpv4":"10.0.0.0/8"'),
                /db/,
            ),
        },
    },
    "encryption-at-rest": {
        aws: { why: "RDS storage unencrypted", change: set("aws:rds/instance:Instance", (i) => (i.storageEncrypted = false)) },
    },
    "encryption-in-transit": {
        aws: {
            why: "the cache without transit encryption",
            change: set("aws:elasticache/replicationGroup:ReplicationGroup", (i) => (i.transitEncryptionEnabled = false)),
        },
    },
    "backup-encryption": {
        aws: { why: "the backup vault without a KMS key", change: set("aws:backup/vault:Vault", (i) => delete i.kmsKeyArn) },
    },
    "private-subnets": {
        aws: { why: "subnets that give public addresses", change: set("aws:ec2/subnet:Subnet", (i) => (i.mapPublicIpOnLaunch = true)) },
    },
    waf: {
        aws: {
            why: "a web ACL without managed rules",
            change: edit(WEB_ACL, (j) => j.replace(/managedRuleGroupStatement/g, "notManaged")),
        },
    },
    "no-plaintext-secrets": {
        docker: {
            why: "a password in plain env",
            change: set(CONTAINER, (i) => (i.envs = [...(i.envs ?? []), "DB_PASSWORD=hunter22hunter"]), /backend-0$/),
        },
        kubernetes: {
            why: "a password in plain env",
            change: set(
                DEPLOYMENT,
                (i) => i.spec.template.spec.containers[0].env.push({ name: "DB_PASSWORD", value: "hunter22hunter" }),
                /backend$/,
            ),
        },
        aws: {
            why: "a password in plain env",
            change: edit(
                TASKDEF,
                (j) => j.replace(/"environment\\":\[/, '"environment\\":[{\\"name\\":\\"DB_PASSWORD\\",\\"value\\":\\"hunter22hunter\\"},'),
                /backend/,
            ),
        },
    },
    "non-root": {
        docker: {
            why: "a container as root",
            change: all(
                asUser,
                set(CONTAINER, (i) => (i.user = "0:0"), /backend-0$/),
            ),
            having: asUser,
        },
        kubernetes: {
            why: "a pod as root",
            change: set(
                DEPLOYMENT,
                (i) => {
                    i.spec.template.spec.securityContext = { runAsUser: 0 };
                    for (const c of i.spec.template.spec.containers)
                        c.securityContext = { ...c.securityContext, runAsUser: 0, runAsNonRoot: false };
                },
                /backend$/,
            ),
        },
        aws: {
            why: "a task as root",
            change: edit(TASKDEF, (j) => j.replace(/\\"user\\":\\"[^\\]*\\"/g, '\\"user\\":\\"0\\"'), /backend/),
        },
    },
    "pinned-images": {
        docker: { why: "an image :latest", change: set(CONTAINER, (i) => (i.image = "nginx:latest"), /backend-0$/) },
        kubernetes: {
            why: "an image :latest",
            change: set(DEPLOYMENT, (i) => (i.spec.template.spec.containers[0].image = "nginx:latest"), /backend$/),
        },
        aws: {
            why: "an image :latest",
            change: edit(TASKDEF, (j) => j.replace(/\\"image\\":\\"[^\\]*\\"/, '\\"image\\":\\"nginx:latest\\"'), /backend/),
        },
    },
    "debug-off": {
        docker: { why: "DEBUG=true", change: set(CONTAINER, (i) => (i.envs = [...(i.envs ?? []), "DEBUG=true"]), /backend-0$/) },
        kubernetes: {
            why: "DEBUG=true",
            change: set(DEPLOYMENT, (i) => i.spec.template.spec.containers[0].env.push({ name: "DEBUG", value: "true" }), /backend$/),
        },
        aws: {
            why: "DEBUG=true",
            change: edit(
                TASKDEF,
                (j) => j.replace(/"environment\\":\[/, '"environment\\":[{\\"name\\":\\"DEBUG\\",\\"value\\":\\"true\\"},'),
                /backend/,
            ),
        },
    },
    "network-segmentation": {
        docker: { why: "the database on a non-internal network", change: set("docker:index/network:Network", (i) => (i.internal = false)) },
        kubernetes: {
            why: "no NetworkPolicies",
            change: (rs) => rs.splice(0, rs.length, ...rs.filter((r) => r.type !== "kubernetes:networking.k8s.io/v1:NetworkPolicy")),
        },
        aws: {
            why: "a service security group open to the world",
            change: set(
                "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
                (i) => {
                    delete i.referencedSecurityGroupId;
                    i.cidrIpv4 = "0.0.0.0/0";
                },
                /svc-backend-in-alb$/,
            ),
        },
    },
    backups: {
        docker: { why: "no backup containers", change: (rs) => rs.splice(0, rs.length, ...rs.filter((r) => !/backup/.test(r.name))) },
        kubernetes: {
            why: "no backups",
            change: (rs) => rs.splice(0, rs.length, ...rs.filter((r) => !/backup/i.test(r.name) && !/ObjectStore|CronJob/.test(r.type))),
        },
        aws: {
            why: "no backup plan and no automated backups",
            change: (rs) => {
                rs.splice(0, rs.length, ...rs.filter((r) => !/aws:backup\//.test(r.type)));
                set("aws:rds/instance:Instance", (i) => (i.backupRetentionPeriod = 0))(rs);
            },
        },
    },
    "high-availability": {
        kubernetes: { why: "auromart's MySQL is one StatefulSet replica", plan: { system: "auromart" }, having: failoverEverywhere },
        aws: { why: "RDS not Multi-AZ", change: set("aws:rds/instance:Instance", (i) => (i.multiAz = false), /db$/) },
    },
    "deletion-safety": {
        docker: {
            why: "volumes unprotected",
            change: all(
                protectAll,
                set("docker:index/volume:Volume", (_i, r) => ((r as { protect: boolean }).protect = false)),
            ),
            having: protectAll,
        },
        kubernetes: {
            why: "the cache StatefulSet unprotected",
            change: all(
                protectAll,
                set(STATEFULSET, (_i, r) => ((r as { protect: boolean }).protect = false), /cache$/),
            ),
            having: protectAll,
        },
        aws: {
            why: "the database unprotected",
            change: set("aws:rds/instance:Instance", (_i, r) => ((r as { protect: boolean }).protect = false)),
        },
    },
    "replicas-and-probes": {
        kubernetes: { why: "one replica", plan: { overrides: { services: { backend: { replicas: { min: 1 } } } } } },
        aws: { why: "one task", plan: { overrides: { services: { backend: { replicas: { min: 1 } } } } } },
    },
    "autoscaling-bounds": {
        kubernetes: { why: "min 1", plan: { overrides: { services: { backend: { replicas: { min: 1 } } } } } },
        aws: { why: "min 1", plan: { overrides: { services: { backend: { replicas: { min: 1 } } } } } },
    },
    "dead-letter-queues": {
        aws: {
            why: "a queue without a redrive policy",
            plan: { system: "mealkitz" },
            change: set("aws:sqs/queue:Queue", (i) => delete i.redrivePolicy),
        },
    },
};

const rowCache = new Map<string, ChecklistRow[]>();

async function rowsOf(
    stack: string,
    plan: Omit<StackOptions, "stack"> = {},
    change?: (rs: PlannedResource[]) => void,
): Promise<ChecklistRow[]> {
    const key = JSON.stringify([stack, plan]);
    if (!change && rowCache.has(key)) return rowCache.get(key)!;
    const p = await planStack({ stack, system: "mdc-tts", ...plan });
    let run: OfflineRun = p.run;
    if (change) {
        run = { ...run, resources: structuredClone(run.resources) };
        change(run.resources);
    }
    const report = runPolicyReport(run, stack);
    // A stack of two platforms (prod-eks) is judged as the report judges it: by either platform's evidence, never a mix.
    const platform = (Object.keys(STACK) as ChecklistPlatform[]).find((k) => STACK[k] === stack) ?? platformsOf(run);
    const rows = checklistRows(report.violations, report.checked, platform);
    if (!change) rowCache.set(key, rows);
    return rows;
}

describe("report rows read what provides their property", function () {
    this.timeout(300000);

    it("every item names its evidence per platform as policy objects, or why the platform is N/A", () => {
        for (const [id, item] of Object.entries(CHECKLIST))
            for (const platform of PLATFORMS) {
                const checks = item.evidence[platform];
                if (!checks) assert.ok(item.notApplicableOn?.[platform], `${id} on ${platform}: no evidence and no reason`);
                else assert.ok(LACKING[id]?.[platform], `${id} on ${platform}: no case of a plan that lacks the property`);
                for (const p of (checks ?? []).flat()) assert.ok(p && typeof p.name === "string", `${id}: evidence is a policy object`);
            }
    });

    for (const [id, byPlatform] of Object.entries(LACKING))
        for (const [platform, lacking] of Object.entries(byPlatform) as [ChecklistPlatform, Lacking][]) {
            const title = CHECKLIST[id].text;
            it(`${platform}: "${title}" is not PASS when ${lacking.why}`, async () => {
                const stack = STACK[platform];
                const lackingRow = (await rowsOf(stack, lacking.plan, lacking.change)).find((r) => r.id === id)!;
                assert.ok(!["PASS", "~"].includes(lackingRow.status), `${id}: ${lackingRow.status} ${lackingRow.detail}`);
                // The same plan with the property: the row PASSes (or "~" where the platform provides only part of it), so the check above could fail.
                const having = lacking.change || lacking.having ? { system: lacking.plan?.system } : {};
                const havingRow = (await rowsOf(stack, having, lacking.having)).find((r) => r.id === id)!;
                const expected = CHECKLIST[id].partlyOn?.[platform] ? "~" : "PASS";
                assert.strictEqual(havingRow.status, expected, `${id} with the property: ${havingRow.detail}`);
            });
        }

    // The EKS placement: its pods are Kubernetes objects, so the rows about them PASS on Kubernetes's checks (they were
    // N/A while the report read AWS's column alone), and each is not PASS when the pods lack the property. Changes of the
    // one plan (no new whole-program run): staging's pod as root, and a probe and an autoscaler's floor taken away.
    const EKS_LACKING: Record<string, Lacking> = {
        "non-root": LACKING["non-root"].kubernetes!,
        "replicas-and-probes": {
            why: "a container without its readiness probe",
            change: set(DEPLOYMENT, (i) => i.spec.template.spec.containers.forEach((c: any) => delete c.readinessProbe), /backend$/),
        },
        "autoscaling-bounds": {
            why: "an autoscaler (KEDA's, on the load balancer's requests) with a floor of 1",
            change: set("kubernetes:keda.sh/v1alpha1:ScaledObject", (i) => (i.spec.minReplicaCount = 1), /backend-scaler$/),
        },
    };
    for (const [id, lacking] of Object.entries(EKS_LACKING))
        it(`prod-eks: "${CHECKLIST[id].text}" PASSes on the pods' own checks, and not with ${lacking.why}`, async () => {
            const row = (await rowsOf("prod-eks")).find((r) => r.id === id)!;
            assert.strictEqual(row.status, "PASS", row.detail);
            assert.ok(
                (CHECKLIST[id].evidence.kubernetes ?? []).flat().some((p) => row.detail.includes(`${p.name} ✓`)),
                row.detail,
            );
            const lackingRow = (await rowsOf("prod-eks", {}, lacking.change)).find((r) => r.id === id)!;
            assert.ok(!["PASS", "~"].includes(lackingRow.status), `${id}: ${lackingRow.status} ${lackingRow.detail}`);
        });

    it("kubernetes: a CloudNativePG cluster with instances: 1 is not PASS, even when every other datastore fails over", async () => {
        const rows = await rowsOf("staging", { system: "mdc-tts" }, (rs) => {
            failoverEverywhere(rs);
            set("kubernetes:postgresql.cnpg.io/v1:Cluster", (i) => (i.spec.instances = 1))(rs);
        });
        const row = rows.find((r) => r.id === "high-availability")!;
        assert.notStrictEqual(row.status, "PASS", row.detail);
        assert.match(row.detail, /k8s-datastore-failover ✗1/);
    });

    it("aws: tasks without container health checks and services that may drop every healthy task are not PASS (no check reads either)", async () => {
        const rows = await rowsOf("prod", {}, (rs) => {
            edit(TASKDEF, (j) => j.replace(/\\"healthCheck\\":\{[^}]*\}/g, '\\"noHealthCheck\\":{}'))(rs);
            set("aws:ecs/service:Service", (i) => (i.deploymentMinimumHealthyPercent = 0))(rs);
        });
        const row = rows.find((r) => r.id === "replicas-and-probes")!;
        assert.notStrictEqual(row.status, "PASS", row.detail);
        assert.match(row.detail, /container health checks \(liveness\)/);
    });

    it("the backups row claims the databases, what datastore-backups reads: mdc-tts's cache has no backup on dev and staging", async () => {
        for (const stack of ["dev", "staging"]) {
            const plan = await planStack({ stack, system: "mdc-tts" });
            const backups = plan.resources.filter((r) => /backup/i.test(r.name)).map((r) => r.name);
            assert.ok(
                backups.length > 0 && !backups.some((n) => /cache/.test(n)),
                `${stack}: the cache has no backup (${backups.join(", ")})`,
            );
            const row = (await rowsOf(stack)).find((r) => r.id === "backups")!;
            assert.strictEqual(row.status, "PASS", row.detail);
            assert.match(row.text, /^Every database backed up/, `${stack}: a PASS of "${row.text}"`);
        }
    });

    /**
     * What each platform's plan lacks whatever the preset, read from what the platform builds (see
     * plan/support.ts for waf, alerting, autoscaling and queue-semantics on Docker and Kubernetes).
     */
    const ABSENT: Record<ChecklistPlatform, Record<string, string>> = {
        docker: {
            "mdc-secrets-in-vault": "no secrets store: credentials are files in a config volume",
            "mdc-ddos-protection": "no DDoS service: one host, the edge on 127.0.0.1",
            "mdc-database-encrypted": "local volumes are not encrypted by the program",
            "encryption-at-rest": "local volumes are not encrypted by the program",
            "encryption-in-transit": "datastores are reached in plain text on the Docker networks",
            "backup-encryption": "backups are plain files in a volume",
            "high-availability": "one host, no zones",
            waf: "support.ts waf on docker: no firewall rules",
            "mdc-monitoring-alerts": "support.ts alerting on docker: no alerts",
            "autoscaling-bounds": "support.ts autoscaling on docker: no autoscaler",
            "dead-letter-queues": "support.ts queue-semantics on docker: maxReceiveCount not enforced",
            "db-from-app-only": "no security groups",
            "private-subnets": "no subnets",
        },
        kubernetes: {
            "mdc-secrets-in-vault": "Kubernetes Secrets, no vault",
            "mdc-ddos-protection": "no DDoS service among the resources: a per-client rate limit only",
            "mdc-database-encrypted": "encryption at rest is the StorageClass's",
            "encryption-at-rest": "encryption at rest is the StorageClass's",
            "encryption-in-transit": "Redis, MySQL, MongoDB, RabbitMQ and the object store are reached in plain text",
            "backup-encryption": "the object store's encryption is not the program's",
            "dead-letter-queues": "support.ts queue-semantics on kubernetes: maxReceiveCount not enforced",
            "db-from-app-only": "no security groups",
            "private-subnets": "no subnets",
        },
        aws: {},
    };

    /** A Kubernetes run whose datastores do not all run two or more instances: no failover. */
    const singleInstanceDatastore = (rs: PlannedResource[]) =>
        rs.some(
            (r) =>
                (r.type === "kubernetes:postgresql.cnpg.io/v1:Cluster" && Number(r.inputs.spec?.instances ?? 1) < 2) ||
                (r.type === STATEFULSET &&
                    r.inputs.spec?.template?.metadata?.labels?.["app.kubernetes.io/component"] !== "service" &&
                    Number(r.inputs.spec?.replicas ?? 1) < 2),
        );

    for (const platform of PLATFORMS)
        for (const preset of PRESETS)
            it(`${preset} on ${STACK[platform]}: no PASS row whose property the plan lacks`, async () => {
                const plan = await planStack({ stack: STACK[platform], system: preset });
                const rows = await rowsOf(STACK[platform], { system: preset });
                const absent = { ...ABSENT[platform] };
                if (platform === "kubernetes" && singleInstanceDatastore(plan.resources))
                    absent["high-availability"] = "a datastore runs one instance";
                // Read from the plan: a load balancer that forwards plain HTTP to its targets is no "TLS for all traffic".
                if (plan.ofType("aws:lb/targetGroup:TargetGroup").some((tg) => tg.inputs.protocol === "HTTP"))
                    absent["encryption-in-transit"] = "a target group forwards plain HTTP to the tasks";
                const wrong = rows.filter((r) => r.status === "PASS" && absent[r.id]).map((r) => `${r.id} (${absent[r.id]}): ${r.detail}`);
                assert.deepStrictEqual(wrong, []);
            });
});
