/* hints.c - hints with their evidence; see include/hearth/hints.h. */
#define _GNU_SOURCE
#include "hearth/hints.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hearth/gctrace.h"
#include "hearth/jsonw.h"
#include "hearth/profile.h"

#include "hearth/banned.h"

#define LINK_MEMSTATS  "https://pkg.go.dev/runtime#MemStats"
#define LINK_GOROUTINE "https://go.dev/doc/diagnostics#profiling"
#define LINK_RACE      "https://go.dev/doc/articles/race_detector#Runtime_Overheads"
#define LINK_GC        "https://go.dev/doc/gc-guide"

#define MB(x) ((double)(x) / 1048576.0)

static void open_hint(struct hearth_jsonw *w, const char *rule, const char *title, const char *text,
                      const char *link)
{
    hearth_jsonw_obj_open(w);
    hearth_jsonw_key(w, "rule");
    hearth_jsonw_cstr(w, rule);
    hearth_jsonw_key(w, "title");
    hearth_jsonw_cstr(w, title);
    hearth_jsonw_key(w, "text");
    hearth_jsonw_cstr(w, text);
    hearth_jsonw_key(w, "link");
    hearth_jsonw_cstr(w, link);
    hearth_jsonw_key(w, "evidence");
    hearth_jsonw_obj_open(w);
}

static void close_hint(struct hearth_jsonw *w)
{
    hearth_jsonw_obj_close(w);
    hearth_jsonw_obj_close(w);
}

static void ev_u64(struct hearth_jsonw *w, const char *k, uint64_t v)
{
    hearth_jsonw_key(w, k);
    hearth_jsonw_int(w, v > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)v);
}

int hearth_hints_is_race_frame(const char *name, size_t len)
{
    return (len >= 12 && !memcmp(name, "runtime.race", 12)) ||
           (len >= 7 && !memcmp(name, "__tsan_", 7));
}

/* Rule idle_heap: the snapshot with the most idle heap not returned. */
static void idle_heap(struct hearth_jsonw *w, const struct hearth_hint_snap *s, size_t n)
{
    size_t i, best = n;
    uint64_t top = 0;
    char text[600];

    for (i = 0; i < n; i++) {
        const uint64_t *v;
        uint64_t idle;
        if (!s[i].ms)
            continue;
        v = s[i].ms->v;
        idle = v[HEARTH_MS_HEAP_IDLE] - v[HEARTH_MS_HEAP_RELEASED];
        if (idle >= HEARTH_HINT_IDLE_MIN && idle >= v[HEARTH_MS_HEAP_INUSE] && idle > top) {
            top = idle;
            best = i;
        }
    }
    if (best == n)
        return;
    {
        const uint64_t *v = s[best].ms->v;
        snprintf(text, sizeof(text),
                 "At snapshot %zu the Go runtime held %.1f MB of idle heap it had not returned to "
                 "the OS, more than the %.1f MB of heap in use (the process holds %.1f MB in "
                 "all). A heap profile never shows it: it is what is left of a past peak (a "
                 "spike of allocations, since freed). The runtime returns it slowly, in the "
                 "background; debug.FreeOSMemory() returns it at once, and a memory limit "
                 "(GOMEMLIMIT) makes the runtime return it under pressure.",
                 best + 1, MB(top), MB(v[HEARTH_MS_HEAP_INUSE]), MB(v[HEARTH_MS_SYS]));
        open_hint(w, "idle_heap", "Idle heap not returned to the OS", text, LINK_MEMSTATS);
        hearth_jsonw_key(w, "snapshot");
        hearth_jsonw_int(w, (int64_t)best + 1);
        hearth_jsonw_key(w, "profile");
        hearth_jsonw_cstr(w, s[best].profile_id ? s[best].profile_id : "");
        ev_u64(w, "idle_not_returned", top);
        ev_u64(w, "HeapIdle", v[HEARTH_MS_HEAP_IDLE]);
        ev_u64(w, "HeapReleased", v[HEARTH_MS_HEAP_RELEASED]);
        ev_u64(w, "HeapInuse", v[HEARTH_MS_HEAP_INUSE]);
        ev_u64(w, "Sys", v[HEARTH_MS_SYS]);
        ev_u64(w, "threshold", HEARTH_HINT_IDLE_MIN);
        close_hint(w);
    }
}

/* Rule outside_runtime: the peak RSS far above all the Go runtime holds. */
static void outside_runtime(struct hearth_jsonw *w, const struct hearth_hint_snap *s, size_t n)
{
    size_t i, best = n;
    uint64_t top = 0;
    char text[700];

    for (i = 0; i < n; i++) {
        const uint64_t *v;
        uint64_t extra;
        if (!s[i].ms || !(s[i].ms->have & (1ull << HEARTH_MS_MAX_RSS)))
            continue;
        v = s[i].ms->v;
        if (v[HEARTH_MS_MAX_RSS] <= v[HEARTH_MS_SYS])
            continue;
        extra = v[HEARTH_MS_MAX_RSS] - v[HEARTH_MS_SYS];
        if (extra >= HEARTH_HINT_OUTSIDE_MIN && extra * 2 >= v[HEARTH_MS_SYS] && extra > top) {
            top = extra;
            best = i;
        }
    }
    if (best == n)
        return;
    {
        const uint64_t *v = s[best].ms->v;
        snprintf(text, sizeof(text),
                 "At snapshot %zu the process's peak resident memory (MaxRSS, %.1f MB) was %.1fx "
                 "all the Go runtime holds (Sys, %.1f MB): %.1f MB live outside the Go "
                 "runtime's accounting, where no Go profile can show them: memory allocated by C "
                 "code (cgo, C libraries), or the race detector's shadow memory when the binary "
                 "was built with -race.",
                 best + 1, MB(v[HEARTH_MS_MAX_RSS]),
                 (double)v[HEARTH_MS_MAX_RSS] / (double)(v[HEARTH_MS_SYS] ? v[HEARTH_MS_SYS] : 1),
                 MB(v[HEARTH_MS_SYS]), MB(top));
        open_hint(w, "outside_runtime", "Memory outside the Go runtime", text, LINK_RACE);
        hearth_jsonw_key(w, "snapshot");
        hearth_jsonw_int(w, (int64_t)best + 1);
        hearth_jsonw_key(w, "profile");
        hearth_jsonw_cstr(w, s[best].profile_id ? s[best].profile_id : "");
        ev_u64(w, "MaxRSS", v[HEARTH_MS_MAX_RSS]);
        ev_u64(w, "Sys", v[HEARTH_MS_SYS]);
        ev_u64(w, "outside", top);
        ev_u64(w, "threshold", HEARTH_HINT_OUTSIDE_MIN);
        close_hint(w);
    }
}

/*
 * Whether the values never fall over the snapshots that have them and rise
 * by at least min_rise and by at least half the first value; fills the
 * first and last values and how many snapshots had one.
 */
static bool only_grows(const int64_t *v, size_t n, int64_t min_rise, int64_t *first, int64_t *last,
                       size_t *count)
{
    size_t i;
    int64_t prev = -1;

    *count = 0;
    *first = *last = -1;
    for (i = 0; i < n; i++) {
        if (v[i] < 0)
            continue;
        if (prev >= 0 && v[i] < prev)
            return false;
        if (*first < 0)
            *first = v[i];
        prev = *last = v[i];
        (*count)++;
    }
    return *count >= HEARTH_HINT_MIN_SNAPS && *last - *first >= min_rise &&
           (*last - *first) * 2 >= *first;
}

/* Rule goroutine_leak: goroutine counts, else StackSys, that only grow. */
static void goroutine_leak(struct hearth_jsonw *w, const struct hearth_hint_snap *s, size_t n)
{
    int64_t *g = calloc(n ? n : 1, sizeof(*g)), *st = calloc(n ? n : 1, sizeof(*st));
    int64_t f = -1, l = -1, sf = -1, sl = -1;
    size_t i, cnt = 0, scnt = 0, known = 0;
    bool by_count, by_stack;
    char text[600];

    if (!g || !st)
        goto out;
    for (i = 0; i < n; i++) {
        g[i] = s[i].ms && s[i].ms->goroutines >= 0 ? s[i].ms->goroutines : s[i].goroutines;
        st[i] = s[i].ms ? (int64_t)s[i].ms->v[HEARTH_MS_STACK_SYS] : -1;
        known += g[i] >= 0;
    }
    by_count = known >= HEARTH_HINT_MIN_SNAPS &&
               only_grows(g, n, HEARTH_HINT_GOROUTINES_MIN, &f, &l, &cnt);
    by_stack = only_grows(st, n, (int64_t)HEARTH_HINT_STACK_MIN, &sf, &sl, &scnt);
    /* with counts known, they decide: stacks alone also grow with deeper calls */
    if (known >= HEARTH_HINT_MIN_SNAPS ? !by_count : !by_stack)
        goto out;
    if (by_count) {
        char stacks[120] = "";
        if (sf >= 0)
            snprintf(stacks, sizeof(stacks), ", and the stack memory %.1f MB -> %.1f MB", MB(sf),
                     MB(sl));
        snprintf(text, sizeof(text),
                 "The goroutine count never fell over %zu snapshots: %" PRId64 " -> %" PRId64
                 " goroutines%s. Goroutines that are started and never return (blocked on a "
                 "channel or a lock nobody releases) keep their stacks and everything they "
                 "reference. A goroutine profile (/debug/pprof/goroutine) shows where they wait.",
                 cnt, f, l, stacks);
    } else
        snprintf(text, sizeof(text),
                 "The runtime's stack memory (StackSys) never fell over %zu snapshots: %.1f MB "
                 "-> %.1f MB. Stack memory that only grows is most often goroutines that never "
                 "return (a goroutine leak); a goroutine profile (/debug/pprof/goroutine) shows "
                 "where they wait.",
                 scnt, MB(sf), MB(sl));
    open_hint(w, "goroutine_leak", "Goroutines or stack memory only growing", text, LINK_GOROUTINE);
    hearth_jsonw_key(w, "snapshots");
    hearth_jsonw_int(w, (int64_t)(by_count ? cnt : scnt));
    if (by_count) {
        hearth_jsonw_key(w, "goroutines_first");
        hearth_jsonw_int(w, f);
        hearth_jsonw_key(w, "goroutines_last");
        hearth_jsonw_int(w, l);
    }
    if (sf >= 0) {
        hearth_jsonw_key(w, "StackSys_first");
        hearth_jsonw_int(w, sf);
        hearth_jsonw_key(w, "StackSys_last");
        hearth_jsonw_int(w, sl);
    }
    hearth_jsonw_key(w, "by");
    hearth_jsonw_cstr(w, !by_count                             ? "stacks"
                         : s[0].ms && s[0].ms->goroutines >= 0 ? "goroutines"
                                                               : "goroutine_profiles");
    close_hint(w);
out:
    free(g);
    free(st);
}

static void race(struct hearth_jsonw *w, const struct hearth_hint_snap *s, size_t n)
{
    size_t i, hits = 0, first = n;
    char text[600];

    for (i = 0; i < n; i++)
        if (s[i].race_frame) {
            hits++;
            if (first == n)
                first = i;
        }
    if (!hits)
        return;
    snprintf(text, sizeof(text),
             "Snapshot %zu has the race detector's frame %.200s (%zu of %zu snapshots have "
             "such frames): this binary was built with -race, which multiplies memory use "
             "several times (5-10x) and slows it 2-20x. Its memory is not the program's: "
             "measure a build without -race.",
             first + 1, s[first].race_frame, hits, n);
    open_hint(w, "race", "Built with -race", text, LINK_RACE);
    hearth_jsonw_key(w, "snapshot");
    hearth_jsonw_int(w, (int64_t)first + 1);
    hearth_jsonw_key(w, "profile");
    hearth_jsonw_cstr(w, s[first].profile_id ? s[first].profile_id : "");
    hearth_jsonw_key(w, "frame");
    hearth_jsonw_cstr(w, s[first].race_frame);
    hearth_jsonw_key(w, "snapshots_with_frames");
    hearth_jsonw_int(w, (int64_t)hits);
    close_hint(w);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

/* The median goal of gcs [a, b) (b > a). */
static uint64_t median_goal(const struct hearth_gctrace_track *t, size_t a, size_t b, uint64_t *tmp)
{
    size_t i;

    for (i = a; i < b; i++)
        tmp[i - a] = t->gcs[i].goal;
    qsort(tmp, b - a, sizeof(*tmp), cmp_u64);
    return tmp[(b - a) / 2];
}

static void gctrace_rules(struct hearth_jsonw *w, const struct hearth_gctrace *g)
{
    const struct hearth_gctrace_track *t = NULL;
    uint64_t q[4], *tmp = NULL;
    double *gs = NULL, garbage, cpu;
    size_t i, k;
    char text[700];
    bool rising = true;

    for (i = 0; g && i < g->ntracks; i++)
        if (!t || g->tracks[i].n > t->n)
            t = &g->tracks[i];
    if (!t || t->n < HEARTH_HINT_GC_MIN)
        return;
    tmp = calloc(t->n, sizeof(*tmp));
    gs = calloc(t->n, sizeof(*gs));
    if (!tmp || !gs)
        goto out;
    for (k = 0; k < 4; k++) {
        q[k] = median_goal(t, t->n * k / 4, t->n * (k + 1) / 4, tmp);
        if (k && q[k] <= q[k - 1]) /* strictly: a heap warming up to its size levels off */
            rising = false;
    }
    if (rising && q[3] >= 2 * q[0] && q[3] > q[0]) {
        snprintf(text, sizeof(text),
                 "The heap goal of the gctrace keeps rising: its median per quarter of the log "
                 "is %" PRIu64 ", %" PRIu64 ", %" PRIu64 ", %" PRIu64
                 " MB over %zu GCs. The goal is the live heap after a GC times (1 + GOGC/100): "
                 "a goal that only rises is a live heap that only grows (a leak, or a cache "
                 "without a bound).",
                 q[0], q[1], q[2], q[3], t->n);
        open_hint(w, "goal_rising", "Heap goal keeps rising", text, LINK_GC);
        hearth_jsonw_key(w, "gcs");
        hearth_jsonw_int(w, (int64_t)t->n);
        hearth_jsonw_key(w, "goal_mb_quarters");
        hearth_jsonw_arr_open(w);
        for (k = 0; k < 4; k++)
            hearth_jsonw_int(w, (int64_t)q[k]);
        hearth_jsonw_arr_close(w);
        close_hint(w);
    }
    for (i = 0; i < t->n; i++) {
        const struct hearth_gctrace_gc *c = &t->gcs[i];
        gs[i] = c->heap_before && c->heap_live < c->heap_before
                    ? ((double)c->heap_before - (double)c->heap_live) / (double)c->heap_before
                    : 0;
    }
    qsort(gs, t->n, sizeof(*gs), cmp_dbl);
    garbage = gs[t->n / 2];
    cpu = t->gcs[t->n - 1].cpu_pct;
    if (cpu >= HEARTH_HINT_GC_CPU_PCT && garbage >= HEARTH_HINT_GARBAGE) {
        snprintf(text, sizeof(text),
                 "The GC has used %.0f %% of the CPU since the process started, and the median "
                 "GC found %.0f %% of the heap garbage (over %zu GCs): the program allocates "
                 "short-lived memory fast. Fewer allocations in the hot paths (see an "
                 "alloc_space profile), or a higher GOGC / GOMEMLIMIT, cut the GC's share.",
                 cpu, garbage * 100, t->n);
        open_hint(w, "gc_cpu_garbage", "GC CPU high while most of the heap is garbage", text,
                  LINK_GC);
        hearth_jsonw_key(w, "gcs");
        hearth_jsonw_int(w, (int64_t)t->n);
        hearth_jsonw_key(w, "gc_cpu_pct");
        hearth_jsonw_double(w, cpu);
        hearth_jsonw_key(w, "median_garbage_share");
        hearth_jsonw_double(w, garbage);
        close_hint(w);
    }
out:
    free(tmp);
    free(gs);
}

void hearth_hints_json(struct hearth_jsonw *w, const struct hearth_hint_snap *s, size_t n,
                       const struct hearth_gctrace *g)
{
    hearth_jsonw_arr_open(w);
    idle_heap(w, s, n);
    outside_runtime(w, s, n);
    goroutine_leak(w, s, n);
    race(w, s, n);
    gctrace_rules(w, g);
    hearth_jsonw_arr_close(w);
}

void hearth_hints_race_frame(const struct hearth_profile *p, char *out, size_t cap)
{
    uint32_t i;

    *out = '\0';
    for (i = 0; i < p->nfunc; i++) {
        struct hearth_str s = hearth_pstr(p, p->fn_name[i]);
        if (hearth_hints_is_race_frame(s.ptr, s.len)) {
            snprintf(out, cap, "%.*s", (int)(s.len > 200 ? 200 : s.len), s.ptr);
            return;
        }
    }
}
