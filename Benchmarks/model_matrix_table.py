#!/usr/bin/env python3
"""Runs Loupe and its peers on each exported model and prints the issue-17 table (see run_model_matrix.sh).

Every cell comes from its own process: `loupe bench` for Loupe, bench_model_matrix_peer.py for
onnxruntime, PyTorch and captum. Ratios are speed ratios (> 1 means Loupe is faster) and memory
ratios (Loupe's peak RSS over the peer's; the goal is <= 1.2). The raw JSON lines follow the table.

With --repeats N (N > 1) the six cells of a row are measured N times, in rounds (each Loupe cell right
before its peer's), and every column shows the median over the rounds; a ratio is the median of the
rounds' own ratios, followed by its lowest and highest round, so a slow phase of a shared machine shows
as a range instead of moving one reading.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def run_json(command: list[str]) -> dict:
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        return {"error": (done.stderr.strip().splitlines() or ["exit %d" % done.returncode])[-1]}
    lines = [l for l in done.stdout.splitlines() if l.strip().startswith("{")]
    return json.loads(lines[-1]) if lines else {"error": "no JSON line"}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--loupe", required=True)
    ap.add_argument("--folder", required=True)
    ap.add_argument("--models", required=True)
    ap.add_argument("--batches", default="8,32")
    ap.add_argument("--seconds", default="5")
    ap.add_argument("--repeats", type=int, default=1, help="rounds per row; medians and ranges when > 1")
    args = ap.parse_args()
    repeats = max(1, args.repeats)
    peer = [sys.executable, os.path.join(HERE, "bench_model_matrix_peer.py"), "--seconds", args.seconds, "--threads", "2"]
    loupe = [args.loupe, "bench"]
    ratio_width = 6 if repeats == 1 else 18
    header = (f"{'model':<16} {'batch':>5} {'fwd img/s':>10} {'ort img/s':>10} {'fwd':>{ratio_width}} {'sal img/s':>10} "
              f"{'torch':>8} {'sal':>{ratio_width}} {'IG s/img':>9} {'captum':>8} {'IG':>{ratio_width}} {'salMB':>7} {'torchMB':>8} "
              f"{'mem':>5} {'igMB':>7} {'captMB':>7} {'mem':>5}")
    print(header, flush=True)
    raw = []
    for model in args.models.split(","):
        onnx = os.path.join(args.folder, f"{model}_dynamic.onnx")
        for batch in args.batches.split(","):
            b = ["--batch", batch]
            rounds = []
            for _ in range(repeats):
                rounds.append({
                    "fwd": run_json(loupe + [onnx, "--seconds", args.seconds, "--warmup", "1"] + b),
                    "ort": run_json(peer + ["--model", model, "--onnx", onnx, "--measure", "forward"] + b),
                    "sal": run_json(loupe + [onnx, "--method", "saliency", "--seconds", args.seconds] + b),
                    "torch": run_json(peer + ["--model", model, "--onnx", onnx, "--measure", "saliency"] + b),
                    "ig": run_json(loupe + [onnx, "--method", "integrated-gradients", "--steps", "50",
                                            "--internal-batch", batch, "--seconds", args.seconds]),
                    "captum": run_json(peer + ["--model", model, "--onnx", onnx, "--measure", "ig", "--steps", "50"] + b),
                })
                raw.append({"model": model, "batch": int(batch), "round": len(rounds), **rounds[-1]})

            def values(cell, key, transform=lambda v: v):
                found = [transform(r[cell][key]) for r in rounds if key in r[cell]]
                return found or [float("nan")]

            def median(cell, key, transform=lambda v: v):
                return statistics.median(values(cell, key, transform))

            def ratio(numerator, denominator):
                """The median over rounds of numerator(round) / denominator(round), with its range."""
                found = [numerator(r) / denominator(r) for r in rounds]
                found = [v for v in found if not math.isnan(v)] or [float("nan")]
                text = f"{statistics.median(found):.2f}x"
                if repeats > 1:
                    text += f" ({min(found):.2f}-{max(found):.2f})"
                return f"{text:>{ratio_width}}"

            def reading(cell, key):
                return lambda r: r[cell].get(key, float("nan"))
            print(f"{model:<16} {batch:>5} {median('fwd', 'images_per_s'):>10.2f} {median('ort', 'images_per_s'):>10.2f} "
                  f"{ratio(reading('fwd', 'images_per_s'), reading('ort', 'images_per_s'))} "
                  f"{median('sal', 'images_per_s'):>10.2f} {median('torch', 'images_per_s'):>8.2f} "
                  f"{ratio(reading('sal', 'images_per_s'), reading('torch', 'images_per_s'))} "
                  f"{median('ig', 'images_per_s', lambda v: 1 / v):>9.3f} {median('captum', 'seconds_per_image'):>8.3f} "
                  f"{ratio(reading('captum', 'seconds_per_image'), lambda r: 1 / r['ig'].get('images_per_s', float('nan')))} "
                  f"{median('sal', 'peak_rss_mb'):>7.0f} {median('torch', 'peak_rss_mb'):>8.0f} "
                  f"{median('sal', 'peak_rss_mb') / median('torch', 'peak_rss_mb'):>5.2f} "
                  f"{median('ig', 'peak_rss_mb'):>7.0f} {median('captum', 'peak_rss_mb'):>7.0f} "
                  f"{median('ig', 'peak_rss_mb') / median('captum', 'peak_rss_mb'):>5.2f}", flush=True)
            for cells in rounds:
                for name, cell in cells.items():
                    if "error" in cell:
                        print(f"  {name}: {cell['error']}", flush=True)
    print("\nraw measurements:")
    for row in raw:
        print(json.dumps(row))


if __name__ == "__main__":
    main()
