/*
 * test_sandwich.c - the sandwich (callers/callees of a function) and peek
 * views of sandwich.h on small profiles with recursion, several pivots by
 * regex, no match and bad regexes. The same numbers are checked against
 * pprof on real profiles by tests/http/sandwich_test.py.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

#include "hearth/buf.h"
#include "hearth/query.h"
#include "hearth/sandwich.h"
#include "hearth/stacks.h"
#include "pbw.h"
#include "viewtest.h"

/* main;a;b;a;c=10 main;a=5 x;b=3 (one sample type, counts) */
static void fill(struct pbp *b)
{
    pbp_sample_type(b, "samples", "count");
    pbp_mapping(b, "/bin/app");
    pbp_stack(b, "main;a;b;a;c", 10);
    pbp_stack(b, "main;a", 5);
    pbp_stack(b, "x;b", 3);
}

/* Render one of the two views; NULL json when it failed (*err set). */
static json_t *render(bool peek, const char *arg, enum hearth_err *err)
{
    struct hearth_profile *p = vt_profile(fill);
    struct hearth_query q;
    struct hearth_stacks *s = NULL;
    struct hearth_errmsg em = {{0}};
    struct hearth_buf out;
    json_t *j = NULL;

    hearth_query_init(&q);
    hearth_buf_init(&out, 1 << 20);
    assert_int_equal(hearth_stacks_build(p, &q, false, NULL, &s, &em), HEARTH_OK);
    *err = peek ? hearth_peek_render(s, &q, arg, &out, &em)
                : hearth_sandwich_render(s, &q, arg, &out, &em);
    if (*err == HEARTH_OK) {
        j = json_loads(out.ptr, 0, NULL);
        assert_non_null(j);
    } else {
        assert_true(em.msg[0] != '\0');
    }
    hearth_buf_release(&out);
    hearth_stacks_free(s);
    hearth_profile_free(p);
    return j;
}

/* The leaf paths of a flame tree below its root, as "a;main=15 ..." sorted by node order. */
static void paths(json_t *t, char *buf, size_t cap)
{
    json_t *nd = json_object_get(t, "nodes"), *strs = json_object_get(t, "strings");
    json_t *name = json_object_get(nd, "name"), *par = json_object_get(nd, "parent");
    json_t *self = json_object_get(nd, "self");
    size_t n = json_array_size(name), i, len = 0;
    char path[64][256];

    assert_true(n <= 64);
    buf[0] = '\0';
    for (i = 1; i < n; i++) {
        json_int_t p = json_integer_value(json_array_get(par, i));
        const char *nm = json_string_value(
            json_array_get(strs, (size_t)json_integer_value(json_array_get(name, i))));
        if (p == 0)
            snprintf(path[i], sizeof(path[i]), "%s", nm);
        else
            snprintf(path[i], sizeof(path[i]), "%s;%s", path[p], nm);
        if (json_integer_value(json_array_get(self, i)))
            len += (size_t)snprintf(buf + len, cap - len, "%s%s=%lld", len ? " " : "", path[i],
                                    (long long)json_integer_value(json_array_get(self, i)));
    }
}

static void test_recursion(void **state)
{
    enum hearth_err e;
    json_t *j = render(false, "a", &e);
    char buf[1024];

    (void)state;
    assert_int_equal(e, HEARTH_OK);
    assert_int_equal(json_integer_value(json_object_get(j, "cum")), 15); /* once per stack */
    assert_int_equal(json_integer_value(json_object_get(j, "flat")), 5);
    assert_string_equal(json_string_value(json_array_get(json_object_get(j, "matched"), 0)), "a");
    /* cut at the outermost a: callers main only, the inner a is a callee */
    paths(json_object_get(j, "callers"), buf, sizeof(buf));
    assert_string_equal(buf, "a;main=15");
    paths(json_object_get(j, "callees"), buf, sizeof(buf));
    assert_string_equal(buf, "a=5 a;b;a;c=10");
    json_decref(j);

    j = render(false, "b", &e);
    assert_int_equal(json_integer_value(json_object_get(j, "cum")), 13);
    assert_int_equal(json_integer_value(json_object_get(j, "flat")), 3);
    paths(json_object_get(j, "callers"), buf, sizeof(buf));
    assert_string_equal(buf, "b;a;main=10 b;x=3");
    paths(json_object_get(j, "callees"), buf, sizeof(buf));
    assert_string_equal(buf, "b=3 b;a;c=10");
    json_decref(j);
}

static void test_regex_and_errors(void **state)
{
    enum hearth_err e;
    json_t *j = render(false, "^[ab]$", &e);
    char buf[1024];

    (void)state;
    assert_int_equal(e, HEARTH_OK);
    assert_int_equal(json_array_size(json_object_get(j, "matched")), 2);
    assert_int_equal(json_integer_value(json_object_get(j, "cum")), 18);
    assert_int_equal(json_integer_value(json_object_get(j, "flat")), 8);
    paths(json_object_get(j, "callers"), buf, sizeof(buf));
    assert_string_equal(buf, "a;main=15 b;x=3");
    json_decref(j);

    j = render(false, "zzz", &e);
    assert_int_equal(e, HEARTH_OK);
    assert_int_equal(json_array_size(json_object_get(j, "matched")), 0);
    assert_int_equal(json_integer_value(json_object_get(j, "cum")), 0);
    assert_int_equal(json_array_size(json_object_get(
                         json_object_get(json_object_get(j, "callers"), "nodes"), "name")),
                     1);
    json_decref(j);

    assert_null(render(false, "a((", &e));
    assert_int_equal(e, HEARTH_E_BAD_REQUEST);
    assert_null(render(true, "a((", &e));
    assert_int_equal(e, HEARTH_E_BAD_REQUEST);
}

static void test_peek(void **state)
{
    enum hearth_err e;
    json_t *j = render(true, "^a$", &e), *n, *c;

    (void)state;
    assert_int_equal(e, HEARTH_OK);
    assert_int_equal(json_array_size(json_object_get(j, "nodes")), 1);
    n = json_array_get(json_object_get(j, "nodes"), 0);
    assert_int_equal(json_integer_value(json_object_get(n, "flat")), 5);
    assert_int_equal(json_integer_value(json_object_get(n, "cum")), 15);
    assert_int_equal(json_integer_value(json_object_get(n, "sum")), 5);
    /* callers: main 15, b 10 (|weight| desc); callees: b 10, c 10 (then by name) */
    c = json_object_get(n, "callers");
    assert_int_equal(json_array_size(c), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(c, 0), "name")), "main");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(c, 0), "weight")), 15);
    assert_string_equal(json_string_value(json_object_get(json_array_get(c, 1), "name")), "b");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(c, 1), "weight")), 10);
    c = json_object_get(n, "callees");
    assert_int_equal(json_array_size(c), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(c, 0), "name")), "b");
    assert_string_equal(json_string_value(json_object_get(json_array_get(c, 1), "name")), "c");
    json_decref(j);

    /* several nodes: flat order, running sum */
    j = render(true, ".", &e);
    assert_int_equal(json_array_size(json_object_get(j, "nodes")), 5);
    n = json_array_get(json_object_get(j, "nodes"), 4);
    assert_int_equal(json_integer_value(json_object_get(n, "sum")), 18);
    json_decref(j);
    j = render(true, "^nothing$", &e);
    assert_int_equal(e, HEARTH_OK);
    assert_int_equal(json_array_size(json_object_get(j, "nodes")), 0);
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_recursion),
        cmocka_unit_test(test_regex_and_errors),
        cmocka_unit_test(test_peek),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
