"""Regenerates the tiny .npz fixtures read by Tests/LoupeTensorTests/NPZTests.swift.

Run with any Python that has numpy: `python make_npz.py` (writes next to this script).
"""
import os

import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
arrays = {
    "weights": np.arange(6, dtype=np.float32).reshape(2, 3) / 4,
    "labels": np.array([3, 1, 4, 1, 5], dtype=np.int64),
    "image": np.arange(12, dtype=np.uint8).reshape(2, 2, 3),
    "scalar": np.float64(2.5),
}
np.savez(os.path.join(here, "sample.npz"), **arrays)
np.savez_compressed(os.path.join(here, "sample_compressed.npz"), **arrays)

# Hostile: a deflated member whose .npy header declares 2 float32 values (8 bytes of data) but
# which inflates to 32 MiB of trailing zeros (its ZIP entry declares the full 32 MiB honestly).
import io
import zipfile

header = io.BytesIO()
np.save(header, np.zeros(2, dtype=np.float32))
member = header.getvalue() + bytes(32 << 20)
with zipfile.ZipFile(os.path.join(here, "trailing_bomb.npz"), "w", zipfile.ZIP_DEFLATED) as archive:
    info = zipfile.ZipInfo("x.npy", date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, member)
