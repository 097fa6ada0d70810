/**
 * What the Docker daemon and the Docker provider (pulumi-docker, built on
 * kreuzwerker/terraform-provider-docker) refuse or break, checked offline. See `index.ts`.
 */
import { plaintextSecretProblem } from "../../../policies/rules/util";
import type { EngineRule, Finding } from "./rule";

const CONTAINER = "docker:index/container:Container";
const VOLUME = "docker:index/volume:Volume";

/**
 * Container and volume names: moby `daemon/names/names.go` `RestrictedNamePattern`
 * (`^[a-zA-Z0-9][a-zA-Z0-9_.-]+$`), checked by the daemon when it reserves a container name and
 * by the local volume driver (`volume/local/local.go` `validateName`).
 */
const NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** The provider's container create, which every rule below about uploads, wait and attach reads. */
const PROVIDER_CREATE =
    "kreuzwerker/terraform-provider-docker internal/provider/resource_docker_container_funcs.go resourceDockerContainerCreate";

/** A URL with a password in it, anywhere in a string (`scheme://user:pass@`, `redis://:pass@`, `mongodb+srv://u:p@`). */
export const URL_WITH_PASSWORD = /[a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:[^/\s@]+@/i;

/** Command-line flags that carry a credential as their value. */
const SECRET_FLAG = /^--?(password|passwd|pass|secret|token|api-?key|access-?key|secret-?key|requirepass)(=|$)/i;

/** A Go `time.ParseDuration` string ("10s", "1m30s", "500ms"): the provider parses the healthcheck's durations so and silently uses 0 (Docker's default) when it cannot. */
const GO_DURATION = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;

/** The container paths of a container's `volumes` and `mounts`. */
function mountTargets(inputs: Record<string, any>): string[] {
    return [
        ...(Array.isArray(inputs.volumes) ? inputs.volumes : []).map((v: any) => v?.containerPath),
        ...(Array.isArray(inputs.mounts) ? inputs.mounts : []).map((m: any) => m?.target),
    ].filter((p): p is string => typeof p === "string");
}

const clean = (p: string) => p.replace(/\/+$/, "") || "/";

/** Every Docker rule. */
export const DOCKER_RULES: EngineRule[] = [
    {
        id: "docker-name-characters",
        types: [CONTAINER, VOLUME],
        outcome: "refused",
        source: "moby daemon/names/names.go RestrictedNamePattern (container names; volume/local/local.go validateName for volumes)",
        check(r): Finding[] {
            const name = r.inputs.name;
            if (typeof name !== "string" || NAME_PATTERN.test(name)) return [];
            return [
                {
                    field: "name",
                    message: `'${name}' does not match ${NAME_PATTERN.source} (letters, digits, '_', '.', '-', at least two, starting with a letter or digit)`,
                },
            ];
        },
    },
    {
        id: "docker-upload-read-only-rootfs",
        types: [CONTAINER],
        outcome: "refused",
        source: `${PROVIDER_CREATE}: each upload is a tar archive put at \`dstPath := "/"\` (\`client.CopyToContainer(ctx, retContainer.ID, dstPath, ...)\`); moby daemon/archive.go refuses an archive outside a volume for a container with ReadonlyRootfs ("container rootfs is marked read-only", HTTP 500)`,
        check(r): Finding[] {
            const uploads = Array.isArray(r.inputs.uploads) ? r.inputs.uploads : [];
            if (uploads.length === 0 || r.inputs.readOnly !== true) return [];
            return [
                {
                    field: "uploads",
                    message: `container '${r.inputs.name ?? r.name}' has ${uploads.length} upload(s) and readOnly: true; the provider puts every upload at '/', which the daemon refuses on a read-only root filesystem even when the file lands in a volume (deliver the files with a writable one-shot step into a volume instead)`,
                },
            ];
        },
    },
    {
        id: "docker-credential-in-env-or-argv",
        types: [CONTAINER],
        outcome: "leaks",
        source: "Docker Engine API ContainerInspect (GET /containers/{id}/json) returns Config.Env, Config.Cmd, Config.Entrypoint and Args to anyone who can reach the daemon (`docker inspect`); argv is also in /proc/<pid>/cmdline",
        check(r): Finding[] {
            const out: Finding[] = [];
            const who = `container '${r.inputs.name ?? r.name}'`;
            const secretAt = new Set(r.secretPaths);
            (Array.isArray(r.inputs.envs) ? r.inputs.envs : []).forEach((e: unknown, i: number) => {
                if (typeof e !== "string") return;
                const eq = e.indexOf("=");
                const name = eq < 0 ? e : e.slice(0, eq);
                const problem = secretAt.has(`envs[${i}]`)
                    ? `${name} is a secret`
                    : plaintextSecretProblem(name, eq < 0 ? "" : e.slice(eq + 1));
                if (problem)
                    out.push({ field: `envs[${i}]`, message: `${who}: ${problem}; \`docker inspect\` lists it (deliver it as a file)` });
            });
            for (const key of ["command", "entrypoints"]) {
                const argv: unknown[] = Array.isArray(r.inputs[key]) ? r.inputs[key] : [];
                argv.forEach((a, i) => {
                    if (typeof a !== "string") return;
                    const flagValue =
                        SECRET_FLAG.test(a) && (a.includes("=") ? a.split("=").slice(1).join("=") !== "" : typeof argv[i + 1] === "string");
                    if (secretAt.has(`${key}[${i}]`) || URL_WITH_PASSWORD.test(a) || flagValue) {
                        out.push({
                            field: `${key}[${i}]`,
                            message: `${who}: argument ${i} carries a credential; \`docker inspect\` and the process list show it (deliver it as a file)`,
                        });
                    }
                });
            }
            return out;
        },
    },
    {
        id: "docker-tmpfs-mount-overlap",
        types: [CONTAINER],
        outcome: "refused",
        source: 'moby daemon/volumes.go registerMountPoints: a tmpfs and a volume at the same container path fail with "Duplicate mount point"',
        check(r): Finding[] {
            const tmpfs = Object.keys(r.inputs.tmpfs ?? {}).map(clean);
            const targets = mountTargets(r.inputs).map(clean);
            const dupes = [...tmpfs, ...targets].filter((p, i, all) => all.indexOf(p) !== i);
            return [...new Set(dupes)].map((p) => ({
                field: "tmpfs",
                message: `'${p}' is mounted twice (tmpfs and/or volumes); the daemon refuses a duplicate mount point`,
            }));
        },
    },
    {
        id: "docker-memory-minimum",
        types: [CONTAINER],
        outcome: "refused",
        source: 'moby daemon/daemon_unix.go verifyPlatformContainerResources: "Minimum memory limit allowed is 6MB" (linuxMinMemory = 6291456)',
        check(r): Finding[] {
            const m = r.inputs.memory;
            if (typeof m !== "number" || m === 0 || m >= 6) return [];
            return [{ field: "memory", message: `${m} MiB is below the daemon's 6 MiB minimum` }];
        },
    },
    {
        id: "docker-wait-needs-healthcheck",
        types: [CONTAINER],
        outcome: "refused",
        source: `${PROVIDER_CREATE}: with wait, "you have supplied a 'wait' argument, but the container does not have a healthcheck defined"`,
        check(r): Finding[] {
            if (r.inputs.wait !== true || r.inputs.healthcheck?.tests?.length) return [];
            return [{ field: "wait", message: `container '${r.inputs.name ?? r.name}' waits for a health status but has no healthcheck` }];
        },
    },
    {
        id: "docker-healthcheck-durations",
        types: [CONTAINER],
        outcome: "broken",
        source: `${PROVIDER_CREATE}: \`config.Healthcheck.Interval, _ = time.ParseDuration(...)\` (also timeout, start_period): an unparsable duration is silently 0, the daemon's default`,
        check(r): Finding[] {
            const h = r.inputs.healthcheck;
            if (!h) return [];
            return ["interval", "timeout", "startPeriod"]
                .filter((k) => h[k] !== undefined && !(typeof h[k] === "string" && GO_DURATION.test(h[k])))
                .map((k) => ({ field: `healthcheck.${k}`, message: `'${h[k]}' is not a Go duration such as "10s" or "1m30s"` }));
        },
    },
];
