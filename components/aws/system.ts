/**
 * The whole system on AWS. First `awsProblems` refuses, before anything is registered, what AWS
 * cannot build from the spec. Then an explicit provider whose default tags mark every taggable
 * resource (`system`, `environment`, `managed-by`; each resource adds its `tier`), and, in one loop
 * over the plan's parts (parts.ts `awsParts`), in order of need: KMS keys (logs, secrets) → network
 * → alarm topic → file shares (EFS) → data tier (data key, DR site, backups, then each datastore) →
 * application secrets → ECS cluster → edge (load balancer, target groups and listener rules must
 * exist before a service attaches to them) → rollout hook → image cache → services → application
 * alarms → datastore alarms → observability (error-line filters, saved queries).
 *
 * One loop is broken with a deferred output: CloudFront serves the data tier's `static` buckets, so
 * the distribution comes after them, yet their key and bucket policies must name the distribution.
 * The data tier receives its ARN as a `pulumi.deferredOutput` (parts.ts `AwsBuilt.cdnDistribution`)
 * that the edge part resolves; only those policies wait for it.
 *
 * `awsEdgeArgs` and `AwsEdgeSources` live in edge.ts and are re-exported here for the EKS placement.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { PlatformSystem, PlatformSystemArgs, SystemOutputs } from "../contract";
import type { PlatformModule } from "../platform";
import { datastoreOutputs } from "../shared/binding";
import { exportsTraces } from "../../plan";
import { MANAGED_BY } from "../shared/naming";
import { backupProblems } from "./backup";
import { bucketProblems } from "./object-store";
import { recoveryProblems } from "./data";
import { edgeProblems } from "./edge";
import { isPlaceholderDomain } from "./edge/dns";
import { fileShareProblems } from "./files";
import { networkProblems } from "./network";
import { internetHttpsReason } from "./network/endpoints";
import { awsParts, buildPart, nothingBuilt, type AwsBuilt } from "./parts";
import { serviceProblems, shiftsTraffic } from "./service";
import type { Problem } from "../../conventions/problems";
import type { PlatformSettings, SystemPlan } from "../../plan";

export { awsEdgeArgs, type AwsEdgeSources } from "./edge";

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
        // Keys, network, alarm topic, shares, data tier, secrets, cluster, edge, rollout hook, image cache, services, alarms, observability: parts.ts.
        const built = nothingBuilt(name, plan, settings, this, provider);
        for (const part of awsParts(plan, settings)) buildPart(part, built);
        this.outputs = systemOutputs(built);
        this.registerOutputs({ publicUrl: this.outputs.publicUrl, platform: this.outputs.platform });
    }
}

/**
 * The system's outputs from what its parts built. No service discovery: a routed web service is
 * reached through the edge at its path (a route for private networks only through the internal
 * load balancer, `internal.<domain>`); others by ECS service name.
 */
function systemOutputs(built: AwsBuilt): SystemOutputs {
    const { plan, edge, cluster, network, alarmTopic, services, bindings } = built;
    if (!edge || !cluster || !network || !alarmTopic)
        throw new Error(`${plan.name}: the edge, cluster, network and alarm topic are always built (awsParts)`);
    const routeOf = (svc: string) => plan.routes.find((r) => r.service === svc);
    return {
        publicUrl: edge.publicUrl,
        services: Object.fromEntries(
            Object.entries(services).map(([k, s]) => {
                const route = routeOf(k);
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
