/*
 * sandwich.h - the callers and callees of one function (the sandwich view)
 * and pprof's -peek table, as JSON.
 *
 * Both are pure functions of prepared stacks (stacks.h), so every view
 * option (sample index, granularity, filters, base/diff, normalize) applies
 * as it does to the flame graph; they borrow the stacks, write into a
 * caller-owned buffer whose cap bounds the output, and are safe to call
 * concurrently on the same stacks.
 *
 * Sandwich. The pivot is the set of nodes whose printed name equals `fn`;
 * when no node has that exact name, `fn` is a regex (RE2, unanchored, as
 * pprof's -focus) and the pivot is every node whose printed name matches.
 * A stack holds the pivot when any of its frames is in it; it is cut at its
 * OUTERMOST pivot frame (the one nearest the root, as pprof's -show_from
 * cuts): the frames from that one to the leaf make the callees tree (rooted
 * at the pivot: pprof's -focus=fn -show_from=fn), the frames from that one
 * back to the root, reversed, make the callers tree (rooted at the pivot,
 * its children the direct callers: pprof's -traces read leaf to root and
 * cut at the function, aggregated). Each stack is thus counted once on each
 * side, so both trees' pivot totals equal the pivot's cum (pprof's cum:
 * recursion counted once); recursion below the outermost frame shows in
 * the callees tree only. flat is the weight of the stacks whose leaf is in
 * the pivot.
 *
 *  {"sample":{"type","unit"},"total":N,"diff":bool,"noise":{..},"fn":S,
 *   "matched":[names],"flat":F,"cum":C [,"base_flat","base_cum"]
 *   [,"flat_err","cum_err"],"callers":FLAME,"callees":FLAME}
 *
 * FLAME is the flame graph's JSON (views.h), node 0 "root" with the pivot's
 * node(s) as its children; with a base, base_* are the base's values
 * (positive), as in the flame graph. Trimming (q->min_fraction) is relative
 * to the pivot's cum. No matching node: 200 with "matched":[], zero values
 * and trees holding only the root. A bad regex (when no name matches
 * exactly): HEARTH_E_BAD_REQUEST.
 *
 * Peek (pprof -peek=re): the call graph without trimming (nodecount,
 * nodefraction and edgefraction 0, as pprof forces for -peek), nodes in the
 * top report's order (flat, or cum with q->cum_sort); for each node whose
 * printed name matches re (unanchored): its callers (incoming edges) and
 * callees (outgoing edges) in pprof's edge order (|weight| desc, then
 * names), each with its weight; "sum" is the running sum of flat over the
 * matched nodes, as pprof's sum% column. Percentages are of "total".
 *
 *  {"sample":{"type","unit"},"total":N,"diff":bool,"peek":RE,
 *   "nodes":[{"name","flat","cum","sum","inline",
 *             "callers":[{"name","weight","inline"}],
 *             "callees":[{"name","weight","inline"}]}]}
 *
 * "inline" of a node is 0, 1 "(inline)" or 2 "(partial-inline)"; of an edge,
 * whether pprof prints " (inline)". No match: "nodes":[]. Bad regex:
 * HEARTH_E_BAD_REQUEST.
 *
 * Budgets: the stacks' deadline (max_view_ms) and max_view_nodes per tree,
 * HEARTH_E_TOO_LARGE with a message, never a partial answer.
 */
#ifndef HEARTH_SANDWICH_H
#define HEARTH_SANDWICH_H

#include "hearth/buf.h"
#include "hearth/err.h"
#include "hearth/query.h"
#include "hearth/stacks.h"

enum hearth_err hearth_sandwich_render(const struct hearth_stacks *s, const struct hearth_query *q,
                                       const char *fn, struct hearth_buf *out,
                                       struct hearth_errmsg *em);

enum hearth_err hearth_peek_render(const struct hearth_stacks *s, const struct hearth_query *q,
                                   const char *re, struct hearth_buf *out,
                                   struct hearth_errmsg *em);

#endif /* HEARTH_SANDWICH_H */
