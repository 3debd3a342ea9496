/*
 * test_memstats.c - hearth_memstats_parse on the exact text Go 1.19's
 * runtime/pprof prints at the end of /debug/pprof/heap?debug=1 and on
 * expvar's /debug/vars JSON, with exact values; the breakdown's identity
 * (the parts sum to Sys); bad input (overflow, missing and doubled fields,
 * broken identities, garbage, megabytes, too many lines); and the hints'
 * rules firing on their scenario only.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hearth/buf.h"
#include "hearth/gctrace.h"
#include "hearth/hints.h"
#include "hearth/jsonw.h"
#include "hearth/limits.h"
#include "hearth/memstats.h"

/* A real block (Go 1.19, tests/peer -spike-mb 128), pause arrays shortened. */
static const char block[] = "heap profile: 1: 196944 [2: 134217728] @ heap/1048576\n"
                            "1: 196944 [1: 196944] @ 0x4 0x5\n"
                            "\n"
                            "# runtime.MemStats\n"
                            "# Alloc = 534944\n"
                            "# TotalAlloc = 134827592\n"
                            "# Sys = 153341224\n"
                            "# Lookups = 0\n"
                            "# Mallocs = 1647\n"
                            "# Frees = 740\n"
                            "# HeapAlloc = 534944\n"
                            "# HeapSys = 138084352\n"
                            "# HeapIdle = 136888320\n"
                            "# HeapInuse = 1196032\n"
                            "# HeapReleased = 2719744\n"
                            "# HeapObjects = 907\n"
                            "# Stack = 327680 / 327680\n"
                            "# MSpan = 39744 / 48816\n"
                            "# MCache = 2400 / 15600\n"
                            "# BuckHashSys = 1445301\n"
                            "# GCSys = 12820400\n"
                            "# OtherSys = 599075\n"
                            "# NextGC = 9223372036837809271\n"
                            "# LastGC = 1796291462789962968\n"
                            "# PauseNs = [224614 22272 153961 0 0]\n"
                            "# PauseEnd = [1796291460668129694 0 0]\n"
                            "# NumGC = 7\n"
                            "# NumForcedGC = 1\n"
                            "# GCCPUFraction = 0.004438581257860818\n"
                            "# DebugGC = false\n"
                            "# MaxRSS = 146796544\n";

static enum hearth_err parse(const char *s, struct hearth_memstats *m, struct hearth_errmsg *em)
{
    return hearth_memstats_parse(s, strlen(s), m, em);
}

static void test_debug1_exact(void **state)
{
    struct hearth_memstats m;
    struct hearth_errmsg em = {{0}};

    (void)state;
    assert_true(hearth_memstats_in_debug1(block, strlen(block)));
    assert_int_equal(parse(block, &m, &em), HEARTH_OK);
    assert_string_equal(m.format, "debug1");
    assert_true(m.v[HEARTH_MS_ALLOC] == 534944);
    assert_true(m.v[HEARTH_MS_TOTAL_ALLOC] == 134827592);
    assert_true(m.v[HEARTH_MS_SYS] == 153341224);
    assert_true(m.v[HEARTH_MS_HEAP_SYS] == 138084352);
    assert_true(m.v[HEARTH_MS_HEAP_IDLE] == 136888320);
    assert_true(m.v[HEARTH_MS_HEAP_INUSE] == 1196032);
    assert_true(m.v[HEARTH_MS_HEAP_RELEASED] == 2719744);
    assert_true(m.v[HEARTH_MS_STACK_INUSE] == 327680);
    assert_true(m.v[HEARTH_MS_STACK_SYS] == 327680);
    assert_true(m.v[HEARTH_MS_MSPAN_INUSE] == 39744);
    assert_true(m.v[HEARTH_MS_MSPAN_SYS] == 48816);
    assert_true(m.v[HEARTH_MS_MCACHE_INUSE] == 2400);
    assert_true(m.v[HEARTH_MS_MCACHE_SYS] == 15600);
    assert_true(m.v[HEARTH_MS_BUCKHASH_SYS] == 1445301);
    assert_true(m.v[HEARTH_MS_GC_SYS] == 12820400);
    assert_true(m.v[HEARTH_MS_OTHER_SYS] == 599075);
    assert_true(m.v[HEARTH_MS_NEXT_GC] == 9223372036837809271ull);
    assert_true(m.v[HEARTH_MS_LAST_GC] == 1796291462789962968ull);
    assert_true(m.v[HEARTH_MS_NUM_GC] == 7);
    assert_true(m.v[HEARTH_MS_NUM_FORCED_GC] == 1);
    assert_true(m.v[HEARTH_MS_MAX_RSS] == 146796544);
    assert_true(m.has_gc_cpu_fraction && m.gc_cpu_fraction == 0.004438581257860818);
    assert_false(m.debug_gc);
    assert_true(m.goroutines == -1);
    /* PauseTotalNs is not in the text: not given */
    assert_false(m.have & (1ull << HEARTH_MS_PAUSE_TOTAL_NS));
}

static void test_breakdown_identity(void **state)
{
    struct hearth_memstats m;
    struct hearth_memstats_parts p;
    struct hearth_errmsg em = {{0}};
    char s[200];

    (void)state;
    assert_int_equal(parse(block, &m, &em), HEARTH_OK);
    hearth_memstats_breakdown(&m, 196944, &p);
    assert_true(p.explained == 196944);
    assert_true(p.beyond == 1196032 - 196944);
    assert_true(p.idle == 136888320 - 2719744);
    assert_true(p.released == 2719744);
    assert_true(p.stacks == 327680);
    assert_true(p.runtime == 48816 + 15600 + 12820400 + 1445301);
    assert_true(p.other == 599075);
    assert_true(p.explained + p.beyond + p.idle + p.released + p.stacks + p.runtime + p.other ==
                p.sys);
    assert_true(p.sys == 153341224);
    hearth_memstats_sentence(&p, s, sizeof(s));
    assert_string_equal(s,
                        "the heap profile accounts for 0.1 % of the 146.2 MB the Go runtime holds");
    /* a profile larger than HeapInuse (it is as of the last GC): capped, the sum still holds */
    hearth_memstats_breakdown(&m, 5000000, &p);
    assert_true(p.explained == 1196032 && p.beyond == 0);
    assert_true(p.explained + p.beyond + p.idle + p.released + p.stacks + p.runtime + p.other ==
                p.sys);
    hearth_memstats_breakdown(&m, -1, &p);
    assert_true(p.explained == 0 && p.beyond == 1196032);
}

static void test_roundtrip_json(void **state)
{
    struct hearth_memstats m, m2;
    struct hearth_errmsg em = {{0}};
    struct hearth_buf b;
    struct hearth_jsonw w;

    (void)state;
    assert_int_equal(parse(block, &m, &em), HEARTH_OK);
    m.goroutines = 42;
    hearth_buf_init(&b, 1 << 20);
    hearth_jsonw_init(&w, &b);
    hearth_memstats_json(&w, &m);
    assert_int_equal(hearth_memstats_parse(b.ptr, b.len, &m2, &em), HEARTH_OK);
    assert_string_equal(m2.format, "expvar");
    assert_memory_equal(m.v, m2.v, sizeof(m.v));
    assert_true(m.have == m2.have);
    assert_true(m2.gc_cpu_fraction == m.gc_cpu_fraction);
    assert_true(m2.goroutines == 42);
    hearth_buf_release(&b);
}

static void test_expvar(void **state)
{
    const char *js =
        "{\"cmdline\":[\"x\"],\"goroutines\":17,\"memstats\":{\"Alloc\":1,\"Sys\":70,"
        "\"HeapSys\":40,\"HeapIdle\":15,\"HeapInuse\":25,\"HeapReleased\":5,\"StackInuse\":8,"
        "\"StackSys\":10,\"MSpanSys\":4,\"MCacheSys\":3,\"BuckHashSys\":2,\"GCSys\":6,"
        "\"OtherSys\":5,\"PauseTotalNs\":99,\"PauseNs\":[1,2],\"BySize\":[{\"Size\":8}],"
        "\"GCCPUFraction\":1.5e-05,\"EnableGC\":true,\"DebugGC\":true}}";
    struct hearth_memstats m;
    struct hearth_errmsg em = {{0}};

    (void)state;
    assert_int_equal(parse(js, &m, &em), HEARTH_OK);
    assert_string_equal(m.format, "expvar");
    assert_true(m.v[HEARTH_MS_SYS] == 70 && m.v[HEARTH_MS_PAUSE_TOTAL_NS] == 99);
    assert_true(m.goroutines == 17);
    assert_true(m.gc_cpu_fraction == 1.5e-05 && m.debug_gc);
}

/* block with one line replaced (find: a line prefix) */
static char *with_line(const char *find, const char *repl)
{
    const char *p = strstr(block, find), *e;
    char *out;
    size_t n;

    assert_non_null(p);
    e = strchr(p, '\n') + 1;
    n = (size_t)(p - block) + strlen(repl) + strlen(e) + 1;
    out = malloc(n);
    assert_non_null(out);
    snprintf(out, n, "%.*s%s%s", (int)(p - block), block, repl, e);
    return out;
}

static void bad(const char *find, const char *repl, enum hearth_err want, const char *msg)
{
    struct hearth_memstats m;
    struct hearth_errmsg em = {{0}};
    char *s = with_line(find, repl);

    assert_int_equal(parse(s, &m, &em), want);
    if (!strstr(em.msg, msg))
        fail_msg("error '%s' does not say '%s'", em.msg, msg);
    assert_true(m.have == 0); /* zeroed on failure */
    free(s);
}

static void test_bad_values(void **state)
{
    (void)state;
    bad("# Sys = ", "# Sys = 18446744073709551616\n", HEARTH_E_CORRUPT, "exceeds 2^63-1");
    bad("# Sys = ", "# Sys = 9223372036854775808\n", HEARTH_E_CORRUPT, "exceeds 2^63-1");
    bad("# Sys = ", "# Sys = 12x\n", HEARTH_E_CORRUPT, "(Sys): not a whole number");
    bad("# Sys = ", "# Sys = -1\n", HEARTH_E_CORRUPT, "(Sys): not a whole number");
    bad("# Sys = ", "# Sys = \n", HEARTH_E_CORRUPT, "(Sys): not a whole number");
    bad("# Sys = ", "\n", HEARTH_E_CORRUPT, "the key field Sys is missing");
    bad("# HeapReleased = ", "", HEARTH_E_CORRUPT, "the key field HeapReleased is missing");
    bad("# Stack = ", "# Stack = 327680\n", HEARTH_E_CORRUPT, "expected \"<inuse> / <sys>\"");
    bad("# Stack = ", "# Stack = 1 / 2 / 3\n", HEARTH_E_CORRUPT, "(Stack): not a whole number");
    bad("# Frees = ", "# Sys = 153341224\n", HEARTH_E_CORRUPT, "Sys is given twice");
    bad("# Sys = ", "# Sys = 153341225\n", HEARTH_E_CORRUPT, "Sys (153341225) is not HeapSys");
    bad("# HeapIdle = ", "# HeapIdle = 1\n", HEARTH_E_CORRUPT, "is not HeapInuse + HeapIdle");
    bad("# GCCPUFraction = ", "# GCCPUFraction = nan\n", HEARTH_E_CORRUPT, "not a number");
    bad("# GCCPUFraction = ", "# GCCPUFraction = 1e999\n", HEARTH_E_CORRUPT, "not a number");
    bad("# DebugGC = ", "# DebugGC = maybe\n", HEARTH_E_CORRUPT, "not true or false");
}

static void test_bad_json(void **state)
{
    struct hearth_memstats m;
    struct hearth_errmsg em = {{0}};

    (void)state;
    assert_int_equal(parse("{\"memstats\":{\"Sys\":18446744073709551616}}", &m, &em),
                     HEARTH_E_CORRUPT);
    assert_non_null(strstr(em.msg, "exceeds 2^63-1"));
    assert_int_equal(parse("{\"memstats\":{\"Sys\":-3}}", &m, &em), HEARTH_E_CORRUPT);
    assert_non_null(strstr(em.msg, "memstats.Sys is not a whole number"));
    assert_int_equal(parse("{\"memstats\":{\"Sys\":\"1\"}}", &m, &em), HEARTH_E_CORRUPT);
    assert_int_equal(parse("{\"cmdline\":[]}", &m, &em), HEARTH_E_CORRUPT);
    assert_non_null(strstr(em.msg, "no \"memstats\" object"));
    assert_int_equal(parse("{\"memstats\":{\"Sys\":1}}", &m, &em), HEARTH_E_CORRUPT);
    assert_non_null(strstr(em.msg, "key field HeapSys is missing"));
    assert_int_equal(parse("{\"memstats\":{\"Sys\":1,\"Sys\":2}}", &m, &em), HEARTH_E_CORRUPT);
    assert_int_equal(parse("{\"memstats\":", &m, &em), HEARTH_E_CORRUPT);
    assert_non_null(strstr(em.msg, "does not parse"));
}

/* Megabytes of garbage; a block pushed out of the searched tail; a flood of lines. */
static void test_huge(void **state)
{
    size_t n = 8u << 20, i;
    char *g = malloc(n + sizeof(block));
    struct hearth_memstats m;
    struct hearth_errmsg em = {{0}};
    struct hearth_buf b;

    (void)state;
    assert_non_null(g);
    for (i = 0; i < n; i++)
        g[i] = (char)("# runtime.MemStats\nx\0\xff"[i % 22]);
    assert_int_equal(hearth_memstats_parse(g, n, &m, &em), HEARTH_E_CORRUPT);
    /* garbage, then a valid block at the end: found (it is the tail) */
    memcpy(g + n, block, sizeof(block) - 1);
    assert_int_equal(hearth_memstats_parse(g, n + sizeof(block) - 1, &m, &em), HEARTH_OK);
    assert_true(m.v[HEARTH_MS_SYS] == 153341224);
    /* a valid block followed by more than the tail of other text: not looked for */
    memcpy(g, block, sizeof(block) - 1);
    memset(g + sizeof(block) - 1, 'x', n - sizeof(block));
    g[n - 1] = '\n';
    assert_int_equal(hearth_memstats_parse(g, n, &m, &em), HEARTH_E_CORRUPT);
    assert_non_null(strstr(em.msg, "no \"# runtime.MemStats\" block in the last 64 KiB"));
    free(g);
    /* more lines than the cap */
    hearth_buf_init(&b, 1 << 20);
    hearth_buf_addstr(&b, block);
    for (i = 0; i < HEARTH_LIMIT_MEMSTATS_LINES; i++)
        hearth_buf_addstr(&b, "# Unknown = 1\n");
    assert_int_equal(hearth_memstats_parse(b.ptr, b.len, &m, &em), HEARTH_E_TOO_LARGE);
    hearth_buf_release(&b);
    /* a JSON body over its cap */
    g = malloc(HEARTH_LIMIT_MEMSTATS_JSON + 2);
    assert_non_null(g);
    memset(g, ' ', HEARTH_LIMIT_MEMSTATS_JSON + 2);
    g[0] = '{';
    assert_int_equal(hearth_memstats_parse(g, HEARTH_LIMIT_MEMSTATS_JSON + 2, &m, &em),
                     HEARTH_E_TOO_LARGE);
    free(g);
    /* nothing at all */
    assert_int_equal(hearth_memstats_parse("", 0, &m, &em), HEARTH_E_CORRUPT);
    assert_false(hearth_memstats_in_debug1("heap profile: 1: 2 [3: 4] @ heap/1\n", 35));
}

/* Unknown lines and a CRLF file are fine. */
static void test_unknown_lines(void **state)
{
    struct hearth_memstats m;
    struct hearth_errmsg em = {{0}};
    char *s = with_line("# Lookups = ", "# BySize = [{8 1 2}]\nnot a comment line\n# X = y\n");
    struct hearth_buf b;
    const char *p;

    (void)state;
    assert_int_equal(parse(s, &m, &em), HEARTH_OK);
    assert_false(m.have & (1ull << HEARTH_MS_LOOKUPS));
    free(s);
    hearth_buf_init(&b, 1 << 20);
    for (p = block; *p; p++) {
        if (*p == '\n')
            hearth_buf_addch(&b, '\r');
        hearth_buf_addch(&b, *p);
    }
    assert_int_equal(hearth_memstats_parse(b.ptr, b.len, &m, &em), HEARTH_OK);
    assert_true(m.v[HEARTH_MS_OTHER_SYS] == 599075);
    hearth_buf_release(&b);
}

/* ---- hints ---- */

static char *hints(const struct hearth_hint_snap *s, size_t n)
{
    struct hearth_buf b;
    struct hearth_jsonw w;

    hearth_buf_init(&b, 1 << 20);
    hearth_jsonw_init(&w, &b);
    hearth_hints_json(&w, s, n, NULL);
    return hearth_buf_detach(&b, NULL);
}

/* A consistent MemStats with the given heap in use, idle, released and stacks. */
static void mk(struct hearth_memstats *m, uint64_t inuse, uint64_t idle, uint64_t rel,
               uint64_t stack, int64_t gor)
{
    memset(m, 0, sizeof(*m));
    m->v[HEARTH_MS_HEAP_INUSE] = inuse;
    m->v[HEARTH_MS_HEAP_IDLE] = idle;
    m->v[HEARTH_MS_HEAP_RELEASED] = rel;
    m->v[HEARTH_MS_HEAP_SYS] = inuse + idle;
    m->v[HEARTH_MS_STACK_SYS] = stack;
    m->v[HEARTH_MS_OTHER_SYS] = 1000;
    m->v[HEARTH_MS_SYS] = inuse + idle + stack + 1000;
    m->goroutines = gor;
    m->format = "debug1";
}

static void test_hints(void **state)
{
    struct hearth_memstats m[4];
    struct hearth_hint_snap s[4];
    char *j;
    int i;

    (void)state;
    memset(s, 0, sizeof(s));
    for (i = 0; i < 4; i++)
        s[i].goroutines = -1;
    /* healthy: steady heap, little idle, stacks flat: no hint */
    for (i = 0; i < 4; i++) {
        mk(&m[i], 40u << 20, 10u << 20, 5u << 20, 1u << 20, 20);
        s[i].ms = &m[i];
        s[i].profile_id = "p";
    }
    j = hints(s, 4);
    assert_string_equal(j, "[]");
    free(j);
    /* a spike kept idle: 130 MB idle, 2 MB released, 40 MB in use */
    mk(&m[2], 40u << 20, 130u << 20, 2u << 20, 1u << 20, 20);
    j = hints(s, 4);
    assert_non_null(strstr(j, "\"rule\":\"idle_heap\""));
    assert_non_null(strstr(j, "\"snapshot\":3"));
    assert_non_null(strstr(j, "\"idle_not_returned\":134217728"));
    free(j);
    /* idle just under the heap in use: no hint */
    mk(&m[2], 80u << 20, 81u << 20, 2u << 20, 1u << 20, 20);
    j = hints(s, 4);
    assert_string_equal(j, "[]");
    free(j);
    /* goroutines only growing (counts known) */
    for (i = 0; i < 4; i++)
        mk(&m[i], 40u << 20, 10u << 20, 5u << 20, (1u << 20) + (uint64_t)i * 300000, 20 + i * 200);
    j = hints(s, 4);
    assert_non_null(strstr(j, "\"rule\":\"goroutine_leak\""));
    assert_non_null(strstr(j, "\"goroutines_first\":20,\"goroutines_last\":620"));
    free(j);
    /* one dip: not "only growing" */
    m[2].goroutines = 100;
    j = hints(s, 4);
    assert_null(strstr(j, "goroutine_leak"));
    free(j);
    /* no counts: stacks decide (+2 MB, x3) */
    for (i = 0; i < 4; i++)
        mk(&m[i], 40u << 20, 10u << 20, 5u << 20, (1u << 20) + (uint64_t)i * (700u << 10), -1);
    j = hints(s, 4);
    assert_non_null(strstr(j, "\"by\":\"stacks\""));
    free(j);
    /* no MemStats at all, counts from goroutine profiles */
    for (i = 0; i < 4; i++) {
        s[i].ms = NULL;
        s[i].goroutines = 10 + i * 150;
    }
    j = hints(s, 4);
    assert_non_null(strstr(j, "\"by\":\"goroutine_profiles\""));
    assert_non_null(strstr(j, "\"goroutines_first\":10,\"goroutines_last\":460"));
    free(j);
    for (i = 0; i < 4; i++) {
        s[i].ms = &m[i];
        s[i].goroutines = -1;
    }
    /* MaxRSS far above Sys: memory outside the runtime; MaxRSS near Sys: nothing */
    for (i = 0; i < 4; i++) {
        mk(&m[i], 40u << 20, 10u << 20, 5u << 20, 1u << 20, 20);
        m[i].v[HEARTH_MS_MAX_RSS] = m[i].v[HEARTH_MS_SYS] + (8u << 20);
        m[i].have |= 1ull << HEARTH_MS_MAX_RSS;
    }
    j = hints(s, 4);
    assert_string_equal(j, "[]");
    free(j);
    m[1].v[HEARTH_MS_MAX_RSS] = m[1].v[HEARTH_MS_SYS] + (60u << 20);
    j = hints(s, 4);
    assert_non_null(strstr(j, "\"rule\":\"outside_runtime\""));
    assert_non_null(strstr(j, "\"snapshot\":2"));
    assert_non_null(strstr(j, "\"outside\":62914560"));
    free(j);
    for (i = 0; i < 4; i++)
        m[i].have &= ~(1ull << HEARTH_MS_MAX_RSS);
    /* race frames */
    for (i = 0; i < 4; i++)
        mk(&m[i], 40u << 20, 10u << 20, 5u << 20, 1u << 20, 20);
    s[1].race_frame = "runtime.racewrite";
    j = hints(s, 4);
    assert_non_null(strstr(j, "\"rule\":\"race\""));
    assert_non_null(strstr(j, "built with -race, which multiplies memory use several times"));
    assert_non_null(strstr(j, "\"frame\":\"runtime.racewrite\""));
    free(j);
    assert_true(hearth_hints_is_race_frame("__tsan_read", 11));
    assert_true(hearth_hints_is_race_frame("runtime.racecall", 16));
    assert_false(hearth_hints_is_race_frame("runtime.rac", 11));
    assert_false(hearth_hints_is_race_frame("main.race", 9));
}

/* n GC lines: goal(i), heap before/live(i) MB, cumulative CPU % at the last line. */
static char *gc_log(int n, int goal0, int goal_step, int before, int live, int cpu_last)
{
    struct hearth_buf b;
    int i;

    hearth_buf_init(&b, 1 << 20);
    for (i = 1; i <= n; i++)
        hearth_buf_printf(&b,
                          "gc %d @%d.000s %d%%: 0.01+1.0+0.02 ms clock, 0.04+0.3/1.0/0.8+0.08 ms "
                          "cpu, %d->%d->%d MB, %d MB goal, 0 MB stacks, 0 MB globals, 4 P\n",
                          i, i, i == n ? cpu_last : 1, before, before + 1, live,
                          goal0 + goal_step * (i - 1));
    return hearth_buf_detach(&b, NULL);
}

static char *gc_hints(const char *log)
{
    struct hearth_gctrace *g = NULL;
    struct hearth_errmsg em = {{0}};
    struct hearth_buf b;
    struct hearth_jsonw w;

    assert_int_equal(hearth_gctrace_parse(log, strlen(log), 0, &g, &em), HEARTH_OK);
    hearth_buf_init(&b, 1 << 20);
    hearth_jsonw_init(&w, &b);
    hearth_hints_json(&w, NULL, 0, g);
    hearth_gctrace_free(g);
    return hearth_buf_detach(&b, NULL);
}

static void test_gctrace_hints(void **state)
{
    char *log, *j;

    (void)state;
    /* a goal rising 4 -> 34 MB over 16 GCs: goal_rising, with the quarters' medians */
    log = gc_log(16, 4, 2, 10, 8, 2);
    j = gc_hints(log);
    assert_non_null(strstr(j, "\"rule\":\"goal_rising\""));
    assert_non_null(strstr(j, "\"goal_mb_quarters\":[8,16,24,32]"));
    assert_null(strstr(j, "gc_cpu_garbage"));
    free(j);
    free(log);
    /* warming up, then level (4, 8, 8, 9 MB by quarter): nothing */
    {
        const char *warm = "gc 1 @0.1s 1%: 0.01+1.0+0.02 ms clock, 0.04+0.3/1.0/0.8+0.08 ms cpu, "
                           "3->3->1 MB, 4 MB goal, 4 P\n";
        struct hearth_buf b;
        static const int goals[14] = {4, 4, 5, 8, 9, 8, 8, 8, 8, 8, 8, 9, 9, 8};
        int i;
        hearth_buf_init(&b, 1 << 20);
        hearth_buf_addstr(&b, warm);
        for (i = 1; i < 14; i++)
            hearth_buf_printf(&b,
                              "gc %d @%d.1s 1%%: 0.01+1.0+0.02 ms clock, 0.04+0.3/1.0/0.8+0.08 ms "
                              "cpu, 8->8->4 MB, %d MB goal, 4 P\n",
                              i + 1, i, goals[i]);
        j = gc_hints(b.ptr);
        assert_string_equal(j, "[]");
        free(j);
        hearth_buf_release(&b);
    }
    /* a flat goal: nothing; 7 GCs rising: too few */
    log = gc_log(16, 20, 0, 10, 8, 2);
    j = gc_hints(log);
    assert_string_equal(j, "[]");
    free(j);
    free(log);
    log = gc_log(7, 4, 10, 10, 8, 2);
    j = gc_hints(log);
    assert_string_equal(j, "[]");
    free(j);
    free(log);
    /* GC CPU 15 % with 80 % garbage at every GC: gc_cpu_garbage */
    log = gc_log(16, 20, 0, 10, 2, 15);
    j = gc_hints(log);
    assert_non_null(strstr(j, "\"rule\":\"gc_cpu_garbage\""));
    assert_non_null(strstr(j, "\"gc_cpu_pct\":15,\"median_garbage_share\":0.8"));
    free(j);
    free(log);
    /* high CPU but little garbage (a live heap), or much garbage at 9 %: nothing */
    log = gc_log(16, 20, 0, 10, 8, 15);
    j = gc_hints(log);
    assert_string_equal(j, "[]");
    free(j);
    free(log);
    log = gc_log(16, 20, 0, 10, 2, 9);
    j = gc_hints(log);
    assert_string_equal(j, "[]");
    free(j);
    free(log);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_debug1_exact),   cmocka_unit_test(test_breakdown_identity),
        cmocka_unit_test(test_roundtrip_json), cmocka_unit_test(test_expvar),
        cmocka_unit_test(test_bad_values),     cmocka_unit_test(test_bad_json),
        cmocka_unit_test(test_huge),           cmocka_unit_test(test_unknown_lines),
        cmocka_unit_test(test_hints),          cmocka_unit_test(test_gctrace_hints),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
