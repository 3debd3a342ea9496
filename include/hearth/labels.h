/*
 * labels.h - pprof's label options: -tagroot/-tagleaf pseudo frames and the
 * -tags report.
 *
 * hearth_label_frames() makes a new profile (owned by the caller, freed with
 * hearth_profile_free()) that is p plus, in every sample, one pseudo frame
 * per key of rootkeys above the root (the first key outermost) and one per
 * key of leafkeys below the leaf (the last key leaf-most), as Go 1.19's
 * pprof adds them: a location without mapping whose one line's function is
 * named by the sample's values of that key joined with "," (string values
 * first, then numeric ones formatted in `unit` with their own unit) and
 * whose file name is the key; a sample without the key gets an empty name.
 * Keys are comma-separated; empty ones are skipped. The new profile borrows
 * p's string bytes: p must outlive it. *nroot and *nleaf get the number of
 * pseudo frames each sample got at each end.
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
 * Both are pure functions of their inputs; thread-safe on distinct outputs.
 */
#ifndef HEARTH_LABELS_H
#define HEARTH_LABELS_H

#include <stdbool.h>
#include <stdint.h>

#include "hearth/buf.h"
#include "hearth/err.h"
#include "hearth/profile.h"
#include "hearth/query.h"
#include "hearth/stacks.h"

enum hearth_err hearth_label_frames(const struct hearth_profile *p, const char *rootkeys,
                                    const char *leafkeys, const char *unit,
                                    struct hearth_profile **out, uint32_t *nroot, uint32_t *nleaf,
                                    struct hearth_errmsg *em);

enum hearth_err hearth_tags_render(const struct hearth_stacks *s, const struct hearth_query *q,
                                   bool json, struct hearth_buf *out, struct hearth_errmsg *em);

#endif /* HEARTH_LABELS_H */
