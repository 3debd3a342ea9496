/*
 * gz.h - bounded gunzip of profile files, and gzip of answers.
 *
 * hearth_gz_is_gzip() sniffs the two magic bytes (1f 8b), as pprof does.
 * hearth_gunzip() inflates every concatenated gzip member into one buffer of
 * at most max_out bytes; past the cap it stops with HEARTH_E_TOO_LARGE
 * without reading further, so a bomb costs at most max_out of memory.
 */
#ifndef HEARTH_GZ_H
#define HEARTH_GZ_H

#include <stdbool.h>
#include <stddef.h>

#include "hearth/err.h"

bool hearth_gz_is_gzip(const unsigned char *p, size_t n);

/*
 * On success *out is a malloc'ed buffer of *out_len bytes that the caller
 * frees with free(). On failure *out is NULL and em says why.
 */
enum hearth_err hearth_gunzip(const unsigned char *in, size_t in_len, size_t max_out,
                              unsigned char **out, size_t *out_len, struct hearth_errmsg *em);

/*
 * gzip n bytes at level (1-9) into a malloc'ed *out of *outlen bytes (the
 * caller frees it). false, with *out NULL, when out of memory or n > 2 GiB.
 */
bool hearth_gzip(const void *in, size_t n, int level, unsigned char **out, size_t *outlen);

#endif /* HEARTH_GZ_H */
