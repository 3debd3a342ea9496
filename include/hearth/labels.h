/*
 * labels.h - pprof's label options: -tagroot/-tagleaf pseudo frames (the
 * -tags report: tags.h).
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
 * A pure function of its inputs; thread-safe on distinct outputs.
 */
#ifndef HEARTH_LABELS_H
#define HEARTH_LABELS_H

#include <stdbool.h>
#include <stdint.h>

#include "hearth/buf.h"
#include "hearth/err.h"
#include "hearth/profile.h"

enum hearth_err hearth_label_frames(const struct hearth_profile *p, const char *rootkeys,
                                    const char *leafkeys, const char *unit,
                                    struct hearth_profile **out, uint32_t *nroot, uint32_t *nleaf,
                                    struct hearth_errmsg *em);

#endif /* HEARTH_LABELS_H */
