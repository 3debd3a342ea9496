/*
 * test_cache.c - the LRU of server/cache.c: it never holds more than its
 * budget (a value larger than the whole budget is handed out but not kept),
 * evicts least recently used first, and frees evicted values only when the
 * last reference goes; the bytes it reports are exactly what its entries
 * hold (each value's size plus the cache's own node and key copy), and a
 * decoded profile's footprint is what malloc really holds for it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>

#include <malloc.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "hearth/arena.h"
#include "hearth/cache.h"
#include "hearth/limits.h"
#include "hearth/profile.h"
#include "pbw.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

static int freed;

static void free_cb(void *v)
{
    freed++;
    free(v);
}

/* What the cache adds to a value of an entry with a one-character key (its node and key copy). */
static size_t overhead1(void)
{
    struct hearth_cache *c = hearth_cache_new(1 << 20);
    struct hearth_cache_ref *r;
    size_t ov;

    assert_non_null(hearth_cache_put(c, "x", malloc(1), 0, free, &r));
    ov = hearth_cache_entry_bytes(c, r);
    hearth_cache_release(c, r);
    hearth_cache_free(c);
    /* a node of pointers and sizes and a 2-byte key: more than 64 bytes, less than 256 */
    assert_in_range(ov, 64, 256);
    return ov;
}

static void budget_holds(void **state)
{
    size_t ov = overhead1();
    struct hearth_cache *c = hearth_cache_new(2 * (40 + ov) + 20);
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
    assert_int_equal(bytes, 2 * (40 + ov));
    /* "a" is the least recently used: a third entry evicts it */
    assert_non_null(hearth_cache_get(c, "b", &r2));
    hearth_cache_release(c, r2);
    assert_non_null(hearth_cache_put(c, "c", malloc(1), 40, free_cb, &r3));
    hearth_cache_release(c, r3);
    assert_null(hearth_cache_get(c, "a", &r1));
    assert_int_equal(freed, 1);
    hearth_cache_stats(c, &n, &bytes);
    assert_int_equal(bytes, 2 * (40 + ov));
    /* larger than the whole budget: served to its caller, not kept, freed on release */
    v = hearth_cache_put(c, "big", malloc(1), 500, free_cb, &r1);
    assert_non_null(v);
    hearth_cache_stats(c, &n, &bytes);
    assert_true(bytes <= 2 * (40 + ov) + 20);
    assert_null(hearth_cache_get(c, "big", &r2));
    assert_int_equal(freed, 3); /* b and c went to make room before big itself */
    hearth_cache_release(c, r1);
    assert_int_equal(freed, 4);
    hearth_cache_free(c);
}

/* Hits, misses and evictions for /metrics; a re-check counts as neither. */
static void counters(void **state)
{
    struct hearth_cache *c = hearth_cache_new(60 + overhead1() + 30);
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

/*
 * Entries of known sizes: each counts its value's size plus its node and key
 * (no more than 256 bytes over the key's length), the total is their sum,
 * and whatever happens the total stays within the budget and comes back to
 * zero when everything is gone (no drift).
 */
static void bytes_exact(void **state)
{
    enum { N = 64 };
    struct hearth_cache *c = hearth_cache_new(1 << 24);
    struct hearth_cache_ref *r[N], *rr;
    size_t n, bytes, sum = 0, i, vb, eb;
    char key[32];
    void *v;
    uint32_t rnd = 12345;

    (void)state;
    for (i = 0; i < N; i++) {
        v = malloc(i * 37 + 1);
        assert_non_null(v);
        vb = hearth_mem_size(v);
        /* malloc's real size: at least what was asked, at most a header and an alignment more */
        assert_in_range(vb, i * 37 + 1, i * 37 + 1 + 48);
        snprintf(key, sizeof(key), "key-%zu%.*s", i, (int)(i % 20), "xxxxxxxxxxxxxxxxxxxx");
        assert_ptr_equal(hearth_cache_put(c, key, v, vb, free, &r[i]), v);
        eb = hearth_cache_entry_bytes(c, r[i]);
        assert_in_range(eb - vb, strlen(key) + 1 + 64, strlen(key) + 256);
        sum += eb;
        hearth_cache_stats(c, &n, &bytes);
        assert_int_equal(n, i + 1);
        assert_int_equal(bytes, sum);
    }
    for (i = 0; i < N; i++)
        hearth_cache_release(c, r[i]);
    hearth_cache_free(c);

    /* random puts, gets and releases under a small budget: never over it */
    c = hearth_cache_new(20000);
    for (i = 0; i < 4000; i++) {
        size_t sz;
        rnd = rnd * 1103515245u + 12345u;
        sz = (rnd >> 8) % 3000;
        snprintf(key, sizeof(key), "k%u", (rnd >> 4) % 50);
        if (rnd & 1) {
            v = malloc(sz + 1);
            assert_non_null(v);
            assert_non_null(hearth_cache_put(c, key, v, hearth_mem_size(v), free, &rr));
        } else {
            hearth_cache_get(c, key, &rr);
        }
        hearth_cache_stats(c, &n, &bytes);
        assert_true(bytes <= 20000);
        assert_true(n == 0 || bytes > 0);
        hearth_cache_release(c, rr);
    }
    /* one value larger than the budget evicts everything: the count comes back to zero */
    v = malloc(1);
    assert_non_null(hearth_cache_put(c, "huge", v, 30000, free, &rr));
    hearth_cache_stats(c, &n, &bytes);
    assert_int_equal(n, 0);
    assert_int_equal(bytes, 0);
    hearth_cache_release(c, rr);
    hearth_cache_free(c);
}

/* A small profile built by hand, decoded: its footprint is what malloc holds for it. */
static void profile_footprint(void **state)
{
    struct hearth_limits lim;
    struct pbp b;
    struct pbw out;
    struct hearth_profile *p = NULL;
    struct hearth_errmsg em = {{0}};
    char stack[64];
    size_t fp, i;
#ifndef UNDER_ASAN
    struct mallinfo2 m0, m1;
    size_t in_use0, in_use1;
#endif

    (void)state;
    lim = hearth_limits_default();
    pbp_init(&b, 0);
    pbw_init(&out);
    pbp_sample_type(&b, "samples", "count");
    for (i = 0; i < 500; i++) {
        snprintf(stack, sizeof(stack), "main;f%zu;g%zu;h%zu", i % 7, i % 31, i);
        pbp_stack(&b, stack, (int64_t)i + 1);
    }
    assert_true(pbp_finish(&b, &out));
    pbp_release(&b);
    /* once first, so one-time allocations of the libraries do not count */
    assert_int_equal(hearth_profile_decode(out.p, out.len, &lim, &p, &em), HEARTH_OK);
    hearth_profile_free(p);
#ifndef UNDER_ASAN
    m0 = mallinfo2();
#endif
    assert_int_equal(hearth_profile_decode(out.p, out.len, &lim, &p, &em), HEARTH_OK);
    fp = hearth_profile_footprint(p);
#ifndef UNDER_ASAN
    m1 = mallinfo2();
    in_use0 = m0.uordblks + m0.hblkhd;
    in_use1 = m1.uordblks + m1.hblkhd;
    /*
     * everything the decoder kept, and nothing else (mmap'ed blocks have one
     * more header word); exact with GLIBC_TUNABLES=glibc.malloc.tcache_count=0
     * (ctest sets it): mallinfo2 counts chunks parked in the tcache as in use
     */
    assert_in_range(fp, in_use1 - in_use0 - 64, in_use1 - in_use0 + 64);
#endif
    /* at least the arrays' contents: 500 samples of 4 locations (4 bytes each) and a value */
    assert_true(fp > 500 * (4 * 4 + 8) + hearth_arena_footprint(&p->arena));
    hearth_profile_free(p);
    pbw_release(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(budget_holds),
        cmocka_unit_test(counters),
        cmocka_unit_test(bytes_exact),
        cmocka_unit_test(profile_footprint),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
