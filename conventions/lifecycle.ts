/**
 * End-of-life and end-of-standard-support dates of what tierform deploys: database engines per
 * platform, the queue broker, the edge, the operators and the object store. One row per product
 * line, each with what passing the date costs or risks, the version to move to and its source.
 * The lifecycle policies (policies/rules/lifecycle.ts) read it; the AWS database component reads
 * the RDS rows to choose `engineLifecycleSupport`: a convention both read, so it lives here, below
 * both. Self-contained (no imports): the policy pack loads it on its own.
 *
 * Most rows were read from endoflife-date/endoflife.date `products/<name>.md` (snapshot of
 * 2026-08-22), which cites the vendors' pages given in `source`; the rest from the projects' own
 * release notes. Re-check every row at least every six months: the `lifecycle-support-window`
 * policy warns when {@link LIFECYCLE_AS_OF} is older than that.
 */

/** The date this table was last checked against its sources. */
export const LIFECYCLE_AS_OF = "2026-11-30";

/** Where a product line runs, which decides what its dates mean. */
export type LifecyclePlatform = "container" | "rds" | "documentdb" | "elasticache" | "operator" | "eks";

/** One product line's dates. */
export interface LifecycleRow {
    /** The product as the policy matches it: an image family, `rds-postgres`, `rds-mysql`, `documentdb`, `elasticache-redis` or a Helm chart name. */
    product: string;
    /** The line: an engine major ("14", "8.0") or an operator minor ("1.30"); `*` for every version. */
    line: string;
    /** Where it runs. */
    platform: LifecyclePlatform;
    /**
     * End of standard support: after it RDS bills Extended Support (rds), or the community stops
     * routine fixes and keeps only security fixes (containers). Absent when the vendor names none.
     */
    standardSupportEnds?: string;
    /** End of life: no fixes at all (containers, operators), or the end of paid RDS Extended Support after which RDS upgrades the engine itself. */
    endOfLife?: string;
    /** True when the source gives the month only (the date is that month's last day). */
    approximate?: boolean;
    /** What passing the dates costs or risks. */
    risk: string;
    /** The version to move to. */
    moveTo: string;
    /** The source (URL, or repository and path). */
    source: string;
}

const EOL_DATE = (p: string) => `https://endoflife.date/${p} (endoflife-date/endoflife.date products/${p}.md)`;

/** The table. */
export const LIFECYCLE: LifecycleRow[] = [
    // ---------- PostgreSQL ----------
    {
        product: "postgres",
        line: "14",
        platform: "container",
        endOfLife: "2026-11-12",
        risk: "no more PostgreSQL releases, security fixes included (final release 14.24)",
        moveTo: "PostgreSQL 17 or 18",
        source: `https://www.postgresql.org/support/versioning/; ${EOL_DATE("postgresql")}`,
    },
    {
        product: "postgres",
        line: "15",
        platform: "container",
        endOfLife: "2027-11-11",
        risk: "no more PostgreSQL releases after this date",
        moveTo: "PostgreSQL 18",
        source: `https://www.postgresql.org/support/versioning/; ${EOL_DATE("postgresql")}`,
    },
    {
        product: "postgres",
        line: "16",
        platform: "container",
        endOfLife: "2028-11-09",
        risk: "no more PostgreSQL releases after this date",
        moveTo: "PostgreSQL 18",
        source: `https://www.postgresql.org/support/versioning/; ${EOL_DATE("postgresql")}`,
    },
    {
        product: "postgres",
        line: "17",
        platform: "container",
        endOfLife: "2029-11-08",
        risk: "no more PostgreSQL releases after this date",
        moveTo: "PostgreSQL 18",
        source: `https://www.postgresql.org/support/versioning/; ${EOL_DATE("postgresql")}`,
    },
    {
        product: "postgres",
        line: "18",
        platform: "container",
        endOfLife: "2030-11-14",
        risk: "no more PostgreSQL releases after this date",
        moveTo: "the next PostgreSQL major",
        source: `https://www.postgresql.org/support/versioning/; ${EOL_DATE("postgresql")}`,
    },
    {
        product: "rds-postgres",
        line: "14",
        platform: "rds",
        standardSupportEnds: "2027-02-28",
        endOfLife: "2030-02-28",
        risk: "after standard support RDS bills Extended Support per vCPU-hour, or upgrades the major version on its own when Extended Support is disabled",
        moveTo: "RDS PostgreSQL 17 or 18",
        source: `https://docs.aws.amazon.com/AmazonRDS/latest/PostgreSQLReleaseNotes/postgresql-release-calendar.html; ${EOL_DATE("amazon-rds-postgresql")}`,
    },
    {
        product: "rds-postgres",
        line: "15",
        platform: "rds",
        standardSupportEnds: "2028-02-29",
        endOfLife: "2031-02-28",
        risk: "after standard support RDS bills Extended Support per vCPU-hour",
        moveTo: "RDS PostgreSQL 18",
        source: `https://docs.aws.amazon.com/AmazonRDS/latest/PostgreSQLReleaseNotes/postgresql-release-calendar.html; ${EOL_DATE("amazon-rds-postgresql")}`,
    },
    {
        product: "rds-postgres",
        line: "16",
        platform: "rds",
        standardSupportEnds: "2029-02-28",
        endOfLife: "2032-02-29",
        risk: "after standard support RDS bills Extended Support per vCPU-hour",
        moveTo: "RDS PostgreSQL 18",
        source: `https://docs.aws.amazon.com/AmazonRDS/latest/PostgreSQLReleaseNotes/postgresql-release-calendar.html; ${EOL_DATE("amazon-rds-postgresql")}`,
    },
    {
        product: "rds-postgres",
        line: "17",
        platform: "rds",
        standardSupportEnds: "2030-02-28",
        endOfLife: "2033-02-28",
        risk: "after standard support RDS bills Extended Support per vCPU-hour",
        moveTo: "RDS PostgreSQL 18",
        source: `https://docs.aws.amazon.com/AmazonRDS/latest/PostgreSQLReleaseNotes/postgresql-release-calendar.html; ${EOL_DATE("amazon-rds-postgresql")}`,
    },
    {
        product: "rds-postgres",
        line: "18",
        platform: "rds",
        standardSupportEnds: "2031-02-28",
        endOfLife: "2034-02-28",
        risk: "after standard support RDS bills Extended Support per vCPU-hour",
        moveTo: "the next RDS PostgreSQL major",
        source: `https://docs.aws.amazon.com/AmazonRDS/latest/PostgreSQLReleaseNotes/postgresql-release-calendar.html; ${EOL_DATE("amazon-rds-postgresql")}`,
    },
    // ---------- MySQL ----------
    {
        product: "mysql",
        line: "8.0",
        platform: "container",
        endOfLife: "2026-04-30",
        risk: "no more MySQL 8.0 releases, security fixes included (last image mysql:8.0.46; the official images dropped 8.0 on 2026-05-05)",
        moveTo: "MySQL 8.4 LTS",
        source: `${EOL_DATE("mysql")}; docker-library/official-images commit 4a3ac0a (2026-05-05, "8.0-eol")`,
    },
    {
        product: "mysql",
        line: "8.4",
        platform: "container",
        standardSupportEnds: "2029-04-30",
        endOfLife: "2032-04-30",
        risk: "premier support ends, then extended support only",
        moveTo: "the next MySQL LTS",
        source: EOL_DATE("mysql"),
    },
    {
        product: "rds-mysql",
        line: "8.0",
        platform: "rds",
        standardSupportEnds: "2026-07-31",
        endOfLife: "2029-07-31",
        risk: "RDS bills Extended Support per vCPU-hour from 2026-08-01 (enrolled automatically unless disabled at creation); after 2029-07-31 RDS upgrades the engine itself",
        moveTo: "RDS MySQL 8.4",
        source: `https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/extended-support.html; ${EOL_DATE("amazon-rds-mysql")}`,
    },
    {
        product: "rds-mysql",
        line: "8.4",
        platform: "rds",
        standardSupportEnds: "2029-07-31",
        endOfLife: "2032-07-31",
        risk: "after standard support RDS bills Extended Support per vCPU-hour",
        moveTo: "the next RDS MySQL LTS",
        source: EOL_DATE("amazon-rds-mysql"),
    },
    // ---------- MongoDB / DocumentDB ----------
    {
        product: "mongo",
        line: "6.0",
        platform: "container",
        endOfLife: "2025-07-31",
        risk: "no more MongoDB 6.0 releases",
        moveTo: "MongoDB 8.0",
        source: `https://www.mongodb.com/legal/support-policy/lifecycles; ${EOL_DATE("mongodb")}`,
    },
    {
        product: "mongo",
        line: "7.0",
        platform: "container",
        endOfLife: "2027-08-31",
        risk: "no more MongoDB 7.0 releases after this date",
        moveTo: "MongoDB 8.0",
        source: `https://www.mongodb.com/legal/support-policy/lifecycles; ${EOL_DATE("mongodb")}`,
    },
    {
        product: "mongo",
        line: "8.0",
        platform: "container",
        endOfLife: "2029-10-31",
        risk: "no more MongoDB 8.0 releases after this date",
        moveTo: "the next MongoDB major",
        source: `https://www.mongodb.com/legal/support-policy/lifecycles; ${EOL_DATE("mongodb")}`,
    },
    {
        product: "documentdb",
        line: "3.6",
        platform: "documentdb",
        standardSupportEnds: "2026-03-30",
        endOfLife: "2029-03-30",
        risk: "DocumentDB 3.6 left standard support; extended support only",
        moveTo: "DocumentDB 8.0",
        source: EOL_DATE("amazon-documentdb"),
    },
    {
        product: "documentdb",
        line: "8.0",
        platform: "documentdb",
        risk: "no end date announced",
        moveTo: "—",
        source: EOL_DATE("amazon-documentdb"),
    },
    // ---------- Redis ----------
    {
        product: "redis",
        line: "6.2",
        platform: "container",
        endOfLife: "2027-04-01",
        risk: "no more Redis 6.2 releases after this date",
        moveTo: "Redis 7.4 (or Valkey 8)",
        source: EOL_DATE("redis"),
    },
    {
        product: "redis",
        line: "7.4",
        platform: "container",
        endOfLife: "2029-12-01",
        risk: "no more Redis 7.4 releases after this date",
        moveTo: "Redis 8",
        source: EOL_DATE("redis"),
    },
    {
        product: "elasticache-redis",
        line: "6",
        platform: "elasticache",
        standardSupportEnds: "2027-01-31",
        endOfLife: "2030-01-31",
        risk: "ElastiCache bills extended support after standard support ends",
        moveTo: "ElastiCache Redis OSS 7.1 or Valkey 8",
        source: EOL_DATE("amazon-elasticache-redis"),
    },
    {
        product: "elasticache-redis",
        line: "7",
        platform: "elasticache",
        risk: "no end date announced",
        moveTo: "—",
        source: EOL_DATE("amazon-elasticache-redis"),
    },
    // ---------- RabbitMQ ----------
    {
        product: "rabbitmq",
        line: "3.13",
        platform: "container",
        endOfLife: "2024-09-17",
        risk: "out of community support: no public patch releases (commercial extended support only)",
        moveTo: "RabbitMQ 4.3 (enable all stable feature flags first)",
        source: `https://www.rabbitmq.com/release-information; ${EOL_DATE("rabbitmq")}`,
    },
    {
        product: "rabbitmq",
        line: "4.2",
        platform: "container",
        endOfLife: "2026-07-31",
        risk: "out of community support",
        moveTo: "RabbitMQ 4.3",
        source: `https://www.rabbitmq.com/release-information; ${EOL_DATE("rabbitmq")}`,
    },
    // ---------- edge, object store ----------
    {
        product: "nginx",
        line: "1.27",
        platform: "container",
        endOfLife: "2025-06-24",
        risk: "nginx fixes only the current stable and mainline branches",
        moveTo: "nginx 1.30 (stable)",
        source: EOL_DATE("nginx"),
    },
    {
        product: "nginx",
        line: "1.28",
        platform: "container",
        endOfLife: "2026-04-14",
        risk: "nginx fixes only the current stable and mainline branches",
        moveTo: "nginx 1.30 (stable)",
        source: EOL_DATE("nginx"),
    },
    {
        product: "ingress-nginx",
        line: "*",
        platform: "container",
        endOfLife: "2026-03-31",
        approximate: true,
        risk: "retired: no releases, no security fixes",
        moveTo: "Envoy Gateway (Gateway API)",
        source: "https://kubernetes.io/blog/2025/11/11/ingress-nginx-retirement/",
    },
    {
        product: "minio",
        line: "*",
        platform: "container",
        endOfLife: "2025-10-31",
        approximate: true,
        risk: "the community edition stopped publishing images and binaries",
        moveTo: "SeaweedFS (docs/object-store.md)",
        source: "docs/object-store.md (MinIO community edition: no images since October 2025)",
    },
    // ---------- operators (Helm charts) ----------
    {
        product: "gateway-helm",
        line: "1.8",
        platform: "operator",
        endOfLife: "2026-11-08",
        risk: "Envoy Gateway fixes only supported releases",
        moveTo: "Envoy Gateway v1.9",
        source: "envoyproxy/gateway site/content/en/news/releases/matrix.md",
    },
    {
        product: "gateway-helm",
        line: "1.9",
        platform: "operator",
        endOfLife: "2027-02-14",
        risk: "Envoy Gateway fixes only supported releases",
        moveTo: "Envoy Gateway v1.10",
        source: "envoyproxy/gateway site/content/en/news/releases/matrix.md",
    },
    {
        product: "cloudnative-pg",
        line: "0.28",
        platform: "operator",
        endOfLife: "2026-09-29",
        risk: "operator 1.29 out of support",
        moveTo: "chart 0.29 (operator 1.30)",
        source: "cloudnative-pg/cloudnative-pg docs/src/supported_releases.md @ v1.30.0",
    },
    {
        product: "cloudnative-pg",
        line: "0.29",
        platform: "operator",
        endOfLife: "2026-12-31",
        approximate: true,
        risk: "operator 1.30 leaves support about 3 months after 1.31.0 ('~ Dec 2026'); 1.31 removes the in-tree barmanObjectStore, which the program no longer uses (its backups go through the Barman Cloud plugin), so the upgrade is a chart bump",
        moveTo: "chart for operator 1.31 (keep the Barman Cloud plugin current with it)",
        source: "cloudnative-pg/cloudnative-pg docs/src/supported_releases.md and docs/src/release_notes/v1.30.md @ v1.30.0",
    },
    {
        product: "cert-manager",
        line: "1.19",
        platform: "operator",
        endOfLife: "2026-07-08",
        risk: "cert-manager fixes only the two newest releases",
        moveTo: "cert-manager 1.21",
        source: `https://cert-manager.io/docs/releases/; ${EOL_DATE("cert-manager")}`,
    },
    {
        product: "cert-manager",
        line: "1.21",
        platform: "operator",
        risk: "supported until two newer releases ship",
        moveTo: "—",
        source: `https://cert-manager.io/docs/releases/; ${EOL_DATE("cert-manager")}`,
    },
    {
        product: "keda",
        line: "2.18",
        platform: "operator",
        endOfLife: "2026-06-01",
        risk: "KEDA fixes only the two newest releases",
        moveTo: "KEDA 2.20",
        source: EOL_DATE("keda"),
    },
    {
        product: "keda",
        line: "2.20",
        platform: "operator",
        risk: "supported until two newer releases ship",
        moveTo: "—",
        source: EOL_DATE("keda"),
    },
    // ---------- EKS (the Kubernetes version of the EKS placement's cluster, EKS_KUBERNETES_VERSION) ----------
    {
        // EKS 1.36 was released on 2026-06-02 (awsdocs kubernetes-versions-standard, "Kubernetes 1.36 is now available in
        // Amazon EKS"); a minor version has 14 months of standard support, then 12 of extended support, after which EKS
        // upgrades the cluster itself (docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html). The calendar's
        // exact days are not in the sources held: the months are counted from the release.
        product: "eks",
        line: "1.36",
        platform: "eks",
        standardSupportEnds: "2027-08-31",
        endOfLife: "2028-08-31",
        approximate: true,
        risk: "after standard support EKS bills extended support per cluster hour; after extended support it upgrades the control plane itself",
        moveTo: "the next EKS minor version (one minor at a time)",
        source: `https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html; https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions-standard.html#kubernetes-1-36; ${EOL_DATE("amazon-eks")}`,
    },
];

/**
 * The Kubernetes version of the EKS placement's cluster (components/eks/cluster.ts): the newest
 * minor EKS offers today (1.36; 1.37 is announced for Auto Mode's node pools but not yet a
 * version one can create, https://docs.aws.amazon.com/eks/latest/userguide/auto-change.html),
 * which is also the first on which Auto Mode assigns security groups to single pods
 * (https://docs.aws.amazon.com/eks/latest/userguide/auto-sgp.html). Its dates are the `eks` row above.
 */
export const EKS_KUBERNETES_VERSION = "1.36";

/** The row of `product` at `line` (or its `*` row). */
export function lifecycleRow(product: string, line: string): LifecycleRow | undefined {
    return LIFECYCLE.find((r) => r.product === product && (r.line === line || r.line === "*"));
}

/** RDS standard-support end dates by `"<engine> <line>"` ("mysql 8.0", "postgres 14"), from the rds rows. */
export function rdsStandardSupportEnd(): Record<string, string> {
    return Object.fromEntries(
        LIFECYCLE.filter((r) => r.platform === "rds" && r.standardSupportEnds).map((r) => [
            `${r.product.replace(/^rds-/, "")} ${r.line}`,
            r.standardSupportEnds!,
        ]),
    );
}
