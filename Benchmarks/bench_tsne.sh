#!/usr/bin/env bash
# t-SNE benchmark: Loupe (gradient "auto") vs openTSNE 1.0.4 (n_jobs=2, its "auto": Barnes–Hut below
# 10,000 points, FFT interpolation from there) vs scikit-learn 1.9.1 (Barnes–Hut, 2 threads).
# All three: perplexity 30, PCA initialisation, early exaggeration 12 for 250 iterations, then 500 more
# (scikit-learn max_iter=750).
#
# Data: penultimate-layer activations (the tensor feeding the last Gemm) of the trained MNIST CNN
# (Tests/Fixtures/models/mnist_cnn.onnx; the random-weight cnn_opset17 fixture when it is absent) over
# the MNIST test images (x/255), N = 2,000 (first rows) and 10,000. Each fit runs in a fresh process,
# REPEATS times (interleaved); every embedding is then scored with one common yardstick
# (bench_tsne.py score): exact KL against the dense perplexity-30 P, trustworthiness T(10) and 2-D k-NN(10)
# accuracy. The table quotes the fastest repeat of each method and its ratios to Loupe.
#
#   swift build -c release --product loupe && Benchmarks/bench_tsne.sh
# Needs a Python with numpy, scikit-learn and openTSNE ($LOUPE_PYTHON, default python3) and ../shared/data/mnist
# beside the checkout (or MNIST_DIR).
# Env: LOUPE (binary), LOUPE_PYTHON, MNIST_DIR, WORK (scratch folder), REPEATS (default 1), SIZES (default "2000 10000"), MODEL.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export LOUPE=${LOUPE:-$ROOT/.build/release/loupe}
PY=${LOUPE_PYTHON:-${PYTHON:-python3}}
export MNIST_DIR=${MNIST_DIR:-$ROOT/../shared/data/mnist}
WORK=${WORK:-/tmp/loupe_bench_tsne_fft}
REPEATS=${REPEATS:-1}
SIZES=${SIZES:-"2000 10000"}
MODEL=${MODEL:-$ROOT/Tests/Fixtures/models/mnist_cnn.onnx}
[ -f "$MODEL" ] || MODEL=$ROOT/Tests/Fixtures/models/cnn_opset17.onnx
BENCH="$ROOT/Benchmarks/bench_tsne.py"
PYENV=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE)
mkdir -p "$WORK"
cd "$WORK"
TAP=$("$PY" "$BENCH" penultimate "$MODEL")
echo "model $(basename "$MODEL"), activations $TAP; $(uptime)"
[ -f images.npy ] || "$PY" "$BENCH" prepare "$WORK"
STAMP=$(basename "$MODEL" .onnx)
if [ ! -f "acts10000_$STAMP.npy" ]; then
    tapped=$("$LOUPE" infer "$MODEL" --input images.npy --output logits.npy --tap "$TAP" 2>&1 >/dev/null | sed -n 's/^tap .* -> //p')
    mv "$tapped" "acts10000_$STAMP.npy"
fi
for n in $SIZES; do
    [ -f "acts${n}_$STAMP.npy" ] && [ -f "labels$n.npy" ] || "$PY" "$BENCH" subset "acts10000_$STAMP.npy" labels.npy "$n" "acts${n}_$STAMP.npy" "labels$n.npy"
done
: > results.jsonl
for n in $SIZES; do
    for rep in $(seq 1 "$REPEATS"); do
        for method in loupe opentsne-auto-j2 sklearn-bh; do
            out="emb_${method}_${n}_${rep}.npy"
            line=$("${PYENV[@]}" "$PY" "$BENCH" fit "$method" "acts${n}_$STAMP.npy" 0 "$out")
            score=$("${PYENV[@]}" "$PY" "$BENCH" score "acts${n}_$STAMP.npy" "$out" "labels$n.npy")
            echo "{\"fit\": $line, \"score\": $score}" | tee -a results.jsonl
        done
    done
done
echo "$(uptime)"
"$PY" "$BENCH" table results.jsonl
