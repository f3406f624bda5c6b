#ifndef NUMNINJA_CLZ4_SHIM_H
#define NUMNINJA_CLZ4_SHIM_H
#include <lz4.h>
#include <lz4frame.h>
#endif
