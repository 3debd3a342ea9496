/*
 * test_views.c - top, call graph and flame graph numbers through the public
 * API (decode -> stacks -> render -> JSON parsed with jansson), against the
 * worked examples of pprof-semantics.md: recursion (5.1, 6.1, 7.1), inline
 * (4.4), cutoff and cutoff2 (5.4), emptystack and negative (5.2), ties
 * (5.5), focus/ignore/hide (9.3-9.4) and diffs via hearth_merge_diff (8.2).
 * Every profile is built in C with pbw.h.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "hearth/buf.h"
#include "hearth/limits.h"
#include "hearth/merge.h"
#include "hearth/profile.h"
#include "hearth/query.h"
#include "hearth/stacks.h"
#include "hearth/views.h"
#include "pbw.h"
#include "viewtest.h"

#define MS 1000000LL /* nanoseconds */

/* ---- building and rendering ---- */

static char *top_text(const struct hearth_profile *p, const struct hearth_query *q)
{
    size_t len;

    return vt_render(p, q, TOP, true, &len);
}

static void expect_text(const char *text, const char *line)
{
    if (!strstr(text, line))
        fail_msg("missing line \"%s\" in:\n%s", line, text);
}

/* ---- JSON helpers ---- */

static void expect_row(json_t *top, const char *name, int64_t flat, int64_t cum, const char *inl)
{
    json_t *r = vt_top_row(top, name);

    if (!r)
        fail_msg("no row %s", name);
    if (json_integer_value(json_object_get(r, "flat")) != flat ||
        json_integer_value(json_object_get(r, "cum")) != cum)
        fail_msg("row %s: flat %lld cum %lld, want %lld %lld", name,
                 (long long)json_integer_value(json_object_get(r, "flat")),
                 (long long)json_integer_value(json_object_get(r, "cum")), (long long)flat,
                 (long long)cum);
    if (inl)
        assert_string_equal(json_string_value(json_object_get(r, "inline")), inl);
}

static void expect_order(json_t *top, const char *const *names, size_t n)
{
    json_t *rows = json_object_get(top, "rows");
    size_t i;

    assert_int_equal(json_array_size(rows), n);
    for (i = 0; i < n; i++) {
        const char *got = json_string_value(json_object_get(json_array_get(rows, i), "name"));
        if (strcmp(got, names[i]))
            fail_msg("row %zu is %s, want %s", i, got, names[i]);
    }
}

static bool has_label(json_t *j, const char *text)
{
    json_t *l = json_object_get(j, "labels");
    size_t i;

    for (i = 0; i < json_array_size(l); i++)
        if (!strcmp(json_string_value(json_array_get(l, i)), text))
            return true;
    return false;
}

static int64_t total_of(json_t *j)
{
    return json_integer_value(json_object_get(j, "total"));
}

/* Graph edge src -> dst by node name; false if absent. */
static bool graph_edge(json_t *g, const char *src, const char *dst, int64_t *w, bool *inl,
                       bool *resid)
{
    json_t *nodes = json_object_get(g, "nodes"), *edges = json_object_get(g, "edges");
    json_int_t sid = -1, did = -1;
    size_t i;

    for (i = 0; i < json_array_size(nodes); i++) {
        json_t *n = json_array_get(nodes, i);
        const char *nm = json_string_value(json_object_get(n, "name"));
        if (!strcmp(nm, src))
            sid = json_integer_value(json_object_get(n, "id"));
        if (!strcmp(nm, dst))
            did = json_integer_value(json_object_get(n, "id"));
    }
    for (i = 0; i < json_array_size(edges); i++) {
        json_t *e = json_array_get(edges, i);
        if (json_integer_value(json_object_get(e, "src")) == sid &&
            json_integer_value(json_object_get(e, "dst")) == did) {
            *w = json_integer_value(json_object_get(e, "weight"));
            if (inl)
                *inl = json_is_true(json_object_get(e, "inline"));
            if (resid)
                *resid = json_is_true(json_object_get(e, "residual"));
            return true;
        }
    }
    return false;
}

static json_int_t farr(json_t *f, const char *key, size_t i)
{
    return json_integer_value(json_array_get(json_object_get(json_object_get(f, "nodes"), key), i));
}

static size_t fnodes(json_t *f)
{
    return json_array_size(json_object_get(json_object_get(f, "nodes"), "total"));
}

/*
 * Flame invariants: node 0 is "root" with parent -1; pre-order (parents
 * precede children); total == self + sum of the children's totals.
 */
static void flame_invariants(json_t *f)
{
    size_t n = fnodes(f), i;
    json_t *strings = json_object_get(f, "strings");
    int64_t *sum = calloc(n + 1, sizeof(*sum));

    assert_non_null(sum);
    assert_true(n >= 1);
    assert_string_equal(json_string_value(json_array_get(strings, 0)), "root");
    assert_int_equal(farr(f, "parent", 0), -1);
    assert_int_equal(farr(f, "name", 0), 0);
    for (i = 1; i < n; i++) {
        json_int_t par = farr(f, "parent", i);
        assert_true(par >= 0 && (size_t)par < i);
        assert_true(farr(f, "name", i) > 0 &&
                    (size_t)farr(f, "name", i) < json_array_size(strings));
        sum[par] += farr(f, "total", i);
    }
    for (i = 0; i < n; i++)
        if (farr(f, "total", i) != farr(f, "self", i) + sum[i])
            fail_msg("flame node %zu: total %lld != self %lld + children %lld", i,
                     (long long)farr(f, "total", i), (long long)farr(f, "self", i),
                     (long long)sum[i]);
    free(sum);
}

/* Index of the child of `parent` named `name`, or -1. */
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

/* Follow a path "main;a;b" from the root; fail if it does not exist. */
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

static size_t fchildren(json_t *f, long parent)
{
    size_t n = fnodes(f), i, k = 0;

    for (i = 1; i < n; i++)
        if (farr(f, "parent", i) == parent)
            k++;
    return k;
}

/* ---- profiles ---- */

static void cpu_header(struct pbp *b)
{
    pbp_sample_type(b, "samples", "count");
    pbp_sample_type(b, "cpu", "nanoseconds");
    pbp_period(b, "cpu", "nanoseconds", 10 * MS);
    pbp_mapping(b, "/bin/app");
}

static void cpu_stack(struct pbp *b, const char *stack, int64_t ms)
{
    int64_t v[2] = {ms / 10, ms * MS};

    pbp_stackv(b, stack, v, 2);
}

/* recursion.pb: main;a;b;a;c=10 main;a;b=5 main;a;a;a=3 main=2 ticks of 10ms */
static void fill_recursion(struct pbp *b)
{
    cpu_header(b);
    pbw_int(&b->hdr, 10, 1000 * MS);
    cpu_stack(b, "main;a;b;a;c", 100);
    cpu_stack(b, "main;a;b", 50);
    cpu_stack(b, "main;a;a;a", 30);
    cpu_stack(b, "main", 20);
}

/* inline.pb: main@1;[inner@5 inlined into outer@20]=70 main@2;outer@21=30 main@3;inner@6=40 */
static void fill_inline(struct pbp *b)
{
    uint64_t fmain, fouter, finner, l1, l2, l3, l4, l5, l6, fn2[2], s[2];
    int64_t ln2[2], v[2];

    cpu_header(b);
    fmain = pbp_func(b, "main", "x.go", 0);
    fouter = pbp_func(b, "outer", "x.go", 0);
    finner = pbp_func(b, "inner", "x.go", 0);
    ln2[0] = 1;
    l1 = pbp_loc(b, b->map_id, 0x1001, &fmain, ln2, 1);
    ln2[0] = 2;
    l2 = pbp_loc(b, b->map_id, 0x1002, &fmain, ln2, 1);
    ln2[0] = 3;
    l3 = pbp_loc(b, b->map_id, 0x1003, &fmain, ln2, 1);
    fn2[0] = finner; /* innermost first */
    fn2[1] = fouter;
    ln2[0] = 5;
    ln2[1] = 20;
    l4 = pbp_loc(b, b->map_id, 0x2000, fn2, ln2, 2);
    ln2[0] = 21;
    l5 = pbp_loc(b, b->map_id, 0x2100, &fouter, ln2, 1);
    ln2[0] = 6;
    l6 = pbp_loc(b, b->map_id, 0x3000, &finner, ln2, 1);
    s[0] = l4;
    s[1] = l1;
    v[0] = 7;
    v[1] = 70 * MS;
    pbp_sample(b, s, 2, v, 2, NULL);
    s[0] = l5;
    s[1] = l2;
    v[0] = 3;
    v[1] = 30 * MS;
    pbp_sample(b, s, 2, v, 2, NULL);
    s[0] = l6;
    s[1] = l3;
    v[0] = 4;
    v[1] = 40 * MS;
    pbp_sample(b, s, 2, v, 2, NULL);
}

static void count_header(struct pbp *b)
{
    pbp_sample_type(b, "samples", "count");
    pbp_mapping(b, "/bin/app");
}

/* cutoff.pb: main;big=985 main;six=6 main;five=5 main;four=4 */
static void fill_cutoff(struct pbp *b)
{
    count_header(b);
    pbp_stack(b, "main;big", 985);
    pbp_stack(b, "main;six", 6);
    pbp_stack(b, "main;five", 5);
    pbp_stack(b, "main;four", 4);
}

/* cutoff2.pb: main;big=500 main;four=4 main;one=1 empty=500 */
static void fill_cutoff2(struct pbp *b)
{
    count_header(b);
    pbp_stack(b, "main;big", 500);
    pbp_stack(b, "main;four", 4);
    pbp_stack(b, "main;one", 1);
    pbp_stack(b, "", 500);
}

/* emptystack.pb: main;big=500 main;small=4 empty=500 */
static void fill_emptystack(struct pbp *b)
{
    count_header(b);
    pbp_stack(b, "main;big", 500);
    pbp_stack(b, "main;small", 4);
    pbp_stack(b, "", 500);
}

/* negative.pb: 600, -400, 3 on different stacks */
static void fill_negative(struct pbp *b)
{
    count_header(b);
    pbp_stack(b, "main;pos", 600);
    pbp_stack(b, "main;mid;neg", -400);
    pbp_stack(b, "main;small", 3);
}

/* ties: equal flats sort by name, not by cum */
static void fill_ties(struct pbp *b)
{
    count_header(b);
    pbp_stack(b, "main;zeta", 50);
    pbp_stack(b, "main;mid;alpha", 50);
    pbp_stack(b, "main;beta", 50);
    pbp_stack(b, "main;mid;gamma", 20);
}

/* filters: main;a;parse=400 main;b=600 */
static void fill_filters(struct pbp *b)
{
    count_header(b);
    pbp_stack(b, "main;a;parse", 400);
    pbp_stack(b, "main;b", 600);
}

/* new.pb and base.pb of 8.2 */
static void fill_new(struct pbp *b)
{
    cpu_header(b);
    pbw_int(&b->hdr, 10, 1000 * MS);
    cpu_stack(b, "main;a", 60);
    cpu_stack(b, "main;b", 40);
}

static void fill_base(struct pbp *b)
{
    cpu_header(b);
    pbw_int(&b->hdr, 10, 500 * MS);
    cpu_stack(b, "main;a", 30);
    cpu_stack(b, "main;c", 20);
}

/* base with another sample type name: incompatible */
static void fill_wall(struct pbp *b)
{
    pbp_sample_type(b, "samples", "count");
    pbp_sample_type(b, "wall", "nanoseconds");
    pbp_period(b, "cpu", "nanoseconds", 10 * MS);
    pbp_mapping(b, "/bin/app");
    cpu_stack(b, "main;a", 30);
}

static void fill_one_type(struct pbp *b)
{
    pbp_sample_type(b, "cpu", "nanoseconds");
    pbp_period(b, "cpu", "nanoseconds", 10 * MS);
    pbp_mapping(b, "/bin/app");
    pbp_stack(b, "main;a", 30 * MS);
}

/* ---- tests ---- */

/* 5.1: a has cum 180ms (counted once per sample), not 290ms. */
static void test_recursion_top(void **state)
{
    struct hearth_profile *p = vt_profile(fill_recursion);
    struct hearth_query q;
    static const char *const order[] = {"c", "b", "a", "main"};
    json_t *j;
    char *t;

    (void)state;
    hearth_query_init(&q);
    j = vt_json(p, &q, TOP);
    assert_int_equal(total_of(j), 200 * MS);
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "sample"), "type")),
                        "cpu");
    assert_string_equal(json_string_value(json_object_get(j, "unit")), "ms");
    expect_row(j, "c", 100 * MS, 100 * MS, "");
    expect_row(j, "b", 50 * MS, 150 * MS, "");
    expect_row(j, "a", 30 * MS, 180 * MS, "");
    expect_row(j, "main", 20 * MS, 200 * MS, "");
    expect_order(j, order, 4);
    assert_true(has_label(j, "Showing nodes accounting for 200ms, 100% of 200ms total"));
    json_decref(j);

    t = top_text(p, &q);
    expect_text(t, "Type: cpu\n");
    expect_text(t, "Duration: 1s, Total samples = 200ms (20.00%)\n");
    expect_text(t, "Showing nodes accounting for 200ms, 100% of 200ms total\n"
                   "      flat  flat%   sum%        cum   cum%\n"
                   "     100ms 50.00% 50.00%      100ms 50.00%  c\n"
                   "      50ms 25.00% 75.00%      150ms 75.00%  b\n"
                   "      30ms 15.00% 90.00%      180ms 90.00%  a\n"
                   "      20ms 10.00%   100%      200ms   100%  main\n");
    free(t);

    /* the other sample index: counts */
    q.sample_index = "samples";
    j = vt_json(p, &q, TOP);
    assert_int_equal(total_of(j), 20);
    expect_row(j, "a", 3, 18, "");
    json_decref(j);
    hearth_profile_free(p);
}

/* 6.1: edges once per sample per pair, no self edges. */
static void test_recursion_graph(void **state)
{
    struct hearth_profile *p = vt_profile(fill_recursion);
    struct hearth_query q;
    json_t *g;
    int64_t w = 0;
    bool inl = true, resid = true;

    (void)state;
    hearth_query_init(&q);
    g = vt_json(p, &q, GRAPH);
    assert_int_equal(total_of(g), 200 * MS);
    assert_int_equal(json_array_size(json_object_get(g, "nodes")), 4);
    assert_int_equal(json_array_size(json_object_get(g, "edges")), 4);
    assert_true(graph_edge(g, "main", "a", &w, &inl, &resid));
    assert_int_equal(w, 180 * MS);
    assert_false(inl);
    assert_false(resid);
    assert_true(graph_edge(g, "a", "b", &w, NULL, NULL));
    assert_int_equal(w, 150 * MS);
    assert_true(graph_edge(g, "b", "a", &w, NULL, NULL));
    assert_int_equal(w, 100 * MS);
    assert_true(graph_edge(g, "a", "c", &w, NULL, NULL));
    assert_int_equal(w, 100 * MS);
    assert_false(graph_edge(g, "a", "a", &w, NULL, NULL));
    json_decref(g);

    /* the DOT form renders too */
    {
        size_t len;
        char *dot = vt_render(p, &q, GRAPH, true, &len);
        assert_non_null(strstr(dot, "digraph"));
        free(dot);
    }
    hearth_profile_free(p);
}

/* 7.1: root 200 -> main 200 -> a 180 -> {b 150 -> a 100 -> c 100; a 30 -> a 30}. */
static void test_recursion_flame(void **state)
{
    struct hearth_profile *p = vt_profile(fill_recursion);
    struct hearth_query q;
    json_t *f;
    long n;

    (void)state;
    hearth_query_init(&q);
    f = vt_json(p, &q, FLAME);
    flame_invariants(f);
    assert_int_equal(total_of(f), 200 * MS);
    assert_false(json_is_true(json_object_get(f, "diff")));
    assert_int_equal(json_integer_value(json_object_get(f, "trimmed")), 0);
    assert_int_equal(farr(f, "total", 0), 200 * MS);
    assert_int_equal(fchildren(f, 0), 1);
    n = fpath(f, "main");
    assert_int_equal(farr(f, "total", (size_t)n), 200 * MS);
    assert_int_equal(farr(f, "self", (size_t)n), 20 * MS);
    n = fpath(f, "main;a");
    assert_int_equal(farr(f, "total", (size_t)n), 180 * MS);
    assert_int_equal(fchildren(f, n), 2);
    assert_int_equal(farr(f, "total", (size_t)fpath(f, "main;a;b")), 150 * MS);
    assert_int_equal(farr(f, "total", (size_t)fpath(f, "main;a;b;a")), 100 * MS);
    assert_int_equal(farr(f, "total", (size_t)fpath(f, "main;a;b;a;c")), 100 * MS);
    assert_int_equal(farr(f, "self", (size_t)fpath(f, "main;a;b;a;c")), 100 * MS);
    assert_int_equal(farr(f, "total", (size_t)fpath(f, "main;a;a")), 30 * MS);
    assert_int_equal(farr(f, "total", (size_t)fpath(f, "main;a;a;a")), 30 * MS);
    assert_int_equal(fnodes(f), 8); /* root main a b a c a a */
    /* siblings are sorted by name: a before b under main;a */
    assert_true(fpath(f, "main;a;a") < fpath(f, "main;a;b"));
    json_decref(f);
    hearth_profile_free(p);
}

/* 4.4: inner 110 (partial-inline); outer 30 flat, 100 cum; main 0/140. */
static void test_inline(void **state)
{
    struct hearth_profile *p = vt_profile(fill_inline);
    struct hearth_query q;
    static const char *const order[] = {"inner", "outer", "main"};
    json_t *j;
    int64_t w = 0;
    bool inl = false;
    char *t;

    (void)state;
    hearth_query_init(&q);
    j = vt_json(p, &q, TOP);
    assert_int_equal(total_of(j), 140 * MS);
    expect_row(j, "inner", 110 * MS, 110 * MS, "(partial-inline)");
    expect_row(j, "outer", 30 * MS, 100 * MS, "");
    expect_row(j, "main", 0, 140 * MS, "");
    expect_order(j, order, 3);
    json_decref(j);
    t = top_text(p, &q);
    expect_text(t, "     110ms 78.57% 78.57%      110ms 78.57%  inner (partial-inline)\n"
                   "      30ms 21.43%   100%      100ms 71.43%  outer\n"
                   "         0     0%   100%      140ms   100%  main\n");
    free(t);

    /* graph: outer -> inner is an inline edge */
    j = vt_json(p, &q, GRAPH);
    assert_true(graph_edge(j, "outer", "inner", &w, &inl, NULL));
    assert_int_equal(w, 70 * MS);
    assert_true(inl);
    assert_true(graph_edge(j, "main", "inner", &w, &inl, NULL));
    assert_int_equal(w, 40 * MS);
    assert_false(inl);
    assert_true(graph_edge(j, "main", "outer", &w, &inl, NULL));
    assert_int_equal(w, 100 * MS);
    assert_false(inl);
    json_decref(j);

    /* flame: root 140 -> main 140 -> {inner 40, outer 100 -> inner 70} */
    j = vt_json(p, &q, FLAME);
    flame_invariants(j);
    assert_int_equal(farr(j, "total", (size_t)fpath(j, "main")), 140 * MS);
    assert_int_equal(farr(j, "total", (size_t)fpath(j, "main;inner")), 40 * MS);
    assert_int_equal(farr(j, "total", (size_t)fpath(j, "main;outer")), 100 * MS);
    assert_int_equal(farr(j, "self", (size_t)fpath(j, "main;outer")), 30 * MS);
    assert_int_equal(farr(j, "total", (size_t)fpath(j, "main;outer;inner")), 70 * MS);
    assert_int_equal(farr(j, "inline", (size_t)fpath(j, "main;outer;inner")), 1);
    assert_int_equal(farr(j, "inline", (size_t)fpath(j, "main;inner")), 0);
    json_decref(j);

    /* -noinlines: outer 100 flat; inner 40; main 0/140 */
    q.noinlines = true;
    j = vt_json(p, &q, TOP);
    expect_row(j, "outer", 100 * MS, 100 * MS, "");
    expect_row(j, "inner", 40 * MS, 40 * MS, "");
    expect_row(j, "main", 0, 140 * MS, "");
    json_decref(j);

    /* -lines */
    hearth_query_init(&q);
    q.gran = HEARTH_GRAN_LINES;
    j = vt_json(p, &q, TOP);
    expect_row(j, "inner x.go:5", 70 * MS, 70 * MS, "(inline)");
    expect_row(j, "inner x.go:6", 40 * MS, 40 * MS, "");
    expect_row(j, "outer x.go:21", 30 * MS, 30 * MS, "");
    expect_row(j, "outer x.go:20", 0, 70 * MS, NULL);
    expect_row(j, "main x.go:1", 0, 70 * MS, NULL);
    expect_row(j, "main x.go:2", 0, 30 * MS, NULL);
    expect_row(j, "main x.go:3", 0, 40 * MS, NULL);
    json_decref(j);
    hearth_profile_free(p);
}

/* 5.4: Dropped 1 node (cum <= 5); four is dropped, five (cum == cutoff) kept. */
static void test_cutoff(void **state)
{
    struct hearth_profile *p = vt_profile(fill_cutoff);
    struct hearth_query q;
    static const char *const order[] = {"big", "six", "five", "main"};
    json_t *j;
    char *t;

    (void)state;
    hearth_query_init(&q);
    j = vt_json(p, &q, TOP);
    assert_int_equal(total_of(j), 1000);
    assert_true(has_label(j, "Showing nodes accounting for 996, 99.60% of 1000 total"));
    assert_true(has_label(j, "Dropped 1 node (cum <= 5)"));
    expect_order(j, order, 4);
    assert_null(vt_top_row(j, "four"));
    expect_row(j, "five", 5, 5, "");
    expect_row(j, "main", 0, 1000, "");
    json_decref(j);
    t = top_text(p, &q);
    expect_text(t, "Showing nodes accounting for 996, 99.60% of 1000 total\n"
                   "Dropped 1 node (cum <= 5)\n"
                   "      flat  flat%   sum%        cum   cum%\n"
                   "       985 98.50% 98.50%        985 98.50%  big\n"
                   "         6   0.6% 99.10%          6   0.6%  six\n"
                   "         5   0.5% 99.60%          5   0.5%  five\n"
                   "         0     0% 99.60%       1000   100%  main\n");
    free(t);
    /* -nodefraction=0 keeps everything */
    q.nodefraction = 0;
    j = vt_json(p, &q, TOP);
    expect_row(j, "four", 4, 4, "");
    json_decref(j);
    /* -nodecount=2: the first two in flat order */
    hearth_query_init(&q);
    q.nodecount = 2;
    j = vt_json(p, &q, TOP);
    assert_int_equal(json_array_size(json_object_get(j, "rows")), 2);
    expect_row(j, "big", 985, 985, "");
    expect_row(j, "six", 6, 6, "");
    assert_true(has_label(j, "Showing top 2 nodes out of 4"));
    json_decref(j);
    hearth_profile_free(p);
}

/* 5.4: the label uses the report total (5), the real cutoff the flat sum (2). */
static void test_cutoff2(void **state)
{
    struct hearth_profile *p = vt_profile(fill_cutoff2);
    struct hearth_query q;
    json_t *j;

    (void)state;
    hearth_query_init(&q);
    j = vt_json(p, &q, TOP);
    assert_int_equal(total_of(j), 1005);
    assert_true(has_label(j, "Dropped 1 node (cum <= 5)"));
    expect_row(j, "four", 4, 4, "");
    assert_null(vt_top_row(j, "one"));
    json_decref(j);
    hearth_profile_free(p);
}

/* 5.2: empty stacks count in the total only; negative values by |v|. */
static void test_totals(void **state)
{
    struct hearth_profile *p = vt_profile(fill_emptystack);
    struct hearth_query q;
    json_t *j;

    (void)state;
    hearth_query_init(&q);
    j = vt_json(p, &q, TOP);
    assert_int_equal(total_of(j), 1004);
    assert_true(has_label(j, "Showing nodes accounting for 504, 50.20% of 1004 total"));
    expect_row(j, "big", 500, 500, "");
    expect_row(j, "main", 0, 504, "");
    json_decref(j);
    /* flame: the root covers only non-empty stacks */
    j = vt_json(p, &q, FLAME);
    flame_invariants(j);
    assert_int_equal(total_of(j), 1004);
    assert_int_equal(farr(j, "total", 0), 504);
    json_decref(j);
    hearth_profile_free(p);

    p = vt_profile(fill_negative);
    j = vt_json(p, &q, TOP);
    assert_int_equal(total_of(j), 1003);
    assert_true(has_label(j, "Showing nodes accounting for 203, 20.24% of 1003 total"));
    expect_row(j, "pos", 600, 600, "");
    expect_row(j, "neg", -400, -400, "");
    expect_row(j, "mid", 0, -400, "");
    expect_row(j, "main", 0, 203, "");
    json_decref(j);
    {
        char *t = top_text(p, &q);
        expect_text(t, "      -400 39.88% 19.94%       -400 39.88%  neg\n");
        free(t);
    }
    j = vt_json(p, &q, FLAME);
    flame_invariants(j);
    assert_int_equal(farr(j, "total", (size_t)fpath(j, "main;mid;neg")), -400);
    json_decref(j);
    hearth_profile_free(p);
}

/* 5.5: |flat| desc, then name; -cum: |cum| desc, then name. */
static void test_sort_ties(void **state)
{
    struct hearth_profile *p = vt_profile(fill_ties);
    struct hearth_query q;
    static const char *const flat[] = {"alpha", "beta", "zeta", "gamma", "main", "mid"};
    static const char *const cum[] = {"main", "mid", "alpha", "beta", "zeta", "gamma"};
    json_t *j;

    (void)state;
    hearth_query_init(&q);
    j = vt_json(p, &q, TOP);
    expect_order(j, flat, 6);
    json_decref(j);
    q.cum_sort = true;
    j = vt_json(p, &q, TOP);
    expect_order(j, cum, 6);
    json_decref(j);
    hearth_profile_free(p);
}

/* 9.3-9.4: focus keeps whole stacks, total unchanged; ignore; hide moves flat. */
static void test_filters(void **state)
{
    struct hearth_profile *p = vt_profile(fill_filters);
    struct hearth_query q;
    json_t *j;

    (void)state;
    hearth_query_init(&q);
    q.focus = "parse";
    j = vt_json(p, &q, TOP);
    assert_int_equal(total_of(j), 1000);
    expect_row(j, "parse", 400, 400, "");
    expect_row(j, "a", 0, 400, "");
    expect_row(j, "main", 0, 400, "");
    assert_null(vt_top_row(j, "b"));
    assert_true(has_label(j, "Active filters:"));
    assert_true(has_label(j, "   focus=parse"));
    json_decref(j);

    hearth_query_init(&q);
    q.ignore = "parse";
    j = vt_json(p, &q, TOP);
    assert_int_equal(total_of(j), 1000);
    expect_row(j, "b", 600, 600, "");
    expect_row(j, "main", 0, 600, "");
    assert_null(vt_top_row(j, "a"));
    json_decref(j);

    hearth_query_init(&q);
    q.hide = "parse";
    j = vt_json(p, &q, TOP);
    assert_int_equal(total_of(j), 1000);
    expect_row(j, "a", 400, 400, "");
    assert_null(vt_top_row(j, "parse"));
    json_decref(j);

    /* a refused regex is a bad request, not a crash */
    {
        struct hearth_stacks *s = (struct hearth_stacks *)&s;
        struct hearth_errmsg em = {{0}};
        hearth_query_init(&q);
        q.focus = "(?=x)";
        assert_int_equal(hearth_stacks_build(p, &q, false, NULL, &s, &em), HEARTH_E_BAD_REQUEST);
        assert_null(s);
        hearth_query_init(&q);
        q.sample_index = "bogus";
        assert_int_equal(hearth_stacks_build(p, &q, false, NULL, &s, &em), HEARTH_E_NOT_FOUND);
        assert_null(s);
    }
    hearth_profile_free(p);
}

/* 8.2: -base, -diff_base, with and without -normalize. */
static struct hearth_profile *diff(enum hearth_diff_mode mode, bool normalize)
{
    return vt_diff(fill_new, fill_base, mode, normalize);
}

static void test_diff_base(void **state)
{
    struct hearth_profile *p = diff(HEARTH_DIFF_BASE, false);
    struct hearth_query q;
    static const char *const order[] = {"b", "a", "c", "main"};
    json_t *j;
    char *t;

    (void)state;
    hearth_query_init(&q);
    q.diff = HEARTH_DIFF_BASE;
    j = vt_json(p, &q, TOP);
    assert_int_equal(total_of(j), 90 * MS);
    expect_row(j, "b", 40 * MS, 40 * MS, "");
    expect_row(j, "a", 30 * MS, 30 * MS, "");
    expect_row(j, "c", -20 * MS, -20 * MS, "");
    expect_row(j, "main", 0, 50 * MS, "");
    expect_order(j, order, 4);
    json_decref(j);
    t = top_text(p, &q);
    expect_text(t, "Duration: 1.50s, Total samples = 90ms ( 6.00%)\n");
    expect_text(t, "Showing nodes accounting for 50ms, 55.56% of 90ms total\n");
    expect_text(t, "     -20ms 22.22% 55.56%      -20ms 22.22%  c\n");
    free(t);
    j = vt_json(p, &q, FLAME);
    flame_invariants(j);
    assert_true(json_is_true(json_object_get(j, "diff")));
    assert_non_null(json_object_get(json_object_get(j, "nodes"), "base_total"));
    json_decref(j);
    hearth_profile_free(p);

    /* -normalize -base: total 40ms (b +20, c -20, a cancels) */
    p = diff(HEARTH_DIFF_BASE, true);
    j = vt_json(p, &q, TOP);
    assert_int_equal(total_of(j), 40 * MS);
    expect_row(j, "b", 20 * MS, 20 * MS, "");
    expect_row(j, "c", -20 * MS, -20 * MS, "");
    assert_null(vt_top_row(j, "a"));
    json_decref(j);
    hearth_profile_free(p);
}

static void test_diff_diff_base(void **state)
{
    struct hearth_profile *p = diff(HEARTH_DIFF_DIFF_BASE, false);
    struct hearth_query q;
    json_t *j;
    char *t;

    (void)state;
    hearth_query_init(&q);
    q.diff = HEARTH_DIFF_DIFF_BASE;
    j = vt_json(p, &q, TOP);
    assert_int_equal(total_of(j), 50 * MS);
    expect_row(j, "b", 40 * MS, 40 * MS, "");
    expect_row(j, "a", 30 * MS, 30 * MS, "");
    expect_row(j, "c", -20 * MS, -20 * MS, "");
    expect_row(j, "main", 0, 50 * MS, "");
    json_decref(j);
    t = top_text(p, &q);
    expect_text(t, "Duration: 1.50s, Total samples = 50ms ( 3.33%)\n");
    expect_text(t, "Showing nodes accounting for 50ms, 100% of 50ms total\n");
    expect_text(t, "      30ms 60.00% 140.00%       30ms 60.00%  a\n");
    free(t);
    j = vt_json(p, &q, FLAME);
    flame_invariants(j);
    assert_true(json_is_true(json_object_get(j, "diff")));
    json_decref(j);
    j = vt_json(p, &q, GRAPH);
    assert_int_equal(total_of(j), 50 * MS);
    json_decref(j);
    hearth_profile_free(p);

    /* -normalize -diff_base: 0 of 50ms; rows b 20ms and c -20ms only */
    p = diff(HEARTH_DIFF_DIFF_BASE, true);
    j = vt_json(p, &q, TOP);
    assert_int_equal(total_of(j), 50 * MS);
    assert_true(has_label(j, "Showing nodes accounting for 0, 0% of 50ms total"));
    assert_int_equal(json_array_size(json_object_get(j, "rows")), 2);
    expect_row(j, "b", 20 * MS, 20 * MS, "");
    expect_row(j, "c", -20 * MS, -20 * MS, "");
    json_decref(j);
    j = vt_json(p, &q, FLAME);
    flame_invariants(j);
    json_decref(j);
    hearth_profile_free(p);
}

static void test_diff_incompatible(void **state)
{
    struct hearth_profile *n = vt_profile(fill_new), *w = vt_profile(fill_wall),
                          *o = vt_profile(fill_one_type);
    struct hearth_profile *m = (struct hearth_profile *)&m;
    struct hearth_errmsg em = {{0}};

    (void)state;
    assert_int_equal(hearth_merge_diff(n, w, HEARTH_DIFF_BASE, false, NULL, &m, &em),
                     HEARTH_E_INCOMPATIBLE);
    assert_null(m);
    assert_true(strlen(em.msg) > 0);
    m = (struct hearth_profile *)&m;
    assert_int_equal(hearth_merge_diff(n, o, HEARTH_DIFF_DIFF_BASE, false, NULL, &m, &em),
                     HEARTH_E_INCOMPATIBLE);
    assert_null(m);
    hearth_profile_free(n);
    hearth_profile_free(w);
    hearth_profile_free(o);
}

/* Flame trimming: small subtrees fold into the parent's self; root total kept. */
static void test_flame_min_fraction(void **state)
{
    struct hearth_profile *p = vt_profile(fill_cutoff);
    struct hearth_query q;
    json_t *f;
    long m;

    (void)state;
    hearth_query_init(&q);
    f = vt_json(p, &q, FLAME);
    flame_invariants(f);
    assert_int_equal(fnodes(f), 6);
    assert_int_equal(farr(f, "total", 0), 1000);
    json_decref(f);

    q.min_fraction = 0.01; /* cut = 10: six, five and four go */
    f = vt_json(p, &q, FLAME);
    flame_invariants(f);
    assert_int_equal(json_integer_value(json_object_get(f, "trimmed")), 3);
    assert_int_equal(fnodes(f), 3);
    assert_int_equal(farr(f, "total", 0), 1000);
    m = fpath(f, "main");
    assert_int_equal(farr(f, "total", (size_t)m), 1000);
    assert_int_equal(farr(f, "self", (size_t)m), 15);
    assert_int_equal(farr(f, "total", (size_t)fpath(f, "main;big")), 985);
    assert_int_equal(fchild(f, m, "six"), -1);
    json_decref(f);

    /* trimming everything below the root still keeps the root's total */
    q.min_fraction = 1;
    f = vt_json(p, &q, FLAME);
    flame_invariants(f);
    assert_int_equal(farr(f, "total", 0), 1000);
    json_decref(f);
    hearth_profile_free(p);

    /* the same on the recursion profile at 0.2: only a;a (30ms of 200) folds */
    p = vt_profile(fill_recursion);
    q.min_fraction = 0.2;
    f = vt_json(p, &q, FLAME);
    flame_invariants(f);
    assert_int_equal(farr(f, "total", 0), 200 * MS);
    assert_int_equal(fchild(f, fpath(f, "main;a"), "a"), -1);
    assert_int_equal(farr(f, "self", (size_t)fpath(f, "main;a")), 30 * MS);
    json_decref(f);
    hearth_profile_free(p);
}

/*
 * trim.pb: main;a;leafNN=5 (100 leaves), main;b;x=400, main;b;y=3, main;c=90,
 * main=7: 1000 in all, and 107 nodes untrimmed.
 */
static void fill_trim(struct pbp *b)
{
    char st[64];
    int i;

    count_header(b);
    for (i = 0; i < 100; i++) {
        snprintf(st, sizeof(st), "main;a;leaf%02d", 99 - i);
        pbp_stack(b, st, 5);
    }
    pbp_stack(b, "main;c", 90);
    pbp_stack(b, "main;b;y", 3);
    pbp_stack(b, "main;b;x", 400);
    pbp_stack(b, "main", 7);
}

/* a 20000-deep chain main;a;a;...;a=1000, plus main;z;q=5, main;z;r=-5 */
static void fill_deep_chain(struct pbp *b)
{
    static uint64_t locs[20001];
    int64_t v = 1000;
    size_t i;

    count_header(b);
    for (i = 0; i < 20000; i++)
        locs[i] = pbp_name_loc(b, "a");
    locs[20000] = pbp_name_loc(b, "main");
    pbp_sample(b, locs, 20001, &v, 1, NULL);
    pbp_stack(b, "main;z;q", 5);
    pbp_stack(b, "main;z;r", -5);
}

static enum hearth_err flame_mf(const struct hearth_profile *p, size_t max_nodes, double mf,
                                json_t **f, struct hearth_errmsg *em)
{
    struct hearth_limits lim = hearth_limits_default();
    struct hearth_query q;
    struct hearth_stacks *s = NULL;
    struct hearth_buf out;
    enum hearth_err e;

    hearth_query_init(&q);
    q.min_fraction = mf;
    lim.max_view_nodes = max_nodes;
    e = hearth_stacks_build(p, &q, false, &lim, &s, em);
    if (e)
        return e;
    hearth_buf_init(&out, 1 << 26);
    e = hearth_flame_render(s, &q, &out, em);
    if (!e && f) {
        json_error_t je;
        *f = json_loadb(out.ptr, out.len, 0, &je);
        assert_non_null(*f);
    }
    hearth_buf_release(&out);
    hearth_stacks_free(s);
    return e;
}

/* Pre-order (a node's parent is on the path to the previous node), siblings by name. */
static void flame_order(json_t *f)
{
    json_t *strings = json_object_get(f, "strings");
    size_t n = fnodes(f), i;
    long *last = calloc(n + 1, sizeof(*last)); /* last child seen of each node, or 0 */

    assert_non_null(last);
    for (i = 1; i < n; i++) {
        long par = (long)farr(f, "parent", i), a = (long)i - 1;
        while (a > par)
            a = (long)farr(f, "parent", (size_t)a);
        if (a != par)
            fail_msg("flame node %zu: parent %ld not on the path to node %zu", i, par, i - 1);
        if (last[par] &&
            strcmp(json_string_value(json_array_get(strings, (size_t)farr(f, "name", last[par]))),
                   json_string_value(json_array_get(strings, (size_t)farr(f, "name", i)))) >= 0)
            fail_msg("flame node %zu: siblings out of name order", i);
        last[par] = (long)i;
    }
    free(last);
}

/*
 * The tree is built trim-aware: trimmed subtrees are never made, their
 * totals are in the parent's self, the order is the untrimmed tree's, and
 * max_view_nodes counts the nodes that survive the trim.
 */
static void test_flame_trim_aware(void **state)
{
    struct hearth_profile *p = vt_profile(fill_trim);
    struct hearth_profile *d = vt_profile(fill_deep_chain);
    struct hearth_errmsg em = {{0}};
    static const char *const names[] = {"root", "main", "a", "b", "x", "c"};
    static const int64_t self[] = {0, 7, 500, 3, 400, 90},
                         total[] = {1000, 1000, 500, 403, 400, 90};
    json_t *f = NULL, *strings;
    size_t i;
    long a;

    (void)state;
    /* mf=0.01 (cut 10): every leaf of a (5) and b;y (3) fold, 101 subtrees */
    assert_int_equal(flame_mf(p, 0, 0.01, &f, &em), HEARTH_OK);
    flame_invariants(f);
    flame_order(f);
    strings = json_object_get(f, "strings");
    assert_int_equal(fnodes(f), 6);
    assert_int_equal(json_integer_value(json_object_get(f, "trimmed")), 101);
    for (i = 0; i < 6; i++) {
        assert_string_equal(json_string_value(json_array_get(strings, (size_t)farr(f, "name", i))),
                            names[i]);
        assert_int_equal(farr(f, "self", i), self[i]);
        assert_int_equal(farr(f, "total", i), total[i]);
    }
    assert_int_equal(farr(f, "parent", 4), 3);
    assert_int_equal(farr(f, "parent", 5), 1);
    json_decref(f);
    /* the budget counts the 6 surviving nodes, not the 107 of the whole tree */
    assert_int_equal(flame_mf(p, 6, 0.01, NULL, &em), HEARTH_OK);
    assert_int_equal(flame_mf(p, 5, 0.01, NULL, &em), HEARTH_E_TOO_LARGE);
    assert_non_null(strstr(em.msg, "max_view_nodes"));
    /* mf=0: nothing trimmed, the whole tree counts; leaves in name order */
    assert_int_equal(flame_mf(p, 107, 0, &f, &em), HEARTH_OK);
    flame_invariants(f);
    flame_order(f);
    assert_int_equal(fnodes(f), 107);
    assert_int_equal(json_integer_value(json_object_get(f, "trimmed")), 0);
    a = fpath(f, "main;a");
    assert_int_equal(farr(f, "self", (size_t)a), 0);
    assert_int_equal(fchildren(f, a), 100);
    assert_int_equal(fpath(f, "main;a;leaf00"), a + 1);
    assert_int_equal(fpath(f, "main;a;leaf99"), a + 100);
    json_decref(f);
    assert_int_equal(flame_mf(p, 106, 0, NULL, &em), HEARTH_E_TOO_LARGE);

    /*
     * A 20000-deep chain is walked without recursion; z (total 0 of a
     * non-zero subtree) is trimmed at mf=0.01 and kept at mf=0.
     */
    assert_int_equal(flame_mf(d, 0, 0.01, &f, &em), HEARTH_OK);
    flame_invariants(f);
    assert_int_equal(fnodes(f), 20002);
    assert_int_equal(json_integer_value(json_object_get(f, "trimmed")), 1);
    assert_int_equal(farr(f, "total", 20001), 1000);
    assert_int_equal(farr(f, "self", 20001), 1000);
    assert_int_equal(farr(f, "parent", 20001), 20000);
    json_decref(f);
    assert_int_equal(flame_mf(d, 20002, 0.01, NULL, &em), HEARTH_OK);
    assert_int_equal(flame_mf(d, 20001, 0.01, NULL, &em), HEARTH_E_TOO_LARGE);
    assert_int_equal(flame_mf(d, 0, 0, &f, &em), HEARTH_OK);
    flame_invariants(f);
    flame_order(f);
    assert_int_equal(fnodes(f), 20005);
    assert_int_equal(farr(f, "total", (size_t)fpath(f, "main;z")), 0);
    assert_int_equal(farr(f, "total", (size_t)fpath(f, "main;z;r")), -5);
    json_decref(f);
    hearth_profile_free(p);
    hearth_profile_free(d);
}

/* The output cap: a view larger than the buffer's max fails cleanly. */
static void test_output_cap(void **state)
{
    struct hearth_profile *p = vt_profile(fill_recursion);
    struct hearth_stacks *s = NULL;
    struct hearth_query q;
    struct hearth_buf out;
    struct hearth_errmsg em = {{0}};

    (void)state;
    hearth_query_init(&q);
    assert_int_equal(hearth_stacks_build(p, &q, true, NULL, &s, &em), HEARTH_OK);
    hearth_buf_init(&out, 64);
    assert_int_equal(hearth_top_render(s, &q, true, &out, &em), HEARTH_E_TOO_LARGE);
    hearth_buf_release(&out);
    hearth_buf_init(&out, 64);
    assert_int_equal(hearth_flame_render(s, &q, &out, &em), HEARTH_E_TOO_LARGE);
    hearth_buf_release(&out);
    hearth_buf_init(&out, 64);
    assert_int_equal(hearth_callgraph_render(s, &q, false, &out, &em), HEARTH_E_TOO_LARGE);
    hearth_buf_release(&out);
    hearth_buf_init(&out, 64);
    assert_int_equal(hearth_callgraph_render(s, &q, true, &out, &em), HEARTH_E_TOO_LARGE);
    hearth_buf_release(&out);
    hearth_stacks_free(s);
    hearth_profile_free(p);
}

/* 9.8: drop `runtime\..*|malloc`, keep `runtime\.keep` (the profile's own fields). */
static void fill_drop_frames(struct pbp *b)
{
    count_header(b);
    pbw_int(&b->hdr, 7, pbp_s(b, "runtime\\..*|malloc"));
    pbw_int(&b->hdr, 8, pbp_s(b, "runtime\\.keep"));
    pbp_stack(b, "main;alloc;runtime.mallocgc;runtime.nextFree", 10);
    pbp_stack(b, "runtime.goexit;runtime.main;main;work", 20);
    pbp_stack(b, "main;mymalloc", 30);
    pbp_stack(b, "main;alloc;runtime.keep;leaf", 40);
}

static void test_drop_frames(void **state)
{
    struct hearth_profile *p = vt_profile(fill_drop_frames);
    struct hearth_query q;
    json_t *j;

    (void)state;
    hearth_query_init(&q);
    j = vt_json(p, &q, TOP);
    assert_int_equal(total_of(j), 100);
    expect_row(j, "alloc", 10, 50, ""); /* the pruned sample's value lands on alloc */
    expect_row(j, "work", 20, 20, "");
    expect_row(j, "mymalloc", 30, 30, ""); /* anchored: mymalloc is not malloc */
    expect_row(j, "leaf", 40, 40, "");
    expect_row(j, "runtime.keep", 0, 40, "");
    expect_row(j, "runtime.goexit", 0, 20, ""); /* an all-runtime root stays */
    assert_null(vt_top_row(j, "runtime.mallocgc"));
    assert_null(vt_top_row(j, "runtime.nextFree"));
    json_decref(j);
    hearth_profile_free(p);
}

/*
 * drop_frames is a regex chosen by whoever wrote the profile (threats.md 3.1:
 * "Regexes from the profile ... unit test with a catastrophic pattern").
 * regex.h promises "a hostile pattern cannot hang the server", yet the
 * backtracking limit is per match and the pattern is matched once per line,
 * so the cost is limit x lines.
 * Regression (fixed): 2,000 functions with drop_frames = (x+x+)+y take
 * ~2 ms each (~4 s per view); 100,000 (an ~8 MB profile, far less gzipped)
 * take minutes per request. There is no overall budget.
 */
static void fill_catastrophic(struct pbp *b)
{
    char st[96];
    int i;

    count_header(b);
    pbw_int(&b->hdr, 7, pbp_s(b, "(x+x+)+y"));
    for (i = 0; i < 2000; i++) {
        snprintf(st, sizeof(st), "main;xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx%dy", i);
        pbp_stack(b, st, 1);
    }
}

static void test_drop_frames_catastrophic(void **state)
{
    struct hearth_profile *p = vt_profile(fill_catastrophic);
    struct hearth_stacks *s = NULL;
    struct hearth_query q;
    struct hearth_errmsg em = {{0}};
    struct timespec t0, t1;
    enum hearth_err e;
    double dt;

    (void)state;
    hearth_query_init(&q);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    e = hearth_stacks_build(p, &q, false, NULL, &s, &em);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    dt = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    hearth_stacks_free(s);
    hearth_profile_free(p);
    print_message("drop_frames (x+x+)+y over 2000 functions: %s in %.2f s\n", hearth_err_name(e),
                  dt);
    /* either answer is fine (an error, or the stacks), but quickly */
    if (dt > 1.0)
        fail_msg("stacks_build took %.2f s for 2000 functions (ENGINE BUG: no total budget "
                 "for the profile's drop_frames regex)",
                 dt);
}

/*
 * views.h: "safe to call concurrently on the same stacks". Threads render
 * views of two profiles at once (two threads per profile); each output must
 * equal its single-threaded reference. The threads run in a forked child
 * so that a crash fails only that test.
 * Regression (fixed): flame.c sorts siblings through a file-static
 * pointer (`sort_t`), and graph.c sorts nodes through file-statics
 * (`sort_b`, `sort_mode`, `esort_b`), so concurrent renders compare entries
 * of another thread's tree or graph: wrong order, or a crash
 * (heap-use-after-free / SIGSEGV in child_cmp under qsort).
 */
#define CONC_ROUNDS  200
#define CONC_THREADS 4

struct conc_job {
    pthread_barrier_t *start;
    const struct hearth_stacks *s;
    enum view v;
    bool cum;
    char *ref;
    size_t reflen;
    int mismatches;
};

/* A rendering without cmocka (its asserts are not thread-safe); NULL on error. */
static char *view_text(const struct hearth_stacks *s, enum view v, bool cum, size_t *len)
{
    struct hearth_query q;
    struct hearth_buf out;
    struct hearth_errmsg em = {{0}};
    enum hearth_err e;

    hearth_query_init(&q);
    q.cum_sort = cum;
    /* no trimming: every node is sorted, so sorting dominates the render */
    q.nodefraction = 0;
    q.edgefraction = 0;
    q.nodecount = 0;
    hearth_buf_init(&out, 1 << 26);
    if (v == FLAME)
        e = hearth_flame_render(s, &q, &out, &em);
    else if (v == TOP)
        e = hearth_top_render(s, &q, true, &out, &em);
    else
        e = hearth_callgraph_render(s, &q, false, &out, &em);
    if (e != HEARTH_OK) {
        hearth_buf_release(&out);
        *len = 0;
        return NULL;
    }
    return hearth_buf_detach(&out, len);
}

static void *conc_worker(void *arg)
{
    struct conc_job *j = arg;
    int k;

    pthread_barrier_wait(j->start);
    for (k = 0; k < CONC_ROUNDS; k++) {
        size_t n = 0;
        char *o = view_text(j->s, j->v, j->cum, &n);
        if (!o || n != j->reflen || memcmp(o, j->ref, n))
            j->mismatches++;
        free(o);
    }
    return NULL;
}

static struct hearth_profile *wide_profile(int seed)
{
    struct pbp b;
    struct pbw w;
    struct hearth_profile *p = NULL;
    struct hearth_errmsg em = {{0}};
    char st[64];
    int i;

    pbp_init(&b, 0);
    pbw_init(&w);
    count_header(&b);
    /* many siblings, so that sorting them is a large part of each render */
    for (i = 0; i < 4000; i++) {
        snprintf(st, sizeof(st), "main;p%d_%d", seed, (i * 7919) % 4000);
        pbp_stack(&b, st, seed ? (i * 31) % 89 + 1 : i % 97 + 1);
    }
    assert_true(pbp_finish(&b, &w));
    if (hearth_profile_decode(w.p, w.len, NULL, &p, &em) != HEARTH_OK)
        fail_msg("decode: %s", em.msg);
    pbw_release(&w);
    pbp_release(&b);
    return p;
}

/* Run CONC_THREADS jobs (views[i], cum[i]) on profile i % 2; return the mismatches. */
static int run_concurrent(const enum view *views, const bool *cum)
{
    struct hearth_profile *p[2];
    struct hearth_stacks *s[2];
    struct conc_job job[CONC_THREADS];
    pthread_barrier_t start;
    pthread_t t[CONC_THREADS];
    struct hearth_query q;
    struct hearth_errmsg em = {{0}};
    int i, bad = 0;

    hearth_query_init(&q);
    for (i = 0; i < 2; i++) {
        p[i] = wide_profile(i);
        s[i] = NULL;
        assert_int_equal(hearth_stacks_build(p[i], &q, true, NULL, &s[i], &em), HEARTH_OK);
        /*
         * The view deadline (max_view_ms from the build) is one request's; these
         * stacks serve 800 renders, which under a sanitizer on a loaded machine
         * outlast it and would fail as "too slow", not as a race.
         */
        s[i]->deadline_ms = 0;
    }
    for (i = 0; i < CONC_THREADS; i++) {
        job[i].start = &start;
        job[i].s = s[i % 2];
        job[i].v = views[i];
        job[i].cum = cum[i];
        job[i].mismatches = 0;
        job[i].ref = view_text(job[i].s, job[i].v, job[i].cum, &job[i].reflen);
        assert_non_null(job[i].ref);
    }
    assert_int_equal(pthread_barrier_init(&start, NULL, CONC_THREADS), 0);
    for (i = 0; i < CONC_THREADS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, conc_worker, &job[i]), 0);
    for (i = 0; i < CONC_THREADS; i++)
        pthread_join(t[i], NULL);
    pthread_barrier_destroy(&start);
    for (i = 0; i < CONC_THREADS; i++) {
        bad += job[i].mismatches;
        free(job[i].ref);
    }
    for (i = 0; i < 2; i++) {
        hearth_stacks_free(s[i]);
        hearth_profile_free(p[i]);
    }
    return bad;
}

/*
 * Run the jobs in a child process, so that a crash is reported as this
 * test's failure and the remaining tests still run. Returns a message or NULL.
 */
static const char *concurrent_in_child(const enum view *views, const bool *cum)
{
    int status = 0;
    pid_t pid;

    fflush(NULL);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int n = run_concurrent(views, cum);
        if (n)
            fprintf(stderr, "%d of %d renders differ\n", n, CONC_THREADS * CONC_ROUNDS);
        _exit(n ? 3 : 0); /* anything else is a crash (signal, sanitizer exit 1) */
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return NULL;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 3)
        return "differ from the single-threaded reference";
    return "crashed";
}

static void test_top_graph_concurrent(void **state)
{
    const enum view views[CONC_THREADS] = {TOP, TOP, GRAPH, TOP};
    const bool cum[CONC_THREADS] = {false, true, false, false};
    const char *why;

    (void)state;
    why = concurrent_in_child(views, cum);
    if (why)
        fail_msg("concurrent top/graph renders %s "
                 "(ENGINE BUG: static sort_b/sort_mode/esort_b in graph.c)",
                 why);
}

static void test_flame_concurrent(void **state)
{
    const enum view views[CONC_THREADS] = {FLAME, FLAME, FLAME, FLAME};
    const bool cum[CONC_THREADS] = {false, false, false, false};
    const char *why;

    (void)state;
    why = concurrent_in_child(views, cum);
    if (why)
        fail_msg("concurrent flame renders %s (ENGINE BUG: static sort_t in flame.c)", why);
}

/* ---- budgets (limits.h: max_view_*) ---- */

/* 1,200 distinct stacks: enough for the deadline checks (every 1,024 stacks) */
static void fill_many(struct pbp *b)
{
    char st[64];
    int i;

    cpu_header(b);
    for (i = 0; i < 1200; i++) {
        snprintf(st, sizeof(st), "main;f%d;g", i);
        cpu_stack(b, st, 10);
    }
}

static enum hearth_err flame_with(const struct hearth_profile *p, struct hearth_limits *lim,
                                  bool late, struct hearth_errmsg *em)
{
    struct hearth_query q;
    struct hearth_stacks *s = NULL;
    struct hearth_buf out;
    enum hearth_err e;

    hearth_query_init(&q);
    e = hearth_stacks_build(p, &q, false, lim, &s, em);
    if (e)
        return e;
    if (late)
        s->deadline_ms = 1; /* long past */
    hearth_buf_init(&out, 1 << 24);
    e = hearth_flame_render(s, &q, &out, em);
    hearth_buf_release(&out);
    hearth_stacks_free(s);
    return e;
}

static void test_view_budgets(void **state)
{
    struct hearth_profile *p = vt_profile(fill_recursion);
    struct hearth_profile *m = vt_profile(fill_many);
    struct hearth_limits lim = hearth_limits_default();
    struct hearth_errmsg em = {{0}};
    struct hearth_query q;
    json_t *f;
    size_t nodes;

    (void)state;
    hearth_query_init(&q);
    f = vt_json(p, &q, FLAME);
    nodes = fnodes(f); /* no trimming here: the tree as built */
    json_decref(f);
    /* exactly the budget passes; one node less is refused with the limit's name */
    lim.max_view_nodes = nodes;
    assert_int_equal(flame_with(p, &lim, false, &em), HEARTH_OK);
    lim.max_view_nodes = nodes - 1;
    assert_int_equal(flame_with(p, &lim, false, &em), HEARTH_E_TOO_LARGE);
    assert_non_null(strstr(em.msg, "max_view_nodes"));
    /* frames of the distinct stacks: main;a;b;a;c + main;a;b + main;a;a;a + main = 13 */
    lim = hearth_limits_default();
    lim.max_view_frames = 13;
    assert_int_equal(flame_with(p, &lim, false, &em), HEARTH_OK);
    lim.max_view_frames = 12;
    assert_int_equal(flame_with(p, &lim, false, &em), HEARTH_E_TOO_LARGE);
    assert_non_null(strstr(em.msg, "max_view_frames"));
    /* a passed deadline stops the flame graph with a message, not a partial tree */
    lim = hearth_limits_default();
    assert_int_equal(flame_with(m, &lim, false, &em), HEARTH_OK);
    assert_int_equal(flame_with(m, &lim, true, &em), HEARTH_E_TOO_LARGE);
    assert_non_null(strstr(em.msg, "max_view_ms"));
    /* 0 means no limit */
    lim.max_view_nodes = lim.max_view_frames = lim.max_view_ms = 0;
    assert_int_equal(flame_with(m, &lim, false, &em), HEARTH_OK);
    hearth_profile_free(p);
    hearth_profile_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_recursion_top),
        cmocka_unit_test(test_recursion_graph),
        cmocka_unit_test(test_recursion_flame),
        cmocka_unit_test(test_inline),
        cmocka_unit_test(test_cutoff),
        cmocka_unit_test(test_cutoff2),
        cmocka_unit_test(test_totals),
        cmocka_unit_test(test_sort_ties),
        cmocka_unit_test(test_filters),
        cmocka_unit_test(test_diff_base),
        cmocka_unit_test(test_diff_diff_base),
        cmocka_unit_test(test_diff_incompatible),
        cmocka_unit_test(test_flame_min_fraction),
        cmocka_unit_test(test_flame_trim_aware),
        cmocka_unit_test(test_output_cap),
        cmocka_unit_test(test_drop_frames),
        cmocka_unit_test(test_drop_frames_catastrophic),
        /* known races (ENGINE BUG); each runs in a child process */
        cmocka_unit_test(test_top_graph_concurrent),
        cmocka_unit_test(test_flame_concurrent),
        cmocka_unit_test(test_view_budgets),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
