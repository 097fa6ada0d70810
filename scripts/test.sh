#!/usr/bin/env bash
# npm test: format check (prettier), type-check, lint and every mocha test. The real-daemon test of the dev stack
# (test/docker-engine/) spends its time waiting on dockerd (container creation, health checks),
# not on the CPU, so it runs beside the rest instead of after it, and the rest runs at a lower CPU
# priority so the daemon is not starved; its output follows theirs, and the run fails if either
# part fails. Here it takes two presets (mdc-tts and auromart: PostgreSQL, MySQL, Redis, the object
# store and its bucket step, migrations, Celery), each deployed twice (the second pass re-creates
# every container over the same volumes): about 4 minutes of dockerd's time on a busy 2-CPU host
# (mdc-tts 108+140 s, auromart 103+141 s, side by side), so `npm run test:dev-stack` runs all five
# and mdc-tts on PostgreSQL 18, and .ci/run runs it too.
set -u
cd "$(dirname "$0")/.." || exit 1
bin=node_modules/.bin
log=$(mktemp)
trap 'rm -f "$log"' EXIT

TFT_PRESETS=${TFT_PRESETS:-mdc-tts,auromart} "$bin/mocha" --exit 'test/docker-engine/**/*.test.ts' >"$log" 2>&1 &
engine=$!

status=0
nice -n 10 "$bin/prettier" --check --log-level warn "**/*.ts" || status=1
nice -n 10 "$bin/tsc" --noEmit || status=1
nice -n 10 "$bin/eslint" . || status=1
nice -n 10 "$bin/mocha" --recursive 'test/**/*.test.ts' --ignore 'test/docker-engine/**' || status=1

wait "$engine" || status=1
echo
echo "test/docker-engine (ran beside the rest):"
cat "$log"
exit "$status"
