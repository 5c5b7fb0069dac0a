#!/usr/bin/env python3
"""Exports full-size torchvision classifiers (random weights, 224 px) for Loupe's benchmarks.

Nothing this writes is committed: the files are large (up to 350 MB) and random weights are
regenerated on demand. Each model is exported the standard way, with the legacy exporter at
opset 17 and constant folding on; `--dynamic` adds a dynamic batch axis named "batch".

Usage (from the repository root; LOUPE_PYTHON is a Python with torch, torchvision, onnx and
onnxruntime):
  "$LOUPE_PYTHON" Benchmarks/export_torchvision.py OUT_DIR [--dynamic] [--models vit_b_16,swin_t] [--classes 10]
  "$LOUPE_PYTHON" Benchmarks/export_torchvision.py OUT_DIR --dynamic --models vit_b_16,swin_t \\
      --compare .build/release/loupe --batches 1,8,32

`--compare LOUPE` runs `LOUPE infer` on seeded images at each batch size and onnxruntime on the
same images (2 threads each), then prints one line per model and batch: the largest relative
error max|loupe - ort| / max|ort| and both wall-clock times (Loupe's includes loading the model).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

MODELS = ["resnet50", "mobilenet_v2", "efficientnet_b0", "convnext_tiny", "vit_b_16", "swin_t"]


def build(name: str, classes: int = 1000):
    """The torchvision model `name` with `classes` outputs and the seeded random weights that `export` writes."""
    import torch
    import torchvision

    torch.manual_seed(0)
    model = getattr(torchvision.models, name)(weights=None, num_classes=classes).eval()
    # torchvision zero-initialises some classifier heads (ViT's): give every all-zero weight
    # matrix small random values so the logits depend on the input.
    with torch.no_grad():
        for parameter in model.parameters():
            if parameter.dim() >= 2 and not parameter.any():
                parameter.normal_(0, 0.02)
    return model


def file_name(name: str, dynamic: bool, classes: int) -> str:
    """`resnet50_dynamic.onnx`; `resnet50_10classes_dynamic.onnx` for a head of 10 classes."""
    return f"{name}{'' if classes == 1000 else f'_{classes}classes'}{'_dynamic' if dynamic else ''}.onnx"


def export(name: str, folder: str, dynamic: bool, classes: int = 1000) -> str:
    import onnx
    import torch

    model = build(name, classes)
    path = os.path.join(folder, file_name(name, dynamic, classes))
    kwargs = {"dynamic_axes": {"input": {0: "batch"}, "logits": {0: "batch"}}} if dynamic else {}
    # Traced with gradients enabled: under no_grad, nn.MultiheadAttention takes a fused fast
    # path that the exporter cannot translate.
    torch.onnx.export(model, (torch.zeros(1, 3, 224, 224),), path, dynamo=False, opset_version=17,
                      do_constant_folding=True, input_names=["input"], output_names=["logits"], **kwargs)
    m = onnx.load(path)
    m.doc_string = ""
    for n in m.graph.node:
        n.doc_string = ""
    onnx.save(m, path)
    return path


def compare(path: str, loupe: str, batches: list[int]) -> None:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    options.inter_op_num_threads = 1
    sess = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    env = dict(os.environ, LOUPE_THREADS="2", OPENBLAS_NUM_THREADS="2")
    name = os.path.basename(path)
    for batch in batches:
        x = np.random.default_rng(batch).standard_normal((batch, 3, 224, 224)).astype(np.float32)
        start = time.perf_counter()
        reference = sess.run(None, {"input": x})[0]
        ort_seconds = time.perf_counter() - start
        with tempfile.TemporaryDirectory() as tmp:
            xin, yout = os.path.join(tmp, "x.npy"), os.path.join(tmp, "y.npy")
            np.save(xin, x)
            start = time.perf_counter()
            run = subprocess.run([loupe, "infer", path, "--input", xin, "--output", yout, "--batch-size", str(batch)],
                                 env=env, capture_output=True, text=True)
            loupe_seconds = time.perf_counter() - start
            if run.returncode != 0:
                print(f"{name:<28} batch {batch:>3}: loupe failed: {run.stderr.strip()}")
                continue
            ours = np.load(yout)
        error = float(np.abs(ours - reference).max() / max(1e-12, np.abs(reference).max()))
        print(f"{name:<28} batch {batch:>3}: max rel error {error:.2e}  loupe {loupe_seconds:7.2f} s  "
              f"onnxruntime {ort_seconds:7.2f} s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", help="where to write the .onnx files")
    parser.add_argument("--dynamic", action="store_true", help="export with a dynamic batch axis")
    parser.add_argument("--models", default=",".join(MODELS), help="comma-separated torchvision model names")
    parser.add_argument("--compare", metavar="LOUPE", help="a loupe binary to compare with onnxruntime")
    parser.add_argument("--batches", default="1,8,32", help="batch sizes for --compare")
    parser.add_argument("--classes", type=int, default=1000,
                        help="outputs of the classifier head (e.g. 10 for a job on CIFAR-10 labels); not 1000 adds _Nclasses to the name")
    args = parser.parse_args()
    os.makedirs(args.folder, exist_ok=True)
    for name in args.models.split(","):
        path = os.path.join(args.folder, file_name(name, args.dynamic, args.classes))
        if not os.path.exists(path):
            start = time.perf_counter()
            export(name, args.folder, args.dynamic, args.classes)
            print(f"exported {path} in {time.perf_counter() - start:.1f} s", file=sys.stderr, flush=True)
        if args.compare:
            compare(path, args.compare, [int(b) for b in args.batches.split(",")])


if __name__ == "__main__":
    main()
