#!/usr/bin/env python3
"""Loupe review-statistics fixtures (SciPy, statsmodels): Tests/Fixtures/review/reference.json.

What the reference libraries say, for the Swift ports in Sources/LoupeAnalysis/Review/:
  - "mcnemar": statsmodels mcnemar([[0, b], [c, 0]], exact=True).pvalue, and SciPy
    binomtest(min(b, c), b + c, 0.5).pvalue, for pairs of discordant counts (b, c);
  - "paired": the 95 % Wald interval of a paired difference of proportions,
    d = (c - b) / n, var = ((b + c) - (c - b)^2 / n) / n^2, z = scipy.stats.norm.ppf(0.975);
  - "holm": statsmodels multipletests(p, method="holm")[1] for lists of p-values;
  - "bootstrap": SciPy bootstrap(method="percentile", n_resamples=20000) 95 % intervals of the
    mean and of the expected calibration error (15 bins (k/B, (k+1)/B], 0 in the first) of a
    seeded sample of confidences and correctness; the Swift bootstrap uses its own generator, so
    the tests compare with a Monte Carlo tolerance.

Deterministic: rerunning gives identical bytes. Regenerate from the repository root with the
Python named by LOUPE_PYTHON (numpy, scipy and statsmodels installed):
  "$LOUPE_PYTHON" Tests/Fixtures/make_review_fixtures.py
"""

from __future__ import annotations

import json
import os

import numpy as np
import scipy
from scipy.stats import binomtest, bootstrap, norm
import statsmodels
from statsmodels.stats.contingency_tables import mcnemar
from statsmodels.stats.multitest import multipletests

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "review", "reference.json")


def ece(confidences: np.ndarray, correct: np.ndarray, bins: int = 15) -> float:
    index = np.clip(np.ceil(confidences * bins) - 1, 0, bins - 1).astype(int)
    total = 0.0
    for b in range(bins):
        mask = index == b
        if mask.any():
            total += mask.sum() / len(confidences) * abs(correct[mask].mean() - confidences[mask].mean())
    return float(total)


def main() -> None:
    cases = [(0, 0), (1, 0), (3, 5), (10, 2), (12, 12), (0, 7), (40, 25), (150, 120), (300, 200), (2, 30)]
    mcnemar_rows = []
    for b, c in cases:
        table = [[0, b], [c, 0]]
        p_statsmodels = float(mcnemar(table, exact=True).pvalue) if b + c > 0 else 1.0
        p_scipy = float(binomtest(min(b, c), b + c, 0.5).pvalue) if b + c > 0 else 1.0
        mcnemar_rows.append({"b": b, "c": c, "p_statsmodels": p_statsmodels, "p_scipy": p_scipy})

    z = float(norm.ppf(0.975))
    paired_rows = []
    for n, b, c in [(300, 10, 4), (1000, 40, 65), (500, 0, 0), (2000, 120, 80), (50, 5, 12)]:
        d = (c - b) / n
        var = ((b + c) - (c - b) ** 2 / n) / n ** 2
        paired_rows.append({"n": n, "b": b, "c": c, "difference": d, "lower": d - z * var ** 0.5, "upper": d + z * var ** 0.5})

    rng = np.random.default_rng(20261206)
    holm_rows = []
    for p in [[0.01, 0.04, 0.03, 0.005], [0.5, 0.2, 0.9], list(rng.uniform(0, 0.1, 12)), [0.001, 0.001, 0.2, 0.04, 0.049]]:
        p = [float(x) for x in p]
        holm_rows.append({"p": p, "adjusted": [float(x) for x in multipletests(p, method="holm")[1]]})

    n = 400
    confidences = np.round(rng.uniform(0.3, 1.0, n), 6)
    correct = rng.uniform(0, 1, n) < confidences * 0.85
    indices = np.arange(n)

    def ece_of(sample: np.ndarray, axis: int = -1) -> float:
        return ece(confidences[sample.astype(int)], correct[sample.astype(int)])

    def mean_of(sample: np.ndarray, axis: int = -1) -> float:
        return float(confidences[sample.astype(int)].mean())

    boot_ece = bootstrap((indices,), ece_of, vectorized=False, n_resamples=20000, method="percentile",
                         confidence_level=0.95, random_state=np.random.default_rng(1))
    boot_mean = bootstrap((indices,), mean_of, vectorized=False, n_resamples=20000, method="percentile",
                          confidence_level=0.95, random_state=np.random.default_rng(2))
    bootstrap_row = {
        "confidences": [round(float(x), 6) for x in confidences],
        "correct": [bool(x) for x in correct],
        "ece": ece(confidences, correct),
        "ece_interval": [float(boot_ece.confidence_interval.low), float(boot_ece.confidence_interval.high)],
        "mean_interval": [float(boot_mean.confidence_interval.low), float(boot_mean.confidence_interval.high)],
    }

    out = {
        "generator": f"scipy {scipy.__version__}, statsmodels {statsmodels.__version__}, numpy {np.__version__}",
        "mcnemar": mcnemar_rows, "paired": paired_rows, "holm": holm_rows, "bootstrap": bootstrap_row,
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(out, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
