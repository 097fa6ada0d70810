/**
 * The port each engine tierform runs listens on, one table read by the plan (plan/datastores.ts:
 * each datastore's port), the components that start the servers and the policies that keep those
 * ports closed: the servers' own defaults (PostgreSQL 5432, MySQL 3306, MongoDB and DocumentDB
 * 27017, Redis and ElastiCache 6379, RabbitMQ's AMQP 5672) and SeaweedFS's S3 gateway, which
 * tierform starts on 9000.
 */
export const ENGINE_PORTS = { postgres: 5432, mysql: 3306, mongodb: 27017, redis: 6379, amqp: 5672, s3: 9000 } as const;

/** An engine of {@link ENGINE_PORTS}. */
export type PortEngine = keyof typeof ENGINE_PORTS;
