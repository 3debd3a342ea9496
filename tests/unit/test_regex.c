/*
 * test_regex.c - filter regexes in Go's RE2 dialect on the RE2 library
 * (pprof-semantics.md 9.1 and 12.4): PCRE-only constructs are refused,
 * matching is an unanchored search with RE2's `$`, `(?i)` works, the
 * anchored variant wraps the whole alternation, invalid UTF-8 in subjects
 * reads as U+FFFD as in Go, hostile patterns neither crash nor hang, deep
 * nesting is refused before compiling (checked on a 100 KB thread stack,
 * the size of the HTTP workers'), and compiled regexes are shared by threads.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "hearth/regex.h"

static void refused(const char *pattern)
{
    struct hearth_regex *re = (struct hearth_regex *)&re;
    struct hearth_errmsg em = {{0}};

    if (hearth_regex_compile(pattern, NULL, "focus", &re, &em) != HEARTH_E_BAD_REQUEST)
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

    if (hearth_regex_compile(pattern, NULL, "focus", &re, &em) != HEARTH_OK)
        fail_msg("pattern %s refused: %s", pattern, em.msg);
    m = hearth_regex_match(re, s, n) == 1;
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

    if (hearth_regex_compile_full(pattern, NULL, "drop_frames", &re, &em) != HEARTH_OK)
        fail_msg("pattern %s refused: %s", pattern, em.msg);
    m = hearth_regex_match(re, s, strlen(s)) == 1;
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
    refused("\\C"); /* RE2 takes it (any byte), Go does not */
    refused("[\\C]");
    refused("(?<n>x)"); /* Go 1.19: only (?P<n>x) */
    refused("a{1001}");
    refused("((a{100}){100}){100}");
}

/* Syntax errors and the length limit. */
static void test_refuse_invalid(void **state)
{
    struct hearth_regex *re = NULL;
    struct hearth_errmsg em = {{0}};
    struct hearth_limits lim = hearth_limits_default();
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
    assert_int_equal(hearth_regex_compile(big, NULL, "focus", &re, &em), HEARTH_E_BAD_REQUEST);
    assert_null(re);
    assert_non_null(strstr(em.msg, "longer than 4096"));
    lim.max_regex = 5000;
    assert_int_equal(hearth_regex_compile(big, &lim, "focus", &re, &em), HEARTH_OK);
    assert_int_equal(hearth_regex_match(re, big, 4999), 1);
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
        assert_int_equal(hearth_regex_compile(patterns[k], NULL, "focus", &re, &em), HEARTH_OK);
        for (i = 0; i < sizeof(subjects) / sizeof(subjects[0]); i++)
            assert_true(hearth_regex_match(re, subjects[i], strlen(subjects[i])) >= 0);
        hearth_regex_free(re);
    }
    assert_true(smatch("main", "\xff\xfemain\xc3"));
    assert_true(smatch("main", "\x80main"));
    assert_true(smatch("(?i)MAIN", "\xffMain"));
    assert_false(smatch("zzz", "\xff\xfe"));
    /* as Go reads it: each invalid byte is one U+FFFD, a rune like any other */
    assert_true(smatch("^.$", "\xff"));
    assert_true(smatch("^...$", "\xed\xa0\x80"));      /* a surrogate: 3 bad bytes */
    assert_true(smatch("^....$", "\xf4\x90\x80\x80")); /* past U+10FFFF */
    assert_true(smatch("^..$", "\xc0\xaf"));           /* an overlong '/' */
    assert_true(smatch("^ab..$", "ab\xe2\x82"));       /* each byte of a cut sequence is one */
    assert_true(smatch("^[^a]main", "\x80main"));
    assert_true(smatch("^\xef\xbf\xbdmain\xef\xbf\xbd$", "\xffmain\xc3"));
    assert_true(smatch("\\x{FFFD}", "a\xfe"
                                    "b"));
    assert_false(smatch("\\xff", "\xff")); /* \\xff is U+00FF, not the byte */
    assert_true(smatch("\\xff", "\xc3\xbf"));
    assert_true(smatch("^caf.$", "caf\xc3\xa9"));
    /* matching on a length: a cut sequence at the end is invalid */
    assert_false(matches("^caf\xc3\xa9$", "caf\xc3\xa9", 4));
    /* an invalid-UTF-8 pattern is refused, not crashed on */
    assert_int_equal(hearth_regex_compile("\xff", NULL, "focus", &re, &em), HEARTH_E_BAD_REQUEST);
    assert_null(re);
}

static double now_s(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/*
 * Catastrophic patterns for a backtracker are linear for RE2, and give the
 * right answer (the PCRE2 build hit its match limit and said "no match").
 */
static void test_catastrophic(void **state)
{
    const char *patterns[] = {"(x+x+)+y", "(.*.*)*x", "(a|a)*b", "(a*)*b", "((a+)+)+$"};
    struct hearth_regex *re = NULL;
    struct hearth_errmsg em = {{0}};
    size_t n = 1 << 20, k;
    char *s = malloc(n + 1);
    double t0, dt;

    (void)state;
    assert_non_null(s);
    for (k = 0; k < sizeof(patterns) / sizeof(patterns[0]); k++) {
        /* 1 MiB of x (a for the a-patterns) ending in "zy": no match for most */
        memset(s, patterns[k][1] == 'a' || patterns[k][2] == 'a' ? 'a' : 'x', n);
        memcpy(s + n - 2, "zy", 3);
        if (hearth_regex_compile(patterns[k], NULL, "focus", &re, &em) != HEARTH_OK)
            fail_msg("refused %s: %s", patterns[k], em.msg);
        t0 = now_s();
        assert_int_equal(hearth_regex_match(re, s, n), k == 1 ? 1 : 0);
        dt = now_s() - t0;
        hearth_regex_free(re);
        if (dt > 2.0)
            fail_msg("%s took %.2f s on 1 MiB", patterns[k], dt);
    }
    /* (.*.*)*x finds the x in a name, as the plain x does */
    assert_true(smatch("(.*.*)*x", "main.fix"));
    assert_false(smatch("(.*.*)*x", "main.main"));
    free(s);
}

static char *nested(size_t depth, const char *inner)
{
    size_t il = strlen(inner);
    char *p = malloc(2 * depth + il + 1);

    if (!p)
        return NULL;
    memset(p, '(', depth);
    memcpy(p + depth, inner, il);
    memset(p + depth + il, ')', depth);
    p[2 * depth + il] = '\0';
    return p;
}

/* The depth limit: groups count, parentheses in classes and escapes do not. */
static void test_nesting_limit(void **state)
{
    struct hearth_regex *re = NULL;
    struct hearth_errmsg em = {{0}};
    struct hearth_limits lim = hearth_limits_default();
    char *p, lit[200];

    (void)state;
    assert_int_equal(lim.max_regex_depth, 32);
    p = nested(32, "a");
    assert_true(smatch(p, "xax"));
    free(p);
    p = nested(33, "a");
    assert_int_equal(hearth_regex_compile(p, NULL, "hide", &re, &em), HEARTH_E_BAD_REQUEST);
    assert_null(re);
    assert_string_equal(em.msg, "hide: regexp nests groups more than 32 deep");
    assert_int_equal(hearth_regex_compile_full(p, NULL, "drop_frames", &re, &em),
                     HEARTH_E_BAD_REQUEST);
    free(p);
    /* (?: and (?i) groups count like capturing ones */
    p = nested(40, "?:a");
    assert_int_equal(hearth_regex_compile(p, NULL, "focus", &re, &em), HEARTH_E_BAD_REQUEST);
    free(p);
    /* 60 literal parentheses: escaped, in a class, in \Q...\E */
    memset(lit, 0, sizeof(lit));
    for (int i = 0; i < 60; i++)
        memcpy(lit + 2 * i, "\\(", 2);
    assert_true(smatch(lit, "(((((((((((((((((((((((((((((((((((((((((((((((((((((((((((("));
    assert_true(smatch("[((((((((((((((((((((((((((((((((((((((((]", "("));
    assert_true(smatch("[]((((((((((((((((((((((((((((((((((((((((]", "]"));
    assert_true(smatch("[[:alpha:]((((((((((((((((((((((((((((((((((]", "("));
    assert_true(smatch("\\Q((((((((((((((((((((((((((((((((((((((((\\E",
                       "(((((((((((((((((((((((((((((((((((((((("));
    /* a lower limit from the table is obeyed */
    lim.max_regex_depth = 2;
    assert_int_equal(hearth_regex_compile("((a))", &lim, "focus", &re, &em), HEARTH_OK);
    hearth_regex_free(re);
    assert_int_equal(hearth_regex_compile("(((a)))", &lim, "focus", &re, &em),
                     HEARTH_E_BAD_REQUEST);
}

/* max_regex_mem: a pattern whose program would not fit is refused, clearly. */
static void test_memory_limit(void **state)
{
    struct hearth_regex *re = NULL;
    struct hearth_errmsg em = {{0}};
    struct hearth_limits lim = hearth_limits_default();

    (void)state;
    lim.max_regex_mem = 64 * 1024;
    assert_int_equal(hearth_regex_compile("\\pL{100}", &lim, "show", &re, &em),
                     HEARTH_E_BAD_REQUEST);
    assert_null(re);
    assert_non_null(strstr(em.msg, "show: regexp too large"));
    assert_int_equal(hearth_regex_compile("\\pL{100}", NULL, "show", &re, &em), HEARTH_OK);
    hearth_regex_free(re);
}

/*
 * On a thread with a 100 KB stack (civetweb's workers): 750 nested groups
 * (10x the depth that crashed the PCRE2 build) get a clean error, and the
 * largest patterns the limits allow compile and match without overflowing.
 */
struct small_stack_run {
    int ok;
    char msg[512];
};

static void *small_stack_body(void *arg)
{
    struct small_stack_run *r = arg;
    struct hearth_regex *re = NULL;
    struct hearth_errmsg em = {{0}};
    char *p = nested(750, "a"), *big = malloc(4097), subj[4096];
    const char *pats[4];
    size_t i;

    r->ok = 0;
    if (!p || !big)
        goto out;
    if (hearth_regex_compile(p, NULL, "focus", &re, &em) != HEARTH_E_BAD_REQUEST || re) {
        snprintf(r->msg, sizeof(r->msg), "750 nested groups were not refused");
        goto out;
    }
    if (!strstr(em.msg, "nests groups")) {
        snprintf(r->msg, sizeof(r->msg), "750 nested: message %.400s", em.msg);
        goto out;
    }
    free(p);
    /* as deep as allowed, padded to the length limit with alternatives */
    p = nested(31, "(?i)a|b*|[^c]+|\\pL{2,9}");
    snprintf(big, 4097, "%s", p);
    for (i = strlen(big); i + 4 < 4096; i += 4)
        memcpy(big + i, "|x.y", 4);
    big[i] = '\0';
    memset(subj, 'z', sizeof(subj));
    pats[0] = p;
    pats[1] = big;
    pats[2] = "(.*.*)*x";
    pats[3] = "((((((((((((((((((((((((((((((((a))))))))))))))))))))))))))))))))*";
    for (i = 0; i < sizeof(pats) / sizeof(pats[0]); i++) {
        if (hearth_regex_compile(pats[i], NULL, "focus", &re, &em) != HEARTH_OK) {
            snprintf(r->msg, sizeof(r->msg), "pattern %zu refused: %.400s", i, em.msg);
            goto out;
        }
        if (hearth_regex_match(re, subj, sizeof(subj)) < 0) {
            snprintf(r->msg, sizeof(r->msg), "pattern %zu: match failed", i);
            goto out;
        }
        hearth_regex_free(re);
        re = NULL;
        if (hearth_regex_compile_full(pats[i], NULL, "drop_frames", &re, &em) != HEARTH_OK) {
            snprintf(r->msg, sizeof(r->msg), "anchored pattern %zu refused: %.400s", i, em.msg);
            goto out;
        }
        if (hearth_regex_match(re, subj, sizeof(subj)) < 0) {
            snprintf(r->msg, sizeof(r->msg), "anchored pattern %zu: match failed", i);
            goto out;
        }
        hearth_regex_free(re);
        re = NULL;
    }
    r->ok = 1;
out:
    hearth_regex_free(re);
    free(p);
    free(big);
    return NULL;
}

static void test_small_stack(void **state)
{
    struct small_stack_run r = {0, ""};
    pthread_attr_t attr;
    pthread_t t;

    (void)state;
    assert_int_equal(pthread_attr_init(&attr), 0);
    assert_int_equal(pthread_attr_setstacksize(&attr, 100 * 1024), 0);
    assert_int_equal(pthread_create(&t, &attr, small_stack_body, &r), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
    pthread_attr_destroy(&attr);
    if (!r.ok)
        fail_msg("%s", r.msg);
}

/* One compiled regex matched by 4 threads at once gives the same answers. */
struct shared_run {
    const struct hearth_regex *re;
    int wrong;
};

static void *shared_body(void *arg)
{
    struct shared_run *r = arg;
    char s[64];
    int i;

    for (i = 0; i < 20000; i++) {
        int n = snprintf(s, sizeof(s), "pkg.Func%d", i);
        int want = i % 10 == 7;
        if (hearth_regex_match(r->re, s, (size_t)n) != want)
            r->wrong++;
    }
    return NULL;
}

static void test_threads(void **state)
{
    struct hearth_regex *re = NULL;
    struct hearth_errmsg em = {{0}};
    struct shared_run r[4];
    pthread_t t[4];
    int i;

    (void)state;
    assert_int_equal(hearth_regex_compile("Func[0-9]*7$", NULL, "focus", &re, &em), HEARTH_OK);
    for (i = 0; i < 4; i++) {
        r[i].re = re;
        r[i].wrong = 0;
        assert_int_equal(pthread_create(&t[i], NULL, shared_body, &r[i]), 0);
    }
    for (i = 0; i < 4; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
        assert_int_equal(r[i].wrong, 0);
    }
    hearth_regex_free(re);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refuse_pcre_only),     cmocka_unit_test(test_refuse_invalid),
        cmocka_unit_test(test_match_go_semantics),   cmocka_unit_test(test_full),
        cmocka_unit_test(test_invalid_utf8_subject), cmocka_unit_test(test_catastrophic),
        cmocka_unit_test(test_nesting_limit),        cmocka_unit_test(test_memory_limit),
        cmocka_unit_test(test_small_stack),          cmocka_unit_test(test_threads),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
