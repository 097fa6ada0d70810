/**
 * Lifecycle policies: what a stack deploys, read against the dates of conventions/lifecycle.ts
 * (database engines per platform, the queue broker, the edge, the operators' charts, the object
 * store). Two policies, because their findings call for different enforcement:
 *
 * - `lifecycle-end-of-life` (mandatory on prod, advisory on dev and staging): a version past its
 *   end of life — no fixes at all, or, on RDS, past the end of paid Extended Support, or past
 *   standard support with Extended Support disabled (RDS then upgrades the major version on its
 *   own, mid-flight). Nothing keeps such a version safe, so prod refuses it. Staging is advisory:
 *   it runs the seeds' own engine choices (self-run MySQL 8.0, PostgreSQL 14) to rehearse their
 *   migration, without production data.
 * - `lifecycle-support-window` (advisory everywhere): a version past end of *standard* support with
 *   paid extended support in place (RDS Extended Support, which `engineLifecycleSupport` opts into
 *   explicitly — components/aws/database.ts), or a date within `warnDays`; and the dates table
 *   itself when it is older than `maxTableAgeDays`. These cost money or time but are a
 *   deliberate, supported state: the presets that pin a past-date version (AuroMart's MySQL 8.0,
 *   MDC's PostgreSQL 14, the seeds' choices) plan with the finding shown, and the spec offers the
 *   successor (MySQL 8.4, PostgreSQL 17/18).
 *
 * Both take `today` (YYYY-MM-DD, empty = the clock) so tests pin the date.
 */
import type { PolicyResource, ReportViolation, StackValidationArgs } from "@pulumi/policy";
import { LIFECYCLE_AS_OF, type LifecycleRow, lifecycleRow } from "../../conventions/lifecycle";
import { imagesOf } from "./common";
import { platformOf, setting, stackPolicy } from "./util";

/** One deployed product line, where it was found. */
export interface Deployed {
    product: string;
    line: string;
    /** How messages name it, e.g. "RDS instance 'shop-db' (mysql 8.0)". */
    what: string;
    urn: string;
    /** RDS: paid Extended Support is in place (explicitly, or by RDS's default when the field is unset). */
    extendedSupport?: boolean;
}

const IMAGE_PRODUCTS: Record<string, { product: string; parts: number }> = {
    postgres: { product: "postgres", parts: 1 },
    postgresql: { product: "postgres", parts: 1 },
    mysql: { product: "mysql", parts: 2 },
    mongo: { product: "mongo", parts: 2 },
    redis: { product: "redis", parts: 2 },
    rabbitmq: { product: "rabbitmq", parts: 2 },
    nginx: { product: "nginx", parts: 2 },
    "nginx-unprivileged": { product: "nginx", parts: 2 },
    minio: { product: "minio", parts: 0 },
};

/** The product line an image reference runs (`postgres:14.24-alpine` → postgres 14), if the table tracks its family. */
export function imageLine(ref: string): { product: string; line: string } | undefined {
    const noDigest = ref.split("@")[0];
    const slash = noDigest.lastIndexOf("/");
    const colon = noDigest.lastIndexOf(":");
    if (colon <= slash) return undefined;
    const repo = noDigest.slice(0, colon);
    const tag = noDigest.slice(colon + 1);
    if (repo.includes("ingress-nginx")) return { product: "ingress-nginx", line: "*" };
    const family = IMAGE_PRODUCTS[repo.split("/").pop()!];
    if (!family) return undefined;
    if (family.parts === 0) return { product: family.product, line: "*" };
    const numbers = /^v?(\d+(?:\.\d+)*)/.exec(tag)?.[1].split(".");
    if (!numbers || numbers.length < family.parts) return undefined;
    return { product: family.product, line: numbers.slice(0, family.parts).join(".") };
}

const majorMinor = (v: string) => v.replace(/^v/, "").split(".").slice(0, 2).join(".");
const describe = (r: PolicyResource) => `${r.type.split(":").pop()} '${r.name}'`;

/** Every product line `resources` deploy that the dates table can know about. */
export function deployedLines(resources: PolicyResource[]): Deployed[] {
    const out: Deployed[] = [];
    const seen = new Set<string>();
    const add = (d: Deployed) => {
        const key = `${d.urn} ${d.product} ${d.line}`;
        if (seen.has(key)) return;
        seen.add(key);
        out.push(d);
    };
    for (const r of resources) {
        const p = r.props ?? {};
        if (r.type === "aws:rds/instance:Instance" && (p.engine === "postgres" || p.engine === "mysql") && p.engineVersion) {
            const v = String(p.engineVersion);
            const line = p.engine === "postgres" ? v.split(".")[0] : majorMinor(v);
            add({
                product: `rds-${p.engine}`,
                line,
                what: `${describe(r)} (RDS ${p.engine} ${line})`,
                urn: r.urn,
                extendedSupport: p.engineLifecycleSupport !== "open-source-rds-extended-support-disabled",
            });
        } else if (r.type === "aws:docdb/cluster:Cluster" && p.engineVersion) {
            const line = majorMinor(String(p.engineVersion));
            add({ product: "documentdb", line, what: `${describe(r)} (DocumentDB ${line})`, urn: r.urn });
        } else if (r.type === "aws:elasticache/replicationGroup:ReplicationGroup" && (p.engine ?? "redis") === "redis" && p.engineVersion) {
            const line = String(p.engineVersion).split(".")[0];
            add({ product: "elasticache-redis", line, what: `${describe(r)} (ElastiCache Redis OSS ${line})`, urn: r.urn });
        } else if (r.type === "aws:eks/cluster:Cluster" && p.version) {
            const line = majorMinor(String(p.version));
            add({ product: "eks", line, what: `${describe(r)} (EKS Kubernetes ${line})`, urn: r.urn });
        } else if (r.type === "kubernetes:helm.sh/v3:Release" && p.chart && p.version) {
            const product = String(p.chart).split("/").pop()!;
            const line = majorMinor(String(p.version));
            add({ product, line, what: `${describe(r)} (chart ${product} ${p.version})`, urn: r.urn });
        } else {
            for (const { container, image } of imagesOf(r.type, p)) {
                const found = typeof image === "string" ? imageLine(image) : undefined;
                if (found) add({ ...found, what: `${describe(r)} container '${container}' (${image})`, urn: r.urn });
            }
        }
    }
    return out;
}

/** A finding of one of the two policies. */
export interface LifecycleFinding {
    policy: "lifecycle-end-of-life" | "lifecycle-support-window";
    urn?: string;
    message: string;
}

const daysBetween = (from: string, to: string) => Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000);
const dateOf = (row: LifecycleRow, d: string) => `${d}${row.approximate ? " (approximate)" : ""}`;

/** What the dates say about `d` on `today` (YYYY-MM-DD), if anything. */
export function assess(d: Deployed, row: LifecycleRow, today: string, warnDays: number): LifecycleFinding | undefined {
    const tail = `${row.risk}; move to ${row.moveTo} (source: ${row.source})`;
    const eol = row.endOfLife;
    const std = row.standardSupportEnds;
    if (eol && today > eol) {
        const what = row.platform === "rds" ? "left RDS Extended Support" : "reached end of life";
        return { policy: "lifecycle-end-of-life", urn: d.urn, message: `${d.what} ${what} on ${dateOf(row, eol)}: ${tail}` };
    }
    if (std && today > std) {
        if (row.platform === "rds" && !d.extendedSupport) {
            return {
                policy: "lifecycle-end-of-life",
                urn: d.urn,
                message: `${d.what} left RDS standard support on ${std} with Extended Support disabled: RDS upgrades the major version on its own; ${tail}`,
            };
        }
        const paid =
            row.platform === "rds"
                ? `runs on paid RDS Extended Support (engineLifecycleSupport) until ${eol ?? "its end"}`
                : `left standard support${eol ? `; end of life ${dateOf(row, eol)}` : ""}`;
        return {
            policy: "lifecycle-support-window",
            urn: d.urn,
            message: `${d.what} left standard support on ${std} and ${paid}: ${tail}`,
        };
    }
    const next = [std, eol].filter((x): x is string => !!x && x >= today).sort()[0];
    if (next && daysBetween(today, next) <= warnDays) {
        const kind =
            next === std ? (row.platform === "rds" ? "leaves RDS standard support" : "leaves standard support") : "reaches end of life";
        return {
            policy: "lifecycle-support-window",
            urn: d.urn,
            message: `${d.what} ${kind} on ${dateOf(row, next)}, in ${daysBetween(today, next)} days: ${tail}`,
        };
    }
    return undefined;
}

/** The clock, or the configured `today`. */
const todayOf = (configured: string) => configured || new Date().toISOString().slice(0, 10);

/** Every lifecycle finding for `resources` on `today`, and the table-age finding when the table is older than `maxTableAgeDays`. */
export function lifecycleFindings(
    resources: PolicyResource[],
    today: string,
    warnDays: number,
    maxTableAgeDays: number,
    asOf = LIFECYCLE_AS_OF,
): LifecycleFinding[] {
    const out: LifecycleFinding[] = [];
    for (const d of deployedLines(resources)) {
        const row = lifecycleRow(d.product, d.line);
        const f = row && assess(d, row, today, warnDays);
        if (f) out.push(f);
    }
    const age = daysBetween(asOf, today);
    if (age > maxTableAgeDays) {
        out.push({
            policy: "lifecycle-support-window",
            message: `the lifecycle dates table (conventions/lifecycle.ts) was last checked on ${asOf}, ${age} days ago (more than ${maxTableAgeDays}): re-check its rows against their sources and update LIFECYCLE_AS_OF`,
        });
    }
    return out;
}

const clockSetting = setting.string("", "The date to judge by (YYYY-MM-DD); empty: today's date.");

/** True on a stack with resources of a tierform platform; not applicable otherwise. */
function onTierformStack(args: StackValidationArgs): boolean {
    if (!args.resources.some((r) => platformOf(r.type))) args.notApplicable("no docker, kubernetes or aws resources in this stack");
    return true;
}

function emit(findings: LifecycleFinding[], policy: LifecycleFinding["policy"], report: ReportViolation) {
    for (const f of findings.filter((x) => x.policy === policy)) report(f.message, f.urn);
}

/** Versions past their end of life (mandatory on prod). */
export const lifecycleEndOfLife = stackPolicy({
    name: "lifecycle-end-of-life",
    description:
        "No deployed version is past its end of life (conventions/lifecycle.ts): a self-run engine, broker, edge, object store or operator chart past its last release, an RDS engine past RDS Extended Support, or past standard support with Extended Support disabled (RDS would upgrade it on its own). Each finding names the date, the risk and the version to move to.",
    group: "reliability",
    platforms: ["docker", "kubernetes", "aws"],
    sources: ["conventions/lifecycle.ts (vendors' lifecycle pages via endoflife.date, release notes)", "Checkov CKV_AWS_339"],
    configSchema: { properties: { today: clockSetting } },
    validate: (args, report, { today }) =>
        onTierformStack(args) &&
        emit(lifecycleFindings(args.resources, todayOf(today), 0, Number.MAX_SAFE_INTEGER), "lifecycle-end-of-life", report),
});

/** Versions on paid extended support or near a date, and a stale dates table (advisory). */
export const lifecycleSupportWindow = stackPolicy({
    name: "lifecycle-support-window",
    description:
        "Reports deployed versions past end of standard support on paid extended support (RDS Extended Support, chosen through engineLifecycleSupport) or within warnDays of a lifecycle date, with the date, the cost or risk and the version to move to; and the lifecycle dates table itself when it is older than maxTableAgeDays.",
    group: "reliability",
    platforms: ["docker", "kubernetes", "aws"],
    sources: ["conventions/lifecycle.ts (vendors' lifecycle pages via endoflife.date, release notes)", "Checkov CKV_AWS_339"],
    configSchema: {
        properties: {
            today: clockSetting,
            warnDays: setting.integer(180, "Report a lifecycle date this many days ahead.", 0),
            maxTableAgeDays: setting.integer(
                183,
                "Report the dates table when it was last checked longer ago than this (about six months).",
                1,
            ),
        },
    },
    validate: (args, report, { today, warnDays, maxTableAgeDays }) =>
        onTierformStack(args) &&
        emit(lifecycleFindings(args.resources, todayOf(today), warnDays, maxTableAgeDays), "lifecycle-support-window", report),
});

/** The lifecycle policies. */
export const lifecyclePolicies = [lifecycleEndOfLife, lifecycleSupportWindow];
