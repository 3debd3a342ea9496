/*
 * test_gctrace.c - hearth_gctrace_parse/json on hand-written GODEBUG=gctrace=1
 * lines in the formats of several Go versions, noise, interleaved processes,
 * restarts, forced GCs, a 100k-line log, hostile input, a built-in log with
 * every format and the runtime's other lines, and the shared corpus' log
 * (its path is argv[1], from CMake's HEARTH_SHARED_CORPUS; SKIP without it).
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
#include "hearth/gctrace.h"

static struct hearth_gctrace *parse_ok(const char *s)
{
    struct hearth_gctrace *t = NULL;
    struct hearth_errmsg em;

    assert_int_equal(hearth_gctrace_parse(s, strlen(s), 0, &t, &em), HEARTH_OK);
    assert_non_null(t);
    return t;
}

/* JSON of t as a malloc'd string. */
static char *to_json(const struct hearth_gctrace *t)
{
    struct hearth_buf b;
    struct hearth_errmsg em;
    char *s;

    hearth_buf_init(&b, 64u << 20);
    assert_int_equal(hearth_gctrace_json(t, &b, &em), HEARTH_OK);
    s = hearth_buf_detach(&b, NULL);
    assert_non_null(s);
    return s;
}

/* Go 1.19+ (stacks and globals), all fields. */
static void test_go119(void **state)
{
    const char *log = "gc 5 @0.115s 2%: 0.010+1.2+0.021 ms clock, 0.041+0.30/1.0/0.83+0.086 ms "
                      "cpu, 4->4->2 MB, 5 MB goal, 0 MB stacks, 1 MB globals, 4 P\n";
    struct hearth_gctrace *t = parse_ok(log);
    const struct hearth_gctrace_gc *g;

    (void)state;
    assert_int_equal(t->lines, 1);
    assert_int_equal(t->skipped, 0);
    assert_int_equal(t->ntracks, 1);
    assert_false(t->interleaved);
    assert_int_equal(t->tracks[0].n, 1);
    g = &t->tracks[0].gcs[0];
    assert_int_equal(g->gc, 5);
    assert_float_equal(g->t, 0.115, 1e-12);
    assert_float_equal(g->cpu_pct, 2, 1e-12);
    assert_float_equal(g->clock_sweep, 0.010, 1e-12);
    assert_float_equal(g->clock_mark, 1.2, 1e-12);
    assert_float_equal(g->clock_term, 0.021, 1e-12);
    assert_float_equal(g->cpu_sweep, 0.041, 1e-12);
    assert_float_equal(g->cpu_assist, 0.30, 1e-12);
    assert_float_equal(g->cpu_bg, 1.0, 1e-12);
    assert_float_equal(g->cpu_idle, 0.83, 1e-12);
    assert_float_equal(g->cpu_term, 0.086, 1e-12);
    assert_int_equal(g->heap_before, 4);
    assert_int_equal(g->heap_after, 4);
    assert_int_equal(g->heap_live, 2);
    assert_int_equal(g->goal, 5);
    assert_true(g->has_stacks);
    assert_int_equal(g->stacks, 0);
    assert_true(g->has_globals);
    assert_int_equal(g->globals, 1);
    assert_int_equal(g->procs, 4);
    assert_false(g->forced);
    hearth_gctrace_free(t);
}

/* Go 1.7-1.18 (no stacks/globals), Go 1.5 (five phases), CRLF endings. */
static void test_older_formats(void **state)
{
    const char *log =
        "gc 1 @0.004s 1%: 0.018+0.52+0.003 ms clock, 0.14+0.35/0.40/0.11+0.024 ms cpu, "
        "4->4->0 MB, 5 MB goal, 8 P\n"
        "gc 2 @0.017s 2%: 0.47+2.3+0.21+3.6+0.36 ms clock, 0.94+0.23+0+0/2.8/3.6+0.73 ms cpu, "
        "4->4->1 MB, 4 MB goal, 4 P\r\n"
        "gc 3 @1.5s 3%: 0.5+10+0.25 ms clock, 1.0+0/0/0+2 ms cpu, 1024->1100->512 MB, "
        "1100 MB goal, 16 P";
    struct hearth_gctrace *t = parse_ok(log);
    const struct hearth_gctrace_gc *g;
    char *js;

    (void)state;
    assert_int_equal(t->lines, 3);
    assert_int_equal(t->skipped, 0);
    assert_int_equal(t->ntracks, 1);
    assert_int_equal(t->tracks[0].n, 3);
    g = &t->tracks[0].gcs[0];
    assert_false(g->has_stacks);
    assert_false(g->has_globals);
    assert_int_equal(g->procs, 8);
    assert_int_equal(g->heap_live, 0);
    g = &t->tracks[0].gcs[1];
    assert_float_equal(g->clock_sweep, 0.47, 1e-12);
    assert_float_equal(g->clock_mark, 2.3 + 0.21 + 3.6, 1e-9);
    assert_float_equal(g->clock_term, 0.36, 1e-12);
    assert_float_equal(g->cpu_sweep, 0.94, 1e-12);
    assert_float_equal(g->cpu_assist, 0, 1e-12);
    assert_float_equal(g->cpu_bg, 2.8, 1e-12);
    assert_float_equal(g->cpu_idle, 3.6, 1e-12);
    assert_float_equal(g->cpu_term, 0.73, 1e-12);
    g = &t->tracks[0].gcs[2];
    assert_int_equal(g->heap_before, 1024);
    assert_int_equal(g->goal, 1100);
    js = to_json(t);
    assert_non_null(strstr(js, "\"stacks\":null,\"globals\":null"));
    assert_non_null(strstr(js, "\"heap_before\":[4,4,1024]"));
    assert_non_null(strstr(js, "\"gc\":[1,2,3]"));
    assert_non_null(strstr(js, "\"peak_heap_mb\":1100"));
    assert_non_null(strstr(js, "\"avg_cpu_pct\":2"));
    assert_non_null(strstr(js, "\"stw_ms\":[0.021,0.83,0.75]"));
    assert_non_null(strstr(js, "\"garbage_share\":[1,0.75,0.5]"));
    assert_non_null(strstr(js, "\"interleaved\":false"));
    free(js);
    hearth_gctrace_free(t);
}

static void test_noise_skipped(void **state)
{
    const char *log =
        "starting server on :8080\n"
        "\n"
        "GC forced\n"
        "scvg0: inuse: 3, idle: 0, sys: 3, released: 0, consumed: 3 (MB)\n"
        "gc 1 @0.010s 0%: 0.01+0.5+0.01 ms clock, 0.02+0.1/0.2/0.3+0.02 ms cpu, 4->4->1 MB, "
        "5 MB goal, 2 P\n"
        "gc 2 @0.020s 0%: garbage\n"
        "gc1(1): 0+0+0 ms, 0 -> 0 MB 16 -> 18 (19-1) objects, 0(0) handoff\n"
        "  gc 3 @0.030s 0%: 0.01+0.5+0.01 ms clock, 0.02+0.1/0.2/0.3+0.02 ms cpu, 4->4->1 MB, "
        "5 MB goal, 2 P\n"
        "gc 3 @0.030s 0%: 0.01+0.5+0.01 ms clock, 0.02+0.1/0.2/0.3+0.02 ms cpu, 4->4->1 MB, "
        "5 MB goal, 2 P trailing\n"
        "gc 3 @0.030s 0%: 0.01+0.5+0.01 ms clock, 0.02+0.1/0.2/0.3+0.02 ms cpu, 4->4->1 KB, "
        "5 MB goal, 2 P\n"
        "gc 4 @0.040s 0%: 0.01+0.5+0.01 ms clock, 0.02+0.1/0.2/0.3+0.02 ms cpu, 4->5->1 MB, "
        "5 MB goal, 2 P\n"
        "panic: done\n";
    struct hearth_gctrace *t = parse_ok(log);
    char *js;

    (void)state;
    assert_int_equal(t->lines, 12);
    assert_int_equal(t->skipped, 10);
    assert_int_equal(t->ntracks, 1);
    assert_int_equal(t->tracks[0].n, 2);
    assert_int_equal(t->tracks[0].gcs[1].gc, 4);
    js = to_json(t);
    assert_non_null(
        strstr(js, "{\"lines\":12,\"skipped\":10,\"tracks\":[{\"label\":null,\"gcs\":2,"));
    free(js);
    hearth_gctrace_free(t);
}

static void test_forced(void **state)
{
    const char *log =
        "gc 1 @0.1s 0%: 0.01+0.5+0.01 ms clock, 0.02+0.1/0.2/0.3+0.02 ms cpu, 4->4->1 MB, "
        "5 MB goal, 0 MB stacks, 0 MB globals, 2 P (forced)\n"
        "gc 2 @0.2s 0%: 0.01+0.5+0.01 ms clock, 0.02+0.1/0.2/0.3+0.02 ms cpu, 4->4->1 MB, "
        "5 MB goal, 0 MB stacks, 0 MB globals, 2 P\n"
        "gc 3 @0.3s 0%: 0.01+0.5+0.01 ms clock, 0.02+0.1/0.2/0.3+0.02 ms cpu, 4->4->1 MB, "
        "5 MB goal, 2 P (forced)\n";
    struct hearth_gctrace *t = parse_ok(log);
    char *js;

    (void)state;
    assert_int_equal(t->skipped, 0);
    assert_int_equal(t->ntracks, 1);
    assert_int_equal(t->tracks[0].n, 3);
    assert_true(t->tracks[0].gcs[0].forced);
    assert_false(t->tracks[0].gcs[1].forced);
    assert_true(t->tracks[0].gcs[2].forced);
    js = to_json(t);
    assert_non_null(strstr(js, "\"forced\":[1,0,1]"));
    /* a track mixing formats: null for the GC without stacks */
    assert_non_null(strstr(js, "\"stacks\":[0,0,null]"));
    free(js);
    hearth_gctrace_free(t);
}

static void gc_line(char *out, size_t n, unsigned gc, double t, unsigned heap)
{
    snprintf(out, n,
             "gc %u @%.3fs 1%%: 0.01+0.5+0.02 ms clock, 0.02+0.1/0.2/0.3+0.04 ms cpu, "
             "%u->%u->%u MB, %u MB goal, 0 MB stacks, 0 MB globals, 4 P\n",
             gc, t, heap, heap + 1, heap / 2, heap + 2);
}

static void test_interleaved(void **state)
{
    char log[8192], line[256];
    struct hearth_gctrace *t;
    unsigned i;
    char *js;

    (void)state;
    log[0] = '\0';
    /* process A from gc 10 at 5 s, process B from gc 1 at 0.1 s, alternating */
    for (i = 0; i < 10; i++) {
        gc_line(line, sizeof(line), 10 + i, 5.0 + i, 100);
        strcat(log, line);
        gc_line(line, sizeof(line), 1 + i, 0.1 + i * 0.5, 7);
        strcat(log, line);
    }
    t = parse_ok(log);
    assert_int_equal(t->lines, 20);
    assert_int_equal(t->skipped, 0);
    assert_int_equal(t->ntracks, 2);
    assert_true(t->interleaved);
    assert_int_equal(t->tracks[0].n, 10);
    assert_int_equal(t->tracks[1].n, 10);
    for (i = 0; i < 10; i++) {
        assert_int_equal(t->tracks[0].gcs[i].gc, 10 + i);
        assert_int_equal(t->tracks[0].gcs[i].heap_before, 100);
        assert_int_equal(t->tracks[1].gcs[i].gc, 1 + i);
        assert_int_equal(t->tracks[1].gcs[i].heap_before, 7);
    }
    js = to_json(t);
    assert_non_null(strstr(js, "\"interleaved\":true"));
    free(js);
    hearth_gctrace_free(t);

    /* three processes round robin: A late in life, B young, C in between */
    log[0] = '\0';
    for (i = 0; i < 6; i++) {
        gc_line(line, sizeof(line), 100 + i, 50.0 + i, 300);
        strcat(log, line);
        gc_line(line, sizeof(line), 1 + i, 0.1 + i * 0.5, 5);
        strcat(log, line);
        gc_line(line, sizeof(line), 20 + i, 3.0 + i * 0.5, 40);
        strcat(log, line);
    }
    t = parse_ok(log);
    assert_int_equal(t->ntracks, 3);
    assert_true(t->interleaved);
    for (i = 0; i < 6; i++) {
        assert_int_equal(t->tracks[0].gcs[i].heap_before, 300);
        assert_int_equal(t->tracks[1].gcs[i].heap_before, 5);
        assert_int_equal(t->tracks[2].gcs[i].heap_before, 40);
    }
    hearth_gctrace_free(t);

    /* both starting at gc 1, numbers and times close together */
    log[0] = '\0';
    for (i = 0; i < 10; i++) {
        gc_line(line, sizeof(line), 1 + i, 0.1 + i, 50);
        strcat(log, line);
        gc_line(line, sizeof(line), 1 + i, 0.2 + i, 9);
        strcat(log, line);
    }
    t = parse_ok(log);
    assert_int_equal(t->ntracks, 2);
    assert_true(t->interleaved);
    for (i = 0; i < 10; i++) {
        assert_int_equal(t->tracks[0].gcs[i].heap_before, 50);
        assert_int_equal(t->tracks[1].gcs[i].heap_before, 9);
    }
    hearth_gctrace_free(t);
}

static void test_restart(void **state)
{
    char log[8192], line[256];
    struct hearth_gctrace *t;
    unsigned i;

    (void)state;
    log[0] = '\0';
    for (i = 0; i < 8; i++) {
        gc_line(line, sizeof(line), 1 + i, 0.5 + i, 20);
        strcat(log, line);
    }
    strcat(log, "signal: killed\nrestarting\n");
    for (i = 0; i < 5; i++) {
        gc_line(line, sizeof(line), 1 + i, 0.4 + i, 30);
        strcat(log, line);
    }
    t = parse_ok(log);
    assert_int_equal(t->lines, 15);
    assert_int_equal(t->skipped, 2);
    assert_int_equal(t->ntracks, 2);
    assert_false(t->interleaved);
    assert_int_equal(t->tracks[0].n, 8);
    assert_int_equal(t->tracks[1].n, 5);
    assert_int_equal(t->tracks[1].gcs[0].gc, 1);
    hearth_gctrace_free(t);

    /* a line lost (mangled) keeps the track; a jump of more than MAX_GAP does not */
    log[0] = '\0';
    gc_line(line, sizeof(line), 1, 0.1, 20);
    strcat(log, line);
    gc_line(line, sizeof(line), 2, 0.2, 20);
    strcat(log, line);
    strcat(log, "gc 3 @0.3s 0%: 0.01+0.5+0.0hello from another writer\n");
    gc_line(line, sizeof(line), 4, 0.4, 20);
    strcat(log, line);
    gc_line(line, sizeof(line), 4 + HEARTH_GCTRACE_MAX_GAP + 1, 0.5, 20);
    strcat(log, line);
    gc_line(line, sizeof(line), 4 + HEARTH_GCTRACE_MAX_GAP + 1 + HEARTH_GCTRACE_MAX_GAP + 2, 0.6,
            20);
    strcat(log, line);
    t = parse_ok(log);
    assert_int_equal(t->skipped, 1);
    assert_int_equal(t->ntracks, 2);
    assert_int_equal(t->tracks[0].n, 4);
    assert_int_equal(t->tracks[1].n, 1);
    hearth_gctrace_free(t);

    /* same gc number sequence continues but time goes backwards: new track */
    log[0] = '\0';
    gc_line(line, sizeof(line), 1, 5.0, 20);
    strcat(log, line);
    gc_line(line, sizeof(line), 2, 1.0, 20);
    strcat(log, line);
    t = parse_ok(log);
    assert_int_equal(t->ntracks, 2);
    hearth_gctrace_free(t);
}

static void test_100k_lines(void **state)
{
    struct hearth_buf b;
    struct hearth_gctrace *t = NULL;
    struct hearth_errmsg em;
    char line[256], *js;
    unsigned i;

    (void)state;
    hearth_buf_init(&b, 256u << 20);
    for (i = 0; i < 100000; i++) {
        if (i % 10 == 9) {
            hearth_buf_addstr(&b, "GET /api/x 200 1.2ms\n");
            continue;
        }
        gc_line(line, sizeof(line), 1 + i, 0.001 * i, 10 + i % 100);
        hearth_buf_addstr(&b, line);
    }
    assert_int_equal(b.fail, HEARTH_OK);
    assert_int_equal(hearth_gctrace_parse(b.ptr, b.len, 1000000, &t, &em), HEARTH_OK);
    assert_int_equal(t->lines, 100000);
    assert_int_equal(t->skipped, 10000);
    assert_int_equal(t->ntracks, 1);
    assert_int_equal(t->tracks[0].n, 90000);
    js = to_json(t);
    assert_true(strlen(js) > 90000);
    free(js);
    hearth_gctrace_free(t);

    /* max_lines */
    assert_int_equal(hearth_gctrace_parse(b.ptr, b.len, 99999, &t, &em), HEARTH_E_TOO_LARGE);
    assert_null(t);
    assert_int_equal(hearth_gctrace_parse(b.ptr, b.len, 100000, &t, &em), HEARTH_OK);
    hearth_gctrace_free(t);
    hearth_buf_release(&b);
}

/* 100k restarts of "gc 1": too many processes, fails cleanly and quickly. */
static void test_too_many_tracks(void **state)
{
    struct hearth_buf b;
    struct hearth_gctrace *t = NULL;
    struct hearth_errmsg em;
    char line[256];
    unsigned i;

    (void)state;
    hearth_buf_init(&b, 256u << 20);
    for (i = 0; i < 100000; i++) {
        gc_line(line, sizeof(line), 1, 1.0, 10);
        hearth_buf_addstr(&b, line);
    }
    assert_int_equal(hearth_gctrace_parse(b.ptr, b.len, 0, &t, &em), HEARTH_E_TOO_LARGE);
    assert_null(t);
    hearth_buf_release(&b);
}

static void test_hostile(void **state)
{
    const char *over[] = {
        /* gc number, heap, goal, procs overflowing uint64 */
        "gc 99999999999999999999999 @0.1s 0%: 0.01+0.5+0.01 ms clock, 0.02+0.1/0.2/0.3+0.02 ms "
        "cpu, 4->4->1 MB, 5 MB goal, 2 P\n",
        "gc 1 @0.1s 0%: 0.01+0.5+0.01 ms clock, 0.02+0.1/0.2/0.3+0.02 ms cpu, "
        "18446744073709551616->4->1 MB, 5 MB goal, 2 P\n",
        "gc 1 @0.1s 0%: 0.01+0.5+0.01 ms clock, 0.02+0.1/0.2/0.3+0.02 ms cpu, 4->4->1 MB, "
        "5 MB goal, 99999999999999999999999999 P\n",
        /* float tokens too long to be sane */
        "gc 1 @0.10000000000000000000000000000000000000000000000000000000000000000000s 0%: "
        "0.01+0.5+0.01 ms clock, 0.02+0.1/0.2/0.3+0.02 ms cpu, 4->4->1 MB, 5 MB goal, 2 P\n",
        /* two triples, no triple, too many phases, missing goal */
        "gc 1 @0.1s 0%: 0.01+0.5+0.01 ms clock, 0.02+0.1/0.2/0.3+1/2/3 ms cpu, 4->4->1 MB, "
        "5 MB goal, 2 P\n",
        "gc 1 @0.1s 0%: 0.01+0.5+0.01 ms clock, 0.02+0.1+0.02 ms cpu, 4->4->1 MB, 5 MB goal, 2 P\n",
        "gc 1 @0.1s 0%: 1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1 ms clock, 0.02+0.1/0.2/0.3+0.02 "
        "ms cpu, 4->4->1 MB, 5 MB goal, 2 P\n",
        "gc 1 @0.1s 0%: 0.01+0.5+0.01 ms clock, 0.02+0.1/0.2/0.3+0.02 ms cpu, 4->4->1 MB, 2 P\n",
        "gc 1 @.1s 0%: 0.01+0.5+0.01 ms clock, 0.02+0.1/0.2/0.3+0.02 ms cpu, 4->4->1 MB, "
        "5 MB goal, 2 P\n",
        "gc",
        "gc ",
        "gc 1 @",
    };
    const size_t big = 4u << 20;
    struct hearth_gctrace *t = NULL;
    struct hearth_errmsg em;
    unsigned seed = 12345;
    size_t i;
    char *p, *js;

    (void)state;
    for (i = 0; i < sizeof(over) / sizeof(over[0]); i++) {
        t = parse_ok(over[i]);
        assert_int_equal(t->lines, 1);
        assert_int_equal(t->skipped, 1);
        assert_int_equal(t->ntracks, 0);
        js = to_json(t);
        assert_string_equal(js, "{\"lines\":1,\"skipped\":1,\"tracks\":[],\"interleaved\":false}");
        free(js);
        hearth_gctrace_free(t);
    }

    /* binary garbage, with NULs and some newlines */
    p = malloc(big);
    assert_non_null(p);
    for (i = 0; i < big; i++) {
        seed = seed * 1103515245u + 12345u;
        p[i] = (char)(seed >> 16);
    }
    assert_int_equal(hearth_gctrace_parse(p, big, 0, &t, &em), HEARTH_OK);
    assert_int_equal(t->skipped, t->lines);
    hearth_gctrace_free(t);

    /* one very long line, and a gc prefix followed by megabytes of digits */
    memset(p, 'x', big);
    assert_int_equal(hearth_gctrace_parse(p, big, 0, &t, &em), HEARTH_OK);
    assert_int_equal(t->lines, 1);
    assert_int_equal(t->skipped, 1);
    hearth_gctrace_free(t);
    memcpy(p, "gc 1 @", 6);
    memset(p + 6, '7', big - 6);
    assert_int_equal(hearth_gctrace_parse(p, big, 0, &t, &em), HEARTH_OK);
    assert_int_equal(t->skipped, 1);
    hearth_gctrace_free(t);
    free(p);

    /* empty and NULL text */
    assert_int_equal(hearth_gctrace_parse("", 0, 0, &t, &em), HEARTH_OK);
    assert_int_equal(t->lines, 0);
    hearth_gctrace_free(t);
    assert_int_equal(hearth_gctrace_parse(NULL, 0, 0, &t, &em), HEARTH_OK);
    hearth_gctrace_free(t);
    hearth_gctrace_free(NULL);
}

/* A JSON output cap that is too small fails with the buffer's error. */
static void test_json_cap(void **state)
{
    char log[8192], line[256];
    struct hearth_gctrace *t;
    struct hearth_buf b;
    struct hearth_errmsg em;
    unsigned i;

    (void)state;
    log[0] = '\0';
    for (i = 0; i < 10; i++) {
        gc_line(line, sizeof(line), 1 + i, 0.1 + i, 50);
        strcat(log, line);
    }
    t = parse_ok(log);
    hearth_buf_init(&b, 64);
    assert_int_equal(hearth_gctrace_json(t, &b, &em), HEARTH_E_TOO_LARGE);
    hearth_buf_release(&b);
    hearth_gctrace_free(t);
}

/* Number of lines that look like GC lines: "gc ", digits, " @" at the start. */
static size_t count_gc_lines(const char *text, size_t n)
{
    size_t i, j, want = 0;

    for (i = 0; i < n;) {
        j = i;
        if (n - i >= 3 && memcmp(text + i, "gc ", 3) == 0) {
            j = i + 3;
            while (j < n && text[j] >= '0' && text[j] <= '9')
                j++;
            if (j > i + 3 && j + 1 < n && text[j] == ' ' && text[j + 1] == '@')
                want++;
        }
        while (j < n && text[j] != '\n')
            j++;
        i = j + 1;
    }
    return want;
}

/* Every `^gc [0-9]+ @` line of text is a parsed GC, and every other line is skipped. */
static struct hearth_gctrace *check_every_gc_line(const char *what, const char *text, size_t n)
{
    struct hearth_gctrace *t = NULL;
    struct hearth_errmsg em;
    size_t want = count_gc_lines(text, n), parsed = 0, i;

    assert_int_equal(hearth_gctrace_parse(text, n, 0, &t, &em), HEARTH_OK);
    for (i = 0; i < t->ntracks; i++)
        parsed += t->tracks[i].n;
    print_message("%s: %zu lines, %zu GCs, %zu tracks\n", what, t->lines, parsed, t->ntracks);
    assert_true(want > 0);
    assert_int_equal(parsed, want);
    assert_int_equal(t->lines - t->skipped, want);
    return t;
}

/*
 * A log as programs write it, in every format the parser knows: Go 1.5/1.6
 * (five clock phases, seven CPU parts), Go 1.7-1.18, Go 1.19+ (stacks and
 * globals), forced GCs, the runtime's other lines (scvg, "GC forced",
 * pacer), the program's own output, a CRLF line, a restart.
 */
static const char builtin_log[] =
    "2024/05/01 10:00:00 listening on :8080\n"
    "gc 1 @0.011s 1%: 0.11+0.47+0.023+0.63+0.19 ms clock, 0.22+0.47+0+0.55/0.43/0+0.38 ms cpu, "
    "4->4->0 MB, 4 MB goal, 4 P\n"
    "gc 2 @0.104s 0%: 0.018+1.3+0.076 ms clock, 0.054+0.35/1.0/3.0+0.23 ms cpu, 4->4->3 MB, "
    "5 MB goal, 4 P\n"
    "scvg0: inuse: 4, idle: 0, sys: 7, released: 0, consumed: 7 (MB)\n"
    "gc 3 @0.241s 0%: 0.019+2.4+0.077 ms clock, 0.079+0/2.4/6.4+0.30 ms cpu, 5->6->5 MB, "
    "6 MB goal, 4 P\r\n"
    "GC forced\n"
    "gc 4 @120.5s 0%: 0.030+60+0.12 ms clock, 0.12+0.013/60/177+0.51 ms cpu, 484->484->248 MB, "
    "496 MB goal, 4 P (forced)\n"
    "pacer: assist ratio=+1.0e+000 (scan 0 MB in 4->4 MB) workers=1++0.000000e+000\n"
    "gc 5 @121.0s 1%: 0.010+1.6+0.089 ms clock, 0.12+0.12/0.76/0+1.0 ms cpu, 490->495->250 MB, "
    "496 MB goal, 0 MB stacks, 0 MB globals, 12 P\n"
    "panic: restart\n"
    "goroutine 1 [running]:\n"
    "gc 1 @0.007s 1%: 0.010+1.6+0.089 ms clock, 0.12+0.12/0.76/0+1.0 ms cpu, 4->4->0 MB, "
    "4 MB goal, 0 MB stacks, 0 MB globals, 12 P\n"
    "gc 2 @0.014s 2%: 0.081+1.3+0.037 ms clock, 0.98+0.088/1.4/0+0.44 ms cpu, 4->4->1 MB, "
    "4 MB goal, 1 MB stacks, 2 MB globals, 12 P   \n"
    "gc 3 @0.027s 1%: 0.023+0.25+0.016 ms clock, 0.28+0.050/0.40/0.13+0.20 ms cpu, 4->4->0 MB, "
    "4 MB goal, 0 MB stacks, 0 MB globals, 12 P (forced)";

static void test_builtin_log(void **state)
{
    struct hearth_gctrace *t;
    const struct hearth_gctrace_track *a, *b;

    (void)state;
    t = check_every_gc_line("built-in log", builtin_log, sizeof(builtin_log) - 1);
    assert_int_equal(t->lines, 14);
    assert_int_equal(t->skipped, 6);
    assert_int_equal(t->ntracks, 2); /* GC numbers restart: another process */
    assert_false(t->interleaved);
    a = &t->tracks[0];
    b = &t->tracks[1];
    assert_int_equal(a->n, 5);
    assert_int_equal(b->n, 3);
    assert_float_equal(a->gcs[0].clock_mark, 0.47 + 0.023 + 0.63, 1e-9); /* Go 1.5 folded */
    assert_float_equal(a->gcs[0].cpu_idle, 0, 1e-12);
    assert_int_equal(a->gcs[2].goal, 6); /* the CRLF line */
    assert_true(a->gcs[3].forced);
    assert_int_equal(a->gcs[3].heap_before, 484);
    assert_false(a->gcs[3].has_stacks);
    assert_true(a->gcs[4].has_stacks && a->gcs[4].has_globals);
    assert_int_equal(b->gcs[1].stacks, 1);
    assert_int_equal(b->gcs[1].globals, 2);
    assert_int_equal(b->gcs[1].procs, 12);
    assert_true(b->gcs[2].forced); /* the last line has no '\n' */
    hearth_gctrace_free(t);
}

/* The shared corpus path, from CMake (HEARTH_SHARED_CORPUS); NULL when not given. */
static const char *corpus_log;

/* The shared corpus' generated log, when there is a shared corpus. */
static void test_corpus(void **state)
{
    struct hearth_gctrace *t;
    size_t n = 0, cap = 0;
    char *text = NULL;
    FILE *f;

    (void)state;
    f = corpus_log ? fopen(corpus_log, "rb") : NULL;
    if (!f) {
        print_message("SKIP test_corpus: no shared corpus log at %s (the built-in log "
                      "covers the same checks)\n",
                      corpus_log ? corpus_log : "(no path given)");
        skip();
        return;
    }
    for (;;) {
        size_t r;

        if (n == cap) {
            cap = cap ? cap * 2 : 65536;
            text = realloc(text, cap);
            assert_non_null(text);
        }
        r = fread(text + n, 1, cap - n, f);
        if (r == 0)
            break;
        n += r;
    }
    fclose(f);
    t = check_every_gc_line(corpus_log, text, n);
    hearth_gctrace_free(t);
    free(text);
}

/* argv[1]: the shared corpus' gctrace log (optional). */
/*
 * "[name] " prefixes (one stderr of several processes, as a supervisor writes
 * it): a line joins only a track of its own label, even when the GC numbers
 * would fit another; a bad prefix is not a GC line.
 */
static void test_labels(void **state)
{
    char log[16384], line[256];
    struct hearth_gctrace *t;
    unsigned i;
    char *js;

    (void)state;
    log[0] = '\0';
    /* source and destination both count from gc 1 at the same times: only the labels part them */
    for (i = 0; i < 8; i++) {
        strcat(log, "[source] ");
        gc_line(line, sizeof(line), 1 + i, 0.5 + i, 10);
        strcat(log, line);
        strcat(log, "[destination] ");
        gc_line(line, sizeof(line), 1 + i, 0.5 + i, 90);
        strcat(log, line);
        if (i == 3) {
            /* an unlabelled process, then another process labelled source (gc 1 again) */
            gc_line(line, sizeof(line), 40, 9.0, 5);
            strcat(log, line);
            strcat(log, "[source] ");
            gc_line(line, sizeof(line), 1, 0.2, 3);
            strcat(log, line);
        }
    }
    /* not GC lines: an empty label, a space in it, no space after, a label too long */
    strcat(log, "[] gc 9 @9.000s 1%: 0.01+1.0+0.02 ms clock, 0.04+0.3/1.0/0.8+0.08 ms cpu, "
                "4->4->2 MB, 5 MB goal, 4 P\n");
    strcat(log, "[a b] gc 9 @9.000s 1%: 0.01+1.0+0.02 ms clock, 0.04+0.3/1.0/0.8+0.08 ms cpu, "
                "4->4->2 MB, 5 MB goal, 4 P\n");
    strcat(log, "[source]gc 9 @9.000s 1%: 0.01+1.0+0.02 ms clock, 0.04+0.3/1.0/0.8+0.08 ms cpu, "
                "4->4->2 MB, 5 MB goal, 4 P\n");
    strcat(log, "[xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx] gc 9 @9.000s "
                "1%: 0.01+1.0+0.02 ms clock, 0.04+0.3/1.0/0.8+0.08 ms cpu, 4->4->2 MB, 5 MB "
                "goal, 4 P\n");
    t = parse_ok(log);
    assert_int_equal(t->lines, 22);
    assert_int_equal(t->skipped, 4);
    assert_int_equal(t->ntracks, 4);
    assert_true(t->interleaved);
    assert_string_equal(t->tracks[0].label, "source");
    assert_string_equal(t->tracks[1].label, "destination");
    assert_string_equal(t->tracks[2].label, "");
    assert_string_equal(t->tracks[3].label, "source");
    /* source's gc 5.. continue gc 4 (not the second "gc 1", a process of its own) */
    assert_int_equal(t->tracks[0].n, 8);
    assert_int_equal(t->tracks[1].n, 8);
    assert_int_equal(t->tracks[2].n, 1);
    assert_int_equal(t->tracks[3].n, 1);
    for (i = 0; i < 8; i++)
        assert_int_equal(t->tracks[1].gcs[i].heap_before, 90);
    for (i = 0; i < 8; i++)
        assert_int_equal(t->tracks[0].gcs[i].heap_before, 10);
    assert_int_equal(t->tracks[3].gcs[0].heap_before, 3);
    js = to_json(t);
    assert_non_null(strstr(js, "\"tracks\":[{\"label\":\"source\",\"gcs\":8,"));
    assert_non_null(strstr(js, "{\"label\":\"destination\",\"gcs\":8,"));
    assert_non_null(strstr(js, "{\"label\":null,\"gcs\":1,"));
    free(js);
    hearth_gctrace_free(t);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_labels),          cmocka_unit_test(test_go119),
        cmocka_unit_test(test_older_formats),   cmocka_unit_test(test_noise_skipped),
        cmocka_unit_test(test_forced),          cmocka_unit_test(test_interleaved),
        cmocka_unit_test(test_restart),         cmocka_unit_test(test_100k_lines),
        cmocka_unit_test(test_too_many_tracks), cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_json_cap),        cmocka_unit_test(test_builtin_log),
        cmocka_unit_test(test_corpus),
    };

    corpus_log = argc > 1 ? argv[1] : NULL;

    return cmocka_run_group_tests(tests, NULL, NULL);
}
