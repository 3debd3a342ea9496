/*
 * test_arena.c - struct hearth_arena: alignment, the cap (NULL + exhausted),
 * overflow checks, reset/release, and the protobuf-c allocator adapter.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <protobuf-c/protobuf-c.h>

#include "hearth/arena.h"
#include "pbw.h"
#include "profile.pb-c.h"

static void test_alloc_align(void **state)
{
    struct hearth_arena a;
    size_t i;

    (void)state;
    hearth_arena_init(&a, 4096, 0);
    assert_null(a.head);
    assert_int_equal(a.used, 0);
    for (i = 0; i < 1000; i++) {
        unsigned char *p = hearth_arena_alloc(&a, i % 37);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % 16, 0);
        memset(p, 0xab, i % 37);
    }
    assert_false(a.exhausted);
    hearth_arena_release(&a);
    assert_null(a.head);
    assert_int_equal(a.used, 0);
}

static void test_calloc_strndup(void **state)
{
    struct hearth_arena a;
    unsigned char *z;
    char *s;
    size_t i;

    (void)state;
    hearth_arena_init(&a, 0, 0); /* default chunk size */
    z = hearth_arena_calloc(&a, 100, 8);
    assert_non_null(z);
    for (i = 0; i < 800; i++)
        assert_int_equal(z[i], 0);
    s = hearth_arena_strndup(&a, "hello world", 5);
    assert_string_equal(s, "hello");
    s = hearth_arena_strndup(&a, "a\0b", 3);
    assert_memory_equal(s, "a\0b\0", 4);
    s = hearth_arena_strndup(&a, "", 0);
    assert_string_equal(s, "");
    hearth_arena_release(&a);
}

/* The cap: allocations that would cross it return NULL and set exhausted. */
static void test_cap(void **state)
{
    struct hearth_arena a;
    size_t got = 0;
    void *p;

    (void)state;
    hearth_arena_init(&a, 1024, 8192);
    for (p = hearth_arena_alloc(&a, 100); p != NULL; p = hearth_arena_alloc(&a, 100)) {
        got += 100;
        assert_true(got < 100000);
    }
    assert_true(a.exhausted);
    assert_true(a.used <= 8192);
    assert_true(got > 4000); /* the cap is not hit early */
    /* a single block larger than the cap */
    hearth_arena_reset(&a);
    assert_false(a.exhausted);
    assert_null(hearth_arena_alloc(&a, 9000));
    assert_true(a.exhausted);
    /* still usable below the cap after a failure */
    assert_non_null(hearth_arena_alloc(&a, 16));
    hearth_arena_release(&a);
    assert_false(a.exhausted);
}

static void test_overflow(void **state)
{
    struct hearth_arena a;

    (void)state;
    hearth_arena_init(&a, 4096, 0);
    assert_null(hearth_arena_alloc(&a, SIZE_MAX));
    assert_true(a.exhausted);
    a.exhausted = false;
    assert_null(hearth_arena_alloc(&a, SIZE_MAX - 8));
    assert_true(a.exhausted);
    a.exhausted = false;
    assert_null(hearth_arena_calloc(&a, SIZE_MAX / 2, 4));
    assert_true(a.exhausted);
    a.exhausted = false;
    assert_null(hearth_arena_strndup(&a, "x", SIZE_MAX));
    assert_non_null(hearth_arena_calloc(&a, 0, 8));
    hearth_arena_release(&a);
}

/* Big one-off blocks do not waste the current chunk. */
static void test_big_blocks(void **state)
{
    struct hearth_arena a;
    unsigned char *small1, *big, *small2;

    (void)state;
    hearth_arena_init(&a, 4096, 0);
    small1 = hearth_arena_alloc(&a, 16);
    big = hearth_arena_alloc(&a, 100000);
    small2 = hearth_arena_alloc(&a, 16);
    assert_non_null(small1);
    assert_non_null(big);
    assert_non_null(small2);
    memset(big, 1, 100000);
    /* small2 comes from the same chunk as small1 */
    assert_ptr_equal(small2, small1 + 16);
    hearth_arena_release(&a);
}

/* reset keeps one chunk and reuses it; used shrinks to that chunk. */
static void test_reset(void **state)
{
    struct hearth_arena a;
    void *first, *again;
    size_t used1, i;

    (void)state;
    hearth_arena_init(&a, 4096, 1 << 20);
    first = hearth_arena_alloc(&a, 32);
    used1 = a.used;
    for (i = 0; i < 100; i++)
        assert_non_null(hearth_arena_alloc(&a, 1000));
    assert_true(a.used > used1);
    hearth_arena_reset(&a);
    assert_int_equal(a.used, used1);
    again = hearth_arena_alloc(&a, 32);
    assert_ptr_equal(first, again);
    /* reset on an empty arena is harmless */
    hearth_arena_release(&a);
    hearth_arena_reset(&a);
    assert_null(a.head);
    hearth_arena_release(&a);
}

/* The protobuf-c adapter: unpack into the arena; free is a no-op; the cap holds. */
static void test_pb_allocator(void **state)
{
    struct hearth_arena a;
    ProtobufCAllocator al;
    Perftools__Profiles__Function *f;
    Perftools__Profiles__Location *l;
    struct pbw w, line;
    void *p;
    size_t i;

    (void)state;
    hearth_arena_init(&a, 4096, 1 << 20);
    hearth_arena_pb_allocator(&a, &al);
    assert_ptr_equal(al.allocator_data, &a);
    p = al.alloc(al.allocator_data, 100);
    assert_non_null(p);
    al.free(al.allocator_data, p); /* no-op, must not crash */

    pbw_init(&w);
    pbw_uint(&w, 1, 7);
    pbw_int(&w, 2, 3);
    pbw_int(&w, 4, 5);
    pbw_int(&w, 5, 42);
    f = perftools__profiles__function__unpack(&al, w.len, w.p);
    assert_non_null(f);
    assert_int_equal(f->id, 7);
    assert_int_equal(f->name, 3);
    assert_int_equal(f->filename, 5);
    assert_int_equal(f->start_line, 42);
    perftools__profiles__function__free_unpacked(f, &al); /* goes to the no-op free */

    /* a Location with many lines does not fit in a 2 KiB arena */
    pbw_reset(&w);
    pbw_init(&line);
    pbw_uint(&line, 1, 1);
    pbw_uint(&w, 1, 1);
    for (i = 0; i < 1000; i++)
        pbw_msg(&w, 4, &line);
    hearth_arena_release(&a);
    hearth_arena_init(&a, 1024, 2048);
    hearth_arena_pb_allocator(&a, &al);
    l = perftools__profiles__location__unpack(&al, w.len, w.p);
    assert_null(l);
    assert_true(a.exhausted);
    /* with room it unpacks */
    hearth_arena_release(&a);
    hearth_arena_init(&a, 64 * 1024, 1 << 20);
    hearth_arena_pb_allocator(&a, &al);
    l = perftools__profiles__location__unpack(&al, w.len, w.p);
    assert_non_null(l);
    assert_int_equal(l->n_line, 1000);
    pbw_release(&line);
    pbw_release(&w);
    hearth_arena_release(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alloc_align),  cmocka_unit_test(test_calloc_strndup),
        cmocka_unit_test(test_cap),          cmocka_unit_test(test_overflow),
        cmocka_unit_test(test_big_blocks),   cmocka_unit_test(test_reset),
        cmocka_unit_test(test_pb_allocator),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
