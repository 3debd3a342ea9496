/*
 * flame.c - the flame graph: a call tree (prefix trie of root-first
 * stacks) emitted as flat arrays in pre-order; see views.h.
 *
 * As in pprof's flame graph the tree is built with no node trimming, at the
 * current granularity and filters; recursion gives one node per level.
 * Siblings are ordered by name. Optional trimming drops subtrees whose
 * |total| is below min_fraction of the root and adds their value to the
 * parent's self, so totals still add up (total = self + children's totals).
 *
 * Budgets (limits.h): the tree may not pass max_view_nodes nodes before
 * trimming, and the work stops at the stacks' deadline; both give
 * HEARTH_E_TOO_LARGE with a message, never a partial tree.
 *
 * With a sampling-noise estimate (stacks.h) every node also gets the
 * standard error of its total: the summed variance of the stacks through
 * it. A trimmed child's stacks already went through its parent, so the
 * parent's variance holds them without any folding.
 */
#define _GNU_SOURCE /* qsort_r */
#include "hearth/views.h"
#include "hearth/num.h"

#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "hearth/jsonw.h"
#include "views_int.h"

struct tree {
    const struct hearth_stacks *s;
    size_t n, cap;
    uint32_t *node, *parent;
    uint8_t *inl;
    int64_t *total, *self, *btotal, *bself;
    double *var; /* summed variance of the stacks through the node (NULL: no estimate) */
    uint32_t *child_off, *child; /* children lists after build */
    struct hearth_u64map map; /* (parent << 32 | node) -> tree index */
};

static void tree_release(struct tree *t)
{
    free(t->node);
    free(t->parent);
    free(t->inl);
    free(t->total);
    free(t->self);
    free(t->btotal);
    free(t->bself);
    free(t->var);
    free(t->child_off);
    free(t->child);
    hearth_u64map_release(&t->map);
}

static uint32_t tree_add(struct tree *t, uint32_t parent, uint32_t node, bool inl)
{
    uint32_t id = (uint32_t)t->n;
    int added = hearth_u64map_put(&t->map, (uint64_t)parent << 32 | node, id, &id);

    if (added <= 0)
        return added < 0 ? HEARTH_NONE : id;
    if (t->n == t->cap) {
        size_t nc = t->cap ? t->cap * 2 : 1024;
#define GROW(f)                                                  \
    do {                                                         \
        void *np_ = realloc(t->f, nc * sizeof(*t->f));           \
        if (!np_)                                                \
            return HEARTH_NONE;                                  \
        t->f = np_;                                              \
    } while (0)
        GROW(node);
        GROW(parent);
        GROW(inl);
        GROW(total);
        GROW(self);
        GROW(btotal);
        GROW(bself);
        if (t->s->var)
            GROW(var);
#undef GROW
        t->cap = nc;
    }
    t->node[id] = node;
    t->parent[id] = parent;
    t->inl[id] = inl;
    t->total[id] = t->self[id] = t->btotal[id] = t->bself[id] = 0;
    if (t->var)
        t->var[id] = 0;
    t->n++;
    return id;
}

static int child_cmp(const void *pa, const void *pb, void *arg)
{
    const struct tree *sort_t = arg;
    uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
    const struct hearth_str *x = &sort_t->s->pname[sort_t->node[a]];
    const struct hearth_str *y = &sort_t->s->pname[sort_t->node[b]];
    size_t n = x->len < y->len ? x->len : y->len;
    int r = memcmp(x->ptr, y->ptr, n);

    if (r)
        return r;
    if (x->len != y->len)
        return x->len < y->len ? -1 : 1;
    return a < b ? -1 : a > b;
}

enum hearth_err hearth_flame_render(const struct hearth_stacks *s, const struct hearth_query *q,
                                    struct hearth_buf *out, struct hearth_errmsg *em)
{
    struct tree t;
    struct hearth_jsonw w;
    uint32_t *order = NULL, *stack = NULL, *strid = NULL, *newidx = NULL, nstr = 0;
    uint8_t *drop = NULL;
    size_t i, nout = 0, trimmed = 0;
    int64_t cut = 0;
    bool diff = s->has_base;
    enum hearth_err e = HEARTH_E_NOMEM;

    memset(&t, 0, sizeof(t));
    t.s = s;
    if (!hearth_u64map_init(&t.map, 1024))
        goto out_free;
    /* root: a synthetic node with identity NONE */
    if (tree_add(&t, HEARTH_NONE, HEARTH_NONE, false) != 0)
        goto out_free;
    for (i = 0; i < s->nstacks; i++) {
        uint32_t cur = 0;
        size_t f;
        int64_t wv = s->w[i], wb = s->wbase[i];
        double v = s->var ? s->var[i] : 0;
        if (wv == 0 && wb == 0)
            continue;
        t.total[0] = hearth_add64(t.total[0], wv);
        t.btotal[0] = hearth_add64(t.btotal[0], wb);
        if (t.var)
            t.var[0] += v;
        if ((i & 1023) == 1023 && hearth_stacks_late(s)) {
            e = hearth_stacks_over_time(s, em);
            goto out_budget;
        }
        for (f = s->off[i]; f < s->off[i + 1]; f++) {
            cur = tree_add(&t, cur, s->frames[f] >> 1, s->frames[f] & 1);
            if (cur == HEARTH_NONE)
                goto out_free;
            if (s->lim.max_view_nodes && t.n > s->lim.max_view_nodes) {
                e = hearth_errmsg_set(em, HEARTH_E_TOO_LARGE,
                                      "the flame graph would have more than %zu nodes before "
                                      "trimming (limit max_view_nodes); narrow it with a filter "
                                      "(f=, i=, s=, h=) or a coarser granularity (g=files)",
                                      s->lim.max_view_nodes);
                goto out_budget;
            }
            t.total[cur] = hearth_add64(t.total[cur], wv);
            t.btotal[cur] = hearth_add64(t.btotal[cur], wb);
            if (t.var)
                t.var[cur] += v;
        }
        t.self[cur] = hearth_add64(t.self[cur], wv);
        t.bself[cur] = hearth_add64(t.bself[cur], wb);
    }
    /* drop nodes with zero totals on both sides (diffs that cancel), and trim */
    drop = calloc(t.n + 1, 1);
    if (!drop)
        goto out_free;
    if (q->min_fraction > 0) {
        int64_t rt = hearth_abs64(t.total[0]);
        cut = (int64_t)((double)rt * q->min_fraction);
    }
    /*
     * A subtree whose every value is zero on both sides (a diff that
     * cancels) is dropped; a node that only sums to zero keeps its subtree.
     */
    for (i = t.n; i-- > 1;) {
        if (t.total[i] != 0 || t.self[i] != 0 || t.btotal[i] != 0 || t.bself[i] != 0)
            drop[i] |= 4; /* 4: something non-zero here or below */
        if (drop[i] & 4)
            drop[t.parent[i]] |= 4;
    }
    for (i = 1; i < t.n; i++) {
        /* parents precede children (insertion order), so a dropped parent is seen first */
        int64_t at = hearth_abs64(t.total[i]);
        uint32_t par = t.parent[i];
        if (drop[par] & 3) {
            drop[i] = 2; /* inside a dropped subtree: already accounted */
            continue;
        }
        if (!(drop[i] & 4)) {
            drop[i] = 2;
        } else if (cut > 0 && at < cut) {
            drop[i] = 1;
            t.self[par] = hearth_add64(t.self[par], t.total[i]);
            t.bself[par] = hearth_add64(t.bself[par], t.btotal[i]);
            trimmed++;
        } else {
            drop[i] = 0;
        }
    }
    drop[0] = 0;
    /* children lists */
    t.child_off = calloc(t.n + 2, sizeof(*t.child_off));
    t.child = malloc((t.n + 1) * sizeof(*t.child));
    if (!t.child_off || !t.child)
        goto out_free;
    for (i = 1; i < t.n; i++)
        if (!drop[i])
            t.child_off[t.parent[i] + 2]++;
    for (i = 2; i < t.n + 2; i++)
        t.child_off[i] += t.child_off[i - 1];
    for (i = 1; i < t.n; i++)
        if (!drop[i])
            t.child[t.child_off[t.parent[i] + 1]++] = (uint32_t)i;
    for (i = 0; i < t.n; i++)
        qsort_r(t.child + t.child_off[i], t.child_off[i + 1] - t.child_off[i], sizeof(uint32_t),
                child_cmp, &t);
    /* pre-order */
    order = malloc((t.n + 1) * sizeof(*order));
    stack = malloc((t.n + 1) * sizeof(*stack));
    newidx = malloc((t.n + 1) * sizeof(*newidx));
    strid = malloc((s->nnodes + 1) * sizeof(*strid));
    if (!order || !stack || !newidx || !strid)
        goto out_free;
    memset(strid, 0xff, (s->nnodes + 1) * sizeof(*strid));
    {
        size_t sp = 0;
        stack[sp++] = 0;
        while (sp) {
            uint32_t n = stack[--sp], k;
            newidx[n] = (uint32_t)nout;
            order[nout++] = n;
            for (k = t.child_off[n + 1]; k-- > t.child_off[n];)
                stack[sp++] = t.child[k];
        }
    }
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
    hearth_jsonw_key(&w, "diff");
    hearth_jsonw_bool(&w, diff);
    hearth_jsonw_key(&w, "trimmed");
    hearth_jsonw_int(&w, (int64_t)trimmed);
    hearth__noise_json(&w, s);
    hearth_jsonw_key(&w, "strings");
    hearth_jsonw_arr_open(&w);
    hearth_jsonw_cstr(&w, "root");
    nstr = 1;
    for (i = 1; i < nout; i++) {
        uint32_t id = t.node[order[i]];
        if (strid[id] == HEARTH_NONE) {
            strid[id] = nstr++;
            hearth_jsonw_str(&w, s->pname[id].ptr, s->pname[id].len);
        }
    }
    hearth_jsonw_arr_close(&w);
    hearth_jsonw_key(&w, "nodes");
    hearth_jsonw_obj_open(&w);
#define ARRAY(key, expr)                                                                    \
    do {                                                                                    \
        hearth_jsonw_key(&w, key);                                                          \
        hearth_jsonw_arr_open(&w);                                                          \
        for (i = 0; i < nout; i++) {                                                        \
            uint32_t n = order[i];                                                          \
            (void)n;                                                                        \
            hearth_jsonw_int(&w, (expr));                                                   \
        }                                                                                   \
        hearth_jsonw_arr_close(&w);                                                         \
    } while (0)
    ARRAY("name", n == 0 ? 0 : (int64_t)strid[t.node[n]]);
    ARRAY("parent", n == 0 ? -1 : (int64_t)newidx[t.parent[n]]);
    ARRAY("self", t.self[n]);
    ARRAY("total", t.total[n]);
    ARRAY("inline", (int64_t)t.inl[n]);
    if (diff) {
        ARRAY("base_self", hearth_neg64(t.bself[n]));
        ARRAY("base_total", hearth_neg64(t.btotal[n]));
    }
    if (t.var)
        ARRAY("err", hearth__std_err(t.var[n])); /* of total: the delta's in a diff */
#undef ARRAY
    hearth_jsonw_obj_close(&w);
    hearth_jsonw_obj_close(&w);
    hearth_buf_addch(out, '\n');
    e = out->fail;
out_free:
    tree_release(&t);
    free(order);
    free(stack);
    free(newidx);
    free(strid);
    free(drop);
    if (e)
        return hearth_errmsg_set(em, e, e == HEARTH_E_TOO_LARGE ? "output larger than the limit"
                                                                 : "out of memory");
    return HEARTH_OK;
out_budget:
    tree_release(&t);
    return e;
}
