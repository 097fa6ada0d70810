/**
 * Stack policies: what one resource cannot tell. Every database has a backup; every public entry
 * point is behind TLS (and WAF on AWS); every service is isolated by a NetworkPolicy, an internal
 * network or a security group not open to the world; monitoring alerts exist; load-balanced
 * services keep two replicas. Each platform's branch looks only at that platform's resources, so a
 * policy never fires on another platform's stack.
 */
import type { PolicyResource, ReportViolation, StackValidationArgs } from "@pulumi/policy";
import { CONTINUOUS_BACKUP_MINUTES, describeInterval, maxGapMinutes as maxIntervalMinutes } from "../../conventions/cron";
import {
    type ConfigOf,
    DATA_TIERS,
    declaredRecovery,
    dependsOn,
    dockerLabels,
    dockerTier,
    ingressRulesOf,
    isOneShot,
    K8S_WORKLOADS,
    namespaceOf,
    parseJsonish,
    platformOf,
    type Platform,
    podLabelsOf,
    podSpecOf,
    containersOf,
    retentionDays,
    S3_BUCKETS,
    selects,
    SG_RULE_TYPES,
    setting,
    splitEnvs,
    stackPolicy,
    WORLD,
} from "./util";
import { DOCKER_LABEL, K8S_ANNOTATION, RESTORE_TEST_KIND } from "../../conventions/labels";
import { BARMAN_OBJECT_STORE, barmanArchiver } from "./kubernetes";

const ofType = (rs: PolicyResource[], ...types: string[]) => rs.filter((r) => types.includes(r.type));
const label = (r: PolicyResource) => `${r.type.split(":").pop()} '${r.name}'`;

/**
 * Run the branch of each platform present in the stack, with the stack's resources; not
 * applicable (for `otherwise`, or because none of the branches' platforms is there) when no branch runs.
 */
function perPlatform(args: StackValidationArgs, branches: Partial<Record<Platform, (rs: PolicyResource[]) => void>>, otherwise?: string) {
    const present = new Set(args.resources.map((r) => platformOf(r.type)));
    const run = (Object.keys(branches) as Platform[]).filter((p) => present.has(p));
    if (run.length === 0) args.notApplicable(otherwise ?? `no ${Object.keys(branches).join(", ")} resources in this stack`);
    for (const p of run) branches[p]!(args.resources);
}

// ---------- backups ----------

const backupSchema = {
    properties: {
        minRetentionDays: setting.integer(7, "Smallest backup retention in days a backup job must declare.", 1),
        maxIntervalMinutes: setting.integer(
            1440,
            "Longest gap between two backups (the RPO) when the resources do not declare the spec's rpo-minutes.",
            1,
        ),
    },
};
type BackupLimits = ConfigOf<typeof backupSchema>;

/** One backup run of a database as its platform declares it. */
interface BackupRun {
    /** How messages name it, e.g. "backup CronJob 'db-backup-full'". */
    where: string;
    urn: string;
    /** The cron schedules it runs on (Docker's loop may run a full and an incremental schedule). */
    schedules: string[];
    /** Continuous archiving (CloudNativePG WAL archive) meets an RPO of a few minutes whatever the schedule. */
    continuous?: boolean;
    /** The retention in days it declares (label, annotation, env or the resource's own setting). */
    retention?: number;
    /** The days after which its script deletes a dump, as the renderer that wrote the script labels it (`tierform.backup.prune-days`, `tierform.io/prune-days`). */
    prunes?: number;
}

/** Retention days a backup job declares: a label or annotation named like *retention*, or an env var RETENTION*. */
export function declaredRetention(envs: Array<[string, string]>, labels: Record<string, string>): number | undefined {
    for (const [k, v] of Object.entries(labels)) if (/retention/i.test(k) && retentionDays(v) !== undefined) return retentionDays(v);
    for (const [k, v] of envs) if (/RETENTION/i.test(k) && retentionDays(v) !== undefined) return retentionDays(v);
    return undefined;
}

/** Every schedule a backup job declares: labels or env vars named like SCHEDULE or CRON (full and incremental). */
function declaredSchedules(envs: Array<[string, string]>, labels: Record<string, string>): string[] {
    return [...Object.entries(labels), ...envs].filter(([k]) => /schedule|cron/i.test(k)).map(([, v]) => v);
}

/**
 * Check a database's backup runs: each keeps at least the configured retention and prunes no
 * sooner than it declares; together they run often enough for the RPO, which is the spec's
 * `rpo-minutes` where the resources carry it, capped by the stack's `maxIntervalMinutes`.
 */
function checkBackupRuns(
    db: PolicyResource,
    runs: BackupRun[],
    rpoMinutes: number | undefined,
    limits: BackupLimits,
    report: ReportViolation,
) {
    let best = Infinity;
    let readable = false;
    for (const run of runs) {
        const retention = run.retention ?? run.prunes;
        if (retention === undefined)
            report(`${run.where} declares no retention (a retention label or annotation, or env RETENTION_DAYS)`, run.urn);
        else if (retention < limits.minRetentionDays)
            report(`${run.where} keeps backups ${retention} days (at least ${limits.minRetentionDays})`, run.urn);
        if (run.prunes !== undefined && retention !== undefined && run.prunes < retention)
            report(`${run.where} prunes backups after ${run.prunes} days although it declares ${retention}`, run.urn);
        if (run.schedules.length === 0 && !run.continuous) report(`${run.where} declares no schedule`, run.urn);
        for (const schedule of run.schedules) {
            const gap = maxIntervalMinutes(schedule);
            if (gap === undefined) report(`${run.where} has an unreadable schedule '${schedule}'`, run.urn);
            else [best, readable] = [Math.min(best, gap), true];
        }
        if (run.continuous) [best, readable] = [Math.min(best, CONTINUOUS_BACKUP_MINUTES), true];
    }
    const limit = Math.min(limits.maxIntervalMinutes, rpoMinutes ?? Infinity);
    const source = rpoMinutes !== undefined && rpoMinutes <= limits.maxIntervalMinutes ? "the spec's RPO (rpo-minutes)" : "the RPO";
    if (readable && best > limit)
        report(`${label(db)} is backed up ${describeInterval(best)} at best; ${source} needs every ${limit} min`, db.urn);
}

/** A positive whole number of days a label or annotation states, else undefined. */
function labelledDays(value: string | undefined): number | undefined {
    const n = Number(value);
    return value !== undefined && Number.isInteger(n) && n > 0 ? n : undefined;
}

function dockerBackups(rs: PolicyResource[], limits: BackupLimits, report: ReportViolation) {
    const containers = ofType(rs, "docker:index/container:Container");
    const backups = containers.filter((c) => dockerTier(c.props) === "backup" && !isOneShot(c.props));
    for (const db of containers.filter((c) => dockerTier(c.props) === "database")) {
        const name = dockerLabels(db.props)[DOCKER_LABEL.datastore];
        if (!name) {
            report(`database container '${db.name}' has no tierform.datastore label, so its backup cannot be found`, db.urn);
            continue;
        }
        const mine = backups.filter((b) => dockerLabels(b.props)[DOCKER_LABEL.datastore] === name);
        if (mine.length === 0)
            report(`database '${name}' has no backup container (tierform.tier=backup, tierform.datastore=${name})`, db.urn);
        const runs = mine.map((b) => {
            const envs = splitEnvs(b.props.envs);
            const labels = dockerLabels(b.props);
            return {
                where: `backup container '${b.name}'`,
                urn: b.urn,
                schedules: declaredSchedules(envs, labels),
                retention: declaredRetention(envs, labels),
                prunes: labelledDays(labels[DOCKER_LABEL.backupPruneDays]),
            };
        });
        const { rpoMinutes } = declaredRecovery(dockerLabels(db.props), ...mine.map((b) => dockerLabels(b.props)));
        checkBackupRuns(db, runs, rpoMinutes, limits, report);
    }
}

const k8sLabels = (r: PolicyResource): Record<string, string> => ({ ...(r.props?.metadata?.labels ?? {}) });
const k8sLabelsAndAnnotations = (r: PolicyResource): Record<string, string> => ({
    ...k8sLabels(r),
    ...(r.props?.metadata?.annotations ?? {}),
});
const CNPG = "kubernetes:postgresql.cnpg.io/v1:Cluster";

/**
 * How a CloudNativePG cluster archives WAL continuously, and the retention it keeps: the Barman
 * Cloud plugin as WAL archiver with the `ObjectStore` it names (`parameters.barmanObjectName`, same
 * namespace) and that store's `retentionPolicy`; a plugin naming no store of the stack archives
 * nothing. Else the in-tree `backup.barmanObjectStore` and `backup.retentionPolicy` (deprecated,
 * removed in operator 1.31).
 */
function walArchive(cluster: PolicyResource, stores: PolicyResource[]): { continuous: boolean; retentionPolicy?: string } {
    const plugin = barmanArchiver(cluster.props);
    if (plugin) {
        const store = stores.find(
            (o) => namespaceOf(o) === namespaceOf(cluster) && o.props?.metadata?.name === plugin.parameters?.barmanObjectName,
        );
        return { continuous: !!store, retentionPolicy: store?.props?.spec?.retentionPolicy };
    }
    const backup = cluster.props?.spec?.backup;
    return { continuous: !!backup?.barmanObjectStore, retentionPolicy: backup?.retentionPolicy };
}

function kubernetesBackups(rs: PolicyResource[], limits: BackupLimits, report: ReportViolation) {
    const cronJobs = ofType(rs, "kubernetes:batch/v1:CronJob");
    const scheduled = ofType(rs, "kubernetes:postgresql.cnpg.io/v1:ScheduledBackup");
    const stores = ofType(rs, BARMAN_OBJECT_STORE);
    const databases = [
        ...ofType(rs, CNPG),
        ...ofType(rs, "kubernetes:apps/v1:StatefulSet").filter(
            (s) =>
                (k8sLabels(s)["app.kubernetes.io/component"] ?? podLabelsOf(s.type, s.props)["app.kubernetes.io/component"]) === "database",
        ),
    ];
    for (const db of databases) {
        const ns = namespaceOf(db);
        const names = [db.props?.metadata?.name, k8sLabels(db)["app.kubernetes.io/name"], db.name].filter((n): n is string => !!n);
        const sb = scheduled.filter((s) => namespaceOf(s) === ns && names.includes(s.props?.spec?.cluster?.name));
        const jobs = cronJobs.filter(
            (j) =>
                namespaceOf(j) === ns &&
                k8sLabels(j)["app.kubernetes.io/component"] !== "database" &&
                k8sLabelsAndAnnotations(j)[K8S_ANNOTATION.backupKind] !== RESTORE_TEST_KIND &&
                names.some((n) => JSON.stringify(j.props ?? {}).includes(n)),
        );
        if (sb.length === 0 && jobs.length === 0)
            report(`database ${label(db)} has no backup CronJob or ScheduledBackup in namespace ${ns}`, db.urn);
        const archive = walArchive(db, stores);
        const runs: BackupRun[] = [
            ...sb.map((s) => ({
                where: `ScheduledBackup '${s.name}'`,
                urn: s.urn,
                schedules: s.props?.spec?.schedule ? [s.props.spec.schedule] : [],
                continuous: archive.continuous,
                retention: retentionDays(archive.retentionPolicy),
            })),
            ...jobs.map((j) => {
                const envs = containersOf(podSpecOf(j.type, j.props)).flatMap(({ c }) =>
                    (c.env ?? []).map((e: any) => [String(e.name), String(e.value ?? "")] as [string, string]),
                );
                const schedules = j.props?.spec?.schedule ? [j.props.spec.schedule] : [];
                return {
                    where: `backup CronJob '${j.name}'`,
                    urn: j.urn,
                    schedules,
                    retention: declaredRetention(envs, k8sLabelsAndAnnotations(j)),
                    prunes: labelledDays(k8sLabelsAndAnnotations(j)[K8S_ANNOTATION.pruneDays]),
                };
            }),
        ];
        const { rpoMinutes } = declaredRecovery(
            k8sLabelsAndAnnotations(db),
            ...sb.map(k8sLabelsAndAnnotations),
            ...jobs.map(k8sLabelsAndAnnotations),
        );
        checkBackupRuns(db, runs, rpoMinutes, limits, report);
    }
}

const AWS_DATABASES = ["aws:rds/instance:Instance", "aws:rds/cluster:Cluster", "aws:docdb/cluster:Cluster"];

function awsBackups(rs: PolicyResource[], report: ReportViolation) {
    const selections = ofType(rs, "aws:backup/selection:Selection");
    for (const db of ofType(rs, ...AWS_DATABASES)) {
        if (db.props?.replicateSourceDb) continue;
        const automated = Number(db.props?.backupRetentionPeriod ?? 0) > 0;
        const tags: Record<string, string> = db.props?.tags ?? {};
        const selected = selections.some(
            (s) =>
                dependsOn(s, db) ||
                (db.props?.arn && (s.props?.resources ?? []).includes(db.props.arn)) ||
                (s.props?.resources ?? []).includes("*") ||
                (s.props?.selectionTags ?? []).some((t: any) => t.type === "STRINGEQUALS" && tags[t.key] === t.value),
        );
        if (!automated && !selected)
            report(`database ${label(db)} has neither automated backups (backupRetentionPeriod > 0) nor an AWS Backup selection`, db.urn);
    }
}

/** Every database has a backup. */
export const datastoreBackups = stackPolicy({
    name: "datastore-backups",
    description:
        "Every database has a backup that keeps at least the configured retention, prunes no sooner than it declares, and runs within the RPO (the spec's, where the resources carry an rpo-minutes label, annotation or tag; else the configured maxIntervalMinutes): on Docker a backup container labelled with the database's tierform.datastore; on Kubernetes a CronJob or CloudNativePG ScheduledBackup (WAL archiving counts as continuous) in the database's namespace; on AWS automated backups or an AWS Backup selection (retention and schedule: aws-backup-plan, aws-database-backup-retention).",
    group: "reliability",
    platforms: ["docker", "kubernetes", "aws"],
    checklist: ["backups"],
    sources: ["seeds 000-004 Backup Strategy", "awsguard rds-instance-backup-enabled"],
    configSchema: backupSchema,
    validate: (args, report, limits) =>
        perPlatform(args, {
            docker: (rs) => dockerBackups(rs, limits, report),
            kubernetes: (rs) => kubernetesBackups(rs, limits, report),
            aws: (rs) => awsBackups(rs, report),
        }),
});

// ---------- public entry points ----------

/** Every public entry point behind TLS (and WAF on AWS). */
export const publicEntryPoints = stackPolicy({
    name: "public-entry-tls-waf",
    description:
        "Every public entry point terminates TLS with a certificate the program provides: on Docker only the edge container publishes ports; on Kubernetes every Gateway has an HTTPS listener whose certificate Secret the program creates or cert-manager issues, and a BackendTrafficPolicy (rate limit) targeting it; on AWS every internet-facing load balancer has an HTTPS listener and a WAFv2 web ACL association.",
    group: "security",
    platforms: ["docker", "kubernetes", "aws"],
    checklist: ["mdc-ssl-certificates", "https-enforcement", "waf", "mdc-ddos-protection"],
    sources: ["seed 003 WAF + HTTPS termination", "seed 004 SSL termination", "Checkov CKV2_AWS_28 (ALB behind WAF)"],
    validate: (args, report) =>
        perPlatform(args, {
            docker: (rs) => {
                for (const c of ofType(rs, "docker:index/container:Container")) {
                    const published = (c.props?.ports ?? []).filter((p: any) => p.external !== undefined || p.ip !== undefined);
                    if ((published.length > 0 || c.props?.publishAllPorts === true) && dockerTier(c.props) !== "edge")
                        report(
                            `container '${c.name}' (tier ${dockerTier(c.props) ?? "unlabelled"}) publishes ports; only the edge may`,
                            c.urn,
                        );
                }
            },
            kubernetes: (rs) => {
                const secrets = ofType(rs, "kubernetes:core/v1:Secret").map((s) => s.props?.metadata?.name);
                const certs = ofType(rs, "kubernetes:cert-manager.io/v1:Certificate").map((c) => c.props?.spec?.secretName);
                const targets = (type: string) =>
                    ofType(rs, type).flatMap((p) =>
                        (p.props?.spec?.targetRefs ?? []).filter((t: any) => t.kind === "Gateway").map((t: any) => t.name),
                    );
                const limited = targets("kubernetes:gateway.envoyproxy.io/v1alpha1:BackendTrafficPolicy");
                for (const gw of ofType(rs, "kubernetes:gateway.networking.k8s.io/v1:Gateway")) {
                    const name = gw.props?.metadata?.name;
                    const https = (gw.props?.spec?.listeners ?? []).filter((l: any) => l.protocol === "HTTPS");
                    if (https.length === 0) report(`Gateway '${gw.name}' serves no TLS`, gw.urn);
                    for (const ref of https.flatMap((l: any) => l.tls?.certificateRefs ?? [])) {
                        if (!secrets.includes(ref.name) && !certs.includes(ref.name))
                            report(
                                `Gateway '${gw.name}' uses TLS secret '${ref.name}' that neither the program nor cert-manager provides`,
                                gw.urn,
                            );
                    }
                    if (!limited.includes(name))
                        report(`Gateway '${gw.name}' has no BackendTrafficPolicy (rate limit) targeting it`, gw.urn);
                }
            },
            aws: (rs) => {
                const listeners = ofType(rs, "aws:lb/listener:Listener");
                const assocs = ofType(rs, "aws:wafv2/webAclAssociation:WebAclAssociation");
                for (const lb of ofType(rs, "aws:lb/loadBalancer:LoadBalancer")) {
                    if (lb.props?.internal === true || (lb.props?.loadBalancerType ?? "application") !== "application") continue;
                    const mine = listeners.filter((l) => dependsOn(l, lb));
                    if (!mine.some((l) => String(l.props?.protocol).toUpperCase() === "HTTPS"))
                        report(`internet-facing load balancer '${lb.name}' has no HTTPS listener`, lb.urn);
                    if (!assocs.some((a) => dependsOn(a, lb) || (lb.props?.arn && a.props?.resourceArn === lb.props.arn)))
                        report(`internet-facing load balancer '${lb.name}' is not associated with a WAFv2 web ACL`, lb.urn);
                }
            },
        }),
});

/**
 * A blue-green's new version is not open to the internet before the switch: an HTTPRoute that sends to a Rollout's
 * previewService (tierform's `edge-<service>-preview`, components/kubernetes/preview.ts, or one a user adds) must be the
 * target of a SecurityPolicy that denies by default and allows only named client ranges.
 */
export const k8sPreviewRouteRestricted = stackPolicy({
    name: "k8s-preview-route-restricted",
    description:
        "Every HTTPRoute that sends requests to a blue-green's preview Service (an Argo Rollouts Rollout's previewService in its namespace) is the target of an Envoy Gateway SecurityPolicy whose authorization denies by default and whose every Allow rule names client ranges (clientCIDRs), none 0.0.0.0/0 or ::/0: the new version is not open to the internet before the switch.",
    group: "security",
    platforms: ["kubernetes"],
    sources: ["Envoy Gateway SecurityPolicy authorization (defaultAction, clientCIDRs)", "Argo Rollouts blue-green previewService"],
    validate: (args, report) =>
        perPlatform(args, {
            kubernetes: (rs) => {
                const nsName = (r: PolicyResource) => `${r.props?.metadata?.namespace}/${r.props?.metadata?.name}`;
                const previews = new Set(
                    ofType(rs, "kubernetes:argoproj.io/v1alpha1:Rollout").flatMap((r) => {
                        const service = r.props?.spec?.strategy?.blueGreen?.previewService;
                        return service ? [`${r.props?.metadata?.namespace}/${service}`] : [];
                    }),
                );
                const policies = ofType(rs, "kubernetes:gateway.envoyproxy.io/v1alpha1:SecurityPolicy");
                for (const route of ofType(rs, "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute")) {
                    const ns = route.props?.metadata?.namespace;
                    const name = route.props?.metadata?.name;
                    const preview = (route.props?.spec?.rules ?? [])
                        .flatMap((rule: any) => rule.backendRefs ?? [])
                        .map((b: any) => String(b.name))
                        .find((b: string) => previews.has(`${ns}/${b}`));
                    if (!preview) continue;
                    const guards = policies.filter(
                        (p) =>
                            p.props?.metadata?.namespace === ns &&
                            (p.props?.spec?.targetRefs ?? []).some((t: any) => t.kind === "HTTPRoute" && t.name === name),
                    );
                    if (guards.length === 0)
                        report(
                            `HTTPRoute '${nsName(route)}' sends to the preview Service '${preview}' and no SecurityPolicy restricts it: the new version is open before the switch`,
                            route.urn,
                        );
                    for (const p of guards) {
                        const a = p.props?.spec?.authorization;
                        // Envoy Gateway's Authorization.defaultAction: "If not specified, the default action is Deny".
                        if (!a || (a.defaultAction ?? "Deny") !== "Deny")
                            report(`SecurityPolicy '${nsName(p)}' on preview route '${name}' does not deny by default`, p.urn);
                        (a?.rules ?? []).forEach((rule: any, i: number) => {
                            if (rule.action !== "Allow") return;
                            const cidrs: string[] = rule.principal?.clientCIDRs ?? [];
                            if (cidrs.length === 0)
                                report(`SecurityPolicy '${nsName(p)}' rule ${i} allows clients by no address range`, p.urn);
                            const world = cidrs.filter((c) => WORLD.includes(c));
                            if (world.length > 0)
                                report(`SecurityPolicy '${nsName(p)}' rule ${i} allows ${world.join(", ")} to the preview`, p.urn);
                        });
                    }
                }
            },
        }),
});

/** On AWS without CloudFront, the ALB's HTTPS listeners add the security headers. */
export const awsAlbSecurityHeaders = stackPolicy({
    name: "aws-alb-security-headers",
    description:
        "When no CloudFront distribution (with its response headers policy) fronts the stack, every HTTPS listener of an internet-facing load balancer sets Strict-Transport-Security, X-Frame-Options and X-Content-Type-Options response headers.",
    group: "security",
    platforms: ["aws"],
    checklist: ["mdc-security-headers"],
    sources: ["seed 001 security headers", "ALB response header modification"],
    validate: (args, report) => {
        const rs = ofType(
            args.resources,
            "aws:cloudfront/distribution:Distribution",
            "aws:lb/loadBalancer:LoadBalancer",
            "aws:lb/listener:Listener",
        );
        if (rs.length === 0) args.notApplicable("no AWS edge in this stack");
        if (ofType(rs, "aws:cloudfront/distribution:Distribution").length > 0) return;
        for (const lb of ofType(rs, "aws:lb/loadBalancer:LoadBalancer").filter((l) => l.props?.internal !== true)) {
            for (const l of ofType(rs, "aws:lb/listener:Listener").filter(
                (x) => dependsOn(x, lb) && String(x.props?.protocol).toUpperCase() === "HTTPS",
            )) {
                const p = l.props ?? {};
                if (!p.routingHttpResponseStrictTransportSecurityHeaderValue)
                    report(`listener '${l.name}' sets no Strict-Transport-Security`, l.urn);
                if (!p.routingHttpResponseXFrameOptionsHeaderValue) report(`listener '${l.name}' sets no X-Frame-Options`, l.urn);
                if (!p.routingHttpResponseXContentTypeOptionsHeaderValue)
                    report(`listener '${l.name}' sets no X-Content-Type-Options`, l.urn);
            }
        }
    },
});

// ---------- isolation ----------

function sgWorldOpen(sg: PolicyResource, rs: PolicyResource[]): boolean {
    const rules = [
        sg,
        ...rs.filter((r) => SG_RULE_TYPES.includes(r.type) && r.type !== "aws:ec2/securityGroup:SecurityGroup" && dependsOn(r, sg)),
    ];
    return rules.some((r) => ingressRulesOf(r.type, r.props).some((i) => i.cidrs.some((c) => WORLD.includes(c))));
}

/** Every service isolated. */
export const serviceIsolation = stackPolicy({
    name: "service-isolation",
    description:
        "Every service is isolated: on Docker datastore containers sit only on internal networks; on Kubernetes every workload is selected by a NetworkPolicy and each namespace has a default-deny ingress policy; on AWS every ECS service has security groups and none admits 0.0.0.0/0.",
    group: "security",
    platforms: ["docker", "kubernetes", "aws"],
    checklist: ["network-segmentation", "mdc-firewall-rules", "port-restrictions"],
    sources: ["seed 002 Network policies / security groups", "kube-score pod-networkpolicy", "CIS Docker 5.29 (not the default bridge)"],
    validate: (args, report) =>
        perPlatform(args, {
            docker: (rs) => {
                const networks = ofType(rs, "docker:index/network:Network");
                for (const c of ofType(rs, "docker:index/container:Container").filter((x) =>
                    DATA_TIERS.includes(dockerTier(x.props) ?? ""),
                )) {
                    const attached: any[] = c.props?.networksAdvanced ?? [];
                    if (c.props?.networkMode === "none") continue;
                    if (attached.length === 0)
                        report(`${dockerTier(c.props)} container '${c.name}' is on the default bridge network`, c.urn);
                    for (const a of attached) {
                        const net =
                            networks.find((n) => n.props?.name === a.name || n.name === a.name) ??
                            networks.find((n) => dependsOn(c, n) && (n.props?.name === undefined || n.props?.name === a.name));
                        if (!net)
                            report(
                                `${dockerTier(c.props)} container '${c.name}' is on network '${a.name}', which the program does not create`,
                                c.urn,
                            );
                        else if (net.props?.internal !== true)
                            report(`${dockerTier(c.props)} container '${c.name}' is on network '${a.name}', which is not internal`, c.urn);
                    }
                }
            },
            kubernetes: (rs) => {
                const policies = ofType(rs, "kubernetes:networking.k8s.io/v1:NetworkPolicy");
                const namespaces = new Set<string>();
                for (const w of ofType(rs, ...K8S_WORKLOADS)) {
                    const ns = namespaceOf(w);
                    namespaces.add(ns);
                    const labels = podLabelsOf(w.type, w.props);
                    if (!policies.some((p) => namespaceOf(p) === ns && selects(p.props?.spec?.podSelector ?? {}, labels)))
                        report(`${label(w)} is not selected by any NetworkPolicy`, w.urn);
                }
                for (const ns of namespaces) {
                    const deny = policies.some(
                        (p) =>
                            namespaceOf(p) === ns &&
                            Object.keys(p.props?.spec?.podSelector?.matchLabels ?? {}).length === 0 &&
                            (p.props?.spec?.podSelector?.matchExpressions ?? []).length === 0 &&
                            (p.props?.spec?.policyTypes ?? []).includes("Ingress") &&
                            (p.props?.spec?.ingress ?? []).length === 0,
                    );
                    if (!deny) report(`namespace '${ns}' has no default-deny ingress NetworkPolicy`);
                }
            },
            aws: (rs) => {
                const sgs = ofType(rs, "aws:ec2/securityGroup:SecurityGroup");
                for (const svc of ofType(rs, "aws:ecs/service:Service")) {
                    const mine = sgs.filter((sg) => dependsOn(svc, sg));
                    if ((svc.props?.networkConfiguration?.securityGroups ?? []).length === 0 && mine.length === 0)
                        report(`ECS service '${svc.name}' has no security group`, svc.urn);
                    for (const sg of mine)
                        if (sgWorldOpen(sg, rs))
                            report(`ECS service '${svc.name}' uses security group '${sg.name}', which admits 0.0.0.0/0`, svc.urn);
                }
            },
        }),
});

// ---------- monitoring ----------

/** Monitoring alerts exist. */
export const monitoringAlerts = stackPolicy({
    name: "monitoring-alerts",
    description:
        "Monitoring alerts are configured: on Kubernetes a ServiceMonitor and a PrometheusRule with at least one alert; on AWS CloudWatch alarms with actions, one on the load balancer's 5XX responses and one per database engine namespace. Docker relies on docker-healthcheck.",
    group: "security",
    platforms: ["kubernetes", "aws"],
    checklist: ["mdc-monitoring-alerts"],
    sources: ["seed 001 checklist 'Monitoring alerts configured'", "seed 002 ServiceMonitor", "seed 003 Prometheus alert rules"],
    validate: (args, report) =>
        perPlatform(
            args,
            {
                kubernetes: (rs) => {
                    if (ofType(rs, ...K8S_WORKLOADS).length === 0) return;
                    const rules = ofType(rs, "kubernetes:monitoring.coreos.com/v1:PrometheusRule");
                    const alerts = rules.flatMap((r) =>
                        (r.props?.spec?.groups ?? []).flatMap((g: any) => (g.rules ?? []).filter((x: any) => x.alert)),
                    );
                    if (alerts.length === 0) report("no PrometheusRule defines an alert");
                    if (
                        ofType(rs, "kubernetes:monitoring.coreos.com/v1:ServiceMonitor", "kubernetes:monitoring.coreos.com/v1:PodMonitor")
                            .length === 0
                    )
                        report("no ServiceMonitor or PodMonitor scrapes the services");
                },
                aws: (rs) => {
                    const alarms = ofType(rs, "aws:cloudwatch/metricAlarm:MetricAlarm");
                    const metricNames = (a: PolicyResource): string[] =>
                        [a.props?.metricName, ...(a.props?.metricQueries ?? []).map((q: any) => q.metric?.metricName)].filter(Boolean);
                    const namespaces = (a: PolicyResource): string[] =>
                        [a.props?.namespace, ...(a.props?.metricQueries ?? []).map((q: any) => q.metric?.namespace)].filter(Boolean);
                    if (!alarms.some((a) => (a.props?.alarmActions ?? []).length > 0)) report("no CloudWatch alarm notifies anyone");
                    if (
                        ofType(rs, "aws:lb/loadBalancer:LoadBalancer").length > 0 &&
                        !alarms.some((a) => metricNames(a).some((m) => /5XX/i.test(m)))
                    )
                        report("no alarm watches the load balancer's 5XX responses (HighErrorRate)");
                    if (
                        ofType(rs, "aws:rds/instance:Instance", "aws:rds/cluster:Cluster").length > 0 &&
                        !alarms.some((a) => namespaces(a).includes("AWS/RDS"))
                    )
                        report("no alarm watches the RDS databases");
                    if (ofType(rs, "aws:docdb/cluster:Cluster").length > 0 && !alarms.some((a) => namespaces(a).includes("AWS/DocDB")))
                        report("no alarm watches the DocumentDB clusters");
                },
            },
            "Docker stacks are covered by docker-healthcheck",
        ),
});

// ---------- replicas ----------

const replicasSchema = { properties: { minReplicas: setting.integer(2, "Fewest replicas of a load-balanced service.", 1) } };

/** A singleton (a scheduler that must never run twice) is exempt from the replica floor. */
function isSingletonDeployment(r: PolicyResource): boolean {
    const a = r.props?.metadata?.annotations ?? {};
    return (
        a[K8S_ANNOTATION.singleton] === "true" ||
        (r.props?.spec?.strategy?.type === "Recreate" && Number(r.props?.spec?.replicas ?? 1) <= 1)
    );
}

/** The smallest replica count a Deployment keeps, counting its HPA. */
function k8sMinReplicas(d: PolicyResource, hpas: PolicyResource[]): number {
    const hpa = hpas.find(
        (h) => namespaceOf(h) === namespaceOf(d) && h.props?.spec?.scaleTargetRef?.name === (d.props?.metadata?.name ?? d.name),
    );
    // A KEDA ScaledObject's HPA keeps minReplicaCount (default 0).
    if (hpa?.type === "kubernetes:keda.sh/v1alpha1:ScaledObject") return Number(hpa.props?.spec?.minReplicaCount ?? 0);
    return Number(hpa?.props?.spec?.minReplicas ?? d.props?.spec?.replicas ?? 1);
}

/** Load-balanced services keep two replicas. */
export const minReplicas = stackPolicy({
    name: "min-replicas",
    description:
        "Every service that receives traffic keeps at least two replicas (counting its autoscaler's minimum, an HPA's or a KEDA ScaledObject's): Kubernetes Deployments selected by a Service, ECS services behind a load balancer. Singletons (Recreate strategy with one replica, or deploymentMaximumPercent ≤ 100 on ECS) are exempt.",
    group: "reliability",
    platforms: ["kubernetes", "aws"],
    checklist: ["replicas-and-probes"],
    sources: ["seed 001 'Minimum instances: 2'", "Polaris deploymentMissingReplicas"],
    configSchema: replicasSchema,
    validate: (args, report, { minReplicas: floor }) =>
        perPlatform(
            args,
            {
                kubernetes: (rs) => {
                    const services = ofType(rs, "kubernetes:core/v1:Service");
                    const hpas = ofType(
                        rs,
                        "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
                        "kubernetes:autoscaling/v1:HorizontalPodAutoscaler",
                        "kubernetes:keda.sh/v1alpha1:ScaledObject",
                    );
                    for (const d of ofType(rs, "kubernetes:apps/v1:Deployment")) {
                        const labels = podLabelsOf(d.type, d.props);
                        const served = services.some(
                            (s) =>
                                namespaceOf(s) === namespaceOf(d) &&
                                s.props?.spec?.selector &&
                                selects({ matchLabels: s.props.spec.selector }, labels),
                        );
                        if (!served || isSingletonDeployment(d)) continue;
                        const n = k8sMinReplicas(d, hpas);
                        if (n < floor) report(`Deployment '${d.name}' serves traffic with ${n} replica(s); keep at least ${floor}`, d.urn);
                    }
                },
                aws: (rs) => {
                    const targets = ofType(rs, "aws:appautoscaling/target:Target");
                    for (const svc of ofType(rs, "aws:ecs/service:Service")) {
                        if ((svc.props?.loadBalancers ?? []).length === 0) continue;
                        if (svc.props?.deploymentMaximumPercent !== undefined && Number(svc.props.deploymentMaximumPercent) <= 100)
                            continue;
                        const target = targets.find(
                            (t) =>
                                dependsOn(t, svc) ||
                                (typeof t.props?.resourceId === "string" &&
                                    svc.props?.name &&
                                    t.props.resourceId.endsWith(`/${svc.props.name}`)),
                        );
                        const n = Number(target?.props?.minCapacity ?? svc.props?.desiredCount ?? 1);
                        if (n < floor)
                            report(`ECS service '${svc.name}' serves traffic with ${n} task(s); keep at least ${floor}`, svc.urn);
                    }
                },
            },
            "Docker dev stacks run one container per service by design",
        ),
});

/** Multi-replica workloads have a PDB. */
export const k8sPdbCoverage = stackPolicy({
    name: "k8s-pdb-coverage",
    description:
        "Every Deployment or StatefulSet that runs two or more replicas is selected by a PodDisruptionBudget in its namespace, so node drains keep it serving.",
    group: "reliability",
    platforms: ["kubernetes"],
    checklist: ["replicas-and-probes"],
    sources: [
        "kube-score deployment-has-poddisruptionbudget",
        "kube-score statefulset-has-poddisruptionbudget",
        "Polaris missingPodDisruptionBudget",
    ],
    validate: (args, report) => {
        const rs = ofType(
            args.resources,
            "kubernetes:apps/v1:Deployment",
            "kubernetes:apps/v1:StatefulSet",
            "kubernetes:policy/v1:PodDisruptionBudget",
            "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
        );
        if (rs.length === 0) args.notApplicable("no Kubernetes workloads in this stack");
        const pdbs = ofType(rs, "kubernetes:policy/v1:PodDisruptionBudget");
        const hpas = ofType(rs, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler");
        for (const w of ofType(rs, "kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:StatefulSet")) {
            if (k8sMinReplicas(w, hpas) < 2) continue;
            const labels = podLabelsOf(w.type, w.props);
            if (!pdbs.some((p) => namespaceOf(p) === namespaceOf(w) && selects(p.props?.spec?.selector, labels)))
                report(`${label(w)} runs several replicas without a PodDisruptionBudget`, w.urn);
        }
    },
});

// ---------- AWS-only stack checks ----------

function awsOnly(args: StackValidationArgs, ...types: string[]): PolicyResource[] {
    const rs = ofType(args.resources, ...types);
    if (rs.length === 0) args.notApplicable(`no ${types[0].split(":").pop()} in this stack`);
    return rs;
}

/** Datastores span AZs. */
export const awsMultiAz = stackPolicy({
    name: "aws-multi-az",
    description:
        "Datastores survive the loss of an availability zone: RDS instances are Multi-AZ, Aurora and DocumentDB clusters have at least two instances, ElastiCache replication groups fail over automatically across AZs (a cache cluster outside one is a single node), Amazon MQ brokers are not SINGLE_INSTANCE, EFS file systems are Regional (not One Zone).",
    group: "reliability",
    platforms: ["aws"],
    checklist: ["high-availability"],
    sources: ["Checkov CKV_AWS_157", "seed 003 failover replica"],
    validate: (args, report) => {
        const rs = awsOnly(
            args,
            "aws:rds/instance:Instance",
            "aws:rds/cluster:Cluster",
            "aws:docdb/cluster:Cluster",
            "aws:elasticache/replicationGroup:ReplicationGroup",
            "aws:elasticache/cluster:Cluster",
            "aws:mq/broker:Broker",
            "aws:efs/fileSystem:FileSystem",
        );
        const members = ofType(args.resources, "aws:rds/clusterInstance:ClusterInstance", "aws:docdb/clusterInstance:ClusterInstance");
        for (const r of rs) {
            const p = r.props ?? {};
            // Read replicas too, as Pulumi awsguard's rds-instance-multi-az-enabled judges them; a `multi-az-waiver` tag (its reason) exempts one.
            if (r.type === "aws:rds/instance:Instance" && p.multiAz !== true && !p.tags?.["multi-az-waiver"])
                report(`RDS instance '${r.name}' is not Multi-AZ`, r.urn);
            if (r.type.endsWith("/cluster:Cluster")) {
                const n = members.filter(
                    (m) =>
                        m.type.split(":")[1].split("/")[0] === r.type.split(":")[1].split("/")[0] &&
                        (dependsOn(m, r) || (p.clusterIdentifier && m.props?.clusterIdentifier === p.clusterIdentifier)),
                ).length;
                if (n < 2) report(`cluster '${r.name}' has ${n} instance(s); a failover needs 2`, r.urn);
            }
            if (r.type === "aws:elasticache/replicationGroup:ReplicationGroup") {
                if (p.automaticFailoverEnabled !== true || p.multiAzEnabled !== true)
                    report(`replication group '${r.name}' has no automatic Multi-AZ failover`, r.urn);
                const replicas = p.numCacheClusters !== undefined ? Number(p.numCacheClusters) - 1 : Number(p.replicasPerNodeGroup ?? 0);
                if (replicas < 1) report(`replication group '${r.name}' has no replica`, r.urn);
            }
            // A cache cluster outside a replication group is one node (Checkov CKV_AWS_191 asks for a replication group).
            if (r.type === "aws:elasticache/cluster:Cluster" && !p.replicationGroupId)
                report(`cache cluster '${r.name}' is a single node outside a replication group`, r.urn);
            if (r.type === "aws:mq/broker:Broker" && String(p.deploymentMode ?? "SINGLE_INSTANCE") === "SINGLE_INSTANCE")
                report(`broker '${r.name}' is SINGLE_INSTANCE; use ACTIVE_STANDBY_MULTI_AZ or CLUSTER_MULTI_AZ`, r.urn);
            // EFS One Zone: availabilityZoneName set (aws_efs_file_system availability_zone_name).
            if (r.type === "aws:efs/fileSystem:FileSystem" && p.availabilityZoneName)
                report(`file system '${r.name}' is One Zone (${p.availabilityZoneName})`, r.urn);
        }
    },
});

const bucketConfigs = (args: StackValidationArgs, bucket: PolicyResource, ...types: string[]) =>
    ofType(args.resources, ...types).filter(
        (c) => dependsOn(c, bucket) || (c.props?.bucket !== undefined && [bucket.props?.bucket, bucket.props?.id].includes(c.props.bucket)),
    );

const s3Schema = { properties: { requireKms: setting.boolean(false, "Require SSE-KMS rather than SSE-S3.") } };

/** S3 encryption and TLS-only access. */
export const awsS3Encryption = stackPolicy({
    name: "aws-s3-encryption",
    description:
        "Every S3 bucket has a default server-side encryption configuration (KMS where configured) and a bucket policy that denies requests without TLS (aws:SecureTransport false).",
    group: "security",
    platforms: ["aws"],
    checklist: ["encryption-at-rest", "encryption-in-transit", "backup-encryption"],
    sources: ["Checkov CKV_AWS_19", "Checkov CKV_AWS_145", "awsguard s3-bucket-ssl-requests-only"],
    configSchema: s3Schema,
    validate: (args, report, { requireKms }) => {
        for (const b of awsOnly(args, ...S3_BUCKETS)) {
            const sse = bucketConfigs(
                args,
                b,
                "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
            );
            const algos = [
                ...sse.flatMap((s) => (s.props?.rules ?? []).map((r: any) => r.applyServerSideEncryptionByDefault?.sseAlgorithm)),
                b.props?.serverSideEncryptionConfiguration?.rule?.applyServerSideEncryptionByDefault?.sseAlgorithm,
            ].filter(Boolean);
            if (algos.length === 0) report(`bucket '${b.name}' has no server-side encryption configuration`, b.urn);
            else if (requireKms && !algos.some((a) => String(a).startsWith("aws:kms")))
                report(`bucket '${b.name}' is not encrypted with KMS`, b.urn);
            const policies = bucketConfigs(args, b, "aws:s3/bucketPolicy:BucketPolicy").map((p) =>
                JSON.stringify(parseJsonish(p.props?.policy) ?? p.props?.policy ?? ""),
            );
            if (!policies.some((p) => p.includes("aws:SecureTransport")))
                report(`bucket '${b.name}' has no policy denying non-TLS requests (aws:SecureTransport)`, b.urn);
        }
    },
});

/** S3 public access blocked. */
export const awsS3PublicAccess = stackPolicy({
    name: "aws-s3-public-access",
    description: "Every S3 bucket has a public access block (all four switches are checked by aws-s3-public-access-block).",
    group: "security",
    platforms: ["aws"],
    checklist: ["port-restrictions"],
    sources: ["Checkov CKV2_AWS_6"],
    validate: (args, report) => {
        for (const b of awsOnly(args, ...S3_BUCKETS)) {
            if (bucketConfigs(args, b, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").length === 0)
                report(`bucket '${b.name}' has no public access block`, b.urn);
        }
    },
});

/** S3 versioning. */
export const awsS3Versioning = stackPolicy({
    name: "aws-s3-versioning",
    description: "Every S3 bucket has versioning enabled, so an overwrite or delete can be undone.",
    group: "reliability",
    platforms: ["aws"],
    checklist: ["backups"],
    sources: ["Checkov CKV_AWS_21"],
    validate: (args, report) => {
        for (const b of awsOnly(args, ...S3_BUCKETS)) {
            const v = bucketConfigs(args, b, "aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketVersioningV2:BucketVersioningV2");
            const enabled = v.some((x) => x.props?.versioningConfiguration?.status === "Enabled") || b.props?.versioning?.enabled === true;
            if (!enabled) report(`bucket '${b.name}' is not versioned`, b.urn);
        }
    },
});

/** Every queue has a DLQ. */
export const awsSqsDeadLetter = stackPolicy({
    name: "aws-sqs-dead-letter",
    description:
        "Every SQS queue that is not itself a dead-letter queue has a redrive policy to a dead-letter queue, with a maxReceiveCount.",
    group: "reliability",
    platforms: ["aws"],
    checklist: ["dead-letter-queues"],
    sources: ["ARCHITECTURE queue tier (SQS + dead-letter queue)", "AWS SQS best practice"],
    validate: (args, report) => {
        const queues = awsOnly(args, "aws:sqs/queue:Queue");
        const redrive = (q: PolicyResource) =>
            parseJsonish<{ deadLetterTargetArn?: string; maxReceiveCount?: number }>(q.props?.redrivePolicy);
        const isDlq = (q: PolicyResource) =>
            queues.some((o) => o !== q && (dependsOn(o, q) || (q.props?.arn && redrive(o)?.deadLetterTargetArn === q.props.arn))) ||
            ofType(args.resources, "aws:sqs/redrivePolicy:RedrivePolicy").some(
                (rp) => dependsOn(rp, q) && !(rp.props?.queueUrl && rp.props.queueUrl === q.props?.url),
            ) ||
            !!q.props?.redriveAllowPolicy;
        for (const q of queues) {
            if (isDlq(q)) continue;
            const standalone = ofType(args.resources, "aws:sqs/redrivePolicy:RedrivePolicy").find((rp) => dependsOn(rp, q));
            const r =
                redrive(q) ?? parseJsonish<{ deadLetterTargetArn?: string; maxReceiveCount?: number }>(standalone?.props?.redrivePolicy);
            if (!r?.deadLetterTargetArn) report(`queue '${q.name}' has no dead-letter queue (redrivePolicy.deadLetterTargetArn)`, q.urn);
            else if (!(Number(r.maxReceiveCount) >= 1)) report(`queue '${q.name}' redrive policy has no maxReceiveCount`, q.urn);
        }
    },
});

/** App subnets private, data subnets isolated. */
export const awsPrivateSubnets = stackPolicy({
    name: "aws-private-subnets",
    description:
        "ECS services run in subnets without a route to the internet gateway (private), and datastore subnet groups use subnets with no default route at all (isolated) and no public IP mapping.",
    group: "security",
    platforms: ["aws"],
    checklist: ["private-subnets"],
    sources: ["seed 003 Network Architecture (private / isolated subnets)"],
    validate: (args, report) => {
        const rs = args.resources;
        const groups = ofType(
            rs,
            "aws:rds/subnetGroup:SubnetGroup",
            "aws:docdb/subnetGroup:SubnetGroup",
            "aws:elasticache/subnetGroup:SubnetGroup",
        );
        const services = ofType(rs, "aws:ecs/service:Service");
        if (groups.length === 0 && services.length === 0) args.notApplicable("no ECS services or datastore subnet groups");
        const subnets = ofType(rs, "aws:ec2/subnet:Subnet");
        const assocs = ofType(rs, "aws:ec2/routeTableAssociation:RouteTableAssociation");
        const tables = ofType(rs, "aws:ec2/routeTable:RouteTable");
        const routes = ofType(rs, "aws:ec2/route:Route");
        const igws = ofType(rs, "aws:ec2/internetGateway:InternetGateway");
        const defaultRoutes = (s: PolicyResource) => {
            const rts = tables.filter((t) => assocs.some((a) => dependsOn(a, s) && dependsOn(a, t)));
            const out: Array<{ viaIgw: boolean }> = [];
            for (const t of rts) {
                for (const r of t.props?.routes ?? [])
                    if (WORLD.includes(r.cidrBlock) || WORLD.includes(r.ipv6CidrBlock))
                        out.push({ viaIgw: !!r.gatewayId && !r.natGatewayId });
                for (const r of routes.filter((x) => dependsOn(x, t))) {
                    if (WORLD.includes(r.props?.destinationCidrBlock) || WORLD.includes(r.props?.destinationIpv6CidrBlock))
                        out.push({ viaIgw: igws.some((g) => dependsOn(r, g)) || (!!r.props?.gatewayId && !r.props?.natGatewayId) });
                }
            }
            return out;
        };
        for (const g of groups) {
            for (const s of subnets.filter((x) => dependsOn(g, x))) {
                if (s.props?.mapPublicIpOnLaunch === true) report(`datastore subnet '${s.name}' maps public IPs`, s.urn);
                if (defaultRoutes(s).length > 0)
                    report(`datastore subnet '${s.name}' (in ${label(g)}) has a default route; datastore subnets must be isolated`, s.urn);
            }
        }
        for (const svc of services) {
            for (const s of subnets.filter((x) => dependsOn(svc, x))) {
                if (defaultRoutes(s).some((r) => r.viaIgw))
                    report(`ECS service '${svc.name}' runs in subnet '${s.name}', which routes to the internet gateway (public)`, svc.urn);
            }
        }
    },
});

/** Report every `type` resource of the stack that no `companion` resource depends on (a VPC without a flow log, a web ACL without logging). */
function requireCompanion(
    args: StackValidationArgs,
    type: string,
    companion: string,
    missing: (r: PolicyResource) => string,
    report: ReportViolation,
) {
    const companions = ofType(args.resources, companion);
    for (const r of awsOnly(args, type)) if (!companions.some((c) => dependsOn(c, r))) report(missing(r), r.urn);
}

/** VPC flow logs. */
export const awsVpcFlowLogs = stackPolicy({
    name: "aws-vpc-flow-logs",
    description: "Every VPC has flow logs, so rejected and accepted traffic can be investigated.",
    group: "security",
    platforms: ["aws"],
    checklist: ["mdc-firewall-rules", "mdc-monitoring-alerts"],
    sources: ["Checkov CKV2_AWS_11"],
    validate: (args, report) =>
        requireCompanion(args, "aws:ec2/vpc:Vpc", "aws:ec2/flowLog:FlowLog", (v) => `VPC '${v.name}' has no flow log`, report),
});

/** WAF logging. */
export const awsWafLogging = stackPolicy({
    name: "aws-waf-logging",
    description: "Every WAFv2 web ACL has a logging configuration.",
    group: "security",
    platforms: ["aws"],
    checklist: ["waf", "mdc-monitoring-alerts"],
    sources: ["Checkov CKV2_AWS_31"],
    validate: (args, report) =>
        requireCompanion(
            args,
            "aws:wafv2/webAcl:WebAcl",
            "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration",
            (w) => `web ACL '${w.name}' has no logging configuration`,
            report,
        ),
});

/** Each service's errors are counted from its log. */
export const awsLogErrorMetrics = stackPolicy({
    name: "aws-log-error-metrics",
    description:
        "Every ECS service's CloudWatch log group (tags tier=service and service) has a metric filter, so its error lines become a metric an alarm can watch; without one an application's errors that answer no 5xx (a worker's, a scheduler's) reach nobody.",
    group: "reliability",
    platforms: ["aws"],
    enforcementLevel: "advisory",
    checklist: [],
    sources: ["seed 000 'error log aggregation'", "seed 004 'error tracking and alerting'"],
    validate: (args, report) => {
        const groups = awsOnly(args, "aws:cloudwatch/logGroup:LogGroup").filter(
            (g) => g.props?.tags?.tier === "service" && g.props?.tags?.service,
        );
        if (groups.length === 0) return args.notApplicable("no service log group in this stack");
        const filtered = new Set(
            ofType(args.resources, "aws:cloudwatch/logMetricFilter:LogMetricFilter").map((f) => f.props?.logGroupName),
        );
        for (const g of groups)
            if (!filtered.has(g.props?.name))
                report(
                    `log group ${g.props?.name ?? g.name} (service ${g.props.tags.service}) has no metric filter: nothing counts its error lines`,
                );
    },
});

/** The stack policies. */
export const stackPolicies = [
    datastoreBackups,
    publicEntryPoints,
    awsAlbSecurityHeaders,
    serviceIsolation,
    monitoringAlerts,
    minReplicas,
    k8sPdbCoverage,
    awsMultiAz,
    awsS3Encryption,
    awsS3PublicAccess,
    awsS3Versioning,
    awsSqsDeadLetter,
    awsPrivateSubnets,
    awsVpcFlowLogs,
    awsWafLogging,
    awsLogErrorMetrics,
    // issue 22: a blue-green's preview at the edge
    k8sPreviewRouteRestricted,
];
