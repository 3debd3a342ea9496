/*
 * views.h - the three reports (top, call graph, flame graph) as text/JSON.
 *
 * Each function renders one view of prepared stacks (stacks.h) into a
 * caller-owned buffer; the buffer's cap bounds the output. Numbers follow
 * pprof exactly (pprof-semantics.md 5-7). All are pure functions of their
 * inputs and safe to call concurrently on the same stacks.
 *
 * JSON shapes:
 *  top   {"sample":{"type","unit"},"total":N,"unit":U,"labels":[..],
 *         "rows":[{"name","flat","cum","inline"}...]}   (raw integers)
 *  graph {"sample":..,"total":N,"labels":[..],"nodes":[{"id","name","flat",
 *         "cum","inline"}],"edges":[{"src","dst","weight","residual","inline"}]}
 *  flame {"sample":..,"total":N,"diff":bool,"strings":[..],"nodes":{"name":[],
 *         "parent":[],"self":[],"total":[],"inline":[] [,"base_self":[],
 *         "base_total":[]]},"trimmed":K}  pre-order, node 0 = "root"
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
enum hearth_err hearth_callgraph_render(const struct hearth_stacks *s,
                                        const struct hearth_query *q, bool dot,
                                        struct hearth_buf *out, struct hearth_errmsg *em);

/* Flame graph (call tree) JSON, trimmed by q->min_fraction without losing value. */
enum hearth_err hearth_flame_render(const struct hearth_stacks *s, const struct hearth_query *q,
                                    struct hearth_buf *out, struct hearth_errmsg *em);

#endif /* HEARTH_VIEWS_H */
