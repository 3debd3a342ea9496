/*
 * test_query.c - hearth_query_init/set: pprof flag names and the web UI's
 * short aliases, boolean spellings, numeric ranges, and refusals with a
 * message (the errmsg is left untouched on success).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "hearth/query.h"

static void ok(struct hearth_query *q, const char *name, const char *value)
{
    struct hearth_errmsg em;

    snprintf(em.msg, sizeof(em.msg), "untouched");
    if (hearth_query_set(q, name, value, &em) != HEARTH_OK)
        fail_msg("-%s=%s refused: %s", name, value ? value : "(null)", em.msg);
    assert_string_equal(em.msg, "untouched");
}

static void bad(struct hearth_query *q, const char *name, const char *value)
{
    struct hearth_errmsg em = {{0}};
    struct hearth_query before = *q;

    if (hearth_query_set(q, name, value, &em) != HEARTH_E_BAD_REQUEST)
        fail_msg("-%s=%s accepted", name, value ? value : "(null)");
    assert_true(strlen(em.msg) > 0);
    /* a refused option leaves the query as it was */
    assert_memory_equal(q, &before, sizeof(before));
}

static void test_defaults(void **state)
{
    struct hearth_query q;

    (void)state;
    memset(&q, 0x5a, sizeof(q));
    hearth_query_init(&q);
    assert_null(q.sample_index);
    assert_int_equal(q.gran, HEARTH_GRAN_FUNCTIONS);
    assert_false(q.noinlines);
    assert_null(q.focus);
    assert_null(q.ignore);
    assert_null(q.hide);
    assert_null(q.show);
    assert_null(q.show_from);
    assert_null(q.tagfocus);
    assert_null(q.tagignore);
    assert_true(q.nodecount < 0);
    assert_true(q.nodefraction < 0);
    assert_true(q.edgefraction < 0);
    assert_null(q.unit);
    assert_true(q.min_fraction == 0);
    assert_false(q.normalize);
    assert_int_equal(q.diff, HEARTH_DIFF_NONE);
    assert_false(q.cum_sort);
}

/* String options by pprof name and by short alias; the value is borrowed. */
static void test_string_options(void **state)
{
    struct hearth_query q;
    static const struct {
        const char *name, *alias;
        size_t off;
    } opts[] = {
        {"focus", "f", offsetof(struct hearth_query, focus)},
        {"ignore", "i", offsetof(struct hearth_query, ignore)},
        {"hide", "h", offsetof(struct hearth_query, hide)},
        {"show", "s", offsetof(struct hearth_query, show)},
        {"show_from", "sf", offsetof(struct hearth_query, show_from)},
        {"tagfocus", "tf", offsetof(struct hearth_query, tagfocus)},
        {"tagignore", "ti", offsetof(struct hearth_query, tagignore)},
        {"sample_index", "si", offsetof(struct hearth_query, sample_index)},
        {"unit", NULL, offsetof(struct hearth_query, unit)},
    };
    const char *v1 = "main.parse", *v2 = "x|y";
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
        hearth_query_init(&q);
        ok(&q, opts[i].name, v1);
        assert_ptr_equal(*(const char **)((char *)&q + opts[i].off), v1);
        if (opts[i].alias) {
            ok(&q, opts[i].alias, v2);
            assert_ptr_equal(*(const char **)((char *)&q + opts[i].off), v2);
        }
        ok(&q, opts[i].name, "");
        assert_string_equal(*(const char **)((char *)&q + opts[i].off), "");
        /* a string option needs a value */
        bad(&q, opts[i].name, NULL);
    }
}

static void test_granularity(void **state)
{
    struct hearth_query q;
    static const char *const names[] = {"functions", "filefunctions", "files", "lines",
                                        "addresses"};
    int g;

    (void)state;
    hearth_query_init(&q);
    for (g = 0; g < 5; g++) {
        ok(&q, names[g], NULL);
        assert_int_equal(q.gran, g);
        assert_string_equal(hearth_gran_name((enum hearth_gran)g), names[g]);
    }
    ok(&q, "lines", "true");
    assert_int_equal(q.gran, HEARTH_GRAN_LINES);
    ok(&q, "files", "false"); /* false leaves it alone */
    assert_int_equal(q.gran, HEARTH_GRAN_LINES);
    ok(&q, "granularity", "filefunctions");
    assert_int_equal(q.gran, HEARTH_GRAN_FILEFUNCTIONS);
    ok(&q, "g", "addresses");
    assert_int_equal(q.gran, HEARTH_GRAN_ADDRESSES);
    bad(&q, "granularity", "bogus");
    bad(&q, "g", NULL);
    bad(&q, "g", "Functions");
    bad(&q, "lines", "maybe");
    assert_string_equal(hearth_gran_name((enum hearth_gran)99), "functions");
}

static void test_numbers(void **state)
{
    struct hearth_query q;

    (void)state;
    hearth_query_init(&q);
    ok(&q, "nodecount", "80");
    assert_int_equal(q.nodecount, 80);
    ok(&q, "n", "0");
    assert_int_equal(q.nodecount, 0);
    bad(&q, "nodecount", "-1");
    bad(&q, "nodecount", "abc");
    bad(&q, "nodecount", "12x");
    bad(&q, "nodecount", "");
    bad(&q, "nodecount", NULL);
    bad(&q, "n", "99999999999999999999999");
    bad(&q, "n", "1000000000");

    ok(&q, "nodefraction", "0.01");
    assert_true(q.nodefraction == 0.01);
    ok(&q, "nf", "0");
    assert_true(q.nodefraction == 0);
    ok(&q, "edgefraction", "0.5");
    assert_true(q.edgefraction == 0.5);
    ok(&q, "ef", "1");
    assert_true(q.edgefraction == 1);
    ok(&q, "min_fraction", "0.001");
    assert_true(q.min_fraction == 0.001);
    ok(&q, "mf", "1e-3");
    assert_true(q.min_fraction == 0.001);
    bad(&q, "nodefraction", "2");
    bad(&q, "nodefraction", "-0.1");
    bad(&q, "nodefraction", "nan");
    bad(&q, "edgefraction", "inf");
    bad(&q, "edgefraction", "x");
    bad(&q, "ef", "");
    bad(&q, "mf", NULL);
    bad(&q, "min_fraction", "0.5x");
}

static void test_booleans(void **state)
{
    struct hearth_query q;
    static const char *const yes[] = {NULL, "", "1", "true", "t", "yes", "on"};
    static const char *const no[] = {"0", "false", "f", "no", "off"};
    size_t i;

    (void)state;
    hearth_query_init(&q);
    for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        q.noinlines = false;
        ok(&q, "noinlines", yes[i]);
        assert_true(q.noinlines);
    }
    for (i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
        q.noinlines = true;
        ok(&q, "noinlines", no[i]);
        assert_false(q.noinlines);
    }
    ok(&q, "normalize", NULL);
    assert_true(q.normalize);
    ok(&q, "norm", "false");
    assert_false(q.normalize);
    ok(&q, "cum", NULL);
    assert_true(q.cum_sort);
    ok(&q, "flat", NULL);
    assert_false(q.cum_sort);
    ok(&q, "flat", "false");
    assert_true(q.cum_sort);
    bad(&q, "noinlines", "yesplease");
    bad(&q, "cum", "2");
    bad(&q, "normalize", "TRUE ");
}

static void test_unknown(void **state)
{
    struct hearth_query q;
    struct hearth_errmsg em = {{0}};
    char longname[300];

    (void)state;
    hearth_query_init(&q);
    bad(&q, "bogus", "1");
    bad(&q, "", "1");
    bad(&q, "Focus", "x"); /* names are case-sensitive, as pprof's flags */
    bad(&q, "focus ", "x");
    assert_int_equal(hearth_query_set(&q, "nodecount_x", "1", &em), HEARTH_E_BAD_REQUEST);
    assert_non_null(strstr(em.msg, "nodecount_x"));
    /* a long unknown name is cut in the message, not overflowed */
    memset(longname, 'q', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    assert_int_equal(hearth_query_set(&q, longname, "1", &em), HEARTH_E_BAD_REQUEST);
    assert_true(strlen(em.msg) < sizeof(em.msg));
    /* a NULL errmsg is allowed */
    assert_int_equal(hearth_query_set(&q, "bogus", "1", NULL), HEARTH_E_BAD_REQUEST);
}

/* The report options: pprof's flag names, the web UI's URL names, and the table. */
static void test_report_options(void **state)
{
    struct hearth_query q;
    const struct hearth_query_opt *o;
    size_t i, nurl = 0;

    (void)state;
    hearth_query_init(&q);
    ok(&q, "divide_by", "2.5");
    assert_true(q.divide_by == 2.5);
    ok(&q, "divide_by", "-4");
    assert_true(q.divide_by == -4);
    bad(&q, "divide_by", "0");
    bad(&q, "divide_by", "nan");
    bad(&q, "divide_by", "1e999");
    bad(&q, "divide_by", "");
    ok(&q, "trim", "false");
    assert_true(q.no_trim);
    ok(&q, "trim", NULL);
    assert_false(q.no_trim);
    ok(&q, "dropneg", "1");
    assert_true(q.drop_negative);
    ok(&q, "rel", "true");
    assert_true(q.relative);
    ok(&q, "calltree", "");
    assert_true(q.call_tree);
    ok(&q, "compact", "t");
    assert_true(q.compact_labels);
    ok(&q, "prunefrom", "runtime\\.");
    assert_string_equal(q.prune_from, "runtime\\.");
    ok(&q, "ts", "thread");
    ok(&q, "th", "key");
    ok(&q, "tagroot", "thread,bytes");
    ok(&q, "tagleaf", "key");
    ok(&q, "trim_path", "/src:/tmp");
    assert_string_equal(q.tagshow, "thread");
    assert_string_equal(q.taghide, "key");
    assert_string_equal(q.tagroot, "thread,bytes");
    assert_string_equal(q.tagleaf, "key");
    assert_string_equal(q.trim_path, "/src:/tmp");
    bad(&q, "mean", "maybe");
    bad(&q, "tagroot", NULL);
    /* -mean_delay: -mean and the delay type unless a type was chosen */
    hearth_query_init(&q);
    ok(&q, "mean_delay", NULL);
    assert_true(q.mean);
    assert_string_equal(q.sample_index, "delay");
    hearth_query_init(&q);
    ok(&q, "sample_index", "contentions");
    ok(&q, "mean_delay", NULL);
    assert_string_equal(q.sample_index, "contentions");
    /* -flat is the opposite of -cum */
    ok(&q, "cum", NULL);
    ok(&q, "flat", NULL);
    assert_false(q.cum_sort);
    /* the table: every URL name is unique and resolves to its own row */
    for (i = 0; hearth_query_opt(i); i++) {
        size_t k;
        o = hearth_query_opt(i);
        assert_non_null(o->name);
        if (!o->url)
            continue;
        nurl++;
        for (k = i + 1; hearth_query_opt(k); k++)
            if (hearth_query_opt(k)->url)
                assert_string_not_equal(o->url, hearth_query_opt(k)->url);
    }
    assert_true(nurl >= 30);
    assert_null(hearth_query_opt(i));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),       cmocka_unit_test(test_string_options),
        cmocka_unit_test(test_granularity),    cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_booleans),       cmocka_unit_test(test_unknown),
        cmocka_unit_test(test_report_options),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
