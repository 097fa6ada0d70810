#!/usr/bin/env bash
# npm test: format check (prettier), type-check (tsc), lint (eslint) and every mocha test but the
# dev stack's deployment on a real Docker daemon. The three static checks run one after another
# beside mocha, their output after mocha's; the run fails if
# either part fails. On a real daemon npm test runs test/docker-engine/home.test.ts (a stand-in
# image writing its HOME and caches with the dev plan's user, read-only root and tmpfs mounts, a
# few seconds); the deployment of every container of all five presets, twice over the same volumes
# (about 4 minutes of dockerd's time on a 2-CPU host), and the blue/green and canary switches through
# the real nginx edge under load (test/docker-engine/bluegreen.test.ts, about 2 minutes each), are
# `npm run test:dev-stack`, which .ci/run runs after npm test. What a second run does not redo is
# kept in node_modules/.cache/tierform/ (README, "How long the tests take"; CI starts without it):
# prettier's cache (keyed by each file's content and its options; --check over every file costs
# about 15 s of CPU, from its cache about 1.5 s), eslint's (its rules here read no types, so a file's
# findings depend on its text and the config only), tsc's build info, the tests' swc output and V8
# code cache (test/harness/register.js) and the real tools' passes (test/harness/tools.ts).
# Measured on a 2-core machine, daemon running, warm, on ba76c44..3005d8d (2035 and 2036 tests): 85
# to 107 s wall, 134 to 168 s of CPU, at load averages of 1.9 to 3.7; before (d6d2de8), 99 to 126 s.
set -u
cd "$(dirname "$0")/.." || exit 1
bin=node_modules/.bin
log=$(mktemp)
# The mocha workers share their whole-program runs through this directory, for this run only
# (test/harness/index.ts, TIERFORM_TEST_RUNS).
runs=$(mktemp -d)
# A mocha worker plans a hundred programs in one heap: with V8's default young generation (16 MB
# semi-spaces) the garbage collector took 31-34 % of a worker's CPU, with 128 MB 17 % (--cpu-prof of
# three test files in one process). Every node process of the run gets it (tsc too).
export NODE_OPTIONS="--max-semi-space-size=128${NODE_OPTIONS:+ $NODE_OPTIONS}"
trap 'rm -f "$log"; rm -rf "$runs"' EXIT

(
    s=0
    "$bin/prettier" --check --cache --cache-location node_modules/.cache/tierform/prettier --log-level warn "**/*.ts" || s=1
    # tsc in build mode: when no input file changed since the last check it says so from the build
    # info (tsconfig.json tsBuildInfoFile) in half a second, without reading the 4,900 declaration
    # files (12 s of CPU to parse and bind them even when nothing changed). It does not look into
    # node_modules, so an install newer than the build info (npm writes node_modules/.package-lock.json)
    # forces a check.
    force=()
    [ node_modules/.package-lock.json -nt node_modules/.cache/tierform/tsc.tsbuildinfo ] && force=(--force)
    "$bin/tsc" --build --noEmit "${force[@]}" || s=1
    "$bin/eslint" --cache --cache-location node_modules/.cache/tierform/eslint/ . || s=1
    exit "$s"
) >"$log" 2>&1 &
checks=$!

# mocha runs its files in parallel, one worker per CPU; each file runs whole in one worker, with
# its hooks and the servers it starts. (Ordering the files longest-first was tried and measured
# slower: 118 s against 91 s for mocha alone, since the costly whole-program runs sit in hooks.)
jobs=$(nproc 2>/dev/null || echo 2)
status=0
TIERFORM_TEST_RUNS=$runs "$bin/mocha" --parallel --jobs "$jobs" --recursive 'test/**/*.test.ts' --ignore 'test/docker-engine/dev-stack.test.ts' --ignore 'test/docker-engine/bluegreen.test.ts' || status=1

wait "$checks" || status=1
echo
echo "prettier --check, tsc --build --noEmit, eslint (ran beside mocha):"
if [ -s "$log" ]; then cat "$log"; else echo "  no findings"; fi
exit "$status"
