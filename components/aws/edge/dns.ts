/**
 * The edge's DNS: the public Route 53 hosted zone of `edge.domain` (given, or found by name) and
 * the alias records — the domain to CloudFront (A and AAAA) or to the load balancer, `origin.<domain>`
 * to the load balancer behind CloudFront, `internal.<domain>` to the internal load balancer.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { EdgePart } from "./part";

/**
 * The names a public Route 53 hosted zone for `domain` may have, most specific first: the domain
 * itself, then each parent down to two labels (`a.b.example.com` → `a.b.example.com`,
 * `b.example.com`, `example.com`). The zone is the first that exists.
 */
export function hostedZoneCandidates(domain: string): string[] {
    const labels = domain.replace(/\.$/, "").split(".");
    const out: string[] = [];
    for (let i = 0; i <= labels.length - 2; i++) out.push(labels.slice(i).join("."));
    return out;
}

/**
 * The id of the public hosted zone `domain` lives in: the first of {@link hostedZoneCandidates}
 * that `lookup` finds (`aws.route53.getZone` fails for a zone that does not exist). Refuses with
 * the names it tried and the override to set when none exists.
 */
export async function findHostedZone(domain: string, lookup: (name: string) => Promise<{ zoneId: string }>): Promise<string> {
    const tried = hostedZoneCandidates(domain);
    for (const name of tried) {
        try {
            return (await lookup(name)).zoneId;
        } catch {
            // not this one: try the parent
        }
    }
    throw new pulumi.RunError(
        `tierform: no public Route 53 hosted zone for edge.domain '${domain}' (tried ${tried.join(", ")}); create one, or set tierform:hostedZoneId`,
    );
}

/** Whether `domain` is a documentation or test name nobody can own (RFC 2606, RFC 6761): example.com/.net/.org, .example, .test, .invalid, .localhost. */
export function isPlaceholderDomain(domain: string): boolean {
    return /(^|\.)example\.(com|net|org)$|\.(example|test|invalid|localhost)$/i.test(domain.replace(/\.$/, ""));
}

/** The hosted zone's id: `hostedZoneId` when given (`tierform:hostedZoneId`), else found by {@link findHostedZone}. */
export function hostedZone(part: EdgePart, domain: string, hostedZoneId?: string): pulumi.Output<string> {
    return hostedZoneId
        ? pulumi.output(hostedZoneId)
        : pulumi.output(findHostedZone(domain, (n) => aws.route53.getZone({ name: n, privateZone: false }, { parent: part.parent })));
}

/** What the edge's names point at: the load balancers (`dnsName`, `zoneId`) and, with a CDN, the distribution. */
export interface DnsTargets {
    /** The internet-facing load balancer. */
    alb: aws.lb.LoadBalancer;
    /** The internal load balancer. @default none */
    internal?: aws.lb.LoadBalancer;
    /** The CloudFront distribution. @default none */
    distribution?: aws.cloudfront.Distribution;
}

/**
 * The alias records in zone `zoneId`: `internal.<domain>` → the internal load balancer (private
 * addresses, reachable from the private networks only); with a CDN the domain → CloudFront (A and
 * AAAA) and `origin.<domain>` → the load balancer, else the domain → the load balancer.
 */
export function createDnsRecords(part: EdgePart, zoneId: pulumi.Input<string>, domain: string, targets: DnsTargets): void {
    const { name } = part;
    const { distribution } = targets;
    const alias = (
        key: string,
        recordName: string,
        target: { name: pulumi.Input<string>; zoneId: pulumi.Input<string> },
        types: string[],
    ) => {
        for (const type of types) {
            new aws.route53.Record(
                `${name}-${key}-${type.toLowerCase()}`,
                {
                    zoneId,
                    name: recordName,
                    type,
                    aliases: [{ name: target.name, zoneId: target.zoneId, evaluateTargetHealth: key === "origin" || !distribution }],
                },
                { parent: part.parent },
            );
        }
    };
    if (targets.internal)
        alias("internal", `internal.${domain}`, { name: targets.internal.dnsName, zoneId: targets.internal.zoneId }, ["A"]);
    if (distribution) {
        alias("domain", domain, { name: distribution.domainName, zoneId: distribution.hostedZoneId }, ["A", "AAAA"]);
        alias("origin", `origin.${domain}`, { name: targets.alb.dnsName, zoneId: targets.alb.zoneId }, ["A"]);
    } else {
        alias("domain", domain, { name: targets.alb.dnsName, zoneId: targets.alb.zoneId }, ["A"]);
    }
}
