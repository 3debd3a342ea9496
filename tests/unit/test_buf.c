/*
 * test_buf.c - struct hearth_buf: appends, the hard cap (len < max), the
 * sticky error, reset, detach.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hearth/buf.h"

static void test_append(void **state)
{
    struct hearth_buf b;

    (void)state;
    hearth_buf_init(&b, 1 << 20);
    assert_null(b.ptr);
    assert_int_equal(b.len, 0);
    assert_int_equal(hearth_buf_addstr(&b, "abc"), HEARTH_OK);
    assert_int_equal(hearth_buf_addch(&b, '-'), HEARTH_OK);
    assert_int_equal(hearth_buf_add(&b, "xyz\0q", 5), HEARTH_OK);
    assert_int_equal(hearth_buf_printf(&b, "%d:%s", 42, "ok"), HEARTH_OK);
    assert_int_equal(b.len, 3 + 1 + 5 + 5);
    assert_memory_equal(b.ptr, "abc-xyz\0q42:ok", b.len);
    assert_int_equal(b.ptr[b.len], '\0');
    assert_int_equal(b.fail, HEARTH_OK);
    /* empty appends are fine */
    assert_int_equal(hearth_buf_add(&b, NULL, 0), HEARTH_OK);
    assert_int_equal(hearth_buf_addstr(&b, ""), HEARTH_OK);
    assert_int_equal(b.len, 14);
    hearth_buf_release(&b);
    assert_null(b.ptr);
    assert_int_equal(b.len, 0);
}

/* printf longer than the first guess takes the second vsnprintf path. */
static void test_printf_long(void **state)
{
    struct hearth_buf b;
    char big[5000];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(big) - 1; i++)
        big[i] = (char)('a' + i % 26);
    big[sizeof(big) - 1] = '\0';
    hearth_buf_init(&b, 1 << 20);
    assert_int_equal(hearth_buf_addstr(&b, "<"), HEARTH_OK);
    assert_int_equal(hearth_buf_printf(&b, "%s|%s", big, big), HEARTH_OK);
    assert_int_equal(b.len, 1 + 2 * strlen(big) + 1);
    assert_int_equal(b.ptr[0], '<');
    assert_memory_equal(b.ptr + 1, big, strlen(big));
    assert_int_equal(b.ptr[1 + strlen(big)], '|');
    assert_int_equal(b.ptr[b.len], '\0');
    hearth_buf_release(&b);
}

/* The cap counts len + 1: with max 16, 15 bytes fit and the 16th fails. */
static void test_cap_and_sticky(void **state)
{
    struct hearth_buf b;

    (void)state;
    hearth_buf_init(&b, 16);
    assert_int_equal(hearth_buf_add(&b, "0123456789abcde", 15), HEARTH_OK);
    assert_int_equal(b.len, 15);
    assert_int_equal(hearth_buf_addch(&b, 'X'), HEARTH_E_TOO_LARGE);
    assert_int_equal(b.fail, HEARTH_E_TOO_LARGE);
    /* sticky: every later append fails the same way, even an empty one */
    assert_int_equal(hearth_buf_add(&b, NULL, 0), HEARTH_E_TOO_LARGE);
    assert_int_equal(hearth_buf_addstr(&b, ""), HEARTH_E_TOO_LARGE);
    assert_int_equal(hearth_buf_printf(&b, "%s", ""), HEARTH_E_TOO_LARGE);
    assert_int_equal(hearth_buf_grow(&b, 0), HEARTH_E_TOO_LARGE);
    /* and the contents are untouched */
    assert_int_equal(b.len, 15);
    assert_memory_equal(b.ptr, "0123456789abcde", 16);
    /* reset clears the error and keeps the memory */
    {
        char *keep = b.ptr;
        hearth_buf_reset(&b);
        assert_int_equal(b.fail, HEARTH_OK);
        assert_int_equal(b.len, 0);
        assert_ptr_equal(b.ptr, keep);
        assert_string_equal(b.ptr, "");
    }
    assert_int_equal(hearth_buf_addstr(&b, "again"), HEARTH_OK);
    assert_string_equal(b.ptr, "again");
    hearth_buf_release(&b);
}

static void test_cap_huge_request(void **state)
{
    struct hearth_buf b;

    (void)state;
    hearth_buf_init(&b, 1024);
    assert_int_equal(hearth_buf_addstr(&b, "x"), HEARTH_OK);
    /* n near SIZE_MAX must not wrap around the cap check (p is never read) */
    assert_int_equal(hearth_buf_add(&b, "", SIZE_MAX), HEARTH_E_TOO_LARGE);
    assert_int_equal(hearth_buf_grow(&b, SIZE_MAX - 1), HEARTH_E_TOO_LARGE);
    assert_int_equal(b.len, 1);
    hearth_buf_release(&b);

    hearth_buf_init(&b, 1024);
    assert_int_equal(hearth_buf_grow(&b, 1024), HEARTH_E_TOO_LARGE);
    hearth_buf_release(&b);
}

/*
 * A printf whose result fits under the cap must succeed, also near the cap
 * and in small buffers (the cap is on len + 1, buf.h).
 * Regression (fixed): hearth_buf_vprintf() first reserves 64 bytes, so any
 * printf into a buffer with less than 65 bytes of room fails with
 * HEARTH_E_TOO_LARGE although the text would fit.
 */
static void test_printf_near_cap(void **state)
{
    struct hearth_buf b;
    enum hearth_err e;
    size_t len;

    (void)state;
    hearth_buf_init(&b, 32);
    e = hearth_buf_printf(&b, "%d", 42);
    len = b.len;
    hearth_buf_release(&b);
    assert_int_equal(e, HEARTH_OK);
    assert_int_equal(len, 2);

    hearth_buf_init(&b, 100);
    assert_int_equal(hearth_buf_add(&b, "0123456789012345678901234567890123456789", 40), HEARTH_OK);
    e = hearth_buf_printf(&b, "%s", "0123456789");
    len = b.len;
    hearth_buf_release(&b); /* before asserting: a failure must not leak */
    assert_int_equal(e, HEARTH_OK);
    assert_int_equal(len, 50);
}

/*
 * A printf past the cap fails and leaves the buffer NUL-terminated at len
 * (buf.h's invariant).
 * Regression (fixed): hearth_buf_vprintf() writes the truncated text
 * past len before it finds that the result does not fit, and does not
 * restore the NUL, so ptr[len] is the first byte of the failed text.
 */
static void test_printf_over_cap(void **state)
{
    struct hearth_buf b;
    char big[300];
    enum hearth_err e;
    size_t len;
    char at;

    (void)state;
    memset(big, 'z', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    hearth_buf_init(&b, 256);
    assert_int_equal(hearth_buf_addstr(&b, "ab"), HEARTH_OK);
    e = hearth_buf_printf(&b, "%s", big);
    len = b.len;
    at = b.ptr[b.len];
    hearth_buf_release(&b); /* before asserting: a failure must not leak */
    assert_int_equal(e, HEARTH_E_TOO_LARGE);
    assert_int_equal(len, 2);
    assert_int_equal(at, '\0');
}

static void test_detach(void **state)
{
    struct hearth_buf b;
    size_t n = 99;
    char *p;

    (void)state;
    hearth_buf_init(&b, 1 << 10);
    assert_int_equal(hearth_buf_addstr(&b, "hello"), HEARTH_OK);
    p = hearth_buf_detach(&b, &n);
    assert_int_equal(n, 5);
    assert_string_equal(p, "hello");
    free(p);
    /* the buffer is empty and usable, with the same cap */
    assert_null(b.ptr);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.max, 1 << 10);
    /* detaching an empty buffer gives an empty string, not NULL */
    p = hearth_buf_detach(&b, &n);
    assert_non_null(p);
    assert_int_equal(n, 0);
    assert_string_equal(p, "");
    free(p);
    p = hearth_buf_detach(&b, NULL);
    assert_non_null(p);
    free(p);
}

static void test_default_max(void **state)
{
    struct hearth_buf b;

    (void)state;
    hearth_buf_init(&b, 0);
    assert_true(b.max > 0);
    assert_int_equal(hearth_buf_addstr(&b, "x"), HEARTH_OK);
    hearth_buf_release(&b);
}

/* Many small appends: growth keeps the data. */
static void test_growth(void **state)
{
    struct hearth_buf b;
    size_t i;

    (void)state;
    hearth_buf_init(&b, 1 << 22);
    for (i = 0; i < 100000; i++)
        assert_int_equal(hearth_buf_addch(&b, (char)('0' + i % 10)), HEARTH_OK);
    assert_int_equal(b.len, 100000);
    for (i = 0; i < 100000; i++)
        if (b.ptr[i] != (char)('0' + i % 10))
            fail_msg("byte %zu changed", i);
    assert_true(b.alloc <= b.max);
    hearth_buf_release(&b);
}

/* spill sink: counts bytes, checks their pattern, can be told to fail */
struct sink {
    size_t got, calls;
    bool fail;
};

static enum hearth_err sink_fn(void *ctx, const char *p, size_t n)
{
    struct sink *k = ctx;
    size_t i;

    if (k->fail)
        return HEARTH_E_IO;
    for (i = 0; i < n; i++)
        if (p[i] != (char)('a' + (k->got + i) % 26))
            fail_msg("spilled byte %zu wrong", k->got + i);
    k->got += n;
    k->calls++;
    return HEARTH_OK;
}

static void test_spill(void **state)
{
    struct hearth_buf b;
    struct sink k = {0, 0, false};
    size_t i;

    (void)state;
    hearth_buf_init(&b, 3 * HEARTH_BUF_SPILL_AT);
    /* no spill function: hearth_buf_spill keeps everything */
    for (i = 0; i < HEARTH_BUF_SPILL_AT + 10; i++)
        hearth_buf_addch(&b, (char)('a' + i % 26));
    assert_int_equal(hearth_buf_spill(&b), HEARTH_OK);
    assert_int_equal(b.len, HEARTH_BUF_SPILL_AT + 10);
    hearth_buf_set_spill(&b, sink_fn, &k);
    assert_int_equal(hearth_buf_spill(&b), HEARTH_OK);
    assert_int_equal(k.calls, 1);
    assert_int_equal(k.got, HEARTH_BUF_SPILL_AT + 10);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.spilled, HEARTH_BUF_SPILL_AT + 10);
    /* below the threshold nothing moves */
    for (i = k.got; i < k.got + 100; i++)
        hearth_buf_addch(&b, (char)('a' + i % 26));
    assert_int_equal(hearth_buf_spill(&b), HEARTH_OK);
    assert_int_equal(k.calls, 1);
    assert_int_equal(b.len, 100);
    /* the cap counts spilled bytes: 3 MiB in all */
    for (i = k.got + 100; i < 3 * HEARTH_BUF_SPILL_AT - 1; i++)
        hearth_buf_addch(&b, (char)('a' + i % 26));
    assert_int_equal(b.fail, HEARTH_OK);
    assert_int_equal(hearth_buf_addch(&b, 'x'), HEARTH_E_TOO_LARGE);
    hearth_buf_release(&b);

    /* a failing sink makes the error sticky */
    hearth_buf_init(&b, 0);
    k.fail = true;
    hearth_buf_set_spill(&b, sink_fn, &k);
    for (i = 0; i < HEARTH_BUF_SPILL_AT; i++)
        hearth_buf_addch(&b, 'a');
    assert_int_equal(hearth_buf_spill(&b), HEARTH_E_IO);
    assert_int_equal(hearth_buf_addch(&b, 'a'), HEARTH_E_IO);
    hearth_buf_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_append),          cmocka_unit_test(test_printf_long),
        cmocka_unit_test(test_cap_and_sticky),  cmocka_unit_test(test_cap_huge_request),
        cmocka_unit_test(test_printf_near_cap), cmocka_unit_test(test_printf_over_cap),
        cmocka_unit_test(test_detach),          cmocka_unit_test(test_default_max),
        cmocka_unit_test(test_growth),          cmocka_unit_test(test_spill),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
