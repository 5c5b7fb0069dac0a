#ifndef LOUPE_CJPEG_SHIM_H
#define LOUPE_CJPEG_SHIM_H
#include <turbojpeg.h>
#endif
