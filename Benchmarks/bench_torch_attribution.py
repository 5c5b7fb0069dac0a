#!/usr/bin/env python3
"""PyTorch / Captum peer for Loupe's attribution benchmark.

  bench_torch_attribution.py --model resnet18 [--threads 2] [--batch 32] [--seconds 10]

Models (--model cnn | resnet18 | mobilenetv3_small) are the torch twins of the committed
ONNX fixtures, built by Tests/Fixtures/attribution/torch_models.py from the ONNX
initializers (BatchNorm folded into conv biases, exactly like the ONNX graphs) and checked
against onnxruntime before timing. Loupe-xorshift weight files are regenerated first in a
child process (so the generator's memory does not count towards peak RSS).

Prints one JSON line per measurement:
  {"measure": "saliency", "impl": "captum"|"autograd", "batch": 32, "images_per_s": ...}
      forward + gradient of the target logit w.r.t. the input at batch --batch
      (captum Saliency(abs=False), and bare torch.autograd.grad for the lower bound)
  {"measure": "integrated_gradients", "seconds_per_image": ..., "n_steps": 50, ...}
      captum IntegratedGradients(n_steps=50, method="gausslegendre",
      internal_batch_size=None -> all 50 steps of one image in one batch), one image per call
  {"measure": "peak_rss", "peak_rss_mb": ..., "rss_after_build_mb": ...}
      resource.getrusage(RUSAGE_SELF).ru_maxrss (includes onnx.load of the weights)
Every line also carries model, threads, torch/captum versions and the 1-minute load average
(at start and at the end of that measurement): on a shared 2-core machine a load above ~2
means the 2 OpenMP threads are oversubscribed and the numbers are not meaningful.
Timing: one warm-up call, then repeated calls until --seconds have passed (at least
--min-iters calls); throughput = work done / wall time (time.perf_counter).
Inputs: seeded standard normal; target = the model's arg-max class per image.

Needs the venv of Tests/Fixtures/make_attribution_fixtures.py (torch, torchvision, onnx,
onnxruntime, numpy, captum).
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
ATTR = os.path.join(FIXTURES, "attribution")
MODELS_DIR = os.path.join(FIXTURES, "models")
sys.path.insert(0, ATTR)
sys.path.insert(0, FIXTURES)


def peak_rss_mb() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return r / (1024.0 * 1024.0) if sys.platform == "darwin" else r / 1024.0


def regenerate_weights_in_child(case_name: str) -> None:
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import fixturelib as F; "
            "cases = {c['name']: c for c in F.load_manifest(sys.argv[2])}; "
            "F.ensure_weights(cases[sys.argv[3]], sys.argv[2])")
    subprocess.run([sys.executable, "-c", code, FIXTURES, MODELS_DIR, case_name], check=True)


def timed(fn, seconds: float, min_iters: int):
    fn()                                   # warm-up
    n = 0
    t0 = time.perf_counter()
    while True:
        fn()
        n += 1
        el = time.perf_counter() - t0
        if n >= min_iters and el >= seconds:
            return n, el


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", choices=["cnn", "resnet18", "mobilenetv3_small"], required=True)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=32, help="saliency batch size")
    ap.add_argument("--seconds", type=float, default=10.0, help="time budget per measurement")
    ap.add_argument("--min-iters", type=int, default=3)
    ap.add_argument("--ig-steps", type=int, default=50)
    ap.add_argument("--skip-ig", action="store_true")
    args = ap.parse_args()

    import torch_models as TM
    regenerate_weights_in_child(TM.MODEL_CASES[args.model])

    import numpy as np
    import torch
    import captum
    from captum.attr import IntegratedGradients, Saliency

    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)

    case = TM.model_case(args.model)
    x_fix = np.load(os.path.join(MODELS_DIR, case["inputs"]["input"]))
    model = TM.build_model(args.model)
    ver = TM.verify_against_ort(args.model, model, x_fix)   # torch twin == ORT
    for p in model.parameters():
        p.requires_grad_(False)
    rss_after_build = peak_rss_mb()

    base = {"loadavg_1m_at_start": round(os.getloadavg()[0], 2), "model": args.model, "model_case": case["name"], "threads": args.threads,
            "torch": torch.__version__, "captum": captum.__version__,
            "max_rel_logits_vs_ort": ver["max_rel_logits"]}

    rng = np.random.default_rng(12345)
    shape = (args.batch,) + tuple(x_fix.shape[1:])
    x = torch.from_numpy(rng.standard_normal(shape).astype(np.float32))
    with torch.no_grad():
        target = model(x).argmax(1)

    # (a) saliency
    sal = Saliency(model)

    def captum_saliency():
        sal.attribute(x, target=target, abs=False)

    def autograd_saliency():
        xi = x.detach().requires_grad_(True)
        out = model(xi)
        score = out.gather(1, target[:, None]).sum()
        torch.autograd.grad(score, xi)

    for impl, fn in (("captum", captum_saliency), ("autograd", autograd_saliency)):
        n, el = timed(fn, args.seconds, args.min_iters)
        print(json.dumps(dict(base, measure="saliency", impl=impl, batch=args.batch,
                              input_shape=list(shape[1:]), calls=n, seconds=round(el, 3),
                              images_per_s=round(n * args.batch / el, 2),
                              loadavg_1m_at_end=round(os.getloadavg()[0], 2))), flush=True)

    # (b) integrated gradients, one image per call
    if not args.skip_ig:
        ig = IntegratedGradients(model)
        x1 = x[:1]
        t1 = target[:1]

        def run_ig():
            ig.attribute(x1, baselines=torch.zeros_like(x1), target=t1, n_steps=args.ig_steps,
                         method="gausslegendre", internal_batch_size=None)

        n, el = timed(run_ig, args.seconds, args.min_iters)
        print(json.dumps(dict(base, measure="integrated_gradients", n_steps=args.ig_steps,
                              method="gausslegendre", internal_batch_size=None,
                              images_per_call=1, calls=n, seconds=round(el, 3),
                              seconds_per_image=round(el / n, 5),
                              loadavg_1m_at_end=round(os.getloadavg()[0], 2))), flush=True)

    # (c) peak RSS
    print(json.dumps(dict(base, measure="peak_rss", peak_rss_mb=round(peak_rss_mb(), 1),
                          rss_after_build_mb=round(rss_after_build, 1))), flush=True)


if __name__ == "__main__":
    main()
