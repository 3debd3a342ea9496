/* top.c - pprof's -top report as text or JSON; see include/hearth/views.h. */
#include "hearth/views.h"
#include "hearth/num.h"

#include <string.h>

#include "hearth/graph.h"
#include "hearth/jsonw.h"
#include "hearth/units.h"

static const char *const inline_label[] = {"", "(inline)", "(partial-inline)"};

static void json_labels(struct hearth_jsonw *w, const struct hearth_buf *labels)
{
    const char *p = labels->ptr ? labels->ptr : "", *nl;

    hearth_jsonw_key(w, "labels");
    hearth_jsonw_arr_open(w);
    while ((nl = strchr(p, '\n'))) {
        hearth_jsonw_str(w, p, (size_t)(nl - p));
        p = nl + 1;
    }
    hearth_jsonw_arr_close(w);
}

enum hearth_err hearth_top_render(const struct hearth_stacks *s, const struct hearth_query *q,
                                  bool json, struct hearth_buf *out, struct hearth_errmsg *em)
{
    struct hearth_graph_opts o = {
        .nodecount = q->nodecount < 0 ? 0 : q->nodecount,
        .nodefraction = q->nodefraction < 0 ? 0.005 : q->nodefraction,
        .edgefraction = q->edgefraction < 0 ? 0.001 : q->edgefraction,
        .visual = false,
        .cum_sort = q->cum_sort,
    };
    struct hearth_graph *g;
    struct hearth_buf labels;
    enum hearth_err e;
    const char *unit;
    uint32_t i;

    e = hearth_graph_build(s, &o, &g, em);
    if (e)
        return e;
    unit = hearth_graph_output_unit(g, q->unit);
    hearth_buf_init(&labels, 1 << 20);
    hearth_graph_labels(g, unit, o.nodefraction, -1, &labels);
    if (json) {
        struct hearth_jsonw w;
        hearth_jsonw_init(&w, out);
        hearth_jsonw_obj_open(&w);
        hearth_jsonw_key(&w, "sample");
        hearth_jsonw_obj_open(&w);
        hearth_jsonw_key(&w, "type");
        hearth_jsonw_cstr(&w, s->type);
        hearth_jsonw_key(&w, "unit");
        hearth_jsonw_cstr(&w, s->unit);
        hearth_jsonw_obj_close(&w);
        hearth_jsonw_key(&w, "total");
        hearth_jsonw_int(&w, s->total);
        hearth_jsonw_key(&w, "unit");
        hearth_jsonw_cstr(&w, unit);
        json_labels(&w, &labels);
        hearth_jsonw_key(&w, "rows");
        hearth_jsonw_arr_open(&w);
        for (i = 0; i < g->nnodes; i++) {
            const struct hearth_str *nm = &s->pname[g->node[i]];
            hearth_jsonw_obj_open(&w);
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
        hearth_jsonw_obj_close(&w);
        hearth_buf_addch(out, '\n');
    } else {
        int64_t sum = 0;
        hearth_buf_add(out, labels.ptr ? labels.ptr : "", labels.len);
        hearth_buf_printf(out, "%10s %5s%% %5s%% %10s %5s%%\n", "flat", "flat", "sum", "cum",
                          "cum");
        for (i = 0; i < g->nnodes; i++) {
            char f[128], c[128], fp[64], sp[64], cp[64];
            const struct hearth_str *nm = &s->pname[g->node[i]];
            sum = hearth_add64(sum, g->flat[i]);
            hearth_unit_label(f, sizeof(f), g->flat[i], s->unit, unit);
            hearth_unit_label(c, sizeof(c), g->cum[i], s->unit, unit);
            hearth_percentage(fp, sizeof(fp), g->flat[i], s->total);
            hearth_percentage(sp, sizeof(sp), sum, s->total);
            hearth_percentage(cp, sizeof(cp), g->cum[i], s->total);
            hearth_buf_printf(out, "%10s %s %s %10s %s  ", f, fp, sp, c, cp);
            hearth_buf_add(out, nm->ptr, nm->len);
            if (g->inl[i])
                hearth_buf_printf(out, " %s", inline_label[g->inl[i]]);
            hearth_buf_addch(out, '\n');
        }
    }
    hearth_buf_release(&labels);
    hearth_graph_free(g);
    if (out->fail)
        return hearth_errmsg_set(em, out->fail, "output larger than the limit");
    return HEARTH_OK;
}
