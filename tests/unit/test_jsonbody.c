/*
 * test_jsonbody.c - depth-checked JSON bodies: the scan ignores brackets in
 * strings and escapes, the limit is exact, 10,000 levels are refused
 * without recursion on a 100 KB stack (civetweb's), and what passes is an
 * object parsed with duplicate keys refused.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hearth/jsonbody.h"

static void test_depth_scan(void **state)
{
    (void)state;
    assert_int_equal(hearth_jsonbody_depth("1", 1), 0);
    assert_int_equal(hearth_jsonbody_depth("{}", 2), 1);
    assert_int_equal(hearth_jsonbody_depth("{\"a\":[1,{\"b\":[]}]}", 18), 4);
    /* brackets inside strings, escaped quotes included, are text */
    assert_int_equal(hearth_jsonbody_depth("{\"a\":\"[[[\\\"{{{\"}", 15), 1);
    /* closing brackets never go below zero */
    assert_int_equal(hearth_jsonbody_depth("]]]{", 4), 1);
}

static char *nested(size_t levels)
{
    char *s = malloc(2 * levels + 1);

    memset(s, '[', levels);
    memset(s + levels, ']', levels);
    s[2 * levels] = '\0';
    return s;
}

static void test_limit_exact(void **state)
{
    struct hearth_errmsg em = {{0}};
    json_t *root = NULL;
    char body[64];

    (void)state;
    /* an object holding 15 nested arrays: 16 levels in all */
    snprintf(body, sizeof(body), "{\"a\":%s}", "[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]");
    assert_int_equal(hearth_jsonbody_parse(body, strlen(body), 16, &root, &em), HEARTH_OK);
    assert_true(json_is_object(root));
    json_decref(root);
    snprintf(body, sizeof(body), "{\"a\":%s}", "[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]");
    assert_int_equal(hearth_jsonbody_parse(body, strlen(body), 16, &root, &em),
                     HEARTH_E_BAD_REQUEST);
    assert_null(root);
    assert_non_null(strstr(em.msg, "17 levels"));
}

static void test_not_object_or_bad(void **state)
{
    struct hearth_errmsg em = {{0}};
    json_t *root = NULL;

    (void)state;
    assert_int_equal(hearth_jsonbody_parse("[1]", 3, 16, &root, &em), HEARTH_E_BAD_REQUEST);
    assert_int_equal(hearth_jsonbody_parse("{\"a\":1,\"a\":2}", 13, 16, &root, &em),
                     HEARTH_E_BAD_REQUEST);
    assert_int_equal(hearth_jsonbody_parse("{\"a\":", 5, 16, &root, &em), HEARTH_E_BAD_REQUEST);
    /* the message never quotes the body */
    assert_int_equal(hearth_jsonbody_parse("{\"secret\" x}", 12, 16, &root, &em),
                     HEARTH_E_BAD_REQUEST);
    assert_null(strstr(em.msg, "secret"));
    assert_null(root);
}

static void *deep_on_small_stack(void *arg)
{
    struct hearth_errmsg em = {{0}};
    json_t *root = NULL;
    char *s = nested(10000);
    enum hearth_err e = hearth_jsonbody_parse(s, strlen(s), 16, &root, &em);

    free(s);
    *(enum hearth_err *)arg = e;
    return NULL;
}

static void test_deep_small_stack(void **state)
{
    pthread_attr_t attr;
    pthread_t t;
    enum hearth_err e = HEARTH_OK;

    (void)state;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 100 * 1024); /* civetweb's worker stacks */
    assert_int_equal(pthread_create(&t, &attr, deep_on_small_stack, &e), 0);
    pthread_join(t, NULL);
    pthread_attr_destroy(&attr);
    assert_int_equal(e, HEARTH_E_BAD_REQUEST);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_depth_scan),
        cmocka_unit_test(test_limit_exact),
        cmocka_unit_test(test_not_object_or_bad),
        cmocka_unit_test(test_deep_small_stack),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
