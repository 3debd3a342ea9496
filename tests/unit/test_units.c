/*
 * test_units.c - hearth_unit_scale/label/family and hearth_percentage against
 * the examples of pprof-semantics.md sections 5.3 and 10.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <math.h>
#include <string.h>

#include <cmocka.h>

#include "hearth/units.h"

static void check_label(int64_t v, const char *from, const char *to, const char *want)
{
    char out[128];

    hearth_unit_label(out, sizeof(out), v, from, to);
    assert_string_equal(out, want);
}

static void check_pct(int64_t v, int64_t total, const char *want)
{
    char out[64];

    hearth_percentage(out, sizeof(out), v, total);
    assert_string_equal(out, want);
}

/* 10.3: "%.2f", ".00" dropped, 0 without unit, unit appended without space. */
static void test_label_examples(void **state)
{
    (void)state;
    check_label(1572864, "bytes", "auto", "1.50MB");
    check_label(524288, "bytes", "auto", "512kB");
    check_label(2097152, "bytes", "MB", "2MB");
    check_label(10000000, "nanoseconds", "ms", "10ms");
    check_label(1500, "nanoseconds", "us", "1.50us");
    check_label(-20000000, "nanoseconds", "ms", "-20ms");
    check_label(-20000000, "nanoseconds", "auto", "-20ms");
    check_label(3223325184LL, "bytes", "kB", "3147778.50kB");
    /* a 1.5MB value shown with -unit=GB rounds to 0: no unit */
    check_label(1572864, "bytes", "GB", "0");
    check_label(0, "bytes", "auto", "0");
    check_label(0, "nanoseconds", "ms", "0");
    check_label(0, "count", "minimum", "0");
    /* counts have no suffix; unknown units are appended verbatim */
    check_label(985, "count", "count", "985");
    check_label(985, "count", "minimum", "985");
    check_label(1234, "widgets", "widgets", "1234widgets");
    check_label(985, "count", "ns", "985ns");
}

/* 10.4: 1023 bytes in kB prints 1kB, 999ns in us prints 1us; secs example. */
static void test_label_report_unit(void **state)
{
    (void)state;
    check_label(1023, "bytes", "kB", "1kB");
    check_label(999, "nanoseconds", "us", "1us");
    check_label(1100000000, "nanoseconds", "s", "1.10s");
    check_label(10000000, "nanoseconds", "s", "0.01s");
    check_label(1110000000, "nanoseconds", "s", "1.11s");
    check_label(100000000, "nanoseconds", "ms", "100ms");
    /* a unit of the same family in another spelling */
    check_label(1048576 * 3, "bytes", "megabyte", "3MB");
    check_label(1048576 * 3, "bytes", "mb", "3MB");
    /* a unit of another family on a known family: the family's default */
    check_label(2048, "bytes", "ms", "2048B");
    check_label(1500000000, "nanoseconds", "MB", "1.50s");
}

static void test_scale(void **state)
{
    const char *u = NULL;
    double x;

    (void)state;
    x = hearth_unit_scale(1536, "bytes", "auto", &u);
    assert_true(x == 1.5);
    assert_string_equal(u, "kB");
    x = hearth_unit_scale(0, "bytes", "minimum", &u);
    assert_true(x == 0);
    assert_string_equal(u, "B");
    x = hearth_unit_scale(0, "ms", "auto", &u);
    assert_true(x == 0);
    assert_string_equal(u, "s");
    /* multiply then divide: ms -> s is v*1e6/1e9 */
    x = hearth_unit_scale(1500, "ms", "s", &u);
    assert_true(x == 1500 * 1e6 / 1e9);
    assert_string_equal(u, "s");
    x = hearth_unit_scale(2 * 3600LL * 1000000000LL, "nanoseconds", "auto", &u);
    assert_true(x == 2);
    assert_string_equal(u, "hrs");
    x = hearth_unit_scale(7, "count", "auto", &u);
    assert_true(x == 7);
    assert_string_equal(u, "");
    x = hearth_unit_scale(7, "cycles", "cycles", &u);
    assert_true(x == 7);
    assert_string_equal(u, "cycles");
    x = hearth_unit_scale(-2048, "bytes", "auto", &u);
    assert_true(x == -2);
    assert_string_equal(u, "kB");
    x = hearth_unit_scale(3, "milligcu", "auto", &u);
    assert_true(fabs(x - 3) < 1e-9);
    assert_string_equal(u, "m*GCU");
    /* extreme values must not trap (UBSan) */
    x = hearth_unit_scale(INT64_MIN, "bytes", "auto", &u);
    assert_true(x < 0);
    x = hearth_unit_scale(INT64_MAX, "nanoseconds", "auto", &u);
    assert_true(x > 0);
    assert_string_equal(u, "hrs");
}

static void test_label_extremes(void **state)
{
    char out[128];

    (void)state;
    hearth_unit_label(out, sizeof(out), INT64_MIN, "bytes", "auto");
    assert_true(strlen(out) > 0);
    hearth_unit_label(out, sizeof(out), INT64_MAX, "count", "minimum");
    assert_string_equal(out, "9223372036854775808"); /* "%.2f" of the double, ".00" dropped */
    /* a tiny buffer truncates, never overflows */
    hearth_unit_label(out, 4, 1572864, "bytes", "auto");
    assert_string_equal(out, "1.5");
}

/* 10.1: spelling lookup (lower-case, one trailing 's' dropped if longer than 2). */
static void test_family(void **state)
{
    double f = 0;

    (void)state;
    assert_int_equal(hearth_unit_family("bytes", &f), 1);
    assert_true(f == 1);
    assert_int_equal(hearth_unit_family("Bytes", &f), 1);
    assert_int_equal(hearth_unit_family("kilobytes", &f), 1);
    assert_true(f == 1024);
    assert_int_equal(hearth_unit_family("MB", &f), 1);
    assert_true(f == 1048576);
    assert_int_equal(hearth_unit_family("nanoseconds", &f), 2);
    assert_true(f == 1);
    assert_int_equal(hearth_unit_family("seconds", &f), 2);
    assert_true(f == 1e9);
    assert_int_equal(hearth_unit_family("hrs", &f), 2);
    assert_true(f == 3600e9);
    assert_int_equal(hearth_unit_family("ms", &f), 2);
    assert_true(f == 1e6);
    assert_int_equal(hearth_unit_family("s", &f), 2);
    assert_int_equal(hearth_unit_family("GCU", &f), 3);
    assert_true(f == 1);
    assert_int_equal(hearth_unit_family("petagcu", &f), 3);
    assert_true(f == 1e15);
    assert_int_equal(hearth_unit_family("minutes", NULL), 0);
    assert_int_equal(hearth_unit_family("count", NULL), 0);
    assert_int_equal(hearth_unit_family("cycles", NULL), 0);
    assert_int_equal(hearth_unit_family("", NULL), 0);
    {
        /* a very long unit name is simply unknown */
        char longu[300];
        memset(longu, 'b', sizeof(longu) - 1);
        longu[sizeof(longu) - 1] = '\0';
        assert_int_equal(hearth_unit_family(longu, NULL), 0);
    }
    assert_true(hearth_unit_is_plain("count"));
    assert_true(hearth_unit_is_plain("sample"));
    assert_true(hearth_unit_is_plain("unit"));
    assert_true(hearth_unit_is_plain("minimum"));
    assert_true(hearth_unit_is_plain("auto"));
    assert_false(hearth_unit_is_plain("bytes"));
    assert_false(hearth_unit_is_plain("samples"));
}

/* 5.3: P(v, t). */
static void test_percentage(void **state)
{
    (void)state;
    check_pct(1, 2, "50.00%");
    check_pct(1000, 1000, "  100%");
    check_pct(9996, 10000, "  100%");  /* 99.96 */
    check_pct(10004, 10000, "  100%"); /* 100.04 */
    check_pct(9990, 10000, "99.90%");
    check_pct(6, 1000, "  0.6%");
    check_pct(99, 10000, " 0.99%");
    check_pct(99, 1000000, "0.0099%");
    check_pct(98, 10000000, "0.00098%");
    check_pct(89, 100000000, "8.9e-05%");
    check_pct(99, 1000000000, "9.9e-06%");
    check_pct(0, 100, "    0%");
    check_pct(140, 100, "140.00%");
    check_pct(-400, 1003, "39.88%"); /* never negative */
    check_pct(203, 1003, "20.24%");
    check_pct(504, 1004, "50.20%");
    check_pct(5, 0, "    0%"); /* zero total */
    check_pct(INT64_MIN, INT64_MAX, "  100%");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_label_examples), cmocka_unit_test(test_label_report_unit),
        cmocka_unit_test(test_scale),          cmocka_unit_test(test_label_extremes),
        cmocka_unit_test(test_family),         cmocka_unit_test(test_percentage),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
