/*
 * test_legacy.c - legacy formats through hearth_profile_decode(): the exact
 * model pprof builds (types, period, scaled values, adjusted addresses,
 * mappings and their heuristics, Java symbols, drop_frames), the readers'
 * refusals, the limits, and a 200k-sample text decoded in linear time.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "hearth/buf.h"
#include "hearth/legacy.h"
#include "hearth/profile.h"

static struct hearth_profile *dec_ok(const void *b, size_t n)
{
    struct hearth_profile *p = NULL;
    struct hearth_errmsg em = {{0}};
    enum hearth_err e = hearth_profile_decode(b, n, NULL, &p, &em);

    if (e)
        fprintf(stderr, "decode: %s\n", em.msg);
    assert_int_equal(e, HEARTH_OK);
    assert_non_null(p);
    return p;
}

static struct hearth_profile *dec_str(const char *s)
{
    return dec_ok(s, strlen(s));
}

/* Decoding must fail with e and a message containing want. */
static void dec_bad(const void *b, size_t n, const struct hearth_limits *lim, enum hearth_err e,
                    const char *want)
{
    struct hearth_profile *p = (struct hearth_profile *)1;
    struct hearth_errmsg em = {{0}};

    assert_int_equal(hearth_profile_decode(b, n, lim, &p, &em), e);
    assert_null(p);
    if (!strstr(em.msg, want))
        fail_msg("message %s lacks %s", em.msg, want);
    assert_null(strchr(em.msg, '\n'));
}

static void assert_type(const struct hearth_profile *p, uint32_t i, const char *t, const char *u)
{
    assert_true(i < p->ntypes);
    assert_true(hearth_pstr_eq(p, p->type_name[i], t));
    assert_true(hearth_pstr_eq(p, p->type_unit[i], u));
}

/* Index of the sample whose leaf location has address a, or fail. */
static size_t sample_with_leaf(const struct hearth_profile *p, uint64_t a)
{
    size_t s;

    for (s = 0; s < p->nsamples; s++)
        if (p->s_loc_off[s + 1] > p->s_loc_off[s] && p->loc_addr[p->s_locs[p->s_loc_off[s]]] == a)
            return s;
    fail_msg("no sample with leaf 0x%llx", (unsigned long long)a);
    return 0;
}

static uint64_t frame_addr(const struct hearth_profile *p, size_t s, size_t k)
{
    assert_true(p->s_loc_off[s] + k < p->s_loc_off[s + 1]);
    return p->loc_addr[p->s_locs[p->s_loc_off[s] + k]];
}

static size_t depth(const struct hearth_profile *p, size_t s)
{
    return p->s_loc_off[s + 1] - p->s_loc_off[s];
}

static const char go_heap[] = "heap profile: 3: 3072 [5: 10240] @ heap/1048576\n"
                              "1: 1024 [2: 4096] @ 0x401000 0x402000 0x403000\n"
                              "#\t0x400fff\tmain.a+0x1\t/x.go:1\n"
                              "\n"
                              "2: 2048 [3: 6144] @ 0x401100 0x402000\n"
                              "0: 0 [0: 0] @ 0x401200\n"
                              "\n"
                              "# runtime.MemStats\n"
                              "# Alloc = 1234\n";

/* Go's ?debug=1 heap: 4 types, rate = 2*MemProfileRate/2, values scaled up, all frames -1. */
static void test_go_heap(void **state)
{
    struct hearth_profile *p = dec_str(go_heap);
    size_t s;

    (void)state;
    assert_string_equal(p->converted_from, "go heap text (?debug=1)");
    assert_int_equal(p->ntypes, 4);
    assert_type(p, 0, "alloc_objects", "count");
    assert_type(p, 1, "alloc_space", "bytes");
    assert_type(p, 2, "inuse_objects", "count");
    assert_type(p, 3, "inuse_space", "bytes");
    assert_true(hearth_pstr_eq(p, p->period_type, "space"));
    assert_int_equal(p->period, 524288);
    assert_int_equal(p->nsamples, 2);  /* the all-zero sample is dropped */
    assert_int_equal(p->ncomments, 0); /* MemStats lines are comments, skipped as pprof does */
    s = sample_with_leaf(p, 0x400fff);
    assert_int_equal(depth(p, s), 3);
    assert_int_equal(frame_addr(p, s, 1), 0x401fff);
    assert_int_equal(frame_addr(p, s, 2), 0x402fff);
    /* as pprof -raw: (2, 4096) -> (513, 1050625) at 2048 B each; (1, 1024) -> (512, 524800) */
    assert_int_equal(p->s_val[s * 4 + 0], 513);
    assert_int_equal(p->s_val[s * 4 + 1], 1050625);
    assert_int_equal(p->s_val[s * 4 + 2], 512);
    assert_int_equal(p->s_val[s * 4 + 3], 524800);
    /* the "bytes" label: the block size */
    assert_int_equal(p->s_lab_off[s + 1] - p->s_lab_off[s], 1);
    assert_true(hearth_pstr_eq(p, p->lab_key[p->s_lab_off[s]], "bytes"));
    assert_int_equal(p->lab_num[p->s_lab_off[s]], 1024);
    /* no mapping in the text: pprof's fake one, with no name */
    assert_int_equal(p->nmap, 1);
    assert_true(hearth_pstr_eq(p, p->map_file[0], ""));
    assert_true(p->map_limit[0] == UINT64_MAX);
    /* drop_frames: pprof's allocator list; keep_frames its runtime exceptions */
    assert_true(hearth_pstr(p, p->drop_frames).len > 100);
    assert_true(hearth_pstr_eq(p, p->keep_frames,
                               "runtime\\.panic|runtime\\.reflectcall|runtime\\.call[0-9]*"));
    hearth_profile_free(p);
}

/* The same text gzipped, with CRLF line ends, decodes the same. */
static void test_go_heap_crlf(void **state)
{
    struct hearth_buf b;
    struct hearth_profile *p;
    size_t i;

    (void)state;
    hearth_buf_init(&b, 1 << 20);
    for (i = 0; go_heap[i]; i++) {
        if (go_heap[i] == '\n')
            hearth_buf_addch(&b, '\r');
        hearth_buf_addch(&b, go_heap[i]);
    }
    p = dec_ok(b.ptr, b.len);
    assert_int_equal(p->nsamples, 2);
    assert_int_equal(p->s_val[sample_with_leaf(p, 0x400fff) * 4 + 3], 524800);
    hearth_profile_free(p);
    hearth_buf_release(&b);
}

static void test_goroutine(void **state)
{
    struct hearth_profile *p = dec_str("# a comment first\n"
                                       "goroutine profile: total 4\n"
                                       "3 @ 0x43a0b6 0x4061ee\n"
                                       "#\t0x43a0b5\truntime.gopark+0x1\n"
                                       "\n"
                                       "010 @ 0x43a0b6 0x470001\n");
    size_t s;

    (void)state;
    assert_string_equal(p->converted_from, "go goroutine text (?debug=1)");
    assert_int_equal(p->ntypes, 1);
    assert_type(p, 0, "goroutine", "count");
    assert_true(hearth_pstr_eq(p, p->period_type, "goroutine"));
    assert_int_equal(p->period, 1);
    /* every frame, the leaf too, is adjusted by -1; the count is base-0 (010 = 8) */
    s = sample_with_leaf(p, 0x43a0b5);
    assert_int_equal(p->nsamples, 2);
    assert_true(p->s_val[s] == 3 || p->s_val[s] == 8);
    s = frame_addr(p, 0, 1) == 0x4061ed ? 1 : 0;
    assert_int_equal(p->s_val[s], 8);
    assert_int_equal(frame_addr(p, s, 1), 0x470000);
    hearth_profile_free(p);
}

/* Go's mutex text: delay in cycles * period / GHz, contentions * period. */
static void test_mutex(void **state)
{
    struct hearth_profile *p = dec_str("--- mutex:\n"
                                       "cycles/second=2000000000\n"
                                       "sampling period=5\n"
                                       "100000 3 @ 0x401000 0x402000\n");

    (void)state;
    assert_string_equal(p->converted_from, "go mutex text (?debug=1)");
    assert_type(p, 0, "contentions", "count");
    assert_type(p, 1, "delay", "nanoseconds");
    assert_int_equal(p->period, 5);
    assert_int_equal(p->nsamples, 1);
    assert_int_equal(p->s_val[0], 15);
    assert_int_equal(p->s_val[1], 250000);
    assert_int_equal(frame_addr(p, 0, 0), 0x400fff);
    hearth_profile_free(p);
}

static const char maps[] = "00400000-00500000 r-xp 00000000 08:01 1234 /usr/bin/server\n"
                           "7f0000000000-7f0000100000 r-xp 00000000 08:01 99 /lib/libc.so.6\n";

/* gperftools heap_v2 with its MAPPED_LIBRARIES section; leaf and callers -1. */
static void test_gperf_heap(void **state)
{
    char buf[1024];
    struct hearth_profile *p;
    size_t s;

    (void)state;
    snprintf(buf, sizeof(buf),
             "heap profile:    3:   300 [    6:   600] @ heap_v2/524288\n"
             "     1:   100 [     2:   200] @ 0x00401000 0x00402005\n"
             "     2:   200 [     4:   400] @ 0x7f0000000100 0x00403005\n"
             "MAPPED_LIBRARIES:\n%s",
             maps);
    p = dec_str(buf);
    assert_string_equal(p->converted_from, "gperftools heap profile (heap_v2)");
    assert_int_equal(p->ntypes, 4); /* [6: 600] differs from 3: 300 */
    assert_int_equal(p->period, 524288);
    assert_int_equal(p->nmap, 2);
    assert_true(hearth_pstr_eq(p, p->map_file[0], "/usr/bin/server"));
    assert_true(hearth_pstr_eq(p, p->map_file[1], "/lib/libc.so.6"));
    s = sample_with_leaf(p, 0x7f00000000ff);
    assert_int_equal(p->loc_map[p->s_locs[p->s_loc_off[s]]], 1);
    assert_int_equal(frame_addr(p, s, 1), 0x403004);
    assert_int_equal(p->loc_map[p->s_locs[p->s_loc_off[s] + 1]], 0);
    hearth_profile_free(p);
}

/* Words of the binary CPU format. */
static void put(struct hearth_buf *b, int w, int big, uint64_t v)
{
    int i;

    for (i = 0; i < w; i++) {
        int sh = big ? (w - 1 - i) * 8 : i * 8;
        hearth_buf_addch(b, (char)(v >> sh));
    }
}

static void cpu_header(struct hearth_buf *b, int w, int big, uint64_t period)
{
    put(b, w, big, 0);
    put(b, w, big, 3);
    put(b, w, big, 0);
    put(b, w, big, period);
    put(b, w, big, 0);
}

/* Both word sizes and byte orders; non-leaf -1; duplicated leaf dropped; maps after the trailer. */
static void test_gperf_cpu(void **state)
{
    int v;

    (void)state;
    for (v = 0; v < 4; v++) {
        int w = v < 2 ? 4 : 8, big = v & 1;
        struct hearth_buf b;
        struct hearth_profile *p;
        size_t s;

        hearth_buf_init(&b, 1 << 20);
        cpu_header(&b, w, big, 10000);
        put(&b, w, big, 5); /* count */
        put(&b, w, big, 3); /* depth */
        put(&b, w, big, 0x401000);
        put(&b, w, big, 0x402005);
        put(&b, w, big, 0x403005);
        put(&b, w, big, 1);
        put(&b, w, big, 2);
        put(&b, w, big, 0x401010);
        put(&b, w, big, 0x401010); /* the leaf again, from the stack: pprof drops it */
        put(&b, w, big, 0);        /* trailer */
        put(&b, w, big, 1);
        put(&b, w, big, 0);
        hearth_buf_add(&b, maps, strlen(maps));
        p = dec_ok(b.ptr, b.len);
        assert_string_equal(p->converted_from, "gperftools CPU profile (binary)");
        assert_type(p, 0, "samples", "count");
        assert_type(p, 1, "cpu", "nanoseconds");
        assert_true(hearth_pstr_eq(p, p->period_type, "cpu"));
        assert_int_equal(p->period, 10000000);
        assert_int_equal(p->nsamples, 2);
        s = sample_with_leaf(p, 0x401000);
        assert_int_equal(p->s_val[s * 2], 5);
        assert_int_equal(p->s_val[s * 2 + 1], 50000000);
        assert_int_equal(frame_addr(p, s, 1), 0x402004);
        s = sample_with_leaf(p, 0x401010);
        assert_int_equal(depth(p, s), 1);
        assert_true(hearth_pstr_eq(p, p->map_file[0], "/usr/bin/server"));
        hearth_profile_free(p);
        hearth_buf_release(&b);
    }
}

/* pprof drops a second frame found in (almost) every sample: the signal handler. */
static void test_gperf_cpu_handler_frame(void **state)
{
    struct hearth_buf b;
    struct hearth_profile *p;
    size_t s;
    int i;

    (void)state;
    hearth_buf_init(&b, 1 << 20);
    cpu_header(&b, 8, 0, 100);
    for (i = 0; i < 40; i++) {
        put(&b, 8, 0, 1);
        put(&b, 8, 0, 3);
        put(&b, 8, 0, 0x401000 + (uint64_t)i * 16);
        put(&b, 8, 0, 0x4ff001); /* the handler, in every sample */
        put(&b, 8, 0, 0x403001 + (uint64_t)i * 16);
    }
    p = dec_ok(b.ptr, b.len); /* no trailer, no maps: still read, as pprof */
    assert_int_equal(p->nsamples, 40);
    for (s = 0; s < p->nsamples; s++) {
        assert_int_equal(depth(p, s), 2);
        assert_int_equal(frame_addr(p, s, 1), 0x403000 + (frame_addr(p, s, 0) - 0x401000));
    }
    hearth_profile_free(p);
    hearth_buf_release(&b);
}

/* The memory map's heuristics: log prefixes, $attr substitution, adjacent merge, main first. */
static void test_memory_map(void **state)
{
    struct hearth_profile *p =
        dec_str("--- contentionz 1 ---\n"
                "cycles/second = 1000000000\n"
                "  10  1 @ 0x401001 0x7f0000000101\n"
                "--- Memory map: ---\n"
                "7f0000000000-7f0000100000 r-xp 00000000 08:01 99 /lib/libc.so.6\n"
                "build=/opt/app\n"
                "I0101 12:00:00.000 file.cc:12] 00400000-00450000 r-xp 00000000 08:01 1 "
                "$build/server\n"
                "00450000-00500000 r-xp 00050000 08:01 1 /opt/app/server\n"
                "00600000-00700000 rw-p 00000000 08:01 1 /opt/app/server\n");

    (void)state;
    assert_string_equal(p->converted_from, "gperftools contention profile");
    assert_int_equal(p->nmap, 2);
    assert_true(hearth_pstr_eq(p, p->map_file[0], "/opt/app/server"));
    assert_int_equal(p->map_start[0], 0x400000);
    assert_int_equal(p->map_limit[0], 0x500000);
    assert_true(hearth_pstr_eq(p, p->map_file[1], "/lib/libc.so.6"));
    /* contentionz: every frame -1; cycles -> ns with period 1 */
    assert_int_equal(frame_addr(p, 0, 0), 0x401000);
    assert_int_equal(p->loc_map[p->s_locs[p->s_loc_off[0]]], 0);
    assert_int_equal(p->loc_map[p->s_locs[p->s_loc_off[0] + 1]], 1);
    assert_int_equal(p->s_val[0], 1);
    assert_int_equal(p->s_val[1], 10);
    hearth_profile_free(p);
}

static void test_thread(void **state)
{
    char buf[1024];
    struct hearth_profile *p;
    size_t s;

    (void)state;
    snprintf(buf, sizeof(buf),
             "--- threadz 1 ---\n\n"
             "--- Thread 7f01 (name: main/1) stack: ---\n"
             "  PC: 0x401000 0x402000 0x403000\n"
             "--- Thread 7f02 (name: worker/2) stack: ---\n"
             "  same as previous thread\n"
             "--- Thread 7f03 (name: io/3) stack: ---\n"
             "  PC: 0x7f0000000100 0x402000\n"
             "--- Memory map: ---\n%s",
             maps);
    p = dec_str(buf);
    assert_string_equal(p->converted_from, "gperftools thread profile (threadz)");
    assert_type(p, 0, "thread", "count");
    assert_int_equal(p->nsamples, 2);
    s = sample_with_leaf(p, 0x401000); /* the leaf is not adjusted */
    assert_int_equal(p->s_val[s], 2);  /* "same as previous" counts once more */
    assert_int_equal(frame_addr(p, s, 1), 0x401fff);
    hearth_profile_free(p);
}

static const char java_syms[] = "0x0000000000000001 com.example.Foo.alloc (Foo.java:12)\n"
                                "0x0000000000000002 com.example.Main.main (Main.java:5)\n"
                                "0x0000000000000003 GC\n"
                                "0x0000000000000004 libjvm (/usr/lib/jvm/libjvm.so)\n";

static const char *fn_of(const struct hearth_profile *p, size_t s, size_t k, int64_t *line)
{
    uint32_t l = p->s_locs[p->s_loc_off[s] + k];
    uint32_t ln = p->loc_line_off[l];

    assert_true(p->loc_line_off[l + 1] == ln + 1);
    *line = p->line_no[ln];
    return hearth_pstr(p, p->fn_name[p->line_fn[ln]]).ptr;
}

static void test_java_heap(void **state)
{
    char buf[2048];
    struct hearth_profile *p;
    size_t s, k;
    int64_t line;
    bool seen_gc = false;

    (void)state;
    snprintf(buf, sizeof(buf),
             "--- heapz 1 ---\n"
             "format = java\n"
             "resolution = bytes\n"
             "     1024      2 @ 0x1 0x2\n"
             "      512      1 @ 0x3 0x4\n%s",
             java_syms);
    p = dec_str(buf);
    assert_string_equal(p->converted_from, "java heapz profile");
    assert_type(p, 0, "inuse_objects", "count");
    assert_type(p, 1, "inuse_space", "bytes");
    assert_int_equal(p->nsamples, 2);
    for (s = 0; s < p->nsamples; s++) {
        const char *f = fn_of(p, s, 0, &line);
        for (k = 0; k < depth(p, s); k++)
            assert_int_equal(frame_addr(p, s, k), 0); /* Java: addresses stripped */
        if (!strcmp(f, "com.example.Foo.alloc")) {
            assert_int_equal(line, 12);
            /* scaled at 512 KiB: (2, 1024) -> avg 512 -> x1024.5 */
            assert_int_equal(p->s_val[s * 2], 2049);
            assert_int_equal(p->s_val[s * 2 + 1], 1049088);
            assert_string_equal(fn_of(p, s, 1, &line), "com.example.Main.main");
            assert_int_equal(line, 5);
        } else {
            assert_string_equal(f, "GC");
            assert_int_equal(line, 0);
            assert_string_equal(fn_of(p, s, 1, &line), "libjvm");
            seen_gc = true;
        }
    }
    assert_true(seen_gc);
    for (k = 0; k < p->nfunc; k++)
        if (hearth_pstr_eq(p, p->fn_name[k], "libjvm"))
            assert_true(hearth_pstr_eq(p, p->fn_file[k], "libjvm.so"));
    hearth_profile_free(p);
}

static void test_java_contention(void **state)
{
    char buf[2048];
    struct hearth_profile *p;

    (void)state;
    snprintf(buf, sizeof(buf),
             "--- contentionz 1 ---\n"
             "format = java\n"
             "resolution = microseconds\n"
             "sampling period = 10\n"
             "ms since reset = 2000\n"
             "     30      2 @ 0x1 0x2\n%s",
             java_syms);
    p = dec_str(buf);
    assert_string_equal(p->converted_from, "java contentionz profile");
    assert_type(p, 1, "delay", "microseconds");
    assert_int_equal(p->period, 10);
    assert_int_equal(p->duration_nanos, 2000000000);
    assert_int_equal(p->s_val[0], 20);
    assert_int_equal(p->s_val[1], 300);
    hearth_profile_free(p);
}

static void test_refusals(void **state)
{
    struct hearth_limits lim = hearth_limits_default();
    static const char big_line_head[] = "heap profile: 1: 5 [1: 5] @ heap/1048576\n1: 5 [1: 5] @";
    struct hearth_buf b;
    int i;
    static const char *const bad[][2] = {
        {"--- heapz 1 ---\nformat = java\nresolution = bytes\n  100  0 @ 0x1\n",
         "second value must be non-zero"},
        {"heap profile: 1: 5 [1: 5] @ heap/1048576\n0: 5 [0: 0] @ 0x1\n",
         "inuse count was 0 but inuse bytes was 5"},
        {"heap profile: 1: 5 [1: 5] @ heap/1048576\n1: 5 [1: 5] @ 0x111122223333444455\n",
         "64-bit"},
        {"goroutine profile: total 1\nx @ 0x1\n", "malformed profile format"},
        {"hello\nworld\n", "unrecognized profile format"},
    };
    size_t k;

    (void)state;
    for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++)
        dec_bad(bad[k][0], strlen(bad[k][0]), NULL, HEARTH_E_CORRUPT, bad[k][1]);
    /* a 64 KiB line: pprof's line scanner fails too */
    hearth_buf_init(&b, 1 << 20);
    hearth_buf_addstr(&b, big_line_head);
    for (i = 0; i < 20000; i++)
        hearth_buf_addstr(&b, " 0x1");
    hearth_buf_addch(&b, '\n');
    dec_bad(b.ptr, b.len, NULL, HEARTH_E_TOO_LARGE, "longer than 65535 bytes");
    hearth_buf_release(&b);
    /* limits: samples, frames per sample */
    lim.max_samples = 1;
    dec_bad(go_heap, strlen(go_heap), &lim, HEARTH_E_TOO_LARGE, "max_samples");
    lim = hearth_limits_default();
    lim.max_depth = 2;
    dec_bad(go_heap, strlen(go_heap), &lim, HEARTH_E_TOO_LARGE, "max_depth");
    lim = hearth_limits_default();
    lim.max_locations = 2;
    dec_bad(go_heap, strlen(go_heap), &lim, HEARTH_E_TOO_LARGE, "max_locations");
}

/* hearth_legacy_convert on its own: not recognized is not an error. */
static void test_convert_unrecognized(void **state)
{
    bool rec = true;
    unsigned char *pb = (unsigned char *)1;
    size_t n = 1;
    const char *fmt = "x";
    struct hearth_errmsg em = {{0}};

    (void)state;
    assert_int_equal(hearth_legacy_convert((const unsigned char *)"\x0a\x01x", 3, NULL, &rec, &pb,
                                           &n, &fmt, &em),
                     HEARTH_OK);
    assert_false(rec);
    assert_null(pb);
    assert_null(fmt);
}

/* 200,000 samples of 8 frames: linear, well under the time of a large proto. */
static void test_large_linear(void **state)
{
    struct hearth_buf b;
    struct hearth_profile *p;
    struct timespec t0, t1;
    double secs;
    int i;

    (void)state;
    hearth_buf_init(&b, 256u << 20);
    hearth_buf_addstr(&b, "heap profile: 1: 1 [1: 1] @ heap/1048576\n");
    for (i = 0; i < 200000; i++)
        hearth_buf_printf(&b,
                          "1: 4096 [1: 4096] @ 0x%x 0x%x 0x402000 0x403000 0x404000 0x405000 "
                          "0x406000 0x407000\n",
                          0x500000 + i * 16, 0x600000 + (i % 1000) * 16);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
    p = dec_ok(b.ptr, b.len);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
    secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    assert_int_equal(p->nsamples, 200000);
    fprintf(stderr,
            "200k-sample legacy heap (%zu bytes) decoded in %.2f s of CPU (pprof: ~8.5 s)\n", b.len,
            secs);
    assert_true(secs < 10);
    hearth_profile_free(p);
    hearth_buf_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_go_heap),
        cmocka_unit_test(test_go_heap_crlf),
        cmocka_unit_test(test_goroutine),
        cmocka_unit_test(test_mutex),
        cmocka_unit_test(test_gperf_heap),
        cmocka_unit_test(test_gperf_cpu),
        cmocka_unit_test(test_gperf_cpu_handler_frame),
        cmocka_unit_test(test_memory_map),
        cmocka_unit_test(test_thread),
        cmocka_unit_test(test_java_heap),
        cmocka_unit_test(test_java_contention),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_convert_unrecognized),
        cmocka_unit_test(test_large_linear),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
