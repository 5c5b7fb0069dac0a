// Probe: does a BLAS product give a row (or column) the same bits whatever the other rows (columns) of
// the call? This is the measurement behind sgemmRowwise (Sources/LoupeTensor/Kernels/RowwiseProduct.swift)
// and BENCHMARKS.md "Batch-independent results". Single-threaded OpenBLAS (cblas_sgemm) and oneDNN (dnnl_sgemm).
//
// Build and run (libopenblas-dev, libdnnl-dev):
//   gcc -O2 -o /tmp/probe_product_invariance Benchmarks/probe_product_invariance.c -lopenblas -ldnnl
//   OMP_NUM_THREADS=1 /tmp/probe_product_invariance
// Prints, per library and shape, how many of the tried row counts change the first rows' bits (rows = images
// of a fully connected layer), whether cutting the columns in two changes any bit (a product cut over the
// workers), and whether an image's columns change when other images sit beside it (a shared im2col product).
#include <cblas.h>
#include <dnnl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static float next_value(void) { return (float)(rand() % 20001 - 10000) / 10000.f; }
static float *values(long count) {
  float *p = malloc(4 * count);
  for (long i = 0; i < count; i++) p[i] = next_value();
  return p;
}
// Row-major C[m x n] = A[m x k] * B[k x n] (ldb = ldc = full width, b and c may point inside wider matrices).
static void product(int library, int m, int n, int k, const float *a, const float *b, int ldb, float *c, int ldc) {
  if (library == 0)
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1, a, k, b, ldb, 0, c, ldc);
  else
    dnnl_sgemm('N', 'N', m, n, k, 1, a, k, b, ldb, 0, c, ldc);
}

int main(void) {
  const char *names[] = {"OpenBLAS", "oneDNN"};
  int shapes[][2] = {{16, 10}, {768, 768}, {2048, 1000}};  // k, n
  openblas_set_num_threads(1);
  for (int library = 0; library < 2; library++) {
    for (int s = 0; s < 3; s++) {
      int k = shapes[s][0], n = shapes[s][1], most = 40;
      float *a = values((long)most * k), *b = values((long)k * n);
      float *whole = malloc(4L * most * n), *part = malloc(4L * most * n);
      product(library, most, n, k, a, b, n, whole, n);
      int changed = 0;
      for (int m = 1; m < most; m++) {
        product(library, m, n, k, a, b, n, part, n);
        if (memcmp(whole, part, 4L * m * n)) changed++;
      }
      int half = n / 2;
      product(library, most, half, k, a, b, n, part, n);
      product(library, most, n - half, k, a, b + half, n, part + half, n);
      int split = memcmp(whole, part, 4L * most * n) != 0;
      printf("%-8s k=%4d n=%4d: %2d of %d row counts change rows' bits; columns cut in two: %s\n", names[library], k,
             n, changed, most - 1, split ? "bits change" : "same bits");
      free(a), free(b), free(whole), free(part);
    }
    // Five images of p columns side by side (an im2col matrix) against image 2 alone.
    int m = 16, k = 144, p = 196, images = 5;
    float *w = values((long)m * k), *x = values((long)k * images * p), *alone = malloc(4L * k * p);
    float *joined = malloc(4L * m * images * p), *single = malloc(4L * m * p);
    for (int t = 0; t < k; t++) memcpy(alone + (long)t * p, x + (long)t * images * p + 2 * p, 4L * p);
    product(library, m, images * p, k, w, x, images * p, joined, images * p);
    product(library, m, p, k, w, alone, p, single, p);
    int differs = 0;
    for (int r = 0; r < m; r++) differs |= memcmp(joined + (long)r * images * p + 2 * p, single + (long)r * p, 4L * p) != 0;
    printf("%-8s image 2 of 5 in one im2col product (m=%d k=%d p=%d) against alone: %s\n", names[library], m, k, p,
           differs ? "bits change" : "same bits");
    free(w), free(x), free(alone), free(joined), free(single);
  }
  return 0;
}
