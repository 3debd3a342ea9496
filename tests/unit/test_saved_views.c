/*
 * test_saved_views.c - saved view rows (saved_views.h) in a store in a
 * fresh temporary directory: create/get/list (by name, valid JSON), a taken
 * name and a full store refused with CONFLICT and nothing stored, delete
 * tokens (missing, wrong, another view's), unknown and malformed ids, a
 * store reopened keeps them, threads racing for one name (exactly one
 * wins) and for the last places (never more than the limit); and
 * hearth_stacks_check_query(), which decides what may be stored.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>

#include <cmocka.h>
#include <jansson.h>

#include "hearth/buf.h"
#include "hearth/query.h"
#include "hearth/saved_views.h"
#include "hearth/stacks.h"
#include "hearth/store.h"
#include "teststore.h"
#include "tmpdir.h"

struct fx {
    char *dir;
    struct hearth_store *st;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    struct hearth_errmsg em;

    if (!f)
        return -1;
    f->dir = tmpdir_make("saved");
    if (!f->dir || teststore_open(f->dir, &f->st, &em) != HEARTH_OK)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;

    hearth_store_close(f->st);
    tmpdir_remove(f->dir);
    free(f);
    return 0;
}

static enum hearth_err create(struct fx *f, const char *name, const char *params, int max,
                              char id[HEARTH_ID_LEN + 1], char tok[HEARTH_TOKEN_LEN + 1])
{
    struct hearth_errmsg em = {{0}};
    char i2[HEARTH_ID_LEN + 1], t2[HEARTH_TOKEN_LEN + 1];
    int64_t created = 0;
    enum hearth_err e;

    e = hearth_saved_view_create(f->st, name, params, max, id ? id : i2, tok ? tok : t2, &created,
                                 &em);
    if (e)
        assert_true(strlen(em.msg) > 0);
    else
        assert_true(created > 0);
    return e;
}

/* The list as a jansson array (fails the test if it is not valid JSON). */
static json_t *list(struct fx *f)
{
    struct hearth_errmsg em = {{0}};
    struct hearth_buf b;
    json_t *j;

    hearth_buf_init(&b, 1 << 20);
    assert_int_equal(hearth_saved_view_list(f->st, 1000, &b, &em), HEARTH_OK);
    j = json_loadb(b.ptr, b.len, 0, NULL);
    hearth_buf_release(&b);
    assert_non_null(j);
    assert_true(json_is_array(j));
    return j;
}

static void test_create_get_list(void **state)
{
    struct fx *f = *state;
    struct hearth_errmsg em = {{0}};
    struct hearth_saved_view v;
    char id[HEARTH_ID_LEN + 1], tok[HEARTH_TOKEN_LEN + 1];
    json_t *l;

    assert_int_equal(create(f, "zeta", "{\"f\":\"main\"}", 10, id, tok), HEARTH_OK);
    assert_int_equal(create(f, "alpha", "{}", 10, NULL, NULL), HEARTH_OK);
    assert_int_equal(hearth_saved_view_get(f->st, id, &v, &em), HEARTH_OK);
    assert_string_equal(v.id, id);
    assert_string_equal(v.name, "zeta");
    assert_string_equal(v.params_json, "{\"f\":\"main\"}");
    hearth_saved_view_release(&v);
    l = list(f);
    assert_int_equal(json_array_size(l), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(l, 0), "name")), "alpha");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(json_array_get(l, 1), "params"), "f")),
        "main");
    json_decref(l);
    assert_int_equal(hearth_saved_view_get(f->st, "AAAAAAAAAAAAAAAAAAAAAAAAAAA", &v, &em),
                     HEARTH_E_NOT_FOUND);
    assert_int_equal(hearth_saved_view_get(f->st, "../x", &v, &em), HEARTH_E_NOT_FOUND);
}

static void test_refusals_store_nothing(void **state)
{
    struct fx *f = *state;
    json_t *l;

    assert_int_equal(create(f, "one", "{}", 2, NULL, NULL), HEARTH_OK);
    assert_int_equal(create(f, "one", "{\"f\":\"x\"}", 2, NULL, NULL), HEARTH_E_CONFLICT);
    assert_int_equal(create(f, "two", "{}", 2, NULL, NULL), HEARTH_OK);
    assert_int_equal(create(f, "three", "{}", 2, NULL, NULL), HEARTH_E_CONFLICT);
    l = list(f);
    assert_int_equal(json_array_size(l), 2);
    json_decref(l);
}

static void test_delete_and_reopen(void **state)
{
    struct fx *f = *state;
    struct hearth_errmsg em = {{0}};
    struct hearth_saved_view v;
    char a[HEARTH_ID_LEN + 1], ta[HEARTH_TOKEN_LEN + 1], b[HEARTH_ID_LEN + 1],
        tb[HEARTH_TOKEN_LEN + 1];

    assert_int_equal(create(f, "a", "{}", 10, a, ta), HEARTH_OK);
    assert_int_equal(create(f, "b", "{}", 10, b, tb), HEARTH_OK);
    assert_int_equal(hearth_saved_view_delete(f->st, a, NULL, &em), HEARTH_E_FORBIDDEN);
    assert_int_equal(hearth_saved_view_delete(f->st, a, "", &em), HEARTH_E_FORBIDDEN);
    assert_int_equal(hearth_saved_view_delete(f->st, a, "wrong", &em), HEARTH_E_FORBIDDEN);
    assert_int_equal(hearth_saved_view_delete(f->st, a, tb, &em), HEARTH_E_FORBIDDEN);
    assert_int_equal(hearth_saved_view_delete(f->st, a, ta, &em), HEARTH_OK);
    assert_int_equal(hearth_saved_view_delete(f->st, a, ta, &em), HEARTH_E_NOT_FOUND);
    assert_int_equal(hearth_saved_view_delete(f->st, "nope", ta, &em), HEARTH_E_NOT_FOUND);
    /* the name is free again */
    assert_int_equal(create(f, "a", "{}", 10, NULL, NULL), HEARTH_OK);
    hearth_store_close(f->st);
    f->st = NULL;
    assert_int_equal(teststore_open(f->dir, &f->st, &em), HEARTH_OK);
    assert_int_equal(hearth_saved_view_get(f->st, b, &v, &em), HEARTH_OK);
    assert_string_equal(v.name, "b");
    hearth_saved_view_release(&v);
    assert_int_equal(hearth_saved_view_delete(f->st, b, tb, &em), HEARTH_OK);
}

#define NTHREADS 8

struct race {
    struct fx *f;
    const char *name; /* NULL: a name of its own */
    int max, i;
    enum hearth_err e;
};

static void *racer(void *arg)
{
    struct race *r = arg;
    char own[32];

    snprintf(own, sizeof(own), "own %d", r->i);
    r->e = create(r->f, r->name ? r->name : own, "{}", r->max, NULL, NULL);
    return NULL;
}

static int race(struct fx *f, const char *name, int max)
{
    pthread_t t[NTHREADS];
    struct race r[NTHREADS];
    int i, ok = 0;

    for (i = 0; i < NTHREADS; i++) {
        r[i] = (struct race){f, name, max, i, HEARTH_OK};
        assert_int_equal(pthread_create(&t[i], NULL, racer, &r[i]), 0);
    }
    for (i = 0; i < NTHREADS; i++) {
        pthread_join(t[i], NULL);
        if (r[i].e == HEARTH_OK)
            ok++;
        else
            assert_int_equal(r[i].e, HEARTH_E_CONFLICT);
    }
    return ok;
}

static void test_races(void **state)
{
    struct fx *f = *state;
    json_t *l;

    assert_int_equal(race(f, "same", 100), 1);
    assert_int_equal(race(f, NULL, 4), 3); /* "same" holds one of the 4 places */
    l = list(f);
    assert_int_equal(json_array_size(l), 4);
    json_decref(l);
}

static void check(const char *name, const char *value, enum hearth_err want)
{
    struct hearth_errmsg em = {{0}};
    struct hearth_query q;

    hearth_query_init(&q);
    assert_int_equal(hearth_query_set(&q, name, value, &em), HEARTH_OK);
    if (hearth_stacks_check_query(&q, NULL, &em) != want)
        fail_msg("%s=%s: want %d (%s)", name, value, (int)want, em.msg);
    if (want)
        assert_true(strlen(em.msg) > 0);
}

static void test_check_query(void **state)
{
    (void)state;
    check("f", "main\\.(a|b)", HEARTH_OK);
    check("f", "((", HEARTH_E_BAD_REQUEST);
    check("i", "a**", HEARTH_E_BAD_REQUEST);
    check("h", "[z-a]", HEARTH_E_BAD_REQUEST);
    check("s", "x\\C", HEARTH_E_BAD_REQUEST);
    check("sf", "(", HEARTH_E_BAD_REQUEST);
    check("ts", "(", HEARTH_E_BAD_REQUEST);
    check("th", "(", HEARTH_E_BAD_REQUEST);
    check("prunefrom", "(", HEARTH_E_BAD_REQUEST);
    check("tf", "bytes=1kb:2kb", HEARTH_OK);
    check("tf", "thread=worker,main", HEARTH_OK);
    check("tf", "thread=((", HEARTH_E_BAD_REQUEST);
    check("ti", "x=a,((", HEARTH_E_BAD_REQUEST);
    check("g", "files", HEARTH_OK);
    check("si", "anything", HEARTH_OK); /* the profile decides */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_get_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals_store_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delete_and_reopen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_races, setup, teardown),
        cmocka_unit_test(test_check_query),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
