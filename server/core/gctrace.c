/* gctrace.c - GODEBUG=gctrace=1 log parser; see include/hearth/gctrace.h. */
#include "hearth/gctrace.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hearth/buf.h"
#include "hearth/jsonw.h"

#include "hearth/banned.h"

/* A cursor over one line: [p, end). */
struct cur {
    const char *p;
    const char *end;
};

static bool lit(struct cur *c, const char *s)
{
    size_t n = strlen(s);

    if ((size_t)(c->end - c->p) < n || memcmp(c->p, s, n) != 0)
        return false;
    c->p += n;
    return true;
}

static bool is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

/* An unsigned decimal integer; false on no digits or overflow. */
static bool num_u64(struct cur *c, uint64_t *v)
{
    uint64_t x = 0;
    const char *start = c->p;

    while (c->p < c->end && is_digit(*c->p)) {
        unsigned d = (unsigned)(*c->p - '0');

        if (x > (UINT64_MAX - d) / 10)
            return false;
        x = x * 10 + d;
        c->p++;
    }
    if (c->p == start)
        return false;
    *v = x;
    return true;
}

/*
 * An unsigned decimal "123", "0.5" or "1." (Go's print of floats): copied to a
 * short NUL-terminated token for strtod. Longer tokens are refused, so the
 * value is always finite.
 */
static bool num_dbl(struct cur *c, double *v)
{
    char tok[48];
    size_t n = 0;
    bool dot = false;

    while (c->p < c->end && (is_digit(*c->p) || (*c->p == '.' && !dot))) {
        if (*c->p == '.')
            dot = true;
        if (n + 1 >= sizeof(tok))
            return false;
        tok[n++] = *c->p++;
    }
    if (n == 0 || !is_digit(tok[0]))
        return false;
    tok[n] = '\0';
    *v = strtod(tok, NULL);
    return true;
}

/* "a+b+...+z" with at least 3 parts: first, sum of middle, last. */
static bool clock_list(struct cur *c, struct hearth_gctrace_gc *g)
{
    double v, mid = 0, prev = 0;
    int k = 0;

    do {
        if (!num_dbl(c, &v))
            return false;
        if (k == 0)
            g->clock_sweep = v;
        else if (k >= 2)
            mid += prev; /* the previous part was a middle one */
        prev = v;
        if (++k > 16)
            return false;
    } while (lit(c, "+"));
    if (k < 3)
        return false;
    g->clock_mark = mid;
    g->clock_term = prev;
    return true;
}

/*
 * "a+b/c/d+e" (or Go 1.5's "a+b+c+d/e/f+g"): '+'-separated groups, exactly
 * one of which is the assist/background/idle triple; the first and last
 * groups are sweep and mark termination.
 */
static bool cpu_list(struct cur *c, struct hearth_gctrace_gc *g)
{
    int k = 0, triples = 0;
    double v;

    do {
        double parts[3];
        int np = 0;

        do {
            if (!num_dbl(c, &v) || np >= 3)
                return false;
            parts[np++] = v;
        } while (lit(c, "/"));
        if (np == 3) {
            triples++;
            g->cpu_assist = parts[0];
            g->cpu_bg = parts[1];
            g->cpu_idle = parts[2];
        } else if (np != 1) {
            return false;
        } else if (k == 0) {
            g->cpu_sweep = parts[0];
        } else {
            g->cpu_term = parts[0];
        }
        if (++k > 16)
            return false;
    } while (lit(c, "+"));
    return triples == 1 && k >= 3;
}

static bool label_char(char ch)
{
    return is_digit(ch) || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '.' ||
           ch == '_' || ch == '-' || ch == ':';
}

/* An optional "[label] " prefix into label (NUL-terminated, "" when none). */
static bool line_label(struct cur *c, char label[HEARTH_GCTRACE_LABEL + 1])
{
    const char *p = c->p;
    size_t n = 0;

    label[0] = '\0';
    if (p >= c->end || *p != '[')
        return true;
    for (p++; p < c->end && label_char(*p); p++) {
        if (n >= HEARTH_GCTRACE_LABEL)
            return false;
        label[n++] = *p;
    }
    if (n == 0 || p + 1 >= c->end || p[0] != ']' || p[1] != ' ')
        return false;
    label[n] = '\0';
    c->p = p + 2;
    return true;
}

/* Parse one line (without its '\n'); false when it is not a GC line. */
static bool parse_line(const char *s, size_t n, struct hearth_gctrace_gc *g,
                       char label[HEARTH_GCTRACE_LABEL + 1])
{
    struct cur c = {s, s + n};
    bool goal = false, procs = false;
    uint64_t v;

    memset(g, 0, sizeof(*g));
    while (c.end > c.p && (c.end[-1] == '\r' || c.end[-1] == ' '))
        c.end--;
    if (!line_label(&c, label))
        return false;
    if (!lit(&c, "gc ") || !num_u64(&c, &g->gc) || !lit(&c, " @") || !num_dbl(&c, &g->t) ||
        !lit(&c, "s ") || !num_dbl(&c, &g->cpu_pct) || !lit(&c, "%: "))
        return false;
    if (!clock_list(&c, g) || !lit(&c, " ms clock, "))
        return false;
    if (!cpu_list(&c, g) || !lit(&c, " ms cpu, "))
        return false;
    if (!num_u64(&c, &g->heap_before) || !lit(&c, "->") || !num_u64(&c, &g->heap_after) ||
        !lit(&c, "->") || !num_u64(&c, &g->heap_live) || !lit(&c, " MB"))
        return false;
    /* ", N MB goal", ", N MB stacks", ", N MB globals", ", N P" in any order */
    while (lit(&c, ", ")) {
        if (!num_u64(&c, &v))
            return false;
        if (lit(&c, " MB goal")) {
            g->goal = v;
            goal = true;
        } else if (lit(&c, " MB stacks")) {
            g->stacks = v;
            g->has_stacks = true;
        } else if (lit(&c, " MB globals")) {
            g->globals = v;
            g->has_globals = true;
        } else if (lit(&c, " P")) {
            g->procs = v;
            procs = true;
        } else {
            return false;
        }
    }
    if (lit(&c, " (forced)"))
        g->forced = true;
    return c.p == c.end && goal && procs;
}

/* Parser state beyond the result: the recently active tracks. */
struct state {
    struct hearth_gctrace *t;
    size_t active[HEARTH_GCTRACE_ACTIVE]; /* track indexes, most recent first */
    size_t nactive;
    size_t prev; /* track of the previous GC line */
    bool have_prev;
};

static void touch(struct state *st, size_t pos, size_t track)
{
    /* move (or insert, when pos == nactive) track to the front */
    if (pos == st->nactive && st->nactive < HEARTH_GCTRACE_ACTIVE)
        st->nactive++;
    if (pos >= st->nactive)
        pos = st->nactive - 1; /* full: the least recent one drops out */
    memmove(&st->active[1], &st->active[0], pos * sizeof(st->active[0]));
    st->active[0] = track;
}

static uint64_t dist(uint64_t a, uint64_t b)
{
    return a > b ? a - b : b - a;
}

/*
 * Whether g continues a track ending in a better than one ending in b (both
 * possible): gc == last+1 first, then the largest last GC number, then the
 * heap closest to the last goal (a GC starts near the previous goal), then the
 * latest last time.
 */
static bool better(const struct hearth_gctrace_gc *g, const struct hearth_gctrace_gc *a,
                   const struct hearth_gctrace_gc *b)
{
    bool anext = a->gc + 1 == g->gc, bnext = b->gc + 1 == g->gc;
    uint64_t ad, bd;

    if (anext != bnext)
        return anext;
    if (a->gc != b->gc)
        return a->gc > b->gc;
    ad = dist(g->heap_before, a->goal);
    bd = dist(g->heap_before, b->goal);
    if (ad != bd)
        return ad < bd;
    return a->t > b->t;
}

static enum hearth_err add_gc(struct state *st, const struct hearth_gctrace_gc *g,
                              const char *label, struct hearth_errmsg *em)
{
    struct hearth_gctrace *t = st->t;
    struct hearth_gctrace_track *tr;
    size_t best = SIZE_MAX, best_pos = 0, i, idx;

    for (i = 0; i < st->nactive; i++) {
        const struct hearth_gctrace_gc *last;
        const struct hearth_gctrace_gc *bl;

        tr = &t->tracks[st->active[i]];
        last = &tr->gcs[tr->n - 1];
        if (strcmp(tr->label, label) != 0 || last->gc >= g->gc || last->t > g->t ||
            g->gc - last->gc > HEARTH_GCTRACE_MAX_GAP + 1)
            continue;
        if (best == SIZE_MAX) {
            best = st->active[i];
            best_pos = i;
            continue;
        }
        bl = &t->tracks[best].gcs[t->tracks[best].n - 1];
        if (better(g, last, bl)) {
            best = st->active[i];
            best_pos = i;
        }
    }
    if (best == SIZE_MAX) {
        struct hearth_gctrace_track *nt;

        if (t->ntracks >= HEARTH_GCTRACE_MAX_TRACKS)
            return hearth_errmsg_set(em, HEARTH_E_TOO_LARGE,
                                     "gctrace: more than %d processes (GC numbers restart)",
                                     HEARTH_GCTRACE_MAX_TRACKS);
        nt = realloc(t->tracks, (t->ntracks + 1) * sizeof(*nt));
        if (!nt)
            return hearth_errmsg_set(em, HEARTH_E_NOMEM, "gctrace: out of memory");
        t->tracks = nt;
        memset(&nt[t->ntracks], 0, sizeof(*nt));
        snprintf(nt[t->ntracks].label, sizeof(nt[t->ntracks].label), "%s", label);
        best = t->ntracks++;
        best_pos = st->nactive;
    } else if (st->have_prev && best != st->prev) {
        t->interleaved = true;
    }
    idx = best;
    tr = &t->tracks[idx];
    if (tr->n == tr->cap) {
        size_t cap = tr->cap ? tr->cap * 2 : 16;
        struct hearth_gctrace_gc *ng;

        if (cap > SIZE_MAX / sizeof(*ng))
            return hearth_errmsg_set(em, HEARTH_E_NOMEM, "gctrace: out of memory");
        ng = realloc(tr->gcs, cap * sizeof(*ng));
        if (!ng)
            return hearth_errmsg_set(em, HEARTH_E_NOMEM, "gctrace: out of memory");
        tr->gcs = ng;
        tr->cap = cap;
    }
    tr->gcs[tr->n++] = *g;
    touch(st, best_pos, idx);
    st->prev = idx;
    st->have_prev = true;
    return HEARTH_OK;
}

enum hearth_err hearth_gctrace_parse(const char *text, size_t len, size_t max_lines,
                                     struct hearth_gctrace **out, struct hearth_errmsg *em)
{
    struct state st;
    enum hearth_err e = HEARTH_OK;
    size_t pos = 0;

    *out = NULL;
    memset(&st, 0, sizeof(st));
    st.t = calloc(1, sizeof(*st.t));
    if (!st.t)
        return hearth_errmsg_set(em, HEARTH_E_NOMEM, "gctrace: out of memory");
    if (!text)
        len = 0;
    while (pos < len) {
        const char *s = text + pos;
        const char *nl = memchr(s, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - s) : len - pos;
        struct hearth_gctrace_gc g;
        char label[HEARTH_GCTRACE_LABEL + 1];

        pos += n + (nl ? 1 : 0);
        if (max_lines && st.t->lines >= max_lines) {
            e = hearth_errmsg_set(em, HEARTH_E_TOO_LARGE, "gctrace: more than %zu lines",
                                  max_lines);
            goto out_free;
        }
        st.t->lines++;
        if (!parse_line(s, n, &g, label)) {
            st.t->skipped++;
            continue;
        }
        e = add_gc(&st, &g, label, em);
        if (e != HEARTH_OK)
            goto out_free;
    }
    *out = st.t;
    return HEARTH_OK;

out_free:
    hearth_gctrace_free(st.t);
    return e;
}

void hearth_gctrace_free(struct hearth_gctrace *t)
{
    size_t i;

    if (!t)
        return;
    for (i = 0; i < t->ntracks; i++)
        free(t->tracks[i].gcs);
    free(t->tracks);
    free(t);
}

enum gc_field {
    F_GC,
    F_T,
    F_CPU_PCT,
    F_BEFORE,
    F_AFTER,
    F_LIVE,
    F_GOAL,
    F_STACKS,
    F_GLOBALS,
    F_PROCS,
    F_FORCED,
    F_STW,
    F_GARBAGE,
};

static double garbage_share(const struct hearth_gctrace_gc *g)
{
    double s;

    if (g->heap_before == 0 || g->heap_live >= g->heap_before)
        return 0;
    s = ((double)g->heap_before - (double)g->heap_live) / (double)g->heap_before;
    return s > 1 ? 1 : s;
}

static int64_t clamp_i64(uint64_t v)
{
    return v > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)v;
}

/* One array of one field over the GCs of a track. */
static void field_array(struct hearth_jsonw *w, const struct hearth_gctrace_track *tr,
                        const char *key, enum gc_field f)
{
    size_t i;

    hearth_jsonw_key(w, key);
    hearth_jsonw_arr_open(w);
    for (i = 0; i < tr->n; i++) {
        const struct hearth_gctrace_gc *g = &tr->gcs[i];

        switch (f) {
        case F_GC:
            hearth_jsonw_int(w, clamp_i64(g->gc));
            break;
        case F_T:
            hearth_jsonw_double(w, g->t);
            break;
        case F_CPU_PCT:
            hearth_jsonw_double(w, g->cpu_pct);
            break;
        case F_BEFORE:
            hearth_jsonw_int(w, clamp_i64(g->heap_before));
            break;
        case F_AFTER:
            hearth_jsonw_int(w, clamp_i64(g->heap_after));
            break;
        case F_LIVE:
            hearth_jsonw_int(w, clamp_i64(g->heap_live));
            break;
        case F_GOAL:
            hearth_jsonw_int(w, clamp_i64(g->goal));
            break;
        case F_STACKS:
            if (g->has_stacks)
                hearth_jsonw_int(w, clamp_i64(g->stacks));
            else
                hearth_jsonw_null(w);
            break;
        case F_GLOBALS:
            if (g->has_globals)
                hearth_jsonw_int(w, clamp_i64(g->globals));
            else
                hearth_jsonw_null(w);
            break;
        case F_PROCS:
            hearth_jsonw_int(w, clamp_i64(g->procs));
            break;
        case F_FORCED:
            hearth_jsonw_int(w, g->forced ? 1 : 0);
            break;
        case F_STW:
            hearth_jsonw_double(w, g->clock_sweep + g->clock_term);
            break;
        case F_GARBAGE:
            hearth_jsonw_double(w, garbage_share(g));
            break;
        }
    }
    hearth_jsonw_arr_close(w);
}

static void track_json(struct hearth_jsonw *w, const struct hearth_gctrace_track *tr)
{
    bool any_stacks = false, any_globals = false;
    uint64_t peak = 0;
    double cpu = 0;
    size_t i;

    for (i = 0; i < tr->n; i++) {
        const struct hearth_gctrace_gc *g = &tr->gcs[i];

        any_stacks |= g->has_stacks;
        any_globals |= g->has_globals;
        if (g->heap_before > peak)
            peak = g->heap_before;
        if (g->heap_after > peak)
            peak = g->heap_after;
        cpu += g->cpu_pct;
    }
    hearth_jsonw_obj_open(w);
    hearth_jsonw_key(w, "label");
    if (tr->label[0])
        hearth_jsonw_cstr(w, tr->label);
    else
        hearth_jsonw_null(w);
    hearth_jsonw_key(w, "gcs");
    hearth_jsonw_int(w, (int64_t)tr->n);
    field_array(w, tr, "gc", F_GC);
    field_array(w, tr, "t", F_T);
    field_array(w, tr, "cpu_pct", F_CPU_PCT);
    field_array(w, tr, "heap_before", F_BEFORE);
    field_array(w, tr, "heap_after", F_AFTER);
    field_array(w, tr, "heap_live", F_LIVE);
    field_array(w, tr, "goal", F_GOAL);
    if (any_stacks) {
        field_array(w, tr, "stacks", F_STACKS);
    } else {
        hearth_jsonw_key(w, "stacks");
        hearth_jsonw_null(w);
    }
    if (any_globals) {
        field_array(w, tr, "globals", F_GLOBALS);
    } else {
        hearth_jsonw_key(w, "globals");
        hearth_jsonw_null(w);
    }
    field_array(w, tr, "procs", F_PROCS);
    field_array(w, tr, "forced", F_FORCED);
    field_array(w, tr, "stw_ms", F_STW);
    hearth_jsonw_key(w, "summary");
    hearth_jsonw_obj_open(w);
    hearth_jsonw_key(w, "gcs");
    hearth_jsonw_int(w, (int64_t)tr->n);
    hearth_jsonw_key(w, "peak_heap_mb");
    hearth_jsonw_int(w, clamp_i64(peak));
    hearth_jsonw_key(w, "avg_cpu_pct");
    hearth_jsonw_double(w, tr->n ? cpu / (double)tr->n : 0);
    field_array(w, tr, "garbage_share", F_GARBAGE);
    hearth_jsonw_obj_close(w);
    hearth_jsonw_obj_close(w);
}

enum hearth_err hearth_gctrace_json(const struct hearth_gctrace *t, struct hearth_buf *out,
                                    struct hearth_errmsg *em)
{
    struct hearth_jsonw w;
    size_t i;

    hearth_jsonw_init(&w, out);
    hearth_jsonw_obj_open(&w);
    hearth_jsonw_key(&w, "lines");
    hearth_jsonw_int(&w, (int64_t)t->lines);
    hearth_jsonw_key(&w, "skipped");
    hearth_jsonw_int(&w, (int64_t)t->skipped);
    hearth_jsonw_key(&w, "tracks");
    hearth_jsonw_arr_open(&w);
    for (i = 0; i < t->ntracks && !out->fail; i++)
        track_json(&w, &t->tracks[i]);
    hearth_jsonw_arr_close(&w);
    hearth_jsonw_key(&w, "interleaved");
    hearth_jsonw_bool(&w, t->interleaved);
    hearth_jsonw_obj_close(&w);
    if (out->fail)
        return hearth_errmsg_set(em, out->fail, "gctrace: output larger than the limit");
    return HEARTH_OK;
}
