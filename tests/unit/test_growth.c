/*
 * test_growth.c - the growth ranking over a series (server/growth.c):
 * order, slope, steadiness, R², share, values per snapshot, cum and stack
 * rows, filters, sampling noise, and refusals.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "hearth/buf.h"
#include "hearth/growth.h"
#include "hearth/limits.h"
#include "hearth/profile.h"
#include "hearth/query.h"
#include "pbw.h"
#include "viewtest.h"

/* ---- snapshots ---- */

static int step; /* which snapshot the fill functions write */

/* goroutine-like counts: leak grows by 10, shrink falls by 10, steady stays, wobble wobbles */
static void fill_counts(struct pbp *b)
{
    static const int64_t wobble[] = {5, 9, 3, 8};
    pbp_sample_type(b, "goroutine", "count");
    pbp_period(b, "goroutine", "count", 1);
    pbp_mapping(b, "/bin/app");
    pbp_stack(b, "main;leak", 10 * (step + 1));
    pbp_stack(b, "main;steady", 5);
    pbp_stack(b, "main;shrink", 30 - 10 * step);
    pbp_stack(b, "main;wobble", wobble[step]);
    pbp_stack(b, "main;other;leak", 1 + step);
}

/* a Go heap profile: 1 KiB objects sampled at 512 KiB; small growth */
static void fill_heap(struct pbp *b)
{
    int64_t v[4];
    pbp_sample_type(b, "alloc_objects", "count");
    pbp_sample_type(b, "alloc_space", "bytes");
    pbp_sample_type(b, "inuse_objects", "count");
    pbp_sample_type(b, "inuse_space", "bytes");
    pbp_period(b, "space", "bytes", 512 * 1024);
    pbp_mapping(b, "/bin/app");
    /* a tiny change on top of a big value: within sampling noise */
    v[0] = v[2] = 1000 + step;
    v[1] = v[3] = (1000 + step) * 1024;
    pbp_stackv(b, "main;small", v, 4);
    /* 64 MiB more each step: far beyond the noise */
    v[0] = v[2] = 64 * (step + 1);
    v[1] = v[3] = (int64_t)64 * (step + 1) << 20;
    pbp_stackv(b, "main;big", v, 4);
}

static struct hearth_profile *mk(fill_fn fill, int s)
{
    step = s;
    return vt_profile(fill);
}

static json_t *growth(void (*fill)(struct pbp *), size_t n, struct hearth_query *q,
                      struct hearth_growth_opts *o, enum hearth_err want)
{
    struct hearth_profile *p[8];
    double t[8];
    struct hearth_buf out;
    struct hearth_errmsg em = {{0}};
    enum hearth_err e;
    json_t *j = NULL;
    size_t i;

    for (i = 0; i < n; i++) {
        p[i] = mk(fill, (int)i);
        t[i] = 10.0 * (double)i;
    }
    hearth_buf_init(&out, 1 << 24);
    e = hearth_growth_render((const struct hearth_profile *const *)p, t, n, q, o, NULL, &out, &em);
    assert_int_equal(e, want);
    if (!e) {
        j = json_loadb(out.ptr, out.len, 0, NULL);
        assert_non_null(j);
    }
    hearth_buf_release(&out);
    for (i = 0; i < n; i++)
        hearth_profile_free(p[i]);
    return j;
}

static json_t *row(json_t *g, const char *name)
{
    size_t i;
    json_t *r;

    json_array_foreach(
        json_object_get(g, "rows"), i,
        r) if (!strcmp(json_string_value(json_object_get(r, "name")), name)) return r;
    return NULL;
}

static int64_t ival(json_t *o, const char *k)
{
    return json_integer_value(json_object_get(o, k));
}

static double dval(json_t *o, const char *k)
{
    return json_number_value(json_object_get(o, k));
}

static const char *name_at(json_t *g, size_t i)
{
    return json_string_value(
        json_object_get(json_array_get(json_object_get(g, "rows"), i), "name"));
}

/* ---- tests ---- */

static void ranks_by_growth(void **state)
{
    struct hearth_query q;
    struct hearth_growth_opts o = {false, false, 100};
    json_t *g, *r, *v;

    (void)state;
    hearth_query_init(&q);
    g = growth(fill_counts, 4, &q, &o, HEARTH_OK);
    /* leak: flat 10,20,30,40 plus 1,2,3,4 under main;other = 11,22,33,44 */
    assert_string_equal(name_at(g, 0), "leak");
    r = row(g, "leak");
    v = json_object_get(r, "values");
    assert_int_equal(json_array_size(v), 4);
    assert_int_equal(json_integer_value(json_array_get(v, 0)), 11);
    assert_int_equal(json_integer_value(json_array_get(v, 3)), 44);
    assert_int_equal(ival(r, "first"), 11);
    assert_int_equal(ival(r, "last"), 44);
    assert_int_equal(ival(r, "delta"), 33);
    assert_float_equal(dval(r, "slope"), 1.1, 1e-9); /* 11 per 10 s */
    assert_float_equal(dval(r, "steadiness"), 1.0, 1e-9);
    assert_float_equal(dval(r, "r2"), 1.0, 1e-9);
    /* positive flat growth: leak 33 + wobble 3 = 36 */
    assert_int_equal(ival(g, "total_delta"), 36);
    assert_float_equal(dval(r, "share"), 33.0 / 36.0, 1e-6);
    /* wobble: +3 overall, moved up in 2 of 3 steps... 5,9,3,8: up, down, up */
    r = row(g, "wobble");
    assert_int_equal(ival(r, "delta"), 3);
    assert_float_equal(dval(r, "steadiness"), 2.0 / 3.0, 1e-6);
    assert_true(dval(r, "r2") < 0.5);
    /* steady: no growth; shrink last with a negative slope */
    assert_int_equal(ival(row(g, "steady"), "delta"), 0);
    assert_float_equal(dval(row(g, "steady"), "steadiness"), 0, 1e-9);
    assert_string_equal(name_at(g, 3), "shrink");
    assert_float_equal(dval(row(g, "shrink"), "slope"), -1.0, 1e-9);
    assert_float_equal(dval(row(g, "shrink"), "steadiness"), 1.0, 1e-9);
    /* callers with no flat value are not rows; counts are exact */
    assert_null(row(g, "main"));
    assert_null(row(g, "other"));
    assert_string_equal(json_string_value(json_object_get(g, "noise")), "exact");
    assert_int_equal(ival(row(g, "leak"), "err"), 0);
    /* totals per sample type, per snapshot */
    v = json_object_get(json_object_get(g, "totals"), "goroutine");
    assert_int_equal(json_integer_value(json_array_get(v, 0)), 10 + 5 + 30 + 5 + 1);
    assert_int_equal(json_integer_value(json_array_get(v, 3)), 40 + 5 + 0 + 8 + 4);
    assert_int_equal(json_array_size(json_object_get(g, "times")), 4);
    json_decref(g);
}

static void cum_stacks_filters_and_caps(void **state)
{
    struct hearth_query q;
    struct hearth_growth_opts o = {false, true, 100};
    json_t *g;

    (void)state;
    hearth_query_init(&q);
    g = growth(fill_counts, 4, &q, &o, HEARTH_OK);
    /* cum of main is the whole total: 51 -> 57 */
    assert_int_equal(ival(row(g, "main"), "first"), 51);
    assert_int_equal(ival(row(g, "main"), "last"), 57);
    assert_int_equal(ival(row(g, "other"), "delta"), 3);
    assert_string_equal(json_string_value(json_object_get(g, "by")), "cum");
    json_decref(g);

    o.by_cum = false;
    o.stacks = true;
    g = growth(fill_counts, 4, &q, &o, HEARTH_OK);
    assert_string_equal(name_at(g, 0), "main;leak");
    assert_int_equal(ival(row(g, "main;leak"), "delta"), 30);
    assert_int_equal(ival(row(g, "main;other;leak"), "delta"), 3);
    assert_string_equal(json_string_value(json_object_get(g, "granularity")), "stacks");
    json_decref(g);

    o.stacks = false;
    o.max_rows = 2;
    assert_int_equal(hearth_query_set(&q, "focus", "wobble|shrink", NULL), HEARTH_OK);
    g = growth(fill_counts, 4, &q, &o, HEARTH_OK);
    assert_int_equal(json_array_size(json_object_get(g, "rows")), 2);
    assert_null(row(g, "leak"));
    assert_int_equal(ival(g, "more"), 0);
    json_decref(g);

    hearth_query_init(&q);
    o.max_rows = 1;
    g = growth(fill_counts, 4, &q, &o, HEARTH_OK);
    assert_int_equal(ival(g, "more"), 3); /* leak shown; wobble, steady, shrink not */
    json_decref(g);

    /* one snapshot works (nothing grew); none is refused; a bad type is refused */
    g = growth(fill_counts, 1, &q, &o, HEARTH_OK);
    assert_int_equal(ival(json_array_get(json_object_get(g, "rows"), 0), "delta"), 0);
    json_decref(g);
    assert_null(growth(fill_counts, 0, &q, &o, HEARTH_E_BAD_REQUEST));
    assert_int_equal(hearth_query_set(&q, "sample_index", "nope", NULL), HEARTH_OK);
    assert_null(growth(fill_counts, 2, &q, &o, HEARTH_E_NOT_FOUND));
}

static void heap_noise(void **state)
{
    struct hearth_query q;
    struct hearth_growth_opts o = {false, false, 100};
    json_t *g, *small, *big;

    (void)state;
    hearth_query_init(&q);
    g = growth(fill_heap, 3, &q, &o, HEARTH_OK);
    assert_string_equal(json_string_value(json_object_get(g, "noise")), "heap");
    assert_string_equal(json_string_value(json_object_get(json_object_get(g, "sample"), "type")),
                        "inuse_space");
    small = row(g, "small");
    big = row(g, "big");
    assert_non_null(small);
    assert_non_null(big);
    assert_string_equal(name_at(g, 0), "big");
    /* +2 KiB on ~1 MiB of 1 KiB objects sampled every 512 KiB: noise */
    assert_int_equal(ival(small, "delta"), 2048);
    assert_true(ival(small, "err") > 2048);
    assert_true(json_is_true(json_object_get(small, "noise")));
    /* +128 MiB of 64 MiB... objects: real */
    assert_true(ival(big, "err") > 0);
    assert_true(json_is_false(json_object_get(big, "noise")));
    json_decref(g);
}

/* The streaming steps give the same answer as the one-call form; the cell budget refuses. */
static void streaming_and_budget(void **state)
{
    struct hearth_profile *p[4];
    double t[4];
    struct hearth_query q;
    struct hearth_growth_opts o = {false, false, 100};
    struct hearth_limits lim = hearth_limits_default();
    struct hearth_growth *g = NULL;
    struct hearth_buf a, b;
    struct hearth_errmsg em = {{0}};
    size_t i;

    (void)state;
    hearth_query_init(&q);
    for (i = 0; i < 4; i++) {
        p[i] = mk(fill_counts, (int)i);
        t[i] = 10.0 * (double)i;
    }
    hearth_buf_init(&a, 1 << 24);
    hearth_buf_init(&b, 1 << 24);
    assert_int_equal(
        hearth_growth_render((const struct hearth_profile *const *)p, t, 4, &q, &o, NULL, &a, &em),
        HEARTH_OK);
    assert_int_equal(hearth_growth_new(4, &q, &o, NULL, &g, &em), HEARTH_OK);
    for (i = 0; i < 4; i++)
        assert_int_equal(hearth_growth_add(g, p[i], &em), HEARTH_OK);
    assert_int_equal(hearth_growth_add(g, p[0], &em), HEARTH_E_BAD_REQUEST); /* a fifth */
    assert_int_equal(hearth_growth_finish(g, t, &b, &em), HEARTH_OK);
    hearth_growth_free(g);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.ptr, b.ptr, a.len);
    /* finishing before every snapshot came is refused */
    assert_int_equal(hearth_growth_new(4, &q, &o, NULL, &g, &em), HEARTH_OK);
    assert_int_equal(hearth_growth_add(g, p[0], &em), HEARTH_OK);
    hearth_buf_reset(&b);
    assert_int_equal(hearth_growth_finish(g, t, &b, &em), HEARTH_E_BAD_REQUEST);
    hearth_growth_free(g);
    /* rows x snapshots: 1024 rows are allocated at once, so 4 snapshots need 4096 cells */
    lim.max_growth_cells = 4095;
    hearth_buf_reset(&b);
    assert_int_equal(
        hearth_growth_render((const struct hearth_profile *const *)p, t, 4, &q, &o, &lim, &b, &em),
        HEARTH_E_TOO_LARGE);
    assert_non_null(strstr(em.msg, "max_growth_cells"));
    lim.max_growth_cells = 4096;
    hearth_buf_reset(&b);
    assert_int_equal(
        hearth_growth_render((const struct hearth_profile *const *)p, t, 4, &q, &o, &lim, &b, &em),
        HEARTH_OK);
    hearth_buf_release(&a);
    hearth_buf_release(&b);
    for (i = 0; i < 4; i++)
        hearth_profile_free(p[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ranks_by_growth),
        cmocka_unit_test(cum_stacks_filters_and_caps),
        cmocka_unit_test(heap_noise),
        cmocka_unit_test(streaming_and_budget),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
