/*
 * test_thin.c - which snapshots a thinned series keeps (thin.h): the first,
 * the last, the peak, the window whole, one per interval before it; stable
 * when applied again or after more snapshots; unknown totals, ties, a
 * series shorter than three, no window, times out of order.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "hearth/thin.h"

#define MIN 60000

/* The kept indices as a string "0,5,7" for readable failures. */
static void kept(const bool *drop, size_t n, char *out, size_t cap)
{
    size_t i, o = 0;

    out[0] = '\0';
    for (i = 0; i < n && o + 8 < cap; i++)
        if (!drop[i])
            o += (size_t)snprintf(out + o, cap - o, "%s%zu", o ? "," : "", i);
}

static void test_forty_minutes(void **state)
{
    int64_t t[40], tot[40];
    bool drop[40];
    struct hearth_thin_policy p = {10 * MIN, 5 * MIN};
    int64_t window = 0;
    char s[256];
    size_t i, n;

    (void)state;
    for (i = 0; i < 40; i++) {
        t[i] = 1700000000000LL + (int64_t)i * MIN;
        tot[i] = (int64_t)i * 1000;
    }
    tot[7] = 100000;
    n = hearth_thin_plan(t, tot, NULL, 40, &p, drop, &window);
    kept(drop, 40, s, sizeof(s));
    assert_string_equal(s, "0,5,7,10,15,20,25,29,30,31,32,33,34,35,36,37,38,39");
    assert_int_equal(n, 22);
    assert_int_equal(window, t[39] - 10 * MIN);
    /* applied again to what is left: nothing more goes */
    {
        int64_t t2[18], tot2[18];
        bool d2[18];
        size_t k = 0;
        for (i = 0; i < 40; i++)
            if (!drop[i]) {
                t2[k] = t[i];
                tot2[k++] = tot[i];
            }
        assert_int_equal(hearth_thin_plan(t2, tot2, NULL, 18, &p, d2, NULL), 0);
    }
}

static void test_peak_rules(void **state)
{
    int64_t t[6] = {0, MIN, 2 * MIN, 3 * MIN, 4 * MIN, 5 * MIN};
    int64_t tot[6] = {1, 9, 9, 2, 3, 4};
    bool known[6] = {true, true, true, true, true, true};
    struct hearth_thin_policy p = {0, 100 * MIN};
    bool drop[6];
    char s[64];

    (void)state;
    /* ties: the first of the largest is the peak */
    hearth_thin_plan(t, tot, known, 6, &p, drop, NULL);
    kept(drop, 6, s, sizeof(s));
    assert_string_equal(s, "0,1,5");
    /* an unknown total is never the peak */
    known[1] = false;
    hearth_thin_plan(t, tot, known, 6, &p, drop, NULL);
    kept(drop, 6, s, sizeof(s));
    assert_string_equal(s, "0,2,5");
    /* no totals at all: first and last only */
    hearth_thin_plan(t, NULL, NULL, 6, &p, drop, NULL);
    kept(drop, 6, s, sizeof(s));
    assert_string_equal(s, "0,5");
}

static void test_small_and_odd(void **state)
{
    int64_t t[4] = {5 * MIN, 0, 9 * MIN, 10 * MIN};
    struct hearth_thin_policy p = {MIN, MIN};
    bool drop[4];
    char s[64];

    (void)state;
    assert_int_equal(hearth_thin_plan(t, NULL, NULL, 0, &p, drop, NULL), 0);
    assert_int_equal(hearth_thin_plan(t, NULL, NULL, 2, &p, drop, NULL), 0);
    /* out of order: a time before the first is its own (negative) bucket */
    hearth_thin_plan(t, NULL, NULL, 4, &p, drop, NULL);
    kept(drop, 4, s, sizeof(s));
    assert_string_equal(s, "0,1,2,3");
    /* every_ms of 0 is taken as 1 ms, not a division by zero */
    p.every_ms = 0;
    hearth_thin_plan(t, NULL, NULL, 4, &p, drop, NULL);
}

/* Thinning as snapshots arrive keeps what thinning all of them at once keeps. */
static void test_incremental(void **state)
{
    enum { N = 200 };
    int64_t t[N], tot[N], ct[N], ctot[N];
    size_t cid[N], nc = 0, i, k;
    bool drop[N], all[N];
    struct hearth_thin_policy p = {7 * MIN, 3 * MIN};

    (void)state;
    for (i = 0; i < N; i++) {
        t[i] = (int64_t)i * 37000; /* 37 s apart: buckets do not align with snapshots */
        tot[i] = (int64_t)((i * 7919) % 1000);
    }
    tot[150] = 5000; /* a peak that arrives late */
    for (i = 0; i < N; i++) {
        size_t m = 0;
        ct[nc] = t[i];
        ctot[nc] = tot[i];
        cid[nc++] = i;
        hearth_thin_plan(ct, ctot, NULL, nc, &p, drop, NULL);
        for (k = 0; k < nc; k++)
            if (!drop[k]) {
                ct[m] = ct[k];
                ctot[m] = ctot[k];
                cid[m++] = cid[k];
            }
        nc = m;
    }
    hearth_thin_plan(t, tot, NULL, N, &p, all, NULL);
    /* every snapshot the one-shot plan keeps, except former peaks, was kept along the way;
     * and nothing more than it plus the peaks seen on the way */
    for (i = 0, k = 0; i < N; i++) {
        bool in = k < nc && cid[k] == i;
        if (!all[i])
            assert_true(in);
        if (in)
            k++;
    }
    assert_true(nc >= (size_t)N - hearth_thin_plan(t, tot, NULL, N, &p, all, NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_forty_minutes),
        cmocka_unit_test(test_peak_rules),
        cmocka_unit_test(test_small_and_odd),
        cmocka_unit_test(test_incremental),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
