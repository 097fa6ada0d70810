/**
 * The pods' logs on the EKS placement (components/eks/logs.ts): the system namespace's pod logs shipped by staging's node
 * log collector to a CloudWatch Logs group per service (and one for the namespace's other pods) the program creates, with
 * the plan's retention and the placement's logs key; the collector's role writes to those groups only; each service's error
 * lines counted by a metric filter on its group, ErrorLogs on their sum, as on ECS.
 * One whole-program run (MealKitz on prod-eks, the run test/systems/eks.test.ts and traces.test.ts share).
 *
 * The real collector (`otelcol-contrib validate`) cannot be installed here and the project validates no collector
 * configuration against it, so the exporter's settings are checked against its Config struct as its source declares it
 * (opentelemetry-collector-contrib exporter/awscloudwatchlogsexporter config.go and config.schema.yaml: the mapstructure
 * keys; internal/aws/awsutil AWSSessionSettings, squashed into it: `region`; util.go `patternKeyToAttributeMap`: the
 * placeholders `isPatternValid` admits and the resource attributes each reads).
 */
import * as assert from "assert";
import { loadStack } from "../../model";
import { planSystem } from "../../plan";
import { engineProblems } from "../../scripts/offline/engine-rules";
import { awsOutputs } from "../../scripts/offline/mock-outputs/aws";
import { errorLinePattern, errorLineRegex, errorLinesMetric, LOG_QUERIES, metricNamespace } from "../../components/aws/observability";
import { OTHER_PODS, serviceComponents } from "../../components/eks/logs";
import { LOG_COLLECTOR_NAMESPACE, otelLogsValues } from "../../components/kubernetes/observability";
import { planStack, stackConfig, type Plan, type PlannedResource } from "../harness";

const json = (v: unknown) => (typeof v === "string" ? JSON.parse(v) : v);
const list = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);
const arnOf = (r: PlannedResource): string => awsOutputs(r.type, r.name, r.inputs, "us-east-1")!.arn;

/** The exporter's configuration keys (config.go / config.schema.yaml, and AWSSessionSettings squashed in). */
const EXPORTER_KEYS = new Set([
    "log_group_name",
    "log_stream_name",
    "endpoint",
    "log_retention",
    "tags",
    "raw_log",
    "sending_queue",
    "retry_on_failure",
    "num_workers",
    "request_timeout_seconds",
    "max_retries",
    "no_verify_ssl",
    "proxy_address",
    "region",
    "local_mode",
    "resource_arn",
    "role_arn",
]);

/** The exporter's placeholders and the resource attribute each falls back to (util.go `patternKeyToAttributeMap`); the key itself is looked up first. */
const PLACEHOLDERS: Record<string, string> = {
    ClusterName: "aws.ecs.cluster.name",
    TaskId: "aws.ecs.task.id",
    NodeName: "k8s.node.name",
    PodName: "pod",
    ServiceName: "service.name",
    ContainerInstanceId: "aws.ecs.container.instance.id",
    TaskDefinitionFamily: "aws.ecs.task.family",
    InstanceId: "service.instance.id",
    FaasName: "faas.name",
    FaasVersion: "faas.version",
};

describe("the EKS placement's pod logs (MealKitz on prod-eks): CloudWatch Logs through the node log collector", function () {
    this.timeout(120_000);
    let plan: Plan;
    /** The pods' groups by the `ServiceName` the collector gives their records: each service, and the other pods. */
    let groups: Record<string, PlannedResource>;
    let release: PlannedResource;
    const expected = planSystem(loadStack(stackConfig({ stack: "prod-eks", system: "mealkitz" })).system, "aws", "eks");
    const services = Object.keys(expected.services);
    const PREFIX = "/tierform/mealkitz-prod/eks-pods/";

    before(async () => {
        plan = await planStack({ stack: "prod-eks", system: "mealkitz" });
        const pods = plan.ofType("aws:cloudwatch/logGroup:LogGroup").filter((g) => String(g.inputs.name).startsWith(PREFIX));
        groups = Object.fromEntries(pods.map((g) => [String(g.inputs.name).slice(PREFIX.length), g]));
        assert.deepEqual(Object.keys(groups).sort(), [...services, OTHER_PODS].sort(), "a group per service and one for the other pods");
        const releases = plan
            .ofType("kubernetes:helm.sh/v3:Release")
            .filter((r) => r.inputs.name === "otel-logs" && r.inputs.namespace === LOG_COLLECTOR_NAMESPACE);
        assert.equal(releases.length, 1, "the node log collector's release");
        release = releases[0];
    });

    it("every group keeps the plan's logRetentionDays and is encrypted with the placement's logs key, whose policy admits CloudWatch Logs for it", () => {
        const [key] = plan.ofType("aws:kms/key:Key").filter((k) => / logs$/.test(k.inputs.description));
        assert.ok(key, "the logs key");
        for (const group of Object.values(groups)) {
            assert.equal(group.inputs.retentionInDays, expected.observability.logRetentionDays, group.inputs.name);
            assert.equal(group.inputs.kmsKeyId, arnOf(key), group.inputs.name);
        }
        const group = groups[services[0]];
        const statement = json(key.inputs.policy).Statement.find((s: any) => s.Principal?.Service === "logs.us-east-1.amazonaws.com");
        assert.ok(statement, "CloudWatch Logs may use the key");
        const like = String(statement.Condition.ArnLike["kms:EncryptionContext:aws:logs:arn"]);
        const glob = new RegExp(`^${like.replace(/[.*+?^${}()|[\]\\]/g, (c) => (c === "*" ? ".*" : `\\${c}`))}$`);
        assert.ok(glob.test(`arn:aws:logs:us-east-1:123456789012:log-group:${group.inputs.name}`), like);
    });

    it("the collector is staging's DaemonSet in its privileged namespace, reading only the system namespace's pod logs, to awscloudwatchlogs", () => {
        const values = release.inputs.values;
        const staging = otelLogsValues() as Record<string, any>;
        // Everything but the configuration and the ServiceAccount's name is staging's: mode, presets, image, limits, name.
        for (const k of Object.keys(staging).filter((k) => k !== "config")) assert.deepEqual(values[k], staging[k], k);
        assert.deepEqual(values.config.processors.k8sattributes, staging.config.processors.k8sattributes);
        assert.equal(release.inputs.createNamespace, false);
        const [ns] = plan.ofType("kubernetes:core/v1:Namespace").filter((n) => n.inputs.metadata.name === LOG_COLLECTOR_NAMESPACE);
        assert.equal(ns.inputs.metadata.labels["pod-security.kubernetes.io/enforce"], "privileged");
        assert.match(ns.inputs.metadata.annotations["tierform.io/pod-security-exception"], /hostPath/);

        const namespace = plan.ofType("kubernetes:apps/v1:Deployment")[0].inputs.metadata.namespace;
        assert.ok(namespace);
        assert.deepEqual(values.config.receivers.filelog.include, [`/var/log/pods/${namespace}_*/*/*.log`]);
        const logs = values.config.service.pipelines.logs;
        assert.deepEqual(logs.receivers, ["filelog"], "no OTLP receiver feeds the group");
        assert.deepEqual(logs.exporters, ["awscloudwatchlogs"]);

        const exporter = values.config.exporters.awscloudwatchlogs;
        assert.deepEqual(exporter, {
            region: "us-east-1",
            log_group_name: `${PREFIX}{ServiceName}`,
            log_stream_name: "{PodName}",
            raw_log: true,
        });
        assert.deepEqual(Object.keys(values.config.exporters), ["awscloudwatchlogs"], "Loki's exporter is gone");
        for (const k of Object.keys(exporter)) assert.ok(EXPORTER_KEYS.has(k), `${k}: a key of the exporter's Config`);
        // Each placeholder is one the exporter admits, and a processor of the pipeline sets the key it reads first on every record.
        const set = new Set(
            logs.processors.flatMap((p: string) => [
                ...(values.config.processors[p]?.attributes ?? []).map((a: { key: string }) => a.key),
                ...(values.config.processors[p]?.log_statements ?? [])
                    .flatMap((g: { statements: string[] }) => g.statements)
                    .filter((st: string) => !st.includes(" where "))
                    .flatMap((st: string) => /^set\(attributes\["([^"]+)"\]/.exec(st)?.[1] ?? []),
            ]),
        );
        for (const [, placeholder] of `${exporter.log_group_name} ${exporter.log_stream_name}`.matchAll(/\{([^{}]*)\}/g)) {
            assert.ok(placeholder in PLACEHOLDERS, `{${placeholder}}: a placeholder of the exporter`);
            assert.ok(set.has(placeholder), `{${placeholder}}: set on every record by the pipeline`);
        }
        // The filelog receiver's container parser sets k8s.pod.name from the log's path.
        const copies = values.config.processors["resource/cloudwatch"].attributes;
        assert.deepEqual(
            copies.map((a: Record<string, string>) => [a.key, a.from_attribute]),
            [["PodName", "k8s.pod.name"]],
        );
        assert.deepEqual(logs.processors.slice(-3), ["resource/cloudwatch", "transform/service", "batch"]);
        assert.ok(
            staging.config.processors.k8sattributes.extract.labels.some(
                (l: Record<string, string>) => l.tag_name === "component" && l.key === "app.kubernetes.io/name",
            ),
        );
    });

    it("the collector's ServiceAccount takes a Pod Identity role that may only create streams in and put events to those groups; the release waits for the association", () => {
        assert.deepEqual(release.inputs.values.serviceAccount, { create: true, name: "otel-logs" });
        const associations = plan
            .ofType("aws:eks/podIdentityAssociation:PodIdentityAssociation")
            .filter((a) => a.inputs.namespace === LOG_COLLECTOR_NAMESPACE && a.inputs.serviceAccount === "otel-logs");
        assert.equal(associations.length, 1);
        const [association] = associations;
        const role = plan.ofType("aws:iam/role:Role").find((r) => arnOf(r) === association.inputs.roleArn);
        assert.ok(role, "the association's role");
        const trust = json(role.inputs.assumeRolePolicy).Statement;
        assert.equal(trust.length, 1);
        assert.equal(trust[0].Condition.StringEquals["aws:RequestTag/kubernetes-namespace"], LOG_COLLECTOR_NAMESPACE);
        assert.equal(trust[0].Condition.StringEquals["aws:RequestTag/kubernetes-service-account"], "otel-logs");
        const policies = plan
            .ofType("aws:iam/rolePolicy:RolePolicy")
            .filter((p) => p.name === association.name.replace(/-association$/, "-role-access"));
        assert.equal(policies.length, 1, "one inline policy");
        const arns = Object.values(groups).flatMap((g) => [arnOf(g), `${arnOf(g)}:log-stream:*`]);
        assert.deepEqual(
            json(policies[0].inputs.policy).Statement.map((s: { Effect: string; Action: string[]; Resource: string[] }) => [
                s.Effect,
                [...list(s.Action)].sort(),
                [...list(s.Resource)].sort(),
            ]),
            [["Allow", ["logs:CreateLogStream", "logs:PutLogEvents"], arns.sort()]],
        );
        assert.ok(release.dependencies.includes(association.urn), "the release waits for the association (the pods' credentials)");
        for (const g of Object.values(groups))
            assert.ok(release.dependencies.includes(g.urn), `and for ${g.inputs.name} (the role cannot create it)`);
    });

    it("the collector names each record's group: a service's pods, migration Job and promotion checks its own, every other pod the others' (each group exists)", () => {
        const statements: string[] = release.inputs.values.config.processors["transform/service"].log_statements.flatMap(
            (g: { context: string; statements: string[] }) => {
                assert.equal(g.context, "resource");
                return g.statements;
            },
        );
        // The OTTL these statements use: set(attributes["K"], "v") [where attributes["c"] == "x" or ...], run in order.
        const serviceName = (component: string | undefined): string => {
            let value: string | undefined;
            for (const st of statements) {
                const m = /^set\(attributes\["ServiceName"\], "([^"]+)"\)(?: where (.+))?$/.exec(st);
                assert.ok(m, `an OTTL statement of the form read here: ${st}`);
                const holds =
                    m[2] === undefined ||
                    m[2].split(" or ").some((c) => {
                        const eq = /^attributes\["component"\] == "([^"]+)"$/.exec(c);
                        assert.ok(eq, c);
                        return component === eq[1];
                    });
                if (holds) value = m[1];
            }
            return value!;
        };
        for (const service of services)
            for (const component of serviceComponents(service)) assert.equal(serviceName(component), service, component);
        for (const component of ["prometheus", "order-2", "orders", undefined])
            assert.equal(serviceName(component), OTHER_PODS, String(component));
        // Every name the collector can give is a group the program creates.
        for (const name of new Set([...services.flatMap((s) => serviceComponents(s).map(serviceName)), OTHER_PODS]))
            assert.ok(groups[name], `${PREFIX}${name} exists`);
    });

    it("ErrorLogs as on ECS: a metric filter per service's group counts the plan's error lines into its own metric, the alarm sums them; the saved queries and the dashboard read the services' groups", () => {
        const namespace = metricNamespace(expected);
        const filters = plan.ofType("aws:cloudwatch/logMetricFilter:LogMetricFilter");
        assert.equal(filters.length, services.length, "one filter per service, none on the other pods' group");
        for (const service of services) {
            const mine = filters.filter((f) => f.inputs.logGroupName === groups[service].inputs.name);
            assert.equal(mine.length, 1, service);
            assert.equal(mine[0].inputs.pattern, errorLinePattern(expected.observability.errorLines));
            assert.deepEqual(mine[0].inputs.metricTransformation, {
                namespace,
                name: errorLinesMetric(service),
                value: "1",
                defaultValue: "0",
                unit: "Count",
            });
        }
        const alert = expected.observability.alerts.find((a) => a.id === "ErrorLogs")!;
        const alarms = plan.ofType("aws:cloudwatch/metricAlarm:MetricAlarm").filter((a) => /^ErrorLogs: /.test(a.inputs.alarmDescription));
        assert.equal(alarms.length, 1);
        const [alarm] = alarms;
        const queries = alarm.inputs.metricQueries as { metric?: { namespace: string; metricName: string; period: number } }[];
        assert.deepEqual(
            queries
                .filter((q) => q.metric)
                .map((q) => `${q.metric!.namespace} ${q.metric!.metricName} ${q.metric!.period}`)
                .sort(),
            services.map((s) => `${namespace} ${errorLinesMetric(s)} ${alert.windowMinutes * 60}`).sort(),
        );
        assert.equal(alarm.inputs.threshold, alert.threshold);
        assert.equal(alarm.inputs.comparisonOperator, "GreaterThanThreshold");
        assert.equal(alarm.inputs.evaluationPeriods, alert.forMinutes / alert.windowMinutes);
        const [topic] = plan.ofType("aws:sns/topic:Topic").filter((t) => arnOf(t) === alarm.inputs.alarmActions[0]);
        assert.ok(topic, "the alarm notifies the system's alarm topic");
        // The ECS services' saved queries, over the services' groups, each event's service the last segment of its group.
        const defs = plan.ofType("aws:cloudwatch/queryDefinition:QueryDefinition");
        assert.deepEqual(
            defs.map((d) => d.inputs.name).sort(),
            Object.keys(LOG_QUERIES)
                .map((k) => `tierform/mealkitz-prod/${k}`)
                .sort(),
        );
        for (const d of defs) {
            assert.deepEqual([...d.inputs.logGroupNames].sort(), services.map((s) => groups[s].inputs.name).sort(), d.inputs.name);
            const parse = /^\| parse @log \/(.*)\/$/m.exec(d.inputs.queryString);
            assert.ok(parse, `${d.inputs.name}: names the service from the group`);
            const service = new RegExp(parse[1]).exec(`123456789012:${PREFIX}order`)?.groups?.service;
            assert.equal(service, "order", `${d.inputs.name}: a group ${PREFIX}<service> gives its service`);
        }
        const errors = defs.find((d) => d.inputs.name.endsWith("/errors-by-service"))!;
        assert.ok(errors.inputs.queryString.includes(`like /${errorLineRegex(expected.observability.errorLines)}/`));
        // The engine's rules (aws-metric-filter-pattern among them) refuse nothing in the run.
        assert.deepEqual(engineProblems(plan.run), []);
    });
});
