#ifndef LOUPE_CCAIRO_SHIM_H
#define LOUPE_CCAIRO_SHIM_H
#include <cairo.h>
#include <cairo-pdf.h>
#include <pango/pangocairo.h>
#include <png.h>
#endif
