/*
 * test_regex.c - filter regexes in Go's RE2 dialect on PCRE2
 * (pprof-semantics.md 9.1 and 12.4): PCRE-only constructs are refused,
 * matching is an unanchored search with RE2's `$`, `(?i)` works, the
 * anchored variant wraps the whole alternation, and hostile patterns or
 * invalid UTF-8 subjects neither crash nor hang.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "hearth/regex.h"

static void refused(const char *pattern)
{
    struct hearth_regex *re = (struct hearth_regex *)&re;
    struct hearth_errmsg em = {{0}};

    if (hearth_regex_compile(pattern, 4096, "focus", &re, &em) != HEARTH_E_BAD_REQUEST)
        fail_msg("pattern %s was not refused", pattern);
    assert_null(re);
    assert_true(strlen(em.msg) > 0);
    assert_non_null(strstr(em.msg, "focus"));
}

static bool matches(const char *pattern, const char *s, size_t n)
{
    struct hearth_regex *re = NULL;
    struct hearth_errmsg em = {{0}};
    bool m;

    if (hearth_regex_compile(pattern, 4096, "focus", &re, &em) != HEARTH_OK)
        fail_msg("pattern %s refused: %s", pattern, em.msg);
    m = hearth_regex_match(re, s, n);
    hearth_regex_free(re);
    return m;
}

static bool smatch(const char *pattern, const char *s)
{
    return matches(pattern, s, strlen(s));
}

static bool full_match(const char *pattern, const char *s)
{
    struct hearth_regex *re = NULL;
    struct hearth_errmsg em = {{0}};
    bool m;

    if (hearth_regex_compile_full(pattern, 4096, "drop_frames", &re, &em) != HEARTH_OK)
        fail_msg("pattern %s refused: %s", pattern, em.msg);
    m = hearth_regex_match(re, s, strlen(s));
    hearth_regex_free(re);
    return m;
}

/* Constructs RE2 (Go 1.19) rejects but PCRE2 would run. */
static void test_refuse_pcre_only(void **state)
{
    (void)state;
    refused("(?=x)");
    refused("a(?!b)");
    refused("(?<=a)b");
    refused("(?<!a)b");
    refused("(a)\\1");
    refused("\\2");
    refused("a++");
    refused("a*+");
    refused("a?+");
    refused("a{2}+");
    refused("(?>a)");
    refused("a**");
    refused("(?R)");
    refused("x\\Z");
    refused("\\Gx");
    refused("a\\Kb");
    refused("(?|a|b)");
    refused("(?#comment)");
    refused("(?");
}

/* Syntax errors and the length limit. */
static void test_refuse_invalid(void **state)
{
    struct hearth_regex *re = NULL;
    struct hearth_errmsg em = {{0}};
    char *big;

    (void)state;
    refused("(");
    refused("[a");
    refused("a{2,1}");
    refused("*a");
    big = malloc(5000);
    assert_non_null(big);
    memset(big, 'a', 4999);
    big[4999] = '\0';
    assert_int_equal(hearth_regex_compile(big, 4096, "focus", &re, &em), HEARTH_E_BAD_REQUEST);
    assert_null(re);
    assert_int_equal(hearth_regex_compile(big, 5000, "focus", &re, &em), HEARTH_OK);
    assert_true(hearth_regex_match(re, big, 4999));
    hearth_regex_free(re);
    free(big);
    hearth_regex_free(NULL);
}

/* Valid RE2 matches as Go does: an unanchored search. */
static void test_match_go_semantics(void **state)
{
    (void)state;
    assert_true(smatch("b", "abc"));
    assert_true(smatch("parse", "main.parseHeader"));
    assert_false(smatch("^b", "abc"));
    assert_true(smatch("^a", "abc"));
    assert_true(smatch("c$", "abc"));
    /* RE2's $ (no (?m)) matches only at the very end, not before a final newline */
    assert_false(smatch("c$", "abc\n"));
    assert_true(smatch("(?m)c$", "abc\nd"));
    assert_false(smatch("MAIN", "main.main"));
    assert_true(smatch("(?i)MAIN", "main.main"));
    assert_true(smatch("(?i:Ma)in", "mAin"));
    assert_true(smatch("util\\.go", "/src/app/util.go"));
    assert_false(smatch("util\\.go", "/src/app/utilxgo"));
    assert_true(smatch("parse|main", "x.main"));
    assert_true(smatch("(?P<name>wor)k", "worker"));
    assert_true(smatch("[[:alpha:]]+\\d", "abc1"));
    assert_true(smatch("a{2}", "baab"));
    assert_true(smatch("(?s)a.b", "a\nb"));
    assert_false(smatch("a.b", "a\nb"));
    assert_true(smatch("[\\]x]", "]"));
    assert_true(smatch("\\Qa.b\\E", "xa.b"));
    assert_false(smatch("\\Qa.b\\E", "xaxb"));
    assert_true(smatch("", "anything"));
    assert_true(smatch("", ""));
    assert_true(smatch("é", "caf\xc3\xa9"));
    /* matching on a length, not a C string */
    assert_true(matches("b", "a\0b", 3));
    assert_false(matches("c", "abc", 2));
}

/* drop_frames/keep_frames form: ^(pattern)$ around the whole alternation. */
static void test_full(void **state)
{
    (void)state;
    assert_true(full_match("runtime\\..*", "runtime.mallocgc"));
    assert_false(full_match("runtime\\..*", "xruntime.mallocgc"));
    assert_true(full_match("runtime\\..*|malloc", "malloc"));
    assert_false(full_match("runtime\\..*|malloc", "mymalloc"));
    assert_false(full_match("a|b", "ab"));
    assert_false(full_match("malloc", "malloc\n"));
}

/* Invalid UTF-8 in subjects (names are bytes): no crash, literal parts still match. */
static void test_invalid_utf8_subject(void **state)
{
    struct hearth_regex *re = NULL;
    struct hearth_errmsg em = {{0}};
    const char *subjects[] = {"\xff\xfemain\xc3", "\xc3",       "\xed\xa0\x80x",
                              "\xf4\x90\x80\x80", "ab\xe2\x82", "\x80main"};
    const char *patterns[] = {"main", ".", "^.*$", "(?i)MAIN", "x$", "[^a]", "\\w+"};
    size_t i, k;

    (void)state;
    for (k = 0; k < sizeof(patterns) / sizeof(patterns[0]); k++) {
        assert_int_equal(hearth_regex_compile(patterns[k], 4096, "focus", &re, &em), HEARTH_OK);
        for (i = 0; i < sizeof(subjects) / sizeof(subjects[0]); i++)
            (void)hearth_regex_match(re, subjects[i], strlen(subjects[i]));
        hearth_regex_free(re);
    }
    assert_true(smatch("main", "\xff\xfemain\xc3"));
    assert_true(smatch("main", "\x80main"));
    assert_true(smatch("(?i)MAIN", "\xffMain"));
    assert_false(smatch("zzz", "\xff\xfe"));
    /* an invalid-UTF-8 pattern is refused, not crashed on */
    assert_int_equal(hearth_regex_compile("\xff", 4096, "focus", &re, &em), HEARTH_E_BAD_REQUEST);
    assert_null(re);
}

/* A catastrophic pattern: the match limit stops it quickly (no hang). */
static void test_catastrophic(void **state)
{
    struct hearth_regex *re = NULL;
    struct hearth_errmsg em = {{0}};
    char s[64];
    struct timespec t0, t1;
    double dt;

    (void)state;
    /* x^40 then "zy": 'y' is present (no required-char shortcut), never after x's */
    memset(s, 'x', 40);
    memcpy(s + 40, "zy", 3);
    if (hearth_regex_compile("(x+x+)+y", 4096, "focus", &re, &em) != HEARTH_OK)
        fail_msg("refused: %s", em.msg);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_false(hearth_regex_match(re, s, strlen(s)));
    clock_gettime(CLOCK_MONOTONIC, &t1);
    hearth_regex_free(re);
    dt = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    assert_true(dt < 2.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refuse_pcre_only),     cmocka_unit_test(test_refuse_invalid),
        cmocka_unit_test(test_match_go_semantics),   cmocka_unit_test(test_full),
        cmocka_unit_test(test_invalid_utf8_subject), cmocka_unit_test(test_catastrophic),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
