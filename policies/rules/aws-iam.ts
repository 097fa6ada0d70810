/**
 * AWS IAM and resource-policy documents (issue 16): what users add beside the program's own roles —
 * inline and managed policies granting everything, AdministratorAccess attachments, policies on
 * users, trust policies anyone can assume, and resource policies (S3, SQS, SNS, KMS) open to every
 * principal. Public rules: Checkov CKV_AWS_40/60/61/62/63/274 (IAM), CKV_AWS_70 (S3), CKV_AWS_168 and
 * CKV_AWS_72 (SQS), CKV_AWS_169 (SNS), CKV_AWS_33 (KMS), read from bridgecrewio/checkov
 * `checkov/terraform/checks/resource/aws/*.py`.
 */
import { parseJsonish, resourcePolicy } from "./util";

// ---------- policy documents ----------

/** One statement of an IAM or resource policy document, as AWS accepts it (single values or lists). */
export interface PolicyStatement {
    Sid?: string;
    Effect?: "Allow" | "Deny" | string;
    Action?: string | string[];
    NotAction?: string | string[];
    Resource?: string | string[];
    NotResource?: string | string[];
    Principal?: "*" | Record<string, string | string[]>;
    NotPrincipal?: unknown;
    Condition?: Record<string, unknown>;
}

/** A policy document: `Statement` is one statement or a list. */
export interface PolicyDocument {
    Version?: string;
    Statement?: PolicyStatement | PolicyStatement[];
}

/** The statements of a document given as a JSON string or an object (Pulumi accepts both); [] when unreadable. */
export function statementsOf(doc: unknown): PolicyStatement[] {
    const parsed = parseJsonish<PolicyDocument>(doc);
    if (!parsed || typeof parsed !== "object") return [];
    const s = parsed.Statement;
    return (Array.isArray(s) ? s : s ? [s] : []).filter((x): x is PolicyStatement => !!x && typeof x === "object");
}

const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const isAllow = (s: PolicyStatement) => (s.Effect ?? "Allow") === "Allow";
const hasCondition = (s: PolicyStatement) => !!s.Condition && Object.keys(s.Condition).length > 0;

/** True when a statement's principal is everyone: `"*"`, `{AWS: "*"}` or `{AWS: ["*"]}`. */
export function isEveryonePrincipal(principal: PolicyStatement["Principal"]): boolean {
    if (principal === "*") return true;
    if (!principal || typeof principal !== "object") return false;
    return (
        list(principal.AWS as string | string[] | undefined).includes("*") ||
        list(principal.CanonicalUser as string | string[] | undefined).includes("*")
    );
}

/** Why an Allow statement grants every action (on every resource), or undefined. */
function wildcardProblem(s: PolicyStatement, where: string): string | undefined {
    if (!isAllow(s)) return undefined;
    const actions = list(s.Action);
    const everyAction = actions.includes("*") || actions.includes("*:*");
    if (!everyAction) return undefined;
    const resources = list(s.Resource);
    return resources.includes("*") || resources.length === 0
        ? `${where}: statement ${s.Sid ?? ""}allows every action ("*") on every resource ("*")`.replace(/ {2}/g, " ")
        : `${where}: statement ${s.Sid ?? ""}allows every action ("*")`.replace(/ {2}/g, " ");
}

// ---------- types ----------

const ROLE = "aws:iam/role:Role";
const POLICY = "aws:iam/policy:Policy";
const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";
const USER_POLICY = "aws:iam/userPolicy:UserPolicy";
const GROUP_POLICY = "aws:iam/groupPolicy:GroupPolicy";
const ROLE_ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment";
const USER_ATTACHMENT = "aws:iam/userPolicyAttachment:UserPolicyAttachment";
const GROUP_ATTACHMENT = "aws:iam/groupPolicyAttachment:GroupPolicyAttachment";
const POLICY_ATTACHMENT = "aws:iam/policyAttachment:PolicyAttachment";

/** The IAM role inputs the policies read (@pulumi/aws v7 `iam.Role`). */
interface RoleProps {
    assumeRolePolicy?: string | PolicyDocument;
    inlinePolicies?: Array<{ name?: string; policy?: string | PolicyDocument }>;
    managedPolicyArns?: string[];
}
/** Inputs of the document-carrying IAM types (`iam.Policy`, `RolePolicy`, `UserPolicy`, `GroupPolicy`). */
interface PolicyProps {
    name?: string;
    policy?: string | PolicyDocument;
}
/** Inputs of the attachment types. */
interface AttachmentProps {
    policyArn?: string;
    users?: string[];
    roles?: string[];
    groups?: string[];
}

/** The documents an IAM resource grants, with where each comes from. */
function grantedDocuments(type: string, props: RoleProps & PolicyProps): Array<{ where: string; doc: unknown }> {
    if (type === ROLE) return (props.inlinePolicies ?? []).map((p, i) => ({ where: `inline policy '${p.name ?? i}'`, doc: p.policy }));
    return [{ where: "policy", doc: props.policy }];
}

/** No statement grants every action (CKV_AWS_62 "*"-"*" administrator, CKV_AWS_63 "*" actions). */
export const awsIamNoWildcardActions = resourcePolicy({
    name: "aws-iam-no-wildcard-actions",
    description:
        'No IAM policy (managed, inline on a role, role/user/group policy; JSON string or object) has an Allow statement with Action "*": on Resource "*" it is full administrator access.',
    group: "security",
    platforms: ["aws"],
    sources: ["Checkov CKV_AWS_62", "Checkov CKV_AWS_63"],
    types: [ROLE, POLICY, ROLE_POLICY, USER_POLICY, GROUP_POLICY],
    validate: (props: RoleProps & PolicyProps, args, report) => {
        for (const { where, doc } of grantedDocuments(args.type, props)) {
            for (const s of statementsOf(doc)) {
                const problem = wildcardProblem(s, where);
                if (problem) report(problem);
            }
        }
    },
});

const ADMIN_ARN = /^arn:aws[a-z-]*:iam::aws:policy\/AdministratorAccess$/;

/** AdministratorAccess is attached to nothing (CKV_AWS_274). */
export const awsIamNoAdminPolicy = resourcePolicy({
    name: "aws-iam-no-admin-managed-policy",
    description: "No role, user or group gets the AWS-managed AdministratorAccess policy (managedPolicyArns or a policy attachment).",
    group: "security",
    platforms: ["aws"],
    sources: ["Checkov CKV_AWS_274"],
    types: [ROLE, ROLE_ATTACHMENT, USER_ATTACHMENT, GROUP_ATTACHMENT, POLICY_ATTACHMENT],
    validate: (props: RoleProps & AttachmentProps, args, report) => {
        const arns = args.type === ROLE ? (props.managedPolicyArns ?? []) : [props.policyArn];
        for (const arn of arns) if (typeof arn === "string" && ADMIN_ARN.test(arn)) report(`attaches ${arn}`);
    },
});

/** Permissions go to roles and groups, not users (CKV_AWS_40). */
export const awsIamNoUserPolicies = resourcePolicy({
    name: "aws-iam-no-user-policies",
    description:
        "IAM policies are attached to roles or groups, never directly to users (user policies, user attachments, policy attachments naming users).",
    group: "security",
    platforms: ["aws"],
    sources: ["Checkov CKV_AWS_40"],
    types: [USER_POLICY, USER_ATTACHMENT, POLICY_ATTACHMENT],
    validate: (props: AttachmentProps & PolicyProps, args, report) => {
        if (args.type === POLICY_ATTACHMENT) {
            if ((props.users ?? []).length > 0) report(`policy attachment names users: ${(props.users ?? []).join(", ")}`);
            return;
        }
        report(`${args.type.split(":").pop()} gives permissions to a user; attach them to a group or role`);
    },
});

/** Trust policies name who may assume the role (CKV_AWS_60, CKV_AWS_61). */
export const awsIamTrustRestricted = resourcePolicy({
    name: "aws-iam-trust-restricted",
    description:
        'A role\'s trust policy does not let everyone (Principal "*") assume it, and a whole account (…:root) only under a Condition (an external id, MFA, a source ARN).',
    group: "security",
    platforms: ["aws"],
    sources: ["Checkov CKV_AWS_60", "Checkov CKV_AWS_61"],
    types: [ROLE],
    validate: (props: RoleProps, _args, report) => {
        for (const s of statementsOf(props.assumeRolePolicy)) {
            if (!isAllow(s)) continue;
            if (isEveryonePrincipal(s.Principal)) report(`trust policy lets any principal ("*") assume the role`);
            else if (
                typeof s.Principal === "object" &&
                list(s.Principal.AWS as string | string[]).some((p) => /:root$/.test(p)) &&
                !hasCondition(s)
            )
                report(`trust policy lets a whole account (…:root) assume the role without a Condition`);
        }
    },
});

// ---------- resource policies ----------

const BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy";
const QUEUE_POLICY = "aws:sqs/queuePolicy:QueuePolicy";
const TOPIC_POLICY = "aws:sns/topicPolicy:TopicPolicy";
const KMS_KEY = "aws:kms/key:Key";
const QUEUE = "aws:sqs/queue:Queue";
const TOPIC = "aws:sns/topic:Topic";

/** Inputs of the resource types that carry a resource policy in `policy`. */
interface ResourcePolicyProps {
    policy?: string | PolicyDocument;
}

/** No resource policy allows everyone without a restricting Condition. */
export const awsNoPublicResourcePolicy = resourcePolicy({
    name: "aws-no-public-resource-policy",
    description:
        'No S3 bucket policy, SQS queue or SNS topic policy or KMS key policy has an Allow statement for every principal ("*") without a Condition (aws:SourceArn, aws:SourceVpce, aws:PrincipalOrgID…), and none allows every action on a queue.',
    group: "security",
    platforms: ["aws"],
    checklist: ["port-restrictions"],
    sources: ["Checkov CKV_AWS_70", "Checkov CKV_AWS_168", "Checkov CKV_AWS_72", "Checkov CKV_AWS_169", "Checkov CKV_AWS_33"],
    types: [BUCKET_POLICY, QUEUE_POLICY, TOPIC_POLICY, KMS_KEY, QUEUE, TOPIC],
    validate: (props: ResourcePolicyProps, args, report) => {
        for (const s of statementsOf(props.policy)) {
            if (!isAllow(s)) continue;
            const actions = list(s.Action);
            if (isEveryonePrincipal(s.Principal) && !hasCondition(s))
                report(
                    `statement ${s.Sid ? `'${s.Sid}' ` : ""}allows ${actions.join(", ") || "actions"} to everyone (Principal "*") without a Condition`,
                );
            if ((args.type === QUEUE_POLICY || args.type === QUEUE) && (actions.includes("*") || actions.includes("sqs:*")))
                report(`statement ${s.Sid ? `'${s.Sid}' ` : ""}allows every SQS action`);
        }
    },
});

/** The policies of this module. */
export const awsIamPolicies = [
    awsIamNoWildcardActions,
    awsIamNoAdminPolicy,
    awsIamNoUserPolicies,
    awsIamTrustRestricted,
    awsNoPublicResourcePolicy,
];
