#!/usr/bin/env bash
# Inference benchmark: Loupe vs onnxruntime (2 threads each), one run on this machine.
# Usage: Benchmarks/run.sh [seconds-per-measurement]   (needs a venv with numpy + onnxruntime:
#   python3 -m venv /tmp/v && /tmp/v/bin/pip install numpy onnxruntime; PYTHON=/tmp/v/bin/python Benchmarks/run.sh)
# Prints images/s for each model at batch 1 and 32, the ratio Loupe/onnxruntime, and peak RSS of each process.
# OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE are left as the machine sets them.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-5}
python=${LOUPE_PYTHON:-${PYTHON:-python3}}
export LOUPE_THREADS=2 OPENBLAS_NUM_THREADS=2
swift build -c release --product loupe >/dev/null
loupe=$(swift build -c release --show-bin-path)/loupe
printf '%-20s %5s %12s %12s %7s %10s %10s\n' model batch loupe_img/s ort_img/s ratio loupe_MB ort_MB
for model in cnn_opset17 mobilenetv3_small resnet18; do
  path=Tests/Fixtures/models/$model.onnx
  for batch in 1 32; do
    ort=$("$python" Benchmarks/bench_onnxruntime.py --model "$model" --batch "$batch" --threads 2 --seconds "$seconds")
    ours=$("$loupe" bench "$path" --batch "$batch" --seconds "$seconds")
    "$python" - "$model" "$batch" "$ours" "$ort" <<'PY'
import json, sys
model, batch, ours, ort = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), json.loads(sys.argv[4])
ratio = ours["images_per_s"] / ort["images_per_s"]
print(f'{model:<20} {batch:>5} {ours["images_per_s"]:>12.1f} {ort["images_per_s"]:>12.1f} {ratio:>6.2f}x {ours["peak_rss_mb"]:>10.1f} {ort["peak_rss_mb"]:>10.1f}')
PY
  done
done
