/*
 * graph.c - pprof's graph: build from stacks, trim, sort; see graph.h.
 *
 * Every refinement step rebuilds the graph from the stacks with a set of
 * kept nodes, as pprof does: frames of dropped nodes are skipped, edges
 * that jump over them become residual, and a stack whose leaf was dropped
 * gives its flat weight to nobody.
 */
#define _GNU_SOURCE /* qsort_r, gmtime_r */
#include "hearth/graph.h"
#include "hearth/num.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hearth/buf.h"
#include "hearth/units.h"

#include "hearth/banned.h"

struct edge {
    uint32_t src, dst; /* identities */
    int64_t w, wdiv;
    bool residual, inline_, dead;
    size_t stamp;
};

/* One build of the graph over identities. */
struct build {
    const struct hearth_stacks *s;
    int64_t *flat, *cum;
    int64_t *flatdiv, *cumdiv; /* -mean: summed divisors (NULL otherwise) */
    size_t *stamp;
    struct hearth_u64map emap; /* (src << 32 | dst) -> edge index */
    struct edge *e;
    size_t ne, ecap;
    /* tags (visual graphs only) */
    struct hearth_seqmap tmap;
    int64_t *tflat, *tcum;
    uint32_t *tnode;
    size_t ntcap;
    /* present nodes (flat or cum non-zero), in current order */
    uint32_t *nodes;
    uint32_t nn;
    /* adjacency over live edges, by identity */
    uint32_t *in_off, *in_e, *out_off, *out_e;
};

static void build_release(struct build *b)
{
    free(b->flat);
    free(b->cum);
    free(b->flatdiv);
    free(b->cumdiv);
    free(b->stamp);
    hearth_u64map_release(&b->emap);
    free(b->e);
    hearth_seqmap_release(&b->tmap);
    free(b->tflat);
    free(b->tcum);
    free(b->tnode);
    free(b->nodes);
    free(b->in_off);
    free(b->in_e);
    free(b->out_off);
    free(b->out_e);
    memset(b, 0, sizeof(*b));
}

static bool add_tag(struct build *b, uint32_t node, uint32_t kind, uint32_t label, uint32_t num,
                    int64_t w, bool flat)
{
    uint32_t key[4] = {node, kind, label, num}, id;
    bool added;

    id = hearth_seqmap_add(&b->tmap, key, 4, &added);
    if (id == HEARTH_NONE)
        return false;
    if (id >= b->ntcap) {
        size_t nc = b->ntcap ? b->ntcap * 2 : 256;
        int64_t *f = realloc(b->tflat, nc * sizeof(*f)), *c;
        uint32_t *n;
        if (!f)
            return false;
        b->tflat = f;
        c = realloc(b->tcum, nc * sizeof(*c));
        if (!c)
            return false;
        b->tcum = c;
        n = realloc(b->tnode, nc * sizeof(*n));
        if (!n)
            return false;
        b->tnode = n;
        b->ntcap = nc;
    }
    if (added) {
        b->tflat[id] = b->tcum[id] = 0;
        b->tnode[id] = node;
    }
    if (flat)
        b->tflat[id] = hearth_add64(b->tflat[id], w);
    else
        b->tcum[id] = hearth_add64(b->tcum[id], w);
    return true;
}

static bool add_tags(struct build *b, size_t st, uint32_t node, int64_t w, bool flat)
{
    const struct hearth_stacks *s = b->s;
    uint32_t ts = s->tagset[st], k;

    if (ts == HEARTH_NONE || !s->ts_label)
        return true;
    if (s->ts_label[ts] && !add_tag(b, node, 0, s->ts_label[ts], 0, w, flat))
        return false;
    for (k = s->ts_off[ts]; k < s->ts_off[ts + 1]; k++)
        if (!add_tag(b, node, 1, s->ts_label[ts], s->ts_num[k], w, flat))
            return false;
    return true;
}

/*
 * Build over identities with kept[] (NULL = all kept); without edges when
 * the pass only finds the node cutoff (the edges of every node of a big
 * profile are most of the graph's memory).
 */
static enum hearth_err build_graph(struct build *b, const struct hearth_stacks *s,
                                   const uint8_t *kept, bool tags, bool edges)
{
    size_t i;
    uint32_t n = s->nnodes;

    memset(b, 0, sizeof(*b));
    b->s = s;
    hearth_seqmap_init(&b->tmap);
    if (!hearth_u64map_init(&b->emap, 1024))
        return HEARTH_E_NOMEM;
    b->flat = calloc(n + 1, sizeof(*b->flat));
    b->cum = calloc(n + 1, sizeof(*b->cum));
    b->stamp = calloc(n + 1, sizeof(*b->stamp));
    if (!b->flat || !b->cum || !b->stamp)
        return HEARTH_E_NOMEM;
    if (s->wdiv) {
        b->flatdiv = calloc(n + 1, sizeof(*b->flatdiv));
        b->cumdiv = calloc(n + 1, sizeof(*b->cumdiv));
        if (!b->flatdiv || !b->cumdiv)
            return HEARTH_E_NOMEM;
    }
    for (i = 0; i < s->nstacks; i++) {
        size_t f;
        uint32_t parent = HEARTH_NONE;
        bool residual = false;
        int64_t w = s->w[i], dw = s->wdiv ? s->wdiv[i] : 0;

        if ((i & 1023) == 1023 && hearth_stacks_late(s))
            return HEARTH_E_TOO_LARGE; /* the caller words it */
        /* every stack holds at least one sample with a non-zero value; keep it
           even when values cancelled, as pprof keeps such samples' edges */
        for (f = s->off[i]; f < s->off[i + 1]; f++) {
            uint32_t node = s->frames[f] >> 1;
            bool inl = s->frames[f] & 1;
            if (kept && !kept[node]) {
                residual = true;
                continue;
            }
            if (b->stamp[node] != i + 1) {
                b->stamp[node] = i + 1;
                b->cum[node] = hearth_add64(b->cum[node], w);
                if (b->cumdiv)
                    b->cumdiv[node] = hearth_add64(b->cumdiv[node], dw);
                if (tags && !add_tags(b, i, node, w, false))
                    return HEARTH_E_NOMEM;
            }
            if (edges && parent != HEARTH_NONE && parent != node) {
                uint32_t id = (uint32_t)b->ne;
                int added = hearth_u64map_put(&b->emap, (uint64_t)parent << 32 | node, id, &id);
                if (added < 0)
                    return HEARTH_E_NOMEM;
                if (added) {
                    if (b->ne == b->ecap) {
                        size_t nc = b->ecap ? b->ecap * 2 : 1024;
                        struct edge *ne = realloc(b->e, nc * sizeof(*ne));
                        if (!ne)
                            return HEARTH_E_NOMEM;
                        b->e = ne;
                        b->ecap = nc;
                    }
                    b->e[id].src = parent;
                    b->e[id].dst = node;
                    b->e[id].w = 0;
                    b->e[id].wdiv = 0;
                    b->e[id].residual = false;
                    b->e[id].inline_ = true;
                    b->e[id].dead = false;
                    b->e[id].stamp = 0;
                    b->ne++;
                }
                if (b->e[id].stamp != i + 1) {
                    b->e[id].stamp = i + 1;
                    b->e[id].w = hearth_add64(b->e[id].w, w);
                    b->e[id].wdiv = hearth_add64(b->e[id].wdiv, dw);
                    if (residual)
                        b->e[id].residual = true;
                    if (!inl)
                        b->e[id].inline_ = false;
                }
            }
            parent = node;
            residual = false;
        }
        if (parent != HEARTH_NONE && !residual) {
            b->flat[parent] = hearth_add64(b->flat[parent], w);
            if (b->flatdiv)
                b->flatdiv[parent] = hearth_add64(b->flatdiv[parent], dw);
            if (tags && !add_tags(b, i, parent, w, true))
                return HEARTH_E_NOMEM;
        }
    }
    /* pprof drops nodes whose flat and cum are both zero */
    b->nodes = malloc((n + 1) * sizeof(*b->nodes));
    if (!b->nodes)
        return HEARTH_E_NOMEM;
    for (i = 0; i < n; i++) {
        if ((kept && !kept[i]) || (b->flat[i] == 0 && b->cum[i] == 0))
            continue;
        /* -drop_negative: pprof's isNegative */
        if (s->drop_negative && (b->flat[i] < 0 || (b->flat[i] == 0 && b->cum[i] < 0)))
            continue;
        b->nodes[b->nn++] = (uint32_t)i;
    }
    /*
     * Edges touching a dropped (all-zero) node stay: pprof keeps them in the
     * other node's edge map (they count for inline labels and entropy) but
     * never draws them.
     */
    return HEARTH_OK;
}

/* Go's abs on int64: wraps for the minimum value instead of trapping. */
static int64_t abs64(int64_t v)
{
    return hearth_abs64(v);
}

static int cmp_name(const struct hearth_stacks *s, uint32_t a, uint32_t b)
{
    struct hearth_str x = s->pname[a], y = s->pname[b];
    size_t n = x.len < y.len ? x.len : y.len;
    int r = memcmp(x.ptr, y.ptr, n);

    if (r)
        return r;
    return x.len < y.len ? -1 : x.len > y.len ? 1 : 0;
}

/* Go's fmt.Sprint of pprof's NodeInfo struct, the last tie-break. */
static void identity_string(const struct hearth_stacks *s, uint32_t n, struct hearth_buf *b)
{
    const struct hearth_nodeinfo *ni = &s->ni[n];
    struct hearth_str name = hearth_pstr(s->p, ni->name), file = s->strs.strs[ni->file],
                      obj = hearth_pstr(s->p, ni->objfile);

    hearth_buf_reset(b);
    hearth_buf_addch(b, '{');
    hearth_buf_add(b, name.ptr, name.len);
    hearth_buf_printf(b, "  %" PRIu64 " ", ni->addr);
    hearth_buf_add(b, file.ptr, file.len);
    hearth_buf_printf(b, " %" PRId64 " %" PRId64 " ", ni->start_line, ni->lineno);
    hearth_buf_add(b, obj.ptr, obj.len);
    hearth_buf_addch(b, '}');
}

static int cmp_identity(const struct hearth_stacks *s, uint32_t a, uint32_t b)
{
    struct hearth_buf x, y;
    int r;

    hearth_buf_init(&x, 1 << 20);
    hearth_buf_init(&y, 1 << 20);
    identity_string(s, a, &x);
    identity_string(s, b, &y);
    r = strcmp(x.ptr ? x.ptr : "", y.ptr ? y.ptr : "");
    hearth_buf_release(&x);
    hearth_buf_release(&y);
    return r;
}

/* Sorting context, passed through glibc's qsort_r (views run on many threads). */
struct sortctx {
    const struct build *b;
    const int64_t *score;
    int mode; /* 0 flat, 1 cum, 2 entropy */
};

static int node_cmp(const void *pa, const void *pb, void *arg)
{
    uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
    const struct sortctx *sc = arg;
    const struct build *g = sc->b;
    const int64_t *sort_score = sc->score;
    int sort_mode = sc->mode;
    int64_t x, y;
    int r;

    if (sort_mode == 2) {
        x = abs64(sort_score[a]);
        y = abs64(sort_score[b]);
        if (x != y)
            return x > y ? -1 : 1;
        r = cmp_name(g->s, a, b);
        if (r)
            return r;
        x = abs64(g->flat[a]);
        y = abs64(g->flat[b]);
        if (x != y)
            return x > y ? -1 : 1;
        return cmp_identity(g->s, a, b);
    }
    x = abs64(sort_mode ? g->cum[a] : g->flat[a]);
    y = abs64(sort_mode ? g->cum[b] : g->flat[b]);
    if (x != y)
        return x > y ? -1 : 1;
    r = cmp_name(g->s, a, b);
    if (r)
        return r;
    x = abs64(sort_mode ? g->flat[a] : g->cum[a]);
    y = abs64(sort_mode ? g->flat[b] : g->cum[b]);
    if (x != y)
        return x > y ? -1 : 1;
    return cmp_identity(g->s, a, b);
}

static enum hearth_err make_adjacency(struct build *b)
{
    uint32_t n = b->s->nnodes;
    size_t i;

    free(b->in_off);
    free(b->in_e);
    free(b->out_off);
    free(b->out_e);
    b->in_off = calloc(n + 2, sizeof(*b->in_off));
    b->out_off = calloc(n + 2, sizeof(*b->out_off));
    b->in_e = malloc((b->ne + 1) * sizeof(*b->in_e));
    b->out_e = malloc((b->ne + 1) * sizeof(*b->out_e));
    if (!b->in_off || !b->out_off || !b->in_e || !b->out_e)
        return HEARTH_E_NOMEM;
    for (i = 0; i < b->ne; i++) {
        if (b->e[i].dead)
            continue;
        b->in_off[b->e[i].dst + 2]++;
        b->out_off[b->e[i].src + 2]++;
    }
    for (i = 2; i < (size_t)n + 2; i++) {
        b->in_off[i] += b->in_off[i - 1];
        b->out_off[i] += b->out_off[i - 1];
    }
    for (i = 0; i < b->ne; i++) {
        if (b->e[i].dead)
            continue;
        b->in_e[b->in_off[b->e[i].dst + 1]++] = (uint32_t)i;
        b->out_e[b->out_off[b->e[i].src + 1]++] = (uint32_t)i;
    }
    return HEARTH_OK;
}

static double edge_entropy(const struct build *b, const uint32_t *es, uint32_t ne, int64_t self)
{
    double score = 0;
    int64_t total = self;
    /* (sums wrap as in Go) */
    uint32_t k;

    for (k = 0; k < ne; k++)
        if (b->e[es[k]].w > 0)
            total = hearth_add64(total, abs64(b->e[es[k]].w));
    if (total != 0) {
        for (k = 0; k < ne; k++) {
            double frac = (double)abs64(b->e[es[k]].w) / (double)total;
            score += -frac * log2(frac);
        }
        if (self > 0) {
            double frac = (double)abs64(self) / (double)total;
            score += -frac * log2(frac);
        }
    }
    return score;
}

static enum hearth_err sort_nodes(struct build *b, int mode)
{
    int64_t *score = NULL;
    uint32_t i;

    if (mode == 2) {
        enum hearth_err e = make_adjacency(b);
        if (e)
            return e;
        score = calloc(b->s->nnodes + 1, sizeof(*score));
        if (!score)
            return HEARTH_E_NOMEM;
        for (i = 0; i < b->nn; i++) {
            uint32_t n = b->nodes[i];
            uint32_t nin = b->in_off[n + 1] - b->in_off[n],
                     nout = b->out_off[n + 1] - b->out_off[n];
            double sc = 0;
            sc += nin == 0 ? 1 : edge_entropy(b, b->in_e + b->in_off[n], nin, 0);
            sc += nout == 0 ? 1 : edge_entropy(b, b->out_e + b->out_off[n], nout, b->flat[n]);
            score[n] =
                (int64_t)((uint64_t)hearth_go_int64(sc * (double)b->cum[n]) + (uint64_t)b->flat[n]);
        }
    }
    {
        struct sortctx sc = {b, score, mode};
        qsort_r(b->nodes, b->nn, sizeof(*b->nodes), node_cmp, &sc);
    }
    free(score);
    return HEARTH_OK;
}

static bool present(const struct build *b, uint32_t n)
{
    return b->flat[n] != 0 || b->cum[n] != 0;
}

static uint32_t trim_edges(struct build *b, int64_t cutoff)
{
    uint32_t dropped = 0;
    size_t i;

    /* pprof walks the incoming edges of the graph's nodes */
    for (i = 0; i < b->ne; i++)
        if (!b->e[i].dead && present(b, b->e[i].dst) && abs64(b->e[i].w) < cutoff) {
            b->e[i].dead = true;
            dropped++;
        }
    return dropped;
}

/* pprof's countTags after TrimLowFrequencyTags(cutoff), capped at 4 boxes. */
static uint32_t *count_tags(const struct build *b, int64_t cutoff)
{
    uint32_t *cnt = calloc(b->s->nnodes + 1, sizeof(*cnt));
    size_t i;

    if (!cnt)
        return NULL;
    for (i = 0; i < b->tmap.n; i++) {
        if (b->tflat[i] == 0)
            continue;
        if (abs64(b->tflat[i]) >= cutoff || abs64(b->tcum[i]) >= cutoff)
            cnt[b->tnode[i]]++;
    }
    return cnt;
}

static int edge_cmp(const void *pa, const void *pb, void *arg)
{
    const struct build *esort_b = arg;
    const struct edge *x = &esort_b->e[*(const uint32_t *)pa],
                      *y = &esort_b->e[*(const uint32_t *)pb];
    int r;

    if (x->w != y->w) {
        int64_t ax = abs64(x->w), ay = abs64(y->w);
        if (ax != ay)
            return ax > ay ? -1 : 1;
    }
    r = cmp_name(esort_b->s, x->src, y->src);
    if (r)
        return r;
    return cmp_name(esort_b->s, x->dst, y->dst);
}

static bool redundant(const struct build *b, uint32_t eidx, uint8_t *seen, uint32_t *queue)
{
    const struct edge *e = &b->e[eidx];
    uint32_t qh = 0, qt = 0, i;
    bool found = false;

    seen[e->dst] = 1;
    queue[qt++] = e->dst;
    while (qh < qt && !found) {
        uint32_t n = queue[qh++], k;
        for (k = b->in_off[n]; k < b->in_off[n + 1]; k++) {
            const struct edge *ie = &b->e[b->in_e[k]];
            if (ie->dead || b->in_e[k] == eidx || seen[ie->src])
                continue;
            if (ie->src == e->src) {
                found = true;
                break;
            }
            seen[ie->src] = 1;
            queue[qt++] = ie->src;
        }
    }
    for (i = 0; i < qt; i++)
        seen[queue[i]] = 0;
    return found;
}

static enum hearth_err remove_redundant(struct build *b)
{
    uint8_t *seen = calloc(b->s->nnodes + 1, 1);
    uint32_t *queue = malloc((b->s->nnodes + 1) * sizeof(*queue)), *in = NULL;
    enum hearth_err e = make_adjacency(b);
    uint32_t i;

    if (e || !seen || !queue)
        goto out_free;
    in = malloc((b->ne + 1) * sizeof(*in));
    if (!in)
        goto out_free;
    for (i = b->nn; i-- > 0;) {
        uint32_t n = b->nodes[i], k, m = 0;
        for (k = b->in_off[n]; k < b->in_off[n + 1]; k++)
            if (!b->e[b->in_e[k]].dead)
                in[m++] = b->in_e[k];
        qsort_r(in, m, sizeof(*in), edge_cmp, b);
        while (m-- > 0) {
            if (!b->e[in[m]].residual)
                break;
            if (redundant(b, in[m], seen, queue))
                b->e[in[m]].dead = true;
        }
    }
    free(seen);
    free(queue);
    free(in);
    return HEARTH_OK;
out_free:
    free(seen);
    free(queue);
    free(in);
    return HEARTH_E_NOMEM;
}

void hearth_graph_free(struct hearth_graph *g)
{
    if (!g)
        return;
    free(g->node);
    free(g->flat);
    free(g->cum);
    free(g->inl);
    free(g->edges);
    free(g->tag_off);
    free(g->tags);
    free(g->has_out);
    free(g);
}

/* pprof's FlatValue/CumValue/WeightValue: v / div when div is not 0. */
static int64_t mean_value(int64_t v, int64_t div)
{
    if (div == 0 || (div == -1 && v == INT64_MIN))
        return v;
    return v / div;
}

/* Tags of the kept nodes, grouped by node position; trimmed at cut when cut > 0. */
static enum hearth_err export_tags(const struct build *b, struct hearth_graph *g,
                                   const uint32_t *pos, int64_t cut)
{
    size_t i;
    uint32_t k;

    g->tag_off = calloc((size_t)g->nnodes + 2, sizeof(*g->tag_off));
    g->tags = malloc((b->tmap.n + 1) * sizeof(*g->tags));
    if (!g->tag_off || !g->tags)
        return HEARTH_E_NOMEM;
    for (i = 0; i < b->tmap.n; i++) {
        uint32_t p = pos[b->tnode[i]];
        if (p == HEARTH_NONE)
            continue;
        if (cut > 0 && abs64(b->tflat[i]) < cut && abs64(b->tcum[i]) < cut)
            continue;
        g->tag_off[p + 2]++;
    }
    for (k = 2; k < g->nnodes + 2; k++)
        g->tag_off[k] += g->tag_off[k - 1];
    for (i = 0; i < b->tmap.n; i++) {
        uint32_t p = pos[b->tnode[i]];
        const uint32_t *key = b->tmap.pool + b->tmap.off[i];
        struct hearth_gtag *t;
        if (p == HEARTH_NONE)
            continue;
        if (cut > 0 && abs64(b->tflat[i]) < cut && abs64(b->tcum[i]) < cut)
            continue;
        t = &g->tags[g->tag_off[p + 1]++];
        t->label = key[2];
        t->num = key[1] ? key[3] : HEARTH_NONE;
        t->flat = b->tflat[i];
        t->cum = b->tcum[i];
    }
    return HEARTH_OK;
}

static enum hearth_err export_graph(struct build *b, struct hearth_graph *g, bool tags,
                                    int64_t tag_cut, bool from_dropped)
{
    uint32_t *pos = malloc((b->s->nnodes + 1) * sizeof(*pos)), *order = NULL, i;
    size_t k, ne = 0;

    if (!pos)
        return HEARTH_E_NOMEM;
    memset(pos, 0xff, (b->s->nnodes + 1) * sizeof(*pos));
    g->nnodes = b->nn;
    g->node = malloc((b->nn + 1) * sizeof(*g->node));
    g->flat = malloc((b->nn + 1) * sizeof(*g->flat));
    g->cum = malloc((b->nn + 1) * sizeof(*g->cum));
    g->inl = calloc(b->nn + 1, 1);
    g->has_out = calloc(b->nn + 1, 1);
    order = malloc((b->ne + 1) * sizeof(*order));
    g->edges = malloc((b->ne + 1) * sizeof(*g->edges));
    if (!g->node || !g->flat || !g->cum || !g->inl || !g->has_out || !order || !g->edges) {
        free(pos);
        free(order);
        return HEARTH_E_NOMEM;
    }
    g->flat_sum = 0;
    for (i = 0; i < b->nn; i++) {
        uint32_t n = b->nodes[i];
        pos[n] = i;
        g->node[i] = n;
        g->flat[i] = b->flatdiv ? mean_value(b->flat[n], b->flatdiv[n]) : b->flat[n];
        g->cum[i] = b->cumdiv ? mean_value(b->cum[n], b->cumdiv[n]) : b->cum[n];
        g->flat_sum = hearth_add64(g->flat_sum, g->flat[i]);
    }
    for (k = 0; k < b->ne; k++) {
        const struct edge *e = &b->e[k];
        if (e->dead)
            continue;
        if (pos[e->src] != HEARTH_NONE)
            g->has_out[pos[e->src]] = 1;
        if (pos[e->dst] == HEARTH_NONE) {
            /* pprof keeps the edge to a node it dropped in the source's out map */
            if (pos[e->src] != HEARTH_NONE && !present(b, e->dst))
                order[ne++] = (uint32_t)k;
            continue;
        }
        /* (inline) if every incoming edge is inline, (partial-inline) if some */
        g->inl[pos[e->dst]] |= e->inline_ ? 1 : 4;
        if (pos[e->src] != HEARTH_NONE || (from_dropped && !present(b, e->src)))
            order[ne++] = (uint32_t)k;
    }
    qsort_r(order, ne, sizeof(*order), edge_cmp, b);
    for (k = 0; k < ne; k++) {
        const struct edge *e = &b->e[order[k]];
        uint32_t d = pos[e->dst], sp = pos[e->src];
        g->edges[k].hidden_src = sp == HEARTH_NONE;
        g->edges[k].src = sp == HEARTH_NONE ? e->src : sp;
        g->edges[k].hidden_dst = d == HEARTH_NONE;
        g->edges[k].dst = d == HEARTH_NONE ? e->dst : d;
        g->edges[k].weight = b->flatdiv ? mean_value(e->w, e->wdiv) : e->w;
        g->edges[k].residual = e->residual;
        g->edges[k].inline_ = e->inline_;
    }
    for (i = 0; i < b->nn; i++)
        g->inl[i] = g->inl[i] == 1 ? 1 : g->inl[i] == 5 ? 2 : 0;
    g->nedges = ne;
    free(order);
    if (tags) {
        enum hearth_err err = export_tags(b, g, pos, tag_cut);
        free(pos);
        return err;
    }
    free(pos);
    return HEARTH_OK;
}

enum hearth_err hearth_graph_build(const struct hearth_stacks *s, const struct hearth_graph_opts *o,
                                   struct hearth_graph **out, struct hearth_errmsg *em)
{
    struct build b;
    struct hearth_graph *g = calloc(1, sizeof(*g));
    uint8_t *kept = calloc(s->nnodes + 1, 1);
    enum hearth_err e;
    int64_t sum = 0, node_cut, edge_cut;
    bool tags = o->visual && s->ts_label != NULL, have_tags = false, rebuilt = false;
    bool cut = !s->no_trim && o->nodefraction != 0; /* else no node falls under the cutoff */
    int mode = o->visual ? 2 : o->cum_sort ? 1 : 0;
    uint32_t i;

    *out = NULL;
    memset(&b, 0, sizeof(b));
    if (!g || !kept) {
        e = HEARTH_E_NOMEM;
        goto out_fail;
    }
    g->s = s;
    /*
     * The first pass only finds the node cutoff: pprof's tag boxes are
     * counted in the passes over the kept nodes (most nodes of a big profile
     * fall under the cutoff, and their tags would be most of the work).
     */
    e = build_graph(&b, s, NULL, false, !cut);
    if (e)
        goto out_fail;
    for (i = 0; i < b.nn; i++)
        sum = hearth_add64(sum, b.flat[b.nodes[i]]);
    node_cut = abs64(hearth_go_int64((double)sum * o->nodefraction));
    edge_cut = abs64(hearth_go_int64((double)sum * o->edgefraction));
    if (s->no_trim) /* -trim=false: nodecount, nodefraction and edgefraction all 0 */
        node_cut = edge_cut = 0;
    g->node_cutoff = node_cut;
    g->edge_cutoff = edge_cut;
    if (node_cut > 0) {
        uint32_t nk = 0;
        for (i = 0; i < b.nn; i++)
            if (abs64(b.cum[b.nodes[i]]) >= node_cut) {
                kept[b.nodes[i]] = 1;
                nk++;
            }
        if (nk != b.nn) {
            g->dropped_nodes = b.nn - nk;
            build_release(&b);
            e = build_graph(&b, s, kept, tags, true);
            if (e)
                goto out_fail;
            have_tags = true;
            rebuilt = true;
        }
    }
    if ((tags && !have_tags) || (cut && !rebuilt)) {
        /* every node kept: the same pass with the tags and the edges */
        build_release(&b);
        e = build_graph(&b, s, NULL, tags, true);
        if (e)
            goto out_fail;
    }
    g->orig_count = b.nn;
    e = sort_nodes(&b, mode);
    if (e)
        goto out_fail;
    if (o->nodecount > 0 && !s->no_trim) {
        uint32_t max = (uint32_t)(o->nodecount < (long)b.nn ? o->nodecount : (long)b.nn);
        trim_edges(&b, edge_cut);
        if (o->visual && o->nodecount > 0) {
            uint32_t *cnt = tags ? count_tags(&b, node_cut) : NULL;
            long count = 0;
            if (tags && !cnt) {
                e = HEARTH_E_NOMEM;
                goto out_fail;
            }
            max = b.nn;
            for (i = 0; i < b.nn; i++) {
                uint32_t t = cnt ? cnt[b.nodes[i]] : 0;
                count += (t > 4 ? 4 : t) + 1;
                if (count >= o->nodecount) {
                    max = i + 1;
                    break;
                }
            }
            free(cnt);
        }
        if (max != b.nn) {
            memset(kept, 0, s->nnodes + 1);
            for (i = 0; i < max; i++)
                kept[b.nodes[i]] = 1;
            build_release(&b);
            e = build_graph(&b, s, kept, tags, true);
            if (e)
                goto out_fail;
            e = sort_nodes(&b, mode);
            if (e)
                goto out_fail;
        }
    }
    g->dropped_edges = trim_edges(&b, edge_cut);
    if (o->visual) {
        e = remove_redundant(&b);
        if (e)
            goto out_fail;
    }
    e = export_graph(&b, g, tags, node_cut, o->from_dropped); /* pprof's final tag trim */
    if (e)
        goto out_fail;
    build_release(&b);
    free(kept);
    *out = g;
    return HEARTH_OK;

out_fail:
    build_release(&b);
    free(kept);
    hearth_graph_free(g);
    if (e == HEARTH_E_TOO_LARGE)
        return hearth_stacks_over_time(s, em);
    return hearth_errmsg_set(em, e, "out of memory building the graph");
}

const char *hearth_graph_output_unit(const struct hearth_graph *g, const char *requested)
{
    const struct hearth_stacks *s = g->s;
    int64_t minv = 0, maxv = s->total;
    const char *umin, *umax, *unit;
    uint32_t i;

    if (requested && *requested && strcmp(requested, "minimum") != 0)
        return requested;
    if (g->nnodes == 0)
        return "minimum";
    for (i = 0; i < g->nnodes; i++) {
        int64_t v = abs64(g->flat[i]);
        if (v == 0)
            v = abs64(g->cum[i]);
        if (v > 0 && (minv == 0 || v < minv))
            minv = v;
    }
    if (minv == 0)
        minv = maxv;
    if (s->ratio > 0 && s->ratio != 1) {
        minv = hearth_go_int64((double)minv * s->ratio);
        maxv = hearth_go_int64((double)maxv * s->ratio);
    }
    hearth_unit_scale(minv, s->unit, "minimum", &umin);
    hearth_unit_scale(maxv, s->unit, "minimum", &umax);
    unit = umin;
    if (strcmp(umin, umax) != 0 && hearth_mul64(minv, 100) < maxv)
        hearth_unit_scale(hearth_mul64(minv, 100), s->unit, "minimum", &unit);
    return *unit ? unit : s->unit;
}

static void add_time(struct hearth_buf *b, int64_t ns)
{
    static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t t = (time_t)(ns / 1000000000);
    struct tm tm;
    int h;

    if (ns < 0 && ns % 1000000000)
        t--;
    if (!gmtime_r(&t, &tm))
        return;
    h = tm.tm_hour % 12;
    hearth_buf_printf(b, "Time: %s %d, %d at %d:%02d%s (UTC)\n", mon[tm.tm_mon], tm.tm_mday,
                      tm.tm_year + 1900, h ? h : 12, tm.tm_min, tm.tm_hour < 12 ? "am" : "pm");
}

static void basename_of(struct hearth_str f, struct hearth_str *out)
{
    const char *end, *b;

    while (f.len > 1 && f.ptr[f.len - 1] == '/')
        f.len--;
    end = f.ptr + f.len;
    b = end;
    while (b > f.ptr && b[-1] != '/')
        b--;
    out->ptr = b;
    out->len = (size_t)(end - b);
    if (out->len == 0 && f.len) {
        out->ptr = "/";
        out->len = 1;
    }
}

void hearth_graph_fmt(const struct hearth_stacks *s, char *out, size_t outsz, int64_t v,
                      const char *unit)
{
    if (s->ratio > 0 && s->ratio != 1)
        v = hearth_go_int64((double)v * s->ratio);
    hearth_unit_label(out, outsz, v, s->unit, unit);
}

void hearth_graph_labels(const struct hearth_graph *g, const char *unit, double nodefraction,
                         double edgefraction, struct hearth_buf *buf)
{
    hearth_graph_labels_ex(g, unit, nodefraction, edgefraction, true, buf);
}

void hearth_graph_profile_labels(const struct hearth_stacks *s, const char *unit,
                                 struct hearth_buf *buf)
{
    const struct hearth_profile *p = s->p;
    char v1[128], v2[128], pc[64];
    uint32_t i;

    if (p->nmap > 0 && !p->fake_mapping) {
        struct hearth_str f = hearth_pstr(p, p->map_file[0]),
                          bid = hearth_pstr(p, p->map_build_id[0]);
        if (f.len) {
            struct hearth_str base;
            basename_of(f, &base);
            hearth_buf_addstr(buf, "File: ");
            hearth_buf_add(buf, base.ptr, base.len);
            hearth_buf_addch(buf, '\n');
        }
        if (bid.len) {
            hearth_buf_addstr(buf, "Build ID: ");
            hearth_buf_add(buf, bid.ptr, bid.len);
            hearth_buf_addch(buf, '\n');
        }
    }
    for (i = 0; i < p->ncomments; i++) {
        struct hearth_str c = hearth_pstr(p, p->comments[i]);
        if (c.len && c.ptr[0] == '#')
            continue;
        hearth_buf_add(buf, c.ptr, c.len);
        hearth_buf_addch(buf, '\n');
    }
    if (s->type[0])
        hearth_buf_printf(buf, "Type: %s\n", s->type);
    if (p->time_nanos != 0)
        add_time(buf, p->time_nanos);
    if (p->duration_nanos != 0) {
        const char *tu;
        double tn = hearth_unit_scale(s->total, s->unit, "nanoseconds", &tu);
        hearth_unit_label(v1, sizeof(v1), p->duration_nanos, "nanoseconds", "auto");
        hearth_graph_fmt(s, v2, sizeof(v2), s->total, unit);
        hearth_buf_printf(buf, "Duration: %s, Total samples = %s ", v1, v2);
        if (!strcmp(tu, "ns") && tn != 0) {
            hearth_percentage(pc, sizeof(pc), hearth_go_int64(tn), p->duration_nanos);
            hearth_buf_printf(buf, "(%s)", pc);
        }
        hearth_buf_addch(buf, '\n');
    }
}

void hearth_graph_labels_ex(const struct hearth_graph *g, const char *unit, double nodefraction,
                            double edgefraction, bool full, struct hearth_buf *buf)
{
    const struct hearth_stacks *s = g->s;
    char v1[128], v2[128], pc[64];
    uint32_t i;

    /* -compact_labels: no profile lines in text reports */
    if (full || !s->compact_labels)
        hearth_graph_profile_labels(s, unit, buf);
    if (s->nfilters) {
        hearth_buf_addstr(buf, "Active filters:\n");
        for (i = 0; i < s->nfilters; i++)
            hearth_buf_printf(buf, "   %s\n", s->filters[i]);
    }
    hearth_graph_fmt(s, v1, sizeof(v1), g->flat_sum, unit);
    hearth_graph_fmt(s, v2, sizeof(v2), s->total, unit);
    hearth_percentage(pc, sizeof(pc), g->flat_sum, s->total);
    {
        const char *t = pc;
        while (*t == ' ')
            t++;
        hearth_buf_printf(buf, "Showing nodes accounting for %s, %s of %s total\n", v1, t, v2);
    }
    if (s->total != 0) {
        if (g->dropped_nodes > 0) {
            hearth_graph_fmt(s, v1, sizeof(v1),
                             abs64(hearth_go_int64((double)s->total * nodefraction)), unit);
            hearth_buf_printf(buf, "Dropped %u node%s (cum <= %s)\n", g->dropped_nodes,
                              g->dropped_nodes > 1 ? "s" : "", v1);
        }
        if (g->dropped_edges > 0 && edgefraction >= 0) {
            hearth_graph_fmt(s, v1, sizeof(v1),
                             abs64(hearth_go_int64((double)s->total * edgefraction)), unit);
            hearth_buf_printf(buf, "Dropped %u edge%s (freq <= %s)\n", g->dropped_edges,
                              g->dropped_edges > 1 ? "s" : "", v1);
        }
        if (g->nnodes > 0 && g->nnodes < g->orig_count)
            hearth_buf_printf(buf, "Showing top %u nodes out of %u\n", g->nnodes, g->orig_count);
    }
}
