/**
 * Readers of AWS's provider-shaped inputs (ECS container definitions, security-group ingress, S3
 * bucket types): one module per platform, shared by the policy rules (policies/rules/, through
 * util.ts) and by the tests that read a plan back (test/plan/facts.ts), so each resource shape is
 * read one way.
 */

/** A value given as a literal or in the JSON string form some providers take (ECS container definitions, SQS redrive policies). */
export function parseJsonish<T>(value: unknown): T | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "string") return value as T;
    try {
        return JSON.parse(value) as T;
    } catch {
        return undefined;
    }
}

/** One ECS container definition, as much as the policies read. */
export interface EcsContainer {
    name?: string;
    image?: string;
    user?: string;
    privileged?: boolean;
    readonlyRootFilesystem?: boolean;
    environment?: Array<{ name: string; value?: string }>;
    secrets?: Array<{ name: string; valueFrom: string }>;
    logConfiguration?: { logDriver?: string };
    healthCheck?: { command?: string[] };
    essential?: boolean;
    /** The argv that replaces the image's CMD. */
    command?: string[];
}

/** The container definitions of an ECS task definition (a JSON string input); undefined when unreadable. */
export function ecsContainers(props: any): EcsContainer[] | undefined {
    const defs = parseJsonish<EcsContainer[]>(props?.containerDefinitions);
    return Array.isArray(defs) ? defs : undefined;
}

/** An ingress rule in one shape, whichever resource declares it. */
export interface IngressRule {
    fromPort: number;
    toPort: number;
    protocol: string;
    cidrs: string[];
    /** Source is another security group or a prefix list (not an address range). */
    fromGroup: boolean;
    description?: string;
}

const num = (v: unknown, d: number) => (typeof v === "number" ? v : typeof v === "string" && v !== "" && !isNaN(Number(v)) ? Number(v) : d);

/** True for the "all protocols" spelling of a rule's protocol ("-1" or "all"). */
export const isAllProtocols = (protocol: unknown) => String(protocol ?? "") === "-1" || String(protocol ?? "").toLowerCase() === "all";

/** One rule's fields, named as the rule's resource names them, in the common shape. */
function ingressRule(
    protocol: unknown,
    fromPort: unknown,
    toPort: unknown,
    cidrs: unknown[],
    fromGroup: boolean,
    description: unknown,
): IngressRule {
    const all = isAllProtocols(protocol);
    return {
        fromPort: all ? 0 : num(fromPort, 0),
        toPort: all ? 65535 : num(toPort, 65535),
        protocol: String(protocol ?? "tcp"),
        cidrs: cidrs.filter((c): c is string => typeof c === "string"),
        fromGroup,
        description: description as string | undefined,
    };
}

const some = (list: unknown) => Array.isArray(list) && list.length > 0;

/** The ingress rules a security-group-ish resource declares (inline SG rules, SecurityGroupRule, vpc.SecurityGroupIngressRule). */
export function ingressRulesOf(type: string, props: any): IngressRule[] {
    if (type === "aws:ec2/securityGroup:SecurityGroup") {
        return (Array.isArray(props?.ingress) ? props.ingress : []).map((r: any) =>
            ingressRule(
                r.protocol,
                r.fromPort,
                r.toPort,
                [...(r.cidrBlocks ?? []), ...(r.ipv6CidrBlocks ?? [])],
                some(r.securityGroups) || r.self === true || some(r.prefixListIds),
                r.description,
            ),
        );
    }
    if (type === "aws:ec2/securityGroupRule:SecurityGroupRule") {
        if (props?.type !== "ingress") return [];
        const fromGroup = !!props.sourceSecurityGroupId || props.self === true || some(props.prefixListIds);
        return [
            ingressRule(
                props.protocol,
                props.fromPort,
                props.toPort,
                [...(props.cidrBlocks ?? []), ...(props.ipv6CidrBlocks ?? [])],
                fromGroup,
                props.description,
            ),
        ];
    }
    if (type === "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule") {
        const fromGroup = !!props?.referencedSecurityGroupId || !!props?.prefixListId;
        return [
            ingressRule(
                props?.ipProtocol,
                props?.fromPort,
                props?.toPort,
                [props?.cidrIpv4, props?.cidrIpv6],
                fromGroup,
                props?.description,
            ),
        ];
    }
    return [];
}

/** Types that declare security group ingress. */
export const SG_RULE_TYPES = [
    "aws:ec2/securityGroup:SecurityGroup",
    "aws:ec2/securityGroupRule:SecurityGroupRule",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
];

/** S3 bucket types (v7 `Bucket`, and the deprecated `BucketV2` alias). */
export const S3_BUCKETS = ["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"];
