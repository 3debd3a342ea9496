/*
 * tags.h - pprof's -tags report.
 *
 * hearth_tags_render() prints `go tool pprof -tags` (json=false) or its
 * JSON form for stacks built with HEARTH_STACKS_SAMPLES: per label key
 * (keys hidden by -tagshow/-taghide left out) every value with the summed
 * sample value of the samples that passed the filters.
 *   JSON: {"sample":{"type","unit"},"total":N,"keys":[{"key","numeric":bool,
 *          "unit","total","values":[{"value","count","share","filter"}...]}...]}
 *   where count is the summed sample value, share = count / key total,
 *   unit the numeric label unit ("" for string labels), filter the
 *   tagfocus/tagignore expression that selects exactly the samples carrying
 *   the value ("key=^value$" escaped, or "key=N[unit]" / "key=LO[unit]:HI[unit]"
 *   over the raw numbers behind the formatted value), or null when none can
 *   (empty key or one with '=', non-UTF-8 value, mixed string/numeric).
 *   Keys sorted by name, values by |count| descending then value, as pprof
 *   prints them.
 * A pure function of its inputs; thread-safe on distinct outputs.
 */
#ifndef HEARTH_TAGS_H
#define HEARTH_TAGS_H

#include <stdbool.h>

#include "hearth/buf.h"
#include "hearth/err.h"
#include "hearth/query.h"
#include "hearth/stacks.h"

enum hearth_err hearth_tags_render(const struct hearth_stacks *s, const struct hearth_query *q,
                                   bool json, struct hearth_buf *out, struct hearth_errmsg *em);

#endif /* HEARTH_TAGS_H */
