#ifndef LOUPE_CDNNL_SHIM_H
#define LOUPE_CDNNL_SHIM_H
#include <dnnl.h>
/* oneDNN in Debian runs on GNU OpenMP; its thread count is set per calling thread (libgomp has no
   omp.h on clang's include path, so the two entry points are declared here). */
void omp_set_num_threads(int num_threads);
int omp_get_max_threads(void);
#endif
