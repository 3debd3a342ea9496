/* memstats.c - runtime.MemStats from debug=1 text or expvar JSON; see include/hearth/memstats.h. */
#define _GNU_SOURCE
#include "hearth/memstats.h"

#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "hearth/buf.h"
#include "hearth/jsonw.h"
#include "hearth/limits.h"

#include "hearth/banned.h"

#define MARKER "# runtime.MemStats"

static const char *const names[HEARTH_MS_NFIELDS] = {
    "Alloc",       "TotalAlloc",  "Sys",        "Lookups",   "Mallocs",      "Frees",
    "HeapAlloc",   "HeapSys",     "HeapIdle",   "HeapInuse", "HeapReleased", "HeapObjects",
    "StackInuse",  "StackSys",    "MSpanInuse", "MSpanSys",  "MCacheInuse",  "MCacheSys",
    "BuckHashSys", "GCSys",       "OtherSys",   "NextGC",    "LastGC",       "PauseTotalNs",
    "NumGC",       "NumForcedGC", "MaxRSS",
};

static const int required[] = {
    HEARTH_MS_SYS,           HEARTH_MS_HEAP_SYS,  HEARTH_MS_HEAP_IDLE, HEARTH_MS_HEAP_INUSE,
    HEARTH_MS_HEAP_RELEASED, HEARTH_MS_STACK_SYS, HEARTH_MS_MSPAN_SYS, HEARTH_MS_MCACHE_SYS,
    HEARTH_MS_BUCKHASH_SYS,  HEARTH_MS_GC_SYS,    HEARTH_MS_OTHER_SYS,
};

/* The text's pair lines: "# Stack = <inuse> / <sys>". */
static const struct {
    const char *name;
    int inuse, sys;
} pairs[] = {
    {"Stack", HEARTH_MS_STACK_INUSE, HEARTH_MS_STACK_SYS},
    {"MSpan", HEARTH_MS_MSPAN_INUSE, HEARTH_MS_MSPAN_SYS},
    {"MCache", HEARTH_MS_MCACHE_INUSE, HEARTH_MS_MCACHE_SYS},
};

const char *hearth_memstats_field_name(int f)
{
    return f >= 0 && f < HEARTH_MS_NFIELDS ? names[f] : NULL;
}

static int field_of(const char *s, size_t n)
{
    int i;

    for (i = 0; i < HEARTH_MS_NFIELDS; i++)
        if (strlen(names[i]) == n && !memcmp(names[i], s, n))
            return i;
    return -1;
}

/* Store field f; a second value of the same field is an error. */
static enum hearth_err put(struct hearth_memstats *m, int f, uint64_t v, struct hearth_errmsg *em)
{
    if (m->have & (1ull << f))
        return hearth_errmsg_set(em, HEARTH_E_CORRUPT, "MemStats: %s is given twice", names[f]);
    m->v[f] = v;
    m->have |= 1ull << f;
    return HEARTH_OK;
}

/* Required fields and the runtime's identities. */
static enum hearth_err check(const struct hearth_memstats *m, struct hearth_errmsg *em)
{
    const uint64_t *v = m->v;
    uint64_t sum = 0, heap;
    size_t i;
    bool ovf = false;

    for (i = 0; i < sizeof(required) / sizeof(required[0]); i++)
        if (!(m->have & (1ull << required[i])))
            return hearth_errmsg_set(em, HEARTH_E_CORRUPT, "MemStats: the key field %s is missing",
                                     names[required[i]]);
    ovf |= __builtin_add_overflow(v[HEARTH_MS_HEAP_INUSE], v[HEARTH_MS_HEAP_IDLE], &heap);
    if (ovf || heap != v[HEARTH_MS_HEAP_SYS])
        return hearth_errmsg_set(em, HEARTH_E_CORRUPT,
                                 "MemStats: HeapSys (%" PRIu64 ") is not HeapInuse + HeapIdle",
                                 v[HEARTH_MS_HEAP_SYS]);
    if (v[HEARTH_MS_HEAP_RELEASED] > v[HEARTH_MS_HEAP_IDLE])
        return hearth_errmsg_set(em, HEARTH_E_CORRUPT,
                                 "MemStats: HeapReleased (%" PRIu64 ") exceeds HeapIdle (%" PRIu64
                                 ")",
                                 v[HEARTH_MS_HEAP_RELEASED], v[HEARTH_MS_HEAP_IDLE]);
    {
        static const int parts[] = {
            HEARTH_MS_HEAP_SYS,     HEARTH_MS_STACK_SYS, HEARTH_MS_MSPAN_SYS, HEARTH_MS_MCACHE_SYS,
            HEARTH_MS_BUCKHASH_SYS, HEARTH_MS_GC_SYS,    HEARTH_MS_OTHER_SYS};
        for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
            ovf |= __builtin_add_overflow(sum, v[parts[i]], &sum);
    }
    if (ovf || sum != v[HEARTH_MS_SYS])
        return hearth_errmsg_set(em, HEARTH_E_CORRUPT,
                                 "MemStats: Sys (%" PRIu64
                                 ") is not HeapSys + StackSys + MSpanSys + MCacheSys + "
                                 "BuckHashSys + GCSys + OtherSys",
                                 v[HEARTH_MS_SYS]);
    return HEARTH_OK;
}

/* ---- the text block ---- */

/* Decimal digits [s, e) as a value <= INT64_MAX; false if not digits or too large. */
static bool num_u63(const char *s, const char *e, uint64_t *out, bool *overflow)
{
    uint64_t v = 0;

    *overflow = false;
    if (s == e)
        return false;
    for (; s < e; s++) {
        if (*s < '0' || *s > '9')
            return false;
        if (v > ((uint64_t)INT64_MAX - (uint64_t)(*s - '0')) / 10) {
            *overflow = true;
            return false;
        }
        v = v * 10 + (uint64_t)(*s - '0');
    }
    *out = v;
    return true;
}

static enum hearth_err bad_num(const char *name, size_t lineno, bool overflow,
                               struct hearth_errmsg *em)
{
    return hearth_errmsg_set(em, HEARTH_E_CORRUPT,
                             overflow ? "MemStats line %zu (%s): the number exceeds 2^63-1"
                                      : "MemStats line %zu (%s): not a whole number",
                             lineno, name);
}

/* One "# Name = value" line [s, e) (no newline), line number lineno of the block. */
static enum hearth_err text_line(struct hearth_memstats *m, const char *s, const char *e,
                                 size_t lineno, struct hearth_errmsg *em)
{
    const char *name, *ne, *val;
    char nm[32];
    size_t i;
    int f;
    bool ovf;
    uint64_t a, b;

    if (e > s && e[-1] == '\r')
        e--;
    if (e - s < 2 || s[0] != '#' || s[1] != ' ')
        return HEARTH_OK; /* not a field line: skipped */
    name = s + 2;
    for (ne = name; ne < e && ((*ne >= 'A' && *ne <= 'Z') || (*ne >= 'a' && *ne <= 'z'));)
        ne++;
    if (ne == name || ne - name >= (ptrdiff_t)sizeof(nm) || e - ne < 3 || memcmp(ne, " = ", 3))
        return HEARTH_OK;
    val = ne + 3;
    snprintf(nm, sizeof(nm), "%.*s", (int)(ne - name), name);
    for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
        if (!strcmp(nm, pairs[i].name)) {
            const char *sl = memchr(val, '/', (size_t)(e - val));
            if (!sl || sl - val < 2 || e - sl < 3 || sl[-1] != ' ' || sl[1] != ' ')
                return hearth_errmsg_set(em, HEARTH_E_CORRUPT,
                                         "MemStats line %zu (%s): expected \"<inuse> / <sys>\"",
                                         lineno, nm);
            if (!num_u63(val, sl - 1, &a, &ovf) || !num_u63(sl + 2, e, &b, &ovf))
                return bad_num(nm, lineno, ovf, em);
            if (put(m, pairs[i].inuse, a, em) || put(m, pairs[i].sys, b, em))
                return HEARTH_E_CORRUPT;
            return HEARTH_OK;
        }
    if (!strcmp(nm, "GCCPUFraction")) {
        char tok[64];
        char *end = NULL;
        double d;
        if (m->has_gc_cpu_fraction)
            return hearth_errmsg_set(em, HEARTH_E_CORRUPT,
                                     "MemStats: GCCPUFraction is given twice");
        const char *q;
        if (e - val < 1 || e - val >= (ptrdiff_t)sizeof(tok))
            return hearth_errmsg_set(em, HEARTH_E_CORRUPT,
                                     "MemStats line %zu (GCCPUFraction): not a number", lineno);
        for (q = val; q < e; q++)
            if (!strchr("0123456789.eE+-", *q) || !*q)
                return hearth_errmsg_set(em, HEARTH_E_CORRUPT,
                                         "MemStats line %zu (GCCPUFraction): not a number", lineno);
        snprintf(tok, sizeof(tok), "%.*s", (int)(e - val), val);
        d = strtod(tok, &end);
        if (!end || *end || !isfinite(d) || d < 0)
            return hearth_errmsg_set(em, HEARTH_E_CORRUPT,
                                     "MemStats line %zu (GCCPUFraction): not a number", lineno);
        m->gc_cpu_fraction = d;
        m->has_gc_cpu_fraction = true;
        return HEARTH_OK;
    }
    if (!strcmp(nm, "DebugGC")) {
        if (e - val == 4 && !memcmp(val, "true", 4))
            m->debug_gc = true;
        else if (e - val == 5 && !memcmp(val, "false", 5))
            m->debug_gc = false;
        else
            return hearth_errmsg_set(em, HEARTH_E_CORRUPT,
                                     "MemStats line %zu (DebugGC): not true or false", lineno);
        return HEARTH_OK;
    }
    f = field_of(nm, strlen(nm));
    if (f < 0 || f == HEARTH_MS_STACK_INUSE || f == HEARTH_MS_STACK_SYS ||
        f == HEARTH_MS_MSPAN_INUSE || f == HEARTH_MS_MSPAN_SYS || f == HEARTH_MS_MCACHE_INUSE ||
        f == HEARTH_MS_MCACHE_SYS)
        return HEARTH_OK; /* PauseNs = [...], PauseEnd, BySize, a newer Go's fields: skipped */
    if (!num_u63(val, e, &a, &ovf))
        return bad_num(nm, lineno, ovf, em);
    return put(m, f, a, em);
}

/* Where the last "# runtime.MemStats" line starts in the tail of buf, or NULL. */
static const char *find_block(const char *buf, size_t n)
{
    size_t tail = n < HEARTH_LIMIT_MEMSTATS_TAIL ? n : HEARTH_LIMIT_MEMSTATS_TAIL;
    const char *start = buf + (n - tail), *p, *found = NULL;
    size_t ml = strlen(MARKER);

    for (p = start; (size_t)(buf + n - p) >= ml;) {
        const char *hit = memmem(p, (size_t)(buf + n - p), MARKER, ml);
        if (!hit)
            break;
        if ((hit == buf || hit[-1] == '\n') &&
            (hit + ml == buf + n || hit[ml] == '\n' || hit[ml] == '\r'))
            found = hit;
        p = hit + 1;
    }
    return found;
}

static enum hearth_err parse_text(const char *buf, size_t n, struct hearth_memstats *m,
                                  struct hearth_errmsg *em)
{
    const char *p = find_block(buf, n), *end = buf + n;
    size_t lineno = 0;
    enum hearth_err e;

    if (!p)
        return hearth_errmsg_set(em, HEARTH_E_CORRUPT,
                                 "no \"" MARKER "\" block in the last %d KiB: not the end of a "
                                 "Go heap profile fetched with ?debug=1",
                                 (int)(HEARTH_LIMIT_MEMSTATS_TAIL >> 10));
    m->format = "debug1";
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        if (++lineno > HEARTH_LIMIT_MEMSTATS_LINES)
            return hearth_errmsg_set(em, HEARTH_E_TOO_LARGE,
                                     "the MemStats block has more than %d lines",
                                     HEARTH_LIMIT_MEMSTATS_LINES);
        if (lineno > 1) {
            e = text_line(m, p, le, lineno, em);
            if (e)
                return e;
        }
        p = nl ? nl + 1 : end;
    }
    return check(m, em);
}

/* ---- expvar JSON ---- */

static enum hearth_err parse_json(const char *buf, size_t n, struct hearth_memstats *m,
                                  struct hearth_errmsg *em)
{
    json_error_t jerr;
    json_t *root, *ms, *v;
    enum hearth_err e = HEARTH_OK;
    int f;

    if (n > HEARTH_LIMIT_MEMSTATS_JSON)
        return hearth_errmsg_set(em, HEARTH_E_TOO_LARGE,
                                 "the /debug/vars JSON is larger than %d KiB",
                                 (int)(HEARTH_LIMIT_MEMSTATS_JSON >> 10));
    root = json_loadb(buf, n, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return hearth_errmsg_set(
            em, HEARTH_E_CORRUPT, "the /debug/vars JSON does not parse (line %d): %s", jerr.line,
            strstr(jerr.text, "too big") ? "a number exceeds 2^63-1" : jerr.text);
    m->format = "expvar";
    ms = json_object_get(root, "memstats");
    if (!json_is_object(ms)) {
        e = hearth_errmsg_set(em, HEARTH_E_CORRUPT,
                              "the JSON has no \"memstats\" object (expvar's /debug/vars)");
        goto out;
    }
    for (f = 0; f < HEARTH_MS_NFIELDS; f++) {
        v = json_object_get(ms, names[f]);
        if (!v)
            continue;
        if (!json_is_integer(v) || json_integer_value(v) < 0) {
            e = hearth_errmsg_set(em, HEARTH_E_CORRUPT, "memstats.%s is not a whole number >= 0",
                                  names[f]);
            goto out;
        }
        m->v[f] = (uint64_t)json_integer_value(v);
        m->have |= 1ull << f;
    }
    v = json_object_get(ms, "GCCPUFraction");
    if (v) {
        if (!json_is_number(v) || !isfinite(json_number_value(v)) || json_number_value(v) < 0) {
            e = hearth_errmsg_set(em, HEARTH_E_CORRUPT, "memstats.GCCPUFraction is not a number");
            goto out;
        }
        m->gc_cpu_fraction = json_number_value(v);
        m->has_gc_cpu_fraction = true;
    }
    v = json_object_get(ms, "DebugGC");
    if (v) {
        if (!json_is_boolean(v)) {
            e = hearth_errmsg_set(em, HEARTH_E_CORRUPT, "memstats.DebugGC is not true or false");
            goto out;
        }
        m->debug_gc = json_is_true(v);
    }
    v = json_object_get(root, "goroutines");
    if (!v)
        v = json_object_get(root, "NumGoroutine");
    if (v) {
        if (!json_is_integer(v) || json_integer_value(v) < 0) {
            e = hearth_errmsg_set(em, HEARTH_E_CORRUPT, "goroutines is not a whole number >= 0");
            goto out;
        }
        m->goroutines = (int64_t)json_integer_value(v);
    }
    e = check(m, em);
out:
    json_decref(root);
    return e;
}

bool hearth_memstats_in_debug1(const void *buf, size_t n)
{
    return n >= 13 && !memcmp(buf, "heap profile:", 13) && find_block(buf, n) != NULL;
}

enum hearth_err hearth_memstats_parse(const void *buf, size_t n, struct hearth_memstats *out,
                                      struct hearth_errmsg *em)
{
    const char *s = buf;
    size_t i = 0;
    enum hearth_err e;

    memset(out, 0, sizeof(*out));
    out->goroutines = -1;
    while (i < n && i < 4096 && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
        i++;
    if (i < n && s[i] == '{')
        e = parse_json(s, n, out, em);
    else
        e = parse_text(s, n, out, em);
    if (e) {
        memset(out, 0, sizeof(*out));
        out->goroutines = -1;
    }
    return e;
}

/* ---- output ---- */

static void key_u64(struct hearth_jsonw *w, const char *k, uint64_t v)
{
    hearth_jsonw_key(w, k);
    hearth_jsonw_int(w, v > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)v);
}

void hearth_memstats_fields_json(struct hearth_jsonw *w, const struct hearth_memstats *m)
{
    int f;

    hearth_jsonw_obj_open(w);
    for (f = 0; f < HEARTH_MS_NFIELDS; f++)
        if (m->have & (1ull << f))
            key_u64(w, names[f], m->v[f]);
    if (m->has_gc_cpu_fraction) {
        hearth_jsonw_key(w, "GCCPUFraction");
        /* every digit: the stored value reads back the same */
        hearth_buf_printf(w->b, "%.17g", m->gc_cpu_fraction);
        w->need_comma[w->depth] = true;
    }
    hearth_jsonw_key(w, "DebugGC");
    hearth_jsonw_bool(w, m->debug_gc);
    hearth_jsonw_obj_close(w);
}

void hearth_memstats_json(struct hearth_jsonw *w, const struct hearth_memstats *m)
{
    hearth_jsonw_obj_open(w);
    hearth_jsonw_key(w, "memstats");
    hearth_memstats_fields_json(w, m);
    if (m->goroutines >= 0) {
        hearth_jsonw_key(w, "goroutines");
        hearth_jsonw_int(w, m->goroutines);
    }
    hearth_jsonw_obj_close(w);
}

void hearth_memstats_breakdown(const struct hearth_memstats *m, int64_t profile_inuse,
                               struct hearth_memstats_parts *out)
{
    const uint64_t *v = m->v;
    uint64_t inuse = v[HEARTH_MS_HEAP_INUSE];

    memset(out, 0, sizeof(*out));
    out->profile_inuse = profile_inuse;
    out->sys = v[HEARTH_MS_SYS];
    out->explained = profile_inuse <= 0                ? 0
                     : (uint64_t)profile_inuse < inuse ? (uint64_t)profile_inuse
                                                       : inuse;
    out->beyond = inuse - out->explained;
    out->idle = v[HEARTH_MS_HEAP_IDLE] - v[HEARTH_MS_HEAP_RELEASED];
    out->released = v[HEARTH_MS_HEAP_RELEASED];
    out->stacks = v[HEARTH_MS_STACK_SYS];
    out->runtime = v[HEARTH_MS_MSPAN_SYS] + v[HEARTH_MS_MCACHE_SYS] + v[HEARTH_MS_GC_SYS] +
                   v[HEARTH_MS_BUCKHASH_SYS];
    out->other = v[HEARTH_MS_OTHER_SYS];
}

void hearth_memstats_sentence(const struct hearth_memstats_parts *p, char *out, size_t cap)
{
    double pct = p->sys ? 100.0 * (double)p->explained / (double)p->sys : 0;

    if (p->profile_inuse < 0)
        snprintf(out, cap, "the Go runtime holds %.1f MB; this snapshot has no inuse_space total",
                 (double)p->sys / 1048576.0);
    else
        snprintf(out, cap,
                 "the heap profile accounts for %.1f %% of the %.1f MB the Go runtime holds", pct,
                 (double)p->sys / 1048576.0);
}

void hearth_memstats_parts_json(struct hearth_jsonw *w, const struct hearth_memstats_parts *p)
{
    char s[200];

    key_u64(w, "sys", p->sys);
    hearth_jsonw_key(w, "profile_inuse");
    if (p->profile_inuse >= 0)
        hearth_jsonw_int(w, p->profile_inuse);
    else
        hearth_jsonw_null(w);
    key_u64(w, "explained", p->explained);
    key_u64(w, "beyond", p->beyond);
    key_u64(w, "idle", p->idle);
    key_u64(w, "released", p->released);
    key_u64(w, "stacks", p->stacks);
    key_u64(w, "runtime", p->runtime);
    key_u64(w, "other", p->other);
    hearth_jsonw_key(w, "percent");
    hearth_jsonw_double(w, p->sys ? 100.0 * (double)p->explained / (double)p->sys : 0);
    hearth_memstats_sentence(p, s, sizeof(s));
    hearth_jsonw_key(w, "sentence");
    hearth_jsonw_cstr(w, s);
}
