/**
 * Resource types and helpers the AWS policy files share.
 */
import { parseJsonish } from "./util";

/** The type token of an RDS instance. */
export const RDS_INSTANCE = "aws:rds/instance:Instance";

/** The type token of an RDS (Aurora) cluster. */
export const RDS_CLUSTER = "aws:rds/cluster:Cluster";

/** The type token of a DocumentDB cluster. */
export const DOCDB_CLUSTER = "aws:docdb/cluster:Cluster";

/** The type token of an ElastiCache replication group. */
export const REPLICATION_GROUP = "aws:elasticache/replicationGroup:ReplicationGroup";

/** The type token of a WAFv2 web ACL. */
export const WEB_ACL = "aws:wafv2/webAcl:WebAcl";

/** The type token of an ECS service. */
export const ECS_SERVICE = "aws:ecs/service:Service";

/** True when a security-group rule's port range covers `port`. */
export const covers = (r: { fromPort: number; toPort: number }, port: number) => r.fromPort <= port && port <= r.toPort;

/**
 * The tags an AWS resource ends up with: `tagsAll` where the engine has computed it (the AWS
 * provider's Check merges its defaultTags into `tagsAll`), else the resource's provider's
 * defaultTags (a JSON string in provider inputs) under the resource's own `tags`.
 */
export function effectiveTags(props: any, provider?: { props: any }): Record<string, string> {
    if (props?.tagsAll && typeof props.tagsAll === "object") return props.tagsAll;
    const defaults = parseJsonish<{ tags?: Record<string, string> }>(provider?.props?.defaultTags)?.tags ?? {};
    return { ...defaults, ...(props?.tags ?? {}) };
}
