/*
 * stacks.h - from a profile and a query to weighted node stacks.
 *
 * hearth_stacks_build() runs pprof's report pipeline up to the point where
 * every view diverges: it picks the sample index, computes the report total
 * (before filters, as pprof does), applies focus/ignore/hide/show, show_from
 * and tagfocus/tagignore in pprof's order, aggregates frames to the
 * granularity (functions, files, lines, ...) and collapses samples into
 * distinct stacks of nodes with summed weights.
 *
 * A node is one identity of pprof's graph (name, file, line, address,
 * object file, start line after aggregation); frames are stored root first
 * as (node << 1 | inline), where inline marks a frame inlined into its
 * caller within the same location. Top, call graph and flame graph are all
 * computed from this structure.
 *
 * Sampling noise: for sampled profiles each stack also carries the summed
 * variance of the samples merged into it (var), so a view can give the
 * standard error of any sum of stacks (variances of independent samples
 * add, also for diffs, where the base's samples count positively). The
 * model depends on the profile (noise): "heap" (Go's heap sampling with
 * rate R = period: an allocation of size s is kept with probability
 * p = 1 - exp(-s/R) and the stored values are scaled by 1/p; with
 * q = (1-p)/p, Var(objects) = O q and Var(bytes) = B s q, s = B/O from the
 * sample's `<prefix>_objects` / `<prefix>_space` pair), "poisson" (cpu and
 * wall profiles: Var = |v| period for values in the period's unit,
 * Var = |v| for sample counts), "exact" (goroutine profiles: counts, not
 * samples) or "none" (anything else: no estimate). var is NULL for
 * "exact" and "none". With -normalize the values are the scaled ones, so
 * the estimate is only approximate there.
 *
 * The result borrows the profile (which must outlive it) and owns the rest;
 * free it with hearth_stacks_free(). Immutable once built.
 */
#ifndef HEARTH_STACKS_H
#define HEARTH_STACKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hearth/arena.h"
#include "hearth/err.h"
#include "hearth/intern.h"
#include "hearth/limits.h"
#include "hearth/profile.h"
#include "hearth/query.h"

struct hearth_nodeinfo {
    uint32_t name;      /* profile string index (0 = erased/empty) */
    uint32_t file;      /* index in stacks->strs (cleaned path), 0 = none */
    uint32_t objfile;   /* profile string index, set only when name is empty */
    uint32_t has_line;  /* HEARTH_STACKS_RAWFILES only: 1 = from a line (maybe of a nameless
                           function), 0 = a location without lines */
    int64_t start_line; /* only when name is empty */
    int64_t lineno;
    uint64_t addr;
};

struct hearth_stacks {
    const struct hearth_profile *p;
    uint32_t sidx;    /* chosen sample index */
    int64_t total;    /* report total (percentages' denominator) */
    const char *unit; /* the sample type's unit (borrowed from p) */
    const char *type; /* the sample type's name */

    /* Node identities and their printed names ("main.f", "[libc.so.6]"). */
    uint32_t nnodes;
    struct hearth_nodeinfo *ni;
    struct hearth_str *pname;
    struct hearth_intern strs; /* derived strings: cleaned file names */
    struct hearth_arena arena;

    /* Distinct stacks: frames[off[i] .. off[i+1]) root first. */
    size_t nstacks;
    size_t *off;
    uint32_t *frames;
    int64_t *w;        /* summed weight of the stack */
    int64_t *wbase;    /* the part of w that came from base samples (diffs) */
    uint32_t *tagset;  /* per stack: index into tag sets, or HEARTH_NONE */
    double *var;       /* per stack: summed sampling variance (unit²); NULL = no estimate */
    const char *noise; /* noise model (static string): "heap", "poisson", "exact", "none" */

    /* Tag sets (only with want_tags): string-label group and bytes values. */
    uint32_t ntagsets;
    uint32_t *ts_label; /* id of the joined string labels, 0 = none */
    uint32_t *ts_off;   /* numeric tags: ts_num[ts_off[i] .. ts_off[i+1]) */
    uint32_t *ts_num;   /* ids of formatted `bytes` values */
    /* Their texts: tag_label[id] is a joined label group ("k:v\\nk2:v2", 0 = ""),
     * tag_num[id] a formatted bytes value with tag_num_val[id] the first raw
     * value that gave it (in tag_num_unit, the `bytes` label's unit). */
    uint32_t ntag_label, ntag_num;
    struct hearth_str *tag_label, *tag_num;
    int64_t *tag_num_val;
    const char *tag_num_unit;

    bool has_base; /* some samples come from a base profile */
    /* The limits the stacks were built with (a copy), for companion builds. */
    struct hearth_limits lim;
    /* CLOCK_MONOTONIC ms when the view's work must stop (lim.max_view_ms after
     * the build started; 0 = none); views check it with hearth_stacks_late(). */
    int64_t deadline_ms;
    /*
     * Only with HEARTH_STACKS_TRACES: every sample the filters keep,
     * in the profile's order (pprof's merged samples when the profile is a
     * diff), zero-weight ones included: tr_sample[i] is its sample index in
     * p (the first of a merged group), tr_stack[i] its stack in off/frames,
     * tr_val[i * p->ntypes ..] all its values and tr_first[i] how many of
     * its leaf locations drop_frames pruned. loc_skip[l] is how many inner
     * lines drop_frames removed from location l (pprof's Prune).
     */
    size_t ntraces;
    size_t *tr_sample;
    uint32_t *tr_stack;
    int64_t *tr_val;
    uint32_t *tr_first;
    uint32_t *loc_skip;
    /* Active filters for the report header ("focus=foo"); arena strings. */
    uint32_t nfilters;
    const char *filters[10];

    /*
     * Report options carried to every renderer (query.h). wdiv (with -mean
     * only, else NULL) is per stack the summed divisor (the first sample
     * value); a node's shown value is then its weight / its divisor.
     */
    int64_t *wdiv;
    double ratio;        /* 1/divide_by; values are shown as trunc(v * ratio) */
    bool drop_negative;  /* graphs drop nodes with negative flat (or cum) */
    bool no_trim;        /* -trim=false: graphs keep every node and edge */
    bool compact_labels; /* text headers without the profile's lines */
    bool call_tree;      /* nodes are tree positions (-call_tree, graph builds) */
    /* With HEARTH_STACKS_SAMPLES: 1 per sample of p that passed every filter. */
    uint8_t *sample_kept;
    int64_t *sample_w; /* with sample_kept: the sample's value (merged, as pprof sums it) */
    /* Label keys hidden by -tagshow/-taghide: key_hidden[string index] (NULL: none). */
    uint8_t *key_hidden;
    /* The profile with -tagroot/-tagleaf pseudo frames, owned (p points to it). */
    struct hearth_profile *owned;
};

/*
 * Build the stacks for query q. want_tags collects label groups per stack
 * (pprof's tag boxes; only the call graph uses them). lim may be NULL.
 */
enum hearth_err hearth_stacks_build(const struct hearth_profile *p, const struct hearth_query *q,
                                    bool want_tags, const struct hearth_limits *lim,
                                    struct hearth_stacks **out, struct hearth_errmsg *em);

/*
 * hearth_stacks_build() with flags: HEARTH_STACKS_TAGS is want_tags (and
 * marks the build as a graph's, where -call_tree applies);
 * HEARTH_STACKS_SAMPLES fills sample_kept/sample_w;
 * HEARTH_STACKS_TRACES also lists every kept sample (ntraces, tr_*) and
 * keeps samples whose chosen value is zero (the base of pprof's -traces,
 * -raw and -proto, which show samples rather than sums);
 * HEARTH_STACKS_OBJNAMES keeps every node's object file and start line in
 * its identity (pprof's ObjNames, used by -callgrind and -raw).
 */
enum {
    HEARTH_STACKS_TAGS = 1,
    HEARTH_STACKS_SAMPLES = 2,
    HEARTH_STACKS_TRACES = 4,
    HEARTH_STACKS_OBJNAMES = 8,
    /* file names as the profile has them (no trim_path, no Clean): -proto */
    HEARTH_STACKS_RAWFILES = 16,
};
enum hearth_err hearth_stacks_build_ex(const struct hearth_profile *p, const struct hearth_query *q,
                                       unsigned flags, const struct hearth_limits *lim,
                                       struct hearth_stacks **out, struct hearth_errmsg *em);

void hearth_stacks_free(struct hearth_stacks *s);

/*
 * Check the options of q that need no profile, as a view would: every
 * filter regex compiles within lim (NULL: the defaults) and the tag filters
 * (tagfocus, tagignore) parse. HEARTH_E_BAD_REQUEST names the first bad
 * option. The sample index and unit depend on the profile: not checked.
 */
enum hearth_err hearth_stacks_check_query(const struct hearth_query *q,
                                          const struct hearth_limits *lim,
                                          struct hearth_errmsg *em);

/*
 * Budgets of a view computation (limits.h: max_view_*). hearth_stacks_late()
 * tells whether s->deadline_ms has passed (cheap; call it every few thousand
 * steps). hearth_stacks_over_time() fills em with the message every view
 * gives then and returns HEARTH_E_TOO_LARGE. Thread-safe.
 */
bool hearth_stacks_late(const struct hearth_stacks *s);
enum hearth_err hearth_stacks_over_time(const struct hearth_stacks *s, struct hearth_errmsg *em);
/* Milliseconds of CLOCK_MONOTONIC (the clock of deadline_ms). */
int64_t hearth_mono_ms(void);

/*
 * The partner of sample type t: the first type whose name is t's name with
 * the affix `from` replaced by `to` (a prefix if `prefix`, else a suffix).
 * ("inuse_space", "_space" -> "_objects") gives "inuse_objects";
 * ("inuse_space", "inuse_" -> "alloc_", prefix) gives "alloc_space". Returns
 * HEARTH_NONE if t lacks the affix or no such type exists. Pure; thread-safe.
 */
uint32_t hearth_stacks_type_partner(const struct hearth_profile *p, uint32_t t, const char *from,
                                    const char *to, bool prefix);

/*
 * Sum the stacks into rows: row[node] is the row of each node (HEARTH_NONE:
 * in no row). flat[r] adds the weight of every stack whose leaf is in row
 * r; cum[r] the weight of every stack holding row r, once per stack even
 * when it recurses (pprof's cum). vflat and vcum do the same with the
 * sampling variances (left alone when s->var is NULL). Any output may be
 * NULL; the others hold nrows entries and are added to, not cleared.
 * HEARTH_E_NOMEM if the scratch cannot be allocated. Thread-safe.
 */
enum hearth_err hearth_stacks_sum_rows(const struct hearth_stacks *s, const uint32_t *row,
                                       uint32_t nrows, int64_t *flat, int64_t *cum, double *vflat,
                                       double *vcum);

#endif /* HEARTH_STACKS_H */
