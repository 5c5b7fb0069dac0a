#!/usr/bin/env bash
# Model-matrix benchmark (issue 17): six torchvision models at 224 px, batch 8 and 32, 2 threads
# each, all in one run on this machine. Columns: Loupe forward vs onnxruntime, saliency vs PyTorch
# autograd, Integrated Gradients (50 steps, inner batch = the batch) vs captum, and the peak RSS of
# each side for saliency and IG (each measurement is its own process).
# Usage: LOUPE_PYTHON=/path/to/venv/python Benchmarks/run_model_matrix.sh [seconds] [models-folder]
#   models-folder (default /tmp/loupe-torchvision) receives the exported *_dynamic.onnx files
#   (random weights, not committed); MODELS=resnet50,vit_b_16 and BATCHES=8 narrow the run; REPEATS=3
#   measures each row in three rounds and prints medians, and each ratio's range over the rounds.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-5}
source Benchmarks/model_matrix_setup.sh
exec "$python" Benchmarks/model_matrix_table.py --loupe "$loupe" --folder "$folder" --models "$models" \
    --batches "${BATCHES:-8,32}" --seconds "$seconds" --repeats "${REPEATS:-1}"
