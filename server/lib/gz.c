/* gz.c - bounded, multi-member gunzip; see include/hearth/gz.h. */
#include "hearth/gz.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "hearth/banned.h"

bool hearth_gz_is_gzip(const unsigned char *p, size_t n)
{
    return n >= 2 && p[0] == 0x1f && p[1] == 0x8b;
}

static enum hearth_err too_large(struct hearth_errmsg *em, size_t max_out)
{
    return hearth_errmsg_set(em, HEARTH_E_TOO_LARGE,
                             "decompressing profile: more than %zu bytes after gunzip "
                             "(limit max_decompressed)",
                             max_out);
}

enum hearth_err hearth_gunz_open(struct hearth_gunz *g, const unsigned char *in, size_t in_len,
                                 size_t max_out, struct hearth_errmsg *em)
{
    memset(g, 0, sizeof(*g));
    g->in = in;
    g->in_len = in_len;
    g->max_out = max_out;
    if (inflateInit2(&g->zs, 15 + 16) != Z_OK)
        return hearth_errmsg_set(em, HEARTH_E_NOMEM, "decompressing profile: zlib init failed");
    g->inited = true;
    g->zs.next_in = (unsigned char *)in;
    return HEARTH_OK;
}

void hearth_gunz_close(struct hearth_gunz *g)
{
    if (g->inited)
        inflateEnd(&g->zs);
    g->inited = false;
}

/* 1 when input is left (refilled if need be), 0 at its end, -1 on a read error. */
static int more_input(struct hearth_gunz *g)
{
    while ((size_t)(g->zs.next_in - g->in) >= g->in_len) {
        int r;
        if (!g->refill || g->in_eof)
            return 0;
        r = g->refill(g->refill_ctx, &g->in, &g->in_len);
        if (r <= 0) {
            g->in_eof = true;
            return r;
        }
        g->zs.next_in = (unsigned char *)g->in;
    }
    return 1;
}

enum hearth_err hearth_gunz_read(struct hearth_gunz *g, unsigned char *out, size_t cap, size_t *n,
                                 struct hearth_errmsg *em)
{
    z_stream *zs = &g->zs;
    int zr;

    *n = 0;
    while (*n < cap && !g->done) {
        size_t avail_in, room = cap - *n;
        uInt before;

        if (more_input(g) < 0)
            return hearth_errmsg_set(em, HEARTH_E_IO, "decompressing profile: read error");
        avail_in = g->in_len - (size_t)(zs->next_in - g->in);

        zs->avail_in = avail_in > (1u << 30) ? (1u << 30) : (uInt)avail_in;
        zs->next_out = out + *n;
        zs->avail_out = room > (1u << 30) ? (1u << 30) : (uInt)room;
        before = zs->avail_out;
        zr = inflate(zs, Z_NO_FLUSH);
        *n += before - zs->avail_out;
        g->total += before - zs->avail_out;
        if (g->total > g->max_out)
            return too_large(em, g->max_out);
        if (zr == Z_STREAM_END) {
            /* Another gzip member may follow (Go's reader concatenates them). */
            int more = more_input(g);
            if (more < 0)
                return hearth_errmsg_set(em, HEARTH_E_IO, "decompressing profile: read error");
            if (!more) {
                g->done = true;
                break;
            }
            if (inflateReset(zs) != Z_OK)
                return hearth_errmsg_set(em, HEARTH_E_CORRUPT, "decompressing profile: bad member");
            continue;
        }
        if (zr == Z_OK)
            continue;
        if (zr == Z_BUF_ERROR && zs->avail_out == 0)
            continue; /* needs more output room */
        if (zr == Z_BUF_ERROR)
            return hearth_errmsg_set(
                em, HEARTH_E_CORRUPT,
                "decompressing profile: unexpected end of gzip data (truncated file?)");
        return hearth_errmsg_set(em, HEARTH_E_CORRUPT, "decompressing profile: %s",
                                 zs->msg ? zs->msg : "invalid gzip data");
    }
    return HEARTH_OK;
}

enum hearth_err hearth_gunzip(const unsigned char *in, size_t in_len, size_t max_out,
                              unsigned char **out, size_t *out_len, struct hearth_errmsg *em)
{
    struct hearth_gunz g;
    unsigned char *buf = NULL, *nb;
    size_t cap, len = 0, got;
    /*
     * The buffer may grow one byte past max_out: output of exactly max_out
     * bytes (followed by the trailer or an empty member) still fits, and
     * only a byte beyond it is TOO_LARGE.
     */
    size_t limit = max_out < SIZE_MAX - 1 ? max_out + 1 : max_out;
    enum hearth_err e;

    *out = NULL;
    *out_len = 0;
    e = hearth_gunz_open(&g, in, in_len, max_out, em);
    if (e)
        goto out_end;
    cap = in_len < limit / 4 ? in_len * 4 : limit;
    if (cap < 4096)
        cap = limit < 4096 ? limit : 4096;
    buf = malloc(cap + 1);
    if (!buf) {
        e = hearth_errmsg_set(em, HEARTH_E_NOMEM, "decompressing profile: out of memory");
        goto out_end;
    }
    while (!g.done) {
        if (len == cap) {
            size_t ncap;
            if (cap >= limit) {
                e = too_large(em, max_out);
                goto out_end;
            }
            ncap = cap > limit / 2 ? limit : cap * 2;
            nb = realloc(buf, ncap + 1);
            if (!nb) {
                e = hearth_errmsg_set(em, HEARTH_E_NOMEM, "decompressing profile: out of memory");
                goto out_end;
            }
            buf = nb;
            cap = ncap;
        }
        e = hearth_gunz_read(&g, buf + len, cap - len, &got, em);
        if (e)
            goto out_end;
        len += got;
    }
    buf[len] = 0;
    *out = buf;
    *out_len = len;
    buf = NULL;
out_end:
    hearth_gunz_close(&g);
    free(buf);
    return e;
}

bool hearth_gzip(const void *in, size_t n, int level, unsigned char **out, size_t *outlen)
{
    z_stream zs;
    unsigned char *buf;
    size_t cap = compressBound((uLong)n) + 64;

    *out = NULL;
    memset(&zs, 0, sizeof(zs));
    if (deflateInit2(&zs, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return false;
    buf = malloc(cap);
    if (!buf) {
        deflateEnd(&zs);
        return false;
    }
    zs.next_in = (unsigned char *)in;
    zs.avail_in = (uInt)n;
    zs.next_out = buf;
    zs.avail_out = (uInt)cap;
    if (n > UINT32_MAX / 2 || deflate(&zs, Z_FINISH) != Z_STREAM_END) {
        deflateEnd(&zs);
        free(buf);
        return false;
    }
    *outlen = zs.total_out;
    *out = buf;
    deflateEnd(&zs);
    return true;
}
