/**
 * What the AWS APIs and the pulumi-aws provider refuse or break, checked offline. See `index.ts`.
 *
 * Names. pulumi-aws auto-names every resource whose `name` (or the resource's own naming field:
 * `bucket`, `identifier`, `replicationGroupId`, ...) is absent: `<logical name>-<7 random
 * characters>` (pulumi-aws `provider/resources.go`: `prov.SetAutonaming(255, "-")` plus per-resource
 * `tfbridge.AutoName`/`AutoNameWithCustomOptions` entries with `Maxlen`, e.g. 32 for `aws_lb` and
 * `aws_lb_target_group`; the bridge's `NewUniqueHex` refuses at preview with "name '…' plus 7
 * random chars is longer than maximum length 32"). So a name rule judges the explicit name where
 * one is given, else the auto-name the provider would generate, against the API's own limit.
 */
import type { PlannedResource } from "../records";
import type { EngineRule, Finding } from "./rule";

/** How pulumi-aws auto-names: logical name, "-", 7 random characters (provider/resources.go). */
export const AUTO_NAME_SUFFIX = 8;
/**
 * What the provider appends to a `namePrefix`/`bucketPrefix`: a 26-character unique id
 * (terraform-provider-aws internal/create/naming.go, `id.UniqueIDSuffixLength`).
 */
export const PREFIX_SUFFIX = 26;

/** One name (identifier) limit of one resource type's API. */
interface NameLimit {
    /** Type token. */
    type: string;
    /** The input field holding the name (camelCase, as recorded). */
    field: string;
    /** Longest name the API accepts. */
    max: number;
    /** Shortest (@default 1). */
    min?: number;
    /** Characters and shape the API accepts; described in words by `allowed`. */
    pattern: RegExp;
    /** What `pattern` allows, in words. */
    allowed: string;
    /** Whether pulumi-aws generates the name when the field is absent (false: required or AWS-generated). */
    autoNamed: boolean;
    /** Field that makes the provider generate from a prefix instead (skipped then). */
    prefixField?: string;
    /** API reference the limit comes from. */
    source: string;
}

const ELB_NAME = /^(?!internal-)[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?$/;
/** RDS/DocumentDB identifiers: letter first, letters/digits/hyphens, no `--`, no trailing hyphen. */
const RDS_IDENTIFIER = /^[a-zA-Z](?!.*--)[a-zA-Z0-9-]*[a-zA-Z0-9]$|^[a-zA-Z]$/;
const RDS_IDENTIFIER_WORDS = "a letter first, then letters, digits and single hyphens, not ending in a hyphen";
const IAM_NAME = /^[\w+=,.@-]+$/;
const ECS_NAME = /^[a-zA-Z0-9_-]+$/;

/** The name limits, per resource type; each cites its API reference. */
export const NAME_LIMITS: NameLimit[] = [
    {
        type: "aws:lb/loadBalancer:LoadBalancer",
        field: "name",
        max: 32,
        pattern: ELB_NAME,
        allowed: "letters, digits and hyphens, not starting or ending with a hyphen, not starting with 'internal-'",
        autoNamed: true,
        prefixField: "namePrefix",
        source: "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateLoadBalancer.html",
    },
    {
        type: "aws:lb/targetGroup:TargetGroup",
        field: "name",
        max: 32,
        pattern: ELB_NAME,
        allowed: "letters, digits and hyphens, not starting or ending with a hyphen",
        autoNamed: true,
        prefixField: "namePrefix",
        source: "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateTargetGroup.html",
    },
    {
        type: "aws:iam/role:Role",
        field: "name",
        max: 64,
        pattern: IAM_NAME,
        allowed: "letters, digits and +=,.@_-",
        autoNamed: true,
        prefixField: "namePrefix",
        source: "https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html",
    },
    {
        type: "aws:iam/rolePolicy:RolePolicy",
        field: "name",
        max: 128,
        pattern: IAM_NAME,
        allowed: "letters, digits and +=,.@_-",
        autoNamed: true,
        prefixField: "namePrefix",
        source: "https://docs.aws.amazon.com/IAM/latest/APIReference/API_PutRolePolicy.html",
    },
    {
        type: "aws:iam/policy:Policy",
        field: "name",
        max: 128,
        pattern: IAM_NAME,
        allowed: "letters, digits and +=,.@_-",
        autoNamed: true,
        prefixField: "namePrefix",
        source: "https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreatePolicy.html",
    },
    {
        type: "aws:s3/bucket:Bucket",
        field: "bucket",
        min: 3,
        max: 63,
        pattern: /^[a-z0-9](?!.*\.\.)[a-z0-9.-]*[a-z0-9]$/,
        allowed: "lower-case letters, digits, '.' and '-', starting and ending with a letter or digit",
        autoNamed: true,
        prefixField: "bucketPrefix",
        source: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html",
    },
    {
        type: "aws:sqs/queue:Queue",
        field: "name",
        max: 80,
        pattern: /^[a-zA-Z0-9_-]+(\.fifo)?$/,
        allowed: "letters, digits, '-' and '_' (and '.fifo' at the end of a FIFO queue)",
        autoNamed: true,
        prefixField: "namePrefix",
        source: "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CreateQueue.html",
    },
    {
        type: "aws:sns/topic:Topic",
        field: "name",
        max: 256,
        pattern: /^[a-zA-Z0-9_-]+(\.fifo)?$/,
        allowed: "letters, digits, '-' and '_' (and '.fifo' at the end of a FIFO topic)",
        autoNamed: true,
        prefixField: "namePrefix",
        source: "https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html",
    },
    {
        type: "aws:elasticache/replicationGroup:ReplicationGroup",
        field: "replicationGroupId",
        max: 40,
        pattern: /^[a-z](?!.*--)[a-z0-9-]*[a-z0-9]$/,
        allowed: "a lower-case letter first, then lower-case letters, digits and single hyphens, not ending in a hyphen",
        autoNamed: true,
        source: "https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateReplicationGroup.html",
    },
    {
        type: "aws:elasticache/parameterGroup:ParameterGroup",
        field: "name",
        max: 255,
        pattern: /^[a-zA-Z](?!.*--)[a-zA-Z0-9-]*[a-zA-Z0-9]$/,
        allowed: RDS_IDENTIFIER_WORDS,
        autoNamed: false,
        source: "https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateCacheParameterGroup.html",
    },
    {
        type: "aws:elasticache/subnetGroup:SubnetGroup",
        field: "name",
        max: 255,
        pattern: /^[a-zA-Z0-9-]+$/,
        allowed: "letters, digits and hyphens",
        autoNamed: false,
        source: "https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateCacheSubnetGroup.html",
    },
    {
        type: "aws:rds/instance:Instance",
        field: "identifier",
        max: 63,
        pattern: RDS_IDENTIFIER,
        allowed: RDS_IDENTIFIER_WORDS,
        autoNamed: true,
        prefixField: "identifierPrefix",
        source: "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html",
    },
    {
        type: "aws:rds/parameterGroup:ParameterGroup",
        field: "name",
        max: 255,
        pattern: RDS_IDENTIFIER,
        allowed: RDS_IDENTIFIER_WORDS,
        autoNamed: true,
        prefixField: "namePrefix",
        source: "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBParameterGroup.html",
    },
    {
        type: "aws:rds/subnetGroup:SubnetGroup",
        field: "name",
        max: 255,
        pattern: /^(?!default$)[a-z0-9._ -]+$/,
        allowed: "lower-case letters, digits, '.', '_', ' ' and '-', not 'default'",
        autoNamed: true,
        prefixField: "namePrefix",
        source: "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBSubnetGroup.html",
    },
    {
        type: "aws:docdb/cluster:Cluster",
        field: "clusterIdentifier",
        max: 63,
        pattern: RDS_IDENTIFIER,
        allowed: RDS_IDENTIFIER_WORDS,
        autoNamed: true,
        prefixField: "clusterIdentifierPrefix",
        source: "https://docs.aws.amazon.com/documentdb/latest/developerguide/API_CreateDBCluster.html",
    },
    {
        type: "aws:docdb/clusterInstance:ClusterInstance",
        field: "identifier",
        max: 63,
        pattern: RDS_IDENTIFIER,
        allowed: RDS_IDENTIFIER_WORDS,
        autoNamed: true,
        prefixField: "identifierPrefix",
        source: "https://docs.aws.amazon.com/documentdb/latest/developerguide/API_CreateDBInstance.html",
    },
    {
        type: "aws:docdb/clusterParameterGroup:ClusterParameterGroup",
        field: "name",
        max: 255,
        pattern: RDS_IDENTIFIER,
        allowed: RDS_IDENTIFIER_WORDS,
        autoNamed: true,
        prefixField: "namePrefix",
        source: "https://docs.aws.amazon.com/documentdb/latest/developerguide/API_CreateDBClusterParameterGroup.html",
    },
    {
        type: "aws:docdb/subnetGroup:SubnetGroup",
        field: "name",
        max: 255,
        pattern: /^(?!default$)[a-z0-9._ -]+$/,
        allowed: "lower-case letters, digits, '.', '_', ' ' and '-', not 'default'",
        autoNamed: true,
        prefixField: "namePrefix",
        source: "https://docs.aws.amazon.com/documentdb/latest/developerguide/API_CreateDBSubnetGroup.html",
    },
    {
        type: "aws:ecs/cluster:Cluster",
        field: "name",
        max: 255,
        pattern: ECS_NAME,
        allowed: "letters, digits, '-' and '_'",
        autoNamed: true,
        source: "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateCluster.html",
    },
    {
        type: "aws:ecs/service:Service",
        field: "name",
        max: 255,
        pattern: ECS_NAME,
        allowed: "letters, digits, '-' and '_'",
        autoNamed: true,
        source: "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateService.html",
    },
    {
        type: "aws:ecs/taskDefinition:TaskDefinition",
        field: "family",
        max: 255,
        pattern: ECS_NAME,
        allowed: "letters, digits, '-' and '_'",
        autoNamed: false,
        source: "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RegisterTaskDefinition.html",
    },
    {
        type: "aws:cloudwatch/logGroup:LogGroup",
        field: "name",
        max: 512,
        pattern: /^[.\-_/#A-Za-z0-9]+$/,
        allowed: "letters, digits and ._-/#",
        autoNamed: true,
        prefixField: "namePrefix",
        source: "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html",
    },
    {
        type: "aws:cloudwatch/metricAlarm:MetricAlarm",
        field: "name",
        max: 255,
        pattern: /^[^\x00-\x1f\x7f]+$/,
        allowed: "printable characters",
        autoNamed: true,
        source: "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html",
    },
    {
        type: "aws:cloudwatch/dashboard:Dashboard",
        field: "dashboardName",
        max: 255,
        pattern: /^[A-Za-z0-9_-]+$/,
        allowed: "letters, digits, '-' and '_'",
        autoNamed: false,
        source: "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutDashboard.html",
    },
    {
        type: "aws:cloudwatch/logMetricFilter:LogMetricFilter",
        field: "name",
        max: 512,
        pattern: /^[^:*]+$/,
        allowed: "any characters but ':' and '*'",
        autoNamed: false,
        source: "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutMetricFilter.html",
    },
    {
        type: "aws:cloudwatch/eventRule:EventRule",
        field: "name",
        max: 64,
        pattern: /^[.\-_A-Za-z0-9]+$/,
        allowed: "letters, digits and ._-",
        autoNamed: true,
        prefixField: "namePrefix",
        source: "https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutRule.html",
    },
    {
        type: "aws:cloudwatch/eventTarget:EventTarget",
        field: "targetId",
        max: 64,
        pattern: /^[.\-_A-Za-z0-9]+$/,
        allowed: "letters, digits and ._-",
        autoNamed: false,
        source: "https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_Target.html",
    },
    {
        type: "aws:kms/alias:Alias",
        field: "name",
        max: 256,
        pattern: /^alias\/(?!aws\/)[a-zA-Z0-9/_-]+$/,
        allowed: "'alias/' then letters, digits and /_- (not 'alias/aws/')",
        autoNamed: false,
        source: "https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateAlias.html",
    },
    {
        type: "aws:secretsmanager/secret:Secret",
        field: "name",
        max: 512,
        pattern: /^[a-zA-Z0-9/_+=.@-]+$/,
        allowed: "letters, digits and /_+=.@-",
        autoNamed: true,
        prefixField: "namePrefix",
        source: "https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html",
    },
    {
        type: "aws:ec2/securityGroup:SecurityGroup",
        field: "name",
        max: 255,
        pattern: /^(?!sg-)[a-zA-Z0-9 ._\-:/()#,@[\]+=&;{}!$*]+$/,
        allowed: "a-zA-Z0-9 ._-:/()#,@[]+=&;{}!$*, not starting with 'sg-'",
        autoNamed: true,
        prefixField: "namePrefix",
        source: "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSecurityGroup.html",
    },
    {
        type: "aws:wafv2/webAcl:WebAcl",
        field: "name",
        max: 128,
        pattern: /^[\w-]+$/,
        allowed: "letters, digits, '_' and '-'",
        autoNamed: true,
        prefixField: "namePrefix",
        source: "https://docs.aws.amazon.com/waf/latest/APIReference/API_CreateWebACL.html",
    },
    {
        type: "aws:backup/vault:Vault",
        field: "name",
        min: 2,
        max: 50,
        pattern: /^[a-zA-Z0-9_-]+$/,
        allowed: "letters, digits, '-' and '_'",
        autoNamed: true,
        source: "https://docs.aws.amazon.com/aws-backup/latest/devguide/API_CreateBackupVault.html",
    },
    {
        type: "aws:backup/plan:Plan",
        field: "name",
        max: 50,
        pattern: /^[a-zA-Z0-9_.-]+$/,
        allowed: "letters, digits and -_.",
        autoNamed: true,
        source: "https://docs.aws.amazon.com/aws-backup/latest/devguide/API_BackupPlanInput.html",
    },
    {
        type: "aws:backup/selection:Selection",
        field: "name",
        max: 50,
        pattern: /^[a-zA-Z0-9_.-]+$/,
        allowed: "letters, digits and -_.",
        autoNamed: true,
        source: "https://docs.aws.amazon.com/aws-backup/latest/devguide/API_BackupSelection.html",
    },
    {
        type: "aws:cloudfront/originAccessControl:OriginAccessControl",
        field: "name",
        max: 64,
        pattern: /^[^\x00-\x1f]+$/,
        allowed: "printable characters",
        autoNamed: true,
        source: "https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_OriginAccessControlConfig.html",
    },
    {
        type: "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy",
        field: "name",
        max: 128,
        pattern: /^[a-zA-Z0-9_-]+$/,
        allowed: "letters, digits, '-' and '_'",
        autoNamed: true,
        source: "https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_ResponseHeadersPolicyConfig.html",
    },
    {
        type: "aws:cloudfront/originRequestPolicy:OriginRequestPolicy",
        field: "name",
        max: 128,
        pattern: /^[a-zA-Z0-9_-]+$/,
        allowed: "letters, digits, '-' and '_'",
        autoNamed: true,
        source: "https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_OriginRequestPolicyConfig.html",
    },
    {
        type: "aws:appautoscaling/policy:Policy",
        field: "name",
        max: 256,
        pattern: /^[^:]+$/,
        allowed: "printable characters other than ':'",
        autoNamed: true,
        source: "https://docs.aws.amazon.com/autoscaling/application/APIReference/API_PutScalingPolicy.html",
    },
];

/** The name `r` gets: the explicit one, else pulumi-aws's auto-name (undefined when a prefix or AWS names it). */
function effectiveName(r: PlannedResource, limit: NameLimit): { name: string; auto: boolean; prefix?: string } | undefined {
    const given = r.inputs[limit.field];
    if (typeof given === "string") return { name: given, auto: false };
    if (given !== undefined && given !== null) return undefined; // unknown at plan time
    const prefix = limit.prefixField ? r.inputs[limit.prefixField] : undefined;
    if (typeof prefix === "string") return { name: `${prefix}${"0".repeat(PREFIX_SUFFIX)}`, auto: true, prefix };
    if (!limit.autoNamed || prefix !== undefined) return undefined;
    // Random suffix shown as x's: only its length matters.
    return { name: `${r.name}-${"x".repeat(AUTO_NAME_SUFFIX - 1)}`, auto: true };
}

function nameFindings(r: PlannedResource, limit: NameLimit): Finding[] {
    const eff = effectiveName(r, limit);
    if (!eff) return [];
    const what =
        eff.prefix !== undefined
            ? `${limit.prefixField} '${eff.prefix}' plus the provider's ${PREFIX_SUFFIX}-character suffix (${eff.name.length} characters)`
            : eff.auto
              ? `the auto-name '${r.name}-' plus 7 random characters (${eff.name.length} characters; no ${limit.field} given)`
              : `'${eff.name}' (${eff.name.length} characters)`;
    const why = ` (${limit.source})`;
    const out: Finding[] = [];
    const min = limit.min ?? 1;
    if (eff.name.length > limit.max || eff.name.length < min)
        out.push({ field: limit.field, message: `${what} is not ${min}-${limit.max} characters${why}` });
    if (!limit.pattern.test(eff.name))
        out.push({ field: limit.field, message: `${what} breaks the character rule: ${limit.allowed}${why}` });
    return out;
}

/**
 * EC2 descriptions (security groups and their rules): up to 255 characters of
 * `a-zA-Z0-9 ._-:/()#,@[]+=&;{}!$*` (EC2 API reference, CreateSecurityGroup GroupDescription and
 * IpRange/UserIdGroupPair Description).
 */
export const EC2_DESCRIPTION = /^[a-zA-Z0-9 ._\-:/()#,@[\]+=&;{}!$*]*$/;

/** The types EC2's description rule judges, with the field. */
const EC2_DESCRIBED: Record<string, string> = {
    "aws:ec2/securityGroup:SecurityGroup": "description",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "description",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": "description",
    "aws:ec2/securityGroupRule:SecurityGroupRule": "description",
};

/**
 * Fargate task sizes: CPU units → allowed memory MiB. Checked against the AWS ECS guide
 * https://docs.aws.amazon.com/AmazonECS/latest/userguide/task-cpu-memory-error.html (RegisterTaskDefinition
 * refuses anything else: "No Fargate configuration exists for given values"; 8 and 16 vCPU need
 * Linux platform 1.4.0).
 */
export const FARGATE_SIZES: Record<number, number[]> = {
    256: [512, 1024, 2048],
    512: [1024, 2048, 3072, 4096],
    1024: [2048, 3072, 4096, 5120, 6144, 7168, 8192],
    2048: range(4096, 16384, 1024),
    4096: range(8192, 30720, 1024),
    8192: range(16384, 61440, 4096),
    16384: range(32768, 122880, 8192),
};
function range(from: number, to: number, step: number): number[] {
    const out: number[] = [];
    for (let v = from; v <= to; v += step) out.push(v);
    return out;
}

/** Every value of a listener rule's conditions (the ALB quota counts them per rule). */
function conditionValues(conditions: any[]): string[] {
    const out: string[] = [];
    for (const c of conditions ?? []) {
        out.push(
            ...(c.pathPattern?.values ?? []),
            ...(c.hostHeader?.values ?? []),
            ...(c.httpRequestMethod?.values ?? []),
            ...(c.sourceIp?.values ?? []),
        );
        out.push(...(c.httpHeader?.values ?? []), ...(c.queryStrings ?? c.queryString ?? []).map((q: any) => `${q.key ?? ""}=${q.value}`));
    }
    return out;
}

/** The resource types whose `tags` the tag rule judges: every AWS type the program registers with tags. */
const TAG_KEY_MAX = 128;
const TAG_VALUE_MAX = 256;
const TAGS_MAX = 50;

/**
 * EFS access point root directory path (EFS API reference, RootDirectory Path:
 * https://docs.aws.amazon.com/efs/latest/ug/API_RootDirectory.html): 1-100 characters,
 * `^(\/|(\/(?!\.)+[^$#<>;`|&?{}^*\/\n]+){1,4})$`, i.e. `/` or up to four components.
 */
export const EFS_ACCESS_POINT_PATH = /^(\/|(\/(?!\.)+[^$#<>;`|&?{}^*/\n]+){1,4})$/;
/** POSIX ids EFS accepts (PosixUser Uid/Gid, CreationInfo OwnerUid/OwnerGid: 0-4294967295). */
const POSIX_ID_MAX = 4294967295;

/** The EFS volumes of a task definition's recorded inputs. */
const efsVolumes = (r: PlannedResource): { i: number; efs: any }[] =>
    (r.inputs.volumes ?? []).flatMap((v: any, i: number) => (v?.efsVolumeConfiguration ? [{ i, efs: v.efsVolumeConfiguration }] : []));

/** Whether a Fargate platform version supports EFS volumes: LATEST (or none given: LATEST) or 1.4.0 and later. */
export function fargateSupportsEfs(version: unknown): boolean {
    if (version === undefined || version === null || version === "LATEST") return true;
    const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(String(version));
    if (!m) return false;
    const [major, minor] = [Number(m[1]), Number(m[2])];
    return major > 1 || (major === 1 && minor >= 4);
}

/** The stages an ECS deployment lifecycle hook may name (API_DeploymentLifecycleHook.html, lifecycleStages). */
export const ECS_HOOK_STAGES = [
    "RECONCILE_SERVICE",
    "PRE_SCALE_UP",
    "POST_SCALE_UP",
    "TEST_TRAFFIC_SHIFT",
    "POST_TEST_TRAFFIC_SHIFT",
    "PRE_PRODUCTION_TRAFFIC_SHIFT",
    "PRODUCTION_TRAFFIC_SHIFT",
    "POST_PRODUCTION_TRAFFIC_SHIFT",
];

/** What ECS refuses of one deployment lifecycle hook (see the aws-ecs-deployment-strategy rule's source). */
function lifecycleHookFindings(h: any, field: string): Finding[] {
    const out: Finding[] = [];
    const stages: unknown[] = h.lifecycleStages ?? [];
    if (stages.length === 0) out.push({ field: `${field}.lifecycleStages`, message: "is empty: a hook runs at one stage or more" });
    for (const st of stages.filter((x) => !ECS_HOOK_STAGES.includes(String(x))))
        out.push({
            field: `${field}.lifecycleStages`,
            message: `'${String(st)}' is not a lifecycle stage (${ECS_HOOK_STAGES.join(", ")})`,
        });
    const type = h.targetType ?? "AWS_LAMBDA";
    if (type === "AWS_LAMBDA") {
        for (const k of ["hookTargetArn", "roleArn"])
            if (!h[k])
                out.push({
                    field: `${field}.${k}`,
                    message: "is required for an AWS_LAMBDA hook (the function, and the role ECS invokes it with)",
                });
    } else if (type === "PAUSE") {
        for (const st of stages.filter((x) => x === "TEST_TRAFFIC_SHIFT" || x === "PRODUCTION_TRAFFIC_SHIFT"))
            out.push({ field: `${field}.lifecycleStages`, message: `a PAUSE hook cannot run at ${String(st)}` });
    } else out.push({ field: `${field}.targetType`, message: `'${String(type)}' is not AWS_LAMBDA or PAUSE` });
    if (h.hookDetails !== undefined) {
        let parsed: unknown;
        try {
            parsed = JSON.parse(String(h.hookDetails));
        } catch {
            parsed = undefined;
        }
        if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed))
            out.push({ field: `${field}.hookDetails`, message: "must be a JSON object as a string" });
    }
    return out;
}

/**
 * What CreatePullThroughCacheRule accepts as `ecrRepositoryPrefix`: 2 to 30 characters, lower-case path components of letters
 * and digits joined by one `.`, `_` or `-`, separated by `/` (an optional trailing `/`), or the word `ROOT`
 * (AWS CLI reference, create-pull-through-cache-rule, --ecr-repository-prefix constraints).
 */
export const ECR_CACHE_PREFIX = /^((?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*\/?|ROOT)$/;

/**
 * The upstream registries a pull-through cache rule takes, by the `upstreamRegistryUrl` syntax the API reference lists
 * (CreatePullThroughCacheRule), and whether ECR needs a Secrets Manager `credentialArn` for them ("Amazon ECR Public,
 * Kubernetes container image registry, and Quay (doesn't require authentication)"; "Docker Hub, Microsoft Azure Container
 * Registry, GitHub Container Registry, GitLab Container Registry and Chainguard Registry (requires authentication with AWS
 * Secrets Manager secret)": ECR user guide, pull-through-cache.html). Another account's ECR (an IAM role) is left out.
 */
export const ECR_CACHE_UPSTREAMS: { url: RegExp; name: string; credentials: boolean }[] = [
    { url: /^public\.ecr\.aws$/, name: "Amazon ECR Public (public.ecr.aws)", credentials: false },
    { url: /^registry\.k8s\.io$/, name: "Kubernetes (registry.k8s.io)", credentials: false },
    { url: /^quay\.io$/, name: "Quay (quay.io)", credentials: false },
    { url: /^registry-1\.docker\.io$/, name: "Docker Hub (registry-1.docker.io)", credentials: true },
    { url: /^ghcr\.io$/, name: "GitHub Container Registry (ghcr.io)", credentials: true },
    { url: /^registry\.gitlab\.com$/, name: "GitLab Container Registry (registry.gitlab.com)", credentials: true },
    { url: /^[a-z0-9]+\.azurecr\.io$/, name: "Azure Container Registry (<name>.azurecr.io)", credentials: true },
    { url: /^cgr\.dev$/, name: "Chainguard (cgr.dev)", credentials: true },
];

/** Every AWS rule. */
export const AWS_RULES: EngineRule[] = [
    {
        id: "aws-metric-filter-pattern",
        types: ["aws:cloudwatch/logMetricFilter:LogMetricFilter"],
        outcome: "refused",
        source: "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutMetricFilter.html (filterPattern at most 1024 characters) and https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html (a regex pattern between %: letters, digits, :_#=@/;,- and the operators ^$?[]{}|\\*+.; the () operator is not supported)",
        check(r): Finding[] {
            const p = r.inputs.pattern;
            if (typeof p !== "string") return [];
            const out: Finding[] = [];
            if (p.length > 1024) out.push({ field: "pattern", message: `${p.length} characters; the limit is 1024` });
            const regex = /^%(.*)%$/s.exec(p)?.[1];
            const bad =
                regex === undefined
                    ? ""
                    : [...new Set([...regex].filter((ch) => !/[A-Za-z0-9:_#=@/;,\-^$?[\]{}|\\*+.]/.test(ch)))].join("");
            if (bad)
                out.push({
                    field: "pattern",
                    message: `the regex pattern has characters a filter pattern refuses (${JSON.stringify(bad)})`,
                });
            return out;
        },
    },
    {
        id: "aws-name-limits",
        types: NAME_LIMITS.map((l) => l.type),
        outcome: "refused",
        source: "the AWS API references per type (NAME_LIMITS in scripts/offline/engine-rules/aws.ts cites each); auto-names: pulumi-aws provider/resources.go (SetAutonaming, AutoName Maxlen)",
        check: (r) => NAME_LIMITS.filter((l) => l.type === r.type).flatMap((l) => nameFindings(r, l)),
    },
    {
        id: "aws-ec2-description-characters",
        types: Object.keys(EC2_DESCRIBED),
        outcome: "refused",
        source: "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSecurityGroup.html (GroupDescription) and API_IpRange.html (Description): a-zA-Z0-9 ._-:/()#,@[]+=&;{}!$*, up to 255",
        check(r): Finding[] {
            const field = EC2_DESCRIBED[r.type];
            const d = r.inputs[field];
            if (typeof d !== "string") return [];
            const out: Finding[] = [];
            if (!EC2_DESCRIPTION.test(d)) {
                const bad = [...new Set([...d].filter((ch) => !EC2_DESCRIPTION.test(ch)))].join("");
                out.push({
                    field,
                    message: `'${d}' has characters EC2 refuses (${JSON.stringify(bad)}); allowed: a-zA-Z0-9 ._-:/()#,@[]+=&;{}!$*`,
                });
            }
            if (d.length > 255) out.push({ field, message: `'${d.slice(0, 40)}…' is ${d.length} characters; the limit is 255` });
            return out;
        },
    },
    {
        id: "aws-tag-limits",
        types: [
            ...new Set([
                ...NAME_LIMITS.map((l) => l.type),
                "aws:ec2/vpc:Vpc",
                "aws:ec2/subnet:Subnet",
                "aws:ec2/routeTable:RouteTable",
                "aws:ec2/eip:Eip",
                "aws:ec2/natGateway:NatGateway",
                "aws:ec2/internetGateway:InternetGateway",
                "aws:ec2/flowLog:FlowLog",
                "aws:ec2/vpcEndpoint:VpcEndpoint",
                "aws:kms/key:Key",
                "aws:acm/certificate:Certificate",
                "aws:cloudfront/distribution:Distribution",
                "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
                "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
                "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
                "aws:lb/listener:Listener",
                "aws:lb/listenerRule:ListenerRule",
                "aws:s3/bucket:Bucket",
                "aws:efs/fileSystem:FileSystem",
                "aws:efs/accessPoint:AccessPoint",
            ]),
        ],
        outcome: "refused",
        source: "https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html#tag-conventions (50 user tags per resource, key 1-128, value 0-256, no 'aws:' prefix)",
        check(r): Finding[] {
            const tags = r.inputs.tags;
            if (!tags || typeof tags !== "object") return [];
            const out: Finding[] = [];
            const keys = Object.keys(tags);
            if (keys.length > TAGS_MAX) out.push({ field: "tags", message: `${keys.length} tags; the limit is ${TAGS_MAX}` });
            for (const k of keys) {
                if (k.length > TAG_KEY_MAX || k.length === 0)
                    out.push({ field: `tags.${k}`, message: `key is ${k.length} characters; keys are 1-${TAG_KEY_MAX}` });
                if (/^aws:/i.test(k)) out.push({ field: `tags.${k}`, message: "keys starting with 'aws:' are reserved" });
                const v = tags[k];
                if (typeof v === "string" && v.length > TAG_VALUE_MAX)
                    out.push({ field: `tags.${k}`, message: `value is ${v.length} characters; the limit is ${TAG_VALUE_MAX}` });
            }
            return out;
        },
    },
    {
        id: "aws-fargate-task-size",
        types: ["aws:ecs/taskDefinition:TaskDefinition"],
        outcome: "refused",
        source: "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html#fargate-tasks-size (valid CPU/memory combinations)",
        check(r): Finding[] {
            if (!(r.inputs.requiresCompatibilities ?? []).includes("FARGATE")) return [];
            const cpu = Number(r.inputs.cpu);
            const memory = Number(r.inputs.memory);
            const allowed = FARGATE_SIZES[cpu];
            if (!allowed)
                return [
                    { field: "cpu", message: `${r.inputs.cpu} CPU units is not a Fargate size (${Object.keys(FARGATE_SIZES).join(", ")})` },
                ];
            if (!allowed.includes(memory))
                return [
                    {
                        field: "memory",
                        message: `${r.inputs.memory} MiB does not go with ${cpu} CPU units on Fargate (${allowed[0]}-${allowed[allowed.length - 1]} in steps)`,
                    },
                ];
            return [];
        },
    },
    {
        id: "aws-ecs-container-definitions",
        types: ["aws:ecs/taskDefinition:TaskDefinition"],
        outcome: "refused",
        source: "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ContainerDefinition.html (cpu: the total CPU reserved for all containers of a Fargate task no more than the task-level cpu; memory: the total memory reserved for all containers lower than the task memory, memory greater than memoryReservation where both are given, at least 6 MiB; essential: a task has at least one essential container) and https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ContainerDependency.html (COMPLETE and SUCCESS can't be set on an essential container; HEALTHY requires the dependency's health check)",
        check(r): Finding[] {
            const raw = r.inputs.containerDefinitions;
            const defs: any[] | undefined = typeof raw === "string" ? JSON.parse(raw) : Array.isArray(raw) ? raw : undefined;
            if (!defs) return [];
            const out: Finding[] = [];
            const byName = new Map(defs.map((c) => [c.name, c]));
            if (!defs.some((c) => c.essential !== false))
                out.push({ field: "containerDefinitions", message: "no container is essential; a task needs at least one" });
            const cpu = defs.reduce((sum, c) => sum + (Number(c.cpu) || 0), 0);
            if (r.inputs.cpu !== undefined && cpu > Number(r.inputs.cpu))
                out.push({
                    field: "containerDefinitions",
                    message: `the containers reserve ${cpu} CPU units; the task has ${r.inputs.cpu}`,
                });
            const memory = defs.reduce((sum, c) => sum + (Number(c.memory ?? c.memoryReservation) || 0), 0);
            if (r.inputs.memory !== undefined && memory > Number(r.inputs.memory))
                out.push({
                    field: "containerDefinitions",
                    message: `the containers reserve ${memory} MiB; the task has ${r.inputs.memory}`,
                });
            defs.forEach((c, i) => {
                if (c.memory !== undefined && c.memoryReservation !== undefined && !(c.memory > c.memoryReservation))
                    out.push({
                        field: `containerDefinitions[${i}].memory`,
                        message: `'${c.name}': memory ${c.memory} is not above memoryReservation ${c.memoryReservation}`,
                    });
                if (c.memory !== undefined && c.memory < 6)
                    out.push({ field: `containerDefinitions[${i}].memory`, message: `'${c.name}': ${c.memory} MiB is below 6 MiB` });
                (c.dependsOn ?? []).forEach((d: { containerName: string; condition: string }, j: number) => {
                    const at = `containerDefinitions[${i}].dependsOn[${j}]`;
                    const target = byName.get(d.containerName);
                    if (!target)
                        out.push({
                            field: at,
                            message: `'${c.name}' depends on '${d.containerName}', which is not a container of the task`,
                        });
                    else if ((d.condition === "COMPLETE" || d.condition === "SUCCESS") && target.essential !== false)
                        out.push({ field: at, message: `${d.condition} on '${d.containerName}', an essential container` });
                    else if (d.condition === "HEALTHY" && !target.healthCheck)
                        out.push({ field: at, message: `HEALTHY on '${d.containerName}', which has no health check` });
                });
            });
            return out;
        },
    },
    {
        id: "aws-listener-rule-limits",
        types: ["aws:lb/listenerRule:ListenerRule"],
        outcome: "refused",
        source: "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateRule.html (Priority 1-50000) and https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-limits.html (condition values per rule: 5; path pattern up to 128 characters)",
        check(r): Finding[] {
            const out: Finding[] = [];
            const p = r.inputs.priority;
            if (typeof p === "number" && (p < 1 || p > 50000 || !Number.isInteger(p)))
                out.push({ field: "priority", message: `${p} is not an integer 1-50000` });
            const values = conditionValues(r.inputs.conditions);
            if (values.length > 5)
                out.push({
                    field: "conditions",
                    message: `${values.length} condition values (${values.join(", ")}); a rule takes at most 5`,
                });
            for (const v of values)
                if (v.length > 128)
                    out.push({ field: "conditions", message: `'${v.slice(0, 40)}…' is ${v.length} characters; the limit is 128` });
            return out;
        },
    },
    {
        id: "aws-wafv2-names",
        types: ["aws:wafv2/webAcl:WebAcl"],
        outcome: "refused",
        source: "https://docs.aws.amazon.com/waf/latest/APIReference/API_Rule.html (Name ^[\\w\\-]+$, 1-128) and API_VisibilityConfig.html (MetricName ^[\\w#:\\.\\-/]+$, 1-255)",
        check(r): Finding[] {
            const out: Finding[] = [];
            const metric = (path: string, m: unknown) => {
                if (typeof m !== "string") return;
                if (!/^[\w#:.\-/]{1,255}$/.test(m))
                    out.push({ field: path, message: `metric name '${m}' must be 1-255 characters of letters, digits and _#:.-/` });
            };
            metric("visibilityConfig.metricName", r.inputs.visibilityConfig?.metricName);
            (r.inputs.rules ?? []).forEach((rule: any, i: number) => {
                if (typeof rule.name === "string" && !/^[\w-]{1,128}$/.test(rule.name))
                    out.push({
                        field: `rules[${i}].name`,
                        message: `'${rule.name}' must be 1-128 characters of letters, digits, '_' and '-'`,
                    });
                metric(`rules[${i}].visibilityConfig.metricName`, rule.visibilityConfig?.metricName);
            });
            return out;
        },
    },
    {
        id: "aws-backup-rule-names",
        types: ["aws:backup/plan:Plan"],
        outcome: "refused",
        source: "https://docs.aws.amazon.com/aws-backup/latest/devguide/API_BackupRuleInput.html (RuleName ^[a-zA-Z0-9\\-\\_\\.]{1,50}$; DeleteAfterDays at least 90 after MoveToColdStorageAfterDays)",
        check(r): Finding[] {
            const out: Finding[] = [];
            (r.inputs.rules ?? []).forEach((rule: any, i: number) => {
                if (typeof rule.ruleName === "string" && !/^[a-zA-Z0-9_.-]{1,50}$/.test(rule.ruleName))
                    out.push({
                        field: `rules[${i}].ruleName`,
                        message: `'${rule.ruleName}' must be 1-50 characters of letters, digits and -_.`,
                    });
                const lifecycles = [rule.lifecycle, ...(rule.copyActions ?? []).map((c: any) => c.lifecycle)];
                for (const l of lifecycles) {
                    if (l?.coldStorageAfter !== undefined && l?.deleteAfter !== undefined && l.deleteAfter < l.coldStorageAfter + 90) {
                        out.push({
                            field: `rules[${i}].lifecycle`,
                            message: `deleteAfter ${l.deleteAfter} is less than 90 days after coldStorageAfter ${l.coldStorageAfter}`,
                        });
                    }
                }
            });
            return out;
        },
    },
    {
        id: "aws-metric-alarm-evaluation",
        types: ["aws:cloudwatch/metricAlarm:MetricAlarm"],
        outcome: "refused",
        source: "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html (Period: 10, 20, 30 or a multiple of 60; Period multiplied by EvaluationPeriods at most 604,800 s, and at most 86,400 s for a period under one hour; DatapointsToAlarm, the M of an M out of N alarm, at most EvaluationPeriods; Metrics: one MetricDataQuery, the alarm's, with ReturnData true and every other false) and API_MetricDataQuery.html (Period, ReturnData)",
        check(r): Finding[] {
            const out: Finding[] = [];
            const i = r.inputs;
            const validPeriod = (field: string, p: unknown) => {
                if (typeof p === "number" && !(p === 10 || p === 20 || p === 30 || (p > 0 && p % 60 === 0)))
                    out.push({ field, message: `${p} s is not 10, 20, 30 or a multiple of 60` });
            };
            validPeriod("period", i.period);
            const queries: any[] = i.metricQueries ?? [];
            queries.forEach((q, n) => {
                validPeriod(`metricQueries[${n}].period`, q.period);
                validPeriod(`metricQueries[${n}].metric.period`, q.metric?.period);
            });
            const returned = queries.filter((q) => q.returnData !== false);
            if (queries.length > 0 && returned.length !== 1)
                out.push({ field: "metricQueries", message: `${returned.length} queries return data; exactly one, the alarm's, must` });
            // The alarm's period: its own, or that of the query it alarms on (an expression's, else its metric's).
            const period = i.period ?? (returned.length === 1 ? (returned[0].period ?? returned[0].metric?.period) : undefined);
            const periods = i.evaluationPeriods;
            if (typeof period === "number" && typeof periods === "number") {
                const limit = period < 3600 ? 86400 : 604800;
                if (period * periods > limit)
                    out.push({
                        field: "evaluationPeriods",
                        message: `${periods} periods of ${period} s evaluate ${period * periods} s; the limit is ${limit} s${period < 3600 ? " for periods under an hour" : ""}`,
                    });
            }
            if (typeof i.datapointsToAlarm === "number" && typeof periods === "number" && i.datapointsToAlarm > periods)
                out.push({ field: "datapointsToAlarm", message: `${i.datapointsToAlarm} is more than evaluationPeriods ${periods}` });
            return out;
        },
    },
    {
        id: "aws-value-ranges",
        types: [
            "aws:cloudwatch/logGroup:LogGroup",
            "aws:sqs/queue:Queue",
            "aws:rds/instance:Instance",
            "aws:secretsmanager/secret:Secret",
            "aws:kms/key:Key",
            "aws:ec2/flowLog:FlowLog",
            "aws:elasticache/replicationGroup:ReplicationGroup",
            "aws:docdb/cluster:Cluster",
            "aws:cloudfront/distribution:Distribution",
        ],
        outcome: "refused",
        source: "API references: CloudWatch Logs PutRetentionPolicy, SQS SetQueueAttributes, RDS CreateDBInstance BackupRetentionPeriod, Secrets Manager DeleteSecret RecoveryWindowInDays, KMS ScheduleKeyDeletion PendingWindowInDays, EC2 CreateFlowLogs MaxAggregationInterval, ElastiCache SnapshotRetentionLimit, CloudFront DistributionConfig Comment",
        check(r): Finding[] {
            const out: Finding[] = [];
            const inRange = (field: string, v: unknown, lo: number, hi: number, ref: string) => {
                if (typeof v === "number" && (v < lo || v > hi)) out.push({ field, message: `${v} is outside ${lo}-${hi} (${ref})` });
            };
            const oneOf = (field: string, v: unknown, allowed: number[], ref: string) => {
                if (typeof v === "number" && !allowed.includes(v))
                    out.push({ field, message: `${v} is not one of ${allowed.join(", ")} (${ref})` });
            };
            const i = r.inputs;
            switch (r.type) {
                case "aws:cloudwatch/logGroup:LogGroup":
                    oneOf(
                        "retentionInDays",
                        i.retentionInDays,
                        [0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653],
                        "PutRetentionPolicy",
                    );
                    break;
                case "aws:sqs/queue:Queue":
                    inRange("messageRetentionSeconds", i.messageRetentionSeconds, 60, 1209600, "SetQueueAttributes");
                    inRange("visibilityTimeoutSeconds", i.visibilityTimeoutSeconds, 0, 43200, "SetQueueAttributes");
                    inRange("delaySeconds", i.delaySeconds, 0, 900, "SetQueueAttributes");
                    inRange("receiveWaitTimeSeconds", i.receiveWaitTimeSeconds, 0, 20, "SetQueueAttributes");
                    inRange("maxMessageSize", i.maxMessageSize, 1024, 1048576, "SetQueueAttributes");
                    if (i.fifoQueue === true && typeof i.name === "string" && !i.name.endsWith(".fifo"))
                        out.push({ field: "name", message: `a FIFO queue's name must end in '.fifo' ('${i.name}')` });
                    if (i.fifoQueue !== true && typeof i.name === "string" && i.name.endsWith(".fifo"))
                        out.push({ field: "name", message: `only a FIFO queue's name ends in '.fifo' ('${i.name}')` });
                    break;
                case "aws:rds/instance:Instance":
                    inRange("backupRetentionPeriod", i.backupRetentionPeriod, 0, 35, "CreateDBInstance");
                    break;
                case "aws:docdb/cluster:Cluster":
                    inRange("backupRetentionPeriod", i.backupRetentionPeriod, 1, 35, "CreateDBCluster");
                    break;
                case "aws:elasticache/replicationGroup:ReplicationGroup":
                    inRange("snapshotRetentionLimit", i.snapshotRetentionLimit, 0, 35, "CreateReplicationGroup");
                    break;
                case "aws:secretsmanager/secret:Secret":
                    if (typeof i.recoveryWindowInDays === "number" && i.recoveryWindowInDays !== 0)
                        inRange("recoveryWindowInDays", i.recoveryWindowInDays, 7, 30, "DeleteSecret");
                    break;
                case "aws:kms/key:Key":
                    inRange("deletionWindowInDays", i.deletionWindowInDays, 7, 30, "ScheduleKeyDeletion");
                    break;
                case "aws:ec2/flowLog:FlowLog":
                    oneOf("maxAggregationInterval", i.maxAggregationInterval, [60, 600], "CreateFlowLogs");
                    break;
                case "aws:cloudfront/distribution:Distribution":
                    if (typeof i.comment === "string" && i.comment.length > 128)
                        out.push({
                            field: "comment",
                            message: `${i.comment.length} characters; the limit is 128 (DistributionConfig Comment)`,
                        });
                    break;
            }
            return out;
        },
    },
    {
        id: "aws-ecs-efs-volume",
        types: ["aws:ecs/taskDefinition:TaskDefinition"],
        outcome: "refused",
        source: "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_EFSVolumeConfiguration.html and API_EFSAuthorizationConfig.html (transitEncryption ENABLED | DISABLED; IAM authorization and an access point need transitEncryption ENABLED; with an access point, rootDirectory omitted or '/')",
        check(r): Finding[] {
            const out: Finding[] = [];
            for (const { i, efs } of efsVolumes(r)) {
                const at = `volumes[${i}].efsVolumeConfiguration`;
                const transit = efs.transitEncryption;
                const auth = efs.authorizationConfig ?? {};
                if (transit !== undefined && transit !== "ENABLED" && transit !== "DISABLED")
                    out.push({ field: `${at}.transitEncryption`, message: `'${transit}' is not ENABLED or DISABLED` });
                if (auth.iam !== undefined && auth.iam !== "ENABLED" && auth.iam !== "DISABLED")
                    out.push({ field: `${at}.authorizationConfig.iam`, message: `'${auth.iam}' is not ENABLED or DISABLED` });
                if (auth.iam === "ENABLED" && transit !== "ENABLED")
                    out.push({
                        field: `${at}.transitEncryption`,
                        message: `is ${transit ?? "omitted (DISABLED)"}, but IAM authorization (authorizationConfig.iam ENABLED) needs it ENABLED`,
                    });
                if (auth.accessPointId !== undefined && transit !== "ENABLED")
                    out.push({
                        field: `${at}.transitEncryption`,
                        message: `is ${transit ?? "omitted (DISABLED)"}, but an access point (authorizationConfig.accessPointId) needs it ENABLED`,
                    });
                if (auth.accessPointId !== undefined && efs.rootDirectory !== undefined && efs.rootDirectory !== "/") {
                    out.push({
                        field: `${at}.rootDirectory`,
                        message: `'${efs.rootDirectory}' with an access point: omit it or give '/' (the access point sets the directory)`,
                    });
                }
            }
            return out;
        },
    },
    {
        id: "aws-ecs-deployment-strategy",
        types: ["aws:ecs/service:Service"],
        outcome: "refused",
        source: "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeploymentConfiguration.html (bakeTimeInMinutes 0-1440), API_CanaryConfiguration.html (canaryPercent multiples of 0.1 from 0.1 to 100.0; canaryBakeTimeInMinutes 0-1440), API_LinearConfiguration.html (stepPercent multiples of 0.1 from 3.0 to 100.0; stepBakeTimeInMinutes 0-1440), API_DeploymentAlarms.html (alarmNames required), API_DeploymentLifecycleHook.html (lifecycleStages from RECONCILE_SERVICE, PRE_SCALE_UP, POST_SCALE_UP, TEST_TRAFFIC_SHIFT, POST_TEST_TRAFFIC_SHIFT, PRE_PRODUCTION_TRAFFIC_SHIFT, PRODUCTION_TRAFFIC_SHIFT, POST_PRODUCTION_TRAFFIC_SHIFT; an AWS_LAMBDA hook needs hookTargetArn and roleArn; PAUSE hooks not at TEST_TRAFFIC_SHIFT or PRODUCTION_TRAFFIC_SHIFT), CloudFormation AWS::ECS::Service DeploymentLifecycleHook (HookDetails must be a JSON object as a string), and developerguide/blue-green-deployment-implementation.html (a BLUE_GREEN, CANARY or LINEAR service behind a load balancer needs each target group's advancedConfiguration: the alternate target group, the production listener rule and the role ECS shifts traffic with)",
        check(r): Finding[] {
            const out: Finding[] = [];
            const d = r.inputs.deploymentConfiguration ?? {};
            const minutes = (field: string, v: unknown) => {
                if (v === undefined) return;
                const n = Number(v);
                if (!Number.isInteger(n) || n < 0 || n > 1440) out.push({ field, message: `'${String(v)}' is not 0-1440 minutes` });
            };
            const tenths = (field: string, v: unknown, min: number) => {
                if (v === undefined) return;
                const n = Number(v);
                if (!(n >= min && n <= 100) || Math.abs(n * 10 - Math.round(n * 10)) > 1e-9)
                    out.push({ field, message: `${String(v)} is not a multiple of 0.1 from ${min.toFixed(1)} to 100.0` });
            };
            minutes("deploymentConfiguration.bakeTimeInMinutes", d.bakeTimeInMinutes);
            minutes("deploymentConfiguration.canaryConfiguration.canaryBakeTimeInMinutes", d.canaryConfiguration?.canaryBakeTimeInMinutes);
            minutes("deploymentConfiguration.linearConfiguration.stepBakeTimeInMinutes", d.linearConfiguration?.stepBakeTimeInMinutes);
            tenths("deploymentConfiguration.canaryConfiguration.canaryPercent", d.canaryConfiguration?.canaryPercent, 0.1);
            tenths("deploymentConfiguration.linearConfiguration.stepPercent", d.linearConfiguration?.stepPercent, 3);
            if (d.strategy === "CANARY" && !d.canaryConfiguration)
                out.push({ field: "deploymentConfiguration.canaryConfiguration", message: "is required with strategy CANARY" });
            if (d.strategy === "LINEAR" && !d.linearConfiguration)
                out.push({ field: "deploymentConfiguration.linearConfiguration", message: "is required with strategy LINEAR" });
            const balanced = (r.inputs.loadBalancers ?? []).filter((lb: any) => lb.targetGroupArn !== undefined);
            const complete = (lb: any) =>
                ["alternateTargetGroupArn", "productionListenerRule", "roleArn"].every((k) => lb.advancedConfiguration?.[k] !== undefined);
            if (["BLUE_GREEN", "CANARY", "LINEAR"].includes(d.strategy) && balanced.length > 0 && !balanced.some(complete))
                out.push({
                    field: "loadBalancers[0].advancedConfiguration",
                    message: `is missing or incomplete: a ${d.strategy} deployment behind a load balancer shifts traffic between the target group and an alternate one (alternateTargetGroupArn) through a listener rule (productionListenerRule), with a role (roleArn)`,
                });
            const alarms = r.inputs.alarms;
            if (alarms && (alarms.alarmNames ?? []).length === 0)
                out.push({ field: "alarms.alarmNames", message: "is empty: deployment alarms name at least one CloudWatch alarm" });
            (d.lifecycleHooks ?? []).forEach((h: any, i: number) =>
                out.push(...lifecycleHookFindings(h, `deploymentConfiguration.lifecycleHooks[${i}]`)),
            );
            return out;
        },
    },
    {
        id: "aws-ecs-efs-platform-version",
        types: ["aws:ecs/service:Service"],
        outcome: "refused",
        source: "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/efs-volumes.html (Fargate tasks mount EFS from platform version 1.4.0; 1.3.0 and earlier have no EFS volumes)",
        check(r, run): Finding[] {
            if (r.inputs.launchType !== "FARGATE") return [];
            const withEfs = r.dependencies
                .map((u) => run.byUrn(u))
                .filter((d): d is PlannedResource => d?.type === "aws:ecs/taskDefinition:TaskDefinition" && efsVolumes(d).length > 0);
            if (withEfs.length === 0 || fargateSupportsEfs(r.inputs.platformVersion)) return [];
            return [
                {
                    field: "platformVersion",
                    message: `'${r.inputs.platformVersion}' cannot mount the EFS volumes of task definition ${withEfs[0].name}; use LATEST or 1.4.0 and later`,
                },
            ];
        },
    },
    {
        id: "aws-efs-access-point",
        types: ["aws:efs/accessPoint:AccessPoint"],
        outcome: "refused",
        source: "https://docs.aws.amazon.com/efs/latest/ug/API_RootDirectory.html (Path 1-100 characters, '/' or up to four components, pattern), API_CreationInfo.html (Permissions ^[0-7]{3,4}$; OwnerUid/OwnerGid 0-4294967295) and API_PosixUser.html (Uid/Gid 0-4294967295)",
        check(r): Finding[] {
            const out: Finding[] = [];
            const root = r.inputs.rootDirectory ?? {};
            const path = root.path;
            if (typeof path === "string" && (path.length < 1 || path.length > 100 || !EFS_ACCESS_POINT_PATH.test(path))) {
                out.push({
                    field: "rootDirectory.path",
                    message: `'${path}' (${path.length} characters) must be '/' or up to four components of 1-100 characters in all, none starting with '.', without $#<>;\`|&?{}^*`,
                });
            }
            const info = root.creationInfo;
            if (info && typeof info.permissions === "string" && !/^[0-7]{3,4}$/.test(info.permissions))
                out.push({ field: "rootDirectory.creationInfo.permissions", message: `'${info.permissions}' is not 3-4 octal digits` });
            const id = (field: string, v: unknown) => {
                if (typeof v === "number" && (!Number.isInteger(v) || v < 0 || v > POSIX_ID_MAX))
                    out.push({ field, message: `${v} is not a POSIX id 0-${POSIX_ID_MAX}` });
            };
            id("posixUser.uid", r.inputs.posixUser?.uid);
            id("posixUser.gid", r.inputs.posixUser?.gid);
            id("rootDirectory.creationInfo.ownerUid", info?.ownerUid);
            id("rootDirectory.creationInfo.ownerGid", info?.ownerGid);
            return out;
        },
    },
    {
        id: "aws-efs-access-point-creation-info",
        types: ["aws:efs/accessPoint:AccessPoint"],
        outcome: "broken",
        source: 'https://docs.aws.amazon.com/efs/latest/ug/API_RootDirectory.html ("If you do not provide CreationInfo and the specified RootDirectory > Path does not exist, attempts to mount the file system using the access point will fail")',
        check(r): Finding[] {
            const root = r.inputs.rootDirectory;
            if (!root || root.path === undefined || root.path === "/" || root.creationInfo) return [];
            return [
                {
                    field: "rootDirectory.creationInfo",
                    message: `is missing for '${root.path}': on a new file system the directory does not exist and every mount through the access point fails`,
                },
            ];
        },
    },
    {
        // EKS Auto Mode is one switch in three places: "When using EKS Auto Mode compute_config.enabled,
        // kubernetes_network_config.elastic_load_balancing.enabled, and storage_config.block_storage.enabled
        // must *ALL be set to true ... Enabling EKS Auto Mode also requires that bootstrapSelfManagedAddons
        // is set to false" (@pulumi/aws 7.48 eks/cluster.d.ts, from the provider's aws_eks_cluster docs); the
        // EKS API refuses the CreateCluster otherwise.
        id: "aws-eks-auto-mode-switches",
        types: ["aws:eks/cluster:Cluster"],
        outcome: "refused",
        source: "@pulumi/aws 7.48 eks/cluster.d.ts (EKS Auto Mode note); https://docs.aws.amazon.com/eks/latest/userguide/create-auto.html",
        check(r): Finding[] {
            const i = r.inputs;
            const switches: Record<string, unknown> = {
                "computeConfig.enabled": i.computeConfig?.enabled,
                "kubernetesNetworkConfig.elasticLoadBalancing.enabled": i.kubernetesNetworkConfig?.elasticLoadBalancing?.enabled,
                "storageConfig.blockStorage.enabled": i.storageConfig?.blockStorage?.enabled,
            };
            const on = Object.entries(switches).filter(([, v]) => v === true);
            if (on.length === 0) return [];
            const out: Finding[] = Object.entries(switches)
                .filter(([, v]) => v !== true)
                .map(([field]) => ({ field, message: `is not true while ${on.map(([f]) => f).join(", ")} is: Auto Mode takes all three` }));
            if (i.bootstrapSelfManagedAddons !== false)
                out.push({ field: "bootstrapSelfManagedAddons", message: "must be false on an Auto Mode cluster (it defaults to true)" });
            return out;
        },
    },
    {
        // CreateCluster: name "Length Constraints: Minimum length of 1. Maximum length of 100. Pattern:
        // ^[0-9A-Za-z][A-Za-z0-9\-_]*"; resourcesVpcConfig: at least one of the private and the public
        // endpoint must be enabled.
        id: "aws-eks-cluster-name-and-endpoint",
        types: ["aws:eks/cluster:Cluster"],
        outcome: "refused",
        source: "https://docs.aws.amazon.com/eks/latest/APIReference/API_CreateCluster.html (name); https://docs.aws.amazon.com/eks/latest/APIReference/API_VpcConfigRequest.html (endpointPublicAccess, endpointPrivateAccess)",
        check(r): Finding[] {
            const out: Finding[] = [];
            const name = r.inputs.name;
            if (typeof name === "string" && (name.length > 100 || !/^[0-9A-Za-z][A-Za-z0-9\-_]*$/.test(name)))
                out.push({ field: "name", message: `'${name}' is not 1-100 letters, digits, '-' and '_' starting with a letter or digit` });
            const vpc = r.inputs.vpcConfig ?? {};
            if (vpc.endpointPrivateAccess === false && vpc.endpointPublicAccess === false)
                out.push({
                    field: "vpcConfig",
                    message: "disables both the private and the public API endpoint: nothing could reach the cluster",
                });
            return out;
        },
    },
    {
        // EKS Pod Identity: the agent calls AssumeRoleForPodIdentity, which takes the association's role
        // only if its trust lets pods.eks.amazonaws.com call sts:AssumeRole and sts:TagSession ("Create
        // the role ... trust policy", https://docs.aws.amazon.com/eks/latest/userguide/pod-id-role.html):
        // otherwise the pods get no credentials and every AWS call they make fails.
        id: "aws-eks-pod-identity-role-trust",
        types: ["aws:eks/podIdentityAssociation:PodIdentityAssociation"],
        outcome: "broken",
        source: "https://docs.aws.amazon.com/eks/latest/userguide/pod-id-role.html (trust policy: pods.eks.amazonaws.com, sts:AssumeRole and sts:TagSession)",
        check(r, run): Finding[] {
            const roles = r.dependencies.map((u) => run.byUrn(u)).filter((d): d is PlannedResource => d?.type === "aws:iam/role:Role");
            if (roles.length === 0) return [];
            const trusts = (role: PlannedResource) => {
                let doc: any = role.inputs.assumeRolePolicy;
                try {
                    if (typeof doc === "string") doc = JSON.parse(doc);
                } catch {
                    return false;
                }
                return [doc?.Statement ?? []].flat().some((st: any) => {
                    const principals = [st?.Principal?.Service ?? []].flat();
                    const actions = [st?.Action ?? []].flat();
                    return (
                        st?.Effect === "Allow" &&
                        principals.includes("pods.eks.amazonaws.com") &&
                        actions.includes("sts:AssumeRole") &&
                        actions.includes("sts:TagSession")
                    );
                });
            };
            return roles
                .filter((role) => !trusts(role))
                .map((role) => ({
                    field: "roleArn",
                    message: `role '${role.name}' does not let pods.eks.amazonaws.com call sts:AssumeRole and sts:TagSession: the pods get no credentials`,
                }));
        },
    },
    {
        // An interface endpoint's private DNS is a private hosted zone for the service's own name, associated with the VPC:
        // "To use a private hosted zone, you must set the following VPC attributes to true: enableDnsHostnames and
        // enableDnsSupport" (EC2 API CreateVpcEndpoint, PrivateDnsEnabled). A VPC of the run is judged by its inputs
        // (the provider's defaults: enableDnsSupport true, enableDnsHostnames false); an existing VPC's attributes are unknown here.
        id: "aws-vpc-endpoint-private-dns",
        types: ["aws:ec2/vpcEndpoint:VpcEndpoint"],
        outcome: "refused",
        source: "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateVpcEndpoint.html (PrivateDnsEnabled: the VPC needs enableDnsHostnames and enableDnsSupport true)",
        check(r, run): Finding[] {
            if (r.inputs.vpcEndpointType !== "Interface" || r.inputs.privateDnsEnabled !== true) return [];
            return r.dependencies
                .map((u) => run.byUrn(u))
                .filter((d): d is PlannedResource => d?.type === "aws:ec2/vpc:Vpc")
                .filter((vpc) => vpc.inputs.enableDnsHostnames !== true || vpc.inputs.enableDnsSupport === false)
                .map((vpc) => ({
                    field: "privateDnsEnabled",
                    message: `private DNS needs VPC '${vpc.name}' to have enableDnsHostnames and enableDnsSupport true (it has ${vpc.inputs.enableDnsHostnames ?? false} and ${vpc.inputs.enableDnsSupport ?? true})`,
                }));
        },
    },
    {
        // A pull-through cache rule's prefix and upstream, as CreatePullThroughCacheRule takes them (see ECR_CACHE_PREFIX and
        // ECR_CACHE_UPSTREAMS): the prefix's length and shape, an upstream from the documented list, and the Secrets Manager
        // credentials an authenticated upstream needs.
        id: "aws-ecr-pull-through-cache-rule",
        types: ["aws:ecr/pullThroughCacheRule:PullThroughCacheRule"],
        outcome: "refused",
        source: "https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_CreatePullThroughCacheRule.html (ecrRepositoryPrefix 2-30 characters and its pattern; upstreamRegistryUrl per registry); https://docs.aws.amazon.com/AmazonECR/latest/userguide/pull-through-cache.html (which upstreams need a Secrets Manager secret)",
        check(r): Finding[] {
            const out: Finding[] = [];
            const prefix = r.inputs.ecrRepositoryPrefix;
            if (typeof prefix !== "string" || prefix.length < 2 || prefix.length > 30 || !ECR_CACHE_PREFIX.test(prefix))
                out.push({
                    field: "ecrRepositoryPrefix",
                    message: `'${prefix}' is not a repository prefix ECR accepts: 2-30 characters, lower-case letters and digits joined by single '.', '_' or '-', components separated by '/', or ROOT`,
                });
            const url = r.inputs.upstreamRegistryUrl;
            const upstream = ECR_CACHE_UPSTREAMS.find((u) => typeof url === "string" && u.url.test(url));
            if (!upstream)
                out.push({
                    field: "upstreamRegistryUrl",
                    message: `'${url}' is not an upstream registry ECR caches (${ECR_CACHE_UPSTREAMS.map((u) => u.name).join(", ")}; the host only, no scheme)`,
                });
            else if (upstream.credentials && !r.inputs.credentialArn)
                out.push({
                    field: "credentialArn",
                    message: `${upstream.name} needs a Secrets Manager secret (ecr-pullthroughcache/...) as credentialArn`,
                });
            return out;
        },
    },
];
