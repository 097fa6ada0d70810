/**
 * Every stack policy passes a whole good stack of each platform it covers, fires when one piece is
 * removed or broken, and never fires on another platform's stack.
 */
import * as assert from "assert";
import { checkStack, type StackResource } from "./helpers";
import { backup as backupFixture, dockerStack, CONTAINER } from "./fixtures/docker";
import { kubernetesStack } from "./fixtures/kubernetes";
import { awsStack } from "./fixtures/aws";
import { policyMeta } from "../../policies/rules";

const stacks: Record<string, () => StackResource[]> = { docker: dockerStack, kubernetes: kubernetesStack, aws: awsStack };

/** A stack with the resource `name` edited (props deep-copied first). */
function edit(stack: StackResource[], name: string, fn: (props: any, r: StackResource) => void): StackResource[] {
    return stack.map((r) => {
        if (r.name !== name) return r;
        const copy = { ...r, props: JSON.parse(JSON.stringify(r.props)) };
        fn(copy.props, copy);
        return copy;
    });
}
/** A stack without the resources named (and without dependencies on them). */
function without(stack: StackResource[], ...names: string[]): StackResource[] {
    return stack.filter((r) => !names.includes(r.name)).map((r) => ({ ...r, deps: (r.deps ?? []).filter((d) => !names.includes(d)) }));
}

/** An edit that sets (or adds) a Docker label. */
const setLabel = (label: string, value: string) => (p: any, _r?: StackResource) => {
    p.labels = [...p.labels.filter((l: any) => l.label !== label), { label, value }];
};
/** An edit that sets a Kubernetes annotation. */
const annotate = (key: string, value: string) => (p: any) => {
    p.metadata.annotations = { ...(p.metadata.annotations ?? {}), [key]: value };
};

const fired = new Set<string>();
const fires = (policy: string, stack: StackResource[], expect?: RegExp, config?: Record<string, unknown>) => {
    fired.add(policy);
    const out = checkStack(policy, stack, config);
    assert.ok(out.applicable, `${policy} should apply`);
    assert.ok(out.messages.length > 0, `${policy} stayed silent`);
    if (expect)
        assert.ok(
            out.messages.some((m) => expect.test(m)),
            `${JSON.stringify(out.messages)} do not match ${expect}`,
        );
};

describe("stack policies", () => {
    for (const [name, meta] of Object.entries(policyMeta).filter(([, m]) => m.kind === "stack")) {
        describe(name, () => {
            for (const platform of Object.keys(stacks)) {
                const covers = (meta.platforms as string[]).includes(platform);
                it(covers ? `passes the good ${platform} stack` : `stays silent on a ${platform} stack`, () => {
                    const out = checkStack(name, stacks[platform](), { minRetentionDays: 7 });
                    assert.deepStrictEqual(out.messages, []);
                    if (covers && name !== "monitoring-alerts") assert.ok(out.applicable, `${name} should apply to ${platform}`);
                });
            }
        });
    }

    describe("datastore-backups fires", () => {
        it("docker: database without a backup container", () =>
            fires("datastore-backups", without(dockerStack(), "db-backup"), /no backup container/));
        it("docker: backup keeps too few days", () =>
            fires("datastore-backups", edit(dockerStack(), "db-backup", setLabel("tierform.backup.retention-days", "3")), /3 days/));
        it("docker: backup runs weekly", () =>
            fires("datastore-backups", edit(dockerStack(), "db-backup", setLabel("tierform.backup.schedule", "0 2 * * 0")), /RPO/));
        it("docker: a daily dump misses the spec's RPO the backup carries", () =>
            fires(
                "datastore-backups",
                edit(dockerStack(), "db-backup", setLabel("tierform.backup.rpo-minutes", "60")),
                /spec's RPO \(rpo-minutes\) needs every 60 min/,
            ));
        it("docker: the script prunes sooner than the declared retention (its prune-days label)", () =>
            fires(
                "datastore-backups",
                edit(dockerStack(), "db-backup", setLabel("tierform.backup.prune-days", "7")),
                /prunes backups after 7 days although it declares 30/,
            ));
        it("docker: a backup that declares no schedule", () =>
            fires(
                "datastore-backups",
                edit(dockerStack(), "db-backup", (p) => (p.labels = p.labels.filter((l: any) => l.label !== "tierform.backup.schedule"))),
                /no schedule/,
            ));
        it("docker: a one-shot container labelled backup is not the backup", () =>
            fires(
                "datastore-backups",
                [
                    ...without(dockerStack(), "db-backup"),
                    { type: CONTAINER, name: "chown", props: { ...backupFixture, mustRun: false, envs: [] } },
                ],
                /no backup container/,
            ));
        it("docker: database without a datastore label", () =>
            fires(
                "datastore-backups",
                edit(dockerStack(), "db", (p) => (p.labels = p.labels.filter((l: any) => l.label !== "tierform.datastore"))),
                /label/,
            ));
        it("kubernetes: CNPG cluster without ScheduledBackup or CronJob", () =>
            fires("datastore-backups", without(kubernetesStack(), "db-daily", "db-backup"), /no backup/));
        it("kubernetes: CronJob declares no retention", () =>
            fires(
                "datastore-backups",
                edit(
                    kubernetesStack(),
                    "db-backup",
                    (p) => (p.spec.jobTemplate.spec.template.spec.containers[0].env = [{ name: "PGHOST", value: "db-rw" }]),
                ),
                /retention/,
            ));
        it("kubernetes: a Barman Cloud plugin naming no ObjectStore of the stack archives nothing", () =>
            fires(
                "datastore-backups",
                edit(without(kubernetesStack(), "db-archive"), "db", annotate("tierform.io/rpo-minutes", "15")),
                /every 15 min/,
            ));
        it("kubernetes: the ScheduledBackup keeps what the plugin's ObjectStore keeps", () =>
            fires(
                "datastore-backups",
                edit(kubernetesStack(), "db-archive", (p) => (p.spec.retentionPolicy = "1d")),
                /keeps backups 1 days/,
            ));
        it("kubernetes: without WAL archiving a daily base backup misses the spec's RPO", () =>
            fires(
                "datastore-backups",
                edit(
                    edit(kubernetesStack(), "db", (p) => (p.spec.plugins[0].isWALArchiver = false)),
                    "db",
                    annotate("tierform.io/rpo-minutes", "15"),
                ),
                /every 15 min/,
            ));
        it("kubernetes: the mounted script prunes sooner than the CronJob declares (its prune-days annotation)", () =>
            fires(
                "datastore-backups",
                edit(kubernetesStack(), "db-backup", annotate("tierform.io/prune-days", "3")),
                /prunes backups after 3 days although it declares 7/,
            ));
        it("aws: RDS without automated backups or a selection", () =>
            fires(
                "datastore-backups",
                without(
                    edit(awsStack(), "db", (p) => (p.backupRetentionPeriod = 0)),
                    "selection",
                ),
                /neither/,
            ));
    });

    describe("datastore-backups reads the spec's recovery intent", () => {
        const silent = (stack: StackResource[]) =>
            assert.deepStrictEqual(checkStack("datastore-backups", stack, { minRetentionDays: 7 }).messages, []);
        it("docker: a 6-hourly incremental schedule meets a 6-hour RPO", () =>
            silent(
                edit(
                    dockerStack(),
                    "db-backup",
                    (p, r) => (
                        setLabel("tierform.backup.rpo-minutes", "360")(p, r),
                        setLabel("tierform.backup.incremental-schedule", "0 */6 * * *")(p, r)
                    ),
                ),
            ));
        it("docker: the retention may come from the script alone", () =>
            silent(
                edit(
                    dockerStack(),
                    "db-backup",
                    (p) => (p.labels = p.labels.filter((l: any) => l.label !== "tierform.backup.retention-days")),
                ),
            ));
        it("kubernetes: WAL archiving meets a 15-minute RPO whatever the base backup schedule", () =>
            silent(edit(kubernetesStack(), "db", annotate("tierform.io/rpo-minutes", "15"))));
        it("kubernetes: a mounted script that keeps what the CronJob declares", () =>
            silent(edit(kubernetesStack(), "db-backup", annotate("tierform.io/prune-days", "7"))));
    });

    describe("public-entry-tls-waf fires", () => {
        it("docker: a service publishes a port", () =>
            fires(
                "public-entry-tls-waf",
                edit(dockerStack(), "backend", (p) => (p.ports = [{ internal: 8000, external: 8000 }])),
                /only the edge/,
            ));
        it("kubernetes: Gateway TLS secret nobody provides", () =>
            fires("public-entry-tls-waf", without(kubernetesStack(), "edge-certificate"), /neither the program nor cert-manager/));
        it("kubernetes: Gateway without a rate-limit policy", () =>
            fires("public-entry-tls-waf", without(kubernetesStack(), "edge-traffic"), /no BackendTrafficPolicy/));
        it("aws: ALB without WAF", () => fires("public-entry-tls-waf", without(awsStack(), "waf-alb"), /WAFv2/));
        it("aws: ALB without HTTPS listener", () => fires("public-entry-tls-waf", without(awsStack(), "https"), /HTTPS listener/));
    });

    describe("k8s-preview-route-restricted fires", () => {
        it("a preview route without its SecurityPolicy", () =>
            fires(
                "k8s-preview-route-restricted",
                without(kubernetesStack(), "edge-backend-preview-allow"),
                /no SecurityPolicy restricts it/,
            ));
        it("a policy that allows by default", () =>
            fires(
                "k8s-preview-route-restricted",
                edit(kubernetesStack(), "edge-backend-preview-allow", (p) => (p.spec.authorization.defaultAction = "Allow")),
                /does not deny by default/,
            ));
        it("a policy that allows the internet", () =>
            fires(
                "k8s-preview-route-restricted",
                edit(
                    kubernetesStack(),
                    "edge-backend-preview-allow",
                    (p) => (p.spec.authorization.rules[0].principal.clientCIDRs = ["::/0"]),
                ),
                /allows ::\/0 to the preview/,
            ));
        it("a policy that targets another route", () =>
            fires(
                "k8s-preview-route-restricted",
                edit(kubernetesStack(), "edge-backend-preview-allow", (p) => (p.spec.targetRefs[0].name = "edge-backend")),
                /no SecurityPolicy restricts it/,
            ));
    });

    it("aws-alb-security-headers fires without CloudFront and without listener headers", () =>
        fires(
            "aws-alb-security-headers",
            edit(awsStack(), "https", (p) => delete p.routingHttpResponseStrictTransportSecurityHeaderValue),
            /Strict-Transport-Security/,
        ));

    describe("service-isolation fires", () => {
        it("docker: database on a non-internal network", () =>
            fires(
                "service-isolation",
                edit(dockerStack(), "internal", (p) => (p.internal = false)),
                /not internal/,
            ));
        it("docker: database on the default bridge", () =>
            fires(
                "service-isolation",
                edit(dockerStack(), "db", (p) => delete p.networksAdvanced),
                /default bridge/,
            ));
        it("docker: a container without any network (networkMode none) is isolated", () =>
            assert.deepStrictEqual(
                checkStack(
                    "service-isolation",
                    edit(dockerStack(), "db", (p) => ((p.networkMode = "none"), delete p.networksAdvanced)),
                ).messages,
                [],
            ));
        it("kubernetes: workload without NetworkPolicy", () =>
            fires("service-isolation", without(kubernetesStack(), "default-deny", "allow-backend"), /NetworkPolicy/));
        it("kubernetes: no default deny", () => fires("service-isolation", without(kubernetesStack(), "default-deny"), /default-deny/));
        it("aws: service security group open to the world", () =>
            fires(
                "service-isolation",
                edit(
                    awsStack(),
                    "backend-sg",
                    (p) => (p.ingress = [{ description: "x", protocol: "tcp", fromPort: 8000, toPort: 8000, cidrBlocks: ["0.0.0.0/0"] }]),
                ),
                /0\.0\.0\.0\/0/,
            ));
    });

    describe("aws-log-error-metrics fires", () => {
        it("a service's log group without a metric filter", () =>
            fires(
                "aws-log-error-metrics",
                without(awsStack(), "backend-error-lines"),
                /mdc-tts-prod\/backend \(service backend\) has no metric filter/,
            ));
        it("a filter on another log group", () =>
            fires(
                "aws-log-error-metrics",
                edit(awsStack(), "backend-error-lines", (p) => (p.logGroupName = "/tierform/mdc-tts-prod/frontend")),
                /no metric filter/,
            ));
    });

    describe("monitoring-alerts fires", () => {
        it("is not applicable on Docker", () => assert.strictEqual(checkStack("monitoring-alerts", dockerStack()).applicable, false));
        it("kubernetes: no PrometheusRule", () => fires("monitoring-alerts", without(kubernetesStack(), "alerts"), /PrometheusRule/));
        it("aws: no 5XX alarm", () => fires("monitoring-alerts", without(awsStack(), "alb-5xx"), /5XX/));
        it("aws: no database alarm", () => fires("monitoring-alerts", without(awsStack(), "db-cpu"), /RDS/));
    });

    describe("min-replicas fires", () => {
        it("kubernetes: served Deployment with HPA min 1", () =>
            fires(
                "min-replicas",
                edit(kubernetesStack(), "backend-hpa", (p) => (p.spec.minReplicas = 1)),
                /1 replica/,
                { minReplicas: 2 },
            ));
        it("kubernetes: a Recreate singleton is exempt", () => {
            const stack = without(
                edit(kubernetesStack(), "backend", (p) => ((p.spec.replicas = 1), (p.spec.strategy = { type: "Recreate" }))),
                "backend-hpa",
            );
            assert.deepStrictEqual(checkStack("min-replicas", stack, { minReplicas: 2 }).messages, []);
        });
        it("aws: load-balanced service with one task", () =>
            fires(
                "min-replicas",
                without(
                    edit(awsStack(), "backend", (p) => (p.desiredCount = 1)),
                    "backend-scaling",
                ),
                /1 task/,
                { minReplicas: 2 },
            ));
    });

    it("k8s-pdb-coverage fires without a PDB", () =>
        fires("k8s-pdb-coverage", without(kubernetesStack(), "backend-pdb"), /PodDisruptionBudget/));

    describe("AWS-only stack policies fire", () => {
        it("aws-multi-az: single-AZ RDS", () =>
            fires(
                "aws-multi-az",
                edit(awsStack(), "db", (p) => (p.multiAz = false)),
                /Multi-AZ/,
            ));
        it("aws-multi-az: one-instance DocumentDB cluster", () =>
            fires(
                "aws-multi-az",
                [
                    ...awsStack(),
                    { type: "aws:docdb/cluster:Cluster", name: "docs", props: { clusterIdentifier: "docs" } },
                    {
                        type: "aws:docdb/clusterInstance:ClusterInstance",
                        name: "docs-1",
                        props: { clusterIdentifier: "docs" },
                        deps: ["docs"],
                    },
                ],
                /1 instance/,
            ));
        it("aws-multi-az: redis without failover", () =>
            fires(
                "aws-multi-az",
                edit(awsStack(), "cache", (p) => (p.automaticFailoverEnabled = false)),
                /failover/,
            ));
        it("aws-s3-encryption: no SSE", () => fires("aws-s3-encryption", without(awsStack(), "media-sse"), /server-side encryption/));
        it("aws-s3-encryption: no TLS-only policy", () =>
            fires("aws-s3-encryption", without(awsStack(), "media-policy"), /SecureTransport/));
        it("aws-s3-public-access: no block", () => fires("aws-s3-public-access", without(awsStack(), "media-pab"), /public access block/));
        it("aws-s3-versioning: suspended", () =>
            fires(
                "aws-s3-versioning",
                edit(awsStack(), "media-versioning", (p) => (p.versioningConfiguration.status = "Suspended")),
                /not versioned/,
            ));
        it("aws-sqs-dead-letter: queue without DLQ", () =>
            fires(
                "aws-sqs-dead-letter",
                [...awsStack(), { type: "aws:sqs/queue:Queue", name: "orders", props: { name: "orders", sqsManagedSseEnabled: true } }],
                /orders/,
            ));
        it("aws-private-subnets: datastore subnet with a NAT route", () =>
            fires(
                "aws-private-subnets",
                edit(awsStack(), "db-subnets", (_p, r) => (r.deps = ["private-a"])),
                /isolated/,
            ));
        it("aws-private-subnets: service in a public subnet", () =>
            fires(
                "aws-private-subnets",
                edit(awsStack(), "backend", (_p, r) => r.deps!.push("public-a")),
                /internet gateway/,
            ));
        it("aws-vpc-flow-logs: none", () => fires("aws-vpc-flow-logs", without(awsStack(), "flow"), /flow log/));
        it("aws-waf-logging: none", () => fires("aws-waf-logging", without(awsStack(), "waf-logs"), /logging/));
    });

    describe("lifecycle policies fire (cases: test/policies/lifecycle.test.ts)", () => {
        it("end of life: a self-run MySQL 8.0", () =>
            fires(
                "lifecycle-end-of-life",
                edit(dockerStack(), "db", (props) => (props.image = "mysql:8.0.46")),
                /reached end of life on 2026-04-30/,
                { today: "2026-11-30" },
            ));
        it("support window: the dates table older than six months", () =>
            fires("lifecycle-support-window", dockerStack(), /lifecycle dates table/, { today: "2027-12-31" }));
    });

    it("a stack of no tierform platform is not applicable", () => {
        for (const [name, meta] of Object.entries(policyMeta)) {
            if (meta.kind !== "stack") continue;
            const out = checkStack(name, [{ type: "random:index/randomPassword:RandomPassword", name: "pw", props: {} }]);
            assert.strictEqual(out.applicable, false, name);
        }
    });

    it("docker fixtures use the Docker container type", () => assert.ok(dockerStack().some((r) => r.type === CONTAINER)));

    // Runs after every test of this suite, nested ones included: each stack policy must have fired in one of them.
    after("every stack policy was made to fire", () => {
        const missing = Object.entries(policyMeta)
            .filter(([, m]) => m.kind === "stack")
            .map(([n]) => n)
            .filter((n) => !fired.has(n));
        assert.deepStrictEqual(missing, []);
    });
});
