/*
 * top.c - pprof's -top report as text or JSON; see include/hearth/views.h.
 *
 * The JSON rows add what the text cannot: standard errors of flat and cum
 * from the stacks' sampling variances, and for heap profiles viewed as
 * in-use the same rows' allocated values (the retention columns), from a
 * second stacks build of the alloc_ type joined by printed name. In a diff
 * the rows also carry the base's own flat and cum (base_flat, base_cum; as
 * the flame graph's base_self and base_total), so new = base + delta needs
 * no second request.
 */
#include "hearth/views.h"
#include "hearth/num.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hearth/graph.h"
#include "hearth/jsonw.h"
#include "hearth/units.h"
#include "views_int.h"

#include "hearth/banned.h"

static const char *const inline_label[] = {"", "(inline)", "(partial-inline)"};

static void json_labels(struct hearth_jsonw *w, const struct hearth_buf *labels)
{
    const char *p = labels->ptr ? labels->ptr : "", *nl;

    hearth_jsonw_key(w, "labels");
    hearth_jsonw_arr_open(w);
    for (nl = strchr(p, '\n'); nl; nl = strchr(p, '\n')) {
        hearth_jsonw_str(w, p, (size_t)(nl - p));
        p = nl + 1;
    }
    hearth_jsonw_arr_close(w);
}

/*
 * Summed variance of flat and cum for every graph row (cum counted once per
 * stack, as cum itself is). *fv and *cv are malloc'ed.
 */
static enum hearth_err row_vars(const struct hearth_stacks *s, const struct hearth_graph *g,
                                double **fv, double **cv)
{
    uint32_t *pos = malloc((s->nnodes + 1) * sizeof(*pos)), i;
    enum hearth_err e = HEARTH_E_NOMEM;

    *fv = calloc(g->nnodes + 1, sizeof(**fv));
    *cv = calloc(g->nnodes + 1, sizeof(**cv));
    if (!pos || !*fv || !*cv)
        goto out_free;
    memset(pos, 0xff, (s->nnodes + 1) * sizeof(*pos));
    for (i = 0; i < g->nnodes; i++)
        pos[g->node[i]] = i;
    e = hearth_stacks_sum_rows(s, pos, g->nnodes, NULL, NULL, *fv, *cv);
out_free:
    free(pos);
    if (e) {
        free(*fv);
        free(*cv);
        *fv = *cv = NULL;
    }
    return e;
}

/*
 * Retention columns: when the report shows an in-use heap type (inuse_X)
 * of a plain profile (no base) that also has alloc_X, the allocated flat
 * and cum of every row's printed name under the same query. Leaves *af
 * NULL when not applicable. *af and *ac are malloc'ed (one per graph row).
 */
static enum hearth_err retention_cols(const struct hearth_stacks *s, const struct hearth_query *q,
                                      const struct hearth_graph *g, uint32_t *atype, int64_t **af,
                                      int64_t **ac, struct hearth_errmsg *em)
{
    struct hearth_stacks *a = NULL;
    struct hearth_query aq = *q;
    struct hearth_arena arena;
    struct hearth_intern names;
    uint32_t *nid = NULL, t, i;
    int64_t *flat = NULL, *cum = NULL;
    char idx[16];
    enum hearth_err e;

    *af = *ac = NULL;
    if (!s->p || s->has_base || s->p->s_side || q->diff != HEARTH_DIFF_NONE)
        return HEARTH_OK;
    t = hearth_stacks_type_partner(s->p, s->sidx, "inuse_", "alloc_", true);
    if (t == HEARTH_NONE)
        return HEARTH_OK;
    *atype = t;
    snprintf(idx, sizeof(idx), "%u", (unsigned)t);
    aq.sample_index = idx;
    aq.tagroot = aq.tagleaf = NULL; /* s->p has the label frames already */
    e = hearth_stacks_build(s->p, &aq, false, &s->lim, &a, em);
    if (e)
        return e;
    hearth_arena_init(&arena, 64 * 1024, 0);
    hearth_intern_init(&names, &arena, 0);
    e = HEARTH_E_NOMEM;
    /* one id per distinct printed name of the alloc stacks */
    nid = malloc((a->nnodes + 1) * sizeof(*nid));
    if (!nid)
        goto out_free;
    for (i = 0; i < a->nnodes; i++) {
        nid[i] = hearth_intern_add(&names, a->pname[i].ptr, a->pname[i].len);
        if (nid[i] == HEARTH_NONE)
            goto out_free;
    }
    flat = calloc(names.n + 1, sizeof(*flat));
    cum = calloc(names.n + 1, sizeof(*cum));
    *af = malloc((g->nnodes + 1) * sizeof(**af));
    *ac = malloc((g->nnodes + 1) * sizeof(**ac));
    if (!flat || !cum || !*af || !*ac)
        goto out_free;
    /* flat and cum per name, as the graph sums them per node */
    if (hearth_stacks_sum_rows(a, nid, names.n, flat, cum, NULL, NULL))
        goto out_free;
    for (i = 0; i < g->nnodes; i++) {
        const struct hearth_str *nm = &s->pname[g->node[i]];
        uint32_t k = hearth_intern_find(&names, nm->ptr, nm->len);
        (*af)[i] = k == HEARTH_NONE ? 0 : flat[k];
        (*ac)[i] = k == HEARTH_NONE ? 0 : cum[k];
    }
    e = HEARTH_OK;
out_free:
    free(nid);
    free(flat);
    free(cum);
    hearth_intern_release(&names);
    hearth_arena_release(&arena);
    hearth_stacks_free(a);
    if (e) {
        free(*af);
        free(*ac);
        *af = *ac = NULL;
        return hearth_errmsg_set(em, e, "out of memory");
    }
    return HEARTH_OK;
}

/* A node's identity (stacks.h: hearth_nodeinfo) as bytes, the file by its id in files. */
static uint32_t node_key(struct hearth_intern *keys, struct hearth_intern *files,
                         const struct hearth_stacks *s, uint32_t n, bool add)
{
    const struct hearth_nodeinfo *ni = &s->ni[n];
    const struct hearth_str *f = &s->strs.strs[ni->file];
    struct {
        uint32_t name, objfile, file, pad;
        int64_t start_line, lineno;
        uint64_t addr;
    } k;

    memset(&k, 0, sizeof(k));
    k.file =
        add ? hearth_intern_add(files, f->ptr, f->len) : hearth_intern_find(files, f->ptr, f->len);
    if (k.file == HEARTH_NONE)
        return HEARTH_NONE;
    k.name = ni->name;
    k.objfile = ni->objfile;
    k.start_line = ni->start_line;
    k.lineno = ni->lineno;
    k.addr = ni->addr;
    return add ? hearth_intern_add(keys, (const char *)&k, sizeof(k))
               : hearth_intern_find(keys, (const char *)&k, sizeof(k));
}

/*
 * Diff columns: every row's flat and cum in the base profile alone, under
 * the same query (what the base's own top shows for the node). The diff's
 * stacks cannot tell it: pprof's merge drops the stacks equal on both
 * sides, base part included. The merged profile keeps the base's samples
 * apart, after the source's (merge.c: s_side), so a view of the profile
 * holding only them gets its own stacks build, joined to the rows by node
 * identity. Leaves *bf NULL when the report is no diff. *bf and *bc are
 * malloc'ed (one per graph row).
 */
static enum hearth_err base_cols(const struct hearth_stacks *s, const struct hearth_query *q,
                                 const struct hearth_graph *g, int64_t **bf, int64_t **bc,
                                 struct hearth_errmsg *em)
{
    const struct hearth_profile *p = s->p;
    struct hearth_profile v;
    struct hearth_query bq = *q;
    struct hearth_stacks *b = NULL;
    struct hearth_arena arena;
    struct hearth_intern keys, files;
    int64_t *flat = NULL, *cum = NULL;
    uint32_t *nid = NULL, i;
    size_t first = 0, k;
    enum hearth_err e;

    *bf = *bc = NULL;
    if (!p || !p->s_side)
        return HEARTH_OK;
    while (first < p->nsamples && !p->s_side[first])
        first++;
    for (k = first; k < p->nsamples; k++)
        if (!p->s_side[k])
            return hearth_errmsg_set(em, HEARTH_E_CORRUPT, "diff: base samples not contiguous");
    /* a read-only view of the base's samples; the values stay negated */
    v = *p;
    v.nsamples = p->nsamples - first;
    v.s_loc_off += first;
    v.s_lab_off += first;
    v.s_val += first * p->ntypes;
    v.s_side += first;
    bq.tagroot = bq.tagleaf = NULL; /* s->p has the label frames already */
    e = hearth_stacks_build(&v, &bq, false, &s->lim, &b, em);
    if (e)
        return e;
    hearth_arena_init(&arena, 64 * 1024, 0);
    hearth_intern_init(&keys, &arena, 0);
    hearth_intern_init(&files, &arena, 0);
    e = HEARTH_E_NOMEM;
    nid = malloc((b->nnodes + 1) * sizeof(*nid));
    if (!nid)
        goto out_free;
    for (i = 0; i < b->nnodes; i++) {
        nid[i] = node_key(&keys, &files, b, i, true);
        if (nid[i] == HEARTH_NONE)
            goto out_free;
    }
    flat = calloc(keys.n + 1, sizeof(*flat));
    cum = calloc(keys.n + 1, sizeof(*cum));
    *bf = malloc((g->nnodes + 1) * sizeof(**bf));
    *bc = malloc((g->nnodes + 1) * sizeof(**bc));
    if (!flat || !cum || !*bf || !*bc)
        goto out_free;
    if (hearth_stacks_sum_rows(b, nid, keys.n, flat, cum, NULL, NULL))
        goto out_free;
    for (i = 0; i < g->nnodes; i++) {
        uint32_t r = node_key(&keys, &files, s, g->node[i], false);
        (*bf)[i] = r == HEARTH_NONE ? 0 : hearth_neg64(flat[r]);
        (*bc)[i] = r == HEARTH_NONE ? 0 : hearth_neg64(cum[r]);
    }
    e = HEARTH_OK;
out_free:
    free(nid);
    free(flat);
    free(cum);
    hearth_intern_release(&keys);
    hearth_intern_release(&files);
    hearth_arena_release(&arena);
    hearth_stacks_free(b);
    if (e) {
        free(*bf);
        free(*bc);
        *bf = *bc = NULL;
        return hearth_errmsg_set(em, e, "out of memory");
    }
    return HEARTH_OK;
}

static void json_top(struct hearth_jsonw *w, const struct hearth_stacks *s,
                     const struct hearth_graph *g, const char *unit,
                     const struct hearth_buf *labels, const double *fv, const double *cv,
                     const int64_t *bf, const int64_t *bc, uint32_t atype, const int64_t *af,
                     const int64_t *ac)
{
    uint32_t i;

    hearth_jsonw_obj_open(w);
    hearth__sample_json(w, s);
    hearth_jsonw_key(w, "unit");
    hearth_jsonw_cstr(w, unit);
    hearth__noise_json(w, s);
    if (af) {
        hearth_jsonw_key(w, "retention");
        hearth_jsonw_obj_open(w);
        hearth_jsonw_key(w, "type");
        hearth_jsonw_str(w, s->p->str[s->p->type_name[atype]].ptr,
                         s->p->str[s->p->type_name[atype]].len);
        hearth_jsonw_key(w, "unit");
        hearth_jsonw_str(w, s->p->str[s->p->type_unit[atype]].ptr,
                         s->p->str[s->p->type_unit[atype]].len);
        hearth_jsonw_obj_close(w);
    }
    json_labels(w, labels);
    hearth_jsonw_key(w, "rows");
    hearth_jsonw_arr_open(w);
    for (i = 0; i < g->nnodes; i++) {
        const struct hearth_str *nm = &s->pname[g->node[i]];
        hearth_jsonw_obj_open(w);
        hearth_jsonw_key(w, "name");
        hearth_jsonw_str(w, nm->ptr, nm->len);
        hearth_jsonw_key(w, "flat");
        hearth_jsonw_int(w, g->flat[i]);
        hearth_jsonw_key(w, "cum");
        hearth_jsonw_int(w, g->cum[i]);
        if (fv) {
            hearth_jsonw_key(w, "flat_err");
            hearth_jsonw_int(w, hearth__std_err(fv[i]));
            hearth_jsonw_key(w, "cum_err");
            hearth_jsonw_int(w, hearth__std_err(cv[i]));
        }
        if (bf) {
            hearth_jsonw_key(w, "base_flat");
            hearth_jsonw_int(w, bf[i]);
            hearth_jsonw_key(w, "base_cum");
            hearth_jsonw_int(w, bc[i]);
        }
        if (af) {
            hearth_jsonw_key(w, "alloc_flat");
            hearth_jsonw_int(w, af[i]);
            hearth_jsonw_key(w, "alloc_cum");
            hearth_jsonw_int(w, ac[i]);
        }
        hearth_jsonw_key(w, "inline");
        hearth_jsonw_cstr(w, inline_label[g->inl[i]]);
        hearth_jsonw_obj_close(w);
    }
    hearth_jsonw_arr_close(w);
    hearth_jsonw_obj_close(w);
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
    hearth_graph_labels_ex(g, unit, o.nodefraction, -1, false, &labels);
    if (json) {
        struct hearth_jsonw w;
        double *fv = NULL, *cv = NULL;
        int64_t *af = NULL, *ac = NULL, *bf = NULL, *bc = NULL;
        uint32_t atype = HEARTH_NONE;
        if (hearth__has_err(s)) {
            e = row_vars(s, g, &fv, &cv);
            if (e) {
                hearth_errmsg_set(em, e, "out of memory");
                goto out_free;
            }
        }
        e = base_cols(s, q, g, &bf, &bc, em);
        if (!e)
            e = retention_cols(s, q, g, &atype, &af, &ac, em);
        if (!e) {
            hearth_jsonw_init(&w, out);
            json_top(&w, s, g, unit, &labels, fv, cv, bf, bc, atype, af, ac);
            hearth_buf_addch(out, '\n');
        }
        free(fv);
        free(cv);
        free(bf);
        free(bc);
        free(af);
        free(ac);
        if (e)
            goto out_free;
    } else {
        int64_t sum = 0;
        hearth_buf_add(out, labels.ptr ? labels.ptr : "", labels.len);
        hearth_buf_printf(out, "%10s %5s%% %5s%% %10s %5s%%\n", "flat", "flat", "sum", "cum",
                          "cum");
        for (i = 0; i < g->nnodes; i++) {
            char f[128], c[128], fp[64], sp[64], cp[64];
            const struct hearth_str *nm = &s->pname[g->node[i]];
            sum = hearth_add64(sum, g->flat[i]);
            hearth_graph_fmt(s, f, sizeof(f), g->flat[i], unit);
            hearth_graph_fmt(s, c, sizeof(c), g->cum[i], unit);
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
    e = HEARTH_OK;
out_free:
    hearth_buf_release(&labels);
    hearth_graph_free(g);
    if (!e && out->fail)
        return hearth_errmsg_set(em, out->fail, "output larger than the limit");
    return e;
}
