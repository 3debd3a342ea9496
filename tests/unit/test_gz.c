/*
 * test_gz.c - bounded gunzip: magic sniffing, multi-member streams, truncated
 * and trailing-garbage input, the output cap at its exact boundary, and a
 * 64 MiB bomb that must stop at a 1 MiB cap without inflating the rest.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <zlib.h>

#include "hearth/gz.h"
#include "hearth/profile.h"
#include "pbw.h"

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* gzip `s` into w (appending one member). */
static void add_member(struct pbw *w, const void *s, size_t n)
{
    unsigned char *z;
    size_t zn;

    assert_true(pbw_gzip(s, n, &z, &zn));
    pbw_raw(w, z, zn);
    free(z);
}

static void test_is_gzip(void **state)
{
    static const unsigned char gz[] = {0x1f, 0x8b, 0x08};
    static const unsigned char raw[] = {0x0a, 0x04};

    (void)state;
    assert_true(hearth_gz_is_gzip(gz, 2));
    assert_true(hearth_gz_is_gzip(gz, 3));
    assert_false(hearth_gz_is_gzip(gz, 1));
    assert_false(hearth_gz_is_gzip(gz, 0));
    assert_false(hearth_gz_is_gzip(raw, 2));
}

static void test_roundtrip(void **state)
{
    struct pbw w;
    struct hearth_errmsg em = {{0}};
    unsigned char *out = NULL;
    size_t n = 0;
    const char *msg = "hello, profile";

    (void)state;
    pbw_init(&w);
    add_member(&w, msg, strlen(msg));
    assert_int_equal(hearth_gunzip(w.p, w.len, 1 << 20, &out, &n, &em), HEARTH_OK);
    assert_int_equal(n, strlen(msg));
    assert_memory_equal(out, msg, n);
    assert_int_equal(out[n], 0); /* NUL after the data */
    free(out);
    pbw_release(&w);
}

/* Go's gzip reader concatenates members; so must we. */
static void test_multi_member(void **state)
{
    struct pbw w;
    struct hearth_errmsg em = {{0}};
    unsigned char *out = NULL;
    size_t n = 0;

    (void)state;
    pbw_init(&w);
    add_member(&w, "hello ", 6);
    add_member(&w, "", 0);
    add_member(&w, "wide ", 5);
    add_member(&w, "world", 5);
    assert_int_equal(hearth_gunzip(w.p, w.len, 1 << 20, &out, &n, &em), HEARTH_OK);
    assert_int_equal(n, 16);
    assert_memory_equal(out, "hello wide world", 16);
    free(out);
    pbw_release(&w);
}

static void test_truncated(void **state)
{
    struct pbw w;
    struct hearth_errmsg em = {{0}};
    unsigned char *out = (unsigned char *)&w;
    unsigned char data[5000];
    size_t n = 1, i, cut;

    (void)state;
    for (i = 0; i < sizeof(data); i++)
        data[i] = (unsigned char)(i * 7 + i / 13);
    pbw_init(&w);
    add_member(&w, data, sizeof(data));
    /* every cut point: half, the trailer, the last byte, the header */
    {
        const size_t cuts[] = {w.len / 2, w.len - 8, w.len - 4, w.len - 1, 10, 3, 2};
        for (i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
            cut = cuts[i];
            em.msg[0] = '\0';
            assert_int_equal(hearth_gunzip(w.p, cut, 1 << 20, &out, &n, &em), HEARTH_E_CORRUPT);
            assert_null(out);
            assert_int_equal(n, 0);
            assert_true(strlen(em.msg) > 0);
        }
    }
    /* a second member cut short */
    {
        size_t one = w.len;
        add_member(&w, data, sizeof(data));
        assert_int_equal(hearth_gunzip(w.p, one + (w.len - one) / 2, 1 << 20, &out, &n, &em),
                         HEARTH_E_CORRUPT);
        assert_null(out);
    }
    pbw_release(&w);
}

/* Bytes after the last member that are not a gzip member: rejected (threats.md 3.1). */
static void test_trailing_garbage(void **state)
{
    struct pbw w;
    struct hearth_errmsg em = {{0}};
    unsigned char *out = NULL;
    size_t n = 0;

    (void)state;
    pbw_init(&w);
    add_member(&w, "abc", 3);
    pbw_raw(&w, "garbage!", 8);
    assert_int_equal(hearth_gunzip(w.p, w.len, 1 << 20, &out, &n, &em), HEARTH_E_CORRUPT);
    assert_null(out);
    pbw_release(&w);
}

static void test_corrupt_data(void **state)
{
    struct pbw w;
    struct hearth_errmsg em = {{0}};
    unsigned char *out = NULL;
    size_t n = 0;
    unsigned char data[2000];

    (void)state;
    memset(data, 'x', sizeof(data));
    pbw_init(&w);
    add_member(&w, data, sizeof(data));
    /* flip the CRC */
    w.p[w.len - 8] ^= 0xff;
    assert_int_equal(hearth_gunzip(w.p, w.len, 1 << 20, &out, &n, &em), HEARTH_E_CORRUPT);
    assert_null(out);
    /* a bad compression method in the header */
    w.p[w.len - 8] ^= 0xff;
    w.p[2] = 7;
    assert_int_equal(hearth_gunzip(w.p, w.len, 1 << 20, &out, &n, &em), HEARTH_E_CORRUPT);
    assert_null(out);
    pbw_release(&w);
}

/* The cap: output of exactly max_out bytes fits, one more does not. */
static void test_cap_boundary(void **state)
{
    struct pbw w;
    struct hearth_errmsg em = {{0}};
    unsigned char *out = NULL;
    size_t n = 0, sizes[] = {100, 4096, 4097, 70000}, i;
    unsigned char *data = malloc(70000);

    (void)state;
    assert_non_null(data);
    for (i = 0; i < 70000; i++)
        data[i] = (unsigned char)(i % 251);
    for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        size_t sz = sizes[i];
        pbw_init(&w);
        add_member(&w, data, sz);
        assert_int_equal(hearth_gunzip(w.p, w.len, sz, &out, &n, &em), HEARTH_OK);
        assert_int_equal(n, sz);
        assert_memory_equal(out, data, sz);
        free(out);
        out = NULL;
        assert_int_equal(hearth_gunzip(w.p, w.len, sz - 1, &out, &n, &em), HEARTH_E_TOO_LARGE);
        assert_null(out);
        assert_non_null(strstr(em.msg, "max_decompressed"));
        /* exactly max_out, then an empty member: still fits (found by fuzz_gunzip) */
        add_member(&w, "", 0);
        assert_int_equal(hearth_gunzip(w.p, w.len, sz, &out, &n, &em), HEARTH_OK);
        assert_int_equal(n, sz);
        free(out);
        out = NULL;
        pbw_release(&w);
    }
    /* an empty output fits a cap of 0 */
    pbw_init(&w);
    add_member(&w, "", 0);
    assert_int_equal(hearth_gunzip(w.p, w.len, 0, &out, &n, &em), HEARTH_OK);
    assert_int_equal(n, 0);
    free(out);
    out = NULL;
    add_member(&w, "x", 1);
    assert_int_equal(hearth_gunzip(w.p, w.len, 0, &out, &n, &em), HEARTH_E_TOO_LARGE);
    assert_null(out);
    pbw_release(&w);
    free(data);
}

/* 64 MiB of zeros, gzipped in memory by streaming (never holding 64 MiB). */
static void make_bomb(struct pbw *w, size_t total)
{
    static unsigned char zeros[1 << 16];
    unsigned char obuf[1 << 16];
    z_stream zs;
    size_t fed = 0;
    int flush;

    memset(&zs, 0, sizeof(zs));
    assert_int_equal(deflateInit2(&zs, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY), Z_OK);
    do {
        size_t chunk = total - fed < sizeof(zeros) ? total - fed : sizeof(zeros);
        zs.next_in = zeros;
        zs.avail_in = (uInt)chunk;
        fed += chunk;
        flush = fed == total ? Z_FINISH : Z_NO_FLUSH;
        do {
            zs.next_out = obuf;
            zs.avail_out = sizeof(obuf);
            assert_true(deflate(&zs, flush) != Z_STREAM_ERROR);
            pbw_raw(w, obuf, sizeof(obuf) - zs.avail_out);
        } while (zs.avail_out == 0);
    } while (flush != Z_FINISH);
    deflateEnd(&zs);
    assert_false(w->oom);
}

static void test_bomb(void **state)
{
    struct pbw w;
    struct hearth_errmsg em = {{0}};
    struct hearth_limits lim = hearth_limits_default();
    struct hearth_profile *p = (struct hearth_profile *)&w;
    unsigned char *out = (unsigned char *)&w;
    size_t n = 0;
    double t0, dt;

    (void)state;
    pbw_init(&w);
    make_bomb(&w, (size_t)64 << 20);
    assert_true(w.len < 200 * 1024); /* ~64 KiB: a 1000x bomb */
    t0 = now_s();
    assert_int_equal(hearth_gunzip(w.p, w.len, (size_t)1 << 20, &out, &n, &em), HEARTH_E_TOO_LARGE);
    dt = now_s() - t0;
    assert_null(out);
    assert_int_equal(n, 0);
    /* stopping at 1 MiB costs a few ms; inflating all 64 MiB would cost far more */
    print_message("bomb: %zu bytes gzip -> cap 1 MiB in %.1f ms\n", w.len, dt * 1e3);

    /* the same through the decoder's max_decompressed */
    lim.max_decompressed = (size_t)1 << 20;
    t0 = now_s();
    assert_int_equal(hearth_profile_decode(w.p, w.len, &lim, &p, &em), HEARTH_E_TOO_LARGE);
    dt = now_s() - t0;
    assert_null(p);
    print_message("bomb through the decoder: cap 1 MiB in %.1f ms\n", dt * 1e3);
    pbw_release(&w);
}

static void test_empty_member(void **state)
{
    struct pbw w;
    struct hearth_errmsg em = {{0}};
    unsigned char *out = NULL;
    size_t n = 1;

    (void)state;
    pbw_init(&w);
    add_member(&w, "", 0);
    assert_int_equal(hearth_gunzip(w.p, w.len, 1 << 20, &out, &n, &em), HEARTH_OK);
    assert_int_equal(n, 0);
    assert_non_null(out);
    free(out);
    /* only the magic */
    assert_int_equal(hearth_gunzip(w.p, 2, 1 << 20, &out, &n, &em), HEARTH_E_CORRUPT);
    assert_null(out);
    pbw_release(&w);
}

/* ---- the incremental reader with its input in pieces ---- */

struct pieces {
    const unsigned char *p;
    size_t len, off, step;
    bool fail_at_end; /* a read error instead of the end */
};

static int next_piece(void *ctx, const unsigned char **in, size_t *n)
{
    struct pieces *pc = ctx;

    if (pc->off >= pc->len)
        return pc->fail_at_end ? -1 : 0;
    *in = pc->p + pc->off;
    *n = pc->len - pc->off < pc->step ? pc->len - pc->off : pc->step;
    pc->off += *n;
    return 1;
}

/* Inflates w[0..len) fed `step` bytes at a time into reads of `chunk` bytes. */
static enum hearth_err read_pieces(const struct pbw *w, size_t len, size_t step, size_t chunk,
                                   size_t max_out, bool fail_at_end, struct pbw *out)
{
    struct pieces pc = {w->p, len, 0, step, fail_at_end};
    struct hearth_gunz g;
    struct hearth_errmsg em;
    unsigned char buf[4096];
    enum hearth_err e;
    size_t n, first = step < len ? step : len;

    assert_true(chunk <= sizeof(buf));
    pc.off = first;
    e = hearth_gunz_open(&g, w->p, first, max_out, &em);
    assert_int_equal(e, HEARTH_OK);
    g.refill = next_piece;
    g.refill_ctx = &pc;
    do {
        e = hearth_gunz_read(&g, buf, chunk, &n, &em);
        if (e)
            break;
        assert_true(n == chunk || g.done);
        pbw_raw(out, buf, n);
    } while (n > 0);
    hearth_gunz_close(&g);
    return e;
}

static void test_reader_pieces(void **state)
{
    static const size_t steps[] = {1, 2, 7, 100, 4096, 1 << 20};
    struct pbw w, out;
    char text[50000];
    size_t i, k, one;

    (void)state;
    for (i = 0; i < sizeof(text); i++)
        text[i] = (char)('a' + (i * 7919 % 26) * (i % 3 == 0));
    pbw_init(&w);
    add_member(&w, text, 20000);
    one = w.len;
    add_member(&w, "", 0);
    add_member(&w, text + 20000, sizeof(text) - 20000);
    for (k = 0; k < sizeof(steps) / sizeof(steps[0]); k++) {
        pbw_init(&out);
        assert_int_equal(read_pieces(&w, w.len, steps[k], k % 2 ? 4096 : 333, 1 << 20, false, &out),
                         HEARTH_OK);
        assert_int_equal(out.len, sizeof(text));
        assert_memory_equal(out.p, text, sizeof(text));
        pbw_release(&out);
        /* cut inside the second member (and right after the first): truncated */
        pbw_init(&out);
        assert_int_equal(read_pieces(&w, one + 5, steps[k], 333, 1 << 20, false, &out),
                         HEARTH_E_CORRUPT);
        pbw_release(&out);
        pbw_init(&out);
        assert_int_equal(read_pieces(&w, w.len - 3, steps[k], 4096, 1 << 20, false, &out),
                         HEARTH_E_CORRUPT);
        pbw_release(&out);
        /* a read error of the source, and the output cap */
        pbw_init(&out);
        assert_int_equal(read_pieces(&w, w.len, steps[k], 4096, 1 << 20, true, &out), HEARTH_E_IO);
        pbw_release(&out);
        pbw_init(&out);
        assert_int_equal(read_pieces(&w, w.len, steps[k], 333, sizeof(text), false, &out),
                         HEARTH_OK);
        pbw_release(&out);
        pbw_init(&out);
        assert_int_equal(read_pieces(&w, w.len, steps[k], 333, sizeof(text) - 1, false, &out),
                         HEARTH_E_TOO_LARGE);
        assert_true(out.len < sizeof(text));
        pbw_release(&out);
    }
    pbw_release(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_is_gzip),          cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_multi_member),     cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_trailing_garbage), cmocka_unit_test(test_corrupt_data),
        cmocka_unit_test(test_cap_boundary),     cmocka_unit_test(test_bomb),
        cmocka_unit_test(test_empty_member),     cmocka_unit_test(test_reader_pieces),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
