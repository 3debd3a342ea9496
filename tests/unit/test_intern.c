/*
 * test_intern.c - the core's hash tables: string interning (hearth_intern),
 * the pprof id map (hearth_u64map, incl. densify) and sequence interning
 * (hearth_seqmap), with growth far past their initial sizes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hearth/intern.h"

static void test_intern_basic(void **state)
{
    struct hearth_arena a;
    struct hearth_intern t;

    (void)state;
    hearth_arena_init(&a, 0, 0);
    hearth_intern_init(&t, &a, 0);
    assert_int_equal(hearth_intern_find(&t, "x", 1), HEARTH_NONE); /* empty table */
    assert_int_equal(hearth_intern_add(&t, "", 0), 0);
    assert_int_equal(hearth_intern_add(&t, "main", 4), 1);
    assert_int_equal(hearth_intern_add(&t, "main.f", 6), 2);
    assert_int_equal(hearth_intern_add(&t, "main", 4), 1);
    assert_int_equal(hearth_intern_add(&t, "main.f", 4), 1); /* by length, not C string */
    assert_int_equal(hearth_intern_add(&t, "a\0b", 3), 3);
    assert_int_equal(hearth_intern_add(&t, "a\0c", 3), 4);
    assert_int_equal(hearth_intern_add(&t, "a", 1), 5);
    assert_int_equal(hearth_intern_find(&t, "a\0b", 3), 3);
    assert_int_equal(hearth_intern_find(&t, "", 0), 0);
    assert_int_equal(hearth_intern_find(&t, "nope", 4), HEARTH_NONE);
    assert_int_equal(t.n, 6);
    /* copies are NUL-terminated and independent of the caller's bytes */
    {
        char tmp[8] = "tmpstr";
        uint32_t i = hearth_intern_add(&t, tmp, 6);
        tmp[0] = 'X';
        assert_string_equal(t.strs[i].ptr, "tmpstr");
        assert_int_equal(t.strs[i].len, 6);
        assert_int_equal(hearth_intern_find(&t, "tmpstr", 6), i);
    }
    assert_memory_equal(t.strs[3].ptr, "a\0b\0", 4);
    hearth_intern_release(&t);
    hearth_arena_release(&a);
}

static void test_intern_max(void **state)
{
    struct hearth_arena a;
    struct hearth_intern t;

    (void)state;
    hearth_arena_init(&a, 0, 0);
    hearth_intern_init(&t, &a, 3);
    assert_int_equal(hearth_intern_add(&t, "a", 1), 0);
    assert_int_equal(hearth_intern_add(&t, "b", 1), 1);
    assert_int_equal(hearth_intern_add(&t, "c", 1), 2);
    assert_int_equal(hearth_intern_add(&t, "d", 1), HEARTH_NONE);
    assert_int_equal(hearth_intern_add(&t, "b", 1), 1); /* existing ones still found */
    hearth_intern_release(&t);
    hearth_arena_release(&a);
}

/* The arena's cap makes add fail cleanly (HEARTH_NONE), not crash. */
static void test_intern_arena_cap(void **state)
{
    struct hearth_arena a;
    struct hearth_intern t;
    char s[64];
    uint32_t i, r = 0;

    (void)state;
    hearth_arena_init(&a, 1024, 4096);
    hearth_intern_init(&t, &a, 0);
    for (i = 0; i < 10000; i++) {
        snprintf(s, sizeof(s), "function-name-%u", i);
        r = hearth_intern_add(&t, s, strlen(s));
        if (r == HEARTH_NONE)
            break;
        assert_int_equal(r, i);
    }
    assert_int_equal(r, HEARTH_NONE);
    assert_true(a.exhausted);
    /* what was added is still intact */
    assert_int_equal(hearth_intern_find(&t, "function-name-0", 15), 0);
    hearth_intern_release(&t);
    hearth_arena_release(&a);
}

static void test_intern_growth_detach(void **state)
{
    struct hearth_arena a;
    struct hearth_intern t;
    struct hearth_str *strs;
    char s[64];
    uint32_t i, n = 0;
    const uint32_t N = 200000;

    (void)state;
    hearth_arena_init(&a, 0, 0);
    hearth_intern_init(&t, &a, 0);
    for (i = 0; i < N; i++) {
        snprintf(s, sizeof(s), "pkg/%u.fn", i * 2654435761u);
        assert_int_equal(hearth_intern_add(&t, s, strlen(s)), i);
    }
    for (i = 0; i < N; i += 7) {
        snprintf(s, sizeof(s), "pkg/%u.fn", i * 2654435761u);
        if (hearth_intern_find(&t, s, strlen(s)) != i)
            fail_msg("string %u lost after growth", i);
        if (hearth_intern_add(&t, s, strlen(s)) != i)
            fail_msg("string %u added twice", i);
    }
    assert_int_equal(t.n, N);
    strs = hearth_intern_detach(&t, &n);
    assert_non_null(strs);
    assert_int_equal(n, N);
    snprintf(s, sizeof(s), "pkg/%u.fn", 12345u * 2654435761u);
    assert_string_equal(strs[12345].ptr, s);
    assert_null(t.strs);
    free(strs);
    /* detaching an empty table gives a non-NULL array */
    hearth_intern_init(&t, &a, 0);
    strs = hearth_intern_detach(&t, &n);
    assert_non_null(strs);
    assert_int_equal(n, 0);
    free(strs);
    hearth_arena_release(&a);
}

static void test_u64map_basic(void **state)
{
    struct hearth_u64map m;
    uint32_t old = 0;

    (void)state;
    memset(&m, 0, sizeof(m));
    assert_true(hearth_u64map_init(&m, 4));
    assert_int_equal(hearth_u64map_get(&m, 1), HEARTH_NONE);
    assert_int_equal(hearth_u64map_put(&m, 1, 10, NULL), 1);
    assert_int_equal(hearth_u64map_put(&m, 0, 11, NULL), 1);
    assert_int_equal(hearth_u64map_put(&m, UINT64_MAX, 12, NULL), 1);
    assert_int_equal(hearth_u64map_put(&m, 1, 99, &old), 0);
    assert_int_equal(old, 10);
    assert_int_equal(hearth_u64map_get(&m, 1), 10); /* the old value is kept */
    assert_int_equal(hearth_u64map_get(&m, 0), 11);
    assert_int_equal(hearth_u64map_get(&m, UINT64_MAX), 12);
    assert_int_equal(hearth_u64map_get(&m, 2), HEARTH_NONE);
    assert_int_equal(m.n, 3);
    hearth_u64map_release(&m);
    assert_null(m.keys);
    /* a released map answers "absent" */
    assert_int_equal(hearth_u64map_get(&m, 1), HEARTH_NONE);
}

/*
 * _init must leave the whole struct ready, whatever was in it before (git's
 * _init convention; the structs live on the stack and in calloc'ed memory).
 * Regression (fixed) if this fails: hearth_u64map_init() does not set
 * `direct`/`ndirect`, so a map on an uninitialised stack slot reads and
 * frees a garbage pointer.
 */
static void test_u64map_init_clears(void **state)
{
    struct hearth_u64map m;
    bool clean;

    (void)state;
    memset(&m, 0xa5, sizeof(m));
    assert_true(hearth_u64map_init(&m, 10));
    clean = m.direct == NULL && m.ndirect == 0 && m.n == 0;
    if (!clean) {
        /* undo the garbage before failing, so the failure is an assert, not a crash */
        m.direct = NULL;
        m.ndirect = 0;
    }
    hearth_u64map_release(&m);
    if (!clean)
        fail_msg("hearth_u64map_init() left direct/ndirect uninitialised (ENGINE BUG)");
}

static void test_u64map_growth(void **state)
{
    struct hearth_u64map m;
    uint64_t i;
    const uint64_t N = 300000;

    (void)state;
    memset(&m, 0, sizeof(m));
    assert_true(hearth_u64map_init(&m, 16));
    for (i = 0; i < N; i++)
        assert_int_equal(hearth_u64map_put(&m, i * 0x9e3779b97f4a7c15ULL + 1, (uint32_t)i, NULL),
                         1);
    assert_int_equal(m.n, N);
    for (i = 0; i < N; i++)
        if (hearth_u64map_get(&m, i * 0x9e3779b97f4a7c15ULL + 1) != (uint32_t)i)
            fail_msg("key %llu lost", (unsigned long long)i);
    assert_int_equal(hearth_u64map_get(&m, 2), HEARTH_NONE);
    /* sparse keys: densify must not build a huge table, lookups still work */
    hearth_u64map_densify(&m);
    assert_int_equal(m.ndirect, 0);
    assert_int_equal(hearth_u64map_get(&m, 1), 0);
    assert_int_equal(hearth_u64map_get(&m, N * 0x9e3779b97f4a7c15ULL + 1), HEARTH_NONE);
    hearth_u64map_release(&m);
}

/* Small keys (pprof ids 1..N): densify gives a direct table; lookups agree. */
static void test_u64map_densify(void **state)
{
    struct hearth_u64map m;
    uint64_t i;
    const uint64_t N = 50000;

    (void)state;
    memset(&m, 0, sizeof(m));
    assert_true(hearth_u64map_init(&m, N));
    /* odd ids only, written in reverse */
    for (i = N; i >= 1; i--)
        assert_int_equal(hearth_u64map_put(&m, 2 * i - 1, (uint32_t)(i * 3), NULL), 1);
    hearth_u64map_densify(&m);
    assert_non_null(m.direct);
    assert_true(m.ndirect >= 2 * N);
    for (i = 1; i <= N; i++) {
        if (hearth_u64map_get(&m, 2 * i - 1) != (uint32_t)(i * 3))
            fail_msg("id %llu wrong after densify", (unsigned long long)(2 * i - 1));
        if (hearth_u64map_get(&m, 2 * i) != HEARTH_NONE)
            fail_msg("absent id %llu found", (unsigned long long)(2 * i));
    }
    assert_int_equal(hearth_u64map_get(&m, 0), HEARTH_NONE);
    assert_int_equal(hearth_u64map_get(&m, 10 * N), HEARTH_NONE);
    assert_int_equal(hearth_u64map_get(&m, UINT64_MAX), HEARTH_NONE);
    /* densify twice is fine */
    hearth_u64map_densify(&m);
    assert_int_equal(hearth_u64map_get(&m, 1), 3);
    hearth_u64map_release(&m);
    assert_null(m.direct);
    assert_int_equal(m.ndirect, 0);

    /* an empty map: densify does nothing */
    memset(&m, 0, sizeof(m));
    assert_true(hearth_u64map_init(&m, 0));
    hearth_u64map_densify(&m);
    assert_int_equal(hearth_u64map_get(&m, 0), HEARTH_NONE);
    hearth_u64map_release(&m);
}

static void test_seqmap(void **state)
{
    struct hearth_seqmap m;
    const uint32_t a[] = {1, 2, 3}, b[] = {1, 2}, c[] = {3, 2, 1};
    bool added = false;

    (void)state;
    hearth_seqmap_init(&m);
    assert_int_equal(hearth_seqmap_add(&m, a, 3, &added), 0);
    assert_true(added);
    assert_int_equal(hearth_seqmap_add(&m, b, 2, &added), 1);
    assert_true(added);
    assert_int_equal(hearth_seqmap_add(&m, c, 3, &added), 2);
    assert_int_equal(hearth_seqmap_add(&m, a, 3, &added), 0);
    assert_false(added);
    assert_int_equal(hearth_seqmap_add(&m, a, 2, &added), 1); /* prefix = b */
    assert_false(added);
    assert_int_equal(hearth_seqmap_add(&m, NULL, 0, &added), 3); /* the empty sequence */
    assert_true(added);
    assert_int_equal(hearth_seqmap_add(&m, a, 0, NULL), 3);
    assert_int_equal(m.n, 4);
    assert_int_equal(m.off[1] - m.off[0], 3);
    assert_memory_equal(m.pool + m.off[2], c, sizeof(c));
    assert_int_equal(m.off[4] - m.off[3], 0);
    hearth_seqmap_release(&m);
    assert_null(m.pool);
    assert_int_equal(m.n, 0);
}

static void test_seqmap_growth(void **state)
{
    struct hearth_seqmap m;
    uint32_t seq[40];
    size_t i, k;
    const size_t N = 100000;
    bool added;

    (void)state;
    hearth_seqmap_init(&m);
    for (i = 0; i < N; i++) {
        size_t len = 1 + i % 39;
        for (k = 0; k < len; k++)
            seq[k] = (uint32_t)(i * 31 + k);
        if (hearth_seqmap_add(&m, seq, len, &added) != (uint32_t)i || !added)
            fail_msg("sequence %zu not added as new", i);
    }
    assert_int_equal(m.n, N);
    for (i = 0; i < N; i += 11) {
        size_t len = 1 + i % 39;
        for (k = 0; k < len; k++)
            seq[k] = (uint32_t)(i * 31 + k);
        if (hearth_seqmap_add(&m, seq, len, &added) != (uint32_t)i || added)
            fail_msg("sequence %zu not found after growth", i);
        if (m.off[i + 1] - m.off[i] != len || memcmp(m.pool + m.off[i], seq, len * 4))
            fail_msg("sequence %zu stored wrong", i);
    }
    hearth_seqmap_release(&m);
}

/* A reserved map takes its sequences with no regrowth, then grows past the hint. */
static void test_seqmap_reserve(void **state)
{
    struct hearth_seqmap m;
    struct hearth_seqmap_slot *slots;
    uint32_t seq[3];
    size_t i;
    bool added;

    (void)state;
    hearth_seqmap_init(&m);
    assert_true(hearth_seqmap_reserve(&m, 5000, 15000));
    assert_int_equal(m.nslots, 8192);
    assert_true(m.cap > 5000);
    assert_true(m.poolcap >= 15000);
    slots = m.slots;
    for (i = 0; i < 5000; i++) {
        seq[0] = (uint32_t)i;
        seq[1] = seq[2] = (uint32_t)(i * 7);
        if (hearth_seqmap_add(&m, seq, 3, &added) != (uint32_t)i || !added)
            fail_msg("sequence %zu not added as new", i);
    }
    assert_ptr_equal(m.slots, slots);               /* never regrown */
    assert_true(hearth_seqmap_reserve(&m, 10, 10)); /* smaller: no change */
    assert_ptr_equal(m.slots, slots);
    for (i = 0; i < 20000; i++) {
        seq[0] = (uint32_t)i;
        seq[1] = seq[2] = (uint32_t)(i * 7);
        if (hearth_seqmap_add(&m, seq, 3, &added) != (uint32_t)i || added != (i >= 5000))
            fail_msg("sequence %zu: wrong index or added flag past the hint", i);
    }
    assert_int_equal(m.n, 20000);
    assert_true(m.nslots > 8192);
    assert_false(hearth_seqmap_reserve(&m, (size_t)UINT32_MAX, 0));
    hearth_seqmap_release(&m);
}

static void test_hash(void **state)
{
    (void)state;
    assert_true(hearth_hash_bytes("abc", 3, 1) == hearth_hash_bytes("abc", 3, 1));
    assert_true(hearth_hash_bytes("abc", 3, 1) != hearth_hash_bytes("abd", 3, 1));
    assert_true(hearth_hash_bytes("abc", 3, 1) != hearth_hash_bytes("abc", 3, 2));
    assert_true(hearth_hash_bytes("abcdefgh1", 9, 1) != hearth_hash_bytes("abcdefgh2", 9, 1));
    assert_true(hearth_hash_bytes("", 0, 1) != hearth_hash_bytes("\0", 1, 1));
    assert_true(hearth_mix64(1) != hearth_mix64(2));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_intern_basic),     cmocka_unit_test(test_intern_max),
        cmocka_unit_test(test_intern_arena_cap), cmocka_unit_test(test_intern_growth_detach),
        cmocka_unit_test(test_u64map_basic),     cmocka_unit_test(test_u64map_init_clears),
        cmocka_unit_test(test_u64map_growth),    cmocka_unit_test(test_u64map_densify),
        cmocka_unit_test(test_seqmap),           cmocka_unit_test(test_seqmap_growth),
        cmocka_unit_test(test_seqmap_reserve),   cmocka_unit_test(test_hash),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
