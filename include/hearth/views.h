/*
 * views.h - the three reports (top, call graph, flame graph) as text/JSON.
 *
 * Each function renders one view of prepared stacks (stacks.h) into a
 * caller-owned buffer; the buffer's cap bounds the output. Numbers follow
 * pprof exactly (pprof-semantics.md 5-7). All are pure functions of their
 * inputs and safe to call concurrently on the same stacks.
 *
 * JSON shapes:
 *  top   {"sample":{"type","unit"},"total":N,"unit":U,
 *         "noise":{"model","period"} [,"retention":{"type","unit"}],"labels":[..],
 *         "rows":[{"name","flat","cum" [,"flat_err","cum_err"]
 *                  [,"alloc_flat","alloc_cum"],"inline"}...]}   (raw integers)
 *  graph {"sample":..,"total":N,"labels":[..],"nodes":[{"id","name","flat",
 *         "cum","inline"}],"edges":[{"src","dst","weight","residual","inline"}]}
 *  flame {"sample":..,"total":N,"diff":bool,"trimmed":K,"noise":{..},
 *         "strings":[..],"nodes":{"name":[],"parent":[],"self":[],"total":[],
 *         "inline":[] [,"base_self":[],"base_total":[]] [,"err":[]]}}
 *         pre-order, node 0 = "root"
 *
 * Sampling noise (stacks.h): "noise" is always present; model is "heap",
 * "poisson", "exact" or "none", period the profile's period. Only "heap"
 * and "poisson" add the error fields: *_err / err are standard errors
 * (sqrt of the summed per-sample variances, rounded, in the sample unit)
 * of flat, cum and a flame node's total (of the delta in a diff, where the
 * base's variances add). cum_err counts each stack once, as cum does.
 *
 * Retention (top only): when the chosen type is inuse_X, alloc_X exists and
 * the report has no base, "retention" names alloc_X and every row gets the
 * allocated flat/cum of the same printed name under the same query (0 when
 * the name has no allocations); the UI shows flat/alloc_flat.
 */
#ifndef HEARTH_VIEWS_H
#define HEARTH_VIEWS_H

#include <stdbool.h>

#include "hearth/buf.h"
#include "hearth/err.h"
#include "hearth/query.h"
#include "hearth/stacks.h"

/* pprof -top text (json=false) or the JSON rows. */
enum hearth_err hearth_top_render(const struct hearth_stacks *s, const struct hearth_query *q,
                                  bool json, struct hearth_buf *out, struct hearth_errmsg *em);

/* Call graph as JSON (dot=false) or Graphviz DOT in pprof's style. */
enum hearth_err hearth_callgraph_render(const struct hearth_stacks *s, const struct hearth_query *q,
                                        bool dot, struct hearth_buf *out, struct hearth_errmsg *em);
/* Both at once from one graph (either buffer may be NULL): the JSON and the DOT agree. */
enum hearth_err hearth_callgraph_render_both(const struct hearth_stacks *s,
                                             const struct hearth_query *q, struct hearth_buf *json,
                                             struct hearth_buf *dot, struct hearth_errmsg *em);

/* Flame graph (call tree) JSON, trimmed by q->min_fraction without losing value. */
enum hearth_err hearth_flame_render(const struct hearth_stacks *s, const struct hearth_query *q,
                                    struct hearth_buf *out, struct hearth_errmsg *em);

#endif /* HEARTH_VIEWS_H */
