/**
 * The whole system on AWS: an explicit provider whose default tags mark every taggable resource
 * (`system`, `environment`, `managed-by`; each tier adds `tier`), then, in order of need:
 * keys → network → alarm topic → data tier → application secrets → ECS cluster → edge (load
 * balancer, target groups and listener rules must exist before a service attaches to them) →
 * services → application alarms.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { PlatformSystem, PlatformSystemArgs, SystemOutputs } from "../contract";
import { MANAGED_BY, awsTags, resourceName } from "../shared/naming";
import { AwsAlarmTopic, AwsAppAlarms } from "./alarms";
import type { AwsDatastoreBinding } from "./contract";
import { createDataTier } from "./data";
import { AwsEdge } from "./edge";
import { AwsKeys } from "./keys";
import { AwsNetwork } from "./network";
import { AwsAppSecrets } from "./secrets";
import { AwsService } from "./service";

/** Every spec service, datastore, edge and monitoring tier on AWS. Type token `tierform:aws:System`. */
export class AwsSystem extends pulumi.ComponentResource implements PlatformSystem {
    readonly outputs: SystemOutputs;

    constructor(name: string, args: PlatformSystemArgs, opts?: pulumi.ComponentResourceOptions) {
        super("tierform:aws:System", name, {}, opts);
        const { system, settings } = args;
        const region = new pulumi.Config("aws").get("region");
        const provider = new aws.Provider(
            `${name}-aws`,
            {
                ...(region ? { region } : {}),
                defaultTags: { tags: { system: system.name, environment: system.environment, "managed-by": MANAGED_BY } },
            },
            { parent: this },
        );
        const child = { parent: this, providers: [provider] };

        const keys = new AwsKeys(`${name}-keys`, { system }, child);
        const network = new AwsNetwork(
            `${name}-network`,
            { system, vpcId: settings.vpcId || undefined, azCount: settings.azCount, logsKmsKeyArn: keys.logsKeyArn },
            child,
        );
        const alarmTopic = new AwsAlarmTopic(`${name}-alarms`, { system, settings }, child);

        const bindings: Record<string, AwsDatastoreBinding> = createDataTier({ system, settings, network: network.info, alarmTopicArn: alarmTopic.topicArn }, child);

        const appSecrets = new AwsAppSecrets(`${name}-secrets`, { system, kmsKeyArn: keys.secretsKeyArn }, child);
        const cluster = new aws.ecs.Cluster(
            `${name}-cluster`,
            {
                name: resourceName([system.name, system.environment]),
                settings: [{ name: "containerInsights", value: "enabled" }],
                tags: awsTags(system, "service"),
            },
            { parent: this, provider },
        );

        const edge = new AwsEdge(
            `${name}-edge`,
            {
                system,
                vpcId: network.vpcId,
                publicSubnetIds: network.publicSubnetIds,
                securityGroupId: network.albSecurityGroupId,
                logsKmsKeyArn: keys.logsKeyArn,
                certificateArn: settings.certificateArn || undefined,
                staticOrigins: Object.fromEntries(Object.entries(bindings).flatMap(([k, b]) => (b.cdnOrigin ? [[k, b.cdnOrigin]] : []))),
                region,
            },
            child,
        );

        const services: Record<string, AwsService> = {};
        for (const svc of Object.values(system.services)) {
            const tg = edge.targetGroups[svc.name];
            services[svc.name] = new AwsService(
                `${name}-${svc.name}`,
                {
                    system,
                    service: svc,
                    clusterArn: cluster.arn,
                    clusterName: cluster.name,
                    subnetIds: network.privateSubnetIds,
                    securityGroupId: network.serviceSecurityGroupIds[svc.name],
                    logsKmsKeyArn: keys.logsKeyArn,
                    appSecretArns: appSecrets.arns,
                    appSecretsKmsKeyArn: keys.secretsKeyArn,
                    bindings,
                    ...(tg ? { loadBalancer: { targetGroupArn: tg.arn, targetGroupArnSuffix: tg.arnSuffix, loadBalancerArnSuffix: edge.loadBalancerArnSuffix } } : {}),
                },
                // ECS refuses a target group that no listener rule uses yet.
                { ...child, dependsOn: tg ? edge.ready : [] },
            );
        }

        new AwsAppAlarms(
            `${name}-app-alarms`,
            {
                system,
                alarmTopicArn: alarmTopic.topicArn,
                loadBalancerArnSuffix: edge.loadBalancerArnSuffix,
                targetGroupArnSuffixes: Object.fromEntries(Object.entries(edge.targetGroups).map(([k, tg]) => [k, tg.arnSuffix])),
                clusterName: cluster.name,
                serviceNames: Object.fromEntries(Object.entries(services).map(([k, s]) => [k, s.serviceName])),
            },
            child,
        );

        // No service discovery: a routed web service is reached through the edge at its path; others by ECS service name.
        const routePath = (svc: string) => system.edge.routes.find((r) => r.service === svc)?.path;
        this.outputs = {
            publicUrl: edge.publicUrl,
            services: Object.fromEntries(
                Object.entries(services).map(([k, s]) => {
                    const path = routePath(k);
                    return [k, path ? pulumi.interpolate`${edge.publicUrl}${path === "/" ? "" : path}` : s.serviceName];
                }),
            ),
            datastores: Object.fromEntries(Object.entries(bindings).map(([k, b]) => [k, b.outputs])),
            platform: {
                albDnsName: edge.albDnsName,
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
