#!/usr/bin/env bash
# Review benchmark (issue 18): what the nightly review adds to a demo run. Runs Examples/nightly.json
# RUNS times into a scratch output folder (the second and later runs compare with the previous one)
# and prints, per run, the stages the review adds (findings, including the training-data duplicate
# hashes; comparison; the Findings page's extra layout passes are inside "laying out the report")
# against the run's total, from run.json's timings. Goal: the comparison adds < 10 % to a demo run.
#
#   Benchmarks/bench_review.sh        # needs .build/release/loupe (LOUPE=... for another binary)
# Env: LOUPE (binary), WORK (scratch folder), RUNS (default 3).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
LOUPE=${LOUPE:-$ROOT/.build/release/loupe}
WORK=${WORK:-/tmp/loupe_bench_review}
RUNS=${RUNS:-3}
rm -rf "$WORK" && mkdir -p "$WORK"
for i in $(seq 1 "$RUNS"); do
    "$LOUPE" run "$ROOT/Examples/nightly.json" --output "$WORK/out" --quiet || echo "run $i exited with $?"
    sleep 1  # run ids have one-second resolution
done
for run in "$WORK"/out/nightly/2*; do
    python3 - "$run/run.json" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))["timings_seconds"]
total = sum(t.values())
review = t.get("findings", 0) + t.get("comparison", 0)
print(f"{sys.argv[1].split('/')[-2]}: total {total:.1f} s, findings {t.get('findings', 0):.2f} s, "
      f"comparison {t.get('comparison', 0):.2f} s ({100 * t.get('comparison', 0) / total:.2f} %), "
      f"layout {t.get('laying out the report', 0):.2f} s, review stages {100 * review / total:.2f} % of the run")
PY
done
