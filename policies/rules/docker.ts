/**
 * Docker (dev stack) policies: the CIS Docker Benchmark section 5 container runtime checks that
 * the provider can express, the seeds' port restrictions, and the nginx edge's TLS, headers and
 * rate limit as rendered into the container's uploaded configuration.
 */
import { DATA_TIERS, dockerTier, isOneShot, isRootUser, resourcePolicy, setting } from "./util";
import { DOCKER_LABEL, afterLabel } from "../../conventions/labels";
import { ENGINE_PORTS } from "../../conventions/ports";

const CONTAINER = "docker:index/container:Container";

/** Datastore ports: every engine's of conventions/ports.ts (PostgreSQL, MySQL, MongoDB, Redis, RabbitMQ's AMQP, the S3 gateway) and RabbitMQ's management 15672. */
export const DATASTORE_PORTS = [...Object.values(ENGINE_PORTS), 15672];

/** No privileged containers. */
export const dockerNoPrivileged = resourcePolicy({
    name: "docker-no-privileged",
    description: "Containers never run privileged (full access to the host's devices and kernel).",
    group: "security",
    platforms: ["docker"],
    sources: ["CIS Docker 5.4"],
    types: [CONTAINER],
    validate: (props, _args, report) => {
        if (props.privileged === true) report("container runs privileged");
    },
});

/** Containers run as a non-root user. */
export const dockerNonRoot = resourcePolicy({
    name: "docker-non-root-user",
    description:
        "Every container sets `user` to a non-root uid (never empty, 'root' or 0), as the seeds' Dockerfiles do with USER appuser.",
    group: "security",
    platforms: ["docker"],
    checklist: ["non-root"],
    sources: ["CIS Docker 4.1", "Checkov CKV_DOCKER_3", "seed 001 Dockerfile"],
    types: [CONTAINER],
    validate: (props, _args, report) => {
        if (isRootUser(props.user))
            report(
                `container runs as root (user is ${props.user === undefined ? "unset, so the image's default" : `'${props.user}'`}); set user to a non-zero uid`,
            );
    },
});

const portsSchema = {
    properties: {
        datastorePorts: setting.integers(DATASTORE_PORTS, "Container ports that are datastores' and must never be published."),
    },
};

/** No datastore port published on the host. */
export const dockerNoDatastorePorts = resourcePolicy({
    name: "docker-no-datastore-ports",
    description:
        "No database, cache, queue or bucket container publishes a port on the host, no container publishes a well-known datastore port, and no container uses publishAllPorts: datastores are reached over the internal network only.",
    group: "security",
    platforms: ["docker"],
    checklist: ["port-restrictions", "mdc-firewall-rules"],
    sources: ["CIS Docker 5.8", "seed 000 'Port restrictions'", "seeds README (database port published to the host)"],
    types: [CONTAINER],
    configSchema: portsSchema,
    validate: (props, args, report, { datastorePorts }) => {
        const tier = dockerTier(props);
        const ports: any[] = Array.isArray(props.ports) ? props.ports : [];
        if (props.publishAllPorts === true) report("publishAllPorts publishes every exposed port on the host");
        if (tier && DATA_TIERS.includes(tier) && ports.length > 0)
            report(`${tier} container publishes port(s) ${ports.map((p) => p.external ?? p.internal).join(", ")} on the host`);
        for (const p of ports) {
            if (datastorePorts.includes(Number(p.internal)) || datastorePorts.includes(Number(p.external)))
                report(`container publishes datastore port ${p.internal} as host port ${p.external ?? "(random)"}`);
        }
    },
});

const bindSchema = {
    properties: {
        allowedHostIps: setting.strings(["127.0.0.1", "::1"], "Host interfaces a published port may bind to."),
        allowedHostPorts: setting.integers([80, 443], "Privileged (<1024) host ports that may be published (the edge's HTTP and HTTPS)."),
    },
};

/** Published ports bind to a chosen interface and avoid privileged host ports. */
export const dockerPortBinding = resourcePolicy({
    name: "docker-port-binding",
    description:
        "Published ports bind to a specific host interface (not every interface) and privileged host ports (<1024) are only the edge's 80 and 443.",
    group: "security",
    platforms: ["docker"],
    checklist: ["mdc-firewall-rules"],
    sources: ["CIS Docker 5.13", "CIS Docker 5.7"],
    types: [CONTAINER],
    configSchema: bindSchema,
    validate: (props, args, report, { allowedHostIps, allowedHostPorts }) => {
        for (const p of Array.isArray(props.ports) ? props.ports : []) {
            const ip = p.ip ?? "0.0.0.0";
            if (!allowedHostIps.includes(ip))
                report(`port ${p.internal} is published on ${ip}; bind it to one of ${allowedHostIps.join(", ")}`);
            const ext = Number(p.external ?? 0);
            if (ext > 0 && ext < 1024 && !allowedHostPorts.includes(ext))
                report(`port ${p.internal} is published on privileged host port ${ext}`);
        }
    },
});

const capsSchema = {
    properties: {
        allowedAdds: setting.strings(
            ["CHOWN", "SETUID", "SETGID", "DAC_OVERRIDE", "FOWNER", "NET_BIND_SERVICE"],
            "Capabilities a container may add back after dropping ALL.",
        ),
    },
};

/** Capabilities dropped. */
export const dockerCapabilities = resourcePolicy({
    name: "docker-capabilities-dropped",
    description: "Containers drop ALL Linux capabilities and add back only a small allow-list.",
    group: "security",
    platforms: ["docker"],
    sources: ["CIS Docker 5.3"],
    types: [CONTAINER],
    configSchema: capsSchema,
    validate: (props, args, report, { allowedAdds }) => {
        const norm = (c: string) => c.toUpperCase().replace(/^CAP_/, "");
        const drops: string[] = (props.capabilities?.drops ?? []).map(norm);
        const adds: string[] = (props.capabilities?.adds ?? []).map(norm);
        if (!drops.includes("ALL")) report("capabilities.drops does not include ALL");
        for (const a of adds) if (!allowedAdds.map(norm).includes(a)) report(`capability ${a} is added back`);
    },
});

/** no-new-privileges set. */
export const dockerNoNewPrivileges = resourcePolicy({
    name: "docker-no-new-privileges",
    description: "Containers run with the no-new-privileges security option, so setuid binaries cannot escalate.",
    group: "security",
    platforms: ["docker"],
    sources: ["CIS Docker 5.25"],
    types: [CONTAINER],
    validate: (props, _args, report) => {
        const opts: string[] = Array.isArray(props.securityOpts) ? props.securityOpts : [];
        if (!opts.some((o) => /^no-new-privileges(:true|=true)?$/.test(o))) report("securityOpts lacks 'no-new-privileges:true'");
    },
});

const roSchema = {
    properties: {
        tiers: setting.strings(["edge", "service", "backup"], "Tiers whose containers must have a read-only root filesystem."),
    },
};

/** Read-only root filesystem for stateless tiers. */
export const dockerReadOnlyRoot = resourcePolicy({
    name: "docker-read-only-rootfs",
    description:
        "Edge, service and backup containers mount their root filesystem read-only (writable paths as tmpfs or volumes). Datastore containers are exempt: their engines write outside their data volume. So is the one-shot, non-root, network-less step that delivers a container's files (role config-files): the daemon takes uploads only into a writable root.",
    group: "security",
    platforms: ["docker"],
    sources: ["CIS Docker 5.12"],
    types: [CONTAINER],
    configSchema: roSchema,
    validate: (props, args, report, { tiers }) => {
        const tier = dockerTier(props);
        if (tier !== undefined && !tiers.includes(tier)) return;
        // The one-shot step that delivers a read-only container's files: the daemon takes uploads
        // only into a writable root filesystem (the provider extracts them at '/'). It runs once,
        // as non-root, with no network, and writes only into the config volume.
        const role = (Array.isArray(props.labels) ? props.labels : []).find((l: any) => l?.label === DOCKER_LABEL.role)?.value;
        if (role === "config-files" && isOneShot(props) && props.networkMode === "none" && !isRootUser(props.user)) return;
        if (props.readOnly !== true) report(`${tier ?? "unlabelled"} container's root filesystem is writable (set readOnly: true)`);
    },
});

/** Host namespaces and devices not shared. */
export const dockerHostIsolation = resourcePolicy({
    name: "docker-host-isolation",
    description: "Containers do not share the host's network, PID, IPC, UTS or user namespaces, and get no host devices.",
    group: "security",
    platforms: ["docker"],
    checklist: ["network-segmentation"],
    sources: ["CIS Docker 5.9", "CIS Docker 5.15", "CIS Docker 5.16", "CIS Docker 5.20", "CIS Docker 5.30", "CIS Docker 5.17"],
    types: [CONTAINER],
    validate: (props, _args, report) => {
        for (const key of ["networkMode", "pidMode", "ipcMode", "usernsMode"]) if (props[key] === "host") report(`${key} is 'host'`);
        if (Array.isArray(props.devices) && props.devices.length > 0)
            report(`host devices are mapped: ${props.devices.map((d: any) => d.hostPath).join(", ")}`);
    },
});

/** Host paths a container must never bind: the host's root, system directories, the Docker socket and state. */
export const SENSITIVE_HOST_PATHS = [
    "/",
    "/boot",
    "/dev",
    "/etc",
    "/lib",
    "/proc",
    "/sys",
    "/usr",
    "/var/run/docker.sock",
    "/run/docker.sock",
    "/var/lib/docker",
];

/** True when host path `path` (trailing slashes ignored) is one of `paths` or below one; "/" matches only itself. */
export function isSensitiveHostPath(path: string, paths: readonly string[] = SENSITIVE_HOST_PATHS): boolean {
    const clean = path.replace(/\/+$/, "") || "/";
    return paths.some((s) => clean === s || (s !== "/" && clean.startsWith(`${s}/`)));
}

/** No sensitive host paths mounted. */
export const dockerSensitiveMounts = resourcePolicy({
    name: "docker-sensitive-mounts",
    description: "No container bind-mounts a sensitive host directory or the Docker socket.",
    group: "security",
    platforms: ["docker"],
    sources: ["CIS Docker 5.5", "CIS Docker 5.31"],
    types: [CONTAINER],
    validate: (props, _args, report) => {
        const paths = [
            ...(Array.isArray(props.volumes) ? props.volumes : []).map((v: any) => v.hostPath),
            ...(Array.isArray(props.mounts) ? props.mounts : []).filter((m: any) => m.type === "bind").map((m: any) => m.source),
        ].filter((p): p is string => typeof p === "string");
        for (const p of paths) if (isSensitiveHostPath(p)) report(`host path ${p} is mounted`);
    },
});

/** The nginx configuration an edge container is given through `uploads`. */
export function edgeConfig(props: any): string | undefined {
    const texts = (Array.isArray(props.uploads) ? props.uploads : [])
        .map((u: any) => u.content)
        .filter((c: unknown): c is string => typeof c === "string");
    const conf = texts.filter((t: string) => /server\s*\{|http\s*\{/.test(t));
    return conf.length > 0 ? conf.join("\n") : undefined;
}

/**
 * A policy on the nginx edge. `check` judges the configuration (and, where the container itself
 * carries it, the container); `checkContainer` judges what only the edge container has (its
 * published ports) when its configuration is delivered by its config-files step.
 */
function edgePolicy(def: {
    name: string;
    description: string;
    checklist: string[];
    sources: string[];
    check: (conf: string, props: any | undefined, report: (m: string) => void) => void;
    checkContainer?: (props: any, report: (m: string) => void) => void;
}) {
    return resourcePolicy({
        name: def.name,
        description: `${def.description} Read from the edge's (tierform.tier=edge) uploaded nginx configuration (on its config-files step).`,
        group: "security",
        platforms: ["docker"],
        checklist: def.checklist,
        sources: def.sources,
        types: [CONTAINER],
        validate: (props, args, report) => {
            if (dockerTier(props) !== "edge") args.notApplicable("not the edge container");
            // The edge's files reach its config volume through a one-shot config-files step (the
            // daemon takes no upload into a read-only container): the configuration is judged on
            // that step, which carries the uploads, and the edge itself waits for it.
            // Since the blue/green edge (5a61804) the served nginx.conf is written by the edge-switch
            // step into a routing volume; the config-files step carries only the certificate, and a
            // volume-init step owns the volume. A step is judged by the configuration it carries, never
            // by ports it does not publish; a step that carries none is not the edge.
            const labels = Object.fromEntries((Array.isArray(props.labels) ? props.labels : []).map((l: any) => [l?.label, l?.value]));
            const role: string | undefined = labels[DOCKER_LABEL.role];
            const conf = edgeConfig(props);
            if (role !== undefined) {
                if (!conf) args.notApplicable(`a one-shot step of the edge (${role}) that carries no nginx configuration`);
                return def.check(conf!, undefined, report);
            }
            if (!props.uploads && (labels[afterLabel("config-files")] !== undefined || labels[afterLabel("volume-init")] !== undefined)) {
                if (!def.checkContainer) args.notApplicable("its nginx configuration is delivered and judged on its edge-switch step");
                return def.checkContainer!(props, report);
            }
            if (!conf)
                return report(
                    "the edge container has no nginx configuration in `uploads`, so TLS, headers and rate limits cannot be verified",
                );
            def.check(conf, props, report);
        },
    });
}

/** Edge terminates TLS and redirects HTTP. */
export const dockerEdgeTls = edgePolicy({
    name: "docker-edge-tls",
    description:
        "The nginx edge listens with TLS (listen ... ssl, ssl_certificate, TLS 1.2+ only), publishes its HTTPS port, and answers plain HTTP only with a redirect to HTTPS.",
    checklist: ["mdc-ssl-certificates", "https-enforcement", "encryption-in-transit"],
    sources: ["seed 001 nginx config", "seed 004 §2.2-2.3", "Mozilla TLS guidelines"],
    check: (conf, props, report) => {
        if (!/listen\s+[^;]*\bssl\b/.test(conf) || !/ssl_certificate\s+\S+/.test(conf))
            report("nginx has no TLS listener with a certificate");
        const protos = /ssl_protocols\s+([^;]+);/.exec(conf)?.[1];
        const old = (protos ?? "").split(/\s+/).filter((t) => ["SSLv2", "SSLv3", "TLSv1", "TLSv1.1"].includes(t));
        if (old.length > 0) report(`ssl_protocols allows ${old.join(", ")}; allow TLSv1.2 and TLSv1.3 only`);
        // A listener without ssl must only redirect to HTTPS (the health endpoint may sit beside the redirect).
        if (/listen\s+(?![^;]*\bssl\b)[^;]*;/.test(conf) && !/return\s+30[178]\s+https:\/\//.test(conf))
            report("plain HTTP is served without a redirect to HTTPS");
        if (props) edgePorts(props, report);
    },
    checkContainer: (props, report) => edgePorts(props, report),
});

/** The edge container publishes its HTTPS port. */
function edgePorts(props: any, report: (m: string) => void): void {
    const ports: any[] = Array.isArray(props.ports) ? props.ports : [];
    if (!ports.some((p) => [443, 8443].includes(Number(p.internal)))) report("the edge does not publish an HTTPS port (443/8443)");
}

/** Edge adds security headers. */
export const dockerEdgeHeaders = edgePolicy({
    name: "docker-edge-security-headers",
    description: "The nginx edge adds the seeds' security headers: X-Frame-Options, X-Content-Type-Options and Strict-Transport-Security.",
    checklist: ["mdc-security-headers"],
    sources: ["seed 001 nginx security headers", "OWASP Secure Headers"],
    check: (conf, _props, report) => {
        for (const h of ["X-Frame-Options", "X-Content-Type-Options", "Strict-Transport-Security"]) {
            if (!new RegExp(`add_header\\s+${h}\\b`, "i").test(conf)) report(`nginx does not add ${h}`);
        }
    },
});

/** Edge rate-limits. */
export const dockerEdgeRateLimit = edgePolicy({
    name: "docker-edge-rate-limit",
    description:
        "The nginx edge limits request rate per client (limit_req_zone and limit_req), caps connections or body size, the seeds' rate limiting and a first line against floods.",
    checklist: ["mdc-rate-limiting", "mdc-ddos-protection"],
    sources: ["seed 001 checklist 'Rate limiting enabled'"],
    check: (conf, _props, report) => {
        if (!/limit_req_zone\s/.test(conf) || !/limit_req\s/.test(conf))
            report("nginx has no request rate limit (limit_req_zone + limit_req)");
        if (!/limit_conn\s|client_max_body_size\s/.test(conf))
            report("nginx caps neither connections (limit_conn) nor request bodies (client_max_body_size)");
    },
});

/** Memory and CPU limits. */
export const dockerResourceLimits = resourcePolicy({
    name: "docker-resource-limits",
    description: "Every container has a memory limit and a CPU limit (cpus or cpuShares), so one container cannot starve the host.",
    group: "reliability",
    platforms: ["docker"],
    checklist: ["replicas-and-probes"],
    sources: ["CIS Docker 5.10", "CIS Docker 5.11"],
    types: [CONTAINER],
    validate: (props, _args, report) => {
        if (!(Number(props.memory) > 0)) report("no memory limit");
        if (!(Number(props.cpuShares) > 0) && !(Number(props.cpus) > 0) && !(Number(props.cpuQuota) > 0))
            report("no CPU limit (cpus, cpuShares or cpuQuota)");
    },
});

/** Health checks. */
export const dockerHealthcheck = resourcePolicy({
    name: "docker-healthcheck",
    description:
        "Every long-running container has a health check (the dev stack's monitoring: Docker reports unhealthy containers). One-shot containers (mustRun: false) are exempt.",
    group: "reliability",
    platforms: ["docker"],
    checklist: ["replicas-and-probes", "mdc-monitoring-alerts"],
    sources: ["CIS Docker 4.6", "CIS Docker 5.26"],
    types: [CONTAINER],
    validate: (props, args, report) => {
        if (isOneShot(props)) args.notApplicable("one-shot container");
        const tests: string[] = props.healthcheck?.tests ?? [];
        if (tests.length === 0 || tests[0] === "NONE") report("no healthcheck");
    },
});

const restartSchema = {
    properties: {
        allowed: setting.strings(["on-failure", "unless-stopped", "always"], "Accepted restart policies."),
        maxRetryCount: setting.integer(5, "Largest retry count for on-failure."),
    },
};

/** Restart policy set. */
export const dockerRestartPolicy = resourcePolicy({
    name: "docker-restart-policy",
    description:
        "Every long-running container has a restart policy (on-failure with at most 5 retries, unless-stopped or always), so a crash does not take a tier down for good. One-shot containers (mustRun: false) are exempt.",
    group: "reliability",
    platforms: ["docker"],
    checklist: ["replicas-and-probes"],
    sources: ["CIS Docker 5.14"],
    types: [CONTAINER],
    configSchema: restartSchema,
    validate: (props, args, report, { allowed, maxRetryCount }) => {
        if (isOneShot(props)) args.notApplicable("one-shot container");
        const restart = props.restart ?? "no";
        if (!allowed.includes(restart)) report(`restart policy is '${restart}'; use one of ${allowed.join(", ")}`);
        if (restart === "on-failure" && Number(props.maxRetryCount ?? 0) > maxRetryCount)
            report(`on-failure retries ${props.maxRetryCount} times (at most ${maxRetryCount})`);
    },
});

/** Datastores keep data on a volume. */
export const dockerDatastoreVolume = resourcePolicy({
    name: "docker-datastore-volume",
    description:
        "Long-running database, cache, queue and bucket containers keep their data on a named volume, so recreating the container keeps the data.",
    group: "reliability",
    platforms: ["docker"],
    checklist: ["backups"],
    sources: ["ARCHITECTURE tiers table (named volume)"],
    types: [CONTAINER],
    validate: (props, args, report) => {
        const tier = dockerTier(props);
        if (!tier || !DATA_TIERS.includes(tier) || isOneShot(props)) args.notApplicable("not a long-running datastore container");
        const named =
            (Array.isArray(props.volumes) ? props.volumes : []).some((v: any) => !!v.volumeName) ||
            (Array.isArray(props.mounts) ? props.mounts : []).some((m: any) => m.type === "volume" && !!m.source);
        if (!named) report(`${tier} container has no named volume for its data`);
    },
});

/** The Docker resource policies. */
export const dockerPolicies = [
    dockerNoPrivileged,
    dockerNonRoot,
    dockerNoDatastorePorts,
    dockerPortBinding,
    dockerCapabilities,
    dockerNoNewPrivileges,
    dockerReadOnlyRoot,
    dockerHostIsolation,
    dockerSensitiveMounts,
    dockerEdgeTls,
    dockerEdgeHeaders,
    dockerEdgeRateLimit,
    dockerResourceLimits,
    dockerHealthcheck,
    dockerRestartPolicy,
    dockerDatastoreVolume,
];
