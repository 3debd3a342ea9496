/*
 * graph.h - pprof's node/edge graph with its trimming rules.
 *
 * hearth_graph_build() turns stacks (stacks.h) into the graph pprof reports
 * use: flat and cum per node (cum counted once per stack), edges between
 * consecutive kept frames (once per stack, no self edges, inline and
 * residual flags), then pprof's trimming: node cutoff by |cum| against
 * nodefraction of the summed flat, nodecount selection in flat order (top)
 * or entropy order with tag boxes counted (visual graphs), edge cutoff, and
 * for visual graphs removal of redundant residual edges.
 *
 * The graph borrows the stacks (which must outlive it); free it with
 * hearth_graph_free(). Node arrays are in the report's final order.
 */
#ifndef HEARTH_GRAPH_H
#define HEARTH_GRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hearth/err.h"
#include "hearth/stacks.h"

struct hearth_graph_opts {
    long nodecount;      /* 0 = unlimited */
    double nodefraction; /* pprof: 0.005 */
    double edgefraction; /* pprof: 0.001 */
    bool visual;         /* dot: entropy order, tag boxes, redundant edges */
    bool cum_sort;       /* -cum order for text reports */
    /* also the edges from a node pprof dropped (hidden_src), which its text
       reports list among a node's callers (-tree, -peek) */
    bool from_dropped;
};

struct hearth_gedge {
    uint32_t src, dst; /* positions in the graph's node arrays */
    int64_t weight;
    bool residual, inline_;
    /* dst is a node pprof dropped (flat and cum both zero) but whose edge it
     * keeps and draws as "N0": dst is then its identity, not a position */
    bool hidden_dst;
    /* likewise for src (only with from_dropped): src is an identity */
    bool hidden_src;
};

/* A tag box of a visual graph (pprof's label or numeric-label nodelet). */
struct hearth_gtag {
    uint32_t label; /* stacks tag_label id of the label group, 0 = none */
    uint32_t num;   /* stacks tag_num id, HEARTH_NONE for a label tag */
    int64_t flat, cum;
};

struct hearth_graph {
    const struct hearth_stacks *s;
    uint32_t nnodes;
    uint32_t *node; /* node identity (index into s->ni / s->pname) */
    int64_t *flat, *cum;
    uint8_t *inl; /* 0 none, 1 "(inline)", 2 "(partial-inline)" */
    size_t nedges;
    struct hearth_gedge *edges; /* sorted by |weight| desc, src name, dst name */
    int64_t flat_sum;           /* sum of flat over shown nodes */
    uint32_t dropped_nodes, dropped_edges, orig_count;
    int64_t node_cutoff, edge_cutoff;
    /* visual graphs: tags of node i are tags[tag_off[i] .. tag_off[i+1]);
     * has_out[i] says node i has an outgoing edge in pprof's graph (also one
     * that is not drawn), which makes pprof show flat rather than cum tags */
    uint32_t *tag_off;
    struct hearth_gtag *tags;
    uint8_t *has_out;
};

enum hearth_err hearth_graph_build(const struct hearth_stacks *s, const struct hearth_graph_opts *o,
                                   struct hearth_graph **out, struct hearth_errmsg *em);
void hearth_graph_free(struct hearth_graph *g);

/*
 * pprof's report unit for -unit=minimum: chosen from the smallest shown
 * value. Returns `requested` unless it is "minimum"; may return the sample
 * unit itself. The result points to static or borrowed storage.
 */
const char *hearth_graph_output_unit(const struct hearth_graph *g, const char *requested);

/*
 * pprof's header lines (File, Build ID, comments, Type, Time, Duration,
 * Active filters, Showing..., Dropped..., Showing top...), each ending in
 * '\n', appended to buf. unit is the report unit (from output_unit).
 */
struct hearth_buf;
/* The profile part of those lines (pprof's ProfileLabels: File .. Duration), as -traces shows. */
void hearth_graph_profile_labels(const struct hearth_stacks *s, const char *unit,
                                 struct hearth_buf *buf);
void hearth_graph_labels(const struct hearth_graph *g, const char *unit, double nodefraction,
                         double edgefraction, struct hearth_buf *buf);
/* The same; full=false (text reports) leaves the profile lines out with -compact_labels. */
void hearth_graph_labels_ex(const struct hearth_graph *g, const char *unit, double nodefraction,
                            double edgefraction, bool full, struct hearth_buf *buf);

/* pprof's formatValue: v times 1/divide_by (truncated) in the report unit. */
void hearth_graph_fmt(const struct hearth_stacks *s, char *out, size_t outsz, int64_t v,
                      const char *unit);

#endif /* HEARTH_GRAPH_H */
