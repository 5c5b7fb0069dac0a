#!/usr/bin/env bash
# Time all 15 benchmark corruptions x 5 severities on one 224x224 image: Loupe (release) vs imagecorruptions 1.1.2.
#
# Usage: Benchmarks/bench_corruptions.sh [IMAGE] [REPEATS]
#   IMAGE    defaults to Tests/Fixtures/corruptions/in/astronaut_224.png
#   REPEATS  timed repetitions per corruption/severity pair (default 3)
# Needs `loupe corrupt` registered in the CLI and, for the reference, a Python named by $LOUPE_PYTHON
# (default python3) with imagecorruptions==1.1.2 and setuptools<81. Without the reference it prints the reference's measured anchor (docs/corruptions.md#speed-anchor: 4.7 s).
set -euo pipefail
cd "$(dirname "$0")/.."
IMAGE="${1:-Tests/Fixtures/corruptions/in/astronaut_224.png}"
REPEATS="${2:-3}"
PYTHON="${LOUPE_PYTHON:-${PYTHON:-python3}}"

swift build -c release --product loupe >/dev/null
LOUPE="$(swift build -c release --show-bin-path)/loupe"

loupe_json=$("$LOUPE" corrupt "$IMAGE" --all --benchmark-only --time --repeats "$REPEATS")
echo "$loupe_json"
loupe_s=$(echo "$loupe_json" | sed -E 's/.*"seconds":([0-9.eE+-]+).*/\1/')

if ref_json=$("$PYTHON" Benchmarks/bench_corruptions_reference.py "$IMAGE" "$REPEATS" 2>/dev/null); then
    ref_s=$(echo "$ref_json" | sed -E 's/.*"seconds": ([0-9.eE+-]+).*/\1/')
    echo "reference (imagecorruptions 1.1.2, measured now): ${ref_s} s"
else
    ref_s=4.7
    echo "reference not installed: using the reference's measured anchor (docs/corruptions.md#speed-anchor): ${ref_s} s"
fi
awk -v a="$ref_s" -v b="$loupe_s" 'BEGIN { printf "loupe %.4f s vs reference %.3f s for 75 pairs: %.1fx faster\n", b, a, a / b }'
