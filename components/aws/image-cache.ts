/**
 * The system's ECR pull-through cache for Amazon ECR Public: the images the program itself adds to an ECS task — busybox
 * (the volume-permissions and health-tools steps, service/task-definition.ts) and the ADOT trace collector
 * (service/tracing.ts), both on `public.ecr.aws` — are pulled from the account's private registry in the stack's region,
 * `<account>.dkr.ecr.<region>.amazonaws.com/<prefix>/<upstream path>`, with the same tag and digest. ECR Public has no VPC
 * endpoint; the private registry is reached through the `ecr.api`/`ecr.dkr` interface endpoints and ECR's layers through
 * the S3 gateway endpoint (network/endpoints.ts).
 *
 * What AWS documents, and how it is met:
 * - The rule: `aws.ecr.PullThroughCacheRule` with `upstreamRegistryUrl` `public.ecr.aws` and an `ecrRepositoryPrefix` of
 *   the system's; "Amazon ECR Public, Kubernetes container image registry, and Quay (doesn't require authentication)", so
 *   no `credentialArn` (ECR user guide, "Sync an upstream registry with an Amazon ECR private registry",
 *   https://docs.aws.amazon.com/AmazonECR/latest/userguide/pull-through-cache.html). The prefix takes 2 to 30 characters
 *   of `(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*` and ECR appends a `/` (CreatePullThroughCacheRule,
 *   https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_CreatePullThroughCacheRule.html; the offline engine's
 *   rule aws-ecr-pull-through-cache-rule).
 * - The pull: "pull an image from that upstream registry using your Amazon ECR private registry URI. Amazon ECR then
 *   creates a repository and caches that image in your private registry" (same page), as
 *   `docker pull <account>.dkr.ecr.<region>.amazonaws.com/ecr-public/<repository_name/image_name>:<tag>` (pull-through-cache-working-pulling.html);
 *   a reference by digest names the same manifest in the cached repository ("you can pull the image using the image digest",
 *   the page's note on multi-architecture images).
 * - Who may pull: the task execution role (on Fargate ECS pulls from a private repository with it: ECR user guide,
 *   ECR_on_ECS.html) gets, besides the pull actions, `ecr:BatchImportUpstreamImage` ("permission to retrieve the external
 *   image and import it to your private registry") and `ecr:CreateRepository` ("required if the repository storing the
 *   cached images doesn't already exist"), both as an identity-based policy, which the page allows for each
 *   (pull-through-cache-iam.html), on the repositories under the prefix only ({@link cacheStatements}) — the scope of the
 *   guide's own example, which grants exactly these two actions on `arn:aws:ecr:<region>:<account>:repository/ecr-public/*`.
 * - The repositories ECR creates get its defaults (a repository creation template would change them): AES-256 encryption,
 *   mutable tags, no lifecycle policy ("These default settings include turning off tag immutability, using AES-256
 *   encryption, and not applying any repository or lifecycle policies", repository-creation-templates.html). Kept on
 *   purpose: ECR must be able to rewrite a cached tag when the upstream one moves ("If you manually enable tag immutability
 *   on the repository, Amazon ECR may not be able to update the cached images"), and a lifecycle rule expiring untagged
 *   images would drop a collector pulled by digest. The images are public; AES-256 is encryption at rest. They are not the
 *   program's resources: `pulumi destroy` removes the rule, not the cached repositories ("Deleting a pull through cache
 *   rule doesn't have any effect on the repositories or images that were cached").
 * - The first pull of an image through the cache is not VPC-only: "When an image is pulled using a pull through cache rule
 *   for the first time, if you've configured Amazon ECR to use an interface VPC endpoint using AWS PrivateLink then you need
 *   to create a public subnet in the same VPC, with a NAT gateway, and then route all outbound traffic to the internet from
 *   their private subnet to the NAT gateway in order for the pull to work. Subsequent image pulls don't require this"
 *   (awsdocs/amazon-ecr-user-guide doc_source/pull-through-cache.md, "Considerations"); on that first pull the layers are
 *   served from the upstream's CDN, not ECR's S3 bucket (aws/containers-roadmap#939, a pull from a private subnet fetched
 *   a layer from a cloudfront.net address). So a task whose images come through the cache keeps HTTPS to the internet
 *   (network/endpoints.ts `internetHttpsReason`); the cache takes the steady-state pulls off ECR Public.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { SystemFacts } from "../../plan";
import { resourceName } from "../shared/naming";

/** The upstream registry the cache serves (CreatePullThroughCacheRule `upstreamRegistryUrl` for Amazon ECR Public). */
export const ECR_PUBLIC_REGISTRY = "public.ecr.aws";

/** Longest `ecrRepositoryPrefix` ECR accepts (CreatePullThroughCacheRule: length 2 to 30). */
export const CACHE_PREFIX_MAX = 30;

/** The system's repository prefix in the private registry: `<system>-<environment>-ecr-public`, cut to 30 characters with a hash when longer. */
export function imageCachePrefix(facts: Pick<SystemFacts, "name" | "environment">): string {
    return resourceName([facts.name, facts.environment, "ecr-public"], CACHE_PREFIX_MAX);
}

/** Whether `image` is pulled from Amazon ECR Public (and so through the cache). */
export function fromEcrPublic(image: string): boolean {
    return image.startsWith(`${ECR_PUBLIC_REGISTRY}/`);
}

/** Where the cache serves an image: an ECR Public reference becomes `<account>.dkr.ecr.<region>.amazonaws.com/<prefix>/<path>` (same tag, same digest); any other is returned as it is. */
export function cachedImage(image: string, cache: { prefix: string; accountId: string; region: string }): string {
    if (!fromEcrPublic(image)) return image;
    const suffix = cache.region.startsWith("cn-") ? ".com.cn" : ".com";
    return `${cache.accountId}.dkr.ecr.${cache.region}.amazonaws${suffix}/${cache.prefix}/${image.slice(ECR_PUBLIC_REGISTRY.length + 1)}`;
}

/**
 * The execution role's statements for pulling through the cache: the ECR pull actions and the two pull-through-cache ones
 * (`ecr:BatchImportUpstreamImage`, `ecr:CreateRepository`), on the repositories under `prefix` only; the authorization
 * token (no resource-level permission) on "*".
 */
export function cacheStatements(
    prefix: string,
    place: { partition: string; region: string; accountId: string },
): aws.iam.PolicyStatement[] {
    const repositories = `arn:${place.partition}:ecr:${place.region}:${place.accountId}:repository/${prefix}/*`;
    return [
        { Sid: "EcrAuthCache", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
        {
            Sid: "EcrPullThroughCache",
            Effect: "Allow",
            Action: [
                "ecr:BatchCheckLayerAvailability",
                "ecr:GetDownloadUrlForLayer",
                "ecr:BatchGetImage",
                "ecr:BatchImportUpstreamImage",
                "ecr:CreateRepository",
            ],
            Resource: repositories,
        },
    ];
}

/** The cache as the services see it: the prefix and how an image reference resolves. */
export interface AwsImageCacheRef {
    /** The repository prefix (without the trailing `/`). */
    prefix: string;
    /** The image the task pulls for an upstream reference (ECR Public ones through the cache). */
    image: (upstream: string) => pulumi.Output<string>;
    /** The execution role's statements to pull through the cache ({@link cacheStatements}). */
    statements: pulumi.Output<aws.iam.PolicyStatement>[];
    /** The rule (what a task definition naming a cached image waits for). */
    rule: aws.ecr.PullThroughCacheRule;
}

/** The pull-through cache rule of a system, under `parent` (the system component). Resource `<name>-ecr-public-cache`. */
export function createImageCache(
    name: string,
    facts: Pick<SystemFacts, "name" | "environment">,
    place: { partition: pulumi.Output<string>; region: pulumi.Output<string>; accountId: pulumi.Output<string> },
    opts: pulumi.CustomResourceOptions,
): AwsImageCacheRef {
    const prefix = imageCachePrefix(facts);
    const rule = new aws.ecr.PullThroughCacheRule(
        `${name}-ecr-public-cache`,
        { ecrRepositoryPrefix: prefix, upstreamRegistryUrl: ECR_PUBLIC_REGISTRY },
        opts,
    );
    return {
        prefix,
        rule,
        image: (upstream) =>
            pulumi
                .all([place.accountId, place.region])
                .apply(([accountId, region]) => cachedImage(upstream, { prefix, accountId, region })),
        statements: [0, 1].map((i) =>
            pulumi
                .all([place.partition, place.region, place.accountId])
                .apply(([partition, region, accountId]) => cacheStatements(prefix, { partition, region, accountId })[i]),
        ),
    };
}
