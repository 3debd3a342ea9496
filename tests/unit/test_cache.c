/*
 * test_cache.c - the LRU of server/cache.c: it never holds more than its
 * budget (a value larger than the whole budget is handed out but not kept),
 * evicts least recently used first, and frees evicted values only when the
 * last reference goes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "hearth/cache.h"

static int freed;

static void free_cb(void *v)
{
    freed++;
    free(v);
}

static void budget_holds(void **state)
{
    struct hearth_cache *c = hearth_cache_new(100);
    struct hearth_cache_ref *r1, *r2, *r3;
    size_t n, bytes;
    void *v;

    (void)state;
    freed = 0;
    assert_non_null(hearth_cache_put(c, "a", malloc(1), 40, free_cb, &r1));
    assert_non_null(hearth_cache_put(c, "b", malloc(1), 40, free_cb, &r2));
    hearth_cache_release(c, r1);
    hearth_cache_release(c, r2);
    hearth_cache_stats(c, &n, &bytes);
    assert_int_equal(n, 2);
    assert_int_equal(bytes, 80);
    /* "a" is the least recently used: a third entry evicts it */
    assert_non_null(hearth_cache_get(c, "b", &r2));
    hearth_cache_release(c, r2);
    assert_non_null(hearth_cache_put(c, "c", malloc(1), 40, free_cb, &r3));
    hearth_cache_release(c, r3);
    assert_null(hearth_cache_get(c, "a", &r1));
    assert_int_equal(freed, 1);
    hearth_cache_stats(c, &n, &bytes);
    assert_int_equal(bytes, 80);
    /* larger than the whole budget: served to its caller, not kept, freed on release */
    v = hearth_cache_put(c, "big", malloc(1), 500, free_cb, &r1);
    assert_non_null(v);
    hearth_cache_stats(c, &n, &bytes);
    assert_true(bytes <= 100);
    assert_null(hearth_cache_get(c, "big", &r2));
    assert_int_equal(freed, 3); /* b and c went to make room before big itself */
    hearth_cache_release(c, r1);
    assert_int_equal(freed, 4);
    hearth_cache_free(c);
}

/* Hits, misses and evictions for /metrics; a re-check counts as neither. */
static void counters(void **state)
{
    struct hearth_cache *c = hearth_cache_new(100);
    struct hearth_cache_ref *r;
    uint64_t hits, misses, evictions;

    (void)state;
    assert_null(hearth_cache_get(c, "a", &r));
    assert_null(hearth_cache_recheck(c, "a", &r));
    assert_non_null(hearth_cache_put(c, "a", malloc(1), 60, free_cb, &r));
    hearth_cache_release(c, r);
    assert_non_null(hearth_cache_get(c, "a", &r));
    hearth_cache_release(c, r);
    assert_non_null(hearth_cache_recheck(c, "a", &r));
    hearth_cache_release(c, r);
    assert_non_null(hearth_cache_put(c, "b", malloc(1), 60, free_cb, &r)); /* evicts a */
    hearth_cache_release(c, r);
    assert_null(hearth_cache_get(c, "a", &r));
    hearth_cache_counters(c, &hits, &misses, &evictions);
    assert_int_equal(hits, 1);
    assert_int_equal(misses, 2);
    assert_int_equal(evictions, 1);
    hearth_cache_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(budget_holds),
        cmocka_unit_test(counters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
