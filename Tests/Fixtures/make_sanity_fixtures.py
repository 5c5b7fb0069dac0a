#!/usr/bin/env python3
"""Loupe sanity-check similarity fixtures (SciPy 1.17.1 spearmanr, scikit-image 0.26.0 SSIM and HOG).

Writes Tests/Fixtures/sanity/{manifest.json,*.npy}: random map pairs (float64, fixed seed) and
what the reference libraries say about them, for the port tests of docs/sanity-checks.md#similarity-measures and #random-logit:
  - "spearman": scipy.stats.spearmanr(a, b).statistic on flat vectors (one tie-free pair, one
    pair with many ties, as rounding to one decimal gives);
  - "ssim2d": skimage.metrics.structural_similarity(a, b, gaussian_weights=True, sigma=1.5,
    use_sample_covariance=True, data_range=2.0, channel_axis=0) on C x H x W maps
    (Adebayo et al.'s recipe: 11-tap Gaussian window, float range 2.0, mean over channels);
  - "ssim1d": the same function on flat vectors with the uniform 7-sample window and
    data_range = max - min of the pair (Quantus RandomLogit's call);
  - "hog": skimage.feature.hog(map, orientations=9, pixels_per_cell=(p, p),
    cells_per_block=(3, 3), block_norm="L2-Hys", channel_axis=-1 for 3 channels) on H x W
    (or C x H x W, transposed to H x W x C for skimage) maps, and spearmanr of two HOG vectors.

Deterministic: rerunning gives identical bytes.
Regenerate (from the repository root):
  "$LOUPE_PYTHON" Tests/Fixtures/make_sanity_fixtures.py
(any venv with numpy 2.4, scipy 1.17.1 and scikit-image 0.26.0 works).
"""

from __future__ import annotations

import json
import os

import numpy as np
from scipy.ndimage import gaussian_filter
from scipy.stats import spearmanr
from skimage.feature import hog
from skimage.metrics import structural_similarity

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sanity")


def smooth_map(rng, shape, sigma=1.2):
    """A random map with some spatial structure (blurred noise), float64."""
    noise = rng.standard_normal(shape)
    axes = tuple(range(len(shape) - 2, len(shape)))
    s = [0.0] * len(shape)
    for a in axes:
        s[a] = sigma
    return gaussian_filter(noise, sigma=s)


def f32(array):
    """Rounds to float32 first (Loupe reads maps as Float), then back to float64 for the reference."""
    return np.asarray(array, dtype=np.float32).astype(np.float64)


def save(name, array):
    np.save(os.path.join(HERE, name), np.ascontiguousarray(array, dtype=np.float64))
    return name


def main():
    os.makedirs(HERE, exist_ok=True)
    rng = np.random.default_rng(20181025)
    cases = []

    # Spearman: tie-free and tied pairs.
    a = rng.standard_normal(200)
    b = 0.6 * a + 0.8 * rng.standard_normal(200)
    cases.append({"kind": "spearman", "name": "spearman_tie_free", "a": save("spearman_a.npy", a),
                  "b": save("spearman_b.npy", b), "expected": float(spearmanr(a, b).statistic)})
    a, b = f32(a), f32(b)
    ta, tb = f32(np.round(a, 1)), f32(np.round(np.clip(b, -1, 1), 1))
    cases.append({"kind": "spearman", "name": "spearman_ties", "a": save("spearman_ties_a.npy", ta),
                  "b": save("spearman_ties_b.npy", tb), "expected": float(spearmanr(ta, tb).statistic)})

    # SSIM on C x H x W maps (Gaussian window, data range 2.0), 3 and 1 channels.
    for channels, h, w in [(3, 20, 24), (1, 28, 28)]:
        x = smooth_map(rng, (channels, h, w))
        y = 0.5 * x + 0.5 * smooth_map(rng, (channels, h, w))
        x = (x - x.min()) / (x.max() - x.min())
        y = (y - y.min()) / (y.max() - y.min())
        x, y = f32(x), f32(y)
        value = structural_similarity(x, y, gaussian_weights=True, sigma=1.5, use_sample_covariance=True,
                                      data_range=2.0, channel_axis=0)
        name = f"ssim2d_c{channels}"
        cases.append({"kind": "ssim2d", "name": name, "a": save(f"{name}_a.npy", x), "b": save(f"{name}_b.npy", y),
                      "data_range": 2.0, "expected": float(value)})

    # SSIM on flat vectors (uniform window 7, data range = max - min of the pair).
    x = rng.standard_normal(300)
    y = 0.7 * x + 0.3 * rng.standard_normal(300)
    x, y = f32(x), f32(y)
    data_range = float(max(x.max(), y.max()) - min(x.min(), y.min()))
    cases.append({"kind": "ssim1d", "name": "ssim1d", "a": save("ssim1d_a.npy", x), "b": save("ssim1d_b.npy", y),
                  "data_range": data_range,
                  "expected": float(structural_similarity(x, y, data_range=data_range))})

    # HOG descriptors (1 and 3 channels) and the Spearman of two descriptors.
    for channels, size, cell in [(1, 28, 4), (3, 32, 4)]:
        x = smooth_map(rng, (channels, size, size), sigma=1.5)
        y = 0.5 * x + 0.5 * smooth_map(rng, (channels, size, size), sigma=1.5)
        x = (x - x.min()) / (x.max() - x.min())
        y = (y - y.min()) / (y.max() - y.min())
        x, y = f32(x), f32(y)
        kwargs = dict(orientations=9, pixels_per_cell=(cell, cell), cells_per_block=(3, 3), block_norm="L2-Hys")
        if channels == 1:
            hx, hy = hog(x[0], **kwargs), hog(y[0], **kwargs)
        else:
            hx = hog(np.transpose(x, (1, 2, 0)), channel_axis=-1, **kwargs)
            hy = hog(np.transpose(y, (1, 2, 0)), channel_axis=-1, **kwargs)
        name = f"hog_c{channels}"
        cases.append({"kind": "hog", "name": name, "a": save(f"{name}_a.npy", x), "b": save(f"{name}_b.npy", y),
                      "cell": cell, "hog_a": save(f"{name}_hog_a.npy", hx), "hog_b": save(f"{name}_hog_b.npy", hy),
                      "expected": float(spearmanr(hx, hy).statistic)})

    with open(os.path.join(HERE, "manifest.json"), "w") as f:
        json.dump(cases, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
