/**
 * The writable paths of a service's container, whose root filesystem is read-only on every
 * platform, and the variables that put its home and caches on one. A convention the loader checks
 * a spec against (an `env` HOME must lie on a writable path), the plan gives every service
 * (plan/service.ts) and each platform renders.
 */

/**
 * Where a service's HOME, temporary and cache files go: `/tmp`, which every platform makes
 * writable for the service's uid (Docker a tmpfs, Kubernetes an emptyDir, ECS a task volume handed
 * to the uid). A directory of its own (`/home/app`) would hide whatever an image keeps there
 * (`WORKDIR /home/app` is common); `/tmp` holds nothing an image relies on.
 */
export const HOME_DIR = "/tmp";

/**
 * The paths a service may write: the spec's `writablePaths` with {@link HOME_DIR} added (at the
 * end, so the others keep their volume indices) — except `writablePaths: []`, a container with
 * nothing writable at all (on AWS the way to keep busybox, pulled from ECR Public, out of its task),
 * which also gets no {@link homeVariables}.
 */
export function writablePathsOf(service: { writablePaths: readonly string[] }): string[] {
    const given = service.writablePaths;
    if (given.length === 0) return [];
    return given.includes(HOME_DIR) ? [...given] : [...given, HOME_DIR];
}

/**
 * The variables that put a service's home and caches on a writable path. The uid has no
 * `/etc/passwd` entry, so without them HOME is `/` on the read-only root and `npx`, npm, pip and
 * Python's bytecode caches fail to write. `HOME`: npm's cache (`~/.npm`, @npmcli/config
 * definitions `cache`) and Node's `os.homedir()` follow it; `TMPDIR`: mktemp, Python's `tempfile`,
 * Node's `os.tmpdir()`; `XDG_CACHE_HOME`: pip's cache (platformdirs `user_cache_dir`, so
 * `PIP_CACHE_DIR` need not be set), Prisma's and other CLIs' caches; `PYTHONPYCACHEPREFIX`
 * (Python ≥ 3.8): bytecode caches, which cannot be written beside read-only sources. A name the
 * spec's `env` also gives keeps the spec's value; the loader refuses one outside the writable paths.
 */
export function homeVariables(service: { writablePaths: readonly string[] }): Record<string, string> {
    if (writablePathsOf(service).length === 0) return {};
    return { HOME: HOME_DIR, TMPDIR: HOME_DIR, XDG_CACHE_HOME: `${HOME_DIR}/.cache`, PYTHONPYCACHEPREFIX: `${HOME_DIR}/.cache/pycache` };
}

/** The {@link homeVariables} names, whose value (from the spec's `env`) must lie on a writable path. */
export const HOME_VARIABLES = ["HOME", "TMPDIR", "XDG_CACHE_HOME", "PYTHONPYCACHEPREFIX"] as const;
