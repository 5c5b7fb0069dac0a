#ifndef LOUPE_CBLAS_SHIM_H
#define LOUPE_CBLAS_SHIM_H
#include <cblas.h>
/* LAPACK Fortran symbols shipped inside libopenblas (Debian has no lapacke.h). */
void ssyevd_(const char *jobz, const char *uplo, const int *n, float *a, const int *lda,
             float *w, float *work, const int *lwork, int *iwork, const int *liwork, int *info,
             unsigned long jobz_len, unsigned long uplo_len);
void sgesdd_(const char *jobz, const int *m, const int *n, float *a, const int *lda, float *s,
             float *u, const int *ldu, float *vt, const int *ldvt, float *work, const int *lwork,
             int *iwork, int *info, unsigned long jobz_len);
#endif
