/**
 * The whole system on AWS. First `awsProblems` refuses, before anything is registered, what AWS
 * cannot build from the spec. Then an explicit provider whose default tags mark every taggable
 * resource (`system`, `environment`, `managed-by`; each resource adds its `tier`), and, in order
 * of need: KMS keys (logs, secrets) → network → alarm topic → file shares (EFS) → data tier → application secrets →
 * ECS cluster → edge (load balancer, target groups and listener rules must exist before a
 * service attaches to them) → services → application alarms → observability (error-line filters, saved queries).
 *
 * One loop is broken with a deferred output: CloudFront serves the data tier's `static` buckets, so
 * the distribution comes after them, yet their key and bucket policies must name the distribution.
 * The data tier receives its ARN as a `pulumi.deferredOutput` that is resolved once the edge
 * exists; only those policies wait for it.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { PlatformSystem, PlatformSystemArgs, SystemOutputs } from "../contract";
import type { PlatformModule } from "../platform";
import { datastoreOutputs } from "../shared/binding";
import { buildOrder, exportsTraces } from "../../plan";
import { MANAGED_BY, awsTags, resourceName } from "../shared/naming";
import { AwsAlarmTopic, AwsAppAlarms, AwsDatastoreAlarms, datastoreMetrics } from "./monitoring";
import { AwsObservability } from "./observability";
import type { AwsDatastoreBinding } from "./contract";
import { backupProblems } from "./backup";
import { bucketProblems } from "./object-store";
import { createDataTier, recoveryProblems } from "./data";
import { AwsEdge, edgeProblems, type AwsEdgeArgs } from "./edge";
import { isPlaceholderDomain } from "./edge/dns";
import { AwsFileShares, fileShareProblems } from "./files";
import { AwsKms } from "./kms";
import { awsPlace } from "./common";
import { AwsNetwork, networkProblems } from "./network";
import { internetHttpsReason, taskImages } from "./network/endpoints";
import { createImageCache, fromEcrPublic } from "./image-cache";
import { AwsAppSecrets } from "./secrets";
import { AwsService, serviceProblems, shiftsTraffic } from "./service";
import { AwsRolloutHook } from "./rollout-hook";
import { ecsHooks } from "../../plan/support/aws";
import type { Problem } from "../../conventions/problems";
import type { PlatformSettings, ServicePlan, SystemPlan } from "../../plan";

/**
 * Everything the AWS platform cannot build from a valid spec, one problem per spec path or config
 * key, judged from the plan: network, edge, services, backup schedules, bucket lifecycles, recovery
 * objectives and file shares.
 * `ecs`: the services run as ECS tasks, traced ones with the ADOT collector beside them (false on the EKS placement).
 */
export function awsProblems(plan: SystemPlan, settings: PlatformSettings, region?: string, ecs = true): Problem[] {
    const traced = ecs && exportsTraces(plan, "aws");
    const datastores = Object.values(plan.datastores);
    return [
        ...networkProblems(plan, settings),
        ...edgeProblems(plan, settings.certificateArn || undefined, ecs),
        ...Object.values(plan.services).flatMap((s) => serviceProblems(s, traced)),
        ...datastores.flatMap((d) => (d.kind === "database" ? backupProblems(d.spec) : [])),
        ...datastores.flatMap((d) => (d.kind === "bucket" ? bucketProblems(d.spec) : [])),
        ...recoveryProblems(plan, settings, region),
        ...fileShareProblems(plan),
    ];
}

/** What the AWS edge is built from: the plan and settings, the network, the logs key and the data tier's bindings. */
export interface AwsEdgeSources {
    /** The system's plan, which the edge renders. */
    plan: SystemPlan;
    /** The stack's settings: certificate, hosted zone, region. */
    settings: PlatformSettings;
    /** The network: the VPC, the subnets and the load balancers' security groups. */
    network: AwsNetwork;
    /** The key of the edge's log groups. */
    logsKmsKeyArn: pulumi.Input<string>;
    /** The data tier's bindings: the buckets CloudFront serves. */
    bindings: Record<string, AwsDatastoreBinding>;
}

/**
 * The AWS edge's arguments, for the aws platform and the EKS placement alike (components/eks/system.ts adds only that no
 * ECS deployment shifts its traffic): the same load balancer, WAF, CDN and the plan's traffic policies at them.
 */
export function awsEdgeArgs(from: AwsEdgeSources): AwsEdgeArgs {
    const { plan, settings, network, bindings } = from;
    return {
        plan,
        vpcId: network.vpcId,
        publicSubnetIds: network.publicSubnetIds,
        securityGroupId: network.albSecurityGroupId,
        ...(network.internalAlbSecurityGroupId
            ? { internal: { subnetIds: network.privateSubnetIds, securityGroupId: network.internalAlbSecurityGroupId } }
            : {}),
        logsKmsKeyArn: from.logsKmsKeyArn,
        certificateArn: settings.certificateArn || undefined,
        hostedZoneId: settings.hostedZoneId || undefined,
        staticOrigins: Object.fromEntries(Object.entries(bindings).flatMap(([k, b]) => (b.cdnOrigin ? [[k, b.cdnOrigin]] : []))),
        region: settings.awsRegion,
    };
}

/**
 * What a real `pulumi up` of the system needs that the plan cannot check, one line each, naming
 * the setting to give: a documentation-placeholder domain (no hosted zone, no certificate can be
 * validated for it) and alarms that reach nobody. Printed as warnings by every plan and preview.
 */
export function awsWarnings(plan: SystemPlan, settings: PlatformSettings): string[] {
    const out: string[] = [];
    const domain = plan.edge.domain;
    if (domain && isPlaceholderDomain(domain) && !settings.certificateArn) {
        out.push(
            `tierform: edge.domain '${domain}' is a documentation placeholder: before a real 'pulumi up', set edge.domain (tierform:overrides) to a domain you own with a public Route 53 hosted zone (or tierform:hostedZoneId), or give tierform:certificateArn (a real 'pulumi up' refuses it)`,
        );
    }
    const stillOpen = Object.values(plan.services).flatMap((svc) => {
        const reason = svc.egress.internet ? undefined : internetHttpsReason(svc, Boolean(settings.vpcId), exportsTraces(plan, "aws"));
        return reason ? [`${svc.name} (${reason})`] : [];
    });
    if (stillOpen.length > 0) {
        out.push(
            `tierform: egress.internet is false, but HTTPS (443) to the internet stays open for ${stillOpen.join("; ")}: only a service whose images are all in the account's ECR in the stack's region and none through the pull-through cache for ECR Public (no writablePaths and no 'provided' health tool, whose steps pull busybox, and traces off, whose ADOT collector comes from ECR Public too: the first pull of a cached image downloads it from ECR Public over the internet) reaches AWS through VPC endpoints alone`,
        );
    }
    const shifting = Object.values(plan.services).filter((svc) => shiftsTraffic(svc) && plan.routes.some((r) => r.service === svc.name));
    if (settings.vpcId && shifting.length > 0) {
        out.push(
            `tierform: tierform:vpcId is an existing VPC, whose NAT addresses the program does not know: no test listener admits anyone, and the lifecycle hook does not check the preview of ${shifting.map((s) => s.name).join(", ")} before production shifts (the migration and post-promotion tasks still run)`,
        );
    }
    if (!settings.alarmEmail) {
        out.push(
            "tierform: no alarm subscriber: the alarms notify an SNS topic nobody reads; set tierform:alarmEmail (a real 'pulumi up' refuses without it)",
        );
    }
    return out;
}

/**
 * What only a real update (not a preview) refuses, before anything is registered: the
 * prerequisites a deployment cannot do without and the plan cannot supply — alarms without a
 * subscriber, and a documentation-placeholder domain without a certificate (no hosted zone can be
 * found for it and no certificate validated: the update would fail half-way, after the network and
 * the datastores exist).
 */
export function realUpdateProblems(plan: Pick<SystemPlan, "edge">, settings: PlatformSettings): Problem[] {
    const out: Problem[] = [];
    if (!settings.alarmEmail)
        out.push({
            where: "tierform:alarmEmail",
            message:
                "is empty: every alarm would notify an SNS topic nobody reads; set an address (the recipient confirms the subscription)",
        });
    const domain = plan.edge.domain;
    if (domain && isPlaceholderDomain(domain) && !settings.certificateArn)
        out.push({
            where: "edge.domain",
            message: `'${domain}' is a documentation placeholder: set it (in the spec or tierform:overrides) to a domain you own with a public Route 53 hosted zone (or tierform:hostedZoneId), or give tierform:certificateArn`,
        });
    return out;
}

/** Every spec service, datastore, edge and monitoring tier on AWS. Type token `tierform:aws:System`. */
export class AwsSystem extends pulumi.ComponentResource implements PlatformSystem {
    readonly outputs: SystemOutputs;

    constructor(name: string, args: PlatformSystemArgs, opts?: pulumi.ComponentResourceOptions) {
        super("tierform:aws:System", name, {}, opts);
        const { settings, plan } = args;
        const region = settings.awsRegion;
        const provider = new aws.Provider(
            `${name}-aws`,
            {
                ...(region ? { region } : {}),
                defaultTags: { tags: { system: plan.name, environment: plan.environment, "managed-by": MANAGED_BY } },
            },
            { parent: this },
        );
        const child = { parent: this, providers: [provider] };

        const logsKey = new AwsKms(`${name}-logs-key`, { system: plan, purpose: "logs", services: ["logs"] }, child);
        const secretsKey = new AwsKms(`${name}-secrets-key`, { system: plan, purpose: "secrets" }, child);
        const network = new AwsNetwork(
            `${name}-network`,
            {
                plan,
                vpcId: settings.vpcId || undefined,
                azCount: settings.azCount,
                singleNatGateway: settings.singleNatGateway,
                tracedTasks: exportsTraces(plan, "aws"),
            },
            child,
        );
        const alarmTopic = new AwsAlarmTopic(`${name}-alarms`, { system: plan, settings }, child);
        const fileShares = Object.values(plan.services).some((s) => s.mounts.length > 0)
            ? new AwsFileShares(
                  `${name}-files`,
                  {
                      plan,
                      vpcId: network.vpcId,
                      privateSubnetIds: network.privateSubnetIds,
                      serviceSecurityGroupIds: network.serviceSecurityGroupIds,
                  },
                  child,
              )
            : undefined;

        const [cdnDistributionArn, resolveCdnDistributionArn] = pulumi.deferredOutput<string>();
        const bindings: Record<string, AwsDatastoreBinding> = createDataTier(
            {
                plan,
                settings,
                network: network.info,
                alarmTopicArn: alarmTopic.topicArn,
                logsKmsKeyArn: logsKey.arn,
                fileSystemArns: Object.values(fileShares?.fileSystems ?? {}).map((fs) => fs.arn),
                ...(plan.edge.cdn ? { cdnDistributionArn } : {}),
            },
            child,
        );

        const appSecrets = new AwsAppSecrets(
            `${name}-secrets`,
            { system: plan, kmsKeyArn: secretsKey.arn, secrets: plan.appSecrets },
            child,
        );
        const cluster = new aws.ecs.Cluster(
            `${name}-cluster`,
            {
                name: resourceName([plan.name, plan.environment]),
                settings: [{ name: "containerInsights", value: "enabled" }],
                tags: awsTags(plan, "service"),
            },
            { parent: this, provider },
        );

        const edge = new AwsEdge(`${name}-edge`, awsEdgeArgs({ plan, settings, network, logsKmsKeyArn: logsKey.arn, bindings }), child);
        if (edge.distributionArn) resolveCdnDistributionArn(edge.distributionArn);

        // One lifecycle-hook function for every blue/green or canary service: migration, preview check, post-promotion commands.
        // In an existing VPC the NAT addresses are unknown, so the test listeners admit nobody and the preview check is left out.
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
        const rolloutHook =
            hooked.length > 0
                ? new AwsRolloutHook(
                      `${name}-rollout-hook`,
                      {
                          facts: plan,
                          clusterName: resourceName([plan.name, plan.environment]),
                          vpcId: network.vpcId,
                          privateSubnetIds: network.privateSubnetIds,
                          albSecurityGroupId: network.albSecurityGroupId,
                          natPublicIps: network.natPublicIps,
                          albDnsName: edge.albDnsName,
                          ...(plan.edge.domain
                              ? {
                                    host: plan.edge.domain,
                                    previewHost: plan.edge.cdn ? `origin.${plan.edge.domain}` : plan.edge.domain,
                                }
                              : {}),
                          logsKmsKeyArn: logsKey.arn,
                          services: Object.fromEntries(hooked),
                      },
                      child,
                  )
                : undefined;

        // ECR Public images (busybox, the trace collector) come through the account's pull-through cache (image-cache.ts).
        const traced = exportsTraces(plan, "aws");
        const pullsPublic = (svc: ServicePlan) => taskImages(svc, traced).some(fromEcrPublic);
        const imageCache = Object.values(plan.services).some(pullsPublic)
            ? createImageCache(name, plan, awsPlace({ parent: this, provider }), { parent: this, provider })
            : undefined;

        const services: Record<string, AwsService> = {};
        // Services that migrate first: every service using a migrated database waits for that service to be steady.
        for (const svc of buildOrder(plan)) {
            const target = edge.targets[svc.name];
            services[svc.name] = new AwsService(
                `${name}-${svc.name}`,
                {
                    system: plan,
                    service: svc,
                    clusterArn: cluster.arn,
                    clusterName: cluster.name,
                    subnetIds: network.privateSubnetIds,
                    securityGroupId: network.serviceSecurityGroupIds[svc.name],
                    logsKmsKeyArn: logsKey.arn,
                    appSecretArns: appSecrets.arns,
                    appSecretsKmsKeyArn: secretsKey.arn,
                    bindings,
                    ...(fileShares?.mounts[svc.name] ? { fileShares: fileShares.mounts[svc.name] } : {}),
                    ...(target ? { loadBalancer: target } : {}),
                    afterMigrations: svc.afterMigrationsOf.map((m) => services[m].ecsService),
                    alarmTopicArn: alarmTopic.topicArn,
                    ...(rolloutHook?.lifecycleHooks[svc.name]
                        ? { rolloutHook: { lifecycleHooks: rolloutHook.lifecycleHooks[svc.name], ready: rolloutHook.ready } }
                        : {}),
                    ...(imageCache && pullsPublic(svc) ? { imageCache } : {}),
                },
                child,
            );
        }

        new AwsAppAlarms(
            `${name}-app-alarms`,
            {
                plan,
                alarmTopicArn: alarmTopic.topicArn,
                loadBalancerArnSuffix: edge.loadBalancerArnSuffix,
                targetGroupArnSuffixes: Object.fromEntries(
                    Object.entries(edge.targets).flatMap(([k, t]) => [
                        [k, t.targetGroupArnSuffix],
                        ...(t.trafficShift ? [[`${k}-alternate`, t.trafficShift.alternateTargetGroupArnSuffix]] : []),
                    ]),
                ),
                targetGroupLoadBalancers: Object.fromEntries(
                    Object.entries(edge.targets).flatMap(([k, t]) =>
                        t.loadBalancerArnSuffix === edge.loadBalancerArnSuffix ? [] : [[k, t.loadBalancerArnSuffix]],
                    ),
                ),
                clusterName: cluster.name,
                serviceNames: Object.fromEntries(Object.entries(services).map(([k, s]) => [k, s.serviceName])),
            },
            child,
        );

        new AwsDatastoreAlarms(
            `${name}-datastore-alarms`,
            { plan, alarmTopicArn: alarmTopic.topicArn, datastores: datastoreMetrics(bindings) },
            child,
        );

        new AwsObservability(
            `${name}-observability`,
            {
                plan,
                logGroups: Object.fromEntries(Object.entries(services).map(([k, s]) => [k, s.logGroupName])),
                alarmTopicArn: alarmTopic.topicArn,
                clusterName: cluster.name,
                serviceNames: Object.fromEntries(Object.entries(services).map(([k, s]) => [k, s.serviceName])),
                targets: Object.fromEntries(
                    Object.entries(edge.targets).map(([k, t]) => [
                        k,
                        {
                            loadBalancer: t.loadBalancerArnSuffix,
                            targetGroups: [
                                t.targetGroupArnSuffix,
                                ...(t.trafficShift ? [t.trafficShift.alternateTargetGroupArnSuffix] : []),
                            ],
                        },
                    ]),
                ),
                datastores: datastoreMetrics(bindings),
            },
            child,
        );

        // No service discovery: a routed web service is reached through the edge at its path; others by ECS service name.
        const routeOf = (svc: string) => plan.routes.find((r) => r.service === svc);
        this.outputs = {
            publicUrl: edge.publicUrl,
            services: Object.fromEntries(
                Object.entries(services).map(([k, s]) => {
                    const route = routeOf(k);
                    // A route for private networks only is served by the internal load balancer (internal.<domain>).
                    const base = route?.allowCidrs && edge.internalUrl ? edge.internalUrl : edge.publicUrl;
                    return [k, route ? pulumi.interpolate`${base}${route.path === "/" ? "" : route.path}` : s.serviceName];
                }),
            ),
            datastores: datastoreOutputs(bindings),
            platform: {
                albDnsName: edge.albDnsName,
                ...(edge.internalAlbDnsName ? { internalAlbDnsName: edge.internalAlbDnsName } : {}),
                clusterName: cluster.name,
                vpcId: network.vpcId,
                ...(edge.cloudFrontDomain ? { cloudFrontDomain: edge.cloudFrontDomain } : {}),
                alarmTopicArn: alarmTopic.topicArn,
                ...Object.fromEntries(Object.entries(bindings).flatMap(([k, b]) => (b.platformOutputs ? [[k, b.platformOutputs]] : []))),
            },
        };
        this.registerOutputs({ publicUrl: this.outputs.publicUrl, platform: this.outputs.platform });
    }
}

/**
 * The AWS platform: its system component; what it refuses (`awsProblems`, and on a real update, not
 * a preview nor an offline run standing for one, `realUpdateProblems`); what it warns about.
 */
export const platform: PlatformModule = {
    System: AwsSystem,
    problems: (plan, settings) => [
        ...awsProblems(plan, settings, settings.awsRegion),
        ...(pulumi.runtime.isDryRun() || process.env.TIERFORM_OFFLINE_PREVIEW === "1" ? [] : realUpdateProblems(plan, settings)),
    ],
    warnings: (plan, settings) => awsWarnings(plan, settings),
};
