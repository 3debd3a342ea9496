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

#include <zlib.h>

#include "hearth/err.h"

bool hearth_gz_is_gzip(const unsigned char *p, size_t n);

/*
 * On success *out is a malloc'ed buffer of *out_len bytes that the caller
 * frees with free(). On failure *out is NULL and em says why.
 */
enum hearth_err hearth_gunzip(const unsigned char *in, size_t in_len, size_t max_out,
                              unsigned char **out, size_t *out_len, struct hearth_errmsg *em);

/*
 * Incremental form of hearth_gunzip, for decoding while inflating:
 * hearth_gunz_open() starts, each hearth_gunz_read() fills up to cap bytes
 * of out (*n < cap only at the end; *n == 0 means the end of the last
 * member), with the same errors and the same max_out bound as
 * hearth_gunzip (HEARTH_E_TOO_LARGE as soon as the total passes max_out).
 * hearth_gunz_close() frees zlib's state (safe after a failed open). One
 * struct per thread; in[] must outlive it.
 *
 * Input may also come in pieces: with refill set (after open), a read that
 * has used up in[] calls refill(ctx, &in, &in_len), which returns 1 with
 * the next piece (valid until the next call), 0 at the end of the input,
 * or -1 on a read error (the read then fails with HEARTH_E_IO).
 */
struct hearth_gunz {
    z_stream zs;
    const unsigned char *in;
    size_t in_len, max_out, total;
    bool inited, done, in_eof;
    int (*refill)(void *ctx, const unsigned char **in, size_t *in_len);
    void *refill_ctx;
};

enum hearth_err hearth_gunz_open(struct hearth_gunz *g, const unsigned char *in, size_t in_len,
                                 size_t max_out, struct hearth_errmsg *em);
enum hearth_err hearth_gunz_read(struct hearth_gunz *g, unsigned char *out, size_t cap, size_t *n,
                                 struct hearth_errmsg *em);
void hearth_gunz_close(struct hearth_gunz *g);

/*
 * gzip n bytes at level (1-9) into a malloc'ed *out of *outlen bytes (the
 * caller frees it). false, with *out NULL, when out of memory or n > 2 GiB.
 */
bool hearth_gzip(const void *in, size_t n, int level, unsigned char **out, size_t *outlen);

#endif /* HEARTH_GZ_H */
