#ifndef NUMNINJA_CZLIB_SHIM_H
#define NUMNINJA_CZLIB_SHIM_H
#include <zlib.h>
#endif
