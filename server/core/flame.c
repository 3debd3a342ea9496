/*
 * flame.c - the flame graph: a call tree (prefix trie of root-first
 * stacks) emitted as flat arrays in pre-order; see views.h.
 *
 * As in pprof's flame graph the tree is built at the current granularity
 * and filters; recursion gives one node per level. Siblings are ordered by
 * name, equal names by their first stack. Trimming drops subtrees whose
 * weight is below min_fraction of the root's and adds their value to the
 * parent's self, so totals still add up (total = self + children's totals).
 * The weight is what the UI draws as the frame's width: |total|, and in a
 * diff |base| + |new| (new = base + delta), so a diff keeps every frame
 * that is wide on either side, changed or not, and trims at the same
 * pixel as the plain flame graph (the UI asks for min_fraction 1/(2 x its
 * width in px), half a pixel);
 * a subtree whose every value is zero on both sides (a diff that cancels)
 * is dropped, and not counted as trimmed.
 *
 * The tree is built trim-aware, top down: only nodes that survive the trim
 * are ever made. The stacks with a value (on either side) are one index
 * array, and the stacks through a node are a contiguous range of it. To
 * expand a node at depth d its range is ordered, stably, by the rank of
 * the frame at depth d (rank 0: the stack ends here; ranks follow sibling
 * order), so every child is a run whose sum is the child's total. A child
 * below the cut is never expanded: its total goes to the parent's self.
 * The tree is walked with an explicit stack (stacks may be 65,536 frames
 * deep) and its nodes are made in pre-order, the output order. Memory is
 * that of the stacks (about 24 bytes each) plus the surviving nodes.
 *
 * Budgets (limits.h): the tree may not pass max_view_nodes surviving nodes
 * (with min_fraction 0, the whole tree), and the work stops at the stacks'
 * deadline; both give HEARTH_E_TOO_LARGE with a message, never a partial
 * tree.
 *
 * With a sampling-noise estimate (stacks.h) every node also gets the
 * standard error of its total: the summed variance of the stacks through
 * it, summed in stack order (the order floating-point sums have always had
 * here). A trimmed child's stacks already went through its parent, so the
 * parent's variance holds them without any folding.
 */
#include "hearth/views.h"
#include "hearth/num.h"

#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "hearth/jsonw.h"
#include "views_int.h"

#include "hearth/banned.h"

/* The surviving tree, in pre-order (a parent precedes its children). */
struct tree {
    size_t n, cap;
    uint32_t *node, *parent;
    uint8_t *inl;
    int64_t *total, *self, *btotal, *bself;
    double *var; /* summed variance of the stacks through the node (NULL: no estimate) */
};

/* A node to make: its range of the stacks, found while expanding its parent. */
struct pend {
    size_t a, b;
    int64_t total, btotal;
    uint32_t depth, parent, node, first; /* first: its lowest stack index */
    uint8_t inl;
};

struct walk {
    const struct hearth_stacks *s;
    struct tree t;
    uint64_t *kb, *ktmp;  /* per stack with a value: rank << 32 | stack index */
    uint32_t *rank, *grp; /* per node id: sibling rank (from 1), name group */
    uint32_t *sv, *stmp;  /* scratch of the zero-subtree test (lazy) */
    uint32_t *deep;       /* per stack index: deepest surviving node (with var) */
    struct pend *pst;     /* the walk's stack */
    size_t sp, pcap, m, work;
    unsigned keybytes; /* bytes of the largest rank */
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
}

static uint32_t tree_add(struct tree *t, bool want_var, const struct pend *e)
{
    uint32_t id = (uint32_t)t->n;

    if (t->n == t->cap) {
        size_t nc = t->cap ? t->cap * 2 : 1024;
#define GROW(f)                                                                                    \
    do {                                                                                           \
        void *np_ = realloc(t->f, nc * sizeof(*t->f));                                             \
        if (!np_)                                                                                  \
            return HEARTH_NONE;                                                                    \
        t->f = np_;                                                                                \
    } while (0)
        GROW(node);
        GROW(parent);
        GROW(inl);
        GROW(total);
        GROW(self);
        GROW(btotal);
        GROW(bself);
        if (want_var)
            GROW(var);
#undef GROW
        t->cap = nc;
    }
    t->node[id] = e->node;
    t->parent[id] = e->parent;
    t->inl[id] = e->inl;
    t->total[id] = e->total;
    t->btotal[id] = e->btotal;
    t->self[id] = t->bself[id] = 0;
    if (t->var)
        t->var[id] = 0;
    t->n++;
    return id;
}

/*
 * Stable bottom-up merge sort of v[0..n) (tmp: n scratch entries) with
 * deadline checks; false when the view ran out of time (v is then some
 * permutation of its input).
 */
typedef int (*cmp_fn)(const void *ctx, uint32_t a, uint32_t b);

static bool msort(const struct hearth_stacks *s, uint32_t *v, uint32_t *tmp, size_t n, cmp_fn cmp,
                  const void *ctx)
{
    uint32_t *src = v, *dst = tmp;
    size_t i, wid, steps = 0;

    for (i = 0; i < n; i += 8) { /* insertion sort of runs of 8 */
        size_t e = i + 8 < n ? i + 8 : n, j;
        for (j = i + 1; j < e; j++) {
            uint32_t x = v[j];
            size_t k = j;
            while (k > i && cmp(ctx, v[k - 1], x) > 0) {
                v[k] = v[k - 1];
                k--;
            }
            v[k] = x;
        }
    }
    for (wid = 8; wid < n; wid *= 2) {
        uint32_t *sw;
        for (i = 0; i < n; i += 2 * wid) {
            size_t lo = i, mid = i + wid < n ? i + wid : n, hi = i + 2 * wid < n ? i + 2 * wid : n;
            size_t x = lo, y = mid, k = lo;
            while (x < mid && y < hi)
                dst[k++] = cmp(ctx, src[y], src[x]) < 0 ? src[y++] : src[x++];
            while (x < mid)
                dst[k++] = src[x++];
            while (y < hi)
                dst[k++] = src[y++];
            steps += hi - lo;
            if (steps >= 65536) {
                steps = 0;
                if (hearth_stacks_late(s))
                    return false;
            }
        }
        sw = src;
        src = dst;
        dst = sw;
    }
    if (src != v)
        memcpy(v, src, n * sizeof(*v));
    return true;
}

/* Node ids by printed name, then id. */
static int name_cmp(const void *ctx, uint32_t a, uint32_t b)
{
    const struct hearth_stacks *s = ctx;
    const struct hearth_str *x = &s->pname[a], *y = &s->pname[b];
    size_t n = x->len < y->len ? x->len : y->len;
    int r = n ? memcmp(x->ptr, y->ptr, n) : 0;

    if (r)
        return r;
    if (x->len != y->len)
        return x->len < y->len ? -1 : 1;
    return a < b ? -1 : a > b;
}

/* Stacks by their node ids from depth `from` on (any total order that groups equal tails). */
struct seq_ctx {
    const struct hearth_stacks *s;
    size_t from;
};

static int seq_cmp(const void *ctx, uint32_t a, uint32_t b)
{
    const struct seq_ctx *c = ctx;
    const size_t *off = c->s->off;
    const uint32_t *x = c->s->frames + off[a] + c->from, *y = c->s->frames + off[b] + c->from;
    size_t nx = off[a + 1] - off[a] - c->from, ny = off[b + 1] - off[b] - c->from;
    size_t n = nx < ny ? nx : ny, k;

    for (k = 0; k < n; k++)
        if ((x[k] ^ y[k]) >> 1)
            return (x[k] >> 1) < (y[k] >> 1) ? -1 : 1;
    if (nx != ny)
        return nx < ny ? -1 : 1;
    return 0;
}

/*
 * Sibling ranks: rank[id] orders node ids by name then id, from 1 (0 is
 * "the stack ends here"); grp[id] is the same for every id of one name.
 */
static enum hearth_err make_ranks(struct walk *wk, struct hearth_errmsg *em)
{
    const struct hearth_stacks *s = wk->s;
    uint32_t *ids = malloc((s->nnodes + 1) * sizeof(*ids));
    uint32_t *tmp = malloc((s->nnodes + 1) * sizeof(*tmp));
    uint32_t i, g = 0;
    enum hearth_err e = HEARTH_E_NOMEM;

    wk->rank = malloc((s->nnodes + 1) * sizeof(*wk->rank));
    wk->grp = malloc((s->nnodes + 1) * sizeof(*wk->grp));
    if (!ids || !tmp || !wk->rank || !wk->grp)
        goto out_free;
    for (i = 0; i < s->nnodes; i++)
        ids[i] = i;
    if (!msort(s, ids, tmp, s->nnodes, name_cmp, s)) {
        e = hearth_stacks_over_time(s, em);
        goto out_free;
    }
    for (i = 0; i < s->nnodes; i++) {
        const struct hearth_str *x = &s->pname[ids[i]], *y = i ? &s->pname[ids[i - 1]] : x;
        if (x->len != y->len || (x->len && memcmp(x->ptr, y->ptr, x->len) != 0))
            g = i;
        wk->rank[ids[i]] = i + 1;
        wk->grp[ids[i]] = g;
    }
    wk->keybytes = 1;
    while (wk->keybytes < 4 && ((uint64_t)s->nnodes >> (8 * wk->keybytes)) != 0)
        wk->keybytes++;
    e = HEARTH_OK;
out_free:
    free(ids);
    free(tmp);
    return e;
}

/*
 * Order kb[a..b) stably by the rank of each stack's frame at depth d (0
 * when the stack ends at d). Stacks through one child stay in stack order.
 */
static void order_range(struct walk *wk, size_t a, size_t b, uint32_t d)
{
    const struct hearth_stacks *s = wk->s;
    uint64_t *v = wk->kb + a;
    size_t n = b - a, i;
    uint32_t prev = 0;
    bool sorted = true;
    unsigned byte;

    for (i = 0; i < n; i++) {
        uint32_t idx = (uint32_t)v[i], key = 0;
        size_t o = s->off[idx];
        if (s->off[idx + 1] - o > d)
            key = wk->rank[s->frames[o + d] >> 1];
        v[i] = (uint64_t)key << 32 | idx;
        if (key < prev)
            sorted = false;
        prev = key;
    }
    if (sorted)
        return;
    if (n < 32) {
        for (i = 1; i < n; i++) {
            uint64_t x = v[i];
            size_t k = i;
            while (k > 0 && (v[k - 1] >> 32) > (x >> 32)) {
                v[k] = v[k - 1];
                k--;
            }
            v[k] = x;
        }
        return;
    }
    /* LSD radix sort on the key's bytes (stable), skipping bytes all keys share */
    for (byte = 0; byte < wk->keybytes; byte++) {
        size_t cnt[256] = {0}, sum = 0;
        unsigned sh = 32 + 8 * byte, c;
        uint64_t *src = v, *dst = wk->ktmp + a;
        for (i = 0; i < n; i++)
            cnt[(src[i] >> sh) & 255]++;
        if (cnt[(src[0] >> sh) & 255] == n)
            continue;
        for (c = 0; c < 256; c++) {
            size_t x = cnt[c];
            cnt[c] = sum;
            sum += x;
        }
        for (i = 0; i < n; i++)
            dst[cnt[(src[i] >> sh) & 255]++] = src[i];
        memcpy(v, dst, n * sizeof(*v));
    }
}

/*
 * Whether the stacks kb[a..b), which share their first `from` frames, hold
 * a non-zero value on either side once summed per distinct tail (that is,
 * whether the subtree they make has any non-zero node). 1 yes, 0 no,
 * -1 out of memory, -2 out of time.
 */
static int subtree_nonzero(struct walk *wk, size_t a, size_t b, size_t from)
{
    const struct hearth_stacks *s = wk->s;
    struct seq_ctx c = {s, from};
    size_t n = b - a, i, j;

    if (!wk->sv) {
        wk->sv = malloc((wk->m + 1) * sizeof(*wk->sv));
        wk->stmp = malloc((wk->m + 1) * sizeof(*wk->stmp));
        if (!wk->sv || !wk->stmp)
            return -1;
    }
    for (i = 0; i < n; i++)
        wk->sv[i] = (uint32_t)wk->kb[a + i];
    if (!msort(s, wk->sv, wk->stmp, n, seq_cmp, &c))
        return -2;
    for (i = 0; i < n; i = j) {
        int64_t sw = 0, sb = 0;
        for (j = i; j < n && (j == i || seq_cmp(&c, wk->sv[i], wk->sv[j]) == 0); j++) {
            sw = hearth_add64(sw, s->w[wk->sv[j]]);
            sb = hearth_add64(sb, s->wbase[wk->sv[j]]);
        }
        if (sw != 0 || sb != 0)
            return 1;
        wk->work += j - i;
        if (wk->work >= 1024) {
            wk->work = 0;
            if (hearth_stacks_late(s))
                return -2;
        }
    }
    return 0;
}

static int pend_first_cmp(const void *pa, const void *pb)
{
    const struct pend *x = pa, *y = pb;

    return x->first < y->first ? -1 : x->first > y->first;
}

static bool push(struct walk *wk, const struct pend *e)
{
    if (wk->sp == wk->pcap) {
        size_t nc = wk->pcap ? wk->pcap * 2 : 256;
        struct pend *np = realloc(wk->pst, nc * sizeof(*np));
        if (!np)
            return false;
        wk->pst = np;
        wk->pcap = nc;
    }
    wk->pst[wk->sp++] = *e;
    return true;
}

/*
 * A node's weight against the trim cut: its drawn width (see the top). In
 * a diff total is new - base and btotal the base's part of it (-base), so
 * new = total - btotal.
 */
static int64_t weight(bool diff, int64_t total, int64_t btotal)
{
    if (!diff)
        return hearth_abs64(total);
    return hearth_add64(hearth_abs64(btotal),
                        hearth_abs64(hearth_add64(total, hearth_neg64(btotal))));
}

/*
 * Expand the node on top of the walk's stack: make it, add the stacks
 * ending there and the children below the cut to its self, and push the
 * surviving children so the first in sibling order is popped first.
 * *zeros is set when a zero-valued child was kept for the final pass.
 */
static enum hearth_err expand(struct walk *wk, int64_t cut, size_t *nsurv, size_t *trimmed,
                              bool *zeros, struct hearth_errmsg *em)
{
    const struct hearth_stacks *s = wk->s;
    struct pend e = wk->pst[--wk->sp];
    size_t p = e.a, base = wk->sp, k;
    uint32_t id = tree_add(&wk->t, s->var != NULL, &e), d = e.depth;
    struct tree *t = &wk->t;

    if (id == HEARTH_NONE)
        return HEARTH_E_NOMEM;
    order_range(wk, e.a, e.b, d);
    wk->work += e.b - e.a + 1;
    for (; p < e.b && (wk->kb[p] >> 32) == 0; p++) { /* stacks ending here */
        uint32_t idx = (uint32_t)wk->kb[p];
        t->self[id] = hearth_add64(t->self[id], s->w[idx]);
        t->bself[id] = hearth_add64(t->bself[id], s->wbase[idx]);
        if (wk->deep)
            wk->deep[idx] = id;
    }
    while (p < e.b) {
        struct pend c;
        uint32_t key = (uint32_t)(wk->kb[p] >> 32), idx = (uint32_t)wk->kb[p];
        size_t q = p;
        bool keep;

        memset(&c, 0, sizeof(c));
        c.a = p;
        c.depth = d + 1;
        c.parent = id;
        c.node = s->frames[s->off[idx] + d] >> 1;
        c.first = HEARTH_NONE;
        for (; q < e.b && (wk->kb[q] >> 32) == key; q++) {
            idx = (uint32_t)wk->kb[q];
            c.total = hearth_add64(c.total, s->w[idx]);
            c.btotal = hearth_add64(c.btotal, s->wbase[idx]);
            if (idx < c.first) {
                c.first = idx;
                c.inl = s->frames[s->off[idx] + d] & 1;
            }
        }
        c.b = q;
        if (cut > 0) {
            int nz = 1;
            if (c.total == 0 && c.btotal == 0) {
                nz = subtree_nonzero(wk, p, q, (size_t)d + 1);
                if (nz == -1)
                    return HEARTH_E_NOMEM;
                if (nz == -2)
                    return hearth_stacks_over_time(s, em);
            }
            keep = nz && weight(s->has_base, c.total, c.btotal) >= cut;
            if (nz && !keep) {
                t->self[id] = hearth_add64(t->self[id], c.total);
                t->bself[id] = hearth_add64(t->bself[id], c.btotal);
                (*trimmed)++;
            }
        } else {
            /* nothing is trimmed; all-zero subtrees go in the final pass */
            keep = true;
            if (c.total == 0 && c.btotal == 0)
                *zeros = true;
        }
        if (keep) {
            if (!push(wk, &c))
                return HEARTH_E_NOMEM;
            (*nsurv)++;
            if (s->lim.max_view_nodes && *nsurv > s->lim.max_view_nodes)
                return hearth_errmsg_set(
                    em, HEARTH_E_TOO_LARGE,
                    "the flame graph would have more than %zu nodes (limit max_view_nodes); "
                    "trim more (mf=), narrow it with a filter (f=, i=, s=, h=) or use a coarser "
                    "granularity (g=files)",
                    s->lim.max_view_nodes);
        } else if (wk->deep) {
            for (k = p; k < q; k++)
                wk->deep[(uint32_t)wk->kb[k]] = id;
        }
        p = q;
    }
    /* the children are in (name, id) order: equal names go by first stack */
    for (k = base; k < wk->sp;) {
        size_t j = k + 1;
        while (j < wk->sp && wk->grp[wk->pst[j].node] == wk->grp[wk->pst[k].node])
            j++;
        if (j - k > 1)
            qsort(wk->pst + k, j - k, sizeof(*wk->pst), pend_first_cmp);
        k = j;
    }
    for (k = 0; k < (wk->sp - base) / 2; k++) {
        struct pend x = wk->pst[base + k];
        wk->pst[base + k] = wk->pst[wk->sp - 1 - k];
        wk->pst[wk->sp - 1 - k] = x;
    }
    if (wk->work >= 1024) {
        wk->work = 0;
        if (hearth_stacks_late(s))
            return hearth_stacks_over_time(s, em);
    }
    return HEARTH_OK;
}

/* Drop the subtrees whose every value is zero on both sides (pre-order kept). */
static enum hearth_err drop_zero_subtrees(struct tree *t)
{
    uint8_t *nz = calloc(t->n + 1, 1);
    uint32_t *nid = malloc((t->n + 1) * sizeof(*nid));
    size_t i, j = 0;
    enum hearth_err e = HEARTH_E_NOMEM;

    if (!nz || !nid)
        goto out_free;
    for (i = t->n; i-- > 1;) {
        if (t->total[i] != 0 || t->self[i] != 0 || t->btotal[i] != 0 || t->bself[i] != 0)
            nz[i] = 1;
        if (nz[i])
            nz[t->parent[i]] = 1;
    }
    nz[0] = 1;
    for (i = 0; i < t->n; i++) {
        if (!nz[i])
            continue;
        nid[i] = (uint32_t)j;
        t->node[j] = t->node[i];
        t->parent[j] = i ? nid[t->parent[i]] : HEARTH_NONE;
        t->inl[j] = t->inl[i];
        t->total[j] = t->total[i];
        t->self[j] = t->self[i];
        t->btotal[j] = t->btotal[i];
        t->bself[j] = t->bself[i];
        if (t->var)
            t->var[j] = t->var[i];
        j++;
    }
    t->n = j;
    e = HEARTH_OK;
out_free:
    free(nz);
    free(nid);
    return e;
}

/* Each node's variance: the stacks through it, added in stack order. */
static bool sum_var(struct walk *wk)
{
    const struct hearth_stacks *s = wk->s;
    size_t i, steps = 0;

    for (i = 0; i < s->nstacks; i++) {
        uint32_t n;
        double v = s->var[i];
        if (s->w[i] == 0 && s->wbase[i] == 0)
            continue;
        for (n = wk->deep[i]; n != HEARTH_NONE; n = wk->t.parent[n]) {
            wk->t.var[n] += v;
            steps++;
        }
        if (steps >= 65536) {
            steps = 0;
            if (hearth_stacks_late(s))
                return false;
        }
    }
    return true;
}

enum hearth_err hearth_flame_render(const struct hearth_stacks *s, const struct hearth_query *q,
                                    struct hearth_buf *out, struct hearth_errmsg *em)
{
    struct walk wk;
    struct tree *t = &wk.t;
    struct hearth_jsonw w;
    struct pend root;
    uint32_t *strid = NULL, nstr = 0;
    size_t i, trimmed = 0, nsurv = 1;
    int64_t cut = 0;
    bool diff = s->has_base, zeros = false;
    enum hearth_err e = HEARTH_E_NOMEM;

    memset(&wk, 0, sizeof(wk));
    memset(&root, 0, sizeof(root));
    wk.s = s;
    if (s->nstacks >= HEARTH_NONE)
        goto out_free;
    /* the stacks with a value on either side, in stack order; the root's totals */
    for (i = 0; i < s->nstacks; i++)
        if (s->w[i] != 0 || s->wbase[i] != 0)
            wk.m++;
    wk.kb = malloc((wk.m + 1) * sizeof(*wk.kb));
    wk.ktmp = malloc((wk.m + 1) * sizeof(*wk.ktmp));
    if (!wk.kb || !wk.ktmp)
        goto out_free;
    if (s->var) {
        wk.deep = malloc((s->nstacks + 1) * sizeof(*wk.deep));
        if (!wk.deep)
            goto out_free;
    }
    for (i = 0; i < s->nstacks; i++) {
        if (s->w[i] == 0 && s->wbase[i] == 0)
            continue;
        wk.kb[root.b] = (uint64_t)i;
        root.b++;
        root.total = hearth_add64(root.total, s->w[i]);
        root.btotal = hearth_add64(root.btotal, s->wbase[i]);
    }
    root.parent = root.node = HEARTH_NONE;
    if (q->min_fraction > 0) {
        int64_t rt = weight(diff, root.total, root.btotal);
        cut = (int64_t)((double)rt * q->min_fraction);
    }
    e = make_ranks(&wk, em);
    if (e == HEARTH_E_NOMEM)
        goto out_free;
    if (e)
        goto out_budget;
    e = HEARTH_E_NOMEM;
    if (!push(&wk, &root))
        goto out_free;
    while (wk.sp) {
        e = expand(&wk, cut, &nsurv, &trimmed, &zeros, em);
        if (e == HEARTH_E_NOMEM)
            goto out_free;
        if (e)
            goto out_budget;
    }
    e = HEARTH_E_NOMEM;
    if (s->var && !sum_var(&wk)) {
        e = hearth_stacks_over_time(s, em);
        goto out_budget;
    }
    if (zeros && drop_zero_subtrees(t) != HEARTH_OK)
        goto out_free;
    strid = malloc((s->nnodes + 1) * sizeof(*strid));
    if (!strid)
        goto out_free;
    memset(strid, 0xff, (s->nnodes + 1) * sizeof(*strid));
    hearth_jsonw_init(&w, out);
    hearth_jsonw_obj_open(&w);
    hearth__sample_json(&w, s);
    hearth_jsonw_key(&w, "diff");
    hearth_jsonw_bool(&w, diff);
    hearth_jsonw_key(&w, "trimmed");
    hearth_jsonw_int(&w, (int64_t)trimmed);
    hearth__noise_json(&w, s);
    hearth_jsonw_key(&w, "strings");
    hearth_jsonw_arr_open(&w);
    hearth_jsonw_cstr(&w, "root");
    nstr = 1;
    for (i = 1; i < t->n; i++) {
        uint32_t id = t->node[i];
        if (strid[id] == HEARTH_NONE) {
            strid[id] = nstr++;
            hearth_jsonw_str(&w, s->pname[id].ptr, s->pname[id].len);
        }
    }
    hearth_jsonw_arr_close(&w);
    hearth_jsonw_key(&w, "nodes");
    hearth_jsonw_obj_open(&w);
#define ARRAY(key, expr)                                                                           \
    do {                                                                                           \
        hearth_jsonw_key(&w, key);                                                                 \
        hearth_jsonw_arr_open(&w);                                                                 \
        for (i = 0; i < t->n; i++)                                                                 \
            hearth_jsonw_int(&w, (expr));                                                          \
        hearth_jsonw_arr_close(&w);                                                                \
    } while (0)
    ARRAY("name", i == 0 ? 0 : (int64_t)strid[t->node[i]]);
    ARRAY("parent", i == 0 ? -1 : (int64_t)t->parent[i]);
    ARRAY("self", t->self[i]);
    ARRAY("total", t->total[i]);
    ARRAY("inline", (int64_t)t->inl[i]);
    if (diff) {
        ARRAY("base_self", hearth_neg64(t->bself[i]));
        ARRAY("base_total", hearth_neg64(t->btotal[i]));
    }
    if (t->var)
        ARRAY("err", hearth__std_err(t->var[i])); /* of total: the delta's in a diff */
#undef ARRAY
    hearth_jsonw_obj_close(&w);
    hearth_jsonw_obj_close(&w);
    hearth_buf_addch(out, '\n');
    e = out->fail;
out_free:
    if (e)
        e = hearth_errmsg_set(
            em, e, e == HEARTH_E_TOO_LARGE ? "output larger than the limit" : "out of memory");
out_budget:
    tree_release(t);
    free(wk.kb);
    free(wk.ktmp);
    free(wk.rank);
    free(wk.grp);
    free(wk.sv);
    free(wk.stmp);
    free(wk.deep);
    free(wk.pst);
    free(strid);
    return e;
}
