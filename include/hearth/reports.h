/*
 * reports.h - pprof's other text and profile reports: -traces, -tree,
 * -peek, -callgrind, -raw, -comments, -proto and -topproto.
 *
 * Each renderer appends one report to a caller-owned buffer (whose cap
 * bounds the output) with Go 1.19 pprof's exact bytes, except -proto, whose
 * profile is equal in content (samples, values, names, labels, header)
 * but not in table order or ids. They are pure functions of their inputs
 * and safe to call concurrently on the same stacks.
 *
 * What each needs (the caller builds it; see hearth_reports_stacks()):
 *  traces, raw, proto  stacks built with HEARTH_STACKS_TRACES (every kept
 *                      sample); proto at address granularity with inlines
 *  tree, peek          ordinary stacks
 *  callgrind           stacks at address granularity with inlines and
 *                      HEARTH_STACKS_OBJNAMES
 *  topproto            ordinary stacks (as top)
 *  comments            the profile only
 */
#ifndef HEARTH_REPORTS_H
#define HEARTH_REPORTS_H

#include <stdbool.h>

#include "hearth/buf.h"
#include "hearth/err.h"
#include "hearth/profile.h"
#include "hearth/query.h"
#include "hearth/stacks.h"

enum hearth_report {
    HEARTH_REPORT_TRACES,
    HEARTH_REPORT_TREE,
    HEARTH_REPORT_PEEK,
    HEARTH_REPORT_CALLGRIND,
    HEARTH_REPORT_RAW,
    HEARTH_REPORT_COMMENTS,
    HEARTH_REPORT_PROTO,
    HEARTH_REPORT_TOPPROTO,
};

/*
 * The report of that name ("traces", "kcachegrind" = callgrind, ...);
 * false if none.
 */
bool hearth_report_by_name(const char *name, enum hearth_report *r);

/*
 * How to build the stacks report r needs: *flags for hearth_stacks_build_ex()
 * and *q, a copy of the user's query with pprof's overrides for r applied
 * (proto, raw and callgrind use address granularity with inlines). Returns
 * false when r needs no stacks (comments).
 */
bool hearth_report_stacks(enum hearth_report r, const struct hearth_query *user,
                          struct hearth_query *q, unsigned *flags);

/*
 * Render report r. s comes from the build hearth_report_stacks() asked for
 * (NULL for comments); p is the profile the stacks were built from; arg is
 * -peek's regex. Errors: HEARTH_E_BAD_REQUEST (bad -peek regex, no match,
 * -raw with -hide/-show), HEARTH_E_TOO_LARGE (output over the cap),
 * HEARTH_E_NOMEM.
 */
enum hearth_err hearth_report_render(enum hearth_report r, const struct hearth_profile *p,
                                     const struct hearth_stacks *s, const struct hearth_query *q,
                                     const char *arg, struct hearth_buf *out,
                                     struct hearth_errmsg *em);

#endif /* HEARTH_REPORTS_H */
