#!/usr/bin/env bash
# What each engine choice of issue 17 is worth on the 224-px models: Loupe's forward pass with the
# default engine against the same binary with one choice switched off, one process per cell, in turns.
#   openblas: every matrix product in OpenBLAS (LOUPE_GEMM=openblas) instead of GEMMRule's oneDNN/OpenBLAS split
#   unfused:  no elementwise tails fused onto their head (LOUPE_FUSION=0)
#   whole:    batches run whole, every operator spreading its work over the workers (LOUPE_SLICED_RUNS=0)
#             instead of one slice of the batch per worker
#   unchained: every step on plain NCHW tensors (LOUPE_BLOCKED_CHAINS=0) instead of convolution stretches
#             run by oneDNN in its blocked layouts (BlockedChain)
# Prints images/s and CPU milliseconds per image (user + system over the measured and warm-up batches;
# steadier than images/s on a shared machine), and the default's speed-up over each switch.
# Usage: LOUPE_PYTHON=/path/to/venv/python Benchmarks/bench_engine_switches.sh [seconds] [models-folder]
#   models-folder (default /tmp/loupe-torchvision) holds the *_dynamic.onnx files of run_model_matrix.sh;
#   MODELS=resnet50,vit_b_16 and BATCH=32 narrow or change the run (default batch 8).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-6}
batch=${BATCH:-8}
source Benchmarks/model_matrix_setup.sh

# One cell: prints "images/s CPU-ms-per-image".
cell() {
    local model=$1; shift
    local out
    out=$(env "$@" /usr/bin/time -f '%U %S' "$loupe" bench "$folder/${model}_dynamic.onnx" --batch "$batch" \
        --seconds "$seconds" --warmup 1 2>&1)
    "$python" -c '
import json, sys
lines = sys.argv[1].splitlines()
d = json.loads([l for l in lines if l.startswith("{")][-1])
user, system = map(float, lines[-1].split())
print("%.2f %.1f" % (d["images_per_s"], 1000 * (user + system) / ((d["runs"] + 1) * d["batch"])))' "$out"
}

printf '%-16s %5s | %-17s | %-17s | %-17s | %-17s | %-17s | %-13s | %-13s | %-13s | %-13s\n' model batch \
    "default img/s cpu" "openblas img/s cpu" "unfused img/s cpu" "whole img/s cpu" "unchained img/s cpu" \
    "vs openblas" "vs unfused" "vs whole" "vs unchained"
for model in ${models//,/ }; do
    read -r d_ips d_cpu < <(cell "$model")
    read -r o_ips o_cpu < <(cell "$model" LOUPE_GEMM=openblas)
    read -r u_ips u_cpu < <(cell "$model" LOUPE_FUSION=0)
    read -r w_ips w_cpu < <(cell "$model" LOUPE_SLICED_RUNS=0)
    read -r c_ips c_cpu < <(cell "$model" LOUPE_BLOCKED_CHAINS=0)
    "$python" -c '
import sys
m, b, d, dc, o, oc, u, uc, w, wc, c, cc = sys.argv[1], sys.argv[2], *map(float, sys.argv[3:])
print("%-16s %5s | %7.2f %8.1f | %7.2f %8.1f | %7.2f %8.1f | %7.2f %8.1f | %7.2f %8.1f | %5.2fx %5.2fx | %5.2fx %5.2fx | %5.2fx %5.2fx | %5.2fx %5.2fx" % (
    m, b, d, dc, o, oc, u, uc, w, wc, c, cc, d / o, oc / dc, d / u, uc / dc, d / w, wc / dc, d / c, cc / dc))' \
        "$model" "$batch" "$d_ips" "$d_cpu" "$o_ips" "$o_cpu" "$u_ips" "$u_cpu" "$w_ips" "$w_cpu" "$c_ips" "$c_cpu"
done
echo "(each 'vs' pair: images/s ratio, then CPU-per-image ratio; > 1 means the default is faster)"
