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
 * moved in the direction of the overall change; r2 the linear fit's R²;
 * share = delta / sum of the positive flat deltas (the total growth); err
 * the standard error of delta from the sampling model (0 when unknown) and
 * noise = |delta| < 2 err. Rows are ordered by delta, largest growth first.
 * totals are the plain sums of every sample type, before filters.
 *
 * Pure: borrows everything, allocates only its own scratch; the output is
 * capped by out's cap. Safe to call concurrently.
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

enum hearth_err hearth_growth_render(const struct hearth_profile *const *p, const double *t_s,
                                     size_t n, const struct hearth_query *q,
                                     const struct hearth_growth_opts *o,
                                     const struct hearth_limits *lim, struct hearth_buf *out,
                                     struct hearth_errmsg *em);

#endif /* HEARTH_GROWTH_H */
