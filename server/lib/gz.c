/* gz.c - bounded, multi-member gunzip; see include/hearth/gz.h. */
#include "hearth/gz.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <stdint.h>
#include <zlib.h>

#include "hearth/banned.h"

bool hearth_gz_is_gzip(const unsigned char *p, size_t n)
{
    return n >= 2 && p[0] == 0x1f && p[1] == 0x8b;
}

enum hearth_err hearth_gunzip(const unsigned char *in, size_t in_len, size_t max_out,
                              unsigned char **out, size_t *out_len, struct hearth_errmsg *em)
{
    z_stream zs;
    unsigned char *buf = NULL, *nb;
    size_t cap, len = 0;
    /*
     * The buffer may grow one byte past max_out: output of exactly max_out
     * bytes (followed by the trailer or an empty member) still fits, and
     * only a byte beyond it is TOO_LARGE.
     */
    size_t limit = max_out < SIZE_MAX - 1 ? max_out + 1 : max_out;
    enum hearth_err e = HEARTH_OK;
    int zr;

    *out = NULL;
    *out_len = 0;
    memset(&zs, 0, sizeof(zs));
    if (inflateInit2(&zs, 15 + 16) != Z_OK)
        return hearth_errmsg_set(em, HEARTH_E_NOMEM, "decompressing profile: zlib init failed");

    cap = in_len < limit / 4 ? in_len * 4 : limit;
    if (cap < 4096)
        cap = limit < 4096 ? limit : 4096;
    buf = malloc(cap + 1);
    if (!buf) {
        e = hearth_errmsg_set(em, HEARTH_E_NOMEM, "decompressing profile: out of memory");
        goto out_end;
    }
    zs.next_in = (unsigned char *)in;
    for (;;) {
        size_t avail_in = in_len - (size_t)(zs.next_in - in);
        uInt chunk_in = avail_in > (1u << 30) ? (1u << 30) : (uInt)avail_in;
        size_t room;

        if (len == cap) {
            size_t ncap;
            if (cap >= limit) {
                e = hearth_errmsg_set(em, HEARTH_E_TOO_LARGE,
                                      "decompressing profile: more than %zu bytes after gunzip "
                                      "(limit max_decompressed)",
                                      max_out);
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
        room = cap - len;
        zs.avail_in = chunk_in;
        zs.next_out = buf + len;
        zs.avail_out = room > (1u << 30) ? (1u << 30) : (uInt)room;
        {
            uInt before = zs.avail_out;
            zr = inflate(&zs, Z_NO_FLUSH);
            len += before - zs.avail_out;
        }
        if (len > max_out) {
            e = hearth_errmsg_set(em, HEARTH_E_TOO_LARGE,
                                  "decompressing profile: more than %zu bytes after gunzip "
                                  "(limit max_decompressed)",
                                  max_out);
            goto out_end;
        }
        if (zr == Z_STREAM_END) {
            /* Another gzip member may follow (Go's reader concatenates them). */
            if ((size_t)(zs.next_in - in) >= in_len)
                break;
            if (inflateReset(&zs) != Z_OK) {
                e = hearth_errmsg_set(em, HEARTH_E_CORRUPT, "decompressing profile: bad member");
                goto out_end;
            }
            continue;
        }
        if (zr == Z_OK)
            continue;
        if (zr == Z_BUF_ERROR && zs.avail_out == 0)
            continue; /* needs more output room */
        if (zr == Z_BUF_ERROR || (zr == Z_OK && (size_t)(zs.next_in - in) >= in_len)) {
            e = hearth_errmsg_set(
                em, HEARTH_E_CORRUPT,
                "decompressing profile: unexpected end of gzip data (truncated file?)");
            goto out_end;
        }
        e = hearth_errmsg_set(em, HEARTH_E_CORRUPT, "decompressing profile: %s",
                              zs.msg ? zs.msg : "invalid gzip data");
        goto out_end;
    }
    buf[len] = 0;
    *out = buf;
    *out_len = len;
    buf = NULL;
out_end:
    inflateEnd(&zs);
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
