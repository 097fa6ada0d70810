import * as assert from "assert";
import { AwsNetwork, networkProblems } from "../../../components/aws/network";
import { availabilityZoneCount, subnetCidrs } from "../../../components/aws/network/subnets";
import { planSystem } from "../../../plan";
import { planComponent, type Plan } from "../../harness";
import { AWS_CONFIG, byId, loadSystem, securityGroupFlows } from "./helpers";

const SUBNET = "aws:ec2/subnet:Subnet";
const ROUTE_TABLE = "aws:ec2/routeTable:RouteTable";

async function planNetwork(
    preset: string,
    opts: { stack?: string; vpcId?: string; azCount?: number; overrides?: Record<string, unknown> } = {},
): Promise<Plan> {
    const { system } = loadSystem(preset, { stack: opts.stack, overrides: opts.overrides });
    return planComponent(() => {
        new AwsNetwork("net", { plan: planSystem(system, "aws"), vpcId: opts.vpcId, azCount: opts.azCount });
    }, AWS_CONFIG);
}

describe("aws network", function () {
    let mdc: Plan;
    before(async () => {
        mdc = await planNetwork("mdc-tts");
    });

    it("spans three zones in prod with public, private and isolated subnets, none mapping public IPs", () => {
        const subnets = mdc.ofType(SUBNET);
        assert.strictEqual(subnets.length, 9);
        for (const tier of ["public", "private", "isolated"]) {
            const ofTier = subnets.filter((s) => s.inputs.tags["subnet-tier"] === tier);
            assert.strictEqual(ofTier.length, 3, tier);
            assert.deepStrictEqual(ofTier.map((s) => s.inputs.availabilityZone).sort(), ["us-east-1a", "us-east-1b", "us-east-1c"], tier);
        }
        for (const s of subnets) assert.strictEqual(s.inputs.mapPublicIpOnLaunch, false, s.name);
        const cidrs = subnets.map((s) => s.inputs.cidrBlock);
        assert.strictEqual(new Set(cidrs).size, cidrs.length, "subnet CIDRs overlap");
    });

    it("routes public subnets to the internet gateway, private ones through their zone's NAT, isolated ones nowhere", () => {
        const tables = mdc.ofType(ROUTE_TABLE);
        const assoc = mdc.ofType("aws:ec2/routeTableAssociation:RouteTableAssociation");
        const tableOf = (subnet: string) =>
            byId(mdc, assoc.find((a) => a.inputs.subnetId === `${subnet}-id`)!.inputs.routeTableId, ROUTE_TABLE)!;
        for (let i = 1; i <= 3; i++) {
            const pub = tableOf(`net-public-${i}`);
            assert.deepStrictEqual(
                pub.inputs.routes.map((r: any) => [r.cidrBlock, r.gatewayId]),
                [["0.0.0.0/0", "net-igw-id"]],
            );
            const priv = tableOf(`net-private-${i}`);
            assert.deepStrictEqual(
                priv.inputs.routes.map((r: any) => [r.cidrBlock, r.natGatewayId]),
                [["0.0.0.0/0", `net-nat-${i}-id`]],
            );
            const iso = tableOf(`net-isolated-${i}`);
            assert.deepStrictEqual(iso.inputs.routes, [], "an isolated subnet has no route but the local one");
        }
        assert.strictEqual(
            tables.filter((t) => JSON.stringify(t.inputs.routes ?? []).includes("0.0.0.0/0") && t.inputs.tags["subnet-tier"] === "isolated")
                .length,
            0,
        );
        // One NAT gateway per zone in prod, each in a public subnet.
        const nats = mdc.ofType("aws:ec2/natGateway:NatGateway");
        assert.deepStrictEqual(nats.map((n) => n.inputs.subnetId).sort(), ["net-public-1-id", "net-public-2-id", "net-public-3-id"]);
        // S3 (and ECR's layers) bypass the NAT gateways through a free gateway endpoint on every private route table.
        const s3 = mdc.one("aws:ec2/vpcEndpoint:VpcEndpoint", "net-s3");
        assert.deepStrictEqual([s3.inputs.serviceName, s3.inputs.vpcEndpointType], ["com.amazonaws.us-east-1.s3", "Gateway"]);
        assert.deepStrictEqual(
            [...s3.inputs.routeTableIds].sort(),
            [1, 2, 3].map((i) => tableOf(`net-private-${i}`).urn.split("::").pop() + "-id").sort(),
        );
    });

    it("locks the default security group and logs all traffic at 600 s to an encrypted, private, TLS-only S3 bucket that expires them after the retention", () => {
        const dflt = mdc.one("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", "net-default-sg");
        assert.ok(!dflt.inputs.ingress?.length && !dflt.inputs.egress?.length, "default security group keeps no rules");
        const flow = mdc.one("aws:ec2/flowLog:FlowLog", "net-flow-logs");
        assert.strictEqual(flow.inputs.trafficType, "ALL");
        assert.strictEqual(flow.inputs.maxAggregationInterval, 600, "ten-minute records, not one-minute");
        assert.strictEqual(flow.inputs.logDestinationType, "s3");
        const bucket = mdc.one("aws:s3/bucket:Bucket", "net-flow-logs-bucket");
        assert.strictEqual(flow.inputs.logDestination, "arn:aws:s3:::net-flow-logs-bucket-abc123");
        assert.strictEqual(bucket.protect, true, "protected in prod");
        assert.strictEqual(mdc.ofType("aws:cloudwatch/logGroup:LogGroup").length, 0, "no CloudWatch ingestion");
        const block = mdc.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "net-flow-logs-bucket").inputs;
        assert.deepStrictEqual(
            [block.blockPublicAcls, block.blockPublicPolicy, block.ignorePublicAcls, block.restrictPublicBuckets],
            [true, true, true, true],
        );
        const sse = mdc.one(
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
            "net-flow-logs-bucket",
        ).inputs.rules[0];
        assert.strictEqual(sse.applyServerSideEncryptionByDefault.sseAlgorithm, "AES256");
        const [rule] = mdc.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "net-flow-logs-bucket").inputs.rules;
        assert.strictEqual(rule.expiration.days, 365, "the retention the log group had");
        const policy = JSON.parse(mdc.one("aws:s3/bucketPolicy:BucketPolicy", "net-flow-logs-bucket").inputs.policy).Statement;
        assert.deepStrictEqual(policy.find((x: any) => x.Sid === "DenyInsecureTransport").Condition, {
            Bool: { "aws:SecureTransport": "false" },
        });
        const write = policy.find((x: any) => x.Action === "s3:PutObject");
        assert.deepStrictEqual(
            [write.Principal.Service, write.Condition.StringEquals["aws:SourceAccount"]],
            ["delivery.logs.amazonaws.com", "123456789012"],
        );
        assert.match(write.Resource, /\/AWSLogs\/123456789012\/\*$/);
        assert.ok(
            flow.dependencies.includes(mdc.one("aws:s3/bucketPolicy:BucketPolicy", "net-flow-logs-bucket").urn),
            "the flow log waits for the delivery service's permission",
        );
    });

    it("admits exactly the flows the spec implies (MDC)", () => {
        // Behind CloudFront the load balancer admits CloudFront's origin-facing prefix list on 443, and nothing else from outside.
        assert.deepStrictEqual(securityGroupFlows(mdc, "net"), [
            "in alb tcp/443 pl-3b927c52",
            "in ds-cache tcp/6379 svc-backend",
            "in ds-cache tcp/6379 svc-beat",
            "in ds-cache tcp/6379 svc-worker",
            "in ds-db tcp/5432 svc-backend",
            "in ds-db tcp/5432 svc-beat",
            "in ds-db tcp/5432 svc-worker",
            "in svc-backend tcp/8000 alb",
            "in svc-frontend tcp/8080 alb",
            "out alb tcp/8000 svc-backend",
            "out alb tcp/8080 svc-frontend",
            "out svc-backend tcp/443 0.0.0.0/0",
            "out svc-backend tcp/5432 ds-db",
            "out svc-backend tcp/587 0.0.0.0/0",
            "out svc-backend tcp/6379 ds-cache",
            "out svc-beat tcp/443 0.0.0.0/0",
            "out svc-beat tcp/5432 ds-db",
            "out svc-beat tcp/6379 ds-cache",
            "out svc-frontend tcp/443 0.0.0.0/0",
            "out svc-worker tcp/443 0.0.0.0/0",
            "out svc-worker tcp/5432 ds-db",
            "out svc-worker tcp/587 0.0.0.0/0",
            "out svc-worker tcp/6379 ds-cache",
        ]);
        // Queues and buckets are reached over AWS APIs: no security group. Every group says what it is for.
        const groups = mdc.ofType("aws:ec2/securityGroup:SecurityGroup");
        assert.deepStrictEqual(groups.map((g) => g.name).sort(), [
            "net-alb",
            "net-ds-cache",
            "net-ds-db",
            "net-svc-backend",
            "net-svc-beat",
            "net-svc-frontend",
            "net-svc-worker",
        ]);
        for (const g of groups) assert.ok(g.inputs.description?.length > 10, g.name);
        for (const r of [
            ...mdc.ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"),
            ...mdc.ofType("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"),
        ]) {
            assert.ok(r.inputs.description, `${r.name} has a description`);
        }
    });

    it("uses the engine port of each datastore (MySQL, DocumentDB), and opens 80/443 to the internet where no CDN is in front", async () => {
        const auro = securityGroupFlows(await planNetwork("auromart"), "net");
        assert.deepStrictEqual(
            auro.filter((f) => f.startsWith("in alb")),
            // The internal load balancer of /admin admits only the route's private ranges (allowCidrs).
            [
                "in alb tcp/443 0.0.0.0/0",
                "in alb tcp/443 ::/0",
                "in alb tcp/80 0.0.0.0/0",
                "in alb tcp/80 ::/0",
                "in alb-internal tcp/443 10.0.0.0/8",
                "in alb-internal tcp/443 192.168.0.0/16",
            ],
        );
        assert.ok(auro.includes("in ds-db tcp/3306 svc-web") && auro.includes("in ds-db tcp/3306 svc-admin"));
        const hld = securityGroupFlows(await planNetwork("hld-platform"), "net");
        assert.ok(hld.includes("in ds-mongo tcp/27017 svc-api") && hld.includes("in ds-mongo tcp/27017 svc-worker"));
        assert.ok(!hld.some((f) => f.startsWith("in ds-mongo") && f.endsWith("svc-web")), "web does not use mongo");
    });

    it("honours the spec's egress: further internet ports only for the services that opt in (MDC's SMTP on 587)", () => {
        const out = (svc: string) =>
            securityGroupFlows(mdc, "net").filter((f) => f.startsWith(`out svc-${svc} `) && f.includes("0.0.0.0/0"));
        assert.ok(
            out("backend").some((f) => /tcp\/587 /.test(f)),
            `backend reaches SMTP: ${out("backend").join("; ")}`,
        );
        assert.ok(out("worker").some((f) => /tcp\/587 /.test(f)));
        assert.ok(!out("frontend").some((f) => /tcp\/587 /.test(f)), "the frontend did not opt in");
        assert.ok(!out("beat").some((f) => /tcp\/587 /.test(f)));
    });

    it("closes HTTPS to the internet for a service off the internet whose images are in the account's ECR: it reaches ECR, logs and secrets through interface endpoints, S3 through the gateway", async () => {
        const worldHttps = (p: Plan, svc: string) =>
            securityGroupFlows(p, "net").filter((f) => f.startsWith(`out svc-${svc} tcp/443`) && f.includes("0.0.0.0/0"));
        // The preset as it is: every image is on ghcr.io, so every service keeps 443 open and no endpoint is paid for.
        assert.strictEqual(worldHttps(mdc, "frontend").length, 1);
        assert.strictEqual(mdc.ofType("aws:ec2/vpcEndpoint:VpcEndpoint").filter((e) => e.inputs.vpcEndpointType === "Interface").length, 0);
        const ecr = await planNetwork("mdc-tts", {
            overrides: {
                services: {
                    frontend: {
                        image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/mdc/frontend:1.0.0",
                        writablePaths: [],
                        healthTool: "wget",
                    },
                },
            },
        });
        assert.deepStrictEqual(worldHttps(ecr, "frontend"), [], "no 0.0.0.0/0:443 for the frontend");
        assert.strictEqual(worldHttps(ecr, "backend").length, 1, "the backend opts in to the internet");
        const endpoints = ecr.ofType("aws:ec2/vpcEndpoint:VpcEndpoint").filter((e) => e.inputs.vpcEndpointType === "Interface");
        assert.deepStrictEqual(endpoints.map((e) => e.inputs.serviceName.replace("com.amazonaws.us-east-1.", "")).sort(), [
            "ecr.api",
            "ecr.dkr",
            "logs",
            "secretsmanager",
        ]);
        for (const e of endpoints) assert.strictEqual(e.inputs.privateDnsEnabled, true);
        const sg = endpoints[0].inputs.securityGroupIds[0];
        const out = ecr
            .ofType("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
            .filter((r) => r.inputs.securityGroupId === "net-svc-frontend-id" && r.inputs.fromPort === 443);
        assert.deepStrictEqual(
            out.map((r) => r.inputs.referencedSecurityGroupId ?? r.inputs.prefixListId).sort(),
            [sg, "pl-63a5400a"].sort(),
        );
        const admitted = ecr
            .ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
            .filter((r) => r.inputs.securityGroupId === sg);
        assert.deepStrictEqual(
            admitted.map((r) => [r.inputs.referencedSecurityGroupId, r.inputs.fromPort]),
            [["net-svc-frontend-id", 443]],
        );
    });

    it("uses one NAT gateway outside prod and honours azCount", async () => {
        const staging = await planNetwork("mdc-tts", { stack: "staging" });
        assert.strictEqual(staging.ofType(SUBNET).length, 6);
        assert.strictEqual(staging.ofType("aws:ec2/natGateway:NatGateway").length, 1);
        const privateTables = staging.ofType(ROUTE_TABLE).filter((t) => t.inputs.tags["subnet-tier"] === "private");
        assert.deepStrictEqual(
            privateTables.map((t) => t.inputs.routes[0].natGatewayId),
            ["net-nat-1-id", "net-nat-1-id"],
        );
        const two = await planNetwork("mdc-tts", { azCount: 2 });
        assert.strictEqual(two.ofType(SUBNET).length, 6);
        assert.throws(() => availabilityZoneCount(loadSystem("mdc-tts").system, 1), /at least 2/);
        // The same rule as a spec problem, which the system raises before registering anything.
        assert.deepStrictEqual(networkProblems(loadSystem("mdc-tts").system, { azCount: 0 }), []);
        const [problem] = networkProblems(loadSystem("mdc-tts").system, { azCount: 1 });
        assert.strictEqual(problem.where, "tierform:azCount");
        assert.match(problem.message, /at least 2 on AWS/);
    });

    it("deploys into an existing VPC by finding its subnets by tier tag", async () => {
        const plan = await planNetwork("mdc-tts", { vpcId: "vpc-0abc" });
        assert.strictEqual(plan.ofType("aws:ec2/vpc:Vpc").length, 0);
        assert.strictEqual(plan.ofType(SUBNET).length, 0);
        assert.strictEqual(plan.ofType("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup").length, 0);
        const alb = plan.one("aws:ec2/securityGroup:SecurityGroup", "net-alb");
        assert.strictEqual(alb.inputs.vpcId, "vpc-0abc");
        // The component's subnet outputs come from the tag lookups, sorted, one per zone.
        const { system } = loadSystem("mdc-tts");
        const outputs = await planComponent(() => {
            const net = new AwsNetwork("net", { plan: planSystem(system, "aws"), vpcId: "vpc-0abc" });
            return { isolated: net.isolatedSubnetIds, cidr: net.vpcCidr };
        }, AWS_CONFIG);
        assert.deepStrictEqual(outputs.outputs.isolated, ["subnet-isolated-1", "subnet-isolated-2", "subnet-isolated-3"]);
        assert.strictEqual(outputs.outputs.cidr, "10.20.0.0/16");
    });

    it("carves non-overlapping subnets for up to six zones", () => {
        const all = [0, 1, 2, 3, 4, 5].flatMap((i) => Object.values(subnetCidrs("10.0.0.0/16", i)));
        assert.strictEqual(new Set(all).size, 18);
        assert.deepStrictEqual(subnetCidrs("10.1.0.0/16", 1), {
            private: "10.1.16.0/20",
            public: "10.1.132.0/22",
            isolated: "10.1.196.0/22",
        });
        assert.throws(() => subnetCidrs("10.0.0.0/24", 0), /\/16/);
    });
});
