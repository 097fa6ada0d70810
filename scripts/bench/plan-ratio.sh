#!/usr/bin/env bash
# How much longer the largest prod plan takes than a one-resource Pulumi program run the same way
# (issue 26: at most 1.5x). Runs, in turn, A = `npm run plan -- --stack prod --system mealkitz`
# (the preset with the most prod resources) and B = `npm run bench:one-resource -- --stack prod`
# (scripts/bench/one-resource.ts: one S3 bucket through the same runner, engine and policy report),
# after one warm-up of each; times each run with /usr/bin/time (wall, and user+sys CPU of the
# process and its children) and prints every pair, then the median of A/B over the pairs.
#   bash scripts/bench/plan-ratio.sh [pairs, default 7] [preset, default mealkitz]
# On a shared machine quote the CPU ratio beside the wall one: it is what a busy neighbour disturbs least.
set -eu
cd "$(dirname "$0")/../.." || exit 1
pairs=${1:-7}
preset=${2:-mealkitz}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
a=(npm run --silent plan -- --stack prod --system "$preset")
b=(npm run --silent bench:one-resource -- --stack prod)

# time_run FILE CMD...: wall and CPU seconds of one run, appended to FILE as "wall cpu".
time_run() {
    local file=$1
    shift
    /usr/bin/time -f '%e %U %S' -o "$out/t" "$@" >/dev/null 2>&1 || true
    awk '{ printf "%s %.2f\n", $1, $2 + $3 }' "$out/t" >>"$file"
}

time_run "$out/warm" "${a[@]}"
time_run "$out/warm" "${b[@]}"
for _ in $(seq "$pairs"); do
    time_run "$out/a" "${a[@]}"
    time_run "$out/b" "${b[@]}"
done

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
paste -d ' ' "$out/a" "$out/b" | awk '{ printf "%.3f %.3f\n", $1 / $3, $2 / $4 }' >"$out/ratios"
echo "pair  A wall  A cpu   B wall  B cpu   A/B wall  A/B cpu"
paste -d ' ' "$out/a" "$out/b" "$out/ratios" |
    awk '{ printf "%4d  %6.2f  %6.2f  %6.2f  %6.2f  %8.3f  %7.3f\n", NR, $1, $2, $3, $4, $5, $6 }'
echo "median A ($preset prod plan): wall $(cut -d' ' -f1 "$out/a" | median) s, cpu $(cut -d' ' -f2 "$out/a" | median) s"
echo "median B (one resource):      wall $(cut -d' ' -f1 "$out/b" | median) s, cpu $(cut -d' ' -f2 "$out/b" | median) s"
echo "median A/B over $pairs pairs: wall $(cut -d' ' -f1 "$out/ratios" | median), cpu $(cut -d' ' -f2 "$out/ratios" | median)"
