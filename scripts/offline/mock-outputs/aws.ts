/** Outputs of @pulumi/aws resources and data sources under the mock runtime. */
const ACCOUNT = "123456789012";

/**
 * What AWS would compute for a resource of `type` in `region` (its provider's): ARN and id, plus
 * endpoints, DNS names and the like per type; undefined outside `aws:`.
 */
export function awsOutputs(type: string, name: string, inputs: Record<string, any>, region: string): Record<string, any> | undefined {
    const [, mod, kind] = type.split(/[:/]/);
    // IAM and CloudFront are global: their ARNs carry no region.
    const arnRegion = mod === "iam" || mod === "cloudfront" ? "" : region;
    const base = { arn: `arn:aws:${mod}:${arnRegion}:${ACCOUNT}:${kind.toLowerCase()}/${name}`, id: `${name}-id` };
    switch (type) {
        case "aws:lb/loadBalancer:LoadBalancer":
            return { ...base, dnsName: `${name}-123.${region}.elb.amazonaws.com`, zoneId: "Z35SXDOTRQ7X7K", arnSuffix: `app/${name}/abc` };
        case "aws:lb/targetGroup:TargetGroup":
            return { ...base, arnSuffix: `targetgroup/${name}/abc` };
        case "aws:cloudfront/distribution:Distribution":
            return { ...base, domainName: `${name}.cloudfront.net`, hostedZoneId: "Z2FDTNDATAQYW2" };
        case "aws:docdb/cluster:Cluster": {
            // DocumentDB's `endpoint` and `readerEndpoint` are host names; the port is separate.
            const id = inputs.clusterIdentifier ?? name;
            return {
                ...base,
                endpoint: `${id}.cluster-abc.${region}.docdb.amazonaws.com`,
                readerEndpoint: `${id}.cluster-ro-abc.${region}.docdb.amazonaws.com`,
                port: inputs.port ?? 27017,
                clusterIdentifier: id,
            };
        }
        case "aws:rds/instance:Instance":
        case "aws:rds/cluster:Cluster": {
            const port = inputs.port ?? (inputs.engine === "mysql" ? 3306 : inputs.engine === "docdb" ? 27017 : 5432);
            return {
                ...base,
                address: `${name}.abc.${region}.rds.amazonaws.com`,
                endpoint: `${name}.abc.${region}.rds.amazonaws.com:${port}`,
                readerEndpoint: `${name}.ro.${region}.rds.amazonaws.com`,
                port,
                identifier: inputs.identifier ?? name,
                resourceId: `db-${name.toUpperCase().replace(/[^A-Z0-9]/g, "")}`,
            };
        }
        case "aws:elasticache/replicationGroup:ReplicationGroup":
            return {
                ...base,
                primaryEndpointAddress: `${name}.abc.cache.amazonaws.com`,
                readerEndpointAddress: `${name}-ro.abc.cache.amazonaws.com`,
                configurationEndpointAddress: `${name}.cfg.cache.amazonaws.com`,
                port: inputs.port ?? 6379,
            };
        case "aws:sqs/queue:Queue":
            return {
                ...base,
                arn: `arn:aws:sqs:${region}:${ACCOUNT}:${inputs.name ?? name}`,
                url: `https://sqs.${region}.amazonaws.com/${ACCOUNT}/${inputs.name ?? name}`,
            };
        case "aws:s3/bucket:Bucket":
        case "aws:s3/bucketV2:BucketV2": {
            const bucket = inputs.bucket ?? `${name}-abc123`;
            return {
                ...base,
                arn: `arn:aws:s3:::${bucket}`,
                bucket,
                bucketRegionalDomainName: `${bucket}.s3.${region}.amazonaws.com`,
                bucketDomainName: `${bucket}.s3.amazonaws.com`,
            };
        }
        case "aws:ecs/cluster:Cluster":
            return { ...base, name: inputs.name ?? name };
        // The security group EKS creates for the control plane and the nodes (Auto Mode's pods carry it): the rules that name it.
        case "aws:eks/cluster:Cluster":
            return { ...base, name: inputs.name ?? name, vpcConfig: { ...inputs.vpcConfig, clusterSecurityGroupId: `sg-${name}-cluster` } };
        case "aws:acm/certificate:Certificate":
            return {
                ...base,
                domainValidationOptions: [inputs.domainName, ...(inputs.subjectAlternativeNames ?? [])].map((d: string) => ({
                    domainName: d,
                    resourceRecordName: `_x.${d}.`,
                    resourceRecordType: "CNAME",
                    resourceRecordValue: "_y.acm-validations.aws.",
                })),
            };
        case "aws:kms/key:Key":
            return { ...base, keyId: `${name}-key-id` };
        case "aws:ec2/vpcEndpoint:VpcEndpoint":
            // A gateway endpoint's managed prefix list (S3's is pl-63a5400a in us-east-1).
            return { ...base, ...(inputs.vpcEndpointType === "Gateway" ? { prefixListId: "pl-63a5400a" } : {}) };
        case "aws:ec2/vpc:Vpc":
            return { ...base, cidrBlock: inputs.cidrBlock, defaultSecurityGroupId: `${name}-default-sg` };
        case "aws:ec2/eip:Eip":
            // An address of TEST-NET-3 (RFC 5737), one per name.
            return { ...base, publicIp: `203.0.113.${([...name].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 251, 7) % 250) + 1}` };
        default:
            return type.startsWith("aws:") ? { ...base, name: inputs.name ?? name } : undefined;
    }
}

/** The partition of `region` (China and GovCloud regions have their own). */
function partitionOf(region: string): { partition: string; dnsSuffix: string } {
    if (region.startsWith("cn-")) return { partition: "aws-cn", dnsSuffix: "amazonaws.com.cn" };
    if (region.startsWith("us-gov-")) return { partition: "aws-us-gov", dnsSuffix: "amazonaws.com" };
    return { partition: "aws", dnsSuffix: "amazonaws.com" };
}

/**
 * The zone-ID prefix AWS gives a region's availability zones: `use1` for us-east-1, `usw2` for
 * us-west-2, `euc1` for eu-central-1, `apse2` for ap-southeast-2 (the geography, the initials of
 * the direction, the number).
 */
export function zoneIdPrefix(region: string): string {
    const [geo, direction = "", n = ""] = region.split("-");
    const initials = direction
        .replace(/north/g, "n")
        .replace(/south/g, "s")
        .replace(/east/g, "e")
        .replace(/west/g, "w")
        .replace(/central/g, "c");
    return `${geo}${initials}${n}`;
}

/**
 * Results of the AWS data sources the components call (account 123456789012), in `region`: the
 * region of the provider the call is made with (the DR provider's for the DR site), as a real
 * provider answers; `{ id: "mock" }` for any other. @default region "us-east-1"
 */
export function awsCall(token: string, inputs: Record<string, any>, region = "us-east-1"): Record<string, any> {
    const { partition, dnsSuffix } = partitionOf(region);
    switch (token) {
        case "aws:index/getAvailabilityZones:getAvailabilityZones":
            return {
                names: ["a", "b", "c", "d"].map((z) => `${region}${z}`),
                zoneIds: [1, 2, 4, 6].map((n) => `${zoneIdPrefix(region)}-az${n}`),
                id: region,
            };
        case "aws:index/getRegion:getRegion":
            return { name: region, region, id: region };
        case "aws:index/getCallerIdentity:getCallerIdentity":
            return { accountId: ACCOUNT, arn: `arn:${partition}:iam::${ACCOUNT}:user/mock`, userId: "mock", id: ACCOUNT };
        case "aws:index/getPartition:getPartition":
            return { partition, dnsSuffix, id: partition };
        case "aws:ec2/getVpc:getVpc":
            return { id: inputs.id, cidrBlock: "10.20.0.0/16", arn: `arn:${partition}:ec2:${region}:${ACCOUNT}:vpc/${inputs.id}` };
        case "aws:ec2/getSubnets:getSubnets": {
            // Three subnets per `subnet-tier` tag value of the filter.
            const tier = (inputs.filters ?? []).find((f: any) => f.name === "tag:subnet-tier")?.values?.[0] ?? "any";
            return { ids: [3, 1, 2].map((i) => `subnet-${tier}-${i}`), id: region };
        }
        case "aws:ec2/getSubnet:getSubnet": {
            // One of getSubnets' ids above (`subnet-<tier>-<n>`): its block in getVpc's 10.20.0.0/16, laid out as a new VPC's.
            const [, tier, n] = /^subnet-(public|private|isolated)-(\d)$/.exec(String(inputs.id)) ?? [];
            const i = Number(n ?? 1) - 1;
            const third = tier === "public" ? 128 + i * 4 : tier === "isolated" ? 192 + i * 4 : i * 16;
            return { id: inputs.id, cidrBlock: `10.20.${third}.0/${tier === "private" ? 20 : 22}`, vpcId: "vpc-existing" };
        }
        case "aws:ec2/getManagedPrefixList:getManagedPrefixList":
            return {
                id: "pl-3b927c52",
                name: inputs.name,
                addressFamily: "IPv4",
                maxEntries: 55,
                arn: `arn:${partition}:ec2:${region}:aws:prefix-list/pl-3b927c52`,
            };
        case "aws:elb/getServiceAccount:getServiceAccount":
            // us-east-1's Elastic Load Balancing account; each region has its own (ELB access-log docs).
            return { arn: `arn:${partition}:iam::127311923021:root`, id: "127311923021" };
        case "aws:route53/getZone:getZone":
            return { zoneId: "Z0MOCKZONE", name: inputs.name, id: "Z0MOCKZONE" };
        default:
            return { id: "mock" };
    }
}
