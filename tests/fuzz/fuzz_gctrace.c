/*
 * fuzz_gctrace.c - libFuzzer target for the GODEBUG=gctrace=1 parser
 * (gctrace.h): any bytes are a log. Checks, beyond "no crash":
 *  - lines counts the input's lines (a last line without '\n' counts) and
 *    equals GCs + skipped;
 *  - the parse is line by line: a line is a GC in the log exactly when it
 *    is one on its own;
 *  - every track holds at least one GC, in log order, with strictly
 *    increasing GC numbers no more than HEARTH_GCTRACE_MAX_GAP + 1 apart
 *    and non-decreasing times; every number is finite and non-negative;
 *    "interleaved" needs two tracks;
 *  - max_lines: the line count itself is accepted, one less is TOO_LARGE;
 *  - the JSON is valid (jansson) and agrees with the struct.
 */
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hearth/buf.h"
#include "hearth/gctrace.h"

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            abort();                                                                               \
    } while (0)

static size_t count_lines(const char *s, size_t n)
{
    size_t i, k = 0;

    for (i = 0; i < n; i++)
        k += s[i] == '\n';
    return k + (n > 0 && s[n - 1] != '\n');
}

static size_t total_gcs(const struct hearth_gctrace *t)
{
    size_t i, k = 0;

    for (i = 0; i < t->ntracks; i++)
        k += t->tracks[i].n;
    return k;
}

static bool finite_nonneg(double v)
{
    return isfinite(v) && v >= 0;
}

static void check_gc(const struct hearth_gctrace_gc *g)
{
    CHECK(finite_nonneg(g->t) && finite_nonneg(g->cpu_pct));
    CHECK(finite_nonneg(g->clock_sweep) && finite_nonneg(g->clock_mark) &&
          finite_nonneg(g->clock_term));
    CHECK(finite_nonneg(g->cpu_sweep) && finite_nonneg(g->cpu_assist) && finite_nonneg(g->cpu_bg) &&
          finite_nonneg(g->cpu_idle) && finite_nonneg(g->cpu_term));
    CHECK(g->has_stacks || g->stacks == 0);
    CHECK(g->has_globals || g->globals == 0);
}

static void check_struct(const struct hearth_gctrace *t)
{
    size_t i, j;

    CHECK(t->ntracks <= HEARTH_GCTRACE_MAX_TRACKS);
    CHECK(t->ntracks == 0 || t->tracks);
    CHECK(!t->interleaved || t->ntracks >= 2);
    CHECK(t->skipped <= t->lines);
    for (i = 0; i < t->ntracks; i++) {
        const struct hearth_gctrace_track *tr = &t->tracks[i];
        CHECK(tr->n >= 1 && tr->n <= tr->cap);
        for (j = 0; j < tr->n; j++) {
            check_gc(&tr->gcs[j]);
            if (j == 0)
                continue;
            CHECK(tr->gcs[j].gc > tr->gcs[j - 1].gc);
            CHECK(tr->gcs[j].gc - tr->gcs[j - 1].gc <= HEARTH_GCTRACE_MAX_GAP + 1);
            CHECK(tr->gcs[j].t >= tr->gcs[j - 1].t);
        }
    }
}

/* Each line on its own: the number of GC lines. */
static size_t gcs_line_by_line(const char *s, size_t n)
{
    size_t pos = 0, k = 0;

    while (pos < n) {
        const char *nl = memchr(s + pos, '\n', n - pos);
        size_t len = nl ? (size_t)(nl - (s + pos)) : n - pos;
        struct hearth_gctrace *one = NULL;
        struct hearth_errmsg em;

        CHECK(hearth_gctrace_parse(s + pos, len, 0, &one, &em) == HEARTH_OK);
        CHECK(one->lines == (len > 0) && one->ntracks <= 1);
        k += total_gcs(one);
        hearth_gctrace_free(one);
        pos += len + (nl ? 1 : 0);
    }
    return k;
}

static void check_json(const struct hearth_gctrace *t)
{
    struct hearth_buf b;
    struct hearth_errmsg em;
    json_t *root, *tracks;
    size_t i;

    hearth_buf_init(&b, (size_t)64 << 20);
    CHECK(hearth_gctrace_json(t, &b, &em) == HEARTH_OK);
    root = json_loadb(b.ptr, b.len, 0, NULL);
    CHECK(root && json_is_object(root));
    CHECK((size_t)json_integer_value(json_object_get(root, "lines")) == t->lines);
    CHECK((size_t)json_integer_value(json_object_get(root, "skipped")) == t->skipped);
    CHECK(json_is_boolean(json_object_get(root, "interleaved")) &&
          json_is_true(json_object_get(root, "interleaved")) == t->interleaved);
    tracks = json_object_get(root, "tracks");
    CHECK(json_is_array(tracks) && json_array_size(tracks) == t->ntracks);
    for (i = 0; i < t->ntracks; i++) {
        json_t *tr = json_array_get(tracks, i);
        size_t n = t->tracks[i].n;
        CHECK((size_t)json_integer_value(json_object_get(tr, "gcs")) == n);
        CHECK(json_array_size(json_object_get(tr, "gc")) == n);
        CHECK(json_array_size(json_object_get(tr, "t")) == n);
        CHECK(json_array_size(json_object_get(tr, "stw_ms")) == n);
        CHECK(json_array_size(json_object_get(json_object_get(tr, "summary"), "garbage_share")) ==
              n);
    }
    json_decref(root);
    hearth_buf_release(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    struct hearth_gctrace *t = NULL, *capped = NULL;
    struct hearth_errmsg em;
    enum hearth_err e;
    size_t lines = count_lines(s, size);

    e = hearth_gctrace_parse(s, size, 0, &t, &em);
    if (e != HEARTH_OK) {
        /* only too many processes (GC numbers restarting) may fail */
        CHECK(t == NULL && e == HEARTH_E_TOO_LARGE);
        return 0;
    }
    check_struct(t);
    CHECK(t->lines == lines);
    CHECK(total_gcs(t) + t->skipped == t->lines);
    CHECK(gcs_line_by_line(s, size) == total_gcs(t));
    check_json(t);

    /* the cap on lines: exactly enough is fine, one less is refused */
    if (lines >= 1) {
        CHECK(hearth_gctrace_parse(s, size, lines, &capped, &em) == HEARTH_OK);
        CHECK(capped->lines == t->lines && capped->skipped == t->skipped &&
              capped->ntracks == t->ntracks);
        hearth_gctrace_free(capped);
        capped = NULL;
    }
    if (lines >= 2) {
        CHECK(hearth_gctrace_parse(s, size, lines - 1, &capped, &em) == HEARTH_E_TOO_LARGE);
        CHECK(capped == NULL);
    }
    hearth_gctrace_free(t);
    return 0;
}
