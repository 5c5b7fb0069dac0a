#!/usr/bin/env bash
# oneDNN vs Loupe convolution kernels (issue 17): the per-layer table behind ConvolutionRule, then the
# forward speed of the whole model against onnxruntime with oneDNN off (LOUPE_ONEDNN=0) and on.
# Usage: LOUPE_PYTHON=/path/to/python Benchmarks/bench_conv_kernels.sh [model ...]   (default: resnet50)
#   Models are torchvision architectures exported with random weights at 224 px into a temporary
#   folder (never committed); the Python needs torch, torchvision, onnx, onnxruntime and numpy.
#   Set LOUPE=path/to/loupe to skip the build (default: a debug build; its numeric targets are optimised).
# Prints the Markdown table of `loupe bench-conv --batch 8` per model (CPU ms: the machine is shared),
# then images/s at batch 8 on 2 threads for onnxruntime, Loupe without oneDNN, and Loupe with the rule.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${LOUPE_PYTHON:?set LOUPE_PYTHON to a Python with torch, torchvision, onnxruntime}
seconds=${SECONDS_PER_RUN:-10}
models=("$@"); [ ${#models[@]} -gt 0 ] || models=(resnet50)
export LOUPE_THREADS=2 OPENBLAS_NUM_THREADS=2
if [ -z "${LOUPE:-}" ]; then
  swift build --product loupe >/dev/null
  LOUPE=$(swift build --show-bin-path)/loupe
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for model in "${models[@]}"; do
  "$python" - "$model" "$work/$model.onnx" <<'PY'
import sys, torch, torchvision
name, path = sys.argv[1], sys.argv[2]
net = getattr(torchvision.models, name)(weights=None).eval()
torch.onnx.export(net, torch.randn(1, 3, 224, 224), path, opset_version=17, input_names=["input"],
                  output_names=["logits"], dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}}, dynamo=False)
PY
  echo "## $model"
  "$LOUPE" bench-conv "$work/$model.onnx" --batch 8 --repeats 4 2>/dev/null
  for round in 1 2; do
    ort=$("$python" Benchmarks/bench_onnxruntime.py --model "$work/$model.onnx" --batch 8 --threads 2 --seconds "$seconds")
    own=$(LOUPE_ONEDNN=0 "$LOUPE" bench "$work/$model.onnx" --batch 8 --seconds "$seconds")
    rule=$("$LOUPE" bench "$work/$model.onnx" --batch 8 --seconds "$seconds")
    "$python" - "$model" "$round" "$ort" "$own" "$rule" <<'PY'
import json, sys
model, round_, ort, own, rule = sys.argv[1], sys.argv[2], *[json.loads(a) for a in sys.argv[3:]]
o, a, b = ort["images_per_s"], own["images_per_s"], rule["images_per_s"]
print(f"{model} round {round_}: onnxruntime {o:.1f} img/s; Loupe without oneDNN {a:.1f} ({a / o:.2f}x); "
      f"Loupe with the rule {b:.1f} ({b / o:.2f}x)")
PY
  done
done
