/**
 * The edge's ACM certificates, each validated through Route 53 (after CDK's `Certificate` with
 * `CertificateValidation.fromDns(zone)`): the load balancer's (the domain, and `origin.<domain>`
 * behind CloudFront), the internal load balancer's (`internal.<domain>`) and CloudFront's (the
 * domain, in us-east-1) — or the one `tierform:certificateArn` gives for all of them.
 */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import type { EdgePart } from "./part";

/** The region CloudFront takes its certificate (and web ACL) from. */
export const CLOUDFRONT_REGION = "us-east-1";

/** Which certificates the edge needs besides the load balancer's. */
export interface CertificateNeeds {
    /** An existing certificate for everything (`tierform:certificateArn`). @default "" (each is requested) */
    certificateArn?: string;
    /** The internal load balancer's, for `internal.<domain>`. */
    internal: boolean;
    /** CloudFront's, in us-east-1. */
    cdn: boolean;
}

/** The certificate ARN for each listener or distribution, once validated. */
export interface EdgeCertificates {
    /** The internet-facing load balancer's HTTPS listener. */
    alb: pulumi.Input<string>;
    /** The internal load balancer's listener. @default none */
    internal?: pulumi.Input<string>;
    /** CloudFront's viewer certificate. @default none */
    cdn?: pulumi.Input<string>;
}

/**
 * The certificates `needs` asks for, each validated by DNS records in zone `zoneId` (one record per
 * name, shared: the same CNAME validates the regional and the us-east-1 certificate of a name).
 * Requested in this order — load balancer, internal, CloudFront — which numbers the records.
 */
export function createCertificates(part: EdgePart, zoneId: pulumi.Input<string> | undefined, needs: CertificateNeeds): EdgeCertificates {
    const given = needs.certificateArn;
    if (given) return { alb: given, ...(needs.internal ? { internal: given } : {}), ...(needs.cdn ? { cdn: given } : {}) };
    const { name, tags } = part;
    const opt = { parent: part.parent };
    const domain = part.plan.edge.domain!;
    const validationRecords = new Map<string, aws.route53.Record>();
    const validated = (key: string, cert: aws.acm.Certificate, names: string[], region?: string) => {
        const fqdns = names.map((n) => {
            let record = validationRecords.get(n);
            if (!record) {
                const option = cert.domainValidationOptions.apply((o) => o.find((x) => x.domainName === n) ?? o[0]);
                record = new aws.route53.Record(
                    `${name}-validation-${validationRecords.size + 1}`,
                    {
                        zoneId: zoneId!,
                        name: option.apply((o) => o.resourceRecordName!),
                        type: option.apply((o) => o.resourceRecordType!),
                        records: [option.apply((o) => o.resourceRecordValue!)],
                        ttl: 300,
                        // The same CNAME validates the regional and the us-east-1 certificate.
                        allowOverwrite: true,
                    },
                    opt,
                );
                validationRecords.set(n, record);
            }
            return record.fqdn;
        });
        return new aws.acm.CertificateValidation(
            `${name}-${key}`,
            { certificateArn: cert.arn, validationRecordFqdns: fqdns, ...(region ? { region } : {}) },
            opt,
        ).certificateArn;
    };
    const names = needs.cdn ? [domain, `origin.${domain}`] : [domain];
    const albCertificate = new aws.acm.Certificate(
        `${name}-alb`,
        { domainName: domain, subjectAlternativeNames: names.slice(1), validationMethod: "DNS", keyAlgorithm: "EC_prime256v1", tags },
        opt,
    );
    const out: EdgeCertificates = { alb: validated("alb", albCertificate, names) };
    if (needs.internal) {
        const internalDomain = `internal.${domain}`;
        out.internal = validated(
            "internal",
            new aws.acm.Certificate(
                `${name}-internal`,
                { domainName: internalDomain, validationMethod: "DNS", keyAlgorithm: "EC_prime256v1", tags },
                opt,
            ),
            [internalDomain],
        );
    }
    if (needs.cdn) {
        out.cdn = validated(
            "cdn",
            new aws.acm.Certificate(
                `${name}-cdn`,
                { domainName: domain, validationMethod: "DNS", keyAlgorithm: "EC_prime256v1", region: CLOUDFRONT_REGION, tags },
                opt,
            ),
            [domain],
            CLOUDFRONT_REGION,
        );
    }
    return out;
}
