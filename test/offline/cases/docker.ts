/** Engine-rule cases of the Docker rules (scripts/offline/engine-rules/docker.ts). */
import { recorded, type EngineRuleCase } from "../helpers";

const CONTAINER = "docker:index/container:Container";
const VOLUME = "docker:index/volume:Volume";

const upload = { file: "/run/tierform/redis.conf", content: "requirepass x", permissions: "0400" };
const health = { tests: ["CMD", "true"], interval: "10s", timeout: "5s", startPeriod: "30s", retries: 3 };

/** Every Docker rule's cases. */
export const dockerRuleCases: EngineRuleCase[] = [
    {
        rule: "docker-name-characters",
        good: [recorded(CONTAINER, "shop-web-0", { name: "shop-web-0" }), recorded(VOLUME, "shop-db-data", { name: "shop-db-data" })],
        bad: [
            {
                why: "a container name with a colon",
                resources: [recorded(CONTAINER, "c", { name: "shop:web" })],
                expect: /'shop:web' does not match/,
            },
            { why: "a one-character volume name", resources: [recorded(VOLUME, "v", { name: "x" })] },
        ],
    },
    {
        rule: "docker-upload-read-only-rootfs",
        good: [
            recorded(CONTAINER, "shop-cache-config-files", { name: "shop-cache-config-files", readOnly: false, uploads: [upload] }),
            recorded(CONTAINER, "shop-cache", { name: "shop-cache", readOnly: true }),
        ],
        bad: [
            {
                why: "uploads into a read-only container (even though /run/tierform is a volume)",
                resources: [
                    recorded(CONTAINER, "shop-cache", {
                        name: "shop-cache",
                        readOnly: true,
                        uploads: [upload],
                        volumes: [{ volumeName: "v", containerPath: "/run/tierform" }],
                    }),
                ],
                expect: /container 'shop-cache' has 1 upload\(s\) and readOnly: true/,
            },
        ],
    },
    {
        rule: "docker-credential-in-env-or-argv",
        good: [
            recorded(CONTAINER, "shop-web-0", {
                name: "shop-web-0",
                envs: ["S3_ENDPOINT_URL=http://objects:9000", "POSTGRES_PASSWORD_FILE=/run/tierform/password", "LOG_LEVEL=info"],
                entrypoints: ["/bin/sh", "/run/tierform/with-secrets.sh"],
                command: ["gunicorn", "app:app", "--bind", "0.0.0.0:8000"],
            }),
        ],
        bad: [
            {
                why: "a database URL in the environment",
                resources: [recorded(CONTAINER, "w", { name: "w", envs: ["DATABASE_URL=postgresql://app:pw@db:5432/app"] })],
                expect: /container 'w': DATABASE_URL carries a password inside a URL/,
            },
            {
                why: "a Redis URL without a user",
                resources: [recorded(CONTAINER, "w", { name: "w", envs: ["REDIS_URL=redis://:pw@cache:6379/0"] })],
            },
            {
                why: "a secret environment variable (recorded as a Pulumi secret)",
                resources: [recorded(CONTAINER, "w", { name: "w", envs: ["TOKEN_X=abc"] }, { secretPaths: ["envs[0]"] })],
                expect: /TOKEN_X is a secret/,
            },
            { why: "a password-named variable", resources: [recorded(CONTAINER, "w", { name: "w", envs: ["AWS_SECRET_ACCESS_KEY=abc"] })] },
            {
                why: "an AMQP URL on the command line",
                resources: [recorded(CONTAINER, "w", { name: "w", command: ["worker", "--broker", "amqp://u:p@queue:5672/"] })],
                expect: /argument 2 carries a credential/,
            },
            {
                why: "a mongodb+srv URL in the entrypoint",
                resources: [recorded(CONTAINER, "w", { name: "w", entrypoints: ["mongosh", "mongodb+srv://u:p@cluster/db"] })],
            },
            { why: "a --password flag", resources: [recorded(CONTAINER, "w", { name: "w", command: ["mysqldump", "--password=pw"] })] },
        ],
    },
    {
        rule: "docker-tmpfs-mount-overlap",
        good: [
            recorded(CONTAINER, "q", {
                name: "q",
                tmpfs: { "/tmp": "rw", "/var/log/rabbitmq": "rw" },
                volumes: [{ volumeName: "d", containerPath: "/var/lib/rabbitmq" }],
            }),
        ],
        bad: [
            {
                why: "a tmpfs over a volume's path",
                resources: [
                    recorded(CONTAINER, "q", {
                        name: "q",
                        tmpfs: { "/data/": "rw" },
                        volumes: [{ volumeName: "d", containerPath: "/data" }],
                    }),
                ],
                expect: /'\/data' is mounted twice/,
            },
        ],
    },
    {
        rule: "docker-memory-minimum",
        good: [recorded(CONTAINER, "s", { name: "s", memory: 32 })],
        bad: [
            { why: "4 MiB", resources: [recorded(CONTAINER, "s", { name: "s", memory: 4 })], expect: /below the daemon's 6 MiB minimum/ },
        ],
    },
    {
        rule: "docker-wait-needs-healthcheck",
        good: [
            recorded(CONTAINER, "s", { name: "s", wait: true, healthcheck: health }),
            recorded(CONTAINER, "b", { name: "b", wait: false }),
        ],
        bad: [{ why: "wait without a healthcheck", resources: [recorded(CONTAINER, "s", { name: "s", wait: true })] }],
    },
    {
        rule: "docker-healthcheck-durations",
        good: [recorded(CONTAINER, "s", { name: "s", healthcheck: { ...health, interval: "1m30s", timeout: "500ms" } })],
        bad: [
            {
                why: "a bare number as the interval",
                resources: [recorded(CONTAINER, "s", { name: "s", healthcheck: { ...health, interval: "10" } })],
                expect: /'10' is not a Go duration/,
            },
        ],
    },
];
