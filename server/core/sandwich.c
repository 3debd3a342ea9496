/*
 * sandwich.c - callers and callees of a function, and pprof's -peek table;
 * see include/hearth/sandwich.h.
 *
 * The sandwich derives two sets of stacks from the view's stacks (each
 * stack holding the pivot, cut at its outermost pivot frame: the callees
 * side from there to the leaf, the callers side from there to the root,
 * reversed) and renders each with the flame graph (flame.c), so trimming,
 * diff values, error estimates and budgets are the flame graph's. The
 * derived stacks share the view's node table and never hold more frames
 * than the view's stacks (plus one per stack), so they stay within
 * max_view_frames.
 */
#include "hearth/sandwich.h"
#include "hearth/num.h"

#include <stdlib.h>
#include <string.h>

#include "hearth/graph.h"
#include "hearth/jsonw.h"
#include "hearth/regex.h"
#include "hearth/views.h"
#include "views_int.h"

#include "hearth/banned.h"

/* The derived stacks of one side: a shallow copy of the view's with new stack arrays. */
struct side {
    struct hearth_stacks st;
    size_t *off;
    uint32_t *frames;
    int64_t *w, *wbase;
    double *var;
};

static void side_release(struct side *sd)
{
    free(sd->off);
    free(sd->frames);
    free(sd->w);
    free(sd->wbase);
    free(sd->var);
}

static bool side_alloc(struct side *sd, const struct hearth_stacks *s, size_t nst, size_t nfr)
{
    memset(sd, 0, sizeof(*sd));
    sd->off = malloc((nst + 1) * sizeof(*sd->off));
    sd->frames = malloc((nfr + 1) * sizeof(*sd->frames));
    sd->w = malloc((nst + 1) * sizeof(*sd->w));
    sd->wbase = malloc((nst + 1) * sizeof(*sd->wbase));
    if (s->var)
        sd->var = malloc((nst + 1) * sizeof(*sd->var));
    if (!sd->off || !sd->frames || !sd->w || !sd->wbase || (s->var && !sd->var))
        return false;
    sd->st = *s; /* the node table, totals, limits and deadline are shared */
    sd->st.nstacks = 0;
    sd->st.off = sd->off;
    sd->st.frames = sd->frames;
    sd->st.w = sd->w;
    sd->st.wbase = sd->wbase;
    sd->st.var = sd->var;
    sd->st.tagset = NULL;
    sd->off[0] = 0;
    return true;
}

/* Append one derived stack (frames already written at off[nstacks]..) of nf frames. */
static void side_push(struct side *sd, const struct hearth_stacks *s, size_t i, size_t nf)
{
    size_t k = sd->st.nstacks;

    sd->off[k + 1] = sd->off[k] + nf;
    sd->w[k] = s->w[i];
    sd->wbase[k] = s->wbase[i];
    if (sd->var)
        sd->var[k] = s->var[i];
    sd->st.nstacks = k + 1;
}

/*
 * mark[node] = 1 for the pivot's nodes: the exact printed name, else the
 * regex. *nmatch counts them.
 */
static enum hearth_err pivot_nodes(const struct hearth_stacks *s, const char *fn, uint8_t *mark,
                                   uint32_t *nmatch, struct hearth_errmsg *em)
{
    size_t fl = strlen(fn);
    struct hearth_regex *re = NULL;
    enum hearth_err e;
    uint32_t i;

    *nmatch = 0;
    for (i = 0; i < s->nnodes; i++) {
        if (s->pname[i].len == fl && !memcmp(s->pname[i].ptr, fn, fl)) {
            mark[i] = 1;
            (*nmatch)++;
        }
    }
    if (*nmatch)
        return HEARTH_OK;
    e = hearth_regex_compile(fn, &s->lim, "fn", &re, em);
    if (e)
        return e;
    for (i = 0; i < s->nnodes; i++) {
        int r = hearth_regex_match(re, s->pname[i].ptr, s->pname[i].len);
        if (r < 0) {
            e = hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
            goto out_free;
        }
        if (r) {
            mark[i] = 1;
            (*nmatch)++;
        }
    }
out_free:
    hearth_regex_free(re);
    return e;
}

/* Append the flame JSON of one side as the value of `key` (without its newline). */
static enum hearth_err side_json(struct hearth_jsonw *w, const char *key, const struct side *sd,
                                 const struct hearth_query *q, struct hearth_errmsg *em)
{
    struct hearth_buf tmp;
    enum hearth_err e;

    hearth_buf_init(&tmp, w->b->max);
    e = hearth_flame_render(&sd->st, q, &tmp, em);
    if (e)
        goto out_free;
    while (tmp.len && tmp.ptr[tmp.len - 1] == '\n')
        tmp.len--;
    hearth_jsonw_key(w, key);
    hearth_buf_add(w->b, tmp.ptr, tmp.len);
    w->need_comma[w->depth] = true;
out_free:
    hearth_buf_release(&tmp);
    return e;
}

enum hearth_err hearth_sandwich_render(const struct hearth_stacks *s, const struct hearth_query *q,
                                       const char *fn, struct hearth_buf *out,
                                       struct hearth_errmsg *em)
{
    struct side up, down;
    struct hearth_jsonw w;
    uint8_t *mark = calloc((size_t)s->nnodes + 1, 1);
    uint32_t nmatch = 0, i;
    size_t si, nst = 0, nup = 0, ndown = 0, steps = 0;
    int64_t flat = 0, cum = 0, bflat = 0, bcum = 0;
    double vflat = 0, vcum = 0;
    enum hearth_err e = HEARTH_E_NOMEM;

    memset(&up, 0, sizeof(up));
    memset(&down, 0, sizeof(down));
    if (!mark)
        goto out_nomem;
    e = pivot_nodes(s, fn, mark, &nmatch, em);
    if (e)
        goto out_free;
    /* sizes of both sides */
    for (si = 0; si < s->nstacks; si++) {
        size_t a = s->off[si], b = s->off[si + 1], k;
        if (s->w[si] == 0 && s->wbase[si] == 0)
            continue;
        for (k = a; k < b && !mark[s->frames[k] >> 1]; k++)
            ;
        if (k == b)
            continue;
        nst++;
        nup += k - a + 1;
        ndown += b - k;
    }
    e = HEARTH_E_NOMEM;
    if (!side_alloc(&up, s, nst, nup) || !side_alloc(&down, s, nst, ndown))
        goto out_nomem;
    for (si = 0; si < s->nstacks; si++) {
        size_t a = s->off[si], b = s->off[si + 1], k, j;
        uint32_t *f;
        if (s->w[si] == 0 && s->wbase[si] == 0)
            continue;
        for (k = a; k < b && !mark[s->frames[k] >> 1]; k++)
            ;
        if (k == b)
            continue;
        f = up.frames + up.off[up.st.nstacks];
        for (j = 0; j <= k - a; j++)
            f[j] = s->frames[k - j];
        side_push(&up, s, si, k - a + 1);
        memcpy(down.frames + down.off[down.st.nstacks], s->frames + k,
               (b - k) * sizeof(*s->frames));
        side_push(&down, s, si, b - k);
        cum = hearth_add64(cum, s->w[si]);
        bcum = hearth_add64(bcum, s->wbase[si]);
        if (s->var)
            vcum += s->var[si];
        if (mark[s->frames[b - 1] >> 1]) {
            flat = hearth_add64(flat, s->w[si]);
            bflat = hearth_add64(bflat, s->wbase[si]);
            if (s->var)
                vflat += s->var[si];
        }
        steps += b - a + 1;
        if (steps >= 65536) {
            steps = 0;
            if (hearth_stacks_late(s)) {
                e = hearth_stacks_over_time(s, em);
                goto out_free;
            }
        }
    }
    hearth_jsonw_init(&w, out);
    hearth_jsonw_obj_open(&w);
    hearth__sample_json(&w, s);
    hearth_jsonw_key(&w, "diff");
    hearth_jsonw_bool(&w, s->has_base);
    hearth__noise_json(&w, s);
    hearth_jsonw_key(&w, "fn");
    hearth_jsonw_cstr(&w, fn);
    hearth_jsonw_key(&w, "matched");
    hearth_jsonw_arr_open(&w);
    for (i = 0; i < s->nnodes; i++)
        if (mark[i])
            hearth_jsonw_str(&w, s->pname[i].ptr, s->pname[i].len);
    hearth_jsonw_arr_close(&w);
    hearth_jsonw_key(&w, "flat");
    hearth_jsonw_int(&w, flat);
    hearth_jsonw_key(&w, "cum");
    hearth_jsonw_int(&w, cum);
    if (s->has_base) {
        hearth_jsonw_key(&w, "base_flat");
        hearth_jsonw_int(&w, hearth_neg64(bflat));
        hearth_jsonw_key(&w, "base_cum");
        hearth_jsonw_int(&w, hearth_neg64(bcum));
    }
    if (s->var) {
        hearth_jsonw_key(&w, "flat_err");
        hearth_jsonw_int(&w, hearth__std_err(vflat));
        hearth_jsonw_key(&w, "cum_err");
        hearth_jsonw_int(&w, hearth__std_err(vcum));
    }
    e = side_json(&w, "callers", &up, q, em);
    if (e)
        goto out_free;
    e = side_json(&w, "callees", &down, q, em);
    if (e)
        goto out_free;
    hearth_jsonw_obj_close(&w);
    hearth_buf_addch(out, '\n');
    e = out->fail ? hearth_errmsg_set(em, HEARTH_E_TOO_LARGE, "output larger than the limit")
                  : HEARTH_OK;
    goto out_free;
out_nomem:
    e = hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
out_free:
    side_release(&up);
    side_release(&down);
    free(mark);
    return e;
}

/*
 * Edges by end node, in the graph's edge order: the edges ending at node n
 * (dst for incoming, src for outgoing) are idx[head[n] .. head[n+1]).
 */
struct adj {
    uint32_t *head, *idx;
};

static bool adj_build(struct adj *a, const struct hearth_graph *g, bool incoming)
{
    size_t i;
    uint32_t n;

    a->head = calloc((size_t)g->nnodes + 2, sizeof(*a->head));
    a->idx = malloc((g->nedges + 1) * sizeof(*a->idx));
    if (!a->head || !a->idx)
        return false;
    for (i = 0; i < g->nedges; i++)
        if (!g->edges[i].hidden_dst) /* to a node the trimming dropped: not a peek row */
            a->head[(incoming ? g->edges[i].dst : g->edges[i].src) + 2]++;
    for (n = 0; n < g->nnodes; n++)
        a->head[n + 2] += a->head[n + 1];
    for (i = 0; i < g->nedges; i++)
        if (!g->edges[i].hidden_dst)
            a->idx[a->head[(incoming ? g->edges[i].dst : g->edges[i].src) + 1]++] = (uint32_t)i;
    return true;
}

/* One edge list of a peek row: callers (incoming) or callees (outgoing) of node n. */
static void peek_edges(struct hearth_jsonw *w, const struct hearth_graph *g, const struct adj *a,
                       uint32_t n, bool callers)
{
    const struct hearth_stacks *s = g->s;
    uint32_t k;

    hearth_jsonw_arr_open(w);
    for (k = a->head[n]; k < a->head[n + 1]; k++) {
        const struct hearth_gedge *ed = &g->edges[a->idx[k]];
        uint32_t other = g->node[callers ? ed->src : ed->dst];
        hearth_jsonw_obj_open(w);
        hearth_jsonw_key(w, "name");
        hearth_jsonw_str(w, s->pname[other].ptr, s->pname[other].len);
        hearth_jsonw_key(w, "weight");
        hearth_jsonw_int(w, ed->weight);
        hearth_jsonw_key(w, "inline");
        hearth_jsonw_bool(w, ed->inline_);
        hearth_jsonw_obj_close(w);
    }
    hearth_jsonw_arr_close(w);
}

enum hearth_err hearth_peek_render(const struct hearth_stacks *s, const struct hearth_query *q,
                                   const char *re, struct hearth_buf *out, struct hearth_errmsg *em)
{
    struct hearth_graph_opts o;
    struct hearth_graph *g = NULL;
    struct hearth_regex *rx = NULL;
    struct hearth_jsonw w;
    struct adj in = {NULL, NULL}, outg = {NULL, NULL};
    int64_t sum = 0;
    uint32_t i;
    enum hearth_err e;

    e = hearth_regex_compile(re, &s->lim, "peek", &rx, em);
    if (e)
        return e;
    memset(&o, 0, sizeof(o));
    o.cum_sort = q->cum_sort; /* pprof's -peek: no trimming (nodecount, fractions 0) */
    e = hearth_graph_build(s, &o, &g, em);
    if (e)
        goto out_free;
    if (!adj_build(&in, g, true) || !adj_build(&outg, g, false)) {
        e = hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
        goto out_free;
    }
    hearth_jsonw_init(&w, out);
    hearth_jsonw_obj_open(&w);
    hearth__sample_json(&w, s);
    hearth_jsonw_key(&w, "diff");
    hearth_jsonw_bool(&w, s->has_base);
    hearth_jsonw_key(&w, "peek");
    hearth_jsonw_cstr(&w, re);
    hearth_jsonw_key(&w, "nodes");
    hearth_jsonw_arr_open(&w);
    for (i = 0; i < g->nnodes; i++) {
        const struct hearth_str *nm = &s->pname[g->node[i]];
        int r = hearth_regex_match(rx, nm->ptr, nm->len);
        if (r < 0) {
            e = hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
            goto out_free;
        }
        if (!r)
            continue;
        sum = hearth_add64(sum, g->flat[i]);
        hearth_jsonw_obj_open(&w);
        hearth_jsonw_key(&w, "name");
        hearth_jsonw_str(&w, nm->ptr, nm->len);
        hearth_jsonw_key(&w, "flat");
        hearth_jsonw_int(&w, g->flat[i]);
        hearth_jsonw_key(&w, "cum");
        hearth_jsonw_int(&w, g->cum[i]);
        hearth_jsonw_key(&w, "sum");
        hearth_jsonw_int(&w, sum);
        hearth_jsonw_key(&w, "inline");
        hearth_jsonw_int(&w, g->inl[i]);
        hearth_jsonw_key(&w, "callers");
        peek_edges(&w, g, &in, i, true);
        hearth_jsonw_key(&w, "callees");
        peek_edges(&w, g, &outg, i, false);
        hearth_jsonw_obj_close(&w);
        if ((i & 1023) == 1023 && hearth_stacks_late(s)) {
            e = hearth_stacks_over_time(s, em);
            goto out_free;
        }
    }
    hearth_jsonw_arr_close(&w);
    hearth_jsonw_obj_close(&w);
    hearth_buf_addch(out, '\n');
    if (out->fail)
        e = hearth_errmsg_set(em, HEARTH_E_TOO_LARGE, "output larger than the limit");
out_free:
    free(in.head);
    free(in.idx);
    free(outg.head);
    free(outg.idx);
    hearth_graph_free(g);
    hearth_regex_free(rx);
    return e;
}
