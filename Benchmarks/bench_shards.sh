#!/usr/bin/env bash
# Sharding benchmark (issue 20): the CPU time N shards plus `loupe merge` take against one `loupe run` of
# the same config on the same machine (goal: < 10 % extra CPU in total), and the per-image cost of each
# streamed stage from the single run's run.json (the input to BENCHMARKS.md's cluster estimate).
#
#   Benchmarks/bench_shards.sh [CONFIG]     # default: the demo config.json
# Env: LOUPE (binary; default .build/release/loupe, else .build/debug/loupe), SHARDS (default "2 4"),
#      REPEATS (default 2), WORK (scratch folder). CPU = user + system seconds of each process (/usr/bin/time),
#      which a busy machine disturbs far less than wall time; shards run one after another.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CONFIG=$(cd "$(dirname "${1:-$ROOT/config.json}")" && pwd)/$(basename "${1:-config.json}")
LOUPE=${LOUPE:-$ROOT/.build/release/loupe}
[ -x "$LOUPE" ] || LOUPE=$ROOT/.build/debug/loupe
SHARDS=${SHARDS:-"2 4"}
REPEATS=${REPEATS:-2}
WORK=${WORK:-/tmp/loupe_bench_shards}
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1700000000}
rm -rf "$WORK" && mkdir -p "$WORK"

# cpu OUTPUT ARGS...: runs loupe, prints its user + system CPU seconds.
cpu() {
    local out=$1; shift
    /usr/bin/time -f "%U %S" -o "$WORK/time" "$LOUPE" "$@" --output "$WORK/$out" --quiet
    awk '{ printf "%.2f", $1 + $2 }' "$WORK/time"
}

echo "binary: $LOUPE"
echo "config: $CONFIG"
for repeat in $(seq 1 "$REPEATS"); do
    single=$(cpu "single-$repeat" run "$CONFIG")
    echo "repeat $repeat: one loupe run: $single s CPU"
    for n in $SHARDS; do
        total=0
        line=""
        for i in $(seq 0 $((n - 1))); do
            s=$(cpu "sharded-$n-$repeat" run "$CONFIG" --shard "$i/$n")
            total=$(echo "$total + $s" | bc -l)
            line="$line $s"
        done
        merge=$(cpu "sharded-$n-$repeat" merge "$CONFIG")
        total=$(echo "$total + $merge" | bc -l)
        printf '  %d shards:%s s + merge %s s = %.2f s CPU, %+.1f %% against one run\n' \
            "$n" "$line" "$merge" "$total" "$(echo "100 * ($total - $single) / $single" | bc -l)"
        same=$(cmp -s "$WORK"/single-$repeat/*/2*/summary.json "$WORK"/sharded-$n-$repeat/*/2*/summary.json && echo identical || echo DIFFERENT)
        echo "    summary.json: $same"
    done
done

echo "per-image cost of the streamed stages (single run, wall seconds from run.json):"
python3 - "$WORK"/single-1/*/2*/run.json <<'PY'
import json, sys
run = json.load(open(sys.argv[1]))
images = run["dataset"]["images"]
timings = run["timings_seconds"]
sections = run.get("section_timings", {})
print(f"  images: {images}")
for stage, seconds in timings.items():
    print(f"  {stage}: {seconds:.2f} s ({1000 * seconds / max(images, 1):.3f} ms per image)")
rob = sections.get("robustness", {})
if rob:
    print(f"  robustness: {rob}")
PY
