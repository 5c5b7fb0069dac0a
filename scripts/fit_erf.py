#!/usr/bin/env python3
"""Fits the two polynomials of `fastErf` (Sources/LoupeTensor/Kernels/Elementwise.swift) and prints them as Swift.

Run: `$LOUPE_PYTHON scripts/fit_erf.py` (needs numpy and mpmath). The printed coefficients are the ones in the
Swift file; the Swift test `testFastErfAccuracyAndEnds` checks the result.

- Below |x| = 1: erf(x) = x + x P(x^2), P of degree 6 fitted to erf(x) / x - 1.
- From 1 to 4: erf(x) = 1 - Q(|x| - 2.5), Q of degree 14 fitted to erfc.
Each fit minimises the absolute error by least squares reweighted towards its largest errors (an approximation
of minimax); for P that error, times x, is the relative error of erf within the factor erf(x) / x of 0.84-1.13.
"""
import mpmath
import numpy as np

mpmath.mp.dps = 30


def reweighted_fit(u, target, degree):
    weights = np.ones_like(u)
    vander = np.vander(u, degree + 1, increasing=True)
    for _ in range(40):
        coefficients, *_ = np.linalg.lstsq(vander * weights[:, None], weights * target, rcond=None)
        error = np.abs(vander @ coefficients - target)
        weights = weights * (1 + 4 * error / error.max())
    return coefficients, error.max()


def main():
    z = np.linspace(1e-6, 1.0, 6000)
    x = np.sqrt(z)
    small_target = np.array([float(mpmath.erf(mpmath.mpf(v)) / mpmath.mpf(v)) for v in x]) - 1
    small, small_error = reweighted_fit(z, small_target, 6)
    a = np.linspace(1.0, 4.0, 8000)
    large_target = np.array([float(mpmath.erfc(mpmath.mpf(v))) for v in a])
    large, large_error = reweighted_fit(a - 2.5, large_target, 14)
    print(f"// P (erf(x) / x - 1 on x^2 in [0, 1]), highest degree first; fit error {small_error:.2e}")
    print(", ".join(np.format_float_scientific(np.float32(c), unique=True) for c in small[::-1]))
    print(f"// Q (erfc(a) on a - 2.5, a in [1, 4]), highest degree first; fit error {large_error:.2e}")
    print(", ".join(np.format_float_scientific(np.float32(c), unique=True) for c in large[::-1]))


if __name__ == "__main__":
    main()
