/*
 * growth.h - what grew across a series of profiles (the leak hunter's table).
 *
 * hearth_growth_render() takes the decoded snapshots of a series, in order,
 * with their times, builds each one's stacks with the same query (sample
 * type, filters, granularity) and writes one JSON answer:
 *
 *   {"sample":{"type","unit"},"granularity","by","times":[s...],
 *    "totals":{"<type>":[v per snapshot]...},"total_delta":N,"noise":"heap",
 *    "rows":[{"name","values":[...],"first","last","delta","slope","steadiness",
 *             "r2","share","err","noise"}...],"more":K}
 *
 * A row is a function (or file, line... at the query's granularity), or a
 * whole call stack with stacks=true (names joined root first with ";").
 * values are flat (self) values, or cum with by_cum. slope is the least
 * squares slope per second; steadiness the share of consecutive steps that
 * moved in the direction of the overall change, each weighed by its
 * duration (a thinned series' early steps are long); r2 the linear fit's R²;
 * share = delta / sum of the positive flat deltas (the total growth); err
 * the standard error of delta from the sampling model (0 when unknown) and
 * noise = |delta| < 2 err. Rows are ordered by delta, largest growth first.
 * totals are the plain sums of every sample type, before filters.
 *
 * Pure: borrows everything, allocates only its own scratch; the output is
 * capped by out's cap. Safe to call concurrently.
 *
 * Budget: rows x snapshots may not pass lim->max_growth_cells (then
 * HEARTH_E_TOO_LARGE with a message), and each snapshot's stacks follow the
 * view budgets of stacks.h.
 *
 * Streaming form, so a caller need not hold every snapshot at once:
 * hearth_growth_new(n, ...), then hearth_growth_add() once per snapshot in
 * order (the profile may be released right after), then
 * hearth_growth_finish() writes the answer; hearth_growth_free() in every
 * case. The query's strings are borrowed until finish. One state per thread.
 */
#ifndef HEARTH_GROWTH_H
#define HEARTH_GROWTH_H

#include <stdbool.h>
#include <stddef.h>

#include "hearth/buf.h"
#include "hearth/err.h"
#include "hearth/limits.h"
#include "hearth/profile.h"
#include "hearth/query.h"

struct hearth_growth_opts {
    bool stacks;     /* rows are whole stacks instead of nodes */
    bool by_cum;     /* rank cum values instead of flat */
    size_t max_rows; /* rows written (the rest are counted in "more") */
};

struct hearth_growth;

enum hearth_err hearth_growth_new(size_t n, const struct hearth_query *q,
                                  const struct hearth_growth_opts *o,
                                  const struct hearth_limits *lim, struct hearth_growth **out,
                                  struct hearth_errmsg *em);
enum hearth_err hearth_growth_add(struct hearth_growth *g, const struct hearth_profile *p,
                                  struct hearth_errmsg *em);
/* t_s: the n snapshot times in seconds. */
enum hearth_err hearth_growth_finish(struct hearth_growth *g, const double *t_s,
                                     struct hearth_buf *out, struct hearth_errmsg *em);
void hearth_growth_free(struct hearth_growth *g);

/* All at once: new, add each of p[0..n), finish. */
enum hearth_err hearth_growth_render(const struct hearth_profile *const *p, const double *t_s,
                                     size_t n, const struct hearth_query *q,
                                     const struct hearth_growth_opts *o,
                                     const struct hearth_limits *lim, struct hearth_buf *out,
                                     struct hearth_errmsg *em);

#endif /* HEARTH_GROWTH_H */
