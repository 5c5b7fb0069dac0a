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

# More PNG colour types, each with Pillow's decode as the reference: gray + alpha, palette (with and
# without a transparent entry), 16-bit gray, and 16-bit gray + alpha built by hand (Pillow cannot write it).
KNOWN_LA = np.array([[[0, 255], [64, 0]], [[128, 128], [255, 200]]], dtype=np.uint8)
Image.fromarray(KNOWN_LA, "LA").save(path("known_la.png"))
np.save(path("known_la_pillow.npy"), np.asarray(Image.open(path("known_la.png"))))
palette_image = Image.fromarray(np.array([[0, 1, 2], [3, 2, 1]], dtype=np.uint8), "P")
palette_image.putpalette([255, 0, 0, 0, 128, 255, 20, 30, 40, 250, 250, 0])
palette_image.save(path("palette.png"))
np.save(path("palette_pillow.npy"), np.asarray(Image.open(path("palette.png")).convert("RGB")))
palette_image.save(path("palette_trns.png"), transparency=bytes([255, 0, 128, 255]))
np.save(path("palette_trns_pillow.npy"), np.asarray(Image.open(path("palette_trns.png")).convert("RGBA")))
Image.fromarray(np.array([[0, 300, 32768], [65535, 4660, 51966]], dtype=np.uint16)).save(path("gray16.png"))
np.save(path("gray16_pillow.npy"), (np.asarray(Image.open(path("gray16.png"))).astype(np.uint32) >> 8).astype(np.uint8))
la16 = np.array([[[0, 65535], [40000, 65535]], [[65535, 0], [12345, 65535]]], dtype=">u2")
raw_la16 = b"".join(b"\x00" + row.tobytes() for row in la16)
open(path("gray_alpha16.png"), "wb").write(b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 16, 4, 0, 0, 0))
                                          + png_chunk(b"IDAT", zlib.compress(raw_la16)) + png_chunk(b"IEND", b""))
np.save(path("gray_alpha16_pillow.npy"), np.asarray(Image.open(path("gray_alpha16.png")).convert("LA")))

# CMYK JPEGs made from a known RGB image with black generation (K = 255 - max(R, G, B)). Pillow stores
# CMYK inverted under an Adobe APP14 marker, as Adobe applications do; its decode converted to RGB is the
# reference. The YCCK file is the same image through libjpeg-turbo's own CMYK -> YCCK compressor (ctypes;
# Pillow cannot write YCCK), fed inverted values so that it follows the Adobe convention too.
cmyk_source = smooth_image(12, 16, 6).astype(np.int32)
black = 255 - cmyk_source.max(axis=2)
room = np.maximum(255 - black, 1)
inks = [((255 - cmyk_source[..., i] - black) * 255 + room // 2) // room for i in range(3)]
cmyk = np.stack(inks + [black], axis=-1).clip(0, 255).astype(np.uint8)
np.save(path("cmyk_source_rgb.npy"), cmyk_source.astype(np.uint8))
Image.fromarray(cmyk, "CMYK").save(path("cmyk.jpg"), quality=95)
np.save(path("cmyk_jpg_pillow.npy"), np.asarray(Image.open(path("cmyk.jpg")).convert("RGB")))
# The same file without its Adobe marker: plain (not inverted) CMYK to a decoder that follows the marker.
adobe = open(path("cmyk.jpg"), "rb").read()
app14 = adobe.index(b"\xff\xee")
app14_length = struct.unpack(">H", adobe[app14 + 2:app14 + 4])[0]
open(path("cmyk_no_adobe.jpg"), "wb").write(adobe[:app14] + adobe[app14 + 2 + app14_length:])
# Its expected RGB: the stored values taken as ink amounts (Pillow's CMYK array is 255 - stored).
plain_inks = 255 - np.asarray(Image.open(path("cmyk.jpg")))
np.save(path("cmyk_no_adobe_expected.npy"), np.asarray(Image.fromarray(plain_inks, "CMYK").convert("RGB")))


def turbojpeg_ycck(pixels, quality):
    """Compresses inverted CMYK pixels (H x W x 4 uint8) to a YCCK JPEG with libjpeg-turbo (TJPF_CMYK = 11)."""
    import ctypes
    import ctypes.util
    library = ctypes.CDLL(ctypes.util.find_library("turbojpeg") or "libturbojpeg.so.0")
    library.tjInitCompress.restype = ctypes.c_void_p
    library.tjCompress2.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_int,
                                    ctypes.POINTER(ctypes.POINTER(ctypes.c_ubyte)), ctypes.POINTER(ctypes.c_ulong),
                                    ctypes.c_int, ctypes.c_int, ctypes.c_int]
    library.tjFree.argtypes = [ctypes.POINTER(ctypes.c_ubyte)]
    library.tjDestroy.argtypes = [ctypes.c_void_p]
    handle = library.tjInitCompress()
    height, width = pixels.shape[:2]
    output, size = ctypes.POINTER(ctypes.c_ubyte)(), ctypes.c_ulong(0)
    status = library.tjCompress2(handle, np.ascontiguousarray(pixels).tobytes(), width, width * 4, height, 11,
                                 ctypes.byref(output), ctypes.byref(size), 0, quality, 0)
    assert status == 0, "tjCompress2 failed"
    data = ctypes.string_at(output, size.value)
    library.tjFree(output)
    library.tjDestroy(handle)
    return data


ycck = turbojpeg_ycck(255 - cmyk, 95)
assert b"Adobe" in ycck[:200]
open(path("ycck.jpg"), "wb").write(ycck)
np.save(path("ycck_jpg_pillow.npy"), np.asarray(Image.open(path("ycck.jpg")).convert("RGB")))
print("fixtures written to", HERE)
