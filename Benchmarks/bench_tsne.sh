#!/usr/bin/env bash
# t-SNE benchmark: Loupe vs openTSNE 1.0.4 (BH, 2 threads) vs scikit-learn 1.9.1 (BH, 2 threads).
#
# Data: penultimate-layer activations (the value feeding the last Gemm, /Relu_2_output_0, 32 features)
# of the MNIST CNN fixture over the MNIST test images (x/255), N = 2,000 (first rows) and 10,000.
# Each fit runs in a fresh process, REPEATS times (interleaved); every embedding is then scored with
# one common yardstick (bench_tsne.py score): exact KL against the dense perplexity-30 P, trustworthiness
# T(10) and 2-D k-NN(10) accuracy. Quote the minimum wall time (the machine is shared).
#
#   Benchmarks/bench_tsne.sh            # needs .build/release/loupe with `embed`, /work/venv, /work/shared/data/mnist
# Env: LOUPE (binary), PYTHON, WORK (scratch folder), REPEATS (default 3), SIZES (default "2000 10000").
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export LOUPE=${LOUPE:-$ROOT/.build/release/loupe}
PY=${PYTHON:-/work/venv/bin/python}
WORK=${WORK:-/tmp/loupe_bench_tsne}
REPEATS=${REPEATS:-3}
SIZES=${SIZES:-"2000 10000"}
BENCH="$ROOT/Benchmarks/bench_tsne.py"
PYENV=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE)
mkdir -p "$WORK"
cd "$WORK"
[ -f images.npy ] || "$PY" "$BENCH" prepare "$WORK"
if [ ! -f acts10000.npy ]; then
    "$LOUPE" infer "$ROOT/Tests/Fixtures/models/cnn_opset17.onnx" --input images.npy --output logits.npy --tap /Relu_2_output_0
    mv Relu_2_output_0.npy acts10000.npy
fi
cp -f labels.npy labels10000.npy
for n in $SIZES; do
    [ -f "acts$n.npy" ] || "$PY" "$BENCH" subset acts10000.npy labels.npy "$n" "acts$n.npy" "labels$n.npy"
done
: > results.jsonl
for n in $SIZES; do
    for rep in $(seq 1 "$REPEATS"); do
        for method in loupe opentsne-bh-j2 sklearn-bh; do
            out="emb_${method}_${n}_${rep}.npy"
            line=$("${PYENV[@]}" "$PY" "$BENCH" fit "$method" "acts$n.npy" 0 "$out")
            score=$("${PYENV[@]}" "$PY" "$BENCH" score "acts$n.npy" "$out" "labels$n.npy")
            echo "{\"fit\": $line, \"score\": $score}" | tee -a results.jsonl
        done
    done
done
"$PY" - <<'PY'
import json
rows = [json.loads(l) for l in open("results.jsonl")]
print(f"{'N':>6} {'method':<16} {'wall min':>9} {'wall med':>9} {'cpu med':>8} {'KL lib':>7} {'KL dense':>9} {'T(10)':>7} {'kNN2D':>6}")
for n in sorted({r["fit"]["n"] for r in rows}):
    for m in ["loupe", "opentsne-bh-j2", "sklearn-bh"]:
        rs = [r for r in rows if r["fit"]["n"] == n and r["fit"]["method"] == m]
        if not rs:
            continue
        med = lambda v: sorted(v)[len(v) // 2]
        w = [r["fit"]["wall_s"] for r in rs]
        print(f"{n:>6} {m:<16} {min(w):>9.2f} {med(w):>9.2f} {med([r['fit']['cpu_s'] for r in rs]):>8.2f} "
              f"{med([r['fit']['kl_reported'] for r in rs]):>7.4f} {med([r['score']['kl_exact_dense'] for r in rs]):>9.4f} "
              f"{med([r['score']['trust10'] for r in rs]):>7.4f} {med([r['score']['knn_2d'] for r in rs]):>6.4f}")
PY
