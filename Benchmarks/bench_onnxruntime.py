#!/usr/bin/env python3
"""onnxruntime peer for Loupe's inference benchmark.

Measures steady-state CPU throughput of onnxruntime on one model:
  bench_onnxruntime.py --model Tests/Fixtures/models/resnet18.onnx --batch 8 --threads 2 --seconds 10
prints one JSON line:
  {"model": ..., "batch": N, "images_per_s": ..., "peak_rss_mb": ..., ...}

--model accepts an .onnx path or a benchmark name from --list. Models whose
Tests/Fixtures/models/manifest.json case has a "weights" recipe (resnet18,
mobilenetv3_small) get their external weight file regenerated first (in a child
process, so the generator's memory does not count towards peak RSS).
Input: seeded standard-normal float32 with the model's first input shape and the
batch dimension replaced by --batch. Session: CPUExecutionProvider,
intra_op_num_threads=--threads (default 2), inter_op_num_threads=1, sequential.
Peak RSS is resource.getrusage(RUSAGE_SELF).ru_maxrss of this process.

Needs: numpy, onnxruntime (the same venv as Tests/Fixtures/make_fixtures.py works).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
FIXTURES = os.path.join(REPO, "Tests", "Fixtures")
MODELS_DIR = os.path.join(FIXTURES, "models")
sys.path.insert(0, FIXTURES)

# Benchmark models: (name, manifest case providing the model file). All have a dynamic batch axis.
BENCH_MODELS = ["mlp_8x8", "cnn_opset17", "cnn_opset13", "mobilenetv3_small", "resnet18"]


def load_cases() -> dict:
    with open(os.path.join(MODELS_DIR, "manifest.json")) as f:
        return {c["name"]: c for c in json.load(f)}


def resolve(model_arg: str):
    """Return (onnx_path, manifest_case_or_None)."""
    cases = load_cases()
    if model_arg in cases and not os.path.exists(model_arg):
        case = cases[model_arg]
        return os.path.join(MODELS_DIR, case["model"]), case
    path = os.path.abspath(model_arg)
    if not os.path.exists(path):
        sys.exit(f"bench_onnxruntime: no such model: {model_arg}")
    case = None
    if os.path.dirname(path) == os.path.abspath(MODELS_DIR):
        for c in cases.values():
            if c["model"] == os.path.basename(path):
                case = c
                break
    return path, case


def regenerate_weights(case: dict) -> None:
    """Regenerate a case's loupe-xorshift weight file in a child process."""
    if not case or not case.get("weights"):
        return
    code = ("import sys, json; sys.path.insert(0, sys.argv[1]); import fixturelib as F; "
            "cases = {c['name']: c for c in F.load_manifest(sys.argv[2])}; "
            "F.ensure_weights(cases[sys.argv[3]], sys.argv[2])")
    subprocess.run([sys.executable, "-c", code, FIXTURES, MODELS_DIR, case["name"]], check=True)


def peak_rss_mb() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports KiB, macOS bytes.
    return r / (1024.0 * 1024.0) if sys.platform == "darwin" else r / 1024.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", help=".onnx path or benchmark name (see --list)")
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--warmup", type=int, default=3, help="untimed warm-up runs (plus >= 0.5 s)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--list", action="store_true", help="print the benchmark model list and exit")
    args = ap.parse_args()

    if args.list:
        cases = load_cases()
        for name in BENCH_MODELS:
            c = cases[name]
            print(json.dumps({"name": name,
                              "model": os.path.relpath(os.path.join(MODELS_DIR, c["model"]), REPO),
                              "parameters": c["parameters"],
                              "generated_weights": bool(c.get("weights"))}))
        return
    if not args.model:
        ap.error("--model is required (or --list)")
    if args.batch < 1 or args.seconds <= 0 or args.threads < 1:
        ap.error("--batch, --threads must be >= 1 and --seconds > 0")

    path, case = resolve(args.model)
    regenerate_weights(case)

    import numpy as np
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = args.threads
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.log_severity_level = 3
    sess = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])

    inp = sess.get_inputs()[0]
    shape = list(inp.shape)
    if not shape:
        sys.exit("bench_onnxruntime: first input is a scalar")
    static_batch = shape[0] if isinstance(shape[0], int) else None
    if static_batch is not None and static_batch != args.batch:
        sys.exit(f"bench_onnxruntime: model has static batch {static_batch}, asked for {args.batch}")
    shape[0] = args.batch
    if any(not isinstance(d, int) or d < 1 for d in shape[1:]):
        sys.exit(f"bench_onnxruntime: non-static non-batch dims in input shape {inp.shape}")
    x = np.random.default_rng(args.seed).standard_normal(shape).astype(np.float32)
    feeds = {inp.name: x}
    out_names = [o.name for o in sess.get_outputs()]

    # Warm up: at least --warmup runs and at least 0.5 s.
    t0 = time.perf_counter()
    n = 0
    while n < args.warmup or time.perf_counter() - t0 < 0.5:
        sess.run(out_names, feeds)
        n += 1

    # Steady state.
    runs = 0
    lat = []
    start = time.perf_counter()
    deadline = start + args.seconds
    while True:
        a = time.perf_counter()
        sess.run(out_names, feeds)
        b = time.perf_counter()
        lat.append(b - a)
        runs += 1
        if b >= deadline:
            break
    elapsed = time.perf_counter() - start
    lat.sort()

    name = case["name"] if case else os.path.splitext(os.path.basename(path))[0]
    print(json.dumps({
        "model": name,
        "batch": args.batch,
        "images_per_s": round(runs * args.batch / elapsed, 3),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "runs": runs,
        "seconds": round(elapsed, 3),
        "median_ms": round(lat[len(lat) // 2] * 1e3, 4),
        "threads": args.threads,
        "engine": "onnxruntime " + ort.__version__,
    }))


if __name__ == "__main__":
    main()
