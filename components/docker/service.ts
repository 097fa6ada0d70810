/**
 * An application service on Docker: N identical containers (N = `replicas.min`; a scheduler is
 * always exactly one), each hardened (the spec's `runAsUser`, read-only root filesystem with tmpfs
 * on `writablePaths`, all capabilities dropped, no-new-privileges, memory and CPU limits from
 * `resources`, restart `unless-stopped`), with the spec's env, the datastore connection variables
 * and the generated secrets, and an HTTP health check from `health.liveness` (or readiness).
 * No container publishes a port: web services are reached through the edge on the app network,
 * where every replica answers to the service's name.
 *
 * The image is pulled pinned (docker.RemoteImage), or built from the spec's `build` context
 * (docker.Image, never pushed). A spec `migrate` command runs once in a one-shot container before
 * the replicas (re)start.
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { Service, System } from "../../spec";
import { resourceName } from "../shared/naming";
import { generatePassword, hardened, labelsFor, secretOf, tmpfsMounts } from "./common";

/**
 * The health check command for `http://127.0.0.1:<port><path>`, run by `/bin/sh` in the app's
 * own image. Application images ship different tools, so it uses the first it finds of wget
 * (busybox/alpine), curl (most Debian-based images), python3 (Flask/Django/FastAPI images) and
 * node (NestJS/React images); an image with none of them (or no /bin/sh, e.g. distroless) is
 * reported unhealthy and needs its own HEALTHCHECK. Non-2xx/3xx answers fail with every tool.
 */
export function httpProbeCommand(port: number, path: string, timeoutSeconds: number): string[] {
    if (!/^\/[A-Za-z0-9._~\-/?=&%]*$/.test(path)) throw new Error(`health path '${path}' has characters a shell check cannot carry`);
    const url = `http://127.0.0.1:${port}${path}`;
    const t = String(timeoutSeconds);
    const script = [
        `u='${url}'`,
        `if command -v wget >/dev/null 2>&1; then exec wget -q -T ${t} -O /dev/null "$u"`,
        `elif command -v curl >/dev/null 2>&1; then exec curl -fsS -m ${t} -o /dev/null "$u"`,
        `elif command -v python3 >/dev/null 2>&1; then exec python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=${t})' "$u"`,
        `elif command -v node >/dev/null 2>&1; then exec node -e 'fetch(process.argv[1], { signal: AbortSignal.timeout(${t}000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' "$u"`,
        `else echo "no wget, curl, python3 or node for the health check" >&2; exit 1; fi`,
    ].join("; ");
    return ["CMD-SHELL", script];
}

/** Arguments of {@link DockerService}. */
export interface DockerServiceArgs {
    system: System;
    service: Service;
    /** Networks: `app` always (edge and outbound access); `data` when the service uses a datastore. */
    networks: { app: pulumi.Input<string>; data?: pulumi.Input<string> };
    /** Extra plain environment variables (e.g. bucket names, endpoints). @default {} */
    env?: Record<string, pulumi.Input<string>>;
    /** Environment variables carrying credentials (DATABASE_URL, ...); each stays a Pulumi secret. @default {} */
    secretEnv?: Record<string, pulumi.Input<string>>;
    /**
     * Values of the spec's `secrets` (e.g. SECRET_KEY shared by a web service and its worker). A
     * name without a value gets its own generated 48-character password. @default {}
     */
    secretValues?: Record<string, pulumi.Input<string>>;
    /** Resources the replicas wait for (datastores, bucket setup). @default [] */
    dependsOn?: pulumi.Resource[];
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
    /** The one-shot migration container, when the spec has `migrate`. */
    readonly migration?: docker.Container;

    constructor(name: string, args: DockerServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("tierform:docker:Service", name, {}, opts);
        const { system, service } = args;
        if (service.kind === "web" && service.port === undefined) throw new Error(`service ${service.name}: a web service needs a port`);
        this.port = service.kind === "web" ? service.port : undefined;
        this.address = this.port !== undefined ? `${service.name}:${this.port}` : service.name;

        const imageRef = this.image(name, service);
        const plain = { ...service.env, ...(args.env ?? {}) };
        const secretEnv: Record<string, pulumi.Input<string>> = { ...(args.secretEnv ?? {}) };
        for (const secretName of service.secrets) {
            secretEnv[secretName] =
                args.secretValues?.[secretName] ?? secretOf(generatePassword(resourceName([name, secretName.toLowerCase().replace(/_/g, "-")]), this, 48));
        }
        for (const k of Object.keys(secretEnv)) if (k in plain) throw new Error(`service ${service.name}: ${k} is both a plain and a secret variable`);
        const envs: pulumi.Input<string>[] = [
            ...Object.keys(plain)
                .sort()
                .map((k) => pulumi.interpolate`${k}=${plain[k]}`),
            ...Object.keys(secretEnv)
                .sort()
                .map((k) => pulumi.secret(pulumi.interpolate`${k}=${secretEnv[k]}`)),
        ];

        const networks = [
            { name: args.networks.app, aliases: [service.name] },
            ...(args.networks.data !== undefined ? [{ name: args.networks.data }] : []),
        ];
        const user = `${service.runAsUser}:${service.runAsUser}`;
        const base = {
            image: imageRef,
            envs,
            ...hardened({ user, memoryMb: service.resources.memoryMb, cpus: service.resources.cpu }),
            // tini as PID 1: signals reach the app, zombies are reaped.
            init: true,
            tmpfs: tmpfsMounts(service.writablePaths),
            networksAdvanced: networks,
        };

        const dependsOn = [...(args.dependsOn ?? [])];
        if (service.migrate) {
            const migrateName = resourceName([name, "migrate"]);
            this.migration = new docker.Container(
                migrateName,
                {
                    name: migrateName,
                    ...base,
                    command: service.migrate.command,
                    restart: "no",
                    attach: true,
                    mustRun: false,
                    labels: labelsFor(system, "service", undefined, { "tierform.service": service.name, "tierform.role": "migrate" }),
                },
                { parent: this, dependsOn },
            );
            dependsOn.push(this.migration);
        }

        const probe = service.health.liveness ?? service.health.readiness;
        const healthcheck =
            this.port !== undefined && probe
                ? {
                      tests: httpProbeCommand(this.port, probe.path, probe.timeoutSeconds),
                      interval: `${probe.periodSeconds}s`,
                      timeout: `${probe.timeoutSeconds + 1}s`,
                      retries: probe.failureThreshold,
                      startPeriod: `${probe.initialDelaySeconds}s`,
                  }
                : undefined;

        // A scheduler must never run twice; every other kind runs replicas.min (at least one).
        const count = service.kind === "scheduler" ? 1 : Math.max(1, service.replicas.min);
        this.containers = [];
        this.containerNames = [];
        for (let i = 0; i < count; i++) {
            const containerName = resourceName([name, String(i)]);
            this.containerNames.push(containerName);
            this.containers.push(
                new docker.Container(
                    containerName,
                    {
                        name: containerName,
                        hostname: containerName,
                        ...base,
                        command: service.command,
                        healthcheck,
                        stopTimeout: 30,
                        labels: labelsFor(system, "service", undefined, {
                            "tierform.service": service.name,
                            "tierform.kind": service.kind,
                            "tierform.replica": String(i),
                        }),
                    },
                    { parent: this, dependsOn },
                ),
            );
        }
        this.registerOutputs({ address: this.address, containers: this.containerNames });
    }

    /** The container image: pulled pinned, or built from the spec's `build` context. */
    private image(name: string, service: Service): pulumi.Input<string> {
        if (service.build) {
            const built = new docker.Image(
                resourceName([name, "image"]),
                {
                    imageName: service.image,
                    build: { context: service.build.context, ...(service.build.dockerfile ? { dockerfile: service.build.dockerfile } : {}) },
                    skipPush: true,
                    buildOnPreview: false,
                },
                { parent: this },
            );
            return built.imageName;
        }
        return new docker.RemoteImage(resourceName([name, "image"]), { name: service.image, keepLocally: true }, { parent: this }).imageId;
    }
}
