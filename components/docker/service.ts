/**
 * An application service on Docker: N identical containers (N = `replicas.min`; a scheduler is
 * always exactly one), each hardened (the spec's `runAsUser`, read-only root filesystem with tmpfs
 * on the plan's writable paths (`writablePaths` and /tmp, where HOME is), all capabilities dropped, no-new-privileges, memory and CPU limits from
 * `resources`, restart `unless-stopped`), with the spec's env, the datastore connection variables
 * and the generated secrets. No container publishes a port: web services are reached through the
 * edge on the app network, where every replica answers to the service's name.
 *
 * Health: a web service's HTTP probe (`health.liveness`, else `readiness`) wins, run by its
 * `healthTool` with the canonical Host (components/shared/health.ts; `provided`: the system's
 * health-tools volume, {@link healthTools}); otherwise the
 * spec's `health.command` runs as an exec check (a Celery worker's `inspect ping`); a service
 * with neither has none (Docker still restarts it when it exits).
 *
 * Credentials (connection strings, object-store keys, the spec's `secrets`): each container gets
 * them in `secrets.env` (mode 0400, owned by `runAsUser`) on its own small config volume
 * (mounted read-only, filled by a one-shot `config-files` step: the daemon takes no upload into a
 * read-only container), and `/run/tierform/with-secrets.sh` exports them and execs the command,
 * so `docker inspect` shows no credential. That wrapper takes the image ENTRYPOINT's place: the
 * `command` is the whole argv, as Kubernetes reads it, and the image needs `/bin/sh`. A service
 * with credentials but without a `command` is refused before anything is registered
 * ({@link serviceProblems}): its image's ENTRYPOINT is unknown here, so nothing could run before it.
 *
 * The image is pulled pinned (docker.RemoteImage), or built from the spec's `build` context
 * (docker.Image, never pushed). A spec `migrate` command runs once in a one-shot container before
 * the replicas (re)start, with the replicas' environment and credentials.
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { APP_SECRET_LENGTH, type ServicePlan, type SystemFacts } from "../../plan";
import { resourceName } from "../shared/naming";
import {
    CONFIG_DIR,
    CONFIG_FILES_ROLE,
    configFiles,
    configVolume,
    generatePassword,
    hardened,
    labelList,
    labelsFor,
    namedVolume,
    oneShot,
    pullImage,
    secretOf,
    stepLabels,
    tmpfsMounts,
} from "./common";
import { dockerLabels } from "../shared/naming";
import { DOCKER_LABEL } from "../../conventions/labels";
import { HEALTH_TOOLS_DIR, httpCheckArgv } from "../shared/health";
import { imageOf } from "../../conventions/pins";
import type { Problem } from "../../conventions/problems";

/**
 * What Docker cannot run of a service, before anything is registered: a service that receives
 * credentials (a datastore it `uses`, or spec `secrets`) needs a `command`, because credentials
 * reach it only through the with-secrets wrapper that then execs that command; without one its
 * image's ENTRYPOINT is unknown, and the only other way in would be plain environment variables,
 * which `docker inspect` lists.
 */
export function serviceProblems(service: ServicePlan): Problem[] {
    if (service.command !== undefined) return [];
    const credentials = [
        ...service.variables.connections.filter((v) => v.secret || v.kind === "bucket").map((v) => v.datastore),
        ...service.variables.appSecrets,
    ];
    if (credentials.length === 0) return [];
    return [
        {
            where: `services.${service.name}.command`,
            message: `is required on Docker: the service gets credentials (${[...new Set(credentials)].join(", ")}), which tierform hands over only as a file loaded by a wrapper that then runs the command, never as environment variables (\`docker inspect\` shows those). Add the process to run, e.g. command: [gunicorn, app:app] (the image's ENTRYPOINT + CMD).`,
        },
    ];
}

/** One-shot steps a service's containers wait for, each with its exit code checked ({@link stepLabels}). */
export interface ServiceStep {
    /** `tierform.role` of the step, the label suffix. */
    role: string;
    /** The step's container. */
    step: docker.Container;
    /** What it does, for the error when it fails. */
    what: string;
}

/** `tierform.role` of the one-shot step that fills the system's health-tools volume. */
export const HEALTH_TOOLS_ROLE = "health-tools";

/** The system's health-tools volume and the step that filled it (see {@link healthTools}). */
export interface HealthTools {
    /** The volume holding `busybox`, mounted read-only at {@link HEALTH_TOOLS_DIR}. */
    volume: docker.Volume;
    /** The one-shot step that copied busybox into it. */
    step: docker.Container;
}

/**
 * The volume the `provided` health tool comes from (services.<n>.healthTool): one per system,
 * filled once by a one-shot step that copies the static busybox of the pinned busybox image into
 * it (the musl build: CONFIG_STATIC=y, docker-library/busybox musl/Dockerfile.builder, so it runs
 * in any image, glibc, musl or distroless). The step runs as nobody (65534), with no network, no
 * capabilities and a read-only root: the fresh volume is mounted over the image's /tmp (mode
 * 1777), and Docker gives an empty volume the owner and mode of the image directory it is mounted
 * over (see {@link volumeOwnership}), so nobody may write it. Services mount it read-only.
 */
export function healthTools(name: string, system: SystemFacts, parent: pulumi.Resource): HealthTools {
    const volume = namedVolume(name, system, "service", parent, undefined, { [DOCKER_LABEL.role]: HEALTH_TOOLS_ROLE });
    const image = pullImage(resourceName([name, "image"]), imageOf("busybox"), parent);
    const step = new docker.Container(
        name,
        {
            name,
            image: image.imageId,
            user: "65534:65534",
            command: ["cp", "/bin/busybox", "/tmp/busybox"],
            volumes: [{ volumeName: volume.name, containerPath: "/tmp" }],
            networkMode: "none",
            readOnly: true,
            ...oneShot(),
            labels: labelsFor(system, "service", undefined, { [DOCKER_LABEL.role]: HEALTH_TOOLS_ROLE }),
        },
        { parent },
    );
    return { volume, step };
}

/** The credentials file of a service that has a `command` (NAME=value lines, mode 0400). */
export const SECRETS_FILE = `${CONFIG_DIR}/secrets.env`;
/** The wrapper that exports {@link SECRETS_FILE}'s variables, then execs its arguments. */
export const WITH_SECRETS = `${CONFIG_DIR}/with-secrets.sh`;

/**
 * The with-secrets wrapper (POSIX sh, no tool but the shell): exports every `NAME=value` line
 * of `secretsFile` (@default {@link SECRETS_FILE}), then `exec`s its arguments, so the app is PID 1's child as before and
 * sees its credentials as ordinary environment variables, while `docker inspect` shows none.
 * Also for operators: `docker exec <container> sh /run/tierform/with-secrets.sh python manage.py shell`.
 */
export function renderWithSecrets(secretsFile: string = SECRETS_FILE): string {
    if (!/^\/[A-Za-z0-9._/-]+$/.test(secretsFile))
        throw new Error(`with-secrets: '${secretsFile}' is not an absolute path of [A-Za-z0-9._/-]`);
    return [
        `#!/bin/sh`,
        `# tierform (components/docker/service.ts): export the credentials in ${secretsFile}, then run the arguments.`,
        `set -eu`,
        `while IFS= read -r line || [ -n "$line" ]; do`,
        `    case "$line" in`,
        `        [A-Za-z_]*=*) export "$line" ;;`,
        `        *)`,
        `            echo "with-secrets: a line of ${secretsFile} is not NAME=value" >&2`,
        `            exit 1`,
        `            ;;`,
        `    esac`,
        `done <"${secretsFile}"`,
        `exec "$@"`,
        ``,
    ].join("\n");
}

/** The content of {@link SECRETS_FILE}: one `NAME=value` line per variable, sorted. Values are single lines. */
export function renderSecretsFile(values: Record<string, string>): string {
    return Object.keys(values)
        .sort()
        .map((k) => {
            if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new Error(`'${k}' is not an environment variable name`);
            if (/[\r\n\0]/.test(values[k])) throw new Error(`the value of ${k} spans lines; a secrets file carries one line per variable`);
            return `${k}=${values[k]}\n`;
        })
        .join("");
}

/** Arguments of {@link DockerService}. */
export interface DockerServiceArgs {
    /** The system's facts (labels). */
    system: SystemFacts;
    /** The service's plan: its container (image, port, size, user, migration, egress), replicas, health checks, variables and revision. */
    service: ServicePlan;
    /** Networks: `app` always (the edge; internal); `data` when the service uses a datastore; `egress` when its spec opts into the internet; `telemetry` with the observability profile. */
    networks: { app: pulumi.Input<string>; data?: pulumi.Input<string>; egress?: pulumi.Input<string>; telemetry?: pulumi.Input<string> };
    /** Extra plain environment variables (e.g. bucket names, endpoints). @default {} */
    env?: Record<string, pulumi.Input<string>>;
    /** Variables carrying credentials (DATABASE_URL, ...): in the secrets file, or secret environment variables (see above). @default {} */
    secretEnv?: Record<string, pulumi.Input<string>>;
    /**
     * Values of the spec's `secrets` (e.g. SECRET_KEY shared by a web service and its worker). A
     * name without a value gets its own generated 48-character password. @default {}
     */
    secretValues?: Record<string, pulumi.Input<string>>;
    /** Resources the replicas wait for (datastores, bucket setup). @default [] */
    dependsOn?: pulumi.Resource[];
    /** One-shot steps (e.g. the bucket setup) that must have exited 0 before the containers start. @default [] */
    after?: ServiceStep[];
    /** File-share volumes mounted read-write into every container (the spec's `mounts`). @default [] */
    mounts?: { volumeName: pulumi.Input<string>; containerPath: string }[];
    /** The system's health-tools volume, for a service whose HTTP check uses the `provided` tool. @default one of the service's own ({@link healthTools}) */
    healthTools?: HealthTools;
    /**
     * The edge switches between sets of this service's replicas (a routed blue/green or canary
     * service, rollout.ts): the replicas carry a colour in their names and network alias, and
     * `pulumi up` waits for their health check. @default false (replicas named `<name>-<i>`, replaced in place)
     */
    colours?: boolean;
}

/** The replicas of one service. */
export class DockerService extends pulumi.ComponentResource {
    /** One container per replica, in order. */
    readonly containers: docker.Container[];
    /** Container names (`<system>-<service>-<i>`), the upstream hosts of the edge. */
    readonly containerNames: string[];
    /** The container port of a web service. */
    readonly port?: number;
    /** `service:port` on the app network for web services, the service name otherwise. */
    readonly address: string;
    /** The colour of the replicas (`colours`): the plan's revision, a hash of what they run. */
    readonly colour?: string;
    /** What the edge proxies to: `<service>-<colour>:port` for coloured replicas, else {@link address}. */
    readonly upstream: string;
    /** The one-shot migration container, when the spec has `migrate`. */
    readonly migration?: docker.Container;
    /** Whether the containers get credentials, as {@link SECRETS_FILE}. */
    readonly secretsAsFile: boolean;

    constructor(name: string, args: DockerServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("tierform:docker:Service", name, {}, opts);
        const { system, service } = args;
        if (service.kind === "web" && service.port === undefined) throw new Error(`service ${service.name}: a web service needs a port`);
        this.port = service.kind === "web" ? service.port : undefined;
        this.address = this.port !== undefined ? `${service.name}:${this.port}` : service.name;
        // A colour: what the replicas run, as far as it is known before anything is created.
        this.colour = args.colours && this.port !== undefined ? service.revision : undefined;
        this.upstream = this.colour ? `${service.name}-${this.colour}:${this.port}` : this.address;

        const imageRef = this.image(name, service);
        // The plan's plain variables (HOME and the caches on /tmp: plan/service.ts homeVariables; the spec's env, references
        // resolved: plan/templates.ts), then the platform's own.
        const plain = { ...service.variables.plain, ...(args.env ?? {}) };
        const secretEnv: Record<string, pulumi.Input<string>> = { ...(args.secretEnv ?? {}) };
        for (const secretName of service.variables.appSecrets) {
            secretEnv[secretName] =
                args.secretValues?.[secretName] ??
                secretOf(generatePassword(resourceName([name, secretName.toLowerCase().replace(/_/g, "-")]), this, APP_SECRET_LENGTH));
        }
        for (const k of Object.keys(secretEnv))
            if (k in plain) throw new Error(`service ${service.name}: ${k} is both a plain and a secret variable`);

        // Credentials go in a file, loaded by a wrapper that then execs the spec's `command`
        // (serviceProblems refuses a service with credentials and no command first).
        this.secretsAsFile = Object.keys(secretEnv).length > 0;
        if (this.secretsAsFile && service.command === undefined)
            throw new Error(`service ${service.name}: credentials need a command (see serviceProblems)`);
        const user = `${service.runAsUser}:${service.runAsUser}`;
        const envs: pulumi.Input<string>[] = Object.keys(plain)
            .sort()
            .map((k) => pulumi.interpolate`${k}=${plain[k]}`);
        const secretFiles = [
            { name: "with-secrets.sh", content: renderWithSecrets(), permissions: "0500" },
            { name: "secrets.env", content: pulumi.secret(pulumi.all(secretEnv).apply(renderSecretsFile)), permissions: "0400" },
        ];
        const withSecrets = this.secretsAsFile ? ["/bin/sh", WITH_SECRETS] : [];
        // What a container needs to read its credentials from the file: the wrapper as its
        // entrypoint, its own config volume (replicas never share one: each is re-created on its
        // own), mounted read-only and filled by its one-shot config-files step.
        const shareMounts = args.mounts ?? [];
        const credentialFiles = (containerName: string): { inputs: Partial<docker.ContainerArgs>; steps: ServiceStep[] } => {
            if (!this.secretsAsFile) return { inputs: {}, steps: [] };
            const extra = { [DOCKER_LABEL.service]: service.name };
            const volume = configVolume(resourceName([containerName, "config"]), system, "service", this, undefined, extra);
            const writer = configFiles(
                resourceName([containerName, "config-files"]),
                { system, tier: "service", volume, user, files: secretFiles, image: imageRef, labels: extra },
                this,
            );
            return {
                inputs: {
                    entrypoints: withSecrets,
                    volumes: [...shareMounts, { volumeName: volume.name, containerPath: CONFIG_DIR, readOnly: true }],
                },
                steps: [{ role: CONFIG_FILES_ROLE, step: writer, what: `delivering ${containerName}'s credentials file` }],
            };
        };
        const labels = (extra: Record<string, string>, steps: ServiceStep[]) =>
            labelList<pulumi.Input<string>>({
                ...dockerLabels(system, "service"),
                [DOCKER_LABEL.service]: service.name,
                "tierform.egress": egress,
                ...extra,
                ...stepLabels(steps),
            });

        const networks = [
            { name: args.networks.app, aliases: [this.colour ? `${service.name}-${this.colour}` : service.name] },
            ...(args.networks.data !== undefined ? [{ name: args.networks.data }] : []),
            ...(args.networks.egress !== undefined ? [{ name: args.networks.egress }] : []),
            // The observability profile's collector (otel-collector:4318), where the services' OTLP goes.
            ...(args.networks.telemetry !== undefined ? [{ name: args.networks.telemetry }] : []),
        ];
        // Visible approximation: Docker cannot filter outbound ports, so an opted-in service reaches any.
        const egress = service.egress.internet
            ? `internet; ports ${service.egress.ports.join(",") || "any"} not filtered on Docker`
            : "none";
        const base = {
            image: imageRef,
            envs,
            ...hardened({ user, memoryMb: service.resources.memoryMb, cpus: service.resources.cpu }),
            // tini as PID 1: signals reach the app, zombies are reaped.
            init: true,
            // Owned by the service's user: a path the image has keeps the image's mode (see tmpfsMounts).
            tmpfs: tmpfsMounts(service.writablePaths, undefined, user),
            networksAdvanced: networks,
            ...(shareMounts.length > 0 ? { volumes: shareMounts } : {}),
        };

        const dependsOn = [...(args.dependsOn ?? [])];
        const after = [...(args.after ?? [])];
        if (service.migrate) {
            const migrateName = resourceName([name, "migrate"]);
            const files = credentialFiles(migrateName);
            const steps = [...after, ...files.steps];
            this.migration = new docker.Container(
                migrateName,
                {
                    name: migrateName,
                    ...base,
                    ...files.inputs,
                    // Not under the service's name: the edge must never send a request to it.
                    networksAdvanced: networks.map((n) => ({ name: n.name })),
                    command: service.migrate.command,
                    restart: "no",
                    attach: true,
                    mustRun: false,
                    labels: labels({ [DOCKER_LABEL.role]: "migrate" }, steps),
                },
                { parent: this, dependsOn: [...dependsOn, ...steps.map((s) => s.step)] },
            );
            dependsOn.push(this.migration);
            after.push({
                role: "migrate",
                step: this.migration,
                what: `the migration of ${service.name} (${service.migrate.command.join(" ")})`,
            });
        }

        const healthcheck = this.healthcheck(service, withSecrets);
        // The `provided` health tool: the system's busybox volume, read-only, once its step has exited 0.
        const check = service.health.liveness;
        const tools =
            check?.type === "http" && check.tool === "provided"
                ? (args.healthTools ?? healthTools(resourceName([name, "health-tools"]), system, this))
                : undefined;
        const toolMounts = tools ? [{ volumeName: tools.volume.name, containerPath: HEALTH_TOOLS_DIR, readOnly: true }] : [];
        const toolSteps: ServiceStep[] = tools
            ? [{ role: HEALTH_TOOLS_ROLE, step: tools.step, what: "copying busybox into the health-tools volume" }]
            : [];

        // No autoscaler on one engine: replicas.min containers, at least one (plan/support.ts).
        const count = Math.max(1, service.replicas.min);
        this.containers = [];
        this.containerNames = [];
        for (let i = 0; i < count; i++) {
            const containerName = resourceName([name, ...(this.colour ? [this.colour] : []), String(i)]);
            this.containerNames.push(containerName);
            const files = credentialFiles(containerName);
            const steps = [...after, ...files.steps, ...toolSteps];
            const volumes = [...((files.inputs.volumes ?? base.volumes ?? []) as docker.types.input.ContainerVolume[]), ...toolMounts];
            this.containers.push(
                new docker.Container(
                    containerName,
                    {
                        name: containerName,
                        hostname: containerName,
                        ...base,
                        ...files.inputs,
                        ...(volumes.length > 0 ? { volumes } : {}),
                        command: service.command,
                        healthcheck,
                        stopTimeout: 30,
                        // A new colour takes traffic only once healthy: the edge's switch step waits for this.
                        ...(this.colour && healthcheck ? { wait: true, waitTimeout: 120 } : {}),
                        labels: labels({ "tierform.kind": service.kind, "tierform.replica": String(i) }, steps),
                    },
                    { parent: this, dependsOn: [...dependsOn, ...steps.map((s) => s.step)] },
                ),
            );
        }
        this.registerOutputs({ address: this.address, containers: this.containerNames });
    }

    /**
     * The replicas' health check, the plan's liveness check: HTTP on the very port the edge sends
     * traffic to, by the spec's `healthTool` with the canonical Host (components/shared/health.ts), or the exec check (CMD form: no shell unless the argv asks for one), through the
     * with-secrets wrapper when the credentials are a file, so it sees what the app sees. A
     * service with neither has no health check: Docker still restarts it when it exits.
     */
    private healthcheck(plan: ServicePlan, withSecrets: string[]): docker.types.input.ContainerHealthcheck | undefined {
        const check = plan.health.liveness;
        if (!check) return undefined;
        const timings = {
            interval: `${check.periodSeconds}s`,
            retries: check.failureThreshold,
            startPeriod: `${check.initialDelaySeconds}s`,
        };
        if (check.type === "http") {
            // The spec's healthTool, CMD form (no shell); `none`: no check inside the container.
            const argv = httpCheckArgv(check);
            return argv ? { tests: ["CMD", ...argv], timeout: `${check.timeoutSeconds}s`, ...timings } : undefined;
        }
        return { tests: ["CMD", ...withSecrets, ...check.command], timeout: `${check.timeoutSeconds}s`, ...timings };
    }

    /** The container image: pulled pinned, or built from the spec's `build` context. */
    private image(name: string, service: ServicePlan): pulumi.Input<string> {
        if (service.build) {
            const built = new docker.Image(
                resourceName([name, "image"]),
                {
                    imageName: service.image,
                    build: {
                        context: service.build.context,
                        ...(service.build.dockerfile ? { dockerfile: service.build.dockerfile } : {}),
                    },
                    skipPush: true,
                    buildOnPreview: false,
                },
                { parent: this },
            );
            return built.imageName;
        }
        return pullImage(resourceName([name, "image"]), service.image, this).imageId;
    }
}
