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

#endif /* HEARTH_MERGE_H */
