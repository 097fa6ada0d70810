/**
 * Network reachability on AWS: security groups (no world-open ingress but the edge,
 * datastores reached from security groups only, described rules), no public IPs on subnets or
 * tasks, no public databases.
 */
import { ingressRulesOf, isAllProtocols, resourcePolicy, setting, SG_RULE_TYPES, WORLD } from "./util";
import { RDS_INSTANCE, ECS_SERVICE, covers } from "./aws-shared";
import { ENGINE_PORTS } from "../../conventions/ports";

/** Ports of the datastores (PostgreSQL, MySQL, MongoDB/DocumentDB, Redis: conventions/ports.ts; and Memcached's 11211). */
export const AWS_DATASTORE_PORTS = [ENGINE_PORTS.postgres, ENGINE_PORTS.mysql, ENGINE_PORTS.mongodb, ENGINE_PORTS.redis, 11211];

const sgWorldSchema = {
    properties: {
        publicPorts: setting.integers([80, 443], "Ports that may be open to 0.0.0.0/0 (the edge load balancer's HTTP and HTTPS)."),
    },
};

/** No world-open ingress but the edge's HTTP(S). */
export const awsSgNoWorldIngress = resourcePolicy({
    name: "aws-sg-no-world-ingress",
    description:
        "Security groups admit 0.0.0.0/0 or ::/0 only on the edge's public ports (80, 443), never on SSH, RDP, a datastore port, a port range or all traffic.",
    group: "security",
    platforms: ["aws"],
    checklist: ["mdc-firewall-rules", "port-restrictions"],
    sources: ["Checkov CKV_AWS_24", "Checkov CKV_AWS_25", "Checkov CKV_AWS_277"],
    types: SG_RULE_TYPES,
    configSchema: sgWorldSchema,
    validate: (props, args, report, { publicPorts }) => {
        for (const r of ingressRulesOf(args.type, props)) {
            const world = r.cidrs.filter((c) => WORLD.includes(c));
            if (world.length === 0) continue;
            if (isAllProtocols(r.protocol)) report(`all traffic is open to ${world.join(", ")}`);
            else if (r.fromPort !== r.toPort || !publicPorts.includes(r.fromPort))
                report(`ports ${r.fromPort}-${r.toPort} are open to ${world.join(", ")} (only ${publicPorts.join(", ")} may be)`);
        }
    },
});

const dbPortsSchema = {
    properties: { datastorePorts: setting.integers(AWS_DATASTORE_PORTS, "Datastore ports that admit only security groups.") },
};

/** Datastore ports admit security groups, not address ranges. */
export const awsDatastoreIngressFromGroups = resourcePolicy({
    name: "aws-datastore-ingress-from-groups",
    description:
        "Ingress on a datastore port (5432, 3306, 27017, 6379, 11211) comes only from security groups (the services that use the datastore), never from a CIDR block, not even the VPC's.",
    group: "security",
    platforms: ["aws"],
    checklist: ["db-from-app-only", "port-restrictions", "mdc-firewall-rules"],
    sources: ["seed 003 'Security Groups / Firewall Rules' → isolated DB", "AWS RDS security best practice"],
    types: SG_RULE_TYPES,
    configSchema: dbPortsSchema,
    validate: (props, args, report, { datastorePorts }) => {
        for (const r of ingressRulesOf(args.type, props)) {
            if (r.cidrs.length === 0) continue;
            const hit = datastorePorts.filter((p) => isAllProtocols(r.protocol) || covers(r, p));
            if (hit.length > 0)
                report(`datastore port(s) ${hit.join(", ")} admit CIDR ${r.cidrs.join(", ")}; admit the services' security groups instead`);
        }
    },
});

/** Every rule described. */
export const awsSgRuleDescriptions = resourcePolicy({
    name: "aws-sg-rule-descriptions",
    description: "Every security group and ingress rule has a description, so a reviewer can tell why a port is open.",
    group: "security",
    platforms: ["aws"],
    checklist: ["mdc-firewall-rules"],
    sources: ["Checkov CKV_AWS_23"],
    types: SG_RULE_TYPES,
    validate: (props, args, report) => {
        if (args.type === "aws:ec2/securityGroup:SecurityGroup" && !props.description) report("security group has no description");
        for (const r of ingressRulesOf(args.type, props))
            if (!r.description) report(`ingress rule ${r.fromPort}-${r.toPort} has no description`);
    },
});

/** Subnets do not hand out public IPs, except public ones. */
export const awsSubnetNoPublicIp = resourcePolicy({
    name: "aws-subnet-no-public-ip",
    description: "Only public subnets (tagged or named 'public') map public IPs on launch; application and data subnets never do.",
    group: "security",
    platforms: ["aws"],
    checklist: ["private-subnets"],
    sources: ["Checkov CKV_AWS_130", "seed 003 private/isolated subnets"],
    types: ["aws:ec2/subnet:Subnet"],
    validate: (props, args, report) => {
        if (props.mapPublicIpOnLaunch !== true) return;
        const publicByTag = Object.values(props.tags ?? {}).some((v) => /public/i.test(String(v)));
        if (!publicByTag && !/public/i.test(args.name)) report("a non-public subnet maps public IPs on launch");
    },
});

/** ECS tasks get no public IP. */
export const awsEcsNoPublicIp = resourcePolicy({
    name: "aws-ecs-no-public-ip",
    description: "ECS services run in private subnets without public IPs (networkConfiguration.assignPublicIp false).",
    group: "security",
    platforms: ["aws"],
    checklist: ["private-subnets", "mdc-firewall-rules"],
    sources: ["Checkov CKV_AWS_333", "awsguard ec2-instance-no-public-ip (analogue)", "seed 003 private subnets"],
    types: [ECS_SERVICE],
    validate: (props, _args, report) => {
        if (!props.networkConfiguration) report("service has no networkConfiguration (awsvpc networking in private subnets)");
        else if (props.networkConfiguration.assignPublicIp === true) report("tasks get a public IP (assignPublicIp: true)");
    },
});

/** Databases not publicly accessible. */
export const awsDatabaseNotPublic = resourcePolicy({
    name: "aws-database-not-public",
    description: "No RDS instance or cluster instance is publicly accessible.",
    group: "security",
    platforms: ["aws"],
    checklist: ["port-restrictions", "private-subnets"],
    sources: ["Checkov CKV_AWS_17", "awsguard rds-instance-public-access-check"],
    types: [RDS_INSTANCE, "aws:rds/clusterInstance:ClusterInstance"],
    validate: (props, _args, report) => {
        if (props.publiclyAccessible === true) report("publiclyAccessible is true");
    },
});

/** The AWS policies of network reachability. */
export const awsNetworkPolicies = [
    awsSgNoWorldIngress,
    awsDatastoreIngressFromGroups,
    awsSgRuleDescriptions,
    awsSubnetNoPublicIp,
    awsEcsNoPublicIp,
    awsDatabaseNotPublic,
];
