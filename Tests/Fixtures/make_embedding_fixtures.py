#!/usr/bin/env python3
"""Loupe embedding reference fixtures (scikit-learn 1.9.1 PCA / trustworthiness, openTSNE 1.0.4).

Writes Tests/Fixtures/embeddings/:
  digits_x.npy (1797 x 64 float32), digits_y.npy (int64 labels)      sklearn load_digits
  pca_digits_{components,transformed}.npy                              PCA(svd_solver="full"), first 10
  pca_digits_ratio.npy                                                 explained_variance_ratio_ (all 64)
  pca_small_{x,components,transformed,ratio}.npy                       40 x 12 N(0,1) float32, all components
  pca_wide_{x,components,transformed,ratio}.npy                        60 x 700 matrix of rank ~8 + noise, 5 components,
                                                                       exact (svd_solver="full") reference for the
                                                                       randomised solver
  trust_{x,y}.npy, summary.json["trust_small"]                         sklearn trustworthiness(k=10) on tie-free data
  summary.json["opentsne_digits"]                                      openTSNE TSNE() defaults on digits, seeds 0..4:
                                                                       reported KL, exact KL vs its own P is not
                                                                       available, so also exact KL vs the dense
                                                                       perplexity-30 P (sklearn exact calibration,
                                                                       docs/embeddings.md#reference-timings) and trustworthiness(10)
  summary.json["opentsne_digits_fft"]                                  the same with negative_gradient_method="fft"
                                                                       (FIt-SNE interpolation, openTSNE defaults)
  summary.json["opentsne_digits_fft_short"]                            FFT with a short schedule (100 exaggerated +
                                                                       200 iterations) for a quick debug-build test
Versions are recorded in summary.json. Deterministic except openTSNE's Annoy (seeded).

Regenerate (from the repository root):
  pip install scikit-learn==1.9.1 openTSNE==1.0.4 numpy scipy
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python Tests/Fixtures/make_embedding_fixtures.py
  ... make_embedding_fixtures.py --fft-only     adds/refreshes only the summary.json["opentsne_digits_fft*"] entries
"""
import json
import os
import platform
import sys

import numpy as np
import openTSNE
import scipy
import sklearn
from scipy.spatial.distance import pdist
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.manifold import trustworthiness
from sklearn.manifold._t_sne import _joint_probabilities
from sklearn.metrics import pairwise_distances

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "embeddings")
EPS = np.finfo(np.double).eps


def save(name, array):
    np.save(os.path.join(OUT, name + ".npy"), np.ascontiguousarray(array))


def pca_case(name, x, n_components, keep=None):
    pca = PCA(n_components=n_components, svd_solver="full").fit(x.astype(np.float64))
    t = pca.transform(x.astype(np.float64))
    keep = keep or pca.components_.shape[0]
    save(f"pca_{name}_components", pca.components_[:keep].astype(np.float64))
    save(f"pca_{name}_transformed", t[:, :keep].astype(np.float64))
    save(f"pca_{name}_ratio", pca.explained_variance_ratio_.astype(np.float64))


def exact_kl(p_condensed, y):
    d = pdist(np.asarray(y, dtype=np.float64), "sqeuclidean")
    w = 1.0 / (1.0 + d)
    q = np.maximum(w / (2.0 * w.sum()), EPS)
    return float(2.0 * np.dot(p_condensed, np.log(np.maximum(p_condensed, EPS) / q)))


def opentsne_runs(xd, p_dense, method, **schedule):
    runs = []
    for seed in range(5):
        emb = openTSNE.TSNE(random_state=seed, n_jobs=1, negative_gradient_method=method, **schedule).fit(xd)
        y = np.asarray(emb)
        runs.append({"seed": seed, "kl_reported": float(emb.kl_divergence),
                     "kl_exact_dense": exact_kl(p_dense, y),
                     "trust10": float(trustworthiness(xd, y, n_neighbors=10))})
        print(runs[-1], flush=True)
    return runs


def fft_only():
    """Adds (or refreshes) the FFT entries of summary.json without touching the rest."""
    path = os.path.join(OUT, "summary.json")
    with open(path) as f:
        summary = json.load(f)
    xd = np.load(os.path.join(OUT, "digits_x.npy")).astype(np.float64)
    p_dense = _joint_probabilities(pairwise_distances(xd, squared=True), 30.0, 0)
    summary["opentsne_digits_fft"] = {
        "settings": "openTSNE.TSNE(random_state=seed, n_jobs=1, negative_gradient_method='fft') defaults: "
                    "perplexity 30, pca init, EE 12 x 250 its, 500 its, n_interpolation_points 3, "
                    "min_num_intervals 50, ints_in_interval 1",
        "runs": opentsne_runs(xd, p_dense, "fft"),
    }
    summary["opentsne_digits_fft_short"] = {
        "settings": "as opentsne_digits_fft with early_exaggeration_iter=100, n_iter=200",
        "runs": opentsne_runs(xd, p_dense, "fft", early_exaggeration_iter=100, n_iter=200),
    }
    with open(path, "w") as f:
        json.dump(summary, f, indent=1)


def main():
    if "--fft-only" in sys.argv:
        fft_only()
        return
    os.makedirs(OUT, exist_ok=True)
    digits = load_digits()
    x = digits.data.astype(np.float32)
    save("digits_x", x)
    save("digits_y", digits.target.astype(np.int64))
    pca_case("digits", x, None, keep=10)

    rng = np.random.default_rng(8)
    small = rng.normal(size=(40, 12)).astype(np.float32)
    save("pca_small_x", small)
    pca_case("small", small, None)

    basis = rng.normal(size=(8, 700))
    scores = rng.normal(size=(60, 8)) * np.array([20, 15, 10, 8, 6, 4, 3, 2])
    wide = (scores @ basis + 0.1 * rng.normal(size=(60, 700))).astype(np.float32)
    save("pca_wide_x", wide)
    pca_case("wide", wide, 5)

    tx = rng.normal(size=(120, 6)).astype(np.float64)
    ty = (tx[:, :2] + 0.7 * rng.normal(size=(120, 2))).astype(np.float64)
    save("trust_x", tx)
    save("trust_y", ty)
    summary = {
        "versions": {"sklearn": sklearn.__version__, "openTSNE": openTSNE.__version__,
                     "numpy": np.__version__, "scipy": scipy.__version__,
                     "python": platform.python_version()},
        "trust_small": {"k10": float(trustworthiness(tx, ty, n_neighbors=10)),
                        "k5": float(trustworthiness(tx, ty, n_neighbors=5))},
    }

    xd = x.astype(np.float64)
    p_dense = _joint_probabilities(pairwise_distances(xd, squared=True), 30.0, 0)
    runs = opentsne_runs(xd, p_dense, "bh")
    summary["opentsne_digits"] = {
        "settings": "openTSNE.TSNE(random_state=seed, n_jobs=1) defaults: perplexity 30, pca init, "
                    "EE 12 x 250 its (lr N/12), 500 its (lr N), momentum 0.8/0.8, BH theta 0.5",
        "runs": runs,
    }
    pca_init = PCA(n_components=2).fit_transform(xd)
    summary["pca_digits_trust10"] = float(trustworthiness(xd, pca_init, n_neighbors=10))
    with open(os.path.join(OUT, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
    fft_only()


if __name__ == "__main__":
    main()
