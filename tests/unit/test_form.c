/*
 * test_form.c - the HTTP layer's own parsers: query parameters (form
 * decoding, '+', bad escapes kept, too long and NUL refused, first one
 * wins, bare keys) and the multipart file part (boundaries quoted or not,
 * the part with a filename, CRLF trimmed, refusals).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hearth/form.h"

static void test_param(void **state)
{
    char out[16];

    (void)state;
    assert_int_equal(hearth_form_param("a=1&f=main%5C.x+y&f=2", "f", out, sizeof(out)), 1);
    assert_string_equal(out, "main\\.x y");
    assert_int_equal(hearth_form_param("a=1&cum&b", "cum", out, sizeof(out)), 1);
    assert_string_equal(out, "");
    assert_int_equal(hearth_form_param("a=1&ff=2", "f", out, sizeof(out)), 0);
    assert_int_equal(hearth_form_param(NULL, "f", out, sizeof(out)), 0);
    /* a '%' without two hex digits stays itself */
    assert_int_equal(hearth_form_param("f=%zz%4", "f", out, sizeof(out)), 1);
    assert_string_equal(out, "%zz%4");
    /* refused: a NUL byte, and a value longer than the buffer */
    assert_int_equal(hearth_form_param("f=a%00b", "f", out, sizeof(out)), -1);
    assert_int_equal(hearth_form_param("f=0123456789abcdef", "f", out, sizeof(out)), -1);
    assert_int_equal(hearth_form_param("f=0123456789abcde", "f", out, sizeof(out)), 1);
}

static void test_multipart(void **state)
{
    static const char body[] = "preamble\r\n--XyZ\r\nContent-Disposition: form-data; name=\"x\"\r\n"
                               "\r\nv\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; "
                               "filename=\"heap.pb.gz\"\r\n\r\nBYTES\r\n--XyZ--\r\n";
    const unsigned char *file = NULL;
    struct hearth_errmsg em = {{0}};
    size_t flen = 0;
    char fname[8];

    (void)state;
    assert_int_equal(hearth_form_multipart_file("multipart/form-data; boundary=\"XyZ\"",
                                                (const unsigned char *)body, sizeof(body) - 1,
                                                &file, &flen, fname, sizeof(fname), &em),
                     HEARTH_OK);
    assert_int_equal(flen, 5);
    assert_memory_equal(file, "BYTES", 5);
    assert_string_equal(fname, "heap.pb"); /* truncated to the buffer */
    assert_int_equal(hearth_form_multipart_file("multipart/form-data", (const unsigned char *)body,
                                                sizeof(body) - 1, &file, &flen, fname,
                                                sizeof(fname), &em),
                     HEARTH_E_BAD_REQUEST);
    assert_int_equal(hearth_form_multipart_file("multipart/form-data; boundary=nope",
                                                (const unsigned char *)body, sizeof(body) - 1,
                                                &file, &flen, fname, sizeof(fname), &em),
                     HEARTH_E_BAD_REQUEST);
    /* the last part never ends: no complete file part */
    assert_int_equal(hearth_form_multipart_file("multipart/form-data; boundary=XyZ",
                                                (const unsigned char *)body, sizeof(body) - 12,
                                                &file, &flen, fname, sizeof(fname), &em),
                     HEARTH_E_BAD_REQUEST);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_param),
        cmocka_unit_test(test_multipart),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
