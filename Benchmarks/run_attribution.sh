#!/usr/bin/env bash
# Attribution benchmark: Loupe vs PyTorch/captum (2 threads each), one run on this machine.
# Usage: PYTHON=/path/to/venv/python [REPEATS=3] Benchmarks/run_attribution.sh [seconds-per-measurement]
#   (venv: torch torchvision onnx onnxruntime numpy captum, as Tests/Fixtures/make_attribution_fixtures.py)
# Prints saliency images/s at batch 32, Integrated Gradients (50 steps) seconds per image, the ratios,
# and Loupe's peak RSS for IG at 50 and 200 steps (the memory must stay flat with steps). REPEATS=N measures
# each model in N rounds (Loupe right after its peer) and prints medians and each ratio's range over the rounds.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-5}
python=${LOUPE_PYTHON:-${PYTHON:-python3}}
export LOUPE_THREADS=2 OPENBLAS_NUM_THREADS=2
swift build -c release --product loupe >/dev/null
loupe=$(swift build -c release --show-bin-path)/loupe
printf '%-18s %14s %14s %18s %14s %14s %18s %9s %9s\n' model loupe_sal/s torch_sal/s ratio loupe_IG_s captum_IG_s ratio rss50_MB rss200_MB
for model in cnn resnet18 mobilenetv3_small; do
  case $model in cnn) onnx=cnn_opset17;; *) onnx=$model;; esac
  rounds=()
  for _ in $(seq "${REPEATS:-1}"); do
    peer=$("$python" Benchmarks/bench_torch_attribution.py --model "$model" --threads 2 --batch 32 --seconds "$seconds")
    sal=$("$loupe" bench "Tests/Fixtures/models/$onnx.onnx" --method saliency --batch 32 --seconds "$seconds")
    ig50=$("$loupe" bench "Tests/Fixtures/models/$onnx.onnx" --method integrated-gradients --steps 50 --seconds "$seconds")
    rounds+=("$(printf '%s\n' "$peer" | grep '^{')" "$sal" "$ig50")
  done
  ig200=$("$loupe" bench "Tests/Fixtures/models/$onnx.onnx" --method integrated-gradients --steps 200 --seconds "$seconds")
  "$python" - "$model" "$ig200" "${rounds[@]}" <<'PY'
import json, statistics, sys
model, ig200, rest = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3:]
sal_ratios, ig_ratios, sal, torch_sal, ig, captum, rss50 = [], [], [], [], [], [], []
for i in range(0, len(rest), 3):
    lines = [json.loads(l) for l in rest[i].splitlines() if l.strip()]
    round_sal, round_ig = json.loads(rest[i + 1]), json.loads(rest[i + 2])
    t = next(l["images_per_s"] for l in lines if l.get("measure") == "saliency" and l.get("impl") == "captum")
    c = next(l["seconds_per_image"] for l in lines if l.get("measure") == "integrated_gradients")
    sal.append(round_sal["images_per_s"]); torch_sal.append(t); ig.append(1 / round_ig["images_per_s"]); captum.append(c)
    rss50.append(round_ig["peak_rss_mb"])
    sal_ratios.append(sal[-1] / t); ig_ratios.append(c / ig[-1])
def ratio(values):
    text = f"{statistics.median(values):.2f}x"
    return text + (f" ({min(values):.2f}-{max(values):.2f})" if len(values) > 1 else "")
m = statistics.median
print(f'{model:<18} {m(sal):>14.1f} {m(torch_sal):>14.1f} {ratio(sal_ratios):>18} '
      f'{m(ig):>14.4f} {m(captum):>14.4f} {ratio(ig_ratios):>18} {max(rss50):>9.1f} {ig200["peak_rss_mb"]:>9.1f}')
PY
done
