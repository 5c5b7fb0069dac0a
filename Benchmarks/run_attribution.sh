#!/usr/bin/env bash
# Attribution benchmark: Loupe vs PyTorch/captum (2 threads each), one run on this machine.
# Usage: PYTHON=/path/to/venv/python Benchmarks/run_attribution.sh [seconds-per-measurement]
#   (venv: torch torchvision onnx onnxruntime numpy captum, as Tests/Fixtures/make_attribution_fixtures.py)
# Prints saliency images/s at batch 32, Integrated Gradients (50 steps) seconds per image, the ratios,
# and Loupe's peak RSS for IG at 50 and 200 steps (the memory must stay flat with steps).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-5}
python=${LOUPE_PYTHON:-${PYTHON:-python3}}
export LOUPE_THREADS=2 OPENBLAS_NUM_THREADS=2
swift build -c release --product loupe >/dev/null
loupe=$(swift build -c release --show-bin-path)/loupe
printf '%-18s %14s %14s %7s %14s %14s %7s %9s %9s\n' model loupe_sal/s torch_sal/s ratio loupe_IG_s captum_IG_s ratio rss50_MB rss200_MB
for model in cnn resnet18 mobilenetv3_small; do
  case $model in cnn) onnx=cnn_opset17;; *) onnx=$model;; esac
  peer=$("$python" Benchmarks/bench_torch_attribution.py --model "$model" --threads 2 --batch 32 --seconds "$seconds")
  sal=$("$loupe" bench "Tests/Fixtures/models/$onnx.onnx" --method saliency --batch 32 --seconds "$seconds")
  ig50=$("$loupe" bench "Tests/Fixtures/models/$onnx.onnx" --method integrated-gradients --steps 50 --seconds "$seconds")
  ig200=$("$loupe" bench "Tests/Fixtures/models/$onnx.onnx" --method integrated-gradients --steps 200 --seconds "$seconds")
  "$python" - "$model" "$peer" "$sal" "$ig50" "$ig200" <<'PY'
import json, sys
model, peer, sal, ig50, ig200 = sys.argv[1], sys.argv[2], *map(json.loads, sys.argv[3:])
lines = [json.loads(l) for l in peer.splitlines() if l.strip().startswith("{")]
torch_sal = next(l["images_per_s"] for l in lines if l.get("measure") == "saliency" and l.get("impl") == "captum")
captum_ig = next(l["seconds_per_image"] for l in lines if l.get("measure") == "integrated_gradients")
loupe_ig = 1 / ig50["images_per_s"]
print(f'{model:<18} {sal["images_per_s"]:>14.1f} {torch_sal:>14.1f} {sal["images_per_s"]/torch_sal:>6.2f}x '
      f'{loupe_ig:>14.4f} {captum_ig:>14.4f} {captum_ig/loupe_ig:>6.2f}x {ig50["peak_rss_mb"]:>9.1f} {ig200["peak_rss_mb"]:>9.1f}')
PY
done
