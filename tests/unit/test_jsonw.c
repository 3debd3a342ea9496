/*
 * test_jsonw.c - the streaming JSON writer (jsonw.h): string escaping
 * (quotes, backslash, control characters, the HTML characters < > &),
 * invalid UTF-8 repaired to U+FFFD byte by byte while valid sequences pass
 * through, commas across nesting, numbers (NaN and infinities as null), and
 * the sticky error of a capped buffer. Every output is also parsed by
 * jansson, so "valid JSON" is checked, not assumed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "hearth/buf.h"
#include "hearth/jsonw.h"

#define FFFD "\xef\xbf\xbd"

/* s (n bytes) written as a JSON string: the exact text, and what jansson reads back. */
static void check_escape(const char *s, size_t n, const char *want_text, const char *want_value,
                         size_t want_value_len)
{
    struct hearth_buf b;
    json_error_t jerr;
    json_t *v;

    hearth_buf_init(&b, 1 << 20);
    hearth_json_escape(&b, s, n);
    assert_int_equal(b.fail, HEARTH_OK);
    assert_string_equal(b.ptr, want_text);
    v = json_loadb(b.ptr, b.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    if (!v)
        fail_msg("not JSON: %s (%s)", b.ptr, jerr.text);
    assert_true(json_is_string(v));
    assert_int_equal(json_string_length(v), want_value_len);
    assert_memory_equal(json_string_value(v), want_value, want_value_len);
    json_decref(v);
    hearth_buf_release(&b);
}

#define CHECK(in, text, value) check_escape(in, sizeof(in) - 1, text, value, sizeof(value) - 1)

static void test_escape_ascii(void **state)
{
    (void)state;
    CHECK("", "\"\"", "");
    CHECK("plain main.(*T).run", "\"plain main.(*T).run\"", "plain main.(*T).run");
    CHECK("a\"b\\c", "\"a\\\"b\\\\c\"", "a\"b\\c");
    CHECK("l1\nl2\tx\ry", "\"l1\\nl2\\tx\\ry\"", "l1\nl2\tx\ry");
    /* other control characters as \u00XX, NUL included; DEL (0x7f) is legal as is */
    CHECK("\x01\x1f\b\f", "\"\\u0001\\u001f\\u0008\\u000c\"", "\x01\x1f\b\f");
    CHECK("a\0b", "\"a\\u0000b\"", "a\0b");
    CHECK("\x7f", "\"\x7f\"", "\x7f");
    /* safe to embed in HTML: </script> cannot end a script element */
    CHECK("</script><b>&amp;", "\"\\u003c/script\\u003e\\u003cb\\u003e\\u0026amp;\"",
          "</script><b>&amp;");
    /* "/" and "'" need no escape */
    CHECK("a/b'c", "\"a/b'c\"", "a/b'c");
}

static void test_escape_utf8_valid(void **state)
{
    (void)state;
    /* 2, 3 and 4 byte sequences at their boundaries pass through unchanged */
    CHECK("\xc2\x80", "\"\xc2\x80\"", "\xc2\x80");                         /* U+0080 */
    CHECK("\xdf\xbf", "\"\xdf\xbf\"", "\xdf\xbf");                         /* U+07FF */
    CHECK("\xe0\xa0\x80", "\"\xe0\xa0\x80\"", "\xe0\xa0\x80");             /* U+0800 */
    CHECK("\xed\x9f\xbf", "\"\xed\x9f\xbf\"", "\xed\x9f\xbf");             /* U+D7FF */
    CHECK("\xee\x80\x80", "\"\xee\x80\x80\"", "\xee\x80\x80");             /* U+E000 */
    CHECK("\xef\xbf\xbd", "\"\xef\xbf\xbd\"", "\xef\xbf\xbd");             /* U+FFFD */
    CHECK("\xf0\x90\x80\x80", "\"\xf0\x90\x80\x80\"", "\xf0\x90\x80\x80"); /* U+10000 */
    CHECK("\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\"", "\xf4\x8f\xbf\xbf"); /* U+10FFFF */
    CHECK("caf\xc3\xa9 \xe4\xb8\xad", "\"caf\xc3\xa9 \xe4\xb8\xad\"", "caf\xc3\xa9 \xe4\xb8\xad");
}

/* Each byte that does not start a valid sequence becomes one U+FFFD; the rest resyncs. */
static void test_escape_utf8_invalid(void **state)
{
    (void)state;
    CHECK("\x80", "\"" FFFD "\"", FFFD); /* lone continuation */
    CHECK("a\xbf"
          "b",
          "\"a" FFFD "b\"", "a" FFFD "b");
    CHECK("\xc0\x80", "\"" FFFD FFFD "\"", FFFD FFFD);               /* overlong NUL */
    CHECK("\xc1\xbf", "\"" FFFD FFFD "\"", FFFD FFFD);               /* overlong */
    CHECK("\xe0\x80\x80", "\"" FFFD FFFD FFFD "\"", FFFD FFFD FFFD); /* overlong 3-byte */
    CHECK("\xed\xa0\x80", "\"" FFFD FFFD FFFD "\"", FFFD FFFD FFFD); /* surrogate U+D800 */
    CHECK("\xf0\x80\x80\x80", "\"" FFFD FFFD FFFD FFFD "\"", FFFD FFFD FFFD FFFD);
    CHECK("\xf4\x90\x80\x80", "\"" FFFD FFFD FFFD FFFD "\"", FFFD FFFD FFFD FFFD); /* > 10FFFF */
    CHECK("\xf5\xff\xfe", "\"" FFFD FFFD FFFD "\"", FFFD FFFD FFFD);
    /* truncated at the end of the input, and cut by an ASCII byte */
    CHECK("x\xe2\x82", "\"x" FFFD FFFD "\"", "x" FFFD FFFD);
    CHECK("\xe2\x82"
          "A",
          "\"" FFFD FFFD "A\"", FFFD FFFD "A");
    CHECK("\xf0\x9f\x98", "\"" FFFD FFFD FFFD "\"", FFFD FFFD FFFD);
    /* a valid sequence right after an invalid byte survives */
    CHECK("\xff\xc3\xa9", "\"" FFFD "\xc3\xa9\"", FFFD "\xc3\xa9");
}

static void test_utf8_len(void **state)
{
    (void)state;
    assert_int_equal(hearth_utf8_len((const unsigned char *)"a", 1), 1);
    assert_int_equal(hearth_utf8_len((const unsigned char *)"\xc3\xa9", 2), 2);
    assert_int_equal(hearth_utf8_len((const unsigned char *)"\xc3\xa9", 1), 0); /* n too short */
    assert_int_equal(hearth_utf8_len((const unsigned char *)"\xe4\xb8\xad", 3), 3);
    assert_int_equal(hearth_utf8_len((const unsigned char *)"\xe4\xb8\xad", 2), 0);
    assert_int_equal(hearth_utf8_len((const unsigned char *)"\xf0\x9f\x98\x80", 4), 4);
    assert_int_equal(hearth_utf8_len((const unsigned char *)"\xf0\x9f\x98\x80", 3), 0);
    assert_int_equal(hearth_utf8_len((const unsigned char *)"\x80", 1), 0);
}

/* Write a whole document; the buffer is returned NUL-terminated (caller frees). */
static char *nested_doc(void)
{
    struct hearth_buf b;
    struct hearth_jsonw w;

    hearth_buf_init(&b, 1 << 20);
    hearth_jsonw_init(&w, &b);
    hearth_jsonw_obj_open(&w);
    hearth_jsonw_key(&w, "a");
    hearth_jsonw_arr_open(&w);
    hearth_jsonw_int(&w, 1);
    hearth_jsonw_int(&w, -2);
    hearth_jsonw_obj_open(&w);
    hearth_jsonw_key(&w, "b");
    hearth_jsonw_null(&w);
    hearth_jsonw_key(&w, "e");
    hearth_jsonw_obj_open(&w);
    hearth_jsonw_obj_close(&w);
    hearth_jsonw_obj_close(&w);
    hearth_jsonw_arr_open(&w);
    hearth_jsonw_arr_close(&w);
    hearth_jsonw_cstr(&w, "s");
    hearth_jsonw_arr_close(&w);
    hearth_jsonw_key(&w, "c");
    hearth_jsonw_bool(&w, true);
    hearth_jsonw_keyn(&w, "k\"<\x80", 4);
    hearth_jsonw_bool(&w, false);
    hearth_jsonw_key(&w, "n");
    hearth_jsonw_int(&w, INT64_MIN);
    hearth_jsonw_key(&w, "x");
    hearth_jsonw_int(&w, INT64_MAX);
    hearth_jsonw_obj_close(&w);
    assert_int_equal(b.fail, HEARTH_OK);
    return hearth_buf_detach(&b, NULL);
}

static void test_nesting(void **state)
{
    char *s = nested_doc();
    json_t *v;

    (void)state;
    assert_string_equal(s, "{\"a\":[1,-2,{\"b\":null,\"e\":{}},[],\"s\"],\"c\":true,"
                           "\"k\\\"\\u003c" FFFD "\":false,"
                           "\"n\":-9223372036854775808,\"x\":9223372036854775807}");
    v = json_loads(s, JSON_REJECT_DUPLICATES, NULL);
    assert_non_null(v);
    assert_int_equal(json_integer_value(json_object_get(v, "n")), INT64_MIN);
    assert_true(json_is_false(json_object_get(v, "k\"<" FFFD)));
    json_decref(v);
    free(s);
}

/* Nesting down to the writer's own depth (63 levels) keeps commas right at every level. */
static void test_deep(void **state)
{
    struct hearth_buf b;
    struct hearth_jsonw w;
    json_t *v, *x;
    int i, levels = 62;

    (void)state;
    hearth_buf_init(&b, 1 << 20);
    hearth_jsonw_init(&w, &b);
    for (i = 0; i < levels; i++) {
        hearth_jsonw_arr_open(&w);
        hearth_jsonw_int(&w, i);
    }
    for (i = 0; i < levels; i++) {
        hearth_jsonw_int(&w, -i);
        hearth_jsonw_arr_close(&w);
    }
    assert_int_equal(w.depth, 0);
    v = json_loadb(b.ptr, b.len, 0, NULL);
    assert_non_null(v);
    /* [0,[1,[2,...,-1],-0]]: each level holds its index, the next level, and a closing number */
    for (x = v, i = 0; i < levels; i++) {
        assert_int_equal(json_integer_value(json_array_get(x, 0)), i);
        if (i + 1 < levels) {
            assert_int_equal(json_array_size(x), 3);
            assert_int_equal(json_integer_value(json_array_get(x, 2)), -(levels - 1 - i));
            x = json_array_get(x, 1);
        } else {
            assert_int_equal(json_array_size(x), 2);
            assert_int_equal(json_integer_value(json_array_get(x, 1)), 0);
        }
    }
    json_decref(v);
    hearth_buf_release(&b);
}

static void test_numbers(void **state)
{
    struct hearth_buf b;
    struct hearth_jsonw w;
    json_t *v;

    (void)state;
    hearth_buf_init(&b, 1 << 20);
    hearth_jsonw_init(&w, &b);
    hearth_jsonw_arr_open(&w);
    hearth_jsonw_double(&w, 0.5);
    hearth_jsonw_double(&w, NAN);
    hearth_jsonw_double(&w, INFINITY);
    hearth_jsonw_double(&w, -INFINITY);
    hearth_jsonw_double(&w, 1e300);
    hearth_jsonw_double(&w, -0.000123456789);
    hearth_jsonw_double(&w, 0);
    hearth_jsonw_arr_close(&w);
    assert_string_equal(b.ptr, "[0.5,null,null,null,1e+300,-0.000123457,0]");
    v = json_loads(b.ptr, 0, NULL);
    assert_non_null(v);
    assert_int_equal(json_array_size(v), 7);
    json_decref(v);
    hearth_buf_release(&b);
}

/* A capped buffer: the first failing append sticks, later writes are no-ops. */
static void test_cap(void **state)
{
    struct hearth_buf b;
    struct hearth_jsonw w;
    int i;

    (void)state;
    hearth_buf_init(&b, 32);
    hearth_jsonw_init(&w, &b);
    hearth_jsonw_arr_open(&w);
    for (i = 0; i < 100; i++)
        hearth_jsonw_cstr(&w, "0123456789");
    hearth_jsonw_arr_close(&w);
    assert_int_equal(b.fail, HEARTH_E_TOO_LARGE);
    assert_true(b.len < 32);
    hearth_buf_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape_ascii),
        cmocka_unit_test(test_escape_utf8_valid),
        cmocka_unit_test(test_escape_utf8_invalid),
        cmocka_unit_test(test_utf8_len),
        cmocka_unit_test(test_nesting),
        cmocka_unit_test(test_deep),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_cap),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
