#!/usr/bin/env bash
# Sanity-section benchmark (issue 9): wall time of the `sanity` section alone (from run.json's
# "section sanity" timing) on the demo model and on the trained MNIST CNN, 8 images, for the
# 4 core methods (saliency, integrated-gradients, guided-backprop, grad-cam) and for the default
# 6 methods (+ input-x-gradient, smoothgrad), with the default settings otherwise (cascading +
# independent randomisation, 20 deletion/insertion steps, RandomLogit). Goal: < 60 s for 8 images
# and 4 methods. Quote the minimum over REPEATS runs (the machine is shared).
#
#   Benchmarks/bench_sanity.sh     # needs .build/release/loupe and ../shared/data/mnist beside the checkout (or MNIST_DIR)
# Env: LOUPE (binary), WORK (scratch folder), REPEATS (default 3), MNIST_DIR, MNIST_MODEL.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
LOUPE=${LOUPE:-$ROOT/.build/release/loupe}
WORK=${WORK:-/tmp/loupe_bench_sanity}
REPEATS=${REPEATS:-3}
MNIST_DIR=${MNIST_DIR:-$ROOT/../shared/data/mnist}
MNIST_MODEL=${MNIST_MODEL:-$ROOT/Tests/Fixtures/models/mnist_cnn.onnx}
mkdir -p "$WORK"
CORE='["saliency", "integrated-gradients", "guided-backprop", "grad-cam"]'
DEFAULT='["saliency", "input-x-gradient", "smoothgrad", "integrated-gradients", "guided-backprop", "grad-cam"]'

config() { # name model dataset-json methods-json
    cat > "$WORK/$1.json" <<JSON
{"jobs": [{"name": "$1", "model": {"path": "$2"}, "dataset": $3,
  "sections": {"summary": true, "sanity": {"samples": 8, "methods": $4}}, "seed": 1, "output": "$WORK/out"}]}
JSON
}
DEMO_DATA='{"kind": "synthetic-shapes", "count": 2000, "seed": 7}'
MNIST_DATA="{\"kind\": \"mnist-idx\", \"path\": \"$MNIST_DIR/t10k-images-idx3-ubyte.gz\", \"labels\": \"$MNIST_DIR/t10k-labels-idx1-ubyte.gz\", \"limit\": 2000}"
config demo-core "$ROOT/Demo/shapes-cnn.onnx" "$DEMO_DATA" "$CORE"
config demo-default "$ROOT/Demo/shapes-cnn.onnx" "$DEMO_DATA" "$DEFAULT"
jobs=(demo-core demo-default)
if [ -f "$MNIST_MODEL" ] && [ -d "$MNIST_DIR" ]; then
    config mnist-core "$MNIST_MODEL" "$MNIST_DATA" "$CORE"
    config mnist-default "$MNIST_MODEL" "$MNIST_DATA" "$DEFAULT"
    jobs+=(mnist-core mnist-default)
else
    echo "skipping MNIST: no $MNIST_MODEL or $MNIST_DIR" >&2
fi
echo "| job | methods | images | sanity section, min of $REPEATS (s) | all runs (s) |"
echo "|---|---:|---:|---:|---|"
for job in "${jobs[@]}"; do
    times=()
    for _ in $(seq 1 "$REPEATS"); do
        rm -rf "$WORK/out/$job"
        "$LOUPE" run "$WORK/$job.json" --quiet > /dev/null
        run=$(ls -d "$WORK/out/$job"/*/ | head -n 1)
        times+=("$(python3 -c 'import json,sys; print("%.2f" % json.load(open(sys.argv[1]))["timings_seconds"]["section sanity"])' "$run/run.json")")
    done
    methods=$([ "${job#*-}" = core ] && echo 4 || echo 6)
    best=$(printf '%s\n' "${times[@]}" | sort -n | head -n 1)
    echo "| $job | $methods | 8 | $best | ${times[*]} |"
done
