#!/usr/bin/env python3
"""Reference timing for Benchmarks/bench_corruptions.sh: imagecorruptions 1.1.2, 15 corruptions x 5 severities.

Runs `imagecorruptions.corrupt` on one 224x224 image (`repeats` times each pair, median kept) and prints
one JSON line {"engine": "imagecorruptions", "pairs": 75, "seconds": total of medians}.
imagecorruptions 1.1.2 needs two shims on NumPy >= 2 / scikit-image >= 0.19 (docs/corruptions.md#running-the-python-reference): np.float_ and
gaussian(multichannel=...); both preserve behaviour.
"""
import json
import sys
import time
import warnings

import numpy as np

warnings.filterwarnings("ignore")
if not hasattr(np, "float_"):
    np.float_ = np.float64  # shim: NumPy 2 removed the alias

import skimage.filters
from PIL import Image

import imagecorruptions
import imagecorruptions.corruptions as ic

_gaussian = skimage.filters.gaussian


def _gaussian_shim(image, sigma=1, multichannel=None, **kwargs):
    if multichannel:
        kwargs["channel_axis"] = -1
    return _gaussian(image, sigma=sigma, **kwargs)


ic.gaussian = _gaussian_shim  # shim: scikit-image removed `multichannel`


def main():
    path = sys.argv[1]
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    image = np.array(Image.open(path).convert("RGB"))
    names = imagecorruptions.get_corruption_names("common")
    total = 0.0
    per = {}
    for name in names:
        for severity in range(1, 6):
            times = []
            for r in range(repeats):
                np.random.seed(r)
                start = time.perf_counter()
                imagecorruptions.corrupt(image, corruption_name=name, severity=severity)
                times.append(time.perf_counter() - start)
            times.sort()
            median = times[len(times) // 2]
            per[f"{name}_s{severity}"] = round(median * 1000, 3)
            total += median
    print(json.dumps({"engine": "imagecorruptions", "pairs": len(names) * 5, "seconds": total, "ms": per}))


if __name__ == "__main__":
    main()
