/**
 * The AWS data tier of a system: every datastore of the spec as its managed service (RDS,
 * DocumentDB, ElastiCache, SQS, S3), the customer KMS keys, AWS Backup with cross-region copies,
 * the DR site where `recovery.crossRegion` asks for one, and for each datastore the binding the app
 * tier wires into the services that use it (environment, ECS secrets, task-role statements).
 *
 * Before anything is created the spec's recovery objectives are checked against what AWS can
 * guarantee (`recoveryProblems`): a spec whose RPO the platform cannot meet is refused.
 *
 * Queues and Celery: specs that declare `queues` get SQS. The MDC preset declares none and runs
 * Celery's broker on its Redis cache (ElastiCache) as its seed does; see queue.ts for why.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { CONTINUOUS_BACKUP_MINUTES } from "../../conventions/cron";
import { MANAGED_BY } from "../shared/naming";
import { AwsBackup } from "./backup";
import type { AwsDataArgs, AwsDatastoreBinding } from "./contract";
import { AwsDrSite } from "./dr";
import { AwsKms } from "./kms";
import { provisionAws, type AwsProvisionContext } from "./provisioners";
import type { Problem } from "../../conventions/problems";
import type { PlatformSettings, SystemPlan } from "../../plan";

/** The shortest RPO AWS guarantees: RDS and DocumentDB restore to at most 5 minutes before the latest restorable time. */
export const MIN_RPO_MINUTES = CONTINUOUS_BACKUP_MINUTES;

/**
 * Why AWS cannot meet the spec's recovery objectives, one message per problem (empty when it can):
 * an RPO under 5 minutes; a database whose backups are further apart than the RPO and that has no
 * point-in-time recovery; `recovery.crossRegion` without `tierform:drRegion` (or the DR region
 * being the primary one); a DocumentDB database under `crossRegion`, whose regional RPO is the
 * interval of its cross-region backup copies. Each database's worst gap and achievable RPO are its
 * backup plan's (plan/backup.ts), never derived here.
 */
export function recoveryProblems(
    plan: Pick<SystemPlan, "recovery" | "backups">,
    settings: Pick<PlatformSettings, "drRegion">,
    primaryRegion?: string,
): Problem[] {
    const problems: Problem[] = [];
    const add = (where: string, message: string) => problems.push({ where, message });
    const rpo = plan.recovery.rpoMinutes;
    for (const backup of plan.backups) {
        const db = backup.database;
        if (rpo < MIN_RPO_MINUTES) {
            add(
                "recovery.rpoMinutes",
                `recovery.rpoMinutes is ${rpo}, but databases.${db} cannot be recovered to less than ${MIN_RPO_MINUTES} minutes before a failure on AWS (point-in-time recovery's granularity); set recovery.rpoMinutes to ${MIN_RPO_MINUTES} or more`,
            );
            continue;
        }
        const achievable = backup.achievableRpoMinutes;
        if (achievable > rpo) {
            const schedules = backup.schedules.map((s) => `'${s}'`).join(" and ");
            add(
                `databases.${db}.backup`,
                `recovery.rpoMinutes is ${rpo}, but databases.${db} is backed up only every ${achievable} minutes at worst (${schedules}) and has no point-in-time recovery; set databases.${db}.backup.pointInTime: true, or a backup.incrementalSchedule at least every ${rpo} minutes`,
            );
        }
        if (plan.recovery.crossRegion && backup.engine === "mongodb") {
            const copies = backup.worstGapMinutes;
            if (copies > rpo) {
                add(
                    `databases.${db}.backup`,
                    `recovery.rpoMinutes is ${rpo} with recovery.crossRegion, but databases.${db} (DocumentDB) reaches the DR region only through backup copies every ${copies} minutes; raise recovery.rpoMinutes to ${copies} or add a backup.incrementalSchedule at least every ${rpo} minutes`,
                );
            }
        }
    }
    if (plan.recovery.crossRegion) {
        if (!settings.drRegion)
            add(
                "tierform:drRegion",
                "recovery.crossRegion is set, but tierform:drRegion is empty; set it to the region for replicas and backup copies (e.g. us-west-2)",
            );
        else if (primaryRegion && settings.drRegion === primaryRegion)
            add("tierform:drRegion", `recovery.crossRegion is set, but tierform:drRegion (${settings.drRegion}) is the stack's own region`);
    }
    return problems;
}

/**
 * Where off-site backup copies go without a DR site: a provider for `region` and a customer key
 * there (the vault itself is the backup component's `drVault`).
 */
function offsiteVaultTarget(
    name: string,
    system: SystemPlan,
    region: string,
    opts: pulumi.ComponentResourceOptions,
): { provider: aws.Provider; kmsKeyArn: pulumi.Output<string> } {
    const provider = new aws.Provider(
        name,
        {
            region: region as aws.Region,
            defaultTags: { tags: { system: system.name, environment: system.environment, "managed-by": MANAGED_BY } },
        },
        { parent: opts.parent },
    );
    const kms = new AwsKms(
        `${name}-key`,
        { system, purpose: "offsite-backups", region },
        { parent: opts.parent, providers: { aws: provider } },
    );
    return { provider, kmsKeyArn: kms.arn };
}

/** Whether anything of the system is backed up by AWS Backup: a database or a file share. */
const backsUp = (args: AwsDataArgs) => args.plan.backups.length + (args.fileSystemArns ?? []).length > 0;

/** The DR site, where `recovery.crossRegion` asks for one (and tierform:drRegion names its region). */
function createDrSite(args: AwsDataArgs, opts: pulumi.ComponentResourceOptions): AwsDrSite | undefined {
    const { plan, settings } = args;
    return plan.recovery.crossRegion && settings.drRegion ? new AwsDrSite(`${plan.name}-dr`, { system: plan, settings }, opts) : undefined;
}

/**
 * The system's AWS Backup (vault, plans per database and for the file shares, notifications), with
 * copies to the DR site's vault, or, in prod without a DR site, to an off-site vault in
 * tierform:drRegion (AuroMart's "encrypted, off-site" backups): a region apart from the data,
 * under its own key.
 */
function createBackup(
    args: AwsDataArgs,
    kmsKeyArn: pulumi.Input<string>,
    drSite: AwsDrSite | undefined,
    opts: pulumi.ComponentResourceOptions,
): AwsBackup | undefined {
    const { plan, settings } = args;
    if (!backsUp(args)) return undefined;
    const offsite =
        !drSite && plan.profile.deletionProtection && settings.drRegion
            ? offsiteVaultTarget(`${plan.name}-offsite`, plan, settings.drRegion, opts)
            : undefined;
    const fileSystemArns = args.fileSystemArns ?? [];
    if (fileSystemArns.length > 0 && !plan.fileShareBackup)
        throw new Error(`${plan.name}: file systems to back up, but the plan has no file shares`);
    return new AwsBackup(
        `${plan.name}-backup`,
        {
            system: plan,
            backups: plan.backups,
            ...(plan.fileShareBackup ? { fileShares: { fileSystemArns, backup: plan.fileShareBackup } } : {}),
            kmsKeyArn,
            alarmTopicArn: args.alarmTopicArn,
            dr: drSite ? { provider: drSite.provider, kmsKeyArn: drSite.kms.arn } : offsite,
        },
        opts,
    );
}

/**
 * The data tier's shared parts, which every datastore's provisioner builds with: the data key, the
 * DR site, the backups; returned as the provisioners' context. Undefined (nothing created) when the
 * system has no datastore and nothing to back up. `createDataTier` runs it and then every
 * provisioner; the AWS system does the same as separate parts (parts.ts: `data-tier`, then one
 * `datastore` part each).
 */
export function createDataContext(args: AwsDataArgs, opts: pulumi.ComponentResourceOptions): AwsProvisionContext | undefined {
    const { plan } = args;
    if (Object.keys(plan.datastores).length === 0 && !backsUp(args)) return undefined;
    const kms = new AwsKms(`${plan.name}-data`, { system: plan, purpose: "data" }, opts);
    const drSite = createDrSite(args, opts);
    const backup = createBackup(args, kms.arn, drSite, opts);
    return {
        plan,
        network: args.network,
        kmsKeyArn: kms.arn,
        alarmTopicArn: args.alarmTopicArn,
        logsKmsKeyArn: args.logsKmsKeyArn,
        ...(drSite ? { drSite } : {}),
        ...(backup ? { backup } : {}),
        ...(args.cdnDistributionArn ? { cdnDistributionArn: args.cdnDistributionArn } : {}),
        opts,
        shared: {},
    };
}

/**
 * Create the data tier of `args.plan` and return each datastore's binding by name: the data key,
 * the DR site, the backups (`createDataContext`), then each datastore of the plan by its kind's provisioner
 * (provisioners.ts), in the plan's order. Recovery objectives it cannot meet (`recoveryProblems`)
 * were refused before any resource, by the one refusal path (deploy.ts via the AWS
 * platform's problems()).
 */
export function createDataTier(args: AwsDataArgs, opts: pulumi.ComponentResourceOptions): Record<string, AwsDatastoreBinding> {
    const bindings: Record<string, AwsDatastoreBinding> = {};
    const ctx = createDataContext(args, opts);
    if (!ctx) return bindings;
    for (const d of Object.values(args.plan.datastores)) bindings[d.name] = provisionAws(d, ctx);
    return bindings;
}
