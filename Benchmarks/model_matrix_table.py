#!/usr/bin/env python3
"""Runs Loupe and its peers on each exported model and prints the issue-17 table (see run_model_matrix.sh).

Every cell comes from its own process: `loupe bench` for Loupe, bench_model_matrix_peer.py for
onnxruntime, PyTorch and captum. Ratios are speed ratios (> 1 means Loupe is faster) and memory
ratios (Loupe's peak RSS over the peer's; the goal is <= 1.2). The raw JSON lines follow the table.
"""

from __future__ import annotations

import argparse
import json
import os
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
    args = ap.parse_args()
    peer = [sys.executable, os.path.join(HERE, "bench_model_matrix_peer.py"), "--seconds", args.seconds, "--threads", "2"]
    loupe = [args.loupe, "bench"]
    header = (f"{'model':<16} {'batch':>5} {'fwd img/s':>10} {'ort img/s':>10} {'fwd':>6} {'sal img/s':>10} "
              f"{'torch':>8} {'sal':>6} {'IG s/img':>9} {'captum':>8} {'IG':>6} {'salMB':>7} {'torchMB':>8} "
              f"{'mem':>5} {'igMB':>7} {'captMB':>7} {'mem':>5}")
    print(header, flush=True)
    raw = []
    for model in args.models.split(","):
        onnx = os.path.join(args.folder, f"{model}_dynamic.onnx")
        for batch in args.batches.split(","):
            b = ["--batch", batch]
            cells = {
                "fwd": run_json(loupe + [onnx, "--seconds", args.seconds, "--warmup", "1"] + b),
                "ort": run_json(peer + ["--model", model, "--onnx", onnx, "--measure", "forward"] + b),
                "sal": run_json(loupe + [onnx, "--method", "saliency", "--seconds", args.seconds] + b),
                "torch": run_json(peer + ["--model", model, "--onnx", onnx, "--measure", "saliency"] + b),
                "ig": run_json(loupe + [onnx, "--method", "integrated-gradients", "--steps", "50",
                                        "--internal-batch", batch, "--seconds", args.seconds]),
                "captum": run_json(peer + ["--model", model, "--onnx", onnx, "--measure", "ig", "--steps", "50"] + b),
            }
            raw.append({"model": model, "batch": int(batch), **cells})

            def get(cell, key):
                return cells[cell].get(key, float("nan"))
            ig_loupe = 1 / get("ig", "images_per_s")
            print(f"{model:<16} {batch:>5} {get('fwd', 'images_per_s'):>10.2f} {get('ort', 'images_per_s'):>10.2f} "
                  f"{get('fwd', 'images_per_s') / get('ort', 'images_per_s'):>5.2f}x "
                  f"{get('sal', 'images_per_s'):>10.2f} {get('torch', 'images_per_s'):>8.2f} "
                  f"{get('sal', 'images_per_s') / get('torch', 'images_per_s'):>5.2f}x "
                  f"{ig_loupe:>9.3f} {get('captum', 'seconds_per_image'):>8.3f} "
                  f"{get('captum', 'seconds_per_image') / ig_loupe:>5.2f}x "
                  f"{get('sal', 'peak_rss_mb'):>7.0f} {get('torch', 'peak_rss_mb'):>8.0f} "
                  f"{get('sal', 'peak_rss_mb') / get('torch', 'peak_rss_mb'):>5.2f} "
                  f"{get('ig', 'peak_rss_mb'):>7.0f} {get('captum', 'peak_rss_mb'):>7.0f} "
                  f"{get('ig', 'peak_rss_mb') / get('captum', 'peak_rss_mb'):>5.2f}", flush=True)
            for name, cell in cells.items():
                if "error" in cell:
                    print(f"  {name}: {cell['error']}", flush=True)
    print("\nraw measurements:")
    for row in raw:
        print(json.dumps(row))


if __name__ == "__main__":
    main()
