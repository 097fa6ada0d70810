/**
 * The parts of a system on AWS, in the order `AwsSystem` builds them in one loop over the plan
 * (issue 26): the KMS keys (logs, secrets), the network, the alarm topic, the file shares (EFS)
 * where a service mounts one, the data tier's shared parts (data key, DR site, backups) and each
 * datastore by its kind's provisioner (provisioners.ts), the application secrets, the ECS cluster,
 * the edge (load balancer, target groups and listener rules must exist before a service attaches
 * to them), the rollout hook where a service has ECS lifecycle hooks, the pull-through image cache
 * where a task pulls from ECR Public, each service (those that migrate first), the application
 * alarms, the datastore alarms and the observability tier. A part's builder reads the plan entry it
 * is given and what the parts before it made ({@link AwsBuilt}); the registry {@link AWS_BUILDERS}
 * is keyed by {@link AwsPart}, so a part without a builder does not compile. Every resource keeps
 * the name, type, parent and provider it had when the constructor built them in sequence.
 *
 * One loop is broken with a deferred output: CloudFront serves the data tier's `static` buckets, so
 * the distribution comes after them (the edge part), yet their key and bucket policies must name the
 * distribution. The accumulator holds its ARN as a `pulumi.deferredOutput` ({@link AwsBuilt}
 * `cdnDistribution`) that the data tier receives and the edge part resolves; only those policies wait for it.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { buildOrder, exportsTraces, type DatastorePlan, type PlatformSettings, type ServicePlan, type SystemPlan } from "../../plan";
import { ecsHooks } from "../../plan/support/aws";
import { awsTags, resourceName } from "../shared/naming";
import { awsPlace } from "./common";
import type { AwsDatastoreBinding } from "./contract";
import { createDataContext } from "./data";
import { AwsEdge, awsEdgeArgs } from "./edge";
import { AwsFileShares } from "./files";
import { createImageCache, fromEcrPublic, type AwsImageCacheRef } from "./image-cache";
import { AwsKms } from "./kms";
import { AwsAlarmTopic, AwsAppAlarms, AwsDatastoreAlarms, datastoreMetrics, edgeAlarmTargets } from "./monitoring";
import { AwsNetwork } from "./network";
import { taskImages } from "./network/endpoints";
import { AwsObservability, routedTargets } from "./observability";
import { provisionAws, type AwsProvisionContext } from "./provisioners";
import { AwsRolloutHook } from "./rollout-hook";
import { AwsAppSecrets } from "./secrets";
import { AwsService } from "./service";

/** One part of the system, with the plan entry it is built from. */
export type AwsPart =
    | { part: "kms-keys" }
    | { part: "network" }
    | { part: "alarm-topic" }
    | { part: "file-shares" }
    | { part: "data-tier" }
    | { part: "datastore"; datastore: DatastorePlan }
    | { part: "app-secrets" }
    | { part: "cluster" }
    | { part: "edge" }
    | { part: "rollout-hook" }
    | { part: "image-cache" }
    | { part: "service"; service: ServicePlan }
    | { part: "app-alarms" }
    | { part: "datastore-alarms" }
    | { part: "observability" };

/** Whether one of `svc`'s task images comes from ECR Public (busybox, the trace collector), so through the image cache. */
export function pullsPublic(plan: SystemPlan, svc: ServicePlan): boolean {
    return taskImages(svc, exportsTraces(plan, "aws")).some(fromEcrPublic);
}

/**
 * Whether `svc`'s ECS deployment has lifecycle hooks to run on the stack: its migration, preview
 * check or post-promotion commands, but the preview check in an existing VPC (`tierform:vpcId`),
 * whose NAT addresses the test listeners cannot admit. (The rollout hook takes such a service only
 * where the edge gives it a test listener: routed, blue/green or canary.)
 */
export function hasHooks(svc: ServicePlan, settings: Pick<PlatformSettings, "vpcId">): boolean {
    return ecsHooks(svc.rollout).some((h) => !h.preview || !settings.vpcId);
}

/**
 * The parts of `plan` on AWS in the order they are built, each after what it reads: the keys, the
 * network and the alarm topic first; the file shares (where a service mounts one) before the data
 * tier, whose backups take them in; the data tier's shared parts (where there is a datastore or a
 * share to back up) before each datastore; every datastore before the edge (the static buckets are
 * CloudFront's origins) and the services (their bindings); the edge before the rollout hook (its test
 * listeners), the services (their target groups) and the alarms; the rollout hook (where a service
 * has ECS lifecycle hooks) and the image cache (where a task pulls from ECR Public) before the
 * services; the services in {@link buildOrder} (a migration before what waits for it); the alarms
 * and observability after every service.
 */
export function awsParts(plan: SystemPlan, settings: PlatformSettings): AwsPart[] {
    const services = Object.values(plan.services);
    const datastores = Object.values(plan.datastores);
    const mounts = services.some((s) => s.mounts.length > 0);
    return [
        { part: "kms-keys" },
        { part: "network" },
        { part: "alarm-topic" },
        ...(mounts ? [{ part: "file-shares" } as const] : []),
        ...(datastores.length > 0 || mounts ? [{ part: "data-tier" } as const] : []),
        ...datastores.map((datastore): AwsPart => ({ part: "datastore", datastore })),
        { part: "app-secrets" },
        { part: "cluster" },
        { part: "edge" },
        ...(services.some((s) => hasHooks(s, settings)) ? [{ part: "rollout-hook" } as const] : []),
        ...(services.some((s) => pullsPublic(plan, s)) ? [{ part: "image-cache" } as const] : []),
        ...buildOrder(plan).map((service): AwsPart => ({ part: "service", service })),
        { part: "app-alarms" },
        { part: "datastore-alarms" },
        { part: "observability" },
    ];
}

/** What the parts built so far made, and what every builder reads. */
export interface AwsBuilt {
    /** The system component's name: children are named `<name>-<part>`. */
    name: string;
    /** The system's plan. */
    plan: SystemPlan;
    /** The stack's settings (region, VPC, certificate, alarm e-mail, DR region). */
    settings: PlatformSettings;
    /** The system component, every part's parent. */
    parent: pulumi.ComponentResource;
    /** The explicit provider with the system's default tags. */
    provider: aws.Provider;
    /** Options of most children: parent the system, `providers: [provider]` (the cluster and the image cache take `{ parent, provider }`). */
    child: pulumi.ComponentResourceOptions;
    /**
     * The CloudFront distribution's ARN, deferred: the data tier's static buckets (built before the
     * edge) name it in their key and bucket policies, and the edge part resolves it with the
     * distribution it creates. Never resolved without a CDN (the data tier then does not get it).
     */
    cdnDistribution: { arn: pulumi.Output<string>; resolve: (arn: pulumi.Output<string>) => void };
    /** The key of the log groups (the `kms-keys` part). */
    logsKey?: AwsKms;
    /** The key of the application secrets (the `kms-keys` part). */
    secretsKey?: AwsKms;
    /** The network, once built. */
    network?: AwsNetwork;
    /** The SNS topic every alarm notifies, once built. */
    alarmTopic?: AwsAlarmTopic;
    /** The EFS file shares, when a service mounts one. */
    fileShares?: AwsFileShares;
    /** The provisioners' context (data key, DR site, backups), once the data tier's shared parts exist; none without datastores or shares. */
    data?: AwsProvisionContext;
    /** What each datastore gives the services that use it, by name. */
    bindings: Record<string, AwsDatastoreBinding>;
    /** The generated application secrets, once built. */
    appSecrets?: AwsAppSecrets;
    /** The ECS cluster, once built. */
    cluster?: aws.ecs.Cluster;
    /** The edge, once built. */
    edge?: AwsEdge;
    /** The lifecycle-hook function, when a routed service's ECS deployment has hooks left to run. */
    rolloutHook?: AwsRolloutHook;
    /** The pull-through cache for ECR Public, when a task pulls from it. */
    imageCache?: AwsImageCacheRef;
    /** Each service built so far, by name. */
    services: Record<string, AwsService>;
}

/** Nothing built yet of `plan`'s system `name`, under `parent` with `provider`. */
export function nothingBuilt(
    name: string,
    plan: SystemPlan,
    settings: PlatformSettings,
    parent: pulumi.ComponentResource,
    provider: aws.Provider,
): AwsBuilt {
    const [arn, resolve] = pulumi.deferredOutput<string>();
    return {
        name,
        plan,
        settings,
        parent,
        provider,
        child: { parent, providers: [provider] },
        cdnDistribution: { arn, resolve },
        bindings: {},
        services: {},
    };
}

/** Builds part `P` into `built`. */
export type AwsBuilder<P extends AwsPart["part"]> = (part: Extract<AwsPart, { part: P }>, built: AwsBuilt) => void;

/** `built[key]`, which an earlier part made (awsParts' order); throws naming the part otherwise. */
function made<K extends keyof AwsBuilt>(built: AwsBuilt, key: K): NonNullable<AwsBuilt[K]> {
    const v = built[key];
    if (v === undefined) throw new Error(`${String(key)} is built before the parts that read it (awsParts)`);
    return v as NonNullable<AwsBuilt[K]>;
}

/** Every part's builder (see the module doc). */
export const AWS_BUILDERS: { readonly [P in AwsPart["part"]]: AwsBuilder<P> } = {
    // The customer keys of the log groups and of the application secrets.
    "kms-keys": (_part, built) => {
        built.logsKey = new AwsKms(`${built.name}-logs-key`, { system: built.plan, purpose: "logs", services: ["logs"] }, built.child);
        built.secretsKey = new AwsKms(`${built.name}-secrets-key`, { system: built.plan, purpose: "secrets" }, built.child);
    },
    // The VPC (or the existing one's subnets), NAT, endpoints and every security group.
    network: (_part, built) => {
        const { plan, settings } = built;
        built.network = new AwsNetwork(
            `${built.name}-network`,
            {
                plan,
                vpcId: settings.vpcId || undefined,
                azCount: settings.azCount,
                singleNatGateway: settings.singleNatGateway,
                tracedTasks: exportsTraces(plan, "aws"),
            },
            built.child,
        );
    },
    // The SNS topic every alarm notifies (and its e-mail subscriber).
    "alarm-topic": (_part, built) => {
        built.alarmTopic = new AwsAlarmTopic(`${built.name}-alarms`, { system: built.plan, settings: built.settings }, built.child);
    },
    // One EFS file system per share, its mount targets and access points.
    "file-shares": (_part, built) => {
        const network = made(built, "network");
        built.fileShares = new AwsFileShares(
            `${built.name}-files`,
            {
                plan: built.plan,
                vpcId: network.vpcId,
                privateSubnetIds: network.privateSubnetIds,
                serviceSecurityGroupIds: network.serviceSecurityGroupIds,
            },
            built.child,
        );
    },
    // The data key, DR site and backups (data.ts createDataContext), with the deferred CloudFront ARN where there is a CDN.
    "data-tier": (_part, built) => {
        const { plan } = built;
        built.data = createDataContext(
            {
                plan,
                settings: built.settings,
                network: made(built, "network").info,
                alarmTopicArn: made(built, "alarmTopic").topicArn,
                logsKmsKeyArn: made(built, "logsKey").arn,
                fileSystemArns: Object.values(built.fileShares?.fileSystems ?? {}).map((fs) => fs.arn),
                ...(plan.edge.cdn ? { cdnDistributionArn: built.cdnDistribution.arn } : {}),
            },
            built.child,
        );
    },
    // A datastore by its kind's provisioner, which returns its binding.
    datastore: ({ datastore }, built) => {
        built.bindings[datastore.name] = provisionAws(datastore, made(built, "data"));
    },
    // One generated Secrets Manager secret per application secret name, shared by the services listing it.
    "app-secrets": (_part, built) => {
        built.appSecrets = new AwsAppSecrets(
            `${built.name}-secrets`,
            { system: built.plan, kmsKeyArn: made(built, "secretsKey").arn, secrets: built.plan.appSecrets },
            built.child,
        );
    },
    // The ECS cluster, with Container Insights.
    cluster: (_part, built) => {
        const { plan } = built;
        built.cluster = new aws.ecs.Cluster(
            `${built.name}-cluster`,
            {
                name: resourceName([plan.name, plan.environment]),
                settings: [{ name: "containerInsights", value: "enabled" }],
                tags: awsTags(plan, "service"),
            },
            { parent: built.parent, provider: built.provider },
        );
    },
    // The edge, whose CloudFront distribution resolves the data tier's deferred ARN.
    edge: (_part, built) => {
        const { plan, settings, bindings } = built;
        const edge = new AwsEdge(
            `${built.name}-edge`,
            awsEdgeArgs({ plan, settings, network: made(built, "network"), logsKmsKeyArn: made(built, "logsKey").arn, bindings }),
            built.child,
        );
        if (edge.distributionArn) built.cdnDistribution.resolve(edge.distributionArn);
        built.edge = edge;
    },
    // One lifecycle-hook function for every blue/green or canary service: migration, preview check, post-promotion commands.
    // Only routed services with a test listener take part; in an existing VPC the NAT addresses are unknown, so the test
    // listeners admit nobody and the preview check is left out. Nothing is built when no hook is left.
    "rollout-hook": (_part, built) => {
        const { plan } = built;
        const network = made(built, "network");
        const edge = made(built, "edge");
        const hooked = Object.values(plan.services).flatMap((sp) => {
            const port = edge.targets[sp.name]?.trafficShift?.testListenerPort;
            const hooks = ecsHooks(sp.rollout).filter((h) => !h.preview || network.natPublicIps.length > 0);
            const check = sp.health.readiness ?? sp.health.liveness;
            return port !== undefined && hooks.length > 0
                ? [
                      [
                          sp.name,
                          {
                              hooks,
                              container: sp.name,
                              healthPath: check?.type === "http" ? check.path : "/",
                              testListenerPort: port,
                              taskTimeoutSeconds: 3600,
                          },
                      ] as const,
                  ]
                : [];
        });
        if (hooked.length === 0) return;
        built.rolloutHook = new AwsRolloutHook(
            `${built.name}-rollout-hook`,
            {
                facts: plan,
                clusterName: resourceName([plan.name, plan.environment]),
                vpcId: network.vpcId,
                privateSubnetIds: network.privateSubnetIds,
                albSecurityGroupId: network.albSecurityGroupId,
                natPublicIps: network.natPublicIps,
                albDnsName: edge.albDnsName,
                ...(plan.edge.domain
                    ? { host: plan.edge.domain, previewHost: plan.edge.cdn ? `origin.${plan.edge.domain}` : plan.edge.domain }
                    : {}),
                logsKmsKeyArn: made(built, "logsKey").arn,
                services: Object.fromEntries(hooked),
            },
            built.child,
        );
    },
    // ECR Public images (busybox, the trace collector) come through the account's pull-through cache (image-cache.ts).
    "image-cache": (_part, built) => {
        const opts = { parent: built.parent, provider: built.provider };
        built.imageCache = createImageCache(built.name, built.plan, awsPlace(opts), opts);
    },
    // A service: every service using a migrated database waits for that migration's service to be steady.
    service: ({ service: svc }, built) => {
        const { plan, services, fileShares, rolloutHook, imageCache } = built;
        const network = made(built, "network");
        const cluster = made(built, "cluster");
        const target = made(built, "edge").targets[svc.name];
        services[svc.name] = new AwsService(
            `${built.name}-${svc.name}`,
            {
                system: plan,
                service: svc,
                clusterArn: cluster.arn,
                clusterName: cluster.name,
                subnetIds: network.privateSubnetIds,
                securityGroupId: network.serviceSecurityGroupIds[svc.name],
                logsKmsKeyArn: made(built, "logsKey").arn,
                appSecretArns: made(built, "appSecrets").arns,
                appSecretsKmsKeyArn: made(built, "secretsKey").arn,
                bindings: built.bindings,
                ...(fileShares?.mounts[svc.name] ? { fileShares: fileShares.mounts[svc.name] } : {}),
                ...(target ? { loadBalancer: target } : {}),
                afterMigrations: svc.afterMigrationsOf.map((m) => services[m].ecsService),
                alarmTopicArn: made(built, "alarmTopic").topicArn,
                ...(rolloutHook?.lifecycleHooks[svc.name]
                    ? { rolloutHook: { lifecycleHooks: rolloutHook.lifecycleHooks[svc.name], ready: rolloutHook.ready } }
                    : {}),
                ...(imageCache && pullsPublic(plan, svc) ? { imageCache } : {}),
            },
            built.child,
        );
    },
    // The load balancers', target groups' and services' alarms.
    "app-alarms": (_part, built) => {
        const edge = made(built, "edge");
        new AwsAppAlarms(
            `${built.name}-app-alarms`,
            {
                plan: built.plan,
                alarmTopicArn: made(built, "alarmTopic").topicArn,
                ...edgeAlarmTargets(edge),
                clusterName: made(built, "cluster").name,
                serviceNames: Object.fromEntries(Object.entries(built.services).map(([k, s]) => [k, s.serviceName])),
            },
            built.child,
        );
    },
    // Each datastore's alarms (from its binding's CloudWatch dimensions).
    "datastore-alarms": (_part, built) => {
        new AwsDatastoreAlarms(
            `${built.name}-datastore-alarms`,
            { plan: built.plan, alarmTopicArn: made(built, "alarmTopic").topicArn, datastores: datastoreMetrics(built.bindings) },
            built.child,
        );
    },
    // Error-line filters, saved queries and the dashboard over the services' logs, the edge's targets and the datastores.
    observability: (_part, built) => {
        const edge = made(built, "edge");
        const services = Object.entries(built.services);
        new AwsObservability(
            `${built.name}-observability`,
            {
                plan: built.plan,
                logGroups: Object.fromEntries(services.map(([k, s]) => [k, s.logGroupName])),
                alarmTopicArn: made(built, "alarmTopic").topicArn,
                clusterName: made(built, "cluster").name,
                serviceNames: Object.fromEntries(services.map(([k, s]) => [k, s.serviceName])),
                targets: routedTargets(edge.targets),
                datastores: datastoreMetrics(built.bindings),
            },
            built.child,
        );
    },
};

/** Build `part` into `built` with its builder. */
export function buildPart(part: AwsPart, built: AwsBuilt): void {
    const builder = AWS_BUILDERS[part.part] as (p: AwsPart, b: AwsBuilt) => void;
    builder(part, built);
}
