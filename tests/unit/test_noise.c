/*
 * test_noise.c - sampling-noise estimates and the retention columns
 * (stacks.h, views.h) through the public API: profiles built in C with
 * pbw.h, rendered to JSON, parsed with jansson and checked against hand
 * computations of the heap and Poisson models.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "hearth/buf.h"
#include "hearth/merge.h"
#include "hearth/profile.h"
#include "hearth/query.h"
#include "hearth/stacks.h"
#include "hearth/views.h"
#include "pbw.h"
#include "viewtest.h"

#define MS     1000000LL /* nanoseconds */
#define PERIOD (10 * MS) /* cpu profiles: 100 Hz */
#define RATE   524288.0  /* heap profiles: Go's default MemProfileRate */

/* ---- building and rendering ---- */

static json_int_t row_int(json_t *top, const char *name, const char *key)
{
    json_t *r = vt_top_row(top, name), *v;

    if (!r)
        fail_msg("no row %s", name);
    v = json_object_get(r, key);
    if (!json_is_integer(v))
        fail_msg("row %s: no integer %s", name, key);
    return json_integer_value(v);
}

static const char *noise_model(json_t *j)
{
    json_t *n = json_object_get(j, "noise");

    assert_true(json_is_object(n));
    assert_true(json_is_integer(json_object_get(n, "period")));
    return json_string_value(json_object_get(n, "model"));
}

/* The standard error the views should print for a summed variance. */
static void expect_err(json_int_t got, double var, const char *what)
{
    double want = sqrt(var);

    if (fabs((double)got - want) > 1.0 + want * 1e-9)
        fail_msg("%s: err %lld, want %.3f", what, (long long)got, want);
}

/* Go's heap sampling by hand: keep probability 1 - exp(-s/R), values scaled by its inverse. */
static double heap_var(double objects, double bytes, bool of_objects)
{
    double s = bytes / objects, p = 1 - exp(-s / RATE), q = (1 - p) / p;

    return of_objects ? objects * q : bytes * s * q;
}

/* flame helpers */
static json_int_t farr(json_t *f, const char *key, size_t i)
{
    return json_integer_value(json_array_get(json_object_get(json_object_get(f, "nodes"), key), i));
}

static size_t fnodes(json_t *f)
{
    return json_array_size(json_object_get(json_object_get(f, "nodes"), "total"));
}

static long fchild(json_t *f, long parent, const char *name)
{
    json_t *strings = json_object_get(f, "strings");
    size_t n = fnodes(f), i;

    for (i = 1; i < n; i++)
        if (farr(f, "parent", i) == parent &&
            !strcmp(json_string_value(json_array_get(strings, (size_t)farr(f, "name", i))), name))
            return (long)i;
    return -1;
}

static long fpath(json_t *f, const char *path)
{
    char buf[256], *tok, *save = NULL;
    long cur = 0;

    snprintf(buf, sizeof(buf), "%s", path);
    for (tok = strtok_r(buf, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
        cur = fchild(f, cur, tok);
        if (cur < 0)
            fail_msg("flame path %s: no %s", path, tok);
    }
    return cur;
}

/* ---- profiles ---- */

static void cpu_header(struct pbp *b)
{
    pbp_sample_type(b, "samples", "count");
    pbp_sample_type(b, "cpu", "nanoseconds");
    pbp_period(b, "cpu", "nanoseconds", PERIOD);
    pbp_mapping(b, "/bin/app");
}

static void cpu_stack(struct pbp *b, const char *stack, int64_t ms)
{
    int64_t v[2] = {ms / 10, ms * MS};

    pbp_stackv(b, stack, v, 2);
}

/* main;a;b;a;c=100ms main;a;b=50ms main;a;a;a=30ms main=20ms */
static void fill_recursion(struct pbp *b)
{
    cpu_header(b);
    cpu_stack(b, "main;a;b;a;c", 100);
    cpu_stack(b, "main;a;b", 50);
    cpu_stack(b, "main;a;a;a", 30);
    cpu_stack(b, "main", 20);
}

static void fill_cpu_new(struct pbp *b)
{
    cpu_header(b);
    cpu_stack(b, "main;a", 60);
    cpu_stack(b, "main;b", 40);
}

static void fill_cpu_base(struct pbp *b)
{
    cpu_header(b);
    cpu_stack(b, "main;a", 30);
    cpu_stack(b, "main;c", 20);
}

/* main;big=985ms main;six=6ms main;five=5ms main;four=4ms */
static void fill_cpu_cutoff(struct pbp *b)
{
    cpu_header(b);
    cpu_stack(b, "main;big", 985);
    cpu_stack(b, "main;six", 6);
    cpu_stack(b, "main;five", 5);
    cpu_stack(b, "main;four", 4);
}

static void heap_header(struct pbp *b)
{
    pbp_sample_type(b, "alloc_objects", "count");
    pbp_sample_type(b, "alloc_space", "bytes");
    pbp_sample_type(b, "inuse_objects", "count");
    pbp_sample_type(b, "inuse_space", "bytes");
    pbp_period(b, "space", "bytes", (int64_t)RATE);
    pbp_mapping(b, "/bin/app");
}

/*
 * A heap sample as Go writes it: one per (stack, allocation size), with the
 * size as the numeric label "bytes" (so pprof's merge keeps sizes apart).
 */
static void heap_stack(struct pbp *b, const char *stack, int64_t ao, int64_t as, int64_t io,
                       int64_t is)
{
    int64_t v[4] = {ao, as, io, is};
    uint64_t locs[16];
    size_t n = 0, i;
    char buf[256], *tok, *save = NULL;
    struct pbw lab, extra;

    snprintf(buf, sizeof(buf), "%s", stack);
    for (tok = strtok_r(buf, ";", &save); tok && n < 16; tok = strtok_r(NULL, ";", &save))
        locs[n++] = pbp_name_loc(b, tok);
    for (i = 0; i < n / 2; i++) {
        uint64_t t = locs[i];
        locs[i] = locs[n - 1 - i];
        locs[n - 1 - i] = t;
    }
    pbw_init(&lab);
    pbw_init(&extra);
    pbw_int(&lab, 1, pbp_s(b, "bytes"));
    pbw_int(&lab, 3, ao ? as / ao : io ? is / io : 0);
    pbw_msg(&extra, 3, &lab);
    pbp_sample(b, locs, n, v, 4, &extra);
    assert_false(lab.oom || extra.oom);
    pbw_release(&lab);
    pbw_release(&extra);
}

/* one sample: 2 objects of 1 KiB each, in use and allocated */
static void fill_heap_one(struct pbp *b)
{
    heap_header(b);
    heap_stack(b, "main;f", 2, 2048, 2, 2048);
}

/* one huge allocation (s >> R): sampled with probability ~1 */
static void fill_heap_large(struct pbp *b)
{
    heap_header(b);
    heap_stack(b, "main;huge", 1, 100 << 20, 1, 100 << 20);
}

static void fill_heap_base(struct pbp *b)
{
    heap_header(b);
    heap_stack(b, "main;f", 1, 1024, 1, 1024);
    heap_stack(b, "main;g", 3, 300, 3, 300);
}

/* retention: allocated vs in use per function, plus an in-use-only oddity */
static void fill_heap_mix(struct pbp *b)
{
    heap_header(b);
    heap_stack(b, "main;alloc;small", 10, 10240, 2, 2048);
    heap_stack(b, "main;alloc;big", 1, 1 << 20, 1, 1 << 20);
    heap_stack(b, "main;churn", 100, 102400, 0, 0);
    heap_stack(b, "main;weird", 0, 0, 1, 512);
    heap_stack(b, "main;alloc", 4, 4096, 4, 4096);
    heap_stack(b, "main;alloc;small", 6, 600, 3, 300); /* a second sample, other sizes */
}

static void fill_goroutine(struct pbp *b)
{
    pbp_sample_type(b, "goroutine", "count");
    pbp_period(b, "goroutine", "count", 1);
    pbp_mapping(b, "/bin/app");
    pbp_stack(b, "main;wait", 7);
    pbp_stack(b, "main;run", 2);
}

static void fill_mutex(struct pbp *b)
{
    int64_t v[2] = {3, 5 * MS};

    pbp_sample_type(b, "contentions", "count");
    pbp_sample_type(b, "delay", "nanoseconds");
    pbp_period(b, "contentions", "count", 1);
    pbp_mapping(b, "/bin/app");
    pbp_stackv(b, "main;lock", v, 2);
}

/* ---- tests ---- */

/* Heap model against the formula: O=2, B=2 KiB, R=512 KiB. */
static void test_heap_formula(void **state)
{
    struct hearth_profile *p = vt_profile(fill_heap_one);
    struct hearth_query q;
    double s = 1024, pr = -expm1(-s / RATE), qq = (1 - pr) / pr;
    json_t *j;

    (void)state;
    /* the hand numbers: q = (1-p)/p ~ 511.5 */
    assert_true(qq > 511 && qq < 512);
    hearth_query_init(&q);
    q.sample_index = "inuse_space";
    j = vt_json(p, &q, TOP);
    assert_string_equal(noise_model(j), "heap");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "noise"), "period")),
                     524288);
    expect_err(row_int(j, "f", "flat_err"), 2048 * s * qq, "inuse_space f flat");
    expect_err(row_int(j, "f", "cum_err"), 2048 * s * qq, "inuse_space f cum");
    expect_err(row_int(j, "main", "flat_err"), 0, "main flat");
    expect_err(row_int(j, "main", "cum_err"), heap_var(2, 2048, false), "main cum");
    json_decref(j);

    q.sample_index = "inuse_objects";
    j = vt_json(p, &q, TOP);
    expect_err(row_int(j, "f", "flat_err"), 2 * qq, "inuse_objects f flat");
    json_decref(j);
    q.sample_index = "alloc_objects";
    j = vt_json(p, &q, TOP);
    assert_string_equal(noise_model(j), "heap");
    expect_err(row_int(j, "f", "flat_err"), heap_var(2, 2048, true), "alloc_objects f flat");
    json_decref(j);
    hearth_profile_free(p);
}

/* Allocations much larger than R are (almost) always sampled: no noise. */
static void test_heap_large(void **state)
{
    struct hearth_profile *p = vt_profile(fill_heap_large);
    struct hearth_query q;
    json_t *j;

    (void)state;
    hearth_query_init(&q);
    q.sample_index = "inuse_space";
    j = vt_json(p, &q, TOP);
    assert_int_equal(row_int(j, "huge", "flat_err"), 0);
    assert_int_equal(row_int(j, "huge", "cum_err"), 0);
    json_decref(j);
    q.sample_index = "alloc_objects";
    j = vt_json(p, &q, TOP);
    assert_int_equal(row_int(j, "huge", "flat_err"), 0);
    json_decref(j);
    hearth_profile_free(p);
}

/* CPU: Poisson on the sample count; err = sqrt(v * period), sqrt(n) for samples. */
static void test_cpu_poisson(void **state)
{
    struct hearth_profile *p = vt_profile(fill_cpu_new);
    struct hearth_query q;
    json_t *j;

    (void)state;
    hearth_query_init(&q);
    q.sample_index = "cpu";
    j = vt_json(p, &q, TOP);
    assert_string_equal(noise_model(j), "poisson");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "noise"), "period")),
                     PERIOD);
    expect_err(row_int(j, "a", "flat_err"), 60.0 * MS * PERIOD, "cpu a");
    expect_err(row_int(j, "b", "flat_err"), 40.0 * MS * PERIOD, "cpu b");
    expect_err(row_int(j, "main", "cum_err"), 100.0 * MS * PERIOD, "cpu main cum");
    assert_null(json_object_get(j, "retention"));
    json_decref(j);
    q.sample_index = "samples";
    j = vt_json(p, &q, TOP);
    expect_err(row_int(j, "a", "flat_err"), 6, "samples a");
    expect_err(row_int(j, "main", "cum_err"), 10, "samples main cum");
    json_decref(j);
    hearth_profile_free(p);
}

/* Goroutine counts are exact; mutex/block have no model: no error fields. */
static void test_no_estimate(void **state)
{
    struct hearth_profile *p = vt_profile(fill_goroutine);
    struct hearth_query q;
    json_t *j;

    (void)state;
    hearth_query_init(&q);
    j = vt_json(p, &q, TOP);
    assert_string_equal(noise_model(j), "exact");
    assert_non_null(vt_top_row(j, "wait"));
    assert_null(json_object_get(vt_top_row(j, "wait"), "flat_err"));
    assert_null(json_object_get(vt_top_row(j, "wait"), "cum_err"));
    assert_null(json_object_get(j, "retention"));
    json_decref(j);
    j = vt_json(p, &q, FLAME);
    assert_string_equal(noise_model(j), "exact");
    assert_null(json_object_get(json_object_get(j, "nodes"), "err"));
    json_decref(j);
    hearth_profile_free(p);

    p = vt_profile(fill_mutex);
    j = vt_json(p, &q, TOP);
    assert_string_equal(noise_model(j), "none");
    assert_null(json_object_get(vt_top_row(j, "lock"), "flat_err"));
    json_decref(j);
    hearth_profile_free(p);
}

/* Recursion: a stack holding a node twice adds its variance to cum once. */
static void test_recursion_cum(void **state)
{
    struct hearth_profile *p = vt_profile(fill_recursion);
    struct hearth_query q;
    json_t *j;
    long n;

    (void)state;
    hearth_query_init(&q);
    j = vt_json(p, &q, TOP);
    assert_int_equal(row_int(j, "a", "cum"), 180 * MS);
    expect_err(row_int(j, "a", "cum_err"), 180.0 * MS * PERIOD, "a cum");
    expect_err(row_int(j, "a", "flat_err"), 30.0 * MS * PERIOD, "a flat");
    expect_err(row_int(j, "b", "cum_err"), 150.0 * MS * PERIOD, "b cum");
    expect_err(row_int(j, "main", "cum_err"), 200.0 * MS * PERIOD, "main cum");
    json_decref(j);

    /* flame: one node per level; the root holds every sample */
    j = vt_json(p, &q, FLAME);
    assert_int_equal(json_array_size(json_object_get(json_object_get(j, "nodes"), "err")),
                     fnodes(j));
    expect_err(farr(j, "err", 0), 200.0 * MS * PERIOD, "flame root");
    n = fpath(j, "main;a");
    expect_err(farr(j, "err", (size_t)n), 180.0 * MS * PERIOD, "flame main;a");
    n = fpath(j, "main;a;b;a");
    expect_err(farr(j, "err", (size_t)n), 100.0 * MS * PERIOD, "flame main;a;b;a");
    json_decref(j);
    hearth_profile_free(p);
}

/* Flame root: err² is the sum of the samples' variances (heap, several samples). */
static void test_flame_root_heap(void **state)
{
    struct hearth_profile *p = vt_profile(fill_heap_mix);
    struct hearth_query q;
    double want;
    json_t *j;

    (void)state;
    hearth_query_init(&q);
    q.sample_index = "inuse_space";
    want = heap_var(2, 2048, false) + heap_var(1, 1 << 20, false) + heap_var(1, 512, false) +
           heap_var(4, 4096, false) + heap_var(3, 300, false);
    j = vt_json(p, &q, FLAME);
    assert_string_equal(noise_model(j), "heap");
    expect_err(farr(j, "err", 0), want, "flame root");
    expect_err(farr(j, "err", (size_t)fpath(j, "main;alloc;small")),
               heap_var(2, 2048, false) + heap_var(3, 300, false), "flame small");
    json_decref(j);
    j = vt_json(p, &q, TOP);
    expect_err(row_int(j, "main", "cum_err"), want, "top main cum");
    json_decref(j);
    hearth_profile_free(p);
}

/* Trimming folds small subtrees into the parent; their variance stays in it. */
static void test_flame_trim(void **state)
{
    struct hearth_profile *p = vt_profile(fill_cpu_cutoff);
    struct hearth_query q;
    json_t *j;

    (void)state;
    hearth_query_init(&q);
    q.min_fraction = 0.01;
    j = vt_json(p, &q, FLAME);
    assert_int_equal(json_integer_value(json_object_get(j, "trimmed")), 3);
    assert_int_equal(fchild(j, fpath(j, "main"), "six"), -1);
    assert_int_equal(json_array_size(json_object_get(json_object_get(j, "nodes"), "err")),
                     fnodes(j));
    expect_err(farr(j, "err", 0), 1000.0 * MS * PERIOD, "root");
    expect_err(farr(j, "err", (size_t)fpath(j, "main")), 1000.0 * MS * PERIOD, "main");
    expect_err(farr(j, "err", (size_t)fpath(j, "main;big")), 985.0 * MS * PERIOD, "big");
    json_decref(j);
    hearth_profile_free(p);
}

/* Diffs: the variances of new and base add, whatever the sign. */
static void check_cpu_diff(enum hearth_diff_mode mode)
{
    struct hearth_profile *p = vt_diff(fill_cpu_new, fill_cpu_base, mode, false);
    struct hearth_profile *n = vt_profile(fill_cpu_new), *b = vt_profile(fill_cpu_base);
    struct hearth_query q;
    json_int_t en, eb;
    json_t *j, *jn, *jb;

    hearth_query_init(&q);
    q.sample_index = "cpu";
    jn = vt_json(n, &q, TOP);
    jb = vt_json(b, &q, TOP);
    q.diff = mode;
    j = vt_json(p, &q, TOP);
    assert_string_equal(noise_model(j), "poisson");
    assert_int_equal(row_int(j, "a", "flat"), 30 * MS);
    en = row_int(jn, "a", "flat_err");
    eb = row_int(jb, "a", "flat_err");
    expect_err(row_int(j, "a", "flat_err"), (double)en * en + (double)eb * eb, "diff a");
    expect_err(row_int(j, "a", "flat_err"), 90.0 * MS * PERIOD, "diff a formula");
    expect_err(row_int(j, "c", "flat_err"), 20.0 * MS * PERIOD, "diff c (base only)");
    expect_err(row_int(j, "main", "cum_err"), 150.0 * MS * PERIOD, "diff main cum");
    assert_null(json_object_get(j, "retention"));
    json_decref(j);
    j = vt_json(p, &q, FLAME);
    expect_err(farr(j, "err", (size_t)fpath(j, "main;a")), 90.0 * MS * PERIOD, "flame diff a");
    expect_err(farr(j, "err", 0), 150.0 * MS * PERIOD, "flame diff root");
    json_decref(j);
    json_decref(jn);
    json_decref(jb);
    hearth_profile_free(n);
    hearth_profile_free(b);
    hearth_profile_free(p);
}

static void test_diff(void **state)
{
    struct hearth_profile *p;
    struct hearth_query q;
    json_t *j;

    (void)state;
    check_cpu_diff(HEARTH_DIFF_BASE);
    check_cpu_diff(HEARTH_DIFF_DIFF_BASE);

    /* heap: the merged path computes each sample's variance from its own pair */
    p = vt_diff(fill_heap_one, fill_heap_base, HEARTH_DIFF_BASE, false);
    hearth_query_init(&q);
    q.diff = HEARTH_DIFF_BASE;
    q.sample_index = "inuse_space";
    j = vt_json(p, &q, TOP);
    assert_string_equal(noise_model(j), "heap");
    assert_int_equal(row_int(j, "f", "flat"), 1024);
    expect_err(row_int(j, "f", "flat_err"), heap_var(2, 2048, false) + heap_var(1, 1024, false),
               "heap diff f");
    expect_err(row_int(j, "g", "flat_err"), heap_var(3, 300, false), "heap diff g");
    assert_null(json_object_get(j, "retention"));
    assert_null(json_object_get(vt_top_row(j, "f"), "alloc_flat"));
    json_decref(j);
    hearth_profile_free(p);

    /* -normalize: estimates from the scaled values, still present */
    p = vt_diff(fill_cpu_new, fill_cpu_base, HEARTH_DIFF_BASE, true);
    hearth_query_init(&q);
    q.diff = HEARTH_DIFF_BASE;
    j = vt_json(p, &q, TOP);
    assert_true(row_int(j, "b", "flat_err") > 0);
    json_decref(j);
    hearth_profile_free(p);
}

/* Retention: alloc_flat / alloc_cum equal the alloc type's own top, by name. */
static void check_retention(const char *inuse, const char *alloc, const char *unit,
                            const char *focus)
{
    struct hearth_profile *p = vt_profile(fill_heap_mix);
    struct hearth_query q;
    json_t *j, *ja, *ret, *rows;
    size_t i;

    hearth_query_init(&q);
    q.nodefraction = 0; /* every row, as the HTTP API asks */
    q.focus = focus;
    q.sample_index = alloc;
    ja = vt_json(p, &q, TOP);
    assert_null(json_object_get(ja, "retention")); /* alloc itself: nothing to join */
    q.sample_index = inuse;
    j = vt_json(p, &q, TOP);
    ret = json_object_get(j, "retention");
    assert_true(json_is_object(ret));
    assert_string_equal(json_string_value(json_object_get(ret, "type")), alloc);
    assert_string_equal(json_string_value(json_object_get(ret, "unit")), unit);
    rows = json_object_get(j, "rows");
    assert_true(json_array_size(rows) > 0);
    for (i = 0; i < json_array_size(rows); i++) {
        json_t *r = json_array_get(rows, i);
        const char *name = json_string_value(json_object_get(r, "name"));
        json_t *ar = vt_top_row(ja, name);
        json_int_t af = json_integer_value(json_object_get(r, "alloc_flat"));
        json_int_t ac = json_integer_value(json_object_get(r, "alloc_cum"));
        assert_true(json_is_integer(json_object_get(r, "alloc_flat")));
        assert_true(json_is_integer(json_object_get(r, "alloc_cum")));
        if (!ar) {
            assert_int_equal(af, 0);
            assert_int_equal(ac, 0);
            continue;
        }
        if (af != json_integer_value(json_object_get(ar, "flat")) ||
            ac != json_integer_value(json_object_get(ar, "cum")))
            fail_msg("%s row %s: alloc %lld/%lld, %s top says %lld/%lld", inuse, name,
                     (long long)af, (long long)ac, alloc,
                     (long long)json_integer_value(json_object_get(ar, "flat")),
                     (long long)json_integer_value(json_object_get(ar, "cum")));
    }
    json_decref(j);
    json_decref(ja);
    hearth_profile_free(p);
}

static void test_retention(void **state)
{
    struct hearth_profile *p;
    struct hearth_query q;
    json_t *j;

    (void)state;
    check_retention("inuse_space", "alloc_space", "bytes", NULL);
    check_retention("inuse_objects", "alloc_objects", "count", NULL);
    check_retention("inuse_space", "alloc_space", "bytes", "small");

    /* the numbers by hand, and a name with no allocations */
    p = vt_profile(fill_heap_mix);
    hearth_query_init(&q);
    q.nodefraction = 0;
    j = vt_json(p, &q, TOP); /* default: the last type, inuse_space */
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "sample"), "type")),
                        "inuse_space");
    assert_int_equal(row_int(j, "small", "flat"), 2048 + 300);
    assert_int_equal(row_int(j, "small", "alloc_flat"), 10240 + 600);
    assert_int_equal(row_int(j, "alloc", "alloc_cum"), 10240 + 600 + (1 << 20) + 4096);
    assert_int_equal(row_int(j, "main", "alloc_cum"), 10240 + 600 + (1 << 20) + 4096 + 102400);
    assert_int_equal(row_int(j, "weird", "flat"), 512);
    assert_int_equal(row_int(j, "weird", "alloc_flat"), 0);
    assert_int_equal(row_int(j, "weird", "alloc_cum"), 0);
    assert_null(vt_top_row(j, "churn")); /* nothing in use: no row */
    json_decref(j);
    hearth_profile_free(p);

    /* cpu profiles have no in-use/allocated pair */
    p = vt_profile(fill_cpu_new);
    j = vt_json(p, &q, TOP);
    assert_null(json_object_get(j, "retention"));
    assert_null(json_object_get(vt_top_row(j, "a"), "alloc_flat"));
    json_decref(j);
    hearth_profile_free(p);
}

/* The text report (compared byte for byte with pprof) carries none of this. */
static void test_text_unchanged(void **state)
{
    struct hearth_profile *p = vt_profile(fill_heap_mix);
    struct hearth_stacks *s = NULL;
    struct hearth_query q;
    struct hearth_buf a, b;
    struct hearth_errmsg em = {{0}};

    (void)state;
    hearth_query_init(&q);
    assert_int_equal(hearth_stacks_build(p, &q, false, NULL, &s, &em), HEARTH_OK);
    assert_non_null(s->var);
    assert_string_equal(s->noise, "heap");
    hearth_buf_init(&a, 1 << 20);
    hearth_buf_init(&b, 1 << 20);
    assert_int_equal(hearth_top_render(s, &q, false, &a, &em), HEARTH_OK);
    /* the same stacks without an estimate print the same text */
    free(s->var);
    s->var = NULL;
    s->noise = "none";
    assert_int_equal(hearth_top_render(s, &q, false, &b, &em), HEARTH_OK);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.ptr, b.ptr, a.len);
    assert_null(strstr(a.ptr, "err"));
    assert_null(strstr(a.ptr, "alloc_"));
    assert_non_null(strstr(a.ptr, "      flat  flat%   sum%        cum   cum%\n"));
    hearth_buf_release(&a);
    hearth_buf_release(&b);
    hearth_stacks_free(s);
    hearth_profile_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_heap_formula),  cmocka_unit_test(test_heap_large),
        cmocka_unit_test(test_cpu_poisson),   cmocka_unit_test(test_no_estimate),
        cmocka_unit_test(test_recursion_cum), cmocka_unit_test(test_flame_root_heap),
        cmocka_unit_test(test_flame_trim),    cmocka_unit_test(test_diff),
        cmocka_unit_test(test_retention),     cmocka_unit_test(test_text_unchanged),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
