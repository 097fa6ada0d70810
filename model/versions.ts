/**
 * Engine versions tierform deploys on every platform: each has a pinned container image
 * (Docker, Kubernetes) and a managed equivalent on AWS (RDS, DocumentDB, ElastiCache).
 */
export const SUPPORTED_VERSIONS: Record<"postgres" | "mysql" | "mongodb" | "redis", string[]> = {
    postgres: ["14", "15", "16", "17"],
    mysql: ["8.0", "8.4"],
    mongodb: ["6.0", "7.0", "8.0"],
    redis: ["6", "7"],
};
