#!/usr/bin/env python3
"""One peer measurement for Loupe's model-matrix benchmark (Benchmarks/run_model_matrix.sh).

  bench_model_matrix_peer.py --model resnet50 --measure forward|saliency|ig --batch 8 \
      --onnx /tmp/models/resnet50_dynamic.onnx [--threads 2] [--seconds 5] [--steps 50]

Each call measures one thing in a fresh process, so its peak RSS belongs to that measurement:
- forward:  onnxruntime (CPU provider, intra-op threads = --threads) on --onnx at batch --batch;
- saliency: PyTorch autograd, gradient of each image's arg-max logit w.r.t. the input at
            batch --batch (torch.autograd.grad, the lower bound of captum's Saliency);
- ig:       captum IntegratedGradients, --steps Gauss-Legendre steps on one image with
            internal_batch_size = --batch, zero baseline.
The torch model is torchvision's with the seeded random weights that export_torchvision.py
writes to the ONNX file, so both sides run the same network.
Prints one JSON line: images_per_s (forward, saliency) or seconds_per_image (ig), calls,
seconds, peak_rss_mb (ru_maxrss), and the 1-minute load average at start and end.
Timing: one warm-up call, then calls until --seconds have passed and at least --min-iters ran.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_torch_attribution import peak_rss_mb, timed  # noqa: E402  (same timing rule as the issue-3 peer)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True)
    ap.add_argument("--measure", choices=["forward", "saliency", "ig"], required=True)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--onnx", required=True)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--min-iters", type=int, default=2)
    ap.add_argument("--steps", type=int, default=50)
    args = ap.parse_args()

    import numpy as np
    load_start = round(os.getloadavg()[0], 2)
    x = np.random.default_rng(12345).standard_normal((args.batch, 3, 224, 224)).astype(np.float32)
    line = {"model": args.model, "measure": args.measure, "batch": args.batch, "threads": args.threads,
            "loadavg_1m_at_start": load_start}

    if args.measure == "forward":
        import onnxruntime as ort
        options = ort.SessionOptions()
        options.intra_op_num_threads = args.threads
        options.inter_op_num_threads = 1
        session = ort.InferenceSession(args.onnx, options, providers=["CPUExecutionProvider"])
        name = session.get_inputs()[0].name
        n, elapsed = timed(lambda: session.run(None, {name: x}), args.seconds, args.min_iters)
        line.update(impl=f"onnxruntime {ort.__version__}", images_per_s=round(n * args.batch / elapsed, 3))
    else:
        import torch
        from export_torchvision import build
        torch.set_num_threads(args.threads)
        torch.set_num_interop_threads(1)
        model = build(args.model)
        for parameter in model.parameters():
            parameter.requires_grad_(False)
        inputs = torch.from_numpy(x)
        with torch.no_grad():
            target = model(inputs).argmax(1)
        if args.measure == "saliency":
            def saliency():
                xi = inputs.detach().requires_grad_(True)
                score = model(xi).gather(1, target[:, None]).sum()
                torch.autograd.grad(score, xi)
            n, elapsed = timed(saliency, args.seconds, args.min_iters)
            line.update(impl=f"torch {torch.__version__} autograd", images_per_s=round(n * args.batch / elapsed, 3))
        else:
            import captum
            from captum.attr import IntegratedGradients
            ig = IntegratedGradients(model)
            one, target1 = inputs[:1], target[:1]

            def integrated():
                ig.attribute(one, baselines=torch.zeros_like(one), target=target1, n_steps=args.steps,
                             method="gausslegendre", internal_batch_size=args.batch)
            n, elapsed = timed(integrated, args.seconds, args.min_iters)
            line.update(impl=f"captum {captum.__version__}", steps=args.steps, seconds_per_image=round(elapsed / n, 4))
    line.update(calls=n, seconds=round(elapsed, 3), peak_rss_mb=round(peak_rss_mb(), 1),
                loadavg_1m_at_end=round(os.getloadavg()[0], 2))
    print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
