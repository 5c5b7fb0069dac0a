#!/usr/bin/env python3
"""PyTorch / Captum peer for Loupe's attribution memory benchmark (Benchmarks/bench_attribution_memory.sh).

  bench_attribution_memory.py --model vit_b_16 --method saliency|integrated-gradients [--batch 8] [--steps 50]
                              [--threads 2] [--runs 2]

Builds the torchvision model with random weights (the memory does not depend on their values),
then runs the method `--runs` times on seeded standard-normal 224-px images and prints one JSON
line with the process's peak resident set size (ru_maxrss) and the resident size after building the
model. One method per process, because the peak only ever grows.

  saliency              captum Saliency(abs=False) on `--batch` images (one forward and one backward)
  integrated-gradients  captum IntegratedGradients(n_steps=--steps, method="gausslegendre") on one
                        image, internal_batch_size=--batch (the path points run --batch at a time)

Targets: each image's arg-max class. Needs torch, torchvision and captum.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * resource.getpagesize() / (1024.0 * 1024.0)


def peak_rss_mb() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return r / (1024.0 * 1024.0) if sys.platform == "darwin" else r / 1024.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--method", required=True, choices=["saliency", "integrated-gradients"])
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()

    import torch
    import torchvision
    from captum.attr import IntegratedGradients, Saliency

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = getattr(torchvision.models, args.model)(weights=None).eval()
    for p in model.parameters():
        p.requires_grad_(False)
    after_build = rss_mb()
    rows = args.batch if args.method == "saliency" else 1
    x = torch.randn(rows, 3, 224, 224, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        targets = model(x).argmax(1)
    for _ in range(args.runs):
        if args.method == "saliency":
            Saliency(model).attribute(x.clone().requires_grad_(True), target=targets, abs=False)
        else:
            IntegratedGradients(model).attribute(x, target=targets, n_steps=args.steps, method="gausslegendre",
                                                 internal_batch_size=args.batch)
    print(json.dumps({"engine": "torch-captum", "model": args.model, "method": args.method, "batch": args.batch,
                      "steps": args.steps if args.method != "saliency" else None, "threads": args.threads,
                      "rss_after_build_mb": round(after_build, 1), "peak_rss_mb": round(peak_rss_mb(), 1),
                      "torch": torch.__version__}))


if __name__ == "__main__":
    main()
