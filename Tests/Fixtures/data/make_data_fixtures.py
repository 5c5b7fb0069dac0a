#!/usr/bin/env python3
"""Generates the small LoupeData test fixtures in this folder (deterministic; rerun to rebuild).

Run with the project venv (from the repository root): "$LOUPE_PYTHON" Tests/Fixtures/data/make_data_fixtures.py
Needs numpy and Pillow. Every file's content is fixed by the code below (seeded).
"""
import gzip
import os
import struct
import zlib

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20261128)


def path(*parts):
    full = os.path.join(HERE, *parts)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    return full


def png_chunk(kind, payload):
    body = kind + payload
    return struct.pack(">I", len(payload)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


# Known-pixel PNGs: the tests hold the same numbers.
KNOWN_RGB = np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255]],
                      [[10, 20, 30], [128, 128, 128], [250, 251, 252]]], dtype=np.uint8)  # 2x3
Image.fromarray(KNOWN_RGB, "RGB").save(path("known_rgb.png"))
KNOWN_GRAY = np.array([[0, 64], [128, 255]], dtype=np.uint8)
Image.fromarray(KNOWN_GRAY, "L").save(path("known_gray.png"))
KNOWN_RGBA = np.array([[[255, 0, 0, 255], [0, 0, 0, 0]], [[0, 0, 255, 128], [100, 100, 100, 255]]], dtype=np.uint8)
Image.fromarray(KNOWN_RGBA, "RGBA").save(path("known_rgba.png"))

# 16-bit RGB PNG, 2x1, built by hand (Pillow cannot write it); Pillow reads it as v >> 8.
rgb16 = np.array([[[0, 32768, 65535], [1000, 20000, 50000]]], dtype=">u2")
raw16 = b"".join(b"\x00" + row.tobytes() for row in rgb16)
open(path("rgb16.png"), "wb").write(b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 1, 16, 2, 0, 0, 0))
                                    + png_chunk(b"IDAT", zlib.compress(raw16)) + png_chunk(b"IEND", b""))
assert np.asarray(Image.open(path("rgb16.png")).convert("RGB")).tolist() == [[[0, 128, 255], [3, 78, 195]]]

# Image folder: 2 classes x (1 PNG + 1 JPEG), plus one non-image file to be ignored.
def smooth_image(h, w, seed):
    local = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w]
    base = np.stack([x * 255 / max(1, w - 1), y * 255 / max(1, h - 1), (x + y) * 127 / max(1, h + w - 2)], axis=-1)
    return np.clip(base + local.integers(-20, 21, size=(h, w, 3)), 0, 255).astype(np.uint8)


Image.fromarray(smooth_image(12, 16, 1)).save(path("folder", "cat", "a.png"))
Image.fromarray(smooth_image(12, 16, 2)).save(path("folder", "cat", "b.jpg"), quality=90)
Image.fromarray(smooth_image(12, 16, 3)).save(path("folder", "dog", "c.png"))
Image.fromarray(smooth_image(12, 16, 4)).save(path("folder", "dog", "d.jpeg"), quality=75)
with open(path("folder", "dog", "notes.txt"), "w") as f:
    f.write("not an image\n")
# Pillow's decode of the JPEGs, the reference for TurboJPEG's.
np.save(path("b_jpg_pillow.npy"), np.asarray(Image.open(path("folder", "cat", "b.jpg")).convert("RGB")))
np.save(path("d_jpeg_pillow.npy"), np.asarray(Image.open(path("folder", "dog", "d.jpeg")).convert("RGB")))
# Pillow BILINEAR resizes of a.png (shrink 16x12 -> 7x5, enlarge -> 23x17), the reference for ImageResize.
a_png = Image.open(path("folder", "cat", "a.png"))
np.save(path("a_7x5_pillow.npy"), np.asarray(a_png.resize((7, 5), Image.BILINEAR)))
np.save(path("a_23x17_pillow.npy"), np.asarray(a_png.resize((23, 17), Image.BILINEAR)))
# A grayscale JPEG and its Pillow decode.
Image.fromarray(smooth_image(9, 10, 5)[:, :, 0], "L").save(path("gray.jpg"), quality=85)
np.save(path("gray_jpg_pillow.npy"), np.asarray(Image.open(path("gray.jpg"))))

# Corrupt PNG: valid signature and IHDR, IDAT bytes damaged (CRC no longer matches).
good = open(path("known_rgb.png"), "rb").read()
idat = good.index(b"IDAT")
bad = bytearray(good)
for i in range(idat + 4, idat + 10):
    bad[i] ^= 0x5A
open(path("corrupt.png"), "wb").write(bytes(bad))

# Truncated JPEG: headers intact, the entropy-coded scan cut in half.
full = open(path("folder", "cat", "b.jpg"), "rb").read()
scan = full.index(b"\xff\xda")
open(path("truncated.jpg"), "wb").write(full[: scan + (len(full) - scan) // 2])

# PNG whose IHDR claims 100000 x 100000 (valid CRC), with a tiny IDAT and IEND.
ihdr = struct.pack(">IIBBBBB", 100000, 100000, 8, 2, 0, 0, 0)
huge = b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + png_chunk(b"IEND", b"")
open(path("huge_header.png"), "wb").write(huge)

# Not an image at all, with an image extension.
open(path("not_image.png"), "wb").write(b"hello, I am text\n")

# Tiny IDX pair: 5 images of 4x3 (H x W), images gzipped, labels plain.
idx_images = rng.integers(0, 256, size=(5, 4, 3), dtype=np.uint8)
idx_labels = np.array([3, 1, 4, 1, 5], dtype=np.uint8)
with gzip.GzipFile(path("idx", "tiny-images-idx3-ubyte.gz"), "wb", mtime=0) as f:
    f.write(struct.pack(">IIII", 2051, 5, 4, 3) + idx_images.tobytes())
with open(path("idx", "tiny-labels-idx1-ubyte"), "wb") as f:
    f.write(struct.pack(">II", 2049, 5) + idx_labels.tobytes())
np.save(path("idx", "tiny_images.npy"), idx_images)
# Wrong size: header says 5 images but 4 are present.
with open(path("idx", "short-images-idx3-ubyte"), "wb") as f:
    f.write(struct.pack(">IIII", 2051, 5, 4, 3) + idx_images[:4].tobytes())

# Tiny CIFAR-10 file: 4 records, class names file beside it.
cifar_images = rng.integers(0, 256, size=(4, 3, 32, 32), dtype=np.uint8)
cifar_labels = np.array([9, 0, 3, 3], dtype=np.uint8)
with open(path("cifar", "tiny_batch.bin"), "wb") as f:
    for label, image in zip(cifar_labels, cifar_images):
        f.write(bytes([label]) + image.tobytes())
with open(path("cifar", "batches.meta.txt"), "w") as f:
    f.write("\n".join(["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]) + "\n\n")
np.save(path("cifar", "tiny_images.npy"), cifar_images)
# A record with label 10 (out of range for CIFAR-10).
with open(path("cifar", "bad_label.bin"), "wb") as f:
    f.write(bytes([1]) + cifar_images[0].tobytes() + bytes([10]) + cifar_images[1].tobytes())

# Arrays: NHWC uint8 NPZ (names images/labels), NCHW float32 NPY pair, NPZ with x/y names.
arr_images = rng.integers(0, 256, size=(6, 6, 5, 3), dtype=np.uint8)  # N, H, W, C
arr_labels = np.array([0, 1, 2, 0, 1, 2], dtype=np.int64)
np.savez(path("arrays", "tiny.npz"), images=arr_images, labels=arr_labels)
np.savez_compressed(path("arrays", "tiny_xy.npz"), x=arr_images, y=arr_labels)
np.save(path("arrays", "images_nchw.npy"), (arr_images.transpose(0, 3, 1, 2) / 255.0).astype(np.float32))
np.save(path("arrays", "labels.npy"), arr_labels)
np.save(path("arrays", "labels_bad.npy"), np.array([0, 1, 7, 0, 1, 2], dtype=np.int64))
print("fixtures written to", HERE)
