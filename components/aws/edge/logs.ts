/**
 * The edge's access-log bucket: the load balancers' logs under `alb/`, CloudFront's under
 * `cloudfront/`; encrypted and versioned like every bucket (object-store.ts), kept for the profile's
 * log retention.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AwsPlace } from "../common";
import { AwsBucket } from "../object-store";
import type { EdgePart } from "./part";

/** The prefix both load balancers write their access logs under (the bucket admits log delivery there). */
export const ALB_LOG_PREFIX = "alb";

/** The access-log bucket, its policy admitting the load balancers' log delivery (and, with a CDN, CloudFront's ACL-based writes). */
export function createLogBucket(part: EdgePart, place: AwsPlace): AwsBucket {
    const { name, plan } = part;
    const opt = { parent: part.parent };
    const elbAccount = aws.elb.getServiceAccountOutput({}, opt);
    return new AwsBucket(
        `${name}-logs`,
        {
            system: plan,
            bucket: {
                name: "edge-logs",
                purpose: "archive",
                versioned: true,
                lifecycle: [],
                expireAfterDays: plan.observability.logRetentionDays,
            },
            accessLogTarget: true,
            tier: "edge",
            // CloudFront's standard logs are written through ACLs, so with a CDN the bucket keeps ACLs (owner preferred); otherwise ACLs are off.
            objectAcls: plan.edge.cdn,
            logWriters: (arn) => {
                const albLogObjects = pulumi.interpolate`${arn}/${ALB_LOG_PREFIX}/AWSLogs/${place.accountId}/*`;
                return [
                    // Regions before August 2022 deliver ALB logs from the regional ELB account, newer ones from the log-delivery service.
                    {
                        Sid: "AlbLogDeliveryAccount",
                        Effect: "Allow",
                        Principal: { AWS: elbAccount.arn },
                        Action: "s3:PutObject",
                        Resource: albLogObjects,
                    },
                    {
                        Sid: "AlbLogDeliveryService",
                        Effect: "Allow",
                        Principal: { Service: "logdelivery.elasticloadbalancing.amazonaws.com" },
                        Action: "s3:PutObject",
                        Resource: albLogObjects,
                    },
                ];
            },
        },
        opt,
    );
}
