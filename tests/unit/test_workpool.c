/*
 * test_workpool.c - the request pool and the per-client counters: calls run
 * on pool threads with the promised stack (a 2 MiB frame would overflow
 * civetweb's 100 KB), results come back, concurrent callers all get their
 * own thread, threads are created on demand only; per-client caps refuse
 * exactly past the cap and entries vanish at zero.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "hearth/clients.h"
#include "hearth/workpool.h"

static int big_frame(void *arg)
{
    volatile char frame[2 << 20]; /* 2 MiB on the pool thread's stack */
    size_t i;

    for (i = 0; i < sizeof(frame); i += 4096)
        frame[i] = (char)i;
    return *(int *)arg + frame[4096];
}

static void test_runs_with_large_stack(void **state)
{
    struct hearth_workpool *p = hearth_workpool_new(4, 8 << 20);
    int arg = 41, res = 0;

    (void)state;
    assert_non_null(p);
    assert_int_equal(hearth_workpool_threads(p), 0);
    assert_int_equal(hearth_workpool_run(p, big_frame, &arg, &res), 0);
    assert_int_equal(res, 41);
    assert_int_equal(hearth_workpool_threads(p), 1);
    /* one caller at a time reuses the idle thread (once it is back waiting) */
    nanosleep(&(struct timespec){0, 50000000}, NULL);
    assert_int_equal(hearth_workpool_run(p, big_frame, &arg, &res), 0);
    assert_int_equal(hearth_workpool_threads(p), 1);
    hearth_workpool_free(p);
}

static pthread_barrier_t gate;

static int wait_at_gate(void *arg)
{
    (void)arg;
    pthread_barrier_wait(&gate); /* needs all callers running at once */
    return 7;
}

struct caller {
    struct hearth_workpool *p;
    int res, rc;
};

static void *call(void *arg)
{
    struct caller *c = arg;

    c->rc = hearth_workpool_run(c->p, wait_at_gate, NULL, &c->res);
    return NULL;
}

static void test_concurrent_callers(void **state)
{
    struct hearth_workpool *p = hearth_workpool_new(8, 1 << 20);
    struct caller cs[8];
    pthread_t t[8];
    int i;

    (void)state;
    pthread_barrier_init(&gate, NULL, 8);
    for (i = 0; i < 8; i++) {
        cs[i].p = p;
        pthread_create(&t[i], NULL, call, &cs[i]);
    }
    for (i = 0; i < 8; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(cs[i].rc, 0);
        assert_int_equal(cs[i].res, 7);
    }
    assert_int_equal(hearth_workpool_threads(p), 8);
    pthread_barrier_destroy(&gate);
    hearth_workpool_free(p);
}

static void test_client_caps(void **state)
{
    struct hearth_clients *t = hearth_clients_new();

    (void)state;
    assert_true(hearth_clients_take(t, "10.0.0.1", HEARTH_CLIENT_UPLOADS, 2));
    assert_true(hearth_clients_take(t, "10.0.0.1", HEARTH_CLIENT_UPLOADS, 2));
    assert_false(hearth_clients_take(t, "10.0.0.1", HEARTH_CLIENT_UPLOADS, 2));
    /* other kinds and other clients are counted apart */
    assert_true(hearth_clients_take(t, "10.0.0.1", HEARTH_CLIENT_REQUESTS, 1));
    assert_true(hearth_clients_take(t, "10.0.0.2", HEARTH_CLIENT_UPLOADS, 2));
    assert_int_equal(hearth_clients_count(t), 2);
    hearth_clients_put(t, "10.0.0.1", HEARTH_CLIENT_UPLOADS);
    assert_true(hearth_clients_take(t, "10.0.0.1", HEARTH_CLIENT_UPLOADS, 2));
    hearth_clients_put(t, "10.0.0.2", HEARTH_CLIENT_UPLOADS);
    assert_int_equal(hearth_clients_count(t), 1);
    hearth_clients_put(t, "10.0.0.1", HEARTH_CLIENT_UPLOADS);
    hearth_clients_put(t, "10.0.0.1", HEARTH_CLIENT_UPLOADS);
    hearth_clients_put(t, "10.0.0.1", HEARTH_CLIENT_REQUESTS);
    assert_int_equal(hearth_clients_count(t), 0);
    /* 0 = no cap; a refused take on a new address leaves no entry */
    assert_true(hearth_clients_take(t, "10.0.0.3", HEARTH_CLIENT_UPLOADS, 0));
    hearth_clients_put(t, "10.0.0.3", HEARTH_CLIENT_UPLOADS);
    assert_true(hearth_clients_take(t, "10.0.0.4", HEARTH_CLIENT_UPLOADS, 0));
    hearth_clients_put(t, "10.0.0.4", HEARTH_CLIENT_UPLOADS);
    assert_int_equal(hearth_clients_count(t), 0);
    /* waiting: refused after the wait, granted once one of its own is given back */
    assert_true(hearth_clients_take(t, "10.0.0.5", HEARTH_CLIENT_UPLOADS, 1));
    assert_false(hearth_clients_take_wait(t, "10.0.0.5", HEARTH_CLIENT_UPLOADS, 1, 50));
    assert_true(hearth_clients_take_wait(t, "10.0.0.6", HEARTH_CLIENT_UPLOADS, 1, 50));
    hearth_clients_put(t, "10.0.0.5", HEARTH_CLIENT_UPLOADS);
    assert_true(hearth_clients_take_wait(t, "10.0.0.5", HEARTH_CLIENT_UPLOADS, 1, 50));
    hearth_clients_put(t, "10.0.0.5", HEARTH_CLIENT_UPLOADS);
    hearth_clients_put(t, "10.0.0.6", HEARTH_CLIENT_UPLOADS);
    assert_int_equal(hearth_clients_count(t), 0);
    hearth_clients_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_runs_with_large_stack),
        cmocka_unit_test(test_concurrent_callers),
        cmocka_unit_test(test_client_caps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
