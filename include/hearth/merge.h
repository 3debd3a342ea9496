/*
 * merge.h - combining a profile with a base profile (pprof's -base and
 * -diff_base).
 *
 * hearth_merge_diff() checks that the two profiles can be compared (same
 * number of sample types, compatible types and units, compatible period
 * types), optionally normalises the source to the base's totals, negates the
 * base, converts both to the finest unit per column, and returns a new
 * profile holding the samples of both. Base samples are marked in s_side;
 * with HEARTH_DIFF_DIFF_BASE they also carry the label pprof::base=true,
 * which makes the report total the base's total. The inputs are only read;
 * the result is independent of them and freed with hearth_profile_free().
 */
#ifndef HEARTH_MERGE_H
#define HEARTH_MERGE_H

#include <stdbool.h>

#include "hearth/err.h"
#include "hearth/limits.h"
#include "hearth/profile.h"
#include "hearth/query.h"

enum hearth_err hearth_merge_diff(const struct hearth_profile *src,
                                  const struct hearth_profile *base, enum hearth_diff_mode mode,
                                  bool normalize, const struct hearth_limits *lim,
                                  struct hearth_profile **out, struct hearth_errmsg *em);

/*
 * Several profiles merged into one, as `go tool pprof a b c` does: each must
 * be compatible with the first (the rules of hearth_merge_diff, without the
 * base); units are converted to one per column, the header is the first
 * profile's with summed durations, the earliest time, the largest period and
 * every comment once; samples are appended in input order (equal stacks are
 * not summed: every view is linear). At most HEARTH_LIMIT_MERGE_PROFILES
 * inputs and lim->max_samples samples in all. Same ownership as above.
 */
enum hearth_err hearth_merge_many(const struct hearth_profile *const *ps, size_t n,
                                  const struct hearth_limits *lim, struct hearth_profile **out,
                                  struct hearth_errmsg *em);

#endif /* HEARTH_MERGE_H */
