"""The GEMM ceiling of this machine: how fast oneDNN's and OpenBLAS's sgemm run the shapes of the
224-px models, and what that allows for saliency.

Saliency costs about twice a forward pass in multiply-adds (the input gradient of every linear layer
is a product as large as its forward one; no weight gradients), so no engine can give more than
    peak GFLOP/s / (4 * forward GMACs)   images per second
on this machine, whatever it does outside its products. Next to it the script prints the saliency
rate that issue 17's goal asks for (1.5x the PyTorch rate given on the command line, or measured by
bench_model_matrix_peer.py).

Integrated Gradients with 50 steps is 50 such passes per image, so it takes at least
    50 * 4 * forward GMACs / peak GFLOP/s   seconds per image,
and the goal (2x captum) asks for half of captum's seconds per image given with --captum-ig. A goal
below that floor cannot be met by any engine that keeps float32 products of the same size.

Usage: OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2 $LOUPE_PYTHON Benchmarks/gemm_ceiling.py \
           [--torch-saliency vit_b_16=2.05,convnext_tiny=7.70,swin_t=6.67] [--captum-ig vit_b_16=34.75,...]
"""
import argparse
import ctypes
import time

import numpy as np

# Forward multiply-adds per 224-px image (torchvision's model documentation, "GFLOPS").
FORWARD_GMACS = {"resnet50": 4.09, "mobilenet_v2": 0.30, "efficientnet_b0": 0.39, "convnext_tiny": 4.46,
                 "vit_b_16": 17.56, "swin_t": 4.49}
# (rows, inner, columns): ViT-B/16's token products at batch 8, ConvNeXt-T's stage-3 MLP, a 1x1 convolution.
SHAPES = [(1576, 768, 2304), (1576, 3072, 768), (1568, 384, 1536), (256, 1024, 3136)]


def rate(product, m, k, n, repeats=8):
    a = np.random.rand(m, k).astype(np.float32)
    b = np.random.rand(k, n).astype(np.float32)
    c = np.zeros((m, n), np.float32)
    for _ in range(2):
        product(a, b, c, m, k, n)
    start = time.perf_counter()
    for _ in range(repeats):
        product(a, b, c, m, k, n)
    return 2 * m * k * n * repeats / (time.perf_counter() - start) / 1e9


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--torch-saliency", default="", help="model=images/s pairs, comma-separated")
    parser.add_argument("--captum-ig", default="", help="model=seconds per image pairs (50 steps), comma-separated")
    args = parser.parse_args()
    dnnl = ctypes.CDLL("libdnnl.so.2")
    blas = ctypes.CDLL("libopenblas.so.0")
    ptr = ctypes.c_void_p

    def onednn(a, b, c, m, k, n):
        dnnl.dnnl_sgemm(ctypes.c_char(b"N"), ctypes.c_char(b"N"), ctypes.c_int64(m), ctypes.c_int64(n),
                        ctypes.c_int64(k), ctypes.c_float(1), a.ctypes.data_as(ptr), ctypes.c_int64(k),
                        b.ctypes.data_as(ptr), ctypes.c_int64(n), ctypes.c_float(0), c.ctypes.data_as(ptr),
                        ctypes.c_int64(n))

    def openblas(a, b, c, m, k, n):
        blas.cblas_sgemm(101, 111, 111, m, n, k, ctypes.c_float(1), a.ctypes.data_as(ptr), k,
                         b.ctypes.data_as(ptr), n, ctypes.c_float(0), c.ctypes.data_as(ptr), n)

    best = 0.0
    print(f"{'m x k x n':>22}  {'oneDNN GFLOP/s':>15}  {'OpenBLAS GFLOP/s':>17}")
    for m, k, n in SHAPES:
        d, o = rate(onednn, m, k, n), rate(openblas, m, k, n)
        best = max(best, d, o)
        print(f"{f'{m} x {k} x {n}':>22}  {d:15.1f}  {o:17.1f}")
    def pairs(text):
        return dict((pair.split("=")[0], float(pair.split("=")[1])) for pair in text.split(",") if pair)

    torch, captum = pairs(args.torch_saliency), pairs(args.captum_ig)
    print(f"\npeak {best:.0f} GFLOP/s; saliency ceiling = peak / (4 x forward GMACs)")
    print(f"{'model':>16}  {'GMACs':>6}  {'ceiling img/s':>13}  {'goal img/s':>10}  {'goal / ceiling':>14}")
    for model, gmacs in FORWARD_GMACS.items():
        ceiling = best / (4 * gmacs)
        goal = 1.5 * torch[model] if model in torch else None
        shown = f"{goal:10.2f}  {goal / ceiling:14.2f}" if goal else f"{'-':>10}  {'-':>14}"
        print(f"{model:>16}  {gmacs:6.2f}  {ceiling:13.2f}  {shown}")
    print("\nIntegrated Gradients, 50 steps: floor = 50 x 4 x forward GMACs / peak")
    print(f"{'model':>16}  {'floor s/img':>11}  {'goal s/img':>10}  {'floor / goal':>12}")
    for model, gmacs in FORWARD_GMACS.items():
        floor = 50 * 4 * gmacs / best
        goal = captum[model] / 2 if model in captum else None
        shown = f"{goal:10.2f}  {floor / goal:12.2f}" if goal else f"{'-':>10}  {'-':>12}"
        print(f"{model:>16}  {floor:11.2f}  {shown}")


if __name__ == "__main__":
    main()
