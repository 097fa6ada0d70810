/**
 * Stand-in images for the dev stack's pinned images (registries cannot be reached in tests). Each
 * is Debian's static busybox imported with the REAL image's user, groups, directories (owner and
 * mode), VOLUME declarations, working directory and environment, read from the official
 * Dockerfiles (cited per image), plus a stand-in for the process: `/standin/run` writes, as the
 * container's user, to every path the real process writes (`STANDIN_WRITES`), reads every file in
 * /run/tierform, and only then marks itself ready; the health-check tools (`pg_isready`,
 * `mysqladmin`, `mongosh`, `redis-cli`, `rabbitmq-diagnostics`, `wget`, `curl`) answer from that
 * mark, so a container is healthy only when its writes succeeded. An image whose entrypoint first
 * runs a temporary server to initialise a fresh data directory (MongoDB's) has it imitated
 * (`STANDIN_INIT_FOR`): for `STANDIN_INIT_SECONDS` only a loopback, user-less `mongosh` answers.
 *
 * Images are tagged with the exact refs the plan pins (so the recorded image ids resolve), and
 * labelled `tierform.test=stand-in`; {@link removeStandIns} untags them after the test and
 * {@link buildStandIn} refuses to replace an image that is not a stand-in.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import { api, apiOk, daemonAnswers, tar, type TarEntry } from "./api";

/** One stand-in image: what the real image declares. */
export interface StandIn {
    /** The pinned ref it is tagged as. */
    ref: string;
    /** Where the facts come from. */
    source: string;
    /** /etc/passwd users: name, uid, gid, home. */
    users: { name: string; uid: number; gid: number; home?: string }[];
    /** Directories the image creates, with owner and mode. */
    dirs: { path: string; uid?: number; gid?: number; mode?: number }[];
    /** VOLUME declarations. */
    volumes?: string[];
    /** USER. @default root */
    user?: string;
    workdir?: string;
    env?: Record<string, string>;
    /** ENTRYPOINT path of the image (the stand-in is installed there). */
    entrypoint?: string[];
    cmd?: string[];
    /** Paths the real process writes (space-separated in STANDIN_WRITES). */
    writes: string[];
    /** Commands of the image (servers, tools) that run the stand-in. */
    commands: string[];
    /** Serve these HTTP paths on STANDIN_PORT (web apps, the edge's /healthz, the store's /healthz). */
    http?: { port: number; paths: string[] };
    /** Debian's busybox as it is, applets not renamed (the busybox image itself, whose binary the health-tools step copies). @default false */
    realBusybox?: boolean;
}

const BUSYBOX = ["/usr/bin/busybox", "/bin/busybox"].find((p) => fs.existsSync(p));

/** Import an image `repo:tag` holding only Debian's static busybox at /bin/busybox, labelled `tierform.test=stand-in`. */
export async function importBusyboxImage(repo: string, tag: string): Promise<void> {
    const rootfs = tar([
        { name: "bin", type: "dir" },
        { name: "bin/busybox", type: "file", content: fs.readFileSync(BUSYBOX!), mode: 0o755 },
    ]);
    const q = new URLSearchParams({ fromSrc: "-", repo, tag });
    q.append("changes", "LABEL tierform.test=stand-in");
    await apiOk("POST", `/images/create?${q.toString()}`, rootfs, { contentType: "application/x-tar" });
}

/** Whether Debian's busybox-static is installed. */
export function busyboxPath(): string | undefined {
    return BUSYBOX;
}

/**
 * For a real-daemon suite's `before` hook: skips the suite, with one line saying what is missing,
 * where no Docker daemon answers or busybox-static is not installed; in CI (CI=true) fails instead,
 * since .ci/run installs both and starts dockerd.
 */
export async function requireDaemon(context: Mocha.Context): Promise<void> {
    const problem = !(await daemonAnswers())
        ? "no Docker daemon answers on /var/run/docker.sock (Debian package 'docker.io'; .ci/run starts dockerd)"
        : !busyboxPath()
          ? "busybox is not installed (Debian package 'busybox-static')"
          : undefined;
    if (!problem) return;
    if (process.env.CI === "true") throw new Error(`${problem}: CI must have it`);
    console.warn(`      skipped: ${problem}`);
    context.skip();
}

/** The stand-in process: writes, reads, marks ready, serves or finishes. */
const RUN = `#!/bin/sh
# tierform test stand-in (test/docker-engine/stand-ins.ts): behaves like the real process where it
# touches the filesystem: as the container's user, write where the real process writes.
me="$(id -u):$(id -g)"
name=$(basename "$0")
case "$name $*" in
  mongosh*)
    # The real server (after the entrypoint's init) listens on every address and knows the root
    # user; the entrypoint's temporary init server listens on 127.0.0.1 only, without users.
    host=127.0.0.1; prev=""
    for a in "$@"; do [ "$prev" = "--host" ] && host=$a; prev=$a; done
    [ -f /tmp/.standin-ready ] && exit 0
    case "$host" in 127.0.0.1|localhost) case "$*" in *".auth("*) exit 1 ;; esac; test -f /tmp/.standin-init; exit $? ;; esac
    exit 1 ;;
  *"inspect ping"*|pg_isready*|mysqladmin*|rabbitmq-diagnostics*) test -f /tmp/.standin-ready; exit $? ;;
  redis-cli*) test -f /tmp/.standin-ready && echo PONG; exit $? ;;
esac
# The image entrypoint's first-start initialisation (STANDIN_INIT_FOR: the server command that
# has one; STANDIN_DATA: where it leaves its mark): a temporary server for STANDIN_INIT_SECONDS.
if [ -n "\${STANDIN_INIT_FOR:-}" ] && [ "\${1:-}" = "$STANDIN_INIT_FOR" ] && [ ! -e "$STANDIN_DATA/.standin-initialised" ]; then
  touch /tmp/.standin-init
  sleep "\${STANDIN_INIT_SECONDS:-15}"
  touch "$STANDIN_DATA/.standin-initialised" || { echo "stand-in $name: cannot initialise $STANDIN_DATA as $me" >&2; exit 1; }
  rm -f /tmp/.standin-init
fi
ok=1
for d in $STANDIN_WRITES \${PGDATA:-}; do
  mkdir -p "$d" 2>/dev/null
  if echo "$name" >"$d/.standin-write" 2>/dev/null; then rm -f "$d/.standin-write"; else echo "stand-in $name: cannot write $d as $me" >&2; ok=0; fi
done
if [ -d /run/tierform ]; then
  for f in /run/tierform/*; do
    [ -e "$f" ] || continue
    cat "$f" >/dev/null 2>&1 || { echo "stand-in $name: cannot read $f as $me" >&2; ok=0; }
  done
fi
[ "$ok" = 1 ] || exit 1
case " $* " in
  *" migrate "*|*" upgrade "*) echo "stand-in $name: one-shot step done as $me"; exit 0 ;;
esac
port=\${STANDIN_PORT:-}
for a in "$@"; do
  case "$a" in *:[0-9]*) p=\${a##*:}; case "$p" in *[!0-9]*) ;; *) port=$p ;; esac ;; esac
  [ "\${prev:-}" = "--port" ] && port=$a
  prev=$a
done
# Ready before the HTTP server answers, so whatever sees it answer also sees the mark.
touch /tmp/.standin-ready
if [ -n "$port" ]; then
  mkdir -p /tmp/www
  for p in $STANDIN_HTTP_PATHS; do case "$p" in */) f="/tmp/www\${p}index.html" ;; *) f="/tmp/www$p" ;; esac; mkdir -p "$(dirname "$f")"; echo ok >"$f"; done
  httpd -p "$port" -h /tmp/www
fi
echo "stand-in $name: ready as $me"
trap 'exit 0' TERM INT
while :; do sleep 3600 & wait $!; done
`;

/**
 * wget for the health checks: a GET through busybox nc (busybox's static wget crashes as a non-root
 * user), host names resolved with busybox nslookup against Docker's DNS; exit 0 on a 2xx/3xx answer.
 */
const WGET = `#!/bin/sh
url=""; hdrs=""
while [ $# -gt 0 ]; do
  case "$1" in
    http://*) url=$1 ;;
    --header) shift; hdrs="$hdrs$1\\r\\n" ;;
    --header=*) hdrs="$hdrs\${1#--header=}\\r\\n" ;;
  esac
  shift
done
rest=\${url#http://}; hostport=\${rest%%/*}; path=/\${rest#*/}; [ "$rest" = "$hostport" ] && path=/
host=\${hostport%%:*}; port=\${hostport##*:}; [ "$port" = "$hostport" ] && port=80
case "$host" in *[!0-9.]*) host=$(nslookup "$host" 127.0.0.11 2>/dev/null | awk '/^Name:/{f=1} f&&/^Address/{print $NF}' | tail -1) ;; esac
[ -n "$host" ] || exit 4
status=$(printf "GET $path HTTP/1.0\\r\\nHost: $hostport\\r\\n$hdrs\\r\\n" | nc -w 5 "$host" "$port" | head -1)
case "$status" in "HTTP/1."?" 2"*|"HTTP/1."?" 3"*) exit 0 ;; *) echo "wget stand-in: $url answered '$status'" >&2; exit 8 ;; esac
`;

/** curl, for the store's health check and the bucket step: GETs as the wget stand-in; S3 calls need a readable -K credentials file with a user line and a healthy store. */
const CURL = `#!/bin/sh
url=""; cfg=""; prev=""
for a in "$@"; do
  case "$a" in http://*|https://*) url=$a ;; esac
  [ "$prev" = "-K" ] && cfg=$a
  prev=$a
done
if [ -n "$cfg" ]; then
  grep -q '^user = "[^:"]*:[^"]*"$' "$cfg" || { echo "curl stand-in: no user line in $cfg" >&2; exit 2; }
  base=\${url%%://*}://$(echo "\${url#*://}" | cut -d/ -f1)
  exec /usr/local/bin/wget "$base/healthz"
fi
exec /usr/local/bin/wget "$url"
`;

/**
 * The stand-ins' clock: fixed at 12:34:56 UTC, a minute no preset's backup schedule names, so the
 * backup containers' schedule loop never fires during a test (the stand-in dump tools cannot dump,
 * and a run that came due would rightly turn the backup unhealthy: the test would depend on the
 * hour it runs at). Busybox's own `date` (renamed `datf`, see {@link patchedBusybox}) does the work.
 */
const DATE = `#!/bin/sh
case " $* " in *" -d "*|*" -r "*|*" -s "*) exec /bin/busybox datf "$@" ;; esac
exec /bin/busybox datf -d "2026-01-01 12:34:56" "$@"
`;

/**
 * Debian's static busybox with applets renamed away in its sorted applet-name table, because
 * busybox's shell runs applets before PATH: "wget" → "wgez" (that applet crashes with `-T`
 * (SIGSEGV), so the health checks' `wget` must reach the stand-in above) and "date" → "datf" (so
 * `date` reaches the fixed clock above).
 */
function patchedBusybox(): Buffer {
    const bin = Buffer.from(fs.readFileSync(BUSYBOX!));
    for (const [from, to] of [
        ["wget", "wgez"],
        ["date", "datf"],
    ]) {
        const at = bin.indexOf(Buffer.from(`\0${from}\0`));
        if (at < 0) throw new Error(`busybox: no ${from} applet name to rename`);
        bin.write(to, at + 1, "latin1");
    }
    return bin;
}

/** The rootfs archive of a stand-in. */
function rootfs(s: StandIn): Buffer {
    if (!BUSYBOX) throw new Error("busybox-static is not installed");
    const applets = execFileSync(BUSYBOX, ["--list"], { encoding: "utf8" })
        .split("\n")
        .filter((a) => a && a !== "busybox" && a !== "wget" && a !== "date");
    const entries: TarEntry[] = [
        { name: "bin", type: "dir" },
        { name: "usr", type: "dir" },
        { name: "usr/bin", type: "dir" },
        { name: "usr/local", type: "dir" },
        { name: "usr/local/bin", type: "dir" },
        { name: "etc", type: "dir" },
        { name: "tmp", type: "dir", mode: 0o1777 },
        { name: "run", type: "dir" },
        { name: "var", type: "dir" },
        { name: "var/run", type: "dir" },
        { name: "standin", type: "dir" },
        { name: "bin/busybox", type: "file", content: s.realBusybox ? fs.readFileSync(BUSYBOX) : patchedBusybox(), mode: 0o755 },
        ...applets.map((a) => ({ name: `bin/${a}`, type: "symlink" as const, target: "/bin/busybox" })),
        { name: "usr/bin/env", type: "symlink", target: "/bin/busybox" },
        { name: "standin/run", type: "file", content: RUN, mode: 0o755 },
        { name: "usr/local/bin/curl", type: "file", content: CURL, mode: 0o755 },
        { name: "usr/local/bin/wget", type: "file", content: WGET, mode: 0o755 },
        { name: "bin/date", type: "file", content: DATE, mode: 0o755 },
        {
            name: "etc/passwd",
            type: "file",
            content:
                ["root:x:0:0:root:/root:/bin/sh", ...s.users.map((u) => `${u.name}:x:${u.uid}:${u.gid}::${u.home ?? "/"}:/bin/sh`)].join(
                    "\n",
                ) + "\n",
        },
        {
            name: "etc/group",
            type: "file",
            content:
                ["root:x:0:", ...[...new Map(s.users.map((u) => [u.gid, u.name])).entries()].map(([gid, n]) => `${n}:x:${gid}:`)].join(
                    "\n",
                ) + "\n",
        },
    ];
    const seen = new Set(entries.map((e) => e.name));
    const addDir = (path: string, uid = 0, gid = 0, mode = 0o755) => {
        const parts = path.replace(/^\//, "").split("/");
        for (let i = 1; i <= parts.length; i++) {
            const p = parts.slice(0, i).join("/");
            const last = i === parts.length;
            if (seen.has(p) && !last) continue;
            if (seen.has(p)) {
                const idx = entries.findIndex((e) => e.name === p);
                entries.splice(idx, 1);
            }
            seen.add(p);
            entries.push({ name: p, type: "dir", ...(last ? { uid, gid, mode } : {}) });
        }
    };
    for (const d of s.dirs) addDir(d.path, d.uid, d.gid, d.mode);
    for (const c of s.commands) {
        const path = c.startsWith("/") ? c.slice(1) : `usr/local/bin/${c}`;
        if (!seen.has(path)) entries.push({ name: path, type: "symlink", target: "/standin/run" });
        seen.add(path);
    }
    return tar(entries);
}

/** Whether the image `ref` exists and is a stand-in (or absent). Refuses to touch a real image. */
async function assertReplaceable(ref: string): Promise<void> {
    const r = await api("GET", `/images/${encodeURIComponent(ref)}/json`);
    if (r.status === 404) return;
    if (r.json?.Config?.Labels?.["tierform.test"] !== "stand-in")
        throw new Error(`${ref} exists on this daemon and is not a tierform stand-in: refusing to replace it`);
}

/** Remove an earlier stand-in tagged `ref` (so a re-import leaves no dangling image). */
async function removeEarlier(ref: string): Promise<void> {
    await assertReplaceable(ref);
    await api("DELETE", `/images/${encodeURIComponent(ref)}?force=1`);
}

/** Import the stand-in and tag it as `s.ref` (POST /images/create?fromSrc=-, like `docker import --change`). */
export async function buildStandIn(s: StandIn): Promise<void> {
    await removeEarlier(s.ref);
    const env = {
        ...(s.env ?? {}),
        PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        STANDIN_WRITES: s.writes.join(" "),
        ...(s.http ? { STANDIN_PORT: String(s.http.port), STANDIN_HTTP_PATHS: s.http.paths.join(" ") } : {}),
    };
    const changes = [
        ...Object.entries(env).map(([k, v]) => `ENV ${k}=${JSON.stringify(v)}`),
        ...(s.volumes ?? []).map((v) => `VOLUME ${v}`),
        ...(s.user ? [`USER ${s.user}`] : []),
        ...(s.workdir ? [`WORKDIR ${s.workdir}`] : []),
        `ENTRYPOINT ${JSON.stringify(s.entrypoint ?? ["/standin/run"])}`,
        ...(s.cmd ? [`CMD ${JSON.stringify(s.cmd)}`] : []),
        `LABEL tierform.test=stand-in`,
    ];
    const [repo, tag] = splitRef(s.ref);
    const q = new URLSearchParams({ fromSrc: "-", repo, tag });
    for (const c of changes) q.append("changes", c);
    await apiOk("POST", `/images/create?${q.toString()}`, rootfs(s), { contentType: "application/x-tar", timeoutMs: 120_000 });
    await assertReplaceable(s.ref);
}

/** `repo`, `tag` of a ref. */
function splitRef(ref: string): [string, string] {
    const i = ref.lastIndexOf(":");
    return i > ref.lastIndexOf("/") ? [ref.slice(0, i), ref.slice(i + 1)] : [ref, "latest"];
}

/** Untag every stand-in ref (only stand-ins). */
export async function removeStandIns(refs: string[]): Promise<void> {
    for (const ref of refs) {
        const r = await api("GET", `/images/${encodeURIComponent(ref)}/json`);
        if (r.status === 200 && r.json?.Config?.Labels?.["tierform.test"] === "stand-in")
            await api("DELETE", `/images/${encodeURIComponent(ref)}?force=1`);
    }
}
