#ifndef LOUPE_CMALLOC_SHIM_H
#define LOUPE_CMALLOC_SHIM_H
/* glibc's allocator tuning (mallopt), used once at start-up by the loupe executable. */
#include <malloc.h>
#endif
