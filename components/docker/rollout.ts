/**
 * Blue/green and canary on Docker: the edge switches between two sets of replicas ("colours")
 * instead of the replicas being replaced under it.
 *
 * A routed web service whose rollout is `blueGreen` or `canary` names its replicas after a colour,
 * the plan's revision of the service, a short hash of what they run (plan/service.ts `revisionOf`: image, command, variables, health, size):
 * `<system>-<service>-<colour>-<i>`, reachable on the app network as `<service>-<colour>`. A new
 * version is a new colour, so `pulumi up` CREATES its replicas beside the running ones (other
 * names, so no replacement) and waits until their health checks pass (`wait`); then the edge's
 * switch step ({@link edgeSwitchScript}, a one-shot container re-created whenever the edge's
 * configuration changes) hands the edge its new nginx.conf and waits until the edge answers its
 * health path with the new configuration's generation, which its watcher writes only once no
 * worker of the previous configuration takes requests ({@link edgeWatcherScript}); and only at the end of the
 * update does Pulumi delete the old colour's containers, which are no longer in the program
 * (Pulumi deletes resources the program no longer registers after every create and update of
 * the deployment: pulumi/pulumi pkg/resource/deploy/step_generator.go, `GenerateDeletes`, run
 * once the program has finished).
 *
 * The edge is never re-created for a switch: its container reads nginx.conf from a routing volume
 * it mounts read-only and runs {@link edgeWatcherScript}, which starts nginx, and on every change
 * of that file checks it with `nginx -t` and reloads nginx (SIGHUP: new workers take new requests,
 * old workers finish theirs — nginx docs, "Controlling nginx", changing configuration). Nothing of
 * the edge container's own inputs depends on the routing (the switch step is only in its
 * `dependsOn`), so Pulumi leaves it running: the Docker provider replaces a container on any input
 * change, deleting it first (pulumi-docker provider/resources.go: `docker_container`
 * `DeleteBeforeReplace: true`), and Pulumi replaces a dependent only through a changed property
 * (pkg/resource/deploy/step_generator.go, `calculateDependentReplacements`), never through `dependsOn`.
 *
 * Canary: the step walks the plan's weights (e.g. 10 → 50 → 100 %) within the update, each
 * weight an nginx `split_clients` between the previous colour (read from the live configuration)
 * and the new one, held for the step's pause, then the full switch. No controller judges the steps:
 * nothing but the new replicas' health checks and `nginx -t` stops the walk (the plan prints this).
 *
 * A change the colour does not cover (a rotated credential, a datastore's new address) replaces
 * the replicas in place, each deleted before its successor starts; a change of the replica count
 * is a new colour.
 */
import { createHash } from "crypto";
import type { RolloutPlan } from "../../plan";

/** Where the edge reads its nginx.conf: the routing volume, written by the switch step only. */
export const ROUTING_DIR = "/run/tierform-routing";
/** The edge's live configuration. */
export const LIVE_CONF = `${ROUTING_DIR}/nginx.conf`;
/** Where the switch step receives the configurations it installs (its own writable root). */
export const NEXT_DIR = "/run/tierform-next";
/** How long the switch step waits for the running edge to load a configuration. */
export const SWITCH_TIMEOUT_SECONDS = 60;
/** How many times, a second apart, the switch step asks an edge that has loaded a configuration before it goes on without it (a removed edge). */
export const EDGE_PROBE_TRIES = 15;

/** 6 hex characters of the SHA-256 of `definition` as JSON (the edge's generation of a configuration). */
export function replicaColour(definition: unknown): string {
    return createHash("sha256").update(JSON.stringify(definition)).digest("hex").slice(0, 6);
}

/** The comment line the live configuration names a service's colour in (the switch step reads it back). */
export function colourLine(service: string, colour: string): string {
    if (!/^[a-z0-9-]+$/.test(service) || !/^[a-f0-9]{6}$/.test(colour)) throw new Error(`colour line: '${service}' '${colour}'`);
    return `# tierform-colour ${service} ${colour}`;
}

/** The stand-in host name of a service's previous colour in a canary configuration; the switch step substitutes it. */
export function previousColourHost(service: string): string {
    return `tierform-previous-${service}`;
}

/** Where the edge's watcher writes `ok <generation>` once only that configuration takes requests; the health path answers it. */
export const EDGE_HEALTH_FILE = "/tmp/tierform-edge-health";

/** The comment line a configuration names its generation in (the edge's watcher reads it back). */
export function generationLine(generation: string): string {
    if (!/^[A-Za-z0-9._-]+$/.test(generation)) throw new Error(`generation line: '${generation}'`);
    return `# tierform-generation ${generation}`;
}

/**
 * The edge container's process (POSIX sh, busybox): waits for the first configuration, runs nginx
 * in the foreground as its child, and polls the configuration's checksum every second; a changed
 * file that passes `nginx -t` is loaded with SIGHUP, one that fails is logged and left unloaded.
 * SIGTERM (docker stop) becomes nginx's graceful SIGQUIT; when nginx exits, so does the container.
 *
 * The health path answers the loaded generation ({@link EDGE_HEALTH_FILE}) only once no worker of
 * the previous configuration takes requests: on SIGHUP nginx's master starts the new workers,
 * sleeps 100 ms ("allow new processes to start"), and only then signals the old ones to shut down
 * (nginx src/os/unix/ngx_process_cycle.c, `ngx_master_process_cycle`, `ngx_reconfigure`); an old
 * worker closes its listening sockets as it renames itself "worker process is shutting down"
 * (`ngx_worker_process_cycle`, `ngx_quit`). In that window a new worker already answers while the
 * old ones still accept requests for the old colour: a switch step that trusted the first new
 * answer let the old colour be deleted under them (3 to 4 requests of 1,300 hung 10 s and ended in
 * 504 on every run of test/docker-engine/bluegreen.test.ts). So the watcher notes the workers that
 * accept before the reload and writes the new generation once each has exited: a worker that is
 * shutting down accepts nothing new but still proxies the requests it took, to the old colour (a
 * request it had accepted reached an upstream closed 2 ms earlier: 2 of 2,107 ended in 502 in
 * test/tools/edge-watcher.test.ts under load). One that is still busy when the switch's time is up
 * (a long request) is named, and the new generation is written all the same, as before.
 */
export function edgeWatcherScript(conf: string = LIVE_CONF, healthFile: string = EDGE_HEALTH_FILE): string {
    for (const p of [conf, healthFile])
        if (!/^\/[A-Za-z0-9._/-]+$/.test(p)) throw new Error(`edge watcher: '${p}' is not an absolute path`);
    return [
        `conf=${conf}`,
        `health=${healthFile}`,
        `generation() { sed -n 's/^# tierform-generation \\([A-Za-z0-9._-]*\\)$/\\1/p' "$conf" | head -n 1; }`,
        // A worker that takes requests: its title is nginx's worker title, not yet "... is shutting down".
        `accepts() { case "$(cat "/proc/$1/cmdline" 2>/dev/null)" in *"shutting down"*) return 1 ;; "nginx: worker process"*) return 0 ;; *) return 1 ;; esac; }`,
        // nginx's own workers (their parent is $pid), that take requests; /proc/<pid>/stat's 4th field is the parent.
        `workers() { for p in /proc/[0-9]*; do read -r _ _ _ pp _ 2>/dev/null <"$p/stat" && [ "$pp" = "$pid" ] && accepts "\${p#/proc/}" && echo "\${p#/proc/}"; done; }`,
        // $1: the workers of the previous configuration; $2: the loaded generation.
        `serving() {`,
        `    n=0`,
        `    for w in $1; do`,
        `        while accepts "$w"; do`,
        `            n=$((n + 1)); [ "$n" -le ${SWITCH_TIMEOUT_SECONDS * 10} ] || { echo "edge: worker $w of the previous configuration still takes requests" >&2; return 1; }`,
        `            sleep 0.1`,
        `        done`,
        `    done`,
        // Then each finishes the requests it took and exits (nginx's graceful shutdown), within the same time.
        `    for w in $1; do`,
        `        while [ -e "/proc/$w" ]; do`,
        `            n=$((n + 1)); [ "$n" -le ${SWITCH_TIMEOUT_SECONDS * 10} ] || { echo "edge: worker $w of the previous configuration still finishes requests; serving anyway" >&2; break; }`,
        `            sleep 0.1`,
        `        done`,
        `    done`,
        `    echo "ok $2" >"$health.tmp" && mv -f "$health.tmp" "$health"`,
        `}`,
        `i=0`,
        `while [ ! -s "$conf" ]; do i=$((i + 1)); [ "$i" -le ${SWITCH_TIMEOUT_SECONDS} ] || { echo "edge: no $conf after ${SWITCH_TIMEOUT_SECONDS} s" >&2; exit 1; }; sleep 1; done`,
        `loaded=$(sha256sum <"$conf")`,
        `gen=$(generation)`,
        `nginx -c "$conf" -g 'daemon off;' &`,
        `pid=$!`,
        `trap 'kill -QUIT "$pid" 2>/dev/null; wait "$pid"; exit 0' TERM INT`,
        `serving "" "$gen"`,
        `while kill -0 "$pid" 2>/dev/null; do`,
        `    sleep 1 & wait $!`,
        `    now=$(sha256sum <"$conf")`,
        `    [ "$now" = "$loaded" ] && continue`,
        `    loaded=$now`,
        `    gen=$(generation)`,
        `    if nginx -t -q -c "$conf"; then`,
        `        old=$(workers)`,
        `        kill -HUP "$pid"; echo "edge: configuration changed, reloading (workers of the previous one:" $old")"`,
        `        serving "$old" "$gen" && echo "edge: $gen serving; workers" $old "take no requests"`,
        `    else echo "edge: the new configuration fails nginx -t; still serving the previous one" >&2; fi`,
        `done`,
        `wait "$pid"`,
        ``,
    ].join("\n");
}

/** One configuration the switch step installs: a file under {@link NEXT_DIR} and the generation the edge answers once it has loaded it. */
export interface SwitchPhase {
    /** File name under {@link NEXT_DIR}. */
    file: string;
    /** What the health path answers after "ok" once nginx has loaded it. */
    generation: string;
    /** Seconds to hold it before the next phase. @default 0 */
    holdSeconds?: number;
    /** Per canary service, whose previous colour the phase's file needs ({@link previousColourHost}). @default [] */
    previousOf?: string[];
}

/**
 * The switch step's script: reads the previous colour of each canary service from the live
 * configuration ({@link colourLine}); when every canary service has one and one of them differs
 * from its new colour, installs each canary phase (the previous colour substituted) and holds it
 * for its pause; then the final configuration. (`nginx -t` runs in the edge, before each reload,
 * where the certificate files are.) Each install is a copy and an atomic rename into the routing volume,
 * and when an edge is running (its health path answers `ok <generation>`) the step waits, up to
 * {@link SWITCH_TIMEOUT_SECONDS}, until it answers the new generation: so the old colour is
 * deleted only after the edge no longer sends it new requests. Whether an edge is running is read
 * from the volume: once a configuration is there, an edge has loaded it and is asked up to
 * {@link EDGE_PROBE_TRIES} times, a second apart, before the step goes on without it (a removed
 * edge); with none (the first `up`: the edge starts after this step), or an edge that reports no
 * generation (one from before tierform had this step, replaced in the same update): install and go
 * on. (A single probe decided this before; under load it missed a running edge, the step installed
 * without waiting, and the old colour was deleted before the reload: 4 requests of ~1,700 hung
 * 10 s and ended in 504, in about one run of two of test/docker-engine/bluegreen.test.ts in CI.)
 */
export function edgeSwitchScript(opts: {
    healthUrl: string;
    phases: SwitchPhase[];
    final: SwitchPhase;
    colours: Record<string, string>;
}): string {
    if (!/^http:\/\/[A-Za-z0-9.-]+:\d+\/[A-Za-z0-9/._-]*$/.test(opts.healthUrl))
        throw new Error(`switch: '${opts.healthUrl}' is not a URL`);
    const token = /^[A-Za-z0-9._-]+$/;
    for (const p of [...opts.phases, opts.final]) {
        if (!token.test(p.file) || !token.test(p.generation)) throw new Error(`switch: '${p.file}' '${p.generation}'`);
        for (const s of p.previousOf ?? []) if (!/^[a-z0-9-]+$/.test(s)) throw new Error(`switch: service '${s}'`);
    }
    const canaryServices = [...new Set(opts.phases.flatMap((p) => p.previousOf ?? []))];
    for (const s of canaryServices) if (!/^[a-f0-9]{6}$/.test(opts.colours[s] ?? "")) throw new Error(`switch: no colour of '${s}'`);
    const prev = (s: string) => `$prev_${s.replace(/-/g, "_")}`;
    const install = (file: string, generation: string) => `install ${file} ${generation}`;
    const phases = opts.phases.map((p) => {
        const subst = (p.previousOf ?? []).map((s) => `-e "s/${previousColourHost(s)}/${s}-$prev_${s.replace(/-/g, "_")}/g"`).join(" ");
        return [
            `    sed ${subst || "-e ''"} ${NEXT_DIR}/${p.file} >/tmp/phase.conf`,
            `    ${install("/tmp/phase.conf", p.generation)}`,
            `    echo "switch: ${p.generation} installed; holding ${p.holdSeconds ?? 0} s"`,
            `    sleep ${p.holdSeconds ?? 0}`,
        ].join("\n");
    });
    return [
        `set -eu`,
        `live=${LIVE_CONF}`,
        `answer() { wget -q -T 3 -O - ${opts.healthUrl} 2>/dev/null || true; }`,
        // An edge that has loaded a configuration from this volume is asked until it answers (a busy
        // daemon's DNS or a throttled edge can miss one 3 s probe; taking that for "no edge" let the old
        // colour go before the reload); none has on the first \`up\`, and one from before generations answers "ok".
        `running=0`,
        `if [ -s "$live" ]; then`,
        `    i=0`,
        `    while :; do`,
        `        case "$(answer)" in "ok "*) running=1; break ;; ok) break ;; esac`,
        `        i=$((i + 1)); [ "$i" -lt ${EDGE_PROBE_TRIES} ] || { echo "switch: no edge answers after ${EDGE_PROBE_TRIES} tries: installing without waiting"; break; }`,
        `        sleep 1`,
        `    done`,
        `    [ "$running" = 0 ] || [ "$i" = 0 ] || echo "switch: the edge answered on try $((i + 1))"`,
        `else`,
        `    echo "switch: no configuration loaded yet (the first up): installing without waiting"`,
        `fi`,
        `install() {`,
        `    cp "$1" "$live.tmp" && mv -f "$live.tmp" "$live"`,
        `    [ "$running" = 1 ] || return 0`,
        `    i=0`,
        `    until [ "$(answer)" = "ok $2" ]; do`,
        `        i=$((i + 1)); [ "$i" -le ${SWITCH_TIMEOUT_SECONDS} ] || { echo "switch: the edge did not load $2 in ${SWITCH_TIMEOUT_SECONDS} s (see its log)" >&2; exit 1; }`,
        `        sleep 1`,
        `    done`,
        `}`,
        ...canaryServices.map(
            (s) =>
                `prev_${s.replace(/-/g, "_")}=$(sed -n 's/^# tierform-colour ${s} \\([a-f0-9]*\\)$/\\1/p' "$live" 2>/dev/null | head -n 1)`,
        ),
        ...(phases.length > 0
            ? [
                  // Every canary service has a previous colour, and one of them is not the new one: there is traffic to move.
                  `if ${canaryServices.map((s) => `[ -n "${prev(s)}" ]`).join(" && ")} && { ${canaryServices.map((s) => `[ "${prev(s)}" != "${opts.colours[s]}" ]`).join(" || ")}; }; then`,
                  ...phases,
                  `else`,
                  `    echo "switch: no previous set to split with: straight to the new configuration"`,
                  `fi`,
              ]
            : []),
        install(`${NEXT_DIR}/${opts.final.file}`, opts.final.generation),
        `echo "switch: ${opts.final.generation} installed"`,
        ``,
    ].join("\n");
}

/** Whether the edge switches between colours of a service: a routed service whose rollout is blue/green or canary (plan/rollout.ts). */
export function shiftsAtEdge(rollout: RolloutPlan): boolean {
    return rollout.routed && rollout.strategy !== "rolling";
}
