/*
 * fuzz_gunzip.c - libFuzzer target for the bounded gunzip (gz.h). The first
 * two input bytes choose a small output cap (0..65535 bytes), the rest is
 * the compressed input; it is inflated under that cap and under a large one
 * (1 MiB). Checks, beyond "no crash":
 *  - the output never exceeds its cap; a failure leaves *out NULL and
 *    *out_len 0; success needs the gzip magic (hearth_gz_is_gzip);
 *  - the caps agree: with the large cap giving L bytes, the small cap gives
 *    the same bytes when L is at most the cap and TOO_LARGE when L is above;
 *    TOO_LARGE under the large cap is TOO_LARGE under the small one; a
 *    corrupt input stays an error under either cap;
 *  - a round trip: the output, gzipped again as one member and as two
 *    concatenated members, inflates to the same bytes;
 *  - the incremental reader (hearth_gunz_read), fed the input in pieces of
 *    1..64 bytes (chosen by the cap's low bits) and read into chunks of
 *    1..256 bytes, gives the same bytes and the same error as the
 *    whole-buffer gunzip under the large cap.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "hearth/gz.h"

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            abort();                                                                               \
    } while (0)

#define BIG_CAP       ((size_t)1 << 20)
#define ROUNDTRIP_MAX ((size_t)64 << 10)

static enum hearth_err run(const unsigned char *in, size_t n, size_t cap, unsigned char **out,
                           size_t *len)
{
    struct hearth_errmsg em;
    enum hearth_err e;

    *out = (unsigned char *)1; /* must be overwritten */
    *len = 12345;
    e = hearth_gunzip(in, n, cap, out, len, &em);
    if (e != HEARTH_OK) {
        CHECK(*out == NULL && *len == 0);
        CHECK(e == HEARTH_E_TOO_LARGE || e == HEARTH_E_CORRUPT);
    } else {
        CHECK(*out != NULL && *len <= cap);
        CHECK(hearth_gz_is_gzip(in, n));
    }
    return e;
}

/* Append one gzip member of p[0..n) to buf at *at (buf has room: n + 1024). */
static void gzip_member(const unsigned char *p, size_t n, unsigned char *buf, size_t *at,
                        size_t room)
{
    z_stream zs;

    memset(&zs, 0, sizeof(zs));
    CHECK(deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK);
    zs.next_in = (unsigned char *)p;
    zs.avail_in = (uInt)n;
    zs.next_out = buf + *at;
    zs.avail_out = (uInt)(room - *at);
    CHECK(deflate(&zs, Z_FINISH) == Z_STREAM_END);
    *at = room - zs.avail_out;
    deflateEnd(&zs);
}

static void roundtrip(const unsigned char *p, size_t n)
{
    size_t room = 2 * n + 2048, at = 0, len;
    unsigned char *buf = malloc(room), *out;

    CHECK(buf != NULL);
    gzip_member(p, n, buf, &at, room);
    CHECK(run(buf, at, n, &out, &len) == HEARTH_OK);
    CHECK(len == n && memcmp(out, p, n) == 0);
    free(out);
    /* the same bytes as two members (Go's reader, and ours, concatenate them) */
    at = 0;
    gzip_member(p, n / 2, buf, &at, room);
    gzip_member(p + n / 2, n - n / 2, buf, &at, room);
    CHECK(run(buf, at, BIG_CAP, &out, &len) == HEARTH_OK);
    CHECK(len == n && memcmp(out, p, n) == 0);
    free(out);
    free(buf);
}

struct pieces {
    const unsigned char *p;
    size_t len, off, step;
};

static int next_piece(void *ctx, const unsigned char **in, size_t *n)
{
    struct pieces *pc = ctx;

    if (pc->off >= pc->len)
        return 0;
    *in = pc->p + pc->off;
    *n = pc->len - pc->off < pc->step ? pc->len - pc->off : pc->step;
    pc->off += *n;
    return 1;
}

/* The piecewise reader against the whole-buffer result (e, out[0..len)). */
static void pieces(const unsigned char *in, size_t n, size_t step, size_t chunk, enum hearth_err e,
                   const unsigned char *out, size_t len)
{
    struct pieces pc = {in, n, 0, step};
    struct hearth_gunz g;
    struct hearth_errmsg em;
    unsigned char buf[256];
    size_t got = 0, k;
    enum hearth_err r;

    pc.off = step < n ? step : n;
    CHECK(hearth_gunz_open(&g, in, pc.off, BIG_CAP, &em) == HEARTH_OK);
    g.refill = next_piece;
    g.refill_ctx = &pc;
    for (;;) {
        r = hearth_gunz_read(&g, buf, chunk, &k, &em);
        if (r != HEARTH_OK || k == 0)
            break;
        CHECK(k == chunk || g.done);
        CHECK(got + k <= BIG_CAP + chunk);
        if (e == HEARTH_OK)
            CHECK(got + k <= len && memcmp(out + got, buf, k) == 0);
        got += k;
    }
    hearth_gunz_close(&g);
    CHECK(r == e);
    if (e == HEARTH_OK)
        CHECK(got == len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned char *big = NULL, *small = NULL;
    size_t big_len, small_len, cap;
    enum hearth_err eb, es;

    if (size < 2)
        return 0;
    cap = (size_t)data[0] | (size_t)data[1] << 8;
    data += 2;
    size -= 2;

    eb = run(data, size, BIG_CAP, &big, &big_len);
    es = run(data, size, cap, &small, &small_len);
    if (hearth_gz_is_gzip(data, size))
        pieces(data, size, 1 + (cap & 63), 1 + (cap >> 8), eb, big, big_len);
    if (eb == HEARTH_OK) {
        if (big_len <= cap)
            CHECK(es == HEARTH_OK);
        if (big_len > cap)
            CHECK(es == HEARTH_E_TOO_LARGE);
        if (es == HEARTH_OK)
            CHECK(small_len == big_len && memcmp(small, big, big_len) == 0);
        if (big_len <= ROUNDTRIP_MAX)
            roundtrip(big, big_len);
    } else if (eb == HEARTH_E_TOO_LARGE) {
        CHECK(es == HEARTH_E_TOO_LARGE);
    } else {
        CHECK(es != HEARTH_OK);
    }
    free(big);
    free(small);
    return 0;
}
