#!/usr/bin/env bash
# Peak memory of saliency and Integrated Gradients: Loupe against PyTorch/captum, in one run.
# Usage: LOUPE_PYTHON=/path/to/venv/python Benchmarks/bench_attribution_memory.sh MODEL_DIR [models] [batch]
#   MODEL_DIR holds <model>_dynamic.onnx files written by
#     "$LOUPE_PYTHON" Benchmarks/export_torchvision.py MODEL_DIR --dynamic --models convnext_tiny,vit_b_16
#   models: comma-separated torchvision names (default convnext_tiny,vit_b_16); batch: default 8.
# Saliency runs on `batch` 224-px images; IG (50 steps, Gauss-Legendre) on one image with `batch` path
# points per pass (captum: internal_batch_size=batch). Each measurement is its own process (peak RSS only
# grows), 2 threads each. Peak RSS includes the model's weights in both engines. Release build.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:?MODEL_DIR with <model>_dynamic.onnx}
models=${2:-convnext_tiny,vit_b_16}
batch=${3:-8}
python=${LOUPE_PYTHON:-${PYTHON:-python3}}
export LOUPE_THREADS=2 OPENBLAS_NUM_THREADS=2 OMP_NUM_THREADS=2
swift build -c release --product loupe >/dev/null
loupe=$(swift build -c release --show-bin-path)/loupe
printf '%-16s %-22s %12s %12s %7s\n' model method loupe_MB torch_MB ratio
for model in ${models//,/ }; do
  onnx="$dir/${model}_dynamic.onnx"
  for method in saliency integrated-gradients; do
    ours=$("$loupe" bench "$onnx" --method "$method" --batch "$batch" --internal-batch "$batch" --steps 50 --seconds 1)
    peer=$("$python" Benchmarks/bench_attribution_memory.py --model "$model" --method "$method" --batch "$batch" --runs 2)
    "$python" - "$model" "$method" "$ours" "$peer" <<'PY'
import json, sys
model, method, ours, peer = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), json.loads(sys.argv[4].splitlines()[-1])
a, b = ours["peak_rss_mb"], peer["peak_rss_mb"]
print(f"{model:<16} {method:<22} {a:>12.0f} {b:>12.0f} {a / b:>6.2f}x")
PY
  done
done
