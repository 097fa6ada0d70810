/**
 * Engine versions tierform deploys on every platform: each has a pinned container image
 * (Docker, Kubernetes) and a managed equivalent on AWS (RDS, DocumentDB, ElastiCache). The lines
 * come from the pin table (`conventions/pins.ts` ENGINE_LINES): PostgreSQL 14–18 (RDS and
 * CloudNativePG 1.30 support 14–18), MySQL 8.0 and 8.4 LTS (8.0 is past its community end of life
 * and RDS standard support — the lifecycle policy reports it; 8.4 is its successor), MongoDB 7.0
 * and 8.0 (6.0 reached end of life on 2025-07-31 and left the official images), Redis 6 and 7.
 */
import { ENGINE_LINES } from "../conventions/pins";

/** The spec's engine versions per engine. */
export const SUPPORTED_VERSIONS: Record<"postgres" | "mysql" | "mongodb" | "redis", string[]> = {
    postgres: Object.keys(ENGINE_LINES.postgres),
    mysql: Object.keys(ENGINE_LINES.mysql),
    mongodb: Object.keys(ENGINE_LINES.mongodb),
    redis: Object.keys(ENGINE_LINES.redis),
};
