/*
 * callgraph.c - the call graph view (JSON, Graphviz DOT); see views.h.
 *
 * Trimming is pprof's graph trimming (nodecount 80, nodefraction 0.005,
 * edgefraction 0.001, entropy order, tag boxes counted); the DOT text
 * follows pprof's look (labels, font sizes, colours, edge weights) so a
 * pprof user recognises it, but tag boxes are not drawn.
 */
#include "hearth/views.h"
#include "hearth/num.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "hearth/graph.h"
#include "hearth/jsonw.h"
#include "hearth/units.h"
#include "views_int.h"

#include "hearth/banned.h"

static const char *const inline_label[] = {"", "(inline)", "(partial-inline)"};

/* DOT string text: quotes and backslashes escaped, controls as '?', invalid UTF-8 as U+FFFD. */
static void dot_escape(struct hearth_buf *b, const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x80) {
            size_t l = hearth_utf8_len((const unsigned char *)s + i, n - i);
            if (l == 0) {
                hearth_buf_add(b, "\xef\xbf\xbd", 3); /* U+FFFD */
                continue;
            }
            hearth_buf_add(b, s + i, l);
            i += l - 1;
            continue;
        }
        if (c == '"' || c == '\\')
            hearth_buf_addch(b, '\\');
        if (c == '\n') {
            hearth_buf_addstr(b, "\\\\n");
            continue;
        }
        if (c < 0x20 || c == 0x7f) {
            hearth_buf_addch(b, '?');
            continue;
        }
        hearth_buf_addch(b, (char)c);
    }
}

/* pprof's Go short name: drop a leading package path up to its last '/'. */
static void short_name(const char *s, size_t n, const char **out, size_t *outn)
{
    size_t i, last = 0;
    bool seen = false;

    /* only within the leading path part (before the first '.' after the last '/') */
    for (i = 0; i < n; i++) {
        if (s[i] == '/') {
            last = i + 1;
            seen = true;
        } else if (s[i] == '(' || s[i] == '[' || s[i] == ' ' || s[i] == '<') {
            break;
        }
    }
    if (seen && last < n) {
        *out = s + last;
        *outn = n - last;
    } else {
        *out = s;
        *outn = n;
    }
}

/* pprof's dotColor: red for positive, green for negative, grey near 0. */
static void dot_color(double score, bool bg, char out[8])
{
    double sat = bg ? 0.1 : 1.0, val = bg ? 0.93 : 0.7, r, g, b;

    if (score > 1)
        score = 1;
    if (score < -1)
        score = -1;
    if (fabs(score) < 0.2)
        sat *= fabs(score) / 0.2;
    if (score > 0)
        score = pow(score, 0.3);
    if (score < 0)
        score = -pow(-score, 0.3);
    if (score < 0) {
        g = val;
        r = val * (1 + sat * score);
    } else {
        r = val;
        g = val * (1 - sat * score);
    }
    b = val * (1 - sat);
    snprintf(out, 8, "#%02x%02x%02x", (unsigned)(uint8_t)(r * 255.0),
             (unsigned)(uint8_t)(g * 255.0), (unsigned)(uint8_t)(b * 255.0));
}

static void write_dot(const struct hearth_graph *g, const char *unit, struct hearth_buf *labels,
                      struct hearth_buf *out)
{
    const struct hearth_stacks *s = g->s;
    int64_t maxflat = 0, total = hearth_abs64(s->total);
    uint32_t i;
    size_t k;
    const char *l, *nl;

    for (i = 0; i < g->nnodes; i++) {
        int64_t f = hearth_abs64(g->flat[i]);
        if (f > maxflat)
            maxflat = f;
    }
    hearth_buf_addstr(out, "digraph \"hearth\" {\nnode [style=filled fillcolor=\"#f8f8f8\"]\n");
    hearth_buf_addstr(out, "subgraph cluster_L { \"legend\" [shape=box fontsize=16 label=\"");
    for (l = labels->ptr ? labels->ptr : "";; l = nl + 1) {
        nl = strchr(l, '\n');
        if (!nl)
            break;
        dot_escape(out, l, (size_t)(nl - l));
        hearth_buf_addstr(out, "\\l");
    }
    hearth_buf_addstr(out, "\" tooltip=\"legend\"] }\n");
    for (i = 0; i < g->nnodes; i++) {
        const struct hearth_str *nm = &s->pname[g->node[i]];
        char fv[128], cv[128], fp[64], cp[64], fill[8], col[8];
        const char *sn;
        size_t snl, j;
        int fs = 8;
        hearth_unit_label(fv, sizeof(fv), g->flat[i], s->unit, unit);
        hearth_unit_label(cv, sizeof(cv), g->cum[i], s->unit, unit);
        hearth_percentage(fp, sizeof(fp), g->flat[i], s->total);
        hearth_percentage(cp, sizeof(cp), g->cum[i], s->total);
        if (g->flat[i] != 0 && maxflat > 0)
            fs = 8 + (int)ceil(16 * sqrt(fabs((double)g->flat[i]) / (double)maxflat));
        hearth_buf_printf(out, "N%u [label=\"", i + 1);
        short_name(nm->ptr, nm->len, &sn, &snl);
        for (j = 0; j < snl; j++) {
            if (sn[j] == '.' && j + 1 < snl) {
                hearth_buf_addstr(out, "\\n");
                continue;
            }
            if (sn[j] == ':' && j + 1 < snl && sn[j + 1] == ':') {
                hearth_buf_addstr(out, "\\n");
                j++;
                continue;
            }
            {
                size_t ul = (unsigned char)sn[j] >= 0x80
                                ? hearth_utf8_len((const unsigned char *)sn + j, snl - j)
                                : 1;
                dot_escape(out, sn + j, ul ? ul : 1);
                j += ul ? ul - 1 : 0;
            }
        }
        {
            const char *tf = fp, *tc = cp;
            while (*tf == ' ')
                tf++;
            while (*tc == ' ')
                tc++;
            if (g->flat[i] == g->cum[i])
                hearth_buf_printf(out, "\\n%s (%s)", fv, tf);
            else
                hearth_buf_printf(out, "\\n%s (%s)\\nof %s (%s)", fv, tf, cv, tc);
        }
        dot_color(total ? (double)g->cum[i] / (double)total : 0, true, fill);
        dot_color(total ? (double)g->cum[i] / (double)total : 0, false, col);
        hearth_buf_printf(out, "\" id=\"node%u\" fontsize=%d shape=box tooltip=\"", i + 1, fs);
        dot_escape(out, nm->ptr, nm->len);
        hearth_buf_printf(out, " (%s)\" color=\"%s\" fillcolor=\"%s\"]\n", cv, col, fill);
    }
    for (k = 0; k < g->nedges; k++) {
        const struct hearth_gedge *e = &g->edges[k];
        const struct hearth_str *a = &s->pname[g->node[e->src]], *b = &s->pname[g->node[e->dst]];
        char wv[128], col[8];
        int64_t aw = hearth_abs64(e->weight);
        int64_t w100 = total ? hearth_mul64(aw, 100) / total : 0,
                w5 = total ? hearth_mul64(aw, 5) / total : 0;
        int64_t weight = 1 + (w100 > 100 ? 100 : w100);
        int64_t pen = 1 + (w5 > 5 ? 5 : w5);
        const char *arrow = e->residual ? " ..." : " ->";
        hearth_unit_label(wv, sizeof(wv), e->weight, s->unit, unit);
        dot_color(total ? (double)e->weight / (double)total : 0, false, col);
        hearth_buf_printf(out, "N%u -> N%u [label=\" %s%s\"", e->src + 1, e->dst + 1, wv,
                          e->inline_ ? "\\n (inline)" : "");
        if (weight > 1)
            hearth_buf_printf(out, " weight=%lld", (long long)weight);
        if (pen > 1)
            hearth_buf_printf(out, " penwidth=%lld", (long long)pen);
        hearth_buf_printf(out, " color=\"%s\" tooltip=\"", col);
        dot_escape(out, a->ptr, a->len);
        hearth_buf_addstr(out, arrow);
        hearth_buf_addch(out, ' ');
        dot_escape(out, b->ptr, b->len);
        hearth_buf_printf(out, " (%s)\" labeltooltip=\"", wv);
        dot_escape(out, a->ptr, a->len);
        hearth_buf_addstr(out, arrow);
        hearth_buf_addch(out, ' ');
        dot_escape(out, b->ptr, b->len);
        hearth_buf_printf(out, " (%s)\"%s]\n", wv, e->residual ? " style=\"dotted\"" : "");
    }
    hearth_buf_addstr(out, "}\n");
}

static void write_json(const struct hearth_graph *g, const char *unit, struct hearth_buf *labels,
                       struct hearth_buf *out)
{
    const struct hearth_stacks *s = g->s;
    struct hearth_jsonw w;
    const char *l, *nl;
    uint32_t i;
    size_t k;

    hearth_jsonw_init(&w, out);
    hearth_jsonw_obj_open(&w);
    hearth__sample_json(&w, s);
    hearth_jsonw_key(&w, "unit");
    hearth_jsonw_cstr(&w, unit);
    hearth_jsonw_key(&w, "labels");
    hearth_jsonw_arr_open(&w);
    for (l = labels->ptr ? labels->ptr : "";; l = nl + 1) {
        nl = strchr(l, '\n');
        if (!nl)
            break;
        hearth_jsonw_str(&w, l, (size_t)(nl - l));
    }
    hearth_jsonw_arr_close(&w);
    hearth_jsonw_key(&w, "nodes");
    hearth_jsonw_arr_open(&w);
    for (i = 0; i < g->nnodes; i++) {
        const struct hearth_str *nm = &s->pname[g->node[i]];
        hearth_jsonw_obj_open(&w);
        hearth_jsonw_key(&w, "id");
        hearth_jsonw_int(&w, i + 1);
        hearth_jsonw_key(&w, "name");
        hearth_jsonw_str(&w, nm->ptr, nm->len);
        hearth_jsonw_key(&w, "flat");
        hearth_jsonw_int(&w, g->flat[i]);
        hearth_jsonw_key(&w, "cum");
        hearth_jsonw_int(&w, g->cum[i]);
        hearth_jsonw_key(&w, "inline");
        hearth_jsonw_cstr(&w, inline_label[g->inl[i]]);
        hearth_jsonw_obj_close(&w);
    }
    hearth_jsonw_arr_close(&w);
    hearth_jsonw_key(&w, "edges");
    hearth_jsonw_arr_open(&w);
    for (k = 0; k < g->nedges; k++) {
        const struct hearth_gedge *e = &g->edges[k];
        hearth_jsonw_obj_open(&w);
        hearth_jsonw_key(&w, "src");
        hearth_jsonw_int(&w, e->src + 1);
        hearth_jsonw_key(&w, "dst");
        hearth_jsonw_int(&w, e->dst + 1);
        hearth_jsonw_key(&w, "weight");
        hearth_jsonw_int(&w, e->weight);
        hearth_jsonw_key(&w, "residual");
        hearth_jsonw_bool(&w, e->residual);
        hearth_jsonw_key(&w, "inline");
        hearth_jsonw_bool(&w, e->inline_);
        hearth_jsonw_obj_close(&w);
    }
    hearth_jsonw_arr_close(&w);
    hearth_jsonw_obj_close(&w);
    hearth_buf_addch(out, '\n');
}

enum hearth_err hearth_callgraph_render(const struct hearth_stacks *s, const struct hearth_query *q,
                                        bool dot, struct hearth_buf *out, struct hearth_errmsg *em)
{
    struct hearth_graph_opts o = {
        .nodecount = q->nodecount < 0 ? 80 : q->nodecount,
        .nodefraction = q->nodefraction < 0 ? 0.005 : q->nodefraction,
        .edgefraction = q->edgefraction < 0 ? 0.001 : q->edgefraction,
        .visual = true,
    };
    struct hearth_graph *g;
    struct hearth_buf labels;
    enum hearth_err e;
    const char *unit;

    e = hearth_graph_build(s, &o, &g, em);
    if (e)
        return e;
    unit = hearth_graph_output_unit(g, q->unit);
    hearth_buf_init(&labels, 1 << 20);
    hearth_graph_labels(g, unit, o.nodefraction, o.edgefraction, &labels);
    if (dot)
        write_dot(g, unit, &labels, out);
    else
        write_json(g, unit, &labels, out);
    hearth_buf_release(&labels);
    hearth_graph_free(g);
    if (out->fail)
        return hearth_errmsg_set(em, out->fail, "output larger than the limit");
    return HEARTH_OK;
}
