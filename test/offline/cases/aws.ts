/** Engine-rule cases of the AWS rules (scripts/offline/engine-rules/aws.ts). */
import { recorded, type EngineRuleCase } from "../helpers";
import { imageCachePrefix } from "../../../components/aws/image-cache";

const LB = "aws:lb/loadBalancer:LoadBalancer";
const TG = "aws:lb/targetGroup:TargetGroup";
const ROLE = "aws:iam/role:Role";
const BUCKET = "aws:s3/bucket:Bucket";
const QUEUE = "aws:sqs/queue:Queue";
const CACHE = "aws:elasticache/replicationGroup:ReplicationGroup";
const RDS = "aws:rds/instance:Instance";
const VAULT = "aws:backup/vault:Vault";
const ALIAS = "aws:kms/alias:Alias";
const EVENT_RULE = "aws:cloudwatch/eventRule:EventRule";
const INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const SG = "aws:ec2/securityGroup:SecurityGroup";
const TASK = "aws:ecs/taskDefinition:TaskDefinition";
const RULE = "aws:lb/listenerRule:ListenerRule";
const WAF = "aws:wafv2/webAcl:WebAcl";
const PLAN = "aws:backup/plan:Plan";
const LOGS = "aws:cloudwatch/logGroup:LogGroup";
const FLOW = "aws:ec2/flowLog:FlowLog";
const SERVICE = "aws:ecs/service:Service";
const PTC = "aws:ecr/pullThroughCacheRule:PullThroughCacheRule";
const ACCESS_POINT = "aws:efs/accessPoint:AccessPoint";
const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
/** A metric of an alarm's metric math. */
const alarmMetric = (id: string, period = 60) => ({
    id,
    metric: {
        namespace: "AWS/RDS",
        metricName: "DatabaseConnections",
        dimensions: { DBInstanceIdentifier: "db" },
        period,
        stat: "SampleCount",
    },
    returnData: false,
});
/** An EFS volume as files.ts builds it: through an access point, TLS, IAM authorization. */
const EFS_VOLUME = {
    name: "share-0",
    efsVolumeConfiguration: {
        fileSystemId: "fs-1",
        transitEncryption: "ENABLED",
        authorizationConfig: { accessPointId: "fsap-1", iam: "ENABLED" },
    },
};
const efsTask = (volume: Record<string, any> = EFS_VOLUME) =>
    recorded(TASK, "t", { requiresCompatibilities: ["FARGATE"], cpu: "256", memory: "512", volumes: [{ name: "scratch-0" }, volume] });
const efsService = (platformVersion?: string) =>
    recorded(
        SERVICE,
        "s",
        { launchType: "FARGATE", ...(platformVersion ? { platformVersion } : {}) },
        { dependencies: ["urn:pulumi:test::tierform::aws:ecs/taskDefinition:TaskDefinition::t"] },
    );
const accessPoint = (rootDirectory: Record<string, any>, uid = 10001) =>
    recorded(ACCESS_POINT, "ap", { fileSystemId: "fs-1", posixUser: { uid, gid: uid }, rootDirectory });
const CREATION = { ownerUid: 10001, ownerGid: 10001, permissions: "750" };
/** A blue/green or canary ECS service as service.ts builds it: both target groups, the rule, the role, rollback alarms. */
const shifting = (deploymentConfiguration: Record<string, any>, advanced: Record<string, any> | null = ADVANCED, alarmNames = ["a-5xx"]) =>
    recorded(SERVICE, "s", {
        launchType: "FARGATE",
        deploymentConfiguration,
        loadBalancers: [
            { targetGroupArn: "tg", containerName: "web", containerPort: 80, ...(advanced ? { advancedConfiguration: advanced } : {}) },
        ],
        alarms: { alarmNames, enable: true, rollback: true },
    });
const ADVANCED = { alternateTargetGroupArn: "tg-alt", productionListenerRule: "rule", roleArn: "role" };
const HOOK = {
    hookTargetArn: "arn:aws:lambda:us-east-1:123456789012:function:hook",
    roleArn: "role-hook",
    lifecycleStages: ["PRE_SCALE_UP"],
    hookDetails: '{"service":"web"}',
};

/** Every AWS rule's cases. */
const EKS = "aws:eks/cluster:Cluster";
/** An EKS Auto Mode cluster as components/eks/cluster.ts registers it, with `edit` over it. */
const eksCluster = (edit: Record<string, unknown> = {}) => ({
    name: "shop-prod",
    vpcConfig: { subnetIds: ["s-1", "s-2"], endpointPrivateAccess: true, endpointPublicAccess: false },
    bootstrapSelfManagedAddons: false,
    computeConfig: { enabled: true, nodePools: ["general-purpose", "system"] },
    kubernetesNetworkConfig: { elasticLoadBalancing: { enabled: true } },
    storageConfig: { blockStorage: { enabled: true } },
    ...edit,
});
/** A Pod Identity association and the role it names, trusting `service` for `actions`. */
const podIdentity = (actions: string[], service = "pods.eks.amazonaws.com") => {
    const role = recorded(ROLE, "shop-order-role", {
        assumeRolePolicy: JSON.stringify({
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: actions }],
        }),
    });
    return [
        role,
        recorded(
            "aws:eks/podIdentityAssociation:PodIdentityAssociation",
            "shop-order-association",
            {
                clusterName: "shop-prod",
                namespace: "shop",
                serviceAccount: "order",
                roleArn: "arn:aws:iam::123456789012:role/shop-order-role",
            },
            { dependencies: [role.urn] },
        ),
    ];
};

const FILTER = "aws:cloudwatch/logMetricFilter:LogMetricFilter";

export const awsRuleCases: EngineRuleCase[] = [
    {
        rule: "aws-metric-filter-pattern",
        good: [
            recorded(FILTER, "f", { name: "web-error-lines", pattern: "%[Ll]evel.{1,4}[Ee][Rr][Rr][Oo][Rr]|ERROR|Traceback%" }),
            recorded(FILTER, "g", { name: "json", pattern: '{ $.level = "error" }' }),
        ],
        bad: [
            {
                why: "a regex with a group",
                resources: [recorded(FILTER, "f", { pattern: "%(ERROR|FATAL)%" })],
                expect: /refuses \("\(\)"\)/,
            },
            { why: "a regex with a space", resources: [recorded(FILTER, "f", { pattern: "%level error%" })], expect: /refuses \(" "\)/ },
            {
                why: "a pattern over 1024 characters",
                resources: [recorded(FILTER, "f", { pattern: `%${"a".repeat(1030)}%` })],
                expect: /the limit is 1024/,
            },
        ],
    },
    {
        rule: "aws-name-limits",
        good: [
            recorded(LB, "mealkitz-edge-alb", { name: "mealkitz-prod" }),
            recorded(TG, "mealkitz-edge-notification", { name: "mealkitz-prod-notification" }),
            recorded(TG, "shop-web", {}), // auto-name 'shop-web-xxxxxxx' fits 32
            recorded(ROLE, "r", { namePrefix: "mealkitz-payment-execution-" }),
            recorded(BUCKET, "b", { bucketPrefix: "mealkitz-prod-assets-" }),
            recorded(QUEUE, "q", { name: "mealkitz-prod-events.fifo", fifoQueue: true }),
            recorded(CACHE, "c", { replicationGroupId: "mealkitz-cache" }),
            recorded(RDS, "d", { identifier: "mealkitz-db-replica-1" }),
            recorded(VAULT, "v", { name: "mealkitz-prod-dr" }),
            recorded(ALIAS, "a", { name: "alias/tierform/mealkitz-prod-data" }),
            recorded("aws:cloudwatch/dashboard:Dashboard", "d", { dashboardName: "mealkitz-prod" }),
        ],
        bad: [
            {
                why: "a target group auto-named from a long logical name (pulumi-aws adds 7 random characters)",
                resources: [recorded(TG, "mealkitz-edge-notification", {})],
                expect: /auto-name 'mealkitz-edge-notification-' plus 7 random characters \(34 characters.*not 1-32/,
            },
            {
                why: "a dashboard name with a dot (PutDashboard: letters, digits, - and _)",
                resources: [recorded("aws:cloudwatch/dashboard:Dashboard", "d", { dashboardName: "mealkitz.prod" })],
                expect: /character rule/,
            },
            {
                why: "a load balancer name of 33 characters",
                resources: [recorded(LB, "lb", { name: "a".repeat(33) })],
                expect: /33 characters\) is not 1-32/,
            },
            {
                why: "a load balancer name starting with internal-",
                resources: [recorded(LB, "lb", { name: "internal-shop" })],
                expect: /character rule/,
            },
            {
                why: "an IAM role auto-name over 64 characters",
                resources: [recorded(ROLE, "asset-management-xxxxxxxxxxxxxxxxxxxxxxx-network-flow-logs", {})],
            },
            {
                why: "an IAM role prefix over 38 characters (plus the 26-character suffix)",
                resources: [recorded(ROLE, "r", { namePrefix: `${"a".repeat(39)}-` })],
                expect: /namePrefix/,
            },
            {
                why: "an S3 bucket name with capitals",
                resources: [recorded(BUCKET, "b", { bucket: "Shop-Assets" })],
                expect: /character rule/,
            },
            { why: "an S3 bucket prefix of 38 characters", resources: [recorded(BUCKET, "b", { bucketPrefix: "a".repeat(38) })] },
            { why: "an SQS name with a dot that is not .fifo", resources: [recorded(QUEUE, "q", { name: "shop.events" })] },
            {
                why: "an ElastiCache replication group id of 41 characters",
                resources: [recorded(CACHE, "c", { replicationGroupId: `a${"b".repeat(40)}` })],
                expect: /not 1-40/,
            },
            { why: "an RDS identifier with a double hyphen", resources: [recorded(RDS, "d", { identifier: "shop--db" })] },
            { why: "a Backup vault name of 51 characters", resources: [recorded(VAULT, "v", { name: "v".repeat(51) })] },
            { why: "a KMS alias without alias/", resources: [recorded(ALIAS, "a", { name: "tierform/shop" })] },
            { why: "an EventBridge rule name of 65 characters", resources: [recorded(EVENT_RULE, "e", { name: "e".repeat(65) })] },
        ],
    },
    {
        rule: "aws-ec2-description-characters",
        good: [
            recorded(INGRESS, "i", { description: "HTTPS from the CloudFront origin-facing prefix list" }),
            recorded(SG, "g", { description: "shop service web: port 8000 (from the load balancer) only" }),
        ],
        bad: [
            {
                why: "an apostrophe in a rule description",
                resources: [recorded(INGRESS, "i", { description: "HTTPS from CloudFront's origin-facing addresses" })],
                expect: /characters EC2 refuses \("'"\)/,
            },
            { why: "a non-ASCII character in a group description", resources: [recorded(SG, "g", { description: "café service" })] },
            {
                why: "a description of 256 characters",
                resources: [recorded(SG, "g", { description: "d".repeat(256) })],
                expect: /limit is 255/,
            },
        ],
    },
    {
        rule: "aws-tag-limits",
        good: [recorded(SG, "g", { tags: { system: "shop", tier: "network" } })],
        bad: [
            {
                why: "51 tags",
                resources: [recorded(SG, "g", { tags: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, "v"])) })],
                expect: /51 tags/,
            },
            { why: "a tag value of 257 characters", resources: [recorded(BUCKET, "b", { tags: { note: "v".repeat(257) } })] },
            { why: "a tag key of 129 characters", resources: [recorded(BUCKET, "b", { tags: { ["k".repeat(129)]: "v" } })] },
            {
                why: "a tag key starting with aws:",
                resources: [recorded(BUCKET, "b", { tags: { "aws:owner": "me" } })],
                expect: /reserved/,
            },
        ],
    },
    {
        rule: "aws-fargate-task-size",
        good: [
            recorded(TASK, "t", { requiresCompatibilities: ["FARGATE"], cpu: "256", memory: "512" }),
            recorded(TASK, "t2", { requiresCompatibilities: ["FARGATE"], cpu: "1024", memory: "2048" }),
        ],
        bad: [
            {
                why: "1 vCPU with 1 GiB",
                resources: [recorded(TASK, "t", { requiresCompatibilities: ["FARGATE"], cpu: "1024", memory: "1024" })],
                expect: /1024 MiB does not go with 1024 CPU units/,
            },
            {
                why: "768 CPU units",
                resources: [recorded(TASK, "t", { requiresCompatibilities: ["FARGATE"], cpu: "768", memory: "2048" })],
                expect: /not a Fargate size/,
            },
        ],
    },
    {
        rule: "aws-ecs-container-definitions",
        good: [
            // The shape of a traced task (components/aws/service): the application, a one-shot step and the ADOT collector.
            recorded(TASK, "t", {
                requiresCompatibilities: ["FARGATE"],
                cpu: "256",
                memory: "1024",
                containerDefinitions: JSON.stringify([
                    {
                        name: "app",
                        dependsOn: [
                            { containerName: "volume-permissions", condition: "SUCCESS" },
                            { containerName: "adot-collector", condition: "START" },
                        ],
                    },
                    { name: "volume-permissions", essential: false, cpu: 0, memoryReservation: 16 },
                    { name: "adot-collector", essential: false, cpu: 64, memory: 256, healthCheck: { command: ["CMD", "/healthcheck"] } },
                ]),
            }),
        ],
        bad: [
            {
                why: "containers reserving more memory than the task has",
                resources: [
                    recorded(TASK, "t", {
                        requiresCompatibilities: ["FARGATE"],
                        cpu: "256",
                        memory: "512",
                        containerDefinitions: JSON.stringify([
                            { name: "app", memory: 384 },
                            { name: "adot-collector", essential: false, memory: 256 },
                        ]),
                    }),
                ],
                expect: /reserve 640 MiB; the task has 512/,
            },
            {
                why: "containers reserving more CPU units than the task has",
                resources: [
                    recorded(TASK, "t", {
                        requiresCompatibilities: ["FARGATE"],
                        cpu: "256",
                        memory: "512",
                        containerDefinitions: JSON.stringify([
                            { name: "app", cpu: 256 },
                            { name: "adot-collector", essential: false, cpu: 64 },
                        ]),
                    }),
                ],
                expect: /reserve 320 CPU units; the task has 256/,
            },
            {
                why: "SUCCESS on an essential container",
                resources: [
                    recorded(TASK, "t", {
                        cpu: "256",
                        memory: "512",
                        containerDefinitions: JSON.stringify([
                            { name: "app", dependsOn: [{ containerName: "migrate", condition: "SUCCESS" }] },
                            { name: "migrate" },
                        ]),
                    }),
                ],
                expect: /SUCCESS on 'migrate', an essential container/,
            },
            {
                why: "HEALTHY on a container without a health check",
                resources: [
                    recorded(TASK, "t", {
                        cpu: "256",
                        memory: "512",
                        containerDefinitions: JSON.stringify([
                            { name: "app", dependsOn: [{ containerName: "adot-collector", condition: "HEALTHY" }] },
                            { name: "adot-collector", essential: false },
                        ]),
                    }),
                ],
                expect: /HEALTHY on 'adot-collector', which has no health check/,
            },
            {
                why: "a dependency on no container of the task",
                resources: [
                    recorded(TASK, "t", {
                        cpu: "256",
                        memory: "512",
                        containerDefinitions: JSON.stringify([{ name: "app", dependsOn: [{ containerName: "gone", condition: "START" }] }]),
                    }),
                ],
                expect: /'app' depends on 'gone', which is not a container of the task/,
            },
            {
                why: "no essential container",
                resources: [
                    recorded(TASK, "t", {
                        cpu: "256",
                        memory: "512",
                        containerDefinitions: JSON.stringify([{ name: "app", essential: false }]),
                    }),
                ],
                expect: /no container is essential/,
            },
        ],
    },
    {
        rule: "aws-listener-rule-limits",
        good: [
            recorded(RULE, "r", {
                priority: 10,
                conditions: [
                    { pathPattern: { values: ["/api", "/api/*"] } },
                    { httpHeader: { httpHeaderName: "X-Origin-Verify", values: ["s"] } },
                ],
            }),
        ],
        bad: [
            { why: "priority 0", resources: [recorded(RULE, "r", { priority: 0, conditions: [] })], expect: /1-50000/ },
            { why: "priority 50001", resources: [recorded(RULE, "r", { priority: 50001, conditions: [] })] },
            {
                why: "six condition values",
                resources: [
                    recorded(RULE, "r", {
                        priority: 1,
                        conditions: [
                            { pathPattern: { values: ["/a", "/a/*"] } },
                            { sourceIp: { values: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"] } },
                        ],
                    }),
                ],
                expect: /6 condition values/,
            },
            {
                why: "a path pattern of 129 characters",
                resources: [recorded(RULE, "r", { priority: 1, conditions: [{ pathPattern: { values: [`/${"p".repeat(128)}`] } }] })],
            },
        ],
    },
    {
        rule: "aws-wafv2-names",
        good: [
            recorded(WAF, "w", {
                visibilityConfig: { metricName: "shop-alb-acl" },
                rules: [{ name: "rate-limit-per-client", visibilityConfig: { metricName: "shop-alb-rate" } }],
            }),
        ],
        bad: [
            {
                why: "a rule name with a space",
                resources: [recorded(WAF, "w", { rules: [{ name: "rate limit", visibilityConfig: { metricName: "m" } }] })],
            },
            {
                why: "a metric name with a space",
                resources: [recorded(WAF, "w", { visibilityConfig: { metricName: "shop acl" } })],
                expect: /metric name/,
            },
        ],
    },
    {
        rule: "aws-backup-rule-names",
        good: [recorded(PLAN, "p", { rules: [{ ruleName: "daily", lifecycle: { coldStorageAfter: 30, deleteAfter: 120 } }] })],
        bad: [
            { why: "a rule name with a space", resources: [recorded(PLAN, "p", { rules: [{ ruleName: "daily backup" }] })] },
            {
                why: "deletion less than 90 days after cold storage",
                resources: [recorded(PLAN, "p", { rules: [{ ruleName: "daily", lifecycle: { coldStorageAfter: 30, deleteAfter: 60 } }] })],
                expect: /90 days/,
            },
        ],
    },
    {
        rule: "aws-metric-alarm-evaluation",
        good: [
            recorded(ALARM, "a", { period: 3600, evaluationPeriods: 168, datapointsToAlarm: 168 }),
            recorded(ALARM, "m", {
                evaluationPeriods: 5,
                metricQueries: [alarmMetric("i0"), { id: "ready", expression: "IF(FILL(i0, 0) > 0, 1, 0)", returnData: true }],
            }),
            recorded(ALARM, "pi", {
                evaluationPeriods: 1,
                metricQueries: [{ id: "c", expression: "DB_PERF_INSIGHTS('RDS', 'db-X', 'x.avg')", period: 300, returnData: true }],
            }),
        ],
        bad: [
            { why: "a period of 90 s", resources: [recorded(ALARM, "a", { period: 90, evaluationPeriods: 1 })], expect: /multiple of 60/ },
            {
                why: "8 days of hourly periods",
                resources: [recorded(ALARM, "a", { period: 3600, evaluationPeriods: 192 })],
                expect: /limit is 604800/,
            },
            {
                why: "more than a day of minutes",
                resources: [recorded(ALARM, "a", { period: 60, evaluationPeriods: 1441 })],
                expect: /limit is 86400 s for periods under an hour/,
            },
            {
                why: "more than a day of a metric's minutes in metric math",
                resources: [recorded(ALARM, "m", { evaluationPeriods: 1500, metricQueries: [{ ...alarmMetric("i0"), returnData: true }] })],
                expect: /86400/,
            },
            {
                why: "M above N",
                resources: [recorded(ALARM, "a", { period: 3600, evaluationPeriods: 2, datapointsToAlarm: 3 })],
                expect: /more than evaluationPeriods/,
            },
            {
                why: "two queries returning data",
                resources: [
                    recorded(ALARM, "m", {
                        evaluationPeriods: 1,
                        metricQueries: [alarmMetric("a"), { ...alarmMetric("b"), returnData: true }, { id: "e", expression: "a + b" }],
                    }),
                ],
                expect: /2 queries return data/,
            },
        ],
    },
    {
        rule: "aws-value-ranges",
        good: [
            recorded(LOGS, "l", { retentionInDays: 365 }),
            recorded(FLOW, "f", { maxAggregationInterval: 600 }),
            recorded(QUEUE, "q", { name: "q.fifo", fifoQueue: true, messageRetentionSeconds: 1209600 }),
        ],
        bad: [
            { why: "a log retention of 200 days", resources: [recorded(LOGS, "l", { retentionInDays: 200 })], expect: /not one of/ },
            { why: "a flow-log interval of 300 s", resources: [recorded(FLOW, "f", { maxAggregationInterval: 300 })] },
            {
                why: "a FIFO queue without .fifo",
                resources: [recorded(QUEUE, "q", { name: "q", fifoQueue: true })],
                expect: /must end in '.fifo'/,
            },
            { why: "an SQS retention of 15 days", resources: [recorded(QUEUE, "q", { messageRetentionSeconds: 15 * 86400 })] },
            { why: "RDS backups kept 36 days", resources: [recorded(RDS, "d", { backupRetentionPeriod: 36 })] },
        ],
    },
    {
        rule: "aws-ecs-efs-volume",
        good: [
            efsTask(),
            efsTask({
                name: "v",
                efsVolumeConfiguration: {
                    fileSystemId: "fs-1",
                    rootDirectory: "/",
                    transitEncryption: "ENABLED",
                    authorizationConfig: { accessPointId: "fsap-1" },
                },
            }),
        ],
        bad: [
            {
                why: "IAM authorization without transit encryption",
                resources: [
                    efsTask({ name: "v", efsVolumeConfiguration: { fileSystemId: "fs-1", authorizationConfig: { iam: "ENABLED" } } }),
                ],
                expect: /omitted \(DISABLED\), but IAM authorization/,
            },
            {
                why: "an access point with transit encryption DISABLED",
                resources: [
                    efsTask({
                        name: "v",
                        efsVolumeConfiguration: {
                            fileSystemId: "fs-1",
                            transitEncryption: "DISABLED",
                            authorizationConfig: { accessPointId: "fsap-1" },
                        },
                    }),
                ],
                expect: /an access point .* needs it ENABLED/,
            },
            {
                why: "an access point with a root directory",
                resources: [
                    efsTask({
                        name: "v",
                        efsVolumeConfiguration: {
                            fileSystemId: "fs-1",
                            rootDirectory: "/data/uploads",
                            transitEncryption: "ENABLED",
                            authorizationConfig: { accessPointId: "fsap-1" },
                        },
                    }),
                ],
                expect: /omit it or give '\/'/,
            },
            {
                why: "transit encryption 'true'",
                resources: [efsTask({ name: "v", efsVolumeConfiguration: { fileSystemId: "fs-1", transitEncryption: "true" } })],
                expect: /not ENABLED or DISABLED/,
            },
        ],
    },
    {
        rule: "aws-ecs-deployment-strategy",
        good: [
            shifting({ strategy: "BLUE_GREEN", bakeTimeInMinutes: "10" }),
            shifting({
                strategy: "CANARY",
                bakeTimeInMinutes: "0",
                canaryConfiguration: { canaryPercent: 0.1, canaryBakeTimeInMinutes: "1440" },
            }),
            shifting({
                strategy: "LINEAR",
                bakeTimeInMinutes: "10",
                linearConfiguration: { stepPercent: 33.3, stepBakeTimeInMinutes: "5" },
            }),
            recorded(SERVICE, "rolling", { launchType: "FARGATE", loadBalancers: [{ targetGroupArn: "tg" }] }),
            shifting(
                { strategy: "BLUE_GREEN", lifecycleHooks: [HOOK, { ...HOOK, lifecycleStages: ["POST_TEST_TRAFFIC_SHIFT"] }] },
                {
                    ...ADVANCED,
                    testListenerRule: "test-rule",
                },
            ),
        ],
        bad: [
            {
                why: "a Lambda hook without the role ECS invokes it with",
                resources: [shifting({ strategy: "BLUE_GREEN", lifecycleHooks: [{ ...HOOK, roleArn: undefined }] })],
                expect: /required for an AWS_LAMBDA hook/,
            },
            {
                why: "a hook at a stage ECS does not have",
                resources: [shifting({ strategy: "BLUE_GREEN", lifecycleHooks: [{ ...HOOK, lifecycleStages: ["POST_BAKE"] }] })],
                expect: /'POST_BAKE' is not a lifecycle stage/,
            },
            {
                why: "a PAUSE hook at TEST_TRAFFIC_SHIFT",
                resources: [
                    shifting({
                        strategy: "BLUE_GREEN",
                        lifecycleHooks: [{ targetType: "PAUSE", lifecycleStages: ["TEST_TRAFFIC_SHIFT"] }],
                    }),
                ],
                expect: /a PAUSE hook cannot run at TEST_TRAFFIC_SHIFT/,
            },
            {
                why: "hookDetails that is no JSON object",
                resources: [shifting({ strategy: "BLUE_GREEN", lifecycleHooks: [{ ...HOOK, hookDetails: '["migrate"]' }] })],
                expect: /must be a JSON object as a string/,
            },
            {
                why: "BLUE_GREEN behind a load balancer without an alternate target group",
                resources: [shifting({ strategy: "BLUE_GREEN" }, null)],
                expect: /alternateTargetGroupArn/,
            },
            {
                why: "CANARY with a rule but no role",
                resources: [
                    shifting(
                        { strategy: "CANARY", canaryConfiguration: {} },
                        { alternateTargetGroupArn: "tg-alt", productionListenerRule: "r" },
                    ),
                ],
                expect: /roleArn/,
            },
            {
                why: "a bake of 25 hours",
                resources: [shifting({ strategy: "BLUE_GREEN", bakeTimeInMinutes: "1500" })],
                expect: /0-1440 minutes/,
            },
            {
                why: "a canary of 0.05 %",
                resources: [shifting({ strategy: "CANARY", canaryConfiguration: { canaryPercent: 0.05 } })],
                expect: /multiple of 0.1 from 0.1/,
            },
            {
                why: "linear steps of 2 %",
                resources: [shifting({ strategy: "LINEAR", linearConfiguration: { stepPercent: 2 } })],
                expect: /multiple of 0.1 from 3.0/,
            },
            {
                why: "CANARY without its configuration",
                resources: [shifting({ strategy: "CANARY" })],
                expect: /required with strategy CANARY/,
            },
            {
                why: "deployment alarms naming none",
                resources: [shifting({ strategy: "BLUE_GREEN" }, ADVANCED, [])],
                expect: /name at least one CloudWatch alarm/,
            },
        ],
    },
    {
        rule: "aws-ecs-efs-platform-version",
        good: [
            efsTask(),
            efsService("LATEST"),
            recorded(
                SERVICE,
                "s2",
                { launchType: "FARGATE", platformVersion: "1.4.0" },
                { dependencies: ["urn:pulumi:test::tierform::aws:ecs/taskDefinition:TaskDefinition::t"] },
            ),
        ],
        bad: [
            {
                why: "Fargate 1.3.0 with an EFS volume",
                resources: [efsTask(), efsService("1.3.0")],
                expect: /'1.3.0' cannot mount the EFS volumes of task definition t/,
            },
        ],
    },
    {
        rule: "aws-efs-access-point",
        good: [accessPoint({ path: "/data/uploads", creationInfo: CREATION }), accessPoint({ path: "/" })],
        bad: [
            {
                why: "five path components",
                resources: [accessPoint({ path: "/data/a/b/c/d", creationInfo: CREATION })],
                expect: /rootDirectory.path|up to four components/,
            },
            { why: "a path component starting with a dot", resources: [accessPoint({ path: "/data/.hidden", creationInfo: CREATION })] },
            {
                why: "a path of 101 characters",
                resources: [accessPoint({ path: `/${"p".repeat(100)}`, creationInfo: CREATION })],
                expect: /101 characters/,
            },
            {
                why: "permissions in symbolic form",
                resources: [accessPoint({ path: "/data", creationInfo: { ...CREATION, permissions: "rwxr-x---" } })],
                expect: /not 3-4 octal digits/,
            },
            { why: "a negative uid", resources: [accessPoint({ path: "/data", creationInfo: CREATION }, -1)], expect: /not a POSIX id/ },
        ],
    },
    {
        rule: "aws-efs-access-point-creation-info",
        good: [accessPoint({ path: "/data/uploads", creationInfo: CREATION }), accessPoint({ path: "/" })],
        bad: [
            {
                why: "a sub-directory without creationInfo (never created, every mount fails)",
                resources: [accessPoint({ path: "/data/uploads" })],
                expect: /creationInfo|every mount/,
            },
        ],
    },
    // ---------- EKS (the EKS placement, components/eks/) ----------
    {
        rule: "aws-eks-auto-mode-switches",
        good: [recorded(EKS, "shop-eks", eksCluster())],
        bad: [
            {
                why: "compute on, load balancing off",
                resources: [
                    recorded(EKS, "shop-eks", eksCluster({ kubernetesNetworkConfig: { elasticLoadBalancing: { enabled: false } } })),
                ],
                expect: /is not true while computeConfig.enabled.*Auto Mode takes all three/,
            },
            {
                why: "Auto Mode with the self-managed add-ons bootstrapped (the provider's default)",
                resources: [recorded(EKS, "shop-eks", eksCluster({ bootstrapSelfManagedAddons: undefined }))],
                expect: /must be false/,
            },
        ],
    },
    {
        rule: "aws-eks-cluster-name-and-endpoint",
        good: [recorded(EKS, "shop-eks", eksCluster())],
        bad: [
            { why: "a dot in the name", resources: [recorded(EKS, "shop-eks", eksCluster({ name: "shop.prod" }))], expect: /shop\.prod/ },
            {
                why: "both endpoints off",
                resources: [
                    recorded(
                        EKS,
                        "shop-eks",
                        eksCluster({ vpcConfig: { subnetIds: ["s-1", "s-2"], endpointPrivateAccess: false, endpointPublicAccess: false } }),
                    ),
                ],
                expect: /both the private and the public/,
            },
        ],
    },
    {
        rule: "aws-eks-pod-identity-role-trust",
        good: podIdentity(["sts:AssumeRole", "sts:TagSession"]),
        bad: [
            {
                why: "no sts:TagSession (Pod Identity tags every session)",
                resources: podIdentity(["sts:AssumeRole"]),
                expect: /TagSession/,
            },
            {
                why: "trusts ECS tasks, not pods",
                resources: podIdentity(["sts:AssumeRole", "sts:TagSession"], "ecs-tasks.amazonaws.com"),
                expect: /no credentials/,
            },
        ],
    },
    {
        rule: "aws-vpc-endpoint-private-dns",
        good: [
            ...endpointInVpc({ enableDnsHostnames: true, enableDnsSupport: true }),
            // No private DNS: nothing to ask of the VPC.
            ...endpointInVpc({}, { privateDnsEnabled: false }, "plain"),
        ],
        bad: [
            { why: "the VPC without DNS hostnames (the provider's default)", resources: endpointInVpc({}), expect: /enableDnsHostnames/ },
            {
                why: "the VPC without DNS resolution",
                resources: endpointInVpc({ enableDnsHostnames: true, enableDnsSupport: false }),
                expect: /private DNS needs VPC/,
            },
        ],
    },
    {
        rule: "aws-ecr-pull-through-cache-rule",
        good: [
            // The program's own prefix for a system name at the spec's longest (cut to 30 with a hash) and a short one.
            recorded(PTC, "long-ecr-public-cache", {
                ecrRepositoryPrefix: imageCachePrefix({ name: "a".repeat(63), environment: "prod" }),
                upstreamRegistryUrl: "public.ecr.aws",
            }),
            recorded(PTC, "shop-ecr-public-cache", {
                ecrRepositoryPrefix: imageCachePrefix({ name: "shop", environment: "prod" }),
                upstreamRegistryUrl: "public.ecr.aws",
            }),
            recorded(PTC, "ghcr", {
                ecrRepositoryPrefix: "team/ghcr",
                upstreamRegistryUrl: "ghcr.io",
                credentialArn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:ecr-pullthroughcache/ghcr-AbCdEf",
            }),
        ],
        bad: [
            {
                why: "31 characters",
                resources: [recorded(PTC, "c", { ecrRepositoryPrefix: "a".repeat(31), upstreamRegistryUrl: "public.ecr.aws" })],
                expect: /not a repository prefix/,
            },
            {
                why: "upper case",
                resources: [recorded(PTC, "c", { ecrRepositoryPrefix: "Shop-ecr", upstreamRegistryUrl: "public.ecr.aws" })],
                expect: /Shop-ecr/,
            },
            {
                why: "a doubled separator",
                resources: [recorded(PTC, "c", { ecrRepositoryPrefix: "shop--ecr", upstreamRegistryUrl: "public.ecr.aws" })],
                expect: /shop--ecr/,
            },
            {
                why: "one character",
                resources: [recorded(PTC, "c", { ecrRepositoryPrefix: "a", upstreamRegistryUrl: "public.ecr.aws" })],
                expect: /2-30/,
            },
            {
                why: "a scheme in the upstream",
                resources: [recorded(PTC, "c", { ecrRepositoryPrefix: "shop", upstreamRegistryUrl: "https://public.ecr.aws" })],
                expect: /not an upstream registry/,
            },
            {
                why: "Docker Hub by its short name",
                resources: [recorded(PTC, "c", { ecrRepositoryPrefix: "shop", upstreamRegistryUrl: "docker.io" })],
                expect: /not an upstream registry/,
            },
            {
                why: "GitHub's registry without credentials",
                resources: [recorded(PTC, "c", { ecrRepositoryPrefix: "shop", upstreamRegistryUrl: "ghcr.io" })],
                expect: /needs a Secrets Manager secret/,
            },
        ],
    },
];

/** A VPC `<name>-vpc` with `vpc` inputs and an interface endpoint with private DNS in it (its `vpcId` depending on the VPC), `endpoint` overriding. */
function endpointInVpc(vpc: Record<string, unknown>, endpoint: Record<string, unknown> = {}, name = "net") {
    const v = recorded("aws:ec2/vpc:Vpc", `${name}-vpc`, { cidrBlock: "10.0.0.0/16", ...vpc });
    const e = recorded(
        "aws:ec2/vpcEndpoint:VpcEndpoint",
        "net-eks-auth",
        {
            vpcId: "vpc-1",
            vpcEndpointType: "Interface",
            serviceName: "com.amazonaws.us-east-1.eks-auth",
            privateDnsEnabled: true,
            ...endpoint,
        },
        { dependencies: [v.urn] },
    );
    return [v, e];
}
